/*
 * saq.c: SA query and distribution between a separate HA and the HAC (see saq.h,
 * docs/decisions/0033-sa-query.md).
 *
 * Client (HA) timers, one deadline:
 *   attempt timeout   connect + handshake not done after timeout_ms: fail, back off
 *   back-off          retry_min_ms doubling to retry_max_ms, then connect again
 *   keepalive         keepalive_ms after the last message sent: PING (the server closes
 *                     silent sessions); no message within timeout_ms after it: the
 *                     connection failed
 *   query timeout     a query unanswered after query_timeout_ms fails (QUERY_FAILED)
 *   not-found memory  a not-found SPI is not asked for again before negative_ms
 * Server (HAC) timers, one deadline:
 *   handshake timeout a session not authorized after handshake_timeout_ms is closed
 *   idle timeout      an authorized session silent for idle_timeout_ms is closed
 *
 * BearSSL's "mono" I/O buffer serves one direction at a time: while a record is half
 * received, TLS takes no plaintext to send. Whatever must go out then waits: the client's
 * queries and PINGs in the pending table (state UNSENT, ping_unsent), the server's pushes and
 * forgets in the session's byte queue. Both are sent as soon as a receive completes.
 */
#include "mip6tls/saq.h"

#include "mip6tls/bytes.h"

#include <string.h>

#define SAQ_SPI_MAX 0x0FFFFFFFu /* RFC 6618 §5.6.1: 28 bits */
#define SAQ_PENDING_MAX 4096u

static int saq_spi_ok(uint32_t spi)
{
    return spi >= 1 && spi <= SAQ_SPI_MAX;
}

/* ---- codec ------------------------------------------------------------------------------ */

/* The body lengths a type allows. 0 for an unknown type. */
static int saq_body_bounds(uint8_t type, size_t *min, size_t *max)
{
    switch (type) {
    case MIP6TLS_SAQ_QUERY:
    case MIP6TLS_SAQ_FORGET: *min = *max = 4; return 1;
    case MIP6TLS_SAQ_ANSWER:
        *min = 6;
        *max = MIP6TLS_SAQ_BODY_MAX;
        return 1;
    case MIP6TLS_SAQ_PUSH:
        *min = 6; /* SPI, flags and a record of at least one octet */
        *max = 5 + MIP6TLS_SA_ENCODED_MAX;
        return 1;
    case MIP6TLS_SAQ_PING:
    case MIP6TLS_SAQ_PONG: *min = *max = 0; return 1;
    default: return 0;
    }
}

/* The record must be an SA of the message's SPI. A record cut short inside a complete
 * message is a length error, never "wait for more"; a record that decodes but fails
 * mip6tls_sa_check (whose codes are in the misuse range) is malformed: decode errors stay in
 * the decode range. */
static int saq_check_record(const uint8_t *rec, size_t len, uint32_t spi)
{
    mip6tls_sa sa;
    int rc = mip6tls_sa_decode(&sa, rec, len);
    if (rc == 0 && sa.keys.spi != spi)
        rc = MIP6TLS_ERR_MALFORMED;
    memset(&sa, 0, sizeof sa); /* keys */
    if (rc == MIP6TLS_ERR_TRUNCATED)
        return MIP6TLS_ERR_LENGTH;
    return rc != 0 && !MIP6TLS_ERR_IS_DECODE(rc) ? MIP6TLS_ERR_MALFORMED : rc;
}

int mip6tls_saq_decode(mip6tls_saq_msg *m, const uint8_t *in, size_t len, size_t *used)
{
    mip6tls_saq_msg d;
    size_t blen, min, max;
    const uint8_t *b;
    int rc;

    if (m == NULL || used == NULL || (in == NULL && len > 0))
        return MIP6TLS_ERR_ARG;
    if (len < MIP6TLS_SAQ_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    /* The header alone decides how much to wait for, so it is checked first. */
    if (in[0] != MIP6TLS_SAQ_VERSION)
        return MIP6TLS_ERR_VERSION;
    if (!saq_body_bounds(in[1], &min, &max))
        return MIP6TLS_ERR_TYPE;
    blen = mip6tls_get16(in + 2);
    if (blen < min || blen > max)
        return MIP6TLS_ERR_LENGTH;
    if (len - MIP6TLS_SAQ_HDR_LEN < blen)
        return MIP6TLS_ERR_TRUNCATED;

    memset(&d, 0, sizeof d);
    d.type = in[1];
    b = in + MIP6TLS_SAQ_HDR_LEN;
    if (blen >= 4)
        d.spi = mip6tls_get32(b);
    switch (d.type) {
    case MIP6TLS_SAQ_QUERY:
    case MIP6TLS_SAQ_FORGET:
        if (!saq_spi_ok(d.spi))
            return MIP6TLS_ERR_MALFORMED;
        break;
    case MIP6TLS_SAQ_ANSWER:
        d.status = b[4];
        d.flags = b[5];
        if (d.status == MIP6TLS_SAQ_ST_FOUND) {
            if (!saq_spi_ok(d.spi))
                return MIP6TLS_ERR_MALFORMED;
            if ((d.flags & ~MIP6TLS_SAQ_F_RESTORE) != 0)
                return MIP6TLS_ERR_RESERVED;
            if (blen == 6)
                return MIP6TLS_ERR_MISSING; /* found, but no record */
            d.rec = b + 6;
            d.rec_len = blen - 6;
        } else if (d.status == MIP6TLS_SAQ_ST_NOT_FOUND ||
                   d.status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED) {
            /* SPI 0 only in the refusal of the whole HA */
            if (!saq_spi_ok(d.spi) && !(d.spi == 0 && d.status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED))
                return MIP6TLS_ERR_MALFORMED;
            if (blen != 6)
                return MIP6TLS_ERR_MALFORMED; /* a record where none belongs */
            if (d.flags != 0)
                return MIP6TLS_ERR_RESERVED;
        } else {
            return MIP6TLS_ERR_MALFORMED; /* unknown status */
        }
        break;
    case MIP6TLS_SAQ_PUSH:
        d.flags = b[4];
        if (!saq_spi_ok(d.spi))
            return MIP6TLS_ERR_MALFORMED;
        if ((d.flags & ~MIP6TLS_SAQ_F_RESTORE) != 0)
            return MIP6TLS_ERR_RESERVED;
        d.rec = b + 5;
        d.rec_len = blen - 5;
        break;
    default: /* PING, PONG: empty */ break;
    }
    if (d.rec != NULL && (rc = saq_check_record(d.rec, d.rec_len, d.spi)) != 0)
        return rc;
    *m = d;
    *used = MIP6TLS_SAQ_HDR_LEN + blen;
    return 0;
}

int mip6tls_saq_encode(const mip6tls_saq_msg *m, uint8_t *out, size_t cap)
{
    size_t blen, min, max, pre;
    int with_rec = 0;

    if (m == NULL || (out == NULL && cap > 0) || !saq_body_bounds(m->type, &min, &max) ||
        (m->rec == NULL && m->rec_len > 0))
        return MIP6TLS_ERR_ARG;
    switch (m->type) {
    case MIP6TLS_SAQ_QUERY:
    case MIP6TLS_SAQ_FORGET:
        if (!saq_spi_ok(m->spi))
            return MIP6TLS_ERR_ARG;
        pre = 4;
        break;
    case MIP6TLS_SAQ_ANSWER:
        if (m->status == MIP6TLS_SAQ_ST_FOUND) {
            if (!saq_spi_ok(m->spi) || (m->flags & ~MIP6TLS_SAQ_F_RESTORE) != 0)
                return MIP6TLS_ERR_ARG;
            with_rec = 1;
        } else if (m->status == MIP6TLS_SAQ_ST_NOT_FOUND ||
                   m->status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED) {
            if ((!saq_spi_ok(m->spi) &&
                 !(m->spi == 0 && m->status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED)) ||
                m->flags != 0)
                return MIP6TLS_ERR_ARG;
        } else {
            return MIP6TLS_ERR_ARG;
        }
        pre = 6;
        break;
    case MIP6TLS_SAQ_PUSH:
        if (!saq_spi_ok(m->spi) || (m->flags & ~MIP6TLS_SAQ_F_RESTORE) != 0)
            return MIP6TLS_ERR_ARG;
        with_rec = 1;
        pre = 5;
        break;
    default: pre = 0; break;
    }
    if (with_rec ? m->rec_len == 0 : m->rec_len != 0)
        return MIP6TLS_ERR_ARG;
    blen = pre + m->rec_len;
    if (blen < min || blen > max)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_SAQ_HDR_LEN + blen)
        return MIP6TLS_ERR_NOBUF;
    out[0] = MIP6TLS_SAQ_VERSION;
    out[1] = m->type;
    mip6tls_put16(out + 2, (uint16_t)blen);
    if (pre >= 4)
        mip6tls_put32(out + 4, m->spi);
    if (m->type == MIP6TLS_SAQ_ANSWER) {
        out[8] = m->status;
        out[9] = m->flags;
    } else if (m->type == MIP6TLS_SAQ_PUSH) {
        out[8] = m->flags;
    }
    if (m->rec_len > 0)
        memcpy(out + MIP6TLS_SAQ_HDR_LEN + pre, m->rec, m->rec_len);
    return (int)(MIP6TLS_SAQ_HDR_LEN + blen);
}

