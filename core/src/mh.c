/* mh.c: Mobility Header codec and the Destination Options / Home Address chain (see mh.h). */
#include "mip6tls/mh.h"

#include <string.h>

#include "mip6tls/bytes.h"
#include "mip6tls/inet.h"

/* Length of the fixed part of each known message, common header included, and the smallest
 * Header Len it allows (RFC 6275 §6.1.2, §6.1.7 - §6.1.9; §9.2 rejects anything shorter). */
#define MH_COMMON_LEN 6
#define MH_FIXED_BRR 8
#define MH_FIXED_BU 12
#define MH_FIXED_BA 12
#define MH_FIXED_BE 24

/* Which options each message may carry (RFC 6275 §6.1.7, §6.1.8, §6.2.4, §6.2.5; RFC 5555
 * §3.1.1, §3.1.2, §3.2.1, §3.2.2). BRR and BE define none. */
#define MH_OPTS_BU (MIP6TLS_MHO_ALT_COA | MIP6TLS_MHO_IPV4_HOA | MIP6TLS_MHO_IPV4_COA)
#define MH_OPTS_BA (MIP6TLS_MHO_REFRESH_ADVICE | MIP6TLS_MHO_IPV4_ACK | MIP6TLS_MHO_NAT_DETECT)

/* One parsed option kind: its type, presence bit, exact Option Length and alignment xn+y
 * (RFC 6275 §6.2.1: the Option Type octet sits at a multiple of x plus y from the start of
 * the header). Encoded in this (ascending type) order. */
typedef struct {
    uint8_t type;
    uint8_t bit;
    uint8_t len;
    uint8_t align_x;
    uint8_t align_y;
} mh_opt_rule;

static const mh_opt_rule mh_rules[] = {
    {MIP6TLS_MHOPT_REFRESH_ADVICE, MIP6TLS_MHO_REFRESH_ADVICE, 2, 2, 0}, /* RFC 6275 §6.2.4 */
    {MIP6TLS_MHOPT_ALT_COA, MIP6TLS_MHO_ALT_COA, 16, 8, 6},              /* RFC 6275 §6.2.5 */
    {MIP6TLS_MHOPT_IPV4_HOA, MIP6TLS_MHO_IPV4_HOA, 6, 4, 0},             /* RFC 5555 §3.1.1 */
    {MIP6TLS_MHOPT_IPV4_ACK, MIP6TLS_MHO_IPV4_ACK, 6, 4, 0},             /* RFC 5555 §3.2.1 */
    {MIP6TLS_MHOPT_NAT_DETECT, MIP6TLS_MHO_NAT_DETECT, 6, 4, 0},         /* RFC 5555 §3.2.2 */
    {MIP6TLS_MHOPT_IPV4_COA, MIP6TLS_MHO_IPV4_COA, 6, 4, 0},             /* RFC 5555 §3.1.2 */
};

#define MH_NRULES (sizeof mh_rules / sizeof mh_rules[0])

int mip6tls_ba_status_accepted(uint8_t status)
{
    return status < 128; /* RFC 6275 §6.1.8 */
}

const char *mip6tls_ba_status_name(uint8_t status)
{
    switch (status) {
    case MIP6TLS_BA_ACCEPTED: return "accepted";
    case MIP6TLS_BA_ACCEPTED_PREFIX_DISCOVERY: return "accepted, prefix discovery necessary";
    case MIP6TLS_BA_UNSPECIFIED: return "reason unspecified";
    case MIP6TLS_BA_ADMIN_PROHIBITED: return "administratively prohibited";
    case MIP6TLS_BA_INSUFFICIENT_RESOURCES: return "insufficient resources";
    case MIP6TLS_BA_HOME_REG_NOT_SUPPORTED: return "home registration not supported";
    case MIP6TLS_BA_NOT_HOME_SUBNET: return "not home subnet";
    case MIP6TLS_BA_NOT_HA_FOR_MN: return "not home agent for this mobile node";
    case MIP6TLS_BA_DAD_FAILED: return "duplicate address detection failed";
    case MIP6TLS_BA_SEQ_OUT_OF_WINDOW: return "sequence number out of window";
    case MIP6TLS_BA_EXPIRED_HOME_NONCE: return "expired home nonce index";
    case MIP6TLS_BA_EXPIRED_COA_NONCE: return "expired care-of nonce index";
    case MIP6TLS_BA_EXPIRED_NONCES: return "expired nonces";
    case MIP6TLS_BA_REG_TYPE_CHANGE: return "registration type change disallowed";
    case MIP6TLS_BA_FORCED_UDP_REFUSED: return "forced UDP encapsulation refused";
    case MIP6TLS_BA_INVALID_COA: return "invalid care-of address";
    case MIP6TLS_BA_REINIT_SA_WITH_HAC: return "REINIT_SA_WITH_HAC";
    }
    return "unknown";
}

