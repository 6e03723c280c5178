/* suite.c: the MN-HA ciphersuite table (RFC 6618 §5.6.5 and the AEAD extension). */
#include "mip6tls/suite.h"

/* Key lengths: HMAC-SHA1-96 uses a 160-bit key (RFC 2404 §3), AES-XCBC-MAC-96 a 128-bit key
 * (RFC 3566 §4), 3DES-CBC 192 bits with 64-bit blocks and IV (RFC 2451 §2.2), AES-128-CBC 128
 * bits with a 128-bit IV (RFC 3602 §2), AES-GCM 128 bits plus a 32-bit salt with an 8-octet
 * IV (RFC 4106 §8.1), ChaCha20-Poly1305 256 bits plus a 32-bit salt (RFC 7634 §2.1, §4).
 * NULL encryption keeps the 4-octet alignment ESP needs (RFC 4303 §2.4). */
static const mip6tls_suite_info suites[] = {
    {MIP6TLS_SUITE_AES_128_GCM_SHA256, "AES_128_GCM_SHA256", MIP6TLS_ENC_AES128_GCM,
     MIP6TLS_INTEG_NONE, 20, 0, 8, 4, 16, 1},
    {MIP6TLS_SUITE_CHACHA20_POLY1305, "CHACHA20_POLY1305_SHA256", MIP6TLS_ENC_CHACHA20_POLY1305,
     MIP6TLS_INTEG_NONE, 36, 0, 8, 4, 16, 1},
    {MIP6TLS_SUITE_AES_128_CBC_SHA, "AES_128_CBC_SHA", MIP6TLS_ENC_AES128_CBC,
     MIP6TLS_INTEG_HMAC_SHA1_96, 16, 20, 16, 16, 12, 0},
    {MIP6TLS_SUITE_AES_128_CBC_SHA256, "AES_128_CBC_SHA256", MIP6TLS_ENC_AES128_CBC,
     MIP6TLS_INTEG_AES_XCBC_MAC_96, 16, 16, 16, 16, 12, 0},
    {MIP6TLS_SUITE_3DES_EDE_CBC_SHA, "3DES_EDE_CBC_SHA", MIP6TLS_ENC_3DES_CBC,
     MIP6TLS_INTEG_HMAC_SHA1_96, 24, 20, 8, 8, 12, 0},
    {MIP6TLS_SUITE_NULL_SHA, "NULL_SHA", MIP6TLS_ENC_NULL, MIP6TLS_INTEG_HMAC_SHA1_96, 0, 20, 0,
     4, 12, 0},
    {MIP6TLS_SUITE_NULL_SHA256, "NULL_SHA256", MIP6TLS_ENC_NULL, MIP6TLS_INTEG_AES_XCBC_MAC_96, 0,
     16, 0, 4, 12, 0},
};

const mip6tls_suite_info *mip6tls_suite_all(size_t *count)
{
    *count = sizeof suites / sizeof suites[0];
    return suites;
}

const mip6tls_suite_info *mip6tls_suite_find(uint16_t code)
{
    size_t i;
    for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].code == code)
            return &suites[i];
    return NULL;
}
