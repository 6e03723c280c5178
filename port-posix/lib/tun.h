/*
 * tun.h: a TUN device (IFF_TUN | IFF_NO_PI): every read() is one IP packet the local stack
 * routed into it, every write() hands one IP packet to the stack. The MN's home address lives
 * on its TUN; the home side's TUN is where packets for registered home addresses leave the
 * home network towards the HA (and where the HA delivers the MNs' packets).
 */
#ifndef PX_TUN_H
#define PX_TUN_H

#include <stddef.h>

/* Creates (or attaches to) the TUN device `name` (at most IFNAMSIZ - 1 octets), non-blocking.
 * Writes the kernel's name into name_out[16] and the interface index into *ifindex. Returns
 * the fd, or -errno. */
int px_tun_open(const char *name, char name_out[16], int *ifindex);

#endif
