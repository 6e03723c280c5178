/* tun.c: see tun.h. */
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

/* <net/if.h> clashes with <linux/if.h>; this is the one function needed from it. */
extern unsigned int if_nametoindex(const char *ifname);

/* Linux 6.2 (include/uapi/linux/if_tun.h); Debian 12's headers predate them. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

int px_tun_open(const char *name, char name_out[16], int *ifindex)
{
    /* The richest set first: a kernel refuses the whole set when it lacks one flag. */
    static const unsigned offloads[] = {
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
        TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
        TUN_F_CSUM,
    };
    struct ifreq ifr;
    size_t i;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
    if (strlen(name) >= IFNAMSIZ) {
        close(fd);
        return -ENAMETOOLONG;
    }
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* Without any offload the device still works (plain packets behind a zero header). */
    for (i = 0; i < sizeof offloads / sizeof offloads[0]; i++)
        if (ioctl(fd, TUNSETOFFLOAD, offloads[i]) == 0)
            break;
    memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    name_out[IFNAMSIZ - 1] = 0;
    *ifindex = (int)if_nametoindex(name_out);
    if (*ifindex == 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int px_tun_read(int fd, uint8_t *buf, size_t cap, int max_reads, px_tun_pkt_fn fn, void *ctx,
                uint64_t *bad)
{
    int r, got = 0;
    for (r = 0; r < max_reads; r++) {
        px_vnet_hdr h;
        px_gso g;
        uint8_t *seg;
        size_t len;
        ssize_t n = read(fd, buf, cap);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (r == 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return -errno;
            break;
        }
        if (n == 0)
            break;
        if ((size_t)n <= PX_VNET_HDR_LEN)
            continue;
        px_vnet_hdr_get(&h, buf);
        if (px_gso_begin(&g, &h, buf + PX_VNET_HDR_LEN, (size_t)n - PX_VNET_HDR_LEN) != 0) {
            if (bad != NULL)
                (*bad)++;
            continue;
        }
        while ((len = px_gso_next(&g, &seg)) > 0) {
            fn(ctx, seg, len);
            got++;
        }
    }
    return got;
}

/* ---- writing ------------------------------------------------------------------------------ */

int px_tun_writer_init(px_tun_writer *w, int fd)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->buf = malloc(PX_VNET_HDR_LEN + PX_GRO_MAX_LEN);
    if (w->buf == NULL)
        return -ENOMEM;
    px_gro_init(&w->gro, w->buf, 1);
    return 0;
}

void px_tun_writer_set_fd(px_tun_writer *w, int fd)
{
    w->gro.len = 0; /* nothing held belongs to the new device */
    w->gro.count = 0;
    w->fd = fd;
}

void px_tun_writer_free(px_tun_writer *w)
{
    free(w->buf);
    w->buf = NULL;
    w->gro.buf = NULL;
    w->fd = -1;
}

/* One IP packet behind a zero virtio_net_hdr (no GSO, checksum complete). */
static void tun_write_one(px_tun_writer *w, const uint8_t *pkt, size_t len)
{
    static uint8_t none[PX_VNET_HDR_LEN]; /* never written */
    struct iovec iov[2];
    iov[0].iov_base = none;
    iov[0].iov_len = sizeof none;
    iov[1].iov_base = (void *)(uintptr_t)pkt; /* writev() only reads it */
    iov[1].iov_len = len;
    w->writes++;
    if (w->fd >= 0 && writev(w->fd, iov, 2) == (ssize_t)(sizeof none + len))
        w->pkts++;
    else
        w->errs++;
}

void px_tun_writer_flush(px_tun_writer *w)
{
    unsigned count = w->gro.count;
    uint8_t type;
    size_t n = px_gro_finish(&w->gro);
    if (n == 0)
        return;
    if (w->fd < 0) {
        w->errs += count;
        return;
    }
    w->writes++;
    if (write(w->fd, w->buf, n) == (ssize_t)n) {
        w->pkts += count;
        return;
    }
    type = w->buf[1];
    if (count > 1 && errno == EINVAL) {
        /* The kernel does not take this kind of super-packet: its segments, one by one (they
         * come out as they went in), and no more merging of that kind. */
        px_vnet_hdr h;
        px_gso g;
        uint8_t *seg;
        size_t len;
        if (type == PX_VNET_GSO_UDP_L4)
            w->gro.allow_udp = 0;
        px_vnet_hdr_get(&h, w->buf);
        if (px_gso_begin(&g, &h, w->buf + PX_VNET_HDR_LEN, n - PX_VNET_HDR_LEN) == 0) {
            while ((len = px_gso_next(&g, &seg)) > 0)
                tun_write_one(w, seg, len);
            return;
        }
    }
    w->errs += count;
}

void px_tun_put(px_tun_writer *w, const uint8_t *pkt, size_t len)
{
    if (px_gro_add(&w->gro, pkt, len)) {
        if (px_gro_full(&w->gro))
            px_tun_writer_flush(w);
        return;
    }
    if (w->gro.len > 0) {
        px_tun_writer_flush(w);
        if (px_gro_add(&w->gro, pkt, len)) {
            if (px_gro_full(&w->gro))
                px_tun_writer_flush(w);
            return;
        }
    }
    tun_write_one(w, pkt, len);
}
