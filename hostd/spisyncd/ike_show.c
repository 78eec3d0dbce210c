/*
 * spisyncd -- what the engine shows: the control socket's `show ike` and
 * `show peers` documents (docs/spisyncctl.md) and the flight recorder's
 * text dump of one peer's IKE and CHILD SAs.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ike_sa.h"

static const char *state_name(enum ike_state s)
{
	switch (s) {
	case IKE_S_INIT_SENT:
	case IKE_S_INIT_DONE:
	case IKE_S_AUTH_SENT:
		return "connecting";
	case IKE_S_ESTABLISHED:
		return "established";
	case IKE_S_DELETING:
		return "deleting";
	case IKE_S_DEAD:
		return "dead";
	}
	return "?";
}

static const char *child_state_name(enum child_state s)
{
	switch (s) {
	case CHILD_INSTALLED:
		return "installed";
	case CHILD_REKEYED:
		return "rekeyed";
	case CHILD_LINGER:
		return "deleting";
	}
	return "?";
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void json_time(FILE *out, int64_t wall_s)
{
	struct tm tm;
	time_t t = (time_t)wall_s;
	char buf[32];

	if (wall_s <= 0 || gmtime_r(&t, &tm) == NULL) {
		fputs("null", out);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "\"%s\"", buf);
}

static void ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = ts->type == 8 ? AF_INET6 : AF_INET;
	int n;

	inet_ntop(af, ts->start, a, sizeof(a));
	inet_ntop(af, ts->end, b, sizeof(b));
	n = snprintf(buf, len, "%s..%s", a, b);
	if (n > 0 && (size_t)n < len && (ts->proto != 0 || ts->port_lo != 0 ||
	    ts->port_hi != 65535))
		snprintf(buf + n, len - (size_t)n, "[%u/%u-%u]", ts->proto,
		    ts->port_lo, ts->port_hi);
}

static void json_ts_list(FILE *out, const struct ike_ts *ts, size_t n)
{
	char buf[128];
	size_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		ts_str(&ts[i], buf, sizeof(buf));
		if (i > 0)
			fputc(',', out);
		json_str(out, buf);
	}
	fputc(']', out);
}

static void json_rekey_in(FILE *out, uint64_t at_ms, uint64_t now_ms)
{
	if (at_ms == 0)
		fputs("null", out);
	else
		fprintf(out, "%" PRIu64, at_ms > now_ms ? (at_ms - now_ms) / 1000 : 0);
}

static void json_child(FILE *out, const struct child_sa *c, uint64_t now_ms)
{
	fprintf(out, "{\"spi_in\":\"0x%08x\",\"spi_out\":\"0x%08x\","
	    "\"proposal\":\"aes%ugcm16%s\",\"card_index\":", c->spi_in,
	    c->spi_out, c->keybits, c->esn ? "-esn" : "");
	if (c->installed)
		fprintf(out, "%u", c->card_index);
	else
		fputs("null", out);
	fprintf(out, ",\"state\":\"%s\",\"established\":",
	    child_state_name(c->state));
	json_time(out, c->established_wall_s);
	fputs(",\"rekey_in_s\":", out);
	json_rekey_in(out, c->state == CHILD_INSTALLED ? c->rekey_ms : 0, now_ms);
	fputs(",\"local_ts\":", out);
	json_ts_list(out, c->ts_local, c->n_ts_local);
	fputs(",\"remote_ts\":", out);
	json_ts_list(out, c->ts_remote, c->n_ts_remote);
	fputs(",\"packets\":null,\"bytes\":null}", out);
}

static void json_sa(FILE *out, const struct ike_sa *sa, uint64_t now_ms)
{
	char local[64], remote[64], prop[64];
	const struct child_sa *c;

	ike_addr_str((const struct sockaddr *)&sa->local, local, sizeof(local));
	ike_addr_str((const struct sockaddr *)&sa->remote, remote, sizeof(remote));
	if (sd_ike_proposal_str(&sa->prop, prop, sizeof(prop)) != 0)
		snprintf(prop, sizeof(prop), "?");
	fputs("{\"peer\":", out);
	json_str(out, sa->peer_name);
	fprintf(out, ",\"spi_i\":\"%016" PRIx64 "\",\"spi_r\":\"%016" PRIx64 "\","
	    "\"role\":\"%s\",\"state\":\"%s\",\"proposal\":",
	    ike_spi64(sa->spi_i), ike_spi64(sa->spi_r),
	    sa->initiator ? "initiator" : "responder",
	    sa->rekeying ? "rekeying" : state_name(sa->state));
	json_str(out, prop);
	fputs(",\"established\":", out);
	json_time(out, sa->state == IKE_S_ESTABLISHED ? sa->established_wall_s : 0);
	fputs(",\"rekey_in_s\":", out);
	json_rekey_in(out, sa->state == IKE_S_ESTABLISHED ? sa->ike_rekey_ms : 0,
	    now_ms);
	fputs(",\"local\":", out);
	json_str(out, local);
	fputs(",\"remote\":", out);
	json_str(out, remote);
	fprintf(out, ",\"nat_local\":%s,\"nat_remote\":%s,\"msg_id_in\":%u,"
	    "\"msg_id_out\":%u,\"children\":[", sa->nat_local ? "true" : "false",
	    sa->nat_remote ? "true" : "false", sa->next_peer_id, sa->next_req_id);
	for (c = sa->children; c != NULL; c = c->next) {
		if (c != sa->children)
			fputc(',', out);
		json_child(out, c, now_ms);
	}
	fputs("]}", out);
}

int ike_engine_json_ike(const struct ike_engine *e, uint64_t now_ms, FILE *out)
{
	const struct ike_sa *sa;
	bool first = true;

	fputs("{\"ike_sas\":[", out);
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		json_sa(out, sa, now_ms);
	}
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}

int ike_engine_json_peers(const struct ike_engine *e, uint64_t now_ms,
    FILE *out)
{
	const struct sd_config *cfg = e->cfg;
	size_t i;

	(void)now_ms;
	fputs("{\"peers\":[", out);
	for (i = 0; i < cfg->n_peers; i++) {
		const struct sd_peer *p = &cfg->peers[i];
		const struct ike_sa *sa;
		const char *state = "down";
		unsigned ike = 0, child = 0;
		const char *err = NULL;
		const struct ike_peer_stat *st;
		char addr[INET6_ADDRSTRLEN];
		uint8_t b[16];

		for (sa = e->sas; sa != NULL; sa = sa->next) {
			const struct child_sa *c;

			if (strcmp(sa->peer_name, p->name) != 0)
				continue;
			if (sa->state == IKE_S_DEAD) {
				if (sa->last_error[0] != '\0')
					err = sa->last_error;
				continue;
			}
			ike++;
			for (c = sa->children; c != NULL; c = c->next)
				if (c->state != CHILD_LINGER)
					child++;
			if (sa->state == IKE_S_ESTABLISHED)
				state = sa->rekeying ? "rekeying" : "established";
			else if (strcmp(state, "down") == 0)
				state = "connecting";
		}
		if (i > 0)
			fputc(',', out);
		fputs("{\"name\":", out);
		json_str(out, p->name);
		fprintf(out, ",\"type\":\"%s\",\"address\":",
		    p->type == SD_PEER_STATIC ? "static" : "dynamic");
		if (p->type == SD_PEER_STATIC && ike_addr_bytes(
		    (const struct sockaddr *)&p->addr, b) != 0) {
			inet_ntop(p->addr.ss_family, b, addr, sizeof(addr));
			fprintf(out, "\"%s\",\"port\":%u", addr,
			    ike_port((const struct sockaddr *)&p->addr) != 0 ?
			    ike_port((const struct sockaddr *)&p->addr) : 500);
		} else {
			/* a dynamic peer's address is whatever it comes from */
			fputs("null,\"port\":500", out);
		}
		st = ike_peer_stat_find(e, p->name);
		fprintf(out, ",\"recovery\":%s,\"state\":\"%s\",\"ike_sas\":%u,"
		    "\"child_sas\":%u,\"recoveries\":%u,\"last_recovery\":",
		    p->recovery ? "true" : "false", state, ike, child,
		    st != NULL ? st->recoveries : 0);
		json_time(out, st != NULL ? st->last_recovery_wall_s : 0);
		fputs(",\"last_error\":", out);
		if (err != NULL)
			json_str(out, err);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}

