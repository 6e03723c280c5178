/* common.c: error strings, address helpers, constant-time compare. */
#include "mip6tls/common.h"

#include <string.h>

const char *mip6tls_strerror(int err)
{
    switch (err) {
    case MIP6TLS_OK: return "success";
    case MIP6TLS_ERR_ARG: return "invalid argument";
    case MIP6TLS_ERR_NOBUF: return "output buffer too small";
    case MIP6TLS_ERR_STATE: return "call not valid in the current state";
    case MIP6TLS_ERR_KEYLEN: return "key length does not match the ciphersuite";
    case MIP6TLS_ERR_SUITE: return "unknown or disallowed ciphersuite";
    case MIP6TLS_ERR_UNSUPPORTED: return "not supported by this build";
    case MIP6TLS_ERR_FULL: return "table full";
    case MIP6TLS_ERR_EXISTS: return "entry already exists";
    case MIP6TLS_ERR_NOTFOUND: return "no such entry";
    case MIP6TLS_ERR_TRUNCATED: return "input truncated";
    case MIP6TLS_ERR_MALFORMED: return "malformed field";
    case MIP6TLS_ERR_VERSION: return "unsupported protocol version";
    case MIP6TLS_ERR_RESERVED: return "reserved field not zero";
    case MIP6TLS_ERR_LENGTH: return "length field inconsistent with data";
    case MIP6TLS_ERR_DUPLICATE: return "duplicate element";
    case MIP6TLS_ERR_MISSING: return "mandatory element missing";
    case MIP6TLS_ERR_ALIGN: return "alignment rule violated";
    case MIP6TLS_ERR_TYPE: return "unknown type";
    case MIP6TLS_ERR_REPLAY: return "replayed or too old sequence number";
    case MIP6TLS_ERR_ICV: return "integrity check failed";
    case MIP6TLS_ERR_SPI: return "unknown or unexpected SPI";
    case MIP6TLS_ERR_PTYPE: return "PType/SPI combination not allowed";
    case MIP6TLS_ERR_PADDING: return "invalid ESP padding";
    case MIP6TLS_ERR_POLICY: return "forbidden by policy";
    case MIP6TLS_ERR_AUTH: return "message authenticator does not verify";
    case MIP6TLS_ERR_CHECKSUM: return "checksum does not verify";
    case MIP6TLS_ERR_TIMEOUT: return "no answer in time";
    case MIP6TLS_ERR_SEQ_EXHAUSTED: return "sequence numbers exhausted: re-key";
    case MIP6TLS_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

void mip6tls_addr_set6(mip6tls_addr *a, const uint8_t b[16])
{
    a->family = MIP6TLS_AF_INET6;
    memcpy(a->bytes, b, 16);
}

void mip6tls_addr_set4(mip6tls_addr *a, const uint8_t b[4])
{
    memset(a, 0, sizeof *a);
    a->family = MIP6TLS_AF_INET;
    memcpy(a->bytes, b, 4);
}

int mip6tls_addr_eq(const mip6tls_addr *a, const mip6tls_addr *b)
{
    size_t n;
    if (a->family != b->family)
        return 0;
    n = a->family == MIP6TLS_AF_INET ? 4 : a->family == MIP6TLS_AF_INET6 ? 16 : 0;
    return memcmp(a->bytes, b->bytes, n) == 0;
}

int mip6tls_endpoint_eq(const mip6tls_endpoint *a, const mip6tls_endpoint *b)
{
    return a->port == b->port && mip6tls_addr_eq(&a->addr, &b->addr);
}

int mip6tls_ct_eq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t d = 0;
    size_t i;
    for (i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}
