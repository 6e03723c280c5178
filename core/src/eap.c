/*
 * eap.c: EAP framing (RFC 3748 §4), Identity / Notification / Nak / MD5-Challenge (RFC 3748
 * §5), EAP-GPSK (RFC 5433), and the peer and server state machines that RFC 6618 §5.9 runs
 * inside the MN<->HAC exchange. Decisions: docs/decisions/0051-eap-in-hacp.md,
 * 0052-eap-gpsk.md.
 *
 * Timers: none. EAP over a reliable lower layer sets the retransmission timer to infinity
 * (RFC 3748 §4.3); the session's idle timeout belongs to the TLS driver.
 *
 * Every state-machine call checks a packet completely before it changes the context. A packet
 * that RFC 3748 or RFC 5433 would "silently discard" is an error that ends the conversation:
 * over a lockstep TLS exchange nothing would ever replace it.
 */
#include "mip6tls/eap.h"

#include "mip6tls/bytes.h"

#include <bearssl.h>
#include <string.h>

/* Overwrites n octets in a way the compiler may not drop. */
static void eap_wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;
    while (n-- > 0)
        *q++ = 0;
}

/* ---- framing (RFC 3748 §4) -------------------------------------------------------------- */

int mip6tls_eap_decode(mip6tls_eap_pkt *p, const uint8_t *buf, size_t len)
{
    mip6tls_eap_pkt e;
    size_t plen;

    memset(p, 0, sizeof *p);
    memset(&e, 0, sizeof e);
    if (len < MIP6TLS_EAP_HDR_LEN)
        return MIP6TLS_ERR_TRUNCATED;
    e.code = buf[0];
    e.id = buf[1];
    e.len = mip6tls_get16(buf + 2);
    plen = e.len;
    if (e.code < MIP6TLS_EAP_CODE_REQUEST || e.code > MIP6TLS_EAP_CODE_FAILURE)
        return MIP6TLS_ERR_TYPE; /* RFC 3748 §4: codes 1-4 only */
    if (plen < MIP6TLS_EAP_HDR_LEN)
        return MIP6TLS_ERR_LENGTH;
    if (plen > len)
        return MIP6TLS_ERR_TRUNCATED; /* RFC 3748 §4: Length beyond the octets received */
    if (e.code == MIP6TLS_EAP_CODE_SUCCESS || e.code == MIP6TLS_EAP_CODE_FAILURE) {
        if (plen != MIP6TLS_EAP_HDR_LEN)
            return MIP6TLS_ERR_MALFORMED; /* RFC 3748 §4.2: no additional data */
        *p = e;
        return 0;
    }
    if (plen < MIP6TLS_EAP_HDR_LEN + 1)
        return MIP6TLS_ERR_LENGTH; /* RFC 3748 §4.1: a Request/Response has a Type */
    e.type = buf[4];
    e.data = buf + 5;
    e.data_len = plen - 5;
    if (e.type == MIP6TLS_EAP_TYPE_NAK && (e.code == MIP6TLS_EAP_CODE_REQUEST || e.data_len == 0))
        return MIP6TLS_ERR_MALFORMED; /* RFC 3748 §5.3.1: Response only, one type at least */
    *p = e;
    return 0;
}

int mip6tls_eap_encode(uint8_t *out, size_t cap, uint8_t code, uint8_t id, uint8_t type,
                       const uint8_t *data, size_t len)
{
    size_t total;

    if (code == MIP6TLS_EAP_CODE_SUCCESS || code == MIP6TLS_EAP_CODE_FAILURE) {
        if (type != 0 || len != 0)
            return MIP6TLS_ERR_ARG;
        total = MIP6TLS_EAP_HDR_LEN;
    } else if (code == MIP6TLS_EAP_CODE_REQUEST || code == MIP6TLS_EAP_CODE_RESPONSE) {
        if (code == MIP6TLS_EAP_CODE_REQUEST && type == MIP6TLS_EAP_TYPE_NAK)
            return MIP6TLS_ERR_ARG;
        if (len > 0xFFFFu - 5u)
            return MIP6TLS_ERR_ARG;
        total = 5 + len;
    } else {
        return MIP6TLS_ERR_ARG;
    }
    if (total > cap)
        return MIP6TLS_ERR_NOBUF;
    if (total > MIP6TLS_EAP_HDR_LEN) {
        if (len > 0)
            memmove(out + 5, data, len);
        out[4] = type;
    }
    out[0] = code;
    out[1] = id;
    mip6tls_put16(out + 2, (uint16_t)total);
    return (int)total;
}

int mip6tls_eap_response_is_last(const uint8_t *pkt, size_t len)
{
    mip6tls_eap_pkt e;
    if (mip6tls_eap_decode(&e, pkt, len) != 0 || e.code != MIP6TLS_EAP_CODE_RESPONSE)
        return 0;
    if (e.type == MIP6TLS_EAP_TYPE_MD5)
        return 1; /* RFC 3748 §5.4: the server answers with Success or Failure */
    return e.type == MIP6TLS_EAP_TYPE_GPSK && e.data_len >= 1 && e.data[0] == MIP6TLS_GPSK_OP_4;
}

/* ---- EAP-MD5 ---------------------------------------------------------------------------- */

void mip6tls_eap_md5_value(uint8_t out[MIP6TLS_EAP_MD5_LEN], uint8_t id, const uint8_t *secret,
                           size_t secret_len, const uint8_t *challenge, size_t challenge_len)
{
    br_md5_context c;
    br_md5_init(&c);
    br_md5_update(&c, &id, 1); /* RFC 1994 §4.1: Identifier || secret || Challenge */
    br_md5_update(&c, secret, secret_len);
    br_md5_update(&c, challenge, challenge_len);
    br_md5_out(&c, out);
    eap_wipe(&c, sizeof c);
}

/* ---- EAP-GPSK: MACs and GKDF (RFC 5433 §6-§8) ---------------------------------------------- */

size_t mip6tls_gpsk_ks(uint16_t csuite)
{
    switch (csuite) {
    case MIP6TLS_GPSK_CSUITE_AES: return 16;    /* §6: KS 16, ML 16 */
    case MIP6TLS_GPSK_CSUITE_SHA256: return 32; /* §6: KS 32, ML 32 */
    default: return 0;
    }
}

/* One MAC computation, incremental: AES-CMAC-128 (RFC 4493, §8.1.2) or HMAC-SHA256 (§8.2.2). */
typedef struct {
    uint16_t csuite;
    br_hmac_key_context hk;
    br_hmac_context h;
    br_aes_ct_cbcenc_keys aes;
    uint8_t k1[16], k2[16]; /* CMAC subkeys (RFC 4493 §2.3) */
    uint8_t x[16], buf[16]; /* CBC-MAC state and the block not processed yet */
    size_t n;
} gpsk_mac_ctx;

static void gpsk_dbl(uint8_t out[16], const uint8_t in[16])
{
    unsigned carry = 0, i;
    uint8_t msb = (uint8_t)(in[0] >> 7);
    for (i = 16; i-- > 0;) {
        unsigned v = ((unsigned)in[i] << 1) | carry;
        carry = in[i] >> 7;
        out[i] = (uint8_t)v;
    }
    out[15] ^= (uint8_t)(0x87 & (0u - msb)); /* RFC 4493 §2.3: Rb, without a branch */
}

static void gpsk_mac_key(gpsk_mac_ctx *c, uint16_t csuite, const uint8_t *key)
{
    c->csuite = csuite;
    if (csuite == MIP6TLS_GPSK_CSUITE_AES) {
        uint8_t l[16] = {0}, iv[16] = {0};
        br_aes_ct_cbcenc_init(&c->aes, key, 16);
        br_aes_ct_cbcenc_run(&c->aes, iv, l, 16); /* L = AES-128(K, 0^128) */
        gpsk_dbl(c->k1, l);
        gpsk_dbl(c->k2, c->k1);
        eap_wipe(l, sizeof l);
        eap_wipe(iv, sizeof iv);
    } else {
        br_hmac_key_init(&c->hk, &br_sha256_vtable, key, 32);
    }
}

