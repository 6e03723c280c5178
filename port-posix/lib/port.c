/* port.c: see port.h. */
#include "port.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

int px_port_init(px_port *p, px_loop *loop, size_t n_tcp, const px_port_hooks *h, void *ctx)
{
    size_t i;
    memset(p, 0, sizeof *p);
    p->loop = loop;
    p->hooks = *h;
    p->ctx = ctx;
    p->tun_fd = -1;
    p->tcp = calloc(n_tcp, sizeof *p->tcp);
    if (p->tcp == NULL || px_tun_writer_init(&p->tunw, -1) != 0)
        return -ENOMEM;
    p->n_tcp = n_tcp;
    for (i = 0; i < n_tcp; i++)
        p->tcp[i].io.fd = -1;
    return 0;
}

void px_port_close(px_port *p)
{
    size_t i;
    for (i = 0; i < p->n_tcp; i++)
        if (p->tcp[i].used)
            px_tcp_free(p->loop, &p->tcp[i]);
    free(p->tcp);
    p->tcp = NULL;
    p->n_tcp = 0;
    px_tun_writer_free(&p->tunw);
}

int px_port_add_udp(px_port *p, px_udp *u)
{
    if (p->n_udp == PX_MAX_UDP)
        return -ENOSPC;
    p->udp[p->n_udp++] = u;
    return 0;
}

void px_port_del_udp(px_port *p, px_udp *u)
{
    size_t i;
    for (i = 0; i < p->n_udp; i++)
        if (p->udp[i] == u) {
            memmove(&p->udp[i], &p->udp[i + 1], (p->n_udp - i - 1) * sizeof p->udp[0]);
            p->n_udp--;
            return;
        }
}

size_t px_port_tcp_count(const px_port *p)
{
    size_t i, n = 0;
    for (i = 0; i < p->n_tcp; i++)
        n += p->tcp[i].used;
    return n;
}

/* ---- TCP ------------------------------------------------------------------------------ */

static px_tcp *port_tcp_find(px_port *p, uint32_t conn)
{
    size_t i;
    for (i = 0; i < p->n_tcp; i++)
        if (p->tcp[i].used && p->tcp[i].conn == conn)
            return &p->tcp[i];
    return NULL;
}

static px_tcp *port_tcp_slot(px_port *p)
{
    size_t i;
    for (i = 0; i < p->n_tcp; i++)
        if (!p->tcp[i].used)
            return &p->tcp[i];
    return NULL;
}

static int port_tcp_alive(const px_tcp *t, uint32_t conn)
{
    return t->used && t->conn == conn;
}

void px_port_fail_tcp(px_port *p, uint32_t conn)
{
    if (p->depth == 0) {
        p->hooks.tcp_closed(p->ctx, conn);
        return;
    }
    if (p->n_deferred < PX_DEFERRED_MAX)
        p->deferred[p->n_deferred++] = conn;
}

/* Our side is done: shut it, and wait (bounded) for the peer's end. */
static void port_tcp_shut(px_port *p, px_tcp *t)
{
    shutdown(t->io.fd, SHUT_WR);
    t->closing = 0;
    t->draining = 1;
    t->linger_end = px_now_ms() + PX_TCP_LINGER_MS;
    px_loop_mod(p->loop, &t->io, EPOLLIN);
}

