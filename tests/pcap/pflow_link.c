/*
 * pflow_link.c: from a captured frame to the IP packet in it, for the link types the
 * scenarios write (ns-3: Ethernet on CSMA, PPP on point-to-point links, radiotap + 802.11 on
 * Wi-Fi, raw IP on the tunnel devices) and what tcpdump writes on Linux hosts (Ethernet,
 * Linux cooked v1/v2).
 */
/* libpcap's headers use the BSD types u_int, u_char: glibc declares them with this. */
#define _DEFAULT_SOURCE
#include <string.h>

#include <pcap/pcap.h>

#include "mip6tls/bytes.h"
#include "pflow.h"

#define ETH_IPV4 0x0800u /* IEEE 802 EtherType registry */
#define ETH_IPV6 0x86DDu
#define ETH_VLAN 0x8100u      /* IEEE 802.1Q */
#define ETH_QINQ 0x88A8u      /* IEEE 802.1ad */
#define PPP_IPV4 0x0021u      /* RFC 1332 */
#define PPP_IPV6 0x0057u      /* RFC 5072 §3 */
#define LINKTYPE_RAW_FILE 101 /* LINKTYPE_RAW as stored in files; libpcap maps it to DLT_RAW */

int pflow_link_supported(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == LINKTYPE_RAW_FILE || dlt == DLT_IPV4 ||
           dlt == DLT_IPV6 || dlt == DLT_PPP || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
           dlt == DLT_IEEE802_11 || dlt == DLT_IEEE802_11_RADIO;
}

/* An EtherType (or PPP protocol mapped onto one) at frame[off]: 1 for IP, 0 for anything else. */
static int link_ethertype(uint16_t type, const uint8_t *frame, size_t caplen, size_t off,
                          pflow_l3 *out)
{
    if (type != ETH_IPV4 && type != ETH_IPV6)
        return 0;
    out->ip = frame + off;
    out->len = caplen - off;
    return 1;
}

/* 802.2 LLC with a SNAP header (RFC 1042): AA AA 03, OUI 00 00 00, EtherType. */
static int link_snap(const uint8_t *frame, size_t caplen, size_t off, pflow_l3 *out,
                     const char **why)
{
    if (caplen < off + 8) {
        *why = "truncated LLC/SNAP header";
        return -1;
    }
    const uint8_t *p = frame + off;
    if (p[0] != 0xAA || p[1] != 0xAA || p[2] != 0x03 || p[3] != 0 || p[4] != 0 || p[5] != 0)
        return 0; /* other LLC traffic */
    return link_ethertype(mip6tls_get16(p + 6), frame, caplen, off + 8, out);
}

static int link_ethernet(const uint8_t *frame, size_t caplen, pflow_l3 *out, const char **why)
{
    size_t off = 12;
    if (caplen < 14) {
        *why = "truncated Ethernet header";
        return -1;
    }
    uint16_t type = mip6tls_get16(frame + off);
    while (type == ETH_VLAN || type == ETH_QINQ) {
        off += 4;
        if (caplen < off + 2) {
            *why = "truncated VLAN tag";
            return -1;
        }
        type = mip6tls_get16(frame + off);
    }
    if (type < 0x0600) /* IEEE 802.3 length field: LLC follows */
        return link_snap(frame, caplen, off + 2, out, why);
    return link_ethertype(type, frame, caplen, off + 2, out);
}

/* PPP in HDLC-like framing (RFC 1662) as libpcap's DLT_PPP: optional FF 03, then a 1- or
 * 2-octet protocol field (RFC 1661 §2: an odd first octet is a compressed field). ns-3's
 * point-to-point devices write the 2-octet protocol alone. */
static int link_ppp(const uint8_t *frame, size_t caplen, pflow_l3 *out, const char **why)
{
    size_t off = 0;
    if (caplen >= 2 && frame[0] == 0xFF && frame[1] == 0x03)
        off = 2;
    if (caplen < off + 1) {
        *why = "truncated PPP header";
        return -1;
    }
    uint16_t proto;
    if (frame[off] & 1) {
        proto = frame[off];
        off += 1;
    } else {
        if (caplen < off + 2) {
            *why = "truncated PPP header";
            return -1;
        }
        proto = mip6tls_get16(frame + off);
        off += 2;
    }
    if (proto == PPP_IPV4)
        return link_ethertype(ETH_IPV4, frame, caplen, off, out);
    if (proto == PPP_IPV6)
        return link_ethertype(ETH_IPV6, frame, caplen, off, out);
    return 0;
}

