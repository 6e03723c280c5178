/*
 * udp-gso-baseline.c: how many UDP datagrams per second one sender and one receiver move
 * between two sockets with no tunnel at all, the ceiling the tunnel benchmark compares the
 * tunnels' packet rates with (tests/bench/tunnel/README.md). Asserts nothing.
 *
 *   udp-gso-baseline recv --bind ADDR:PORT [--mode M] [--seconds S] [--wait S] [--idle-ms N]
 *   udp-gso-baseline send --to ADDR:PORT [--bind ADDR] [--mode M] [--size N] [--seconds S]
 *   udp-gso-baseline loop [--mode M] [--size N] [--seconds S] [--ipv6]
 *
 * Modes (the same on both ends):
 *   gso    sender: sendmsg() of one buffer of up to 64 datagrams with UDP_SEGMENT (UDP GSO,
 *          Linux 4.18+); receiver: recvmsg() with UDP_GRO (Linux 5.0+), which hands up runs of
 *          datagrams as one buffer and the segment size in a control message.
 *   mmsg   sendmmsg() / recvmmsg() of 64 datagrams per call: batching without offload.
 *   plain  one send() / recv() per datagram.
 * "loop" forks a receiver on the loopback address (CPU 1) and sends from CPU 0.
 *
 * Each end prints one line "result role=... mode=... size=... packets=... seconds=...
 * pps=... mbps=... calls=..." (Mbit/s of UDP payload). The receiver's clock runs from its
 * first datagram to its last one, and it stops after --idle-ms without data (or after --wait
 * seconds without a first datagram), so its rate is what arrived, not what was sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* linux/udp.h, Linux 5.0 */
#endif

#define BATCH 64      /* datagrams per sendmmsg/recvmmsg, and per GSO buffer at most */
#define GSO_MAX 65000 /* octets of UDP payload in one GSO buffer (IPv4/IPv6 length limits) */
#define RXBUF 65536   /* one GRO buffer */
#define SOCKBUF (8 << 20)

enum mode { MODE_GSO, MODE_MMSG, MODE_PLAIN };
static const char *const mode_names[] = {"gso", "mmsg", "plain"};

struct opts {
    enum mode mode;
    size_t size;
    double seconds;
    double wait;
    int idle_ms;
    int cpu;
    int ipv6;
    const char *bind;
    const char *to;
};

static void usage(FILE *f)
{
    fputs("usage: udp-gso-baseline recv --bind ADDR:PORT [options]\n"
          "       udp-gso-baseline send --to ADDR:PORT [--bind ADDR] [options]\n"
          "       udp-gso-baseline loop [options]\n"
          "Moves UDP datagrams between two sockets as fast as one core per side can and\n"
          "prints packets/s and Mbit/s of payload. ADDR is IPv4 or [IPv6].\n"
          "  --mode gso|mmsg|plain  gso: UDP_SEGMENT + UDP_GRO; mmsg: sendmmsg/recvmmsg of 64;\n"
          "                         plain: one send/recv per datagram (default gso)\n"
          "  --size N        UDP payload octets per datagram (default 1400)\n"
          "  --seconds S     sender: how long to send (default 5); loop: the same\n"
          "  --wait S        receiver: give up after S seconds without a first datagram (10)\n"
          "  --idle-ms N     receiver: stop N ms after the last datagram (default 1000)\n"
          "  --cpu N         pin this process to CPU N\n"
          "  --ipv6          loop: use ::1 instead of 127.0.0.1\n"
          "  --help          this text\n",
          f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "udp-gso-baseline: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* "192.0.2.1:5201", "[2001:db8::1]:5201", or without ":PORT" when port_optional. */
static int parse_addr(const char *s, int port_optional, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port = NULL;
    size_t n;
    memset(ss, 0, sizeof(*ss));
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || (size_t)(end - s - 1) >= sizeof(host))
            return -1;
        n = (size_t)(end - s - 1);
        memcpy(host, s + 1, n);
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return -1;
    } else {
        const char *colon = strrchr(s, ':');
        n = colon ? (size_t)(colon - s) : strlen(s);
        if (n >= sizeof(host))
            return -1;
        memcpy(host, s, n);
        if (colon)
            port = colon + 1;
    }
    host[n] = '\0';
    long p = 0;
    if (port != NULL) {
        char *end;
        p = strtol(port, &end, 10);
        if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
            return -1;
    } else if (!port_optional) {
        return -1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *len = sizeof(*a4);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *len = sizeof(*a6);
    } else {
        return -1;
    }
    return 0;
}

static void pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        die("sched_setaffinity");
}

/* A bigger socket buffer than the default sysctl allows (root: *BUFFORCE), so a burst that
 * the receiver is a moment late for is not lost in the socket. */
