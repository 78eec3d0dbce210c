/*
 * spisyncd -- the IKEv2 message codec (RFC 7296 section 3): parse and build
 * the fixed header, the generic payload chain and the typed payload bodies.
 *
 * Pure code: no sockets, no crypto, no global state, no allocation. The
 * parser returns references into the caller's buffer, which must outlive
 * them. Encryption of the SK payload is the caller's (ike_w_begin(IKE_PL_SK)
 * plus raw bytes, ike_w_set_next for its inner first-payload type).
 *
 * Parse functions return IKE_OK (0) or an enum ike_perr; the state machine
 * maps those to the RFC's reaction (drop, INVALID_SYNTAX, ...).
 */
#ifndef SPISYNCD_IKE_MSG_H
#define SPISYNCD_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HDR_LEN 28
#define IKE_GEN_HDR_LEN 4
#define IKE_MAX_PAYLOADS 32          /* more in one message: rejected */
#define IKE_VERSION_2 0x20           /* major 2, minor 0: the header byte */

enum { IKE_SA_INIT = 34, IKE_AUTH = 35, CREATE_CHILD_SA = 36, INFORMATIONAL = 37 };
enum { IKE_FLAG_INITIATOR = 0x08, IKE_FLAG_VERSION = 0x10, IKE_FLAG_RESPONSE = 0x20 };

enum ike_pl {
	IKE_PL_NONE = 0, IKE_PL_SA = 33, IKE_PL_KE = 34, IKE_PL_IDI = 35,
	IKE_PL_IDR = 36, IKE_PL_CERT = 37, IKE_PL_CERTREQ = 38,
	IKE_PL_AUTH = 39, IKE_PL_NONCE = 40, IKE_PL_NOTIFY = 41,
	IKE_PL_DELETE = 42, IKE_PL_VENDOR = 43, IKE_PL_TSI = 44,
	IKE_PL_TSR = 45, IKE_PL_SK = 46, IKE_PL_CP = 47, IKE_PL_EAP = 48,
	IKE_PL_SKF = 53
};

/* protocol IDs (3.3.1) */
enum { IKE_PROTO_IKE = 1, IKE_PROTO_AH = 2, IKE_PROTO_ESP = 3 };
/* transform types (3.3.2) */
enum { IKE_TT_ENCR = 1, IKE_TT_PRF = 2, IKE_TT_INTEG = 3, IKE_TT_DH = 4, IKE_TT_ESN = 5 };
#define IKE_ATTR_KEY_LENGTH 14

/* traffic selector types (3.13.1) */
enum { IKE_TS_IPV4_ADDR_RANGE = 7, IKE_TS_IPV6_ADDR_RANGE = 8 };
/* authentication methods (3.8) */
enum { IKE_AUTH_SHARED_KEY_MIC = 2 };

/* Notify message types: RFC 7296 3.10.1 (error and status), plus three
 * later status types the daemon meets in practice. */
enum {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,           /* RFC 4555 */
	IKE_N_FRAGMENTATION_SUPPORTED = 16430,    /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,  /* RFC 7427 */
};

const char *ike_notify_name(uint16_t type);      /* "INVALID_SPI", ...; "UNKNOWN" */
const char *ike_exchange_name(uint8_t x);        /* "IKE_SA_INIT", ...; "UNKNOWN" */
const char *ike_payload_name(uint8_t t);         /* "SA", "KE", ...; "UNKNOWN" */

/* version: the whole byte (major << 4 | minor), IKE_VERSION_2 to send */
struct ike_hdr {
	uint64_t spi_i, spi_r;
	uint8_t next, version, exchange, flags;
	uint32_t msg_id, length;
};

