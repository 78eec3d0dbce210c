/*
 * libspisync -- the interface between the driver's core (driver/spisync.c)
 * and the ways to reach a card: sim (backend_sim.c), xrt (backend_xrt.c),
 * pci (backend_pci.c). Internal to the library.
 *
 * A backend gives 32-bit register access to the card's control port, DMA
 * memory the card can write (the event ring), and a lock that serializes
 * mailbox requests between processes using the same card. Every call
 * returns 0 or a negative errno value and, on failure, writes a sentence
 * into the err buffer it was opened with (struct spisync_backend.err).
 */
#ifndef SPISYNC_BACKEND_H
#define SPISYNC_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#define SPISYNC_ERR_LEN 256

/* Writes the printf-style sentence into err (errlen bytes, cut to fit);
 * does nothing when err is NULL or errlen 0. Used by the backends and the
 * lock file for the sentences their callers read (driver/errbuf.c). */
void spisync_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct spisync_backend;

struct spisync_backend_ops {
	const char *name;    /* "sim", "xrt", "pci" */
	int (*read32)(struct spisync_backend *b, uint32_t offset,
	    uint32_t *value);
	int (*write32)(struct spisync_backend *b, uint32_t offset,
	    uint32_t value);
	/* len bytes of zeroed, 4096-byte aligned memory the card can write:
	 * *vaddr for the host, *bus_addr for the card's DMA */
	int (*dma_alloc)(struct spisync_backend *b, size_t len, void **vaddr,
	    uint64_t *bus_addr);
	void (*dma_free)(struct spisync_backend *b, void *vaddr, size_t len);
	/* serialize mailbox requests with other processes on this card;
	 * released by unlock or when the process dies */
	int (*lock)(struct spisync_backend *b);
	int (*unlock)(struct spisync_backend *b);
	/* frees b */
	void (*close)(struct spisync_backend *b);
};

struct spisync_backend {
	const struct spisync_backend_ops *ops;
	char err[SPISYNC_ERR_LEN];   /* the last failure, as a sentence */
};

/* Each takes the device string after "sim:", "xrt:" or "pci:". 0 and *out,
 * or a negative errno value with the reason in err. */
int spisync_backend_sim_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen);
int spisync_backend_xrt_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen);
int spisync_backend_pci_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen);

#endif
