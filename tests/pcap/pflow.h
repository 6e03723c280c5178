/*
 * pflow.h: reading RFC 6618 message sequences out of packet captures, for mip6tls-pcap-flow
 * and the pcap regression tests (pcaps/README.md, docs/testing.md).
 *
 * Four layers, each usable alone (the unit tests in test_pflow.c feed each one crafted bytes):
 *   - esp_sa files: Wireshark's `esp_sa` UAT rows as the scenarios write them (one SA
 *     direction per row), parsed strictly into the core's mip6tls_esp_keys;
 *   - link layers: a captured frame (Ethernet, raw IP, PPP, Linux cooked, 802.11 with or
 *     without radiotap) to the IPv4/IPv6 packet it carries;
 *   - decoding: an IP packet to a record (TCP to or from the HAC port; UDP on the service port
 *     with the RFC 6618 encapsulation header, ESP opened with the esp_sa keys and the inner
 *     Mobility Header or IP packet decoded), all with the core's own decoders;
 *   - flows: every record of a capture (read with libpcap), one canonical line each, and the
 *     comparison of two flows (aligned line by line, then timing within a tolerance).
 *
 * Everything here is test tooling (malloc and stdio are fine); the core stays I/O-free.
 */
#ifndef MIP6TLS_PFLOW_H
#define MIP6TLS_PFLOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mip6tls/common.h"
#include "mip6tls/esp.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

#define PFLOW_LINE_MAX 400 /* one canonical line, NUL included */
#define PFLOW_ERR_MAX 200  /* error messages written into caller buffers */

/* ---- esp_sa files ------------------------------------------------------------------------ */

/* One row: the SA of one direction, for packets whose outer source and destination match
 * (family MIP6TLS_AF_NONE: "*") and whose first 32-bit word is `spi_word` (PType << 28 | SPI,
 * which is what Wireshark takes as the ESP SPI). `keys` holds the row's keys in both
 * directions, so an SA set up from it opens the packets either way. */
typedef struct {
    uint8_t family; /* MIP6TLS_AF_INET or MIP6TLS_AF_INET6 ("IPv4", "IPv6") */
    mip6tls_addr src, dst;
    uint32_t spi_word;
    mip6tls_esp_keys keys;
    unsigned line; /* where the row was in its file (1-based) */
} pflow_sa_row;

typedef struct {
    pflow_sa_row *rows;
    size_t n, cap;
    mip6tls_esp_impl impl;
} pflow_sa_table;

void pflow_sa_init(pflow_sa_table *t);
void pflow_sa_free(pflow_sa_table *t);

/*
 * Parses esp_sa text[0..len) and appends its rows to `t`. The syntax is what the scenarios
 * write and Wireshark reads (one row per line; empty lines and lines starting with '#' are
 * skipped):
 *   "Protocol","Src IP","Dest IP","SPI","Encryption","Encryption Key","Authentication",
 *   "Authentication Key"   (all on one line)
 * Protocol "IPv4" or "IPv6"; addresses "*" or one address of that family; SPI "0x"
 * and 1-8 hex digits, PType 1 or 8 in the top nibble and an SPI of 1..2^28-1 below it; keys
 * "" or "0x" and hex digits. Encryption and authentication name the suite (pflow.c has the
 * table; "ANY 96 bit authentication [no checking]" with a 16-octet key is AES-XCBC-MAC-96,
 * which tshark 4.0 cannot check); the key lengths must be the suite's.
 * Returns 0, or -1 with "LINE: what is wrong" in err[errcap]; on error `t` is unchanged.
 */
int pflow_sa_parse(pflow_sa_table *t, const char *text, size_t len, char *err, size_t errcap);

/* pflow_sa_parse() of the file at `path`; err says "PATH:LINE: ..." or why it cannot be read. */
int pflow_sa_load(pflow_sa_table *t, const char *path, char *err, size_t errcap);

/* The first row for a packet from `src` to `dst` starting with `spi_word`, or NULL. */
const pflow_sa_row *pflow_sa_find(const pflow_sa_table *t, const mip6tls_addr *src,
                                  const mip6tls_addr *dst, uint32_t spi_word);

/* Opens the protected packet pkt[0..len) (the UDP payload) in place with the row found for
 * it. A fresh SA is set up for every packet, so a frame captured twice opens twice (no
 * replay state across frames). Returns 0 and fills *out (and *row when not NULL), or
 * MIP6TLS_ERR_NOTFOUND (no row), or the error of mip6tls_esp_sa_init / mip6tls_esp_open. */
int pflow_sa_open(const pflow_sa_table *t, const mip6tls_addr *src, const mip6tls_addr *dst,
                  uint8_t *pkt, size_t len, mip6tls_esp_plain *out, const pflow_sa_row **row);

/* ---- link layers ------------------------------------------------------------------------- */

