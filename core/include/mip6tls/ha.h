/*
 * mip6tls/ha.h: the Home Agent role (RFC 6618 §6; RFC 6275 §9.2, §9.5.1, §10.3; RFC 5555
 * §4.2, §4.5) as an I/O-free state machine.
 *
 * The HA holds the SAs the HAC provisioned (RFC 6618 §4.3) and, per SA, at most one binding
 * (home address -> care-of endpoint). It answers Binding Updates with Binding Acknowledgements
 * (Binding Errors for unknown MH types), delivers reverse-tunnelled packets to the home side,
 * and tunnels packets for a home address to the bound care-of endpoint. The care-of endpoint
 * is the outer source address:port of the newest authenticated packet (DESIGN interpretation
 * 7), so NAT rebinding is followed without a new BU.
 *
 * Timers (one deadline per context, mip6tls_ha_next_deadline()):
 *   - binding lifetime end (RFC 6275 §10.3.1)                     -> BINDING_EXPIRED
 *   - deregistration hold end, MAX_DELETE_BCE_TIMEOUT (§10.3.2)   -> BINDING_PURGED
 *   - grace end of a superseded SA (DESIGN interpretation 6)      -> SA_REMOVED
 *   - SA validity end (RFC 6618 §4.3, §5.6.3)                     -> SA_EXPIRED
 *
 * Rules every call follows (docs/decisions/0040-0043): nothing changes before everything is
 * checked; a packet the protocol drops returns its (decode or drop range) error, emits one
 * PACKET_DROPPED event and changes nothing else (it may fill an ESP cache slot, which is a
 * memo of key schedules, not state); a call whose output does not fit returns
 * MIP6TLS_ERR_NOBUF with the outbox rewound and nothing changed (mip6tls_ha_tick() excepted,
 * see there). Times past a deadline that tick has not yet processed already count as expired
 * for lookups (a late tick never lets an expired SA or binding carry a packet).
 *
 * Memory (docs/decisions/0040-ha-memory.md): the caller provides every table in one
 * mip6tls_ha_storage, sized for N SAs. An entry keeps the SA in compact form (keys, not key
 * schedules) plus its counters and binding; expanded ESP contexts (1.5 KB each) live in a
 * small direct-mapped cache keyed by SPI. About 367 octets per SA (350 MiB) at N = 10^6.
 */
#ifndef MIP6TLS_HA_H
#define MIP6TLS_HA_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/esp.h"
#include "mip6tls/outbox.h"
#include "mip6tls/replay.h"
#include "mip6tls/sa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults for the zero values of mip6tls_ha_config. */
#define MIP6TLS_HA_DEFAULT_MAX_LIFETIME_S 3600u       /* binding lifetime cap (0040) */
#define MIP6TLS_HA_DEFAULT_REKEY_SEQ_MARGIN 16777216u /* 2^24 sequence numbers */
#define MIP6TLS_HA_DEFAULT_REKEY_TIME_MARGIN_S 300u
#define MIP6TLS_HA_DEFAULT_GRACE_MS 10000u
#define MIP6TLS_HA_DEFAULT_NAT_REFRESH_S 110u /* RFC 5555 §6 NATKATIMEOUT */
/* RFC 6275 §12 MAX_DELETE_BCE_TIMEOUT: how long a deregistered binding's sequence number is
 * remembered (§10.3.2), so a delayed BU from the visited link gets status 135. */
#define MIP6TLS_HA_DELETE_BCE_TIMEOUT_MS 10000u
/* Largest lifetime a BA can carry: 0xFFFF four-second units (RFC 6275 §6.1.7). */
#define MIP6TLS_HA_LIFETIME_MAX_S 262140u

#define MIP6TLS_HA_NIL 0xFFFFFFFFu     /* "no entry" in the index links */
/* At most 2^30 - 1 SAs: the 4-ary heap's child index 4i + 1 then stays within 32 bits. */
#define MIP6TLS_HA_MAX_SAS 0x3FFFFFFFu

