/*
 * mip6tls/cred.h: TLS credentials from PEM or DER bytes: a certificate chain, its private key
 * (EC or RSA) and trust anchors.
 *
 * The port reads the files; this module decodes the bytes it is handed (BearSSL's PEM, X.509
 * and private-key decoders, all I/O-free) into a mip6tls_cred that keeps pointers into a byte
 * arena the caller owns. Nothing is allocated. The HAC loads its chain and key (TLS server,
 * RFC 6618 §9.2), the MN its trust anchors; mip6tls_tls_config_*() take the result.
 *
 * Input format: bytes starting with 0x30 (a DER SEQUENCE) are one DER object; anything else is
 * PEM text holding one or more objects. PEM objects of other kinds (e.g. the "EC PARAMETERS"
 * that `openssl ecparam -genkey` writes) are skipped.
 *
 * Every call either succeeds or returns an error and leaves the cred exactly as it was (arena
 * included). mip6tls_cred_reason() then says why in more detail than the error code; see
 * mip6tls_cred_reason_str().
 */
#ifndef MIP6TLS_CRED_H
#define MIP6TLS_CRED_H

#include "mip6tls/common.h"

#include <bearssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest chain accepted: end-entity plus up to three CA certificates. */
#define MIP6TLS_CRED_MAX_CHAIN 4
/* The most trust anchors one cred holds. */
#define MIP6TLS_CRED_MAX_ANCHORS 8

/* Why the last call failed (mip6tls_cred_reason). */
typedef enum {
    MIP6TLS_CRED_OK = 0,
    MIP6TLS_CRED_BAD_PEM,          /* PEM armour or Base64 broken, or an object never ends */
    MIP6TLS_CRED_NO_OBJECT,        /* no object of the wanted kind in the input */
    MIP6TLS_CRED_BAD_CERT,         /* a certificate does not decode */
    MIP6TLS_CRED_BAD_KEY,          /* a private key does not decode */
    MIP6TLS_CRED_KEY_TYPE,         /* a key of a type BearSSL cannot use (Ed25519, encrypted) */
    MIP6TLS_CRED_TWO_KEYS,         /* the input holds more than one private key */
    MIP6TLS_CRED_CHAIN_TOO_LONG,   /* more than MIP6TLS_CRED_MAX_CHAIN certificates */
    MIP6TLS_CRED_TOO_MANY_ANCHORS, /* more than MIP6TLS_CRED_MAX_ANCHORS anchors */
    MIP6TLS_CRED_ARENA_FULL,       /* the arena is too small */
    MIP6TLS_CRED_KEY_MISMATCH,     /* the key is not the end-entity certificate's key */
    MIP6TLS_CRED_INCOMPLETE,       /* mip6tls_cred_check: no chain, or no key */
} mip6tls_cred_reason_t;

/*
 * Decoded credentials. Visible so the caller can place it; fields are private: read them
 * only through the accessors below (the TLS driver reads them directly).
 */
typedef struct {
    br_x509_certificate chain[MIP6TLS_CRED_MAX_CHAIN]; /* TLS order: end-entity first */
    size_t chain_len;
    int ee_issuer_key_type; /* BR_KEYTYPE_* of the key that signed chain[0] */
    int key_type;           /* 0 (none), BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
    union {
        br_rsa_private_key rsa;
        br_ec_private_key ec;
    } key;
    br_x509_trust_anchor anchors[MIP6TLS_CRED_MAX_ANCHORS];
    size_t anchors_len;
    uint8_t *arena;
    size_t arena_cap;
    size_t used;
    int reason; /* mip6tls_cred_reason_t of the last call */
} mip6tls_cred;

/* Empties `c`; it will keep its decoded data in arena[cap], which the caller owns and must
 * keep, unmoved, for as long as `c` or anything configured from it is used. About 1.5 KB per
 * P-256 certificate-and-key and 3 KB per RSA-2048 one is plenty. */
void mip6tls_cred_init(mip6tls_cred *c, uint8_t *arena, size_t cap);

/*
 * Appends the certificates in in[len] to the chain, in order (the first one ever added is the
 * end-entity certificate). PEM: every CERTIFICATE (or X509 CERTIFICATE) object; DER: one
 * certificate. Each must decode with BearSSL's X.509 decoder. Returns 0 or
 *   MIP6TLS_ERR_MALFORMED  BAD_PEM, BAD_CERT;
 *   MIP6TLS_ERR_MISSING    NO_OBJECT (no certificate in the input);
 *   MIP6TLS_ERR_NOBUF      CHAIN_TOO_LONG, ARENA_FULL;
 *   MIP6TLS_ERR_ARG        c or in is NULL.
 */
int mip6tls_cred_add_chain(mip6tls_cred *c, const uint8_t *in, size_t len);

/*
 * Sets the private key from in[len]: PEM "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY"
 * (SEC1) or "PRIVATE KEY" (unencrypted PKCS#8), or the same as DER. Exactly one key object
 * must be present. A key set before is replaced (its arena room is not reclaimed). Decoded
 * DER copies of the key are wiped from the arena and the stack. Returns 0 or
 *   MIP6TLS_ERR_MALFORMED    BAD_PEM, BAD_KEY, TWO_KEYS;
 *   MIP6TLS_ERR_UNSUPPORTED  KEY_TYPE (an Ed25519/Ed448/DSA key, "ENCRYPTED PRIVATE KEY");
 *   MIP6TLS_ERR_MISSING      NO_OBJECT;
 *   MIP6TLS_ERR_NOBUF        ARENA_FULL;
 *   MIP6TLS_ERR_ARG          c or in is NULL.
 */
int mip6tls_cred_set_key(mip6tls_cred *c, const uint8_t *in, size_t len);

/*
 * Adds a trust anchor for every certificate in in[len] (PEM: every CERTIFICATE object; DER:
 * one certificate): its subject DN and public key, flagged as a CA anchor when the
 * certificate says CA:TRUE, else usable only for direct trust of that very certificate
 * (BearSSL's X.509 "minimal" semantics). Returns 0 or the errors of add_chain, with
 * TOO_MANY_ANCHORS for CHAIN_TOO_LONG.
 */
int mip6tls_cred_add_anchors(mip6tls_cred *c, const uint8_t *in, size_t len);

/*
 * Checks that `c` is a usable server credential: a chain and a key are present and the key
 * is the end-entity certificate's (EC: same curve and public point; RSA: same modulus).
 * Returns 0, MIP6TLS_ERR_MISSING (INCOMPLETE) or MIP6TLS_ERR_ARG (KEY_MISMATCH, or the
 * end-entity certificate does not decode any more). Does not change `c` but its reason.
 */
int mip6tls_cred_check(mip6tls_cred *c);

/* Why the last call on `c` failed (MIP6TLS_CRED_OK after a success). */
mip6tls_cred_reason_t mip6tls_cred_reason(const mip6tls_cred *c);

/* A short, constant, English description of a reason ("unknown reason" otherwise). */
const char *mip6tls_cred_reason_str(int reason);

#ifdef __cplusplus
}
#endif
#endif