/* ---- shared plumbing -------------------------------------------------------------------- */

/* Writes msg[len] as application data and flushes it into TCP_SEND actions. Returns 0, 1 when
 * TLS cannot take plaintext now (a record is half received: the caller keeps the message for
 * later; nothing was written), or a (negative) error of the session. */
static int saq_write(mip6tls_tls *t, const uint8_t *msg, size_t len, uint32_t conn,
                     const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    int n = mip6tls_tls_write_app(t, msg, len);
    if (n == MIP6TLS_ERR_NOBUF) {
        mip6tls_tls_send_to_outbox(t, conn, remote, ob); /* records waiting to leave */
        n = mip6tls_tls_write_app(t, msg, len);
        if (n == MIP6TLS_ERR_NOBUF)
            return 1;
    }
    if (n <= 0)
        return n < 0 ? n : MIP6TLS_ERR_INTERNAL;
    if ((size_t)n < len) /* short records (max_fragment_length): the rest follows */
        return mip6tls_tls_write_all(t, msg + n, len - (size_t)n, conn, remote, ob);
    if (mip6tls_tls_flush(t) != 0)
        return mip6tls_tls_error(t) != 0 ? mip6tls_tls_error(t) : MIP6TLS_ERR_INTERNAL;
    mip6tls_tls_send_to_outbox(t, conn, remote, ob);
    return 0;
}

/* Moves decrypted application data from `t` into rx (up to cap, *rx_len filled so far).
 * Returns 1 when it moved something. */
static int saq_pull(mip6tls_tls *t, uint8_t *rx, size_t cap, size_t *rx_len)
{
    const uint8_t *p;
    size_t n;
    int pulled = 0;
    while (*rx_len < cap && (p = mip6tls_tls_read_app(t, &n)) != NULL && n > 0) {
        if (n > cap - *rx_len)
            n = cap - *rx_len;
        memcpy(rx + *rx_len, p, n);
        *rx_len += n;
        mip6tls_tls_read_app_done(t, n);
        pulled = 1;
    }
    return pulled;
}

static void saq_event(mip6tls_outbox *ob, uint16_t ev, uint32_t conn,
                      const mip6tls_endpoint *remote, uint64_t arg)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, 0, NULL);
    if (a == NULL)
        return;
    a->event = ev;
    a->conn = conn;
    a->arg = arg;
    if (remote != NULL)
        a->remote = *remote;
}

static void saq_tcp_close(mip6tls_outbox *ob, uint32_t conn, const mip6tls_endpoint *remote)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CLOSE, 0, NULL);
    if (a != NULL) {
        a->conn = conn;
        a->remote = *remote;
    }
}

static uint64_t saq_unix_s(int64_t offset_ms, uint64_t now_ms)
{
    int64_t t = (int64_t)now_ms + offset_ms;
    return t < 0 ? 0 : (uint64_t)t / 1000u;
}

static int saq_entry_room(const mip6tls_outbox *ob)
{
    return mip6tls_outbox_room(ob, 16, MIP6TLS_SAQ_OUTBOX_MIN);
}

/* ---- client ----------------------------------------------------------------------------- */

/* What a pending slot holds. */
enum {
    SAQ_P_FREE = 0,
    SAQ_P_UNSENT,   /* a query waiting for a connection, or for TLS to take it */
    SAQ_P_SENT,     /* a query waiting for its ANSWER */
    SAQ_P_NEGATIVE, /* the HAC said not-found: not asked again before `deadline` */
};

static void cli_event(mip6tls_saq_client *c, mip6tls_outbox *ob, mip6tls_saq_client_event ev,
                      uint32_t conn, uint64_t arg)
{
    saq_event(ob, (uint16_t)ev, conn, &c->cfg.hac, arg);
}

static mip6tls_saq_pending *cli_find(mip6tls_saq_client *c, uint32_t spi)
{
    size_t i;
    for (i = 0; i < c->cfg.n_pending; i++)
        if (c->cfg.pending[i].state != SAQ_P_FREE && c->cfg.pending[i].spi == spi)
            return &c->cfg.pending[i];
    return NULL;
}

static void cli_free(mip6tls_saq_pending *p)
{
    p->spi = 0;
    p->state = SAQ_P_FREE;
    p->deadline = MIP6TLS_NO_DEADLINE;
}

/* Ends the connection: what TLS still has to say, TCP_CLOSE, FAILED, then the back-off. Sent
 * queries are asked again on the next connection (their timeouts keep running). */
static void cli_fail(mip6tls_saq_client *c, uint64_t now_ms, int err, mip6tls_outbox *ob)
{
    size_t i;
    c->last_error = err;
    if (c->state == MIP6TLS_SAQ_C_WAIT_TLS || c->state == MIP6TLS_SAQ_C_UP) {
        if (mip6tls_tls_get_state(&c->tls) == MIP6TLS_TLS_OPEN)
            mip6tls_tls_close(&c->tls);                                /* close_notify */
        mip6tls_tls_send_to_outbox(&c->tls, c->conn, &c->cfg.hac, ob); /* or a final alert */
    }
    if (c->state != MIP6TLS_SAQ_C_IDLE && c->state != MIP6TLS_SAQ_C_WAIT_RETRY)
        saq_tcp_close(ob, c->conn, &c->cfg.hac);
    cli_event(c, ob, MIP6TLS_SAQ_EV_FAILED, c->conn, (uint64_t)(int64_t)err);
    for (i = 0; i < c->cfg.n_pending; i++)
        if (c->cfg.pending[i].state == SAQ_P_SENT)
            c->cfg.pending[i].state = SAQ_P_UNSENT;
    c->ping_out = c->ping_unsent = 0;
    c->stalled = 0;
    c->rx_len = 0;
    memset(c->rx, 0, sizeof c->rx);
    c->state = MIP6TLS_SAQ_C_WAIT_RETRY;
    c->deadline = now_ms + c->retry_ms;
    c->retry_ms = c->retry_ms > c->cfg.retry_max_ms / 2 ? c->cfg.retry_max_ms : c->retry_ms * 2;
}

