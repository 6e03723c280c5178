/*
 * test_tls.c: the TLS session driver (tls.c), a client and a server pumped against each other
 * in memory (no sockets), on the generated test PKI (tests/support/test_pki.c, made by
 * tests/vectors/gen_test_pki.sh with openssl).
 *
 * The pump models TCP as two byte FIFOs. It moves everything one side has to send into its
 * FIFO, feeds the other side as much as it takes, and repeats until nothing moves. A *flight*
 * is a maximal run of octets put on the wire in one direction; two flights are one round
 * trip. What counts for the MN is when its first request (MHAuth-Init) can leave: the tests
 * have the client write it the moment the driver lets it, and note the flight carrying it.
 *   full handshake     1 ClientHello  2 ServerHello, Certificate, ServerKeyExchange,
 *                      ServerHelloDone  3 ClientKeyExchange, ChangeCipherSpec, Finished
 *                      4 ChangeCipherSpec, Finished  5 the request
 *                      -> the request leaves after 2 round trips (flights 1-4)
 *   resumed handshake  1 ClientHello  2 ServerHello, ChangeCipherSpec, Finished
 *                      3 ChangeCipherSpec, Finished and the request, together
 *                      -> the request leaves after 1 round trip (flights 1-2)
 * (BearSSL reports the resumed client OPEN once its own Finished is out, i.e. in flight 3.)
 *
 * Mutual TLS (decisions/0032) runs the same pump with an HA client certificate, and the key
 * log line is checked the way Wireshark uses it: the test derives the record keys from the
 * line alone (its own TLS 1.2 PRF, RFC 5246 §5, §6.3) and decrypts records off the wire.
 *
 * The test also stands in for the OS: it defines time() and br_prng_seeder_system(), which
 * the static BearSSL would call for X.509 time and OS seeding, and counts the calls. The core
 * must make neither happen; the last test checks the counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mip6tls/tls.h"
#include "test_pki.h"
#include "testutil.h"

/* ---- the OS, as far as BearSSL could reach it ------------------------------------------ */

static unsigned os_time_calls, os_seeder_calls;

time_t time(time_t *t)
{
    os_time_calls++;
    if (t != NULL)
        *t = 0;
    return 0;
}

br_prng_seeder br_prng_seeder_system(const char **name)
{
    os_seeder_calls++;
    if (name != NULL)
        *name = "none";
    return 0;
}

/* ---- the world: two peers, two wires ---------------------------------------------------- */

enum { C2S = 0, S2C = 1 };

typedef struct {
    mip6tls_tls t;
    uint8_t buf[MIP6TLS_TLS_BUFSIZE];
    size_t buf_len;    /* 0: all of buf */
    uint8_t rx[65536]; /* application data received */
    size_t rx_len;
    size_t open_flight; /* flights sent when it became OPEN; 0: not yet */
} peer;

typedef struct {
    uint8_t data[65536];
    size_t len;
} wire;

static struct {
    peer cli, srv;
    wire w[2];
    uint8_t transcript[2][65536]; /* every octet sent, per direction */
    size_t tlen[2];
    int last_dir;
    size_t flights;
    uint8_t sarena[16384], carena[8192], cache[8 * MIP6TLS_TLS_CACHE_ENTRY];
    uint8_t aarena[8192], karena[16384];
    mip6tls_cred scred, ccred;
    mip6tls_cred acred, kcred; /* mutual TLS: the server's client anchors, the client's chain */
    int srv_at;                /* start the server with mip6tls_tls_server_init_at */
    mip6tls_tls_config scfg, ccfg;
    mip6tls_drbg srng, crng;
    mip6tls_esp_impl impl;
} W;

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static void seed(mip6tls_drbg *d, uint64_t v)
{
    uint8_t s[32];
    tu_fill(s, sizeof s, v);
    assert_int_equal(mip6tls_drbg_init(d, s, sizeof s), 0);
}

/* A server credential from PEM chain + PEM key (or DER chain when der != NULL). */
static void server_cfg(const char *chain_pem, const uint8_t *der, size_t der_len,
                       const char *key_pem, int with_cache)
{
    mip6tls_cred_init(&W.scred, W.sarena, sizeof W.sarena);
    if (der != NULL)
        assert_int_equal(mip6tls_cred_add_chain(&W.scred, der, der_len), 0);
    else
        assert_int_equal(mip6tls_cred_add_chain(&W.scred, u8(chain_pem), strlen(chain_pem)), 0);
    assert_int_equal(mip6tls_cred_set_key(&W.scred, u8(key_pem), strlen(key_pem)), 0);
    assert_int_equal(mip6tls_tls_config_server(&W.scfg, &W.scred, &W.impl,
                                               with_cache ? W.cache : NULL, sizeof W.cache),
                     0);
}

static void client_cfg(const char *anchors_pem)
{
    mip6tls_cred_init(&W.ccred, W.carena, sizeof W.carena);
    assert_int_equal(mip6tls_cred_add_anchors(&W.ccred, u8(anchors_pem), strlen(anchors_pem)), 0);
    assert_int_equal(mip6tls_tls_config_client(&W.ccfg, &W.ccred, &W.impl), 0);
}

/* Starts both sessions (configurations already made), wires empty. */
static void start(const mip6tls_tls_peer *id, uint64_t unix_time, const mip6tls_tls_session *resume,
                  uint64_t cseed, uint64_t sseed)
{
    memset(W.w, 0, sizeof W.w);
    W.tlen[0] = W.tlen[1] = 0;
    W.last_dir = -1;
    W.flights = 0;
    W.cli.rx_len = W.srv.rx_len = 0;
    W.cli.open_flight = W.srv.open_flight = 0;
    seed(&W.crng, cseed);
    seed(&W.srng, sseed);
    if (W.srv_at)
        assert_int_equal(
            mip6tls_tls_server_init_at(&W.srv.t, &W.scfg, &W.srng, unix_time, W.srv.buf,
                                       W.srv.buf_len ? W.srv.buf_len : sizeof W.srv.buf),
            0);
    else
        assert_int_equal(mip6tls_tls_server_init(&W.srv.t, &W.scfg, &W.srng, W.srv.buf,
                                                 W.srv.buf_len ? W.srv.buf_len : sizeof W.srv.buf),
                         0);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, unix_time, id, resume,
                                             W.cli.buf,
                                             W.cli.buf_len ? W.cli.buf_len : sizeof W.cli.buf),
                     0);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_HANDSHAKING);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_HANDSHAKING);
}

static void read_all(peer *p)
{
    size_t n;
    const uint8_t *d;
    while ((d = mip6tls_tls_read_app(&p->t, &n)) != NULL && n > 0) {
        assert_true(p->rx_len + n <= sizeof p->rx);
        memcpy(p->rx + p->rx_len, d, n);
        p->rx_len += n;
        mip6tls_tls_read_app_done(&p->t, n);
    }
}

static void note_open(peer *p)
{
    if (p->open_flight == 0 && mip6tls_tls_get_state(&p->t) == MIP6TLS_TLS_OPEN)
        p->open_flight = W.flights;
}

/* Everything `p` has to send goes on wire `dir`. */
static int drain(peer *p, int dir)
{
    int moved = 0;
    size_t n;
    const uint8_t *d;
    while ((d = mip6tls_tls_send_ct(&p->t, &n)) != NULL && n > 0) {
        wire *w = &W.w[dir];
        assert_true(w->len + n <= sizeof w->data);
        assert_true(W.tlen[dir] + n <= sizeof W.transcript[dir]);
        if (dir != W.last_dir) {
            W.flights++;
            W.last_dir = dir;
        }
        memcpy(w->data + w->len, d, n);
        w->len += n;
        memcpy(W.transcript[dir] + W.tlen[dir], d, n);
        W.tlen[dir] += n;
        mip6tls_tls_send_ct_done(&p->t, n);
        moved = 1;
        note_open(p);
    }
    read_all(p);
    return moved;
}

/* Feeds wire `dir` into `p`. A failed receiver drops the rest, like a closed socket. */
static int feed(peer *p, int dir)
{
    wire *w = &W.w[dir];
    int r;
    if (w->len == 0)
        return 0;
    r = mip6tls_tls_recv_ct(&p->t, w->data, w->len);
    if (r < 0) {
        w->len = 0;
        return 1;
    }
    memmove(w->data, w->data + r, w->len - (size_t)r);
    w->len -= (size_t)r;
    note_open(p);
    read_all(p);
    return r > 0;
}

static void pump(void)
{
    int progress, rounds = 0;
    do {
        progress = drain(&W.cli, C2S);
        progress |= feed(&W.srv, C2S);
        progress |= drain(&W.srv, S2C);
        progress |= feed(&W.cli, S2C);
        assert_true(++rounds < 10000);
    } while (progress);
}

/* Writes len octets through `p` (pumping when its buffer is full), flushes, pumps. */
static void send_app(peer *p, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        int r = mip6tls_tls_write_app(&p->t, data + off, len - off);
        if (r == MIP6TLS_ERR_NOBUF) {
            assert_int_equal(mip6tls_tls_flush(&p->t), 0);
            pump();
            continue;
        }
        assert_true(r > 0);
        off += (size_t)r;
    }
    assert_int_equal(mip6tls_tls_flush(&p->t), 0);
    pump();
}

