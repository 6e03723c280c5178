/*
 * mip6tls/mn.h: the Mobile Node role (RFC 6618 §4.3, §6; RFC 6275 §11; RFC 5555 §4).
 *
 * An I/O-free state machine. The port tells it what happens (an SA arrived, the care-of
 * address changed, the MN came home, a datagram arrived on the MN's UDP socket, an inner
 * packet left the tunnel interface, time passed) and performs the actions it appends to the
 * outbox (send a datagram, deliver an inner packet, events).
 *
 * SAs come from the bootstrap with the HAC (RFC 6618 §5) through mip6tls_mn_install_sa(). The
 * MN keeps up to three: the active one (all outbound traffic), a pending one (a new SA whose
 * first Binding Update is not yet acknowledged) and a retiring one (the previous active SA,
 * still accepted inbound for a grace period). So a re-key is make-before-break: traffic keeps
 * flowing under the old SA until the Home Agent has acknowledged the new one, and packets in
 * flight under the old SA are still accepted afterwards.
 */
#ifndef MIP6TLS_MN_H
#define MIP6TLS_MN_H

#include "mip6tls/boot.h"
#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/esp.h"
#include "mip6tls/outbox.h"
#include "mip6tls/sa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 6275 §12 protocol constants (milliseconds). */
#define MIP6TLS_INITIAL_BINDACK_TIMEOUT_MS 1000        /* §12: INITIAL_BINDACK_TIMEOUT */
#define MIP6TLS_INITIAL_BINDACK_TIMEOUT_FIRST_MS 1500  /* §13: InitialBindackTimeoutFirstReg */
#define MIP6TLS_MAX_BINDACK_TIMEOUT_MS 32000           /* §12: MAX_BINDACK_TIMEOUT */

/* What the MN waits for (RFC 6275 §11.7, §11.8 and RFC 6618 §4.3). */
typedef enum {
    MIP6TLS_MN_WAIT_SA = 0,     /* no usable SA: a bootstrap with the HAC must provide one */
    MIP6TLS_MN_WAIT_COA,        /* an SA but no care-of address to register (or none reachable) */
    MIP6TLS_MN_WAIT_BA,         /* a Binding Update is outstanding */
    MIP6TLS_MN_BOUND,           /* registered; the next thing is a refresh, a move or a re-key */
    MIP6TLS_MN_WAIT_DEREG_BA,   /* at home, the deregistration is outstanding */
    MIP6TLS_MN_AT_HOME,         /* at home and deregistered */
    MIP6TLS_MN_WAIT_NEW_SA,     /* the HA answered 176: registration waits for a new SA */
    MIP6TLS_MN_REJECTED,        /* the HA refused the registration; retried at the max timeout */
} mip6tls_mn_state;

/* Events (MIP6TLS_ACT_EVENT `event`); `conn` carries the SPI concerned, `arg` the detail. */
typedef enum {
    MIP6TLS_MN_EV_STATE = 1,        /* arg: the new mip6tls_mn_state */
    MIP6TLS_MN_EV_SA_INSTALLED,     /* arg: 1 = became active, 0 = pending */
    MIP6TLS_MN_EV_SA_ACTIVATED,     /* a pending SA became active (its BU was acknowledged) */
    MIP6TLS_MN_EV_SA_RETIRED,       /* the retiring SA's grace ended */
    MIP6TLS_MN_EV_SA_EXPIRED,       /* the active SA reached its validity end unrenewed */
    MIP6TLS_MN_EV_NEED_BOOTSTRAP,   /* arg: mip6tls_mn_renew_reason */
    MIP6TLS_MN_EV_BU_SENT,          /* arg: BU sequence number | lifetime units << 16 |
                                     * retransmission count << 32; `remote`: HA endpoint */
    MIP6TLS_MN_EV_BA_RECEIVED,      /* arg: status | sequence << 8 | granted units << 24 */
    MIP6TLS_MN_EV_BINDING_EXPIRED,  /* the binding's lifetime ran out before a refresh */
    MIP6TLS_MN_EV_HOA4_ACK,         /* arg: IPv4 Address Acknowledgement status */
    MIP6TLS_MN_EV_NAT_DETECTED,     /* arg: refresh seconds advised by the HA */
    MIP6TLS_MN_EV_BRR_RECEIVED,     /* the HA asked for a refresh (RFC 6275 §11.7.4) */
    MIP6TLS_MN_EV_BE_RECEIVED,      /* arg: Binding Error status */
    MIP6TLS_MN_EV_DROP,             /* arg: the (negative) mip6tls_err of a dropped packet */
} mip6tls_mn_event;

