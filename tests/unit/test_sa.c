/* test_sa.c: the SA record (sa.c): consistency check and persistence encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/addr.h"
#include "mip6tls/sa.h"
#include "testutil.h"

static void full_sa(mip6tls_sa *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->keys.suite = MIP6TLS_SUITE_AES_128_CBC_SHA256;
    sa->keys.spi = 0x0ABCDEF;
    sa->keys.ekey_len = 16;
    sa->keys.ikey_len = 16;
    tu_fill(sa->keys.mn_to_ha_ekey, 16, 1);
    tu_fill(sa->keys.ha_to_mn_ekey, 16, 2);
    tu_fill(sa->keys.mn_to_ha_ikey, 16, 3);
    tu_fill(sa->keys.ha_to_mn_ikey, 16, 4);
    sa->validity_end = 1798761600; /* 2027-01-01 */
    sa->scope = MIP6TLS_SAS_ALL;
    assert_int_equal(mip6tls_addr_parse(&sa->ha6, "2001:db8::1", 11), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->ha4, "192.0.2.1", 9), 0);
    sa->port = 7872;
    assert_int_equal(mip6tls_addr_parse(&sa->hoa6, "2001:db8:1::100", 15), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hoa4, "192.0.2.100", 11), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->hnp6, "2001:db8:1::", 12), 0);
    sa->hnp6_len = 64;
    assert_int_equal(mip6tls_addr_parse(&sa->hnp4, "192.0.2.0", 9), 0);
    sa->hnp4_len = 24;
    assert_int_equal(mip6tls_addr_parse(&sa->dns6[0], "2001:db8::53", 12), 0);
    sa->n_dns6 = 1;
    assert_int_equal(mip6tls_addr_parse(&sa->dns4[0], "192.0.2.53", 10), 0);
    assert_int_equal(mip6tls_addr_parse(&sa->dns4[1], "198.51.100.53", 13), 0);
    sa->n_dns4 = 2;
    memcpy(sa->mn_id, "mn1@example.com", 15);
    sa->mn_id_len = 15;
}

static void round_trip_and_truncation(void **state)
{
    mip6tls_sa a, b;
    uint8_t buf[MIP6TLS_SA_ENCODED_MAX];
    int n;
    (void)state;
    full_sa(&a);
    assert_int_equal(mip6tls_sa_check(&a), 0);
    n = mip6tls_sa_encode(&a, buf, sizeof buf);
    assert_true(n > 0);
    memset(&b, 0x55, sizeof b);
    assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(mip6tls_sa_encode(&a, buf, (size_t)n - 1), MIP6TLS_ERR_NOBUF);
    for (int k = 0; k < n; k++) {
        uint8_t *cut = malloc((size_t)k + 1);
        memcpy(cut, buf, (size_t)k);
        memset(&b, 0x55, sizeof b);
        assert_true(mip6tls_sa_decode(&b, cut, (size_t)k) < 0);
        assert_int_equal(((uint8_t *)&b)[0], 0x55); /* untouched */
        free(cut);
    }
    buf[n] = 0;
    assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n + 1), MIP6TLS_ERR_LENGTH);
}

static void minimal_record_and_every_suite(void **state)
{
    size_t count;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    (void)state;
    for (size_t i = 0; i < count; i++) {
        mip6tls_sa a, b;
        uint8_t buf[MIP6TLS_SA_ENCODED_MAX];
        int n;
        memset(&a, 0, sizeof a);
        a.keys.suite = all[i].code;
        a.keys.spi = 1;
        a.keys.ekey_len = all[i].ekey_len;
        a.keys.ikey_len = all[i].ikey_len;
        assert_int_equal(mip6tls_addr_parse(&a.hoa4, "192.0.2.7", 9), 0);
        n = mip6tls_sa_encode(&a, buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n), 0);
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(mip6tls_sa_port(&b), 7872); /* RFC 6618 §5.7.2 default */
    }
}

static void check_refuses_inconsistent_records(void **state)
{
    mip6tls_sa a;
    uint8_t buf[MIP6TLS_SA_ENCODED_MAX];
    (void)state;
    full_sa(&a);
    a.keys.suite = 0x0035;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_SUITE);
    assert_int_equal(mip6tls_sa_encode(&a, buf, sizeof buf), MIP6TLS_ERR_SUITE);
    full_sa(&a);
    a.keys.ikey_len = 20;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_KEYLEN);
    full_sa(&a);
    a.keys.spi = 0x10000000;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
    full_sa(&a);
    a.scope = 2;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
    full_sa(&a);
    a.ha6 = a.ha4; /* IPv4 address in the IPv6 field */
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
    full_sa(&a);
    memset(&a.hoa6, 0, sizeof a.hoa6);
    memset(&a.hoa4, 0, sizeof a.hoa4);
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG); /* no home address */
    full_sa(&a);
    a.hnp6_len = 129;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
    full_sa(&a);
    a.n_dns4 = 3;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
    full_sa(&a);
    a.mn_id_len = 254;
    assert_int_equal(mip6tls_sa_check(&a), MIP6TLS_ERR_ARG);
}

static void decode_refuses_bad_bytes(void **state)
{
    mip6tls_sa a, b;
    uint8_t buf[MIP6TLS_SA_ENCODED_MAX];
    int n;
    (void)state;
    full_sa(&a);
    n = mip6tls_sa_encode(&a, buf, sizeof buf);
    buf[0] = 2;
    assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n), MIP6TLS_ERR_VERSION);
    buf[0] = 1;
    buf[16] = 37; /* ekey_len beyond any suite */
    assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n), MIP6TLS_ERR_MALFORMED);
    n = mip6tls_sa_encode(&a, buf, sizeof buf);
    buf[1] = 9; /* scope */
    assert_int_equal(mip6tls_sa_decode(&b, buf, (size_t)n), MIP6TLS_ERR_ARG);
    n = mip6tls_sa_encode(&a, buf, sizeof buf);
    buf[n - 16] = 255; /* mn_id_len past the NAI maximum */
    assert_true(mip6tls_sa_decode(&b, buf, (size_t)n) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_truncation),
        cmocka_unit_test(minimal_record_and_every_suite),
        cmocka_unit_test(check_refuses_inconsistent_records),
        cmocka_unit_test(decode_refuses_bad_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
