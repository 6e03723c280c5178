/*
 * fuzz_container.c: the HAC request/response container decoder (container.c).
 *
 * For every input: decode it as one complete container. When it decodes, rebuild it from the
 * parsed fields with the builder (headers in enum order, `auth` recomputed with a fixed key),
 * decode the rebuilt bytes and trap on any field that differs; rebuild once more and trap
 * unless the bytes are identical (the encoder's output is a fixed point). `auth` of the input
 * is verified with the fixed key too, which must return cleanly whatever it finds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fz_key[] = "fuzz-psk";
static const uint8_t fz_cb[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static int fz_hexeq(const mip6tls_ctr_view *a, const mip6tls_ctr_view *b)
{
    size_t i;
    if (a->len != b->len)
        return 0;
    for (i = 0; i < a->len; i++) {
        uint8_t x = a->p[i], y = b->p[i];
        if (x >= 'A' && x <= 'F')
            x = (uint8_t)(x + 32);
        if (y >= 'A' && y <= 'F')
            y = (uint8_t)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

static int fz_has(const mip6tls_ctr_msg *m, mip6tls_ctr_hdr h)
{
    return (m->present & MIP6TLS_CTR_BIT(h)) != 0;
}

/* Rebuilds m into out[cap]; returns the length or the builder's error. */
static int fz_build(const mip6tls_ctr_msg *m, uint8_t *out, size_t cap)
{
    static uint8_t bin[MIP6TLS_CTR_CONTENT_MAX / 2];
    mip6tls_ctr_builder b;
    int i, n;
    if (mip6tls_ctr_build_init(&b, out, cap, m->id) != 0)
        __builtin_trap();
    if (fz_has(m, MIP6TLS_CTR_H_MN_ID))
        mip6tls_ctr_put_mn_id(&b, (const char *)m->mn_id.p, m->mn_id.len);
    if (fz_has(m, MIP6TLS_CTR_H_AUTH_METHOD))
        mip6tls_ctr_put_auth_method(&b, m->auth_methods);
    if (fz_has(m, MIP6TLS_CTR_H_EAP_PAYLOAD)) {
        n = mip6tls_ctr_unhex(&m->eap, bin, sizeof bin);
        if (n <= 0)
            __builtin_trap();
        mip6tls_ctr_put_eap(&b, bin, (size_t)n);
    }
    if (fz_has(m, MIP6TLS_CTR_H_STATUS_CODE))
        mip6tls_ctr_put_status(&b, m->status);
    if (fz_has(m, MIP6TLS_CTR_H_RETRY_AFTER))
        mip6tls_ctr_put_retry_after(&b, m->retry_after);
    if (fz_has(m, MIP6TLS_CTR_H_MN_RAND))
        mip6tls_ctr_put_mn_rand(&b, m->mn_rand);
    if (fz_has(m, MIP6TLS_CTR_H_HAC_RAND))
        mip6tls_ctr_put_hac_rand(&b, m->hac_rand);
    if (fz_has(m, MIP6TLS_CTR_H_SPI))
        mip6tls_ctr_put_spi(&b, m->spi);
    for (i = 0; i < 4; i++) {
        if (!fz_has(m, (mip6tls_ctr_hdr)(MIP6TLS_CTR_H_MN_TO_HA_IKEY + i)))
            continue;
        n = mip6tls_ctr_unhex(&m->keys[i], bin, MIP6TLS_CTR_KEY_MAX);
        if (n <= 0)
            __builtin_trap();
        mip6tls_ctr_put_key(&b, (mip6tls_ctr_key)i, bin, (size_t)n);
    }
    if (fz_has(m, MIP6TLS_CTR_H_VALIDITY_END))
        mip6tls_ctr_put_validity_end(&b, m->validity_end);
    if (fz_has(m, MIP6TLS_CTR_H_SAS))
        mip6tls_ctr_put_sas(&b, m->sas);
    if (fz_has(m, MIP6TLS_CTR_H_CIPHERSUITE))
        mip6tls_ctr_put_ciphersuite(&b, m->ciphersuite);
    if (fz_has(m, MIP6TLS_CTR_H_SUITELIST))
        mip6tls_ctr_put_suitelist(&b, m->suites, m->n_suites);
    if (fz_has(m, MIP6TLS_CTR_H_HAA_IP6))
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_HAA_IP6, &m->haa_ip6);
    if (fz_has(m, MIP6TLS_CTR_H_HAA_IP4))
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_HAA_IP4, &m->haa_ip4);
    if (fz_has(m, MIP6TLS_CTR_H_PORT))
        mip6tls_ctr_put_port(&b, m->port);
    if (fz_has(m, MIP6TLS_CTR_H_IP6_HOA))
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_IP6_HOA, &m->ip6_hoa);
    if (fz_has(m, MIP6TLS_CTR_H_IP4_HOA))
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_IP4_HOA, &m->ip4_hoa);
    if (fz_has(m, MIP6TLS_CTR_H_IP6_HNP))
        mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP6_HNP, &m->ip6_hnp, m->ip6_hnp_len);
    if (fz_has(m, MIP6TLS_CTR_H_IP4_HNP))
        mip6tls_ctr_put_prefix(&b, MIP6TLS_CTR_H_IP4_HNP, &m->ip4_hnp, m->ip4_hnp_len);
    for (i = 0; i < m->n_dns_ip6; i++)
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP6, &m->dns_ip6[i]);
    for (i = 0; i < m->n_dns_ip4; i++)
        mip6tls_ctr_put_addr(&b, MIP6TLS_CTR_H_DNS_IP4, &m->dns_ip4[i]);
    if (fz_has(m, MIP6TLS_CTR_H_AUTH))
        return mip6tls_ctr_finish_auth(&b, fz_key, sizeof fz_key - 1, MIP6TLS_CTR_DIR_HAC, fz_cb,
                                       sizeof fz_cb);
    return mip6tls_ctr_finish(&b);
}

