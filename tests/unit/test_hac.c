/*
 * test_hac.c: the HAC role (hac.c) against real bootstrap clients (boot.c), bytes moved
 * directly between their outboxes: provisioning, unique SPIs, the order of its actions,
 * persistence and restore, expiry, refusals, session limits and timeouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/addr.h"
#include "mip6tls/boot.h"
#include "mip6tls/hac.h"
#include "test_pki.h"
#include "testutil.h"

#define T0 1000000u
#define WALL_T0 1798761600000ll
#define NSESS 2
#define NSAS 16

static const char *psk = "a shared secret for the test";

typedef struct {
    mip6tls_esp_impl impl;
    mip6tls_drbg hac_drbg, mn_drbg;
    uint8_t hac_cred_arena[8192];
    mip6tls_cred hac_cred;
    mip6tls_tls_config hac_tls;
    mip6tls_hacp_server_cfg pol;
    mip6tls_hac_cred creds[3];
    mip6tls_hac hac;
    mip6tls_hac_session sessions[NSESS];
    uint8_t *iobufs;
    mip6tls_sa sas[NSAS];
    uint32_t index[2 * NSAS];
    mip6tls_action hac_acts[64];
    uint8_t *hac_arena;
    mip6tls_outbox hac_ob;
    /* the MN side */
    tu_mn_boot mnb; /* anchors, TLS and PSK configuration, boot configuration */
    uint8_t tls_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_boot boot;
    mip6tls_action mn_acts[64];
    uint8_t *mn_arena;
    mip6tls_outbox mn_ob;
    /* what the HAC asked the port to do, in order */
    int log[256];
    size_t nlog;
    uint8_t persisted[NSAS][MIP6TLS_SA_ENCODED_MAX];
    size_t persisted_len[NSAS];
    size_t npersisted, nforgot;
} fx;

static void cred(mip6tls_hac_cred *c, const char *nai, const char *hoa)
{
    memset(c, 0, sizeof *c);
    c->nai = nai;
    c->nai_len = strlen(nai);
    c->psk = (const uint8_t *)psk;
    c->psk_len = strlen(psk);
    assert_int_equal(mip6tls_addr_parse(&c->hoa6, hoa, strlen(hoa)), 0);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    uint8_t seed[32] = {5};
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;

    mip6tls_esp_impl_detect(&f->impl);
    mip6tls_drbg_init(&f->hac_drbg, seed, sizeof seed);
    seed[0] = 6;
    mip6tls_drbg_init(&f->mn_drbg, seed, sizeof seed);
    mip6tls_cred_init(&f->hac_cred, f->hac_cred_arena, sizeof f->hac_cred_arena);
    assert_int_equal(mip6tls_cred_add_chain(&f->hac_cred, (const uint8_t *)tpki_hac_ec_chain_pem,
                                            strlen(tpki_hac_ec_chain_pem)),
                     0);
    assert_int_equal(mip6tls_cred_set_key(&f->hac_cred, (const uint8_t *)tpki_ec_key_pem,
                                          strlen(tpki_ec_key_pem)),
                     0);
    assert_int_equal(mip6tls_tls_config_server(&f->hac_tls, &f->hac_cred, &f->impl, NULL, 0), 0);
    f->pol.methods = MIP6TLS_CTR_AM_PSK;
    /* sorted by NAI */
    cred(&f->creds[0], "a@example.com", "2001:db8:1::a");
    cred(&f->creds[1], "mn1@example.com", "2001:db8:1::100");
    cred(&f->creds[2], "z@example.com", "2001:db8:1::f");

    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = WALL_T0 - (int64_t)T0;
    hc.tls = &f->hac_tls;
    hc.hacp = &f->pol;
    hc.creds = f->creds;
    hc.n_creds = 3;
    hc.sa_lifetime_s = 3600;
    hc.session_timeout_ms = 5000;
    assert_int_equal(mip6tls_addr_parse(&hc.ha6, "2001:db8::1", 11), 0);
    assert_int_equal(mip6tls_addr_parse(&hc.ha4, "192.0.2.1", 9), 0);
    hc.port = 4433;
    assert_int_equal(mip6tls_prefix_parse(&hc.hnp6, &hc.hnp6_len, 6, 0, "2001:db8:1::/64", 15), 0);
    assert_int_equal(mip6tls_addr_parse(&hc.dns6[0], "2001:db8::53", 12), 0);
    hc.n_dns6 = 1;
    f->iobufs = malloc(NSESS * MIP6TLS_TLS_BUFSIZE);
    memset(&hs, 0, sizeof hs);
    hs.sessions = f->sessions;
    hs.n_sessions = NSESS;
    hs.iobufs = f->iobufs;
    hs.sas = f->sas;
    hs.n_sas = NSAS;
    hs.spi_index = f->index;
    hs.n_index = 2 * NSAS;
    assert_int_equal(mip6tls_hac_init(&f->hac, T0, &hc, &f->hac_drbg, &hs), 0);
    f->hac_arena = malloc(4 * MIP6TLS_HAC_OUTBOX_MIN);
    mip6tls_outbox_init(&f->hac_ob, f->hac_acts, 64, f->hac_arena, 4 * MIP6TLS_HAC_OUTBOX_MIN);

    assert_int_equal(tu_mn_boot_setup(&f->mnb, &f->impl, psk, f->tls_buf, sizeof f->tls_buf), 0);
    assert_int_equal(mip6tls_boot_init(&f->boot, &f->mnb.boot, &f->mn_drbg), 0);
    f->mn_arena = malloc(4 * MIP6TLS_BOOT_OUTBOX_MIN);
    mip6tls_outbox_init(&f->mn_ob, f->mn_acts, 64, f->mn_arena, 4 * MIP6TLS_BOOT_OUTBOX_MIN);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    free(f->iobufs);
    free(f->hac_arena);
    free(f->mn_arena);
    free(f);
    return 0;
}

