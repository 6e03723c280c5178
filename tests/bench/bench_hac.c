/*
 * bench_hac.c: HAC bootstraps per second on one core, next to bare BearSSL server handshakes
 * per second measured in the same run. Prints figures and ratios; asserts nothing but that
 * every handshake and bootstrap succeeded (docs/testing.md).
 *
 *   bench_hac [--seconds S] [--rounds R]
 *   bench_hac --icount-ops N --path bare|driver|hac [--resumed]   (for callgrind or perf)
 *
 * Three server paths, all with the same certificate (hac-ec of tests/support/test_pki.c: P-256
 * ECDSA), the same suite (ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) and the same ECDHE curve
 * (X25519), checked on every path before timing:
 *   bare BearSSL   br_ssl_server_init_full_ec once, then per connection br_ssl_server_reset
 *                  and the engine driven by hand: the handshake only
 *   tls driver     mip6tls_tls_server_init + recv_ct/send_ct (core/src/tls.c): the handshake
 *   HAC bootstrap  the real HAC role (hac.c): accept, TLS 1.2 handshake, the RFC 6618 §5.8
 *                  PSK exchange (MHAuth-Init -> MHAuth-Done with the SA), SA provisioning
 *                  (SPI, keys, SA_INSTALL, SA_PERSIST), close_notify and TCP close
 * What is timed: only the server side's calls (BearSSL engine calls with the copies of the
 * bytes in and out; mip6tls_tls_* calls; mip6tls_hac_tcp_accept/_recv/_closed). The client
 * (an MN bootstrap, mip6tls_boot, for the HAC; a mip6tls_tls client for the other two) runs
 * untimed in the same thread, so its cost is excluded from every figure alike. The ratio
 * HAC / bare BearSSL is what the core adds on the server (goal >= 0.8x).
 * Full handshakes, then resumed ones (a server session cache; the client offers the session
 * of its previous connection). In each of R rounds the three paths run interleaved, one
 * handshake each in turn, for about 3 * S seconds; a path's figure for the round is its
 * median time per handshake, and the best round of each path is printed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mip6tls/addr.h"
#include "mip6tls/boot.h"
#include "mip6tls/hac.h"
#include "mip6tls/tls.h"
#include "test_pki.h"

#define T0 1000000ull
#define UNIX_NOW TPKI_TIME_NOW
#define NSAS 64
#define NACTS 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int code)
{
    fprintf(stderr, "bench_hac: %s (%d: %s)\n", what, code, mip6tls_strerror(code));
    exit(1);
}

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

/* ---- shared set-up -------------------------------------------------------------------- */

static mip6tls_esp_impl impl;
static uint8_t srv_arena[16384], ca_arena[8192];
static mip6tls_cred srv_cred, anchors;
static mip6tls_tls_config cli_cfg;
static uint8_t cli_buf[MIP6TLS_TLS_BUFSIZE], srv_buf[MIP6TLS_TLS_BUFSIZE];
static mip6tls_drbg cli_rng, srv_rng;
static const mip6tls_tls_peer hac_id = {"hac.example.com", {0}};

/* The identity of what a path negotiated, to check all three are the same. */
typedef struct {
    uint16_t suite;
    int curve;
} nego;

static void setup_common(void)
{
    uint8_t seed[32] = {1};
    int rc;
    mip6tls_esp_impl_detect(&impl);
    mip6tls_cred_init(&srv_cred, srv_arena, sizeof srv_arena);
    if ((rc = mip6tls_cred_add_chain(&srv_cred, u8(tpki_hac_ec_chain_pem),
                                     strlen(tpki_hac_ec_chain_pem))) != 0 ||
        (rc = mip6tls_cred_set_key(&srv_cred, u8(tpki_ec_key_pem), strlen(tpki_ec_key_pem))) != 0)
        die("server credential", rc);
    mip6tls_cred_init(&anchors, ca_arena, sizeof ca_arena);
    if ((rc = mip6tls_cred_add_anchors(&anchors, u8(tpki_ca_pem), strlen(tpki_ca_pem))) != 0 ||
        (rc = mip6tls_tls_config_client(&cli_cfg, &anchors, &impl)) != 0)
        die("client configuration", rc);
    mip6tls_drbg_init(&cli_rng, seed, sizeof seed);
    seed[0] = 2;
    mip6tls_drbg_init(&srv_rng, seed, sizeof seed);
}

