/* replay.c: RFC 4303 §3.4.3 anti-replay window as a bit ring (no shifting of the whole map). */
#include "mip6tls/replay.h"

#include <string.h>

int mip6tls_replay_init(mip6tls_replay *r, uint32_t size)
{
    if (size == 0)
        size = MIP6TLS_REPLAY_WINDOW_DEFAULT;
    if (size > MIP6TLS_REPLAY_WINDOW_MAX)
        return MIP6TLS_ERR_ARG;
    /* RFC 4303 §3.4.3: a minimum window of 32 MUST be supported; 64 SHOULD be the default. */
    if (size < 32)
        size = 32;
    size = (size + 31u) & ~31u;
    memset(r, 0, sizeof *r);
    r->size = size;
    return 0;
}

static int replay_bit(const mip6tls_replay *r, uint32_t seq)
{
    uint32_t b = seq % r->size;
    return (int)((r->ring[b / 32] >> (b % 32)) & 1u);
}

int mip6tls_replay_check(const mip6tls_replay *r, uint32_t seq)
{
    if (seq == 0)
        return MIP6TLS_ERR_REPLAY; /* the first packet carries 1 (RFC 4303 §3.3.3) */
    if (seq > r->top)
        return 0;
    if (r->top - seq >= r->size)
        return MIP6TLS_ERR_REPLAY; /* left of the window */
    return replay_bit(r, seq) ? MIP6TLS_ERR_REPLAY : 0;
}

void mip6tls_replay_update(mip6tls_replay *r, uint32_t seq)
{
    uint32_t b;
    if (seq > r->top) {
        uint32_t adv = seq - r->top;
        if (adv >= r->size) {
            memset(r->ring, 0, sizeof r->ring);
        } else {
            /* Clear the bits of the numbers that enter the window (top+1 .. seq-1 were not
             * seen); whole words at a time once aligned. */
            uint32_t n = r->top + 1;
            while (n != seq) {
                uint32_t bb = n % r->size;
                if (bb % 32 == 0 && seq - n >= 32) {
                    r->ring[bb / 32] = 0;
                    n += 32;
                } else {
                    r->ring[bb / 32] &= ~(1u << (bb % 32));
                    n++;
                }
            }
        }
        r->top = seq;
    }
    b = seq % r->size;
    r->ring[b / 32] |= 1u << (b % 32);
}
