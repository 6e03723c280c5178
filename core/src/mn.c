/*
 * mn.c: the Mobile Node role (see mn.h).
 *
 * Timers (the context's one deadline is the earliest of them):
 *   bu_deadline   retransmit the outstanding BU: RFC 6275 §11.8 exponential back-off from
 *                 InitialBindackTimeoutFirstReg (first registration) or INITIAL_BINDACK_TIMEOUT,
 *                 doubling up to MAX_BINDACK_TIMEOUT, then at that rate indefinitely
 *   refresh_at    refresh the binding at 3/4 of the granted lifetime, or earlier when the HA
 *                 sent a Binding Refresh Advice (RFC 6275 §11.7.1, §6.2.4)
 *   binding_end   the binding's lifetime ends without a refresh
 *   renew_at      ask for a new SA before the active one's validity end (RFC 6618 §4.3)
 *   expire_at     the active SA's validity end: it is unusable from then on
 *   retire_at     the retiring SA's inbound grace ends (DESIGN interpretation 6)
 *   keepalive_at  NAT keepalive on IPv4 or NATed paths (RFC 3948 §2.3 format, DESIGN 7)
 *   boot          the bootstrap's attempt timeout or retry back-off (boot.c)
 *
 * Every call checks the outbox has room for all it may emit before it changes anything, so a
 * MIP6TLS_ERR_NOBUF leaves the MN as it was.
 */
#include "mip6tls/mn.h"

#include "mip6tls/encap.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

#include <string.h>

/* Outbox room one call may need at most: a datagram, a delivery and a handful of events. */
#define MN_MAX_ACTS 12
#define MN_MH_MAX 128 /* a BU chain: 24 (HAO header) + 12 (BU) + options, well under this */
#define MN_DGRAM_MAX (MIP6TLS_ESP_MAX_IV + 8 + MN_MH_MAX + MIP6TLS_ESP_MAX_TAIL)

static const uint8_t mn_zero16[16];

/* ---- small helpers ------------------------------------------------------------------- */

static void mn_event(mip6tls_mn *mn, mip6tls_outbox *ob, mip6tls_mn_event ev, uint32_t spi,
                     uint64_t arg)
{
    /* Room was checked by the caller (mip6tls_outbox_room); a full outbox loses the event,
     * never state. */
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, 0, NULL);
    if (a == NULL)
        return;
    a->event = (uint16_t)ev;
    a->conn = spi;
    a->arg = arg;
    a->local = mn->coa;
    a->remote = mn->ha;
}

static void mn_set_state(mip6tls_mn *mn, mip6tls_outbox *ob, mip6tls_mn_state st)
{
    if (mn->state == st)
        return;
    mn->state = (uint8_t)st;
    mn_event(mn, ob, MIP6TLS_MN_EV_STATE, mn->active.used ? mn->active.sa.keys.spi : 0, st);
}

/* The SA validity end (Unix seconds) on the now_ms clock. */
static uint64_t mn_sa_end_ms(const mip6tls_mn *mn, const mip6tls_sa *sa)
{
    int64_t t = (int64_t)(sa->validity_end * 1000u) - mn->cfg.unix_offset_ms;
    return t < 0 ? 0 : (uint64_t)t;
}

static const uint8_t *mn_bytes_or_zero(const mip6tls_addr *a)
{
    return a->family == MIP6TLS_AF_INET6 ? a->bytes : mn_zero16;
}

/* The HA endpoint reachable from a care-of address of `family` under `sa` (§5.7.1). */
static int mn_ha_endpoint(const mip6tls_sa *sa, int family, mip6tls_endpoint *ep)
{
    const mip6tls_addr *a = family == MIP6TLS_AF_INET6 ? &sa->ha6 : &sa->ha4;
    if (a->family != family)
        return MIP6TLS_ERR_ARG;
    memset(ep, 0, sizeof *ep);
    ep->addr = *a;
    ep->port = mip6tls_sa_port(sa);
    return 0;
}

static mip6tls_mn_slot *mn_slot_by_spi(mip6tls_mn *mn, uint32_t spi)
{
    if (mn->active.used && mn->active.sa.keys.spi == spi)
        return &mn->active;
    if (mn->pending.used && mn->pending.sa.keys.spi == spi)
        return &mn->pending;
    if (mn->retiring.used && mn->retiring.sa.keys.spi == spi)
        return &mn->retiring;
    return NULL;
}

static int mn_binding_valid(const mip6tls_mn *mn, uint64_t now_ms)
{
    return mn->binding_end > now_ms;
}

/* Recompute when the active SA must be renewed and when it expires. */
static void mn_schedule_sa(mip6tls_mn *mn)
{
    uint64_t end, margin = (uint64_t)mn->cfg.sa_renew_margin_s * 1000u;
    if (!mn->active.used) {
        mn->renew_at = mn->expire_at = MIP6TLS_NO_DEADLINE;
        return;
    }
    end = mn_sa_end_ms(mn, &mn->active.sa);
    mn->expire_at = end;
    mn->renew_at = end > margin ? end - margin : 0;
}

/* Starts the bootstrap when one is configured, needed, idle and the MN has an address. */
static void mn_boot_kick(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob)
{
    if (mn->cfg.boot == NULL || mn->renew_reason == MIP6TLS_MN_RENEW_NONE || !mn->have_coa)
        return;
    if (mn->boot.state == MIP6TLS_BOOT_IDLE || mn->boot.state == MIP6TLS_BOOT_DONE)
        mip6tls_boot_start(&mn->boot, now_ms, &mn->coa.addr, ob);
}

