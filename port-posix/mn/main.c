/*
 * mip6tls-mn: the Mobile Node.
 *
 *   rtnetlink      RTM_NEWADDR / RTM_DELADDR on the configured interfaces: the care-of
 *                  address is the newest usable global address (IPv6 or IPv4) there; a new one
 *                  means a move: mip6tls_mn_set_coa(), one BU
 *   UDP            bound to the care-of address and [mn] port: BU/BA and tunnelled data
 *   TCP            the bootstrap with the HAC (TLS 1.2 in the core; the port moves bytes)
 *   TUN [mn] tun   carries the home address(es) of the active SA and the routes of [mn]
 *                  routes: what the applications send there is reverse-tunnelled to the HA
 *   SIGTERM/INT    deregister (a lifetime-0 BU from the care-of address), wait for the BA
 *                  or [mn] dereg_timeout, exit
 *
 * The protocol (when to bootstrap, BU timing, retransmission, keys, NAT keepalives) is the
 * core's (mn.h, boot.h); this file only performs its actions and feeds it the world.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "espsa.h"
#include "keylog.h"
#include "log.h"
#include "loop.h"
#include "mip6tls/addr.h"
#include "mip6tls/mn.h"
#include "mip6tls/suite.h"
#include "net.h"
#include "port.h"
#include "rtnl.h"
#include "srv.h"
#include "status.h"
#include "tun.h"
#include "util.h"

#define PROG "mip6tls-mn"
#define MN_MAX_IFS 8
#define MN_MAX_ROUTES 16
#define MN_MAX_SERVERS 8
#define MN_MAX_SRV 8      /* SRV targets used */
#define MN_MAX_HAC_EPS 32 /* HAC endpoints after resolution */
#define MN_MAX_CANDIDATES 32
#define MN_KEY_MAX 256

/* if_indextoname without <net/if.h> (it clashes with the <linux/...> headers above). */
extern char *if_indextoname(unsigned int ifindex, char *ifname);

/* ---- configuration -------------------------------------------------------------------- */

typedef struct {
    /* [mn] */
    char nai[MIP6TLS_SA_NAI_MAX + 1];
    unsigned methods, eap_methods;
    uint8_t psk[MN_KEY_MAX], eap_key[MN_KEY_MAX];
    size_t psk_len, eap_key_len;
    char ifs[MN_MAX_IFS][16];
    size_t n_ifs;
    uint16_t port;
    char tun[16];
    uint32_t mtu;
    mip6tls_addr routes[MN_MAX_ROUTES];
    uint8_t route_len[MN_MAX_ROUTES];
    int route_line;
    size_t n_routes;
    uint32_t lifetime_s;
    uint16_t suites[8];
    size_t n_suites;
    int scope; /* -1: propose all */
    char status_socket[108];
    char esp_sa_file[512];
    char tls_keylog[512];
    uint32_t dereg_timeout_ms;
    int log_level;
    /* [hac] */
    char servers[MN_MAX_SERVERS][256];
    size_t n_servers;
    char srv[256]; /* DNS SRV name of the HAC service (RFC 6618 §5.4), "" for none */
    uint16_t hac_port;
    char hac_name[256];
    px_blob anchors;
    uint32_t retry_min_s, retry_max_s, timeout_s;
    uint8_t no_resumption;
} mn_conf;

static void conf_defaults(mn_conf *c)
{
    memset(c, 0, sizeof *c);
    c->port = MIP6TLS_DEFAULT_PORT;
    c->hac_port = MIP6TLS_DEFAULT_PORT;
    snprintf(c->tun, sizeof c->tun, "mip6tls0");
    c->mtu = 1380;
    c->scope = -1;
    snprintf(c->status_socket, sizeof c->status_socket, "/run/mip6tls/mn.sock");
    c->dereg_timeout_ms = 3000;
    c->log_level = PX_LOG_INFO;
}

static int conf_if_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    mn_conf *mc = u;
    if (mc->n_ifs == MN_MAX_IFS)
        return px_conf_fail(c, s, k, item, "more than %d interfaces", MN_MAX_IFS);
    if (strlen(item) >= 16)
        return px_conf_fail(c, s, k, item, "not an interface name (at most 15 octets)");
    memcpy(mc->ifs[mc->n_ifs++], item, strlen(item) + 1);
    return 0;
}

static int conf_route_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    mn_conf *mc = u;
    if (mc->n_routes == MN_MAX_ROUTES)
        return px_conf_fail(c, s, k, item, "more than %d routes", MN_MAX_ROUTES);
    if (px_conf_prefix(c, s, k, item, MIP6TLS_AF_NONE, &mc->routes[mc->n_routes],
                       &mc->route_len[mc->n_routes]) != 0)
        return -1;
    if (mc->route_len[mc->n_routes] == 0)
        return px_conf_fail(c, s, k, item,
                            "a default route through the tunnel would carry the "
                            "tunnel itself: list the correspondents' prefixes");
    mc->n_routes++;
    return 0;
}

static int conf_suite_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    mn_conf *mc = u;
    if (mc->n_suites == 8)
        return px_conf_fail(c, s, k, item, "more than 8 suites");
    return px_conf_suite(c, s, k, item, &mc->suites[mc->n_suites++]);
}

static int conf_server_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    mn_conf *mc = u;
    if (mc->n_servers == MN_MAX_SERVERS)
        return px_conf_fail(c, s, k, item, "more than %d servers", MN_MAX_SERVERS);
    if (strlen(item) > 253 || strchr(item, '*') != NULL)
        return px_conf_fail(c, s, k, item, "not an address or a DNS name");
    memcpy(mc->servers[mc->n_servers++], item, strlen(item) + 1);
    return 0;
}

