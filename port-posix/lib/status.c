/* status.c: see status.h. */
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static void status_client_io(px_io *io, uint32_t ev)
{
    px_tcp *t = (px_tcp *)io;
    px_status *st = io->ctx;
    int rc = px_tcp_flush(t);
    (void)ev;
    if (rc != 0) /* all sent, or the client went away */
        px_tcp_free(st->loop, t);
}

static void status_accept(px_io *io, uint32_t ev)
{
    px_status *st = io->ctx;
    px_buf b;
    px_tcp *t = NULL;
    size_t i;
    int fd;
    (void)ev;
    while ((fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        for (i = 0; i < PX_STATUS_CLIENTS && t == NULL; i++)
            if (!st->clients[i].used)
                t = &st->clients[i];
        if (t == NULL) {
            close(fd);
            continue;
        }
        memset(t, 0, sizeof *t);
        t->io.fd = fd;
        t->io.fn = status_client_io;
        t->io.ctx = st;
        t->used = 1;
        memset(&b, 0, sizeof b);
        st->report(st->ctx, &b);
        if (b.oom)
            px_buf_printf(&b, "\n(report cut short: out of memory)\n");
        if (px_tcp_write(t, (const uint8_t *)b.s, b.len) != 0 || t->wq_len == 0 ||
            px_loop_add(st->loop, &t->io, EPOLLOUT) != 0)
            px_tcp_free(st->loop, t); /* all sent at once (or failed): done */
        px_buf_free(&b);
        t = NULL;
    }
}

int px_status_open(px_status *st, px_loop *loop, const char *path,
                   void (*report)(void *ctx, px_buf *out), void *ctx)
{
    struct sockaddr_un sun;
    int fd, e;
    size_t i;
    memset(st, 0, sizeof *st);
    st->listen.fd = -1;
    for (i = 0; i < PX_STATUS_CLIENTS; i++)
        st->clients[i].io.fd = -1;
    if (strlen(path) >= sizeof sun.sun_path)
        return -ENAMETOOLONG;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(path); /* a previous run's socket */
    if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 || chmod(path, 0600) != 0 ||
        listen(fd, 8) != 0) {
        e = errno;
        close(fd);
        return -e;
    }
    snprintf(st->path, sizeof st->path, "%s", path);
    st->loop = loop;
    st->report = report;
    st->ctx = ctx;
    st->listen.fd = fd;
    st->listen.fn = status_accept;
    st->listen.ctx = st;
    return px_loop_add(loop, &st->listen, EPOLLIN);
}

void px_status_close(px_status *st)
{
    size_t i;
    for (i = 0; i < PX_STATUS_CLIENTS; i++)
        if (st->clients[i].used)
            px_tcp_free(st->loop, &st->clients[i]);
    if (st->listen.fd >= 0) {
        px_loop_del(st->loop, &st->listen);
        close(st->listen.fd);
        unlink(st->path);
    }
    st->listen.fd = -1;
}

int px_status_query(const char *path)
{
    struct sockaddr_un sun;
    char buf[4096];
    ssize_t n;
    int fd;
    if (strlen(path) >= sizeof sun.sun_path) {
        fprintf(stderr, "status socket path too long: %s\n", path);
        return 1;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        fprintf(stderr, "cannot reach the daemon at %s: %s (is it running?)\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            break;
    close(fd);
    return n < 0 ? 1 : 0;
}
