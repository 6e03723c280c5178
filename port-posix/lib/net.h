/*
 * net.h: sockets for the daemons.
 *
 * UDP: one socket per local address (an IPv6 one with IPV6_V6ONLY, an IPv4 one: the DSMIPv6
 * case, RFC 5555), bound to the address the core's actions name as `local`. Datagrams are read
 * with recvmmsg() and written with sendmmsg() in batches of PX_BATCH: the data path costs one
 * system call per batch, not per packet. Outgoing datagrams are copied into the socket's batch
 * (the core's outbox is cleared after every call) and leave at the end of the event batch
 * (px_udp_flush) or when the batch is full.
 *
 * TCP: non-blocking streams with a write queue (TLS records are a stream: nothing is dropped
 * or reordered, docs/porting.md §3).
 */
#ifndef PX_NET_H
#define PX_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "mip6tls/common.h"

#define PX_BATCH 32
#define PX_DGRAM_MAX 4096 /* larger datagrams are dropped (counted as truncated) */

void px_ep_to_sockaddr(const mip6tls_endpoint *e, struct sockaddr_storage *ss, socklen_t *len);
/* IPv4-mapped IPv6 addresses come back as IPv4. */
void px_sockaddr_to_ep(const struct sockaddr *sa, mip6tls_endpoint *e);

typedef struct {
    px_io io;
    mip6tls_endpoint local; /* the bound address and port */
    /* receive batch (px_udp_recv) */
    uint8_t (*rx)[PX_DGRAM_MAX];
    size_t rx_len[PX_BATCH];
    mip6tls_endpoint rx_from[PX_BATCH];
    /* send batch */
    uint8_t (*tx)[PX_DGRAM_MAX];
    size_t tx_len[PX_BATCH];
    struct sockaddr_storage tx_to[PX_BATCH];
    socklen_t tx_tolen[PX_BATCH];
    unsigned ntx;
    /* counters */
    uint64_t rx_pkts, tx_pkts, tx_errs, rx_trunc;
} px_udp;

/* Opens a non-blocking UDP socket bound to `local` (IP_FREEBIND: the address may appear
 * later). Returns 0 or -errno; u->io.fd is -1 after a failure. */
int px_udp_open(px_udp *u, const mip6tls_endpoint *local);
void px_udp_close(px_udp *u);
/* Reads up to PX_BATCH datagrams: rx[i][rx_len[i]] from rx_from[i]. Returns how many (0 when
 * none is waiting) or -errno. */
int px_udp_recv(px_udp *u);
/* Queues one datagram; sends the batch when it is full. Returns 0 or -EMSGSIZE. */
int px_udp_queue(px_udp *u, const mip6tls_endpoint *to, const uint8_t *d, size_t len);
/* Sends what is queued. */
void px_udp_flush(px_udp *u);

/* One TCP connection. */
typedef struct {
    px_io io;
    uint32_t conn;      /* the core's connection id */
    uint8_t used;       /* slot in use */
    uint8_t connecting; /* connect() in progress */
    uint8_t closing;    /* close once the queue is empty */
    uint8_t draining;   /* our side is shut: input is discarded until the peer closes */
    mip6tls_endpoint peer;
    uint8_t *wq; /* bytes the socket did not take yet */
    size_t wq_len, wq_cap;
    uint64_t linger_end; /* draining: close at this time even if the peer does not */
} px_tcp;

/* Non-blocking connect from `local` (family NONE: any) to `remote`; io.fd set. Returns 0 (in
 * progress or done) or -errno. */
int px_tcp_connect(px_tcp *t, const mip6tls_endpoint *remote, const mip6tls_addr *local);
/* Writes d[len] after what is queued. Returns 0 or -errno (the connection is broken). */
int px_tcp_write(px_tcp *t, const uint8_t *d, size_t len);
/* Writes from the queue. Returns 1 when the queue is empty, 0 when bytes remain, -errno. */
int px_tcp_flush(px_tcp *t);
/* Closes the socket and frees the queue; the slot becomes unused. */
void px_tcp_free(px_loop *l, px_tcp *t);
/* The events to wait for: EPOLLIN, plus EPOLLOUT while connecting or bytes are queued. */
uint32_t px_tcp_events(const px_tcp *t);

/* A listening TCP socket bound to `local` (IP_FREEBIND, SO_REUSEADDR). Returns fd or -errno. */
int px_tcp_listen(const mip6tls_endpoint *local);

#endif