static void fz_same(const mip6tls_ctr_msg *a, const mip6tls_ctr_msg *b)
{
    int i;
    if (a->id != b->id || a->present != b->present)
        __builtin_trap();
    if (fz_has(a, MIP6TLS_CTR_H_MN_ID) &&
        (a->mn_id.len != b->mn_id.len || memcmp(a->mn_id.p, b->mn_id.p, a->mn_id.len) != 0))
        __builtin_trap();
    if (a->auth_methods != b->auth_methods || a->status != b->status ||
        a->retry_after != b->retry_after || a->spi != b->spi ||
        a->validity_end != b->validity_end || a->sas != b->sas ||
        a->ciphersuite != b->ciphersuite || a->port != b->port)
        __builtin_trap();
    if (!fz_hexeq(&a->eap, &b->eap))
        __builtin_trap();
    for (i = 0; i < 4; i++)
        if (!fz_hexeq(&a->keys[i], &b->keys[i]))
            __builtin_trap();
    if (memcmp(a->mn_rand, b->mn_rand, sizeof a->mn_rand) != 0 ||
        memcmp(a->hac_rand, b->hac_rand, sizeof a->hac_rand) != 0)
        __builtin_trap();
    if (a->n_suites != b->n_suites ||
        memcmp(a->suites, b->suites, a->n_suites * sizeof a->suites[0]) != 0)
        __builtin_trap();
    if (!mip6tls_addr_eq(&a->haa_ip6, &b->haa_ip6) || !mip6tls_addr_eq(&a->haa_ip4, &b->haa_ip4) ||
        !mip6tls_addr_eq(&a->ip6_hoa, &b->ip6_hoa) || !mip6tls_addr_eq(&a->ip4_hoa, &b->ip4_hoa) ||
        !mip6tls_addr_eq(&a->ip6_hnp, &b->ip6_hnp) || !mip6tls_addr_eq(&a->ip4_hnp, &b->ip4_hnp) ||
        a->ip6_hnp_len != b->ip6_hnp_len || a->ip4_hnp_len != b->ip4_hnp_len)
        __builtin_trap();
    if (a->n_dns_ip6 != b->n_dns_ip6 || a->n_dns_ip4 != b->n_dns_ip4)
        __builtin_trap();
    for (i = 0; i < a->n_dns_ip6; i++)
        if (!mip6tls_addr_eq(&a->dns_ip6[i], &b->dns_ip6[i]))
            __builtin_trap();
    for (i = 0; i < a->n_dns_ip4; i++)
        if (!mip6tls_addr_eq(&a->dns_ip4[i], &b->dns_ip4[i]))
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[MIP6TLS_CTR_MAX], out2[MIP6TLS_CTR_MAX];
    static mip6tls_ctr_msg m, m2;
    int need, rc, n, n2;

    need = mip6tls_ctr_frame_need(data, size);
    rc = mip6tls_ctr_decode(&m, data, size);
    /* The decoder and the reassembly helper agree on the frame. */
    if (rc == 0 && need != (int)size)
        __builtin_trap();
    if (need < 0 && rc != need)
        __builtin_trap();
    if (rc != 0) {
        if (rc >= 0 || !MIP6TLS_ERR_IS_DECODE(rc) || m.present != 0)
            __builtin_trap();
        return 0;
    }
    rc = mip6tls_ctr_auth_verify(&m, fz_key, sizeof fz_key - 1, MIP6TLS_CTR_DIR_MN, fz_cb,
                                 sizeof fz_cb);
    if (rc != 0 && rc != MIP6TLS_ERR_AUTH && rc != MIP6TLS_ERR_MISSING)
        __builtin_trap();
    if (fz_has(&m, MIP6TLS_CTR_H_AUTH) && m.auth_off >= m.content.len)
        __builtin_trap();

    n = fz_build(&m, out, sizeof out);
    if (m.present == 0) {
        /* Only unknown headers: nothing to rebuild, and the builder says so. */
        if (n != MIP6TLS_ERR_STATE)
            __builtin_trap();
        return 0;
    }
    if (n < 0) {
        /* Only growth past the 65535-octet content can stop the rebuild: it writes one space
         * after each ':' that the input may have left out. */
        if (n != MIP6TLS_ERR_NOBUF || m.content.len < MIP6TLS_CTR_CONTENT_MAX - 64)
            __builtin_trap();
        return 0;
    }
    if (mip6tls_ctr_decode(&m2, out, (size_t)n) != 0)
        __builtin_trap();
    fz_same(&m, &m2);
    if (fz_has(&m2, MIP6TLS_CTR_H_AUTH) &&
        mip6tls_ctr_auth_verify(&m2, fz_key, sizeof fz_key - 1, MIP6TLS_CTR_DIR_HAC, fz_cb,
                                sizeof fz_cb) != 0)
        __builtin_trap();
    n2 = fz_build(&m2, out2, sizeof out2);
    if (n2 != n || memcmp(out, out2, (size_t)n) != 0)
        __builtin_trap();
    return 0;
}
