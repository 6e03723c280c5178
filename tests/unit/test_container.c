/*
 * test_container.c: the MN<->HAC request/response container (container.c, RFC 6618 §5).
 *
 * Known-answer vectors: the expected `auth` values were computed outside this code base with
 * OpenSSL 3.0, over files assembled by hand as "MN"|"HAC" || content before the auth line ||
 * CB-octets (docs/decisions/0003-auth-coverage.md):
 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:<key> FILE
 * with key = the ASCII PSK "mip6tls-test-psk" for §5.8 and the octet 0x31 ("1") for §5.9, and
 * CB-octets = the tls-server-end-point binding of cert_rsa256 in test_cbind.c (6d7abf81...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/container.h"
#include "testutil.h"

/* ---- vectors ----------------------------------------------------------------------------- */

#define PSK "mip6tls-test-psk"
#define CB_HEX "6d7abf8127c395401fb51efae0b69d9316a6ebcaa331cca8377e2f14dafe3d77"
#define MNR "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HACR "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define EAP_RESP_ID "02010014016d6e31406578616d706c652e6e6574" /* RFC 3748 §5.1 Identity */

/* §5.8 message 1, Request/MHAuth-Init: no auth, still ends with the blank line. */
static const char psk1[] = "mn-id: mn1@example.net\r\n"
                           "mn-rand: " MNR "\r\n"
                           "auth-method: psk\r\n"
                           "\r\n";
/* §5.8 message 2, Response/MHAuth-Init. */
static const char psk2[] =
    "mn-rand: " MNR "\r\n"
    "hac-rand: " HACR "\r\n"
    "auth-method: psk\r\n"
    "auth: ba5281bd5be859ea030a69ec634d1f4ba275d3903561612f8f310edbf29e47c9\r\n"
    "\r\n";
/* §5.8 message 3, Request/MHAuth-Done. */
static const char psk3[] =
    "mn-rand: " MNR "\r\n"
    "hac-rand: " HACR "\r\n"
    "mip6-sas: 1\r\n"
    "mip6-suitelist: {00,9C},{00,2F},{00,3C}\r\n"
    "auth: 3b7cc8cbd7a88cb1b75ae51022ecdeeab3ab34ff578ad6fca7a2139775b55b8a\r\n"
    "\r\n";
/* §5.8 message 4, Response/MHAuth-Done with every SA and bootstrapping parameter. */
static const char psk4[] =
    "mip6-sas: 1\r\n"
    "mip6-spi: 4097\r\n"
    "mip6-mn-to-ha-ikey: 1111111111111111111111111111111111111111\r\n"
    "mip6-ha-to-mn-ikey: 2222222222222222222222222222222222222222\r\n"
    "mip6-mn-to-ha-ekey: 33333333333333333333333333333333\r\n"
    "mip6-ha-to-mn-ekey: 44444444444444444444444444444444\r\n"
    "mip6-sa-validity-end: Thu, 01 Jan 2037 00:00:00 GMT\r\n"
    "mip6-ciphersuite: {00,2F}\r\n"
    "mip6-haa-ip6: 2001:db8:0:0:0:0:0:1\r\n"
    "mip6-haa-ip4: 192.0.2.1\r\n"
    "mip6-port: 7872\r\n"
    "mip6-ip6-hoa: 2001:db8:1:0:0:0:0:100\r\n"
    "mip6-ip4-hoa: 198.51.100.10\r\n"
    "mip6-ip6-hnp: 2001:db8:1:0:0:0:0:0/64\r\n"
    "mip6-ip4-hnp: 198.51.100.0/24\r\n"
    "dns-ip6: 2001:db8:0:0:0:0:0:53\r\n"
    "dns-ip6: 2001:db8:0:0:0:0:0:54\r\n"
    "dns-ip4: 192.0.2.53\r\n"
    "dns-ip4: 192.0.2.54\r\n"
    "mn-rand: " MNR "\r\n"
    "hac-rand: " HACR "\r\n"
    "status-code: 200\r\n"
    "auth: acb95e0092d960fed9ab6e70eb6b53ab7687378eeabec2744c55f06c080ed969\r\n"
    "\r\n";
/* §5.9 message 3, Request/MHAuth-Mid carrying EAP-Response/Identity, keyed with "1". */
static const char eap3[] =
    "eap-payload: " EAP_RESP_ID "\r\n"
    "auth: 4c8384f45cd982b1dc5c2326068b3bb11bea17704bbfaf0976ff75fc96c4d08e\r\n"
    "\r\n";

static uint8_t cb[32], mn_rand[32], hac_rand[32];

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_unhex(cb, sizeof cb, CB_HEX), 32);
    assert_int_equal(tu_unhex(mn_rand, sizeof mn_rand, MNR), 32);
    assert_int_equal(tu_unhex(hac_rand, sizeof hac_rand, HACR), 32);
    return 0;
}

static mip6tls_addr addr(const char *s)
{
    mip6tls_addr a;
    assert_int_equal(mip6tls_addr_parse(&a, s, strlen(s)), 0);
    return a;
}

/* Frames `content` (the test's own framing, not the builder's) as a container. */
static size_t frame(uint8_t *out, uint8_t id, const char *content, size_t clen)
{
    out[0] = 0;
    out[1] = id;
    mip6tls_put16(out + 2, (uint16_t)clen);
    memcpy(out + 4, content, clen);
    return clen + 4;
}

/* Decodes `content` framed with Identifier 1. The views stay valid until the next call. */
static uint8_t dbuf[MIP6TLS_CTR_MAX];
static int dec(mip6tls_ctr_msg *m, const char *content)
{
    size_t n = frame(dbuf, 1, content, strlen(content));
    return mip6tls_ctr_decode(m, dbuf, n);
}

static void assert_view(const mip6tls_ctr_view *v, const char *s)
{
    assert_int_equal(v->len, strlen(s));
    assert_memory_equal(v->p, s, v->len);
}

/* ---- builders of the exchange messages ---------------------------------------------------- */

static const uint8_t k_ikey1[20] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};

/* Builds message `which` (1..4 PSK, 5 = EAP message 3) into out[cap]; returns the length or
 * the builder's error. */