/* Pumps the handshake, having the client write a request the moment it may, and returns the
 * number of the flight that carries the request to the server. */
static size_t request_flight(void)
{
    uint8_t req[100];
    size_t at;
    int progress;
    tu_fill(req, sizeof req, 9);
    do {
        progress = drain(&W.cli, C2S) | feed(&W.srv, C2S) | drain(&W.srv, S2C);
        progress |= feed(&W.cli, S2C);
    } while (progress && mip6tls_tls_get_state(&W.cli.t) != MIP6TLS_TLS_OPEN);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, req, sizeof req), (int)sizeof req);
    assert_int_equal(mip6tls_tls_flush(&W.cli.t), 0);
    drain(&W.cli, C2S);
    at = W.flights;
    pump();
    assert_int_equal(W.srv.rx_len, sizeof req);
    assert_memory_equal(W.srv.rx, req, sizeof req);
    return at;
}

static mip6tls_tls_peer dns_peer(const char *name)
{
    mip6tls_tls_peer id;
    memset(&id, 0, sizeof id);
    id.dns = name;
    return id;
}

static mip6tls_tls_peer ip_peer(const char *hex)
{
    mip6tls_tls_peer id;
    uint8_t b[16];
    size_t n = tu_unhex(b, sizeof b, hex);
    memset(&id, 0, sizeof id);
    if (n == 16)
        mip6tls_addr_set6(&id.ip, b);
    else
        mip6tls_addr_set4(&id.ip, b);
    return id;
}

static void sha256(const uint8_t *d, size_t n, uint8_t out[32])
{
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, d, n);
    br_sha256_out(&h, out);
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    size_t i;
    for (i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

/* Both sides OPEN; the binding on both equals SHA-256 of `der` (certificates signed with
 * ecdsa-with-SHA256: RFC 5929 §4.1 uses the signature's hash). */
static void assert_open_with_binding(const uint8_t *der, size_t der_len)
{
    uint8_t want[32], a[MIP6TLS_CBIND_MAX], b[MIP6TLS_CBIND_MAX];
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_OPEN);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_OPEN);
    sha256(der, der_len, want);
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, a, sizeof a), 32);
    assert_int_equal(mip6tls_tls_channel_binding(&W.srv.t, b, sizeof b), 32);
    assert_memory_equal(a, want, 32);
    assert_memory_equal(b, want, 32);
}

/* A lockstep exchange: a request one way, a multi-record response the other. */
static void exchange(void)
{
    static uint8_t req[1000], resp[20000];
    tu_fill(req, sizeof req, 1);
    tu_fill(resp, sizeof resp, 2);
    send_app(&W.cli, req, sizeof req);
    assert_int_equal(W.srv.rx_len, sizeof req);
    assert_memory_equal(W.srv.rx, req, sizeof req);
    send_app(&W.srv, resp, sizeof resp);
    assert_int_equal(W.cli.rx_len, sizeof resp);
    assert_memory_equal(W.cli.rx, resp, sizeof resp);
    W.srv.rx_len = W.cli.rx_len = 0;
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof W);
    mip6tls_esp_impl_detect(&W.impl);
    return 0;
}

/* ---- handshakes ------------------------------------------------------------------------ */

static void full_handshake_ec(void **state)
{
    /* ServerKeyExchange (12), 3-octet length, named_curve (3), x25519 (0x001d), 32-octet
     * point: RFC 8422 §5.4. */
    static const uint8_t ske_x25519[] = {0x03, 0x00, 0x1d, 0x20};
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_tls_info ci, si;
    size_t i;
    int found = 0;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 1);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, u8("x"), 1), MIP6TLS_ERR_STATE);
    pump();
    assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
    assert_int_equal(W.cli.open_flight, 4);
    assert_int_equal(W.flights, 4);
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
    assert_int_equal(mip6tls_tls_get_info(&W.srv.t, &si), 0);
    assert_int_equal(ci.version, BR_TLS12);
    assert_int_equal(si.version, BR_TLS12);
    assert_int_equal(ci.suite, BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    assert_int_equal(si.suite, ci.suite);
    assert_int_equal(ci.curve, BR_EC_curve25519);
    assert_int_equal(si.curve, BR_EC_curve25519);
    assert_int_equal(ci.resumed, 0);
    assert_int_equal(si.resumed, 0);
    /* X25519 on the wire, in the server's first flight (plaintext handshake records). */
    for (i = 0; i + 8 <= W.tlen[S2C]; i++)
        if (W.transcript[S2C][i] == 12 && memcmp(W.transcript[S2C] + i + 4, ske_x25519, 4) == 0)
            found = 1;
    assert_true(found);
    /* SNI carried the DNS-ID (the server's view of it; a private BearSSL field). */
    assert_string_equal(br_ssl_engine_get_server_name(&W.srv.t.u.s.ssl.eng), "hac.example.com");
    exchange();
    assert_int_equal(mip6tls_tls_error(&W.cli.t), 0);
    /* The first request leaves in flight 5, after 2 round trips. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    assert_int_equal(request_flight(), 5);
}

static void full_handshake_rsa(void **state)
{
    mip6tls_tls_peer id = dns_peer("HAC.Example.COM"); /* DNS names compare case-insensitively */
    mip6tls_tls_info ci;
    (void)state;
    server_cfg(tpki_hac_rsa_chain_pem, NULL, 0, tpki_rsa_key_pk8_pem, 0);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 3, 4);
    pump();
    assert_open_with_binding(tpki_hac_rsa_der, tpki_hac_rsa_der_len);
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
    assert_int_equal(ci.suite, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    assert_int_equal(ci.curve, BR_EC_curve25519);
    exchange();
}

/* Every suite the driver offers works: the client offers just that one. */
static void every_suite(void **state)
{
    static const uint16_t ec[] = {0xC02B, 0xCCA9, 0xC02C, 0xC023, 0xC024};
    static const uint16_t rsa[] = {0xC02F, 0xCCA8, 0xC030, 0xC027, 0xC028};
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_tls_info ci;
    size_t i;
    int k;
    (void)state;
    for (k = 0; k < 2; k++) {
        if (k == 0)
            server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pk8_pem, 0);
        else
            server_cfg(tpki_hac_rsa_chain_pem, NULL, 0, tpki_rsa_key_pem, 0);
        for (i = 0; i < 5; i++) {
            uint16_t s = k == 0 ? ec[i] : rsa[i];
            client_cfg(tpki_ca_pem);
            assert_int_equal(mip6tls_tls_config_suites(&W.ccfg, &s, 1), 0);
            start(&id, TPKI_TIME_NOW, NULL, 10 + i, 20 + i);
            pump();
            assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_OPEN);
            assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
            assert_int_equal(ci.suite, s);
            exchange();
        }
    }
}

static void no_common_suite(void **state)
{
    static const uint16_t cbc = 0xC023, gcm = 0xC02B;
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    assert_int_equal(mip6tls_tls_config_suites(&W.scfg, &gcm, 1), 0);
    client_cfg(tpki_ca_pem);
    assert_int_equal(mip6tls_tls_config_suites(&W.ccfg, &cbc, 1), 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.srv.t),
                     BR_ERR_SEND_FATAL_ALERT + BR_ALERT_HANDSHAKE_FAILURE);
    assert_int_equal(mip6tls_tls_error(&W.srv.t), MIP6TLS_ERR_SUITE);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.cli.t),
                     BR_ERR_RECV_FATAL_ALERT + BR_ALERT_HANDSHAKE_FAILURE);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_SUITE);
}

/* ---- server authentication (RFC 6618 §9.2) --------------------------------------------- */

/* The client refuses with `br_err`, sends alert `alert`, and the server fails on it. */
static void assert_refused(int br_err, int alert)
{
    uint8_t cb[64];
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.cli.t), br_err);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, cb, sizeof cb), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, cb, 1), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.srv.t), BR_ERR_RECV_FATAL_ALERT + alert);
    assert_int_equal(mip6tls_tls_error(&W.srv.t), MIP6TLS_ERR_AUTH);
}

static void wrong_dns_name(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    server_cfg(tpki_wrongname_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_BAD_SERVER_NAME, BR_ALERT_BAD_CERTIFICATE);

    /* The right certificate, the wrong expectation. */
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    id = dns_peer("other.example.com");
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_BAD_SERVER_NAME, BR_ALERT_BAD_CERTIFICATE);
}

static void ip_identities(void **state)
{
    static const char *const good[] = {"20010db8000000000000000000000001", "c0000201"};
    static const char *const bad[] = {"20010db8000000000000000000000002", "c0000202",
                                      "00000000000000000000ffffc0000201"};
    mip6tls_tls_peer id;
    size_t i;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    for (i = 0; i < 2; i++) {
        id = ip_peer(good[i]);
        start(&id, TPKI_TIME_NOW, NULL, 1, 2);
        pump();
        assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
        /* No SNI for an address identity. */
        assert_string_equal(br_ssl_engine_get_server_name(&W.srv.t.u.s.ssl.eng), "");
        exchange();
    }
    for (i = 0; i < 3; i++) { /* 2001:db8::2, 192.0.2.2, ::ffff:192.0.2.1 */
        id = ip_peer(bad[i]);
        start(&id, TPKI_TIME_NOW, NULL, 1, 2);
        pump();
        assert_refused(BR_ERR_X509_BAD_SERVER_NAME, BR_ALERT_BAD_CERTIFICATE);
    }
}

