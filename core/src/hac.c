/*
 * hac.c: the Home Agent Controller role (see hac.h).
 *
 * Timers (one deadline, the earliest of):
 *   session deadline   a session not finished session_timeout_ms after accept is closed
 *   sweep_at           once a second while SAs are held: look at the next slice of the SA
 *                      table and forget those past their validity end (RFC 6618 §5.6.3)
 */
#include "mip6tls/hac.h"

#include <string.h>

/* What a session slot waits for. */
enum {
    HAC_S_FREE = 0,     /* nothing: the slot is free */
    HAC_S_WAIT_TLS,     /* the TLS handshake */
    HAC_S_WAIT_REQUEST, /* the next request (the engine knows which) */
};

#define HAC_SWEEP_SLICE 4096 /* SA slots looked at per sweep */
#define HAC_SWEEP_MS 1000

/* ---- credentials ---------------------------------------------------------------------- */

int mip6tls_hac_cred_cmp(const mip6tls_hac_cred *a, const mip6tls_hac_cred *b)
{
    size_t n = a->nai_len < b->nai_len ? a->nai_len : b->nai_len;
    int c = memcmp(a->nai, b->nai, n);
    if (c != 0)
        return c;
    return a->nai_len < b->nai_len ? -1 : a->nai_len > b->nai_len ? 1 : 0;
}

static const mip6tls_hac_cred *hac_find_cred(const mip6tls_hac *hac, const char *nai, size_t len)
{
    mip6tls_hac_cred key;
    size_t lo = 0, hi = hac->cfg.n_creds;
    key.nai = nai;
    key.nai_len = len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = mip6tls_hac_cred_cmp(&key, &hac->cfg.creds[mid]);
        if (c == 0)
            return &hac->cfg.creds[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- SA table: open addressing on the SPI, linear probing, backward-shift deletion ------ */

static size_t hac_slot_of(const mip6tls_hac *hac, uint32_t spi)
{
    /* SPIs are random, but a multiplicative hash keeps sequential ones apart too. */
    return (size_t)((spi * 2654435761u) & (uint32_t)(hac->st.n_index - 1));
}

static mip6tls_sa *hac_lookup(const mip6tls_hac *hac, uint32_t spi, size_t *index_pos)
{
    size_t i = hac_slot_of(hac, spi), probes;
    for (probes = 0; probes < hac->st.n_index; probes++) {
        uint32_t v = hac->st.spi_index[i];
        if (v == 0)
            return NULL;
        if (hac->st.sas[v - 1].keys.spi == spi) {
            if (index_pos != NULL)
                *index_pos = i;
            return &hac->st.sas[v - 1];
        }
        i = (i + 1) & (hac->st.n_index - 1);
    }
    return NULL;
}

static int hac_insert(mip6tls_hac *hac, const mip6tls_sa *sa)
{
    size_t slot, i;
    if (hac_lookup(hac, sa->keys.spi, NULL) != NULL)
        return MIP6TLS_ERR_EXISTS;
    if (hac->n_live >= hac->st.n_sas)
        return MIP6TLS_ERR_FULL;
    /* From the hint on: with slots filled in order and freed by the sweep, the next free slot
     * is almost always right there. */
    for (slot = 0; slot < hac->st.n_sas; slot++)
        if (hac->st.sas[(hac->free_hint + slot) % hac->st.n_sas].keys.spi == 0)
            break;
    slot = (hac->free_hint + slot) % hac->st.n_sas;
    hac->free_hint = (slot + 1) % hac->st.n_sas;
    hac->st.sas[slot] = *sa;
    i = hac_slot_of(hac, sa->keys.spi);
    while (hac->st.spi_index[i] != 0)
        i = (i + 1) & (hac->st.n_index - 1);
    hac->st.spi_index[i] = (uint32_t)(slot + 1);
    hac->n_live++;
    return 0;
}

static void hac_remove(mip6tls_hac *hac, uint32_t spi)
{
    size_t pos, i, j, mask = hac->st.n_index - 1;
    mip6tls_sa *sa = hac_lookup(hac, spi, &pos);
    if (sa == NULL)
        return;
    hac->free_hint = (size_t)(sa - hac->st.sas);
    memset(sa, 0, sizeof *sa); /* keys included */
    hac->n_live--;
    /* Backward-shift deletion keeps every probe sequence unbroken without tombstones. */
    i = pos;
    j = pos;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (hac->st.spi_index[j] == 0)
            break;
        home = hac_slot_of(hac, hac->st.sas[hac->st.spi_index[j] - 1].keys.spi);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        hac->st.spi_index[i] = hac->st.spi_index[j];
        i = j;
    }
    hac->st.spi_index[i] = 0;
}

/* ---- outbox helpers ------------------------------------------------------------------- */

static int hac_room(const mip6tls_outbox *ob)
{
    return mip6tls_outbox_room(ob, 12, MIP6TLS_HAC_OUTBOX_MIN);
}

static void hac_event(mip6tls_outbox *ob, mip6tls_hac_event ev, uint32_t conn,
                      const mip6tls_endpoint *peer, uint64_t arg)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, 0, NULL);
    if (a == NULL)
        return;
    a->event = (uint16_t)ev;
    a->conn = conn;
    a->arg = arg;
    if (peer != NULL)
        a->remote = *peer;
}

