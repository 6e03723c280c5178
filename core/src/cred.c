/*
 * cred.c: certificate chains, private keys and trust anchors from PEM or DER (see cred.h).
 *
 * Everything decoded lands in the caller's arena, bump-allocated from `used`. A call first
 * notes where the cred stood (a mark), writes freely, and on any failure wipes what it wrote
 * and restores the mark, so failed calls change nothing. PEM objects are decoded straight into
 * the arena; a certificate stays there (the chain keeps pointing to it, the TLS server sends
 * it and hashes it for the channel binding, RFC 5929 §4.1), while a trust anchor or a key
 * keeps only its elements: they are written after the scratch DER, which is then wiped and
 * the elements moved down over it.
 */
#include "mip6tls/cred.h"

#include <string.h>

/* Kinds of PEM object (bit numbers of the `want` masks). */
enum {
    CRED_OBJ_OTHER = 0, /* skipped: EC PARAMETERS, CERTIFICATE REQUEST, ... */
    CRED_OBJ_CERT,
    CRED_OBJ_KEY,       /* RSA PRIVATE KEY, EC PRIVATE KEY, PRIVATE KEY */
    CRED_OBJ_KEY_OTHER, /* ENCRYPTED PRIVATE KEY, DSA PRIVATE KEY, ...: not usable */
};

/* Where a call started, to roll back to. */
typedef struct {
    size_t used, chain_len, anchors_len;
    int key_type, ee_issuer_key_type;
    br_rsa_private_key rsa; /* the key union, saved through its larger member */
    br_ec_private_key ec;
    size_t hi;     /* highest arena offset written during the call: wiped on failure */
    unsigned keys; /* key objects met during the call */
} cred_mark;

/* The PEM decoder's output: appends to the arena, notes overflow instead of writing past. */
typedef struct {
    mip6tls_cred *c;
    cred_mark *m;
    int overflow;
} cred_sink;

typedef int (*cred_obj_fn)(mip6tls_cred *c, cred_mark *m, size_t off, size_t len, int kind);

static int cred_fail(mip6tls_cred *c, int reason)
{
    c->reason = reason;
    switch (reason) {
    case MIP6TLS_CRED_BAD_PEM:
    case MIP6TLS_CRED_BAD_CERT:
    case MIP6TLS_CRED_BAD_KEY:
    case MIP6TLS_CRED_TWO_KEYS: return MIP6TLS_ERR_MALFORMED;
    case MIP6TLS_CRED_KEY_TYPE: return MIP6TLS_ERR_UNSUPPORTED;
    case MIP6TLS_CRED_NO_OBJECT:
    case MIP6TLS_CRED_INCOMPLETE: return MIP6TLS_ERR_MISSING;
    case MIP6TLS_CRED_CHAIN_TOO_LONG:
    case MIP6TLS_CRED_TOO_MANY_ANCHORS:
    case MIP6TLS_CRED_ARENA_FULL: return MIP6TLS_ERR_NOBUF;
    default: return MIP6TLS_ERR_ARG;
    }
}

static void cred_mark_take(const mip6tls_cred *c, cred_mark *m)
{
    m->used = c->used;
    m->hi = c->used;
    m->chain_len = c->chain_len;
    m->anchors_len = c->anchors_len;
    m->key_type = c->key_type;
    m->ee_issuer_key_type = c->ee_issuer_key_type;
    m->rsa = c->key.rsa;
    m->ec = c->key.ec;
    m->keys = 0;
}

/* Undoes everything since `m` and wipes the arena bytes written meanwhile (they may hold a
 * private key). Returns the error for `reason`. */
static int cred_rollback(mip6tls_cred *c, cred_mark *m, int reason)
{
    if (m->hi > m->used)
        memset(c->arena + m->used, 0, m->hi - m->used);
    c->used = m->used;
    c->chain_len = m->chain_len;
    c->anchors_len = m->anchors_len;
    c->key_type = m->key_type;
    c->ee_issuer_key_type = m->ee_issuer_key_type;
    if (m->key_type == BR_KEYTYPE_RSA)
        c->key.rsa = m->rsa;
    else
        c->key.ec = m->ec;
    return cred_fail(c, reason);
}

/* Reserves n arena octets; NULL when they do not fit. */
static uint8_t *cred_alloc(mip6tls_cred *c, cred_mark *m, size_t n)
{
    uint8_t *p;
    if (n > c->arena_cap - c->used)
        return NULL;
    p = c->arena + c->used;
    c->used += n;
    if (c->used > m->hi)
        m->hi = c->used;
    return p;
}

