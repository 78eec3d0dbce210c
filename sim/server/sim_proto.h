/*
 * spisync -- the protocol between libspisync's sim: backend
 * (driver/backend_sim.c) and `spisync-sim --socket PATH` (sim/server/).
 *
 * A SOCK_SEQPACKET UNIX socket: every message is one datagram, in order,
 * reliable. The client sends a request, the server answers it; one request
 * outstanding per connection. All integers little-endian (both ends are the
 * same machine; the struct layouts are fixed-size and padding-free).
 *
 * Host memory: the simulated card's DMA (the event ring writer) lands in a
 * memfd of SIM_PROTO_HOST_MEM_SIZE bytes that the card sees at bus address
 * SIM_PROTO_HOST_MEM_BASE. The server passes its fd with the HELLO answer
 * (SCM_RIGHTS); the client maps it shared, so records the card writes appear
 * in the client's memory as DMA does on real hardware. DMA_ALLOC hands out
 * 4096-aligned, zeroed pieces of it (freed by DMA_FREE or when the client
 * disconnects).
 *
 * The lock (LOCK/UNLOCK) serializes mailbox requests between clients; the
 * server drops a client's lock when it disconnects. LOCK waits (the answer
 * comes when the lock is granted).
 */
#ifndef SPISYNC_SIM_PROTO_H
#define SPISYNC_SIM_PROTO_H

#include <stdint.h>

#define SIM_PROTO_MAGIC   0x53534D31u   /* "SSM1" */
#define SIM_PROTO_VERSION 1u

#define SIM_PROTO_HOST_MEM_BASE 0x0000000100000000ull
#define SIM_PROTO_HOST_MEM_SIZE (16u << 20)

/* longest path in a REPLAY request, NUL included */
#define SIM_PROTO_PATH_MAX 240u

enum sim_op {
	/* arg0 SIM_PROTO_MAGIC, arg1 SIM_PROTO_VERSION. Answer: value
	 * SIM_PROTO_VERSION, value64 SIM_PROTO_HOST_MEM_SIZE, aux the card's
	 * data width, and the memfd of host memory (SCM_RIGHTS). Must be the
	 * first request. */
	SIM_OP_HELLO = 1,
	SIM_OP_READ32 = 2,     /* arg0 offset. Answer: value */
	SIM_OP_WRITE32 = 3,    /* arg0 offset, arg1 value */
	SIM_OP_DMA_ALLOC = 4,  /* arg64 length. Answer: value64 bus address */
	SIM_OP_DMA_FREE = 5,   /* arg64 bus address */
	SIM_OP_LOCK = 6,
	SIM_OP_UNLOCK = 7,
	/* simulator control for tests (not a card operation): queue the
	 * frames of the pcap file at path for the wire. Answer: value frames
	 * queued */
	SIM_OP_REPLAY = 8,
	/* simulator control: answer when the wire queue is empty and the card
	 * holds no frame. Answer: value64 card clock cycles so far */
	SIM_OP_DRAIN = 9,
};

struct sim_req {
	uint32_t op;          /* enum sim_op */
	uint32_t arg0;
	uint32_t arg1;
	uint32_t reserved;    /* 0 */
	uint64_t arg64;
	char path[SIM_PROTO_PATH_MAX];  /* SIM_OP_REPLAY only; NUL-terminated */
};

struct sim_rsp {
	int32_t status;       /* 0 or a negative errno value */
	uint32_t value;
	uint64_t value64;
	uint32_t aux;
	uint32_t reserved;
};

#endif
