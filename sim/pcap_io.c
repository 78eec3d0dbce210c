/*
 * spisync -- pcap input/output and all-or-nothing output files (pcap_io.h).
 */

/* libpcap's headers use the BSD types u_char and u_int */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pcap_io.h"

static const char tmp_suffix[] = ".tmp";

static void
say(char *err, size_t errlen, const char *path, const char *what,
    const char *detail)
{
	if (err == NULL || errlen == 0)
		return;
	if (detail != NULL)
		snprintf(err, errlen, "%s: %s: %s", path, what, detail);
	else
		snprintf(err, errlen, "%s: %s", path, what);
}

int
out_file_open(struct out_file *f, const char *path, char *err, size_t errlen)
{
	const size_t len = strlen(path);

	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->tmp_path = malloc(len + sizeof(tmp_suffix));
	if (f->path == NULL || f->tmp_path == NULL) {
		say(err, errlen, path, "out of memory", NULL);
		out_file_abort(f);
		return -1;
	}
	memcpy(f->tmp_path, path, len);
	memcpy(f->tmp_path + len, tmp_suffix, sizeof(tmp_suffix));
	f->fp = fopen(f->tmp_path, "wb");
	if (f->fp == NULL) {
		say(err, errlen, f->tmp_path, "cannot create", strerror(errno));
		free(f->path);
		free(f->tmp_path);
		memset(f, 0, sizeof(*f));
		return -1;
	}
	return 0;
}

int
out_file_finish(struct out_file *f, char *err, size_t errlen)
{
	FILE *const fp = f->fp;
	int failed;

	if (fp == NULL) {
		say(err, errlen, f->tmp_path != NULL ? f->tmp_path : "(none)",
		    "not open", NULL);
		return -1;
	}
	failed = fflush(fp) != 0 || ferror(fp);
	f->fp = NULL;
	if (fclose(fp) != 0)
		failed = 1;
	if (failed) {
		say(err, errlen, f->tmp_path, "write error", strerror(errno));
		return -1;
	}
	f->finished = true;
	return 0;
}

static void
out_file_free_names(struct out_file *f)
{
	free(f->path);
	free(f->tmp_path);
	f->path = NULL;
	f->tmp_path = NULL;
	f->finished = false;
}

int
out_file_publish(struct out_file *f, char *err, size_t errlen)
{
	if (!f->finished) {
		say(err, errlen, f->path != NULL ? f->path : "(none)",
		    "not finished", NULL);
		return -1;
	}
	if (rename(f->tmp_path, f->path) != 0) {
		say(err, errlen, f->path, "cannot rename the finished "
		    "temporary file to it", strerror(errno));
		return -1;
	}
	out_file_free_names(f);
	return 0;
}

void
out_file_abort(struct out_file *f)
{
	if (f->fp != NULL) {
		fclose(f->fp);
		f->fp = NULL;
	}
	if (f->tmp_path != NULL)
		unlink(f->tmp_path);
	out_file_free_names(f);
}

/* ---------------------------------------------------------------------- */

struct pcap_in {
	pcap_t *p;
	char *path;
	uint64_t records;
};

int
pcap_in_open(const char *path, struct pcap_in **out, char *err,
    size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_in *in;
	int dlt;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (in == NULL || (in->path = strdup(path)) == NULL) {
		free(in);
		say(err, errlen, path, "out of memory", NULL);
		return -1;
	}
	errbuf[0] = '\0';
	in->p = pcap_open_offline(path, errbuf);
	if (in->p == NULL) {
		say(err, errlen, path, "cannot read as a capture", errbuf);
		pcap_in_close(in);
		return -1;
	}
	dlt = pcap_datalink(in->p);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);
		char detail[128];

		snprintf(detail, sizeof(detail), "link type %d (%s); the card "
		    "takes Ethernet frames (DLT_EN10MB) only", dlt,
		    name != NULL ? name : "unknown");
		say(err, errlen, path, "unsupported capture", detail);
		pcap_in_close(in);
		return -1;
	}
	*out = in;
	return 0;
}

