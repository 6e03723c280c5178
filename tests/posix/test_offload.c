/* test_offload.c: splitting and merging of TUN super-packets (port-posix/lib/offload.c).
 *
 * Packets are built by a reference builder with its own byte-by-byte RFC 1071 checksum; a
 * super-packet is built the way the kernel hands one to a TUN with TSO/USO (first segment's
 * headers, the lengths and flags of the whole, a partial checksum, the payload of all). Its
 * segments must equal, octet for octet, the packets the builder makes for each segment; and
 * merging those packets must give a super-packet that splits back into them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offload.h"

/* ---- reference packets ------------------------------------------------------------------- */

static uint16_t ref_sum(const uint8_t *d, size_t n, uint32_t s)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        s += (uint32_t)d[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)s;
}

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xFFFF);
}

typedef struct {
    int v6;
    int udp;
    uint32_t seq, ack;
    uint8_t flags; /* TCP */
    uint16_t id;   /* IPv4 */
    size_t off;    /* stream offset of the payload (its pattern) */
    size_t plen;
    int ts;         /* TCP timestamp option (12 octets with padding) */
    uint32_t tsval; /* its value */
    uint16_t sport;
} spec;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 8) * 13 + 1);
}

/* The pseudo-header sum (RFC 793 §3.1, RFC 768, RFC 8200 §8.1), folded, not complemented. */
static uint16_t ref_pseudo(const uint8_t *pkt, int v6, size_t l4len, int udp)
{
    uint8_t ph[40];
    if (v6) {
        memcpy(ph, pkt + 8, 32);
        wr32(ph + 32, (uint32_t)l4len);
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = udp ? 17 : 6;
        return ref_sum(ph, 40, 0);
    }
    memcpy(ph, pkt + 12, 8);
    ph[8] = 0;
    ph[9] = udp ? 17 : 6;
    wr16(ph + 10, (unsigned)l4len);
    return ref_sum(ph, 12, 0);
}

/* The transport checksum of pkt (l4 at l4_off, l4len octets), as stored (complemented). */
static uint16_t ref_l4_csum(const uint8_t *pkt, int v6, size_t l4_off, size_t l4len, int udp)
{
    uint16_t c = (uint16_t)~ref_sum(pkt + l4_off, l4len, ref_pseudo(pkt, v6, l4len, udp));
    if (udp && c == 0)
        c = 0xFFFF;
    return c;
}

/* Builds the packet of `s` into out; returns its length. */
static size_t mk(const spec *s, uint8_t *out)
{
    size_t l3 = s->v6 ? 40 : 20, l4h = s->udp ? 8 : (s->ts ? 32 : 20), len, i;
    uint8_t *l4 = out + l3;
    len = l3 + l4h + s->plen;
    memset(out, 0, l3 + l4h);
    if (s->v6) {
        out[0] = 0x60;
        out[1] = 0x0A; /* traffic class and flow label: kept as they are */
        out[2] = 0xBC;
        out[3] = 0xDE;
        wr16(out + 4, (unsigned)(len - 40));
        out[6] = s->udp ? 17 : 6;
        out[7] = 64;
        for (i = 0; i < 16; i++) {
            out[8 + i] = (uint8_t)(i == 0   ? 0x20
                                   : i == 1 ? 0x01
                                   : i == 2 ? 0x0d
                                   : i == 3 ? 0xb8
                                            : 0);
            out[24 + i] = out[8 + i];
        }
        out[23] = 1;
        out[39] = 2;
    } else {
        out[0] = 0x45;
        out[1] = 0x10;
        wr16(out + 2, (unsigned)len);
        wr16(out + 4, s->id);
        out[6] = 0x40; /* DF */
        out[8] = 64;
        out[9] = s->udp ? 17 : 6;
        out[12] = 198, out[13] = 51, out[14] = 100, out[15] = 1;
        out[16] = 198, out[17] = 51, out[18] = 100, out[19] = 2;
        wr16(out + 10, (uint16_t)~ref_sum(out, 20, 0));
    }
    wr16(l4, s->sport ? s->sport : 40000);
    wr16(l4 + 2, 5201);
    if (s->udp) {
        wr16(l4 + 4, (unsigned)(8 + s->plen));
    } else {
        wr32(l4 + 4, s->seq);
        wr32(l4 + 8, s->ack);
        l4[12] = (uint8_t)((l4h / 4) << 4);
        l4[13] = s->flags;
        wr16(l4 + 14, 502);
        if (s->ts) {
            l4[20] = 1, l4[21] = 1, l4[22] = 8, l4[23] = 10; /* NOP NOP TS */
            wr32(l4 + 24, s->tsval);
            wr32(l4 + 28, 0x01020304);
        }
    }
    for (i = 0; i < s->plen; i++)
        out[l3 + l4h + i] = pattern(s->off + i);
    wr16(l4 + (s->udp ? 6 : 16), ref_l4_csum(out, s->v6, l3, len - l3, s->udp));
    return len;
}

