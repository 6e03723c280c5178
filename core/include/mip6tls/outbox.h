/*
 * mip6tls/outbox.h: the actions the core asks the port to perform.
 *
 * The core never calls back into the port. A call that produces output appends typed actions
 * to an outbox the caller owns; the port drains it, performing the actions in order, then
 * clears it. Payload bytes live in the outbox's arena, so an action stays valid until the next
 * mip6tls_outbox_clear(). One exception keeps the data path free of copies: a
 * MIP6TLS_ACT_DELIVER action may point into the packet buffer the caller passed to the call
 * that produced it (decrypted in place); it is then valid until the caller reuses that buffer.
 *
 * A call that cannot fit all of its output returns MIP6TLS_ERR_NOBUF and rewinds the outbox
 * to where it was (mip6tls_outbox_mark / mip6tls_outbox_rewind), so a failed call changes
 * nothing.
 */
#ifndef MIP6TLS_OUTBOX_H
#define MIP6TLS_OUTBOX_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MIP6TLS_ACT_SEND_DGRAM = 1, /* send `data` as one UDP datagram from `local` to `remote` */
    MIP6TLS_ACT_TCP_CONNECT,    /* open TCP connection `conn` to `remote` */
    MIP6TLS_ACT_TCP_SEND,       /* write `data` on TCP connection `conn` */
    MIP6TLS_ACT_TCP_CLOSE,      /* close TCP connection `conn` */
    MIP6TLS_ACT_DELIVER,        /* hand the inner IP packet `data` to the local stack/tunnel */
    MIP6TLS_ACT_IF_CONFIG,      /* configure `remote.addr`/`arg` (prefix length) on the tunnel */
    MIP6TLS_ACT_SA_PERSIST,     /* store the serialized SA `data` under SPI `conn` */
    MIP6TLS_ACT_SA_FORGET,      /* delete the stored SA with SPI `conn` */
    MIP6TLS_ACT_EVENT,          /* a role event `event` for logs and traces; `arg` per event */
    MIP6TLS_ACT_SA_INSTALL,     /* hand the serialized SA `data` (SPI `conn`) to the HA(s):
                                 * mip6tls_ha_install_action (`arg` 1: read back from the store
                                 * after a restart, so it is restored) */
} mip6tls_action_type;

typedef struct {
    uint16_t type;  /* mip6tls_action_type */
    uint16_t event; /* MIP6TLS_ACT_EVENT: the role's event code */
    uint32_t conn;  /* TCP connection id, or SPI for SA actions */
    mip6tls_endpoint local;
    mip6tls_endpoint remote;
    uint64_t arg;
    const uint8_t *data; /* into the outbox arena (DELIVER: maybe the caller's packet buffer);
                          * NULL when len is 0 */
    size_t len;
} mip6tls_action;

typedef struct {
    mip6tls_action *acts;
    size_t acts_cap;
    size_t n;
    uint8_t *arena;
    size_t arena_cap;
    size_t used;
} mip6tls_outbox;

/* A position in the outbox, to rewind to after a failed call. */
typedef struct {
    size_t n;
    size_t used;
} mip6tls_outbox_mark_t;

/* Uses acts[acts_cap] and arena[arena_cap], both owned by the caller, for as long as the
 * outbox is used. */
void mip6tls_outbox_init(mip6tls_outbox *ob, mip6tls_action *acts, size_t acts_cap,
                         uint8_t *arena, size_t arena_cap);

/* Forgets every action (after the port performed them). */
void mip6tls_outbox_clear(mip6tls_outbox *ob);

mip6tls_outbox_mark_t mip6tls_outbox_mark(const mip6tls_outbox *ob);
void mip6tls_outbox_rewind(mip6tls_outbox *ob, mip6tls_outbox_mark_t m);

/* Appends a zeroed action of `type` with `len` bytes of arena room, and sets *data to that
 * room (if data is not NULL). Returns the action, or NULL when either the action slots or the
 * arena are full (then nothing changed). The arena room is 8-byte aligned. */
mip6tls_action *mip6tls_outbox_push(mip6tls_outbox *ob, mip6tls_action_type type, size_t len,
                                    uint8_t **data);

/* 1 when `acts` more actions and `bytes` more arena octets (as one 8-byte aligned run, or
 * several runs when `bytes` includes 8 octets of alignment slack per action) fit, else 0. The
 * roles check this before they change anything, so a full outbox never leaves a half-done
 * call behind. */
int mip6tls_outbox_room(const mip6tls_outbox *ob, size_t acts, size_t bytes);

/* Appends an action whose data is `data[len]` outside the arena (the DELIVER exception above).
 * Returns the action, or NULL when the action slots are full. */
mip6tls_action *mip6tls_outbox_push_ref(mip6tls_outbox *ob, mip6tls_action_type type,
                                        const uint8_t *data, size_t len);

/* Gives back the unused tail of the last pushed action's data: its length becomes `len`
 * (which must not exceed what was pushed). For encoders that learn their size after writing. */
void mip6tls_outbox_trim_last(mip6tls_outbox *ob, size_t len);

#ifdef __cplusplus
}
#endif
#endif