/* Timed sections: t_acc += the server-side time. */
static double t_acc;
#define TIMED(stmt)                                                                                \
    do {                                                                                           \
        double t_start_ = now_s();                                                                 \
        stmt;                                                                                      \
        t_acc += now_s() - t_start_;                                                               \
    } while (0)

/* ---- bare BearSSL server ---------------------------------------------------------------- */

static struct {
    br_ssl_server_context sc;
    br_ssl_session_cache_lru lru;
    uint8_t cache[16 * MIP6TLS_TLS_CACHE_ENTRY];
    int use_cache;
    mip6tls_tls cli;
    mip6tls_tls_session sess;
    int have_sess;
} bare;

/* The server context, set up once as a BearSSL server would be (the "full" profile picks its
 * AES/GHASH code through CPUID, a VM exit here: once, not per connection); each handshake
 * then only resets it, as for a new connection. */
static void bare_setup(int use_cache)
{
    memset(&bare, 0, sizeof bare);
    bare.use_cache = use_cache;
    br_ssl_server_init_full_ec(&bare.sc, srv_cred.chain, srv_cred.chain_len, BR_KEYTYPE_EC,
                               &srv_cred.key.ec);
    br_ssl_engine_set_buffer(&bare.sc.eng, srv_buf, sizeof srv_buf, 0);
    /* Entropy as the driver gets it: injected, the OS seeder never tried. */
    bare.sc.eng.rng_os_rand_done = 1;
    if (use_cache) {
        br_ssl_session_cache_lru_init(&bare.lru, bare.cache, sizeof bare.cache);
        br_ssl_server_set_cache(&bare.sc, &bare.lru.vtable);
    }
}

/* One handshake; returns 1 when resumed. */
static int bare_handshake(nego *ng)
{
    br_ssl_engine_context *se = &bare.sc.eng;
    uint8_t seed[32];
    int rc, rounds = 0, resumed;

    rc = mip6tls_tls_client_init(&bare.cli, &cli_cfg, &cli_rng, UNIX_NOW, &hac_id,
                                 bare.use_cache && bare.have_sess ? &bare.sess : NULL, cli_buf,
                                 sizeof cli_buf);
    if (rc != 0)
        die("bare: client init", rc);
    mip6tls_drbg_generate(&srv_rng, seed, sizeof seed); /* as the driver does: no OS seeder */
    TIMED({
        br_ssl_engine_inject_entropy(se, seed, sizeof seed);
        rc = br_ssl_server_reset(&bare.sc);
    });
    if (!rc)
        die("bare: server reset", br_ssl_engine_last_error(se));
    for (;;) {
        const uint8_t *p;
        size_t n, room;
        unsigned char *b;
        int moved = 0;
        /* client -> server */
        while ((p = mip6tls_tls_send_ct(&bare.cli, &n)) != NULL && n > 0) {
            size_t took = 0;
            TIMED({
                b = br_ssl_engine_recvrec_buf(se, &room);
                if (b != NULL) {
                    took = n < room ? n : room;
                    memcpy(b, p, took);
                    br_ssl_engine_recvrec_ack(se, took);
                }
            });
            if (took == 0)
                break;
            mip6tls_tls_send_ct_done(&bare.cli, took);
            moved = 1;
        }
        /* server -> client */
        for (;;) {
            uint8_t tmp[MIP6TLS_TLS_BUFSIZE];
            size_t len = 0;
            TIMED({
                b = br_ssl_engine_sendrec_buf(se, &room);
                if (b != NULL) {
                    len = room;
                    memcpy(tmp, b, len);
                    br_ssl_engine_sendrec_ack(se, len);
                }
            });
            if (len == 0)
                break;
            if (mip6tls_tls_recv_ct(&bare.cli, tmp, len) != (int)len)
                die("bare: client refused the server's bytes", mip6tls_tls_error(&bare.cli));
            moved = 1;
        }
        if (br_ssl_engine_current_state(se) == BR_SSL_CLOSED)
            die("bare: server failed", mip6tls_tls_map_error(br_ssl_engine_last_error(se)));
        if ((br_ssl_engine_current_state(se) & BR_SSL_SENDAPP) &&
            mip6tls_tls_get_state(&bare.cli) == MIP6TLS_TLS_OPEN && !moved)
            break;
        if (!moved || ++rounds > 100)
            die("bare: handshake stalled", mip6tls_tls_error(&bare.cli));
    }
    {
        mip6tls_tls_info ci;
        br_ssl_session_parameters sp;
        mip6tls_tls_get_info(&bare.cli, &ci);
        br_ssl_engine_get_session_parameters(se, &sp);
        resumed = ci.resumed;
        if (ng != NULL) {
            ng->suite = sp.cipher_suite;
            ng->curve = br_ssl_engine_get_ecdhe_curve(se);
        }
    }
    if (mip6tls_tls_get_session(&bare.cli, &bare.sess) == 0)
        bare.have_sess = 1;
    return resumed;
}

