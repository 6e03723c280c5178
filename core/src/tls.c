/*
 * tls.c: the TLS 1.2 session driver (see tls.h and docs/decisions/0030-tls-driver.md).
 *
 * A thin layer over BearSSL's engine. What it adds:
 *  - a custom BearSSL profile (TLS 1.2, ECDHE suites, no SHA-1 or MD5 signatures, the
 *    caller's AES/GHASH/ChaCha code) instead of the "full" one;
 *  - injected entropy and time only: BearSSL would otherwise try the OS seeder once per
 *    engine (br_ssl_engine_init_rand) and time() for X.509 validity (x509_minimal);
 *  - an X.509 class wrapping br_x509_minimal that also keeps the peer's end-entity
 *    certificate; on the client it checks the RFC 6618 §9.2 identity in its subjectAltName and
 *    hashes it for the RFC 5929 channel binding, on a server requiring client certificates
 *    (mutual TLS, decisions/0032) it checks the certificate is meant for TLS clients;
 *  - a server policy wrapper that notes whether the handshake was full or resumed;
 *  - a fatal alert when the peer's certificate fails (BearSSL stops without one, leaving the
 *    peer waiting for a flight that never comes);
 *  - the NSS key log line of a session, for Wireshark;
 *  - state and error reporting in the core's terms.
 */
#include "mip6tls/tls.h"

#include <limits.h>
#include <string.h>

/* Defaults, in preference order (the server enforces its order): AEAD before CBC, the
 * 128-bit AES-GCM first (AES-NI), ChaCha20 next. All ECDHE, all with a server certificate
 * (RFC 6618 §5.8), all with confidentiality and integrity (§9.2). */
static const uint16_t tls_default_suites[MIP6TLS_TLS_MAX_SUITES] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
};

/* BearSSL counts days from 0000-01-01 (proleptic Gregorian); 1970-01-01 is day 719528. */
#define TLS_UNIX_EPOCH_DAYS 719528u

/* ---- DER walking for the subjectAltName (RFC 5280 §4.1, §4.2.1.6) ------------------- */

/* Reads the TLV at [*p, end): tag, value view; advances *p past it. Single-octet tags and
 * definite lengths of at most 3 octets only; -1 on anything else or on overrun. */
static int tls_der_next(const uint8_t **p, const uint8_t *end, unsigned *tag, const uint8_t **val,
                        size_t *vlen)
{
    const uint8_t *q = *p;
    size_t avail = (size_t)(end - q), len, n, i;

    if (avail < 2 || (q[0] & 0x1f) == 0x1f)
        return -1;
    *tag = q[0];
    if (q[1] < 0x80) {
        len = q[1];
        q += 2;
    } else {
        n = q[1] & 0x7f;
        if (n == 0 || n > 3 || avail - 2 < n)
            return -1;
        len = 0;
        for (i = 0; i < n; i++)
            len = len << 8 | q[2 + i];
        q += 2 + n;
    }
    if (len > (size_t)(end - q))
        return -1;
    *val = q;
    *vlen = len;
    *p = q + len;
    return 0;
}

static const uint8_t tls_oid_san[] = {0x55, 0x1d, 0x11}; /* id-ce-subjectAltName 2.5.29.17 */
static const uint8_t tls_oid_eku[] = {0x55, 0x1d, 0x25}; /* id-ce-extKeyUsage 2.5.29.37 */

/* Finds the value of the extension with extnID want[want_len] in a DER certificate, when it is a
 * SEQUENCE (GeneralNames for the subjectAltName, KeyPurposeIds for the extendedKeyUsage): 1 and
 * a view of the SEQUENCE's contents, 0 when there is no such extension, -1 when the DER is
 * broken or the extension appears twice (RFC 5280 §4.2: at most one instance). */
static int tls_find_ext(const uint8_t *der, size_t len, const uint8_t *want, size_t want_len,
                        const uint8_t **out, size_t *out_len)
{
    const uint8_t *p = der, *end = der + len, *v, *tbs_end, *x, *x_end;
    unsigned tag;
    size_t vl;
    int found = 0;

    if (tls_der_next(&p, end, &tag, &v, &vl) != 0 || tag != 0x30) /* Certificate */
        return -1;
    p = v;
    end = v + vl;
    if (tls_der_next(&p, end, &tag, &v, &vl) != 0 || tag != 0x30) /* TBSCertificate */
        return -1;
    p = v;
    tbs_end = v + vl;
    while (p < tbs_end) {
        if (tls_der_next(&p, tbs_end, &tag, &v, &vl) != 0)
            return -1;
        if (tag != 0xa3) /* [3] EXPLICIT Extensions; the other fields do not matter here */
            continue;
        x = v;
        x_end = v + vl;
        if (tls_der_next(&x, x_end, &tag, &v, &vl) != 0 || tag != 0x30 || x != x_end)
            return -1;
        x = v;
        x_end = v + vl;
        while (x < x_end) { /* Extension ::= SEQUENCE { extnID, critical, extnValue } */
            const uint8_t *e, *e_end, *oid, *val = NULL;
            size_t oid_len, val_len = 0;
            if (tls_der_next(&x, x_end, &tag, &e, &vl) != 0 || tag != 0x30)
                return -1;
            e_end = e + vl;
            if (tls_der_next(&e, e_end, &tag, &oid, &oid_len) != 0 || tag != 0x06)
                return -1;
            while (e < e_end) {
                if (tls_der_next(&e, e_end, &tag, &v, &vl) != 0)
                    return -1;
                if (tag == 0x04) {
                    val = v;
                    val_len = vl;
                }
            }
            if (val == NULL)
                return -1;
            if (oid_len != want_len || memcmp(oid, want, want_len) != 0)
                continue;
            if (found)
                return -1;
            found = 1;
            e = val;
            if (tls_der_next(&e, val + val_len, &tag, &v, &vl) != 0 || tag != 0x30 ||
                e != val + val_len)
                return -1;
            *out = v;
            *out_len = vl;
        }
    }
    return found;
}

static int tls_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* Does the subjectAltName hold a GeneralName [tag] equal to want[want_len]? */
static int tls_san_match(const uint8_t *der, size_t len, unsigned gn_tag, const uint8_t *want,
                         size_t want_len, int icase)
{
    const uint8_t *san, *p, *end, *v;
    size_t san_len, vl, i;
    unsigned tag;
    int r = tls_find_ext(der, len, tls_oid_san, sizeof tls_oid_san, &san, &san_len), match = 0;

    if (r <= 0)
        return r < 0 ? MIP6TLS_ERR_MALFORMED : 0;
    p = san;
    end = san + san_len;
    while (p < end) {
        if (tls_der_next(&p, end, &tag, &v, &vl) != 0)
            return MIP6TLS_ERR_MALFORMED;
        if (tag != gn_tag || vl != want_len)
            continue;
        for (i = 0; i < vl; i++) {
            int a = icase ? tls_lower(v[i]) : v[i], b = icase ? tls_lower(want[i]) : want[i];
            if (a != b)
                break;
        }
        if (i == vl)
            match = 1;
    }
    return match;
}