static void gpsk_mac_start(gpsk_mac_ctx *c)
{
    if (c->csuite == MIP6TLS_GPSK_CSUITE_AES) {
        memset(c->x, 0, sizeof c->x);
        c->n = 0;
    } else {
        br_hmac_init(&c->h, &c->hk, 0);
    }
}

static void gpsk_mac_update(gpsk_mac_ctx *c, const uint8_t *d, size_t len)
{
    if (c->csuite != MIP6TLS_GPSK_CSUITE_AES) {
        br_hmac_update(&c->h, d, len);
        return;
    }
    while (len > 0) {
        size_t take;
        if (c->n == 16) { /* a full block with more to come: not the last one */
            br_aes_ct_cbcenc_run(&c->aes, c->x, c->buf, 16);
            c->n = 0;
        }
        take = 16 - c->n < len ? 16 - c->n : len;
        memcpy(c->buf + c->n, d, take);
        c->n += take;
        d += take;
        len -= take;
    }
}

/* Writes the ML-octet tag. */
static void gpsk_mac_out(gpsk_mac_ctx *c, uint8_t *out)
{
    if (c->csuite != MIP6TLS_GPSK_CSUITE_AES) {
        br_hmac_out(&c->h, out);
        return;
    }
    {
        const uint8_t *sub = c->k1;
        size_t i;
        if (c->n < 16) { /* RFC 4493 §2.4 step 4: pad with 10^i and use K2 */
            c->buf[c->n] = 0x80;
            for (i = c->n + 1; i < 16; i++)
                c->buf[i] = 0;
            sub = c->k2;
        }
        for (i = 0; i < 16; i++)
            c->buf[i] ^= sub[i];
        br_aes_ct_cbcenc_run(&c->aes, c->x, c->buf, 16);
        memcpy(out, c->x, 16);
    }
}

void mip6tls_gpsk_mac(uint8_t *out, const mip6tls_gpsk_keys *k, const uint8_t *msg, size_t len)
{
    gpsk_mac_ctx c;
    gpsk_mac_key(&c, k->csuite, k->sk);
    gpsk_mac_start(&c);
    gpsk_mac_update(&c, msg, len);
    gpsk_mac_out(&c, out);
    eap_wipe(&c, sizeof c);
}

typedef struct {
    const uint8_t *p;
    size_t len;
} gpsk_part;

/* GKDF-X(Y, Z) of RFC 5433 §7 with Z given in parts: the concatenation of MAC_Y(i || Z) for
 * i = 1..ceil(X / ML), i as a 2-octet big-endian integer, truncated to X octets. */
static void gpsk_gkdf_parts(uint8_t *out, size_t out_len, uint16_t csuite, const uint8_t *key,
                            const gpsk_part *z, size_t nz)
{
    gpsk_mac_ctx c;
    uint8_t block[MIP6TLS_GPSK_KS_MAX], ib[2];
    size_t ml = mip6tls_gpsk_ks(csuite), done = 0, j;
    uint16_t i = 1;

    gpsk_mac_key(&c, csuite, key);
    while (done < out_len) {
        size_t take = out_len - done < ml ? out_len - done : ml;
        gpsk_mac_start(&c);
        mip6tls_put16(ib, i);
        gpsk_mac_update(&c, ib, 2);
        for (j = 0; j < nz; j++)
            gpsk_mac_update(&c, z[j].p, z[j].len);
        gpsk_mac_out(&c, block);
        memcpy(out + done, block, take);
        done += take;
        i++;
    }
    eap_wipe(&c, sizeof c);
    eap_wipe(block, sizeof block);
}

int mip6tls_gpsk_gkdf(uint8_t *out, size_t out_len, uint16_t csuite, const uint8_t *key,
                      const uint8_t *z, size_t z_len)
{
    gpsk_part part;
    if (mip6tls_gpsk_ks(csuite) == 0)
        return MIP6TLS_ERR_SUITE;
    part.p = z;
    part.len = z_len;
    gpsk_gkdf_parts(out, out_len, csuite, key, &part, 1);
    return 0;
}

static void gpsk_csuite_bytes(uint8_t out[MIP6TLS_GPSK_CSUITE_LEN], uint16_t csuite)
{
    mip6tls_put32(out, 0); /* CSuite/Vendor 0: IETF (§9.2) */
    mip6tls_put16(out + 4, csuite);
}

int mip6tls_gpsk_derive(mip6tls_gpsk_keys *k, uint16_t csuite, const uint8_t *psk, size_t psk_len,
                        const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN], const uint8_t *id_peer,
                        size_t id_peer_len, const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *id_server, size_t id_server_len)
{
    size_t ks = mip6tls_gpsk_ks(csuite);
    uint8_t pl[2], sel[MIP6TLS_GPSK_CSUITE_LEN], out[128 + 2 * MIP6TLS_GPSK_KS_MAX];
    gpsk_part z[8];

    memset(k, 0, sizeof *k);
    if (ks == 0)
        return MIP6TLS_ERR_SUITE;
    if (psk_len < ks || psk_len > 0xFFFFu)
        return MIP6TLS_ERR_KEYLEN; /* §2: PL MUST be larger than or equal to KS */
    k->csuite = csuite;
    k->ks = (uint8_t)ks;
    k->ml = (uint8_t)ks;
    mip6tls_put16(pl, (uint16_t)psk_len);
    gpsk_csuite_bytes(sel, csuite);
    /* §4: MK = KDF-KS(PSK[0..KS-1], PL || PSK || CSuite_Sel || inputString)[0..KS-1] */
    z[0].p = pl, z[0].len = 2;
    z[1].p = psk, z[1].len = psk_len;
    z[2].p = sel, z[2].len = sizeof sel;
    z[3].p = rand_peer, z[3].len = MIP6TLS_GPSK_RAND_LEN;   /* inputString = RAND_Peer || */
    z[4].p = id_peer, z[4].len = id_peer_len;               /* ID_Peer || RAND_Server || */
    z[5].p = rand_server, z[5].len = MIP6TLS_GPSK_RAND_LEN; /* ID_Server */
    z[6].p = id_server, z[6].len = id_server_len;
    gpsk_gkdf_parts(k->mk, ks, csuite, psk, z, 7);
    /* §4: MSK [0..63], EMSK [64..127], SK [128..127+KS], PK [128+KS..127+2*KS] of
     * KDF-{128+2*KS}(MK, inputString) */
    gpsk_gkdf_parts(out, 128 + 2 * ks, csuite, k->mk, z + 3, 4);
    memcpy(k->msk, out, 64);
    memcpy(k->emsk, out + 64, 64);
    memcpy(k->sk, out + 128, ks);
    memcpy(k->pk, out + 128 + ks, ks);
    eap_wipe(out, sizeof out);
    return 0;
}

/* ---- EAP-GPSK: message codecs (RFC 5433 §9) --------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, off;
    int err;
} gpsk_rd;

static const uint8_t *gpsk_take(gpsk_rd *r, size_t n)
{
    const uint8_t *q;
    if (r->err != 0 || n > r->len - r->off) {
        if (r->err == 0)
            r->err = MIP6TLS_ERR_TRUNCATED;
        return NULL;
    }
    q = r->p + r->off;
    r->off += n;
    return q;
}

/* A 2-octet length followed by that many octets (length(X) || X, §2). */
static mip6tls_gpsk_view gpsk_take_lv(gpsk_rd *r)
{
    mip6tls_gpsk_view v = {NULL, 0};
    const uint8_t *l = gpsk_take(r, 2);
    if (l != NULL) {
        v.len = mip6tls_get16(l);
        v.p = gpsk_take(r, v.len);
        if (v.p == NULL)
            v.len = 0;
    }
    return v;
}

