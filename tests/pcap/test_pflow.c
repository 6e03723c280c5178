/*
 * test_pflow.c: the library behind mip6tls-pcap-flow (pflow.h) on crafted inputs: esp_sa rows
 * (valid ones of every suite the scenarios write, and every way a line can be malformed), the
 * link layers (every supported type, and truncation at every length), the decoding of BUs,
 * BAs and data sealed here with the core's ESP, and whole captures written with libpcap and
 * compared with one thing changed (a BA status, the SPI order, a time, a missing frame).
 */
#define _DEFAULT_SOURCE /* libpcap's headers use u_int, u_char; mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/esp.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"
#include "pflow.h"
#include "testutil.h"

/* The addresses of the scenarios: HA 2001:db8::1, MN CoA 2001:db8:a::5, HoA 2001:db8:1::100,
 * CN 2001:db8::2. */
static const uint8_t HA[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t COA[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
static const uint8_t HOA[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
static const uint8_t CN[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
#define MN_PORT 40000
#define PORT 7872

static mip6tls_esp_impl impl;

/* ---- building packets -------------------------------------------------------------------- */

static void keys_for(mip6tls_esp_keys *k, uint16_t suite, uint32_t spi, uint64_t seed)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(suite);
    assert_non_null(s);
    memset(k, 0, sizeof *k);
    k->suite = suite;
    k->spi = spi;
    k->ekey_len = s->ekey_len;
    k->ikey_len = s->ikey_len;
    tu_fill(k->mn_to_ha_ekey, s->ekey_len, seed);
    tu_fill(k->ha_to_mn_ekey, s->ekey_len, seed + 1);
    tu_fill(k->mn_to_ha_ikey, s->ikey_len, seed + 2);
    tu_fill(k->ha_to_mn_ikey, s->ikey_len, seed + 3);
}

static void hexkey(char *out, const uint8_t *k, size_t n)
{
    if (n == 0) {
        out[0] = '\0';
        return;
    }
    out[0] = '0';
    out[1] = 'x';
    tu_hex(out + 2, k, n);
}

/* Appends the four esp_sa rows of an SA (PType 8 and 1, both directions) to text[cap], in the
 * form of scenarios/common/scenario-common.cc. */
static void sa_rows(char *text, size_t cap, const mip6tls_esp_keys *k)
{
    const char *enc = "", *auth = "";
    switch (k->suite) {
    case MIP6TLS_SUITE_AES_128_GCM_SHA256:
        enc = "AES-GCM with 16 octet ICV [RFC4106]";
        auth = "NULL";
        break;
    case MIP6TLS_SUITE_AES_128_CBC_SHA:
        enc = "AES-CBC [RFC3602]";
        auth = "HMAC-SHA-1-96 [RFC2404]";
        break;
    case MIP6TLS_SUITE_AES_128_CBC_SHA256:
        enc = "AES-CBC [RFC3602]";
        auth = "ANY 96 bit authentication [no checking]";
        break;
    case MIP6TLS_SUITE_NULL_SHA:
        enc = "NULL";
        auth = "HMAC-SHA-1-96 [RFC2404]";
        break;
    case MIP6TLS_SUITE_3DES_EDE_CBC_SHA:
        enc = "TripleDES-CBC [RFC2451]";
        auth = "HMAC-SHA-1-96 [RFC2404]";
        break;
    default: fail();
    }
    char e[2][80], i[2][48];
    hexkey(e[0], k->mn_to_ha_ekey, k->ekey_len);
    hexkey(e[1], k->ha_to_mn_ekey, k->ekey_len);
    hexkey(i[0], k->mn_to_ha_ikey, k->ikey_len);
    hexkey(i[1], k->ha_to_mn_ikey, k->ikey_len);
    static const uint32_t ptypes[2] = {8, 1};
    for (size_t j = 0; j < 2; j++) {
        uint32_t pt = ptypes[j];
        size_t n = strlen(text);
        snprintf(text + n, cap - n,
                 "\"IPv6\",\"*\",\"2001:db8::1\",\"0x%08x\",\"%s\",\"%s\",\"%s\",\"%s\"\n"
                 "\"IPv6\",\"2001:db8::1\",\"*\",\"0x%08x\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
                 (unsigned)(pt << 28 | k->spi), enc, e[0], auth, i[0],
                 (unsigned)(pt << 28 | k->spi), enc, e[1], auth, i[1]);
    }
}

/* IPv6/UDP from src:sport to dst:dport carrying pl[len]; returns the packet length. */
static size_t udp6(uint8_t *out, size_t cap, const uint8_t src[16], uint16_t sport,
                   const uint8_t dst[16], uint16_t dport, const uint8_t *pl, size_t len)
{
    mip6tls_endpoint s, d;
    memset(&s, 0, sizeof s);
    memset(&d, 0, sizeof d);
    mip6tls_addr_set6(&s.addr, src);
    mip6tls_addr_set6(&d.addr, dst);
    s.port = sport;
    d.port = dport;
    int n = mip6tls_ip_udp_build(&s, &d, 64, pl, len, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* IPv6/TCP segment with `flags` and `plen` payload octets, checksum right. */
static size_t tcp6(uint8_t *out, const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
                   uint16_t dport, uint8_t flags, size_t plen)
{
    mip6tls_ip6_hdr h;
    memset(&h, 0, sizeof h);
    h.payload_len = (uint16_t)(20 + plen);
    h.next_header = 6;
    h.hop_limit = 64;
    mip6tls_addr_set6(&h.src, src);
    mip6tls_addr_set6(&h.dst, dst);
    assert_int_equal(mip6tls_ip6_build(&h, out, 40), 40);
    uint8_t *t = out + 40;
    memset(t, 0, 20 + plen);
    mip6tls_put16(t, sport);
    mip6tls_put16(t + 2, dport);
    t[12] = 5 << 4;
    t[13] = flags;
    mip6tls_put16(t + 14, 65535);
    tu_fill(t + 20, plen, 7);
    int c = mip6tls_inet_ulp_cksum(&h.src, &h.dst, 6, t, 20 + plen);
    assert_true(c >= 0);
    mip6tls_put16(t + 16, (uint16_t)c);
    return 40 + 20 + plen;
}

/* A BU (MN side, with the Home Address option) or BA (HA side) sealed as PType 8 and sent
 * over UDP between the CoA and the HA; returns the IP packet's length. */
static size_t mh_packet(uint8_t *out, size_t cap, mip6tls_esp_sa *sa, uint8_t type, uint16_t seq,
                        uint8_t status, const uint8_t *cksum_hoa)
{
    mip6tls_mh_msg m;
    mip6tls_mh_init(&m, type);
    uint8_t chain[256], esp[512];
    int n;
    if (type == MIP6TLS_MH_BU) {
        m.bu.seq = seq;
        m.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H;
        m.bu.lifetime = 150;
        n = mip6tls_mh_encode_chain(&m, HOA, cksum_hoa, HA, chain, sizeof chain);
    } else {
        m.ba.status = status;
        m.ba.seq = seq;
        m.ba.lifetime = 150;
        m.opt.present = MIP6TLS_MHO_REFRESH_ADVICE;
        m.opt.refresh_interval = 100;
        n = mip6tls_mh_encode_chain(&m, NULL, HA, cksum_hoa, chain, sizeof chain);
    }
    assert_true(n > 0);
    uint8_t nh = type == MIP6TLS_MH_BU ? MIP6TLS_IPPROTO_DSTOPTS : MIP6TLS_MH_NEXT_HEADER;
    int e = mip6tls_esp_seal(sa, MIP6TLS_PTYPE_MH, nh, chain, (size_t)n, esp, sizeof esp);
    assert_true(e > 0);
    if (type == MIP6TLS_MH_BU)
        return udp6(out, cap, COA, MN_PORT, HA, PORT, esp, (size_t)e);
    return udp6(out, cap, HA, PORT, COA, MN_PORT, esp, (size_t)e);
}

/* CN -> HoA UDP, tunnelled by the HA as PType 1. */
static size_t data_packet(uint8_t *out, size_t cap, mip6tls_esp_sa *ha_sa)
{
    uint8_t inner[128], esp[512], pl[12];
    tu_fill(pl, sizeof pl, 3);
    size_t in = udp6(inner, sizeof inner, CN, 6000, HOA, 6000, pl, sizeof pl);
    int e = mip6tls_esp_seal(ha_sa, MIP6TLS_PTYPE_DATA, MIP6TLS_IPPROTO_IPV6, inner, in, esp,
                             sizeof esp);
    assert_true(e > 0);
    return udp6(out, cap, HA, PORT, COA, MN_PORT, esp, (size_t)e);
}

static void load_rows(pflow_sa_table *t, const mip6tls_esp_keys *k)
{
    char text[4096] = "", err[PFLOW_ERR_MAX];
    sa_rows(text, sizeof text, k);
    assert_int_equal(pflow_sa_parse(t, text, strlen(text), err, sizeof err), 0);
}

static void sa_pair(const mip6tls_esp_keys *k, mip6tls_esp_sa *mn, mip6tls_esp_sa *ha)
{
    static const uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(mip6tls_esp_sa_init(mn, &impl, MIP6TLS_ESP_MN, k, salt, 0), 0);
    assert_int_equal(mip6tls_esp_sa_init(ha, &impl, MIP6TLS_ESP_HA, k, salt, 0), 0);
}

/* ---- esp_sa rows ------------------------------------------------------------------------- */

/* Rows of every suite the scenarios can write parse into the keys they came from, with
 * comments, blank lines and CRLF line ends around them. */
static void sa_rows_of_every_suite(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        MIP6TLS_SUITE_AES_128_GCM_SHA256, MIP6TLS_SUITE_AES_128_CBC_SHA,
        MIP6TLS_SUITE_AES_128_CBC_SHA256, MIP6TLS_SUITE_NULL_SHA, MIP6TLS_SUITE_3DES_EDE_CBC_SHA};
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        mip6tls_esp_keys k;
        keys_for(&k, suites[s], 0x3310c42, 100 + s);
        char text[4096] = "# written by hand\r\n\r\n", err[PFLOW_ERR_MAX];
        sa_rows(text, sizeof text, &k);
        pflow_sa_table t;
        pflow_sa_init(&t);
        assert_int_equal(pflow_sa_parse(&t, text, strlen(text), err, sizeof err), 0);
        assert_int_equal(t.n, 4);
        const pflow_sa_row *up = &t.rows[0], *down = &t.rows[3];
        assert_int_equal(up->line, 3);
        assert_int_equal(up->family, MIP6TLS_AF_INET6);
        assert_int_equal(up->src.family, MIP6TLS_AF_NONE);
        assert_memory_equal(up->dst.bytes, HA, 16);
        assert_int_equal(up->spi_word, 0x83310c42u);
        assert_int_equal(down->spi_word, 0x13310c42u);
        assert_memory_equal(down->src.bytes, HA, 16);
        assert_int_equal(up->keys.suite, suites[s]);
        assert_int_equal(up->keys.spi, 0x3310c42u);
        assert_int_equal(up->keys.ekey_len, k.ekey_len);
        assert_int_equal(up->keys.ikey_len, k.ikey_len);
        assert_memory_equal(up->keys.mn_to_ha_ekey, k.mn_to_ha_ekey, k.ekey_len);
        assert_memory_equal(up->keys.mn_to_ha_ikey, k.mn_to_ha_ikey, k.ikey_len);
        assert_memory_equal(down->keys.mn_to_ha_ekey, k.ha_to_mn_ekey, k.ekey_len);
        assert_memory_equal(down->keys.ha_to_mn_ikey, k.ha_to_mn_ikey, k.ikey_len);

        mip6tls_addr coa, ha, other;
        mip6tls_addr_set6(&coa, COA);
        mip6tls_addr_set6(&ha, HA);
        mip6tls_addr_set6(&other, CN);
        assert_ptr_equal(pflow_sa_find(&t, &coa, &ha, 0x83310c42u), &t.rows[0]);
        assert_ptr_equal(pflow_sa_find(&t, &ha, &coa, 0x13310c42u), &t.rows[3]);
        assert_null(pflow_sa_find(&t, &coa, &other, 0x83310c42u)); /* not to the HA */
        assert_null(pflow_sa_find(&t, &coa, &ha, 0x03310c42u));
        pflow_sa_free(&t);
    }
}

/* Each malformed line is refused with its line number and what is wrong, and the table is
 * left as it was. */
static void sa_malformed_lines(void **state)
{
    (void)state;
    static const char good[] =
        "\"IPv6\",\"*\",\"2001:db8::1\",\"0x83310c42\",\"AES-GCM with 16 octet ICV [RFC4106]\","
        "\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"\n";
    static const struct {
        const char *line;
        const char *want;
    } bad[] = {
        {"\"IPv6\",\"*\",\"2001:db8::1\"", "expected 8 fields, found 3"},
        {"IPv6,\"*\"", "field 1 (Protocol): expected '\"'"},
        {"\"IPv6\",\"*", "field 2 (Src IP): no closing '\"'"},
        {"\"IPv6\",\"*\",\"2001:db8::1\",\"0x83310c42\",\"AES-GCM with 16 octet ICV [RFC4106]\","
         "\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\" ",
         "text after the 8th field"},
        {"\"IPv5\",\"*\",\"*\",\"0x83310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "Protocol \"IPv5\" is not"},
        {"\"IPv6\",\"2001:db8::zz\",\"*\",\"0x83310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "Src IP \"2001:db8::zz\" is not \"*\" or an IPv6 address"},
        {"\"IPv4\",\"*\",\"2001:db8::1\",\"0x83310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "Dest IP \"2001:db8::1\" is not \"*\" or an IPv4 address"},
        {"\"IPv6\",\"*\",\"*\",\"83310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "SPI \"83310c42\" is not 0x and 1-8 hex digits"},
        {"\"IPv6\",\"*\",\"*\",\"0x1833310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "is not 0x and 1-8 hex digits"},
        {"\"IPv6\",\"*\",\"*\",\"0x03310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "SPI 0x03310c42: the top nibble (PType) must be 1 or 8"},
        {"\"IPv6\",\"*\",\"*\",\"0x80000000\",\"NULL\",\"\",\"NULL\",\"\"",
         "SPI 0x80000000: the top nibble"},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"AES-CTR [RFC3686]\",\"\",\"NULL\",\"\"",
         "no RFC 6618 suite has Encryption \"AES-CTR [RFC3686]\""},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"NULL\",\"\",\"NULL\",\"\"",
         "no RFC 6618 suite has Encryption \"NULL\" with Authentication \"NULL\""},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"AES-GCM with 16 octet ICV [RFC4106]\","
         "\"0x0001\",\"NULL\",\"\"",
         "Encryption Key \"0x0001\": AES_128_GCM_SHA256 needs 0x and 20 octets"},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"AES-GCM with 16 octet ICV [RFC4106]\","
         "\"0x000102030405060708090a0b0c0d0e0f1011121g\",\"NULL\",\"\"",
         "Encryption Key"},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"AES-GCM with 16 octet ICV [RFC4106]\","
         "\"000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"",
         "Encryption Key"},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"NULL\",\"\",\"HMAC-SHA-1-96 [RFC2404]\","
         "\"0x00010203040506070809\"",
         "and a 20-digit authentication key"},
        {"\"IPv6\",\"*\",\"*\",\"0x83310c42\",\"NULL\",\"\\\"\",\"NULL\",\"\"",
         "escapes are not supported"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024], err[PFLOW_ERR_MAX] = "";
        snprintf(text, sizeof text, "# esp_sa\n%s%s\n%s", good, bad[i].line, good);
        pflow_sa_table t;
        pflow_sa_init(&t);
        char none[1];
        assert_int_equal(pflow_sa_parse(&t, text, strlen(text), none, 0), -1); /* no room */
        assert_int_equal(pflow_sa_parse(&t, text, strlen(text), err, sizeof err), -1);
        assert_int_equal(t.n, 0);
        if (strncmp(err, "line 3: ", 8) != 0 || strstr(err, bad[i].want) == NULL) {
            print_error("case %zu: got \"%s\", want line 3 and \"%s\"\n", i, err, bad[i].want);
            fail();
        }
        /* rows already in the table stay, the bad file adds none */
        assert_int_equal(pflow_sa_parse(&t, good, strlen(good), err, sizeof err), 0);
        assert_int_equal(pflow_sa_parse(&t, text, strlen(text), err, sizeof err), -1);
        assert_int_equal(t.n, 1);
        pflow_sa_free(&t);
    }
    /* a NUL byte */
    char nul[] = "\"IPv6\"\0";
    pflow_sa_table t;
    char err[PFLOW_ERR_MAX];
    pflow_sa_init(&t);
    assert_int_equal(pflow_sa_parse(&t, nul, sizeof nul - 1, err, sizeof err), -1);
    assert_string_equal(err, "line 1: NUL byte");
    pflow_sa_free(&t);
}

