/*
 * mip6tls/eap.h: EAP (RFC 3748) as RFC 6618 §5.9 carries it inside the MN<->HAC exchange.
 *
 * Three layers, each usable alone:
 *   1. EAP packet framing (RFC 3748 §4): mip6tls_eap_decode / mip6tls_eap_encode.
 *   2. Methods: Identity (§5.1), Notification (§5.2, peer side), legacy Nak (§5.3.1),
 *      MD5-Challenge (§5.4) and EAP-GPSK (RFC 5433) with ciphersuites 1 (AES-CMAC-128) and
 *      2 (HMAC-SHA256): message codecs, GKDF key derivation (MK, MSK, EMSK, SK, PK), MACs.
 *   3. Two state machines, the peer (the MN) and the server (the HAC acting as EAP server, no
 *      pass-through): one EAP packet in, at most one EAP packet out.
 *
 * The HAC protocol engine (hacp.h) drives layer 3; the decisions are in
 * docs/decisions/0051-eap-in-hacp.md and 0052-eap-gpsk.md. In short:
 *   - The transport is reliable and lockstep (TLS), so there are no retransmissions: anything
 *     RFC 3748 or RFC 5433 says to "silently discard" is an error here, and the HAC protocol
 *     ends the session (a discarded packet would stall a lockstep exchange for ever).
 *   - The server picks methods in the order GPSK, MD5, among those its configuration allows;
 *     MD5-Challenge (no mutual authentication, no key, dictionary attacks) is off unless the
 *     configuration names it. A peer may Nak a method it does not accept (RFC 3748 §5.3.1).
 *   - No protected data: PD_Payload_Block must be empty (RFC 5433 §9.4 defines no PD type).
 *   - Identities are compared octet for octet (RFC 5433 §5): the EAP-Response/Identity and the
 *     GPSK ID_Peer must equal the identity the server was started with (the MN's mn-id).
 *
 * No malloc, no globals, no clock: contexts are plain structs the caller places; randomness is
 * drawn from the caller's DRBG at init only. Secrets are wiped when a context ends.
 */
#ifndef MIP6TLS_EAP_H
#define MIP6TLS_EAP_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- framing (RFC 3748 §4) ------------------------------------------------------------- */

#define MIP6TLS_EAP_HDR_LEN 4 /* Code, Identifier, Length */
#define MIP6TLS_EAP_MAX 1024  /* largest EAP packet the state machines send or accept */

/* Codes (RFC 3748 §4). */
#define MIP6TLS_EAP_CODE_REQUEST 1
#define MIP6TLS_EAP_CODE_RESPONSE 2
#define MIP6TLS_EAP_CODE_SUCCESS 3
#define MIP6TLS_EAP_CODE_FAILURE 4

/* Types (RFC 3748 §5; RFC 5433 §13 for GPSK). */
#define MIP6TLS_EAP_TYPE_IDENTITY 1
#define MIP6TLS_EAP_TYPE_NOTIFICATION 2
#define MIP6TLS_EAP_TYPE_NAK 3
#define MIP6TLS_EAP_TYPE_MD5 4
#define MIP6TLS_EAP_TYPE_GPSK 51

/* A decoded EAP packet; `data` points into the decoded buffer. */
typedef struct {
    uint8_t code;        /* MIP6TLS_EAP_CODE_* */
    uint8_t id;          /* Identifier */
    uint16_t len;        /* the Length field */
    uint8_t type;        /* Request/Response: the Type; 0 for Success/Failure */
    const uint8_t *data; /* Type-Data (Request/Response), NULL for Success/Failure */
    size_t data_len;
} mip6tls_eap_pkt;