static size_t l4off(const spec *s)
{
    return s->v6 ? 40 : 20;
}

static size_t hdrlen(const spec *s)
{
    return l4off(s) + (s->udp ? 8 : (s->ts ? 32 : 20));
}

/* The super-packet the kernel would hand over for `whole` cut into mss-octet segments: the
 * packet of the whole payload, its checksum field replaced by the pseudo-header sum (partial)
 * or by garbage, and the virtio_net_hdr. */
static size_t mk_super(const spec *whole, size_t mss, int garbage_csum, px_vnet_hdr *h,
                       uint8_t *out)
{
    size_t len = mk(whole, out), l4o = l4off(whole);
    uint8_t *c = out + l4o + (whole->udp ? 6 : 16);
    if (garbage_csum) /* some senders leave anything there: it must not matter */
        c[0] = 0xA5, c[1] = 0x5A;
    else /* CHECKSUM_PARTIAL: the pseudo-header sum for the whole length */
        wr16(c, ref_pseudo(out, whole->v6, len - l4o, whole->udp));
    memset(h, 0, sizeof *h);
    h->flags = PX_VNET_F_NEEDS_CSUM;
    h->gso_type =
        whole->udp ? PX_VNET_GSO_UDP_L4 : (whole->v6 ? PX_VNET_GSO_TCPV6 : PX_VNET_GSO_TCPV4);
    h->gso_size = (uint16_t)mss;
    h->hdr_len = (uint16_t)hdrlen(whole);
    h->csum_start = (uint16_t)l4o;
    h->csum_offset = whole->udp ? 6 : 16;
    return len;
}

/* The k-th segment of `whole` as the reference builds it. */
static spec seg_spec(const spec *whole, size_t mss, size_t k, size_t nseg)
{
    spec s = *whole;
    s.off = whole->off + k * mss;
    s.plen = k + 1 < nseg ? mss : whole->plen - k * mss;
    s.seq = whole->seq + (uint32_t)(k * mss);
    s.id = (uint16_t)(whole->id + k);
    if (k + 1 < nseg)
        s.flags &= (uint8_t) ~(0x01 | 0x08); /* FIN, PSH: last only */
    if (k > 0)
        s.flags &= (uint8_t)~0x80; /* CWR: first only */
    return s;
}

static uint8_t *big(void)
{
    uint8_t *b = malloc(PX_VNET_HDR_LEN + 70000);
    assert_non_null(b);
    return b;
}

/* ---- checksums ---------------------------------------------------------------------------- */

static void csum_matches_reference(void **state)
{
    /* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
    static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint8_t buf[3000];
    uint16_t f, want;
    size_t i, n;
    (void)state;
    f = px_csum_fold(px_csum_add(0, v, sizeof v));
    assert_memory_equal(&f, "\xdd\xf2", 2);
    srand(7);
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (n = 0; n < sizeof buf; n += 1 + (size_t)(rand() % 97)) {
        size_t cut = (size_t)(rand() % (int)(n + 1)) & ~(size_t)1; /* even: pieces may be split */
        uint8_t be[2];
        want = ref_sum(buf, n, 0);
        wr16(be, want);
        f = px_csum_fold(px_csum_add(0, buf, n));
        assert_memory_equal(&f, be, 2);
        f = px_csum_fold(px_csum_add(px_csum_add(0, buf, cut), buf + cut, n - cut));
        assert_memory_equal(&f, be, 2);
    }
    /* An accumulator near its top: the same sum as its value modulo 2^16 - 1. */
    memset(buf, 0xFF, sizeof buf);
    for (n = 0; n < 40; n++) {
        uint64_t acc = UINT64_MAX - (uint64_t)rand() * 977u;
        uint16_t g = px_csum_fold(px_csum_add(acc % 0xFFFF, buf, sizeof buf - n));
        f = px_csum_fold(px_csum_add(acc, buf, sizeof buf - n));
        assert_int_equal(f % 0xFFFF, g % 0xFFFF);
    }
}

