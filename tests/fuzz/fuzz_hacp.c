/*
 * fuzz_hacp.c: the MN<->HAC exchange engines (hacp.c, with eap.c below them).
 *
 * Input: one selector octet, then one container.
 *   selector bit 7     0: feed the container to the HAC engine as a request;
 *                      1: feed it to the MN engine as a response;
 *   selector bits 4-5  the exchange: 0 PSK (§5.8), 1 EAP-GPSK, 2 EAP-MD5 (§5.9), 3 PSK;
 *   selector bit 3     1: re-sign: the harness recomputes the container's `auth` with the key
 *                      the receiver expects (the PSK, "1", or the MSK the engine holds), so
 *                      mutations reach the EAP methods and the SA parser behind the MAC;
 *   selector bits 0-2  the step, modulo the exchange's number of exchanges: how many real
 *                      request/response exchanges run (a real client against a real HAC,
 *                      fixed seeds) before the container is fed.
 * A NEED_KEY gets the right key and a NEED_SA a valid SA, so inputs reach every state.
 *
 * Properties, beyond "no crash":
 *   - no misuse error (the harness calls correctly), so any error is about the input;
 *   - HAC: an error leaves it CLOSED with nothing to send and server_error() == the error;
 *     RESPOND leaves it waiting for a request; RESPOND_AND_CLOSE leaves it CLOSED with its key
 *     wiped and a response that decodes, copies the request's Identifier and carries a valid
 *     status-code (200 exactly when error() is 0);
 *   - MN: an error leaves it FAILED with no SA and error() == the error; FAILED comes with a
 *     status other than 0/100/200; DONE comes with an SA that passes mip6tls_sa_check; SEND with
 *     a request that decodes and carries the next Identifier; a finished engine refuses input;
 *   - the HAC's response is then fed to the real MN waiting for it, and the MN's request to the
 *     HAC: the MN is DONE only if the HAC's status was 200.
 * tests/unit/test_hacp.c includes this file to write the seed corpus (--write-corpus) from the
 * same fixture, so the seeds carry the nonces and MACs the fixture's engines expect.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/container.h"
#include "mip6tls/hacp.h"
#include "mip6tls/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SCENARIOS 3
#define FZ_STEPS_MAX 4

static const uint8_t fz_cb[32] = {0x6d, 0x7a, 0xbf, 0x81, 0x27, 0xc3, 0x95, 0x40, 0x1f, 0xb5, 0x1e,
                                  0xfa, 0xe0, 0xb6, 0x9d, 0x93, 0x16, 0xa6, 0xeb, 0xca, 0xa3, 0x31,
                                  0xcc, 0xa8, 0x37, 0x7e, 0x2f, 0x14, 0xda, 0xfe, 0x3d, 0x77};
static const uint8_t fz_psk[] = "mip6tls-fuzz-psk-0123456789abcdef"; /* 33 octets + NUL */
static const char fz_nai[] = "mn1@example.net";

/* One MN and one HAC with their configurations and the messages between them. The engines
 * point at the configurations inside the same struct, so a world is copied only from a
 * snapshot that stays where it is (fz_snap). */
typedef struct {
    mip6tls_drbg dm, dh;
    mip6tls_hacp_server_cfg scfg;
    mip6tls_hacp_client_cfg ccfg;
    mip6tls_hacp_server s;
    mip6tls_hacp_client c;
    uint8_t req[MIP6TLS_HACP_MSG_MAX], resp[MIP6TLS_HACP_MSG_MAX];
    size_t req_len, resp_len;
    int scen;
} fz_world;

static size_t fz_steps(int scen)
{
    static const size_t n[FZ_SCENARIOS] = {2, 4, 3}; /* PSK, EAP-GPSK, EAP-MD5 exchanges */
    return n[scen];
}

