/*
 * mip6tls/inet.h: inner-packet helpers for the data path.
 *
 * The HA and the MN carry whole IPv4 and IPv6 packets inside the RFC 6618 encapsulation
 * (§6.4). These helpers read the fixed IP headers of such packets (to find the home address
 * a packet belongs to, and to reject junk before it is tunnelled or delivered), compute the
 * Internet checksum (RFC 1071) and the upper-layer pseudo-header sums (RFC 8200 §8.1, RFC 768)
 * that the Mobility Header and UDP need, and build IPv4, IPv6 and UDP headers for tests and
 * simulations.
 *
 * Parsers are total: any bytes give a header or a negative mip6tls_err, they never read past
 * `len`, and they return views (pointers) into the input that live as long as the input does.
 * An output struct is written only on success. Builders take (out, cap) and return the number
 * of octets written, or a negative error and leave nothing useful in `out`.
 *
 * Extension headers are not walked: an IPv6 packet's `next_header` is the one in its fixed
 * header. Jumbograms (RFC 2675) are not supported: a Payload Length of 0 means an empty
 * payload. See docs/decisions/0012-inet-parsing.md.
 */
#ifndef MIP6TLS_INET_H
#define MIP6TLS_INET_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IP protocol / IPv6 Next Header numbers (IANA "Assigned Internet Protocol Numbers"). */
#define MIP6TLS_IPPROTO_HOPOPTS 0  /* IPv6 Hop-by-Hop Options, RFC 8200 §4.3 */
#define MIP6TLS_IPPROTO_IPIP 4     /* IPv4 encapsulation */
#define MIP6TLS_IPPROTO_UDP 17     /* RFC 768 */
#define MIP6TLS_IPPROTO_IPV6 41    /* IPv6 encapsulation */
#define MIP6TLS_IPPROTO_ICMPV6 58  /* RFC 4443 */
#define MIP6TLS_IPPROTO_NONE 59    /* No Next Header, RFC 8200 §4.7 */
#define MIP6TLS_IPPROTO_DSTOPTS 60 /* Destination Options, RFC 8200 §4.6 */
#define MIP6TLS_IPPROTO_MH 135     /* Mobility Header, RFC 6275 §6.1.1 */

#define MIP6TLS_IP6_HDR_LEN 40 /* RFC 8200 §3 */
#define MIP6TLS_IP4_HDR_MIN 20 /* RFC 791 §3.1: IHL 5 */
#define MIP6TLS_IP4_HDR_MAX 60 /* RFC 791 §3.1: IHL 15 */
#define MIP6TLS_UDP_HDR_LEN 8  /* RFC 768 */

/* IPv4 Flags / Fragment Offset word (RFC 791 §3.1). */
#define MIP6TLS_IP4_DF 0x4000u
#define MIP6TLS_IP4_MF 0x2000u
#define MIP6TLS_IP4_FRAG_OFFSET_MASK 0x1FFFu

/*
 * The Internet checksum (RFC 1071), incremental: feed the octet string in any number of
 * chunks of any length (odd lengths are carried over to the next chunk, so the result is the
 * same as for one call over the concatenation), then take the 16-bit one's complement of the
 * one's-complement sum with mip6tls_cksum_final().
 *
 * To verify a received checksum, sum everything including the checksum field: the final
 * value is 0 when it is correct.
 */
typedef struct {
    uint64_t sum; /* unfolded sum of 16-bit big-endian words */
    uint8_t odd;  /* 1 when an odd number of octets has been added so far */
} mip6tls_cksum_ctx;

void mip6tls_cksum_init(mip6tls_cksum_ctx *c);

/* Adds data[0..len). `data` may be NULL when len is 0. */
void mip6tls_cksum_add(mip6tls_cksum_ctx *c, const uint8_t *data, size_t len);

/* The checksum of everything added so far (the context is not changed). */
uint16_t mip6tls_cksum_final(const mip6tls_cksum_ctx *c);

/* One-shot: the checksum of data[0..len). */
uint16_t mip6tls_cksum(const uint8_t *data, size_t len);

/* RFC 1624 §3 eqn. 3: the new checksum HC' = ~(~HC + ~m + m') of a header whose checksum was
 * `cksum` after one 16-bit word changes from `old_word` to `new_word` (e.g. a TTL decrement,
 * which changes the TTL/Protocol word). */
