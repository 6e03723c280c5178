/*
 * test_hacp.c: the MN<->HAC exchange (hacp.c): a real MN engine and a real HAC engine pumped
 * against each other in memory (no TLS: both get the same fixed CB octets, or different ones
 * to play a MITM with another certificate), and hand-made or altered messages for what a real
 * peer never sends.
 *
 *   test_hacp                      runs the tests
 *   test_hacp --write-corpus DIR   writes the fuzz_hacp seed corpus into DIR and exits
 *
 * Known answers for the EAP methods are in test_eap.c (vectors from
 * tests/vectors/gen_gpsk_vectors.py); here the exchange is checked against them end to end:
 * the MHAuth-Done messages of an EAP-GPSK run verify with the MSK that mip6tls_gpsk_derive
 * (known-answer tested) gives for the GPSK-1/GPSK-2 fields seen on the wire, the other
 * messages with the octet 0x31; an EAP-MD5 run's Response value equals BearSSL's own MD5 of
 * Identifier || secret || challenge as seen on the wire.
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
#include "mip6tls/container.h"
#include "mip6tls/eap.h"
#include "mip6tls/hacp.h"
#include "mip6tls/suite.h"
#include "testutil.h"

/* The fuzz target's fixture, for --write-corpus and the seed test (one source of truth). */
#include "../fuzz/fuzz_hacp.c"

#define NAI "mn1@example.net"
#define MSG MIP6TLS_HACP_MSG_MAX

static const uint8_t cb_a[32] = {0x6d, 0x7a, 0xbf, 0x81, 0x27, 0xc3, 0x95, 0x40, 0x1f, 0xb5, 0x1e,
                                 0xfa, 0xe0, 0xb6, 0x9d, 0x93, 0x16, 0xa6, 0xeb, 0xca, 0xa3, 0x31,
                                 0xcc, 0xa8, 0x37, 0x7e, 0x2f, 0x14, 0xda, 0xfe, 0x3d, 0x77};
static const uint8_t cb_b[32] = {0x01}; /* another certificate's binding */
static const uint8_t psk[] = "mip6tls-test-psk-0123456789abcdef"; /* 33 octets */
static const uint8_t md5_secret[] = "md5-secret";

/* ---- the pump ------------------------------------------------------------------------------ */

typedef struct {
    mip6tls_drbg dm, dh;
    mip6tls_hacp_server_cfg scfg;
    mip6tls_hacp_client_cfg ccfg;
    mip6tls_hacp_server s;
    mip6tls_hacp_client c;
    const uint8_t *scb, *ccb; /* channel bindings of each side */
    const char *known;        /* the one mn-id the HAC's key store holds */
    const uint8_t *hac_key;   /* its key */
    size_t hac_key_len;
    mip6tls_sa sa; /* what the HAC's caller provided */
    uint8_t req[MSG], resp[MSG];
    size_t req_len, resp_len;
    int exchanges;            /* responses the HAC produced */
    int server_rc, client_rc; /* the last results */
    int need_key, need_sa;    /* how often the HAC asked */
    /* every message in order, for inspection and the corpus */
    uint8_t log[16][MSG];
    size_t log_len[16];
    int n_log;
} pump;

static void pump_init(pump *p, unsigned c_methods, uint64_t seed)
{
    uint8_t s[32];
    memset(p, 0, sizeof *p);
    tu_fill(s, sizeof s, seed);
    assert_int_equal(mip6tls_drbg_init(&p->dm, s, sizeof s), 0);
    tu_fill(s, sizeof s, seed + 1000);
    assert_int_equal(mip6tls_drbg_init(&p->dh, s, sizeof s), 0);
    p->scfg.methods = MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP;
    p->ccfg.nai = NAI;
    p->ccfg.nai_len = strlen(NAI);
    p->ccfg.methods = c_methods;
    p->ccfg.psk = psk;
    p->ccfg.psk_len = sizeof psk - 1;
    p->ccfg.eap.key = psk;
    p->ccfg.eap.key_len = sizeof psk - 1;
    p->ccfg.scope = MIP6TLS_SAS_ALL;
    p->scb = p->ccb = cb_a;
    p->known = NAI;
    p->hac_key = psk;
    p->hac_key_len = sizeof psk - 1;
}

static void pump_start(pump *p)
{
    assert_int_equal(mip6tls_hacp_server_init(&p->s, &p->scfg, &p->dh, p->scb, 32), 0);
    assert_int_equal(mip6tls_hacp_client_init(&p->c, &p->ccfg, &p->dm, p->ccb, 32), 0);
    assert_int_equal(mip6tls_hacp_client_start(&p->c, p->req, sizeof p->req, &p->req_len), 0);
}

static void pump_log(pump *p, const uint8_t *m, size_t len)
{
    assert_true(p->n_log < 16);
    memcpy(p->log[p->n_log], m, len);
    p->log_len[p->n_log++] = len;
}

/* The SA a HAC's caller provides: unique keys from a DRBG, every §5.7 field. */
static void make_sa(mip6tls_sa *sa, const mip6tls_hacp_server *s, uint64_t seed)
{
    const mip6tls_suite_info *info = mip6tls_suite_find(mip6tls_hacp_server_selected_suite(s));
    size_t n;
    const char *id = mip6tls_hacp_server_peer_id(s, &n);
    assert_non_null(info);
    memset(sa, 0, sizeof *sa);
    sa->keys.suite = info->code;
    sa->keys.spi = 0x0ABCDEF;
    sa->keys.ekey_len = info->ekey_len;
    sa->keys.ikey_len = info->ikey_len;
    tu_fill(sa->keys.mn_to_ha_ekey, info->ekey_len, seed);
    tu_fill(sa->keys.ha_to_mn_ekey, info->ekey_len, seed + 1);
    tu_fill(sa->keys.mn_to_ha_ikey, info->ikey_len, seed + 2);
    tu_fill(sa->keys.ha_to_mn_ikey, info->ikey_len, seed + 3);
    sa->validity_end = 2000000000u; /* Wed, 18 May 2033 03:33:20 GMT */
    sa->scope = (uint8_t)mip6tls_hacp_server_selected_scope(s);
    assert_int_equal(mip6tls_addr_parse(&sa->ha6, "2001:db8::1", 11), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->ha4, "192.0.2.1", 9), 0);
    sa->port = 4433;
    assert_int_equal(mip6tls_addr_parse(&sa->hoa6, "2001:db8:1::100", 15), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hoa4, "198.51.100.10", 13), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hnp6, "2001:db8:1::", 12), 0);
    sa->hnp6_len = 64;
    assert_int_equal(mip6tls_addr_parse(&sa->hnp4, "198.51.100.0", 12), 0);
    sa->hnp4_len = 24;
    assert_int_equal(mip6tls_addr_parse(&sa->dns6[0], "2001:db8::53", 12), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->dns6[1], "2001:db8::54", 12), 0);
    sa->n_dns6 = 2;
    assert_int_equal(mip6tls_addr_parse(&sa->dns4[0], "192.0.2.53", 10), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->dns4[1], "192.0.2.54", 10), 0);
    sa->n_dns4 = 2;
    memcpy(sa->mn_id, id, n);
    sa->mn_id_len = (uint8_t)n;
    assert_int_equal(mip6tls_sa_check(sa), 0);
}

/* The HAC answers p->req: it looks up keys (p->known / p->hac_key) and provisions p->sa. */
static int pump_server(pump *p)
{
    size_t n;
    const char *id;
    int rc = mip6tls_hacp_server_input(&p->s, 0, p->req, p->req_len, p->resp, sizeof p->resp,
                                       &p->resp_len);
    if (rc == MIP6TLS_HACP_NEED_KEY) {
        p->need_key++;
        assert_int_equal(p->resp_len, 0);
        assert_int_not_equal(mip6tls_hacp_server_key_kind(&p->s), MIP6TLS_HACP_KEY_NONE);
        id = mip6tls_hacp_server_peer_id(&p->s, &n);
        if (p->known != NULL && n == strlen(p->known) && memcmp(id, p->known, n) == 0)
            rc = mip6tls_hacp_server_set_key(&p->s, 0, p->hac_key, p->hac_key_len, p->resp,
                                             sizeof p->resp, &p->resp_len);
        else
            rc =
                mip6tls_hacp_server_reject_unknown(&p->s, 0, p->resp, sizeof p->resp, &p->resp_len);
    }
    if (rc == MIP6TLS_HACP_NEED_SA) {
        p->need_sa++;
        make_sa(&p->sa, &p->s, 77);
        rc = mip6tls_hacp_server_set_sa(&p->s, 0, &p->sa, p->resp, sizeof p->resp, &p->resp_len);
    }
    p->server_rc = rc;
    if (rc == MIP6TLS_HACP_RESPOND || rc == MIP6TLS_HACP_RESPOND_AND_CLOSE) {
        p->exchanges++;
        pump_log(p, p->resp, p->resp_len);
    }
    return rc;
}

