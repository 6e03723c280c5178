/* test_replay.c: the RFC 4303 §3.4.3 anti-replay window (replay.c), against a reference
 * model that remembers every accepted number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/replay.h"
#include "testutil.h"

static void init_sizes(void **state)
{
    mip6tls_replay r;
    (void)state;
    assert_int_equal(mip6tls_replay_init(&r, 0), 0);
    assert_int_equal(r.size, MIP6TLS_REPLAY_WINDOW_DEFAULT);
    assert_int_equal(mip6tls_replay_init(&r, 1), 0);
    assert_int_equal(r.size, 32); /* RFC 4303 §3.4.3 minimum */
    assert_int_equal(mip6tls_replay_init(&r, 100), 0);
    assert_int_equal(r.size, 128);
    assert_int_equal(mip6tls_replay_init(&r, MIP6TLS_REPLAY_WINDOW_MAX), 0);
    assert_int_equal(mip6tls_replay_init(&r, MIP6TLS_REPLAY_WINDOW_MAX + 1), MIP6TLS_ERR_ARG);
}

static void edges(void **state)
{
    mip6tls_replay r;
    (void)state;
    mip6tls_replay_init(&r, 64);
    assert_int_equal(mip6tls_replay_check(&r, 0), MIP6TLS_ERR_REPLAY);
    assert_int_equal(mip6tls_replay_check(&r, 1), 0);
    assert_int_equal(mip6tls_replay_check(&r, 0xFFFFFFFFu), 0);
    mip6tls_replay_update(&r, 1);
    assert_int_equal(mip6tls_replay_check(&r, 1), MIP6TLS_ERR_REPLAY);
    mip6tls_replay_update(&r, 200);
    assert_int_equal(mip6tls_replay_check(&r, 136), MIP6TLS_ERR_REPLAY); /* 200 - 64 */
    assert_int_equal(mip6tls_replay_check(&r, 137), 0);
    assert_int_equal(mip6tls_replay_check(&r, 200), MIP6TLS_ERR_REPLAY);
    assert_int_equal(mip6tls_replay_check(&r, 199), 0);
    /* A jump of exactly the window size forgets everything before it. */
    mip6tls_replay_update(&r, 264);
    for (uint32_t s = 201; s < 264; s++)
        assert_int_equal(mip6tls_replay_check(&r, s), 0);
    assert_int_equal(mip6tls_replay_check(&r, 200), MIP6TLS_ERR_REPLAY);
    mip6tls_replay_update(&r, 0xFFFFFFFFu);
    assert_int_equal(mip6tls_replay_check(&r, 0xFFFFFFFFu), MIP6TLS_ERR_REPLAY);
    assert_int_equal(mip6tls_replay_check(&r, 0xFFFFFFFEu), 0);
}

/* Random arrivals (in order, reordered, duplicated, far ahead) against a model. */
static void matches_model(void **state)
{
    static uint8_t seen[1u << 16];
    static const uint32_t sizes[] = {32, 64, 96, 512};
    (void)state;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        mip6tls_replay r;
        uint32_t top = 0;
        uint8_t rnd[4];
        memset(seen, 0, sizeof seen);
        mip6tls_replay_init(&r, sizes[si]);
        for (int i = 0; i < 40000; i++) {
            uint32_t seq;
            int want;
            tu_fill(rnd, sizeof rnd, (uint64_t)i * 7919u + si + 1);
            /* mostly near the top, sometimes far ahead, sometimes far behind */
            if (rnd[0] < 200)
                seq = top + 1 + rnd[1] % 8 - (rnd[2] % 3 == 0 ? rnd[3] % (sizes[si] + 8) : 0);
            else if (rnd[0] < 230)
                seq = top + 1 + (uint32_t)rnd[1] * 3;
            else
                seq = top > 700 ? top - 700 + rnd[1] : 1;
            if (seq == 0 || seq >= sizeof seen)
                continue;
            want = (seq > top || top - seq < r.size) && !seen[seq] ? 0 : MIP6TLS_ERR_REPLAY;
            assert_int_equal(mip6tls_replay_check(&r, seq), want);
            if (want == 0 && rnd[3] % 5 != 0) { /* some pass the check but fail the ICV */
                mip6tls_replay_update(&r, seq);
                seen[seq] = 1;
                if (seq > top)
                    top = seq;
            }
        }
        assert_true(top > 10000); /* the walk really moved the window */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_sizes),
        cmocka_unit_test(edges),
        cmocka_unit_test(matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