static void cred_sink_append(void *ctx, const void *buf, size_t len)
{
    cred_sink *s = (cred_sink *)ctx;
    uint8_t *p;
    if (s->overflow)
        return;
    p = cred_alloc(s->c, s->m, len);
    if (p == NULL) {
        s->overflow = 1;
        return;
    }
    memcpy(p, buf, len);
}

/* Length of the DER element at the start of p[len], or 0 when it is not a SEQUENCE with a
 * definite length (certificates and keys are SEQUENCEs: RFC 5280 §4.1, RFC 8017 A.1.2,
 * RFC 5915 §3, RFC 5208 §5). */
static size_t cred_der_len(const uint8_t *p, size_t len)
{
    size_t n, i, v = 0;
    if (len < 2 || p[0] != 0x30)
        return 0;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1];
    n = p[1] & 0x7f;
    if (n == 0 || n > 3 || len < 2 + n) /* 16 MB is far beyond any certificate or key */
        return 0;
    for (i = 0; i < n; i++)
        v = v << 8 | p[2 + i];
    return 2 + n + v;
}

static int cred_streq(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* BearSSL upper-cases PEM names (bearssl_pem.h). */
static int cred_pem_kind(const char *name)
{
    static const char suffix[] = " PRIVATE KEY";
    size_t n = 0, s = sizeof suffix - 1;
    if (cred_streq(name, "CERTIFICATE") || cred_streq(name, "X509 CERTIFICATE"))
        return CRED_OBJ_CERT;
    if (cred_streq(name, "RSA PRIVATE KEY") || cred_streq(name, "EC PRIVATE KEY") ||
        cred_streq(name, "PRIVATE KEY"))
        return CRED_OBJ_KEY;
    while (n < 128 && name[n] != 0)
        n++;
    if (n >= s && memcmp(name + n - s, suffix, s) == 0)
        return CRED_OBJ_KEY_OTHER;
    return CRED_OBJ_OTHER;
}

/*
 * Runs `fn` on every object of a kind in `want` (a mask of 1 << CRED_OBJ_*): for DER input,
 * on the one object; for PEM, on each object in order. The object's octets are copied to the
 * arena first, at [off, off + len). Returns 0 or a reason; *found counts the objects.
 */
static int cred_each(mip6tls_cred *c, cred_mark *m, const uint8_t *in, size_t len, unsigned want,
                     int der_kind, cred_obj_fn fn, unsigned *found)
{
    br_pem_decoder_context pc;
    cred_sink sink;
    const uint8_t nl = '\n';
    size_t start = 0;
    int inside = 0, kind = CRED_OBJ_OTHER, r, tail = 0;

    *found = 0;
    sink.c = c;
    sink.m = m;
    sink.overflow = 0;
    if (len > 0 && in[0] == 0x30) {
        start = c->used;
        cred_sink_append(&sink, in, len);
        if (sink.overflow)
            return MIP6TLS_CRED_ARENA_FULL;
        *found = 1;
        return fn(c, m, start, len, der_kind);
    }

    br_pem_decoder_init(&pc);
    /* The decoder sees an END banner only once its line ends: a final newline is pushed
     * after the input for files that lack one. */
    while (len > 0 || !tail) {
        const uint8_t *p = len > 0 ? in : &nl;
        size_t k = br_pem_decoder_push(&pc, p, len > 0 ? len : 1);
        int ev = br_pem_decoder_event(&pc);
        if (len > 0) {
            in += k;
            len -= k;
        } else if (k == 1) {
            tail = 1;
        }
        if (k == 0 && ev == 0)
            return MIP6TLS_CRED_BAD_PEM; /* cannot happen: push stops only at events */
        switch (ev) {
        case BR_PEM_BEGIN_OBJ:
            kind = cred_pem_kind(br_pem_decoder_name(&pc));
            inside = 1;
            start = c->used;
            sink.overflow = 0;
            if (want & (1u << kind))
                br_pem_decoder_setdest(&pc, cred_sink_append, &sink);
            else
                br_pem_decoder_setdest(&pc, 0, NULL);
            break;
        case BR_PEM_END_OBJ:
            inside = 0;
            if (!(want & (1u << kind)))
                break;
            if (sink.overflow)
                return MIP6TLS_CRED_ARENA_FULL;
            (*found)++;
            r = fn(c, m, start, c->used - start, kind);
            if (r != 0)
                return r;
            break;
        case BR_PEM_ERROR: return MIP6TLS_CRED_BAD_PEM;
        default: break;
        }
    }
    return inside ? MIP6TLS_CRED_BAD_PEM : 0;
}

/* Decodes one certificate; 0 or a reason. */
static int cred_decode_cert(br_x509_decoder_context *dc, const uint8_t *der, size_t len,
                            void (*append_dn)(void *, const void *, size_t), void *dn_ctx)
{
    if (cred_der_len(der, len) != len)
        return MIP6TLS_CRED_BAD_CERT; /* trailing octets would be sent and hashed too */
    br_x509_decoder_init(dc, append_dn, dn_ctx);
    br_x509_decoder_push(dc, der, len);
    if (br_x509_decoder_last_error(dc) != 0 || br_x509_decoder_get_pkey(dc) == NULL)
        return MIP6TLS_CRED_BAD_CERT;
    return 0;
}

static int cred_take_cert(mip6tls_cred *c, cred_mark *m, size_t off, size_t len, int kind)
{
    br_x509_decoder_context dc;
    int r;
    (void)m;
    (void)kind;
    if (c->chain_len >= MIP6TLS_CRED_MAX_CHAIN)
        return MIP6TLS_CRED_CHAIN_TOO_LONG;
    r = cred_decode_cert(&dc, c->arena + off, len, 0, NULL);
    if (r != 0)
        return r;
    if (c->chain_len == 0)
        c->ee_issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
    c->chain[c->chain_len].data = c->arena + off;
    c->chain[c->chain_len].data_len = len;
    c->chain_len++;
    return 0;
}

/* Copies n octets to the arena; their offset in *off. */
static int cred_put(mip6tls_cred *c, cred_mark *m, const void *src, size_t n, size_t *off)
{
    uint8_t *p = cred_alloc(c, m, n);
    if (p == NULL)
        return MIP6TLS_CRED_ARENA_FULL;
    memcpy(p, src, n);
    *off = (size_t)(p - c->arena);
    return 0;
}

/* Moves the elements written at [from, used) down to `to`, wiping the scratch between. */
static void cred_compact(mip6tls_cred *c, size_t to, size_t from)
{
    memmove(c->arena + to, c->arena + from, c->used - from);
    c->used -= from - to;
    memset(c->arena + c->used, 0, from - to);
}

static int cred_take_anchor(mip6tls_cred *c, cred_mark *m, size_t off, size_t len, int kind)
{
    br_x509_decoder_context dc;
    br_x509_trust_anchor *ta;
    const br_x509_pkey *pk;
    cred_sink sink;
    size_t dn_off = c->used, a_off = 0, b_off = 0, delta;
    int r;
    (void)kind;
    if (c->anchors_len >= MIP6TLS_CRED_MAX_ANCHORS)
        return MIP6TLS_CRED_TOO_MANY_ANCHORS;
    sink.c = c;
    sink.m = m;
    sink.overflow = 0;
    r = cred_decode_cert(&dc, c->arena + off, len, cred_sink_append, &sink);
    if (r != 0)
        return r;
    if (sink.overflow)
        return MIP6TLS_CRED_ARENA_FULL;
    pk = br_x509_decoder_get_pkey(&dc);
    ta = &c->anchors[c->anchors_len];
    ta->dn.len = c->used - dn_off;
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        if (cred_put(c, m, pk->key.rsa.n, pk->key.rsa.nlen, &a_off) != 0 ||
            cred_put(c, m, pk->key.rsa.e, pk->key.rsa.elen, &b_off) != 0)
            return MIP6TLS_CRED_ARENA_FULL;
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        if (cred_put(c, m, pk->key.ec.q, pk->key.ec.qlen, &a_off) != 0)
            return MIP6TLS_CRED_ARENA_FULL;
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    /* The certificate itself is not needed any more: move DN and key over it. */
    delta = dn_off - off;
    cred_compact(c, off, dn_off);
    ta->dn.data = c->arena + dn_off - delta;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = c->arena + a_off - delta;
        ta->pkey.key.rsa.e = c->arena + b_off - delta;
    } else {
        ta->pkey.key.ec.q = c->arena + a_off - delta;
    }
    c->anchors_len++;
    return 0;
}

