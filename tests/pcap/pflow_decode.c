/*
 * pflow_decode.c: one captured IP packet to a record, with the core's own decoders (inet.h,
 * encap.h, esp.h, mh.h), and a record to its canonical line.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mip6tls/addr.h"
#include "mip6tls/bytes.h"
#include "mip6tls/encap.h"
#include "pflow.h"

#define IPPROTO_TCP_ 6  /* RFC 9293 */
#define IPPROTO_ICMP_ 1 /* RFC 792 */
#define TCP_HDR_MIN 20  /* RFC 9293 §3.1 */

void pflow_opts_default(pflow_opts *o)
{
    memset(o, 0, sizeof *o);
    o->hac_port = MIP6TLS_DEFAULT_PORT;
    o->udp_port = MIP6TLS_DEFAULT_PORT;
}

void pflow_decoder_init(pflow_decoder *d, const pflow_opts *o, const pflow_sa_table *sas)
{
    memset(d, 0, sizeof *d);
    d->opt = *o;
    d->sas = sas;
}

static void dec_bad(pflow_rec *r, const char *fmt, ...)
{
    va_list ap;
    r->kind = PFLOW_K_BAD;
    va_start(ap, fmt);
    vsnprintf(r->bad, sizeof r->bad, fmt, ap);
    va_end(ap);
}

/* The home address the BUs under `spi` carry (for the checksums of messages to the MN). */
static const mip6tls_addr *dec_hoa(const pflow_decoder *d, uint32_t spi)
{
    for (size_t i = 0; i < d->n_hoa; i++)
        if (d->hoa[i].spi == spi)
            return &d->hoa[i].hoa;
    return NULL;
}

static void dec_learn_hoa(pflow_decoder *d, uint32_t spi, const mip6tls_addr *hoa)
{
    for (size_t i = 0; i < d->n_hoa; i++)
        if (d->hoa[i].spi == spi) {
            d->hoa[i].hoa = *hoa;
            return;
        }
    if (d->n_hoa < sizeof d->hoa / sizeof d->hoa[0]) {
        d->hoa[d->n_hoa].spi = spi;
        d->hoa[d->n_hoa].hoa = *hoa;
        d->n_hoa++;
    }
}

/* The Mobility Header chain of an opened PType 8 packet (RFC 6618 §6.3). The checksum is
 * verified over {HoA, HA} (docs/decisions/0010-mh-checksum.md) when both are known: the HA is
 * the outer address on its side when that is IPv6, the HoA the BU's Home Address option. */
static void dec_mh(pflow_decoder *d, pflow_rec *r, const uint8_t *buf, size_t len)
{
    mip6tls_mh_msg m;
    mip6tls_addr hao;
    int rc = mip6tls_mh_decode_chain(r->next_hdr, buf, len, NULL, NULL, &m, &hao);
    if (rc != 0) {
        r->inner = PFLOW_I_BAD;
        r->inner_rc = rc;
        return;
    }
    r->inner = PFLOW_I_MH;
    r->mh = m;
    r->mh.raw = NULL;
    r->hao = hao;
    r->mh_cksum = -1;
    int to_ha = m.type == MIP6TLS_MH_BU; /* the only message an MN sends */
    if (to_ha && hao.family == MIP6TLS_AF_INET6)
        dec_learn_hoa(d, r->spi, &hao);
    const mip6tls_addr *ha = to_ha ? &r->dst.addr : &r->src.addr;
    const mip6tls_addr *hoa = hao.family == MIP6TLS_AF_INET6 ? &hao : dec_hoa(d, r->spi);
    if (!m.known || ha->family != MIP6TLS_AF_INET6 || hoa == NULL)
        return;
    const uint8_t *src = to_ha ? hoa->bytes : ha->bytes, *dst = to_ha ? ha->bytes : hoa->bytes;
    rc = mip6tls_mh_decode_chain(r->next_hdr, buf, len, src, dst, &m, &hao);
    r->mh_cksum = rc == 0;
}

