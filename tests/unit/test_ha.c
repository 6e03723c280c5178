/*
 * test_ha.c: the Home Agent state machine (ha.c) against an MN built in the test from the
 * codecs (esp.h with MIP6TLS_ESP_MN, mh.h, inet.h). Every assertion is on the outbox (actions,
 * their endpoints, the bytes the MN opens) or on the HA's own tables; "state unchanged" is a
 * memcmp of the HA struct, every storage table (the ESP cache included) and the DRBG.
 *
 *   test_ha --write-corpus DIR   writes the fuzz_ha seed corpus into DIR and exits
 *
 * Rules and their sources: RFC 6275 §9.2 (BE status 2), §9.5.1 (sequence numbers modulo 2^16,
 * status 135), §10.3.1 (BA always, lifetime), §10.3.2 (deregistration, 133, hold), §10.4.5
 * (PType 0 from the CoA); RFC 6618 §4.3 (176, validity), §5.6.4/§6.4 (scope); RFC 5555 §4.2,
 * §4.5 (IPv4 home address, NAT detection); docs/decisions/0040-0043.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/esp.h"
#include "mip6tls/ha.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"
#include "mip6tls/sa.h"
#include "testutil.h"

#define N_SAS 8
#define SPI_B 4 /* fewer buckets than SAs: chains are exercised */
#define HOA_B 8
#define N_CACHE 4 /* fewer slots than SAs: misses and evictions are exercised */
#define PKT 2048

#define T0 5000000ull       /* monotonic ms when the tests start */
#define UNIX0 1750000000ull /* Unix seconds at T0 */
#define OFFSET ((int64_t)(UNIX0 * 1000ull - T0))
#define DAY 86400ull

#define GCM MIP6TLS_SUITE_AES_128_GCM_SHA256
#define CBC MIP6TLS_SUITE_AES_128_CBC_SHA
#define XCBC MIP6TLS_SUITE_AES_128_CBC_SHA256
#define CHACHA MIP6TLS_SUITE_CHACHA20_POLY1305

static mip6tls_esp_impl impl;

static const uint8_t HA6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t HA4[4] = {192, 0, 2, 1};
static const uint8_t CN6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xcc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t CN4[4] = {203, 0, 113, 80};
static const uint8_t Z16[16];

/* Everything the HA owns, in one struct so a snapshot is one memcpy. */
typedef struct {
    mip6tls_ha ha;
    mip6tls_drbg drbg;
    mip6tls_ha_entry entries[N_SAS];
    uint32_t heap[N_SAS];
    uint32_t spi_b[SPI_B];
    uint32_t hoa_b[HOA_B];
    mip6tls_ha_cache_slot cache[N_CACHE];
} ha_state;

static struct {
    ha_state s;
    mip6tls_ha_config cfg;
    mip6tls_action acts[32];
    uint8_t arena[8192];
    mip6tls_outbox ob;
    mip6tls_endpoint local6, local4;
} F;

static ha_state snapshot;

static void snap(void)
{
    memcpy(&snapshot, &F.s, sizeof snapshot);
}

static void assert_unchanged(void)
{
    assert_memory_equal(&snapshot.ha, &F.s.ha, sizeof F.s.ha);
    assert_memory_equal(&snapshot.drbg, &F.s.drbg, sizeof F.s.drbg);
    assert_memory_equal(snapshot.entries, F.s.entries, sizeof F.s.entries);
    assert_memory_equal(snapshot.heap, F.s.heap, sizeof F.s.heap);
    assert_memory_equal(snapshot.spi_b, F.s.spi_b, sizeof F.s.spi_b);
    assert_memory_equal(snapshot.hoa_b, F.s.hoa_b, sizeof F.s.hoa_b);
    assert_memory_equal(snapshot.cache, F.s.cache, sizeof F.s.cache);
}

static void ep6(mip6tls_endpoint *e, uint8_t host, uint16_t port)
{
    uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    b[15] = host;
    memset(e, 0, sizeof *e);
    mip6tls_addr_set6(&e->addr, b);
    e->port = port;
}

static void ep4(mip6tls_endpoint *e, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    uint8_t x[4];
    x[0] = a, x[1] = b, x[2] = c, x[3] = d;
    memset(e, 0, sizeof *e);
    mip6tls_addr_set4(&e->addr, x);
    e->port = port;
}

static void fx_init_cfg(const mip6tls_ha_config *cfg)
{
    mip6tls_ha_storage st;
    uint8_t seed[32];
    memset(&F.s, 0, sizeof F.s);
    tu_fill(seed, sizeof seed, 42);
    assert_int_equal(mip6tls_drbg_init(&F.s.drbg, seed, sizeof seed), 0);
    st.entries = F.s.entries;
    st.n_entries = N_SAS;
    st.heap = F.s.heap;
    st.spi_buckets = F.s.spi_b;
    st.n_spi_buckets = SPI_B;
    st.hoa_buckets = F.s.hoa_b;
    st.n_hoa_buckets = HOA_B;
    st.cache = F.s.cache;
    st.n_cache = N_CACHE;
    F.cfg = *cfg;
    assert_int_equal(mip6tls_ha_init(&F.s.ha, &F.cfg, &impl, &F.s.drbg, &st), 0);
    mip6tls_outbox_init(&F.ob, F.acts, 32, F.arena, sizeof F.arena);
    memset(&F.local6, 0, sizeof F.local6);
    mip6tls_addr_set6(&F.local6.addr, HA6);
    F.local6.port = 7872;
    ep4(&F.local4, HA4[0], HA4[1], HA4[2], HA4[3], 7872);
}

static void base_cfg(mip6tls_ha_config *cfg)
{
    mip6tls_ha_config_default(cfg);
    mip6tls_addr_set6(&cfg->addr6, HA6);
    mip6tls_addr_set4(&cfg->addr4, HA4);
    cfg->unix_offset_ms = OFFSET;
}

static int fx_setup(void **state)
{
    mip6tls_ha_config cfg;
    (void)state;
    base_cfg(&cfg);
    fx_init_cfg(&cfg);
    return 0;
}

/* ---- the test MN -------------------------------------------------------------------- */

typedef struct {
    mip6tls_sa sa;
    mip6tls_esp_sa esp;
    uint16_t seq;        /* last BU Sequence # sent */
    mip6tls_endpoint ep; /* its outer endpoint as the HA sees it */
} tmn;

static void tmn_make(tmn *mn, uint32_t spi, uint16_t suite, uint8_t host, int v6, int v4,
                     uint8_t scope, uint64_t valid_s)
{
    static const uint8_t salt[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    const mip6tls_suite_info *s = mip6tls_suite_find(suite);
    size_t i;
    assert_non_null(s);
    memset(mn, 0, sizeof *mn);
    mn->sa.keys.suite = suite;
    mn->sa.keys.spi = spi;
    mn->sa.keys.ekey_len = s->ekey_len;
    mn->sa.keys.ikey_len = s->ikey_len;
    for (i = 0; i < s->ekey_len; i++) {
        mn->sa.keys.mn_to_ha_ekey[i] = (uint8_t)(spi * 7 + i * 13 + 1);
        mn->sa.keys.ha_to_mn_ekey[i] = (uint8_t)(spi * 5 + i * 11 + 2);
    }
    for (i = 0; i < s->ikey_len; i++) {
        mn->sa.keys.mn_to_ha_ikey[i] = (uint8_t)(spi * 3 + i * 17 + 3);
        mn->sa.keys.ha_to_mn_ikey[i] = (uint8_t)(spi * 9 + i * 19 + 4);
    }
    mn->sa.validity_end = UNIX0 + valid_s;
    mn->sa.scope = scope;
    mip6tls_addr_set6(&mn->sa.ha6, HA6);
    mip6tls_addr_set4(&mn->sa.ha4, HA4);
    if (v6) {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        b[15] = host;
        mip6tls_addr_set6(&mn->sa.hoa6, b);
    }
    if (v4) {
        uint8_t b[4] = {10, 0, 0, 0};
        b[3] = host;
        mip6tls_addr_set4(&mn->sa.hoa4, b);
    }
    assert_int_equal(mip6tls_sa_check(&mn->sa), 0);
    assert_int_equal(mip6tls_esp_sa_init(&mn->esp, &impl, MIP6TLS_ESP_MN, &mn->sa.keys, salt, 0),
                     0);
    ep6(&mn->ep, host, (uint16_t)(40000 + host));
}

static const uint8_t *tmn_hoa6(const tmn *mn)
{
    return mn->sa.hoa6.family == MIP6TLS_AF_INET6 ? mn->sa.hoa6.bytes : Z16;
}

/* A sealed BU with Sequence # `seq`. */
static size_t tmn_bu_x(tmn *mn, uint16_t seq, uint16_t flags, uint16_t lifetime,
                       const mip6tls_mh_opts *opt, const uint8_t *hao, uint8_t *out)
{
    mip6tls_mh_msg m;
    uint8_t chain[256];
    int n, k;
    mip6tls_mh_init(&m, MIP6TLS_MH_BU);
    m.bu.seq = seq;
    m.bu.flags = flags;
    m.bu.lifetime = lifetime;
    if (opt != NULL)
        m.opt = *opt;
    n = mip6tls_mh_encode_chain(&m, hao, tmn_hoa6(mn), HA6, chain, sizeof chain);
    assert_true(n > 0);
    k = mip6tls_esp_seal(&mn->esp, MIP6TLS_PTYPE_MH, hao ? 60 : 135, chain, (size_t)n, out, PKT);
    assert_true(k > 0);
    return (size_t)k;
}

static size_t tmn_bu(tmn *mn, uint16_t lifetime, uint8_t *out)
{
    return tmn_bu_x(mn, ++mn->seq, MIP6TLS_BU_A | MIP6TLS_BU_H, lifetime, NULL, NULL, out);
}

/* An inner IPv6 (or IPv4) UDP packet src -> dst with `plen` payload octets of `tag`. */
static size_t mk_inner(uint8_t *out, int v4, const uint8_t *src, const uint8_t *dst, uint8_t tag,
                       size_t plen)
{
    mip6tls_endpoint s, d;
    uint8_t pay[1500];
    int n;
    memset(&s, 0, sizeof s);
    memset(&d, 0, sizeof d);
    if (v4) {
        mip6tls_addr_set4(&s.addr, src);
        mip6tls_addr_set4(&d.addr, dst);
    } else {
        mip6tls_addr_set6(&s.addr, src);
        mip6tls_addr_set6(&d.addr, dst);
    }
    s.port = 1111;
    d.port = 2222;
    assert_true(plen <= sizeof pay);
    memset(pay, tag, plen);
    n = mip6tls_ip_udp_build(&s, &d, 64, pay, plen, out, PKT);
    assert_true(n > 0);
    return (size_t)n;
}

static size_t tmn_data(tmn *mn, const uint8_t *inner, size_t n, uint8_t *out)
{
    int k = mip6tls_esp_seal(&mn->esp, MIP6TLS_PTYPE_DATA, (inner[0] >> 4) == 6 ? 41 : 4, inner, n,
                             out, PKT);
    assert_true(k > 0);
    return (size_t)k;
}

/* Opens a SEND_DGRAM the HA addressed to this MN (ESP: PType, SPI, ICV, replay). */
static void tmn_open(tmn *mn, const mip6tls_action *a, uint8_t *buf, mip6tls_esp_plain *p)
{
    assert_int_equal(a->type, MIP6TLS_ACT_SEND_DGRAM);
    assert_int_equal(a->conn, mn->sa.keys.spi);
    assert_true(a->len <= PKT);
    memcpy(buf, a->data, a->len);
    assert_int_equal(mip6tls_esp_open(&mn->esp, buf, a->len, p), 0);
}

/* Opens and decodes a BA/BE (checksum: HA -> MN addresses, decisions/0010). */
static void tmn_reply(tmn *mn, const mip6tls_action *a, mip6tls_mh_msg *m)
{
    uint8_t buf[PKT];
    mip6tls_esp_plain p;
    tmn_open(mn, a, buf, &p);
    assert_int_equal(p.ptype, MIP6TLS_PTYPE_MH);
    assert_int_equal(p.next_header, 135);
    assert_int_equal(mip6tls_mh_decode(p.payload, p.len, HA6, tmn_hoa6(mn), m), 0);
    m->raw = NULL;
}

/* ---- HA calls and outbox checks ------------------------------------------------------ */

static int hrecv_on(uint64_t now, const mip6tls_endpoint *local, const mip6tls_endpoint *remote,
                    uint8_t *pkt, size_t len)
{
    mip6tls_outbox_clear(&F.ob);
    return mip6tls_ha_recv(&F.s.ha, now, local, remote, pkt, len, &F.ob);
}

static int hrecv(uint64_t now, const mip6tls_endpoint *remote, uint8_t *pkt, size_t len)
{
    return hrecv_on(now, &F.local6, remote, pkt, len);
}

static int hsend(uint64_t now, const uint8_t *pkt, size_t len)
{
    mip6tls_outbox_clear(&F.ob);
    return mip6tls_ha_send(&F.s.ha, now, pkt, len, &F.ob);
}

static int htick(uint64_t now)
{
    mip6tls_outbox_clear(&F.ob);
    return mip6tls_ha_tick(&F.s.ha, now, &F.ob);
}

static const mip6tls_action *act(size_t i)
{
    assert_true(i < F.ob.n);
    return &F.ob.acts[i];
}

static void expect_ev(size_t i, uint16_t ev, uint32_t spi, const mip6tls_endpoint *remote,
                      uint64_t arg)
{
    const mip6tls_action *a = act(i);
    assert_int_equal(a->type, MIP6TLS_ACT_EVENT);
    assert_string_equal(mip6tls_ha_event_name(a->event), mip6tls_ha_event_name(ev));
    assert_int_equal(a->conn, spi);
    if (remote != NULL)
        assert_true(mip6tls_endpoint_eq(&a->remote, remote));
    else
        assert_int_equal(a->remote.addr.family, MIP6TLS_AF_NONE);
    assert_int_equal(a->arg, arg);
}

static void expect_drop(int rc, int err, uint32_t spi)
{
    assert_int_equal(rc, err);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_EVENT);
    assert_int_equal(act(0)->event, MIP6TLS_HA_EV_PACKET_DROPPED);
    assert_int_equal(act(0)->conn, spi);
    assert_int_equal(act(0)->arg, (uint64_t)(int64_t)err);
}

