/*
 * addr.c: text forms of IPv4/IPv6 addresses and prefixes (RFC 6618 §5.7, RFC 4291 §2.2,
 * RFC 5952). The core may not call libc beyond mem*, so digits are read and written by hand.
 *
 * Every parser works on a local copy and stores into the caller's outputs only after the whole
 * text has been accepted, so a failed parse changes nothing.
 */
#include "mip6tls/addr.h"

#include <string.h>

#include "text.h"


/* Reads 1..3 decimal digits at s[*i] as a value <= 255. `strict_zero` rejects a leading zero
 * in a multi-digit number (configuration text); the RFC 6618 §5.7 "1*3DIGIT" allows it. */
static int addr_octet(const char *s, size_t len, size_t *i, int strict_zero, uint8_t *out)
{
    size_t start = *i, j = *i;
    unsigned v = 0;
    while (j < len && mip6tls_text_isdigit((unsigned char)s[j]) && j - start < 3) {
        v = v * 10 + (unsigned)(s[j] - '0');
        j++;
    }
    if (j == start || v > 255)
        return -1;
    if (j < len && mip6tls_text_isdigit((unsigned char)s[j])) /* a fourth digit */
        return -1;
    if (strict_zero && j - start > 1 && s[start] == '0')
        return -1;
    *out = (uint8_t)v;
    *i = j;
    return 0;
}

/* RFC 6618 §5.7 ip4-addr = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT */
static int addr_parse4(uint8_t out[4], const char *s, size_t len, int wire)
{
    size_t i = 0;
    int k;
    for (k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
        if (addr_octet(s, len, &i, !wire, &out[k]) != 0)
            return -1;
    }
    return i == len ? 0 : -1;
}

/* RFC 4291 §2.2 text forms (wire == 0), or RFC 6618 §5.7 ip6-addr = 7( word ":" ) word with
 * word = 1*4HEX (wire != 0). */
static int addr_parse6(uint8_t out[16], const char *s, size_t len, int wire)
{
    uint16_t w[8];
    int n = 0, gap = -1, k;
    size_t i = 0;

    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        if (wire)
            return -1;
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return -1;
    }
    while (i < len) {
        size_t j = i;
        unsigned v = 0;
        if (n == 8)
            return -1;
        while (j < len && j - i < 4 && mip6tls_text_hexval((unsigned char)s[j]) >= 0) {
            v = v << 4 | (unsigned)mip6tls_text_hexval((unsigned char)s[j]);
            j++;
        }
        if (j < len && s[j] == '.') {
            /* RFC 4291 §2.2 item 3: the last 32 bits as a dotted quad. */
            uint8_t q[4];
            if (wire || n > 6 || addr_parse4(q, s + i, len - i, 0) != 0)
                return -1;
            w[n++] = (uint16_t)(q[0] << 8 | q[1]);
            w[n++] = (uint16_t)(q[2] << 8 | q[3]);
            i = len;
            break;
        }
        if (j == i || (j < len && mip6tls_text_hexval((unsigned char)s[j]) >= 0))
            return -1; /* empty word (":::") or a fifth digit */
        w[n++] = (uint16_t)v;
        i = j;
        if (i == len)
            break;
        if (s[i] != ':')
            return -1;
        i++;
        if (i < len && s[i] == ':') {
            if (wire || gap >= 0)
                return -1; /* "::" on the wire, or twice */
            gap = n;
            i++;
        } else if (i == len) {
            return -1; /* one trailing ':' */
        }
    }
    if (gap < 0) {
        if (n != 8)
            return -1;
    } else {
        /* RFC 4291 §2.2 item 2: "::" stands for one or more groups of zeros. */
        int z = 8 - n;
        if (z < 1)
            return -1;
        for (k = n - 1; k >= gap; k--)
            w[k + z] = w[k];
        for (k = gap; k < gap + z; k++)
            w[k] = 0;
    }
    for (k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(w[k] >> 8);
        out[2 * k + 1] = (uint8_t)w[k];
    }
    return 0;
}

static int addr_has_colon(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] == ':')
            return 1;
    return 0;
}

static int addr_parse_family(mip6tls_addr *a, int family, int wire, const char *s, size_t len)
{
    uint8_t b[16];
    if (family == MIP6TLS_AF_NONE)
        family = addr_has_colon(s, len) ? MIP6TLS_AF_INET6 : MIP6TLS_AF_INET;
    if (family == MIP6TLS_AF_INET6) {
        if (addr_parse6(b, s, len, wire) != 0)
            return MIP6TLS_ERR_MALFORMED;
        mip6tls_addr_set6(a, b);
        return 0;
    }
    if (family == MIP6TLS_AF_INET) {
        if (addr_parse4(b, s, len, wire) != 0)
            return MIP6TLS_ERR_MALFORMED;
        mip6tls_addr_set4(a, b);
        return 0;
    }
    return MIP6TLS_ERR_ARG;
}

int mip6tls_addr_parse(mip6tls_addr *a, const char *s, size_t len)
{
    return addr_parse_family(a, MIP6TLS_AF_NONE, 0, s, len);
}

int mip6tls_addr_parse_wire(mip6tls_addr *a, int family, const char *s, size_t len)
{
    if (family != MIP6TLS_AF_INET6 && family != MIP6TLS_AF_INET)
        return MIP6TLS_ERR_ARG;
    return addr_parse_family(a, family, 1, s, len);
}

