/* inet.c: IPv4/IPv6/UDP header parsing and building, Internet checksums (see inet.h). */
#include "mip6tls/inet.h"

#include <string.h>

#include "mip6tls/bytes.h"

void mip6tls_cksum_init(mip6tls_cksum_ctx *c)
{
    c->sum = 0;
    c->odd = 0;
}

void mip6tls_cksum_add(mip6tls_cksum_ctx *c, const uint8_t *data, size_t len)
{
    uint64_t s = c->sum;
    size_t i = 0;
    if (len == 0)
        return;
    /* RFC 1071 §2(A): the sum is over 16-bit words of the whole string. An odd octet left by
     * the previous chunk was added as a high byte; this chunk's first octet is its low byte. */
    if (c->odd) {
        s += data[0];
        i = 1;
    }
    for (; i + 1 < len; i += 2)
        s += (uint64_t)mip6tls_get16(data + i);
    if (i < len) {
        s += (uint64_t)data[i] << 8;
        c->odd = 1;
    } else {
        c->odd = 0;
    }
    /* 64 bits hold 2^48 words without overflow: far more than any packet. */
    c->sum = s;
}

uint16_t mip6tls_cksum_final(const mip6tls_cksum_ctx *c)
{
    uint64_t s = c->sum;
    /* RFC 1071 §4.1: fold the carries back in until the sum fits 16 bits. */
    while (s >> 16)
        s = (s & 0xFFFFu) + (s >> 16);
    return (uint16_t)~s;
}

uint16_t mip6tls_cksum(const uint8_t *data, size_t len)
{
    mip6tls_cksum_ctx c;
    mip6tls_cksum_init(&c);
    mip6tls_cksum_add(&c, data, len);
    return mip6tls_cksum_final(&c);
}

uint16_t mip6tls_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
    /* RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'). Eqn. 2 (HC - ~m - m') gives -0 (0xFFFF...)
     * wrongly in one case; eqn. 3 does not. */
    uint32_t s = (uint16_t)~cksum;
    s += (uint16_t)~old_word;
    s += new_word;
    while (s >> 16)
        s = (s & 0xFFFFu) + (s >> 16);
    return (uint16_t)~s;
}

void mip6tls_cksum_pseudo6(mip6tls_cksum_ctx *c, const uint8_t src[16], const uint8_t dst[16],
                           uint32_t ulp_len, uint8_t next_header)
{
    /* RFC 8200 §8.1: Source, Destination, Upper-Layer Packet Length (32 bits), 24 zero bits,
     * Next Header. */
    uint8_t tail[8];
    mip6tls_put32(tail, ulp_len);
    tail[4] = 0;
    tail[5] = 0;
    tail[6] = 0;
    tail[7] = next_header;
    mip6tls_cksum_add(c, src, 16);
    mip6tls_cksum_add(c, dst, 16);
    mip6tls_cksum_add(c, tail, sizeof tail);
}

void mip6tls_cksum_pseudo4(mip6tls_cksum_ctx *c, const uint8_t src[4], const uint8_t dst[4],
                           uint8_t proto, uint16_t ulp_len)
{
    /* RFC 768 / RFC 793 §3.1: Source, Destination, zero, Protocol, length. */
    uint8_t tail[4];
    tail[0] = 0;
    tail[1] = proto;
    mip6tls_put16(tail + 2, ulp_len);
    mip6tls_cksum_add(c, src, 4);
    mip6tls_cksum_add(c, dst, 4);
    mip6tls_cksum_add(c, tail, sizeof tail);
}

/* Adds the pseudo-header for src/dst by family. 0, or MIP6TLS_ERR_ARG. */
static int inet_pseudo(mip6tls_cksum_ctx *c, const mip6tls_addr *src, const mip6tls_addr *dst,
                       uint8_t proto, size_t len)
{
    if (src->family != dst->family)
        return MIP6TLS_ERR_ARG;
    if (src->family == MIP6TLS_AF_INET6) {
        if ((uint64_t)len > 0xFFFFFFFFu)
            return MIP6TLS_ERR_ARG;
        mip6tls_cksum_pseudo6(c, src->bytes, dst->bytes, (uint32_t)len, proto);
        return 0;
    }
    if (src->family == MIP6TLS_AF_INET) {
        if (len > 0xFFFFu)
            return MIP6TLS_ERR_ARG;
        mip6tls_cksum_pseudo4(c, src->bytes, dst->bytes, proto, (uint16_t)len);
        return 0;
    }
    return MIP6TLS_ERR_ARG;
}

