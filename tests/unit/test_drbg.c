/* test_drbg.c: the seeded DRBG (drbg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/drbg.h"

static void same_seed_same_bytes(void **state)
{
    uint8_t seed[32], a[100], b[100];
    mip6tls_drbg x, y;
    (void)state;
    memset(seed, 7, sizeof seed);
    assert_int_equal(mip6tls_drbg_init(&x, seed, 32), 0);
    assert_int_equal(mip6tls_drbg_init(&y, seed, 32), 0);
    mip6tls_drbg_generate(&x, a, sizeof a);
    mip6tls_drbg_generate(&y, b, sizeof b);
    assert_memory_equal(a, b, sizeof a);
    mip6tls_drbg_generate(&x, a, sizeof a);
    assert_memory_not_equal(a, b, sizeof a); /* the stream moves on */
    seed[31] ^= 1;
    assert_int_equal(mip6tls_drbg_init(&y, seed, 32), 0);
    mip6tls_drbg_generate(&y, a, sizeof a);
    assert_memory_not_equal(a, b, sizeof a);
    mip6tls_drbg_reseed(&x, "more", 4);
    assert_int_equal(x.generated, 0);
}

/* HMAC_DRBG-SHA-256 known answer: NIST SP 800-90A CAVP "HMAC_DRBG.rsp", SHA-256,
 * PredictionResistance=False, EntropyInputLen=256, NonceLen=128, no personalization, no
 * additional input, COUNT=0. BearSSL's init takes entropy||nonce as one seed; the second
 * generate call's output is the vector's ReturnedBits. */
static void nist_cavp_vector(void **state)
{
    static const uint8_t seed[48] = {
        0xca, 0x85, 0x19, 0x11, 0x34, 0x93, 0x84, 0xbf, 0xfe, 0x89, 0xde, 0x1c, 0xbd, 0xc4,
        0x6e, 0x68, 0x31, 0xe4, 0x4d, 0x34, 0xa4, 0xfb, 0x93, 0x5e, 0xe2, 0x85, 0xdd, 0x14,
        0xb7, 0x1a, 0x74, 0x88, 0x65, 0x9b, 0xa9, 0x6c, 0x60, 0x1d, 0xc6, 0x9f, 0xc9, 0x02,
        0x94, 0x08, 0x05, 0xec, 0x0c, 0xa8};
    static const uint8_t want[128] = {
        0xe5, 0x28, 0xe9, 0xab, 0xf2, 0xde, 0xce, 0x54, 0xd4, 0x7c, 0x7e, 0x75, 0xe5, 0xfe,
        0x30, 0x21, 0x49, 0xf8, 0x17, 0xea, 0x9f, 0xb4, 0xbe, 0xe6, 0xf4, 0x19, 0x96, 0x97,
        0xd0, 0x4d, 0x5b, 0x89, 0xd5, 0x4f, 0xbb, 0x97, 0x8a, 0x15, 0xb5, 0xc4, 0x43, 0xc9,
        0xec, 0x21, 0x03, 0x6d, 0x24, 0x60, 0xb6, 0xf7, 0x3e, 0xba, 0xd0, 0xdc, 0x2a, 0xba,
        0x6e, 0x62, 0x4a, 0xbf, 0x07, 0x74, 0x5b, 0xc1, 0x07, 0x69, 0x4b, 0xb7, 0x54, 0x7b,
        0xb0, 0x99, 0x5f, 0x70, 0xde, 0x25, 0xd6, 0xb2, 0x9e, 0x2d, 0x30, 0x11, 0xbb, 0x19,
        0xd2, 0x76, 0x76, 0xc0, 0x71, 0x62, 0xc8, 0xb5, 0xcc, 0xde, 0x06, 0x68, 0x96, 0x1d,
        0xf8, 0x68, 0x03, 0x48, 0x2c, 0xb3, 0x7e, 0xd6, 0xd5, 0xc0, 0xbb, 0x8d, 0x50, 0xcf,
        0x1f, 0x50, 0xd4, 0x76, 0xaa, 0x04, 0x58, 0xbd, 0xab, 0xa8, 0x06, 0xf4, 0x8b, 0xe9,
        0xdc, 0xb8};
    uint8_t out[128];
    mip6tls_drbg d;
    (void)state;
    assert_int_equal(mip6tls_drbg_init(&d, seed, sizeof seed), 0);
    mip6tls_drbg_generate(&d, out, sizeof out);
    mip6tls_drbg_generate(&d, out, sizeof out);
    assert_memory_equal(out, want, sizeof want);
}

static void short_seed_refused(void **state)
{
    mip6tls_drbg d;
    uint8_t seed[31] = {0};
    (void)state;
    assert_int_equal(mip6tls_drbg_init(&d, seed, 31), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_drbg_init(&d, NULL, 32), MIP6TLS_ERR_ARG);
}

static void range_is_in_bounds_and_covers(void **state)
{
    uint8_t seed[32] = {1};
    unsigned hits[7] = {0};
    mip6tls_drbg d;
    (void)state;
    mip6tls_drbg_init(&d, seed, 32);
    for (int i = 0; i < 7000; i++) {
        uint32_t v = mip6tls_drbg_range(&d, 10, 16);
        assert_true(v >= 10 && v <= 16);
        hits[v - 10]++;
    }
    for (int i = 0; i < 7; i++)
        assert_true(hits[i] > 800 && hits[i] < 1200); /* ~1000 each; bound is > 6 sigma */
    assert_int_equal(mip6tls_drbg_range(&d, 5, 5), 5);
    assert_true(mip6tls_drbg_range(&d, 1, 0x0FFFFFFF) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_bytes),
        cmocka_unit_test(nist_cavp_vector),
        cmocka_unit_test(short_seed_refused),
        cmocka_unit_test(range_is_in_bounds_and_covers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