/* ---- the TLS driver alone ---------------------------------------------------------------- */

static struct {
    mip6tls_tls_config cfg;
    uint8_t cache[16 * MIP6TLS_TLS_CACHE_ENTRY];
    mip6tls_tls srv, cli;
    mip6tls_tls_session sess;
    int have_sess, use_cache;
} drv;

static int drv_handshake(nego *ng)
{
    int rc, rounds = 0;
    mip6tls_tls_info si;
    rc = mip6tls_tls_client_init(&drv.cli, &cli_cfg, &cli_rng, UNIX_NOW, &hac_id,
                                 drv.use_cache && drv.have_sess ? &drv.sess : NULL, cli_buf,
                                 sizeof cli_buf);
    if (rc != 0)
        die("driver: client init", rc);
    TIMED(rc = mip6tls_tls_server_init(&drv.srv, &drv.cfg, &srv_rng, srv_buf, sizeof srv_buf));
    if (rc != 0)
        die("driver: server init", rc);
    for (;;) {
        const uint8_t *p;
        size_t n;
        int moved = 0, took;
        while ((p = mip6tls_tls_send_ct(&drv.cli, &n)) != NULL && n > 0) {
            TIMED(took = mip6tls_tls_recv_ct(&drv.srv, p, n));
            if (took < 0)
                die("driver: server failed", took);
            if (took == 0)
                break;
            mip6tls_tls_send_ct_done(&drv.cli, (size_t)took);
            moved = 1;
        }
        for (;;) {
            uint8_t tmp[MIP6TLS_TLS_BUFSIZE];
            size_t len = 0;
            TIMED({
                p = mip6tls_tls_send_ct(&drv.srv, &n);
                if (p != NULL && n > 0) {
                    memcpy(tmp, p, n);
                    len = n;
                    mip6tls_tls_send_ct_done(&drv.srv, n);
                }
            });
            if (len == 0)
                break;
            if (mip6tls_tls_recv_ct(&drv.cli, tmp, len) != (int)len)
                die("driver: client refused the server's bytes", mip6tls_tls_error(&drv.cli));
            moved = 1;
        }
        if (mip6tls_tls_get_state(&drv.srv) == MIP6TLS_TLS_OPEN &&
            mip6tls_tls_get_state(&drv.cli) == MIP6TLS_TLS_OPEN && !moved)
            break;
        if (!moved || ++rounds > 100)
            die("driver: handshake stalled", mip6tls_tls_error(&drv.srv));
    }
    mip6tls_tls_get_info(&drv.srv, &si);
    if (ng != NULL) {
        ng->suite = si.suite;
        ng->curve = si.curve;
    }
    if (mip6tls_tls_get_session(&drv.cli, &drv.sess) == 0)
        drv.have_sess = 1;
    return si.resumed;
}

/* ---- the HAC role ----------------------------------------------------------------------- */

static const char psk[] = "a shared secret of the bench MN";