/* The IP packet a frame carries. */
typedef struct {
    const uint8_t *ip; /* view into the frame */
    size_t len;        /* to the end of the captured frame (trailers such as an FCS included) */
    uint8_t retry;     /* 802.11 Retry flag: a retransmission of an earlier frame */
} pflow_l3;

/* 1 when pflow_link_ip() knows the libpcap link type `dlt`. */
int pflow_link_supported(int dlt);

/* Finds the IPv4 or IPv6 packet in frame[0..caplen) of link type `dlt`. Returns 1 and fills
 * *out; 0 for a frame that carries something else (ARP, 802.11 management and control
 * frames, null data); -1 for a frame that cannot be read, with the reason in *why (a
 * constant string). */
int pflow_link_ip(int dlt, const uint8_t *frame, size_t caplen, pflow_l3 *out, const char **why);

/* ---- decoding ---------------------------------------------------------------------------- */

typedef enum {
    PFLOW_K_TCP = 1, /* TCP to or from the HAC port */
    PFLOW_K_ENCAP,   /* UDP to or from the service port */
    PFLOW_K_OTHER,   /* any other IP packet (listed only with `all`) */
    PFLOW_K_BAD      /* a frame or packet that does not decode */
} pflow_kind;

/* What is inside an opened (or PType 0) packet. */
typedef enum {
    PFLOW_I_NONE = 0, /* not opened */
    PFLOW_I_MH,       /* PType 8: a Mobility Header chain */
    PFLOW_I_IP,       /* PType 0 / 1: an inner IP packet */
    PFLOW_I_BAD       /* opened, but the inner content does not decode (inner_rc) */
} pflow_inner;

/* TCP flags (RFC 9293 §3.1). */
#define PFLOW_TCP_FIN 0x01u
#define PFLOW_TCP_SYN 0x02u
#define PFLOW_TCP_RST 0x04u
#define PFLOW_TCP_PSH 0x08u
#define PFLOW_TCP_ACK 0x10u
#define PFLOW_TCP_URG 0x20u

/* One frame of a capture, decoded. */
typedef struct {
    int64_t t_ns;   /* capture timestamp (ns); flows make it relative to their origin */
    uint32_t frame; /* frame number in the capture, 1-based */
    uint8_t kind;   /* pflow_kind */
    uint8_t retry;  /* 802.11 retransmission */
    char bad[64];   /* PFLOW_K_BAD: why */
    mip6tls_endpoint src, dst;
    uint8_t proto; /* outer IP protocol */

    uint8_t tcp_flags;
    uint32_t tcp_len;   /* TCP payload octets */
    int8_t l4_cksum_ok; /* UDP/TCP checksum: 1 verified, 0 wrong */

    uint8_t keepalive; /* the one-octet 0xFF NAT keepalive (RFC 3948 §2.3), no header */
    int encap_rc;      /* mip6tls_encap_decode() */
    uint8_t ptype;
    uint32_t spi, seq;
    int esp_rc;              /* 0 opened (or PType 0); MIP6TLS_ERR_NOTFOUND: no esp_sa row; ... */
    uint8_t next_hdr;        /* ESP Next Header */
    uint8_t inner;           /* pflow_inner */
    int inner_rc;            /* PFLOW_I_BAD: the decoder's error */
    mip6tls_mh_msg mh;       /* PFLOW_I_MH (mh.raw is NULL: the view is gone) */
    mip6tls_addr hao;        /* Home Address option of the chain, family NONE when none */
    int8_t mh_cksum;         /* 1 verified, 0 wrong, -1 not checked (addresses unknown) */
    mip6tls_ip_info ip;      /* PFLOW_I_IP */
    uint16_t isport, idport; /* inner UDP/TCP ports (when ip.protocol is 6 or 17) */
    uint8_t icmp_type;       /* inner ICMP / ICMPv6 type (ip.protocol 1 or 58) */
    int8_t inner_cksum_ok;   /* inner UDP checksum: 1, 0, -1 not a UDP packet */
} pflow_rec;

/* Which frames are of interest. */
typedef struct {
    uint16_t hac_port; /* TCP port of the HAC, default MIP6TLS_DEFAULT_PORT */
    uint16_t udp_port; /* the RFC 6618 service port, default MIP6TLS_DEFAULT_PORT */
    int all;           /* also list every other IP packet (PFLOW_K_OTHER) */
} pflow_opts;

void pflow_opts_default(pflow_opts *o);

/* Decoding state across the frames of one capture: the home address each SPI's BU carried,
 * so that messages towards the MN can have their MH checksum verified (the pseudo-header is
 * {HoA, HA}, docs/decisions/0010-mh-checksum.md). */
typedef struct {
    pflow_opts opt;
    const pflow_sa_table *sas; /* may be NULL: nothing is opened */
    struct {
        uint32_t spi;
        mip6tls_addr hoa;
    } hoa[64];
    size_t n_hoa;
    uint8_t buf[65536]; /* scratch: a copy of each ESP packet, opened in place */
} pflow_decoder;

