/*
 * mip6tls/replay.h: the receiver's anti-replay window (RFC 4303 §3.4.3).
 *
 * The receiver checks a sequence number before it verifies the ICV (cheap rejection of
 * duplicates) and records it only after the ICV verified, so a forged packet never moves the
 * window (RFC 4303 §3.4.3: "the receive window is updated only if the integrity verification
 * succeeds"). Check and update are separate calls for that reason.
 *
 * Sequence numbers are 32 bits, start at 1 and never wrap (no ESN; RFC 4303 §3.3.3;
 * docs/decisions/0005-sequence-numbers.md): 0 is never valid.
 */
#ifndef MIP6TLS_REPLAY_H
#define MIP6TLS_REPLAY_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_REPLAY_WINDOW_DEFAULT 64 /* RFC 4303 §3.4.3 default; DESIGN interpretation 5 */
#define MIP6TLS_REPLAY_WINDOW_MAX 512    /* bounded so an SA stays small at 10^6 SAs */

typedef struct {
    uint32_t top;  /* highest sequence number accepted so far, 0 before the first */
    uint32_t size; /* window size in packets, 32..MIP6TLS_REPLAY_WINDOW_MAX, multiple of 32 */
    /* Bit (n % size) of the ring is set when sequence number n (top - size < n <= top) has
     * been accepted. */
    uint32_t ring[MIP6TLS_REPLAY_WINDOW_MAX / 32];
} mip6tls_replay;

/* Sets up an empty window of `size` packets (rounded up to a multiple of 32; 0 selects the
 * default). Returns 0 or MIP6TLS_ERR_ARG when size > MIP6TLS_REPLAY_WINDOW_MAX. */
int mip6tls_replay_init(mip6tls_replay *r, uint32_t size);

/* 0 when `seq` is new and inside or right of the window; MIP6TLS_ERR_REPLAY when it is 0,
 * already accepted, or left of the window. Changes nothing. */
int mip6tls_replay_check(const mip6tls_replay *r, uint32_t seq);

/* Records `seq` as accepted, sliding the window right if needed. Call only after a successful
 * mip6tls_replay_check() and ICV verification of the same packet. */
void mip6tls_replay_update(mip6tls_replay *r, uint32_t seq);

#ifdef __cplusplus
}
#endif
#endif
