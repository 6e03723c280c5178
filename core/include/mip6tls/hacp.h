/*
 * mip6tls/hacp.h: the MN<->HAC authentication and provisioning exchange (RFC 6618 §5.3, §5.8,
 * §5.9), both sides, above TLS: one complete request/response container in, at most one out.
 *
 * The HAC side (server) runs one context per TLS session; the MN side (client) one per
 * bootstrap. Neither does I/O nor calls back: when the HAC engine needs something only its
 * caller has (the key of an mn-id, an SA to hand out) it stops in a state named for it and
 * returns MIP6TLS_HACP_NEED_KEY / _NEED_SA; the caller answers with a second call, which
 * produces the response.
 *
 * Message sequences (docs/decisions/0050-hacp-exchange.md, 0051-eap-in-hacp.md):
 *   PSK (§5.8), 2 exchanges:
 *     MN  -> HAC  MHAuth-Init  mn-id, mn-rand, auth-method=psk
 *     HAC -> MN   MHAuth-Init  mn-rand, hac-rand, auth-method=psk, auth(PSK)
 *     MN  -> HAC  MHAuth-Done  mn-rand, hac-rand, mip6-sas, mip6-suitelist, auth(PSK)
 *     HAC -> MN   MHAuth-Done  SA and bootstrap data, mn-rand, hac-rand, status-code, auth(PSK)
 *   EAP (§5.9), EAP-GPSK in 4 exchanges, EAP-MD5 in 3 (one more after a Nak):
 *     MN  -> HAC  MHAuth-Init  mn-id, mn-rand, auth-method=eap
 *     HAC -> MN   MHAuth-Init  auth-method=eap, eap-payload(Request/Identity), auth("1")
 *     MN  -> HAC  MHAuth-Mid   eap-payload(Response/...), auth("1")          } as the method
 *     HAC -> MN   MHAuth-Mid   eap-payload(Request/...), auth("1")           } needs
 *     MN  -> HAC  MHAuth-Done  mip6-sas, mip6-suitelist, eap-payload(last Response), auth(K)
 *     HAC -> MN   MHAuth-Done  SA and bootstrap data, eap-payload(Success), status-code, auth(K)
 *   with K the MSK of EAP-GPSK, or "1" (the octet 0x31) for EAP-MD5, which derives no key.
 *
 * auth = HMAC-SHA256(K, "MN"|"HAC" || content before the auth line || CB-octets)
 * (mip6tls_ctr_auth_compute; CB-octets are the tls-server-end-point binding of the HAC's
 * certificate, given to both engines at init).
 *
 * Identifiers (§5.1, §5.3): the first request carries 1; each request a larger one (the MN uses
 * the next integer); a response copies its request's. Identifiers end at 255, so at most 255
 * exchanges: a request numbered 255 that would need another request after it is answered with
 * status 400 and the session ends (MIP6TLS_ERR_SEQ_EXHAUSTED).
 *
 * Errors and the end of a session (§5.3, docs/decisions/0001-container-errors.md, 0053):
 *   - misuse errors (MIP6TLS_ERR_ARG, _NOBUF, _STATE, _SUITE, _KEYLEN) change nothing;
 *   - HAC: a request that is malformed, unauthenticated, out of order or refused by policy gets
 *     a final response with a status-code (400, 401, 501, ...) and MIP6TLS_HACP_RESPOND_AND_CLOSE;
 *     mip6tls_hacp_server_error() says why. A request too broken to copy its Identifier from
 *     (fewer than 2 octets, or Identifier 0) returns the decode error and nothing to send:
 *     close the connection without an answer;
 *   - MN: a response that is malformed, unauthenticated or inconsistent returns the error and
 *     the client is FAILED: close the connection; a response with a status-code other than
 *     200 returns MIP6TLS_HACP_FAILED.
 *   After RESPOND_AND_CLOSE, DONE, FAILED or any non-misuse error the engine is finished: its
 *   secrets are wiped, and every further input call returns MIP6TLS_ERR_STATE.
 *
 * Output buffers must hold MIP6TLS_HACP_MSG_MAX octets (a smaller cap is MIP6TLS_ERR_NOBUF
 * before anything is read). Timers: none; the TLS driver owns the session's idle timeout.
 * `now_ms` is taken for the core's calling convention and is not used.
 */