static int build(int which, uint8_t *out, size_t cap)
{
    static const uint16_t suites[] = {0x009C, 0x002F, 0x003C};
    mip6tls_ctr_builder b;
    uint8_t k[20];
    mip6tls_addr a;
    int rc;
    rc = mip6tls_ctr_build_init(&b, out, cap, which == 3 || which == 4 || which == 5 ? 2 : 1);
    if (rc != 0)
        return rc;
    switch (which) {
    case 1:
        mip6tls_ctr_put_mn_id(&b, "mn1@example.net", 15);
        mip6tls_ctr_put_mn_rand(&b, mn_rand);
        mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_PSK);
        return mip6tls_ctr_finish(&b);
    case 2:
        mip6tls_ctr_put_mn_rand(&b, mn_rand);
        mip6tls_ctr_put_hac_rand(&b, hac_rand);
        mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_PSK);
        return mip6tls_ctr_finish_auth(&b, (const uint8_t *)PSK, strlen(PSK), MIP6TLS_CTR_DIR_HAC,
                                       cb, sizeof cb);
    case 3:
        mip6tls_ctr_put_mn_rand(&b, mn_rand);
        mip6tls_ctr_put_hac_rand(&b, hac_rand);
        mip6tls_ctr_put_sas(&b, 1);
        mip6tls_ctr_put_suitelist(&b, suites, 3);
        return mip6tls_ctr_finish_auth(&b, (const uint8_t *)PSK, strlen(PSK), MIP6TLS_CTR_DIR_MN,
                                       cb, sizeof cb);
    case 4:
        mip6tls_ctr_put_sas(&b, 1);
        mip6tls_ctr_put_spi(&b, 4097);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, k_ikey1, 20);
        memset(k, 0x22, sizeof k);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_HA_TO_MN_IKEY, k, 20);
        memset(k, 0x33, sizeof k);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_EKEY, k, 16);
        memset(k, 0x44, sizeof k);
        mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_HA_TO_MN_EKEY, k, 16);
        mip6tls_ctr_put_validity_end(&b, 2114380800u);
        mip6tls_ctr_put_ciphersuite(&b, 0x002F);
        a = addr("2001:db8::1");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_HAA_IP6, &a);
        a = addr("192.0.2.1");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_HAA_IP4, &a);
        mip6tls_ctr_put_port(&b, 7872);
        a = addr("2001:db8:1::100");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_IP6_HOA, &a);
        a = addr("198.51.100.10");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_IP4_HOA, &a);
        a = addr("2001:db8:1::");
        mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP6_HNP, &a, 64);
        a = addr("198.51.100.0");
        mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP4_HNP, &a, 24);
        a = addr("2001:db8::53");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP6, &a);
        a = addr("2001:db8::54");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP6, &a);
        a = addr("192.0.2.53");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &a);
        a = addr("192.0.2.54");
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &a);
        mip6tls_ctr_put_mn_rand(&b, mn_rand);
        mip6tls_ctr_put_hac_rand(&b, hac_rand);
        mip6tls_ctr_put_status(&b, MIP6TLS_CTR_ST_OK);
        return mip6tls_ctr_finish_auth(&b, (const uint8_t *)PSK, strlen(PSK), MIP6TLS_CTR_DIR_HAC,
                                       cb, sizeof cb);
    default: {
        uint8_t eap[20];
        assert_int_equal(tu_unhex(eap, sizeof eap, EAP_RESP_ID), 20);
        mip6tls_ctr_put_eap(&b, eap, sizeof eap);
        return mip6tls_ctr_finish_auth(&b, MIP6TLS_CTR_EAP_DEFAULT_KEY,
                                       MIP6TLS_CTR_EAP_DEFAULT_KEY_LEN, MIP6TLS_CTR_DIR_MN, cb,
                                       sizeof cb);
    }
    }
}

static const char *const expected[] = {NULL, psk1, psk2, psk3, psk4, eap3};

/* ---- framing ------------------------------------------------------------------------------ */

static void frame_need(void **state)
{
    uint8_t h[4] = {0, 1, 0, 10};
    (void)state;
    assert_int_equal(mip6tls_ctr_frame_need(h, 0), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_ctr_frame_need(h, 3), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), 14);
    h[2] = 0xff;
    h[3] = 0xff;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_CTR_MAX);
    h[3] = 0;
    h[2] = 0;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_LENGTH); /* §5.1: >= 1 */
    h[3] = 1;
    h[1] = 0;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_MALFORMED); /* Identifier 0 */
    h[1] = 255;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), 5);
    /* Interpretation 1: Ver != 0 and Rsrvd != 0 are distinct errors; Ver is checked first. */
    h[0] = 0x20;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_VERSION);
    h[0] = 0xe0;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_VERSION);
    h[0] = 0x21;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_VERSION);
    h[0] = 0x01;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_RESERVED);
    h[0] = 0x10;
    assert_int_equal(mip6tls_ctr_frame_need(h, 4), MIP6TLS_ERR_RESERVED);
}

static void decode_framing_errors(void **state)
{
    mip6tls_ctr_msg m;
    size_t n = frame(dbuf, 7, psk1, strlen(psk1));
    (void)state;
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(m.id, 7);
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n - 1), MIP6TLS_ERR_TRUNCATED);
    /* More bytes than the container: the caller must pass exactly one. */
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n + 1), MIP6TLS_ERR_LENGTH);
    dbuf[0] = 0x40;
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), MIP6TLS_ERR_VERSION);
    assert_int_equal(m.present, 0); /* zeroed on error */
    assert_int_equal(m.id, 0);
    dbuf[0] = 0x08;
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), MIP6TLS_ERR_RESERVED);
    dbuf[0] = 0;
    dbuf[1] = 0;
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), MIP6TLS_ERR_MALFORMED);
}

/* ---- the exchanges ------------------------------------------------------------------------ */

/* Each builder output is byte for byte the hand-written vector, including the OpenSSL-made
 * auth, with the expected Identifier and Length. */
static void build_matches_vectors(void **state)
{
    uint8_t out[1024];
    int which;
    (void)state;
    for (which = 1; which <= 5; which++) {
        const char *want = expected[which];
        int n = build(which, out, sizeof out);
        assert_int_equal(n, (int)strlen(want) + 4);
        assert_int_equal(out[0], 0);
        assert_int_equal(out[1], which >= 3 ? 2 : 1);
        assert_int_equal(mip6tls_get16(out + 2), strlen(want));
        assert_memory_equal(out + 4, want, strlen(want));
    }
}

