/*
 * mip6tls/container.h: the MN<->HAC request/response container (RFC 6618 §5.1-§5.9).
 *
 * A container is a 4-octet header, Ver (3 bits) | Rsrvd (5) | Identifier (8) | Length (16),
 * followed by Length octets of content (RFC 6618 §5.1). The content is a list of TV-headers,
 * `name: value CRLF`, ended by one empty line (RFC 6618 §5.2, §5.5.7). The decisions where the
 * RFC is silent are in docs/decisions/0001-container-errors.md, 0002-header-names.md,
 * 0003-auth-coverage.md and 0021-container-values.md; in short:
 *   - Ver != 0 -> MIP6TLS_ERR_VERSION, Rsrvd != 0 -> MIP6TLS_ERR_RESERVED: the HAC answers
 *     `status-code: 400` (Identifier copied from octet 1) and closes.
 *   - names are case-insensitive on receipt and written in lower case; only dns-ip6/dns-ip4 may
 *     repeat; unknown headers are checked for syntax and ignored; `auth` must be the last header.
 *   - optional spaces/tabs after ':' and before CRLF are accepted; exactly one space after ':'
 *     is written. Bare LF, bare CR and control characters are malformed.
 *   - hex values are accepted in either case and written in lower case; ciphersuite codes are
 *     written in upper case as RFC 6618 §5.6.5 spells them.
 *   - `auth` = HMAC-SHA256(K, "MN"|"HAC" || content before the auth line || CB-octets).
 *
 * Decoding is total: any bytes give a message or a negative mip6tls_err, and never a read
 * outside the input. The decoded message holds views into the input buffer, which must outlive
 * it. Encoding writes into a caller-owned buffer through a builder.
 */
#ifndef MIP6TLS_CONTAINER_H
#define MIP6TLS_CONTAINER_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_CTR_HDR_LEN 4         /* RFC 6618 §5.1 container header */
#define MIP6TLS_CTR_CONTENT_MAX 65535 /* RFC 6618 §5.1 Length */
#define MIP6TLS_CTR_MAX (MIP6TLS_CTR_HDR_LEN + MIP6TLS_CTR_CONTENT_MAX)
#define MIP6TLS_CTR_RAND_LEN 32            /* RFC 6618 §5.5.8 mn-rand, hac-rand */
#define MIP6TLS_CTR_AUTH_LEN 32            /* RFC 6618 §5.8 HMAC-SHA256 output */
#define MIP6TLS_CTR_SPI_MAX 268435455u     /* RFC 6618 §5.6.1: 28 bits, 0 reserved */
#define MIP6TLS_CTR_KEY_MAX 64             /* longest mip6-*-key this codec accepts, in octets */
#define MIP6TLS_CTR_NAI_MAX 253            /* longest mn-id (RFC 4282 §2.2 recommended support) */
#define MIP6TLS_CTR_DNS_MAX 4              /* dns-ip6 / dns-ip4 kept, each; later ones ignored */
#define MIP6TLS_CTR_SUITES_MAX 16          /* mip6-suitelist entries kept; later ones ignored */
#define MIP6TLS_CTR_TIME_MAX 253402300799u /* Fri, 31 Dec 9999 23:59:59 GMT */

/* The EAP default shared-key "1" (RFC 6618 §5.9): the single octet 0x31. */
#define MIP6TLS_CTR_EAP_DEFAULT_KEY ((const uint8_t *)"1")
#define MIP6TLS_CTR_EAP_DEFAULT_KEY_LEN 1

