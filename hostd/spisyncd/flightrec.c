/*
 * spisyncd -- the flight recorder (flightrec.h).
 */
#include "flightrec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "misslog.h"

#define ETH_HDR_LEN   14u
#define IPV4_HDR_LEN  20u
#define IPV6_HDR_LEN  40u
#define UDP_HDR_LEN   8u
#define ESP_HDR_LEN   8u               /* SPI + sequence number */
#define STAMP_LEN     16u              /* "YYYYmmddTHHMMSSZ" */

static void
put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 791 header checksum: one's complement of the one's complement sum */
static uint16_t
ipv4_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
flightrec_packet(const struct flow_key *k, const struct flow_miss *m,
    uint8_t *buf, uint32_t *orig_len)
{
	size_t ip_len = k->ipv6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
	size_t hdrs = ip_len + (k->udp ? UDP_HDR_LEN : 0) + ESP_HDR_LEN;
	uint32_t olen = (uint32_t)hdrs;
	uint8_t *p = buf;

	/* FRAME_LEN counts the Ethernet frame; the IP packet is what
	 * follows its 14-byte header. A record too short to hold the
	 * headers (evicted, or a runt) stands for the headers alone. */
	if (m->frame_len >= ETH_HDR_LEN + hdrs)
		olen = m->frame_len - ETH_HDR_LEN;
	memset(buf, 0, hdrs);
	if (k->ipv6) {
		p[0] = 0x60;
		put_be16(p + 4, olen - IPV6_HDR_LEN);
		p[6] = k->udp ? 17 : 50;
		p[7] = 64;
		memcpy(p + 8, k->src, 16);
		memcpy(p + 24, k->dst, 16);
	} else {
		p[0] = 0x45;
		put_be16(p + 2, olen);
		put_be16(p + 6, 0x4000);        /* DF */
		p[8] = 64;
		p[9] = k->udp ? 17 : 50;
		memcpy(p + 12, k->src, 4);
		memcpy(p + 16, k->dst, 4);
		put_be16(p + 10, ipv4_checksum(p, IPV4_HDR_LEN));
	}
	p += ip_len;
	if (k->udp) {
		/* checksum 0: the payload is not there to sum */
		put_be16(p, k->sport);
		put_be16(p + 2, k->dport);
		put_be16(p + 4, olen - (uint32_t)ip_len);
		p += UDP_HDR_LEN;
	}
	put_be32(p, k->spi);
	put_be32(p + 4, m->seq);
	*orig_len = olen;
	return hdrs;
}

/* ---- names ------------------------------------------------------------ */

static int
addr_name(const struct flow_key *k, const uint8_t *a, char *buf, size_t len)
{
	if (flow_addr_str(k->ipv6, a, buf, len) != 0)
		return -1;
	for (char *c = buf; *c != '\0'; c++) {
		if (*c == ':')
			*c = '-';
	}
	return 0;
}

/* "_<src>_<dst>_<SPI>": what every recording of the flow ends with */
static int
flow_suffix(const struct flow *f, char *buf, size_t len)
{
	char src[64], dst[64];
	int r;

	if (addr_name(&f->key, f->key.src, src, sizeof(src)) != 0 ||
	    addr_name(&f->key, f->key.dst, dst, sizeof(dst)) != 0)
		return -1;
	r = snprintf(buf, len, "_%s_%s_%08" PRIX32, src, dst, f->key.spi);
	return (r < 0 || (size_t)r >= len) ? -1 : 0;
}

int
flightrec_stem(const struct flow *f, uint64_t now_wall_ns, char *buf,
    size_t len)
{
	time_t sec = (time_t)(now_wall_ns / 1000000000u);
	char stamp[32], suffix[160];
	struct tm tm;
	int r;

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != STAMP_LEN ||
	    flow_suffix(f, suffix, sizeof(suffix)) != 0)
		return -1;
	r = snprintf(buf, len, "%s%s", stamp, suffix);
	return (r < 0 || (size_t)r >= len) ? -1 : 0;
}

/* ---- the files -------------------------------------------------------- */

