/*
 * mip6tls/hac.h: the Home Agent Controller role (RFC 6618 §4, §5).
 *
 * The HAC accepts TCP connections from MNs, runs TLS 1.2 as the server (tls.h) and, inside it,
 * the authentication and provisioning exchange (hacp.h). When an MN has authenticated, the HAC
 * provisions an SA: a fresh SPI unique among all the SAs it holds (§4.3 MUST), the four keys
 * from its DRBG, the validity end, the scope and suite the policy picked, and the bootstrap
 * parameters of §5.7. It then emits, in this order:
 *   MIP6TLS_ACT_SA_INSTALL  the encoded SA (sa.h) for the HA(s): the HA has it before the MN
 *                           can send its first Binding Update,
 *   MIP6TLS_ACT_SA_PERSIST  the same bytes for stable storage (a restarted HAC loses nothing:
 *                           mip6tls_hac_restore_sa() reads them back),
 *   MIP6TLS_ACT_TCP_SEND    the final response, then TCP_CLOSE (§5.3).
 * An SA past its validity end is forgotten (MIP6TLS_ACT_SA_FORGET).
 *
 * Everything lives in caller-provided storage (mip6tls_hac_storage): session slots with their
 * TLS buffers, the SA table and its SPI index.
 */
#ifndef MIP6TLS_HAC_H
#define MIP6TLS_HAC_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/hacp.h"
#include "mip6tls/outbox.h"
#include "mip6tls/sa.h"
#include "mip6tls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room one HAC call may need in the outbox: a TLS buffer of records, an SA twice, events. */
#define MIP6TLS_HAC_OUTBOX_MIN (MIP6TLS_TLS_BUFSIZE + 2 * MIP6TLS_SA_ENCODED_MAX + 512)

/* One MN the HAC knows. The table is sorted by NAI (mip6tls_hac_cred_cmp) so lookups are
 * binary searches. */
typedef struct {
    const char *nai;
    size_t nai_len;
    const uint8_t *psk; /* RFC 6618 §5.8 PSK; NULL: the PSK method is refused for this MN */
    size_t psk_len;
    const uint8_t *eap_key; /* EAP-GPSK PSK or EAP-MD5 secret; NULL: no EAP for this MN */
    size_t eap_key_len;
    mip6tls_addr hoa6, hoa4; /* the home addresses this MN gets (§5.7.3); one at least */
} mip6tls_hac_cred;

/* Order of the credential table: by NAI octets, a shorter prefix first. */
int mip6tls_hac_cred_cmp(const mip6tls_hac_cred *a, const mip6tls_hac_cred *b);

typedef struct {
    int64_t unix_offset_ms;              /* wall clock (Unix ms) = now_ms + unix_offset_ms */
    mip6tls_tls_config *tls;             /* a server configuration (certificate, key, cache) */
    const mip6tls_hacp_server_cfg *hacp; /* authentication and suite/scope policy */
    const mip6tls_hac_cred *creds;       /* sorted, see above */
    size_t n_creds;
    uint32_t sa_lifetime_s;      /* validity granted to a new SA; 0: 86400 (one day) */
    uint32_t session_timeout_ms; /* a session that has not finished by then is closed; 0: 30000 */
    /* §5.7 bootstrap parameters sent to every MN (absent: family MIP6TLS_AF_NONE / 0). */
    mip6tls_addr ha6, ha4;
    uint16_t port; /* the HA's service port; 0: not sent (the MN uses 7872, §5.7.2) */
    mip6tls_addr hnp6, hnp4;
    uint8_t hnp6_len, hnp4_len;
    mip6tls_addr dns6[MIP6TLS_SA_DNS_MAX], dns4[MIP6TLS_SA_DNS_MAX];
    uint8_t n_dns6, n_dns4;
} mip6tls_hac_config;

/* One TLS session with an MN. Private. */
typedef struct {
    uint8_t state; /* hac.c's session states */
    uint32_t conn;
    mip6tls_endpoint peer;
    uint64_t deadline;
    uint8_t *iobuf;
    size_t rx_len;
    uint8_t rx[MIP6TLS_HACP_MSG_MAX];
    mip6tls_tls tls;
    mip6tls_hacp_server hacp;
} mip6tls_hac_session;

/* Caller-provided storage. `iobufs` holds n_sessions * MIP6TLS_TLS_BUFSIZE octets;
 * `spi_index` n_index slots, a power of two at least twice n_sas. */
