/*
 * mip6tls/mh.h: the Mobility Header codec (RFC 6275 §6.1, §6.2; RFC 5555 §3; RFC 6618 §6.3).
 *
 * In RFC 6618 a Mobility Header travels in a PType 8 packet, ESP-protected, with no IP header
 * in front of it (§6.3): the ESP Next Header names the first encapsulated header, either the
 * Mobility Header itself (135) or a Destination Options header (60) carrying the Home Address
 * option (RFC 6275 §6.3) followed by the Mobility Header. The chain functions below handle
 * both forms.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Payload Proto |  Header Len   |   MH Type     |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |  Message Data, then options   |
 *
 * Messages: Binding Refresh Request (0), Binding Update (5), Binding Acknowledgement (6) and
 * Binding Error (7). Options: Pad1, PadN, Binding Refresh Advice, Alternate Care-of Address
 * (RFC 6275 §6.2) and the DSMIPv6 options IPv4 Home Address, IPv4 Address Acknowledgement,
 * NAT Detection and IPv4 Care-of Address (RFC 5555 §3.1, §3.2).
 *
 * The checksum (RFC 6275 §6.1.1) is over an IPv6 pseudo-header whose addresses are not in the
 * packet under RFC 6618; docs/decisions/0010-mh-checksum.md fixes them: source = the MN's IPv6
 * home address and destination = the HA's IPv6 address for MN->HA messages, swapped for
 * HA->MN, and "::" (sixteen zero octets) for a side without an IPv6 address.
 *
 * Decoding rules (docs/decisions/0011-mh-decoding.md), in the order of RFC 6275 §9.2:
 *   - a checksum that does not verify is MIP6TLS_ERR_CHECKSUM (silently discard);
 *   - an unknown MH Type is not an error: the message comes back with `known` = 0 and its
 *     `type`, so the HA can answer with a Binding Error, status 2 (RFC 6275 §9.2, §9.3.3);
 *   - Payload Proto other than 59 is MIP6TLS_ERR_MALFORMED, a Header Len too small for the
 *     message type is MIP6TLS_ERR_LENGTH;
 *   - Reserved fields and bits are ignored (RFC 6275 §6.1.x "MUST be ignored");
 *   - options: unknown ones, and known ones in a message they are not valid for, are skipped
 *     (RFC 6275 §6.2.1); a known option with a wrong length is MIP6TLS_ERR_LENGTH, at the
 *     wrong alignment MIP6TLS_ERR_ALIGN, seen twice MIP6TLS_ERR_DUPLICATE, with a value its
 *     syntax forbids MIP6TLS_ERR_MALFORMED; an option running past the header is
 *     MIP6TLS_ERR_LENGTH.
 *
 * Views: a decoded message points into the decoded buffer (`raw`), valid as long as it is.
 * Decoders write their outputs only on success. Encoders return the length written, or a
 * negative error (MIP6TLS_ERR_NOBUF when it does not fit, with nothing useful in `out`).
 */
#ifndef MIP6TLS_MH_H
#define MIP6TLS_MH_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MH Type values (RFC 6275 §6.1.2, §6.1.7 - §6.1.9). */
#define MIP6TLS_MH_BRR 0
#define MIP6TLS_MH_BU 5
#define MIP6TLS_MH_BA 6
#define MIP6TLS_MH_BE 7

#define MIP6TLS_MH_NEXT_HEADER 135  /* RFC 6275 §6.1.1 */
#define MIP6TLS_MH_PAYLOAD_PROTO 59 /* IPPROTO_NONE, RFC 6275 §6.1.1, §9.2 */
#define MIP6TLS_MH_MAX_LEN 2048     /* (255 + 1) * 8: Header Len is 8 bits, RFC 6275 §6.1.1 */

/* Binding Update flags: the 16-bit word after the Sequence # (RFC 6275 §6.1.7; RFC 5555
 * §3.1.3 Figure 3 shows A|H|L|K|M|R|P|F). The other bits are Reserved. */
