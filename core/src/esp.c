/*
 * esp.c: ESP seal/open for RFC 6618 §6.3/§6.4 packets (RFC 4303 §2-§3), built on BearSSL.
 *
 * Every suite is a composition of BearSSL primitives chosen once per SA (AES-NI, PCLMULQDQ
 * and SSE2 code when the CPU has them, BearSSL's constant-time code otherwise):
 *   AES-128-CBC / 3DES-CBC   RFC 3602 / RFC 2451, cbcenc/cbcdec classes
 *   HMAC-SHA1-96             RFC 2404, br_hmac with precomputed inner/outer state
 *   AES-XCBC-MAC-96          RFC 3566, the ctrcbc class' CBC-MAC under K1
 *   AES-128-GCM-16           RFC 4106, the ctr class plus GHASH
 *   ChaCha20-Poly1305        RFC 7634, br_poly1305_run
 */
#include "mip6tls/esp.h"

#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"

#include <string.h>

#define ESP_HDR 8 /* PType/SPI + Sequence Number */

/* ---- implementation choice --------------------------------------------------------- */

void mip6tls_esp_impl_portable(mip6tls_esp_impl *impl)
{
    impl->aes_cbcenc = &br_aes_ct64_cbcenc_vtable;
    impl->aes_cbcdec = &br_aes_ct64_cbcdec_vtable;
    impl->aes_ctr = &br_aes_ct64_ctr_vtable;
    impl->aes_ctrcbc = &br_aes_ct64_ctrcbc_vtable;
    impl->ghash = &br_ghash_ctmul64;
    impl->chacha20 = &br_chacha20_ct_run;
    impl->poly1305 = &br_poly1305_ctmul_run;
}

void mip6tls_esp_impl_detect(mip6tls_esp_impl *impl)
{
    const br_block_cbcenc_class *ce = br_aes_x86ni_cbcenc_get_vtable();
    const br_block_cbcdec_class *cd = br_aes_x86ni_cbcdec_get_vtable();
    const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
    const br_block_ctrcbc_class *cc = br_aes_x86ni_ctrcbc_get_vtable();
    br_ghash gh = br_ghash_pclmul_get();
    br_chacha20_run ch = br_chacha20_sse2_get();
    br_poly1305_run po = br_poly1305_ctmulq_get();

    mip6tls_esp_impl_portable(impl);
    if (ce != NULL && cd != NULL && ctr != NULL && cc != NULL) {
        impl->aes_cbcenc = ce;
        impl->aes_cbcdec = cd;
        impl->aes_ctr = ctr;
        impl->aes_ctrcbc = cc;
    }
    if (gh != 0)
        impl->ghash = gh;
    if (ch != 0)
        impl->chacha20 = ch;
    if (po != 0)
        impl->poly1305 = po;
}

/* ---- AES-XCBC-MAC-96 (RFC 3566) ------------------------------------------------------ */

/* RFC 3566 §4 steps (1): K1, K2, K3 = E_K(0x01..), E_K(0x02..), E_K(0x03..). */
static void esp_xcbc_setup(const mip6tls_esp_impl *impl, mip6tls_esp_dir *d,
                           const uint8_t key[16])
{
    const br_block_ctrcbc_class *vt = impl->aes_ctrcbc;
    br_aes_gen_ctrcbc_keys k;
    uint8_t k1[16], block[16];

    vt->init(&k.vtable, key, 16);
    memset(k1, 0, 16);
    memset(block, 0x01, 16);
    vt->mac(&k.vtable, k1, block, 16);
    memset(d->integ.xcbc.k2, 0, 16);
    memset(block, 0x02, 16);
    vt->mac(&k.vtable, d->integ.xcbc.k2, block, 16);
    memset(d->integ.xcbc.k3, 0, 16);
    memset(block, 0x03, 16);
    vt->mac(&k.vtable, d->integ.xcbc.k3, block, 16);
    vt->init(&d->integ.xcbc.k1.vtable, k1, 16);
    memset(&k, 0, sizeof k);
    memset(k1, 0, sizeof k1);
}

/* RFC 3566 §4 steps (2)-(5): CBC-MAC under K1 with the last block XORed with K2 (complete)
 * or padded with 0x80 0x00... and XORed with K3 (incomplete or empty message). */
