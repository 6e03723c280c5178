/*
 * test_mn.c: the Mobile Node role (mn.c), against an HA side made in this file from the
 * codecs (esp.h with the HA's keys, mh.h), with assertions on the MN's outbox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"
#include "mip6tls/mn.h"
#include "testutil.h"

#define T0 1000000u                          /* now_ms at the start of each test */
#define WALL_AT_T0 1798761600000ll           /* 2027-01-01 00:00:00 UTC, in ms */
#define OFFSET ((int64_t)WALL_AT_T0 - (int64_t)T0)

typedef struct {
    mip6tls_esp_impl impl;
    mip6tls_drbg drbg;
    mip6tls_mn mn;
    mip6tls_action acts[32];
    uint8_t arena[16384];
    mip6tls_outbox ob;
    mip6tls_esp_sa ha[3]; /* the HA's side of each SA the test hands out */
    mip6tls_sa sa[3];
    mip6tls_endpoint coa1, coa2, coa4, home, ha6, ha4;
} fx;

static void ep(mip6tls_endpoint *e, const char *a, uint16_t port)
{
    memset(e, 0, sizeof *e);
    assert_int_equal(mip6tls_addr_parse(&e->addr, a, strlen(a)), 0);
    e->port = port;
}

static void make_sa(fx *f, int i, uint32_t spi, uint64_t valid_s, uint8_t scope)
{
    mip6tls_sa *sa = &f->sa[i];
    uint8_t salt[8] = {9, 9, 9, 9, 9, 9, 9, (uint8_t)i};
    memset(sa, 0, sizeof *sa);
    sa->keys.suite = MIP6TLS_SUITE_AES_128_GCM_SHA256;
    sa->keys.spi = spi;
    sa->keys.ekey_len = 20;
    tu_fill(sa->keys.mn_to_ha_ekey, 20, spi * 2);
    tu_fill(sa->keys.ha_to_mn_ekey, 20, spi * 2 + 1);
    sa->validity_end = (uint64_t)WALL_AT_T0 / 1000u + valid_s;
    sa->scope = scope;
    sa->ha6 = f->ha6.addr;
    sa->ha4 = f->ha4.addr;
    sa->port = 7872;
    assert_int_equal(mip6tls_addr_parse(&sa->hoa6, "2001:db8:1::100", 15), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hoa4, "192.0.2.100", 11), 0);
    assert_int_equal(mip6tls_sa_check(sa), 0);
    assert_int_equal(mip6tls_esp_sa_init(&f->ha[i], &f->impl, MIP6TLS_ESP_HA, &sa->keys, salt, 0),
                     0);
}

static int setup(void **state)
{
    static fx f;
    uint8_t seed[32] = {1, 2, 3};
    mip6tls_mn_config cfg;
    memset(&f, 0, sizeof f);
    mip6tls_esp_impl_detect(&f.impl);
    mip6tls_drbg_init(&f.drbg, seed, sizeof seed);
    mip6tls_outbox_init(&f.ob, f.acts, 32, f.arena, sizeof f.arena);
    ep(&f.coa1, "2001:db8:a::5", 40000);
    ep(&f.coa2, "2001:db8:b::5", 40000);
    ep(&f.coa4, "198.51.100.5", 40001);
    ep(&f.home, "2001:db8:1::100", 40000);
    ep(&f.ha6, "2001:db8::1", 7872);
    ep(&f.ha4, "192.0.2.1", 7872);
    memset(&cfg, 0, sizeof cfg);
    cfg.unix_offset_ms = OFFSET;
    assert_int_equal(mip6tls_mn_init(&f.mn, T0, &cfg, &f.impl, &f.drbg, &f.ob), 0);
    *state = &f;
    return 0;
}

/* ---- outbox helpers ---- */

static const mip6tls_action *find(const fx *f, int type, int nth)
{
    for (size_t i = 0; i < f->ob.n; i++)
        if (f->acts[i].type == type && nth-- == 0)
            return &f->acts[i];
    return NULL;
}

static int count(const fx *f, int type)
{
    int n = 0;
    for (size_t i = 0; i < f->ob.n; i++)
        n += f->acts[i].type == type;
    return n;
}

static const mip6tls_action *find_event(const fx *f, int ev)
{
    for (size_t i = 0; i < f->ob.n; i++)
        if (f->acts[i].type == MIP6TLS_ACT_EVENT && f->acts[i].event == ev)
            return &f->acts[i];
    return NULL;
}