#define MIP6TLS_BU_A 0x8000u /* Acknowledge, RFC 6275 §6.1.7 */
#define MIP6TLS_BU_H 0x4000u /* Home Registration, RFC 6275 §6.1.7 */
#define MIP6TLS_BU_L 0x2000u /* Link-Local Address Compatibility, RFC 6275 §6.1.7 */
#define MIP6TLS_BU_K 0x1000u /* Key Management Mobility Capability, RFC 6275 §6.1.7 */
#define MIP6TLS_BU_M 0x0800u /* MAP Registration (HMIPv6, RFC 5380), RFC 5555 Figure 3 */
#define MIP6TLS_BU_R 0x0400u /* Mobile Router (NEMO, RFC 3963), RFC 5555 Figure 3 */
#define MIP6TLS_BU_P 0x0200u /* Proxy Registration (PMIPv6, RFC 5213), RFC 5555 Figure 3 */
#define MIP6TLS_BU_F 0x0100u /* Force UDP encapsulation, RFC 5555 §3.1.3 */
#define MIP6TLS_BU_T 0x0080u /* TLV-header format (RFC 5845), IANA BU flags registry */

/* Binding Acknowledgement flags: the octet after the Status (RFC 6275 §6.1.8). */
#define MIP6TLS_BA_K 0x80u /* Key Management Mobility Capability, RFC 6275 §6.1.8 */
#define MIP6TLS_BA_R 0x40u /* Mobile Router (NEMO, RFC 3963), IANA BA flags registry */
#define MIP6TLS_BA_P 0x20u /* Proxy Registration (PMIPv6, RFC 5213), IANA BA flags registry */
#define MIP6TLS_BA_T 0x10u /* TLV-header format (RFC 5845), IANA BA flags registry */

/* Binding Acknowledgement Status (RFC 6275 §6.1.8; RFC 5555 §4.4.2, §4.5; RFC 6618 §8.2).
 * Values below 128 accept the Binding Update, 128 and above reject it. Any other octet value
 * decodes as is. */
typedef enum {
    MIP6TLS_BA_ACCEPTED = 0,                  /* Binding Update accepted */
    MIP6TLS_BA_ACCEPTED_PREFIX_DISCOVERY = 1, /* Accepted but prefix discovery necessary */
    MIP6TLS_BA_UNSPECIFIED = 128,             /* Reason unspecified */
    MIP6TLS_BA_ADMIN_PROHIBITED = 129,        /* Administratively prohibited */
    MIP6TLS_BA_INSUFFICIENT_RESOURCES = 130,  /* Insufficient resources */
    MIP6TLS_BA_HOME_REG_NOT_SUPPORTED = 131,  /* Home registration not supported */
    MIP6TLS_BA_NOT_HOME_SUBNET = 132,         /* Not home subnet */
    MIP6TLS_BA_NOT_HA_FOR_MN = 133,           /* Not home agent for this mobile node */
    MIP6TLS_BA_DAD_FAILED = 134,              /* Duplicate Address Detection failed */
    MIP6TLS_BA_SEQ_OUT_OF_WINDOW = 135,       /* Sequence number out of window */
    MIP6TLS_BA_EXPIRED_HOME_NONCE = 136,      /* Expired home nonce index */
    MIP6TLS_BA_EXPIRED_COA_NONCE = 137,       /* Expired care-of nonce index */
    MIP6TLS_BA_EXPIRED_NONCES = 138,          /* Expired nonces */
    MIP6TLS_BA_REG_TYPE_CHANGE = 139,         /* Registration type change disallowed */
    /* RFC 5555 §4.4.2, §4.5: "error code 144" refuses a BU whose F flag forces UDP
     * encapsulation. IANA lists 144 as MIPV6-ID-MISMATCH (RFC 4285); RFC 5555 never
     * registered it (docs/decisions/0011-mh-decoding.md). */
    MIP6TLS_BA_FORCED_UDP_REFUSED = 144,
    MIP6TLS_BA_INVALID_COA = 174,        /* Invalid Care-of Address, RFC 6275 §6.1.8 */
    MIP6TLS_BA_REINIT_SA_WITH_HAC = 176, /* RFC 6618 §8.2: re-bootstrap with the HAC */
} mip6tls_ba_status;

/* 1 when `status` accepts the Binding Update (RFC 6275 §6.1.8: below 128), else 0. */
int mip6tls_ba_status_accepted(uint8_t status);

/* A short constant English name of a BA status ("unknown" for unlisted values). Never NULL. */
const char *mip6tls_ba_status_name(uint8_t status);

/* Binding Error Status (RFC 6275 §6.1.9). */
typedef enum {
    MIP6TLS_BE_UNKNOWN_BINDING = 1, /* Unknown binding for Home Address destination option */
    MIP6TLS_BE_UNKNOWN_MH_TYPE = 2, /* Unrecognized MH Type value */
} mip6tls_be_status;

