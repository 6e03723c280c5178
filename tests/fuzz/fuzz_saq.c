/*
 * fuzz_saq.c: the SA query protocol (saq.c): its codec, and each role fed hostile plaintext
 * inside a real, mutually authenticated TLS 1.2 session.
 *
 * Input: one selector octet, then the bytes.
 *   selector bit 0   0: the bytes are application data from an authorized HA (a bare TLS
 *                       client with the ha1.example.com certificate) to the HAC's saq server,
 *                       whose HAC holds the SA 0x1001;
 *                    1: application data from the HAC (a bare TLS server that requires the
 *                       HA's certificate) to the HA's saq client, which has a query for SPI
 *                       0x1001 outstanding.
 *   selector bit 1   1: the bytes go out in TLS records of 1 to 16 octets (the length of each
 *                       taken from the bytes themselves), so messages straddle records;
 *                    0: in as few records as possible.
 * Properties, beyond "no crash":
 *   - codec: mip6tls_saq_decode is total over the bytes, read message after message from the
 *     start; what it accepts has a length within the input and encodes back to the same
 *     octets, and every error is in the decode range;
 *   - no role call returns an error: the test port always has the room it promises (a side
 *     that takes fewer octets than offered is offered the rest after the outbox is drained,
 *     and must then make progress);
 *   - HAC side: everything the server sends back decodes, and is an ANSWER or a PONG; a found
 *     ANSWER is for SPI 0x1001 only and carries its record;
 *   - HA side: every SA_INSTALL carries a record that decodes, with the SPI of `conn`; every
 *     SA_FORGET names a valid SPI; the client ends UP or, after a failure, WAIT_RETRY.
 * tests/unit/test_saq.c writes the seed corpus (--write-corpus).
 */
#include <stdint.h>
#include <string.h>

#include "mip6tls/saq.h"
#include "mip6tls/suite.h"
#include "test_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_T0 1000000u
#define FZ_OFFSET (1798761600000ll - (int64_t)FZ_T0) /* 2027-01-01 at FZ_T0 */
#define FZ_SPI 0x1001u
#define FZ_Q (1u << 20)

typedef struct {
    int ready;
    mip6tls_esp_impl impl;
    mip6tls_drbg drbg;
    uint8_t hac_arena[8192], anchor_arena[4096], ha_arena[8192];
    mip6tls_cred hac_cred, anchors, ha_cred;
    mip6tls_tls_config srv_tls, ha_tls;
    mip6tls_hacp_server_cfg pol;
    mip6tls_hac hac;
    mip6tls_hac_session hac_sessions[1];
    uint8_t hac_iobuf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_sa sas[4];
    uint32_t index[8];
    mip6tls_saq_allow allow;
    mip6tls_saq_server_config scfg;
    mip6tls_saq_server srv;
    mip6tls_saq_session sess[1];
    uint8_t srv_iobuf[MIP6TLS_TLS_BUFSIZE];
    uint32_t fresh[8];
    mip6tls_saq_client_config ccfg;
    mip6tls_saq_client cli;
    mip6tls_saq_pending pend[4];
    uint8_t cli_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_tls bare;
    uint8_t bare_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_action acts[256];
    uint8_t arena[4 * MIP6TLS_SAQ_OUTBOX_MIN];
    mip6tls_outbox ob;
    /* bytes in flight, and what the bare peer read */
    uint8_t to_bare[FZ_Q], to_role[FZ_Q], got[FZ_Q];
    size_t n_to_bare, n_to_role, n_got;
    int role_closed, client;
} fz_world;

static fz_world W;

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void fz_put(uint8_t *q, size_t *n, const uint8_t *d, size_t len)
{
    FZ_CHECK(*n + len <= FZ_Q);
    memcpy(q + *n, d, len);
    *n += len;
}

static void fz_eat(uint8_t *q, size_t *n, size_t k)
{
    memmove(q, q + k, *n - k);
    *n -= k;
}

