/*
 * srv.h: DNS SRV look-ups (RFC 2782) for HAC discovery (RFC 6618 §5.4: "the MN queries
 * either an A/AAAA or a SRV record for the HAC IP address"; the name is the deployment's,
 * e.g. _mip6tls._tcp.example.com).
 *
 * The query goes through glibc's resolver (res_nquery, libresolv's ns_parserr): the servers of
 * /etc/resolv.conf, its timeouts, and (under `ip netns exec`) /etc/netns/NAME/resolv.conf.
 * It blocks, like getaddrinfo: the MN resolves when it starts and when a bootstrap attempt
 * needs an address, never on the data path.
 *
 * What DNS says is only where to connect: the identity the HAC's certificate must carry stays
 * the configured name (RFC 6618 §9.2), because an unsigned SRV answer cannot vouch for a name.
 */
#ifndef PX_SRV_H
#define PX_SRV_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char target[256]; /* host name, without the trailing dot */
    uint16_t port, priority, weight;
} px_srv_rec;

/* Looks up the SRV records of `name` and orders them as RFC 2782 says: lowest priority first,
 * and within one priority by a weighted random draw (zero-weight records first in the draw, so
 * they are picked only rarely when others weigh more). Returns the number of records written
 * to out[cap] (at least 1), or -1 with the reason in err[errcap] (no such name, no SRV record,
 * the service "decidedly not available" (a lone "." target), no answer from the servers). */
int px_srv_lookup(const char *name, px_srv_rec *out, size_t cap, char *err, size_t errcap);

/* Orders recs[n] in place as above (the draw uses `rnd`, one 32-bit value per record); for
 * tests and for px_srv_lookup. */
void px_srv_order(px_srv_rec *recs, size_t n, const uint32_t *rnd);

#endif
