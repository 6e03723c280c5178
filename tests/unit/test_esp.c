/*
 * test_esp.c: ESP seal/open (esp.c) for every suite.
 *
 * Known answers, by source:
 *   RFC 3602 §4 cases 1-4 (AES-CBC) and 5-8 (ESP packets; we append an HMAC-SHA1-96 ICV
 *     computed here, since the RFC's packets carry none)
 *   RFC 3566 §4.6 cases 1-7 (AES-XCBC-MAC and -96)
 *   RFC 2202 §3 cases 1-7 (HMAC-SHA-1, the primitive under HMAC-SHA1-96; case 5 also -96)
 *   RFC 7634 Appendix A (ChaCha20-Poly1305 ESP packet)
 *   esp_vectors.h: whole sealed packets of every suite made by pyca/cryptography
 *     (tests/vectors/gen_esp_vectors.py), AES-GCM included
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/encap.h"
#include "mip6tls/esp.h"
#include "testutil.h"

#include "esp_vectors.h"

/* The implementation choice every test runs under: main() runs the whole group twice, with
 * the CPU's fastest code and with BearSSL's portable constant-time code. */
static mip6tls_esp_impl impl;

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = tu_unhex(out, cap, hex);
    assert_true(n != (size_t)-1);
    return n;
}

/* Keys of espv_all's suite index `si` (see gen_esp_vectors.py). */
static void vector_keys(mip6tls_esp_keys *k, uint16_t code)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(code);
    assert_non_null(s);
    memset(k, 0, sizeof *k);
    k->suite = code;
    k->spi = ESPV_SPI;
    k->ekey_len = s->ekey_len;
    k->ikey_len = s->ikey_len;
    for (size_t i = 0; i < s->ekey_len; i++) {
        k->mn_to_ha_ekey[i] = (uint8_t)(0x10 + i);
        k->ha_to_mn_ekey[i] = (uint8_t)(0x60 + i);
    }
    for (size_t i = 0; i < s->ikey_len; i++) {
        k->mn_to_ha_ikey[i] = (uint8_t)(0xB0 + i);
        k->ha_to_mn_ikey[i] = (uint8_t)(0xD0 + i);
    }
}

/* Every suite seals exactly the packets an independent implementation made, and the HA side
 * opens them back to the payload. */
static void every_suite_matches_independent_vectors(void **state)
{
    size_t n = sizeof espv_all / sizeof espv_all[0], i;
    (void)state;
    assert_int_equal(n, 7 * ESPV_PER_SUITE);
    for (i = 0; i < n; i += ESPV_PER_SUITE) {
        mip6tls_esp_keys k;
        mip6tls_esp_sa mn, ha;
        vector_keys(&k, espv_all[i].suite);
        assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
        assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
        for (size_t j = 0; j < ESPV_PER_SUITE; j++) {
            const struct espv *v = &espv_all[i + j];
            uint8_t out[512];
            mip6tls_esp_plain p;
            int rc;
            assert_int_equal(mn.next_seq, v->seq);
            rc = mip6tls_esp_seal(&mn, v->ptype, v->nh, v->payload, v->payload_len, out,
                                  sizeof out);
            assert_int_equal(rc, (int)v->sealed_len);
            assert_int_equal(mip6tls_esp_sealed_len(&mn, v->payload_len), v->sealed_len);
            assert_memory_equal(out, v->sealed, v->sealed_len);
            assert_int_equal(mip6tls_esp_open(&ha, out, (size_t)rc, &p), 0);
            assert_int_equal(p.ptype, v->ptype);
            assert_int_equal(p.next_header, v->nh);
            assert_int_equal(p.seq, v->seq);
            assert_int_equal(p.len, v->payload_len);
            assert_memory_equal(p.payload, v->payload, v->payload_len);
        }
    }
}

/* The reverse direction uses the other key pair: the MN cannot open what it sealed itself,
 * but opens what the HA sealed. */