static void cli_connect(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_CONNECT, 0, NULL);
    c->attempts++;
    c->conn = c->attempts; /* a fresh id per attempt: stale TCP events are ignored */
    if (a != NULL) {
        a->conn = c->conn;
        a->remote = c->cfg.hac;
        a->local.addr = c->cfg.local;
    }
    c->state = MIP6TLS_SAQ_C_WAIT_CONNECT;
    c->deadline = now_ms + c->cfg.timeout_ms;
    c->rx_len = 0;
    c->stalled = 0;
    cli_event(c, ob, MIP6TLS_SAQ_EV_CONNECTING, c->conn, c->attempts);
}

/* Sends one short message (PING or QUERY). Returns 0; 1 when TLS cannot take it now (try
 * later); -1 when the session failed (cli_fail ran). */
static int cli_send(mip6tls_saq_client *c, uint64_t now_ms, const mip6tls_saq_msg *m,
                    mip6tls_outbox *ob)
{
    uint8_t msg[8];
    int n = mip6tls_saq_encode(m, msg, sizeof msg);
    int rc = n < 0 ? n : saq_write(&c->tls, msg, (size_t)n, c->conn, &c->cfg.hac, ob);
    if (rc < 0) {
        cli_fail(c, now_ms, rc, ob);
        return -1;
    }
    return rc;
}

/* Sends a due PING and every query not sent yet, while TLS and the outbox take them. */
static void cli_send_unsent(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    mip6tls_saq_msg m;
    size_t i;

    if (c->state != MIP6TLS_SAQ_C_UP)
        return;
    memset(&m, 0, sizeof m);
    if (c->ping_unsent) {
        if (!mip6tls_outbox_room(ob, 1, MIP6TLS_SAQ_REC_ROOM))
            return;
        m.type = MIP6TLS_SAQ_PING;
        if (cli_send(c, now_ms, &m, ob) != 0)
            return;
        c->ping_unsent = 0;
        c->last_tx = now_ms; /* ka_at stays the PONG's deadline */
    }
    m.type = MIP6TLS_SAQ_QUERY;
    for (i = 0; i < c->cfg.n_pending; i++) {
        mip6tls_saq_pending *p = &c->cfg.pending[i];
        if (p->state != SAQ_P_UNSENT)
            continue;
        if (!mip6tls_outbox_room(ob, 2, MIP6TLS_SAQ_REC_ROOM))
            return;
        m.spi = p->spi;
        if (cli_send(c, now_ms, &m, ob) != 0)
            return;
        p->state = SAQ_P_SENT;
        c->last_tx = now_ms;
        if (!c->ping_out)
            c->ka_at = now_ms + c->cfg.keepalive_ms;
        cli_event(c, ob, MIP6TLS_SAQ_EV_QUERY_SENT, p->spi, 0);
    }
}

/* An SA_INSTALL for the port: mip6tls_ha_install_action installs it (restores it with arg 1). */
static void cli_install(mip6tls_outbox *ob, const mip6tls_saq_msg *m)
{
    uint8_t *out;
    mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SA_INSTALL, m->rec_len, &out);
    if (a == NULL)
        return; /* the caller checked the room */
    memcpy(out, m->rec, m->rec_len);
    a->conn = m->spi;
    a->arg = (m->flags & MIP6TLS_SAQ_F_RESTORE) != 0;
}

static size_t cli_live(const mip6tls_saq_client *c)
{
    size_t i, n = 0;
    for (i = 0; i < c->cfg.n_pending; i++)
        n += c->cfg.pending[i].state == SAQ_P_UNSENT || c->cfg.pending[i].state == SAQ_P_SENT;
    return n;
}

/* Acts on one message from the HAC (room checked by the caller). */
static void cli_handle(mip6tls_saq_client *c, uint64_t now_ms, const mip6tls_saq_msg *m,
                       mip6tls_outbox *ob)
{
    mip6tls_saq_pending *p;
    size_t i;
    uint64_t restore = (m->flags & MIP6TLS_SAQ_F_RESTORE) != 0;

    /* Anything from the HAC shows the connection alive. */
    if (c->ping_out) {
        c->ping_out = 0;
        c->ka_at = c->last_tx + c->cfg.keepalive_ms;
    }
    switch (m->type) {
    case MIP6TLS_SAQ_ANSWER:
        if (m->status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED) {
            /* The HAC refuses this HA: every query ends here; retrying only at back-off. */
            for (i = 0; i < c->cfg.n_pending; i++) {
                p = &c->cfg.pending[i];
                if (p->state == SAQ_P_UNSENT || p->state == SAQ_P_SENT) {
                    cli_event(c, ob, MIP6TLS_SAQ_EV_NOT_FOUND, p->spi,
                              MIP6TLS_SAQ_ST_NOT_AUTHORIZED);
                    cli_free(p);
                }
            }
            cli_fail(c, now_ms, MIP6TLS_ERR_POLICY, ob);
            return;
        }
        p = cli_find(c, m->spi);
        if (p == NULL || (p->state != SAQ_P_SENT && p->state != SAQ_P_UNSENT))
            return; /* late (a PUSH or a timeout came first): nothing waits for it */
        if (m->status == MIP6TLS_SAQ_ST_FOUND) {
            cli_install(ob, m);
            cli_event(c, ob, MIP6TLS_SAQ_EV_ANSWERED, m->spi, restore);
            cli_free(p);
        } else {
            cli_event(c, ob, MIP6TLS_SAQ_EV_NOT_FOUND, m->spi, m->status);
            p->state = SAQ_P_NEGATIVE;
            p->deadline = now_ms + c->cfg.negative_ms;
        }
        return;
    case MIP6TLS_SAQ_PUSH:
        p = cli_find(c, m->spi);
        if (p != NULL)
            cli_free(p); /* the push answers a query in flight too */
        cli_install(ob, m);
        cli_event(c, ob, MIP6TLS_SAQ_EV_PUSHED, m->spi, restore);
        return;
    case MIP6TLS_SAQ_FORGET: {
        mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_SA_FORGET, 0, NULL);
        if (a != NULL)
            a->conn = m->spi;
        cli_event(c, ob, MIP6TLS_SAQ_EV_FORGOTTEN, m->spi, 0);
        return;
    }
    case MIP6TLS_SAQ_PONG: return;
    default: /* QUERY, PING: the HAC never sends them */
        cli_fail(c, now_ms, MIP6TLS_ERR_TYPE, ob);
        return;
    }
}

/* Moves received plaintext into rx and acts on every complete message while the outbox has
 * room. Returns 1 when it made progress (read plaintext or handled a message). */