static int gpsk_read_sel(gpsk_rd *r, mip6tls_gpsk_msg *m)
{
    m->csuite_sel = gpsk_take(r, MIP6TLS_GPSK_CSUITE_LEN);
    if (m->csuite_sel == NULL)
        return r->err;
    m->csuite = mip6tls_get16(m->csuite_sel + 4);
    if (mip6tls_get32(m->csuite_sel) != 0 || mip6tls_gpsk_ks(m->csuite) == 0)
        return MIP6TLS_ERR_MALFORMED; /* no MAC length for a suite we do not implement */
    return 0;
}

int mip6tls_gpsk_decode(mip6tls_gpsk_msg *m, const uint8_t *td, size_t len, size_t ml)
{
    mip6tls_gpsk_msg g;
    gpsk_rd r;
    const uint8_t *q;
    size_t mac_start;
    int rc = 0;

    memset(m, 0, sizeof *m);
    memset(&g, 0, sizeof g);
    if (len < 1)
        return MIP6TLS_ERR_TRUNCATED;
    g.op = td[0];
    r.p = td;
    r.len = len;
    r.off = 1;
    r.err = 0;
    switch (g.op) {
    case MIP6TLS_GPSK_OP_1: /* Figure 6 */
        g.id_server = gpsk_take_lv(&r);
        g.rand_server = gpsk_take(&r, MIP6TLS_GPSK_RAND_LEN);
        g.csuite_list = gpsk_take_lv(&r);
        break;
    case MIP6TLS_GPSK_OP_2: /* Figure 7 */
        g.id_peer = gpsk_take_lv(&r);
        g.id_server = gpsk_take_lv(&r);
        g.rand_peer = gpsk_take(&r, MIP6TLS_GPSK_RAND_LEN);
        g.rand_server = gpsk_take(&r, MIP6TLS_GPSK_RAND_LEN);
        g.csuite_list = gpsk_take_lv(&r);
        if (r.err == 0)
            rc = gpsk_read_sel(&r, &g);
        g.pd = gpsk_take_lv(&r);
        ml = mip6tls_gpsk_ks(g.csuite);
        break;
    case MIP6TLS_GPSK_OP_3: /* Figure 8 */
        g.rand_peer = gpsk_take(&r, MIP6TLS_GPSK_RAND_LEN);
        g.rand_server = gpsk_take(&r, MIP6TLS_GPSK_RAND_LEN);
        g.id_server = gpsk_take_lv(&r);
        if (r.err == 0)
            rc = gpsk_read_sel(&r, &g);
        g.pd = gpsk_take_lv(&r);
        ml = mip6tls_gpsk_ks(g.csuite);
        break;
    case MIP6TLS_GPSK_OP_4: /* Figure 9 */ g.pd = gpsk_take_lv(&r); break;
    case MIP6TLS_GPSK_OP_FAIL:           /* Figure 10 */
    case MIP6TLS_GPSK_OP_PROTECTED_FAIL: /* Figure 11 */
        q = gpsk_take(&r, 4);
        if (q != NULL)
            g.failure = mip6tls_get32(q);
        break;
    default: return MIP6TLS_ERR_TYPE; /* §9.1: 0 reserved, 7+ unassigned */
    }
    if (rc == 0)
        rc = r.err;
    if (rc != 0)
        return rc;
    if (g.op == MIP6TLS_GPSK_OP_1 || g.op == MIP6TLS_GPSK_OP_2) {
        if (g.csuite_list.len == 0 || g.csuite_list.len % MIP6TLS_GPSK_CSUITE_LEN != 0)
            return MIP6TLS_ERR_MALFORMED; /* §9.2: a multiple of 6 */
    }
    if (g.id_server.len > MIP6TLS_GPSK_ID_MAX || g.id_peer.len > MIP6TLS_GPSK_ID_MAX)
        return MIP6TLS_ERR_MALFORMED;
    if (g.op != MIP6TLS_GPSK_OP_1 && g.op != MIP6TLS_GPSK_OP_FAIL) {
        if (ml == 0 || ml > MIP6TLS_GPSK_KS_MAX)
            return MIP6TLS_ERR_ARG;
        /* §9.3: the MAC covers everything from the first payload field to the MAC */
        mac_start = r.off;
        g.mac = gpsk_take(&r, ml);
        if (g.mac == NULL)
            return r.err;
        g.mac_len = ml;
        g.mac_input.p = td + 1;
        g.mac_input.len = mac_start - 1;
    }
    if (r.off != len)
        return MIP6TLS_ERR_LENGTH;
    *m = g;
    return 0;
}

typedef struct {
    uint8_t *p;
    size_t cap, len;
} gpsk_wr;

static void gpsk_put(gpsk_wr *w, const uint8_t *d, size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len)
        memcpy(w->p + w->len, d, n);
    w->len += n; /* past cap only counted: NOBUF at the end */
}

static void gpsk_put_lv(gpsk_wr *w, const uint8_t *d, size_t n)
{
    uint8_t l[2];
    mip6tls_put16(l, (uint16_t)n);
    gpsk_put(w, l, 2);
    gpsk_put(w, d, n);
}

static int gpsk_end(gpsk_wr *w)
{
    return w->len <= w->cap ? (int)w->len : MIP6TLS_ERR_NOBUF;
}

/* Appends the empty PD_Payload_Block (its 2-octet length, 0) and the MAC over everything after
 * the OP-Code (§9.3). */
static int gpsk_end_mac(gpsk_wr *w, const mip6tls_gpsk_keys *k)
{
    uint8_t mac[MIP6TLS_GPSK_KS_MAX];
    static const uint8_t zero2[2] = {0, 0};
    gpsk_put(w, zero2, 2);
    if (w->len + k->ml > w->cap)
        return MIP6TLS_ERR_NOBUF;
    mip6tls_gpsk_mac(mac, k, w->p + 1, w->len - 1);
    gpsk_put(w, mac, k->ml);
    return gpsk_end(w);
}

static int gpsk_list_ok(const uint8_t *list, size_t len)
{
    return list != NULL && len > 0 && len % MIP6TLS_GPSK_CSUITE_LEN == 0 && len <= 0xFFFFu;
}

int mip6tls_gpsk_build1(uint8_t *out, size_t cap, const uint8_t *id_server, size_t id_server_len,
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *csuite_list, size_t csuite_list_len)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t op = MIP6TLS_GPSK_OP_1;
    if (id_server_len > MIP6TLS_GPSK_ID_MAX || !gpsk_list_ok(csuite_list, csuite_list_len))
        return MIP6TLS_ERR_ARG;
    gpsk_put(&w, &op, 1);
    gpsk_put_lv(&w, id_server, id_server_len);
    gpsk_put(&w, rand_server, MIP6TLS_GPSK_RAND_LEN);
    gpsk_put_lv(&w, csuite_list, csuite_list_len);
    return gpsk_end(&w);
}

int mip6tls_gpsk_build2(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                        const uint8_t *id_peer, size_t id_peer_len, const uint8_t *id_server,
                        size_t id_server_len, const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t *csuite_list, size_t csuite_list_len)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t op = MIP6TLS_GPSK_OP_2, sel[MIP6TLS_GPSK_CSUITE_LEN];
    if (id_peer_len > MIP6TLS_GPSK_ID_MAX || id_server_len > MIP6TLS_GPSK_ID_MAX ||
        !gpsk_list_ok(csuite_list, csuite_list_len) || k->ml == 0)
        return MIP6TLS_ERR_ARG;
    gpsk_csuite_bytes(sel, k->csuite);
    gpsk_put(&w, &op, 1);
    gpsk_put_lv(&w, id_peer, id_peer_len);
    gpsk_put_lv(&w, id_server, id_server_len);
    gpsk_put(&w, rand_peer, MIP6TLS_GPSK_RAND_LEN);
    gpsk_put(&w, rand_server, MIP6TLS_GPSK_RAND_LEN);
    gpsk_put_lv(&w, csuite_list, csuite_list_len);
    gpsk_put(&w, sel, sizeof sel);
    return gpsk_end_mac(&w, k);
}

