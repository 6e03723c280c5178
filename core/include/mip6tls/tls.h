/*
 * mip6tls/tls.h: the TLS 1.2 session driver of the MN <-> HAC channel (RFC 6618 §5.8, §9.2).
 *
 * The core owns the BearSSL engine of every session, so both ports run the very same TLS;
 * a port only moves TCP bytes. One mip6tls_tls is one side of one connection: the MN is the
 * client, the HAC the server. Byte interface, no callbacks:
 *
 *   TCP bytes in   -> mip6tls_tls_recv_ct()    (returns how many it took)
 *   TCP end        -> mip6tls_tls_recv_eof()
 *   TCP bytes out  <- mip6tls_tls_send_ct()    (a view; then mip6tls_tls_send_ct_done(n))
 *   plaintext out  -> mip6tls_tls_write_app() + mip6tls_tls_flush()
 *   plaintext in   <- mip6tls_tls_read_app()   (a view; then mip6tls_tls_read_app_done(n))
 *
 * After any call, drain send_ct before feeding more input: the I/O buffer is half-duplex
 * (BearSSL's "mono" mode, enough for a lockstep request/response protocol), so recv_ct takes
 * nothing while output waits, and write_app takes nothing while input is pending.
 *
 * Policy (docs/decisions/0030-tls-driver.md):
 *  - TLS 1.2 only (RFC 6618 §9.2); renegotiation refused both ways (§5.8: "an HAC MUST NOT
 *    allow MNs to renegotiate"): a ClientHello on an open session is answered with a
 *    no_renegotiation warning and ignored.
 *  - Only ECDHE suites with a server certificate (§5.8: the tls-server-end-point channel
 *    binding needs the Certificate message; BearSSL has no PSK or anonymous suites anyway),
 *    AEAD or CBC with HMAC-SHA-256/384: confidentiality and integrity (§9.2). ECDHE gives
 *    forward secrecy, which matters because the tunnel carries the MN-HA keys.
 *  - The server picks X25519 whenever the client offers it (BearSSL's fixed preference
 *    Curve25519, P-256, P-384, P-521), then P-256.
 *  - The client validates the chain against the configured trust anchors at a wall-clock
 *    time the caller gives, and checks the HAC identity (§9.2): a DNS-ID must equal a
 *    subjectAltName dNSName exactly (case-insensitive; no wildcard, no CN-ID); an IP address
 *    must equal a subjectAltName iPAddress, and is not sent as SNI.
 *  - BearSSL never reads the OS clock or randomness: entropy comes from the caller's
 *    mip6tls_drbg, the validation time from the caller, so a run is reproducible bit for bit
 *    from its seeds.
 *  - Mutual TLS (docs/decisions/0032-mutual-tls.md), for a separate HA that asks the HAC for an
 *    SA by SPI (RFC 6618 §4.3): a client may present a certificate chain
 *    (mip6tls_tls_config_client_cert), a server may require one that chains to its trust
 *    anchors (mip6tls_tls_config_client_auth, sessions started with mip6tls_tls_server_init_at)
 *    and reads the authenticated identity with mip6tls_tls_peer_cert(). The MN <-> HAC channel
 *    uses neither: the MN has no certificate (§5.8 authenticates it inside the tunnel).
 *  - Key log (Wireshark): mip6tls_tls_keylog_line() formats the NSS key log line of a session,
 *    and a configuration with mip6tls_tls_config_keylog() on emits it as an event.
 *
 * The driver has no timers: handshake and idle timeouts belong to the MN and HAC machines.
 */
#ifndef MIP6TLS_TLS_H
#define MIP6TLS_TLS_H

#include "mip6tls/cbind.h"
#include "mip6tls/common.h"
#include "mip6tls/cred.h"
#include "mip6tls/drbg.h"
#include "mip6tls/esp.h"
#include "mip6tls/outbox.h"

#include <bearssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The I/O buffer every session needs: one full TLS record plus BearSSL's worst-case overhead
 * (BR_SSL_BUFSIZE_MONO, 16709 octets). */