static void hac_emit_sa(mip6tls_outbox *ob, mip6tls_action_type type, const mip6tls_sa *sa,
                        uint64_t arg)
{
    uint8_t *out;
    mip6tls_action *a = mip6tls_outbox_push(ob, type, MIP6TLS_SA_ENCODED_MAX, &out);
    int n;
    if (a == NULL)
        return;
    n = mip6tls_sa_encode(sa, out, MIP6TLS_SA_ENCODED_MAX);
    mip6tls_outbox_trim_last(ob, n > 0 ? (size_t)n : 0);
    a->conn = sa->keys.spi;
    a->arg = arg;
}

static void hac_forget(mip6tls_hac *hac, uint32_t spi, mip6tls_outbox *ob)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SA_FORGET, 0, NULL);
    if (a != NULL)
        a->conn = spi;
    hac_remove(hac, spi);
}

/* ---- set-up ---------------------------------------------------------------------------- */

int mip6tls_hac_init(mip6tls_hac *hac, uint64_t now_ms, const mip6tls_hac_config *cfg,
                     mip6tls_drbg *drbg, const mip6tls_hac_storage *st)
{
    size_t i;
    if (hac == NULL || cfg == NULL || drbg == NULL || st == NULL || cfg->tls == NULL ||
        cfg->hacp == NULL || st->sessions == NULL || st->n_sessions == 0 || st->iobufs == NULL ||
        st->sas == NULL || st->n_sas == 0 || st->spi_index == NULL ||
        st->n_index < 2 * st->n_sas || (st->n_index & (st->n_index - 1)) != 0 ||
        st->n_sas > 0xFFFFFFFEu)
        return MIP6TLS_ERR_ARG;
    for (i = 1; i < cfg->n_creds; i++)
        if (mip6tls_hac_cred_cmp(&cfg->creds[i - 1], &cfg->creds[i]) >= 0)
            return MIP6TLS_ERR_ARG; /* unsorted or duplicate NAI */
    memset(hac, 0, sizeof *hac);
    hac->cfg = *cfg;
    if (hac->cfg.sa_lifetime_s == 0)
        hac->cfg.sa_lifetime_s = 86400;
    if (hac->cfg.session_timeout_ms == 0)
        hac->cfg.session_timeout_ms = 30000;
    hac->drbg = drbg;
    hac->st = *st;
    memset(st->sessions, 0, st->n_sessions * sizeof *st->sessions);
    memset(st->sas, 0, st->n_sas * sizeof *st->sas);
    memset(st->spi_index, 0, st->n_index * sizeof *st->spi_index);
    for (i = 0; i < st->n_sessions; i++)
        st->sessions[i].iobuf = st->iobufs + i * MIP6TLS_TLS_BUFSIZE;
    hac->sweep_at = MIP6TLS_NO_DEADLINE;
    (void)now_ms;
    return 0;
}

