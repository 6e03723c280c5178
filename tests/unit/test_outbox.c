/* test_outbox.c: the action outbox and the common helpers (common.c, outbox.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/common.h"
#include "mip6tls/outbox.h"

static void push_until_full(void **state)
{
    mip6tls_action acts[3];
    uint8_t arena[40];
    mip6tls_outbox ob;
    uint8_t *d;
    (void)state;
    mip6tls_outbox_init(&ob, acts, 3, arena, sizeof arena);
    assert_non_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_SEND_DGRAM, 10, &d));
    assert_ptr_equal(d, arena);
    /* The next payload starts 8-byte aligned. */
    assert_non_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_TCP_SEND, 10, &d));
    assert_ptr_equal(d, arena + 16);
    /* 26 + 16 > 40: no room; nothing changes. */
    assert_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_TCP_SEND, 16, &d));
    assert_int_equal(ob.n, 2);
    assert_int_equal(ob.used, 26);
    assert_non_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_EVENT, 0, &d));
    assert_null(d);
    /* Action slots full. */
    assert_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_EVENT, 0, NULL));
    mip6tls_outbox_clear(&ob);
    assert_int_equal(ob.n, 0);
    assert_int_equal(ob.used, 0);
}

static void mark_rewind_trim(void **state)
{
    mip6tls_action acts[4];
    uint8_t arena[64];
    mip6tls_outbox ob;
    mip6tls_outbox_mark_t m;
    mip6tls_action *a;
    (void)state;
    mip6tls_outbox_init(&ob, acts, 4, arena, sizeof arena);
    assert_non_null(mip6tls_outbox_push(&ob, MIP6TLS_ACT_EVENT, 0, NULL));
    m = mip6tls_outbox_mark(&ob);
    a = mip6tls_outbox_push(&ob, MIP6TLS_ACT_SEND_DGRAM, 30, NULL);
    assert_non_null(a);
    mip6tls_outbox_trim_last(&ob, 12);
    assert_int_equal(a->len, 12);
    assert_int_equal(ob.used, 12);
    mip6tls_outbox_rewind(&ob, m);
    assert_int_equal(ob.n, 1);
    assert_int_equal(ob.used, 0);
}

static void reference_actions(void **state)
{
    mip6tls_action acts[2];
    uint8_t arena[16], pkt[100];
    mip6tls_outbox ob;
    mip6tls_action *a;
    (void)state;
    mip6tls_outbox_init(&ob, acts, 2, arena, sizeof arena);
    a = mip6tls_outbox_push_ref(&ob, MIP6TLS_ACT_DELIVER, pkt + 10, 60);
    assert_non_null(a);
    assert_ptr_equal(a->data, pkt + 10);
    assert_int_equal(a->len, 60);
    assert_int_equal(ob.used, 0); /* the arena is untouched */
    mip6tls_outbox_trim_last(&ob, 5);
    assert_int_equal(a->len, 60); /* trim leaves reference actions alone */
    assert_non_null(mip6tls_outbox_push_ref(&ob, MIP6TLS_ACT_DELIVER, pkt, 1));
    assert_null(mip6tls_outbox_push_ref(&ob, MIP6TLS_ACT_DELIVER, pkt, 1));
}

static void strerror_covers_every_code(void **state)
{
    int e;
    (void)state;
    for (e = 0; e >= -79; e--) {
        const char *s = mip6tls_strerror(e);
        assert_non_null(s);
    }
    assert_string_equal(mip6tls_strerror(MIP6TLS_ERR_ICV), "integrity check failed");
    assert_string_equal(mip6tls_strerror(12345), "unknown error");
    assert_true(MIP6TLS_ERR_IS_DECODE(MIP6TLS_ERR_TRUNCATED));
    assert_true(MIP6TLS_ERR_IS_DROP(MIP6TLS_ERR_REPLAY));
    assert_true(MIP6TLS_ERR_IS_FATAL(MIP6TLS_ERR_SEQ_EXHAUSTED));
    assert_true(MIP6TLS_ERR_IS_MISUSE(MIP6TLS_ERR_NOBUF));
}

static void addr_and_ct_eq(void **state)
{
    static const uint8_t v4[4] = {192, 0, 2, 1};
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    mip6tls_addr a, b;
    (void)state;
    mip6tls_addr_set4(&a, v4);
    mip6tls_addr_set6(&b, v6);
    assert_false(mip6tls_addr_eq(&a, &b));
    memcpy(b.bytes, v4, 4);
    assert_false(mip6tls_addr_eq(&a, &b)); /* family differs */
    mip6tls_addr_set4(&b, v4);
    assert_true(mip6tls_addr_eq(&a, &b));
    assert_true(mip6tls_ct_eq(v6, v6, 16));
    v6[15] ^= 1;
    assert_false(mip6tls_ct_eq(v6, b.bytes, 16));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_until_full),
        cmocka_unit_test(mark_rewind_trim),
        cmocka_unit_test(reference_actions),
        cmocka_unit_test(strerror_covers_every_code),
        cmocka_unit_test(addr_and_ct_eq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
