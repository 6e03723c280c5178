/*
 * test_saq.c: SA query and distribution between a separate HA and the HAC (saq.c, RFC 6618
 * §4.2, §4.3), over real TLS 1.2 with certificates on both sides.
 *
 *   MN (boot, then mn)            HAC (hac) + its SAQ server             separate HA (ha)
 *     |== bootstrap (TLS, PSK) ====>|  SA_INSTALL -> mip6tls_saq_server_*     |
 *     |                             |<========== TLS, HA certificate ========|  saq client
 *     |-- BU (unknown SPI) ------------------------------------------------->|  held
 *     |                             |<-- QUERY(spi) -------------------------|
 *     |                             |--- ANSWER(spi, SA record) ------------>|  SA_INSTALL
 *     |<-- BA --------------------------------------------------------------|  BU replayed
 *
 * The test is the port: it moves TCP bytes between the client's and the server's outboxes
 * (reliable, in order, with back-pressure when a side takes fewer octets than offered), hands
 * SA_INSTALL / SA_FORGET to the HA, holds the BU whose SPI is unknown and replays it after
 * the install, and drops it on NOT_FOUND / QUERY_FAILED.
 *
 *   test_saq --write-corpus DIR   writes the fuzz_saq seed corpus into DIR and exits
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bearssl.h>

#include "mip6tls/addr.h"
#include "mip6tls/boot.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/mh.h"
#include "mip6tls/mn.h"
#include "mip6tls/saq.h"
#include "test_pki.h"
#include "testutil.h"

#define T0 1000000u
#define WALL_T0 1798761600000ll /* 2027-01-01T00:00:00Z at T0 */
#define OFFSET ((int64_t)WALL_T0 - (int64_t)T0)
#define NSAS 32
#define NPEND 8
#define NHA 4 /* HA certificates: 0 ha1 (allowed), 1 ha2 (valid, not allowed), 2 rogue, 3 expired  \
               */
#define OB_ARENA (2 * MIP6TLS_SAQ_OUTBOX_MIN)
#define SAQ_PORT 7873

static const char *psk = "a shared secret for the test";

typedef struct {
    uint8_t *d;
    size_t len, cap;
} fifo;

typedef struct {
    uint64_t t;
    char node; /* 'C' saq client, 'S' saq server, 'A' HA, 'M' MN, 'H' HAC */
    uint16_t ev;
    uint32_t conn;
    uint64_t arg;
} evrec;

typedef struct {
    mip6tls_esp_impl impl;
    mip6tls_drbg hac_drbg, mn_drbg, ha_drbg, cli_drbg, srv_drbg, raw_drbg;
    uint64_t now;
    /* the HAC, and its SAQ server */
    uint8_t hac_cred_arena[8192], ha_anchor_arena[4096];
    mip6tls_cred hac_cred, ha_anchors;
    mip6tls_tls_config hac_tls, srv_tls;
    mip6tls_hacp_server_cfg pol;
    mip6tls_hac_cred creds[1];
    mip6tls_hac hac;
    mip6tls_hac_session hac_sessions[1];
    uint8_t *hac_iobufs;
    mip6tls_sa sas[NSAS];
    uint32_t index[2 * NSAS];
    mip6tls_action hac_acts[64];
    uint8_t *hac_arena;
    mip6tls_outbox hac_ob;
    mip6tls_saq_allow allow[2];
    mip6tls_saq_server_config scfg;
    mip6tls_saq_server srv;
    mip6tls_saq_session srv_sessions[2];
    uint8_t *srv_iobufs;
    uint32_t fresh[64];
    mip6tls_action srv_acts[64];
    uint8_t *srv_arena;
    mip6tls_outbox srv_ob;
    /* the MN: bootstrap, then the role */
    tu_mn_boot mnb; /* anchors, TLS and PSK configuration, boot configuration */
    uint8_t boot_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_boot boot;
    mip6tls_action boot_acts[64];
    uint8_t *boot_arena;
    mip6tls_outbox boot_ob;
    mip6tls_sa mn_sa;
    mip6tls_mn mn;
    mip6tls_action mn_acts[32];
    uint8_t *mn_arena;
    mip6tls_outbox mn_ob;
    mip6tls_endpoint coa, coa2, ha_ep;
    uint8_t bu[2048];
    size_t bu_len;
    int bas;
    unsigned ba_status;
    /* the separate HA and its SAQ client */
    mip6tls_ha ha;
    mip6tls_ha_entry ha_entries[NSAS];
    uint32_t ha_heap[NSAS], ha_spi_b[NSAS], ha_hoa_b[2 * NSAS];
    mip6tls_ha_cache_slot ha_cache[4];
    mip6tls_action ha_acts[32];
    uint8_t ha_arena[16384];
    mip6tls_outbox ha_ob;
    uint8_t hak_arena[NHA][8192];
    mip6tls_cred hak[NHA];
    mip6tls_tls_config ha_tls[NHA];
    mip6tls_saq_client_config qcfg;
    mip6tls_saq_client cli;
    mip6tls_saq_pending pending[NPEND];
    uint8_t cli_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_action cli_acts[64];
    uint8_t *cli_arena;
    mip6tls_outbox cli_ob;
    /* the TCP connection between the saq client and server */
    int reachable; /* connection attempts succeed (else they never complete) */
    int blackhole; /* the server's bytes are lost */
    uint32_t want_conn;
    uint32_t cconn, sconn;
    int up, c_fin, s_fin, partial;
    int srv_held;     /* the server held messages back for outbox room (next_deadline 0) */
    size_t cli_sends; /* TCP_SEND actions of the client while up */
    fifo c2s, s2c;
    /* what happened */
    evrec ev[2048];
    size_t nev;
    uint32_t inst_spi[64];
    uint64_t inst_arg[64];
    int inst_rc[64];
    size_t ninst;
    uint32_t forgot[64];
    size_t nforgot;
    uint8_t held[2048];
    size_t held_len;
    uint32_t held_spi;
    int dropped, replay, last_query_rc;
} fx;

/* ---- helpers ------------------------------------------------------------------------------- */

static void fifo_put(fifo *q, const uint8_t *d, size_t n)
{
    if (q->len + n > q->cap) {
        q->cap = 2 * (q->len + n) + 4096;
        q->d = realloc(q->d, q->cap);
        assert_non_null(q->d);
    }
    memcpy(q->d + q->len, d, n);
    q->len += n;
}

static void fifo_eat(fifo *q, size_t n)
{
    memmove(q->d, q->d + n, q->len - n);
    q->len -= n;
}

static void ep(mip6tls_endpoint *e, const char *a, uint16_t port)
{
    memset(e, 0, sizeof *e);
    assert_int_equal(mip6tls_addr_parse(&e->addr, a, strlen(a)), 0);
    e->port = port;
}

static void log_ev(fx *f, char node, const mip6tls_action *a)
{
    if (getenv("SAQ_TRACE") != NULL) /* SAQ_TRACE=1 test_saq: every event as it happens */
        fprintf(stderr, "  t=%llu %c ev=%u conn=%u arg=%lld\n", (unsigned long long)f->now, node,
                a->event, a->conn, (long long)a->arg);
    if (f->nev < sizeof f->ev / sizeof f->ev[0]) {
        evrec *r = &f->ev[f->nev++];
        r->t = f->now;
        r->node = node;
        r->ev = a->event;
        r->conn = a->conn;
        r->arg = a->arg;
    }
}

static size_t nevents(const fx *f, char node, uint16_t ev)
{
    size_t i, n = 0;
    for (i = 0; i < f->nev; i++)
        n += f->ev[i].node == node && f->ev[i].ev == ev;
    return n;
}

/* The last event `ev` of `node`, or NULL. */
static const evrec *last_ev(const fx *f, char node, uint16_t ev)
{
    size_t i;
    for (i = f->nev; i-- > 0;)
        if (f->ev[i].node == node && f->ev[i].ev == ev)
            return &f->ev[i];
    return NULL;
}

static uint64_t unix_now(const fx *f)
{
    return (uint64_t)(((int64_t)f->now + OFFSET) / 1000);
}

/* An SA as the HAC could have provisioned it (for pushes the HAC does not hold). */
static void make_sa(mip6tls_sa *sa, uint32_t spi)
{
    memset(sa, 0, sizeof *sa);
    sa->keys.suite = MIP6TLS_SUITE_AES_128_GCM_SHA256;
    sa->keys.spi = spi;
    sa->keys.ekey_len = 20;
    tu_fill(sa->keys.mn_to_ha_ekey, 20, spi * 2);
    tu_fill(sa->keys.ha_to_mn_ekey, 20, spi * 2 + 1);
    sa->validity_end = (uint64_t)WALL_T0 / 1000u + 86400;
    sa->scope = MIP6TLS_SAS_ALL;
    assert_int_equal(mip6tls_addr_parse(&sa->ha6, "2001:db8::1", 11), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hoa6, "2001:db8:1::77", 14), 0);
    memcpy(sa->mn_id, "pushed@example.com", 18);
    sa->mn_id_len = 18;
    assert_int_equal(mip6tls_sa_check(sa), 0);
}

/* ---- the port: performing each context's actions ------------------------------------------ */

static void mn_drain(fx *f);
static int ha_input(fx *f, const uint8_t *pkt, size_t len);

static void ha_drain(fx *f)
{
    static uint8_t buf[2048];
    size_t i;
    for (i = 0; i < f->ha_ob.n; i++) {
        const mip6tls_action *a = &f->ha_acts[i];
        if (a->type == MIP6TLS_ACT_EVENT)
            log_ev(f, 'A', a);
        else if (a->type == MIP6TLS_ACT_SEND_DGRAM) {
            /* a BA (or BE) to the MN */
            memcpy(buf, a->data, a->len);
            (void)mip6tls_mn_recv(&f->mn, f->now, &f->coa, &f->ha_ep, buf, a->len, &f->mn_ob);
            mn_drain(f);
        }
    }
    mip6tls_outbox_clear(&f->ha_ob);
}

