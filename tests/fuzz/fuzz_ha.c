/*
 * fuzz_ha.c: UDP payloads arriving at a Home Agent with three SAs (two of them bound), and
 * inner packets handed to mip6tls_ha_send().
 *
 * Set-up (must agree with test_ha.c's --write-corpus): SA 0 AES-128-GCM SPI 0x101, home
 * addresses 2001:db8:1::31 and 10.0.0.49, scope 1; SA 1 AES-128-CBC/HMAC-SHA1 SPI 0x102,
 * 2001:db8:1::32, scope 0; SA 2 ChaCha20-Poly1305 SPI 0x103, IPv4-only 10.0.0.51, scope 1.
 * SA 3 AES-128-CBC/AES-XCBC-MAC SPI 0x104 has SA 0's home addresses (a re-bootstrap: its
 * first accepted BU supersedes SA 0). SAs 0 and 1 are registered by a BU with Sequence # 1
 * (ESP sequence number 1).
 *
 * Input: octet 0 mode: bit 2 seal the payload as the MN of SA (bits 0-1) would, with
 * PType 8 when bit 3 is set (else 1); octet 1 the ESP Next Header to seal with (and a time
 * step); octet 2 flags: bit 0 arrive from a stranger's endpoint, bit 1 on our IPv4 endpoint,
 * bit 2 also hand the payload to mip6tls_ha_send(), bit 3 tick afterwards, bit 4 plain
 * sending allowed, bit 5 arrive two days later (every SA expired); then the payload.
 *
 * Properties: no crash; a decode/drop error leaves every table but the ESP cache (a derived
 * memo, decisions/0040) unchanged, byte for byte; NOBUF never happens with a roomy outbox;
 * every BA/BE the HA sends opens and decodes at that SA's MN; every DELIVER points into the
 * packet buffer and carries an IP packet from a home address; the heap and the counters stay
 * consistent; tick never fails and leaves nothing due.
 */
#include <stdint.h>
#include <string.h>

#include "mip6tls/encap.h"
#include "mip6tls/esp.h"
#include "mip6tls/ha.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

#define N 4
#define T0 5000000ull
#define UNIX0 1750000000ull
#define PKT 4096

static const uint8_t HA6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t HA4[4] = {192, 0, 2, 1};
static const uint8_t Z16[16];

typedef struct {
    mip6tls_ha ha;
    mip6tls_drbg drbg;
    mip6tls_ha_entry entries[N];
    uint32_t heap[N];
    uint32_t spi_b[2];
    uint32_t hoa_b[4];
} fz_state;

static fz_state S, before;
static mip6tls_ha_cache_slot cache[2];
static mip6tls_action acts[64];
static uint8_t arena[16384];

typedef struct {
    mip6tls_sa sa;
    mip6tls_esp_sa esp;
    mip6tls_endpoint ep;
} fz_mn;

static fz_mn M[4];