static void mn_need_sa(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob,
                       mip6tls_mn_renew_reason why)
{
    if (mn->renew_reason != MIP6TLS_MN_RENEW_NONE)
        return; /* one request at a time; the first reason stands */
    mn->renew_reason = (uint8_t)why;
    mn_event(mn, ob, MIP6TLS_MN_EV_NEED_BOOTSTRAP,
             mn->active.used ? mn->active.sa.keys.spi : 0, why);
    mn_boot_kick(mn, now_ms, ob);
}

/* ---- Binding Updates ------------------------------------------------------------------ */

/* Seals and queues a BU with `units` lifetime under the pending SA if there is one, else the
 * active one, from mn->coa to the HA. The caller checked the room and that an SA exists. */
static int mn_send_bu(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob, uint16_t units,
                      int retransmission)
{
    mip6tls_mn_slot *slot = mn->pending.used ? &mn->pending : &mn->active;
    const mip6tls_sa *sa = &slot->sa;
    mip6tls_endpoint ha;
    mip6tls_mh_msg m;
    mip6tls_action *a;
    mip6tls_outbox_mark_t mark;
    uint8_t chain[MN_MH_MAX], *out;
    const uint8_t *hoa = sa->hoa6.family == MIP6TLS_AF_INET6 ? sa->hoa6.bytes : NULL;
    int n, rc;
    size_t need;

    rc = mn_ha_endpoint(sa, mn->coa.addr.family, &ha);
    if (rc != 0)
        return rc;

    mip6tls_mh_init(&m, MIP6TLS_MH_BU);
    m.bu.seq = (uint16_t)(mn->bu_seq + 1u); /* RFC 6275 §11.8: every (re)transmission anew */
    m.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H; /* home registration, acknowledged (§11.7.1) */
    m.bu.lifetime = units;
    if (sa->hoa4.family == MIP6TLS_AF_INET) {
        /* RFC 5555 §3.1.1, §4.1: the MN asks for its IPv4 home address binding too. */
        m.opt.present |= MIP6TLS_MHO_IPV4_HOA;
        m.opt.ipv4_hoa = sa->hoa4;
        m.opt.ipv4_hoa_plen = sa->hnp4_len ? sa->hnp4_len : 32;
    }
    if (mn->coa.addr.family == MIP6TLS_AF_INET) {
        /* RFC 5555 §3.1.2, §4.2: in an IPv4-only network the CoA is an IPv4 address. */
        m.opt.present |= MIP6TLS_MHO_IPV4_COA;
        m.opt.ipv4_coa = mn->coa.addr;
    }
    /* Checksum pseudo-header: HoA -> HA (decisions/0010). */
    n = mip6tls_mh_encode_chain(&m, hoa, mn_bytes_or_zero(&sa->hoa6), mn_bytes_or_zero(&sa->ha6),
                                chain, sizeof chain);
    if (n < 0)
        return n;
    need = mip6tls_esp_sealed_len(&slot->esp, (size_t)n);
    mark = mip6tls_outbox_mark(ob);
    a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, need, &out);
    if (a == NULL)
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_esp_seal(&slot->esp, MIP6TLS_PTYPE_MH,
                          hoa ? MIP6TLS_IPPROTO_DSTOPTS : MIP6TLS_MH_NEXT_HEADER, chain,
                          (size_t)n, out, need);
    if (rc < 0) {
        mip6tls_outbox_rewind(ob, mark);
        return rc;
    }
    a->local = mn->coa;
    a->remote = ha;
    mn->ha = ha;
    mn->bu_seq = m.bu.seq;
    mn->bu_lifetime = units;
    mn->bu_pending_sa = slot == &mn->pending;
    mn->bu_outstanding = 1;
    if (!retransmission) {
        mn->bu_rtx = 0;
        /* RFC 6275 §11.8: the first registration with an HA waits longer (DAD at the HA). */
        mn->bu_timeout_ms = mn_binding_valid(mn, now_ms) || mn->pending.used
                                ? MIP6TLS_INITIAL_BINDACK_TIMEOUT_MS
                                : mn->cfg.first_reg_timeout_ms;
    }
    mn->bu_deadline = now_ms + mn->bu_timeout_ms;
    mn->bu_sent_at = now_ms;
    mn_event(mn, ob, MIP6TLS_MN_EV_BU_SENT, sa->keys.spi,
             (uint64_t)m.bu.seq | (uint64_t)units << 16 | (uint64_t)mn->bu_rtx << 32);
    if (mip6tls_esp_seq_left(&slot->esp) < mn->cfg.seq_renew_margin && slot == &mn->active)
        mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_SEQUENCE);
    return 0;
}

/* The lifetime to ask for: the configured one, never past the SA's validity end. */
static uint16_t mn_lifetime_units(const mip6tls_mn *mn, uint64_t now_ms)
{
    const mip6tls_mn_slot *slot = mn->pending.used ? &mn->pending : &mn->active;
    uint64_t end = mn_sa_end_ms(mn, &slot->sa), want = mn->cfg.lifetime_s;
    if (end <= now_ms)
        return 1;
    if ((end - now_ms) / 1000u < want)
        want = (end - now_ms) / 1000u;
    if (want < 4)
        want = 4;
    return mip6tls_mh_lifetime_to_units((uint32_t)want);
}

