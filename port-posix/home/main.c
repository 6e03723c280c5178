/*
 * mip6tls-home: the Home Agent Controller and the Home Agent in one process (the default
 * deployment, DESIGN interpretation 9).
 *
 *   TCP [hac] port      TLS 1.2 server: the MN<->HAC bootstrap (RFC 6618 §5), driven by the
 *                       core (hac.h); the port moves bytes
 *   UDP [ha] port       the HA (ha.h): BU/BA and reverse-tunnelled data, IPv6 and IPv4
 *   TUN [ha] tun        the home side: packets for registered home addresses come in here
 *                       (the daemon routes every configured home address into it) and the
 *                       MNs' packets leave through it to the home network
 *   SQLite [hac] sa_db  every SA the HAC provisions, restored at start (docs/porting.md §5)
 *
 * The HAC and the HA are separate contexts with separate config sections ([hac], [ha]); the
 * only place they meet is hook_action(): the HAC's SA_INSTALL goes straight into the HA, in
 * the same instant (hac.h orders it before the response that carries the SA). A separate HA
 * would take the action over mutually authenticated TLS instead (not done here).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "espsa.h"
#include "keylog.h"
#include "log.h"
#include "loop.h"
#include "mip6tls/addr.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/suite.h"
#include "net.h"
#include "port.h"
#include "rtnl.h"
#include "status.h"
#include "store.h"
#include "tun.h"
#include "util.h"

#define PROG "mip6tls-home"
#define HOME_MAX_LISTEN 4
#define HOME_MAX_MNS 4096
#define HOME_KEY_MAX 64 /* MIP6TLS_HACP_KEY_MAX */

/* ---- configuration -------------------------------------------------------------------- */

typedef struct {
    char nai[MIP6TLS_SA_NAI_MAX + 1];
    int line; /* of the section, for errors found after parsing */
    uint8_t psk[256];
    size_t psk_len;
    uint8_t eap_key[HOME_KEY_MAX];
    size_t eap_key_len;
    mip6tls_addr hoa6, hoa4;
} home_mn;

typedef struct {
    /* [home] */
    char status_socket[108];
    char esp_sa_file[512];
    char tls_keylog[512];
    int log_level;
    /* [hac] */
    mip6tls_addr listen[HOME_MAX_LISTEN];
    size_t n_listen;
    uint16_t hac_port;
    px_blob cert, key;
    char sa_db[512];
    uint32_t sa_lifetime_s, session_timeout_s, max_sessions, max_sas;
    unsigned methods, eap_methods;
    uint16_t suites[8];
    size_t n_suites;
    unsigned scopes;
    mip6tls_addr hnp6, hnp4;
    uint8_t hnp6_len, hnp4_len;
    mip6tls_addr dns6[MIP6TLS_SA_DNS_MAX], dns4[MIP6TLS_SA_DNS_MAX];
    uint8_t n_dns6, n_dns4;
    /* [ha] */
    mip6tls_addr ha6, ha4;
    uint16_t ha_port;
    char tun[16];
    uint32_t mtu, max_lifetime_s, replay_window, grace_s, rekey_margin_s, nat_refresh_s;
    /* [mn <nai>] */
    home_mn *mns;
    size_t n_mns;
    int cur_mn; /* index of the [mn ...] section being parsed, -1 */
} home_conf;

static void conf_defaults(home_conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->status_socket, sizeof c->status_socket, "/run/mip6tls/home.sock");
    c->log_level = PX_LOG_INFO;
    c->hac_port = MIP6TLS_DEFAULT_PORT;
    c->ha_port = MIP6TLS_DEFAULT_PORT;
    snprintf(c->sa_db, sizeof c->sa_db, "/var/lib/mip6tls/home-sa.db");
    c->sa_lifetime_s = 86400;
    c->session_timeout_s = 30;
    c->max_sessions = 16;
    c->max_sas = 1024;
    snprintf(c->tun, sizeof c->tun, "mip6tls-home");
    c->mtu = 1400;
    c->cur_mn = -1;
}

static int conf_listen_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    if (hc->n_listen == HOME_MAX_LISTEN)
        return px_conf_fail(c, s, k, item, "more than %d addresses", HOME_MAX_LISTEN);
    return px_conf_addr(c, s, k, item, MIP6TLS_AF_NONE, &hc->listen[hc->n_listen++]);
}

static int conf_suite_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    if (hc->n_suites == 8)
        return px_conf_fail(c, s, k, item, "more than 8 suites");
    return px_conf_suite(c, s, k, item, &hc->suites[hc->n_suites++]);
}

static int conf_method_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    if (strcmp(item, "psk") == 0) {
        hc->methods |= MIP6TLS_CTR_AM_PSK;
    } else if (strcmp(item, "eap-gpsk") == 0) {
        hc->methods |= MIP6TLS_CTR_AM_EAP;
        hc->eap_methods |= MIP6TLS_EAP_M_GPSK;
    } else if (strcmp(item, "eap-md5") == 0) {
        hc->methods |= MIP6TLS_CTR_AM_EAP;
        hc->eap_methods |= MIP6TLS_EAP_M_MD5;
    } else {
        return px_conf_fail(c, s, k, item, "unknown method (psk, eap-gpsk, eap-md5)");
    }
    return 0;
}

static int conf_scope_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    if (strcmp(item, "all") == 0)
        hc->scopes |= MIP6TLS_HACP_SCOPE_BIT(MIP6TLS_SAS_ALL);
    else if (strcmp(item, "signaling") == 0)
        hc->scopes |= MIP6TLS_HACP_SCOPE_BIT(MIP6TLS_SAS_SIGNALING);
    else
        return px_conf_fail(c, s, k, item, "unknown scope (all, signaling)");
    return 0;
}