static struct {
    mip6tls_tls_config tls;
    uint8_t cache[16 * MIP6TLS_TLS_CACHE_ENTRY];
    mip6tls_hacp_server_cfg pol;
    mip6tls_hac_cred cred;
    mip6tls_hac hac;
    mip6tls_drbg drbg;
    mip6tls_hac_session sessions[1];
    uint8_t iobuf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_sa sas[NSAS];
    uint32_t index[2 * NSAS];
    mip6tls_action acts[NACTS];
    uint8_t arena[2 * MIP6TLS_HAC_OUTBOX_MIN];
    mip6tls_outbox ob;
    /* the MN */
    mip6tls_hacp_client_cfg ccfg;
    mip6tls_boot_config bcfg;
    mip6tls_boot boot;
    mip6tls_drbg mn_drbg;
    mip6tls_action mn_acts[NACTS];
    uint8_t mn_arena[2 * MIP6TLS_BOOT_OUTBOX_MIN];
    mip6tls_outbox mn_ob;
    uint64_t now;
    int resumed; /* the last bootstrap's TLS_UP said resumed */
} H;

static void hac_setup(int use_cache)
{
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    uint8_t seed[32] = {3};
    int rc;

    memset(&H, 0, sizeof H);
    if ((rc = mip6tls_tls_config_server(&H.tls, &srv_cred, &impl, use_cache ? H.cache : NULL,
                                        sizeof H.cache)) != 0)
        die("HAC: TLS configuration", rc);
    H.pol.methods = MIP6TLS_CTR_AM_PSK;
    H.cred.nai = "mn@example.com";
    H.cred.nai_len = strlen(H.cred.nai);
    H.cred.psk = u8(psk);
    H.cred.psk_len = strlen(psk);
    mip6tls_addr_parse(&H.cred.hoa6, "2001:db8:1::100", 15);
    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = (int64_t)UNIX_NOW * 1000 - (int64_t)T0;
    hc.tls = &H.tls;
    hc.hacp = &H.pol;
    hc.creds = &H.cred;
    hc.n_creds = 1;
    mip6tls_addr_parse(&hc.ha6, "2001:db8::1", 11);
    memset(&hs, 0, sizeof hs);
    hs.sessions = H.sessions;
    hs.n_sessions = 1;
    hs.iobufs = H.iobuf;
    hs.sas = H.sas;
    hs.n_sas = NSAS;
    hs.spi_index = H.index;
    hs.n_index = 2 * NSAS;
    mip6tls_drbg_init(&H.drbg, seed, sizeof seed);
    if ((rc = mip6tls_hac_init(&H.hac, T0, &hc, &H.drbg, &hs)) != 0)
        die("HAC: init", rc);
    mip6tls_outbox_init(&H.ob, H.acts, NACTS, H.arena, sizeof H.arena);

    H.ccfg.nai = H.cred.nai;
    H.ccfg.nai_len = H.cred.nai_len;
    H.ccfg.methods = MIP6TLS_CTR_AM_PSK;
    H.ccfg.psk = H.cred.psk;
    H.ccfg.psk_len = H.cred.psk_len;
    H.ccfg.scope = MIP6TLS_SAS_ALL;
    H.bcfg.tls = &cli_cfg;
    H.bcfg.peer = hac_id;
    mip6tls_addr_parse(&H.bcfg.hac.addr, "2001:db8::1", 11);
    H.bcfg.hac.port = 7872;
    H.bcfg.hacp = &H.ccfg;
    H.bcfg.tls_buf = cli_buf;
    H.bcfg.tls_buf_len = sizeof cli_buf;
    H.bcfg.no_resumption = !use_cache;
    seed[0] = 4;
    mip6tls_drbg_init(&H.mn_drbg, seed, sizeof seed);
    if ((rc = mip6tls_boot_init(&H.boot, &H.bcfg, &H.mn_drbg)) != 0)
        die("MN: boot init", rc);
    mip6tls_outbox_init(&H.mn_ob, H.mn_acts, NACTS, H.mn_arena, sizeof H.mn_arena);
    H.now = T0;
}