/* RFC 6618 §9.2: no wildcard in HAC names, and never the CN-ID. BearSSL's minimal engine
 * alone would accept both certificates for hac.example.com. */
static void wildcard_and_cn_refused(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    client_cfg(tpki_ca_pem);
    server_cfg(tpki_wildcard_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_BAD_SERVER_NAME, BR_ALERT_BAD_CERTIFICATE);
    server_cfg(tpki_cnonly_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_BAD_SERVER_NAME, BR_ALERT_BAD_CERTIFICATE);
}

static void validity_uses_injected_time(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    client_cfg(tpki_ca_pem);
    server_cfg(tpki_expired_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_EXPIRED, BR_ALERT_CERTIFICATE_EXPIRED);
    /* The same certificate, at a time inside its validity. */
    start(&id, TPKI_TIME_IN_2020, NULL, 1, 2);
    pump();
    assert_open_with_binding(tpki_expired_der, tpki_expired_der_len);
    /* And hac-ec (2024 .. 2099) is not valid yet in 2020. */
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_IN_2020, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_EXPIRED, BR_ALERT_CERTIFICATE_EXPIRED);
}

static void untrusted_ca(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    client_cfg(tpki_ca_pem);
    server_cfg(tpki_rogue_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_NOT_TRUSTED, BR_ALERT_UNKNOWN_CA);
    /* Control: a client trusting the rogue CA accepts it. */
    client_cfg(tpki_rogue_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_OPEN);
}

/* RSA keys below 2048 bits are refused (the chain's, not only the anchors'). */
static void weak_rsa_key_refused(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    client_cfg(tpki_ca_pem);
    server_cfg(tpki_weak_pem, NULL, 0, tpki_weak_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_WEAK_PUBLIC_KEY, BR_ALERT_UNSUPPORTED_CERTIFICATE);
}

/* A server certificate longer than the copy the client keeps fails cleanly. */
static void oversized_certificate(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_addr a;
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    (void)state;
    assert_true(tpki_big_der_len > MIP6TLS_TLS_CERT_MAX);
    mip6tls_addr_set6(&a, v6);
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_big_der, tpki_big_der_len, id.dns), 1);
    assert_int_equal(mip6tls_tls_cert_match_ip(tpki_big_der, tpki_big_der_len, &a), 1);
    client_cfg(tpki_ca_pem);
    server_cfg(NULL, tpki_big_der, tpki_big_der_len, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_refused(BR_ERR_X509_LIMIT_EXCEEDED, BR_ALERT_UNSUPPORTED_CERTIFICATE);
}

/* ---- renegotiation (RFC 6618 §5.8) ------------------------------------------------------ */

static void renegotiation_refused(void **state)
{
    /* An encrypted warning-level alert record from the server: type 21, TLS 1.2, 2 octets
     * under AES-128-GCM (8-octet explicit nonce, 16-octet tag). */
    static const uint8_t alert_hdr[5] = {21, 3, 3, 0, 2 + 8 + 16};
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    br_ssl_engine_context *ce, *se;
    uint8_t srandom[32];
    size_t sent_c, sent_s;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    ce = &W.cli.t.u.c.ssl.eng; /* the BearSSL engines, reached into on purpose */
    se = &W.srv.t.u.s.ssl.eng;
    /* Our client will not start one. */
    assert_int_equal(br_ssl_engine_renegotiate(ce), 0);
    /* A client that would: it sends a new ClientHello inside the session. */
    memcpy(srandom, se->server_random, 32);
    br_ssl_engine_remove_flags(ce, BR_OPT_NO_RENEGOTIATION);
    assert_int_equal(br_ssl_engine_renegotiate(ce), 1);
    sent_c = W.tlen[C2S];
    sent_s = W.tlen[S2C];
    pump();
    assert_true(W.tlen[C2S] > sent_c); /* the ClientHello went out */
    /* The server answered with one no_renegotiation warning and nothing else: no new
     * ServerHello (same random), session still open and usable. */
    assert_int_equal(W.tlen[S2C] - sent_s, sizeof alert_hdr + 2 + 8 + 16);
    assert_memory_equal(W.transcript[S2C] + sent_s, alert_hdr, sizeof alert_hdr);
    assert_memory_equal(se->server_random, srandom, 32);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_OPEN);
    assert_true(mip6tls_tls_write_app(&W.srv.t, u8("still here"), 10) == 10);
    assert_int_equal(mip6tls_tls_flush(&W.srv.t), 0);
    /* A BearSSL client gives up when refused. */
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.cli.t),
                     BR_ERR_RECV_FATAL_ALERT + BR_ALERT_NO_RENEGOTIATION);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_POLICY);

    /* The other way: the server asks (HelloRequest); our client refuses the same way. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    se = &W.srv.t.u.s.ssl.eng;
    memcpy(srandom, se->server_random, 32);
    br_ssl_engine_remove_flags(se, BR_OPT_NO_RENEGOTIATION);
    assert_int_equal(br_ssl_engine_renegotiate(se), 1);
    sent_c = W.tlen[C2S];
    pump();
    /* The client sent back one no_renegotiation warning, no ClientHello, and stays open;
     * the BearSSL server that asked gives up in turn. */
    assert_int_equal(W.tlen[C2S] - sent_c, sizeof alert_hdr + 2 + 8 + 16);
    assert_int_equal(W.transcript[C2S][sent_c], 21);
    assert_memory_equal(se->server_random, srandom, 32);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_OPEN);
    assert_int_equal(mip6tls_tls_last_error(&W.srv.t),
                     BR_ERR_RECV_FATAL_ALERT + BR_ALERT_NO_RENEGOTIATION);
}

/* ---- resumption ------------------------------------------------------------------------- */

static void resumption_is_abbreviated(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com"), other = ip_peer("c0000201");
    mip6tls_tls_session sess;
    mip6tls_tls_info ci, si;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 1);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(W.cli.open_flight, 4);
    assert_int_equal(mip6tls_tls_get_session(&W.srv.t, &sess), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_get_session(&W.cli.t, &sess), 0);
    assert_int_equal(sess.params.session_id_len, 32);
    assert_int_equal(sess.cb_len, 32);

    /* A new connection (new sessions, same server configuration and cache). */
    start(&id, TPKI_TIME_NOW, &sess, 5, 6);
    pump();
    /* BearSSL lets the client write once its own Finished is out: flight 3. */
    assert_int_equal(W.cli.open_flight, 3);
    assert_int_equal(W.flights, 3);
    assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
    assert_int_equal(mip6tls_tls_get_info(&W.srv.t, &si), 0);
    assert_int_equal(ci.resumed, 1);
    assert_int_equal(si.resumed, 1);
    assert_int_equal(ci.curve, 0);
    exchange();

    /* The first request travels with the client's last handshake flight: it leaves after
     * 1 round trip (flights 1 and 2). */
    start(&id, TPKI_TIME_NOW, &sess, 7, 8);
    assert_int_equal(request_flight(), 3);

    /* A session made for another identity is not offered: full handshake. */
    start(&other, TPKI_TIME_NOW, &sess, 9, 10);
    pump();
    assert_int_equal(W.cli.open_flight, 4);
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
    assert_int_equal(ci.resumed, 0);

    /* A server without a cache: full handshake, and the binding is the certificate's. */
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    start(&id, TPKI_TIME_NOW, &sess, 11, 12);
    pump();
    assert_int_equal(W.cli.open_flight, 4);
    assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
}

/* A resumed session keeps the binding of the certificate it was made with, even when the
 * server changed certificates since (the abbreviated handshake shows none). */
static void resumption_binding_comes_from_the_session(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_tls_session sess;
    uint8_t a[64], want[32];
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 1);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_session(&W.cli.t, &sess), 0);
    start(&id, TPKI_TIME_NOW, &sess, 3, 4);
    pump();
    sha256(tpki_hac_ec_der, tpki_hac_ec_der_len, want);
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, a, sizeof a), 32);
    assert_memory_equal(a, want, 32);
    /* A tampered saved binding shows up as a binding mismatch, not as a silent success. */
    sess.cb[0] ^= 1;
    start(&id, TPKI_TIME_NOW, &sess, 5, 6);
    pump();
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, a, sizeof a), 32);
    assert_memory_not_equal(a, want, 32);
}

/* ---- hostile or broken input ------------------------------------------------------------ */

