/*
 * cbind.c: tls-server-end-point channel binding (RFC 5929 §4.1) for RFC 6618 §5.8.
 *
 * BearSSL's X.509 decoder tells which hash the certificate's signature uses; BearSSL's hash
 * functions compute the binding. The decoder ignores anything after the certificate, but the
 * binding covers the octets given, so the outer DER length is checked here to make the
 * certificate and the hashed octets the same thing (docs/decisions/0022-channel-binding.md).
 */
#include "mip6tls/cbind.h"

#include <bearssl.h>

/* Length of the DER element at the start of p[len] (tag, length, value), or 0 when it is not
 * a SEQUENCE with a definite length that fits in a size_t. */
static size_t cbind_der_len(const uint8_t *p, size_t len)
{
    size_t n, i, v = 0;
    if (len < 2 || p[0] != 0x30) /* Certificate ::= SEQUENCE (RFC 5280 §4.1) */
        return 0;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1];
    n = p[1] & 0x7f;
    if (n == 0 || n > 4 || len < 2 + n) /* indefinite or absurd lengths are not DER */
        return 0;
    for (i = 0; i < n; i++)
        v = v << 8 | p[2 + i];
    if (v > SIZE_MAX - 2 - n)
        return 0;
    return 2 + n + v;
}

int mip6tls_cbind_server_end_point(const uint8_t *cert, size_t cert_len, uint8_t *out, size_t cap)
{
    br_x509_decoder_context dc;
    br_hash_compat_context hc;
    const br_hash_class *h;
    size_t hlen;
    int err;

    if (cert == NULL || cbind_der_len(cert, cert_len) != cert_len)
        return MIP6TLS_ERR_MALFORMED;
    br_x509_decoder_init(&dc, 0, 0);
    br_x509_decoder_push(&dc, cert, cert_len);
    err = br_x509_decoder_last_error(&dc);
    if (err == BR_ERR_X509_UNSUPPORTED)
        return MIP6TLS_ERR_UNSUPPORTED;
    if (err != 0)
        return MIP6TLS_ERR_MALFORMED;
    switch (br_x509_decoder_get_signer_hash_id(&dc)) {
    case br_md5_ID: /* RFC 5929 §4.1: MD5 and SHA-1 are replaced by SHA-256 */
    case br_sha1_ID:
    case br_sha256_ID:
        h = &br_sha256_vtable;
        break;
    case br_sha224_ID:
        h = &br_sha224_vtable;
        break;
    case br_sha384_ID:
        h = &br_sha384_vtable;
        break;
    case br_sha512_ID:
        h = &br_sha512_vtable;
        break;
    default: /* 0: no hash function, or one BearSSL does not know: binding undefined */
        return MIP6TLS_ERR_UNSUPPORTED;
    }
    hlen = (size_t)((h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
    if (cap < hlen)
        return MIP6TLS_ERR_NOBUF;
    h->init(&hc.vtable);
    h->update(&hc.vtable, cert, cert_len);
    h->out(&hc.vtable, out);
    return (int)hlen;
}
