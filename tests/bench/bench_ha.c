/*
 * bench_ha.c: what the Home Agent costs in memory and time with 1 SA and with N SAs (default
 * 10^6) installed and bound. Prints figures and ratios; asserts nothing (docs/testing.md).
 *
 *   bench_ha [--sas N] [--seconds S] [--suite NAME] [--cache SLOTS] [--small-pages]
 *
 * Memory: sizeof(mip6tls_ha_entry) and the whole caller-provided storage for N SAs (entries,
 * heap, both hash indexes, the ESP context cache); the goal is <= 1 GiB at 10^6.
 * Time, per operation, only the HA call is timed (the test MN's sealing is done before):
 *   BU        mip6tls_ha_recv() of a sealed BU: lookup, open, decode, decide, BA sealed
 *   data in   mip6tls_ha_recv() of a sealed 1400-octet inner IPv6 packet: DELIVER by reference
 *   data out  mip6tls_ha_send() of a 1400-octet inner IPv6 packet: sealed into the outbox
 * With N SAs every operation picks a random SA, so the ESP context cache (SLOTS entries,
 * default 4096) almost always misses and the key schedules are expanded again: the ratio
 * N-SAs / 1-SA is what the table size costs (goal <= 1.1x). "esp init" is that expansion
 * alone, for reference.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mip6tls/encap.h"
#include "mip6tls/esp.h"
#include "mip6tls/ha.h"
#include "mip6tls/inet.h"
#include "mip6tls/mh.h"

#define T0 1000000ull
#define UNIX0 1750000000ull
#define BATCH 256
#define PKTCAP 1600
#define INNER 1400

static const uint8_t HA6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t CN6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xcc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static mip6tls_esp_impl impl;
static uint16_t suite = MIP6TLS_SUITE_AES_128_GCM_SHA256;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static int huge_pages = 1;

/* Zeroed memory; large tables on transparent huge pages (2 MiB) unless --small-pages: with
 * 4 KiB pages every random access into a table of hundreds of MiB also misses the TLB, which
 * a port avoids the same way (docs/decisions/0040-ha-memory.md). */
static void *xcalloc(size_t n, size_t size)
{
    size_t bytes = n * size, huge = (size_t)2 << 20;
    void *p = NULL;
    if (huge_pages && bytes >= huge) {
        bytes = (bytes + huge - 1) / huge * huge;
        if (posix_memalign(&p, huge, bytes) != 0)
            p = NULL;
        else {
            (void)madvise(p, bytes, MADV_HUGEPAGE);
            memset(p, 0, bytes);
        }
    } else {
        p = calloc(n, size);
    }
    if (p == NULL) {
        fprintf(stderr, "bench_ha: out of memory (%zu x %zu)\n", n, size);
        exit(1);
    }
    return p;
}

/* SA number i: SPI i + 1 (the HAC's counter), keys from the SPI, home address ::i. */
static void make_sa(mip6tls_sa *sa, uint32_t i)
{
    const mip6tls_suite_info *s = mip6tls_suite_find(suite);
    uint32_t spi = i + 1;
    uint8_t hoa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t k;
    memset(sa, 0, sizeof *sa);
    sa->keys.suite = suite;
    sa->keys.spi = spi;
    sa->keys.ekey_len = s->ekey_len;
    sa->keys.ikey_len = s->ikey_len;
    for (k = 0; k < MIP6TLS_ESP_MAX_EKEY; k++) {
        sa->keys.mn_to_ha_ekey[k] = (uint8_t)(spi * 31 + k);
        sa->keys.ha_to_mn_ekey[k] = (uint8_t)(spi * 17 + k);
    }
    for (k = 0; k < MIP6TLS_ESP_MAX_IKEY; k++) {
        sa->keys.mn_to_ha_ikey[k] = (uint8_t)(spi * 13 + k);
        sa->keys.ha_to_mn_ikey[k] = (uint8_t)(spi * 7 + k);
    }
    if (s->ikey_len == 0)
        memset(sa->keys.mn_to_ha_ikey, 0, sizeof sa->keys.mn_to_ha_ikey),
            memset(sa->keys.ha_to_mn_ikey, 0, sizeof sa->keys.ha_to_mn_ikey);
    sa->validity_end = UNIX0 + 30 * 86400ull;
    sa->scope = MIP6TLS_SAS_ALL;
    hoa[12] = (uint8_t)(i >> 24), hoa[13] = (uint8_t)(i >> 16), hoa[14] = (uint8_t)(i >> 8);
    hoa[15] = (uint8_t)i;
    mip6tls_addr_set6(&sa->hoa6, hoa);
}