static void truncated_flight_then_eof(void **state)
{
    static uint8_t flight[8192];
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    size_t len, cut;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    drain(&W.cli, C2S);
    feed(&W.srv, C2S);
    drain(&W.srv, S2C);
    len = W.w[S2C].len; /* the server's first flight */
    assert_true(len > 500 && len <= sizeof flight);
    memcpy(flight, W.w[S2C].data, len);
    for (cut = 0; cut < len; cut++) {
        /* Same seed, same ClientHello: the captured flight fits every new client. */
        seed(&W.crng, 1);
        assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &id,
                                                 NULL, W.cli.buf, sizeof W.cli.buf),
                         0);
        W.w[C2S].len = W.tlen[C2S] = 0;
        drain(&W.cli, C2S); /* the ClientHello: the half-duplex buffer is free again */
        assert_int_equal(mip6tls_tls_recv_ct(&W.cli.t, flight, cut), (int)cut);
        assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_HANDSHAKING);
        mip6tls_tls_recv_eof(&W.cli.t);
        assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
        assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_TRUNCATED);
        assert_int_equal(mip6tls_tls_last_error(&W.cli.t), BR_ERR_IO);
        assert_int_equal(mip6tls_tls_recv_ct(&W.cli.t, flight, len), MIP6TLS_ERR_TRUNCATED);
    }
    /* The whole flight completes it. */
    seed(&W.crng, 1);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &id, NULL,
                                             W.cli.buf, sizeof W.cli.buf),
                     0);
    drain(&W.cli, C2S);
    assert_int_equal(mip6tls_tls_recv_ct(&W.cli.t, flight, len), (int)len);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_HANDSHAKING);
    W.w[C2S].len = W.tlen[C2S] = 0;
    assert_non_null(mip6tls_tls_send_ct(&W.cli.t, &len)); /* its key exchange */
}

static void garbage_fails_cleanly(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    uint8_t junk[3000];
    uint64_t s;
    size_t n;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    for (s = 1; s <= 200; s++) {
        peer *p = s & 1 ? &W.srv : &W.cli;
        mip6tls_tls_state st;
        int r;
        start(&id, TPKI_TIME_NOW, NULL, s, s + 1);
        tu_fill(junk, sizeof junk, s);
        if (s % 4 < 2)
            junk[0] = 22, junk[1] = 3, junk[2] = 3; /* a plausible record header */
        r = mip6tls_tls_recv_ct(&p->t, junk, sizeof junk);
        st = mip6tls_tls_get_state(&p->t);
        if (r < 0) {
            assert_int_equal(st, MIP6TLS_TLS_FAILED);
            assert_int_equal(r, mip6tls_tls_error(&p->t));
            assert_true(r <= -20); /* a decode/protocol error, not misuse */
        } else {
            /* still waiting for the rest of a plausible record */
            assert_int_equal(st, MIP6TLS_TLS_HANDSHAKING);
        }
        (void)mip6tls_tls_send_ct(&p->t, &n);
    }
}

static void tampered_record_fails(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    uint8_t rec[200];
    size_t n, pos;
    const uint8_t *d;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    for (pos = 5; pos < 5 + 8 + 16 + 16; pos += 3) { /* explicit nonce, data, tag */
        start(&id, TPKI_TIME_NOW, NULL, 1, 2);
        pump();
        assert_int_equal(mip6tls_tls_write_app(&W.cli.t, u8("MHAuth-Init 0123"), 16), 16);
        assert_int_equal(mip6tls_tls_flush(&W.cli.t), 0);
        d = mip6tls_tls_send_ct(&W.cli.t, &n);
        assert_int_equal(n, 5 + 8 + 16 + 16); /* AES-128-GCM record */
        memcpy(rec, d, n);
        mip6tls_tls_send_ct_done(&W.cli.t, n);
        rec[pos] ^= 0x40;
        assert_int_equal(mip6tls_tls_recv_ct(&W.srv.t, rec, n), MIP6TLS_ERR_ICV);
        assert_int_equal(mip6tls_tls_last_error(&W.srv.t), BR_ERR_BAD_MAC);
        assert_null(mip6tls_tls_read_app(&W.srv.t, &n));
    }
    /* A record header that lies about the version. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    mip6tls_tls_write_app(&W.cli.t, u8("x"), 1);
    mip6tls_tls_flush(&W.cli.t);
    d = mip6tls_tls_send_ct(&W.cli.t, &n);
    memcpy(rec, d, n);
    rec[2] = 1;
    assert_int_equal(mip6tls_tls_recv_ct(&W.srv.t, rec, n), MIP6TLS_ERR_VERSION);
}

/* TLS 1.2 only: a ClientHello that offers at most TLS 1.0 is refused with protocol_version. */
static void older_versions_refused(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    uint8_t hello[1024];
    size_t n;
    const uint8_t *d;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    d = mip6tls_tls_send_ct(&W.cli.t, &n);
    assert_true(n <= sizeof hello);
    memcpy(hello, d, n);
    assert_int_equal(hello[5], 1);                       /* ClientHello */
    assert_int_equal(hello[9] << 8 | hello[10], 0x0303); /* client_version */
    hello[10] = 1;                                       /* TLS 1.0 */
    mip6tls_tls_send_ct_done(&W.cli.t, n);
    assert_int_equal(mip6tls_tls_recv_ct(&W.srv.t, hello, n), (int)n);
    drain(&W.srv, S2C); /* the alert goes out, then the server is done */
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.srv.t),
                     BR_ERR_SEND_FATAL_ALERT + BR_ALERT_PROTOCOL_VERSION);
    assert_int_equal(mip6tls_tls_error(&W.srv.t), MIP6TLS_ERR_VERSION);
    feed(&W.cli, S2C); /* the alert, in a TLS 1.0 record: the client fails as well */
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_VERSION);
}

/* ---- closing -------------------------------------------------------------------------- */

static void graceful_close(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);

    /* Client closes; the server answers with its own close_notify. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_close(&W.cli.t), 0);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_CLOSING);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, u8("x"), 1), MIP6TLS_ERR_STATE);
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_CLOSED);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_CLOSED);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), 0);
    assert_int_equal(mip6tls_tls_error(&W.srv.t), 0);
    assert_int_equal(mip6tls_tls_close(&W.cli.t), 0);

    /* Server closes, the client's TCP goes away without a reply: still clean for it. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_close(&W.srv.t), 0);
    drain(&W.srv, S2C);
    mip6tls_tls_recv_eof(&W.srv.t);
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_CLOSED);

    /* TCP ends without close_notify: a possible truncation attack. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    send_app(&W.srv, u8("partial"), 7);
    mip6tls_tls_recv_eof(&W.cli.t);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_tls_close(&W.cli.t), MIP6TLS_ERR_TRUNCATED);
}

/* ---- sizes, determinism, misuse ------------------------------------------------------- */

/* A client with a small buffer asks for short records (RFC 6066) and gets them. */
static void small_client_buffer(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    W.cli.buf_len = 1024 + 325;
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
    exchange();
    W.cli.buf_len = 0;
}

/* One full bootstrap-sized conversation; the two ciphertext streams, concatenated. */
static size_t run_transcript(uint64_t cseed, uint64_t sseed, uint8_t *out, size_t cap)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    start(&id, TPKI_TIME_NOW, NULL, cseed, sseed);
    pump();
    exchange();
    assert_int_equal(mip6tls_tls_close(&W.cli.t), 0);
    pump();
    assert_true(W.tlen[0] + W.tlen[1] <= cap);
    memcpy(out, W.transcript[0], W.tlen[0]);
    memcpy(out + W.tlen[0], W.transcript[1], W.tlen[1]);
    return W.tlen[0] + W.tlen[1];
}

static void same_seeds_same_bytes(void **state)
{
    static uint8_t a[2 * 65536], b[2 * 65536];
    size_t na, nb;
    (void)state;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    na = run_transcript(1, 2, a, sizeof a);
    nb = run_transcript(1, 2, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* and the seeds matter, on either side */
    nb = run_transcript(1, 3, b, sizeof b);
    assert_true(na != nb || memcmp(a, b, na) != 0);
    nb = run_transcript(4, 2, b, sizeof b);
    assert_true(na != nb || memcmp(a, b, na) != 0);
}

static void misuse(void **state)
{
    static const uint16_t bad_suite = 0x002F, twice[2] = {0xC02B, 0xC02B};
    mip6tls_tls_peer id = dns_peer("hac.example.com"), star = dns_peer("*.example.com");
    mip6tls_tls_peer empty = dns_peer(""), none;
    mip6tls_tls_info info;
    uint8_t cb[64];
    mip6tls_cred empty_cred;
    (void)state;
    memset(&none, 0, sizeof none);
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    seed(&W.crng, 1);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &star, NULL,
                                             W.cli.buf, sizeof W.cli.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &empty,
                                             NULL, W.cli.buf, sizeof W.cli.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &none, NULL,
                                             W.cli.buf, sizeof W.cli.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, TPKI_TIME_NOW, &id, NULL,
                                             W.cli.buf, MIP6TLS_TLS_BUFSIZE_MIN - 1),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.scfg, &W.crng, TPKI_TIME_NOW, &id, NULL,
                                             W.cli.buf, sizeof W.cli.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_client_init(&W.cli.t, &W.ccfg, &W.crng, UINT64_MAX, &id, NULL,
                                             W.cli.buf, sizeof W.cli.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(
        mip6tls_tls_server_init(&W.srv.t, &W.ccfg, &W.srng, W.srv.buf, sizeof W.srv.buf),
        MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_config_suites(&W.ccfg, &bad_suite, 1), MIP6TLS_ERR_SUITE);
    assert_int_equal(mip6tls_tls_config_suites(&W.ccfg, twice, 2), MIP6TLS_ERR_SUITE);
    assert_int_equal(mip6tls_tls_config_suites(&W.ccfg, twice, 0), MIP6TLS_ERR_SUITE);
    mip6tls_cred_init(&empty_cred, NULL, 0);
    assert_int_equal(mip6tls_tls_config_client(&W.ccfg, &empty_cred, NULL), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_tls_config_server(&W.scfg, &empty_cred, NULL, NULL, 0),
                     MIP6TLS_ERR_MISSING);
    client_cfg(tpki_ca_pem);

    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, cb, sizeof cb), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &info), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_flush(&W.cli.t), MIP6TLS_ERR_STATE);
    pump();
    assert_int_equal(mip6tls_tls_channel_binding(&W.cli.t, cb, 31), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, NULL, 0), 0);
    assert_int_equal(mip6tls_tls_recv_ct(&W.cli.t, NULL, 0), 0);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), 0);

    /* The documented mapping, spot checks. */
    assert_int_equal(mip6tls_tls_map_error(0), 0);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_X509_NOT_TRUSTED), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_BAD_FINISHED), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_UNEXPECTED), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_BAD_MAC), MIP6TLS_ERR_ICV);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_IO), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_RECV_FATAL_ALERT + 48), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_SEND_FATAL_ALERT + 70), MIP6TLS_ERR_VERSION);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_RECV_FATAL_ALERT + 100), MIP6TLS_ERR_POLICY);
    assert_int_equal(mip6tls_tls_map_error(BR_ERR_RECV_FATAL_ALERT + 10), MIP6TLS_ERR_MALFORMED);
}