/* Performs the HAC's actions; TCP data goes to the boot client. Returns TCP_CLOSEs seen. */
static int drain_hac(fx *f, uint64_t now)
{
    static uint8_t buf[4][MIP6TLS_TLS_BUFSIZE * 2];
    size_t lens[4] = {0}, nb = 0, i;
    int closes = 0;
    for (i = 0; i < f->hac_ob.n; i++) {
        const mip6tls_action *a = &f->hac_acts[i];
        if (f->nlog < 256)
            f->log[f->nlog++] = a->type;
        if (a->type == MIP6TLS_ACT_TCP_SEND && nb < 4) {
            memcpy(buf[nb], a->data, a->len);
            lens[nb++] = a->len;
        } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
            closes++;
        } else if (a->type == MIP6TLS_ACT_SA_PERSIST) {
            memcpy(f->persisted[f->npersisted], a->data, a->len);
            f->persisted_len[f->npersisted++] = a->len;
        } else if (a->type == MIP6TLS_ACT_SA_FORGET) {
            f->nforgot++;
        }
    }
    mip6tls_outbox_clear(&f->hac_ob);
    for (i = 0; i < nb; i++)
        assert_int_equal(mip6tls_boot_tcp_recv(&f->boot, now, f->boot.conn, buf[i], lens[i],
                                               &f->mn_ob),
                         0);
    return closes;
}

static int mn_closes; /* TCP_CLOSE actions of the MN side seen by run() */
static int hac_closes;

/* Moves bytes both ways until both sides are quiet. */
static void run(fx *f, uint64_t now, uint32_t conn)
{
    static uint8_t buf[8][MIP6TLS_TLS_BUFSIZE * 2];
    for (int round = 0; round < 50; round++) {
        size_t lens[8] = {0}, nb = 0, i;
        int fin = 0;
        for (i = 0; i < f->mn_ob.n; i++) {
            const mip6tls_action *a = &f->mn_acts[i];
            if (a->type == MIP6TLS_ACT_TCP_SEND && nb < 8) {
                memcpy(buf[nb], a->data, a->len);
                lens[nb++] = a->len;
            } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
                fin = 1;
                mn_closes++;
            }
        }
        mip6tls_outbox_clear(&f->mn_ob);
        if (nb == 0 && f->hac_ob.n == 0 && !fin)
            return;
        for (i = 0; i < nb; i++)
            assert_int_equal(mip6tls_hac_tcp_recv(&f->hac, now, conn, buf[i], lens[i],
                                                  &f->hac_ob),
                             0);
        if (fin)
            mip6tls_hac_tcp_closed(&f->hac, now, conn, &f->hac_ob);
        hac_closes += drain_hac(f, now);
    }
    fail_msg("the exchange did not settle");
}