int mip6tls_tls_cert_match_ip(const uint8_t *der, size_t len, const mip6tls_addr *ip)
{
    size_t n;
    if (der == NULL || ip == NULL)
        return MIP6TLS_ERR_MALFORMED;
    if (ip->family == MIP6TLS_AF_INET6)
        n = 16;
    else if (ip->family == MIP6TLS_AF_INET)
        n = 4;
    else
        return 0;
    return tls_san_match(der, len, 0x87, ip->bytes, n, 0); /* iPAddress [7] OCTET STRING */
}

int mip6tls_tls_cert_match_dns(const uint8_t *der, size_t len, const char *name)
{
    size_t n = 0;
    if (der == NULL || name == NULL)
        return MIP6TLS_ERR_MALFORMED;
    while (n < 256 && name[n] != 0)
        n++;
    if (n == 0 || n > 255)
        return 0;
    /* dNSName [2] IA5String; an exact comparison, so "*.example.com" matches no reference
     * identifier (RFC 6618 §9.2: HAC names MUST NOT contain "*"). */
    return tls_san_match(der, len, 0x82, (const uint8_t *)name, n, 1);
}

int mip6tls_tls_cert_dns_name(const uint8_t *der, size_t len, size_t index, char *out, size_t cap)
{
    const uint8_t *san, *p, *end, *v;
    size_t san_len, vl, i;
    unsigned tag;
    int r;

    if (der == NULL)
        return MIP6TLS_ERR_MALFORMED;
    r = tls_find_ext(der, len, tls_oid_san, sizeof tls_oid_san, &san, &san_len);
    if (r <= 0)
        return r < 0 ? MIP6TLS_ERR_MALFORMED : 0;
    p = san;
    end = san + san_len;
    while (p < end) {
        if (tls_der_next(&p, end, &tag, &v, &vl) != 0)
            return MIP6TLS_ERR_MALFORMED;
        if (tag != 0x82) /* dNSName [2] IA5String */
            continue;
        if (index-- > 0)
            continue;
        if (vl == 0 || vl > 255)
            return MIP6TLS_ERR_MALFORMED;
        for (i = 0; i < vl; i++)
            if (v[i] < 0x21 || v[i] > 0x7e) /* a log line must not be forged through it */
                return MIP6TLS_ERR_MALFORMED;
        if (out == NULL || cap <= vl)
            return MIP6TLS_ERR_NOBUF;
        memcpy(out, v, vl);
        out[vl] = 0;
        return (int)vl;
    }
    return 0;
}

/* Is a certificate meant for TLS clients? RFC 5280 §4.2.1.12: with an extendedKeyUsage, only
 * for the purposes it lists; id-kp-clientAuth (1.3.6.1.5.5.7.3.2) or anyExtendedKeyUsage
 * (2.5.29.37.0) make it one. Without the extension, any use is allowed. 1 yes, 0 no, -1 the
 * DER is broken. */
static int tls_eku_client_ok(const uint8_t *der, size_t len)
{
    static const uint8_t client_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
    static const uint8_t any_eku[] = {0x55, 0x1d, 0x25, 0x00};
    const uint8_t *eku, *p, *end, *v;
    size_t eku_len, vl;
    unsigned tag;
    int r = tls_find_ext(der, len, tls_oid_eku, sizeof tls_oid_eku, &eku, &eku_len), ok = 0;

    if (r <= 0)
        return r < 0 ? -1 : 1;
    p = eku;
    end = eku + eku_len;
    while (p < end) {
        if (tls_der_next(&p, end, &tag, &v, &vl) != 0 || tag != 0x06)
            return -1;
        if ((vl == sizeof client_auth && memcmp(v, client_auth, vl) == 0) ||
            (vl == sizeof any_eku && memcmp(v, any_eku, vl) == 0))
            ok = 1;
    }
    return ok;
}

/* ---- errors ----------------------------------------------------------------------------- */

static int tls_map_alert(int alert)
{
    switch (alert) {
    case BR_ALERT_BAD_CERTIFICATE:
    case BR_ALERT_UNSUPPORTED_CERTIFICATE:
    case BR_ALERT_CERTIFICATE_REVOKED:
    case BR_ALERT_CERTIFICATE_EXPIRED:
    case BR_ALERT_CERTIFICATE_UNKNOWN:
    case BR_ALERT_ILLEGAL_PARAMETER:
    case BR_ALERT_UNKNOWN_CA:
    case BR_ALERT_ACCESS_DENIED:
    case BR_ALERT_DECRYPT_ERROR: return MIP6TLS_ERR_AUTH;
    case BR_ALERT_BAD_RECORD_MAC: return MIP6TLS_ERR_ICV;
    case BR_ALERT_RECORD_OVERFLOW: return MIP6TLS_ERR_LENGTH;
    case BR_ALERT_HANDSHAKE_FAILURE:
    case BR_ALERT_INSUFFICIENT_SECURITY: return MIP6TLS_ERR_SUITE;
    case BR_ALERT_PROTOCOL_VERSION: return MIP6TLS_ERR_VERSION;
    case BR_ALERT_NO_RENEGOTIATION: return MIP6TLS_ERR_POLICY;
    default: return MIP6TLS_ERR_MALFORMED;
    }
}

int mip6tls_tls_map_error(int br_err)
{
    if (br_err == BR_ERR_OK)
        return 0;
    if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT + 256)
        return tls_map_alert(br_err & 0xff);
    if (br_err >= BR_ERR_X509_OK && br_err < 64)
        return MIP6TLS_ERR_AUTH;
    switch (br_err) {
    case BR_ERR_BAD_PARAM: return MIP6TLS_ERR_ARG;
    case BR_ERR_BAD_STATE: return MIP6TLS_ERR_STATE;
    case BR_ERR_NO_RANDOM: return MIP6TLS_ERR_INTERNAL;
    case BR_ERR_UNSUPPORTED_VERSION:
    case BR_ERR_BAD_VERSION: return MIP6TLS_ERR_VERSION;
    case BR_ERR_BAD_LENGTH:
    case BR_ERR_TOO_LARGE: return MIP6TLS_ERR_LENGTH;
    case BR_ERR_BAD_MAC: return MIP6TLS_ERR_ICV;
    case BR_ERR_BAD_CIPHER_SUITE:
    case BR_ERR_INVALID_ALGORITHM: return MIP6TLS_ERR_SUITE;
    case BR_ERR_BAD_FINISHED:
    case BR_ERR_BAD_SIGNATURE:
    case BR_ERR_WRONG_KEY_USAGE:
    case BR_ERR_NO_CLIENT_AUTH: return MIP6TLS_ERR_AUTH;
    case BR_ERR_IO: return MIP6TLS_ERR_TRUNCATED;
    default: return MIP6TLS_ERR_MALFORMED;
    }
}

