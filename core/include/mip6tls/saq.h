/*
 * mip6tls/saq.h: SA query and distribution between a separate HA and the HAC (RFC 6618 §4.2,
 * §4.3), over TLS 1.2 with certificates on both sides.
 *
 * RFC 6618 §4.3: "The HAC may proactively distribute the SA information to HAs, or the HA may
 * query the SA information from the HAC once the MN contacts the HA. If the HA requests SA
 * information from the HAC, then the HA MUST be able to query/index the SA information from
 * the HAC based on the SPI". §4.2: the HA-HAC communication "MUST be both integrity and
 * confidentially protected" and rests on "a strong trust relationship". The RFC defines no
 * HA-HAC protocol; this is ours (docs/decisions/0033-sa-query.md):
 *
 *   HA (mip6tls_saq_client)                        HAC (mip6tls_saq_server)
 *    |-- TCP + TLS 1.2, HA client certificate ----->|  chain to the HAC's HA anchors,
 *    |<- server certificate (HAC identity, §9.2) ---|  then an allow-list (names or SHA-256)
 *    |-- QUERY(spi) ------------------------------->|  mip6tls_hac_find_sa(spi)
 *    |<- ANSWER(spi, found, flags, SA record) ------|  or not-found / not-authorized
 *    |<- PUSH(spi, flags, SA record) ---------------|  the HAC's SA_INSTALL (proactive)
 *    |<- FORGET(spi) -------------------------------|  the HAC's SA_FORGET (expired, revoked)
 *    |-- PING ------------------------------------->|  keepalive, when the HA heard nothing
 *    |<- PONG --------------------------------------|
 *
 * Wire format: a stream of messages in TLS application data, each a 4-octet header and a
 * body; every integer big-endian.
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+-------------------------------+
 *   |  Version (1)  |     Type      |        Body Length            |
 *   +---------------+---------------+-------------------------------+
 *   |  Body (Body Length octets) ...
 *
 *   type  name    direction  body
 *   1     QUERY   HA -> HAC  SPI (4)                                        4 octets
 *   2     ANSWER  HAC -> HA  SPI (4), Status (1), Flags (1) [, SA record]   6 .. 646 octets
 *   3     PUSH    HAC -> HA  SPI (4), Flags (1), SA record                  6 .. 645 octets
 *   4     FORGET  HAC -> HA  SPI (4)                                        4 octets
 *   5     PING    HA -> HAC  (empty)                                        0 octets
 *   6     PONG    HAC -> HA  (empty)                                        0 octets
 *
 * SPI: 1 .. 2^28 - 1 (RFC 6618 §5.6.1), except ANSWER not-authorized, where 0 means "this HA
 * is refused" (sent unasked after the handshake). Status: 0 found (the SA record follows),
 * 1 not-found, 2 not-authorized (no record, Flags 0). Flags: bit 0 (0x01) RESTORE: the SA may
 * already have been used by an HA, so the receiver must not start its sequence numbers again
 * (mip6tls_ha_restore_sa, decisions/0015); other bits reserved, zero. SA record: the canonical
 * mip6tls_sa encoding (sa.h, decisions/0013), whose SPI must equal the message's. Messages
 * may span TLS records and one record may carry several.
 *
 * Both sides are I/O-free state machines in the house style: TCP events in, actions out
 * (outbox.h), one deadline each. TLS is tls.c's, with a client certificate on the HA
 * (mip6tls_tls_config_client_cert) and a server configuration that requires one
 * (mip6tls_tls_config_client_auth).
 */
#ifndef MIP6TLS_SAQ_H
#define MIP6TLS_SAQ_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/hac.h"
#include "mip6tls/outbox.h"
#include "mip6tls/sa.h"
#include "mip6tls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the wire format ------------------------------------------------------------------- */

#define MIP6TLS_SAQ_VERSION 1
#define MIP6TLS_SAQ_HDR_LEN 4
/* The longest body (ANSWER with a record) and message. */
#define MIP6TLS_SAQ_BODY_MAX (6 + MIP6TLS_SA_ENCODED_MAX)
#define MIP6TLS_SAQ_MSG_MAX (MIP6TLS_SAQ_HDR_LEN + MIP6TLS_SAQ_BODY_MAX)

