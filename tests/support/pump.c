/* pump.c: see pump.h. */
#include "pump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/inet.h"
#include "test_pki.h"

#define MAX_SESSIONS 4
#define MAX_SAS 64
#define MAX_PERSIST 64
#define NEV_MAX 1000000

enum {
    K_UDP_TO_HA = 1, K_UDP_TO_MN, K_SYN_TO_HAC, K_SYNACK_TO_MN, K_TCP_TO_HAC, K_TCP_TO_MN,
    K_FIN_TO_HAC, K_FIN_TO_MN
};

typedef struct {
    uint64_t t, order;
    int kind;
    mip6tls_endpoint from, to;
    uint32_t conn;
    size_t len;
    uint8_t *data;
} ev;

typedef struct {
    uint32_t spi;
    size_t len;
    uint8_t rec[MIP6TLS_SA_ENCODED_MAX];
} persisted;

struct pump {
    pump_cfg cfg;
    uint64_t now, order, rnd;
    /* event queue: a binary min-heap on (t, order) */
    ev *q;
    size_t nq, capq;
    /* crypto choice, RNGs */
    mip6tls_esp_impl impl;
    mip6tls_drbg mn_drbg, home_drbg;
    /* MN */
    mip6tls_mn mn;
    mip6tls_action mn_acts[MIP6TLS_MN_OUTBOX_ACTS];
    uint8_t *mn_arena;
    mip6tls_outbox mn_ob;
    uint8_t mn_cred_arena[8192];
    mip6tls_cred mn_anchors;
    mip6tls_tls_config mn_tls;
    uint8_t mn_tls_buf[MIP6TLS_TLS_BUFSIZE];
    mip6tls_hacp_client_cfg mn_hacp;
    mip6tls_boot_config mn_boot;
    uint16_t mn_suite;
    mip6tls_endpoint coas[4];
    int at; /* the access network the MN is on, -1 before the first move */
    /* home: HAC + HA */
    mip6tls_endpoint ha_ep;
    uint8_t hac_cred_arena[8192];
    mip6tls_cred hac_cred;
    mip6tls_tls_config hac_tls;
    uint8_t hac_cache[MIP6TLS_TLS_CACHE_ENTRY * 16];
    mip6tls_hacp_server_cfg hacp_pol;
    uint16_t hac_suites[8];
    mip6tls_hac_cred creds[1];
    mip6tls_hac hac;
    mip6tls_hac_session hac_sessions[MAX_SESSIONS];
    uint8_t *hac_iobufs;
    mip6tls_sa hac_sas[MAX_SAS];
    uint32_t hac_index[2 * MAX_SAS];
    mip6tls_action hac_acts[64];
    uint8_t *hac_arena;
    mip6tls_outbox hac_ob;
    mip6tls_ha ha;
    mip6tls_ha_entry ha_entries[MAX_SAS];
    uint32_t ha_heap[MAX_SAS], ha_spi_b[MAX_SAS], ha_hoa_b[2 * MAX_SAS];
    mip6tls_ha_cache_slot ha_cache[16];
    mip6tls_action ha_acts[64];
    uint8_t ha_arena[65536];
    mip6tls_outbox ha_ob;
    persisted disk[MAX_PERSIST];
    /* traffic */
    uint32_t cn_sent, mn_got, mn_sent, cn_got, dups;
    uint8_t got_mn[65536], got_cn[65536];
    /* traces */
    pump_tx *tx;
    size_t ntx, captx;
    pump_event *evs;
    size_t nevs, capevs;
};

static const char *psk = "correct horse battery staple";
static const char *nai = "mn1@example.com";
static const char *eap_key = "0123456789abcdef0123456789abcdef"; /* 32 octets for GPSK */

static void pep(mip6tls_endpoint *e, const char *a, uint16_t port)
{
    memset(e, 0, sizeof *e);
    if (mip6tls_addr_parse(&e->addr, a, strlen(a)) != 0)
        abort();
    e->port = port;
}

static uint32_t prand(pump *p)
{
    p->rnd ^= p->rnd << 13;
    p->rnd ^= p->rnd >> 7;
    p->rnd ^= p->rnd << 17;
    return (uint32_t)(p->rnd >> 11);
}

/* ---- event queue --------------------------------------------------------------------- */