/* Runs the exchange to its end; returns the MN's last result. */
static int pump_run(pump *p)
{
    int rc;
    pump_start(p);
    pump_log(p, p->req, p->req_len);
    for (;;) {
        rc = pump_server(p);
        if (rc != MIP6TLS_HACP_RESPOND && rc != MIP6TLS_HACP_RESPOND_AND_CLOSE)
            return p->client_rc = rc; /* the HAC closed without an answer */
        rc = mip6tls_hacp_client_input(&p->c, 0, p->resp, p->resp_len, p->req, sizeof p->req,
                                       &p->req_len);
        p->client_rc = rc;
        if (rc != MIP6TLS_HACP_SEND)
            return rc;
        /* lockstep: the MN never sends after the HAC's final response */
        assert_int_equal(p->server_rc, MIP6TLS_HACP_RESPOND);
        pump_log(p, p->req, p->req_len);
    }
}

/* Every field of the two SAs, then the whole records. */
static void assert_sa_equal(const mip6tls_sa *a, const mip6tls_sa *b)
{
    uint8_t ea[MIP6TLS_SA_ENCODED_MAX], eb[MIP6TLS_SA_ENCODED_MAX];
    int na, nb, i;
    assert_int_equal(a->keys.suite, b->keys.suite);
    assert_int_equal(a->keys.spi, b->keys.spi);
    assert_int_equal(a->keys.ekey_len, b->keys.ekey_len);
    assert_int_equal(a->keys.ikey_len, b->keys.ikey_len);
    assert_memory_equal(a->keys.mn_to_ha_ekey, b->keys.mn_to_ha_ekey, a->keys.ekey_len);
    assert_memory_equal(a->keys.ha_to_mn_ekey, b->keys.ha_to_mn_ekey, a->keys.ekey_len);
    assert_memory_equal(a->keys.mn_to_ha_ikey, b->keys.mn_to_ha_ikey, a->keys.ikey_len);
    assert_memory_equal(a->keys.ha_to_mn_ikey, b->keys.ha_to_mn_ikey, a->keys.ikey_len);
    assert_int_equal(a->validity_end, b->validity_end);
    assert_int_equal(a->scope, b->scope);
    assert_true(mip6tls_addr_eq(&a->ha6, &b->ha6));
    assert_true(mip6tls_addr_eq(&a->ha4, &b->ha4));
    assert_int_equal(a->port, b->port);
    assert_true(mip6tls_addr_eq(&a->hoa6, &b->hoa6));
    assert_true(mip6tls_addr_eq(&a->hoa4, &b->hoa4));
    assert_true(mip6tls_addr_eq(&a->hnp6, &b->hnp6));
    assert_true(mip6tls_addr_eq(&a->hnp4, &b->hnp4));
    assert_int_equal(a->hnp6_len, b->hnp6_len);
    assert_int_equal(a->hnp4_len, b->hnp4_len);
    assert_int_equal(a->n_dns6, b->n_dns6);
    assert_int_equal(a->n_dns4, b->n_dns4);
    for (i = 0; i < a->n_dns6; i++)
        assert_true(mip6tls_addr_eq(&a->dns6[i], &b->dns6[i]));
    for (i = 0; i < a->n_dns4; i++)
        assert_true(mip6tls_addr_eq(&a->dns4[i], &b->dns4[i]));
    assert_int_equal(a->mn_id_len, b->mn_id_len);
    assert_memory_equal(a->mn_id, b->mn_id, a->mn_id_len);
    na = mip6tls_sa_encode(a, ea, sizeof ea);
    nb = mip6tls_sa_encode(b, eb, sizeof eb);
    assert_true(na > 0);
    assert_int_equal(na, nb);
    assert_memory_equal(ea, eb, (size_t)na);
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *q = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (q[i] != 0)
            return 0;
    return 1;
}

static void decode_ok(mip6tls_ctr_msg *m, const uint8_t *b, size_t len)
{
    assert_int_equal(mip6tls_ctr_decode(m, b, len), 0);
}

/* ---- PSK (§5.8) ---------------------------------------------------------------------------- */

static void psk_success(void **state)
{
    pump p;
    const mip6tls_sa *sa;
    mip6tls_ctr_msg m;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 1);
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    assert_int_equal(p.server_rc, MIP6TLS_HACP_RESPOND_AND_CLOSE);
    /* §5.8 Figure 4: two request/response exchanges */
    assert_int_equal(p.exchanges, 2);
    assert_int_equal(p.n_log, 4);
    assert_int_equal(mip6tls_hacp_client_exchanges(&p.c), 2);
    assert_int_equal(mip6tls_hacp_server_exchanges(&p.s), 2);
    assert_int_equal(p.need_key, 1);
    assert_int_equal(p.need_sa, 1);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 200);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), 0);
    assert_int_equal(mip6tls_hacp_server_method(&p.s), MIP6TLS_CTR_AM_PSK);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 200);
    sa = mip6tls_hacp_client_sa(&p.c);
    assert_non_null(sa);
    assert_int_equal(mip6tls_sa_check(sa), 0);
    assert_sa_equal(sa, &p.sa);
    /* AEAD first when both list it (decisions/0008) */
    assert_int_equal(sa->keys.suite, MIP6TLS_SUITE_AES_128_GCM_SHA256);
    assert_int_equal(sa->keys.ikey_len, 0);
    assert_int_equal(sa->scope, MIP6TLS_SAS_ALL);
    assert_int_equal(mip6tls_hacp_server_proposed_scope(&p.s), MIP6TLS_SAS_ALL);

    /* the messages carry what §5.8 lists, keyed with the PSK, Identifiers 1, 1, 2, 2 */
    decode_ok(&m, p.log[0], p.log_len[0]);
    assert_int_equal(m.id, 1);
    assert_int_equal(m.present, MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_ID) |
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_RAND) |
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH_METHOD));
    decode_ok(&m, p.log[1], p.log_len[1]);
    assert_int_equal(m.id, 1);
    assert_int_equal(m.auth_methods, MIP6TLS_CTR_AM_PSK);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32), 0);
    decode_ok(&m, p.log[2], p.log_len[2]);
    assert_int_equal(m.id, 2);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_MN, cb_a, 32),
                     0);
    assert_int_equal(m.n_suites, 7); /* every suite this build implements, AEAD first */
    assert_int_equal(m.suites[0], MIP6TLS_SUITE_AES_128_GCM_SHA256);
    decode_ok(&m, p.log[3], p.log_len[3]);
    assert_int_equal(m.id, 2);
    assert_int_equal(m.status, 200);
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_RAND));
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_HAC_RAND));
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32), 0);

    /* the session's secrets are gone on both sides */
    assert_true(all_zero(p.s.key, sizeof p.s.key));
    assert_true(all_zero(&p.c.eap, sizeof p.c.eap));
    mip6tls_hacp_client_wipe(&p.c);
    assert_true(all_zero(&p.c, sizeof p.c));
}

static void psk_known_fields_absent(void **state)
{
    /* an SA without the optional fields: no ha4, no port (7872 implied, §5.7.2), no DNS */
    pump p;
    mip6tls_sa sa;
    const mip6tls_sa *got;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 2);
    pump_start(&p);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_NEED_KEY);
    assert_int_equal(
        mip6tls_hacp_server_set_key(&p.s, 0, psk, sizeof psk - 1, p.resp, MSG, &p.resp_len),
        MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_NEED_SA);
    make_sa(&sa, &p.s, 5);
    memset(&sa.ha4, 0, sizeof sa.ha4);
    memset(&sa.hoa6, 0, sizeof sa.hoa6);
    memset(&sa.hnp6, 0, sizeof sa.hnp6);
    sa.hnp6_len = 0;
    sa.port = 0;
    sa.n_dns6 = sa.n_dns4 = 0;
    memset(sa.dns6, 0, sizeof sa.dns6);
    memset(sa.dns4, 0, sizeof sa.dns4);
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_DONE);
    got = mip6tls_hacp_client_sa(&p.c);
    assert_sa_equal(got, &sa);
    assert_int_equal(mip6tls_sa_port(got), 7872);
}

/* ---- ciphersuites and scope (decisions/0054) ---------------------------------------------- */

static uint16_t run_suites(const uint16_t *mn, size_t n_mn, const uint16_t *hac, size_t n_hac,
                           int *client_rc, unsigned *status)
{
    pump p;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 10 + n_mn);
    p.ccfg.suites = mn;
    p.ccfg.n_suites = n_mn;
    p.scfg.suites = hac;
    p.scfg.n_suites = n_hac;
    *client_rc = pump_run(&p);
    *status = mip6tls_hacp_client_status(&p.c);
    if (*client_rc != MIP6TLS_HACP_DONE)
        return 0;
    assert_sa_equal(mip6tls_hacp_client_sa(&p.c), &p.sa);
    return mip6tls_hacp_client_sa(&p.c)->keys.suite;
}