uint16_t mip6tls_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word);

/* Adds the IPv6 upper-layer pseudo-header (RFC 8200 §8.1): source, destination, the 32-bit
 * upper-layer packet length, three zero octets and the next header value. */
void mip6tls_cksum_pseudo6(mip6tls_cksum_ctx *c, const uint8_t src[16], const uint8_t dst[16],
                           uint32_t ulp_len, uint8_t next_header);

/* Adds the IPv4 pseudo-header (RFC 768, RFC 793 §3.1): source, destination, a zero octet, the
 * protocol and the 16-bit upper-layer length. */
void mip6tls_cksum_pseudo4(mip6tls_cksum_ctx *c, const uint8_t src[4], const uint8_t dst[4],
                           uint8_t proto, uint16_t ulp_len);

/* The upper-layer checksum of data[0..len) for protocol `proto` between `src` and `dst`
 * (pseudo-header by family, then the data as given: a caller building a header leaves its
 * checksum field zero; a caller verifying one gets 0 back for a correct checksum).
 * Returns the checksum (0 .. 0xFFFF), or MIP6TLS_ERR_ARG when the families differ, are not
 * IPv4/IPv6, or len does not fit the pseudo-header's length field (IPv4: 0xFFFF). */
int mip6tls_inet_ulp_cksum(const mip6tls_addr *src, const mip6tls_addr *dst, uint8_t proto,
                           const uint8_t *data, size_t len);

/* A parsed IPv6 fixed header (RFC 8200 §3). For mip6tls_ip6_build() the fields `payload` and
 * `total_len` are ignored. */
typedef struct {
    uint8_t traffic_class;
    uint32_t flow_label; /* 20 bits */
    uint16_t payload_len;
    uint8_t next_header;
    uint8_t hop_limit;
    mip6tls_addr src;       /* MIP6TLS_AF_INET6 */
    mip6tls_addr dst;       /* MIP6TLS_AF_INET6 */
    const uint8_t *payload; /* view: payload_len octets after the fixed header */
    size_t total_len;       /* 40 + payload_len */
} mip6tls_ip6_hdr;

/* Parses the IPv6 header at pkt[0..len). Octets past 40 + Payload Length (link padding) are
 * not part of the packet: use h->total_len.
 * Returns 0, or MIP6TLS_ERR_TRUNCATED (len < 40, or fewer than Payload Length octets after
 * the header), MIP6TLS_ERR_VERSION (version is not 6). */
int mip6tls_ip6_parse(const uint8_t *pkt, size_t len, mip6tls_ip6_hdr *h);

/* Writes the 40-octet IPv6 header of `h` into out[0..40). Returns 40, MIP6TLS_ERR_NOBUF
 * (cap < 40) or MIP6TLS_ERR_ARG (an address is not IPv6, flow label wider than 20 bits). */
int mip6tls_ip6_build(const mip6tls_ip6_hdr *h, uint8_t *out, size_t cap);

/* A parsed IPv4 header (RFC 791 §3.1). For mip6tls_ip4_build() the fields `ihl`, `checksum`,
 * `options*` and `payload*` are ignored. */
typedef struct {
    uint8_t ihl; /* header length in 32-bit words, 5 .. 15 */
    uint8_t tos;
    uint16_t total_len;
    uint16_t id;
    uint16_t frag; /* flags and fragment offset, MIP6TLS_IP4_DF / _MF / _FRAG_OFFSET_MASK */
    uint8_t ttl;
    uint8_t protocol;
    uint16_t checksum;      /* as received */
    mip6tls_addr src;       /* MIP6TLS_AF_INET */
    mip6tls_addr dst;       /* MIP6TLS_AF_INET */
    const uint8_t *options; /* view: ihl * 4 - 20 octets (NULL when none) */
    size_t options_len;
    const uint8_t *payload; /* view: total_len - ihl * 4 octets */
    size_t payload_len;
} mip6tls_ip4_hdr;

/* Parses and verifies the IPv4 header at pkt[0..len). Octets past Total Length are not part
 * of the packet (use h->total_len).
 * Returns 0, or MIP6TLS_ERR_TRUNCATED (len < 20, or shorter than IHL or Total Length),
 * MIP6TLS_ERR_VERSION (version is not 4), MIP6TLS_ERR_MALFORMED (IHL < 5),
 * MIP6TLS_ERR_LENGTH (Total Length < IHL * 4), MIP6TLS_ERR_CHECKSUM (header checksum wrong). */
