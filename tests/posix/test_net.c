/* test_net.c: the UDP batches of port-posix/lib/net.c over loopback, in a network namespace
 * of the test's own (unshare; skipped without root): runs of equal datagrams to one peer leave
 * as UDP_SEGMENT messages, coalesced runs arrive through UDP_GRO, and px_udp_recv() hands
 * back the datagrams as they were queued, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

static int netns_ok;

/* A network namespace with only lo, up. */
static int setup(void **state)
{
    struct ifreq ifr;
    int fd;
    (void)state;
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
        return 0;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        netns_ok = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    }
    if (fd >= 0)
        close(fd);
    return 0;
}

static mip6tls_endpoint loop_ep(int v6)
{
    static const uint8_t lo6[16] = {[15] = 1}, lo4[4] = {127, 0, 0, 1};
    mip6tls_endpoint e;
    memset(&e, 0, sizeof e);
    if (v6)
        mip6tls_addr_set6(&e.addr, lo6);
    else
        mip6tls_addr_set4(&e.addr, lo4);
    return e;
}

static void open_udp(px_udp *u, int v6)
{
    mip6tls_endpoint e = loop_ep(v6);
    memset(u, 0, sizeof *u);
    assert_int_equal(px_udp_open(u, &e), 0);
    assert_true(u->local.port != 0);
}

/* Datagram i of a test: its length and contents say which it is. */
static size_t dgram(unsigned i, uint8_t *out)
{
    size_t len = i % 50 == 49 ? 700 : 1400, k;
    for (k = 0; k < len; k++)
        out[k] = (uint8_t)(i * 31 + k);
    out[0] = (uint8_t)(i >> 8);
    out[1] = (uint8_t)i;
    return len;
}

/* Receives on u until `want` datagrams arrived (or 3 s passed); checks each against the
 * numbers in order[] and returns how many arrived. */
static unsigned recv_expect(px_udp *u, const unsigned *order, unsigned want,
                            const mip6tls_endpoint *from)
{
    unsigned got = 0;
    uint8_t ref[PX_DGRAM_MAX];
    int waits = 0;
    while (got < want && waits < 30) {
        struct pollfd p = {u->io.fd, POLLIN, 0};
        int n, i;
        if (poll(&p, 1, 100) <= 0) {
            waits++;
            continue;
        }
        n = px_udp_recv(u);
        assert_true(n >= 0);
        for (i = 0; i < n; i++) {
            size_t len;
            assert_true(got < want);
            len = dgram(order[got], ref);
            assert_int_equal(u->rx_len[i], len);
            assert_memory_equal(u->rx[i], ref, len);
            assert_true(mip6tls_addr_eq(&u->rx_from[i].addr, &from->addr));
            assert_int_equal(u->rx_from[i].port, from->port);
            got++;
        }
    }
    return got;
}

static void batches(int v6)
{
    px_udp a, b, c;
    unsigned to_b[400], to_c[400], nb = 0, nc = 0, i;
    uint8_t d[PX_DGRAM_MAX];
    if (!netns_ok)
        skip();
    open_udp(&a, v6);
    open_udp(&b, v6);
    open_udp(&c, v6);
    /* 300 to b, with a shorter one every 50 (it ends a run) and one to c every 60 (it splits
     * a run: only consecutive datagrams to one peer go together). */
    for (i = 0; i < 320; i++) {
        size_t len = dgram(i, d);
        if (i % 60 == 59) {
            assert_int_equal(px_udp_queue(&a, &c.local, d, len), 0);
            to_c[nc++] = i;
        } else {
            assert_int_equal(px_udp_queue(&a, &b.local, d, len), 0);
            to_b[nb++] = i;
        }
    }
    px_udp_flush(&a);
    assert_int_equal(a.ntx, 0);
    assert_int_equal(a.tx_pkts, 320);
    assert_int_equal(a.tx_errs, 0);
    if (a.gso) /* 3 sendmmsg() for 320 datagrams (the queue holds PX_TX_MAX) */
        assert_true(a.tx_calls <= 320 / PX_TX_MAX + 1);
    assert_int_equal(recv_expect(&b, to_b, nb, &a.local), nb);
    assert_int_equal(recv_expect(&c, to_c, nc, &a.local), nc);
    assert_int_equal(b.rx_pkts, nb);
    assert_int_equal(b.rx_trunc, 0);
    if (b.gro && a.gso) /* runs arrive as runs: far fewer reads than datagrams */
        assert_true(b.rx_calls < nb / 8);
    px_udp_close(&a);
    px_udp_close(&b);
    px_udp_close(&c);
}