static void suite_negotiation(void **state)
{
    static const uint16_t rfc_only[2] = {MIP6TLS_SUITE_AES_128_CBC_SHA256,
                                         MIP6TLS_SUITE_AES_128_CBC_SHA};
    static const uint16_t chacha_rfc[2] = {MIP6TLS_SUITE_AES_128_CBC_SHA,
                                           MIP6TLS_SUITE_CHACHA20_POLY1305};
    static const uint16_t null_only[1] = {MIP6TLS_SUITE_NULL_SHA};
    static const uint16_t hac_null[2] = {MIP6TLS_SUITE_AES_128_CBC_SHA, MIP6TLS_SUITE_NULL_SHA};
    static const uint16_t hac_3des[1] = {MIP6TLS_SUITE_3DES_EDE_CBC_SHA};
    int rc;
    unsigned st;
    (void)state;
    /* the MN lists only RFC 6618 suites: the HAC's first choice among them (its order) */
    assert_int_equal(run_suites(rfc_only, 2, NULL, 0, &rc, &st), MIP6TLS_SUITE_AES_128_CBC_SHA);
    /* AEAD listed: chosen before the CBC suites whatever the MN's order */
    assert_int_equal(run_suites(chacha_rfc, 2, NULL, 0, &rc, &st), MIP6TLS_SUITE_CHACHA20_POLY1305);
    /* NULL encryption is not in the default policy (DESIGN interp. 8): no common suite ->
     * 501 Not Implemented, close (decisions/0053) */
    assert_int_equal(run_suites(null_only, 1, NULL, 0, &rc, &st), 0);
    assert_int_equal(rc, MIP6TLS_HACP_FAILED);
    assert_int_equal(st, 501);
    /* a policy that allows NULL: chosen, and the SA carries no ekeys */
    assert_int_equal(run_suites(null_only, 1, hac_null, 2, &rc, &st), MIP6TLS_SUITE_NULL_SHA);
    /* a policy with a suite the MN did not list */
    assert_int_equal(run_suites(rfc_only, 2, hac_3des, 1, &rc, &st), 0);
    assert_int_equal(st, 501);
}

static void suite_and_scope_checked(void **state)
{
    pump p;
    mip6tls_sa sa;
    mip6tls_hacp_server before;
    size_t n;
    const uint16_t *list;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 20);
    p.scfg.scopes = MIP6TLS_HACP_SCOPE_BIT(MIP6TLS_SAS_SIGNALING); /* the HAC mandates 0 */
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_NEED_SA);
    assert_int_equal(mip6tls_hacp_server_proposed_scope(&p.s), MIP6TLS_SAS_ALL);
    assert_int_equal(mip6tls_hacp_server_selected_scope(&p.s), MIP6TLS_SAS_SIGNALING);
    list = mip6tls_hacp_server_mn_suites(&p.s, &n);
    assert_int_equal(n, 7);
    assert_int_equal(list[0], MIP6TLS_SUITE_AES_128_GCM_SHA256);
    make_sa(&sa, &p.s, 9);
    before = p.s;

    /* misuse: each refused without a change */
    sa.scope = MIP6TLS_SAS_ALL; /* not allowed by the policy */
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_ARG);
    sa.scope = MIP6TLS_SAS_SIGNALING;
    sa.mn_id[0] = 'x'; /* another MN's SA */
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_ARG);
    sa.mn_id[0] = 'm';
    sa.keys.ekey_len = 16; /* not the suite's length */
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_KEYLEN);
    sa.keys.ekey_len = 20;
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, 100, &p.resp_len),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_hacp_server_refuse(&p.s, 0, 200, 0, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_STATE); /* lockstep: the HAC owes a response */
    assert_memory_equal(&before, &p.s, sizeof before);
    /* a suite the MN did not list: §5.8 MUST */
    {
        pump q;
        static const uint16_t mn[1] = {MIP6TLS_SUITE_AES_128_CBC_SHA};
        mip6tls_sa sb;
        pump_init(&q, MIP6TLS_CTR_AM_PSK, 21);
        q.ccfg.suites = mn;
        q.ccfg.n_suites = 1;
        pump_start(&q);
        assert_int_equal(pump_server(&q), MIP6TLS_HACP_RESPOND);
        assert_int_equal(
            mip6tls_hacp_client_input(&q.c, 0, q.resp, q.resp_len, q.req, MSG, &q.req_len),
            MIP6TLS_HACP_SEND);
        assert_int_equal(
            mip6tls_hacp_server_input(&q.s, 0, q.req, q.req_len, q.resp, MSG, &q.resp_len),
            MIP6TLS_HACP_NEED_SA);
        make_sa(&sb, &q.s, 3);
        sb.keys.suite = MIP6TLS_SUITE_AES_128_CBC_SHA256; /* same key lengths, not listed */
        sb.keys.ikey_len = 16;
        assert_int_equal(mip6tls_hacp_server_set_sa(&q.s, 0, &sb, q.resp, MSG, &q.resp_len),
                         MIP6TLS_ERR_SUITE);
        assert_int_equal(mip6tls_hacp_server_get_state(&q.s), MIP6TLS_HACP_S_WAIT_SA);
    }

    /* the scope the HAC mandates reaches the MN, which accepts either by default */
    assert_int_equal(mip6tls_hacp_server_set_sa(&p.s, 0, &sa, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    {
        mip6tls_hacp_client strict = p.c;
        mip6tls_hacp_client_cfg scfg = p.ccfg;
        assert_int_equal(
            mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
            MIP6TLS_HACP_DONE);
        assert_int_equal(mip6tls_hacp_client_sa(&p.c)->scope, MIP6TLS_SAS_SIGNALING);
        /* an MN that accepts only scope 1 refuses the SA */
        scfg.accept_scopes = MIP6TLS_HACP_SCOPE_BIT(MIP6TLS_SAS_ALL);
        strict.cfg = &scfg;
        assert_int_equal(
            mip6tls_hacp_client_input(&strict, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
            MIP6TLS_ERR_POLICY);
        assert_null(mip6tls_hacp_client_sa(&strict));
    }
}

static void refuse_with_retry_after(void **state)
{
    pump p;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 22);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_NEED_SA);
    /* no free SPI: 503 and a retry-after (§5.5.6) */
    assert_int_equal(
        mip6tls_hacp_server_refuse(&p.s, 0, 503, 2000000000u, p.resp, MSG, &p.resp_len),
        MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 503);
    {
        /* auth is optional on a failure, but one that is there must verify (0053 §3); and no
         * single-octet change makes a failure anything but a failure or an error */
        mip6tls_hacp_client c2 = p.c;
        uint8_t b[MSG], out[MSG];
        size_t i, out_len;
        memcpy(b, p.resp, p.resp_len);
        b[p.resp_len - 5] ^= 1; /* a hex digit of auth */
        assert_int_equal(mip6tls_hacp_client_input(&c2, 0, b, p.resp_len, out, MSG, &out_len),
                         MIP6TLS_ERR_AUTH);
        for (i = 0; i < p.resp_len; i++) {
            int rc;
            c2 = p.c;
            memcpy(b, p.resp, p.resp_len);
            b[i] ^= 1;
            rc = mip6tls_hacp_client_input(&c2, 0, b, p.resp_len, out, MSG, &out_len);
            assert_true(rc < 0 || rc == MIP6TLS_HACP_FAILED);
            assert_null(mip6tls_hacp_client_sa(&c2));
        }
    }
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 503);
    assert_int_equal(mip6tls_hacp_client_retry_after(&p.c), 2000000000u);
    assert_null(mip6tls_hacp_client_sa(&p.c));
    assert_string_equal(mip6tls_hacp_status_text(503), "Service Unavailable");
}

/* ---- authentication failures ------------------------------------------------------------ */