static void psk_init_fields(void **state)
{
    mip6tls_ctr_msg m;
    (void)state;
    assert_int_equal(dec(&m, psk1), 0);
    assert_int_equal(m.present, MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_ID) |
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_RAND) |
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH_METHOD));
    assert_view(&m.mn_id, "mn1@example.net");
    assert_memory_equal(m.mn_rand, mn_rand, 32);
    assert_int_equal(m.auth_methods, MIP6TLS_CTR_AM_PSK);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_MN, cb, 32),
        MIP6TLS_ERR_MISSING);
    assert_int_equal(dec(&m, psk2), 0);
    assert_memory_equal(m.hac_rand, hac_rand, 32);
    assert_int_equal(m.auth_off, strlen(psk2) - 2 - 72);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, cb, 32), 0);
}

static void psk_done_fields(void **state)
{
    mip6tls_ctr_msg m;
    uint8_t k[64];
    mip6tls_addr a;
    (void)state;
    assert_int_equal(dec(&m, psk3), 0);
    assert_int_equal(m.sas, 1);
    assert_int_equal(m.n_suites, 3);
    assert_int_equal(m.suites[0], 0x009C);
    assert_int_equal(m.suites[1], 0x002F);
    assert_int_equal(m.suites[2], 0x003C);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_MN, cb, 32), 0);

    assert_int_equal(dec(&m, psk4), 0);
    assert_int_equal(m.present, (1u << MIP6TLS_CTR_H_COUNT) - 1 -
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_MN_ID) -
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH_METHOD) -
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_EAP_PAYLOAD) -
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_RETRY_AFTER) -
                                    MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SUITELIST));
    assert_int_equal(m.id, 1);
    assert_int_equal(m.sas, 1);
    assert_int_equal(m.spi, 4097);
    assert_int_equal(mip6tls_ctr_unhex(&m.keys[MIP6TLS_CTR_KEY_MN_TO_HA_IKEY], k, sizeof k), 20);
    assert_memory_equal(k, k_ikey1, 20);
    assert_int_equal(mip6tls_ctr_unhex(&m.keys[MIP6TLS_CTR_KEY_HA_TO_MN_IKEY], k, sizeof k), 20);
    assert_int_equal(k[19], 0x22);
    assert_int_equal(mip6tls_ctr_unhex(&m.keys[MIP6TLS_CTR_KEY_MN_TO_HA_EKEY], k, sizeof k), 16);
    assert_int_equal(k[0], 0x33);
    assert_int_equal(mip6tls_ctr_unhex(&m.keys[MIP6TLS_CTR_KEY_HA_TO_MN_EKEY], k, 15),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(m.validity_end, 2114380800u);
    assert_int_equal(m.ciphersuite, 0x002F);
    a = addr("2001:db8::1");
    assert_true(mip6tls_addr_eq(&m.haa_ip6, &a));
    a = addr("192.0.2.1");
    assert_true(mip6tls_addr_eq(&m.haa_ip4, &a));
    assert_int_equal(m.port, 7872);
    a = addr("2001:db8:1::100");
    assert_true(mip6tls_addr_eq(&m.ip6_hoa, &a));
    a = addr("198.51.100.10");
    assert_true(mip6tls_addr_eq(&m.ip4_hoa, &a));
    a = addr("2001:db8:1::");
    assert_true(mip6tls_addr_eq(&m.ip6_hnp, &a));
    assert_int_equal(m.ip6_hnp_len, 64);
    a = addr("198.51.100.0");
    assert_true(mip6tls_addr_eq(&m.ip4_hnp, &a));
    assert_int_equal(m.ip4_hnp_len, 24);
    assert_int_equal(m.n_dns_ip6, 2);
    a = addr("2001:db8::54");
    assert_true(mip6tls_addr_eq(&m.dns_ip6[1], &a));
    assert_int_equal(m.n_dns_ip4, 2);
    a = addr("192.0.2.53");
    assert_true(mip6tls_addr_eq(&m.dns_ip4[0], &a));
    assert_int_equal(m.status, 200);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, cb, 32), 0);
}

/* §5.9: the six messages of an EAP exchange (an MD5-Challenge method, which derives no MSK, so
 * every auth uses "1"), built, decoded and verified in turn. */
static void eap_exchange(void **state)
{
    static const char *eap_hex[6] = {
        NULL,
        "0101000501", /* EAP-Request/Identity */
        EAP_RESP_ID,  /* EAP-Response/Identity */
        "010200160410"
        "00112233445566778899aabbccddeeff", /* Request/MD5-Challenge */
        "020200160410"
        "ffeeddccbbaa99887766554433221100", /* Response/MD5-Challenge */
        "03020004",                         /* EAP-Success */
    };
    static const uint16_t suites[] = {0x003C, 0x000A};
    const uint8_t *key = MIP6TLS_CTR_EAP_DEFAULT_KEY;
    uint8_t out[512], eap[64];
    mip6tls_ctr_builder b;
    mip6tls_ctr_msg m;
    int step, n;
    (void)state;
    for (step = 0; step < 6; step++) {
        mip6tls_ctr_dir dir = step % 2 == 0 ? MIP6TLS_CTR_DIR_MN : MIP6TLS_CTR_DIR_HAC;
        size_t elen = 0;
        assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, (uint8_t)(step / 2 + 1)), 0);
        if (step == 0) {
            mip6tls_ctr_put_mn_id(&b, "mn1@example.net", 15);
            mip6tls_ctr_put_mn_rand(&b, mn_rand);
            mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_EAP | MIP6TLS_CTR_AM_PSK);
            n = mip6tls_ctr_finish(&b);
        } else {
            if (step == 1)
                mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_EAP);
            if (step == 4) {
                mip6tls_ctr_put_sas(&b, 0);
                mip6tls_ctr_put_suitelist(&b, suites, 2);
            }
            if (step == 5) {
                mip6tls_ctr_put_sas(&b, 0);
                mip6tls_ctr_put_spi(&b, MIP6TLS_CTR_SPI_MAX);
                mip6tls_ctr_put_ciphersuite(&b, 0x003C);
            }
            elen = tu_unhex(eap, sizeof eap, eap_hex[step]);
            mip6tls_ctr_put_eap(&b, eap, elen);
            if (step == 5)
                mip6tls_ctr_put_status(&b, 200);
            n = mip6tls_ctr_finish_auth(&b, key, 1, dir, cb, sizeof cb);
        }
        assert_true(n > 0);
        assert_int_equal(mip6tls_ctr_decode(&m, out, (size_t)n), 0);
        assert_int_equal(m.id, step / 2 + 1);
        if (step == 0) {
            assert_int_equal(m.auth_methods, MIP6TLS_CTR_AM_EAP | MIP6TLS_CTR_AM_PSK);
            assert_int_equal(mip6tls_ctr_auth_verify(&m, key, 1, dir, cb, 32), MIP6TLS_ERR_MISSING);
            continue;
        }
        {
            uint8_t got[64];
            assert_int_equal(mip6tls_ctr_unhex(&m.eap, got, sizeof got), (int)elen);
            assert_memory_equal(got, eap, elen);
        }
        assert_int_equal(mip6tls_ctr_auth_verify(&m, key, 1, dir, cb, 32), 0);
        /* The other direction's prefix does not verify. */
        assert_int_equal(mip6tls_ctr_auth_verify(&m, key, 1, (mip6tls_ctr_dir)(1 - dir), cb, 32),
                         MIP6TLS_ERR_AUTH);
        if (step == 5) {
            assert_int_equal(m.spi, MIP6TLS_CTR_SPI_MAX);
            assert_int_equal(m.sas, 0);
            assert_int_equal(m.status, 200);
        }
    }
}

