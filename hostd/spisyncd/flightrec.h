/*
 * spisyncd -- the flight recorder: when a flow turns stuck, the evidence an
 * operator would otherwise have to catch by hand, written at once:
 *
 *   DIR/YYYYmmddTHHMMSSZ_<src>_<dst>_<SPI>.pcap   the flow's recent misses
 *   DIR/YYYYmmddTHHMMSSZ_<src>_<dst>_<SPI>.txt    the flow and IKE state
 *
 * (UTC, SPI as 8 upper-case hex digits, ':' of IPv6 addresses as '-').
 * The pcap (classic libpcap, LINKTYPE_RAW 101: raw IPv4/IPv6) has one packet
 * per non-evicted history entry: outer IP header (IPv4 with its checksum),
 * UDP header for ESP-in-UDP, ESP SPI and sequence number, rebuilt from the
 * card's record (the card does not capture frames); caplen is those headers,
 * orig_len the frame's IP length. docs/recovery.md has the details.
 */
#ifndef SPISYNCD_FLIGHTREC_H
#define SPISYNCD_FLIGHTREC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flows.h"

/* pcap link type of raw IP packets in files (DLT_RAW is 12 or 14 in
 * memory depending on the OS; files use 101, which tshark decodes) */
#define FLIGHTREC_LINKTYPE_RAW 101u

/* Write both files for f into dir (made 0750 if missing), named by
 * now_wall_ns; keep only the newest `keep` recordings of this flow (older
 * ones removed; keep 0 is taken as 1). The .txt holds the flow's syslog
 * line, class, counts, times and history, then what dump (may be NULL)
 * writes. Each file goes to a temporary name first and is renamed, so a
 * reader never sees half a file. path_out (may be NULL) gets the .pcap
 * path. 0 or -errno; nothing is left behind on failure. */
int flightrec_write(const char *dir, unsigned keep, const struct flow *f,
    uint64_t now_wall_ns, void (*dump)(void *ctx, FILE *out), void *ctx,
    char *path_out, size_t path_len);

/* The file name stem "YYYYmmddTHHMMSSZ_<src>_<dst>_<SPI>" (no directory,
 * no extension). 0 or -1 if it does not fit. */
int flightrec_stem(const struct flow *f, uint64_t now_wall_ns, char *buf,
    size_t len);

/* One packet of the pcap for history entry m of flow k: the headers into
 * buf (at least 56 bytes); *orig_len the IP length it stood for. Returns
 * the number of bytes written. */
size_t flightrec_packet(const struct flow_key *k, const struct flow_miss *m,
    uint8_t *buf, uint32_t *orig_len);

#endif