enum ike_perr {
	IKE_OK = 0,
	IKE_E_SHORT,     /* truncated / lengths inconsistent -> drop (or INVALID_SYNTAX if authenticated) */
	IKE_E_VERSION,   /* major version != 2 -> INVALID_MAJOR_VERSION (RFC 7296 2.5) */
	IKE_E_SYNTAX,    /* any other malformation -> INVALID_SYNTAX */
	IKE_E_CRITICAL,  /* unknown payload with critical bit: UNSUPPORTED_CRITICAL_PAYLOAD, crit_type set */
	IKE_E_TOO_MANY,  /* more than IKE_MAX_PAYLOADS payloads */
};
const char *ike_perr_str(int e);

/* Checks len >= 28, major version 2 (minor ignored), h->length == len. */
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h);
void ike_hdr_put(uint8_t out[IKE_HDR_LEN], const struct ike_hdr *h);

/* body excludes the 4-byte generic header */
struct ike_pl_ref {
	uint8_t type;
	bool critical;
	const uint8_t *body;
	size_t len;
};
struct ike_payloads {
	struct ike_pl_ref pl[IKE_MAX_PAYLOADS];
	size_t n;
	uint8_t crit_type;   /* the unknown critical type (IKE_E_CRITICAL) */
	uint8_t sk_next;     /* an SK/SKF payload's inner first-payload type */
};

/*
 * Walk a payload chain starting with payload type `first` over buf[0..len):
 * every generic header checked (length >= 4, within buf), the chain ends
 * exactly at len with next 0. An SK (or SKF) payload must be the last one:
 * its body runs to the end of buf and its next field goes to sk_next.
 * Unknown payload types without the critical bit are kept with their type
 * (callers ignore them, RFC 7296 2.5); with it: IKE_E_CRITICAL.
 */
int ike_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, struct ike_payloads *out);
/* nth 0 = first; NULL if there is no such payload */
const struct ike_pl_ref *ike_payload_find(const struct ike_payloads *p, uint8_t type, size_t nth);

/* Typed bodies: every length checked per RFC 7296 section 3; non-zero
 * RESERVED fields are ignored, as the RFC says receivers must. */
struct ike_xform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;     /* 0 if no KEY_LENGTH attribute */
};
#define IKE_MAX_XFORMS 16
#define IKE_MAX_PROPS 8
struct ike_prop {
	uint8_t num, proto, spi_size;
	uint8_t spi[8];
	struct ike_xform x[IKE_MAX_XFORMS];
	size_t nx;
};
struct ike_sa_pl {
	struct ike_prop p[IKE_MAX_PROPS];
	size_t n;
};
/* Proposal numbers: consecutive from 1; a lone proposal may carry any
 * number >= 1 (a responder echoes the number it accepted, 3.3.1). More
 * than IKE_MAX_PROPS proposals or IKE_MAX_XFORMS transforms: IKE_E_SYNTAX. */
int ike_sa_parse(const uint8_t *b, size_t len, struct ike_sa_pl *out);

struct ike_ke_pl {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};
int ike_ke_parse(const uint8_t *b, size_t len, struct ike_ke_pl *out);
int ike_nonce_check(size_t len);     /* 16..256 octets (2.10) */

struct ike_id_pl {
	uint8_t type;
	const uint8_t *data;
	size_t len;
	const uint8_t *body;             /* whole body: input to the signed octets */
	size_t body_len;
};
int ike_id_parse(const uint8_t *b, size_t len, struct ike_id_pl *out);

struct ike_auth_pl {
	uint8_t method;                  /* IKE_AUTH_SHARED_KEY_MIC = 2 */
	const uint8_t *data;
	size_t len;
};
int ike_auth_parse(const uint8_t *b, size_t len, struct ike_auth_pl *out);

struct ike_notify_pl {
	uint8_t proto, spi_size;
	uint16_t type;
	const uint8_t *spi;              /* NULL when spi_size is 0 */
	const uint8_t *data;
	size_t data_len;
};
int ike_notify_parse(const uint8_t *b, size_t len, struct ike_notify_pl *out);
/* The SPI an INVALID_SPI notify reports. Both forms in use are accepted:
 * SPI size 0 with the 4-byte SPI as notification data (RFC 7296 3.10.1,
 * what strongSwan sends) and SPI size 4 with no data. Anything else, or
 * another notify type: IKE_E_SYNTAX. */