void ike_engine_dump_peer(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr, uint64_t now_ms,
    FILE *out)
{
	const struct ike_sa *sa;
	unsigned n = 0;

	fprintf(out, "IKE state for peer %s\n", peer != NULL ? peer->name :
	    "(not configured)");
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		const struct child_sa *c;
		char local[64], remote[64];

		if (peer != NULL && strcmp(sa->peer_name, peer->name) != 0)
			continue;
		if (peer == NULL && addr != NULL) {
			uint8_t a[16], b[16];
			size_t la = ike_addr_bytes(addr, a);

			if (ike_addr_bytes((const struct sockaddr *)&sa->remote, b) != la ||
			    memcmp(a, b, la) != 0)
				continue;
		}
		n++;
		ike_addr_str((const struct sockaddr *)&sa->local, local, sizeof(local));
		ike_addr_str((const struct sockaddr *)&sa->remote, remote,
		    sizeof(remote));
		fprintf(out, "  IKE SA %016" PRIx64 ":%016" PRIx64 " %s %s %s -> %s%s,"
		    " age %" PRIu64 " s, last message from the peer %" PRIu64
		    " ms ago, message IDs in %u out %u%s\n",
		    ike_spi64(sa->spi_i), ike_spi64(sa->spi_r),
		    sa->initiator ? "initiator" : "responder", state_name(sa->state),
		    local, remote, ike_nat(sa) ? " (NAT-T)" : "",
		    (now_ms - sa->created_ms) / 1000, now_ms - sa->last_rx_ms,
		    sa->next_peer_id, sa->next_req_id,
		    sa->req.active ? ", a request outstanding" : "");
		for (c = sa->children; c != NULL; c = c->next) {
			char l[128], r[128];

			if (c->n_ts_local > 0)
				ts_str(&c->ts_local[0], l, sizeof(l));
			else
				snprintf(l, sizeof(l), "-");
			if (c->n_ts_remote > 0)
				ts_str(&c->ts_remote[0], r, sizeof(r));
			else
				snprintf(r, sizeof(r), "-");
			fprintf(out, "    CHILD SA in 0x%08X out 0x%08X aes%ugcm16%s %s,"
			    " card index %u%s, age %" PRIu64 " s, %s === %s\n",
			    c->spi_in, c->spi_out, c->keybits, c->esn ? "-esn" : "",
			    child_state_name(c->state), c->card_index,
			    c->installed ? "" : " (not on the card)",
			    (now_ms - c->established_ms) / 1000, l, r);
		}
	}
	if (n == 0)
		fprintf(out, "  no IKE SA\n");
}