int mip6tls_gpsk_build3(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                        const uint8_t rand_peer[MIP6TLS_GPSK_RAND_LEN],
                        const uint8_t rand_server[MIP6TLS_GPSK_RAND_LEN], const uint8_t *id_server,
                        size_t id_server_len)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t op = MIP6TLS_GPSK_OP_3, sel[MIP6TLS_GPSK_CSUITE_LEN];
    if (id_server_len > MIP6TLS_GPSK_ID_MAX || k->ml == 0)
        return MIP6TLS_ERR_ARG;
    gpsk_csuite_bytes(sel, k->csuite);
    gpsk_put(&w, &op, 1);
    gpsk_put(&w, rand_peer, MIP6TLS_GPSK_RAND_LEN);
    gpsk_put(&w, rand_server, MIP6TLS_GPSK_RAND_LEN);
    gpsk_put_lv(&w, id_server, id_server_len);
    gpsk_put(&w, sel, sizeof sel);
    return gpsk_end_mac(&w, k);
}

int mip6tls_gpsk_build4(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t op = MIP6TLS_GPSK_OP_4;
    if (k->ml == 0)
        return MIP6TLS_ERR_ARG;
    gpsk_put(&w, &op, 1);
    return gpsk_end_mac(&w, k);
}

int mip6tls_gpsk_build_fail(uint8_t *out, size_t cap, uint32_t failure)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t b[5];
    b[0] = MIP6TLS_GPSK_OP_FAIL;
    mip6tls_put32(b + 1, failure);
    gpsk_put(&w, b, 5);
    return gpsk_end(&w);
}

int mip6tls_gpsk_build_protected_fail(uint8_t *out, size_t cap, const mip6tls_gpsk_keys *k,
                                      uint32_t failure)
{
    gpsk_wr w = {out, cap, 0};
    uint8_t b[5], mac[MIP6TLS_GPSK_KS_MAX];
    if (k->ml == 0)
        return MIP6TLS_ERR_ARG;
    b[0] = MIP6TLS_GPSK_OP_PROTECTED_FAIL;
    mip6tls_put32(b + 1, failure);
    gpsk_put(&w, b, 5);
    mip6tls_gpsk_mac(mac, k, b + 1, 4); /* §9.3 Figure 11: the MAC follows Failure-Code */
    gpsk_put(&w, mac, k->ml);
    return gpsk_end(&w);
}

/* ---- shared by the state machines -------------------------------------------------------- */

static unsigned eap_methods(unsigned cfg)
{
    return cfg == 0 ? MIP6TLS_EAP_M_GPSK : cfg & (MIP6TLS_EAP_M_GPSK | MIP6TLS_EAP_M_MD5);
}

static uint8_t eap_type_of(unsigned m)
{
    return m == MIP6TLS_EAP_M_GPSK ? MIP6TLS_EAP_TYPE_GPSK : MIP6TLS_EAP_TYPE_MD5;
}

static int eap_view_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* ---- peer --------------------------------------------------------------------------------- */

static void peer_set_state(mip6tls_eap_peer *p, mip6tls_eap_peer_state st)
{
    p->state = (uint8_t)st;
    if (st == MIP6TLS_EAP_PEER_FAILED)
        eap_wipe(&p->keys, sizeof p->keys);
}

int mip6tls_eap_peer_init(mip6tls_eap_peer *p, const mip6tls_eap_peer_cfg *cfg, mip6tls_drbg *drbg,
                          const uint8_t *identity, size_t identity_len)
{
    if (cfg == NULL || drbg == NULL || identity_len > MIP6TLS_GPSK_ID_MAX ||
        (identity == NULL && identity_len != 0) || (cfg->key == NULL && cfg->key_len != 0) ||
        cfg->key_len > 0xFFFFu || cfg->server_id_len > MIP6TLS_GPSK_ID_MAX ||
        (cfg->methods & ~(MIP6TLS_EAP_M_GPSK | MIP6TLS_EAP_M_MD5)) != 0)
        return MIP6TLS_ERR_ARG;
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    p->identity = identity;
    p->identity_len = identity_len;
    mip6tls_drbg_generate(drbg, p->rand_peer, sizeof p->rand_peer);
    peer_set_state(p, MIP6TLS_EAP_PEER_WAIT_REQUEST);
    return 0;
}

/* Legacy Nak (RFC 3748 §5.3.1): the methods we accept other than the one refused, or 0. */
static int peer_nak(const mip6tls_eap_peer *p, uint8_t id, uint8_t refused, uint8_t *out,
                    size_t cap)
{
    uint8_t types[2];
    size_t n = 0;
    unsigned m = eap_methods(p->cfg->methods);
    if ((m & MIP6TLS_EAP_M_GPSK) && refused != MIP6TLS_EAP_TYPE_GPSK)
        types[n++] = MIP6TLS_EAP_TYPE_GPSK;
    if ((m & MIP6TLS_EAP_M_MD5) && refused != MIP6TLS_EAP_TYPE_MD5)
        types[n++] = MIP6TLS_EAP_TYPE_MD5;
    if (n == 0)
        types[n++] = 0; /* no proposed alternative */
    return mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, id, MIP6TLS_EAP_TYPE_NAK, types,
                              n);
}

/* The first CSuite of our preference (2, then 1) that the server lists and our key can feed
 * (PL >= KS, RFC 5433 §2); 0 when none. */
static uint16_t peer_pick_csuite(const mip6tls_eap_peer *p, const mip6tls_gpsk_view *list)
{
    static const uint16_t pref[2] = {MIP6TLS_GPSK_CSUITE_SHA256, MIP6TLS_GPSK_CSUITE_AES};
    size_t i, j;
    for (i = 0; i < 2; i++) {
        if (p->cfg->key_len < mip6tls_gpsk_ks(pref[i]))
            continue;
        for (j = 0; j + MIP6TLS_GPSK_CSUITE_LEN <= list->len; j += MIP6TLS_GPSK_CSUITE_LEN)
            if (mip6tls_get32(list->p + j) == 0 && mip6tls_get16(list->p + j + 4) == pref[i])
                return pref[i];
    }
    return 0;
}