void mip6tls_mh_init(mip6tls_mh_msg *m, uint8_t type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    m->known = (type == MIP6TLS_MH_BRR || type == MIP6TLS_MH_BU || type == MIP6TLS_MH_BA ||
                type == MIP6TLS_MH_BE);
    m->payload_proto = MIP6TLS_MH_PAYLOAD_PROTO;
}

uint32_t mip6tls_mh_lifetime_s(uint16_t units)
{
    return (uint32_t)units * 4; /* RFC 6275 §6.1.7: one time unit is 4 seconds */
}

uint16_t mip6tls_mh_lifetime_to_units(uint32_t seconds)
{
    uint32_t u = seconds / 4 + (seconds % 4 != 0);
    return u > 0xFFFFu ? 0xFFFFu : (uint16_t)u;
}

/* RFC 6275 §6.1.1: the pseudo-header (RFC 8200 §8.1) with Next Header 135 and the MH length,
 * then the whole MH, its Checksum field as zero (`with_ck` 0) or as received (`with_ck` 1: a
 * correct checksum then gives 0, whichever of the two one's-complement zeros was sent). */
static uint16_t mh_cksum(const uint8_t *mh, size_t len, const uint8_t *src, const uint8_t *dst,
                         int with_ck)
{
    static const uint8_t zero[2] = {0, 0};
    mip6tls_cksum_ctx c;
    mip6tls_cksum_init(&c);
    mip6tls_cksum_pseudo6(&c, src, dst, (uint32_t)len, MIP6TLS_MH_NEXT_HEADER);
    mip6tls_cksum_add(&c, mh, 4);
    mip6tls_cksum_add(&c, with_ck ? mh + 4 : zero, 2);
    mip6tls_cksum_add(&c, mh + 6, len - 6);
    return mip6tls_cksum_final(&c);
}

uint16_t mip6tls_mh_checksum(const uint8_t *mh, size_t len, const uint8_t src[16],
                             const uint8_t dst[16])
{
    return mh_cksum(mh, len, src, dst, 0);
}

/* ---- options iterator ---- */

void mip6tls_mh_opt_iter_init(mip6tls_mh_opt_iter *it, const mip6tls_mh_msg *m)
{
    it->mh = m->raw;
    it->off = m->opts_off < m->raw_len ? m->opts_off : m->raw_len;
    it->end = m->raw_len;
}

int mip6tls_mh_opt_next(mip6tls_mh_opt_iter *it, mip6tls_mh_opt *o)
{
    size_t off = it->off;
    uint8_t len;
    if (off >= it->end)
        return 0;
    if (it->mh[off] == MIP6TLS_MHOPT_PAD1) {
        /* RFC 6275 §6.2.2: Pad1 is a single octet, no length, no data. */
        o->type = MIP6TLS_MHOPT_PAD1;
        o->len = 0;
        o->data = NULL;
        o->offset = off;
        it->off = off + 1;
        return 1;
    }
    /* RFC 6275 §6.2.1: Type, Length, then Length octets of data, all inside the header. */
    if (it->end - off < 2 || (size_t)it->mh[off + 1] > it->end - off - 2) {
        it->off = it->end;
        return MIP6TLS_ERR_LENGTH;
    }
    len = it->mh[off + 1];
    o->type = it->mh[off];
    o->len = len;
    o->data = it->mh + off + 2;
    o->offset = off;
    it->off = off + 2 + len;
    return 1;
}