/* ---- key log (Wireshark) ---------------------------------------------------------------- */

/* HMAC-SHA-256 over a || b. */
static void hmac2(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen, const uint8_t *b,
                  size_t blen, uint8_t out[32])
{
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, a, alen);
    br_hmac_update(&hc, b, blen);
    br_hmac_out(&hc, out);
}

/* The TLS 1.2 PRF with SHA-256 (RFC 5246 §5), written out here rather than BearSSL's: P_SHA256
 * (secret, label || seed), A(0) = label || seed, A(i) = HMAC(secret, A(i-1)). */
static void tls12_prf(const uint8_t *secret, size_t slen, const char *label, const uint8_t *seed,
                      size_t seed_len, uint8_t *out, size_t n)
{
    uint8_t ls[128], a[32], block[32];
    size_t ll = strlen(label), off = 0;
    assert_true(ll + seed_len <= sizeof ls);
    memcpy(ls, label, ll);
    memcpy(ls + ll, seed, seed_len);
    hmac2(secret, slen, ls, ll + seed_len, NULL, 0, a); /* A(1) */
    while (off < n) {
        size_t k = n - off < 32 ? n - off : 32;
        hmac2(secret, slen, a, 32, ls, ll + seed_len, block);
        memcpy(out + off, block, k);
        off += k;
        hmac2(secret, slen, a, 32, NULL, 0, a);
    }
}

/* The Random of the first handshake message on wire `dir` (ClientHello or ServerHello: record
 * header 5, handshake header 4, version 2, then 32 octets; RFC 5246 §7.4.1.2). */
static const uint8_t *hello_random(int dir)
{
    assert_true(W.tlen[dir] > 5 + 4 + 2 + 32);
    assert_int_equal(W.transcript[dir][0], 22);
    return W.transcript[dir] + 11;
}

/* The n-th (from 0) record on wire `dir` after its ChangeCipherSpec record: its type and a view
 * of its body. */
static const uint8_t *record_after_ccs(int dir, size_t n, uint8_t *type, size_t *len)
{
    size_t off = 0, seen = 0;
    int after = 0;
    *type = 0;
    *len = 0;
    while (off + 5 <= W.tlen[dir]) {
        const uint8_t *r = W.transcript[dir] + off;
        size_t rl = (size_t)r[3] << 8 | r[4];
        assert_true(off + 5 + rl <= W.tlen[dir]);
        if (after && seen++ == n) {
            *type = r[0];
            *len = rl;
            return r + 5;
        }
        if (r[0] == 20)
            after = 1;
        off += 5 + rl;
    }
    fail_msg("no record %zu after ChangeCipherSpec on wire %d", n, dir);
    return NULL;
}

/* Opens an AES-128-GCM record (RFC 5288 §3: 8-octet explicit nonce, 16-octet tag; AAD =
 * seq || type || version || plaintext length, RFC 5246 §6.2.3.3) in place; returns its
 * plaintext length, or -1 when the tag does not verify. */