/* ---- auth --------------------------------------------------------------------------------- */

static void auth_known_answer(void **state)
{
    uint8_t mac[32], want[32];
    const char *c = psk2;
    size_t off = strlen(psk2) - 2 - 72;
    (void)state;
    assert_int_equal(tu_unhex(want, sizeof want,
                              "ba5281bd5be859ea030a69ec634d1f4ba275d3903561612f8f310edbf29e47c9"),
                     32);
    mip6tls_ctr_auth_compute(mac, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, (const uint8_t *)c,
                             off, cb, sizeof cb);
    assert_memory_equal(mac, want, 32);
    /* Any single bit of the msg-octets, the key, the prefix or the CB-octets changes it. */
    {
        uint8_t copy[256], mac2[32];
        size_t i;
        memcpy(copy, c, off);
        for (i = 0; i < off; i++) {
            copy[i] ^= 0x01;
            mip6tls_ctr_auth_compute(mac2, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, copy, off,
                                     cb, sizeof cb);
            assert_memory_not_equal(mac2, want, 32);
            copy[i] ^= 0x01;
        }
        mip6tls_ctr_auth_compute(mac2, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_MN, copy, off, cb,
                                 sizeof cb);
        assert_memory_not_equal(mac2, want, 32);
        mip6tls_ctr_auth_compute(mac2, (const uint8_t *)PSK, 15, MIP6TLS_CTR_DIR_HAC, copy, off, cb,
                                 sizeof cb);
        assert_memory_not_equal(mac2, want, 32);
        mip6tls_ctr_auth_compute(mac2, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, copy, off, cb,
                                 31);
        assert_memory_not_equal(mac2, want, 32);
        mip6tls_ctr_auth_compute(mac2, (const uint8_t *)PSK, 16, MIP6TLS_CTR_DIR_HAC, copy, off,
                                 NULL, 0);
        assert_memory_not_equal(mac2, want, 32);
    }
}

/* A decoded message stops verifying when a content byte, the prefix or the CB-octets change,
 * and the 4-octet header is not covered. */
static void auth_verify_failures(void **state)
{
    mip6tls_ctr_msg m;
    uint8_t cb2[32];
    size_t n;
    const uint8_t *psk = (const uint8_t *)PSK;
    (void)state;
    n = frame(dbuf, 1, psk4, strlen(psk4));
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb, 32), 0);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_MN, cb, 32),
                     MIP6TLS_ERR_AUTH);
    memcpy(cb2, cb, 32);
    cb2[31] ^= 0x80;
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb2, 32),
                     MIP6TLS_ERR_AUTH);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, NULL, 0),
                     MIP6TLS_ERR_AUTH);
    assert_int_equal(
        mip6tls_ctr_auth_verify(&m, MIP6TLS_CTR_EAP_DEFAULT_KEY, 1, MIP6TLS_CTR_DIR_HAC, cb, 32),
        MIP6TLS_ERR_AUTH);
    /* The header is not covered: another Identifier still verifies. */
    dbuf[1] = 9;
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb, 32), 0);
    /* One content byte that keeps the syntax valid: the SPI 4097 -> 4098. */
    dbuf[4 + strlen("mip6-sas: 1\r\nmip6-spi: 409")] = '8';
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(m.spi, 4098);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb, 32),
                     MIP6TLS_ERR_AUTH);
    /* Upper-case hex in the auth value is the same MAC. */
    n = frame(dbuf, 1, psk2, strlen(psk2));
    dbuf[4 + strlen(psk2) - 2 - 72 + 6] = 'B';
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb, 32), 0);
    /* One changed MAC digit does not. */
    dbuf[4 + strlen(psk2) - 2 - 72 + 6 + 63] ^= 0x01; /* '9' -> '8' */
    assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), 0);
    assert_int_equal(mip6tls_ctr_auth_verify(&m, psk, 16, MIP6TLS_CTR_DIR_HAC, cb, 32),
                     MIP6TLS_ERR_AUTH);
}

/* ---- totality ----------------------------------------------------------------------------- */

/* Every prefix of every vector, in a heap block of exactly that size so AddressSanitizer sees
 * any read past it; and every shorter Length over the whole buffer. */
static void truncation_at_every_length(void **state)
{
    int which;
    (void)state;
    for (which = 1; which <= 5; which++) {
        uint8_t full[1024];
        int n = build(which, full, sizeof full);
        size_t k;
        assert_true(n > 0);
        for (k = 0; k < (size_t)n; k++) {
            mip6tls_ctr_msg m;
            uint8_t *p = malloc(k ? k : 1);
            int rc;
            assert_non_null(p);
            memcpy(p, full, k);
            rc = mip6tls_ctr_decode(&m, p, k);
            assert_int_equal(rc, MIP6TLS_ERR_TRUNCATED);
            free(p);
            if (k >= 5) {
                /* The same bytes framed with a Length that matches: still not a message. */
                uint8_t *q = malloc(k);
                assert_non_null(q);
                memcpy(q, full, k);
                mip6tls_put16(q + 2, (uint16_t)(k - 4));
                rc = mip6tls_ctr_decode(&m, q, k);
                assert_true(rc < 0);
                assert_true(MIP6TLS_ERR_IS_DECODE(rc));
                assert_int_equal(m.present, 0);
                free(q);
            }
        }
    }
}