static void psk_wrong_key(void **state)
{
    pump p;
    static const uint8_t other[] = "mip6tls-test-psk-0123456789abcdeX";
    mip6tls_ctr_msg m;
    mip6tls_ctr_builder b;
    uint8_t forged[MSG], sent[MSG];
    size_t sent_len;
    int n;
    (void)state;

    /* The MN's PSK differs from the HAC's: the HAC's first response carries auth(PSK), so the
     * MN finds out first and stops before it sends a MAC of its own (decisions/0050). */
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 30);
    p.ccfg.psk = other;
    assert_int_equal(pump_run(&p), MIP6TLS_ERR_AUTH);
    assert_int_equal(p.exchanges, 1);
    assert_int_equal(mip6tls_hacp_client_get_state(&p.c), MIP6TLS_HACP_C_FAILED);
    assert_int_equal(mip6tls_hacp_client_error(&p.c), MIP6TLS_ERR_AUTH);
    assert_null(mip6tls_hacp_client_sa(&p.c));

    /* The HAC's side: an MHAuth-Done whose auth was made with another key gets 401 + close.
     * (A real MN with that key never gets this far: it is forged from the real one.) */
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 31);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    decode_ok(&m, p.req, p.req_len);
    mip6tls_ctr_build_init(&b, forged, sizeof forged, m.id);
    mip6tls_ctr_put_mn_rand(&b, m.mn_rand);
    mip6tls_ctr_put_hac_rand(&b, m.hac_rand);
    mip6tls_ctr_put_sas(&b, m.sas);
    mip6tls_ctr_put_suitelist(&b, m.suites, m.n_suites);
    n = mip6tls_ctr_finish_auth(&b, other, sizeof other - 1, MIP6TLS_CTR_DIR_MN, cb_a, 32);
    assert_true(n > 0);
    {
        mip6tls_hacp_server s2 = p.s;
        assert_int_equal(
            mip6tls_hacp_server_input(&s2, 0, forged, (size_t)n, p.resp, MSG, &p.resp_len),
            MIP6TLS_HACP_RESPOND_AND_CLOSE);
        assert_int_equal(mip6tls_hacp_server_status(&s2), 401);
        assert_int_equal(mip6tls_hacp_server_error(&s2), MIP6TLS_ERR_AUTH);
        assert_true(all_zero(s2.key, sizeof s2.key));
        decode_ok(&m, p.resp, p.resp_len);
        assert_int_equal(m.status, 401);
        assert_int_equal(
            mip6tls_ctr_auth_verify(&m, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32),
            0); /* the HAC still proves it is the HAC */
    }
    /* the real MN whose MHAuth-Done arrives damaged (a bit of its auth) gets the 401 */
    memcpy(sent, p.req, p.req_len);
    sent_len = p.req_len;
    sent[sent_len - 5] ^= 1; /* a hex digit of auth ('0'..'9' and 'a'..'f' stay hex) */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, sent, sent_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    assert_string_equal(mip6tls_hacp_status_text(401), "Unauthorized");
}

/* A HAC's Response/MHAuth-Done built by hand, keyed with the PSK, for what our HAC never sends. */
typedef struct {
    uint16_t suite;
    int ikey_len, ekey_len; /* -1: the suite's */
    int with_hoa, tamper_hac_rand;
    unsigned status; /* 0: 200 */
} forged_sa;

static int forge_done(const pump *p, const forged_sa *f, uint8_t *out)
{
    mip6tls_ctr_msg req;
    mip6tls_ctr_builder b;
    mip6tls_addr hoa;
    uint8_t k[64];
    const mip6tls_suite_info *info = mip6tls_suite_find(f->suite);
    int il = f->ikey_len < 0 ? info->ikey_len : f->ikey_len;
    int el = f->ekey_len < 0 ? info->ekey_len : f->ekey_len;
    decode_ok(&req, p->req, p->req_len);
    memset(k, 0x5a, sizeof k);
    mip6tls_ctr_build_init(&b, out, MSG, req.id);
    mip6tls_ctr_put_sas(&b, 1);
    mip6tls_ctr_put_spi(&b, 77);
    if (il > 0) {
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, k, (size_t)il);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_HA_TO_MN_IKEY, k, (size_t)il);
    }
    if (el > 0) {
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_EKEY, k, (size_t)el);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_HA_TO_MN_EKEY, k, (size_t)el);
    }
    mip6tls_ctr_put_validity_end(&b, 2000000000u);
    mip6tls_ctr_put_ciphersuite(&b, f->suite);
    if (f->with_hoa) {
        assert_int_equal(mip6tls_addr_parse(&hoa, "2001:db8::7", 11), 0);
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_IP6_HOA, &hoa);
    }
    mip6tls_ctr_put_mn_rand(&b, req.mn_rand);
    req.hac_rand[0] ^= (uint8_t)f->tamper_hac_rand;
    mip6tls_ctr_put_hac_rand(&b, req.hac_rand);
    mip6tls_ctr_put_status(&b, f->status != 0 ? f->status : 200);
    return mip6tls_ctr_finish_auth(&b, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32);
}

/* The MN checks the SA of an authenticated MHAuth-Done (decisions/0054 §4). */
static void client_checks_the_sa(void **state)
{
    static const uint16_t gcm_only[1] = {MIP6TLS_SUITE_AES_128_GCM_SHA256};
    static const struct {
        forged_sa f;
        int rc;
    } cases[] = {
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, -1, 1, 0, 0}, MIP6TLS_HACP_DONE},
        /* §5.8: a suite the MN did not list */
        {{MIP6TLS_SUITE_AES_128_CBC_SHA, -1, -1, 1, 0, 0}, MIP6TLS_ERR_POLICY},
        /* ikeys with an AEAD suite (decisions/0008) */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, 16, -1, 1, 0, 0}, MIP6TLS_ERR_MALFORMED},
        /* an ekey of the wrong length */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, 16, 1, 0, 0}, MIP6TLS_ERR_MALFORMED},
        /* no ekeys at all */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, 0, 1, 0, 0}, MIP6TLS_ERR_MISSING},
        /* no home address */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, -1, 0, 0, 0}, MIP6TLS_ERR_MISSING},
        /* hac-rand not the one of MHAuth-Init */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, -1, 1, 1, 0}, MIP6TLS_ERR_REPLAY},
        /* 100 Continue cannot end an exchange (§5.5.4) */
        {{MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, -1, 1, 0, 100}, MIP6TLS_ERR_MALFORMED},
    };
    pump p;
    uint8_t r[MSG], out[MSG];
    size_t i, out_len;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 35);
    p.ccfg.suites = gcm_only;
    p.ccfg.n_suites = 1;
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mip6tls_hacp_client c = p.c;
        int n = forge_done(&p, &cases[i].f, r);
        assert_true(n > 0);
        assert_int_equal(mip6tls_hacp_client_input(&c, 0, r, (size_t)n, out, MSG, &out_len),
                         cases[i].rc);
        assert_int_equal(mip6tls_hacp_client_sa(&c) != NULL, cases[i].rc == MIP6TLS_HACP_DONE);
    }
    /* a 200 in answer to MHAuth-Init: no SA was asked for */
    {
        pump q;
        forged_sa f = {MIP6TLS_SUITE_AES_128_GCM_SHA256, -1, -1, 1, 0, 0};
        int n;
        pump_init(&q, MIP6TLS_CTR_AM_PSK, 36);
        pump_start(&q);
        assert_int_equal(pump_server(&q), MIP6TLS_HACP_RESPOND);
        n = forge_done(&p, &f, r);
        r[1] = 1; /* the Identifier of MHAuth-Init */
        assert_int_equal(mip6tls_hacp_client_input(&q.c, 0, r, (size_t)n, out, MSG, &out_len),
                         MIP6TLS_ERR_TYPE);
    }
}

/* The HAC checks the nonces of MHAuth-Done, not only its MAC (§5.8). */
static void psk_done_nonces(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    mip6tls_ctr_builder b;
    uint8_t r[MSG];
    int n, which;
    (void)state;
    for (which = 0; which < 2; which++) {
        pump_init(&p, MIP6TLS_CTR_AM_PSK, 37 + (uint64_t)which);
        pump_start(&p);
        assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
        assert_int_equal(
            mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
            MIP6TLS_HACP_SEND);
        decode_ok(&m, p.req, p.req_len);
        if (which == 0)
            m.mn_rand[5] ^= 1;
        else
            m.hac_rand[5] ^= 1;
        mip6tls_ctr_build_init(&b, r, sizeof r, m.id);
        mip6tls_ctr_put_mn_rand(&b, m.mn_rand);
        mip6tls_ctr_put_hac_rand(&b, m.hac_rand);
        mip6tls_ctr_put_sas(&b, m.sas);
        mip6tls_ctr_put_suitelist(&b, m.suites, m.n_suites);
        n = mip6tls_ctr_finish_auth(&b, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_MN, cb_a, 32);
        assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                         MIP6TLS_HACP_RESPOND_AND_CLOSE);
        assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
        assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_REPLAY);
    }
}

static void unknown_mn_id(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 32);
    p.known = "mn2@example.net";
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(p.exchanges, 1);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(m.present, MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_STATUS_CODE)); /* no key: no auth */

    /* EAP-GPSK: the HAC sends GPSK-Fail (RFC 5433 §10), the MN replays it, then 401 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 33);
    p.known = "mn2@example.net";
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    assert_int_equal(p.exchanges, 4);

    /* EAP-MD5: EAP-Failure with 401 at once */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 34);
    p.known = "mn2@example.net";
    p.scfg.eap.methods = MIP6TLS_EAP_M_MD5;
    p.ccfg.eap.methods = MIP6TLS_EAP_M_MD5;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    assert_int_equal(p.exchanges, 3);
}

