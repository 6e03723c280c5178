/*
 * hacp.c: the MN<->HAC authentication and provisioning exchange of RFC 6618 §5.3, §5.8 and
 * §5.9, HAC side (server) and MN side (client). Decisions: docs/decisions/0050-hacp-exchange.md
 * (sequences, Identifiers, shapes), 0051-eap-in-hacp.md, 0053-hacp-errors.md (status codes),
 * 0054-suite-and-scope.md.
 *
 * Timers: none. The exchange is lockstep over TLS; the TLS driver times out idle sessions.
 *
 * Every input is checked completely (framing, Identifier, which headers, auth, nonces) before
 * the context changes; a failed check ends the session (§5.3: the HAC answers with a status
 * code and closes; the MN closes), so "unchanged" only applies to the caller's misuse.
 */
#include "mip6tls/hacp.h"

#include "mip6tls/suite.h"

#include <string.h>

#define B(h) MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_##h)

/* Which headers each message carries: required and allowed (decisions/0050). Unknown headers
 * are ignored by the codec (decisions/0002); a known header outside its message's set is a
 * malformed message, since the grammar of §5.8 / §5.9 gives it no meaning there. */
#define SHAPE_INIT_REQ (B(MN_ID) | B(AUTH_METHOD) | B(MN_RAND))
#define SHAPE_PSK_DONE_REQ (B(MN_RAND) | B(HAC_RAND) | B(SAS) | B(SUITELIST) | B(AUTH))
#define SHAPE_EAP_MID_REQ (B(EAP_PAYLOAD) | B(AUTH))
#define SHAPE_EAP_DONE_REQ (B(SAS) | B(SUITELIST) | B(EAP_PAYLOAD) | B(AUTH))
#define SHAPE_PSK_INIT_RESP (B(MN_RAND) | B(HAC_RAND) | B(AUTH_METHOD) | B(AUTH))
#define SHAPE_EAP_INIT_RESP (B(AUTH_METHOD) | B(EAP_PAYLOAD) | B(AUTH))
#define SHAPE_EAP_MID_RESP (B(EAP_PAYLOAD) | B(AUTH))
#define SHAPE_SA_REQUIRED                                                                          \
    (B(SAS) | B(SPI) | B(VALIDITY_END) | B(CIPHERSUITE) | B(STATUS_CODE) | B(AUTH))
#define SHAPE_SA_OPTIONAL                                                                          \
    (B(MN_TO_HA_IKEY) | B(HA_TO_MN_IKEY) | B(MN_TO_HA_EKEY) | B(HA_TO_MN_EKEY) | B(HAA_IP6) |      \
     B(HAA_IP4) | B(PORT) | B(IP6_HOA) | B(IP4_HOA) | B(IP6_HNP) | B(IP4_HNP) | B(DNS_IP6) |       \
     B(DNS_IP4))
#define SHAPE_PSK_DONE_RESP (SHAPE_SA_REQUIRED | B(MN_RAND) | B(HAC_RAND))
#define SHAPE_EAP_DONE_RESP (SHAPE_SA_REQUIRED | B(EAP_PAYLOAD))
#define SHAPE_FAIL_RESP                                                                            \
    (B(STATUS_CODE) | B(AUTH) | B(EAP_PAYLOAD) | B(MN_RAND) | B(HAC_RAND) | B(AUTH_METHOD) |       \
     B(RETRY_AFTER))

static const uint8_t hacp_one[1] = {0x31}; /* RFC 6618 §5.9 shared-key "1" (DESIGN interp. 3) */

static void hacp_wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;
    while (n-- > 0)
        *q++ = 0;
}

static int hacp_shape(const mip6tls_ctr_msg *m, uint32_t required, uint32_t allowed)
{
    if ((m->present & required) != required)
        return MIP6TLS_ERR_MISSING;
    if ((m->present & ~(allowed | required)) != 0)
        return MIP6TLS_ERR_MALFORMED;
    return 0;
}

static int hacp_has(const mip6tls_ctr_msg *m, mip6tls_ctr_hdr h)
{
    return (m->present & MIP6TLS_CTR_BIT(h)) != 0;
}