/*
 * Decodes one EAP packet from buf[len]. Octets past the Length field are link-layer padding and
 * ignored (RFC 3748 §4). Returns 0, or:
 *   MIP6TLS_ERR_TRUNCATED  fewer than 4 octets, or Length larger than len (RFC 3748 §4);
 *   MIP6TLS_ERR_LENGTH     Length below 4, or below 5 for a Request/Response (no Type);
 *   MIP6TLS_ERR_TYPE       a Code other than 1-4 (RFC 3748 §4);
 *   MIP6TLS_ERR_MALFORMED  Success/Failure with data (RFC 3748 §4.2), a Nak in a Request or a
 *                          Nak without a type (§5.3.1).
 * On error *p is zeroed.
 */
int mip6tls_eap_decode(mip6tls_eap_pkt *p, const uint8_t *buf, size_t len);

/*
 * Writes an EAP packet into out[cap]: for Request/Response, `type` and data[len] follow the
 * header; for Success/Failure `type` and data must be 0/NULL/0. Returns the packet's length,
 * MIP6TLS_ERR_ARG (bad code, data with Success/Failure, a Nak Request, total over 65535) or
 * MIP6TLS_ERR_NOBUF. data may overlap out + 5 (building in place).
 */
int mip6tls_eap_encode(uint8_t *out, size_t cap, uint8_t code, uint8_t id, uint8_t type,
                       const uint8_t *data, size_t len);

/* 1 when pkt[len] is a Response that ends its method from the peer's side, i.e. the one after
 * which the server sends Success or Failure: MD5-Challenge Response (RFC 3748 §5.4) or GPSK-4
 * (RFC 5433 §3). RFC 6618 §5.9 carries exactly that Response in MHAuth-Done. 0 otherwise,
 * including for anything that does not decode. */
int mip6tls_eap_response_is_last(const uint8_t *pkt, size_t len);

/* ---- EAP-MD5 (RFC 3748 §5.4, RFC 1994 §4.1) -------------------------------------------- */

#define MIP6TLS_EAP_MD5_LEN 16           /* Value-Size of a Response */
#define MIP6TLS_EAP_MD5_CHALLENGE_LEN 16 /* Value-Size of the server's Request */

/* out = MD5(Identifier || secret || challenge) (RFC 1994 §4.1). */
void mip6tls_eap_md5_value(uint8_t out[MIP6TLS_EAP_MD5_LEN], uint8_t id, const uint8_t *secret,
                           size_t secret_len, const uint8_t *challenge, size_t challenge_len);

/* ---- EAP-GPSK (RFC 5433) ---------------------------------------------------------------- */

#define MIP6TLS_GPSK_RAND_LEN 32   /* RAND_Peer, RAND_Server (§2) */
#define MIP6TLS_GPSK_CSUITE_LEN 6  /* CSuite/Vendor (4) | CSuite/Specifier (2) (§9.2) */
#define MIP6TLS_GPSK_ID_MAX 254    /* ID_Peer / ID_Server octets (§5) */
#define MIP6TLS_GPSK_CSUITES_MAX 8 /* longest CSuite_List a peer accepts, in entries */
#define MIP6TLS_GPSK_MSK_LEN 64    /* MSK, EMSK (§4) */
#define MIP6TLS_GPSK_KS_MAX 32     /* largest KS and ML of the suites below */

/* CSuite/Specifier values with CSuite/Vendor 0 (RFC 5433 §6, Figure 3). */
#define MIP6TLS_GPSK_CSUITE_AES 1    /* KS 16, AES-CMAC-128 MAC and GKDF, AES-CBC-128 (PD only) */
#define MIP6TLS_GPSK_CSUITE_SHA256 2 /* KS 32, HMAC-SHA256 MAC and GKDF, NULL encryption */

/* OP-Codes (RFC 5433 §9.1). */
#define MIP6TLS_GPSK_OP_1 1
#define MIP6TLS_GPSK_OP_2 2
#define MIP6TLS_GPSK_OP_3 3
#define MIP6TLS_GPSK_OP_4 4
#define MIP6TLS_GPSK_OP_FAIL 5
#define MIP6TLS_GPSK_OP_PROTECTED_FAIL 6