static long gcm_open(const uint8_t key[16], const uint8_t salt[4], uint64_t seq, uint8_t type,
                     uint8_t *body, size_t len)
{
    br_aes_ct_ctr_keys aes;
    br_gcm_context gc;
    uint8_t iv[12], aad[13];
    size_t pl;
    int i;
    if (len < 8 + 16)
        return -1;
    pl = len - 8 - 16;
    memcpy(iv, salt, 4);
    memcpy(iv + 4, body, 8);
    for (i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (uint8_t)(pl >> 8);
    aad[12] = (uint8_t)pl;
    br_aes_ct_ctr_init(&aes, key, 16);
    br_gcm_init(&gc, &aes.vtable, br_ghash_ctmul);
    br_gcm_reset(&gc, iv, sizeof iv);
    br_gcm_aad_inject(&gc, aad, sizeof aad);
    br_gcm_flip(&gc);
    br_gcm_run(&gc, 0, body + 8, pl);
    return br_gcm_check_tag(&gc, body + 8 + pl) ? (long)pl : -1;
}

/* Both sides' key log lines; asserts they are equal and well formed; returns the line. */
static void keylog_both(char line[MIP6TLS_TLS_KEYLOG_LEN + 1])
{
    char other[MIP6TLS_TLS_KEYLOG_LEN + 1];
    size_t i;
    assert_int_equal(mip6tls_tls_keylog_line(&W.cli.t, line, MIP6TLS_TLS_KEYLOG_LEN + 1),
                     MIP6TLS_TLS_KEYLOG_LEN);
    assert_int_equal(mip6tls_tls_keylog_line(&W.srv.t, other, sizeof other),
                     MIP6TLS_TLS_KEYLOG_LEN);
    assert_string_equal(line, other);
    assert_int_equal(strlen(line), MIP6TLS_TLS_KEYLOG_LEN);
    assert_memory_equal(line, "CLIENT_RANDOM ", 14);
    assert_int_equal(line[14 + 64], ' ');
    assert_int_equal(line[MIP6TLS_TLS_KEYLOG_LEN - 1], '\n');
    for (i = 14; i < MIP6TLS_TLS_KEYLOG_LEN - 1; i++)
        if (i != 14 + 64)
            assert_true((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f'));
}

/* What Wireshark does with the line: client random -> session, master secret -> key block
 * (RFC 5246 §6.3), then the records decrypt. Checks the client's Finished (seq 0), the
 * client's first application record (seq 1, `req`) and the server's Finished. */
static void assert_line_decrypts(const char *line, const uint8_t *req, size_t req_len)
{
    uint8_t cr[32], ms[48], seed[64], kb[40], rec[2048], type;
    const uint8_t *body;
    size_t len;
    char hex[97];
    long pl;

    memcpy(hex, line + 14, 64);
    hex[64] = 0;
    assert_int_equal(tu_unhex(cr, sizeof cr, hex), 32);
    memcpy(hex, line + 14 + 65, 96);
    hex[96] = 0;
    assert_int_equal(tu_unhex(ms, sizeof ms, hex), 48);
    /* The client random is the one in the ClientHello on the wire. */
    assert_memory_equal(cr, hello_random(C2S), 32);
    /* key_block = PRF(master, "key expansion", server_random || client_random): for
     * AES_128_GCM_SHA256 two 16-octet keys, then two 4-octet implicit nonces. */
    memcpy(seed, hello_random(S2C), 32);
    memcpy(seed + 32, cr, 32);
    tls12_prf(ms, sizeof ms, "key expansion", seed, sizeof seed, kb, sizeof kb);

    body = record_after_ccs(C2S, 0, &type, &len);
    assert_int_equal(type, 22);
    memcpy(rec, body, len);
    pl = gcm_open(kb, kb + 32, 0, 22, rec, len);
    assert_int_equal(pl, 4 + 12); /* Finished: type 20, length 12 (RFC 5246 §7.4.9) */
    assert_int_equal(rec[8], 20);
    body = record_after_ccs(C2S, 1, &type, &len);
    assert_int_equal(type, 23);
    assert_true(len <= sizeof rec);
    memcpy(rec, body, len);
    pl = gcm_open(kb, kb + 32, 1, 23, rec, len);
    assert_int_equal(pl, (long)req_len);
    assert_memory_equal(rec + 8, req, req_len);
    body = record_after_ccs(S2C, 0, &type, &len);
    memcpy(rec, body, len);
    assert_int_equal(gcm_open(kb + 16, kb + 36, 0, 22, rec, len), 4 + 12);
    /* A wrong master secret decrypts nothing. */
    ms[0] ^= 1;
    tls12_prf(ms, sizeof ms, "key expansion", seed, sizeof seed, kb, sizeof kb);
    body = record_after_ccs(C2S, 0, &type, &len);
    memcpy(rec, body, len);
    assert_int_equal(gcm_open(kb, kb + 32, 0, 22, rec, len), -1);
}

static void keylog_line_decrypts_the_session(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_tls_session sess;
    char line[MIP6TLS_TLS_KEYLOG_LEN + 1], line2[MIP6TLS_TLS_KEYLOG_LEN + 1], small[180];
    uint8_t req[300];
    (void)state;
    tu_fill(req, sizeof req, 42);
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 1);
    client_cfg(tpki_ca_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    /* Not before the handshake completed. */
    assert_int_equal(mip6tls_tls_keylog_line(&W.cli.t, line, sizeof line), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_keylog_line(&W.srv.t, line, sizeof line), MIP6TLS_ERR_STATE);
    pump();
    keylog_both(line);
    send_app(&W.cli, req, sizeof req);
    assert_line_decrypts(line, req, sizeof req);
    /* Buffer contract: MIP6TLS_TLS_KEYLOG_LEN octets, the NUL only when there is room. */
    assert_int_equal(mip6tls_tls_keylog_line(&W.cli.t, small, MIP6TLS_TLS_KEYLOG_LEN - 1),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_tls_keylog_line(&W.cli.t, NULL, 0), MIP6TLS_ERR_NOBUF);
    memset(small, 'x', sizeof small);
    assert_int_equal(mip6tls_tls_keylog_line(&W.cli.t, small, MIP6TLS_TLS_KEYLOG_LEN),
                     MIP6TLS_TLS_KEYLOG_LEN);
    assert_memory_equal(small, line, MIP6TLS_TLS_KEYLOG_LEN);
    assert_int_equal(small[MIP6TLS_TLS_KEYLOG_LEN], 'x');

    /* A resumed session: a new client random, the resumed master secret, still one line for
     * both sides that decrypts it. */
    assert_int_equal(mip6tls_tls_get_session(&W.cli.t, &sess), 0);
    start(&id, TPKI_TIME_NOW, &sess, 3, 4);
    pump();
    keylog_both(line2);
    assert_memory_not_equal(line2 + 14, line + 14, 64);
    assert_memory_equal(line2 + 14 + 65, line + 14 + 65, 96);
    /* Resumed: the client's ChangeCipherSpec and Finished come after the server's, and its
     * first application record is still its second encrypted one. */
    send_app(&W.cli, req, sizeof req);
    assert_line_decrypts(line2, req, sizeof req);
}

/* The event a port writes to its key log file: once per session, after the handshake, only
 * when the configuration asks for it, never in the way of the records. */
static void keylog_event(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_action acts[8];
    static uint8_t arena[2 * MIP6TLS_TLS_BUFSIZE];
    mip6tls_outbox ob;
    mip6tls_endpoint ep;
    char line[MIP6TLS_TLS_KEYLOG_LEN + 1];
    size_t i, events = 0;
    (void)state;
    memset(&ep, 0, sizeof ep);
    ep.port = 7872;
    server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
    client_cfg(tpki_ca_pem);
    /* Off by default. */
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    mip6tls_outbox_init(&ob, acts, 8, arena, sizeof arena);
    mip6tls_tls_send_to_outbox(&W.srv.t, 5, &ep, &ob);
    mip6tls_tls_send_to_outbox(&W.cli.t, 5, &ep, &ob);
    assert_int_equal(ob.n, 0);

    mip6tls_tls_config_keylog(&W.scfg, 1);
    mip6tls_tls_config_keylog(&W.ccfg, 1);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    /* The ClientHello: records only. */
    mip6tls_outbox_init(&ob, acts, 8, arena, sizeof arena);
    mip6tls_tls_send_to_outbox(&W.cli.t, 5, &ep, &ob);
    assert_int_equal(ob.n, 1);
    assert_int_equal(acts[0].type, MIP6TLS_ACT_TCP_SEND);
    memcpy(W.w[C2S].data, acts[0].data, acts[0].len); /* the port sends it */
    W.w[C2S].len = acts[0].len;
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_OPEN);
    /* No room: the event waits for the next call. */
    mip6tls_outbox_init(&ob, acts, 8, arena, MIP6TLS_TLS_KEYLOG_LEN - 1);
    mip6tls_tls_send_to_outbox(&W.srv.t, 5, &ep, &ob);
    assert_int_equal(ob.n, 0);
    for (i = 0; i < 2; i++) {
        mip6tls_outbox_init(&ob, acts, 8, arena, sizeof arena);
        mip6tls_tls_send_to_outbox(&W.srv.t, 5, &ep, &ob);
        mip6tls_tls_send_to_outbox(&W.cli.t, 6, &ep, &ob);
        events += ob.n;
        if (i == 0) {
            assert_int_equal(ob.n, 2);
            assert_int_equal(acts[0].type, MIP6TLS_ACT_EVENT);
            assert_int_equal(acts[0].event, MIP6TLS_TLS_EV_KEYLOG);
            assert_int_equal(acts[0].conn, 5);
            assert_int_equal(acts[0].remote.port, 7872);
            assert_int_equal(acts[1].conn, 6);
            assert_int_equal(acts[0].len, MIP6TLS_TLS_KEYLOG_LEN);
            assert_int_equal(mip6tls_tls_keylog_line(&W.srv.t, line, sizeof line),
                             MIP6TLS_TLS_KEYLOG_LEN);
            assert_memory_equal(acts[0].data, line, MIP6TLS_TLS_KEYLOG_LEN);
            assert_memory_equal(acts[1].data, line, MIP6TLS_TLS_KEYLOG_LEN);
        }
    }
    assert_int_equal(events, 2); /* once per session */
    exchange();
}

/* ---- mutual TLS (RFC 6618 §4.3: a separate HA asks the HAC; decisions/0032) -------------- */

/* The HAC requiring client certificates that chain to `anchors_pem`. */
static void mtls_server(const char *chain_pem, const char *key_pem, const char *anchors_pem,
                        int with_cache)
{
    server_cfg(chain_pem, NULL, 0, key_pem, with_cache);
    mip6tls_cred_init(&W.acred, W.aarena, sizeof W.aarena);
    assert_int_equal(mip6tls_cred_add_anchors(&W.acred, u8(anchors_pem), strlen(anchors_pem)), 0);
    assert_int_equal(mip6tls_tls_config_client_auth(&W.scfg, &W.acred), 0);
    W.srv_at = 1;
}

/* An HA: trusts the test CA, presents chain_pem + key_pem (none when NULL). */
static void mtls_client(const char *chain_pem, const char *key_pem)
{
    client_cfg(tpki_ca_pem);
    if (chain_pem == NULL)
        return;
    mip6tls_cred_init(&W.kcred, W.karena, sizeof W.karena);
    assert_int_equal(mip6tls_cred_add_chain(&W.kcred, u8(chain_pem), strlen(chain_pem)), 0);
    assert_int_equal(mip6tls_cred_set_key(&W.kcred, u8(key_pem), strlen(key_pem)), 0);
    assert_int_equal(mip6tls_tls_config_client_cert(&W.ccfg, &W.kcred), 0);
}

/* The handshake message types on wire `dir` before its ChangeCipherSpec, in order. */
static size_t plain_handshake_types(int dir, uint8_t *types, size_t cap)
{
    static uint8_t hs[65536];
    size_t off = 0, n = 0, hl = 0, m = 0;
    while (off + 5 <= W.tlen[dir]) {
        const uint8_t *r = W.transcript[dir] + off;
        size_t rl = (size_t)r[3] << 8 | r[4];
        if (r[0] == 20)
            break;
        if (r[0] == 22) {
            memcpy(hs + hl, r + 5, rl);
            hl += rl;
        }
        off += 5 + rl;
    }
    while (m + 4 <= hl && n < cap) {
        types[n++] = hs[m];
        m += 4 + ((size_t)hs[m + 1] << 16 | (size_t)hs[m + 2] << 8 | hs[m + 3]);
    }
    return n;
}

static void assert_peer_cert(const mip6tls_tls *t, const uint8_t *der, size_t der_len)
{
    uint8_t fp[32], want[32];
    size_t n;
    const uint8_t *got = mip6tls_tls_peer_cert(t, &n);
    assert_non_null(got);
    assert_int_equal(n, der_len);
    assert_memory_equal(got, der, der_len);
    sha256(der, der_len, want);
    assert_int_equal(mip6tls_tls_peer_cert_sha256(t, fp), 32);
    assert_memory_equal(fp, want, 32);
}

static void mutual_tls_ec_and_rsa(void **state)
{
    /* {server chain, key} x {client chain, key, DER, name} */
    static const char *const srv[2][2] = {{tpki_hac_ec_chain_pem, tpki_ec_key_pem},
                                          {tpki_hac_rsa_chain_pem, tpki_rsa_key_pem}};
    const char *const cli[2][2] = {{tpki_ha_ec_chain_pem, tpki_ha_key_pem},
                                   {tpki_ha_rsa_chain_pem, tpki_rsa_key_pk8_pem}};
    const uint8_t *const cli_der[2] = {tpki_ha_ec_der, tpki_ha_rsa_der};
    const size_t cli_der_len[2] = {tpki_ha_ec_der_len, tpki_ha_rsa_der_len};
    static const char *const cli_name[2] = {"ha1.example.com", "ha2.example.com"};
    static const uint8_t want_c2s[] = {1, 11, 16, 15}; /* ClientHello; Certificate,
                                                          ClientKeyExchange, CertificateVerify */
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    char name[256], line[MIP6TLS_TLS_KEYLOG_LEN + 1];
    uint8_t types[16];
    size_t n;
    int k, c;
    (void)state;
    for (k = 0; k < 2; k++) {
        for (c = 0; c < 2; c++) {
            mtls_server(srv[k][0], srv[k][1], tpki_ca_pem, 0);
            mtls_client(cli[c][0], cli[c][1]);
            start(&id, TPKI_TIME_NOW, NULL, 30 + (uint64_t)k, 40 + (uint64_t)c);
            pump();
            assert_open_with_binding(k == 0 ? tpki_hac_ec_der : tpki_hac_rsa_der,
                                     k == 0 ? tpki_hac_ec_der_len : tpki_hac_rsa_der_len);
            /* The HAC knows which HA it talks to; the HA which HAC. */
            assert_peer_cert(&W.srv.t, cli_der[c], cli_der_len[c]);
            assert_peer_cert(&W.cli.t, k == 0 ? tpki_hac_ec_der : tpki_hac_rsa_der,
                             k == 0 ? tpki_hac_ec_der_len : tpki_hac_rsa_der_len);
            {
                const uint8_t *der = mip6tls_tls_peer_cert(&W.srv.t, &n);
                assert_int_equal(mip6tls_tls_cert_dns_name(der, n, 0, name, sizeof name),
                                 (int)strlen(cli_name[c]));
                assert_string_equal(name, cli_name[c]);
                assert_int_equal(mip6tls_tls_cert_dns_name(der, n, 1, name, sizeof name), 0);
                assert_int_equal(mip6tls_tls_cert_match_dns(der, n, cli_name[c]), 1);
                assert_int_equal(mip6tls_tls_cert_match_dns(der, n, cli_name[1 - c]), 0);
            }
            n = plain_handshake_types(C2S, types, sizeof types);
            assert_int_equal(n, sizeof want_c2s);
            assert_memory_equal(types, want_c2s, sizeof want_c2s);
            keylog_both(line);
            exchange();
        }
    }
}

/* The MN path is unchanged: a server that does not ask gets no certificate even from a
 * client that has one, and the MN's flight holds no Certificate. */
static void client_cert_only_when_asked(void **state)
{
    static const uint8_t want_c2s[] = {1, 16}; /* ClientHello; ClientKeyExchange */
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    uint8_t types[16], fp[32];
    size_t n;
    int k;
    (void)state;
    for (k = 0; k < 2; k++) {
        server_cfg(tpki_hac_ec_chain_pem, NULL, 0, tpki_ec_key_pem, 0);
        mtls_client(k == 0 ? NULL : tpki_ha_ec_chain_pem, tpki_ha_key_pem);
        start(&id, TPKI_TIME_NOW, NULL, 1, 2);
        pump();
        assert_open_with_binding(tpki_hac_ec_der, tpki_hac_ec_der_len);
        n = plain_handshake_types(C2S, types, sizeof types);
        assert_int_equal(n, sizeof want_c2s);
        assert_memory_equal(types, want_c2s, sizeof want_c2s);
        assert_null(mip6tls_tls_peer_cert(&W.srv.t, &n));
        assert_int_equal(n, 0);
        assert_int_equal(mip6tls_tls_peer_cert_sha256(&W.srv.t, fp), MIP6TLS_ERR_STATE);
        assert_peer_cert(&W.cli.t, tpki_hac_ec_der, tpki_hac_ec_der_len);
        exchange();
    }
}

/* The server refuses with `srv_err` and alert `alert`; the client fails on that alert; both
 * report MIP6TLS_ERR_AUTH; nobody learnt an identity. */
static void assert_client_refused(int srv_err, int alert)
{
    uint8_t cb[64];
    size_t n;
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.srv.t), srv_err);
    assert_int_equal(mip6tls_tls_error(&W.srv.t), MIP6TLS_ERR_AUTH);
    assert_null(mip6tls_tls_peer_cert(&W.srv.t, &n));
    assert_int_equal(mip6tls_tls_keylog_line(&W.srv.t, (char *)cb, sizeof cb), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_tls_last_error(&W.cli.t), BR_ERR_RECV_FATAL_ALERT + alert);
    assert_int_equal(mip6tls_tls_error(&W.cli.t), MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_tls_write_app(&W.cli.t, cb, 1), MIP6TLS_ERR_AUTH);
}

