/*
 * libspisync -- the SA calls of spisync.h, each one or more mailbox
 * requests to the card controller (firmware/mbox.h).
 *
 * Every argument is checked before the first register access, so a bad SA
 * or index never reaches the card. The SA entry words and the argument
 * block hold the key: both are cleansed before returning, on every path.
 */
#define _DEFAULT_SOURCE	/* explicit_bzero */
#include <errno.h>
#include <string.h>

#include "mbox.h"
#include "sa_encode.h"
#include "spisync_internal.h"

#define SA_ARGS_ADD (MBOX_SA_ARG_HARD_S + 1u)
#define SA_ARGS_REPLACE (MBOX_SA_ARG_OLD_INDEX + 1u)
#define SA_GET_WORDS (MBOX_GET_FLAGS + 1u)

/* Field value of SA entry word 0. */
static uint32_t
field(uint32_t word, unsigned lsb, unsigned width)
{
	return (word >> lsb) & ((1u << width) - 1u);
}

static int
check_index(struct spisync *h, uint32_t index, const char *what)
{
	if (index >= h->caps.sa_entries)
		return spisync_fail(h, -EINVAL, "%s: SA index %u out of range "
		    "(the card has indices 0..%u)", what, (unsigned)index,
		    (unsigned)h->caps.sa_entries - 1);
	return 0;
}

/* The SA_ADD / SA_REPLACE arguments: the entry, then the time lifetimes. */
static int
sa_args(struct spisync *h, const struct spisync_sa *sa,
    uint32_t args[SA_ARGS_REPLACE])
{
	char reason[SPISYNC_ERR_LEN];
	int rc;

	memset(args, 0, SA_ARGS_REPLACE * sizeof(args[0]));
	rc = spisync_sa_encode(sa, &args[MBOX_SA_ARG_ENTRY], reason,
	    sizeof(reason));
	if (rc != 0)
		return spisync_fail(h, rc, "invalid SA: %s", reason);
	args[MBOX_SA_ARG_SOFT_S] = sa->soft_time_s;
	args[MBOX_SA_ARG_HARD_S] = sa->hard_time_s;
	return 0;
}

/* An index the controller answered with must be one of the card's. */
static int
check_answer_index(struct spisync *h, uint32_t cmd, uint32_t index)
{
	if (index >= h->caps.sa_entries)
		return spisync_fail(h, -EIO, "card controller answered %s with "
		    "SA index %u; the card has %u", spisync_mbox_cmd_name(cmd),
		    (unsigned)index, (unsigned)h->caps.sa_entries);
	return 0;
}

static int
install(struct spisync *h, uint32_t cmd, const struct spisync_sa *sa,
    const uint32_t *old_index, uint32_t *index)
{
	uint32_t args[SA_ARGS_REPLACE];
	uint32_t out[2] = { 0, 0 };
	unsigned n_in = SA_ARGS_ADD;
	int rc;

	rc = sa_args(h, sa, args);
	if (rc == 0 && old_index != NULL) {
		args[MBOX_SA_ARG_OLD_INDEX] = *old_index;
		n_in = SA_ARGS_REPLACE;
	}
	if (rc == 0)
		rc = spisync_mbox_call(h, cmd, args, n_in, out, 2);
	explicit_bzero(args, sizeof(args));
	if (rc == -EEXIST)
		return spisync_fail(h, rc, "SPI 0x%08x is already installed",
		    (unsigned)sa->spi);
	if (rc == -ENOSPC)
		return spisync_fail(h, rc, "no room for SPI 0x%08x: every SA "
		    "index, or every tag slot the SPI can use, is taken",
		    (unsigned)sa->spi);
	if (rc == -ENOENT && old_index != NULL)
		return spisync_fail(h, rc, "no SA at index %u to replace",
		    (unsigned)*old_index);
	if (rc != 0)
		return rc;
	rc = check_answer_index(h, cmd, out[0]);
	if (rc == 0 && index != NULL)
		*index = out[0];
	return rc;
}

int
spisync_sa_add(struct spisync *h, const struct spisync_sa *sa,
    uint32_t *index)
{
	if (h == NULL)
		return -EINVAL;
	return install(h, MBOX_CMD_SA_ADD, sa, NULL, index);
}