static void channel_binding_mismatch(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    mip6tls_ctr_builder b;
    uint8_t forged[MSG];
    int n;
    (void)state;
    /* A MITM terminates TLS with another certificate: the MN's binding differs. */
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 40);
    p.ccb = cb_b;
    assert_int_equal(pump_run(&p), MIP6TLS_ERR_AUTH);
    assert_int_equal(p.exchanges, 1);
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 41);
    p.ccb = cb_b; /* even the "1"-keyed EAP messages carry the binding */
    assert_int_equal(pump_run(&p), MIP6TLS_ERR_AUTH);
    assert_int_equal(p.exchanges, 1);

    /* The HAC's side: an MHAuth-Done made over the other binding (right PSK) gets 401. */
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 42);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    decode_ok(&m, p.req, p.req_len);
    mip6tls_ctr_build_init(&b, forged, sizeof forged, m.id);
    mip6tls_ctr_put_mn_rand(&b, m.mn_rand);
    mip6tls_ctr_put_hac_rand(&b, m.hac_rand);
    mip6tls_ctr_put_sas(&b, m.sas);
    mip6tls_ctr_put_suitelist(&b, m.suites, m.n_suites);
    n = mip6tls_ctr_finish_auth(&b, psk, sizeof psk - 1, MIP6TLS_CTR_DIR_MN, cb_b, 32);
    assert_int_equal(
        mip6tls_hacp_server_input(&p.s, 0, forged, (size_t)n, p.resp, MSG, &p.resp_len),
        MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
    /* the same octets over the right binding would have passed: only the binding differs */
    n = (int)p.req_len;
    assert_int_equal(memcmp(forged, p.req, (size_t)n - 80), 0);
    assert_int_not_equal(memcmp(forged, p.req, (size_t)n), 0);
}

/* ---- tampering, identifiers, framing -------------------------------------------------------- */

/* Every single-octet change of a response the MN is waiting for is an error, never progress. */
static void tamper_each_octet(const mip6tls_hacp_client *waiting, const uint8_t *resp, size_t len)
{
    uint8_t b[MSG], out[MSG];
    size_t i, out_len;
    for (i = 0; i < len; i++) {
        mip6tls_hacp_client c = *waiting;
        int rc;
        memcpy(b, resp, len);
        b[i] ^= 0x01;
        rc = mip6tls_hacp_client_input(&c, 0, b, len, out, sizeof out, &out_len);
        if (rc >= 0)
            fail_msg("octet %zu: result %d", i, rc);
        assert_int_equal(mip6tls_hacp_client_get_state(&c), MIP6TLS_HACP_C_FAILED);
        assert_null(mip6tls_hacp_client_sa(&c));
    }
}

static void tampered_responses(void **state)
{
    pump p;
    mip6tls_hacp_client waiting;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 50);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    tamper_each_octet(&p.c, p.resp, p.resp_len); /* Response/MHAuth-Init */
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    waiting = p.c;
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND_AND_CLOSE);
    tamper_each_octet(&waiting, p.resp, p.resp_len); /* Response/MHAuth-Done with the SA */
    assert_int_equal(
        mip6tls_hacp_client_input(&waiting, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
        MIP6TLS_HACP_DONE);
}

static void identifiers(void **state)
{
    pump p;
    mip6tls_hacp_server s0, s1;
    mip6tls_ctr_msg m;
    uint8_t b[MSG];
    size_t blen;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 60);
    pump_start(&p);
    s0 = p.s;

    /* the first request must carry Identifier 1 (§5.1) */
    memcpy(b, p.req, p.req_len);
    b[1] = 2;
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(m.id, 2); /* the response copies the request's Identifier */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_STATE); /* closed */

    p.s = s0;
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    s1 = p.s;
    /* the MN checks the response's Identifier */
    {
        mip6tls_hacp_client c2 = p.c;
        memcpy(b, p.resp, p.resp_len);
        b[1] = 7;
        assert_int_equal(mip6tls_hacp_client_input(&c2, 0, b, p.resp_len, p.req, MSG, &p.req_len),
                         MIP6TLS_ERR_REPLAY);
    }
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    /* a replayed request (Identifier 1 again: the Init) */
    memcpy(b, p.log[0], p.log_len[0]);
    blen = p.log_len[0];
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, blen, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_REPLAY);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    /* the Done request renumbered 1 (not covered by auth: the Identifier is framing) */
    p.s = s1;
    memcpy(b, p.req, p.req_len);
    b[1] = 1;
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_REPLAY);
    /* §5.3 "monotonically increasing", not "consecutive": 9 after 1 is accepted */
    p.s = s1;
    b[1] = 9;
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_NEED_SA);
    assert_int_equal(mip6tls_hacp_server_exchanges(&p.s), 9);
}

static void version_and_reserved(void **state)
{
    pump p;
    mip6tls_hacp_server s0;
    mip6tls_ctr_msg m;
    uint8_t b[MSG];
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 70);
    pump_start(&p);
    s0 = p.s;
    memcpy(b, p.req, p.req_len);

    b[0] = 0x20; /* Ver 1 (decisions/0001): 400, Identifier copied, close */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_VERSION);
    assert_int_equal(mip6tls_hacp_server_get_state(&p.s), MIP6TLS_HACP_S_CLOSED);
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(m.id, 1);
    assert_int_equal(m.status, 400);
    /* the MN takes the 400 as a failure */
    {
        mip6tls_hacp_client c2 = p.c;
        uint8_t out[MSG];
        size_t out_len;
        assert_int_equal(mip6tls_hacp_client_input(&c2, 0, p.resp, p.resp_len, out, MSG, &out_len),
                         MIP6TLS_HACP_FAILED);
        assert_int_equal(mip6tls_hacp_client_status(&c2), 400);
    }

    p.s = s0;
    b[0] = 0x01; /* a reserved bit */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_RESERVED);

    p.s = s0;
    b[0] = 0x20;
    b[1] = 0; /* and no Identifier to copy: close without an answer */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_VERSION);
    assert_int_equal(p.resp_len, 0);
    assert_int_equal(mip6tls_hacp_server_get_state(&p.s), MIP6TLS_HACP_S_CLOSED);

    /* a response with Ver 1 is fatal for the MN (decisions/0001 §3) */
    p.s = s0;
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    memcpy(b, p.resp, p.resp_len);
    b[0] |= 0x20;
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, b, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_ERR_VERSION);
    assert_int_equal(mip6tls_hacp_client_get_state(&p.c), MIP6TLS_HACP_C_FAILED);
}

static void malformed_requests(void **state)
{
    pump p;
    mip6tls_hacp_server s0;
    mip6tls_ctr_builder b;
    uint8_t r[MSG], rnd[32] = {0};
    int n;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_PSK, 75);
    pump_start(&p);
    s0 = p.s;
    /* Init without mn-rand */
    mip6tls_ctr_build_init(&b, r, sizeof r, 1);
    mip6tls_ctr_put_mn_id(&b, NAI, strlen(NAI));
    mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_PSK);
    n = mip6tls_ctr_finish(&b);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    /* Init with a header that belongs to responses (§5.6: SA parameters only to the MN) */
    p.s = s0;
    mip6tls_ctr_build_init(&b, r, sizeof r, 1);
    mip6tls_ctr_put_mn_id(&b, NAI, strlen(NAI));
    mip6tls_ctr_put_mn_rand(&b, rnd);
    mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_PSK);
    mip6tls_ctr_put_spi(&b, 5);
    n = mip6tls_ctr_finish(&b);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_MALFORMED);
    /* a request carrying a status-code (§5.5.4: responses only) */
    p.s = s0;
    mip6tls_ctr_build_init(&b, r, sizeof r, 1);
    mip6tls_ctr_put_mn_id(&b, NAI, strlen(NAI));
    mip6tls_ctr_put_status(&b, 200);
    n = mip6tls_ctr_finish(&b);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    /* misuse changes nothing */
    p.s = s0;
    assert_int_equal(
        mip6tls_hacp_server_input(&p.s, 0, p.req, p.req_len, p.resp, MSG - 1, &p.resp_len),
        MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_hacp_server_set_key(&p.s, 0, psk, 5, p.resp, MSG, &p.resp_len),
                     MIP6TLS_ERR_STATE);
    assert_memory_equal(&p.s, &s0, sizeof s0);
    {
        mip6tls_hacp_client c0 = p.c;
        assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.req, p.req_len, r, 10, &p.resp_len),
                         MIP6TLS_ERR_NOBUF);
        assert_int_equal(mip6tls_hacp_client_start(&p.c, r, sizeof r, &p.resp_len),
                         MIP6TLS_ERR_STATE);
        assert_memory_equal(&p.c, &c0, sizeof c0);
    }
}