/* Flips the last octet of the CertificateVerify (handshake type 15) in the plaintext records
 * of w[len]; 1 when found. */
static int flip_cv_signature(uint8_t *w, size_t len)
{
    size_t off = 0;
    while (off + 5 <= len && w[off] != 20) {
        size_t rl = (size_t)w[off + 3] << 8 | w[off + 4], m = off + 5;
        while (w[off] == 22 && m + 4 <= off + 5 + rl) {
            size_t ml = (size_t)w[m + 1] << 16 | (size_t)w[m + 2] << 8 | w[m + 3];
            if (w[m] == 15 && m + 4 + ml <= off + 5 + rl) {
                w[m + 4 + ml - 1] ^= 0x01;
                return 1;
            }
            m += 4 + ml;
        }
        off += 5 + rl;
    }
    return 0;
}

static void mutual_tls_refusals(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    (void)state;
    mtls_server(tpki_hac_ec_chain_pem, tpki_ec_key_pem, tpki_ca_pem, 0);

    /* No certificate at all (a client configured like an MN). */
    mtls_client(NULL, NULL);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_client_refused(BR_ERR_NO_CLIENT_AUTH, BR_ALERT_HANDSHAKE_FAILURE);

    /* A certificate from another CA. */
    mtls_client(tpki_ha_rogue_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_client_refused(BR_ERR_X509_NOT_TRUSTED, BR_ALERT_UNKNOWN_CA);

    /* An expired one, judged at the time the server was given. */
    mtls_client(tpki_ha_expired_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_client_refused(BR_ERR_X509_EXPIRED, BR_ALERT_CERTIFICATE_EXPIRED);

    /* A certificate from the right CA that is not meant for TLS clients: the HAC's own
     * (extendedKeyUsage serverAuth only, RFC 5280 §4.2.1.12). */
    mtls_client(tpki_hac_ec_chain_pem, tpki_ec_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_client_refused(BR_ERR_X509_FORBIDDEN_KEY_USAGE, BR_ALERT_UNSUPPORTED_CERTIFICATE);

    /* A CertificateVerify that does not verify (its last signature octet flipped on the wire):
     * the client did not prove it holds the certificate's key. */
    mtls_client(tpki_ha_ec_chain_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    drain(&W.cli, C2S);
    feed(&W.srv, C2S);
    drain(&W.srv, S2C);
    feed(&W.cli, S2C);
    drain(&W.cli, C2S); /* Certificate, ClientKeyExchange, CertificateVerify, CCS, Finished */
    assert_true(flip_cv_signature(W.w[C2S].data, W.w[C2S].len));
    pump();
    assert_client_refused(BR_ERR_BAD_SIGNATURE, BR_ALERT_DECRYPT_ERROR);

    /* Controls: the rogue certificate passes a server trusting the rogue CA, and the expired
     * one at a time inside its validity (with a server certificate valid then too). */
    mtls_server(tpki_hac_ec_chain_pem, tpki_ec_key_pem, tpki_rogue_ca_pem, 0);
    mtls_client(tpki_ha_rogue_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_OPEN);
    mtls_server(tpki_expired_pem, tpki_ec_key_pem, tpki_ca_pem, 0);
    mtls_client(tpki_ha_expired_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_IN_2020, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_state(&W.srv.t), MIP6TLS_TLS_OPEN);
    assert_int_equal(mip6tls_tls_get_state(&W.cli.t), MIP6TLS_TLS_OPEN);
}

/* A server requiring client certificates never resumes: a resumed session would carry no
 * client identity. */
static void mutual_tls_does_not_resume(void **state)
{
    mip6tls_tls_peer id = dns_peer("hac.example.com");
    mip6tls_tls_session sess;
    mip6tls_tls_info ci, si;
    (void)state;
    mtls_server(tpki_hac_ec_chain_pem, tpki_ec_key_pem, tpki_ca_pem, 1);
    mtls_client(tpki_ha_ec_chain_pem, tpki_ha_key_pem);
    start(&id, TPKI_TIME_NOW, NULL, 1, 2);
    pump();
    assert_int_equal(mip6tls_tls_get_session(&W.cli.t, &sess), 0);
    start(&id, TPKI_TIME_NOW, &sess, 3, 4);
    pump();
    assert_int_equal(mip6tls_tls_get_info(&W.cli.t, &ci), 0);
    assert_int_equal(mip6tls_tls_get_info(&W.srv.t, &si), 0);
    assert_int_equal(ci.resumed, 0);
    assert_int_equal(si.resumed, 0);
    assert_peer_cert(&W.srv.t, tpki_ha_ec_der, tpki_ha_ec_der_len);
}

static void mutual_tls_misuse(void **state)
{
    mip6tls_cred chain_only, empty;
    static uint8_t arena[8192];
    char name[16];
    size_t n;
    (void)state;
    mtls_server(tpki_hac_ec_chain_pem, tpki_ec_key_pem, tpki_ca_pem, 0);
    mtls_client(NULL, NULL);
    seed(&W.srng, 1);
    /* Client certificates need a time. */
    assert_int_equal(
        mip6tls_tls_server_init(&W.srv.t, &W.scfg, &W.srng, W.srv.buf, sizeof W.srv.buf),
        MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_server_init_at(&W.srv.t, &W.scfg, &W.srng, UINT64_MAX, W.srv.buf,
                                                sizeof W.srv.buf),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_server_init_at(&W.srv.t, &W.ccfg, &W.srng, TPKI_TIME_NOW,
                                                W.srv.buf, sizeof W.srv.buf),
                     MIP6TLS_ERR_ARG);
    /* Roles. */
    assert_int_equal(mip6tls_tls_config_client_auth(&W.ccfg, &W.acred), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_config_client_cert(&W.scfg, &W.scred), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_config_client_auth(NULL, &W.acred), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_tls_config_client_cert(&W.ccfg, NULL), MIP6TLS_ERR_ARG);
    /* Credentials. */
    mip6tls_cred_init(&empty, NULL, 0);
    assert_int_equal(mip6tls_tls_config_client_auth(&W.scfg, &empty), MIP6TLS_ERR_MISSING);
    mip6tls_cred_init(&chain_only, arena, sizeof arena);
    assert_int_equal(
        mip6tls_cred_add_chain(&chain_only, u8(tpki_ha_ec_chain_pem), strlen(tpki_ha_ec_chain_pem)),
        0);
    assert_int_equal(mip6tls_tls_config_client_cert(&W.ccfg, &chain_only), MIP6TLS_ERR_MISSING);
    assert_int_equal(
        mip6tls_cred_set_key(&chain_only, u8(tpki_ec_key_pem), strlen(tpki_ec_key_pem)), 0);
    assert_int_equal(mip6tls_tls_config_client_cert(&W.ccfg, &chain_only), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_cred_reason(&chain_only), MIP6TLS_CRED_KEY_MISMATCH);
    /* The name helper. */
    assert_int_equal(mip6tls_tls_cert_dns_name(tpki_ha_ec_der, tpki_ha_ec_der_len, 0, name, 15),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_tls_cert_dns_name(tpki_ha_ec_der, tpki_ha_ec_der_len, 0, name, 16),
                     15);
    assert_int_equal(mip6tls_tls_cert_dns_name(tpki_ca_der, tpki_ca_der_len, 0, name, 16), 0);
    for (n = 0; n < tpki_ha_ec_der_len; n++)
        assert_int_equal(mip6tls_tls_cert_dns_name(tpki_ha_ec_der, n, 0, name, 16),
                         MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_tls_cert_dns_name(NULL, 0, 0, name, 16), MIP6TLS_ERR_MALFORMED);
}

/* ---- the subjectAltName walker ---------------------------------------------------------- */

static void san_walker_is_total(void **state)
{
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t v4[4] = {192, 0, 2, 1};
    uint8_t der[4096];
    size_t len = tpki_hac_ec_der_len, cut, bit;
    mip6tls_addr a6, a4, none;
    (void)state;
    mip6tls_addr_set6(&a6, v6);
    mip6tls_addr_set4(&a4, v4);
    memset(&none, 0, sizeof none);
    assert_int_equal(mip6tls_tls_cert_match_ip(tpki_hac_ec_der, len, &a6), 1);
    assert_int_equal(mip6tls_tls_cert_match_ip(tpki_hac_ec_der, len, &a4), 1);
    assert_int_equal(mip6tls_tls_cert_match_ip(tpki_hac_ec_der, len, &none), 0);
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_hac_ec_der, len, "hac.example.com"), 1);
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_hac_ec_der, len, "hac.example.co"), 0);
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_hac_ec_der, len, "ac.example.com"), 0);
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_hac_ec_der, len, ""), 0);
    /* The address 2001:db8::1 is in the certificate as an iPAddress, not as text. */
    assert_int_equal(mip6tls_tls_cert_match_dns(tpki_hac_ec_der, len, "2001:db8::1"), 0);
    /* A certificate without subjectAltName: no match, not an error (the CA's). */
    assert_int_equal(mip6tls_tls_cert_match_ip(tpki_ca_der, tpki_ca_der_len, &a6), 0);
    /* Every truncation is malformed (the outer length no longer fits). */
    for (cut = 0; cut < len; cut++)
        assert_int_equal(mip6tls_tls_cert_match_ip(tpki_hac_ec_der, cut, &a6),
                         MIP6TLS_ERR_MALFORMED);
    /* Every single-bit flip: some result, never a read outside (ASan run). */
    for (bit = 0; bit < 8 * len; bit++) {
        int r;
        memcpy(der, tpki_hac_ec_der, len);
        der[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        r = mip6tls_tls_cert_match_dns(der, len, "hac.example.com");
        assert_true(r == 0 || r == 1 || r == MIP6TLS_ERR_MALFORMED);
        r = mip6tls_tls_cert_match_ip(der, len, &a6);
        assert_true(r == 0 || r == 1 || r == MIP6TLS_ERR_MALFORMED);
    }
    /* A second subjectAltName extension is refused: rewrite the basicConstraints OID
     * (2.5.29.19) into the SAN's (2.5.29.17) and keep the rest. */
    {
        static const uint8_t bc[] = {0x06, 0x03, 0x55, 0x1d, 0x13};
        size_t i;
        memcpy(der, tpki_hac_ec_der, len);
        for (i = 0; i + sizeof bc <= len; i++)
            if (memcmp(der + i, bc, sizeof bc) == 0)
                der[i + 4] = 0x11;
        assert_int_equal(mip6tls_tls_cert_match_dns(der, len, "hac.example.com"),
                         MIP6TLS_ERR_MALFORMED);
    }
    assert_true(contains(tpki_hac_ec_der, len, v6, 16));
}

