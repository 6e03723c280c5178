/*
 * test_cred.c: credentials from PEM and DER (cred.c).
 *
 * Inputs are the generated test PKI (tests/support/test_pki.c, made by
 * tests/vectors/gen_test_pki.sh with the openssl CLI); expected DER octets are openssl's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/cred.h"
#include "test_pki.h"

static uint8_t arena[16384];

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static size_t slen(const char *s)
{
    return strlen(s);
}

/* memmem is not C11. */
static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    size_t i;
    for (i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void ec_chain_and_keys(void **state)
{
    static const char *const keys[] = {tpki_ec_key_pem, tpki_ec_key_pk8_pem};
    mip6tls_cred c;
    size_t i;
    (void)state;
    for (i = 0; i < 3; i++) {
        mip6tls_cred_init(&c, arena, sizeof arena);
        assert_int_equal(
            mip6tls_cred_add_chain(&c, u8(tpki_hac_ec_chain_pem), slen(tpki_hac_ec_chain_pem)), 0);
        assert_int_equal(c.chain_len, 2);
        assert_int_equal(c.chain[0].data_len, tpki_hac_ec_der_len);
        assert_memory_equal(c.chain[0].data, tpki_hac_ec_der, tpki_hac_ec_der_len);
        assert_int_equal(c.chain[1].data_len, tpki_ca_der_len);
        assert_memory_equal(c.chain[1].data, tpki_ca_der, tpki_ca_der_len);
        assert_int_equal(c.ee_issuer_key_type, BR_KEYTYPE_EC);
        /* SEC1 PEM after an EC PARAMETERS object, PKCS#8 PEM, SEC1 DER */
        if (i < 2)
            assert_int_equal(mip6tls_cred_set_key(&c, u8(keys[i]), slen(keys[i])), 0);
        else
            assert_int_equal(mip6tls_cred_set_key(&c, tpki_ec_key_der, tpki_ec_key_der_len), 0);
        assert_int_equal(c.key_type, BR_KEYTYPE_EC);
        assert_int_equal(c.key.ec.curve, BR_EC_secp256r1);
        assert_int_equal(c.key.ec.xlen, 32);
        assert_int_equal(mip6tls_cred_check(&c), 0);
        assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_OK);
    }
}

static void rsa_chain_and_keys(void **state)
{
    mip6tls_cred c;
    size_t i;
    (void)state;
    for (i = 0; i < 3; i++) {
        mip6tls_cred_init(&c, arena, sizeof arena);
        assert_int_equal(
            mip6tls_cred_add_chain(&c, u8(tpki_hac_rsa_chain_pem), slen(tpki_hac_rsa_chain_pem)),
            0);
        assert_memory_equal(c.chain[0].data, tpki_hac_rsa_der, tpki_hac_rsa_der_len);
        if (i == 0) /* traditional PKCS#1 */
            assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_rsa_key_pem), slen(tpki_rsa_key_pem)),
                             0);
        else if (i == 1)
            assert_int_equal(
                mip6tls_cred_set_key(&c, u8(tpki_rsa_key_pk8_pem), slen(tpki_rsa_key_pk8_pem)), 0);
        else
            assert_int_equal(
                mip6tls_cred_set_key(&c, tpki_rsa_key_pk8_der, tpki_rsa_key_pk8_der_len), 0);
        assert_int_equal(c.key_type, BR_KEYTYPE_RSA);
        assert_int_equal(c.key.rsa.n_bitlen, 2048);
        assert_int_equal(mip6tls_cred_check(&c), 0);
    }
}