/* ---- helpers ---------------------------------------------------------------------------- */

static br_ssl_engine_context *tls_eng(mip6tls_tls *t)
{
    return t->role == MIP6TLS_TLS_CLIENT ? &t->u.c.ssl.eng : &t->u.s.ssl.eng;
}

static const br_ssl_engine_context *tls_ceng(const mip6tls_tls *t)
{
    return t->role == MIP6TLS_TLS_CLIENT ? &t->u.c.ssl.eng : &t->u.s.ssl.eng;
}

static int tls_engine_closed(const mip6tls_tls *t)
{
    return br_ssl_engine_current_state(tls_ceng(t)) == BR_SSL_CLOSED;
}

/* The hash a saved session carries of the identity it was made for. */
static void tls_peer_hash(const mip6tls_tls_peer *peer, uint8_t out[32])
{
    br_sha256_context h;
    uint8_t kind;
    br_sha256_init(&h);
    br_sha256_update(&h, "mip6tls tls peer", 16);
    if (peer->dns != NULL) {
        size_t n = 0;
        kind = 'D';
        br_sha256_update(&h, &kind, 1);
        while (peer->dns[n] != 0) {
            uint8_t ch = (uint8_t)tls_lower((unsigned char)peer->dns[n++]);
            br_sha256_update(&h, &ch, 1);
        }
    } else {
        kind = peer->ip.family;
        br_sha256_update(&h, &kind, 1);
        br_sha256_update(&h, peer->ip.bytes, sizeof peer->ip.bytes);
    }
    br_sha256_out(&h, out);
}

/* The alert the client sends when the server certificate fails, or a server when the client's
 * does (RFC 5246 §7.2.2). */
static uint8_t tls_x509_alert(int err)
{
    switch (err) {
    case BR_ERR_X509_EXPIRED: return BR_ALERT_CERTIFICATE_EXPIRED;
    case BR_ERR_X509_NOT_TRUSTED: return BR_ALERT_UNKNOWN_CA;
    case BR_ERR_X509_UNSUPPORTED:
    case BR_ERR_X509_WRONG_KEY_TYPE:
    case BR_ERR_X509_WEAK_PUBLIC_KEY:
    case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
    case BR_ERR_X509_LIMIT_EXCEEDED: return BR_ALERT_UNSUPPORTED_CERTIFICATE;
    default: return BR_ALERT_BAD_CERTIFICATE;
    }
}

/* The fatal alert the driver sends itself for a failure BearSSL ends without one, or 0. Only
 * failures that happen while our records are still plaintext qualify: the client's with the
 * server's certificate (between its ClientHello and its key exchange), and a server's with
 * the client's certificate or CertificateVerify (mutual TLS: before its ChangeCipherSpec; such
 * a server never resumes, so its ChangeCipherSpec always comes after the client's flight). */
static uint8_t tls_fail_alert(const mip6tls_tls *t, int err)
{
    if (t->open || t->alert_len != 0)
        return 0;
    if (err >= BR_ERR_X509_OK && err < 64)
        return tls_x509_alert(err);
    if (t->role != MIP6TLS_TLS_SERVER || t->cfg->anchors == NULL)
        return 0;
    switch (err) {
    /* RFC 5246 §7.4.6: a server that insists on a certificate answers none with
     * handshake_failure. */
    case BR_ERR_NO_CLIENT_AUTH: return BR_ALERT_HANDSHAKE_FAILURE;
    case BR_ERR_WRONG_KEY_USAGE: return BR_ALERT_UNSUPPORTED_CERTIFICATE;
    case BR_ERR_BAD_SIGNATURE: return BR_ALERT_DECRYPT_ERROR; /* §7.2.2 */
    default: return 0;
    }
}