static void fz_setup(fz_world *w, int scen)
{
    uint8_t seed[32];
    memset(w, 0, sizeof *w);
    w->scen = scen;
    memset(seed, 0x11 + scen, sizeof seed);
    mip6tls_drbg_init(&w->dm, seed, sizeof seed);
    memset(seed, 0x77 + scen, sizeof seed);
    mip6tls_drbg_init(&w->dh, seed, sizeof seed);
    w->scfg.methods = MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP;
    w->scfg.eap.methods = MIP6TLS_EAP_M_GPSK | MIP6TLS_EAP_M_MD5;
    w->ccfg.nai = fz_nai;
    w->ccfg.nai_len = sizeof fz_nai - 1;
    w->ccfg.methods = scen == 0 ? MIP6TLS_CTR_AM_PSK : MIP6TLS_CTR_AM_EAP;
    w->ccfg.psk = fz_psk;
    w->ccfg.psk_len = sizeof fz_psk - 1;
    w->ccfg.eap.key = fz_psk;
    w->ccfg.eap.key_len = sizeof fz_psk - 1;
    w->ccfg.eap.methods = scen == 2 ? MIP6TLS_EAP_M_MD5 : MIP6TLS_EAP_M_GPSK;
    w->ccfg.scope = MIP6TLS_SAS_ALL;
    if (scen == 2)
        w->scfg.eap.methods = MIP6TLS_EAP_M_MD5; /* MD5 first: Identity, MD5-Challenge */
    if (mip6tls_hacp_server_init(&w->s, &w->scfg, &w->dh, fz_cb, sizeof fz_cb) != 0 ||
        mip6tls_hacp_client_init(&w->c, &w->ccfg, &w->dm, fz_cb, sizeof fz_cb) != 0 ||
        mip6tls_hacp_client_start(&w->c, w->req, sizeof w->req, &w->req_len) != 0)
        __builtin_trap();
}

/* The SA the HAC's caller hands out: every field set, keys of the selected suite's lengths. */
static void fz_sa(const mip6tls_hacp_server *s, mip6tls_sa *sa)
{
    const mip6tls_suite_info *info = mip6tls_suite_find(mip6tls_hacp_server_selected_suite(s));
    size_t n;
    const char *id = mip6tls_hacp_server_peer_id(s, &n);
    static const uint8_t ha6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t hoa6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    static const uint8_t hnp6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    static const uint8_t dns6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
    static const uint8_t ha4[4] = {192, 0, 2, 1}, hoa4[4] = {198, 51, 100, 10};
    static const uint8_t hnp4[4] = {198, 51, 100, 0}, dns4[4] = {192, 0, 2, 53};

    memset(sa, 0, sizeof *sa);
    if (info == NULL)
        __builtin_trap();
    sa->keys.suite = info->code;
    sa->keys.spi = 4097;
    sa->keys.ekey_len = info->ekey_len;
    sa->keys.ikey_len = info->ikey_len;
    memset(sa->keys.mn_to_ha_ekey, 0x33, info->ekey_len);
    memset(sa->keys.ha_to_mn_ekey, 0x44, info->ekey_len);
    memset(sa->keys.mn_to_ha_ikey, 0x11, info->ikey_len);
    memset(sa->keys.ha_to_mn_ikey, 0x22, info->ikey_len);
    sa->validity_end = 2114380800u; /* Thu, 01 Jan 2037 00:00:00 GMT */
    sa->scope = (uint8_t)mip6tls_hacp_server_selected_scope(s);
    mip6tls_addr_set6(&sa->ha6, ha6);
    mip6tls_addr_set4(&sa->ha4, ha4);
    sa->port = 7872;
    mip6tls_addr_set6(&sa->hoa6, hoa6);
    mip6tls_addr_set4(&sa->hoa4, hoa4);
    mip6tls_addr_set6(&sa->hnp6, hnp6);
    sa->hnp6_len = 64;
    mip6tls_addr_set4(&sa->hnp4, hnp4);
    sa->hnp4_len = 24;
    mip6tls_addr_set6(&sa->dns6[0], dns6);
    sa->n_dns6 = 1;
    mip6tls_addr_set4(&sa->dns4[0], dns4);
    sa->n_dns4 = 1;
    memcpy(sa->mn_id, id, n);
    sa->mn_id_len = (uint8_t)n;
}

