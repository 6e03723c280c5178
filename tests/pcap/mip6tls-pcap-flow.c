/*
 * mip6tls-pcap-flow: prints the RFC 6618 message sequence of a capture, one canonical line per
 * frame of interest, decrypting with the esp_sa rows of the run; or compares the sequences of
 * two captures (the pcap regression tests, pcaps/README.md). Run with --help for the options.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pflow.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mip6tls-pcap-flow [OPTIONS] CAPTURE\n"
            "       mip6tls-pcap-flow [OPTIONS] --compare GOLDEN FRESH\n"
            "\n"
            "Prints the RFC 6618 message sequence of CAPTURE (pcap or pcapng: Ethernet, raw IP,\n"
            "PPP, Linux cooked, 802.11 with or without radiotap), one line per frame of\n"
            "interest: time, source > destination, and what it is: TCP to or from the HAC port\n"
            "(flags, payload length), or UDP on the service port (PType, SPI, ESP sequence\n"
            "number and, decrypted with the esp_sa rows, the Mobility Header or the inner\n"
            "packet). Frames that do not decode or decrypt are listed as such.\n"
            "With --compare, decodes both captures (each with its own esp_sa) and compares the\n"
            "sequences line by line, then the times of the aligned lines; prints a diff ('-'\n"
            "golden, '+' fresh) and exits 1 when they differ.\n"
            "\n"
            "  --sa FILE          esp_sa rows for CAPTURE (default: the file esp_sa next to it)\n"
            "  --golden-sa FILE   esp_sa rows for GOLDEN (default: esp_sa next to it)\n"
            "  --fresh-sa FILE    esp_sa rows for FRESH (default: esp_sa next to it)\n"
            "  --no-sa            decrypt nothing\n"
            "  --hac-port N       the HAC's TCP port (default 7872)\n"
            "  --port N           the RFC 6618 UDP service port (default 7872)\n"
            "  --all              also list every other IP packet\n"
            "  --abs-time         times as in the capture (ns-3: simulation time), not from the\n"
            "                     first frame\n"
            "  --round-ms X       print times rounded to X ms (default 0.001)\n"
            "  --frames           print frame numbers (as Wireshark counts them)\n"
            "  --normalize        print the lines as --compare compares them (below)\n"
            "  --strict           compare raw values: SPIs, MH sequence numbers, TCP lengths\n"
            "  --tolerance-ms X   allowed time difference of aligned lines (default 1)\n"
            "  --context N        equal lines shown around a difference (default 2)\n"
            "  --max-shown N      differences (hunks, timing lines) printed at most (default 20)\n"
            "  -h, --help         this text\n"
            "\n"
            "Without --strict, values that are random per run are compared by position: SPIs as\n"
            "s1, s2, ... in order of first appearance (so golden SPIs map onto fresh SPIs one to\n"
            "one), MH sequence numbers as b+N from the first BU of the home address, and TCP\n"
            "payload lengths as classes (0, 1-99, 100-999, 1000+). ESP sequence numbers, ports,\n"
            "addresses, MH types, status, flags, lifetimes and options are compared as they are.\n"
            "Exit status: 0 printed / equal, 1 the captures differ, 2 bad usage or input.\n");
}

typedef struct {
    const char *sa_path[2];
    int no_sa, all, abs_time, normalize, strict, compare;
    pflow_opts opt;
    pflow_cmp_opts cmp;
    const char *files[2];
    int nfiles;
} cli;

static int bad_value(const char *opt, const char *v, const char *what)
{
    fprintf(stderr, "mip6tls-pcap-flow: %s %s: %s (try --help)\n", opt, v ? v : "(missing)", what);
    return -1;
}

static int parse_ms(const char *opt, const char *v, int64_t *ns)
{
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (v == NULL || errno || end == v || *end || !isfinite(x) || x <= 0 || x > 1e9)
        return bad_value(opt, v, "needs a positive number of milliseconds");
    *ns = (int64_t)llround(x * 1e6);
    if (*ns < 1)
        return bad_value(opt, v, "is below one nanosecond");
    return 0;
}

static int parse_uint(const char *opt, const char *v, unsigned long lo, unsigned long hi,
                      unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long x = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
    if (v == NULL || *v < '0' || *v > '9' || errno || *end || x < lo || x > hi) {
        char what[64];
        snprintf(what, sizeof what, "needs an integer from %lu to %lu", lo, hi);
        return bad_value(opt, v, what);
    }
    *out = x;
    return 0;
}

static int parse_args(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    pflow_opts_default(&c->opt);
    pflow_cmp_opts_default(&c->cmp);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long u;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--sa") == 0 || strcmp(a, "--golden-sa") == 0) {
            if (v == NULL)
                return bad_value(a, v, "needs a file");
            c->sa_path[0] = argv[++i];
        } else if (strcmp(a, "--fresh-sa") == 0) {
            if (v == NULL)
                return bad_value(a, v, "needs a file");
            c->sa_path[1] = argv[++i];
        } else if (strcmp(a, "--no-sa") == 0) {
            c->no_sa = 1;
        } else if (strcmp(a, "--hac-port") == 0 || strcmp(a, "--port") == 0) {
            if (parse_uint(a, v, 1, 65535, &u) != 0)
                return -1;
            i++;
            if (a[2] == 'h')
                c->opt.hac_port = (uint16_t)u;
            else
                c->opt.udp_port = (uint16_t)u;
        } else if (strcmp(a, "--all") == 0) {
            c->opt.all = 1;
        } else if (strcmp(a, "--frames") == 0) {
            c->cmp.frames = 1;
        } else if (strcmp(a, "--abs-time") == 0) {
            c->abs_time = 1;
        } else if (strcmp(a, "--round-ms") == 0) {
            if (parse_ms(a, v, &c->cmp.round_ns) != 0)
                return -1;
            i++;
        } else if (strcmp(a, "--tolerance-ms") == 0) {
            if (parse_ms(a, v, &c->cmp.tol_ns) != 0)
                return -1;
            i++;
        } else if (strcmp(a, "--normalize") == 0) {
            c->normalize = 1;
        } else if (strcmp(a, "--strict") == 0) {
            c->strict = 1;
        } else if (strcmp(a, "--compare") == 0) {
            c->compare = 1;
        } else if (strcmp(a, "--context") == 0 || strcmp(a, "--max-shown") == 0) {
            if (parse_uint(a, v, 0, 100000, &u) != 0)
                return -1;
            i++;
            if (a[2] == 'c')
                c->cmp.context = (size_t)u;
            else
                c->cmp.max_shown = (size_t)u;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "mip6tls-pcap-flow: unknown option %s (try --help)\n", a);
            return -1;
        } else if (c->nfiles < 2) {
            c->files[c->nfiles++] = a;
        } else {
            fprintf(stderr, "mip6tls-pcap-flow: too many files (%s) (try --help)\n", a);
            return -1;
        }
    }
    if (c->nfiles != (c->compare ? 2 : 1)) {
        fprintf(stderr, "mip6tls-pcap-flow: %s (try --help)\n",
                c->compare ? "--compare needs GOLDEN and FRESH" : "needs one CAPTURE");
        return -1;
    }
    if (!c->compare && c->sa_path[1] != NULL) {
        fprintf(stderr, "mip6tls-pcap-flow: --fresh-sa is for --compare (try --help)\n");
        return -1;
    }
    return 0;
}

/* Loads the esp_sa rows for `capture`: `path`, or the file esp_sa in the capture's directory
 * when there is one. */