/* ---- interpretations (docs/decisions/0001-0003) ------------------------------------------- */

static void names_case_insensitive(void **state)
{
    mip6tls_ctr_msg m;
    (void)state;
    assert_int_equal(dec(&m, "MN-ID: mn1@example.net\r\n"
                             "Auth-Method: PSK,Eap\r\n"
                             "Mip6-SPI: 7\r\n"
                             "\r\n"),
                     0);
    assert_view(&m.mn_id, "mn1@example.net");
    assert_int_equal(m.auth_methods, MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP);
    assert_int_equal(m.spi, 7);
    /* A name is case-insensitive, so "MN-ID" and "mn-id" are the same header. */
    assert_int_equal(dec(&m, "mn-id: a@b.c\r\nMN-ID: a@b.c\r\n\r\n"), MIP6TLS_ERR_DUPLICATE);
}

static void duplicates(void **state)
{
    mip6tls_ctr_msg m;
    (void)state;
    assert_int_equal(dec(&m, "mip6-spi: 1\r\nmip6-spi: 1\r\n\r\n"), MIP6TLS_ERR_DUPLICATE);
    assert_int_equal(dec(&m, "mn-rand: " MNR "\r\nmn-rand: " MNR "\r\n\r\n"),
                     MIP6TLS_ERR_DUPLICATE);
    assert_int_equal(dec(&m, "auth-method: psk\r\nauth-method: eap\r\n\r\n"),
                     MIP6TLS_ERR_DUPLICATE);
    /* dns-ip6 / dns-ip4 may repeat; the first MIP6TLS_CTR_DNS_MAX are kept, the rest are
     * checked and ignored. */
    assert_int_equal(dec(&m, "dns-ip4: 192.0.2.1\r\ndns-ip4: 192.0.2.2\r\ndns-ip4: 192.0.2.3\r\n"
                             "dns-ip4: 192.0.2.4\r\ndns-ip4: 192.0.2.5\r\ndns-ip4: 192.0.2.6\r\n"
                             "dns-ip6: 0:0:0:0:0:0:0:1\r\n\r\n"),
                     0);
    assert_int_equal(m.n_dns_ip4, MIP6TLS_CTR_DNS_MAX);
    assert_int_equal(m.dns_ip4[3].bytes[3], 4);
    assert_int_equal(m.n_dns_ip6, 1);
    assert_int_equal(dec(&m, "dns-ip4: 192.0.2.1\r\ndns-ip4: 192.0.2.2\r\ndns-ip4: 192.0.2.3\r\n"
                             "dns-ip4: 192.0.2.4\r\ndns-ip4: 192.0.2.256\r\n\r\n"),
                     MIP6TLS_ERR_MALFORMED);
}

static void unknown_headers_ignored(void **state)
{
    mip6tls_ctr_msg m;
    (void)state;
    assert_int_equal(dec(&m, "x-vendor: anything at all, even {}()\r\n"
                             "mip6-port: 1\r\n"
                             "x-vendor: twice\r\n"
                             "x-empty:\r\n"
                             "\r\n"),
                     0);
    assert_int_equal(m.present, MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_PORT));
    assert_int_equal(m.port, 1);
    /* Only unknown headers: a valid message with nothing known in it. */
    assert_int_equal(dec(&m, "x-a: 1\r\n\r\n"), 0);
    assert_int_equal(m.present, 0);
    /* Unknown names are still tokens; their values still have no control characters. */
    assert_int_equal(dec(&m, "x(a): 1\r\n\r\n"), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(dec(&m, "x-a: 1\x01\r\n\r\n"), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(dec(&m, "x-\xc3\xa9: 1\r\n\r\n"), MIP6TLS_ERR_MALFORMED);
}

static void auth_must_be_last(void **state)
{
    mip6tls_ctr_msg m;
    static const char bad[] =
        "mn-rand: " MNR "\r\n"
        "auth: ba5281bd5be859ea030a69ec634d1f4ba275d3903561612f8f310edbf29e47c9\r\n"
        "hac-rand: " HACR "\r\n"
        "\r\n";
    static const char bad_unknown[] =
        "auth: ba5281bd5be859ea030a69ec634d1f4ba275d3903561612f8f310edbf29e47c9\r\n"
        "x-trailer: 1\r\n"
        "\r\n";
    (void)state;
    assert_int_equal(dec(&m, bad), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(dec(&m, bad_unknown), MIP6TLS_ERR_MALFORMED);
    /* auth alone is fine: msg-octets are empty. */
    assert_int_equal(dec(&m, psk2 + strlen(psk2) - 74), 0);
    assert_int_equal(m.present, MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH));
    assert_int_equal(m.auth_off, 0);
}

static void line_syntax(void **state)
{
    static const struct {
        const char *c;
        int rc;
    } cases[] = {
        {"mip6-port:7872\r\n\r\n", 0},                        /* no space after ':' */
        {"mip6-port: \t 7872 \t\r\n\r\n", 0},                 /* OWS both sides */
        {"mip6-port : 7872\r\n\r\n", MIP6TLS_ERR_MALFORMED},  /* space before ':' */
        {" mip6-port: 7872\r\n\r\n", MIP6TLS_ERR_MALFORMED},  /* obs-fold / leading SP */
        {"mip6-port: 78 72\r\n\r\n", MIP6TLS_ERR_MALFORMED},  /* inner space in a number */
        {"mip6-port 7872\r\n\r\n", MIP6TLS_ERR_MALFORMED},    /* no ':' */
        {": 7872\r\n\r\n", MIP6TLS_ERR_MALFORMED},            /* empty name */
        {"mip6-port: 7872\n\r\n", MIP6TLS_ERR_MALFORMED},     /* bare LF */
        {"mip6-port: 7872\r\n\n", MIP6TLS_ERR_MALFORMED},     /* bare LF as the end */
        {"mip6-port: 7872\r\r\n\r\n", MIP6TLS_ERR_MALFORMED}, /* bare CR */
        {"mip6-port: 7872\rx\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-port: 7872\r\n", MIP6TLS_ERR_LENGTH},         /* no blank line */
        {"mip6-port: 7872\r\n\r", MIP6TLS_ERR_LENGTH},       /* half a blank line */
        {"mip6-port: 7872", MIP6TLS_ERR_LENGTH},             /* no CRLF at all */
        {"mip6-port: 7872\r\n\r\nx", MIP6TLS_ERR_LENGTH},    /* content after the end */
        {"mip6-port: 7872\r\n\r\n\r\n", MIP6TLS_ERR_LENGTH}, /* a second blank line */
        {"\r\n", MIP6TLS_ERR_MISSING},                       /* no header at all */
        {"\r\nmip6-port: 7872\r\n\r\n", MIP6TLS_ERR_LENGTH},
        {"x", MIP6TLS_ERR_LENGTH},
    };
    mip6tls_ctr_msg m;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = dec(&m, cases[i].c);
        if (rc != cases[i].rc)
            fail_msg("case %zu: got %d, want %d", i, rc, cases[i].rc);
    }
    /* A NUL inside the content is a control character, not an end of string. */
    {
        static const char c[] = "x-a: a\0b\r\n\r\n";
        size_t n = frame(dbuf, 1, c, sizeof c - 1);
        assert_int_equal(mip6tls_ctr_decode(&m, dbuf, n), MIP6TLS_ERR_MALFORMED);
    }
}

