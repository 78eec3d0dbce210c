/*
 * spisync-sim server -- `spisync-sim --socket PATH`: the simulated card
 * running continuously, for libspisync's sim: backend (sim_proto.h) and the
 * network (AF_PACKET port, TAP host device). See sim/server/README.md.
 *
 * One thread, one event loop (server_main.c). The pieces:
 *   sim_card.c   the card, its memfd host memory, its controller (fw)
 *   card_time.c  card time kept with wall time (TIME_ADJUST)
 *   clients.c    the socket protocol: requests, the lock, DMA pieces
 *   dma_pool.c   the host memory allocator behind DMA_ALLOC / DMA_FREE
 *   frames.c     frames: port / pcap -> card -> TAP / pcap; TAP -> port
 *   wire.c       the AF_PACKET port
 *   tap.c        the TAP device
 */
#ifndef SPISYNC_SERVER_H
#define SPISYNC_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "card_opts.h"
#include "card_time.h"
#include "clients.h"
#include "dma_pool.h"
#include "sim_card.h"
#include "tap.h"
#include "wire.h"

struct pcap_out;

struct server_opts {
	const char *socket_path;
	const char *esp_sa;
	const char *in;           /* replayed at start */
	const char *port;         /* AF_PACKET interface */
	const char *tap;          /* TAP interface to create */
	const char *out;          /* delivered frames, when no --tap */
	struct card_opts card;    /* width, natt, gap, event filter */
};

struct server_stats {
	uint64_t port_in;         /* frames from --port queued for the card */
	uint64_t replayed;        /* frames queued from --in and REPLAY */
	uint64_t too_big;         /* over CARD_SIM_MAX_FRAME (or empty): skipped */
	uint64_t backlog_drops;   /* refused: the card's wire queue was full */
	uint64_t port_errors;     /* AF_PACKET receive errors */
	uint64_t delivered;       /* frames the card handed the host */
	uint64_t to_tap;
	uint64_t tap_drops;       /* the TAP refused them (queue full, down) */
	uint64_t to_out;
	uint64_t discarded;       /* delivered with neither --tap nor --out */
	uint64_t host_tx;         /* frames the host sent on the TAP */
	uint64_t host_tx_sent;    /* ... that went out on --port */
	uint64_t host_tx_dropped; /* ... with no --port, or refused by it */
};

struct server {
	const struct server_opts *opt;
	struct sim_card card;
	struct card_time time;
	struct dma_pool pool;
	struct clients clients;
	struct wire wire;         /* fd -1 without --port */
	struct tap tap;           /* fd -1 without --tap */
	struct pcap_out *out;     /* NULL without --out, or once it failed */
	bool out_failed;          /* a write failed: exit status 1 */
	uint64_t pushed_beats;    /* wire beats queued for the card so far */
	uint8_t *frame_buf;       /* TAP_FRAME_MAX bytes */
	struct card_host_frame *host_frame;
	struct server_stats stats;
	bool protocol_error_seen;
	bool mbox_written;        /* a client wrote the mailbox since fw_poll */
};

/* `spisync-sim --socket PATH ...`: the whole server run; the exit status
 * (0 after SIGINT/SIGTERM, 1 run failure, 2 bad options). */
int sim_server_main(int argc, char **argv);

#endif