static uint64_t vms(const tmn *mn)
{
    return mn->sa.validity_end * 1000ull - (uint64_t)OFFSET;
}

static mip6tls_ha_entry *entry_of(const tmn *mn)
{
    const mip6tls_ha_entry *e = mip6tls_ha_find_spi(&F.s.ha, mn->sa.keys.spi);
    assert_non_null(e);
    return &F.s.entries[e - F.s.entries]; /* the caller owns the storage */
}

/* Sets the SA's outbound counter as if that many packets had been sent: in the entry, and in
 * its cache slot if it has one (the HA keeps both in step; a test poking one must too). */
static void poke_next_seq(const tmn *mn, uint64_t v)
{
    size_t i;
    entry_of(mn)->next_seq = v;
    for (i = 0; i < N_CACHE; i++)
        if (F.s.cache[i].spi == mn->sa.keys.spi)
            F.s.cache[i].esp.next_seq = v;
}

static void install(tmn *mn, uint64_t now)
{
    mip6tls_outbox_clear(&F.ob);
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, now, &mn->sa, &F.ob), 0);
    assert_int_equal(F.ob.n, 1);
    expect_ev(0, MIP6TLS_HA_EV_SA_INSTALLED, mn->sa.keys.spi, NULL, mn->sa.validity_end);
}

/* Sends a BU and checks the BA: returns the BA. The last action is always the BA. */
static void bu_ba(tmn *mn, uint64_t now, const uint8_t *pkt0, size_t n, mip6tls_mh_msg *ba)
{
    uint8_t pkt[PKT];
    memcpy(pkt, pkt0, n);
    assert_int_equal(hrecv(now, &mn->ep, pkt, n), 0);
    assert_true(F.ob.n >= 2);
    assert_true(mip6tls_endpoint_eq(&act(F.ob.n - 1)->remote, &mn->ep));
    assert_true(mip6tls_endpoint_eq(&act(F.ob.n - 1)->local, &F.local6));
    tmn_reply(mn, act(F.ob.n - 1), ba);
    assert_int_equal(ba->type, MIP6TLS_MH_BA);
}

static void reg(tmn *mn, uint64_t now, uint16_t lifetime)
{
    uint8_t pkt[PKT];
    mip6tls_mh_msg ba;
    size_t n = tmn_bu(mn, lifetime, pkt);
    bu_ba(mn, now, pkt, n, &ba);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_ACCEPTED);
    assert_int_equal(ba.ba.seq, mn->seq);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void first_registration(void **state)
{
    tmn a, b;
    uint8_t pkt[PKT];
    mip6tls_mh_msg ba;
    const mip6tls_ha_entry *e;
    size_t n;
    (void)state;
    tmn_make(&a, 0x123, GCM, 0x10, 1, 1, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    assert_int_equal(mip6tls_ha_sa_count(&F.s.ha), 1);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), vms(&a));

    /* RFC 6275 §10.3.1: accepted, lifetime as requested (100 units), Sequence # copied. */
    n = tmn_bu(&a, 100, pkt);
    bu_ba(&a, T0 + 10, pkt, n, &ba);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_CREATED, 0x123, &a.ep, 400);
    assert_int_equal(act(1)->conn, 0x123);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.ba.seq, 1);
    assert_int_equal(ba.ba.lifetime, 100);
    assert_int_equal(ba.ba.flags, 0);
    assert_int_equal(ba.opt.present, 0);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 1);
    e = mip6tls_ha_find_hoa(&F.s.ha, &a.sa.hoa6);
    assert_ptr_equal(e, mip6tls_ha_find_spi(&F.s.ha, 0x123));
    assert_true(mip6tls_endpoint_eq(&e->coa, &a.ep));
    assert_int_equal(e->last_seq, 1);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), T0 + 10 + 400000);

    /* Refresh asking for the maximum: capped by max_lifetime_s (default 3600 s). */
    n = tmn_bu(&a, 0xFFFF, pkt);
    bu_ba(&a, T0 + 20, pkt, n, &ba);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_REFRESHED, 0x123, &a.ep, 3600);
    assert_int_equal(ba.ba.lifetime, 900);

    /* RFC 6275 §10.3.1: a BA "regardless of the setting of the A bit". */
    n = tmn_bu_x(&a, ++a.seq, MIP6TLS_BU_H, 50, NULL, NULL, pkt);
    bu_ba(&a, T0 + 30, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.ba.lifetime, 50);

    /* The SA's validity caps the lifetime too (whole 4 s units: 1003 s -> 250 units). */
    tmn_make(&b, 0x124, CBC, 0x11, 1, 0, MIP6TLS_SAS_ALL, 1003);
    install(&b, T0);
    n = tmn_bu(&b, 0xFFFF, pkt);
    bu_ba(&b, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.ba.lifetime, 250);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 2);
}

static void data_both_ways(void **state)
{
    tmn a;
    uint8_t inner[PKT], pkt[PKT], buf[PKT];
    mip6tls_esp_plain p;
    size_t ni, n;
    (void)state;
    tmn_make(&a, 0x200, GCM, 0x20, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);

    /* MN -> CN, reverse-tunnelled: delivered by reference into the caller's buffer. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 0xAB, 1352);
    n = tmn_data(&a, inner, ni, pkt);
    assert_int_equal(hrecv(T0 + 1, &a.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_int_equal(act(0)->conn, 0x200);
    assert_true(act(0)->data >= pkt && act(0)->data + act(0)->len <= pkt + n);
    assert_int_equal(act(0)->len, ni);
    assert_memory_equal(act(0)->data, inner, ni);

    /* CN -> MN: sealed straight into the arena, sent to the CoA from our endpoint. Trailing
     * link padding is not part of the packet. */
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 0xCD, 1352);
    memset(inner + ni, 0xEE, 6);
    assert_int_equal(hsend(T0 + 2, inner, ni + 6), 0);
    assert_int_equal(F.ob.n, 1);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &a.ep));
    assert_true(mip6tls_endpoint_eq(&act(0)->local, &F.local6));
    assert_true(act(0)->data >= F.arena && act(0)->data < F.arena + sizeof F.arena);
    tmn_open(&a, act(0), buf, &p);
    assert_int_equal(p.ptype, MIP6TLS_PTYPE_DATA);
    assert_int_equal(p.next_header, 41);
    assert_int_equal(p.seq, 2); /* the BA used 1 */
    assert_int_equal(p.len, ni);
    assert_memory_equal(p.payload, inner, ni);
    assert_int_equal(entry_of(&a)->next_seq, 3);

    /* No binding for this destination: dropped with an event. */
    ni = mk_inner(inner, 0, CN6, HA6, 0xCD, 10);
    snap();
    expect_drop(hsend(T0 + 3, inner, ni), MIP6TLS_ERR_NOTFOUND, 0);
    assert_unchanged();
    expect_drop(hsend(T0 + 3, inner, 30), MIP6TLS_ERR_TRUNCATED, 0);
    assert_unchanged();

    /* Inner source not the SA's home address (RFC 6618 §6.4): dropped, nothing changed. */
    ni = mk_inner(inner, 0, CN6, CN6, 1, 100);
    n = tmn_data(&a, inner, ni, pkt);
    snap();
    expect_drop(hrecv(T0 + 4, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0x200);
    assert_unchanged();

    /* Next header other than 41/4 under PType 1, and a version that disagrees with it. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 1, 100);
    n = (size_t)mip6tls_esp_seal(&a.esp, 1, 17, inner, ni, pkt, PKT);
    expect_drop(hrecv(T0 + 5, &a.ep, pkt, n), MIP6TLS_ERR_TYPE, 0x200);
    assert_unchanged();
    n = (size_t)mip6tls_esp_seal(&a.esp, 1, 4, inner, ni, pkt, PKT);
    expect_drop(hrecv(T0 + 5, &a.ep, pkt, n), MIP6TLS_ERR_MALFORMED, 0x200);
    assert_unchanged();

    /* RFC 4303 §2.6: a dummy packet (Next Header 59) is discarded silently: no delivery, no
     * event; its sequence number is used up, so a replay of it is a replay. */
    {
        uint8_t dummy[24] = {0}, copy[PKT];
        n = (size_t)mip6tls_esp_seal(&a.esp, 1, 59, dummy, sizeof dummy, pkt, PKT);
        memcpy(copy, pkt, n);
        assert_int_equal(hrecv(T0 + 6, &a.ep, pkt, n), 0);
        assert_int_equal(F.ob.n, 0);
        expect_drop(hrecv(T0 + 7, &a.ep, copy, n), MIP6TLS_ERR_REPLAY, 0x200);
    }
}