/* Feeds req[len] to the HAC, answering NEED_KEY and NEED_SA; the response lands in w->resp. */
static int fz_server_feed(fz_world *w, const uint8_t *req, size_t len)
{
    mip6tls_sa sa;
    int rc = mip6tls_hacp_server_input(&w->s, 0, req, len, w->resp, sizeof w->resp, &w->resp_len);
    if (rc == MIP6TLS_HACP_NEED_KEY)
        rc = mip6tls_hacp_server_set_key(&w->s, 0, fz_psk, sizeof fz_psk - 1, w->resp,
                                         sizeof w->resp, &w->resp_len);
    if (rc == MIP6TLS_HACP_NEED_SA) {
        fz_sa(&w->s, &sa);
        rc = mip6tls_hacp_server_set_sa(&w->s, 0, &sa, w->resp, sizeof w->resp, &w->resp_len);
    }
    return rc;
}

/* Snapshots, computed once: [scen][step][0] HAC waiting for request step+1 (w->req holds the
 * real one); [scen][step][1] MN waiting for response step+1 (w->resp holds the real one). */
static fz_world *fz_snap(int scen, size_t step, int client)
{
    static fz_world snaps[FZ_SCENARIOS][FZ_STEPS_MAX][2];
    static int ready;
    int sc;
    size_t st;
    if (!ready) {
        for (sc = 0; sc < FZ_SCENARIOS; sc++) {
            fz_world *w = &snaps[sc][0][0];
            fz_setup(w, sc);
            for (st = 0; st < fz_steps(sc); st++) {
                if (st > 0) {
                    memcpy(&snaps[sc][st][0], &snaps[sc][st - 1][1], sizeof *w);
                    w = &snaps[sc][st][0];
                    /* re-point the engines at this copy's own configurations */
                    w->s.cfg = &w->scfg;
                    w->s.eap.cfg = &w->scfg.eap;
                    w->c.cfg = &w->ccfg;
                    w->c.eap.cfg = &w->ccfg.eap;
                    w->c.eap.identity = (const uint8_t *)w->ccfg.nai;
                    mip6tls_hacp_client_input(&w->c, 0, w->resp, w->resp_len, w->req, sizeof w->req,
                                              &w->req_len);
                }
                memcpy(&snaps[sc][st][1], w, sizeof *w);
                {
                    fz_world *v = &snaps[sc][st][1];
                    v->s.cfg = &v->scfg;
                    v->s.eap.cfg = &v->scfg.eap;
                    v->c.cfg = &v->ccfg;
                    v->c.eap.cfg = &v->ccfg.eap;
                    v->c.eap.identity = (const uint8_t *)v->ccfg.nai;
                    if (fz_server_feed(v, v->req, v->req_len) < 0)
                        __builtin_trap();
                }
            }
        }
        ready = 1;
    }
    return &snaps[scen][step][client];
}

/* A copy of a snapshot whose engines point at the copy's configurations. */
static void fz_copy(fz_world *dst, const fz_world *src)
{
    memcpy(dst, src, sizeof *dst);
    dst->s.cfg = &dst->scfg;
    dst->s.eap.cfg = &dst->scfg.eap;
    dst->c.cfg = &dst->ccfg;
    dst->c.eap.cfg = &dst->ccfg.eap;
    dst->c.eap.identity = (const uint8_t *)dst->ccfg.nai;
}

static int fz_is_misuse(int rc)
{
    return rc < 0 && MIP6TLS_ERR_IS_MISUSE(rc);
}