/* Registers the current CoA (or deregisters at home) if that is possible now. */
static int mn_register(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob)
{
    int rc;
    if (!mn->active.used) {
        mn_set_state(mn, ob, MIP6TLS_MN_WAIT_SA);
        return 0;
    }
    if (!mn->have_coa) {
        mn_set_state(mn, ob, MIP6TLS_MN_WAIT_COA);
        return 0;
    }
    rc = mn_send_bu(mn, now_ms, ob, mn->at_home ? 0 : mn_lifetime_units(mn, now_ms), 0);
    if (rc == MIP6TLS_ERR_ARG) {
        /* No HA address of the CoA's family in the SA: nothing to register with. */
        mn_event(mn, ob, MIP6TLS_MN_EV_DROP, mn->active.sa.keys.spi, (uint64_t)(int64_t)rc);
        mn_set_state(mn, ob, MIP6TLS_MN_WAIT_COA);
        return 0;
    }
    if (rc != 0)
        return rc;
    mn_set_state(mn, ob, mn->at_home ? MIP6TLS_MN_WAIT_DEREG_BA : MIP6TLS_MN_WAIT_BA);
    return 0;
}

/* ---- set-up and inputs ---------------------------------------------------------------- */

int mip6tls_mn_init(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_mn_config *cfg,
                    const mip6tls_esp_impl *impl, mip6tls_drbg *drbg, mip6tls_outbox *ob)
{
    uint8_t r[2];
    if (cfg == NULL || impl == NULL || drbg == NULL || ob == NULL)
        return MIP6TLS_ERR_ARG;
    if (cfg->replay_window > MIP6TLS_REPLAY_WINDOW_MAX)
        return MIP6TLS_ERR_ARG;
    if (!mip6tls_outbox_room(ob, 2, 0))
        return MIP6TLS_ERR_NOBUF;
    memset(mn, 0, sizeof *mn);
    mn->cfg = *cfg;
    if (mn->cfg.lifetime_s == 0)
        mn->cfg.lifetime_s = 600;
    if (mn->cfg.sa_renew_margin_s == 0)
        mn->cfg.sa_renew_margin_s = 300;
    if (mn->cfg.seq_renew_margin == 0)
        mn->cfg.seq_renew_margin = 1u << 24;
    if (mn->cfg.grace_ms == 0)
        mn->cfg.grace_ms = 10000;
    if (mn->cfg.keepalive_ms == 0)
        mn->cfg.keepalive_ms = 20000; /* RFC 3948 §4: 20 s keeps most NAT mappings */
    if (mn->cfg.first_reg_timeout_ms == 0)
        mn->cfg.first_reg_timeout_ms = MIP6TLS_INITIAL_BINDACK_TIMEOUT_FIRST_MS;
    mn->impl = impl;
    mn->drbg = drbg;
    /* RFC 6275 §11.7.1 leaves the first sequence number to the MN; start unpredictably. */
    mip6tls_drbg_generate(drbg, r, 2);
    mn->bu_seq = (uint16_t)(r[0] << 8 | r[1]);
    mn->state = MIP6TLS_MN_WAIT_SA;
    mn->renew_at = mn->expire_at = mn->keepalive_at = MIP6TLS_NO_DEADLINE;
    mn->refresh_at = mn->bu_deadline = MIP6TLS_NO_DEADLINE;
    if (cfg->boot != NULL && mip6tls_boot_init(&mn->boot, cfg->boot, drbg) != 0)
        return MIP6TLS_ERR_ARG;
    mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_INITIAL);
    return 0;
}

static int mn_slot_fill(mip6tls_mn *mn, mip6tls_mn_slot *slot, const mip6tls_sa *sa)
{
    uint8_t salt[8];
    int rc;
    mip6tls_drbg_generate(mn->drbg, salt, sizeof salt);
    rc = mip6tls_esp_sa_init(&slot->esp, mn->impl, MIP6TLS_ESP_MN, &sa->keys, salt,
                             mn->cfg.replay_window);
    if (rc != 0)
        return rc;
    slot->sa = *sa;
    slot->used = 1;
    slot->retire_at = MIP6TLS_NO_DEADLINE;
    return 0;
}

static void mn_slot_clear(mip6tls_mn_slot *slot)
{
    mip6tls_esp_sa_wipe(&slot->esp);
    memset(&slot->sa, 0, sizeof slot->sa);
    slot->used = 0;
    slot->retire_at = MIP6TLS_NO_DEADLINE;
}

int mip6tls_mn_install_sa(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_sa *sa,
                          mip6tls_outbox *ob)
{
    mip6tls_mn_slot *slot;
    int rc = mip6tls_sa_check(sa);
    if (rc != 0)
        return rc;
    if (mn_slot_by_spi(mn, sa->keys.spi) != NULL)
        return MIP6TLS_ERR_EXISTS;
    if (mn->pending.used)
        return MIP6TLS_ERR_STATE;
    if (!mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX))
        return MIP6TLS_ERR_NOBUF;

    /* The first SA, or one replacing an expired SA, is active at once; otherwise it waits for
     * the HA to acknowledge a BU sent under it (make-before-break). At home there is no
     * binding to move, so it takes over at once as well. */
    slot = (!mn->active.used || !mn->have_coa || mn->at_home) ? &mn->active : &mn->pending;
    if (slot == &mn->active && mn->active.used) {
        if (mn->retiring.used)
            mn_slot_clear(&mn->retiring);
        mn->retiring = mn->active;
        mn->retiring.retire_at = now_ms + mn->cfg.grace_ms;
    }
    rc = mn_slot_fill(mn, slot, sa);
    if (rc != 0)
        return rc;
    mn->renew_reason = MIP6TLS_MN_RENEW_NONE;
    if (slot == &mn->active)
        mn_schedule_sa(mn);
    mn_event(mn, ob, MIP6TLS_MN_EV_SA_INSTALLED, sa->keys.spi, slot == &mn->active);
    if (slot == &mn->pending || mn->state == MIP6TLS_MN_WAIT_SA ||
        mn->state == MIP6TLS_MN_WAIT_NEW_SA || mn->state == MIP6TLS_MN_WAIT_COA)
        return mn_register(mn, now_ms, ob);
    return 0;
}

