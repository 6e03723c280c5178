/* net.c: see net.h. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
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
    int fd, one = 1, zero = 0, bufsz = PX_UDP_SOCKBUF;
    u->io.fd = -1;
    u->ntx = 0;
    if (u->rxbuf == NULL)
        u->rxbuf = malloc((size_t)PX_RX_BUFS * PX_RX_BUF_LEN);
    if (u->rx == NULL)
        u->rx = malloc(sizeof *u->rx * PX_RX_MAX);
    if (u->rx_len == NULL)
        u->rx_len = malloc(sizeof *u->rx_len * PX_RX_MAX);
    if (u->rx_from == NULL)
        u->rx_from = malloc(sizeof *u->rx_from * PX_RX_MAX);
    if (u->tx == NULL)
        u->tx = malloc(sizeof *u->tx * PX_TX_MAX);
    if (u->rxbuf == NULL || u->rx == NULL || u->rx_len == NULL || u->rx_from == NULL ||
        u->tx == NULL)
        return -ENOMEM;
    fd = net_bound_socket(local, SOCK_DGRAM);
    if (fd < 0)
        return fd;
    u->io.fd = fd;
    u->local = *local;
    /* Offloads: GRO coalesces on receive what a GSO sender sent as one (or what arrives
     * together); UDP_SEGMENT 0 on the socket changes nothing, it only asks whether the kernel
     * knows the option (the segment size goes with each message). */
    u->gro = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0;
    u->gso = setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
    /* Room for bursts: the default (rmem_default, about 200 KiB) holds a few GRO runs only,
     * and what does not fit is lost (UdpRcvbufErrors). Beyond net.core.[rw]mem_max only
     * with CAP_NET_ADMIN (the FORCE variants); without it the kernel caps the plain ones. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof bufsz) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof bufsz);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof bufsz) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz);
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
    free(u->rxbuf);
    free(u->rx);
    free(u->rx_len);
    free(u->rx_from);
    free(u->tx);
    u->rxbuf = NULL;
    u->rx = NULL;
    u->rx_len = NULL;
    u->rx_from = NULL;
    u->tx = NULL;
}

/* Control message room for one int (UDP_GRO's segment size; UDP_SEGMENT's is shorter). */
typedef union {
    char buf[CMSG_SPACE(sizeof(int))];
    size_t align; /* struct cmsghdr starts with a size_t */
} net_cmsg_int;

/* The segment size of a received run (UDP_GRO control message), or 0 when there is none. */
static size_t net_gro_size(struct msghdr *m)
{
    struct cmsghdr *c;
    for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c))
        if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            return v > 0 ? (size_t)v : 0;
        }
    return 0;
}