static void mn_drain(fx *f)
{
    size_t i;
    for (i = 0; i < f->mn_ob.n; i++) {
        const mip6tls_action *a = &f->mn_acts[i];
        if (a->type == MIP6TLS_ACT_EVENT) {
            log_ev(f, 'M', a);
            if (a->event == MIP6TLS_MN_EV_BA_RECEIVED) {
                f->bas++;
                f->ba_status = (unsigned)(a->arg & 0xFF);
            }
        } else if (a->type == MIP6TLS_ACT_SEND_DGRAM && a->len > 1) {
            assert_true(a->len <= sizeof f->bu);
            memcpy(f->bu, a->data, a->len); /* the BU, sent by the test when it wants */
            f->bu_len = a->len;
        }
    }
    mip6tls_outbox_clear(&f->mn_ob);
}

/* The HA port's service socket: a datagram arrives. An unknown SPI holds the packet and asks
 * the HAC (RFC 6618 §4.3). */
static int ha_input(fx *f, const uint8_t *pkt, size_t len)
{
    static uint8_t buf[2048];
    int rc;
    memcpy(buf, pkt, len);
    rc = mip6tls_ha_recv(&f->ha, f->now, &f->ha_ep, &f->coa, buf, len, &f->ha_ob);
    ha_drain(f);
    if (rc == MIP6TLS_ERR_SPI) {
        mip6tls_encap_hdr h;
        assert_int_equal(mip6tls_encap_decode(pkt, len, &h), 0);
        memcpy(f->held, pkt, len);
        f->held_len = len;
        f->held_spi = h.spi;
        f->last_query_rc = mip6tls_saq_client_query(&f->cli, f->now, h.spi, &f->cli_ob);
        if (f->last_query_rc < 0) {
            f->held_len = 0;
            f->dropped++;
        }
    }
    return rc;
}

static void cli_drain(fx *f)
{
    size_t i;
    for (i = 0; i < f->cli_ob.n; i++) {
        const mip6tls_action *a = &f->cli_ob.acts[i];
        switch (a->type) {
        case MIP6TLS_ACT_TCP_CONNECT:
            assert_int_equal(a->remote.port, SAQ_PORT);
            f->want_conn = a->conn;
            break;
        case MIP6TLS_ACT_TCP_SEND:
            if (f->up && a->conn == f->cconn) {
                fifo_put(&f->c2s, a->data, a->len);
                f->cli_sends++;
            }
            break;
        case MIP6TLS_ACT_TCP_CLOSE:
            if (f->up && a->conn == f->cconn)
                f->c_fin = 1;
            break;
        case MIP6TLS_ACT_SA_INSTALL:
            assert_true(f->ninst < 64);
            f->inst_spi[f->ninst] = a->conn;
            f->inst_arg[f->ninst] = a->arg;
            f->inst_rc[f->ninst++] = mip6tls_ha_install_action(&f->ha, f->now, a, &f->ha_ob);
            if (f->held_len > 0 && f->held_spi == a->conn)
                f->replay = 1;
            break;
        case MIP6TLS_ACT_SA_FORGET:
            assert_true(f->nforgot < 64);
            f->forgot[f->nforgot++] = a->conn;
            (void)mip6tls_ha_remove_sa(&f->ha, f->now, a->conn, &f->ha_ob);
            break;
        case MIP6TLS_ACT_EVENT:
            log_ev(f, 'C', a);
            if ((a->event == MIP6TLS_SAQ_EV_NOT_FOUND || a->event == MIP6TLS_SAQ_EV_QUERY_FAILED) &&
                f->held_len > 0 && f->held_spi == a->conn) {
                f->held_len = 0; /* the HAC does not know it, or did not answer: drop */
                f->dropped++;
            }
            break;
        default: fail_msg("unexpected client action %d", a->type);
        }
    }
    mip6tls_outbox_clear(&f->cli_ob);
    ha_drain(f);
    if (f->replay) { /* after the drain: the port never calls back into a context it drains */
        uint8_t pkt[2048];
        size_t n = f->held_len;
        f->replay = 0;
        memcpy(pkt, f->held, n);
        f->held_len = 0;
        (void)ha_input(f, pkt, n);
    }
}

static void srv_drain(fx *f)
{
    size_t i;
    for (i = 0; i < f->srv_ob.n; i++) {
        const mip6tls_action *a = &f->srv_ob.acts[i];
        if (a->type == MIP6TLS_ACT_TCP_SEND) {
            if (f->up && a->conn == f->sconn && !f->blackhole)
                fifo_put(&f->s2c, a->data, a->len);
        } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
            if (f->up && a->conn == f->sconn)
                f->s_fin = 1;
        } else if (a->type == MIP6TLS_ACT_EVENT) {
            log_ev(f, 'S', a);
        } else {
            fail_msg("unexpected server action %d", a->type);
        }
    }
    mip6tls_outbox_clear(&f->srv_ob);
}

/* The HAC daemon: its SA_INSTALL and SA_FORGET go to the SAQ server too. TCP data goes to
 * the bootstrapping MN. */
static void hac_drain(fx *f)
{
    static uint8_t buf[8][2 * MIP6TLS_TLS_BUFSIZE];
    size_t lens[8], nb = 0, i;
    for (i = 0; i < f->hac_ob.n; i++) {
        const mip6tls_action *a = &f->hac_acts[i];
        if (a->type == MIP6TLS_ACT_TCP_SEND) {
            assert_true(nb < 8);
            memcpy(buf[nb], a->data, a->len);
            lens[nb++] = a->len;
        } else if (a->type == MIP6TLS_ACT_SA_INSTALL || a->type == MIP6TLS_ACT_SA_FORGET) {
            assert_int_equal(mip6tls_saq_server_hac_action(&f->srv, f->now, a, &f->srv_ob), 0);
        } else if (a->type == MIP6TLS_ACT_EVENT) {
            log_ev(f, 'H', a);
        }
    }
    mip6tls_outbox_clear(&f->hac_ob);
    srv_drain(f);
    for (i = 0; i < nb; i++)
        assert_int_equal(
            mip6tls_boot_tcp_recv(&f->boot, f->now, f->boot.conn, buf[i], lens[i], &f->boot_ob), 0);
}