/* IEEE 802.11 data frames (IEEE 802.11-2020 §9.2.4.1, §9.3.2.1): header, then LLC/SNAP. */
static int link_80211(const uint8_t *frame, size_t caplen, int data_pad, pflow_l3 *out,
                      const char **why)
{
    if (caplen < 2) {
        *why = "truncated 802.11 header";
        return -1;
    }
    uint8_t fc0 = frame[0], fc1 = frame[1];
    if ((fc0 & 0x03) != 0) {
        *why = "802.11 protocol version is not 0";
        return -1;
    }
    if (((fc0 >> 2) & 3) != 2) /* not a data frame: management, control (10-octet ACKs) */
        return 0;
    if (caplen < 24) {
        *why = "truncated 802.11 header";
        return -1;
    }
    uint8_t subtype = fc0 >> 4;
    if (subtype & 0x4) /* Null / QoS Null: no frame body */
        return 0;
    size_t hdr = 24;
    if ((fc1 & 0x03) == 0x03) /* To DS and From DS: Address 4 */
        hdr += 6;
    if (subtype & 0x8) { /* QoS data: QoS Control, and HT Control when Order is set */
        if (caplen < hdr + 2) {
            *why = "truncated 802.11 QoS Control";
            return -1;
        }
        if (frame[hdr] & 0x80) {
            *why = "802.11 A-MSDU (not supported)";
            return -1;
        }
        hdr += 2;
        if (fc1 & 0x80)
            hdr += 4;
    }
    if (data_pad) /* radiotap "data pad": the header is padded to 32 bits */
        hdr = (hdr + 3) & ~(size_t)3;
    if (fc1 & 0x40) {
        *why = "802.11 protected frame (no keys)";
        return -1;
    }
    out->retry = (fc1 & 0x08) != 0;
    return link_snap(frame, caplen, hdr, out, why);
}

/* Radiotap (radiotap.org): version, pad, length (LE), present bitmaps; the Flags field (bit
 * 1) says whether an FCS ends the frame, whether the FCS was bad and whether the 802.11 header
 * is padded. Only the TSFT field (bit 0, 8 octets, 8-aligned) can come before it. */
static int link_radiotap(const uint8_t *frame, size_t caplen, pflow_l3 *out, const char **why)
{
    if (caplen < 8 || frame[0] != 0) {
        *why = "bad radiotap header";
        return -1;
    }
    size_t len = (size_t)frame[2] | (size_t)frame[3] << 8;
    size_t off = 4;
    uint32_t present0 = (uint32_t)frame[4] | (uint32_t)frame[5] << 8 | (uint32_t)frame[6] << 16 |
                        (uint32_t)frame[7] << 24;
    uint32_t p = present0;
    for (;;) {
        off += 4;
        if (!(p & 0x80000000u))
            break;
        if (off + 4 > len || off + 4 > caplen) {
            *why = "bad radiotap header";
            return -1;
        }
        p = (uint32_t)frame[off] | (uint32_t)frame[off + 1] << 8 | (uint32_t)frame[off + 2] << 16 |
            (uint32_t)frame[off + 3] << 24;
    }
    if (len < off || len > caplen) {
        *why = "bad radiotap length";
        return -1;
    }
    uint8_t flags = 0;
    if (present0 & 0x2u) {
        if (present0 & 0x1u)
            off = ((off + 7) & ~(size_t)7) + 8;
        if (off >= len) {
            *why = "bad radiotap header";
            return -1;
        }
        flags = frame[off];
    }
    if (flags & 0x40) {
        *why = "802.11 frame with a bad FCS";
        return -1;
    }
    size_t end = caplen;
    if ((flags & 0x10) && end >= len + 4)
        end -= 4; /* the FCS */
    int rc = link_80211(frame + len, end - len, (flags & 0x20) != 0, out, why);
    return rc;
}

int pflow_link_ip(int dlt, const uint8_t *frame, size_t caplen, pflow_l3 *out, const char **why)
{
    memset(out, 0, sizeof *out);
    *why = "";
    if (dlt == DLT_EN10MB)
        return link_ethernet(frame, caplen, out, why);
    if (dlt == DLT_RAW || dlt == LINKTYPE_RAW_FILE || dlt == DLT_IPV4 || dlt == DLT_IPV6) {
        if (caplen < 1) {
            *why = "empty frame";
            return -1;
        }
        out->ip = frame;
        out->len = caplen;
        return 1;
    }
    if (dlt == DLT_PPP)
        return link_ppp(frame, caplen, out, why);
    if (dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2) {
        /* SLL: type, ARPHRD, address length, address (8), protocol at 14; SLL2: protocol at 0,
         * 20 octets in all (tcpdump.org linktypes). */
        size_t hlen = dlt == DLT_LINUX_SLL ? 16 : 20, poff = dlt == DLT_LINUX_SLL ? 14 : 0;
        if (caplen < hlen) {
            *why = "truncated Linux cooked header";
            return -1;
        }
        return link_ethertype(mip6tls_get16(frame + poff), frame, caplen, hlen, out);
    }
    if (dlt == DLT_IEEE802_11)
        return link_80211(frame, caplen, 0, out, why);
    if (dlt == DLT_IEEE802_11_RADIO)
        return link_radiotap(frame, caplen, out, why);
    *why = "unsupported link type";
    return -1;
}
