/*
 * bench_esp.c: ESP seal+open throughput per suite and packet size, on one core, next to the
 * raw BearSSL primitives the suite is built from and OpenSSL's EVP doing the same algorithm,
 * all measured in the same run. Prints figures and ratios; asserts nothing (docs/testing.md).
 *
 *   bench_esp [--seconds S] [--sizes 64,512,1400,8192] [--suite NAME] [--csv FILE]
 *   bench_esp --icount-ops N [--suite NAME] [--sizes ...]   (for tests/bench/framing.sh)
 *
 * One "op" is a full round: seal a packet, then open it (verify + decrypt). The raw rows do
 * the same crypto on the same payload without ESP framing (no header, padding, trailer,
 * anti-replay): the difference is what our framing costs. OpenSSL rows use EVP with a keyed
 * context re-initialised per packet, the way a per-packet user of EVP would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mip6tls/encap.h"
#include "mip6tls/esp.h"

#ifdef MIP6TLS_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#endif

#define MAXPKT 9000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint8_t sink;
static mip6tls_esp_impl impl;

/* ---- our ESP -------------------------------------------------------------------------- */

typedef struct {
    mip6tls_esp_sa mn, ha;
    uint8_t pkt[MAXPKT + 512];
} ours_t;

static void ours_setup(ours_t *o, uint16_t code)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(code);
    mip6tls_esp_keys k;
    uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    memset(&k, 0, sizeof k);
    k.suite = code;
    k.spi = 0x1234567;
    k.ekey_len = s->ekey_len;
    k.ikey_len = s->ikey_len;
    for (int i = 0; i < MIP6TLS_ESP_MAX_EKEY; i++)
        k.mn_to_ha_ekey[i] = k.ha_to_mn_ekey[i] = (uint8_t)(i * 13 + 1);
    for (int i = 0; i < MIP6TLS_ESP_MAX_IKEY; i++)
        k.mn_to_ha_ikey[i] = k.ha_to_mn_ikey[i] = (uint8_t)(i * 7 + 3);
    if (mip6tls_esp_sa_init(&o->mn, &impl, MIP6TLS_ESP_MN, &k, salt, 0) != 0 ||
        mip6tls_esp_sa_init(&o->ha, &impl, MIP6TLS_ESP_HA, &k, salt, 0) != 0) {
        fprintf(stderr, "bench_esp: SA set-up failed for suite %04x\n", code);
        exit(1);
    }
    memset(o->pkt, 0x5A, sizeof o->pkt);
}

/* noinline: tests/bench/framing.sh counts instructions inside these two with callgrind. */
__attribute__((noinline)) void bench_ours_op(ours_t *o, size_t len);
__attribute__((noinline)) void bench_ours_op(ours_t *o, size_t len)
{
    /* In place, as a port does it: the payload sits in the packet buffer's headroom, seal
     * encrypts it where it is, open decrypts it back to the same place. */
    size_t head = mip6tls_esp_head_len(&o->mn);
    mip6tls_esp_plain p;
    int n = mip6tls_esp_seal(&o->mn, MIP6TLS_PTYPE_DATA, 41, o->pkt + head, len, o->pkt,
                             sizeof o->pkt);
    if (n < 0 || mip6tls_esp_open(&o->ha, o->pkt, (size_t)n, &p) != 0 ||
        p.payload != o->pkt + head || p.len != len) {
        fprintf(stderr, "bench_esp: seal/open failed (%d)\n", n);
        exit(1);
    }
    sink ^= p.payload[0];
}

/* ---- raw BearSSL ---------------------------------------------------------------------- */

typedef struct {
    uint16_t code;
    br_aes_gen_ctr_keys ctr;
    br_gcm_context gcm;
    br_aes_gen_cbcenc_keys aenc;
    br_aes_gen_cbcdec_keys adec;
    br_des_gen_cbcenc_keys denc;
    br_des_gen_cbcdec_keys ddec;
    br_aes_gen_ctrcbc_keys cbcmac;
    br_hmac_key_context hk;
    br_chacha20_run chacha;
    br_poly1305_run poly;
    uint8_t key[32];
    uint8_t buf[MAXPKT + 64];
} raw_t;