#define MIP6TLS_TLS_BUFSIZE BR_SSL_BUFSIZE_MONO
/* The smallest buffer accepted (512-octet fragments). A client with a buffer below
 * MIP6TLS_TLS_BUFSIZE asks the server for short records (RFC 6066 max_fragment_length); a
 * server cannot ask, so a server buffer below MIP6TLS_TLS_BUFSIZE fails on long records. */
#define MIP6TLS_TLS_BUFSIZE_MIN (512 + 325)
/* The longest server end-entity certificate the client accepts (it keeps a copy to hash it
 * for the channel binding and to read its subjectAltName). */
#define MIP6TLS_TLS_CERT_MAX 4096
/* Octets per entry of the server's session cache. */
#define MIP6TLS_TLS_CACHE_ENTRY 100
/* The suites the driver can use (mip6tls_tls_config_suites). */
#define MIP6TLS_TLS_MAX_SUITES 10
/* Length of a key log line (mip6tls_tls_keylog_line): "CLIENT_RANDOM ", 64 hex digits, " ",
 * 96 hex digits, "\n". */
#define MIP6TLS_TLS_KEYLOG_LEN 176

/* The event (MIP6TLS_ACT_EVENT `event`, numbered apart from the roles' own) that carries a
 * session's key log line in `data[len]` (MIP6TLS_TLS_KEYLOG_LEN octets, no NUL), `conn` and
 * `remote` being the connection's. Emitted once per session, by
 * mip6tls_tls_send_to_outbox() after the handshake completed, when the configuration has the
 * key log on (mip6tls_tls_config_keylog). SECRET: the line decrypts the session. */
#define MIP6TLS_TLS_EV_KEYLOG 300

typedef enum {
    MIP6TLS_TLS_CLIENT = 1, /* the MN */
    MIP6TLS_TLS_SERVER = 2, /* the HAC */
} mip6tls_tls_role;

/* What a session waits for. */
typedef enum {
    MIP6TLS_TLS_HANDSHAKING = 1, /* the handshake to complete */
    MIP6TLS_TLS_OPEN,            /* nothing: application data flows both ways */
    MIP6TLS_TLS_CLOSING,         /* the peer's close_notify (ours is sent or queued) */
    MIP6TLS_TLS_CLOSED,          /* nothing any more: closed cleanly */
    MIP6TLS_TLS_FAILED,          /* nothing any more: failed (mip6tls_tls_error says why) */
} mip6tls_tls_state;

/*
 * What all sessions of one role share: credentials, suites, implementation choices and (for
 * a server) the session cache and the channel binding of its own certificate. Fill it once
 * with mip6tls_tls_config_client/_server; keep it, and the cred and cache storage it points
 * to, unmoved while sessions use it. Fields are private.
 */
typedef struct {
    uint8_t role;
    uint8_t has_cache;
    uint8_t suites_len;
    uint8_t cb_len;
    uint8_t keylog;              /* emit MIP6TLS_TLS_EV_KEYLOG */
    const mip6tls_cred *cred;    /* our chain and key: a server's; a client's for mutual TLS */
    const mip6tls_cred *anchors; /* the peer's trust anchors: a client's; a server's that
                                  * requires client certificates */
    mip6tls_esp_impl impl;
    const br_ec_impl *iec;
    br_ecdsa_vrfy ecdsa_vrfy;
    br_ecdsa_sign ecdsa_sign;
    br_rsa_pkcs1_vrfy rsa_vrfy;
    br_rsa_pkcs1_sign rsa_sign;
    br_rsa_private rsa_priv;
    uint16_t suites[MIP6TLS_TLS_MAX_SUITES];
    uint8_t cb[MIP6TLS_CBIND_MAX];
    br_ssl_session_cache_lru cache;
} mip6tls_tls_config;

/* The identity the client expects of the server (RFC 6618 §9.2): a DNS name, or, when `dns`
 * is NULL, an IPv6 or IPv4 address (the address the port connects to). */
typedef struct {
    const char *dns; /* NUL-terminated, 1..255 octets, no '*'; or NULL */
    mip6tls_addr ip; /* when dns is NULL: family MIP6TLS_AF_INET6 or MIP6TLS_AF_INET */
} mip6tls_tls_peer;