/* Every prefix of every message, to each engine in the state that waits for it. */
static void truncation_at_every_length(void **state)
{
    static const unsigned methods[2] = {MIP6TLS_CTR_AM_PSK, MIP6TLS_CTR_AM_EAP};
    static pump p;
    static mip6tls_hacp_server srv[8];
    static mip6tls_hacp_client cli[8];
    int k, i, rc, checked = 0;
    size_t len;
    (void)state;
    for (k = 0; k < 2; k++) {
        pump_init(&p, methods[k], 80 + k);
        pump_start(&p);
        /* snapshots of each engine before each of its inputs */
        for (i = 0;; i++) {
            srv[i] = p.s;
            pump_log(&p, p.req, p.req_len);
            rc = pump_server(&p);
            cli[i] = p.c;
            if (mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len) !=
                MIP6TLS_HACP_SEND)
                break;
        }
        assert_int_equal(rc, MIP6TLS_HACP_RESPOND_AND_CLOSE);
        assert_int_equal(mip6tls_hacp_client_get_state(&p.c), MIP6TLS_HACP_C_DONE);
        for (i = 0; i < p.n_log; i++) {
            const uint8_t *msg = p.log[i];
            for (len = 0; len < p.log_len[i]; len++) {
                uint8_t out[MSG];
                size_t out_len = 0;
                if (i % 2 == 0) { /* a request, to the HAC */
                    mip6tls_hacp_server s = srv[i / 2];
                    rc = mip6tls_hacp_server_input(&s, 0, msg, len, out, MSG, &out_len);
                    if (len >= 2) {
                        assert_int_equal(rc, MIP6TLS_HACP_RESPOND_AND_CLOSE);
                        assert_int_equal(mip6tls_hacp_server_status(&s), 400);
                    } else {
                        assert_int_equal(rc, MIP6TLS_ERR_TRUNCATED);
                        assert_int_equal(out_len, 0);
                    }
                    assert_int_equal(mip6tls_hacp_server_get_state(&s), MIP6TLS_HACP_S_CLOSED);
                } else { /* a response, to the MN */
                    mip6tls_hacp_client c = cli[i / 2];
                    rc = mip6tls_hacp_client_input(&c, 0, msg, len, out, MSG, &out_len);
                    assert_true(rc == MIP6TLS_ERR_TRUNCATED || rc == MIP6TLS_ERR_LENGTH);
                    assert_int_equal(mip6tls_hacp_client_get_state(&c), MIP6TLS_HACP_C_FAILED);
                }
                checked++;
            }
        }
    }
    assert_true(checked > 1000);
}

/* ---- auth-method selection ------------------------------------------------------------------ */

static void method_selection(void **state)
{
    pump p;
    (void)state;
    /* the MN proposes both; the HAC prefers EAP */
    pump_init(&p, MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP, 90);
    p.scfg.prefer = MIP6TLS_CTR_AM_EAP;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    assert_int_equal(mip6tls_hacp_server_method(&p.s), MIP6TLS_CTR_AM_EAP);
    /* ... or accepts PSK only */
    pump_init(&p, MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP, 91);
    p.scfg.methods = MIP6TLS_CTR_AM_PSK;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    assert_int_equal(mip6tls_hacp_server_method(&p.s), MIP6TLS_CTR_AM_PSK);
    assert_int_equal(p.exchanges, 2);
    /* nothing in common: 501 at MHAuth-Init, no auth (§5.5.2 "or return an error") */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 92);
    p.scfg.methods = MIP6TLS_CTR_AM_PSK;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 501);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_POLICY);
    assert_int_equal(p.exchanges, 1);
}

/* ---- EAP (§5.9) ---------------------------------------------------------------------------- */

/* The EAP packet of a logged message. */
static size_t eap_of(const pump *p, int i, uint8_t *out)
{
    mip6tls_ctr_msg m;
    int n;
    decode_ok(&m, p->log[i], p->log_len[i]);
    n = mip6tls_ctr_unhex(&m.eap, out, MIP6TLS_EAP_MAX);
    assert_true(n > 0);
    return (size_t)n;
}

/* 1 when any 8-octet window of secret[len] appears in hay[n], in binary or as lower- or
 * upper-case hex text (how the container carries keys). */
static int leaks(const uint8_t *hay, size_t n, const uint8_t *secret, size_t len)
{
    static const char *digits[2] = {"0123456789abcdef", "0123456789ABCDEF"};
    for (size_t w = 0; w + 8 <= len; w++) {
        char hex[2][17];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 8; i++) {
                hex[c][2 * i] = digits[c][secret[w + i] >> 4];
                hex[c][2 * i + 1] = digits[c][secret[w + i] & 15];
            }
            hex[c][16] = 0;
        }
        for (size_t i = 0; i + 8 <= n; i++) {
            if (memcmp(hay + i, secret + w, 8) == 0)
                return 1;
            if (i + 16 <= n && (memcmp(hay + i, hex[0], 16) == 0 || memcmp(hay + i, hex[1], 16) == 0))
                return 1;
        }
    }
    return 0;
}

static void eap_gpsk_success(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    mip6tls_eap_pkt e1, e2;
    mip6tls_gpsk_msg g1, g2;
    mip6tls_gpsk_keys k;
    uint8_t p1[MIP6TLS_EAP_MAX], p2[MIP6TLS_EAP_MAX];
    size_t n1, n2;
    int i;
    (void)state;
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 100);
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    /* Init(Identity), Mid(Identity -> GPSK-1), Mid(GPSK-2 -> GPSK-3), Done(GPSK-4 -> Success) */
    assert_int_equal(p.exchanges, 4);
    assert_int_equal(mip6tls_hacp_client_exchanges(&p.c), 4);
    assert_int_equal(p.need_key, 1);
    assert_sa_equal(mip6tls_hacp_client_sa(&p.c), &p.sa);
    assert_int_equal(mip6tls_hacp_server_method(&p.s), MIP6TLS_CTR_AM_EAP);

    /* the MSK from the wire's GPSK-1 and GPSK-2 (mip6tls_gpsk_derive: test_eap known answers) */
    n1 = eap_of(&p, 3, p1); /* Response/MHAuth-Mid: EAP-Request/GPSK-1 */
    n2 = eap_of(&p, 4, p2); /* Request/MHAuth-Mid: EAP-Response/GPSK-2 */
    assert_int_equal(mip6tls_eap_decode(&e1, p1, n1), 0);
    assert_int_equal(mip6tls_eap_decode(&e2, p2, n2), 0);
    assert_int_equal(e1.type, MIP6TLS_EAP_TYPE_GPSK);
    assert_int_equal(mip6tls_gpsk_decode(&g1, e1.data, e1.data_len, 0), 0);
    assert_int_equal(mip6tls_gpsk_decode(&g2, e2.data, e2.data_len, 0), 0);
    assert_int_equal(g1.op, 1);
    assert_int_equal(g2.op, 2);
    assert_int_equal(g2.csuite, MIP6TLS_GPSK_CSUITE_SHA256);
    assert_int_equal(mip6tls_gpsk_derive(&k, g2.csuite, psk, sizeof psk - 1, g2.rand_peer,
                                         g2.id_peer.p, g2.id_peer.len, g1.rand_server,
                                         g1.id_server.p, g1.id_server.len),
                     0);
    /* §5.9: shared-key "1" in Init/Mid, the MSK in both MHAuth-Done messages */
    for (i = 1; i < p.n_log; i++) {
        int done = i >= p.n_log - 2;
        mip6tls_ctr_dir dir = i % 2 == 0 ? MIP6TLS_CTR_DIR_MN : MIP6TLS_CTR_DIR_HAC;
        decode_ok(&m, p.log[i], p.log_len[i]);
        assert_int_equal(m.id, i / 2 + 1);
        if (done)
            assert_int_equal(mip6tls_ctr_auth_verify(&m, k.msk, 64, dir, cb_a, 32), 0);
        else
            assert_int_equal(mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, dir, cb_a, 32),
                             0);
        assert_int_equal(mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, dir, cb_a, 32) == 0,
                         !done);
    }
    decode_ok(&m, p.log[p.n_log - 2], p.log_len[p.n_log - 2]); /* Request/MHAuth-Done */
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SAS));
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SUITELIST));
    n1 = eap_of(&p, p.n_log - 2, p1);
    assert_true(mip6tls_eap_response_is_last(p1, n1)); /* GPSK-4 */
    n1 = eap_of(&p, p.n_log - 1, p1);
    assert_int_equal(n1, 4);
    assert_int_equal(p1[0], MIP6TLS_EAP_CODE_SUCCESS);
    assert_true(all_zero(&p.s.eap, sizeof p.s.eap)); /* the MSK is gone */
    /* §5.9: "This MSK MUST NOT be used for any other purpose": it keys `auth` and nothing
     * else. No provisioned key holds any part of it, and no message carries it. */
    {
        const mip6tls_sa *sa = mip6tls_hacp_client_sa(&p.c);
        const mip6tls_esp_keys *ek = &sa->keys;
        assert_false(leaks(ek->mn_to_ha_ekey, ek->ekey_len, k.msk, 64));
        assert_false(leaks(ek->ha_to_mn_ekey, ek->ekey_len, k.msk, 64));
        assert_false(leaks(ek->mn_to_ha_ikey, ek->ikey_len, k.msk, 64));
        assert_false(leaks(ek->ha_to_mn_ikey, ek->ikey_len, k.msk, 64));
        for (i = 0; i < p.n_log; i++)
            assert_false(leaks(p.log[i], p.log_len[i], k.msk, 64));
        /* and the check can see a leak: the keys themselves are in the final response */
        assert_true(leaks(p.log[p.n_log - 1], p.log_len[p.n_log - 1], ek->mn_to_ha_ekey,
                          ek->ekey_len));
    }
}

