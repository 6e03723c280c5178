/*
 * mip6tls-home: the Home Agent Controller and the Home Agent, in one process (the default
 * deployment, DESIGN interpretation 9) or apart (RFC 6618 §4.3).
 *
 *   TCP [hac] port      TLS 1.2 server: the MN<->HAC bootstrap (RFC 6618 §5), driven by the
 *                       core (hac.h); the port moves bytes
 *   UDP [ha] port       the HA (ha.h): BU/BA and reverse-tunnelled data, IPv6 and IPv4
 *   TUN [ha] tun        the home side: packets for registered home addresses come in here
 *                       (the daemon routes every home address it serves into it) and the
 *                       MNs' packets leave through it to the home network
 *   SQLite [hac] sa_db  every SA the HAC provisions, restored at start (docs/porting.md §5)
 *   TCP [hac] ha_listen the SA query server (saq.h): separate HAs fetch SAs by SPI and get
 *                       every new SA pushed, over TLS with client certificates
 *   [hac_query]         a separate HA's SA query client: the HA asks the HAC for the SA of
 *                       an SPI it does not know, holding the packet meanwhile
 *
 * The HAC and the HA are separate contexts with separate config sections ([hac], [ha]); they
 * meet in hook_hac_action(): co-located, the HAC's SA_INSTALL goes straight into the HA in the
 * same instant (hac.h orders it before the response that carries the SA); with ha_listen it
 * also goes to the SA query server, which pushes it to every connected, authorized HA. A
 * process with [ha] and [hac_query] but no [hac] is a separate HA; one with [hac] and no [ha]
 * serves only separate HAs (docs/deploy.md, "A separate HA").
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "espsa.h"
#include "hold.h"
#include "keylog.h"
#include "log.h"
#include "loop.h"
#include "mip6tls/addr.h"
#include "mip6tls/encap.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/saq.h"
#include "mip6tls/suite.h"
#include "net.h"
#include "port.h"
#include "rtnl.h"
#include "saqlog.h"
#include "status.h"
#include "store.h"
#include "tun.h"
#include "util.h"

#define PROG "mip6tls-home"
#define HOME_MAX_LISTEN 4
#define HOME_MAX_MNS 4096
#define HOME_KEY_MAX MIP6TLS_HACP_KEY_MAX
#define HOME_MAX_ALLOW 32
#define HOME_SAQ_PORT 7873 /* no IANA number: the examples' choice (decisions/0033 item 1) */
/* Connection ids of the SA query server's sessions carry this bit; the HAC's MN sessions'
 * never do (both are accepted here and share the port's id space). */
#define HOME_SAQ_CONN 0x80000000u
#define HOME_REPLAY_MAX 64

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

/* One entry of [hac] ha_allow: a name, a fingerprint, or both ("name+sha256:..."). */
typedef struct {
    char dns[254]; /* "": none */
    uint8_t sha256[32];
    uint8_t has_sha;
    char text[300]; /* as configured, for logs */
} home_allow;

typedef struct {
    uint8_t has_hac, has_ha, has_query; /* the sections present */
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
    mip6tls_addr mn_ha6, mn_ha4; /* the HA sent to MNs: ha_address(4), default [ha] address(4) */
    uint16_t mn_ha_port;         /* ha_port, default [ha] port */
    mip6tls_endpoint ha_listen[HOME_MAX_LISTEN];
    size_t n_ha_listen;
    px_blob ha_trust;
    home_allow allow[HOME_MAX_ALLOW];
    size_t n_allow;
    uint32_t ha_max_sessions, ha_idle_timeout_s;
    /* [hac_query] */
    char q_server[256];
    uint16_t q_port;
    char q_name[256];
    px_blob q_anchors, q_cert, q_key;
    mip6tls_addr q_source;
    uint32_t q_timeout_s, q_retry_min_s, q_retry_max_s, q_query_timeout_s, q_keepalive_s;
    uint32_t q_max_pending, q_hold;
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
    c->ha_max_sessions = 8;
    c->ha_idle_timeout_s = 120;
    c->q_port = HOME_SAQ_PORT;
    c->q_max_pending = 32;
    c->q_hold = 4;
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

static int conf_ha_listen_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    if (hc->n_ha_listen == HOME_MAX_LISTEN)
        return px_conf_fail(c, s, k, item, "more than %d endpoints", HOME_MAX_LISTEN);
    return px_conf_endpoint(c, s, k, item, HOME_SAQ_PORT, &hc->ha_listen[hc->n_ha_listen++]);
}

/* A SHA-256 fingerprint: 64 hex digits, colons between them allowed (as `openssl x509
 * -fingerprint -sha256` prints it), an optional "sha256:" before. Returns 0, or -1. */
static int conf_fingerprint(const char *v, uint8_t out[32])
{
    size_t n = 0;
    if (strncasecmp(v, "sha256:", 7) == 0)
        v += 7;
    for (; *v; v++) {
        int d;
        if (*v == ':')
            continue;
        if (*v >= '0' && *v <= '9')
            d = *v - '0';
        else if ((*v | 0x20) >= 'a' && (*v | 0x20) <= 'f')
            d = (*v | 0x20) - 'a' + 10;
        else
            return -1;
        if (n == 64)
            return -1;
        out[n / 2] = (uint8_t)(n % 2 ? out[n / 2] | d : d << 4);
        n++;
    }
    return n == 64 ? 0 : -1;
}

/* A DNS name the HA's certificate may carry: letters, digits, '-' and '.', no wildcard. */
static int conf_dns_name_ok(const char *v, size_t n)
{
    size_t i;
    if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        char ch = v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.'))
            return 0;
        if (ch == '.' && i + 1 < n && v[i + 1] == '.')
            return 0;
    }
    return 1;
}

/* [hac] ha_allow items: "ha1.example.com", "sha256:AB:CD:...", or "ha1.example.com+sha256:..."
 * (both must match). A bare string of hex digits and colons is taken as a fingerprint. */
static int conf_allow_item(px_conf *c, const char *s, const char *k, const char *item, void *u)
{
    home_conf *hc = u;
    home_allow *a;
    const char *plus = strchr(item, '+'), *fp = NULL;
    size_t nlen = strlen(item);
    if (hc->n_allow == HOME_MAX_ALLOW)
        return px_conf_fail(c, s, k, item, "more than %d entries", HOME_MAX_ALLOW);
    a = &hc->allow[hc->n_allow];
    memset(a, 0, sizeof *a);
    snprintf(a->text, sizeof a->text, "%s", item);
    if (plus != NULL) {
        nlen = (size_t)(plus - item);
        fp = plus + 1;
    } else if (strncasecmp(item, "sha256:", 7) == 0 ||
               strspn(item, "0123456789abcdefABCDEF:") == strlen(item)) {
        nlen = 0;
        fp = item;
    }
    if (fp != NULL) {
        if (conf_fingerprint(fp, a->sha256) != 0)
            return px_conf_fail(c, s, k, item,
                                "not a SHA-256 fingerprint (64 hex digits, colons allowed, "
                                "e.g. from `openssl x509 -noout -fingerprint -sha256`)");
        a->has_sha = 1;
    }
    if (nlen > 0 || fp == NULL) {
        if (!conf_dns_name_ok(item, nlen))
            return px_conf_fail(c, s, k, item,
                                "not a DNS name (the HA certificate's subjectAltName dNSName; "
                                "no wildcard) or a fingerprint");
        memcpy(a->dns, item, nlen);
        a->dns[nlen] = 0;
    }
    hc->n_allow++;
    return 0;
}