/* ---- decoding ---- */

static const mh_opt_rule *mh_rule(uint8_t type)
{
    size_t i;
    for (i = 0; i < MH_NRULES; i++)
        if (mh_rules[i].type == type)
            return &mh_rules[i];
    return NULL;
}

/* Parses one known option's data into *o. 0 or MIP6TLS_ERR_MALFORMED. */
static int mh_parse_opt(const mip6tls_mh_opt *op, mip6tls_mh_opts *o)
{
    const uint8_t *d = op->data;
    switch (op->type) {
    case MIP6TLS_MHOPT_REFRESH_ADVICE: /* RFC 6275 §6.2.4 */
        o->refresh_interval = mip6tls_get16(d);
        break;
    /* RFC 6275 §6.2.5 */
    case MIP6TLS_MHOPT_ALT_COA: mip6tls_addr_set6(&o->alt_coa, d); break;
    case MIP6TLS_MHOPT_IPV4_HOA: /* RFC 5555 §3.1.1: Prefix-len (6) | P (1) | Reserved (9) */
        o->ipv4_hoa_plen = (uint8_t)(d[0] >> 2);
        o->ipv4_hoa_p = (uint8_t)((d[0] >> 1) & 1);
        /* "A value of zero is invalid and MUST be considered an error"; an IPv4 prefix is at
         * most 32 bits long. */
        if (o->ipv4_hoa_plen == 0 || o->ipv4_hoa_plen > 32)
            return MIP6TLS_ERR_MALFORMED;
        mip6tls_addr_set4(&o->ipv4_hoa, d + 2);
        break;
    case MIP6TLS_MHOPT_IPV4_ACK: /* RFC 5555 §3.2.1: Status (8) | Pref-len (6) | Res (2) */
        o->ipv4_ack_status = d[0];
        o->ipv4_ack_plen = (uint8_t)(d[1] >> 2);
        if (o->ipv4_ack_status >= 128)
            o->ipv4_ack_plen = 0; /* "MUST be set to zero and ignored in case of failure" */
        else if (o->ipv4_ack_plen > 32)
            return MIP6TLS_ERR_MALFORMED;
        mip6tls_addr_set4(&o->ipv4_ack_hoa, d + 2);
        break;
    case MIP6TLS_MHOPT_NAT_DETECT: /* RFC 5555 §3.2.2: F (1) | Reserved (15) | Refresh (32) */
        o->nat_f = (uint8_t)(d[0] >> 7);
        o->nat_refresh = mip6tls_get32(d + 2);
        break;
    case MIP6TLS_MHOPT_IPV4_COA: /* RFC 5555 §3.1.2: Reserved (16) | address */
        mip6tls_addr_set4(&o->ipv4_coa, d + 2);
        break;
    default: break;
    }
    return 0;
}

/* Parses the options of a known message `m` (raw, raw_len, opts_off set) into m->opt. */
static int mh_parse_opts(mip6tls_mh_msg *m)
{
    uint32_t valid = m->type == MIP6TLS_MH_BU   ? MH_OPTS_BU
                     : m->type == MIP6TLS_MH_BA ? MH_OPTS_BA
                                                : 0;
    mip6tls_mh_opt_iter it;
    mip6tls_mh_opt op;
    int rc;
    mip6tls_mh_opt_iter_init(&it, m);
    while ((rc = mip6tls_mh_opt_next(&it, &op)) == 1) {
        const mh_opt_rule *r = mh_rule(op.type);
        /* RFC 6275 §6.2.1: unknown options are skipped; so are known ones the message does
         * not define (docs/decisions/0011-mh-decoding.md). Pad1/PadN data is ignored
         * (§6.2.3). */
        if (r == NULL || (valid & r->bit) == 0)
            continue;
        if (op.len != r->len)
            return MIP6TLS_ERR_LENGTH;
        if (op.offset % r->align_x != r->align_y)
            return MIP6TLS_ERR_ALIGN;
        if (m->opt.present & r->bit)
            return MIP6TLS_ERR_DUPLICATE;
        rc = mh_parse_opt(&op, &m->opt);
        if (rc < 0)
            return rc;
        m->opt.present |= r->bit;
    }
    return rc;
}