static void fz_check_client(fz_world *w, int rc, const uint8_t *out, size_t out_len)
{
    mip6tls_ctr_msg m;
    const mip6tls_sa *sa = mip6tls_hacp_client_sa(&w->c);
    mip6tls_hacp_client_state st = mip6tls_hacp_client_get_state(&w->c);
    uint8_t junk[MIP6TLS_HACP_MSG_MAX];
    size_t junk_len;

    if (fz_is_misuse(rc))
        __builtin_trap();
    if (rc < 0) {
        if (st != MIP6TLS_HACP_C_FAILED || sa != NULL || mip6tls_hacp_client_error(&w->c) != rc)
            __builtin_trap();
    } else if (rc == MIP6TLS_HACP_SEND) {
        if (st != MIP6TLS_HACP_C_WAIT_PSK_DONE_RESP && st != MIP6TLS_HACP_C_WAIT_MID_RESP &&
            st != MIP6TLS_HACP_C_WAIT_EAP_DONE_RESP)
            __builtin_trap();
        if (mip6tls_ctr_decode(&m, out, out_len) != 0 ||
            m.id != mip6tls_hacp_client_exchanges(&w->c))
            __builtin_trap();
    } else if (rc == MIP6TLS_HACP_DONE) {
        if (st != MIP6TLS_HACP_C_DONE || sa == NULL || mip6tls_sa_check(sa) != 0 ||
            mip6tls_hacp_client_status(&w->c) != 200 || mip6tls_hacp_client_error(&w->c) != 0)
            __builtin_trap();
    } else if (rc == MIP6TLS_HACP_FAILED) {
        unsigned status = mip6tls_hacp_client_status(&w->c);
        if (st != MIP6TLS_HACP_C_FAILED || sa != NULL || status == 0 || status == 100 ||
            status == 200)
            __builtin_trap();
    } else {
        __builtin_trap();
    }
    if (rc != MIP6TLS_HACP_SEND &&
        mip6tls_hacp_client_input(&w->c, 0, out, out_len, junk, sizeof junk, &junk_len) !=
            MIP6TLS_ERR_STATE)
        __builtin_trap(); /* a finished MN takes nothing more */
}

static void fz_check_server(fz_world *w, int rc, const uint8_t *req, size_t len)
{
    mip6tls_ctr_msg m;
    mip6tls_hacp_server_state st = mip6tls_hacp_server_get_state(&w->s);
    unsigned status = mip6tls_hacp_server_status(&w->s);
    size_t i;

    if (fz_is_misuse(rc))
        __builtin_trap();
    if (rc < 0) {
        if (st != MIP6TLS_HACP_S_CLOSED || w->resp_len != 0 ||
            mip6tls_hacp_server_error(&w->s) != rc || (len >= 2 && req[1] != 0))
            __builtin_trap();
        return;
    }
    if (rc == MIP6TLS_HACP_RESPOND) {
        if (st != MIP6TLS_HACP_S_WAIT_PSK_DONE && st != MIP6TLS_HACP_S_WAIT_EAP)
            __builtin_trap();
        if (mip6tls_ctr_decode(&m, w->resp, w->resp_len) != 0 || m.id != req[1] ||
            (m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_STATUS_CODE)) != 0)
            __builtin_trap();
        return;
    }
    if (rc != MIP6TLS_HACP_RESPOND_AND_CLOSE || st != MIP6TLS_HACP_S_CLOSED)
        __builtin_trap();
    if (mip6tls_ctr_decode(&m, w->resp, w->resp_len) != 0 || m.id != req[1] || m.status != status)
        __builtin_trap();
    if ((status == 200) != (mip6tls_hacp_server_error(&w->s) == 0))
        __builtin_trap();
    for (i = 0; i < sizeof w->s.key; i++)
        if (w->s.key[i] != 0)
            __builtin_trap(); /* the session's secrets are gone */
}

/* Rewrites the auth value of container buf[len] (when it decodes and has one) as
 * HMAC-SHA256(key, dir || msg-octets || CB) (mip6tls_ctr_auth_compute). */
