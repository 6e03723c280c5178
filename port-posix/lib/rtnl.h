/*
 * rtnl.h: addresses, routes and links through rtnetlink (Debian's libmnl), not by running
 * `ip`: link up and MTU of the TUN devices, the MN's home address and correspondent routes,
 * the home side's routes to home addresses, and the address notifications (RTM_NEWADDR /
 * RTM_DELADDR) from which the MN learns its care-of address.
 *
 * Requests go through one socket and wait for the kernel's acknowledgement; notifications
 * arrive on a second socket subscribed to the address groups, read from the event loop.
 */
#ifndef PX_RTNL_H
#define PX_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"

typedef struct px_rtnl px_rtnl;

/* One address as the kernel reports it. */
typedef struct {
    int ifindex;
    mip6tls_addr addr;
    uint8_t plen;
    uint8_t scope;  /* RT_SCOPE_* (0: universe/global) */
    uint32_t flags; /* IFA_F_* (IFA_F_TENTATIVE, IFA_F_DADFAILED, IFA_F_DEPRECATED, ...) */
} px_rtnl_addr;

typedef void (*px_rtnl_addr_fn)(void *ctx, int is_new, const px_rtnl_addr *a);

/* Opens the request socket, and the notification socket when `monitor` is set. Returns NULL
 * with err filled on failure. */
px_rtnl *px_rtnl_open(int monitor, char *err, size_t cap);
void px_rtnl_close(px_rtnl *r);
/* The notification socket (for the event loop), or -1. */
int px_rtnl_monitor_fd(const px_rtnl *r);

/* Each returns 0 or -errno (the kernel's answer). */
/* Sets a tunnel link up with `mtu` (0: unchanged), without an IPv6 link-local address and
 * without multicast: the stack then sends nothing of its own into it. */
int px_rtnl_link_up(px_rtnl *r, int ifindex, uint32_t mtu);
/* add: 1 to add (replace), 0 to delete. IPv6 addresses are added with IFA_F_NODAD. */
int px_rtnl_set_addr(px_rtnl *r, int add, int ifindex, const mip6tls_addr *a, uint8_t plen);
/* A route to prefix/plen out of `ifindex` (no gateway: a point-to-point TUN), with the
 * preferred source `src` when its family is set. add: 1 add/replace, 0 delete. */
int px_rtnl_route(px_rtnl *r, int add, int ifindex, const mip6tls_addr *prefix, uint8_t plen,
                  const mip6tls_addr *src);

/* Calls fn for every address the kernel has now (is_new 1). Returns 0 or -errno. */
int px_rtnl_dump_addrs(px_rtnl *r, px_rtnl_addr_fn fn, void *ctx);
/* Reads what the notification socket has: fn for each address added or removed. Returns 0,
 * -ENOBUFS when notifications were lost (dump again), or another -errno. */
int px_rtnl_read_events(px_rtnl *r, px_rtnl_addr_fn fn, void *ctx);

#endif