static uint64_t hac_unix_s(const mip6tls_hac *hac, uint64_t now_ms)
{
    int64_t t = (int64_t)now_ms + hac->cfg.unix_offset_ms;
    return t < 0 ? 0 : (uint64_t)t / 1000u;
}

int mip6tls_hac_restore_sa(mip6tls_hac *hac, uint64_t now_ms, const uint8_t *rec, size_t len,
                           mip6tls_outbox *ob)
{
    mip6tls_sa sa;
    int rc = mip6tls_sa_decode(&sa, rec, len);
    if (rc != 0)
        return rc;
    if (!hac_room(ob))
        return MIP6TLS_ERR_NOBUF;
    if (sa.validity_end <= hac_unix_s(hac, now_ms)) {
        mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SA_FORGET, 0, NULL);
        a->conn = sa.keys.spi;
        return 0;
    }
    rc = hac_insert(hac, &sa);
    if (rc != 0)
        return rc;
    /* arg 1: restored, the HA's counters for it are gone (decisions/0015) */
    hac_emit_sa(ob, MIP6TLS_ACT_SA_INSTALL, &sa, 1);
    hac_event(ob, MIP6TLS_HAC_EV_SA_RESTORED, sa.keys.spi, NULL, 0);
    if (hac->sweep_at == MIP6TLS_NO_DEADLINE)
        hac->sweep_at = now_ms + HAC_SWEEP_MS;
    memset(&sa, 0, sizeof sa);
    return 0;
}

/* ---- sessions -------------------------------------------------------------------------- */

static mip6tls_hac_session *hac_session(mip6tls_hac *hac, uint32_t conn)
{
    size_t i;
    for (i = 0; i < hac->st.n_sessions; i++)
        if (hac->st.sessions[i].state != HAC_S_FREE && hac->st.sessions[i].conn == conn)
            return &hac->st.sessions[i];
    return NULL;
}

static void hac_flush_ct(mip6tls_hac_session *s, mip6tls_outbox *ob)
{
    mip6tls_tls_send_to_outbox(&s->tls, s->conn, &s->peer, ob);
}

/* Ends a session: what TLS still has to say, then TCP_CLOSE; the slot is free again. */
static void hac_end(mip6tls_hac_session *s, int reason, mip6tls_outbox *ob)
{
    mip6tls_action *a;
    if (mip6tls_tls_get_state(&s->tls) == MIP6TLS_TLS_OPEN)
        mip6tls_tls_close(&s->tls); /* close_notify */
    hac_flush_ct(s, ob);
    a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CLOSE, 0, NULL);
    if (a != NULL) {
        a->conn = s->conn;
        a->remote = s->peer;
    }
    hac_event(ob, MIP6TLS_HAC_EV_SESSION_CLOSED, s->conn, &s->peer, (uint64_t)(int64_t)reason);
    mip6tls_hacp_server_wipe(&s->hacp);
    memset(&s->tls, 0, sizeof s->tls);
    s->state = HAC_S_FREE;
    s->rx_len = 0;
}

static int hac_write(mip6tls_hac_session *s, const uint8_t *msg, size_t len, mip6tls_outbox *ob)
{
    return mip6tls_tls_write_all(&s->tls, msg, len, s->conn, &s->peer, ob);
}

