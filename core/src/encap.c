/* encap.c: RFC 6618 §6.1-§6.4 UDP-encapsulation header. */
#include "mip6tls/encap.h"

#include "mip6tls/bytes.h"

#include <string.h>

int mip6tls_encap_decode(const uint8_t *pkt, size_t len, mip6tls_encap_hdr *h)
{
    uint32_t word, seq, spi;
    uint8_t ptype;

    if (len < MIP6TLS_ENCAP_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    word = mip6tls_get32(pkt);
    seq = mip6tls_get32(pkt + 4);
    ptype = (uint8_t)(word >> 28);
    spi = word & MIP6TLS_SPI_MAX;

    switch (ptype) {
    case MIP6TLS_PTYPE_PLAIN:
        /* RFC 6618 §6.2: SPI 0 iff PType 0; §6.4: SPI and Sequence Number MUST be 0. */
        if (spi != 0 || seq != 0)
            return MIP6TLS_ERR_PTYPE;
        /* A plain packet carries an inner IP packet; nothing is not one. */
        if (len == MIP6TLS_ENCAP_HDR_LEN)
            return MIP6TLS_ERR_TRUNCATED;
        break;
    case MIP6TLS_PTYPE_DATA:
    case MIP6TLS_PTYPE_MH:
        /* RFC 6618 §6.1/§6.2: a protected packet, and any Mobility Header, has SPI != 0. */
        if (spi == 0)
            return MIP6TLS_ERR_PTYPE;
        break;
    default:
        /* RFC 6618 §8.1: only 0, 1 and 8 are assigned. */
        return MIP6TLS_ERR_TYPE;
    }
    h->ptype = ptype;
    h->spi = spi;
    h->seq = seq;
    h->body = pkt + MIP6TLS_ENCAP_HDR_LEN;
    h->body_len = len - MIP6TLS_ENCAP_HDR_LEN;
    return 0;
}

void mip6tls_encap_put_hdr(uint8_t *out, uint8_t ptype, uint32_t spi, uint32_t seq)
{
    mip6tls_put32(out, ((uint32_t)ptype << 28) | (spi & MIP6TLS_SPI_MAX));
    mip6tls_put32(out + 4, seq);
}

int mip6tls_encap_plain(const uint8_t *inner, size_t len, uint8_t *out, size_t cap)
{
    if (len == 0)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_ENCAP_HDR_LEN || len > cap - MIP6TLS_ENCAP_HDR_LEN || len > INT32_MAX)
        return MIP6TLS_ERR_NOBUF;
    if (inner != out + MIP6TLS_ENCAP_HDR_LEN)
        memmove(out + MIP6TLS_ENCAP_HDR_LEN, inner, len);
    mip6tls_encap_put_hdr(out, MIP6TLS_PTYPE_PLAIN, 0, 0);
    return (int)(len + MIP6TLS_ENCAP_HDR_LEN);
}