static void batches_v6(void **state)
{
    (void)state;
    batches(1);
}

static void batches_v4(void **state)
{
    (void)state;
    batches(0);
}

/* Without UDP_SEGMENT (a socket whose route cannot do it) every datagram is a message. */
static void without_gso(void **state)
{
    px_udp a, b;
    unsigned order[100], i;
    uint8_t d[PX_DGRAM_MAX];
    (void)state;
    if (!netns_ok)
        skip();
    open_udp(&a, 1);
    open_udp(&b, 1);
    a.gso = 0;
    for (i = 0; i < 100; i++) {
        order[i] = i;
        assert_int_equal(px_udp_queue(&a, &b.local, d, dgram(i, d)), 0);
    }
    px_udp_flush(&a);
    assert_int_equal(a.tx_pkts, 100);
    assert_int_equal(recv_expect(&b, order, 100, &a.local), 100);
    px_udp_close(&a);
    px_udp_close(&b);
}

static void set_lo_mtu(int mtu)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    ifr.ifr_mtu = mtu;
    assert_int_equal(ioctl(fd, SIOCSIFMTU, &ifr), 0);
    close(fd);
}

/* Datagrams larger than the path MTU: GSO refuses them (EINVAL), one by one they go
 * fragmented, as they did before GSO; the socket keeps GSO for what fits. */
static void larger_than_mtu(void **state)
{
    px_udp a, b;
    unsigned order[100], i, v6;
    uint8_t d[PX_DGRAM_MAX];
    (void)state;
    if (!netns_ok)
        skip();
    set_lo_mtu(1280);
    for (v6 = 0; v6 < 2; v6++) {
        open_udp(&a, (int)v6);
        open_udp(&b, (int)v6);
        for (i = 0; i < 100; i++) {
            order[i] = i;
            assert_int_equal(px_udp_queue(&a, &b.local, d, dgram(i, d)), 0);
        }
        px_udp_flush(&a);
        assert_int_equal(a.tx_errs, 0);
        assert_int_equal(a.tx_pkts, 100);
        assert_int_equal(recv_expect(&b, order, 100, &a.local), 100);
        px_udp_close(&a);
        px_udp_close(&b);
    }
    set_lo_mtu(65536);
}

/* A datagram longer than PX_DGRAM_MAX is dropped and counted; the rest pass. */
static void too_long(void **state)
{
    px_udp a, b;
    static uint8_t big[9000];
    uint8_t d[PX_DGRAM_MAX];
    unsigned order[1] = {7};
    struct sockaddr_storage ss;
    socklen_t sl;
    int i;
    (void)state;
    if (!netns_ok)
        skip();
    open_udp(&a, 0);
    open_udp(&b, 0);
    assert_int_equal(px_udp_queue(&a, &b.local, big, PX_DGRAM_MAX + 1), -EMSGSIZE);
    px_ep_to_sockaddr(&b.local, &ss, &sl);
    assert_int_equal(sendto(a.io.fd, big, sizeof big, 0, (struct sockaddr *)&ss, sl),
                     (ssize_t)sizeof big);
    assert_int_equal(px_udp_queue(&a, &b.local, d, dgram(7, d)), 0);
    px_udp_flush(&a);
    for (i = 0; i < 20 && b.rx_trunc == 0; i++) {
        struct pollfd p = {b.io.fd, POLLIN, 0};
        poll(&p, 1, 100);
        if (px_udp_recv(&b) > 0) {
            assert_int_equal(b.rx_len[0], dgram(7, d));
            break;
        }
    }
    assert_int_equal(b.rx_trunc, 1);
    if (b.rx_pkts == 0)
        assert_int_equal(recv_expect(&b, order, 1, &a.local), 1);
    px_udp_close(&a);
    px_udp_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches_v6),  cmocka_unit_test(batches_v4),
        cmocka_unit_test(without_gso), cmocka_unit_test(larger_than_mtu),
        cmocka_unit_test(too_long),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