typedef struct {
    mip6tls_hac_session *sessions;
    size_t n_sessions;
    uint8_t *iobufs;
    mip6tls_sa *sas;
    size_t n_sas;
    uint32_t *spi_index;
    size_t n_index;
} mip6tls_hac_storage;

typedef enum {
    MIP6TLS_HAC_EV_SESSION_OPEN = 200, /* conn; remote: the MN's address */
    MIP6TLS_HAC_EV_SESSION_BUSY,       /* no free session slot: the connection was closed */
    MIP6TLS_HAC_EV_TLS_UP,             /* arg: 1 when resumed */
    MIP6TLS_HAC_EV_AUTH_FAILED,        /* arg: status-code sent, or the (negative) error */
    MIP6TLS_HAC_EV_SA_PROVISIONED,     /* conn: the SPI */
    MIP6TLS_HAC_EV_SA_EXPIRED,         /* conn: the SPI */
    MIP6TLS_HAC_EV_SA_RESTORED,        /* conn: the SPI */
    MIP6TLS_HAC_EV_SESSION_CLOSED,     /* arg: 0 clean, else the (negative) reason */
} mip6tls_hac_event;

/* Private fields. */
typedef struct {
    mip6tls_hac_config cfg;
    mip6tls_drbg *drbg;
    mip6tls_hac_storage st;
    size_t n_live;       /* SAs held */
    size_t sweep_cursor; /* the expiry sweep's position in the SA table */
    size_t free_hint;    /* where to look first for a free SA slot */
    uint64_t sweep_at;
} mip6tls_hac;

/* Sets up the HAC. cfg is copied (the tables it points to are not); drbg and the storage must
 * outlive it. Returns 0 or MIP6TLS_ERR_ARG (credentials unsorted, storage sizes wrong, no TLS
 * or policy). */
int mip6tls_hac_init(mip6tls_hac *hac, uint64_t now_ms, const mip6tls_hac_config *cfg,
                     mip6tls_drbg *drbg, const mip6tls_hac_storage *st);

/* Reads back an SA the port persisted (MIP6TLS_ACT_SA_PERSIST data), at start-up, and hands it
 * to the HA again (SA_INSTALL with arg 1: mip6tls_ha_install_action restores it). An SA past
 * its validity end is forgotten instead (SA_FORGET).
 * Returns 0, the mip6tls_sa_decode errors, MIP6TLS_ERR_EXISTS, MIP6TLS_ERR_FULL, _NOBUF. */
int mip6tls_hac_restore_sa(mip6tls_hac *hac, uint64_t now_ms, const uint8_t *rec, size_t len,
                           mip6tls_outbox *ob);

/* TCP: a connection `conn` from `peer` was accepted; bytes arrived; it was closed. Return 0,
 * MIP6TLS_ERR_NOBUF (fewer than MIP6TLS_HAC_OUTBOX_MIN octets free: nothing read) or
 * MIP6TLS_ERR_ARG. A session's own failure is not an error of the call. */
int mip6tls_hac_tcp_accept(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn,
                           const mip6tls_endpoint *peer, mip6tls_outbox *ob);
int mip6tls_hac_tcp_recv(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn, const uint8_t *data,
                         size_t len, mip6tls_outbox *ob);
int mip6tls_hac_tcp_closed(mip6tls_hac *hac, uint64_t now_ms, uint32_t conn, mip6tls_outbox *ob);

/* Session timeouts and the SA expiry sweep (a bounded slice of the table per second). */
uint64_t mip6tls_hac_next_deadline(const mip6tls_hac *hac);
int mip6tls_hac_tick(mip6tls_hac *hac, uint64_t now_ms, mip6tls_outbox *ob);

/* The SA with `spi`, or NULL (a separate HA's query, RFC 6618 §4.3). */
const mip6tls_sa *mip6tls_hac_find_sa(const mip6tls_hac *hac, uint32_t spi);

/* Revokes an SA now (administrative): SA_FORGET. Returns 0 or MIP6TLS_ERR_NOTFOUND. */
int mip6tls_hac_revoke(mip6tls_hac *hac, uint64_t now_ms, uint32_t spi, mip6tls_outbox *ob);

/* SAs held, and sessions open. */
size_t mip6tls_hac_sa_count(const mip6tls_hac *hac);
size_t mip6tls_hac_session_count(const mip6tls_hac *hac);

#ifdef __cplusplus
}
#endif
#endif
