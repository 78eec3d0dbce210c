/*
 * spisyncctl -- the operator's CLI of a spisync card: counters, SAs, event
 * history, card state; SA install and delete. Talks to the card through
 * libspisync only (no daemon). `spisyncctl --help` and docs/spisyncctl.md.
 *
 * This file dispatches: the command line is cli.c, reading the card
 * gather.c, the counter state drops.c and state_file.c, the outputs
 * fmt_*.c; show ike / flows / peers ask spisyncd (daemon_client.c) and
 * render its document (fmt_daemon.c).
 */

/* explicit_bzero */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon_client.h"
#include "drops.h"
#include "fmt.h"
#include "fmt_daemon.h"
#include "gather.h"
#include "state_file.h"

#define STATE_DIR_DEFAULT "/run/spisync"

struct run {
	const struct ctl_cmd *cmd;
	struct spisync *h;
	char state_path[STATE_PATH_LEN];   /* show drops, clear counters */
	char err[CTL_ERR_LEN];
};

/* Every error names the device it is about. */
static int
error(const struct run *r, const char *msg)
{
	fprintf(stderr, "spisyncctl: %s: %s\n", r->cmd->device, msg);
	return CTL_EXIT_ERROR;
}

static int
driver_error(struct run *r, int rc, const char *what)
{
	char msg[CTL_ERR_LEN];
	const char *why = spisync_last_error(r->h);

	if (why == NULL || why[0] == '\0')
		why = strerror(-rc);
	snprintf(msg, sizeof(msg), "%s: %s", what,
	    gather_strip_device(why, r->cmd->device));
	return error(r, msg);
}

static int
output_done(struct run *r, int fmt_rc)
{
	if (fmt_rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		snprintf(r->err, sizeof(r->err), "writing the output: %s",
		    errno != 0 ? strerror(errno) : "failed");
		return error(r, r->err);
	}
	return CTL_EXIT_OK;
}

/* The state file of this device into r->state_path; a fallback directory
 * is noted on stderr (stdout stays the document). Before the card is
 * opened: a state directory that cannot work is an error of its own. */
static int
state_file_path(struct run *r)
{
	char dir[STATE_PATH_LEN], note[CTL_ERR_LEN];

	if (state_dir_choose(getenv("SPISYNC_STATE_DIR"), STATE_DIR_DEFAULT,
	    getenv("XDG_RUNTIME_DIR"), "/tmp", dir, sizeof(dir), note,
	    sizeof(note), r->err, sizeof(r->err)) != 0)
		return -1;
	if (note[0] != '\0')
		fprintf(stderr, "spisyncctl: note: %s\n", note);
	if (state_path(dir, r->cmd->device, r->state_path,
	    sizeof(r->state_path)) != 0) {
		snprintf(r->err, sizeof(r->err), "state file path too long "
		    "(SPISYNC_STATE_DIR)");
		return -1;
	}
	return 0;
}

static int
show_drops(struct run *r)
{
	const char *dev = r->cmd->device;
	struct ctl_state st, next;
	struct ctl_snapshot now;
	struct ctl_drops d;

	if (gather_counters(r->h, dev, &now, r->err, sizeof(r->err)) < 0)
		return error(r, r->err);
	if (r->cmd->format == CTL_FMT_PROM) {
		/* the card's own counters, no state (fmt.h) */
		memset(&st, 0, sizeof(st));
		drops_compute(dev, &st, &now, &d, &next);
		return output_done(r, fmt_drops_prom(stdout, &d));
	}
	if (state_load(r->state_path, dev, &st, r->err, sizeof(r->err)) != 0)
		return error(r, r->err);
	drops_compute(dev, &st, &now, &d, &next);
	/* saved before printing: a show whose state was not kept would make
	 * the next one's change column lie */
	if (state_save(r->state_path, dev, &next, r->err, sizeof(r->err)) != 0)
		return error(r, r->err);
	return output_done(r, r->cmd->format == CTL_FMT_JSON ?
	    fmt_drops_json(stdout, &d) : fmt_drops_text(stdout, &d));
}

static int
clear_counters(struct run *r)
{
	const char *dev = r->cmd->device;
	struct ctl_state st, next;
	struct ctl_snapshot now;

	if (gather_counters(r->h, dev, &now, r->err, sizeof(r->err)) < 0)
		return error(r, r->err);
	if (state_load(r->state_path, dev, &st, r->err, sizeof(r->err)) != 0)
		return error(r, r->err);
	drops_clear(&st, &now, &next);
	if (state_save(r->state_path, dev, &next, r->err, sizeof(r->err)) != 0)
		return error(r, r->err);
	return output_done(r, r->cmd->format == CTL_FMT_JSON ?
	    fmt_clear_json(stdout, r->cmd->device, &next.baseline) :
	    fmt_clear_text(stdout, r->cmd->device, &next.baseline));
}