/* Failure-Code values (RFC 5433 §9.3). */
#define MIP6TLS_GPSK_FAIL_PSK_NOT_FOUND 1
#define MIP6TLS_GPSK_FAIL_AUTHENTICATION 2
#define MIP6TLS_GPSK_FAIL_AUTHORIZATION 3

/* A view of octets inside a decoded GPSK message. */
typedef struct {
    const uint8_t *p;
    size_t len;
} mip6tls_gpsk_view;

/* A decoded GPSK message (the Type-Data of an EAP packet of Type 51: OP-Code, then payload).
 * Only the fields of `op` are set; views point into the decoded buffer. */
typedef struct {
    uint8_t op;                    /* MIP6TLS_GPSK_OP_* */
    mip6tls_gpsk_view id_peer;     /* GPSK-2 */
    mip6tls_gpsk_view id_server;   /* GPSK-1, -2, -3 */
    mip6tls_gpsk_view csuite_list; /* GPSK-1, -2: a multiple of 6 octets, at least 6 */
    mip6tls_gpsk_view pd;          /* GPSK-2, -3, -4: PD_Payload_Block (may be empty) */
    const uint8_t *rand_peer;      /* GPSK-2, -3: 32 octets */
    const uint8_t *rand_server;    /* GPSK-1, -2, -3: 32 octets */
    const uint8_t *csuite_sel;     /* GPSK-2, -3: 6 octets */
    uint16_t csuite;               /* GPSK-2, -3: CSuite/Specifier of csuite_sel */
    const uint8_t *mac;            /* GPSK-2, -3, -4, Protected-Fail: ML octets */
    size_t mac_len;
    mip6tls_gpsk_view mac_input; /* what the MAC covers (RFC 5433 §9.3) */
    uint32_t failure;            /* Fail, Protected-Fail */
} mip6tls_gpsk_msg;

/*
 * Decodes the Type-Data td[len] of a GPSK packet. `ml` is the MAC length for GPSK-4 and
 * GPSK-Protected-Fail, which do not name their ciphersuite (the receiver knows it); GPSK-2 and
 * GPSK-3 take it from their CSuite_Sel, and the other messages have no MAC (ml ignored).
 * Returns 0, or MIP6TLS_ERR_TRUNCATED (a field runs past the end), MIP6TLS_ERR_LENGTH (octets
 * after the last field), MIP6TLS_ERR_TYPE (an OP-Code other than 1-6), MIP6TLS_ERR_MALFORMED
 * (a CSuite_List that is empty or not a multiple of 6, a CSuite_Sel this build does not
 * implement, an identity longer than MIP6TLS_GPSK_ID_MAX), MIP6TLS_ERR_ARG (ml 0 or above
 * MIP6TLS_GPSK_KS_MAX where it is needed). On error *m is zeroed.
 */
int mip6tls_gpsk_decode(mip6tls_gpsk_msg *m, const uint8_t *td, size_t len, size_t ml);

/* The session keys of RFC 5433 §4 for one ciphersuite. */
typedef struct {
    uint16_t csuite; /* MIP6TLS_GPSK_CSUITE_* */
    uint8_t ks, ml;  /* key size and MAC length in octets (§6) */
    uint8_t mk[MIP6TLS_GPSK_KS_MAX];
    uint8_t msk[MIP6TLS_GPSK_MSK_LEN];
    uint8_t emsk[MIP6TLS_GPSK_MSK_LEN];
    uint8_t sk[MIP6TLS_GPSK_KS_MAX];
    uint8_t pk[MIP6TLS_GPSK_KS_MAX];
} mip6tls_gpsk_keys;

/* KS and ML of a CSuite/Specifier (vendor 0); 0 when this build does not implement it. */
size_t mip6tls_gpsk_ks(uint16_t csuite);