static int load_sas(const cli *c, const char *capture, const char *path, pflow_sa_table *t)
{
    char def[4096], err[PFLOW_ERR_MAX];
    if (c->no_sa)
        return 0;
    if (path == NULL) {
        const char *slash = strrchr(capture, '/');
        int n = slash ? snprintf(def, sizeof def, "%.*s/esp_sa", (int)(slash - capture), capture)
                      : snprintf(def, sizeof def, "esp_sa");
        if (n < 0 || (size_t)n >= sizeof def)
            return 0;
        if (access(def, F_OK) != 0) {
            fprintf(stderr, "mip6tls-pcap-flow: no %s: %s is not decrypted\n", def, capture);
            return 0;
        }
        path = def;
    }
    if (pflow_sa_load(t, path, err, sizeof err) != 0) {
        fprintf(stderr, "mip6tls-pcap-flow: %s\n", err);
        return -1;
    }
    return 0;
}

static int read_flow(const cli *c, int which, pflow_sa_table *t, pflow_flow *f)
{
    char err[PFLOW_ERR_MAX + 256];
    if (access(c->files[which], R_OK) != 0) {
        fprintf(stderr, "mip6tls-pcap-flow: %s: %s\n", c->files[which], strerror(errno));
        return -1;
    }
    if (load_sas(c, c->files[which], c->sa_path[which], t) != 0)
        return -1;
    if (pflow_read_pcap(f, c->files[which], t, &c->opt, c->abs_time, err, sizeof err) != 0) {
        fprintf(stderr, "mip6tls-pcap-flow: %s\n", err);
        return -1;
    }
    pflow_flow_lines(f, c->compare ? !c->strict : c->normalize);
    return 0;
}

int main(int argc, char **argv)
{
    cli c;
    if (parse_args(argc, argv, &c) != 0)
        return 2;
    pflow_sa_table t[2];
    pflow_flow f[2];
    int nf = c.compare ? 2 : 1, rc = 2;
    for (int i = 0; i < 2; i++) {
        pflow_sa_init(&t[i]);
        pflow_flow_init(&f[i]);
    }
    for (int i = 0; i < nf; i++)
        if (read_flow(&c, i, &t[i], &f[i]) != 0)
            goto out;
    if (!c.compare) {
        pflow_flow_print(&f[0], c.cmp.round_ns, c.cmp.frames, stdout);
        rc = 0;
        goto out;
    }
    pflow_cmp_result res;
    int d = pflow_compare(&f[0], &f[1], &c.cmp, stdout, &res);
    if (d < 0) {
        fprintf(stderr, "mip6tls-pcap-flow: out of memory\n");
        goto out;
    }
    char tol[32], worst[32];
    pflow_format_ms(c.cmp.tol_ns, c.cmp.round_ns, tol, sizeof tol);
    pflow_format_ms(res.worst_ns < 0 ? -res.worst_ns : res.worst_ns, c.cmp.round_ns, worst,
                    sizeof worst);
    if (d == 0)
        printf("same message sequence: %zu lines in both (%s); largest time difference %s ms "
               "(tolerance +-%s ms)\n",
               f[0].n,
               c.strict ? "raw values"
                        : "SPIs and MH sequence numbers by position, TCP lengths by class",
               worst, tol);
    else
        printf("DIFFERENT: golden %s has %zu lines, fresh %s %zu; %zu only in golden, %zu only "
               "in fresh, %zu aligned lines more than +-%s ms apart (largest %s ms)\n",
               c.files[0], f[0].n, c.files[1], f[1].n, res.only_golden, res.only_fresh, res.timing,
               tol, worst);
    rc = d;
out:
    for (int i = 0; i < 2; i++) {
        pflow_flow_free(&f[i]);
        pflow_sa_free(&t[i]);
    }
    return rc;
}