static int cli_process(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    int progress = 0;
    for (;;) {
        size_t used;
        int pulled, handled = 0;
        mip6tls_saq_msg m;

        if (c->state != MIP6TLS_SAQ_C_UP)
            return progress;
        pulled = saq_pull(&c->tls, c->rx, sizeof c->rx, &c->rx_len);
        for (;;) {
            int rc = mip6tls_saq_decode(&m, c->rx, c->rx_len, &used);
            if (rc == MIP6TLS_ERR_TRUNCATED)
                break;
            if (rc != 0) {
                cli_fail(c, now_ms, rc, ob);
                return 1;
            }
            if (!(m.type == MIP6TLS_SAQ_ANSWER && m.status == MIP6TLS_SAQ_ST_NOT_AUTHORIZED
                      ? mip6tls_outbox_room(ob, cli_live(c) + 4, MIP6TLS_SAQ_REC_ROOM)
                      : mip6tls_outbox_room(ob, 3, MIP6TLS_SA_ENCODED_MAX + 16))) {
                c->stalled = 1; /* the rest waits for room: tick or the next recv */
                return progress | pulled | handled;
            }
            cli_handle(c, now_ms, &m, ob);
            if (c->state != MIP6TLS_SAQ_C_UP)
                return 1; /* failed: rx is gone */
            memmove(c->rx, c->rx + used, c->rx_len - used);
            c->rx_len -= used;
            memset(c->rx + c->rx_len, 0, used); /* records carry keys */
            handled = 1;
        }
        c->stalled = 0;
        if (!pulled && !handled)
            return progress;
        progress = 1;
    }
}

static void cli_open(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    mip6tls_tls_info info;
    memset(&info, 0, sizeof info);
    (void)mip6tls_tls_get_info(&c->tls, &info);
    c->state = MIP6TLS_SAQ_C_UP;
    c->retry_ms = c->cfg.retry_min_ms;
    c->deadline = MIP6TLS_NO_DEADLINE;
    c->ping_out = c->ping_unsent = 0;
    c->last_tx = now_ms;
    c->ka_at = now_ms + c->cfg.keepalive_ms;
    /* TLS checked the HAC's chain and identity (§9.2) before it opened. */
    cli_event(c, ob, MIP6TLS_SAQ_EV_CONNECTED, c->conn, info.suite);
}

/* After TLS took input: the handshake may have completed, or the session ended. */
static void cli_after_tls(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    switch (mip6tls_tls_get_state(&c->tls)) {
    case MIP6TLS_TLS_OPEN:
        if (c->state == MIP6TLS_SAQ_C_WAIT_TLS)
            cli_open(c, now_ms, ob);
        break;
    case MIP6TLS_TLS_FAILED: cli_fail(c, now_ms, mip6tls_tls_error(&c->tls), ob); break;
    case MIP6TLS_TLS_CLOSED:
    case MIP6TLS_TLS_CLOSING:
        cli_fail(c, now_ms, MIP6TLS_ERR_TRUNCATED, ob); /* the HAC ended the session */
        break;
    default: break;
    }
}

int mip6tls_saq_client_init(mip6tls_saq_client *c, const mip6tls_saq_client_config *cfg,
                            mip6tls_drbg *drbg)
{
    mip6tls_saq_client_config k;
    size_t i;
    if (c == NULL || cfg == NULL || drbg == NULL || cfg->tls == NULL ||
        cfg->tls->role != MIP6TLS_TLS_CLIENT || cfg->tls->cred == NULL || cfg->tls_buf == NULL ||
        cfg->tls_buf_len < MIP6TLS_TLS_BUFSIZE_MIN ||
        (cfg->hac.addr.family != MIP6TLS_AF_INET6 && cfg->hac.addr.family != MIP6TLS_AF_INET) ||
        cfg->hac.port == 0 || cfg->pending == NULL || cfg->n_pending == 0 ||
        cfg->n_pending > SAQ_PENDING_MAX)
        return MIP6TLS_ERR_ARG;
    k = *cfg;
    if (k.timeout_ms == 0)
        k.timeout_ms = 10000;
    if (k.retry_min_ms == 0)
        k.retry_min_ms = 1000;
    if (k.retry_max_ms == 0)
        k.retry_max_ms = 64000;
    if (k.query_timeout_ms == 0)
        k.query_timeout_ms = 5000;
    if (k.negative_ms == 0)
        k.negative_ms = 2000;
    if (k.keepalive_ms == 0)
        k.keepalive_ms = 30000;
    if (k.retry_min_ms > k.retry_max_ms)
        return MIP6TLS_ERR_ARG;
    memset(c, 0, sizeof *c);
    c->cfg = k;
    for (i = 0; i < cfg->n_pending; i++)
        cli_free(&cfg->pending[i]);
    c->drbg = drbg;
    c->state = MIP6TLS_SAQ_C_IDLE;
    c->retry_ms = c->cfg.retry_min_ms;
    c->deadline = MIP6TLS_NO_DEADLINE;
    c->ka_at = MIP6TLS_NO_DEADLINE;
    return 0;
}

int mip6tls_saq_client_start(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    if (c->state != MIP6TLS_SAQ_C_IDLE && c->state != MIP6TLS_SAQ_C_WAIT_RETRY)
        return MIP6TLS_ERR_STATE;
    if (!mip6tls_outbox_room(ob, 2, 0))
        return MIP6TLS_ERR_NOBUF;
    cli_connect(c, now_ms, ob);
    return 0;
}

int mip6tls_saq_client_query(mip6tls_saq_client *c, uint64_t now_ms, uint32_t spi,
                             mip6tls_outbox *ob)
{
    mip6tls_saq_pending *p, *slot = NULL;
    size_t i;

    if (!saq_spi_ok(spi))
        return MIP6TLS_ERR_ARG;
    if (c->state == MIP6TLS_SAQ_C_IDLE)
        return MIP6TLS_ERR_STATE;
    p = cli_find(c, spi);
    if (p != NULL && p->state != SAQ_P_NEGATIVE)
        return 1; /* one query per SPI in flight */
    if (p != NULL && p->deadline > now_ms)
        return MIP6TLS_ERR_NOTFOUND; /* asked a moment ago: the HAC does not know it */
    if (!mip6tls_outbox_room(ob, 2, MIP6TLS_SAQ_REC_ROOM))
        return MIP6TLS_ERR_NOBUF;
    if (p != NULL) {
        slot = p; /* a not-found memory that ran out */
    } else {
        for (i = 0; i < c->cfg.n_pending && slot == NULL; i++) {
            mip6tls_saq_pending *q = &c->cfg.pending[i];
            if (q->state == SAQ_P_FREE || (q->state == SAQ_P_NEGATIVE && q->deadline <= now_ms))
                slot = q;
        }
        if (slot == NULL)
            return MIP6TLS_ERR_FULL;
    }
    slot->spi = spi;
    slot->state = SAQ_P_UNSENT;
    slot->deadline = now_ms + c->cfg.query_timeout_ms;
    cli_send_unsent(c, now_ms, ob);
    return 0;
}

int mip6tls_saq_client_tcp_connected(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                     mip6tls_outbox *ob)
{
    int rc;
    if (conn != c->conn || c->state != MIP6TLS_SAQ_C_WAIT_CONNECT)
        return 0;
    if (!saq_entry_room(ob))
        return MIP6TLS_ERR_NOBUF;
    /* No resumption: the HAC asks for the HA's certificate in every handshake. */
    rc = mip6tls_tls_client_init(&c->tls, c->cfg.tls, c->drbg,
                                 saq_unix_s(c->cfg.unix_offset_ms, now_ms), &c->cfg.peer, NULL,
                                 c->cfg.tls_buf, c->cfg.tls_buf_len);
    if (rc != 0) {
        cli_fail(c, now_ms, rc, ob);
        return 0;
    }
    c->state = MIP6TLS_SAQ_C_WAIT_TLS;
    mip6tls_tls_send_to_outbox(&c->tls, c->conn, &c->cfg.hac, ob); /* ClientHello */
    return 0;
}