static void replay_and_tamper_change_nothing(void **state)
{
    tmn a;
    uint8_t inner[PKT], p1[PKT], p2[PKT], copy[PKT], bu[PKT];
    size_t ni, n1, n2, nb;
    (void)state;
    tmn_make(&a, 0x300, CBC, 0x30, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    nb = tmn_bu(&a, 100, bu);
    memcpy(copy, bu, nb);
    assert_int_equal(hrecv(T0, &a.ep, copy, nb), 0);

    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 7, 200);
    n1 = tmn_data(&a, inner, ni, p1);
    n2 = tmn_data(&a, inner, ni, p2);
    memcpy(copy, p1, n1);
    assert_int_equal(hrecv(T0 + 1, &a.ep, copy, n1), 0);

    /* RFC 4303 §3.4.3: a replay is rejected before the ICV; nothing changes. */
    snap();
    memcpy(copy, p1, n1);
    expect_drop(hrecv(T0 + 2, &a.ep, copy, n1), MIP6TLS_ERR_REPLAY, 0x300);
    assert_unchanged();
    memcpy(copy, bu, nb);
    expect_drop(hrecv(T0 + 2, &a.ep, copy, nb), MIP6TLS_ERR_REPLAY, 0x300);
    assert_unchanged();

    /* A flipped ICV bit, a flipped ciphertext bit, a flipped header bit. */
    memcpy(copy, p2, n2);
    copy[n2 - 1] ^= 1;
    expect_drop(hrecv(T0 + 3, &a.ep, copy, n2), MIP6TLS_ERR_ICV, 0x300);
    assert_unchanged();
    memcpy(copy, p2, n2);
    copy[40] ^= 0x80;
    expect_drop(hrecv(T0 + 3, &a.ep, copy, n2), MIP6TLS_ERR_ICV, 0x300);
    assert_unchanged();
    memcpy(copy, p2, n2);
    copy[7] ^= 0x10; /* the sequence number */
    expect_drop(hrecv(T0 + 3, &a.ep, copy, n2), MIP6TLS_ERR_ICV, 0x300);
    assert_unchanged();
    /* From another endpoint: still no change (the CoA only follows authenticated packets). */
    {
        mip6tls_endpoint other;
        ep6(&other, 0x77, 9999);
        memcpy(copy, p2, n2);
        copy[n2 - 3] ^= 4;
        expect_drop(hrecv(T0 + 3, &other, copy, n2), MIP6TLS_ERR_ICV, 0x300);
        assert_unchanged();
    }
    /* The genuine packet still opens: the forgeries consumed nothing. */
    assert_int_equal(hrecv(T0 + 4, &a.ep, p2, n2), 0);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
}

static void undecodable_and_unknown_spi(void **state)
{
    tmn a, ghost;
    uint8_t pkt[PKT];
    size_t n;
    (void)state;
    tmn_make(&a, 0x400, GCM, 0x40, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);
    snap();
    /* An SA the HA never got (RFC 6618 §6.1): dropped, event carries the SPI. */
    tmn_make(&ghost, 0xABCDEF, GCM, 0x40, 1, 0, MIP6TLS_SAS_ALL, DAY);
    n = tmn_bu(&ghost, 100, pkt);
    expect_drop(hrecv(T0 + 1, &ghost.ep, pkt, n), MIP6TLS_ERR_SPI, 0xABCDEF);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &ghost.ep));
    assert_unchanged();
    /* Encapsulation errors (RFC 6618 §6.2). */
    expect_drop(hrecv(T0 + 1, &a.ep, pkt, 5), MIP6TLS_ERR_TRUNCATED, 0);
    pkt[0] = 0x50;
    expect_drop(hrecv(T0 + 1, &a.ep, pkt, n), MIP6TLS_ERR_TYPE, 0);
    memset(pkt, 0, 8);
    pkt[0] = 0x10; /* PType 1, SPI 0 */
    expect_drop(hrecv(T0 + 1, &a.ep, pkt, n), MIP6TLS_ERR_PTYPE, 0);
    assert_unchanged();
    /* A BU whose MH checksum is wrong (RFC 6275 §9.2: silently discard), nothing changes. */
    {
        mip6tls_mh_msg m;
        uint8_t mh[64];
        int k;
        mip6tls_mh_init(&m, MIP6TLS_MH_BU);
        m.bu.seq = 9;
        m.bu.flags = MIP6TLS_BU_H;
        m.bu.lifetime = 10;
        k = mip6tls_mh_encode(&m, tmn_hoa6(&a), CN6, mh, sizeof mh); /* wrong destination */
        n = (size_t)mip6tls_esp_seal(&a.esp, 8, 135, mh, (size_t)k, pkt, PKT);
        expect_drop(hrecv(T0 + 2, &a.ep, pkt, n), MIP6TLS_ERR_CHECKSUM, 0x400);
        assert_unchanged();
    }
}

static void wrong_hoa_and_h_flag(void **state)
{
    tmn a, v4only;
    uint8_t pkt[PKT], other[16];
    mip6tls_mh_msg ba;
    size_t n;
    (void)state;
    tmn_make(&a, 0x500, XCBC, 0x50, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    memcpy(other, a.sa.hoa6.bytes, 16);
    other[15] ^= 1;
    /* RFC 6275 §10.3.1: the home address identifies the SA; another one gets 133. */
    n = tmn_bu_x(&a, ++a.seq, MIP6TLS_BU_A | MIP6TLS_BU_H, 100, NULL, other, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BU_REJECTED, 0x500, &a.ep, MIP6TLS_BA_NOT_HA_FOR_MN);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_NOT_HA_FOR_MN);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    /* H clear: home registration is all this HA serves -> 131. */
    n = tmn_bu_x(&a, ++a.seq, MIP6TLS_BU_A, 100, NULL, NULL, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    expect_ev(0, MIP6TLS_HA_EV_BU_REJECTED, 0x500, &a.ep, MIP6TLS_BA_HOME_REG_NOT_SUPPORTED);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_HOME_REG_NOT_SUPPORTED);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    /* The right HAO is accepted (the chain form, Next Header 60). */
    n = tmn_bu_x(&a, ++a.seq, MIP6TLS_BU_A | MIP6TLS_BU_H, 100, NULL, a.sa.hoa6.bytes, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 1);
    /* An IPv4-only SA has no IPv6 home address an HAO could name. */
    tmn_make(&v4only, 0x501, GCM, 0x51, 0, 1, MIP6TLS_SAS_ALL, DAY);
    install(&v4only, T0);
    n = tmn_bu_x(&v4only, ++v4only.seq, MIP6TLS_BU_H, 100, NULL, a.sa.hoa6.bytes, pkt);
    bu_ba(&v4only, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_NOT_HA_FOR_MN);
}

static void sequence_numbers(void **state)
{
    tmn a;
    uint8_t pkt[PKT];
    mip6tls_mh_msg ba;
    mip6tls_ha_entry before;
    size_t n;
    uint16_t h = MIP6TLS_BU_A | MIP6TLS_BU_H;
    (void)state;
    tmn_make(&a, 0x600, GCM, 0x60, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    /* RFC 6275 §9.5.1: no Binding Cache entry -> any Sequence # is accepted. */
    n = tmn_bu_x(&a, 65530, h, 100, NULL, NULL, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    before = *entry_of(&a);
    /* Not newer (equal, older, 32768 ahead) -> 135 with the last accepted number; the
     * binding stays. */
    {
        static const uint16_t stale[] = {65530, 65529, 65430, 32762};
        size_t i;
        for (i = 0; i < sizeof stale / sizeof stale[0]; i++) {
            n = tmn_bu_x(&a, stale[i], h, 100, NULL, NULL, pkt);
            bu_ba(&a, T0 + 1, pkt, n, &ba);
            assert_int_equal(ba.ba.status, MIP6TLS_BA_SEQ_OUT_OF_WINDOW);
            assert_int_equal(ba.ba.seq, 65530);
            expect_ev(0, MIP6TLS_HA_EV_BU_REJECTED, 0x600, &a.ep, 135);
            assert_int_equal(entry_of(&a)->last_seq, 65530);
            assert_int_equal(entry_of(&a)->life_end_ms, before.life_end_ms);
            assert_int_equal(entry_of(&a)->flags, before.flags);
        }
    }
    /* Newer across the wrap (65530 -> 3) and at the far edge (+32767). */
    n = tmn_bu_x(&a, 3, h, 100, NULL, NULL, pkt);
    bu_ba(&a, T0 + 2, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.ba.seq, 3);
    n = tmn_bu_x(&a, 3 + 32767, h, 100, NULL, NULL, pkt);
    bu_ba(&a, T0 + 3, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(entry_of(&a)->last_seq, 32770);
}

static void deregistration(void **state)
{
    tmn a;
    uint8_t pkt[PKT], inner[PKT];
    mip6tls_mh_msg ba;
    size_t n, ni;
    uint64_t t;
    (void)state;
    tmn_make(&a, 0x700, GCM, 0x70, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    /* RFC 6275 §10.3.2: no home registration -> 133. */
    n = tmn_bu(&a, 0, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_NOT_HA_FOR_MN);
    expect_ev(0, MIP6TLS_HA_EV_BU_REJECTED, 0x700, &a.ep, 133);

    reg(&a, T0, 100);
    t = T0 + 1000;
    n = tmn_bu(&a, 0, pkt);
    bu_ba(&a, t, pkt, n, &ba);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_DELETED, 0x700, &a.ep, MIP6TLS_HA_WHY_DEREG);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.ba.lifetime, 0);
    assert_int_equal(ba.ba.seq, a.seq);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    assert_int_equal(entry_of(&a)->flags & MIP6TLS_HA_F_BOUND, 0);
    /* No binding: data is dropped both ways. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 1, 50);
    n = tmn_data(&a, inner, ni, pkt);
    expect_drop(hrecv(t + 1, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0x700);
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 1, 50);
    expect_drop(hsend(t + 1, inner, ni), MIP6TLS_ERR_NOTFOUND, 0);
    /* A delayed BU from the visited link within MAX_DELETE_BCE_TIMEOUT -> 135. */
    n = tmn_bu_x(&a, (uint16_t)(a.seq - 1), MIP6TLS_BU_H, 100, NULL, NULL, pkt);
    bu_ba(&a, t + 9999, pkt, n, &ba);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_SEQ_OUT_OF_WINDOW);
    assert_int_equal(ba.ba.seq, a.seq);
    /* The hold is a timer: exactly 10 s after the deregistration. */
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), t + 10000);
    assert_int_equal(htick(t + 9999), 0);
    assert_int_equal(F.ob.n, 0);
    assert_int_equal(htick(t + 10000), 0);
    assert_int_equal(F.ob.n, 1);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_PURGED, 0x700, NULL, 0);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), vms(&a));
    /* Entry gone: any Sequence # again. */
    n = tmn_bu_x(&a, (uint16_t)(a.seq - 1), MIP6TLS_BU_H, 100, NULL, NULL, pkt);
    bu_ba(&a, t + 10001, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_CREATED, 0x700, &a.ep, 400);
}

static void lifetime_expiry(void **state)
{
    tmn a;
    uint8_t pkt[PKT], inner[PKT];
    size_t n, ni;
    uint64_t t = T0 + 777;
    (void)state;
    tmn_make(&a, 0x800, GCM, 0x80, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, t, 25); /* 100 s */
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), t + 100000);
    /* An early tick does nothing. */
    snap();
    assert_int_equal(htick(t + 99999), 0);
    assert_int_equal(F.ob.n, 0);
    assert_unchanged();
    /* Even before the tick, a binding past its lifetime carries nothing. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 1, 50);
    n = tmn_data(&a, inner, ni, pkt);
    expect_drop(hrecv(t + 100000, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0x800);
    assert_unchanged();
    assert_int_equal(htick(t + 100000), 0);
    assert_int_equal(F.ob.n, 1);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_EXPIRED, 0x800, &a.ep, 0);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), vms(&a));
    assert_int_equal(htick(t + 200000), 0);
    assert_int_equal(F.ob.n, 0);

    /* A BU after a lifetime ended but before the tick: the expiry is reported first. */
    reg(&a, t + 300000, 1);
    n = tmn_bu(&a, 2, pkt);
    assert_int_equal(hrecv(t + 304000, &a.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 3);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_EXPIRED, 0x800, &a.ep, 0);
    expect_ev(1, MIP6TLS_HA_EV_BINDING_CREATED, 0x800, &a.ep, 8);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 1);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), t + 312000);
}

