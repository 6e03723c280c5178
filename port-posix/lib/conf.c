/* conf.c: see conf.h. */
#include "conf.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/suite.h"

#include <strings.h>

typedef struct {
    px_conf *c;
    FILE *f;
    px_conf_fn fn;
    void *user;
} conf_run;

/* libinih reads line by line through this, so the handler knows the line it is called for. */
static char *conf_reader(char *str, int num, void *stream)
{
    conf_run *r = stream;
    char *s = fgets(str, num, r->f);
    if (s != NULL) {
        const char *p = s;
        r->c->line++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '[')
            r->c->section_line = r->c->line;
    }
    return s;
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
    conf_run *r = user;
    if (r->c->failed)
        return 1; /* keep the first error; the rest of the file is not interpreted */
    return r->fn(r->c, r->user, section, name, value) == 0;
}

int px_conf_load(const char *path, px_conf_fn fn, void *user, char *err, size_t cap)
{
    px_conf c;
    conf_run r;
    int rc;
    memset(&c, 0, sizeof c);
    c.path = path;
    r.c = &c;
    r.fn = fn;
    r.user = user;
    r.f = fopen(path, "r");
    if (r.f == NULL) {
        snprintf(err, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    rc = ini_parse_stream(conf_reader, &r, conf_handler, &r);
    fclose(r.f);
    if (c.failed) {
        snprintf(err, cap, "%s", c.err);
        return -1;
    }
    if (rc != 0) {
        /* A line libinih could not parse (no '=', an unclosed '[', or longer than its 200
         * octet line limit). */
        snprintf(err, cap, "%s:%d: syntax error (expected \"[section]\" or \"key = value\")", path,
                 rc);
        return -1;
    }
    return 0;
}

int px_conf_fail(px_conf *c, const char *section, const char *key, const char *value,
                 const char *fmt, ...)
{
    char why[256];
    va_list ap;
    if (c->failed)
        return -1;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(c->err, sizeof c->err, "%s:%d: [%s] %s = \"%s\": %s", c->path, c->line, section, key,
             value, why);
    c->failed = 1;
    return -1;
}

int px_conf_unknown(px_conf *c, const char *section, const char *key)
{
    if (c->failed)
        return -1;
    snprintf(c->err, sizeof c->err, "%s:%d: unknown key \"%s\" in [%s]", c->path, c->line, key,
             section);
    c->failed = 1;
    return -1;
}

int px_conf_u32(px_conf *c, const char *s, const char *k, const char *v, uint32_t min, uint32_t max,
                uint32_t *out)
{
    char *end;
    unsigned long long x;
    errno = 0;
    if (v[0] < '0' || v[0] > '9')
        return px_conf_fail(c, s, k, v, "not a number (%u..%u)", min, max);
    x = strtoull(v, &end, 10);
    if (errno != 0 || *end != 0 || x < min || x > max)
        return px_conf_fail(c, s, k, v, "not a number in %u..%u", min, max);
    *out = (uint32_t)x;
    return 0;
}

int px_conf_port(px_conf *c, const char *s, const char *k, const char *v, uint16_t *out)
{
    char *end = NULL;
    unsigned long long x = 0;
    errno = 0;
    if (v[0] >= '0' && v[0] <= '9')
        x = strtoull(v, &end, 10);
    if (end == NULL || errno != 0 || *end != 0 || x < 1 || x > 65535)
        return px_conf_fail(c, s, k, v, "not a port number (1..65535)");
    *out = (uint16_t)x;
    return 0;
}

int px_conf_bool(px_conf *c, const char *s, const char *k, const char *v, uint8_t *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        *out = 0;
    else
        return px_conf_fail(c, s, k, v, "not a boolean (yes/no)");
    return 0;
}

static const char *family_text(int family)
{
    return family == MIP6TLS_AF_INET6  ? "an IPv6 address"
           : family == MIP6TLS_AF_INET ? "an IPv4 address"
                                       : "an IPv6 or IPv4 address";
}

int px_conf_addr(px_conf *c, const char *s, const char *k, const char *v, int family,
                 mip6tls_addr *out)
{
    mip6tls_addr a;
    if (mip6tls_addr_parse(&a, v, strlen(v)) != 0 ||
        (family != MIP6TLS_AF_NONE && a.family != family))
        return px_conf_fail(c, s, k, v, "not %s", family_text(family));
    *out = a;
    return 0;
}

int px_conf_endpoint(px_conf *c, const char *s, const char *k, const char *v, uint16_t default_port,
                     mip6tls_endpoint *out)
{
    mip6tls_endpoint e;
    const char *addr = v, *port = NULL, *colon = strrchr(v, ':');
    size_t alen = strlen(v);
    char *end = NULL;
    unsigned long long x = 0;
    memset(&e, 0, sizeof e);
    if (v[0] == '[') { /* [IPv6]:port */
        const char *close = strchr(v, ']');
        if (close == NULL || (close[1] != 0 && close[1] != ':') ||
            (close[1] == ':' && close[2] == 0))
            return px_conf_fail(c, s, k, v, "not an endpoint ([IPv6 address]:port)");
        addr = v + 1;
        alen = (size_t)(close - addr);
        if (close[1] == ':')
            port = close + 2;
    } else if (colon != NULL && strchr(v, ':') == colon) { /* IPv4:port (one colon only) */
        alen = (size_t)(colon - v);
        port = colon + 1;
    }
    if (mip6tls_addr_parse(&e.addr, addr, alen) != 0 ||
        (v[0] == '[' && e.addr.family != MIP6TLS_AF_INET6))
        return px_conf_fail(c, s, k, v,
                            "not an address or endpoint (2001:db8::1, [2001:db8::1]:%u, "
                            "192.0.2.1:%u)",
                            default_port, default_port);
    e.port = default_port;
    if (port != NULL) {
        errno = 0;
        if (port[0] >= '0' && port[0] <= '9')
            x = strtoull(port, &end, 10);
        if (end == NULL || errno != 0 || *end != 0 || x < 1 || x > 65535)
            return px_conf_fail(c, s, k, v, "not a port number (1..65535) after the address");
        e.port = (uint16_t)x;
    }
    *out = e;
    return 0;
}

int px_conf_prefix(px_conf *c, const char *s, const char *k, const char *v, int family,
                   mip6tls_addr *out, uint8_t *plen)
{
    mip6tls_addr a;
    uint8_t n;
    unsigned i, bits;
    if (mip6tls_prefix_parse(&a, &n, family, 0, v, strlen(v)) != 0 ||
        (family != MIP6TLS_AF_NONE && a.family != family))
        return px_conf_fail(c, s, k, v, "not %s prefix (address/length)",
                            family == MIP6TLS_AF_INET6  ? "an IPv6"
                            : family == MIP6TLS_AF_INET ? "an IPv4"
                                                        : "an IPv6 or IPv4");
    bits = a.family == MIP6TLS_AF_INET6 ? 128 : 32;
    for (i = n; i < bits; i++)
        if (a.bytes[i / 8] & (0x80 >> (i % 8)))
            return px_conf_fail(c, s, k, v, "address bits set past the prefix length /%u", n);
    *out = a;
    *plen = n;
    return 0;
}

int px_conf_str(px_conf *c, const char *s, const char *k, const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);
    if (n == 0)
        return px_conf_fail(c, s, k, v, "empty");
    if (n >= cap)
        return px_conf_fail(c, s, k, v, "longer than %zu octets", cap - 1);
    memcpy(out, v, n + 1);
    return 0;
}

int px_conf_secret(px_conf *c, const char *s, const char *k, const char *v, int hex,
                   uint8_t *out, size_t cap, size_t *len)
{
    if (hex) {
        int n = px_hex_decode(v, out, cap);
        if (n <= 0)
            return px_conf_fail(c, s, k, "(hidden)", "not hex octets (1..%zu of them)", cap);
        *len = (size_t)n;
        return 0;
    }
    if (v[0] == 0 || strlen(v) > cap)
        return px_conf_fail(c, s, k, "(hidden)", "must be 1..%zu octets", cap);
    *len = strlen(v);
    memcpy(out, v, *len);
    return 0;
}

int px_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n = 0, cap = 1u << 20;
    if (f == NULL)
        return -errno;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    n = fread(buf, 1, cap + 1, f);
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        fclose(f);
        free(buf);
        return -e;
    }
    fclose(f);
    if (n > cap) {
        free(buf);
        return -EFBIG;
    }
    *data = buf;
    *len = n;
    return 0;
}