/* Opens the BU datagram `a` on the HA side of SA `i` and returns the BU. */
static mip6tls_mh_msg open_bu(fx *f, int i, const mip6tls_action *a, mip6tls_addr *hao)
{
    static uint8_t buf[2048];
    mip6tls_esp_plain p;
    mip6tls_mh_msg m;
    mip6tls_addr ignored;
    if (hao == NULL)
        hao = &ignored;
    assert_non_null(a);
    memcpy(buf, a->data, a->len);
    assert_int_equal(mip6tls_esp_open(&f->ha[i], buf, a->len, &p), 0);
    assert_int_equal(p.ptype, MIP6TLS_PTYPE_MH);
    assert_int_equal(mip6tls_mh_decode_chain(p.next_header, p.payload, p.len,
                                             f->sa[i].hoa6.bytes, f->sa[i].ha6.bytes, &m, hao),
                     0);
    assert_int_equal(m.type, MIP6TLS_MH_BU);
    return m;
}

/* A BA sealed under SA `i`, as the HA would send it. */
static size_t make_ba(fx *f, int i, uint8_t status, uint16_t seq, uint16_t units,
                      const mip6tls_mh_opts *opt, uint8_t *out, size_t cap)
{
    mip6tls_mh_msg m;
    uint8_t mh[256];
    int n;
    mip6tls_mh_init(&m, MIP6TLS_MH_BA);
    m.ba.status = status;
    m.ba.seq = seq;
    m.ba.lifetime = units;
    if (opt != NULL)
        m.opt = *opt;
    n = mip6tls_mh_encode(&m, f->sa[i].ha6.bytes, f->sa[i].hoa6.bytes, mh, sizeof mh);
    assert_true(n > 0);
    n = mip6tls_esp_seal(&f->ha[i], MIP6TLS_PTYPE_MH, MIP6TLS_MH_NEXT_HEADER, mh, (size_t)n,
                         out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static int deliver_ba(fx *f, uint64_t now, int i, uint8_t status, uint16_t seq, uint16_t units,
                      const mip6tls_mh_opts *opt)
{
    uint8_t pkt[512];
    size_t n = make_ba(f, i, status, seq, units, opt, pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    return mip6tls_mn_recv(&f->mn, now, &f->mn.coa, &f->mn.ha, pkt, n, &f->ob);
}

/* An inner IPv6 UDP packet between `src` and `dst`. */
static size_t inner6(const char *src, const char *dst, uint8_t *out, size_t cap)
{
    mip6tls_endpoint s, d;
    int n;
    ep(&s, src, 5000);
    ep(&d, dst, 6000);
    n = mip6tls_ip_udp_build(&s, &d, 64, (const uint8_t *)"hello", 5, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* Installs SA 0 (valid 3600 s, scope 1) and moves to CoA 1 at T0: returns the BU sent. */
static mip6tls_mh_msg first_bu(fx *f)
{
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob), 0);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob), 0);
    return open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL);
}

/* Installs SA 0, sets CoA 1, acknowledges the BU: the MN is BOUND at T0. */
static uint16_t register_at_coa1(fx *f)
{
    mip6tls_mh_msg bu;
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_COA);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob), 0);
    bu = open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL);
    assert_int_equal(deliver_ba(f, T0 + 30, 0, 0, bu.bu.seq, bu.bu.lifetime, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);
    return bu.bu.seq;
}

/* ---- tests ---- */

static void starts_by_asking_for_an_sa(void **state)
{
    fx *f = *state;
    const mip6tls_action *e = find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP);
    assert_non_null(e);
    assert_int_equal(e->arg, MIP6TLS_MN_RENEW_INITIAL);
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_SA);
    assert_int_equal(mip6tls_mn_needs_sa(&f->mn), MIP6TLS_MN_RENEW_INITIAL);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), MIP6TLS_NO_DEADLINE);
}