static int conf_key(px_conf *c, void *user, const char *s, const char *k, const char *v)
{
    mn_conf *mc = user;
    if (!strcmp(s, "mn")) {
        if (!strcmp(k, "nai"))
            return px_conf_str(c, s, k, v, mc->nai, sizeof mc->nai);
        if (!strcmp(k, "psk") || !strcmp(k, "psk_hex"))
            return px_conf_secret(c, s, k, v, k[3] == '_', mc->psk, sizeof mc->psk, &mc->psk_len);
        if (!strcmp(k, "eap_key") || !strcmp(k, "eap_key_hex"))
            return px_conf_secret(c, s, k, v, k[7] == '_', mc->eap_key,
                                  MIP6TLS_HACP_KEY_MAX, &mc->eap_key_len);
        if (!strcmp(k, "method")) {
            if (!strcmp(v, "psk")) {
                mc->methods = MIP6TLS_CTR_AM_PSK;
            } else if (!strcmp(v, "eap-gpsk")) {
                mc->methods = MIP6TLS_CTR_AM_EAP;
                mc->eap_methods = MIP6TLS_EAP_M_GPSK;
            } else if (!strcmp(v, "eap-md5")) {
                mc->methods = MIP6TLS_CTR_AM_EAP;
                mc->eap_methods = MIP6TLS_EAP_M_MD5;
            } else {
                return px_conf_fail(c, s, k, v, "unknown method (psk, eap-gpsk, eap-md5)");
            }
            return 0;
        }
        if (!strcmp(k, "interfaces"))
            return px_conf_list(c, s, k, v, conf_if_item, mc);
        if (!strcmp(k, "port"))
            return px_conf_port(c, s, k, v, &mc->port);
        if (!strcmp(k, "tun"))
            return px_conf_str(c, s, k, v, mc->tun, sizeof mc->tun);
        if (!strcmp(k, "mtu"))
            return px_conf_u32(c, s, k, v, 1280, 65535, &mc->mtu);
        if (!strcmp(k, "routes")) {
            mc->route_line = c->line;
            return px_conf_list(c, s, k, v, conf_route_item, mc);
        }
        if (!strcmp(k, "lifetime"))
            return px_conf_u32(c, s, k, v, 4, 262140, &mc->lifetime_s);
        if (!strcmp(k, "suites"))
            return px_conf_list(c, s, k, v, conf_suite_item, mc);
        if (!strcmp(k, "scope")) {
            if (!strcmp(v, "all"))
                mc->scope = MIP6TLS_SAS_ALL;
            else if (!strcmp(v, "signaling"))
                mc->scope = MIP6TLS_SAS_SIGNALING;
            else
                return px_conf_fail(c, s, k, v, "unknown scope (all, signaling)");
            return 0;
        }
        if (!strcmp(k, "status_socket"))
            return px_conf_str(c, s, k, v, mc->status_socket, sizeof mc->status_socket);
        if (!strcmp(k, "esp_sa_file"))
            return px_conf_str(c, s, k, v, mc->esp_sa_file, sizeof mc->esp_sa_file);
        if (!strcmp(k, "tls_keylog"))
            return px_conf_str(c, s, k, v, mc->tls_keylog, sizeof mc->tls_keylog);
        if (!strcmp(k, "dereg_timeout")) {
            uint32_t t;
            if (px_conf_u32(c, s, k, v, 0, 60, &t) != 0)
                return -1;
            mc->dereg_timeout_ms = t * 1000u;
            return 0;
        }
        if (!strcmp(k, "log_level")) {
            mc->log_level = px_log_level_parse(v);
            return mc->log_level < 0 ? px_conf_fail(c, s, k, v, "not err, warn, info or debug") : 0;
        }
        return px_conf_unknown(c, s, k);
    }
    if (!strcmp(s, "hac")) {
        if (!strcmp(k, "server"))
            return px_conf_list(c, s, k, v, conf_server_item, mc);
        if (!strcmp(k, "srv")) {
            mip6tls_addr a;
            size_t i, n = strlen(v);
            if (mip6tls_addr_parse(&a, v, n) == 0)
                return px_conf_fail(c, s, k, v,
                                    "an address, not a DNS name (e.g. "
                                    "_mip6tls._tcp.example.com)");
            for (i = 0; i < n; i++)
                if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
                      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' || v[i] == '.'))
                    return px_conf_fail(c, s, k, v,
                                        "not a DNS name (letters, digits, '-', '_', '.'; e.g. "
                                        "_mip6tls._tcp.example.com)");
            if (n > 253)
                return px_conf_fail(c, s, k, v, "longer than 253 octets");
            return px_conf_str(c, s, k, v, mc->srv, sizeof mc->srv);
        }
        if (!strcmp(k, "port"))
            return px_conf_port(c, s, k, v, &mc->hac_port);
        if (!strcmp(k, "name")) {
            mip6tls_addr a;
            if (mip6tls_addr_parse(&a, v, strlen(v)) == 0)
                return px_conf_fail(c, s, k, v,
                                    "an address, not a DNS name: leave name out "
                                    "to check the server address as the iPAddress identity");
            if (strchr(v, '*') != NULL)
                return px_conf_fail(c, s, k, v, "wildcards are not allowed (RFC 6618 §9.2)");
            return px_conf_str(c, s, k, v, mc->hac_name, sizeof mc->hac_name);
        }
        if (!strcmp(k, "trust_anchors"))
            return px_conf_file(c, s, k, v, &mc->anchors);
        if (!strcmp(k, "retry_min"))
            return px_conf_u32(c, s, k, v, 1, 3600, &mc->retry_min_s);
        if (!strcmp(k, "retry_max"))
            return px_conf_u32(c, s, k, v, 1, 86400, &mc->retry_max_s);
        if (!strcmp(k, "timeout"))
            return px_conf_u32(c, s, k, v, 1, 600, &mc->timeout_s);
        if (!strcmp(k, "resumption")) {
            uint8_t on;
            if (px_conf_bool(c, s, k, v, &on) != 0)
                return -1;
            mc->no_resumption = !on;
            return 0;
        }
        return px_conf_unknown(c, s, k);
    }
    snprintf(c->err, sizeof c->err, "%s:%d: unknown section [%s] (expected [mn], [hac])", c->path,
             c->section_line, s);
    c->failed = 1;
    return -1;
}

static int conf_check(mn_conf *mc, const char *path, char *err, size_t cap)
{
    const char *missing = mc->nai[0] == 0                         ? "[mn] nai"
                          : mc->n_ifs == 0                        ? "[mn] interfaces"
                          : mc->n_servers == 0 && mc->srv[0] == 0 ? "[hac] server (or srv)"
                          : !mc->anchors.data                     ? "[hac] trust_anchors"
                                                                  : NULL;
    if (missing != NULL) {
        snprintf(err, cap, "%s: %s is required", path, missing);
        return -1;
    }
    if (mc->srv[0] && mc->hac_name[0] == 0) {
        snprintf(err, cap,
                 "%s: [hac] srv needs [hac] name: the HAC's certificate is checked against a "
                 "configured name, never one learnt from DNS (RFC 6618 §9.2)",
                 path);
        return -1;
    }
    if (mc->methods == 0)
        mc->methods = MIP6TLS_CTR_AM_PSK;
    if (mc->methods == MIP6TLS_CTR_AM_PSK && mc->psk_len == 0) {
        snprintf(err, cap, "%s: [mn] psk (or psk_hex) is required for method psk", path);
        return -1;
    }
    if (mc->methods == MIP6TLS_CTR_AM_EAP && mc->eap_key_len == 0) {
        snprintf(err, cap, "%s: [mn] eap_key (or eap_key_hex) is required for EAP", path);
        return -1;
    }
    if (mc->retry_min_s && mc->retry_max_s && mc->retry_min_s > mc->retry_max_s) {
        snprintf(err, cap, "%s: [hac] retry_min (%u) is above retry_max (%u)", path,
                 mc->retry_min_s, mc->retry_max_s);
        return -1;
    }
    return 0;
}

/* ---- the daemon ------------------------------------------------------------------------ */

typedef struct {
    int ifindex;
    mip6tls_addr addr;
    uint64_t seq; /* when it became usable: the newest is the care-of address */
} mn_candidate;