/* Runs last: nothing above made BearSSL read the clock or the OS's randomness. */
static void bearssl_never_asked_the_os(void **state)
{
    unsigned t0 = os_time_calls, s0 = os_seeder_calls;
    (void)state;
    assert_int_equal(t0, 0);
    assert_int_equal(s0, 0);
    /* The stand-ins are really the ones linked (so the zeros above mean something). */
    (void)time(NULL);
    (void)br_prng_seeder_system(NULL);
    assert_int_equal(os_time_calls, 1);
    assert_int_equal(os_seeder_calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(full_handshake_ec, setup),
        cmocka_unit_test_setup(full_handshake_rsa, setup),
        cmocka_unit_test_setup(every_suite, setup),
        cmocka_unit_test_setup(no_common_suite, setup),
        cmocka_unit_test_setup(wrong_dns_name, setup),
        cmocka_unit_test_setup(ip_identities, setup),
        cmocka_unit_test_setup(wildcard_and_cn_refused, setup),
        cmocka_unit_test_setup(validity_uses_injected_time, setup),
        cmocka_unit_test_setup(untrusted_ca, setup),
        cmocka_unit_test_setup(weak_rsa_key_refused, setup),
        cmocka_unit_test_setup(oversized_certificate, setup),
        cmocka_unit_test_setup(renegotiation_refused, setup),
        cmocka_unit_test_setup(resumption_is_abbreviated, setup),
        cmocka_unit_test_setup(resumption_binding_comes_from_the_session, setup),
        cmocka_unit_test_setup(truncated_flight_then_eof, setup),
        cmocka_unit_test_setup(garbage_fails_cleanly, setup),
        cmocka_unit_test_setup(tampered_record_fails, setup),
        cmocka_unit_test_setup(older_versions_refused, setup),
        cmocka_unit_test_setup(graceful_close, setup),
        cmocka_unit_test_setup(small_client_buffer, setup),
        cmocka_unit_test_setup(same_seeds_same_bytes, setup),
        cmocka_unit_test_setup(misuse, setup),
        cmocka_unit_test_setup(san_walker_is_total, setup),
        cmocka_unit_test_setup(keylog_line_decrypts_the_session, setup),
        cmocka_unit_test_setup(keylog_event, setup),
        cmocka_unit_test_setup(mutual_tls_ec_and_rsa, setup),
        cmocka_unit_test_setup(client_cert_only_when_asked, setup),
        cmocka_unit_test_setup(mutual_tls_refusals, setup),
        cmocka_unit_test_setup(mutual_tls_does_not_resume, setup),
        cmocka_unit_test_setup(mutual_tls_misuse, setup),
        cmocka_unit_test(bearssl_never_asked_the_os),
    };
    return cmocka_run_group_tests_name("tls", tests, NULL, NULL);
}