static void esp_xcbc_run(const mip6tls_esp_dir *d, const uint8_t *data, size_t len,
                         uint8_t e[16])
{
    const br_block_ctrcbc_class *const *vt = &d->integ.xcbc.k1.vtable;
    uint8_t last[16];
    size_t full, rem, i;

    memset(e, 0, 16);
    full = len == 0 ? 0 : (len - 1) / 16; /* blocks before the last one */
    if (full > 0)
        (*vt)->mac(vt, e, data, full * 16);
    rem = len - full * 16;
    if (rem == 16) {
        for (i = 0; i < 16; i++)
            last[i] = (uint8_t)(data[full * 16 + i] ^ d->integ.xcbc.k2[i]);
    } else {
        memset(last, 0, 16);
        if (rem > 0)
            memcpy(last, data + full * 16, rem);
        last[rem] = 0x80;
        for (i = 0; i < 16; i++)
            last[i] ^= d->integ.xcbc.k3[i];
    }
    (*vt)->mac(vt, e, last, 16);
}

void mip6tls_xcbc_mac(const mip6tls_esp_impl *impl, const uint8_t key[16], const void *data,
                      size_t len, uint8_t *mac, int full)
{
    mip6tls_esp_dir d;
    uint8_t e[16];
    esp_xcbc_setup(impl, &d, key);
    esp_xcbc_run(&d, data, len, e);
    memcpy(mac, e, full ? 16 : 12);
    memset(&d, 0, sizeof d);
}

/* The 96-bit ICV of the non-combined suites over data[len] (RFC 2404 §2, RFC 3566 §4: the
 * first 96 bits of HMAC-SHA1 or AES-XCBC-MAC). mac receives 20 octets, of which 12 count. */
static void esp_icv(const mip6tls_esp_dir *d, const mip6tls_suite_info *s, const uint8_t *data,
                    size_t len, uint8_t mac[20])
{
    if (s->integ == MIP6TLS_INTEG_HMAC_SHA1_96) {
        br_hmac_context hc;
        br_hmac_init(&hc, &d->integ.hmac, 0);
        br_hmac_update(&hc, data, len);
        br_hmac_out(&hc, mac);
    } else {
        esp_xcbc_run(d, data, len, mac);
    }
}

/* ---- set-up ------------------------------------------------------------------------- */

static int esp_dir_init(mip6tls_esp_sa *sa, mip6tls_esp_dir *d, int outbound,
                        const uint8_t *ekey, const uint8_t *ikey, const uint8_t salt[8])
{
    const mip6tls_suite_info *s = sa->suite;
    const mip6tls_esp_impl *impl = sa->impl;

    memset(d, 0, sizeof *d);
    switch (s->enc) {
    case MIP6TLS_ENC_NULL:
        break;
    case MIP6TLS_ENC_AES128_CBC:
        if (outbound)
            impl->aes_cbcenc->init(&d->enc.aes_cbcenc.vtable, ekey, 16);
        else
            impl->aes_cbcdec->init(&d->enc.aes_cbcdec.vtable, ekey, 16);
        break;
    case MIP6TLS_ENC_3DES_CBC:
        /* The constant-time DES code: 3DES exists for interoperability, not for speed. */
        if (outbound)
            br_des_ct_cbcenc_vtable.init(&d->enc.des_cbcenc.vtable, ekey, 24);
        else
            br_des_ct_cbcdec_vtable.init(&d->enc.des_cbcdec.vtable, ekey, 24);
        break;
    case MIP6TLS_ENC_AES128_GCM: {
        static const uint8_t zero_iv[12] = {0};
        const br_block_ctr_class *vt = impl->aes_ctr;
        /* RFC 4106 §8.1: KEYMAT is the AES key followed by a 4-octet salt. */
        vt->init(&d->enc.aes_ctr.vtable, ekey, 16);
        memcpy(d->salt, ekey + 16, 4);
        memset(d->integ.gcm_h, 0, 16);
        vt->run(&d->enc.aes_ctr.vtable, zero_iv, 0, d->integ.gcm_h, 16); /* H = E_K(0^128) */
        return 0;
    }
    case MIP6TLS_ENC_CHACHA20_POLY1305:
        /* RFC 7634 §2.1: 32-octet key followed by a 4-octet salt. */
        memcpy(d->enc.chacha_key, ekey, 32);
        memcpy(d->salt, ekey + 32, 4);
        return 0;
    default:
        return MIP6TLS_ERR_SUITE;
    }

    switch (s->integ) {
    case MIP6TLS_INTEG_HMAC_SHA1_96:
        br_hmac_key_init(&d->integ.hmac, &br_sha1_vtable, ikey, 20);
        break;
    case MIP6TLS_INTEG_AES_XCBC_MAC_96:
        esp_xcbc_setup(impl, d, ikey);
        break;
    default:
        return MIP6TLS_ERR_SUITE; /* RFC 6618 §5.6.5: never a NULL integrity algorithm */
    }
    memcpy(d->salt, salt, 8);
    return 0;
}