/* Moves bytes between the saq client and server until both are quiet. */
static void pump(fx *f)
{
    int round;
    for (round = 0; round < 400; round++) {
        int busy = 0, n;
        cli_drain(f);
        srv_drain(f);
        /* The port re-arms each context's timer after every call: what is due now runs now
         * (also messages a side held back for outbox room: next_deadline 0). */
        if (mip6tls_saq_client_next_deadline(&f->cli) <= f->now) {
            assert_int_equal(mip6tls_saq_client_tick(&f->cli, f->now, &f->cli_ob), 0);
            busy |= f->cli_ob.n > 0;
            cli_drain(f);
        }
        if (mip6tls_saq_server_next_deadline(&f->srv) == 0)
            f->srv_held = 1;
        if (mip6tls_saq_server_next_deadline(&f->srv) <= f->now) {
            assert_int_equal(mip6tls_saq_server_tick(&f->srv, f->now, &f->srv_ob), 0);
            busy |= f->srv_ob.n > 0;
            srv_drain(f);
        }
        if (f->want_conn != 0) {
            uint32_t conn = f->want_conn;
            f->want_conn = 0;
            if (f->reachable) {
                mip6tls_endpoint peer;
                ep(&peer, "2001:db8:2::2", (uint16_t)(50000 + conn % 1000));
                f->cconn = conn;
                f->sconn = 1000 + conn;
                f->up = 1;
                f->c_fin = f->s_fin = 0;
                f->c2s.len = f->s2c.len = 0;
                assert_int_equal(
                    mip6tls_saq_server_tcp_accept(&f->srv, f->now, f->sconn, &peer, &f->srv_ob), 0);
                srv_drain(f);
                assert_int_equal(
                    mip6tls_saq_client_tcp_connected(&f->cli, f->now, conn, &f->cli_ob), 0);
                busy = 1;
            }
            continue;
        }
        if (f->up && f->c2s.len > 0) {
            n = mip6tls_saq_server_tcp_recv(&f->srv, f->now, f->sconn, f->c2s.d, f->c2s.len,
                                            &f->srv_ob);
            if (getenv("SAQ_TRACE") != NULL)
                fprintf(stderr, "  server took %d of %zu\n", n, f->c2s.len);
            assert_true(n >= 0);
            if ((size_t)n < f->c2s.len)
                f->partial = 1;
            fifo_eat(&f->c2s, (size_t)n);
            busy |= n > 0 || f->srv_ob.n > 0;
            srv_drain(f);
        }
        if (f->up && f->s2c.len > 0) {
            n = mip6tls_saq_client_tcp_recv(&f->cli, f->now, f->cconn, f->s2c.d, f->s2c.len,
                                            &f->cli_ob);
            if (getenv("SAQ_TRACE") != NULL)
                fprintf(stderr, "  client took %d of %zu\n", n, f->s2c.len);
            assert_true(n >= 0);
            if ((size_t)n < f->s2c.len)
                f->partial = 1;
            fifo_eat(&f->s2c, (size_t)n);
            busy |= n > 0 || f->cli_ob.n > 0;
            cli_drain(f);
        }
        if (f->up && f->c_fin && f->c2s.len == 0) { /* the client closed: the server sees FIN */
            f->up = 0;
            f->s2c.len = 0;
            assert_int_equal(mip6tls_saq_server_tcp_closed(&f->srv, f->now, f->sconn, &f->srv_ob),
                             0);
            busy = 1;
        } else if (f->up && f->s_fin && f->s2c.len == 0) {
            f->up = 0;
            f->c2s.len = 0;
            assert_int_equal(mip6tls_saq_client_tcp_closed(&f->cli, f->now, f->cconn, &f->cli_ob),
                             0);
            busy = 1;
        }
        if (!busy && f->cli_ob.n == 0 && f->srv_ob.n == 0 && f->want_conn == 0)
            return;
    }
    fail_msg("the link did not settle");
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Runs every timer of the client and server due up to t, then sets the clock to t. */
static void run_until(fx *f, uint64_t t)
{
    int guard;
    for (guard = 0; guard < 10000; guard++) {
        uint64_t d = min64(mip6tls_saq_client_next_deadline(&f->cli),
                           mip6tls_saq_server_next_deadline(&f->srv));
        if (d > t)
            break;
        if (d > f->now)
            f->now = d;
        assert_int_equal(mip6tls_saq_client_tick(&f->cli, f->now, &f->cli_ob), 0);
        cli_drain(f);
        assert_int_equal(mip6tls_saq_server_tick(&f->srv, f->now, &f->srv_ob), 0);
        srv_drain(f);
        pump(f);
    }
    assert_true(guard < 10000);
    f->now = t;
}

/* ---- set-up -------------------------------------------------------------------------------- */

static void ha_cred(fx *f, int i, const char *chain, const char *key)
{
    mip6tls_cred_init(&f->hak[i], f->hak_arena[i], sizeof f->hak_arena[i]);
    assert_int_equal(
        mip6tls_cred_add_anchors(&f->hak[i], (const uint8_t *)tpki_ca_pem, strlen(tpki_ca_pem)), 0);
    assert_int_equal(mip6tls_cred_add_chain(&f->hak[i], (const uint8_t *)chain, strlen(chain)), 0);
    assert_int_equal(mip6tls_cred_set_key(&f->hak[i], (const uint8_t *)key, strlen(key)), 0);
    assert_int_equal(mip6tls_tls_config_client(&f->ha_tls[i], &f->hak[i], &f->impl), 0);
    assert_int_equal(mip6tls_tls_config_client_cert(&f->ha_tls[i], &f->hak[i]), 0);
}

static void server_init(fx *f, size_t n_allow)
{
    mip6tls_saq_server_storage st;
    memset(&f->scfg, 0, sizeof f->scfg);
    f->scfg.unix_offset_ms = OFFSET;
    f->scfg.tls = &f->srv_tls;
    f->scfg.allow = f->allow;
    f->scfg.n_allow = n_allow;
    memset(&st, 0, sizeof st);
    st.sessions = f->srv_sessions;
    st.n_sessions = 2;
    st.iobufs = f->srv_iobufs;
    st.fresh = f->fresh;
    st.n_fresh = 64;
    assert_int_equal(mip6tls_saq_server_init(&f->srv, &f->scfg, &f->hac, &f->srv_drbg, &st), 0);
}

/* A fresh HA (no SAs) and a fresh saq client presenting certificate `which`, expecting the
 * HAC to be `hac_name`. */
static void ha_init(fx *f, int which, const char *hac_name)
{
    mip6tls_ha_config ac;
    mip6tls_ha_storage as;
    /* The old HA's connection, if any, ends with it. */
    if (f->up) {
        assert_int_equal(mip6tls_saq_server_tcp_closed(&f->srv, f->now, f->sconn, &f->srv_ob), 0);
        srv_drain(f);
    }
    f->up = f->c_fin = f->s_fin = 0;
    f->want_conn = 0;
    f->c2s.len = f->s2c.len = 0;
    mip6tls_ha_config_default(&ac);
    ac.addr6 = f->ha_ep.addr;
    ac.unix_offset_ms = OFFSET;
    memset(&as, 0, sizeof as);
    as.entries = f->ha_entries;
    as.n_entries = NSAS;
    as.heap = f->ha_heap;
    as.spi_buckets = f->ha_spi_b;
    as.n_spi_buckets = NSAS;
    as.hoa_buckets = f->ha_hoa_b;
    as.n_hoa_buckets = 2 * NSAS;
    as.cache = f->ha_cache;
    as.n_cache = 4;
    assert_int_equal(mip6tls_ha_init(&f->ha, &ac, &f->impl, &f->ha_drbg, &as), 0);

    memset(&f->qcfg, 0, sizeof f->qcfg);
    f->qcfg.unix_offset_ms = OFFSET;
    f->qcfg.tls = &f->ha_tls[which];
    f->qcfg.peer.dns = hac_name;
    ep(&f->qcfg.hac, "2001:db8::1", SAQ_PORT);
    f->qcfg.tls_buf = f->cli_buf;
    f->qcfg.tls_buf_len = sizeof f->cli_buf;
    f->qcfg.pending = f->pending;
    f->qcfg.n_pending = NPEND;
    f->qcfg.timeout_ms = 500;
    assert_int_equal(mip6tls_saq_client_init(&f->cli, &f->qcfg, &f->cli_drbg), 0);
    f->held_len = 0;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    uint8_t seed[32] = {7};
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    mip6tls_mn_config mc;

    assert_non_null(f);
    f->now = T0;
    f->reachable = 1;
    mip6tls_esp_impl_detect(&f->impl);
    mip6tls_drbg_init(&f->hac_drbg, seed, sizeof seed);
    seed[0] = 8;
    mip6tls_drbg_init(&f->mn_drbg, seed, sizeof seed);
    seed[0] = 9;
    mip6tls_drbg_init(&f->ha_drbg, seed, sizeof seed);
    seed[0] = 10;
    mip6tls_drbg_init(&f->cli_drbg, seed, sizeof seed);
    seed[0] = 11;
    mip6tls_drbg_init(&f->srv_drbg, seed, sizeof seed);
    seed[0] = 12;
    mip6tls_drbg_init(&f->raw_drbg, seed, sizeof seed);
    ep(&f->coa, "2001:db8:a::5", 40000);
    ep(&f->coa2, "2001:db8:b::5", 40000);
    ep(&f->ha_ep, "2001:db8::1", 7872);

    /* The HAC's certificate serves both its MN service and its HA service. */
    mip6tls_cred_init(&f->hac_cred, f->hac_cred_arena, sizeof f->hac_cred_arena);
    assert_int_equal(mip6tls_cred_add_chain(&f->hac_cred, (const uint8_t *)tpki_hac_ec_chain_pem,
                                            strlen(tpki_hac_ec_chain_pem)),
                     0);
    assert_int_equal(mip6tls_cred_set_key(&f->hac_cred, (const uint8_t *)tpki_ec_key_pem,
                                          strlen(tpki_ec_key_pem)),
                     0);
    assert_int_equal(mip6tls_tls_config_server(&f->hac_tls, &f->hac_cred, &f->impl, NULL, 0), 0);
    assert_int_equal(mip6tls_tls_config_server(&f->srv_tls, &f->hac_cred, &f->impl, NULL, 0), 0);
    mip6tls_cred_init(&f->ha_anchors, f->ha_anchor_arena, sizeof f->ha_anchor_arena);
    assert_int_equal(
        mip6tls_cred_add_anchors(&f->ha_anchors, (const uint8_t *)tpki_ca_pem, strlen(tpki_ca_pem)),
        0);
    assert_int_equal(mip6tls_tls_config_client_auth(&f->srv_tls, &f->ha_anchors), 0);

    f->pol.methods = MIP6TLS_CTR_AM_PSK;
    f->creds[0].nai = "mn1@example.com";
    f->creds[0].nai_len = strlen(f->creds[0].nai);
    f->creds[0].psk = (const uint8_t *)psk;
    f->creds[0].psk_len = strlen(psk);
    assert_int_equal(mip6tls_addr_parse(&f->creds[0].hoa6, "2001:db8:1::100", 15), 0);
    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = OFFSET;
    hc.tls = &f->hac_tls;
    hc.hacp = &f->pol;
    hc.creds = f->creds;
    hc.n_creds = 1;
    hc.sa_lifetime_s = 3600;
    hc.ha6 = f->ha_ep.addr;
    f->hac_iobufs = malloc(MIP6TLS_TLS_BUFSIZE);
    memset(&hs, 0, sizeof hs);
    hs.sessions = f->hac_sessions;
    hs.n_sessions = 1;
    hs.iobufs = f->hac_iobufs;
    hs.sas = f->sas;
    hs.n_sas = NSAS;
    hs.spi_index = f->index;
    hs.n_index = 2 * NSAS;
    assert_int_equal(mip6tls_hac_init(&f->hac, f->now, &hc, &f->hac_drbg, &hs), 0);
    f->hac_arena = malloc(2 * MIP6TLS_HAC_OUTBOX_MIN);
    mip6tls_outbox_init(&f->hac_ob, f->hac_acts, 64, f->hac_arena, 2 * MIP6TLS_HAC_OUTBOX_MIN);

    f->allow[0].dns = "ha1.example.com";
    f->srv_iobufs = malloc(2 * MIP6TLS_TLS_BUFSIZE);
    server_init(f, 1);
    f->srv_arena = malloc(OB_ARENA);
    mip6tls_outbox_init(&f->srv_ob, f->srv_acts, 64, f->srv_arena, OB_ARENA);

    assert_int_equal(tu_mn_boot_setup(&f->mnb, &f->impl, psk, f->boot_buf, sizeof f->boot_buf), 0);
    assert_int_equal(mip6tls_boot_init(&f->boot, &f->mnb.boot, &f->mn_drbg), 0);
    f->boot_arena = malloc(2 * MIP6TLS_BOOT_OUTBOX_MIN);
    mip6tls_outbox_init(&f->boot_ob, f->boot_acts, 64, f->boot_arena, 2 * MIP6TLS_BOOT_OUTBOX_MIN);
    f->mn_arena = malloc(MIP6TLS_MN_OUTBOX_MIN);
    mip6tls_outbox_init(&f->mn_ob, f->mn_acts, 32, f->mn_arena, MIP6TLS_MN_OUTBOX_MIN);
    memset(&mc, 0, sizeof mc);
    mc.unix_offset_ms = OFFSET;
    assert_int_equal(mip6tls_mn_init(&f->mn, f->now, &mc, &f->impl, &f->mn_drbg, &f->mn_ob), 0);
    mn_drain(f);

    mip6tls_outbox_init(&f->ha_ob, f->ha_acts, 32, f->ha_arena, sizeof f->ha_arena);
    ha_cred(f, 0, tpki_ha_ec_chain_pem, tpki_ha_key_pem);
    ha_cred(f, 1, tpki_ha_rsa_chain_pem, tpki_rsa_key_pem);
    ha_cred(f, 2, tpki_ha_rogue_pem, tpki_ha_key_pem);
    ha_cred(f, 3, tpki_ha_expired_pem, tpki_ha_key_pem);
    f->cli_arena = malloc(OB_ARENA);
    mip6tls_outbox_init(&f->cli_ob, f->cli_acts, 64, f->cli_arena, OB_ARENA);
    ha_init(f, 0, "hac.example.com");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    free(f->c2s.d);
    free(f->s2c.d);
    free(f->hac_iobufs);
    free(f->hac_arena);
    free(f->srv_iobufs);
    free(f->srv_arena);
    free(f->boot_arena);
    free(f->mn_arena);
    free(f->cli_arena);
    free(f);
    return 0;
}

/* ---- story steps --------------------------------------------------------------------------- */

/* The MN bootstraps with the HAC over TLS; the HAC daemon hands SA_INSTALL to the SAQ server
 * (and so to every connected HA). The MN's SA lands in f->mn_sa. */
static void bootstrap(fx *f)
{
    static uint8_t buf[8][2 * MIP6TLS_TLS_BUFSIZE];
    mip6tls_endpoint peer = f->coa;
    uint32_t conn;
    int round;
    mip6tls_outbox_clear(&f->boot_ob);
    assert_int_equal(mip6tls_boot_start(&f->boot, f->now, &f->coa.addr, &f->boot_ob), 0);
    conn = f->boot.conn;
    mip6tls_outbox_clear(&f->boot_ob);
    assert_int_equal(mip6tls_hac_tcp_accept(&f->hac, f->now, 77, &peer, &f->hac_ob), 0);
    hac_drain(f);
    assert_int_equal(mip6tls_boot_tcp_connected(&f->boot, f->now, conn, unix_now(f), &f->boot_ob),
                     0);
    for (round = 0; round < 50; round++) {
        size_t lens[8], nb = 0, i;
        int fin = 0;
        for (i = 0; i < f->boot_ob.n; i++) {
            const mip6tls_action *a = &f->boot_acts[i];
            if (a->type == MIP6TLS_ACT_TCP_SEND) {
                assert_true(nb < 8);
                memcpy(buf[nb], a->data, a->len);
                lens[nb++] = a->len;
            } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
                fin = 1;
            }
        }
        mip6tls_outbox_clear(&f->boot_ob);
        if (nb == 0 && !fin && f->hac_ob.n == 0)
            break;
        for (i = 0; i < nb; i++)
            assert_int_equal(mip6tls_hac_tcp_recv(&f->hac, f->now, 77, buf[i], lens[i], &f->hac_ob),
                             0);
        if (fin)
            assert_int_equal(mip6tls_hac_tcp_closed(&f->hac, f->now, 77, &f->hac_ob), 0);
        hac_drain(f);
    }
    assert_non_null(mip6tls_boot_sa(&f->boot));
    f->mn_sa = *mip6tls_boot_sa(&f->boot);
    mip6tls_boot_release(&f->boot);
    pump(f); /* pushes, if an HA is connected */
}