/* Why the MN needs a new SA. */
typedef enum {
    MIP6TLS_MN_RENEW_NONE = 0,
    MIP6TLS_MN_RENEW_INITIAL,  /* no SA yet */
    MIP6TLS_MN_RENEW_VALIDITY, /* the SA's validity end is within the margin (§4.3 MUST) */
    MIP6TLS_MN_RENEW_SEQUENCE, /* sequence numbers are running out (decisions/0005) */
    MIP6TLS_MN_RENEW_REINIT,   /* the HA answered REINIT_SA_WITH_HAC (176, §4.3) */
} mip6tls_mn_renew_reason;

typedef struct {
    int64_t unix_offset_ms;     /* wall clock (Unix ms) = now_ms + unix_offset_ms */
    uint32_t lifetime_s;        /* binding lifetime asked for; 0: 600 */
    uint32_t sa_renew_margin_s; /* bootstrap again this long before the validity end; 0: 300 */
    uint32_t seq_renew_margin;  /* ... or when fewer sequence numbers are left; 0: 2^24 */
    uint32_t grace_ms;          /* inbound grace of a retiring SA; 0: 10000 */
    uint32_t keepalive_ms;      /* NAT keepalive period on IPv4 or NATed paths; 0: 20000 */
    uint32_t replay_window;     /* 0: 64 */
    uint32_t first_reg_timeout_ms; /* RFC 6275 §13 InitialBindackTimeoutFirstReg; 0: 1500 */
    uint8_t plain_when_allowed; /* send PType 0 user data when the SA scope is 0 (§6.4) */
    /* The bootstrap with the HAC (boot.h), run whenever an SA is needed and the MN has an
     * address to connect from. NULL: SAs come only through mip6tls_mn_install_sa(). */
    const mip6tls_boot_config *boot;
} mip6tls_mn_config;

/* Outbox room the MN needs for any call: a bootstrap's TLS records plus a datagram. */
#define MIP6TLS_MN_OUTBOX_MIN (MIP6TLS_BOOT_OUTBOX_MIN + 4096)
#define MIP6TLS_MN_OUTBOX_ACTS 32

/* One SA the MN holds, with its ESP state. Private. */
typedef struct {
    mip6tls_sa sa;
    mip6tls_esp_sa esp;
    uint8_t used;
    uint64_t retire_at; /* retiring slot: when its inbound grace ends */
} mip6tls_mn_slot;

/* The MN context. Visible so the caller can place it; fields are private. */
typedef struct {
    mip6tls_mn_config cfg;
    const mip6tls_esp_impl *impl;
    mip6tls_drbg *drbg;
    uint8_t state;
    uint8_t renew_reason;  /* mip6tls_mn_renew_reason while a new SA is needed */
    mip6tls_mn_slot active, pending, retiring;

    uint8_t have_coa, at_home, nat;
    mip6tls_endpoint coa; /* the local endpoint traffic leaves from (care-of address, port) */
    mip6tls_endpoint ha;  /* the HA endpoint for that family */

    uint16_t bu_seq;       /* sequence number of the last BU sent */
    uint16_t bu_lifetime;  /* its lifetime (units of 4 s) */
    uint8_t bu_pending_sa; /* it was sent under the pending SA */
    uint8_t bu_outstanding;
    uint32_t bu_rtx;       /* retransmissions of the current BU */
    uint32_t bu_timeout_ms;
    uint64_t bu_deadline;
    uint64_t bu_sent_at;    /* when the outstanding BU left: the granted lifetime counts from it */
    uint64_t binding_end;   /* 0: no binding at the HA as far as the MN knows */
    uint64_t refresh_at;    /* when to refresh the binding */
    uint64_t renew_at;      /* when the active SA needs renewing (validity end - margin) */
    uint64_t expire_at;     /* the active SA's validity end, in now_ms */
    uint64_t keepalive_at;  /* next NAT keepalive */
    mip6tls_boot boot;      /* used when cfg.boot is set */
} mip6tls_mn;

/* Sets up `mn` with `cfg` (copied), computing ESP with `impl` and drawing IV salts and the
 * first BU sequence number from `drbg`; both must outlive `mn`. The MN starts in WAIT_SA and
 * emits NEED_BOOTSTRAP(INITIAL). Returns 0, MIP6TLS_ERR_ARG or MIP6TLS_ERR_NOBUF. */
int mip6tls_mn_init(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_mn_config *cfg,
                    const mip6tls_esp_impl *impl, mip6tls_drbg *drbg, mip6tls_outbox *ob);

/* An SA from the HAC (or pre-provisioned). The first becomes active; later ones are pending
 * until the HA acknowledges a BU sent under them (a BU goes out at once when the MN has a
 * care-of address). Returns 0, the mip6tls_sa_check errors, MIP6TLS_ERR_EXISTS (the SPI is
 * already held), MIP6TLS_ERR_STATE (an SA is already pending), MIP6TLS_ERR_NOBUF. */
