/*
 * test_inet.c: inner-packet helpers (inet.c): Internet checksum, pseudo-headers, IPv4/IPv6/UDP
 * parsing and building.
 *
 *   test_inet                      runs the tests
 *   test_inet --write-corpus DIR   writes the fuzz_inet seed corpus into DIR and exits
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/bytes.h"
#include "mip6tls/common.h"
#include "mip6tls/inet.h"
#include "testutil.h"

static const uint8_t S6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t D6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t S4[4] = {192, 0, 2, 1};
static const uint8_t D4[4] = {198, 51, 100, 2};

/* An IPv4 header (TTL 64, UDP, 192.168.0.1 -> 192.168.0.199) with its checksum 0xb861: the
 * worked example of the Wikipedia article "Internet checksum" (IPv4 header checksum). */
static const char IP4_KAT[] = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

/* Cross-checked with Wireshark 4 ("[Checksum Status: Good]" for UDP and the IPv4 header):
 * IPv4/UDP 192.0.2.1:4191 -> 198.51.100.2:7872, DF, TTL 64, payload "hello". */
static const char IP4_UDP_KAT[] = "45000021 00004000 40114e95 c0000201 c6336402"
                                  "105f1ec0 000da0ab 68656c6c 6f";
/* UDP 2001:db8::1:1234 -> 2001:db8::2:7872, payload "mip6tls" (odd length), same check. */
static const char UDP6_KAT[] = "04d21ec0 000fbbbc 6d697036 746c73";

/* Runs `parse` on an exact-size heap copy of pkt[0..n) so AddressSanitizer sees any read
 * past n. */
typedef int (*parse_fn)(const uint8_t *p, size_t n, void *out);

static int run_exact(parse_fn parse, const uint8_t *pkt, size_t n, void *out)
{
    uint8_t *copy = malloc(n ? n : 1);
    int rc;
    assert_non_null(copy);
    if (n)
        memcpy(copy, pkt, n);
    rc = parse(copy, n, out);
    free(copy);
    return rc;
}

static int p_ip4(const uint8_t *p, size_t n, void *out)
{
    return mip6tls_ip4_parse(p, n, out);
}

static int p_ip6(const uint8_t *p, size_t n, void *out)
{
    return mip6tls_ip6_parse(p, n, out);
}

static int p_ip(const uint8_t *p, size_t n, void *out)
{
    return mip6tls_ip_parse(p, n, out);
}

static int p_udp_v6(const uint8_t *p, size_t n, void *out)
{
    mip6tls_addr s, d;
    mip6tls_addr_set6(&s, S6);
    mip6tls_addr_set6(&d, D6);
    return mip6tls_udp_parse(p, n, &s, &d, out);
}

static void cksum_rfc1071_example(void **state)
{
    /* RFC 1071 §3 numerical example: the sum of 0001 f203 f4f5 f6f7 is ddf2 (with carries
     * folded), so the checksum is ~ddf2 = 220d. */
    static const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    (void)state;
    assert_int_equal(mip6tls_cksum(d, sizeof d), 0x220d);
    assert_int_equal(mip6tls_cksum(NULL, 0), 0xFFFF);
    /* An odd final octet counts as the high byte of a zero-padded word (RFC 1071 §4.1). */
    assert_int_equal(mip6tls_cksum(d, 3), (uint16_t) ~(0x0001 + 0xf200));
}

static void cksum_incremental_any_split(void **state)
{
    uint8_t d[301];
    uint16_t whole;
    size_t a, b;
    (void)state;
    tu_fill(d, sizeof d, 7);
    whole = mip6tls_cksum(d, sizeof d);
    for (a = 0; a <= sizeof d; a += 7) {
        for (b = a; b <= sizeof d; b += 13) {
            mip6tls_cksum_ctx c;
            mip6tls_cksum_init(&c);
            mip6tls_cksum_add(&c, d, a);
            mip6tls_cksum_add(&c, d + a, b - a);
            mip6tls_cksum_add(&c, NULL, 0);
            mip6tls_cksum_add(&c, d + b, sizeof d - b);
            assert_int_equal(mip6tls_cksum_final(&c), whole);
        }
    }
    /* Single octets one by one. */
    {
        mip6tls_cksum_ctx c;
        mip6tls_cksum_init(&c);
        for (a = 0; a < sizeof d; a++)
            mip6tls_cksum_add(&c, d + a, 1);
        assert_int_equal(mip6tls_cksum_final(&c), whole);
    }
}