/* IPv4 Address Acknowledgement Status (RFC 5555 §3.2.1): below 128 is success. */
typedef enum {
    MIP6TLS_V4ACK_SUCCESS = 0,
    MIP6TLS_V4ACK_UNSPECIFIED = 128,         /* Failure, reason unspecified */
    MIP6TLS_V4ACK_ADMIN_PROHIBITED = 129,    /* Administratively prohibited */
    MIP6TLS_V4ACK_INCORRECT_HOA = 130,       /* Incorrect IPv4 home address */
    MIP6TLS_V4ACK_INVALID_ADDR = 131,        /* Invalid IPv4 address */
    MIP6TLS_V4ACK_NO_DYNAMIC_HOA = 132,      /* Dynamic IPv4 home address not available */
    MIP6TLS_V4ACK_PREFIX_UNAUTHORIZED = 133, /* Prefix allocation unauthorized */
} mip6tls_v4ack_status;

/* Mobility option types. */
#define MIP6TLS_MHOPT_PAD1 0           /* RFC 6275 §6.2.2 */
#define MIP6TLS_MHOPT_PADN 1           /* RFC 6275 §6.2.3 */
#define MIP6TLS_MHOPT_REFRESH_ADVICE 2 /* RFC 6275 §6.2.4, BA only, 2n */
#define MIP6TLS_MHOPT_ALT_COA 3        /* RFC 6275 §6.2.5, BU only, 8n+6 */
#define MIP6TLS_MHOPT_NONCE_INDICES 4  /* RFC 6275 §6.2.6, not parsed (route optimization) */
#define MIP6TLS_MHOPT_AUTH_DATA 5      /* RFC 6275 §6.2.7, not parsed (route optimization) */
#define MIP6TLS_MHOPT_IPV4_HOA 29      /* RFC 5555 §3.1.1, BU only, 4n */
#define MIP6TLS_MHOPT_IPV4_ACK 30      /* RFC 5555 §3.2.1 (§8 says 29: see 0011), BA only, 4n */
#define MIP6TLS_MHOPT_NAT_DETECT 31    /* RFC 5555 §3.2.2, BA only, 4n */
#define MIP6TLS_MHOPT_IPV4_COA 32      /* RFC 5555 §3.1.2, BU only, 4n */

/* mip6tls_mh_opts.present bits, one per parsed option. */
#define MIP6TLS_MHO_REFRESH_ADVICE 0x01u
#define MIP6TLS_MHO_ALT_COA 0x02u
#define MIP6TLS_MHO_IPV4_HOA 0x04u
#define MIP6TLS_MHO_IPV4_ACK 0x08u
#define MIP6TLS_MHO_NAT_DETECT 0x10u
#define MIP6TLS_MHO_IPV4_COA 0x20u

/* NAT Detection Refresh Time "all 1s": no NAT detected, no keepalives (RFC 5555 §3.2.2). */
#define MIP6TLS_NAT_REFRESH_NONE 0xFFFFFFFFu

/* The options of one message: a field is meaningful only when its bit is in `present`. On
 * encode every present option must be valid for the message type (see the option types). */
typedef struct {
    uint32_t present; /* MIP6TLS_MHO_* */

    uint16_t refresh_interval; /* Binding Refresh Advice: 4-second units */

    mip6tls_addr alt_coa; /* Alternate Care-of Address: MIP6TLS_AF_INET6 */

    mip6tls_addr ipv4_hoa; /* IPv4 Home Address: MIP6TLS_AF_INET, 0.0.0.0 asks for one */
    uint8_t ipv4_hoa_plen; /* Prefix-len, 1 .. 32 (0 is an error, RFC 5555 §3.1.1) */
    uint8_t ipv4_hoa_p;    /* P flag: a mobile network prefix is requested (0 or 1) */

    uint8_t ipv4_ack_status;   /* IPv4 Address Acknowledgement: mip6tls_v4ack_status */
    uint8_t ipv4_ack_plen;     /* Pref-len, 0 .. 32; always 0 when the status is a failure */
    mip6tls_addr ipv4_ack_hoa; /* MIP6TLS_AF_INET */

    uint8_t nat_f;        /* NAT Detection F flag: UDP encapsulation required (0 or 1) */
    uint32_t nat_refresh; /* Refresh time in seconds; 0 ignore; MIP6TLS_NAT_REFRESH_NONE */

    mip6tls_addr ipv4_coa; /* IPv4 Care-of Address: MIP6TLS_AF_INET */
} mip6tls_mh_opts;

