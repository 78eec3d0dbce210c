/*
 * spisyncctl -- the command line (cli.h).
 */

/* explicit_bzero */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt_util.h"


void
cli_usage(FILE *fp)
{
	fputs(
"usage: spisyncctl [-d DEVICE] [--json] show drops | show sa | show events | show card\n"
"       spisyncctl [-s SOCKET] [--json] show ike | show flows | show peers\n"
"       spisyncctl [-s SOCKET] rekey PEER | rekey-ike PEER | initiate PEER\n"
"       spisyncctl [-d DEVICE] --prometheus show drops | show sa\n"
"       spisyncctl [-d DEVICE] clear counters\n"
"       spisyncctl [-d DEVICE] sa add spi SPI dst ADDR aead KEYSALT ICVBITS [esn]\n"
"                  [mode tunnel|transport|auto] [encap espinudp SPORT DPORT]\n"
"                  [soft-bytes N] [hard-bytes N] [soft-packets N] [hard-packets N]\n"
"                  [soft-time S] [hard-time S]\n"
"       spisyncctl [-d DEVICE] sa del (spi SPI | index N)\n"
"\n"
"The operator's CLI of a spisync card; it talks to the card through\n"
"libspisync, no daemon needed. show ike, flows and peers ask spisyncd.\n"
"\n"
"  -d, --device DEVICE  sim:SOCKET, xrt:N[:XCLBIN] or pci:DDDD:BB:DD.F (default:\n"
"                       $SPISYNC_DEVICE, else " CTL_DEFAULT_DEVICE ")\n"
"  -s, --socket PATH    spisyncd's control socket (default: $SPISYNCD_SOCKET,\n"
"                       else " CTL_DEFAULT_SOCKET ")\n"
"  --json               one JSON document (docs/spisyncctl.md has the schema)\n"
"  --prometheus         Prometheus text format 0.0.4 (show drops, show sa)\n"
"  -h, --help           this text\n"
"\n"
"show drops      every drop reason and delivered outcome: the count since the\n"
"                last `clear counters` and the change since the previous show;\n"
"                both kept in a state file per device in $SPISYNC_STATE_DIR\n"
"                (default /run/spisync). The card's counters are read-only:\n"
"                clear counters sets a baseline that show subtracts.\n"
"                --prometheus prints the card's own counters and keeps no state.\n"
"show sa         the installed SAs and their counters\n"
"show events     the card's recent event records (never consumes the ring)\n"
"show card       version, capabilities, controller, ring and event filter\n"
"show ike        spisyncd's IKE SAs and their CHILD SAs\n"
"show flows      spisyncd's invalid-SPI flows: class, history, recoveries\n"
"show peers      spisyncd's configured peers and their state\n"
"rekey PEER      spisyncd rekeys the peer's CHILD SAs (make-before-break)\n"
"rekey-ike PEER  spisyncd rekeys its IKE SA with the peer\n"
"initiate PEER   spisyncd brings up an IKE SA and a CHILD SA with a static peer\n"
"sa add          install an inbound SA (AES-GCM, RFC 4106). KEYSALT is the key\n"
"                followed by the 4-byte salt in hex, as `ip xfrm state add ...\n"
"                aead 'rfc4106(gcm(aes))' 0x... 128` takes it: 20 bytes\n"
"                (AES-128) or 36 (AES-256). Keys on the command line are seen by\n"
"                every user in the process list: write `aead key-file PATH\n"
"                ICVBITS` instead to read the hex from a file. ICVBITS: 64, 96\n"
"                or 128. mode: auto (default; the card decides per packet),\n"
"                tunnel or transport. Lifetimes: 0 or absent is none.\n"
"sa del          delete an SA by SPI or by index (its key is zeroized)\n"
"\n"
"Numbers are decimal or 0x hex. Exit status: 0 done, 1 error (the message\n"
"names the device), 2 usage.\n", fp);
}

const char *
cli_socket(const struct ctl_cmd *cmd, const char *env_socket)
{
	if (cmd->socket != NULL)
		return cmd->socket;
	if (env_socket != NULL && env_socket[0] != '\0')
		return env_socket;
	return CTL_DEFAULT_SOCKET;
}

bool
cli_is_daemon_verb(enum ctl_verb verb)
{
	return verb == CTL_SHOW_IKE || verb == CTL_SHOW_FLOWS ||
	    verb == CTL_SHOW_PEERS || verb == CTL_REKEY || verb == CTL_REKEY_IKE ||
	    verb == CTL_INITIATE;
}

/* "show WHAT" */
static int
parse_show(const char *what, struct ctl_cmd *cmd, char *err, size_t errlen)
{
	if (strcmp(what, "drops") == 0)
		cmd->verb = CTL_SHOW_DROPS;
	else if (strcmp(what, "sa") == 0)
		cmd->verb = CTL_SHOW_SA;
	else if (strcmp(what, "events") == 0)
		cmd->verb = CTL_SHOW_EVENTS;
	else if (strcmp(what, "card") == 0)
		cmd->verb = CTL_SHOW_CARD;
	else if (strcmp(what, "ike") == 0)
		cmd->verb = CTL_SHOW_IKE;
	else if (strcmp(what, "flows") == 0)
		cmd->verb = CTL_SHOW_FLOWS;
	else if (strcmp(what, "peers") == 0)
		cmd->verb = CTL_SHOW_PEERS;
	else
		return ctl_fail(err, errlen, "show: '%s' is not drops, sa, events, "
		    "card, ike, flows or peers", what);
	return 0;
}