/* The MN takes its SA and moves to `coa`: its BU lands in f->bu. */
static void mn_move(fx *f, const mip6tls_endpoint *coa)
{
    if (mip6tls_mn_active_sa(&f->mn) == NULL)
        assert_int_equal(mip6tls_mn_install_sa(&f->mn, f->now, &f->mn_sa, &f->mn_ob), 0);
    f->coa = *coa;
    f->bu_len = 0;
    assert_int_equal(mip6tls_mn_set_coa(&f->mn, f->now, coa, &f->mn_ob), 0);
    mn_drain(f);
    assert_true(f->bu_len > 0);
}

static void connect_ha(fx *f)
{
    assert_int_equal(mip6tls_saq_client_start(&f->cli, f->now, &f->cli_ob), 0);
    pump(f);
}

/* ---- codec ---------------------------------------------------------------------------------- */

static void codec_round_trips_and_truncation(void **state)
{
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX], buf[2 * MIP6TLS_SAQ_MSG_MAX], again[MIP6TLS_SAQ_MSG_MAX];
    mip6tls_sa sa;
    mip6tls_saq_msg in[8], out;
    size_t i, k, used;
    int rec_len, n, n2;
    (void)state;

    make_sa(&sa, 0x0123456);
    rec_len = mip6tls_sa_encode(&sa, rec, sizeof rec);
    assert_true(rec_len > 0);
    memset(in, 0, sizeof in);
    in[0].type = MIP6TLS_SAQ_QUERY, in[0].spi = 0x0123456;
    in[1].type = MIP6TLS_SAQ_ANSWER, in[1].spi = 0x0123456, in[1].status = MIP6TLS_SAQ_ST_FOUND;
    in[1].flags = MIP6TLS_SAQ_F_RESTORE, in[1].rec = rec, in[1].rec_len = (size_t)rec_len;
    in[2].type = MIP6TLS_SAQ_ANSWER, in[2].spi = 0x0FFFFFFF, in[2].status = 1;
    in[3].type = MIP6TLS_SAQ_ANSWER, in[3].spi = 0, in[3].status = 2;
    in[4].type = MIP6TLS_SAQ_PUSH, in[4].spi = 0x0123456, in[4].rec = rec;
    in[4].rec_len = (size_t)rec_len;
    in[5].type = MIP6TLS_SAQ_FORGET, in[5].spi = 1;
    in[6].type = MIP6TLS_SAQ_PING;
    in[7].type = MIP6TLS_SAQ_PONG;
    for (i = 0; i < 8; i++) {
        n = mip6tls_saq_encode(&in[i], buf, sizeof buf);
        assert_true(n >= MIP6TLS_SAQ_HDR_LEN && n <= MIP6TLS_SAQ_MSG_MAX);
        assert_int_equal(buf[0], 1);
        assert_int_equal(buf[1], in[i].type);
        assert_int_equal(mip6tls_get16(buf + 2), n - 4);
        assert_int_equal(mip6tls_saq_encode(&in[i], buf, (size_t)n - 1), MIP6TLS_ERR_NOBUF);
        /* a second message after it does not disturb the first */
        memcpy(buf + n, buf, (size_t)n);
        assert_int_equal(mip6tls_saq_decode(&out, buf, 2 * (size_t)n, &used), 0);
        assert_int_equal(used, (size_t)n);
        assert_int_equal(out.type, in[i].type);
        assert_int_equal(out.spi, in[i].spi);
        assert_int_equal(out.status, in[i].status);
        assert_int_equal(out.flags, in[i].flags);
        assert_int_equal(out.rec_len, in[i].rec_len);
        if (in[i].rec_len > 0)
            assert_memory_equal(out.rec, rec, (size_t)rec_len);
        else
            assert_null(out.rec);
        n2 = mip6tls_saq_encode(&out, again, sizeof again);
        assert_int_equal(n2, n);
        assert_memory_equal(again, buf, (size_t)n); /* canonical */
        for (k = 0; k < (size_t)n; k++)
            assert_int_equal(mip6tls_saq_decode(&out, buf, k, &used), MIP6TLS_ERR_TRUNCATED);
    }
    /* The wire layout of two of them, octet by octet. */
    n = mip6tls_saq_encode(&in[0], buf, sizeof buf);
    {
        static const uint8_t q[8] = {1, 1, 0, 4, 0x00, 0x12, 0x34, 0x56};
        assert_int_equal(n, 8);
        assert_memory_equal(buf, q, 8);
    }
    n = mip6tls_saq_encode(&in[3], buf, sizeof buf);
    {
        static const uint8_t a[10] = {1, 2, 0, 6, 0, 0, 0, 0, 2, 0};
        assert_int_equal(n, 10);
        assert_memory_equal(buf, a, 10);
    }
    n = mip6tls_saq_encode(&in[1], buf, sizeof buf);
    assert_int_equal(n, 10 + rec_len);
    assert_int_equal(buf[8], 0);
    assert_int_equal(buf[9], 1);
    assert_memory_equal(buf + 10, rec, (size_t)rec_len);
}

/* Builds a message header + body by hand. */
static size_t raw_msg(uint8_t *out, uint8_t ver, uint8_t type, const uint8_t *body, size_t blen)
{
    out[0] = ver;
    out[1] = type;
    mip6tls_put16(out + 2, (uint16_t)blen);
    if (blen > 0 && blen <= 1024) /* the tests' bodies; also bounds the copy for the compiler */
        memcpy(out + 4, body, blen);
    return 4 + blen;
}

static void codec_refuses_bad_messages(void **state)
{
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX], body[1024], buf[1100];
    mip6tls_sa sa;
    mip6tls_saq_msg m;
    size_t used, n;
    int rec_len;
    (void)state;

    make_sa(&sa, 0x42);
    rec_len = mip6tls_sa_encode(&sa, rec, sizeof rec);
    assert_true(rec_len > 0);
    mip6tls_put32(body, 0x42);

