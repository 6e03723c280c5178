/*
 * mip6tls/suite.h: MN-HA ciphersuites, named by their TLS 1.2 code points.
 *
 * RFC 6618 §5.6.5 maps five TLS ciphersuite codes to an (integrity, encryption) pair for the
 * MN-HA SA. As a documented extension (docs/decisions/0008-aead-suites.md) two AEAD suites
 * are added, named after the TLS code of a suite with the same bulk algorithm:
 *   {00,9C} AES_128_GCM_SHA256         -> AES-GCM with a 16-octet ICV (RFC 4106)
 *   {CC,A8} CHACHA20_POLY1305_SHA256   -> ChaCha20-Poly1305 (RFC 7634)
 * Both are offered in `mip6-suitelist` and chosen only when both sides list them.
 */
#ifndef MIP6TLS_SUITE_H
#define MIP6TLS_SUITE_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MIP6TLS_SUITE_NULL_SHA = 0x0002,           /* HMAC-SHA1-96, NULL          (§5.6.5) */
    MIP6TLS_SUITE_NULL_SHA256 = 0x003B,        /* AES-XCBC-MAC-96, NULL       (§5.6.5) */
    MIP6TLS_SUITE_3DES_EDE_CBC_SHA = 0x000A,   /* HMAC-SHA1-96, 3DES-CBC      (§5.6.5) */
    MIP6TLS_SUITE_AES_128_CBC_SHA = 0x002F,    /* HMAC-SHA1-96, AES-128-CBC   (§5.6.5) */
    MIP6TLS_SUITE_AES_128_CBC_SHA256 = 0x003C, /* AES-XCBC-MAC-96, AES-128-CBC (§5.6.5) */
    MIP6TLS_SUITE_AES_128_GCM_SHA256 = 0x009C, /* AES-128-GCM-16 (RFC 4106), extension */
    MIP6TLS_SUITE_CHACHA20_POLY1305 = 0xCCA8,  /* ChaCha20-Poly1305 (RFC 7634), extension */
} mip6tls_suite;

typedef enum {
    MIP6TLS_ENC_NULL = 0,   /* RFC 2410 */
    MIP6TLS_ENC_3DES_CBC,   /* RFC 2451 */
    MIP6TLS_ENC_AES128_CBC, /* RFC 3602 */
    MIP6TLS_ENC_AES128_GCM, /* RFC 4106, combined */
    MIP6TLS_ENC_CHACHA20_POLY1305, /* RFC 7634, combined */
} mip6tls_enc_alg;

typedef enum {
    MIP6TLS_INTEG_NONE = 0,       /* only with a combined (AEAD) encryption algorithm */
    MIP6TLS_INTEG_HMAC_SHA1_96,   /* RFC 2404 */
    MIP6TLS_INTEG_AES_XCBC_MAC_96 /* RFC 3566 */
} mip6tls_integ_alg;

/* What a suite needs and produces on the wire. */
typedef struct {
    uint16_t code;          /* mip6tls_suite */
    const char *name;       /* e.g. "AES_128_CBC_SHA" */
    uint8_t enc;            /* mip6tls_enc_alg */
    uint8_t integ;          /* mip6tls_integ_alg */
    uint8_t ekey_len;       /* octets of each ekey (AEAD: key plus 4-octet salt) */
    uint8_t ikey_len;       /* octets of each ikey; 0 when the suite is combined */
    uint8_t iv_len;         /* explicit IV octets in every packet */
    uint8_t block;          /* cipher block size that the padded payload aligns to (>= 4) */
    uint8_t icv_len;        /* ICV octets */
    uint8_t aead;           /* 1 for combined-mode suites */
} mip6tls_suite_info;

/* Every suite this build implements, in the HAC's default order of preference (strongest and
 * fastest first). *count receives the number of entries. */
const mip6tls_suite_info *mip6tls_suite_all(size_t *count);

/* The suite with TLS code `code`, or NULL when it is not one of the suites above. */
const mip6tls_suite_info *mip6tls_suite_find(uint16_t code);

#ifdef __cplusplus
}
#endif
#endif