static void directions_use_their_own_keys(void **state)
{
    size_t count, i;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    (void)state;
    for (i = 0; i < count; i++) {
        mip6tls_esp_keys k;
        mip6tls_esp_sa mn, ha;
        uint8_t pkt[256], payload[40];
        mip6tls_esp_plain p;
        int len;
        vector_keys(&k, all[i].code);
        tu_fill(payload, sizeof payload, i + 1);
        assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
        assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
        len = mip6tls_esp_seal(&mn, MIP6TLS_PTYPE_DATA, 41, payload, sizeof payload, pkt,
                               sizeof pkt);
        assert_true(len > 0);
        assert_int_equal(mip6tls_esp_open(&mn, pkt, (size_t)len, &p), MIP6TLS_ERR_ICV);
        len = mip6tls_esp_seal(&ha, MIP6TLS_PTYPE_MH, 135, payload, sizeof payload, pkt,
                               sizeof pkt);
        assert_true(len > 0);
        assert_int_equal(mip6tls_esp_open(&mn, pkt, (size_t)len, &p), 0);
        assert_int_equal(p.ptype, MIP6TLS_PTYPE_MH);
        assert_memory_equal(p.payload, payload, sizeof payload);
    }
}

/* RFC 7634 Appendix A: the ESP packet after its 20-octet IPv4 header. */
static void rfc7634_appendix_a(void **state)
{
    static const char *keymat = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                "a0a1a2a3";
    static const char *source =
        "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10000736270809"
        "0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
        "3031323334353637";
    static const char *esp =
        "450000 8c2345000040 32de5bcb007199cb007105"
        "0102030400000005101112131415161724039428b97f417e3c13753a4f05087b67c352e6a7fab1b9"
        "82d466ef407ae5c614ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
        "cbec163fac469b502773f6fb94e664da9165b82829f641e076aaa8266b7fb0f7b11b369907e1ad43";
    mip6tls_esp_keys k;
    mip6tls_esp_sa sa;
    mip6tls_esp_plain p;
    uint8_t pkt[200], src[100], salt[8] = {0};
    size_t n, sn;
    (void)state;
    memset(&k, 0, sizeof k);
    k.suite = MIP6TLS_SUITE_CHACHA20_POLY1305;
    k.spi = 0x01020304;
    k.ekey_len = (uint8_t)unhex(k.mn_to_ha_ekey, sizeof k.mn_to_ha_ekey, keymat);
    unhex(k.ha_to_mn_ekey, sizeof k.ha_to_mn_ekey, keymat);
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_HA, &k, salt, 0), 0);
    n = unhex(pkt, sizeof pkt, esp);
    sn = unhex(src, sizeof src, source);
    assert_int_equal(n, 140);
    assert_int_equal(mip6tls_esp_open_rfc4303(&sa, 0x01020304, pkt + 20, n - 20, &p), 0);
    assert_int_equal(p.seq, 5);
    assert_int_equal(p.next_header, 4); /* tunnel mode: IPv4 */
    assert_int_equal(p.len, sn);
    assert_memory_equal(p.payload, src, sn);
    /* Our PType rule rejects it as an RFC 6618 packet: PType 0 is never protected. */
    n = unhex(pkt, sizeof pkt, esp);
    assert_int_equal(mip6tls_esp_open(&sa, pkt + 20, n - 20, &p), MIP6TLS_ERR_PTYPE);
}

/* RFC 3602 §4 cases 5-8, completed with an HMAC-SHA1-96 ICV over SPI..ciphertext. */
struct rfc3602_esp {
    const char *key;
    uint32_t spi, seq;
    const char *iv, *cipher, *plain;
    uint8_t nh;
};