static int conf_dns_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    mip6tls_addr a;
    if (px_conf_addr(c, s, k, item, MIP6TLS_AF_NONE, &a) != 0)
        return -1;
    if (a.family == MIP6TLS_AF_INET6 && hc->n_dns6 < MIP6TLS_SA_DNS_MAX)
        hc->dns6[hc->n_dns6++] = a;
    else if (a.family == MIP6TLS_AF_INET && hc->n_dns4 < MIP6TLS_SA_DNS_MAX)
        hc->dns4[hc->n_dns4++] = a;
    else
        return px_conf_fail(c, s, k, item, "more than %d servers of one family",
                            MIP6TLS_SA_DNS_MAX);
    return 0;
}

/* A secret given as text ("psk") or hex ("psk_hex"). */
static int conf_secret(px_conf *c, const char *s, const char *k, const char *v, int hex,
                       uint8_t *out, size_t cap, size_t *len)
{
    if (hex) {
        int n = px_hex_decode(v, out, cap);
        if (n <= 0)
            return px_conf_fail(c, s, k, "(hidden)", "not hex octets (1..%zu of them)", cap);
        *len = (size_t)n;
        return 0;
    }
    if (v[0] == 0 || strlen(v) > cap)
        return px_conf_fail(c, s, k, "(hidden)", "must be 1..%zu octets", cap);
    *len = strlen(v);
    memcpy(out, v, *len);
    return 0;
}

static int conf_mn_key(px_conf *c, home_conf *hc, const char *s, const char *k, const char *v)
{
    home_mn *m = &hc->mns[hc->cur_mn];
    if (!strcmp(k, "psk") || !strcmp(k, "psk_hex"))
        return conf_secret(c, s, k, v, k[3] == '_', m->psk, sizeof m->psk, &m->psk_len);
    if (!strcmp(k, "eap_key") || !strcmp(k, "eap_key_hex"))
        return conf_secret(c, s, k, v, k[7] == '_', m->eap_key, sizeof m->eap_key, &m->eap_key_len);
    if (!strcmp(k, "hoa"))
        return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET6, &m->hoa6);
    if (!strcmp(k, "hoa4"))
        return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET, &m->hoa4);
    return px_conf_unknown(c, s, k);
}

/* A new [mn <nai>] section. */
static int conf_mn_section(px_conf *c, home_conf *hc, const char *section, const char *k)
{
    const char *nai = section + 3;
    size_t i, n = strlen(nai);
    if (n == 0 || n > MIP6TLS_SA_NAI_MAX || strchr(nai, ' ') != NULL) {
        snprintf(c->err, sizeof c->err,
                 "%s:%d: [%s]: the NAI after \"mn \" must be 1..%d octets "
                 "without blanks",
                 c->path, c->section_line, section, MIP6TLS_SA_NAI_MAX);
        c->failed = 1;
        return -1;
    }
    for (i = 0; i < hc->n_mns; i++)
        if (strcmp(hc->mns[i].nai, nai) == 0) {
            if ((int)i == hc->cur_mn)
                return 0;
            snprintf(c->err, sizeof c->err,
                     "%s:%d: [%s]: a second section for this NAI (the "
                     "first is at line %d)",
                     c->path, c->section_line, section, hc->mns[i].line);
            c->failed = 1;
            return -1;
        }
    if (hc->n_mns == HOME_MAX_MNS) {
        snprintf(c->err, sizeof c->err, "%s:%d: more than %d [mn ...] sections", c->path, c->line,
                 HOME_MAX_MNS);
        c->failed = 1;
        return -1;
    }
    if (hc->mns == NULL)
        hc->mns = calloc(HOME_MAX_MNS, sizeof *hc->mns);
    if (hc->mns == NULL)
        return px_conf_fail(c, section, k, "", "out of memory");
    hc->cur_mn = (int)hc->n_mns++;
    memcpy(hc->mns[hc->cur_mn].nai, nai, n + 1);
    hc->mns[hc->cur_mn].line = c->section_line;
    return 0;
}