static int
mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	struct stat st;

	if (n == 0 || n >= sizeof(path))
		return -EINVAL;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return -errno;
		path[i] = i < n ? '/' : '\0';
	}
	if (stat(dir, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Open a new file for writing, failing if it exists (a stale temporary
 * from a crash is replaced). */
static FILE *
create_tmp(const char *path, int *err)
{
	int fd;
	FILE *fp;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		*err = -errno;
		close(fd);
		(void)unlink(path);
	}
	return fp;
}

/* fclose that reports a write error from any earlier fwrite too */
static int
finish_file(FILE *fp)
{
	int err = 0;

	if (fflush(fp) != 0 || ferror(fp))
		err = -EIO;
	if (err == 0 && fsync(fileno(fp)) != 0)
		err = -errno;
	if (fclose(fp) != 0 && err == 0)
		err = -EIO;
	return err;
}

static int
write_pcap(FILE *fp, const struct flow *f)
{
	uint8_t gh[24], rh[16], pkt[64];

	put_le32(gh, 0xa1b2c3d4u);              /* microsecond timestamps */
	put_le16(gh + 4, 2);
	put_le16(gh + 6, 4);
	put_le32(gh + 8, 0);                    /* thiszone: UTC */
	put_le32(gh + 12, 0);                   /* sigfigs */
	put_le32(gh + 16, 65535);               /* snaplen */
	put_le32(gh + 20, FLIGHTREC_LINKTYPE_RAW);
	if (fwrite(gh, sizeof(gh), 1, fp) != 1)
		return -EIO;
	for (size_t i = 0; i < f->hist_n; i++) {
		const struct flow_miss *m = flow_hist_at(f, i);
		uint32_t olen;
		size_t n;

		if (m->evicted)         /* no frame behind it: text only */
			continue;
		n = flightrec_packet(&f->key, m, pkt, &olen);
		put_le32(rh, (uint32_t)(m->wall_ns / 1000000000u));
		put_le32(rh + 4, (uint32_t)(m->wall_ns % 1000000000u / 1000u));
		put_le32(rh + 8, (uint32_t)n);
		put_le32(rh + 12, olen);
		if (fwrite(rh, sizeof(rh), 1, fp) != 1 ||
		    fwrite(pkt, n, 1, fp) != 1)
			return -EIO;
	}
	return 0;
}

static void
write_txt(FILE *fp, const struct flow *f, uint64_t now_wall_ns,
    void (*dump)(void *ctx, FILE *out), void *ctx)
{
	char line[256], t1[40], t2[40], t3[40];

	if (misslog_format(&f->key, line, sizeof(line)) < 0)
		snprintf(line, sizeof(line), "(flow address unprintable)");
	if (flow_time_str(now_wall_ns, t1, sizeof(t1)) != 0)
		t1[0] = '\0';
	fprintf(fp, "spisyncd flight recording, %s\n\n%s\n\n", t1, line);
	fprintf(fp, "peer: %s\n", f->peer[0] != '\0' ? f->peer : "(none)");
	if (f->key.udp)
		fprintf(fp, "encap: udp %u -> %u\n", (unsigned)f->key.sport,
		    (unsigned)f->key.dport);
	if (flow_time_str(f->class_since_wall_ns, t1, sizeof(t1)) != 0)
		t1[0] = '\0';
	if (flow_time_str(f->first_wall_ns, t2, sizeof(t2)) != 0)
		t2[0] = '\0';
	if (flow_time_str(f->last_wall_ns, t3, sizeof(t3)) != 0)
		t3[0] = '\0';
	fprintf(fp, "class: %s since %s\nfirst seen: %s\nlast seen: %s\n",
	    flow_class_name(f->cls), t1, t2, t3);
	fprintf(fp, "records: %" PRIu64 "\nmisses: %" PRIu64 "\nepisodes: %"
	    PRIu32 "\nlog lines: %" PRIu64 " (%" PRIu64 " suppressed)\n"
	    "recoveries: %" PRIu32 "\nlast action: %s\n\n", f->events,
	    f->misses, f->episodes, f->logs, f->logs_suppressed,
	    f->recoveries, f->last_action[0] != '\0' ? f->last_action : "-");
	fprintf(fp, "history (oldest first): time, card ns, seq, len, count\n");
	for (size_t i = 0; i < f->hist_n; i++) {
		const struct flow_miss *m = flow_hist_at(f, i);

		if (flow_time_str(m->wall_ns, t1, sizeof(t1)) != 0)
			t1[0] = '\0';
		fprintf(fp, "  %s %" PRIu64 " %" PRIu32 " %u %" PRIu32 "%s\n",
		    t1, m->card_ns, m->seq, (unsigned)m->frame_len, m->count,
		    m->evicted ? " evicted" : "");
	}
	fprintf(fp, "\nIKE and CHILD SA state:\n");
	if (dump != NULL)
		dump(ctx, fp);
	else
		fprintf(fp, "(not available)\n");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
unlink_pair(const char *dir, const char *pcap_name)
{
	char path[4096];
	size_t n = strlen(pcap_name) - strlen(".pcap");

	if (snprintf(path, sizeof(path), "%s/%s", dir, pcap_name) <
	    (int)sizeof(path))
		(void)unlink(path);
	if (snprintf(path, sizeof(path), "%s/%.*s.txt", dir, (int)n,
	    pcap_name) < (int)sizeof(path))
		(void)unlink(path);
}

/* Remove all but the newest `keep` recordings ending in suffix.pcap: the
 * names start with the time stamp, so name order is time order. */
static int
prune(const char *dir, const char *suffix, unsigned keep)
{
	char end[200];
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, elen;
	int err = 0;

	snprintf(end, sizeof(end), "%s.pcap", suffix);
	elen = strlen(end);
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len != STAMP_LEN + elen ||
		    strcmp(de->d_name + STAMP_LEN, end) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (nn == NULL) {
				err = -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err == 0 && n > keep) {
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n - keep; i++)
			unlink_pair(dir, names[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int
flightrec_write(const char *dir, unsigned keep, const struct flow *f,
    uint64_t now_wall_ns, void (*dump)(void *ctx, FILE *out), void *ctx,
    char *path_out, size_t path_len)
{
	char stem[200], suffix[160];
	char pcap[4096], txt[4096], pcap_tmp[4096], txt_tmp[4096];
	FILE *fp;
	int err = 0, r;

	if (path_out != NULL && path_len > 0)
		path_out[0] = '\0';
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	if (flightrec_stem(f, now_wall_ns, stem, sizeof(stem)) != 0 ||
	    flow_suffix(f, suffix, sizeof(suffix)) != 0)
		return -EINVAL;
	r = snprintf(pcap, sizeof(pcap), "%s/%s.pcap", dir, stem);
	if (r < 0 || (size_t)r >= sizeof(pcap))
		return -ENAMETOOLONG;
	snprintf(txt, sizeof(txt), "%s/%s.txt", dir, stem);
	snprintf(pcap_tmp, sizeof(pcap_tmp), "%s/.%s.pcap.tmp", dir, stem);
	snprintf(txt_tmp, sizeof(txt_tmp), "%s/.%s.txt.tmp", dir, stem);
	if (path_out != NULL && strlen(pcap) >= path_len)
		return -ENAMETOOLONG;
	err = mkdir_p(dir);
	if (err != 0)
		return err;

	fp = create_tmp(pcap_tmp, &err);
	if (fp == NULL)
		return err;
	err = write_pcap(fp, f);
	r = finish_file(fp);
	if (err == 0)
		err = r;
	if (err != 0)
		goto fail_pcap;

	fp = create_tmp(txt_tmp, &err);
	if (fp == NULL)
		goto fail_pcap;
	write_txt(fp, f, now_wall_ns, dump, ctx);
	err = finish_file(fp);
	if (err != 0)
		goto fail_txt;

	if (rename(pcap_tmp, pcap) != 0) {
		err = -errno;
		goto fail_txt;
	}
	if (rename(txt_tmp, txt) != 0) {
		err = -errno;
		(void)unlink(pcap);
		goto fail_txt;
	}
	if (path_out != NULL)
		snprintf(path_out, path_len, "%s", pcap);
	/* The recording is whole and that is what matters: failing to
	 * prune (out of memory) only leaves older files for the next time. */
	(void)prune(dir, suffix, keep == 0 ? 1 : keep);
	return 0;

fail_txt:
	(void)unlink(txt_tmp);
fail_pcap:
	(void)unlink(pcap_tmp);
	return err;
}