/* One full bootstrap through the HAC; returns the SA the client got (or NULL). */
static const mip6tls_sa *bootstrap(fx *f, uint64_t now)
{
    mip6tls_endpoint peer;
    mip6tls_addr local;
    uint32_t conn;
    assert_int_equal(mip6tls_addr_parse(&local, "2001:db8:a::5", 13), 0);
    memset(&peer, 0, sizeof peer);
    peer.addr = local;
    peer.port = 40000;
    mip6tls_outbox_clear(&f->mn_ob);
    assert_int_equal(mip6tls_boot_start(&f->boot, now, &local, &f->mn_ob), 0);
    conn = f->boot.conn;
    mip6tls_outbox_clear(&f->mn_ob);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, now, conn, &peer, &f->hac_ob), 0);
    drain_hac(f, now);
    assert_int_equal(mip6tls_boot_tcp_connected(&f->boot, now, conn,
                                                (uint64_t)(WALL_T0 / 1000) + (now - T0) / 1000,
                                                &f->mn_ob),
                     0);
    run(f, now, conn);
    return mip6tls_boot_sa(&f->boot);
}

static void provisions_and_orders_its_actions(void **state)
{
    fx *f = *state;
    const mip6tls_sa *sa;
    const mip6tls_sa *held;
    size_t i, install = 0, persist = 0, send_after = 0;
    mn_closes = hac_closes = 0;
    sa = bootstrap(f, T0);
    assert_non_null(sa);
    /* §5.3: once the exchange is complete both ends close the connection. */
    assert_int_equal(mn_closes, 1);
    assert_int_equal(hac_closes, 1);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 1);
    held = mip6tls_hac_find_sa(&f->hac, sa->keys.spi);
    assert_non_null(held);
    assert_memory_equal(&held->keys, &sa->keys, sizeof sa->keys); /* the MN got what we hold */
    assert_int_equal(sa->validity_end, WALL_T0 / 1000 + 3600);
    assert_true(mip6tls_addr_eq(&sa->hoa6, &f->creds[1].hoa6)); /* the HoA of its NAI */
    /* §5.7: the HAC's bootstrap parameters reach the MN as configured. */
    assert_true(mip6tls_addr_eq(&sa->ha6, &f->hac.cfg.ha6));
    assert_true(mip6tls_addr_eq(&sa->ha4, &f->hac.cfg.ha4));
    assert_int_equal(sa->port, 4433);
    assert_int_equal(mip6tls_sa_port(sa), 4433);
    assert_true(mip6tls_addr_eq(&sa->hnp6, &f->hac.cfg.hnp6));
    assert_int_equal(sa->hnp6_len, 64);
    assert_int_equal(sa->n_dns6, 1);
    assert_true(mip6tls_addr_eq(&sa->dns6[0], &f->hac.cfg.dns6[0]));
    assert_int_equal(sa->keys.suite, MIP6TLS_SUITE_AES_128_GCM_SHA256); /* AEAD first */
    /* SA_INSTALL and SA_PERSIST come before the final response's bytes. */
    for (i = 0; i < f->nlog; i++) {
        if (f->log[i] == MIP6TLS_ACT_SA_INSTALL)
            install = i + 1;
        if (f->log[i] == MIP6TLS_ACT_SA_PERSIST)
            persist = i + 1;
        if (f->log[i] == MIP6TLS_ACT_TCP_SEND && install)
            send_after++;
    }
    assert_true(install > 0 && persist > install);
    assert_true(send_after > 0);
    assert_int_equal(f->npersisted, 1);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), 0); /* §5.3: closed after the end */
}

