/*
 * mip6tls/addr.h: text forms of addresses and prefixes.
 *
 * The HAC container (RFC 6618 §5.7) writes IPv6 addresses in full form, eight 1-4 digit hex
 * words and no "::" ("ip6-addr = 7( word ":" ) word"), and IPv4 addresses as dotted quads of
 * 1-3 digit decimals. Configuration files and logs use the usual compressed form (RFC 5952).
 */
#ifndef MIP6TLS_ADDR_H
#define MIP6TLS_ADDR_H

#include "mip6tls/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest text any formatter below writes, terminating NUL included
 * ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"). */
#define MIP6TLS_ADDR_TEXT_MAX 48

/* Parses `len` bytes of `s` (no NUL needed) as an IPv4 dotted quad or an IPv6 address in full
 * or compressed form (an embedded dotted quad in the last 32 bits is accepted).
 * Returns 0, or MIP6TLS_ERR_MALFORMED and leaves `*a` unchanged. */
int mip6tls_addr_parse(mip6tls_addr *a, const char *s, size_t len);

/* Strict RFC 6618 §5.7 syntax: "ip6-addr" (exactly eight words, no "::") when `family` is
 * MIP6TLS_AF_INET6, "ip4-addr" when it is MIP6TLS_AF_INET. */
int mip6tls_addr_parse_wire(mip6tls_addr *a, int family, const char *s, size_t len);

/* Parses "addr/len" (RFC 6618 §5.7 ip6-prefix / ip4-subnet, strict wire syntax when `wire` is
 * non-zero, the usual forms otherwise). The prefix length must be <= 128 (IPv6) or <= 32. */
int mip6tls_prefix_parse(mip6tls_addr *a, uint8_t *plen, int family, int wire, const char *s,
                         size_t len);

/* Writes the address as NUL-terminated text into out[cap]: RFC 5952 compressed form for IPv6,
 * dotted quad for IPv4. Returns the length written (without NUL), or MIP6TLS_ERR_NOBUF /
 * MIP6TLS_ERR_ARG (family not set). */
int mip6tls_addr_format(const mip6tls_addr *a, char *out, size_t cap);

/* Same, in the RFC 6618 §5.7 wire form: eight lower-case hex words without leading zeros, no
 * "::", for IPv6; dotted quad for IPv4. */
int mip6tls_addr_format_wire(const mip6tls_addr *a, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