/*
 * What a client keeps to resume a session in a later connection (one round trip less, see
 * mip6tls_tls_client_init): BearSSL's session parameters, the channel binding of the server
 * certificate seen when the session was made (an abbreviated handshake sends no Certificate,
 * yet RFC 6618 §5.8 needs the binding), and a hash of the server identity it was made for.
 * SECRET: it holds the master secret; store it like a key. Plain data, may be copied.
 */
typedef struct {
    br_ssl_session_parameters params;
    uint8_t cb[MIP6TLS_CBIND_MAX];
    uint8_t cb_len;
    uint8_t peer_hash[32];
} mip6tls_tls_session;

/* What was negotiated. */
typedef struct {
    uint16_t version; /* BR_TLS12 */
    uint16_t suite;   /* TLS cipher suite code */
    uint8_t curve;    /* ECDHE curve (BR_EC_curve25519, BR_EC_secp256r1...), 0 when resumed */
    uint8_t resumed;  /* 1: abbreviated handshake */
} mip6tls_tls_info;

/*
 * One side of one TLS connection. The caller places it (e.g. in the HAC's session table) and
 * must not move or copy it after init: BearSSL keeps pointers into it. Fields are private.
 * sizeof is about 11.5 KB on x86-64 (most of it the X.509 state and the copy of the peer's
 * certificate, which a server uses only when it requires client certificates); add the I/O
 * buffer.
 */
typedef struct {
    union {
        struct {
            br_ssl_client_context ssl;
            mip6tls_addr ip; /* iPAddress identity; family NONE for a DNS-ID */
            uint8_t resume_cb_len;
            uint8_t resume_cb[MIP6TLS_CBIND_MAX];
            uint8_t peer_hash[32];
        } c;
        struct {
            br_ssl_server_context ssl;
            const br_ssl_server_policy_class *policy; /* wrapper noting full handshakes */
            const br_ssl_server_policy_class **inner; /* BearSSL's single-chain policy */
            uint8_t full;                             /* the policy chose: not resumed */
        } s;
    } u;
    /* Validation of the peer's chain: the client's of the server's, a server's of the
     * client's (mutual TLS). */
    struct {
        br_x509_minimal_context minimal;
        const br_x509_class *vt; /* validation wrapper around `minimal` */
        uint32_t ncert;          /* certificates of the chain seen so far */
        uint32_t ee_len;         /* the end-entity certificate's length, octets kept */
        uint32_t ee_got;
        int ee_err;        /* our verdict on the end-entity certificate */
        uint8_t saw_chain; /* the peer sent a Certificate (client: a full handshake) */
        uint8_t ee[MIP6TLS_TLS_CERT_MAX];
    } x;
    const mip6tls_tls_config *cfg;
    uint8_t role;
    uint8_t open;        /* the handshake completed once */
    uint8_t closing;     /* close_notify requested */
    uint8_t eof;         /* the peer closed TCP after our close_notify */
    uint8_t keylog_done; /* MIP6TLS_TLS_EV_KEYLOG emitted */
    uint8_t cb_len;
    uint8_t alert_len;
    uint8_t alert_off;
    uint8_t alert[7]; /* a fatal alert the driver sends after a certificate failure */
    uint8_t cb[MIP6TLS_CBIND_MAX];
    int local_err; /* a failure the driver declared itself (BR_ERR_IO: TCP ended early) */
} mip6tls_tls;

/*
 * Fills a client (MN) configuration: trust anchors from anchors->anchors (at least one), the
 * default suites, and the crypto code in `impl` (copied; NULL: BearSSL's portable code; see
 * docs/decisions/0007-esp-impl.md: the caller detects the CPU once). Returns 0 or
 * MIP6TLS_ERR_ARG (NULL pointer) / MIP6TLS_ERR_MISSING (no anchor).
 */
int mip6tls_tls_config_client(mip6tls_tls_config *cfg, const mip6tls_cred *anchors,
                              const mip6tls_esp_impl *impl);

