/*
 * mip6tls/esp.h: ESP protection of RFC 6618 packets (RFC 6618 §6.3, §6.4; RFC 4303 §2, §3).
 *
 * A protected packet, as the UDP payload on the service port:
 *
 *   | PType|SPI (4) | Seq (4) | IV | payload | padding | pad len | next hdr | ICV |
 *   |<---------------------- integrity covered ------------------------->|
 *                             |<---------- encrypted ----------------->|
 *
 * The PType+SPI word plays the role of ESP's SPI field: integrity covers it as one 32-bit
 * field (§6.2), and the AEAD suites take it as the first AAD word (RFC 4106 §5, RFC 7634 §2.1).
 *
 * One mip6tls_esp_sa holds both directions of one MN-HA SA: the outbound keys, IV state and
 * sequence counter, and the inbound keys and anti-replay window. The MN sends with the
 * mn-to-ha keys and receives with the ha-to-mn keys; the HA the other way round.
 *
 * IVs never repeat under a key: CBC IVs are E_K(salt || seq), the NIST SP 800-38A Appendix C
 * method (unique and unpredictable without the key); AEAD IVs are the 64-bit sequence number
 * (RFC 4106 §3.1, RFC 7634 §2), which never repeats because sequence numbers never wrap.
 *
 * The sequence number never wraps (docs/decisions/0005-sequence-numbers.md): the first packet
 * carries 1 and mip6tls_esp_seal() refuses with MIP6TLS_ERR_SEQ_EXHAUSTED after 2^32 - 1.
 * mip6tls_esp_seq_left() tells the roles how close that is, so they re-key in time.
 */
#ifndef MIP6TLS_ESP_H
#define MIP6TLS_ESP_H

#include "mip6tls/common.h"
#include "mip6tls/replay.h"
#include "mip6tls/suite.h"

#include <bearssl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIP6TLS_ESP_MAX_EKEY 36 /* ChaCha20 key + salt */
#define MIP6TLS_ESP_MAX_IKEY 20 /* HMAC-SHA1 */
#define MIP6TLS_ESP_MAX_IV 16
#define MIP6TLS_ESP_MAX_ICV 16
#define MIP6TLS_ESP_MAX_BLOCK 16
/* Octets past the payload at most: 255 padding, pad length, next header, ICV. */
#define MIP6TLS_ESP_MAX_TAIL (255 + 2 + MIP6TLS_ESP_MAX_ICV)

/* The BearSSL implementations ESP uses, chosen once. Selecting them asks the CPU (CPUID),
 * which costs microseconds under a hypervisor, so it must not happen per packet; and the core
 * keeps no global state, so the caller holds the choice and every SA points to it. */
typedef struct {
    const br_block_cbcenc_class *aes_cbcenc;
    const br_block_cbcdec_class *aes_cbcdec;
    const br_block_ctr_class *aes_ctr;
    const br_block_ctrcbc_class *aes_ctrcbc;
    br_ghash ghash;
    br_chacha20_run chacha20;
    br_poly1305_run poly1305;
} mip6tls_esp_impl;

/* Fills `impl` with the fastest code this CPU runs (AES-NI, PCLMULQDQ, SSE2, 64-bit
 * multiplies), falling back to BearSSL's constant-time portable code. */
void mip6tls_esp_impl_detect(mip6tls_esp_impl *impl);

/* Fills `impl` with the portable constant-time code only (the fallback of _detect; tests run
 * every suite under both). */
void mip6tls_esp_impl_portable(mip6tls_esp_impl *impl);

/* The keys of one SA as the HAC provisions them (RFC 6618 §5.6.2). Lengths must match the
 * suite (mip6tls_suite_info.ekey_len / ikey_len); combined suites have no ikeys. */
typedef struct {
    uint16_t suite; /* mip6tls_suite code */
    uint32_t spi;   /* 1 .. 2^28 - 1 */
    uint8_t mn_to_ha_ekey[MIP6TLS_ESP_MAX_EKEY];
    uint8_t ha_to_mn_ekey[MIP6TLS_ESP_MAX_EKEY];
    uint8_t mn_to_ha_ikey[MIP6TLS_ESP_MAX_IKEY];
    uint8_t ha_to_mn_ikey[MIP6TLS_ESP_MAX_IKEY];
    uint8_t ekey_len;
    uint8_t ikey_len;
} mip6tls_esp_keys;

/* Which end of the SA this context is. */
typedef enum { MIP6TLS_ESP_MN = 0, MIP6TLS_ESP_HA = 1 } mip6tls_esp_side;

/* The key schedules of one direction. Visible so callers can place SAs by value; fields are
 * private to esp.c. */
typedef struct {
    union {
        br_aes_gen_cbcenc_keys aes_cbcenc;
        br_aes_gen_cbcdec_keys aes_cbcdec;
        br_des_gen_cbcenc_keys des_cbcenc;
        br_des_gen_cbcdec_keys des_cbcdec;
        br_aes_gen_ctr_keys aes_ctr; /* GCM */
        uint8_t chacha_key[32];
    } enc;
    union {
        br_hmac_key_context hmac; /* HMAC-SHA1-96 */
        struct {
            br_aes_gen_ctrcbc_keys k1; /* RFC 3566 §4: K1 schedule for the CBC-MAC */
            uint8_t k2[16], k3[16];
        } xcbc;
        uint8_t gcm_h[16]; /* GCM hash subkey H = E_K(0^128) */
    } integ;
    uint8_t salt[8]; /* CBC: IV nonce prefix; AEAD: the 4-octet key salt in salt[0..3] */
} mip6tls_esp_dir;

