/* offload.c: see offload.h. */
#include "offload.h"

#include <string.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define PROTO_TCP 6
#define PROTO_UDP 17

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void px_vnet_hdr_get(px_vnet_hdr *h, const uint8_t b[PX_VNET_HDR_LEN])
{
    h->flags = b[0];
    h->gso_type = b[1];
    memcpy(&h->hdr_len, b + 2, 2);
    memcpy(&h->gso_size, b + 4, 2);
    memcpy(&h->csum_start, b + 6, 2);
    memcpy(&h->csum_offset, b + 8, 2);
}

void px_vnet_hdr_put(const px_vnet_hdr *h, uint8_t b[PX_VNET_HDR_LEN])
{
    b[0] = h->flags;
    b[1] = h->gso_type;
    memcpy(b + 2, &h->hdr_len, 2);
    memcpy(b + 4, &h->gso_size, 2);
    memcpy(b + 6, &h->csum_start, 2);
    memcpy(b + 8, &h->csum_offset, 2);
}

/* ---- checksums ---------------------------------------------------------------------------- */

/* The one's complement sum is the same whatever the word size, as long as carries wrap around
 * (RFC 1071 §2 (C): 2^64 = 1 modulo 2^16 - 1, so a carry out of 64 bits counts as 1), and in
 * whatever byte order the words are read, as long as the folded result is stored back the
 * same way (§2 (B)). Two chains of 64-bit additions, their carries counted apart. */
uint64_t px_csum_add(uint64_t acc, const uint8_t *d, size_t len)
{
    uint64_t s0 = 0, s1 = 0, c = 0, a, b;
    uint32_t w32;
    uint16_t h;
    while (len >= 16) {
        memcpy(&a, d, 8);
        memcpy(&b, d + 8, 8);
        s0 += a;
        c += s0 < a;
        s1 += b;
        c += s1 < b;
        d += 16;
        len -= 16;
    }
    if (len >= 8) {
        memcpy(&a, d, 8);
        s0 += a;
        c += s0 < a;
        d += 8;
        len -= 8;
    }
    /* Below 2^36 from here on: halves of 64 bits, and acc folded to 33 bits. */
    acc = (acc & 0xFFFFFFFFu) + (acc >> 32) + (s0 & 0xFFFFFFFFu) + (s0 >> 32) + (s1 & 0xFFFFFFFFu) +
          (s1 >> 32) + c;
    if (len >= 4) {
        memcpy(&w32, d, 4);
        acc += w32;
        d += 4;
        len -= 4;
    }
    if (len >= 2) {
        memcpy(&h, d, 2);
        acc += h;
        d += 2;
        len -= 2;
    }
    if (len) {
        uint8_t last[2] = {d[0], 0}; /* the odd octet is the high half of a zero-padded word */
        memcpy(&h, last, 2);
        acc += h;
    }
    return acc;
}

uint16_t px_csum_fold(uint64_t a)
{
    a = (a & 0xFFFFFFFFu) + (a >> 32);
    a = (a & 0xFFFFFFFFu) + (a >> 32);
    a = (a & 0xFFFFu) + (a >> 16);
    a = (a & 0xFFFFu) + (a >> 16);
    a = (a & 0xFFFFu) + (a >> 16);
    return (uint16_t)a;
}

uint64_t px_csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
    uint8_t t[8] = {0};
    if ((ip[0] >> 4) == 4) { /* RFC 793 §3.1, RFC 768: addresses, zero, protocol, length */
        t[1] = proto;
        put16(t + 2, l4_len);
        return px_csum_add(px_csum_add(0, ip + 12, 8), t, 4);
    }
    put32(t, (uint32_t)l4_len); /* RFC 8200 §8.1: addresses, 32-bit length, zero, next header */
    t[7] = proto;
    return px_csum_add(px_csum_add(0, ip + 8, 32), t, 8);
}

/* Stores the complemented checksum at p; UDP sends an all-ones checksum for a computed zero
 * (RFC 768; RFC 8200 §8.1: zero is not allowed over IPv6). */
static void csum_store(uint8_t *p, uint64_t sum, int udp)
{
    uint16_t c = (uint16_t)~px_csum_fold(sum);
    if (udp && c == 0)
        c = 0xFFFF;
    memcpy(p, &c, 2);
}

/* ---- splitting ---------------------------------------------------------------------------- */