static void first_registration_and_data_both_ways(void **state)
{
    fx *f = *state;
    const mip6tls_action *a;
    mip6tls_mh_msg bu;
    mip6tls_addr hao;
    mip6tls_esp_plain p;
    uint8_t pkt[512], buf[512];
    size_t n;

    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob), 0);
    assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 0); /* no SA: nothing to send yet */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob), 0);
    assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 1);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_true(mip6tls_endpoint_eq(&a->local, &f->coa1));
    assert_true(mip6tls_endpoint_eq(&a->remote, &f->ha6));
    assert_int_equal(a->data[0] >> 4, MIP6TLS_PTYPE_MH); /* §6.3: PType 8 */
    bu = open_bu(f, 0, a, &hao);
    assert_true(mip6tls_addr_eq(&hao, &f->sa[0].hoa6)); /* HAO carries the HoA */
    assert_int_equal(bu.bu.flags & (MIP6TLS_BU_A | MIP6TLS_BU_H), MIP6TLS_BU_A | MIP6TLS_BU_H);
    assert_int_equal(bu.bu.lifetime, 150); /* 600 s */
    assert_true(bu.opt.present & MIP6TLS_MHO_IPV4_HOA);
    /* RFC 5555 §4.4.2 (static address): the IPv4 HoA option carries the SA's IPv4 HoA. */
    assert_true(mip6tls_addr_eq(&bu.opt.ipv4_hoa, &f->sa[0].hoa4));
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_BA);
    /* RFC 6275 §11.8: the first registration waits InitialBindackTimeoutFirstReg. */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 1500);

    /* Data is held back until the binding exists. */
    n = inner6("2001:db8:1::100", "2001:db8:99::1", pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 10, pkt, n, &f->ob), MIP6TLS_ERR_STATE);

    assert_int_equal(deliver_ba(f, T0 + 40, 0, 0, bu.bu.seq, 150, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);
    /* refresh at 3/4 of 600 s, counted from the BU's sending (RFC 6275 §11.7.3) */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 450000);
    {
        mip6tls_mn_status st;
        mip6tls_mn_get_status(&f->mn, &st); /* what a status display reads */
        assert_int_equal(st.state, MIP6TLS_MN_BOUND);
        assert_true(mip6tls_endpoint_eq(&st.coa, &f->coa1));
        assert_true(mip6tls_endpoint_eq(&st.ha, &f->ha6));
        assert_int_equal(st.nat, 0);
        assert_int_equal(st.binding_end, T0 + 600000);
        assert_int_equal(st.refresh_at, T0 + 450000);
        assert_ptr_equal(mip6tls_mn_active_sa(&f->mn), &f->mn.active.sa);
        assert_null(mip6tls_mn_pending_sa(&f->mn));
        assert_null(mip6tls_mn_boot(&f->mn)); /* no cfg.boot in this fixture */
    }

    /* MN -> HA: PType 1, inner IPv6 (Next Header 41) */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 50, pkt, n, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_non_null(a);
    assert_int_equal(a->data[0] >> 4, MIP6TLS_PTYPE_DATA);
    memcpy(buf, a->data, a->len);
    assert_int_equal(mip6tls_esp_open(&f->ha[0], buf, a->len, &p), 0);
    assert_int_equal(p.next_header, MIP6TLS_IPPROTO_IPV6);
    assert_int_equal(p.len, n);
    assert_memory_equal(p.payload, pkt, n);

    /* HA -> MN: delivered by reference into the MN's buffer */
    n = inner6("2001:db8:99::1", "2001:db8:1::100", pkt, sizeof pkt);
    {
        int len = mip6tls_esp_seal(&f->ha[0], MIP6TLS_PTYPE_DATA, 41, pkt, n, buf, sizeof buf);
        mip6tls_outbox_clear(&f->ob);
        assert_int_equal(
            mip6tls_mn_recv(&f->mn, T0 + 60, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob), 0);
        a = find(f, MIP6TLS_ACT_DELIVER, 0);
        assert_non_null(a);
        assert_true(a->data >= buf && a->data < buf + sizeof buf);
        assert_int_equal(a->len, n);
        assert_memory_equal(a->data, pkt, n);
    }
}

/* RFC 6275 §11.8: 1.5 s, then doubling to 32 s, then 32 s on; each with a new sequence number. */
static void retransmission_backoff(void **state)
{
    fx *f = *state;
    static const uint32_t gaps[] = {1500, 3000, 6000, 12000, 24000, 32000, 32000, 32000};
    uint64_t now = T0;
    uint16_t last;
    last = first_bu(f).bu.seq;
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        mip6tls_mh_msg bu;
        assert_int_equal(mip6tls_mn_next_deadline(&f->mn), now + gaps[i]);
        mip6tls_outbox_clear(&f->ob);
        assert_int_equal(mip6tls_mn_tick(&f->mn, now + gaps[i] - 1, &f->ob), 0);
        assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 0); /* early tick: nothing */
        now += gaps[i];
        assert_int_equal(mip6tls_mn_tick(&f->mn, now, &f->ob), 0);
        bu = open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL);
        assert_int_equal(bu.bu.seq, (uint16_t)(last + 1));
        last = bu.bu.seq;
    }
    /* A late BA for an older BU is not the answer. */
    assert_int_equal(deliver_ba(f, now + 1, 0, 0, (uint16_t)(last - 1), 150, NULL),
                     MIP6TLS_ERR_REPLAY);
    assert_int_equal(deliver_ba(f, now + 2, 0, 0, last, 150, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);
}