/*
 * Fills a server (HAC) configuration: the chain and key of `cred` (checked with
 * mip6tls_cred_check), the default suites, `impl` as above, and a session cache in
 * cache[cache_len] (caller-owned; MIP6TLS_TLS_CACHE_ENTRY octets per session; NULL or too
 * small: no resumption). Computes the channel binding of chain[0] once. Returns 0 or
 *   MIP6TLS_ERR_ARG          NULL pointer, or the key is not the certificate's;
 *   MIP6TLS_ERR_MISSING      no chain or no key;
 *   MIP6TLS_ERR_UNSUPPORTED  the certificate's signature has no single hash (RFC 5929 §4.1
 *                            leaves the binding undefined: decisions/0022);
 *   MIP6TLS_ERR_MALFORMED    chain[0] does not decode.
 */
int mip6tls_tls_config_server(mip6tls_tls_config *cfg, mip6tls_cred *cred,
                              const mip6tls_esp_impl *impl, uint8_t *cache, size_t cache_len);

/*
 * Restricts the suites to suites[n] (TLS codes, preference order), each one of the defaults:
 *   ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256        0xC02B 0xC02F
 *   ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256  0xCCA9 0xCCA8
 *   ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384        0xC02C 0xC030
 *   ECDHE_{ECDSA,RSA}_WITH_AES_128_CBC_SHA256        0xC023 0xC027
 *   ECDHE_{ECDSA,RSA}_WITH_AES_256_CBC_SHA384        0xC024 0xC028
 * Returns 0, or MIP6TLS_ERR_SUITE (unknown or repeated code, n = 0 or too many); then the
 * configuration is unchanged. Applies to sessions initialised afterwards.
 */
int mip6tls_tls_config_suites(mip6tls_tls_config *cfg, const uint16_t *suites, size_t n);

/*
 * Mutual TLS, client side: present the chain and key of `cred` (checked with
 * mip6tls_cred_check; EC or RSA) when a server asks for a certificate. The key signs the
 * CertificateVerify only (ECDSA or RSA PKCS#1 v1.5 with SHA-2). `cred` may be the same cred
 * as the trust anchors; keep it unmoved while sessions use it. Returns 0 or
 *   MIP6TLS_ERR_ARG      NULL pointer, not a client configuration, or the key is not the
 *                        certificate's;
 *   MIP6TLS_ERR_MISSING  no chain or no key.
 * An MN configuration never calls this: the MN authenticates inside the tunnel (§5.8).
 */
int mip6tls_tls_config_client_cert(mip6tls_tls_config *cfg, mip6tls_cred *cred);

/*
 * Mutual TLS, server side: every session asks for a client certificate (CertificateRequest
 * naming the anchors' subjects) and fails unless the client sends a chain that validates
 * against anchors->anchors at the session's time (SHA-2 signatures, RSA keys of 2048 bits or
 * more, like the client's checks), whose end-entity certificate allows TLS client use
 * (an extendedKeyUsage, if present, must list id-kp-clientAuth or anyExtendedKeyUsage,
 * RFC 5280 §4.2.1.12), and a CertificateVerify made with its key. Sessions of such a
 * configuration start with mip6tls_tls_server_init_at (validation needs the time) and do not
 * resume sessions: BearSSL's cache would not keep the client's identity, so every handshake
 * is full. The failures, on the server: MIP6TLS_ERR_AUTH with last_error BR_ERR_NO_CLIENT_AUTH
 * (no certificate), BR_ERR_X509_* (e.g. _NOT_TRUSTED, _EXPIRED, _FORBIDDEN_KEY_USAGE) or
 * BR_ERR_BAD_SIGNATURE; the server then sends a fatal alert (handshake_failure, unknown_ca,
 * certificate_expired, unsupported_certificate, bad_certificate, decrypt_error) and the
 * client fails with MIP6TLS_ERR_AUTH too. Returns 0, MIP6TLS_ERR_ARG (NULL pointer, not a
 * server configuration) or MIP6TLS_ERR_MISSING (no anchor).
 */
int mip6tls_tls_config_client_auth(mip6tls_tls_config *cfg, const mip6tls_cred *anchors);

/* Turns the MIP6TLS_TLS_EV_KEYLOG event of sessions of this configuration on (on != 0) or off
 * (the default). For debugging only: the line it carries decrypts the session. */
void mip6tls_tls_config_keylog(mip6tls_tls_config *cfg, int on);