static int hacp_one_bit(unsigned v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* Decodes the eap-payload hex into buf (at most MIP6TLS_EAP_MAX octets). */
static int hacp_eap_bytes(const mip6tls_ctr_msg *m, uint8_t buf[MIP6TLS_EAP_MAX])
{
    int n = mip6tls_ctr_unhex(&m->eap, buf, MIP6TLS_EAP_MAX);
    return n == MIP6TLS_ERR_NOBUF ? MIP6TLS_ERR_LENGTH : n;
}

/* The suites a policy or an MN lists by default. */
static size_t hacp_default_suites(uint16_t out[MIP6TLS_CTR_SUITES_MAX], int with_null)
{
    size_t n, i, k = 0;
    const mip6tls_suite_info *all = mip6tls_suite_all(&n);
    for (i = 0; i < n && k < MIP6TLS_CTR_SUITES_MAX; i++)
        if (with_null || all[i].enc != MIP6TLS_ENC_NULL)
            out[k++] = all[i].code;
    return k;
}

static int hacp_suite_in(uint16_t code, const uint16_t *list, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (list[i] == code)
            return 1;
    return 0;
}

static int hacp_suites_ok(const uint16_t *list, size_t n)
{
    size_t i;
    if ((list == NULL && n != 0) || n > MIP6TLS_CTR_SUITES_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (mip6tls_suite_find(list[i]) == NULL)
            return 0;
    return 1;
}

const char *mip6tls_hacp_status_text(unsigned status)
{
    switch (status) { /* RFC 2616 §10 via RFC 6618 §5.5.4 */
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Time-out";
    default: return "unknown";
    }
}

/* ==== HAC side ============================================================================ */

static void server_set_state(mip6tls_hacp_server *s, mip6tls_hacp_server_state st)
{
    s->state = (uint8_t)st;
    if (st == MIP6TLS_HACP_S_CLOSED) { /* the session is over: no secret outlives it */
        hacp_wipe(s->key, sizeof s->key);
        s->key_len = 0;
        mip6tls_eap_server_wipe(&s->eap);
    }
}

int mip6tls_hacp_server_init(mip6tls_hacp_server *s, const mip6tls_hacp_server_cfg *cfg,
                             mip6tls_drbg *drbg, const uint8_t *cb, size_t cb_len)
{
    unsigned methods;
    if (s == NULL || cfg == NULL || drbg == NULL || cb == NULL || cb_len == 0 ||
        cb_len > MIP6TLS_CBIND_MAX)
        return MIP6TLS_ERR_ARG;
    methods = cfg->methods == 0 ? MIP6TLS_CTR_AM_PSK : cfg->methods;
    if ((methods & ~(MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP)) != 0 ||
        !hacp_suites_ok(cfg->suites, cfg->n_suites) ||
        (cfg->scopes & ~(MIP6TLS_HACP_SCOPE_BIT(0) | MIP6TLS_HACP_SCOPE_BIT(1))) != 0)
        return MIP6TLS_ERR_ARG;
    memset(s, 0, sizeof *s);
    if (mip6tls_eap_server_init(&s->eap, &cfg->eap, drbg) != 0)
        return MIP6TLS_ERR_ARG;
    s->cfg = cfg;
    memcpy(s->cb, cb, cb_len);
    s->cb_len = (uint8_t)cb_len;
    mip6tls_drbg_generate(drbg, s->hac_rand, sizeof s->hac_rand); /* RFC 6618 §5.5.8 */
    server_set_state(s, MIP6TLS_HACP_S_WAIT_INIT);
    return 0;
}

static unsigned server_methods(const mip6tls_hacp_server *s)
{
    return s->cfg->methods == 0 ? MIP6TLS_CTR_AM_PSK : s->cfg->methods;
}

static unsigned server_scopes(const mip6tls_hacp_server *s)
{
    return s->cfg->scopes == 0 ? MIP6TLS_HACP_SCOPE_BIT(0) | MIP6TLS_HACP_SCOPE_BIT(1)
                               : s->cfg->scopes;
}

static size_t server_policy(const mip6tls_hacp_server *s, uint16_t out[MIP6TLS_CTR_SUITES_MAX])
{
    if (s->cfg->suites == NULL || s->cfg->n_suites == 0)
        return hacp_default_suites(out, 0); /* DESIGN interp. 8: NULL encryption on request */
    memcpy(out, s->cfg->suites, s->cfg->n_suites * sizeof out[0]);
    return s->cfg->n_suites;
}

/* The key that authenticates the HAC's final response in EAP mode (RFC 6618 §5.9): the MSK
 * when the key-deriving method succeeded, else "1". */
static const uint8_t *server_eap_key(const mip6tls_hacp_server *s, size_t *len)
{
    const uint8_t *msk = mip6tls_eap_server_msk(&s->eap);
    if (msk != NULL && mip6tls_eap_server_get_state(&s->eap) == MIP6TLS_EAP_SERVER_WAIT_FINISH_OK) {
        *len = MIP6TLS_GPSK_MSK_LEN;
        return msk;
    }
    *len = sizeof hacp_one;
    return hacp_one;
}

/*
 * A final response with a status other than 200 (§5.3 "send a response back ... with an
 * appropriate status code and then close"; decisions/0053 for its headers):
 *   PSK, once the HAC holds the key:  mn-rand, hac-rand, [retry-after,] status-code, auth(PSK)
 *   EAP, once EAP started:            eap-payload(Failure), [retry-after,] status-code, auth(K)
 *   otherwise:                        [retry-after,] status-code (no key: no auth)
 */
static int server_fail(mip6tls_hacp_server *s, uint8_t id, unsigned status, int err,
                       uint64_t retry_after, uint8_t *resp, size_t cap, size_t *resp_len)
{
    mip6tls_ctr_builder b;
    uint8_t eap[MIP6TLS_EAP_HDR_LEN];
    const uint8_t *key = NULL;
    size_t key_len = 0;
    int rc, eap_len = 0;

    if (s->method == MIP6TLS_CTR_AM_PSK && s->key_len > 0) {
        key = s->key;
        key_len = s->key_len;
    } else if (s->method == MIP6TLS_CTR_AM_EAP &&
               mip6tls_eap_server_get_state(&s->eap) != MIP6TLS_EAP_SERVER_DONE) {
        key = server_eap_key(s, &key_len);
        eap_len = mip6tls_eap_server_finish(&s->eap, 0, eap, sizeof eap);
    }
    mip6tls_ctr_build_init(&b, resp, cap, id);
    if (s->method == MIP6TLS_CTR_AM_PSK && key != NULL) {
        mip6tls_ctr_put_mn_rand(&b, s->mn_rand);
        mip6tls_ctr_put_hac_rand(&b, s->hac_rand);
    }
    if (eap_len > 0)
        mip6tls_ctr_put_eap(&b, eap, (size_t)eap_len);
    if (retry_after != 0)
        mip6tls_ctr_put_retry_after(&b, retry_after);
    mip6tls_ctr_put_status(&b, status);
    rc = key != NULL
             ? mip6tls_ctr_finish_auth(&b, key, key_len, MIP6TLS_CTR_DIR_HAC, s->cb, s->cb_len)
             : mip6tls_ctr_finish(&b);
    s->status = (uint16_t)status;
    s->error = err;
    server_set_state(s, MIP6TLS_HACP_S_CLOSED);
    if (rc < 0) { /* cannot happen with cap >= MIP6TLS_HACP_MSG_MAX: close without answer */
        s->error = MIP6TLS_ERR_INTERNAL;
        return MIP6TLS_ERR_INTERNAL;
    }
    *resp_len = (size_t)rc;
    return MIP6TLS_HACP_RESPOND_AND_CLOSE;
}

/* decisions/0001: a request whose container does not decode. Answer 400 with the Identifier
 * of octet 1 when there is one; otherwise close without an answer. */
static int server_undecodable(mip6tls_hacp_server *s, const uint8_t *req, size_t len, int err,
                              uint8_t *resp, size_t cap, size_t *resp_len)
{
    if (len >= 2 && req[1] != 0)
        return server_fail(s, req[1], MIP6TLS_CTR_ST_BAD_REQUEST, err, 0, resp, cap, resp_len);
    s->error = err;
    server_set_state(s, MIP6TLS_HACP_S_CLOSED);
    return err;
}

/* A response that keeps the exchange going. §5.3: at most 255 exchanges, so after the request
 * numbered 255 only a final response can follow (decisions/0050). */
static int server_continue(mip6tls_hacp_server *s, mip6tls_ctr_builder *b, const uint8_t *key,
                           size_t key_len, mip6tls_hacp_server_state next, uint8_t *resp,
                           size_t cap, size_t *resp_len)
{
    int rc;
    if (s->last_id == MIP6TLS_HACP_EXCHANGES_MAX)
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_BAD_REQUEST, MIP6TLS_ERR_SEQ_EXHAUSTED, 0,
                           resp, cap, resp_len);
    rc = mip6tls_ctr_finish_auth(b, key, key_len, MIP6TLS_CTR_DIR_HAC, s->cb, s->cb_len);
    if (rc < 0)
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_INTERNAL_ERROR, MIP6TLS_ERR_INTERNAL, 0,
                           resp, cap, resp_len);
    *resp_len = (size_t)rc;
    server_set_state(s, next);
    return MIP6TLS_HACP_RESPOND;
}

/* A Response/MHAuth-Init or -Mid carrying an EAP Request, keyed with "1" (§5.9). */
static int server_eap_request(mip6tls_hacp_server *s, const uint8_t *eap, size_t eap_len,
                              int with_method, uint8_t *resp, size_t cap, size_t *resp_len)
{
    mip6tls_ctr_builder b;
    mip6tls_ctr_build_init(&b, resp, cap, s->last_id);
    if (with_method)
        mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_EAP);
    mip6tls_ctr_put_eap(&b, eap, eap_len);
    return server_continue(s, &b, hacp_one, sizeof hacp_one, MIP6TLS_HACP_S_WAIT_EAP, resp, cap,
                           resp_len);
}

/* After authentication: the policy's suite among the MN's (decisions/0054). */
static int server_select(mip6tls_hacp_server *s, uint8_t *resp, size_t cap, size_t *resp_len)
{
    uint16_t policy[MIP6TLS_CTR_SUITES_MAX];
    size_t n = server_policy(s, policy), i;
    unsigned scopes = server_scopes(s);

    s->selected_suite = 0;
    for (i = 0; i < n && s->selected_suite == 0; i++)
        if (hacp_suite_in(policy[i], s->mn_suites, s->n_mn_suites))
            s->selected_suite = policy[i];
    if (s->selected_suite == 0) /* no common suite: 501 Not Implemented (decisions/0053) */
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_NOT_IMPLEMENTED, MIP6TLS_ERR_POLICY, 0,
                           resp, cap, resp_len);
    /* §5.6.4: the HAC mandates the scope; the MN's proposal when the policy allows it */
    s->selected_scope =
        (scopes & MIP6TLS_HACP_SCOPE_BIT(s->proposed_scope))
            ? s->proposed_scope
            : ((scopes & MIP6TLS_HACP_SCOPE_BIT(MIP6TLS_SAS_ALL)) ? MIP6TLS_SAS_ALL : 0);
    server_set_state(s, MIP6TLS_HACP_S_WAIT_SA);
    return MIP6TLS_HACP_NEED_SA;
}