int mip6tls_mh_decode(const uint8_t *buf, size_t len, const uint8_t *src, const uint8_t *dst,
                      mip6tls_mh_msg *m)
{
    mip6tls_mh_msg r;
    size_t mhlen, fixed;
    int rc;
    if ((src == NULL) != (dst == NULL))
        return MIP6TLS_ERR_ARG;
    /* RFC 6275 §6.1.1: a multiple of 8 octets, (Header Len + 1) * 8 of them. */
    if (len < 8)
        return MIP6TLS_ERR_TRUNCATED;
    mhlen = ((size_t)buf[1] + 1) * 8;
    if (len < mhlen)
        return MIP6TLS_ERR_TRUNCATED;
    if (len > mhlen)
        return MIP6TLS_ERR_LENGTH; /* Payload Proto 59: nothing may follow */
    /* RFC 6275 §9.2, in its order: checksum, MH Type, Payload Proto, Header Len. */
    if (src != NULL && mh_cksum(buf, mhlen, src, dst, 1) != 0)
        return MIP6TLS_ERR_CHECKSUM;
    memset(&r, 0, sizeof r);
    r.payload_proto = buf[0];
    r.type = buf[2];
    r.checksum = mip6tls_get16(buf + 4);
    r.raw = buf;
    r.raw_len = mhlen;
    r.opts_off = mhlen;
    switch (r.type) {
    case MIP6TLS_MH_BRR: fixed = MH_FIXED_BRR; break;
    case MIP6TLS_MH_BU: fixed = MH_FIXED_BU; break;
    case MIP6TLS_MH_BA: fixed = MH_FIXED_BA; break;
    case MIP6TLS_MH_BE: fixed = MH_FIXED_BE; break;
    default:
        /* Unknown type: the caller answers with a Binding Error, status 2 (RFC 6275 §9.2). */
        *m = r;
        return 0;
    }
    r.known = 1;
    if (r.payload_proto != MIP6TLS_MH_PAYLOAD_PROTO)
        return MIP6TLS_ERR_MALFORMED;
    if (mhlen < fixed)
        return MIP6TLS_ERR_LENGTH;
    /* Reserved fields are ignored on receipt (RFC 6275 §6.1.2, §6.1.7 - §6.1.9). */
    switch (r.type) {
    case MIP6TLS_MH_BU: /* RFC 6275 §6.1.7 */
        r.bu.seq = mip6tls_get16(buf + 6);
        r.bu.flags = mip6tls_get16(buf + 8);
        r.bu.lifetime = mip6tls_get16(buf + 10);
        break;
    case MIP6TLS_MH_BA: /* RFC 6275 §6.1.8 */
        r.ba.status = buf[6];
        r.ba.flags = buf[7];
        r.ba.seq = mip6tls_get16(buf + 8);
        r.ba.lifetime = mip6tls_get16(buf + 10);
        break;
    case MIP6TLS_MH_BE: /* RFC 6275 §6.1.9 */
        r.be.status = buf[6];
        mip6tls_addr_set6(&r.be.home_addr, buf + 8);
        break;
    default: break;
    }
    r.opts_off = fixed;
    rc = mh_parse_opts(&r);
    if (rc < 0)
        return rc;
    *m = r;
    return 0;
}

/* ---- encoding ---- */

/* Writes into out[n..] when out is not NULL, only counts otherwise (the measuring pass). */
typedef struct {
    uint8_t *out;
    size_t n;
} mh_writer;

static void mh_put(mh_writer *w, const uint8_t *p, size_t len)
{
    if (w->out != NULL)
        memcpy(w->out + w->n, p, len);
    w->n += len;
}

static void mh_put8(mh_writer *w, uint8_t v)
{
    mh_put(w, &v, 1);
}

static void mh_put16(mh_writer *w, uint16_t v)
{
    uint8_t b[2];
    mip6tls_put16(b, v);
    mh_put(w, b, 2);
}

