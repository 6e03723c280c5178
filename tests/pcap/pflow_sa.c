/*
 * pflow_sa.c: esp_sa files (Wireshark's ESP SA table, as scenarios/common/scenario-common.cc
 * writes it) parsed strictly into the core's ESP keys, and the opening of captured packets
 * with them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "mip6tls/suite.h"
#include "pflow.h"

#define SA_FIELDS 8
#define SA_FILE_MAX (1u << 20)

/* Wireshark's names (tshark 4.0, epan/dissectors/packet-ipsec.c value strings) for what our
 * suites use, and the suite each (encryption, authentication) pair means. tshark 4.0 has no
 * AES-XCBC-MAC-96, so the scenarios write "ANY 96 bit" for it: a 16-octet key tells it from
 * HMAC-SHA-1-96 (20 octets). */
#define AUTH_HMAC_SHA1 "HMAC-SHA-1-96 [RFC2404]"
#define AUTH_ANY96 "ANY 96 bit authentication [no checking]"
static const struct {
    const char *enc;
    const char *auth;
    uint8_t ikey_len;
    uint16_t suite;
} sa_suites[] = {
    {"NULL", AUTH_HMAC_SHA1, 20, MIP6TLS_SUITE_NULL_SHA},
    {"NULL", AUTH_ANY96, 16, MIP6TLS_SUITE_NULL_SHA256},
    {"TripleDES-CBC [RFC2451]", AUTH_HMAC_SHA1, 20, MIP6TLS_SUITE_3DES_EDE_CBC_SHA},
    {"AES-CBC [RFC3602]", AUTH_HMAC_SHA1, 20, MIP6TLS_SUITE_AES_128_CBC_SHA},
    {"AES-CBC [RFC3602]", AUTH_ANY96, 16, MIP6TLS_SUITE_AES_128_CBC_SHA256},
    {"AES-GCM with 16 octet ICV [RFC4106]", "NULL", 0, MIP6TLS_SUITE_AES_128_GCM_SHA256},
};

static const char *const sa_field_names[SA_FIELDS] = {
    "Protocol",   "Src IP",         "Dest IP",        "SPI",
    "Encryption", "Encryption Key", "Authentication", "Authentication Key"};

void pflow_sa_init(pflow_sa_table *t)
{
    memset(t, 0, sizeof *t);
    mip6tls_esp_impl_detect(&t->impl);
}