/* TV-headers (RFC 6618 §5.5-§5.7). The value is the bit position in `present`. */
typedef enum {
    MIP6TLS_CTR_H_MN_ID = 0,     /* §5.5.1 mn-id */
    MIP6TLS_CTR_H_AUTH_METHOD,   /* §5.5.2 auth-method */
    MIP6TLS_CTR_H_EAP_PAYLOAD,   /* §5.5.3 eap-payload */
    MIP6TLS_CTR_H_STATUS_CODE,   /* §5.5.4 status-code */
    MIP6TLS_CTR_H_AUTH,          /* §5.5.5 auth */
    MIP6TLS_CTR_H_RETRY_AFTER,   /* §5.5.6 retry-after */
    MIP6TLS_CTR_H_MN_RAND,       /* §5.5.8 mn-rand */
    MIP6TLS_CTR_H_HAC_RAND,      /* §5.5.8 hac-rand */
    MIP6TLS_CTR_H_SPI,           /* §5.6.1 mip6-spi */
    MIP6TLS_CTR_H_MN_TO_HA_IKEY, /* §5.6.2 mip6-mn-to-ha-ikey */
    MIP6TLS_CTR_H_HA_TO_MN_IKEY, /* §5.6.2 mip6-ha-to-mn-ikey */
    MIP6TLS_CTR_H_MN_TO_HA_EKEY, /* §5.6.2 mip6-mn-to-ha-ekey */
    MIP6TLS_CTR_H_HA_TO_MN_EKEY, /* §5.6.2 mip6-ha-to-mn-ekey */
    MIP6TLS_CTR_H_VALIDITY_END,  /* §5.6.3 mip6-sa-validity-end */
    MIP6TLS_CTR_H_SAS,           /* §5.6.4 mip6-sas */
    MIP6TLS_CTR_H_CIPHERSUITE,   /* §5.6.5 mip6-ciphersuite */
    MIP6TLS_CTR_H_SUITELIST,     /* §5.6.5 mip6-suitelist */
    MIP6TLS_CTR_H_HAA_IP6,       /* §5.7.1 mip6-haa-ip6 */
    MIP6TLS_CTR_H_HAA_IP4,       /* §5.7.1 mip6-haa-ip4 */
    MIP6TLS_CTR_H_PORT,          /* §5.7.2 mip6-port */
    MIP6TLS_CTR_H_IP6_HOA,       /* §5.7.3 mip6-ip6-hoa */
    MIP6TLS_CTR_H_IP4_HOA,       /* §5.7.3 mip6-ip4-hoa */
    MIP6TLS_CTR_H_IP6_HNP,       /* §5.7.3 mip6-ip6-hnp */
    MIP6TLS_CTR_H_IP4_HNP,       /* §5.7.3 mip6-ip4-hnp */
    MIP6TLS_CTR_H_DNS_IP6,       /* §5.7.4 dns-ip6 (may repeat) */
    MIP6TLS_CTR_H_DNS_IP4,       /* §5.7.4 dns-ip4 (may repeat) */
    MIP6TLS_CTR_H_COUNT
} mip6tls_ctr_hdr;

#define MIP6TLS_CTR_BIT(h) (1u << (h))

/* auth-method values (RFC 6618 §5.5.2), as a bit mask. */
#define MIP6TLS_CTR_AM_PSK 0x01u
#define MIP6TLS_CTR_AM_EAP 0x02u

/* status-code values (RFC 6618 §5.5.4): a wire enum, not an error. */
typedef enum {
    MIP6TLS_CTR_ST_CONTINUE = 100,
    MIP6TLS_CTR_ST_OK = 200,
    MIP6TLS_CTR_ST_BAD_REQUEST = 400,
    MIP6TLS_CTR_ST_UNAUTHORIZED = 401,
    MIP6TLS_CTR_ST_INTERNAL_ERROR = 500,
    MIP6TLS_CTR_ST_NOT_IMPLEMENTED = 501,
    MIP6TLS_CTR_ST_UNAVAILABLE = 503,
    MIP6TLS_CTR_ST_GATEWAY_TIMEOUT = 504,
} mip6tls_ctr_status;

/* Who sends the message: selects the "MN" or "HAC" prefix of the auth input (RFC 6618 §5.8). */
typedef enum {
    MIP6TLS_CTR_DIR_MN = 0, /* MN -> HAC, requests */
    MIP6TLS_CTR_DIR_HAC = 1 /* HAC -> MN, responses */
} mip6tls_ctr_dir;