/*
 * Starts a client session towards the server `peer` and queues its ClientHello (send_ct).
 * `rng` gives the session's entropy (32 octets drawn now; BearSSL never reads the OS's).
 * `unix_time` is the wall-clock time (seconds since 1970, UTC) at which certificates must be
 * valid: the core has no clock, so the port passes it. `resume`, if not NULL, is a session
 * from mip6tls_tls_get_session(): it is offered for resumption when it was made for the same
 * peer identity, and ignored otherwise. buf[buf_len] is the I/O buffer (caller-owned, kept
 * unmoved for the session's life; MIP6TLS_TLS_BUFSIZE recommended, at least
 * MIP6TLS_TLS_BUFSIZE_MIN). `cfg` must be a client configuration and outlive the session.
 * Returns 0, or MIP6TLS_ERR_ARG (NULL pointer, bad identity, short buffer, wrong role,
 * unix_time out of range), MIP6TLS_ERR_INTERNAL (BearSSL refused to start).
 */
int mip6tls_tls_client_init(mip6tls_tls *t, const mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                            uint64_t unix_time, const mip6tls_tls_peer *peer,
                            const mip6tls_tls_session *resume, uint8_t *buf, size_t buf_len);

/*
 * Starts a server session that waits for a ClientHello. `cfg` must be a server configuration
 * without client authentication (else MIP6TLS_ERR_ARG: use mip6tls_tls_server_init_at); it is
 * not const because its session cache is shared by all sessions. Other parameters and returns
 * as for mip6tls_tls_client_init.
 */
int mip6tls_tls_server_init(mip6tls_tls *t, mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                            uint8_t *buf, size_t buf_len);

/* The same, with the wall-clock time (seconds since 1970, UTC) at which client certificates
 * must be valid (mip6tls_tls_config_client_auth); any configuration. MIP6TLS_ERR_ARG also for
 * a unix_time out of range. */
int mip6tls_tls_server_init_at(mip6tls_tls *t, mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                               uint64_t unix_time, uint8_t *buf, size_t buf_len);

/*
 * Feeds TCP bytes from the peer. Returns how many it took (0..min(len, INT_MAX)), fewer than
 * len when output must be sent first (drain send_ct, then offer the rest again) or after the
 * session ended; or, when the session fails (now or before), the mip6tls_tls_error() code.
 */
int mip6tls_tls_recv_ct(mip6tls_tls *t, const uint8_t *data, size_t len);

/* The peer closed its TCP direction. After our close_notify this completes a clean close
 * (RFC 5246 §7.2.1 lets the closer go without the reply); otherwise the session fails with
 * MIP6TLS_ERR_TRUNCATED (last_error BR_ERR_IO): an attacker may have cut the stream. */
void mip6tls_tls_recv_eof(mip6tls_tls *t);

/*
 * The TCP bytes to send now: a view of *len octets (NULL and 0 when none), valid until the
 * next call on `t`. Call mip6tls_tls_send_ct_done(t, n) with the n <= *len octets sent.
 * In the FAILED state a client may still have a final alert to send here; send it, then
 * close the connection.
 */
const uint8_t *mip6tls_tls_send_ct(const mip6tls_tls *t, size_t *len);
void mip6tls_tls_send_ct_done(mip6tls_tls *t, size_t n);

/*
 * Queues plaintext (state OPEN). Returns how many octets it took (> 0), or
 * MIP6TLS_ERR_NOBUF when it can take none now (drain send_ct, read pending input, retry),
 * MIP6TLS_ERR_STATE when not OPEN, or the failure code. Octets are sent once a record
 * fills up or on mip6tls_tls_flush().
 */
int mip6tls_tls_write_app(mip6tls_tls *t, const uint8_t *data, size_t len);

/* For the roles (boot.c, hac.c): moves every record send_ct offers into MIP6TLS_ACT_TCP_SEND
 * actions on connection `conn` to `remote`, while the outbox has room (what does not fit stays
 * queued in the session). */
void mip6tls_tls_send_to_outbox(mip6tls_tls *t, uint32_t conn, const mip6tls_endpoint *remote,
                                mip6tls_outbox *ob);

/* Writes all of msg[len] as application data and flushes it, moving records into the outbox
 * as above whenever the session needs room. Returns 0, or the write/flush error. */