/* Files: errors name the path and line; a missing file says so. */
static void sa_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_pflow.XXXXXX", path[64], err[PFLOW_ERR_MAX];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/esp_sa", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("\n\"IPv6\",\"*\"\n", f);
    fclose(f);
    pflow_sa_table t;
    pflow_sa_init(&t);
    assert_int_equal(pflow_sa_load(&t, path, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:2: expected 8 fields, found 2", path);
    assert_string_equal(err, want);
    unlink(path);
    assert_int_equal(pflow_sa_load(&t, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    pflow_sa_free(&t);
    rmdir(dir);
}

/* ---- link layers ------------------------------------------------------------------------- */

/* The same IPv6 packet behind every link layer is found; other frames are not IP; every
 * truncation of every frame is handled without reading past it (ASan) and never claims an IP
 * packet that is not all there. */
static void link_layers(void **state)
{
    (void)state;
    uint8_t ip[128], pl[16];
    tu_fill(pl, sizeof pl, 1);
    size_t iplen = udp6(ip, sizeof ip, COA, MN_PORT, HA, PORT, pl, sizeof pl);
    static const uint8_t eth[] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd};
    static const uint8_t vlan[] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0, 0, 5, 0x86, 0xdd};
    /* 802.3 length 80, LLC AA AA 03, SNAP OUI 0, EtherType IPv6 */
    uint8_t llc[32], w80211[64], rtap[64];
    size_t llc_len = tu_unhex(llc, sizeof llc, "020000000001 020000000002 0050 aaaa03 000000 86dd");
    static const uint8_t ppp[] = {0x00, 0x57};
    static const uint8_t ppp_hdlc[] = {0xff, 0x03, 0x00, 0x57};
    static const uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, 0x86, 0xdd};
    static const uint8_t sll2[20] = {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2};
    /* QoS data (FC 88), From DS + Retry (0a), duration, addresses 1-3, sequence control, QoS
     * control 0 (no A-MSDU), LLC/SNAP IPv6 */
    size_t w80211_len = tu_unhex(w80211, sizeof w80211,
                                 "880a 0000 020000000005 020000000001 020000000001 0000 0000"
                                 "aaaa03 000000 86dd");
    /* radiotap v0, length 18, present TSFT + Flags + Rate; TSFT (8-aligned), Flags 0x10 (FCS
     * at the end), Rate; then data (FC 08) To DS (01), LLC/SNAP IPv6; the test appends the FCS */
    size_t rtap_len = tu_unhex(rtap, sizeof rtap,
                               "00 00 1200 07000000 0102030405060708 10 0c"
                               "0801 0000 020000000001 020000000005 020000000001 1000"
                               "aaaa03 000000 86dd");
    assert_true(llc_len == 22 && w80211_len == 34 && rtap_len == 50);
    const struct {
        int dlt;
        const uint8_t *hdr;
        size_t len;
        size_t trailer; /* FCS */
        int retry;
    } cases[] = {
        {DLT_EN10MB, eth, sizeof eth, 0, 0},
        {DLT_EN10MB, vlan, sizeof vlan, 0, 0},
        {DLT_EN10MB, llc, llc_len, 0, 0},
        {DLT_RAW, NULL, 0, 0, 0},
        {DLT_IPV6, NULL, 0, 0, 0},
        {DLT_PPP, ppp, sizeof ppp, 0, 0},
        {DLT_PPP, ppp_hdlc, sizeof ppp_hdlc, 0, 0},
        {DLT_LINUX_SLL, sll, sizeof sll, 0, 0},
        {DLT_LINUX_SLL2, sll2, sizeof sll2, 0, 0},
        {DLT_IEEE802_11, w80211, w80211_len, 0, 1},
        {DLT_IEEE802_11_RADIO, rtap, rtap_len, 4, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t frame[256];
        size_t n = cases[c].len;
        if (n)
            memcpy(frame, cases[c].hdr, n);
        memcpy(frame + n, ip, iplen);
        n += iplen;
        memset(frame + n, 0xee, cases[c].trailer);
        n += cases[c].trailer;
        assert_true(pflow_link_supported(cases[c].dlt));
        pflow_l3 l3;
        const char *why;
        if (pflow_link_ip(cases[c].dlt, frame, n, &l3, &why) != 1) {
            print_error("case %zu: %s\n", c, why);
            fail();
        }
        assert_ptr_equal(l3.ip, frame + cases[c].len);
        assert_int_equal(l3.len, iplen); /* the radiotap case's FCS is not part of it */
        assert_int_equal(l3.retry, cases[c].retry);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
            assert_non_null(copy);
            memcpy(copy, frame, cut);
            int rc = pflow_link_ip(cases[c].dlt, copy, cut, &l3, &why);
            if (rc == 1) { /* then the IP header must not parse past the cut */
                mip6tls_ip_info info;
                assert_true(l3.ip + l3.len <= copy + cut);
                assert_true(mip6tls_ip_parse(l3.ip, l3.len, &info) != 0 || cut >= n);
            } else if (rc < 0) {
                assert_true(why[0] != '\0');
            }
            free(copy);
        }
    }

    /* not IP: ARP, an 802.11 ACK, a beacon, a Null data frame, PPP LCP */
    static const uint8_t arp[] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06, 0, 1};
    static const uint8_t ack[] = {0xd4, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 2, 3, 4};
    static const uint8_t beacon[24] = {0x80, 0};
    static const uint8_t null_data[24] = {0x48, 0x01};
    static const uint8_t lcp[] = {0xc0, 0x21, 1, 1, 0, 4};
    static const uint8_t prot[] = {0x08, 0x41, 0, 0, 2, 0, 0, 0, 0, 5, 2,    0,    0, 0,
                                   0,    1,    2, 0, 0, 0, 0, 1, 0, 0, 0xaa, 0xaa, 3, 0};
    pflow_l3 l3;
    const char *why;
    assert_int_equal(pflow_link_ip(DLT_EN10MB, arp, sizeof arp, &l3, &why), 0);
    assert_int_equal(pflow_link_ip(DLT_IEEE802_11, ack, sizeof ack, &l3, &why), 0);
    assert_int_equal(pflow_link_ip(DLT_IEEE802_11, beacon, sizeof beacon, &l3, &why), 0);
    assert_int_equal(pflow_link_ip(DLT_IEEE802_11, null_data, sizeof null_data, &l3, &why), 0);
    assert_int_equal(pflow_link_ip(DLT_PPP, lcp, sizeof lcp, &l3, &why), 0);
    assert_int_equal(pflow_link_ip(DLT_IEEE802_11, prot, sizeof prot, &l3, &why), -1);
    assert_string_equal(why, "802.11 protected frame (no keys)");
    assert_false(pflow_link_supported(DLT_NULL));
    assert_int_equal(pflow_link_ip(DLT_NULL, arp, sizeof arp, &l3, &why), -1);
}