typedef enum {
    MIP6TLS_SAQ_QUERY = 1,
    MIP6TLS_SAQ_ANSWER = 2,
    MIP6TLS_SAQ_PUSH = 3,
    MIP6TLS_SAQ_FORGET = 4,
    MIP6TLS_SAQ_PING = 5,
    MIP6TLS_SAQ_PONG = 6,
} mip6tls_saq_type;

/* ANSWER Status (a wire value, not an error). */
typedef enum {
    MIP6TLS_SAQ_ST_FOUND = 0,
    MIP6TLS_SAQ_ST_NOT_FOUND = 1,
    MIP6TLS_SAQ_ST_NOT_AUTHORIZED = 2,
} mip6tls_saq_status;

/* Flags of ANSWER (status found) and PUSH. */
#define MIP6TLS_SAQ_F_RESTORE 0x01u

/* One message. Decoded: `rec` points into the input. */
typedef struct {
    uint8_t type;       /* mip6tls_saq_type */
    uint8_t status;     /* ANSWER */
    uint8_t flags;      /* ANSWER (found), PUSH */
    uint32_t spi;       /* QUERY, ANSWER, PUSH, FORGET */
    const uint8_t *rec; /* ANSWER (found), PUSH: the SA record; else NULL */
    size_t rec_len;
} mip6tls_saq_msg;

/*
 * Decodes the message at the start of in[len] and sets *used to its length (octets after it
 * are the next message's). Strict and total: the header is checked first (version, type, the
 * body length allowed for the type), so a hostile length never makes the caller wait for
 * data; then the body (SPI range, status, flags, that a record is present exactly when the
 * type and status call for one, that it decodes with mip6tls_sa_decode and carries the
 * message's SPI). Returns 0, or
 *   MIP6TLS_ERR_TRUNCATED  the message is not complete yet (the only "wait for more" answer);
 *   MIP6TLS_ERR_VERSION    Version is not 1;
 *   MIP6TLS_ERR_TYPE       unknown Type;
 *   MIP6TLS_ERR_LENGTH     Body Length wrong for the type, or a record that ends early or late;
 *   MIP6TLS_ERR_MALFORMED  SPI out of range, unknown status, a record where none belongs, a
 *                          record whose SPI differs, or a record that fails mip6tls_sa_check;
 *   MIP6TLS_ERR_MISSING    an ANSWER with status found but no record;
 *   MIP6TLS_ERR_RESERVED   a reserved flag bit set, or flags on a record-less answer;
 *   the other decode-range errors of mip6tls_sa_decode on the record (e.g. _VERSION).
 * Every error is in the decode range. `m` and *used are written only on success.
 */
int mip6tls_saq_decode(mip6tls_saq_msg *m, const uint8_t *in, size_t len, size_t *used);

/* Encodes `m` into out[cap]; the record is copied from m->rec (not checked beyond its length:
 * the roles encode records with mip6tls_sa_encode). Returns the length, MIP6TLS_ERR_NOBUF, or
 * MIP6TLS_ERR_ARG (a message mip6tls_saq_decode would refuse for its type, SPI, status, flags
 * or record presence and length). */
int mip6tls_saq_encode(const mip6tls_saq_msg *m, uint8_t *out, size_t cap);

/* ---- outbox room ----------------------------------------------------------------------- */

/* Outbox room one message costs as a TLS record (body, header, TLS overhead, alignment). */
#define MIP6TLS_SAQ_REC_ROOM (MIP6TLS_SAQ_MSG_MAX + 160)
/* Room every TCP call needs free on entry (a TLS handshake flight and a few messages), else it
 * returns MIP6TLS_ERR_NOBUF having done nothing; use at least 16 action slots too. */
#define MIP6TLS_SAQ_OUTBOX_MIN (MIP6TLS_TLS_BUFSIZE + 4 * MIP6TLS_SAQ_REC_ROOM)

/* ---- the HA side: mip6tls_saq_client ---------------------------------------------------- */

/* One SPI the client asked for, or remembers the HAC did not know. Private. */
typedef struct {
    uint32_t spi; /* 0: free */
    uint8_t state;
    uint64_t deadline; /* query timeout, or the end of the not-found memory */
} mip6tls_saq_pending;

