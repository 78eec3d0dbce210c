/*
 * spisync-sim server -- frames in and out of the card:
 *   --port (AF_PACKET) and --in / REPLAY (pcap)  -> the card's wire queue
 *   the card's host side                         -> --tap, else --out, else
 *                                                   counted and discarded
 *   --tap (what the host transmits)              -> --port (the card has no
 *                                                   egress path), else
 *                                                   counted and discarded
 *
 * The card runs far slower than a real port, so a fast sender could queue
 * frames without end: the wire queue is bounded (FRAMES_BACKLOG_BYTES of
 * beats not yet clocked in); frames that find it full are counted
 * (backlog_drops) and skipped, as frames over CARD_SIM_MAX_FRAME are
 * (too_big).
 */
#ifndef SPISYNC_FRAMES_H
#define SPISYNC_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct server;

/* Bytes of wire beats the card's queue may hold, not yet clocked in. */
#define FRAMES_BACKLOG_BYTES (64u << 20)
/* Frames taken from the port or the TAP in one loop iteration. */
#define FRAMES_BATCH 64u

/* Queue one frame for the card's wire: 1 queued, 0 skipped (counted). */
int frames_to_card(struct server *s, const uint8_t *frame, size_t len);

/*
 * Queue the frames of a pcap file (sim/pcap_io.h; records cut short by
 * the snapshot length, empty, or too long are skipped and counted). The
 * file is read whole first: a malformed file queues nothing. 0 and
 * *queued, or a negative errno (-ENOENT, -EACCES, ...: cannot open it;
 * -EINVAL: not a regular file, or not a valid Ethernet capture) with the
 * reason in err.
 */
int frames_replay(struct server *s, const char *path, uint32_t *queued,
    char *err, size_t errlen);

/* Frames waiting on the port, the TAP: at most FRAMES_BATCH each. */
void frames_from_port(struct server *s);
void frames_from_tap(struct server *s);

/* Hand every frame the card has delivered to the TAP / --out / nowhere. */
void frames_deliver(struct server *s);

#endif