/* The key schedule of test_ha.c's tmn_make(). */
static void fz_mn_make(fz_mn *mn, const mip6tls_esp_impl *impl, uint32_t spi, uint16_t suite,
                       uint8_t host, int v6, int v4, uint8_t scope)
{
    static const uint8_t salt[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    const mip6tls_suite_info *s = mip6tls_suite_find(suite);
    size_t i;
    memset(mn, 0, sizeof *mn);
    mn->sa.keys.suite = suite;
    mn->sa.keys.spi = spi;
    mn->sa.keys.ekey_len = s->ekey_len;
    mn->sa.keys.ikey_len = s->ikey_len;
    for (i = 0; i < s->ekey_len; i++) {
        mn->sa.keys.mn_to_ha_ekey[i] = (uint8_t)(spi * 7 + i * 13 + 1);
        mn->sa.keys.ha_to_mn_ekey[i] = (uint8_t)(spi * 5 + i * 11 + 2);
    }
    for (i = 0; i < s->ikey_len; i++) {
        mn->sa.keys.mn_to_ha_ikey[i] = (uint8_t)(spi * 3 + i * 17 + 3);
        mn->sa.keys.ha_to_mn_ikey[i] = (uint8_t)(spi * 9 + i * 19 + 4);
    }
    mn->sa.validity_end = UNIX0 + 86400;
    mn->sa.scope = scope;
    mip6tls_addr_set6(&mn->sa.ha6, HA6);
    mip6tls_addr_set4(&mn->sa.ha4, HA4);
    if (v6) {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        b[15] = host;
        mip6tls_addr_set6(&mn->sa.hoa6, b);
    }
    if (v4) {
        uint8_t b[4] = {10, 0, 0, 0};
        b[3] = host;
        mip6tls_addr_set4(&mn->sa.hoa4, b);
    }
    if (mip6tls_esp_sa_init(&mn->esp, impl, MIP6TLS_ESP_MN, &mn->sa.keys, salt, 0) != 0)
        __builtin_trap();
    {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        b[15] = host;
        mip6tls_addr_set6(&mn->ep.addr, b);
        mn->ep.port = (uint16_t)(40000 + host);
    }
}

static const uint8_t *fz_hoa6(const fz_mn *mn)
{
    return mn->sa.hoa6.family == MIP6TLS_AF_INET6 ? mn->sa.hoa6.bytes : Z16;
}

static int fz_mn_index(uint32_t spi)
{
    int i;
    for (i = 0; i < 4; i++)
        if (M[i].sa.keys.spi == spi)
            return i;
    return -1;
}

/* The heap property, the index links and the counters. */
static void fz_check_invariants(void)
{
    uint32_t i, used = 0, bound = 0;
    for (i = 0; i < N; i++) {
        const mip6tls_ha_entry *e = &S.entries[i];
        if (!(e->flags & MIP6TLS_HA_F_USED))
            continue;
        used++;
        bound += (e->flags & MIP6TLS_HA_F_BOUND) != 0;
        if (mip6tls_ha_find_spi(&S.ha, e->keys.spi) != e || S.heap[e->heap_pos] != i)
            __builtin_trap();
    }
    if (used != mip6tls_ha_sa_count(&S.ha) || bound != mip6tls_ha_binding_count(&S.ha))
        __builtin_trap();
    for (i = 1; i < used; i++)
        if (S.entries[S.heap[(i - 1) / 4]].deadline > S.entries[S.heap[i]].deadline)
            __builtin_trap();
}

static void fz_snap(void)
{
    memcpy(&before, &S, sizeof S);
}

static void fz_assert_unchanged(void)
{
    if (memcmp(&before, &S, sizeof S) != 0)
        __builtin_trap();
}

static void fz_check_actions(const mip6tls_outbox *ob, const uint8_t *pkt, size_t len)
{
    size_t i;
    for (i = 0; i < ob->n; i++) {
        const mip6tls_action *a = &ob->acts[i];
        if (a->type == MIP6TLS_ACT_DELIVER) {
            mip6tls_ip_info ip;
            size_t k;
            int ok = 0;
            if (a->data < pkt || a->data + a->len > pkt + len)
                __builtin_trap();
            if (mip6tls_ip_parse(a->data, a->len, &ip) != 0 || ip.total_len != a->len)
                __builtin_trap();
            for (k = 0; k < 4; k++)
                ok |= mip6tls_addr_eq(&ip.src, &M[k].sa.hoa6) ||
                      mip6tls_addr_eq(&ip.src, &M[k].sa.hoa4);
            if (!ok)
                __builtin_trap();
        } else if (a->type == MIP6TLS_ACT_SEND_DGRAM) {
            if (a->data < arena || a->data + a->len > arena + sizeof arena)
                __builtin_trap();
        } else if (a->type != MIP6TLS_ACT_EVENT) {
            __builtin_trap();
        }
    }
}

/* Every BA/BE the HA answers with opens and decodes at the MN (a copy of its ESP state). */
static void fz_check_replies(const mip6tls_outbox *ob)
{
    size_t i;
    for (i = 0; i < ob->n; i++) {
        const mip6tls_action *a = &ob->acts[i];
        mip6tls_esp_sa mn;
        mip6tls_esp_plain p;
        mip6tls_mh_msg m;
        uint8_t buf[PKT];
        int k;
        if (a->type != MIP6TLS_ACT_SEND_DGRAM || (k = fz_mn_index(a->conn)) < 0 ||
            a->len > sizeof buf || (a->data[0] >> 4) != MIP6TLS_PTYPE_MH)
            continue;
        memcpy(&mn, &M[k].esp, sizeof mn);
        memcpy(buf, a->data, a->len);
        if (mip6tls_esp_open(&mn, buf, a->len, &p) != 0 || p.next_header != 135)
            __builtin_trap();
        if (mip6tls_mh_decode(p.payload, p.len, HA6, fz_hoa6(&M[k]), &m) != 0 ||
            (m.type != MIP6TLS_MH_BA && m.type != MIP6TLS_MH_BE))
            __builtin_trap();
    }
}

static int fz_setup(const mip6tls_esp_impl *impl, int plain)
{
    static const uint8_t seed[32] = {1, 2, 3};
    mip6tls_ha_storage st;
    mip6tls_ha_config cfg;
    mip6tls_outbox ob;
    int i;
    memset(&S, 0, sizeof S);
    if (mip6tls_drbg_init(&S.drbg, seed, sizeof seed) != 0)
        __builtin_trap();
    st.entries = S.entries, st.n_entries = N, st.heap = S.heap;
    st.spi_buckets = S.spi_b, st.n_spi_buckets = 2;
    st.hoa_buckets = S.hoa_b, st.n_hoa_buckets = 4;
    st.cache = cache, st.n_cache = 2;
    mip6tls_ha_config_default(&cfg);
    mip6tls_addr_set6(&cfg.addr6, HA6);
    mip6tls_addr_set4(&cfg.addr4, HA4);
    cfg.unix_offset_ms = (int64_t)(UNIX0 * 1000ull - T0);
    cfg.plain_when_allowed = (uint8_t)plain;
    if (mip6tls_ha_init(&S.ha, &cfg, impl, &S.drbg, &st) != 0)
        __builtin_trap();
    fz_mn_make(&M[0], impl, 0x101, MIP6TLS_SUITE_AES_128_GCM_SHA256, 0x31, 1, 1, 1);
    fz_mn_make(&M[1], impl, 0x102, MIP6TLS_SUITE_AES_128_CBC_SHA, 0x32, 1, 0, 0);
    fz_mn_make(&M[2], impl, 0x103, MIP6TLS_SUITE_CHACHA20_POLY1305, 0x33, 0, 1, 1);
    fz_mn_make(&M[3], impl, 0x104, MIP6TLS_SUITE_AES_128_CBC_SHA256, 0x31, 1, 1, 1);
    mip6tls_outbox_init(&ob, acts, 64, arena, sizeof arena);
    for (i = 0; i < 4; i++)
        if (mip6tls_ha_install_sa(&S.ha, T0, &M[i].sa, &ob) != 0)
            __builtin_trap();
    for (i = 0; i < 2; i++) {
        mip6tls_mh_msg m;
        mip6tls_esp_plain p;
        uint8_t mh[64], pkt[256];
        int n;
        mip6tls_mh_init(&m, MIP6TLS_MH_BU);
        m.bu.seq = 1;
        m.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H;
        m.bu.lifetime = 100;
        n = mip6tls_mh_encode(&m, fz_hoa6(&M[i]), HA6, mh, sizeof mh);
        n = mip6tls_esp_seal(&M[i].esp, 8, 135, mh, (size_t)n, pkt, sizeof pkt);
        mip6tls_outbox_clear(&ob);
        if (n < 0 || mip6tls_ha_recv(&S.ha, T0, &M[i].ep, &M[i].ep, pkt, (size_t)n, &ob) != 0 ||
            ob.n != 2)
            __builtin_trap();
        memcpy(pkt, ob.acts[1].data, ob.acts[1].len);
        if (mip6tls_esp_open(&M[i].esp, pkt, ob.acts[1].len, &p) != 0)
            __builtin_trap();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[PKT];
    mip6tls_esp_impl impl;
    mip6tls_outbox ob;
    mip6tls_endpoint local, remote;
    uint8_t mode, nh, fl;
    uint64_t now = T0 + 1000;
    size_t len;
    int rc, who;

    if (size < 3 || size - 3 > PKT - 512)
        return 0;
    mode = data[0], nh = data[1], fl = data[2];
    if (mode & 0x80)
        mip6tls_esp_impl_portable(&impl);
    else
        mip6tls_esp_impl_detect(&impl);
    fz_setup(&impl, (fl & 0x10) != 0);
    mip6tls_outbox_init(&ob, acts, 64, arena, sizeof arena);

    who = mode & 3;
    if (mode & 0x04) {
        int n = mip6tls_esp_seal(&M[who].esp, (mode & 0x08) ? 8 : 1, nh, data + 3, size - 3, pkt,
                                 sizeof pkt);
        if (n < 0)
            __builtin_trap();
        len = (size_t)n;
    } else {
        memcpy(pkt, data + 3, size - 3);
        len = size - 3;
    }
    remote = M[who].ep;
    if (fl & 0x01)
        remote.port ^= 0x5555;
    memset(&local, 0, sizeof local);
    if (fl & 0x02)
        mip6tls_addr_set4(&local.addr, HA4);
    else
        mip6tls_addr_set6(&local.addr, HA6);
    local.port = 7872;
    if (fl & 0x20)
        now += 2 * 86400000ull;

    fz_snap();
    rc = mip6tls_ha_recv(&S.ha, now, &local, &remote, pkt, len, &ob);
    if (rc == MIP6TLS_ERR_NOBUF || MIP6TLS_ERR_IS_MISUSE(rc) || rc == MIP6TLS_ERR_INTERNAL)
        __builtin_trap();
    if (MIP6TLS_ERR_IS_DECODE(rc) || MIP6TLS_ERR_IS_DROP(rc)) {
        fz_assert_unchanged();
        if (ob.n != 1 || ob.acts[0].event != MIP6TLS_HA_EV_PACKET_DROPPED)
            __builtin_trap();
    }
    fz_check_actions(&ob, pkt, len);
    fz_check_replies(&ob);
    fz_check_invariants();

    if (fl & 0x04) {
        mip6tls_outbox_clear(&ob);
        fz_snap();
        rc = mip6tls_ha_send(&S.ha, now, data + 3, size - 3, &ob);
        if (rc == MIP6TLS_ERR_NOBUF || rc == MIP6TLS_ERR_INTERNAL)
            __builtin_trap();
        if (rc != 0) {
            fz_assert_unchanged();
            if (ob.n != 1 || ob.acts[0].event != MIP6TLS_HA_EV_PACKET_DROPPED)
                __builtin_trap();
        }
        fz_check_actions(&ob, pkt, 0);
        fz_check_invariants();
    }
    if (fl & 0x08) {
        now += (uint64_t)nh * 60000u;
        mip6tls_outbox_clear(&ob);
        if (mip6tls_ha_tick(&S.ha, now, &ob) != 0 || mip6tls_ha_next_deadline(&S.ha) <= now)
            __builtin_trap();
        fz_check_invariants();
    }
    return 0;
}