int mip6tls_saq_client_tcp_recv(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                const uint8_t *data, size_t len, mip6tls_outbox *ob)
{
    size_t off = 0, guard;
    int ret_all = len > 0x7FFFFFFF ? 0x7FFFFFFF : (int)len;

    if (conn != c->conn || (c->state != MIP6TLS_SAQ_C_WAIT_TLS && c->state != MIP6TLS_SAQ_C_UP))
        return ret_all; /* a connection we already gave up */
    if (data == NULL && len > 0)
        return MIP6TLS_ERR_ARG;
    if (!saq_entry_room(ob))
        return MIP6TLS_ERR_NOBUF;
    if ((size_t)ret_all < len)
        len = (size_t)ret_all;
    for (guard = 0; guard < 2 * len + 64; guard++) {
        int n, progress;
        mip6tls_tls_send_to_outbox(&c->tls, c->conn, &c->cfg.hac, ob);
        cli_after_tls(c, now_ms, ob);
        progress = cli_process(c, now_ms, ob);
        if (c->state != MIP6TLS_SAQ_C_WAIT_TLS && c->state != MIP6TLS_SAQ_C_UP)
            return ret_all; /* failed: the rest of the stream does not matter */
        if (c->stalled)
            break;
        cli_send_unsent(c, now_ms, ob);
        if (c->state != MIP6TLS_SAQ_C_UP && c->state != MIP6TLS_SAQ_C_WAIT_TLS)
            return ret_all;
        if (off == len)
            break;
        n = mip6tls_tls_recv_ct(&c->tls, data + off, len - off);
        if (n < 0) {
            cli_fail(c, now_ms, n, ob);
            return ret_all;
        }
        off += (size_t)n;
        cli_after_tls(c, now_ms, ob);
        if (c->state != MIP6TLS_SAQ_C_WAIT_TLS && c->state != MIP6TLS_SAQ_C_UP)
            return ret_all;
        if (n == 0 && !progress)
            break; /* TLS takes nothing until the outbox is drained */
    }
    return (int)off;
}

int mip6tls_saq_client_tcp_closed(mip6tls_saq_client *c, uint64_t now_ms, uint32_t conn,
                                  mip6tls_outbox *ob)
{
    if (conn != c->conn || c->state == MIP6TLS_SAQ_C_IDLE || c->state == MIP6TLS_SAQ_C_WAIT_RETRY)
        return 0;
    if (!mip6tls_outbox_room(ob, 4, MIP6TLS_SAQ_REC_ROOM))
        return MIP6TLS_ERR_NOBUF;
    if (c->state != MIP6TLS_SAQ_C_WAIT_CONNECT)
        mip6tls_tls_recv_eof(&c->tls);
    cli_fail(c, now_ms, MIP6TLS_ERR_TRUNCATED, ob);
    return 0;
}

uint64_t mip6tls_saq_client_next_deadline(const mip6tls_saq_client *c)
{
    uint64_t t = MIP6TLS_NO_DEADLINE;
    size_t i;
    if (c->stalled)
        return 0;
    if (c->state == MIP6TLS_SAQ_C_WAIT_CONNECT || c->state == MIP6TLS_SAQ_C_WAIT_TLS ||
        c->state == MIP6TLS_SAQ_C_WAIT_RETRY)
        t = c->deadline;
    else if (c->state == MIP6TLS_SAQ_C_UP)
        t = c->ka_at;
    /* The table is small (pending queries), so a scan is cheaper than a heap. */
    for (i = 0; i < c->cfg.n_pending; i++)
        if (c->cfg.pending[i].state != SAQ_P_FREE && c->cfg.pending[i].deadline < t)
            t = c->cfg.pending[i].deadline;
    return t;
}

int mip6tls_saq_client_tick(mip6tls_saq_client *c, uint64_t now_ms, mip6tls_outbox *ob)
{
    size_t i;
    if (mip6tls_saq_client_next_deadline(c) > now_ms)
        return 0;
    if (!mip6tls_outbox_room(ob, 16, MIP6TLS_SAQ_REC_ROOM))
        return MIP6TLS_ERR_NOBUF;
    if (c->state == MIP6TLS_SAQ_C_UP) {
        mip6tls_tls_send_to_outbox(&c->tls, c->conn, &c->cfg.hac, ob);
        if (c->stalled)
            cli_process(c, now_ms, ob);
    }
    switch (c->state) {
    case MIP6TLS_SAQ_C_WAIT_CONNECT:
    case MIP6TLS_SAQ_C_WAIT_TLS:
        if (c->deadline <= now_ms)
            cli_fail(c, now_ms, MIP6TLS_ERR_TIMEOUT, ob);
        break;
    case MIP6TLS_SAQ_C_WAIT_RETRY:
        if (c->deadline <= now_ms)
            cli_connect(c, now_ms, ob);
        break;
    case MIP6TLS_SAQ_C_UP:
        if (c->ka_at <= now_ms) {
            if (c->ping_out) {
                cli_fail(c, now_ms, MIP6TLS_ERR_TIMEOUT, ob); /* no PONG, nothing at all */
            } else {
                c->ping_out = 1;
                c->ping_unsent = 1;
                c->ka_at = now_ms + c->cfg.timeout_ms;
            }
        }
        cli_send_unsent(c, now_ms, ob);
        break;
    default: break;
    }
    for (i = 0; i < c->cfg.n_pending; i++) {
        mip6tls_saq_pending *p = &c->cfg.pending[i];
        if (p->state == SAQ_P_FREE || p->deadline > now_ms)
            continue;
        if (p->state != SAQ_P_NEGATIVE) {
            if (!mip6tls_outbox_room(ob, 1, 0))
                break; /* still due: the next tick */
            cli_event(c, ob, MIP6TLS_SAQ_EV_QUERY_FAILED, p->spi,
                      (uint64_t)(int64_t)MIP6TLS_ERR_TIMEOUT);
        }
        cli_free(p);
    }
    return 0;
}

mip6tls_saq_client_state mip6tls_saq_client_get_state(const mip6tls_saq_client *c)
{
    return (mip6tls_saq_client_state)c->state;
}

int mip6tls_saq_client_last_error(const mip6tls_saq_client *c)
{
    return c->last_error;
}

size_t mip6tls_saq_client_pending_count(const mip6tls_saq_client *c)
{
    return cli_live(c);
}

/* ---- server: the fresh set -------------------------------------------------------------- */

/* SPIs provisioned that no HA has received: open addressing, linear probing, backward-shift
 * deletion (as the HAC's SPI index), at most half full. */
static size_t fresh_home(const mip6tls_saq_server *s, uint32_t spi)
{
    return (size_t)((spi * 2654435761u) & (uint32_t)(s->st.n_fresh - 1));
}

static size_t fresh_find(const mip6tls_saq_server *s, uint32_t spi)
{
    size_t i = fresh_home(s, spi), probes;
    for (probes = 0; probes < s->st.n_fresh; probes++) {
        if (s->st.fresh[i] == 0)
            return SIZE_MAX;
        if (s->st.fresh[i] == spi)
            return i;
        i = (i + 1) & (s->st.n_fresh - 1);
    }
    return SIZE_MAX;
}

static void fresh_insert(mip6tls_saq_server *s, uint32_t spi)
{
    size_t i;
    if (fresh_find(s, spi) != SIZE_MAX || s->n_fresh_live >= s->st.n_fresh / 2)
        return; /* full: the SA counts as delivered, so answers carry RESTORE (safe) */
    i = fresh_home(s, spi);
    while (s->st.fresh[i] != 0)
        i = (i + 1) & (s->st.n_fresh - 1);
    s->st.fresh[i] = spi;
    s->n_fresh_live++;
}

