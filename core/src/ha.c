/*
 * ha.c: the Home Agent (RFC 6618 §6; RFC 6275 §9.2, §9.5.1, §10.3; RFC 5555 §4.2, §4.5).
 *
 * Timers, all kept in one min-heap of entries keyed by each entry's earliest deadline, so
 * mip6tls_ha_next_deadline() is the heap top and every update is O(log n):
 *   - binding lifetime end      RFC 6275 §10.3.1 ("MUST be deleted ... after the expiration
 *                               of this lifetime")                        -> BINDING_EXPIRED
 *   - deregistration hold end   RFC 6275 §10.3.2, MAX_DELETE_BCE_TIMEOUT (§12): the last
 *                               sequence number is kept so a delayed BU gets 135
 *                                                                         -> BINDING_PURGED
 *   - superseded-SA grace end   DESIGN interpretation 6 (0042)            -> SA_REMOVED
 *   - SA validity end           RFC 6618 §4.3, §5.6.3                     -> SA_EXPIRED
 *
 * Every handler decides first (no state touched), then emits its actions (rewinding the
 * outbox on failure), then commits; see docs/decisions/0040-0043 for the rules.
 */
#include "mip6tls/ha.h"

#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

#include <string.h>

#define NIL MIP6TLS_HA_NIL
/* The largest Mobility Header the HA sends: a BA (12 octets) with an IPv4 Address
 * Acknowledgement (8, at 4n) and a NAT Detection option (8, at 4n), padded to 32 (RFC 6275
 * §6.1.8, RFC 5555 §3.2). A Binding Error is 24 (RFC 6275 §6.1.9). */
#define HA_REPLY_MH_MAX 32

static const uint8_t ha_zero16[16];

/* ---- small helpers ------------------------------------------------------------------ */

size_t mip6tls_ha_pow2(size_t n)
{
    size_t p = 1;
    while (p < n && p <= ((size_t)-1) / 2)
        p <<= 1;
    return p;
}

size_t mip6tls_ha_storage_bytes(size_t n_sas, size_t n_cache)
{
    return n_sas * (sizeof(mip6tls_ha_entry) + sizeof(uint32_t)) +
           mip6tls_ha_pow2(n_sas) * sizeof(uint32_t) +
           mip6tls_ha_pow2(2 * n_sas) * sizeof(uint32_t) + n_cache * sizeof(mip6tls_ha_cache_slot);
}