static const struct rfc3602_esp rfc3602_esp_cases[] = {
    {"90d382b410eeba7ad938c46cec1a82bf", 0x4321, 1, "e96e8c08ab465763fd098d45dd3ff893",
     "f663c25d325c18c6a9453e194e120849a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a"
     "8e4b7e52775b07d1db34ed9c538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6",
     "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222"
     "32425262728292a2b2c2d2e2f3031323334353637",
     1},
    {"90d382b410eeba7ad938c46cec1a82bf", 0x4321, 8, "69d08df7d203329db093fc4924e5bd80",
     "f51995881ec4e0c4488987ce742e8109689bb379d2d750c0d915dca346a89f75",
     "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777", 1},
    {"0123456789abcdef0123456789abcdef", 0x8765, 2, "f4e765244f6407adf13dc1380f673f37",
     "773b5241a4c449225e4f3ce5ed611b0c237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b"
     "859243c647752e94a859352b8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5"
     "a100b842f1c22f0d",
     "4500005409040000 4001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b0c0d0e0"
     "f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
     4},
    {"0123456789abcdef0123456789abcdef", 0x8765, 5, "85d47224b5f3dd5d2101d4ea8dffab22",
     "15b92683819596a8047232cc00f7048fe45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c"
     "07ff9639b7eb7dfb3512e5de435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892",
     "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffffffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffffff",
     4},
};

static void rfc3602_esp_packets(void **state)
{
    static const uint8_t ikey[20] = {0x11, 0x22, 0x33};
    (void)state;
    for (size_t c = 0; c < sizeof rfc3602_esp_cases / sizeof rfc3602_esp_cases[0]; c++) {
        const struct rfc3602_esp *v = &rfc3602_esp_cases[c];
        mip6tls_esp_keys k;
        mip6tls_esp_sa sa;
        mip6tls_esp_plain p;
        br_hmac_key_context kc;
        br_hmac_context hc;
        uint8_t pkt[256], plain[128], mac[20], salt[8] = {0};
        size_t n, pn;
        memset(&k, 0, sizeof k);
        k.suite = MIP6TLS_SUITE_AES_128_CBC_SHA;
        k.spi = v->spi;
        k.ekey_len = (uint8_t)unhex(k.mn_to_ha_ekey, 16, v->key);
        k.ikey_len = 20;
        memcpy(k.mn_to_ha_ikey, ikey, 20);
        assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_HA, &k, salt, 0), 0);
        mip6tls_encap_put_hdr(pkt, 0, v->spi, v->seq);
        n = 8 + unhex(pkt + 8, 16, v->iv);
        n += unhex(pkt + n, sizeof pkt - n - 12, v->cipher);
        br_hmac_key_init(&kc, &br_sha1_vtable, ikey, 20);
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, pkt, n);
        br_hmac_out(&hc, mac);
        memcpy(pkt + n, mac, 12);
        n += 12;
        pn = unhex(plain, sizeof plain, v->plain);
        assert_int_equal(mip6tls_esp_open_rfc4303(&sa, v->spi, pkt, n, &p), 0);
        assert_int_equal(p.seq, v->seq);
        assert_int_equal(p.next_header, v->nh);
        assert_int_equal(p.len, pn);
        assert_memory_equal(p.payload, plain, pn);
    }
}

/* RFC 3602 §4 cases 1-4 through the AES-CBC implementation esp.c selects (x86ni when the CPU
 * has AES-NI) and the constant-time fallback. */