static int conf_mn_key(px_conf *c, home_conf *hc, const char *s, const char *k, const char *v)
{
    home_mn *m = &hc->mns[hc->cur_mn];
    if (!strcmp(k, "psk") || !strcmp(k, "psk_hex"))
        return px_conf_secret(c, s, k, v, k[3] == '_', m->psk, sizeof m->psk, &m->psk_len);
    if (!strcmp(k, "eap_key") || !strcmp(k, "eap_key_hex"))
        return px_conf_secret(c, s, k, v, k[7] == '_', m->eap_key, sizeof m->eap_key,
                              &m->eap_key_len);
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

/* [hac_query]: a separate HA's link to the HAC. */
static int conf_query_key(px_conf *c, home_conf *hc, const char *s, const char *k, const char *v)
{
    if (!strcmp(k, "server")) {
        if (strchr(v, '*') != NULL || strchr(v, ' ') != NULL)
            return px_conf_fail(c, s, k, v, "not an address or a DNS name");
        return px_conf_str(c, s, k, v, hc->q_server, sizeof hc->q_server);
    }
    if (!strcmp(k, "port"))
        return px_conf_port(c, s, k, v, &hc->q_port);
    if (!strcmp(k, "name")) {
        mip6tls_addr a;
        if (mip6tls_addr_parse(&a, v, strlen(v)) == 0)
            return px_conf_fail(c, s, k, v,
                                "an address, not a DNS name: leave name out to check the "
                                "server address as the iPAddress identity");
        if (!conf_dns_name_ok(v, strlen(v)))
            return px_conf_fail(c, s, k, v, "not a DNS name (no wildcards, RFC 6618 §9.2)");
        return px_conf_str(c, s, k, v, hc->q_name, sizeof hc->q_name);
    }
    if (!strcmp(k, "trust_anchors"))
        return px_conf_file(c, s, k, v, &hc->q_anchors);
    if (!strcmp(k, "cert"))
        return px_conf_file(c, s, k, v, &hc->q_cert);
    if (!strcmp(k, "key"))
        return px_conf_file(c, s, k, v, &hc->q_key);
    if (!strcmp(k, "source"))
        return px_conf_addr(c, s, k, v, MIP6TLS_AF_NONE, &hc->q_source);
    if (!strcmp(k, "timeout"))
        return px_conf_u32(c, s, k, v, 1, 600, &hc->q_timeout_s);
    if (!strcmp(k, "retry_min"))
        return px_conf_u32(c, s, k, v, 1, 3600, &hc->q_retry_min_s);
    if (!strcmp(k, "retry_max"))
        return px_conf_u32(c, s, k, v, 1, 86400, &hc->q_retry_max_s);
    if (!strcmp(k, "query_timeout"))
        return px_conf_u32(c, s, k, v, 1, 600, &hc->q_query_timeout_s);
    if (!strcmp(k, "keepalive"))
        return px_conf_u32(c, s, k, v, 1, 3600, &hc->q_keepalive_s);
    if (!strcmp(k, "max_pending"))
        return px_conf_u32(c, s, k, v, 1, 4096, &hc->q_max_pending);
    if (!strcmp(k, "hold"))
        return px_conf_u32(c, s, k, v, 1, 64, &hc->q_hold);
    return px_conf_unknown(c, s, k);
}

static int conf_key(px_conf *c, void *user, const char *s, const char *k, const char *v)
{
    home_conf *hc = user;
    if (!strcmp(s, "hac_query")) {
        hc->has_query = 1;
        return conf_query_key(c, hc, s, k, v);
    }
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
        hc->has_hac = 1;
        if (!strcmp(k, "ha_address"))
            return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET6, &hc->mn_ha6);
        if (!strcmp(k, "ha_address4"))
            return px_conf_addr(c, s, k, v, MIP6TLS_AF_INET, &hc->mn_ha4);
        if (!strcmp(k, "ha_port"))
            return px_conf_port(c, s, k, v, &hc->mn_ha_port);
        if (!strcmp(k, "ha_listen"))
            return px_conf_list(c, s, k, v, conf_ha_listen_item, hc);
        if (!strcmp(k, "ha_trust"))
            return px_conf_file(c, s, k, v, &hc->ha_trust);
        if (!strcmp(k, "ha_allow"))
            return px_conf_list(c, s, k, v, conf_allow_item, hc);
        if (!strcmp(k, "ha_max_sessions"))
            return px_conf_u32(c, s, k, v, 1, 256, &hc->ha_max_sessions);
        if (!strcmp(k, "ha_idle_timeout"))
            return px_conf_u32(c, s, k, v, 10, 86400, &hc->ha_idle_timeout_s);
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
        hc->has_ha = 1;
        if (!strcmp(k, "max_sas")) /* for a separate HA; co-located, [hac] max_sas is the same */
            return px_conf_u32(c, s, k, v, 1, 1u << 24, &hc->max_sas);
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
             "%s:%d: unknown section [%s] (expected [home], [hac], [ha], [hac_query], [mn <nai>])",
             c->path, c->section_line, s);
    c->failed = 1;
    return -1;
}