typedef struct {
    mn_conf cf;
    const char *conf_path;
    px_loop loop;
    px_port port;
    px_status status;
    px_rtnl *rtnl;
    px_io rtnl_io;
    uint64_t started;

    mip6tls_esp_impl impl;
    mip6tls_drbg drbg;
    uint8_t cred_arena[16384];
    mip6tls_cred anchors;
    mip6tls_tls_config tls;
    uint8_t tls_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_hacp_client_cfg hacp;
    mip6tls_boot_config boot;
    mip6tls_mn mn;
    mip6tls_action acts[MIP6TLS_MN_OUTBOX_ACTS];
    uint8_t *arena;
    mip6tls_outbox ob;

    /* the HAC's endpoints (SRV targets first, then [hac] server; names resolved) and the one
     * the next attempt starts from */
    mip6tls_endpoint hac_eps[MN_MAX_HAC_EPS];
    size_t n_hac_eps, hac_cur;

    /* care-of address */
    mn_candidate cand[MN_MAX_CANDIDATES];
    size_t n_cand;
    uint64_t cand_seq;
    int have_coa;
    mip6tls_endpoint coa;
    px_udp udp;
    uint64_t moves;

    /* home addresses on the TUN */
    px_io tun;
    char tun_name[16];
    int tun_ifindex;
    mip6tls_addr hoa6, hoa4;
    uint8_t *tun_buf;
    uint64_t tun_in;
    int last_boot_state;

    /* shutdown */
    int stopping;
    uint64_t stop_deadline;
} mnd;

static void mn_drain(mnd *m);
static void mn_on_udp(px_io *io, uint32_t ev);

/* ---- the HAC's address ------------------------------------------------------------------ */

/* Adds the addresses of `name` (getaddrinfo: /etc/hosts or DNS A/AAAA) with `port`. */
static void mn_add_name(mnd *m, const char *what, const char *name, uint16_t port)
{
    struct addrinfo hints, *res = NULL, *r;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        px_log(PX_LOG_WARN, "%s \"%s\": cannot resolve: %s", what, name, gai_strerror(rc));
        return;
    }
    for (r = res; r != NULL && m->n_hac_eps < MN_MAX_HAC_EPS; r = r->ai_next) {
        mip6tls_endpoint ep;
        px_sockaddr_to_ep(r->ai_addr, &ep);
        if (ep.addr.family == MIP6TLS_AF_NONE)
            continue;
        ep.port = port;
        m->hac_eps[m->n_hac_eps++] = ep;
    }
    freeaddrinfo(res);
}

/* Resolves where the HAC is (RFC 6618 §5.4: configured, or discovered with DNS): the targets
 * of [hac] srv in RFC 2782 order (priority, then a weighted draw) with their ports, then the
 * [hac] server items (addresses, or names through getaddrinfo) with [hac] port. Returns the
 * number of endpoints. */
static size_t mn_resolve(mnd *m)
{
    size_t i;
    m->n_hac_eps = 0;
    m->hac_cur = 0;
    if (m->cf.srv[0]) {
        px_srv_rec recs[MN_MAX_SRV];
        px_buf list = {0};
        char err[256];
        int n = px_srv_lookup(m->cf.srv, recs, MN_MAX_SRV, err, sizeof err);
        if (n < 0)
            px_log(PX_LOG_WARN, "[hac] srv = \"%s\": %s", m->cf.srv, err);
        for (i = 0; n > 0 && i < (size_t)n; i++) {
            size_t before = m->n_hac_eps;
            mn_add_name(m, "SRV target", recs[i].target, recs[i].port);
            px_buf_printf(&list, "%s%s:%u (priority %u, weight %u, %zu address(es))", i ? ", " : "",
                          recs[i].target, recs[i].port, recs[i].priority, recs[i].weight,
                          m->n_hac_eps - before);
        }
        if (n > 0)
            px_log(PX_LOG_INFO, "[hac] srv = \"%s\": %d target(s) in the order tried: %s",
                   m->cf.srv, n, list.s ? list.s : "");
        px_buf_free(&list);
    }
    for (i = 0; i < m->cf.n_servers; i++) {
        const char *s = m->cf.servers[i];
        mip6tls_endpoint ep;
        memset(&ep, 0, sizeof ep);
        ep.port = m->cf.hac_port;
        if (mip6tls_addr_parse(&ep.addr, s, strlen(s)) == 0) {
            if (m->n_hac_eps < MN_MAX_HAC_EPS)
                m->hac_eps[m->n_hac_eps++] = ep;
            continue;
        }
        mn_add_name(m, "[hac] server", s, m->cf.hac_port);
    }
    return m->n_hac_eps;
}

/* Points the bootstrap at the next HAC endpoint, from where the last attempt left off: the
 * next one of the care-of address's family (when none is left, the list is resolved again and
 * taken from the top), or, when the list has none of that family, the next one of any. With no
 * DNS name configured, its address is also the identity the certificate must carry
 * (RFC 6618 §9.2 iPAddress). Returns 0, or -1 when no endpoint is known. */
static int mn_pick_hac(mnd *m, int family)
{
    size_t j;
    if (m->hac_cur >= m->n_hac_eps && mn_resolve(m) == 0) /* used up, or never resolved */
        return -1;
    for (j = m->hac_cur; j < m->n_hac_eps && m->hac_eps[j].addr.family != family; j++)
        ;
    if (j == m->n_hac_eps && m->hac_cur > 0) {
        if (mn_resolve(m) == 0)
            return -1;
        for (j = 0; j < m->n_hac_eps && m->hac_eps[j].addr.family != family; j++)
            ;
    }
    if (j == m->n_hac_eps)
        j = m->hac_cur;
    m->hac_cur = j;
    m->boot.hac = m->hac_eps[j];
    if (m->boot.peer.dns == NULL)
        m->boot.peer.ip = m->hac_eps[j].addr;
    return 0;
}

/* An attempt failed: the next one goes to the next endpoint (RFC 2782: the next target in
 * order); past the last, everything is resolved again (mn_pick_hac). */
static void mn_next_hac(mnd *m)
{
    m->hac_cur++;
}

/* ---- home addresses ---------------------------------------------------------------------- */

static int mn_addr_in(const mip6tls_addr *a, const mip6tls_addr *p, uint8_t plen)
{
    unsigned i;
    if (a->family != p->family)
        return 0;
    for (i = 0; i < plen; i++)
        if ((a->bytes[i / 8] ^ p->bytes[i / 8]) & (0x80 >> (i % 8)))
            return 0;
    return 1;
}

