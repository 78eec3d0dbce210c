/*
 * spisync firmware -- the controller's side of the mailbox (mbox.h).
 *
 * One request per fw_poll: read CMD and the arguments, act, write the
 * results and STATUS, then RSP_SEQ last, so a host that sees RSP_SEQ = its
 * REQ_SEQ finds everything else already written.
 *
 * Keys: an SA_ADD or SA_REPLACE request's key and salt words are zeroed in
 * the mailbox as soon as they are read, before anything is checked (a
 * refused request leaves no key behind either), and the controller's own
 * copy is cleansed before the answer goes out.
 */
#include <stddef.h>

#include "fw_internal.h"
#include "mbox.h"

static uint32_t
mbox_read(const struct fw *fw, uint32_t word)
{
	return fw_reg_read(fw, SPISYNC_REG_MBOX(word));
}

static void
mbox_write(const struct fw *fw, uint32_t word, uint32_t value)
{
	fw_reg_write(fw, SPISYNC_REG_MBOX(word), value);
}

static uint32_t
arg_read(const struct fw *fw, uint32_t arg)
{
	return mbox_read(fw, MBOX_W_ARG + arg);
}

static void
arg_write(const struct fw *fw, uint32_t arg, uint32_t value)
{
	mbox_write(fw, MBOX_W_ARG + arg, value);
}

static bool
is_secret_word(uint32_t w)
{
	return w == SPISYNC_SA_SALT_WORD ||
	    (w >= SPISYNC_SA_KEY_WORD && w < SPISYNC_SA_KEY_WORD + 8u);
}

/* Zero the key and salt words of an SA request in the mailbox. */
static void
zero_secret_args(const struct fw *fw)
{
	for (uint32_t w = 0; w < SPISYNC_SA_WORDS; w++) {
		if (is_secret_word(w))
			arg_write(fw, MBOX_SA_ARG_ENTRY + w, 0);
	}
}

/* The entry and lifetimes of SA_ADD / SA_REPLACE; the mailbox's copy of
 * the secrets is gone when this returns. */
static void
read_sa_args(const struct fw *fw, uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t *soft_s, uint32_t *hard_s)
{
	for (uint32_t w = 0; w < SPISYNC_SA_WORDS; w++)
		entry[w] = arg_read(fw, MBOX_SA_ARG_ENTRY + w);
	zero_secret_args(fw);
	*soft_s = arg_read(fw, MBOX_SA_ARG_SOFT_S);
	*hard_s = arg_read(fw, MBOX_SA_ARG_HARD_S);
}

static int
cmd_hello(struct fw *fw)
{
	arg_write(fw, 0, FW_VERSION);
	arg_write(fw, 1, MBOX_PROTO_VERSION);
	arg_write(fw, 2, fw->table.entries);
	arg_write(fw, 3, fw->table.count);
	arg_write(fw, 4, fw->table.buckets);
	arg_write(fw, 5, fw_ms_to_s(fw->now_ms));
	return MBOX_OK;
}

static int
cmd_sa_add(struct fw *fw, bool replace)
{
	uint32_t entry[SPISYNC_SA_WORDS];
	uint32_t soft_s, hard_s, index, gen;
	int rc;

	read_sa_args(fw, entry, &soft_s, &hard_s);
	if (replace)
		rc = fw_sa_replace(fw, arg_read(fw, MBOX_SA_ARG_OLD_INDEX), entry,
		    soft_s, hard_s, &index, &gen);
	else
		rc = fw_sa_install(fw, entry, soft_s, hard_s, &index, &gen);
	fw_cleanse(entry, SPISYNC_SA_WORDS);
	if (rc != MBOX_OK)
		return rc;
	arg_write(fw, 0, index);
	arg_write(fw, 1, gen);
	return MBOX_OK;
}

static int
cmd_sa_del(struct fw *fw)
{
	return fw_sa_delete(fw, arg_read(fw, 0));
}

static int
cmd_sa_find(struct fw *fw)
{
	const uint32_t spi = arg_read(fw, 0);
	uint32_t index;

	if (spi < 256u)
		return MBOX_E_INVAL;
	if (sa_table_find(&fw->table, spi, &index) != SA_OK)
		return MBOX_E_NOENT;
	arg_write(fw, 0, index);
	return MBOX_OK;
}