static void raw_setup(raw_t *r, uint16_t code)
{
    const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
    const br_block_cbcenc_class *enc = br_aes_x86ni_cbcenc_get_vtable();
    const br_block_cbcdec_class *dec = br_aes_x86ni_cbcdec_get_vtable();
    const br_block_ctrcbc_class *cc = br_aes_x86ni_ctrcbc_get_vtable();
    br_ghash gh = br_ghash_pclmul_get();
    memset(r, 0, sizeof *r);
    r->code = code;
    for (int i = 0; i < 32; i++)
        r->key[i] = (uint8_t)(i * 13 + 1);
    if (!ctr)
        ctr = &br_aes_ct64_ctr_vtable;
    if (!enc)
        enc = &br_aes_ct64_cbcenc_vtable;
    if (!dec)
        dec = &br_aes_ct64_cbcdec_vtable;
    if (!cc)
        cc = &br_aes_ct64_ctrcbc_vtable;
    if (!gh)
        gh = br_ghash_ctmul64;
    ctr->init(&r->ctr.vtable, r->key, 16);
    br_gcm_init(&r->gcm, &r->ctr.vtable, gh);
    enc->init(&r->aenc.vtable, r->key, 16);
    dec->init(&r->adec.vtable, r->key, 16);
    br_des_ct_cbcenc_vtable.init(&r->denc.vtable, r->key, 24);
    br_des_ct_cbcdec_vtable.init(&r->ddec.vtable, r->key, 24);
    cc->init(&r->cbcmac.vtable, r->key, 16);
    br_hmac_key_init(&r->hk, &br_sha1_vtable, r->key, 20);
    r->chacha = br_chacha20_sse2_get();
    if (!r->chacha)
        r->chacha = br_chacha20_ct_run;
    r->poly = br_poly1305_ctmulq_get();
    if (!r->poly)
        r->poly = br_poly1305_ctmul_run;
    memset(r->buf, 0x5A, sizeof r->buf);
}

static void raw_mac(raw_t *r, const mip6tls_suite_info *s, const uint8_t *d, size_t len,
                    uint8_t out[20])
{
    if (s->integ == MIP6TLS_INTEG_HMAC_SHA1_96) {
        br_hmac_context hc;
        br_hmac_init(&hc, &r->hk, 0);
        br_hmac_update(&hc, d, len);
        br_hmac_out(&hc, out);
    } else {
        /* plain CBC-MAC over the block-aligned part: the primitive XCBC is made of */
        memset(out, 0, 16);
        r->cbcmac.vtable->mac(&r->cbcmac.vtable, out, d, len & ~(size_t)15);
    }
}

__attribute__((noinline)) void bench_raw_op(raw_t *r, size_t len);
__attribute__((noinline)) void bench_raw_op(raw_t *r, size_t len)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(r->code);
    uint8_t iv[16] = {0}, tag[20], tag2[20], aad[8] = {1, 2, 3, 4, 0, 0, 0, 1};
    switch (s->enc) {
    case MIP6TLS_ENC_AES128_GCM:
        br_gcm_reset(&r->gcm, iv, 12);
        br_gcm_aad_inject(&r->gcm, aad, 8);
        br_gcm_flip(&r->gcm);
        br_gcm_run(&r->gcm, 1, r->buf, len);
        br_gcm_get_tag(&r->gcm, tag);
        br_gcm_reset(&r->gcm, iv, 12);
        br_gcm_aad_inject(&r->gcm, aad, 8);
        br_gcm_flip(&r->gcm);
        br_gcm_run(&r->gcm, 0, r->buf, len);
        if (!br_gcm_check_tag(&r->gcm, tag))
            exit(2);
        break;
    case MIP6TLS_ENC_CHACHA20_POLY1305:
        r->poly(r->key, iv, r->buf, len, aad, 8, tag, r->chacha, 1);
        r->poly(r->key, iv, r->buf, len, aad, 8, tag2, r->chacha, 0);
        if (memcmp(tag, tag2, 16) != 0)
            exit(2);
        break;
    default: {
        size_t blen = s->block > 4 ? len & ~(size_t)(s->block - 1) : len;
        if (s->enc == MIP6TLS_ENC_AES128_CBC)
            r->aenc.vtable->run(&r->aenc.vtable, iv, r->buf, blen);
        else if (s->enc == MIP6TLS_ENC_3DES_CBC)
            r->denc.vtable->run(&r->denc.vtable, iv, r->buf, blen);
        raw_mac(r, s, r->buf, len, tag);
        raw_mac(r, s, r->buf, len, tag2);
        if (memcmp(tag, tag2, 12) != 0)
            exit(2);
        memset(iv, 0, 16);
        if (s->enc == MIP6TLS_ENC_AES128_CBC)
            r->adec.vtable->run(&r->adec.vtable, iv, r->buf, blen);
        else if (s->enc == MIP6TLS_ENC_3DES_CBC)
            r->ddec.vtable->run(&r->ddec.vtable, iv, r->buf, blen);
        break;
    }
    }
    sink ^= r->buf[0];
}