int mip6tls_mn_set_coa(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *coa,
                       mip6tls_outbox *ob)
{
    if (coa == NULL ||
        (coa->addr.family != MIP6TLS_AF_INET6 && coa->addr.family != MIP6TLS_AF_INET))
        return MIP6TLS_ERR_ARG;
    if (mn->have_coa && !mn->at_home && mip6tls_endpoint_eq(&mn->coa, coa))
        return 0;
    if (!mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX))
        return MIP6TLS_ERR_NOBUF;
    mn->coa = *coa;
    mn->have_coa = 1;
    mn->at_home = 0;
    mn->nat = 0;
    mn->keepalive_at = coa->addr.family == MIP6TLS_AF_INET ? now_ms + mn->cfg.keepalive_ms
                                                           : MIP6TLS_NO_DEADLINE;
    mn_boot_kick(mn, now_ms, ob); /* an SA was needed and now there is a way to the HAC */
    if (mn->state == MIP6TLS_MN_WAIT_NEW_SA)
        return 0; /* (176) the BU waits for the new SA; it will carry this CoA */
    /* A rejected MN retries at once: the new network may be acceptable. */
    return mn_register(mn, now_ms, ob);
}

int mip6tls_mn_returned_home(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *local,
                             mip6tls_outbox *ob)
{
    if (local == NULL ||
        (local->addr.family != MIP6TLS_AF_INET6 && local->addr.family != MIP6TLS_AF_INET))
        return MIP6TLS_ERR_ARG;
    if (!mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX))
        return MIP6TLS_ERR_NOBUF;
    mn->coa = *local;
    mn->have_coa = 1;
    mn->at_home = 1;
    mn->keepalive_at = MIP6TLS_NO_DEADLINE;
    if (!mn_binding_valid(mn, now_ms) && !mn->bu_outstanding) {
        /* Nothing registered at the HA: nothing to deregister (RFC 6275 §11.5.4). */
        mn->refresh_at = mn->bu_deadline = MIP6TLS_NO_DEADLINE;
        mn_set_state(mn, ob, mn->active.used ? MIP6TLS_MN_AT_HOME : MIP6TLS_MN_WAIT_SA);
        return 0;
    }
    return mn_register(mn, now_ms, ob);
}

/* ---- receive ------------------------------------------------------------------------- */

static int mn_drop(mip6tls_mn *mn, mip6tls_outbox *ob, uint32_t spi, int err)
{
    if (mip6tls_outbox_room(ob, 1, 0))
        mn_event(mn, ob, MIP6TLS_MN_EV_DROP, spi, (uint64_t)(int64_t)err);
    return err;
}