static void port_tcp_io(px_io *io, uint32_t ev)
{
    px_tcp *t = (px_tcp *)io;
    px_port *p = io->ctx;
    uint32_t conn = t->conn;
    uint8_t buf[16384];
    int i;

    if (t->connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            char r[PX_EP_TEXT_MAX];
            p->last_tcp_errno = err;
            p->last_tcp_conn = conn;
            px_log(PX_LOG_INFO, "tcp: connection %u to %s failed: %s", conn,
                   px_ep_str(&t->peer, r, sizeof r), strerror(err));
            px_tcp_free(p->loop, t);
            p->hooks.tcp_closed(p->ctx, conn);
            return;
        }
        {
            /* A stale event (this slot's previous socket, same batch) must not pass for the
             * connection's completion: a connected socket has a peer. */
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            if (getpeername(io->fd, (struct sockaddr *)&ss, &sl) != 0 && errno == ENOTCONN)
                return;
        }
        t->connecting = 0;
        if (px_tcp_flush(t) < 0) {
            px_tcp_free(p->loop, t);
            p->hooks.tcp_closed(p->ctx, conn);
            return;
        }
        px_loop_mod(p->loop, io, px_tcp_events(t));
        p->hooks.tcp_connected(p->ctx, conn);
        return;
    }
    if ((ev & EPOLLOUT) && t->wq_len > 0) {
        int rc = px_tcp_flush(t);
        if (rc < 0) {
            int report = !t->closing && !t->draining;
            px_tcp_free(p->loop, t);
            if (report)
                p->hooks.tcp_closed(p->ctx, conn);
            return;
        }
        if (rc == 1 && t->closing)
            port_tcp_shut(p, t);
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (i = 0; i < 8; i++) {
            ssize_t n = recv(io->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                if (!t->closing && !t->draining) {
                    p->hooks.tcp_recv(p->ctx, conn, buf, (size_t)n);
                    if (!port_tcp_alive(t, conn))
                        return;
                }
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                break;
            /* The peer closed (or reset) the connection. */
            {
                int report = !t->closing && !t->draining;
                px_tcp_free(p->loop, t);
                if (report)
                    p->hooks.tcp_closed(p->ctx, conn);
                return;
            }
        }
    }
    if (port_tcp_alive(t, conn))
        px_loop_mod(p->loop, io, t->draining ? EPOLLIN : px_tcp_events(t));
}

px_tcp *px_port_adopt(px_port *p, int fd, uint32_t conn, const mip6tls_endpoint *peer)
{
    px_tcp *t = port_tcp_slot(p);
    if (t == NULL) {
        close(fd);
        p->tcp_refused++;
        return NULL;
    }
    memset(t, 0, sizeof *t);
    t->io.fd = fd;
    t->io.fn = port_tcp_io;
    t->io.ctx = p;
    t->conn = conn;
    t->peer = *peer;
    t->used = 1;
    if (px_loop_add(p->loop, &t->io, EPOLLIN) != 0) {
        px_tcp_free(p->loop, t);
        return NULL;
    }
    p->tcp_opened++;
    return t;
}

static void port_tcp_connect(px_port *p, const mip6tls_action *a)
{
    px_tcp *t = port_tcp_slot(p);
    char r[PX_EP_TEXT_MAX];
    int rc;
    if (t == NULL) {
        px_log(PX_LOG_WARN, "tcp: no free connection slot for %u", a->conn);
        px_port_fail_tcp(p, a->conn);
        return;
    }
    memset(t, 0, sizeof *t);
    t->io.fd = -1;
    rc = px_tcp_connect(t, &a->remote,
                        a->local.addr.family != MIP6TLS_AF_NONE ? &a->local.addr : NULL);
    if (rc != 0) {
        p->last_tcp_errno = -rc;
        p->last_tcp_conn = a->conn;
        px_log(PX_LOG_INFO, "tcp: connection %u to %s failed: %s", a->conn,
               px_ep_str(&a->remote, r, sizeof r), strerror(-rc));
        px_port_fail_tcp(p, a->conn);
        return;
    }
    t->io.fn = port_tcp_io;
    t->io.ctx = p;
    t->conn = a->conn;
    t->used = 1;
    /* Even a connection that was up at once (loopback) is reported from the loop, never
     * from inside this walk. */
    t->connecting = 1;
    p->tcp_opened++;
    if (px_loop_add(p->loop, &t->io, px_tcp_events(t)) != 0) {
        px_tcp_free(p->loop, t);
        px_port_fail_tcp(p, a->conn);
    }
}

static void port_tcp_send(px_port *p, const mip6tls_action *a)
{
    px_tcp *t = port_tcp_find(p, a->conn);
    if (t == NULL || t->closing || t->draining)
        return; /* already gone: the core heard (or will hear) about it */
    if (px_tcp_write(t, a->data, a->len) != 0) {
        px_tcp_free(p->loop, t);
        px_port_fail_tcp(p, a->conn);
        return;
    }
    px_loop_mod(p->loop, &t->io, px_tcp_events(t));
}

static void port_tcp_close(px_port *p, const mip6tls_action *a)
{
    px_tcp *t = port_tcp_find(p, a->conn);
    if (t == NULL || t->draining)
        return;
    if (t->connecting) {
        px_tcp_free(p->loop, t); /* nothing was said on it */
        return;
    }
    if (t->wq_len == 0)
        port_tcp_shut(p, t);
    else
        t->closing = 1;
}

