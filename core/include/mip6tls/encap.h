/*
 * mip6tls/encap.h: the RFC 6618 UDP-encapsulation header (§6.1, §6.2).
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | PType |                        SPI                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Sequence Number                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   PType 0: a plain inner IPv4/IPv6 packet;                    |
 *   |   PType 1 and 8: ESP payload, padding, trailer and ICV         |
 *
 * The rules of §6.1/§6.2: SPI 0 if and only if PType 0; PType 0 has Sequence Number 0 and no
 * ESP trailer (§6.4); a Mobility Header (PType 8) is never sent with SPI 0. PType and SPI are
 * one 32-bit field for integrity protection, which is how ESP (esp.h) treats them.
 */
#ifndef MIP6TLS_ENCAP_H
#define MIP6TLS_ENCAP_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Packet types, RFC 6618 §8.1. */
#define MIP6TLS_PTYPE_PLAIN 0 /* non-encrypted IP packet */
#define MIP6TLS_PTYPE_DATA 1  /* encrypted (ESP-protected) IP packet */
#define MIP6TLS_PTYPE_MH 8    /* mobility header, always ESP-protected */

#define MIP6TLS_ENCAP_HDR_LEN 8
#define MIP6TLS_SPI_MIN 1u           /* RFC 6618 §5.6.1: 0 is reserved */
#define MIP6TLS_SPI_MAX 0x0FFFFFFFu  /* 28 bits */

/* A decoded encapsulation header. `body` points into the decoded buffer, just past the
 * 8-octet header, and is valid as long as that buffer is. */
typedef struct {
    uint8_t ptype;
    uint32_t spi;
    uint32_t seq;
    const uint8_t *body;
    size_t body_len;
} mip6tls_encap_hdr;

/* Decodes the header of a UDP payload received on the service port.
 * Returns 0, or:
 *   MIP6TLS_ERR_TRUNCATED  fewer than 8 octets (or PType 0 with an empty body);
 *   MIP6TLS_ERR_TYPE       PType other than 0, 1 or 8;
 *   MIP6TLS_ERR_PTYPE      SPI 0 with PType 1/8, a non-zero SPI with PType 0, or PType 0
 *                          with a non-zero Sequence Number (§6.2, §6.4).
 * `h` is written only on success. */
int mip6tls_encap_decode(const uint8_t *pkt, size_t len, mip6tls_encap_hdr *h);

/* Writes the 8-octet header word pair for (ptype, spi, seq) into out[0..7]. No rule is
 * checked: esp.c and mip6tls_encap_plain() are the callers that know the rules hold. */
void mip6tls_encap_put_hdr(uint8_t *out, uint8_t ptype, uint32_t spi, uint32_t seq);

/* Builds a PType 0 packet (§6.4, Figure 9): header of zeros followed by the inner packet.
 * `inner` may be exactly out + 8 (in place) or must not overlap out[0..8+len).
 * Returns the packet length, MIP6TLS_ERR_NOBUF when cap < 8 + len, MIP6TLS_ERR_ARG for an
 * empty inner packet. */
int mip6tls_encap_plain(const uint8_t *inner, size_t len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