static void vnet_hdr_round_trip(void **state)
{
    px_vnet_hdr h = {PX_VNET_F_NEEDS_CSUM, PX_VNET_GSO_TCPV6, 72, 1328, 40, 16}, g;
    uint8_t b[PX_VNET_HDR_LEN];
    (void)state;
    px_vnet_hdr_put(&h, b);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 4);
    px_vnet_hdr_get(&g, b);
    assert_memory_equal(&g, &h, sizeof h);
}

/* ---- splitting ---------------------------------------------------------------------------- */

/* Splits the super-packet of `whole` and compares every segment with the reference. */
static void split_and_compare(const spec *whole, size_t mss, int garbage)
{
    uint8_t *sp = big(), *want = big(), *seg;
    px_vnet_hdr h;
    px_gso g;
    size_t len = mk_super(whole, mss, garbage, &h, sp), nseg, k, n;
    nseg = (whole->plen + mss - 1) / mss;
    assert_int_equal(px_gso_begin(&g, &h, sp, len), 0);
    for (k = 0; k < nseg; k++) {
        spec s = seg_spec(whole, mss, k, nseg);
        size_t wl = mk(&s, want);
        n = px_gso_next(&g, &seg);
        assert_int_equal(n, wl);
        assert_memory_equal(seg, want, wl);
    }
    assert_int_equal(px_gso_next(&g, &seg), 0);
    assert_int_equal(px_gso_next(&g, &seg), 0);
    free(sp);
    free(want);
}

static void split_tcp(void **state)
{
    static const size_t plens[] = {1, 1327, 1328, 1329, 2656, 40000, 65535 - 72};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof plens / sizeof plens[0]; i++) {
        spec w4 = {0, 0, 0xFFFFF000u, 77, 0x18, 0xFFF0, 0, plens[i], 1, 1000, 0};
        spec w6 = {1, 0, 12345, 77, 0x19, 0, 5, plens[i], 1, 2000, 0}; /* FIN on the last */
        spec w6b = {1, 0, 12345, 77, 0x90, 0, 5, plens[i], 0, 0, 0};   /* CWR on the first */
        if (hdrlen(&w4) + plens[i] <= 65535)
            split_and_compare(&w4, 1328 - 12, i & 1);
        split_and_compare(&w6, 1328, !(i & 1));
        split_and_compare(&w6b, 1340, 0);
    }
}

static void split_udp(void **state)
{
    static const size_t plens[] = {1, 1351, 1352, 1353, 46 * 1352, 65535 - 48};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof plens / sizeof plens[0]; i++) {
        spec w4 = {0, 1, 0, 0, 0, 0xFFFE, 3, plens[i], 0, 0, 0};
        spec w6 = {1, 1, 0, 0, 0, 0, 9, plens[i], 0, 0, 0};
        if (plens[i] + 28 <= 65535)
            split_and_compare(&w4, 1352, 0);
        split_and_compare(&w6, 1352, 1);
    }
}