int px_udp_recv(px_udp *u)
{
    struct mmsghdr msgs[PX_RX_BUFS];
    struct iovec iov[PX_RX_BUFS];
    struct sockaddr_storage from[PX_RX_BUFS];
    net_cmsg_int ctl[PX_RX_BUFS];
    int n, i;
    size_t k = 0;
    memset(msgs, 0, sizeof msgs);
    for (i = 0; i < PX_RX_BUFS; i++) {
        iov[i].iov_base = u->rxbuf + (size_t)i * PX_RX_BUF_LEN;
        iov[i].iov_len = PX_RX_BUF_LEN;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_control = ctl[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
    }
    n = recvmmsg(u->io.fd, msgs, PX_RX_BUFS, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
    u->rx_calls++;
    for (i = 0; i < n; i++) {
        uint8_t *d = iov[i].iov_base;
        size_t len = msgs[i].msg_len, seg = net_gro_size(&msgs[i].msg_hdr), off;
        mip6tls_endpoint ep;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
            u->rx_trunc++;
            continue;
        }
        if (seg == 0 || seg > len)
            seg = len;
        px_sockaddr_to_ep((struct sockaddr *)&from[i], &ep);
        for (off = 0; off < len; off += seg) {
            size_t dl = len - off < seg ? len - off : seg;
            if (dl > PX_DGRAM_MAX || k == PX_RX_MAX) {
                u->rx_trunc++;
                continue;
            }
            u->rx[k] = d + off;
            u->rx_len[k] = dl;
            u->rx_from[k] = ep;
            k++;
        }
    }
    u->rx_pkts += k;
    return (int)k;
}

/* The queue entries [a, b) as messages, with `gso` runs to one peer of one size (the last may
 * be shorter) as one UDP_SEGMENT message each; sent with sendmmsg. */
static void net_udp_send(px_udp *u, unsigned a, unsigned b, int gso)
{
    struct mmsghdr msgs[PX_TX_MAX];
    struct iovec iov[PX_TX_MAX];
    net_cmsg_int ctl[PX_TX_MAX];
    unsigned first[PX_TX_MAX], count[PX_TX_MAX];
    unsigned nm = 0, i = a, off = 0;
    while (i < b) {
        unsigned j = i + 1;
        size_t total = u->tx_len[i];
        struct msghdr *m = &msgs[nm].msg_hdr;
        if (gso)
            while (j < b && j - i < PX_GSO_SEGS && u->tx_len[j - 1] == u->tx_len[i] &&
                   u->tx_len[j] <= u->tx_len[i] && total + u->tx_len[j] <= 65000 &&
                   u->tx_tolen[j] == u->tx_tolen[i] &&
                   memcmp(&u->tx_to[j], &u->tx_to[i], u->tx_tolen[i]) == 0)
                total += u->tx_len[j++];
        memset(&msgs[nm], 0, sizeof msgs[nm]);
        for (unsigned x = i; x < j; x++) {
            iov[x].iov_base = u->tx[x];
            iov[x].iov_len = u->tx_len[x];
        }
        m->msg_iov = &iov[i];
        m->msg_iovlen = j - i;
        m->msg_name = &u->tx_to[i];
        m->msg_namelen = u->tx_tolen[i];
        if (j - i > 1) {
            struct cmsghdr *c;
            uint16_t seg = (uint16_t)u->tx_len[i]; /* a __u16, unlike UDP_GRO's int */
            m->msg_control = ctl[nm].buf;
            m->msg_controllen = sizeof ctl[nm].buf;
            c = CMSG_FIRSTHDR(m);
            c->cmsg_level = IPPROTO_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof seg);
            memcpy(CMSG_DATA(c), &seg, sizeof seg);
        }
        first[nm] = i;
        count[nm] = j - i;
        nm++;
        i = j;
    }
    while (off < nm) {
        int n = sendmmsg(u->io.fd, msgs + off, nm - off, MSG_DONTWAIT);
        u->tx_calls++;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EIO && count[off] > 1) {
                /* The route's device cannot checksum for GSO (udp_send_skb): this socket
                 * sends datagram by datagram from now on, starting with this message's. */
                u->gso = 0;
                net_udp_send(u, first[off], b, 0);
                return;
            }
            if ((errno == EINVAL || errno == EMSGSIZE) && count[off] > 1) {
                /* A segment larger than the path MTU: GSO does not fragment, the kernel does
                 * for single datagrams (IPv6 at the source, IPv4 without DF). */
                net_udp_send(u, first[off], first[off] + count[off], 0);
                off++;
                continue;
            }
            /* These datagrams cannot go (no route, buffer full): count them, try the rest. */
            u->tx_errs += count[off];
            off++;
            continue;
        }
        for (int x = 0; x < n; x++)
            u->tx_pkts += count[off + (unsigned)x];
        off += (unsigned)n;
    }
}

void px_udp_flush(px_udp *u)
{
    if (u->ntx > 0 && u->io.fd >= 0)
        net_udp_send(u, 0, u->ntx, u->gso);
    u->ntx = 0;
}

int px_udp_queue(px_udp *u, const mip6tls_endpoint *to, const uint8_t *d, size_t len)
{
    if (len > PX_DGRAM_MAX)
        return -EMSGSIZE;
    if (u->ntx == PX_TX_MAX)
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