static void grow_buffers(int fd)
{
    int v = SOCKBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* size: the mean payload per datagram (the receiver learns it from what arrived). */
static void report(const char *role, const struct opts *o, uint64_t packets, uint64_t bytes,
                   double secs, uint64_t calls)
{
    double pps = secs > 0 ? (double)packets / secs : 0;
    double mbps = secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0;
    printf("result role=%s mode=%s size=%llu packets=%llu seconds=%.3f pps=%.0f mbps=%.1f "
           "calls=%llu\n",
           role, mode_names[o->mode], (unsigned long long)(packets ? bytes / packets : 0),
           (unsigned long long)packets, secs, pps, mbps, (unsigned long long)calls);
    fflush(stdout);
}

static int do_recv(const struct opts *o)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (o->bind == NULL || parse_addr(o->bind, 0, &ss, &len) != 0) {
        fprintf(stderr, "udp-gso-baseline: recv needs --bind ADDR:PORT (got \"%s\")\n",
                o->bind ? o->bind : "");
        return 2;
    }
    pin(o->cpu);
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    grow_buffers(fd);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        die("bind");
    if (o->mode == MODE_GSO) {
        int on = 1;
        if (setsockopt(fd, IPPROTO_UDP, UDP_GRO, &on, sizeof(on)) != 0)
            die("setsockopt UDP_GRO");
    }

    static uint8_t bufs[BATCH][2048];
    static uint8_t grobuf[RXBUF];
    struct mmsghdr msgs[BATCH];
    struct iovec iovs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iovs[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iovs[i], .msg_iovlen = 1}};
    }

    uint64_t packets = 0, bytes = 0, calls = 0;
    double first = 0, last = 0, start = now_s();
    for (;;) {
        int timeout = packets ? o->idle_ms : (int)(o->wait * 1000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("poll");
        if (r == 0)
            break; /* idle after data, or no data at all */
        /* Drain without polling while there is data: poll per call would double the
         * syscalls this is measuring. */
        for (;;) {
            uint64_t got = 0, octets = 0;
            if (o->mode == MODE_GSO) {
                union {
                    char buf[CMSG_SPACE(sizeof(int))];
                    struct cmsghdr align;
                } ctl;
                struct iovec iov = {grobuf, sizeof(grobuf)};
                struct msghdr m = {.msg_iov = &iov,
                                   .msg_iovlen = 1,
                                   .msg_control = ctl.buf,
                                   .msg_controllen = sizeof(ctl.buf)};
                ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
                if (n < 0)
                    break;
                int seg = 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                    if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO)
                        memcpy(&seg, CMSG_DATA(c), sizeof(seg));
                got = seg > 0 ? ((uint64_t)n + (uint64_t)seg - 1) / (uint64_t)seg : 1;
                octets = (uint64_t)n;
            } else if (o->mode == MODE_MMSG) {
                int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0)
                    break;
                got = (uint64_t)n;
                for (int i = 0; i < n; i++)
                    octets += msgs[i].msg_len;
            } else {
                ssize_t n = recv(fd, bufs[0], sizeof(bufs[0]), MSG_DONTWAIT);
                if (n < 0)
                    break;
                got = 1;
                octets = (uint64_t)n;
            }
            calls++;
            last = now_s();
            if (packets == 0)
                first = last;
            packets += got;
            bytes += octets;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            die("recv");
        if (packets == 0 && now_s() - start > o->wait)
            break;
    }
    close(fd);
    if (packets == 0) {
        fprintf(stderr, "udp-gso-baseline: recv: no datagram within %.0f s on %s\n", o->wait,
                o->bind);
        report("recv", o, 0, 0, 0, 0);
        return 1;
    }
    report("recv", o, packets, bytes, last - first, calls);
    return 0;
}

