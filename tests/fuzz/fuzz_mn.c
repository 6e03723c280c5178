/*
 * fuzz_mn.c: the MN role driven by a sequence of records, each
 *     [channel:1][time delta ms:2][length:2][bytes:length]
 * channel % 6: 0 = a datagram from the HA's endpoint (raw bytes),
 *              1 = a datagram sealed by the HA side under SA 0 (bytes = flag + payload;
 *                  flag bit 0: PType 8, else 1; next header from flag bits),
 *              2 = an inner packet from the tunnel interface, 3 = tick,
 *              4 = a care-of address change (bytes pick one of four), 5 = return home.
 * Properties: no crash or out-of-bounds access; a call that fails leaves the MN unchanged
 * (memcmp) unless it is a NOBUF (never here: the outbox is large); the deadline never lies in
 * the past after a tick.
 */
#include <stdint.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/encap.h"
#include "mip6tls/mn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_ep(mip6tls_endpoint *e, const char *a, uint16_t port)
{
    memset(e, 0, sizeof *e);
    mip6tls_addr_parse(&e->addr, a, strlen(a));
    e->port = port;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mip6tls_mn mn, before;
    static mip6tls_action acts[64];
    static uint8_t arena[65536], pkt[4096];
    static const char *coas[4] = {"2001:db8:a::5", "2001:db8:b::5", "198.51.100.5",
                                  "203.0.113.9"};
    mip6tls_esp_impl impl;
    mip6tls_drbg drbg;
    mip6tls_outbox ob;
    mip6tls_mn_config cfg;
    mip6tls_sa sa;
    mip6tls_esp_sa ha;
    mip6tls_endpoint ha6, ha4, home;
    uint8_t seed[32] = {7}, salt[8] = {1};
    uint64_t now = 1000000;
    size_t off = 0;

    mip6tls_esp_impl_detect(&impl);
    mip6tls_drbg_init(&drbg, seed, sizeof seed);
    mip6tls_outbox_init(&ob, acts, 64, arena, sizeof arena);
    memset(&cfg, 0, sizeof cfg);
    cfg.unix_offset_ms = 1798761600000ll - 1000000;
    if (mip6tls_mn_init(&mn, now, &cfg, &impl, &drbg, &ob) != 0)
        __builtin_trap();
    fz_ep(&ha6, "2001:db8::1", 7872);
    fz_ep(&ha4, "192.0.2.1", 7872);
    fz_ep(&home, "2001:db8:1::100", 40000);
    memset(&sa, 0, sizeof sa);
    sa.keys.suite = MIP6TLS_SUITE_AES_128_GCM_SHA256;
    sa.keys.spi = 0x100;
    sa.keys.ekey_len = 20;
    memset(sa.keys.mn_to_ha_ekey, 0x11, 20);
    memset(sa.keys.ha_to_mn_ekey, 0x22, 20);
    sa.validity_end = 1798761600u + 3600u;
    sa.scope = size > 0 && (data[0] & 0x80) ? MIP6TLS_SAS_SIGNALING : MIP6TLS_SAS_ALL;
    sa.ha6 = ha6.addr;
    sa.ha4 = ha4.addr;
    sa.hoa6 = home.addr;
    mip6tls_addr_parse(&sa.hoa4, "192.0.2.100", 11);
    if (mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &sa.keys, salt, 0) != 0)
        __builtin_trap();
    mip6tls_outbox_clear(&ob);
    if (mip6tls_mn_install_sa(&mn, now, &sa, &ob) != 0)
        __builtin_trap();

    while (size - off >= 5) {
        uint8_t ch = data[off] % 6;
        uint32_t dt = (uint32_t)data[off + 1] << 8 | data[off + 2];
        size_t len = (size_t)data[off + 3] << 8 | data[off + 4], n;
        const uint8_t *b = data + off + 5;
        int rc = 0;
        off += 5;
        if (len > size - off)
            len = size - off;
        off += len;
        now += (uint64_t)dt * (data[off - len - 5] >= 128 ? 1000u : 1u);
        mip6tls_outbox_clear(&ob);
        memcpy(&before, &mn, sizeof mn);
        switch (ch) {
        case 0:
            if (len > sizeof pkt)
                len = sizeof pkt;
            memcpy(pkt, b, len);
            rc = mip6tls_mn_recv(&mn, now, &mn.coa, &mn.ha, pkt, len, &ob);
            break;
        case 1: {
            int sealed;
            if (len < 1 || len - 1 > sizeof pkt - 512)
                break;
            sealed = mip6tls_esp_seal(&ha, (b[0] & 1) ? MIP6TLS_PTYPE_MH : MIP6TLS_PTYPE_DATA,
                                      (b[0] & 2) ? 135 : (b[0] & 4) ? 60 : 41, b + 1, len - 1,
                                      pkt, sizeof pkt);
            if (sealed < 0)
                break;
            rc = mip6tls_mn_recv(&mn, now, &mn.coa, &mn.ha, pkt, (size_t)sealed, &ob);
            break;
        }
        case 2:
            rc = mip6tls_mn_send(&mn, now, b, len, &ob);
            break;
        case 3:
            rc = mip6tls_mn_tick(&mn, now, &ob);
            if (rc == 0 && mip6tls_mn_next_deadline(&mn) <= now)
                __builtin_trap(); /* a tick must leave nothing due behind it */
            break;
        case 4: {
            mip6tls_endpoint c;
            n = len ? b[0] % 4 : 0;
            fz_ep(&c, coas[n], (uint16_t)(40000 + (len > 1 ? b[1] : 0)));
            rc = mip6tls_mn_set_coa(&mn, now, &c, &ob);
            break;
        }
        default:
            rc = mip6tls_mn_returned_home(&mn, now, &home, &ob);
            break;
        }
        if (rc < 0 && rc != MIP6TLS_ERR_NOBUF && memcmp(&before, &mn, sizeof mn) != 0)
            __builtin_trap();
        if (rc == MIP6TLS_ERR_NOBUF)
            __builtin_trap(); /* 64 actions and 64 KiB always suffice */
    }
    return 0;
}
