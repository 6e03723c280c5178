/* cli.c: see cli.h. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int px_cli_parse(int argc, char **argv, const char *prog, const char *version,
                 void (*usage)(FILE *), px_cli *out)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'k'},
        {"status", no_argument, NULL, 'S'},       {"socket", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
    int opt;
    memset(out, 0, sizeof *out);
    while ((opt = getopt_long(argc, argv, "c:s:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': out->conf = optarg; break;
        case 'k': out->check = 1; break;
        case 'S': out->status = 1; break;
        case 's': out->sock = optarg; break;
        case 'v': out->verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("%s %s\n", prog, version); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\" (try --help)\n", prog, argv[optind]);
        return 2;
    }
    return -1;
}