int mip6tls_tls_write_all(mip6tls_tls *t, const uint8_t *msg, size_t len, uint32_t conn,
                          const mip6tls_endpoint *remote, mip6tls_outbox *ob);

/* Closes the current record so that send_ct offers it. 0, MIP6TLS_ERR_STATE when not OPEN,
 * or the failure code. */
int mip6tls_tls_flush(mip6tls_tls *t);

/* The plaintext received and not read yet: a view of *len octets (NULL and 0 when none),
 * valid until the next call on `t`. Call mip6tls_tls_read_app_done(t, n) with n <= *len. */
const uint8_t *mip6tls_tls_read_app(const mip6tls_tls *t, size_t *len);
void mip6tls_tls_read_app_done(mip6tls_tls *t, size_t n);

/* Starts a graceful close: queues close_notify (send_ct); unread input is dropped. The
 * state becomes CLOSING, then CLOSED on the peer's close_notify or EOF. Returns 0, or the
 * failure code of a failed session. */
int mip6tls_tls_close(mip6tls_tls *t);

mip6tls_tls_state mip6tls_tls_get_state(const mip6tls_tls *t);

/* Why a FAILED session failed, as a mip6tls_err (0 in every other state). The mapping of
 * BearSSL's codes is mip6tls_tls_map_error(mip6tls_tls_last_error(t)), with one exception: a
 * client that receives handshake_failure after the server's Certificate (the server wanted a
 * client certificate, RFC 5246 §7.4.6) reports MIP6TLS_ERR_AUTH, not MIP6TLS_ERR_SUITE. */
int mip6tls_tls_error(const mip6tls_tls *t);

/* BearSSL's code for the failure (BR_ERR_*, BR_ERR_X509_*, BR_ERR_RECV_FATAL_ALERT + alert,
 * BR_ERR_SEND_FATAL_ALERT + alert), BR_ERR_IO for a stream cut short, 0 if none. The client
 * reports a subjectAltName mismatch (DNS-ID or iPAddress) as BR_ERR_X509_BAD_SERVER_NAME, a
 * peer certificate longer than MIP6TLS_TLS_CERT_MAX as BR_ERR_X509_LIMIT_EXCEEDED (either
 * side), and a server refuses a client certificate not meant for TLS clients as
 * BR_ERR_X509_FORBIDDEN_KEY_USAGE. */
int mip6tls_tls_last_error(const mip6tls_tls *t);

/*
 * Maps a BearSSL code to a mip6tls_err:
 *   0                                              -> 0
 *   BR_ERR_X509_* (32..63): chain, validity, name  -> MIP6TLS_ERR_AUTH
 *   BAD_FINISHED, BAD_SIGNATURE, WRONG_KEY_USAGE,
 *   NO_CLIENT_AUTH                                 -> MIP6TLS_ERR_AUTH
 *   BAD_MAC                                        -> MIP6TLS_ERR_ICV
 *   UNSUPPORTED_VERSION, BAD_VERSION               -> MIP6TLS_ERR_VERSION
 *   BAD_LENGTH, TOO_LARGE                          -> MIP6TLS_ERR_LENGTH
 *   BAD_CIPHER_SUITE, INVALID_ALGORITHM            -> MIP6TLS_ERR_SUITE
 *   IO (the TCP stream ended early)                -> MIP6TLS_ERR_TRUNCATED
 *   BAD_PARAM / BAD_STATE / NO_RANDOM              -> MIP6TLS_ERR_ARG / _STATE / _INTERNAL
 *   every other protocol error                     -> MIP6TLS_ERR_MALFORMED
 *   a fatal alert, received or sent, by alert:
 *     bad_certificate .. access_denied (42-49),
 *     decrypt_error (51)                           -> MIP6TLS_ERR_AUTH
 *     bad_record_mac (20)                          -> MIP6TLS_ERR_ICV
 *     record_overflow (22)                         -> MIP6TLS_ERR_LENGTH
 *     handshake_failure (40),
 *     insufficient_security (71)                   -> MIP6TLS_ERR_SUITE
 *     protocol_version (70)                        -> MIP6TLS_ERR_VERSION
 *     no_renegotiation (100)                       -> MIP6TLS_ERR_POLICY
 *     others                                       -> MIP6TLS_ERR_MALFORMED
 */