/* ---- decoding ---------------------------------------------------------------------------- */

static void decode_one(pflow_decoder *d, const uint8_t *ip, size_t len, pflow_rec *r, int want)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(pflow_decode_ip(d, ip, len, r), want);
}

static void line_is(const pflow_rec *r, pflow_norm *n, const char *want)
{
    char line[PFLOW_LINE_MAX];
    pflow_format(r, n, line, sizeof line);
    assert_string_equal(line, want);
}

/* A BU, its BA, a data packet, a TCP SYN, and packets that do not decrypt or decode, each to
 * the record and line they should give, raw and by position. */
static void decode_messages(void **state)
{
    (void)state;
    mip6tls_esp_keys k;
    keys_for(&k, MIP6TLS_SUITE_AES_128_CBC_SHA, 0x3310c42, 1);
    mip6tls_esp_sa mn, ha;
    sa_pair(&k, &mn, &ha);
    pflow_sa_table t;
    pflow_sa_init(&t);
    load_rows(&t, &k);
    pflow_opts o;
    pflow_opts_default(&o);
    pflow_decoder d;
    pflow_decoder_init(&d, &o, &t);
    pflow_norm n;
    pflow_norm_init(&n);
    uint8_t pkt[1024];
    pflow_rec r;

    size_t len = mh_packet(pkt, sizeof pkt, &mn, MIP6TLS_MH_BU, 46631, 0, HOA);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.kind, PFLOW_K_ENCAP);
    assert_int_equal(r.l4_cksum_ok, 1);
    assert_int_equal(r.ptype, 8);
    assert_int_equal(r.spi, 0x3310c42);
    assert_int_equal(r.seq, 1);
    assert_int_equal(r.esp_rc, 0);
    assert_int_equal(r.inner, PFLOW_I_MH);
    assert_int_equal(r.mh.type, MIP6TLS_MH_BU);
    assert_int_equal(r.mh_cksum, 1);
    assert_memory_equal(r.hao.bytes, HOA, 16);
    line_is(&r, NULL,
            "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 ptype 8 spi 0x3310c42 seq 1 BU seq "
            "46631 flags AH lifetime 600s hao 2001:db8:1::100");
    line_is(&r, &n,
            "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 ptype 8 spi s1 seq 1 BU seq b+0 flags "
            "AH lifetime 600s hao 2001:db8:1::100");

    len = mh_packet(pkt, sizeof pkt, &ha, MIP6TLS_MH_BA, 46631, 176, HOA);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.mh_cksum, 1); /* HoA learned from the BU */
    line_is(&r, &n,
            "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 8 spi s1 seq 1 BA status 176 "
            "(REINIT_SA_WITH_HAC) seq b+0 flags - lifetime 600s refresh-advice 400s");

    /* the next BU and its BA count from the same base */
    len = mh_packet(pkt, sizeof pkt, &mn, MIP6TLS_MH_BU, 46632, 0, HOA);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, &n,
            "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 ptype 8 spi s1 seq 2 BU seq b+1 flags "
            "AH lifetime 600s hao 2001:db8:1::100");

    /* a BA whose MH checksum was made over another home address */
    len = mh_packet(pkt, sizeof pkt, &ha, MIP6TLS_MH_BA, 46632, 0, CN);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.mh_cksum, 0);
    line_is(&r, &n,
            "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 8 spi s1 seq 2 BA status 0 "
            "(accepted) seq b+1 flags - lifetime 600s refresh-advice 400s mh-cksum-bad");

    len = data_packet(pkt, sizeof pkt, &ha);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.inner, PFLOW_I_IP);
    assert_int_equal(r.inner_cksum_ok, 1);
    line_is(&r, &n,
            "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 1 spi s1 seq 3 data udp "
            "[2001:db8::2]:6000 > [2001:db8:1::100]:6000");

    /* one flipped ciphertext octet: the ICV fails */
    len = data_packet(pkt, sizeof pkt, &ha);
    pkt[len - 20] ^= 1;
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.esp_rc, MIP6TLS_ERR_ICV);
    assert_int_equal(r.l4_cksum_ok, 0); /* the UDP checksum no longer matches either */
    line_is(&r, NULL,
            "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 udp-cksum-bad ptype 1 spi 0x3310c42 seq "
            "4 undecryptable: integrity check failed");

    /* an SPI with no row */
    mip6tls_esp_keys k2;
    keys_for(&k2, MIP6TLS_SUITE_AES_128_CBC_SHA, 0x1234, 9);
    mip6tls_esp_sa mn2, ha2;
    sa_pair(&k2, &mn2, &ha2);
    len = data_packet(pkt, sizeof pkt, &ha2);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.esp_rc, MIP6TLS_ERR_NOTFOUND);
    line_is(&r, &n, "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 1 spi s2 seq 1 no-sa");

    /* PType 0 with an SPI: the encapsulation header does not decode */
    uint8_t junk[12] = {0x00, 0, 0, 1, 0, 0, 0, 0, 0x60};
    len = udp6(pkt, sizeof pkt, COA, MN_PORT, HA, PORT, junk, sizeof junk);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL,
            "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 encap undecodable: PType/SPI "
            "combination not allowed");

    /* the MN's NAT keepalive (RFC 3948 §2.3), and an empty datagram */
    uint8_t ka = 0xFF;
    len = udp6(pkt, sizeof pkt, COA, MN_PORT, HA, PORT, &ka, 1);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL, "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 nat-keepalive");
    len = udp6(pkt, sizeof pkt, COA, MN_PORT, HA, PORT, NULL, 0);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL,
            "[2001:db8:a::5]:40000 > [2001:db8::1]:7872 encap undecodable: input "
            "truncated");

    /* TCP to the HAC, and its length classes */
    len = tcp6(pkt, COA, 49153, HA, PORT, PFLOW_TCP_SYN, 0);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.kind, PFLOW_K_TCP);
    assert_int_equal(r.l4_cksum_ok, 1);
    line_is(&r, &n, "[2001:db8:a::5]:49153 > [2001:db8::1]:7872 tcp S len 0");
    len = tcp6(pkt, HA, PORT, COA, 49153, PFLOW_TCP_ACK | PFLOW_TCP_PSH | PFLOW_TCP_FIN, 536);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL, "[2001:db8::1]:7872 > [2001:db8:a::5]:49153 tcp AFP len 536");
    line_is(&r, &n, "[2001:db8::1]:7872 > [2001:db8:a::5]:49153 tcp AFP len 100-999");

    /* not of interest, unless listing all */
    len = udp6(pkt, sizeof pkt, CN, 6000, HOA, 6000, junk, sizeof junk);
    decode_one(&d, pkt, len, &r, 0);
    d.opt.all = 1;
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL, "other udp [2001:db8::2]:6000 > [2001:db8:1::100]:6000");
    len = tcp6(pkt, CN, 80, HOA, 1234, PFLOW_TCP_SYN, 0);
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL, "other tcp [2001:db8::2]:80 > [2001:db8:1::100]:1234");

    /* an IP packet that does not parse */
    pkt[0] = 0x50;
    decode_one(&d, pkt, len, &r, 1);
    line_is(&r, NULL, "undecodable frame: IP packet: unsupported protocol version");

    /* without an SA table nothing is opened */
    pflow_decoder_init(&d, &o, NULL);
    len = data_packet(pkt, sizeof pkt, &ha);
    decode_one(&d, pkt, len, &r, 1);
    assert_int_equal(r.esp_rc, MIP6TLS_ERR_NOTFOUND);

    pflow_sa_free(&t);
}