typedef struct {
    int64_t unix_offset_ms;        /* wall clock (Unix ms) = now_ms + unix_offset_ms */
    const mip6tls_tls_config *tls; /* a client configuration: the HAC's trust anchors and the
                                    * HA's own chain and key (mip6tls_tls_config_client_cert) */
    mip6tls_tls_peer peer;         /* the HAC identity to check (§9.2, as the MN does) */
    mip6tls_endpoint hac;          /* where to connect (address, TCP port) */
    mip6tls_addr local;            /* the address to connect from; AF_NONE: any */
    uint8_t *tls_buf;              /* the TLS I/O buffer, caller-owned, MIP6TLS_TLS_BUFSIZE */
    size_t tls_buf_len;
    mip6tls_saq_pending *pending;        /* caller-owned table of outstanding SPIs */
    size_t n_pending;                    /* 1 .. 4096; 16-64 is typical */
    uint32_t timeout_ms;                 /* connect + handshake limit, and the wait for a PONG;
                                          * 0: 10000 */
    uint32_t retry_min_ms, retry_max_ms; /* back-off between attempts; 0: 1000, 64000 */
    uint32_t query_timeout_ms;           /* a query unanswered this long fails; 0: 5000 */
    uint32_t negative_ms;                /* a not-found SPI is not asked again for this long;
                                          * 0: 2000 */
    uint32_t keepalive_ms;               /* PING after this long without sending anything; 0: 30000
                                          * (keep it below the server's idle timeout) */
} mip6tls_saq_client_config;

/* What the client waits for. */
typedef enum {
    MIP6TLS_SAQ_C_IDLE = 0,     /* to be started */
    MIP6TLS_SAQ_C_WAIT_CONNECT, /* the port's TCP connection */
    MIP6TLS_SAQ_C_WAIT_TLS,     /* the TLS handshake */
    MIP6TLS_SAQ_C_UP,           /* messages: answers, pushes, forgets, pongs */
    MIP6TLS_SAQ_C_WAIT_RETRY,   /* the back-off after a failed or closed connection */
} mip6tls_saq_client_state;

/*
 * Client events (MIP6TLS_ACT_EVENT `event`, numbered apart from every other context's).
 * `remote` is the HAC's endpoint. "conn" below is the connection id, "SPI" an SPI in `conn`.
 */
typedef enum {
    MIP6TLS_SAQ_EV_CONNECTING = 400, /* conn; arg: attempt number */
    MIP6TLS_SAQ_EV_CONNECTED,        /* conn; arg: the TLS suite; the HAC's identity checked */
    MIP6TLS_SAQ_EV_FAILED,           /* conn; arg: (negative) mip6tls_err; MIP6TLS_ERR_POLICY:
                                      * the HAC refused this HA (not on its allow-list) */
    MIP6TLS_SAQ_EV_QUERY_SENT,       /* SPI */
    MIP6TLS_SAQ_EV_ANSWERED,         /* SPI; arg: 1 with RESTORE. An SA_INSTALL precedes it */
    MIP6TLS_SAQ_EV_NOT_FOUND,        /* SPI; arg: the ANSWER status (not-found, or
                                      * not-authorized). Drop what waits for this SPI */
    MIP6TLS_SAQ_EV_QUERY_FAILED,     /* SPI; arg: (negative) MIP6TLS_ERR_TIMEOUT. Drop what
                                      * waits for this SPI */
    MIP6TLS_SAQ_EV_PUSHED,           /* SPI; arg: 1 with RESTORE. An SA_INSTALL precedes it */
    MIP6TLS_SAQ_EV_FORGOTTEN,        /* SPI. An SA_FORGET precedes it */
} mip6tls_saq_client_event;

/* Private fields. */
typedef struct {
    mip6tls_saq_client_config cfg; /* with defaults applied */
    mip6tls_drbg *drbg;
    uint8_t state;
    uint8_t stalled;     /* received messages wait for outbox room */
    uint8_t ping_out;    /* a PING is unanswered */
    uint8_t ping_unsent; /* a PING is due but TLS could not take it yet */
    uint32_t conn;       /* TCP connection id of the current attempt */
    uint32_t attempts;
    uint32_t retry_ms; /* the next back-off */
    uint64_t deadline; /* attempt timeout, or the end of the back-off */
    uint64_t ka_at;    /* UP: when to PING, or (ping_out) when the PONG is late */
    uint64_t last_tx;  /* UP: when the last message left */
    int last_error;
    size_t rx_len;
    uint8_t rx[2 * MIP6TLS_SAQ_MSG_MAX];
    mip6tls_tls tls;
} mip6tls_saq_client;