/*
 * RFC 5433 §4 with the suite's GKDF (§7):
 *   inputString = RAND_Peer || ID_Peer || RAND_Server || ID_Server
 *   MK  = GKDF-KS(PSK[0..KS-1], PL || PSK || CSuite_Sel || inputString)[0..KS-1]
 *   MSK || EMSK || SK || PK = GKDF-{128+2*KS}(MK, inputString)
 * Returns 0, MIP6TLS_ERR_SUITE (csuite not implemented) or MIP6TLS_ERR_KEYLEN (PL < KS, which
 * §2 forbids, or PL > 65535). On error *k is zeroed.
 */
int mip6tls_gpsk_derive(mip6tls_gpsk_keys *k, uint16_t csuite, const uint8_t *psk, size_t psk_len,
                        const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN], const uint8_t *id_peer,
                        size_t id_peer_len, const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *id_server, size_t id_server_len);

/* out[k->ml] = MAC_SK(msg[len]) with the suite's MAC (§8.1.2 AES-CMAC-128, §8.2.2
 * HMAC-SHA256). */
void mip6tls_gpsk_mac(uint8_t *out, const mip6tls_gpsk_keys *k, const uint8_t *msg, size_t len);

/* The GKDF of RFC 5433 §7 alone: out[out_len] = GKDF-out_len(key, z) for `csuite`. Exposed for
 * known-answer tests. Returns 0 or MIP6TLS_ERR_SUITE. */
int mip6tls_gpsk_gkdf(uint8_t *out, size_t out_len, uint16_t csuite, const uint8_t *key,
                      const uint8_t *z, size_t z_len);

/*
 * GPSK message encoders: each writes the Type-Data (OP-Code, then the payload of RFC 5433
 * §9.3) into out[cap] and returns its length, or MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_ARG (an
 * identity longer than MIP6TLS_GPSK_ID_MAX, a CSuite_List not a multiple of 6 or empty).
 * GPSK-2, -3, -4 and Protected-Fail carry an empty PD_Payload_Block and their MAC computed with
 * k->sk; the CSuite_Sel of GPSK-2 and GPSK-3 is k->csuite (vendor 0).
 */
int mip6tls_gpsk_build1(uint8_t *out, size_t cap, const uint8_t *id_server, size_t id_server_len,
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *csuite_list, size_t csuite_list_len);
int mip6tls_gpsk_build2(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                        const uint8_t *id_peer, size_t id_peer_len, const uint8_t *id_server,
                        size_t id_server_len, const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *csuite_list, size_t csuite_list_len);
int mip6tls_gpsk_build3(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                        const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN], const uint8_t *id_server,
                        size_t id_server_len);
int mip6tls_gpsk_build4(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k);
int mip6tls_gpsk_build_fail(uint8_t *out, size_t cap, uint32_t failure);
int mip6tls_gpsk_build_protected_fail(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                                      uint32_t failure);

/* ---- state machines ---------------------------------------------------------------------- */

/* Methods, as a bit mask (configuration). */
#define MIP6TLS_EAP_M_GPSK 0x01u
#define MIP6TLS_EAP_M_MD5 0x02u

/* What a state-machine call produced (positive; errors are negative mip6tls_err). */
typedef enum {
    MIP6TLS_EAP_SEND = 1,      /* out holds the next packet to send */
    MIP6TLS_EAP_SEND_LAST = 2, /* peer: out holds the method's last Response (GPSK-4, MD5) */
    MIP6TLS_EAP_NEED_KEY = 3,  /* server: call mip6tls_eap_server_set_key() or _reject() */
    MIP6TLS_EAP_SUCCESS = 4,   /* the method succeeded (server: send Success via _finish) */
    MIP6TLS_EAP_FAILURE = 5    /* the conversation failed (server: send Failure via _finish) */
} mip6tls_eap_result;