/* Every suite's packets open with rows parsed from its esp_sa text. */
static void decode_every_suite(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        MIP6TLS_SUITE_AES_128_GCM_SHA256, MIP6TLS_SUITE_AES_128_CBC_SHA,
        MIP6TLS_SUITE_AES_128_CBC_SHA256, MIP6TLS_SUITE_NULL_SHA, MIP6TLS_SUITE_3DES_EDE_CBC_SHA};
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        mip6tls_esp_keys k;
        keys_for(&k, suites[s], 0xabcdef, 40 + s);
        mip6tls_esp_sa mn, ha;
        sa_pair(&k, &mn, &ha);
        pflow_sa_table t;
        pflow_sa_init(&t);
        load_rows(&t, &k);
        pflow_opts o;
        pflow_opts_default(&o);
        pflow_decoder d;
        pflow_decoder_init(&d, &o, &t);
        uint8_t pkt[1024];
        pflow_rec r;
        size_t len = mh_packet(pkt, sizeof pkt, &mn, MIP6TLS_MH_BU, 7, 0, HOA);
        decode_one(&d, pkt, len, &r, 1);
        assert_int_equal(r.inner, PFLOW_I_MH);
        len = data_packet(pkt, sizeof pkt, &ha);
        decode_one(&d, pkt, len, &r, 1);
        assert_int_equal(r.inner, PFLOW_I_IP);
        pflow_sa_free(&t);
    }
}