int mip6tls_esp_sa_init(mip6tls_esp_sa *sa, const mip6tls_esp_impl *impl, mip6tls_esp_side side,
                        const mip6tls_esp_keys *keys, const uint8_t iv_salt[8],
                        uint32_t replay_window)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(keys->suite);
    const uint8_t *out_e, *out_i, *in_e, *in_i;
    int rc;

    if (s == NULL)
        return MIP6TLS_ERR_SUITE;
    if (keys->ekey_len != s->ekey_len || keys->ikey_len != s->ikey_len)
        return MIP6TLS_ERR_KEYLEN;
    if (keys->spi < MIP6TLS_SPI_MIN || keys->spi > MIP6TLS_SPI_MAX)
        return MIP6TLS_ERR_ARG; /* RFC 6618 §5.6.1 */
    if ((side != MIP6TLS_ESP_MN && side != MIP6TLS_ESP_HA) || impl == NULL)
        return MIP6TLS_ERR_ARG;

    memset(sa, 0, sizeof *sa);
    rc = mip6tls_replay_init(&sa->replay, replay_window);
    if (rc != 0)
        return rc;
    sa->suite = s;
    sa->impl = impl;
    sa->spi = keys->spi;
    sa->next_seq = 1; /* RFC 4303 §3.3.3: the first packet sent carries 1 */

    /* RFC 6618 §4.3: one key pair per direction; the MN sends with mn-to-ha. */
    if (side == MIP6TLS_ESP_MN) {
        out_e = keys->mn_to_ha_ekey, out_i = keys->mn_to_ha_ikey;
        in_e = keys->ha_to_mn_ekey, in_i = keys->ha_to_mn_ikey;
    } else {
        out_e = keys->ha_to_mn_ekey, out_i = keys->ha_to_mn_ikey;
        in_e = keys->mn_to_ha_ekey, in_i = keys->mn_to_ha_ikey;
    }
    rc = esp_dir_init(sa, &sa->out, 1, out_e, out_i, iv_salt);
    if (rc == 0)
        rc = esp_dir_init(sa, &sa->in, 0, in_e, in_i, iv_salt);
    if (rc != 0)
        mip6tls_esp_sa_wipe(sa);
    return rc;
}

void mip6tls_esp_sa_wipe(mip6tls_esp_sa *sa)
{
    volatile uint8_t *p = (volatile uint8_t *)sa;
    size_t i;
    for (i = 0; i < sizeof *sa; i++)
        p[i] = 0;
}

size_t mip6tls_esp_head_len(const mip6tls_esp_sa *sa)
{
    return ESP_HDR + sa->suite->iv_len;
}

/* RFC 4303 §2.4: payload, padding, Pad Length and Next Header end on a block boundary (and
 * at least on 4 octets, which every suite's `block` already is). */
static size_t esp_padded_len(const mip6tls_suite_info *s, size_t len)
{
    return (len + 2 + s->block - 1) / s->block * s->block;
}

size_t mip6tls_esp_sealed_len(const mip6tls_esp_sa *sa, size_t len)
{
    return mip6tls_esp_head_len(sa) + esp_padded_len(sa->suite, len) + sa->suite->icv_len;
}

uint32_t mip6tls_esp_seq_left(const mip6tls_esp_sa *sa)
{
    return sa->next_seq > 0xFFFFFFFFu ? 0 : (uint32_t)(0xFFFFFFFFu - sa->next_seq + 1u);
}

/* ---- GCM pieces (RFC 4106 over NIST SP 800-38D) ----------------------------------- */

static void esp_gcm_nonce(const mip6tls_esp_dir *d, const uint8_t *iv8, uint8_t nonce[12])
{
    memcpy(nonce, d->salt, 4); /* RFC 4106 §4: nonce = salt || IV */
    memcpy(nonce + 4, iv8, 8);
}

static void esp_gcm_tag(const mip6tls_esp_dir *d, br_ghash gh, const uint8_t nonce[12],
                        const uint8_t *aad, const uint8_t *ct, size_t ct_len, uint8_t tag[16])
{
    const br_block_ctr_class *const *vt = &d->enc.aes_ctr.vtable;
    uint8_t lens[16];

    memset(tag, 0, 16);
    gh(tag, d->integ.gcm_h, aad, 8); /* RFC 4106 §5: AAD = SPI || 32-bit Seq */
    gh(tag, d->integ.gcm_h, ct, ct_len);
    mip6tls_put64(lens, 8u * 8u);
    mip6tls_put64(lens + 8, (uint64_t)ct_len * 8u);
    gh(tag, d->integ.gcm_h, lens, 16);
    (*vt)->run(vt, nonce, 1, tag, 16); /* tag ^= E_K(J0), J0 = nonce || 1 */
}

