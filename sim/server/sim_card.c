/*
 * spisync-sim server -- the card, its host memory and its controller
 * (sim_card.h).
 */
#define _GNU_SOURCE     /* memfd_create, F_ADD_SEALS */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "esp_sa.h"
#include "mbox.h"
#include "sa_entry.h"
#include "sim_card.h"
#include "sim_proto.h"

/* The card's DMA addresses and the protocol's must be the same memory. */
_Static_assert(SIM_PROTO_HOST_MEM_BASE == CARD_SIM_HOST_MEM_BASE,
    "host memory base differs between sim_proto.h and card_sim.h");

static uint32_t hal_read32(void *ctx, uint32_t offset)
{
	struct sim_card *c = ctx;

	return card_sim_mmio_read(c->sim, offset);
}

/* The controller's writes act on the card (SA installs, lifetime records
 * stamped with TIME_NS): card time is brought up to date first. */
static void hal_write32(void *ctx, uint32_t offset, uint32_t value)
{
	struct sim_card *c = ctx;

	card_time_sync_due(c->time, c->sim);
	card_sim_mmio_write(c->sim, offset, value);
}

static uint32_t hal_now_ms(void *ctx)
{
	(void)ctx;
	/* the controller extends the 32-bit tick across wraps */
	return (uint32_t)(card_time_wall_ns() / 1000000u);
}

static const char *fw_strerror(int rc)
{
	switch (rc) {
	case FW_ERR_ID:
		return "ID or VERSION is not this register map";
	case FW_ERR_NOT_READY:
		return "STATUS never became ready";
	case FW_ERR_TOO_BIG:
		return "the card has more SA entries or tag buckets than the "
		    "controller was built for";
	case FW_ERR_CAP:
		return "CAP_SA_ENTRIES or CAP_TAG_BUCKETS out of range";
	case FW_ERR_INVAL:
		return "bad HAL";
	default:
		return "unknown error";
	}
}

static const char *mbox_strerror(int rc)
{
	switch (rc) {
	case MBOX_E_FULL:
		return "the SA table is full (no free index or tag placement)";
	case MBOX_E_EXISTS:
		return "an SA with this SPI is already installed";
	case MBOX_E_NOENT:
		return "no such SA";
	case MBOX_E_INVAL:
		return "refused as invalid by the controller";
	case MBOX_E_BADCMD:
		return "unknown command";
	default:
		return "unknown error";
	}
}

/* A sealed memfd: a client that maps it cannot shrink it under the card's
 * writes (which would kill the server with SIGBUS). */
static int host_mem_open(struct sim_card *c, char *err, size_t errlen)
{
	c->mem_size = SIM_PROTO_HOST_MEM_SIZE;
	c->memfd = memfd_create("spisync-host-mem", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);
	if (c->memfd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if (ftruncate(c->memfd, (off_t)c->mem_size) != 0 ||
	    fcntl(c->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) != 0) {
		snprintf(err, errlen, "host memory memfd: %s", strerror(errno));
		return -1;
	}
	c->mem = mmap(NULL, c->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    c->memfd, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		snprintf(err, errlen, "mmap of host memory: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sim_card_open(struct sim_card *c, unsigned width, struct card_time *time,
    char *err, size_t errlen)
{
	struct fw_hal hal;
	int rc;

	memset(c, 0, sizeof(*c));
	c->memfd = -1;
	c->time = time;
	if (host_mem_open(c, err, errlen) != 0)
		goto fail;
	c->sim = card_sim_create_with_host_mem(width, c->mem, c->mem_size);
	if (c->sim == NULL) {
		snprintf(err, errlen, "no card model of width %u (not built, "
		    "or out of memory)", width);
		goto fail;
	}
	/* it runs indefinitely: keep no per-frame history */
	card_sim_keep_frame_starts(c->sim, false);
	c->fw = calloc(1, sizeof(*c->fw));
	if (c->fw == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* fw_init's writes go through hal_write32, which syncs card time:
	 * give it a start (card_time_start restarts it later) */
	card_time_start(c->time, c->sim, card_time_wall_ns());
	hal.ctx = c;
	hal.read32 = hal_read32;
	hal.write32 = hal_write32;
	hal.now_ms = hal_now_ms;
	rc = fw_init(c->fw, &hal);
	if (rc != FW_OK) {
		snprintf(err, errlen, "the card controller did not start: %s",
		    fw_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	sim_card_close(c);
	return -1;
}

void sim_card_close(struct sim_card *c)
{
	if (c->fw != NULL) {
		/* the controller's shadow holds no key, but it is the card's
		 * private state: leave nothing of it behind */
		OPENSSL_cleanse(c->fw, sizeof(*c->fw));
		free(c->fw);
	}
	if (c->sim != NULL)
		card_sim_destroy(c->sim);
	if (c->mem != NULL)
		munmap(c->mem, c->mem_size);
	if (c->memfd >= 0)
		close(c->memfd);
	memset(c, 0, sizeof(*c));
	c->memfd = -1;
}

/* One esp_sa line onto the card. 0, or -1 with the reason in err. */
static int install_one(struct sim_card *c, const struct esp_sa_entry *e,
    bool natt, char *err, size_t errlen)
{
	struct model_sa sa;
	uint32_t words[SPISYNC_SA_WORDS];
	char why[256];
	int rc;

	if (sa_entry_from_esp_sa(e, &sa, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (natt)
		sa_entry_set_natt(&sa);
	sa_entry_encode(&sa, words);
	rc = fw_sa_add(c->fw, words, 0, 0, NULL, NULL);
	if (rc != MBOX_OK)
		snprintf(err, errlen, "SPI 0x%08x: cannot install it on the "
		    "card: %s", (unsigned)sa.spi, mbox_strerror(rc));
	OPENSSL_cleanse(words, sizeof(words));
	OPENSSL_cleanse(&sa, sizeof(sa));
	return rc == MBOX_OK ? 0 : -1;
}

int sim_card_preload(struct sim_card *c, const char *esp_sa, bool natt,
    size_t *count, char *err, size_t errlen)
{
	struct esp_sa_table table = { NULL, 0 };
	char why[512];
	int rc = 0;

	*count = 0;
	if (esp_sa_load(esp_sa, &table, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	for (size_t i = 0; i < table.count; i++) {
		if (install_one(c, &table.entries[i], natt, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", esp_sa,
			    table.entries[i].line, why);
			rc = -1;
			break;
		}
		(*count)++;
	}
	/* esp_sa_table_free cleanses the keys it read */
	esp_sa_table_free(&table);
	return rc;
}
