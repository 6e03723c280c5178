/* sa.c: the SA record's consistency check and its persistence encoding
 * (docs/decisions/0013-sa-record.md). */
#include "mip6tls/sa.h"

#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"

#include <string.h>

#define SA_VERSION 1

static int sa_family_ok(const mip6tls_addr *a, int want)
{
    size_t n = want == MIP6TLS_AF_INET ? 4 : 16, i;
    if (a->family == MIP6TLS_AF_NONE) {
        for (i = 0; i < sizeof a->bytes; i++)
            if (a->bytes[i] != 0)
                return 0;
        return 1;
    }
    if (a->family != want)
        return 0;
    for (i = n; i < sizeof a->bytes; i++) /* IPv4: the unused tail stays zero */
        if (a->bytes[i] != 0)
            return 0;
    return 1;
}

int mip6tls_sa_check(const mip6tls_sa *sa)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(sa->keys.suite);
    size_t i;

    if (s == NULL)
        return MIP6TLS_ERR_SUITE;
    if (sa->keys.ekey_len != s->ekey_len || sa->keys.ikey_len != s->ikey_len)
        return MIP6TLS_ERR_KEYLEN;
    if (sa->keys.spi < MIP6TLS_SPI_MIN || sa->keys.spi > MIP6TLS_SPI_MAX)
        return MIP6TLS_ERR_ARG; /* RFC 6618 §5.6.1 */
    if (sa->scope != MIP6TLS_SAS_SIGNALING && sa->scope != MIP6TLS_SAS_ALL)
        return MIP6TLS_ERR_ARG; /* RFC 6618 §5.6.4 */
    if (!sa_family_ok(&sa->ha6, MIP6TLS_AF_INET6) || !sa_family_ok(&sa->ha4, MIP6TLS_AF_INET) ||
        !sa_family_ok(&sa->hoa6, MIP6TLS_AF_INET6) ||
        !sa_family_ok(&sa->hoa4, MIP6TLS_AF_INET) ||
        !sa_family_ok(&sa->hnp6, MIP6TLS_AF_INET6) || !sa_family_ok(&sa->hnp4, MIP6TLS_AF_INET))
        return MIP6TLS_ERR_ARG;
    /* The SA binds a home address; a record without one could register nothing. */
    if (sa->hoa6.family == MIP6TLS_AF_NONE && sa->hoa4.family == MIP6TLS_AF_NONE)
        return MIP6TLS_ERR_ARG;
    if (sa->hnp6_len > 128 || sa->hnp4_len > 32 ||
        (sa->hnp6.family == MIP6TLS_AF_NONE && sa->hnp6_len != 0) ||
        (sa->hnp4.family == MIP6TLS_AF_NONE && sa->hnp4_len != 0))
        return MIP6TLS_ERR_ARG;
    if (sa->n_dns6 > MIP6TLS_SA_DNS_MAX || sa->n_dns4 > MIP6TLS_SA_DNS_MAX)
        return MIP6TLS_ERR_ARG;
    for (i = 0; i < sa->n_dns6; i++)
        if (sa->dns6[i].family != MIP6TLS_AF_INET6 || !sa_family_ok(&sa->dns6[i], 6))
            return MIP6TLS_ERR_ARG;
    for (i = 0; i < sa->n_dns4; i++)
        if (sa->dns4[i].family != MIP6TLS_AF_INET || !sa_family_ok(&sa->dns4[i], 4))
            return MIP6TLS_ERR_ARG;
    if (sa->mn_id_len > MIP6TLS_SA_NAI_MAX)
        return MIP6TLS_ERR_ARG;
    return 0;
}

uint16_t mip6tls_sa_port(const mip6tls_sa *sa)
{
    return sa->port != 0 ? sa->port : MIP6TLS_DEFAULT_PORT; /* RFC 6618 §5.7.2 */
}

/* ---- encoding ------------------------------------------------------------------------ */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} sa_w;