/* Performs the HAC's actions (untimed): TCP bytes go to the MN. Returns TCP_CLOSEs. */
static int hac_drain(void)
{
    static uint8_t buf[8][MIP6TLS_TLS_BUFSIZE];
    size_t lens[8], nb = 0, i;
    int closes = 0, rc;
    for (i = 0; i < H.ob.n; i++) {
        const mip6tls_action *a = &H.acts[i];
        if (a->type == MIP6TLS_ACT_TCP_SEND) {
            if (nb == 8 || a->len > sizeof buf[0])
                die("HAC: more TCP output than the bench carries", MIP6TLS_ERR_NOBUF);
            memcpy(buf[nb], a->data, a->len);
            lens[nb++] = a->len;
        } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
            closes++;
        } else if (a->type == MIP6TLS_ACT_EVENT && a->event == MIP6TLS_HAC_EV_TLS_UP) {
            H.resumed = a->arg == 1;
        }
    }
    mip6tls_outbox_clear(&H.ob);
    for (i = 0; i < nb; i++)
        if ((rc = mip6tls_boot_tcp_recv(&H.boot, H.now, H.boot.conn, buf[i], lens[i], &H.mn_ob)) !=
            0)
            die("MN: tcp_recv", rc);
    return closes;
}

/* One MN bootstrap against the HAC; returns 1 when its TLS session was resumed. */
static int hac_bootstrap(nego *ng)
{
    static uint8_t buf[8][MIP6TLS_TLS_BUFSIZE];
    mip6tls_endpoint peer;
    const mip6tls_sa *sa;
    uint32_t conn;
    int rc, round;

    memset(&peer, 0, sizeof peer);
    mip6tls_addr_parse(&peer.addr, "2001:db8:a::5", 13);
    peer.port = 40000;
    H.now += 10;
    H.resumed = 0;
    mip6tls_boot_release(&H.boot);
    if ((rc = mip6tls_boot_start(&H.boot, H.now, &peer.addr, &H.mn_ob)) != 0)
        die("MN: boot start", rc);
    conn = H.boot.conn;
    mip6tls_outbox_clear(&H.mn_ob); /* TCP_CONNECT: the "port" connects at once */
    TIMED(rc = mip6tls_hac_tcp_accept(&H.hac, H.now, conn, &peer, &H.ob));
    if (rc != 0)
        die("HAC: accept", rc);
    hac_drain();
    if ((rc = mip6tls_boot_tcp_connected(&H.boot, H.now, conn, UNIX_NOW, &H.mn_ob)) != 0)
        die("MN: connected", rc);
    for (round = 0; round < 50; round++) {
        size_t lens[8], nb = 0, i;
        int fin = 0;
        for (i = 0; i < H.mn_ob.n; i++) {
            const mip6tls_action *a = &H.mn_acts[i];
            if (a->type == MIP6TLS_ACT_TCP_SEND) {
                if (nb == 8 || a->len > sizeof buf[0])
                    die("MN: more TCP output than the bench carries", MIP6TLS_ERR_NOBUF);
                memcpy(buf[nb], a->data, a->len);
                lens[nb++] = a->len;
            } else if (a->type == MIP6TLS_ACT_TCP_CLOSE) {
                fin = 1;
            }
        }
        mip6tls_outbox_clear(&H.mn_ob);
        if (nb == 0 && !fin)
            break;
        for (i = 0; i < nb; i++) {
            TIMED(rc = mip6tls_hac_tcp_recv(&H.hac, H.now, conn, buf[i], lens[i], &H.ob));
            if (rc != 0)
                die("HAC: tcp_recv", rc);
        }
        if (fin) {
            TIMED(rc = mip6tls_hac_tcp_closed(&H.hac, H.now, conn, &H.ob));
            if (rc != 0)
                die("HAC: tcp_closed", rc);
        }
        hac_drain();
    }
    sa = mip6tls_boot_sa(&H.boot);
    if (sa == NULL)
        die("MN: no SA after the bootstrap", mip6tls_boot_last_error(&H.boot));
    if (mip6tls_hac_find_sa(&H.hac, sa->keys.spi) == NULL)
        die("HAC: does not hold the MN's SA", MIP6TLS_ERR_NOTFOUND);
    if (ng != NULL) {
        /* The client side of the same session says what was negotiated (a private field,
         * read on purpose: the HAC reports only "TLS up"). */
        mip6tls_tls_info ci;
        if ((rc = mip6tls_tls_get_info(&H.boot.tls, &ci)) != 0)
            die("MN: TLS info", rc);
        ng->suite = ci.suite;
        ng->curve = ci.curve;
    }
    /* Keep the SA table from filling up (untimed): the next MN gets a fresh SPI either way. */
    if ((rc = mip6tls_hac_revoke(&H.hac, H.now, sa->keys.spi, &H.ob)) != 0)
        die("HAC: revoke", rc);
    mip6tls_outbox_clear(&H.ob);
    return H.resumed;
}

