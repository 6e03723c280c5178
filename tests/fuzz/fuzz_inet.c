/*
 * fuzz_inet.c: the inner-packet parsers (inet.c).
 *
 * Input: an inner IPv4 or IPv6 packet, as the HA takes it out of a tunnel.
 *
 * Properties checked (__builtin_trap() on violation):
 *   - every parser is total and stays inside the input (ASan);
 *   - mip6tls_ip_parse() agrees with the version-specific parser it dispatches to;
 *   - a parsed IPv6 header rebuilds to the same 40 octets; a parsed IPv4 header without
 *     options rebuilds to the same 20 octets except possibly the checksum (0x0000 and 0xFFFF
 *     both verify), and the rebuilt header verifies;
 *   - a UDP payload whose checksum verifies rebuilds, from its ports and payload, to a
 *     datagram that verifies and carries the same ports and payload.
 * Seeds: tests/fuzz/corpus/inet/, written by `test_inet --write-corpus`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mip6tls/common.h"
#include "mip6tls/inet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void fz_udp(const uint8_t *seg, size_t len, const mip6tls_addr *src, const mip6tls_addr *dst)
{
    uint8_t out[0x10000];
    mip6tls_udp_hdr u, v;
    int n;
    (void)mip6tls_udp_parse(seg, len, NULL, NULL, &u);
    if (mip6tls_udp_parse(seg, len, src, dst, &u) != 0)
        return;
    fz_check(u.payload == seg + 8 && u.payload_len + 8 == u.length && u.length <= len);
    n = mip6tls_udp_build(src, u.sport, dst, u.dport, u.payload, u.payload_len, out, sizeof out);
    fz_check(n == (int)u.length);
    fz_check(mip6tls_udp_parse(out, (size_t)n, src, dst, &v) == 0);
    fz_check(v.sport == u.sport && v.dport == u.dport && v.length == u.length);
    fz_check(memcmp(v.payload, u.payload, u.payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mip6tls_ip_info info;
    mip6tls_ip6_hdr h6;
    mip6tls_ip4_hdr h4;
    uint8_t out[MIP6TLS_IP6_HDR_LEN];
    int r6, r4, ri;

    r6 = mip6tls_ip6_parse(data, size, &h6);
    r4 = mip6tls_ip4_parse(data, size, &h4);
    ri = mip6tls_ip_parse(data, size, &info);
    fz_check(r6 <= 0 && r4 <= 0 && ri <= 0);
    fz_check(!(r6 == 0 && r4 == 0)); /* one version nibble */

    if (r6 == 0) {
        fz_check(ri == 0 && info.version == 6 && info.total_len == h6.total_len);
        fz_check(h6.total_len <= size && h6.payload == data + MIP6TLS_IP6_HDR_LEN);
        fz_check(mip6tls_ip6_build(&h6, out, sizeof out) == MIP6TLS_IP6_HDR_LEN);
        fz_check(memcmp(out, data, MIP6TLS_IP6_HDR_LEN) == 0);
        if (h6.next_header == MIP6TLS_IPPROTO_UDP)
            fz_udp(h6.payload, h6.payload_len, &h6.src, &h6.dst);
    } else if (r4 == 0) {
        fz_check(ri == 0 && info.version == 4 && info.total_len == h4.total_len);
        fz_check(h4.total_len <= size && h4.payload + h4.payload_len == data + h4.total_len);
        fz_check(info.hdr_len == (size_t)h4.ihl * 4 && h4.options_len + 20 == info.hdr_len);
        if (h4.ihl == 5) {
            fz_check(mip6tls_ip4_build(&h4, out, sizeof out) == MIP6TLS_IP4_HDR_MIN);
            fz_check(memcmp(out, data, 10) == 0 && memcmp(out + 12, data + 12, 8) == 0);
            fz_check(mip6tls_cksum(out, MIP6TLS_IP4_HDR_MIN) == 0);
        }
        if (h4.protocol == MIP6TLS_IPPROTO_UDP &&
            (h4.frag & (MIP6TLS_IP4_MF | MIP6TLS_IP4_FRAG_OFFSET_MASK)) == 0)
            fz_udp(h4.payload, h4.payload_len, &h4.src, &h4.dst);
    } else {
        /* A bad IPv4 header checksum is the one drop-range error (MIP6TLS_ERR_CHECKSUM). */
        fz_check(ri < 0 && (MIP6TLS_ERR_IS_DECODE(ri) || ri == MIP6TLS_ERR_CHECKSUM));
        fz_check(ri == ((size > 0 && data[0] >> 4 == 6)   ? r6
                        : (size > 0 && data[0] >> 4 == 4) ? r4
                                                          : ri));
    }
    return 0;
}