/* Index of the four keys in mip6tls_ctr_msg.keys (RFC 6618 §5.6.2). */
typedef enum {
    MIP6TLS_CTR_KEY_MN_TO_HA_IKEY = 0,
    MIP6TLS_CTR_KEY_HA_TO_MN_IKEY,
    MIP6TLS_CTR_KEY_MN_TO_HA_EKEY,
    MIP6TLS_CTR_KEY_HA_TO_MN_EKEY,
} mip6tls_ctr_key;

/* A view of bytes inside a decoded container. */
typedef struct {
    const uint8_t *p;
    size_t len;
} mip6tls_ctr_view;

/* A decoded container. Fields are meaningful only when their MIP6TLS_CTR_BIT is in `present`.
 * Views point into the buffer given to mip6tls_ctr_decode(). */
typedef struct {
    uint8_t id;               /* Identifier, 1..255 */
    uint32_t present;         /* MIP6TLS_CTR_BIT(h) for each header h seen */
    mip6tls_ctr_view content; /* the whole content portion */
    size_t auth_off;          /* offset in `content` where the `auth` line starts: the octets
                               * before it are the msg-octets of RFC 6618 §5.8 */

    mip6tls_ctr_view mn_id; /* an RFC 4282 NAI, as written (escapes kept) */
    uint8_t auth_methods;   /* MIP6TLS_CTR_AM_* (at least one) */
    mip6tls_ctr_view eap;   /* eap-payload hex digits (even count); see mip6tls_ctr_unhex() */
    uint16_t status;        /* mip6tls_ctr_status */
    uint8_t auth[MIP6TLS_CTR_AUTH_LEN];
    uint64_t retry_after; /* seconds since 1970-01-01 00:00:00 GMT */
    uint8_t mn_rand[MIP6TLS_CTR_RAND_LEN];
    uint8_t hac_rand[MIP6TLS_CTR_RAND_LEN];
    uint32_t spi;             /* 1..MIP6TLS_CTR_SPI_MAX */
    mip6tls_ctr_view keys[4]; /* hex digits, indexed by mip6tls_ctr_key: 1..64 octets */
    uint64_t validity_end;    /* seconds since 1970-01-01 00:00:00 GMT */
    uint8_t sas;              /* 0 or 1 */
    uint16_t ciphersuite;     /* TLS code, e.g. 0x002F; any code, see mip6tls_suite_find() */
    uint8_t n_suites;
    uint16_t suites[MIP6TLS_CTR_SUITES_MAX]; /* in the order listed, unknown codes kept */
    uint16_t port;                           /* 1..65535 */
    uint8_t ip6_hnp_len, ip4_hnp_len;
    mip6tls_addr haa_ip6, haa_ip4, ip6_hoa, ip4_hoa, ip6_hnp, ip4_hnp;
    uint8_t n_dns_ip6, n_dns_ip4;
    mip6tls_addr dns_ip6[MIP6TLS_CTR_DNS_MAX];
    mip6tls_addr dns_ip4[MIP6TLS_CTR_DNS_MAX];
} mip6tls_ctr_msg;

/*
 * Stream reassembly: given the first `len` bytes received of a container, returns the total
 * size the complete container has (MIP6TLS_CTR_HDR_LEN + Length, at most MIP6TLS_CTR_MAX), or
 *   MIP6TLS_ERR_TRUNCATED  fewer than MIP6TLS_CTR_HDR_LEN bytes yet: wait for more;
 *   MIP6TLS_ERR_VERSION    Ver is not 0 (RFC 6618 §5.1);
 *   MIP6TLS_ERR_RESERVED   Ver is 0 but a Rsrvd bit is set (RFC 6618 §5.1);
 *   MIP6TLS_ERR_MALFORMED  Identifier is 0 (RFC 6618 §5.1);
 *   MIP6TLS_ERR_LENGTH     Length is 0 (RFC 6618 §5.1: at least one octet).
 */
int mip6tls_ctr_frame_need(const uint8_t *buf, size_t len);