#ifndef MIP6TLS_HACP_H
#define MIP6TLS_HACP_H

#include "mip6tls/cbind.h"
#include "mip6tls/common.h"
#include "mip6tls/container.h"
#include "mip6tls/drbg.h"
#include "mip6tls/eap.h"
#include "mip6tls/sa.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_HACP_MSG_MAX 4096      /* every container either engine writes fits in this */
#define MIP6TLS_HACP_KEY_MAX 64        /* longest key the HAC engine takes (RFC 5433 §5) */
#define MIP6TLS_HACP_EXCHANGES_MAX 255 /* RFC 6618 §5.3 */

/* A scope (mip6tls_sas) as a bit in the policy masks below. */
#define MIP6TLS_HACP_SCOPE_BIT(sas) (1u << (sas))

/* ---- HAC side ---------------------------------------------------------------------------- */

/* The HAC's policy. Caller-owned, shared by any number of sessions; it must outlive them. */
typedef struct {
    unsigned methods;           /* MIP6TLS_CTR_AM_* the HAC accepts; 0: PSK only */
    unsigned prefer;            /* picked when the MN proposes both: MIP6TLS_CTR_AM_EAP, else PSK */
    mip6tls_eap_server_cfg eap; /* EAP methods (MD5 only when named), GPSK ID_Server, CSuites */
    const uint16_t *suites;     /* ciphersuites in the HAC's order of preference; NULL: every */
    size_t n_suites;            /* suite of mip6tls_suite_all() but the NULL-encryption ones */
    unsigned scopes;            /* MIP6TLS_HACP_SCOPE_BIT()s the HAC hands out; 0: both */
} mip6tls_hacp_server_cfg;

/* What a HAC call produced (positive; errors are negative mip6tls_err). */
typedef enum {
    MIP6TLS_HACP_RESPOND = 1,          /* send resp, then wait for the next request */
    MIP6TLS_HACP_NEED_KEY = 2,         /* look up the key of peer_id(): set_key / reject_unknown */
    MIP6TLS_HACP_NEED_SA = 3,          /* authenticated: fill an SA and call set_sa (or refuse) */
    MIP6TLS_HACP_RESPOND_AND_CLOSE = 4 /* send resp (the final one), then close (§5.3) */
} mip6tls_hacp_server_result;

/* HAC states, named for what the engine waits for. */
typedef enum {
    MIP6TLS_HACP_S_WAIT_INIT = 0, /* Request/MHAuth-Init, Identifier 1 */
    MIP6TLS_HACP_S_WAIT_KEY,      /* the caller: mip6tls_hacp_server_set_key / _reject_unknown */
    MIP6TLS_HACP_S_WAIT_PSK_DONE, /* Request/MHAuth-Done of the PSK exchange */
    MIP6TLS_HACP_S_WAIT_EAP,      /* Request/MHAuth-Mid or -Done carrying an EAP Response */
    MIP6TLS_HACP_S_WAIT_SA,       /* the caller: mip6tls_hacp_server_set_sa / _refuse */
    MIP6TLS_HACP_S_CLOSED         /* finished: close the connection */
} mip6tls_hacp_server_state;

/* Which secret NEED_KEY asks for. */
typedef enum {
    MIP6TLS_HACP_KEY_NONE = 0,
    MIP6TLS_HACP_KEY_PSK,      /* the RFC 6618 §5.8 PSK of the mn-id */
    MIP6TLS_HACP_KEY_EAP_GPSK, /* the EAP-GPSK PSK (at least 16 octets, 32 for CSuite 2) */
    MIP6TLS_HACP_KEY_EAP_MD5   /* the EAP-MD5 secret */
} mip6tls_hacp_key_kind;

