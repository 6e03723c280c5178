/*
 * container.c: the MN<->HAC request/response container (RFC 6618 §5.1-§5.9).
 *
 * The decoder walks the content once, line by line. Each line is split at its first ':' into
 * a name (an RFC 2616 §2.2 token, matched case-insensitively) and a value (optional SP/HTAB
 * trimmed on both sides), and the value goes to the parser of its header. Nothing is copied
 * but the fixed-size values (rands, auth) and the numbers and addresses; strings and long hex
 * values stay views into the input. Any error zeroes the whole message, so a caller can never
 * act on half a message.
 *
 * The builder writes each line straight into the caller's buffer after checking that the line
 * and the final blank line fit, so a failed put leaves the buffer as it was.
 */
#include "mip6tls/container.h"

#include <string.h>

#include <bearssl.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "text.h"

/* ---- header names ---------------------------------------------------------------------- */

#define CTR_NAME(s)                                                                                \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

/* Indexed by mip6tls_ctr_hdr. Lower case: the form sent (0002-header-names.md). */
static const struct {
    const char *s;
    uint8_t len;
} ctr_names[MIP6TLS_CTR_H_COUNT] = {
    CTR_NAME("mn-id"),
    CTR_NAME("auth-method"),
    CTR_NAME("eap-payload"),
    CTR_NAME("status-code"),
    CTR_NAME("auth"),
    CTR_NAME("retry-after"),
    CTR_NAME("mn-rand"),
    CTR_NAME("hac-rand"),
    CTR_NAME("mip6-spi"),
    CTR_NAME("mip6-mn-to-ha-ikey"),
    CTR_NAME("mip6-ha-to-mn-ikey"),
    CTR_NAME("mip6-mn-to-ha-ekey"),
    CTR_NAME("mip6-ha-to-mn-ekey"),
    CTR_NAME("mip6-sa-validity-end"),
    CTR_NAME("mip6-sas"),
    CTR_NAME("mip6-ciphersuite"),
    CTR_NAME("mip6-suitelist"),
    CTR_NAME("mip6-haa-ip6"),
    CTR_NAME("mip6-haa-ip4"),
    CTR_NAME("mip6-port"),
    CTR_NAME("mip6-ip6-hoa"),
    CTR_NAME("mip6-ip4-hoa"),
    CTR_NAME("mip6-ip6-hnp"),
    CTR_NAME("mip6-ip4-hnp"),
    CTR_NAME("dns-ip6"),
    CTR_NAME("dns-ip4"),
};

/* RFC 6618 §5.5.4: the only status values. */
static const uint16_t ctr_status_values[] = {100, 200, 400, 401, 500, 501, 503, 504};

static const char ctr_wkday[7][3] = {{'S', 'u', 'n'}, {'M', 'o', 'n'}, {'T', 'u', 'e'},
                                     {'W', 'e', 'd'}, {'T', 'h', 'u'}, {'F', 'r', 'i'},
                                     {'S', 'a', 't'}};
static const char ctr_month[12][3] = {{'J', 'a', 'n'}, {'F', 'e', 'b'}, {'M', 'a', 'r'},
                                      {'A', 'p', 'r'}, {'M', 'a', 'y'}, {'J', 'u', 'n'},
                                      {'J', 'u', 'l'}, {'A', 'u', 'g'}, {'S', 'e', 'p'},
                                      {'O', 'c', 't'}, {'N', 'o', 'v'}, {'D', 'e', 'c'}};

/* ---- character classes ----------------------------------------------------------------- */