/* §4.3: SPIs unique across every SA the HAC holds; the table's limit gives 503. */
static void unique_spis_and_a_full_table(void **state)
{
    fx *f = *state;
    uint32_t spis[NSAS];
    size_t n = 0;
    for (int i = 0; i < NSAS; i++) {
        const mip6tls_sa *sa = bootstrap(f, T0 + (uint64_t)i * 10);
        assert_non_null(sa);
        for (size_t k = 0; k < n; k++)
            assert_int_not_equal(spis[k], sa->keys.spi);
        spis[n++] = sa->keys.spi;
        mip6tls_boot_release(&f->boot);
    }
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), NSAS);
    assert_null(bootstrap(f, T0 + 1000));
    assert_int_equal(mip6tls_boot_last_status(&f->boot), 503);
}

/* §4.3: the HAC keeps SPIs unique even when its DRBG draws one already held: replay the DRBG
 * state of the first provisioning, so the second draws the same SPI first. */
static void colliding_spi_is_drawn_again(void **state)
{
    fx *f = *state;
    mip6tls_drbg saved = f->hac_drbg;
    mip6tls_drbg mn_saved = f->mn_drbg;
    uint32_t first;
    const mip6tls_sa *sa = bootstrap(f, T0);
    assert_non_null(sa);
    first = sa->keys.spi;
    mip6tls_boot_release(&f->boot);
    f->hac_drbg = saved;    /* the HAC's randomness from the start again ... */
    f->mn_drbg = mn_saved;  /* ... and the MN's, so both sides run the same exchange */
    f->boot.have_session = 0;
    sa = bootstrap(f, T0);
    assert_non_null(sa);
    assert_int_not_equal(sa->keys.spi, first);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 2);
}

static void expiry_forgets_and_restore_reads_back(void **state)
{
    fx *f = *state;
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX];
    size_t len;
    uint32_t spi;
    const mip6tls_sa *sa = bootstrap(f, T0);
    assert_non_null(sa);
    spi = sa->keys.spi;
    memcpy(rec, f->persisted[0], f->persisted_len[0]);
    len = f->persisted_len[0];
    /* A restarted HAC: the record comes back, and goes to the HA again. */
    assert_int_equal(mip6tls_hac_revoke(&f->hac, T0, spi, &f->hac_ob), 0);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 0);
    f->nlog = 0;
    drain_hac(f, T0);
    assert_int_equal(f->nforgot, 1);
    assert_int_equal(mip6tls_hac_restore_sa(&f->hac, T0 + 10, rec, len, &f->hac_ob), 0);
    f->nlog = 0;
    drain_hac(f, T0 + 10);
    assert_int_equal(f->log[0], MIP6TLS_ACT_SA_INSTALL);
    assert_non_null(mip6tls_hac_find_sa(&f->hac, spi));
    assert_int_equal(mip6tls_hac_restore_sa(&f->hac, T0 + 10, rec, len, &f->hac_ob),
                     MIP6TLS_ERR_EXISTS);
    /* The sweep forgets it once past its validity end (3600 s), within a sweep period. */
    assert_true(mip6tls_hac_next_deadline(&f->hac) <= T0 + 10 + 1000);
    for (uint64_t t = T0 + 1000; t <= T0 + 3602000; t += 1000)
        if (mip6tls_hac_next_deadline(&f->hac) <= t) {
            assert_int_equal(mip6tls_hac_tick(&f->hac, t, &f->hac_ob), 0);
            drain_hac(f, t);
        }
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 0);
    assert_int_equal(f->nforgot, 2);
    /* An expired record at start-up is forgotten, not installed. */
    assert_int_equal(mip6tls_hac_restore_sa(&f->hac, T0 + 3700000, rec, len, &f->hac_ob), 0);
    f->nlog = 0;
    drain_hac(f, T0 + 3700000);
    assert_int_equal(f->log[0], MIP6TLS_ACT_SA_FORGET);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 0);
}

static void unknown_mn_gets_401(void **state)
{
    fx *f = *state;
    f->mnb.hacp.nai = "nobody@example.com";
    f->mnb.hacp.nai_len = strlen(f->mnb.hacp.nai);
    assert_null(bootstrap(f, T0));
    assert_int_equal(mip6tls_boot_last_status(&f->boot), 401);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 0);
}