/* Keeps the MN's SA proposal of an MHAuth-Done request (§5.6.4, §5.6.5). */
static void server_keep_proposal(mip6tls_hacp_server *s, const mip6tls_ctr_msg *m)
{
    s->proposed_scope = m->sas;
    s->n_mn_suites = m->n_suites;
    memcpy(s->mn_suites, m->suites, m->n_suites * sizeof m->suites[0]);
}

/* What the EAP server returned, turned into the HAC's next step. */
static int server_eap_step(mip6tls_hacp_server *s, int rc, const uint8_t *eap, size_t eap_len,
                           uint8_t *resp, size_t cap, size_t *resp_len)
{
    switch (rc) {
    case MIP6TLS_EAP_SEND: return server_eap_request(s, eap, eap_len, 0, resp, cap, resp_len);
    case MIP6TLS_EAP_NEED_KEY:
        s->key_kind = mip6tls_eap_server_key_type(&s->eap) == MIP6TLS_EAP_TYPE_GPSK
                          ? MIP6TLS_HACP_KEY_EAP_GPSK
                          : MIP6TLS_HACP_KEY_EAP_MD5;
        server_set_state(s, MIP6TLS_HACP_S_WAIT_KEY);
        return MIP6TLS_HACP_NEED_KEY;
    case MIP6TLS_EAP_SUCCESS: return server_select(s, resp, cap, resp_len);
    case MIP6TLS_EAP_FAILURE:
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_UNAUTHORIZED, MIP6TLS_ERR_AUTH, 0, resp,
                           cap, resp_len);
    default: /* an EAP packet RFC 3748 / RFC 5433 would discard */
        return server_fail(s, s->last_id,
                           rc == MIP6TLS_ERR_AUTH ? MIP6TLS_CTR_ST_UNAUTHORIZED
                                                  : MIP6TLS_CTR_ST_BAD_REQUEST,
                           rc, 0, resp, cap, resp_len);
    }
}

/* Request/MHAuth-Init (§5.3, §5.8 message 1, §5.9 message 1). */
static int server_init_req(mip6tls_hacp_server *s, const mip6tls_ctr_msg *m, uint8_t *resp,
                           size_t cap, size_t *resp_len)
{
    uint8_t eap[MIP6TLS_EAP_MAX];
    size_t eap_len = 0;
    unsigned common;
    int rc = hacp_shape(m, SHAPE_INIT_REQ, SHAPE_INIT_REQ);

    if (rc == 0 && m->id != 1)
        rc = MIP6TLS_ERR_MALFORMED; /* §5.1: the first request carries Identifier 1 */
    if (rc != 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_BAD_REQUEST, rc, 0, resp, cap, resp_len);
    s->last_id = m->id;
    memcpy(s->mn_id, m->mn_id.p, m->mn_id.len);
    s->mn_id_len = (uint8_t)m->mn_id.len;
    memcpy(s->mn_rand, m->mn_rand, sizeof s->mn_rand);
    /* §5.5.2: "The HAC MUST select exactly one authentication method or return an error" */
    common = m->auth_methods & server_methods(s);
    if (common == 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_NOT_IMPLEMENTED, MIP6TLS_ERR_POLICY, 0, resp,
                           cap, resp_len);
    if (!hacp_one_bit(common))
        common = s->cfg->prefer == MIP6TLS_CTR_AM_EAP ? MIP6TLS_CTR_AM_EAP : MIP6TLS_CTR_AM_PSK;
    s->method = (uint8_t)common;
    if (common == MIP6TLS_CTR_AM_PSK) {
        s->key_kind = MIP6TLS_HACP_KEY_PSK;
        server_set_state(s, MIP6TLS_HACP_S_WAIT_KEY);
        return MIP6TLS_HACP_NEED_KEY;
    }
    /* §5.9: the first response carries EAP-Request/Identity */
    rc = mip6tls_eap_server_start(&s->eap, (const uint8_t *)s->mn_id, s->mn_id_len, eap, sizeof eap,
                                  &eap_len);
    if (rc != MIP6TLS_EAP_SEND)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_INTERNAL_ERROR, MIP6TLS_ERR_INTERNAL, 0, resp,
                           cap, resp_len);
    return server_eap_request(s, eap, eap_len, 1, resp, cap, resp_len);
}

/* Request/MHAuth-Done of the PSK exchange (§5.8 message 3). */
static int server_psk_done_req(mip6tls_hacp_server *s, const mip6tls_ctr_msg *m, uint8_t *resp,
                               size_t cap, size_t *resp_len)
{
    int rc = hacp_shape(m, SHAPE_PSK_DONE_REQ, SHAPE_PSK_DONE_REQ);
    if (rc != 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_BAD_REQUEST, rc, 0, resp, cap, resp_len);
    s->last_id = m->id;
    rc = mip6tls_ctr_auth_verify(m, s->key, s->key_len, MIP6TLS_CTR_DIR_MN, s->cb, s->cb_len);
    /* §5.8: "The HAC verifies the received MAC and the consistency of ... nonces" */
    if (rc == 0 && (!mip6tls_ct_eq(m->mn_rand, s->mn_rand, sizeof s->mn_rand) ||
                    !mip6tls_ct_eq(m->hac_rand, s->hac_rand, sizeof s->hac_rand)))
        rc = MIP6TLS_ERR_REPLAY;
    if (rc != 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_UNAUTHORIZED, rc, 0, resp, cap, resp_len);
    server_keep_proposal(s, m);
    return server_select(s, resp, cap, resp_len);
}

/* Request/MHAuth-Mid or -Done of the EAP exchange (§5.9 messages 3 and 5). */
static int server_eap_req(mip6tls_hacp_server *s, const mip6tls_ctr_msg *m, uint8_t *resp,
                          size_t cap, size_t *resp_len)
{
    uint8_t in[MIP6TLS_EAP_MAX], out[MIP6TLS_EAP_MAX];
    size_t out_len = 0, key_len = sizeof hacp_one;
    const uint8_t *key = hacp_one, *msk;
    int done = hacp_has(m, MIP6TLS_CTR_H_SAS) || hacp_has(m, MIP6TLS_CTR_H_SUITELIST);
    int rc, n;

    rc = done ? hacp_shape(m, SHAPE_EAP_DONE_REQ, SHAPE_EAP_DONE_REQ)
              : hacp_shape(m, SHAPE_EAP_MID_REQ, SHAPE_EAP_MID_REQ);
    if (rc != 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_BAD_REQUEST, rc, 0, resp, cap, resp_len);
    s->last_id = m->id;
    /* §5.9: shared-key "1" in MHAuth-Mid; the MSK in MHAuth-Done when the method made one */
    msk = mip6tls_eap_server_msk(&s->eap);
    if (done && msk != NULL) {
        key = msk;
        key_len = MIP6TLS_GPSK_MSK_LEN;
    }
    rc = mip6tls_ctr_auth_verify(m, key, key_len, MIP6TLS_CTR_DIR_MN, s->cb, s->cb_len);
    if (rc != 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_UNAUTHORIZED, rc, 0, resp, cap, resp_len);
    n = hacp_eap_bytes(m, in);
    /* decisions/0051: MHAuth-Done carries exactly the method's last Response */
    if (n > 0 && done != mip6tls_eap_response_is_last(in, (size_t)n))
        n = MIP6TLS_ERR_MALFORMED;
    if (n < 0)
        return server_fail(s, m->id, MIP6TLS_CTR_ST_BAD_REQUEST, n, 0, resp, cap, resp_len);
    if (done)
        server_keep_proposal(s, m);
    rc = mip6tls_eap_server_input(&s->eap, in, (size_t)n, out, sizeof out, &out_len);
    return server_eap_step(s, rc, out, out_len, resp, cap, resp_len);
}