/* ---- timing ----------------------------------------------------------------------------- */

typedef int (*op_fn)(nego *ng);

#define MAXOPS 200000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One round: the three paths interleaved op by op for about `secs` * 3 of wall time, so that
 * they share whatever else the machine is doing; out[p] = the median server-side seconds per
 * op of path p (a median, so that a preemption inside a timed call does not count). Every op
 * must be resumed (want_resumed 1) or full (0). */
static void time_round(double secs, int want_resumed, double out[3])
{
    static const op_fn ops[3] = {bare_handshake, drv_handshake, hac_bootstrap};
    static double samples[3][MAXOPS];
    double wall0 = now_s();
    size_t n = 0;
    do {
        for (int p = 0; p < 3; p++) {
            t_acc = 0;
            if (ops[p](NULL) != want_resumed) {
                fprintf(stderr, "bench_hac: a handshake was %s, expected %s\n",
                        want_resumed ? "full" : "resumed", want_resumed ? "resumed" : "full");
                exit(1);
            }
            samples[p][n] = t_acc;
        }
        n++;
    } while (now_s() - wall0 < 3 * secs && n < MAXOPS);
    for (int p = 0; p < 3; p++) {
        qsort(samples[p], n, sizeof samples[p][0], cmp_double);
        out[p] = n % 2 ? samples[p][n / 2] : (samples[p][n / 2 - 1] + samples[p][n / 2]) / 2;
    }
}

static const char *curve_name(int c)
{
    switch (c) {
    case BR_EC_curve25519: return "X25519";
    case BR_EC_secp256r1: return "P-256";
    case BR_EC_secp384r1: return "P-384";
    default: return "?";
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_hac [--seconds S] [--rounds R]\n"
               "       bench_hac --icount-ops N --path bare|driver|hac [--resumed]\n"
               "HAC bootstraps per second on one core (TLS 1.2 handshake + RFC 6618 Sec. 5.8\n"
               "PSK exchange + SA provisioning through the HAC role) next to bare BearSSL\n"
               "server handshakes per second and the core's TLS driver alone, same certificate,\n"
               "suite and curve, server-side time only; full and resumed handshakes.\n"
               "R rounds (default 3) of about 3*S seconds (S default 1.0) run the paths\n"
               "interleaved; the best per-round median of each path is printed.\n"
               "--icount-ops N runs N untimed handshakes (bootstraps) of one path after a\n"
               "warm-up, for counting instructions under callgrind or sampling with perf.\n");
}