static int ev_less(const ev *a, const ev *b)
{
    return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void q_push(pump *p, uint64_t t, int kind, const mip6tls_endpoint *from,
                   const mip6tls_endpoint *to, uint32_t conn, const uint8_t *data, size_t len)
{
    ev e;
    size_t i;
    if (p->nq == p->capq) {
        p->capq = p->capq ? p->capq * 2 : 256;
        p->q = realloc(p->q, p->capq * sizeof *p->q);
    }
    memset(&e, 0, sizeof e);
    e.t = t;
    e.order = p->order++;
    e.kind = kind;
    if (from)
        e.from = *from;
    if (to)
        e.to = *to;
    e.conn = conn;
    e.len = len;
    if (len) {
        e.data = malloc(len);
        memcpy(e.data, data, len);
    }
    i = p->nq++;
    while (i > 0 && ev_less(&e, &p->q[(i - 1) / 2])) {
        p->q[i] = p->q[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    p->q[i] = e;
}

static ev q_pop(pump *p)
{
    ev top = p->q[0], last = p->q[--p->nq];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= p->nq)
            break;
        if (c + 1 < p->nq && ev_less(&p->q[c + 1], &p->q[c]))
            c++;
        if (!ev_less(&p->q[c], &last))
            break;
        p->q[i] = p->q[c];
        i = c;
    }
    if (p->nq)
        p->q[i] = last;
    return top;
}

/* ---- traces ------------------------------------------------------------------------------ */

static void trace_tx(pump *p, int up, int tcp, const uint8_t *d, size_t len, int lost)
{
    pump_tx *x;
    if (p->ntx == p->captx) {
        p->captx = p->captx ? p->captx * 2 : 256;
        p->tx = realloc(p->tx, p->captx * sizeof *p->tx);
    }
    x = &p->tx[p->ntx++];
    memset(x, 0, sizeof *x);
    x->t = p->now;
    x->up = (uint8_t)up;
    x->tcp = (uint8_t)tcp;
    x->len = len;
    x->lost = (uint8_t)lost;
    if (!tcp && len == 1)
        x->ptype = 0xFF;
    else if (!tcp && len >= 4) {
        x->ptype = d[0] >> 4;
        x->spi = mip6tls_get32(d) & 0x0FFFFFFF;
    }
}

static void log_events(pump *p, char node, const mip6tls_outbox *ob)
{
    size_t i;
    for (i = 0; i < ob->n; i++) {
        const mip6tls_action *a = &ob->acts[i];
        pump_event *e;
        if (a->type != MIP6TLS_ACT_EVENT)
            continue;
        if (p->nevs == p->capevs) {
            p->capevs = p->capevs ? p->capevs * 2 : 256;
            p->evs = realloc(p->evs, p->capevs * sizeof *p->evs);
        }
        e = &p->evs[p->nevs++];
        e->t = p->now;
        e->node = node;
        e->event = a->event;
        e->conn = a->conn;
        e->arg = a->arg;
    }
}

/* ---- sending on the access path ---------------------------------------------------------- */

static void udp_send(pump *p, int up, const mip6tls_endpoint *from, const mip6tls_endpoint *to,
                     const uint8_t *d, size_t len)
{
    int copies = 1, lost = (prand(p) % 1000) < p->cfg.loss_pm;
    uint64_t t = p->now + p->cfg.delay_ms;
    trace_tx(p, up, 0, d, len, lost);
    if (lost)
        return;
    if ((prand(p) % 1000) < p->cfg.dup_pm)
        copies = 2;
    while (copies--) {
        uint64_t at = t;
        if ((prand(p) % 1000) < p->cfg.reorder_pm)
            at += p->cfg.reorder_ms;
        q_push(p, at, up ? K_UDP_TO_HA : K_UDP_TO_MN, from, to, 0, d, len);
    }
}

/* A user packet's running number sits in its UDP payload (4 octets). */
static uint32_t pkt_number(const uint8_t *d, size_t len)
{
    mip6tls_ip_info ip;
    if (mip6tls_ip_parse(d, len, &ip) != 0 || ip.total_len < ip.hdr_len + 12)
        return 0xFFFFFFFFu;
    return mip6tls_get32(d + ip.hdr_len + 8);
}

static void drain_mn(pump *p)
{
    size_t i;
    log_events(p, 'M', &p->mn_ob);
    for (i = 0; i < p->mn_ob.n; i++) {
        const mip6tls_action *a = &p->mn_acts[i];
        switch (a->type) {
        case MIP6TLS_ACT_SEND_DGRAM:
            udp_send(p, 1, &a->local, &a->remote, a->data, a->len);
            break;
        case MIP6TLS_ACT_TCP_CONNECT:
            trace_tx(p, 1, 1, NULL, 0, 0);
            q_push(p, p->now + p->cfg.delay_ms, K_SYN_TO_HAC, &p->coas[p->at < 0 ? 0 : p->at],
                   &a->remote, a->conn, NULL, 0);
            break;
        case MIP6TLS_ACT_TCP_SEND:
            trace_tx(p, 1, 1, a->data, a->len, 0);
            q_push(p, p->now + p->cfg.delay_ms, K_TCP_TO_HAC, NULL, NULL, a->conn, a->data,
                   a->len);
            break;
        case MIP6TLS_ACT_TCP_CLOSE:
            trace_tx(p, 1, 1, NULL, 0, 0);
            q_push(p, p->now + p->cfg.delay_ms, K_FIN_TO_HAC, NULL, NULL, a->conn, NULL, 0);
            break;
        case MIP6TLS_ACT_DELIVER: {
            uint32_t n = pkt_number(a->data, a->len);
            if (n < sizeof p->got_mn) {
                if (p->got_mn[n]++)
                    p->dups++;
                else
                    p->mn_got++;
            }
            break;
        }
        default:
            break;
        }
    }
    mip6tls_outbox_clear(&p->mn_ob);
}

static void drain_ha(pump *p)
{
    size_t i;
    log_events(p, 'A', &p->ha_ob);
    for (i = 0; i < p->ha_ob.n; i++) {
        const mip6tls_action *a = &p->ha_acts[i];
        if (a->type == MIP6TLS_ACT_SEND_DGRAM) {
            udp_send(p, 0, &a->local, &a->remote, a->data, a->len);
        } else if (a->type == MIP6TLS_ACT_DELIVER) {
            uint32_t n = pkt_number(a->data, a->len);
            if (n < sizeof p->got_cn) {
                if (p->got_cn[n]++)
                    p->dups++;
                else
                    p->cn_got++;
            }
        }
    }
    mip6tls_outbox_clear(&p->ha_ob);
}

static void drain_hac(pump *p)
{
    size_t i;
    log_events(p, 'C', &p->hac_ob);
    for (i = 0; i < p->hac_ob.n; i++) {
        const mip6tls_action *a = &p->hac_acts[i];
        switch (a->type) {
        case MIP6TLS_ACT_TCP_SEND:
            trace_tx(p, 0, 1, a->data, a->len, 0);
            q_push(p, p->now + p->cfg.delay_ms, K_TCP_TO_MN, NULL, NULL, a->conn, a->data,
                   a->len);
            break;
        case MIP6TLS_ACT_TCP_CLOSE:
            trace_tx(p, 0, 1, NULL, 0, 0);
            q_push(p, p->now + p->cfg.delay_ms, K_FIN_TO_MN, NULL, NULL, a->conn, NULL, 0);
            break;
        case MIP6TLS_ACT_SA_INSTALL:
            /* Co-located HA: the SA goes in at once (hac.h orders this before the response). */
            if (mip6tls_ha_install_action(&p->ha, p->now, a, &p->ha_ob) != 0)
                abort();
            drain_ha(p);
            break;
        case MIP6TLS_ACT_SA_PERSIST: {
            size_t k;
            for (k = 0; k < MAX_PERSIST && p->disk[k].spi != 0; k++)
                ;
            if (k == MAX_PERSIST || a->len > MIP6TLS_SA_ENCODED_MAX)
                abort();
            p->disk[k].spi = a->conn;
            p->disk[k].len = a->len;
            memcpy(p->disk[k].rec, a->data, a->len);
            break;
        }
        case MIP6TLS_ACT_SA_FORGET: {
            size_t k;
            for (k = 0; k < MAX_PERSIST; k++)
                if (p->disk[k].spi == a->conn)
                    p->disk[k].spi = 0;
            break;
        }
        default:
            break;
        }
    }
    mip6tls_outbox_clear(&p->hac_ob);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static void home_init(pump *p)
{
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    mip6tls_ha_config ac;
    mip6tls_ha_storage as;

    memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = PUMP_WALL_T0 - (int64_t)PUMP_T0;
    hc.tls = &p->hac_tls;
    hc.hacp = &p->hacp_pol;
    hc.creds = p->creds;
    hc.n_creds = 1;
    hc.sa_lifetime_s = p->cfg.sa_lifetime_s;
    hc.ha6 = p->ha_ep.addr;
    if (mip6tls_addr_parse(&hc.ha4, "192.0.2.1", 9) != 0 ||
        mip6tls_prefix_parse(&hc.hnp6, &hc.hnp6_len, 6, 0, "2001:db8:1::/64", 15) != 0)
        abort();
    hc.port = 7872;
    memset(&hs, 0, sizeof hs);
    hs.sessions = p->hac_sessions;
    hs.n_sessions = MAX_SESSIONS;
    hs.iobufs = p->hac_iobufs;
    hs.sas = p->hac_sas;
    hs.n_sas = MAX_SAS;
    hs.spi_index = p->hac_index;
    hs.n_index = 2 * MAX_SAS;
    if (mip6tls_hac_init(&p->hac, p->now, &hc, &p->home_drbg, &hs) != 0)
        abort();

    mip6tls_ha_config_default(&ac);
    ac.addr6 = p->ha_ep.addr;
    ac.addr4 = hc.ha4;
    ac.unix_offset_ms = hc.unix_offset_ms;
    memset(&as, 0, sizeof as);
    as.entries = p->ha_entries;
    as.n_entries = MAX_SAS;
    as.heap = p->ha_heap;
    as.spi_buckets = p->ha_spi_b;
    as.n_spi_buckets = MAX_SAS;
    as.hoa_buckets = p->ha_hoa_b;
    as.n_hoa_buckets = 2 * MAX_SAS;
    as.cache = p->ha_cache;
    as.n_cache = 16;
    if (mip6tls_ha_init(&p->ha, &ac, &p->impl, &p->home_drbg, &as) != 0)
        abort();
}

pump *pump_new(const pump_cfg *cfg)
{
    pump *p = calloc(1, sizeof *p);
    uint8_t seed[32];
    mip6tls_mn_config mc;
    size_t i;

    p->cfg = *cfg;
    if (p->cfg.delay_ms == 0)
        p->cfg.delay_ms = 10;
    p->rnd = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ull;
    p->now = PUMP_T0;
    p->at = -1;
    mip6tls_esp_impl_detect(&p->impl);
    for (i = 0; i < 32; i++)
        seed[i] = (uint8_t)(p->rnd >> (i % 8));
    seed[0] ^= 'M';
    mip6tls_drbg_init(&p->mn_drbg, seed, sizeof seed);
    seed[0] ^= 'M' ^ 'H';
    mip6tls_drbg_init(&p->home_drbg, seed, sizeof seed);
    p->mn_arena = malloc(2 * MIP6TLS_MN_OUTBOX_MIN);
    mip6tls_outbox_init(&p->mn_ob, p->mn_acts, MIP6TLS_MN_OUTBOX_ACTS, p->mn_arena,
                        2 * MIP6TLS_MN_OUTBOX_MIN);
    p->hac_arena = malloc(2 * MIP6TLS_HAC_OUTBOX_MIN);
    mip6tls_outbox_init(&p->hac_ob, p->hac_acts, 64, p->hac_arena, 2 * MIP6TLS_HAC_OUTBOX_MIN);
    mip6tls_outbox_init(&p->ha_ob, p->ha_acts, 64, p->ha_arena, sizeof p->ha_arena);
    p->hac_iobufs = malloc(MAX_SESSIONS * MIP6TLS_TLS_BUFSIZE);

    pep(&p->ha_ep, "2001:db8::1", 7872);
    pep(&p->coas[0], "2001:db8:a::5", 40000);
    pep(&p->coas[1], "2001:db8:b::5", 40000);
    pep(&p->coas[2], "198.51.100.5", 40000);
    pep(&p->coas[3], "2001:db8:c::5", 40000);

    /* HAC: certificate, policy, the one MN it knows. */
    mip6tls_cred_init(&p->hac_cred, p->hac_cred_arena, sizeof p->hac_cred_arena);
    if (mip6tls_cred_add_chain(&p->hac_cred, (const uint8_t *)tpki_hac_ec_chain_pem,
                               strlen(tpki_hac_ec_chain_pem)) != 0 ||
        mip6tls_cred_set_key(&p->hac_cred, (const uint8_t *)tpki_ec_key_pem,
                             strlen(tpki_ec_key_pem)) != 0 ||
        mip6tls_tls_config_server(&p->hac_tls, &p->hac_cred, &p->impl, p->hac_cache,
                                  sizeof p->hac_cache) != 0)
        abort();
    memset(&p->hacp_pol, 0, sizeof p->hacp_pol);
    p->hacp_pol.methods = MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP;
    if (cfg->hac_allows_null) {
        size_t n, k;
        const mip6tls_suite_info *all = mip6tls_suite_all(&n);
        for (k = 0; k < n && k < 8; k++)
            p->hac_suites[k] = all[k].code;
        p->hacp_pol.suites = p->hac_suites;
        p->hacp_pol.n_suites = k;
    }
    p->creds[0].nai = nai;
    p->creds[0].nai_len = strlen(nai);
    p->creds[0].psk = (const uint8_t *)psk;
    p->creds[0].psk_len = strlen(psk);
    p->creds[0].eap_key = (const uint8_t *)eap_key;
    p->creds[0].eap_key_len = strlen(eap_key);
    if (mip6tls_addr_parse(&p->creds[0].hoa6, "2001:db8:1::100", 15) != 0 ||
        mip6tls_addr_parse(&p->creds[0].hoa4, "192.0.2.100", 11) != 0)
        abort();
    home_init(p);

    /* MN: trust anchor, credentials, the HAC to reach. */
    mip6tls_cred_init(&p->mn_anchors, p->mn_cred_arena, sizeof p->mn_cred_arena);
    if (mip6tls_cred_add_anchors(&p->mn_anchors, (const uint8_t *)tpki_ca_pem,
                                 strlen(tpki_ca_pem)) != 0 ||
        mip6tls_tls_config_client(&p->mn_tls, &p->mn_anchors, &p->impl) != 0)
        abort();
    memset(&p->mn_hacp, 0, sizeof p->mn_hacp);
    p->mn_hacp.nai = nai;
    p->mn_hacp.nai_len = strlen(nai);
    p->mn_hacp.methods = cfg->eap ? MIP6TLS_CTR_AM_EAP : MIP6TLS_CTR_AM_PSK;
    p->mn_hacp.psk = (const uint8_t *)(cfg->wrong_psk ? "not the right one" : psk);
    p->mn_hacp.psk_len = strlen((const char *)p->mn_hacp.psk);
    p->mn_hacp.eap.key = (const uint8_t *)eap_key;
    p->mn_hacp.eap.key_len = strlen(eap_key);
    p->mn_hacp.scope = MIP6TLS_SAS_ALL;
    if (cfg->suite) {
        p->mn_suite = cfg->suite;
        p->mn_hacp.suites = &p->mn_suite;
        p->mn_hacp.n_suites = 1;
    }
    memset(&p->mn_boot, 0, sizeof p->mn_boot);
    p->mn_boot.tls = &p->mn_tls;
    p->mn_boot.peer.dns = cfg->hac_name ? cfg->hac_name : "hac.example.com";
    p->mn_boot.hac = p->ha_ep; /* co-located: the HAC listens on TCP 7872 at the HA */
    p->mn_boot.hacp = &p->mn_hacp;
    p->mn_boot.tls_buf = p->mn_tls_buf;
    p->mn_boot.tls_buf_len = sizeof p->mn_tls_buf;
    p->mn_boot.no_resumption = (uint8_t)cfg->no_resumption;
    memset(&mc, 0, sizeof mc);
    mc.unix_offset_ms = PUMP_WALL_T0 - (int64_t)PUMP_T0;
    mc.boot = &p->mn_boot;
    if (mip6tls_mn_init(&p->mn, p->now, &mc, &p->impl, &p->mn_drbg, &p->mn_ob) != 0)
        abort();
    drain_mn(p);
    return p;
}

void pump_free(pump *p)
{
    size_t i;
    for (i = 0; i < p->nq; i++)
        free(p->q[i].data);
    free(p->q);
    free(p->tx);
    free(p->evs);
    free(p->mn_arena);
    free(p->hac_arena);
    free(p->hac_iobufs);
    free(p);
}

/* ---- running ------------------------------------------------------------------------------ */

static void deliver(pump *p, ev *e)
{
    switch (e->kind) {
    case K_UDP_TO_HA:
        /* The HA answers from the address the datagram was sent to (IPv6 or IPv4). */
        mip6tls_ha_recv(&p->ha, p->now, &e->to, &e->from, e->data, e->len, &p->ha_ob);
        drain_ha(p);
        break;
    case K_UDP_TO_MN:
        /* The MN has left that care-of address: the datagram is lost. */
        if (p->at < 0 || !mip6tls_endpoint_eq(&e->to, &p->coas[p->at]))
            break;
        mip6tls_mn_recv(&p->mn, p->now, &e->to, &e->from, e->data, e->len, &p->mn_ob);
        drain_mn(p);
        break;
    case K_SYN_TO_HAC:
        if (mip6tls_hac_tcp_accept(&p->hac, p->now, e->conn, &e->from, &p->hac_ob) == 0) {
            drain_hac(p);
            trace_tx(p, 0, 1, NULL, 0, 0); /* SYN-ACK */
            q_push(p, p->now + p->cfg.delay_ms, K_SYNACK_TO_MN, NULL, NULL, e->conn, NULL, 0);
        }
        break;
    case K_SYNACK_TO_MN:
        mip6tls_mn_tcp_connected(&p->mn, p->now, e->conn, &p->mn_ob);
        drain_mn(p);
        break;
    case K_TCP_TO_HAC:
        mip6tls_hac_tcp_recv(&p->hac, p->now, e->conn, e->data, e->len, &p->hac_ob);
        drain_hac(p);
        break;
    case K_TCP_TO_MN:
        mip6tls_mn_tcp_recv(&p->mn, p->now, e->conn, e->data, e->len, &p->mn_ob);
        drain_mn(p);
        break;
    case K_FIN_TO_HAC:
        mip6tls_hac_tcp_closed(&p->hac, p->now, e->conn, &p->hac_ob);
        drain_hac(p);
        break;
    case K_FIN_TO_MN:
        mip6tls_mn_tcp_closed(&p->mn, p->now, e->conn, &p->mn_ob);
        drain_mn(p);
        break;
    }
}

static uint64_t next_timer(const pump *p)
{
    uint64_t t = mip6tls_mn_next_deadline(&p->mn), u;
    u = mip6tls_ha_next_deadline(&p->ha);
    if (u < t)
        t = u;
    u = mip6tls_hac_next_deadline(&p->hac);
    if (u < t)
        t = u;
    return t;
}

/* One step: the earliest of the next delivery and the next timer, if not after `limit`. */
static int step(pump *p, uint64_t limit)
{
    uint64_t tt = next_timer(p), te = p->nq ? p->q[0].t : MIP6TLS_NO_DEADLINE;
    if (tt > limit && te > limit)
        return 0;
    if (te <= tt) {
        ev e = q_pop(p);
        if (e.t > p->now)
            p->now = e.t;
        deliver(p, &e);
        free(e.data);
        return 1;
    }
    if (tt > p->now)
        p->now = tt;
    if (mip6tls_mn_next_deadline(&p->mn) <= p->now) {
        mip6tls_mn_tick(&p->mn, p->now, &p->mn_ob);
        drain_mn(p);
    }
    if (mip6tls_ha_next_deadline(&p->ha) <= p->now) {
        mip6tls_ha_tick(&p->ha, p->now, &p->ha_ob);
        drain_ha(p);
    }
    if (mip6tls_hac_next_deadline(&p->hac) <= p->now) {
        mip6tls_hac_tick(&p->hac, p->now, &p->hac_ob);
        drain_hac(p);
    }
    return 1;
}

void pump_run_until(pump *p, uint64_t t)
{
    size_t guard = 0;
    while (step(p, t) && ++guard < 10000000)
        ;
    if (p->now < t)
        p->now = t;
}

int pump_run_until_mn_state(pump *p, int state, uint64_t limit)
{
    size_t guard = 0;
    while (p->mn.state != state && ++guard < 10000000)
        if (!step(p, limit))
            break;
    return p->mn.state == state;
}

uint64_t pump_now(const pump *p)
{
    return p->now;
}

void pump_mn_move(pump *p, int i)
{
    p->at = i;
    mip6tls_mn_set_coa(&p->mn, p->now, &p->coas[i], &p->mn_ob);
    drain_mn(p);
}

static size_t user_packet(uint8_t *out, size_t cap, const char *src, const char *dst, uint32_t n)
{
    mip6tls_endpoint s, d;
    uint8_t payload[12] = {0};
    int len;
    pep(&s, src, 5000);
    pep(&d, dst, 6000);
    mip6tls_put32(payload, n);
    len = mip6tls_ip_udp_build(&s, &d, 64, payload, sizeof payload, out, cap);
    if (len < 0)
        abort();
    return (size_t)len;
}

void pump_cn_send(pump *p)
{
    uint8_t pkt[128];
    size_t n = user_packet(pkt, sizeof pkt, "2001:db8:99::1", "2001:db8:1::100", p->cn_sent++);
    mip6tls_ha_send(&p->ha, p->now, pkt, n, &p->ha_ob);
    drain_ha(p);
}

void pump_mn_send(pump *p)
{
    uint8_t pkt[128];
    size_t n = user_packet(pkt, sizeof pkt, "2001:db8:1::100", "2001:db8:99::1", p->mn_sent++);
    mip6tls_mn_send(&p->mn, p->now, pkt, n, &p->mn_ob);
    drain_mn(p);
}

void pump_exchange(pump *p, uint32_t n, uint32_t gap_ms)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        pump_cn_send(p);
        pump_mn_send(p);
        pump_run_until(p, p->now + gap_ms);
    }
    pump_run_until(p, p->now + 200);
}