static int conf_key(px_conf *c, void *user, const char *s, const char *k, const char *v)
{
    home_conf *hc = user;
    if (strncmp(s, "mn ", 3) == 0) {
        if (conf_mn_section(c, hc, s, k) != 0)
            return -1;
        return conf_mn_key(c, hc, s, k, v);
    }
    if (!strcmp(s, "home")) {
        if (!strcmp(k, "status_socket"))
            return px_conf_str(c, s, k, v, hc->status_socket, sizeof hc->status_socket);
        if (!strcmp(k, "esp_sa_file"))
            return px_conf_str(c, s, k, v, hc->esp_sa_file, sizeof hc->esp_sa_file);
        if (!strcmp(k, "tls_keylog"))
            return px_conf_str(c, s, k, v, hc->tls_keylog, sizeof hc->tls_keylog);
        if (!strcmp(k, "log_level")) {
            hc->log_level = px_log_level_parse(v);
            return hc->log_level < 0 ? px_conf_fail(c, s, k, v, "not err, warn, info or debug") : 0;
        }
        return px_conf_unknown(c, s, k);
    }
    if (!strcmp(s, "hac")) {
        if (!strcmp(k, "listen"))
            return px_conf_list(c, s, k, v, conf_listen_item, hc);
        if (!strcmp(k, "port"))
            return px_conf_port(c, s, k, v, &hc->hac_port);
        if (!strcmp(k, "cert"))
            return px_conf_file(c, s, k, v, &hc->cert);
        if (!strcmp(k, "key"))
            return px_conf_file(c, s, k, v, &hc->key);
        if (!strcmp(k, "sa_db"))
            return px_conf_str(c, s, k, v, hc->sa_db, sizeof hc->sa_db);
        if (!strcmp(k, "sa_lifetime"))
            return px_conf_u32(c, s, k, v, 60, 0x7FFFFFFF, &hc->sa_lifetime_s);
        if (!strcmp(k, "session_timeout"))
            return px_conf_u32(c, s, k, v, 1, 3600, &hc->session_timeout_s);
        if (!strcmp(k, "max_sessions"))
            return px_conf_u32(c, s, k, v, 1, 4096, &hc->max_sessions);
        if (!strcmp(k, "max_sas"))
            return px_conf_u32(c, s, k, v, 1, 1u << 24, &hc->max_sas);
        if (!strcmp(k, "methods"))
            return px_conf_list(c, s, k, v, conf_method_item, hc);
        if (!strcmp(k, "suites"))
            return px_conf_list(c, s, k, v, conf_suite_item, hc);
        if (!strcmp(k, "scopes"))
            return px_conf_list(c, s, k, v, conf_scope_item, hc);
        if (!strcmp(k, "home_prefix"))
            return px_conf_prefix(c, s, k, v, MIP6TLS_AF_INET6, &hc->hnp6, &hc->hnp6_len);
        if (!strcmp(k, "home_prefix4"))
            return px_conf_prefix(c, s, k, v, MIP6TLS_AF_INET, &hc->hnp4, &hc->hnp4_len);
        if (!strcmp(k, "dns"))
            return px_conf_list(c, s, k, v, conf_dns_item, hc);
        return px_conf_unknown(c, s, k);
    }
    if (!strcmp(s, "ha")) {
        if (!strcmp(k, "address"))
            return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET6, &hc->ha6);
        if (!strcmp(k, "address4"))
            return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET, &hc->ha4);
        if (!strcmp(k, "port"))
            return px_conf_port(c, s, k, v, &hc->ha_port);
        if (!strcmp(k, "tun"))
            return px_conf_str(c, s, k, v, hc->tun, sizeof hc->tun);
        if (!strcmp(k, "mtu"))
            return px_conf_u32(c, s, k, v, 1280, 65535, &hc->mtu);
        if (!strcmp(k, "max_lifetime"))
            return px_conf_u32(c, s, k, v, 4, MIP6TLS_HA_LIFETIME_MAX_S, &hc->max_lifetime_s);
        if (!strcmp(k, "replay_window"))
            return px_conf_u32(c, s, k, v, 1, 512, &hc->replay_window);
        if (!strcmp(k, "grace"))
            return px_conf_u32(c, s, k, v, 1, 3600, &hc->grace_s);
        if (!strcmp(k, "rekey_margin"))
            return px_conf_u32(c, s, k, v, 1, 0x7FFFFFFF, &hc->rekey_margin_s);
        if (!strcmp(k, "nat_refresh"))
            return px_conf_u32(c, s, k, v, 1, 65535, &hc->nat_refresh_s);
        return px_conf_unknown(c, s, k);
    }
    snprintf(c->err, sizeof c->err,
             "%s:%d: unknown section [%s] (expected [home], [hac], [ha], [mn <nai>])", c->path,
             c->section_line, s);
    c->failed = 1;
    return -1;
}

/* Checks that need the whole file. Returns 0 or -1 with err. */
static int conf_check(home_conf *hc, const char *path, char *err, size_t cap)
{
    size_t i;
    if (hc->cert.data == NULL || hc->key.data == NULL) {
        snprintf(err, cap, "%s: [hac] %s is required", path, hc->cert.data ? "key" : "cert");
        return -1;
    }
    if (hc->ha6.family == MIP6TLS_AF_NONE) {
        snprintf(err, cap, "%s: [ha] address (the HA's IPv6 address) is required", path);
        return -1;
    }
    if (hc->hnp6.family == MIP6TLS_AF_NONE) {
        snprintf(err, cap, "%s: [hac] home_prefix is required", path);
        return -1;
    }
    if (hc->n_mns == 0) {
        snprintf(err, cap, "%s: no [mn <nai>] section: the HAC would know no mobile node", path);
        return -1;
    }
    if (hc->methods == 0)
        hc->methods = MIP6TLS_CTR_AM_PSK;
    for (i = 0; i < hc->n_mns; i++) {
        home_mn *m = &hc->mns[i];
        if (m->hoa6.family == MIP6TLS_AF_NONE && m->hoa4.family == MIP6TLS_AF_NONE) {
            snprintf(err, cap, "%s:%d: [mn %s]: hoa (or hoa4) is required", path, m->line, m->nai);
            return -1;
        }
        if (m->psk_len == 0 && m->eap_key_len == 0) {
            snprintf(err, cap, "%s:%d: [mn %s]: psk (or eap_key) is required", path, m->line,
                     m->nai);
            return -1;
        }
        if (m->hoa4.family == MIP6TLS_AF_INET && hc->ha4.family == MIP6TLS_AF_NONE) {
            snprintf(err, cap,
                     "%s:%d: [mn %s]: hoa4 needs [ha] address4 (IPv4 home "
                     "addresses are served over the HA's IPv4 address, RFC 5555)",
                     path, m->line, m->nai);
            return -1;
        }
    }
    if (hc->n_listen == 0) {
        hc->listen[hc->n_listen++] = hc->ha6;
        if (hc->ha4.family == MIP6TLS_AF_INET)
            hc->listen[hc->n_listen++] = hc->ha4;
    }
    return 0;
}

/* ---- the daemon ------------------------------------------------------------------------ */

typedef struct {
    home_conf cf;
    const char *conf_path;
    px_loop loop;
    px_port port;
    px_status status;
    px_rtnl *rtnl;
    px_store *store;
    uint64_t started;

    mip6tls_esp_impl impl;
    mip6tls_drbg hac_drbg, ha_drbg;

    /* HAC */
    uint8_t cred_arena[16384];
    mip6tls_cred cred;
    mip6tls_tls_config tls;
    uint8_t tls_cache[MIP6TLS_TLS_CACHE_ENTRY * 64];
    mip6tls_hacp_server_cfg policy;
    mip6tls_hac_cred *creds;
    mip6tls_hac hac;
    mip6tls_hac_session *sessions;
    uint8_t *iobufs;
    mip6tls_sa *hac_sas;
    uint32_t *hac_index;
    mip6tls_action hac_acts[64];
    uint8_t *hac_arena;
    mip6tls_outbox hac_ob;
    px_io listen[HOME_MAX_LISTEN];
    size_t n_listen;
    uint32_t next_conn;

    /* HA */
    mip6tls_ha ha;
    mip6tls_ha_storage ha_st;
    mip6tls_action ha_acts[64];
    uint8_t *ha_arena;
    mip6tls_outbox ha_ob;
    px_udp udp[2];
    size_t n_udp;
    px_io tun;
    char tun_name[16];
    int tun_ifindex;
    uint64_t tun_in;
    uint8_t *tun_buf;

    int exit_code;
} home;