/* Without GSO: the packet as it is, with its checksum completed when the kernel asks. */
static void checksum_only(void **state)
{
    uint8_t pkt[2000], want[2000], *seg;
    spec t = {1, 0, 1, 2, 0x18, 0, 0, 999, 1, 5, 0};
    spec u = {0, 1, 0, 0, 0, 9, 0, 517, 0, 0, 0};
    px_vnet_hdr h;
    px_gso g;
    size_t n, len;
    (void)state;
    /* TCP over IPv6: the field holds the folded pseudo-header sum (as the kernel leaves it). */
    len = mk(&t, want);
    memcpy(pkt, want, len);
    wr16(pkt + 56, ref_pseudo(pkt, 1, len - 40, 0));
    memset(&h, 0, sizeof h);
    h.flags = PX_VNET_F_NEEDS_CSUM;
    h.csum_start = 40;
    h.csum_offset = 16;
    assert_int_equal(px_gso_begin(&g, &h, pkt, len), 0);
    n = px_gso_next(&g, &seg);
    assert_int_equal(n, len);
    assert_memory_equal(seg, want, len);
    assert_int_equal(px_gso_next(&g, &seg), 0);
    /* UDP over IPv4 */
    len = mk(&u, want);
    memcpy(pkt, want, len);
    wr16(pkt + 26, ref_pseudo(pkt, 0, len - 20, 1));
    h.csum_start = 20;
    h.csum_offset = 6;
    assert_int_equal(px_gso_begin(&g, &h, pkt, len), 0);
    assert_int_equal(px_gso_next(&g, &seg), len);
    assert_memory_equal(seg, want, len);
    /* A UDP checksum that computes to zero goes as all ones (RFC 768, RFC 8200 §8.1). Two
     * payload octets are chosen so that the sum is all ones. */
    u.plen = 20;
    len = mk(&u, want);
    want[len - 2] = want[len - 1] = 0;
    want[26] = want[27] = 0;
    wr16(want + len - 2, (uint16_t)~ref_sum(want + 20, len - 20, ref_pseudo(want, 0, len - 20, 1)));
    assert_int_equal(ref_l4_csum(want, 0, 20, len - 20, 1), 0xFFFF);
    wr16(want + 26, 0xFFFF);
    memcpy(pkt, want, len);
    wr16(pkt + 26, ref_pseudo(pkt, 0, len - 20, 1));
    assert_int_equal(px_gso_begin(&g, &h, pkt, len), 0);
    assert_int_equal(px_gso_next(&g, &seg), len);
    assert_memory_equal(seg, want, len);
    memcpy(pkt, want, len); /* the same as a one-segment UDP super-packet */
    h.gso_type = PX_VNET_GSO_UDP_L4;
    h.gso_size = 1000;
    assert_int_equal(px_gso_begin(&g, &h, pkt, len), 0);
    assert_int_equal(px_gso_next(&g, &seg), len);
    assert_memory_equal(seg, want, len);
    h.gso_type = 0;
    /* Nothing asked: nothing changed. */
    memset(&h, 0, sizeof h);
    pkt[30] ^= 1;
    memcpy(want, pkt, len);
    assert_int_equal(px_gso_begin(&g, &h, pkt, len), 0);
    assert_int_equal(px_gso_next(&g, &seg), len);
    assert_memory_equal(seg, want, len);
}

static void split_refuses(void **state)
{
    uint8_t *sp = big();
    spec w = {1, 0, 1, 1, 0x10, 0, 0, 5000, 1, 1, 0};
    spec w4 = {0, 0, 1, 1, 0x10, 1, 0, 5000, 1, 1, 0};
    px_vnet_hdr h, x;
    px_gso g;
    size_t len;
    (void)state;
    len = mk_super(&w, 1000, 0, &h, sp);
    x = h;
    x.gso_type = 3; /* UFO */
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_ETYPE);
    x = h;
    x.gso_type = PX_VNET_GSO_TCPV4; /* an IPv6 packet */
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    x = h;
    x.gso_size = 0;
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    x = h;
    x.csum_start = 30; /* inside the IPv6 header */
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    x = h;
    x.csum_start = (uint16_t)(len - 10);
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    assert_int_equal(px_gso_begin(&g, &h, sp, 60), PX_GSO_EMALFORMED); /* headers only */
    assert_int_equal(px_gso_begin(&g, &h, sp, 19), PX_GSO_EMALFORMED);
    x = h;
    x.flags = 0; /* no csum_start: the headers tell, and must agree */
    assert_int_equal(px_gso_begin(&g, &x, sp, len), 0);
    sp[6] = 17;
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    x = h;
    x.flags = PX_VNET_F_NEEDS_CSUM;
    x.gso_type = 0;
    x.csum_start = (uint16_t)(len - 1);
    assert_int_equal(px_gso_begin(&g, &x, sp, len), PX_GSO_EMALFORMED);
    len = mk_super(&w4, 1000, 0, &h, sp);
    sp[0] = 0x44; /* IHL 16 octets */
    assert_int_equal(px_gso_begin(&g, &h, sp, len), PX_GSO_EMALFORMED);
    sp[0] = 0x45;
    sp[9] = 17;
    assert_int_equal(px_gso_begin(&g, &h, sp, len), PX_GSO_EMALFORMED);
    free(sp);
}

