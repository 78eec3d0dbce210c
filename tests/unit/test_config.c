/*
 * spisync -- unit tests of spisyncd's configuration file
 * (hostd/spisyncd/config.c): the sample etc/spisyncd.conf field by field,
 * defaults, every value form, a table of bad files each with the line and
 * reason expected, the peer lookups, proposal names, and that PSKs are
 * cleansed.
 *
 * Oracles: expectations written out by hand here: addresses and IDs as
 * bytes, transform IDs as the IANA numbers (RFC 7296 3.3.2), traffic
 * selector ranges computed by hand from their CIDR, syslog facilities as
 * the RFC 5424 codes times 8, line numbers counted in the text.
 *
 *   test_config      (run from the top of the repository: reads
 *                     etc/spisyncd.conf and tests/unit/config/)
 */

#define _GNU_SOURCE   /* mkdtemp */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <ini.h>

#include "config.h"

#define SAMPLE     "etc/spisyncd.conf"
#define CONF_DIR   "tests/unit/config"

/* RFC 5424 facility codes, shifted as syslog(3) wants them */
#define FAC_DAEMON  (3 << 3)
#define FAC_LOCAL0  (16 << 3)
#define FAC_LOCAL7  (23 << 3)

static char tmp_dir[256];
static char tmp_path[300];
/* large (about 450 KB): not on the stack */
static struct sd_config cfg;
static char err[1024];

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_config.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	snprintf(tmp_path, sizeof(tmp_path), "%s/t.conf", tmp_dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return rmdir(tmp_dir);
}

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(tmp_path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* load text from a file; returns sd_config_load's result */
static int
load_text(const char *text)
{
	write_file(text, strlen(text));
	memset(err, 0, sizeof(err));
	return sd_config_load(tmp_path, &cfg, err, sizeof(err));
}

static int
load_ok(const char *text)
{
	const int rc = load_text(text);

	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	return rc;
}

static const uint8_t *
v4(const struct sockaddr_storage *ss)
{
	assert_int_equal(ss->ss_family, AF_INET);
	return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void
check_id(const struct sd_id *id, uint8_t type, const void *data, size_t len)
{
	assert_int_equal(id->type, type);
	assert_int_equal(id->len, len);
	assert_memory_equal(id->data, data, len);
}

static void
check_ts4(const struct sd_ts *ts, const uint8_t start[4],
    const uint8_t end[4], uint8_t proto, uint16_t lo, uint16_t hi)
{
	assert_false(ts->ipv6);
	assert_memory_equal(ts->start, start, 4);
	assert_memory_equal(ts->end, end, 4);
	assert_int_equal(ts->proto, proto);
	assert_int_equal(ts->port_lo, lo);
	assert_int_equal(ts->port_hi, hi);
}

static void
check_ike(const struct sd_ike_proposal *p, unsigned bits, unsigned prf,
    unsigned dh)
{
	assert_int_equal(p->encr_keybits, bits);
	assert_int_equal(p->prf, prf);
	assert_int_equal(p->dh, dh);
}

static void
check_esp(const struct sd_esp_proposal *p, unsigned bits, bool esn_no,
    bool esn_yes)
{
	assert_int_equal(p->encr_keybits, bits);
	assert_int_equal(p->esn_no, esn_no);
	assert_int_equal(p->esn_yes, esn_yes);
}

/* the line of the sample that starts with text (counted here) */
static unsigned
line_of(const char *path, const char *text)
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strncmp(line, text, strlen(text)) == 0) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	fail_msg("%s: no line starting with %s", path, text);
	return 0;
}

static bool
all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* ------------------------------------------------------------------ */