static void home_drain_ha(home *h)
{
    px_drain(&h->port, PX_ROLE_HA, &h->ha_ob);
}

static void home_drain_hac(home *h)
{
    px_drain(&h->port, PX_ROLE_HAC, &h->hac_ob);
}

/* The role-specific actions: the co-located HA gets the HAC's SAs (hac.h). */
static int hook_action(void *ctx, char role, const mip6tls_action *a)
{
    home *h = ctx;
    if (role == PX_ROLE_HAC && a->type == MIP6TLS_ACT_SA_INSTALL) {
        int rc = mip6tls_ha_install_action(&h->ha, px_now_ms(), a, &h->ha_ob);
        if (rc != 0)
            px_log(PX_LOG_ERR, "ha: SA 0x%x not installed: %s", a->conn, mip6tls_strerror(rc));
        home_drain_ha(h);
        if (rc == 0 && a->arg == 0 && h->cf.esp_sa_file[0]) { /* restored: rows exist */
            mip6tls_sa sa;
            if (mip6tls_sa_decode(&sa, a->data, a->len) == 0) {
                int n = px_espsa_append(h->cf.esp_sa_file, &sa);
                if (n < 0)
                    px_log(PX_LOG_WARN, "esp_sa_file %s: %s", h->cf.esp_sa_file, strerror(-n));
                memset(&sa, 0, sizeof sa);
            }
        }
        return 1;
    }
    if (role == PX_ROLE_HAC && a->type == MIP6TLS_ACT_EVENT && a->event == MIP6TLS_HAC_EV_TLS_UP &&
        h->cf.tls_keylog[0]) {
        size_t i;
        for (i = 0; i < h->cf.max_sessions; i++)
            if (h->sessions[i].conn == a->conn && h->sessions[i].state != 0)
                px_keylog_session(h->cf.tls_keylog, &h->sessions[i].tls);
    }
    return 0;
}

static void hook_tcp_connected(void *ctx, uint32_t conn)
{
    (void)ctx;
    (void)conn; /* the HAC only accepts */
}

static void hook_tcp_recv(void *ctx, uint32_t conn, const uint8_t *d, size_t len)
{
    home *h = ctx;
    int rc = mip6tls_hac_tcp_recv(&h->hac, px_now_ms(), conn, d, len, &h->hac_ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "hac: bytes on connection %u not taken: %s", conn, mip6tls_strerror(rc));
    home_drain_hac(h);
}

static void hook_tcp_closed(void *ctx, uint32_t conn)
{
    home *h = ctx;
    mip6tls_hac_tcp_closed(&h->hac, px_now_ms(), conn, &h->hac_ob);
    home_drain_hac(h);
}