/* Whatever the header and the octets say, splitting stays inside the buffer (run under ASan)
 * and yields at most one segment per payload octet. */
static void split_survives_garbage(void **state)
{
    uint8_t *sp = big(), *seg;
    size_t round;
    (void)state;
    srand(11);
    for (round = 0; round < 20000; round++) {
        spec w = {rand() & 1, rand() & 1, 1, 1, 0x10, 1, 0, (size_t)(rand() % 3000), 1, 1, 0};
        px_vnet_hdr h;
        px_gso g;
        size_t len = mk_super(&w, 1 + (size_t)(rand() % 1500), rand() & 1, &h, sp), segs = 0, n;
        int k, flips = rand() % 4;
        if (rand() % 4 == 0)
            len = (size_t)(rand() % (int)len);
        for (k = 0; k < flips; k++)
            sp[rand() % (len ? (int)len : 1)] ^= (uint8_t)(1 + rand() % 255);
        if (rand() & 1) {
            h.gso_type = (uint8_t)(rand() % 8);
            h.csum_start = (uint16_t)(rand() % 200);
            h.csum_offset = (uint16_t)(rand() % 40);
            h.gso_size = (uint16_t)(rand() % 3000);
            h.flags = (uint8_t)(rand() % 4);
        }
        if (px_gso_begin(&g, &h, sp, len) != 0)
            continue;
        while ((n = px_gso_next(&g, &seg)) > 0) {
            assert_true(seg >= sp && seg + n <= sp + len);
            assert_true(++segs <= len + 1);
        }
    }
    free(sp);
}

/* ---- merging ------------------------------------------------------------------------------ */

/* Merges the nseg reference segments of `whole` (mss each, the last shorter), expects one run
 * holding all, and checks the header and that it splits back into the same packets. */
static void merge_and_split(const spec *whole, size_t mss)
{
    uint8_t *gbuf = big(), *pkt = big(), *seg;
    size_t nseg = (whole->plen + mss - 1) / mss, k, n, total = 0;
    px_gro gr;
    px_vnet_hdr h;
    px_gso g;
    px_gro_init(&gr, gbuf, 1);
    for (k = 0; k < nseg; k++) {
        spec s = seg_spec(whole, mss, k, nseg);
        n = mk(&s, pkt);
        assert_int_equal(px_gro_add(&gr, pkt, n), 1);
        total += s.plen;
    }
    assert_int_equal(gr.count, nseg);
    n = px_gro_finish(&gr);
    assert_int_equal(n, PX_VNET_HDR_LEN + hdrlen(whole) + total);
    assert_int_equal(gr.len, 0);
    px_vnet_hdr_get(&h, gbuf);
    if (nseg == 1) {
        spec s = seg_spec(whole, mss, 0, 1);
        assert_int_equal(h.gso_type, PX_VNET_GSO_NONE);
        assert_int_equal(h.flags, 0);
        mk(&s, pkt);
        assert_memory_equal(gbuf + PX_VNET_HDR_LEN, pkt, n - PX_VNET_HDR_LEN);
    } else {
        assert_int_equal(h.flags, PX_VNET_F_NEEDS_CSUM);
        assert_int_equal(h.gso_type, whole->udp  ? PX_VNET_GSO_UDP_L4
                                     : whole->v6 ? PX_VNET_GSO_TCPV6
                                                 : PX_VNET_GSO_TCPV4);
        assert_int_equal(h.gso_size, mss);
        assert_int_equal(h.hdr_len, hdrlen(whole));
        assert_int_equal(h.csum_start, l4off(whole));
        assert_int_equal(h.csum_offset, whole->udp ? 6 : 16);
    }
    assert_int_equal(px_gso_begin(&g, &h, gbuf + PX_VNET_HDR_LEN, n - PX_VNET_HDR_LEN), 0);
    for (k = 0; k < nseg; k++) {
        spec s = seg_spec(whole, mss, k, nseg);
        size_t wl = mk(&s, pkt);
        assert_int_equal(px_gso_next(&g, &seg), wl);
        assert_memory_equal(seg, pkt, wl);
    }
    assert_int_equal(px_gso_next(&g, &seg), 0);
    free(gbuf);
    free(pkt);
}