int mip6tls_ip4_parse(const uint8_t *pkt, size_t len, mip6tls_ip4_hdr *h);

/* Writes a 20-octet IPv4 header (IHL 5, no options) with its header checksum into out[0..20).
 * Returns 20, MIP6TLS_ERR_NOBUF (cap < 20) or MIP6TLS_ERR_ARG (an address is not IPv4,
 * total_len < 20). */
int mip6tls_ip4_build(const mip6tls_ip4_hdr *h, uint8_t *out, size_t cap);

/* What the data path needs of any inner packet: its version and addresses. */
typedef struct {
    uint8_t version;   /* 4 or 6 */
    uint8_t protocol;  /* IPv4 Protocol, or the IPv6 fixed header's Next Header */
    uint8_t hop_limit; /* IPv4 TTL or IPv6 Hop Limit */
    mip6tls_addr src;
    mip6tls_addr dst;
    size_t hdr_len;   /* 40, or IHL * 4 */
    size_t total_len; /* the packet's length per its header (<= the buffer length) */
} mip6tls_ip_info;

/* Parses an inner IPv4 or IPv6 packet, chosen by its version nibble, with the checks of
 * mip6tls_ip4_parse() / mip6tls_ip6_parse(). Returns 0 or their errors (MIP6TLS_ERR_VERSION
 * for any other version, MIP6TLS_ERR_TRUNCATED for an empty buffer). */
int mip6tls_ip_parse(const uint8_t *pkt, size_t len, mip6tls_ip_info *info);

/* A parsed UDP header (RFC 768). */
typedef struct {
    uint16_t sport;
    uint16_t dport;
    uint16_t length;        /* header plus payload */
    uint16_t checksum;      /* as received */
    const uint8_t *payload; /* view: length - 8 octets */
    size_t payload_len;
} mip6tls_udp_hdr;

/* Parses the UDP datagram at seg[0..len) (the IP payload). When `src` and `dst` are both
 * non-NULL the checksum is verified over their pseudo-header: over IPv4 a zero checksum means
 * "none" (RFC 768), over IPv6 it is an error (RFC 8200 §8.1). When both are NULL nothing is
 * verified. Octets past Length are ignored.
 * Returns 0, or MIP6TLS_ERR_ARG (only one address given, or families differ),
 * MIP6TLS_ERR_TRUNCATED (len < 8 or < Length), MIP6TLS_ERR_LENGTH (Length < 8),
 * MIP6TLS_ERR_CHECKSUM (checksum wrong or, over IPv6, zero). */
int mip6tls_udp_parse(const uint8_t *seg, size_t len, const mip6tls_addr *src,
                      const mip6tls_addr *dst, mip6tls_udp_hdr *h);

/* Writes a UDP header and payload into out[0..8+plen) with the checksum over the
 * pseudo-header of src/dst (a computed 0 is sent as 0xFFFF, RFC 768). `payload` may be
 * exactly out + 8 (built in place) or must not overlap out[0..8+plen); it may be NULL when
 * plen is 0. Returns 8 + plen, MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_ARG (families differ or are
 * not IPv4/IPv6, 8 + plen > 0xFFFF). */
int mip6tls_udp_build(const mip6tls_addr *src, uint16_t sport, const mip6tls_addr *dst,
                      uint16_t dport, const uint8_t *payload, size_t plen, uint8_t *out,
                      size_t cap);

/* Writes a whole IPv4/UDP or IPv6/UDP packet from `src` to `dst` (same family) carrying
 * payload[0..plen) (which must not overlap `out`), with TTL / Hop Limit `hop_limit`; IPv4
 * packets get DF, ID 0 and TOS 0, IPv6 packets traffic class and flow label 0.
 * Returns the packet length, MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_ARG (families, length). */
int mip6tls_ip_udp_build(const mip6tls_endpoint *src, const mip6tls_endpoint *dst,
                         uint8_t hop_limit, const uint8_t *payload, size_t plen, uint8_t *out,
                         size_t cap);

#ifdef __cplusplus
}
#endif
#endif