typedef struct {
    mip6tls_addr addr6; /* the HA's IPv6 address (MH checksums, 0010), or AF_NONE */
    mip6tls_addr addr4; /* the HA's IPv4 address, or AF_NONE (informational) */
    uint16_t port;      /* service port (RFC 6618 §6.1); 0 -> 7872; informational */
    /* Wall clock = now_ms + unix_offset_ms; maps mip6tls_sa.validity_end (Unix seconds)
     * onto the monotonic clock. */
    int64_t unix_offset_ms;
    uint32_t max_lifetime_s;      /* binding lifetime cap, 4 .. ; 0 -> 3600 */
    uint32_t rekey_seq_margin;    /* BA 176 when fewer sequence numbers left; 0 -> 2^24 */
    uint32_t rekey_time_margin_s; /* BA 176 when the SA ends sooner; 0 -> 300 */
    uint32_t grace_ms;            /* superseded SA stays usable this long; 0 -> 10000 */
    uint32_t replay_window;       /* as mip6tls_replay_init (0 -> 64, at most 512) */
    uint32_t nat_refresh_s;       /* NAT Detection refresh time when a NAT is seen; 0 -> 110 */
    uint8_t plain_when_allowed;   /* send PType 0 to SAs of scope 0 (RFC 6618 §6.4) */
} mip6tls_ha_config;

/* mip6tls_ha_entry.flags */
#define MIP6TLS_HA_F_USED 0x01u       /* the entry holds an SA */
#define MIP6TLS_HA_F_HAS6 0x02u       /* the SA has an IPv6 home address */
#define MIP6TLS_HA_F_HAS4 0x04u       /* the SA has an IPv4 home address */
#define MIP6TLS_HA_F_BOUND 0x08u      /* a binding exists (until life_end_ms) */
#define MIP6TLS_HA_F_BOUND4 0x10u     /* ... and it covers the IPv4 home address */
#define MIP6TLS_HA_F_HOLD 0x20u       /* deregistered; last_seq kept until life_end_ms */
#define MIP6TLS_HA_F_SUPERSEDED 0x40u /* a newer SA took over; usable until grace_end_ms */
#define MIP6TLS_HA_F_REKEY 0x80u      /* the admin asked for a new SA (BA 176) */
#define MIP6TLS_HA_F_PEER 0x100u      /* an older SA shared a home address at install */

/*
 * One SA with its counters and binding. Visible so callers can size storage and print
 * status; fields are read-only for callers (tests and benchmarks may poke counters through
 * their own storage). The expanded ESP context is not here: see mip6tls_ha_cache_slot.
 * Counters (next_seq, replay) are authoritative here: a cache slot gets them copied in before
 * each seal/open and copied back after a success (docs/decisions/0040-ha-memory.md).
 */
typedef struct {
    mip6tls_esp_keys keys; /* suite, SPI and the four keys (RFC 6618 §5.6.1, §5.6.2) */
    uint8_t iv_salt[8];    /* from the DRBG at install (docs/decisions/0006-cbc-iv.md) */
    uint8_t hoa6[16];      /* RFC 6618 §5.7.3 home addresses (valid per HAS6/HAS4) */
    uint8_t hoa4[4];
    uint8_t scope;          /* mip6tls_sas (RFC 6618 §5.6.4) */
    uint16_t flags;         /* MIP6TLS_HA_F_* */
    uint16_t last_seq;      /* last accepted BU Sequence # (BOUND or HOLD) */
    uint64_t validity_end;  /* Unix seconds, as provisioned (RFC 6618 §5.6.3) */
    uint64_t validity_ms;   /* the same on the monotonic clock */
    uint64_t life_end_ms;   /* BOUND: binding lifetime end; HOLD: end of the hold */
    uint64_t grace_end_ms;  /* SUPERSEDED: end of the grace period */
    uint64_t deadline;      /* earliest of the applicable times above (the heap key) */
    uint64_t next_seq;      /* outbound ESP sequence number (as mip6tls_esp_sa.next_seq) */
    mip6tls_replay replay;  /* inbound anti-replay window */
    mip6tls_endpoint coa;   /* BOUND: the MN's outer endpoint as seen (interpretation 7) */
    mip6tls_endpoint local; /* BOUND: our endpoint that packet arrived on */
    uint32_t superseded_by; /* SUPERSEDED: SPI of the SA that took over */
    uint32_t gen;           /* install order (serial arithmetic): only older SAs are superseded */
    uint32_t spi_next;      /* SPI index chain; free-list link when unused */
    uint32_t hoa6_next;     /* home-address index chains (links are index << 1 | is_v4) */
    uint32_t hoa4_next;
    uint32_t heap_pos; /* position in the deadline heap */
} mip6tls_ha_entry;