int mip6tls_hacp_server_input(mip6tls_hacp_server *s, uint64_t now_ms, const uint8_t *req,
                              size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
    mip6tls_ctr_msg m;
    int rc;

    (void)now_ms;
    if (s == NULL || resp == NULL || resp_len == NULL || (req == NULL && len != 0))
        return MIP6TLS_ERR_ARG;
    if (s->state != MIP6TLS_HACP_S_WAIT_INIT && s->state != MIP6TLS_HACP_S_WAIT_PSK_DONE &&
        s->state != MIP6TLS_HACP_S_WAIT_EAP)
        return MIP6TLS_ERR_STATE; /* lockstep: one request at a time */
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    *resp_len = 0;
    rc = mip6tls_ctr_decode(&m, req, len);
    if (rc != 0)
        return server_undecodable(s, req, len, rc, resp, cap, resp_len);
    /* §5.3: "monotonically increasing Identifier", "Each request MUST have a different" one */
    if (m.id <= s->last_id)
        return server_fail(s, m.id, MIP6TLS_CTR_ST_BAD_REQUEST, MIP6TLS_ERR_REPLAY, 0, resp, cap,
                           resp_len);
    /* §5.5.4: status-code only in responses */
    if (hacp_has(&m, MIP6TLS_CTR_H_STATUS_CODE))
        return server_fail(s, m.id, MIP6TLS_CTR_ST_BAD_REQUEST, MIP6TLS_ERR_MALFORMED, 0, resp, cap,
                           resp_len);
    switch (s->state) {
    case MIP6TLS_HACP_S_WAIT_INIT: return server_init_req(s, &m, resp, cap, resp_len);
    case MIP6TLS_HACP_S_WAIT_PSK_DONE: return server_psk_done_req(s, &m, resp, cap, resp_len);
    default: return server_eap_req(s, &m, resp, cap, resp_len);
    }
}

int mip6tls_hacp_server_set_key(mip6tls_hacp_server *s, uint64_t now_ms, const uint8_t *key,
                                size_t key_len, uint8_t *resp, size_t cap, size_t *resp_len)
{
    uint8_t out[MIP6TLS_EAP_MAX];
    size_t out_len = 0;
    mip6tls_ctr_builder b;
    int rc;

    (void)now_ms;
    if (s == NULL || resp == NULL || resp_len == NULL || key == NULL || key_len == 0 ||
        key_len > MIP6TLS_HACP_KEY_MAX)
        return MIP6TLS_ERR_ARG;
    if (s->state != MIP6TLS_HACP_S_WAIT_KEY)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    *resp_len = 0;
    s->key_kind = MIP6TLS_HACP_KEY_NONE;
    if (s->method == MIP6TLS_CTR_AM_PSK) {
        /* §5.8 message 2: mn-rand, hac-rand, auth-method=psk, auth. The auth proves the HAC
         * knows the PSK before the MN sends its own MAC (decisions/0050). */
        memcpy(s->key, key, key_len);
        s->key_len = (uint8_t)key_len;
        mip6tls_ctr_build_init(&b, resp, cap, s->last_id);
        mip6tls_ctr_put_mn_rand(&b, s->mn_rand);
        mip6tls_ctr_put_hac_rand(&b, s->hac_rand);
        mip6tls_ctr_put_auth_method(&b, MIP6TLS_CTR_AM_PSK);
        return server_continue(s, &b, s->key, s->key_len, MIP6TLS_HACP_S_WAIT_PSK_DONE, resp, cap,
                               resp_len);
    }
    rc = mip6tls_eap_server_set_key(&s->eap, key, key_len, out, sizeof out, &out_len);
    return server_eap_step(s, rc, out, out_len, resp, cap, resp_len);
}

int mip6tls_hacp_server_reject_unknown(mip6tls_hacp_server *s, uint64_t now_ms, uint8_t *resp,
                                       size_t cap, size_t *resp_len)
{
    uint8_t out[MIP6TLS_EAP_MAX];
    size_t out_len = 0;
    int rc;

    (void)now_ms;
    if (s == NULL || resp == NULL || resp_len == NULL)
        return MIP6TLS_ERR_ARG;
    if (s->state != MIP6TLS_HACP_S_WAIT_KEY)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    *resp_len = 0;
    s->key_kind = MIP6TLS_HACP_KEY_NONE;
    if (s->method == MIP6TLS_CTR_AM_PSK)
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_UNAUTHORIZED, MIP6TLS_ERR_AUTH, 0, resp,
                           cap, resp_len);
    rc = mip6tls_eap_server_reject(&s->eap, out, sizeof out, &out_len);
    return server_eap_step(s, rc, out, out_len, resp, cap, resp_len);
}

/* Everything set_sa checks before it writes (so the builder cannot fail afterwards). */
static int server_sa_ok(const mip6tls_hacp_server *s, const mip6tls_sa *sa)
{
    uint16_t policy[MIP6TLS_CTR_SUITES_MAX];
    size_t n = server_policy(s, policy);
    int rc = mip6tls_sa_check(sa);
    if (rc != 0)
        return rc;
    /* §5.8: "The selection MUST be one of the MN-supported ciphersuites" */
    if (!hacp_suite_in(sa->keys.suite, s->mn_suites, s->n_mn_suites) ||
        !hacp_suite_in(sa->keys.suite, policy, n))
        return MIP6TLS_ERR_SUITE;
    if (!(server_scopes(s) & MIP6TLS_HACP_SCOPE_BIT(sa->scope)))
        return MIP6TLS_ERR_ARG;
    if (sa->mn_id_len != s->mn_id_len || memcmp(sa->mn_id, s->mn_id, s->mn_id_len) != 0)
        return MIP6TLS_ERR_ARG; /* the SA of another MN */
    if (sa->validity_end > MIP6TLS_CTR_TIME_MAX)
        return MIP6TLS_ERR_ARG;
    return 0;
}

/* The SA and §5.7 parameters of Response/MHAuth-Done (§5.6, §5.7). */
static void server_put_sa(mip6tls_ctr_builder *b, const mip6tls_sa *sa)
{
    const mip6tls_esp_keys *k = &sa->keys;
    size_t i;
    mip6tls_ctr_put_sas(b, sa->scope);
    mip6tls_ctr_put_spi(b, k->spi);
    if (k->ikey_len > 0) { /* decisions/0008: combined suites carry no ikeys */
        mip6tls_ctr_put_key(b, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, k->mn_to_ha_ikey, k->ikey_len);
        mip6tls_ctr_put_key(b, MIP6TLS_CTR_KEY_HA_TO_MN_IKEY, k->ha_to_mn_ikey, k->ikey_len);
    }
    if (k->ekey_len > 0) { /* NULL encryption has no ekeys */
        mip6tls_ctr_put_key(b, MIP6TLS_CTR_KEY_MN_TO_HA_EKEY, k->mn_to_ha_ekey, k->ekey_len);
        mip6tls_ctr_put_key(b, MIP6TLS_CTR_KEY_HA_TO_MN_EKEY, k->ha_to_mn_ekey, k->ekey_len);
    }
    mip6tls_ctr_put_validity_end(b, sa->validity_end);
    mip6tls_ctr_put_ciphersuite(b, k->suite);
    if (sa->ha6.family == MIP6TLS_AF_INET6)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_HAA_IP6, &sa->ha6);
    if (sa->ha4.family == MIP6TLS_AF_INET)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_HAA_IP4, &sa->ha4);
    if (sa->port != 0)
        mip6tls_ctr_put_port(b, sa->port);
    if (sa->hoa6.family == MIP6TLS_AF_INET6)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_IP6_HOA, &sa->hoa6);
    if (sa->hoa4.family == MIP6TLS_AF_INET)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_IP4_HOA, &sa->hoa4);
    if (sa->hnp6.family == MIP6TLS_AF_INET6)
        mip6tls_ctr_put_prefix(b, MIP6TLS_CTR_H_IP6_HNP, &sa->hnp6, sa->hnp6_len);
    if (sa->hnp4.family == MIP6TLS_AF_INET)
        mip6tls_ctr_put_prefix(b, MIP6TLS_CTR_H_IP4_HNP, &sa->hnp4, sa->hnp4_len);
    for (i = 0; i < sa->n_dns6; i++)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_DNS_IP6, &sa->dns6[i]);
    for (i = 0; i < sa->n_dns4; i++)
        mip6tls_ctr_put_addr(b, MIP6TLS_CTR_H_DNS_IP4, &sa->dns4[i]);
}