int mip6tls_prefix_parse(mip6tls_addr *a, uint8_t *plen, int family, int wire, const char *s,
                         size_t len)
{
    mip6tls_addr t;
    size_t slash, i;
    unsigned v = 0, maxdig, maxlen;
    int rc;

    if (family != MIP6TLS_AF_INET6 && family != MIP6TLS_AF_INET &&
        (wire || family != MIP6TLS_AF_NONE))
        return MIP6TLS_ERR_ARG;
    for (slash = 0; slash < len && s[slash] != '/'; slash++)
        ;
    if (slash == len)
        return MIP6TLS_ERR_MALFORMED;
    rc = addr_parse_family(&t, family, wire, s, slash);
    if (rc != 0)
        return rc;
    /* RFC 6618 §5.7: ip4-subnet ends in "/" 1*2DIGIT. ip6-prefix says 1*2DIGIT too, which
     * cannot write /100../128; three digits are accepted for IPv6 (0020-address-text.md). */
    maxdig = (wire && t.family == MIP6TLS_AF_INET) ? 2 : 3;
    maxlen = t.family == MIP6TLS_AF_INET6 ? 128 : 32;
    if (len - slash - 1 < 1 || len - slash - 1 > maxdig)
        return MIP6TLS_ERR_MALFORMED;
    for (i = slash + 1; i < len; i++) {
        if (!mip6tls_text_isdigit((unsigned char)s[i]))
            return MIP6TLS_ERR_MALFORMED;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > maxlen)
        return MIP6TLS_ERR_MALFORMED;
    *a = t;
    *plen = (uint8_t)v;
    return 0;
}

/* Writes the decimal digits of v (< 1000) at p; returns how many. */
static size_t addr_put_dec(char *p, unsigned v)
{
    size_t n = 0;
    if (v >= 100)
        p[n++] = (char)('0' + v / 100);
    if (v >= 10)
        p[n++] = (char)('0' + v / 10 % 10);
    p[n++] = (char)('0' + v % 10);
    return n;
}

/* Writes a 16-bit word as lower-case hex without leading zeros (RFC 5952 §4.1, §4.3). */
static size_t addr_put_word(char *p, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    int shift, started = 0;
    for (shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 15;
        if (d != 0 || started || shift == 0) {
            p[n++] = digits[d];
            started = 1;
        }
    }
    return n;
}

static size_t addr_put_quad(char *p, const uint8_t *b)
{
    size_t n = 0;
    int k;
    for (k = 0; k < 4; k++) {
        if (k > 0)
            p[n++] = '.';
        n += addr_put_dec(p + n, b[k]);
    }
    return n;
}

/* Writes the address into buf (at least MIP6TLS_ADDR_TEXT_MAX bytes); returns the length, or
 * -1 when the family is not set. */
static int addr_text(const mip6tls_addr *a, int wire, char *buf)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned w[8];
    int k, best = -1, bestlen = 1, run = 0;
    size_t n = 0;

    if (a->family == MIP6TLS_AF_INET)
        return (int)addr_put_quad(buf, a->bytes);
    if (a->family != MIP6TLS_AF_INET6)
        return -1;
    for (k = 0; k < 8; k++)
        w[k] = (unsigned)a->bytes[2 * k] << 8 | a->bytes[2 * k + 1];
    if (wire) {
        for (k = 0; k < 8; k++) {
            if (k > 0)
                buf[n++] = ':';
            n += addr_put_word(buf + n, w[k]);
        }
        return (int)n;
    }
    /* RFC 5952 §5: IPv4-mapped addresses in mixed notation. */
    if (memcmp(a->bytes, mapped, sizeof mapped) == 0) {
        memcpy(buf, "::ffff:", 7);
        return (int)(7 + addr_put_quad(buf + 7, a->bytes + 12));
    }
    /* RFC 5952 §4.2.2-§4.2.3: the longest run of two or more zero words, the first on a tie. */
    for (k = 0; k < 8; k++) {
        run = w[k] == 0 ? run + 1 : 0;
        if (run > bestlen) {
            bestlen = run;
            best = k - run + 1;
        }
    }
    for (k = 0; k < 8; k++) {
        if (k == best) {
            buf[n++] = ':';
            buf[n++] = ':';
            k += bestlen - 1;
            continue;
        }
        if (k > 0 && k != best + bestlen)
            buf[n++] = ':';
        n += addr_put_word(buf + n, w[k]);
    }
    return (int)n;
}

static int addr_emit(const char *buf, int n, char *out, size_t cap)
{
    if (n < 0)
        return MIP6TLS_ERR_ARG;
    if (cap < (size_t)n + 1)
        return MIP6TLS_ERR_NOBUF;
    memcpy(out, buf, (size_t)n);
    out[n] = '\0';
    return n;
}

int mip6tls_addr_format(const mip6tls_addr *a, char *out, size_t cap)
{
    char buf[MIP6TLS_ADDR_TEXT_MAX];
    return addr_emit(buf, addr_text(a, 0, buf), out, cap);
}

int mip6tls_addr_format_wire(const mip6tls_addr *a, char *out, size_t cap)
{
    char buf[MIP6TLS_ADDR_TEXT_MAX];
    return addr_emit(buf, addr_text(a, 1, buf), out, cap);
}

int mip6tls_prefix_format(const mip6tls_addr *a, uint8_t plen, int wire, char *out, size_t cap)
{
    char buf[MIP6TLS_ADDR_TEXT_MAX];
    int n = addr_text(a, wire, buf);
    if (n < 0 || plen > (a->family == MIP6TLS_AF_INET6 ? 128 : 32))
        return MIP6TLS_ERR_ARG;
    buf[n++] = '/';
    n += (int)addr_put_dec(buf + n, plen);
    return addr_emit(buf, n, out, cap);
}