/* Peer configuration. The caller owns it; it must outlive every peer initialised with it. */
typedef struct {
    const uint8_t *key;       /* the EAP-GPSK PSK and the EAP-MD5 secret */
    size_t key_len;           /* 1..65535; GPSK needs at least KS (16 or 32) octets */
    unsigned methods;         /* MIP6TLS_EAP_M_*; 0 means GPSK only. MD5 only when named. */
    const uint8_t *server_id; /* the GPSK ID_Server the peer accepts; NULL: any */
    size_t server_id_len;
} mip6tls_eap_peer_cfg;

/* Peer states, named for what the peer waits for. */
typedef enum {
    MIP6TLS_EAP_PEER_WAIT_REQUEST = 0, /* a Request: Identity, Notification or a method's first */
    MIP6TLS_EAP_PEER_WAIT_GPSK3,       /* GPSK-3 (or GPSK-Fail / -Protected-Fail) after GPSK-2 */
    MIP6TLS_EAP_PEER_WAIT_RESULT,      /* Success or Failure after the method's last Response */
    MIP6TLS_EAP_PEER_WAIT_FAILURE,     /* Failure after replaying a GPSK-Fail (RFC 5433 §10) */
    MIP6TLS_EAP_PEER_SUCCEEDED,        /* done: Success received */
    MIP6TLS_EAP_PEER_FAILED            /* done: Failure received or an error */
} mip6tls_eap_peer_state;

/* The peer. Fields are private. */
typedef struct {
    const mip6tls_eap_peer_cfg *cfg;
    const uint8_t *identity; /* the caller's, outlives the peer */
    size_t identity_len;
    uint8_t state;    /* mip6tls_eap_peer_state */
    uint8_t have_req; /* a Request was answered: last_id is valid */
    uint8_t last_id;  /* Identifier of the last Request answered */
    uint8_t method;   /* EAP Type of the method under way; 0 before the first */
    uint8_t have_keys;
    uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN];
    uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN];
    uint8_t id_server[MIP6TLS_GPSK_ID_MAX];
    uint8_t id_server_len;
    mip6tls_gpsk_keys keys;
} mip6tls_eap_peer;

/* Starts a peer for `identity` (its NAI, at most MIP6TLS_GPSK_ID_MAX octets, caller-owned and
 * outliving the peer), drawing RAND_Peer from `drbg`. Returns 0 or MIP6TLS_ERR_ARG. */
int mip6tls_eap_peer_init(mip6tls_eap_peer *p, const mip6tls_eap_peer_cfg *cfg, mip6tls_drbg *drbg,
                          const uint8_t *identity, size_t identity_len);

/*
 * Processes one packet from the server, pkt[len]. Returns
 *   MIP6TLS_EAP_SEND       out[*out_len] is the Response to send;
 *   MIP6TLS_EAP_SEND_LAST  the same, and it is the method's last Response (GPSK-4 or an
 *                          MD5-Challenge Response): Success or Failure comes next;
 *   MIP6TLS_EAP_SUCCESS    Success after the method completed (the MSK is available after
 *                          GPSK); MIP6TLS_EAP_FAILURE  Failure;
 * or an error: MIP6TLS_ERR_NOBUF (cap below MIP6TLS_EAP_MAX; nothing changed),
 * MIP6TLS_ERR_STATE (the peer has finished; nothing changed), or a decode/drop error for a
 * packet RFC 3748 / RFC 5433 would discard (unexpected, duplicate Identifier, bad MAC, a canned
 * Success, mismatched nonces or identities): the peer is then FAILED.
 */
int mip6tls_eap_peer_input(mip6tls_eap_peer *p, const uint8_t *pkt, size_t len, uint8_t *out,
                           size_t cap, size_t *out_len);

/* The MSK (64 octets) once GPSK-3 verified, else NULL. */
const uint8_t *mip6tls_eap_peer_msk(const mip6tls_eap_peer *p);

mip6tls_eap_peer_state mip6tls_eap_peer_get_state(const mip6tls_eap_peer *p);