static void sessions_are_bounded_and_time_out(void **state)
{
    fx *f = *state;
    mip6tls_endpoint peer;
    memset(&peer, 0, sizeof peer);
    assert_int_equal(mip6tls_addr_parse(&peer.addr, "2001:db8:a::9", 13), 0);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 11, &peer, &f->hac_ob), 0);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 12, &peer, &f->hac_ob), 0);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 12, &peer, &f->hac_ob),
                     MIP6TLS_ERR_ARG); /* the same connection twice */
    f->nlog = 0;
    drain_hac(f, T0);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), NSESS);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 13, &peer, &f->hac_ob), 0);
    assert_int_equal(drain_hac(f, T0), 1); /* busy: closed at once */
    /* Nobody speaks: both sessions end at the 5 s timeout. */
    assert_int_equal(mip6tls_hac_next_deadline(&f->hac), T0 + 5000);
    assert_int_equal(mip6tls_hac_tick(&f->hac, T0 + 4999, &f->hac_ob), 0);
    assert_int_equal(f->hac_ob.n, 0);
    assert_int_equal(mip6tls_hac_tick(&f->hac, T0 + 5000, &f->hac_ob), 0);
    assert_int_equal(drain_hac(f, T0 + 5000), 2);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), 0);
    /* Garbage instead of a ClientHello ends a session, with no crash. */
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 14, &peer, &f->hac_ob), 0);
    drain_hac(f, T0);
    {
        uint8_t junk[300];
        tu_fill(junk, sizeof junk, 3);
        assert_int_equal(mip6tls_hac_tcp_recv(&f->hac, T0, 14, junk, sizeof junk, &f->hac_ob), 0);
    }
    assert_int_equal(drain_hac(f, T0), 1);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), 0);
}

/* RFC 6618 §5.8: the exchange runs only inside TLS. A plaintext MHAuth-Init where the
 * ClientHello belongs is not answered with a container: the session just ends. */
static void plaintext_request_is_not_served(void **state)
{
    fx *f = *state;
    mip6tls_ctr_builder bld;
    mip6tls_endpoint peer;
    uint8_t req[512], rand[32] = {1};
    size_t i;
    int n;
    memset(&peer, 0, sizeof peer);
    assert_int_equal(mip6tls_addr_parse(&peer.addr, "2001:db8:a::9", 13), 0);
    assert_int_equal(mip6tls_ctr_build_init(&bld, req, sizeof req, 1), 0);
    assert_int_equal(mip6tls_ctr_put_mn_id(&bld, "mn1@example.com", 15), 0);
    assert_int_equal(mip6tls_ctr_put_mn_rand(&bld, rand), 0);
    assert_int_equal(mip6tls_ctr_put_auth_method(&bld, MIP6TLS_CTR_AM_PSK), 0);
    n = mip6tls_ctr_finish(&bld);
    assert_true(n > 0);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 21, &peer, &f->hac_ob), 0);
    drain_hac(f, T0);
    assert_int_equal(mip6tls_hac_tcp_recv(&f->hac, T0, 21, req, (size_t)n, &f->hac_ob), 0);
    for (i = 0; i < f->hac_ob.n; i++) {
        const mip6tls_action *a = &f->hac_acts[i];
        /* at most a TLS alert record (content type 21), never a container */
        if (a->type == MIP6TLS_ACT_TCP_SEND)
            assert_int_equal(a->data[0], 21);
    }
    assert_int_equal(drain_hac(f, T0), 1);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), 0);
    assert_int_equal(mip6tls_hac_sa_count(&f->hac), 0);
}

/* RFC 6618 §5.3: after an HAC-side error the HAC answers with a status code, then closes.
 * A raw TLS client sends a container of version 1 (decisions/0001: 400 and close). */