static void eap_gpsk_wrong_key(void **state)
{
    pump p;
    uint8_t other[33], pkt[MIP6TLS_EAP_MAX];
    (void)state;
    memcpy(other, psk, 33);
    other[0] ^= 1;
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 101);
    p.hac_key = other;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    /* Init, Mid(GPSK-1), Mid(GPSK-2 -> GPSK-Fail), Mid(replayed GPSK-Fail -> Failure, 401) */
    assert_int_equal(p.exchanges, 4);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    assert_int_equal(eap_of(&p, p.n_log - 1, pkt), 4);
    assert_int_equal(pkt[0], MIP6TLS_EAP_CODE_FAILURE);
}

static void eap_md5(void **state)
{
    pump p;
    mip6tls_eap_pkt ch, rs;
    uint8_t a[MIP6TLS_EAP_MAX], b[MIP6TLS_EAP_MAX], want[16];
    br_md5_context md5;
    mip6tls_ctr_msg m;
    size_t na, nb;
    (void)state;
    /* the HAC allows MD5 and offers it first; the MN accepts MD5 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 110);
    p.scfg.eap.methods = MIP6TLS_EAP_M_MD5;
    p.ccfg.eap.methods = MIP6TLS_EAP_M_MD5;
    p.ccfg.eap.key = md5_secret;
    p.ccfg.eap.key_len = sizeof md5_secret - 1;
    p.hac_key = md5_secret;
    p.hac_key_len = sizeof md5_secret - 1;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    /* Init(Identity), Mid(Identity -> MD5-Challenge), Done(MD5 Response -> Success) */
    assert_int_equal(p.exchanges, 3);
    assert_sa_equal(mip6tls_hacp_client_sa(&p.c), &p.sa);
    /* the Response value on the wire = MD5(Identifier || secret || challenge), RFC 1994 §4.1,
     * computed here with BearSSL's MD5 directly */
    na = eap_of(&p, 3, a);
    nb = eap_of(&p, 4, b);
    assert_int_equal(mip6tls_eap_decode(&ch, a, na), 0);
    assert_int_equal(mip6tls_eap_decode(&rs, b, nb), 0);
    assert_int_equal(ch.type, MIP6TLS_EAP_TYPE_MD5);
    assert_int_equal(ch.data[0], 16);
    br_md5_init(&md5);
    br_md5_update(&md5, &ch.id, 1);
    br_md5_update(&md5, md5_secret, sizeof md5_secret - 1);
    br_md5_update(&md5, ch.data + 1, 16);
    br_md5_out(&md5, want);
    assert_int_equal(rs.id, ch.id);
    assert_int_equal(rs.data[0], 16);
    assert_memory_equal(rs.data + 1, want, 16);
    /* MD5 derives no MSK: the MHAuth-Done messages are keyed with "1" (§5.9) */
    decode_ok(&m, p.log[4], p.log_len[4]);
    assert_true(m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SAS));
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_MN, cb_a, 32), 0);
    decode_ok(&m, p.log[5], p.log_len[5]);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32), 0);

    /* the HAC prefers GPSK but allows MD5; the MN Naks GPSK-1: one more exchange */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 111);
    p.scfg.eap.methods = MIP6TLS_EAP_M_GPSK | MIP6TLS_EAP_M_MD5;
    p.ccfg.eap.methods = MIP6TLS_EAP_M_MD5;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_DONE);
    assert_int_equal(p.exchanges, 4);

    /* wrong secret: EAP-Failure, 401 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 112);
    p.scfg.eap.methods = MIP6TLS_EAP_M_MD5;
    p.ccfg.eap.methods = MIP6TLS_EAP_M_MD5;
    p.hac_key = md5_secret;
    p.hac_key_len = sizeof md5_secret - 1;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
}

static void eap_md5_refused_by_policy(void **state)
{
    pump p;
    uint8_t pkt[MIP6TLS_EAP_MAX];
    mip6tls_eap_pkt e;
    (void)state;
    /* default HAC policy: GPSK only. An MN that can only do MD5 Naks GPSK-1 with MD5; the HAC
     * has no allowed alternative: EAP-Failure and 401 (decisions/0051). */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 120);
    p.ccfg.eap.methods = MIP6TLS_EAP_M_MD5;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(p.exchanges, 3);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_AUTH);
    assert_int_equal(p.need_key, 0); /* no MD5 secret was ever asked for */
    assert_int_equal(mip6tls_eap_decode(&e, pkt, eap_of(&p, 4, pkt)), 0);
    assert_int_equal(e.type, MIP6TLS_EAP_TYPE_NAK);
    assert_int_equal(e.data[0], MIP6TLS_EAP_TYPE_MD5);

    /* and the default MN refuses an MD5-only HAC the same way */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 121);
    p.scfg.eap.methods = MIP6TLS_EAP_M_MD5;
    assert_int_equal(pump_run(&p), MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
}

static void eap_done_form_checked(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    mip6tls_ctr_builder b;
    uint8_t r[MSG], eap[MIP6TLS_EAP_MAX];
    int n;
    size_t ne;
    (void)state;
    /* an EAP-Response/Identity in an MHAuth-Done (with sas and suitelist): 400 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 130);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    decode_ok(&m, p.req, p.req_len);
    ne = (size_t)mip6tls_ctr_unhex(&m.eap, eap, sizeof eap);
    mip6tls_ctr_build_init(&b, r, sizeof r, m.id);
    mip6tls_ctr_put_sas(&b, 1);
    mip6tls_ctr_put_suitelist(&b, (const uint16_t[]){MIP6TLS_SUITE_AES_128_CBC_SHA}, 1);
    mip6tls_ctr_put_eap(&b, eap, ne);
    n = mip6tls_ctr_finish_auth(&b, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_MN, cb_a, 32);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_MALFORMED);
    /* the 400 of an EAP session carries EAP-Failure, keyed with "1" */
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32), 0);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 400);
}

/* A request whose `auth` is right but whose EAP packet RFC 3748 / RFC 5433 would discard. */
static int eap_rebuild(const uint8_t *req, size_t len, size_t flip, uint8_t bit, const uint8_t *key,
                       size_t key_len, uint8_t *out)
{
    mip6tls_ctr_msg m;
    mip6tls_ctr_builder b;
    uint8_t eap[MIP6TLS_EAP_MAX];
    int n;
    decode_ok(&m, req, len);
    n = mip6tls_ctr_unhex(&m.eap, eap, sizeof eap);
    assert_true(n > 0 && flip < (size_t)n);
    eap[flip] ^= bit;
    mip6tls_ctr_build_init(&b, out, MSG, m.id);
    if (m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SAS)) {
        mip6tls_ctr_put_sas(&b, m.sas);
        mip6tls_ctr_put_suitelist(&b, m.suites, m.n_suites);
    }
    mip6tls_ctr_put_eap(&b, eap, (size_t)n);
    return mip6tls_ctr_finish_auth(&b, key, key_len, MIP6TLS_CTR_DIR_MN, cb_a, 32);
}

static void eap_bad_packets(void **state)
{
    pump p;
    mip6tls_ctr_msg m;
    uint8_t r[MSG], eap[MIP6TLS_EAP_MAX], msk[64];
    int n;
    (void)state;
    /* a Response/Identity with another EAP Identifier (RFC 3748 §4.1): 400 with EAP-Failure */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 150);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    n = eap_rebuild(p.req, p.req_len, 1, 0x10, (const uint8_t *)"1", 1, r);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_REPLAY);
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(mip6tls_ctr_unhex(&m.eap, eap, sizeof eap), 4);
    assert_int_equal(eap[0], MIP6TLS_EAP_CODE_FAILURE);

    /* GPSK-4 whose MAC fails, in an MHAuth-Done correctly keyed with the MSK: 401 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 151);
    pump_start(&p);
    for (n = 0; n < 3; n++) {
        assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
        assert_int_equal(
            mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
            MIP6TLS_HACP_SEND);
    }
    assert_non_null(mip6tls_eap_server_msk(&p.s.eap));
    memcpy(msk, mip6tls_eap_server_msk(&p.s.eap), 64);
    decode_ok(&m, p.req, p.req_len);
    n = mip6tls_ctr_unhex(&m.eap, eap, sizeof eap);
    n = eap_rebuild(p.req, p.req_len, (size_t)n - 1, 0x01, msk, 64, r);
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, r, (size_t)n, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 401);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_AUTH);
    /* the MN takes it: keyed with "1", since the method did not succeed (decisions/0051) */
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32), 0);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_FAILED);
    assert_int_equal(mip6tls_hacp_client_status(&p.c), 401);
}

/* ---- at most 255 exchanges (§5.3) ----------------------------------------------------------- */

