/*
 * hold.h: datagrams a separate HA holds while it asks the HAC for their SA (RFC 6618 §4.3,
 * docs/decisions/0033-sa-query.md item 6).
 *
 * A datagram under an SPI the HA does not know is copied here (the HA decrypts in place, so
 * the receive buffer cannot wait) while the SA query runs; when the SA arrives the daemon
 * feeds the held datagrams to the HA again, oldest first; when the HAC does not know the SPI
 * (or does not answer) they are dropped. Bounded: `n_spis` SPIs (one per outstanding query),
 * `per_spi` datagrams each; a full SPI drops its oldest datagram for the new one (the newest
 * BU retransmission is the one worth answering).
 */
#ifndef PX_HOLD_H
#define PX_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"
#include "net.h"

typedef struct {
    mip6tls_endpoint local, from; /* the socket it came in on, and its source */
    uint64_t at;                  /* px_now_ms() when it arrived */
    size_t len;
    uint8_t data[PX_DGRAM_MAX];
} px_held;

typedef struct {
    uint32_t *spi;  /* [n_spis]; 0: free */
    uint8_t *count; /* [n_spis] datagrams held for it */
    uint8_t *first; /* [n_spis] ring start */
    px_held *pkts;  /* [n_spis * per_spi] */
    size_t n_spis, per_spi;
    uint64_t held, replayed, dropped; /* counters */
} px_hold;

/* Allocates the table. Returns 0 or -ENOMEM (n_spis 1..4096, per_spi 1..64). */
int px_hold_init(px_hold *h, size_t n_spis, size_t per_spi);
void px_hold_free(px_hold *h);

/* Holds a copy of data[len] for `spi`. Returns 0 (held), 1 (held; the SPI's oldest datagram
 * was dropped for it), or -1 (not held: no free SPI slot, or len > PX_DGRAM_MAX). */
int px_hold_put(px_hold *h, uint32_t spi, const mip6tls_endpoint *local,
                const mip6tls_endpoint *from, const uint8_t *data, size_t len, uint64_t now_ms);

/* The oldest datagram held for `spi`, copied to *out and removed (the slot frees with the
 * last one). Returns 1, or 0 when none is held. */
int px_hold_pop(px_hold *h, uint32_t spi, px_held *out);

/* Drops every datagram held for `spi`. Returns how many. */
size_t px_hold_drop(px_hold *h, uint32_t spi);

/* Datagrams held now (all SPIs). */
size_t px_hold_count(const px_hold *h);

#endif