/* A BA for the outstanding BU (RFC 6275 §11.7.3). */
static void mn_on_ba(mip6tls_mn *mn, uint64_t now_ms, mip6tls_mn_slot *slot,
                     const mip6tls_mh_msg *m, mip6tls_outbox *ob)
{
    uint32_t spi = slot->sa.keys.spi;
    uint32_t granted = mip6tls_mh_lifetime_s(m->ba.lifetime);

    mn_event(mn, ob, MIP6TLS_MN_EV_BA_RECEIVED, spi,
             (uint64_t)m->ba.status | (uint64_t)m->ba.seq << 8 | (uint64_t)m->ba.lifetime << 24);
    mn->bu_outstanding = 0;
    mn->bu_deadline = MIP6TLS_NO_DEADLINE;

    if (m->ba.status == MIP6TLS_BA_SEQ_OUT_OF_WINDOW) {
        /* RFC 6275 §11.7.3: resend with a sequence number past the HA's. */
        mn->bu_seq = m->ba.seq;
        mn_send_bu(mn, now_ms, ob, mn->bu_lifetime, 0);
        return;
    }
    if (m->ba.status == MIP6TLS_BA_REINIT_SA_WITH_HAC) {
        /* RFC 6618 §4.3: get a new SA from the HAC. The HA left the binding as it was
         * (see ha.c), so an existing binding keeps carrying traffic meanwhile. */
        mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_REINIT);
        mn_set_state(mn, ob,
                     mn_binding_valid(mn, now_ms) ? MIP6TLS_MN_BOUND : MIP6TLS_MN_WAIT_NEW_SA);
        if (mn_binding_valid(mn, now_ms))
            mn->refresh_at = MIP6TLS_NO_DEADLINE; /* the next BU goes under the new SA */
        return;
    }
    if (!mip6tls_ba_status_accepted(m->ba.status)) {
        /* Refused: the MN may go on at the slower rate (RFC 6275 §11.8); it retries at
         * MAX_BINDACK_TIMEOUT so an operator fix is picked up. */
        mn->bu_timeout_ms = MIP6TLS_MAX_BINDACK_TIMEOUT_MS;
        mn->bu_deadline = now_ms + MIP6TLS_MAX_BINDACK_TIMEOUT_MS;
        mn->bu_outstanding = 1;
        mn_set_state(mn, ob, MIP6TLS_MN_REJECTED);
        return;
    }

    if (mn->bu_pending_sa && slot == &mn->pending) {
        /* The HA now binds the HoA under the new SA: promote it, keep the old one for
         * inbound packets in flight (DESIGN interpretation 6). */
        if (mn->retiring.used)
            mn_slot_clear(&mn->retiring);
        mn->retiring = mn->active;
        mn->retiring.retire_at = now_ms + mn->cfg.grace_ms;
        mn->active = mn->pending;
        mn->pending.used = 0;
        memset(&mn->pending.esp, 0, sizeof mn->pending.esp);
        mn_schedule_sa(mn);
        mn_event(mn, ob, MIP6TLS_MN_EV_SA_ACTIVATED, mn->active.sa.keys.spi, 0);
    }

    if (m->opt.present & MIP6TLS_MHO_IPV4_ACK)
        mn_event(mn, ob, MIP6TLS_MN_EV_HOA4_ACK, spi, m->opt.ipv4_ack_status);
    if (m->opt.present & MIP6TLS_MHO_NAT_DETECT) {
        /* RFC 5555 §3.2.2: a NAT sits on the path; keep its mapping alive. */
        uint64_t period = mn->cfg.keepalive_ms;
        if (m->opt.nat_refresh != 0 && m->opt.nat_refresh != 0xFFFFFFFFu &&
            (uint64_t)m->opt.nat_refresh * 1000u < period)
            period = (uint64_t)m->opt.nat_refresh * 1000u;
        mn->nat = 1;
        mn->keepalive_at = now_ms + period;
        mn_event(mn, ob, MIP6TLS_MN_EV_NAT_DETECTED, spi, m->opt.nat_refresh);
    }

    if (mn->at_home || mn->bu_lifetime == 0) {
        /* Deregistered (RFC 6275 §11.5.4). */
        mn->binding_end = 0;
        mn->refresh_at = MIP6TLS_NO_DEADLINE;
        mn_set_state(mn, ob, MIP6TLS_MN_AT_HOME);
        return;
    }
    /* RFC 6275 §11.7.3: the granted lifetime counts down from when the BU was sent. */
    mn->binding_end = mn->bu_sent_at + (uint64_t)granted * 1000u;
    if (mn->binding_end <= now_ms)
        mn->binding_end = now_ms + 1; /* granted less than the round trip took: expire now */
    {
        /* RFC 6275 §11.7.1: refresh before the lifetime runs out; at 3/4 of it, or at the
         * HA's Binding Refresh Advice when that is sooner (§6.2.4). */
        uint64_t in = (uint64_t)granted * 750u;
        if ((m->opt.present & MIP6TLS_MHO_REFRESH_ADVICE) && m->opt.refresh_interval != 0 &&
            (uint64_t)m->opt.refresh_interval * 4000u < in)
            in = (uint64_t)m->opt.refresh_interval * 4000u;
        mn->refresh_at = mn->bu_sent_at + (in ? in : 1000u);
        if (mn->refresh_at <= now_ms)
            mn->refresh_at = now_ms + 1;
    }
    mn_set_state(mn, ob, MIP6TLS_MN_BOUND);
}

static int mn_on_mh(mip6tls_mn *mn, uint64_t now_ms, mip6tls_mn_slot *slot, uint8_t nh,
                    const uint8_t *chain, size_t len, mip6tls_outbox *ob)
{
    mip6tls_mh_msg m;
    mip6tls_addr hao;
    const mip6tls_sa *sa = &slot->sa;
    /* HA -> MN: the pseudo-header runs HA -> HoA (decisions/0010). */
    int rc = mip6tls_mh_decode_chain(nh, chain, len, mn_bytes_or_zero(&sa->ha6),
                                     mn_bytes_or_zero(&sa->hoa6), &m, &hao);
    if (rc != 0)
        return rc;
    switch (m.type) {
    case MIP6TLS_MH_BA:
        /* Only the answer to the BU outstanding now counts (RFC 6275 §11.7.3); a status 135
         * answer carries the HA's last accepted number instead of ours (§10.3.1). */
        if (!mn->bu_outstanding ||
            (m.ba.seq != mn->bu_seq && m.ba.status != MIP6TLS_BA_SEQ_OUT_OF_WINDOW))
            return MIP6TLS_ERR_REPLAY;
        if (mn->state == MIP6TLS_MN_REJECTED)
            return MIP6TLS_ERR_STATE;
        mn_on_ba(mn, now_ms, slot, &m, ob);
        return 0;
    case MIP6TLS_MH_BRR:
        /* RFC 6275 §11.7.4: answer with a BU when a binding exists. */
        mn_event(mn, ob, MIP6TLS_MN_EV_BRR_RECEIVED, sa->keys.spi, 0);
        if (mn_binding_valid(mn, now_ms) && !mn->bu_outstanding && !mn->at_home)
            return mn_send_bu(mn, now_ms, ob, mn_lifetime_units(mn, now_ms), 0);
        return 0;
    case MIP6TLS_MH_BE:
        mn_event(mn, ob, MIP6TLS_MN_EV_BE_RECEIVED, sa->keys.spi, m.be.status);
        return 0;
    default:
        return MIP6TLS_ERR_TYPE; /* a BU at an MN, or an unknown type: nothing to do */
    }
}

/* The inner packet must be for one of this SA's home addresses. */
static int mn_inner_ok(const mip6tls_sa *sa, const uint8_t *pkt, size_t len)
{
    mip6tls_ip_info ip;
    int rc = mip6tls_ip_parse(pkt, len, &ip);
    if (rc != 0)
        return rc;
    if (!mip6tls_addr_eq(&ip.dst, ip.version == 6 ? &sa->hoa6 : &sa->hoa4))
        return MIP6TLS_ERR_POLICY;
    return 0;
}

