/* test_encap.c: RFC 6618 §6.1-§6.4 UDP-encapsulation header (encap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/encap.h"

static void decode_each_ptype(void **state)
{
    /* PType 8, SPI 0x0ABCDEF, Seq 7, one body octet */
    uint8_t mh[9] = {0x80, 0xAB, 0xCD, 0xEF, 0, 0, 0, 7, 0x55};
    uint8_t data[9] = {0x10, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x60};
    uint8_t plain[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0x45};
    mip6tls_encap_hdr h;
    (void)state;
    assert_int_equal(mip6tls_encap_decode(mh, 9, &h), 0);
    assert_int_equal(h.ptype, MIP6TLS_PTYPE_MH);
    assert_int_equal(h.spi, 0x0ABCDEF);
    assert_int_equal(h.seq, 7);
    assert_ptr_equal(h.body, mh + 8);
    assert_int_equal(h.body_len, 1);
    assert_int_equal(mip6tls_encap_decode(data, 9, &h), 0);
    assert_int_equal(h.ptype, MIP6TLS_PTYPE_DATA);
    assert_int_equal(h.spi, 1);
    assert_int_equal(h.seq, 0xFFFFFFFFu);
    assert_int_equal(mip6tls_encap_decode(plain, 9, &h), 0);
    assert_int_equal(h.ptype, MIP6TLS_PTYPE_PLAIN);
    assert_int_equal(h.spi, 0);
}

static void section_6_2_rules(void **state)
{
    mip6tls_encap_hdr h;
    uint8_t p[12];
    (void)state;
    memset(&h, 0xAA, sizeof h);
    /* MH with SPI 0: "MUST NOT be sent with an SPI value of 0" (§6.1) */
    mip6tls_encap_put_hdr(p, MIP6TLS_PTYPE_MH, 0, 1);
    assert_int_equal(mip6tls_encap_decode(p, 12, &h), MIP6TLS_ERR_PTYPE);
    mip6tls_encap_put_hdr(p, MIP6TLS_PTYPE_DATA, 0, 1);
    assert_int_equal(mip6tls_encap_decode(p, 12, &h), MIP6TLS_ERR_PTYPE);
    /* "When the SPI value is set to 0, then the PType MUST also be 0" and vice versa */
    mip6tls_encap_put_hdr(p, MIP6TLS_PTYPE_PLAIN, 5, 0);
    assert_int_equal(mip6tls_encap_decode(p, 12, &h), MIP6TLS_ERR_PTYPE);
    /* §6.4: PType 0 has Sequence Number 0 */
    mip6tls_encap_put_hdr(p, MIP6TLS_PTYPE_PLAIN, 0, 1);
    assert_int_equal(mip6tls_encap_decode(p, 12, &h), MIP6TLS_ERR_PTYPE);
    for (int t = 0; t < 16; t++) {
        if (t == 0 || t == 1 || t == 8)
            continue;
        mip6tls_encap_put_hdr(p, (uint8_t)t, 9, 1);
        assert_int_equal(mip6tls_encap_decode(p, 12, &h), MIP6TLS_ERR_TYPE);
    }
    /* h untouched by every failure */
    for (size_t i = 0; i < sizeof h; i++)
        assert_int_equal(((uint8_t *)&h)[i], 0xAA);
}

static void truncation(void **state)
{
    uint8_t p[8] = {0x80, 0, 0, 1, 0, 0, 0, 1};
    uint8_t z[8] = {0};
    mip6tls_encap_hdr h;
    (void)state;
    for (size_t n = 0; n < 8; n++)
        assert_int_equal(mip6tls_encap_decode(p, n, &h), MIP6TLS_ERR_TRUNCATED);
    assert_int_equal(mip6tls_encap_decode(p, 8, &h), 0); /* ESP checks its own minimum */
    assert_int_equal(mip6tls_encap_decode(z, 8, &h), MIP6TLS_ERR_TRUNCATED);
}

static void plain_build(void **state)
{
    uint8_t out[32], inner[20];
    mip6tls_encap_hdr h;
    (void)state;
    memset(inner, 0x45, sizeof inner);
    assert_int_equal(mip6tls_encap_plain(inner, 20, out, 27), MIP6TLS_ERR_NOBUF);
    assert_int_equal(mip6tls_encap_plain(inner, 0, out, 32), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_encap_plain(inner, 20, out, 28), 28);
    assert_int_equal(mip6tls_encap_decode(out, 28, &h), 0);
    assert_int_equal(h.ptype, 0);
    assert_memory_equal(h.body, inner, 20);
    /* in place */
    memset(out + 8, 0x60, 20);
    assert_int_equal(mip6tls_encap_plain(out + 8, 20, out, 28), 28);
    assert_int_equal(out[8], 0x60);
    assert_int_equal(out[0] | out[7], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_each_ptype),
        cmocka_unit_test(section_6_2_rules),
        cmocka_unit_test(truncation),
        cmocka_unit_test(plain_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