/* Wipes the peer (keys included). */
void mip6tls_eap_peer_wipe(mip6tls_eap_peer *p);

/* Server configuration. The caller owns it; it must outlive every server using it. */
typedef struct {
    unsigned methods;         /* MIP6TLS_EAP_M_*; 0 means GPSK only. MD5 only when named. */
    const uint8_t *server_id; /* GPSK ID_Server, 1..MIP6TLS_GPSK_ID_MAX octets */
    size_t server_id_len;     /* (NULL/0: "mip6tls-hac") */
    const uint16_t *csuites;  /* GPSK CSuite_List (vendor 0 specifiers), in order; */
    size_t n_csuites;         /* NULL/0: {2, 1}. At most MIP6TLS_GPSK_CSUITES_MAX. */
} mip6tls_eap_server_cfg;

/* Server states, named for what the server waits for. */
typedef enum {
    MIP6TLS_EAP_SERVER_WAIT_IDENTITY = 0, /* Response/Identity to the Identity Request */
    MIP6TLS_EAP_SERVER_WAIT_METHOD,       /* the first Response of the method (or a Nak) */
    MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY,     /* the caller's PSK to check GPSK-2 */
    MIP6TLS_EAP_SERVER_WAIT_GPSK4,        /* GPSK-4 after GPSK-3 */
    MIP6TLS_EAP_SERVER_WAIT_FAIL_ECHO,    /* the peer's replay of GPSK-Fail (RFC 5433 §10) */
    MIP6TLS_EAP_SERVER_WAIT_MD5_KEY,      /* the caller's secret to check the MD5 Response */
    MIP6TLS_EAP_SERVER_WAIT_FINISH_OK,    /* the method succeeded: _finish() sends the result */
    MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL,  /* the conversation failed: _finish() sends Failure */
    MIP6TLS_EAP_SERVER_DONE               /* Success or Failure was written */
} mip6tls_eap_server_state;

/* The server. Fields are private. */
typedef struct {
    const mip6tls_eap_server_cfg *cfg;
    uint8_t state;     /* mip6tls_eap_server_state */
    uint8_t cur_id;    /* Identifier of the outstanding Request */
    uint8_t resp_id;   /* Identifier of the last Response (Success/Failure copy it) */
    uint8_t method;    /* EAP Type of the method under way */
    uint8_t tried;     /* MIP6TLS_EAP_M_* already offered */
    uint8_t have_keys; /* keys hold a verified GPSK derivation */
    uint8_t peer_id[MIP6TLS_GPSK_ID_MAX];
    uint8_t peer_id_len;
    uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN];
    uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN];
    uint8_t challenge[MIP6TLS_EAP_MD5_CHALLENGE_LEN];
    uint8_t peer_value[MIP6TLS_GPSK_KS_MAX]; /* GPSK-2 MAC or MD5 Value, checked on set_key */
    uint16_t csuite;                         /* CSuite_Sel of GPSK-2 */
    mip6tls_gpsk_keys keys;
} mip6tls_eap_server;

/* Prepares a server, drawing the first Identifier, RAND_Server and the MD5 challenge from
 * `drbg` (the only randomness it uses). Returns 0 or MIP6TLS_ERR_ARG (bad configuration). */
int mip6tls_eap_server_init(mip6tls_eap_server *s, const mip6tls_eap_server_cfg *cfg,
                            mip6tls_drbg *drbg);

/* Starts the conversation with the peer `peer_id` (copied; 1..MIP6TLS_GPSK_ID_MAX octets: the
 * identity its Identity Response and GPSK ID_Peer must carry) and writes the first Request,
 * EAP-Request/Identity (RFC 3748 §5.1), into out. Returns MIP6TLS_EAP_SEND, MIP6TLS_ERR_ARG,
 * MIP6TLS_ERR_NOBUF (cap below MIP6TLS_EAP_MAX) or MIP6TLS_ERR_STATE (already started). */