static void format_times(void **state)
{
    (void)state;
    char t[32];
    pflow_format_ms(618723456, 1000, t, sizeof t);
    assert_string_equal(t, "618.723");
    pflow_format_ms(618723500, 1000, t, sizeof t);
    assert_string_equal(t, "618.724");
    pflow_format_ms(618723456, 1000000, t, sizeof t);
    assert_string_equal(t, "619");
    pflow_format_ms(618723456, 100000, t, sizeof t);
    assert_string_equal(t, "618.7");
    pflow_format_ms(618723456, 500000, t, sizeof t);
    assert_string_equal(t, "618.5");
    pflow_format_ms(-2169000, 1000, t, sizeof t);
    assert_string_equal(t, "-2.169");
    pflow_format_ms(7, 1, t, sizeof t);
    assert_string_equal(t, "0.000007");
    pflow_format_ms(-100, 1000, t, sizeof t);
    assert_string_equal(t, "0.000");
}

/* ---- captures and their comparison ------------------------------------------------------- */

/* One run of a small story: TCP to the HAC, BU/BA under SA 1, data, BU/BA under SA 2, data,
 * plus frames of no interest. The knobs change one thing each. */
typedef struct {
    uint64_t key_seed;   /* other keys and SPIs, as another seed would give */
    uint16_t bu_seq;     /* the MN's first BU sequence number */
    uint8_t ba2_status;  /* the second BA's status */
    int swap_sa;         /* the last data packet under SA 1 instead of SA 2 */
    int drop_first_data; /* a frame missing */
    int64_t shift_ns;    /* added to the time of the second BA */
} story;