/* Fills an SA for the MN the session authenticated (RFC 6618 §4.3, §5.6, §5.7). */
static int hac_make_sa(mip6tls_hac *hac, uint64_t now_ms, mip6tls_hac_session *s,
                       const mip6tls_hac_cred *cred, mip6tls_sa *sa)
{
    const mip6tls_suite_info *suite =
        mip6tls_suite_find(mip6tls_hacp_server_selected_suite(&s->hacp));
    const char *nai;
    size_t nai_len, tries;
    if (suite == NULL || cred == NULL)
        return MIP6TLS_ERR_SUITE;
    memset(sa, 0, sizeof *sa);
    /* §4.3: "The HAC MUST ensure uniqueness of the SPI values across all MNs". Random SPIs
     * also keep an MN from guessing another's. */
    for (tries = 0; tries < 64; tries++) {
        sa->keys.spi = mip6tls_drbg_range(hac->drbg, 1, 0x0FFFFFFFu);
        if (hac_lookup(hac, sa->keys.spi, NULL) == NULL)
            break;
    }
    if (tries == 64)
        return MIP6TLS_ERR_FULL;
    sa->keys.suite = suite->code;
    sa->keys.ekey_len = suite->ekey_len;
    sa->keys.ikey_len = suite->ikey_len;
    /* §5.6.2: the keys are the HAC's to generate; from the DRBG, one per direction. One
     * draw for all four: each HMAC_DRBG call costs about as much as a resumed handshake's
     * record layer (tests/bench/bench_hac). */
    uint8_t km[2 * sizeof sa->keys.mn_to_ha_ekey + 2 * sizeof sa->keys.mn_to_ha_ikey];
    size_t ek = suite->ekey_len, ik = suite->ikey_len;
    mip6tls_drbg_generate(hac->drbg, km, 2 * ek + 2 * ik);
    memcpy(sa->keys.mn_to_ha_ekey, km, ek);
    memcpy(sa->keys.ha_to_mn_ekey, km + ek, ek);
    memcpy(sa->keys.mn_to_ha_ikey, km + 2 * ek, ik);
    memcpy(sa->keys.ha_to_mn_ikey, km + 2 * ek + ik, ik);
    for (volatile uint8_t *w = km; w < km + sizeof km; w++) /* a wipe the compiler keeps */
        *w = 0;
    sa->validity_end = hac_unix_s(hac, now_ms) + hac->cfg.sa_lifetime_s;
    sa->scope = (uint8_t)mip6tls_hacp_server_selected_scope(&s->hacp);
    sa->ha6 = hac->cfg.ha6;
    sa->ha4 = hac->cfg.ha4;
    sa->port = hac->cfg.port;
    sa->hoa6 = cred->hoa6;
    sa->hoa4 = cred->hoa4;
    sa->hnp6 = hac->cfg.hnp6;
    sa->hnp6_len = hac->cfg.hnp6_len;
    sa->hnp4 = hac->cfg.hnp4;
    sa->hnp4_len = hac->cfg.hnp4_len;
    memcpy(sa->dns6, hac->cfg.dns6, sizeof sa->dns6);
    memcpy(sa->dns4, hac->cfg.dns4, sizeof sa->dns4);
    sa->n_dns6 = hac->cfg.n_dns6;
    sa->n_dns4 = hac->cfg.n_dns4;
    nai = mip6tls_hacp_server_peer_id(&s->hacp, &nai_len);
    if (nai == NULL || nai_len > MIP6TLS_SA_NAI_MAX)
        return MIP6TLS_ERR_ARG;
    memcpy(sa->mn_id, nai, nai_len);
    sa->mn_id_len = (uint8_t)nai_len;
    return mip6tls_sa_check(sa);
}

/* Runs the engine on every complete request in the session's buffer. Returns 1 when the
 * session ended. */