static void rfc3602_cbc_cases(void **state)
{
    static const char *v[4][4] = {
        {"06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
         "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
        {"c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
        {"6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
         "5468697320697320612034382d62797465206d6573736167652028657861637"
         "46c7920332041455320626c6f636b7329",
         "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c85796"
         "95d83ba2684"},
        {"56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9c"
         "acbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
         "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e35907aa632c3ffdf868bb"
         "7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55"},
    };
    const br_block_cbcenc_class *impls[2];
    (void)state;
    impls[0] = &br_aes_ct64_cbcenc_vtable;
    impls[1] = br_aes_x86ni_cbcenc_get_vtable();
    for (int im = 0; im < 2; im++) {
        if (impls[im] == NULL)
            continue; /* no AES-NI on this CPU */
        for (int c = 0; c < 4; c++) {
            br_aes_gen_cbcenc_keys kc;
            uint8_t key[16], iv[16], buf[64], ct[64];
            size_t n;
            unhex(key, 16, v[c][0]);
            unhex(iv, 16, v[c][1]);
            n = unhex(buf, 64, v[c][2]);
            assert_int_equal(unhex(ct, 64, v[c][3]), n);
            impls[im]->init(&kc.vtable, key, 16);
            impls[im]->run(&kc.vtable, iv, buf, n);
            assert_memory_equal(buf, ct, n);
        }
    }
}

static void rfc3566_xcbc_cases(void **state)
{
    static const char *macs[7] = {
        "75f0251d528ac01c4573dfd584d79f29", "5b376580ae2f19afe7219ceef172756f",
        "d2a246fa349b68a79998a4394ff7a263", "47f51b4564966215b8985c63055ed308",
        "f54f0ec8d2b9f3d36807734bd5283fd4", "becbb3bccdb518a30677d5481fb6b4d8",
        "f0dafee895db30253761103b5d84528f"};
    static const size_t lens[7] = {0, 3, 16, 20, 32, 34, 1000};
    uint8_t key[16], msg[1000], want[16], got[16];
    (void)state;
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int c = 0; c < 7; c++) {
        for (size_t i = 0; i < lens[c]; i++)
            msg[i] = c == 6 ? 0 : (uint8_t)i;
        unhex(want, 16, macs[c]);
        mip6tls_xcbc_mac(&impl, key, msg, lens[c], got, 1);
        assert_memory_equal(got, want, 16);
        memset(got, 0xEE, 16);
        mip6tls_xcbc_mac(&impl, key, msg, lens[c], got, 0);
        assert_memory_equal(got, want, 12); /* AES-XCBC-MAC-96 */
        assert_int_equal(got[12], 0xEE);    /* and not one octet more */
    }
}

static void rfc2202_hmac_sha1_cases(void **state)
{
    static const struct {
        const char *key;
        const char *data;
        const char *digest;
    } v[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b617318655057264e28bc0b6fb378c8ef146be00"},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
         "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
        {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
         "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
        {NULL, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b65792"
               "02d2048617368204b6579204669727374",
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
        {NULL, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b65792"
               "0616e64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
    };
    (void)state;
    for (size_t c = 0; c < sizeof v / sizeof v[0]; c++) {
        uint8_t key[80], data[80], want[20], got[20];
        size_t kl, dl;
        br_hmac_key_context kc;
        br_hmac_context hc;
        if (v[c].key != NULL) {
            kl = unhex(key, sizeof key, v[c].key);
        } else {
            kl = 80;
            memset(key, 0xaa, 80);
        }
        if (v[c].data != NULL) {
            dl = unhex(data, sizeof data, v[c].data);
        } else {
            dl = 50;
            memset(data, c == 2 ? 0xdd : 0xcd, 50);
        }
        unhex(want, 20, v[c].digest);
        br_hmac_key_init(&kc, &br_sha1_vtable, key, kl);
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, data, dl);
        br_hmac_out(&hc, got);
        assert_memory_equal(got, want, 20);
    }
}

/* Every single-bit flip of a sealed packet is refused, the SA does not move, and the caller
 * gets its bytes back. */
static void every_flip_is_refused(void **state)
{
    size_t count, i;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    (void)state;
    for (i = 0; i < count; i++) {
        mip6tls_esp_keys k;
        mip6tls_esp_sa mn, ha, before;
        uint8_t pkt[256], copy[256], payload[33];
        mip6tls_esp_plain p;
        int len;
        vector_keys(&k, all[i].code);
        tu_fill(payload, sizeof payload, 99);
        assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
        assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
        len = mip6tls_esp_seal(&mn, MIP6TLS_PTYPE_DATA, 4, payload, sizeof payload, pkt,
                               sizeof pkt);
        assert_true(len > 0);
        memcpy(&before, &ha, sizeof ha);
        for (int bit = 0; bit < len * 8; bit++) {
            int rc;
            memcpy(copy, pkt, (size_t)len);
            copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            rc = mip6tls_esp_open(&ha, copy, (size_t)len, &p);
            assert_true(rc == MIP6TLS_ERR_ICV || rc == MIP6TLS_ERR_SPI ||
                        rc == MIP6TLS_ERR_PTYPE || rc == MIP6TLS_ERR_REPLAY);
            if (bit >= 32) /* the PType/SPI word itself selects the SA */
                assert_int_equal(rc, bit < 64 && ((copy[4] | copy[5] | copy[6] | copy[7]) == 0)
                                         ? MIP6TLS_ERR_REPLAY
                                         : MIP6TLS_ERR_ICV);
            copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_memory_equal(copy, pkt, (size_t)len);
            assert_memory_equal(&before, &ha, sizeof ha);
        }
        assert_int_equal(mip6tls_esp_open(&ha, pkt, (size_t)len, &p), 0);
    }
}

static void truncation_at_every_length(void **state)
{
    size_t count, i;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    (void)state;
    for (i = 0; i < count; i++) {
        mip6tls_esp_keys k;
        mip6tls_esp_sa mn, ha, before;
        uint8_t pkt[256], payload[50];
        mip6tls_esp_plain p;
        int len;
        vector_keys(&k, all[i].code);
        tu_fill(payload, sizeof payload, 5);
        assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
        assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
        len = mip6tls_esp_seal(&mn, MIP6TLS_PTYPE_DATA, 41, payload, sizeof payload, pkt,
                               sizeof pkt);
        memcpy(&before, &ha, sizeof ha);
        for (int n = 0; n < len; n++) {
            /* A buffer of exactly n octets, so ASan sees any read beyond it. */
            uint8_t cut[256];
            memcpy(cut, pkt, (size_t)n);
            assert_true(mip6tls_esp_open(&ha, cut, (size_t)n, &p) < 0);
            assert_memory_equal(&before, &ha, sizeof ha);
        }
    }
}

static void replays_and_old_packets_dropped(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa mn, ha;
    static uint8_t pkts[100][128];
    int lens[100];
    uint8_t copy[128], payload[20] = {0x60};
    mip6tls_esp_plain p;
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_AES_128_GCM_SHA256);
    assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
    assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
    for (int i = 0; i < 100; i++) {
        lens[i] = mip6tls_esp_seal(&mn, 1, 41, payload, sizeof payload, pkts[i], 128);
        assert_true(lens[i] > 0);
    }
    memcpy(copy, pkts[0], (size_t)lens[0]);
    assert_int_equal(mip6tls_esp_open(&ha, copy, (size_t)lens[0], &p), 0);
    memcpy(copy, pkts[0], (size_t)lens[0]);
    assert_int_equal(mip6tls_esp_open(&ha, copy, (size_t)lens[0], &p), MIP6TLS_ERR_REPLAY);
    memcpy(copy, pkts[99], (size_t)lens[99]);
    assert_int_equal(mip6tls_esp_open(&ha, copy, (size_t)lens[99], &p), 0);
    /* seq 36 = 100 - 64: just left of a 64-packet window; seq 37 is its left edge. */
    memcpy(copy, pkts[35], (size_t)lens[35]);
    assert_int_equal(mip6tls_esp_open(&ha, copy, (size_t)lens[35], &p), MIP6TLS_ERR_REPLAY);
    memcpy(copy, pkts[36], (size_t)lens[36]);
    assert_int_equal(mip6tls_esp_open(&ha, copy, (size_t)lens[36], &p), 0);
    assert_int_equal(p.seq, 37);
}

static void bad_padding_after_valid_icv(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa ha, before;
    mip6tls_esp_plain p;
    br_hmac_key_context kc;
    br_hmac_context hc;
    uint8_t pkt[64], mac[20];
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_NULL_SHA);
    assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
    /* NULL encryption: payload 6 octets, padding "01 03" (should be "01 02"), pad length 2 */
    mip6tls_encap_put_hdr(pkt, 1, ESPV_SPI, 1);
    memcpy(pkt + 8, "\x45\x00\x00\x06\x00\x00\x01\x03\x02\x04", 10);
    br_hmac_key_init(&kc, &br_sha1_vtable, k.mn_to_ha_ikey, 20);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, pkt, 18);
    br_hmac_out(&hc, mac);
    memcpy(pkt + 18, mac, 12);
    memcpy(&before, &ha, sizeof ha);
    assert_int_equal(mip6tls_esp_open(&ha, pkt, 30, &p), MIP6TLS_ERR_LENGTH); /* 10 % 4 */
    /* Now 4-aligned: pad length 3 > what precedes is fine, but bytes are wrong. */
    memcpy(pkt + 8, "\x45\x00\x00\x06\x01\x03\x02\x04", 8);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, pkt, 16);
    br_hmac_out(&hc, mac);
    memcpy(pkt + 16, mac, 12);
    assert_int_equal(mip6tls_esp_open(&ha, pkt, 28, &p), MIP6TLS_ERR_PADDING);
    assert_memory_equal(&before, &ha, sizeof ha); /* the window did not move */
    memcpy(pkt + 8, "\x45\x00\x00\x06\x01\x02\x02\x04", 8);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, pkt, 16);
    br_hmac_out(&hc, mac);
    memcpy(pkt + 16, mac, 12);
    assert_int_equal(mip6tls_esp_open(&ha, pkt, 28, &p), 0);
    assert_int_equal(p.len, 4);
    assert_int_equal(p.next_header, 4);
}