/* One home address on the TUN (or off it), with the routes of its family. */
static void mn_set_hoa(mnd *m, mip6tls_addr *cur, const mip6tls_addr *want, const mip6tls_sa *sa)
{
    char a[PX_EP_TEXT_MAX], p[PX_EP_TEXT_MAX];
    uint8_t plen;
    size_t i;
    int rc;
    if (mip6tls_addr_eq(cur, want) ||
        (cur->family == MIP6TLS_AF_NONE && want->family == MIP6TLS_AF_NONE))
        return;
    plen = cur->family == MIP6TLS_AF_INET6 ? 128 : 32;
    if (cur->family != MIP6TLS_AF_NONE) {
        px_rtnl_set_addr(m->rtnl, 0, m->tun_ifindex, cur, plen);
        px_log(PX_LOG_INFO, "home address %s removed from %s", px_addr_str(cur, a, sizeof a),
               m->tun_name);
    }
    *cur = *want;
    if (want->family == MIP6TLS_AF_NONE)
        return;
    plen = want->family == MIP6TLS_AF_INET6 ? 128 : 32;
    rc = px_rtnl_set_addr(m->rtnl, 1, m->tun_ifindex, want, plen);
    if (rc != 0) {
        px_log(PX_LOG_ERR, "home address %s on %s: %s", px_addr_str(want, a, sizeof a), m->tun_name,
               strerror(-rc));
        return;
    }
    px_log(PX_LOG_INFO, "home address %s on %s", px_addr_str(want, a, sizeof a), m->tun_name);
    for (i = 0; i < m->cf.n_routes; i++) {
        const mip6tls_addr *ha = want->family == MIP6TLS_AF_INET6 ? &sa->ha6 : &sa->ha4;
        if (m->cf.routes[i].family != want->family)
            continue;
        mip6tls_prefix_format(&m->cf.routes[i], m->cf.route_len[i], 0, p, sizeof p);
        if (ha->family != MIP6TLS_AF_NONE && mn_addr_in(ha, &m->cf.routes[i], m->cf.route_len[i])) {
            px_log(PX_LOG_ERR,
                   "%s:%d: [mn] routes: %s holds the HA address %s: routing it through the "
                   "tunnel would loop; route not added",
                   m->conf_path, m->cf.route_line, p, px_addr_str(ha, a, sizeof a));
            continue;
        }
        rc = px_rtnl_route(m->rtnl, 1, m->tun_ifindex, &m->cf.routes[i], m->cf.route_len[i], want);
        if (rc != 0)
            px_log(PX_LOG_ERR, "route %s via %s: %s", p, m->tun_name, strerror(-rc));
        else
            px_log(PX_LOG_INFO, "route %s via %s (source %s)", p, m->tun_name,
                   px_addr_str(want, a, sizeof a));
    }
}

/* After every drain: the TUN carries the active SA's home addresses (docs/porting.md §3:
 * the ports configure the home address from the SA). */
static void mn_sync_hoa(mnd *m)
{
    const mip6tls_sa *sa = mip6tls_mn_active_sa(&m->mn);
    mip6tls_addr none;
    memset(&none, 0, sizeof none);
    if (sa == NULL)
        return; /* keep what is there: a new SA is on its way */
    mn_set_hoa(m, &m->hoa6, sa->hoa6.family == MIP6TLS_AF_INET6 ? &sa->hoa6 : &none, sa);
    mn_set_hoa(m, &m->hoa4, sa->hoa4.family == MIP6TLS_AF_INET ? &sa->hoa4 : &none, sa);
}

/* ---- errors a person must read ------------------------------------------------------------ */

static const char *mn_tls_reason(mnd *m, int br, char *buf, size_t cap)
{
    switch (br) {
    case BR_ERR_X509_BAD_SERVER_NAME:
        if (m->boot.peer.dns != NULL)
            snprintf(buf, cap,
                     "the HAC's certificate does not name \"%s\" (RFC 6618 §9.2: a "
                     "subjectAltName dNSName must match)",
                     m->boot.peer.dns);
        else
            snprintf(buf, cap,
                     "the HAC's certificate does not carry its address as a "
                     "subjectAltName iPAddress (RFC 6618 §9.2; or set [hac] name)");
        return buf;
    case BR_ERR_X509_NOT_TRUSTED:
    case BR_ERR_X509_NOT_CA:
    case BR_ERR_X509_DN_MISMATCH:
    case BR_ERR_X509_BAD_SIGNATURE:
        snprintf(buf, cap,
                 "the HAC's certificate chain does not lead to a trust anchor in "
                 "\"%.200s\" (BearSSL error %d)",
                 m->cf.anchors.path, br);
        return buf;
    case BR_ERR_X509_EXPIRED:
        snprintf(buf, cap,
                 "the HAC's certificate is expired or not yet valid at the system "
                 "clock's time");
        return buf;
    default:
        snprintf(buf, cap, "TLS with the HAC failed: %s (BearSSL error %d)",
                 mip6tls_strerror(mip6tls_tls_map_error(br)), br);
        return buf;
    }
}

/* The MN role's state (mip6tls_mn_state). */
static int mn_state(const mnd *m)
{
    mip6tls_mn_status st;
    mip6tls_mn_get_status(&m->mn, &st);
    return st.state;
}

/* One clear line per failed bootstrap attempt, with when the core will try again. */
static void mn_boot_failed(mnd *m, const mip6tls_action *a)
{
    int64_t v = (int64_t)a->arg;
    char why[1024], hac[PX_EP_TEXT_MAX];
    const mip6tls_boot *boot = mip6tls_mn_boot(&m->mn);
    const mip6tls_tls *tls = mip6tls_boot_tls(boot);
    uint64_t next = mip6tls_boot_next_deadline(boot), now = px_now_ms();
    px_ep_str(&m->boot.hac, hac, sizeof hac);
    if (v > 0) {
        snprintf(why, sizeof why, "the HAC %s refused: status %lld (%s)%s", hac, (long long)v,
                 mip6tls_hacp_status_text((unsigned)v),
                 v == 401 ? ": check [mn] nai and psk against the HAC's [mn <nai>] section" : "");
    } else if (mip6tls_tls_get_state(tls) == MIP6TLS_TLS_FAILED &&
               mip6tls_tls_last_error(tls) != 0 && v != MIP6TLS_ERR_TIMEOUT) {
        /* The core's TLS session of this attempt says why (read before the next attempt
         * reinitialises it). */
        mn_tls_reason(m, mip6tls_tls_last_error(tls), why, sizeof why);
    } else if (v == MIP6TLS_ERR_AUTH) {
        /* TLS is fine, but the HAC's answer is not authenticated with our key: the HAC holds
         * another PSK (or EAP key) for this NAI, or someone in between does (§5.8). */
        snprintf(why, sizeof why,
                 "the HAC %s answered with an auth that does not verify with "
                 "[mn] %s: the HAC holds a different key for \"%s\" (RFC 6618 §5.8)",
                 hac, m->cf.methods == MIP6TLS_CTR_AM_PSK ? "psk" : "eap_key", m->cf.nai);
    } else if (v == MIP6TLS_ERR_TIMEOUT) {
        snprintf(why, sizeof why, "no answer from the HAC %s within %us", hac,
                 m->cf.timeout_s ? m->cf.timeout_s : 30);
    } else if (v == MIP6TLS_ERR_TRUNCATED && m->port.last_tcp_conn == a->conn &&
               m->port.last_tcp_errno != 0) {
        snprintf(why, sizeof why, "cannot connect to the HAC %s: %s", hac,
                 strerror(m->port.last_tcp_errno));
    } else if (v == MIP6TLS_ERR_TRUNCATED) {
        snprintf(why, sizeof why,
                 "the HAC %s closed the connection before the exchange "
                 "completed",
                 hac);
    } else {
        snprintf(why, sizeof why, "%s (HAC %s)", mip6tls_strerror((int)v), hac);
    }
    if (next != MIP6TLS_NO_DEADLINE && next >= now)
        px_log(PX_LOG_ERR, "bootstrap attempt %u failed: %s; next attempt in %.1fs", a->conn, why,
               (double)(next - now) / 1000.0);
    else
        px_log(PX_LOG_ERR, "bootstrap attempt %u failed: %s", a->conn, why);
}