/* Removes `spi`; 1 when it was there. */
static int fresh_take(mip6tls_saq_server *s, uint32_t spi)
{
    size_t mask = s->st.n_fresh - 1, i, j;
    size_t pos = fresh_find(s, spi);
    if (pos == SIZE_MAX)
        return 0;
    s->n_fresh_live--;
    i = j = pos;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (s->st.fresh[j] == 0)
            break;
        home = fresh_home(s, s->st.fresh[j]);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        s->st.fresh[i] = s->st.fresh[j];
        i = j;
    }
    s->st.fresh[i] = 0;
    return 1;
}

/* ---- server: sessions ------------------------------------------------------------------- */

/* What a session slot waits for. */
enum {
    SAQ_S_FREE = 0, /* nothing: the slot is free */
    SAQ_S_WAIT_TLS, /* the handshake (and with it the HA's certificate) */
    SAQ_S_SERVING,  /* queries and pings of an authorized HA */
};

static mip6tls_saq_session *srv_session(mip6tls_saq_server *s, uint32_t conn)
{
    size_t i;
    for (i = 0; i < s->st.n_sessions; i++)
        if (s->st.sessions[i].state != SAQ_S_FREE && s->st.sessions[i].conn == conn)
            return &s->st.sessions[i];
    return NULL;
}

static void srv_end(mip6tls_saq_session *ss, int reason, mip6tls_outbox *ob)
{
    if (mip6tls_tls_get_state(&ss->tls) == MIP6TLS_TLS_OPEN)
        mip6tls_tls_close(&ss->tls); /* close_notify */
    mip6tls_tls_send_to_outbox(&ss->tls, ss->conn, &ss->peer, ob);
    saq_tcp_close(ob, ss->conn, &ss->peer);
    saq_event(ob, MIP6TLS_SAQ_EV_SESSION_CLOSED, ss->conn, &ss->peer, (uint64_t)(int64_t)reason);
    memset(ss->tx, 0, sizeof ss->tx); /* pushed keys */
    ss->state = SAQ_S_FREE;
    ss->stalled = 0;
    ss->rx_len = ss->tx_len = 0;
}

/* Writes queued messages while TLS takes them. 0, or the session's error. */
static int srv_flush_tx(mip6tls_saq_session *ss, mip6tls_outbox *ob)
{
    while (ss->tx_len > 0) {
        size_t mlen = MIP6TLS_SAQ_HDR_LEN + mip6tls_get16(ss->tx + 2);
        int rc;
        if (!mip6tls_outbox_room(ob, 1, MIP6TLS_SAQ_REC_ROOM))
            return 0; /* stays queued */
        rc = saq_write(&ss->tls, ss->tx, mlen, ss->conn, &ss->peer, ob);
        if (rc == 1)
            return 0; /* TLS is receiving a record: later */
        if (rc < 0)
            return rc;
        memmove(ss->tx, ss->tx + mlen, ss->tx_len - mlen);
        memset(ss->tx + ss->tx_len - mlen, 0, mlen);
        ss->tx_len -= mlen;
    }
    return 0;
}

/* Queues msg[len] behind what is queued and sends what TLS takes. 0, MIP6TLS_ERR_FULL (the
 * queue cannot take it: the HA is too far behind), or the session's error. */
static int srv_send(mip6tls_saq_session *ss, const uint8_t *msg, size_t len, mip6tls_outbox *ob)
{
    if (len > sizeof ss->tx - ss->tx_len)
        return MIP6TLS_ERR_FULL;
    memcpy(ss->tx + ss->tx_len, msg, len);
    ss->tx_len += len;
    return srv_flush_tx(ss, ob);
}

/* RFC 6618 §4.3: the HA indexes the HAC's SAs by SPI. */
static int srv_answer(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_saq_session *ss, uint32_t spi,
                      mip6tls_outbox *ob)
{
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX], msg[MIP6TLS_SAQ_MSG_MAX];
    const mip6tls_sa *sa = mip6tls_hac_find_sa(s->hac, spi);
    mip6tls_saq_msg m;
    int n, rc;

    memset(&m, 0, sizeof m);
    m.type = MIP6TLS_SAQ_ANSWER;
    m.spi = spi;
    m.status = MIP6TLS_SAQ_ST_NOT_FOUND;
    /* An SA past its validity end that the HAC's sweep has not reached yet is gone too. */
    if (sa != NULL && sa->validity_end > saq_unix_s(s->cfg.unix_offset_ms, now_ms) &&
        (n = mip6tls_sa_encode(sa, rec, sizeof rec)) > 0) {
        m.status = MIP6TLS_SAQ_ST_FOUND;
        m.rec = rec;
        m.rec_len = (size_t)n;
        /* An SA some HA may have used must not start its sequence numbers again there
         * (decisions/0015): only one provisioned and never delivered goes without RESTORE. */
        if (!fresh_take(s, spi))
            m.flags = MIP6TLS_SAQ_F_RESTORE;
    }
    n = mip6tls_saq_encode(&m, msg, sizeof msg);
    rc = n > 0 ? srv_send(ss, msg, (size_t)n, ob) : MIP6TLS_ERR_INTERNAL;
    saq_event(ob, MIP6TLS_SAQ_EV_QUERY, ss->conn, &ss->peer,
              (uint64_t)spi | (uint64_t)m.status << 32 | (uint64_t)m.flags << 40);
    memset(rec, 0, sizeof rec);
    memset(msg, 0, sizeof msg);
    return rc;
}

/* Acts on the complete messages in rx while the outbox and the queue have room. Returns 1
 * when the session ended, else 0 (stalled when it stopped for room). */
static int srv_process(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_saq_session *ss,
                       mip6tls_outbox *ob, int *progress)
{
    for (;;) {
        size_t used;
        int pulled, handled = 0, rc;
        mip6tls_saq_msg m;

        pulled = saq_pull(&ss->tls, ss->rx, sizeof ss->rx, &ss->rx_len);
        for (;;) {
            rc = mip6tls_saq_decode(&m, ss->rx, ss->rx_len, &used);
            if (rc == MIP6TLS_ERR_TRUNCATED)
                break;
            if (rc == 0 && m.type != MIP6TLS_SAQ_QUERY && m.type != MIP6TLS_SAQ_PING)
                rc = MIP6TLS_ERR_TYPE; /* only the HAC sends the others */
            if (rc != 0) {
                srv_end(ss, rc, ob);
                return 1;
            }
            if (!mip6tls_outbox_room(ob, 3, MIP6TLS_SAQ_REC_ROOM) ||
                sizeof ss->tx - ss->tx_len < MIP6TLS_SAQ_MSG_MAX) {
                ss->stalled = 1; /* TCP back-pressure until the port drains */
                *progress |= pulled | handled;
                return 0;
            }
            if (m.type == MIP6TLS_SAQ_QUERY) {
                rc = srv_answer(s, now_ms, ss, m.spi, ob);
            } else {
                static const uint8_t pong[4] = {MIP6TLS_SAQ_VERSION, MIP6TLS_SAQ_PONG, 0, 0};
                rc = srv_send(ss, pong, sizeof pong, ob);
            }
            if (rc != 0) {
                srv_end(ss, rc, ob);
                return 1;
            }
            memmove(ss->rx, ss->rx + used, ss->rx_len - used);
            ss->rx_len -= used;
            ss->deadline = now_ms + s->cfg.idle_timeout_ms;
            handled = 1;
        }
        ss->stalled = 0;
        if (!pulled && !handled)
            return 0;
        *progress = 1;
    }
}

/* TLS is up: the chain of the HA's certificate was validated against the HA anchors; now the
 * allow-list decides (RFC 6618 §4.2: a strong trust relationship between HA and HAC). Returns
 * 1 when the session ended. */