static void exchange_bound(void **state)
{
    pump p;
    mip6tls_hacp_server s0;
    uint8_t b[MSG], eap[64];
    mip6tls_ctr_builder bld;
    mip6tls_eap_pkt e;
    mip6tls_ctr_msg m;
    int rc, n, i;
    size_t ne;
    (void)state;

    /* HAC: a request numbered 255 whose answer would not end the exchange gets 400 */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 140);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND);
    assert_int_equal(mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len),
                     MIP6TLS_HACP_SEND);
    s0 = p.s;
    memcpy(b, p.req, p.req_len);
    b[1] = 255; /* Response/Identity as request 255: GPSK-1 would need request 256 */
    assert_int_equal(mip6tls_hacp_server_input(&p.s, 0, b, p.req_len, p.resp, MSG, &p.resp_len),
                     MIP6TLS_HACP_RESPOND_AND_CLOSE);
    assert_int_equal(mip6tls_hacp_server_error(&p.s), MIP6TLS_ERR_SEQ_EXHAUSTED);
    assert_int_equal(mip6tls_hacp_server_status(&p.s), 400);
    decode_ok(&m, p.resp, p.resp_len);
    assert_int_equal(m.id, 255);
    /* ... while a final answer to request 255 is fine: a PSK MHAuth-Done numbered 255 */
    {
        pump q;
        pump_init(&q, MIP6TLS_CTR_AM_PSK, 141);
        pump_start(&q);
        assert_int_equal(pump_server(&q), MIP6TLS_HACP_RESPOND);
        assert_int_equal(
            mip6tls_hacp_client_input(&q.c, 0, q.resp, q.resp_len, q.req, MSG, &q.req_len),
            MIP6TLS_HACP_SEND);
        q.req[1] = 255;
        assert_int_equal(pump_server(&q), MIP6TLS_HACP_RESPOND_AND_CLOSE);
        assert_int_equal(mip6tls_hacp_server_status(&q.s), 200);
    }
    (void)s0;

    /* MN: a HAC that never ends (EAP Notifications, RFC 3748 §5.2, each of which the MN must
     * answer) cannot make it send a 256th request */
    pump_init(&p, MIP6TLS_CTR_AM_EAP, 142);
    pump_start(&p);
    assert_int_equal(pump_server(&p), MIP6TLS_HACP_RESPOND); /* Init: Identity Request */
    rc = mip6tls_hacp_client_input(&p.c, 0, p.resp, p.resp_len, p.req, MSG, &p.req_len);
    for (i = 2; rc == MIP6TLS_HACP_SEND; i++) {
        decode_ok(&m, p.req, p.req_len);
        assert_int_equal(m.id, i);
        ne = (size_t)mip6tls_ctr_unhex(&m.eap, eap, sizeof eap);
        assert_int_equal(mip6tls_eap_decode(&e, eap, ne), 0);
        n = mip6tls_eap_encode(eap, sizeof eap, MIP6TLS_EAP_CODE_REQUEST, (uint8_t)(e.id + 1),
                               MIP6TLS_EAP_TYPE_NOTIFICATION, (const uint8_t *)"again", 5);
        mip6tls_ctr_build_init(&bld, b, sizeof b, m.id);
        mip6tls_ctr_put_eap(&bld, eap, (size_t)n);
        n = mip6tls_ctr_finish_auth(&bld, (const uint8_t *)"1", 1, MIP6TLS_CTR_DIR_HAC, cb_a, 32);
        rc = mip6tls_hacp_client_input(&p.c, 0, b, (size_t)n, p.req, MSG, &p.req_len);
    }
    assert_int_equal(rc, MIP6TLS_ERR_SEQ_EXHAUSTED);
    assert_int_equal(mip6tls_hacp_client_exchanges(&p.c), 255);
    assert_int_equal(i, 256); /* requests 1..255 were sent, no more */
}

/* ---- the fuzz seeds ----------------------------------------------------------------------------
 */

static const char *const fz_scen_name[FZ_SCENARIOS] = {"psk", "gpsk", "md5"};

/* Calls fn(name, selector, message) for every real message of the fixture's exchanges. */
static int for_each_seed(int (*fn)(void *, const char *, uint8_t, const uint8_t *, size_t),
                         void *arg)
{
    int sc, client, rc = 0;
    size_t st;
    char name[64];
    for (sc = 0; sc < FZ_SCENARIOS; sc++)
        for (st = 0; st < fz_steps(sc); st++)
            for (client = 0; client < 2; client++) {
                const fz_world *w = fz_snap(sc, st, client);
                uint8_t sel = (uint8_t)((client ? 0x80 : 0) | (sc << 4) | st);
                snprintf(name, sizeof name, "%s-%zu-%s", fz_scen_name[sc], st + 1,
                         client ? "response" : "request");
                rc |= fn(arg, name, sel, client ? w->resp : w->req,
                         client ? w->resp_len : w->req_len);
                /* the same, through the harness's re-signing (a real message is unchanged) */
                snprintf(name, sizeof name, "%s-%zu-%s-resigned", fz_scen_name[sc], st + 1,
                         client ? "response" : "request");
                rc |= fn(arg, name, (uint8_t)(sel | 0x08), client ? w->resp : w->req,
                         client ? w->resp_len : w->req_len);
            }
    /* named edges: Ver 1 (400, decisions/0001), Ver 1 with Identifier 0 (no answer), the
     * Identity Response renumbered 255 (400, the exchange bound) */
    {
        const fz_world *w = fz_snap(0, 0, 0);
        uint8_t b[MSG];
        memcpy(b, w->req, w->req_len);
        b[0] = 0x20;
        rc |= fn(arg, "psk-1-request-version1", 0x00, b, w->req_len);
        b[1] = 0;
        rc |= fn(arg, "psk-1-request-version1-id0", 0x00, b, w->req_len);
        w = fz_snap(1, 1, 0);
        memcpy(b, w->req, w->req_len);
        b[1] = 255;
        rc |= fn(arg, "gpsk-2-request-id255", 0x11, b, w->req_len);
    }
    return rc;
}

static int seed_write(void *dir, const char *name, uint8_t sel, const uint8_t *m, size_t len)
{
    return tu_write_file((const char *)dir, name, &sel, 1, m, len);
}

static int seed_run(void *arg, const char *name, uint8_t sel, const uint8_t *m, size_t len)
{
    uint8_t buf[MSG + 1];
    (void)name;
    (*(int *)arg)++;
    if (sel & 0x08) {
        /* the harness's re-signing picks the key the receiver expects: a real message, which
         * already carries the right auth, comes out unchanged */
        int client = (sel & 0x80) != 0, sc = (sel >> 4) & 3;
        const fz_world *w = fz_snap(sc, (size_t)(sel & 7), client);
        size_t key_len;
        const uint8_t *key = fz_key(w, client, m, len, &key_len);
        memcpy(buf, m, len);
        fz_resign(buf, len, key, key_len, client ? MIP6TLS_CTR_DIR_HAC : MIP6TLS_CTR_DIR_MN);
        assert_memory_equal(buf, m, len);
    }
    buf[0] = sel;
    memcpy(buf + 1, m, len);
    return LLVMFuzzerTestOneInput(buf, len + 1);
}

/* The seeds are real messages: each one the engine waits for, and the fixture ends in DONE. */
static void fuzz_seeds(void **state)
{
    int n = 0, sc;
    (void)state;
    assert_int_equal(for_each_seed(seed_run, &n), 0);
    assert_int_equal(n, 4 * (2 + 4 + 3) + 3);
    for (sc = 0; sc < FZ_SCENARIOS; sc++) {
        fz_world w;
        size_t last = fz_steps(sc) - 1;
        uint8_t out[MSG];
        size_t out_len;
        fz_copy(&w, fz_snap(sc, last, 1));
        assert_int_equal(mip6tls_hacp_server_status(&w.s), 200);
        assert_int_equal(mip6tls_hacp_client_input(&w.c, 0, w.resp, w.resp_len, out, MSG, &out_len),
                         MIP6TLS_HACP_DONE);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(psk_success),
        cmocka_unit_test(psk_known_fields_absent),
        cmocka_unit_test(suite_negotiation),
        cmocka_unit_test(suite_and_scope_checked),
        cmocka_unit_test(refuse_with_retry_after),
        cmocka_unit_test(psk_wrong_key),
        cmocka_unit_test(client_checks_the_sa),
        cmocka_unit_test(psk_done_nonces),
        cmocka_unit_test(unknown_mn_id),
        cmocka_unit_test(channel_binding_mismatch),
        cmocka_unit_test(tampered_responses),
        cmocka_unit_test(identifiers),
        cmocka_unit_test(version_and_reserved),
        cmocka_unit_test(malformed_requests),
        cmocka_unit_test(truncation_at_every_length),
        cmocka_unit_test(method_selection),
        cmocka_unit_test(eap_gpsk_success),
        cmocka_unit_test(eap_gpsk_wrong_key),
        cmocka_unit_test(eap_md5),
        cmocka_unit_test(eap_md5_refused_by_policy),
        cmocka_unit_test(eap_done_form_checked),
        cmocka_unit_test(eap_bad_packets),
        cmocka_unit_test(exchange_bound),
        cmocka_unit_test(fuzz_seeds),
    };
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return for_each_seed(seed_write, argv[2]) != 0;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