/* ---- hooks ------------------------------------------------------------------------------- */

static int hook_action(void *ctx, char role, const mip6tls_action *a)
{
    mnd *m = ctx;
    (void)role;
    if (px_keylog_action(m->cf.tls_keylog, a))
        return 1; /* the TLS key log line: to the file, never to the log */
    switch (a->type) {
    case MIP6TLS_ACT_TCP_CONNECT: {
        /* The HAC address of the care-of address's family (names resolved now if needed). */
        mip6tls_action b = *a;
        char s[PX_EP_TEXT_MAX];
        if (mn_pick_hac(m, m->have_coa ? m->coa.addr.family : MIP6TLS_AF_INET6) != 0) {
            px_log(PX_LOG_ERR, "no address for the HAC ([hac] srv and server give none)");
            px_port_fail_tcp(&m->port, a->conn);
            return 1;
        }
        b.remote = m->boot.hac;
        px_log(PX_LOG_DEBUG, "tcp: connection %u to %s", a->conn,
               px_ep_str(&b.remote, s, sizeof s));
        px_port_perform(&m->port, role, &b);
        return 1;
    }
    case MIP6TLS_ACT_IF_CONFIG: {
        char t[PX_EP_TEXT_MAX];
        int rc = px_rtnl_set_addr(m->rtnl, 1, m->tun_ifindex, &a->remote.addr, (uint8_t)a->arg);
        px_log(rc ? PX_LOG_ERR : PX_LOG_INFO, "%s: address %s/%u%s%s", m->tun_name,
               px_addr_str(&a->remote.addr, t, sizeof t), (unsigned)a->arg, rc ? ": " : "",
               rc ? strerror(-rc) : "");
        return 1;
    }
    case MIP6TLS_ACT_EVENT:
        if (a->event == MIP6TLS_BOOT_EV_FAILED) {
            px_log_event(PX_ROLE_MN, a);
            mn_boot_failed(m, a);
            mn_next_hac(m);
            return 1;
        }
        if (a->event == MIP6TLS_BOOT_EV_STARTED) {
            /* The endpoint this attempt's TCP_CONNECT (just before it) went to. */
            mip6tls_action b = *a;
            b.remote = m->boot.hac;
            px_log_event(PX_ROLE_MN, &b);
            return 1;
        }
        if (a->event == MIP6TLS_BOOT_EV_DONE)
            m->n_hac_eps = 0; /* the next bootstrap (a re-key) asks DNS again */
        if ((a->event == MIP6TLS_MN_EV_SA_ACTIVATED ||
             (a->event == MIP6TLS_MN_EV_SA_INSTALLED && a->arg == 1)) &&
            m->cf.esp_sa_file[0]) {
            const mip6tls_sa *sa = mip6tls_mn_active_sa(&m->mn);
            if (sa != NULL && sa->keys.spi == a->conn) {
                int n = px_espsa_append(m->cf.esp_sa_file, sa);
                if (n < 0)
                    px_log(PX_LOG_WARN, "esp_sa_file %s: %s", m->cf.esp_sa_file, strerror(-n));
            }
        }
        return 0;
    default: return 0;
    }
}

static void hook_tcp_connected(void *ctx, uint32_t conn)
{
    mnd *m = ctx;
    mip6tls_mn_tcp_connected(&m->mn, px_now_ms(), conn, &m->ob);
    mn_drain(m);
}

static void hook_tcp_recv(void *ctx, uint32_t conn, const uint8_t *d, size_t len)
{
    mnd *m = ctx;
    int rc = mip6tls_mn_tcp_recv(&m->mn, px_now_ms(), conn, d, len, &m->ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "mn: bytes on connection %u not taken: %s", conn, mip6tls_strerror(rc));
    mn_drain(m);
}

static void hook_tcp_closed(void *ctx, uint32_t conn)
{
    mnd *m = ctx;
    mip6tls_mn_tcp_closed(&m->mn, px_now_ms(), conn, &m->ob);
    mn_drain(m);
}

static void mn_drain(mnd *m)
{
    px_drain(&m->port, PX_ROLE_MN, &m->ob);
    mn_sync_hoa(m);
    if (m->stopping && mn_state(m) == MIP6TLS_MN_AT_HOME) {
        px_log(PX_LOG_INFO, "deregistered: the HA acknowledged the lifetime-0 BU");
        px_loop_stop(&m->loop);
    }
}

/* ---- care-of address ------------------------------------------------------------------- */

static int mn_watched(mnd *m, int ifindex)
{
    char name[64];
    size_t i;
    if (if_indextoname((unsigned)ifindex, name) == NULL)
        return 0;
    for (i = 0; i < m->cf.n_ifs; i++)
        if (strcmp(name, m->cf.ifs[i]) == 0)
            return 1;
    return 0;
}

/* A global address the MN can be reached at: not tentative, not failed DAD, not deprecated;
 * IPv4 not loopback or link-local. */
static int mn_usable(const px_rtnl_addr *a)
{
    if (a->scope != RT_SCOPE_UNIVERSE)
        return 0;
    if (a->addr.family == MIP6TLS_AF_INET6)
        return !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED)) &&
               a->addr.bytes[0] != 0xFF &&
               !(a->addr.bytes[0] == 0xFE && (a->addr.bytes[1] & 0xC0) == 0x80);
    return a->addr.bytes[0] != 127 && !(a->addr.bytes[0] == 169 && a->addr.bytes[1] == 254);
}