/* Called after every step of the engine: notices the end of the handshake and failures. */
static void tls_update(mip6tls_tls *t)
{
    br_ssl_engine_context *eng = tls_eng(t);
    unsigned st = br_ssl_engine_current_state(eng);

    if (st == BR_SSL_CLOSED) {
        uint8_t alert = tls_fail_alert(t, br_ssl_engine_last_error(eng));
        if (alert != 0) {
            /* ContentType alert(21), TLS 1.2, length 2, level fatal(2): a plaintext record
             * (RFC 5246 §6.2.1, §7.2) tells the peer why. */
            static const uint8_t hdr[6] = {21, 0x03, 0x03, 0x00, 0x02, 0x02};
            memcpy(t->alert, hdr, sizeof hdr);
            t->alert[6] = alert;
            t->alert_len = 7;
            t->alert_off = 0;
        }
        return;
    }
    if (t->open || !(st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
        return;
    /* The handshake just completed (BearSSL lets application data through only then). */
    t->open = 1;
    if (t->role == MIP6TLS_TLS_SERVER) {
        memcpy(t->cb, t->cfg->cb, t->cfg->cb_len);
        t->cb_len = t->cfg->cb_len;
    } else if (!t->x.saw_chain) {
        /* Abbreviated handshake: no Certificate message; the binding is the one of the
         * certificate validated when the session was made (kept with it). */
        memcpy(t->cb, t->u.c.resume_cb, t->u.c.resume_cb_len);
        t->cb_len = t->u.c.resume_cb_len;
    }
}

static int tls_fail_code(const mip6tls_tls *t)
{
    int e = mip6tls_tls_error(t);
    return e != 0 ? e : MIP6TLS_ERR_STATE;
}

/* ---- the X.509 wrapper (the peer's chain) ---------------------------------------------- */

static mip6tls_tls *tls_from_x509(const br_x509_class **ctx)
{
    return (mip6tls_tls *)(void *)((char *)ctx - offsetof(mip6tls_tls, x.vt));
}

static void tls_x509_start_chain(const br_x509_class **ctx, const char *server_name)
{
    mip6tls_tls *t = tls_from_x509(ctx);
    t->x.ncert = 0;
    t->x.ee_len = 0;
    t->x.ee_got = 0;
    t->x.ee_err = 0;
    t->x.saw_chain = 1;
    if (t->role == MIP6TLS_TLS_CLIENT)
        t->cb_len = 0;
    /* A server's engine passes no name (BearSSL checks none in a client certificate). */
    t->x.minimal.vtable->start_chain(&t->x.minimal.vtable, server_name);
}

static void tls_x509_start_cert(const br_x509_class **ctx, uint32_t length)
{
    mip6tls_tls *t = tls_from_x509(ctx);
    if (t->x.ncert == 0) {
        t->x.ee_len = length;
        if (length > MIP6TLS_TLS_CERT_MAX)
            t->x.ee_err = BR_ERR_X509_LIMIT_EXCEEDED;
    }
    t->x.minimal.vtable->start_cert(&t->x.minimal.vtable, length);
}

static void tls_x509_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    mip6tls_tls *t = tls_from_x509(ctx);
    if (t->x.ncert == 0 && t->x.ee_err == 0) {
        if (len > MIP6TLS_TLS_CERT_MAX - t->x.ee_got) {
            t->x.ee_err = BR_ERR_X509_LIMIT_EXCEEDED;
        } else {
            memcpy(t->x.ee + t->x.ee_got, buf, len);
            t->x.ee_got += (uint32_t)len;
        }
    }
    t->x.minimal.vtable->append(&t->x.minimal.vtable, buf, len);
}

/* Client: the RFC 6618 §9.2 identity and the RFC 5929 §4.1 binding of the server's
 * end-entity certificate. Server (mutual TLS): the client's certificate must be one for TLS
 * clients. A broken certificate fails here too, but BearSSL's own verdict (end_chain) is
 * reported first. */
static void tls_check_ee(mip6tls_tls *t)
{
    const uint8_t *der = t->x.ee;
    size_t len = t->x.ee_got;
    int r;

    if (t->role == MIP6TLS_TLS_SERVER) {
        r = tls_eku_client_ok(der, len);
        if (r != 1)
            t->x.ee_err = r < 0 ? BR_ERR_X509_INVALID_VALUE : BR_ERR_X509_FORBIDDEN_KEY_USAGE;
        return;
    }
    if (t->u.c.ip.family != MIP6TLS_AF_NONE)
        r = mip6tls_tls_cert_match_ip(der, len, &t->u.c.ip);
    else
        r = mip6tls_tls_cert_match_dns(der, len, br_ssl_engine_get_server_name(&t->u.c.ssl.eng));
    if (r != 1) {
        t->x.ee_err = BR_ERR_X509_BAD_SERVER_NAME;
        return;
    }
    r = mip6tls_cbind_server_end_point(der, len, t->cb, sizeof t->cb);
    if (r < 0) {
        t->x.ee_err =
            r == MIP6TLS_ERR_UNSUPPORTED ? BR_ERR_X509_UNSUPPORTED : BR_ERR_X509_INVALID_VALUE;
        return;
    }
    t->cb_len = (uint8_t)r;
}

static void tls_x509_end_cert(const br_x509_class **ctx)
{
    mip6tls_tls *t = tls_from_x509(ctx);
    if (t->x.ncert == 0 && t->x.ee_err == 0)
        tls_check_ee(t);
    t->x.ncert++;
    t->x.minimal.vtable->end_cert(&t->x.minimal.vtable);
}

static unsigned tls_x509_end_chain(const br_x509_class **ctx)
{
    mip6tls_tls *t = tls_from_x509(ctx);
    unsigned r = t->x.minimal.vtable->end_chain(&t->x.minimal.vtable);
    if (r != 0)
        return r; /* untrusted, expired, undecodable...: BearSSL's verdict first */
    if (t->x.ncert == 0)
        return BR_ERR_X509_EMPTY_CHAIN;
    return (unsigned)t->x.ee_err;
}

static const br_x509_pkey *tls_x509_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    const mip6tls_tls *t =
        (const mip6tls_tls *)(const void *)((const char *)ctx - offsetof(mip6tls_tls, x.vt));
    return t->x.minimal.vtable->get_pkey(&t->x.minimal.vtable, usages);
}

static const br_x509_class tls_x509_vtable = {
    sizeof(const br_x509_class *),
    tls_x509_start_chain,
    tls_x509_start_cert,
    tls_x509_append,
    tls_x509_end_cert,
    tls_x509_end_chain,
    tls_x509_get_pkey,
};

/* Chain validation of the peer: BearSSL's minimal engine over `anchors`, SHA-2 signatures
 * only, RSA keys of at least 2048 bits, and the caller's time (days since 0000-01-01,
 * seconds), never time(). */
static void tls_x509_setup(mip6tls_tls *t, const mip6tls_cred *anchors, uint32_t days,
                           uint32_t secs)
{
    const mip6tls_tls_config *cfg = t->cfg;
    br_x509_minimal_context *xc = &t->x.minimal;
    br_x509_minimal_init(xc, &br_sha256_vtable, anchors->anchors, anchors->anchors_len);
    br_x509_minimal_set_hash(xc, br_sha224_ID, &br_sha224_vtable);
    br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
    br_x509_minimal_set_rsa(xc, cfg->rsa_vrfy);
    br_x509_minimal_set_ecdsa(xc, cfg->iec, cfg->ecdsa_vrfy);
    br_x509_minimal_set_minrsa(xc, 256);
    br_x509_minimal_set_time(xc, days, secs);
    t->x.vt = &tls_x509_vtable;
}

/* ---- the policy wrapper (server) ------------------------------------------------------ */

static mip6tls_tls *tls_from_policy(const br_ssl_server_policy_class **pctx)
{
    return (mip6tls_tls *)(void *)((char *)pctx - offsetof(mip6tls_tls, u.s.policy));
}

/* BearSSL asks the policy only in a full handshake (ssl_hs_server: resumption skips it). */
static int tls_policy_choose(const br_ssl_server_policy_class **pctx,
                             const br_ssl_server_context *cc, br_ssl_server_choices *choices)
{
    mip6tls_tls *t = tls_from_policy(pctx);
    t->u.s.full = 1;
    return (*t->u.s.inner)->choose(t->u.s.inner, cc, choices);
}

static uint32_t tls_policy_do_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data,
                                   size_t *len)
{
    mip6tls_tls *t = tls_from_policy(pctx);
    return (*t->u.s.inner)->do_keyx(t->u.s.inner, data, len);
}

static size_t tls_policy_do_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id,
                                 unsigned char *data, size_t hv_len, size_t len)
{
    mip6tls_tls *t = tls_from_policy(pctx);
    return (*t->u.s.inner)->do_sign(t->u.s.inner, algo_id, data, hv_len, len);
}

static const br_ssl_server_policy_class tls_policy_vtable = {
    sizeof(const br_ssl_server_policy_class *),
    tls_policy_choose,
    tls_policy_do_keyx,
    tls_policy_do_sign,
};

/* ---- configuration ---------------------------------------------------------------------- */

static void tls_config_common(mip6tls_tls_config *cfg, const mip6tls_esp_impl *impl)
{
    memset(cfg, 0, sizeof *cfg);
    if (impl != NULL)
        cfg->impl = *impl;
    else
        mip6tls_esp_impl_portable(&cfg->impl);
    /* Public-key code: chosen at BearSSL's build time, no CPUID involved. br_ec_get_default
     * covers P-256/384/521 and Curve25519. */
    cfg->iec = br_ec_get_default();
    cfg->ecdsa_vrfy = br_ecdsa_vrfy_asn1_get_default();
    cfg->ecdsa_sign = br_ecdsa_sign_asn1_get_default();
    cfg->rsa_vrfy = br_rsa_pkcs1_vrfy_get_default();
    cfg->rsa_sign = br_rsa_pkcs1_sign_get_default();
    cfg->rsa_priv = br_rsa_private_get_default();
    memcpy(cfg->suites, tls_default_suites, sizeof tls_default_suites);
    cfg->suites_len = MIP6TLS_TLS_MAX_SUITES;
}