#define DEC(len) mip6tls_saq_decode(&m, buf, (len), &used)
    /* header: version, type, lengths (decided from the header alone) */
    n = raw_msg(buf, 2, MIP6TLS_SAQ_QUERY, body, 4);
    assert_int_equal(DEC(n), MIP6TLS_ERR_VERSION);
    assert_int_equal(DEC(4), MIP6TLS_ERR_VERSION);
    n = raw_msg(buf, 1, 0, body, 4);
    assert_int_equal(DEC(n), MIP6TLS_ERR_TYPE);
    n = raw_msg(buf, 1, 7, body, 4);
    assert_int_equal(DEC(n), MIP6TLS_ERR_TYPE);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_QUERY, body, 3);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_FORGET, body, 5);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_PING, body, 1);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 5);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH);
    buf[0] = 1, buf[1] = MIP6TLS_SAQ_ANSWER;
    mip6tls_put16(buf + 2, MIP6TLS_SAQ_BODY_MAX + 1);
    assert_int_equal(DEC(4), MIP6TLS_ERR_LENGTH); /* no waiting for 647 octets */
    mip6tls_put16(buf + 2, 0xFFFF);
    assert_int_equal(DEC(4), MIP6TLS_ERR_LENGTH);
    buf[1] = MIP6TLS_SAQ_PUSH;
    mip6tls_put16(buf + 2, 5 + MIP6TLS_SA_ENCODED_MAX + 1);
    assert_int_equal(DEC(4), MIP6TLS_ERR_LENGTH);
    mip6tls_put16(buf + 2, 5); /* no record at all */
    assert_int_equal(DEC(4), MIP6TLS_ERR_LENGTH);

    /* SPI range (RFC 6618 §5.6.1: 1 .. 2^28 - 1) */
    mip6tls_put32(body, 0);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_QUERY, body, 4);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);
    mip6tls_put32(body, 0x10000000);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_FORGET, body, 4);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);

    /* ANSWER: status, flags, record presence */
    mip6tls_put32(body, 0x42);
    body[4] = 3, body[5] = 0;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);
    body[4] = MIP6TLS_SAQ_ST_FOUND;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MISSING);
    memcpy(body + 6, rec, (size_t)rec_len);
    body[5] = 0x02;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_RESERVED);
    body[5] = 0x01;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len);
    assert_int_equal(DEC(n), 0);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len - 1);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH); /* the record ends early */
    body[6 + rec_len] = 0;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len + 1);
    assert_int_equal(DEC(n), MIP6TLS_ERR_LENGTH); /* ... or late */
    body[6] = 9;                                  /* record version */
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_VERSION);
    body[6] = rec[0];
    mip6tls_put32(body, 0x43); /* the record is SPI 0x42's */
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);
    mip6tls_put32(body, 0x42);
    body[4] = MIP6TLS_SAQ_ST_NOT_FOUND;
    body[5] = 0;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED); /* a record where none belongs */
    body[5] = 1;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6);
    assert_int_equal(DEC(n), MIP6TLS_ERR_RESERVED);
    body[5] = 0;
    mip6tls_put32(body, 0);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED); /* SPI 0 only in a refusal */
    body[4] = MIP6TLS_SAQ_ST_NOT_AUTHORIZED;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_ANSWER, body, 6);
    assert_int_equal(DEC(n), 0);
    assert_int_equal(m.spi, 0);

    /* PUSH: flags, record */
    mip6tls_put32(body, 0x42);
    body[4] = 0x80;
    memcpy(body + 5, rec, (size_t)rec_len);
    n = raw_msg(buf, 1, MIP6TLS_SAQ_PUSH, body, 5 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_RESERVED);
    body[4] = 0;
    n = raw_msg(buf, 1, MIP6TLS_SAQ_PUSH, body, 5 + (size_t)rec_len);
    assert_int_equal(DEC(n), 0);
    assert_int_equal(m.rec_len, (size_t)rec_len);
    body[5 + 1] = 7; /* scope 7 inside the record: mip6tls_sa_check refuses it */
    n = raw_msg(buf, 1, MIP6TLS_SAQ_PUSH, body, 5 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);
    body[5 + 1] = rec[1];
    body[5 + 3] ^= 0x55; /* an unknown suite */
    n = raw_msg(buf, 1, MIP6TLS_SAQ_PUSH, body, 5 + (size_t)rec_len);
    assert_int_equal(DEC(n), MIP6TLS_ERR_MALFORMED);
#undef DEC

    /* The encoder refuses what the decoder would. */
    memset(&m, 0, sizeof m);
    m.type = MIP6TLS_SAQ_QUERY;
    assert_int_equal(mip6tls_saq_encode(&m, buf, sizeof buf), MIP6TLS_ERR_ARG); /* SPI 0 */
    m.type = MIP6TLS_SAQ_ANSWER, m.spi = 5, m.status = MIP6TLS_SAQ_ST_FOUND;
    assert_int_equal(mip6tls_saq_encode(&m, buf, sizeof buf), MIP6TLS_ERR_ARG); /* no record */
    m.type = MIP6TLS_SAQ_PING, m.rec = rec, m.rec_len = 1;
    assert_int_equal(mip6tls_saq_encode(&m, buf, sizeof buf), MIP6TLS_ERR_ARG);
    m.type = 9;
    assert_int_equal(mip6tls_saq_encode(&m, buf, sizeof buf), MIP6TLS_ERR_ARG);
    m.type = MIP6TLS_SAQ_PUSH, m.spi = 5, m.rec_len = MIP6TLS_SA_ENCODED_MAX + 1;
    assert_int_equal(mip6tls_saq_encode(&m, buf, sizeof buf), MIP6TLS_ERR_ARG);
}

/* ---- the protocol over TLS ----------------------------------------------------------------- */

/* RFC 6618 §4.3: the HA gets a BU under an SPI it does not hold, queries the HAC by that SPI,
 * installs the answer and the held BU then gets its BA. */
static void query_by_spi_installs_and_the_bu_gets_its_ba(void **state)
{
    fx *f = *state;
    const mip6tls_ha_entry *e;
    const mip6tls_sa *held;
    const evrec *q;
    uint32_t spi;

    bootstrap(f); /* no HA connected yet: the push reaches nobody */
    spi = f->mn_sa.keys.spi;
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_PUSH_SENT)->arg, 0);
    connect_ha(f);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_CONNECTED), 1);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_HA_AUTHORIZED)->arg, 0);
    assert_int_equal(mip6tls_saq_server_ha_count(&f->srv), 1);
    assert_int_equal(mip6tls_ha_sa_count(&f->ha), 0);

    mn_move(f, &f->coa);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), MIP6TLS_ERR_SPI);
    assert_int_equal(f->last_query_rc, 0);
    assert_int_equal(f->held_spi, spi);
    /* A retransmitted BU before the answer: one query per SPI. */
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, spi, &f->cli_ob), 1);
    assert_int_equal(mip6tls_saq_client_pending_count(&f->cli), 1);
    pump(f);

    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 1);
    q = last_ev(f, 'S', MIP6TLS_SAQ_EV_QUERY);
    assert_non_null(q);
    assert_int_equal(q->arg & 0xFFFFFFFFu, spi);
    assert_int_equal((q->arg >> 32) & 0xFF, MIP6TLS_SAQ_ST_FOUND);
    assert_int_equal(q->arg >> 40, 0); /* fresh: no HA had it, so no RESTORE */
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_ANSWERED), 1);
    assert_int_equal(f->ninst, 1);
    assert_int_equal(f->inst_spi[0], spi);
    assert_int_equal(f->inst_arg[0], 0);
    assert_int_equal(f->inst_rc[0], 0);
    assert_int_equal(mip6tls_saq_client_pending_count(&f->cli), 0);
    /* The HA holds exactly what the HAC provisioned and the MN uses. */
    e = mip6tls_ha_find_spi(&f->ha, spi);
    held = mip6tls_hac_find_sa(&f->hac, spi);
    assert_non_null(e);
    assert_non_null(held);
    assert_memory_equal(&e->keys, &held->keys, sizeof e->keys);
    assert_memory_equal(&e->keys, &f->mn_sa.keys, sizeof e->keys);
    /* The held BU was replayed: a BA came back and the MN is registered. */
    assert_int_equal(f->bas, 1);
    assert_int_equal(f->ba_status, 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);
    assert_int_equal(mip6tls_ha_binding_count(&f->ha), 1);
    /* The next BU needs no query. */
    mn_move(f, &f->coa2);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), 0);
    assert_int_equal(f->bas, 2);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 1);
}

/* §4.3: "The HAC may proactively distribute the SA information to HAs": SA_INSTALL goes out as
 * a PUSH to every authorized HA, SA_FORGET (revoked) as a FORGET. */
static void push_then_forget(void **state)
{
    fx *f = *state;
    uint32_t spi;

    connect_ha(f);
    bootstrap(f);
    spi = f->mn_sa.keys.spi;
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_PUSH_SENT)->arg, 1);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_PUSHED), 1);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_PUSHED)->arg, 0);
    assert_int_equal(f->ninst, 1);
    assert_int_equal(f->inst_spi[0], spi);
    assert_int_equal(f->inst_rc[0], 0);
    assert_non_null(mip6tls_ha_find_spi(&f->ha, spi));
    mn_move(f, &f->coa);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), 0); /* known already: no query */
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 0);
    assert_int_equal(f->mn.state, MIP6TLS_MN_BOUND);

    /* The HAC revokes it: the HA forgets it too. */
    assert_int_equal(mip6tls_hac_revoke(&f->hac, f->now, spi, &f->hac_ob), 0);
    hac_drain(f);
    pump(f);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_FORGET_SENT)->arg, 1);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_FORGOTTEN), 1);
    assert_int_equal(f->nforgot, 1);
    assert_int_equal(f->forgot[0], spi);
    assert_null(mip6tls_ha_find_spi(&f->ha, spi));
    assert_int_equal(mip6tls_ha_binding_count(&f->ha), 0);
    /* The MN's next BU finds nothing, anywhere: dropped after a not-found. */
    mn_move(f, &f->coa2);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), MIP6TLS_ERR_SPI);
    pump(f);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_NOT_FOUND)->arg, MIP6TLS_SAQ_ST_NOT_FOUND);
    assert_int_equal(f->dropped, 1);
    assert_int_equal(f->ninst, 1);
}