/* A move costs one BU/BA and no re-keying. */
static void handover_is_one_round_trip(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    const mip6tls_action *a;
    register_at_coa1(f);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0 + 5000, &f->coa2, &f->ob), 0);
    assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 1);
    assert_null(find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP));
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_true(mip6tls_endpoint_eq(&a->local, &f->coa2));
    bu = open_bu(f, 0, a, NULL);
    /* The binding exists: INITIAL_BINDACK_TIMEOUT (1 s) */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 5000 + 1000);
    assert_int_equal(deliver_ba(f, T0 + 5040, 0, 0, bu.bu.seq, bu.bu.lifetime, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);
    assert_int_equal(mip6tls_mn_active_sa(&f->mn)->keys.spi, 0x100);
    /* The same CoA again changes nothing. */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0 + 6000, &f->coa2, &f->ob), 0);
    assert_int_equal(f->ob.n, 0);
}

static void sequence_out_of_window_resends_past_the_ha(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    bu = first_bu(f);
    /* RFC 6275 §10.3.1: status 135 carries the last sequence number the HA accepted (here,
     * one the MN used before a restart); §11.7.3: the MN goes on past it. */
    assert_int_equal(deliver_ba(f, T0 + 10, 0, MIP6TLS_BA_SEQ_OUT_OF_WINDOW,
                                (uint16_t)(bu.bu.seq + 1000), 0, NULL),
                     0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_BA);
    {
        uint16_t ha_last = (uint16_t)(bu.bu.seq + 1000);
        mip6tls_mh_msg again = open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL);
        assert_int_equal(again.bu.seq, (uint16_t)(ha_last + 1));
    }
}

/* 176 -> new SA -> BU under it -> promotion, with the old SA kept inbound for the grace. */
static void reinit_and_make_before_break(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    const mip6tls_action *a;
    uint8_t pkt[512], buf[512];
    size_t n;
    int len;
    register_at_coa1(f);
    /* Refresh time: the HA says 176. */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 30 + 450000, &f->ob), 0);
    bu = open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL);
    assert_int_equal(deliver_ba(f, T0 + 450100, 0, MIP6TLS_BA_REINIT_SA_WITH_HAC, bu.bu.seq, 0,
                                NULL),
                     0);
    a = find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP);
    assert_non_null(a);
    assert_int_equal(a->arg, MIP6TLS_MN_RENEW_REINIT);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND); /* the old binding still carries traffic */

    /* Traffic still flows under the old SA. */
    n = inner6("2001:db8:1::100", "2001:db8:99::1", pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 450200, pkt, n, &f->ob), 0);
    assert_int_equal(mip6tls_get32(find(f, MIP6TLS_ACT_SEND_DGRAM, 0)->data) & 0x0FFFFFFF, 0x100);

    /* The new SA arrives: pending, BU under it. */
    make_sa(f, 1, 0x200, 7200, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0 + 451000, &f->sa[1], &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_int_equal(mip6tls_get32(a->data) & 0x0FFFFFFF, 0x200);
    bu = open_bu(f, 1, a, NULL);
    /* Until the BA, data still goes under the old SA. */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 451010, pkt, n, &f->ob), 0);
    assert_int_equal(mip6tls_get32(find(f, MIP6TLS_ACT_SEND_DGRAM, 0)->data) & 0x0FFFFFFF, 0x100);
    assert_int_equal(deliver_ba(f, T0 + 451050, 1, 0, bu.bu.seq, bu.bu.lifetime, NULL), 0);
    assert_non_null(find_event(f, MIP6TLS_MN_EV_SA_ACTIVATED));
    assert_int_equal(mip6tls_mn_active_sa(&f->mn)->keys.spi, 0x200);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 451060, pkt, n, &f->ob), 0);
    assert_int_equal(mip6tls_get32(find(f, MIP6TLS_ACT_SEND_DGRAM, 0)->data) & 0x0FFFFFFF, 0x200);

    /* A packet in flight under the old SA still arrives within the grace... */
    n = inner6("2001:db8:99::1", "2001:db8:1::100", pkt, sizeof pkt);
    len = mip6tls_esp_seal(&f->ha[0], 1, 41, pkt, n, buf, sizeof buf);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(
        mip6tls_mn_recv(&f->mn, T0 + 452000, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob), 0);
    assert_non_null(find(f, MIP6TLS_ACT_DELIVER, 0));
    /* ... and not after it. */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 451050 + 10000, &f->ob), 0);
    assert_non_null(find_event(f, MIP6TLS_MN_EV_SA_RETIRED));
    len = mip6tls_esp_seal(&f->ha[0], 1, 41, pkt, n, buf, sizeof buf);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(
        mip6tls_mn_recv(&f->mn, T0 + 461100, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob),
        MIP6TLS_ERR_SPI);
}