/* ---- seal ---------------------------------------------------------------------------- */

int mip6tls_esp_seal(mip6tls_esp_sa *sa, uint8_t ptype, uint8_t next_header,
                     const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
    const mip6tls_suite_info *s = sa->suite;
    mip6tls_esp_dir *d = &sa->out;
    size_t head = ESP_HDR + s->iv_len, plen, total, padn, i;
    uint8_t *iv = out + ESP_HDR, *body = out + head, *trail;
    uint32_t seq;

    if (ptype != MIP6TLS_PTYPE_DATA && ptype != MIP6TLS_PTYPE_MH)
        return MIP6TLS_ERR_ARG; /* RFC 6618 §6.2: PType 0 is never protected */
    if (sa->next_seq > 0xFFFFFFFFu)
        return MIP6TLS_ERR_SEQ_EXHAUSTED; /* RFC 4303 §3.3.3: never cycle without ESN */
    if (len > (size_t)INT32_MAX - 512)
        return MIP6TLS_ERR_NOBUF;
    plen = esp_padded_len(s, len);
    total = head + plen + s->icv_len;
    if (cap < total)
        return MIP6TLS_ERR_NOBUF;

    seq = (uint32_t)sa->next_seq;
    if (payload != body)
        memmove(body, payload, len);
    mip6tls_encap_put_hdr(out, ptype, sa->spi, seq);

    /* RFC 4303 §2.4: padding bytes 1, 2, 3, ...; then Pad Length and Next Header. */
    trail = body + len;
    padn = plen - len - 2;
    for (i = 0; i < padn; i++)
        trail[i] = (uint8_t)(i + 1);
    trail[padn] = (uint8_t)padn;
    trail[padn + 1] = next_header;

    switch (s->enc) {
    case MIP6TLS_ENC_NULL:
        break;
    case MIP6TLS_ENC_AES128_CBC:
    case MIP6TLS_ENC_3DES_CBC: {
        /* The IV slot holds the nonce salt || seq; CBC with a zero IV over nonce || payload
         * turns it into E_K(nonce), which then serves as the payload's IV: RFC 3602 §2.3's
         * unpredictable IV, made the NIST SP 800-38A Appendix C way in a single call. */
        const br_block_cbcenc_class *const *vt = &d->enc.aes_cbcenc.vtable;
        uint8_t zero[16] = {0};
        if (s->iv_len == 16) {
            memcpy(iv, d->salt, 8);
            mip6tls_put64(iv + 8, seq);
        } else {
            mip6tls_put64(iv, mip6tls_get64(d->salt) ^ seq);
        }
        (*vt)->run(vt, zero, iv, s->iv_len + plen);
        break;
    }
    case MIP6TLS_ENC_AES128_GCM: {
        const br_block_ctr_class *const *vt = &d->enc.aes_ctr.vtable;
        uint8_t nonce[12];
        mip6tls_put64(iv, seq); /* RFC 4106 §3.1: a counter is a valid IV */
        esp_gcm_nonce(d, iv, nonce);
        (*vt)->run(vt, nonce, 2, body, plen);
        esp_gcm_tag(d, sa->impl->ghash, nonce, out, body, plen, body + plen);
        break;
    }
    case MIP6TLS_ENC_CHACHA20_POLY1305: {
        uint8_t nonce[12];
        mip6tls_put64(iv, seq); /* RFC 7634 §2: the IV MUST be unique; a counter is */
        esp_gcm_nonce(d, iv, nonce);
        sa->impl->poly1305(d->enc.chacha_key, nonce, body, plen, out, ESP_HDR, body + plen,
                           sa->impl->chacha20, 1);
        break;
    }
    default:
        return MIP6TLS_ERR_SUITE;
    }

    if (!s->aead) {
        uint8_t mac[20];
        esp_icv(d, s, out, head + plen, mac);
        memcpy(body + plen, mac, 12);
    }
    sa->next_seq++;
    return (int)total;
}

/* ---- open ---------------------------------------------------------------------------- */