/*
 * Decodes one complete container of exactly `len` bytes. Returns 0, or:
 *   the errors of mip6tls_ctr_frame_need() for the header;
 *   MIP6TLS_ERR_TRUNCATED  `len` is shorter than the header says;
 *   MIP6TLS_ERR_LENGTH     `len` is longer, or the content does not end exactly with its first
 *                          empty line (content after the blank line, or no blank line);
 *   MIP6TLS_ERR_MISSING    the content holds no TV-header at all;
 *   MIP6TLS_ERR_MALFORMED  a line or a known header's value breaks its syntax, a header follows
 *                          `auth`, bare CR/LF or a control character;
 *   MIP6TLS_ERR_DUPLICATE  a header other than dns-ip6/dns-ip4 appears twice.
 * On error *m is zeroed. On success the views in *m point into buf.
 */
int mip6tls_ctr_decode(mip6tls_ctr_msg *m, const uint8_t *buf, size_t len);

/* Decodes the hex digits of `v` (as found in mip6tls_ctr_msg.eap or .keys) into out[cap].
 * Returns the number of octets, MIP6TLS_ERR_NOBUF when they do not fit (nothing written), or
 * MIP6TLS_ERR_MALFORMED when `v` is not an even count of hex digits. */
int mip6tls_ctr_unhex(const mip6tls_ctr_view *v, uint8_t *out, size_t cap);

/* Checks that s[len] is an RFC 4282 §2.1 NAI: username, "@" realm, or username "@" realm, at
 * most MIP6TLS_CTR_NAI_MAX octets, no control characters even after "\". 1 if so, else 0. */
int mip6tls_ctr_nai_valid(const char *s, size_t len);

/* rfc1123-date (RFC 2616 §3.3.1, e.g. "Sun, 06 Nov 1994 08:49:37 GMT", exactly 29 octets,
 * case-sensitive) <-> seconds since 1970-01-01 00:00:00 GMT. The weekday must match the date;
 * years 1970..9999. parse returns 0 or MIP6TLS_ERR_MALFORMED (*t unchanged); format writes 29
 * octets (no NUL) and returns 29, MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_ARG when
 * t > MIP6TLS_CTR_TIME_MAX. */
int mip6tls_ctr_date_parse(uint64_t *t, const char *s, size_t len);
int mip6tls_ctr_date_format(uint64_t t, char *out, size_t cap);
#define MIP6TLS_CTR_DATE_LEN 29

/*
 * auth = HMAC-SHA256(key, "MN" or "HAC" || msg[msg_len] || cb[cb_len]) (RFC 6618 §5.8, §5.9).
 * `key` is the PSK, the EAP MSK, or MIP6TLS_CTR_EAP_DEFAULT_KEY; `msg` the content octets up to
 * the auth line (m->content.p, m->auth_off); `cb` the tls-server-end-point channel binding
 * (mip6tls_cbind_server_end_point()). Pointers may be NULL when their length is 0.
 */
void mip6tls_ctr_auth_compute(uint8_t out[MIP6TLS_CTR_AUTH_LEN], const uint8_t *key, size_t key_len,
                              mip6tls_ctr_dir dir, const uint8_t *msg, size_t msg_len,
                              const uint8_t *cb, size_t cb_len);

/* Verifies the `auth` of a decoded message in constant time. Returns 0, MIP6TLS_ERR_MISSING
 * when the message has no `auth`, or MIP6TLS_ERR_AUTH when it does not verify. */
int mip6tls_ctr_auth_verify(const mip6tls_ctr_msg *m, const uint8_t *key, size_t key_len,
                            mip6tls_ctr_dir dir, const uint8_t *cb, size_t cb_len);

/*
 * Builder. Use: init, then one put per header in the order they should appear, then finish or
 * finish_auth, which append `auth` (finish_auth only) and the blank line and fill in the
 * header. Each put checks its value (MIP6TLS_ERR_ARG: out of range, or a header that may not
 * repeat put twice, or more than MIP6TLS_CTR_DNS_MAX of one dns header) and room
 * (MIP6TLS_ERR_NOBUF); a failed put writes nothing, and its error is also kept: every later
 * call returns it, so a caller may check only the result of finish. The fields are private.
 */
