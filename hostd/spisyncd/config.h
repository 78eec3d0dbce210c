/*
 * spisyncd -- its configuration: global options and one section per peer,
 * read from an INI file with libinih (config.c). The daemon, the recovery
 * engine and the IKE code read these structures; only config.c writes them.
 *
 * File format and every option: docs/spisyncd-config.md, sample
 * etc/spisyncd.conf.
 */
#ifndef SPISYNCD_CONFIG_H
#define SPISYNCD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SD_NAME_MAX        64
#define SD_ID_MAX          256
#define SD_PSK_MAX         256
#define SD_PATH_MAX        256
#define SD_MAX_PEERS       256
#define SD_MAX_PROPOSALS   8
#define SD_MAX_TS          8

/* IANA IKEv2 transform IDs (RFC 7296 3.3.2, IANA registry) */
#define SD_ENCR_AES_GCM_16    20
#define SD_PRF_HMAC_SHA2_256  5
#define SD_PRF_HMAC_SHA2_384  6
#define SD_DH_MODP_2048       14
#define SD_DH_ECP_256         19
#define SD_DH_CURVE25519      31
#define SD_ESN_NO             0
#define SD_ESN_YES            1

/* RFC 7296 3.5 ID types */
#define SD_ID_IPV4_ADDR  1
#define SD_ID_FQDN       2
#define SD_ID_RFC822     3
#define SD_ID_IPV6_ADDR  5
#define SD_ID_KEY_ID     11

/* One IKE proposal ("aes128gcm16-prfsha256-ecp256", strongSwan's names) or
 * one ESP proposal ("aes256gcm16-esn", "aes128gcm16-noesn",
 * "aes128gcm16": no ESN; "aes128gcm16-esn-noesn": either, ours first). */
struct sd_ike_proposal {
	uint16_t encr_keybits;          /* 128 or 256 (ENCR_AES_GCM_16) */
	uint16_t prf;                   /* SD_PRF_* */
	uint16_t dh;                    /* SD_DH_* */
};
struct sd_esp_proposal {
	uint16_t encr_keybits;          /* 128 or 256 (ENCR_AES_GCM_16, ICV 16) */
	bool esn_no, esn_yes;           /* which ESN transforms to offer/accept */
};

struct sd_id {
	uint8_t type;                   /* SD_ID_* */
	uint8_t data[SD_ID_MAX];        /* as on the wire (4/16 bytes for IPs) */
	size_t len;
};

/* A traffic selector range (RFC 7296 3.13.1), from "198.18.2.0/24",
 * "198.18.2.0/24[udp/5000]" or "0.0.0.0/0". Addresses in wire order. */
struct sd_ts {
	bool ipv6;
	uint8_t proto;                  /* 0: any */
	uint16_t port_lo, port_hi;      /* 0..65535: any */
	uint8_t start[16], end[16];
};

enum sd_peer_type {
	SD_PEER_STATIC,                 /* address known: recovery may initiate */
	SD_PEER_DYNAMIC,                /* address learned: log and count only */
};

struct sd_peer {
	char name[SD_NAME_MAX];         /* [peer NAME] */
	unsigned line;                  /* where its section starts */
	enum sd_peer_type type;
	/* static peers: address (and port, default 500); dynamic: any address
	 * inside addr/prefix (prefix 0 with ss_family AF_UNSPEC: any at all) */
	struct sockaddr_storage addr;
	unsigned prefix;
	struct sd_id local_id, remote_id;
	uint8_t psk[SD_PSK_MAX];        /* cleansed by sd_config_free() */
	size_t psk_len;
	struct sd_ike_proposal ike[SD_MAX_PROPOSALS];
	size_t n_ike;
	struct sd_esp_proposal esp[SD_MAX_PROPOSALS];
	size_t n_esp;
	struct sd_ts local_ts[SD_MAX_TS], remote_ts[SD_MAX_TS];
	size_t n_local_ts, n_remote_ts;
	uint32_t ike_lifetime_s;        /* rekey the IKE SA after (0: never) */
	uint32_t child_lifetime_s;      /* rekey CHILD SAs after (0: never) */
	uint32_t rekey_jitter_s;        /* rekey up to this much earlier, random */
	uint32_t dpd_delay_s;           /* liveness check when idle (0: off) */
	bool initiate;                  /* bring the tunnel up at start */
	bool recovery;                  /* invalid-SPI recovery for this peer */
};

struct sd_config {
	char path[SD_PATH_MAX];         /* the file it came from */
	char device[SD_PATH_MAX];       /* libspisync device ("sim:/run/...") */
	char control_socket[SD_PATH_MAX];
	char flightrec_dir[SD_PATH_MAX];
	unsigned flightrec_keep;        /* newest N recordings kept per flow */
	/* IKE listens on these (ports 500 and 4500); empty: every address */
	struct sockaddr_storage listen[4];
	size_t n_listen;
	uint32_t miss_log_interval_s;   /* per-flow syslog rate limit (60) */
	uint32_t stuck_holdoff_s;       /* a flow still missing after this: stuck */
	uint32_t recovery_interval_s;   /* at most one recovery per peer per ... */
	uint32_t retransmit_timeout_ms; /* first IKE retransmission (RFC 7296 2.1) */
	uint32_t retransmit_tries;      /* then give up on the exchange */
	double retransmit_base;         /* backoff factor between tries */
	uint32_t cookie_threshold;      /* half-open IKE SAs before COOKIEs */
	uint32_t half_open_timeout_s;
	unsigned event_ring_log2;       /* size of the card's event ring */
	int syslog_facility;            /* LOG_DAEMON, LOG_LOCAL0..7 */
	struct sd_peer peers[SD_MAX_PEERS];
	size_t n_peers;
};

/* Read path into *out (defaults first, then the file). 0, or -1 with err
 * holding "PATH:LINE: reason" (or "PATH: reason" when no line applies).
 * On failure *out holds nothing that needs freeing. */
int sd_config_load(const char *path, struct sd_config *out, char *err,
    size_t errlen);
/* Defaults only (no peers). */
void sd_config_defaults(struct sd_config *out);
/* Cleanse the PSKs. */
void sd_config_free(struct sd_config *cfg);

/* The peer a message from addr belongs to: a static peer with that address
 * (port ignored) first, then the first dynamic peer whose range holds it;
 * NULL if none. */
const struct sd_peer *sd_config_peer_by_addr(const struct sd_config *cfg,
    const struct sockaddr *addr);
/* The static peer at exactly this IP address (port ignored), or NULL:
 * recovery may only ever send to these. */
const struct sd_peer *sd_config_static_peer(const struct sd_config *cfg,
    const struct sockaddr *addr);
const struct sd_peer *sd_config_peer_by_name(const struct sd_config *cfg,
    const char *name);

/* "aes128gcm16-prfsha256-ecp256" etc. (for show commands and logs): 0, or
 * -1 with buf "" (unknown transform, buffer too small) */
int sd_ike_proposal_str(const struct sd_ike_proposal *p, char *buf,
    size_t len);
int sd_esp_proposal_str(const struct sd_esp_proposal *p, char *buf,
    size_t len);

#endif
