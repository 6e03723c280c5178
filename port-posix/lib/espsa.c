/* espsa.c: see espsa.h. */
#include "espsa.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "mip6tls/addr.h"
#include "mip6tls/suite.h"

static void espsa_hex(FILE *f, const uint8_t *b, size_t n)
{
    size_t i;
    if (n == 0)
        return;
    fputs("0x", f);
    for (i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

int px_espsa_append(const char *path, const mip6tls_sa *sa)
{
    static const unsigned ptypes[2] = {8, 1}; /* RFC 6618 §6.1: MH (BU/BA), data */
    const mip6tls_suite_info *s = mip6tls_suite_find(sa->keys.suite);
    const mip6tls_esp_keys *k = &sa->keys;
    const mip6tls_addr *has[2] = {&sa->ha6, &sa->ha4};
    const char *enc, *auth;
    FILE *f;
    int fd, rows = 0, h, p, dir;
    if (s == NULL)
        return -EINVAL;
    switch (s->enc) {
    case MIP6TLS_ENC_NULL: enc = "NULL"; break;
    case MIP6TLS_ENC_3DES_CBC: enc = "TripleDES-CBC [RFC2451]"; break;
    case MIP6TLS_ENC_AES128_CBC: enc = "AES-CBC [RFC3602]"; break;
    case MIP6TLS_ENC_AES128_GCM: enc = "AES-GCM with 16 octet ICV [RFC4106]"; break;
    default: return 0; /* ChaCha20-Poly1305: not in tshark 4.0's ESP */
    }
    switch (s->integ) {
    case MIP6TLS_INTEG_NONE: auth = "NULL"; break;
    case MIP6TLS_INTEG_HMAC_SHA1_96: auth = "HMAC-SHA-1-96 [RFC2404]"; break;
    default: auth = "ANY 96 bit authentication [no checking]"; break;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    f = fdopen(fd, "a");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    for (h = 0; h < 2; h++) {
        char ha[MIP6TLS_ADDR_TEXT_MAX];
        if (has[h]->family == MIP6TLS_AF_NONE || mip6tls_addr_format(has[h], ha, sizeof ha) < 0)
            continue;
        for (p = 0; p < 2; p++) {
            for (dir = 0; dir < 2; dir++) { /* 0: MN -> HA, 1: HA -> MN */
                fprintf(f, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"",
                        has[h]->family == MIP6TLS_AF_INET6 ? "IPv6" : "IPv4", dir ? ha : "*",
                        dir ? "*" : ha, ptypes[p] << 28 | k->spi, enc);
                espsa_hex(f, dir ? k->ha_to_mn_ekey : k->mn_to_ha_ekey, k->ekey_len);
                fprintf(f, "\",\"%s\",\"", auth);
                espsa_hex(f, dir ? k->ha_to_mn_ikey : k->mn_to_ha_ikey, s->ikey_len);
                fputs("\"\n", f);
                rows++;
            }
        }
    }
    if (fclose(f) != 0)
        return -errno;
    return rows;
}
