/* test_tun.c: a real TUN device with offloads (port-posix/lib/tun.c), in a network namespace
 * of the test's own (unshare; skipped without root). The kernel's side of the contract:
 *   - a UDP_SEGMENT send routed into the TUN comes out of px_tun_read() as the datagrams the
 *     socket would have sent one by one, with valid checksums (USO; or split by the kernel on
 *     kernels without it);
 *   - a TCP SYN the stack leaves unchecksummed (TUN_F_CSUM) comes out with its checksum;
 *   - segments of one UDP flow and of one TCP connection merged by px_tun_writer reach the
 *     local sockets intact: the kernel takes our super-packets.
 * Addresses: the TUN has 192.0.2.1/24; the far side is 192.0.2.2 (documentation range). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tun.h"

static int tun_fd = -1;
static uint8_t rbuf[PX_TUN_BUF];

static int if_up(const char *name, const char *addr)
{
    struct ifreq ifr;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    int ok = 0, fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return 0;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
    if (addr != NULL) {
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &sin->sin_addr);
        if (ioctl(fd, SIOCSIFADDR, &ifr) != 0)
            goto out;
        inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
        if (ioctl(fd, SIOCSIFNETMASK, &ifr) != 0)
            goto out;
    }
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ok = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    }
out:
    close(fd);
    return ok;
}

static int setup(void **state)
{
    char name[16];
    int ifindex;
    (void)state;
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 || !if_up("lo", NULL))
        return 0;
    tun_fd = px_tun_open("pxtest0", name, &ifindex);
    if (tun_fd >= 0 && !if_up(name, "192.0.2.1")) {
        close(tun_fd);
        tun_fd = -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (tun_fd >= 0)
        close(tun_fd);
    return 0;
}

/* ---- packets ------------------------------------------------------------------------------ */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xFFFF);
}

/* Byte-by-byte RFC 1071 sum, folded. */
static uint32_t sum16(const uint8_t *d, size_t n, uint32_t s)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        s += (uint32_t)d[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return s;
}

/* 1 when the IPv4 header and the TCP/UDP checksum of pkt verify. */
static int csums_ok(const uint8_t *pkt, size_t len)
{
    uint8_t ph[12];
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if (sum16(pkt, ihl, 0) != 0xFFFF)
        return 0;
    memcpy(ph, pkt + 12, 8);
    ph[8] = 0;
    ph[9] = pkt[9];
    wr16(ph + 10, (unsigned)(len - ihl));
    return sum16(pkt + ihl, len - ihl, sum16(ph, 12, 0)) == 0xFFFF;
}

/* An IPv4 packet 192.0.2.2 -> 192.0.2.1 with `proto` and the transport part l4[l4len]; the
 * checksums are filled in. */
static size_t mk4(uint8_t *out, uint8_t proto, uint16_t id, const uint8_t *l4, size_t l4len)
{
    uint8_t ph[12];
    size_t cs = proto == 6 ? 16 : 6;
    memset(out, 0, 20);
    out[0] = 0x45;
    wr16(out + 2, (unsigned)(20 + l4len));
    wr16(out + 4, id);
    out[6] = 0x40;
    out[8] = 64;
    out[9] = proto;
    out[12] = 192, out[13] = 0, out[14] = 2, out[15] = 2;
    out[16] = 192, out[17] = 0, out[18] = 2, out[19] = 1;
    wr16(out + 10, (uint16_t)~sum16(out, 20, 0));
    memcpy(out + 20, l4, l4len);
    out[20 + cs] = out[21 + cs] = 0;
    memcpy(ph, out + 12, 8);
    ph[8] = 0;
    ph[9] = proto;
    wr16(ph + 10, (unsigned)l4len);
    wr16(out + 20 + cs, (uint16_t)~sum16(out + 20, l4len, sum16(ph, 12, 0)));
    return 20 + l4len;
}

static size_t mk_tcp(uint8_t *out, uint16_t id, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, const uint8_t *data, size_t dlen)
{
    uint8_t l4[20 + 1500];
    memset(l4, 0, 20);
    wr16(l4, sport);
    wr16(l4 + 2, dport);
    wr32(l4 + 4, seq);
    wr32(l4 + 8, ack);
    l4[12] = 5 << 4;
    l4[13] = flags;
    wr16(l4 + 14, 65535);
    if (dlen > 0)
        memcpy(l4 + 20, data, dlen);
    return mk4(out, 6, id, l4, 20 + dlen);
}