/* Sets up `c` (IDLE). cfg is copied (the TLS configuration, buffer and pending table it points
 * to are not, and must outlive `c`, as must `drbg`). Returns 0 or MIP6TLS_ERR_ARG (NULL
 * pointer, not a client TLS configuration or one without a client certificate, bad HAC
 * endpoint, short buffer, no pending table or more than 4096 slots, retry_min > retry_max). */
int mip6tls_saq_client_init(mip6tls_saq_client *c, const mip6tls_saq_client_config *cfg,
                            mip6tls_drbg *drbg);

/* Connects now: TCP_CONNECT (conn: a fresh id per attempt; stale ids' TCP events are
 * ignored). Valid in IDLE and WAIT_RETRY. The client then stays connected, reconnecting after
 * every failure with a back-off doubling from retry_min_ms to retry_max_ms (reset by a
 * successful handshake). Returns 0, MIP6TLS_ERR_STATE or MIP6TLS_ERR_NOBUF. */
int mip6tls_saq_client_start(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob);

/*
 * Asks the HAC for the SA `spi` (the HA got a packet under an SPI it does not hold). Sent at
 * once when connected, else on the next connection. Exactly one outcome follows for a new
 * query: an MIP6TLS_ACT_SA_INSTALL of the SA (conn: the SPI) with an ANSWERED or PUSHED event,
 * or a NOT_FOUND event, or a QUERY_FAILED event after query_timeout_ms. Returns
 *   0                      a new query;
 *   1                      the SPI is already being asked for (nothing new is sent);
 *   MIP6TLS_ERR_NOTFOUND   the HAC said not-found less than negative_ms ago: drop the packet;
 *   MIP6TLS_ERR_FULL       every slot of the pending table is taken: drop the packet;
 *   MIP6TLS_ERR_ARG        spi outside 1 .. 2^28 - 1;
 *   MIP6TLS_ERR_STATE      the client was never started;
 *   MIP6TLS_ERR_NOBUF      no room for the query's record and event (nothing changed).
 */
int mip6tls_saq_client_query(mip6tls_saq_client *c, uint64_t now_ms, uint32_t spi,
                             mip6tls_outbox *ob);

/*
 * TCP events of connection `conn` (other ids are ignored: 0, or len for recv). These need
 * MIP6TLS_SAQ_OUTBOX_MIN free in the outbox, else MIP6TLS_ERR_NOBUF (nothing done). A failure
 * of the connection is not an error of the call: it shows as a FAILED event, TCP_CLOSE and
 * WAIT_RETRY.
 *
 * tcp_recv returns how many of the len octets it took. It takes fewer when the outbox fills
 * up (each received message's SA_INSTALL needs room): drain the outbox and offer the rest
 * again; until then the connection does not advance. When it stopped with whole messages
 * still unprocessed, mip6tls_saq_client_next_deadline() is 0: tick resumes them.
 */
int mip6tls_saq_client_tcp_connected(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                     mip6tls_outbox *ob);
int mip6tls_saq_client_tcp_recv(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                const uint8_t *data, size_t len, mip6tls_outbox *ob);
int mip6tls_saq_client_tcp_closed(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                  mip6tls_outbox *ob);

/* The earliest of: the attempt's timeout or the back-off's end, the keepalive, every query
 * timeout and not-found memory end; 0 when received messages wait for outbox room;
 * MIP6TLS_NO_DEADLINE when there is nothing. */
uint64_t mip6tls_saq_client_next_deadline(const mip6tls_saq_client *c);

/* Runs what is due (an early tick does nothing): a running attempt fails (timeout) and the
 * back-off starts; a finished back-off connects again; PING keepalive_ms after the last
 * message sent; nothing at all from the HAC within timeout_ms after a PING fails the
 * connection; queries time out; messages held for room are processed. Returns 0 or
 * MIP6TLS_ERR_NOBUF (fewer than 16 actions or MIP6TLS_SAQ_REC_ROOM octets free); when the
 * outbox fills up midway, the rest stays due (next_deadline <= now_ms). */