static void fz_once(void)
{
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    mip6tls_sa sa;
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX], seed[32] = {42};
    int n;

    mip6tls_esp_impl_detect(&W.impl);
    mip6tls_drbg_init(&W.drbg, seed, sizeof seed);
    mip6tls_cred_init(&W.hac_cred, W.hac_arena, sizeof W.hac_arena);
    mip6tls_cred_init(&W.anchors, W.anchor_arena, sizeof W.anchor_arena);
    mip6tls_cred_init(&W.ha_cred, W.ha_arena, sizeof W.ha_arena);
    FZ_CHECK(mip6tls_cred_add_chain(&W.hac_cred, (const uint8_t *)tpki_hac_ec_chain_pem,
                                    strlen(tpki_hac_ec_chain_pem)) == 0);
    FZ_CHECK(mip6tls_cred_set_key(&W.hac_cred, (const uint8_t *)tpki_ec_key_pem,
                                  strlen(tpki_ec_key_pem)) == 0);
    FZ_CHECK(mip6tls_cred_add_anchors(&W.anchors, (const uint8_t *)tpki_ca_pem,
                                      strlen(tpki_ca_pem)) == 0);
    FZ_CHECK(mip6tls_cred_add_anchors(&W.ha_cred, (const uint8_t *)tpki_ca_pem,
                                      strlen(tpki_ca_pem)) == 0);
    FZ_CHECK(mip6tls_cred_add_chain(&W.ha_cred, (const uint8_t *)tpki_ha_ec_chain_pem,
                                    strlen(tpki_ha_ec_chain_pem)) == 0);
    FZ_CHECK(mip6tls_cred_set_key(&W.ha_cred, (const uint8_t *)tpki_ha_key_pem,
                                  strlen(tpki_ha_key_pem)) == 0);
    FZ_CHECK(mip6tls_tls_config_server(&W.srv_tls, &W.hac_cred, &W.impl, NULL, 0) == 0);
    FZ_CHECK(mip6tls_tls_config_client_auth(&W.srv_tls, &W.anchors) == 0);
    FZ_CHECK(mip6tls_tls_config_client(&W.ha_tls, &W.ha_cred, &W.impl) == 0);
    FZ_CHECK(mip6tls_tls_config_client_cert(&W.ha_tls, &W.ha_cred) == 0);

    /* A HAC holding one SA, 0x1001 (read back as after a restart). */
    W.pol.methods = MIP6TLS_CTR_AM_PSK;
    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = FZ_OFFSET;
    hc.tls = &W.srv_tls;
    hc.hacp = &W.pol;
    memset(&hs, 0, sizeof hs);
    hs.sessions = W.hac_sessions;
    hs.n_sessions = 1;
    hs.iobufs = W.hac_iobuf;
    hs.sas = W.sas;
    hs.n_sas = 4;
    hs.spi_index = W.index;
    hs.n_index = 8;
    FZ_CHECK(mip6tls_hac_init(&W.hac, FZ_T0, &hc, &W.drbg, &hs) == 0);
    memset(&sa, 0, sizeof sa);
    sa.keys.suite = MIP6TLS_SUITE_AES_128_GCM_SHA256;
    sa.keys.spi = FZ_SPI;
    sa.keys.ekey_len = 20;
    memset(sa.keys.mn_to_ha_ekey, 0x11, 20);
    memset(sa.keys.ha_to_mn_ekey, 0x22, 20);
    sa.validity_end = 1798761600u + 86400;
    sa.scope = MIP6TLS_SAS_ALL;
    mip6tls_addr_set6(&sa.hoa6, (const uint8_t *)"\x20\x01\x0d\xb8\0\1\0\0\0\0\0\0\0\0\1\0");
    n = mip6tls_sa_encode(&sa, rec, sizeof rec);
    FZ_CHECK(n > 0);
    mip6tls_outbox_init(&W.ob, W.acts, 256, W.arena, sizeof W.arena);
    FZ_CHECK(mip6tls_hac_restore_sa(&W.hac, FZ_T0, rec, (size_t)n, &W.ob) == 0);
    mip6tls_outbox_clear(&W.ob);

    W.allow.dns = "ha1.example.com";
    memset(&W.scfg, 0, sizeof W.scfg);
    W.scfg.unix_offset_ms = FZ_OFFSET;
    W.scfg.tls = &W.srv_tls;
    W.scfg.allow = &W.allow;
    W.scfg.n_allow = 1;
    memset(&W.ccfg, 0, sizeof W.ccfg);
    W.ccfg.unix_offset_ms = FZ_OFFSET;
    W.ccfg.tls = &W.ha_tls;
    W.ccfg.peer.dns = "hac.example.com";
    W.ccfg.hac.addr.family = MIP6TLS_AF_INET6;
    W.ccfg.hac.addr.bytes[0] = 0x20, W.ccfg.hac.addr.bytes[1] = 0x01;
    W.ccfg.hac.addr.bytes[2] = 0x0d, W.ccfg.hac.addr.bytes[3] = 0xb8;
    W.ccfg.hac.addr.bytes[15] = 1;
    W.ccfg.hac.port = 7873;
    W.ccfg.tls_buf = W.cli_buf;
    W.ccfg.tls_buf_len = sizeof W.cli_buf;
    W.ccfg.pending = W.pend;
    W.ccfg.n_pending = 4;
    W.ready = 1;
}

