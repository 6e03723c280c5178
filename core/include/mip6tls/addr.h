/*
 * mip6tls/addr.h: text forms of addresses and prefixes.
 *
 * The HAC container (RFC 6618 §5.7) writes IPv6 addresses in full form, eight 1-4 digit hex
 * words and no "::" ("ip6-addr = 7( word ":" ) word"), and IPv4 addresses as dotted quads of
 * 1-3 digit decimals. Configuration files and logs use the usual compressed form (RFC 5952).
 * docs/decisions/0020-address-text.md records the choices the RFCs leave open.
 *
 * Every parser reads exactly `len` bytes of `s` (no NUL needed, none allowed): leading or
 * trailing bytes that are not part of the address (spaces included) make the text malformed.
 * On error a parser returns MIP6TLS_ERR_MALFORMED (or MIP6TLS_ERR_ARG for a bad `family`) and
 * leaves its outputs unchanged.
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

/* Parses an IPv4 dotted quad (four 1-3 digit decimals <= 255, no leading zeros, so "010" is not
 * taken for octal) or an IPv6 address in full or compressed form (RFC 4291 §2.2: 1-4 hex digits
 * per word, either case, at most one "::" standing for at least one zero word; an embedded
 * dotted quad in the last 32 bits is accepted). The family follows from the text: a ':' makes
 * it IPv6. Returns 0 or MIP6TLS_ERR_MALFORMED. */
int mip6tls_addr_parse(mip6tls_addr *a, const char *s, size_t len);

/* Strict RFC 6618 §5.7 syntax: "ip6-addr" (exactly eight 1-4 digit hex words of either case,
 * no "::", no embedded dotted quad) when `family` is MIP6TLS_AF_INET6; "ip4-addr" (four 1-3
 * digit decimals <= 255, leading zeros allowed as the grammar allows them, read as decimal)
 * when it is MIP6TLS_AF_INET. Returns 0, MIP6TLS_ERR_MALFORMED, or MIP6TLS_ERR_ARG when
 * `family` is neither. */
int mip6tls_addr_parse_wire(mip6tls_addr *a, int family, const char *s, size_t len);

/* Parses "addr/len". With `wire` non-zero: RFC 6618 §5.7 ip6-prefix / ip4-subnet, the address
 * in the strict syntax above of `family` (which must be MIP6TLS_AF_INET6 or MIP6TLS_AF_INET),
 * the length 1-2 digits for IPv4 and 1-3 digits for IPv6 (the RFC's "1*2DIGIT" cannot write
 * /100../128; see the decision record). With `wire` zero: the forms of mip6tls_addr_parse(),
 * `family` MIP6TLS_AF_NONE accepting either family, the length 1-3 digits. The length must be
 * <= 128 (IPv6) or <= 32 (IPv4). Address bits past the length are kept as written. */
int mip6tls_prefix_parse(mip6tls_addr *a, uint8_t *plen, int family, int wire, const char *s,
                         size_t len);

/* Writes the address as NUL-terminated text into out[cap]: RFC 5952 §4 form for IPv6 (lower
 * case, no leading zeros, the longest run of two or more zero words as "::", the first such
 * run on a tie; RFC 5952 §5 mixed notation "::ffff:a.b.c.d" for IPv4-mapped addresses), dotted
 * quad for IPv4. Returns the length written (without NUL), MIP6TLS_ERR_NOBUF (nothing
 * written) or MIP6TLS_ERR_ARG (family not set). */
int mip6tls_addr_format(const mip6tls_addr *a, char *out, size_t cap);

/* Same, in the RFC 6618 §5.7 wire form: eight lower-case hex words without leading zeros, no
 * "::", for IPv6; dotted quad without leading zeros for IPv4. */
int mip6tls_addr_format_wire(const mip6tls_addr *a, char *out, size_t cap);

/* Writes "addr/len" (wire form when `wire` is non-zero, else the form of
 * mip6tls_addr_format()). Returns the length written (without NUL), MIP6TLS_ERR_NOBUF, or
 * MIP6TLS_ERR_ARG (family not set, or plen above 128 / 32). */
int mip6tls_prefix_format(const mip6tls_addr *a, uint8_t plen, int wire, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
