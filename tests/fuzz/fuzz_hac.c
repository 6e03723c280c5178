/*
 * fuzz_hac.c: the HAC role driven by records
 *     [kind:1][conn:1][time delta ms:2][length:2][bytes:length]
 * kind % 4: 0 = accept connection `conn`, 1 = TCP bytes on it, 2 = it closed, 3 = tick.
 * The bytes reach BearSSL's server handshake first (a ClientHello is the only way in), so the
 * target mostly checks the role's bookkeeping around it: session slots, timeouts, closing,
 * no crash and no action without a session. Properties: every call returns 0 (the HAC never
 * fails a call because of what a peer sent), the session count stays within the slots, and no
 * SA is ever provisioned without a TLS handshake (there is no client key here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/hac.h"
#include "test_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSESS 3
#define NSAS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static mip6tls_esp_impl impl;
    static uint8_t cred_arena[8192];
    static mip6tls_cred cred;
    static mip6tls_tls_config tls;
    static mip6tls_hacp_server_cfg pol;
    static mip6tls_hac_cred creds[1];
    static mip6tls_hac_session sessions[NSESS];
    static uint8_t *iobufs;
    static mip6tls_sa sas[NSAS];
    static uint32_t index[2 * NSAS];
    static mip6tls_action acts[64];
    static uint8_t *arena;
    mip6tls_hac hac;
    mip6tls_hac_config hc;
    mip6tls_hac_storage hs;
    mip6tls_outbox ob;
    mip6tls_drbg drbg;
    uint8_t seed[32] = {9};
    uint64_t now = 1000000;
    size_t off = 0;

    if (!ready) {
        mip6tls_esp_impl_detect(&impl);
        mip6tls_cred_init(&cred, cred_arena, sizeof cred_arena);
        if (mip6tls_cred_add_chain(&cred, (const uint8_t *)tpki_hac_ec_chain_pem,
                                   strlen(tpki_hac_ec_chain_pem)) != 0 ||
            mip6tls_cred_set_key(&cred, (const uint8_t *)tpki_ec_key_pem,
                                 strlen(tpki_ec_key_pem)) != 0 ||
            mip6tls_tls_config_server(&tls, &cred, &impl, NULL, 0) != 0)
            __builtin_trap();
        pol.methods = MIP6TLS_CTR_AM_PSK;
        creds[0].nai = "mn@example.com";
        creds[0].nai_len = 14;
        creds[0].psk = (const uint8_t *)"psk";
        creds[0].psk_len = 3;
        creds[0].hoa6.family = MIP6TLS_AF_INET6;
        creds[0].hoa6.bytes[0] = 0x20;
        iobufs = malloc(NSESS * MIP6TLS_TLS_BUFSIZE);
        arena = malloc(2 * MIP6TLS_HAC_OUTBOX_MIN);
        ready = 1;
    }
    mip6tls_drbg_init(&drbg, seed, sizeof seed);
    memset(&hc, 0, sizeof hc);
    hc.tls = &tls;
    hc.hacp = &pol;
    hc.creds = creds;
    hc.n_creds = 1;
    hc.session_timeout_ms = 2000;
    memset(&hs, 0, sizeof hs);
    hs.sessions = sessions;
    hs.n_sessions = NSESS;
    hs.iobufs = iobufs;
    hs.sas = sas;
    hs.n_sas = NSAS;
    hs.spi_index = index;
    hs.n_index = 2 * NSAS;
    if (mip6tls_hac_init(&hac, now, &hc, &drbg, &hs) != 0)
        __builtin_trap();
    mip6tls_outbox_init(&ob, acts, 64, arena, 2 * MIP6TLS_HAC_OUTBOX_MIN);

    while (size - off >= 6) {
        uint8_t kind = data[off] % 4;
        uint32_t conn = data[off + 1] % 5 + 1;
        uint32_t dt = (uint32_t)data[off + 2] << 8 | data[off + 3];
        size_t len = (size_t)data[off + 4] << 8 | data[off + 5];
        const uint8_t *b = data + off + 6;
        mip6tls_endpoint peer;
        int rc = 0;
        off += 6;
        if (len > size - off)
            len = size - off;
        off += len;
        now += dt;
        memset(&peer, 0, sizeof peer);
        peer.addr.family = MIP6TLS_AF_INET6;
        peer.addr.bytes[15] = (uint8_t)conn;
        mip6tls_outbox_clear(&ob);
        switch (kind) {
        case 0:
            rc = mip6tls_hac_tcp_accept(&hac, now, conn, &peer, &ob);
            if (rc == MIP6TLS_ERR_ARG)
                rc = 0; /* the same connection twice: refused, as documented */
            break;
        case 1:
            rc = mip6tls_hac_tcp_recv(&hac, now, conn, b, len, &ob);
            break;
        case 2:
            rc = mip6tls_hac_tcp_closed(&hac, now, conn, &ob);
            break;
        default:
            rc = mip6tls_hac_tick(&hac, now, &ob);
            break;
        }
        if (rc != 0 || mip6tls_hac_session_count(&hac) > NSESS || mip6tls_hac_sa_count(&hac) != 0)
            __builtin_trap();
        for (size_t i = 0; i < ob.n; i++)
            if (acts[i].type == MIP6TLS_ACT_SA_INSTALL || acts[i].type == MIP6TLS_ACT_SA_PERSIST)
                __builtin_trap();
    }
    return 0;
}
