/*
 * status.h: each daemon's status socket (a UNIX stream socket). A client connects and reads a
 * plain-text report (bindings, SAs, counters) until the daemon closes; nothing is read from
 * the client. `mip6tls-home --status` and `mip6tls-mn --status` are such clients.
 */
#ifndef PX_STATUS_H
#define PX_STATUS_H

#include <stddef.h>

#include "loop.h"
#include "net.h"
#include "util.h"

#define PX_STATUS_CLIENTS 8

typedef struct {
    px_io listen;
    px_loop *loop;
    char path[108];
    void (*report)(void *ctx, px_buf *out);
    void *ctx;
    px_tcp clients[PX_STATUS_CLIENTS]; /* write queues of reports being sent */
} px_status;

/* Listens on `path` (a stale socket file is replaced; the socket is mode 0600). Returns 0 or
 * -errno. */
int px_status_open(px_status *st, px_loop *loop, const char *path,
                   void (*report)(void *ctx, px_buf *out), void *ctx);
/* Stops listening, removes the socket file. */
void px_status_close(px_status *st);

/* Client: connects to `path`, copies the report to stdout. Returns 0, or 1 after printing why
 * it could not (to stderr). */
int px_status_query(const char *path);

#endif
