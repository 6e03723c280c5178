/*
 * test_addr.c: address and prefix text forms (addr.c): RFC 6618 §5.7 wire syntax, RFC 4291
 * §2.2 parsing, RFC 5952 formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/addr.h"
#include "testutil.h"

static int parse(mip6tls_addr *a, const char *s)
{
    return mip6tls_addr_parse(a, s, strlen(s));
}

static int parse_wire(mip6tls_addr *a, int fam, const char *s)
{
    return mip6tls_addr_parse_wire(a, fam, s, strlen(s));
}

static void set6(mip6tls_addr *a, const char *hex)
{
    uint8_t b[16];
    assert_int_equal(tu_unhex(b, sizeof b, hex), 16);
    mip6tls_addr_set6(a, b);
}

/* Parses `in` (any form), formats it compressed and in wire form, and checks both texts. */
static void check_forms(const char *in, const char *compressed, const char *wire)
{
    mip6tls_addr a, b;
    char out[MIP6TLS_ADDR_TEXT_MAX];
    int n;
    assert_int_equal(parse(&a, in), 0);
    n = mip6tls_addr_format(&a, out, sizeof out);
    assert_int_equal(n, (int)strlen(compressed));
    assert_string_equal(out, compressed);
    n = mip6tls_addr_format_wire(&a, out, sizeof out);
    assert_int_equal(n, (int)strlen(wire));
    assert_string_equal(out, wire);
    /* The wire text reads back strictly to the same address, and so does the compressed one. */
    assert_int_equal(parse_wire(&b, a.family, wire), 0);
    assert_true(mip6tls_addr_eq(&a, &b));
    assert_int_equal(parse(&b, compressed), 0);
    assert_true(mip6tls_addr_eq(&a, &b));
}