/* Binding Update fields (RFC 6275 §6.1.7). */
typedef struct {
    uint16_t seq;
    uint16_t flags;    /* MIP6TLS_BU_*, raw: reserved bits as received (send them as 0) */
    uint16_t lifetime; /* 4-second units; 0 deletes the binding */
} mip6tls_mh_bu;

/* Binding Acknowledgement fields (RFC 6275 §6.1.8). */
typedef struct {
    uint8_t status; /* mip6tls_ba_status */
    uint8_t flags;  /* MIP6TLS_BA_*, raw */
    uint16_t seq;
    uint16_t lifetime; /* 4-second units; undefined when the status rejects */
} mip6tls_mh_ba;

/* Binding Error fields (RFC 6275 §6.1.9). */
typedef struct {
    uint8_t status;         /* mip6tls_be_status */
    mip6tls_addr home_addr; /* MIP6TLS_AF_INET6 */
} mip6tls_mh_be;

/* One Mobility Header message. On decode every field is set; on encode `type` and the fields
 * of that type (`bu`, `ba` or `be`; a BRR has none) and `opt` are read, the rest ignored. */
typedef struct {
    uint8_t type;          /* MH Type */
    uint8_t known;         /* 1 for BRR, BU, BA, BE; 0: only the common header was read */
    uint8_t payload_proto; /* as received */
    uint16_t checksum;     /* as received */

    mip6tls_mh_bu bu; /* type MIP6TLS_MH_BU */
    mip6tls_mh_ba ba; /* type MIP6TLS_MH_BA */
    mip6tls_mh_be be; /* type MIP6TLS_MH_BE */
    mip6tls_mh_opts opt;

    const uint8_t *raw; /* decode: the whole Mobility Header (view) */
    size_t raw_len;     /* (Header Len + 1) * 8 */
    size_t opts_off;    /* offset of the options area in raw; raw_len when none or unknown */
} mip6tls_mh_msg;

/* Zeroes *m and sets it up as a known message of `type` with Payload Proto 59. */
void mip6tls_mh_init(mip6tls_mh_msg *m, uint8_t type);

/* Lifetime conversions (RFC 6275 §6.1.7: one time unit is 4 seconds). _to_units rounds up so a
 * non-zero lifetime never becomes 0 (a deregistration) and saturates at 0xFFFF units. */
uint32_t mip6tls_mh_lifetime_s(uint16_t units);
uint16_t mip6tls_mh_lifetime_to_units(uint32_t seconds);

/*
 * Decodes one Mobility Header that fills buf[0..len) exactly (Payload Proto 59: nothing
 * follows it). The checksum is verified over the pseudo-header (src, dst, length, 135) when
 * `src` and `dst` are both non-NULL (16 octets each), and not at all when both are NULL
 * (e.g. when the caller has no rule for the addresses; ESP's ICV covers the message anyway).
 * Returns 0 (check m->known), or:
 *   MIP6TLS_ERR_ARG        only one of src/dst is NULL;
 *   MIP6TLS_ERR_TRUNCATED  len < 8 or < (Header Len + 1) * 8;
 *   MIP6TLS_ERR_LENGTH     len > (Header Len + 1) * 8, Header Len below the type's minimum,
 *                          or an option with a wrong length or running past the header;
 *   MIP6TLS_ERR_CHECKSUM        the checksum does not verify;
 *   MIP6TLS_ERR_MALFORMED  Payload Proto is not 59, or an option value is invalid;
 *   MIP6TLS_ERR_ALIGN, MIP6TLS_ERR_DUPLICATE  as in the rules above.
 * *m is written only on success.
 */
int mip6tls_mh_decode(const uint8_t *buf, size_t len, const uint8_t *src, const uint8_t *dst,
                      mip6tls_mh_msg *m);

/*
 * Encodes `m` (a known type) with its present options, in ascending option type order, each
 * preceded by the Pad1/PadN its alignment needs, the whole padded to a multiple of 8 octets,
 * Payload Proto 59 and the checksum over the pseudo-header (src, dst, length, 135); src and
 * dst are 16 octets each (use sixteen zeros for "::").
 * Returns the length (8 .. MIP6TLS_MH_MAX_LEN), or MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_ARG
 * (src/dst NULL, unknown type, an option not valid in this type, an address of the wrong
 * family, an option value out of its range).
 */