/* An inner IP packet (PType 0, RFC 6618 §6.4; or PType 1 after ESP). */
static void dec_inner_ip(pflow_rec *r, const uint8_t *buf, size_t len)
{
    mip6tls_ip_info ip;
    int rc = mip6tls_ip_parse(buf, len, &ip);
    if (rc == 0 && r->ptype == MIP6TLS_PTYPE_DATA &&
        r->next_hdr != (ip.version == 6 ? MIP6TLS_IPPROTO_IPV6 : MIP6TLS_IPPROTO_IPIP))
        rc = MIP6TLS_ERR_TYPE; /* §6.4: Next Header 41 for IPv6, 4 for IPv4 */
    if (rc != 0) {
        r->inner = PFLOW_I_BAD;
        r->inner_rc = rc;
        return;
    }
    r->inner = PFLOW_I_IP;
    r->ip = ip;
    r->inner_cksum_ok = -1;
    const uint8_t *l4 = buf + ip.hdr_len;
    size_t l4len = ip.total_len - ip.hdr_len;
    if (ip.protocol == MIP6TLS_IPPROTO_UDP) {
        mip6tls_udp_hdr u;
        if (mip6tls_udp_parse(l4, l4len, NULL, NULL, &u) == 0) {
            r->isport = u.sport;
            r->idport = u.dport;
            r->inner_cksum_ok = mip6tls_udp_parse(l4, l4len, &ip.src, &ip.dst, &u) == 0;
        }
    } else if (ip.protocol == IPPROTO_TCP_ && l4len >= 4) {
        r->isport = mip6tls_get16(l4);
        r->idport = mip6tls_get16(l4 + 2);
    } else if ((ip.protocol == MIP6TLS_IPPROTO_ICMPV6 || ip.protocol == IPPROTO_ICMP_) &&
               l4len >= 1) {
        r->icmp_type = l4[0];
    }
}

/* UDP on the service port: the RFC 6618 encapsulation header, then ESP or a plain packet. */
static void dec_encap(pflow_decoder *d, pflow_rec *r, const uint8_t *pl, size_t plen)
{
    mip6tls_encap_hdr h;
    r->kind = PFLOW_K_ENCAP;
    if (plen == 1 && pl[0] == 0xFF) { /* the MN's NAT keepalive (RFC 3948 §2.3, as core/mn.c) */
        r->keepalive = 1;
        return;
    }
    r->encap_rc = mip6tls_encap_decode(pl, plen, &h);
    if (r->encap_rc != 0)
        return;
    r->ptype = h.ptype;
    r->spi = h.spi;
    r->seq = h.seq;
    if (h.ptype == MIP6TLS_PTYPE_PLAIN) {
        dec_inner_ip(r, h.body, h.body_len);
        return;
    }
    memcpy(d->buf, pl, plen); /* opened in place; a UDP payload is below 64 KiB */
    mip6tls_esp_plain p;
    r->esp_rc = d->sas ? pflow_sa_open(d->sas, &r->src.addr, &r->dst.addr, d->buf, plen, &p, NULL)
                       : MIP6TLS_ERR_NOTFOUND;
    if (r->esp_rc != 0)
        return;
    r->next_hdr = p.next_header;
    if (h.ptype == MIP6TLS_PTYPE_MH)
        dec_mh(d, r, p.payload, p.len);
    else
        dec_inner_ip(r, p.payload, p.len);
}