static void der_certificate_and_anchor(void **state)
{
    mip6tls_cred c;
    (void)state;
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_add_chain(&c, tpki_hac_ec_der, tpki_hac_ec_der_len), 0);
    assert_int_equal(c.chain_len, 1);
    assert_int_equal(mip6tls_cred_add_anchors(&c, tpki_ca_der, tpki_ca_der_len), 0);
    assert_int_equal(c.anchors_len, 1);
    assert_int_equal(c.anchors[0].flags, BR_X509_TA_CA);
    assert_int_equal(c.anchors[0].pkey.key_type, BR_KEYTYPE_EC);
    assert_int_equal(c.anchors[0].pkey.key.ec.qlen, 65);
    /* The chain's DER is intact after the anchor's was compacted away. */
    assert_memory_equal(c.chain[0].data, tpki_hac_ec_der, tpki_hac_ec_der_len);
    /* Trailing octets after a DER certificate are refused (they would be hashed too). */
    {
        uint8_t buf[4096];
        memcpy(buf, tpki_hac_ec_der, tpki_hac_ec_der_len);
        buf[tpki_hac_ec_der_len] = 0;
        assert_int_equal(mip6tls_cred_add_chain(&c, buf, tpki_hac_ec_der_len + 1),
                         MIP6TLS_ERR_MALFORMED);
        assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_BAD_CERT);
    }
}

/* Anchors: the DN is the CA certificate's subject (checked against the DER: the subject
 * SEQUENCE follows the validity), and a non-CA certificate becomes a direct-trust anchor. */
static void anchors_from_pem(void **state)
{
    mip6tls_cred c;
    const uint8_t *dn;
    (void)state;
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_add_anchors(&c, u8(tpki_ca_pem), slen(tpki_ca_pem)), 0);
    assert_int_equal(mip6tls_cred_add_anchors(&c, u8(tpki_rogue_ca_pem), slen(tpki_rogue_ca_pem)),
                     0);
    assert_int_equal(mip6tls_cred_add_anchors(&c, u8(tpki_wrongname_pem), slen(tpki_wrongname_pem)),
                     0);
    assert_int_equal(c.anchors_len, 3);
    assert_int_equal(c.anchors[0].flags, BR_X509_TA_CA);
    assert_int_equal(c.anchors[1].flags, BR_X509_TA_CA);
    assert_int_equal(c.anchors[2].flags, 0);
    dn = c.anchors[0].dn.data;
    assert_int_equal(c.anchors[0].dn.len, 28); /* SEQUENCE { SET { CN "mip6tls Test CA" } } */
    assert_int_equal(dn[0], 0x30);
    assert_true(contains(tpki_ca_der, tpki_ca_der_len, dn, c.anchors[0].dn.len));
    assert_true(contains(tpki_ca_der, tpki_ca_der_len, c.anchors[0].pkey.key.ec.q, 65));
    /* Only DN and key stay: far less than the certificates. */
    assert_true(c.used < 3 * 200);
    /* A chain file gives one anchor per certificate. */
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(
        mip6tls_cred_add_anchors(&c, u8(tpki_hac_rsa_chain_pem), slen(tpki_hac_rsa_chain_pem)), 0);
    assert_int_equal(c.anchors_len, 2);
    assert_int_equal(c.anchors[0].pkey.key_type, BR_KEYTYPE_RSA);
    assert_int_equal(c.anchors[0].pkey.key.rsa.nlen, 256);
}

static void key_mismatch_and_incomplete(void **state)
{
    mip6tls_cred c;
    (void)state;
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_check(&c), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_INCOMPLETE);
    assert_int_equal(
        mip6tls_cred_add_chain(&c, u8(tpki_hac_rsa_chain_pem), slen(tpki_hac_rsa_chain_pem)), 0);
    assert_int_equal(mip6tls_cred_check(&c), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_ec_key_pem), slen(tpki_ec_key_pem)), 0);
    assert_int_equal(mip6tls_cred_check(&c), MIP6TLS_ERR_ARG); /* EC key, RSA certificate */
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_KEY_MISMATCH);

    /* An EC key that is not the certificate's: the CA's own certificate with hac-ec's key. */
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_add_chain(&c, tpki_ca_der, tpki_ca_der_len), 0);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_ec_key_pem), slen(tpki_ec_key_pem)), 0);
    assert_int_equal(mip6tls_cred_check(&c), MIP6TLS_ERR_ARG);

    /* An RSA key with an EC certificate. */
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_add_chain(&c, tpki_hac_ec_der, tpki_hac_ec_der_len), 0);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_rsa_key_pem), slen(tpki_rsa_key_pem)), 0);
    assert_int_equal(mip6tls_cred_check(&c), MIP6TLS_ERR_ARG);
}

