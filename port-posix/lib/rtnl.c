/* rtnl.c: see rtnl.h. */
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* MNL_SOCKET_BUFFER_SIZE is computed at run time (a VLA); 32 KiB holds any dump chunk. */
#define RTNL_BUF 32768

struct px_rtnl {
    struct mnl_socket *req, *mon;
    unsigned seq;
    unsigned portid;
};

px_rtnl *px_rtnl_open(int monitor, char *err, size_t cap)
{
    px_rtnl *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, cap, "rtnetlink: out of memory");
        return NULL;
    }
    r->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (r->req == NULL || mnl_socket_bind(r->req, 0, MNL_SOCKET_AUTOPID) < 0)
        goto fail;
    r->portid = mnl_socket_get_portid(r->req);
    r->seq = (unsigned)time(NULL);
    if (monitor) {
        r->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (r->mon == NULL || mnl_socket_bind(r->mon, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
                                              MNL_SOCKET_AUTOPID) < 0)
            goto fail;
    }
    return r;
fail:
    snprintf(err, cap, "rtnetlink socket: %s", strerror(errno));
    px_rtnl_close(r);
    return NULL;
}

void px_rtnl_close(px_rtnl *r)
{
    if (r == NULL)
        return;
    if (r->req)
        mnl_socket_close(r->req);
    if (r->mon)
        mnl_socket_close(r->mon);
    free(r);
}

int px_rtnl_monitor_fd(const px_rtnl *r)
{
    return r->mon ? mnl_socket_get_fd(r->mon) : -1;
}

/* Sends the request and reads until its ACK (or error), calling cb on data messages. */
static int rtnl_talk(px_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    char buf[RTNL_BUF];
    unsigned seq = nlh->nlmsg_seq;
    int ret;
    if (mnl_socket_sendto(r->req, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(r->req, buf, sizeof buf);
        if (n < 0)
            return -errno;
        ret = mnl_cb_run(buf, (size_t)n, seq, r->portid, cb, data);
        if (ret < 0)
            return -errno;
        if (ret == MNL_CB_STOP)
            return 0;
    }
}

static struct nlmsghdr *rtnl_msg(px_rtnl *r, char *buf, uint16_t type, uint16_t flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    nlh->nlmsg_seq = ++r->seq;
    return nlh;
}

int px_rtnl_link_up(px_rtnl *r, int ifindex, uint32_t mtu)
{
    char buf[RTNL_BUF];
    struct nlmsghdr *nlh = rtnl_msg(r, buf, RTM_NEWLINK, NLM_F_ACK);
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
    struct nlattr *spec, *in6;
    int rc;

    /* No IPv6 link-local address on the tunnel (set while it is down): the kernel would
     * otherwise send router solicitations and MLD reports into it, which are not ours to
     * tunnel. The home address is the only address a tunnel needs. */
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = ifindex;
    spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    in6 = mnl_attr_nest_start(nlh, AF_INET6);
    mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
    mnl_attr_nest_end(nlh, in6);
    mnl_attr_nest_end(nlh, spec);
    rc = rtnl_talk(r, nlh, NULL, NULL);
    if (rc != 0)
        return rc;

    nlh = rtnl_msg(r, buf, RTM_NEWLINK, NLM_F_ACK);
    ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = ifindex;
    ifm->ifi_flags = IFF_UP; /* and not IFF_MULTICAST: no MLD reports into the tunnel */
    ifm->ifi_change = IFF_UP | IFF_MULTICAST;
    if (mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    return rtnl_talk(r, nlh, NULL, NULL);
}

static int rtnl_family(const mip6tls_addr *a)
{
    return a->family == MIP6TLS_AF_INET ? AF_INET : AF_INET6;
}

static size_t rtnl_alen(const mip6tls_addr *a)
{
    return a->family == MIP6TLS_AF_INET ? 4 : 16;
}

int px_rtnl_set_addr(px_rtnl *r, int add, int ifindex, const mip6tls_addr *a, uint8_t plen)
{
    char buf[RTNL_BUF];
    struct nlmsghdr *nlh = rtnl_msg(r, buf, add ? RTM_NEWADDR : RTM_DELADDR,
                                    NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0));
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)rtnl_family(a);
    ifa->ifa_prefixlen = plen;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (uint32_t)ifindex;
    if (a->family == MIP6TLS_AF_INET6)
        ifa->ifa_flags = IFA_F_NODAD; /* a home address on a tunnel: no link to defend it on */
    mnl_attr_put(nlh, IFA_LOCAL, rtnl_alen(a), a->bytes);
    mnl_attr_put(nlh, IFA_ADDRESS, rtnl_alen(a), a->bytes);
    return rtnl_talk(r, nlh, NULL, NULL);
}