int px_gso_begin(px_gso *g, const px_vnet_hdr *h, uint8_t *pkt, size_t len)
{
    uint8_t type = h->gso_type & (uint8_t)~PX_VNET_GSO_ECN;
    size_t l3min;
    g->pkt = pkt;
    g->len = len;
    g->k = 0;
    g->gso = 0;
    g->csum_only = 0;
    g->off = 0;
    if (type == PX_VNET_GSO_NONE) {
        if (h->flags & PX_VNET_F_NEEDS_CSUM) {
            if ((size_t)h->csum_start + h->csum_offset + 2 > len)
                return PX_GSO_EMALFORMED;
            g->csum_only = 1;
            g->l4_off = h->csum_start;
            g->csum_field = (uint16_t)(h->csum_start + h->csum_offset);
        }
        return 0;
    }
    if (type != PX_VNET_GSO_TCPV4 && type != PX_VNET_GSO_TCPV6 && type != PX_VNET_GSO_UDP_L4)
        return PX_GSO_ETYPE;
    if (len < 20)
        return PX_GSO_EMALFORMED;
    g->v4 = (pkt[0] >> 4) == 4;
    if (!g->v4 && (pkt[0] >> 4) != 6)
        return PX_GSO_EMALFORMED;
    if ((type == PX_VNET_GSO_TCPV4 && !g->v4) || (type == PX_VNET_GSO_TCPV6 && g->v4))
        return PX_GSO_EMALFORMED;
    g->proto = type == PX_VNET_GSO_UDP_L4 ? PROTO_UDP : PROTO_TCP;
    l3min = g->v4 ? (size_t)(pkt[0] & 15) * 4 : 40;
    if (l3min < 20 || l3min > len)
        return PX_GSO_EMALFORMED;
    if (h->flags & PX_VNET_F_NEEDS_CSUM) {
        g->l4_off = h->csum_start; /* past any IPv4 options or IPv6 extension headers */
    } else {
        g->l4_off = l3min;
        if ((g->v4 ? pkt[9] : pkt[6]) != g->proto)
            return PX_GSO_EMALFORMED;
    }
    if (g->l4_off < l3min || (g->v4 && pkt[9] != g->proto))
        return PX_GSO_EMALFORMED;
    if (g->proto == PROTO_TCP) {
        size_t thl;
        if (g->l4_off + 20 > len)
            return PX_GSO_EMALFORMED;
        thl = (size_t)(pkt[g->l4_off + 12] >> 4) * 4;
        if (thl < 20)
            return PX_GSO_EMALFORMED;
        g->hdr_len = g->l4_off + thl;
    } else {
        g->hdr_len = g->l4_off + 8;
    }
    /* A super-packet carries payload; hdr_len of the virtio header is only a hint (the length
     * of the linear part) and is not used. */
    if (g->hdr_len >= len || g->hdr_len > PX_GSO_HDR_MAX || h->gso_size == 0)
        return PX_GSO_EMALFORMED;
    g->mss = h->gso_size;
    g->gso = 1;
    g->off = g->hdr_len;
    memcpy(g->hdr, pkt, g->hdr_len);
    return 0;
}

size_t px_gso_next(px_gso *g, uint8_t **seg)
{
    size_t plen, slen, l4len;
    uint8_t *s, *l4;
    int last;
    if (!g->gso) {
        if (g->k++ > 0)
            return 0;
        if (g->csum_only) {
            /* The field holds the pseudo-header sum already (CHECKSUM_PARTIAL): sum from
             * csum_start to the end and store the complement, as skb_checksum_help() does.
             * Offset 6 is UDP's checksum field. */
            uint8_t *c = g->pkt + g->csum_field;
            csum_store(c, px_csum_add(0, g->pkt + g->l4_off, g->len - g->l4_off),
                       g->csum_field - g->l4_off == 6);
        }
        *seg = g->pkt;
        return g->len;
    }
    if (g->off >= g->len)
        return 0;
    plen = g->len - g->off < g->mss ? g->len - g->off : g->mss;
    last = g->off + plen >= g->len;
    s = g->pkt + g->off - g->hdr_len;
    if (g->k > 0)
        memcpy(s, g->hdr, g->hdr_len); /* over the tail of the segment before */
    slen = g->hdr_len + plen;
    l4 = s + g->l4_off;
    l4len = slen - g->l4_off;
    if (g->v4) {
        /* IPv4 IDs count up from the super-packet's, as the kernel's TSO/USO does. */
        size_t ihl = (size_t)(s[0] & 15) * 4;
        put16(s + 2, slen);
        put16(s + 4, (uint16_t)(be16(g->hdr + 4) + g->k));
        s[10] = s[11] = 0;
        csum_store(s + 10, px_csum_add(0, s, ihl), 0);
    } else {
        put16(s + 4, slen - 40);
    }
    if (g->proto == PROTO_TCP) {
        uint8_t flags = g->hdr[g->l4_off + 13];
        put32(l4 + 4, be32(g->hdr + g->l4_off + 4) + (uint32_t)(g->off - g->hdr_len));
        if (!last)
            flags &= (uint8_t) ~(TCP_FIN | TCP_PSH); /* on the last segment only */
        if (g->k > 0)
            flags &= (uint8_t)~TCP_CWR; /* on the first segment only (RFC 3168 §6.1.2) */
        l4[13] = flags;
        l4[16] = l4[17] = 0;
        csum_store(l4 + 16, px_csum_pseudo(s, PROTO_TCP, l4len) + px_csum_add(0, l4, l4len), 0);
    } else {
        put16(l4 + 4, l4len);
        l4[6] = l4[7] = 0;
        csum_store(l4 + 6, px_csum_pseudo(s, PROTO_UDP, l4len) + px_csum_add(0, l4, l4len), 1);
    }
    g->off += plen;
    g->k++;
    *seg = s;
    return slen;
}