static void error_is_answered_then_closed(void **state)
{
    fx *f = *state;
    static mip6tls_tls cli;
    static uint8_t cbuf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_endpoint peer;
    mip6tls_ctr_msg m;
    const uint8_t *p;
    uint8_t bad[8] = {0x20, 1, 0, 4, 'x', ':', '\r', '\n'}; /* Ver 1 */
    uint8_t got[1024];
    size_t n, got_len = 0;
    int closes = 0, round;
    memset(&peer, 0, sizeof peer);
    assert_int_equal(mip6tls_addr_parse(&peer.addr, "2001:db8:a::9", 13), 0);
    assert_int_equal(mip6tls_tls_client_init(&cli, &f->mnb.tls, &f->mn_drbg,
                                             (uint64_t)(WALL_T0 / 1000), &f->mnb.boot.peer,
                                             NULL, cbuf, sizeof cbuf),
                     0);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, T0, 31, &peer, &f->hac_ob), 0);
    for (round = 0; round < 20; round++) {
        size_t i;
        if (mip6tls_tls_get_state(&cli) == MIP6TLS_TLS_OPEN && bad[0] != 0) {
            assert_int_equal(mip6tls_tls_write_app(&cli, bad, sizeof bad), (int)sizeof bad);
            assert_int_equal(mip6tls_tls_flush(&cli), 0);
            bad[0] = 0; /* sent once */
        }
        while ((p = mip6tls_tls_send_ct(&cli, &n)) != NULL && n > 0) {
            uint8_t tmp[MIP6TLS_TLS_BUFSIZE];
            memcpy(tmp, p, n);
            mip6tls_tls_send_ct_done(&cli, n);
            assert_int_equal(mip6tls_hac_tcp_recv(&f->hac, T0, 31, tmp, n, &f->hac_ob), 0);
        }
        for (i = 0; i < f->hac_ob.n; i++) {
            const mip6tls_action *a = &f->hac_acts[i];
            if (a->type == MIP6TLS_ACT_TCP_SEND)
                assert_true(mip6tls_tls_recv_ct(&cli, a->data, a->len) >= 0 ||
                            mip6tls_tls_get_state(&cli) != MIP6TLS_TLS_OPEN);
            if (a->type == MIP6TLS_ACT_TCP_CLOSE)
                closes++;
        }
        mip6tls_outbox_clear(&f->hac_ob);
        while ((p = mip6tls_tls_read_app(&cli, &n)) != NULL && n > 0) {
            assert_true(got_len + n <= sizeof got);
            memcpy(got + got_len, p, n);
            got_len += n;
            mip6tls_tls_read_app_done(&cli, n);
        }
        if (closes)
            break;
    }
    assert_int_equal(closes, 1);
    assert_int_equal(mip6tls_hac_session_count(&f->hac), 0);
    /* The answer came before the close: a container with status-code 400. */
    assert_true(got_len > 0);
    assert_int_equal(mip6tls_ctr_decode(&m, got, got_len), 0);
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_STATUS_CODE));
    assert_int_equal(m.status, 400);
}

static void bad_configuration_is_refused(void **state)
{
    fx *f = *state;
    mip6tls_hac h;
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    mip6tls_hac_cred unsorted[2];
    memset(&hc, 0, sizeof hc);
    hc.tls = &f->hac_tls;
    hc.hacp = &f->pol;
    unsorted[0] = f->creds[2];
    unsorted[1] = f->creds[0];
    hc.creds = unsorted;
    hc.n_creds = 2;
    memset(&hs, 0, sizeof hs);
    hs.sessions = f->sessions;
    hs.n_sessions = NSESS;
    hs.iobufs = f->iobufs;
    hs.sas = f->sas;
    hs.n_sas = NSAS;
    hs.spi_index = f->index;
    hs.n_index = 2 * NSAS;
    assert_int_equal(mip6tls_hac_init(&h, T0, &hc, &f->hac_drbg, &hs), MIP6TLS_ERR_ARG);
    hc.creds = f->creds;
    hc.n_creds = 3;
    hs.n_index = 3 * NSAS; /* not a power of two */
    assert_int_equal(mip6tls_hac_init(&h, T0, &hc, &f->hac_drbg, &hs), MIP6TLS_ERR_ARG);
    hs.n_index = NSAS; /* fewer than twice the SAs */
    assert_int_equal(mip6tls_hac_init(&h, T0, &hc, &f->hac_drbg, &hs), MIP6TLS_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(provisions_and_orders_its_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(unique_spis_and_a_full_table, setup, teardown),
        cmocka_unit_test_setup_teardown(colliding_spi_is_drawn_again, setup, teardown),
        cmocka_unit_test_setup_teardown(expiry_forgets_and_restore_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_mn_gets_401, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions_are_bounded_and_time_out, setup, teardown),
        cmocka_unit_test_setup_teardown(plaintext_request_is_not_served, setup, teardown),
        cmocka_unit_test_setup_teardown(error_is_answered_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_configuration_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