static int hac_serve(mip6tls_hac *hac, uint64_t now_ms, mip6tls_hac_session *s,
                     mip6tls_outbox *ob)
{
    uint8_t resp[MIP6TLS_HACP_MSG_MAX];
    size_t resp_len = 0, nai_len = 0;
    const uint8_t *p;
    size_t n;

    while ((p = mip6tls_tls_read_app(&s->tls, &n)) != NULL && n > 0) {
        if (n > sizeof s->rx - s->rx_len) {
            hac_end(s, MIP6TLS_ERR_LENGTH, ob); /* lockstep: a second request is not allowed */
            return 1;
        }
        memcpy(s->rx + s->rx_len, p, n);
        s->rx_len += n;
        mip6tls_tls_read_app_done(&s->tls, n);
    }
    for (;;) {
        const mip6tls_hac_cred *cred = NULL;
        const char *nai;
        int need = mip6tls_ctr_frame_need(s->rx, s->rx_len);
        int rc;
        if (need == MIP6TLS_ERR_TRUNCATED || (need > 0 && (size_t)need > s->rx_len)) {
            if (need > (int)sizeof s->rx) {
                hac_end(s, MIP6TLS_ERR_LENGTH, ob);
                return 1;
            }
            return 0;
        }
        if (need < 0)
            need = (int)s->rx_len; /* let the engine answer 400 to what it can (decisions/0001) */
        rc = mip6tls_hacp_server_input(&s->hacp, now_ms, s->rx, (size_t)need, resp, sizeof resp,
                                       &resp_len);
        memmove(s->rx, s->rx + need, s->rx_len - (size_t)need);
        s->rx_len -= (size_t)need;

        if (rc == MIP6TLS_HACP_NEED_KEY) {
            mip6tls_hacp_key_kind kind = mip6tls_hacp_server_key_kind(&s->hacp);
            nai = mip6tls_hacp_server_peer_id(&s->hacp, &nai_len);
            cred = nai ? hac_find_cred(hac, nai, nai_len) : NULL;
            if (cred != NULL && kind == MIP6TLS_HACP_KEY_PSK && cred->psk != NULL)
                rc = mip6tls_hacp_server_set_key(&s->hacp, now_ms, cred->psk, cred->psk_len,
                                                 resp, sizeof resp, &resp_len);
            else if (cred != NULL && kind != MIP6TLS_HACP_KEY_PSK && cred->eap_key != NULL)
                rc = mip6tls_hacp_server_set_key(&s->hacp, now_ms, cred->eap_key,
                                                 cred->eap_key_len, resp, sizeof resp,
                                                 &resp_len);
            else
                rc = mip6tls_hacp_server_reject_unknown(&s->hacp, now_ms, resp, sizeof resp,
                                                        &resp_len);
        }
        if (rc == MIP6TLS_HACP_NEED_SA) {
            mip6tls_sa sa;
            int mk;
            nai = mip6tls_hacp_server_peer_id(&s->hacp, &nai_len);
            cred = nai ? hac_find_cred(hac, nai, nai_len) : NULL;
            mk = hac->n_live >= hac->st.n_sas ? MIP6TLS_ERR_FULL
                                              : hac_make_sa(hac, now_ms, s, cred, &sa);
            /* Into the table first: a response with status 200 must never go out for an SA
             * the HAC could not keep. */
            if (mk == 0)
                mk = hac_insert(hac, &sa);
            if (mk == 0) {
                rc = mip6tls_hacp_server_set_sa(&s->hacp, now_ms, &sa, resp, sizeof resp,
                                                &resp_len);
                if (rc != MIP6TLS_HACP_RESPOND_AND_CLOSE) {
                    hac_remove(hac, sa.keys.spi);
                    mk = rc < 0 ? rc : MIP6TLS_ERR_INTERNAL;
                }
            }
            if (mk == 0) {
                /* The HA learns the SA before the MN does, so its first BU finds it. */
                hac_emit_sa(ob, MIP6TLS_ACT_SA_INSTALL, &sa, 0);
                hac_emit_sa(ob, MIP6TLS_ACT_SA_PERSIST, &sa, 0);
                hac_event(ob, MIP6TLS_HAC_EV_SA_PROVISIONED, sa.keys.spi, &s->peer, 0);
                if (hac->sweep_at == MIP6TLS_NO_DEADLINE)
                    hac->sweep_at = now_ms + HAC_SWEEP_MS;
            } else {
                /* §5.5.4: 503, the HAC cannot provision now (no SPI, no table room). */
                rc = mip6tls_hacp_server_refuse(&s->hacp, now_ms, MIP6TLS_CTR_ST_UNAVAILABLE, 0,
                                                resp, sizeof resp, &resp_len);
            }
            memset(&sa, 0, sizeof sa);
        }

        if (rc == MIP6TLS_HACP_RESPOND) {
            rc = hac_write(s, resp, resp_len, ob);
            if (rc != 0) {
                hac_end(s, rc, ob);
                return 1;
            }
            continue;
        }
        if (rc == MIP6TLS_HACP_RESPOND_AND_CLOSE) {
            unsigned status = mip6tls_hacp_server_status(&s->hacp);
            if (status != MIP6TLS_CTR_ST_OK)
                hac_event(ob, MIP6TLS_HAC_EV_AUTH_FAILED, s->conn, &s->peer, status);
            hac_write(s, resp, resp_len, ob);
            hac_end(s, 0, ob); /* §5.3: the HAC closes after the last response */
            return 1;
        }
        /* An error without a response: close without answering (decisions/0001). */
        hac_event(ob, MIP6TLS_HAC_EV_AUTH_FAILED, s->conn, &s->peer, (uint64_t)(int64_t)rc);
        hac_end(s, rc, ob);
        return 1;
    }
}