static void cksum_rfc1624_update(void **state)
{
    uint8_t h[20];
    int i;
    (void)state;
    /* RFC 1624 §4: HC 0xDD2F, m 0x5555 -> m' 0x3285 gives HC' 0x0000 with eqn. 3. */
    assert_int_equal(mip6tls_cksum_update16(0xDD2F, 0x5555, 0x3285), 0x0000);
    /* A TTL decrement updated incrementally equals a full recomputation. */
    assert_int_equal(tu_unhex(h, sizeof h, IP4_KAT), 20);
    for (i = 0; i < 64; i++) {
        uint16_t old = mip6tls_get16(h + 8), ck = mip6tls_get16(h + 10), upd;
        h[8]--;
        upd = mip6tls_cksum_update16(ck, old, mip6tls_get16(h + 8));
        mip6tls_put16(h + 10, 0);
        assert_int_equal(upd, mip6tls_cksum(h, 20));
        mip6tls_put16(h + 10, upd);
        assert_int_equal(mip6tls_cksum(h, 20), 0);
    }
}

static void pseudo_headers(void **state)
{
    mip6tls_addr a4, b4, a6, b6;
    uint8_t u[15];
    (void)state;
    mip6tls_addr_set4(&a4, S4);
    mip6tls_addr_set4(&b4, D4);
    mip6tls_addr_set6(&a6, S6);
    mip6tls_addr_set6(&b6, D6);
    assert_int_equal(tu_unhex(u, sizeof u, UDP6_KAT), 15);
    /* A correct checksum verifies to 0. */
    assert_int_equal(mip6tls_inet_ulp_cksum(&a6, &b6, MIP6TLS_IPPROTO_UDP, u, 15), 0);
    /* With the field zeroed it gives the checksum itself. */
    u[6] = u[7] = 0;
    assert_int_equal(mip6tls_inet_ulp_cksum(&a6, &b6, MIP6TLS_IPPROTO_UDP, u, 15), 0xbbbc);
    /* Families must agree and be set. */
    assert_int_equal(mip6tls_inet_ulp_cksum(&a4, &b6, 17, u, 15), MIP6TLS_ERR_ARG);
    memset(&a6, 0, sizeof a6);
    memset(&b6, 0, sizeof b6);
    assert_int_equal(mip6tls_inet_ulp_cksum(&a6, &b6, 17, u, 15), MIP6TLS_ERR_ARG);
    /* IPv4 lengths are 16 bits. */
    assert_int_equal(mip6tls_inet_ulp_cksum(&a4, &b4, 17, u, 0x10000), MIP6TLS_ERR_ARG);
}

