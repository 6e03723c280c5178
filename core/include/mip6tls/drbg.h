/*
 * mip6tls/drbg.h: the core's only source of randomness.
 *
 * HMAC_DRBG with SHA-256 (NIST SP 800-90A, BearSSL's br_hmac_drbg), seeded by the port: from
 * getrandom() on POSIX, from an ns-3 RNG stream in simulation, so that a simulation with the
 * same seed produces the same keys, SPIs, nonces and TLS randoms, bit for bit. The core never
 * reads the OS's randomness and never lets BearSSL do so (every TLS engine gets entropy drawn
 * from here).
 */
#ifndef MIP6TLS_DRBG_H
#define MIP6TLS_DRBG_H

#include "mip6tls/common.h"

#include <bearssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The least seed material accepted: 256 bits, the strength of HMAC_DRBG-SHA-256. */
#define MIP6TLS_DRBG_MIN_SEED 32

typedef struct {
    br_hmac_drbg_context ctx;
    uint64_t generated; /* octets produced since the last (re)seed, for diagnostics */
} mip6tls_drbg;

/* Seeds `d` with seed[len]; `len` must be at least MIP6TLS_DRBG_MIN_SEED.
 * Returns 0 or MIP6TLS_ERR_ARG. */
int mip6tls_drbg_init(mip6tls_drbg *d, const void *seed, size_t len);

/* Mixes more seed material in (e.g. after a fork, or periodically on POSIX). */
void mip6tls_drbg_reseed(mip6tls_drbg *d, const void *seed, size_t len);

/* Fills out[len]. */
void mip6tls_drbg_generate(mip6tls_drbg *d, void *out, size_t len);

/* A uniform integer in [lo, hi] (hi >= lo), without modulo bias. */
uint32_t mip6tls_drbg_range(mip6tls_drbg *d, uint32_t lo, uint32_t hi);

#ifdef __cplusplus
}
#endif
#endif