/* One expanded ESP context, keyed by SPI (spi 0: empty). */
typedef struct {
    uint32_t spi;
    uint32_t entry;
    mip6tls_esp_sa esp;
} mip6tls_ha_cache_slot;

/*
 * Caller-provided tables, all owned by the caller for as long as the HA is used; init
 * overwrites them. Counts that must be powers of two say so.
 *   entries[n_entries]          the SA slots (N; at most MIP6TLS_HA_MAX_SAS)
 *   heap[n_entries]             deadline min-heap of entry indexes
 *   spi_buckets[n_spi_buckets]  SPI hash index; power of two, >= N recommended
 *   hoa_buckets[n_hoa_buckets]  home-address hash index (IPv6 and IPv4 HoA both link the
 *                               entry); power of two, >= 2N recommended
 *   cache[n_cache]              expanded ESP contexts; power of two; 1024-8192 typical
 */
typedef struct {
    mip6tls_ha_entry *entries;
    size_t n_entries;
    uint32_t *heap;
    uint32_t *spi_buckets;
    size_t n_spi_buckets;
    uint32_t *hoa_buckets;
    size_t n_hoa_buckets;
    mip6tls_ha_cache_slot *cache;
    size_t n_cache;
} mip6tls_ha_storage;

/* The smallest power of two >= n (1 for n <= 1): bucket counts for N SAs are
 * mip6tls_ha_pow2(N) (SPI) and mip6tls_ha_pow2(2 * N) (home address). */
size_t mip6tls_ha_pow2(size_t n);

/* Octets of storage for n_sas SAs with the recommended bucket counts and n_cache slots. */
size_t mip6tls_ha_storage_bytes(size_t n_sas, size_t n_cache);

typedef struct {
    mip6tls_ha_config cfg; /* with defaults filled in */
    const mip6tls_esp_impl *impl;
    mip6tls_drbg *drbg;
    mip6tls_ha_storage st;
    uint64_t hash_key; /* from the DRBG: hash indexes are not predictable from outside */
    uint32_t free_head;
    uint32_t next_gen;   /* install counter (mip6tls_ha_entry.gen) */
    uint32_t n_sas;      /* installed SAs (also the heap size) */
    uint32_t n_bindings; /* entries with MIP6TLS_HA_F_BOUND */
} mip6tls_ha;

/* HA events (MIP6TLS_ACT_EVENT `event`). Every event carries the SPI in `conn` (0 when there
 * is none) and the MN's outer endpoint in `remote` (zero when unknown). */
typedef enum {
    MIP6TLS_HA_EV_SA_INSTALLED = 1,  /* arg: validity end, Unix seconds */
    MIP6TLS_HA_EV_SA_REMOVED,        /* arg: MIP6TLS_HA_WHY_* (admin, grace ended) */
    MIP6TLS_HA_EV_SA_EXPIRED,        /* validity end reached; arg 0 */
    MIP6TLS_HA_EV_SA_SUPERSEDED,     /* a BU came under a newer SA for the same home address;
                                      * this SA's binding (if any) moved there; arg: its SPI */
    MIP6TLS_HA_EV_BINDING_CREATED,   /* remote: the CoA endpoint; arg: lifetime granted, s */
    MIP6TLS_HA_EV_BINDING_UPDATED,   /* the CoA endpoint changed (BU or NAT rebinding);
                                      * arg: lifetime left, s */
    MIP6TLS_HA_EV_BINDING_REFRESHED, /* BU accepted, same CoA; arg: lifetime granted, s */
    MIP6TLS_HA_EV_BINDING_DELETED,   /* arg: MIP6TLS_HA_WHY_* (dereg, admin, SA expired) */
    MIP6TLS_HA_EV_BINDING_EXPIRED,   /* lifetime ended */
    MIP6TLS_HA_EV_BINDING_PURGED,    /* a deregistered binding's sequence number forgotten */
    MIP6TLS_HA_EV_BU_REJECTED,       /* arg: BA status sent (mip6tls_ba_status) */
    MIP6TLS_HA_EV_REKEY_REQUESTED,   /* BA 176 sent; arg: MIP6TLS_HA_REKEY_* bits */
    MIP6TLS_HA_EV_BE_SENT,           /* Binding Error sent; arg: status (mip6tls_be_status) */
    MIP6TLS_HA_EV_PACKET_DROPPED,    /* arg: (uint64_t)(int64_t) of the negative error */
} mip6tls_ha_event;