typedef struct {
    mip6tls_ha ha;
    mip6tls_drbg drbg;
    mip6tls_ha_storage st;
    uint32_t n;
    mip6tls_outbox ob;
    mip6tls_action acts[16];
    uint8_t arena[4096];
    mip6tls_endpoint local, remote;
    /* The test MNs' counters, kept here so preparing a packet never touches (warms) the
     * HA's own memory: next ESP sequence number and next BU Sequence # of each SA. */
    uint32_t *mn_esp_seq;
    uint16_t *mn_bu_seq;
} bha;

static void bha_init(bha *b, uint32_t n, size_t n_cache)
{
    mip6tls_ha_config cfg;
    uint8_t seed[32] = {7};
    memset(b, 0, sizeof *b);
    b->n = n;
    b->st.entries = xcalloc(n, sizeof *b->st.entries);
    b->st.n_entries = n;
    b->st.heap = xcalloc(n, sizeof *b->st.heap);
    b->st.n_spi_buckets = mip6tls_ha_pow2(n);
    b->st.spi_buckets = xcalloc(b->st.n_spi_buckets, sizeof(uint32_t));
    b->st.n_hoa_buckets = mip6tls_ha_pow2(2 * (size_t)n);
    b->st.hoa_buckets = xcalloc(b->st.n_hoa_buckets, sizeof(uint32_t));
    b->st.n_cache = mip6tls_ha_pow2(n_cache);
    b->st.cache = xcalloc(b->st.n_cache, sizeof *b->st.cache);
    b->mn_esp_seq = xcalloc(n, sizeof *b->mn_esp_seq);
    b->mn_bu_seq = xcalloc(n, sizeof *b->mn_bu_seq);
    mip6tls_drbg_init(&b->drbg, seed, sizeof seed);
    mip6tls_ha_config_default(&cfg);
    mip6tls_addr_set6(&cfg.addr6, HA6);
    cfg.unix_offset_ms = (int64_t)(UNIX0 * 1000ull - T0);
    if (mip6tls_ha_init(&b->ha, &cfg, &impl, &b->drbg, &b->st) != 0) {
        fprintf(stderr, "bench_ha: init failed\n");
        exit(1);
    }
    mip6tls_outbox_init(&b->ob, b->acts, 16, b->arena, sizeof b->arena);
    memset(&b->local, 0, sizeof b->local);
    mip6tls_addr_set6(&b->local.addr, HA6);
    b->local.port = 7872;
    memset(&b->remote, 0, sizeof b->remote);
    mip6tls_addr_set6(&b->remote.addr, CN6);
    b->remote.port = 40000;
}

/* The test MN of SA i with its counters; mn_done() stores them back. */
static void mn_for(const bha *b, uint32_t i, mip6tls_esp_sa *mn, uint16_t *bu_seq)
{
    static const uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    mip6tls_sa sa;
    make_sa(&sa, i);
    mip6tls_esp_sa_init(mn, &impl, MIP6TLS_ESP_MN, &sa.keys, salt, 0);
    mn->next_seq = b->mn_esp_seq[i] ? b->mn_esp_seq[i] : 1;
    *bu_seq = (uint16_t)(b->mn_bu_seq[i] ? b->mn_bu_seq[i] : 1);
}

static void mn_done(bha *b, uint32_t i, const mip6tls_esp_sa *mn, uint16_t next_bu_seq)
{
    b->mn_esp_seq[i] = (uint32_t)mn->next_seq;
    b->mn_bu_seq[i] = next_bu_seq;
}

static size_t seal_bu(mip6tls_esp_sa *mn, uint32_t i, uint16_t seq, uint8_t *out)
{
    mip6tls_sa sa;
    mip6tls_mh_msg m;
    uint8_t mh[64];
    int n;
    make_sa(&sa, i);
    mip6tls_mh_init(&m, MIP6TLS_MH_BU);
    m.bu.seq = seq;
    m.bu.flags = MIP6TLS_BU_A | MIP6TLS_BU_H;
    m.bu.lifetime = 900;
    n = mip6tls_mh_encode(&m, sa.hoa6.bytes, HA6, mh, sizeof mh);
    n = mip6tls_esp_seal(mn, MIP6TLS_PTYPE_MH, 135, mh, (size_t)n, out, PKTCAP);
    return (size_t)n;
}

static size_t inner_pkt(uint32_t i, int to_mn, uint8_t *out)
{
    mip6tls_sa sa;
    mip6tls_endpoint a, c;
    static uint8_t pay[INNER];
    make_sa(&sa, i);
    memset(&a, 0, sizeof a);
    memset(&c, 0, sizeof c);
    a.addr = sa.hoa6;
    a.port = 1000;
    mip6tls_addr_set6(&c.addr, CN6);
    c.port = 2000;
    return (size_t)mip6tls_ip_udp_build(to_mn ? &c : &a, to_mn ? &a : &c, 64, pay, INNER - 48, out,
                                        PKTCAP);
}

