/*
 * boot.c: the MN's bootstrap with the HAC (see boot.h).
 *
 * Timers (one deadline):
 *   attempt timeout   an attempt that has not produced an SA after timeout_ms fails
 *   retry back-off    after a failure, retry_min_ms doubling to retry_max_ms, or the HAC's
 *                     retry-after (RFC 6618 §5.5.6) when it is later
 */
#include "mip6tls/boot.h"

#include <string.h>

static void boot_event(mip6tls_boot *b, mip6tls_outbox *ob, mip6tls_boot_event ev, uint32_t conn,
                       uint64_t arg)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, 0, NULL);
    if (a == NULL)
        return;
    a->event = (uint16_t)ev;
    a->conn = conn;
    a->arg = arg;
    a->remote = b->cfg->hac;
}

static int boot_room(const mip6tls_outbox *ob)
{
    return mip6tls_outbox_room(ob, 8, MIP6TLS_BOOT_OUTBOX_MIN);
}

/* Moves every TLS record waiting to go out into TCP_SEND actions. */
static void boot_flush_ct(mip6tls_boot *b, mip6tls_outbox *ob)
{
    mip6tls_tls_send_to_outbox(&b->tls, b->conn, &b->cfg->hac, ob);
}

static void boot_close_tcp(mip6tls_boot *b, mip6tls_outbox *ob)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CLOSE, 0, NULL);
    if (a != NULL) {
        a->conn = b->conn;
        a->remote = b->cfg->hac;
    }
}

/* Ends the attempt: `err` (negative) or the HAC's `status`; then the back-off. */
static void boot_fail(mip6tls_boot *b, uint64_t now_ms, int err, unsigned status,
                      mip6tls_outbox *ob)
{
    uint64_t wait = b->retry_ms;
    b->last_error = err;
    b->last_status = status;
    boot_flush_ct(b, ob); /* a final alert, if TLS has one */
    if (b->state != MIP6TLS_BOOT_IDLE)
        boot_close_tcp(b, ob);
    boot_event(b, ob, MIP6TLS_BOOT_EV_FAILED, b->conn,
               err != 0 ? (uint64_t)(int64_t)err : (uint64_t)status);
    if (b->hacp_started) {
        /* RFC 6618 §5.5.6: a retry-after (Unix seconds) pushes the next attempt back. */
        uint64_t ra = mip6tls_hacp_client_retry_after(&b->hacp);
        if (ra != 0 && b->have_wall) {
            int64_t at = (int64_t)(ra * 1000u) - b->wall_minus_now_ms;
            if (at > (int64_t)now_ms && (uint64_t)at - now_ms > wait)
                wait = (uint64_t)at - now_ms;
        }
        mip6tls_hacp_client_wipe(&b->hacp);
    }
    b->hacp_started = 0;
    b->rx_len = 0;
    b->state = MIP6TLS_BOOT_WAIT_RETRY;
    b->deadline = now_ms + wait;
    b->retry_ms = b->retry_ms * 2 > b->retry_max_ms ? b->retry_max_ms : b->retry_ms * 2;
}

int mip6tls_boot_init(mip6tls_boot *b, const mip6tls_boot_config *cfg, mip6tls_drbg *drbg)
{
    if (b == NULL || cfg == NULL || drbg == NULL || cfg->tls == NULL || cfg->hacp == NULL ||
        cfg->tls_buf == NULL || cfg->tls_buf_len < MIP6TLS_TLS_BUFSIZE_MIN ||
        (cfg->hac.addr.family != MIP6TLS_AF_INET6 && cfg->hac.addr.family != MIP6TLS_AF_INET) ||
        cfg->hac.port == 0)
        return MIP6TLS_ERR_ARG;
    memset(b, 0, sizeof *b);
    b->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
    b->retry_min_ms = cfg->retry_min_ms ? cfg->retry_min_ms : 1000;
    b->retry_max_ms = cfg->retry_max_ms ? cfg->retry_max_ms : 64000;
    if (b->retry_min_ms > b->retry_max_ms)
        return MIP6TLS_ERR_ARG;
    b->cfg = cfg;
    b->drbg = drbg;
    b->state = MIP6TLS_BOOT_IDLE;
    b->retry_ms = b->retry_min_ms;
    b->deadline = MIP6TLS_NO_DEADLINE;
    return 0;
}