int
spisync_sa_replace(struct spisync *h, uint32_t old_index,
    const struct spisync_sa *sa, uint32_t *new_index)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	rc = check_index(h, old_index, "replace");
	if (rc != 0)
		return rc;
	return install(h, MBOX_CMD_SA_REPLACE, sa, &old_index, new_index);
}

int
spisync_sa_del(struct spisync *h, uint32_t index)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	rc = check_index(h, index, "delete");
	if (rc == 0)
		rc = spisync_mbox_call(h, MBOX_CMD_SA_DEL, &index, 1, NULL, 0);
	if (rc == -ENOENT)
		return spisync_fail(h, rc, "no SA at index %u", (unsigned)index);
	return rc;
}

int
spisync_sa_find(struct spisync *h, uint32_t spi, uint32_t *index)
{
	uint32_t out = 0;
	int rc;

	if (h == NULL || index == NULL)
		return h == NULL ? -EINVAL :
		    spisync_fail(h, -EINVAL, "find: no place for the index");
	rc = spisync_mbox_call(h, MBOX_CMD_SA_FIND, &spi, 1, &out, 1);
	if (rc == -ENOENT)
		return spisync_fail(h, rc, "no SA with SPI 0x%08x",
		    (unsigned)spi);
	if (rc == 0)
		rc = check_answer_index(h, MBOX_CMD_SA_FIND, out);
	if (rc == 0)
		*index = out;
	return rc;
}

int
spisync_sa_flush(struct spisync *h, uint32_t *deleted)
{
	uint32_t out = 0;
	int rc;

	if (h == NULL)
		return -EINVAL;
	rc = spisync_mbox_call(h, MBOX_CMD_SA_FLUSH, NULL, 0, &out, 1);
	if (rc == 0 && deleted != NULL)
		*deleted = out;
	return rc;
}

/* SA_GET's answer (firmware/mbox.h) into the public struct. */
static int
decode_get(struct spisync *h, uint32_t index, const uint32_t w[SA_GET_WORDS],
    struct spisync_sa_info *out)
{
	const uint32_t word0 = w[MBOX_GET_WORD0];
	const uint32_t *lim = &w[MBOX_GET_LIMITS];
	const uint32_t mode = field(word0, SPISYNC_SA_MODE_LSB,
	    SPISYNC_SA_MODE_WIDTH);

	if (w[MBOX_GET_INDEX] != index)
		return spisync_fail(h, -EIO, "card controller answered SA_GET "
		    "of index %u with index %u", (unsigned)index,
		    (unsigned)w[MBOX_GET_INDEX]);
	if (mode > SPISYNC_SA_MODE_TRANSPORT)
		return spisync_fail(h, -EIO, "card controller answered SA_GET "
		    "of index %u with mode %u, not a mode of the spec",
		    (unsigned)index, (unsigned)mode);
	memset(out, 0, sizeof(*out));
	out->index = index;
	out->spi = w[MBOX_GET_SPI];
	out->ipv6 = field(word0, SPISYNC_SA_IPV6_LSB, SPISYNC_SA_IPV6_WIDTH);
	out->key_256 = field(word0, SPISYNC_SA_KEY_256_LSB,
	    SPISYNC_SA_KEY_256_WIDTH);
	out->esn = field(word0, SPISYNC_SA_ESN_LSB, SPISYNC_SA_ESN_WIDTH);
	out->udp_encap = field(word0, SPISYNC_SA_UDP_ENCAP_LSB,
	    SPISYNC_SA_UDP_ENCAP_WIDTH);
	out->mode = (enum spisync_sa_mode)mode;
	out->icv_len = field(word0, SPISYNC_SA_ICV_LEN_LSB,
	    SPISYNC_SA_ICV_LEN_WIDTH);
	out->gen = (uint8_t)field(word0, SPISYNC_SA_GEN_LSB,
	    SPISYNC_SA_GEN_WIDTH);
	out->sport = (uint16_t)field(w[MBOX_GET_PORTS], SPISYNC_SA_SPORT_LSB,
	    SPISYNC_SA_SPORT_WIDTH);
	out->dport = (uint16_t)field(w[MBOX_GET_PORTS], SPISYNC_SA_DPORT_LSB,
	    SPISYNC_SA_DPORT_WIDTH);
	/* DST in wire order: byte 0 in bits 7:0 of the first word */
	for (unsigned i = 0; i < 16; i++)
		out->dst[i] = (uint8_t)(w[MBOX_GET_DST + i / 4] >> (8 * (i % 4)));
	/* entry words 16..23, two per 64-bit limit, low word first */
	out->hard_bytes = (uint64_t)lim[1] << 32 | lim[0];
	out->hard_packets = (uint64_t)lim[3] << 32 | lim[2];
	out->soft_bytes = (uint64_t)lim[5] << 32 | lim[4];
	out->soft_packets = (uint64_t)lim[7] << 32 | lim[6];
	out->soft_time_s = w[MBOX_GET_SOFT_S];
	out->hard_time_s = w[MBOX_GET_HARD_S];
	out->age_s = w[MBOX_GET_AGE_S];
	out->soft_time_expired =
	    (w[MBOX_GET_FLAGS] & MBOX_SAF_SOFT_TIME_EXPIRED) != 0;
	return 0;
}

