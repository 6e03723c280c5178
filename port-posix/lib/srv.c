/* srv.c: see srv.h. */
#include "srv.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SRV_ANSWER_MAX 4096
#define SRV_MAX 64

static int srv_cmp_priority(const void *a, const void *b)
{
    const px_srv_rec *x = a, *y = b;
    return (int)x->priority - (int)y->priority;
}

void px_srv_order(px_srv_rec *recs, size_t n, const uint32_t *rnd)
{
    size_t start = 0, k = 0;
    /* Stable enough: records of equal priority are reordered by the draw below anyway. */
    qsort(recs, n, sizeof *recs, srv_cmp_priority);
    while (start < n) {
        size_t end = start, i;
        while (end < n && recs[end].priority == recs[start].priority)
            end++;
        /* RFC 2782, "Usage rules": arrange the zero-weight records first, then repeatedly
         * draw a number in [0, sum of weights] and take the first record whose running sum is
         * at least that number. */
        for (i = start; i < end; i++) {
            size_t j;
            for (j = i; j > start && recs[j].weight == 0 && recs[j - 1].weight != 0; j--) {
                px_srv_rec t = recs[j];
                recs[j] = recs[j - 1];
                recs[j - 1] = t;
            }
        }
        for (i = start; i < end; i++) {
            uint64_t sum = 0, run = 0, pick;
            size_t j;
            for (j = i; j < end; j++)
                sum += recs[j].weight;
            pick = sum ? (uint64_t)rnd[k++] % (sum + 1) : 0;
            for (j = i; j < end; j++) {
                run += recs[j].weight;
                if (run >= pick)
                    break;
            }
            if (j == end)
                j = end - 1;
            if (j != i) { /* move the pick to position i, keeping the others' order */
                px_srv_rec t = recs[j];
                memmove(&recs[i + 1], &recs[i], (j - i) * sizeof *recs);
                recs[i] = t;
            }
        }
        start = end;
    }
}

static const char *srv_herror(int e)
{
    switch (e) {
    case HOST_NOT_FOUND: return "no such name (NXDOMAIN)";
    case NO_DATA: return "the name has no SRV record";
    case TRY_AGAIN: return "no answer from the DNS servers (try again later)";
    case NO_RECOVERY: return "the DNS servers refused or failed the query";
    default: return "DNS look-up failed";
    }
}

int px_srv_lookup(const char *name, px_srv_rec *out, size_t cap, char *err, size_t errcap)
{
    struct __res_state st;
    uint8_t answer[SRV_ANSWER_MAX];
    px_srv_rec recs[SRV_MAX];
    uint32_t rnd[SRV_MAX];
    ns_msg msg;
    size_t n = 0, i;
    int len, count, k;

    memset(&st, 0, sizeof st);
    if (res_ninit(&st) != 0) {
        snprintf(err, errcap, "cannot read the resolver configuration (/etc/resolv.conf)");
        return -1;
    }
    len = res_nquery(&st, name, ns_c_in, ns_t_srv, answer, sizeof answer);
    if (len < 0) {
        snprintf(err, errcap, "%s", srv_herror(st.res_h_errno));
        res_nclose(&st);
        return -1;
    }
    res_nclose(&st);
    if (ns_initparse(answer, len, &msg) != 0) {
        snprintf(err, errcap, "the DNS answer does not parse");
        return -1;
    }
    count = ns_msg_count(msg, ns_s_an);
    for (k = 0; k < count && n < SRV_MAX; k++) {
        ns_rr rr;
        const uint8_t *rd;
        if (ns_parserr(&msg, ns_s_an, k, &rr) != 0)
            break;
        if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in || ns_rr_rdlen(rr) < 7)
            continue; /* e.g. the CNAME that led here */
        rd = ns_rr_rdata(rr);
        recs[n].priority = (uint16_t)ns_get16(rd);
        recs[n].weight = (uint16_t)ns_get16(rd + 2);
        recs[n].port = (uint16_t)ns_get16(rd + 4);
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, recs[n].target,
                      sizeof recs[n].target) < 0)
            continue;
        n++;
    }
    if (n == 0) {
        snprintf(err, errcap, "the name has no SRV record");
        return -1;
    }
    /* RFC 2782: "A Target of "." means that the service is decidedly not available at this
     * domain." (dn_expand gives the root as an empty name). */
    if (n == 1 && (recs[0].target[0] == 0 || strcmp(recs[0].target, ".") == 0)) {
        snprintf(err, errcap, "the service is decidedly not available there (target \".\")");
        return -1;
    }
    for (i = 0, k = 0; i < n; i++)
        if (recs[i].target[0] != 0 && strcmp(recs[i].target, ".") != 0 && recs[i].port != 0)
            recs[k++] = recs[i];
    n = (size_t)k;
    if (n == 0) {
        snprintf(err, errcap, "no SRV record names a host and port");
        return -1;
    }
    if (px_seed(rnd, n * sizeof rnd[0]) != 0)
        memset(rnd, 0, sizeof rnd);
    px_srv_order(recs, n, rnd);
    if (n > cap)
        n = cap;
    memcpy(out, recs, n * sizeof *out);
    return (int)n;
}