int pflow_decode_ip(pflow_decoder *d, const uint8_t *pkt, size_t len, pflow_rec *r)
{
    int64_t t = r->t_ns;
    uint32_t frame = r->frame;
    uint8_t retry = r->retry;
    memset(r, 0, sizeof *r);
    r->t_ns = t;
    r->frame = frame;
    r->retry = retry;
    r->l4_cksum_ok = -1;
    r->mh_cksum = -1;
    r->inner_cksum_ok = -1;

    mip6tls_ip_info ip;
    int rc = mip6tls_ip_parse(pkt, len, &ip);
    if (rc != 0) {
        dec_bad(r, "IP packet: %s", mip6tls_strerror(rc));
        return 1;
    }
    r->src.addr = ip.src;
    r->dst.addr = ip.dst;
    r->proto = ip.protocol;
    const uint8_t *l4 = pkt + ip.hdr_len;
    size_t l4len = ip.total_len - ip.hdr_len;
    if (ip.version == 4) {
        mip6tls_ip4_hdr h4;
        if (mip6tls_ip4_parse(pkt, len, &h4) == 0 &&
            (h4.frag & (MIP6TLS_IP4_MF | MIP6TLS_IP4_FRAG_OFFSET_MASK)) != 0) {
            r->kind = PFLOW_K_OTHER; /* a fragment: its ports are not where they would be */
            return d->opt.all;
        }
    }

    if (ip.protocol == IPPROTO_TCP_) {
        if (l4len < TCP_HDR_MIN) {
            dec_bad(r, "TCP: %s", mip6tls_strerror(MIP6TLS_ERR_TRUNCATED));
            return 1;
        }
        r->src.port = mip6tls_get16(l4);
        r->dst.port = mip6tls_get16(l4 + 2);
        size_t off = (size_t)(l4[12] >> 4) * 4;
        if (off < TCP_HDR_MIN || off > l4len) {
            dec_bad(r, "TCP: bad data offset %zu", off);
            return 1;
        }
        r->tcp_flags = l4[13];
        r->tcp_len = (uint32_t)(l4len - off);
        r->l4_cksum_ok = mip6tls_inet_ulp_cksum(&ip.src, &ip.dst, IPPROTO_TCP_, l4, l4len) == 0;
        int hac = r->src.port == d->opt.hac_port || r->dst.port == d->opt.hac_port;
        r->kind = hac ? PFLOW_K_TCP : PFLOW_K_OTHER;
        return hac || d->opt.all;
    }
    if (ip.protocol == MIP6TLS_IPPROTO_UDP) {
        mip6tls_udp_hdr u;
        rc = mip6tls_udp_parse(l4, l4len, NULL, NULL, &u);
        if (rc != 0) {
            dec_bad(r, "UDP: %s", mip6tls_strerror(rc));
            return 1;
        }
        r->src.port = u.sport;
        r->dst.port = u.dport;
        r->l4_cksum_ok = mip6tls_udp_parse(l4, l4len, &ip.src, &ip.dst, &u) == 0;
        if (u.sport != d->opt.udp_port && u.dport != d->opt.udp_port) {
            r->kind = PFLOW_K_OTHER;
            return d->opt.all;
        }
        dec_encap(d, r, u.payload, u.payload_len);
        return 1;
    }
    if ((ip.protocol == MIP6TLS_IPPROTO_ICMPV6 || ip.protocol == IPPROTO_ICMP_) && l4len >= 1)
        r->icmp_type = l4[0];
    r->kind = PFLOW_K_OTHER;
    return d->opt.all;
}

/* ---- canonical lines --------------------------------------------------------------------- */

void pflow_norm_init(pflow_norm *n)
{
    memset(n, 0, sizeof *n);
}

/* s1, s2, ... by first appearance; 0 when the table is full (then the raw value is used). */
static size_t norm_spi(pflow_norm *n, uint32_t spi)
{
    for (size_t i = 0; i < n->n_spi; i++)
        if (n->spi[i] == spi)
            return i + 1;
    if (n->n_spi == sizeof n->spi / sizeof n->spi[0])
        return 0;
    n->spi[n->n_spi++] = spi;
    return n->n_spi;
}

/* The index + 1 of the sequence base for a message, 0 when there is none. A BU sets or finds
 * the base of its home address (its SPI when it has no Home Address option) and becomes the
 * latest BU under its SPI; other messages use that latest BU's base. */