int mip6tls_hacp_server_set_sa(mip6tls_hacp_server *s, uint64_t now_ms, const mip6tls_sa *sa,
                               uint8_t *resp, size_t cap, size_t *resp_len)
{
    mip6tls_ctr_builder b;
    uint8_t eap[MIP6TLS_EAP_HDR_LEN];
    const uint8_t *key;
    size_t key_len;
    int rc, eap_len = 0;

    (void)now_ms;
    if (s == NULL || sa == NULL || resp == NULL || resp_len == NULL)
        return MIP6TLS_ERR_ARG;
    if (s->state != MIP6TLS_HACP_S_WAIT_SA)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    rc = server_sa_ok(s, sa);
    if (rc != 0)
        return rc;
    *resp_len = 0;
    if (s->method == MIP6TLS_CTR_AM_PSK) {
        key = s->key;
        key_len = s->key_len;
    } else {
        key = server_eap_key(s, &key_len); /* the MSK (GPSK) or "1" (MD5), §5.9 */
        eap_len = mip6tls_eap_server_finish(&s->eap, 1, eap, sizeof eap);
    }
    /* §5.8 message 4 / §5.9 message 6: [sa-scope, sa-data, ciphersuite, bootstrapping-data,]
     * then mn-rand, hac-rand (PSK) or eap (EAP), status, auth */
    mip6tls_ctr_build_init(&b, resp, cap, s->last_id);
    server_put_sa(&b, sa);
    if (s->method == MIP6TLS_CTR_AM_PSK) {
        mip6tls_ctr_put_mn_rand(&b, s->mn_rand);
        mip6tls_ctr_put_hac_rand(&b, s->hac_rand);
    } else if (eap_len > 0) {
        mip6tls_ctr_put_eap(&b, eap, (size_t)eap_len);
    }
    mip6tls_ctr_put_status(&b, MIP6TLS_CTR_ST_OK);
    rc = mip6tls_ctr_finish_auth(&b, key, key_len, MIP6TLS_CTR_DIR_HAC, s->cb, s->cb_len);
    if (rc < 0 || eap_len < 0)
        return server_fail(s, s->last_id, MIP6TLS_CTR_ST_INTERNAL_ERROR, MIP6TLS_ERR_INTERNAL, 0,
                           resp, cap, resp_len);
    *resp_len = (size_t)rc;
    s->status = MIP6TLS_CTR_ST_OK;
    server_set_state(s, MIP6TLS_HACP_S_CLOSED);
    return MIP6TLS_HACP_RESPOND_AND_CLOSE;
}

int mip6tls_hacp_server_refuse(mip6tls_hacp_server *s, uint64_t now_ms, unsigned status,
                               uint64_t retry_after, uint8_t *resp, size_t cap, size_t *resp_len)
{
    (void)now_ms;
    if (s == NULL || resp == NULL || resp_len == NULL || retry_after > MIP6TLS_CTR_TIME_MAX ||
        (status != 400 && status != 401 && status != 500 && status != 501 && status != 503 &&
         status != 504))
        return MIP6TLS_ERR_ARG;
    if (s->state != MIP6TLS_HACP_S_WAIT_SA)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    *resp_len = 0;
    return server_fail(s, s->last_id, status, MIP6TLS_ERR_POLICY, retry_after, resp, cap, resp_len);
}

mip6tls_hacp_server_state mip6tls_hacp_server_get_state(const mip6tls_hacp_server *s)
{
    return (mip6tls_hacp_server_state)s->state;
}

const char *mip6tls_hacp_server_peer_id(const mip6tls_hacp_server *s, size_t *len)
{
    *len = s->mn_id_len;
    return s->mn_id_len > 0 ? s->mn_id : NULL;
}

mip6tls_hacp_key_kind mip6tls_hacp_server_key_kind(const mip6tls_hacp_server *s)
{
    return s->state == MIP6TLS_HACP_S_WAIT_KEY ? (mip6tls_hacp_key_kind)s->key_kind
                                               : MIP6TLS_HACP_KEY_NONE;
}

unsigned mip6tls_hacp_server_method(const mip6tls_hacp_server *s)
{
    return s->method;
}

unsigned mip6tls_hacp_server_proposed_scope(const mip6tls_hacp_server *s)
{
    return s->proposed_scope;
}

unsigned mip6tls_hacp_server_selected_scope(const mip6tls_hacp_server *s)
{
    return s->selected_scope;
}

const uint16_t *mip6tls_hacp_server_mn_suites(const mip6tls_hacp_server *s, size_t *n)
{
    *n = s->n_mn_suites;
    return s->mn_suites;
}

uint16_t mip6tls_hacp_server_selected_suite(const mip6tls_hacp_server *s)
{
    return s->selected_suite;
}

unsigned mip6tls_hacp_server_status(const mip6tls_hacp_server *s)
{
    return s->status;
}

int mip6tls_hacp_server_error(const mip6tls_hacp_server *s)
{
    return s->error;
}

unsigned mip6tls_hacp_server_exchanges(const mip6tls_hacp_server *s)
{
    return s->last_id;
}

void mip6tls_hacp_server_wipe(mip6tls_hacp_server *s)
{
    hacp_wipe(s, sizeof *s);
}

/* ==== MN side ============================================================================== */

static void client_set_state(mip6tls_hacp_client *c, mip6tls_hacp_client_state st)
{
    c->state = (uint8_t)st;
    if (st == MIP6TLS_HACP_C_DONE || st == MIP6TLS_HACP_C_FAILED)
        mip6tls_eap_peer_wipe(&c->eap); /* the MSK keyed only this exchange (§5.9) */
    if (st == MIP6TLS_HACP_C_FAILED)
        hacp_wipe(&c->sa, sizeof c->sa);
}

/* The client fails on its own: a response it cannot accept. */
static int client_fail(mip6tls_hacp_client *c, int err)
{
    c->error = err;
    client_set_state(c, MIP6TLS_HACP_C_FAILED);
    return err;
}

static size_t client_suites(const mip6tls_hacp_client *c, uint16_t out[MIP6TLS_CTR_SUITES_MAX])
{
    if (c->cfg->suites == NULL || c->cfg->n_suites == 0)
        return hacp_default_suites(out, 1);
    memcpy(out, c->cfg->suites, c->cfg->n_suites * sizeof out[0]);
    return c->cfg->n_suites;
}

