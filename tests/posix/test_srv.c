/* test_srv.c: the RFC 2782 ordering of DNS SRV records (port-posix/lib/srv.c, px_srv_order).
 *
 * RFC 2782, "Usage rules": targets are tried in order of priority, lowest first; among equal
 * priorities, each pick is a weighted random draw over the records left, zero-weight records
 * put first so that they come up only rarely. The draws come from a fixed LCG here, so the
 * frequencies are reproducible; the look-up itself (res_nquery) is exercised against a real
 * DNS server by tests/netns/separate-ha.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srv.h"

static uint32_t lcg_state = 12345;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 1;
}

static px_srv_rec rec(const char *t, uint16_t prio, uint16_t weight)
{
    px_srv_rec r;
    memset(&r, 0, sizeof r);
    strcpy(r.target, t);
    r.port = 7872;
    r.priority = prio;
    r.weight = weight;
    return r;
}

static void priorities_first(void **state)
{
    px_srv_rec r[5] = {rec("c", 30, 5), rec("a", 10, 0), rec("d", 40, 9), rec("b", 20, 1),
                       rec("a2", 10, 0)};
    uint32_t rnd[5] = {7, 7, 7, 7, 7};
    (void)state;
    px_srv_order(r, 5, rnd);
    assert_int_equal(r[0].priority, 10);
    assert_int_equal(r[1].priority, 10);
    assert_string_equal(r[2].target, "b");
    assert_string_equal(r[3].target, "c");
    assert_string_equal(r[4].target, "d");
}

/* 60/30/10: the first pick follows the weights; every record comes out exactly once. */
static void weights_shape_the_draw(void **state)
{
    unsigned first[3] = {0, 0, 0}, it;
    (void)state;
    for (it = 0; it < 20000; it++) {
        px_srv_rec r[3] = {rec("a", 10, 60), rec("b", 10, 30), rec("c", 10, 10)};
        uint32_t rnd[3] = {lcg(), lcg(), lcg()};
        px_srv_order(r, 3, rnd);
        first[r[0].target[0] - 'a']++;
        assert_int_not_equal(r[0].target[0], r[1].target[0]);
        assert_int_not_equal(r[1].target[0], r[2].target[0]);
        assert_int_not_equal(r[0].target[0], r[2].target[0]);
    }
    /* Expected 60 %, 30 %, 10 % of 20000 (the draw is over 0..sum, so 100/101 of it). */
    assert_in_range(first[0], 11400, 12400);
    assert_in_range(first[1], 5500, 6400);
    assert_in_range(first[2], 1700, 2300);
}

/* A zero-weight record is picked first only when the draw is 0 (it is arranged first), else
 * it goes last among its priority. */
static void zero_weight_is_rare(void **state)
{
    px_srv_rec r[2] = {rec("w", 10, 100), rec("z", 10, 0)};
    px_srv_rec s[2] = {rec("w", 10, 100), rec("z", 10, 0)};
    uint32_t zero[2] = {0, 0}, other[2] = {50, 0};
    (void)state;
    px_srv_order(r, 2, zero);
    assert_string_equal(r[0].target, "z");
    px_srv_order(s, 2, other);
    assert_string_equal(s[0].target, "w");
    assert_string_equal(s[1].target, "z");
}

/* All weights zero: the order within the priority stays as given (no division by zero). */
static void all_zero_weights(void **state)
{
    px_srv_rec r[3] = {rec("a", 1, 0), rec("b", 1, 0), rec("c", 1, 0)};
    uint32_t rnd[3] = {99, 98, 97};
    (void)state;
    px_srv_order(r, 3, rnd);
    assert_string_equal(r[0].target, "a");
    assert_string_equal(r[1].target, "b");
    assert_string_equal(r[2].target, "c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(priorities_first),
        cmocka_unit_test(weights_shape_the_draw),
        cmocka_unit_test(zero_weight_is_rare),
        cmocka_unit_test(all_zero_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