static uint8_t ctr_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int ctr_isalnum(uint8_t c)
{
    return mip6tls_text_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 2616 §2.2: CTL = octets 0-31 and DEL. HTAB is a CTL but also LWS. */
static int ctr_isctl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

static int ctr_isows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* RFC 2616 §2.2: token = 1*<any CHAR except CTLs or separators>. */
static int ctr_istoken(uint8_t c)
{
    static const char sep[] = "()<>@,;:\\\"/[]?={} \t";
    size_t i;
    if (c >= 0x80 || ctr_isctl(c))
        return 0;
    for (i = 0; i < sizeof sep - 1; i++)
        if (c == (uint8_t)sep[i])
            return 0;
    return 1;
}

/* ---- small value parsers --------------------------------------------------------------- */

/* Decodes exactly `n` octets from 2n hex digits of either case. */
static int ctr_hex_exact(uint8_t *out, size_t n, const uint8_t *s, size_t len)
{
    size_t i;
    if (len != 2 * n)
        return -1;
    for (i = 0; i < n; i++) {
        int hi = mip6tls_text_hexval(s[2 * i]), lo = mip6tls_text_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* 1*(HEX HEX) with at most `max_octets` octets; checks only. */
static int ctr_hex_check(const uint8_t *s, size_t len, size_t max_octets)
{
    size_t i;
    if (len == 0 || len % 2 != 0 || len / 2 > max_octets)
        return -1;
    for (i = 0; i < len; i++)
        if (mip6tls_text_hexval(s[i]) < 0)
            return -1;
    return 0;
}

/* 1*DIGIT with a value in [lo, hi] (hi < 2^32); stops before overflowing. */
static int ctr_udec(uint32_t *out, const uint8_t *s, size_t len, uint32_t lo, uint32_t hi)
{
    uint64_t v = 0;
    size_t i;
    if (len == 0)
        return -1;
    for (i = 0; i < len; i++) {
        if (!mip6tls_text_isdigit(s[i]))
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > hi)
            return -1;
    }
    if (v < lo)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Exactly `n` digits. */
static int ctr_digits(unsigned *out, const char *s, size_t n)
{
    unsigned v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (!mip6tls_text_isdigit((uint8_t)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* ---- calendar: days since 1970-01-01 <-> civil date, proleptic Gregorian ---------------- */

static int ctr_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned ctr_mdays(unsigned y, unsigned m)
{
    static const uint8_t d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && ctr_leap(y) ? 1u : 0u);
}

/* Days from 1970-01-01 to y-m-d (y >= 1970): the era-based count of March-based years,
 * which keeps the leap day at the end of the counted year. */
static uint64_t ctr_days_from_civil(unsigned y, unsigned m, unsigned d)
{
    uint64_t yy = y - (m <= 2 ? 1u : 0u);
    uint64_t era = yy / 400, yoe = yy - era * 400;
    uint64_t doy = (153 * (uint64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void ctr_civil_from_days(uint64_t z, unsigned *y, unsigned *m, unsigned *d)
{
    uint64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (unsigned)(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

/* RFC 2616 §3.3.1: rfc1123-date = wkday "," SP date1 SP time SP "GMT", case-sensitive;
 * date1 = 2DIGIT SP month SP 4DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT. */
int mip6tls_ctr_date_parse(uint64_t *t, const char *s, size_t len)
{
    unsigned day, mon, year, hh, mm, ss, wd, k;
    uint64_t days;
    if (len != MIP6TLS_CTR_DATE_LEN || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
        memcmp(s + 26, "GMT", 3) != 0)
        return MIP6TLS_ERR_MALFORMED;
    if (ctr_digits(&day, s + 5, 2) || ctr_digits(&year, s + 12, 4) || ctr_digits(&hh, s + 17, 2) ||
        ctr_digits(&mm, s + 20, 2) || ctr_digits(&ss, s + 23, 2))
        return MIP6TLS_ERR_MALFORMED;
    for (wd = 0; wd < 7 && memcmp(s, ctr_wkday[wd], 3) != 0; wd++)
        ;
    for (k = 0; k < 12 && memcmp(s + 8, ctr_month[k], 3) != 0; k++)
        ;
    mon = k + 1;
    /* Times before the epoch are not representable; RFC 2616 §3.3.1 has no leap second. */
    if (wd == 7 || k == 12 || year < 1970 || day < 1 || day > ctr_mdays(year, mon) || hh > 23 ||
        mm > 59 || ss > 59)
        return MIP6TLS_ERR_MALFORMED;
    days = ctr_days_from_civil(year, mon, day);
    if ((days + 4) % 7 != wd) /* 1970-01-01 was a Thursday */
        return MIP6TLS_ERR_MALFORMED;
    *t = days * 86400 + hh * 3600u + mm * 60u + ss;
    return 0;
}

static void ctr_put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

int mip6tls_ctr_date_format(uint64_t t, char *out, size_t cap)
{
    uint64_t days, sec;
    unsigned y, m, d;
    if (t > MIP6TLS_CTR_TIME_MAX)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_CTR_DATE_LEN)
        return MIP6TLS_ERR_NOBUF;
    days = t / 86400;
    sec = t % 86400;
    ctr_civil_from_days(days, &y, &m, &d);
    memcpy(out, ctr_wkday[(days + 4) % 7], 3);
    memcpy(out + 3, ", ", 2);
    ctr_put2(out + 5, d);
    out[7] = ' ';
    memcpy(out + 8, ctr_month[m - 1], 3);
    out[11] = ' ';
    ctr_put2(out + 12, y / 100);
    ctr_put2(out + 14, y % 100);
    out[16] = ' ';
    ctr_put2(out + 17, (unsigned)(sec / 3600));
    out[19] = ':';
    ctr_put2(out + 20, (unsigned)(sec / 60 % 60));
    out[22] = ':';
    ctr_put2(out + 23, (unsigned)(sec % 60));
    memcpy(out + 25, " GMT", 4);
    return MIP6TLS_CTR_DATE_LEN;
}

/* ---- NAI (RFC 4282 §2.1) --------------------------------------------------------------- */

/* RFC 4282 §2.1 "c": the octets a username may hold unescaped (the dot separates strings). */
static int ctr_nai_c(uint8_t c)
{
    static const char punct[] = "!#$%&'*+-/=?^_`{|}~";
    size_t i;
    if (c >= 0x80)
        return 1; /* UTF-8 octets; RFC 4282 §2.4 normalisation is left to the AAA side */
    if (ctr_isalnum(c))
        return 1;
    for (i = 0; i < sizeof punct - 1; i++)
        if (c == (uint8_t)punct[i])
            return 1;
    return 0;
}

/* realm = 1*( label "." ) label; label = let-dig *(ldh-str); ldh-str = *(alpha/digit/"-")
 * let-dig: labels of letters, digits and inner hyphens, at least two labels. */
static int ctr_realm_valid(const uint8_t *s, size_t len)
{
    size_t i, start = 0;
    int labels = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == start || !ctr_isalnum(s[start]) || !ctr_isalnum(s[i - 1]))
                return 0;
            labels++;
            start = i + 1;
        } else if (!ctr_isalnum(s[i]) && s[i] != '-') {
            return 0;
        }
    }
    return labels >= 2;
}

int mip6tls_ctr_nai_valid(const char *str, size_t len)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    int prev_dot = 1; /* a username may not start with '.' */
    if (len == 0 || len > MIP6TLS_CTR_NAI_MAX)
        return 0;
    /* username = dot-string: strings of "c" or "\" x, joined by single dots. */
    for (i = 0; i < len && s[i] != '@'; i++) {
        if (s[i] == '.') {
            if (prev_dot)
                return 0;
            prev_dot = 1;
            continue;
        }
        if (s[i] == '\\') {
            /* x may be any octet (RFC 4282 §2.1), but not one that ends or bends a TV line:
             * no CTL and no white space (0021-container-values.md). */
            if (i + 1 == len || ctr_isctl(s[i + 1]) || s[i + 1] == ' ')
                return 0;
            i++;
        } else if (!ctr_nai_c(s[i])) {
            return 0;
        }
        prev_dot = 0;
    }
    if (i == len)
        return !prev_dot; /* nai = username */
    if (i > 0 && prev_dot)
        return 0; /* username ends in '.' */
    return ctr_realm_valid(s + i + 1, len - i - 1);
}

/* ---- hex -------------------------------------------------------------------------------- */

int mip6tls_ctr_unhex(const mip6tls_ctr_view *v, uint8_t *out, size_t cap)
{
    size_t n = v->len / 2, i;
    if (v->len % 2 != 0 || n > (size_t)INT32_MAX)
        return MIP6TLS_ERR_MALFORMED;
    for (i = 0; i < v->len; i++)
        if (mip6tls_text_hexval(v->p[i]) < 0)
            return MIP6TLS_ERR_MALFORMED;
    if (n > cap)
        return MIP6TLS_ERR_NOBUF;
    for (i = 0; i < n; i++)
        out[i] = (uint8_t)(mip6tls_text_hexval(v->p[2 * i]) << 4 |
                           mip6tls_text_hexval(v->p[2 * i + 1]));
    return (int)n;
}

/* ---- ciphersuites ----------------------------------------------------------------------- */

/* RFC 6618 §5.6.5: csuite = "{" suite "}", suite = 2HEX "," 2HEX (the listed codes, and any
 * other code kept for the caller to filter). Reads exactly 7 octets at s. */
static int ctr_csuite(uint16_t *code, const uint8_t *s, size_t len)
{
    uint8_t b[2];
    if (len != 7 || s[0] != '{' || s[3] != ',' || s[6] != '}' || ctr_hex_exact(b, 1, s + 1, 2) ||
        ctr_hex_exact(b + 1, 1, s + 4, 2))
        return -1;
    *code = mip6tls_get16(b);
    return 0;
}

/* ---- decoder ---------------------------------------------------------------------------- */

int mip6tls_ctr_frame_need(const uint8_t *buf, size_t len)
{
    uint16_t clen;
    if (len < MIP6TLS_CTR_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    /* RFC 6618 §5.1: Ver (3 bits) is 0, Rsrvd (5 bits) is 0, Identifier 1..255, Length >= 1.
     * Version first: an unknown version may define the other bits differently. */
    if ((buf[0] >> 5) != 0)
        return MIP6TLS_ERR_VERSION;
    if ((buf[0] & 0x1f) != 0)
        return MIP6TLS_ERR_RESERVED;
    if (buf[1] == 0)
        return MIP6TLS_ERR_MALFORMED;
    clen = mip6tls_get16(buf + 2);
    if (clen == 0)
        return MIP6TLS_ERR_LENGTH;
    return MIP6TLS_CTR_HDR_LEN + (int)clen;
}

static int ctr_lookup(const uint8_t *name, size_t len)
{
    int h;
    size_t i;
    for (h = 0; h < MIP6TLS_CTR_H_COUNT; h++) {
        if (ctr_names[h].len != len)
            continue;
        for (i = 0; i < len && ctr_lower(name[i]) == (uint8_t)ctr_names[h].s[i]; i++)
            ;
        if (i == len)
            return h;
    }
    return -1;
}

/* auth-method = a-method *("," a-method); a-method = "psk" | "eap" (RFC 6618 §5.5.2), literals
 * case-insensitive (RFC 2616 §2.1), OWS allowed around the commas. */
static int ctr_auth_methods(uint8_t *mask, const uint8_t *v, size_t len)
{
    size_t i = 0;
    uint8_t m = 0;
    for (;;) {
        size_t j = i, e;
        while (j < len && v[j] != ',')
            j++;
        e = j;
        while (i < e && ctr_isows(v[i]))
            i++;
        while (e > i && ctr_isows(v[e - 1]))
            e--;
        if (e - i != 3)
            return -1;
        if (ctr_lower(v[i]) == 'p' && ctr_lower(v[i + 1]) == 's' && ctr_lower(v[i + 2]) == 'k')
            m |= MIP6TLS_CTR_AM_PSK;
        else if (ctr_lower(v[i]) == 'e' && ctr_lower(v[i + 1]) == 'a' && ctr_lower(v[i + 2]) == 'p')
            m |= MIP6TLS_CTR_AM_EAP;
        else
            return -1;
        if (j == len)
            break;
        i = j + 1;
    }
    *mask = m;
    return 0;
}

/* mip6-suitelist = csuite *("," csuite) (RFC 6618 §5.6.5), OWS allowed around the commas. The
 * first MIP6TLS_CTR_SUITES_MAX are kept; the rest are checked and ignored. */
static int ctr_suitelist(mip6tls_ctr_msg *m, const uint8_t *v, size_t len)
{
    size_t i = 0;
    for (;;) {
        uint16_t code;
        if (len - i < 7 || ctr_csuite(&code, v + i, 7) != 0)
            return -1;
        if (m->n_suites < MIP6TLS_CTR_SUITES_MAX)
            m->suites[m->n_suites++] = code;
        i += 7;
        while (i < len && ctr_isows(v[i]))
            i++;
        if (i == len)
            return 0;
        if (v[i] != ',')
            return -1;
        i++;
        while (i < len && ctr_isows(v[i]))
            i++;
    }
}

static int ctr_status(uint16_t *st, const uint8_t *v, size_t len)
{
    uint32_t x;
    size_t i;
    if (len != 3 || ctr_udec(&x, v, len, 100, 599) != 0)
        return -1;
    for (i = 0; i < sizeof ctr_status_values / sizeof ctr_status_values[0]; i++) {
        if (ctr_status_values[i] == x) {
            *st = (uint16_t)x;
            return 0;
        }
    }
    return -1;
}

/* Parses the value of known header h into m. Returns 0, or non-zero when it is malformed. */
static int ctr_value(mip6tls_ctr_msg *m, int h, const uint8_t *v, size_t len)
{
    const char *cv = (const char *)v;
    uint32_t x;
    switch (h) {
    case MIP6TLS_CTR_H_MN_ID: /* RFC 6618 §5.5.1 */
        if (!mip6tls_ctr_nai_valid(cv, len))
            return -1;
        m->mn_id.p = v;
        m->mn_id.len = len;
        return 0;
    case MIP6TLS_CTR_H_AUTH_METHOD: /* RFC 6618 §5.5.2 */
        return ctr_auth_methods(&m->auth_methods, v, len);
    case MIP6TLS_CTR_H_EAP_PAYLOAD: /* RFC 6618 §5.5.3: 1*(HEX HEX) */
        if (ctr_hex_check(v, len, MIP6TLS_CTR_CONTENT_MAX) != 0)
            return -1;
        m->eap.p = v;
        m->eap.len = len;
        return 0;
    case MIP6TLS_CTR_H_STATUS_CODE: /* RFC 6618 §5.5.4 */
        return ctr_status(&m->status, v, len);
    case MIP6TLS_CTR_H_AUTH: /* RFC 6618 §5.5.5, §5.8: an HMAC-SHA256, 32 octets */
        return ctr_hex_exact(m->auth, MIP6TLS_CTR_AUTH_LEN, v, len);
    case MIP6TLS_CTR_H_RETRY_AFTER: /* RFC 6618 §5.5.6 */
        return mip6tls_ctr_date_parse(&m->retry_after, cv, len);
    case MIP6TLS_CTR_H_MN_RAND: /* RFC 6618 §5.5.8: 32(HEX HEX) */
        return ctr_hex_exact(m->mn_rand, MIP6TLS_CTR_RAND_LEN, v, len);
    case MIP6TLS_CTR_H_HAC_RAND:
        return ctr_hex_exact(m->hac_rand, MIP6TLS_CTR_RAND_LEN, v, len);
    case MIP6TLS_CTR_H_SPI: /* RFC 6618 §5.6.1: 1*DIGIT, 1..268435455 */
        return ctr_udec(&m->spi, v, len, 1, MIP6TLS_CTR_SPI_MAX);
    case MIP6TLS_CTR_H_MN_TO_HA_IKEY: /* RFC 6618 §5.6.2: 1*(HEX HEX) */
    case MIP6TLS_CTR_H_HA_TO_MN_IKEY:
    case MIP6TLS_CTR_H_MN_TO_HA_EKEY:
    case MIP6TLS_CTR_H_HA_TO_MN_EKEY:
        if (ctr_hex_check(v, len, MIP6TLS_CTR_KEY_MAX) != 0)
            return -1;
        m->keys[h - MIP6TLS_CTR_H_MN_TO_HA_IKEY].p = v;
        m->keys[h - MIP6TLS_CTR_H_MN_TO_HA_IKEY].len = len;
        return 0;
    case MIP6TLS_CTR_H_VALIDITY_END: /* RFC 6618 §5.6.3 */
        return mip6tls_ctr_date_parse(&m->validity_end, cv, len);
    case MIP6TLS_CTR_H_SAS: /* RFC 6618 §5.6.4: 1DIGIT, "0" or "1" (the prose's "O" is 0) */
        if (len != 1 || (v[0] != '0' && v[0] != '1'))
            return -1;
        m->sas = (uint8_t)(v[0] - '0');
        return 0;
    case MIP6TLS_CTR_H_CIPHERSUITE: /* RFC 6618 §5.6.5 */
        return ctr_csuite(&m->ciphersuite, v, len);
    case MIP6TLS_CTR_H_SUITELIST:
        return ctr_suitelist(m, v, len);
    case MIP6TLS_CTR_H_HAA_IP6: /* RFC 6618 §5.7.1 */
        return mip6tls_addr_parse_wire(&m->haa_ip6, MIP6TLS_AF_INET6, cv, len);
    case MIP6TLS_CTR_H_HAA_IP4:
        return mip6tls_addr_parse_wire(&m->haa_ip4, MIP6TLS_AF_INET, cv, len);
    case MIP6TLS_CTR_H_PORT: /* RFC 6618 §5.7.2: 1*5DIGIT */
        if (len > 5 || ctr_udec(&x, v, len, 1, 65535) != 0)
            return -1;
        m->port = (uint16_t)x;
        return 0;
    case MIP6TLS_CTR_H_IP6_HOA: /* RFC 6618 §5.7.3 */
        return mip6tls_addr_parse_wire(&m->ip6_hoa, MIP6TLS_AF_INET6, cv, len);
    case MIP6TLS_CTR_H_IP4_HOA:
        return mip6tls_addr_parse_wire(&m->ip4_hoa, MIP6TLS_AF_INET, cv, len);
    case MIP6TLS_CTR_H_IP6_HNP:
        return mip6tls_prefix_parse(&m->ip6_hnp, &m->ip6_hnp_len, MIP6TLS_AF_INET6, 1, cv, len);
    case MIP6TLS_CTR_H_IP4_HNP:
        return mip6tls_prefix_parse(&m->ip4_hnp, &m->ip4_hnp_len, MIP6TLS_AF_INET, 1, cv, len);
    case MIP6TLS_CTR_H_DNS_IP6: { /* RFC 6618 §5.7.4; may repeat (0002-header-names.md) */
        mip6tls_addr a;
        if (mip6tls_addr_parse_wire(&a, MIP6TLS_AF_INET6, cv, len) != 0)
            return -1;
        if (m->n_dns_ip6 < MIP6TLS_CTR_DNS_MAX)
            m->dns_ip6[m->n_dns_ip6++] = a;
        return 0;
    }
    case MIP6TLS_CTR_H_DNS_IP4: {
        mip6tls_addr a;
        if (mip6tls_addr_parse_wire(&a, MIP6TLS_AF_INET, cv, len) != 0)
            return -1;
        if (m->n_dns_ip4 < MIP6TLS_CTR_DNS_MAX)
            m->dns_ip4[m->n_dns_ip4++] = a;
        return 0;
    }
    }
    return -1;
}

/* One TV-header line without its CRLF, at offset `off` of the content. */
static int ctr_parse_line(mip6tls_ctr_msg *m, const uint8_t *s, size_t len, size_t off)
{
    size_t colon, i, vs, ve;
    int h;
    /* RFC 6618 §5.5.5: `auth` MUST be the last TV-header. */
    if (m->present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH))
        return MIP6TLS_ERR_MALFORMED;
    for (colon = 0; colon < len && s[colon] != ':'; colon++)
        if (!ctr_istoken(s[colon]))
            return MIP6TLS_ERR_MALFORMED; /* includes white space before ':' and obs-fold */
    if (colon == 0 || colon == len)
        return MIP6TLS_ERR_MALFORMED;
    for (i = colon + 1; i < len; i++)
        if (ctr_isctl(s[i]) && s[i] != '\t')
            return MIP6TLS_ERR_MALFORMED;
    vs = colon + 1;
    ve = len;
    while (vs < ve && ctr_isows(s[vs]))
        vs++;
    while (ve > vs && ctr_isows(s[ve - 1]))
        ve--;
    h = ctr_lookup(s, colon);
    if (h < 0)
        return 0; /* unknown headers are ignored (0002-header-names.md) */
    if ((m->present & MIP6TLS_CTR_BIT(h)) && h != MIP6TLS_CTR_H_DNS_IP6 &&
        h != MIP6TLS_CTR_H_DNS_IP4)
        return MIP6TLS_ERR_DUPLICATE;
    if (ctr_value(m, h, s + vs, ve - vs) != 0)
        return MIP6TLS_ERR_MALFORMED;
    if (h == MIP6TLS_CTR_H_AUTH)
        m->auth_off = off;
    m->present |= MIP6TLS_CTR_BIT(h);
    return 0;
}

static int ctr_parse_content(mip6tls_ctr_msg *m, const uint8_t *p, size_t len)
{
    size_t pos = 0, i;
    int rc;
    for (;;) {
        for (i = pos; i < len && p[i] != '\r'; i++)
            if (p[i] == '\n')
                return MIP6TLS_ERR_MALFORMED; /* bare LF */
        if (i + 1 >= len)
            return MIP6TLS_ERR_LENGTH; /* the content ends before the end-of-message */
        if (p[i + 1] != '\n')
            return MIP6TLS_ERR_MALFORMED; /* bare CR */
        if (i == pos) {
            /* RFC 6618 §5.5.7: the empty line ends the message, and the content with it. */
            if (i + 2 != len)
                return MIP6TLS_ERR_LENGTH;
            return pos == 0 ? MIP6TLS_ERR_MISSING : 0;
        }
        rc = ctr_parse_line(m, p + pos, i - pos, pos);
        if (rc != 0)
            return rc;
        pos = i + 2;
    }
}

int mip6tls_ctr_decode(mip6tls_ctr_msg *m, const uint8_t *buf, size_t len)
{
    int need, rc;
    memset(m, 0, sizeof *m);
    need = mip6tls_ctr_frame_need(buf, len);
    if (need < 0)
        return need;
    if (len < (size_t)need)
        return MIP6TLS_ERR_TRUNCATED;
    if (len > (size_t)need)
        return MIP6TLS_ERR_LENGTH;
    m->id = buf[1];
    m->content.p = buf + MIP6TLS_CTR_HDR_LEN;
    m->content.len = len - MIP6TLS_CTR_HDR_LEN;
    rc = ctr_parse_content(m, m->content.p, m->content.len);
    if (rc != 0)
        memset(m, 0, sizeof *m);
    return rc;
}

/* ---- auth (RFC 6618 §5.8, §5.9; 0003-auth-coverage.md) ---------------------------------- */

void mip6tls_ctr_auth_compute(uint8_t out[MIP6TLS_CTR_AUTH_LEN], const uint8_t *key, size_t key_len,
                              mip6tls_ctr_dir dir, const uint8_t *msg, size_t msg_len,
                              const uint8_t *cb, size_t cb_len)
{
    static const uint8_t none[1] = {0};
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, &br_sha256_vtable, key_len ? key : none, key_len);
    br_hmac_init(&hc, &kc, 0);
    /* "MN" is 2 ASCII characters, "HAC" 3, without NUL (RFC 6618 §5.8). */
    if (dir == MIP6TLS_CTR_DIR_HAC)
        br_hmac_update(&hc, "HAC", 3);
    else
        br_hmac_update(&hc, "MN", 2);
    if (msg_len > 0)
        br_hmac_update(&hc, msg, msg_len);
    if (cb_len > 0)
        br_hmac_update(&hc, cb, cb_len);
    br_hmac_out(&hc, out);
}

int mip6tls_ctr_auth_verify(const mip6tls_ctr_msg *m, const uint8_t *key, size_t key_len,
                            mip6tls_ctr_dir dir, const uint8_t *cb, size_t cb_len)
{
    uint8_t mac[MIP6TLS_CTR_AUTH_LEN];
    if (!(m->present & MIP6TLS_CTR_BIT(MIP6TLS_CTR_H_AUTH)))
        return MIP6TLS_ERR_MISSING;
    mip6tls_ctr_auth_compute(mac, key, key_len, dir, m->content.p, m->auth_off, cb, cb_len);
    return mip6tls_ct_eq(mac, m->auth, MIP6TLS_CTR_AUTH_LEN) ? 0 : MIP6TLS_ERR_AUTH;
}

/* ---- builder ---------------------------------------------------------------------------- */

#define CTR_EOM_LEN 2 /* the blank line that ends the content (RFC 6618 §5.5.7) */

int mip6tls_ctr_build_init(mip6tls_ctr_builder *b, uint8_t *out, size_t cap, uint8_t id)
{
    memset(b, 0, sizeof *b);
    b->err = MIP6TLS_ERR_ARG;   /* until initialised */
    if (id == 0 || out == NULL) /* RFC 6618 §5.1: Identifier 1..255 */
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_CTR_HDR_LEN + CTR_EOM_LEN)
        return b->err = MIP6TLS_ERR_NOBUF;
    b->out = out;
    b->cap = cap > MIP6TLS_CTR_MAX ? MIP6TLS_CTR_MAX : cap;
    b->len = MIP6TLS_CTR_HDR_LEN;
    b->id = id;
    b->err = 0;
    return 0;
}

/* Records err unless an earlier error is already kept; returns the kept one. */
static int ctr_fail(mip6tls_ctr_builder *b, int err)
{
    if (b->err == 0)
        b->err = err;
    return b->err;
}

/* Checks that header h may be put with a value of vlen octets, writes "name: " and returns a
 * pointer to where the value goes (NULL on error, *err set). The caller writes exactly vlen
 * octets there and calls ctr_close(). */
static uint8_t *ctr_open(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, size_t vlen, int *err)
{
    size_t need;
    uint8_t *p;
    *err = b->err;
    if (b->err != 0)
        return NULL;
    if (b->done) {
        *err = MIP6TLS_ERR_STATE;
        return NULL;
    }
    if (h == MIP6TLS_CTR_H_DNS_IP6 || h == MIP6TLS_CTR_H_DNS_IP4) {
        if ((h == MIP6TLS_CTR_H_DNS_IP6 ? b->n_dns_ip6 : b->n_dns_ip4) >= MIP6TLS_CTR_DNS_MAX) {
            *err = ctr_fail(b, MIP6TLS_ERR_ARG);
            return NULL;
        }
    } else if (b->present & MIP6TLS_CTR_BIT(h)) {
        *err = ctr_fail(b, MIP6TLS_ERR_ARG); /* 0002-header-names.md: no repeats */
        return NULL;
    }
    need = (size_t)ctr_names[h].len + 2 + vlen + 2;
    if (vlen > MIP6TLS_CTR_MAX || b->cap - b->len < CTR_EOM_LEN ||
        need > b->cap - b->len - CTR_EOM_LEN) {
        *err = ctr_fail(b, MIP6TLS_ERR_NOBUF);
        return NULL;
    }
    p = b->out + b->len;
    memcpy(p, ctr_names[h].s, ctr_names[h].len);
    p += ctr_names[h].len;
    *p++ = ':';
    *p++ = ' ';
    return p;
}

static int ctr_close(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, size_t vlen)
{
    uint8_t *p = b->out + b->len + ctr_names[h].len + 2 + vlen;
    p[0] = '\r';
    p[1] = '\n';
    b->len += (size_t)ctr_names[h].len + 2 + vlen + 2;
    b->present |= MIP6TLS_CTR_BIT(h);
    if (h == MIP6TLS_CTR_H_DNS_IP6)
        b->n_dns_ip6++;
    else if (h == MIP6TLS_CTR_H_DNS_IP4)
        b->n_dns_ip4++;
    return 0;
}

/* Puts a value that is already text. */
static int ctr_put_text(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const void *v, size_t len)
{
    int err;
    uint8_t *p = ctr_open(b, h, len, &err);
    if (p == NULL)
        return err;
    memcpy(p, v, len);
    return ctr_close(b, h, len);
}

/* Lower-case hex (0021-container-values.md). */
static void ctr_hex(uint8_t *p, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        p[2 * i] = (uint8_t)digits[in[i] >> 4];
        p[2 * i + 1] = (uint8_t)digits[in[i] & 15];
    }
}

static int ctr_put_hex(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const uint8_t *in, size_t n)
{
    int err;
    uint8_t *p;
    if (n > MIP6TLS_CTR_CONTENT_MAX)
        return ctr_fail(b, MIP6TLS_ERR_NOBUF);
    p = ctr_open(b, h, 2 * n, &err);
    if (p == NULL)
        return err;
    ctr_hex(p, in, n);
    return ctr_close(b, h, 2 * n);
}

/* Writes v in decimal into p (room for 20 digits); returns the digit count. */
static size_t ctr_dec(uint8_t *p, uint64_t v)
{
    uint8_t t[20];
    size_t n = 0, i;
    do {
        t[n++] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    return n;
}

static int ctr_put_dec(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, uint64_t v)
{
    uint8_t t[20];
    return ctr_put_text(b, h, t, ctr_dec(t, v));
}

/* Fails a put whose argument is out of range (kept as the builder's error). */
static int ctr_bad_arg(mip6tls_ctr_builder *b)
{
    return ctr_fail(b, MIP6TLS_ERR_ARG);
}

int mip6tls_ctr_put_mn_id(mip6tls_ctr_builder *b, const char *nai, size_t len)
{
    if (nai == NULL || !mip6tls_ctr_nai_valid(nai, len))
        return ctr_bad_arg(b);
    return ctr_put_text(b, MIP6TLS_CTR_H_MN_ID, nai, len);
}

int mip6tls_ctr_put_auth_method(mip6tls_ctr_builder *b, unsigned mask)
{
    uint8_t t[7];
    size_t n = 0;
    /* RFC 6618 §5.5.2: at least one method. */
    if (mask == 0 || (mask & ~(MIP6TLS_CTR_AM_PSK | MIP6TLS_CTR_AM_EAP)) != 0)
        return ctr_bad_arg(b);
    if (mask & MIP6TLS_CTR_AM_PSK) {
        memcpy(t, "psk", 3);
        n = 3;
    }
    if (mask & MIP6TLS_CTR_AM_EAP) {
        if (n > 0)
            t[n++] = ',';
        memcpy(t + n, "eap", 3);
        n += 3;
    }
    return ctr_put_text(b, MIP6TLS_CTR_H_AUTH_METHOD, t, n);
}

int mip6tls_ctr_put_eap(mip6tls_ctr_builder *b, const uint8_t *eap, size_t len)
{
    if (eap == NULL || len == 0) /* RFC 6618 §5.5.3: 1*(HEX HEX) */
        return ctr_bad_arg(b);
    return ctr_put_hex(b, MIP6TLS_CTR_H_EAP_PAYLOAD, eap, len);
}

int mip6tls_ctr_put_status(mip6tls_ctr_builder *b, unsigned code)
{
    size_t i;
    for (i = 0; i < sizeof ctr_status_values / sizeof ctr_status_values[0]; i++)
        if (ctr_status_values[i] == code)
            return ctr_put_dec(b, MIP6TLS_CTR_H_STATUS_CODE, code);
    return ctr_bad_arg(b);
}

static int ctr_put_date(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, uint64_t t)
{
    char s[MIP6TLS_CTR_DATE_LEN];
    if (mip6tls_ctr_date_format(t, s, sizeof s) < 0)
        return ctr_bad_arg(b);
    return ctr_put_text(b, h, s, sizeof s);
}

int mip6tls_ctr_put_retry_after(mip6tls_ctr_builder *b, uint64_t t)
{
    return ctr_put_date(b, MIP6TLS_CTR_H_RETRY_AFTER, t);
}

int mip6tls_ctr_put_mn_rand(mip6tls_ctr_builder *b, const uint8_t r[MIP6TLS_CTR_RAND_LEN])
{
    if (r == NULL)
        return ctr_bad_arg(b);
    return ctr_put_hex(b, MIP6TLS_CTR_H_MN_RAND, r, MIP6TLS_CTR_RAND_LEN);
}

int mip6tls_ctr_put_hac_rand(mip6tls_ctr_builder *b, const uint8_t r[MIP6TLS_CTR_RAND_LEN])
{
    if (r == NULL)
        return ctr_bad_arg(b);
    return ctr_put_hex(b, MIP6TLS_CTR_H_HAC_RAND, r, MIP6TLS_CTR_RAND_LEN);
}

int mip6tls_ctr_put_spi(mip6tls_ctr_builder *b, uint32_t spi)
{
    if (spi == 0 || spi > MIP6TLS_CTR_SPI_MAX) /* RFC 6618 §5.6.1 */
        return ctr_bad_arg(b);
    return ctr_put_dec(b, MIP6TLS_CTR_H_SPI, spi);
}

int mip6tls_ctr_put_key(mip6tls_ctr_builder *b, mip6tls_ctr_key which, const uint8_t *k, size_t len)
{
    if ((unsigned)which > MIP6TLS_CTR_KEY_HA_TO_MN_EKEY || k == NULL || len == 0 ||
        len > MIP6TLS_CTR_KEY_MAX)
        return ctr_bad_arg(b);
    return ctr_put_hex(b, (mip6tls_ctr_hdr)(MIP6TLS_CTR_H_MN_TO_HA_IKEY + (int)which), k, len);
}

int mip6tls_ctr_put_validity_end(mip6tls_ctr_builder *b, uint64_t t)
{
    return ctr_put_date(b, MIP6TLS_CTR_H_VALIDITY_END, t);
}

int mip6tls_ctr_put_sas(mip6tls_ctr_builder *b, unsigned sas)
{
    uint8_t c = (uint8_t)('0' + sas);
    if (sas > 1) /* RFC 6618 §5.6.4 */
        return ctr_bad_arg(b);
    return ctr_put_text(b, MIP6TLS_CTR_H_SAS, &c, 1);
}

/* "{XX,YY}" in upper case, as RFC 6618 §5.6.5 writes the codes. */
static void ctr_fmt_suite(uint8_t *p, uint16_t code)
{
    static const char digits[] = "0123456789ABCDEF";
    p[0] = '{';
    p[1] = (uint8_t)digits[code >> 12];
    p[2] = (uint8_t)digits[(code >> 8) & 15];
    p[3] = ',';
    p[4] = (uint8_t)digits[(code >> 4) & 15];
    p[5] = (uint8_t)digits[code & 15];
    p[6] = '}';
}

int mip6tls_ctr_put_ciphersuite(mip6tls_ctr_builder *b, uint16_t code)
{
    uint8_t t[7];
    ctr_fmt_suite(t, code);
    return ctr_put_text(b, MIP6TLS_CTR_H_CIPHERSUITE, t, sizeof t);
}

int mip6tls_ctr_put_suitelist(mip6tls_ctr_builder *b, const uint16_t *codes, size_t n)
{
    uint8_t t[8 * MIP6TLS_CTR_SUITES_MAX];
    size_t i, len = 0;
    if (codes == NULL || n == 0 || n > MIP6TLS_CTR_SUITES_MAX)
        return ctr_bad_arg(b);
    for (i = 0; i < n; i++) {
        if (i > 0)
            t[len++] = ',';
        ctr_fmt_suite(t + len, codes[i]);
        len += 7;
    }
    return ctr_put_text(b, MIP6TLS_CTR_H_SUITELIST, t, len);
}

int mip6tls_ctr_put_port(mip6tls_ctr_builder *b, uint16_t port)
{
    if (port == 0) /* RFC 6618 §5.7.2 */
        return ctr_bad_arg(b);
    return ctr_put_dec(b, MIP6TLS_CTR_H_PORT, port);
}

int mip6tls_ctr_put_addr(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const mip6tls_addr *a)
{
    char t[MIP6TLS_ADDR_TEXT_MAX];
    int fam, n;
    switch (h) {
    case MIP6TLS_CTR_H_HAA_IP6:
    case MIP6TLS_CTR_H_IP6_HOA:
    case MIP6TLS_CTR_H_DNS_IP6:
        fam = MIP6TLS_AF_INET6;
        break;
    case MIP6TLS_CTR_H_HAA_IP4:
    case MIP6TLS_CTR_H_IP4_HOA:
    case MIP6TLS_CTR_H_DNS_IP4:
        fam = MIP6TLS_AF_INET;
        break;
    default:
        return ctr_bad_arg(b);
    }
    if (a == NULL || a->family != fam)
        return ctr_bad_arg(b);
    n = mip6tls_addr_format_wire(a, t, sizeof t);
    if (n < 0)
        return ctr_bad_arg(b);
    return ctr_put_text(b, h, t, (size_t)n);
}

int mip6tls_ctr_put_prefix(mip6tls_ctr_builder *b, mip6tls_ctr_hdr h, const mip6tls_addr *a,
                           uint8_t plen)
{
    char t[MIP6TLS_ADDR_TEXT_MAX];
    int fam, n;
    if (h == MIP6TLS_CTR_H_IP6_HNP)
        fam = MIP6TLS_AF_INET6;
    else if (h == MIP6TLS_CTR_H_IP4_HNP)
        fam = MIP6TLS_AF_INET;
    else
        return ctr_bad_arg(b);
    if (a == NULL || a->family != fam)
        return ctr_bad_arg(b);
    n = mip6tls_prefix_format(a, plen, 1, t, sizeof t);
    if (n < 0)
        return ctr_bad_arg(b);
    return ctr_put_text(b, h, t, (size_t)n);
}

/* Appends the blank line and writes the header (RFC 6618 §5.1, §5.5.7). */
static int ctr_seal(mip6tls_ctr_builder *b)
{
    size_t clen;
    b->out[b->len] = '\r';
    b->out[b->len + 1] = '\n';
    b->len += CTR_EOM_LEN;
    clen = b->len - MIP6TLS_CTR_HDR_LEN;
    b->out[0] = 0; /* Ver 0, Rsrvd 0 */
    b->out[1] = b->id;
    mip6tls_put16(b->out + 2, (uint16_t)clen);
    b->done = 1;
    return (int)b->len;
}

int mip6tls_ctr_finish(mip6tls_ctr_builder *b)
{
    if (b->err != 0)
        return b->err;
    /* A content of the blank line alone is no message (MIP6TLS_ERR_MISSING on receipt). */
    if (b->done || b->present == 0)
        return MIP6TLS_ERR_STATE;
    return ctr_seal(b); /* ctr_open() always left room for the blank line */
}

int mip6tls_ctr_finish_auth(mip6tls_ctr_builder *b, const uint8_t *key, size_t key_len,
                            mip6tls_ctr_dir dir, const uint8_t *cb, size_t cb_len)
{
    uint8_t mac[MIP6TLS_CTR_AUTH_LEN];
    if (b->err != 0)
        return b->err;
    if ((key == NULL && key_len != 0) || (cb == NULL && cb_len != 0) ||
        (dir != MIP6TLS_CTR_DIR_MN && dir != MIP6TLS_CTR_DIR_HAC))
        return ctr_bad_arg(b);
    /* RFC 6618 §5.8: over the content written so far, before the auth line. */
    mip6tls_ctr_auth_compute(mac, key, key_len, dir, b->out + MIP6TLS_CTR_HDR_LEN,
                             b->len - MIP6TLS_CTR_HDR_LEN, cb, cb_len);
    {
        int err;
        uint8_t *p = ctr_open(b, MIP6TLS_CTR_H_AUTH, 2 * MIP6TLS_CTR_AUTH_LEN, &err);
        if (p == NULL)
            return err;
        ctr_hex(p, mac, MIP6TLS_CTR_AUTH_LEN);
        ctr_close(b, MIP6TLS_CTR_H_AUTH, 2 * MIP6TLS_CTR_AUTH_LEN);
    }
    return ctr_seal(b);
}