int mip6tls_hacp_client_init(mip6tls_hacp_client *c, const mip6tls_hacp_client_cfg *cfg,
                             mip6tls_drbg *drbg, const uint8_t *cb, size_t cb_len)
{
    if (c == NULL || cfg == NULL || drbg == NULL || cb == NULL || cb_len == 0 ||
        cb_len > MIP6TLS_CBIND_MAX || cfg->nai == NULL ||
        !mip6tls_ctr_nai_valid(cfg->nai, cfg->nai_len) || cfg->methods == 0 ||
        (cfg->methods & ~(MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP)) != 0 ||
        ((cfg->methods & MIP6TLS_CTR_AM_PSK) &&
         (cfg->psk == NULL || cfg->psk_len == 0 || cfg->psk_len > 0xFFFFu)) ||
        ((cfg->methods & MIP6TLS_CTR_AM_EAP) && (cfg->eap.key == NULL || cfg->eap.key_len == 0)) ||
        cfg->scope > MIP6TLS_SAS_ALL || !hacp_suites_ok(cfg->suites, cfg->n_suites) ||
        (cfg->accept_scopes & ~(MIP6TLS_HACP_SCOPE_BIT(0) | MIP6TLS_HACP_SCOPE_BIT(1))) != 0)
        return MIP6TLS_ERR_ARG;
    memset(c, 0, sizeof *c);
    if ((cfg->methods & MIP6TLS_CTR_AM_EAP) &&
        mip6tls_eap_peer_init(&c->eap, &cfg->eap, drbg, (const uint8_t *)cfg->nai, cfg->nai_len) !=
            0)
        return MIP6TLS_ERR_ARG;
    c->cfg = cfg;
    memcpy(c->cb, cb, cb_len);
    c->cb_len = (uint8_t)cb_len;
    mip6tls_drbg_generate(drbg, c->mn_rand, sizeof c->mn_rand); /* RFC 6618 §5.5.8 */
    client_set_state(c, MIP6TLS_HACP_C_WAIT_START);
    return 0;
}

int mip6tls_hacp_client_start(mip6tls_hacp_client *c, uint8_t *out, size_t cap, size_t *out_len)
{
    mip6tls_ctr_builder b;
    int rc;
    if (c == NULL || out == NULL || out_len == NULL)
        return MIP6TLS_ERR_ARG;
    if (c->state != MIP6TLS_HACP_C_WAIT_START)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    /* §5.8 message 1 / §5.9 message 1: mn-id, mn-rand, auth-method; no auth (§5.3) */
    mip6tls_ctr_build_init(&b, out, cap, 1);
    mip6tls_ctr_put_mn_id(&b, c->cfg->nai, c->cfg->nai_len);
    mip6tls_ctr_put_mn_rand(&b, c->mn_rand);
    mip6tls_ctr_put_auth_method(&b, c->cfg->methods);
    rc = mip6tls_ctr_finish(&b);
    if (rc < 0)
        return MIP6TLS_ERR_INTERNAL;
    *out_len = (size_t)rc;
    c->last_id = 1;
    client_set_state(c, MIP6TLS_HACP_C_WAIT_INIT_RESP);
    return 0;
}

/* The key the MN expects on a response of the EAP exchange: the MSK once the method made one
 * (MHAuth-Done), "1" otherwise (§5.9). */
static const uint8_t *client_eap_key(const mip6tls_hacp_client *c, size_t *len)
{
    const uint8_t *msk = mip6tls_eap_peer_msk(&c->eap);
    if (msk != NULL) {
        *len = MIP6TLS_GPSK_MSK_LEN;
        return msk;
    }
    *len = sizeof hacp_one;
    return hacp_one;
}

/* Sends the next EAP Response: MHAuth-Mid, or MHAuth-Done with the SA proposal when it is the
 * method's last (§5.9 messages 3 and 5). */
static int client_eap_request(mip6tls_hacp_client *c, int last, const uint8_t *eap, size_t eap_len,
                              uint8_t *out, size_t cap, size_t *out_len)
{
    mip6tls_ctr_builder b;
    uint16_t suites[MIP6TLS_CTR_SUITES_MAX];
    const uint8_t *key = hacp_one;
    size_t key_len = sizeof hacp_one;
    int rc;

    mip6tls_ctr_build_init(&b, out, cap, (uint8_t)(c->last_id + 1));
    if (last) {
        mip6tls_ctr_put_sas(&b, c->cfg->scope);
        mip6tls_ctr_put_suitelist(&b, suites, client_suites(c, suites));
        key = client_eap_key(c, &key_len);
    }
    mip6tls_ctr_put_eap(&b, eap, eap_len);
    rc = mip6tls_ctr_finish_auth(&b, key, key_len, MIP6TLS_CTR_DIR_MN, c->cb, c->cb_len);
    if (rc < 0)
        return client_fail(c, MIP6TLS_ERR_INTERNAL);
    *out_len = (size_t)rc;
    c->last_id++;
    client_set_state(c, last ? MIP6TLS_HACP_C_WAIT_EAP_DONE_RESP : MIP6TLS_HACP_C_WAIT_MID_RESP);
    return MIP6TLS_HACP_SEND;
}

/* An EAP Request from MHAuth-Init or -Mid: hand it to the peer, send its answer. */
static int client_eap_step(mip6tls_hacp_client *c, const mip6tls_ctr_msg *m, uint8_t *out,
                           size_t cap, size_t *out_len)
{
    uint8_t in[MIP6TLS_EAP_MAX], resp[MIP6TLS_EAP_MAX];
    size_t resp_len = 0;
    int n, rc;

    if (c->last_id == MIP6TLS_HACP_EXCHANGES_MAX)
        return client_fail(c, MIP6TLS_ERR_SEQ_EXHAUSTED); /* §5.3: no request 256 */
    n = hacp_eap_bytes(m, in);
    if (n < 0)
        return client_fail(c, n);
    rc = mip6tls_eap_peer_input(&c->eap, in, (size_t)n, resp, sizeof resp, &resp_len);
    if (rc == MIP6TLS_EAP_SEND || rc == MIP6TLS_EAP_SEND_LAST)
        return client_eap_request(c, rc == MIP6TLS_EAP_SEND_LAST, resp, resp_len, out, cap,
                                  out_len);
    /* Success or Failure come only with the final response's status-code (§5.9 message 6) */
    return client_fail(c, rc < 0 ? rc : MIP6TLS_ERR_MISSING);
}

/* Response/MHAuth-Init (§5.8 message 2, §5.9 message 2). */
static int client_init_resp(mip6tls_hacp_client *c, const mip6tls_ctr_msg *m, uint8_t *out,
                            size_t cap, size_t *out_len)
{
    mip6tls_ctr_builder b;
    uint16_t suites[MIP6TLS_CTR_SUITES_MAX];
    int rc;

    if (!hacp_has(m, MIP6TLS_CTR_H_AUTH_METHOD) || !hacp_one_bit(m->auth_methods))
        return client_fail(c, MIP6TLS_ERR_MALFORMED); /* §5.5.2: exactly one method */
    if (!(m->auth_methods & c->cfg->methods))
        return client_fail(c, MIP6TLS_ERR_POLICY); /* not one we proposed */
    if (m->auth_methods == MIP6TLS_CTR_AM_EAP) {
        rc = hacp_shape(m, SHAPE_EAP_INIT_RESP, SHAPE_EAP_INIT_RESP);
        if (rc == 0)
            rc = mip6tls_ctr_auth_verify(m, hacp_one, sizeof hacp_one, MIP6TLS_CTR_DIR_HAC, c->cb,
                                         c->cb_len);
        if (rc != 0)
            return client_fail(c, rc);
        c->method = MIP6TLS_CTR_AM_EAP;
        return client_eap_step(c, m, out, cap, out_len);
    }
    rc = hacp_shape(m, SHAPE_PSK_INIT_RESP, SHAPE_PSK_INIT_RESP);
    /* §5.8: the MN verifies the HAC's MAC and the nonce before it sends its own MAC */
    if (rc == 0)
        rc = mip6tls_ctr_auth_verify(m, c->cfg->psk, c->cfg->psk_len, MIP6TLS_CTR_DIR_HAC, c->cb,
                                     c->cb_len);
    if (rc == 0 && !mip6tls_ct_eq(m->mn_rand, c->mn_rand, sizeof c->mn_rand))
        rc = MIP6TLS_ERR_REPLAY;
    if (rc != 0)
        return client_fail(c, rc);
    c->method = MIP6TLS_CTR_AM_PSK;
    memcpy(c->hac_rand, m->hac_rand, sizeof c->hac_rand);
    c->have_hac_rand = 1;
    /* §5.8 message 3: mn-rand, hac-rand, sa-scope, ciphersuite-list, auth */
    mip6tls_ctr_build_init(&b, out, cap, (uint8_t)(c->last_id + 1));
    mip6tls_ctr_put_mn_rand(&b, c->mn_rand);
    mip6tls_ctr_put_hac_rand(&b, c->hac_rand);
    mip6tls_ctr_put_sas(&b, c->cfg->scope);
    mip6tls_ctr_put_suitelist(&b, suites, client_suites(c, suites));
    rc = mip6tls_ctr_finish_auth(&b, c->cfg->psk, c->cfg->psk_len, MIP6TLS_CTR_DIR_MN, c->cb,
                                 c->cb_len);
    if (rc < 0)
        return client_fail(c, MIP6TLS_ERR_INTERNAL);
    *out_len = (size_t)rc;
    c->last_id++;
    client_set_state(c, MIP6TLS_HACP_C_WAIT_PSK_DONE_RESP);
    return MIP6TLS_HACP_SEND;
}