/* ---- value syntax ------------------------------------------------------------------------- */

static void values(void **state)
{
    static const struct {
        const char *c;
        int rc;
    } cases[] = {
        /* mip6-spi (§5.6.1): 1..268435455 */
        {"mip6-spi: 0\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi: 1\r\n\r\n", 0},
        {"mip6-spi: 268435455\r\n\r\n", 0},
        {"mip6-spi: 268435456\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi: 4294967297\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi: 99999999999999999999999999\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi: 000000000000000000042\r\n\r\n", 0},
        {"mip6-spi: -1\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi: 0x10\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-spi:\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* mn-rand / hac-rand (§5.5.8): exactly 64 hex digits */
        {"mn-rand: " MNR "\r\n\r\n", 0},
        {"mn-rand: " MNR "0\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"hac-rand: 0" HACR "\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"hac-rand: a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\r\n\r\n",
         MIP6TLS_ERR_MALFORMED}, /* 63 */
        {"mn-rand: 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\r\n\r\n", 0},
        {"mn-rand: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\r\n\r\n",
         MIP6TLS_ERR_MALFORMED},
        /* auth (§5.5.5): 32 octets */
        {"auth: 00\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* status-code (§5.5.4) */
        {"status-code: 100\r\n\r\n", 0},
        {"status-code: 504\r\n\r\n", 0},
        {"status-code: 201\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"status-code: 0200\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"status-code: 20\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* mip6-sas (§5.6.4): the prose's "O" is not a digit */
        {"mip6-sas: 0\r\n\r\n", 0},
        {"mip6-sas: O\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sas: 2\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sas: 01\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* mip6-port (§5.7.2): 1*5DIGIT, 1..65535 */
        {"mip6-port: 65535\r\n\r\n", 0},
        {"mip6-port: 00001\r\n\r\n", 0},
        {"mip6-port: 0\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-port: 65536\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-port: 007872\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* mip6-ciphersuite / mip6-suitelist (§5.6.5) */
        {"mip6-ciphersuite: {00,3b}\r\n\r\n", 0},
        {"mip6-ciphersuite: {CC,A8}\r\n\r\n", 0},
        {"mip6-ciphersuite: {ff,ff}\r\n\r\n", 0}, /* unknown codes are kept */
        {"mip6-ciphersuite: {00,2F\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: {0,2F}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: {00;2F}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: 00,2F\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: {00, 2F}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: {00,2F},{00,3C}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ciphersuite: {0x00,0x2F}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-suitelist: {00,2F}\r\n\r\n", 0},
        {"mip6-suitelist: {00,2F} , {00,3C}\r\n\r\n", 0},
        {"mip6-suitelist: {00,2F},\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-suitelist: ,{00,2F}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-suitelist: {00,2F}{00,3C}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-suitelist: {00,2F},,{00,3C}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-suitelist: {00,2G}\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* auth-method (§5.5.2) */
        {"auth-method: psk , eap\r\n\r\n", 0},
        {"auth-method: psk,\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"auth-method: tls\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"auth-method: pskeap\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"auth-method:\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* keys (§5.6.2): 1*(HEX HEX), at most 64 octets */
        {"mip6-mn-to-ha-ikey: ab\r\n\r\n", 0},
        {"mip6-mn-to-ha-ikey: abc\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ha-to-mn-ekey: " MNR MNR "\r\n\r\n", 0},
        {"mip6-ha-to-mn-ekey: " MNR MNR "00\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ha-to-mn-ikey: \r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* eap-payload (§5.5.3) */
        {"eap-payload: 03020004\r\n\r\n", 0},
        {"eap-payload: 0302000\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"eap-payload: 03 02 00 04\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* addresses (§5.7): strict wire form */
        {"mip6-haa-ip6: 2001:db8::1\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-haa-ip6: 192.0.2.1\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-haa-ip4: 192.0.2.256\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ip4-hoa: 192.0.2\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ip6-hoa: 2001:DB8:0:0:0:0:0:1\r\n\r\n", 0},
        {"mip6-ip6-hnp: 2001:db8:0:0:0:0:0:0/129\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ip6-hnp: 2001:db8:0:0:0:0:0:0\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ip4-hnp: 10.0.0.0/33\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-ip4-hnp: 10.0.0.0/8\r\n\r\n", 0},
        {"dns-ip6: 0:0:0:0:0:0:0:1/128\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* mn-id (§5.5.1, RFC 4282 §2.1) */
        {"mn-id: user\r\n\r\n", 0},
        {"mn-id: @example.net\r\n\r\n", 0},
        {"mn-id: first.last@sub.example.net\r\n\r\n", 0},
        {"mn-id: a\\@b@example.net\r\n\r\n", 0},
        {"mn-id: j\xc3\xb6rg@example.net\r\n\r\n", 0},
        {"mn-id: user@example\r\n\r\n", MIP6TLS_ERR_MALFORMED}, /* one label */
        {"mn-id: user@@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: .user@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user.@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: us..er@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user@-example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user@example-.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user@example..net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user@example.net.\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: us er@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: us,er@example.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user\\\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: user@ex_ample.net\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id: @\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mn-id:\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        /* dates (§5.5.6, §5.6.3; RFC 2616 §3.3.1) */
        {"retry-after: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", 0},
        {"retry-after: Mon, 06 Nov 1994 08:49:37 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: Sun, 06 Nov 1994 08:49:37 UTC\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: Sun, 6 Nov 1994 08:49:37 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: Sunday, 06-Nov-94 08:49:37 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: Sun Nov  6 08:49:37 1994\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"retry-after: 120\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Thu, 29 Feb 2024 00:00:00 GMT\r\n\r\n", 0},
        {"mip6-sa-validity-end: Fri, 29 Feb 2023 00:00:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Tue, 29 Feb 2000 00:00:00 GMT\r\n\r\n", 0},
        {"mip6-sa-validity-end: Thu, 29 Feb 2100 00:00:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Sat, 31 Apr 2027 00:00:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 00 Jan 2025 00:00:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 24:00:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 23:60:00 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 23:59:60 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 23:59:59 GMT\r\n\r\n", 0},
        {"mip6-sa-validity-end: Wed, 01 JAN 2025 23:59:59 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Foo 2025 23:59:59 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 31 Dec 1969 23:59:59 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n", 0},
        {"mip6-sa-validity-end: Fri, 31 Dec 9999 23:59:59 GMT\r\n\r\n", 0},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 23:59:59 GMT \r\n\r\n", 0},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025  23:59:59 GMT\r\n\r\n", MIP6TLS_ERR_MALFORMED},
        {"mip6-sa-validity-end: Wed, 01 Jan 2025 23:59:59 GMT+1\r\n\r\n", MIP6TLS_ERR_MALFORMED},
    };
    mip6tls_ctr_msg m;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = dec(&m, cases[i].c);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): got %d, want %d", i, cases[i].c, rc, cases[i].rc);
    }
    assert_int_equal(dec(&m, "mip6-spi: 000000000000000000042\r\n\r\n"), 0);
    assert_int_equal(m.spi, 42);
    assert_int_equal(dec(&m, "mip6-ciphersuite: {cc,a8}\r\n\r\n"), 0);
    assert_int_equal(m.ciphersuite, 0xCCA8);
    assert_int_equal(dec(&m, "retry-after: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"), 0);
    assert_int_equal(m.retry_after, 784111777u); /* date -u -d '...' +%s */
    assert_int_equal(dec(&m, "mn-id: a\\@b@example.net\r\n\r\n"), 0);
    assert_view(&m.mn_id, "a\\@b@example.net"); /* as written, escape kept */
    assert_int_equal(dec(&m, "mip6-sa-validity-end: Wed, 01 Jan 2025 23:59:59 GMT \r\n\r\n"), 0);
    assert_int_equal(m.validity_end, 1735775999u);
}

static void suitelist_limit(void **state)
{
    char c[512];
    size_t n = 0;
    int i;
    mip6tls_ctr_msg m;
    static const char hex[] = "0123456789ABCDEF";
    (void)state;
    memcpy(c, "mip6-suitelist: ", 16);
    n = 16;
    for (i = 0; i < 20; i++) {
        if (i > 0)
            c[n++] = ',';
        memcpy(c + n, "{00,00}", 7);
        c[n + 4] = hex[i >> 4];
        c[n + 5] = hex[i & 15];
        n += 7;
    }
    memcpy(c + n, "\r\n\r\n", 5);
    assert_int_equal(dec(&m, c), 0);
    assert_int_equal(m.n_suites, MIP6TLS_CTR_SUITES_MAX);
    assert_int_equal(m.suites[15], 15);
}

/* ---- dates -------------------------------------------------------------------------------- */

static void date_round_trips(void **state)
{
    static const struct {
        uint64_t t;
        const char *s;
    } known[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"}, /* RFC 2616 §3.3.1 example */
        {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {2114380800u, "Thu, 01 Jan 2037 00:00:00 GMT"},
        {4107542400u, "Mon, 01 Mar 2100 00:00:00 GMT"},
        {MIP6TLS_CTR_TIME_MAX, "Fri, 31 Dec 9999 23:59:59 GMT"},
    };
    char out[MIP6TLS_CTR_DATE_LEN];
    uint64_t t;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        assert_int_equal(mip6tls_ctr_date_format(known[i].t, out, sizeof out), 29);
        assert_memory_equal(out, known[i].s, 29);
        assert_int_equal(mip6tls_ctr_date_parse(&t, known[i].s, 29), 0);
        assert_int_equal(t, known[i].t);
    }
    for (i = 0; i < 5000; i++) {
        uint8_t r[8];
        uint64_t v;
        tu_fill(r, sizeof r, i + 77);
        v = mip6tls_get64(r) % (MIP6TLS_CTR_TIME_MAX + 1);
        assert_int_equal(mip6tls_ctr_date_format(v, out, sizeof out), 29);
        assert_int_equal(mip6tls_ctr_date_parse(&t, out, 29), 0);
        assert_int_equal(t, v);
    }
    assert_int_equal(mip6tls_ctr_date_format(MIP6TLS_CTR_TIME_MAX + 1, out, sizeof out),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ctr_date_format(0, out, 28), MIP6TLS_ERR_NOBUF);
    t = 5;
    assert_int_equal(mip6tls_ctr_date_parse(&t, "Thu, 01 Jan 1970 00:00:00 GMT", 28),
                     MIP6TLS_ERR_MALFORMED);
    assert_int_equal(t, 5);
}

/* ---- builder ------------------------------------------------------------------------------ */

static void builder_nobuf_at_every_cap(void **state)
{
    int which;
    (void)state;
    for (which = 1; which <= 5; which++) {
        uint8_t full[1024], out[1024 + 1];
        int n = build(which, full, sizeof full);
        size_t cap;
        assert_true(n > 0);
        for (cap = 0; cap < (size_t)n; cap++) {
            memset(out, 0xee, sizeof out);
            assert_int_equal(build(which, out, cap), MIP6TLS_ERR_NOBUF);
            assert_int_equal(out[cap], 0xee); /* nothing past cap */
        }
        assert_int_equal(build(which, out, (size_t)n), n);
        assert_memory_equal(out, full, (size_t)n);
    }
}

static void builder_misuse(void **state)
{
    uint8_t out[256];
    mip6tls_ctr_builder b;
    mip6tls_addr a4, a6;
    uint8_t k[65] = {0};
    uint16_t codes[MIP6TLS_CTR_SUITES_MAX + 1] = {0};
    int i;
    (void)state;
    a4 = addr("192.0.2.1");
    a6 = addr("2001:db8::1");
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 0), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ctr_put_spi(&b, 1), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ctr_build_init(&b, out, 5, 1), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_ctr_finish(&b), MIP6TLS_ERR_NOBUF);

    /* Each bad value is refused and becomes the builder's error. */
#define REFUSED(call)                                                                              \
    do {                                                                                           \
        assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);                       \
        assert_int_equal(call, MIP6TLS_ERR_ARG);                                                   \
        assert_int_equal(b.len, 4);                                                                \
        assert_int_equal(mip6tls_ctr_finish(&b), MIP6TLS_ERR_ARG);                                 \
    } while (0)
    REFUSED(mip6tls_ctr_put_spi(&b, 0));
    REFUSED(mip6tls_ctr_put_spi(&b, MIP6TLS_CTR_SPI_MAX + 1));
    REFUSED(mip6tls_ctr_put_port(&b, 0));
    REFUSED(mip6tls_ctr_put_sas(&b, 2));
    REFUSED(mip6tls_ctr_put_status(&b, 201));
    REFUSED(mip6tls_ctr_put_auth_method(&b, 0));
    REFUSED(mip6tls_ctr_put_auth_method(&b, 4));
    REFUSED(mip6tls_ctr_put_mn_id(&b, "bad@example", 11));
    REFUSED(mip6tls_ctr_put_mn_id(&b, "a\r\nauth: x", 10));
    REFUSED(mip6tls_ctr_put_eap(&b, k, 0));
    REFUSED(mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, k, 65));
    REFUSED(mip6tls_ctr_put_key(&b, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, k, 0));
    REFUSED(mip6tls_ctr_put_key(&b, (mip6tls_ctr_key)4, k, 16));
    REFUSED(mip6tls_ctr_put_suitelist(&b, codes, 0));
    REFUSED(mip6tls_ctr_put_suitelist(&b, codes, MIP6TLS_CTR_SUITES_MAX + 1));
    REFUSED(mip6tls_ctr_put_validity_end(&b, MIP6TLS_CTR_TIME_MAX + 1));
    REFUSED(mip6tls_ctr_put_retry_after(&b, UINT64_MAX));
    REFUSED(mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_HAA_IP6, &a4));
    REFUSED(mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &a6));
    REFUSED(mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_SPI, &a6));
    REFUSED(mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP6_HNP, &a6, 129));
    REFUSED(mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP4_HNP, &a4, 33));
    REFUSED(mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP4_HNP, &a6, 24));
    REFUSED(mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_HAA_IP4, &a4, 24));

    /* No repeats, except up to MIP6TLS_CTR_DNS_MAX of each dns header. */
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    assert_int_equal(mip6tls_ctr_put_port(&b, 1), 0);
    assert_int_equal(mip6tls_ctr_put_port(&b, 2), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ctr_finish(&b), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    for (i = 0; i < MIP6TLS_CTR_DNS_MAX; i++)
        assert_int_equal(mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &a4), 0);
    assert_int_equal(mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &a4), MIP6TLS_ERR_ARG);

    /* Nothing after finish. */
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    assert_int_equal(mip6tls_ctr_put_sas(&b, 0), 0);
    assert_int_equal(mip6tls_ctr_finish(&b), 4 + 15);
    assert_int_equal(mip6tls_ctr_finish(&b), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_ctr_put_port(&b, 1), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_ctr_finish_auth(&b, k, 1, MIP6TLS_CTR_DIR_MN, NULL, 0),
                     MIP6TLS_ERR_STATE);
    assert_memory_equal(out, "\x00\x01\x00\x0fmip6-sas: 0\r\n\r\n", 19);

    /* An empty builder cannot finish without auth: the content would be the blank line alone. */
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    assert_int_equal(mip6tls_ctr_finish(&b), MIP6TLS_ERR_STATE);
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    assert_int_equal(mip6tls_ctr_finish_auth(&b, k, 1, MIP6TLS_CTR_DIR_MN, NULL, 0), 4 + 74);

    /* finish_auth with a bad direction. */
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 1), 0);
    assert_int_equal(mip6tls_ctr_finish_auth(&b, k, 1, (mip6tls_ctr_dir)2, NULL, 0),
                     MIP6TLS_ERR_ARG);
}