/* Checks that need the whole file. Returns 0 or -1 with err. */
static int conf_check(home_conf *hc, const char *path, char *err, size_t cap)
{
    size_t i;
    if (!hc->has_hac && !hc->has_ha) {
        snprintf(err, cap, "%s: neither a [hac] nor an [ha] section: nothing to run", path);
        return -1;
    }
    if (hc->has_query && hc->has_hac) {
        snprintf(err, cap,
                 "%s: [hac_query] is for a separate HA (an [ha] section without [hac]); with "
                 "[hac] in this process the HA gets its SAs directly",
                 path);
        return -1;
    }
    if (hc->has_ha && !hc->has_hac && !hc->has_query) {
        snprintf(err, cap,
                 "%s: [ha] without [hac] needs a [hac_query] section: the HAC this HA fetches "
                 "its SAs from (RFC 6618 §4.3)",
                 path);
        return -1;
    }
    if (hc->has_ha && hc->ha6.family == MIP6TLS_AF_NONE) {
        snprintf(err, cap, "%s: [ha] address (the HA's IPv6 address) is required", path);
        return -1;
    }
    if (!hc->has_hac) {
        if (hc->n_mns > 0) {
            snprintf(err, cap,
                     "%s:%d: [mn %s]: mobile node sections belong to the HAC ([hac]); a "
                     "separate HA learns its mobile nodes from the SAs",
                     path, hc->mns[0].line, hc->mns[0].nai);
            return -1;
        }
    } else {
        if (hc->cert.data == NULL || hc->key.data == NULL) {
            snprintf(err, cap, "%s: [hac] %s is required", path, hc->cert.data ? "key" : "cert");
            return -1;
        }
        if (hc->hnp6.family == MIP6TLS_AF_NONE) {
            snprintf(err, cap, "%s: [hac] home_prefix is required", path);
            return -1;
        }
        if (hc->n_mns == 0) {
            snprintf(err, cap, "%s: no [mn <nai>] section: the HAC would know no mobile node",
                     path);
            return -1;
        }
        /* The HA the MNs are sent to (RFC 6618 §5.7.1, §5.7.2): the co-located one unless
         * [hac] names another. */
        if (hc->mn_ha6.family == MIP6TLS_AF_NONE)
            hc->mn_ha6 = hc->ha6;
        if (hc->mn_ha4.family == MIP6TLS_AF_NONE)
            hc->mn_ha4 = hc->ha4;
        if (hc->mn_ha_port == 0)
            hc->mn_ha_port = hc->has_ha ? hc->ha_port : MIP6TLS_DEFAULT_PORT;
        if (hc->mn_ha6.family == MIP6TLS_AF_NONE) {
            snprintf(err, cap,
                     "%s: [hac] ha_address (the IPv6 address of the HA the mobile nodes are "
                     "sent to, RFC 6618 §5.7.1) is required without an [ha] section",
                     path);
            return -1;
        }
        if (!hc->has_ha && hc->n_ha_listen == 0) {
            snprintf(err, cap,
                     "%s: [hac] without [ha] needs ha_listen: where the separate HAs fetch "
                     "their SAs (RFC 6618 §4.3)",
                     path);
            return -1;
        }
        if (hc->n_ha_listen > 0 && hc->ha_trust.data == NULL) {
            snprintf(err, cap,
                     "%s: [hac] ha_listen needs ha_trust: the CA certificate(s) that issue "
                     "the HAs' client certificates",
                     path);
            return -1;
        }
        if (hc->n_ha_listen > 0 && hc->n_allow == 0) {
            snprintf(err, cap,
                     "%s: [hac] ha_listen needs ha_allow: the HAs served (certificate names "
                     "or SHA-256 fingerprints)",
                     path);
            return -1;
        }
        if (hc->methods == 0)
            hc->methods = MIP6TLS_CTR_AM_PSK;
        for (i = 0; i < hc->n_mns; i++) {
            home_mn *m = &hc->mns[i];
            if (m->hoa6.family == MIP6TLS_AF_NONE && m->hoa4.family == MIP6TLS_AF_NONE) {
                snprintf(err, cap, "%s:%d: [mn %s]: hoa (or hoa4) is required", path, m->line,
                         m->nai);
                return -1;
            }
            if (m->psk_len == 0 && m->eap_key_len == 0) {
                snprintf(err, cap, "%s:%d: [mn %s]: psk (or eap_key) is required", path, m->line,
                         m->nai);
                return -1;
            }
            if (m->hoa4.family == MIP6TLS_AF_INET && hc->mn_ha4.family == MIP6TLS_AF_NONE) {
                snprintf(err, cap,
                         "%s:%d: [mn %s]: hoa4 needs %s (IPv4 home addresses are served "
                         "over the HA's IPv4 address, RFC 5555)",
                         path, m->line, m->nai, hc->has_ha ? "[ha] address4" : "[hac] ha_address4");
                return -1;
            }
        }
        if (hc->n_listen == 0) {
            if (!hc->has_ha) {
                snprintf(err, cap,
                         "%s: [hac] listen (the addresses the TLS server listens on) is "
                         "required without an [ha] section",
                         path);
                return -1;
            }
            hc->listen[hc->n_listen++] = hc->ha6;
            if (hc->ha4.family == MIP6TLS_AF_INET)
                hc->listen[hc->n_listen++] = hc->ha4;
        }
    }
    if (hc->has_query) {
        const char *missing = hc->q_server[0] == 0  ? "server"
                              : !hc->q_anchors.data ? "trust_anchors"
                              : !hc->q_cert.data    ? "cert"
                              : !hc->q_key.data     ? "key"
                                                    : NULL;
        if (missing != NULL) {
            snprintf(err, cap, "%s: [hac_query] %s is required", path, missing);
            return -1;
        }
        if (hc->q_retry_min_s && hc->q_retry_max_s && hc->q_retry_min_s > hc->q_retry_max_s) {
            snprintf(err, cap, "%s: [hac_query] retry_min (%u) is above retry_max (%u)", path,
                     hc->q_retry_min_s, hc->q_retry_max_s);
            return -1;
        }
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
    mip6tls_drbg hac_drbg, ha_drbg, saqs_drbg, saqc_drbg;

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
    size_t n_index;
    mip6tls_action hac_acts[64];
    uint8_t *hac_arena;
    mip6tls_outbox hac_ob;
    px_io listen[HOME_MAX_LISTEN];
    size_t n_listen;
    uint32_t next_conn;

    /* the SA query server, for separate HAs ([hac] ha_listen) */
    int saqs_on;
    uint8_t ha_anchor_arena[16384];
    mip6tls_cred ha_anchors;
    mip6tls_tls_config saqs_tls;
    mip6tls_saq_allow allow[HOME_MAX_ALLOW];
    mip6tls_saq_server saqs;
    mip6tls_saq_session *saqs_sessions;
    uint8_t *saqs_iobufs;
    uint32_t *saqs_fresh;
    mip6tls_action *saqs_acts;
    uint8_t *saqs_arena;
    mip6tls_outbox saqs_ob;
    px_io ha_listen[HOME_MAX_LISTEN];
    size_t n_ha_listen;
    uint32_t next_saq_conn;

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

    /* the SA query client of a separate HA ([hac_query]) */
    int saqc_on;
    uint8_t q_anchor_arena[16384], q_cred_arena[16384];
    mip6tls_cred q_anchors, q_cred;
    mip6tls_tls_config saqc_tls;
    mip6tls_endpoint q_hac;
    mip6tls_saq_client saqc;
    mip6tls_saq_pending *saqc_pending;
    uint8_t *saqc_tls_buf;
    mip6tls_action saqc_acts[64];
    uint8_t *saqc_arena;
    mip6tls_outbox saqc_ob;
    px_hold hold;
    px_held held_pkt;  /* one datagram being fed again */
    uint8_t *spi_copy; /* a datagram under an unknown SPI, before the HA sees it */
    uint32_t holding;  /* the SPI whose unknown-SPI drop is not logged (the packet is held) */
    uint32_t replay[HOME_REPLAY_MAX]; /* SPIs whose SA arrived: feed their held packets */
    size_t n_replay;
    uint64_t q_unknown, q_asked, q_refused; /* packets under unknown SPIs; queries; not asked */

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

static void home_drain_saqs(home *h)
{
    px_drain(&h->port, PX_ROLE_SAQ_SERVER, &h->saqs_ob);
}

/* The held datagrams of SPIs whose SA arrived go to the HA again, oldest first: after the
 * client's outbox is performed, so the port never feeds a context while it drains one. */
static void home_replay(home *h)
{
    while (h->n_replay > 0 && h->port.depth == 0) {
        uint32_t spi = h->replay[0];
        memmove(h->replay, h->replay + 1, --h->n_replay * sizeof h->replay[0]);
        while (px_hold_pop(&h->hold, spi, &h->held_pkt)) {
            int rc = mip6tls_ha_recv(&h->ha, px_now_ms(), &h->held_pkt.local, &h->held_pkt.from,
                                     h->held_pkt.data, h->held_pkt.len, &h->ha_ob);
            px_log(PX_LOG_DEBUG, "ha: held packet of SA 0x%x fed again after %llu ms: %s", spi,
                   (unsigned long long)(px_now_ms() - h->held_pkt.at),
                   rc ? mip6tls_strerror(rc) : "ok");
            home_drain_ha(h);
        }
    }
}

static void home_drain_saqc(home *h)
{
    px_drain(&h->port, PX_ROLE_SAQ_CLIENT, &h->saqc_ob);
    home_replay(h);
}

/* ---- role-specific actions ---------------------------------------------------------------- */

/* A separate HA serves the home addresses it holds SAs for: each goes into the TUN as it
 * arrives (co-located, the configured [mn] sections give them at start). */
static void home_sa_arrived(home *h, const mip6tls_action *a)
{
    mip6tls_sa sa;
    char t[PX_EP_TEXT_MAX];
    int k;
    if (mip6tls_sa_decode(&sa, a->data, a->len) != 0)
        return;
    for (k = 0; k < 2; k++) {
        const mip6tls_addr *hoa = k ? &sa.hoa4 : &sa.hoa6;
        int rc;
        if (hoa->family == MIP6TLS_AF_NONE)
            continue;
        rc = px_rtnl_route(h->rtnl, 1, h->tun_ifindex, hoa,
                           hoa->family == MIP6TLS_AF_INET6 ? 128 : 32, NULL);
        if (rc != 0)
            px_log(PX_LOG_ERR, "route %s via %s: %s", px_addr_str(hoa, t, sizeof t), h->tun_name,
                   strerror(-rc));
        else
            px_log(PX_LOG_DEBUG, "home side: %s via %s (SA 0x%x)", px_addr_str(hoa, t, sizeof t),
                   h->tun_name, a->conn);
    }
    if (a->arg == 0 && h->cf.esp_sa_file[0]) { /* restored: rows exist */
        int n = px_espsa_append(h->cf.esp_sa_file, &sa);
        if (n < 0)
            px_log(PX_LOG_WARN, "esp_sa_file %s: %s", h->cf.esp_sa_file, strerror(-n));
    }
    memset(&sa, 0, sizeof sa);
}

/* The HAC's SAs: into the co-located HA, and to the separate HAs (saq.h). */
static int hook_hac_action(home *h, const mip6tls_action *a)
{
    int rc = 0;
    if (a->type == MIP6TLS_ACT_SA_INSTALL) {
        if (h->cf.has_ha) {
            rc = mip6tls_ha_install_action(&h->ha, px_now_ms(), a, &h->ha_ob);
            if (rc != 0)
                px_log(PX_LOG_ERR, "ha: SA 0x%x not installed: %s", a->conn, mip6tls_strerror(rc));
            home_drain_ha(h);
        }
        if (rc == 0 && a->arg == 0 && h->cf.esp_sa_file[0]) { /* restored: rows exist */
            mip6tls_sa sa;
            if (mip6tls_sa_decode(&sa, a->data, a->len) == 0) {
                int n = px_espsa_append(h->cf.esp_sa_file, &sa);
                if (n < 0)
                    px_log(PX_LOG_WARN, "esp_sa_file %s: %s", h->cf.esp_sa_file, strerror(-n));
                memset(&sa, 0, sizeof sa);
            }
        }
    }
    if ((a->type == MIP6TLS_ACT_SA_INSTALL || a->type == MIP6TLS_ACT_SA_FORGET) && h->saqs_on) {
        /* Every one, also with no HA connected: it is how the server learns which SAs no HA
         * has seen yet (decisions/0033 item 5). */
        rc = mip6tls_saq_server_hac_action(&h->saqs, px_now_ms(), a, &h->saqs_ob);
        if (rc != 0)
            px_log(PX_LOG_ERR, "saq-server: SA 0x%x not %s to the HAs: %s", a->conn,
                   a->type == MIP6TLS_ACT_SA_INSTALL ? "pushed" : "forgotten",
                   mip6tls_strerror(rc));
        home_drain_saqs(h);
    }
    /* SA_FORGET also goes to the store (the common code). */
    return a->type == MIP6TLS_ACT_SA_INSTALL;
}

/* Why the HA's link to the HAC failed, for a person. */
static void home_saqc_reason(home *h, const mip6tls_action *a, char *out, size_t cap)
{
    int64_t v = (int64_t)a->arg;
    int br = mip6tls_tls_last_error(&h->saqc.tls);
    uint64_t next = mip6tls_saq_client_next_deadline(&h->saqc), now = px_now_ms();
    char why[512];
    if (v == MIP6TLS_ERR_POLICY)
        snprintf(why, sizeof why,
                 "not-authorized: the HAC refused this HA (its certificate is not on the HAC's "
                 "[hac] ha_allow list)");
    else if (br == BR_ERR_X509_BAD_SERVER_NAME)
        snprintf(why, sizeof why, "the HAC's certificate does not name %s%s (RFC 6618 §9.2)",
                 h->cf.q_name[0] ? h->cf.q_name : "the address",
                 h->cf.q_name[0] ? "" : " as a subjectAltName iPAddress");
    else if (br >= BR_ERR_X509_OK + 1 && br < BR_ERR_X509_OK + 32)
        snprintf(why, sizeof why,
                 "the HAC's certificate does not validate against [hac_query] trust_anchors "
                 "\"%.200s\" (BearSSL error %d)",
                 h->cf.q_anchors.path, br);
    else if (br >= BR_ERR_RECV_FATAL_ALERT && br < BR_ERR_SEND_FATAL_ALERT)
        snprintf(why, sizeof why,
                 "the HAC refused this HA's certificate (TLS alert %d): is it issued by the "
                 "HAC's [hac] ha_trust, valid, and meant for TLS clients?",
                 br - BR_ERR_RECV_FATAL_ALERT);
    else if (v == MIP6TLS_ERR_TRUNCATED && h->port.last_tcp_conn == a->conn &&
             h->port.last_tcp_errno != 0)
        snprintf(why, sizeof why, "cannot connect: %s", strerror(h->port.last_tcp_errno));
    else if (v == MIP6TLS_ERR_TRUNCATED)
        snprintf(why, sizeof why, "the HAC closed the connection");
    else if (v == MIP6TLS_ERR_TIMEOUT)
        snprintf(why, sizeof why, "no answer from the HAC in time");
    else
        snprintf(why, sizeof why, "%s", mip6tls_strerror((int)v));
    if (next != MIP6TLS_NO_DEADLINE && next >= now)
        snprintf(out, cap, "(%s; next attempt in %.1fs)", why, (double)(next - now) / 1000.0);
    else
        snprintf(out, cap, "(%s)", why);
}

/* The separate HA's SA query client: SAs in, SAs out, events. */
static int hook_saqc_action(home *h, const mip6tls_action *a)
{
    char extra[640];
    const char *x = NULL;
    size_t n;
    int rc;
    switch (a->type) {
    case MIP6TLS_ACT_SA_INSTALL:
        rc = mip6tls_ha_install_action(&h->ha, px_now_ms(), a, &h->ha_ob);
        home_drain_ha(h);
        if (rc != 0) {
            n = px_hold_drop(&h->hold, a->conn);
            px_log(PX_LOG_ERR,
                   "ha: SA 0x%x from the HAC not installed: %s (%zu held packet(s) "
                   "dropped)",
                   a->conn, mip6tls_strerror(rc), n);
            return 1;
        }
        home_sa_arrived(h, a);
        if (h->n_replay < HOME_REPLAY_MAX)
            h->replay[h->n_replay++] = a->conn;
        else
            px_hold_drop(&h->hold, a->conn);
        return 1;
    case MIP6TLS_ACT_SA_FORGET:
        /* The HAC revoked or expired it (decisions/0033 item 4). */
        rc = mip6tls_ha_remove_sa(&h->ha, px_now_ms(), a->conn, &h->ha_ob);
        if (rc != 0 && rc != MIP6TLS_ERR_NOTFOUND)
            px_log(PX_LOG_ERR, "ha: SA 0x%x not removed: %s", a->conn, mip6tls_strerror(rc));
        home_drain_ha(h);
        return 1;
    case MIP6TLS_ACT_EVENT:
        switch (a->event) {
        case MIP6TLS_SAQ_EV_NOT_FOUND:
        case MIP6TLS_SAQ_EV_QUERY_FAILED:
            n = px_hold_drop(&h->hold, a->conn);
            snprintf(extra, sizeof extra, "(%s%zu held packet(s) dropped)",
                     a->event == MIP6TLS_SAQ_EV_NOT_FOUND && a->arg == MIP6TLS_SAQ_ST_NOT_AUTHORIZED
                         ? "this HA is not on the HAC's ha_allow list; "
                         : "",
                     n);
            x = extra;
            break;
        case MIP6TLS_SAQ_EV_FAILED:
            home_saqc_reason(h, a, extra, sizeof extra);
            x = extra;
            break;
        default: break;
        }
        px_saq_log_event(a, x);
        return 1;
    default: return 0; /* TCP: the common code */
    }
}

/* The HAC side's events, with what the daemon knows of the HA: the allow-list entry it
 * matched, or the identity of a refused certificate (to put on ha_allow if it is welcome). */
static int hook_saqs_action(home *h, const mip6tls_action *a)
{
    char extra[400], name[256] = "-", fp[65] = "";
    const char *x = NULL;
    size_t i;
    if (a->type != MIP6TLS_ACT_EVENT)
        return 0;
    if (a->event == MIP6TLS_SAQ_EV_HA_AUTHORIZED && a->arg < h->cf.n_allow) {
        snprintf(extra, sizeof extra, "(%s)", h->cf.allow[a->arg].text);
        x = extra;
    } else if (a->event == MIP6TLS_SAQ_EV_HA_REFUSED) {
        for (i = 0; i < h->cf.ha_max_sessions; i++) {
            const mip6tls_tls *t = &h->saqs_sessions[i].tls;
            const uint8_t *der;
            uint8_t sha[32];
            size_t len, k;
            if (h->saqs_sessions[i].conn != a->conn)
                continue;
            der = mip6tls_tls_peer_cert(t, &len);
            if (der != NULL && mip6tls_tls_cert_dns_name(der, len, 0, name, sizeof name) <= 0)
                snprintf(name, sizeof name, "-");
            if (mip6tls_tls_peer_cert_sha256(t, sha) == 32)
                for (k = 0; k < 32; k++)
                    snprintf(fp + 2 * k, 3, "%02x", sha[k]);
            break;
        }
        snprintf(extra, sizeof extra,
                 "(its certificate: dNSName %s sha256 %s: not on [hac] ha_allow; not-authorized "
                 "sent)",
                 name, fp[0] ? fp : "?");
        x = extra;
    }
    px_saq_log_event(a, x);
    return 1;
}

static int hook_action(void *ctx, char role, const mip6tls_action *a)
{
    home *h = ctx;
    if (px_keylog_action(h->cf.tls_keylog, a))
        return 1; /* the TLS key log line: to the file, never to the log */
    switch (role) {
    case PX_ROLE_HAC: return hook_hac_action(h, a);
    case PX_ROLE_SAQ_CLIENT: return hook_saqc_action(h, a);
    case PX_ROLE_SAQ_SERVER: return hook_saqs_action(h, a);
    case PX_ROLE_HA:
        /* A packet the separate HA holds while it asks the HAC is not "dropped". */
        return a->type == MIP6TLS_ACT_EVENT && a->event == MIP6TLS_HA_EV_PACKET_DROPPED &&
               (int64_t)a->arg == MIP6TLS_ERR_SPI && h->holding != 0 && a->conn == h->holding;
    default: return 0;
    }
}

/* ---- TCP --------------------------------------------------------------------------------- */

/* Bytes for an SA query context, under its contract (saq.h): tcp_recv takes what it can and
 * returns how many; what it leaves is offered again once the outbox is performed (each call
 * first works off the messages it held back for room). */
static void home_saq_recv(home *h, int server, uint32_t conn, const uint8_t *d, size_t len)
{
    mip6tls_outbox *ob = server ? &h->saqs_ob : &h->saqc_ob;
    size_t off = 0;
    int stuck = 0;
    while (off < len) {
        int n =
            server
                ? mip6tls_saq_server_tcp_recv(&h->saqs, px_now_ms(), conn, d + off, len - off, ob)
                : mip6tls_saq_client_tcp_recv(&h->saqc, px_now_ms(), conn, d + off, len - off, ob);
        size_t acts = ob->n;
        if (server)
            home_drain_saqs(h);
        else
            home_drain_saqc(h);
        if (n < 0 && n != MIP6TLS_ERR_NOBUF) {
            px_log(PX_LOG_ERR, "%s: bytes on connection %u not taken: %s",
                   server ? "saq-server" : "saq", conn, mip6tls_strerror(n));
            return;
        }
        if (n > 0)
            off += (size_t)n;
        if (n > 0 || acts > 0) {
            stuck = 0;
            continue;
        }
        /* Nothing taken and nothing done with an empty outbox: a fault, and the stream cannot
         * skip bytes, so the connection ends. */
        if (++stuck == 2) {
            px_log(PX_LOG_ERR, "%s: connection %u does not take its input; closing it",
                   server ? "saq-server" : "saq", conn);
            px_port_fail_tcp(&h->port, conn);
            return;
        }
    }
}

static void hook_tcp_connected(void *ctx, uint32_t conn)
{
    home *h = ctx;
    if (!h->saqc_on)
        return; /* the HAC only accepts */
    mip6tls_saq_client_tcp_connected(&h->saqc, px_now_ms(), conn, &h->saqc_ob);
    home_drain_saqc(h);
}

static void hook_tcp_recv(void *ctx, uint32_t conn, const uint8_t *d, size_t len)
{
    home *h = ctx;
    int rc;
    if (h->saqs_on && (conn & HOME_SAQ_CONN)) {
        home_saq_recv(h, 1, conn, d, len);
        return;
    }
    if (h->saqc_on) {
        home_saq_recv(h, 0, conn, d, len);
        return;
    }
    rc = mip6tls_hac_tcp_recv(&h->hac, px_now_ms(), conn, d, len, &h->hac_ob);
    if (rc != 0)
        px_log(PX_LOG_ERR, "hac: bytes on connection %u not taken: %s", conn, mip6tls_strerror(rc));
    home_drain_hac(h);
}

static void hook_tcp_closed(void *ctx, uint32_t conn)
{
    home *h = ctx;
    if (h->saqs_on && (conn & HOME_SAQ_CONN)) {
        mip6tls_saq_server_tcp_closed(&h->saqs, px_now_ms(), conn, &h->saqs_ob);
        home_drain_saqs(h);
        return;
    }
    if (h->saqc_on) {
        mip6tls_saq_client_tcp_closed(&h->saqc, px_now_ms(), conn, &h->saqc_ob);
        home_drain_saqc(h);
        return;
    }
    mip6tls_hac_tcp_closed(&h->hac, px_now_ms(), conn, &h->hac_ob);
    home_drain_hac(h);
}

/* Accepts on a listening socket: MNs on [hac] listen (server 0), HAs on ha_listen (1). */
static void home_accept(home *h, px_io *io, int server)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd;
    while ((fd = accept4(io->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
           0) {
        mip6tls_endpoint peer;
        uint32_t conn;
        if (server) {
            conn = HOME_SAQ_CONN | (h->next_saq_conn++ & ~HOME_SAQ_CONN);
            if ((h->next_saq_conn & ~HOME_SAQ_CONN) == 0)
                h->next_saq_conn = 1;
        } else {
            conn = h->next_conn++;
            if (h->next_conn == 0 || (h->next_conn & HOME_SAQ_CONN))
                h->next_conn = 1;
        }
        px_sockaddr_to_ep((struct sockaddr *)&ss, &peer);
        len = sizeof ss;
        if (px_port_adopt(&h->port, fd, conn, &peer) == NULL) {
            char p[PX_EP_TEXT_MAX];
            px_log(PX_LOG_WARN, "%s: connection from %s refused: all %zu connection slots busy",
                   server ? "saq-server" : "hac", px_ep_str(&peer, p, sizeof p), h->port.n_tcp);
            continue;
        }
        if (server) {
            mip6tls_saq_server_tcp_accept(&h->saqs, px_now_ms(), conn, &peer, &h->saqs_ob);
            home_drain_saqs(h);
        } else {
            mip6tls_hac_tcp_accept(&h->hac, px_now_ms(), conn, &peer, &h->hac_ob);
            home_drain_hac(h);
        }
    }
}

static void home_on_accept(px_io *io, uint32_t ev)
{
    (void)ev;
    home_accept(io->ctx, io, 0);
}

static void home_on_ha_accept(px_io *io, uint32_t ev)
{
    (void)ev;
    home_accept(io->ctx, io, 1);
}

/* ---- UDP and TUN ------------------------------------------------------------------------- */

/* A separate HA: is this datagram under an SPI the HA holds no SA for (RFC 6618 §4.3)? */
static uint32_t home_unknown_spi(home *h, const uint8_t *pkt, size_t len)
{
    mip6tls_encap_hdr eh;
    if (!h->saqc_on || len > PX_DGRAM_MAX || mip6tls_encap_decode(pkt, len, &eh) != 0 ||
        eh.ptype == MIP6TLS_PTYPE_PLAIN || mip6tls_ha_find_spi(&h->ha, eh.spi) != NULL)
        return 0;
    return eh.spi;
}

/* The HA did not know `spi`: hold the copy and ask the HAC (decisions/0033 item 6). */
static void home_ask_hac(home *h, px_udp *u, const mip6tls_endpoint *from, uint32_t spi, size_t len)
{
    char f[PX_EP_TEXT_MAX];
    uint64_t now = px_now_ms();
    int rc = mip6tls_saq_client_query(&h->saqc, now, spi, &h->saqc_ob);
    h->q_unknown++;
    if (rc == 0 || rc == 1) {
        int held = px_hold_put(&h->hold, spi, &u->local, from, h->spi_copy, len, now);
        if (rc == 0) {
            h->q_asked++;
            px_log(PX_LOG_INFO,
                   "ha: SA 0x%x unknown: packet from %s held, asking the HAC (RFC 6618 §4.3)", spi,
                   px_ep_str(from, f, sizeof f));
        }
        if (held < 0)
            px_log(PX_LOG_WARN, "ha: no room to hold a packet of SA 0x%x (max_pending)", spi);
        else if (held == 1)
            px_log(PX_LOG_DEBUG, "ha: SA 0x%x: oldest held packet dropped for a newer one", spi);
    } else {
        /* Not asked: the HAC said not-found moments ago, or every query slot is busy. */
        static uint64_t last;
        h->q_refused++;
        if (now - last >= 1000 || rc != MIP6TLS_ERR_NOTFOUND) {
            last = now;
            px_log(rc == MIP6TLS_ERR_NOTFOUND ? PX_LOG_DEBUG : PX_LOG_WARN,
                   "ha: SA 0x%x unknown, packet from %s dropped: %s", spi,
                   px_ep_str(from, f, sizeof f),
                   rc == MIP6TLS_ERR_NOTFOUND ? "the HAC did not know it moments ago"
                   : rc == MIP6TLS_ERR_FULL   ? "every query slot is busy ([hac_query] max_pending)"
                                              : mip6tls_strerror(rc));
        }
    }
    home_drain_saqc(h);
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
            uint32_t spi = home_unknown_spi(h, u->rx[i], u->rx_len[i]);
            int rc;
            if (spi != 0) /* the HA decrypts in place: keep the packet as it came */
                memcpy(h->spi_copy, u->rx[i], u->rx_len[i]);
            h->holding = spi;
            /* Decrypted in place: DELIVER points into rx[i] until the drain returns. */
            rc = mip6tls_ha_recv(&h->ha, px_now_ms(), &u->local, &u->rx_from[i], u->rx[i],
                                 u->rx_len[i], &h->ha_ob);
            home_drain_ha(h);
            h->holding = 0;
            if (spi != 0 && rc == MIP6TLS_ERR_SPI)
                home_ask_hac(h, u, &u->rx_from[i], spi, u->rx_len[i]);
        }
        if (n < PX_BATCH)
            break;
    }
}

static void home_tun_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    home *h = ctx;
    h->tun_in++;
    mip6tls_ha_send(&h->ha, px_now_ms(), pkt, len, &h->ha_ob);
    home_drain_ha(h);
}