int mip6tls_mn_install_sa(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_sa *sa,
                          mip6tls_outbox *ob);

/* The MN's care-of address changed (a move): `coa` is the local address and UDP port its
 * datagrams to the HA now leave from. Sends a BU (one round trip, no re-keying). The same CoA
 * again does nothing. Returns 0, MIP6TLS_ERR_ARG, MIP6TLS_ERR_NOBUF. */
int mip6tls_mn_set_coa(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *coa,
                       mip6tls_outbox *ob);

/* The MN is back on its home link (RFC 6275 §11.5.4): deregister, sending from `local` (the
 * home address and the port). Returns 0, MIP6TLS_ERR_ARG, MIP6TLS_ERR_NOBUF. */
int mip6tls_mn_returned_home(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *local,
                             mip6tls_outbox *ob);

/* A UDP payload arrived on the MN's socket from `remote` to `local`. Decrypts in place;
 * DELIVER actions may point into `pkt`. Returns 0 or the drop reason (also as an event); the
 * MN is unchanged after any error. */
int mip6tls_mn_recv(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *local,
                    const mip6tls_endpoint *remote, uint8_t *pkt, size_t len, mip6tls_outbox *ob);

/* An inner IPv6 or IPv4 packet from the tunnel interface, to reverse-tunnel to the HA
 * (RFC 6618 §6.4): its source must be one of the MN's home addresses, and a binding must
 * exist. Sealed straight into the outbox. Returns 0 or the drop reason (no state changes). */
int mip6tls_mn_send(mip6tls_mn *mn, uint64_t now_ms, const uint8_t *pkt, size_t len,
                    mip6tls_outbox *ob);

/* The TCP connection the bootstrap asked for (MIP6TLS_ACT_TCP_CONNECT `conn`) is up; bytes
 * arrived on it; it was closed. When a bootstrap completes, its SA is installed as by
 * mip6tls_mn_install_sa(). Return 0 or MIP6TLS_ERR_NOBUF (nothing read); 0 as well when the
 * MN has no bootstrap configured or `conn` is not the current attempt's. */
int mip6tls_mn_tcp_connected(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob);
int mip6tls_mn_tcp_recv(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                        size_t len, mip6tls_outbox *ob);
int mip6tls_mn_tcp_closed(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob);

/* The earliest time mip6tls_mn_tick() has work, or MIP6TLS_NO_DEADLINE. */
uint64_t mip6tls_mn_next_deadline(const mip6tls_mn *mn);

/* Runs the timers that are due: BU retransmission, refresh, SA renewal, retiring-SA grace,
 * SA expiry, NAT keepalive. An early tick does nothing. Returns 0, or MIP6TLS_ERR_NOBUF when
 * the outbox could not take even the first timer's output (nothing changed). When many timers
 * are due and the outbox fills up, it returns 0 with the rest still due: drain the outbox and
 * tick again (mip6tls_mn_next_deadline() <= now_ms tells). */
int mip6tls_mn_tick(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob);

/* Why a new SA is needed now (MIP6TLS_MN_RENEW_NONE when not). */
mip6tls_mn_renew_reason mip6tls_mn_needs_sa(const mip6tls_mn *mn);

/* The active SA, or NULL. */
const mip6tls_sa *mip6tls_mn_active_sa(const mip6tls_mn *mn);

/* The SA waiting for its first BA (make-before-break re-keying), or NULL. */
const mip6tls_sa *mip6tls_mn_pending_sa(const mip6tls_mn *mn);

/* What the MN knows of its registration, for status displays and logs (a copy). */
typedef struct {
    int state;              /* mip6tls_mn_state */
    mip6tls_endpoint coa;   /* the local endpoint in use; family 0 before the first CoA */
    mip6tls_endpoint ha;    /* the HA's endpoint of the last BU; family 0 before the first */
    uint8_t nat;            /* the HA detected a NAT (RFC 5555): keepalives are on */
    uint64_t binding_end;   /* when the binding ends (now_ms); 0: no binding */
    uint64_t refresh_at;    /* the next refresh BU; MIP6TLS_NO_DEADLINE: none planned */
} mip6tls_mn_status;

void mip6tls_mn_get_status(const mip6tls_mn *mn, mip6tls_mn_status *st);

/* The MN's bootstrap engine (cfg.boot set), for its deadline and the details of a failed
 * attempt (mip6tls_boot_last_error, mip6tls_boot_tls); NULL without cfg.boot. */
const mip6tls_boot *mip6tls_mn_boot(const mip6tls_mn *mn);

/* A short name for a state, for logs. */
const char *mip6tls_mn_state_name(int state);

#ifdef __cplusplus
}
#endif
#endif