static void setup(bha *b, uint32_t n, size_t n_cache)
{
    uint32_t i;
    double t = now_s();
    bha_init(b, n, n_cache);
    for (i = 0; i < n; i++) {
        mip6tls_sa sa;
        mip6tls_esp_sa mn;
        uint8_t pkt[PKTCAP];
        uint16_t seq;
        size_t len;
        make_sa(&sa, i);
        mip6tls_outbox_clear(&b->ob);
        if (mip6tls_ha_install_sa(&b->ha, T0, &sa, &b->ob) != 0) {
            fprintf(stderr, "bench_ha: install %u failed\n", i);
            exit(1);
        }
        mn_for(b, i, &mn, &seq);
        len = seal_bu(&mn, i, seq, pkt);
        mn_done(b, i, &mn, (uint16_t)(seq + 1));
        mip6tls_outbox_clear(&b->ob);
        if (mip6tls_ha_recv(&b->ha, T0, &b->local, &b->remote, pkt, len, &b->ob) != 0) {
            fprintf(stderr, "bench_ha: BU %u failed\n", i);
            exit(1);
        }
    }
    printf("set-up: %u SAs installed and bound in %.2f s\n", n, now_s() - t);
}

enum { OP_BU, OP_IN, OP_OUT };

/* ns per HA call for `op`, over batches of random SAs (`burst` consecutive packets each, as
 * the packets of a flow arrive), for about `secs` seconds. */
static double measure(bha *b, int op, double secs, size_t burst)
{
    static uint8_t pkts[BATCH][PKTCAP];
    static size_t lens[BATCH];
    static uint32_t who[BATCH];
    double spent = 0;
    uint64_t ops = 0;
    uint64_t now = T0 + 1000;
    while (spent < secs) {
        size_t k, j;
        double t;
        /* Distinct SAs per batch (sequence numbers stay in order); with one SA, a run. */
        for (k = 0; k < BATCH; k++) {
            uint32_t i = b->n == 1 ? 0 : (uint32_t)(rng() % b->n);
            if (k % burst != 0) {
                who[k] = who[k - 1]; /* the flow goes on */
                continue;
            }
            for (j = 0; j < k && b->n >= 4 * BATCH; j++)
                if (who[j] == i)
                    i = (uint32_t)(rng() % b->n), j = (size_t)-1;
            who[k] = i;
        }
        if (b->n == 1 && op != OP_OUT) {
            mip6tls_esp_sa mn;
            uint16_t seq;
            mn_for(b, 0, &mn, &seq);
            for (k = 0; k < BATCH; k++) {
                if (op == OP_BU)
                    lens[k] = seal_bu(&mn, 0, (uint16_t)(seq + k), pkts[k]);
                else {
                    uint8_t in[PKTCAP];
                    size_t n = inner_pkt(0, 0, in);
                    lens[k] = (size_t)mip6tls_esp_seal(&mn, 1, 41, in, n, pkts[k], PKTCAP);
                }
            }
            mn_done(b, 0, &mn, (uint16_t)(seq + (op == OP_BU ? BATCH : 0)));
        } else {
            for (k = 0; k < BATCH; k++) {
                if (op == OP_OUT) {
                    lens[k] = inner_pkt(who[k], 1, pkts[k]);
                } else {
                    mip6tls_esp_sa mn;
                    uint16_t seq;
                    mn_for(b, who[k], &mn, &seq);
                    if (op == OP_BU) {
                        lens[k] = seal_bu(&mn, who[k], seq, pkts[k]);
                    } else {
                        uint8_t in[PKTCAP];
                        size_t n = inner_pkt(who[k], 0, in);
                        lens[k] = (size_t)mip6tls_esp_seal(&mn, 1, 41, in, n, pkts[k], PKTCAP);
                    }
                    mn_done(b, who[k], &mn, (uint16_t)(seq + (op == OP_BU)));
                }
            }
        }
        t = now_s();
        for (k = 0; k < BATCH; k++) {
            int rc;
            mip6tls_outbox_clear(&b->ob);
            if (op == OP_OUT)
                rc = mip6tls_ha_send(&b->ha, now, pkts[k], lens[k], &b->ob);
            else
                rc = mip6tls_ha_recv(&b->ha, now, &b->local, &b->remote, pkts[k], lens[k], &b->ob);
            if (rc != 0 || b->ob.n == 0) {
                fprintf(stderr, "bench_ha: op %d on SA %u failed: %s\n", op, who[k],
                        mip6tls_strerror(rc));
                exit(1);
            }
        }
        spent += now_s() - t;
        ops += BATCH;
    }
    return spent * 1e9 / (double)ops;
}