/* Moves the care-of address to `addr`: a socket bound there, and one BU (set_coa). */
static void mn_use_coa(mnd *m, const mip6tls_addr *addr)
{
    mip6tls_endpoint ep;
    char a[PX_EP_TEXT_MAX];
    int rc;
    memset(&ep, 0, sizeof ep);
    ep.addr = *addr;
    ep.port = m->cf.port;
    if (m->udp.io.fd >= 0) {
        px_port_flush(&m->port);
        px_port_del_udp(&m->port, &m->udp);
        px_loop_del(&m->loop, &m->udp.io);
        close(m->udp.io.fd);
        m->udp.io.fd = -1;
    }
    rc = px_udp_open(&m->udp, &ep);
    if (rc != 0) {
        px_log(PX_LOG_ERR, "care-of address %s: UDP socket: %s", px_ep_str(&ep, a, sizeof a),
               strerror(-rc));
        m->have_coa = 0;
        return;
    }
    m->udp.io.fn = mn_on_udp;
    m->udp.io.ctx = m;
    px_port_add_udp(&m->port, &m->udp);
    px_loop_add(&m->loop, &m->udp.io, EPOLLIN);
    ep.port = m->udp.local.port;
    m->coa = ep;
    m->have_coa = 1;
    m->moves++;
    mn_pick_hac(m, addr->family);
    px_log(PX_LOG_INFO, "care-of address %s", px_ep_str(&ep, a, sizeof a));
    rc = mip6tls_mn_set_coa(&m->mn, px_now_ms(), &ep, &m->ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "set_coa: %s", mip6tls_strerror(rc));
    mn_drain(m);
}

/* The newest usable candidate is the care-of address; a change is a move. */
static void mn_choose_coa(mnd *m)
{
    const mn_candidate *best = NULL;
    size_t i;
    if (m->stopping)
        return;
    for (i = 0; i < m->n_cand; i++)
        if (best == NULL || m->cand[i].seq > best->seq)
            best = &m->cand[i];
    if (best == NULL) {
        if (m->have_coa) {
            char a[PX_EP_TEXT_MAX];
            px_log(PX_LOG_WARN, "care-of address %s is gone and no other is usable: waiting",
                   px_ep_str(&m->coa, a, sizeof a));
        }
        return;
    }
    if (m->have_coa && mip6tls_addr_eq(&best->addr, &m->coa.addr))
        return;
    mn_use_coa(m, &best->addr);
}

static void mn_on_addr(void *ctx, int is_new, const px_rtnl_addr *a)
{
    mnd *m = ctx;
    size_t i;
    int found = -1;
    for (i = 0; i < m->n_cand; i++)
        if (m->cand[i].ifindex == a->ifindex && mip6tls_addr_eq(&m->cand[i].addr, &a->addr))
            found = (int)i;
    if (is_new && mn_usable(a) && mn_watched(m, a->ifindex)) {
        /* Already a candidate (a lifetime refresh from a router advertisement): not new. */
        if (found < 0 && m->n_cand < MN_MAX_CANDIDATES) {
            m->cand[m->n_cand].ifindex = a->ifindex;
            m->cand[m->n_cand].addr = a->addr;
            m->cand[m->n_cand].seq = ++m->cand_seq;
            m->n_cand++;
        }
    } else if (found >= 0) {
        /* Removed, or no longer usable (deprecated, DAD failed). */
        m->cand[found] = m->cand[--m->n_cand];
    }
}

static void mn_on_rtnl(px_io *io, uint32_t ev)
{
    mnd *m = io->ctx;
    int rc;
    (void)ev;
    rc = px_rtnl_read_events(m->rtnl, mn_on_addr, m);
    if (rc == -ENOBUFS) {
        /* Notifications were lost: start over from the kernel's list. */
        px_log(PX_LOG_WARN, "rtnetlink: notifications lost; reading the addresses again");
        m->n_cand = 0;
        px_rtnl_dump_addrs(m->rtnl, mn_on_addr, m);
    } else if (rc < 0) {
        px_log(PX_LOG_WARN, "rtnetlink: %s", strerror(-rc));
    }
    mn_choose_coa(m);
}

/* ---- data --------------------------------------------------------------------------------- */

static void mn_on_udp(px_io *io, uint32_t ev)
{
    mnd *m = io->ctx;
    px_udp *u = (px_udp *)io;
    int round, n, i;
    (void)ev;
    for (round = 0; round < 8 && u->io.fd >= 0; round++) {
        n = px_udp_recv(u);
        for (i = 0; i < n; i++) {
            /* Decrypted in place: DELIVER points into rx[i] until the drain returns. */
            mip6tls_mn_recv(&m->mn, px_now_ms(), &m->coa, &u->rx_from[i], u->rx[i], u->rx_len[i],
                            &m->ob);
            mn_drain(m);
        }
        if (n < PX_BATCH)
            break;
    }
}

static void mn_tun_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    mnd *m = ctx;
    m->tun_in++;
    mip6tls_mn_send(&m->mn, px_now_ms(), pkt, len, &m->ob);
    mn_drain(m);
}

static void mn_on_tun(px_io *io, uint32_t ev)
{
    mnd *m = io->ctx;
    (void)ev;
    /* Super-packets come out as the IP packets they stand for (tun.h). */
    px_tun_read(io->fd, m->tun_buf, PX_TUN_BUF, 64, mn_tun_packet, m, NULL);
}

/* ---- loop hooks -------------------------------------------------------------------------- */

static uint64_t mn_next_deadline(void *ctx)
{
    mnd *m = ctx;
    uint64_t t = mip6tls_mn_next_deadline(&m->mn), u = px_port_next_deadline(&m->port);
    if (u < t)
        t = u;
    if (m->stopping && m->stop_deadline < t)
        t = m->stop_deadline;
    return t;
}

static void mn_on_timer(void *ctx, uint64_t now)
{
    mnd *m = ctx;
    int guard;
    px_port_tick(&m->port, now);
    for (guard = 0; guard < 64 && mip6tls_mn_next_deadline(&m->mn) <= now; guard++) {
        mip6tls_mn_tick(&m->mn, now, &m->ob);
        mn_drain(m);
    }
    if (m->stopping && now >= m->stop_deadline) {
        px_log(PX_LOG_WARN, "deregistration not acknowledged within %.1fs; exiting anyway",
               (double)m->cf.dereg_timeout_ms / 1000.0);
        px_loop_stop(&m->loop);
    }
}

static void mn_on_signal(void *ctx, int sig)
{
    mnd *m = ctx;
    int rc;
    if (m->stopping) {
        px_log(PX_LOG_INFO, "signal %d again: exiting now", sig);
        px_loop_stop(&m->loop);
        return;
    }
    m->stopping = 1;
    m->stop_deadline = px_now_ms() + m->cf.dereg_timeout_ms;
    if (!m->have_coa || mip6tls_mn_active_sa(&m->mn) == NULL || m->cf.dereg_timeout_ms == 0) {
        px_log(PX_LOG_INFO, "signal %d: nothing registered, exiting", sig);
        px_loop_stop(&m->loop);
        return;
    }
    /* A lifetime-0 BU from the care-of address (the core's deregistration, RFC 6275
     * §11.5.4); the loop ends at the BA (mn_drain) or at the timeout (mn_on_timer). */
    px_log(PX_LOG_INFO, "signal %d: deregistering", sig);
    rc = mip6tls_mn_returned_home(&m->mn, px_now_ms(), &m->coa, &m->ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "deregistration: %s", mip6tls_strerror(rc));
    mn_drain(m);
    if (mn_state(m) != MIP6TLS_MN_WAIT_DEREG_BA && mn_state(m) != MIP6TLS_MN_AT_HOME) {
        px_log(PX_LOG_INFO, "no binding to remove, exiting");
        px_loop_stop(&m->loop);
    }
}