int mip6tls_hac_tcp_accept(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn,
                           const mip6tls_endpoint *peer, mip6tls_outbox *ob)
{
    mip6tls_hac_session *s = NULL;
    size_t i;
    int rc;
    if (peer == NULL || hac_session(hac, conn) != NULL)
        return MIP6TLS_ERR_ARG;
    if (!hac_room(ob))
        return MIP6TLS_ERR_NOBUF;
    for (i = 0; i < hac->st.n_sessions && s == NULL; i++)
        if (hac->st.sessions[i].state == HAC_S_FREE)
            s = &hac->st.sessions[i];
    if (s == NULL) {
        mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CLOSE, 0, NULL);
        a->conn = conn;
        a->remote = *peer;
        hac_event(ob, MIP6TLS_HAC_EV_SESSION_BUSY, conn, peer, 0);
        return 0;
    }
    rc = mip6tls_tls_server_init(&s->tls, hac->cfg.tls, hac->drbg, s->iobuf, MIP6TLS_TLS_BUFSIZE);
    s->conn = conn;
    s->peer = *peer;
    s->rx_len = 0;
    s->deadline = now_ms + hac->cfg.session_timeout_ms;
    s->state = HAC_S_WAIT_TLS;
    if (rc != 0) {
        hac_end(s, rc, ob);
        return 0;
    }
    hac_event(ob, MIP6TLS_HAC_EV_SESSION_OPEN, conn, peer, 0);
    return 0;
}

int mip6tls_hac_tcp_recv(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                         size_t len, mip6tls_outbox *ob)
{
    mip6tls_hac_session *s = hac_session(hac, conn);
    size_t off = 0;
    int guard = 0, was_open;
    if (s == NULL)
        return 0; /* a connection we already ended */
    if (!hac_room(ob))
        return MIP6TLS_ERR_NOBUF;
    while (off < len && guard++ < 64) {
        int n;
        was_open = mip6tls_tls_get_state(&s->tls) == MIP6TLS_TLS_OPEN;
        n = mip6tls_tls_recv_ct(&s->tls, data + off, len - off);
        if (n < 0)
            break;
        off += (size_t)n;
        hac_flush_ct(s, ob);
        if (mip6tls_tls_get_state(&s->tls) == MIP6TLS_TLS_OPEN) {
            if (!was_open && s->state == HAC_S_WAIT_TLS) {
                /* TLS is up: the exchange starts, bound to our certificate (§5.8). */
                mip6tls_tls_info info;
                uint8_t cb[MIP6TLS_CBIND_MAX];
                int cb_len = mip6tls_tls_channel_binding(&s->tls, cb, sizeof cb);
                int rc = cb_len > 0 ? mip6tls_hacp_server_init(&s->hacp, hac->cfg.hacp,
                                                               hac->drbg, cb, (size_t)cb_len)
                                    : MIP6TLS_ERR_INTERNAL;
                if (rc != 0) {
                    hac_end(s, rc, ob);
                    return 0;
                }
                if (mip6tls_tls_get_info(&s->tls, &info) == 0)
                    hac_event(ob, MIP6TLS_HAC_EV_TLS_UP, conn, &s->peer, info.resumed);
                s->state = HAC_S_WAIT_REQUEST;
            }
            if (hac_serve(hac, now_ms, s, ob))
                return 0;
        } else if (n == 0) {
            break;
        }
    }
    if (mip6tls_tls_get_state(&s->tls) == MIP6TLS_TLS_FAILED)
        hac_end(s, mip6tls_tls_error(&s->tls), ob);
    else if (mip6tls_tls_get_state(&s->tls) == MIP6TLS_TLS_CLOSED)
        hac_end(s, MIP6TLS_ERR_TRUNCATED, ob);
    return 0;
}

