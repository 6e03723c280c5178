/*
 * mip6tls/sa.h: the MN-HA security association as the HAC provisions it (RFC 6618 §4.3,
 * §5.6), with the bootstrap parameters (§4.4, §5.7) that travel with it.
 *
 * One record serves every role: the HAC fills it and persists it, the HA installs it (by
 * value, or fetched by SPI when not co-located), the MN receives it in MHAuth-Done. Time in
 * the record is wall-clock Unix seconds because the HAC sends it as an rfc1123-date (§5.6.3);
 * roles map it onto their monotonic now_ms with a per-context offset (see each role's config).
 */
#ifndef MIP6TLS_SA_H
#define MIP6TLS_SA_H

#include "mip6tls/common.h"
#include "mip6tls/esp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_SA_DNS_MAX 2   /* dns-ip6 / dns-ip4 entries kept per family */
#define MIP6TLS_SA_NAI_MAX 253 /* mn-id octets (RFC 4282 §2.2) */

/* RFC 6618 §5.6.4 security association scope ("mip6-sas"). */
typedef enum {
    MIP6TLS_SAS_SIGNALING = 0, /* the SA protects binding messages only */
    MIP6TLS_SAS_ALL = 1        /* all user data must be protected too: PType 0 is dropped */
} mip6tls_sas;

typedef struct {
    mip6tls_esp_keys keys; /* suite, SPI (§5.6.1), the four keys (§5.6.2) */
    uint64_t validity_end; /* Unix seconds (§5.6.3); the MN must re-bootstrap before it */
    uint8_t scope;         /* mip6tls_sas */

    /* §5.7 bootstrap parameters; an absent address has family MIP6TLS_AF_NONE. */
    mip6tls_addr ha6, ha4;   /* §5.7.1 home agent addresses */
    uint16_t port;           /* §5.7.2 service port; 0 when absent (use 7872) */
    mip6tls_addr hoa6, hoa4; /* §5.7.3 home addresses */
    mip6tls_addr hnp6, hnp4; /* §5.7.3 home network prefixes */
    uint8_t hnp6_len, hnp4_len;
    mip6tls_addr dns6[MIP6TLS_SA_DNS_MAX], dns4[MIP6TLS_SA_DNS_MAX]; /* §5.7.4 */
    uint8_t n_dns6, n_dns4;

    /* Who the SA belongs to (§5.5.1), kept by the HAC for persistence and audits. */
    uint8_t mn_id_len;
    char mn_id[MIP6TLS_SA_NAI_MAX];
} mip6tls_sa;

/* Checks that the record is usable: a known suite with matching key lengths, an SPI in
 * 1..2^28-1, scope 0 or 1, at least one home address, address families that match their
 * fields, prefix lengths in range, DNS counts within bounds, mn_id_len within bounds.
 * Returns 0 or MIP6TLS_ERR_ARG / MIP6TLS_ERR_SUITE / MIP6TLS_ERR_KEYLEN. */
int mip6tls_sa_check(const mip6tls_sa *sa);

/* The port's service port for this SA: sa->port, or 7872 when the HAC sent none (§5.7.2). */
uint16_t mip6tls_sa_port(const mip6tls_sa *sa);

/* Serialized form for persistence (HAC restarts) and for HAC -> HA transfer: a versioned,
 * self-delimiting binary record (docs/decisions/0013-sa-record.md). At most
 * MIP6TLS_SA_ENCODED_MAX octets. */
#define MIP6TLS_SA_ENCODED_MAX 640

/* Writes `sa` (which must pass mip6tls_sa_check) into out[cap]. Returns the length,
 * MIP6TLS_ERR_NOBUF, or the mip6tls_sa_check error. */
int mip6tls_sa_encode(const mip6tls_sa *sa, uint8_t *out, size_t cap);

/* Reads a record written by mip6tls_sa_encode. Total: any bytes give a record that passes
 * mip6tls_sa_check, or an error (MIP6TLS_ERR_TRUNCATED, _VERSION, _LENGTH, _MALFORMED, or the
 * check's error); `sa` is written only on success. */
int mip6tls_sa_decode(mip6tls_sa *sa, const uint8_t *in, size_t len);

#ifdef __cplusplus
}
#endif
#endif