/* One HAC session. Fields are private. */
typedef struct {
    const mip6tls_hacp_server_cfg *cfg;
    uint8_t state;    /* mip6tls_hacp_server_state */
    uint8_t method;   /* MIP6TLS_CTR_AM_PSK or _EAP once selected, else 0 */
    uint8_t last_id;  /* Identifier of the last request accepted (0: none yet) */
    uint8_t key_kind; /* mip6tls_hacp_key_kind asked for */
    uint8_t key_len;  /* PSK held (PSK method only) */
    uint8_t proposed_scope, selected_scope;
    uint8_t n_mn_suites;
    uint16_t selected_suite;
    uint16_t mn_suites[MIP6TLS_CTR_SUITES_MAX];
    uint16_t status; /* status-code of the final response; 0 before */
    int error;       /* why the session failed; 0 when it did not */
    uint8_t cb_len;
    uint8_t cb[MIP6TLS_CBIND_MAX];
    uint8_t mn_id_len;
    char mn_id[MIP6TLS_CTR_NAI_MAX];
    uint8_t mn_rand[MIP6TLS_CTR_RAND_LEN];
    uint8_t hac_rand[MIP6TLS_CTR_RAND_LEN];
    uint8_t key[MIP6TLS_HACP_KEY_MAX];
    mip6tls_eap_server eap;
} mip6tls_hacp_server;

/* Starts a session. cb[cb_len] (1..MIP6TLS_CBIND_MAX octets, copied) is the tls-server-end-point
 * binding of the HAC's certificate. Draws hac-rand and the EAP randomness from `drbg` (used
 * here only). Returns 0 or MIP6TLS_ERR_ARG (bad policy or binding). */
int mip6tls_hacp_server_init(mip6tls_hacp_server *s, const mip6tls_hacp_server_cfg *cfg,
                             mip6tls_drbg *drbg, const uint8_t *cb, size_t cb_len);

/*
 * One complete request container req[len] (mip6tls_ctr_frame_need splits the stream). Valid in
 * WAIT_INIT, WAIT_PSK_DONE and WAIT_EAP. Writes the response, if any, to resp[*resp_len].
 * Returns MIP6TLS_HACP_RESPOND, _NEED_KEY (no response yet), _NEED_SA (no response yet) or
 * _RESPOND_AND_CLOSE; MIP6TLS_ERR_ARG / _STATE / _NOBUF (cap < MIP6TLS_HACP_MSG_MAX), which
 * change nothing; or a decode error with *resp_len 0 for a request without a usable Identifier
 * (close without answering, decisions/0001).
 */
int mip6tls_hacp_server_input(mip6tls_hacp_server *s, uint64_t now_ms, const uint8_t *req,
                              size_t len, uint8_t *resp, size_t cap, size_t *resp_len);

/* In WAIT_KEY: the key of peer_id() (1..MIP6TLS_HACP_KEY_MAX octets, copied as needed, never
 * kept past the session). Returns MIP6TLS_HACP_RESPOND, _NEED_SA or _RESPOND_AND_CLOSE
 * (a wrong key: status 401), or a misuse error (nothing changed). */
int mip6tls_hacp_server_set_key(mip6tls_hacp_server *s, uint64_t now_ms, const uint8_t *key,
                                size_t key_len, uint8_t *resp, size_t cap, size_t *resp_len);

/* In WAIT_KEY: peer_id() is unknown. PSK: status 401 and close (no auth: there is no key);
 * EAP-GPSK: GPSK-Fail (RFC 5433 §10, MIP6TLS_HACP_RESPOND), 401 after the peer replays it;
 * EAP-MD5: EAP-Failure with 401. Errors as set_key. */
int mip6tls_hacp_server_reject_unknown(mip6tls_hacp_server *s, uint64_t now_ms, uint8_t *resp,
                                       size_t cap, size_t *resp_len);

/*
 * In WAIT_SA: the SA to provision. `sa` must pass mip6tls_sa_check, use a suite the MN listed
 * and the policy allows (selected_suite() is the policy's pick), a scope the policy allows
 * (selected_scope()), mn_id equal to peer_id(), validity_end <= MIP6TLS_CTR_TIME_MAX.
 * Writes Response/MHAuth-Done with every SA and §5.7 field present in `sa` (absent addresses,
 * port 0 and empty key fields are left out) and status-code 200. Returns
 * MIP6TLS_HACP_RESPOND_AND_CLOSE, or MIP6TLS_ERR_ARG / _SUITE / _KEYLEN / _STATE / _NOBUF
 * (nothing changed).
 */
int mip6tls_hacp_server_set_sa(mip6tls_hacp_server *s, uint64_t now_ms, const mip6tls_sa *sa,
                               uint8_t *resp, size_t cap, size_t *resp_len);