typedef struct {
    char dir[64];
    char pcap[96];
    char sa[96];
} story_files;

static void put_frame(pcap_dumper_t *dump, int64_t t_ns, const uint8_t *ip, size_t len)
{
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd};
    uint8_t frame[1600];
    memcpy(frame, eth, sizeof eth);
    memcpy(frame + sizeof eth, ip, len);
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(t_ns / 1000000000);
    h.ts.tv_usec = (suseconds_t)(t_ns % 1000000000); /* nanoseconds: see pcap_open_dead below */
    h.caplen = h.len = (bpf_u_int32)(sizeof eth + len);
    pcap_dump((u_char *)dump, &h, frame);
}

static void write_story(const story *s, story_files *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/test_pflow.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->pcap, sizeof f->pcap, "%s/home-lan.pcap", f->dir);
    snprintf(f->sa, sizeof f->sa, "%s/esp_sa", f->dir);
    mip6tls_esp_keys k1, k2;
    keys_for(&k1, MIP6TLS_SUITE_AES_128_GCM_SHA256, 0x100000 + (uint32_t)s->key_seed, s->key_seed);
    keys_for(&k2, MIP6TLS_SUITE_AES_128_GCM_SHA256, 0x200000 + (uint32_t)s->key_seed,
             s->key_seed + 10);
    mip6tls_esp_sa mn1, ha1, mn2, ha2;
    sa_pair(&k1, &mn1, &ha1);
    sa_pair(&k2, &mn2, &ha2);
    char text[8192] = "";
    sa_rows(text, sizeof text, &k1);
    sa_rows(text, sizeof text, &k2);
    FILE *fp = fopen(f->sa, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);

    pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    assert_non_null(p);
    pcap_dumper_t *dump = pcap_dump_open(p, f->pcap);
    assert_non_null(dump);
    uint8_t pkt[1024], junk[4] = {0};
    const int64_t ms = 1000000;
    put_frame(dump, 100 * ms, pkt, udp6(pkt, sizeof pkt, CN, 53, HA, 53, junk, sizeof junk));
    put_frame(dump, 500 * ms, pkt, tcp6(pkt, COA, 49153, HA, PORT, PFLOW_TCP_SYN, 0));
    put_frame(dump, 520 * ms, pkt,
              tcp6(pkt, HA, PORT, COA, 49153, PFLOW_TCP_SYN | PFLOW_TCP_ACK, 0));
    put_frame(dump, 600 * ms, pkt,
              mh_packet(pkt, sizeof pkt, &mn1, MIP6TLS_MH_BU, s->bu_seq, 0, HOA));
    put_frame(dump, 620 * ms, pkt,
              mh_packet(pkt, sizeof pkt, &ha1, MIP6TLS_MH_BA, s->bu_seq, 0, HOA));
    if (!s->drop_first_data)
        put_frame(dump, 1000 * ms, pkt, data_packet(pkt, sizeof pkt, &ha1));
    put_frame(dump, 3000 * ms, pkt,
              mh_packet(pkt, sizeof pkt, &mn2, MIP6TLS_MH_BU, (uint16_t)(s->bu_seq + 1), 0, HOA));
    put_frame(dump, 3020 * ms + s->shift_ns, pkt,
              mh_packet(pkt, sizeof pkt, &ha2, MIP6TLS_MH_BA, (uint16_t)(s->bu_seq + 1),
                        s->ba2_status, HOA));
    put_frame(dump, 3500 * ms, pkt, data_packet(pkt, sizeof pkt, s->swap_sa ? &ha1 : &ha2));
    pcap_dump_close(dump);
    pcap_close(p);
}