/* GPSK-1 (RFC 5433 §3, §10): accepted when it parses; Nak when we cannot or will not go on. */
static int peer_gpsk1(mip6tls_eap_peer *p, const mip6tls_eap_pkt *e, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    mip6tls_gpsk_msg g;
    mip6tls_gpsk_keys k;
    uint8_t td[MIP6TLS_EAP_MAX];
    uint16_t cs;
    int rc;

    if (e->data_len < 1 || e->data[0] != MIP6TLS_GPSK_OP_1)
        return MIP6TLS_ERR_TYPE; /* §10: unexpected packet */
    rc = mip6tls_gpsk_decode(&g, e->data, e->data_len, 0);
    if (rc != 0)
        return rc;
    if (g.csuite_list.len > MIP6TLS_GPSK_CSUITES_MAX * MIP6TLS_GPSK_CSUITE_LEN)
        return MIP6TLS_ERR_MALFORMED;
    cs = peer_pick_csuite(p, &g.csuite_list);
    /* §10: no common ciphersuite, or an ID_Server we do not wish to authenticate to: Nak */
    if (cs == 0 ||
        (p->cfg->server_id != NULL &&
         !eap_view_eq(g.id_server.p, g.id_server.len, p->cfg->server_id, p->cfg->server_id_len))) {
        rc = peer_nak(p, e->id, MIP6TLS_EAP_TYPE_GPSK, out, cap);
        if (rc < 0)
            return rc;
        *out_len = (size_t)rc;
        return MIP6TLS_EAP_SEND;
    }
    rc = mip6tls_gpsk_derive(&k, cs, p->cfg->key, p->cfg->key_len, p->rand_peer, p->identity,
                             p->identity_len, g.rand_server, g.id_server.p, g.id_server.len);
    if (rc == 0)
        rc = mip6tls_gpsk_build2(td, sizeof td, &k, p->identity, p->identity_len, g.id_server.p,
                                 g.id_server.len, p->rand_peer, g.rand_server, g.csuite_list.p,
                                 g.csuite_list.len);
    if (rc >= 0)
        rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id, MIP6TLS_EAP_TYPE_GPSK,
                                td, (size_t)rc);
    if (rc < 0) {
        eap_wipe(&k, sizeof k);
        return rc;
    }
    *out_len = (size_t)rc;
    p->keys = k;
    eap_wipe(&k, sizeof k);
    p->have_keys = 1;
    memcpy(p->rand_server, g.rand_server, MIP6TLS_GPSK_RAND_LEN);
    memcpy(p->id_server, g.id_server.p, g.id_server.len);
    p->id_server_len = (uint8_t)g.id_server.len;
    p->method = MIP6TLS_EAP_TYPE_GPSK;
    peer_set_state(p, MIP6TLS_EAP_PEER_WAIT_GPSK3);
    return MIP6TLS_EAP_SEND;
}

/* GPSK-3, GPSK-Fail or GPSK-Protected-Fail after our GPSK-2 (RFC 5433 §10). */
static int peer_gpsk3(mip6tls_eap_peer *p, const mip6tls_eap_pkt *e, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    mip6tls_gpsk_msg g;
    uint8_t td[64], mac[MIP6TLS_GPSK_KS_MAX];
    int rc;

    if (e->type != MIP6TLS_EAP_TYPE_GPSK)
        return MIP6TLS_ERR_TYPE;
    rc = mip6tls_gpsk_decode(&g, e->data, e->data_len, p->keys.ml);
    if (rc != 0)
        return rc;
    switch (g.op) {
    case MIP6TLS_GPSK_OP_3:
        /* §10: RAND_Peer, ID_Server and CSuite_Sel must be those of GPSK-2; RAND_Server that
         * of GPSK-1 (§3: the peer verifies "the consistency of the ... nonces") */
        if (memcmp(g.rand_peer, p->rand_peer, MIP6TLS_GPSK_RAND_LEN) != 0 ||
            memcmp(g.rand_server, p->rand_server, MIP6TLS_GPSK_RAND_LEN) != 0)
            return MIP6TLS_ERR_REPLAY;
        if (!eap_view_eq(g.id_server.p, g.id_server.len, p->id_server, p->id_server_len) ||
            g.csuite != p->keys.csuite)
            return MIP6TLS_ERR_MALFORMED;
        if (g.pd.len != 0)
            return MIP6TLS_ERR_MALFORMED; /* decisions/0052: no protected data */
        mip6tls_gpsk_mac(mac, &p->keys, g.mac_input.p, g.mac_input.len);
        if (!mip6tls_ct_eq(mac, g.mac, g.mac_len))
            return MIP6TLS_ERR_AUTH;
        rc = mip6tls_gpsk_build4(td, sizeof td, &p->keys);
        if (rc >= 0)
            rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id,
                                    MIP6TLS_EAP_TYPE_GPSK, td, (size_t)rc);
        if (rc < 0)
            return rc;
        *out_len = (size_t)rc;
        peer_set_state(p, MIP6TLS_EAP_PEER_WAIT_RESULT);
        return MIP6TLS_EAP_SEND_LAST;
    case MIP6TLS_GPSK_OP_PROTECTED_FAIL:
    case MIP6TLS_GPSK_OP_FAIL:
        if (g.op == MIP6TLS_GPSK_OP_PROTECTED_FAIL) {
            mip6tls_gpsk_mac(mac, &p->keys, g.mac_input.p, g.mac_input.len);
            if (!mip6tls_ct_eq(mac, g.mac, g.mac_len))
                return MIP6TLS_ERR_AUTH; /* §10: a Protected-Fail whose MAC fails is discarded */
        }
        /* §10: "A peer receiving a GPSK-Fail / GPSK-Protected-Fail message in response to a
         * GPSK-2 message MUST replay the received ... message." */
        rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id, MIP6TLS_EAP_TYPE_GPSK,
                                e->data, e->data_len);
        if (rc < 0)
            return rc;
        *out_len = (size_t)rc;
        p->have_keys = 0;
        eap_wipe(&p->keys, sizeof p->keys);
        peer_set_state(p, MIP6TLS_EAP_PEER_WAIT_FAILURE);
        return MIP6TLS_EAP_SEND;
    default: return MIP6TLS_ERR_TYPE;
    }
}

/* A Request while no method is under way (RFC 3748 §5). */
static int peer_request(mip6tls_eap_peer *p, const mip6tls_eap_pkt *e, uint8_t *out, size_t cap,
                        size_t *out_len)
{
    unsigned m = eap_methods(p->cfg->methods);
    int rc;

    switch (e->type) {
    case MIP6TLS_EAP_TYPE_IDENTITY: /* RFC 3748 §5.1 */
        rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id,
                                MIP6TLS_EAP_TYPE_IDENTITY, p->identity, p->identity_len);
        break;
    case MIP6TLS_EAP_TYPE_NOTIFICATION: /* RFC 3748 §5.2: an empty Response, state unchanged */
        if (e->data_len == 0)
            return MIP6TLS_ERR_MALFORMED; /* "greater than zero octets in length" */
        rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id,
                                MIP6TLS_EAP_TYPE_NOTIFICATION, NULL, 0);
        break;
    case MIP6TLS_EAP_TYPE_MD5:
        if (m & MIP6TLS_EAP_M_MD5) {
            /* RFC 3748 §5.4, RFC 1994 §4.1: Value-Size, Value (the challenge), Name */
            uint8_t rd[1 + MIP6TLS_EAP_MD5_LEN + MIP6TLS_GPSK_ID_MAX];
            size_t vs;
            if (e->data_len < 2 || (vs = e->data[0]) == 0 || vs > e->data_len - 1)
                return MIP6TLS_ERR_MALFORMED;
            rd[0] = MIP6TLS_EAP_MD5_LEN;
            mip6tls_eap_md5_value(rd + 1, e->id, p->cfg->key, p->cfg->key_len, e->data + 1, vs);
            memcpy(rd + 1 + MIP6TLS_EAP_MD5_LEN, p->identity, p->identity_len); /* Name */
            rc =
                mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_RESPONSE, e->id, MIP6TLS_EAP_TYPE_MD5,
                                   rd, 1 + MIP6TLS_EAP_MD5_LEN + p->identity_len);
            eap_wipe(rd, sizeof rd);
            if (rc < 0)
                return rc;
            *out_len = (size_t)rc;
            p->method = MIP6TLS_EAP_TYPE_MD5;
            peer_set_state(p, MIP6TLS_EAP_PEER_WAIT_RESULT);
            return MIP6TLS_EAP_SEND_LAST;
        }
        rc = peer_nak(p, e->id, e->type, out, cap);
        break;
    case MIP6TLS_EAP_TYPE_GPSK:
        if (m & MIP6TLS_EAP_M_GPSK)
            return peer_gpsk1(p, e, out, cap, out_len);
        rc = peer_nak(p, e->id, e->type, out, cap);
        break;
    default:
        /* RFC 3748 §5.3.1: a Request for an unacceptable authentication Type gets a Nak */
        rc = peer_nak(p, e->id, e->type, out, cap);
        break;
    }
    if (rc < 0)
        return rc;
    *out_len = (size_t)rc;
    return MIP6TLS_EAP_SEND;
}