static void cred_wipe_key(mip6tls_cred *c)
{
    if (c->key_type == BR_KEYTYPE_RSA) {
        memset(c->key.rsa.p, 0, c->key.rsa.plen);
        memset(c->key.rsa.q, 0, c->key.rsa.qlen);
        memset(c->key.rsa.dp, 0, c->key.rsa.dplen);
        memset(c->key.rsa.dq, 0, c->key.rsa.dqlen);
        memset(c->key.rsa.iq, 0, c->key.rsa.iqlen);
    } else if (c->key_type == BR_KEYTYPE_EC) {
        memset(c->key.ec.x, 0, c->key.ec.xlen);
    }
}

/* The new key, decoded but not yet installed: its elements' arena offsets. */
typedef struct {
    int type;
    br_rsa_private_key rsa;
    br_ec_private_key ec;
    size_t o[5];
} cred_newkey;

static int cred_key_elements(mip6tls_cred *c, cred_mark *m, const br_skey_decoder_context *kc,
                             cred_newkey *nk)
{
    nk->type = br_skey_decoder_key_type(kc);
    if (nk->type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *k = br_skey_decoder_get_rsa(kc);
        nk->rsa = *k;
        if (cred_put(c, m, k->p, k->plen, &nk->o[0]) != 0 ||
            cred_put(c, m, k->q, k->qlen, &nk->o[1]) != 0 ||
            cred_put(c, m, k->dp, k->dplen, &nk->o[2]) != 0 ||
            cred_put(c, m, k->dq, k->dqlen, &nk->o[3]) != 0 ||
            cred_put(c, m, k->iq, k->iqlen, &nk->o[4]) != 0)
            return MIP6TLS_CRED_ARENA_FULL;
        return 0;
    }
    if (nk->type == BR_KEYTYPE_EC) {
        const br_ec_private_key *k = br_skey_decoder_get_ec(kc);
        nk->ec = *k;
        return cred_put(c, m, k->x, k->xlen, &nk->o[0]);
    }
    return MIP6TLS_CRED_KEY_TYPE;
}