int mip6tls_eap_server_start(mip6tls_eap_server *s, const uint8_t *peer_id, size_t peer_id_len,
                             uint8_t *out, size_t cap, size_t *out_len);

/*
 * Processes one Response pkt[len]. Returns
 *   MIP6TLS_EAP_SEND      out[*out_len] is the next Request (a method's first Request after
 *                         Identity or after a Nak, GPSK-3 is produced by _set_key);
 *   MIP6TLS_EAP_NEED_KEY  GPSK-2 or an MD5 Response arrived: supply the peer's key;
 *   MIP6TLS_EAP_SUCCESS   GPSK-4 verified: the method succeeded;
 *   MIP6TLS_EAP_FAILURE   the conversation failed (identity mismatch, Nak without an allowed
 *                         alternative, the peer replayed GPSK-Fail): call _finish;
 * or MIP6TLS_ERR_NOBUF / MIP6TLS_ERR_STATE (nothing changed), or a decode/drop error for a
 * Response RFC 3748 / RFC 5433 would discard (wrong Identifier: MIP6TLS_ERR_REPLAY; bad GPSK-4
 * MAC: MIP6TLS_ERR_AUTH; unexpected: MIP6TLS_ERR_TYPE, ...): the server then waits to finish
 * with Failure.
 */
int mip6tls_eap_server_input(mip6tls_eap_server *s, const uint8_t *pkt, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len);

/* In WAIT_GPSK_KEY / WAIT_MD5_KEY: checks the Response with the peer's key. Returns
 * MIP6TLS_EAP_SEND (GPSK-3, or GPSK-Fail "Authentication Failure" when the MAC does not verify
 * or the key is shorter than KS), MIP6TLS_EAP_SUCCESS or MIP6TLS_EAP_FAILURE (MD5), or
 * MIP6TLS_ERR_NOBUF / MIP6TLS_ERR_STATE (nothing changed). The key is not kept. */
int mip6tls_eap_server_set_key(mip6tls_eap_server *s, const uint8_t *key, size_t key_len,
                               uint8_t *out, size_t cap, size_t *out_len);

/* In WAIT_GPSK_KEY / WAIT_MD5_KEY: the peer is unknown. GPSK: MIP6TLS_EAP_SEND with GPSK-Fail
 * "Authentication Failure" (RFC 5433 §10 leaves the choice to policy; this one does not tell
 * unknown users from wrong keys); MD5: MIP6TLS_EAP_FAILURE. Errors as _set_key. */
int mip6tls_eap_server_reject(mip6tls_eap_server *s, uint8_t *out, size_t cap, size_t *out_len);

/* Writes the result: Success when `success` is non-zero and the method succeeded, else Failure
 * (allowed at any time: RFC 3748 §4.2 lets the authenticator deny access after a successful
 * method). Identifier: that of the last Response (RFC 3748 §4.2). Returns the packet length (4),
 * MIP6TLS_ERR_NOBUF, or MIP6TLS_ERR_STATE (already finished, or Success asked for a method that
 * did not succeed). */
int mip6tls_eap_server_finish(mip6tls_eap_server *s, int success, uint8_t *out, size_t cap);

/* The MSK (64 octets) once GPSK-2 verified with the caller's key, else NULL. */
const uint8_t *mip6tls_eap_server_msk(const mip6tls_eap_server *s);

/* The key-lookup kind while waiting for a key: MIP6TLS_EAP_TYPE_GPSK or _MD5, else 0. */
uint8_t mip6tls_eap_server_key_type(const mip6tls_eap_server *s);

mip6tls_eap_server_state mip6tls_eap_server_get_state(const mip6tls_eap_server *s);

/* Wipes the server (keys included). */
void mip6tls_eap_server_wipe(mip6tls_eap_server *s);

#ifdef __cplusplus
}
#endif
#endif