void pflow_sa_free(pflow_sa_table *t)
{
    if (t->rows != NULL)
        memset(t->rows, 0, t->cap * sizeof *t->rows); /* key material */
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

/* Where errors point: "line N: " for text, "PATH:N: " for a file. */
typedef struct {
    const char *path; /* NULL for text */
    unsigned line;
} sa_where;

static int sa_fail(char *err, size_t cap, const sa_where *w, const char *fmt, ...)
{
    va_list ap;
    int n = w->path ? snprintf(err, cap, "%s:%u: ", w->path, w->line)
                    : snprintf(err, cap, "line %u: ", w->line);
    if (n >= 0 && (size_t)n < cap) {
        va_start(ap, fmt);
        vsnprintf(err + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A field's text: a view into the line. */
typedef struct {
    const char *s;
    size_t len;
} sa_text;

static int sa_eq(sa_text f, const char *lit)
{
    return f.len == strlen(lit) && memcmp(f.s, lit, f.len) == 0;
}

/* Splits `"a","b",...` into exactly SA_FIELDS fields; no escapes, no quotes inside a field. */
static int sa_split(const char *p, const char *end, sa_text *f, const sa_where *line, char *err,
                    size_t cap)
{
    for (int i = 0; i < SA_FIELDS; i++) {
        if (p >= end || *p != '"')
            return sa_fail(err, cap, line, "field %d (%s): expected '\"'", i + 1,
                           sa_field_names[i]);
        const char *q = ++p;
        while (q < end && *q != '"') {
            if (*q == '\\')
                return sa_fail(err, cap, line, "field %d (%s): escapes are not supported", i + 1,
                               sa_field_names[i]);
            q++;
        }
        if (q >= end)
            return sa_fail(err, cap, line, "field %d (%s): no closing '\"'", i + 1,
                           sa_field_names[i]);
        f[i].s = p;
        f[i].len = (size_t)(q - p);
        p = q + 1;
        if (i + 1 < SA_FIELDS) {
            if (p >= end || *p != ',')
                return sa_fail(err, cap, line, "expected 8 fields, found %d", i + 1);
            p++;
        }
    }
    if (p != end)
        return sa_fail(err, cap, line, "text after the 8th field: \"%.*s\"", (int)(end - p), p);
    return 0;
}

/* "" (no key) or "0x" and an even number of hex digits, at most `cap` octets. */
static int sa_key(sa_text f, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (f.len == 0)
        return 0;
    if (f.len < 4 || f.s[0] != '0' || (f.s[1] != 'x' && f.s[1] != 'X') || (f.len - 2) % 2 != 0 ||
        (f.len - 2) / 2 > cap)
        return -1;
    for (size_t i = 2; i < f.len; i += 2) {
        int hi = mip6tls_hexval((unsigned char)f.s[i]);
        int lo = mip6tls_hexval((unsigned char)f.s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[(i - 2) / 2] = (uint8_t)(hi << 4 | lo);
    }
    *len = (f.len - 2) / 2;
    return 0;
}

static int sa_addr(sa_text f, uint8_t family, mip6tls_addr *a)
{
    memset(a, 0, sizeof *a);
    if (sa_eq(f, "*"))
        return 0;
    return mip6tls_addr_parse(a, f.s, f.len) == 0 && a->family == family ? 0 : -1;
}

static int sa_row(const char *p, const char *end, const sa_where *line, pflow_sa_row *r, char *err,
                  size_t cap)
{
    sa_text f[SA_FIELDS];
    if (sa_split(p, end, f, line, err, cap) != 0)
        return -1;
    memset(r, 0, sizeof *r);
    r->line = line->line;
    if (sa_eq(f[0], "IPv6"))
        r->family = MIP6TLS_AF_INET6;
    else if (sa_eq(f[0], "IPv4"))
        r->family = MIP6TLS_AF_INET;
    else
        return sa_fail(err, cap, line, "Protocol \"%.*s\" is not \"IPv4\" or \"IPv6\"",
                       (int)f[0].len, f[0].s);
    for (int i = 1; i <= 2; i++)
        if (sa_addr(f[i], r->family, i == 1 ? &r->src : &r->dst) != 0)
            return sa_fail(err, cap, line, "%s \"%.*s\" is not \"*\" or an %.*s address",
                           sa_field_names[i], (int)f[i].len, f[i].s, (int)f[0].len, f[0].s);

    /* SPI: PType << 28 | SPI (RFC 6618 §6.1), which Wireshark reads as the ESP SPI. */
    uint32_t w = 0;
    int ok = f[3].len >= 3 && f[3].len <= 10 && f[3].s[0] == '0' &&
             (f[3].s[1] == 'x' || f[3].s[1] == 'X');
    for (size_t i = 2; ok && i < f[3].len; i++) {
        int v = mip6tls_hexval((unsigned char)f[3].s[i]);
        ok = v >= 0;
        w = w << 4 | (uint32_t)(v & 15);
    }
    if (!ok)
        return sa_fail(err, cap, line, "SPI \"%.*s\" is not 0x and 1-8 hex digits", (int)f[3].len,
                       f[3].s);
    uint8_t ptype = (uint8_t)(w >> 28);
    uint32_t spi = w & MIP6TLS_SPI_MAX;
    if ((ptype != MIP6TLS_PTYPE_DATA && ptype != MIP6TLS_PTYPE_MH) || spi < MIP6TLS_SPI_MIN)
        return sa_fail(err, cap, line,
                       "SPI 0x%08x: the top nibble (PType) must be 1 or 8 and the SPI below it "
                       "1..0x0fffffff (RFC 6618 §6.1)",
                       (unsigned)w);
    r->spi_word = w;

    size_t k;
    for (k = 0; k < sizeof sa_suites / sizeof sa_suites[0]; k++)
        if (sa_eq(f[4], sa_suites[k].enc) && sa_eq(f[6], sa_suites[k].auth) &&
            (f[7].len == 0 ? 0u : (f[7].len - 2) / 2) == sa_suites[k].ikey_len)
            break;
    if (k == sizeof sa_suites / sizeof sa_suites[0])
        return sa_fail(err, cap, line,
                       "no RFC 6618 suite has Encryption \"%.*s\" with Authentication \"%.*s\" "
                       "and a %zu-digit authentication key",
                       (int)f[4].len, f[4].s, (int)f[6].len, f[6].s,
                       f[7].len >= 2 ? f[7].len - 2 : f[7].len);
    const mip6tls_suite_info *si = mip6tls_suite_find(sa_suites[k].suite);
    size_t elen, ilen;
    mip6tls_esp_keys *keys = &r->keys;
    if (sa_key(f[5], keys->mn_to_ha_ekey, sizeof keys->mn_to_ha_ekey, &elen) != 0 ||
        elen != si->ekey_len)
        return sa_fail(err, cap, line, "Encryption Key \"%.*s\": %s needs 0x and %u octets in hex",
                       (int)f[5].len, f[5].s, si->name, (unsigned)si->ekey_len);
    if (sa_key(f[7], keys->mn_to_ha_ikey, sizeof keys->mn_to_ha_ikey, &ilen) != 0 ||
        ilen != si->ikey_len)
        return sa_fail(err, cap, line,
                       "Authentication Key \"%.*s\": %s needs 0x and %u octets in hex",
                       (int)f[7].len, f[7].s, si->name, (unsigned)si->ikey_len);
    keys->suite = si->code;
    keys->spi = spi;
    keys->ekey_len = (uint8_t)elen;
    keys->ikey_len = (uint8_t)ilen;
    /* One row is one direction: the same key both ways opens it whichever side we take. */
    memcpy(keys->ha_to_mn_ekey, keys->mn_to_ha_ekey, elen);
    memcpy(keys->ha_to_mn_ikey, keys->mn_to_ha_ikey, ilen);
    return 0;
}

static int sa_parse(pflow_sa_table *t, const char *text, size_t len, const char *path, char *err,
                    size_t errcap)
{
    size_t n0 = t->n;
    sa_where w = {path, 0};
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = (size_t)((nl ? nl : end) - p);
        w.line++;
        if (ll > 0 && p[ll - 1] == '\r')
            ll--;
        const char *le = p + ll;
        if (memchr(p, '\0', ll) != NULL) {
            t->n = n0;
            return sa_fail(err, errcap, &w, "NUL byte");
        }
        if (le > p && *p != '#') {
            if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 8;
                pflow_sa_row *rows = realloc(t->rows, cap * sizeof *rows);
                if (rows == NULL) {
                    t->n = n0;
                    return sa_fail(err, errcap, &w, "out of memory");
                }
                t->rows = rows;
                t->cap = cap;
            }
            if (sa_row(p, le, &w, &t->rows[t->n], err, errcap) != 0) {
                t->n = n0;
                return -1;
            }
            t->n++;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int pflow_sa_parse(pflow_sa_table *t, const char *text, size_t len, char *err, size_t errcap)
{
    return sa_parse(t, text, len, NULL, err, errcap);
}

int pflow_sa_load(pflow_sa_table *t, const char *path, char *err, size_t errcap)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SA_FILE_MAX);
    size_t n = buf ? fread(buf, 1, SA_FILE_MAX, fp) : 0;
    int bad = buf == NULL || ferror(fp) || !feof(fp);
    fclose(fp);
    if (bad) {
        snprintf(err, errcap, "%s: %s", path,
                 buf == NULL ? "out of memory" : "unreadable or larger than 1 MiB");
        free(buf);
        return -1;
    }
    int rc = sa_parse(t, buf, n, path, err, errcap);
    free(buf);
    return rc;
}

static int sa_addr_match(const mip6tls_addr *pattern, const mip6tls_addr *a)
{
    return pattern->family == MIP6TLS_AF_NONE || mip6tls_addr_eq(pattern, a);
}

const pflow_sa_row *pflow_sa_find(const pflow_sa_table *t, const mip6tls_addr *src,
                                  const mip6tls_addr *dst, uint32_t spi_word)
{
    for (size_t i = 0; i < t->n; i++) {
        const pflow_sa_row *r = &t->rows[i];
        if (r->spi_word == spi_word && r->family == src->family && sa_addr_match(&r->src, src) &&
            sa_addr_match(&r->dst, dst))
            return r;
    }
    return NULL;
}

int pflow_sa_open(const pflow_sa_table *t, const mip6tls_addr *src, const mip6tls_addr *dst,
                  uint8_t *pkt, size_t len, mip6tls_esp_plain *out, const pflow_sa_row **row)
{
    if (len < 4)
        return MIP6TLS_ERR_TRUNCATED;
    const pflow_sa_row *r = pflow_sa_find(t, src, dst, mip6tls_get32(pkt));
    if (row != NULL)
        *row = r;
    if (r == NULL)
        return MIP6TLS_ERR_NOTFOUND;
    static const uint8_t no_salt[8] = {0}; /* only sealing uses the IV salt */
    mip6tls_esp_sa sa;
    /* The HA side opens with the mn_to_ha keys, which hold the row's key. */
    int rc = mip6tls_esp_sa_init(&sa, &t->impl, MIP6TLS_ESP_HA, &r->keys, no_salt, 0);
    if (rc == 0)
        rc = mip6tls_esp_open(&sa, pkt, len, out);
    mip6tls_esp_sa_wipe(&sa);
    return rc;
}