static void sa_validity_end(void **state)
{
    tmn a, b, late;
    uint8_t pkt[PKT];
    size_t n;
    (void)state;
    tmn_make(&a, 0x900, GCM, 0x90, 1, 0, MIP6TLS_SAS_ALL, 3600);
    tmn_make(&b, 0x901, CHACHA, 0x91, 1, 0, MIP6TLS_SAS_ALL, 7200);
    install(&b, T0);
    install(&a, T0);
    /* Unix seconds mapped through unix_offset_ms. */
    assert_int_equal(vms(&a), T0 + 3600000);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), T0 + 3600000);
    reg(&a, T0, 0xFFFF); /* 900 units = exactly the validity left */
    assert_int_equal(entry_of(&a)->life_end_ms, T0 + 3600000);
    assert_int_equal(htick(T0 + 3599999), 0);
    assert_int_equal(F.ob.n, 0);
    /* Both timers at the same ms: the binding goes first, then the SA. */
    assert_int_equal(htick(T0 + 3600000), 0);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_EXPIRED, 0x900, &a.ep, 0);
    expect_ev(1, MIP6TLS_HA_EV_SA_EXPIRED, 0x900, NULL, 0);
    assert_int_equal(mip6tls_ha_sa_count(&F.s.ha), 1);
    assert_null(mip6tls_ha_find_spi(&F.s.ha, 0x900));
    n = tmn_bu(&a, 10, pkt);
    expect_drop(hrecv(T0 + 3600001, &a.ep, pkt, n), MIP6TLS_ERR_SPI, 0x900);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), vms(&b));
    /* Before the tick, an SA past its validity is already unusable. */
    n = tmn_bu(&b, 10, pkt);
    expect_drop(hrecv(vms(&b), &b.ep, pkt, n), MIP6TLS_ERR_SPI, 0x901);
    assert_int_equal(htick(vms(&b)), 0);
    expect_ev(0, MIP6TLS_HA_EV_SA_EXPIRED, 0x901, NULL, 0);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), MIP6TLS_NO_DEADLINE);
    /* An SA whose validity is already over is refused. */
    tmn_make(&late, 0x902, GCM, 0x92, 1, 0, MIP6TLS_SAS_ALL, 10);
    mip6tls_outbox_clear(&F.ob);
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, T0 + 10000, &late.sa, &F.ob), MIP6TLS_ERR_ARG);
    assert_int_equal(F.ob.n, 0);
}

/* BA 176 leaves the binding exactly as it was, and data keeps flowing (0042). */
static void expect_rekey(tmn *mn, uint64_t now, uint64_t why)
{
    uint8_t pkt[PKT], inner[PKT];
    mip6tls_mh_msg ba;
    mip6tls_ha_entry before = *entry_of(mn);
    size_t n = tmn_bu(mn, 100, pkt), ni;
    mip6tls_endpoint moved = mn->ep;
    moved.port++; /* even from a new endpoint: the binding is not touched */
    memcpy(&mn->ep, &moved, sizeof moved);
    bu_ba(mn, now, pkt, n, &ba);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_REKEY_REQUESTED, mn->sa.keys.spi, &moved, why);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_REINIT_SA_WITH_HAC);
    assert_int_equal(ba.ba.seq, mn->seq);
    assert_true(mip6tls_endpoint_eq(&entry_of(mn)->coa, &before.coa));
    assert_int_equal(entry_of(mn)->life_end_ms, before.life_end_ms);
    assert_int_equal(entry_of(mn)->last_seq, before.last_seq);
    assert_int_equal(entry_of(mn)->flags, before.flags);
    /* Data from the old endpoint still goes through. */
    mn->ep = before.coa;
    ni = mk_inner(inner, 0, mn->sa.hoa6.bytes, CN6, 1, 60);
    n = tmn_data(mn, inner, ni, pkt);
    assert_int_equal(hrecv(now + 1, &mn->ep, pkt, n), 0);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
}

static void rekey_requests(void **state)
{
    tmn a, b, c, d;
    (void)state;
    /* Outbound counter near the end (set through the caller-owned entry). */
    tmn_make(&a, 0xA00, GCM, 0xA0, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);
    poke_next_seq(&a, 0x100000000ull - MIP6TLS_HA_DEFAULT_REKEY_SEQ_MARGIN + 1);
    expect_rekey(&a, T0 + 10, MIP6TLS_HA_REKEY_SEQ_OUT);
    /* One more number left: no rekey. */
    poke_next_seq(&a, 0x100000000ull - MIP6TLS_HA_DEFAULT_REKEY_SEQ_MARGIN);
    reg(&a, T0 + 20, 100);

    /* Inbound: the MN's numbers run out. */
    tmn_make(&b, 0xA01, CBC, 0xA1, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&b, T0);
    reg(&b, T0, 100);
    entry_of(&b)->replay.top = 0xFFFFFFFFu - MIP6TLS_HA_DEFAULT_REKEY_SEQ_MARGIN + 1;
    memset(entry_of(&b)->replay.ring, 0, sizeof entry_of(&b)->replay.ring);
    b.esp.next_seq = (uint64_t)entry_of(&b)->replay.top + 1;
    expect_rekey(&b, T0 + 10, MIP6TLS_HA_REKEY_SEQ_IN);

    /* Time: validity ends within rekey_time_margin_s (300 s). */
    tmn_make(&c, 0xA02, GCM, 0xA2, 1, 0, MIP6TLS_SAS_ALL, 1000);
    install(&c, T0);
    reg(&c, T0, 100);
    reg(&c, T0 + 700000, 100); /* 300 s left: not yet */
    expect_rekey(&c, T0 + 700001, MIP6TLS_HA_REKEY_TIME);

    /* Admin. */
    tmn_make(&d, 0xA03, GCM, 0xA3, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&d, T0);
    reg(&d, T0, 100);
    assert_int_equal(mip6tls_ha_request_rekey(&F.s.ha, 0xA03), 0);
    assert_int_equal(mip6tls_ha_request_rekey(&F.s.ha, 0xBEEF), MIP6TLS_ERR_NOTFOUND);
    expect_rekey(&d, T0 + 10, MIP6TLS_HA_REKEY_ADMIN);
    expect_rekey(&d, T0 + 20, MIP6TLS_HA_REKEY_ADMIN); /* every BU under it, until replaced */
}

static void new_sa_supersedes_old(void **state)
{
    tmn a, b, c;
    uint8_t pkt[PKT], inner[PKT], buf[PKT], ina[PKT];
    mip6tls_esp_plain p;
    size_t n, ni, na;
    uint64_t t = T0 + 5000;
    (void)state;
    tmn_make(&a, 0xB00, GCM, 0xB0, 1, 1, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);
    /* The MN re-bootstraps: same home addresses, new SPI and keys (interpretation 6). */
    tmn_make(&b, 0xB01, CBC, 0xB0, 1, 1, MIP6TLS_SAS_ALL, 2 * DAY);
    b.ep.port = 41000;
    install(&b, t);
    assert_int_equal(mip6tls_ha_sa_count(&F.s.ha), 2);
    /* Until a BU arrives under B, packets for the home address still go under A. */
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 3, 100);
    assert_int_equal(hsend(t, inner, ni), 0);
    assert_int_equal(act(0)->conn, 0xB00);
    tmn_open(&a, act(0), buf, &p);
    /* Data under B before its first BU: authenticated for the home address, delivered. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 6, 100);
    n = tmn_data(&b, inner, ni, pkt);
    assert_int_equal(hrecv(t, &b.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_true(mip6tls_endpoint_eq(&entry_of(&a)->coa, &a.ep));
    /* A refresh still under A (the MN has not switched yet) leaves the newer B alone. */
    reg(&a, t, 100);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_REFRESHED, 0xB00, &a.ep, 400);
    assert_int_equal(entry_of(&b)->flags & MIP6TLS_HA_F_SUPERSEDED, 0);
    /* A packet sealed under A now, delivered after the switch (in flight). */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 4, 100);
    na = tmn_data(&a, inner, ni, ina);

    /* A third SA C for the same addresses, installed after B: a BU under B must not touch
     * it (only older SAs are superseded). */
    tmn_make(&c, 0xB02, CHACHA, 0xB0, 1, 1, MIP6TLS_SAS_ALL, 3 * DAY);
    install(&c, t);
    /* First BU under B: the binding moves, A is superseded. */
    b.seq = 40; /* a new SA has no sequence history: any number */
    n = tmn_bu(&b, 100, pkt);
    memcpy(buf, pkt, n);
    assert_int_equal(hrecv(t + 1, &b.ep, buf, n), 0);
    assert_int_equal(F.ob.n, 3);
    expect_ev(0, MIP6TLS_HA_EV_SA_SUPERSEDED, 0xB00, &a.ep, 0xB01);
    expect_ev(1, MIP6TLS_HA_EV_BINDING_CREATED, 0xB01, &b.ep, 400);
    {
        mip6tls_mh_msg ba;
        tmn_reply(&b, act(2), &ba);
        assert_int_equal(ba.ba.status, 0);
    }
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 1);
    assert_int_equal(entry_of(&c)->flags & MIP6TLS_HA_F_SUPERSEDED, 0);
    assert_int_equal(mip6tls_ha_find_hoa(&F.s.ha, &a.sa.hoa6)->keys.spi, 0xB01);
    assert_int_equal(mip6tls_ha_find_spi(&F.s.ha, 0xB00)->flags & MIP6TLS_HA_F_SUPERSEDED,
                     MIP6TLS_HA_F_SUPERSEDED);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), t + 1 + 10000);

    /* Packets for the home address now go under B to B's endpoint. */
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 5, 100);
    assert_int_equal(hsend(t + 2, inner, ni), 0);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &b.ep));
    tmn_open(&b, act(0), buf, &p);
    assert_memory_equal(p.payload, inner, ni);

    /* The in-flight packet under A still opens during the grace, from A's old endpoint, and
     * does not pull the binding back. */
    memcpy(buf, ina, na);
    assert_int_equal(hrecv(t + 10000, &a.ep, buf, na), 0);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_true(mip6tls_endpoint_eq(&entry_of(&b)->coa, &b.ep));
    /* A BU under A is stale now: dropped. */
    snap();
    n = tmn_bu(&a, 100, pkt);
    expect_drop(hrecv(t + 10000, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0xB00);
    assert_unchanged();

    /* Grace over: A's packets no longer open (before and after the tick). */
    na = tmn_data(&a, inner, ni, ina);
    memcpy(buf, ina, na);
    expect_drop(hrecv(t + 10001, &a.ep, buf, na), MIP6TLS_ERR_SPI, 0xB00);
    assert_int_equal(htick(t + 10001), 0);
    assert_int_equal(F.ob.n, 1);
    expect_ev(0, MIP6TLS_HA_EV_SA_REMOVED, 0xB00, NULL, MIP6TLS_HA_WHY_GRACE);
    assert_null(mip6tls_ha_find_spi(&F.s.ha, 0xB00));
    memcpy(buf, ina, na);
    expect_drop(hrecv(t + 10002, &a.ep, buf, na), MIP6TLS_ERR_SPI, 0xB00);
    /* The IPv6 home address is served by B; the IPv4 one (bound nowhere: the BU carried no
     * IPv4 option) by an SA that is not superseded. */
    assert_int_equal(mip6tls_ha_find_hoa(&F.s.ha, &a.sa.hoa6)->keys.spi, 0xB01);
    assert_int_equal(mip6tls_ha_find_hoa(&F.s.ha, &a.sa.hoa4)->flags & MIP6TLS_HA_F_SUPERSEDED, 0);
    /* Then the MN moves on to C: C supersedes B. */
    n = tmn_bu(&c, 100, pkt);
    assert_int_equal(hrecv(t + 10003, &c.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 3);
    expect_ev(0, MIP6TLS_HA_EV_SA_SUPERSEDED, 0xB01, &b.ep, 0xB02);
    expect_ev(1, MIP6TLS_HA_EV_BINDING_CREATED, 0xB02, &c.ep, 400);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 1);
}