int mip6tls_tls_config_client(mip6tls_tls_config *cfg, const mip6tls_cred *anchors,
                              const mip6tls_esp_impl *impl)
{
    if (cfg == NULL || anchors == NULL)
        return MIP6TLS_ERR_ARG;
    if (anchors->anchors_len == 0)
        return MIP6TLS_ERR_MISSING;
    tls_config_common(cfg, impl);
    cfg->role = MIP6TLS_TLS_CLIENT;
    cfg->anchors = anchors;
    return 0;
}

int mip6tls_tls_config_server(mip6tls_tls_config *cfg, mip6tls_cred *cred,
                              const mip6tls_esp_impl *impl, uint8_t *cache, size_t cache_len)
{
    uint8_t cb[MIP6TLS_CBIND_MAX];
    int r;
    if (cfg == NULL || cred == NULL)
        return MIP6TLS_ERR_ARG;
    r = mip6tls_cred_check(cred);
    if (r != 0)
        return r;
    /* RFC 6618 §5.8 cannot run without the binding: refuse such a certificate now. */
    r = mip6tls_cbind_server_end_point(cred->chain[0].data, cred->chain[0].data_len, cb, sizeof cb);
    if (r < 0)
        return r;
    tls_config_common(cfg, impl);
    cfg->role = MIP6TLS_TLS_SERVER;
    cfg->cred = cred;
    memcpy(cfg->cb, cb, (size_t)r);
    cfg->cb_len = (uint8_t)r;
    if (cache != NULL && cache_len >= MIP6TLS_TLS_CACHE_ENTRY) {
        br_ssl_session_cache_lru_init(&cfg->cache, cache, cache_len);
        cfg->has_cache = 1;
    }
    return 0;
}

int mip6tls_tls_config_client_cert(mip6tls_tls_config *cfg, mip6tls_cred *cred)
{
    int r;
    if (cfg == NULL || cred == NULL || cfg->role != MIP6TLS_TLS_CLIENT)
        return MIP6TLS_ERR_ARG;
    r = mip6tls_cred_check(cred);
    if (r != 0)
        return r;
    cfg->cred = cred;
    return 0;
}

int mip6tls_tls_config_client_auth(mip6tls_tls_config *cfg, const mip6tls_cred *anchors)
{
    if (cfg == NULL || anchors == NULL || cfg->role != MIP6TLS_TLS_SERVER)
        return MIP6TLS_ERR_ARG;
    if (anchors->anchors_len == 0)
        return MIP6TLS_ERR_MISSING;
    cfg->anchors = anchors;
    return 0;
}

void mip6tls_tls_config_keylog(mip6tls_tls_config *cfg, int on)
{
    if (cfg != NULL)
        cfg->keylog = on != 0;
}

int mip6tls_tls_config_suites(mip6tls_tls_config *cfg, const uint16_t *suites, size_t n)
{
    size_t i, j;
    if (cfg == NULL || suites == NULL || n == 0 || n > MIP6TLS_TLS_MAX_SUITES)
        return MIP6TLS_ERR_SUITE;
    for (i = 0; i < n; i++) {
        for (j = 0; j < MIP6TLS_TLS_MAX_SUITES && tls_default_suites[j] != suites[i]; j++)
            ;
        if (j == MIP6TLS_TLS_MAX_SUITES)
            return MIP6TLS_ERR_SUITE;
        for (j = 0; j < i; j++)
            if (suites[j] == suites[i])
                return MIP6TLS_ERR_SUITE;
    }
    memcpy(cfg->suites, suites, n * sizeof *suites);
    cfg->suites_len = (uint8_t)n;
    return 0;
}

/* ---- session set-up ------------------------------------------------------------------- */

/* The profile both roles share (after br_ssl_*_zero). */
static void tls_engine_profile(br_ssl_engine_context *eng, const mip6tls_tls_config *cfg,
                               uint32_t flags)
{
    const mip6tls_esp_impl *im = &cfg->impl;

    br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12); /* RFC 6618 §9.2 */
    br_ssl_engine_set_suites(eng, cfg->suites, cfg->suites_len);
    /* TLS 1.2 PRFs, handshake hashes and the signature hashes we offer and accept: SHA-2
     * only. No MD5 or SHA-1: neither TLS 1.2 nor these suites need them. */
    br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
    br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
    br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
    br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_aes_cbc(eng, im->aes_cbcenc, im->aes_cbcdec);
    br_ssl_engine_set_cbc(eng, &br_sslrec_in_cbc_vtable, &br_sslrec_out_cbc_vtable);
    br_ssl_engine_set_aes_ctr(eng, im->aes_ctr);
    br_ssl_engine_set_ghash(eng, im->ghash);
    br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
    br_ssl_engine_set_chacha20(eng, im->chacha20);
    br_ssl_engine_set_poly1305(eng, im->poly1305);
    br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable, &br_sslrec_out_chapol_vtable);
    br_ssl_engine_set_ec(eng, cfg->iec);
    br_ssl_engine_set_all_flags(eng, flags);
}

/* Seeds the engine's HMAC_DRBG from the caller's DRBG only. BearSSL's engine tries the OS
 * seeder once unless rng_os_rand_done is set (ssl_engine.c, br_ssl_engine_init_rand): set it,
 * so that no OS randomness (getentropy, /dev/urandom, RDRAND) is ever mixed in and a
 * simulation replays bit for bit from its seeds. */
static void tls_seed(br_ssl_engine_context *eng, mip6tls_drbg *rng)
{
    uint8_t seed[32];
    mip6tls_drbg_generate(rng, seed, sizeof seed);
    eng->rng_os_rand_done = 1;
    br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
    memset(seed, 0, sizeof seed);
}

static int tls_started(mip6tls_tls *t, int ok)
{
    br_ssl_engine_context *eng = tls_eng(t);
    if (!ok) {
        int err = br_ssl_engine_last_error(eng);
        return err == BR_ERR_BAD_PARAM ? MIP6TLS_ERR_ARG : MIP6TLS_ERR_INTERNAL;
    }
    tls_update(t);
    return 0;
}

static int tls_peer_ok(const mip6tls_tls_peer *peer)
{
    size_t n = 0;
    if (peer->dns == NULL)
        return peer->ip.family == MIP6TLS_AF_INET6 || peer->ip.family == MIP6TLS_AF_INET;
    while (n < 256 && peer->dns[n] != 0) {
        if (peer->dns[n] == '*')
            return 0;
        n++;
    }
    return n >= 1 && n <= 255;
}

