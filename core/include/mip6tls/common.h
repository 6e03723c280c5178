/*
 * mip6tls/common.h: what every core module shares.
 *
 * Time, error codes, the address type and the endpoint type. The core never reads a clock:
 * every call that can change state takes `uint64_t now_ms`, a monotonic millisecond count the
 * port supplies. "No deadline" is MIP6TLS_NO_DEADLINE.
 */
#ifndef MIP6TLS_COMMON_H
#define MIP6TLS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_VERSION_STRING "0.1.0"

/* A deadline that never comes. */
#define MIP6TLS_NO_DEADLINE UINT64_MAX

/* IANA "mipv6tls" service port, UDP (RFC 6618 §8.3). The HAC's TCP port defaults to the same
 * number (docs/decisions/0004-hac-port.md): 7872/tcp is only reserved, not assigned. */
#define MIP6TLS_DEFAULT_PORT 7872

/*
 * Error codes. 0 is success; every error is negative and falls in one of four ranges:
 *   misuse     -1 .. -19   the caller broke a contract (bad argument, buffer too small)
 *   decode    -20 .. -39   bytes from the wire do not parse
 *   drop      -40 .. -59   bytes parse but the protocol says drop them (replay, bad ICV)
 *   fatal     -60 .. -79   the context cannot go on
 * Decode and drop errors leave every context unchanged: a hostile packet costs nothing but
 * the time to reject it.
 */
typedef enum {
    MIP6TLS_OK = 0,

    MIP6TLS_ERR_ARG = -1,       /* an argument is out of its documented range */
    MIP6TLS_ERR_NOBUF = -2,     /* the output does not fit; nothing was written or changed */
    MIP6TLS_ERR_STATE = -3,     /* the call is not valid in the context's current state */
    MIP6TLS_ERR_KEYLEN = -4,    /* a key's length does not match the ciphersuite */
    MIP6TLS_ERR_SUITE = -5,     /* unknown or disallowed ciphersuite */
    MIP6TLS_ERR_UNSUPPORTED = -6, /* a valid request this build does not implement */
    MIP6TLS_ERR_FULL = -7,        /* a caller-provided table has no free slot */
    MIP6TLS_ERR_EXISTS = -8,      /* the key (SPI, home address, ...) is already in the table */
    MIP6TLS_ERR_NOTFOUND = -9,    /* no such entry */

    MIP6TLS_ERR_TRUNCATED = -20, /* the input ends before the structure does */
    MIP6TLS_ERR_MALFORMED = -21, /* a field holds a value its syntax does not allow */
    MIP6TLS_ERR_VERSION = -22,   /* unknown protocol version */
    MIP6TLS_ERR_RESERVED = -23,  /* a reserved field or bit is not zero where it must be */
    MIP6TLS_ERR_LENGTH = -24,    /* a length field disagrees with the data */
    MIP6TLS_ERR_DUPLICATE = -25, /* an element that may appear once appears twice */
    MIP6TLS_ERR_MISSING = -26,   /* a mandatory element is absent */
    MIP6TLS_ERR_ALIGN = -27,     /* an option violates its alignment rule */
    MIP6TLS_ERR_TYPE = -28,      /* unknown message or packet type */

    MIP6TLS_ERR_REPLAY = -40,    /* sequence number already seen or left of the window */
    MIP6TLS_ERR_ICV = -41,       /* integrity check failed */
    MIP6TLS_ERR_SPI = -42,       /* SPI unknown or not the expected one */
    MIP6TLS_ERR_PTYPE = -43,     /* PType / SPI combination not allowed (RFC 6618 §6.2) */
    MIP6TLS_ERR_PADDING = -44,   /* ESP padding invalid after decryption (RFC 4303 §2.4) */
    MIP6TLS_ERR_POLICY = -45,    /* valid, but local policy forbids it (e.g. SA scope) */
    MIP6TLS_ERR_AUTH = -46,      /* an authenticator (container `auth`) does not verify */
    MIP6TLS_ERR_CHECKSUM = -47,  /* an Internet checksum (MH, IPv4, UDP) does not verify */
    MIP6TLS_ERR_TIMEOUT = -48,   /* the peer did not answer in time */

    MIP6TLS_ERR_SEQ_EXHAUSTED = -60, /* the SA has no sequence number left: re-key */
    MIP6TLS_ERR_INTERNAL = -61,      /* a library call failed where it cannot fail */
} mip6tls_err;

#define MIP6TLS_ERR_IS_MISUSE(e) ((e) <= -1 && (e) >= -19)
#define MIP6TLS_ERR_IS_DECODE(e) ((e) <= -20 && (e) >= -39)
#define MIP6TLS_ERR_IS_DROP(e) ((e) <= -40 && (e) >= -59)
#define MIP6TLS_ERR_IS_FATAL(e) ((e) <= -60)

/* A short, constant, English description of `err` ("unknown error" for values outside the
 * enum). Never NULL. */
const char *mip6tls_strerror(int err);

/* Address families of mip6tls_addr. Values are the IP version numbers. */
#define MIP6TLS_AF_NONE 0
#define MIP6TLS_AF_INET 4
#define MIP6TLS_AF_INET6 6

/* An IPv4 or IPv6 address in network byte order. An IPv4 address uses bytes[0..3]; the rest
 * are zero, so two addresses compare equal with memcmp over the whole struct when both were
 * built by the helpers below. */
typedef struct {
    uint8_t family; /* MIP6TLS_AF_* */
    uint8_t bytes[16];
} mip6tls_addr;

/* An address and a UDP/TCP port (host byte order). */
typedef struct {
    mip6tls_addr addr;
    uint16_t port;
} mip6tls_endpoint;

void mip6tls_addr_set6(mip6tls_addr *a, const uint8_t b[16]);
void mip6tls_addr_set4(mip6tls_addr *a, const uint8_t b[4]);
int mip6tls_addr_eq(const mip6tls_addr *a, const mip6tls_addr *b);
int mip6tls_endpoint_eq(const mip6tls_endpoint *a, const mip6tls_endpoint *b);

/* Constant-time comparison of n bytes: 1 if equal, 0 otherwise. Time depends on n only. */
int mip6tls_ct_eq(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