static int cred_take_key(mip6tls_cred *c, cred_mark *m, size_t off, size_t len, int kind)
{
    br_skey_decoder_context kc;
    cred_newkey nk;
    size_t from = c->used, delta;
    int r;

    if (m->keys++ > 0)
        return MIP6TLS_CRED_TWO_KEYS; /* which one was meant? */
    if (kind == CRED_OBJ_KEY_OTHER)
        return MIP6TLS_CRED_KEY_TYPE;
    br_skey_decoder_init(&kc);
    br_skey_decoder_push(&kc, c->arena + off, len);
    r = br_skey_decoder_last_error(&kc);
    if (r != 0 || cred_der_len(c->arena + off, len) != len) {
        memset(&kc, 0, sizeof kc);
        return r == BR_ERR_X509_UNSUPPORTED ? MIP6TLS_CRED_KEY_TYPE : MIP6TLS_CRED_BAD_KEY;
    }
    memset(&nk, 0, sizeof nk);
    r = cred_key_elements(c, m, &kc, &nk);
    memset(&kc, 0, sizeof kc);
    if (r != 0)
        return r;
    delta = from - off;
    cred_compact(c, off, from); /* wipes the DER copy of the key */
    if (nk.type == BR_KEYTYPE_RSA) {
        nk.rsa.p = c->arena + nk.o[0] - delta;
        nk.rsa.q = c->arena + nk.o[1] - delta;
        nk.rsa.dp = c->arena + nk.o[2] - delta;
        nk.rsa.dq = c->arena + nk.o[3] - delta;
        nk.rsa.iq = c->arena + nk.o[4] - delta;
        c->key.rsa = nk.rsa;
    } else {
        nk.ec.x = c->arena + nk.o[0] - delta;
        c->key.ec = nk.ec;
    }
    c->key_type = nk.type;
    memset(&nk, 0, sizeof nk);
    return 0;
}

void mip6tls_cred_init(mip6tls_cred *c, uint8_t *arena, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->arena = arena;
    c->arena_cap = arena == NULL ? 0 : cap;
}

/* Certificates from PEM or DER, each handed to `fn`; all or nothing. */
static int cred_add_certs(mip6tls_cred *c, const uint8_t *in, size_t len, cred_obj_fn fn)
{
    cred_mark m;
    unsigned found;
    int r;
    if (c == NULL || in == NULL)
        return MIP6TLS_ERR_ARG;
    cred_mark_take(c, &m);
    r = cred_each(c, &m, in, len, 1u << CRED_OBJ_CERT, CRED_OBJ_CERT, fn, &found);
    if (r == 0 && found == 0)
        r = MIP6TLS_CRED_NO_OBJECT;
    if (r != 0)
        return cred_rollback(c, &m, r);
    c->reason = MIP6TLS_CRED_OK;
    return 0;
}

int mip6tls_cred_add_chain(mip6tls_cred *c, const uint8_t *in, size_t len)
{
    return cred_add_certs(c, in, len, cred_take_cert);
}

int mip6tls_cred_add_anchors(mip6tls_cred *c, const uint8_t *in, size_t len)
{
    return cred_add_certs(c, in, len, cred_take_anchor);
}