/* ---- OpenSSL EVP ---------------------------------------------------------------------- */

#ifdef MIP6TLS_HAVE_OPENSSL
typedef struct {
    uint16_t code;
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *mac;
    EVP_MAC_CTX *mctx;
    uint8_t buf[MAXPKT + 64], out[MAXPKT + 64];
} ossl_t;

static int ossl_setup(ossl_t *o, uint16_t code)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(code);
    const EVP_CIPHER *c = NULL;
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 13 + 1);
    memset(o, 0, sizeof *o);
    o->code = code;
    if (s->integ == MIP6TLS_INTEG_AES_XCBC_MAC_96)
        return 0; /* OpenSSL has no AES-XCBC-MAC */
    switch (s->enc) {
    case MIP6TLS_ENC_AES128_GCM: c = EVP_aes_128_gcm(); break;
    case MIP6TLS_ENC_CHACHA20_POLY1305: c = EVP_chacha20_poly1305(); break;
    case MIP6TLS_ENC_AES128_CBC: c = EVP_aes_128_cbc(); break;
    case MIP6TLS_ENC_3DES_CBC: c = EVP_des_ede3_cbc(); break;
    default: c = NULL; break;
    }
    if (c != NULL) {
        o->enc = EVP_CIPHER_CTX_new();
        o->dec = EVP_CIPHER_CTX_new();
        if (!EVP_EncryptInit_ex(o->enc, c, NULL, key, NULL) ||
            !EVP_DecryptInit_ex(o->dec, c, NULL, key, NULL))
            return 0;
        EVP_CIPHER_CTX_set_padding(o->enc, 0);
        EVP_CIPHER_CTX_set_padding(o->dec, 0);
    }
    if (!s->aead) {
        OSSL_PARAM params[2];
        o->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        o->mctx = o->mac ? EVP_MAC_CTX_new(o->mac) : NULL;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0);
        params[1] = OSSL_PARAM_construct_end();
        if (o->mctx == NULL || !EVP_MAC_init(o->mctx, key, 20, params))
            return 0;
    }
    memset(o->buf, 0x5A, sizeof o->buf);
    return 1;
}

static void ossl_hmac(ossl_t *o, const uint8_t *d, size_t len, uint8_t out[20])
{
    size_t ol = 0;
    if (!EVP_MAC_init(o->mctx, NULL, 0, NULL) || !EVP_MAC_update(o->mctx, d, len) ||
        !EVP_MAC_final(o->mctx, out, &ol, 20))
        exit(3);
}