static int
show_sa(struct run *r)
{
	struct ctl_sa_view v;
	int rc;

	if (gather_sa(r->h, r->cmd->device, &v, r->err, sizeof(r->err)) < 0)
		return error(r, r->err);
	switch (r->cmd->format) {
	case CTL_FMT_JSON:
		rc = fmt_sa_json(stdout, &v);
		break;
	case CTL_FMT_PROM:
		rc = fmt_sa_prom(stdout, &v);
		break;
	case CTL_FMT_TEXT:
	default:
		rc = fmt_sa_text(stdout, &v);
		break;
	}
	gather_sa_free(&v);
	return output_done(r, rc);
}

static int
show_events(struct run *r)
{
	struct ctl_events e;
	int rc;

	if (gather_events(r->h, r->cmd->device, &e, r->err, sizeof(r->err)) < 0)
		return error(r, r->err);
	rc = r->cmd->format == CTL_FMT_JSON ? fmt_events_json(stdout, &e) :
	    fmt_events_text(stdout, &e);
	gather_events_free(&e);
	return output_done(r, rc);
}

static int
show_card(struct run *r)
{
	struct ctl_card c;

	if (gather_card(r->h, r->cmd->device, &c, r->err, sizeof(r->err)) < 0)
		return error(r, r->err);
	return output_done(r, r->cmd->format == CTL_FMT_JSON ?
	    fmt_card_json(stdout, &c) : fmt_card_text(stdout, &c));
}

static int
sa_change_output(struct run *r, const char *action, uint32_t index,
    uint32_t spi)
{
	return output_done(r, r->cmd->format == CTL_FMT_JSON ?
	    fmt_sa_change_json(stdout, r->cmd->device, action, index, spi) :
	    fmt_sa_change_text(stdout, r->cmd->device, action, index, spi));
}

static int
sa_add(struct run *r)
{
	uint32_t index = 0;
	int rc;

	rc = spisync_sa_add(r->h, &r->cmd->sa, &index);
	if (rc < 0)
		return driver_error(r, rc, "sa add");
	return sa_change_output(r, "added", index, r->cmd->sa.spi);
}

static int
sa_del(struct run *r)
{
	const struct sa_del_args *del = &r->cmd->del;
	struct spisync_sa_info info;
	uint32_t index = del->index;
	int rc;

	if (del->by_spi) {
		rc = spisync_sa_find(r->h, del->spi, &index);
		if (rc < 0)
			return driver_error(r, rc, "sa del");
	}
	/* the SPI for the report, and a clear error for an empty index */
	rc = spisync_sa_get(r->h, index, &info);
	if (rc < 0)
		return driver_error(r, rc, "sa del");
	rc = spisync_sa_del(r->h, index);
	if (rc < 0)
		return driver_error(r, rc, "sa del");
	return sa_change_output(r, "deleted", index, info.spi);
}

static int
dispatch(struct run *r)
{
	switch (r->cmd->verb) {
	case CTL_SHOW_DROPS:
		return show_drops(r);
	case CTL_SHOW_SA:
		return show_sa(r);
	case CTL_SHOW_EVENTS:
		return show_events(r);
	case CTL_SHOW_CARD:
		return show_card(r);
	case CTL_CLEAR_COUNTERS:
		return clear_counters(r);
	case CTL_SA_ADD:
		return sa_add(r);
	case CTL_SA_DEL:
		return sa_del(r);
	case CTL_HELP:
	default:
		return error(r, "internal: no command to dispatch");
	}
}

/* show ike / flows / peers: no card, the daemon's document. Exit 1 with
 * one line when the daemon is not there or its reply is not the document. */