static void mn_after_events(void *ctx)
{
    mnd *m = ctx;
    px_port_flush(&m->port);
}

/* ---- status ------------------------------------------------------------------------------ */

static void mn_report(void *ctx, px_buf *b)
{
    mnd *m = ctx;
    const mip6tls_sa *sa = mip6tls_mn_active_sa(&m->mn);
    mip6tls_mn_status st;
    uint64_t now = px_now_ms();
    char a[PX_EP_TEXT_MAX], c[PX_EP_TEXT_MAX];
    mip6tls_mn_get_status(&m->mn, &st);
    px_buf_printf(b, "%s %s, up %llus\n", PROG, MIP6TLS_VERSION_STRING,
                  (unsigned long long)((now - m->started) / 1000));
    px_buf_printf(b, "state: %s\n", mip6tls_mn_state_name(st.state));
    px_buf_printf(b, "care-of: %s (moves: %llu)\n",
                  m->have_coa ? px_ep_str(&m->coa, a, sizeof a) : "none",
                  (unsigned long long)m->moves);
    px_buf_printf(b, "hac: %s\n", px_ep_str(&m->boot.hac, a, sizeof a));
    if (sa != NULL) {
        const mip6tls_suite_info *si = mip6tls_suite_find(sa->keys.suite);
        time_t t = (time_t)sa->validity_end;
        struct tm tm;
        char until[32];
        gmtime_r(&t, &tm);
        strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm);
        px_buf_printf(b, "sa: spi=0x%07x suite=%s scope=%s valid-until=%s\n", sa->keys.spi,
                      si ? si->name : "?", sa->scope ? "all" : "signaling", until);
        px_buf_printf(b, "home: hoa=%s", px_addr_str(&sa->hoa6, a, sizeof a));
        px_buf_printf(b, " hoa4=%s tun=%s\n", px_addr_str(&sa->hoa4, a, sizeof a), m->tun_name);
        px_buf_printf(b, "ha: %s\n", px_ep_str(&st.ha, c, sizeof c));
    } else {
        px_buf_printf(b, "sa: none\n");
    }
    if (st.binding_end > now)
        px_buf_printf(b, "binding: lifetime-left=%llus refresh-in=%llds%s\n",
                      (unsigned long long)((st.binding_end - now) / 1000),
                      st.refresh_at == MIP6TLS_NO_DEADLINE
                          ? -1LL
                          : (long long)((int64_t)(st.refresh_at - now) / 1000),
                      st.nat ? " (behind a NAT: keepalives on)" : "");
    else
        px_buf_printf(b, "binding: none\n");
    px_buf_printf(b,
                  "counters: udp-rx=%llu udp-tx=%llu udp-tx-errors=%llu tun-in=%llu "
                  "tun-out=%llu tcp-connections=%llu\n",
                  (unsigned long long)m->udp.rx_pkts, (unsigned long long)m->udp.tx_pkts,
                  (unsigned long long)m->udp.tx_errs, (unsigned long long)m->tun_in,
                  (unsigned long long)m->port.tun_out, (unsigned long long)m->port.tcp_opened);
}

/* ---- start-up ------------------------------------------------------------------------------ */

static int mn_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int mn_fail(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    px_log(PX_LOG_ERR, "%s", msg);
    return -1;
}

static int mn_setup_tls(mnd *m)
{
    int rc;
    mip6tls_cred_init(&m->anchors, m->cred_arena, sizeof m->cred_arena);
    rc = mip6tls_cred_add_anchors(&m->anchors, m->cf.anchors.data, m->cf.anchors.len);
    if (rc == 0)
        rc = mip6tls_tls_config_client(&m->tls, &m->anchors, &m->impl);
    if (rc == 0 && m->cf.tls_keylog[0])
        mip6tls_tls_config_keylog(&m->tls, 1); /* MIP6TLS_TLS_EV_KEYLOG per session */
    if (rc != 0)
        return mn_fail("%s:%d: [hac] trust_anchors = \"%s\": %s", m->conf_path, m->cf.anchors.line,
                       m->cf.anchors.path,
                       mip6tls_cred_reason(&m->anchors)
                           ? mip6tls_cred_reason_str(mip6tls_cred_reason(&m->anchors))
                           : mip6tls_strerror(rc));
    return 0;
}