/* `arg` of SA_REMOVED and BINDING_DELETED. */
#define MIP6TLS_HA_WHY_DEREG 0      /* BU with lifetime 0 (RFC 6275 §10.3.2) */
#define MIP6TLS_HA_WHY_ADMIN 1      /* mip6tls_ha_remove_sa() */
#define MIP6TLS_HA_WHY_GRACE 2      /* a superseded SA's grace ended */
#define MIP6TLS_HA_WHY_SA_EXPIRED 3 /* the SA's validity ended */

/* `arg` bits of REKEY_REQUESTED. */
#define MIP6TLS_HA_REKEY_ADMIN 0x1u   /* mip6tls_ha_request_rekey() */
#define MIP6TLS_HA_REKEY_TIME 0x2u    /* validity ends within rekey_time_margin_s */
#define MIP6TLS_HA_REKEY_SEQ_OUT 0x4u /* our sequence numbers run out (RFC 6618 §6.1) */
#define MIP6TLS_HA_REKEY_SEQ_IN 0x8u  /* the MN's sequence numbers run out */

/* A short constant name of an HA event ("unknown" otherwise). Never NULL. */
const char *mip6tls_ha_event_name(uint16_t ev);

/* Sets `cfg` to all defaults (zero values, both addresses AF_NONE). */
void mip6tls_ha_config_default(mip6tls_ha_config *cfg);

/*
 * Sets up `ha` over `st` (every table is overwritten). `impl` and `drbg` must outlive `ha`;
 * the DRBG gives the hash key now and each SA's IV salt at install.
 * Returns 0 or MIP6TLS_ERR_ARG (a NULL pointer, no entries, more than MIP6TLS_HA_MAX_SAS,
 * a bucket or cache count that is not a power of two, an address of the wrong family,
 * replay_window above 512, max_lifetime_s in 1..3).
 */
int mip6tls_ha_init(mip6tls_ha *ha, const mip6tls_ha_config *cfg, const mip6tls_esp_impl *impl,
                    mip6tls_drbg *drbg, const mip6tls_ha_storage *st);

/*
 * Installs an SA the HAC provisioned (co-located HAC, or fetched by SPI, RFC 6618 §4.3).
 * Emits SA_INSTALLED. Another SA for the same home address may exist: the first accepted BU
 * under the newer one supersedes every SA of that home address installed before it (BUs under
 * the older one meanwhile leave the newer one alone).
 * Returns 0, or the error of mip6tls_sa_check(), MIP6TLS_ERR_ARG (validity already over),
 * MIP6TLS_ERR_EXISTS (an SA with this SPI is installed, expired ones included until tick
 * removes them), MIP6TLS_ERR_FULL, MIP6TLS_ERR_NOBUF.
 */
int mip6tls_ha_install_sa(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_sa *sa,
                          mip6tls_outbox *ob);

/* The outbound sequence number a restored SA resumes at (docs/decisions/0015). */
#define MIP6TLS_HA_RESTORED_SEQ 0xFFFF0000u

/*
 * Installs an SA read back from the HAC's store after a restart of the home node (the HAC's
 * SA_INSTALL with arg 1). The HA's own counters for it were lost with the process, so it must
 * not reuse outbound sequence numbers under the same keys: the SA resumes at
 * MIP6TLS_HA_RESTORED_SEQ and asks the MN for a new SA at its next BU (176), as
 * mip6tls_ha_request_rekey() does. Returns as mip6tls_ha_install_sa().
 */
int mip6tls_ha_restore_sa(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_sa *sa,
                          mip6tls_outbox *ob);

/* Performs a HAC's MIP6TLS_ACT_SA_INSTALL action on this HA (a co-located HAC, or one whose
 * action reached a separate HA): decodes the SA record and installs it, or restores it when
 * the action's `arg` is 1. Returns 0, MIP6TLS_ERR_ARG (not an SA_INSTALL action), the
 * mip6tls_sa_decode errors, or those of mip6tls_ha_install_sa / _restore_sa. */
int mip6tls_ha_install_action(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_action *a,
                              mip6tls_outbox *ob);

/* Removes the SA `spi` and its binding (BINDING_DELETED if bound, then SA_REMOVED with
 * MIP6TLS_HA_WHY_ADMIN). Returns 0, MIP6TLS_ERR_NOTFOUND or MIP6TLS_ERR_NOBUF. */
int mip6tls_ha_remove_sa(mip6tls_ha *ha, uint64_t now_ms, uint32_t spi, mip6tls_outbox *ob);