static void merge_round_trip(void **state)
{
    static const size_t plens[] = {1, 1328, 1329, 5 * 1328, 5 * 1328 + 7, 49 * 1328};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof plens / sizeof plens[0]; i++) {
        spec t4 = {0, 0, 0xFFFFFF00u, 9, 0x18, 0xFFFE, 0, plens[i], 1, 77, 0}; /* PSH at the end */
        spec t6 = {1, 0, 100, 9, 0x10, 0, 0, plens[i], 1, 77, 0};
        spec u4 = {0, 1, 0, 0, 0, 0xFFFF, 0, plens[i], 0, 0, 0};
        spec u6 = {1, 1, 0, 0, 0, 0, 0, plens[i], 0, 0, 0};
        merge_and_split(&t4, 1328);
        merge_and_split(&t6, 1328);
        merge_and_split(&u4, 1328);
        merge_and_split(&u6, 1328);
    }
}

/* Offers `b` after a run holding `a`: returns px_gro_add's answer. */
static int follows(const spec *a, const spec *b, int allow_udp)
{
    uint8_t *gbuf = big(), pkt[2000];
    px_gro gr;
    int r;
    px_gro_init(&gr, gbuf, allow_udp);
    r = px_gro_add(&gr, pkt, mk(a, pkt));
    assert_int_equal(r, 1);
    r = px_gro_add(&gr, pkt, mk(b, pkt));
    free(gbuf);
    return r;
}

