/*
 * mip6tls/boot.h: the MN's bootstrap with the HAC (RFC 6618 §4.1, §5): one TCP connection,
 * TLS 1.2 (tls.h) and the request/response exchange (hacp.h), ending in an SA.
 *
 * Owned by the MN (mn.h drives it when it needs an SA); usable on its own by tools and tests.
 * It asks the port for a TCP connection (MIP6TLS_ACT_TCP_CONNECT), moves TLS records through
 * MIP6TLS_ACT_TCP_SEND, and closes (MIP6TLS_ACT_TCP_CLOSE) once the HAC's final response is
 * in (§5.3: both sides close). A failure (TCP, TLS, authentication, a non-200 status) ends the
 * attempt; the next one starts after a back-off doubling from `retry_min_ms` to `retry_max_ms`,
 * or at the HAC's retry-after (§5.5.6) when it sent one. A TLS session is kept for
 * resumption, so a later bootstrap saves a round trip.
 */
#ifndef MIP6TLS_BOOT_H
#define MIP6TLS_BOOT_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/hacp.h"
#include "mip6tls/outbox.h"
#include "mip6tls/sa.h"
#include "mip6tls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room a bootstrap call may need in the outbox: a whole TLS buffer of records plus events. */
#define MIP6TLS_BOOT_OUTBOX_MIN (MIP6TLS_TLS_BUFSIZE + 256)

typedef struct {
    const mip6tls_tls_config *tls;         /* a client configuration (trust anchors) */
    mip6tls_tls_peer peer;                 /* the HAC identity to check (§9.2) */
    mip6tls_endpoint hac;                  /* where to connect (address, TCP port) */
    const mip6tls_hacp_client_cfg *hacp;   /* NAI, credentials, proposed scope and suites */
    uint8_t *tls_buf;                      /* the TLS I/O buffer, caller-owned */
    size_t tls_buf_len;                    /* MIP6TLS_TLS_BUFSIZE recommended */
    uint32_t timeout_ms;                   /* one attempt's limit; 0: 30000 */
    uint32_t retry_min_ms, retry_max_ms;   /* back-off between attempts; 0: 1000, 64000 */
    uint8_t no_resumption;                 /* always do a full handshake */
} mip6tls_boot_config;

/* What a bootstrap waits for. */
typedef enum {
    MIP6TLS_BOOT_IDLE = 0,      /* to be started */
    MIP6TLS_BOOT_WAIT_CONNECT,  /* the port's TCP connection */
    MIP6TLS_BOOT_WAIT_TLS,      /* the TLS handshake */
    MIP6TLS_BOOT_WAIT_RESPONSE, /* the HAC's next response */
    MIP6TLS_BOOT_WAIT_RETRY,    /* the back-off after a failed attempt */
    MIP6TLS_BOOT_DONE,          /* the SA is ready (mip6tls_boot_sa) */
} mip6tls_boot_state;

/* Events (MIP6TLS_ACT_EVENT `event`, numbered apart from the roles' own). */
typedef enum {
    MIP6TLS_BOOT_EV_STARTED = 100, /* arg: attempt number */
    MIP6TLS_BOOT_EV_TLS_UP,        /* arg: 1 when the session was resumed */
    MIP6TLS_BOOT_EV_DONE,          /* conn: the new SPI */
    MIP6TLS_BOOT_EV_FAILED,        /* arg: (negative) mip6tls_err, or the HAC's status-code */
} mip6tls_boot_event;

/* Private fields. */
typedef struct {
    const mip6tls_boot_config *cfg;
    mip6tls_drbg *drbg;
    uint8_t state;
    uint8_t hacp_started;
    uint8_t have_session;
    uint32_t conn;     /* TCP connection id of the current attempt */
    uint32_t attempts;
    uint32_t retry_ms; /* the next back-off */
    uint32_t timeout_ms, retry_min_ms, retry_max_ms; /* the config's, defaults applied */
    uint8_t have_wall;
    int64_t wall_minus_now_ms; /* Unix ms - now_ms, learnt at connect (for retry-after) */
    uint64_t deadline; /* timeout of the attempt, or end of the back-off */
    int last_error;
    unsigned last_status;
    size_t rx_len;
    uint8_t rx[MIP6TLS_HACP_MSG_MAX];
    mip6tls_tls tls;
    mip6tls_tls_session session;
    mip6tls_hacp_client hacp;
} mip6tls_boot;

/* Sets up `b` (IDLE). cfg and drbg must outlive it. Returns 0 or MIP6TLS_ERR_ARG. A timed-out
 * attempt fails with MIP6TLS_ERR_TIMEOUT. */
int mip6tls_boot_init(mip6tls_boot *b, const mip6tls_boot_config *cfg, mip6tls_drbg *drbg);

/* Starts an attempt now from the local address `local` (port 0: any): TCP_CONNECT. Valid in
 * IDLE, WAIT_RETRY and DONE. Returns 0, MIP6TLS_ERR_STATE or MIP6TLS_ERR_NOBUF. */
int mip6tls_boot_start(mip6tls_boot *b, uint64_t now_ms, const mip6tls_addr *local,
                       mip6tls_outbox *ob);

/* TCP events of connection `conn`; other connections' are ignored (0). `unix_time` is the
 * wall clock for certificate validation. These return 0, MIP6TLS_ERR_NOBUF (outbox below
 * MIP6TLS_BOOT_OUTBOX_MIN free: nothing read), or MIP6TLS_ERR_STATE. A failure of the
 * attempt itself is not an error of the call: it shows as WAIT_RETRY and a FAILED event. */
int mip6tls_boot_tcp_connected(mip6tls_boot *b, uint64_t now_ms, uint32_t conn,
                               uint64_t unix_time, mip6tls_outbox *ob);
int mip6tls_boot_tcp_recv(mip6tls_boot *b, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                          size_t len, mip6tls_outbox *ob);
int mip6tls_boot_tcp_closed(mip6tls_boot *b, uint64_t now_ms, uint32_t conn,
                            mip6tls_outbox *ob);

/* The attempt's timeout or the back-off's end; MIP6TLS_NO_DEADLINE when idle or done. */
uint64_t mip6tls_boot_next_deadline(const mip6tls_boot *b);

/* On the deadline: a running attempt fails (timeout) and the back-off starts; a finished
 * back-off starts the next attempt from `local`. */
int mip6tls_boot_tick(mip6tls_boot *b, uint64_t now_ms, const mip6tls_addr *local,
                      mip6tls_outbox *ob);

/* The SA once DONE (valid until the next start), else NULL. */
const mip6tls_sa *mip6tls_boot_sa(const mip6tls_boot *b);

/* The TLS session of the current (or last) attempt, for the details of a failure
 * (mip6tls_tls_get_state, mip6tls_tls_last_error). */
const mip6tls_tls *mip6tls_boot_tls(const mip6tls_boot *b);

/* Forgets the SA's keys once the caller has copied it. */
void mip6tls_boot_release(mip6tls_boot *b);

/* Why the last attempt failed: a (negative) mip6tls_err, or 0 with the HAC's status-code in
 * mip6tls_boot_last_status(). */
int mip6tls_boot_last_error(const mip6tls_boot *b);
unsigned mip6tls_boot_last_status(const mip6tls_boot *b);

#ifdef __cplusplus
}
#endif
#endif
