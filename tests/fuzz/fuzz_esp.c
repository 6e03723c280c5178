/*
 * fuzz_esp.c: a UDP payload arriving on the service port, as the HA sees it: encap header
 * decode, then ESP open under an SA of the suite the first input octet selects.
 * Properties: no crash or out-of-bounds access; a rejected packet leaves the SA unchanged;
 * whatever opens re-seals (with a fresh sender) to a packet that opens to the same payload.
 */
#include <stdint.h>
#include <string.h>

#include "mip6tls/encap.h"
#include "mip6tls/esp.h"

static void fuzz_keys(mip6tls_esp_keys *k, const mip6tls_suite_info *s)
{
    memset(k, 0, sizeof *k);
    k->suite = s->code;
    k->spi = 0x0123456;
    k->ekey_len = s->ekey_len;
    k->ikey_len = s->ikey_len;
    for (size_t i = 0; i < sizeof k->mn_to_ha_ekey; i++) {
        k->mn_to_ha_ekey[i] = (uint8_t)(0x10 + i);
        k->ha_to_mn_ekey[i] = (uint8_t)(0x60 + i);
    }
    for (size_t i = 0; i < sizeof k->mn_to_ha_ikey; i++) {
        k->mn_to_ha_ikey[i] = (uint8_t)(0xB0 + i);
        k->ha_to_mn_ikey[i] = (uint8_t)(0xD0 + i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t salt[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
    size_t count;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    const mip6tls_suite_info *s;
    mip6tls_esp_keys k;
    mip6tls_esp_sa ha, before, mn;
    mip6tls_encap_hdr h;
    mip6tls_esp_plain p;
    uint8_t pkt[2048], resealed[2048 + 512];
    mip6tls_esp_impl impl;
    int rc, n;

    /* Alternate between the CPU's code and the portable code. */
    if (size > 0 && (data[0] & 0x08))
        mip6tls_esp_impl_portable(&impl);
    else
        mip6tls_esp_impl_detect(&impl);

    if (size < 1 || size - 1 > sizeof pkt)
        return 0;
    s = &all[data[0] % count];
    fuzz_keys(&k, s);
    if (mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, salt, 0) != 0)
        __builtin_trap();
    /* Half the inputs are sealed first so the fuzzer also reaches past the ICV check. */
    if (data[0] & 0x80) {
        if (mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, salt, 0) != 0)
            __builtin_trap();
        n = mip6tls_esp_seal(&mn, (data[0] & 0x40) ? 8 : 1, 41, data + 1, size - 1, pkt,
                             sizeof pkt);
        if (n < 0)
            return 0;
        if ((data[0] & 0x20) && size > 2)
            pkt[data[1] % (size_t)n] ^= data[2]; /* a targeted corruption */
    } else {
        memcpy(pkt, data + 1, size - 1);
        n = (int)(size - 1);
    }

    rc = mip6tls_encap_decode(pkt, (size_t)n, &h);
    if (rc != 0 || h.ptype == MIP6TLS_PTYPE_PLAIN)
        return 0;
    memcpy(&before, &ha, sizeof ha);
    rc = mip6tls_esp_open(&ha, pkt, (size_t)n, &p);
    if (rc != 0) {
        if (memcmp(&before, &ha, sizeof ha) != 0)
            __builtin_trap();
        return 0;
    }
    if (p.seq == 0xFFFFFFFFu)
        return 0; /* nothing left to re-seal with */
    if (mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, salt, 0) != 0)
        __builtin_trap();
    mn.next_seq = p.seq + 1u;
    n = mip6tls_esp_seal(&mn, p.ptype, p.next_header, p.payload, p.len, resealed,
                         sizeof resealed);
    if (n < 0)
        __builtin_trap();
    {
        mip6tls_esp_plain q;
        size_t len = p.len;
        uint8_t nh = p.next_header;
        uint8_t copy[2048];
        memcpy(copy, p.payload, len);
        if (mip6tls_esp_open(&ha, resealed, (size_t)n, &q) != 0 || q.len != len ||
            q.next_header != nh || memcmp(q.payload, copy, len) != 0)
            __builtin_trap();
    }
    return 0;
}