int ike_notify_invalid_spi(const struct ike_notify_pl *n, uint32_t *spi);

struct ike_delete_pl {
	uint8_t proto, spi_size;
	uint16_t count;
	const uint8_t *spis;             /* count * spi_size bytes, network order */
};
/* IKE: size 0 count 0; ESP/AH: size 4, len == 4 + 4 * count */
int ike_delete_parse(const uint8_t *b, size_t len, struct ike_delete_pl *out);

struct ike_ts {
	uint8_t type;                    /* 7 IPv4, 8 IPv6 */
	uint8_t proto;
	uint16_t port_lo, port_hi;
	uint8_t start[16], end[16];      /* IPv4: first 4 bytes */
};
#define IKE_MAX_TS 8
struct ike_ts_pl {
	struct ike_ts ts[IKE_MAX_TS];
	size_t n;
};
/* selector length 16 / 40 exactly; unknown TS type, 0 or more than
 * IKE_MAX_TS selectors: IKE_E_SYNTAX */
int ike_ts_parse(const uint8_t *b, size_t len, struct ike_ts_pl *out);

/*
 * Building: a bounded writer. Every put sets w->err on overflow (or on an
 * argument no valid message can carry) instead of writing past cap; check
 * w->err once at the end.
 */
struct ike_w {
	uint8_t *buf;
	size_t cap, len;
	bool err;
	size_t last_hdr;     /* offset of the previous generic header, SIZE_MAX none */
	uint8_t first;       /* type of the first payload written (an SK payload's next field) */
	bool hdr;            /* an IKE header was written at offset 0 */
};
void ike_w_init(struct ike_w *w, uint8_t *buf, size_t cap);
/* At offset 0 (else w->err); next and length written as 0, patched later. */
void ike_w_hdr(struct ike_w *w, const struct ike_hdr *h);
/* A generic header; patches the previous payload's (or the IKE header's)
 * next field. Returns its offset, for ike_w_end and ike_w_set_next. */
size_t ike_w_begin(struct ike_w *w, uint8_t type, bool critical);
void ike_w_end(struct ike_w *w, size_t begin_off);   /* patches that payload's length */
void ike_w_set_next(struct ike_w *w, size_t begin_off, uint8_t next);
void ike_w_bytes(struct ike_w *w, const void *p, size_t n);
void ike_w_u8(struct ike_w *w, uint8_t v);
void ike_w_u16(struct ike_w *w, uint16_t v);         /* big-endian */
void ike_w_u32(struct ike_w *w, uint32_t v);         /* big-endian */
void ike_w_finish(struct ike_w *w);  /* patches the IKE header length (if a header was written) */

/* Whole payloads (each begin..end): */
void ike_w_sa(struct ike_w *w, const struct ike_sa_pl *sa);  /* KEY_LENGTH attribute when keylen != 0 */
void ike_w_ke(struct ike_w *w, uint16_t group, const uint8_t *data, size_t len);
void ike_w_nonce(struct ike_w *w, const uint8_t *n, size_t len);   /* 16..256, else w->err */
void ike_w_id(struct ike_w *w, uint8_t pl_type /* IDI or IDR */, uint8_t id_type,
    const uint8_t *data, size_t len);
void ike_w_auth(struct ike_w *w, uint8_t method, const uint8_t *data, size_t len);
void ike_w_notify(struct ike_w *w, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
    uint16_t type, const uint8_t *data, size_t len);
/* proto IKE: no SPIs (n must be 0); ESP/AH: n host-order 32-bit SPIs */
void ike_w_delete(struct ike_w *w, uint8_t proto, const uint32_t *spis, size_t n);
void ike_w_ts(struct ike_w *w, uint8_t pl_type /* TSI or TSR */, const struct ike_ts *ts, size_t n);
void ike_w_vendor(struct ike_w *w, const uint8_t *id, size_t len);

#endif