static void config_errors(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa sa;
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA);
    k.ekey_len = 15;
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0),
                     MIP6TLS_ERR_KEYLEN);
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA);
    k.ikey_len = 16;
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0),
                     MIP6TLS_ERR_KEYLEN);
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA);
    k.suite = 0x0035; /* AES_256_CBC_SHA: not an RFC 6618 suite */
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0),
                     MIP6TLS_ERR_SUITE);
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA);
    k.spi = 0;
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), MIP6TLS_ERR_ARG);
    k.spi = MIP6TLS_SPI_MAX + 1;
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), MIP6TLS_ERR_ARG);
    k.spi = MIP6TLS_SPI_MAX;
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 4096),
                     MIP6TLS_ERR_ARG);
    assert_int_equal(mip6tls_esp_sa_init(&sa, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
    {
        uint8_t out[64], payload[4] = {0};
        assert_int_equal(mip6tls_esp_seal(&sa, MIP6TLS_PTYPE_PLAIN, 4, payload, 4, out, 64),
                         MIP6TLS_ERR_ARG);
    }
}

static void nobuf_and_in_place(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa a, b;
    uint8_t out1[256], out2[256], payload[70];
    size_t need, head;
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA256);
    tu_fill(payload, sizeof payload, 7);
    assert_int_equal(mip6tls_esp_sa_init(&a, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
    memcpy(&b, &a, sizeof a);
    need = mip6tls_esp_sealed_len(&a, sizeof payload);
    head = mip6tls_esp_head_len(&a);
    assert_int_equal(head, 24);
    assert_int_equal(mip6tls_esp_seal(&a, 1, 41, payload, sizeof payload, out1, need - 1),
                     MIP6TLS_ERR_NOBUF);
    assert_int_equal(a.next_seq, 1);
    assert_int_equal(mip6tls_esp_seal(&a, 1, 41, payload, sizeof payload, out1, need),
                     (int)need);
    memcpy(out2 + head, payload, sizeof payload);
    assert_int_equal(mip6tls_esp_seal(&b, 1, 41, out2 + head, sizeof payload, out2, sizeof out2),
                     (int)need);
    assert_memory_equal(out1, out2, need);
}

static void sequence_numbers_never_wrap(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa mn, ha;
    mip6tls_esp_plain p;
    uint8_t out[128], payload[8] = {0};
    int len;
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_AES_128_GCM_SHA256);
    assert_int_equal(mip6tls_esp_sa_init(&mn, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
    assert_int_equal(mip6tls_esp_sa_init(&ha, &impl, MIP6TLS_ESP_HA, &k, espv_salt, 0), 0);
    assert_int_equal(mip6tls_esp_seq_left(&mn), 0xFFFFFFFFu);
    mn.next_seq = 0xFFFFFFFEu;
    assert_int_equal(mip6tls_esp_seq_left(&mn), 2);
    len = mip6tls_esp_seal(&mn, 1, 41, payload, 8, out, sizeof out);
    assert_true(len > 0);
    len = mip6tls_esp_seal(&mn, 1, 41, payload, 8, out, sizeof out);
    assert_true(len > 0);
    assert_int_equal(mip6tls_esp_seq_left(&mn), 0);
    assert_int_equal(mip6tls_esp_seal(&mn, 1, 41, payload, 8, out, sizeof out),
                     MIP6TLS_ERR_SEQ_EXHAUSTED);
    assert_int_equal(mip6tls_esp_open(&ha, out, (size_t)len, &p), 0);
    assert_int_equal(p.seq, 0xFFFFFFFFu);
}

/* CBC IVs: E_K(salt || seq) is a permutation of distinct inputs, so IVs never repeat; check
 * a run of them and that two SAs with different salts start from different IVs. */
static void cbc_ivs_do_not_repeat(void **state)
{
    mip6tls_esp_keys k;
    mip6tls_esp_sa a, b;
    static uint8_t ivs[2000][16];
    uint8_t out[128], payload[16] = {0}, salt2[8] = {1};
    (void)state;
    vector_keys(&k, MIP6TLS_SUITE_AES_128_CBC_SHA);
    assert_int_equal(mip6tls_esp_sa_init(&a, &impl, MIP6TLS_ESP_MN, &k, espv_salt, 0), 0);
    assert_int_equal(mip6tls_esp_sa_init(&b, &impl, MIP6TLS_ESP_MN, &k, salt2, 0), 0);
    for (int i = 0; i < 2000; i++) {
        assert_true(mip6tls_esp_seal(&a, 1, 41, payload, 16, out, sizeof out) > 0);
        memcpy(ivs[i], out + 8, 16);
    }
    for (int i = 0; i < 2000; i++)
        for (int j = i + 1; j < 2000; j++)
            assert_memory_not_equal(ivs[i], ivs[j], 16);
    assert_true(mip6tls_esp_seal(&b, 1, 41, payload, 16, out, sizeof out) > 0);
    assert_memory_not_equal(ivs[0], out + 8, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_suite_matches_independent_vectors),
        cmocka_unit_test(directions_use_their_own_keys),
        cmocka_unit_test(rfc7634_appendix_a),
        cmocka_unit_test(rfc3602_esp_packets),
        cmocka_unit_test(rfc3602_cbc_cases),
        cmocka_unit_test(rfc3566_xcbc_cases),
        cmocka_unit_test(rfc2202_hmac_sha1_cases),
        cmocka_unit_test(every_flip_is_refused),
        cmocka_unit_test(truncation_at_every_length),
        cmocka_unit_test(replays_and_old_packets_dropped),
        cmocka_unit_test(bad_padding_after_valid_icv),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(nobuf_and_in_place),
        cmocka_unit_test(sequence_numbers_never_wrap),
        cmocka_unit_test(cbc_ivs_do_not_repeat),
    };
    int failed;
    mip6tls_esp_impl_detect(&impl);
    failed = cmocka_run_group_tests_name("esp (detected implementations)", tests, NULL, NULL);
    mip6tls_esp_impl_portable(&impl);
    failed += cmocka_run_group_tests_name("esp (portable implementations)", tests, NULL, NULL);
    return failed;
}