static size_t norm_base(pflow_norm *n, const pflow_rec *r)
{
    if (r->mh.type != MIP6TLS_MH_BU) {
        for (size_t i = 0; i < n->n_last_bu; i++)
            if (n->last_bu[i].spi == r->spi)
                return n->last_bu[i].base + 1;
        return 0;
    }
    mip6tls_addr key = r->hao;
    if (key.family == MIP6TLS_AF_NONE)
        mip6tls_put32(key.bytes, r->spi); /* no HAO: one base per SPI */
    size_t b;
    for (b = 0; b < n->n_base; b++)
        if (memcmp(&n->base[b].hoa, &key, sizeof key) == 0)
            break;
    if (b == n->n_base) {
        if (n->n_base == sizeof n->base / sizeof n->base[0])
            return 0;
        n->base[b].hoa = key;
        n->base[b].base = r->mh.bu.seq;
        n->n_base++;
    }
    size_t i;
    for (i = 0; i < n->n_last_bu; i++)
        if (n->last_bu[i].spi == r->spi)
            break;
    if (i == n->n_last_bu) {
        if (n->n_last_bu == sizeof n->last_bu / sizeof n->last_bu[0])
            return b + 1;
        n->last_bu[i].spi = r->spi;
        n->n_last_bu++;
    }
    n->last_bu[i].base = b;
    return b + 1;
}

/* A bounded appender: writes what fits, always NUL-terminated, remembers the full length. */
typedef struct {
    char *out;
    size_t cap, len;
} fmt_buf;