int mip6tls_eap_peer_input(mip6tls_eap_peer *p, const uint8_t *pkt, size_t len, uint8_t *out,
                           size_t cap, size_t *out_len)
{
    mip6tls_eap_pkt e;
    int rc;

    if (p->state == MIP6TLS_EAP_PEER_SUCCEEDED || p->state == MIP6TLS_EAP_PEER_FAILED)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_EAP_MAX)
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_eap_decode(&e, pkt, len);
    if (rc == 0 && e.code == MIP6TLS_EAP_CODE_SUCCESS) {
        /* RFC 3748 §4.2: only after the method completed (no canned Success), Identifier of
         * our last Response */
        if (p->state != MIP6TLS_EAP_PEER_WAIT_RESULT)
            rc = MIP6TLS_ERR_TYPE;
        else if (e.id != p->last_id)
            rc = MIP6TLS_ERR_REPLAY;
        else {
            peer_set_state(p, MIP6TLS_EAP_PEER_SUCCEEDED);
            return MIP6TLS_EAP_SUCCESS;
        }
    } else if (rc == 0 && e.code == MIP6TLS_EAP_CODE_FAILURE) {
        if (p->have_req && e.id != p->last_id)
            rc = MIP6TLS_ERR_REPLAY;
        else {
            peer_set_state(p, MIP6TLS_EAP_PEER_FAILED);
            return MIP6TLS_EAP_FAILURE;
        }
    } else if (rc == 0 && e.code != MIP6TLS_EAP_CODE_REQUEST) {
        rc = MIP6TLS_ERR_TYPE;
    } else if (rc == 0 && p->have_req && e.id == p->last_id) {
        /* RFC 3748 §4.1 duplicate: only a retransmission has the same Identifier, and a
         * reliable lower layer has none (§4.3) */
        rc = MIP6TLS_ERR_REPLAY;
    } else if (rc == 0) {
        switch (p->state) {
        case MIP6TLS_EAP_PEER_WAIT_REQUEST: rc = peer_request(p, &e, out, cap, out_len); break;
        case MIP6TLS_EAP_PEER_WAIT_GPSK3: rc = peer_gpsk3(p, &e, out, cap, out_len); break;
        default: rc = MIP6TLS_ERR_TYPE; break; /* only Success/Failure may come now */
        }
    }
    if (rc < 0) {
        peer_set_state(p, MIP6TLS_EAP_PEER_FAILED);
        return rc;
    }
    p->have_req = 1;
    p->last_id = e.id;
    return rc;
}

const uint8_t *mip6tls_eap_peer_msk(const mip6tls_eap_peer *p)
{
    /* after GPSK-3 verified: waiting for the result, or succeeded */
    if (p->have_keys &&
        (p->state == MIP6TLS_EAP_PEER_WAIT_RESULT || p->state == MIP6TLS_EAP_PEER_SUCCEEDED))
        return p->keys.msk;
    return NULL;
}

mip6tls_eap_peer_state mip6tls_eap_peer_get_state(const mip6tls_eap_peer *p)
{
    return (mip6tls_eap_peer_state)p->state;
}

void mip6tls_eap_peer_wipe(mip6tls_eap_peer *p)
{
    eap_wipe(p, sizeof *p);
}

/* ---- server ------------------------------------------------------------------------------- */

static const uint8_t server_default_id[] = "mip6tls-hac";
static const uint16_t server_default_csuites[2] = {MIP6TLS_GPSK_CSUITE_SHA256,
                                                   MIP6TLS_GPSK_CSUITE_AES};

static void server_set_state(mip6tls_eap_server *s, mip6tls_eap_server_state st)
{
    s->state = (uint8_t)st;
    if (st == MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL || st == MIP6TLS_EAP_SERVER_WAIT_FAIL_ECHO) {
        s->have_keys = 0;
        eap_wipe(&s->keys, sizeof s->keys);
    }
}

static const uint8_t *server_id(const mip6tls_eap_server *s, size_t *len)
{
    if (s->cfg->server_id == NULL || s->cfg->server_id_len == 0) {
        *len = sizeof server_default_id - 1;
        return server_default_id;
    }
    *len = s->cfg->server_id_len;
    return s->cfg->server_id;
}

/* Our CSuite_List as octets (§9.2); returns its length. */
static size_t server_csuites(const mip6tls_eap_server *s,
                             uint8_t out[MIP6TLS_GPSK_CSUITES_MAX * MIP6TLS_GPSK_CSUITE_LEN])
{
    const uint16_t *cs = s->cfg->csuites;
    size_t n = s->cfg->n_csuites, i;
    if (cs == NULL || n == 0)
        cs = server_default_csuites, n = 2;
    for (i = 0; i < n; i++)
        gpsk_csuite_bytes(out + i * MIP6TLS_GPSK_CSUITE_LEN, cs[i]);
    return n * MIP6TLS_GPSK_CSUITE_LEN;
}

int mip6tls_eap_server_init(mip6tls_eap_server *s, const mip6tls_eap_server_cfg *cfg,
                            mip6tls_drbg *drbg)
{
    size_t i;
    if (cfg == NULL || drbg == NULL || cfg->server_id_len > MIP6TLS_GPSK_ID_MAX ||
        (cfg->server_id == NULL && cfg->server_id_len != 0) ||
        (cfg->methods & ~(MIP6TLS_EAP_M_GPSK | MIP6TLS_EAP_M_MD5)) != 0 ||
        cfg->n_csuites > MIP6TLS_GPSK_CSUITES_MAX || (cfg->csuites == NULL && cfg->n_csuites != 0))
        return MIP6TLS_ERR_ARG;
    for (i = 0; i < cfg->n_csuites; i++)
        if (mip6tls_gpsk_ks(cfg->csuites[i]) == 0)
            return MIP6TLS_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    /* RFC 3748 §4.1: "Initializing the first Identifier with a random number ... is
     * recommended". The Identity Request uses cur_id + 1. */
    uint8_t r[1 + sizeof s->rand_server + sizeof s->challenge]; /* one DRBG call for all */
    mip6tls_drbg_generate(drbg, r, sizeof r);
    s->cur_id = r[0];
    memcpy(s->rand_server, r + 1, sizeof s->rand_server);
    memcpy(s->challenge, r + 1 + sizeof s->rand_server, sizeof s->challenge);
    eap_wipe(r, sizeof r);
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_IDENTITY);
    return 0;
}

/* Writes a new Request (RFC 3748 §4.1: a new Identifier for new Type-Data). */
static int server_request(mip6tls_eap_server *s, uint8_t type, const uint8_t *data, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    int rc = mip6tls_eap_encode(out, cap, MIP6TLS_EAP_CODE_REQUEST, (uint8_t)(s->cur_id + 1), type,
                                data, len);
    if (rc < 0)
        return rc;
    s->cur_id = (uint8_t)(s->cur_id + 1);
    *out_len = (size_t)rc;
    return MIP6TLS_EAP_SEND;
}

int mip6tls_eap_server_start(mip6tls_eap_server *s, const uint8_t *peer_id, size_t peer_id_len,
                             uint8_t *out, size_t cap, size_t *out_len)
{
    if (s->state != MIP6TLS_EAP_SERVER_WAIT_IDENTITY || s->method != 0)
        return MIP6TLS_ERR_STATE;
    if (peer_id == NULL || peer_id_len == 0 || peer_id_len > MIP6TLS_GPSK_ID_MAX)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_EAP_MAX)
        return MIP6TLS_ERR_NOBUF;
    memcpy(s->peer_id, peer_id, peer_id_len);
    s->peer_id_len = (uint8_t)peer_id_len;
    s->method = MIP6TLS_EAP_TYPE_IDENTITY; /* started: a second start is a misuse */
    return server_request(s, MIP6TLS_EAP_TYPE_IDENTITY, NULL, 0, out, cap, out_len);
}