static void mh_put32(mh_writer *w, uint32_t v)
{
    uint8_t b[4];
    mip6tls_put32(b, v);
    mh_put(w, b, 4);
}

/* Pads so the next octet sits at x*n + y: Pad1 for one octet, PadN (N - 2 zero data octets)
 * for more (RFC 6275 §6.2.2, §6.2.3). */
static void mh_pad(mh_writer *w, size_t x, size_t y)
{
    static const uint8_t zeros[8] = {0};
    size_t k = (y + x - w->n % x) % x;
    if (k == 1) {
        mh_put8(w, MIP6TLS_MHOPT_PAD1);
    } else if (k >= 2) {
        mh_put8(w, MIP6TLS_MHOPT_PADN);
        mh_put8(w, (uint8_t)(k - 2));
        mh_put(w, zeros, k - 2);
    }
}

/* Checks what mh_write() relies on. 0 or MIP6TLS_ERR_ARG. */
static int mh_check(const mip6tls_mh_msg *m)
{
    const mip6tls_mh_opts *o = &m->opt;
    uint32_t valid;
    switch (m->type) {
    case MIP6TLS_MH_BRR: valid = 0; break;
    case MIP6TLS_MH_BU: valid = MH_OPTS_BU; break;
    case MIP6TLS_MH_BA: valid = MH_OPTS_BA; break;
    case MIP6TLS_MH_BE:
        valid = 0;
        if (m->be.home_addr.family != MIP6TLS_AF_INET6)
            return MIP6TLS_ERR_ARG;
        break;
    default: return MIP6TLS_ERR_ARG;
    }
    if ((o->present & ~valid) != 0)
        return MIP6TLS_ERR_ARG;
    if ((o->present & MIP6TLS_MHO_ALT_COA) && o->alt_coa.family != MIP6TLS_AF_INET6)
        return MIP6TLS_ERR_ARG;
    if ((o->present & MIP6TLS_MHO_IPV4_HOA) &&
        (o->ipv4_hoa.family != MIP6TLS_AF_INET || o->ipv4_hoa_plen == 0 || o->ipv4_hoa_plen > 32 ||
         o->ipv4_hoa_p > 1))
        return MIP6TLS_ERR_ARG; /* RFC 5555 §3.1.1 */
    if ((o->present & MIP6TLS_MHO_IPV4_ACK) &&
        (o->ipv4_ack_hoa.family != MIP6TLS_AF_INET || o->ipv4_ack_plen > 32 ||
         (o->ipv4_ack_status >= 128 && o->ipv4_ack_plen != 0)))
        return MIP6TLS_ERR_ARG; /* RFC 5555 §3.2.1 */
    if ((o->present & MIP6TLS_MHO_NAT_DETECT) && o->nat_f > 1)
        return MIP6TLS_ERR_ARG;
    if ((o->present & MIP6TLS_MHO_IPV4_COA) && o->ipv4_coa.family != MIP6TLS_AF_INET)
        return MIP6TLS_ERR_ARG;
    return 0;
}