static void validity_renewal_then_expiry(void **state)
{
    fx *f = *state;
    const mip6tls_action *a;
    make_sa(f, 0, 0x100, 1000, MIP6TLS_SAS_ALL); /* valid for 1000 s */
    mip6tls_outbox_clear(&f->ob);
    mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob);
    /* renew 300 s before the end */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 700000);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 700000, &f->ob), 0);
    a = find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP);
    assert_non_null(a);
    assert_int_equal(a->arg, MIP6TLS_MN_RENEW_VALIDITY);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 1000000);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 1000000, &f->ob), 0);
    assert_non_null(find_event(f, MIP6TLS_MN_EV_SA_EXPIRED));
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_SA);
    assert_null(mip6tls_mn_active_sa(&f->mn));
}

/* Every bad input is dropped and leaves the MN exactly as it was. */
static void hostile_inputs_change_nothing(void **state)
{
    fx *f = *state;
    static mip6tls_mn before;
    uint8_t pkt[512], buf[512];
    size_t n;
    int len;
    uint16_t seq = register_at_coa1(f);
    memcpy(&before, &f->mn, sizeof before);

    /* a replay of the accepted BA */
    f->ha[0].next_seq--;
    assert_int_equal(deliver_ba(f, T0 + 100, 0, 0, seq, 150, NULL), MIP6TLS_ERR_REPLAY);
    assert_memory_equal(&before, &f->mn, sizeof before);
    /* a tampered packet */
    n = inner6("2001:db8:99::1", "2001:db8:1::100", pkt, sizeof pkt);
    len = mip6tls_esp_seal(&f->ha[0], 1, 41, pkt, n, buf, sizeof buf);
    buf[len - 1] ^= 1;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_recv(&f->mn, T0 + 101, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob),
                     MIP6TLS_ERR_ICV);
    assert_memory_equal(&before, &f->mn, sizeof before);
    /* from someone who is not the HA */
    buf[len - 1] ^= 1;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_recv(&f->mn, T0 + 102, &f->coa1, &f->coa2, buf, (size_t)len, &f->ob),
                     MIP6TLS_ERR_POLICY);
    /* authentic, but for another home address: dropped, and the replay window forgets it */
    n = inner6("2001:db8:99::1", "2001:db8:1::999", pkt, sizeof pkt);
    len = mip6tls_esp_seal(&f->ha[0], 1, 41, pkt, n, buf, sizeof buf);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_recv(&f->mn, T0 + 103, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob),
                     MIP6TLS_ERR_POLICY);
    assert_memory_equal(&before, &f->mn, sizeof before);
    /* PType 0 with scope 1: silently discarded (§6.4) */
    n = inner6("2001:db8:99::1", "2001:db8:1::100", pkt, sizeof pkt);
    len = mip6tls_encap_plain(pkt, n, buf, sizeof buf);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_recv(&f->mn, T0 + 104, &f->coa1, &f->ha6, buf, (size_t)len, &f->ob),
                     MIP6TLS_ERR_POLICY);
    /* every truncation of a valid BA */
    len = (int)make_ba(f, 0, 0, seq, 150, NULL, pkt, sizeof pkt);
    for (int k = 0; k < len; k++) {
        memcpy(buf, pkt, (size_t)k);
        mip6tls_outbox_clear(&f->ob);
        assert_true(mip6tls_mn_recv(&f->mn, T0 + 105, &f->coa1, &f->ha6, buf, (size_t)k, &f->ob) < 0);
    }
    assert_memory_equal(&before, &f->mn, sizeof before);
    /* the MN only tunnels its own packets */
    n = inner6("2001:db8:1::999", "2001:db8:99::1", pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 106, pkt, n, &f->ob), MIP6TLS_ERR_POLICY);
    assert_memory_equal(&before, &f->mn, sizeof before);
}

static void full_outbox_changes_nothing(void **state)
{
    fx *f = *state;
    static mip6tls_mn before;
    mip6tls_action acts[2];
    uint8_t arena[64];
    mip6tls_outbox small;
    register_at_coa1(f);
    memcpy(&before, &f->mn, sizeof before);
    mip6tls_outbox_init(&small, acts, 2, arena, sizeof arena);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0 + 10, &f->coa2, &small), MIP6TLS_ERR_NOBUF);
    assert_int_equal(small.n, 0);
    assert_memory_equal(&before, &f->mn, sizeof before);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 30 + 450000, &small), MIP6TLS_ERR_NOBUF);
    assert_memory_equal(&before, &f->mn, sizeof before);
}

