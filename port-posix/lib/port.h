/*
 * port.h: performing the core's actions on a POSIX host (docs/porting.md §3), shared by both
 * daemons: px_drain() walks an outbox in order and performs each action, then clears it.
 *
 *   SEND_DGRAM   queued on the UDP socket bound to the action's `local` (else one of the
 *                remote's family); sent with sendmmsg() at the end of the event batch
 *   TCP_CONNECT  non-blocking connect from `local.addr` (the care-of address)
 *   TCP_SEND     written in order; what the socket does not take waits in the queue
 *   TCP_CLOSE    our side is shut once the queue is empty; input is then discarded until the
 *                peer closes (at most PX_TCP_LINGER_MS)
 *   DELIVER      written to the TUN device through a px_tun_writer: consecutive segments
 *                of one TCP or UDP flow become one super-packet (tun.h); what is held goes
 *                at the end of the event batch (px_port_flush), before a packet that does
 *                not join it, or when the run is full
 *   SA_PERSIST / SA_FORGET   the SQLite store (store.h)
 *   EVENT        one log line (log.h)
 * The daemon's hook sees every action first: it performs the role-specific ones (SA_INSTALL
 * into the co-located HA, IF_CONFIG) and may act on events (the MN configures its home
 * address when an SA becomes active).
 *
 * TCP inputs (connected, bytes, closed) go to the daemon's hooks, which call the core and
 * drain again. A TCP failure discovered while an outbox is being performed (a write error, a
 * connect that fails at once) is reported only after the outbox is cleared, never from inside
 * the walk (porting.md §3, last paragraph).
 */
#ifndef PX_PORT_H
#define PX_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mip6tls/outbox.h"
#include "net.h"
#include "store.h"
#include "tun.h"

#define PX_MAX_UDP 4
#define PX_TCP_LINGER_MS 2000u
#define PX_DEFERRED_MAX 64

typedef struct {
    void (*tcp_connected)(void *ctx, uint32_t conn);
    void (*tcp_recv)(void *ctx, uint32_t conn, const uint8_t *d, size_t len);
    void (*tcp_closed)(void *ctx, uint32_t conn);
    /* Sees every action before the common code: returns 1 when it performed the action
     * itself, 0 to let the common code perform it (or log it, for events). */
    int (*action)(void *ctx, char role, const mip6tls_action *a);
} px_port_hooks;

typedef struct {
    px_loop *loop;
    px_port_hooks hooks;
    void *ctx;
    px_udp *udp[PX_MAX_UDP];
    size_t n_udp;
    px_tcp *tcp; /* n_tcp slots */
    size_t n_tcp;
    int tun_fd; /* DELIVER goes here (an fd of px_tun_open); -1: none */
    px_tun_writer tunw;
    px_store *store; /* SA_PERSIST / SA_FORGET; NULL: none (an error is logged) */
    uint32_t deferred[PX_DEFERRED_MAX];
    size_t n_deferred;
    int depth;              /* nesting of px_drain */
    int last_tcp_errno;     /* why the last TCP connection failed (0: it did not) */
    uint32_t last_tcp_conn; /* ... and which one */
    /* counters */
    uint64_t tun_out, tun_out_errs; /* IP packets (tunw's counters, kept in step) */
    uint64_t udp_no_socket, udp_too_big, tcp_opened, tcp_refused, store_errs;
} px_port;

/* Sets up `p` with n_tcp connection slots. Returns 0 or -ENOMEM. */
int px_port_init(px_port *p, px_loop *loop, size_t n_tcp, const px_port_hooks *h, void *ctx);
/* Closes every TCP connection (no reports) and frees the slots. */
void px_port_close(px_port *p);

/* Adds a UDP socket SEND_DGRAM may use. Returns 0 or -ENOSPC. */
int px_port_add_udp(px_port *p, px_udp *u);
void px_port_del_udp(px_port *p, px_udp *u);

/* Performs ob's actions in order (role: PX_ROLE_*, for the log), clears it, then reports the
 * TCP failures found on the way (at the outermost level). */
void px_drain(px_port *p, char role, mip6tls_outbox *ob);

/* Performs one action as px_drain() does after the hook (for a hook that adjusts an action,
 * e.g. the MN choosing the HAC address for its care-of address's family). */
void px_port_perform(px_port *p, char role, const mip6tls_action *a);

/* TCP connection `conn` failed: the core hears it (tcp_closed hook) once no outbox is being
 * walked. */
void px_port_fail_tcp(px_port *p, uint32_t conn);

/* Takes an accepted socket as connection `conn` from `peer`. Returns the slot, or NULL when
 * every slot is busy (the socket is closed). */
px_tcp *px_port_adopt(px_port *p, int fd, uint32_t conn, const mip6tls_endpoint *peer);

/* Sends every queued datagram and writes what the TUN writer holds. */
void px_port_flush(px_port *p);

/* The earliest TCP linger end (MIP6TLS_NO_DEADLINE: none), and closing what has ended. */
uint64_t px_port_next_deadline(const px_port *p);
void px_port_tick(px_port *p, uint64_t now_ms);

/* Open TCP connections. */
size_t px_port_tcp_count(const px_port *p);

#endif