static void put(fmt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->out + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static void put_addr(fmt_buf *b, const mip6tls_addr *a)
{
    char t[MIP6TLS_ADDR_TEXT_MAX];
    if (mip6tls_addr_format(a, t, sizeof t) < 0)
        snprintf(t, sizeof t, "?");
    put(b, "%s", t);
}

static void put_ep(fmt_buf *b, const mip6tls_addr *a, uint16_t port)
{
    if (a->family == MIP6TLS_AF_INET6)
        put(b, "[");
    put_addr(b, a);
    put(b, a->family == MIP6TLS_AF_INET6 ? "]:%u" : ":%u", (unsigned)port);
}

static void put_proto(fmt_buf *b, uint8_t proto, const mip6tls_addr *s, uint16_t sp,
                      const mip6tls_addr *d, uint16_t dp, uint8_t icmp_type)
{
    switch (proto) {
    case MIP6TLS_IPPROTO_UDP:
    case IPPROTO_TCP_:
        put(b, "%s ", proto == IPPROTO_TCP_ ? "tcp" : "udp");
        put_ep(b, s, sp);
        put(b, " > ");
        put_ep(b, d, dp);
        return;
    case MIP6TLS_IPPROTO_ICMPV6:
    case IPPROTO_ICMP_:
        put(b, "%s type %u ", proto == IPPROTO_ICMP_ ? "icmp" : "icmp6", (unsigned)icmp_type);
        break;
    default: put(b, "proto %u ", (unsigned)proto);
    }
    put_addr(b, s);
    put(b, " > ");
    put_addr(b, d);
}

static void put_spi(fmt_buf *b, pflow_norm *n, uint32_t spi)
{
    size_t k = n ? norm_spi(n, spi) : 0;
    if (k)
        put(b, "spi s%zu", k);
    else
        put(b, "spi 0x%x", (unsigned)spi);
}

static void put_flags(fmt_buf *b, unsigned flags, const char *letters, unsigned top, int nbits)
{
    put(b, " flags ");
    int any = 0;
    for (int i = 0; i < nbits; i++)
        if (flags & (top >> i)) {
            put(b, "%c", letters[i]);
            any = 1;
        }
    unsigned rest = flags & ~((top << 1) - (top >> (nbits - 1)));
    if (rest)
        put(b, "%s0x%x", any ? "+" : "", rest);
    else if (!any)
        put(b, "-");
}

static void put_opts(fmt_buf *b, const mip6tls_mh_opts *o)
{
    if (o->present & MIP6TLS_MHO_REFRESH_ADVICE)
        put(b, " refresh-advice %us", (unsigned)o->refresh_interval * 4);
    if (o->present & MIP6TLS_MHO_ALT_COA) {
        put(b, " alt-coa ");
        put_addr(b, &o->alt_coa);
    }
    if (o->present & MIP6TLS_MHO_IPV4_HOA) {
        put(b, " ipv4-hoa ");
        put_addr(b, &o->ipv4_hoa);
        put(b, "/%u%s", (unsigned)o->ipv4_hoa_plen, o->ipv4_hoa_p ? " P" : "");
    }
    if (o->present & MIP6TLS_MHO_IPV4_ACK) {
        put(b, " ipv4-ack status %u ", (unsigned)o->ipv4_ack_status);
        put_addr(b, &o->ipv4_ack_hoa);
        put(b, "/%u", (unsigned)o->ipv4_ack_plen);
    }
    if (o->present & MIP6TLS_MHO_NAT_DETECT)
        put(b, " nat-detect F=%u refresh %lu", (unsigned)o->nat_f, (unsigned long)o->nat_refresh);
    if (o->present & MIP6TLS_MHO_IPV4_COA) {
        put(b, " ipv4-coa ");
        put_addr(b, &o->ipv4_coa);
    }
}

static void put_mh(fmt_buf *b, pflow_norm *n, const pflow_rec *r)
{
    const mip6tls_mh_msg *m = &r->mh;
    size_t base = n ? norm_base(n, r) : 0;
    uint16_t seq = m->type == MIP6TLS_MH_BU ? m->bu.seq : m->ba.seq;
    char seqs[24];
    if (base)
        snprintf(seqs, sizeof seqs, "b+%u", (unsigned)(uint16_t)(seq - n->base[base - 1].base));
    else
        snprintf(seqs, sizeof seqs, "%u", (unsigned)seq);
    switch (m->known ? m->type : 255) {
    case MIP6TLS_MH_BU:
        put(b, "BU seq %s", seqs);
        put_flags(b, m->bu.flags, "AHLKMRPFT", MIP6TLS_BU_A, 9);
        put(b, " lifetime %lus", (unsigned long)mip6tls_mh_lifetime_s(m->bu.lifetime));
        break;
    case MIP6TLS_MH_BA:
        put(b, "BA status %u (%s) seq %s", (unsigned)m->ba.status,
            mip6tls_ba_status_name(m->ba.status), seqs);
        put_flags(b, m->ba.flags, "KRPT", MIP6TLS_BA_K, 4);
        put(b, " lifetime %lus", (unsigned long)mip6tls_mh_lifetime_s(m->ba.lifetime));
        break;
    case MIP6TLS_MH_BE:
        put(b, "BE status %u home ", (unsigned)m->be.status);
        put_addr(b, &m->be.home_addr);
        break;
    case MIP6TLS_MH_BRR: put(b, "BRR"); break;
    default: put(b, "MH type %u", (unsigned)m->type);
    }
    if (r->hao.family != MIP6TLS_AF_NONE) {
        put(b, " hao ");
        put_addr(b, &r->hao);
    }
    put_opts(b, &m->opt);
    if (r->mh_cksum == 0)
        put(b, " mh-cksum-bad");
}

static void put_tcp_len(fmt_buf *b, uint32_t len, int classes)
{
    if (!classes || len == 0)
        put(b, " len %lu", (unsigned long)len);
    else if (len < 100)
        put(b, " len 1-99");
    else if (len < 1000)
        put(b, " len 100-999");
    else
        put(b, " len 1000+");
}

size_t pflow_format(const pflow_rec *r, pflow_norm *n, char *out, size_t cap)
{
    fmt_buf b = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    if (r->kind == PFLOW_K_BAD && r->src.addr.family == MIP6TLS_AF_NONE) {
        put(&b, "undecodable frame: %s", r->bad);
        goto done;
    }
    if (r->kind == PFLOW_K_BAD) {
        put_addr(&b, &r->src.addr);
        put(&b, " > ");
        put_addr(&b, &r->dst.addr);
        put(&b, " undecodable: %s", r->bad);
        goto done;
    }
    if (r->kind == PFLOW_K_OTHER) {
        put(&b, "other ");
        put_proto(&b, r->proto, &r->src.addr, r->src.port, &r->dst.addr, r->dst.port, r->icmp_type);
        goto done;
    }
    put_ep(&b, &r->src.addr, r->src.port);
    put(&b, " > ");
    put_ep(&b, &r->dst.addr, r->dst.port);
    if (r->kind == PFLOW_K_TCP) {
        static const char letters[] = "SAFRPU";
        static const uint8_t bits[] = {PFLOW_TCP_SYN, PFLOW_TCP_ACK, PFLOW_TCP_FIN,
                                       PFLOW_TCP_RST, PFLOW_TCP_PSH, PFLOW_TCP_URG};
        put(&b, " tcp ");
        int any = 0;
        for (size_t i = 0; i < sizeof bits; i++)
            if (r->tcp_flags & bits[i]) {
                put(&b, "%c", letters[i]);
                any = 1;
            }
        if (!any)
            put(&b, "-");
        put_tcp_len(&b, r->tcp_len, n != NULL);
        if (r->l4_cksum_ok == 0)
            put(&b, " tcp-cksum-bad");
        goto done;
    }
    /* PFLOW_K_ENCAP */
    if (r->l4_cksum_ok == 0)
        put(&b, " udp-cksum-bad");
    if (r->keepalive) {
        put(&b, " nat-keepalive");
        goto done;
    }
    if (r->encap_rc != 0) {
        put(&b, " encap undecodable: %s", mip6tls_strerror(r->encap_rc));
        goto done;
    }
    put(&b, " ptype %u", (unsigned)r->ptype);
    if (r->ptype != MIP6TLS_PTYPE_PLAIN) {
        put(&b, " ");
        put_spi(&b, n, r->spi);
        put(&b, " seq %lu", (unsigned long)r->seq);
        if (r->esp_rc == MIP6TLS_ERR_NOTFOUND) {
            put(&b, " no-sa");
            goto done;
        }
        if (r->esp_rc != 0) {
            put(&b, " undecryptable: %s", mip6tls_strerror(r->esp_rc));
            goto done;
        }
    }
    put(&b, " ");
    switch (r->inner) {
    case PFLOW_I_MH: put_mh(&b, n, r); break;
    case PFLOW_I_IP:
        put(&b, "data ");
        put_proto(&b, r->ip.protocol, &r->ip.src, r->isport, &r->ip.dst, r->idport, r->icmp_type);
        if (r->inner_cksum_ok == 0)
            put(&b, " inner-cksum-bad");
        break;
    default:
        put(&b, "inner undecodable (next header %u): %s", (unsigned)r->next_hdr,
            mip6tls_strerror(r->inner_rc));
    }
done:
    if (r->retry)
        put(&b, " (802.11 retry)");
    return b.len < cap ? b.len : (cap ? cap - 1 : 0);
}

void pflow_format_ms(int64_t ns, int64_t round_ns, char *out, size_t cap)
{
    if (round_ns < 1)
        round_ns = 1;
    int neg = ns < 0;
    uint64_t a = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t r = (uint64_t)round_ns;
    a = (a + r / 2) / r * r;
    int dec = 0;
    for (uint64_t u = 1000000; u > r && dec < 6; u /= 10)
        dec++;
    uint64_t ms = a / 1000000, frac = a % 1000000;
    for (int i = dec; i < 6; i++)
        frac /= 10;
    if (dec)
        snprintf(out, cap, "%s%llu.%0*llu", neg && a ? "-" : "", (unsigned long long)ms, dec,
                 (unsigned long long)frac);
    else
        snprintf(out, cap, "%s%llu", neg && a ? "-" : "", (unsigned long long)ms);
}
