/*
 * mip6tls/bytes.h: explicit big-endian byte access. Codecs read and write packets only through
 * these helpers, never through structs cast over packet bytes.
 */
#ifndef MIP6TLS_BYTES_H
#define MIP6TLS_BYTES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint16_t mip6tls_get16(const uint8_t *p)
{
    return (uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

static inline uint32_t mip6tls_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t mip6tls_get64(const uint8_t *p)
{
    return ((uint64_t)mip6tls_get32(p) << 32) | mip6tls_get32(p + 4);
}

static inline void mip6tls_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void mip6tls_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void mip6tls_put64(uint8_t *p, uint64_t v)
{
    mip6tls_put32(p, (uint32_t)(v >> 32));
    mip6tls_put32(p + 4, (uint32_t)v);
}

/* The value of a hex digit in either case, or -1 (ASCII only: no locale, no libc). */
static inline int mip6tls_hexval(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)c - '0';
    if (c >= 'a' && c <= 'f')
        return (int)c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return (int)c - 'A' + 10;
    return -1;
}

#ifdef __cplusplus
}
#endif
#endif
