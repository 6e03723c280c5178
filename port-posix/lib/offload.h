/*
 * offload.h: segmentation and coalescing of TUN packets (docs/decisions/0070-posix-data-path.md).
 *
 * The TUN devices run with IFF_VNET_HDR and TSO/USO offloads (tun.h): every read() starts with
 * a virtio_net_hdr and may carry a GSO "super-packet" (one TCP or UDP header, up to 64 KiB of
 * payload, the segment size in the header), and every write() starts with one too, so a run of
 * segments of one flow can go up the stack as one packet. Nothing here does I/O:
 *
 *   px_gso_*  splits a super-packet into the IP packets it stands for, as the kernel would
 *             (IP lengths, IPv4 IDs and header checksums, TCP sequence numbers and flags, UDP
 *             lengths, transport checksums), in place: each segment's headers are written just
 *             before its payload, over the tail of the previous segment, so no payload moves.
 *             A packet without GSO that asks for a checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM) gets
 *             it and comes out as the one segment.
 *   px_gro_*  merges consecutive packets of one TCP or UDP flow (same addresses and ports,
 *             contiguous TCP sequence numbers, equal segment sizes, only the last one shorter)
 *             into one super-packet with the virtio_net_hdr that describes it. Only packets
 *             whose checksums verify are merged: the kernel does not check a merged packet's
 *             checksum (it is CHECKSUM_PARTIAL), so this is where a corrupt inner packet must
 *             stay out.
 *
 * Supported: IPv4 without options and IPv6 without extension headers for merging; any header
 * the kernel describes (csum_start) for splitting. Checksums are the Internet checksum
 * (RFC 1071) over the RFC 793 / RFC 768 / RFC 8200 §8.1 pseudo-headers.
 */
#ifndef PX_OFFLOAD_H
#define PX_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr (include/uapi/linux/virtio_net.h), in host byte order: the legacy
 * layout TUN uses unless TUNSETVNETLE/BE says otherwise. */
#define PX_VNET_HDR_LEN 10
#define PX_VNET_F_NEEDS_CSUM 1
#define PX_VNET_GSO_NONE 0
#define PX_VNET_GSO_TCPV4 1
#define PX_VNET_GSO_TCPV6 4
#define PX_VNET_GSO_UDP_L4 5 /* Linux 6.2+ (TUN_F_USO4/6) */
#define PX_VNET_GSO_ECN 0x80

typedef struct {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
} px_vnet_hdr;

void px_vnet_hdr_get(px_vnet_hdr *h, const uint8_t b[PX_VNET_HDR_LEN]);
void px_vnet_hdr_put(const px_vnet_hdr *h, uint8_t b[PX_VNET_HDR_LEN]);

/* The 32-bit one's complement sum of d[len] added to `acc` (RFC 1071), in host order: fold
 * with px_csum_fold(). Pieces may be summed separately when all but the last have even length. */
uint64_t px_csum_add(uint64_t acc, const uint8_t *d, size_t len);
/* Folds to 16 bits (not complemented), as the octets would read in memory. */
uint16_t px_csum_fold(uint64_t acc);
/* The pseudo-header sum of an IPv4 (ip[9] proto, ip[12..19] addresses) or IPv6 packet
 * (ip[8..39] addresses) for transport protocol `proto` and transport length `l4_len`. */
uint64_t px_csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4_len);

/* ---- splitting ---------------------------------------------------------------------------- */

#define PX_GSO_HDR_MAX 192 /* IP + transport headers of a super-packet, at most */

typedef struct {
    uint8_t *pkt;
    size_t len;
    size_t l4_off;  /* transport header */
    size_t hdr_len; /* all headers: the payload starts here */
    size_t mss;     /* payload octets per segment */
    size_t off;     /* payload offset of the next segment; len: done */
    unsigned k;     /* index of the next segment */
    uint8_t v4, proto, gso;
    uint8_t csum_only;   /* one packet, checksum at csum_start + csum_offset */
    uint16_t csum_field; /* csum_only: where */
    uint8_t hdr[PX_GSO_HDR_MAX];
} px_gso;

/* Errors of px_gso_begin (negative, like -errno). */
#define PX_GSO_EMALFORMED (-1) /* lengths or headers do not add up */
#define PX_GSO_ETYPE (-2)      /* a GSO type this code does not split (UFO) */

/* Prepares to split pkt[len] (the octets after the virtio_net_hdr `h`), which must stay in
 * place and writable until the last segment is taken. Returns 0 or PX_GSO_E*. */
int px_gso_begin(px_gso *g, const px_vnet_hdr *h, uint8_t *pkt, size_t len);
/* The next IP packet: *seg points into pkt and stays valid until the next call. Returns its
 * length, 0 when there is none left. */
size_t px_gso_next(px_gso *g, uint8_t **seg);

/* ---- merging ------------------------------------------------------------------------------ */

#define PX_GRO_MAX_SEGS 64
#define PX_GRO_MAX_LEN 65535 /* IP packet (IPv4 total length; IPv6 40 + payload length) */

typedef struct {
    uint8_t *buf; /* PX_VNET_HDR_LEN + PX_GRO_MAX_LEN octets, the caller's */
    size_t len;   /* IP octets held at buf + PX_VNET_HDR_LEN; 0: empty */
    unsigned count;
    uint8_t allow_udp; /* merge UDP (the TUN takes VIRTIO_NET_HDR_GSO_UDP_L4) */
    /* the run */
    uint8_t v4, proto, closed, psh;
    size_t l4_off, hdr_len, gso_size;
    uint32_t next_seq;
    uint16_t next_id;
    /* counters */
    uint64_t merged; /* packets that joined a run as its second or later */
    uint64_t bad_csum;
} px_gro;

/* Uses buf (PX_VNET_HDR_LEN + PX_GRO_MAX_LEN octets). */
void px_gro_init(px_gro *g, uint8_t *buf, int allow_udp);
/* Offers the IP packet pkt[len]: 1 when it was copied into the run (a new run when empty),
 * 0 when it does not belong to the run (finish the run and offer it again) or, with an empty
 * run, cannot start one (write it alone). */
int px_gro_add(px_gro *g, const uint8_t *pkt, size_t len);
/* 1 when the run takes nothing more (full, or ended by a short or PSH segment). */
int px_gro_full(const px_gro *g);
/* Completes the run: buf[0 .. returned length) is the virtio_net_hdr and the packet, ready for
 * write(); the run is empty afterwards. Returns 0 when it was empty. A run of one packet goes
 * unchanged with GSO_NONE. */
size_t px_gro_finish(px_gro *g);

#endif