static void nat_rebinding(void **state)
{
    tmn a;
    uint8_t pkt[PKT], inner[PKT], older[PKT], newer[PKT], buf[PKT];
    mip6tls_endpoint nat1, nat2, nat3;
    mip6tls_esp_plain p;
    size_t n, ni, no, nn;
    (void)state;
    tmn_make(&a, 0xC00, GCM, 0xC0, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);
    nat1 = a.ep;
    nat1.port = 50000;
    /* Same SA, the NAT gave a new port: replies follow the newest authenticated packet. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 1, 80);
    n = tmn_data(&a, inner, ni, pkt);
    assert_int_equal(hrecv(T0 + 1, &nat1, pkt, n), 0);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_UPDATED, 0xC00, &nat1, 399);
    assert_int_equal(act(1)->type, MIP6TLS_ACT_DELIVER);
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 2, 80);
    assert_int_equal(hsend(T0 + 2, inner, ni), 0);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &nat1));
    tmn_open(&a, act(0), buf, &p);

    /* Reordering: the newer packet from nat2 first, then the older from nat3. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 3, 80);
    no = tmn_data(&a, inner, ni, older);
    nn = tmn_data(&a, inner, ni, newer);
    nat2 = nat1;
    nat2.port = 50001;
    nat3 = nat1;
    nat3.port = 50002;
    assert_int_equal(hrecv(T0 + 3, &nat2, newer, nn), 0);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_UPDATED, 0xC00, &nat2, 399);
    assert_int_equal(hrecv(T0 + 4, &nat3, older, no), 0);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_true(mip6tls_endpoint_eq(&entry_of(&a)->coa, &nat2));
    /* A BU from yet another endpoint moves it as well (RFC 5555 §4.2). */
    a.ep = nat3;
    n = tmn_bu(&a, 100, pkt);
    assert_int_equal(hrecv(T0 + 5, &nat3, pkt, n), 0);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_UPDATED, 0xC00, &nat3, 400);
    assert_true(mip6tls_endpoint_eq(&entry_of(&a)->coa, &nat3));
    /* And a packet arriving on our IPv4 endpoint updates the local side. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 3, 80);
    n = tmn_data(&a, inner, ni, pkt);
    assert_int_equal(hrecv_on(T0 + 6, &F.local4, &nat3, pkt, n), 0);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_UPDATED, 0xC00, &nat3, 399);
    assert_true(mip6tls_endpoint_eq(&entry_of(&a)->local, &F.local4));
}

static void plain_packets(void **state)
{
    tmn all, sig;
    uint8_t pkt[PKT], inner[PKT];
    mip6tls_endpoint stranger;
    size_t ni;
    int n;
    mip6tls_ha_config cfg;
    (void)state;
    tmn_make(&all, 0xD00, GCM, 0xD0, 1, 0, MIP6TLS_SAS_ALL, DAY);
    tmn_make(&sig, 0xD01, GCM, 0xD1, 1, 0, MIP6TLS_SAS_SIGNALING, DAY);
    install(&all, T0);
    install(&sig, T0);
    reg(&all, T0, 100);
    reg(&sig, T0, 100);
    snap();
    /* RFC 6618 §5.6.4, §6.4: scope 1 -> PType 0 MUST be silently discarded. */
    ni = mk_inner(inner, 0, all.sa.hoa6.bytes, CN6, 1, 64);
    n = mip6tls_encap_plain(inner, ni, pkt, PKT);
    expect_drop(hrecv(T0 + 1, &all.ep, pkt, (size_t)n), MIP6TLS_ERR_POLICY, 0xD00);
    assert_unchanged();
    /* Scope 0: accepted from the bound CoA, delivered by reference... */
    ni = mk_inner(inner, 0, sig.sa.hoa6.bytes, CN6, 2, 64);
    n = mip6tls_encap_plain(inner, ni, pkt, PKT);
    assert_int_equal(hrecv(T0 + 2, &sig.ep, pkt, (size_t)n), 0);
    assert_int_equal(F.ob.n, 1);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_ptr_equal(act(0)->data, pkt + 8);
    assert_int_equal(act(0)->len, ni);
    assert_int_equal(act(0)->conn, 0xD01);
    assert_unchanged();
    /* ... and from nowhere else (RFC 6275 §10.4.5). */
    ep6(&stranger, 0xEE, 1234);
    expect_drop(hrecv(T0 + 3, &stranger, pkt, (size_t)n), MIP6TLS_ERR_POLICY, 0xD01);
    /* A source with no binding at all, and a PType 0 body that is not an IP packet. */
    ni = mk_inner(inner, 0, CN6, HA6, 2, 64);
    n = mip6tls_encap_plain(inner, ni, pkt, PKT);
    expect_drop(hrecv(T0 + 3, &sig.ep, pkt, (size_t)n), MIP6TLS_ERR_POLICY, 0);
    pkt[8] = 0x50;
    expect_drop(hrecv(T0 + 3, &sig.ep, pkt, (size_t)n), MIP6TLS_ERR_VERSION, 0);
    assert_unchanged();
    /* Outbound: sealed regardless of scope unless plain_when_allowed. */
    ni = mk_inner(inner, 0, CN6, sig.sa.hoa6.bytes, 2, 64);
    assert_int_equal(hsend(T0 + 4, inner, ni), 0);
    assert_int_equal(act(0)->data[0] >> 4, 1);

    base_cfg(&cfg);
    cfg.plain_when_allowed = 1;
    fx_init_cfg(&cfg);
    tmn_make(&all, 0xD00, GCM, 0xD0, 1, 0, MIP6TLS_SAS_ALL, DAY);
    tmn_make(&sig, 0xD01, GCM, 0xD1, 1, 0, MIP6TLS_SAS_SIGNALING, DAY);
    install(&all, T0);
    install(&sig, T0);
    reg(&all, T0, 100);
    reg(&sig, T0, 100);
    assert_int_equal(hsend(T0 + 4, inner, ni), 0);
    assert_int_equal(act(0)->len, ni + 8);
    assert_memory_equal(act(0)->data, Z16, 8);
    assert_memory_equal(act(0)->data + 8, inner, ni);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &sig.ep));
    ni = mk_inner(inner, 0, CN6, all.sa.hoa6.bytes, 2, 64);
    assert_int_equal(hsend(T0 + 4, inner, ni), 0);
    assert_int_equal(act(0)->data[0] >> 4, 1); /* scope 1: always protected */
}