/* What px_tun_read handed over. */
typedef struct {
    uint8_t pkt[64][1600];
    size_t len[64];
    unsigned n;
} got_t;

static void collect(void *ctx, const uint8_t *pkt, size_t len)
{
    got_t *g = ctx;
    if (g->n < 64 && len <= sizeof g->pkt[0]) {
        memcpy(g->pkt[g->n], pkt, len);
        g->len[g->n] = len;
    }
    g->n++;
}

/* Reads the TUN until `want` packets of protocol `proto` came (other packets, such as IPv6
 * router solicitations, are skipped). */
static void read_tun(got_t *g, unsigned want, uint8_t proto)
{
    int tries;
    got_t all;
    unsigned i;
    g->n = 0;
    for (tries = 0; tries < 30 && g->n < want; tries++) {
        struct pollfd p = {tun_fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        all.n = 0;
        assert_true(px_tun_read(tun_fd, rbuf, sizeof rbuf, 8, collect, &all, NULL) >= 0);
        for (i = 0; i < all.n && i < 64; i++)
            if ((all.pkt[i][0] >> 4) == 4 && all.pkt[i][9] == proto && g->n < 64) {
                memcpy(g->pkt[g->n], all.pkt[i], all.len[i]);
                g->len[g->n++] = all.len[i];
            }
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

/* A UDP_SEGMENT send of 10 x 1000 octets into the TUN: 10 datagrams, as if sent one by one. */
static void read_splits_udp_gso(void **state)
{
    static got_t g;
    uint8_t data[10000];
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    int seg = 1000; /* the option is an int (the control message a __u16) */
    unsigned i, k;
    int s;
    (void)state;
    if (tun_fd < 0)
        skip();
    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 5);
    inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(s >= 0);
    assert_int_equal(setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof seg), 0);
    assert_int_equal(sendto(s, data, sizeof data, 0, (struct sockaddr *)&to, sizeof to),
                     (ssize_t)sizeof data);
    read_tun(&g, 10, 17);
    assert_int_equal(g.n, 10);
    for (k = 0; k < 10; k++) {
        assert_int_equal(g.len[k], 20 + 8 + 1000);
        assert_true(csums_ok(g.pkt[k], g.len[k]));
        assert_int_equal(be16(g.pkt[k] + 24), 1008);
        assert_memory_equal(g.pkt[k] + 28, data + k * 1000, 1000);
        if (k > 0) /* IPv4 IDs count up (the packets of one send share nothing else) */
            assert_int_equal(be16(g.pkt[k] + 4), (uint16_t)(be16(g.pkt[k - 1] + 4) + 1));
    }
    close(s);
}

/* The SYN of a local connect() through the TUN carries a valid checksum. */
static void read_completes_checksum(void **state)
{
    static got_t g;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
    int s;
    (void)state;
    if (tun_fd < 0)
        skip();
    inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    assert_true(connect(s, (struct sockaddr *)&to, sizeof to) != 0 && errno == EINPROGRESS);
    read_tun(&g, 1, 6);
    assert_true(g.n >= 1);
    assert_int_equal(g.pkt[0][33] & 0x02, 0x02); /* SYN */
    assert_true(csums_ok(g.pkt[0], g.len[0]));
    close(s);
}

/* 20 UDP datagrams of one flow, merged into one write, reach a socket intact. */
static void write_merges_udp(void **state)
{
    px_tun_writer w;
    struct sockaddr_in me = {.sin_family = AF_INET};
    socklen_t sl = sizeof me;
    uint8_t l4[8 + 1000], pkt[1100], in[2000];
    unsigned k;
    int s;
    (void)state;
    if (tun_fd < 0)
        skip();
    inet_pton(AF_INET, "192.0.2.1", &me.sin_addr);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind(s, (struct sockaddr *)&me, sizeof me), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&me, &sl), 0);
    assert_int_equal(px_tun_writer_init(&w, tun_fd), 0);
    for (k = 0; k < 20; k++) {
        size_t dl = k == 19 ? 300 : 1000, i;
        wr16(l4, 5000);
        wr16(l4 + 2, ntohs(me.sin_port));
        wr16(l4 + 4, (unsigned)(8 + dl));
        for (i = 0; i < dl; i++)
            l4[8 + i] = (uint8_t)(k + i);
        px_tun_put(&w, pkt, mk4(pkt, 17, (uint16_t)(100 + k), l4, 8 + dl));
    }
    px_tun_writer_flush(&w);
    assert_int_equal(w.pkts, 20);
    assert_int_equal(w.errs, 0);
    assert_true(w.writes == 1 || w.gro.allow_udp == 0); /* merged, unless no USO (< 6.2) */
    for (k = 0; k < 20; k++) {
        struct pollfd p = {s, POLLIN, 0};
        size_t dl = k == 19 ? 300 : 1000, i;
        ssize_t n;
        assert_int_equal(poll(&p, 1, 1000), 1);
        n = recv(s, in, sizeof in, 0);
        assert_int_equal(n, (ssize_t)dl);
        for (i = 0; i < dl; i++)
            assert_int_equal(in[i], (uint8_t)(k + i));
    }
    px_tun_writer_free(&w);
    close(s);
}