int mip6tls_saq_client_tick(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob);

mip6tls_saq_client_state mip6tls_saq_client_get_state(const mip6tls_saq_client *c);

/* Why the last connection failed (a negative mip6tls_err), 0 if none did. */
int mip6tls_saq_client_last_error(const mip6tls_saq_client *c);

/* Queries outstanding (sent or waiting for a connection). */
size_t mip6tls_saq_client_pending_count(const mip6tls_saq_client *c);

/* ---- the HAC side: mip6tls_saq_server --------------------------------------------------- */

/*
 * One entry of the allow-list: an HA whose certificate chains to the HA trust anchors is
 * served only if some entry matches it. Each non-NULL field must match: `dns` a
 * subjectAltName dNSName of the HA's end-entity certificate (exact, ASCII case-insensitive,
 * no wildcard: mip6tls_tls_cert_match_dns), `sha256` the SHA-256 of that certificate's DER
 * (32 octets, compared in constant time). At least one is set.
 */
typedef struct {
    const char *dns;
    const uint8_t *sha256;
} mip6tls_saq_allow;

typedef struct {
    int64_t unix_offset_ms;         /* wall clock (Unix ms) = now_ms + unix_offset_ms */
    mip6tls_tls_config *tls;        /* a server configuration that requires client certificates
                                     * (mip6tls_tls_config_client_auth with the HAs' CA) */
    const mip6tls_saq_allow *allow; /* the HAs served; at least one entry */
    size_t n_allow;
    uint32_t handshake_timeout_ms; /* a session not authorized by then is closed; 0: 10000 */
    uint32_t idle_timeout_ms;      /* a session silent this long is closed; 0: 120000 */
} mip6tls_saq_server_config;

/* Octets of queued output per session: pushes and forgets wait here while TLS is busy
 * receiving; a session whose queue overflows is closed (the HA reconnects and queries). */
#define MIP6TLS_SAQ_TXQ (4 * MIP6TLS_SAQ_MSG_MAX)

/* One HA connection. Private. */
typedef struct {
    uint8_t state;   /* saq.c's session states */
    uint8_t stalled; /* received messages wait for outbox room */
    uint32_t conn;
    uint32_t allow_index; /* the allow-list entry that matched */
    mip6tls_endpoint peer;
    uint64_t deadline; /* handshake timeout, then idle timeout */
    uint8_t *iobuf;
    size_t rx_len, tx_len;
    uint8_t rx[2 * MIP6TLS_SAQ_MSG_MAX];
    uint8_t tx[MIP6TLS_SAQ_TXQ];
    mip6tls_tls tls;
} mip6tls_saq_session;

/*
 * Caller-provided storage: sessions[n_sessions] with iobufs of n_sessions *
 * MIP6TLS_TLS_BUFSIZE octets, and fresh[n_fresh] (a power of two): the SPIs the HAC
 * provisioned that no HA has received yet, so that an answer to a query for one of them goes
 * without RESTORE. Size it like the HAC's SPI index; when it is full, answers carry RESTORE
 * (safe: the MN re-keys once more than needed).
 */
typedef struct {
    mip6tls_saq_session *sessions;
    size_t n_sessions;
    uint8_t *iobufs;
    uint32_t *fresh;
    size_t n_fresh;
} mip6tls_saq_server_storage;

/* Server events (MIP6TLS_ACT_EVENT `event`); conn is the connection, `remote` the HA. */
typedef enum {
    MIP6TLS_SAQ_EV_SESSION_OPEN = 430, /* conn */
    MIP6TLS_SAQ_EV_SESSION_BUSY,       /* conn: no free slot, the connection was closed */
    MIP6TLS_SAQ_EV_HA_AUTHORIZED,      /* conn; arg: index of the allow-list entry */
    MIP6TLS_SAQ_EV_HA_REFUSED,         /* conn: a valid certificate not on the allow-list */
    MIP6TLS_SAQ_EV_QUERY,              /* conn; arg: SPI | status << 32 | RESTORE << 40 */
    MIP6TLS_SAQ_EV_PUSH_SENT,          /* conn: the SPI; arg: HAs it went to */
    MIP6TLS_SAQ_EV_FORGET_SENT,        /* conn: the SPI; arg: HAs it went to */
    MIP6TLS_SAQ_EV_SESSION_CLOSED,     /* conn; arg: 0 clean, else the (negative) reason */
} mip6tls_saq_server_event;