/* Days since 0000-01-01 for BearSSL's X.509 time, or -1 when out of its range. */
static int64_t tls_days(uint64_t unix_time)
{
    uint64_t days = unix_time / 86400 + TLS_UNIX_EPOCH_DAYS;
    return days > UINT32_MAX ? -1 : (int64_t)days;
}

int mip6tls_tls_client_init(mip6tls_tls *t, const mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                            uint64_t unix_time, const mip6tls_tls_peer *peer,
                            const mip6tls_tls_session *resume, uint8_t *buf, size_t buf_len)
{
    br_ssl_client_context *cc;
    const mip6tls_cred *cr;
    int64_t days = tls_days(unix_time);
    int resuming = 0;

    if (t == NULL || cfg == NULL || rng == NULL || peer == NULL || buf == NULL ||
        cfg->role != MIP6TLS_TLS_CLIENT || buf_len < MIP6TLS_TLS_BUFSIZE_MIN ||
        !tls_peer_ok(peer) || days < 0)
        return MIP6TLS_ERR_ARG;

    memset(t, 0, sizeof *t);
    t->role = MIP6TLS_TLS_CLIENT;
    t->cfg = cfg;
    cc = &t->u.c.ssl;
    if (peer->dns == NULL)
        t->u.c.ip = peer->ip;
    tls_peer_hash(peer, t->u.c.peer_hash);

    br_ssl_client_zero(cc);
    tls_engine_profile(&cc->eng, cfg, BR_OPT_NO_RENEGOTIATION);
    br_ssl_engine_set_rsavrfy(&cc->eng, cfg->rsa_vrfy);
    br_ssl_engine_set_ecdsa(&cc->eng, cfg->ecdsa_vrfy);
    tls_x509_setup(t, cfg->anchors, (uint32_t)days, (uint32_t)(unix_time % 86400));
    br_ssl_engine_set_x509(&cc->eng, &t->x.vt);
    /* Mutual TLS: our chain, sent when the server asks; the key signs CertificateVerify only
     * (no static ECDH). Without one, BearSSL answers a CertificateRequest with an empty
     * Certificate and the server decides. */
    cr = cfg->cred;
    if (cr != NULL && cr->key_type == BR_KEYTYPE_EC)
        br_ssl_client_set_single_ec(cc, cr->chain, cr->chain_len, &cr->key.ec, BR_KEYTYPE_SIGN,
                                    (unsigned)cr->ee_issuer_key_type, cfg->iec, cfg->ecdsa_sign);
    else if (cr != NULL)
        br_ssl_client_set_single_rsa(cc, cr->chain, cr->chain_len, &cr->key.rsa, cfg->rsa_sign);

    br_ssl_engine_set_buffer(&cc->eng, buf, buf_len, 0);
    tls_seed(&cc->eng, rng);

    if (resume != NULL && resume->cb_len > 0 && resume->cb_len <= MIP6TLS_CBIND_MAX &&
        resume->params.session_id_len > 0 && resume->params.session_id_len <= 32 &&
        resume->params.version == BR_TLS12 &&
        memcmp(resume->peer_hash, t->u.c.peer_hash, sizeof t->u.c.peer_hash) == 0) {
        br_ssl_engine_set_session_parameters(&cc->eng, &resume->params);
        memcpy(t->u.c.resume_cb, resume->cb, resume->cb_len);
        t->u.c.resume_cb_len = resume->cb_len;
        resuming = 1;
    }
    /* An IP identity is not a host name: no SNI then (RFC 6066 §3), and BearSSL's own name
     * check is off; the wrapper checks the iPAddress instead. */
    return tls_started(t, br_ssl_client_reset(cc, peer->dns, resuming));
}

/* days < 0: no time given (mip6tls_tls_server_init). */
static int tls_server_start(mip6tls_tls *t, mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                            int64_t days, uint32_t secs, uint8_t *buf, size_t buf_len)
{
    br_ssl_server_context *sc;
    const mip6tls_cred *cr;

    if (t == NULL || cfg == NULL || rng == NULL || buf == NULL || cfg->role != MIP6TLS_TLS_SERVER ||
        buf_len < MIP6TLS_TLS_BUFSIZE_MIN || (cfg->anchors != NULL && days < 0))
        return MIP6TLS_ERR_ARG;
    memset(t, 0, sizeof *t);
    t->role = MIP6TLS_TLS_SERVER;
    t->cfg = cfg;
    sc = &t->u.s.ssl;
    cr = cfg->cred;

    br_ssl_server_zero(sc);
    tls_engine_profile(&sc->eng, cfg, BR_OPT_NO_RENEGOTIATION | BR_OPT_ENFORCE_SERVER_PREFERENCES);
    /* The key only signs the ECDHE parameters (BR_KEYTYPE_SIGN): no static RSA or ECDH key
     * exchange, hence forward secrecy. */
    if (cr->key_type == BR_KEYTYPE_EC)
        br_ssl_server_set_single_ec(sc, cr->chain, cr->chain_len, &cr->key.ec, BR_KEYTYPE_SIGN,
                                    (unsigned)cr->ee_issuer_key_type, cfg->iec, cfg->ecdsa_sign);
    else
        br_ssl_server_set_single_rsa(sc, cr->chain, cr->chain_len, &cr->key.rsa, BR_KEYTYPE_SIGN,
                                     cfg->rsa_priv, cfg->rsa_sign);
    /* Interpose the wrapper that notes full handshakes; BearSSL's handler does the work. */
    t->u.s.inner = sc->policy_vtable;
    t->u.s.policy = &tls_policy_vtable;
    br_ssl_server_set_policy(sc, &t->u.s.policy);
    if (cfg->anchors != NULL) {
        /* Mutual TLS: a CertificateRequest naming our anchors; BearSSL fails the handshake
         * when no certificate comes (no BR_OPT_TOLERATE_NO_CLIENT_AUTH) or the chain fails
         * the validator, and checks CertificateVerify with the verifiers set here. No cache:
         * a resumed session would carry no client identity. */
        br_ssl_engine_set_rsavrfy(&sc->eng, cfg->rsa_vrfy);
        br_ssl_engine_set_ecdsa(&sc->eng, cfg->ecdsa_vrfy);
        tls_x509_setup(t, cfg->anchors, (uint32_t)days, secs);
        br_ssl_engine_set_x509(&sc->eng, &t->x.vt);
        br_ssl_server_set_trust_anchor_names_alt(sc, cfg->anchors->anchors,
                                                 cfg->anchors->anchors_len);
    } else if (cfg->has_cache) {
        br_ssl_server_set_cache(sc, &cfg->cache.vtable);
    }

    br_ssl_engine_set_buffer(&sc->eng, buf, buf_len, 0);
    tls_seed(&sc->eng, rng);
    return tls_started(t, br_ssl_server_reset(sc));
}