/* The first Request of method m (GPSK-1 or the MD5 challenge). */
static int server_start_method(mip6tls_eap_server *s, unsigned m, uint8_t *out, size_t cap,
                               size_t *out_len)
{
    uint8_t td[MIP6TLS_EAP_MAX], list[MIP6TLS_GPSK_CSUITES_MAX * MIP6TLS_GPSK_CSUITE_LEN];
    const uint8_t *sid;
    size_t sid_len, ll;
    int rc;

    if (m == MIP6TLS_EAP_M_GPSK) {
        sid = server_id(s, &sid_len);
        ll = server_csuites(s, list);
        rc = mip6tls_gpsk_build1(td, sizeof td, sid, sid_len, s->rand_server, list, ll);
    } else {
        td[0] = MIP6TLS_EAP_MD5_CHALLENGE_LEN; /* Value-Size, Value, no Name */
        memcpy(td + 1, s->challenge, MIP6TLS_EAP_MD5_CHALLENGE_LEN);
        rc = 1 + MIP6TLS_EAP_MD5_CHALLENGE_LEN;
    }
    if (rc >= 0)
        rc = server_request(s, eap_type_of(m), td, (size_t)rc, out, cap, out_len);
    if (rc < 0)
        return rc;
    s->method = eap_type_of(m);
    s->tried = (uint8_t)(s->tried | m);
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_METHOD);
    return MIP6TLS_EAP_SEND;
}

/* GPSK-Fail "Authentication Failure" (RFC 5433 §10). */
static int server_gpsk_fail(mip6tls_eap_server *s, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t td[8];
    int rc = mip6tls_gpsk_build_fail(td, sizeof td, MIP6TLS_GPSK_FAIL_AUTHENTICATION);
    if (rc >= 0)
        rc = server_request(s, MIP6TLS_EAP_TYPE_GPSK, td, (size_t)rc, out, cap, out_len);
    if (rc < 0)
        return rc;
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FAIL_ECHO);
    return MIP6TLS_EAP_SEND;
}

/* The first Response of the method: a Nak, GPSK-2 or the MD5 Response. */
static int server_method_response(mip6tls_eap_server *s, const mip6tls_eap_pkt *e, uint8_t *out,
                                  size_t cap, size_t *out_len)
{
    uint8_t list[MIP6TLS_GPSK_CSUITES_MAX * MIP6TLS_GPSK_CSUITE_LEN];
    const uint8_t *sid;
    size_t sid_len, ll, i;
    mip6tls_gpsk_msg g;
    int rc;

    if (e->type == MIP6TLS_EAP_TYPE_NAK) {
        /* RFC 3748 §5.3.1: try the next allowed method the peer asks for; our order. */
        static const unsigned order[2] = {MIP6TLS_EAP_M_GPSK, MIP6TLS_EAP_M_MD5};
        unsigned allowed = eap_methods(s->cfg->methods);
        size_t j;
        for (i = 0; i < 2; i++) {
            if (!(allowed & order[i]) || (s->tried & order[i]))
                continue;
            for (j = 0; j < e->data_len; j++)
                if (e->data[j] == eap_type_of(order[i]))
                    return server_start_method(s, order[i], out, cap, out_len);
        }
        server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
        return MIP6TLS_EAP_FAILURE;
    }
    if (e->type != s->method)
        return MIP6TLS_ERR_TYPE; /* RFC 3748 §4.1: the Type must match the Request's */
    if (s->method == MIP6TLS_EAP_TYPE_MD5) {
        /* RFC 3748 §5.4: Value-Size 16, the MD5 value, Name (ignored) */
        if (e->data_len < 1 + MIP6TLS_EAP_MD5_LEN || e->data[0] != MIP6TLS_EAP_MD5_LEN)
            return MIP6TLS_ERR_MALFORMED;
        memcpy(s->peer_value, e->data + 1, MIP6TLS_EAP_MD5_LEN);
        server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_MD5_KEY);
        return MIP6TLS_EAP_NEED_KEY;
    }
    if (e->data_len < 1 || e->data[0] != MIP6TLS_GPSK_OP_2)
        return MIP6TLS_ERR_TYPE;
    rc = mip6tls_gpsk_decode(&g, e->data, e->data_len, 0);
    if (rc != 0)
        return rc;
    sid = server_id(s, &sid_len);
    ll = server_csuites(s, list);
    /* §10: RAND_Server and CSuite_List must be those of GPSK-1 (and ID_Server, §3) */
    if (memcmp(g.rand_server, s->rand_server, MIP6TLS_GPSK_RAND_LEN) != 0)
        return MIP6TLS_ERR_REPLAY;
    if (!eap_view_eq(g.csuite_list.p, g.csuite_list.len, list, ll) ||
        !eap_view_eq(g.id_server.p, g.id_server.len, sid, sid_len))
        return MIP6TLS_ERR_MALFORMED;
    for (i = 0; i < ll; i += MIP6TLS_GPSK_CSUITE_LEN)
        if (memcmp(list + i, g.csuite_sel, MIP6TLS_GPSK_CSUITE_LEN) == 0)
            break;
    if (i >= ll)
        return MIP6TLS_ERR_MALFORMED; /* the peer selected a suite we did not offer */
    if (g.pd.len != 0)
        return MIP6TLS_ERR_MALFORMED; /* decisions/0052: no protected data */
    if (!eap_view_eq(g.id_peer.p, g.id_peer.len, s->peer_id, s->peer_id_len))
        return server_gpsk_fail(s, out, cap, out_len); /* §10: an identity we hold no key for */
    memcpy(s->rand_peer, g.rand_peer, MIP6TLS_GPSK_RAND_LEN);
    memcpy(s->peer_value, g.mac, g.mac_len);
    s->csuite = g.csuite;
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY);
    return MIP6TLS_EAP_NEED_KEY;
}