int mip6tls_inet_ulp_cksum(const mip6tls_addr *src, const mip6tls_addr *dst, uint8_t proto,
                           const uint8_t *data, size_t len)
{
    mip6tls_cksum_ctx c;
    int rc;
    mip6tls_cksum_init(&c);
    rc = inet_pseudo(&c, src, dst, proto, len);
    if (rc < 0)
        return rc;
    mip6tls_cksum_add(&c, data, len);
    return mip6tls_cksum_final(&c);
}

int mip6tls_ip6_parse(const uint8_t *pkt, size_t len, mip6tls_ip6_hdr *h)
{
    mip6tls_ip6_hdr r;
    uint32_t w;
    if (len < MIP6TLS_IP6_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    w = mip6tls_get32(pkt);
    if ((w >> 28) != 6) /* RFC 8200 §3 */
        return MIP6TLS_ERR_VERSION;
    memset(&r, 0, sizeof r);
    r.traffic_class = (uint8_t)(w >> 20);
    r.flow_label = w & 0xFFFFFu;
    r.payload_len = mip6tls_get16(pkt + 4);
    r.next_header = pkt[6];
    r.hop_limit = pkt[7];
    if ((size_t)r.payload_len > len - MIP6TLS_IP6_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    mip6tls_addr_set6(&r.src, pkt + 8);
    mip6tls_addr_set6(&r.dst, pkt + 24);
    r.payload = pkt + MIP6TLS_IP6_HDR_LEN;
    r.total_len = MIP6TLS_IP6_HDR_LEN + (size_t)r.payload_len;
    *h = r;
    return 0;
}

int mip6tls_ip6_build(const mip6tls_ip6_hdr *h, uint8_t *out, size_t cap)
{
    if (h->src.family != MIP6TLS_AF_INET6 || h->dst.family != MIP6TLS_AF_INET6 ||
        h->flow_label > 0xFFFFFu)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_IP6_HDR_LEN)
        return MIP6TLS_ERR_NOBUF;
    /* RFC 8200 §3: Version 6, Traffic Class, Flow Label in the first word. */
    mip6tls_put32(out, (uint32_t)6 << 28 | (uint32_t)h->traffic_class << 20 | h->flow_label);
    mip6tls_put16(out + 4, h->payload_len);
    out[6] = h->next_header;
    out[7] = h->hop_limit;
    memcpy(out + 8, h->src.bytes, 16);
    memcpy(out + 24, h->dst.bytes, 16);
    return MIP6TLS_IP6_HDR_LEN;
}

int mip6tls_ip4_parse(const uint8_t *pkt, size_t len, mip6tls_ip4_hdr *h)
{
    mip6tls_ip4_hdr r;
    size_t hl;
    if (len < MIP6TLS_IP4_HDR_MIN)
        return MIP6TLS_ERR_TRUNCATED;
    if ((pkt[0] >> 4) != 4) /* RFC 791 §3.1 */
        return MIP6TLS_ERR_VERSION;
    memset(&r, 0, sizeof r);
    r.ihl = pkt[0] & 0x0F;
    if (r.ihl < 5) /* RFC 791 §3.1: "the minimum value for a correct header is 5" */
        return MIP6TLS_ERR_MALFORMED;
    hl = (size_t)r.ihl * 4;
    if (hl > len)
        return MIP6TLS_ERR_TRUNCATED;
    r.tos = pkt[1];
    r.total_len = mip6tls_get16(pkt + 2);
    if (r.total_len < hl)
        return MIP6TLS_ERR_LENGTH;
    if (r.total_len > len)
        return MIP6TLS_ERR_TRUNCATED;
    /* RFC 791 §3.1: the checksum of the header, checksum field included, is zero when valid
     * (RFC 1071 §1). A router would drop the packet; so do we. */
    if (mip6tls_cksum(pkt, hl) != 0)
        return MIP6TLS_ERR_CHECKSUM;
    r.id = mip6tls_get16(pkt + 4);
    r.frag = mip6tls_get16(pkt + 6);
    r.ttl = pkt[8];
    r.protocol = pkt[9];
    r.checksum = mip6tls_get16(pkt + 10);
    mip6tls_addr_set4(&r.src, pkt + 12);
    mip6tls_addr_set4(&r.dst, pkt + 16);
    r.options_len = hl - MIP6TLS_IP4_HDR_MIN;
    r.options = r.options_len ? pkt + MIP6TLS_IP4_HDR_MIN : NULL;
    r.payload = pkt + hl;
    r.payload_len = r.total_len - hl;
    *h = r;
    return 0;
}

int mip6tls_ip4_build(const mip6tls_ip4_hdr *h, uint8_t *out, size_t cap)
{
    if (h->src.family != MIP6TLS_AF_INET || h->dst.family != MIP6TLS_AF_INET ||
        h->total_len < MIP6TLS_IP4_HDR_MIN)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_IP4_HDR_MIN)
        return MIP6TLS_ERR_NOBUF;
    out[0] = 0x45; /* RFC 791 §3.1: version 4, IHL 5 */
    out[1] = h->tos;
    mip6tls_put16(out + 2, h->total_len);
    mip6tls_put16(out + 4, h->id);
    mip6tls_put16(out + 6, h->frag);
    out[8] = h->ttl;
    out[9] = h->protocol;
    out[10] = 0;
    out[11] = 0;
    memcpy(out + 12, h->src.bytes, 4);
    memcpy(out + 16, h->dst.bytes, 4);
    mip6tls_put16(out + 10, mip6tls_cksum(out, MIP6TLS_IP4_HDR_MIN));
    return MIP6TLS_IP4_HDR_MIN;
}