static void sa_put(sa_w *w, const void *d, size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len)
        memcpy(w->p + w->len, d, n);
    w->len += n; /* past cap: only counted, reported as NOBUF at the end */
}

static void sa_put8(sa_w *w, uint8_t v)
{
    sa_put(w, &v, 1);
}

static void sa_put_addr(sa_w *w, const mip6tls_addr *a)
{
    sa_put8(w, a->family);
    if (a->family == MIP6TLS_AF_INET6)
        sa_put(w, a->bytes, 16);
    else if (a->family == MIP6TLS_AF_INET)
        sa_put(w, a->bytes, 4);
}

int mip6tls_sa_encode(const mip6tls_sa *sa, uint8_t *out, size_t cap)
{
    sa_w w = {out, 0, cap};
    uint8_t b[8];
    size_t i;
    int rc = mip6tls_sa_check(sa);

    if (rc != 0)
        return rc;
    sa_put8(&w, SA_VERSION);
    sa_put8(&w, sa->scope);
    mip6tls_put16(b, sa->keys.suite);
    sa_put(&w, b, 2);
    mip6tls_put32(b, sa->keys.spi);
    sa_put(&w, b, 4);
    mip6tls_put64(b, sa->validity_end);
    sa_put(&w, b, 8);
    sa_put8(&w, sa->keys.ekey_len);
    sa_put8(&w, sa->keys.ikey_len);
    sa_put(&w, sa->keys.mn_to_ha_ekey, sa->keys.ekey_len);
    sa_put(&w, sa->keys.ha_to_mn_ekey, sa->keys.ekey_len);
    sa_put(&w, sa->keys.mn_to_ha_ikey, sa->keys.ikey_len);
    sa_put(&w, sa->keys.ha_to_mn_ikey, sa->keys.ikey_len);
    sa_put_addr(&w, &sa->ha6);
    sa_put_addr(&w, &sa->ha4);
    mip6tls_put16(b, sa->port);
    sa_put(&w, b, 2);
    sa_put_addr(&w, &sa->hoa6);
    sa_put_addr(&w, &sa->hoa4);
    sa_put_addr(&w, &sa->hnp6);
    sa_put8(&w, sa->hnp6_len);
    sa_put_addr(&w, &sa->hnp4);
    sa_put8(&w, sa->hnp4_len);
    sa_put8(&w, sa->n_dns6);
    for (i = 0; i < sa->n_dns6; i++)
        sa_put_addr(&w, &sa->dns6[i]);
    sa_put8(&w, sa->n_dns4);
    for (i = 0; i < sa->n_dns4; i++)
        sa_put_addr(&w, &sa->dns4[i]);
    sa_put8(&w, sa->mn_id_len);
    sa_put(&w, sa->mn_id, sa->mn_id_len);
    if (w.len > cap)
        return MIP6TLS_ERR_NOBUF;
    return (int)w.len;
}

typedef struct {
    const uint8_t *p;
    size_t len, off;
    int bad;
} sa_r;

