/* test_hold.c: the datagrams a separate HA holds while it asks the HAC for their SA
 * (port-posix/lib/hold.c; docs/decisions/0033-sa-query.md item 6): arrival order per SPI, the
 * oldest dropped when an SPI's ring is full, no slot when every SPI slot is taken, and what a
 * drop frees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hold.h"

static mip6tls_endpoint ep(uint16_t port)
{
    mip6tls_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr.family = MIP6TLS_AF_INET6;
    e.addr.bytes[0] = 0x20;
    e.addr.bytes[1] = 0x01;
    e.addr.bytes[2] = 0x0d;
    e.addr.bytes[3] = 0xb8;
    e.addr.bytes[15] = 1;
    e.port = port;
    return e;
}

static void put(px_hold *h, uint32_t spi, uint8_t tag, int want)
{
    mip6tls_endpoint l = ep(7872), f = ep(tag);
    uint8_t d[100];
    memset(d, tag, sizeof d);
    assert_int_equal(px_hold_put(h, spi, &l, &f, d, 10u + tag, 1000u + tag), want);
}

static void order_and_ring(void **state)
{
    px_hold h;
    px_held p;
    (void)state;
    assert_int_equal(px_hold_init(&h, 2, 3), 0);
    put(&h, 0x100, 1, 0);
    put(&h, 0x200, 2, 0);
    put(&h, 0x100, 3, 0);
    put(&h, 0x100, 4, 0);
    put(&h, 0x100, 5, 1); /* the ring of 3 is full: 1 goes */
    assert_int_equal(px_hold_count(&h), 4);
    put(&h, 0x300, 6, -1); /* both SPI slots are taken */
    assert_int_equal(px_hold_pop(&h, 0x100, &p), 1);
    assert_int_equal(p.len, 13);
    assert_int_equal(p.data[0], 3);
    assert_int_equal(p.from.port, 3);
    assert_int_equal(p.local.port, 7872);
    assert_int_equal(p.at, 1003);
    assert_int_equal(px_hold_pop(&h, 0x100, &p), 1);
    assert_int_equal(p.data[12], 4);
    assert_int_equal(px_hold_pop(&h, 0x100, &p), 1);
    assert_int_equal(p.data[14], 5);
    assert_int_equal(px_hold_pop(&h, 0x100, &p), 0); /* empty: the slot is free again */
    put(&h, 0x300, 7, 0);
    assert_int_equal(px_hold_drop(&h, 0x200), 1);
    assert_int_equal(px_hold_drop(&h, 0x200), 0);
    assert_int_equal(px_hold_count(&h), 1);
    assert_int_equal(h.held, 6);
    assert_int_equal(h.replayed, 3);
    assert_int_equal(h.dropped, 2);
    px_hold_free(&h);
}

static void refuses(void **state)
{
    px_hold h;
    px_held p;
    mip6tls_endpoint e = ep(1);
    static uint8_t big[PX_DGRAM_MAX + 1];
    (void)state;
    assert_int_not_equal(px_hold_init(&h, 0, 4), 0);
    assert_int_not_equal(px_hold_init(&h, 4, 65), 0);
    assert_int_equal(px_hold_init(&h, 1, 1), 0);
    assert_int_equal(px_hold_put(&h, 0, &e, &e, big, 10, 0), -1); /* SPI 0 */
    assert_int_equal(px_hold_put(&h, 5, &e, &e, big, sizeof big, 0), -1);
    assert_int_equal(px_hold_put(&h, 5, &e, &e, big, PX_DGRAM_MAX, 0), 0);
    assert_int_equal(px_hold_pop(&h, 0, &p), 0);
    assert_int_equal(px_hold_pop(&h, 5, &p), 1);
    assert_int_equal(p.len, PX_DGRAM_MAX);
    px_hold_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_ring),
        cmocka_unit_test(refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