int mip6tls_ip_parse(const uint8_t *pkt, size_t len, mip6tls_ip_info *info)
{
    mip6tls_ip_info r;
    int rc;
    if (len == 0)
        return MIP6TLS_ERR_TRUNCATED;
    memset(&r, 0, sizeof r);
    if ((pkt[0] >> 4) == 6) {
        mip6tls_ip6_hdr h6;
        rc = mip6tls_ip6_parse(pkt, len, &h6);
        if (rc < 0)
            return rc;
        r.version = 6;
        r.protocol = h6.next_header;
        r.hop_limit = h6.hop_limit;
        r.src = h6.src;
        r.dst = h6.dst;
        r.hdr_len = MIP6TLS_IP6_HDR_LEN;
        r.total_len = h6.total_len;
    } else if ((pkt[0] >> 4) == 4) {
        mip6tls_ip4_hdr h4;
        rc = mip6tls_ip4_parse(pkt, len, &h4);
        if (rc < 0)
            return rc;
        r.version = 4;
        r.protocol = h4.protocol;
        r.hop_limit = h4.ttl;
        r.src = h4.src;
        r.dst = h4.dst;
        r.hdr_len = (size_t)h4.ihl * 4;
        r.total_len = h4.total_len;
    } else {
        return MIP6TLS_ERR_VERSION;
    }
    *info = r;
    return 0;
}

