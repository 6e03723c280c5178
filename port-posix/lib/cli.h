/*
 * cli.h: the command line both daemons share: -c/--config FILE, --check, --status,
 * -s/--socket PATH, -v/--verbose, -h/--help, --version.
 */
#ifndef PX_CLI_H
#define PX_CLI_H

#include <stdio.h>

typedef struct {
    const char *conf; /* -c FILE, or NULL */
    const char *sock; /* -s PATH, or NULL */
    int check;        /* --check */
    int status;       /* --status */
    int verbose;      /* -v */
} px_cli;

/* Parses argv into *out. Returns -1 to go on, or the exit status when the program is done
 * (0 after --help or --version, 2 after a bad option or argument, with a message on stderr
 * naming it). `usage` prints the program's help to the stream it is given. */
int px_cli_parse(int argc, char **argv, const char *prog, const char *version,
                 void (*usage)(FILE *), px_cli *out);

#endif