int px_rtnl_route(px_rtnl *r, int add, int ifindex, const mip6tls_addr *prefix, uint8_t plen,
                  const mip6tls_addr *src)
{
    char buf[RTNL_BUF];
    struct nlmsghdr *nlh = rtnl_msg(r, buf, add ? RTM_NEWROUTE : RTM_DELROUTE,
                                    NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0));
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (uint8_t)rtnl_family(prefix);
    rtm->rtm_dst_len = plen;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put(nlh, RTA_DST, rtnl_alen(prefix), prefix->bytes);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    if (src != NULL && src->family == prefix->family)
        mnl_attr_put(nlh, RTA_PREFSRC, rtnl_alen(src), src->bytes);
    return rtnl_talk(r, nlh, NULL, NULL);
}

/* ---- addresses in ------------------------------------------------------------------- */

typedef struct {
    px_rtnl_addr_fn fn;
    void *ctx;
} rtnl_addr_cb;

static int rtnl_addr_attr(const struct nlattr *attr, void *data)
{
    const struct nlattr **tb = data;
    int type = mnl_attr_get_type(attr);
    if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
        return MNL_CB_OK;
    tb[type] = attr;
    return MNL_CB_OK;
}

static int rtnl_on_addr(const struct nlmsghdr *nlh, void *data)
{
    rtnl_addr_cb *cb = data;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *tb[IFA_MAX + 1];
    const struct nlattr *at;
    px_rtnl_addr a;
    if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
        return MNL_CB_OK;
    memset(tb, 0, sizeof tb);
    mnl_attr_parse(nlh, sizeof *ifa, rtnl_addr_attr, tb);
    /* IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on point-to-point links). */
    at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (at == NULL)
        return MNL_CB_OK;
    memset(&a, 0, sizeof a);
    if (ifa->ifa_family == AF_INET && mnl_attr_get_payload_len(at) == 4)
        mip6tls_addr_set4(&a.addr, mnl_attr_get_payload(at));
    else if (ifa->ifa_family == AF_INET6 && mnl_attr_get_payload_len(at) == 16)
        mip6tls_addr_set6(&a.addr, mnl_attr_get_payload(at));
    else
        return MNL_CB_OK;
    a.ifindex = (int)ifa->ifa_index;
    a.plen = ifa->ifa_prefixlen;
    a.scope = ifa->ifa_scope;
    a.flags = ifa->ifa_flags;
    if (tb[IFA_FLAGS] && mnl_attr_get_payload_len(tb[IFA_FLAGS]) == 4)
        a.flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
    cb->fn(cb->ctx, nlh->nlmsg_type == RTM_NEWADDR, &a);
    return MNL_CB_OK;
}

int px_rtnl_dump_addrs(px_rtnl *r, px_rtnl_addr_fn fn, void *ctx)
{
    char buf[RTNL_BUF];
    struct nlmsghdr *nlh = rtnl_msg(r, buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    rtnl_addr_cb cb;
    ifa->ifa_family = AF_UNSPEC;
    cb.fn = fn;
    cb.ctx = ctx;
    return rtnl_talk(r, nlh, rtnl_on_addr, &cb);
}

int px_rtnl_read_events(px_rtnl *r, px_rtnl_addr_fn fn, void *ctx)
{
    char buf[RTNL_BUF];
    rtnl_addr_cb cb;
    cb.fn = fn;
    cb.ctx = ctx;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(r->mon, buf, sizeof buf);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        if (mnl_cb_run(buf, (size_t)n, 0, 0, rtnl_on_addr, &cb) < 0)
            return -errno;
    }
}