static void ip4_known_header(void **state)
{
    uint8_t pkt[0x73];
    mip6tls_ip4_hdr h;
    uint8_t out[20];
    (void)state;
    memset(pkt, 0xAB, sizeof pkt);
    assert_int_equal(tu_unhex(pkt, sizeof pkt, IP4_KAT), 20);
    assert_int_equal(mip6tls_cksum(pkt, 20), 0);
    assert_int_equal(mip6tls_ip4_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(h.ihl, 5);
    assert_int_equal(h.total_len, 0x73);
    assert_int_equal(h.frag, MIP6TLS_IP4_DF);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.protocol, MIP6TLS_IPPROTO_UDP);
    assert_int_equal(h.checksum, 0xb861);
    assert_int_equal(h.src.family, MIP6TLS_AF_INET);
    assert_memory_equal(h.src.bytes, "\xc0\xa8\x00\x01", 4);
    assert_memory_equal(h.dst.bytes, "\xc0\xa8\x00\xc7", 4);
    assert_null(h.options);
    assert_ptr_equal(h.payload, pkt + 20);
    assert_int_equal(h.payload_len, 0x73 - 20);
    /* Building the same fields reproduces the header, checksum included. */
    assert_int_equal(mip6tls_ip4_build(&h, out, sizeof out), 20);
    assert_memory_equal(out, pkt, 20);
    assert_int_equal(mip6tls_ip4_build(&h, out, 19), MIP6TLS_ERR_NOBUF);
    h.total_len = 19;
    assert_int_equal(mip6tls_ip4_build(&h, out, sizeof out), MIP6TLS_ERR_ARG);
    h.total_len = 20;
    h.src.family = MIP6TLS_AF_INET6;
    assert_int_equal(mip6tls_ip4_build(&h, out, sizeof out), MIP6TLS_ERR_ARG);
}