int mip6tls_mn_recv(mip6tls_mn *mn, uint64_t now_ms, const mip6tls_endpoint *local,
                    const mip6tls_endpoint *remote, uint8_t *pkt, size_t len, mip6tls_outbox *ob)
{
    mip6tls_encap_hdr h;
    mip6tls_mn_slot *slot;
    mip6tls_esp_plain p;
    mip6tls_replay replay_before;
    mip6tls_action *a;
    int rc;
    (void)local;

    if (!mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX))
        return MIP6TLS_ERR_NOBUF;
    if (!mn->have_coa || !mip6tls_endpoint_eq(remote, &mn->ha))
        return mn_drop(mn, ob, 0, MIP6TLS_ERR_POLICY); /* only the HA talks to us here */
    rc = mip6tls_encap_decode(pkt, len, &h);
    if (rc != 0)
        return mn_drop(mn, ob, 0, rc);

    if (h.ptype == MIP6TLS_PTYPE_PLAIN) {
        /* RFC 6618 §5.6.4, §6.4: with scope 1 a PType 0 packet MUST be silently discarded. */
        if (!mn->active.used || mn->active.sa.scope == MIP6TLS_SAS_ALL)
            return mn_drop(mn, ob, 0, MIP6TLS_ERR_POLICY);
        rc = mn_inner_ok(&mn->active.sa, h.body, h.body_len);
        if (rc != 0)
            return mn_drop(mn, ob, 0, rc);
        a = mip6tls_outbox_push_ref(ob, MIP6TLS_ACT_DELIVER, h.body, h.body_len);
        a->local = *local;
        a->remote = *remote;
        return 0;
    }

    slot = mn_slot_by_spi(mn, h.spi);
    if (slot == NULL)
        return mn_drop(mn, ob, h.spi, MIP6TLS_ERR_SPI);
    replay_before = slot->esp.replay; /* all that mip6tls_esp_open changes */
    rc = mip6tls_esp_open(&slot->esp, pkt, len, &p);
    if (rc != 0)
        return mn_drop(mn, ob, h.spi, rc);

    if (p.ptype == MIP6TLS_PTYPE_DATA && p.next_header == MIP6TLS_IPPROTO_NONE) {
        return 0; /* RFC 4303 §2.6: a dummy packet, discarded silently once authentic */
    } else if (p.ptype == MIP6TLS_PTYPE_MH) {
        rc = mn_on_mh(mn, now_ms, slot, p.next_header, p.payload, p.len, ob);
    } else if (p.next_header != MIP6TLS_IPPROTO_IPV6 && p.next_header != MIP6TLS_IPPROTO_IPIP) {
        rc = MIP6TLS_ERR_TYPE; /* §6.4: only tunnelled IPv6 (41) or IPv4 (4) */
    } else {
        rc = mn_inner_ok(&slot->sa, p.payload, p.len);
        if (rc == 0) {
            a = mip6tls_outbox_push_ref(ob, MIP6TLS_ACT_DELIVER, p.payload, p.len);
            a->conn = h.spi;
            a->local = *local;
            a->remote = *remote;
        }
    }
    if (rc != 0) {
        /* Authentic but unusable: the replay window must not keep it either, so the MN is
         * exactly as before. */
        slot->esp.replay = replay_before;
        return mn_drop(mn, ob, h.spi, rc);
    }
    return 0;
}

/* ---- send ---------------------------------------------------------------------------- */

int mip6tls_mn_send(mip6tls_mn *mn, uint64_t now_ms, const uint8_t *pkt, size_t len,
                    mip6tls_outbox *ob)
{
    mip6tls_mn_slot *slot = &mn->active;
    mip6tls_outbox_mark_t mark;
    mip6tls_ip_info ip;
    mip6tls_action *a;
    uint8_t *out;
    size_t need;
    int rc, plain;

    if (!slot->used || !mn->have_coa || mn->at_home || !mn_binding_valid(mn, now_ms) ||
        now_ms >= mn->expire_at)
        return mn_drop(mn, ob, slot->used ? slot->sa.keys.spi : 0, MIP6TLS_ERR_STATE);
    rc = mip6tls_ip_parse(pkt, len, &ip);
    if (rc != 0)
        return mn_drop(mn, ob, slot->sa.keys.spi, rc);
    /* Only the MN's own traffic goes into the tunnel (RFC 6618 §6.4: inner source = HoA). */
    if (!mip6tls_addr_eq(&ip.src, ip.version == 6 ? &slot->sa.hoa6 : &slot->sa.hoa4))
        return mn_drop(mn, ob, slot->sa.keys.spi, MIP6TLS_ERR_POLICY);

    plain = slot->sa.scope == MIP6TLS_SAS_SIGNALING && mn->cfg.plain_when_allowed;
    need = plain ? MIP6TLS_ENCAP_HDR_LEN + len : mip6tls_esp_sealed_len(&slot->esp, len);
    if (len > 0xFFFF || !mip6tls_outbox_room(ob, 2, need))
        return MIP6TLS_ERR_NOBUF;
    mark = mip6tls_outbox_mark(ob);
    a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, need, &out);
    if (plain)
        rc = mip6tls_encap_plain(pkt, len, out, need); /* §6.4 Figure 9 */
    else
        rc = mip6tls_esp_seal(&slot->esp, MIP6TLS_PTYPE_DATA,
                              ip.version == 6 ? MIP6TLS_IPPROTO_IPV6 : MIP6TLS_IPPROTO_IPIP, pkt,
                              len, out, need);
    if (rc < 0) {
        mip6tls_outbox_rewind(ob, mark);
        return mn_drop(mn, ob, slot->sa.keys.spi, rc);
    }
    a->local = mn->coa;
    a->remote = mn->ha;
    a->conn = slot->sa.keys.spi;
    if (mn->keepalive_at != MIP6TLS_NO_DEADLINE)
        mn->keepalive_at = now_ms + mn->cfg.keepalive_ms; /* traffic keeps the NAT awake */
    if (!plain && mip6tls_esp_seq_left(&slot->esp) < mn->cfg.seq_renew_margin)
        mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_SEQUENCE);
    return 0;
}