int mip6tls_mh_encode(const mip6tls_mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
                      uint8_t *out, size_t cap);

/* The checksum of the Mobility Header mh[0..len) over the pseudo-header (src, dst, len, 135),
 * with the Checksum field taken as zero: what mip6tls_mh_encode() writes. len >= 8. */
uint16_t mip6tls_mh_checksum(const uint8_t *mh, size_t len, const uint8_t src[16],
                             const uint8_t dst[16]);

/* One raw mobility option. Pad1 has len 0 and data NULL. */
typedef struct {
    uint8_t type;
    uint8_t len;         /* Option Length: octets of data */
    const uint8_t *data; /* view into the message */
    size_t offset;       /* of the Option Type octet from the start of the Mobility Header */
} mip6tls_mh_opt;

/* Walks the options area of a decoded message, every option including Pad1/PadN, in order.
 * Private fields. */
typedef struct {
    const uint8_t *mh;
    size_t off;
    size_t end;
} mip6tls_mh_opt_iter;

/* Starts at the first option of `m` (a message from mip6tls_mh_decode(); none for unknown
 * types). The iterator reads m->raw, which must still be valid. */
void mip6tls_mh_opt_iter_init(mip6tls_mh_opt_iter *it, const mip6tls_mh_msg *m);

/* Returns 1 and the next option in *o, 0 at the end, MIP6TLS_ERR_LENGTH when the next option
 * runs past the header (the iterator then stays at the end). */
int mip6tls_mh_opt_next(mip6tls_mh_opt_iter *it, mip6tls_mh_opt *o);

/* The Home Address destination option (RFC 6275 §6.3). */
#define MIP6TLS_HAO_TYPE 201 /* 0xC9 */
#define MIP6TLS_HAO_LEN 16
/* Destination Options header with PadN and the HAO at 8n+6: 24 octets (RFC 6275 §6.3). */
#define MIP6TLS_HAO_HDR_LEN 24

/*
 * Encodes the headers that follow the ESP header of a PType 8 packet (RFC 6618 §6.3): with
 * `hoa` (16 octets) a Destination Options header (Next Header 135, PadN, Home Address option
 * at 8n+6; 24 octets) then the Mobility Header; without it (NULL), the Mobility Header alone.
 * The ESP Next Header is then 60 (MIP6TLS_IPPROTO_DSTOPTS) or 135 respectively. As in RFC 6275
 * §6.1.1, the checksum's pseudo-header source is the HAO's address when there is one, `src`
 * otherwise (src and dst must both be non-NULL). `hoa` must not overlap `out`.
 * Returns the total length or the errors of mip6tls_mh_encode().
 */
int mip6tls_mh_encode_chain(const mip6tls_mh_msg *m, const uint8_t *hoa, const uint8_t src[16],
                            const uint8_t dst[16], uint8_t *out, size_t cap);

/*
 * Decodes the headers of a PType 8 packet starting with `next_header` (the ESP Next Header):
 * 135, a Mobility Header filling buf[0..len); or 60, one Destination Options header whose
 * Next Header is 135, then the Mobility Header. In the Destination Options header Pad1/PadN
 * are skipped, the Home Address option must have length 16 (MIP6TLS_ERR_LENGTH), sit at 8n+6
 * (MIP6TLS_ERR_ALIGN) and appear at most once (MIP6TLS_ERR_DUPLICATE), an unknown option
 * whose action bits are 00 is skipped and any other is MIP6TLS_ERR_TYPE (RFC 8200 §4.2).
 * Checksum verification as in mip6tls_mh_decode(), with the HAO's address replacing `src`
 * in the pseudo-header when an HAO is present (RFC 6275 §6.1.1).
 * On success *m is the message and *hoa the home address (family MIP6TLS_AF_NONE, all zero,
 * when there is no HAO); on failure neither is written.
 * Returns 0, the errors of mip6tls_mh_decode(), or MIP6TLS_ERR_TYPE (a next header other than
 * 60 and 135, or a Destination Options header not followed by 135), MIP6TLS_ERR_TRUNCATED.
 */
int mip6tls_mh_decode_chain(uint8_t next_header, const uint8_t *buf, size_t len, const uint8_t *src,
                            const uint8_t *dst, mip6tls_mh_msg *m, mip6tls_addr *hoa);

#ifdef __cplusplus
}
#endif
#endif