typedef struct {
    const mip6tls_suite_info *suite;
    const mip6tls_esp_impl *impl;
    uint32_t spi;
    uint64_t next_seq; /* next outbound sequence number; 2^32 when exhausted */
    mip6tls_esp_dir out;
    mip6tls_esp_dir in;
    mip6tls_replay replay;
} mip6tls_esp_sa;

/* Sets up `sa` for `side` from `keys`, computing with `impl`, which must stay valid and
 * unchanged for as long as `sa` is used. `iv_salt` (8 octets) must come from the caller's DRBG;
 * CBC suites prefix it to the sequence number to form IVs, other suites ignore it.
 * `replay_window` as mip6tls_replay_init (0: default 64).
 * Returns 0, or MIP6TLS_ERR_SUITE (unknown suite), MIP6TLS_ERR_KEYLEN (key lengths do not
 * match the suite), MIP6TLS_ERR_ARG (SPI out of 1..2^28-1, bad window). On error `sa` is
 * unusable. */
int mip6tls_esp_sa_init(mip6tls_esp_sa *sa, const mip6tls_esp_impl *impl, mip6tls_esp_side side,
                        const mip6tls_esp_keys *keys, const uint8_t iv_salt[8],
                        uint32_t replay_window);

/* Wipes the key material. */
void mip6tls_esp_sa_wipe(mip6tls_esp_sa *sa);

/* Octets before the payload: 8 (PType/SPI, Seq) + the suite's IV. */
size_t mip6tls_esp_head_len(const mip6tls_esp_sa *sa);

/* Total sealed length for a payload of `len` octets (head, padded payload, trailer, ICV). */
size_t mip6tls_esp_sealed_len(const mip6tls_esp_sa *sa, size_t len);

/* Sequence numbers left before the SA is exhausted (2^32 - 1 - sent). */
uint32_t mip6tls_esp_seq_left(const mip6tls_esp_sa *sa);

/* Protects `payload` (an inner IP packet for PType 1, Mobility Header chain for PType 8) with
 * `next_header` (RFC 6618 §6.3: the first encapsulated header; §6.4: 4 for IPv4, 41 for
 * IPv6) into out[cap]. `payload` may sit at out + mip6tls_esp_head_len(sa) (sealed in place,
 * no copy) or anywhere not overlapping out[0..sealed_len).
 * Returns the sealed length, or MIP6TLS_ERR_ARG (ptype not 1 or 8), MIP6TLS_ERR_NOBUF (cap
 * too small), MIP6TLS_ERR_SEQ_EXHAUSTED (re-key first). On error nothing advanced. */
int mip6tls_esp_seal(mip6tls_esp_sa *sa, uint8_t ptype, uint8_t next_header,
                     const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/* What mip6tls_esp_open() found. `payload` points into the opened buffer. */
typedef struct {
    uint8_t ptype;
    uint8_t next_header;
    uint32_t seq;
    uint8_t *payload;
    size_t len;
} mip6tls_esp_plain;

/* Verifies and decrypts a protected packet in place: `pkt` is the whole UDP payload, starting
 * with the PType/SPI word, and its SPI must be this SA's. Order (RFC 4303 §3.4.3, §3.4.4):
 * replay check, ICV, decryption, padding check, then the replay window update.
 * Returns 0 and fills `out`, or a drop code: MIP6TLS_ERR_SPI (not this SA), MIP6TLS_ERR_PTYPE
 * (PType 0 or unknown), MIP6TLS_ERR_TRUNCATED / MIP6TLS_ERR_LENGTH (too short, ciphertext not
 * a block multiple), MIP6TLS_ERR_REPLAY, MIP6TLS_ERR_ICV, MIP6TLS_ERR_PADDING. On any error
 * the SA is unchanged. `pkt` holds its original bytes after every error but
 * MIP6TLS_ERR_PADDING, which only a holder of the keys can cause (the ICV verified). */
int mip6tls_esp_open(mip6tls_esp_sa *sa, uint8_t *pkt, size_t len, mip6tls_esp_plain *out);

/* The RFC 4303 layer under mip6tls_esp_open(): the first 32-bit word of `pkt` must equal
 * `spi_word` exactly and carries no PType rules. For known-answer tests against plain ESP
 * vectors (RFC 3602 §4, RFC 7634 Appendix A) and for capture tools; `out->ptype` is the top
 * nibble of `spi_word`. Errors as mip6tls_esp_open(). */
int mip6tls_esp_open_rfc4303(mip6tls_esp_sa *sa, uint32_t spi_word, uint8_t *pkt, size_t len,
                             mip6tls_esp_plain *out);

/* RFC 3566 AES-XCBC-MAC-96 over data[len] with a 16-octet key; mac receives 12 octets. Also
 * used by the tests' known-answer vectors (RFC 3566 §4.6), with full 16 when full != 0. */
void mip6tls_xcbc_mac(const mip6tls_esp_impl *impl, const uint8_t key[16], const void *data,
                      size_t len, uint8_t *mac, int full);

#ifdef __cplusplus
}
#endif
#endif