void pflow_decoder_init(pflow_decoder *d, const pflow_opts *o, const pflow_sa_table *sas);

/* Decodes the IP packet ip[0..len) (octets past its length are ignored) into *r (frame and
 * time are the caller's). Returns 1 when the packet is of interest (a record to list), 0
 * when it is not. Undecodable IP packets are records of kind PFLOW_K_BAD. */
int pflow_decode_ip(pflow_decoder *d, const uint8_t *ip, size_t len, pflow_rec *r);

/* ---- canonical lines --------------------------------------------------------------------- */

/* Values that differ from run to run only because they are random (SPIs, the MN's first BU
 * sequence number) are written by position when a pflow_norm is given: SPIs as s1, s2, ...
 * in order of first appearance, MH sequence numbers as b+N from the first BU of the same
 * home address (a BA, BE or BRR takes the base of the latest BU under its SPI). */
typedef struct {
    uint32_t spi[256];
    size_t n_spi;
    struct {
        mip6tls_addr hoa;
        uint16_t base;
    } base[64];
    size_t n_base;
    struct {
        uint32_t spi;
        size_t base; /* index into base[] */
    } last_bu[64];
    size_t n_last_bu;
} pflow_norm;

void pflow_norm_init(pflow_norm *n);

/* Writes the record's canonical line (without the time) into out[cap], truncated if it does
 * not fit. With `n` non-NULL random values are written by position (and `n` learns the new
 * ones); with NULL they are written as they are. Returns the length. */
size_t pflow_format(const pflow_rec *r, pflow_norm *n, char *out, size_t cap);

/* Writes ns as milliseconds rounded to a multiple of round_ns (>= 1), with as many decimals
 * as round_ns needs (1 ms: none, 1 us: three). */
void pflow_format_ms(int64_t ns, int64_t round_ns, char *out, size_t cap);

/* ---- flows ------------------------------------------------------------------------------- */

typedef struct {
    pflow_rec rec;
    char line[PFLOW_LINE_MAX];
    uint64_t hash; /* of line */
} pflow_entry;

typedef struct {
    pflow_entry *e;
    size_t n, cap;
    int dlt;
    uint32_t frames;   /* frames in the capture */
    int64_t origin_ns; /* subtracted from every time: the first frame's, or 0 */
    char path[256];
} pflow_flow;

void pflow_flow_init(pflow_flow *f);
void pflow_flow_free(pflow_flow *f);

/* Appends a record (with its time already relative). Returns 0 or -1 (out of memory). */
int pflow_flow_add(pflow_flow *f, const pflow_rec *r);

/* Reads the capture at `path` with libpcap and decodes every frame (pflow_link_ip, then
 * pflow_decode_ip), adding the records of interest. `abs_time` keeps the capture's own
 * timestamps; otherwise times are relative to the first frame. Returns 0, or -1 with the
 * reason in err (unreadable file, unsupported link type). */
int pflow_read_pcap(pflow_flow *f, const char *path, const pflow_sa_table *sas, const pflow_opts *o,
                    int abs_time, char *err, size_t errcap);

/* Writes every entry's canonical line (normalized when `normalize`) and its hash. */
void pflow_flow_lines(pflow_flow *f, int normalize);

/* Prints the flow: one "TIME  LINE" per entry (with `frames`, "TIME  #FRAME  LINE"), times per
 * pflow_format_ms. */
void pflow_flow_print(const pflow_flow *f, int64_t round_ns, int frames, FILE *out);

typedef struct {
    int64_t tol_ns;   /* timing tolerance, either way */
    int64_t round_ns; /* how times are printed */
    size_t context;   /* equal lines shown around a difference */
    size_t max_shown; /* differences printed at most (the counts are always complete) */
    int frames;       /* print frame numbers with the lines */
} pflow_cmp_opts;

void pflow_cmp_opts_default(pflow_cmp_opts *o);

/* What a comparison found. */
typedef struct {
    size_t only_golden, only_fresh; /* lines one side has and the other has not */
    size_t timing;                  /* aligned lines further apart than tol_ns */
    int64_t worst_ns;               /* the largest time difference among aligned lines */
} pflow_cmp_result;

/* Compares the lines of `golden` and `fresh` (both made by pflow_flow_lines() the same way):
 * aligns them (a shortest edit script, Myers 1986), then checks the time of every aligned
 * pair. Prints a readable report to `out` (may be NULL): the differences as a diff with
 * context ("-" golden, "+" fresh), then the timing differences. Returns 0 when equal, 1 when
 * not, -1 when out of memory. */
int pflow_compare(const pflow_flow *golden, const pflow_flow *fresh, const pflow_cmp_opts *o,
                  FILE *out, pflow_cmp_result *res);

#endif
