/* drbg.c: HMAC_DRBG-SHA-256 through BearSSL, seeded only by the caller. */
#include "mip6tls/drbg.h"

int mip6tls_drbg_init(mip6tls_drbg *d, const void *seed, size_t len)
{
    if (seed == NULL || len < MIP6TLS_DRBG_MIN_SEED)
        return MIP6TLS_ERR_ARG;
    br_hmac_drbg_init(&d->ctx, &br_sha256_vtable, seed, len);
    d->generated = 0;
    return 0;
}

void mip6tls_drbg_reseed(mip6tls_drbg *d, const void *seed, size_t len)
{
    br_hmac_drbg_update(&d->ctx, seed, len);
    d->generated = 0;
}

void mip6tls_drbg_generate(mip6tls_drbg *d, void *out, size_t len)
{
    br_hmac_drbg_generate(&d->ctx, out, len);
    d->generated += len;
}

uint32_t mip6tls_drbg_range(mip6tls_drbg *d, uint32_t lo, uint32_t hi)
{
    uint64_t span = (uint64_t)hi - lo + 1u, limit;
    uint8_t b[4];
    uint32_t v;
    if (hi <= lo)
        return lo;
    /* Reject the top partial copy of [0, span) so every value is equally likely. */
    limit = ((uint64_t)1 << 32) - (((uint64_t)1 << 32) % span);
    do {
        mip6tls_drbg_generate(d, b, 4);
        v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    } while ((uint64_t)v >= limit);
    return lo + (uint32_t)((uint64_t)v % span);
}