/* Reads one key of the Done response into dst: present with exactly `want` octets when the
 * suite uses it, absent otherwise (decisions/0008: no ikeys for AEAD; NULL: no ekeys). */
static int client_key(const mip6tls_ctr_msg *m, mip6tls_ctr_key which, uint8_t *dst, size_t want)
{
    mip6tls_ctr_hdr h = (mip6tls_ctr_hdr)(MIP6TLS_CTR_H_MN_TO_HA_IKEY + which);
    int n;
    if (!hacp_has(m, h))
        return want == 0 ? 0 : MIP6TLS_ERR_MISSING;
    if (want == 0)
        return MIP6TLS_ERR_MALFORMED;
    n = mip6tls_ctr_unhex(&m->keys[which], dst, want);
    if (n < 0 || (size_t)n != want)
        return MIP6TLS_ERR_MALFORMED; /* §5.6.2: "The length of these keys depend on the ...
                                         ciphersuite" */
    return 0;
}

/* The SA of a verified Response/MHAuth-Done with status 200 (§5.6, §5.7). */
static int client_build_sa(mip6tls_hacp_client *c, const mip6tls_ctr_msg *m, mip6tls_sa *sa)
{
    uint16_t suites[MIP6TLS_CTR_SUITES_MAX];
    size_t n = client_suites(c, suites), i;
    unsigned accept = c->cfg->accept_scopes == 0
                          ? MIP6TLS_HACP_SCOPE_BIT(0) | MIP6TLS_HACP_SCOPE_BIT(1)
                          : c->cfg->accept_scopes;
    const mip6tls_suite_info *info;
    int rc;

    memset(sa, 0, sizeof *sa);
    /* §5.8: "The selection MUST be one of the MN-supported ciphersuites" */
    if (!hacp_suite_in(m->ciphersuite, suites, n) ||
        (info = mip6tls_suite_find(m->ciphersuite)) == NULL)
        return MIP6TLS_ERR_POLICY;
    if (!(accept & MIP6TLS_HACP_SCOPE_BIT(m->sas)))
        return MIP6TLS_ERR_POLICY; /* §5.6.4: the HAC mandates; the MN may refuse to use it */
    sa->keys.suite = info->code;
    sa->keys.spi = m->spi;
    sa->keys.ikey_len = info->ikey_len;
    sa->keys.ekey_len = info->ekey_len;
    rc = client_key(m, MIP6TLS_CTR_KEY_MN_TO_HA_IKEY, sa->keys.mn_to_ha_ikey, info->ikey_len);
    if (rc == 0)
        rc = client_key(m, MIP6TLS_CTR_KEY_HA_TO_MN_IKEY, sa->keys.ha_to_mn_ikey, info->ikey_len);
    if (rc == 0)
        rc = client_key(m, MIP6TLS_CTR_KEY_MN_TO_HA_EKEY, sa->keys.mn_to_ha_ekey, info->ekey_len);
    if (rc == 0)
        rc = client_key(m, MIP6TLS_CTR_KEY_HA_TO_MN_EKEY, sa->keys.ha_to_mn_ekey, info->ekey_len);
    if (rc != 0)
        return rc;
    sa->validity_end = m->validity_end;
    sa->scope = m->sas;
    if (hacp_has(m, MIP6TLS_CTR_H_HAA_IP6))
        sa->ha6 = m->haa_ip6;
    if (hacp_has(m, MIP6TLS_CTR_H_HAA_IP4))
        sa->ha4 = m->haa_ip4;
    if (hacp_has(m, MIP6TLS_CTR_H_PORT))
        sa->port = m->port;
    if (hacp_has(m, MIP6TLS_CTR_H_IP6_HOA))
        sa->hoa6 = m->ip6_hoa;
    if (hacp_has(m, MIP6TLS_CTR_H_IP4_HOA))
        sa->hoa4 = m->ip4_hoa;
    if (hacp_has(m, MIP6TLS_CTR_H_IP6_HNP)) {
        sa->hnp6 = m->ip6_hnp;
        sa->hnp6_len = m->ip6_hnp_len;
    }
    if (hacp_has(m, MIP6TLS_CTR_H_IP4_HNP)) {
        sa->hnp4 = m->ip4_hnp;
        sa->hnp4_len = m->ip4_hnp_len;
    }
    /* §5.7.4: the first MIP6TLS_SA_DNS_MAX servers of each family are kept */
    for (i = 0; i < m->n_dns_ip6 && i < MIP6TLS_SA_DNS_MAX; i++)
        sa->dns6[sa->n_dns6++] = m->dns_ip6[i];
    for (i = 0; i < m->n_dns_ip4 && i < MIP6TLS_SA_DNS_MAX; i++)
        sa->dns4[sa->n_dns4++] = m->dns_ip4[i];
    if (sa->hoa6.family == MIP6TLS_AF_NONE && sa->hoa4.family == MIP6TLS_AF_NONE)
        return MIP6TLS_ERR_MISSING; /* an SA binds a home address (decisions/0013) */
    memcpy(sa->mn_id, c->cfg->nai, c->cfg->nai_len);
    sa->mn_id_len = (uint8_t)c->cfg->nai_len;
    return mip6tls_sa_check(sa) == 0 ? 0 : MIP6TLS_ERR_MALFORMED;
}

/* The auth of a failure response, when present: any key this exchange may use (decisions/0053
 * §3). Before the HAC selected a method (it sends no auth then), a key of a method we proposed. */
static int client_failure_auth(const mip6tls_hacp_client *c, const mip6tls_ctr_msg *m)
{
    unsigned methods = c->method != 0 ? c->method : c->cfg->methods;
    const uint8_t *key;
    size_t key_len;
    if ((methods & MIP6TLS_CTR_AM_PSK) &&
        mip6tls_ctr_auth_verify(m, c->cfg->psk, c->cfg->psk_len, MIP6TLS_CTR_DIR_HAC, c->cb,
                                c->cb_len) == 0)
        return 0;
    if (methods & MIP6TLS_CTR_AM_EAP) {
        if (mip6tls_ctr_auth_verify(m, hacp_one, sizeof hacp_one, MIP6TLS_CTR_DIR_HAC, c->cb,
                                    c->cb_len) == 0)
            return 0;
        key = client_eap_key(c, &key_len);
        if (key != hacp_one &&
            mip6tls_ctr_auth_verify(m, key, key_len, MIP6TLS_CTR_DIR_HAC, c->cb, c->cb_len) == 0)
            return 0;
    }
    return MIP6TLS_ERR_AUTH;
}