static int mn_start(mnd *m)
{
    static const px_loop_hooks lh = {mn_next_deadline, mn_on_timer, mn_on_signal, mn_after_events};
    static const px_port_hooks ph = {hook_tcp_connected, hook_tcp_recv, hook_tcp_closed,
                                     hook_action};
    mn_conf *c = &m->cf;
    mip6tls_mn_config mc;
    uint8_t seed[48];
    char err[600];
    size_t i;
    int rc;

    m->started = px_now_ms();
    mip6tls_esp_impl_detect(&m->impl);
    if (px_seed(seed, sizeof seed) != 0 || mip6tls_drbg_init(&m->drbg, seed, sizeof seed))
        return mn_fail("getrandom: %s", strerror(errno));
    memset(seed, 0, sizeof seed);
    m->tun_buf = malloc(PX_TUN_BUF);
    m->arena = malloc(2 * MIP6TLS_MN_OUTBOX_MIN);
    if (m->tun_buf == NULL || m->arena == NULL)
        return mn_fail("out of memory");
    mip6tls_outbox_init(&m->ob, m->acts, MIP6TLS_MN_OUTBOX_ACTS, m->arena,
                        2 * MIP6TLS_MN_OUTBOX_MIN);
    if (mn_setup_tls(m) != 0)
        return -1;

    memset(&m->hacp, 0, sizeof m->hacp);
    m->hacp.nai = c->nai;
    m->hacp.nai_len = strlen(c->nai);
    m->hacp.methods = c->methods;
    m->hacp.psk = c->psk_len ? c->psk : NULL;
    m->hacp.psk_len = c->psk_len;
    m->hacp.eap.key = c->eap_key_len ? c->eap_key : NULL;
    m->hacp.eap.key_len = c->eap_key_len;
    m->hacp.eap.methods = c->eap_methods;
    m->hacp.scope = c->scope < 0 ? MIP6TLS_SAS_ALL : (uint8_t)c->scope;
    m->hacp.accept_scopes = c->scope < 0 ? 0 : MIP6TLS_HACP_SCOPE_BIT(c->scope);
    if (c->n_suites) {
        m->hacp.suites = c->suites;
        m->hacp.n_suites = c->n_suites;
    }

    memset(&m->boot, 0, sizeof m->boot);
    m->boot.tls = &m->tls;
    m->boot.hacp = &m->hacp;
    m->boot.tls_buf = m->tls_buf;
    m->boot.tls_buf_len = sizeof m->tls_buf;
    m->boot.timeout_ms = c->timeout_s * 1000u;
    m->boot.retry_min_ms = c->retry_min_s * 1000u;
    m->boot.retry_max_ms = c->retry_max_s * 1000u;
    m->boot.no_resumption = c->no_resumption;
    m->boot.hac.port = c->hac_port; /* until an endpoint is picked */
    /* The identity to check (RFC 6618 §9.2): [hac] name, else a server given as a DNS name,
     * else the server address itself (chosen per connection, mn_pick_hac). */
    if (c->hac_name[0]) {
        m->boot.peer.dns = c->hac_name;
    } else {
        for (i = 0; i < c->n_servers && m->boot.peer.dns == NULL; i++) {
            mip6tls_addr a;
            if (mip6tls_addr_parse(&a, c->servers[i], strlen(c->servers[i])) != 0)
                m->boot.peer.dns = c->servers[i];
        }
    }
    if (mn_pick_hac(m, MIP6TLS_AF_INET6) != 0) {
        px_log(PX_LOG_WARN, "no address for the HAC yet; resolving again at each attempt");
        m->boot.hac.addr.family = MIP6TLS_AF_INET6; /* "::" until a name resolves */
    }

    memset(&mc, 0, sizeof mc);
    mc.unix_offset_ms = px_wall_ms() - (int64_t)px_now_ms();
    mc.lifetime_s = c->lifetime_s;
    mc.boot = &m->boot;
    rc = px_loop_init(&m->loop, &lh, m);
    if (rc != 0)
        return mn_fail("epoll: %s", strerror(-rc));
    if (px_port_init(&m->port, &m->loop, 8, &ph, m) != 0)
        return mn_fail("out of memory");
    m->rtnl = px_rtnl_open(1, err, sizeof err);
    if (m->rtnl == NULL)
        return mn_fail("%s", err);

    rc = px_tun_open(c->tun, m->tun_name, &m->tun_ifindex);
    if (rc < 0)
        return mn_fail("[mn] tun = \"%s\": cannot create the TUN device: %s", c->tun,
                       strerror(-rc));
    m->tun.fd = rc;
    m->tun.fn = mn_on_tun;
    m->tun.ctx = m;
    m->port.tun_fd = rc;
    rc = px_rtnl_link_up(m->rtnl, m->tun_ifindex, c->mtu);
    if (rc != 0)
        return mn_fail("%s: cannot bring up (mtu %u): %s", m->tun_name, c->mtu, strerror(-rc));
    px_loop_add(&m->loop, &m->tun, EPOLLIN);

    rc = mip6tls_mn_init(&m->mn, px_now_ms(), &mc, &m->impl, &m->drbg, &m->ob);
    if (rc != 0)
        return mn_fail("the MN configuration is not usable: %s", mip6tls_strerror(rc));
    mn_drain(m);

    px_mkdir_parent(c->status_socket);
    rc = px_status_open(&m->status, &m->loop, c->status_socket, mn_report, m);
    if (rc != 0)
        return mn_fail("[mn] status_socket = \"%s\": %s", c->status_socket, strerror(-rc));
    if (c->tls_keylog[0])
        px_log(PX_LOG_WARN,
               "[mn] tls_keylog = \"%s\": writing every TLS session's secret for "
               "Wireshark (testing only)",
               c->tls_keylog);

    /* Addresses: what is there now, then every change. */
    m->rtnl_io.fd = px_rtnl_monitor_fd(m->rtnl);
    m->rtnl_io.fn = mn_on_rtnl;
    m->rtnl_io.ctx = m;
    px_loop_add(&m->loop, &m->rtnl_io, EPOLLIN);
    rc = px_rtnl_dump_addrs(m->rtnl, mn_on_addr, m);
    if (rc != 0)
        return mn_fail("rtnetlink address dump: %s", strerror(-rc));
    px_log(PX_LOG_INFO,
           "ready: nai %s, watching %zu interface(s), wall clock %lld ms at "
           "monotonic %llu",
           c->nai, c->n_ifs, (long long)px_wall_ms(), (unsigned long long)px_now_ms());
    mn_choose_coa(m);
    if (!m->have_coa)
        px_log(PX_LOG_INFO, "no usable address on the watched interfaces yet: waiting");
    return 0;
}

static void mn_stop(mnd *m)
{
    px_port_flush(&m->port);
    px_status_close(&m->status);
    px_port_close(&m->port);
    if (m->udp.io.fd >= 0)
        px_udp_close(&m->udp);
    if (m->tun.fd >= 0)
        close(m->tun.fd); /* the device, its addresses and routes go with it */
    px_rtnl_close(m->rtnl);
    px_loop_close(&m->loop);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " -c FILE [--check] [-v]\n"
               "       " PROG " --status [-c FILE | -s SOCKET]\n"
               "The RFC 6618 Mobile Node: bootstraps with the HAC over TLS, registers its care-of\n"
               "address with the HA, tunnels the home address's traffic. See docs/deploy.md.\n"
               "  -c, --config FILE   configuration file (INI)\n"
               "      --check         read and check the configuration, then exit\n"
               "      --status        print the running daemon's state, SA, binding and counters\n"
               "  -s, --socket PATH   status socket (default: the config's, or "
               "/run/mip6tls/mn.sock)\n"
               "  -v, --verbose       debug logging\n"
               "  -h, --help          this text\n"
               "      --version       print the version\n");
}

int main(int argc, char **argv)
{
    static mnd m;
    px_cli cli;
    char err[PX_CONF_ERR_MAX + 64];
    int rc = px_cli_parse(argc, argv, PROG, MIP6TLS_VERSION_STRING, usage, &cli);
    if (rc >= 0)
        return rc;
    const char *conf = cli.conf, *sock = cli.sock;
    int check = cli.check, status = cli.status, verbose = cli.verbose;
    px_log_init(PROG, PX_LOG_INFO);
    conf_defaults(&m.cf);
    m.loop.ep = m.loop.sig.fd = m.status.listen.fd = m.tun.fd = m.udp.io.fd = -1;
    if (status && conf == NULL)
        return px_status_query(sock ? sock : m.cf.status_socket);
    if (conf == NULL) {
        fprintf(stderr, PROG ": no configuration file (-c FILE; try --help)\n");
        return 2;
    }
    m.conf_path = conf;
    if (px_conf_load(conf, conf_key, &m.cf, err, sizeof err) != 0 ||
        conf_check(&m.cf, conf, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 2;
    }
    if (status)
        return px_status_query(sock ? sock : m.cf.status_socket);
    px_log_set_level(verbose ? PX_LOG_DEBUG : (px_log_level)m.cf.log_level);
    if (check) {
        mip6tls_esp_impl_detect(&m.impl);
        if (mn_setup_tls(&m) != 0)
            return 2;
        printf("%s: ok\n", conf);
        return 0;
    }
    if (mn_start(&m) != 0) {
        mn_stop(&m);
        return 1;
    }
    rc = px_loop_run(&m.loop);
    if (rc != 0)
        px_log(PX_LOG_ERR, "event loop: %s", strerror(-rc));
    mn_stop(&m);
    px_log(PX_LOG_INFO, "stopped");
    return rc != 0;
}
