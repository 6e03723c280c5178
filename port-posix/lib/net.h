/*
 * net.h: sockets for the daemons.
 *
 * UDP: one socket per local address (an IPv6 one with IPV6_V6ONLY, an IPv4 one: the DSMIPv6
 * case, RFC 5555), bound to the address the core's actions name as `local`. The data path
 * costs system calls per batch, not per packet (docs/decisions/0070-posix-data-path.md):
 *   - receive: recvmmsg() with UDP_GRO, so one buffer may hold a run of datagrams of one
 *     sender that the kernel kept together (all of one size but the last); px_udp_recv()
 *     splits them again, so the caller sees datagrams;
 *   - send: outgoing datagrams are copied into the socket's queue (the core's outbox is
 *     cleared after every call) and leave at the end of the event batch (px_udp_flush) or
 *     when the queue is full, in one sendmmsg(); a run of datagrams to one peer of one size
 *     (the last may be shorter) goes as one message with UDP_SEGMENT (GSO), which the kernel
 *     splits as late as it can. A socket whose device cannot do that (EIO) falls back to one
 *     message per datagram.
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

/* The largest datagram px_udp_queue() takes and px_udp_recv() returns (a longer one is
 * dropped, counted as truncated). */
#define PX_DGRAM_MAX 4096
#define PX_RX_BUFS 16                /* recvmmsg() buffers ... */
#define PX_RX_BUF_LEN 65536          /* ... of a (GRO) run each */
#define PX_RX_MAX (PX_RX_BUFS * 128) /* datagrams per px_udp_recv() (UDP_MAX_SEGMENTS) */
#define PX_TX_MAX 128                /* datagrams queued before the queue is sent */
#define PX_GSO_SEGS 64               /* datagrams per UDP_SEGMENT message (the kernel's limit) */
#define PX_UDP_SOCKBUF (4 << 20)     /* SO_RCVBUF and SO_SNDBUF of the UDP sockets */
/* px_udp_recv() returned fewer datagrams than this: it did not fill every buffer, the socket
 * was empty (each buffer holds one datagram at least). */
#define PX_BATCH PX_RX_BUFS

void px_ep_to_sockaddr(const mip6tls_endpoint *e, struct sockaddr_storage *ss, socklen_t *len);
/* IPv4-mapped IPv6 addresses come back as IPv4. */
void px_sockaddr_to_ep(const struct sockaddr *sa, mip6tls_endpoint *e);

typedef struct {
    px_io io;
    mip6tls_endpoint local; /* the bound address and port */
    /* what px_udp_recv returned: datagram i is rx[i][rx_len[i]] from rx_from[i] (PX_RX_MAX
     * entries each), pointing into rxbuf until the next px_udp_recv */
    uint8_t **rx;
    size_t *rx_len;
    mip6tls_endpoint *rx_from;
    uint8_t *rxbuf; /* PX_RX_BUFS * PX_RX_BUF_LEN */
    /* send queue */
    uint8_t (*tx)[PX_DGRAM_MAX];
    size_t tx_len[PX_TX_MAX];
    struct sockaddr_storage tx_to[PX_TX_MAX];
    socklen_t tx_tolen[PX_TX_MAX];
    unsigned ntx;
    uint8_t gso; /* UDP_SEGMENT works on this socket (until an EIO says otherwise) */
    uint8_t gro; /* UDP_GRO is on */
    /* counters */
    uint64_t rx_pkts, tx_pkts, tx_errs, rx_trunc;
    uint64_t rx_calls, tx_calls; /* recvmmsg() and sendmmsg() calls */
} px_udp;

/* Opens a non-blocking UDP socket bound to `local` (IP_FREEBIND: the address may appear
 * later), with UDP_GRO and UDP_SEGMENT where the kernel has them (Linux 5.0+, 4.18+) and
 * PX_UDP_SOCKBUF octets of socket buffer each way (as root beyond net.core.*mem_max). The
 * buffers are allocated on the first open and kept until px_udp_close. Returns 0 or -errno;
 * u->io.fd is -1 after a failure. */
int px_udp_open(px_udp *u, const mip6tls_endpoint *local);
void px_udp_close(px_udp *u);
/* Reads what is waiting, up to PX_RX_BUFS runs: rx[i][rx_len[i]] from rx_from[i]. Returns how
 * many datagrams (0 when none is waiting) or -errno. The datagrams of the previous call are
 * overwritten. */
int px_udp_recv(px_udp *u);
/* Queues one datagram; sends the queue when it is full. Returns 0 or -EMSGSIZE. */
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
