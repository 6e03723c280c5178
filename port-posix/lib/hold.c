/* hold.c: see hold.h. */
#include "hold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int px_hold_init(px_hold *h, size_t n_spis, size_t per_spi)
{
    memset(h, 0, sizeof *h);
    if (n_spis == 0 || n_spis > 4096 || per_spi == 0 || per_spi > 64)
        return -EINVAL;
    h->spi = calloc(n_spis, sizeof *h->spi);
    h->count = calloc(n_spis, 1);
    h->first = calloc(n_spis, 1);
    h->pkts = malloc(n_spis * per_spi * sizeof *h->pkts);
    if (!h->spi || !h->count || !h->first || !h->pkts) {
        px_hold_free(h);
        return -ENOMEM;
    }
    h->n_spis = n_spis;
    h->per_spi = per_spi;
    return 0;
}

void px_hold_free(px_hold *h)
{
    free(h->spi);
    free(h->count);
    free(h->first);
    free(h->pkts);
    memset(h, 0, sizeof *h);
}

static long hold_find(const px_hold *h, uint32_t spi)
{
    size_t i;
    for (i = 0; i < h->n_spis; i++)
        if (h->spi[i] == spi)
            return (long)i;
    return -1;
}

int px_hold_put(px_hold *h, uint32_t spi, const mip6tls_endpoint *local,
                const mip6tls_endpoint *from, const uint8_t *data, size_t len, uint64_t now_ms)
{
    long i;
    size_t k;
    int dropped = 0;
    px_held *p;
    if (spi == 0 || len > PX_DGRAM_MAX || h->n_spis == 0)
        return -1;
    i = hold_find(h, spi);
    if (i < 0) {
        i = hold_find(h, 0);
        if (i < 0)
            return -1;
        h->spi[i] = spi;
        h->count[i] = 0;
        h->first[i] = 0;
    }
    if (h->count[i] == h->per_spi) { /* drop the oldest */
        h->first[i] = (uint8_t)((h->first[i] + 1) % h->per_spi);
        h->count[i]--;
        h->dropped++;
        dropped = 1;
    }
    k = (h->first[i] + h->count[i]) % h->per_spi;
    p = &h->pkts[(size_t)i * h->per_spi + k];
    p->local = *local;
    p->from = *from;
    p->at = now_ms;
    p->len = len;
    memcpy(p->data, data, len);
    h->count[i]++;
    h->held++;
    return dropped;
}

int px_hold_pop(px_hold *h, uint32_t spi, px_held *out)
{
    long i = spi ? hold_find(h, spi) : -1;
    const px_held *p;
    if (i < 0 || h->count[i] == 0)
        return 0;
    p = &h->pkts[(size_t)i * h->per_spi + h->first[i]];
    memcpy(out, p, offsetof(px_held, data) + p->len);
    h->first[i] = (uint8_t)((h->first[i] + 1) % h->per_spi);
    if (--h->count[i] == 0)
        h->spi[i] = 0;
    h->replayed++;
    return 1;
}

size_t px_hold_drop(px_hold *h, uint32_t spi)
{
    long i = spi ? hold_find(h, spi) : -1;
    size_t n;
    if (i < 0)
        return 0;
    n = h->count[i];
    h->count[i] = 0;
    h->spi[i] = 0;
    h->dropped += n;
    return n;
}

size_t px_hold_count(const px_hold *h)
{
    size_t i, n = 0;
    for (i = 0; i < h->n_spis; i++)
        if (h->spi[i] != 0)
            n += h->count[i];
    return n;
}