static void not_found_is_remembered_and_the_table_is_bounded(void **state)
{
    fx *f = *state;
    uint32_t i;
    size_t sent;

    connect_ha(f);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x0ABCDEF, &f->cli_ob), 0);
    pump(f);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_NOT_FOUND)->conn, 0x0ABCDEF);
    assert_int_equal((last_ev(f, 'S', MIP6TLS_SAQ_EV_QUERY)->arg >> 32) & 0xFF,
                     MIP6TLS_SAQ_ST_NOT_FOUND);
    sent = nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT);
    assert_int_equal(sent, 1);
    /* Asked again at once: answered from memory, nothing sent. */
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now + 1999, 0x0ABCDEF, &f->cli_ob),
                     MIP6TLS_ERR_NOTFOUND);
    assert_int_equal(f->cli_ob.n, 0);
    /* After negative_ms (2000) the HAC is asked again. */
    run_until(f, f->now + 2000);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x0ABCDEF, &f->cli_ob), 0);
    pump(f);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 2);

    /* Bounded: the not-found memory holds one slot, NPEND - 1 queries in flight (the HAC's
     * answers are lost), then FULL. */
    f->blackhole = 1;
    for (i = 0; i < NPEND - 1; i++)
        assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x100 + i, &f->cli_ob), 0);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x200, &f->cli_ob),
                     MIP6TLS_ERR_FULL);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x100, &f->cli_ob), 1);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0, &f->cli_ob), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x10000000, &f->cli_ob),
                     MIP6TLS_ERR_ARG);
    pump(f);
    assert_int_equal(mip6tls_saq_client_pending_count(&f->cli), NPEND - 1);
    /* Unanswered: each fails after query_timeout_ms (5000). */
    run_until(f, f->now + 4999);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_FAILED), 0);
    run_until(f, f->now + 1);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_FAILED), NPEND - 1);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_QUERY_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
    assert_int_equal(mip6tls_saq_client_pending_count(&f->cli), 0);
}

/* An HA that restarted lost its sequence numbers: the SA it asks for was delivered before, so
 * the answer says RESTORE and the HA asks the MN to re-key (decisions/0015, 0033). A record
 * the HAC restored after its own restart goes out with RESTORE too. */
static void restarted_ha_is_told_to_restore(void **state)
{
    fx *f = *state;
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX];
    mip6tls_sa other;
    uint32_t spi;
    const evrec *q;
    int n;

    connect_ha(f);
    bootstrap(f);
    spi = f->mn_sa.keys.spi;
    mn_move(f, &f->coa);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), 0);
    assert_int_equal(f->ba_status, 0);

    /* The HA process dies (its TCP connection with it) and starts again, empty. */
    ha_init(f, 0, "hac.example.com");
    connect_ha(f);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
    mn_move(f, &f->coa2);
    assert_int_equal(ha_input(f, f->bu, f->bu_len), MIP6TLS_ERR_SPI);
    pump(f);
    q = last_ev(f, 'S', MIP6TLS_SAQ_EV_QUERY);
    assert_int_equal(q->arg & 0xFFFFFFFFu, spi);
    assert_int_equal(q->arg >> 40, 1); /* RESTORE */
    assert_int_equal(f->inst_spi[f->ninst - 1], spi);
    assert_int_equal(f->inst_arg[f->ninst - 1], 1);
    assert_int_equal(f->inst_rc[f->ninst - 1], 0);
    /* The replayed BU authenticates, and the answer is 176: fetch a new SA. */
    assert_int_equal(f->ba_status, MIP6TLS_BA_REINIT_SA_WITH_HAC);
    assert_int_equal(mip6tls_mn_needs_sa(&f->mn), MIP6TLS_MN_RENEW_REINIT);

    /* The HAC reads a record back after its own restart: pushed with RESTORE. */
    make_sa(&other, 0x0777);
    n = mip6tls_sa_encode(&other, rec, sizeof rec);
    assert_true(n > 0);
    assert_int_equal(mip6tls_hac_restore_sa(&f->hac, f->now, rec, (size_t)n, &f->hac_ob), 0);
    hac_drain(f);
    pump(f);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_PUSHED)->conn, 0x0777);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_PUSHED)->arg, 1);
    assert_int_equal(f->inst_arg[f->ninst - 1], 1);
}

/* A client of our own with no certificate at all (the saq client refuses to run without one,
 * so this is a bare TLS client): the handshake fails. Returns the client's error. */
static int bare_client_against_server(fx *f, mip6tls_tls *t, uint8_t *buf, size_t buf_len,
                                      const mip6tls_tls_config *cfg, const uint8_t *msg,
                                      size_t msg_len, uint8_t *got, size_t *got_len)
{
    mip6tls_endpoint peer;
    mip6tls_tls_peer hac;
    int round, closed = 0;
    size_t glen = 0;
    ep(&peer, "2001:db8:2::9", 40999);
    memset(&hac, 0, sizeof hac);
    hac.dns = "hac.example.com";
    assert_int_equal(
        mip6tls_tls_client_init(t, cfg, &f->raw_drbg, unix_now(f), &hac, NULL, buf, buf_len), 0);
    assert_int_equal(mip6tls_saq_server_tcp_accept(&f->srv, f->now, 555, &peer, &f->srv_ob), 0);
    for (round = 0; round < 40 && !closed; round++) {
        const uint8_t *p;
        size_t n, i;
        if (mip6tls_tls_get_state(t) == MIP6TLS_TLS_OPEN && msg != NULL) {
            assert_int_equal(mip6tls_tls_write_app(t, msg, msg_len), (int)msg_len);
            assert_int_equal(mip6tls_tls_flush(t), 0);
            msg = NULL;
        }
        while ((p = mip6tls_tls_send_ct(t, &n)) != NULL && n > 0) {
            static uint8_t tmp[MIP6TLS_TLS_BUFSIZE];
            int took;
            memcpy(tmp, p, n);
            mip6tls_tls_send_ct_done(t, n);
            took = mip6tls_saq_server_tcp_recv(&f->srv, f->now, 555, tmp, n, &f->srv_ob);
            assert_int_equal(took, (int)n);
        }
        for (i = 0; i < f->srv_ob.n; i++) {
            const mip6tls_action *a = &f->srv_ob.acts[i];
            if (a->type == MIP6TLS_ACT_TCP_SEND && a->conn == 555)
                (void)mip6tls_tls_recv_ct(t, a->data, a->len);
            else if (a->type == MIP6TLS_ACT_TCP_CLOSE && a->conn == 555)
                closed = 1;
            else if (a->type == MIP6TLS_ACT_EVENT)
                log_ev(f, 'S', a);
        }
        mip6tls_outbox_clear(&f->srv_ob);
        while ((p = mip6tls_tls_read_app(t, &n)) != NULL && n > 0) {
            if (got != NULL && glen + n <= *got_len) {
                memcpy(got + glen, p, n);
                glen += n;
            }
            mip6tls_tls_read_app_done(t, n);
        }
    }
    if (got_len != NULL)
        *got_len = glen;
    return closed ? mip6tls_tls_error(t) : 1;
}

static void has_without_the_right_certificate_get_nothing(void **state)
{
    fx *f = *state;
    static mip6tls_tls bare;
    static uint8_t bare_buf[MIP6TLS_TLS_BUFSIZE];
    const evrec *closed;
    uint32_t spi;
    int which;

    bootstrap(f);
    spi = f->mn_sa.keys.spi;

    /* No client certificate: the handshake fails (BR_ERR_NO_CLIENT_AUTH on the HAC). */
    assert_int_equal(bare_client_against_server(f, &bare, bare_buf, sizeof bare_buf, &f->mnb.tls,
                                                NULL, 0, NULL, NULL),
                     MIP6TLS_ERR_AUTH);
    closed = last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED);
    assert_int_equal(closed->arg, (uint64_t)(int64_t)MIP6TLS_ERR_AUTH);
    assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_HA_AUTHORIZED), 0);
    assert_int_equal(mip6tls_saq_server_session_count(&f->srv), 0);

    /* A certificate from another CA, and an expired one: refused in the handshake. The query
     * the HA has waiting is never answered. */
    for (which = 2; which <= 3; which++) {
        size_t failed = nevents(f, 'C', MIP6TLS_SAQ_EV_FAILED);
        ha_init(f, which, "hac.example.com");
        connect_ha(f);
        assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, spi, &f->cli_ob), 0);
        pump(f);
        assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_FAILED), failed + 1);
        assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                         (uint64_t)(int64_t)MIP6TLS_ERR_AUTH);
        assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                         (uint64_t)(int64_t)MIP6TLS_ERR_AUTH);
        assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_WAIT_RETRY);
        assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_CONNECTED), 0);
        run_until(f, f->now + 5000);
        assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_QUERY_FAILED)->conn, spi);
    }
    assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_HA_AUTHORIZED), 0);

    /* A valid HA certificate (ha2.example.com) that is not on the allow-list: told so, cut
     * off, and its query ends as not-authorized. */
    ha_init(f, 1, "hac.example.com");
    assert_int_equal(mip6tls_saq_client_start(&f->cli, f->now, &f->cli_ob), 0);
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, spi, &f->cli_ob), 0);
    pump(f);
    assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_HA_REFUSED), 1);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_POLICY);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_POLICY);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_NOT_FOUND)->arg, MIP6TLS_SAQ_ST_NOT_AUTHORIZED);
    assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_QUERY), 0);
    assert_int_equal(f->ninst, 0);
    assert_int_equal(mip6tls_ha_sa_count(&f->ha), 0);
    assert_int_equal(mip6tls_saq_server_ha_count(&f->srv), 0);

    /* The same certificate allowed by its SHA-256 fingerprint: served. */
    {
        br_sha256_context h;
        static uint8_t fp[32];
        br_sha256_init(&h);
        br_sha256_update(&h, tpki_ha_rsa_der, tpki_ha_rsa_der_len);
        br_sha256_out(&h, fp);
        f->allow[1].sha256 = fp;
        server_init(f, 2);
        f->up = 0; /* the server forgot the connection: nothing to close */
        ha_init(f, 1, "hac.example.com");
        connect_ha(f);
        assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_HA_AUTHORIZED)->arg, 1);
        assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, spi, &f->cli_ob), 0);
        pump(f);
        assert_int_equal(f->ninst, 1);
        assert_int_equal(f->inst_spi[0], spi);
        assert_non_null(mip6tls_ha_find_spi(&f->ha, spi));
        /* ... while a different fingerprint in that entry would not match */
        fp[0] ^= 1;
        ha_init(f, 1, "hac.example.com");
        connect_ha(f);
        assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                         (uint64_t)(int64_t)MIP6TLS_ERR_POLICY);
    }
}