static int srv_open(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_saq_session *ss,
                    mip6tls_outbox *ob)
{
    size_t der_len = 0, i;
    const uint8_t *der = mip6tls_tls_peer_cert(&ss->tls, &der_len);
    uint8_t fp[32];
    int have_fp = der != NULL && mip6tls_tls_peer_cert_sha256(&ss->tls, fp) == 32;

    for (i = 0; der != NULL && i < s->cfg.n_allow; i++) {
        const mip6tls_saq_allow *e = &s->cfg.allow[i];
        if (e->dns != NULL && mip6tls_tls_cert_match_dns(der, der_len, e->dns) != 1)
            continue;
        if (e->sha256 != NULL && !(have_fp && mip6tls_ct_eq(fp, e->sha256, 32)))
            continue;
        ss->state = SAQ_S_SERVING;
        ss->allow_index = (uint32_t)i;
        ss->deadline = now_ms + s->cfg.idle_timeout_ms;
        saq_event(ob, MIP6TLS_SAQ_EV_HA_AUTHORIZED, ss->conn, &ss->peer, i);
        return 0;
    }
    /* Tell the HA why before closing: ANSWER(0, not-authorized). */
    {
        static const uint8_t refuse[10] = {MIP6TLS_SAQ_VERSION,
                                           MIP6TLS_SAQ_ANSWER,
                                           0,
                                           6,
                                           0,
                                           0,
                                           0,
                                           0,
                                           MIP6TLS_SAQ_ST_NOT_AUTHORIZED,
                                           0};
        saq_event(ob, MIP6TLS_SAQ_EV_HA_REFUSED, ss->conn, &ss->peer, 0);
        (void)saq_write(&ss->tls, refuse, sizeof refuse, ss->conn, &ss->peer, ob);
        srv_end(ss, MIP6TLS_ERR_POLICY, ob);
        return 1;
    }
}

/* After TLS moved: the handshake may have completed (authorize), or the session ended.
 * Returns 1 when the session ended. */
static int srv_after_tls(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_saq_session *ss,
                         mip6tls_outbox *ob)
{
    switch (mip6tls_tls_get_state(&ss->tls)) {
    case MIP6TLS_TLS_OPEN: return ss->state == SAQ_S_WAIT_TLS ? srv_open(s, now_ms, ss, ob) : 0;
    case MIP6TLS_TLS_FAILED: srv_end(ss, mip6tls_tls_error(&ss->tls), ob); return 1;
    case MIP6TLS_TLS_CLOSED:
    case MIP6TLS_TLS_CLOSING:
        srv_end(ss, 0, ob); /* the HA said close_notify */
        return 1;
    default: return 0;
    }
}

int mip6tls_saq_server_init(mip6tls_saq_server *s, const mip6tls_saq_server_config *cfg,
                            const mip6tls_hac *hac, mip6tls_drbg *drbg,
                            const mip6tls_saq_server_storage *st)
{
    size_t i;
    if (s == NULL || cfg == NULL || hac == NULL || drbg == NULL || st == NULL || cfg->tls == NULL ||
        cfg->tls->role != MIP6TLS_TLS_SERVER || cfg->tls->anchors == NULL || cfg->allow == NULL ||
        cfg->n_allow == 0 || st->sessions == NULL || st->n_sessions == 0 || st->iobufs == NULL ||
        st->fresh == NULL || st->n_fresh < 2 || (st->n_fresh & (st->n_fresh - 1)) != 0)
        return MIP6TLS_ERR_ARG;
    for (i = 0; i < cfg->n_allow; i++)
        if (cfg->allow[i].dns == NULL && cfg->allow[i].sha256 == NULL)
            return MIP6TLS_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (s->cfg.handshake_timeout_ms == 0)
        s->cfg.handshake_timeout_ms = 10000;
    if (s->cfg.idle_timeout_ms == 0)
        s->cfg.idle_timeout_ms = 120000;
    s->hac = hac;
    s->drbg = drbg;
    s->st = *st;
    memset(st->sessions, 0, st->n_sessions * sizeof *st->sessions);
    memset(st->fresh, 0, st->n_fresh * sizeof *st->fresh);
    for (i = 0; i < st->n_sessions; i++)
        st->sessions[i].iobuf = st->iobufs + i * MIP6TLS_TLS_BUFSIZE;
    return 0;
}

int mip6tls_saq_server_tcp_accept(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                  const mip6tls_endpoint *peer, mip6tls_outbox *ob)
{
    mip6tls_saq_session *ss = NULL;
    size_t i;
    int rc;
    if (peer == NULL || srv_session(s, conn) != NULL)
        return MIP6TLS_ERR_ARG;
    if (!saq_entry_room(ob))
        return MIP6TLS_ERR_NOBUF;
    for (i = 0; i < s->st.n_sessions && ss == NULL; i++)
        if (s->st.sessions[i].state == SAQ_S_FREE)
            ss = &s->st.sessions[i];
    if (ss == NULL) {
        saq_tcp_close(ob, conn, peer);
        saq_event(ob, MIP6TLS_SAQ_EV_SESSION_BUSY, conn, peer, 0);
        return 0;
    }
    ss->conn = conn;
    ss->peer = *peer;
    ss->rx_len = ss->tx_len = 0;
    ss->stalled = 0;
    ss->deadline = now_ms + s->cfg.handshake_timeout_ms;
    ss->state = SAQ_S_WAIT_TLS;
    /* The HA's certificate is validated at the wall-clock time of the accept. */
    rc = mip6tls_tls_server_init_at(&ss->tls, s->cfg.tls, s->drbg,
                                    saq_unix_s(s->cfg.unix_offset_ms, now_ms), ss->iobuf,
                                    MIP6TLS_TLS_BUFSIZE);
    if (rc != 0) {
        srv_end(ss, rc, ob);
        return 0;
    }
    saq_event(ob, MIP6TLS_SAQ_EV_SESSION_OPEN, conn, peer, 0);
    return 0;
}

int mip6tls_saq_server_tcp_recv(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                const uint8_t *data, size_t len, mip6tls_outbox *ob)
{
    mip6tls_saq_session *ss = srv_session(s, conn);
    size_t off = 0, guard;
    int ret_all = len > 0x7FFFFFFF ? 0x7FFFFFFF : (int)len;

    if (ss == NULL)
        return ret_all; /* a connection we already ended */
    if (data == NULL && len > 0)
        return MIP6TLS_ERR_ARG;
    if (!saq_entry_room(ob))
        return MIP6TLS_ERR_NOBUF;
    if ((size_t)ret_all < len)
        len = (size_t)ret_all;
    for (guard = 0; guard < 2 * len + 64; guard++) {
        int n, progress = 0, rc;
        /* Records out first: the server's handshake completes when its Finished leaves. */
        mip6tls_tls_send_to_outbox(&ss->tls, ss->conn, &ss->peer, ob);
        if (srv_after_tls(s, now_ms, ss, ob))
            return ret_all;
        if (ss->state == SAQ_S_SERVING) {
            if (srv_process(s, now_ms, ss, ob, &progress))
                return ret_all;
            if (ss->stalled)
                break;
            if ((rc = srv_flush_tx(ss, ob)) != 0) {
                srv_end(ss, rc, ob);
                return ret_all;
            }
        }
        if (off == len)
            break;
        n = mip6tls_tls_recv_ct(&ss->tls, data + off, len - off);
        if (n < 0) {
            srv_end(ss, n, ob);
            return ret_all;
        }
        off += (size_t)n;
        if (srv_after_tls(s, now_ms, ss, ob))
            return ret_all;
        if (n == 0 && !progress)
            break; /* TLS takes nothing until the outbox is drained */
    }
    return (int)off;
}