static void binding_error_and_other_types(void **state)
{
    tmn a;
    uint8_t mh[64], chain[128], pkt[PKT], hao[16];
    mip6tls_mh_msg be;
    size_t n;
    uint16_t ck;
    int k;
    (void)state;
    tmn_make(&a, 0xE00, XCBC, 0xE0, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    /* An unknown MH type (1: HoTI, which RFC 6618 §7 carries as data, never as PType 8). */
    memset(mh, 0, 16);
    mh[0] = 59;
    mh[1] = 1;
    mh[2] = 1;
    ck = mip6tls_mh_checksum(mh, 16, a.sa.hoa6.bytes, HA6);
    mip6tls_put16(mh + 4, ck);
    n = (size_t)mip6tls_esp_seal(&a.esp, 8, 135, mh, 16, pkt, PKT);
    assert_int_equal(hrecv(T0, &a.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BE_SENT, 0xE00, &a.ep, MIP6TLS_BE_UNKNOWN_MH_TYPE);
    tmn_reply(&a, act(1), &be);
    assert_int_equal(be.type, MIP6TLS_MH_BE);
    assert_int_equal(be.be.status, MIP6TLS_BE_UNKNOWN_MH_TYPE);
    assert_memory_equal(be.be.home_addr.bytes, Z16, 16); /* RFC 6275 §9.3.3: no HAO -> :: */
    /* With a Home Address option, the BE carries that address. */
    {
        mip6tls_mh_msg m;
        mip6tls_mh_init(&m, MIP6TLS_MH_BU);
        m.bu.flags = MIP6TLS_BU_H;
        memcpy(hao, a.sa.hoa6.bytes, 16);
        k = mip6tls_mh_encode_chain(&m, hao, a.sa.hoa6.bytes, HA6, chain, sizeof chain);
        assert_true(k > 24);
        memcpy(chain + 24, mh, 16); /* keep the Destination Options header */
        n = (size_t)mip6tls_esp_seal(&a.esp, 8, 60, chain, 40, pkt, PKT);
        assert_int_equal(hrecv(T0, &a.ep, pkt, n), 0);
        tmn_reply(&a, act(1), &be);
        assert_memory_equal(be.be.home_addr.bytes, hao, 16);
    }
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    /* A BA sent to the HA: a known type the HA does not take. */
    {
        mip6tls_mh_msg m;
        mip6tls_mh_init(&m, MIP6TLS_MH_BA);
        k = mip6tls_mh_encode(&m, a.sa.hoa6.bytes, HA6, mh, sizeof mh);
        n = (size_t)mip6tls_esp_seal(&a.esp, 8, 135, mh, (size_t)k, pkt, PKT);
        snap();
        expect_drop(hrecv(T0, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0xE00);
        assert_unchanged();
    }
}

static void ipv4_home_address(void **state)
{
    tmn a, n6, v4only;
    uint8_t pkt[PKT], inner[PKT], buf[PKT];
    mip6tls_mh_opts o;
    mip6tls_mh_msg ba;
    mip6tls_esp_plain p;
    size_t n, ni;
    const uint8_t any[4] = {0, 0, 0, 0}, wrong[4] = {10, 0, 0, 99};
    uint16_t h = MIP6TLS_BU_A | MIP6TLS_BU_H;
    (void)state;
    tmn_make(&a, 0xF00, GCM, 0xF0, 1, 1, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    /* RFC 5555 §4.5: the SA's IPv4 home address is acknowledged. */
    memset(&o, 0, sizeof o);
    o.present = MIP6TLS_MHO_IPV4_HOA;
    o.ipv4_hoa = a.sa.hoa4;
    o.ipv4_hoa_plen = 32;
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    bu_ba(&a, T0, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.opt.present, MIP6TLS_MHO_IPV4_ACK);
    assert_int_equal(ba.opt.ipv4_ack_status, MIP6TLS_V4ACK_SUCCESS);
    assert_int_equal(ba.opt.ipv4_ack_plen, 32);
    assert_true(mip6tls_addr_eq(&ba.opt.ipv4_ack_hoa, &a.sa.hoa4));
    /* IPv4 user data both ways. */
    ni = mk_inner(inner, 1, a.sa.hoa4.bytes, CN4, 9, 300);
    n = tmn_data(&a, inner, ni, pkt);
    assert_int_equal(hrecv(T0 + 1, &a.ep, pkt, n), 0);
    assert_int_equal(act(0)->type, MIP6TLS_ACT_DELIVER);
    assert_int_equal(act(0)->len, ni);
    ni = mk_inner(inner, 1, CN4, a.sa.hoa4.bytes, 9, 300);
    assert_int_equal(hsend(T0 + 1, inner, ni), 0);
    tmn_open(&a, act(0), buf, &p);
    assert_int_equal(p.next_header, 4);
    assert_memory_equal(p.payload, inner, ni);
    /* 0.0.0.0 asks for an address: the SA's (the HAC allocated it). */
    o.ipv4_hoa.bytes[0] = 0;
    memcpy(o.ipv4_hoa.bytes, any, 4);
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    bu_ba(&a, T0 + 2, pkt, n, &ba);
    assert_int_equal(ba.opt.ipv4_ack_status, MIP6TLS_V4ACK_SUCCESS);
    assert_true(mip6tls_addr_eq(&ba.opt.ipv4_ack_hoa, &a.sa.hoa4));
    /* Another address: 130, the IPv6 binding stands, IPv4 is no longer bound. */
    memcpy(o.ipv4_hoa.bytes, wrong, 4);
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    bu_ba(&a, T0 + 3, pkt, n, &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.opt.ipv4_ack_status, MIP6TLS_V4ACK_INCORRECT_HOA);
    assert_int_equal(ba.opt.ipv4_ack_plen, 0);
    expect_drop(hsend(T0 + 4, inner, ni), MIP6TLS_ERR_NOTFOUND, 0);
    {
        /* ... and IPv4 packets from the MN are no longer taken either. */
        uint8_t in4[PKT];
        size_t n4 = mk_inner(in4, 1, a.sa.hoa4.bytes, CN4, 9, 300);
        n = tmn_data(&a, in4, n4, pkt);
        expect_drop(hrecv(T0 + 4, &a.ep, pkt, n), MIP6TLS_ERR_POLICY, 0xF00);
    }
    /* A BU without the option does not bind the IPv4 home address either. */
    n = tmn_bu(&a, 100, pkt);
    bu_ba(&a, T0 + 5, pkt, n, &ba);
    assert_int_equal(ba.opt.present, 0);
    assert_int_equal(entry_of(&a)->flags & MIP6TLS_HA_F_BOUND4, 0);

    /* No IPv4 home address in the SA: dynamic -> 132, prefix request -> 133. */
    tmn_make(&n6, 0xF01, GCM, 0xF1, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&n6, T0);
    memcpy(o.ipv4_hoa.bytes, any, 4);
    n = tmn_bu_x(&n6, ++n6.seq, h, 100, &o, NULL, pkt);
    bu_ba(&n6, T0, pkt, n, &ba);
    assert_int_equal(ba.opt.ipv4_ack_status, MIP6TLS_V4ACK_NO_DYNAMIC_HOA);
    o.ipv4_hoa_p = 1;
    n = tmn_bu_x(&n6, ++n6.seq, h, 100, &o, NULL, pkt);
    bu_ba(&n6, T0, pkt, n, &ba);
    assert_int_equal(ba.opt.ipv4_ack_status, MIP6TLS_V4ACK_PREFIX_UNAUTHORIZED);
    o.ipv4_hoa_p = 0;

    /* An IPv4-only SA: a BU without HAO registers its IPv4 home address... */
    tmn_make(&v4only, 0xF02, CHACHA, 0xF2, 0, 1, MIP6TLS_SAS_ALL, DAY);
    install(&v4only, T0);
    reg(&v4only, T0, 100);
    assert_int_equal(entry_of(&v4only)->flags & MIP6TLS_HA_F_BOUND4, MIP6TLS_HA_F_BOUND4);
    ni = mk_inner(inner, 1, CN4, v4only.sa.hoa4.bytes, 9, 30);
    assert_int_equal(hsend(T0 + 1, inner, ni), 0);
    assert_int_equal(act(0)->conn, 0xF02);
    /* ... and asking for another IPv4 address leaves it nothing to bind: 133. */
    memcpy(o.ipv4_hoa.bytes, wrong, 4);
    n = tmn_bu_x(&v4only, ++v4only.seq, h, 100, &o, NULL, pkt);
    bu_ba(&v4only, T0 + 2, pkt, n, &ba);
    assert_int_equal(ba.ba.status, MIP6TLS_BA_NOT_HA_FOR_MN);
    assert_int_equal(entry_of(&v4only)->flags & MIP6TLS_HA_F_BOUND4, MIP6TLS_HA_F_BOUND4);
}

static void ipv4_outer_and_nat_detection(void **state)
{
    tmn a;
    uint8_t pkt[PKT], inner[PKT], buf[PKT];
    mip6tls_mh_opts o;
    mip6tls_mh_msg ba;
    mip6tls_esp_plain p;
    mip6tls_endpoint public_ep, natted;
    size_t n, ni;
    uint16_t h = MIP6TLS_BU_A | MIP6TLS_BU_H;
    const uint8_t private_coa[4] = {10, 1, 1, 1};
    (void)state;
    tmn_make(&a, 0x1100, XCBC, 0x11, 1, 1, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    /* DSMIPv6 with a public IPv4 CoA: outer IPv4 both ways; no NAT -> refresh all 1s. */
    ep4(&public_ep, 198, 51, 100, 7, 4500);
    a.ep = public_ep;
    memset(&o, 0, sizeof o);
    o.present = MIP6TLS_MHO_IPV4_COA;
    o.ipv4_coa = public_ep.addr;
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    memcpy(buf, pkt, n);
    assert_int_equal(hrecv_on(T0, &F.local4, &public_ep, buf, n), 0);
    assert_true(mip6tls_endpoint_eq(&act(1)->remote, &public_ep));
    assert_true(mip6tls_endpoint_eq(&act(1)->local, &F.local4));
    tmn_reply(&a, act(1), &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(ba.opt.present, MIP6TLS_MHO_NAT_DETECT);
    assert_int_equal(ba.opt.nat_refresh, MIP6TLS_NAT_REFRESH_NONE);
    assert_int_equal(ba.opt.nat_f, 1);
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 1, 100);
    assert_int_equal(hsend(T0 + 1, inner, ni), 0);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &public_ep));
    assert_true(mip6tls_endpoint_eq(&act(0)->local, &F.local4));
    tmn_open(&a, act(0), buf, &p);

    /* Behind a NAT: the option names a private address -> NAT detected, refresh 110 s
     * (RFC 5555 §6 NATKATIMEOUT), replies to the translated endpoint. */
    ep4(&natted, 203, 0, 113, 5, 61000);
    a.ep = natted;
    mip6tls_addr_set4(&o.ipv4_coa, private_coa);
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    memcpy(buf, pkt, n);
    assert_int_equal(hrecv_on(T0 + 2, &F.local4, &natted, buf, n), 0);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_UPDATED, 0x1100, &natted, 400);
    tmn_reply(&a, act(1), &ba);
    assert_int_equal(ba.opt.nat_refresh, MIP6TLS_HA_DEFAULT_NAT_REFRESH_S);
    assert_int_equal(hsend(T0 + 3, inner, ni), 0);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &natted));
    /* An IPv6 outer source with an IPv4 CoA option also means translation. */
    a.ep.addr = a.sa.hoa6; /* any IPv6 address */
    n = tmn_bu_x(&a, ++a.seq, h, 100, &o, NULL, pkt);
    bu_ba(&a, T0 + 4, pkt, n, &ba);
    assert_int_equal(ba.opt.nat_refresh, MIP6TLS_HA_DEFAULT_NAT_REFRESH_S);
}

static void outbox_too_small(void **state)
{
    tmn a, b;
    uint8_t pkt[PKT], copy[PKT], inner[PKT];
    mip6tls_action few[3];
    uint8_t small[64];
    mip6tls_outbox ob;
    size_t n, ni;
    (void)state;
    tmn_make(&a, 0x1200, GCM, 0x12, 1, 0, MIP6TLS_SAS_ALL, DAY);
    tmn_make(&b, 0x1201, GCM, 0x13, 1, 0, MIP6TLS_SAS_ALL, DAY + 1);

    /* install: no room for its event. */
    mip6tls_outbox_init(&ob, few, 0, F.arena, sizeof F.arena);
    snap();
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, T0, &a.sa, &ob), MIP6TLS_ERR_NOBUF);
    assert_unchanged();
    install(&a, T0);
    install(&b, T0);

    /* A BU needs 3 actions and the sealed BA's room; the packet stays untouched. */
    n = tmn_bu(&a, 100, pkt);
    memcpy(copy, pkt, n);
    mip6tls_outbox_init(&ob, few, 2, F.arena, sizeof F.arena);
    snap();
    assert_int_equal(mip6tls_ha_recv(&F.s.ha, T0, &F.local6, &a.ep, pkt, n, &ob),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(ob.n, 0);
    assert_unchanged();
    assert_memory_equal(pkt, copy, n);
    mip6tls_outbox_init(&ob, few, 3, small, 40);
    assert_int_equal(mip6tls_ha_recv(&F.s.ha, T0, &F.local6, &a.ep, pkt, n, &ob),
                     MIP6TLS_ERR_NOBUF);
    assert_unchanged();
    assert_memory_equal(pkt, copy, n);
    /* Retried with room: accepted. */
    assert_int_equal(hrecv(T0, &a.ep, pkt, n), 0);
    assert_int_equal(act(1)->type, MIP6TLS_ACT_SEND_DGRAM);

    /* Data needs 2 actions. */
    ni = mk_inner(inner, 0, a.sa.hoa6.bytes, CN6, 1, 100);
    n = tmn_data(&a, inner, ni, pkt);
    memcpy(copy, pkt, n);
    mip6tls_outbox_init(&ob, few, 1, small, sizeof small);
    snap();
    assert_int_equal(mip6tls_ha_recv(&F.s.ha, T0, &F.local6, &a.ep, pkt, n, &ob),
                     MIP6TLS_ERR_NOBUF);
    assert_unchanged();
    assert_memory_equal(pkt, copy, n);
    /* Sending needs the sealed packet's room. */
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 1, 100);
    assert_int_equal(mip6tls_ha_send(&F.s.ha, T0, inner, ni, &ob), MIP6TLS_ERR_NOBUF);
    assert_int_equal(ob.n, 0);
    assert_unchanged();
    /* remove_sa of a bound SA needs 2 events. */
    assert_int_equal(mip6tls_ha_remove_sa(&F.s.ha, T0, 0x1200, &ob), MIP6TLS_ERR_NOBUF);
    assert_unchanged();

    /* tick makes progress unit by unit: two due timers, room for one unit at a time. */
    reg(&b, T0, 1);     /* ends at T0 + 4000 */
    reg(&a, T0 + 1, 1); /* ends at T0 + 4001 */
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), T0 + 4000);
    mip6tls_outbox_init(&ob, few, 2, small, sizeof small);
    assert_int_equal(mip6tls_ha_tick(&F.s.ha, T0 + 5000, &ob), MIP6TLS_ERR_NOBUF);
    assert_int_equal(ob.n, 1);
    assert_int_equal(few[0].event, MIP6TLS_HA_EV_BINDING_EXPIRED);
    assert_int_equal(few[0].conn, 0x1201);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), T0 + 4001);
    mip6tls_outbox_clear(&ob);
    assert_int_equal(mip6tls_ha_tick(&F.s.ha, T0 + 5000, &ob), 0);
    assert_int_equal(ob.n, 1);
    assert_int_equal(few[0].conn, 0x1200);
    assert_int_equal(mip6tls_ha_sa_count(&F.s.ha), 2);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    assert_int_equal(mip6tls_ha_next_deadline(&F.s.ha), vms(&a));
}