static int
cmd_sa_get(struct fw *fw)
{
	const uint32_t index = arg_read(fw, 0);
	const struct fw_sa_meta *m;

	if (!fw_sa_in_range(fw, index))
		return MBOX_E_INVAL;
	if (!fw_sa_used(fw, index))
		return MBOX_E_NOENT;
	m = &fw->meta[index];
	arg_write(fw, MBOX_GET_INDEX, index);
	arg_write(fw, MBOX_GET_WORD0, m->word0);
	arg_write(fw, MBOX_GET_SPI, fw->spi_of[index]);
	arg_write(fw, MBOX_GET_PORTS, m->ports);
	for (uint32_t w = 0; w < 4; w++)
		arg_write(fw, MBOX_GET_DST + w, m->dst[w]);
	for (uint32_t w = 0; w < 8; w++)
		arg_write(fw, MBOX_GET_LIMITS + w, m->limits[w]);
	arg_write(fw, MBOX_GET_SOFT_S, m->soft_s);
	arg_write(fw, MBOX_GET_HARD_S, m->hard_s);
	arg_write(fw, MBOX_GET_AGE_S, fw_ms_to_s(fw->now_ms - m->added_ms));
	arg_write(fw, MBOX_GET_FLAGS, m->flags & MBOX_SAF_SOFT_TIME_EXPIRED);
	return MBOX_OK;
}

/* Up to MBOX_LIST_MAX installed indices from ARG+0 on; the continuation is
 * the next installed index after them, so a page is never empty unless
 * the table is. */
static int
cmd_sa_list(struct fw *fw)
{
	const uint32_t first = arg_read(fw, 0);
	uint32_t n = 0, next = MBOX_LIST_END;

	if (!fw_sa_in_range(fw, first))
		return MBOX_E_INVAL;
	for (uint32_t i = first; i < fw->table.entries; i++) {
		if (!fw->used[i])
			continue;
		if (n == MBOX_LIST_MAX) {
			next = i;
			break;
		}
		arg_write(fw, 2 + n, i);
		n++;
	}
	arg_write(fw, 0, n);
	arg_write(fw, 1, next);
	return MBOX_OK;
}

static int
cmd_sa_flush(struct fw *fw)
{
	arg_write(fw, 0, fw_sa_flush(fw));
	return MBOX_OK;
}

static int
dispatch(struct fw *fw, uint32_t cmd)
{
	switch (cmd) {
	case MBOX_CMD_HELLO:
		return cmd_hello(fw);
	case MBOX_CMD_SA_ADD:
		return cmd_sa_add(fw, false);
	case MBOX_CMD_SA_REPLACE:
		return cmd_sa_add(fw, true);
	case MBOX_CMD_SA_DEL:
		return cmd_sa_del(fw);
	case MBOX_CMD_SA_FIND:
		return cmd_sa_find(fw);
	case MBOX_CMD_SA_GET:
		return cmd_sa_get(fw);
	case MBOX_CMD_SA_LIST:
		return cmd_sa_list(fw);
	case MBOX_CMD_SA_FLUSH:
		return cmd_sa_flush(fw);
	default:
		return MBOX_E_BADCMD;
	}
}

static void
answer(struct fw *fw, uint32_t seq, int status)
{
	mbox_write(fw, MBOX_W_STATUS, (uint32_t)status);
	mbox_write(fw, MBOX_W_RSP_SEQ, seq);
	fw->last_seq = seq;
}

unsigned
fw_mbox_poll(struct fw *fw)
{
	const uint32_t seq = mbox_read(fw, MBOX_W_REQ_SEQ);

	if (seq == 0 || seq == fw->last_seq)
		return 0;
	answer(fw, seq, dispatch(fw, mbox_read(fw, MBOX_W_CMD)));
	return FW_DID_REQUEST;
}

void
fw_mbox_take(struct fw *fw)
{
	const uint32_t seq = mbox_read(fw, MBOX_W_REQ_SEQ);
	const uint32_t cmd = mbox_read(fw, MBOX_W_CMD);

	if (seq != 0 && seq != mbox_read(fw, MBOX_W_RSP_SEQ)) {
		/* posted while no controller ran: not executed; a key it
		 * carries does not stay in the mailbox */
		if (cmd == MBOX_CMD_SA_ADD || cmd == MBOX_CMD_SA_REPLACE)
			zero_secret_args(fw);
		answer(fw, seq, MBOX_E_RESTART);
		return;
	}
	/* nothing pending: RSP_SEQ already equals REQ_SEQ (or both are 0) */
	mbox_write(fw, MBOX_W_RSP_SEQ, seq);
	fw->last_seq = seq;
}