static void returning_home_deregisters(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    const mip6tls_action *a;
    register_at_coa1(f);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_returned_home(&f->mn, T0 + 2000, &f->home, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_true(mip6tls_endpoint_eq(&a->local, &f->home));
    bu = open_bu(f, 0, a, NULL);
    assert_int_equal(bu.bu.lifetime, 0); /* RFC 6275 §11.5.4: lifetime 0 deregisters */
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_DEREG_BA);
    assert_int_equal(deliver_ba(f, T0 + 2030, 0, 0, bu.bu.seq, 0, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_AT_HOME);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 3600000 - 300000); /* renewal only */
}

/* An IPv4 CoA before any SA (the bootstrap is slower than the keepalive period): the
 * keepalive timer fires, but nothing goes to an HA no BU has named yet. */
static void keepalive_waits_for_the_ha(void **state)
{
    fx *f = *state;
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa4, &f->ob), 0);
    assert_null(find(f, MIP6TLS_ACT_SEND_DGRAM, 0));
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 20000, &f->ob), 0);
    assert_null(find(f, MIP6TLS_ACT_SEND_DGRAM, 0));
    assert_true(mip6tls_mn_next_deadline(&f->mn) > T0 + 20000); /* re-armed, no busy loop */
}

/* DSMIPv6: an IPv4 care-of address, IPv4 outer headers, keepalives, NAT detection. */
static void ipv4_coa_keepalive_and_nat(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    mip6tls_mh_opts opt;
    const mip6tls_action *a;
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa4, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_true(mip6tls_endpoint_eq(&a->remote, &f->ha4)); /* the HA's IPv4 address */
    bu = open_bu(f, 0, a, NULL);
    assert_true(bu.opt.present & MIP6TLS_MHO_IPV4_COA);
    assert_true(mip6tls_addr_eq(&bu.opt.ipv4_coa, &f->coa4.addr));
    memset(&opt, 0, sizeof opt);
    opt.present = MIP6TLS_MHO_NAT_DETECT | MIP6TLS_MHO_IPV4_ACK;
    opt.nat_f = 0;
    opt.nat_refresh = 15;
    opt.ipv4_ack_status = 0;
    opt.ipv4_ack_plen = 24;
    opt.ipv4_ack_hoa = f->sa[0].hoa4;
    assert_int_equal(deliver_ba(f, T0 + 50, 0, 0, bu.bu.seq, bu.bu.lifetime, &opt), 0);
    assert_non_null(find_event(f, MIP6TLS_MN_EV_NAT_DETECTED));
    assert_non_null(find_event(f, MIP6TLS_MN_EV_HOA4_ACK));
    /* keepalive every 15 s (the HA's advice, below the 20 s default) */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 50 + 15000);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 50 + 15000, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_non_null(a);
    assert_int_equal(a->len, 1);
    assert_int_equal(a->data[0], 0xFF);
    assert_true(mip6tls_endpoint_eq(&a->remote, &f->ha4));
}

static void refusal_retries_at_the_slow_rate(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    bu = first_bu(f);
    assert_int_equal(
        deliver_ba(f, T0 + 20, 0, MIP6TLS_BA_ADMIN_PROHIBITED, bu.bu.seq, 0, NULL), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_REJECTED);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 20 + 32000);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 20 + 32000, &f->ob), 0);
    assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 1);
    assert_int_equal(f->mn.state, MIP6TLS_MN_WAIT_BA);
}