static void remove_story(const story_files *f)
{
    unlink(f->pcap);
    unlink(f->sa);
    rmdir(f->dir);
}

static void read_story(const story_files *f, pflow_flow *flow, pflow_sa_table *t, int normalize)
{
    char err[PFLOW_ERR_MAX + 128];
    pflow_opts o;
    pflow_opts_default(&o);
    pflow_sa_init(t);
    assert_int_equal(pflow_sa_load(t, f->sa, err, sizeof err), 0);
    pflow_flow_init(flow);
    if (pflow_read_pcap(flow, f->pcap, t, &o, 0, err, sizeof err) != 0) {
        print_error("%s\n", err);
        fail();
    }
    pflow_flow_lines(flow, normalize);
}

/* Compares the base story with `fresh` and returns what the comparison found. */
static int compare_story(const story *golden, const story *fresh, int normalize,
                         pflow_cmp_result *res)
{
    story_files fg, ff;
    write_story(golden, &fg);
    write_story(fresh, &ff);
    pflow_flow g, f;
    pflow_sa_table tg, tf;
    read_story(&fg, &g, &tg, normalize);
    read_story(&ff, &f, &tf, normalize);
    pflow_cmp_opts o;
    pflow_cmp_opts_default(&o);
    FILE *devnull = fopen("/dev/null", "w"); /* the report's text is not what is tested here */
    int rc = pflow_compare(&g, &f, &o, devnull, res);
    if (devnull)
        fclose(devnull);
    pflow_flow_free(&g);
    pflow_flow_free(&f);
    pflow_sa_free(&tg);
    pflow_sa_free(&tf);
    remove_story(&fg);
    remove_story(&ff);
    return rc;
}

static const story base = {.key_seed = 1, .bu_seq = 46631};

/* The capture reads back as the story's lines, times relative to the first frame. */
static void capture_reads_back(void **state)
{
    (void)state;
    story_files sf;
    write_story(&base, &sf);
    pflow_flow f;
    pflow_sa_table t;
    read_story(&sf, &f, &t, 1);
    assert_int_equal(f.dlt, DLT_EN10MB);
    assert_int_equal(f.frames, 9);
    assert_int_equal(f.n, 8); /* the DNS-port UDP is of no interest */
    assert_int_equal(f.e[0].rec.frame, 2);
    assert_int_equal(f.e[0].rec.t_ns, 400000000);
    assert_string_equal(f.e[0].line, "[2001:db8:a::5]:49153 > [2001:db8::1]:7872 tcp S len 0");
    assert_string_equal(f.e[6].line,
                        "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 8 spi s2 seq 1 BA "
                        "status 0 (accepted) seq b+1 flags - lifetime 600s "
                        "refresh-advice 400s");
    assert_string_equal(f.e[7].line,
                        "[2001:db8::1]:7872 > [2001:db8:a::5]:40000 ptype 1 spi s2 seq 2 data "
                        "udp [2001:db8::2]:6000 > [2001:db8:1::100]:6000");
    pflow_flow_free(&f);
    pflow_sa_free(&t);

    /* a missing file and a bad link type are errors */
    char err[PFLOW_ERR_MAX + 128];
    pflow_opts o;
    pflow_opts_default(&o);
    pflow_flow_init(&f);
    assert_int_equal(pflow_read_pcap(&f, sf.sa, NULL, &o, 0, err, sizeof err), -1);
    remove_story(&sf);
    assert_int_equal(pflow_read_pcap(&f, sf.pcap, NULL, &o, 0, err, sizeof err), -1);
    pflow_flow_free(&f);
}

