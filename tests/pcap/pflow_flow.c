/*
 * pflow_flow.c: the records of a whole capture (read with libpcap), their canonical lines,
 * and the comparison of two captures' lines: a shortest edit script (E. W. Myers, "An O(ND)
 * Difference Algorithm and Its Variations", Algorithmica 1986) aligns them, then every
 * aligned pair is checked for timing.
 */
/* libpcap's headers use the BSD types u_int, u_char: glibc declares them with this. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pflow.h"

#define CMP_MAX_D 2000 /* edit distances beyond this are not aligned, only counted roughly */

void pflow_flow_init(pflow_flow *f)
{
    memset(f, 0, sizeof *f);
    f->dlt = -1;
}

void pflow_flow_free(pflow_flow *f)
{
    free(f->e);
    pflow_flow_init(f);
}

int pflow_flow_add(pflow_flow *f, const pflow_rec *r)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        pflow_entry *e = realloc(f->e, cap * sizeof *e);
        if (e == NULL)
            return -1;
        f->e = e;
        f->cap = cap;
    }
    memset(&f->e[f->n], 0, sizeof f->e[f->n]);
    f->e[f->n].rec = *r;
    f->n++;
    return 0;
}

int pflow_read_pcap(pflow_flow *f, const char *path, const pflow_sa_table *sas, const pflow_opts *o,
                    int abs_time, char *err, size_t errcap)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (p == NULL) { /* libpcap's message names the file when it could not open it */
        if (strncmp(ebuf, path, strlen(path)) == 0)
            snprintf(err, errcap, "%s", ebuf);
        else
            snprintf(err, errcap, "%s: %s", path, ebuf);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    f->dlt = pcap_datalink(p);
    if (!pflow_link_supported(f->dlt)) {
        const char *name = pcap_datalink_val_to_name(f->dlt);
        snprintf(err, errcap, "%s: link type %d (%s) is not supported", path, f->dlt,
                 name ? name : "unknown");
        pcap_close(p);
        return -1;
    }
    pflow_decoder d;
    pflow_decoder_init(&d, o, sas);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        int64_t t = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
        if (f->frames == 0 && !abs_time)
            f->origin_ns = t;
        f->frames++;
        pflow_rec r;
        memset(&r, 0, sizeof r);
        r.t_ns = t - f->origin_ns;
        r.frame = f->frames;
        pflow_l3 l3;
        const char *why;
        int lr = pflow_link_ip(f->dlt, data, h->caplen, &l3, &why);
        int keep = 0;
        if (lr < 0) {
            r.kind = PFLOW_K_BAD;
            snprintf(r.bad, sizeof r.bad, "%s", why);
            keep = 1;
        } else if (lr == 1) {
            r.retry = l3.retry;
            keep = pflow_decode_ip(&d, l3.ip, l3.len, &r);
        }
        if (keep && pflow_flow_add(f, &r) != 0) {
            snprintf(err, errcap, "%s: out of memory", path);
            pcap_close(p);
            return -1;
        }
    }
    if (rc == PCAP_ERROR) {
        snprintf(err, errcap, "%s: frame %lu: %s", path, (unsigned long)f->frames + 1,
                 pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    pcap_close(p);
    return 0;
}

static uint64_t flow_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

void pflow_flow_lines(pflow_flow *f, int normalize)
{
    pflow_norm norm;
    pflow_norm_init(&norm);
    for (size_t i = 0; i < f->n; i++) {
        pflow_format(&f->e[i].rec, normalize ? &norm : NULL, f->e[i].line, sizeof f->e[i].line);
        f->e[i].hash = flow_hash(f->e[i].line);
    }
}

/* One line of output: a mark (or nothing), the time, the frame number when asked, the line. */
static void flow_line(FILE *out, const char *mark, const pflow_entry *e, int64_t round_ns,
                      int frames)
{
    char t[32];
    pflow_format_ms(e->rec.t_ns, round_ns, t, sizeof t);
    if (frames)
        fprintf(out, "%s%10s  #%-6lu %s\n", mark, t, (unsigned long)e->rec.frame, e->line);
    else
        fprintf(out, "%s%10s  %s\n", mark, t, e->line);
}

void pflow_flow_print(const pflow_flow *f, int64_t round_ns, int frames, FILE *out)
{
    for (size_t i = 0; i < f->n; i++)
        flow_line(out, "", &f->e[i], round_ns, frames);
}

void pflow_cmp_opts_default(pflow_cmp_opts *o)
{
    o->tol_ns = 1000000;
    o->round_ns = 1000;
    o->context = 2;
    o->max_shown = 20;
    o->frames = 0;
}

/* ---- alignment --------------------------------------------------------------------------- */

typedef enum { OP_EQ, OP_DEL, OP_INS } cmp_op_kind; /* DEL: golden only, INS: fresh only */

typedef struct {
    uint8_t op;
    size_t a, b; /* indexes into golden / fresh (the one that applies) */
} cmp_op;

static int cmp_eq(const pflow_entry *x, const pflow_entry *y)
{
    return x->hash == y->hash && strcmp(x->line, y->line) == 0;
}

/* Myers' greedy forward algorithm, keeping each round's V (diagonal k -> furthest x) so the
 * script can be traced back. Returns the number of ops written to *ops (the caller frees),
 * -2 when the distance exceeds max_d, -1 when out of memory. */
static long cmp_myers(const pflow_entry *a, long n, const pflow_entry *b, long m, long max_d,
                      cmp_op **ops_out)
{
    long dmax = n + m < max_d ? n + m : max_d;
    long *v = calloc((size_t)(2 * dmax + 3), sizeof *v);
    long **trace = calloc((size_t)dmax + 1, sizeof *trace);
    long found = -1;
    if (v == NULL || trace == NULL)
        goto oom;
    long off = dmax + 1;
    v[off + 1] = 0;
    for (long d = 0; d <= dmax && found < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                              : v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && cmp_eq(&a[x], &b[y]))
                x++, y++;
            v[off + k] = x;
            if (x >= n && y >= m)
                found = d;
        }
        trace[d] = malloc((size_t)(2 * d + 1) * sizeof **trace);
        if (trace[d] == NULL)
            goto oom;
        memcpy(trace[d], &v[off - d], (size_t)(2 * d + 1) * sizeof **trace);
    }
    if (found < 0) {
        for (long d = 0; d <= dmax; d++)
            free(trace[d]);
        free(trace);
        free(v);
        return -2;
    }
    cmp_op *ops = malloc((size_t)(n + m + 1) * sizeof *ops);
    if (ops == NULL)
        goto oom;
    long nops = 0, x = n, y = m;
    for (long d = found; d > 0; d--) {
        const long *pv = trace[d - 1] + (d - 1); /* pv[k] for k in [-(d-1), d-1] */
        long k = x - y;
        long pk = (k == -d || (k != d && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;
        long px = pv[pk], py = px - pk;
        long mx = pk == k + 1 ? px : px + 1; /* where the snake to (x, y) starts */
        while (x > mx) {
            x--, y--;
            ops[nops++] = (cmp_op){OP_EQ, (size_t)x, (size_t)y};
        }
        if (pk == k + 1)
            ops[nops++] = (cmp_op){OP_INS, (size_t)px, (size_t)py};
        else
            ops[nops++] = (cmp_op){OP_DEL, (size_t)px, (size_t)py};
        x = px;
        y = py;
    }
    while (x > 0) {
        x--, y--;
        ops[nops++] = (cmp_op){OP_EQ, (size_t)x, (size_t)y};
    }
    for (long i = 0; i < nops / 2; i++) { /* traced backwards */
        cmp_op t = ops[i];
        ops[i] = ops[nops - 1 - i];
        ops[nops - 1 - i] = t;
    }
    for (long d = 0; d <= found; d++)
        free(trace[d]);
    free(trace);
    free(v);
    *ops_out = ops;
    return nops;
oom:
    if (trace != NULL)
        for (long d = 0; d <= dmax; d++)
            free(trace[d]);
    free(trace);
    free(v);
    return -1;
}

static void cmp_line(FILE *out, char mark, const pflow_entry *e, const pflow_cmp_opts *o)
{
    char m[3] = {mark, ' ', '\0'};
    flow_line(out, m, e, o->round_ns, o->frames);
}

int pflow_compare(const pflow_flow *g, const pflow_flow *f, const pflow_cmp_opts *o, FILE *out,
                  pflow_cmp_result *res)
{
    pflow_cmp_result rr;
    memset(&rr, 0, sizeof rr);
    cmp_op *ops = NULL;
    long nops = cmp_myers(g->e, (long)g->n, f->e, (long)f->n, CMP_MAX_D, &ops);
    if (nops == -1)
        return -1;
    if (nops == -2) {
        /* Too different to align: report the first difference in lockstep and the counts. */
        size_t i = 0;
        while (i < g->n && i < f->n && cmp_eq(&g->e[i], &f->e[i]))
            i++;
        rr.only_golden = g->n;
        rr.only_fresh = f->n;
        if (out != NULL) {
            fprintf(out, "more than %d lines differ; the first difference, at line %zu:\n",
                    CMP_MAX_D, i + 1);
            if (i < g->n)
                cmp_line(out, '-', &g->e[i], o);
            if (i < f->n)
                cmp_line(out, '+', &f->e[i], o);
        }
        if (res != NULL)
            *res = rr;
        return 1;
    }

    /* Hunks: runs of edits with `context` equal lines around them. */
    size_t shown = 0, hidden = 0;
    long i = 0;
    while (i < nops) {
        if (ops[i].op == OP_EQ) {
            i++;
            continue;
        }
        long s = i, e = i;
        for (;;) { /* join the next edit when at most 2 * context equal lines separate them */
            long j = e + 1;
            while (j < nops && ops[j].op == OP_EQ)
                j++;
            if (j < nops && j - e - 1 <= (long)(2 * o->context))
                e = j;
            else
                break;
        }
        for (long k = s; k <= e; k++) {
            if (ops[k].op == OP_DEL)
                rr.only_golden++;
            else if (ops[k].op == OP_INS)
                rr.only_fresh++;
        }
        if (out != NULL && shown < o->max_shown) {
            long from = s - (long)o->context < 0 ? 0 : s - (long)o->context;
            long to = e + (long)o->context >= nops ? nops - 1 : e + (long)o->context;
            fprintf(out, "@@ golden line %zu, fresh line %zu @@\n", ops[from].a + 1,
                    ops[from].b + 1);
            for (long k = from; k <= to; k++) {
                if (ops[k].op == OP_EQ)
                    cmp_line(out, ' ', &g->e[ops[k].a], o);
                else if (ops[k].op == OP_DEL)
                    cmp_line(out, '-', &g->e[ops[k].a], o);
                else
                    cmp_line(out, '+', &f->e[ops[k].b], o);
            }
            shown++;
        } else {
            hidden++;
        }
        i = e + 1;
    }
    if (out != NULL && hidden)
        fprintf(out, "... %zu more difference%s not shown\n", hidden, hidden == 1 ? "" : "s");

    /* Timing of the aligned lines. */
    size_t tshown = 0;
    for (long k = 0; k < nops; k++) {
        if (ops[k].op != OP_EQ)
            continue;
        const pflow_entry *x = &g->e[ops[k].a], *y = &f->e[ops[k].b];
        int64_t dt = y->rec.t_ns - x->rec.t_ns, adt = dt < 0 ? -dt : dt;
        if (adt > (rr.worst_ns < 0 ? -rr.worst_ns : rr.worst_ns))
            rr.worst_ns = dt;
        if (adt <= o->tol_ns)
            continue;
        rr.timing++;
        if (out != NULL && tshown < o->max_shown) {
            char tg[32], tf[32], td[32], tol[32];
            pflow_format_ms(x->rec.t_ns, o->round_ns, tg, sizeof tg);
            pflow_format_ms(y->rec.t_ns, o->round_ns, tf, sizeof tf);
            pflow_format_ms(dt, o->round_ns, td, sizeof td);
            pflow_format_ms(o->tol_ns, o->round_ns, tol, sizeof tol);
            fprintf(out,
                    "timing: golden line %zu (frame %lu) at %s ms, fresh line %zu (frame %lu) at "
                    "%s ms (%s%s ms, beyond +-%s ms): %s\n",
                    ops[k].a + 1, (unsigned long)x->rec.frame, tg, ops[k].b + 1,
                    (unsigned long)y->rec.frame, tf, dt > 0 ? "+" : "", td, tol, x->line);
            tshown++;
        }
    }
    if (out != NULL && rr.timing > tshown)
        fprintf(out, "... %zu more timing difference%s not shown\n", rr.timing - tshown,
                rr.timing - tshown == 1 ? "" : "s");
    free(ops);
    if (res != NULL)
        *res = rr;
    return rr.only_golden || rr.only_fresh || rr.timing ? 1 : 0;
}