static void ossl_op(ossl_t *o, size_t len)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(o->code);
    uint8_t iv[16] = {0}, tag[20], tag2[20], aad[8] = {1, 2, 3, 4, 0, 0, 0, 1};
    int n = 0, f = 0;
    if (s->aead) {
        if (!EVP_EncryptInit_ex(o->enc, NULL, NULL, NULL, iv) ||
            !EVP_EncryptUpdate(o->enc, NULL, &n, aad, 8) ||
            !EVP_EncryptUpdate(o->enc, o->out, &n, o->buf, (int)len) ||
            !EVP_EncryptFinal_ex(o->enc, o->out + n, &f) ||
            !EVP_CIPHER_CTX_ctrl(o->enc, EVP_CTRL_AEAD_GET_TAG, 16, tag))
            exit(3);
        if (!EVP_DecryptInit_ex(o->dec, NULL, NULL, NULL, iv) ||
            !EVP_DecryptUpdate(o->dec, NULL, &n, aad, 8) ||
            !EVP_DecryptUpdate(o->dec, o->buf, &n, o->out, (int)len) ||
            !EVP_CIPHER_CTX_ctrl(o->dec, EVP_CTRL_AEAD_SET_TAG, 16, tag) ||
            !EVP_DecryptFinal_ex(o->dec, o->buf + n, &f))
            exit(3);
    } else {
        size_t blen = s->block > 4 ? len & ~(size_t)(s->block - 1) : len;
        const uint8_t *ct = o->buf;
        if (o->enc != NULL) {
            if (!EVP_EncryptInit_ex(o->enc, NULL, NULL, NULL, iv) ||
                !EVP_EncryptUpdate(o->enc, o->out, &n, o->buf, (int)blen))
                exit(3);
            ct = o->out;
        }
        ossl_hmac(o, ct, len, tag);
        ossl_hmac(o, ct, len, tag2);
        if (memcmp(tag, tag2, 12) != 0)
            exit(3);
        if (o->dec != NULL) {
            if (!EVP_DecryptInit_ex(o->dec, NULL, NULL, NULL, iv) ||
                !EVP_DecryptUpdate(o->dec, o->buf, &n, o->out, (int)blen))
                exit(3);
        }
    }
    sink ^= o->buf[0];
}
#endif

/* ---- timing --------------------------------------------------------------------------- */

typedef void (*op_fn)(void *ctx, size_t len);
static void op_ours(void *c, size_t l) { bench_ours_op(c, l); }
static void op_raw(void *c, size_t l) { bench_raw_op(c, l); }
#ifdef MIP6TLS_HAVE_OPENSSL
static void op_ossl(void *c, size_t l) { ossl_op(c, l); }
#endif

/* Nanoseconds per op: the best of `rounds` timed slices of about `secs` / rounds each. */
static double time_op(op_fn f, void *ctx, size_t len, double secs, int rounds)
{
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        long n = 0, batch = 16;
        double t0 = now_s(), t;
        do {
            for (long i = 0; i < batch; i++)
                f(ctx, len);
            n += batch;
            t = now_s() - t0;
            if (batch < 4096)
                batch *= 2;
        } while (t < secs / rounds);
        if (t / (double)n * 1e9 < best)
            best = t / (double)n * 1e9;
    }
    return best;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_esp [--seconds S] [--sizes N,N,...] [--suite NAME] [--csv FILE]\n"
               "       bench_esp --icount-ops N [--suite NAME] [--sizes N,...]\n"
               "ESP seal+open per packet for every suite (default sizes 64,512,1400,8192,\n"
               "0.6 s per measurement), next to raw BearSSL and OpenSSL EVP in the same run.\n"
               "Suite names: AES_128_GCM_SHA256, CHACHA20_POLY1305_SHA256, AES_128_CBC_SHA,\n"
               "AES_128_CBC_SHA256, 3DES_EDE_CBC_SHA, NULL_SHA, NULL_SHA256.\n"
               "--icount-ops N runs N untimed ops of ours and of raw per suite and size, for\n"
               "counting instructions under callgrind (tests/bench/framing.sh).\n");
}