static void ip4_rejects(void **state)
{
    uint8_t pkt[0x73], bad[0x73];
    mip6tls_ip4_hdr h;
    size_t n;
    (void)state;
    memset(pkt, 0, sizeof pkt);
    assert_int_equal(tu_unhex(pkt, sizeof pkt, IP4_KAT), 20);
    /* Every truncation is an error, and a read past the end would trip ASan. */
    for (n = 0; n < sizeof pkt; n++)
        assert_int_equal(run_exact(p_ip4, pkt, n, &h), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(run_exact(p_ip4, pkt, sizeof pkt, &h), 0);
    /* Trailing octets (link padding) are not part of the packet. */
    {
        uint8_t longer[0x80];
        memset(longer, 0, sizeof longer);
        memcpy(longer, pkt, sizeof pkt);
        assert_int_equal(run_exact(p_ip4, longer, sizeof longer, &h), 0);
        assert_int_equal(h.total_len, 0x73);
        assert_int_equal(h.payload_len, 0x73 - 20);
    }
    /* Version. */
    memcpy(bad, pkt, sizeof bad);
    bad[0] = 0x65;
    assert_int_equal(mip6tls_ip4_parse(bad, sizeof bad, &h), MIP6TLS_ERR_VERSION);
    /* IHL below 5. */
    bad[0] = 0x44;
    assert_int_equal(mip6tls_ip4_parse(bad, sizeof bad, &h), MIP6TLS_ERR_MALFORMED);
    /* Total Length shorter than the header. */
    memcpy(bad, pkt, sizeof bad);
    mip6tls_put16(bad + 2, 19);
    mip6tls_put16(bad + 10, 0);
    mip6tls_put16(bad + 10, mip6tls_cksum(bad, 20));
    assert_int_equal(mip6tls_ip4_parse(bad, sizeof bad, &h), MIP6TLS_ERR_LENGTH);
    /* Any flipped header bit breaks the checksum. */
    for (n = 0; n < 20 * 8; n++) {
        int rc;
        memcpy(bad, pkt, sizeof bad);
        bad[n / 8] ^= (uint8_t)(1u << (n % 8));
        rc = mip6tls_ip4_parse(bad, sizeof bad, &h);
        assert_true(rc < 0);
        if (n / 8 >= 4) /* past version/IHL/TOS/length: only the checksum catches it */
            assert_int_equal(rc, MIP6TLS_ERR_CHECKSUM);
    }
}

static void ip4_options(void **state)
{
    uint8_t pkt[28];
    mip6tls_ip4_hdr h;
    size_t n;
    (void)state;
    /* IHL 6: one option word (NOP NOP NOP EOL), then 4 payload octets. */
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0x46;
    mip6tls_put16(pkt + 2, sizeof pkt);
    pkt[8] = 1;
    pkt[9] = 6;
    memcpy(pkt + 12, S4, 4);
    memcpy(pkt + 16, D4, 4);
    pkt[20] = pkt[21] = pkt[22] = 1;
    memcpy(pkt + 24, "data", 4);
    mip6tls_put16(pkt + 10, mip6tls_cksum(pkt, 24));
    assert_int_equal(mip6tls_ip4_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(h.ihl, 6);
    assert_ptr_equal(h.options, pkt + 20);
    assert_int_equal(h.options_len, 4);
    assert_ptr_equal(h.payload, pkt + 24);
    assert_int_equal(h.payload_len, 4);
    for (n = 0; n < sizeof pkt; n++)
        assert_true(run_exact(p_ip4, pkt, n, &h) < 0);
}

static void ip6_round_trip_and_rejects(void **state)
{
    mip6tls_ip6_hdr h, g;
    uint8_t pkt[48], bad[48];
    size_t n;
    (void)state;
    memset(&h, 0, sizeof h);
    h.traffic_class = 0xB8;
    h.flow_label = 0xABCDE;
    h.payload_len = 8;
    h.next_header = MIP6TLS_IPPROTO_NONE;
    h.hop_limit = 255;
    mip6tls_addr_set6(&h.src, S6);
    mip6tls_addr_set6(&h.dst, D6);
    memset(pkt, 0xEE, sizeof pkt);
    assert_int_equal(mip6tls_ip6_build(&h, pkt, sizeof pkt), 40);
    /* RFC 8200 §3 layout, by hand. */
    assert_memory_equal(pkt, "\x6b\x8a\xbc\xde\x00\x08\x3b\xff", 8);
    assert_memory_equal(pkt + 8, S6, 16);
    assert_memory_equal(pkt + 24, D6, 16);
    assert_int_equal(mip6tls_ip6_parse(pkt, sizeof pkt, &g), 0);
    assert_int_equal(g.traffic_class, 0xB8);
    assert_int_equal(g.flow_label, 0xABCDE);
    assert_int_equal(g.payload_len, 8);
    assert_int_equal(g.next_header, MIP6TLS_IPPROTO_NONE);
    assert_int_equal(g.hop_limit, 255);
    assert_true(mip6tls_addr_eq(&g.src, &h.src));
    assert_true(mip6tls_addr_eq(&g.dst, &h.dst));
    assert_ptr_equal(g.payload, pkt + 40);
    assert_int_equal(g.total_len, 48);
    for (n = 0; n < sizeof pkt; n++)
        assert_int_equal(run_exact(p_ip6, pkt, n, &g), MIP6TLS_ERR_TRUNCATED);
    memcpy(bad, pkt, sizeof bad);
    bad[0] = 0x4b;
    assert_int_equal(mip6tls_ip6_parse(bad, sizeof bad, &g), MIP6TLS_ERR_VERSION);
    /* Payload Length 0: an empty payload, trailing octets ignored. */
    memcpy(bad, pkt, sizeof bad);
    bad[4] = bad[5] = 0;
    assert_int_equal(mip6tls_ip6_parse(bad, sizeof bad, &g), 0);
    assert_int_equal(g.total_len, 40);
    /* Builder argument checks. */
    assert_int_equal(mip6tls_ip6_build(&h, pkt, 39), MIP6TLS_ERR_NOBUF);
    h.flow_label = 0x100000;
    assert_int_equal(mip6tls_ip6_build(&h, pkt, sizeof pkt), MIP6TLS_ERR_ARG);
    h.flow_label = 0;
    mip6tls_addr_set4(&h.dst, D4);
    assert_int_equal(mip6tls_ip6_build(&h, pkt, sizeof pkt), MIP6TLS_ERR_ARG);
}

static void ip_parse_either_version(void **state)
{
    uint8_t p4[0x21], p6[40 + 15];
    mip6tls_ip_info info;
    mip6tls_ip6_hdr h6;
    size_t n;
    (void)state;
    assert_int_equal(tu_unhex(p4, sizeof p4, IP4_UDP_KAT), sizeof p4);
    assert_int_equal(mip6tls_ip_parse(p4, sizeof p4, &info), 0);
    assert_int_equal(info.version, 4);
    assert_int_equal(info.protocol, MIP6TLS_IPPROTO_UDP);
    assert_int_equal(info.hop_limit, 64);
    assert_int_equal(info.hdr_len, 20);
    assert_int_equal(info.total_len, sizeof p4);
    assert_int_equal(info.src.family, MIP6TLS_AF_INET);
    assert_memory_equal(info.src.bytes, S4, 4);
    assert_memory_equal(info.dst.bytes, D4, 4);
    for (n = 0; n < sizeof p4; n++)
        assert_true(run_exact(p_ip, p4, n, &info) < 0);

    memset(&h6, 0, sizeof h6);
    h6.payload_len = 15;
    h6.next_header = MIP6TLS_IPPROTO_UDP;
    h6.hop_limit = 9;
    mip6tls_addr_set6(&h6.src, S6);
    mip6tls_addr_set6(&h6.dst, D6);
    assert_int_equal(mip6tls_ip6_build(&h6, p6, sizeof p6), 40);
    assert_int_equal(tu_unhex(p6 + 40, 15, UDP6_KAT), 15);
    assert_int_equal(mip6tls_ip_parse(p6, sizeof p6, &info), 0);
    assert_int_equal(info.version, 6);
    assert_int_equal(info.hop_limit, 9);
    assert_int_equal(info.hdr_len, 40);
    assert_int_equal(info.total_len, sizeof p6);
    assert_memory_equal(info.src.bytes, S6, 16);
    assert_memory_equal(info.dst.bytes, D6, 16);
    for (n = 0; n < sizeof p6; n++)
        assert_true(run_exact(p_ip, p6, n, &info) < 0);
    p6[0] = 0x50;
    assert_int_equal(mip6tls_ip_parse(p6, sizeof p6, &info), MIP6TLS_ERR_VERSION);
}

static void udp_known_answers(void **state)
{
    uint8_t kat6[15], kat4[0x21], out[64];
    mip6tls_addr a6, b6, a4, b4;
    mip6tls_endpoint e1, e2;
    mip6tls_udp_hdr u;
    size_t n;
    (void)state;
    mip6tls_addr_set6(&a6, S6);
    mip6tls_addr_set6(&b6, D6);
    mip6tls_addr_set4(&a4, S4);
    mip6tls_addr_set4(&b4, D4);
    assert_int_equal(tu_unhex(kat6, sizeof kat6, UDP6_KAT), sizeof kat6);
    assert_int_equal(tu_unhex(kat4, sizeof kat4, IP4_UDP_KAT), sizeof kat4);

    assert_int_equal(
        mip6tls_udp_build(&a6, 1234, &b6, 7872, (const uint8_t *)"mip6tls", 7, out, sizeof out),
        15);
    assert_memory_equal(out, kat6, 15);
    assert_int_equal(mip6tls_udp_parse(kat6, sizeof kat6, &a6, &b6, &u), 0);
    assert_int_equal(u.sport, 1234);
    assert_int_equal(u.dport, 7872);
    assert_int_equal(u.length, 15);
    assert_int_equal(u.checksum, 0xbbbc);
    assert_int_equal(u.payload_len, 7);
    assert_memory_equal(u.payload, "mip6tls", 7);
    for (n = 0; n < sizeof kat6; n++)
        assert_true(run_exact(p_udp_v6, kat6, n, &u) < 0);
    /* The wrong pseudo-header does not verify (swapping src and dst would: the sum is
     * commutative); no addresses, no verification. */
    b6.bytes[15] ^= 0x10;
    assert_int_equal(mip6tls_udp_parse(kat6, sizeof kat6, &a6, &b6, &u), MIP6TLS_ERR_CHECKSUM);
    b6.bytes[15] ^= 0x10;
    assert_int_equal(mip6tls_udp_parse(kat6, sizeof kat6, NULL, NULL, &u), 0);
    assert_int_equal(mip6tls_udp_parse(kat6, sizeof kat6, &a6, NULL, &u), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_udp_parse(kat6, sizeof kat6, &a6, &b4, &u), MIP6TLS_ERR_ARG);

    /* The whole IPv4/UDP packet, byte for byte. */
    e1.addr = a4;
    e1.port = 4191;
    e2.addr = b4;
    e2.port = 7872;
    assert_int_equal(
        mip6tls_ip_udp_build(&e1, &e2, 64, (const uint8_t *)"hello", 5, out, sizeof out),
        sizeof kat4);
    assert_memory_equal(out, kat4, sizeof kat4);
    assert_int_equal(
        mip6tls_ip_udp_build(&e1, &e2, 64, (const uint8_t *)"hello", 5, out, sizeof kat4 - 1),
        MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_udp_parse(kat4 + 20, sizeof kat4 - 20, &a4, &b4, &u), 0);
    assert_int_equal(u.sport, 4191);
    assert_int_equal(u.checksum, 0xa0ab);
    /* IPv6/UDP whole packet: header then the KAT datagram. */
    e1.addr = a6;
    e1.port = 1234;
    e2.addr = b6;
    assert_int_equal(
        mip6tls_ip_udp_build(&e1, &e2, 64, (const uint8_t *)"mip6tls", 7, out, sizeof out), 55);
    assert_memory_equal(out + 40, kat6, 15);
    assert_memory_equal(out, "\x60\x00\x00\x00\x00\x0f\x11\x40", 8);
    e2.addr = b4;
    assert_int_equal(mip6tls_ip_udp_build(&e1, &e2, 64, NULL, 0, out, sizeof out), MIP6TLS_ERR_ARG);
}

static void udp_zero_checksum_rules(void **state)
{
    uint8_t pl[6] = {1, 2, 3, 4, 0, 0}, out[14], seg[14];
    mip6tls_addr a6, b6, a4, b4;
    mip6tls_udp_hdr u;
    int ck;
    (void)state;
    mip6tls_addr_set6(&a6, S6);
    mip6tls_addr_set6(&b6, D6);
    mip6tls_addr_set4(&a4, S4);
    mip6tls_addr_set4(&b4, D4);
    /* Make the payload's last word the checksum of the rest: the datagram's sum is then
     * 0xFFFF, its computed checksum 0, which RFC 768 sends as 0xFFFF. */
    assert_int_equal(mip6tls_udp_build(&a4, 1, &b4, 2, pl, sizeof pl, out, sizeof out), 14);
    ck = mip6tls_get16(out + 6);
    mip6tls_put16(pl + 4, (uint16_t)ck);
    assert_int_equal(mip6tls_udp_build(&a4, 1, &b4, 2, pl, sizeof pl, out, sizeof out), 14);
    assert_int_equal(mip6tls_get16(out + 6), 0xFFFF);
    assert_int_equal(mip6tls_udp_parse(out, sizeof out, &a4, &b4, &u), 0);
    /* Zero checksum: "none" over IPv4, invalid over IPv6 (RFC 8200 §8.1). */
    memcpy(seg, out, sizeof seg);
    seg[6] = seg[7] = 0;
    assert_int_equal(mip6tls_udp_parse(seg, sizeof seg, &a4, &b4, &u), 0);
    assert_int_equal(mip6tls_udp_parse(seg, sizeof seg, &a6, &b6, &u), MIP6TLS_ERR_CHECKSUM);
    /* Length below 8, above the buffer; octets past Length ignored. */
    mip6tls_put16(seg + 4, 7);
    assert_int_equal(mip6tls_udp_parse(seg, sizeof seg, NULL, NULL, &u), MIP6TLS_ERR_LENGTH);
    mip6tls_put16(seg + 4, 15);
    assert_int_equal(mip6tls_udp_parse(seg, sizeof seg, NULL, NULL, &u), MIP6TLS_ERR_TRUNCATED);
    mip6tls_put16(seg + 4, 9);
    assert_int_equal(mip6tls_udp_parse(seg, sizeof seg, NULL, NULL, &u), 0);
    assert_int_equal(u.payload_len, 1);
    /* Built in place: the payload already at out + 8. */
    memcpy(out + 8, "abcdef", 6);
    assert_int_equal(mip6tls_udp_build(&a6, 9, &b6, 10, out + 8, 6, out, sizeof out), 14);
    assert_memory_equal(out + 8, "abcdef", 6);
    assert_int_equal(mip6tls_udp_parse(out, sizeof out, &a6, &b6, &u), 0);
    /* Builder limits. */
    assert_int_equal(mip6tls_udp_build(&a6, 9, &b6, 10, out + 8, 6, out, 13), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_udp_build(&a6, 9, &b6, 10, NULL, 0x10000 - 8, out, sizeof out),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_udp_build(&a6, 9, &b4, 10, NULL, 0, out, sizeof out), MIP6TLS_ERR_ARG);
}

/* ---- seed corpus for fuzz_inet ---- */

static int write_seed(const char *dir, const char *name, const uint8_t *d, size_t n)
{
    return tu_write_file(dir, name, NULL, 0, d, n);
}

static int write_corpus(const char *dir)
{
    uint8_t b[128];
    mip6tls_endpoint e1, e2;
    int n, err = 0;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    mip6tls_addr_set4(&e1.addr, S4);
    mip6tls_addr_set4(&e2.addr, D4);
    e1.port = 4191;
    e2.port = 7872;
    n = mip6tls_ip_udp_build(&e1, &e2, 64, (const uint8_t *)"hello", 5, b, sizeof b);
    err |= n < 0 || write_seed(dir, "ipv4-udp-df", b, (size_t)n);
    mip6tls_addr_set6(&e1.addr, S6);
    mip6tls_addr_set6(&e2.addr, D6);
    n = mip6tls_ip_udp_build(&e1, &e2, 64, (const uint8_t *)"mip6tls", 7, b, sizeof b);
    err |= n < 0 || write_seed(dir, "ipv6-udp-odd-payload", b, (size_t)n);
    n = mip6tls_ip_udp_build(&e1, &e2, 1, NULL, 0, b, sizeof b);
    err |= n < 0 || write_seed(dir, "ipv6-udp-empty", b, (size_t)n);
    err |= tu_unhex(b, sizeof b, IP4_KAT) != 20 || write_seed(dir, "ipv4-hdr-only-kat", b, 20);
    {
        /* IPv4 with one option word, ICMP payload. */
        uint8_t p[28] = {0x46, 0, 0,  28, 0, 1, 0, 0, 5, 1, 0, 0, 10, 0,
                         0,    1, 10, 0,  0, 2, 1, 1, 1, 0, 8, 0, 0,  0};
        mip6tls_put16(p + 10, mip6tls_cksum(p, 24));
        err |= write_seed(dir, "ipv4-options", p, sizeof p);
    }
    {
        /* IPv6 with a Destination Options header, not walked by the parser. */
        mip6tls_ip6_hdr h;
        memset(&h, 0, sizeof h);
        h.payload_len = 8;
        h.next_header = MIP6TLS_IPPROTO_DSTOPTS;
        h.hop_limit = 64;
        mip6tls_addr_set6(&h.src, S6);
        mip6tls_addr_set6(&h.dst, D6);
        n = mip6tls_ip6_build(&h, b, sizeof b);
        memcpy(b + 40, "\x3b\x00\x01\x04\x00\x00\x00\x00", 8);
        err |= n < 0 || write_seed(dir, "ipv6-dstopts", b, 48);
    }
    return err ? 1 : 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cksum_rfc1071_example),
        cmocka_unit_test(cksum_incremental_any_split),
        cmocka_unit_test(cksum_rfc1624_update),
        cmocka_unit_test(pseudo_headers),
        cmocka_unit_test(ip4_known_header),
        cmocka_unit_test(ip4_rejects),
        cmocka_unit_test(ip4_options),
        cmocka_unit_test(ip6_round_trip_and_rejects),
        cmocka_unit_test(ip_parse_either_version),
        cmocka_unit_test(udp_known_answers),
        cmocka_unit_test(udp_zero_checksum_rules),
    };
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