static int ha_is_pow2(size_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

static uint64_t ha_add(uint64_t t, uint64_t d)
{
    return t > MIP6TLS_NO_DEADLINE - d ? MIP6TLS_NO_DEADLINE : t + d;
}

static uint64_t ha_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Unix seconds -> monotonic ms (wall = now + offset); saturating. */
static uint64_t ha_unix_to_mono(const mip6tls_ha *ha, uint64_t unix_s)
{
    int64_t off = ha->cfg.unix_offset_ms;
    uint64_t w;
    if (unix_s > MIP6TLS_NO_DEADLINE / 1000u)
        return MIP6TLS_NO_DEADLINE;
    w = unix_s * 1000u;
    if (off >= 0)
        return w >= (uint64_t)off ? w - (uint64_t)off : 0;
    return ha_add(w, (uint64_t)(-(off + 1)) + 1u);
}

/* A copy with every unused octet zero, so stored endpoints compare with memcmp. */
static void ha_ep_set(mip6tls_endpoint *d, const mip6tls_endpoint *s)
{
    size_t n = s->addr.family == MIP6TLS_AF_INET ? 4 : s->addr.family == MIP6TLS_AF_INET6 ? 16 : 0;
    memset(d, 0, sizeof *d);
    d->addr.family = s->addr.family;
    memcpy(d->addr.bytes, s->addr.bytes, n);
    d->port = s->port;
}

static int ha_addr_ok(const mip6tls_addr *a, int family)
{
    return a->family == MIP6TLS_AF_NONE || a->family == family;
}

static void ha_addr_norm(mip6tls_addr *a)
{
    mip6tls_addr c = *a;
    memset(a, 0, sizeof *a);
    if (c.family == MIP6TLS_AF_INET6)
        mip6tls_addr_set6(a, c.bytes);
    else if (c.family == MIP6TLS_AF_INET)
        mip6tls_addr_set4(a, c.bytes);
}

/* murmur3's 64-bit finaliser: a fast bijective mix; keyed by the DRBG's hash key. */
static uint64_t ha_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static size_t ha_spi_bucket(const mip6tls_ha *ha, uint32_t spi)
{
    return (size_t)(ha_mix(ha->hash_key ^ spi) & (ha->st.n_spi_buckets - 1));
}

static size_t ha_cache_index(const mip6tls_ha *ha, uint32_t spi)
{
    return (size_t)((ha_mix(ha->hash_key ^ spi) >> 32) & (ha->st.n_cache - 1));
}

static size_t ha_hoa_bucket(const mip6tls_ha *ha, const uint8_t *b, int v4)
{
    uint64_t h;
    if (v4)
        h = ha_mix(ha->hash_key ^ ((uint64_t)mip6tls_get32(b) | ((uint64_t)4 << 32)));
    else
        h = ha_mix(ha_mix(ha->hash_key ^ mip6tls_get64(b)) ^ mip6tls_get64(b + 8));
    return (size_t)(h & (ha->st.n_hoa_buckets - 1));
}

static uint32_t ha_index(const mip6tls_ha *ha, const mip6tls_ha_entry *e)
{
    return (uint32_t)(e - ha->st.entries);
}

/* ---- liveness: a time past a deadline counts even before tick processes it ----------- */

static int ha_alive(const mip6tls_ha_entry *e, uint64_t now)
{
    if (!(e->flags & MIP6TLS_HA_F_USED) || now >= e->validity_ms)
        return 0;
    return !(e->flags & MIP6TLS_HA_F_SUPERSEDED) || now < e->grace_end_ms;
}

static int ha_bound(const mip6tls_ha_entry *e, uint64_t now)
{
    return (e->flags & MIP6TLS_HA_F_BOUND) && now < e->life_end_ms && ha_alive(e, now);
}

/* RFC 6275 §9.5.1: the last accepted Sequence Number counts while a Binding Cache entry
 * exists, and §10.3.2 keeps a deregistered one for MAX_DELETE_BCE_TIMEOUT. */
static int ha_seq_known(const mip6tls_ha_entry *e, uint64_t now)
{
    return (e->flags & (MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_HOLD)) && now < e->life_end_ms;
}

/* RFC 6275 §9.5.1: modulo 2^16, `a` is newer than `b` when it is not within b and the 32768
 * values before it. */
static int ha_seq_newer(uint16_t a, uint16_t b)
{
    uint16_t d = (uint16_t)(a - b);
    return d != 0 && d < 32768u;
}

static uint64_t ha_deadline(const mip6tls_ha_entry *e)
{
    uint64_t d = e->validity_ms;
    if (e->flags & MIP6TLS_HA_F_SUPERSEDED)
        d = ha_min(d, e->grace_end_ms);
    if (e->flags & (MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_HOLD))
        d = ha_min(d, e->life_end_ms);
    return d;
}

/* ---- deadline heap ------------------------------------------------------------------
 * A 4-ary min-heap of entry indexes keyed by each entry's `deadline`: a refreshed binding
 * sinks to near the bottom, 10 levels at 10^6 SAs instead of 20 for a binary heap (0040). */
#define HA_HEAP_D 4

static void ha_heap_set(mip6tls_ha *ha, uint32_t pos, uint32_t idx)
{
    ha->st.heap[pos] = idx;
    ha->st.entries[idx].heap_pos = pos;
}

static uint64_t ha_heap_key(const mip6tls_ha *ha, uint32_t pos)
{
    return ha->st.entries[ha->st.heap[pos]].deadline;
}

static void ha_heap_up(mip6tls_ha *ha, uint32_t pos)
{
    uint32_t idx = ha->st.heap[pos];
    uint64_t key = ha->st.entries[idx].deadline;
    while (pos > 0) {
        uint32_t parent = (pos - 1) / HA_HEAP_D;
        if (ha_heap_key(ha, parent) <= key)
            break;
        ha_heap_set(ha, pos, ha->st.heap[parent]);
        pos = parent;
    }
    ha_heap_set(ha, pos, idx);
}

static void ha_heap_down(mip6tls_ha *ha, uint32_t pos)
{
    uint32_t size = ha->n_sas, idx = ha->st.heap[pos];
    uint64_t key = ha->st.entries[idx].deadline;
    for (;;) {
        uint32_t first = HA_HEAP_D * pos + 1, c, k;
        uint64_t ck;
        if (first >= size || first < pos)
            break;
        c = first;
        ck = ha_heap_key(ha, c);
        for (k = first + 1; k < first + HA_HEAP_D && k < size; k++) {
            uint64_t kk = ha_heap_key(ha, k);
            if (kk < ck)
                c = k, ck = kk;
        }
        if (ck >= key)
            break;
        ha_heap_set(ha, pos, ha->st.heap[c]);
        pos = c;
    }
    ha_heap_set(ha, pos, idx);
}

uint64_t mip6tls_ha_entry_deadline(const mip6tls_ha *ha, const mip6tls_ha_entry *e)
{
    (void)ha;
    return e->deadline;
}

/* After any change of the entry's times: re-key it. */
static void ha_heap_fix(mip6tls_ha *ha, mip6tls_ha_entry *e)
{
    uint64_t d = ha_deadline(e), old = e->deadline;
    e->deadline = d;
    if (d < old)
        ha_heap_up(ha, e->heap_pos);
    else if (d > old)
        ha_heap_down(ha, e->heap_pos);
}

static void ha_heap_insert(mip6tls_ha *ha, mip6tls_ha_entry *e)
{
    uint32_t pos = ha->n_sas++;
    e->deadline = ha_deadline(e);
    ha_heap_set(ha, pos, ha_index(ha, e));
    ha_heap_up(ha, pos);
}

static void ha_heap_remove(mip6tls_ha *ha, mip6tls_ha_entry *e)
{
    uint32_t pos = e->heap_pos, last = ha->st.heap[ha->n_sas - 1];
    ha->n_sas--;
    ha->st.heap[ha->n_sas] = 0;
    if (pos != ha->n_sas) {
        ha_heap_set(ha, pos, last);
        ha_heap_up(ha, pos);
        ha_heap_down(ha, ha->st.entries[last].heap_pos);
    }
}

/* ---- indexes ------------------------------------------------------------------------ */

static mip6tls_ha_entry *ha_by_spi(const mip6tls_ha *ha, uint32_t spi)
{
    uint32_t i = ha->st.spi_buckets[ha_spi_bucket(ha, spi)];
    while (i != NIL) {
        mip6tls_ha_entry *e = &ha->st.entries[i];
        if (e->keys.spi == spi)
            return e;
        i = e->spi_next;
    }
    return NULL;
}

/* Home-address links are (entry index << 1) | is_v4: one bucket array holds both families. */
static uint32_t *ha_hoa_nextp(mip6tls_ha *ha, uint32_t link)
{
    mip6tls_ha_entry *e = &ha->st.entries[link >> 1];
    return (link & 1u) ? &e->hoa4_next : &e->hoa6_next;
}

static void ha_hoa_link(mip6tls_ha *ha, mip6tls_ha_entry *e, int v4)
{
    uint32_t *head = &ha->st.hoa_buckets[ha_hoa_bucket(ha, v4 ? e->hoa4 : e->hoa6, v4)];
    uint32_t link = (ha_index(ha, e) << 1) | (uint32_t)v4;
    *ha_hoa_nextp(ha, link) = *head;
    *head = link;
}

static void ha_hoa_unlink(mip6tls_ha *ha, mip6tls_ha_entry *e, int v4)
{
    uint32_t *pp = &ha->st.hoa_buckets[ha_hoa_bucket(ha, v4 ? e->hoa4 : e->hoa6, v4)];
    uint32_t link = (ha_index(ha, e) << 1) | (uint32_t)v4;
    while (*pp != NIL) {
        if (*pp == link) {
            *pp = *ha_hoa_nextp(ha, link);
            return;
        }
        pp = ha_hoa_nextp(ha, *pp);
    }
}

typedef struct {
    uint32_t link;
    const uint8_t *key;
    uint32_t v4;
} ha_hoa_iter;

static void ha_hoa_iter_init(const mip6tls_ha *ha, ha_hoa_iter *it, const uint8_t *key, int v4)
{
    it->link = ha->st.hoa_buckets[ha_hoa_bucket(ha, key, v4)];
    it->key = key;
    it->v4 = (uint32_t)v4;
}

static mip6tls_ha_entry *ha_hoa_iter_next(const mip6tls_ha *ha, ha_hoa_iter *it)
{
    while (it->link != NIL) {
        uint32_t link = it->link;
        mip6tls_ha_entry *e = &ha->st.entries[link >> 1];
        it->link = (link & 1u) ? e->hoa4_next : e->hoa6_next;
        if ((link & 1u) == it->v4 &&
            memcmp(it->v4 ? e->hoa4 : e->hoa6, it->key, it->v4 ? 4 : 16) == 0)
            return e;
    }
    return NULL;
}

static int ha_has_hoa(const mip6tls_ha_entry *e, const mip6tls_addr *a)
{
    if (a->family == MIP6TLS_AF_INET6)
        return (e->flags & MIP6TLS_HA_F_HAS6) && memcmp(e->hoa6, a->bytes, 16) == 0;
    if (a->family == MIP6TLS_AF_INET)
        return (e->flags & MIP6TLS_HA_F_HAS4) && memcmp(e->hoa4, a->bytes, 4) == 0;
    return 0;
}

/* The SA whose live binding covers home address `a` (at most one: 0042). */
static mip6tls_ha_entry *ha_bound_for(const mip6tls_ha *ha, uint64_t now, const mip6tls_addr *a)
{
    ha_hoa_iter it;
    mip6tls_ha_entry *e;
    int v4 = a->family == MIP6TLS_AF_INET;
    if (a->family != MIP6TLS_AF_INET && a->family != MIP6TLS_AF_INET6)
        return NULL;
    ha_hoa_iter_init(ha, &it, a->bytes, v4);
    while ((e = ha_hoa_iter_next(ha, &it)) != NULL)
        if (ha_bound(e, now) && (!v4 || (e->flags & MIP6TLS_HA_F_BOUND4)))
            return e;
    return NULL;
}

/* RFC 1982-style serial comparison of install generations: `a` was installed before `b`. */
static int ha_gen_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* The other live, not yet superseded SAs sharing a home address with `self` and installed
 * before it, each once: the ones a BU under `self` supersedes (0042). */
typedef struct {
    const mip6tls_ha_entry *self;
    ha_hoa_iter it;
    int phase;
    uint64_t now;
} ha_others;

static void ha_others_init(ha_others *o, const mip6tls_ha_entry *self, uint64_t now)
{
    o->self = self;
    o->phase = 0;
    o->now = now;
}

static mip6tls_ha_entry *ha_others_next(const mip6tls_ha *ha, ha_others *o)
{
    const mip6tls_ha_entry *s = o->self;
    if (!(s->flags & MIP6TLS_HA_F_PEER))
        return NULL; /* nothing older shared a home address at install: skip the walk */
    for (;;) {
        mip6tls_ha_entry *x;
        if (o->phase == 0 || o->phase == 2) {
            int v4 = o->phase == 2;
            if (!(s->flags & (v4 ? MIP6TLS_HA_F_HAS4 : MIP6TLS_HA_F_HAS6))) {
                if (v4)
                    return NULL;
                o->phase = 2;
                continue;
            }
            ha_hoa_iter_init(ha, &o->it, v4 ? s->hoa4 : s->hoa6, v4);
            o->phase++;
        }
        x = ha_hoa_iter_next(ha, &o->it);
        if (x == NULL) {
            if (o->phase == 3)
                return NULL;
            o->phase = 2;
            continue;
        }
        if (x == s || !ha_alive(x, o->now) || (x->flags & MIP6TLS_HA_F_SUPERSEDED) ||
            !ha_gen_before(x->gen, s->gen))
            continue;
        if (o->phase == 3 && (s->flags & MIP6TLS_HA_F_HAS6) && (x->flags & MIP6TLS_HA_F_HAS6) &&
            memcmp(x->hoa6, s->hoa6, 16) == 0)
            continue; /* already seen through the IPv6 home address */
        return x;
    }
}

/* ---- outbox ------------------------------------------------------------------------- */

/* 1 when `acts` more actions fit and, if bytes > 0, one arena push of `bytes`. */
static int ha_event(mip6tls_outbox *ob, uint16_t ev, uint32_t spi, const mip6tls_endpoint *remote,
                    uint64_t arg)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, 0, NULL);
    if (a == NULL)
        return MIP6TLS_ERR_NOBUF;
    a->event = ev;
    a->conn = spi;
    if (remote != NULL)
        ha_ep_set(&a->remote, remote);
    a->arg = arg;
    return 0;
}