int mip6tls_tls_map_error(int br_err);

/*
 * The tls-server-end-point channel binding (RFC 5929 §4.1) of the session, for the
 * RFC 6618 §5.8 `auth`: the hash of the server certificate, computed by the client from the
 * certificate the server sent (or kept with the resumed session) and by the server from its
 * own. Available once the handshake completed. Writes it to out[cap] and returns its length
 * (32 for SHA-256), or MIP6TLS_ERR_STATE (handshake not completed), MIP6TLS_ERR_NOBUF.
 */
int mip6tls_tls_channel_binding(const mip6tls_tls *t, uint8_t *out, size_t cap);

/* What was negotiated; once the handshake completed. 0 or MIP6TLS_ERR_STATE. */
int mip6tls_tls_get_info(mip6tls_tls *t, mip6tls_tls_info *info);

/* Client: the session to resume later (see mip6tls_tls_session). Once the handshake
 * completed; a server that keeps no cache makes it useless but harmless (a full handshake
 * follows). 0 or MIP6TLS_ERR_STATE (not completed, or a server session). */
int mip6tls_tls_get_session(const mip6tls_tls *t, mip6tls_tls_session *out);

/*
 * The peer's end-entity certificate (DER, *len octets) as validated in this handshake: on a
 * server requiring client certificates, the client's (the identity the HAC authorizes, e.g.
 * with mip6tls_tls_cert_match_dns or its SHA-256); on a client, the server's. NULL and 0
 * before the handshake completed, after a resumed handshake (no Certificate message), and on
 * a server that asks for no certificate. Valid while `t` is not initialised again.
 */
const uint8_t *mip6tls_tls_peer_cert(const mip6tls_tls *t, size_t *len);

/* SHA-256 of that certificate (its fingerprint) into out[32]: 32, or MIP6TLS_ERR_STATE when
 * mip6tls_tls_peer_cert() has none. */
int mip6tls_tls_peer_cert_sha256(const mip6tls_tls *t, uint8_t out[32]);

/*
 * The session's line for an NSS key log file (SSLKEYLOGFILE, which Wireshark reads):
 * "CLIENT_RANDOM <client random, 64 hex> <master secret, 96 hex>\n", lower-case hex, the
 * same on both sides of a session. Writes MIP6TLS_TLS_KEYLOG_LEN octets to out[cap], plus a
 * NUL when cap allows, and returns MIP6TLS_TLS_KEYLOG_LEN; or MIP6TLS_ERR_STATE (handshake not
 * completed: it is available from state OPEN on, also after a resumed handshake, whose
 * master secret is the resumed one), MIP6TLS_ERR_NOBUF (cap < MIP6TLS_TLS_KEYLOG_LEN).
 * SECRET: the line decrypts the session; write it only where the operator asked.
 */
int mip6tls_tls_keylog_line(const mip6tls_tls *t, char *out, size_t cap);

/*
 * Identity checks of RFC 6618 §9.2 on a DER certificate, as the client applies them to the
 * server's end-entity certificate: does its subjectAltName hold the iPAddress `ip` (4 or 16
 * octets, by family), or a dNSName equal to `name` (ASCII case-insensitive, exact: a
 * wildcard matches nothing)? The common name is never used. Returns 1 (match), 0 (no match,
 * or no subjectAltName), or MIP6TLS_ERR_MALFORMED (the DER does not parse, or the
 * certificate has two subjectAltName extensions). Total over any input.
 */
int mip6tls_tls_cert_match_ip(const uint8_t *der, size_t len, const mip6tls_addr *ip);
int mip6tls_tls_cert_match_dns(const uint8_t *der, size_t len, const char *name);

/*
 * The index-th (from 0) subjectAltName dNSName of a DER certificate, for logs and access
 * lists: copied to out[cap] with a NUL. Returns its length (1..255), 0 when there is no such
 * name, MIP6TLS_ERR_NOBUF (cap too small), or MIP6TLS_ERR_MALFORMED (as above, or a name
 * that is empty, longer than 255 octets or holds octets outside printable ASCII). Total.
 */
int mip6tls_tls_cert_dns_name(const uint8_t *der, size_t len, size_t index, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