int
pcap_in_next(struct pcap_in *in, struct pcap_record *rec, char *err,
    size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	char what[64];
	int rc;

	rc = pcap_next_ex(in->p, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(what, sizeof(what), "after record %llu",
		    (unsigned long long)in->records);
		say(err, errlen, in->path, what, pcap_geterr(in->p));
		return -1;
	}
	in->records++;
	rec->data = data;
	rec->caplen = hdr->caplen;
	rec->len = hdr->len;
	rec->ts = hdr->ts;
	rec->number = in->records;
	return 1;
}

void
pcap_in_close(struct pcap_in *in)
{
	if (in == NULL)
		return;
	if (in->p != NULL)
		pcap_close(in->p);
	free(in->path);
	free(in);
}

const char *
pcap_record_refusal(const struct pcap_record *rec, size_t max_len)
{
	if (rec->caplen < rec->len)
		return "captured only in part (snapshot length): the frame's "
		    "end is not in the file";
	if (rec->len == 0)
		return "empty frame";
	if (rec->len > max_len)
		return "longer than the card takes";
	return NULL;
}

/* ---------------------------------------------------------------------- */

struct pcap_out {
	struct out_file file;
	pcap_t *dead;
	pcap_dumper_t *dumper;	/* owns file.fp once created */
	FILE *fp;		/* the dumper's stream, for error checks */
};

static void
pcap_out_free(struct pcap_out *o)
{
	if (o->dumper != NULL)
		pcap_dump_close(o->dumper);	/* closes fp */
	o->dumper = NULL;
	if (o->dead != NULL)
		pcap_close(o->dead);
	o->dead = NULL;
}

int
pcap_out_open(const char *path, struct pcap_out **out, char *err,
    size_t errlen)
{
	struct pcap_out *o;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		say(err, errlen, path, "out of memory", NULL);
		return -1;
	}
	if (out_file_open(&o->file, path, err, errlen) != 0) {
		free(o);
		return -1;
	}
	o->dead = pcap_open_dead(DLT_EN10MB, PCAP_OUT_SNAPLEN);
	if (o->dead == NULL) {
		say(err, errlen, path, "out of memory", NULL);
		pcap_out_abort(o);
		return -1;
	}
	/* from here libpcap closes the stream, also when this fails */
	o->fp = o->file.fp;
	o->file.fp = NULL;
	o->dumper = pcap_dump_fopen(o->dead, o->fp);
	if (o->dumper == NULL) {
		say(err, errlen, o->file.tmp_path, "cannot write the pcap "
		    "header", pcap_geterr(o->dead));
		o->fp = NULL;
		pcap_out_abort(o);
		return -1;
	}
	*out = o;
	return 0;
}

int
pcap_out_write(struct pcap_out *o, const struct timeval *ts,
    const uint8_t *data, size_t len, char *err, size_t errlen)
{
	struct pcap_pkthdr hdr;

	if (len == 0 || len > PCAP_OUT_SNAPLEN) {
		say(err, errlen, o->file.tmp_path, "frame length out of range",
		    NULL);
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts = *ts;
	hdr.caplen = (bpf_u_int32)len;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)o->dumper, &hdr, data);
	if (ferror(o->fp)) {
		say(err, errlen, o->file.tmp_path, "write error",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
pcap_out_finish(struct pcap_out *o, char *err, size_t errlen)
{
	const bool failed = pcap_dump_flush(o->dumper) != 0 || ferror(o->fp);
	const int saved_errno = errno;

	if (failed) {
		say(err, errlen, o->file.tmp_path, "write error",
		    strerror(saved_errno));
		return -1;
	}
	pcap_out_free(o);
	o->fp = NULL;
	o->file.finished = true;
	return 0;
}

int
pcap_out_publish(struct pcap_out *o, char *err, size_t errlen)
{
	const int rc = out_file_publish(&o->file, err, errlen);

	pcap_out_abort(o);	/* after a publish, only frees */
	return rc;
}

void
pcap_out_abort(struct pcap_out *o)
{
	if (o == NULL)
		return;
	pcap_out_free(o);
	out_file_abort(&o->file);
	free(o);
}