void pump_traffic(const pump *p, uint32_t *cn_sent, uint32_t *mn_got, uint32_t *mn_sent,
                  uint32_t *cn_got)
{
    *cn_sent = p->cn_sent;
    *mn_got = p->mn_got;
    *mn_sent = p->mn_sent;
    *cn_got = p->cn_got;
}

uint32_t pump_duplicates(const pump *p)
{
    return p->dups;
}

void pump_restart_home(pump *p)
{
    size_t k;
    /* Everything in memory is gone; only the HAC's persisted records survive. */
    memset(&p->hac, 0, sizeof p->hac);
    memset(&p->ha, 0, sizeof p->ha);
    home_init(p);
    for (k = 0; k < MAX_PERSIST; k++) {
        if (p->disk[k].spi == 0)
            continue;
        if (mip6tls_hac_restore_sa(&p->hac, p->now, p->disk[k].rec, p->disk[k].len,
                                   &p->hac_ob) != 0)
            abort();
        drain_hac(p); /* SA_INSTALL with arg 1: mip6tls_ha_restore_sa (decisions/0015) */
    }
}

int pump_inject_to_ha(pump *p, const uint8_t *data, size_t len)
{
    uint8_t buf[2048];
    int rc;
    memcpy(buf, data, len);
    rc = mip6tls_ha_recv(&p->ha, p->now, &p->ha_ep, &p->coas[p->at < 0 ? 0 : p->at], buf, len,
                         &p->ha_ob);
    drain_ha(p);
    return rc;
}

