/* net.c: see net.h. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

void px_ep_to_sockaddr(const mip6tls_endpoint *e, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (e->addr.family == MIP6TLS_AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(e->port);
        memcpy(&s4->sin_addr, e->addr.bytes, 4);
        *len = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(e->port);
        if (e->addr.family == MIP6TLS_AF_INET6)
            memcpy(&s6->sin6_addr, e->addr.bytes, 16);
        *len = sizeof *s6;
    }
}

void px_sockaddr_to_ep(const struct sockaddr *sa, mip6tls_endpoint *e)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    memset(e, 0, sizeof *e);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        mip6tls_addr_set4(&e->addr, (const uint8_t *)&s4->sin_addr);
        e->port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *b = (const uint8_t *)&s6->sin6_addr;
        if (memcmp(b, mapped, 12) == 0)
            mip6tls_addr_set4(&e->addr, b + 12);
        else
            mip6tls_addr_set6(&e->addr, b);
        e->port = ntohs(s6->sin6_port);
    }
}

/* A non-blocking socket of the endpoint's family, bound to it. Returns fd or -errno. */
static int net_bound_socket(const mip6tls_endpoint *local, int type)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, v6 = local->addr.family != MIP6TLS_AF_INET;
    int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
#ifdef IPV6_FREEBIND
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
#endif
    px_ep_to_sockaddr(local, &ss, &len);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int px_udp_open(px_udp *u, const mip6tls_endpoint *local)
{
    int fd;
    u->io.fd = -1;
    u->ntx = 0;
    if (u->rx == NULL)
        u->rx = malloc(sizeof *u->rx * PX_BATCH);
    if (u->tx == NULL)
        u->tx = malloc(sizeof *u->tx * PX_BATCH);
    if (u->rx == NULL || u->tx == NULL)
        return -ENOMEM;
    fd = net_bound_socket(local, SOCK_DGRAM);
    if (fd < 0)
        return fd;
    u->io.fd = fd;
    u->local = *local;
    if (local->port == 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
            mip6tls_endpoint e;
            px_sockaddr_to_ep((struct sockaddr *)&ss, &e);
            u->local.port = e.port;
        }
    }
    return 0;
}

void px_udp_close(px_udp *u)
{
    if (u->io.fd >= 0)
        close(u->io.fd);
    u->io.fd = -1;
    u->ntx = 0;
    free(u->rx);
    free(u->tx);
    u->rx = NULL;
    u->tx = NULL;
}

int px_udp_recv(px_udp *u)
{
    struct mmsghdr msgs[PX_BATCH];
    struct iovec iov[PX_BATCH];
    struct sockaddr_storage from[PX_BATCH];
    int n, i, k = 0;
    memset(msgs, 0, sizeof msgs);
    for (i = 0; i < PX_BATCH; i++) {
        iov[i].iov_base = u->rx[i];
        iov[i].iov_len = PX_DGRAM_MAX;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    n = recvmmsg(u->io.fd, msgs, PX_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
    for (i = 0; i < n; i++) {
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
            u->rx_trunc++;
            continue;
        }
        if (k != i)
            memmove(u->rx[k], u->rx[i], msgs[i].msg_len);
        u->rx_len[k] = msgs[i].msg_len;
        px_sockaddr_to_ep((struct sockaddr *)&from[i], &u->rx_from[k]);
        k++;
    }
    u->rx_pkts += (uint64_t)k;
    return k;
}

void px_udp_flush(px_udp *u)
{
    struct mmsghdr msgs[PX_BATCH];
    struct iovec iov[PX_BATCH];
    unsigned i, off = 0;
    if (u->ntx == 0 || u->io.fd < 0) {
        u->ntx = 0;
        return;
    }
    memset(msgs, 0, sizeof msgs);
    for (i = 0; i < u->ntx; i++) {
        iov[i].iov_base = u->tx[i];
        iov[i].iov_len = u->tx_len[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &u->tx_to[i];
        msgs[i].msg_hdr.msg_namelen = u->tx_tolen[i];
    }
    while (off < u->ntx) {
        int n = sendmmsg(u->io.fd, msgs + off, u->ntx - off, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* This datagram cannot go (no route, buffer full): count it, try the rest. */
            u->tx_errs++;
            off++;
            continue;
        }
        u->tx_pkts += (uint64_t)n;
        off += (unsigned)n;
    }
    u->ntx = 0;
}

int px_udp_queue(px_udp *u, const mip6tls_endpoint *to, const uint8_t *d, size_t len)
{
    if (len > PX_DGRAM_MAX)
        return -EMSGSIZE;
    if (u->ntx == PX_BATCH)
        px_udp_flush(u);
    memcpy(u->tx[u->ntx], d, len);
    u->tx_len[u->ntx] = len;
    px_ep_to_sockaddr(to, &u->tx_to[u->ntx], &u->tx_tolen[u->ntx]);
    u->ntx++;
    return 0;
}

/* ---- TCP ------------------------------------------------------------------------------ */

int px_tcp_connect(px_tcp *t, const mip6tls_endpoint *remote, const mip6tls_addr *local)
{
    struct sockaddr_storage ss;
    socklen_t len;
    mip6tls_endpoint from;
    int fd;
    memset(&from, 0, sizeof from);
    if (local != NULL && local->family == remote->addr.family)
        from.addr = *local;
    else
        from.addr.family = remote->addr.family; /* any address of that family */
    fd = net_bound_socket(&from, SOCK_STREAM);
    if (fd < 0)
        return fd;
    px_ep_to_sockaddr(remote, &ss, &len);
    t->io.fd = fd;
    t->peer = *remote;
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            t->io.fd = -1;
            return -e;
        }
        t->connecting = 1;
    }
    return 0;
}

int px_tcp_flush(px_tcp *t)
{
    size_t off = 0;
    while (off < t->wq_len) {
        ssize_t n = send(t->io.fd, t->wq + off, t->wq_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -errno;
        }
        off += (size_t)n;
    }
    if (off > 0 && off < t->wq_len)
        memmove(t->wq, t->wq + off, t->wq_len - off);
    t->wq_len -= off;
    return t->wq_len == 0;
}

int px_tcp_write(px_tcp *t, const uint8_t *d, size_t len)
{
    int rc;
    if (t->wq_len + len > t->wq_cap) {
        size_t cap = t->wq_cap ? t->wq_cap : 4096;
        uint8_t *q;
        while (cap < t->wq_len + len)
            cap *= 2;
        q = realloc(t->wq, cap);
        if (q == NULL)
            return -ENOMEM;
        t->wq = q;
        t->wq_cap = cap;
    }
    memcpy(t->wq + t->wq_len, d, len);
    t->wq_len += len;
    if (t->connecting)
        return 0;
    rc = px_tcp_flush(t);
    return rc < 0 ? rc : 0;
}

void px_tcp_free(px_loop *l, px_tcp *t)
{
    if (t->io.fd >= 0) {
        px_loop_del(l, &t->io);
        close(t->io.fd);
    }
    t->io.fd = -1;
    free(t->wq);
    t->wq = NULL;
    t->wq_len = t->wq_cap = 0;
    t->used = t->connecting = t->closing = t->draining = 0;
}

uint32_t px_tcp_events(const px_tcp *t)
{
    return EPOLLIN | ((t->connecting || t->wq_len) ? EPOLLOUT : 0);
}

int px_tcp_listen(const mip6tls_endpoint *local)
{
    int fd = net_bound_socket(local, SOCK_STREAM);
    if (fd < 0)
        return fd;
    if (listen(fd, 64) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}