static void rfc5952_forms(void **state)
{
    (void)state;
    /* RFC 5952 §4.1 no leading zeros, §4.3 lower case. */
    check_forms("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "2001:db8:0:0:0:0:0:1");
    /* §4.2.2: one zero word is not shortened. */
    check_forms("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    /* §4.2.3: the longest run; on a tie, the first one. */
    check_forms("2001:0:0:1:0:0:0:1", "2001:0:0:1::1", "2001:0:0:1:0:0:0:1");
    check_forms("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "2001:db8:0:0:1:0:0:1");
    /* Runs at either end, and all zeros. */
    check_forms("::", "::", "0:0:0:0:0:0:0:0");
    check_forms("::1", "::1", "0:0:0:0:0:0:0:1");
    check_forms("fe80::", "fe80::", "fe80:0:0:0:0:0:0:0");
    check_forms("1:0:0:0:0:0:0:0", "1::", "1:0:0:0:0:0:0:0");
    check_forms("0:0:1:0:0:0:1:0", "0:0:1::1:0", "0:0:1:0:0:0:1:0");
    check_forms("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* §5: IPv4-mapped addresses in mixed notation; not other prefixes. */
    check_forms("::ffff:192.0.2.1", "::ffff:192.0.2.1", "0:0:0:0:0:ffff:c000:201");
    check_forms("::ffff:c000:201", "::ffff:192.0.2.1", "0:0:0:0:0:ffff:c000:201");
    check_forms("64:ff9b::192.0.2.33", "64:ff9b::c000:221", "64:ff9b:0:0:0:0:c000:221");
    /* IPv4 */
    check_forms("192.0.2.1", "192.0.2.1", "192.0.2.1");
    check_forms("0.0.0.0", "0.0.0.0", "0.0.0.0");
    check_forms("255.255.255.255", "255.255.255.255", "255.255.255.255");
}

static void format_bytes_and_limits(void **state)
{
    mip6tls_addr a;
    char out[MIP6TLS_ADDR_TEXT_MAX];
    (void)state;
    set6(&a, "20010db8000000000000000000000001");
    assert_int_equal(mip6tls_addr_format(&a, out, sizeof out), 11);
    /* Room for the text but not the NUL: refused, nothing written. */
    memset(out, 'x', sizeof out);
    assert_int_equal(mip6tls_addr_format(&a, out, 11), MIP6TLS_ERR_NOBUF);
    assert_int_equal(out[0], 'x');
    assert_int_equal(mip6tls_addr_format(&a, out, 12), 11);
    assert_int_equal(mip6tls_addr_format_wire(&a, out, 20), MIP6TLS_ERR_NOBUF);
    memset(&a, 0, sizeof a);
    assert_int_equal(mip6tls_addr_format(&a, out, sizeof out), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_addr_format_wire(&a, out, sizeof out), MIP6TLS_ERR_ARG);
    /* The longest text fits MIP6TLS_ADDR_TEXT_MAX. */
    set6(&a, "ffffffffffffffffffffffffffffffff");
    assert_int_equal(mip6tls_prefix_format(&a, 128, 1, out, MIP6TLS_ADDR_TEXT_MAX), 43);
    assert_string_equal(out, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

static void parse_bytes(void **state)
{
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,    0,
                                     0,    0,    0,    0,    0, 0, 0xab, 0xcd};
    mip6tls_addr a;
    (void)state;
    assert_int_equal(parse(&a, "2001:DB8::AbCd"), 0);
    assert_int_equal(a.family, MIP6TLS_AF_INET6);
    assert_memory_equal(a.bytes, want, 16);
    assert_int_equal(parse(&a, "10.1.2.3"), 0);
    assert_int_equal(a.family, MIP6TLS_AF_INET);
    assert_int_equal(a.bytes[0], 10);
    assert_int_equal(a.bytes[3], 3);
    assert_int_equal(a.bytes[4], 0); /* the rest stays zero */
}

static void parse_rejects(void **state)
{
    static const char *bad[] = {
        "",
        ":",
        ":::",
        "1:2:3:4:5:6:7",         /* seven words */
        "1:2:3:4:5:6:7:8:9",     /* nine words */
        "1::2::3",               /* two "::" */
        "1:2:3:4::5:6:7:8",      /* "::" standing for no word */
        "::1:2:3:4:5:6:7:8",     /* same, at the start */
        "12345::",               /* five digits */
        ":1:2:3:4:5:6:7",        /* leading single ':' */
        "1:2:3:4:5:6:7:",        /* trailing single ':' */
        "1:2:3:4:5:6:7:g",       /* not hex */
        " ::1",                  /* leading white space */
        "::1 ",                  /* trailing white space */
        "1:2:3:4:5:6:7:1.2.3.4", /* dotted quad past 128 bits */
        "::1.2.3",               /* short dotted quad */
        "::1.2.3.4:5",           /* dotted quad not last */
        "256.1.1.1",             /* octet > 255 */
        "1.2.3.256",
        "1.2.3",     /* three octets */
        "1.2.3.4.5", /* five */
        "1..2.3",
        "1.2.3.4.",
        ".1.2.3.4",
        "x1.2.3.4", /* leading garbage */
        "1.2.3.4x",
        "0001.2.3.4", /* four-digit octet */
        "01.2.3.4",   /* leading zero in configuration text */
        "1.2.3.-4",
    };
    mip6tls_addr a, keep;
    size_t i;
    (void)state;
    memset(&keep, 0x5a, sizeof keep);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = keep;
        if (parse(&a, bad[i]) != MIP6TLS_ERR_MALFORMED)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_memory_equal(&a, &keep, sizeof a); /* unchanged on error */
    }
    /* The length bounds the text: a NUL inside the length is just a bad octet. */
    assert_int_equal(mip6tls_addr_parse(&a, "1.2.3.4", 8), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_addr_parse(&a, "1.2.3.4", 5), MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_addr_parse(&a, "1.2.3.4", 7), 0);
}

static void wire_is_strict(void **state)
{
    static const char *bad6[] = {
        "2001:db8::1", /* RFC 6618 §5.7: no "::" */
        "::",
        "2001:db8:0:0:0:0:0:1::",
        "0:0:0:0:0:ffff:192.0.2.1", /* no dotted quad */
        "0:0:0:0:0:0:0",            /* short */
        "0:0:0:0:0:0:0:0:0",        /* long */
        "00000:0:0:0:0:0:0:0",      /* five digits */
        "1.2.3.4",                  /* other family */
    };
    static const char *bad4[] = {"256.0.0.1",  "1.2.3", "1.2.3.4.5",
                                 "1234.1.1.1", "::1",   "1.2.3.4 "};
    mip6tls_addr a;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad6 / sizeof bad6[0]; i++)
        if (parse_wire(&a, MIP6TLS_AF_INET6, bad6[i]) != MIP6TLS_ERR_MALFORMED)
            fail_msg("wire accepted \"%s\"", bad6[i]);
    for (i = 0; i < sizeof bad4 / sizeof bad4[0]; i++)
        if (parse_wire(&a, MIP6TLS_AF_INET, bad4[i]) != MIP6TLS_ERR_MALFORMED)
            fail_msg("wire accepted \"%s\"", bad4[i]);
    /* Leading zeros are in the grammar (1*3DIGIT, 1*4HEX) and read as decimal / hex. */
    assert_int_equal(parse_wire(&a, MIP6TLS_AF_INET, "010.001.000.255"), 0);
    assert_int_equal(a.bytes[0], 10);
    assert_int_equal(a.bytes[1], 1);
    assert_int_equal(a.bytes[3], 255);
    assert_int_equal(parse_wire(&a, MIP6TLS_AF_INET6, "2001:0DB8:0:0:0:0:0:000A"), 0);
    assert_int_equal(a.bytes[15], 10);
    assert_int_equal(parse_wire(&a, MIP6TLS_AF_NONE, "1.2.3.4"), MIP6TLS_ERR_ARG);
    assert_int_equal(parse_wire(&a, 5, "1.2.3.4"), MIP6TLS_ERR_ARG);
}

static void prefixes(void **state)
{
    mip6tls_addr a, keep;
    uint8_t plen = 99;
    char out[MIP6TLS_ADDR_TEXT_MAX];
    const char *s;
    (void)state;
    s = "2001:db8:1:2:0:0:0:0/64";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_INET6, 1, s, strlen(s)), 0);
    assert_int_equal(plen, 64);
    assert_int_equal(a.bytes[7], 2);
    assert_int_equal(mip6tls_prefix_format(&a, plen, 1, out, sizeof out), (int)strlen(s));
    assert_string_equal(out, s);
    assert_int_equal(mip6tls_prefix_format(&a, plen, 0, out, sizeof out), 17);
    assert_string_equal(out, "2001:db8:1:2::/64");
    s = "192.0.2.0/24";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_INET, 1, s, strlen(s)), 0);
    assert_int_equal(plen, 24);
    assert_int_equal(mip6tls_prefix_format(&a, plen, 1, out, sizeof out), (int)strlen(s));
    assert_string_equal(out, s);
    /* Host bits are kept as written. */
    s = "192.0.2.77/24";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_INET, 1, s, strlen(s)), 0);
    assert_int_equal(a.bytes[3], 77);
    /* IPv6 /100../128 need three digits (0020-address-text.md); IPv4 keeps 1*2DIGIT. */
    s = "2001:db8:0:0:0:0:0:1/128";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_INET6, 1, s, strlen(s)), 0);
    assert_int_equal(plen, 128);
    s = "0:0:0:0:0:0:0:0/0";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_INET6, 1, s, strlen(s)), 0);
    assert_int_equal(plen, 0);
    /* Configuration forms, either family. */
    s = "2001:db8::/48";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_NONE, 0, s, strlen(s)), 0);
    assert_int_equal(a.family, MIP6TLS_AF_INET6);
    assert_int_equal(plen, 48);
    s = "10.0.0.0/8";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_NONE, 0, s, strlen(s)), 0);
    assert_int_equal(a.family, MIP6TLS_AF_INET);
    assert_int_equal(plen, 8);
    {
        static const struct {
            int fam, wire;
            const char *s;
        } bad[] = {
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/129"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/0064"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/6a"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/-1"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0/64/1"},
            {MIP6TLS_AF_INET6, 1, "2001:db8:0:0:0:0:0:0 /64"},
            {MIP6TLS_AF_INET6, 1, "2001:db8::/64"},
            {MIP6TLS_AF_INET, 1, "192.0.2.0/33"},
            {MIP6TLS_AF_INET, 1, "192.0.2.0/024"},
            {MIP6TLS_AF_INET, 1, "192.0.2.0/"},
            {MIP6TLS_AF_INET, 1, "192.0.2/24"},
            {MIP6TLS_AF_INET6, 0, "192.0.2.0/24"},
            {MIP6TLS_AF_INET, 0, "2001:db8::/32"},
            {MIP6TLS_AF_NONE, 0, "2001:db8::/200"},
        };
        size_t i;
        memset(&keep, 0x33, sizeof keep);
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            a = keep;
            plen = 7;
            if (mip6tls_prefix_parse(&a, &plen, bad[i].fam, bad[i].wire, bad[i].s,
                                     strlen(bad[i].s)) != MIP6TLS_ERR_MALFORMED)
                fail_msg("accepted prefix \"%s\"", bad[i].s);
            assert_memory_equal(&a, &keep, sizeof a);
            assert_int_equal(plen, 7);
        }
    }
    s = "1.2.3.4/8";
    assert_int_equal(mip6tls_prefix_parse(&a, &plen, MIP6TLS_AF_NONE, 1, s, strlen(s)),
                     MIP6TLS_ERR_ARG);
    a.family = MIP6TLS_AF_INET;
    assert_int_equal(mip6tls_prefix_format(&a, 33, 1, out, sizeof out), MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_prefix_format(&a, 32, 1, out, 5), MIP6TLS_ERR_NOBUF);
}