static void home_on_accept(px_io *io, uint32_t ev)
{
    home *h = io->ctx;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd;
    (void)ev;
    while ((fd = accept4(io->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
           0) {
        mip6tls_endpoint peer;
        uint32_t conn = h->next_conn++;
        if (h->next_conn == 0)
            h->next_conn = 1;
        px_sockaddr_to_ep((struct sockaddr *)&ss, &peer);
        len = sizeof ss;
        if (px_port_adopt(&h->port, fd, conn, &peer) == NULL) {
            char p[PX_EP_TEXT_MAX];
            px_log(PX_LOG_WARN, "hac: connection from %s refused: all %zu connection slots busy",
                   px_ep_str(&peer, p, sizeof p), h->port.n_tcp);
            continue;
        }
        mip6tls_hac_tcp_accept(&h->hac, px_now_ms(), conn, &peer, &h->hac_ob);
        home_drain_hac(h);
    }
}

static void home_on_udp(px_io *io, uint32_t ev)
{
    home *h = io->ctx;
    px_udp *u = (px_udp *)io;
    int round, n, i;
    (void)ev;
    for (round = 0; round < 8; round++) {
        n = px_udp_recv(u);
        if (n < 0)
            px_log(PX_LOG_WARN, "ha: receive: %s", strerror(-n));
        for (i = 0; i < n; i++) {
            /* Decrypted in place: DELIVER points into rx[i] until the drain returns. */
            mip6tls_ha_recv(&h->ha, px_now_ms(), &u->local, &u->rx_from[i], u->rx[i], u->rx_len[i],
                            &h->ha_ob);
            home_drain_ha(h);
        }
        if (n < PX_BATCH)
            break;
    }
}

static void home_on_tun(px_io *io, uint32_t ev)
{
    home *h = io->ctx;
    int i;
    (void)ev;
    for (i = 0; i < 64; i++) {
        ssize_t n = read(io->fd, h->tun_buf, 65536);
        if (n <= 0)
            break;
        h->tun_in++;
        mip6tls_ha_send(&h->ha, px_now_ms(), h->tun_buf, (size_t)n, &h->ha_ob);
        home_drain_ha(h);
    }
}

static uint64_t home_next_deadline(void *ctx)
{
    home *h = ctx;
    uint64_t t = mip6tls_ha_next_deadline(&h->ha), u = mip6tls_hac_next_deadline(&h->hac);
    if (u < t)
        t = u;
    u = px_port_next_deadline(&h->port);
    return u < t ? u : t;
}

static void home_on_timer(void *ctx, uint64_t now)
{
    home *h = ctx;
    int guard;
    px_port_tick(&h->port, now);
    /* A tick may leave timers due when the outbox filled up: drain and tick again (§4). */
    for (guard = 0; guard < 64 && mip6tls_ha_next_deadline(&h->ha) <= now; guard++) {
        mip6tls_ha_tick(&h->ha, now, &h->ha_ob);
        home_drain_ha(h);
    }
    for (guard = 0; guard < 64 && mip6tls_hac_next_deadline(&h->hac) <= now; guard++) {
        mip6tls_hac_tick(&h->hac, now, &h->hac_ob);
        home_drain_hac(h);
    }
}

static void home_on_signal(void *ctx, int sig)
{
    home *h = ctx;
    px_log(PX_LOG_INFO, "signal %d: shutting down", sig);
    px_loop_stop(&h->loop);
}

static void home_after_events(void *ctx)
{
    home *h = ctx;
    px_port_flush(&h->port);
}

/* ---- status ------------------------------------------------------------------------------ */

static void fmt_unix(uint64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void home_report(void *ctx, px_buf *b)
{
    home *h = ctx;
    uint64_t now = px_now_ms();
    size_t i;
    char a[PX_EP_TEXT_MAX], c[PX_EP_TEXT_MAX];
    px_buf_printf(b, "%s %s, up %llus\n", PROG, MIP6TLS_VERSION_STRING,
                  (unsigned long long)((now - h->started) / 1000));
    px_buf_printf(b, "hac: sas=%zu sessions=%zu tcp-port=%u listen=", mip6tls_hac_sa_count(&h->hac),
                  mip6tls_hac_session_count(&h->hac), h->cf.hac_port);
    for (i = 0; i < h->cf.n_listen; i++)
        px_buf_printf(b, "%s%s", i ? "," : "", px_addr_str(&h->cf.listen[i], a, sizeof a));
    px_buf_printf(b, " store=%s (%ld records)\n", h->cf.sa_db,
                  h->store ? px_store_count(h->store) : -1L);
    px_buf_printf(b, "ha: sas=%u bindings=%u tun=%s udp=", mip6tls_ha_sa_count(&h->ha),
                  mip6tls_ha_binding_count(&h->ha), h->tun_name);
    for (i = 0; i < h->n_udp; i++)
        px_buf_printf(b, "%s%s", i ? "," : "", px_ep_str(&h->udp[i].local, a, sizeof a));
    px_buf_printf(b, "\ncounters:");
    for (i = 0; i < h->n_udp; i++)
        px_buf_printf(b, " udp%zu-rx=%llu udp%zu-tx=%llu udp%zu-tx-errors=%llu", i,
                      (unsigned long long)h->udp[i].rx_pkts, i,
                      (unsigned long long)h->udp[i].tx_pkts, i,
                      (unsigned long long)h->udp[i].tx_errs);
    px_buf_printf(b,
                  " tun-in=%llu tun-out=%llu tun-out-errors=%llu tcp-accepted=%llu "
                  "tcp-refused=%llu store-errors=%llu\n",
                  (unsigned long long)h->tun_in, (unsigned long long)h->port.tun_out,
                  (unsigned long long)h->port.tun_out_errs, (unsigned long long)h->port.tcp_opened,
                  (unsigned long long)h->port.tcp_refused, (unsigned long long)h->port.store_errs);
    px_buf_printf(b, "security associations (HA view):\n");
    for (i = 0; i < h->ha_st.n_entries; i++) {
        const mip6tls_ha_entry *e = &h->ha_st.entries[i];
        const mip6tls_sa *sa;
        const mip6tls_suite_info *si;
        char until[32], nai[MIP6TLS_SA_NAI_MAX + 1] = "?";
        if (!(e->flags & MIP6TLS_HA_F_USED))
            continue;
        sa = mip6tls_hac_find_sa(&h->hac, e->keys.spi);
        if (sa != NULL) {
            memcpy(nai, sa->mn_id, sa->mn_id_len);
            nai[sa->mn_id_len] = 0;
        }
        si = mip6tls_suite_find(e->keys.suite);
        fmt_unix(e->validity_end, until, sizeof until);
        px_buf_printf(b, "  spi=0x%07x nai=%s suite=%s valid-until=%s", e->keys.spi, nai,
                      si ? si->name : "?", until);
        if (e->flags & MIP6TLS_HA_F_HAS6) {
            mip6tls_addr x;
            mip6tls_addr_set6(&x, e->hoa6);
            px_buf_printf(b, " hoa=%s", px_addr_str(&x, a, sizeof a));
        }
        if (e->flags & MIP6TLS_HA_F_HAS4) {
            mip6tls_addr x;
            mip6tls_addr_set4(&x, e->hoa4);
            px_buf_printf(b, " hoa4=%s", px_addr_str(&x, a, sizeof a));
        }
        if (e->flags & MIP6TLS_HA_F_BOUND)
            px_buf_printf(
                b, " binding: coa=%s via=%s lifetime-left=%llus%s", px_ep_str(&e->coa, a, sizeof a),
                px_ep_str(&e->local, c, sizeof c),
                (unsigned long long)(e->life_end_ms > now ? (e->life_end_ms - now) / 1000 : 0),
                (e->flags & MIP6TLS_HA_F_BOUND4) ? " (+ipv4 hoa)" : "");
        else if (e->flags & MIP6TLS_HA_F_HOLD)
            px_buf_printf(b, " deregistered");
        else
            px_buf_printf(b, " unbound");
        if (e->flags & MIP6TLS_HA_F_SUPERSEDED)
            px_buf_printf(b, " superseded-by=0x%x", e->superseded_by);
        if (e->flags & MIP6TLS_HA_F_REKEY)
            px_buf_printf(b, " rekey-requested");
        px_buf_printf(b, " seq-out=%llu\n", (unsigned long long)e->next_seq);
    }
}

/* ---- start-up -------------------------------------------------------------------------- */

static int home_restore_one(void *ctx, uint32_t spi, const uint8_t *rec, size_t len)
{
    home *h = ctx;
    int rc = mip6tls_hac_restore_sa(&h->hac, px_now_ms(), rec, len, &h->hac_ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "SA store: the record of SPI 0x%x is unusable (%s); left in the store",
               spi, mip6tls_strerror(rc));
    home_drain_hac(h);
    return 0;
}

static int home_cred_cmp(const void *a, const void *b)
{
    return mip6tls_hac_cred_cmp(a, b);
}

static int home_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int home_fail(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    px_log(PX_LOG_ERR, "%s", msg);
    return -1;
}

static int home_setup_tls(home *h)
{
    home_conf *c = &h->cf;
    int rc;
    mip6tls_cred_init(&h->cred, h->cred_arena, sizeof h->cred_arena);
    rc = mip6tls_cred_add_chain(&h->cred, c->cert.data, c->cert.len);
    if (rc != 0)
        return home_fail("%s:%d: [hac] cert = \"%s\": %s", h->conf_path, c->cert.line, c->cert.path,
                         mip6tls_cred_reason_str(mip6tls_cred_reason(&h->cred)));
    rc = mip6tls_cred_set_key(&h->cred, c->key.data, c->key.len);
    if (rc != 0)
        return home_fail("%s:%d: [hac] key = \"%s\": %s", h->conf_path, c->key.line, c->key.path,
                         mip6tls_cred_reason_str(mip6tls_cred_reason(&h->cred)));
    memset(c->key.data, 0, c->key.len); /* the decoded key lives in the arena now */
    rc = mip6tls_tls_config_server(&h->tls, &h->cred, &h->impl, h->tls_cache, sizeof h->tls_cache);
    if (rc != 0)
        return home_fail("%s:%d: [hac] key = \"%s\": not usable with cert \"%s\": %s%s%s",
                         h->conf_path, c->key.line, c->key.path, c->cert.path, mip6tls_strerror(rc),
                         mip6tls_cred_reason(&h->cred) ? ": " : "",
                         mip6tls_cred_reason(&h->cred)
                             ? mip6tls_cred_reason_str(mip6tls_cred_reason(&h->cred))
                             : "");
    return 0;
}

static int home_setup_hac(home *h, uint64_t now)
{
    home_conf *c = &h->cf;
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    size_t i, n_index = 1;
    int rc;

    memset(&h->policy, 0, sizeof h->policy);
    h->policy.methods = c->methods;
    h->policy.eap.methods = c->eap_methods;
    if (c->n_suites) {
        h->policy.suites = c->suites;
        h->policy.n_suites = c->n_suites;
    }
    h->policy.scopes = c->scopes;

    h->creds = calloc(c->n_mns, sizeof *h->creds);
    if (h->creds == NULL)
        return home_fail("out of memory");
    for (i = 0; i < c->n_mns; i++) {
        mip6tls_hac_cred *k = &h->creds[i];
        k->nai = c->mns[i].nai;
        k->nai_len = strlen(c->mns[i].nai);
        k->psk = c->mns[i].psk_len ? c->mns[i].psk : NULL;
        k->psk_len = c->mns[i].psk_len;
        k->eap_key = c->mns[i].eap_key_len ? c->mns[i].eap_key : NULL;
        k->eap_key_len = c->mns[i].eap_key_len;
        k->hoa6 = c->mns[i].hoa6;
        k->hoa4 = c->mns[i].hoa4;
    }
    qsort(h->creds, c->n_mns, sizeof *h->creds, home_cred_cmp);

    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = px_wall_ms() - (int64_t)now;
    hc.tls = &h->tls;
    hc.hacp = &h->policy;
    hc.creds = h->creds;
    hc.n_creds = c->n_mns;
    hc.sa_lifetime_s = c->sa_lifetime_s;
    hc.session_timeout_ms = c->session_timeout_s * 1000u;
    hc.ha6 = c->ha6;
    hc.ha4 = c->ha4;
    hc.port = c->ha_port;
    hc.hnp6 = c->hnp6;
    hc.hnp6_len = c->hnp6_len;
    hc.hnp4 = c->hnp4;
    hc.hnp4_len = c->hnp4_len;
    memcpy(hc.dns6, c->dns6, sizeof hc.dns6);
    memcpy(hc.dns4, c->dns4, sizeof hc.dns4);
    hc.n_dns6 = c->n_dns6;
    hc.n_dns4 = c->n_dns4;

    while (n_index < 2 * (size_t)c->max_sas)
        n_index *= 2;
    h->sessions = calloc(c->max_sessions, sizeof *h->sessions);
    h->iobufs = malloc((size_t)c->max_sessions * MIP6TLS_TLS_BUFSIZE);
    h->hac_sas = calloc(c->max_sas, sizeof *h->hac_sas);
    h->hac_index = calloc(n_index, sizeof *h->hac_index);
    h->hac_arena = malloc(2 * MIP6TLS_HAC_OUTBOX_MIN);
    if (!h->sessions || !h->iobufs || !h->hac_sas || !h->hac_index || !h->hac_arena)
        return home_fail("out of memory for %u sessions and %u SAs", c->max_sessions, c->max_sas);
    mip6tls_outbox_init(&h->hac_ob, h->hac_acts, 64, h->hac_arena, 2 * MIP6TLS_HAC_OUTBOX_MIN);
    memset(&hs, 0, sizeof hs);
    hs.sessions = h->sessions;
    hs.n_sessions = c->max_sessions;
    hs.iobufs = h->iobufs;
    hs.sas = h->hac_sas;
    hs.n_sas = c->max_sas;
    hs.spi_index = h->hac_index;
    hs.n_index = n_index;
    rc = mip6tls_hac_init(&h->hac, now, &hc, &h->hac_drbg, &hs);
    if (rc != 0)
        return home_fail("%s: the HAC configuration is not usable: %s", h->conf_path,
                         mip6tls_strerror(rc));
    return 0;
}

static int home_setup_ha(home *h)
{
    home_conf *c = &h->cf;
    mip6tls_ha_config ac;
    size_t n = c->max_sas, ncache = 256;
    int rc;
    mip6tls_ha_config_default(&ac);
    ac.addr6 = c->ha6;
    ac.addr4 = c->ha4;
    ac.port = c->ha_port;
    ac.unix_offset_ms = px_wall_ms() - (int64_t)px_now_ms();
    ac.max_lifetime_s = c->max_lifetime_s;
    ac.replay_window = c->replay_window;
    ac.grace_ms = c->grace_s * 1000u;
    ac.rekey_time_margin_s = c->rekey_margin_s;
    ac.nat_refresh_s = c->nat_refresh_s;
    memset(&h->ha_st, 0, sizeof h->ha_st);
    h->ha_st.entries = calloc(n, sizeof *h->ha_st.entries);
    h->ha_st.n_entries = n;
    h->ha_st.heap = calloc(n, sizeof *h->ha_st.heap);
    h->ha_st.n_spi_buckets = mip6tls_ha_pow2(n);
    h->ha_st.spi_buckets = calloc(h->ha_st.n_spi_buckets, sizeof *h->ha_st.spi_buckets);
    h->ha_st.n_hoa_buckets = mip6tls_ha_pow2(2 * n);
    h->ha_st.hoa_buckets = calloc(h->ha_st.n_hoa_buckets, sizeof *h->ha_st.hoa_buckets);
    h->ha_st.n_cache = ncache;
    h->ha_st.cache = calloc(ncache, sizeof *h->ha_st.cache);
    h->ha_arena = malloc(65536);
    if (!h->ha_st.entries || !h->ha_st.heap || !h->ha_st.spi_buckets || !h->ha_st.hoa_buckets ||
        !h->ha_st.cache || !h->ha_arena)
        return home_fail("out of memory for %zu HA entries", n);
    mip6tls_outbox_init(&h->ha_ob, h->ha_acts, 64, h->ha_arena, 65536);
    rc = mip6tls_ha_init(&h->ha, &ac, &h->impl, &h->ha_drbg, &h->ha_st);
    if (rc != 0)
        return home_fail("%s: the HA configuration is not usable: %s", h->conf_path,
                         mip6tls_strerror(rc));
    return 0;
}

/* The home side: the TUN, up, with a route for every configured home address. */
static int home_setup_tun(home *h)
{
    home_conf *c = &h->cf;
    char a[PX_EP_TEXT_MAX];
    size_t i;
    int rc, fd = px_tun_open(c->tun, h->tun_name, &h->tun_ifindex);
    if (fd < 0)
        return home_fail("[ha] tun = \"%s\": cannot create the TUN device: %s", c->tun,
                         strerror(-fd));
    h->tun.fd = fd;
    h->tun.fn = home_on_tun;
    h->tun.ctx = h;
    h->port.tun_fd = fd;
    rc = px_rtnl_link_up(h->rtnl, h->tun_ifindex, c->mtu);
    if (rc != 0)
        return home_fail("%s: cannot bring up (mtu %u): %s", h->tun_name, c->mtu, strerror(-rc));
    for (i = 0; i < c->n_mns; i++) {
        const mip6tls_addr *hoas[2] = {&c->mns[i].hoa6, &c->mns[i].hoa4};
        int k;
        for (k = 0; k < 2; k++) {
            if (hoas[k]->family == MIP6TLS_AF_NONE)
                continue;
            rc = px_rtnl_route(h->rtnl, 1, h->tun_ifindex, hoas[k],
                               hoas[k]->family == MIP6TLS_AF_INET6 ? 128 : 32, NULL);
            if (rc != 0)
                return home_fail("route %s via %s: %s", px_addr_str(hoas[k], a, sizeof a),
                                 h->tun_name, strerror(-rc));
        }
    }
    px_log(PX_LOG_INFO, "home side: %s up (mtu %u), routes to %zu mobile node(s) into it",
           h->tun_name, c->mtu, c->n_mns);
    return px_loop_add(&h->loop, &h->tun, EPOLLIN);
}

static int home_setup_sockets(home *h)
{
    home_conf *c = &h->cf;
    const mip6tls_addr *has[2] = {&c->ha6, &c->ha4};
    char a[PX_EP_TEXT_MAX];
    size_t i;
    int k, rc;
    for (k = 0; k < 2; k++) {
        mip6tls_endpoint ep;
        px_udp *u = &h->udp[h->n_udp];
        if (has[k]->family == MIP6TLS_AF_NONE)
            continue;
        memset(&ep, 0, sizeof ep);
        ep.addr = *has[k];
        ep.port = c->ha_port;
        rc = px_udp_open(u, &ep);
        if (rc != 0)
            return home_fail("ha: UDP %s: %s", px_ep_str(&ep, a, sizeof a), strerror(-rc));
        u->io.fn = home_on_udp;
        u->io.ctx = h;
        px_port_add_udp(&h->port, u);
        if (px_loop_add(&h->loop, &u->io, EPOLLIN) != 0)
            return home_fail("epoll: %s", strerror(errno));
        px_log(PX_LOG_INFO, "ha: listening on UDP %s", px_ep_str(&ep, a, sizeof a));
        h->n_udp++;
    }
    for (i = 0; i < c->n_listen; i++) {
        mip6tls_endpoint ep;
        int fd;
        memset(&ep, 0, sizeof ep);
        ep.addr = c->listen[i];
        ep.port = c->hac_port;
        fd = px_tcp_listen(&ep);
        if (fd < 0)
            return home_fail("hac: TCP %s: %s", px_ep_str(&ep, a, sizeof a), strerror(-fd));
        h->listen[h->n_listen].fd = fd;
        h->listen[h->n_listen].fn = home_on_accept;
        h->listen[h->n_listen].ctx = h;
        if (px_loop_add(&h->loop, &h->listen[h->n_listen], EPOLLIN) != 0)
            return home_fail("epoll: %s", strerror(errno));
        h->n_listen++;
        px_log(PX_LOG_INFO, "hac: listening on TCP %s (TLS)", px_ep_str(&ep, a, sizeof a));
    }
    return 0;
}

static int home_start(home *h)
{
    static const px_loop_hooks lh = {home_next_deadline, home_on_timer, home_on_signal,
                                     home_after_events};
    static const px_port_hooks ph = {hook_tcp_connected, hook_tcp_recv, hook_tcp_closed,
                                     hook_action};
    uint8_t seed[48];
    char err[600];
    uint64_t now = px_now_ms();
    int rc, n;

    h->started = now;
    h->next_conn = 1;
    mip6tls_esp_impl_detect(&h->impl);
    if (px_seed(seed, sizeof seed) != 0 || mip6tls_drbg_init(&h->hac_drbg, seed, sizeof seed))
        return home_fail("getrandom: %s", strerror(errno));
    if (px_seed(seed, sizeof seed) != 0 || mip6tls_drbg_init(&h->ha_drbg, seed, sizeof seed))
        return home_fail("getrandom: %s", strerror(errno));
    memset(seed, 0, sizeof seed);
    h->tun_buf = malloc(65536);
    if (h->tun_buf == NULL)
        return home_fail("out of memory");

    if (home_setup_tls(h) != 0 || home_setup_hac(h, now) != 0 || home_setup_ha(h) != 0)
        return -1;
    rc = px_loop_init(&h->loop, &lh, h);
    if (rc != 0)
        return home_fail("epoll: %s", strerror(-rc));
    if (px_port_init(&h->port, &h->loop, h->cf.max_sessions + 16, &ph, h) != 0)
        return home_fail("out of memory");
    h->rtnl = px_rtnl_open(0, err, sizeof err);
    if (h->rtnl == NULL)
        return home_fail("%s", err);
    if (home_setup_tun(h) != 0)
        return -1;

    /* The SAs of the last run: into the HAC, and through it into the HA (porting.md §5). */
    px_mkdir_parent(h->cf.sa_db);
    h->store = px_store_open(h->cf.sa_db, err, sizeof err);
    if (h->store == NULL)
        return home_fail("%s: [hac] sa_db: %s", h->conf_path, err);
    h->port.store = h->store;
    n = px_store_each(h->store, home_restore_one, h, err, sizeof err);
    if (n < 0)
        return home_fail("%s", err);
    px_log(PX_LOG_INFO, "hac: %d SA record(s) in %s, %zu restored", n, h->cf.sa_db,
           mip6tls_hac_sa_count(&h->hac));

    if (home_setup_sockets(h) != 0)
        return -1;
    px_mkdir_parent(h->cf.status_socket);
    rc = px_status_open(&h->status, &h->loop, h->cf.status_socket, home_report, h);
    if (rc != 0)
        return home_fail("[home] status_socket = \"%s\": %s", h->cf.status_socket, strerror(-rc));
    if (h->cf.tls_keylog[0])
        px_log(PX_LOG_WARN,
               "[home] tls_keylog = \"%s\": not written yet (the core's key log "
               "function is pending, see port-posix/lib/keylog.h)",
               h->cf.tls_keylog);
    if (h->cf.esp_sa_file[0])
        px_log(PX_LOG_WARN,
               "[home] esp_sa_file = \"%s\": writing every SA's keys for "
               "Wireshark (testing only)",
               h->cf.esp_sa_file);
    px_log(PX_LOG_INFO, "ready: %zu mobile node(s) known, wall clock %lld ms at monotonic %llu",
           h->cf.n_mns, (long long)px_wall_ms(), (unsigned long long)px_now_ms());
    return 0;
}

static void home_stop(home *h)
{
    size_t i;
    px_status_close(&h->status);
    px_port_close(&h->port);
    for (i = 0; i < h->n_listen; i++)
        close(h->listen[i].fd);
    for (i = 0; i < h->n_udp; i++)
        px_udp_close(&h->udp[i]);
    if (h->tun.fd >= 0)
        close(h->tun.fd); /* the device and its routes go with it */
    px_store_close(h->store);
    px_rtnl_close(h->rtnl);
    px_loop_close(&h->loop);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " -c FILE [--check] [-v]\n"
               "       " PROG " --status [-c FILE | -s SOCKET]\n"
               "The RFC 6618 Home Agent Controller (TLS bootstrap server) and Home Agent in one\n"
               "process. See docs/deploy.md for the configuration.\n"
               "  -c, --config FILE   configuration file (INI)\n"
               "      --check         read and check the configuration and credentials, then exit\n"
               "      --status        print the running daemon's bindings, SAs and counters\n"
               "  -s, --socket PATH   status socket (default: the config's, or "
               "/run/mip6tls/home.sock)\n"
               "  -v, --verbose       debug logging\n"
               "  -h, --help          this text\n"
               "      --version       print the version\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'k'},
        {"status", no_argument, NULL, 'S'},       {"socket", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
    static home h; /* large; zeroed */
    const char *conf = NULL, *sock = NULL;
    int check = 0, status = 0, verbose = 0, opt, rc;
    char err[PX_CONF_ERR_MAX + 64];

    while ((opt = getopt_long(argc, argv, "c:s:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': conf = optarg; break;
        case 'k': check = 1; break;
        case 'S': status = 1; break;
        case 's': sock = optarg; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf(PROG " %s\n", MIP6TLS_VERSION_STRING); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument \"%s\" (try --help)\n", argv[optind]);
        return 2;
    }
    px_log_init(PROG, PX_LOG_INFO);
    conf_defaults(&h.cf);
    h.loop.ep = h.loop.sig.fd = h.status.listen.fd = h.tun.fd = -1;
    if (status && conf == NULL)
        return px_status_query(sock ? sock : h.cf.status_socket);
    if (conf == NULL) {
        fprintf(stderr, PROG ": no configuration file (-c FILE; try --help)\n");
        return 2;
    }
    h.conf_path = conf;
    if (px_conf_load(conf, conf_key, &h.cf, err, sizeof err) != 0 ||
        conf_check(&h.cf, conf, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 2;
    }
    if (status)
        return px_status_query(sock ? sock : h.cf.status_socket);
    px_log_set_level(verbose ? PX_LOG_DEBUG : (px_log_level)h.cf.log_level);
    if (check) {
        /* The credentials too: a key that does not match its certificate fails here. */
        mip6tls_esp_impl_detect(&h.impl);
        if (home_setup_tls(&h) != 0)
            return 2;
        printf("%s: ok (%zu mobile node(s))\n", conf, h.cf.n_mns);
        return 0;
    }
    if (home_start(&h) != 0) {
        home_stop(&h);
        return 1;
    }
    rc = px_loop_run(&h.loop);
    if (rc != 0)
        px_log(PX_LOG_ERR, "event loop: %s", strerror(-rc));
    home_stop(&h);
    px_log(PX_LOG_INFO, "stopped");
    return rc != 0;
}