int px_conf_file(px_conf *c, const char *s, const char *k, const char *v, px_blob *out)
{
    int rc;
    if (px_conf_str(c, s, k, v, out->path, sizeof out->path) != 0)
        return -1;
    free(out->data);
    out->data = NULL;
    rc = px_read_file(v, &out->data, &out->len);
    if (rc != 0)
        return px_conf_fail(c, s, k, v, "cannot read: %s",
                            rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
    if (out->len == 0)
        return px_conf_fail(c, s, k, v, "the file is empty");
    out->line = c->line;
    return 0;
}

int px_conf_list(px_conf *c, const char *s, const char *k, const char *v,
                 int (*fn)(px_conf *c, const char *s, const char *k, const char *item, void *user),
                 void *user)
{
    char item[256];
    const char *p = v;
    int any = 0;
    for (;;) {
        size_t n = 0;
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (*p == 0)
            break;
        while (p[n] != 0 && p[n] != ',' && p[n] != ' ' && p[n] != '\t')
            n++;
        if (n >= sizeof item)
            return px_conf_fail(c, s, k, v, "an item is longer than 255 octets");
        memcpy(item, p, n);
        item[n] = 0;
        p += n;
        any = 1;
        if (fn(c, s, k, item, user) != 0)
            return -1;
    }
    if (!any)
        return px_conf_fail(c, s, k, v, "empty list");
    return 0;
}

int px_conf_suite(px_conf *c, const char *s, const char *k, const char *v, uint16_t *code)
{
    size_t n, i;
    const mip6tls_suite_info *all = mip6tls_suite_all(&n);
    char names[256] = "";
    for (i = 0; i < n; i++) {
        if (strcasecmp(v, all[i].name) == 0) {
            *code = all[i].code;
            return 0;
        }
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 all[i].name);
    }
    return px_conf_fail(c, s, k, v, "unknown ciphersuite (one of %s)", names);
}