static void merge_refuses(void **state)
{
    spec a = {0, 0, 1000, 5, 0x10, 7, 0, 1000, 1, 50, 0}, b;
    spec ua = {1, 1, 0, 0, 0, 0, 0, 1000, 0, 0, 0}, ub;
    uint8_t *gbuf = big(), pkt[2000];
    px_gro gr;
    size_t n;
    unsigned k;
    (void)state;
    b = a, b.seq = 2000, b.id = 8, b.off = 1000;
    assert_int_equal(follows(&a, &b, 1), 1); /* the next segment */
    b.seq = 2001;
    assert_int_equal(follows(&a, &b, 1), 0); /* a gap */
    b = a, b.seq = 2000, b.id = 9;
    assert_int_equal(follows(&a, &b, 1), 0); /* IPv4 ID does not count up */
    b = a, b.seq = 2000, b.id = 8, b.ack = 6;
    assert_int_equal(follows(&a, &b, 1), 0); /* another ACK */
    b = a, b.seq = 2000, b.id = 8, b.tsval = 51;
    assert_int_equal(follows(&a, &b, 1), 0); /* other options */
    b = a, b.seq = 2000, b.id = 8, b.sport = 40001;
    assert_int_equal(follows(&a, &b, 1), 0); /* another flow */
    b = a, b.seq = 2000, b.id = 8, b.plen = 1001;
    assert_int_equal(follows(&a, &b, 1), 0); /* longer than the first */
    b = a, b.seq = 2000, b.id = 8, b.flags = 0x11;
    assert_int_equal(follows(&a, &b, 1), 0); /* FIN */
    b = a, b.seq = 2000, b.id = 8, b.v6 = 1;
    assert_int_equal(follows(&a, &b, 1), 0);
    b = a, b.seq = 2000, b.id = 8, b.udp = 1;
    assert_int_equal(follows(&a, &b, 1), 0);
    ub = ua, ub.off = 1000;
    assert_int_equal(follows(&ua, &ub, 1), 1);
    ub.plen = 999;
    assert_int_equal(follows(&ua, &ub, 1), 1); /* shorter: joins, and ends the run */

    /* A short segment, or PSH, ends the run. */
    px_gro_init(&gr, gbuf, 1);
    b = a, b.plen = 500;
    assert_int_equal(px_gro_add(&gr, pkt, mk(&a, pkt)), 1);
    assert_int_equal(px_gro_full(&gr), 0);
    b.seq = 2000, b.id = 8;
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 1);
    assert_int_equal(px_gro_full(&gr), 1);
    b.seq = 2500, b.id = 9;
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 0);
    px_gro_finish(&gr);
    b = a, b.flags = 0x18;
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 1);
    assert_int_equal(px_gro_full(&gr), 1);
    px_gro_finish(&gr);

    /* Not candidates at all: the caller writes them alone. */
    b = a, b.plen = 0; /* a pure ACK */
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 0);
    b = a, b.flags = 0x02; /* SYN */
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 0);
    n = mk(&a, pkt);
    pkt[9] = 1; /* ICMP */
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    n = mk(&a, pkt);
    pkt[6] |= 0x20; /* a fragment */
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    n = mk(&a, pkt);
    assert_int_equal(px_gro_add(&gr, pkt, n - 1), 0); /* cut short */
    n = mk(&ua, pkt);
    pkt[46] = pkt[47] = 0; /* UDP without a checksum */
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    assert_int_equal(follows(&a, &a, 1) == 0, 1); /* the same segment again */
    assert_int_equal(gr.len, 0);
    px_gro_init(&gr, gbuf, 0); /* no UDP GSO on this TUN */
    assert_int_equal(px_gro_add(&gr, pkt, mk(&ua, pkt)), 0);

    /* A wrong checksum never joins (the kernel would not check it in a merged packet). */
    px_gro_init(&gr, gbuf, 1);
    n = mk(&a, pkt);
    pkt[100] ^= 0x40;
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    assert_int_equal(gr.bad_csum, 1);
    assert_int_equal(px_gro_add(&gr, pkt, mk(&a, pkt)), 1);
    b = a, b.seq = 2000, b.id = 8, b.off = 1000;
    n = mk(&b, pkt);
    pkt[n - 1] ^= 1;
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    n = mk(&b, pkt);
    pkt[11] ^= 1; /* the IPv4 header checksum */
    assert_int_equal(px_gro_add(&gr, pkt, n), 0);
    assert_int_equal(gr.bad_csum, 3);
    assert_int_equal(gr.count, 1);
    px_gro_finish(&gr);

    /* At most PX_GRO_MAX_SEGS packets, at most PX_GRO_MAX_LEN octets. */
    b = a, b.plen = 100;
    for (k = 0; k < PX_GRO_MAX_SEGS; k++) {
        assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 1);
        b.seq += 100, b.id++, b.off += 100;
    }
    assert_int_equal(px_gro_full(&gr), 1);
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 0);
    px_gro_finish(&gr);
    b = a, b.plen = 1400;
    for (k = 0; k < 46; k++) {
        assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 1);
        b.seq += 1400, b.id++, b.off += 1400;
    }
    assert_int_equal(px_gro_add(&gr, pkt, mk(&b, pkt)), 0); /* 20 + 32 + 47 * 1400 > 65535 */
    assert_true(px_gro_finish(&gr) <= PX_VNET_HDR_LEN + PX_GRO_MAX_LEN);
    assert_int_equal(px_gro_finish(&gr), 0);
    free(gbuf);
}

/* Trailing octets past the IP length (link padding) are not part of the packet. */
static void merge_ignores_padding(void **state)
{
    uint8_t *gbuf = big(), pkt[2000];
    spec a = {0, 0, 1, 1, 0x10, 1, 0, 30, 0, 0, 0};
    px_gro gr;
    size_t n;
    (void)state;
    px_gro_init(&gr, gbuf, 1);
    n = mk(&a, pkt);
    memset(pkt + n, 0xEE, 6);
    assert_int_equal(px_gro_add(&gr, pkt, n + 6), 1);
    assert_int_equal(px_gro_finish(&gr), PX_VNET_HDR_LEN + n);
    free(gbuf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csum_matches_reference),
        cmocka_unit_test(vnet_hdr_round_trip),
        cmocka_unit_test(split_tcp),
        cmocka_unit_test(split_udp),
        cmocka_unit_test(checksum_only),
        cmocka_unit_test(split_refuses),
        cmocka_unit_test(split_survives_garbage),
        cmocka_unit_test(merge_round_trip),
        cmocka_unit_test(merge_refuses),
        cmocka_unit_test(merge_ignores_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