/* Reads what the bare peer received (the HAC side: the server's messages) and checks it. */
static void fz_bare_read(void)
{
    const uint8_t *p;
    size_t n, used;
    mip6tls_saq_msg m;
    while ((p = mip6tls_tls_read_app(&W.bare, &n)) != NULL && n > 0) {
        fz_put(W.got, &W.n_got, p, n);
        mip6tls_tls_read_app_done(&W.bare, n);
    }
    if (W.client) {
        W.n_got = 0; /* the client's queries and pings: not under test here */
        return;
    }
    for (;;) {
        int rc = mip6tls_saq_decode(&m, W.got, W.n_got, &used);
        if (rc == MIP6TLS_ERR_TRUNCATED)
            return;
        FZ_CHECK(rc == 0); /* the server only sends what decodes */
        FZ_CHECK(m.type == MIP6TLS_SAQ_ANSWER || m.type == MIP6TLS_SAQ_PONG);
        if (m.type == MIP6TLS_SAQ_ANSWER && m.status == MIP6TLS_SAQ_ST_FOUND)
            FZ_CHECK(m.spi == FZ_SPI && m.rec_len > 0);
        fz_eat(W.got, &W.n_got, used);
    }
}

/* Performs the role's actions. */
static void fz_drain(void)
{
    size_t i;
    for (i = 0; i < W.ob.n; i++) {
        const mip6tls_action *a = &W.acts[i];
        mip6tls_sa sa;
        switch (a->type) {
        case MIP6TLS_ACT_TCP_SEND:
            if (!W.role_closed)
                fz_put(W.to_bare, &W.n_to_bare, a->data, a->len);
            break;
        case MIP6TLS_ACT_TCP_CLOSE: W.role_closed = 1; break;
        case MIP6TLS_ACT_SA_INSTALL:
            FZ_CHECK(W.client);
            FZ_CHECK(mip6tls_sa_decode(&sa, a->data, a->len) == 0);
            FZ_CHECK(sa.keys.spi == a->conn && a->arg <= 1);
            break;
        case MIP6TLS_ACT_SA_FORGET:
            FZ_CHECK(W.client && a->conn >= 1 && a->conn <= 0x0FFFFFFFu);
            break;
        case MIP6TLS_ACT_EVENT:
        case MIP6TLS_ACT_TCP_CONNECT: break;
        default: __builtin_trap();
        }
    }
    mip6tls_outbox_clear(&W.ob);
}

static uint64_t fz_deadline(void)
{
    return W.client ? mip6tls_saq_client_next_deadline(&W.cli)
                    : mip6tls_saq_server_next_deadline(&W.srv);
}

/* Moves bytes both ways until nothing moves. */
static void fz_pump(void)
{
    int round, idle = 0;
    for (round = 0; round < 1000000 && idle < 3; round++) {
        const uint8_t *p;
        size_t n;
        int progress = 0, took;
        while ((p = mip6tls_tls_send_ct(&W.bare, &n)) != NULL && n > 0) {
            if (!W.role_closed)
                fz_put(W.to_role, &W.n_to_role, p, n);
            mip6tls_tls_send_ct_done(&W.bare, n);
            progress = 1;
        }
        if (W.role_closed)
            W.n_to_role = 0;
        if (W.n_to_role > 0) {
            took =
                W.client
                    ? mip6tls_saq_client_tcp_recv(&W.cli, FZ_T0, 1, W.to_role, W.n_to_role, &W.ob)
                    : mip6tls_saq_server_tcp_recv(&W.srv, FZ_T0, 1, W.to_role, W.n_to_role, &W.ob);
            FZ_CHECK(took >= 0 && (size_t)took <= W.n_to_role);
            fz_eat(W.to_role, &W.n_to_role, (size_t)took);
            progress |= took > 0 || W.ob.n > 0;
            fz_drain();
        }
        if (fz_deadline() <= FZ_T0) { /* messages held for room: the port's timer */
            FZ_CHECK((W.client ? mip6tls_saq_client_tick(&W.cli, FZ_T0, &W.ob)
                               : mip6tls_saq_server_tick(&W.srv, FZ_T0, &W.ob)) == 0);
            progress |= W.ob.n > 0;
            fz_drain();
        }
        if (W.n_to_bare > 0) {
            took = mip6tls_tls_recv_ct(&W.bare, W.to_bare, W.n_to_bare);
            if (took < 0)
                W.n_to_bare = 0; /* the bare peer gave up: what it has not read is lost */
            else
                fz_eat(W.to_bare, &W.n_to_bare, (size_t)took);
            progress |= took != 0;
        }
        fz_bare_read();
        idle = progress ? 0 : idle + 1;
    }
    /* a side that took fewer octets than offered makes progress once drained */
    FZ_CHECK(W.role_closed || W.n_to_role == 0 ||
             mip6tls_tls_get_state(&W.bare) != MIP6TLS_TLS_OPEN);
}