/* A dropped packet: one event (when it fits), the error returned, nothing else changed. */
static int ha_drop(mip6tls_outbox *ob, uint32_t spi, const mip6tls_endpoint *remote, int err)
{
    (void)ha_event(ob, MIP6TLS_HA_EV_PACKET_DROPPED, spi, remote, (uint64_t)(int64_t)err);
    return err;
}

/* ---- ESP context cache -------------------------------------------------------------- */

static size_t ha_sealed_len(const mip6tls_ha_entry *e, size_t len)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(e->keys.suite);
    return MIP6TLS_ENCAP_HDR_LEN + s->iv_len + (len + 2 + s->block - 1) / s->block * s->block +
           s->icv_len;
}

/* The expanded context of `e`, with the entry's counters copied in (the entry stays
 * authoritative: ha_esp_commit() copies them back after a success). */
static mip6tls_esp_sa *ha_esp(mip6tls_ha *ha, const mip6tls_ha_entry *e)
{
    mip6tls_ha_cache_slot *slot = &ha->st.cache[ha_cache_index(ha, e->keys.spi)];
    uint32_t idx = ha_index(ha, e);
    if (slot->spi != e->keys.spi || slot->entry != idx) {
        if (mip6tls_esp_sa_init(&slot->esp, ha->impl, MIP6TLS_ESP_HA, &e->keys, e->iv_salt,
                                ha->cfg.replay_window) != 0) {
            slot->spi = 0; /* cannot happen: mip6tls_sa_check() passed at install */
            slot->entry = NIL;
            return NULL;
        }
        slot->spi = e->keys.spi;
        slot->entry = idx;
    }
    slot->esp.next_seq = e->next_seq;
    slot->esp.replay = e->replay;
    return &slot->esp;
}

static void ha_esp_commit(mip6tls_ha_entry *e, const mip6tls_esp_sa *esp)
{
    e->next_seq = esp->next_seq;
    e->replay = esp->replay;
}

static void ha_cache_forget(mip6tls_ha *ha, const mip6tls_ha_entry *e)
{
    mip6tls_ha_cache_slot *slot = &ha->st.cache[ha_cache_index(ha, e->keys.spi)];
    if (slot->spi == e->keys.spi) {
        mip6tls_esp_sa_wipe(&slot->esp);
        slot->spi = 0;
        slot->entry = NIL;
    }
}

/* Seals Mobility Header `m` (HA -> MN: pseudo-header source = our IPv6 address, destination
 * = the MN's IPv6 home address, "::" when absent; docs/decisions/0010-mh-checksum.md) as
 * PType 8 under `esp` (RFC 6618 §6.3) into one SEND_DGRAM from `local` to `remote`. */
static int ha_send_mh(const mip6tls_ha *ha, const mip6tls_ha_entry *e, mip6tls_esp_sa *esp,
                      const mip6tls_mh_msg *m, const mip6tls_endpoint *local,
                      const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    uint8_t mh[HA_REPLY_MH_MAX], *out;
    const uint8_t *src = ha->cfg.addr6.family == MIP6TLS_AF_INET6 ? ha->cfg.addr6.bytes : ha_zero16;
    const uint8_t *dst = (e->flags & MIP6TLS_HA_F_HAS6) ? e->hoa6 : ha_zero16;
    mip6tls_action *a;
    size_t total;
    int n, rc;

    n = mip6tls_mh_encode(m, src, dst, mh, sizeof mh);
    if (n < 0)
        return MIP6TLS_ERR_INTERNAL;
    total = mip6tls_esp_sealed_len(esp, (size_t)n);
    a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, total, &out);
    if (a == NULL)
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_esp_seal(esp, MIP6TLS_PTYPE_MH, MIP6TLS_MH_NEXT_HEADER, mh, (size_t)n, out, total);
    if (rc < 0)
        return rc;
    a->conn = e->keys.spi;
    ha_ep_set(&a->local, local);
    ha_ep_set(&a->remote, remote);
    return 0;
}

/* ---- set-up ------------------------------------------------------------------------- */

const char *mip6tls_ha_event_name(uint16_t ev)
{
    switch (ev) {
    case MIP6TLS_HA_EV_SA_INSTALLED: return "sa-installed";
    case MIP6TLS_HA_EV_SA_REMOVED: return "sa-removed";
    case MIP6TLS_HA_EV_SA_EXPIRED: return "sa-expired";
    case MIP6TLS_HA_EV_SA_SUPERSEDED: return "sa-superseded";
    case MIP6TLS_HA_EV_BINDING_CREATED: return "binding-created";
    case MIP6TLS_HA_EV_BINDING_UPDATED: return "binding-updated";
    case MIP6TLS_HA_EV_BINDING_REFRESHED: return "binding-refreshed";
    case MIP6TLS_HA_EV_BINDING_DELETED: return "binding-deleted";
    case MIP6TLS_HA_EV_BINDING_EXPIRED: return "binding-expired";
    case MIP6TLS_HA_EV_BINDING_PURGED: return "binding-purged";
    case MIP6TLS_HA_EV_BU_REJECTED: return "bu-rejected";
    case MIP6TLS_HA_EV_REKEY_REQUESTED: return "rekey-requested";
    case MIP6TLS_HA_EV_BE_SENT: return "be-sent";
    case MIP6TLS_HA_EV_PACKET_DROPPED: return "packet-dropped";
    default: return "unknown";
    }
}