static void fz_resign(uint8_t *buf, size_t len, const uint8_t *key, size_t key_len,
                      mip6tls_ctr_dir dir)
{
    static const char hex[] = "0123456789abcdef";
    mip6tls_ctr_msg m;
    uint8_t mac[MIP6TLS_CTR_AUTH_LEN];
    size_t off, i;
    if (mip6tls_ctr_decode(&m, buf, len) != 0 ||
        (m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH)) == 0)
        return;
    mip6tls_ctr_auth_compute(mac, key, key_len, dir, m.content.p, m.auth_off, fz_cb, sizeof fz_cb);
    off = (size_t)(m.content.p - buf) + m.auth_off + 4; /* past "auth" */
    while (buf[off] != ':')
        off++;
    off++;
    while (buf[off] == ' ' || buf[off] == '\t')
        off++;
    for (i = 0; i < MIP6TLS_CTR_AUTH_LEN; i++) { /* decoding checked: 64 hex digits follow */
        buf[off + 2 * i] = (uint8_t)hex[mac[i] >> 4];
        buf[off + 2 * i + 1] = (uint8_t)hex[mac[i] & 15];
    }
}

/* The key the receiver of buf[len] expects in world w. */
static const uint8_t *fz_key(const fz_world *w, int client, const uint8_t *buf, size_t len,
                             size_t *key_len)
{
    mip6tls_ctr_msg m;
    const uint8_t *msk;
    if (w->scen == 0) {
        *key_len = sizeof fz_psk - 1;
        return fz_psk;
    }
    *key_len = 1;
    if (client) {
        msk = mip6tls_eap_peer_msk(&w->c.eap);
    } else {
        msk = mip6tls_eap_server_msk(&w->s.eap);
        if (mip6tls_ctr_decode(&m, buf, len) != 0 ||
            (m.present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_SAS)) == 0)
            msk = NULL; /* MHAuth-Mid: "1" */
    }
    if (msk == NULL)
        return (const uint8_t *)"1";
    *key_len = MIP6TLS_GPSK_MSK_LEN;
    return msk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz_world w;
    static uint8_t out[MIP6TLS_HACP_MSG_MAX], in[MIP6TLS_CTR_MAX + 16];
    const uint8_t *key;
    size_t out_len = 0, step, key_len;
    int scen, client, rc, crc;

    if (size < 1)
        return 0;
    client = (data[0] & 0x80) != 0;
    scen = (data[0] >> 4) & 3;
    if (scen == 3)
        scen = 0;
    step = (size_t)(data[0] & 7) % fz_steps(scen);
    fz_copy(&w, fz_snap(scen, step, client));
    if ((data[0] & 0x08) != 0 && size - 1 <= sizeof in) {
        memcpy(in, data + 1, size - 1);
        key = fz_key(&w, client, in, size - 1, &key_len);
        fz_resign(in, size - 1, key, key_len, client ? MIP6TLS_CTR_DIR_HAC : MIP6TLS_CTR_DIR_MN);
        data = in;
    } else {
        data++;
    }
    size--;

    if (client) {
        rc = mip6tls_hacp_client_input(&w.c, 0, data, size, out, sizeof out, &out_len);
        fz_check_client(&w, rc, out, out_len);
        if (rc == MIP6TLS_HACP_SEND) { /* the MN's answer goes to the HAC that waits for it */
            fz_copy(&w, fz_snap(scen, step + 1 < fz_steps(scen) ? step + 1 : step, 0));
            rc = fz_server_feed(&w, out, out_len);
            fz_check_server(&w, rc, out, out_len);
        }
        return 0;
    }
    w.resp_len = 0;
    rc = fz_server_feed(&w, data, size);
    fz_check_server(&w, rc, data, size);
    if (rc == MIP6TLS_HACP_RESPOND || rc == MIP6TLS_HACP_RESPOND_AND_CLOSE) {
        /* the HAC's answer goes to the MN waiting for response step+1 */
        crc = mip6tls_hacp_client_input(&w.c, 0, w.resp, w.resp_len, out, sizeof out, &out_len);
        fz_check_client(&w, crc, out, out_len);
        if (crc == MIP6TLS_HACP_DONE && mip6tls_hacp_server_status(&w.s) != 200)
            __builtin_trap();
    }
    return 0;
}