int mip6tls_hac_tcp_closed(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob)
{
    mip6tls_hac_session *s = hac_session(hac, conn);
    (void)now_ms;
    if (s == NULL)
        return 0;
    if (ob->acts_cap - ob->n < 4)
        return MIP6TLS_ERR_NOBUF;
    mip6tls_tls_recv_eof(&s->tls);
    hac_event(ob, MIP6TLS_HAC_EV_SESSION_CLOSED, conn, &s->peer,
              (uint64_t)(int64_t)MIP6TLS_ERR_TRUNCATED);
    mip6tls_hacp_server_wipe(&s->hacp);
    memset(&s->tls, 0, sizeof s->tls);
    s->state = HAC_S_FREE;
    s->rx_len = 0;
    return 0;
}

/* ---- timers and queries ------------------------------------------------------------------ */

uint64_t mip6tls_hac_next_deadline(const mip6tls_hac *hac)
{
    uint64_t t = hac->n_live > 0 ? hac->sweep_at : MIP6TLS_NO_DEADLINE;
    size_t i;
    /* Session slots are few (concurrent handshakes), so a scan is cheaper than a heap. */
    for (i = 0; i < hac->st.n_sessions; i++)
        if (hac->st.sessions[i].state != HAC_S_FREE && hac->st.sessions[i].deadline < t)
            t = hac->st.sessions[i].deadline;
    return t;
}

int mip6tls_hac_tick(mip6tls_hac *hac, uint64_t now_ms, mip6tls_outbox *ob)
{
    size_t i;
    if (mip6tls_hac_next_deadline(hac) > now_ms)
        return 0;
    if (!hac_room(ob))
        return MIP6TLS_ERR_NOBUF;
    for (i = 0; i < hac->st.n_sessions; i++) {
        mip6tls_hac_session *s = &hac->st.sessions[i];
        if (s->state != HAC_S_FREE && s->deadline <= now_ms && ob->acts_cap - ob->n >= 4)
            hac_end(s, MIP6TLS_ERR_TIMEOUT, ob);
    }
    if (hac->n_live > 0 && hac->sweep_at <= now_ms) {
        uint64_t unix_s = hac_unix_s(hac, now_ms);
        size_t k;
        for (k = 0; k < HAC_SWEEP_SLICE && k < hac->st.n_sas && ob->acts_cap - ob->n >= 2; k++) {
            mip6tls_sa *sa = &hac->st.sas[hac->sweep_cursor];
            hac->sweep_cursor = (hac->sweep_cursor + 1) % hac->st.n_sas;
            if (sa->keys.spi != 0 && sa->validity_end <= unix_s) {
                uint32_t spi = sa->keys.spi;
                hac_forget(hac, spi, ob);
                hac_event(ob, MIP6TLS_HAC_EV_SA_EXPIRED, spi, NULL, 0);
            }
        }
        hac->sweep_at = hac->n_live > 0 ? now_ms + HAC_SWEEP_MS : MIP6TLS_NO_DEADLINE;
    }
    return 0;
}

const mip6tls_sa *mip6tls_hac_find_sa(const mip6tls_hac *hac, uint32_t spi)
{
    return spi == 0 ? NULL : hac_lookup(hac, spi, NULL);
}

int mip6tls_hac_revoke(mip6tls_hac *hac, uint64_t now_ms, uint32_t spi, mip6tls_outbox *ob)
{
    (void)now_ms;
    if (mip6tls_hac_find_sa(hac, spi) == NULL)
        return MIP6TLS_ERR_NOTFOUND;
    if (ob->acts_cap - ob->n < 1)
        return MIP6TLS_ERR_NOBUF;
    hac_forget(hac, spi, ob);
    return 0;
}

size_t mip6tls_hac_sa_count(const mip6tls_hac *hac)
{
    return hac->n_live;
}

size_t mip6tls_hac_session_count(const mip6tls_hac *hac)
{
    size_t i, n = 0;
    for (i = 0; i < hac->st.n_sessions; i++)
        n += hac->st.sessions[i].state != HAC_S_FREE;
    return n;
}