int mip6tls_tls_server_init(mip6tls_tls *t, mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                            uint8_t *buf, size_t buf_len)
{
    return tls_server_start(t, cfg, rng, -1, 0, buf, buf_len);
}

int mip6tls_tls_server_init_at(mip6tls_tls *t, mip6tls_tls_config *cfg, mip6tls_drbg *rng,
                               uint64_t unix_time, uint8_t *buf, size_t buf_len)
{
    int64_t days = tls_days(unix_time);
    if (days < 0)
        return MIP6TLS_ERR_ARG;
    return tls_server_start(t, cfg, rng, days, (uint32_t)(unix_time % 86400), buf, buf_len);
}

/* ---- I/O ------------------------------------------------------------------------------ */

int mip6tls_tls_recv_ct(mip6tls_tls *t, const uint8_t *data, size_t len)
{
    br_ssl_engine_context *eng = tls_eng(t);
    size_t done = 0;

    if (mip6tls_tls_get_state(t) == MIP6TLS_TLS_FAILED)
        return tls_fail_code(t);
    if (data == NULL)
        return len == 0 ? 0 : MIP6TLS_ERR_ARG;
    if (len > INT_MAX)
        len = INT_MAX;
    while (done < len && !t->eof) {
        size_t room;
        unsigned char *b = br_ssl_engine_recvrec_buf(eng, &room);
        if (b == NULL)
            break;
        if (room > len - done)
            room = len - done;
        memcpy(b, data + done, room);
        br_ssl_engine_recvrec_ack(eng, room);
        done += room;
        tls_update(t);
        if (mip6tls_tls_get_state(t) == MIP6TLS_TLS_FAILED)
            return tls_fail_code(t);
    }
    return (int)done;
}

void mip6tls_tls_recv_eof(mip6tls_tls *t)
{
    if (t->local_err != 0 || t->eof || tls_engine_closed(t))
        return;
    if (t->closing)
        t->eof = 1; /* our close_notify went out: a clean close */
    else
        t->local_err = BR_ERR_IO;
}

const uint8_t *mip6tls_tls_send_ct(const mip6tls_tls *t, size_t *len)
{
    const unsigned char *b;
    if (t->alert_off < t->alert_len) {
        *len = (size_t)(t->alert_len - t->alert_off);
        return t->alert + t->alert_off;
    }
    *len = 0;
    if (t->local_err != 0 || t->eof)
        return NULL;
    b = br_ssl_engine_sendrec_buf(tls_ceng(t), len);
    if (b == NULL)
        *len = 0;
    return b;
}

void mip6tls_tls_send_ct_done(mip6tls_tls *t, size_t n)
{
    size_t avail;
    if (n == 0)
        return;
    if (t->alert_off < t->alert_len) {
        avail = (size_t)(t->alert_len - t->alert_off);
        t->alert_off = (uint8_t)(t->alert_off + (n < avail ? n : avail));
        return;
    }
    if (t->local_err != 0 || t->eof || br_ssl_engine_sendrec_buf(tls_eng(t), &avail) == NULL)
        return;
    br_ssl_engine_sendrec_ack(tls_eng(t), n < avail ? n : avail);
    tls_update(t);
}

int mip6tls_tls_write_app(mip6tls_tls *t, const uint8_t *data, size_t len)
{
    unsigned char *b;
    size_t room;
    mip6tls_tls_state st = mip6tls_tls_get_state(t);

    if (st == MIP6TLS_TLS_FAILED)
        return tls_fail_code(t);
    if (st != MIP6TLS_TLS_OPEN)
        return MIP6TLS_ERR_STATE;
    if (data == NULL && len > 0)
        return MIP6TLS_ERR_ARG;
    if (len == 0)
        return 0;
    b = br_ssl_engine_sendapp_buf(tls_eng(t), &room);
    if (b == NULL || room == 0)
        return MIP6TLS_ERR_NOBUF;
    if (room > len)
        room = len;
    if (room > INT_MAX)
        room = INT_MAX;
    memcpy(b, data, room);
    br_ssl_engine_sendapp_ack(tls_eng(t), room);
    tls_update(t);
    return (int)room;
}

int mip6tls_tls_flush(mip6tls_tls *t)
{
    mip6tls_tls_state st = mip6tls_tls_get_state(t);
    if (st == MIP6TLS_TLS_FAILED)
        return tls_fail_code(t);
    if (st != MIP6TLS_TLS_OPEN)
        return MIP6TLS_ERR_STATE;
    br_ssl_engine_flush(tls_eng(t), 0);
    tls_update(t);
    return 0;
}

const uint8_t *mip6tls_tls_read_app(const mip6tls_tls *t, size_t *len)
{
    const unsigned char *b;
    *len = 0;
    if (t->local_err != 0)
        return NULL;
    b = br_ssl_engine_recvapp_buf(tls_ceng(t), len);
    if (b == NULL)
        *len = 0;
    return b;
}

void mip6tls_tls_read_app_done(mip6tls_tls *t, size_t n)
{
    size_t avail;
    if (n == 0 || t->local_err != 0 || br_ssl_engine_recvapp_buf(tls_eng(t), &avail) == NULL)
        return;
    br_ssl_engine_recvapp_ack(tls_eng(t), n < avail ? n : avail);
    tls_update(t);
}

int mip6tls_tls_close(mip6tls_tls *t)
{
    mip6tls_tls_state st = mip6tls_tls_get_state(t);
    if (st == MIP6TLS_TLS_FAILED)
        return tls_fail_code(t);
    if (st == MIP6TLS_TLS_CLOSED || st == MIP6TLS_TLS_CLOSING)
        return 0;
    t->closing = 1;
    br_ssl_engine_close(tls_eng(t));
    tls_update(t);
    return 0;
}

/* ---- queries -------------------------------------------------------------------------- */

mip6tls_tls_state mip6tls_tls_get_state(const mip6tls_tls *t)
{
    if (t->local_err != 0)
        return MIP6TLS_TLS_FAILED;
    if (tls_engine_closed(t))
        return br_ssl_engine_last_error(tls_ceng(t)) == BR_ERR_OK ? MIP6TLS_TLS_CLOSED
                                                                  : MIP6TLS_TLS_FAILED;
    if (t->eof)
        return MIP6TLS_TLS_CLOSED;
    if (t->closing)
        return MIP6TLS_TLS_CLOSING;
    return t->open ? MIP6TLS_TLS_OPEN : MIP6TLS_TLS_HANDSHAKING;
}

int mip6tls_tls_last_error(const mip6tls_tls *t)
{
    if (t->local_err != 0)
        return t->local_err;
    return br_ssl_engine_last_error(tls_ceng(t));
}