/* ---- merging ------------------------------------------------------------------------------ */

void px_gro_init(px_gro *g, uint8_t *buf, int allow_udp)
{
    memset(g, 0, sizeof *g);
    g->buf = buf;
    g->allow_udp = allow_udp != 0;
}

int px_gro_full(const px_gro *g)
{
    return g->len > 0 && (g->closed || g->count >= PX_GRO_MAX_SEGS);
}

/* What px_gro_add needs to know about a packet. */
typedef struct {
    size_t len, l4_off, hdr_len, payload;
    uint8_t v4, proto, flags;
} gro_pkt;

/* 1 when pkt is a TCP or UDP packet that may be merged (IPv4 without options or fragments,
 * IPv6 without extension headers; TCP carrying data with ACK and at most PSH; UDP with data
 * and a checksum). */
static int gro_parse(const px_gro *g, const uint8_t *pkt, size_t len, gro_pkt *p)
{
    const uint8_t *l4;
    if (len < 20)
        return 0;
    if ((pkt[0] >> 4) == 4) {
        size_t tot = be16(pkt + 2);
        if (pkt[0] != 0x45 || tot < 20 || tot > len || (be16(pkt + 6) & 0x3FFF) != 0)
            return 0;
        p->v4 = 1;
        p->len = tot;
        p->proto = pkt[9];
        p->l4_off = 20;
    } else if ((pkt[0] >> 4) == 6) {
        if (len < 40 || (size_t)be16(pkt + 4) + 40 > len)
            return 0;
        p->v4 = 0;
        p->len = (size_t)be16(pkt + 4) + 40;
        p->proto = pkt[6];
        p->l4_off = 40;
    } else {
        return 0;
    }
    l4 = pkt + p->l4_off;
    if (p->proto == PROTO_TCP) {
        size_t thl;
        if (p->len < p->l4_off + 20)
            return 0;
        thl = (size_t)(l4[12] >> 4) * 4;
        p->flags = l4[13];
        if (thl < 20 || p->l4_off + thl >= p->len || (p->flags & ~TCP_PSH) != TCP_ACK)
            return 0;
        p->hdr_len = p->l4_off + thl;
    } else if (p->proto == PROTO_UDP && g->allow_udp) {
        if (p->len <= p->l4_off + 8 || be16(l4 + 4) != p->len - p->l4_off ||
            (l4[6] == 0 && l4[7] == 0))
            return 0;
        p->flags = 0;
        p->hdr_len = p->l4_off + 8;
    } else {
        return 0;
    }
    p->payload = p->len - p->hdr_len;
    return 1;
}

/* The packet's checksums verify: its IPv4 header's, and its transport checksum over the
 * pseudo-header (a correct one sums to all ones). */
static int gro_csum_ok(const uint8_t *pkt, const gro_pkt *p)
{
    size_t l4len = p->len - p->l4_off;
    if (p->v4 && px_csum_fold(px_csum_add(0, pkt, 20)) != 0xFFFF)
        return 0;
    return px_csum_fold(px_csum_pseudo(pkt, p->proto, l4len) +
                        px_csum_add(0, pkt + p->l4_off, l4len)) == 0xFFFF;
}

/* pkt may follow the run: same flow and IP header fields the merged packet cannot carry per
 * segment, contiguous sequence numbers, IPv4 IDs counting up, same TCP options and ACK. */