/* The HA checks the HAC's identity as the MN does (RFC 6618 §9.2). */
static void ha_checks_the_hac_identity(void **state)
{
    fx *f = *state;
    ha_init(f, 0, "other.example.com");
    connect_ha(f);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_AUTH);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_CONNECTED), 0);
    assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_HA_AUTHORIZED), 0);
    assert_int_equal(mip6tls_saq_server_session_count(&f->srv), 0);
}

static void reconnects_with_back_off(void **state)
{
    fx *f = *state;
    uint64_t cut, times[6];
    size_t i, k = 0;
    uint32_t spi;

    f->qcfg.retry_max_ms = 4000;
    assert_int_equal(mip6tls_saq_client_init(&f->cli, &f->qcfg, &f->cli_drbg), 0);
    connect_ha(f);
    bootstrap(f);
    spi = f->mn_sa.keys.spi;
    assert_int_equal(f->ninst, 1);

    /* The HAC restarts: its SAQ server loses the session, the HA sees the connection end. */
    server_init(f, 1);
    f->s_fin = 1;
    cut = f->now;
    pump(f);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_WAIT_RETRY);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_saq_client_next_deadline(&f->cli), cut + 1000);
    /* A query during the outage waits for the connection. */
    assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, spi, &f->cli_ob), 0);
    pump(f);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 0);
    run_until(f, cut + 1000);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_CONNECTED), 2);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_QUERY_SENT), 1);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_ANSWERED), 1);
    /* The HAC restarted, so it cannot know who had the SA: RESTORE. */
    assert_int_equal(f->inst_arg[f->ninst - 1], 1);

    /* The HAC is unreachable now: attempts time out (timeout_ms 500) and the waits double
     * from 1000 up to retry_max_ms 4000. */
    f->reachable = 0;
    server_init(f, 1);
    f->s_fin = 1;
    cut = f->now;
    pump(f);
    run_until(f, cut + 30000);
    for (i = 0; i < f->nev && k < 6; i++)
        if (f->ev[i].node == 'C' && f->ev[i].ev == MIP6TLS_SAQ_EV_CONNECTING && f->ev[i].t > cut)
            times[k++] = f->ev[i].t;
    assert_int_equal(k, 6);
    assert_int_equal(times[0], cut + 1000);
    assert_int_equal(times[1] - times[0], 500 + 2000);
    assert_int_equal(times[2] - times[1], 500 + 4000);
    assert_int_equal(times[3] - times[2], 500 + 4000);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
    /* Back again: the next attempt succeeds and the back-off starts over. */
    f->reachable = 1;
    run_until(f, f->now + 4500);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
    assert_int_equal(f->cli.retry_ms, 1000);
}

static void keepalive_and_timeouts(void **state)
{
    fx *f = *state;
    uint64_t t0;
    size_t sends;

    connect_ha(f);
    t0 = f->now;
    sends = f->cli_sends;
    /* Idle for 100 s: a PING every 30 s (keepalive_ms), answered; the server's idle timeout
     * (120 s) never fires. */
    run_until(f, t0 + 100000);
    assert_int_equal(f->cli_sends - sends, 3);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
    assert_int_equal(mip6tls_saq_server_ha_count(&f->srv), 1);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_FAILED), 0);

    /* The HAC goes silent: the PING at 120 s gets no answer within timeout_ms (500). */
    f->blackhole = 1;
    run_until(f, t0 + 120499);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_FAILED), 0);
    run_until(f, t0 + 120500);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_FAILED), 1);
    assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
    f->blackhole = 0;
    run_until(f, f->now + 1000);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);

    /* An HA whose keepalive is longer than the server's idle timeout is closed by the HAC. */
    f->scfg.idle_timeout_ms = 20000;
    {
        mip6tls_saq_server_storage st = f->srv.st;
        assert_int_equal(mip6tls_saq_server_init(&f->srv, &f->scfg, &f->hac, &f->srv_drbg, &st), 0);
    }
    f->up = 0; /* the server forgot the connection: nothing to close */
    ha_init(f, 0, "hac.example.com");
    connect_ha(f);
    t0 = f->now;
    run_until(f, t0 + 20000);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->t, t0 + 20000);
    assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_WAIT_RETRY);

    /* A connection that never says anything is closed after the handshake timeout (10 s). */
    {
        mip6tls_endpoint peer;
        ep(&peer, "2001:db8:2::3", 1234);
        assert_int_equal(mip6tls_saq_server_tcp_accept(&f->srv, f->now, 901, &peer, &f->srv_ob), 0);
        srv_drain(f);
        t0 = f->now;
        assert_int_equal(mip6tls_saq_server_next_deadline(&f->srv) <= t0 + 10000, 1);
        f->reachable = 0; /* keep the HA away meanwhile */
        run_until(f, t0 + 10000);
        assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->conn, 901);
        assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                         (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
    }
}

/* Many messages in one TCP read and an outbox with room for only a few of their actions: the
 * sides take fewer octets than offered, and everything arrives, in order, once the port
 * drains and offers the rest (both directions). */
static void back_pressure_from_a_small_outbox(void **state)
{
    fx *f = *state;
    static mip6tls_action small_acts[20];
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX];
    mip6tls_sa sa;
    uint32_t i;
    int n;

    connect_ha(f);
    mip6tls_outbox_init(&f->cli_ob, small_acts, 20, f->cli_arena, OB_ARENA);
    for (i = 0; i < 12; i++) {
        make_sa(&sa, 0x5000 + i);
        n = mip6tls_sa_encode(&sa, rec, sizeof rec);
        assert_true(n > 0);
        assert_int_equal(mip6tls_saq_server_push(&f->srv, f->now, rec, (size_t)n, 0, &f->srv_ob),
                         0);
    }
    srv_drain(f); /* 12 records wait in one read */
    f->partial = 0;
    pump(f);
    assert_true(f->partial);
    assert_int_equal(f->ninst, 12);
    for (i = 0; i < 12; i++) {
        assert_int_equal(f->inst_spi[i], 0x5000 + i);
        assert_int_equal(f->inst_rc[i], 0);
    }
    mip6tls_outbox_init(&f->cli_ob, f->cli_acts, 64, f->cli_arena, OB_ARENA);

    /* The other way: eight queries in one read, the server's outbox small. Its answers do
     * not all fit: the last query waits in the session (next_deadline 0) and is answered
     * once the port drained the outbox and ticked. */
    for (i = 0; i < NPEND; i++)
        assert_int_equal(mip6tls_saq_client_query(&f->cli, f->now, 0x6000 + i, &f->cli_ob), 0);
    cli_drain(f);
    mip6tls_outbox_init(&f->srv_ob, small_acts, 16, f->srv_arena, OB_ARENA);
    f->srv_held = 0;
    pump(f);
    assert_true(f->srv_held);
    assert_int_equal(nevents(f, 'C', MIP6TLS_SAQ_EV_NOT_FOUND), NPEND);
    mip6tls_outbox_init(&f->srv_ob, f->srv_acts, 64, f->srv_arena, OB_ARENA);
}

/* Hostile or broken peers: the HAC ends a session that sends what only the HAC sends, or
 * bytes of another version; the HA ends a connection the same way and ignores answers nobody
 * asked for. Nothing is installed. */