/* A final response: status 200 with the SA, or a failure status (§5.3, §5.5.4). */
static int client_final(mip6tls_hacp_client *c, const mip6tls_ctr_msg *m)
{
    uint8_t in[MIP6TLS_EAP_MAX], scratch[MIP6TLS_EAP_MAX];
    size_t scratch_len = 0, key_len;
    const uint8_t *key;
    mip6tls_eap_pkt e;
    int rc, n;

    if (m->status == MIP6TLS_CTR_ST_CONTINUE)
        return client_fail(c, MIP6TLS_ERR_MALFORMED); /* 100 cannot end an exchange */
    if (m->status != MIP6TLS_CTR_ST_OK) {
        /* Failure is the safe outcome and the HAC may hold no key (unknown mn-id), so auth is
         * optional; when present it must verify with a key of this exchange (decisions/0053) */
        rc = hacp_shape(m, B(STATUS_CODE), SHAPE_FAIL_RESP);
        if (rc == 0 && hacp_has(m, MIP6TLS_CTR_H_AUTH))
            rc = client_failure_auth(c, m);
        if (rc == 0 &&
            ((hacp_has(m, MIP6TLS_CTR_H_MN_RAND) &&
              !mip6tls_ct_eq(m->mn_rand, c->mn_rand, sizeof c->mn_rand)) ||
             (hacp_has(m, MIP6TLS_CTR_H_HAC_RAND) &&
              (!c->have_hac_rand || !mip6tls_ct_eq(m->hac_rand, c->hac_rand, sizeof c->hac_rand)))))
            rc = MIP6TLS_ERR_REPLAY;
        if (rc == 0 && hacp_has(m, MIP6TLS_CTR_H_EAP_PAYLOAD)) {
            n = hacp_eap_bytes(m, in);
            if (n < 0 || mip6tls_eap_decode(&e, in, (size_t)n) != 0 ||
                e.code != MIP6TLS_EAP_CODE_FAILURE)
                rc = MIP6TLS_ERR_MALFORMED; /* a failure carries EAP-Failure, nothing else */
        }
        if (rc != 0)
            return client_fail(c, rc);
        c->status = m->status;
        c->retry_after = hacp_has(m, MIP6TLS_CTR_H_RETRY_AFTER) ? m->retry_after : 0;
        client_set_state(c, MIP6TLS_HACP_C_FAILED);
        return MIP6TLS_HACP_FAILED;
    }
    /* status 200 */
    if (c->state == MIP6TLS_HACP_C_WAIT_PSK_DONE_RESP) {
        rc = hacp_shape(m, SHAPE_PSK_DONE_RESP, SHAPE_PSK_DONE_RESP | SHAPE_SA_OPTIONAL);
        if (rc == 0)
            rc = mip6tls_ctr_auth_verify(m, c->cfg->psk, c->cfg->psk_len, MIP6TLS_CTR_DIR_HAC,
                                         c->cb, c->cb_len);
        if (rc == 0 && (!mip6tls_ct_eq(m->mn_rand, c->mn_rand, sizeof c->mn_rand) ||
                        !mip6tls_ct_eq(m->hac_rand, c->hac_rand, sizeof c->hac_rand)))
            rc = MIP6TLS_ERR_REPLAY; /* §5.8: the nonces of this exchange */
    } else if (c->state == MIP6TLS_HACP_C_WAIT_EAP_DONE_RESP) {
        rc = hacp_shape(m, SHAPE_EAP_DONE_RESP, SHAPE_EAP_DONE_RESP | SHAPE_SA_OPTIONAL);
        key = client_eap_key(c, &key_len);
        if (rc == 0)
            rc = mip6tls_ctr_auth_verify(m, key, key_len, MIP6TLS_CTR_DIR_HAC, c->cb, c->cb_len);
        if (rc == 0) { /* RFC 3748 §4.2: Success only where the method allows it */
            n = hacp_eap_bytes(m, in);
            rc = n < 0 ? n
                       : mip6tls_eap_peer_input(&c->eap, in, (size_t)n, scratch, sizeof scratch,
                                                &scratch_len);
            if (rc >= 0)
                rc = rc == MIP6TLS_EAP_SUCCESS ? 0 : MIP6TLS_ERR_MALFORMED;
        }
    } else {
        rc = MIP6TLS_ERR_TYPE; /* 200 before the MN sent MHAuth-Done: no SA was asked for */
    }
    if (rc == 0)
        rc = client_build_sa(c, m, &c->sa);
    if (rc != 0)
        return client_fail(c, rc);
    c->status = MIP6TLS_CTR_ST_OK;
    client_set_state(c, MIP6TLS_HACP_C_DONE);
    return MIP6TLS_HACP_DONE;
}

int mip6tls_hacp_client_input(mip6tls_hacp_client *c, uint64_t now_ms, const uint8_t *resp,
                              size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    mip6tls_ctr_msg m;
    int rc;

    (void)now_ms;
    if (c == NULL || out == NULL || out_len == NULL || (resp == NULL && len != 0))
        return MIP6TLS_ERR_ARG;
    if (c->state != MIP6TLS_HACP_C_WAIT_INIT_RESP &&
        c->state != MIP6TLS_HACP_C_WAIT_PSK_DONE_RESP && c->state != MIP6TLS_HACP_C_WAIT_MID_RESP &&
        c->state != MIP6TLS_HACP_C_WAIT_EAP_DONE_RESP)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_HACP_MSG_MAX)
        return MIP6TLS_ERR_NOBUF;
    *out_len = 0;
    rc = mip6tls_ctr_decode(&m, resp, len);
    if (rc != 0)
        return client_fail(c, rc); /* decisions/0001 §3: fatal for the session */
    if (m.id != c->last_id)
        return client_fail(c, MIP6TLS_ERR_REPLAY); /* §5.3: the response copies our Identifier */
    if (hacp_has(&m, MIP6TLS_CTR_H_STATUS_CODE))
        return client_final(c, &m);
    switch (c->state) {
    case MIP6TLS_HACP_C_WAIT_INIT_RESP: return client_init_resp(c, &m, out, cap, out_len);
    case MIP6TLS_HACP_C_WAIT_MID_RESP:
        rc = hacp_shape(&m, SHAPE_EAP_MID_RESP, SHAPE_EAP_MID_RESP);
        if (rc == 0)
            rc = mip6tls_ctr_auth_verify(&m, hacp_one, sizeof hacp_one, MIP6TLS_CTR_DIR_HAC, c->cb,
                                         c->cb_len);
        if (rc != 0)
            return client_fail(c, rc);
        return client_eap_step(c, &m, out, cap, out_len);
    default:
        /* after MHAuth-Done only the final response may come (§5.3) */
        return client_fail(c, MIP6TLS_ERR_MISSING);
    }
}

const mip6tls_sa *mip6tls_hacp_client_sa(const mip6tls_hacp_client *c)
{
    return c->state == MIP6TLS_HACP_C_DONE ? &c->sa : NULL;
}

mip6tls_hacp_client_state mip6tls_hacp_client_get_state(const mip6tls_hacp_client *c)
{
    return (mip6tls_hacp_client_state)c->state;
}

unsigned mip6tls_hacp_client_status(const mip6tls_hacp_client *c)
{
    return c->status;
}

uint64_t mip6tls_hacp_client_retry_after(const mip6tls_hacp_client *c)
{
    return c->retry_after;
}

int mip6tls_hacp_client_error(const mip6tls_hacp_client *c)
{
    return c->error;
}

unsigned mip6tls_hacp_client_exchanges(const mip6tls_hacp_client *c)
{
    return c->last_id;
}

void mip6tls_hacp_client_wipe(mip6tls_hacp_client *c)
{
    hacp_wipe(c, sizeof *c);
}