/* In WAIT_SA: the caller cannot provision (no free SPI, store failure): a final response with
 * `status` (400, 401, 500, 501, 503 or 504) and, when retry_after is non-zero, `retry-after`
 * (Unix seconds, §5.5.6). Returns MIP6TLS_HACP_RESPOND_AND_CLOSE or a misuse error. */
int mip6tls_hacp_server_refuse(mip6tls_hacp_server *s, uint64_t now_ms, unsigned status,
                               uint64_t retry_after, uint8_t *resp, size_t cap, size_t *resp_len);

mip6tls_hacp_server_state mip6tls_hacp_server_get_state(const mip6tls_hacp_server *s);

/* The mn-id of MHAuth-Init (*len octets, not NUL-terminated); NULL before it arrived. */
const char *mip6tls_hacp_server_peer_id(const mip6tls_hacp_server *s, size_t *len);

/* The secret NEED_KEY asks for (MIP6TLS_HACP_KEY_NONE outside WAIT_KEY). */
mip6tls_hacp_key_kind mip6tls_hacp_server_key_kind(const mip6tls_hacp_server *s);

/* The auth-method selected (MIP6TLS_CTR_AM_PSK / _EAP), 0 before MHAuth-Init. */
unsigned mip6tls_hacp_server_method(const mip6tls_hacp_server *s);

/* In WAIT_SA (and after): the MN's proposal and the policy's choice. */
unsigned mip6tls_hacp_server_proposed_scope(const mip6tls_hacp_server *s);
unsigned mip6tls_hacp_server_selected_scope(const mip6tls_hacp_server *s);
const uint16_t *mip6tls_hacp_server_mn_suites(const mip6tls_hacp_server *s, size_t *n);
uint16_t mip6tls_hacp_server_selected_suite(const mip6tls_hacp_server *s);

/* The final response's status-code (0 before one was written) and, for a failed session, the
 * error that ended it (0 otherwise: MIP6TLS_ERR_AUTH for a bad auth or key, _POLICY for a
 * refused method or no common suite, a decode error for a malformed request, ...). */
unsigned mip6tls_hacp_server_status(const mip6tls_hacp_server *s);
int mip6tls_hacp_server_error(const mip6tls_hacp_server *s);

/* Request/response exchanges so far (the last request's Identifier). */
unsigned mip6tls_hacp_server_exchanges(const mip6tls_hacp_server *s);

/* Wipes the whole context (the engine already wipes its keys when it finishes). */
void mip6tls_hacp_server_wipe(mip6tls_hacp_server *s);

/* ---- MN side ------------------------------------------------------------------------------ */

/* The MN's configuration. Caller-owned; it must outlive the client. */
typedef struct {
    const char *nai; /* mn-id: an RFC 4282 NAI (mip6tls_ctr_nai_valid) */
    size_t nai_len;
    unsigned methods;   /* MIP6TLS_CTR_AM_* to propose: at least one */
    const uint8_t *psk; /* the §5.8 PSK (methods & PSK): 1..65535 octets */
    size_t psk_len;
    mip6tls_eap_peer_cfg eap; /* EAP key, methods (MD5 only when named), expected ID_Server */
    uint8_t scope;            /* proposed mip6-sas (mip6tls_sas) */
    const uint16_t *suites;   /* mip6-suitelist, implemented suites only; NULL: every suite */
    size_t n_suites;          /* of mip6tls_suite_all(), in its order (AEAD first) */
    unsigned accept_scopes;   /* MIP6TLS_HACP_SCOPE_BIT()s the MN accepts; 0: both */
} mip6tls_hacp_client_cfg;

/* What an MN call produced (positive; errors are negative mip6tls_err). */
typedef enum {
    MIP6TLS_HACP_SEND = 1,  /* send out, then wait for the response */
    MIP6TLS_HACP_DONE = 2,  /* status 200 verified: mip6tls_hacp_client_sa() holds the SA */
    MIP6TLS_HACP_FAILED = 3 /* the HAC ended with another status: mip6tls_hacp_client_status() */
} mip6tls_hacp_client_result;