/* A content of 65535 octets is the largest that fits; the builder stops there. */
static void builder_content_limit(void **state)
{
    static uint8_t out[MIP6TLS_CTR_MAX + 100], eap[40000];
    mip6tls_ctr_builder b;
    mip6tls_ctr_msg m;
    size_t room;
    int n;
    (void)state;
    memset(eap, 0xab, sizeof eap);
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 3), 0);
    assert_int_equal(mip6tls_ctr_put_eap(&b, eap, sizeof eap), MIP6TLS_ERR_NOBUF);
    /* "eap-payload: " + hex + CRLF + blank line = 65535 exactly. */
    room = (MIP6TLS_CTR_CONTENT_MAX - 13 - 2 - 2) / 2;
    assert_int_equal(mip6tls_ctr_build_init(&b, out, sizeof out, 3), 0);
    assert_int_equal(mip6tls_ctr_put_eap(&b, eap, room), 0);
    n = mip6tls_ctr_finish(&b);
    assert_int_equal(n, 4 + 13 + 2 * (int)room + 2 + 2);
    assert_true(n <= MIP6TLS_CTR_MAX);
    assert_int_equal(mip6tls_ctr_decode(&m, out, (size_t)n), 0);
    assert_int_equal(m.eap.len, 2 * room);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_need),
        cmocka_unit_test(decode_framing_errors),
        cmocka_unit_test(build_matches_vectors),
        cmocka_unit_test(psk_init_fields),
        cmocka_unit_test(psk_done_fields),
        cmocka_unit_test(eap_exchange),
        cmocka_unit_test(auth_known_answer),
        cmocka_unit_test(auth_verify_failures),
        cmocka_unit_test(truncation_at_every_length),
        cmocka_unit_test(names_case_insensitive),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(unknown_headers_ignored),
        cmocka_unit_test(auth_must_be_last),
        cmocka_unit_test(line_syntax),
        cmocka_unit_test(values),
        cmocka_unit_test(suitelist_limit),
        cmocka_unit_test(date_round_trips),
        cmocka_unit_test(builder_nobuf_at_every_cap),
        cmocka_unit_test(builder_misuse),
        cmocka_unit_test(builder_content_limit),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