static void exhaustion_and_dereg_under_newer_sa(void **state)
{
    tmn a, b;
    uint8_t pkt[PKT], inner[PKT];
    mip6tls_mh_msg ba;
    size_t n, ni;
    uint64_t t = T0 + 100;
    (void)state;
    /* No outbound sequence number left (RFC 4303 §3.3.3, decisions/0005): the BA cannot be
     * sealed, so the BU is dropped with nothing changed, and so is user data. */
    tmn_make(&a, 0x1300, GCM, 0x13, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&a, T0);
    reg(&a, T0, 100);
    poke_next_seq(&a, 0x100000000ull);
    n = tmn_bu(&a, 100, pkt);
    snap();
    expect_drop(hrecv(t, &a.ep, pkt, n), MIP6TLS_ERR_SEQ_EXHAUSTED, 0x1300);
    assert_unchanged();
    ni = mk_inner(inner, 0, CN6, a.sa.hoa6.bytes, 1, 20);
    expect_drop(hsend(t, inner, ni), MIP6TLS_ERR_SEQ_EXHAUSTED, 0x1300);
    assert_true(mip6tls_endpoint_eq(&act(0)->remote, &a.ep));
    assert_unchanged();
    poke_next_seq(&a, 5);

    /* The MN re-bootstrapped and deregisters under the new SA while the old one holds the
     * binding: the old SA is superseded and the binding deleted (RFC 6275 §10.3.2). */
    tmn_make(&b, 0x1301, CBC, 0x13, 1, 0, MIP6TLS_SAS_ALL, DAY);
    install(&b, t);
    n = tmn_bu(&b, 0, pkt);
    assert_int_equal(hrecv(t + 1, &b.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 3);
    expect_ev(0, MIP6TLS_HA_EV_SA_SUPERSEDED, 0x1300, &a.ep, 0x1301);
    expect_ev(1, MIP6TLS_HA_EV_BINDING_DELETED, 0x1301, &b.ep, MIP6TLS_HA_WHY_DEREG);
    tmn_reply(&b, act(2), &ba);
    assert_int_equal(ba.ba.status, 0);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
    /* The hold ended but no tick ran: the next BU reports the purge, then the binding. */
    n = tmn_bu_x(&b, (uint16_t)(b.seq - 1), MIP6TLS_BU_H, 10, NULL, NULL, pkt);
    assert_int_equal(hrecv(t + 1 + 10000, &b.ep, pkt, n), 0);
    assert_int_equal(F.ob.n, 3);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_PURGED, 0x1301, NULL, 0);
    expect_ev(1, MIP6TLS_HA_EV_BINDING_CREATED, 0x1301, &b.ep, 40);
    /* remove_sa after the lifetime ended but before the tick reports the expiry. */
    mip6tls_outbox_clear(&F.ob);
    assert_int_equal(mip6tls_ha_remove_sa(&F.s.ha, t + 1 + 10000 + 40000, 0x1301, &F.ob), 0);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_EXPIRED, 0x1301, &b.ep, 0);
    expect_ev(1, MIP6TLS_HA_EV_SA_REMOVED, 0x1301, &b.ep, MIP6TLS_HA_WHY_ADMIN);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), 0);
}

static void table_full_and_admin(void **state)
{
    tmn mns[N_SAS + 1], again;
    uint8_t buf[PKT], inner[PKT];
    mip6tls_esp_plain p;
    size_t i, ni;
    (void)state;
    for (i = 0; i < N_SAS; i++) {
        tmn_make(&mns[i], (uint32_t)(0x2000 + i), i % 2 ? CBC : GCM, (uint8_t)(0x20 + i), 1,
                 i % 3 == 0, MIP6TLS_SAS_ALL, DAY + i);
        install(&mns[i], T0);
    }
    tmn_make(&mns[N_SAS], 0x3000, GCM, 0x40, 1, 0, MIP6TLS_SAS_ALL, DAY);
    mip6tls_outbox_clear(&F.ob);
    snap();
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, T0, &mns[N_SAS].sa, &F.ob), MIP6TLS_ERR_FULL);
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, T0, &mns[0].sa, &F.ob), MIP6TLS_ERR_EXISTS);
    mns[N_SAS].sa.keys.spi = 0;
    assert_int_equal(mip6tls_ha_install_sa(&F.s.ha, T0, &mns[N_SAS].sa, &F.ob), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ha_remove_sa(&F.s.ha, T0, 0x3000, &F.ob), MIP6TLS_ERR_NOTFOUND);
    assert_int_equal(F.ob.n, 0);
    assert_unchanged();
    /* Every SA works with 4 cache slots for 8 SAs (misses and evictions). */
    for (i = 0; i < N_SAS; i++)
        reg(&mns[i], T0 + 1, 100);
    for (i = 0; i < N_SAS; i++) {
        ni = mk_inner(inner, 0, CN6, mns[i].sa.hoa6.bytes, (uint8_t)i, 100);
        assert_int_equal(hsend(T0 + 2, inner, ni), 0);
        tmn_open(&mns[i], act(0), buf, &p);
        assert_memory_equal(p.payload, inner, ni);
    }
    /* Admin removal of a bound SA. */
    mip6tls_outbox_clear(&F.ob);
    assert_int_equal(mip6tls_ha_remove_sa(&F.s.ha, T0 + 3, 0x2003, &F.ob), 0);
    assert_int_equal(F.ob.n, 2);
    expect_ev(0, MIP6TLS_HA_EV_BINDING_DELETED, 0x2003, &mns[3].ep, MIP6TLS_HA_WHY_ADMIN);
    expect_ev(1, MIP6TLS_HA_EV_SA_REMOVED, 0x2003, &mns[3].ep, MIP6TLS_HA_WHY_ADMIN);
    assert_int_equal(mip6tls_ha_sa_count(&F.s.ha), N_SAS - 1);
    assert_int_equal(mip6tls_ha_binding_count(&F.s.ha), N_SAS - 1);
    assert_null(mip6tls_ha_find_hoa(&F.s.ha, &mns[3].sa.hoa6));
    for (i = 0; i < N_CACHE; i++)
        assert_int_not_equal(F.s.cache[i].spi, 0x2003);
    /* The same SPI again with other keys: nothing stale is used. */
    tmn_make(&again, 0x2003, CHACHA, 0x23, 1, 0, MIP6TLS_SAS_ALL, DAY);
    again.sa.keys.mn_to_ha_ekey[0] ^= 0x55;
    again.sa.keys.ha_to_mn_ekey[0] ^= 0x55;
    {
        static const uint8_t salt[8] = {1};
        assert_int_equal(
            mip6tls_esp_sa_init(&again.esp, &impl, MIP6TLS_ESP_MN, &again.sa.keys, salt, 0), 0);
    }
    install(&again, T0 + 4);
    reg(&again, T0 + 5, 100);
}

/* The heap against a brute-force minimum over many installs, refreshes and removals. */
static void deadline_heap_matches_brute_force(void **state)
{
    enum { N = 64 };
    static mip6tls_ha_entry entries[N];
    static uint32_t heap[N], sb[32], hb[64];
    static mip6tls_ha_cache_slot cache[2];
    static mip6tls_action acts[64];
    static uint8_t arena[4096];
    mip6tls_ha ha;
    mip6tls_drbg d;
    mip6tls_ha_storage st;
    mip6tls_ha_config cfg;
    mip6tls_outbox ob;
    uint8_t seed[32], rnd[4];
    size_t round;
    (void)state;
    tu_fill(seed, sizeof seed, 7);
    assert_int_equal(mip6tls_drbg_init(&d, seed, sizeof seed), 0);
    st.entries = entries, st.n_entries = N, st.heap = heap;
    st.spi_buckets = sb, st.n_spi_buckets = 32, st.hoa_buckets = hb, st.n_hoa_buckets = 64;
    st.cache = cache, st.n_cache = 2;
    base_cfg(&cfg);
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), 0);
    mip6tls_outbox_init(&ob, acts, 64, arena, sizeof arena);
    for (round = 0; round < 2000; round++) {
        uint64_t now = T0 + round * 1000, best = MIP6TLS_NO_DEADLINE;
        uint32_t spi;
        size_t i, live = 0;
        tu_fill(rnd, sizeof rnd, round + 1);
        spi = 1 + rnd[0] % 96;
        mip6tls_outbox_clear(&ob);
        if (rnd[1] & 1) {
            tmn mn;
            tmn_make(&mn, spi, GCM, (uint8_t)spi, 1, rnd[1] & 2, MIP6TLS_SAS_ALL,
                     (uint64_t)round + 1 + rnd[2] * 10u);
            (void)mip6tls_ha_install_sa(&ha, now, &mn.sa, &ob);
        } else {
            (void)mip6tls_ha_remove_sa(&ha, now, spi, &ob);
        }
        mip6tls_outbox_clear(&ob);
        if (rnd[3] < 64) {
            int rc;
            while ((rc = mip6tls_ha_tick(&ha, now, &ob)) == MIP6TLS_ERR_NOBUF)
                mip6tls_outbox_clear(&ob);
            assert_int_equal(rc, 0);
            assert_true(mip6tls_ha_next_deadline(&ha) > now);
        }
        for (i = 0; i < N; i++)
            if (entries[i].flags & MIP6TLS_HA_F_USED) {
                live++;
                uint64_t dl = mip6tls_ha_entry_deadline(&ha, &entries[i]);
                if (dl < best)
                    best = dl;
                assert_ptr_equal(mip6tls_ha_find_spi(&ha, entries[i].keys.spi), &entries[i]);
                assert_int_equal(heap[entries[i].heap_pos], i);
            }
        assert_int_equal(live, mip6tls_ha_sa_count(&ha));
        assert_int_equal(mip6tls_ha_next_deadline(&ha), best);
    }
}

static void init_checks_and_names(void **state)
{
    mip6tls_ha ha;
    mip6tls_ha_config cfg;
    mip6tls_ha_storage st;
    mip6tls_drbg d;
    mip6tls_ha_entry e[2];
    uint32_t heap[2], b[4];
    mip6tls_ha_cache_slot c[1];
    uint8_t seed[32] = {1};
    uint16_t ev;
    (void)state;
    assert_int_equal(mip6tls_drbg_init(&d, seed, sizeof seed), 0);
    st.entries = e, st.n_entries = 2, st.heap = heap;
    st.spi_buckets = b, st.n_spi_buckets = 2, st.hoa_buckets = b + 2, st.n_hoa_buckets = 2;
    st.cache = c, st.n_cache = 1;
    mip6tls_ha_config_default(&cfg);
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), 0);
    assert_int_equal(ha.cfg.port, 7872);
    assert_int_equal(ha.cfg.max_lifetime_s, MIP6TLS_HA_DEFAULT_MAX_LIFETIME_S);
    assert_int_equal(ha.cfg.grace_ms, MIP6TLS_HA_DEFAULT_GRACE_MS);
    assert_int_equal(mip6tls_ha_next_deadline(&ha), MIP6TLS_NO_DEADLINE);
    st.n_spi_buckets = 3;
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), MIP6TLS_ERR_ARG);
    st.n_spi_buckets = 2;
    st.n_entries = 0;
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), MIP6TLS_ERR_ARG);
    st.n_entries = 2;
    cfg.replay_window = 1024;
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), MIP6TLS_ERR_ARG);
    cfg.replay_window = 0;
    cfg.max_lifetime_s = 3;
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), MIP6TLS_ERR_ARG);
    cfg.max_lifetime_s = 0;
    mip6tls_addr_set4(&cfg.addr6, HA4);
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), MIP6TLS_ERR_ARG);
    /* A negative offset (monotonic clock ahead of Unix time) maps validity the other way. */
    mip6tls_ha_config_default(&cfg);
    cfg.unix_offset_ms = -5000;
    assert_int_equal(mip6tls_ha_init(&ha, &cfg, &impl, &d, &st), 0);
    {
        tmn mn;
        mip6tls_action a1[1];
        uint8_t ar[8];
        mip6tls_outbox ob;
        mip6tls_outbox_init(&ob, a1, 1, ar, sizeof ar);
        tmn_make(&mn, 0x42, GCM, 1, 1, 0, MIP6TLS_SAS_ALL, 0);
        mn.sa.validity_end = 10;
        assert_int_equal(mip6tls_ha_install_sa(&ha, 0, &mn.sa, &ob), 0);
        assert_int_equal(mip6tls_ha_next_deadline(&ha), 15000);
    }
    for (ev = MIP6TLS_HA_EV_SA_INSTALLED; ev <= MIP6TLS_HA_EV_PACKET_DROPPED; ev++)
        assert_string_not_equal(mip6tls_ha_event_name(ev), "unknown");
    assert_string_equal(mip6tls_ha_event_name(0), "unknown");
    assert_int_equal(mip6tls_ha_pow2(1000000), 1048576);
    assert_int_equal(mip6tls_ha_pow2(0), 1);
    assert_true(mip6tls_ha_storage_bytes(1000000, 4096) < 1024ull * 1024 * 1024);
}