/* Marks SA `spi` so that every following BU under it gets BA 176 REINIT_SA_WITH_HAC (RFC
 * 6618 §4.3); the binding stays as it is. Returns 0 or MIP6TLS_ERR_NOTFOUND. */
int mip6tls_ha_request_rekey(mip6tls_ha *ha, uint32_t spi);

/*
 * Handles one UDP payload pkt[len] that arrived on the service port at `local` from
 * `remote`. Protected packets are verified and decrypted in place, so after the call `pkt`
 * may hold plaintext. Outputs, in order: events, then the DELIVER of an inner packet (by
 * reference into `pkt`: valid until the caller reuses it) or the SEND_DGRAM of a BA/BE
 * (sealed in the arena, from `local` to `remote`).
 * Room needed up front (else MIP6TLS_ERR_NOBUF before anything is read, `pkt` untouched):
 * one action; PType 1: two; PType 8: 3 + 2 per older SA of the same home address, and the
 * sealed length of a 32-octet Mobility Header in the arena.
 * Returns 0 when the packet was delivered or answered (a BA that rejects a BU counts), or the
 * decode/drop error of a dropped packet (PACKET_DROPPED emitted, nothing else changed):
 * MIP6TLS_ERR_SPI (unknown, expired or past-grace SA), ESP errors, MH decode errors,
 * MIP6TLS_ERR_TYPE (inner next header), MIP6TLS_ERR_POLICY (known MH type other than BU,
 * BU under a superseded SA, inner source not the SA's home address, no binding, PType 0 not
 * allowed), or MIP6TLS_ERR_SEQ_EXHAUSTED (no sequence number left for the reply).
 */
int mip6tls_ha_recv(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_endpoint *local,
                    const mip6tls_endpoint *remote, uint8_t *pkt, size_t len, mip6tls_outbox *ob);

/*
 * Tunnels the inner IPv6/IPv4 packet pkt[len] (from the home link) to the binding of its
 * destination home address: sealed PType 1 (PType 0 when plain_when_allowed and the SA's scope
 * is 0, RFC 6618 §6.4) straight into the arena, SEND_DGRAM from the binding's local endpoint
 * to its CoA endpoint. Octets past the packet's own length (link padding) are not sent.
 * Returns 0, MIP6TLS_ERR_NOBUF, or a drop (PACKET_DROPPED emitted): the errors of
 * mip6tls_ip_parse(), MIP6TLS_ERR_NOTFOUND (no binding for the destination),
 * MIP6TLS_ERR_SEQ_EXHAUSTED.
 */
int mip6tls_ha_send(mip6tls_ha *ha, uint64_t now_ms, const uint8_t *pkt, size_t len,
                    mip6tls_outbox *ob);

/* The earliest deadline of any SA or binding, MIP6TLS_NO_DEADLINE when there is none. O(1). */
uint64_t mip6tls_ha_next_deadline(const mip6tls_ha *ha);

/* The earliest deadline of the SA `e` (an entry of this HA): its validity end, binding
 * lifetime or hold end, or grace end, whichever applies and comes first. */
uint64_t mip6tls_ha_entry_deadline(const mip6tls_ha *ha, const mip6tls_ha_entry *e);

/*
 * Processes every timer due at `now_ms`, earliest first; an early tick does nothing. Each
 * timer is one unit (1-2 events): when the outbox has no room for the next unit, tick stops
 * and returns MIP6TLS_ERR_NOBUF with the units done so far committed and the rest still due
 * (drain the outbox and call again). Returns 0 otherwise.
 */
int mip6tls_ha_tick(mip6tls_ha *ha, uint64_t now_ms, mip6tls_outbox *ob);

/* The SA with SPI `spi`, or NULL. */
const mip6tls_ha_entry *mip6tls_ha_find_spi(const mip6tls_ha *ha, uint32_t spi);

/* The SA serving home address `hoa` (IPv6 or IPv4): the one whose binding covers it, else
 * one not superseded, else any; NULL when no SA has it. By flags, as of the last call. */
const mip6tls_ha_entry *mip6tls_ha_find_hoa(const mip6tls_ha *ha, const mip6tls_addr *hoa);

uint32_t mip6tls_ha_sa_count(const mip6tls_ha *ha);
uint32_t mip6tls_ha_binding_count(const mip6tls_ha *ha);

#ifdef __cplusplus
}
#endif
#endif