static const uint8_t *sa_get(sa_r *r, size_t n)
{
    const uint8_t *p;
    if (r->bad || n > r->len - r->off) {
        r->bad = 1;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

static uint8_t sa_get8(sa_r *r)
{
    const uint8_t *p = sa_get(r, 1);
    return p ? *p : 0;
}

static void sa_get_addr(sa_r *r, mip6tls_addr *a)
{
    uint8_t fam = sa_get8(r);
    const uint8_t *p;
    memset(a, 0, sizeof *a);
    if (fam == MIP6TLS_AF_INET6) {
        if ((p = sa_get(r, 16)) != NULL)
            mip6tls_addr_set6(a, p);
    } else if (fam == MIP6TLS_AF_INET) {
        if ((p = sa_get(r, 4)) != NULL)
            mip6tls_addr_set4(a, p);
    } else if (fam != MIP6TLS_AF_NONE) {
        r->bad = 2; /* a family byte no writer produces */
    }
}

int mip6tls_sa_decode(mip6tls_sa *out, const uint8_t *in, size_t len)
{
    sa_r r = {in, len, 0, 0};
    mip6tls_sa sa;
    const uint8_t *p;
    size_t i;
    int rc;

    memset(&sa, 0, sizeof sa);
    if (len < 1)
        return MIP6TLS_ERR_TRUNCATED;
    if (in[0] != SA_VERSION)
        return MIP6TLS_ERR_VERSION;
    r.off = 1;
    sa.scope = sa_get8(&r);
    if ((p = sa_get(&r, 14)) != NULL) {
        sa.keys.suite = mip6tls_get16(p);
        sa.keys.spi = mip6tls_get32(p + 2);
        sa.validity_end = mip6tls_get64(p + 6);
    }
    sa.keys.ekey_len = sa_get8(&r);
    sa.keys.ikey_len = sa_get8(&r);
    if (sa.keys.ekey_len > MIP6TLS_ESP_MAX_EKEY || sa.keys.ikey_len > MIP6TLS_ESP_MAX_IKEY)
        return MIP6TLS_ERR_MALFORMED;
    if ((p = sa_get(&r, sa.keys.ekey_len)) != NULL)
        memcpy(sa.keys.mn_to_ha_ekey, p, sa.keys.ekey_len);
    if ((p = sa_get(&r, sa.keys.ekey_len)) != NULL)
        memcpy(sa.keys.ha_to_mn_ekey, p, sa.keys.ekey_len);
    if ((p = sa_get(&r, sa.keys.ikey_len)) != NULL)
        memcpy(sa.keys.mn_to_ha_ikey, p, sa.keys.ikey_len);
    if ((p = sa_get(&r, sa.keys.ikey_len)) != NULL)
        memcpy(sa.keys.ha_to_mn_ikey, p, sa.keys.ikey_len);
    sa_get_addr(&r, &sa.ha6);
    sa_get_addr(&r, &sa.ha4);
    if ((p = sa_get(&r, 2)) != NULL)
        sa.port = mip6tls_get16(p);
    sa_get_addr(&r, &sa.hoa6);
    sa_get_addr(&r, &sa.hoa4);
    sa_get_addr(&r, &sa.hnp6);
    sa.hnp6_len = sa_get8(&r);
    sa_get_addr(&r, &sa.hnp4);
    sa.hnp4_len = sa_get8(&r);
    sa.n_dns6 = sa_get8(&r);
    if (sa.n_dns6 > MIP6TLS_SA_DNS_MAX)
        return MIP6TLS_ERR_MALFORMED;
    for (i = 0; i < sa.n_dns6; i++)
        sa_get_addr(&r, &sa.dns6[i]);
    sa.n_dns4 = sa_get8(&r);
    if (sa.n_dns4 > MIP6TLS_SA_DNS_MAX)
        return MIP6TLS_ERR_MALFORMED;
    for (i = 0; i < sa.n_dns4; i++)
        sa_get_addr(&r, &sa.dns4[i]);
    sa.mn_id_len = sa_get8(&r);
    if (sa.mn_id_len > MIP6TLS_SA_NAI_MAX)
        return MIP6TLS_ERR_MALFORMED;
    if ((p = sa_get(&r, sa.mn_id_len)) != NULL)
        memcpy(sa.mn_id, p, sa.mn_id_len);
    if (r.bad == 2)
        return MIP6TLS_ERR_MALFORMED;
    if (r.bad)
        return MIP6TLS_ERR_TRUNCATED;
    if (r.off != len)
        return MIP6TLS_ERR_LENGTH; /* one record, nothing after it */
    rc = mip6tls_sa_check(&sa);
    if (rc != 0)
        return rc;
    memcpy(out, &sa, sizeof sa);
    return 0;
}