static void fz_codec(const uint8_t *d, size_t n)
{
    uint8_t again[MIP6TLS_SAQ_MSG_MAX];
    size_t off = 0, used;
    mip6tls_saq_msg m;
    while (off < n) {
        int rc = mip6tls_saq_decode(&m, d + off, n - off, &used), k;
        if (rc != 0) {
            FZ_CHECK(rc < 0 && !MIP6TLS_ERR_IS_MISUSE(rc));
            return;
        }
        FZ_CHECK(used >= MIP6TLS_SAQ_HDR_LEN && used <= n - off && used <= MIP6TLS_SAQ_MSG_MAX);
        k = mip6tls_saq_encode(&m, again, sizeof again);
        FZ_CHECK(k > 0 && (size_t)k == used && memcmp(again, d + off, used) == 0);
        off += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mip6tls_endpoint peer;
    mip6tls_tls_peer none;
    size_t off = 0;
    int split, guard = 0;
    uint64_t unix_s = (uint64_t)(((int64_t)FZ_T0 + FZ_OFFSET) / 1000);

    if (size < 1)
        return 0;
    if (!W.ready)
        fz_once();
    W.client = data[0] & 1;
    split = (data[0] & 2) != 0;
    data++;
    size--;
    fz_codec(data, size);

    W.n_to_bare = W.n_to_role = W.n_got = 0;
    W.role_closed = 0;
    mip6tls_outbox_clear(&W.ob);
    memset(&peer, 0, sizeof peer);
    peer.addr.family = MIP6TLS_AF_INET6;
    if (W.client) {
        FZ_CHECK(mip6tls_saq_client_init(&W.cli, &W.ccfg, &W.drbg) == 0);
        FZ_CHECK(mip6tls_saq_client_start(&W.cli, FZ_T0, &W.ob) == 0);
        FZ_CHECK(mip6tls_saq_client_query(&W.cli, FZ_T0, FZ_SPI, &W.ob) == 0);
        fz_drain();
        FZ_CHECK(mip6tls_tls_server_init_at(&W.bare, &W.srv_tls, &W.drbg, unix_s, W.bare_buf,
                                            sizeof W.bare_buf) == 0);
        FZ_CHECK(mip6tls_saq_client_tcp_connected(&W.cli, FZ_T0, 1, &W.ob) == 0);
        fz_drain();
    } else {
        mip6tls_saq_server_storage st;
        memset(&st, 0, sizeof st);
        st.sessions = W.sess;
        st.n_sessions = 1;
        st.iobufs = W.srv_iobuf;
        st.fresh = W.fresh;
        st.n_fresh = 8;
        FZ_CHECK(mip6tls_saq_server_init(&W.srv, &W.scfg, &W.hac, &W.drbg, &st) == 0);
        memset(&none, 0, sizeof none);
        none.dns = "hac.example.com";
        FZ_CHECK(mip6tls_tls_client_init(&W.bare, &W.ha_tls, &W.drbg, unix_s, &none, NULL,
                                         W.bare_buf, sizeof W.bare_buf) == 0);
        FZ_CHECK(mip6tls_saq_server_tcp_accept(&W.srv, FZ_T0, 1, &peer, &W.ob) == 0);
        fz_drain();
    }
    fz_pump(); /* the handshake */
    FZ_CHECK(mip6tls_tls_get_state(&W.bare) == MIP6TLS_TLS_OPEN);
    FZ_CHECK(W.client ? mip6tls_saq_client_get_state(&W.cli) == MIP6TLS_SAQ_C_UP
                      : mip6tls_saq_server_ha_count(&W.srv) == 1);

    while (off < size && guard++ < 100000) {
        size_t chunk = size - off;
        int n;
        if (split && (size_t)(1 + (data[off] & 15)) < chunk)
            chunk = (size_t)(1 + (data[off] & 15));
        n = mip6tls_tls_write_app(&W.bare, data + off, chunk);
        if (n == MIP6TLS_ERR_NOBUF) {
            fz_pump();
            continue;
        }
        if (n < 0)
            break; /* the role ended the session */
        off += (size_t)n;
        if (split && mip6tls_tls_flush(&W.bare) != 0)
            break;
    }
    if (mip6tls_tls_get_state(&W.bare) == MIP6TLS_TLS_OPEN)
        (void)mip6tls_tls_flush(&W.bare);
    fz_pump();

    if (W.client) {
        mip6tls_saq_client_state st = mip6tls_saq_client_get_state(&W.cli);
        FZ_CHECK(st == MIP6TLS_SAQ_C_UP || st == MIP6TLS_SAQ_C_WAIT_RETRY);
        FZ_CHECK(W.role_closed == (st == MIP6TLS_SAQ_C_WAIT_RETRY));
    } else {
        FZ_CHECK(W.role_closed == (mip6tls_saq_server_session_count(&W.srv) == 0));
    }
    return 0;
}