/* ---- bootstrap TCP --------------------------------------------------------------------- */

static int mn_boot_room(const mip6tls_outbox *ob)
{
    return mip6tls_outbox_room(ob, MIP6TLS_MN_OUTBOX_ACTS / 2, MIP6TLS_MN_OUTBOX_MIN);
}

/* After a bootstrap call: a finished bootstrap hands its SA to the MN. */
static void mn_boot_collect(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob)
{
    const mip6tls_sa *sa = mip6tls_boot_sa(&mn->boot);
    int rc;
    if (sa == NULL)
        return;
    rc = mip6tls_mn_install_sa(mn, now_ms, sa, ob);
    mip6tls_boot_release(&mn->boot);
    if (rc != 0)
        mn_event(mn, ob, MIP6TLS_MN_EV_DROP, 0, (uint64_t)(int64_t)rc);
}

int mip6tls_mn_tcp_connected(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob)
{
    int64_t wall = (int64_t)now_ms + mn->cfg.unix_offset_ms;
    if (mn->cfg.boot == NULL)
        return 0;
    if (!mn_boot_room(ob))
        return MIP6TLS_ERR_NOBUF;
    return mip6tls_boot_tcp_connected(&mn->boot, now_ms, conn,
                                      wall < 0 ? 0 : (uint64_t)wall / 1000u, ob);
}

int mip6tls_mn_tcp_recv(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                        size_t len, mip6tls_outbox *ob)
{
    int rc;
    if (mn->cfg.boot == NULL)
        return 0;
    if (!mn_boot_room(ob))
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_boot_tcp_recv(&mn->boot, now_ms, conn, data, len, ob);
    if (rc == 0)
        mn_boot_collect(mn, now_ms, ob);
    return rc;
}

int mip6tls_mn_tcp_closed(mip6tls_mn *mn, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob)
{
    if (mn->cfg.boot == NULL)
        return 0;
    if (!mn_boot_room(ob))
        return MIP6TLS_ERR_NOBUF;
    return mip6tls_boot_tcp_closed(&mn->boot, now_ms, conn, ob);
}

/* ---- timers -------------------------------------------------------------------------- */

static uint64_t mn_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t mip6tls_mn_next_deadline(const mip6tls_mn *mn)
{
    uint64_t t = MIP6TLS_NO_DEADLINE;
    if (mn->bu_outstanding)
        t = mn_min(t, mn->bu_deadline);
    if (mn->state == MIP6TLS_MN_BOUND && !mn->bu_outstanding)
        t = mn_min(t, mn->refresh_at);
    if (mn->binding_end != 0)
        t = mn_min(t, mn->binding_end);
    if (mn->renew_reason == MIP6TLS_MN_RENEW_NONE && !mn->pending.used)
        t = mn_min(t, mn->renew_at); /* a pending SA is the renewal already under way */
    t = mn_min(t, mn->expire_at);
    if (mn->retiring.used)
        t = mn_min(t, mn->retiring.retire_at);
    if (mn->have_coa && !mn->at_home && (mn->coa.addr.family == MIP6TLS_AF_INET || mn->nat))
        t = mn_min(t, mn->keepalive_at);
    if (mn->cfg.boot != NULL)
        t = mn_min(t, mip6tls_boot_next_deadline(&mn->boot));
    return t;
}

