/*
 * spisync -- pcap input and output for spisync-sim (libpcap), and output
 * files that only appear under their name once complete.
 *
 * Output files are written to PATH.tmp. out_file_finish() flushes and
 * closes it, checking for write errors; out_file_publish() renames it to
 * PATH; out_file_abort() removes it. A failed run therefore leaves no file
 * that looks like a result (an older PATH from an earlier run is left
 * alone).
 *
 * Input: classic pcap files (libpcap's pcap_open_offline: also pcapng with
 * one interface) of Ethernet frames (DLT_EN10MB) only. Timestamps are read
 * and written with microsecond precision.
 */
#ifndef SPISYNC_PCAP_IO_H
#define SPISYNC_PCAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

/* Snapshot length of the output files: larger than any host frame. */
enum { PCAP_OUT_SNAPLEN = 65535 };

struct out_file {
	char *path;	/* the result's name */
	char *tmp_path;	/* path + ".tmp" while being written */
	FILE *fp;	/* NULL once finished or handed to libpcap and closed */
	bool finished;	/* closed without error, ready to publish */
};

/* Create PATH.tmp for writing. 0, or -1 with a message. */
int out_file_open(struct out_file *f, const char *path, char *err,
    size_t errlen);
/* Flush and close, checking every error. 0, or -1 with a message (the
 * temporary file is then still there: call out_file_abort). */
int out_file_finish(struct out_file *f, char *err, size_t errlen);
/* Rename the finished PATH.tmp to PATH and free f's names. */
int out_file_publish(struct out_file *f, char *err, size_t errlen);
/* Close and remove PATH.tmp (if any) and free f's names. Safe on a zeroed
 * struct and after publish. */
void out_file_abort(struct out_file *f);

/* One record of the input. data is valid until the next pcap_in_next. */
struct pcap_record {
	const uint8_t *data;
	uint32_t caplen;	/* bytes captured (in data) */
	uint32_t len;		/* bytes the frame had on the wire */
	struct timeval ts;
	uint64_t number;	/* 1 for the first record of the file */
};

struct pcap_in;

/* Open a capture; refuses link types other than Ethernet. 0, or -1 with
 * "PATH: reason" in err. */
int pcap_in_open(const char *path, struct pcap_in **out, char *err,
    size_t errlen);
/* 1 with the next record, 0 at the end of the file, -1 on a malformed or
 * truncated file ("PATH: reason" in err). */
int pcap_in_next(struct pcap_in *in, struct pcap_record *rec, char *err,
    size_t errlen);
void pcap_in_close(struct pcap_in *in);

/*
 * Why a record cannot be replayed as it is, or NULL if it can: a capture
 * cut short by the snapshot length (caplen < len: the card would see bytes
 * that are not in the file), an empty frame, or one longer than max_len.
 */
const char *pcap_record_refusal(const struct pcap_record *rec,
    size_t max_len);

struct pcap_out;

/* An Ethernet (DLT_EN10MB) capture written to PATH.tmp. 0 or -1. */
int pcap_out_open(const char *path, struct pcap_out **out, char *err,
    size_t errlen);
int pcap_out_write(struct pcap_out *o, const struct timeval *ts,
    const uint8_t *data, size_t len, char *err, size_t errlen);
/* As out_file_finish; on error call pcap_out_abort. */
int pcap_out_finish(struct pcap_out *o, char *err, size_t errlen);
/* As out_file_publish; frees o either way. */
int pcap_out_publish(struct pcap_out *o, char *err, size_t errlen);
/* Remove PATH.tmp and free o. NULL is fine. */
void pcap_out_abort(struct pcap_out *o);

#endif
