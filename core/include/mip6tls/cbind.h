/*
 * mip6tls/cbind.h: the "tls-server-end-point" channel binding (RFC 5929 §4.1) that the
 * RFC 6618 §5.8 message authenticator takes as its CB-octets.
 *
 * The binding is the hash of the server's certificate exactly as it appears in the TLS
 * Certificate message (DER), computed with the hash function of the certificate's signature
 * algorithm, or with SHA-256 when that function is MD5 or SHA-1. The CB-octets are the raw
 * hash, without prefix (docs/decisions/0003-auth-coverage.md, 0022-channel-binding.md).
 */
#ifndef MIP6TLS_CBIND_H
#define MIP6TLS_CBIND_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest binding: a SHA-512 hash. */
#define MIP6TLS_CBIND_MAX 64

/*
 * Computes the tls-server-end-point binding of the DER certificate cert[cert_len] into
 * out[cap]. Returns the binding's length (28, 32, 48 or 64 for SHA-224/256/384/512), or
 *   MIP6TLS_ERR_MALFORMED    not one DER certificate (BearSSL cannot decode it, or octets
 *                            follow the outer SEQUENCE);
 *   MIP6TLS_ERR_UNSUPPORTED  the signature algorithm uses no single hash function that BearSSL
 *                            recognises (e.g. Ed25519, RSASSA-PSS), or the certificate holds
 *                            a key type BearSSL cannot decode: RFC 5929 §4.1 leaves the binding
 *                            undefined for the former;
 *   MIP6TLS_ERR_NOBUF        cap is smaller than the hash (nothing written).
 * Uses about 3 KB of stack for BearSSL's X.509 decoder.
 */
int mip6tls_cbind_server_end_point(const uint8_t *cert, size_t cert_len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