int mip6tls_esp_open(mip6tls_esp_sa *sa, uint8_t *pkt, size_t len, mip6tls_esp_plain *out)
{
    uint32_t word;
    uint8_t ptype;

    if (len < ESP_HDR)
        return MIP6TLS_ERR_TRUNCATED;
    word = mip6tls_get32(pkt);
    ptype = (uint8_t)(word >> 28);
    if (ptype != MIP6TLS_PTYPE_DATA && ptype != MIP6TLS_PTYPE_MH)
        return MIP6TLS_ERR_PTYPE; /* RFC 6618 §6.2: PType 0 is never protected */
    if ((word & MIP6TLS_SPI_MAX) != sa->spi)
        return MIP6TLS_ERR_SPI;
    return mip6tls_esp_open_rfc4303(sa, word, pkt, len, out);
}

int mip6tls_esp_open_rfc4303(mip6tls_esp_sa *sa, uint32_t spi_word, uint8_t *pkt, size_t len,
                             mip6tls_esp_plain *out)
{
    const mip6tls_suite_info *s = sa->suite;
    const mip6tls_esp_dir *d = &sa->in;
    size_t head = ESP_HDR + s->iv_len, plen, padn, i;
    uint8_t *body = pkt + head, *icv;
    uint32_t seq;
    int rc;

    if (len < ESP_HDR)
        return MIP6TLS_ERR_TRUNCATED;
    if (mip6tls_get32(pkt) != spi_word)
        return MIP6TLS_ERR_SPI;
    if (len < head + 2 + s->icv_len)
        return MIP6TLS_ERR_TRUNCATED;
    plen = len - head - s->icv_len;
    if (plen % s->block != 0)
        return MIP6TLS_ERR_LENGTH; /* RFC 4303 §2.4 alignment */
    icv = body + plen;
    seq = mip6tls_get32(pkt + 4);

    /* RFC 4303 §3.4.3: duplicates are rejected before the (costly) ICV check. */
    rc = mip6tls_replay_check(&sa->replay, seq);
    if (rc != 0)
        return rc;

    switch (s->enc) {
    case MIP6TLS_ENC_AES128_GCM: {
        const br_block_ctr_class *const *vt = &d->enc.aes_ctr.vtable;
        uint8_t nonce[12], tag[16];
        esp_gcm_nonce(d, pkt + ESP_HDR, nonce);
        esp_gcm_tag(d, sa->impl->ghash, nonce, pkt, body, plen, tag);
        if (!mip6tls_ct_eq(tag, icv, 16))
            return MIP6TLS_ERR_ICV;
        (*vt)->run(vt, nonce, 2, body, plen);
        break;
    }
    case MIP6TLS_ENC_CHACHA20_POLY1305: {
        br_chacha20_run cc = sa->impl->chacha20;
        uint8_t nonce[12], tag[16];
        esp_gcm_nonce(d, pkt + ESP_HDR, nonce);
        /* br_poly1305_run authenticates the ciphertext, then decrypts it in place. */
        sa->impl->poly1305(d->enc.chacha_key, nonce, body, plen, pkt, ESP_HDR, tag, cc, 0);
        if (!mip6tls_ct_eq(tag, icv, 16)) {
            cc(d->enc.chacha_key, nonce, 1, body, plen); /* give the caller its bytes back */
            return MIP6TLS_ERR_ICV;
        }
        break;
    }
    default: {
        uint8_t mac[20];
        esp_icv(d, s, pkt, head + plen, mac);
        if (!mip6tls_ct_eq(mac, icv, 12))
            return MIP6TLS_ERR_ICV;
        if (s->enc != MIP6TLS_ENC_NULL) {
            const br_block_cbcdec_class *const *vt = &d->enc.aes_cbcdec.vtable;
            uint8_t iv[16];
            memcpy(iv, pkt + ESP_HDR, s->iv_len);
            (*vt)->run(vt, iv, body, plen);
        }
        break;
    }
    }

    /* RFC 4303 §2.4: Pad Length is at most what precedes it, and the padding bytes are
     * 1, 2, 3, ... (the default scheme, which the receiver checks). */
    padn = body[plen - 2];
    if (padn > plen - 2)
        return MIP6TLS_ERR_PADDING;
    for (i = 0; i < padn; i++)
        if (body[plen - 2 - padn + i] != (uint8_t)(i + 1))
            return MIP6TLS_ERR_PADDING;

    mip6tls_replay_update(&sa->replay, seq);
    out->ptype = (uint8_t)(spi_word >> 28);
    out->next_header = body[plen - 1];
    out->seq = seq;
    out->payload = body;
    out->len = plen - 2 - padn;
    return 0;
}
