/*
 * tun.h: a TUN device (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR). The MN's home address lives on its
 * TUN; the home side's TUN is where packets for registered home addresses leave the home
 * network towards the HA (and where the HA delivers the MNs' packets).
 *
 * Offloads (docs/decisions/0070-posix-data-path.md): every read() and write() starts with a
 * virtio_net_hdr, and the device takes TUN_F_CSUM | TSO4 | TSO6 (| TSO_ECN) and, on Linux 6.2
 * and later, USO4 | USO6. The stack then hands the device TCP and UDP "super-packets" of up to
 * 64 KiB with one header, and packets whose transport checksum is still to be computed:
 * px_tun_read() splits them into the IP packets they stand for (offload.h) before anyone else
 * sees them. On the way out, px_tun_writer merges consecutive segments of one flow back into
 * one super-packet per write(): the stack above the TUN then handles one packet where there
 * were dozens, as with GRO on a network card.
 */
#ifndef PX_TUN_H
#define PX_TUN_H

#include <stddef.h>
#include <stdint.h>

#include "offload.h"

/* Room for one read(): the virtio_net_hdr and a super-packet. */
#define PX_TUN_BUF (PX_VNET_HDR_LEN + 65536)

/* Creates (or attaches to) the TUN device `name` (at most IFNAMSIZ - 1 octets), non-blocking,
 * with the offloads above (as many as the kernel takes). Writes the kernel's name into
 * name_out[16] and the interface index into *ifindex. Returns the fd, or -errno. */
int px_tun_open(const char *name, char name_out[16], int *ifindex);

/* One IP packet read from the TUN (a segment of a super-packet, or a packet as it came), for
 * the role's send call; valid until fn returns. */
typedef void (*px_tun_pkt_fn)(void *ctx, const uint8_t *pkt, size_t len);

/* Performs up to `max_reads` read()s on fd into buf[cap] (cap >= PX_TUN_BUF) while packets are
 * waiting, and hands every IP packet to fn. Returns how many packets fn got, or -errno when
 * the first read fails with an error other than EAGAIN. A super-packet the kernel described
 * in a way this code cannot split is dropped (counted in *bad when bad is not NULL). */
int px_tun_read(int fd, uint8_t *buf, size_t cap, int max_reads, px_tun_pkt_fn fn, void *ctx,
                uint64_t *bad);

/* Writes IP packets to a TUN, merged where they allow it. A kernel that refuses a merged
 * packet (EINVAL: no UDP GSO before Linux 6.2) gets its segments one by one, and no more
 * merged packets of that kind. */
typedef struct {
    int fd;
    px_gro gro;
    uint8_t *buf; /* PX_VNET_HDR_LEN + PX_GRO_MAX_LEN */
    /* counters */
    uint64_t pkts;   /* IP packets written (a merged write counts each) */
    uint64_t writes; /* write() calls */
    uint64_t errs;   /* IP packets a write() refused */
} px_tun_writer;

/* Sets up w for fd (-1: none yet; see px_tun_writer_set_fd). Returns 0 or -ENOMEM. */
int px_tun_writer_init(px_tun_writer *w, int fd);
void px_tun_writer_set_fd(px_tun_writer *w, int fd);
void px_tun_writer_free(px_tun_writer *w);
/* Hands pkt[len] to the TUN: now, or held in the current run until px_tun_writer_flush(),
 * a packet that does not join it, or a full run. pkt is copied before this returns. Packets
 * reach the stack in the order they were put. */
void px_tun_put(px_tun_writer *w, const uint8_t *pkt, size_t len);
/* Writes what is held. */
void px_tun_writer_flush(px_tun_writer *w);

#endif