void mip6tls_ha_config_default(mip6tls_ha_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

int mip6tls_ha_init(mip6tls_ha *ha, const mip6tls_ha_config *cfg, const mip6tls_esp_impl *impl,
                    mip6tls_drbg *drbg, const mip6tls_ha_storage *st)
{
    uint8_t key[8];
    size_t i;

    if (ha == NULL || cfg == NULL || impl == NULL || drbg == NULL || st == NULL)
        return MIP6TLS_ERR_ARG;
    if (st->entries == NULL || st->heap == NULL || st->spi_buckets == NULL ||
        st->hoa_buckets == NULL || st->cache == NULL)
        return MIP6TLS_ERR_ARG;
    if (st->n_entries == 0 || st->n_entries > MIP6TLS_HA_MAX_SAS ||
        !ha_is_pow2(st->n_spi_buckets) || !ha_is_pow2(st->n_hoa_buckets) ||
        !ha_is_pow2(st->n_cache))
        return MIP6TLS_ERR_ARG;
    if (!ha_addr_ok(&cfg->addr6, MIP6TLS_AF_INET6) || !ha_addr_ok(&cfg->addr4, MIP6TLS_AF_INET))
        return MIP6TLS_ERR_ARG;
    if (cfg->replay_window > MIP6TLS_REPLAY_WINDOW_MAX ||
        (cfg->max_lifetime_s != 0 && cfg->max_lifetime_s < 4))
        return MIP6TLS_ERR_ARG;

    memset(ha, 0, sizeof *ha);
    ha->cfg = *cfg;
    ha_addr_norm(&ha->cfg.addr6);
    ha_addr_norm(&ha->cfg.addr4);
    if (ha->cfg.port == 0)
        ha->cfg.port = MIP6TLS_DEFAULT_PORT; /* RFC 6618 §6.1, §8.3 */
    if (ha->cfg.max_lifetime_s == 0)
        ha->cfg.max_lifetime_s = MIP6TLS_HA_DEFAULT_MAX_LIFETIME_S;
    if (ha->cfg.max_lifetime_s > MIP6TLS_HA_LIFETIME_MAX_S)
        ha->cfg.max_lifetime_s = MIP6TLS_HA_LIFETIME_MAX_S;
    if (ha->cfg.rekey_seq_margin == 0)
        ha->cfg.rekey_seq_margin = MIP6TLS_HA_DEFAULT_REKEY_SEQ_MARGIN;
    if (ha->cfg.rekey_time_margin_s == 0)
        ha->cfg.rekey_time_margin_s = MIP6TLS_HA_DEFAULT_REKEY_TIME_MARGIN_S;
    if (ha->cfg.grace_ms == 0)
        ha->cfg.grace_ms = MIP6TLS_HA_DEFAULT_GRACE_MS;
    if (ha->cfg.replay_window == 0)
        ha->cfg.replay_window = MIP6TLS_REPLAY_WINDOW_DEFAULT;
    if (ha->cfg.nat_refresh_s == 0)
        ha->cfg.nat_refresh_s = MIP6TLS_HA_DEFAULT_NAT_REFRESH_S;
    ha->cfg.plain_when_allowed = ha->cfg.plain_when_allowed ? 1 : 0;
    ha->impl = impl;
    ha->drbg = drbg;
    ha->st = *st;

    mip6tls_drbg_generate(drbg, key, sizeof key);
    ha->hash_key = mip6tls_get64(key);

    memset(st->entries, 0, st->n_entries * sizeof *st->entries);
    for (i = 0; i < st->n_entries; i++)
        st->entries[i].spi_next = i + 1 < st->n_entries ? (uint32_t)(i + 1) : NIL;
    ha->free_head = 0;
    memset(st->heap, 0, st->n_entries * sizeof *st->heap);
    for (i = 0; i < st->n_spi_buckets; i++)
        st->spi_buckets[i] = NIL;
    for (i = 0; i < st->n_hoa_buckets; i++)
        st->hoa_buckets[i] = NIL;
    memset(st->cache, 0, st->n_cache * sizeof *st->cache);
    for (i = 0; i < st->n_cache; i++)
        st->cache[i].entry = NIL;
    return 0;
}

/* ---- SAs ---------------------------------------------------------------------------- */

int mip6tls_ha_install_sa(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_sa *sa, mip6tls_outbox *ob)
{
    mip6tls_ha_entry *e;
    uint64_t vms;
    uint32_t idx;
    size_t b;
    int rc;

    if (ha == NULL || sa == NULL || ob == NULL)
        return MIP6TLS_ERR_ARG;
    rc = mip6tls_sa_check(sa);
    if (rc != 0)
        return rc;
    vms = ha_unix_to_mono(ha, sa->validity_end);
    if (vms <= now_ms)
        return MIP6TLS_ERR_ARG; /* RFC 6618 §4.3: an SA past its validity time is not valid */
    if (ha_by_spi(ha, sa->keys.spi) != NULL)
        return MIP6TLS_ERR_EXISTS; /* RFC 6618 §4.3: SPIs are unique */
    if (ha->free_head == NIL)
        return MIP6TLS_ERR_FULL;
    if (ha_event(ob, MIP6TLS_HA_EV_SA_INSTALLED, sa->keys.spi, NULL, sa->validity_end) != 0)
        return MIP6TLS_ERR_NOBUF;

    idx = ha->free_head;
    e = &ha->st.entries[idx];
    ha->free_head = e->spi_next;
    memset(e, 0, sizeof *e);
    e->keys = sa->keys;
    mip6tls_drbg_generate(ha->drbg, e->iv_salt, sizeof e->iv_salt); /* decisions/0006 */
    e->flags = MIP6TLS_HA_F_USED;
    if (sa->hoa6.family == MIP6TLS_AF_INET6) {
        memcpy(e->hoa6, sa->hoa6.bytes, 16);
        e->flags |= MIP6TLS_HA_F_HAS6;
    }
    if (sa->hoa4.family == MIP6TLS_AF_INET) {
        memcpy(e->hoa4, sa->hoa4.bytes, 4);
        e->flags |= MIP6TLS_HA_F_HAS4;
    }
    e->scope = sa->scope;
    e->validity_end = sa->validity_end;
    e->validity_ms = vms;
    e->next_seq = 1; /* RFC 4303 §3.3.3; decisions/0005 */
    (void)mip6tls_replay_init(&e->replay, ha->cfg.replay_window); /* checked at init */
    e->gen = ha->next_gen++;
    e->hoa6_next = e->hoa4_next = NIL;

    for (b = 0; b < 2; b++) {
        /* Older SAs of the same home address: the ones a BU under this SA supersedes. */
        ha_hoa_iter it;
        int v4 = (int)b;
        if (!(e->flags & (v4 ? MIP6TLS_HA_F_HAS4 : MIP6TLS_HA_F_HAS6)))
            continue;
        ha_hoa_iter_init(ha, &it, v4 ? e->hoa4 : e->hoa6, v4);
        if (ha_hoa_iter_next(ha, &it) != NULL)
            e->flags |= MIP6TLS_HA_F_PEER;
    }
    b = ha_spi_bucket(ha, e->keys.spi);
    e->spi_next = ha->st.spi_buckets[b];
    ha->st.spi_buckets[b] = idx;
    if (e->flags & MIP6TLS_HA_F_HAS6)
        ha_hoa_link(ha, e, 0);
    if (e->flags & MIP6TLS_HA_F_HAS4)
        ha_hoa_link(ha, e, 1);
    ha_heap_insert(ha, e);
    return 0;
}

/* Unlinks `e` from every index, forgets its cached context, wipes its keys and frees it. */
static void ha_free(mip6tls_ha *ha, mip6tls_ha_entry *e)
{
    uint32_t idx = ha_index(ha, e);
    uint32_t *pp = &ha->st.spi_buckets[ha_spi_bucket(ha, e->keys.spi)];
    while (*pp != idx)
        pp = &ha->st.entries[*pp].spi_next;
    *pp = e->spi_next;
    if (e->flags & MIP6TLS_HA_F_HAS6)
        ha_hoa_unlink(ha, e, 0);
    if (e->flags & MIP6TLS_HA_F_HAS4)
        ha_hoa_unlink(ha, e, 1);
    ha_heap_remove(ha, e);
    ha_cache_forget(ha, e);
    if (e->flags & MIP6TLS_HA_F_BOUND)
        ha->n_bindings--;
    memset(e, 0, sizeof *e);
    e->spi_next = ha->free_head;
    ha->free_head = idx;
}

int mip6tls_ha_remove_sa(mip6tls_ha *ha, uint64_t now_ms, uint32_t spi, mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t mark;
    mip6tls_ha_entry *e;
    int rc = 0;

    if (ha == NULL || ob == NULL)
        return MIP6TLS_ERR_ARG;
    e = ha_by_spi(ha, spi);
    if (e == NULL)
        return MIP6TLS_ERR_NOTFOUND;
    mark = mip6tls_outbox_mark(ob);
    if (e->flags & MIP6TLS_HA_F_BOUND) {
        if (now_ms >= e->life_end_ms)
            rc = ha_event(ob, MIP6TLS_HA_EV_BINDING_EXPIRED, spi, &e->coa, 0);
        else
            rc = ha_event(ob, MIP6TLS_HA_EV_BINDING_DELETED, spi, &e->coa, MIP6TLS_HA_WHY_ADMIN);
    }
    if (rc == 0)
        rc = ha_event(ob, MIP6TLS_HA_EV_SA_REMOVED, spi,
                      (e->flags & MIP6TLS_HA_F_BOUND) ? &e->coa : NULL, MIP6TLS_HA_WHY_ADMIN);
    if (rc != 0) {
        mip6tls_outbox_rewind(ob, mark);
        return MIP6TLS_ERR_NOBUF;
    }
    ha_free(ha, e);
    return 0;
}

int mip6tls_ha_restore_sa(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_sa *sa,
                          mip6tls_outbox *ob)
{
    mip6tls_ha_entry *e;
    int rc = mip6tls_ha_install_sa(ha, now_ms, sa, ob);
    if (rc != 0)
        return rc;
    e = ha_by_spi(ha, sa->keys.spi);
    /* decisions/0015: past every number used before the crash, and a re-key at once. */
    e->next_seq = MIP6TLS_HA_RESTORED_SEQ;
    e->flags |= MIP6TLS_HA_F_REKEY;
    return 0;
}

int mip6tls_ha_install_action(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_action *a,
                              mip6tls_outbox *ob)
{
    mip6tls_sa sa;
    int rc;
    if (a == NULL || a->type != MIP6TLS_ACT_SA_INSTALL)
        return MIP6TLS_ERR_ARG;
    rc = mip6tls_sa_decode(&sa, a->data, a->len);
    if (rc == 0)
        rc = a->arg == 1 ? mip6tls_ha_restore_sa(ha, now_ms, &sa, ob)
                         : mip6tls_ha_install_sa(ha, now_ms, &sa, ob);
    memset(&sa, 0, sizeof sa); /* the keys now live in the table only */
    return rc;
}

int mip6tls_ha_request_rekey(mip6tls_ha *ha, uint32_t spi)
{
    mip6tls_ha_entry *e = ha != NULL ? ha_by_spi(ha, spi) : NULL;
    if (e == NULL)
        return MIP6TLS_ERR_NOTFOUND;
    e->flags |= MIP6TLS_HA_F_REKEY; /* RFC 6618 §4.3: "even if the existing SA is still valid" */
    return 0;
}

/* ---- timers ------------------------------------------------------------------------- */

uint64_t mip6tls_ha_next_deadline(const mip6tls_ha *ha)
{
    if (ha == NULL || ha->n_sas == 0)
        return MIP6TLS_NO_DEADLINE;
    return ha->st.entries[ha->st.heap[0]].deadline;
}

/* Fires the earliest due timer of `e` (ties: binding before grace before validity, which
 * cannot happen anyway since lifetimes never outlast the SA). */
static int ha_fire(mip6tls_ha *ha, mip6tls_ha_entry *e, mip6tls_outbox *ob)
{
    uint64_t tl = (e->flags & (MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_HOLD)) ? e->life_end_ms
                                                                        : MIP6TLS_NO_DEADLINE;
    uint64_t tg = (e->flags & MIP6TLS_HA_F_SUPERSEDED) ? e->grace_end_ms : MIP6TLS_NO_DEADLINE;
    uint64_t tv = e->validity_ms;
    uint32_t spi = e->keys.spi;
    const mip6tls_endpoint *coa = (e->flags & MIP6TLS_HA_F_BOUND) ? &e->coa : NULL;
    int rc;

    if (tl <= tg && tl <= tv) {
        if (e->flags & MIP6TLS_HA_F_BOUND) {
            /* RFC 6275 §10.3.1: deleted when its lifetime expires */
            if (ha_event(ob, MIP6TLS_HA_EV_BINDING_EXPIRED, spi, coa, 0) != 0)
                return MIP6TLS_ERR_NOBUF;
            e->flags &= (uint16_t) ~(MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_BOUND4);
            ha->n_bindings--;
        } else {
            /* RFC 6275 §10.3.2: the entry goes after MAX_DELETE_BCE_TIMEOUT */
            if (ha_event(ob, MIP6TLS_HA_EV_BINDING_PURGED, spi, NULL, 0) != 0)
                return MIP6TLS_ERR_NOBUF;
            e->flags &= (uint16_t)~MIP6TLS_HA_F_HOLD;
        }
        ha_heap_fix(ha, e);
        return 0;
    }
    if (tg <= tv) {
        if (ha_event(ob, MIP6TLS_HA_EV_SA_REMOVED, spi, NULL, MIP6TLS_HA_WHY_GRACE) != 0)
            return MIP6TLS_ERR_NOBUF;
    } else {
        mip6tls_outbox_mark_t mark = mip6tls_outbox_mark(ob);
        rc = 0;
        if (coa != NULL)
            rc = ha_event(ob, MIP6TLS_HA_EV_BINDING_DELETED, spi, coa, MIP6TLS_HA_WHY_SA_EXPIRED);
        /* RFC 6618 §4.3, §5.6.3: the SA is not used past its validity time */
        if (rc == 0)
            rc = ha_event(ob, MIP6TLS_HA_EV_SA_EXPIRED, spi, coa, 0);
        if (rc != 0) {
            mip6tls_outbox_rewind(ob, mark);
            return MIP6TLS_ERR_NOBUF;
        }
    }
    ha_free(ha, e);
    return 0;
}

int mip6tls_ha_tick(mip6tls_ha *ha, uint64_t now_ms, mip6tls_outbox *ob)
{
    if (ha == NULL || ob == NULL)
        return MIP6TLS_ERR_ARG;
    while (ha->n_sas > 0) {
        mip6tls_ha_entry *e = &ha->st.entries[ha->st.heap[0]];
        if (e->deadline > now_ms || e->deadline == MIP6TLS_NO_DEADLINE)
            break;
        if (!mip6tls_outbox_room(ob, 2, 0) || ha_fire(ha, e, ob) != 0)
            return MIP6TLS_ERR_NOBUF; /* units done so far stay done; the rest is still due */
    }
    return 0;
}

/* ---- expired-but-not-yet-ticked state, settled when a handler touches the entry ------- */

static int ha_settle_emit(mip6tls_outbox *ob, const mip6tls_ha_entry *e, uint64_t now)
{
    if ((e->flags & MIP6TLS_HA_F_BOUND) && now >= e->life_end_ms)
        return ha_event(ob, MIP6TLS_HA_EV_BINDING_EXPIRED, e->keys.spi, &e->coa, 0);
    if ((e->flags & MIP6TLS_HA_F_HOLD) && now >= e->life_end_ms)
        return ha_event(ob, MIP6TLS_HA_EV_BINDING_PURGED, e->keys.spi, NULL, 0);
    return 0;
}

static void ha_settle_commit(mip6tls_ha *ha, mip6tls_ha_entry *e, uint64_t now)
{
    if ((e->flags & MIP6TLS_HA_F_BOUND) && now >= e->life_end_ms) {
        e->flags &= (uint16_t) ~(MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_BOUND4);
        ha->n_bindings--;
    }
    if ((e->flags & MIP6TLS_HA_F_HOLD) && now >= e->life_end_ms)
        e->flags &= (uint16_t)~MIP6TLS_HA_F_HOLD;
}

/* ---- Binding Update (RFC 6275 §9.5.1, §10.3.1, §10.3.2; RFC 5555 §4.5) ----------------- */

enum { HA_BU_REJECT, HA_BU_REKEY, HA_BU_ACCEPT, HA_BU_DEREG };

typedef struct {
    int kind;
    mip6tls_mh_msg ba;
    uint32_t rekey_why;
    uint16_t units;
    int bound4;
    uint16_t bind_ev; /* ACCEPT: CREATED, UPDATED or REFRESHED */
} ha_bu_plan;

static int ha_hoa_bound_anywhere(const mip6tls_ha *ha, const mip6tls_ha_entry *e, uint64_t now)
{
    ha_others o;
    mip6tls_ha_entry *x;
    if (ha_bound(e, now))
        return 1;
    ha_others_init(&o, e, now);
    while ((x = ha_others_next(ha, &o)) != NULL)
        if (ha_bound(x, now))
            return 1;
    return 0;
}

/* Decides what a BU under `e` gets; changes nothing. */
static void ha_bu_decide(const mip6tls_ha *ha, uint64_t now, const mip6tls_ha_entry *e,
                         const mip6tls_mh_msg *m, const mip6tls_addr *hao,
                         const mip6tls_endpoint *local, const mip6tls_endpoint *remote,
                         ha_bu_plan *pl)
{
    const mip6tls_mh_bu *bu = &m->bu;
    uint64_t left_ms = e->validity_ms - now, units;
    uint32_t why = 0, out_left, in_left;

    memset(pl, 0, sizeof *pl);
    mip6tls_mh_init(&pl->ba, MIP6TLS_MH_BA);
    pl->ba.ba.seq = bu->seq; /* RFC 6275 §10.3.1: copied from the BU */
    pl->kind = HA_BU_REJECT;

    /* RFC 6275 §10.3.1: "the home address unequivocally identifying the security association
     * that must be used": a Home Address option must carry this SA's home address. Without
     * one the SA names the home address (RFC 6618 §6.3 has no inner IP header; 0041). */
    if (hao->family == MIP6TLS_AF_INET6 && !ha_has_hoa(e, hao)) {
        pl->ba.ba.status = MIP6TLS_BA_NOT_HA_FOR_MN;
        return;
    }
    /* RFC 6275 §9.5.1: not newer than the last accepted -> 135 with that number. */
    if (ha_seq_known(e, now) && !ha_seq_newer(bu->seq, e->last_seq)) {
        pl->ba.ba.status = MIP6TLS_BA_SEQ_OUT_OF_WINDOW;
        pl->ba.ba.seq = e->last_seq;
        return;
    }
    /* RFC 6275 §10.3.1: only home registrations are served here (RFC 6618 §7 leaves route
     * optimization outside the SA), so H = 0 gets 131 (0041). */
    if (!(bu->flags & MIP6TLS_BU_H)) {
        pl->ba.ba.status = MIP6TLS_BA_HOME_REG_NOT_SUPPORTED;
        return;
    }
    if (bu->lifetime == 0) {
        /* RFC 6275 §10.3.2: no home registration for this mobile node -> 133. */
        if (!ha_hoa_bound_anywhere(ha, e, now)) {
            pl->ba.ba.status = MIP6TLS_BA_NOT_HA_FOR_MN;
            return;
        }
        pl->kind = HA_BU_DEREG; /* status 0, lifetime 0 */
        return;
    }

    /* RFC 5555 §4.5: the IPv4 home address option. The HAC allocated the SA's IPv4 home
     * address, so a request for 0.0.0.0 ("dynamic") is answered with it. */
    pl->bound4 = !(e->flags & MIP6TLS_HA_F_HAS6); /* an IPv4-only SA registers its IPv4 HoA */
    if (m->opt.present & MIP6TLS_MHO_IPV4_HOA) {
        static const uint8_t any4[4] = {0, 0, 0, 0};
        int dynamic = memcmp(m->opt.ipv4_hoa.bytes, any4, 4) == 0;
        uint8_t st;
        if (dynamic && m->opt.ipv4_hoa_p)
            st = MIP6TLS_V4ACK_PREFIX_UNAUTHORIZED; /* no mobile network prefixes (0011) */
        else if (!(e->flags & MIP6TLS_HA_F_HAS4))
            st = dynamic ? MIP6TLS_V4ACK_NO_DYNAMIC_HOA : MIP6TLS_V4ACK_INCORRECT_HOA;
        else if (dynamic || memcmp(m->opt.ipv4_hoa.bytes, e->hoa4, 4) == 0)
            st = MIP6TLS_V4ACK_SUCCESS;
        else
            st = MIP6TLS_V4ACK_INCORRECT_HOA; /* "MUST check that this address is allocated" */
        pl->ba.opt.present |= MIP6TLS_MHO_IPV4_ACK;
        pl->ba.opt.ipv4_ack_status = st;
        if (st == MIP6TLS_V4ACK_SUCCESS) {
            pl->ba.opt.ipv4_ack_plen = 32; /* RFC 5555 §3.1.1: a single address */
            mip6tls_addr_set4(&pl->ba.opt.ipv4_ack_hoa, e->hoa4);
        } else {
            mip6tls_addr_set4(&pl->ba.opt.ipv4_ack_hoa, m->opt.ipv4_hoa.bytes);
        }
        pl->bound4 = st == MIP6TLS_V4ACK_SUCCESS;
    }
    if (!(e->flags & MIP6TLS_HA_F_HAS6) && !pl->bound4) {
        pl->ba.ba.status = MIP6TLS_BA_NOT_HA_FOR_MN; /* nothing left this SA could bind */
        return;
    }
    /* RFC 5555 §4.2, §4.5: NAT detection by comparing the IPv4 CoA option with the outer
     * source. Under RFC 6618 §6.1 everything is UDP-encapsulated, so F is always set (0041). */
    if (m->opt.present & MIP6TLS_MHO_IPV4_COA) {
        int nat = !(remote->addr.family == MIP6TLS_AF_INET &&
                    memcmp(remote->addr.bytes, m->opt.ipv4_coa.bytes, 4) == 0);
        pl->ba.opt.present |= MIP6TLS_MHO_NAT_DETECT;
        pl->ba.opt.nat_f = 1;
        pl->ba.opt.nat_refresh = nat ? ha->cfg.nat_refresh_s : MIP6TLS_NAT_REFRESH_NONE;
    }

    /* RFC 6275 §10.3.1: lifetime <= requested, <= local policy, and (RFC 6618 §4.3) the SA
     * must not be used past its validity: floor to whole 4-second units. */
    units = bu->lifetime;
    units = ha_min(units, ha->cfg.max_lifetime_s / 4u);
    units = ha_min(units, left_ms / 1000u / 4u);

    /* RFC 6618 §4.3, §6.1: ask for a new SA (BA 176) ahead of its end. */
    out_left = e->next_seq > 0xFFFFFFFFu ? 0 : (uint32_t)(0x100000000ull - e->next_seq);
    in_left = 0xFFFFFFFFu - e->replay.top;
    if (e->flags & MIP6TLS_HA_F_REKEY)
        why |= MIP6TLS_HA_REKEY_ADMIN;
    if (left_ms < (uint64_t)ha->cfg.rekey_time_margin_s * 1000u || units == 0)
        why |= MIP6TLS_HA_REKEY_TIME;
    if (out_left < ha->cfg.rekey_seq_margin)
        why |= MIP6TLS_HA_REKEY_SEQ_OUT;
    if (in_left < ha->cfg.rekey_seq_margin)
        why |= MIP6TLS_HA_REKEY_SEQ_IN;
    if (why != 0) {
        pl->kind = HA_BU_REKEY;
        pl->rekey_why = why;
        pl->ba.ba.status = MIP6TLS_BA_REINIT_SA_WITH_HAC;
        pl->ba.opt.present = 0;
        return;
    }

    pl->kind = HA_BU_ACCEPT;
    pl->units = (uint16_t)units;
    pl->ba.ba.lifetime = (uint16_t)units;
    if (!ha_bound(e, now))
        pl->bind_ev = MIP6TLS_HA_EV_BINDING_CREATED;
    else if (!mip6tls_endpoint_eq(remote, &e->coa) || !mip6tls_endpoint_eq(local, &e->local))
        pl->bind_ev = MIP6TLS_HA_EV_BINDING_UPDATED;
    else
        pl->bind_ev = MIP6TLS_HA_EV_BINDING_REFRESHED;
}

static void ha_supersede(mip6tls_ha *ha, mip6tls_ha_entry *o, uint32_t by, uint64_t now)
{
    ha_settle_commit(ha, o, now);
    if (o->flags & MIP6TLS_HA_F_BOUND)
        ha->n_bindings--;
    o->flags &= (uint16_t) ~(MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_BOUND4 | MIP6TLS_HA_F_HOLD);
    o->flags |= MIP6TLS_HA_F_SUPERSEDED;
    o->superseded_by = by;
    o->grace_end_ms = ha_add(now, ha->cfg.grace_ms);
    ha_heap_fix(ha, o);
}

static int ha_recv_bu(mip6tls_ha *ha, uint64_t now, mip6tls_ha_entry *e, mip6tls_esp_sa *esp,
                      const mip6tls_mh_msg *m, const mip6tls_addr *hao,
                      const mip6tls_endpoint *local, const mip6tls_endpoint *remote,
                      mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t mark = mip6tls_outbox_mark(ob);
    uint32_t spi = e->keys.spi;
    ha_bu_plan pl;
    ha_others o;
    mip6tls_ha_entry *x;
    int rc = 0, takes = 0;

    ha_bu_decide(ha, now, e, m, hao, local, remote, &pl);
    takes = pl.kind == HA_BU_ACCEPT || pl.kind == HA_BU_DEREG;

    /* Emit: events first, then the BA. */
    if (takes) {
        ha_others_init(&o, e, now);
        while (rc == 0 && (x = ha_others_next(ha, &o)) != NULL) {
            rc = ha_settle_emit(ob, x, now);
            if (rc == 0)
                rc = ha_event(ob, MIP6TLS_HA_EV_SA_SUPERSEDED, x->keys.spi,
                              ha_bound(x, now) ? &x->coa : NULL, spi);
        }
        if (rc == 0)
            rc = ha_settle_emit(ob, e, now);
        if (rc == 0 && pl.kind == HA_BU_ACCEPT)
            rc = ha_event(ob, pl.bind_ev, spi, remote, (uint64_t)pl.units * 4u);
        if (rc == 0 && pl.kind == HA_BU_DEREG)
            rc = ha_event(ob, MIP6TLS_HA_EV_BINDING_DELETED, spi, remote, MIP6TLS_HA_WHY_DEREG);
    } else if (pl.kind == HA_BU_REKEY) {
        rc = ha_event(ob, MIP6TLS_HA_EV_REKEY_REQUESTED, spi, remote, pl.rekey_why);
    } else {
        rc = ha_event(ob, MIP6TLS_HA_EV_BU_REJECTED, spi, remote, pl.ba.ba.status);
    }
    /* RFC 6275 §10.3.1: a BA regardless of the A bit (and for every rejection here). */
    if (rc == 0)
        rc = ha_send_mh(ha, e, esp, &pl.ba, local, remote, ob);
    if (rc != 0) {
        mip6tls_outbox_rewind(ob, mark);
        return rc == MIP6TLS_ERR_NOBUF ? rc : ha_drop(ob, spi, remote, rc);
    }

    /* Commit. */
    ha_esp_commit(e, esp);
    if (!takes)
        return 0; /* a rejected BU leaves the binding as it was (0041, 0042) */
    ha_others_init(&o, e, now);
    while ((x = ha_others_next(ha, &o)) != NULL)
        ha_supersede(ha, x, spi, now);
    ha_settle_commit(ha, e, now);
    /* RFC 6275 §9.5.1: the Sequence Number of a valid BU is stored. */
    e->last_seq = m->bu.seq;
    if (pl.kind == HA_BU_ACCEPT) {
        if (!(e->flags & MIP6TLS_HA_F_BOUND))
            ha->n_bindings++;
        e->flags |= MIP6TLS_HA_F_BOUND;
        e->flags &= (uint16_t) ~(MIP6TLS_HA_F_HOLD | MIP6TLS_HA_F_BOUND4);
        if (pl.bound4)
            e->flags |= MIP6TLS_HA_F_BOUND4;
        ha_ep_set(&e->coa, remote); /* DESIGN interpretation 7; RFC 5555 §4.2 */
        ha_ep_set(&e->local, local);
        e->life_end_ms = ha_add(now, (uint64_t)pl.units * 4000u);
    } else {
        if (e->flags & MIP6TLS_HA_F_BOUND)
            ha->n_bindings--;
        e->flags &= (uint16_t) ~(MIP6TLS_HA_F_BOUND | MIP6TLS_HA_F_BOUND4);
        e->flags |= MIP6TLS_HA_F_HOLD; /* RFC 6275 §10.3.2 */
        e->life_end_ms = ha_add(now, MIP6TLS_HA_DELETE_BCE_TIMEOUT_MS);
    }
    ha_heap_fix(ha, e);
    return 0;
}

/* RFC 6275 §9.2, §9.3.3: an unrecognised MH Type gets a Binding Error with status 2 whose
 * Home Address is the HAO's, or :: without one. */
static int ha_send_be(mip6tls_ha *ha, mip6tls_ha_entry *e, mip6tls_esp_sa *esp,
                      const mip6tls_addr *hao, const mip6tls_endpoint *local,
                      const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t mark = mip6tls_outbox_mark(ob);
    mip6tls_mh_msg be;
    int rc;

    mip6tls_mh_init(&be, MIP6TLS_MH_BE);
    be.be.status = MIP6TLS_BE_UNKNOWN_MH_TYPE;
    mip6tls_addr_set6(&be.be.home_addr, hao->family == MIP6TLS_AF_INET6 ? hao->bytes : ha_zero16);
    rc = ha_event(ob, MIP6TLS_HA_EV_BE_SENT, e->keys.spi, remote, MIP6TLS_BE_UNKNOWN_MH_TYPE);
    if (rc == 0)
        rc = ha_send_mh(ha, e, esp, &be, local, remote, ob);
    if (rc != 0) {
        mip6tls_outbox_rewind(ob, mark);
        return rc == MIP6TLS_ERR_NOBUF ? rc : ha_drop(ob, e->keys.spi, remote, rc);
    }
    ha_esp_commit(e, esp);
    return 0;
}

static int ha_recv_mh(mip6tls_ha *ha, uint64_t now, mip6tls_ha_entry *e, mip6tls_esp_sa *esp,
                      const mip6tls_esp_plain *p, const mip6tls_endpoint *local,
                      const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    /* decisions/0010: MN -> HA pseudo-header: the MN's IPv6 home address (the HAO's when
     * present, which mip6tls_mh_decode_chain substitutes) and our IPv6 address. */
    const uint8_t *src = (e->flags & MIP6TLS_HA_F_HAS6) ? e->hoa6 : ha_zero16;
    const uint8_t *dst = ha->cfg.addr6.family == MIP6TLS_AF_INET6 ? ha->cfg.addr6.bytes : ha_zero16;
    mip6tls_mh_msg m;
    mip6tls_addr hao;
    int rc;

    rc = mip6tls_mh_decode_chain(p->next_header, p->payload, p->len, src, dst, &m, &hao);
    if (rc != 0)
        return ha_drop(ob, e->keys.spi, remote, rc); /* RFC 6275 §9.2: silently discard */
    if (!m.known)
        return ha_send_be(ha, e, esp, &hao, local, remote, ob);
    /* RFC 6275 §10.2, §10.3: a home agent processes Binding Updates; BA, BE and BRR are for
     * the mobile node (§11), so they are dropped here. */
    if (m.type != MIP6TLS_MH_BU)
        return ha_drop(ob, e->keys.spi, remote, MIP6TLS_ERR_POLICY);
    /* A superseded SA only carries in-flight data until its grace ends (0042). */
    if (e->flags & MIP6TLS_HA_F_SUPERSEDED)
        return ha_drop(ob, e->keys.spi, remote, MIP6TLS_ERR_POLICY);
    return ha_recv_bu(ha, now, e, esp, &m, &hao, local, remote, ob);
}

/* ---- user data (RFC 6618 §6.4) ----------------------------------------------------------- */

static int ha_recv_data(mip6tls_ha *ha, uint64_t now, mip6tls_ha_entry *e, mip6tls_esp_sa *esp,
                        const mip6tls_esp_plain *p, const mip6tls_endpoint *local,
                        const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t mark = mip6tls_outbox_mark(ob);
    uint32_t spi = e->keys.spi;
    mip6tls_ip_info ip;
    mip6tls_ha_entry *b;
    mip6tls_action *a;
    int rc, rebind;

    /* RFC 4303 §2.6: a dummy packet (Next Header 59) is discarded silently once authentic;
     * its sequence number is used up like any other. */
    if (p->next_header == MIP6TLS_IPPROTO_NONE) {
        ha_esp_commit(e, esp);
        return 0;
    }
    /* RFC 6618 §6.4: Next Header 41 (IPv6) or 4 (IPv4), the version to match. */
    if (p->next_header != MIP6TLS_IPPROTO_IPV6 && p->next_header != MIP6TLS_IPPROTO_IPIP)
        return ha_drop(ob, spi, remote, MIP6TLS_ERR_TYPE);
    rc = mip6tls_ip_parse(p->payload, p->len, &ip);
    if (rc != 0)
        return ha_drop(ob, spi, remote, rc);
    if (ip.version != (p->next_header == MIP6TLS_IPPROTO_IPV6 ? 6 : 4))
        return ha_drop(ob, spi, remote, MIP6TLS_ERR_MALFORMED);
    /* RFC 6618 §6.4: the inner source is the MN's home address, which this SA is for. */
    if (!ha_has_hoa(e, &ip.src))
        return ha_drop(ob, spi, remote, MIP6TLS_ERR_POLICY);
    /* RFC 6275 §10.4.5: reverse tunnelling serves registered mobile nodes. At most one SA
     * holds a home address's binding (0042), so when it is this one no index walk is needed. */
    if (ha_bound(e, now) && (ip.version == 6 || (e->flags & MIP6TLS_HA_F_BOUND4)))
        b = e;
    else
        b = ha_bound_for(ha, now, &ip.src);
    if (b == NULL)
        return ha_drop(ob, spi, remote, MIP6TLS_ERR_POLICY);
    /* DESIGN interpretation 7: the newest authenticated packet names the CoA endpoint (a
     * reordered older one does not move it back; packets under a superseded SA never do). */
    rebind = b == e && p->seq > e->replay.top &&
             (!mip6tls_endpoint_eq(remote, &e->coa) || !mip6tls_endpoint_eq(local, &e->local));
    if (rebind && ha_event(ob, MIP6TLS_HA_EV_BINDING_UPDATED, spi, remote,
                           (e->life_end_ms - now) / 1000u) != 0)
        goto nobuf;
    a = mip6tls_outbox_push_ref(ob, MIP6TLS_ACT_DELIVER, p->payload, ip.total_len);
    if (a == NULL)
        goto nobuf;
    a->conn = spi;
    ha_esp_commit(e, esp);
    if (rebind) {
        ha_ep_set(&e->coa, remote);
        ha_ep_set(&e->local, local);
    }
    return 0;
nobuf:
    mip6tls_outbox_rewind(ob, mark);
    return MIP6TLS_ERR_NOBUF;
}

static int ha_recv_plain(mip6tls_ha *ha, uint64_t now, const mip6tls_encap_hdr *h,
                         const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    mip6tls_ip_info ip;
    mip6tls_ha_entry *b;
    mip6tls_action *a;
    int rc = mip6tls_ip_parse(h->body, h->body_len, &ip);
    if (rc != 0)
        return ha_drop(ob, 0, remote, rc);
    b = ha_bound_for(ha, now, &ip.src);
    if (b == NULL)
        return ha_drop(ob, 0, remote, MIP6TLS_ERR_POLICY);
    /* RFC 6618 §5.6.4, §6.4: with mip6-sas 1 a PType 0 packet MUST be silently discarded. */
    if (b->scope == MIP6TLS_SAS_ALL)
        return ha_drop(ob, b->keys.spi, remote, MIP6TLS_ERR_POLICY);
    /* RFC 6275 §10.4.5: an unprotected reverse-tunnelled packet must come from the primary
     * care-of address (here the endpoint as seen, interpretation 7). */
    if (!mip6tls_endpoint_eq(remote, &b->coa))
        return ha_drop(ob, b->keys.spi, remote, MIP6TLS_ERR_POLICY);
    a = mip6tls_outbox_push_ref(ob, MIP6TLS_ACT_DELIVER, h->body, ip.total_len);
    if (a == NULL)
        return MIP6TLS_ERR_NOBUF;
    a->conn = b->keys.spi;
    return 0;
}

int mip6tls_ha_recv(mip6tls_ha *ha, uint64_t now_ms, const mip6tls_endpoint *local,
                    const mip6tls_endpoint *remote, uint8_t *pkt, size_t len, mip6tls_outbox *ob)
{
    mip6tls_encap_hdr h;
    mip6tls_esp_plain p;
    mip6tls_ha_entry *e;
    mip6tls_esp_sa *esp;
    int rc;

    if (ha == NULL || local == NULL || remote == NULL || ob == NULL || (pkt == NULL && len))
        return MIP6TLS_ERR_ARG;
    if (!mip6tls_outbox_room(ob, 1, 0))
        return MIP6TLS_ERR_NOBUF;
    /* The MN's NAT keepalive: the one-octet 0xFF of RFC 3948 §2.3 (decisions/0014). It kept
     * the NAT mapping open by arriving; there is nothing else to do with it. */
    if (len == 1 && pkt[0] == 0xFF)
        return 0;
    rc = mip6tls_encap_decode(pkt, len, &h);
    if (rc != 0)
        return ha_drop(ob, 0, remote, rc);
    if (h.ptype == MIP6TLS_PTYPE_PLAIN)
        return ha_recv_plain(ha, now_ms, &h, remote, ob);

    /* RFC 6618 §6.1: the SPI names the SA. */
    e = ha_by_spi(ha, h.spi);
    if (e == NULL || !ha_alive(e, now_ms))
        return ha_drop(ob, h.spi, remote, MIP6TLS_ERR_SPI);
    /* Room for the worst case before decrypting in place, so NOBUF leaves `pkt` intact. */
    if (h.ptype == MIP6TLS_PTYPE_DATA) {
        if (!mip6tls_outbox_room(ob, 2, 0))
            return MIP6TLS_ERR_NOBUF;
    } else {
        ha_others o;
        size_t k = 0;
        ha_others_init(&o, e, now_ms);
        while (ha_others_next(ha, &o) != NULL)
            k++;
        if (!mip6tls_outbox_room(ob, 3 + 2 * k, ha_sealed_len(e, HA_REPLY_MH_MAX)))
            return MIP6TLS_ERR_NOBUF;
    }
    esp = ha_esp(ha, e);
    if (esp == NULL)
        return ha_drop(ob, h.spi, remote, MIP6TLS_ERR_INTERNAL);
    /* RFC 4303 §3.4.3: replay check, ICV, then (committed only with the outcome) the window. */
    rc = mip6tls_esp_open(esp, pkt, len, &p);
    if (rc != 0)
        return ha_drop(ob, h.spi, remote, rc);
    if (p.ptype == MIP6TLS_PTYPE_DATA)
        rc = ha_recv_data(ha, now_ms, e, esp, &p, local, remote, ob);
    else
        rc = ha_recv_mh(ha, now_ms, e, esp, &p, local, remote, ob);
    if (rc != 0) {
        /* Dropped after authentication: the slot's window moved, the entry's did not. Put the
         * slot back in step so the cache holds nothing the entry does not (0040). */
        esp->next_seq = e->next_seq;
        esp->replay = e->replay;
    }
    return rc;
}

int mip6tls_ha_send(mip6tls_ha *ha, uint64_t now_ms, const uint8_t *pkt, size_t len,
                    mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t mark;
    mip6tls_ip_info ip;
    mip6tls_ha_entry *b;
    mip6tls_esp_sa *esp;
    mip6tls_action *a;
    uint8_t *out;
    size_t n;
    int rc;

    if (ha == NULL || ob == NULL || (pkt == NULL && len))
        return MIP6TLS_ERR_ARG;
    if (!mip6tls_outbox_room(ob, 1, 0))
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_ip_parse(pkt, len, &ip);
    if (rc != 0)
        return ha_drop(ob, 0, NULL, rc);
    /* RFC 6275 §10.4.1: intercepted packets for a registered home address go to its CoA. */
    b = ha_bound_for(ha, now_ms, &ip.dst);
    if (b == NULL)
        return ha_drop(ob, 0, NULL, MIP6TLS_ERR_NOTFOUND);
    mark = mip6tls_outbox_mark(ob);
    if (ha->cfg.plain_when_allowed && b->scope == MIP6TLS_SAS_SIGNALING) {
        /* RFC 6618 §6.4: scope 0, so the SA does not have to protect user data. */
        n = MIP6TLS_ENCAP_HDR_LEN + ip.total_len;
        a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, n, &out);
        if (a == NULL)
            return MIP6TLS_ERR_NOBUF;
        if (mip6tls_encap_plain(pkt, ip.total_len, out, n) < 0) {
            mip6tls_outbox_rewind(ob, mark);
            return ha_drop(ob, b->keys.spi, &b->coa, MIP6TLS_ERR_INTERNAL);
        }
    } else {
        n = ha_sealed_len(b, ip.total_len);
        a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, n, &out);
        if (a == NULL)
            return MIP6TLS_ERR_NOBUF;
        esp = ha_esp(ha, b);
        rc = esp == NULL
                 ? MIP6TLS_ERR_INTERNAL
                 : mip6tls_esp_seal(esp, MIP6TLS_PTYPE_DATA,
                                    ip.version == 6 ? MIP6TLS_IPPROTO_IPV6 : MIP6TLS_IPPROTO_IPIP,
                                    pkt, ip.total_len, out, n);
        if (rc < 0) {
            mip6tls_outbox_rewind(ob, mark);
            return ha_drop(ob, b->keys.spi, &b->coa, rc);
        }
        b->next_seq = esp->next_seq;
    }
    a->conn = b->keys.spi;
    ha_ep_set(&a->local, &b->local);
    ha_ep_set(&a->remote, &b->coa);
    return 0;
}