int mip6tls_saq_server_tcp_closed(mip6tls_saq_server *s, uint64_t now_ms, uint32_t conn,
                                  mip6tls_outbox *ob)
{
    mip6tls_saq_session *ss = srv_session(s, conn);
    (void)now_ms;
    if (ss == NULL)
        return 0;
    if (!mip6tls_outbox_room(ob, 1, 0))
        return MIP6TLS_ERR_NOBUF;
    mip6tls_tls_recv_eof(&ss->tls);
    saq_event(ob, MIP6TLS_SAQ_EV_SESSION_CLOSED, conn, &ss->peer,
              (uint64_t)(int64_t)MIP6TLS_ERR_TRUNCATED);
    memset(ss->tx, 0, sizeof ss->tx);
    ss->state = SAQ_S_FREE;
    ss->stalled = 0;
    ss->rx_len = ss->tx_len = 0;
    return 0;
}

/* Sends msg[len] to every authorized HA; a session that cannot take it is closed. Returns
 * how many took it. */
static size_t srv_broadcast(mip6tls_saq_server *s, const uint8_t *msg, size_t len,
                            mip6tls_outbox *ob)
{
    size_t i, sent = 0;
    for (i = 0; i < s->st.n_sessions; i++) {
        mip6tls_saq_session *ss = &s->st.sessions[i];
        int rc;
        if (ss->state != SAQ_S_SERVING)
            continue;
        rc = srv_send(ss, msg, len, ob);
        if (rc != 0)
            srv_end(ss, rc, ob); /* it reconnects and asks for what it misses */
        else
            sent++;
    }
    return sent;
}

static int srv_broadcast_room(const mip6tls_saq_server *s, const mip6tls_outbox *ob)
{
    size_t i, n = 0;
    for (i = 0; i < s->st.n_sessions; i++)
        n += s->st.sessions[i].state == SAQ_S_SERVING;
    return mip6tls_outbox_room(ob, 2 + 3 * n, n * MIP6TLS_SAQ_REC_ROOM);
}

int mip6tls_saq_server_push(mip6tls_saq_server *s, uint64_t now_ms, const uint8_t *rec, size_t len,
                            int restored, mip6tls_outbox *ob)
{
    uint8_t msg[MIP6TLS_SAQ_MSG_MAX];
    mip6tls_saq_msg m;
    mip6tls_sa sa;
    size_t sent;
    int rc, n;

    (void)now_ms;
    if (rec == NULL)
        return MIP6TLS_ERR_ARG;
    rc = mip6tls_sa_decode(&sa, rec, len);
    if (rc != 0)
        return rc;
    if (!srv_broadcast_room(s, ob)) {
        memset(&sa, 0, sizeof sa);
        return MIP6TLS_ERR_NOBUF;
    }
    memset(&m, 0, sizeof m);
    m.type = MIP6TLS_SAQ_PUSH;
    m.spi = sa.keys.spi;
    m.flags = restored ? MIP6TLS_SAQ_F_RESTORE : 0;
    m.rec = rec;
    m.rec_len = len;
    n = mip6tls_saq_encode(&m, msg, sizeof msg);
    sent = n > 0 ? srv_broadcast(s, msg, (size_t)n, ob) : 0;
    /* Fresh: provisioned now and no HA has it, so the first answer for it may go without
     * RESTORE. A restored SA is never fresh: an HA may have used it before the restart. */
    if (!restored && sent == 0)
        fresh_insert(s, sa.keys.spi);
    else
        (void)fresh_take(s, sa.keys.spi);
    saq_event(ob, MIP6TLS_SAQ_EV_PUSH_SENT, sa.keys.spi, NULL, sent);
    memset(&sa, 0, sizeof sa);
    memset(msg, 0, sizeof msg);
    return 0;
}

int mip6tls_saq_server_forget(mip6tls_saq_server *s, uint64_t now_ms, uint32_t spi,
                              mip6tls_outbox *ob)
{
    uint8_t msg[8];
    mip6tls_saq_msg m;
    size_t sent;
    (void)now_ms;
    if (!saq_spi_ok(spi))
        return MIP6TLS_ERR_ARG;
    if (!srv_broadcast_room(s, ob))
        return MIP6TLS_ERR_NOBUF;
    memset(&m, 0, sizeof m);
    m.type = MIP6TLS_SAQ_FORGET;
    m.spi = spi;
    (void)mip6tls_saq_encode(&m, msg, sizeof msg);
    (void)fresh_take(s, spi);
    sent = srv_broadcast(s, msg, sizeof msg, ob);
    saq_event(ob, MIP6TLS_SAQ_EV_FORGET_SENT, spi, NULL, sent);
    return 0;
}

int mip6tls_saq_server_hac_action(mip6tls_saq_server *s, uint64_t now_ms, const mip6tls_action *a,
                                  mip6tls_outbox *ob)
{
    if (a == NULL)
        return MIP6TLS_ERR_ARG;
    if (a->type == MIP6TLS_ACT_SA_INSTALL)
        return mip6tls_saq_server_push(s, now_ms, a->data, a->len, a->arg == 1, ob);
    if (a->type == MIP6TLS_ACT_SA_FORGET)
        return mip6tls_saq_server_forget(s, now_ms, a->conn, ob);
    return 0;
}

uint64_t mip6tls_saq_server_next_deadline(const mip6tls_saq_server *s)
{
    uint64_t t = MIP6TLS_NO_DEADLINE;
    size_t i;
    for (i = 0; i < s->st.n_sessions; i++) {
        const mip6tls_saq_session *ss = &s->st.sessions[i];
        if (ss->state == SAQ_S_FREE)
            continue;
        if (ss->stalled)
            return 0;
        if (ss->deadline < t)
            t = ss->deadline;
    }
    return t;
}

int mip6tls_saq_server_tick(mip6tls_saq_server *s, uint64_t now_ms, mip6tls_outbox *ob)
{
    size_t i;
    if (mip6tls_saq_server_next_deadline(s) > now_ms)
        return 0;
    if (!mip6tls_outbox_room(ob, 16, MIP6TLS_SAQ_REC_ROOM))
        return MIP6TLS_ERR_NOBUF;
    for (i = 0; i < s->st.n_sessions; i++) {
        mip6tls_saq_session *ss = &s->st.sessions[i];
        int progress = 0, rc;
        if (ss->state == SAQ_S_FREE)
            continue;
        if (ss->stalled) {
            mip6tls_tls_send_to_outbox(&ss->tls, ss->conn, &ss->peer, ob);
            if (srv_process(s, now_ms, ss, ob, &progress))
                continue;
            if ((rc = srv_flush_tx(ss, ob)) != 0) {
                srv_end(ss, rc, ob);
                continue;
            }
        }
        if (ss->deadline <= now_ms && mip6tls_outbox_room(ob, 4, MIP6TLS_SAQ_REC_ROOM))
            srv_end(ss, MIP6TLS_ERR_TIMEOUT, ob);
    }
    return 0;
}

size_t mip6tls_saq_server_session_count(const mip6tls_saq_server *s)
{
    size_t i, n = 0;
    for (i = 0; i < s->st.n_sessions; i++)
        n += s->st.sessions[i].state != SAQ_S_FREE;
    return n;
}

size_t mip6tls_saq_server_ha_count(const mip6tls_saq_server *s)
{
    size_t i, n = 0;
    for (i = 0; i < s->st.n_sessions; i++)
        n += s->st.sessions[i].state == SAQ_S_SERVING;
    return n;
}