int main(int argc, char **argv)
{
    size_t sizes[16] = {64, 512, 1400, 8192}, nsizes = 4, count;
    double secs = 0.6;
    const char *only = NULL, *csv_path = NULL;
    long icount_ops = 0;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    static ours_t ours;
    static raw_t raw;
    FILE *csv = NULL;
    cpu_set_t set;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = atof(argv[++i]);
            if (secs <= 0) {
                fprintf(stderr, "bench_esp: --seconds needs a positive number\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            char *p = argv[++i], *end;
            nsizes = 0;
            while (*p && nsizes < 16) {
                long v = strtol(p, &end, 10);
                if (end == p || v < 1 || v > MAXPKT) {
                    fprintf(stderr, "bench_esp: sizes are 1..%d, comma-separated\n", MAXPKT);
                    return 2;
                }
                sizes[nsizes++] = (size_t)v;
                p = *end == ',' ? end + 1 : end;
            }
        } else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--icount-ops") == 0 && i + 1 < argc) {
            icount_ops = atol(argv[++i]);
            if (icount_ops < 1) {
                fprintf(stderr, "bench_esp: --icount-ops needs a positive count\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (csv_path && (csv = fopen(csv_path, "w")) == NULL) {
        fprintf(stderr, "bench_esp: cannot write %s: %s\n", csv_path, strerror(errno));
        return 1;
    }
    if (csv)
        fprintf(csv, "suite,size,ours_ns,raw_ns,openssl_ns,framing_overhead,vs_openssl\n");

    mip6tls_esp_impl_detect(&impl);
    if (icount_ops > 0) {
        for (size_t si = 0; si < count; si++) {
            if (only && strcmp(only, all[si].name) != 0)
                continue;
            ours_setup(&ours, all[si].code);
            raw_setup(&raw, all[si].code);
            for (size_t z = 0; z < nsizes; z++)
                for (long n = 0; n < icount_ops; n++) {
                    bench_ours_op(&ours, sizes[z]);
                    bench_raw_op(&raw, sizes[z]);
                }
        }
        return 0;
    }
    /* One core: pin to the CPU we start on. */
    CPU_ZERO(&set);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
    sched_setaffinity(0, sizeof set, &set);

    printf("mip6tls %s ESP benchmark: seal+open per packet, one core, best of 3 slices\n",
           MIP6TLS_VERSION_STRING);
    printf("AES-NI %s, PCLMULQDQ %s, SSE2 ChaCha20 %s; baseline: %s\n",
           br_aes_x86ni_ctr_get_vtable() ? "yes" : "no", br_ghash_pclmul_get() ? "yes" : "no",
           br_chacha20_sse2_get() ? "yes" : "no",
#ifdef MIP6TLS_HAVE_OPENSSL
           OPENSSL_VERSION_TEXT
#else
           "OpenSSL not built in"
#endif
    );
    printf("%-25s %6s %11s %9s %11s %11s %9s %9s\n", "suite", "bytes", "ours ns/op", "MB/s",
           "raw ns/op", "EVP ns/op", "framing", "vs EVP");
    for (size_t si = 0; si < count; si++) {
        const mip6tls_suite_info *s = &all[si];
#ifdef MIP6TLS_HAVE_OPENSSL
        static ossl_t ossl;
        int have_ossl;
#endif
        if (only && strcmp(only, s->name) != 0)
            continue;
        ours_setup(&ours, s->code);
        raw_setup(&raw, s->code);
#ifdef MIP6TLS_HAVE_OPENSSL
        have_ossl = ossl_setup(&ossl, s->code);
#endif
        for (size_t z = 0; z < nsizes; z++) {
            size_t len = sizes[z];
            double o = time_op(op_ours, &ours, len, secs, 3);
            double r = time_op(op_raw, &raw, len, secs, 3);
            double e = 0;
            char ebuf[24] = "n/a", vbuf[24] = "n/a";
#ifdef MIP6TLS_HAVE_OPENSSL
            if (have_ossl) {
                e = time_op(op_ossl, &ossl, len, secs, 3);
                snprintf(ebuf, sizeof ebuf, "%.0f", e);
                snprintf(vbuf, sizeof vbuf, "%.2fx", e / o);
            }
#endif
            /* Round trips sent so far may approach 2^32 only in absurd runs; re-key anyway. */
            if (mip6tls_esp_seq_left(&ours.mn) < 100000000u)
                ours_setup(&ours, s->code);
            printf("%-25s %6zu %11.0f %9.1f %11.0f %11s %8.1f%% %9s\n", s->name, len, o,
                   (double)len / o * 1e3, r, ebuf, (o / r - 1.0) * 100.0, vbuf);
            fflush(stdout);
            if (csv)
                fprintf(csv, "%s,%zu,%.1f,%.1f,%.1f,%.4f,%.4f\n", s->name, len, o, r, e,
                        o / r - 1.0, e > 0 ? e / o : 0.0);
        }
    }
    printf("framing = ours / raw - 1 (ESP header, padding, trailer, anti-replay); "
           "vs EVP = EVP time / ours (>1: we are faster)\n");
    if (csv)
        fclose(csv);
    return 0;
}
