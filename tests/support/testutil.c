/* testutil.c: see testutil.h. */
#include "testutil.h"

#include "test_pki.h"

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"

#include <stdio.h>
#include <string.h>

size_t tu_unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        if (*hex == ' ' || *hex == '\n' || *hex == ':' || *hex == '\t')
            continue;
        v = mip6tls_hexval((unsigned char)*hex);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return (size_t)-1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : (size_t)-1;
}

void tu_hex(char *out, const uint8_t *in, size_t len)
{
    static const char d[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * len] = 0;
}

void tu_fill(uint8_t *out, size_t len, uint64_t seed)
{
    uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ull;
    size_t i;
    for (i = 0; i < len; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
    }
}

int tu_write_file(const char *dir, const char *name, const uint8_t *prefix, size_t plen,
                  const uint8_t *data, size_t len)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(prefix, 1, plen, f) != plen || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}

int tu_mn_boot_setup(tu_mn_boot *m, const mip6tls_esp_impl *impl, const char *psk,
                     uint8_t *tls_buf, size_t tls_buf_len)
{
    static const char nai[] = "mn1@example.com";
    int rc;
    memset(m, 0, sizeof *m);
    mip6tls_cred_init(&m->anchors, m->arena, sizeof m->arena);
    rc = mip6tls_cred_add_anchors(&m->anchors, (const uint8_t *)tpki_ca_pem, strlen(tpki_ca_pem));
    if (rc == 0)
        rc = mip6tls_tls_config_client(&m->tls, &m->anchors, impl);
    if (rc == 0)
        rc = mip6tls_addr_parse(&m->boot.hac.addr, "2001:db8::1", 11);
    if (rc != 0)
        return rc;
    m->hacp.nai = nai;
    m->hacp.nai_len = sizeof nai - 1;
    m->hacp.methods = MIP6TLS_CTR_AM_PSK;
    m->hacp.psk = (const uint8_t *)psk;
    m->hacp.psk_len = strlen(psk);
    m->hacp.scope = MIP6TLS_SAS_ALL;
    m->boot.tls = &m->tls;
    m->boot.peer.dns = "hac.example.com";
    m->boot.hac.port = 7872;
    m->boot.hacp = &m->hacp;
    m->boot.tls_buf = tls_buf;
    m->boot.tls_buf_len = tls_buf_len;
    return 0;
}
