/*
 * spisyncctl -- the daemon's documents (show ike / flows / peers): checked
 * against the schema in docs/spisyncctl.md, and rendered as text for
 * people. Pure functions of the JSON: no socket, no clock, no environment.
 */
#ifndef SPISYNCCTL_FMT_DAEMON_H
#define SPISYNCCTL_FMT_DAEMON_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

enum daemon_view {
	DAEMON_VIEW_IKE,
	DAEMON_VIEW_FLOWS,
	DAEMON_VIEW_PEERS,
};

/* The request line of the view: "show ike", "show flows", "show peers". */
const char *daemon_view_request(enum daemon_view v);

/*
 * text (len bytes) as exactly one JSON document with every member the
 * view's schema requires, of the right type. 0 and *doc (json_object_put
 * it), or -1 and err: "spisyncd: MESSAGE" for the daemon's own
 * {"error":"MESSAGE"}, otherwise what is wrong and where
 * ("flows[2].history[0]: member 'count' is missing").
 */
int daemon_doc_parse(enum daemon_view v, const char *text, size_t len,
    struct json_object **doc, char *err, size_t errlen);

/* The text of a document daemon_doc_parse accepted. 0, or -1 if writing
 * failed. */
int fmt_daemon_text(FILE *fp, enum daemon_view v, struct json_object *doc);

#endif
