/*
 * spisync sim -- host memory behind an AXI4 write-only slave, for the card's
 * DMA writers (the event ring, hw/rtl/event_ring.v) in simulation.
 *
 * The bus is 512 bits (64 bytes a beat), one AXI ID: write responses come
 * in the order of the AWs. AW and W are independent channels (W beats may
 * come before their AW). A write becomes visible in host_mem_data() only when
 * its B response appears, write_latency clocks after the later of its AW and
 * its last W beat were accepted, all its bytes at once; with write_latency 0
 * B is valid the clock right after that handshake. A burst that touches any
 * byte outside [base, base + size) is answered DECERR and writes nothing.
 *
 * Protocol violations by the master are counted (host_mem_protocol_errors)
 * and answered SLVERR where a write is concerned:
 *   - AWVALID or WVALID dropped, or AW / W payload changed, before the
 *     handshake;
 *   - a W burst whose length (WLAST) differs from AWLEN + 1, or longer than
 *     256 beats;
 *   - AWBURST other than INCR, AWSIZE above 6, a burst crossing 4 KiB, a
 *     strobe outside the bytes the beat's address and size select.
 *
 * Cycle protocol, once per clock:
 *   host_mem_outputs(m, &out);   this clock's AWREADY, WREADY, BVALID/BRESP:
 *                                drawn once, stable for the clock
 *   ... evaluate the master with them, collect its outputs into `in` ...
 *   host_mem_clock(m, &in);      the rising edge
 * Backpressure is random (xorshift64*), deterministic for a seed.
 */
#ifndef SPISYNC_HOST_MEM_H
#define SPISYNC_HOST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOST_MEM_BEAT_BYTES 64u
#define HOST_MEM_MAX_BEATS 256u
/* host_mem_data() is aligned to this (a page) */
#define HOST_MEM_ALIGN 4096u

enum host_mem_resp {
	HOST_MEM_OKAY = 0,
	HOST_MEM_SLVERR = 2,
	HOST_MEM_DECERR = 3,
};

struct host_mem_cfg {
	uint64_t base;              /* bus address of byte 0 */
	size_t size;                /* bytes, > 0 */
	unsigned write_latency;     /* clocks from the write's last handshake to B valid */
	unsigned aw_ready_pct;      /* 0..100: chance AWREADY is high in a clock */
	unsigned w_ready_pct;       /* 0..100: chance WREADY is high in a clock */
	unsigned max_pending;       /* AWs accepted and not answered, >= 1 */
	uint64_t seed;
};

struct host_mem_axi_out {
	bool awready;
	bool wready;
	bool bvalid;
	uint8_t bresp;
};

struct host_mem_axi_in {
	bool awvalid;
	uint64_t awaddr;
	uint8_t awlen;
	uint8_t awsize;
	uint8_t awburst;
	bool wvalid;
	uint8_t wdata[HOST_MEM_BEAT_BYTES];    /* byte i: bits 8i+7:8i */
	uint64_t wstrb;
	bool wlast;
	bool bready;
};

struct host_mem;

/* NULL on a bad configuration or allocation failure. Memory starts zeroed. */
struct host_mem *host_mem_create(const struct host_mem_cfg *cfg);
/*
 * The same over memory the caller owns: mem (cfg->size bytes, aligned to
 * HOST_MEM_ALIGN) is used as it is, not zeroed, and host_mem_destroy leaves
 * it alone. For memory another process maps too (spisync-sim's memfd, which
 * its clients map): see host_mem_data() for what such a reader may rely on.
 * NULL on a bad configuration, a NULL or unaligned mem, or allocation
 * failure.
 */
struct host_mem *host_mem_create_on(const struct host_mem_cfg *cfg,
    uint8_t *mem);
void host_mem_destroy(struct host_mem *m);

/*
 * New timing from the next clock on (a host that stalls, then resumes).
 * Writes already accepted keep their B time; later writes are answered no
 * earlier than those (responses stay in order).
 */
void host_mem_set_timing(struct host_mem *m, unsigned write_latency,
    unsigned aw_ready_pct, unsigned w_ready_pct, uint64_t seed);

/*
 * Byte 0 of the memory. A reader running concurrently with the writes (in
 * another thread or process) may rely on this: within each 64-byte row a
 * write touches, bytes 8..63 are stored first, then, after a release fence,
 * bytes 0..7 (one aligned 64-bit store when the beat's strobes cover all
 * eight). So a reader that sees a new value in the row's first eight bytes
 * and then issues an acquire fence sees the rest of the row as that write
 * left it -- as the driver reads an event record: its FLAGS byte (PHASE)
 * first, the body after the fence (driver/event_ring.h). On the card this is
 * the 64-byte PCIe write arriving whole.
 */
uint8_t *host_mem_data(struct host_mem *m);
uint64_t host_mem_base(const struct host_mem *m);
size_t host_mem_size(const struct host_mem *m);

void host_mem_outputs(struct host_mem *m, struct host_mem_axi_out *out);

/* The rising edge. 0, or -ENOMEM (a W burst buffer could not be allocated;
 * the model is then unusable). */
int host_mem_clock(struct host_mem *m, const struct host_mem_axi_in *in);

uint64_t host_mem_writes(const struct host_mem *m);           /* answered OKAY */
uint64_t host_mem_errors(const struct host_mem *m);           /* answered SLVERR/DECERR */
uint64_t host_mem_protocol_errors(const struct host_mem *m);
/* AWs accepted and not yet answered (B handshake), and the most seen. */
unsigned host_mem_pending(const struct host_mem *m);
unsigned host_mem_max_pending_seen(const struct host_mem *m);
/* Clocks since creation. */
uint64_t host_mem_clocks(const struct host_mem *m);

#ifdef __cplusplus
}
#endif

#endif