/* MN states, named for what the engine waits for. */
typedef enum {
    MIP6TLS_HACP_C_WAIT_START = 0,     /* the caller: mip6tls_hacp_client_start */
    MIP6TLS_HACP_C_WAIT_INIT_RESP,     /* Response/MHAuth-Init */
    MIP6TLS_HACP_C_WAIT_PSK_DONE_RESP, /* Response/MHAuth-Done of the PSK exchange */
    MIP6TLS_HACP_C_WAIT_MID_RESP,      /* Response/MHAuth-Mid (EAP) */
    MIP6TLS_HACP_C_WAIT_EAP_DONE_RESP, /* Response/MHAuth-Done after the EAP method's end */
    MIP6TLS_HACP_C_DONE,               /* the SA is ready */
    MIP6TLS_HACP_C_FAILED              /* finished without an SA */
} mip6tls_hacp_client_state;

/* One MN bootstrap. Fields are private. */
typedef struct {
    const mip6tls_hacp_client_cfg *cfg;
    uint8_t state;   /* mip6tls_hacp_client_state */
    uint8_t method;  /* MIP6TLS_CTR_AM_* the HAC selected */
    uint8_t last_id; /* Identifier of the last request sent */
    uint8_t have_hac_rand;
    uint16_t status; /* the HAC's final status-code; 0 before */
    int error;       /* why the client failed on its own; 0 otherwise */
    uint64_t retry_after;
    uint8_t cb_len;
    uint8_t cb[MIP6TLS_CBIND_MAX];
    uint8_t mn_rand[MIP6TLS_CTR_RAND_LEN];
    uint8_t hac_rand[MIP6TLS_CTR_RAND_LEN];
    mip6tls_eap_peer eap;
    mip6tls_sa sa;
} mip6tls_hacp_client;

/* Prepares a bootstrap; cb as for the server (the binding of the certificate the TLS handshake
 * verified). Draws mn-rand and the EAP randomness from `drbg` (used here only). Returns 0 or
 * MIP6TLS_ERR_ARG (bad configuration). */
int mip6tls_hacp_client_init(mip6tls_hacp_client *c, const mip6tls_hacp_client_cfg *cfg,
                             mip6tls_drbg *drbg, const uint8_t *cb, size_t cb_len);

/* Writes Request/MHAuth-Init (Identifier 1) into out[*out_len]. Returns 0, MIP6TLS_ERR_STATE
 * or MIP6TLS_ERR_NOBUF (nothing changed). */
int mip6tls_hacp_client_start(mip6tls_hacp_client *c, uint8_t *out, size_t cap, size_t *out_len);

/*
 * One complete response container resp[len]. Returns MIP6TLS_HACP_SEND (out[*out_len] is the
 * next request), _DONE or _FAILED; a misuse error (nothing changed); or, for a response that
 * is malformed, unauthenticated (MIP6TLS_ERR_AUTH), not for our request (wrong Identifier or
 * nonce echo: MIP6TLS_ERR_REPLAY), against our policy (a method we did not propose, a suite
 * we did not list, a scope we do not accept: MIP6TLS_ERR_POLICY), or that would need a request
 * beyond Identifier 255 (MIP6TLS_ERR_SEQ_EXHAUSTED): the client is then FAILED; close.
 */
int mip6tls_hacp_client_input(mip6tls_hacp_client *c, uint64_t now_ms, const uint8_t *resp,
                              size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The provisioned SA (passes mip6tls_sa_check; mn_id is our NAI) once DONE, else NULL. */
const mip6tls_sa *mip6tls_hacp_client_sa(const mip6tls_hacp_client *c);

mip6tls_hacp_client_state mip6tls_hacp_client_get_state(const mip6tls_hacp_client *c);

/* The HAC's status-code once it sent one (0 before), retry-after (Unix seconds, 0 when absent),
 * and the error that failed the client on its own (0 otherwise). */
unsigned mip6tls_hacp_client_status(const mip6tls_hacp_client *c);
uint64_t mip6tls_hacp_client_retry_after(const mip6tls_hacp_client *c);
int mip6tls_hacp_client_error(const mip6tls_hacp_client *c);

/* Requests sent so far (the last request's Identifier). */
unsigned mip6tls_hacp_client_exchanges(const mip6tls_hacp_client *c);

/* Wipes the whole context, the SA's keys included: call it once the SA is copied. */
void mip6tls_hacp_client_wipe(mip6tls_hacp_client *c);

/* The RFC 2616 §10 reason phrase of a status-code ("Unauthorized"), or "unknown". */
const char *mip6tls_hacp_status_text(unsigned status);

#ifdef __cplusplus
}
#endif
#endif