static double measure_esp_init(double secs)
{
    static const uint8_t salt[8] = {1};
    static mip6tls_esp_sa sa[64];
    mip6tls_sa rec;
    uint64_t ops = 0;
    double t = now_s(), spent = 0;
    make_sa(&rec, 0);
    while (spent < secs) {
        for (int k = 0; k < 64; k++)
            mip6tls_esp_sa_init(&sa[k], &impl, MIP6TLS_ESP_HA, &rec.keys, salt, 0);
        ops += 64;
        spent = now_s() - t;
    }
    return spent * 1e9 / (double)ops;
}

static void usage(const char *argv0)
{
    printf("usage: %s [--sas N] [--seconds S] [--suite NAME] [--cache SLOTS] [--small-pages]\n"
           "       [--burst K]\n"
           "  --sas N        SAs installed and bound in the large HA: 1, or 1024 and up (1000000)\n"
           "  --seconds S    time per measurement (default 2)\n"
           "  --suite NAME   ciphersuite, e.g. AES_128_GCM_SHA256 (default), AES_128_CBC_SHA\n"
           "  --cache SLOTS  ESP context cache slots (rounded up to a power of two; 4096)\n"
           "  --small-pages  no transparent huge pages for the tables (default: madvise them)\n"
           "  --burst K      also measure flows: K consecutive packets per SA (16; 1..BATCH)\n",
           argv0);
}

int main(int argc, char **argv)
{
    static bha one, many;
    uint32_t n = 1000000;
    double secs = 2;
    size_t n_cache = 4096, bytes, bytes_m, burst = 16;
    static const char *names[] = {"BU (recv + BA)", "data in 1400", "data out 1400"};
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(argv[0]);
            return 0;
        } else if (strcmp(argv[i], "--sas") == 0 && i + 1 < argc) {
            n = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--small-pages") == 0) {
            huge_pages = 0;
        } else if (strcmp(argv[i], "--burst") == 0 && i + 1 < argc) {
            burst = strtoul(argv[++i], NULL, 10);
            if (burst < 1 || burst > BATCH) {
                fprintf(stderr, "bench_ha: --burst takes 1..%d\n", BATCH);
                return 2;
            }
        } else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
            n_cache = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
            size_t count, k;
            const mip6tls_suite_info *all = mip6tls_suite_all(&count);
            const char *want = argv[++i];
            for (k = 0; k < count && strcmp(all[k].name, want) != 0; k++)
                ;
            if (k == count) {
                fprintf(stderr, "bench_ha: unknown suite %s\n", want);
                return 2;
            }
            suite = all[k].code;
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if ((n != 1 && n < 4 * BATCH) || n > MIP6TLS_SPI_MAX || n_cache < 1 || secs <= 0) {
        usage(argv[0]);
        return 2;
    }
    mip6tls_esp_impl_detect(&impl);

    bytes = mip6tls_ha_storage_bytes(n, mip6tls_ha_pow2(n_cache));
    bytes_m = mip6tls_ha_storage_bytes(1000000, mip6tls_ha_pow2(n_cache));
    printf("sizeof(mip6tls_ha_entry)      %zu octets\n", sizeof(mip6tls_ha_entry));
    printf("sizeof(mip6tls_ha_cache_slot) %zu octets x %zu slots\n", sizeof(mip6tls_ha_cache_slot),
           mip6tls_ha_pow2(n_cache));
    printf("storage for %u SAs            %.1f MiB (%.1f octets per SA)\n", n,
           (double)bytes / 1048576.0, (double)bytes / n);
    printf("storage for 10^6 SAs          %.1f MiB (%.1f octets per SA; goal <= 1024 MiB)\n",
           (double)bytes_m / 1048576.0, (double)bytes_m / 1e6);
    printf("suite %s, %.1f s per measurement, tables on %s pages\n",
           mip6tls_suite_find(suite)->name, secs, huge_pages ? "2 MiB (THP)" : "4 KiB");

    setup(&one, 1, n_cache);
    setup(&many, n, n_cache);
    printf("\n%-16s %12s %14s %8s %18s %8s\n", "op", "1 SA ns/op", "N SAs ns/op", "ratio",
           "N SAs, flows ns/op", "ratio");
    for (i = 0; i < 3; i++) {
        double a = measure(&one, i, secs, 1), b = measure(&many, i, secs, 1);
        double c = measure(&many, i, secs, burst);
        printf("%-16s %12.0f %14.0f %7.2fx %18.0f %7.2fx\n", names[i], a, b, b / a, c, c / a);
    }
    printf("(N SAs: every packet on a random SA, all cold; flows: %zu packets per random SA in a"
           " row)\n", burst);
    printf("%-16s %12.0f   (expanding one SA's key schedules: a cache miss)\n", "esp init",
           measure_esp_init(secs / 2));
    return 0;
}