static void hostile_messages_end_the_session(void **state)
{
    fx *f = *state;
    static mip6tls_tls bare;
    static uint8_t bare_buf[MIP6TLS_TLS_BUFSIZE];
    static const uint8_t forget[8] = {1, MIP6TLS_SAQ_FORGET, 0, 4, 0, 0, 0, 9};
    static const uint8_t v2[8] = {2, MIP6TLS_SAQ_QUERY, 0, 4, 0, 0, 0, 9};
    static const uint8_t ping[4] = {1, MIP6TLS_SAQ_PING, 0, 0};
    uint8_t got[64];
    size_t got_len = sizeof got;
    mip6tls_saq_msg m;
    size_t used;

    /* A well-behaved bare HA: a PING gets a PONG (then the session idles on). */
    assert_int_equal(bare_client_against_server(f, &bare, bare_buf, sizeof bare_buf, &f->ha_tls[0],
                                                ping, sizeof ping, got, &got_len),
                     1);
    assert_int_equal(got_len, 4);
    assert_int_equal(mip6tls_saq_decode(&m, got, got_len, &used), 0);
    assert_int_equal(m.type, MIP6TLS_SAQ_PONG);
    assert_int_equal(mip6tls_saq_server_tcp_closed(&f->srv, f->now, 555, &f->srv_ob), 0);
    srv_drain(f);

    assert_int_equal(bare_client_against_server(f, &bare, bare_buf, sizeof bare_buf, &f->ha_tls[0],
                                                forget, sizeof forget, NULL, NULL),
                     0);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_TYPE);
    assert_int_equal(bare_client_against_server(f, &bare, bare_buf, sizeof bare_buf, &f->ha_tls[0],
                                                v2, sizeof v2, NULL, NULL),
                     0);
    assert_int_equal(last_ev(f, 'S', MIP6TLS_SAQ_EV_SESSION_CLOSED)->arg,
                     (uint64_t)(int64_t)MIP6TLS_ERR_VERSION);
    assert_int_equal(mip6tls_saq_server_session_count(&f->srv), 0);

    /* RFC 6618 §4.2: HA-HAC traffic only inside TLS. Garbage, or a well-formed QUERY in
     * plaintext where the ClientHello belongs: at most a TLS alert goes back (content type
     * 21), never an ANSWER, and the session ends. */
    bootstrap(f); /* so that there is an SA to leak */
    {
        mip6tls_endpoint peer;
        uint8_t junk[300], query[8] = {1, MIP6TLS_SAQ_QUERY, 0, 4};
        size_t i;
        int k;
        ep(&peer, "2001:db8:2::4", 1);
        tu_fill(junk, sizeof junk, 5);
        mip6tls_put32(query + 4, f->mn_sa.keys.spi);
        for (k = 0; k < 2; k++) {
            const uint8_t *in = k == 0 ? junk : query;
            size_t in_len = k == 0 ? sizeof junk : sizeof query;
            assert_int_equal(mip6tls_saq_server_tcp_accept(&f->srv, f->now, 902, &peer, &f->srv_ob),
                             0);
            assert_int_equal(
                mip6tls_saq_server_tcp_recv(&f->srv, f->now, 902, in, in_len, &f->srv_ob),
                (int)in_len);
            for (i = 0; i < f->srv_ob.n; i++)
                if (f->srv_ob.acts[i].type == MIP6TLS_ACT_TCP_SEND)
                    assert_int_equal(f->srv_ob.acts[i].data[0], 21);
            srv_drain(f);
            assert_int_equal(mip6tls_saq_server_session_count(&f->srv), 0);
            assert_int_equal(nevents(f, 'S', MIP6TLS_SAQ_EV_QUERY), 0);
        }
    }

    /* The HA side: an unsolicited ANSWER is ignored; a QUERY from the HAC ends the
     * connection. Written into the server's session as if the HAC had sent them. */
    connect_ha(f);
    {
        uint8_t rec[MIP6TLS_SA_ENCODED_MAX], msg[MIP6TLS_SAQ_MSG_MAX];
        mip6tls_sa sa;
        mip6tls_saq_session *ss = &f->srv_sessions[0];
        int n;
        make_sa(&sa, 0x31);
        memset(&m, 0, sizeof m);
        m.type = MIP6TLS_SAQ_ANSWER;
        m.spi = 0x31;
        m.rec = rec;
        m.rec_len = (size_t)mip6tls_sa_encode(&sa, rec, sizeof rec);
        n = mip6tls_saq_encode(&m, msg, sizeof msg);
        assert_true(n > 0);
        assert_int_equal(mip6tls_saq_server_ha_count(&f->srv), 1);
        assert_int_equal(
            mip6tls_tls_write_all(&ss->tls, msg, (size_t)n, ss->conn, &ss->peer, &f->srv_ob), 0);
        pump(f);
        assert_int_equal(f->ninst, 0);
        assert_int_equal(mip6tls_saq_client_get_state(&f->cli), MIP6TLS_SAQ_C_UP);
        {
            static const uint8_t query[8] = {1, MIP6TLS_SAQ_QUERY, 0, 4, 0, 0, 0, 9};
            assert_int_equal(mip6tls_tls_write_all(&ss->tls, query, sizeof query, ss->conn,
                                                   &ss->peer, &f->srv_ob),
                             0);
        }
        pump(f);
        assert_int_equal(last_ev(f, 'C', MIP6TLS_SAQ_EV_FAILED)->arg,
                         (uint64_t)(int64_t)MIP6TLS_ERR_TYPE);
        assert_int_equal(f->ninst, 0);
    }
}

static void bad_configuration_is_refused(void **state)
{
    fx *f = *state;
    mip6tls_saq_client c;
    mip6tls_saq_client_config cc = f->qcfg;
    mip6tls_saq_server s;
    mip6tls_saq_server_config sc = f->scfg;
    mip6tls_saq_server_storage st = f->srv.st;
    mip6tls_saq_allow none = {NULL, NULL};

    cc.tls = &f->mnb.tls; /* no client certificate */
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), MIP6TLS_ERR_ARG);
    cc = f->qcfg;
    cc.tls = &f->srv_tls; /* a server configuration */
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), MIP6TLS_ERR_ARG);
    cc = f->qcfg;
    cc.pending = NULL;
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), MIP6TLS_ERR_ARG);
    cc = f->qcfg;
    cc.hac.port = 0;
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), MIP6TLS_ERR_ARG);
    cc = f->qcfg;
    cc.retry_min_ms = 5000;
    cc.retry_max_ms = 4000;
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), MIP6TLS_ERR_ARG);
    cc = f->qcfg;
    assert_int_equal(mip6tls_saq_client_init(&c, &cc, &f->cli_drbg), 0);
    assert_int_equal(mip6tls_saq_client_query(&c, f->now, 5, &f->cli_ob), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_saq_client_next_deadline(&c), MIP6TLS_NO_DEADLINE);

    sc.tls = &f->hac_tls; /* does not ask for client certificates */
    assert_int_equal(mip6tls_saq_server_init(&s, &sc, &f->hac, &f->srv_drbg, &st), MIP6TLS_ERR_ARG);
    sc = f->scfg;
    sc.n_allow = 0;
    assert_int_equal(mip6tls_saq_server_init(&s, &sc, &f->hac, &f->srv_drbg, &st), MIP6TLS_ERR_ARG);
    sc = f->scfg;
    sc.allow = &none;
    sc.n_allow = 1;
    assert_int_equal(mip6tls_saq_server_init(&s, &sc, &f->hac, &f->srv_drbg, &st), MIP6TLS_ERR_ARG);
    sc = f->scfg;
    st.n_fresh = 48;
    assert_int_equal(mip6tls_saq_server_init(&s, &sc, &f->hac, &f->srv_drbg, &st), MIP6TLS_ERR_ARG);
    st = f->srv.st;
    assert_int_equal(mip6tls_saq_server_init(&s, &sc, &f->hac, &f->srv_drbg, &st), 0);
    assert_int_equal(mip6tls_saq_server_forget(&s, f->now, 0, &f->srv_ob), MIP6TLS_ERR_ARG);
    {
        uint8_t bad[3] = {1, 0, 0};
        assert_int_equal(mip6tls_saq_server_push(&s, f->now, bad, sizeof bad, 0, &f->srv_ob),
                         MIP6TLS_ERR_TRUNCATED);
    }
}

/* ---- the fuzz corpus ------------------------------------------------------------------------ */

/* Seeds for fuzz_saq: selector octet (0: to the HAC as the HA's plaintext, 1: to the HA as the
 * HAC's; the HA has SPI 0x1001 outstanding), then the plaintext. */
static int write_corpus(const char *dir)
{
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX], msg[MIP6TLS_SAQ_MSG_MAX], two[2 * MIP6TLS_SAQ_MSG_MAX];
    mip6tls_sa sa;
    mip6tls_saq_msg m;
    int rec_len, n, rc = 0;
    uint8_t sel;
    char name[64];
    size_t k;
    struct {
        const char *name;
        uint8_t sel, type, status, flags;
        uint32_t spi;
        int with_rec;
    } seeds[] = {
        {"ha-query", 0, MIP6TLS_SAQ_QUERY, 0, 0, 0x1001, 0},
        {"ha-query-unknown", 0, MIP6TLS_SAQ_QUERY, 0, 0, 0x0FFFFFFF, 0},
        {"ha-ping", 0, MIP6TLS_SAQ_PING, 0, 0, 0, 0},
        {"ha-sends-push", 0, MIP6TLS_SAQ_PUSH, 0, 0, 0x1001, 1},
        {"hac-answer-found", 1, MIP6TLS_SAQ_ANSWER, 0, 0, 0x1001, 1},
        {"hac-answer-restore", 1, MIP6TLS_SAQ_ANSWER, 0, 1, 0x1001, 1},
        {"hac-answer-not-found", 1, MIP6TLS_SAQ_ANSWER, 1, 0, 0x1001, 0},
        {"hac-refuses", 1, MIP6TLS_SAQ_ANSWER, 2, 0, 0, 0},
        {"hac-push", 1, MIP6TLS_SAQ_PUSH, 0, 0, 0x1001, 1},
        {"hac-forget", 1, MIP6TLS_SAQ_FORGET, 0, 0, 0x1001, 0},
        {"hac-pong", 1, MIP6TLS_SAQ_PONG, 0, 0, 0, 0},
        {"hac-sends-query", 1, MIP6TLS_SAQ_QUERY, 0, 0, 0x1001, 0},
    };
    make_sa(&sa, 0x1001);
    rec_len = mip6tls_sa_encode(&sa, rec, sizeof rec);
    if (rec_len <= 0)
        return 1;
    for (k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        memset(&m, 0, sizeof m);
        m.type = seeds[k].type;
        m.status = seeds[k].status;
        m.flags = seeds[k].flags;
        m.spi = seeds[k].spi;
        if (seeds[k].with_rec) {
            m.rec = rec;
            m.rec_len = (size_t)rec_len;
        }
        n = mip6tls_saq_encode(&m, msg, sizeof msg);
        if (n <= 0)
            return 1;
        sel = seeds[k].sel;
        rc |= tu_write_file(dir, seeds[k].name, &sel, 1, msg, (size_t)n);
        /* the same message twice in a row, and cut one octet short */
        memcpy(two, msg, (size_t)n);
        memcpy(two + n, msg, (size_t)n);
        snprintf(name, sizeof name, "%s-twice", seeds[k].name);
        rc |= tu_write_file(dir, name, &sel, 1, two, 2 * (size_t)n);
        snprintf(name, sizeof name, "%s-short", seeds[k].name);
        rc |= tu_write_file(dir, name, &sel, 1, msg, (size_t)n - 1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codec_round_trips_and_truncation),
        cmocka_unit_test(codec_refuses_bad_messages),
        cmocka_unit_test_setup_teardown(query_by_spi_installs_and_the_bu_gets_its_ba, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(push_then_forget, setup, teardown),
        cmocka_unit_test_setup_teardown(not_found_is_remembered_and_the_table_is_bounded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restarted_ha_is_told_to_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(has_without_the_right_certificate_get_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ha_checks_the_hac_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(reconnects_with_back_off, setup, teardown),
        cmocka_unit_test_setup_teardown(keepalive_and_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(back_pressure_from_a_small_outbox, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_messages_end_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_configuration_is_refused, setup, teardown),
    };
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]) != 0;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