/* A TCP connection to a local listener, driven by hand through the TUN: handshake, then 30
 * data segments merged into one write; the listener reads the whole stream, in order. */
static void write_merges_tcp(void **state)
{
    static got_t g;
    px_tun_writer w;
    struct sockaddr_in me = {.sin_family = AF_INET};
    socklen_t sl = sizeof me;
    uint8_t pkt[1600], data[1000], in[40000];
    uint32_t isn = 7000, srv;
    uint16_t port;
    size_t got = 0, i;
    unsigned k;
    int l, c;
    (void)state;
    if (tun_fd < 0)
        skip();
    inet_pton(AF_INET, "192.0.2.1", &me.sin_addr);
    l = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(l, (struct sockaddr *)&me, sizeof me), 0);
    assert_int_equal(listen(l, 1), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)&me, &sl), 0);
    port = ntohs(me.sin_port);
    assert_int_equal(px_tun_writer_init(&w, tun_fd), 0);
    /* SYN, SYN-ACK (read back from the TUN), ACK */
    px_tun_put(&w, pkt, mk_tcp(pkt, 1, 6000, port, isn, 0, 0x02, NULL, 0));
    px_tun_writer_flush(&w);
    read_tun(&g, 1, 6);
    assert_true(g.n >= 1);
    assert_int_equal(g.pkt[0][33] & 0x12, 0x12);
    assert_int_equal(be32(g.pkt[0] + 28), isn + 1);
    srv = be32(g.pkt[0] + 24);
    px_tun_put(&w, pkt, mk_tcp(pkt, 2, 6000, port, isn + 1, srv + 1, 0x10, NULL, 0));
    /* 30 segments of 1000 octets, PSH on the last */
    for (k = 0; k < 30; k++) {
        for (i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(k * 3 + i);
        px_tun_put(&w, pkt,
                   mk_tcp(pkt, (uint16_t)(3 + k), 6000, port, isn + 1 + k * 1000, srv + 1,
                          k == 29 ? 0x18 : 0x10, data, sizeof data));
    }
    px_tun_writer_flush(&w);
    assert_int_equal(w.errs, 0);
    assert_int_equal(w.pkts, 32);
    assert_true(w.writes <= 4); /* SYN, ACK, one merged write of 30 (+ one if split) */
    c = accept(l, NULL, NULL);
    assert_true(c >= 0);
    while (got < 30000) {
        struct pollfd p = {c, POLLIN, 0};
        ssize_t n;
        assert_int_equal(poll(&p, 1, 2000), 1);
        n = recv(c, in + got, sizeof in - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, 30000);
    for (k = 0; k < 30; k++)
        for (i = 0; i < 1000; i++)
            assert_int_equal(in[k * 1000 + i], (uint8_t)(k * 3 + i));
    px_tun_writer_free(&w);
    close(c);
    close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_splits_udp_gso),
        cmocka_unit_test(read_completes_checksum),
        cmocka_unit_test(write_merges_udp),
        cmocka_unit_test(write_merges_tcp),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