static void home_on_tun(px_io *io, uint32_t ev)
{
    home *h = io->ctx;
    (void)ev;
    /* Super-packets come out as the IP packets they stand for (tun.h). */
    px_tun_read(io->fd, h->tun_buf, PX_TUN_BUF, 64, home_tun_packet, h, NULL);
}

/* ---- the loop ------------------------------------------------------------------------------ */

static uint64_t home_next_deadline(void *ctx)
{
    home *h = ctx;
    uint64_t t = px_port_next_deadline(&h->port), u;
    if (h->cf.has_ha && (u = mip6tls_ha_next_deadline(&h->ha)) < t)
        t = u;
    if (h->cf.has_hac && (u = mip6tls_hac_next_deadline(&h->hac)) < t)
        t = u;
    if (h->saqs_on && (u = mip6tls_saq_server_next_deadline(&h->saqs)) < t)
        t = u;
    if (h->saqc_on && (u = mip6tls_saq_client_next_deadline(&h->saqc)) < t)
        t = u;
    return t;
}

static void home_on_timer(void *ctx, uint64_t now)
{
    home *h = ctx;
    int guard;
    px_port_tick(&h->port, now);
    /* A tick may leave timers due when the outbox filled up: drain and tick again (§4). */
    for (guard = 0; h->cf.has_ha && guard < 64 && mip6tls_ha_next_deadline(&h->ha) <= now;
         guard++) {
        mip6tls_ha_tick(&h->ha, now, &h->ha_ob);
        home_drain_ha(h);
    }
    for (guard = 0; h->cf.has_hac && guard < 64 && mip6tls_hac_next_deadline(&h->hac) <= now;
         guard++) {
        mip6tls_hac_tick(&h->hac, now, &h->hac_ob);
        home_drain_hac(h);
    }
    for (guard = 0; h->saqs_on && guard < 64 && mip6tls_saq_server_next_deadline(&h->saqs) <= now;
         guard++) {
        mip6tls_saq_server_tick(&h->saqs, now, &h->saqs_ob);
        home_drain_saqs(h);
    }
    for (guard = 0; h->saqc_on && guard < 64 && mip6tls_saq_client_next_deadline(&h->saqc) <= now;
         guard++) {
        mip6tls_saq_client_tick(&h->saqc, now, &h->saqc_ob);
        home_drain_saqc(h);
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
    if (h->cf.has_hac) {
        px_buf_printf(
            b, "hac: sas=%zu sessions=%zu tcp-port=%u listen=", mip6tls_hac_sa_count(&h->hac),
            mip6tls_hac_session_count(&h->hac), h->cf.hac_port);
        for (i = 0; i < h->cf.n_listen; i++)
            px_buf_printf(b, "%s%s", i ? "," : "", px_addr_str(&h->cf.listen[i], a, sizeof a));
        px_buf_printf(b, " store=%s (%ld records)\n", h->cf.sa_db,
                      h->store ? px_store_count(h->store) : -1L);
    }
    if (h->saqs_on) {
        px_buf_printf(
            b, "saq-server: has=%zu sessions=%zu listen=", mip6tls_saq_server_ha_count(&h->saqs),
            mip6tls_saq_server_session_count(&h->saqs));
        for (i = 0; i < h->cf.n_ha_listen; i++)
            px_buf_printf(b, "%s%s", i ? "," : "", px_ep_str(&h->cf.ha_listen[i], a, sizeof a));
        px_buf_printf(b, " allow=%zu\n", h->cf.n_allow);
    }
    if (h->saqc_on) {
        static const char *const states[] = {"idle", "connecting", "tls", "up", "retry"};
        unsigned st = (unsigned)mip6tls_saq_client_get_state(&h->saqc);
        int le = mip6tls_saq_client_last_error(&h->saqc);
        px_buf_printf(b,
                      "saq: hac=%s name=%s state=%s pending=%zu held=%zu unknown-spi=%llu "
                      "queries=%llu not-asked=%llu fed-again=%llu held-dropped=%llu%s%s\n",
                      px_ep_str(&h->q_hac, a, sizeof a),
                      h->cf.q_name[0] ? h->cf.q_name : "(the address)", st < 5 ? states[st] : "?",
                      mip6tls_saq_client_pending_count(&h->saqc), px_hold_count(&h->hold),
                      (unsigned long long)h->q_unknown, (unsigned long long)h->q_asked,
                      (unsigned long long)h->q_refused, (unsigned long long)h->hold.replayed,
                      (unsigned long long)h->hold.dropped, le ? " last-error=" : "",
                      le ? mip6tls_strerror(le) : "");
    }
    if (!h->cf.has_ha)
        return;
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
        sa = h->cf.has_hac ? mip6tls_hac_find_sa(&h->hac, e->keys.spi) : NULL;
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
    if (c->tls_keylog[0])
        mip6tls_tls_config_keylog(&h->tls, 1); /* MIP6TLS_TLS_EV_KEYLOG per session */
    return 0;
}

/* The SA query server's TLS: the HAC's own certificate, and client certificates required from
 * the HAs, chaining to [hac] ha_trust (decisions/0032). */
static int home_setup_saqs_tls(home *h)
{
    home_conf *c = &h->cf;
    int rc;
    mip6tls_cred_init(&h->ha_anchors, h->ha_anchor_arena, sizeof h->ha_anchor_arena);
    rc = mip6tls_cred_add_anchors(&h->ha_anchors, c->ha_trust.data, c->ha_trust.len);
    if (rc != 0)
        return home_fail("%s:%d: [hac] ha_trust = \"%s\": %s", h->conf_path, c->ha_trust.line,
                         c->ha_trust.path,
                         mip6tls_cred_reason(&h->ha_anchors)
                             ? mip6tls_cred_reason_str(mip6tls_cred_reason(&h->ha_anchors))
                             : mip6tls_strerror(rc));
    rc = mip6tls_tls_config_server(&h->saqs_tls, &h->cred, &h->impl, NULL, 0);
    if (rc == 0)
        rc = mip6tls_tls_config_client_auth(&h->saqs_tls, &h->ha_anchors);
    if (rc != 0)
        return home_fail("%s:%d: [hac] ha_trust = \"%s\": not usable: %s", h->conf_path,
                         c->ha_trust.line, c->ha_trust.path, mip6tls_strerror(rc));
    if (c->tls_keylog[0])
        mip6tls_tls_config_keylog(&h->saqs_tls, 1);
    return 0;
}

/* A separate HA's TLS: the HAC's trust anchors, and the HA's own chain and key. */
static int home_setup_saqc_tls(home *h)
{
    home_conf *c = &h->cf;
    int rc;
    mip6tls_cred_init(&h->q_anchors, h->q_anchor_arena, sizeof h->q_anchor_arena);
    rc = mip6tls_cred_add_anchors(&h->q_anchors, c->q_anchors.data, c->q_anchors.len);
    if (rc == 0)
        rc = mip6tls_tls_config_client(&h->saqc_tls, &h->q_anchors, &h->impl);
    if (rc != 0)
        return home_fail("%s:%d: [hac_query] trust_anchors = \"%s\": %s", h->conf_path,
                         c->q_anchors.line, c->q_anchors.path,
                         mip6tls_cred_reason(&h->q_anchors)
                             ? mip6tls_cred_reason_str(mip6tls_cred_reason(&h->q_anchors))
                             : mip6tls_strerror(rc));
    mip6tls_cred_init(&h->q_cred, h->q_cred_arena, sizeof h->q_cred_arena);
    rc = mip6tls_cred_add_chain(&h->q_cred, c->q_cert.data, c->q_cert.len);
    if (rc != 0)
        return home_fail("%s:%d: [hac_query] cert = \"%s\": %s", h->conf_path, c->q_cert.line,
                         c->q_cert.path, mip6tls_cred_reason_str(mip6tls_cred_reason(&h->q_cred)));
    rc = mip6tls_cred_set_key(&h->q_cred, c->q_key.data, c->q_key.len);
    if (rc != 0)
        return home_fail("%s:%d: [hac_query] key = \"%s\": %s", h->conf_path, c->q_key.line,
                         c->q_key.path, mip6tls_cred_reason_str(mip6tls_cred_reason(&h->q_cred)));
    memset(c->q_key.data, 0, c->q_key.len); /* the decoded key lives in the arena now */
    rc = mip6tls_tls_config_client_cert(&h->saqc_tls, &h->q_cred);
    if (rc != 0)
        return home_fail("%s:%d: [hac_query] key = \"%s\": not usable with cert \"%s\": %s%s%s",
                         h->conf_path, c->q_key.line, c->q_key.path, c->q_cert.path,
                         mip6tls_strerror(rc), mip6tls_cred_reason(&h->q_cred) ? ": " : "",
                         mip6tls_cred_reason(&h->q_cred)
                             ? mip6tls_cred_reason_str(mip6tls_cred_reason(&h->q_cred))
                             : "");
    if (c->tls_keylog[0])
        mip6tls_tls_config_keylog(&h->saqc_tls, 1);
    return 0;
}

static int home_setup_saqs(home *h, uint64_t now)
{
    home_conf *c = &h->cf;
    mip6tls_saq_server_config sc;
    mip6tls_saq_server_storage st;
    size_t i, n = c->ha_max_sessions;
    size_t n_acts = 64 + 4 * n, arena = 2 * MIP6TLS_SAQ_OUTBOX_MIN + n * MIP6TLS_SAQ_REC_ROOM;
    int rc;
    if (home_setup_saqs_tls(h) != 0)
        return -1;
    for (i = 0; i < c->n_allow; i++) {
        h->allow[i].dns = c->allow[i].dns[0] ? c->allow[i].dns : NULL;
        h->allow[i].sha256 = c->allow[i].has_sha ? c->allow[i].sha256 : NULL;
    }
    h->saqs_sessions = calloc(n, sizeof *h->saqs_sessions);
    h->saqs_iobufs = malloc(n * MIP6TLS_TLS_BUFSIZE);
    h->saqs_fresh = calloc(h->n_index, sizeof *h->saqs_fresh);
    h->saqs_acts = calloc(n_acts, sizeof *h->saqs_acts);
    h->saqs_arena = malloc(arena);
    if (!h->saqs_sessions || !h->saqs_iobufs || !h->saqs_fresh || !h->saqs_acts || !h->saqs_arena)
        return home_fail("out of memory for %zu HA sessions", n);
    mip6tls_outbox_init(&h->saqs_ob, h->saqs_acts, n_acts, h->saqs_arena, arena);
    memset(&sc, 0, sizeof sc);
    sc.unix_offset_ms = px_wall_ms() - (int64_t)now;
    sc.tls = &h->saqs_tls;
    sc.allow = h->allow;
    sc.n_allow = c->n_allow;
    sc.idle_timeout_ms = c->ha_idle_timeout_s * 1000u;
    memset(&st, 0, sizeof st);
    st.sessions = h->saqs_sessions;
    st.n_sessions = n;
    st.iobufs = h->saqs_iobufs;
    st.fresh = h->saqs_fresh; /* sized like the HAC's SPI index */
    st.n_fresh = h->n_index;
    rc = mip6tls_saq_server_init(&h->saqs, &sc, &h->hac, &h->saqs_drbg, &st);
    if (rc != 0)
        return home_fail("%s: the SA query server configuration is not usable: %s", h->conf_path,
                         mip6tls_strerror(rc));
    h->next_saq_conn = 1;
    h->saqs_on = 1;
    return 0;
}

/* Where the HAC is: an address, or a name resolved now (an IPv6 address preferred). */
static int home_resolve_hac(home *h)
{
    home_conf *c = &h->cf;
    struct addrinfo hints, *res = NULL, *r;
    int rc;
    memset(&h->q_hac, 0, sizeof h->q_hac);
    h->q_hac.port = c->q_port;
    if (mip6tls_addr_parse(&h->q_hac.addr, c->q_server, strlen(c->q_server)) == 0)
        return 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(c->q_server, NULL, &hints, &res);
    if (rc != 0)
        return home_fail("%s: [hac_query] server = \"%s\": cannot resolve: %s", h->conf_path,
                         c->q_server, gai_strerror(rc));
    for (r = res; r != NULL; r = r->ai_next) {
        mip6tls_endpoint ep;
        px_sockaddr_to_ep(r->ai_addr, &ep);
        if (ep.addr.family != MIP6TLS_AF_NONE &&
            (h->q_hac.addr.family == MIP6TLS_AF_NONE || ep.addr.family == MIP6TLS_AF_INET6)) {
            h->q_hac.addr = ep.addr;
            if (ep.addr.family == MIP6TLS_AF_INET6)
                break;
        }
    }
    freeaddrinfo(res);
    if (h->q_hac.addr.family == MIP6TLS_AF_NONE)
        return home_fail("%s: [hac_query] server = \"%s\": no address", h->conf_path, c->q_server);
    return 0;
}

static int home_setup_saqc(home *h, uint64_t now)
{
    home_conf *c = &h->cf;
    mip6tls_saq_client_config cc;
    mip6tls_addr tmp;
    int rc;
    if (home_setup_saqc_tls(h) != 0 || home_resolve_hac(h) != 0)
        return -1;
    h->saqc_pending = calloc(c->q_max_pending, sizeof *h->saqc_pending);
    h->saqc_tls_buf = malloc(MIP6TLS_TLS_BUFSIZE);
    h->saqc_arena = malloc(2 * MIP6TLS_SAQ_OUTBOX_MIN);
    h->spi_copy = malloc(PX_DGRAM_MAX);
    if (!h->saqc_pending || !h->saqc_tls_buf || !h->saqc_arena || !h->spi_copy ||
        px_hold_init(&h->hold, c->q_max_pending, c->q_hold) != 0)
        return home_fail("out of memory for %u pending queries", c->q_max_pending);
    mip6tls_outbox_init(&h->saqc_ob, h->saqc_acts, 64, h->saqc_arena, 2 * MIP6TLS_SAQ_OUTBOX_MIN);
    memset(&cc, 0, sizeof cc);
    cc.unix_offset_ms = px_wall_ms() - (int64_t)now;
    cc.tls = &h->saqc_tls;
    /* The HAC's identity (RFC 6618 §9.2, as the MN checks it): [hac_query] name, else the
     * server's DNS name, else its address as a subjectAltName iPAddress. */
    if (c->q_name[0])
        cc.peer.dns = c->q_name;
    else if (mip6tls_addr_parse(&tmp, c->q_server, strlen(c->q_server)) != 0)
        cc.peer.dns = c->q_server;
    else
        cc.peer.ip = h->q_hac.addr;
    cc.hac = h->q_hac;
    cc.local = c->q_source;
    cc.tls_buf = h->saqc_tls_buf;
    cc.tls_buf_len = MIP6TLS_TLS_BUFSIZE;
    cc.pending = h->saqc_pending;
    cc.n_pending = c->q_max_pending;
    cc.timeout_ms = c->q_timeout_s * 1000u;
    cc.retry_min_ms = c->q_retry_min_s * 1000u;
    cc.retry_max_ms = c->q_retry_max_s * 1000u;
    cc.query_timeout_ms = c->q_query_timeout_s * 1000u;
    cc.keepalive_ms = c->q_keepalive_s * 1000u;
    rc = mip6tls_saq_client_init(&h->saqc, &cc, &h->saqc_drbg);
    if (rc != 0)
        return home_fail("%s: the [hac_query] configuration is not usable: %s", h->conf_path,
                         mip6tls_strerror(rc));
    h->saqc_on = 1;
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
    hc.ha6 = c->mn_ha6;
    hc.ha4 = c->mn_ha4;
    hc.port = c->mn_ha_port;
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
    h->n_index = n_index;
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
    if (c->has_hac)
        px_log(PX_LOG_INFO, "home side: %s up (mtu %u), routes to %zu mobile node(s) into it",
               h->tun_name, c->mtu, c->n_mns);
    else
        px_log(PX_LOG_INFO,
               "home side: %s up (mtu %u), a route to each home address as its SA arrives",
               h->tun_name, c->mtu);
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
        if (!c->has_ha || has[k]->family == MIP6TLS_AF_NONE)
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
    for (i = 0; h->saqs_on && i < c->n_ha_listen; i++) {
        int fd = px_tcp_listen(&c->ha_listen[i]);
        px_io *io = &h->ha_listen[h->n_ha_listen];
        if (fd < 0)
            return home_fail("saq-server: TCP %s: %s", px_ep_str(&c->ha_listen[i], a, sizeof a),
                             strerror(-fd));
        io->fd = fd;
        io->fn = home_on_ha_accept;
        io->ctx = h;
        if (px_loop_add(&h->loop, io, EPOLLIN) != 0)
            return home_fail("epoll: %s", strerror(errno));
        h->n_ha_listen++;
        px_log(PX_LOG_INFO,
               "saq-server: listening for HAs on TCP %s (TLS, client certificates; %zu allowed)",
               px_ep_str(&c->ha_listen[i], a, sizeof a), c->n_allow);
    }
    return 0;
}

static int home_start(home *h)
{
    static const px_loop_hooks lh = {home_next_deadline, home_on_timer, home_on_signal,
                                     home_after_events};
    static const px_port_hooks ph = {hook_tcp_connected, hook_tcp_recv, hook_tcp_closed,
                                     hook_action};
    home_conf *c = &h->cf;
    mip6tls_drbg *drbgs[4] = {&h->hac_drbg, &h->ha_drbg, &h->saqs_drbg, &h->saqc_drbg};
    uint8_t seed[48];
    char err[600], a[PX_EP_TEXT_MAX];
    uint64_t now = px_now_ms();
    size_t n_tcp = 4;
    int rc, n, k;

    h->started = now;
    h->next_conn = 1;
    mip6tls_esp_impl_detect(&h->impl);
    for (k = 0; k < 4; k++)
        if (px_seed(seed, sizeof seed) != 0 || mip6tls_drbg_init(drbgs[k], seed, sizeof seed))
            return home_fail("getrandom: %s", strerror(errno));
    memset(seed, 0, sizeof seed);
    h->tun_buf = malloc(PX_TUN_BUF);
    if (h->tun_buf == NULL)
        return home_fail("out of memory");

    if (c->has_hac && (home_setup_tls(h) != 0 || home_setup_hac(h, now) != 0))
        return -1;
    if (c->n_ha_listen > 0 && home_setup_saqs(h, now) != 0)
        return -1;
    if (c->has_ha && home_setup_ha(h) != 0)
        return -1;
    if (c->has_query && home_setup_saqc(h, now) != 0)
        return -1;
    rc = px_loop_init(&h->loop, &lh, h);
    if (rc != 0)
        return home_fail("epoll: %s", strerror(-rc));
    if (c->has_hac)
        n_tcp += c->max_sessions + 12;
    if (h->saqs_on)
        n_tcp += c->ha_max_sessions + 4;
    if (px_port_init(&h->port, &h->loop, n_tcp, &ph, h) != 0)
        return home_fail("out of memory");
    if (c->has_ha) {
        h->rtnl = px_rtnl_open(0, err, sizeof err);
        if (h->rtnl == NULL)
            return home_fail("%s", err);
        if (home_setup_tun(h) != 0)
            return -1;
    }

    /* The SAs of the last run: into the HAC, and through it into the HA and to the SA query
     * server, which marks them as not fresh (porting.md §5, decisions/0033 item 5). */
    if (c->has_hac) {
        px_mkdir_parent(c->sa_db);
        h->store = px_store_open(c->sa_db, err, sizeof err);
        if (h->store == NULL)
            return home_fail("%s: [hac] sa_db: %s", h->conf_path, err);
        h->port.store = h->store;
        n = px_store_each(h->store, home_restore_one, h, err, sizeof err);
        if (n < 0)
            return home_fail("%s", err);
        px_log(PX_LOG_INFO, "hac: %d SA record(s) in %s, %zu restored", n, c->sa_db,
               mip6tls_hac_sa_count(&h->hac));
    }

    if (home_setup_sockets(h) != 0)
        return -1;
    px_mkdir_parent(c->status_socket);
    rc = px_status_open(&h->status, &h->loop, c->status_socket, home_report, h);
    if (rc != 0)
        return home_fail("[home] status_socket = \"%s\": %s", c->status_socket, strerror(-rc));
    if (c->tls_keylog[0])
        px_log(PX_LOG_WARN,
               "[home] tls_keylog = \"%s\": writing every TLS session's secret for Wireshark "
               "(testing only)",
               c->tls_keylog);
    if (c->esp_sa_file[0])
        px_log(PX_LOG_WARN,
               "[home] esp_sa_file = \"%s\": writing every SA's keys for "
               "Wireshark (testing only)",
               c->esp_sa_file);
    if (h->saqc_on) {
        rc = mip6tls_saq_client_start(&h->saqc, px_now_ms(), &h->saqc_ob);
        if (rc != 0)
            return home_fail("saq: cannot start: %s", mip6tls_strerror(rc));
        home_drain_saqc(h);
        px_log(PX_LOG_INFO,
               "ready: separate HA, SAs from the HAC at %s (%s), wall clock %lld ms at "
               "monotonic %llu",
               px_ep_str(&h->q_hac, a, sizeof a), c->q_name[0] ? c->q_name : c->q_server,
               (long long)px_wall_ms(), (unsigned long long)px_now_ms());
    } else {
        px_log(PX_LOG_INFO,
               "ready: %zu mobile node(s) known%s, wall clock %lld ms at monotonic %llu", c->n_mns,
               !c->has_ha   ? ", SAs to separate HAs only"
               : h->saqs_on ? ", SAs to the co-located HA and to separate HAs"
                            : "",
               (long long)px_wall_ms(), (unsigned long long)px_now_ms());
    }
    return 0;
}

static void home_stop(home *h)
{
    size_t i;
    px_status_close(&h->status);
    px_port_close(&h->port);
    for (i = 0; i < h->n_listen; i++)
        close(h->listen[i].fd);
    for (i = 0; i < h->n_ha_listen; i++)
        close(h->ha_listen[i].fd);
    for (i = 0; i < h->n_udp; i++)
        px_udp_close(&h->udp[i]);
    if (h->tun.fd >= 0)
        close(h->tun.fd); /* the device and its routes go with it */
    px_store_close(h->store);
    px_rtnl_close(h->rtnl);
    px_loop_close(&h->loop);
    px_hold_free(&h->hold);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " -c FILE [--check] [-v]\n"
               "       " PROG " --status [-c FILE | -s SOCKET]\n"
               "The RFC 6618 Home Agent Controller (TLS bootstrap server) and Home Agent, in one\n"
               "process or apart (a separate HA asks the HAC for SAs over mutual TLS). See\n"
               "docs/deploy.md for the configuration.\n"
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
    static home h; /* large; zeroed */
    px_cli cli;
    char err[PX_CONF_ERR_MAX + 64];
    int rc = px_cli_parse(argc, argv, PROG, MIP6TLS_VERSION_STRING, usage, &cli);
    if (rc >= 0)
        return rc;
    const char *conf = cli.conf, *sock = cli.sock;
    int check = cli.check, status = cli.status, verbose = cli.verbose;
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
        if (h.cf.has_hac && home_setup_tls(&h) != 0)
            return 2;
        if (h.cf.n_ha_listen > 0 && home_setup_saqs_tls(&h) != 0)
            return 2;
        if (h.cf.has_query && home_setup_saqc_tls(&h) != 0)
            return 2;
        if (h.cf.has_hac)
            printf("%s: ok (%zu mobile node(s)%s)\n", conf, h.cf.n_mns,
                   !h.cf.has_ha       ? ", SAs to separate HAs only"
                   : h.cf.n_ha_listen ? ", SAs to separate HAs too"
                                      : "");
        else
            printf("%s: ok (separate HA; SAs from the HAC %s)\n", conf, h.cf.q_server);
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