/* ---- status ------------------------------------------------------------------------- */

const mip6tls_ha_entry *mip6tls_ha_find_spi(const mip6tls_ha *ha, uint32_t spi)
{
    return ha != NULL ? ha_by_spi(ha, spi) : NULL;
}

const mip6tls_ha_entry *mip6tls_ha_find_hoa(const mip6tls_ha *ha, const mip6tls_addr *hoa)
{
    const mip6tls_ha_entry *cur = NULL, *any = NULL;
    mip6tls_ha_entry *e;
    ha_hoa_iter it;
    int v4;
    if (ha == NULL || hoa == NULL ||
        (hoa->family != MIP6TLS_AF_INET && hoa->family != MIP6TLS_AF_INET6))
        return NULL;
    v4 = hoa->family == MIP6TLS_AF_INET;
    ha_hoa_iter_init(ha, &it, hoa->bytes, v4);
    while ((e = ha_hoa_iter_next(ha, &it)) != NULL) {
        if ((e->flags & MIP6TLS_HA_F_BOUND) && (!v4 || (e->flags & MIP6TLS_HA_F_BOUND4)))
            return e;
        if (cur == NULL && !(e->flags & MIP6TLS_HA_F_SUPERSEDED))
            cur = e;
        if (any == NULL)
            any = e;
    }
    return cur != NULL ? cur : any;
}

uint32_t mip6tls_ha_sa_count(const mip6tls_ha *ha)
{
    return ha != NULL ? ha->n_sas : 0;
}

uint32_t mip6tls_ha_binding_count(const mip6tls_ha *ha)
{
    return ha != NULL ? ha->n_bindings : 0;
}