int mip6tls_eap_server_input(mip6tls_eap_server *s, const uint8_t *pkt, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
    mip6tls_eap_pkt e;
    mip6tls_gpsk_msg g;
    uint8_t mac[MIP6TLS_GPSK_KS_MAX];
    int rc;

    if ((s->state != MIP6TLS_EAP_SERVER_WAIT_IDENTITY || s->method == 0) &&
        s->state != MIP6TLS_EAP_SERVER_WAIT_METHOD && s->state != MIP6TLS_EAP_SERVER_WAIT_GPSK4 &&
        s->state != MIP6TLS_EAP_SERVER_WAIT_FAIL_ECHO)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_EAP_MAX)
        return MIP6TLS_ERR_NOBUF;
    rc = mip6tls_eap_decode(&e, pkt, len);
    if (rc == 0 && e.code != MIP6TLS_EAP_CODE_RESPONSE)
        rc = MIP6TLS_ERR_TYPE;
    if (rc == 0 && e.id != s->cur_id)
        rc = MIP6TLS_ERR_REPLAY; /* RFC 3748 §4.1: not the outstanding Request's */
    if (rc == 0) {
        switch (s->state) {
        case MIP6TLS_EAP_SERVER_WAIT_IDENTITY:
            if (e.type != MIP6TLS_EAP_TYPE_IDENTITY) {
                rc = MIP6TLS_ERR_TYPE;
            } else if (!eap_view_eq(e.data, e.data_len, s->peer_id, s->peer_id_len)) {
                /* decisions/0051: the EAP identity is the mn-id the MN gave in MHAuth-Init */
                server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
                rc = MIP6TLS_EAP_FAILURE;
            } else {
                unsigned allowed = eap_methods(s->cfg->methods);
                rc = server_start_method(
                    s, (allowed & MIP6TLS_EAP_M_GPSK) ? MIP6TLS_EAP_M_GPSK : MIP6TLS_EAP_M_MD5, out,
                    cap, out_len);
            }
            break;
        case MIP6TLS_EAP_SERVER_WAIT_METHOD:
            rc = server_method_response(s, &e, out, cap, out_len);
            break;
        case MIP6TLS_EAP_SERVER_WAIT_GPSK4:
            if (e.type != MIP6TLS_EAP_TYPE_GPSK) {
                rc = MIP6TLS_ERR_TYPE;
                break;
            }
            rc = mip6tls_gpsk_decode(&g, e.data, e.data_len, s->keys.ml);
            if (rc == 0 && g.op != MIP6TLS_GPSK_OP_4)
                rc = MIP6TLS_ERR_TYPE;
            if (rc == 0 && g.pd.len != 0)
                rc = MIP6TLS_ERR_MALFORMED; /* decisions/0052: no protected data */
            if (rc == 0) {
                mip6tls_gpsk_mac(mac, &s->keys, g.mac_input.p, g.mac_input.len);
                if (!mip6tls_ct_eq(mac, g.mac, g.mac_len))
                    rc = MIP6TLS_ERR_AUTH; /* §10: GPSK-4 whose MAC fails */
            }
            if (rc == 0) {
                server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_OK);
                rc = MIP6TLS_EAP_SUCCESS;
            }
            break;
        default: /* WAIT_FAIL_ECHO: §10, the peer replays our GPSK-Fail; then EAP-Failure */
            if (e.type != MIP6TLS_EAP_TYPE_GPSK) {
                rc = MIP6TLS_ERR_TYPE;
                break;
            }
            if (e.data_len < 1 || e.data[0] != MIP6TLS_GPSK_OP_FAIL) {
                rc = MIP6TLS_ERR_TYPE;
                break;
            }
            rc = mip6tls_gpsk_decode(&g, e.data, e.data_len, 0);
            if (rc == 0 && g.failure != MIP6TLS_GPSK_FAIL_AUTHENTICATION)
                rc = MIP6TLS_ERR_TYPE;
            if (rc == 0) {
                server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
                rc = MIP6TLS_EAP_FAILURE;
            }
            break;
        }
    }
    if (rc < 0 && rc != MIP6TLS_ERR_NOBUF)
        server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
    return rc;
}

int mip6tls_eap_server_set_key(mip6tls_eap_server *s, const uint8_t *key, size_t key_len,
                               uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t td[MIP6TLS_EAP_MAX], list[MIP6TLS_GPSK_CSUITES_MAX * MIP6TLS_GPSK_CSUITE_LEN];
    uint8_t v[MIP6TLS_EAP_MD5_LEN];
    const uint8_t *sid;
    size_t sid_len, ll;
    mip6tls_gpsk_keys k;
    int rc, ok;

    if (s->state != MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY && s->state != MIP6TLS_EAP_SERVER_WAIT_MD5_KEY)
        return MIP6TLS_ERR_STATE;
    if (key == NULL && key_len != 0)
        return MIP6TLS_ERR_ARG;
    if (cap < MIP6TLS_EAP_MAX)
        return MIP6TLS_ERR_NOBUF;
    if (s->state == MIP6TLS_EAP_SERVER_WAIT_MD5_KEY) {
        mip6tls_eap_md5_value(v, s->cur_id, key, key_len, s->challenge, sizeof s->challenge);
        ok = mip6tls_ct_eq(v, s->peer_value, MIP6TLS_EAP_MD5_LEN);
        eap_wipe(v, sizeof v);
        server_set_state(s, ok ? MIP6TLS_EAP_SERVER_WAIT_FINISH_OK
                               : MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
        return ok ? MIP6TLS_EAP_SUCCESS : MIP6TLS_EAP_FAILURE;
    }
    sid = server_id(s, &sid_len);
    ll = server_csuites(s, list);
    /* GPSK-2 as the peer must have built it (its fields were checked against ours on receipt),
     * so the MAC can be recomputed now that the key is known. */
    rc = mip6tls_gpsk_derive(&k, s->csuite, key, key_len, s->rand_peer, s->peer_id, s->peer_id_len,
                             s->rand_server, sid, sid_len);
    if (rc == 0)
        rc = mip6tls_gpsk_build2(td, sizeof td, &k, s->peer_id, s->peer_id_len, sid, sid_len,
                                 s->rand_peer, s->rand_server, list, ll);
    ok = rc > 0 && mip6tls_ct_eq(td + (size_t)rc - k.ml, s->peer_value, k.ml);
    if (!ok) {
        eap_wipe(&k, sizeof k);
        return server_gpsk_fail(s, out, cap, out_len); /* §10: "Authentication Failure" */
    }
    rc = mip6tls_gpsk_build3(td, sizeof td, &k, s->rand_peer, s->rand_server, sid, sid_len);
    if (rc >= 0)
        rc = server_request(s, MIP6TLS_EAP_TYPE_GPSK, td, (size_t)rc, out, cap, out_len);
    if (rc < 0) {
        eap_wipe(&k, sizeof k);
        return rc;
    }
    s->keys = k;
    eap_wipe(&k, sizeof k);
    s->have_keys = 1;
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_GPSK4);
    return MIP6TLS_EAP_SEND;
}

int mip6tls_eap_server_reject(mip6tls_eap_server *s, uint8_t *out, size_t cap, size_t *out_len)
{
    if (s->state != MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY && s->state != MIP6TLS_EAP_SERVER_WAIT_MD5_KEY)
        return MIP6TLS_ERR_STATE;
    if (cap < MIP6TLS_EAP_MAX)
        return MIP6TLS_ERR_NOBUF;
    if (s->state == MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY)
        return server_gpsk_fail(s, out, cap, out_len);
    server_set_state(s, MIP6TLS_EAP_SERVER_WAIT_FINISH_FAIL);
    return MIP6TLS_EAP_FAILURE;
}

int mip6tls_eap_server_finish(mip6tls_eap_server *s, int success, uint8_t *out, size_t cap)
{
    int rc;
    if (s->state == MIP6TLS_EAP_SERVER_DONE ||
        (success && s->state != MIP6TLS_EAP_SERVER_WAIT_FINISH_OK))
        return MIP6TLS_ERR_STATE;
    /* RFC 3748 §4.2: the Identifier of the Response answered, i.e. the outstanding one's */
    rc = mip6tls_eap_encode(out, cap, success ? MIP6TLS_EAP_CODE_SUCCESS : MIP6TLS_EAP_CODE_FAILURE,
                            s->cur_id, 0, NULL, 0);
    if (rc < 0)
        return rc;
    /* The keys stay: the HAC protocol keys its last message with the MSK even when it denies
     * access after a successful method (decisions/0051); mip6tls_eap_server_wipe() ends them. */
    server_set_state(s, MIP6TLS_EAP_SERVER_DONE);
    return rc;
}

const uint8_t *mip6tls_eap_server_msk(const mip6tls_eap_server *s)
{
    return s->have_keys ? s->keys.msk : NULL;
}

uint8_t mip6tls_eap_server_key_type(const mip6tls_eap_server *s)
{
    if (s->state == MIP6TLS_EAP_SERVER_WAIT_GPSK_KEY)
        return MIP6TLS_EAP_TYPE_GPSK;
    if (s->state == MIP6TLS_EAP_SERVER_WAIT_MD5_KEY)
        return MIP6TLS_EAP_TYPE_MD5;
    return 0;
}

mip6tls_eap_server_state mip6tls_eap_server_get_state(const mip6tls_eap_server *s)
{
    return (mip6tls_eap_server_state)s->state;
}

void mip6tls_eap_server_wipe(mip6tls_eap_server *s)
{
    eap_wipe(s, sizeof *s);
}