int mip6tls_boot_start(mip6tls_boot *b, uint64_t now_ms, const mip6tls_addr *local,
                       mip6tls_outbox *ob)
{
    mip6tls_action *a;
    if (b->state != MIP6TLS_BOOT_IDLE && b->state != MIP6TLS_BOOT_WAIT_RETRY &&
        b->state != MIP6TLS_BOOT_DONE)
        return MIP6TLS_ERR_STATE;
    if (ob->acts_cap - ob->n < 2)
        return MIP6TLS_ERR_NOBUF;
    if (b->state == MIP6TLS_BOOT_DONE)
        mip6tls_boot_release(b);
    b->attempts++;
    b->conn = b->attempts; /* a fresh id per attempt: stale TCP events are ignored */
    a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CONNECT, 0, NULL);
    a->conn = b->conn;
    a->remote = b->cfg->hac;
    if (local != NULL)
        a->local.addr = *local;
    b->state = MIP6TLS_BOOT_WAIT_CONNECT;
    b->deadline = now_ms + b->timeout_ms;
    b->rx_len = 0;
    b->hacp_started = 0;
    boot_event(b, ob, MIP6TLS_BOOT_EV_STARTED, b->conn, b->attempts);
    return 0;
}

int mip6tls_boot_tcp_connected(mip6tls_boot *b, uint64_t now_ms, uint32_t conn,
                               uint64_t unix_time, mip6tls_outbox *ob)
{
    int rc;
    if (conn != b->conn || b->state != MIP6TLS_BOOT_WAIT_CONNECT)
        return 0;
    if (!boot_room(ob))
        return MIP6TLS_ERR_NOBUF;
    b->have_wall = 1;
    b->wall_minus_now_ms = (int64_t)(unix_time * 1000u) - (int64_t)now_ms;
    rc = mip6tls_tls_client_init(&b->tls, b->cfg->tls, b->drbg, unix_time, &b->cfg->peer,
                                 b->have_session && !b->cfg->no_resumption ? &b->session : NULL,
                                 b->cfg->tls_buf, b->cfg->tls_buf_len);
    if (rc != 0) {
        boot_fail(b, now_ms, rc, 0, ob);
        return 0;
    }
    b->state = MIP6TLS_BOOT_WAIT_TLS;
    boot_flush_ct(b, ob); /* ClientHello */
    return 0;
}

/* Writes all of msg[len] as application data (TLS may take it in parts). */
static int boot_write(mip6tls_boot *b, const uint8_t *msg, size_t len, mip6tls_outbox *ob)
{
    return mip6tls_tls_write_all(&b->tls, msg, len, b->conn, &b->cfg->hac, ob);
}