int mip6tls_udp_parse(const uint8_t *seg, size_t len, const mip6tls_addr *src,
                      const mip6tls_addr *dst, mip6tls_udp_hdr *h)
{
    mip6tls_udp_hdr r;
    if ((src == NULL) != (dst == NULL))
        return MIP6TLS_ERR_ARG;
    if (src != NULL && (src->family != dst->family ||
                        (src->family != MIP6TLS_AF_INET && src->family != MIP6TLS_AF_INET6)))
        return MIP6TLS_ERR_ARG;
    if (len < MIP6TLS_UDP_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    memset(&r, 0, sizeof r);
    r.sport = mip6tls_get16(seg);
    r.dport = mip6tls_get16(seg + 2);
    r.length = mip6tls_get16(seg + 4);
    r.checksum = mip6tls_get16(seg + 6);
    if (r.length < MIP6TLS_UDP_HDR_LEN) /* RFC 768: Length counts the header */
        return MIP6TLS_ERR_LENGTH;
    if (r.length > len)
        return MIP6TLS_ERR_TRUNCATED;
    if (src != NULL) {
        if (r.checksum == 0) {
            /* RFC 768: zero means the sender computed none (IPv4 only); RFC 8200 §8.1: an
             * IPv6 receiver discards UDP packets with a zero checksum. */
            if (src->family == MIP6TLS_AF_INET6)
                return MIP6TLS_ERR_CHECKSUM;
        } else if (mip6tls_inet_ulp_cksum(src, dst, MIP6TLS_IPPROTO_UDP, seg, r.length) != 0) {
            return MIP6TLS_ERR_CHECKSUM;
        }
    }
    r.payload = seg + MIP6TLS_UDP_HDR_LEN;
    r.payload_len = (size_t)r.length - MIP6TLS_UDP_HDR_LEN;
    *h = r;
    return 0;
}

int mip6tls_udp_build(const mip6tls_addr *src, uint16_t sport, const mip6tls_addr *dst,
                      uint16_t dport, const uint8_t *payload, size_t plen, uint8_t *out, size_t cap)
{
    size_t n = MIP6TLS_UDP_HDR_LEN + plen;
    int ck;
    if (src->family != dst->family ||
        (src->family != MIP6TLS_AF_INET && src->family != MIP6TLS_AF_INET6) ||
        plen > 0xFFFFu - MIP6TLS_UDP_HDR_LEN)
        return MIP6TLS_ERR_ARG;
    if (cap < n)
        return MIP6TLS_ERR_NOBUF;
    if (plen > 0 && payload != out + MIP6TLS_UDP_HDR_LEN)
        memmove(out + MIP6TLS_UDP_HDR_LEN, payload, plen);
    mip6tls_put16(out, sport);
    mip6tls_put16(out + 2, dport);
    mip6tls_put16(out + 4, (uint16_t)n);
    mip6tls_put16(out + 6, 0);
    ck = mip6tls_inet_ulp_cksum(src, dst, MIP6TLS_IPPROTO_UDP, out, n);
    if (ck < 0)
        return ck;
    /* RFC 768: a computed zero is transmitted as all ones (zero means "no checksum"). */
    mip6tls_put16(out + 6, ck == 0 ? 0xFFFFu : (uint16_t)ck);
    return (int)n;
}

int mip6tls_ip_udp_build(const mip6tls_endpoint *src, const mip6tls_endpoint *dst,
                         uint8_t hop_limit, const uint8_t *payload, size_t plen, uint8_t *out,
                         size_t cap)
{
    size_t hl, ulen = MIP6TLS_UDP_HDR_LEN + plen;
    int rc;
    if (src->addr.family != dst->addr.family)
        return MIP6TLS_ERR_ARG;
    if (src->addr.family == MIP6TLS_AF_INET6) {
        hl = MIP6TLS_IP6_HDR_LEN;
    } else if (src->addr.family == MIP6TLS_AF_INET) {
        hl = MIP6TLS_IP4_HDR_MIN;
    } else {
        return MIP6TLS_ERR_ARG;
    }
    /* Both the UDP Length and (IPv4) Total Length / (IPv6) Payload Length are 16 bits. */
    if (plen > 0xFFFFu - MIP6TLS_UDP_HDR_LEN - (hl == MIP6TLS_IP4_HDR_MIN ? hl : 0))
        return MIP6TLS_ERR_ARG;
    if (cap < hl + ulen)
        return MIP6TLS_ERR_NOBUF;
    if (hl == MIP6TLS_IP6_HDR_LEN) {
        mip6tls_ip6_hdr h;
        memset(&h, 0, sizeof h);
        h.payload_len = (uint16_t)ulen;
        h.next_header = MIP6TLS_IPPROTO_UDP;
        h.hop_limit = hop_limit;
        h.src = src->addr;
        h.dst = dst->addr;
        rc = mip6tls_ip6_build(&h, out, cap);
    } else {
        mip6tls_ip4_hdr h;
        memset(&h, 0, sizeof h);
        h.total_len = (uint16_t)(hl + ulen);
        h.frag = MIP6TLS_IP4_DF;
        h.ttl = hop_limit;
        h.protocol = MIP6TLS_IPPROTO_UDP;
        h.src = src->addr;
        h.dst = dst->addr;
        rc = mip6tls_ip4_build(&h, out, cap);
    }
    if (rc < 0)
        return rc;
    rc = mip6tls_udp_build(&src->addr, src->port, &dst->addr, dst->port, payload, plen, out + hl,
                           cap - hl);
    if (rc < 0)
        return rc;
    return (int)(hl + ulen);
}