/* Handles the most urgent due timer; every branch moves its timer past now_ms. */
static int mn_tick_one(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob)
{
    int rc;
    if (mn->cfg.boot != NULL && mip6tls_boot_next_deadline(&mn->boot) <= now_ms)
        return mip6tls_boot_tick(&mn->boot, now_ms, mn->have_coa ? &mn->coa.addr : NULL, ob);
    if (mn->retiring.used && mn->retiring.retire_at <= now_ms) {
        uint32_t spi = mn->retiring.sa.keys.spi;
        mn_slot_clear(&mn->retiring);
        mn_event(mn, ob, MIP6TLS_MN_EV_SA_RETIRED, spi, 0);
    }
    if (mn->active.used && mn->expire_at <= now_ms) {
        /* RFC 6618 §4.3: the MN MUST re-contact the HAC before the validity time ends; it did
         * not manage to, so the SA goes and so does everything under it. */
        uint32_t spi = mn->active.sa.keys.spi;
        mn_slot_clear(&mn->active);
        mn->binding_end = 0;
        mn->bu_outstanding = 0;
        mn->refresh_at = mn->bu_deadline = MIP6TLS_NO_DEADLINE;
        mn_schedule_sa(mn);
        mn_event(mn, ob, MIP6TLS_MN_EV_SA_EXPIRED, spi, 0);
        if (mn->pending.used) {
            mn->active = mn->pending;
            mn->pending.used = 0;
            mn_schedule_sa(mn);
            return mn_register(mn, now_ms, ob);
        }
        mn->renew_reason = MIP6TLS_MN_RENEW_NONE;
        mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_INITIAL);
        mn_set_state(mn, ob, MIP6TLS_MN_WAIT_SA);
        return 0;
    }
    /* Not while a new SA is pending: renew_at is still the old SA's until it activates. */
    if (mn->renew_reason == MIP6TLS_MN_RENEW_NONE && !mn->pending.used && mn->renew_at <= now_ms)
        mn_need_sa(mn, now_ms, ob, MIP6TLS_MN_RENEW_VALIDITY);
    if (mn->binding_end != 0 && mn->binding_end <= now_ms) {
        mn->binding_end = 0;
        mn_event(mn, ob, MIP6TLS_MN_EV_BINDING_EXPIRED, mn->active.sa.keys.spi, 0);
        if (!mn->bu_outstanding && mn->state == MIP6TLS_MN_BOUND)
            return mn_register(mn, now_ms, ob);
    }
    if (mn->bu_outstanding && mn->bu_deadline <= now_ms) {
        /* RFC 6275 §11.8: double the timeout up to MAX_BINDACK_TIMEOUT, then keep going. */
        mn->bu_timeout_ms *= 2;
        if (mn->bu_timeout_ms > MIP6TLS_MAX_BINDACK_TIMEOUT_MS)
            mn->bu_timeout_ms = MIP6TLS_MAX_BINDACK_TIMEOUT_MS;
        mn->bu_rtx++;
        if (mn->state == MIP6TLS_MN_REJECTED)
            mn_set_state(mn, ob, mn->at_home ? MIP6TLS_MN_WAIT_DEREG_BA : MIP6TLS_MN_WAIT_BA);
        rc = mn_send_bu(mn, now_ms, ob, mn->at_home ? 0 : mn_lifetime_units(mn, now_ms), 1);
        if (rc == MIP6TLS_ERR_ARG) {
            /* cannot happen with a CoA the SA reaches; stop rather than spin */
            mn->bu_outstanding = 0;
            mn->bu_deadline = MIP6TLS_NO_DEADLINE;
            mn_set_state(mn, ob, MIP6TLS_MN_WAIT_COA);
            return 0;
        }
        return rc;
    }
    if (mn->state == MIP6TLS_MN_BOUND && !mn->bu_outstanding && mn->refresh_at <= now_ms) {
        mn->refresh_at = MIP6TLS_NO_DEADLINE;
        return mn_register(mn, now_ms, ob);
    }
    if (mn->have_coa && !mn->at_home && (mn->coa.addr.family == MIP6TLS_AF_INET || mn->nat) &&
        mn->keepalive_at <= now_ms) {
        /* A one-octet 0xFF datagram, the RFC 3948 §2.3 NAT-keepalive: it can never parse as
         * an RFC 6618 packet (8-octet header), and the HA discards it. Only once a BU has
         * named the HA: before that (a bootstrap slower than the period) there is no NAT
         * mapping towards it to keep. */
        if (mn->ha.addr.family != MIP6TLS_AF_NONE) {
            uint8_t *out;
            mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SEND_DGRAM, 1, &out);
            out[0] = 0xFF;
            a->local = mn->coa;
            a->remote = mn->ha;
        }
        mn->keepalive_at = now_ms + mn->cfg.keepalive_ms;
    }
    return 0;
}

int mip6tls_mn_tick(mip6tls_mn *mn, uint64_t now_ms, mip6tls_outbox *ob)
{
    int rounds = 0, rc;
    if (mip6tls_mn_next_deadline(mn) > now_ms)
        return 0;
    if (!mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX + 16))
        return MIP6TLS_ERR_NOBUF;
    /* Several timers can be due at once (after a long sleep, say): handle them in turn while
     * the outbox has room. Each round moves one timer past now_ms, and there are seven. */
    do {
        rc = mn_tick_one(mn, now_ms, ob);
        if (rc != 0)
            return rc;
    } while (++rounds < 16 && mip6tls_mn_next_deadline(mn) <= now_ms &&
             mip6tls_outbox_room(ob, MN_MAX_ACTS, MN_DGRAM_MAX + 16));
    return 0;
}

/* ---- queries ------------------------------------------------------------------------- */

mip6tls_mn_renew_reason mip6tls_mn_needs_sa(const mip6tls_mn *mn)
{
    return (mip6tls_mn_renew_reason)mn->renew_reason;
}

const mip6tls_sa *mip6tls_mn_active_sa(const mip6tls_mn *mn)
{
    return mn->active.used ? &mn->active.sa : NULL;
}

const mip6tls_sa *mip6tls_mn_pending_sa(const mip6tls_mn *mn)
{
    return mn->pending.used ? &mn->pending.sa : NULL;
}

void mip6tls_mn_get_status(const mip6tls_mn *mn, mip6tls_mn_status *st)
{
    memset(st, 0, sizeof *st);
    st->state = mn->state;
    if (mn->have_coa)
        st->coa = mn->coa;
    st->ha = mn->ha;
    st->nat = mn->nat;
    st->binding_end = mn->binding_end;
    st->refresh_at = mn->refresh_at;
}

const mip6tls_boot *mip6tls_mn_boot(const mip6tls_mn *mn)
{
    return mn->cfg.boot != NULL ? &mn->boot : NULL;
}

const char *mip6tls_mn_state_name(int state)
{
    switch (state) {
    case MIP6TLS_MN_WAIT_SA: return "wait-sa";
    case MIP6TLS_MN_WAIT_COA: return "wait-coa";
    case MIP6TLS_MN_WAIT_BA: return "wait-ba";
    case MIP6TLS_MN_BOUND: return "bound";
    case MIP6TLS_MN_WAIT_DEREG_BA: return "wait-dereg-ba";
    case MIP6TLS_MN_AT_HOME: return "at-home";
    case MIP6TLS_MN_WAIT_NEW_SA: return "wait-new-sa";
    case MIP6TLS_MN_REJECTED: return "rejected";
    }
    return "unknown";
}