int mip6tls_tls_error(const mip6tls_tls *t)
{
    int br;
    if (mip6tls_tls_get_state(t) != MIP6TLS_TLS_FAILED)
        return 0;
    br = mip6tls_tls_last_error(t);
    /* No suite negotiation fails after the server's Certificate: a handshake_failure then is
     * the server refusing us without a client certificate (RFC 5246 §7.4.6). */
    if (t->role == MIP6TLS_TLS_CLIENT &&
        br == BR_ERR_RECV_FATAL_ALERT + BR_ALERT_HANDSHAKE_FAILURE && t->x.ncert > 0)
        return MIP6TLS_ERR_AUTH;
    return mip6tls_tls_map_error(br);
}

int mip6tls_tls_channel_binding(const mip6tls_tls *t, uint8_t *out, size_t cap)
{
    if (!t->open || t->cb_len == 0)
        return MIP6TLS_ERR_STATE;
    if (out == NULL || cap < t->cb_len)
        return MIP6TLS_ERR_NOBUF;
    memcpy(out, t->cb, t->cb_len);
    return t->cb_len;
}

int mip6tls_tls_get_info(mip6tls_tls *t, mip6tls_tls_info *info)
{
    br_ssl_session_parameters sp;
    br_ssl_engine_context *eng = tls_eng(t);
    if (!t->open)
        return MIP6TLS_ERR_STATE;
    br_ssl_engine_get_session_parameters(eng, &sp);
    info->version = (uint16_t)br_ssl_engine_get_version(eng);
    info->suite = sp.cipher_suite;
    info->resumed = t->role == MIP6TLS_TLS_CLIENT ? !t->x.saw_chain : !t->u.s.full;
    info->curve = info->resumed ? 0 : (uint8_t)br_ssl_engine_get_ecdhe_curve(eng);
    memset(&sp, 0, sizeof sp);
    return 0;
}

int mip6tls_tls_get_session(const mip6tls_tls *t, mip6tls_tls_session *out)
{
    if (t->role != MIP6TLS_TLS_CLIENT || !t->open || t->cb_len == 0)
        return MIP6TLS_ERR_STATE;
    memset(out, 0, sizeof *out);
    br_ssl_engine_get_session_parameters(&t->u.c.ssl.eng, &out->params);
    memcpy(out->cb, t->cb, t->cb_len);
    out->cb_len = t->cb_len;
    memcpy(out->peer_hash, t->u.c.peer_hash, sizeof out->peer_hash);
    return 0;
}

const uint8_t *mip6tls_tls_peer_cert(const mip6tls_tls *t, size_t *len)
{
    /* On a server the chain was only validated when client certificates were required; a
     * resumed client saw none. An open session's chain passed (or it would have failed). */
    if (!t->open || !t->x.saw_chain || t->x.ncert == 0 || t->x.ee_got == 0 ||
        t->x.ee_got != t->x.ee_len || (t->role == MIP6TLS_TLS_SERVER && t->cfg->anchors == NULL)) {
        *len = 0;
        return NULL;
    }
    *len = t->x.ee_got;
    return t->x.ee;
}

int mip6tls_tls_peer_cert_sha256(const mip6tls_tls *t, uint8_t out[32])
{
    br_sha256_context h;
    size_t n;
    const uint8_t *der = mip6tls_tls_peer_cert(t, &n);
    if (der == NULL)
        return MIP6TLS_ERR_STATE;
    br_sha256_init(&h);
    br_sha256_update(&h, der, n);
    br_sha256_out(&h, out);
    return 32;
}

static char *tls_hex(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        *out++ = digits[in[i] >> 4];
        *out++ = digits[in[i] & 15];
    }
    return out;
}

int mip6tls_tls_keylog_line(const mip6tls_tls *t, char *out, size_t cap)
{
    /* NSS key log format: "CLIENT_RANDOM <ClientHello.random> <master_secret>", hex. BearSSL
     * keeps the client random in the engine and the master secret (computed, or taken from
     * the resumed session) in its session parameters, the same on both sides. */
    static const char label[] = "CLIENT_RANDOM ";
    const br_ssl_engine_context *eng;
    char *p;

    if (!t->open)
        return MIP6TLS_ERR_STATE;
    if (out == NULL || cap < MIP6TLS_TLS_KEYLOG_LEN)
        return MIP6TLS_ERR_NOBUF;
    eng = tls_ceng(t);
    memcpy(out, label, sizeof label - 1);
    p = tls_hex(out + sizeof label - 1, eng->client_random, sizeof eng->client_random);
    *p++ = ' ';
    p = tls_hex(p, eng->session.master_secret, sizeof eng->session.master_secret);
    *p = '\n';
    if (cap > MIP6TLS_TLS_KEYLOG_LEN)
        out[MIP6TLS_TLS_KEYLOG_LEN] = 0;
    return MIP6TLS_TLS_KEYLOG_LEN;
}

/* ---- the roles' plumbing into the outbox ---------------------------------------------- */

void mip6tls_tls_send_to_outbox(mip6tls_tls *t, uint32_t conn, const mip6tls_endpoint *remote,
                                mip6tls_outbox *ob)
{
    const uint8_t *p;
    size_t n;
    while ((p = mip6tls_tls_send_ct(t, &n)) != NULL && n > 0) {
        uint8_t *out;
        mip6tls_action *a = mip6tls_outbox_push(ob, MIP6TLS_ACT_TCP_SEND, n, &out);
        if (a == NULL)
            return; /* the records stay queued for the next call */
        memcpy(out, p, n);
        a->conn = conn;
        a->remote = *remote;
        mip6tls_tls_send_ct_done(t, n);
    }
    /* After the records, so that the key log line never takes the room they need. */
    if (t->open && t->cfg->keylog && !t->keylog_done) {
        uint8_t *out;
        mip6tls_action *a =
            mip6tls_outbox_push(ob, MIP6TLS_ACT_EVENT, MIP6TLS_TLS_KEYLOG_LEN, &out);
        if (a == NULL)
            return; /* the next call tries again */
        (void)mip6tls_tls_keylog_line(t, (char *)out, MIP6TLS_TLS_KEYLOG_LEN);
        a->event = MIP6TLS_TLS_EV_KEYLOG;
        a->conn = conn;
        a->remote = *remote;
        t->keylog_done = 1;
    }
}

int mip6tls_tls_write_all(mip6tls_tls *t, const uint8_t *msg, size_t len, uint32_t conn,
                          const mip6tls_endpoint *remote, mip6tls_outbox *ob)
{
    size_t off = 0;
    int guard = 0;
    while (off < len) {
        int n = mip6tls_tls_write_app(t, msg + off, len - off);
        if (n == MIP6TLS_ERR_NOBUF && guard++ < 4) {
            mip6tls_tls_send_to_outbox(t, conn, remote, ob); /* make room in the session */
            continue;
        }
        if (n <= 0)
            return n < 0 ? n : MIP6TLS_ERR_INTERNAL;
        off += (size_t)n;
    }
    if (mip6tls_tls_flush(t) != 0)
        return mip6tls_tls_error(t);
    mip6tls_tls_send_to_outbox(t, conn, remote, ob);
    return 0;
}
