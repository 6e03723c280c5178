/*
 * fuzz_mh.c: the Mobility Header chain decoder (mh.c).
 *
 * Input: one selector octet, then the headers after the ESP header of a PType 8 packet. The
 * selector's low bit picks the first next header (0: Mobility Header 135, 1: Destination
 * Options 60); 0xFF passes 59, which must be refused.
 *
 * Properties checked (__builtin_trap() on violation):
 *   - the decoder is total and stays inside the input (ASan);
 *   - a decoded known message re-encodes (the decoder accepts nothing the encoder refuses),
 *     and decoding the re-encoding with checksum verification gives the same fields and the
 *     same home address;
 *   - the re-encoding is canonical: encoding the second decode gives the same octets;
 *   - the options iterator walks a decoded message to its end without error.
 * Seeds: tests/fuzz/corpus/mh/, written by `test_mh --write-corpus`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mip6tls/common.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t FZ_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
static const uint8_t FZ_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void fz_check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static int fz_addr_eq(const mip6tls_addr *a, const mip6tls_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

static int fz_same(const mip6tls_mh_msg *a, const mip6tls_mh_msg *b)
{
    const mip6tls_mh_opts *x = &a->opt, *y = &b->opt;
    if (a->type != b->type || a->known != b->known || a->payload_proto != b->payload_proto)
        return 0;
    switch (a->type) {
    case MIP6TLS_MH_BU:
        if (a->bu.seq != b->bu.seq || a->bu.flags != b->bu.flags ||
            a->bu.lifetime != b->bu.lifetime)
            return 0;
        break;
    case MIP6TLS_MH_BA:
        if (a->ba.status != b->ba.status || a->ba.flags != b->ba.flags || a->ba.seq != b->ba.seq ||
            a->ba.lifetime != b->ba.lifetime)
            return 0;
        break;
    case MIP6TLS_MH_BE:
        if (a->be.status != b->be.status || !fz_addr_eq(&a->be.home_addr, &b->be.home_addr))
            return 0;
        break;
    default: break;
    }
    if (x->present != y->present)
        return 0;
    if ((x->present & MIP6TLS_MHO_REFRESH_ADVICE) && x->refresh_interval != y->refresh_interval)
        return 0;
    if ((x->present & MIP6TLS_MHO_ALT_COA) && !fz_addr_eq(&x->alt_coa, &y->alt_coa))
        return 0;
    if ((x->present & MIP6TLS_MHO_IPV4_HOA) &&
        (!fz_addr_eq(&x->ipv4_hoa, &y->ipv4_hoa) || x->ipv4_hoa_plen != y->ipv4_hoa_plen ||
         x->ipv4_hoa_p != y->ipv4_hoa_p))
        return 0;
    if ((x->present & MIP6TLS_MHO_IPV4_ACK) &&
        (!fz_addr_eq(&x->ipv4_ack_hoa, &y->ipv4_ack_hoa) ||
         x->ipv4_ack_status != y->ipv4_ack_status || x->ipv4_ack_plen != y->ipv4_ack_plen))
        return 0;
    if ((x->present & MIP6TLS_MHO_NAT_DETECT) &&
        (x->nat_f != y->nat_f || x->nat_refresh != y->nat_refresh))
        return 0;
    if ((x->present & MIP6TLS_MHO_IPV4_COA) && !fz_addr_eq(&x->ipv4_coa, &y->ipv4_coa))
        return 0;
    return 1;
}

static void fz_walk(const mip6tls_mh_msg *m)
{
    mip6tls_mh_opt_iter it;
    mip6tls_mh_opt op;
    int rc;
    mip6tls_mh_opt_iter_init(&it, m);
    while ((rc = mip6tls_mh_opt_next(&it, &op)) == 1)
        fz_check(op.offset >= m->opts_off && op.offset < m->raw_len);
    /* Options of a decoded known message all fit; unknown types expose none. */
    fz_check(rc == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t enc[MIP6TLS_HAO_HDR_LEN + MIP6TLS_MH_MAX_LEN], enc2[sizeof enc];
    mip6tls_mh_msg m, m2;
    mip6tls_addr hoa, hoa2;
    uint8_t nh;
    int rc, n, n2;
    if (size < 1)
        return 0;
    nh = data[0] == 0xFF ? MIP6TLS_IPPROTO_NONE
         : (data[0] & 1) ? MIP6TLS_IPPROTO_DSTOPTS
                         : MIP6TLS_MH_NEXT_HEADER;
    /* With fixed addresses: exercises checksum verification (almost always ICV). */
    (void)mip6tls_mh_decode_chain(nh, data + 1, size - 1, FZ_SRC, FZ_DST, &m, &hoa);
    rc = mip6tls_mh_decode_chain(nh, data + 1, size - 1, NULL, NULL, &m, &hoa);
    if (nh == MIP6TLS_IPPROTO_NONE) {
        fz_check(rc == MIP6TLS_ERR_TYPE);
        return 0;
    }
    if (rc < 0) {
        fz_check(MIP6TLS_ERR_IS_DECODE(rc));
        return 0;
    }
    fz_check(m.raw >= data + 1 && m.raw + m.raw_len == data + size);
    fz_walk(&m);
    if (!m.known) {
        fz_check(mip6tls_mh_encode(&m, FZ_SRC, FZ_DST, enc, sizeof enc) == MIP6TLS_ERR_ARG);
        return 0;
    }
    n = mip6tls_mh_encode_chain(&m, hoa.family == MIP6TLS_AF_INET6 ? hoa.bytes : NULL, FZ_SRC,
                                FZ_DST, enc, sizeof enc);
    fz_check(n > 0);
    /* A Destination Options header without an HAO is not re-encoded: the MH comes first. */
    nh = hoa.family == MIP6TLS_AF_INET6 ? MIP6TLS_IPPROTO_DSTOPTS : MIP6TLS_MH_NEXT_HEADER;
    rc = mip6tls_mh_decode_chain(nh, enc, (size_t)n, FZ_SRC, FZ_DST, &m2, &hoa2);
    fz_check(rc == 0);
    fz_check(fz_same(&m, &m2));
    fz_check(fz_addr_eq(&hoa, &hoa2));
    fz_walk(&m2);
    n2 = mip6tls_mh_encode_chain(&m2, hoa2.family == MIP6TLS_AF_INET6 ? hoa2.bytes : NULL, FZ_SRC,
                                 FZ_DST, enc2, sizeof enc2);
    fz_check(n2 == n && memcmp(enc, enc2, (size_t)n) == 0);
    return 0;
}