/* After TLS is up: the exchange of §5.8/§5.9, one complete response container at a time. */
static void boot_exchange(mip6tls_boot *b, uint64_t now_ms, mip6tls_outbox *ob)
{
    uint8_t out[MIP6TLS_HACP_MSG_MAX];
    size_t out_len = 0;
    const uint8_t *p;
    size_t n;
    int rc;

    if (!b->hacp_started) {
        uint8_t cb[MIP6TLS_CBIND_MAX];
        mip6tls_tls_info info;
        int cb_len = mip6tls_tls_channel_binding(&b->tls, cb, sizeof cb);
        if (cb_len <= 0) {
            boot_fail(b, now_ms, cb_len < 0 ? cb_len : MIP6TLS_ERR_INTERNAL, 0, ob);
            return;
        }
        if (mip6tls_tls_get_info(&b->tls, &info) == 0)
            boot_event(b, ob, MIP6TLS_BOOT_EV_TLS_UP, b->conn, info.resumed);
        if (mip6tls_tls_get_session(&b->tls, &b->session) == 0)
            b->have_session = 1;
        rc = mip6tls_hacp_client_init(&b->hacp, b->cfg->hacp, b->drbg, cb, (size_t)cb_len);
        if (rc == 0)
            rc = mip6tls_hacp_client_start(&b->hacp, out, sizeof out, &out_len);
        if (rc == 0)
            rc = boot_write(b, out, out_len, ob);
        if (rc != 0) {
            boot_fail(b, now_ms, rc, 0, ob);
            return;
        }
        b->hacp_started = 1;
        b->state = MIP6TLS_BOOT_WAIT_RESPONSE;
    }

    /* Gather plaintext; act on each complete container (RFC 6618 §5.1 framing). */
    while ((p = mip6tls_tls_read_app(&b->tls, &n)) != NULL && n > 0) {
        if (n > sizeof b->rx - b->rx_len) {
            boot_fail(b, now_ms, MIP6TLS_ERR_LENGTH, 0, ob); /* lockstep: never this much */
            return;
        }
        memcpy(b->rx + b->rx_len, p, n);
        b->rx_len += n;
        mip6tls_tls_read_app_done(&b->tls, n);
    }
    for (;;) {
        int need = mip6tls_ctr_frame_need(b->rx, b->rx_len);
        if (need == MIP6TLS_ERR_TRUNCATED || (need > 0 && (size_t)need > b->rx_len)) {
            if (need > (int)sizeof b->rx)
                boot_fail(b, now_ms, MIP6TLS_ERR_LENGTH, 0, ob);
            return; /* wait for more */
        }
        if (need < 0) {
            boot_fail(b, now_ms, need, 0, ob);
            return;
        }
        rc = mip6tls_hacp_client_input(&b->hacp, now_ms, b->rx, (size_t)need, out, sizeof out,
                                       &out_len);
        memmove(b->rx, b->rx + need, b->rx_len - (size_t)need);
        b->rx_len -= (size_t)need;
        if (rc == MIP6TLS_HACP_SEND) {
            rc = boot_write(b, out, out_len, ob);
            if (rc != 0) {
                boot_fail(b, now_ms, rc, 0, ob);
                return;
            }
            continue;
        }
        if (rc == MIP6TLS_HACP_DONE) {
            const mip6tls_sa *sa = mip6tls_hacp_client_sa(&b->hacp);
            /* §5.3: the exchange is complete; close TLS and the connection. */
            mip6tls_tls_close(&b->tls);
            boot_flush_ct(b, ob);
            boot_close_tcp(b, ob);
            b->state = MIP6TLS_BOOT_DONE;
            b->deadline = MIP6TLS_NO_DEADLINE;
            b->retry_ms = b->retry_min_ms;
            b->last_error = 0;
            b->last_status = mip6tls_hacp_client_status(&b->hacp);
            boot_event(b, ob, MIP6TLS_BOOT_EV_DONE, sa->keys.spi, b->attempts);
            return;
        }
        if (rc == MIP6TLS_HACP_FAILED) {
            boot_fail(b, now_ms, 0, mip6tls_hacp_client_status(&b->hacp), ob);
            return;
        }
        boot_fail(b, now_ms, rc, 0, ob);
        return;
    }
}