/* ---- seed corpus for fuzz_ha ------------------------------------------------------------
 * The fuzz target's set-up must agree with this (same keys from tmn_make, same SPIs, hosts
 * and suites): SA 0 GCM spi 0x101 host 0x31 v6+v4 scope 1; SA 1 CBC spi 0x102 host 0x32 v6
 * scope 0; SA 2 ChaCha spi 0x103 host 0x33 v4 only scope 1; SA 3 XCBC spi 0x104 with SA 0's
 * home addresses, scope 1; SAs 0 and 1 registered with Sequence # 1, so their MN's next ESP
 * sequence number is 2.
 * Input: octet 0 mode (bit 2 seal, bit 3 PType 8, bits 0-1 SA), octet 1 next header,
 * octet 2 flags (bit 0 other endpoint, bit 1 IPv4 local, bit 2 also ha_send, bit 3 tick),
 * then the payload (sealed by the target when bit 2 is set, else the raw UDP payload). */

static int corpus_seed(const char *dir, const char *name, uint8_t mode, uint8_t nh, uint8_t fl,
                       const uint8_t *d, size_t n)
{
    uint8_t pre[3];
    pre[0] = mode, pre[1] = nh, pre[2] = fl;
    return tu_write_file(dir, name, pre, 3, d, n);
}

static int write_corpus(const char *dir)
{
    tmn m[4];
    uint8_t out[PKT], chain[256], inner[PKT];
    mip6tls_mh_msg msg;
    mip6tls_mh_opts o;
    int err = 0, n, i;
    size_t ni;
    tmn_make(&m[0], 0x101, GCM, 0x31, 1, 1, MIP6TLS_SAS_ALL, DAY);
    tmn_make(&m[1], 0x102, CBC, 0x32, 1, 0, MIP6TLS_SAS_SIGNALING, DAY);
    tmn_make(&m[2], 0x103, CHACHA, 0x33, 0, 1, MIP6TLS_SAS_ALL, DAY);
    tmn_make(&m[3], 0x104, XCBC, 0x31, 1, 1, MIP6TLS_SAS_ALL, DAY);
    /* A BU under SA 3 supersedes SA 0; data under SA 3 before and after. */
    mip6tls_mh_init(&msg, MIP6TLS_MH_BU);
    msg.bu.seq = 1;
    msg.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H;
    msg.bu.lifetime = 30;
    n = mip6tls_mh_encode_chain(&msg, NULL, tmn_hoa6(&m[3]), HA6, chain, sizeof chain);
    err |= n < 0 || corpus_seed(dir, "bu-sa3-supersedes-sa0", 0x0F, 135, 0x0C, chain, (size_t)n);
    ni = mk_inner(inner, 0, m[3].sa.hoa6.bytes, CN6, 1, 64);
    err |= corpus_seed(dir, "data6-sa3-before-its-bu", 0x07, 41, 0x04, inner, ni);
    /* Plain BUs for the target to seal: refresh, dereg, with HAO, with IPv4 options, no H. */
    for (i = 0; i < 3; i++) {
        static const uint16_t life[] = {100, 0, 0xFFFF};
        char name[64];
        mip6tls_mh_init(&msg, MIP6TLS_MH_BU);
        msg.bu.seq = (uint16_t)(2 + i);
        msg.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H;
        msg.bu.lifetime = life[i];
        n = mip6tls_mh_encode_chain(&msg, NULL, tmn_hoa6(&m[i]), HA6, chain, sizeof chain);
        snprintf(name, sizeof name, "bu-sa%d-life%u", i, life[i]);
        err |= n < 0 || corpus_seed(dir, name, (uint8_t)(0x0C | i), 135, 0, chain, (size_t)n);
        n = mip6tls_mh_encode_chain(&msg, tmn_hoa6(&m[i]), tmn_hoa6(&m[i]), HA6, chain,
                                    sizeof chain);
        snprintf(name, sizeof name, "bu-hao-sa%d-life%u", i, life[i]);
        err |= n < 0 || corpus_seed(dir, name, (uint8_t)(0x0C | i), 60, 0x08, chain, (size_t)n);
    }
    memset(&o, 0, sizeof o);
    o.present = MIP6TLS_MHO_IPV4_HOA | MIP6TLS_MHO_IPV4_COA;
    o.ipv4_hoa = m[0].sa.hoa4;
    o.ipv4_hoa_plen = 32;
    {
        const uint8_t coa[4] = {10, 9, 8, 7};
        mip6tls_addr_set4(&o.ipv4_coa, coa);
    }
    mip6tls_mh_init(&msg, MIP6TLS_MH_BU);
    msg.bu.seq = 7;
    msg.bu.flags = MIP6TLS_BU_H;
    msg.bu.lifetime = 10;
    msg.opt = o;
    n = mip6tls_mh_encode_chain(&msg, NULL, tmn_hoa6(&m[0]), HA6, chain, sizeof chain);
    err |= n < 0 || corpus_seed(dir, "bu-dsmip-options", 0x0C, 135, 0x02, chain, (size_t)n);
    msg.bu.flags = 0;
    n = mip6tls_mh_encode_chain(&msg, NULL, tmn_hoa6(&m[0]), HA6, chain, sizeof chain);
    err |= n < 0 || corpus_seed(dir, "bu-no-h-flag", 0x0C, 135, 0x01, chain, (size_t)n);
    {
        uint8_t mh[16] = {59, 1, 1, 0};
        uint16_t ck = mip6tls_mh_checksum(mh, 16, tmn_hoa6(&m[0]), HA6);
        mip6tls_put16(mh + 4, ck);
        err |= corpus_seed(dir, "unknown-mh-type", 0x0C, 135, 0, mh, 16);
    }
    /* Plain inner packets for the target to seal: IPv6 from SA 0/1, IPv4 from SA 0/2. */
    ni = mk_inner(inner, 0, m[0].sa.hoa6.bytes, CN6, 1, 64);
    err |= corpus_seed(dir, "data6-sa0", 0x04, 41, 0x04, inner, ni);
    ni = mk_inner(inner, 0, m[1].sa.hoa6.bytes, CN6, 1, 64);
    err |= corpus_seed(dir, "data6-sa1-other-ep", 0x05, 41, 0x01, inner, ni);
    ni = mk_inner(inner, 1, m[0].sa.hoa4.bytes, CN4, 1, 64);
    err |= corpus_seed(dir, "data4-sa0", 0x04, 4, 0x08, inner, ni);
    ni = mk_inner(inner, 1, m[2].sa.hoa4.bytes, CN4, 1, 64);
    err |= corpus_seed(dir, "data4-sa2", 0x06, 4, 0, inner, ni);
    /* Raw packets: really sealed (MN sequence number 2, past the set-up's BU), PType 0. */
    ni = mk_inner(inner, 0, m[0].sa.hoa6.bytes, CN6, 2, 200);
    m[0].esp.next_seq = 2;
    n = mip6tls_esp_seal(&m[0].esp, 1, 41, inner, ni, out, PKT);
    err |= n < 0 || corpus_seed(dir, "raw-sealed-data6-sa0", 0x00, 0, 0x04, out, (size_t)n);
    mip6tls_mh_init(&msg, MIP6TLS_MH_BU);
    msg.bu.seq = 2;
    msg.bu.flags = MIP6TLS_BU_H;
    msg.bu.lifetime = 0;
    n = mip6tls_mh_encode_chain(&msg, NULL, tmn_hoa6(&m[1]), HA6, chain, sizeof chain);
    m[1].esp.next_seq = 2;
    n = mip6tls_esp_seal(&m[1].esp, 8, 135, chain, (size_t)n, out, PKT);
    err |= n < 0 || corpus_seed(dir, "raw-sealed-dereg-sa1", 0x00, 0, 0, out, (size_t)n);
    ni = mk_inner(inner, 0, m[1].sa.hoa6.bytes, CN6, 3, 100);
    n = mip6tls_encap_plain(inner, ni, out, PKT);
    err |= n < 0 || corpus_seed(dir, "raw-ptype0-sa1", 0x00, 0, 0, out, (size_t)n);
    ni = mk_inner(inner, 0, m[0].sa.hoa6.bytes, CN6, 3, 100);
    n = mip6tls_encap_plain(inner, ni, out, PKT);
    err |= n < 0 || corpus_seed(dir, "raw-ptype0-sa0-scope1", 0x00, 0, 0, out, (size_t)n);
    return err ? 1 : 0;
}

static int run_group(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(first_registration, fx_setup),
        cmocka_unit_test_setup(data_both_ways, fx_setup),
        cmocka_unit_test_setup(replay_and_tamper_change_nothing, fx_setup),
        cmocka_unit_test_setup(undecodable_and_unknown_spi, fx_setup),
        cmocka_unit_test_setup(wrong_hoa_and_h_flag, fx_setup),
        cmocka_unit_test_setup(sequence_numbers, fx_setup),
        cmocka_unit_test_setup(deregistration, fx_setup),
        cmocka_unit_test_setup(lifetime_expiry, fx_setup),
        cmocka_unit_test_setup(sa_validity_end, fx_setup),
        cmocka_unit_test_setup(rekey_requests, fx_setup),
        cmocka_unit_test_setup(new_sa_supersedes_old, fx_setup),
        cmocka_unit_test_setup(nat_rebinding, fx_setup),
        cmocka_unit_test_setup(plain_packets, fx_setup),
        cmocka_unit_test_setup(binding_error_and_other_types, fx_setup),
        cmocka_unit_test_setup(ipv4_home_address, fx_setup),
        cmocka_unit_test_setup(ipv4_outer_and_nat_detection, fx_setup),
        cmocka_unit_test_setup(outbox_too_small, fx_setup),
        cmocka_unit_test_setup(exhaustion_and_dereg_under_newer_sa, fx_setup),
        cmocka_unit_test_setup(table_full_and_admin, fx_setup),
        cmocka_unit_test(deadline_heap_matches_brute_force),
        cmocka_unit_test(init_checks_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

int main(int argc, char **argv)
{
    int rc;
    mip6tls_esp_impl_detect(&impl);
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    rc = run_group();
    mip6tls_esp_impl_portable(&impl);
    return rc | run_group();
}