/* An inner IPv4 packet from the MN's IPv4 home address. */
static size_t inner4(const char *src, const char *dst, uint8_t *out, size_t cap)
{
    mip6tls_endpoint s, d;
    int n;
    ep(&s, src, 5000);
    ep(&d, dst, 6000);
    n = mip6tls_ip_udp_build(&s, &d, 64, (const uint8_t *)"v4", 2, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* RFC 6618 §6.4: Next Header 4 for IPv4, 41 for IPv6; §5.6.4/§6.4: with scope 1 nothing goes
 * in the clear, with scope 0 PType 0 is allowed (and used when configured). */
static void next_header_and_scope_on_send(void **state)
{
    fx *f = *state;
    const mip6tls_action *a;
    mip6tls_esp_plain p;
    uint8_t pkt[256], buf[512];
    size_t n;
    register_at_coa1(f); /* scope 1 */
    f->mn.cfg.plain_when_allowed = 1;
    n = inner4("192.0.2.100", "203.0.113.7", pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 100, pkt, n, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_int_equal(a->data[0] >> 4, MIP6TLS_PTYPE_DATA); /* scope 1: never PType 0 */
    memcpy(buf, a->data, a->len);
    assert_int_equal(mip6tls_esp_open(&f->ha[0], buf, a->len, &p), 0);
    assert_int_equal(p.next_header, MIP6TLS_IPPROTO_IPIP); /* 4 */
    n = inner6("2001:db8:1::100", "2001:db8:99::1", pkt, sizeof pkt);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 101, pkt, n, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    memcpy(buf, a->data, a->len);
    assert_int_equal(mip6tls_esp_open(&f->ha[0], buf, a->len, &p), 0);
    assert_int_equal(p.next_header, MIP6TLS_IPPROTO_IPV6); /* 41 */
    /* The same MN under a scope-0 SA sends PType 0: header of zeros, the packet as is. */
    f->mn.active.sa.scope = MIP6TLS_SAS_SIGNALING;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 102, pkt, n, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_int_equal(a->len, 8 + n);
    assert_int_equal(mip6tls_get32(a->data) | mip6tls_get32(a->data + 4), 0);
    assert_memory_equal(a->data + 8, pkt, n);
    /* ... but not when not configured to: protected by default (§6.4 RECOMMENDED). */
    f->mn.cfg.plain_when_allowed = 0;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_send(&f->mn, T0 + 103, pkt, n, &f->ob), 0);
    assert_int_equal(find(f, MIP6TLS_ACT_SEND_DGRAM, 0)->data[0] >> 4, MIP6TLS_PTYPE_DATA);
}

/* RFC 6618 §5.7.2, §6.1: BUs go to the provisioned service port, or 7872 when none was sent;
 * the source port is the MN's own. */
static void service_port_provisioned_or_default(void **state)
{
    fx *f = *state;
    const mip6tls_action *a;
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    f->sa[0].port = 0; /* absent */
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob), 0);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob), 0);
    a = find(f, MIP6TLS_ACT_SEND_DGRAM, 0);
    assert_int_equal(a->remote.port, 7872);
    assert_int_equal(a->local.port, f->coa1.port);
    setup(state);
    f = *state;
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    f->sa[0].port = 9000;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob), 0);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob), 0);
    assert_int_equal(find(f, MIP6TLS_ACT_SEND_DGRAM, 0)->remote.port, 9000);
}

/* RFC 6275 §11.7.3, §6.2.4: a Binding Refresh Advice shorter than 3/4 of the lifetime sets the
 * refresh time; §11.7.4: a Binding Refresh Request is answered with a BU when bound. */
static void refresh_advice_and_request(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    mip6tls_mh_opts opt;
    bu = first_bu(f);
    memset(&opt, 0, sizeof opt);
    opt.present = MIP6TLS_MHO_REFRESH_ADVICE;
    opt.refresh_interval = 25; /* 100 s, below 3/4 of 600 s */
    assert_int_equal(deliver_ba(f, T0 + 20, 0, 0, bu.bu.seq, bu.bu.lifetime, &opt), 0);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 100000);
    /* A BRR from the HA: the MN answers with a BU. */
    {
        uint8_t mh[64], pkt[256];
        mip6tls_mh_msg m;
        int n;
        mip6tls_mh_init(&m, MIP6TLS_MH_BRR);
        n = mip6tls_mh_encode(&m, f->sa[0].ha6.bytes, f->sa[0].hoa6.bytes, mh, sizeof mh);
        assert_true(n > 0);
        n = mip6tls_esp_seal(&f->ha[0], MIP6TLS_PTYPE_MH, MIP6TLS_MH_NEXT_HEADER, mh, (size_t)n,
                             pkt, sizeof pkt);
        mip6tls_outbox_clear(&f->ob);
        assert_int_equal(
            mip6tls_mn_recv(&f->mn, T0 + 1000, &f->coa1, &f->ha6, pkt, (size_t)n, &f->ob), 0);
        assert_non_null(find_event(f, MIP6TLS_MN_EV_BRR_RECEIVED));
        assert_int_equal(count(f, MIP6TLS_ACT_SEND_DGRAM), 1);
        assert_int_equal(open_bu(f, 0, find(f, MIP6TLS_ACT_SEND_DGRAM, 0), NULL).bu.lifetime,
                         150);
    }
}