int mip6tls_boot_tcp_recv(mip6tls_boot *b, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                          size_t len, mip6tls_outbox *ob)
{
    size_t off = 0;
    int guard = 0;
    if (conn != b->conn ||
        (b->state != MIP6TLS_BOOT_WAIT_TLS && b->state != MIP6TLS_BOOT_WAIT_RESPONSE))
        return 0;
    if (!boot_room(ob))
        return MIP6TLS_ERR_NOBUF;
    while (off < len && guard++ < 64) {
        int n = mip6tls_tls_recv_ct(&b->tls, data + off, len - off);
        if (n < 0)
            break;
        off += (size_t)n;
        boot_flush_ct(b, ob);
        if (mip6tls_tls_get_state(&b->tls) == MIP6TLS_TLS_OPEN)
            boot_exchange(b, now_ms, ob);
        if (b->state != MIP6TLS_BOOT_WAIT_TLS && b->state != MIP6TLS_BOOT_WAIT_RESPONSE)
            return 0; /* done or failed: the rest of the stream does not matter */
        if (n == 0 && mip6tls_tls_get_state(&b->tls) != MIP6TLS_TLS_OPEN)
            break;
    }
    switch (mip6tls_tls_get_state(&b->tls)) {
    case MIP6TLS_TLS_FAILED:
        boot_fail(b, now_ms, mip6tls_tls_error(&b->tls), 0, ob);
        break;
    case MIP6TLS_TLS_CLOSED:
    case MIP6TLS_TLS_CLOSING:
        boot_fail(b, now_ms, MIP6TLS_ERR_TRUNCATED, 0, ob); /* closed before the SA came */
        break;
    default:
        break;
    }
    return 0;
}

int mip6tls_boot_tcp_closed(mip6tls_boot *b, uint64_t now_ms, uint32_t conn,
                            mip6tls_outbox *ob)
{
    if (conn != b->conn || b->state == MIP6TLS_BOOT_DONE || b->state == MIP6TLS_BOOT_IDLE ||
        b->state == MIP6TLS_BOOT_WAIT_RETRY)
        return 0;
    if (ob->acts_cap - ob->n < 4)
        return MIP6TLS_ERR_NOBUF;
    if (b->state != MIP6TLS_BOOT_WAIT_CONNECT)
        mip6tls_tls_recv_eof(&b->tls);
    boot_fail(b, now_ms, MIP6TLS_ERR_TRUNCATED, 0, ob);
    return 0;
}

uint64_t mip6tls_boot_next_deadline(const mip6tls_boot *b)
{
    if (b->state == MIP6TLS_BOOT_IDLE || b->state == MIP6TLS_BOOT_DONE)
        return MIP6TLS_NO_DEADLINE;
    return b->deadline;
}

int mip6tls_boot_tick(mip6tls_boot *b, uint64_t now_ms, const mip6tls_addr *local,
                      mip6tls_outbox *ob)
{
    if (mip6tls_boot_next_deadline(b) > now_ms)
        return 0;
    if (b->state == MIP6TLS_BOOT_WAIT_RETRY)
        return mip6tls_boot_start(b, now_ms, local, ob);
    if (ob->acts_cap - ob->n < 4)
        return MIP6TLS_ERR_NOBUF;
    boot_fail(b, now_ms, MIP6TLS_ERR_TIMEOUT, 0, ob);
    return 0;
}

const mip6tls_sa *mip6tls_boot_sa(const mip6tls_boot *b)
{
    return b->state == MIP6TLS_BOOT_DONE ? mip6tls_hacp_client_sa(&b->hacp) : NULL;
}

const mip6tls_tls *mip6tls_boot_tls(const mip6tls_boot *b)
{
    return &b->tls;
}

void mip6tls_boot_release(mip6tls_boot *b)
{
    if (b->state == MIP6TLS_BOOT_DONE)
        mip6tls_hacp_client_wipe(&b->hacp);
    b->state = MIP6TLS_BOOT_IDLE;
    b->deadline = MIP6TLS_NO_DEADLINE;
}

int mip6tls_boot_last_error(const mip6tls_boot *b)
{
    return b->last_error;
}

unsigned mip6tls_boot_last_status(const mip6tls_boot *b)
{
    return b->last_status;
}