/* Writes (or measures) the whole message, checksum zero. Returns its length. */
static size_t mh_write(const mip6tls_mh_msg *m, uint8_t *out)
{
    const mip6tls_mh_opts *o = &m->opt;
    mh_writer w;
    size_t i;
    w.out = out;
    w.n = 0;
    /* RFC 6275 §6.1.1: Payload Proto, Header Len (filled in below), MH Type, Reserved,
     * Checksum. */
    mh_put8(&w, MIP6TLS_MH_PAYLOAD_PROTO);
    mh_put8(&w, 0);
    mh_put8(&w, m->type);
    mh_put8(&w, 0);
    mh_put16(&w, 0);
    switch (m->type) {
    /* RFC 6275 §6.1.2: Reserved */
    case MIP6TLS_MH_BRR: mh_put16(&w, 0); break;
    case MIP6TLS_MH_BU: /* RFC 6275 §6.1.7 */
        mh_put16(&w, m->bu.seq);
        mh_put16(&w, m->bu.flags);
        mh_put16(&w, m->bu.lifetime);
        break;
    case MIP6TLS_MH_BA: /* RFC 6275 §6.1.8 */
        mh_put8(&w, m->ba.status);
        mh_put8(&w, m->ba.flags);
        mh_put16(&w, m->ba.seq);
        mh_put16(&w, m->ba.lifetime);
        break;
    default: /* MIP6TLS_MH_BE, RFC 6275 §6.1.9 */
        mh_put8(&w, m->be.status);
        mh_put8(&w, 0);
        mh_put(&w, m->be.home_addr.bytes, 16);
        break;
    }
    for (i = 0; i < MH_NRULES; i++) {
        const mh_opt_rule *r = &mh_rules[i];
        if ((o->present & r->bit) == 0)
            continue;
        mh_pad(&w, r->align_x, r->align_y);
        mh_put8(&w, r->type);
        mh_put8(&w, r->len);
        switch (r->type) {
        case MIP6TLS_MHOPT_REFRESH_ADVICE: mh_put16(&w, o->refresh_interval); break;
        case MIP6TLS_MHOPT_ALT_COA: mh_put(&w, o->alt_coa.bytes, 16); break;
        case MIP6TLS_MHOPT_IPV4_HOA:
            mh_put8(&w, (uint8_t)(o->ipv4_hoa_plen << 2 | o->ipv4_hoa_p << 1));
            mh_put8(&w, 0);
            mh_put(&w, o->ipv4_hoa.bytes, 4);
            break;
        case MIP6TLS_MHOPT_IPV4_ACK:
            mh_put8(&w, o->ipv4_ack_status);
            mh_put8(&w, (uint8_t)(o->ipv4_ack_plen << 2));
            mh_put(&w, o->ipv4_ack_hoa.bytes, 4);
            break;
        case MIP6TLS_MHOPT_NAT_DETECT:
            mh_put8(&w, (uint8_t)(o->nat_f << 7));
            mh_put8(&w, 0);
            mh_put32(&w, o->nat_refresh);
            break;
        default: /* MIP6TLS_MHOPT_IPV4_COA */
            mh_put16(&w, 0);
            mh_put(&w, o->ipv4_coa.bytes, 4);
            break;
        }
    }
    mh_pad(&w, 8, 0); /* RFC 6275 §6.1.1: "MUST be a multiple of 8 octets" */
    if (out != NULL)
        out[1] = (uint8_t)(w.n / 8 - 1);
    return w.n;
}

int mip6tls_mh_encode(const mip6tls_mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
                      uint8_t *out, size_t cap)
{
    size_t n;
    int rc;
    if (src == NULL || dst == NULL)
        return MIP6TLS_ERR_ARG;
    rc = mh_check(m);
    if (rc < 0)
        return rc;
    /* At most 24 + 6 options of at most 24 octets each: far below MIP6TLS_MH_MAX_LEN. */
    n = mh_write(m, NULL);
    if (n > cap)
        return MIP6TLS_ERR_NOBUF;
    mh_write(m, out);
    mip6tls_put16(out + 4, mip6tls_mh_checksum(out, n, src, dst));
    return (int)n;
}

/* ---- the Destination Options / Home Address chain ---- */

int mip6tls_mh_encode_chain(const mip6tls_mh_msg *m, const uint8_t *hoa, const uint8_t src[16],
                            const uint8_t dst[16], uint8_t *out, size_t cap)
{
    int rc;
    if (hoa == NULL)
        return mip6tls_mh_encode(m, src, dst, out, cap);
    if (src == NULL || dst == NULL)
        return MIP6TLS_ERR_ARG;
    rc = mh_check(m);
    if (rc < 0)
        return rc;
    if (cap < MIP6TLS_HAO_HDR_LEN)
        return MIP6TLS_ERR_NOBUF;
    /* RFC 8200 §4.6 header; RFC 6275 §6.3: the HAO at 8n+6, so PadN of 2 octets after the
     * 2-octet header; 2 + 4 + 18 = 24 octets, Hdr Ext Len 2. */
    rc = mip6tls_mh_encode(m, hoa, dst, out + MIP6TLS_HAO_HDR_LEN, cap - MIP6TLS_HAO_HDR_LEN);
    if (rc < 0)
        return rc;
    out[0] = MIP6TLS_MH_NEXT_HEADER;
    out[1] = MIP6TLS_HAO_HDR_LEN / 8 - 1;
    out[2] = MIP6TLS_MHOPT_PADN; /* IPv6 PadN (RFC 8200 §4.2) has the same code, 1 */
    out[3] = 2;
    out[4] = 0;
    out[5] = 0;
    out[6] = MIP6TLS_HAO_TYPE;
    out[7] = MIP6TLS_HAO_LEN;
    memcpy(out + 8, hoa, 16);
    return MIP6TLS_HAO_HDR_LEN + rc;
}