int mip6tls_cred_set_key(mip6tls_cred *c, const uint8_t *in, size_t len)
{
    cred_mark m;
    mip6tls_cred old;
    unsigned found;
    int r;
    if (c == NULL || in == NULL)
        return MIP6TLS_ERR_ARG;
    cred_mark_take(c, &m);
    old = *c;
    r = cred_each(c, &m, in, len, 1u << CRED_OBJ_KEY | 1u << CRED_OBJ_KEY_OTHER, CRED_OBJ_KEY,
                  cred_take_key, &found);
    if (r == 0 && found == 0)
        r = MIP6TLS_CRED_NO_OBJECT;
    if (r != 0) {
        memset(&old, 0, sizeof old);
        return cred_rollback(c, &m, r);
    }
    if (old.key_type != 0)
        cred_wipe_key(&old); /* the replaced key's elements, still in the arena */
    memset(&old, 0, sizeof old);
    c->reason = MIP6TLS_CRED_OK;
    return 0;
}

/* Compares two unsigned big-endian integers, ignoring leading zeros. */
static int cred_int_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    while (alen > 0 && *a == 0) {
        a++;
        alen--;
    }
    while (blen > 0 && *b == 0) {
        b++;
        blen--;
    }
    return alen == blen && memcmp(a, b, alen) == 0;
}

int mip6tls_cred_check(mip6tls_cred *c)
{
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    int ok = 0;

    if (c == NULL)
        return MIP6TLS_ERR_ARG;
    if (c->chain_len == 0 || c->key_type == 0)
        return cred_fail(c, MIP6TLS_CRED_INCOMPLETE);
    if (cred_decode_cert(&dc, c->chain[0].data, c->chain[0].data_len, 0, NULL) != 0)
        return cred_fail(c, MIP6TLS_CRED_BAD_CERT);
    pk = br_x509_decoder_get_pkey(&dc);
    if (pk->key_type == BR_KEYTYPE_EC && c->key_type == BR_KEYTYPE_EC) {
        uint8_t q[BR_EC_KBUF_PUB_MAX_SIZE];
        size_t qlen = br_ec_compute_pub(br_ec_get_default(), NULL, q, &c->key.ec);
        ok = qlen != 0 && pk->key.ec.curve == c->key.ec.curve && qlen == pk->key.ec.qlen &&
             memcmp(q, pk->key.ec.q, qlen) == 0;
    } else if (pk->key_type == BR_KEYTYPE_RSA && c->key_type == BR_KEYTYPE_RSA) {
        uint8_t n[BR_X509_BUFSIZE_SIG]; /* RSA-4096, BearSSL's largest */
        br_rsa_compute_modulus mod = br_rsa_compute_modulus_get_default();
        size_t nlen = mod(NULL, &c->key.rsa);
        ok = nlen != 0 && nlen <= sizeof n && mod(n, &c->key.rsa) == nlen &&
             cred_int_eq(n, nlen, pk->key.rsa.n, pk->key.rsa.nlen);
    }
    if (!ok)
        return cred_fail(c, MIP6TLS_CRED_KEY_MISMATCH);
    c->reason = MIP6TLS_CRED_OK;
    return 0;
}

mip6tls_cred_reason_t mip6tls_cred_reason(const mip6tls_cred *c)
{
    return (mip6tls_cred_reason_t)c->reason;
}

const char *mip6tls_cred_reason_str(int reason)
{
    switch (reason) {
    case MIP6TLS_CRED_OK: return "ok";
    case MIP6TLS_CRED_BAD_PEM: return "PEM armour or Base64 is broken";
    case MIP6TLS_CRED_NO_OBJECT: return "no object of the wanted kind";
    case MIP6TLS_CRED_BAD_CERT: return "a certificate does not decode";
    case MIP6TLS_CRED_BAD_KEY: return "the private key does not decode";
    case MIP6TLS_CRED_KEY_TYPE:
        return "private key type not supported (RSA and EC only, unencrypted)";
    case MIP6TLS_CRED_TWO_KEYS: return "more than one private key";
    case MIP6TLS_CRED_CHAIN_TOO_LONG: return "certificate chain too long";
    case MIP6TLS_CRED_TOO_MANY_ANCHORS: return "too many trust anchors";
    case MIP6TLS_CRED_ARENA_FULL: return "credential arena too small";
    case MIP6TLS_CRED_KEY_MISMATCH: return "private key does not match the certificate";
    case MIP6TLS_CRED_INCOMPLETE: return "certificate chain or private key missing";
    default: return "unknown reason";
    }
}