uint64_t px_port_next_deadline(const px_port *p)
{
    uint64_t t = MIP6TLS_NO_DEADLINE;
    size_t i;
    for (i = 0; i < p->n_tcp; i++)
        if (p->tcp[i].used && p->tcp[i].draining && p->tcp[i].linger_end < t)
            t = p->tcp[i].linger_end;
    return t;
}

void px_port_tick(px_port *p, uint64_t now_ms)
{
    size_t i;
    for (i = 0; i < p->n_tcp; i++)
        if (p->tcp[i].used && p->tcp[i].draining && p->tcp[i].linger_end <= now_ms)
            px_tcp_free(p->loop, &p->tcp[i]);
}

/* ---- datagrams ------------------------------------------------------------------------- */

static px_udp *port_udp_for(px_port *p, const mip6tls_action *a)
{
    size_t i;
    for (i = 0; i < p->n_udp; i++)
        if (mip6tls_addr_eq(&p->udp[i]->local.addr, &a->local.addr))
            return p->udp[i];
    for (i = 0; i < p->n_udp; i++)
        if (p->udp[i]->local.addr.family == a->remote.addr.family)
            return p->udp[i];
    return NULL;
}

/* The TUN writer follows tun_fd (the daemons set it directly). */
static void port_tun_sync(px_port *p)
{
    if (p->tunw.fd != p->tun_fd)
        px_tun_writer_set_fd(&p->tunw, p->tun_fd);
}

static void port_tun_counters(px_port *p)
{
    p->tun_out = p->tunw.pkts;
    p->tun_out_errs = p->tunw.errs;
}

void px_port_flush(px_port *p)
{
    size_t i;
    for (i = 0; i < p->n_udp; i++)
        px_udp_flush(p->udp[i]);
    port_tun_sync(p);
    px_tun_writer_flush(&p->tunw);
    port_tun_counters(p);
}

/* ---- the walk --------------------------------------------------------------------------- */

void px_port_perform(px_port *p, char role, const mip6tls_action *a)
{
    char err[256];
    switch (a->type) {
    case MIP6TLS_ACT_SEND_DGRAM: {
        px_udp *u = port_udp_for(p, a);
        if (u == NULL)
            p->udp_no_socket++;
        else if (px_udp_queue(u, &a->remote, a->data, a->len) != 0)
            p->udp_too_big++;
        break;
    }
    case MIP6TLS_ACT_TCP_CONNECT: port_tcp_connect(p, a); break;
    case MIP6TLS_ACT_TCP_SEND: port_tcp_send(p, a); break;
    case MIP6TLS_ACT_TCP_CLOSE: port_tcp_close(p, a); break;
    case MIP6TLS_ACT_DELIVER:
        port_tun_sync(p);
        px_tun_put(&p->tunw, a->data, a->len);
        port_tun_counters(p);
        break;
    case MIP6TLS_ACT_SA_PERSIST:
        if (p->store == NULL ||
            px_store_put(p->store, a->conn, a->data, a->len, err, sizeof err) != 0) {
            p->store_errs++;
            px_log(PX_LOG_ERR, "SA 0x%x not persisted: %s", a->conn,
                   p->store ? err : "no SA store configured");
        }
        break;
    case MIP6TLS_ACT_SA_FORGET:
        if (p->store != NULL && px_store_del(p->store, a->conn, err, sizeof err) != 0) {
            p->store_errs++;
            px_log(PX_LOG_ERR, "SA 0x%x not deleted from the store: %s", a->conn, err);
        }
        break;
    case MIP6TLS_ACT_EVENT: px_log_event(role, a); break;
    default: px_log(PX_LOG_WARN, "%c: action type %u not performed", role, a->type); break;
    }
}

void px_drain(px_port *p, char role, mip6tls_outbox *ob)
{
    size_t i;
    p->depth++;
    for (i = 0; i < ob->n; i++) {
        const mip6tls_action *a = &ob->acts[i];
        if (p->hooks.action != NULL && p->hooks.action(p->ctx, role, a))
            continue;
        px_port_perform(p, role, a);
    }
    mip6tls_outbox_clear(ob);
    p->depth--;
    /* Failures found on the way, now that no outbox is being walked. */
    while (p->depth == 0 && p->n_deferred > 0) {
        uint32_t conn = p->deferred[0];
        memmove(p->deferred, p->deferred + 1, --p->n_deferred * sizeof p->deferred[0]);
        p->hooks.tcp_closed(p->ctx, conn);
    }
}