mip6tls_mn *pump_mn(pump *p)
{
    return &p->mn;
}

mip6tls_ha *pump_ha(pump *p)
{
    return &p->ha;
}

mip6tls_hac *pump_hac(pump *p)
{
    return &p->hac;
}

const pump_tx *pump_trace(const pump *p, size_t *n)
{
    *n = p->ntx;
    return p->tx;
}

const pump_event *pump_events(const pump *p, size_t *n)
{
    *n = p->nevs;
    return p->evs;
}

uint64_t pump_event_time(const pump *p, char node, uint16_t event, uint64_t from)
{
    size_t i;
    for (i = 0; i < p->nevs; i++)
        if (p->evs[i].node == node && p->evs[i].event == event && p->evs[i].t >= from)
            return p->evs[i].t;
    return 0;
}

size_t pump_event_count(const pump *p, char node, uint16_t event, uint64_t from)
{
    size_t i, n = 0;
    for (i = 0; i < p->nevs; i++)
        n += p->evs[i].node == node && p->evs[i].event == event && p->evs[i].t >= from;
    return n;
}

void pump_dump(const pump *p)
{
    size_t i;
    for (i = 0; i < p->ntx; i++)
        fprintf(stderr, "tx %8llu %s %s ptype=%u spi=%x len=%zu%s\n",
                (unsigned long long)(p->tx[i].t - PUMP_T0), p->tx[i].up ? "MN->home" : "home->MN",
                p->tx[i].tcp ? "tcp" : "udp", p->tx[i].ptype, p->tx[i].spi, p->tx[i].len,
                p->tx[i].lost ? " LOST" : "");
    for (i = 0; i < p->nevs; i++)
        fprintf(stderr, "ev %8llu %c %u conn=%x arg=%lld\n",
                (unsigned long long)(p->evs[i].t - PUMP_T0), p->evs[i].node, p->evs[i].event,
                p->evs[i].conn, (long long)p->evs[i].arg);
}