/* Parses a Destination Options header at buf[0..len): its length and, if present, the HAO. */
static int mh_parse_dstopts(const uint8_t *buf, size_t len, size_t *hlen, const uint8_t **hao)
{
    size_t n, off;
    if (len < 2)
        return MIP6TLS_ERR_TRUNCATED;
    n = ((size_t)buf[1] + 1) * 8; /* RFC 8200 §4.6: Hdr Ext Len in 8-octet units, minus 1 */
    if (len < n)
        return MIP6TLS_ERR_TRUNCATED;
    if (buf[0] != MIP6TLS_MH_NEXT_HEADER) /* RFC 6618 §6.3: only the MH may follow */
        return MIP6TLS_ERR_TYPE;
    *hao = NULL;
    off = 2;
    while (off < n) {
        uint8_t t = buf[off], l;
        if (t == 0) { /* Pad1, RFC 8200 §4.2 */
            off++;
            continue;
        }
        if (n - off < 2 || (size_t)buf[off + 1] > n - off - 2)
            return MIP6TLS_ERR_LENGTH;
        l = buf[off + 1];
        if (t == MIP6TLS_HAO_TYPE) {
            if (l != MIP6TLS_HAO_LEN) /* RFC 6275 §6.3: "MUST be set to 16" */
                return MIP6TLS_ERR_LENGTH;
            if (off % 8 != 6) /* RFC 6275 §6.3: 8n+6 */
                return MIP6TLS_ERR_ALIGN;
            if (*hao != NULL) /* RFC 6275 §6.3: "MUST NOT appear more than once" */
                return MIP6TLS_ERR_DUPLICATE;
            *hao = buf + off + 2;
        } else if (t != 1 && (t >> 6) != 0) {
            /* RFC 8200 §4.2: an unrecognised option whose two high-order bits are not 00
             * means "discard the packet". 00 and PadN (1) are skipped. */
            return MIP6TLS_ERR_TYPE;
        }
        off += 2 + (size_t)l;
    }
    *hlen = n;
    return 0;
}

int mip6tls_mh_decode_chain(uint8_t next_header, const uint8_t *buf, size_t len, const uint8_t *src,
                            const uint8_t *dst, mip6tls_mh_msg *m, mip6tls_addr *hoa)
{
    mip6tls_mh_msg r;
    const uint8_t *h = NULL;
    size_t hl = 0;
    int rc;
    if ((src == NULL) != (dst == NULL))
        return MIP6TLS_ERR_ARG;
    if (next_header == MIP6TLS_IPPROTO_DSTOPTS) {
        rc = mh_parse_dstopts(buf, len, &hl, &h);
        if (rc < 0)
            return rc;
    } else if (next_header != MIP6TLS_MH_NEXT_HEADER) {
        return MIP6TLS_ERR_TYPE; /* RFC 6618 §6.3: the MH, or headers that precede it */
    }
    /* RFC 6275 §6.1.1: with a Home Address option the home address is the pseudo-header's
     * source. */
    rc = mip6tls_mh_decode(buf + hl, len - hl, (src != NULL && h != NULL) ? h : src, dst, &r);
    if (rc < 0)
        return rc;
    *m = r;
    memset(hoa, 0, sizeof *hoa);
    if (h != NULL)
        mip6tls_addr_set6(hoa, h);
    return 0;
}
