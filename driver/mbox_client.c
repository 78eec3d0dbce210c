/*
 * libspisync -- the host side of the card controller's mailbox
 * (firmware/mbox.h): one request at a time per card, under the backend
 * lock, with a bounded wait for the answer.
 */
#include <errno.h>
#include <stdio.h>

#include "mbox.h"
#include "spisync_internal.h"

const char *
spisync_mbox_cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case MBOX_CMD_HELLO:
		return "HELLO";
	case MBOX_CMD_SA_ADD:
		return "SA_ADD";
	case MBOX_CMD_SA_REPLACE:
		return "SA_REPLACE";
	case MBOX_CMD_SA_DEL:
		return "SA_DEL";
	case MBOX_CMD_SA_FIND:
		return "SA_FIND";
	case MBOX_CMD_SA_GET:
		return "SA_GET";
	case MBOX_CMD_SA_LIST:
		return "SA_LIST";
	case MBOX_CMD_SA_FLUSH:
		return "SA_FLUSH";
	default:
		return "UNKNOWN";
	}
}

/* A controller status as a negative errno value and a sentence. */
static int
status_fail(struct spisync *h, uint32_t cmd, uint32_t status)
{
	const char *name = spisync_mbox_cmd_name(cmd);

	switch (status) {
	case MBOX_E_FULL:
		return spisync_fail(h, -ENOSPC, "card controller refused %s: "
		    "no free SA index or tag slot (MBOX_E_FULL)", name);
	case MBOX_E_EXISTS:
		return spisync_fail(h, -EEXIST, "card controller refused %s: "
		    "the SPI is already installed (MBOX_E_EXISTS)", name);
	case MBOX_E_NOENT:
		return spisync_fail(h, -ENOENT, "card controller refused %s: "
		    "no such SA (MBOX_E_NOENT)", name);
	case MBOX_E_INVAL:
		return spisync_fail(h, -EINVAL, "card controller refused %s: "
		    "invalid argument (MBOX_E_INVAL)", name);
	case MBOX_E_BADCMD:
		return spisync_fail(h, -EOPNOTSUPP, "card controller does not "
		    "know command %u (%s) (MBOX_E_BADCMD)", (unsigned)cmd, name);
	case MBOX_E_RESTART:
		return spisync_fail(h, -ECANCELED, "card controller restarted "
		    "before answering %s: not executed, and the card's SA table "
		    "was cleared (MBOX_E_RESTART)", name);
	default:
		return spisync_fail(h, -EIO, "card controller answered %s with "
		    "unknown status %u", name, (unsigned)status);
	}
}

/* Post one request and wait for it; the caller holds the lock. */
static int
exchange(struct spisync *h, uint32_t cmd, const uint32_t *in, unsigned n_in,
    uint32_t *out, unsigned n_out)
{
	uint32_t rsp_seq, seq, status;
	uint64_t start;
	unsigned sleep_us = 20;
	int rc;

	rc = spisync_rd32(h, SPISYNC_REG_MBOX(MBOX_W_RSP_SEQ), &rsp_seq);
	if (rc != 0)
		return rc;
	seq = rsp_seq + 1;
	if (seq == 0)
		seq = 1;	/* 0 never posts a request */
	rc = spisync_wr32(h, SPISYNC_REG_MBOX(MBOX_W_CMD), cmd);
	for (unsigned i = 0; rc == 0 && i < n_in; i++)
		rc = spisync_wr32(h, SPISYNC_REG_MBOX(MBOX_W_ARG + i), in[i]);
	/* REQ_SEQ last: the controller acts on what is there when it sees it */
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_MBOX(MBOX_W_REQ_SEQ), seq);
	if (rc != 0)
		return rc;

	start = spisync_now_ms();
	for (;;) {
		rc = spisync_rd32(h, SPISYNC_REG_MBOX(MBOX_W_RSP_SEQ), &rsp_seq);
		if (rc != 0)
			return rc;
		if (rsp_seq == seq)
			break;
		if (spisync_now_ms() - start >= h->mbox_timeout_ms)
			return spisync_fail(h, -ETIMEDOUT, "card controller did "
			    "not answer mailbox request %u (%s) within %u ms",
			    (unsigned)seq, spisync_mbox_cmd_name(cmd),
			    h->mbox_timeout_ms);
		spisync_sleep_us(sleep_us);
		if (sleep_us < 1000)
			sleep_us *= 2;
	}

	rc = spisync_rd32(h, SPISYNC_REG_MBOX(MBOX_W_STATUS), &status);
	if (rc != 0)
		return rc;
	if (status != MBOX_OK)
		return status_fail(h, cmd, status);
	for (unsigned i = 0; rc == 0 && i < n_out; i++)
		rc = spisync_rd32(h, SPISYNC_REG_MBOX(MBOX_W_ARG + i), &out[i]);
	return rc;
}

static int
locked_exchange(struct spisync *h, uint32_t cmd, const uint32_t *in,
    unsigned n_in, uint32_t *out, unsigned n_out)
{
	int rc = spisync_lock(h);

	if (rc != 0)
		return rc;
	rc = exchange(h, cmd, in, n_in, out, n_out);
	return spisync_unlock(h, rc);
}

/* The controller must speak this library's protocol before anything else
 * is asked of it: a request it reads differently could install a wrong SA. */
int
spisync_mbox_hello(struct spisync *h, uint32_t out[SPISYNC_HELLO_WORDS])
{
	int rc = locked_exchange(h, MBOX_CMD_HELLO, NULL, 0, out,
	    SPISYNC_HELLO_WORDS);

	if (rc != 0)
		return rc;
	if (out[1] != MBOX_PROTO_VERSION)
		return spisync_fail(h, -EPROTO, "card controller speaks mailbox "
		    "protocol %u, this libspisync speaks %u (firmware version "
		    "0x%08x: update the firmware or the library)",
		    (unsigned)out[1], MBOX_PROTO_VERSION, (unsigned)out[0]);
	h->mbox_checked = true;
	return 0;
}

int
spisync_mbox_call(struct spisync *h, uint32_t cmd, const uint32_t *in,
    unsigned n_in, uint32_t *out, unsigned n_out)
{
	int rc;

	if (n_in > MBOX_ARG_WORDS || n_out > MBOX_ARG_WORDS)
		return spisync_fail(h, -EINVAL, "mailbox request %s with %u "
		    "words in, %u out: the mailbox has %u",
		    spisync_mbox_cmd_name(cmd), n_in, n_out, MBOX_ARG_WORDS);
	if (!h->mbox_checked && cmd != MBOX_CMD_HELLO) {
		uint32_t hello[SPISYNC_HELLO_WORDS];

		rc = spisync_mbox_hello(h, hello);
		if (rc != 0)
			return rc;
	}
	return locked_exchange(h, cmd, in, n_in, out, n_out);
}