static int
parse_command(int argc, char *const argv[], struct ctl_cmd *cmd, char *err,
    size_t errlen)
{
	if (argc == 0)
		return ctl_fail(err, errlen, "no command given");
	if (strcmp(argv[0], "show") == 0) {
		if (argc < 2)
			return ctl_fail(err, errlen, "show: needs drops, sa, events, "
			    "card, ike, flows or peers");
		if (parse_show(argv[1], cmd, err, errlen) != 0)
			return -1;
		if (argc > 2)
			return ctl_fail(err, errlen, "show %s: unexpected '%s'", argv[1],
			    argv[2]);
		return 0;
	}
	if (strcmp(argv[0], "rekey") == 0 || strcmp(argv[0], "rekey-ike") == 0 ||
	    strcmp(argv[0], "initiate") == 0) {
		if (argc < 2 || argv[1][0] == '\0')
			return ctl_fail(err, errlen, "%s: needs a PEER (its [peer NAME] "
			    "in spisyncd's configuration)", argv[0]);
		if (argc > 2)
			return ctl_fail(err, errlen, "%s %s: unexpected '%s'", argv[0],
			    argv[1], argv[2]);
		/* one request line: the name must not end it early */
		if (strpbrk(argv[1], "\n\r") != NULL)
			return ctl_fail(err, errlen, "%s: a peer name has no line "
			    "break", argv[0]);
		cmd->verb = argv[0][0] == 'i' ? CTL_INITIATE :
		    argv[0][5] == '-' ? CTL_REKEY_IKE : CTL_REKEY;
		cmd->peer = argv[1];
		return 0;
	}
	if (strcmp(argv[0], "clear") == 0) {
		if (argc < 2 || strcmp(argv[1], "counters") != 0)
			return ctl_fail(err, errlen, "clear: only 'clear counters'");
		if (argc > 2)
			return ctl_fail(err, errlen, "clear counters: unexpected '%s'",
			    argv[2]);
		cmd->verb = CTL_CLEAR_COUNTERS;
		return 0;
	}
	if (strcmp(argv[0], "sa") == 0) {
		if (argc >= 2 && strcmp(argv[1], "add") == 0) {
			cmd->verb = CTL_SA_ADD;
			if (sa_args_add(argc - 2, argv + 2, &cmd->sa, &cmd->key_arg,
			    err, errlen) != 0)
				return -1;
			/* as an index of main's argv */
			if (cmd->key_arg >= 0)
				cmd->key_arg += 2;
			return 0;
		}
		if (argc >= 2 && strcmp(argv[1], "del") == 0) {
			cmd->verb = CTL_SA_DEL;
			return sa_args_del(argc - 2, argv + 2, &cmd->del, err,
			    errlen);
		}
		return ctl_fail(err, errlen, "sa: needs add or del");
	}
	return ctl_fail(err, errlen, "unknown command '%s'", argv[0]);
}

int
cli_parse(int argc, char *const argv[], const char *env_device,
    struct ctl_cmd *cmd, char *err, size_t errlen)
{
	bool json = false, prom = false;
	int i;

	memset(cmd, 0, sizeof(*cmd));
	cmd->key_arg = -1;
	cmd->device = env_device != NULL && env_device[0] != '\0' ?
	    env_device : CTL_DEFAULT_DEVICE;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			cmd->verb = CTL_HELP;
			return 0;
		} else if (strcmp(opt, "-d") == 0 || strcmp(opt, "--device") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0')
				return ctl_fail(err, errlen, "%s needs a DEVICE", opt);
			cmd->device = argv[++i];
		} else if (strcmp(opt, "-s") == 0 || strcmp(opt, "--socket") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0')
				return ctl_fail(err, errlen, "%s needs a PATH", opt);
			cmd->socket = argv[++i];
		} else if (strcmp(opt, "--json") == 0) {
			json = true;
		} else if (strcmp(opt, "--prometheus") == 0) {
			prom = true;
		} else if (strcmp(opt, "--") == 0) {
			i++;
			break;
		} else {
			return ctl_fail(err, errlen, "unknown option '%s'", opt);
		}
	}
	if (json && prom)
		return ctl_fail(err, errlen, "--json and --prometheus exclude each "
		    "other");
	cmd->format = json ? CTL_FMT_JSON : prom ? CTL_FMT_PROM : CTL_FMT_TEXT;
	if (parse_command(argc - i, argv + i, cmd, err, errlen) != 0)
		goto fail;
	if (cmd->key_arg >= 0)
		cmd->key_arg += i;
	if (prom && cmd->verb != CTL_SHOW_DROPS && cmd->verb != CTL_SHOW_SA) {
		ctl_fail(err, errlen, "--prometheus is for show drops and show sa");
		goto fail;
	}
	return 0;
fail:
	explicit_bzero(&cmd->sa, sizeof(cmd->sa));
	cmd->key_arg = -1;
	return -1;
}
