/*
 * spisyncctl -- the command line, parsed into what main.c dispatches. No
 * card, no files (except a key-file named on the command line).
 */
#ifndef SPISYNCCTL_CLI_H
#define SPISYNCCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl.h"
#include "sa_args.h"

enum ctl_format {
	CTL_FMT_TEXT,
	CTL_FMT_JSON,
	CTL_FMT_PROM,
};

enum ctl_verb {
	CTL_HELP,
	CTL_SHOW_DROPS,
	CTL_SHOW_SA,
	CTL_SHOW_EVENTS,
	CTL_SHOW_CARD,
	CTL_CLEAR_COUNTERS,
	CTL_SA_ADD,
	CTL_SA_DEL,
	/* asked of spisyncd, not the card */
	CTL_SHOW_IKE,
	CTL_SHOW_FLOWS,
	CTL_SHOW_PEERS,
	CTL_REKEY,              /* rekey PEER: its CHILD SAs */
	CTL_REKEY_IKE,          /* rekey-ike PEER */
	CTL_INITIATE,           /* initiate PEER */
};

struct ctl_cmd {
	const char *device;     /* -d, else $SPISYNC_DEVICE, else the default */
	const char *socket;     /* -s, or NULL: see cli_socket() */
	enum ctl_format format;
	enum ctl_verb verb;
	struct spisync_sa sa;   /* CTL_SA_ADD (holds the key: cleanse it) */
	int key_arg;            /* CTL_SA_ADD: argv index of the hex key, or -1 */
	struct sa_del_args del; /* CTL_SA_DEL */
	const char *peer;       /* CTL_REKEY, CTL_REKEY_IKE, CTL_INITIATE */
};

/* argv as main() gets it; env_device is $SPISYNC_DEVICE (may be NULL).
 * 0 and *cmd, or -1 with the error in err (a usage error: exit 2). */
int cli_parse(int argc, char *const argv[], const char *env_device,
    struct ctl_cmd *cmd, char *err, size_t errlen);

/* spisyncd's socket: -s, else env_socket ($SPISYNCD_SOCKET) if set and
 * not empty, else CTL_DEFAULT_SOCKET. */
const char *cli_socket(const struct ctl_cmd *cmd, const char *env_socket);

/* Is the verb a question for spisyncd (no card opened)? */
bool cli_is_daemon_verb(enum ctl_verb verb);

/* The usage text (--help). */
void cli_usage(FILE *fp);

#endif