/* RFC 6275 §11.7.3: a shorter lifetime granted in the BA counts down from the BU's sending. */
static void granted_lifetime_counts_from_the_bu(void **state)
{
    fx *f = *state;
    mip6tls_mh_msg bu;
    bu = first_bu(f);
    assert_int_equal(bu.bu.lifetime, 150);
    /* A slow BA (5 s) granting 240 s instead of 600 s. */
    assert_int_equal(deliver_ba(f, T0 + 5000, 0, 0, bu.bu.seq, 60, NULL), 0);
    assert_int_equal(f->mn.binding_end, T0 + 240000);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 180000); /* 3/4 of 240 s */
}

/* RFC 4303 §2.6: a dummy packet is dropped without a word; RFC 6275 §13: the first
 * registration's timeout is configurable. */
static void dummy_packets_and_first_reg_timeout(void **state)
{
    fx *f = *state;
    uint8_t pkt[256], dummy[16] = {0};
    int len;
    register_at_coa1(f);
    len = mip6tls_esp_seal(&f->ha[0], MIP6TLS_PTYPE_DATA, 59, dummy, sizeof dummy, pkt, sizeof pkt);
    assert_true(len > 0);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_recv(&f->mn, T0 + 100, &f->coa1, &f->ha6, pkt, (size_t)len, &f->ob),
                     0);
    assert_int_equal(f->ob.n, 0); /* no delivery, no event */
    setup(state);
    f = *state;
    f->mn.cfg.first_reg_timeout_ms = 3000;
    make_sa(f, 0, 0x100, 3600, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    mip6tls_mn_install_sa(&f->mn, T0, &f->sa[0], &f->ob);
    mip6tls_outbox_clear(&f->ob);
    mip6tls_mn_set_coa(&f->mn, T0, &f->coa1, &f->ob);
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 3000);
}

/* A renewal at the validity margin brings a pending SA: the MN must not ask for yet another
 * one while the old SA's renewal time stays in the past (found by the sa-renewal scenario). */
static void pending_renewal_asks_once(void **state)
{
    fx *f = *state;
    uint16_t seq = register_at_coa1(f); /* SA 0 valid 3600 s: renewal due at 3300 s */
    (void)seq;
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 3300000, &f->ob), 0);
    assert_non_null(find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP));
    make_sa(f, 1, 0x200, 7200, MIP6TLS_SAS_ALL);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_install_sa(&f->mn, T0 + 3300500, &f->sa[1], &f->ob), 0);
    assert_true(f->mn.pending.used);
    assert_int_equal(mip6tls_mn_pending_sa(&f->mn)->keys.spi, 0x200);
    assert_int_equal(mip6tls_mn_active_sa(&f->mn)->keys.spi, 0x100);
    /* The BA under the new SA is slow: ticks meanwhile do not ask again, and the deadline is
     * the BU's retransmission, not a renewal time in the past. */
    assert_int_equal(mip6tls_mn_next_deadline(&f->mn), T0 + 3300500 + 1000);
    mip6tls_outbox_clear(&f->ob);
    assert_int_equal(mip6tls_mn_tick(&f->mn, T0 + 3300900, &f->ob), 0);
    assert_null(find_event(f, MIP6TLS_MN_EV_NEED_BOOTSTRAP));
    assert_int_equal(mip6tls_mn_needs_sa(&f->mn), MIP6TLS_MN_RENEW_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(starts_by_asking_for_an_sa, setup),
        cmocka_unit_test_setup(first_registration_and_data_both_ways, setup),
        cmocka_unit_test_setup(retransmission_backoff, setup),
        cmocka_unit_test_setup(handover_is_one_round_trip, setup),
        cmocka_unit_test_setup(sequence_out_of_window_resends_past_the_ha, setup),
        cmocka_unit_test_setup(reinit_and_make_before_break, setup),
        cmocka_unit_test_setup(validity_renewal_then_expiry, setup),
        cmocka_unit_test_setup(hostile_inputs_change_nothing, setup),
        cmocka_unit_test_setup(full_outbox_changes_nothing, setup),
        cmocka_unit_test_setup(returning_home_deregisters, setup),
        cmocka_unit_test_setup(ipv4_coa_keepalive_and_nat, setup),
        cmocka_unit_test_setup(keepalive_waits_for_the_ha, setup),
        cmocka_unit_test_setup(refusal_retries_at_the_slow_rate, setup),
        cmocka_unit_test_setup(next_header_and_scope_on_send, setup),
        cmocka_unit_test_setup(service_port_provisioned_or_default, setup),
        cmocka_unit_test_setup(refresh_advice_and_request, setup),
        cmocka_unit_test_setup(granted_lifetime_counts_from_the_bu, setup),
        cmocka_unit_test_setup(dummy_packets_and_first_reg_timeout, setup),
        cmocka_unit_test_setup(pending_renewal_asks_once, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