/* The same story with other keys, SPIs and BU sequence base is the same sequence by position,
 * and different raw. */
static void compare_same_story(void **state)
{
    (void)state;
    pflow_cmp_result res;
    assert_int_equal(compare_story(&base, &base, 1, &res), 0);
    assert_int_equal(compare_story(&base, &base, 0, &res), 0);
    story other = base;
    other.key_seed = 77;
    other.bu_seq = 65535; /* wraps between the two BUs */
    assert_int_equal(compare_story(&base, &other, 1, &res), 0);
    assert_int_equal(compare_story(&base, &other, 0, &res), 1);
    assert_int_equal(res.only_golden, 4 + 2); /* 4 BU/BA with other SPI and seq, 2 data */
    assert_int_equal(res.only_fresh, 6);
}

/* One thing changed at a time makes the comparison fail, and says what. */
static void compare_mutations(void **state)
{
    (void)state;
    pflow_cmp_result res;
    story s = base;
    s.ba2_status = MIP6TLS_BA_REINIT_SA_WITH_HAC;
    assert_int_equal(compare_story(&base, &s, 1, &res), 1);
    assert_int_equal(res.only_golden, 1);
    assert_int_equal(res.only_fresh, 1);
    assert_int_equal(res.timing, 0);

    s = base;
    s.swap_sa = 1; /* the last packet under s1 instead of s2 (and seq 3 instead of 2) */
    assert_int_equal(compare_story(&base, &s, 1, &res), 1);
    assert_int_equal(res.only_golden, 1);
    assert_int_equal(res.only_fresh, 1);

    s = base;
    s.drop_first_data = 1;
    assert_int_equal(compare_story(&base, &s, 1, &res), 1);
    assert_int_equal(res.only_golden, 1);
    assert_int_equal(res.only_fresh, 0);

    s = base;
    s.shift_ns = 1500000; /* 1.5 ms late: beyond the 1 ms tolerance */
    assert_int_equal(compare_story(&base, &s, 1, &res), 1);
    assert_int_equal(res.only_golden + res.only_fresh, 0);
    assert_int_equal(res.timing, 1);
    assert_int_equal(res.worst_ns, 1500000);
    s.shift_ns = -900000; /* within it */
    assert_int_equal(compare_story(&base, &s, 1, &res), 0);
    assert_int_equal(res.worst_ns, -900000);
}

/* The alignment on lines alone: a shortest edit script, with its report. */
static void compare_alignment(void **state)
{
    (void)state;
    static const char *const g[] = {"a", "b", "c", "d", "e", "f", "g"};
    static const char *const f[] = {"a", "x", "c", "d", "f", "g", "h"};
    pflow_flow fg, ff;
    pflow_flow_init(&fg);
    pflow_flow_init(&ff);
    pflow_rec r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < 7; i++) {
        r.t_ns = (int64_t)i * 1000000;
        assert_int_equal(pflow_flow_add(&fg, &r), 0);
        assert_int_equal(pflow_flow_add(&ff, &r), 0);
        snprintf(fg.e[i].line, sizeof fg.e[i].line, "%s", g[i]);
        snprintf(ff.e[i].line, sizeof ff.e[i].line, "%s", f[i]);
        fg.e[i].hash = (uint64_t)g[i][0];
        ff.e[i].hash = (uint64_t)f[i][0];
    }
    pflow_cmp_opts o;
    pflow_cmp_opts_default(&o);
    o.context = 1;
    char buf[2048] = "";
    FILE *out = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(out);
    pflow_cmp_result res;
    assert_int_equal(pflow_compare(&fg, &ff, &o, out, &res), 1);
    fclose(out);
    assert_int_equal(res.only_golden, 2); /* b, e */
    assert_int_equal(res.only_fresh, 2);  /* x, h */
    /* With context 1, edits at most 2 equal lines apart share a hunk: one hunk here. */
    assert_string_equal(buf, "@@ golden line 1, fresh line 1 @@\n"
                             "       0.000  a\n"
                             "-      1.000  b\n"
                             "+      1.000  x\n"
                             "       2.000  c\n"
                             "       3.000  d\n"
                             "-      4.000  e\n"
                             "       5.000  f\n"
                             "       6.000  g\n"
                             "+      6.000  h\n");
    /* With none, three hunks; and the count of hunks shown is capped. */
    o.context = 0;
    o.max_shown = 2;
    memset(buf, 0, sizeof buf);
    out = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(out);
    assert_int_equal(pflow_compare(&fg, &ff, &o, out, &res), 1);
    fclose(out);
    assert_string_equal(buf, "@@ golden line 2, fresh line 2 @@\n"
                             "-      1.000  b\n"
                             "+      1.000  x\n"
                             "@@ golden line 5, fresh line 5 @@\n"
                             "-      4.000  e\n"
                             "... 1 more difference not shown\n");
    assert_int_equal(res.only_golden, 2);
    assert_int_equal(res.only_fresh, 2);
    pflow_flow_free(&fg);
    pflow_flow_free(&ff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sa_rows_of_every_suite),
        cmocka_unit_test(sa_malformed_lines),
        cmocka_unit_test(sa_files),
        cmocka_unit_test(link_layers),
        cmocka_unit_test(decode_messages),
        cmocka_unit_test(decode_every_suite),
        cmocka_unit_test(format_times),
        cmocka_unit_test(capture_reads_back),
        cmocka_unit_test(compare_same_story),
        cmocka_unit_test(compare_mutations),
        cmocka_unit_test(compare_alignment),
    };
    mip6tls_esp_impl_detect(&impl);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