static int do_send(const struct opts *o)
{
    struct sockaddr_storage to, from;
    socklen_t tolen, fromlen;
    if (o->to == NULL || parse_addr(o->to, 0, &to, &tolen) != 0) {
        fprintf(stderr, "udp-gso-baseline: send needs --to ADDR:PORT (got \"%s\")\n",
                o->to ? o->to : "");
        return 2;
    }
    if (o->bind != NULL && parse_addr(o->bind, 1, &from, &fromlen) != 0) {
        fprintf(stderr, "udp-gso-baseline: bad --bind address \"%s\"\n", o->bind);
        return 2;
    }
    pin(o->cpu);
    int fd = socket(to.ss_family, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    grow_buffers(fd);
    if (o->bind != NULL && bind(fd, (struct sockaddr *)&from, fromlen) != 0)
        die("bind");
    if (connect(fd, (struct sockaddr *)&to, tolen) != 0)
        die("connect");

    size_t segs = o->mode == MODE_PLAIN ? 1 : BATCH;
    if (o->mode == MODE_GSO) {
        segs = GSO_MAX / o->size;
        if (segs > BATCH)
            segs = BATCH;
        if (segs < 1)
            segs = 1;
        int seg = (int)o->size;
        if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) != 0)
            die("setsockopt UDP_SEGMENT");
    }
    uint8_t *buf = calloc(BATCH, o->size);
    if (buf == NULL)
        die("calloc");
    for (size_t i = 0; i < BATCH * o->size; i++)
        buf[i] = (uint8_t)i;
    struct mmsghdr msgs[BATCH];
    struct iovec iovs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iovs[i] = (struct iovec){buf + (size_t)i * o->size, o->size};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iovs[i], .msg_iovlen = 1}};
    }

    uint64_t packets = 0, calls = 0;
    double start = now_s(), end = start + o->seconds, t = start;
    while (t < end) {
        /* Check the clock every 64 calls: a clock read per call costs time too. */
        for (int k = 0; k < 64; k++) {
            ssize_t n;
            if (o->mode == MODE_GSO) {
                n = send(fd, buf, segs * o->size, 0);
                if (n > 0)
                    packets += ((uint64_t)n + o->size - 1) / o->size;
            } else if (o->mode == MODE_MMSG) {
                int m = sendmmsg(fd, msgs, BATCH, 0);
                n = m;
                if (m > 0)
                    packets += (uint64_t)m;
            } else {
                n = send(fd, buf, o->size, 0);
                if (n > 0)
                    packets++;
            }
            calls++;
            /* ECONNREFUSED: an ICMP error for an earlier datagram (the receiver not up yet);
             * ENOBUFS: a full device queue. Both are losses, counted by the receiver. */
            if (n < 0 && errno != ECONNREFUSED && errno != ENOBUFS && errno != EAGAIN &&
                errno != EINTR) {
                if (errno == EINVAL || errno == EMSGSIZE)
                    fprintf(stderr,
                            "udp-gso-baseline: %zu-octet datagrams do not fit the path MTU"
                            " to %s\n",
                            o->size, o->to);
                die("send");
            }
        }
        t = now_s();
    }
    close(fd);
    free(buf);
    report("send", o, packets, packets * o->size, t - start, calls);
    return 0;
}

static int do_loop(struct opts *o)
{
    const char *addr = o->ipv6 ? "[::1]:47999" : "127.0.0.1:47999";
    struct opts r = *o, s = *o;
    r.bind = addr;
    r.cpu = 1;
    r.wait = 5;
    s.to = addr;
    s.bind = NULL;
    s.cpu = 0;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        r.cpu = s.cpu = -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        _exit(do_recv(&r));
    usleep(200 * 1000); /* let the receiver bind */
    int rc = do_send(&s);
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        rc = 1;
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .mode = MODE_GSO, .size = 1400, .seconds = 5, .wait = 10, .idle_ms = 1000, .cpu = -1};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *role = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--ipv6") == 0) {
            o.ipv6 = 1;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "udp-gso-baseline: %s needs a value (try --help)\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--mode") == 0) {
            int found = 0;
            for (int m = 0; m < 3; m++)
                if (strcmp(v, mode_names[m]) == 0)
                    o.mode = (enum mode)m, found = 1;
            if (!found) {
                fprintf(stderr, "udp-gso-baseline: unknown --mode \"%s\" (gso, mmsg, plain)\n", v);
                return 2;
            }
        } else if (strcmp(a, "--size") == 0) {
            unsigned long n = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 8 || n > 65000) {
                fprintf(stderr, "udp-gso-baseline: bad --size \"%s\" (8..65000)\n", v);
                return 2;
            }
            o.size = n;
        } else if (strcmp(a, "--seconds") == 0 || strcmp(a, "--wait") == 0) {
            double d = strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(d > 0) || d > 86400) {
                fprintf(stderr, "udp-gso-baseline: bad %s \"%s\"\n", a, v);
                return 2;
            }
            *(strcmp(a, "--wait") == 0 ? &o.wait : &o.seconds) = d;
        } else if (strcmp(a, "--idle-ms") == 0 || strcmp(a, "--cpu") == 0) {
            long n = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000) {
                fprintf(stderr, "udp-gso-baseline: bad %s \"%s\"\n", a, v);
                return 2;
            }
            *(strcmp(a, "--cpu") == 0 ? &o.cpu : &o.idle_ms) = (int)n;
        } else if (strcmp(a, "--bind") == 0) {
            o.bind = v;
        } else if (strcmp(a, "--to") == 0) {
            o.to = v;
        } else {
            fprintf(stderr, "udp-gso-baseline: unknown option %s (try --help)\n", a);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(role, "recv") == 0)
        return do_recv(&o);
    if (strcmp(role, "send") == 0)
        return do_send(&o);
    if (strcmp(role, "loop") == 0)
        return do_loop(&o);
    fprintf(stderr, "udp-gso-baseline: unknown command \"%s\" (recv, send, loop; try --help)\n",
            role);
    return 2;
}