static int gro_follows(const px_gro *g, const uint8_t *pkt, const gro_pkt *p)
{
    const uint8_t *f = g->buf + PX_VNET_HDR_LEN;
    const uint8_t *fl4 = f + g->l4_off, *l4 = pkt + p->l4_off;
    if (g->closed || g->count >= PX_GRO_MAX_SEGS || p->v4 != g->v4 || p->proto != g->proto ||
        p->hdr_len != g->hdr_len || p->payload > g->gso_size ||
        g->len + p->payload > PX_GRO_MAX_LEN)
        return 0;
    if (p->v4) {
        if (f[1] != pkt[1] || memcmp(f + 6, pkt + 6, 3) != 0 || memcmp(f + 12, pkt + 12, 8) != 0 ||
            be16(pkt + 4) != g->next_id)
            return 0;
    } else {
        if (memcmp(f, pkt, 4) != 0 || f[7] != pkt[7] || memcmp(f + 8, pkt + 8, 32) != 0)
            return 0;
    }
    if (memcmp(fl4, l4, 4) != 0) /* ports */
        return 0;
    if (p->proto == PROTO_TCP && (be32(l4 + 4) != g->next_seq || memcmp(fl4 + 8, l4 + 8, 4) != 0 ||
                                  memcmp(fl4 + 20, l4 + 20, g->hdr_len - g->l4_off - 20) != 0))
        return 0;
    return 1;
}

int px_gro_add(px_gro *g, const uint8_t *pkt, size_t len)
{
    gro_pkt p;
    if (!gro_parse(g, pkt, len, &p))
        return 0;
    if (g->len == 0) {
        if (p.len > PX_GRO_MAX_LEN)
            return 0;
        if (!gro_csum_ok(pkt, &p)) {
            g->bad_csum++;
            return 0;
        }
        memcpy(g->buf + PX_VNET_HDR_LEN, pkt, p.len);
        g->len = p.len;
        g->count = 1;
        g->v4 = p.v4;
        g->proto = p.proto;
        g->l4_off = p.l4_off;
        g->hdr_len = p.hdr_len;
        g->gso_size = p.payload;
        g->psh = (p.flags & TCP_PSH) != 0;
        g->closed = g->psh;
        g->next_seq = p.proto == PROTO_TCP ? be32(pkt + p.l4_off + 4) + (uint32_t)p.payload : 0;
        g->next_id = p.v4 ? (uint16_t)(be16(pkt + 4) + 1) : 0;
        return 1;
    }
    if (!gro_follows(g, pkt, &p))
        return 0;
    if (!gro_csum_ok(pkt, &p)) {
        g->bad_csum++;
        return 0;
    }
    memcpy(g->buf + PX_VNET_HDR_LEN + g->len, pkt + p.hdr_len, p.payload);
    g->len += p.payload;
    g->count++;
    g->merged++;
    g->next_seq += (uint32_t)p.payload;
    g->next_id++;
    if (p.payload < g->gso_size) /* a short segment ends the run */
        g->closed = 1;
    if (p.flags & TCP_PSH)
        g->closed = g->psh = 1;
    return 1;
}

size_t px_gro_finish(px_gro *g)
{
    px_vnet_hdr h;
    uint8_t *p = g->buf + PX_VNET_HDR_LEN;
    size_t n;
    if (g->len == 0)
        return 0;
    memset(&h, 0, sizeof h);
    if (g->count > 1) {
        uint8_t *l4 = p + g->l4_off;
        size_t l4len = g->len - g->l4_off;
        uint16_t partial;
        if (g->v4) {
            put16(p + 2, g->len);
            p[10] = p[11] = 0;
            csum_store(p + 10, px_csum_add(0, p, 20), 0);
        } else {
            put16(p + 4, g->len - 40);
        }
        if (g->proto == PROTO_TCP) {
            if (g->psh)
                l4[13] |= TCP_PSH;
            h.gso_type = g->v4 ? PX_VNET_GSO_TCPV4 : PX_VNET_GSO_TCPV6;
            h.csum_offset = 16;
        } else {
            put16(l4 + 4, l4len);
            h.gso_type = PX_VNET_GSO_UDP_L4;
            h.csum_offset = 6;
        }
        /* CHECKSUM_PARTIAL: the field holds the pseudo-header sum for the whole length, not
         * complemented; whoever segments or forwards the packet completes it. */
        partial = px_csum_fold(px_csum_pseudo(p, g->proto, l4len));
        memcpy(l4 + h.csum_offset, &partial, 2);
        h.flags = PX_VNET_F_NEEDS_CSUM;
        h.hdr_len = (uint16_t)g->hdr_len;
        h.gso_size = (uint16_t)g->gso_size;
        h.csum_start = (uint16_t)g->l4_off;
    }
    px_vnet_hdr_put(&h, g->buf);
    n = PX_VNET_HDR_LEN + g->len;
    g->len = 0;
    g->count = 0;
    g->closed = g->psh = 0;
    return n;
}