static void unusable_keys(void **state)
{
    mip6tls_cred c;
    char two[8192];
    (void)state;
    memset(arena, 0, sizeof arena);
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_ed25519_key_pem), slen(tpki_ed25519_key_pem)),
                     MIP6TLS_ERR_UNSUPPORTED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_KEY_TYPE);
    assert_int_equal(
        mip6tls_cred_set_key(&c, u8(tpki_ec_key_encrypted_pem), slen(tpki_ec_key_encrypted_pem)),
        MIP6TLS_ERR_UNSUPPORTED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_KEY_TYPE);
    assert_int_equal(c.key_type, 0);
    assert_int_equal(c.used, 0);
    /* Two keys in one input: ambiguous. */
    snprintf(two, sizeof two, "%s%s", tpki_ec_key_pk8_pem, tpki_rsa_key_pem);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(two), slen(two)), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_TWO_KEYS);
    assert_int_equal(c.key_type, 0);
    assert_int_equal(c.used, 0);
    assert_true(all_zero(arena, sizeof arena)); /* the decoded key octets were wiped */
    /* A certificate is not a key, a key is not a certificate. */
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_ca_pem), slen(tpki_ca_pem)),
                     MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_NO_OBJECT);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(tpki_ec_key_pem), slen(tpki_ec_key_pem)),
                     MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_set_key(&c, tpki_ca_der, tpki_ca_der_len), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_BAD_KEY);
}

static void replaced_key_is_wiped(void **state)
{
    mip6tls_cred c;
    uint8_t *x;
    size_t xlen;
    (void)state;
    mip6tls_cred_init(&c, arena, sizeof arena);
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_ec_key_pem), slen(tpki_ec_key_pem)), 0);
    x = c.key.ec.x;
    xlen = c.key.ec.xlen;
    assert_false(all_zero(x, xlen));
    assert_int_equal(mip6tls_cred_set_key(&c, u8(tpki_rsa_key_pem), slen(tpki_rsa_key_pem)), 0);
    assert_true(all_zero(x, xlen));
    assert_int_equal(c.key_type, BR_KEYTYPE_RSA);
}

static void bad_pem(void **state)
{
    mip6tls_cred c;
    char buf[4096];
    size_t n = slen(tpki_ca_pem);
    char *p;
    (void)state;
    mip6tls_cred_init(&c, arena, sizeof arena);

    /* A character outside Base64 inside the object. */
    memcpy(buf, tpki_ca_pem, n + 1);
    p = strchr(buf, '\n') + 5;
    *p = '!';
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), n), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_BAD_PEM);

    /* No END banner. */
    memcpy(buf, tpki_ca_pem, n + 1);
    p = strstr(buf, "-----END");
    *p = 0;
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), strlen(buf)), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_BAD_PEM);

    /* Valid PEM, but the certificate inside is cut short: Base64 of fewer octets. */
    memcpy(buf, tpki_ca_pem, n + 1);
    p = strstr(buf, "\n-----END") - 8;
    memmove(p, p + 8, strlen(p + 8) + 1);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), strlen(buf)), MIP6TLS_ERR_MALFORMED);

    /* Text without any object; empty input. */
    assert_int_equal(mip6tls_cred_add_chain(&c, u8("hello\n"), 6), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_NO_OBJECT);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(""), 0), MIP6TLS_ERR_MISSING);
    assert_int_equal(mip6tls_cred_add_anchors(&c, u8(""), 0), MIP6TLS_ERR_MISSING);

    /* No final newline after the END banner is fine. */
    memcpy(buf, tpki_ca_pem, n + 1);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), n - 1), 0);
    assert_int_equal(c.chain_len, 1);
    assert_int_equal(c.reason, MIP6TLS_CRED_OK);

    assert_int_equal(mip6tls_cred_add_chain(NULL, u8(buf), n), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_cred_add_chain(&c, NULL, n), MIP6TLS_ERR_ARG);
    assert_string_equal(mip6tls_cred_reason_str(MIP6TLS_CRED_ARENA_FULL),
                        "credential arena too small");
    assert_string_equal(mip6tls_cred_reason_str(999), "unknown reason");
}