static int
show_daemon(const struct ctl_cmd *cmd)
{
	const char *path = cli_socket(cmd, getenv("SPISYNCD_SOCKET"));
	const enum daemon_view view = cmd->verb == CTL_SHOW_IKE ?
	    DAEMON_VIEW_IKE : cmd->verb == CTL_SHOW_FLOWS ? DAEMON_VIEW_FLOWS :
	    DAEMON_VIEW_PEERS;
	struct json_object *doc = NULL;
	char err[CTL_ERR_LEN];
	char *reply = NULL;
	size_t len = 0;
	int rc;

	switch (daemon_request(path, daemon_view_request(view),
	    DAEMON_TIMEOUT_MS, &reply, &len, err, sizeof(err))) {
	case DAEMON_OK:
		break;
	case DAEMON_NOT_RUNNING:
		fprintf(stderr, "spisyncctl: spisyncd is not running (%s)\n", err);
		return CTL_EXIT_ERROR;
	case DAEMON_ERROR:
	default:
		fprintf(stderr, "spisyncctl: %s\n", err);
		return CTL_EXIT_ERROR;
	}
	if (daemon_doc_parse(view, reply, len, &doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "spisyncctl: %s\n", err);
		free(reply);
		return CTL_EXIT_ERROR;
	}
	/* --json: the daemon's own bytes (exact big integers, its key order) */
	if (cmd->format == CTL_FMT_JSON)
		rc = fputs(reply, stdout) == EOF ||
		    (len > 0 && reply[len - 1] != '\n' && fputc('\n', stdout) == EOF) ?
		    -1 : 0;
	else
		rc = fmt_daemon_text(stdout, view, doc);
	json_object_put(doc);
	free(reply);
	if (rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "spisyncctl: writing the output: %s\n",
		    errno != 0 ? strerror(errno) : "failed");
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

/* rekey / rekey-ike / initiate PEER: spisyncd starts the exchange and
 * answers {"ok":true}, or {"error":"..."}; the exchange itself runs on in
 * the daemon (`show ike` shows how it went). */
static int
daemon_action(const struct ctl_cmd *cmd)
{
	const char *path = cli_socket(cmd, getenv("SPISYNCD_SOCKET"));
	const char *word = cmd->verb == CTL_INITIATE ? "initiate" :
	    cmd->verb == CTL_REKEY_IKE ? "rekey-ike" : "rekey";
	struct json_object *doc, *v;
	char request[600], err[CTL_ERR_LEN];
	char *reply = NULL;
	size_t len = 0;
	int n, rc = CTL_EXIT_ERROR;

	n = snprintf(request, sizeof(request), "%s %s", word, cmd->peer);
	if (n < 0 || (size_t)n >= sizeof(request)) {
		fprintf(stderr, "spisyncctl: %s: peer name too long\n", word);
		return CTL_EXIT_USAGE;
	}
	switch (daemon_request(path, request, DAEMON_TIMEOUT_MS, &reply, &len,
	    err, sizeof(err))) {
	case DAEMON_OK:
		break;
	case DAEMON_NOT_RUNNING:
		fprintf(stderr, "spisyncctl: spisyncd is not running (%s)\n", err);
		return CTL_EXIT_ERROR;
	case DAEMON_ERROR:
	default:
		fprintf(stderr, "spisyncctl: %s\n", err);
		return CTL_EXIT_ERROR;
	}
	doc = json_tokener_parse(reply);
	if (doc != NULL && json_object_object_get_ex(doc, "ok", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v)) {
		printf("spisyncd: %s %s: started\n", word, cmd->peer);
		rc = CTL_EXIT_OK;
	} else if (doc != NULL && json_object_object_get_ex(doc, "error", &v) &&
	    json_object_is_type(v, json_type_string)) {
		fprintf(stderr, "spisyncctl: spisyncd: %s\n",
		    json_object_get_string(v));
	} else {
		fprintf(stderr, "spisyncctl: spisyncd's answer to %s is not "
		    "{\"ok\":true} or {\"error\":...}\n", word);
	}
	json_object_put(doc);
	free(reply);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ctl_cmd cmd;
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.cmd = &cmd;
	if (cli_parse(argc, argv, getenv("SPISYNC_DEVICE"), &cmd, r.err,
	    sizeof(r.err)) != 0) {
		fprintf(stderr, "spisyncctl: %s\n(spisyncctl --help for usage)\n",
		    r.err);
		return CTL_EXIT_USAGE;
	}
	if (cmd.verb == CTL_HELP) {
		cli_usage(stdout);
		return fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
	}
	if (cmd.verb == CTL_REKEY || cmd.verb == CTL_REKEY_IKE ||
	    cmd.verb == CTL_INITIATE)
		return daemon_action(&cmd);
	if (cli_is_daemon_verb(cmd.verb))
		return show_daemon(&cmd);
	/* The key given on the command line is in the process list until we
	 * overwrite it (key-file avoids even that window). */
	if (cmd.key_arg > 0 && cmd.key_arg < argc)
		memset(argv[cmd.key_arg], 'x', strlen(argv[cmd.key_arg]));

	if (((cmd.verb == CTL_SHOW_DROPS && cmd.format != CTL_FMT_PROM) ||
	    cmd.verb == CTL_CLEAR_COUNTERS) && state_file_path(&r) != 0) {
		rc = error(&r, r.err);
		explicit_bzero(&cmd.sa, sizeof(cmd.sa));
		return rc;
	}
	rc = spisync_open(cmd.device, &r.h, r.err, sizeof(r.err));
	if (rc < 0) {
		if (r.err[0] == '\0')
			snprintf(r.err, sizeof(r.err), "%s", strerror(-rc));
		rc = error(&r, gather_strip_device(r.err, cmd.device));
	} else {
		rc = dispatch(&r);
		spisync_close(r.h);
	}
	explicit_bzero(&cmd.sa, sizeof(cmd.sa));
	return rc;
}