int
spisync_sa_get(struct spisync *h, uint32_t index, struct spisync_sa_info *out)
{
	uint32_t w[SA_GET_WORDS];
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "SA get: no place for the answer");
	rc = check_index(h, index, "get");
	if (rc == 0)
		rc = spisync_mbox_call(h, MBOX_CMD_SA_GET, &index, 1, w,
		    SA_GET_WORDS);
	if (rc == -ENOENT)
		return spisync_fail(h, rc, "no SA at index %u", (unsigned)index);
	if (rc != 0)
		return rc;
	return decode_get(h, index, w, out);
}

/*
 * SA_LIST pages of installed indices, then SA_GET for those that fit in
 * out. An SA deleted between the two (another process) is left out and not
 * counted. The controller must make progress (each page continues after
 * the last index it named), so the loop ends after at most one page per
 * index of the card.
 */
int
spisync_sa_list(struct spisync *h, struct spisync_sa_info *out, size_t max,
    size_t *n, size_t *total)
{
	uint32_t page[2 + MBOX_LIST_MAX];
	uint32_t first = 0;
	size_t got = 0, count = 0;
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (n == NULL || (out == NULL && max != 0))
		return spisync_fail(h, -EINVAL, "SA list: no place for the "
		    "answer");
	*n = 0;
	for (uint32_t pages = 0; first != MBOX_LIST_END; pages++) {
		uint32_t prev = 0;
		bool have_prev = false;

		if (pages > h->caps.sa_entries)
			return spisync_fail(h, -EIO, "card controller's SA_LIST "
			    "did not come to an end after %u pages",
			    (unsigned)pages);
		rc = spisync_mbox_call(h, MBOX_CMD_SA_LIST, &first, 1, page,
		    2 + MBOX_LIST_MAX);
		if (rc != 0)
			return rc;
		if (page[0] > MBOX_LIST_MAX)
			return spisync_fail(h, -EIO, "card controller's SA_LIST "
			    "named %u SAs in one answer (at most %u)",
			    (unsigned)page[0], MBOX_LIST_MAX);
		for (uint32_t i = 0; i < page[0]; i++) {
			const uint32_t index = page[2 + i];

			if (index < first || index >= h->caps.sa_entries ||
			    (have_prev && index <= prev))
				return spisync_fail(h, -EIO, "card controller's "
				    "SA_LIST from %u named index %u out of "
				    "order or range", (unsigned)first,
				    (unsigned)index);
			prev = index;
			have_prev = true;
			if (got < max) {
				rc = spisync_sa_get(h, index, &out[got]);
				if (rc == -ENOENT)
					continue;	/* deleted meanwhile */
				if (rc != 0)
					return rc;
				got++;
				*n = got;
			}
			count++;
		}
		/* the next page starts after everything this one named */
		if (page[1] != MBOX_LIST_END &&
		    (page[1] <= first || (have_prev && page[1] <= prev)))
			return spisync_fail(h, -EIO, "card controller's SA_LIST "
			    "from %u continues at %u: no progress",
			    (unsigned)first, (unsigned)page[1]);
		first = page[1];
	}
	if (total != NULL)
		*total = count;
	return 0;
}