/* Private fields. */
typedef struct {
    mip6tls_saq_server_config cfg; /* with defaults applied */
    const mip6tls_hac *hac;
    mip6tls_drbg *drbg;
    mip6tls_saq_server_storage st;
    size_t n_fresh_live;
} mip6tls_saq_server;

/* Sets up the server over the HAC whose SA table it answers from. cfg is copied; hac, drbg,
 * the allow-list, the TLS configuration and the storage must outlive it. Returns 0 or
 * MIP6TLS_ERR_ARG (NULL pointer, a TLS configuration that is not a server's or does not
 * require client certificates, an empty allow-list or an entry with neither field, no
 * sessions, n_fresh not a power of two). */
int mip6tls_saq_server_init(mip6tls_saq_server *s, const mip6tls_saq_server_config *cfg,
                            const mip6tls_hac *hac, mip6tls_drbg *drbg,
                            const mip6tls_saq_server_storage *st);

/*
 * TCP: an HA's connection `conn` from `peer` was accepted; bytes arrived; it was closed. They
 * need MIP6TLS_SAQ_OUTBOX_MIN free, else MIP6TLS_ERR_NOBUF (nothing done); accept returns
 * MIP6TLS_ERR_ARG for a conn already in use. tcp_recv returns the octets it took, as
 * mip6tls_saq_client_tcp_recv (each QUERY's ANSWER needs room); unknown connections: len.
 */
int mip6tls_saq_server_tcp_accept(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                  const mip6tls_endpoint *peer, mip6tls_outbox *ob);
int mip6tls_saq_server_tcp_recv(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                const uint8_t *data, size_t len, mip6tls_outbox *ob);
int mip6tls_saq_server_tcp_closed(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                  mip6tls_outbox *ob);

/*
 * Proactive distribution (§4.3): sends the SA record rec[len] (mip6tls_sa encoding) to every
 * authorized HA, with RESTORE when `restored` (the HAC read it back after a restart). A
 * record no HA received is remembered as fresh (see mip6tls_saq_server_storage). Needs
 * 2 + 2 * n_sessions actions and n_sessions * MIP6TLS_SAQ_REC_ROOM octets. Returns 0,
 * the mip6tls_sa_decode errors, or MIP6TLS_ERR_NOBUF (nothing sent).
 */
int mip6tls_saq_server_push(mip6tls_saq_server *s, uint64_t now_ms, const uint8_t *rec, size_t len,
                            int restored, mip6tls_outbox *ob);

/* Tells every authorized HA to drop SA `spi` (expired, revoked). Returns 0, MIP6TLS_ERR_ARG
 * (SPI 0 or above 2^28 - 1) or MIP6TLS_ERR_NOBUF (nothing sent). */
int mip6tls_saq_server_forget(mip6tls_saq_server *s, uint64_t now_ms, uint32_t spi,
                              mip6tls_outbox *ob);

/*
 * For the HAC daemon's drain loop: a HAC action MIP6TLS_ACT_SA_INSTALL becomes a push
 * (`arg` 1: restored), MIP6TLS_ACT_SA_FORGET a forget; other actions are ignored (0). Call it
 * for every SA_INSTALL, also while no HA is connected: it is how the server learns which SAs
 * are fresh. Returns as push / forget.
 */
int mip6tls_saq_server_hac_action(mip6tls_saq_server *s, uint64_t now_ms, const mip6tls_action *a,
                                  mip6tls_outbox *ob);

/* Handshake and idle timeouts; 0 when received messages wait for outbox room. */
uint64_t mip6tls_saq_server_next_deadline(const mip6tls_saq_server *s);
int mip6tls_saq_server_tick(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_outbox *ob);

/* Sessions open, and those authorized (they get pushes). */
size_t mip6tls_saq_server_session_count(const mip6tls_saq_server *s);
size_t mip6tls_saq_server_ha_count(const mip6tls_saq_server *s);

#ifdef __cplusplus
}
#endif
#endif