static void chain_too_long(void **state)
{
    mip6tls_cred c;
    char buf[16384];
    size_t used;
    (void)state;
    memset(arena, 0, sizeof arena);
    mip6tls_cred_init(&c, arena, sizeof arena);
    snprintf(buf, sizeof buf, "%s%s%s", tpki_hac_ec_chain_pem, tpki_hac_ec_chain_pem, tpki_ca_pem);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(tpki_ca_pem), slen(tpki_ca_pem)), 0);
    used = c.used;
    /* 1 + 5 > MIP6TLS_CRED_MAX_CHAIN: nothing of the five is kept. */
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), strlen(buf)), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_CHAIN_TOO_LONG);
    assert_int_equal(c.chain_len, 1);
    assert_int_equal(c.used, used);
    assert_true(all_zero(arena + used, sizeof arena - used));
    /* Exactly the limit is fine. */
    snprintf(buf, sizeof buf, "%s%s", tpki_hac_ec_chain_pem, tpki_ca_pem);
    assert_int_equal(mip6tls_cred_add_chain(&c, u8(buf), strlen(buf)), 0);
    assert_int_equal(c.chain_len, MIP6TLS_CRED_MAX_CHAIN);

    mip6tls_cred_init(&c, arena, sizeof arena);
    for (size_t i = 0; i < MIP6TLS_CRED_MAX_ANCHORS; i++)
        assert_int_equal(mip6tls_cred_add_anchors(&c, tpki_ca_der, tpki_ca_der_len), 0);
    assert_int_equal(mip6tls_cred_add_anchors(&c, tpki_ca_der, tpki_ca_der_len), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_TOO_MANY_ANCHORS);
}

/* Every arena size below what a call needs fails with ARENA_FULL and changes nothing; the
 * size it needs succeeds. For each kind of call. */
static void arena_too_small_at_every_size(void **state)
{
    static uint8_t small[8192];
    mip6tls_cred c;
    size_t need[4], cap;
    int kind;
    (void)state;
    for (kind = 0; kind < 4; kind++) {
        for (cap = 0;; cap++) {
            int r;
            memset(small, 0, sizeof small);
            mip6tls_cred_init(&c, small, cap);
            if (kind == 0)
                r = mip6tls_cred_add_chain(&c, u8(tpki_hac_rsa_chain_pem),
                                           slen(tpki_hac_rsa_chain_pem));
            else if (kind == 1)
                r = mip6tls_cred_set_key(&c, u8(tpki_rsa_key_pem), slen(tpki_rsa_key_pem));
            else if (kind == 2)
                r = mip6tls_cred_set_key(&c, tpki_ec_key_der, tpki_ec_key_der_len);
            else
                r = mip6tls_cred_add_anchors(&c, u8(tpki_hac_rsa_chain_pem),
                                             slen(tpki_hac_rsa_chain_pem));
            if (r == 0) {
                need[kind] = cap;
                break;
            }
            assert_int_equal(r, MIP6TLS_ERR_NOBUF);
            assert_int_equal(mip6tls_cred_reason(&c), MIP6TLS_CRED_ARENA_FULL);
            assert_int_equal(c.used, 0);
            assert_int_equal(c.chain_len + c.anchors_len, 0);
            assert_int_equal(c.key_type, 0);
            assert_true(all_zero(small, sizeof small));
            assert_true(cap < sizeof small);
        }
    }
    /* Chains keep their DER; a key or an anchor needs the DER only as scratch. */
    assert_int_equal(need[0], tpki_hac_rsa_der_len + tpki_ca_der_len);
    assert_true(need[1] > 1000 && need[1] < 2000); /* PKCS#1 DER of RSA-2048 + elements */
    assert_int_equal(need[2], tpki_ec_key_der_len + 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ec_chain_and_keys),
        cmocka_unit_test(rsa_chain_and_keys),
        cmocka_unit_test(der_certificate_and_anchor),
        cmocka_unit_test(anchors_from_pem),
        cmocka_unit_test(key_mismatch_and_incomplete),
        cmocka_unit_test(unusable_keys),
        cmocka_unit_test(replaced_key_is_wiped),
        cmocka_unit_test(bad_pem),
        cmocka_unit_test(chain_too_long),
        cmocka_unit_test(arena_too_small_at_every_size),
    };
    return cmocka_run_group_tests_name("cred", tests, NULL, NULL);
}