typedef struct {
    uint8_t *out;
    size_t cap; /* min(cap given, MIP6TLS_CTR_MAX) */
    size_t len; /* octets written, header included */
    uint32_t present;
    uint8_t n_dns_ip6, n_dns_ip4;
    uint8_t id;
    uint8_t done;
    int err;
} mip6tls_ctr_builder;

/* Starts a container with Identifier `id` (1..255) in out[cap]. Returns 0, MIP6TLS_ERR_ARG
 * (id 0) or MIP6TLS_ERR_NOBUF (cap too small for the header and the blank line). */
int mip6tls_ctr_build_init(mip6tls_ctr_builder *b, uint8_t *out, size_t cap, uint8_t id);

int mip6tls_ctr_put_mn_id(mip6tls_ctr_builder *b, const char *nai, size_t len); /* NAI check */
int mip6tls_ctr_put_auth_method(mip6tls_ctr_builder *b, unsigned mask); /* MIP6TLS_CTR_AM_* */
int mip6tls_ctr_put_eap(mip6tls_ctr_builder *b, const uint8_t *eap, size_t len); /* 1+ octets */
int mip6tls_ctr_put_status(mip6tls_ctr_builder *b, unsigned code); /* one of §5.5.4 */
int mip6tls_ctr_put_retry_after(mip6tls_ctr_builder *b, uint64_t t);
int mip6tls_ctr_put_mn_rand(mip6tls_ctr_builder *b, const uint8_t r[MIP6TLS_CTR_RAND_LEN]);
int mip6tls_ctr_put_hac_rand(mip6tls_ctr_builder *b, const uint8_t r[MIP6TLS_CTR_RAND_LEN]);
int mip6tls_ctr_put_spi(mip6tls_ctr_builder *b, uint32_t spi); /* 1..MIP6TLS_CTR_SPI_MAX */
int mip6tls_ctr_put_key(mip6tls_ctr_builder *b, mip6tls_ctr_key which, const uint8_t *k,
                        size_t len); /* 1..MIP6TLS_CTR_KEY_MAX octets */
int mip6tls_ctr_put_validity_end(mip6tls_ctr_builder *b, uint64_t t);
int mip6tls_ctr_put_sas(mip6tls_ctr_builder *b, unsigned sas); /* 0 or 1 */
int mip6tls_ctr_put_ciphersuite(mip6tls_ctr_builder *b, uint16_t code);
int mip6tls_ctr_put_suitelist(mip6tls_ctr_builder *b, const uint16_t *codes,
                              size_t n);                         /* 1..MIP6TLS_CTR_SUITES_MAX */
int mip6tls_ctr_put_port(mip6tls_ctr_builder *b, uint16_t port); /* 1..65535 */

/* `h` is one of HAA_IP6, HAA_IP4, IP6_HOA, IP4_HOA, DNS_IP6, DNS_IP4; a->family must match. */
int mip6tls_ctr_put_addr(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const mip6tls_addr *a);

/* `h` is IP6_HNP or IP4_HNP; a->family must match; plen <= 128 / 32. */
int mip6tls_ctr_put_prefix(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const mip6tls_addr *a,
                           uint8_t plen);

/* Appends the blank line and fills in the header, without `auth` (MHAuth-Init). Returns the
 * container's total length, the builder's error, or MIP6TLS_ERR_STATE when nothing was put
 * (the decoder would reject the empty content) or the builder is already finished. After it,
 * the builder accepts no puts. */
int mip6tls_ctr_finish(mip6tls_ctr_builder *b);

/* Appends `auth` (mip6tls_ctr_auth_compute over everything put so far) and the blank line,
 * then fills in the header. Returns the total length or an error, as mip6tls_ctr_finish(). */
int mip6tls_ctr_finish_auth(mip6tls_ctr_builder *b, const uint8_t *key, size_t key_len,
                            mip6tls_ctr_dir dir, const uint8_t *cb, size_t cb_len);

#ifdef __cplusplus
}
#endif
#endif