int main(int argc, char **argv)
{
    double secs = 1.0;
    int rounds = 3, want_resumed = 0;
    long icount_ops = 0;
    const char *path = NULL;
    cpu_set_t set;
    nego nb, nd, nh;
    double best[2][3];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = atof(argv[++i]);
            if (secs <= 0) {
                fprintf(stderr, "bench_hac: --seconds needs a positive number, not '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1 || rounds > 100) {
                fprintf(stderr, "bench_hac: --rounds needs 1..100, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--icount-ops") == 0 && i + 1 < argc) {
            icount_ops = atol(argv[++i]);
            if (icount_ops < 1) {
                fprintf(stderr, "bench_hac: --icount-ops needs a positive count, not '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) {
            path = argv[++i];
            if (strcmp(path, "bare") != 0 && strcmp(path, "driver") != 0 &&
                strcmp(path, "hac") != 0) {
                fprintf(stderr, "bench_hac: --path is bare, driver or hac, not '%s'\n", path);
                return 2;
            }
        } else if (strcmp(argv[i], "--resumed") == 0) {
            want_resumed = 1;
        } else {
            fprintf(stderr, "bench_hac: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    /* One core: pin to the CPU we start on. */
    CPU_ZERO(&set);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
    sched_setaffinity(0, sizeof set, &set);
    setup_common();
    if (icount_ops > 0 || path != NULL) {
        op_fn op;
        if (icount_ops == 0 || path == NULL) {
            fprintf(stderr, "bench_hac: --icount-ops and --path go together\n");
            return 2;
        }
        bare_setup(want_resumed);
        memset(&drv, 0, sizeof drv);
        drv.use_cache = want_resumed;
        if (mip6tls_tls_config_server(&drv.cfg, &srv_cred, &impl, want_resumed ? drv.cache : NULL,
                                      sizeof drv.cache) != 0)
            die("driver: configuration", MIP6TLS_ERR_INTERNAL);
        hac_setup(want_resumed);
        op = path[0] == 'b' ? bare_handshake : path[0] == 'd' ? drv_handshake : hac_bootstrap;
        op(NULL); /* warm-up; makes the session to resume */
        for (long n = 0; n < icount_ops; n++)
            if (op(NULL) != want_resumed)
                die("a handshake was not of the kind asked for", MIP6TLS_ERR_STATE);
        return 0;
    }

    printf("mip6tls %s HAC benchmark: server-side time only, one core, median per round, best "
           "of %d rounds of %.1f s per path\n",
           MIP6TLS_VERSION_STRING, rounds, secs);
    for (int resumed = 0; resumed < 2; resumed++) {
        /* Set up each path, warm it up, and check what it negotiates. */
        bare_setup(resumed);
        memset(&drv, 0, sizeof drv);
        drv.use_cache = resumed;
        if (mip6tls_tls_config_server(&drv.cfg, &srv_cred, &impl, resumed ? drv.cache : NULL,
                                      sizeof drv.cache) != 0)
            die("driver: configuration", MIP6TLS_ERR_INTERNAL);
        hac_setup(resumed);
        for (int w = 0; w < 3; w++) {
            bare_handshake(&nb);
            drv_handshake(&nd);
            hac_bootstrap(&nh);
        }
        if (resumed == 0) {
            if (nb.suite != nd.suite || nb.suite != nh.suite || nb.curve != nd.curve ||
                nb.curve != nh.curve) {
                fprintf(stderr,
                        "bench_hac: the paths negotiated different parameters: bare %04x/%s, "
                        "driver %04x/%s, HAC %04x/%s\n",
                        nb.suite, curve_name(nb.curve), nd.suite, curve_name(nd.curve), nh.suite,
                        curve_name(nh.curve));
                return 1;
            }
            printf("every path: P-256 ECDSA certificate (hac-ec), suite 0x%04X "
                   "(ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), ECDHE %s\n",
                   nb.suite, curve_name(nb.curve));
            printf("%-9s %-44s %10s %10s %8s\n", "handshake", "server path", "per second",
                   "us each", "vs bare");
        } else if (nb.suite != nh.suite || nd.suite != nh.suite) {
            fprintf(stderr, "bench_hac: resumed sessions differ in suite\n");
            return 1;
        }
        fflush(stdout);
        for (int p = 0; p < 3; p++)
            best[resumed][p] = 1e30;
        for (int r = 0; r < rounds; r++) {
            double t[3];
            time_round(secs, resumed, t);
            for (int p = 0; p < 3; p++)
                if (t[p] < best[resumed][p])
                    best[resumed][p] = t[p];
            fprintf(stderr, "bench_hac: %s handshakes, round %d/%d done\n",
                    resumed ? "resumed" : "full", r + 1, rounds);
        }
        {
            static const char *const names[3] = {
                "bare BearSSL server (handshake)",
                "mip6tls_tls server (handshake)",
                "HAC bootstrap (handshake + PSK exchange + SA)",
            };
            for (int p = 0; p < 3; p++)
                printf("%-9s %-44s %10.0f %10.1f %7.2fx\n", resumed ? "resumed" : "full", names[p],
                       1.0 / best[resumed][p], best[resumed][p] * 1e6,
                       best[resumed][0] / best[resumed][p]);
        }
        fflush(stdout);
    }
    printf("ratio HAC bootstraps / bare BearSSL handshakes per second: %.2fx full, %.2fx "
           "resumed (goal >= 0.80x)\n",
           best[0][0] / best[0][2], best[1][0] / best[1][2]);
    return 0;
}