static void
test_sample(void **state)
{
	static const char psk[] = "spisync demo key; not for production";
	static const uint8_t psk_rw[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	const struct sd_peer *p;

	(void)state;
	memset(err, 0, sizeof(err));
	if (sd_config_load(SAMPLE, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.path, SAMPLE);
	assert_string_equal(cfg.device, "sim:/run/spisync/sim.sock");
	assert_string_equal(cfg.control_socket, "/run/spisync/spisyncd.sock");
	assert_string_equal(cfg.flightrec_dir, "/var/lib/spisync/flightrec");
	assert_int_equal(cfg.flightrec_keep, 20);
	assert_int_equal(cfg.n_listen, 1);
	assert_memory_equal(v4(&cfg.listen[0]), ((uint8_t[]){ 198, 18, 0, 2 }), 4);
	assert_int_equal(cfg.miss_log_interval_s, 60);
	assert_int_equal(cfg.stuck_holdoff_s, 2);
	assert_int_equal(cfg.recovery_interval_s, 10);
	assert_int_equal(cfg.retransmit_timeout_ms, 500);
	assert_int_equal(cfg.retransmit_tries, 5);
	assert_true(cfg.retransmit_base == 1.8);
	assert_int_equal(cfg.cookie_threshold, 32);
	assert_int_equal(cfg.half_open_timeout_s, 30);
	assert_int_equal(cfg.event_ring_log2, 12);
	assert_int_equal(cfg.syslog_facility, FAC_DAEMON);
	assert_int_equal(cfg.n_peers, 2);

	p = &cfg.peers[0];
	assert_string_equal(p->name, "strongswan");
	assert_int_equal(p->line, line_of(SAMPLE, "[peer strongswan]"));
	assert_int_equal(p->type, SD_PEER_STATIC);
	assert_memory_equal(v4(&p->addr), ((uint8_t[]){ 198, 18, 0, 1 }), 4);
	assert_int_equal(port_of(&p->addr), 500);
	check_id(&p->local_id, 1, (uint8_t[]){ 198, 18, 0, 2 }, 4);
	check_id(&p->remote_id, 1, (uint8_t[]){ 198, 18, 0, 1 }, 4);
	assert_int_equal(p->psk_len, strlen(psk));
	assert_memory_equal(p->psk, psk, strlen(psk));
	assert_int_equal(p->n_ike, 2);
	check_ike(&p->ike[0], 256, 6, 19);
	check_ike(&p->ike[1], 128, 5, 31);
	assert_int_equal(p->n_esp, 2);
	check_esp(&p->esp[0], 128, false, true);
	check_esp(&p->esp[1], 256, true, false);
	assert_int_equal(p->n_local_ts, 1);
	check_ts4(&p->local_ts[0], (uint8_t[]){ 198, 18, 2, 0 },
	    (uint8_t[]){ 198, 18, 2, 255 }, 0, 0, 65535);
	assert_int_equal(p->n_remote_ts, 2);
	check_ts4(&p->remote_ts[0], (uint8_t[]){ 198, 18, 1, 0 },
	    (uint8_t[]){ 198, 18, 1, 255 }, 0, 0, 65535);
	check_ts4(&p->remote_ts[1], (uint8_t[]){ 198, 18, 3, 0 },
	    (uint8_t[]){ 198, 18, 3, 255 }, 17, 5000, 5010);
	assert_int_equal(p->ike_lifetime_s, 14400);
	assert_int_equal(p->child_lifetime_s, 3600);
	assert_int_equal(p->rekey_jitter_s, 300);
	assert_int_equal(p->dpd_delay_s, 30);
	assert_false(p->initiate);
	assert_true(p->recovery);

	p = &cfg.peers[1];
	assert_string_equal(p->name, "roadwarriors");
	assert_int_equal(p->line, line_of(SAMPLE, "[peer roadwarriors]"));
	assert_int_equal(p->type, SD_PEER_DYNAMIC);
	assert_memory_equal(v4(&p->addr), ((uint8_t[]){ 198, 19, 0, 0 }), 4);
	assert_int_equal(p->prefix, 16);
	check_id(&p->local_id, 1, (uint8_t[]){ 198, 18, 0, 2 }, 4);
	check_id(&p->remote_id, 2, "client.example.net", 18);
	assert_int_equal(p->psk_len, 16);
	assert_memory_equal(p->psk, psk_rw, 16);
	/* the defaults */
	assert_int_equal(p->n_ike, 4);
	check_ike(&p->ike[0], 256, 6, 19);
	check_ike(&p->ike[1], 128, 5, 19);
	check_ike(&p->ike[2], 128, 5, 31);
	check_ike(&p->ike[3], 128, 5, 14);
	assert_int_equal(p->n_esp, 2);
	check_esp(&p->esp[0], 256, true, true);
	check_esp(&p->esp[1], 128, true, true);
	assert_int_equal(p->n_local_ts, 1);
	check_ts4(&p->local_ts[0], (uint8_t[]){ 198, 18, 0, 2 },
	    (uint8_t[]){ 198, 18, 0, 2 }, 0, 0, 65535);
	assert_int_equal(p->n_remote_ts, 1);
	check_ts4(&p->remote_ts[0], (uint8_t[]){ 198, 19, 0, 0 },
	    (uint8_t[]){ 198, 19, 255, 255 }, 0, 0, 65535);
	assert_int_equal(p->ike_lifetime_s, 14400);
	assert_int_equal(p->child_lifetime_s, 3600);
	assert_int_equal(p->rekey_jitter_s, 300);
	assert_int_equal(p->dpd_delay_s, 0);
	assert_false(p->initiate);
	assert_true(p->recovery);
	sd_config_free(&cfg);
}

/* Options left out: the documented defaults. */
static void
test_defaults(void **state)
{
	const struct sd_peer *p;

	(void)state;
	assert_int_equal(load_ok(
	    "[global]\n"
	    "device = sim:/s\n"
	    "listen = 2001:db8::2\n"
	    "[peer a]\n"
	    "address = 198.18.0.1\n"
	    "psk = 0123456789abcdef\n"), 0);
	assert_string_equal(cfg.control_socket, "/run/spisync/spisyncd.sock");
	assert_string_equal(cfg.flightrec_dir, "/var/lib/spisync/flightrec");
	assert_int_equal(cfg.flightrec_keep, 20);
	assert_int_equal(cfg.miss_log_interval_s, 60);
	assert_int_equal(cfg.stuck_holdoff_s, 2);
	assert_int_equal(cfg.recovery_interval_s, 10);
	assert_int_equal(cfg.retransmit_timeout_ms, 500);
	assert_int_equal(cfg.retransmit_tries, 5);
	assert_true(cfg.retransmit_base == 1.8);
	assert_int_equal(cfg.cookie_threshold, 32);
	assert_int_equal(cfg.half_open_timeout_s, 30);
	assert_int_equal(cfg.event_ring_log2, 12);
	assert_int_equal(cfg.syslog_facility, FAC_DAEMON);
	assert_int_equal(cfg.n_peers, 1);
	p = &cfg.peers[0];
	assert_int_equal(p->line, 4);
	assert_int_equal(p->type, SD_PEER_STATIC);
	assert_int_equal(port_of(&p->addr), 500);
	/* local_id, local_ts: the listen address; remote_*: the peer's */
	check_id(&p->local_id, 5, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }, 16);
	check_id(&p->remote_id, 1, (uint8_t[]){ 198, 18, 0, 1 }, 4);
	assert_int_equal(p->n_local_ts, 1);
	assert_true(p->local_ts[0].ipv6);
	assert_memory_equal(p->local_ts[0].start, ((uint8_t[]){ 0x20, 0x01,
	    0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }), 16);
	assert_memory_equal(p->local_ts[0].end, p->local_ts[0].start, 16);
	assert_int_equal(p->n_remote_ts, 1);
	check_ts4(&p->remote_ts[0], (uint8_t[]){ 198, 18, 0, 1 },
	    (uint8_t[]){ 198, 18, 0, 1 }, 0, 0, 65535);
	assert_int_equal(p->n_ike, 4);
	assert_int_equal(p->n_esp, 2);
	assert_int_equal(p->ike_lifetime_s, 4 * 3600);
	assert_int_equal(p->child_lifetime_s, 3600);
	assert_int_equal(p->rekey_jitter_s, 300);
	assert_int_equal(p->dpd_delay_s, 30);
	assert_false(p->initiate);
	assert_true(p->recovery);
	sd_config_free(&cfg);

	/* the 5 min jitter default shrinks to a tenth of a short lifetime */
	assert_int_equal(load_ok(
	    "[global]\ndevice = sim:/s\nlisten = 198.18.0.2\n"
	    "[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcdef\n"
	    "child_lifetime = 60s\n"), 0);
	assert_int_equal(cfg.peers[0].rekey_jitter_s, 6);
	sd_config_free(&cfg);
	/* no lifetimes: the jitter stays (unused) */
	assert_int_equal(load_ok(
	    "[global]\ndevice = sim:/s\nlisten = 198.18.0.2\n"
	    "[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcdef\n"
	    "child_lifetime = 0\nike_lifetime = 0\n"), 0);
	assert_int_equal(cfg.peers[0].rekey_jitter_s, 300);
	sd_config_free(&cfg);
}

/* tests/unit/config/forms.conf: every form of every kind of value */
static void
test_forms(void **state)
{
	static const uint8_t db8_1[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	const struct sd_peer *p;

	(void)state;
	if (sd_config_load(CONF_DIR "/forms.conf", &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	/* durations: 90 = 90 s, 2m, 1h, 7s; ms: 2 (s), 250ms, 1m */
	assert_int_equal(cfg.miss_log_interval_s, 90);
	assert_int_equal(cfg.stuck_holdoff_s, 120);
	assert_int_equal(cfg.recovery_interval_s, 3600);
	assert_int_equal(cfg.half_open_timeout_s, 7);
	assert_int_equal(cfg.retransmit_timeout_ms, 2000);
	assert_int_equal(cfg.retransmit_tries, 20);
	assert_true(cfg.retransmit_base == 2.0);
	assert_int_equal(cfg.cookie_threshold, 1);
	assert_int_equal(cfg.event_ring_log2, 20);
	assert_int_equal(cfg.flightrec_keep, 0);
	assert_int_equal(cfg.syslog_facility, FAC_LOCAL7);
	assert_string_equal(cfg.device, "xrt:0:/opt/card.xclbin");
	/* a '#' inside a path is no comment without white space before it */
	assert_string_equal(cfg.control_socket, "/tmp/a#b.sock");
	assert_string_equal(cfg.flightrec_dir, "/var/lib/x y;z");
	assert_int_equal(cfg.n_listen, 3);
	assert_memory_equal(v4(&cfg.listen[0]), ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	assert_int_equal(cfg.listen[1].ss_family, AF_INET6);
	assert_memory_equal(&((struct sockaddr_in6 *)&cfg.listen[1])->sin6_addr,
	    db8_1, 16);
	assert_memory_equal(v4(&cfg.listen[2]), ((uint8_t[]){ 10, 0, 0, 3 }), 4);
	assert_int_equal(cfg.n_peers, 4);

	p = &cfg.peers[0];   /* [peer v4port] */
	assert_memory_equal(v4(&p->addr), ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	assert_int_equal(port_of(&p->addr), 4500);
	check_id(&p->local_id, 2, "vpn.example.com", 15);
	check_id(&p->remote_id, 3, "alice@example.com", 17);
	assert_int_equal(p->psk_len, 26);
	assert_memory_equal(p->psk, " quoted ; with # inside  ", 25);
	assert_int_equal(p->psk[25], '!');
	assert_int_equal(p->n_ike, 3);
	check_ike(&p->ike[0], 128, 5, 14);
	check_ike(&p->ike[1], 256, 6, 31);     /* any order, x25519 alias */
	check_ike(&p->ike[2], 128, 6, 31);
	assert_int_equal(p->n_esp, 3);
	check_esp(&p->esp[0], 128, true, false);
	check_esp(&p->esp[1], 256, true, true);  /* -noesn-esn: either */
	check_esp(&p->esp[2], 256, true, false); /* -noesn alone */
	assert_int_equal(p->n_local_ts, 4);
	check_ts4(&p->local_ts[0], (uint8_t[]){ 10, 1, 0, 0 },
	    (uint8_t[]){ 10, 1, 255, 255 }, 6, 0, 65535);
	check_ts4(&p->local_ts[1], (uint8_t[]){ 10, 2, 3, 4 },
	    (uint8_t[]){ 10, 2, 3, 4 }, 17, 53, 53);
	check_ts4(&p->local_ts[2], (uint8_t[]){ 0, 0, 0, 0 },
	    (uint8_t[]){ 255, 255, 255, 255 }, 132, 1, 2);
	check_ts4(&p->local_ts[3], (uint8_t[]){ 10, 3, 0, 0 },
	    (uint8_t[]){ 10, 3, 0, 127 }, 1, 0, 65535);
	assert_int_equal(p->n_remote_ts, 1);
	assert_true(p->remote_ts[0].ipv6);
	assert_memory_equal(p->remote_ts[0].start, ((uint8_t[]){ 0x20, 0x01,
	    0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), 16);
	assert_memory_equal(p->remote_ts[0].end, ((uint8_t[]){ 0x20, 0x01,
	    0x0d, 0xb8, 0, 0x0a, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff }), 16);
	assert_int_equal(p->ike_lifetime_s, 0);
	assert_int_equal(p->child_lifetime_s, 600);
	assert_int_equal(p->rekey_jitter_s, 0);
	assert_int_equal(p->dpd_delay_s, 1);
	assert_true(p->initiate);
	assert_false(p->recovery);

	p = &cfg.peers[1];   /* [peer v6port] */
	assert_int_equal(p->addr.ss_family, AF_INET6);
	assert_memory_equal(&((struct sockaddr_in6 *)&p->addr)->sin6_addr,
	    db8_1, 16);
	assert_int_equal(port_of(&p->addr), 500);
	/* remote_id default: the address, as ID_IPV6_ADDR */
	check_id(&p->remote_id, 5, db8_1, 16);
	check_id(&p->local_id, 11, (uint8_t[]){ 0x01, 0x23, 0xab, 0xCD }, 4);
	/* unquoted text psk: '#' without white space before it stays */
	assert_int_equal(p->psk_len, 20);
	assert_memory_equal(p->psk, "unquoted#text;psk-ok", 20);
	assert_true(p->initiate);
	assert_true(p->recovery);

	p = &cfg.peers[2];   /* [peer v6bare] */
	assert_int_equal(p->addr.ss_family, AF_INET6);
	assert_int_equal(port_of(&p->addr), 500);
	check_id(&p->local_id, 2, "gw", 2);          /* @gw */
	assert_false(p->initiate);
	assert_true(p->recovery);

	p = &cfg.peers[3];   /* [peer anyone]: dynamic, no address */
	assert_int_equal(p->type, SD_PEER_DYNAMIC);
	assert_int_equal(p->addr.ss_family, AF_UNSPEC);
	assert_int_equal(p->prefix, 0);
	check_ts4(&p->remote_ts[0], (uint8_t[]){ 0, 0, 0, 0 },
	    (uint8_t[]){ 255, 255, 255, 255 }, 0, 0, 65535);
	assert_false(p->initiate);
	assert_false(p->recovery);
	sd_config_free(&cfg);
}

/* CRLF line ends and a UTF-8 BOM (Windows editors) */
static void
test_crlf_bom(void **state)
{
	(void)state;
	assert_int_equal(load_ok(
	    "\xef\xbb\xbf[global]\r\n"
	    "device = sim:/s\r\n"
	    "listen = 198.18.0.2 ; here\r\n"
	    "\r\n"
	    "[peer a]\r\n"
	    "address = 198.18.0.1\r\n"
	    "psk = \"0123456789abcdef\"\r\n"), 0);
	assert_string_equal(cfg.device, "sim:/s");
	assert_int_equal(cfg.peers[0].line, 5);
	assert_int_equal(cfg.peers[0].psk_len, 16);
	assert_memory_equal(cfg.peers[0].psk, "0123456789abcdef", 16);
	sd_config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* bad files                                                           */
/* ------------------------------------------------------------------ */

/* lines 1-3 */
#define G  "[global]\ndevice = sim:/s\nlisten = 198.18.0.2\n"
/* lines 4-6 after G */
#define PA "[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcdef\n"

struct bad {
	const char *text;
	const char *expect;     /* "LINE: reason" (the path comes before) */
};

static const struct bad bad_files[] = {
	{ "device = sim:/s\n", "1: option device before any [section]" },
	{ "# c\n\n[globl]\n", "3: unknown section [globl]" },
	{ "[global]\ndevice = sim:/s\nfoo = 1\n", "3: unknown option foo in [global]" },
	{ G PA "bar = 1\n", "7: unknown option bar in [peer a]" },
	{ G PA "[peer a]\n", "7: duplicate peer a (first at line 4)" },
	{ G PA "[peer b]\naddress = 198.18.0.1:4500\npsk = 0123456789abcdef\n",
	  "8: peer b: address already belongs to peer a (line 5)" },
	{ G "[peer a]\naddress = 198.18.0.1\ntype = static\n[peer b]\n",
	  "4: peer a: psk not set" },
	{ G "[peer a]\npsk = 0123456789abcdef\n", "4: peer a: address not set" },
	{ G "[peer a]\ntype = dynamic\npsk = 0123456789abcdef\nremote_ts = 10.0.0.0/8\n",
	  "4: peer a: remote_id not set (required for dynamic peers)" },
	{ G "[peer a]\ntype = dynamic\npsk = 0123456789abcdef\nremote_id = @x\n",
	  "4: peer a: remote_ts not set (required for dynamic peers)" },
	{ G "[peer a]\ntype = dynamic\naddress = 198.18.0.1:500\npsk = 0123456789abcdef\n",
	  "6: peer a: a dynamic peer's address is a range" },
	{ G "[peer a]\naddress = 198.18.0.0/24\npsk = 0123456789abcdef\n",
	  "5: peer a: a static peer's address is one host address" },
	{ G "[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcde\n",
	  "6: psk: 15 bytes is too short: at least 16" },
	{ G "[peer a]\naddress = 198.18.0.1\npsk = 0x00112233445566778899aabbccddeef\n",
	  "6: psk: 0x wants an even number of hex digits" },
	{ G "[peer a]\naddress = 198.18.0.1\npsk = 0x00112233445566778899aabbccddeefg\n",
	  "6: psk: 0x wants hex digits only" },
	{ G "[peer a]\naddress = 198.18.0.1\npsk = \"0123456789abcdef\n",
	  "6: psk: no closing '\"'" },
	{ G "[peer a]\naddress = 198.18.0.1\npsk = \"0123456789abcdef\" x\n",
	  "6: psk: text after the closing '\"'" },
	{ G "stuck_holdoff = 5x\n", "4: stuck_holdoff: \"5x\" is not a duration of 1s to 1h" },
	{ G "stuck_holdoff = 2h\n", "4: stuck_holdoff: \"2h\" is not a duration" },
	{ G "stuck_holdoff = 0\n", "4: stuck_holdoff: \"0\" is not a duration" },
	{ G "stuck_holdoff = 500ms\n", "4: stuck_holdoff: \"500ms\" is not a duration" },
	{ G "miss_log_interval = -1\n", "4: miss_log_interval: \"-1\" is not a duration" },
	{ G "retransmit_timeout = 10ms\n", "4: retransmit_timeout: \"10ms\" is not a duration of 50ms to 60s" },
	{ G "retransmit_timeout = 2m\n", "4: retransmit_timeout: \"2m\"" },
	{ G "retransmit_base = 0.5\n", "4: retransmit_base: \"0.5\" is not a decimal number from 1.0 to 4.0" },
	{ G "retransmit_base = 1e1\n", "4: retransmit_base: \"1e1\"" },
	{ G "retransmit_tries = 0\n", "4: retransmit_tries: \"0\" is not a number from 1 to 20" },
	{ G "retransmit_tries = 0x5\n", "4: retransmit_tries: \"0x5\"" },
	{ G "event_ring_log2 = 21\n", "4: event_ring_log2: \"21\" is not a number from 1 to 20" },
	{ G "flightrec_keep = 10001\n", "4: flightrec_keep: \"10001\" is not a number from 0 to 10000" },
	{ G "cookie_threshold = 0\n", "4: cookie_threshold: \"0\" is not a number from 1 to 65536" },
	{ G "syslog_facility = local8\n", "4: syslog_facility: \"local8\" is not daemon or local0..local7" },
	{ G "listen = 10.0.0.1, 10.0.0.2\nlisten = 10.0.0.3, 10.0.0.4\n",
	  "5: listen: more than 4 addresses" },
	{ G "listen = 198.18.0.2\n", "4: listen: 198.18.0.2 given twice" },
	{ G "listen = ::\n", "4: listen: ::: leave listen out to listen on every address" },
	{ G "[peer a]\naddress = 0.0.0.0\npsk = 0123456789abcdef\n",
	  "5: peer a: a static peer's address cannot be the unspecified address" },
	{ G "listen = 198.18.0.256\n", "4: listen: \"198.18.0.256\" is not an IPv4 or IPv6 address" },
	{ "[global]\ndevice = /dev/spisync\n", "2: device: \"/dev/spisync\" is not sim:SOCKET" },
	{ "[global]\ndevice = sim:\n", "2: device: \"sim:\"" },
	{ G "control_socket = run/x.sock\n", "4: control_socket: \"run/x.sock\" is not an absolute path" },
	{ G "control_socket = /run/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789.sock\n",
	  "4: control_socket:" },
	{ G PA "ike = aes128gcm16-prfsha1-ecp256\n",
	  "7: ike: \"aes128gcm16-prfsha1-ecp256\" is not ENCR-PRF-DH" },
	{ G PA "ike = aes128gcm16-prfsha256\n", "7: ike: \"aes128gcm16-prfsha256\" is not" },
	{ G PA "ike = aes128gcm16-aes256gcm16-prfsha256-ecp256\n", "7: ike: \"aes128gcm16-aes256gcm16" },
	{ G PA "ike = aes128gcm16-prfsha256-ecp256, aes128gcm16-ecp256-prfsha256\n",
	  "7: ike: \"aes128gcm16-ecp256-prfsha256\" given twice" },
	{ G PA "ike = aes128gcm16-prfsha256-ecp256,,aes256gcm16-prfsha256-ecp256\n",
	  "7: ike: empty list element" },
	/* lists may continue on the next line; 9 proposals are too many */
	{ G PA "ike = aes128gcm16-prfsha256-ecp256, aes128gcm16-prfsha256-x25519, "
	  "aes128gcm16-prfsha256-modp2048, aes128gcm16-prfsha384-ecp256\n"
	  "ike = aes256gcm16-prfsha256-ecp256, aes256gcm16-prfsha384-x25519, "
	  "aes256gcm16-prfsha256-modp2048, aes256gcm16-prfsha384-modp2048\n"
	  "ike = aes128gcm16-prfsha384-modp2048\n", "9: ike: more than 8 proposals" },
	{ G PA "ike = aes128gcm16-prfsha256-ecp256\nike = aes128gcm16-prfsha256-ecp256\n",
	  "8: ike: \"aes128gcm16-prfsha256-ecp256\" given twice" },
	{ G PA "esp = aes128gcm16, aes256gcm16, aes128gcm16-esn, aes256gcm16-esn, "
	  "aes128gcm16-esn-noesn\nesp = aes256gcm16-esn-noesn, aes128gcm16\n",
	  "8: esp: \"aes128gcm16\" given twice" },
	{ G PA "remote_ts = 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8\n"
	  "remote_ts = 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8\n"
	  "remote_ts = ::/0\n", "9: remote_ts: more than 8 selectors" },
	{ G PA "esp = aes128gcm16-esn-esn\n", "7: esp: \"aes128gcm16-esn-esn\" is not" },
	{ G PA "esp = aes192gcm16\n", "7: esp: \"aes192gcm16\"" },
	{ G PA "local_ts = 198.18.2.0/33\n", "7: local_ts: \"198.18.2.0/33\": not an address or ADDRESS/PREFIX" },
	{ G PA "local_ts = 198.18.2.1/24\n", "7: local_ts: \"198.18.2.1/24\": address has bits set beyond the prefix" },
	{ G PA "remote_ts = 198.18.2.0/24[any/80]\n", "7: remote_ts: \"198.18.2.0/24[any/80]\": ports need a protocol" },
	{ G PA "remote_ts = 198.18.2.0/24[udp/10-5]\n", "7: remote_ts: \"198.18.2.0/24[udp/10-5]\": port range" },
	{ G PA "remote_ts = 198.18.2.0/24[udp/65536]\n", "7: remote_ts: \"198.18.2.0/24[udp/65536]\": ports" },
	{ G PA "remote_ts = 198.18.2.0/24[gre]\n", "7: remote_ts: \"198.18.2.0/24[gre]\": protocol" },
	{ G PA "remote_ts = 198.18.2.0/24[udp]x\n", "7: remote_ts: \"198.18.2.0/24[udp]x\"" },
	{ G PA "local_ts = 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, "
	  "10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8\n", "7: local_ts: more than 8 selectors" },
	{ G PA "remote_id = moon\n", "7: remote_id: \"moon\": not an ID" },
	{ G PA "remote_id = 198.18.0.256\n", "7: remote_id: \"198.18.0.256\": not an IPv4 address" },
	{ G PA "local_id = keyid:abc\n", "7: local_id: \"keyid:abc\": keyid: wants an even number" },
	{ G PA "local_id = @\n", "7: local_id: \"@\": names are 1..255 printable" },
	{ G PA "initiate = maybe\n", "7: initiate: \"maybe\" is not yes, no" },
	{ G PA "recovery = YES\n", "7: recovery: \"YES\"" },
	{ G PA "type = roaming\n", "7: type: \"roaming\" is not static or dynamic" },
	{ G PA "child_lifetime = 5s\n", "7: child_lifetime: \"5s\" is not a duration of 0 (never) or 10s to 30 days" },
	{ G PA "ike_lifetime = 31d\n", "7: ike_lifetime: \"31d\"" },
	{ G PA "dpd_delay = 25h\n", "7: dpd_delay: \"25h\"" },
	{ G PA "rekey_jitter = 60s\nchild_lifetime = 60s\n",
	  "7: peer a: rekey_jitter (60s) must be shorter than the lifetimes (60s)" },
	{ G PA "dpd_delay = 1\ndpd_delay = 2\n", "8: dpd_delay set twice (first at line 7)" },
	{ G "device = sim:/t\n", "4: device set twice (first at line 2)" },
	{ G "junk line\n", "4: expected [section], name = value or a comment" },
	{ G "retransmit_tries = 5\n  6\n", "5: expected [section], name = value or a comment" },
	{ "[global\ndevice = sim:/s\n", "1: section header without ']'" },
	{ "[global] x\n", "1: text after the section header" },
	{ G "[peer]\n", "4: [peer NAME] without a name" },
	{ G "[peer a/b]\n", "4: peer name \"a/b\"" },
	{ G "[peer 0123456789012345678901234567890123456789012345678901234567890123]\n",
	  "4: peer name \"0123456789" },
	{ G "[global]\n", "4: second [global] section (first at line 1)" },
	{ "[global]\ndevice =\n", "2: device: empty value" },
	{ "[global]\ndevice = \"\"\n", "2: device: empty value" },
	{ "[global]\ndevice = sim:/s\n[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcdef\n",
	  "3: peer a: local_id not set, and no listen address to take it from" },
	{ "[global]\ndevice = sim:/s\n[peer a]\naddress = 198.18.0.1\npsk = 0123456789abcdef\n"
	  "local_id = @me\n",
	  "3: peer a: local_ts not set, and no listen address to take it from" },
	{ G "[peer a]\naddress = 198.18.0.1:0\n", "5: address: port \"0\" is not 1..65535" },
	{ G "[peer a]\naddress = [198.18.0.1]:500\n", "5: address: brackets are for IPv6 addresses" },
	{ G "[peer a]\naddress = [2001:db8::1:500\n", "5: address: \"[2001:db8::1:500\" is not" },
	{ G "[peer a]\ntype = dynamic\naddress = 198.19.0.1/16\n", "6: address: 198.19.0.1/16 has bits set" },
	{ G "[peer a]\naddress = 198.18.0.0/24:500\n", "5: address: a range has no port" },
	{ G "[peer a]\naddress = 2001:db8::/64:500\n", "5: address: \"2001:db8::/64:500\" is not" },
};

static void
test_bad_files(void **state)
{
	size_t failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad *b = &bad_files[i];
		char want[600];
		int rc;

		snprintf(want, sizeof(want), "%s:%s", tmp_path, b->expect);
		rc = load_text(b->text);
		if (rc != -1 || strncmp(err, want, strlen(want)) != 0) {
			print_error("bad file %zu: rc %d\n  got  \"%s\"\n  want \"%s...\"\n",
			    i, rc, err, want);
			failures++;
		}
		/* a failed load leaves nothing to free and no key behind */
		assert_int_equal(cfg.n_peers, 0);
		for (size_t j = 0; j < SD_MAX_PEERS; j++) {
			assert_true(all_zero(cfg.peers[j].psk,
			    sizeof(cfg.peers[j].psk)));
			assert_int_equal(cfg.peers[j].psk_len, 0);
		}
	}
	print_message("%zu bad files\n", sizeof(bad_files) / sizeof(bad_files[0]));
	assert_int_equal(failures, 0);
}

/* What has no line: a file that is not there, empty, or without device. */
static void
test_file_errors(void **state)
{
	char want[400];

	(void)state;
	assert_int_equal(load_text(""), -1);
	snprintf(want, sizeof(want), "%s: device not set", tmp_path);
	assert_string_equal(err, want);
	assert_int_equal(load_text("# only comments\n[global]\n"), -1);
	assert_string_equal(err, want);

	assert_int_equal(sd_config_load(CONF_DIR "/does-not-exist.conf", &cfg,
	    err, sizeof(err)), -1);
	assert_string_equal(err, CONF_DIR "/does-not-exist.conf: No such file "
	    "or directory");
	assert_int_equal(sd_config_load(CONF_DIR, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, CONF_DIR ": not a regular file");

	/* a NUL byte, on line 3 */
	write_file("[global]\ndevice = sim:/s\nx\0y = 1\n", 33);
	assert_int_equal(sd_config_load(tmp_path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the file", tmp_path);
	assert_string_equal(err, want);
}

/* inih's buffer holds 197 characters and "\r\n\0": one more is an error,
 * not a line split in two */
static void
test_long_line(void **state)
{
	char text[400];
	char want[400];
	int n;

	(void)state;
	/* line 2 exactly 197 characters: loads */
	n = snprintf(text, sizeof(text), "[global]\ndevice = sim:/%0*d\n"
	    "listen = 10.0.0.1\n", 197 - 14, 0);
	assert_true(n > 0);
	assert_int_equal(strchr(text + 9, '\n') - (text + 9), 197);
	assert_int_equal(load_ok(text), 0);
	assert_int_equal(strlen(cfg.device), 197 - 9);
	sd_config_free(&cfg);

	n = snprintf(text, sizeof(text), "[global]\ndevice = sim:/%0*d\n",
	    198 - 14, 0);
	assert_int_equal(load_text(text), -1);
	snprintf(want, sizeof(want), "%s:2: line longer than 197 characters",
	    tmp_path);
	assert_string_equal(err, want);
}

/* SD_MAX_PEERS peers load; one more is an error at its header */
static void
test_max_peers(void **state)
{
	const size_t size = 200 * (SD_MAX_PEERS + 2);
	char *text = malloc(size);
	size_t off;
	char want[400];

	(void)state;
	assert_non_null(text);
	off = (size_t)snprintf(text, size, G);
	for (unsigned i = 0; i < SD_MAX_PEERS; i++)
		off += (size_t)snprintf(text + off, size - off,
		    "[peer p%u]\naddress = 10.%u.%u.1\npsk = 0123456789abcdef\n",
		    i, i / 256, i % 256);
	assert_int_equal(load_ok(text), 0);
	assert_int_equal(cfg.n_peers, SD_MAX_PEERS);
	assert_string_equal(cfg.peers[SD_MAX_PEERS - 1].name, "p255");
	sd_config_free(&cfg);

	snprintf(text + off, size - off, "[peer extra]\n");
	assert_int_equal(load_text(text), -1);
	snprintf(want, sizeof(want), "%s:%u: more than %d peers", tmp_path,
	    3 + 3 * SD_MAX_PEERS + 1, SD_MAX_PEERS);
	assert_string_equal(err, want);
	free(text);
}

/* An error message never shows a PSK. */
static void
test_psk_not_in_errors(void **state)
{
	(void)state;
	assert_int_equal(load_text(G "[peer a]\naddress = 198.18.0.1\n"
	    "psk = short-Secret\n"), -1);
	assert_null(strstr(err, "Secret"));
	assert_int_equal(load_text(G "[peer a]\naddress = 198.18.0.1\n"
	    "psk = 0xSecretSecretSecretSecretSecretSecret\n"), -1);
	assert_null(strstr(err, "Secret"));
	assert_int_equal(load_text(G "[peer a]\naddress = 198.18.0.1\n"
	    "psk = \"Secret0123456789\" trailing\n"), -1);
	assert_null(strstr(err, "Secret"));
}

/* sd_config_free() leaves no key byte behind */
static void
test_psk_cleansed(void **state)
{
	(void)state;
	memset(err, 0, sizeof(err));
	assert_int_equal(sd_config_load(SAMPLE, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.peers[0].psk_len, 36);
	assert_false(all_zero(cfg.peers[0].psk, 36));
	sd_config_free(&cfg);
	for (size_t i = 0; i < SD_MAX_PEERS; i++) {
		assert_true(all_zero(cfg.peers[i].psk, sizeof(cfg.peers[i].psk)));
		assert_int_equal(cfg.peers[i].psk_len, 0);
	}
}

/* inih's process-wide options are as they were before (set here to
 * inih's defaults, the opposite of what config.c uses) */
static void
test_inih_options_restored(void **state)
{
	(void)state;
	for (int round = 0; round < 2; round++) {
		ini_allow_inline_comments = true;
		ini_allow_multiline = true;
		ini_stop_on_first_error = false;
		if (round == 0)
			assert_int_equal(load_ok(G), 0);
		else
			assert_int_equal(load_text(G "junk\n"), -1);
		assert_true(ini_allow_inline_comments);
		assert_true(ini_allow_multiline);
		assert_false(ini_stop_on_first_error);
		sd_config_free(&cfg);
	}
}

/* ------------------------------------------------------------------ */
/* lookups                                                             */
/* ------------------------------------------------------------------ */

static struct sockaddr_storage
sa4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage
sa6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
	return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void
test_lookups(void **state)
{
	struct sockaddr_storage a;
	const struct sd_peer *p;

	(void)state;
	if (sd_config_load(CONF_DIR "/lookup.conf", &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_peers, 6);

	/* static: the IP decides, any port */
	a = sa4("198.18.0.1", 500);
	assert_ptr_equal(sd_config_static_peer(&cfg, SA(a)), &cfg.peers[0]);
	a = sa4("198.18.0.1", 4500);
	assert_ptr_equal(sd_config_static_peer(&cfg, SA(a)), &cfg.peers[0]);
	a = sa4("198.18.0.1", 12345);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[0]);
	/* ... also as seen by a dual-stack socket (::ffff:198.18.0.1) */
	a = sa6("::ffff:198.18.0.1", 500);
	assert_ptr_equal(sd_config_static_peer(&cfg, SA(a)), &cfg.peers[0]);
	a = sa6("2001:db8::1", 4500);
	assert_ptr_equal(sd_config_static_peer(&cfg, SA(a)), &cfg.peers[2]);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[2]);

	/* inside the dynamic range 198.18.0.0/15 (198.18.0.0..198.19.255.255),
	 * which also holds the static 198.18.0.1: static first */
	a = sa4("198.18.0.2", 500);
	assert_null(sd_config_static_peer(&cfg, SA(a)));
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[1]);
	a = sa4("198.19.255.255", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[1]);
	a = sa4("198.18.0.0", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[1]);
	a = sa6("::ffff:198.19.1.1", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[1]);
	/* just outside: the next dynamic peers (IPv6 2001:db8:1::/48,
	 * 203.0.113.7) do not hold it; the last (any address) does */
	a = sa4("198.20.0.0", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[5]);
	a = sa4("198.17.255.255", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[5]);
	a = sa6("2001:db8:1:ffff:ffff:ffff:ffff:ffff", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[3]);
	a = sa6("2001:db8:2::", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[5]);
	/* a dynamic peer is never a static one, whatever the address: not
	 * the base of its range, not its one address */
	a = sa4("198.18.0.0", 500);
	assert_null(sd_config_static_peer(&cfg, SA(a)));
	a = sa4("203.0.113.7", 500);
	assert_null(sd_config_static_peer(&cfg, SA(a)));
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[4]);
	a = sa4("203.0.113.8", 500);
	assert_ptr_equal(sd_config_peer_by_addr(&cfg, SA(a)), &cfg.peers[5]);
	a = sa4("198.20.0.0", 500);
	assert_null(sd_config_static_peer(&cfg, SA(a)));
	a = sa6("2001:db8:1::5", 500);
	assert_null(sd_config_static_peer(&cfg, SA(a)));

	/* other families */
	memset(&a, 0, sizeof(a));
	a.ss_family = AF_UNIX;
	assert_null(sd_config_static_peer(&cfg, SA(a)));

	p = sd_config_peer_by_name(&cfg, "v6range");
	assert_ptr_equal(p, &cfg.peers[3]);
	assert_null(sd_config_peer_by_name(&cfg, "nobody"));
	assert_null(sd_config_peer_by_name(&cfg, "v6rang"));
	sd_config_free(&cfg);

	/* without the catch-all: nothing for an address outside every range */
	assert_int_equal(load_ok(G PA), 0);
	a = sa4("198.18.0.2", 500);
	assert_null(sd_config_peer_by_addr(&cfg, SA(a)));
	assert_null(sd_config_static_peer(&cfg, SA(a)));
	sd_config_free(&cfg);
}

static void
test_proposal_str(void **state)
{
	char buf[64];
	const struct sd_ike_proposal ike1 = { 128, 5, 19 };
	const struct sd_ike_proposal ike2 = { 256, 6, 31 };
	const struct sd_ike_proposal ike3 = { 128, 5, 14 };
	const struct sd_ike_proposal bad_dh = { 128, 5, 20 };
	const struct sd_ike_proposal bad_prf = { 128, 2, 19 };
	const struct sd_ike_proposal bad_bits = { 192, 5, 19 };
	const struct sd_esp_proposal esp1 = { 128, true, false };
	const struct sd_esp_proposal esp2 = { 256, false, true };
	const struct sd_esp_proposal esp3 = { 256, true, true };
	const struct sd_esp_proposal esp_none = { 256, false, false };

	(void)state;
	assert_int_equal(sd_ike_proposal_str(&ike1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes128gcm16-prfsha256-ecp256");
	assert_int_equal(sd_ike_proposal_str(&ike2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes256gcm16-prfsha384-curve25519");
	assert_int_equal(sd_ike_proposal_str(&ike3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes128gcm16-prfsha256-modp2048");
	assert_int_equal(sd_ike_proposal_str(&bad_dh, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(sd_ike_proposal_str(&bad_prf, buf, sizeof(buf)), -1);
	assert_int_equal(sd_ike_proposal_str(&bad_bits, buf, sizeof(buf)), -1);
	/* exactly fits: 28 characters and the NUL; one less does not */
	assert_int_equal(sd_ike_proposal_str(&ike1, buf, 29), 0);
	assert_int_equal(sd_ike_proposal_str(&ike1, buf, 28), -1);
	assert_string_equal(buf, "");
	assert_int_equal(sd_ike_proposal_str(&ike1, buf, 0), -1);

	assert_int_equal(sd_esp_proposal_str(&esp1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes128gcm16");
	assert_int_equal(sd_esp_proposal_str(&esp2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes256gcm16-esn");
	assert_int_equal(sd_esp_proposal_str(&esp3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes256gcm16-esn-noesn");
	assert_int_equal(sd_esp_proposal_str(&esp_none, buf, sizeof(buf)), -1);
	assert_int_equal(sd_esp_proposal_str(&esp3, buf, 21), -1);
	assert_int_equal(sd_esp_proposal_str(&esp3, buf, 22), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_max_peers),
		cmocka_unit_test(test_psk_not_in_errors),
		cmocka_unit_test(test_psk_cleansed),
		cmocka_unit_test(test_inih_options_restored),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_proposal_str),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