/* Every address built from a seeded stream survives format -> parse in both forms. Runs of
 * zeros are forced in so the "::" placement rules get exercised. */
static void random_round_trips(void **state)
{
    int i, k;
    (void)state;
    for (i = 0; i < 2000; i++) {
        uint8_t b[18];
        mip6tls_addr a, c;
        char out[MIP6TLS_ADDR_TEXT_MAX];
        int n;
        tu_fill(b, sizeof b, (uint64_t)i + 1);
        for (k = 0; k < 8; k++)
            if ((b[16] >> k) & 1)
                b[2 * k] = b[2 * k + 1] = 0;
        if (b[17] & 1)
            mip6tls_addr_set4(&a, b);
        else
            mip6tls_addr_set6(&a, b);
        n = mip6tls_addr_format(&a, out, sizeof out);
        assert_true(n > 0 && n < MIP6TLS_ADDR_TEXT_MAX);
        assert_int_equal(mip6tls_addr_parse(&c, out, (size_t)n), 0);
        assert_true(mip6tls_addr_eq(&a, &c));
        n = mip6tls_addr_format_wire(&a, out, sizeof out);
        assert_true(n > 0);
        assert_int_equal(mip6tls_addr_parse_wire(&c, a.family, out, (size_t)n), 0);
        assert_true(mip6tls_addr_eq(&a, &c));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc5952_forms),      cmocka_unit_test(format_bytes_and_limits),
        cmocka_unit_test(parse_bytes),        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(wire_is_strict),     cmocka_unit_test(prefixes),
        cmocka_unit_test(random_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
