/* loop.c: see loop.h. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "mip6tls/common.h"

uint64_t px_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t px_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void loop_on_signal(px_io *io, uint32_t events)
{
    px_loop *l = io->ctx;
    struct signalfd_siginfo si;
    (void)events;
    while (read(io->fd, &si, sizeof si) == (ssize_t)sizeof si)
        if (l->hooks.on_signal)
            l->hooks.on_signal(l->ctx, (int)si.ssi_signo);
}

int px_loop_init(px_loop *l, const px_loop_hooks *hooks, void *ctx)
{
    sigset_t set;
    memset(l, 0, sizeof *l);
    l->hooks = *hooks;
    l->ctx = ctx;
    l->sig.fd = -1;
    signal(SIGPIPE, SIG_IGN);
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    if (l->ep < 0)
        return -errno;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -errno;
    l->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (l->sig.fd < 0)
        return -errno;
    l->sig.fn = loop_on_signal;
    l->sig.ctx = l;
    return px_loop_add(l, &l->sig, EPOLLIN);
}

void px_loop_close(px_loop *l)
{
    if (l->sig.fd >= 0)
        close(l->sig.fd);
    if (l->ep >= 0)
        close(l->ep);
    l->sig.fd = l->ep = -1;
}

int px_loop_add(px_loop *l, px_io *io, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = io;
    io->events = events;
    return epoll_ctl(l->ep, EPOLL_CTL_ADD, io->fd, &ev) == 0 ? 0 : -errno;
}

int px_loop_mod(px_loop *l, px_io *io, uint32_t events)
{
    struct epoll_event ev;
    if (io->events == events)
        return 0;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = io;
    io->events = events;
    return epoll_ctl(l->ep, EPOLL_CTL_MOD, io->fd, &ev) == 0 ? 0 : -errno;
}

void px_loop_del(px_loop *l, px_io *io)
{
    if (io->fd >= 0)
        epoll_ctl(l->ep, EPOLL_CTL_DEL, io->fd, NULL);
}

void px_loop_stop(px_loop *l)
{
    l->stop = 1;
}

int px_loop_run(px_loop *l)
{
    struct epoll_event evs[64];
    while (!l->stop) {
        uint64_t due = l->hooks.next_deadline(l->ctx), now = px_now_ms();
        int timeout, n, i;
        if (due == MIP6TLS_NO_DEADLINE)
            timeout = -1;
        else if (due <= now)
            timeout = 0;
        else
            timeout = due - now > 3600000u ? 3600000 : (int)(due - now);
        n = epoll_wait(l->ep, evs, 64, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (i = 0; i < n && !l->stop; i++) {
            px_io *io = evs[i].data.ptr;
            /* An earlier event of this batch may have closed it (fd -1, slot kept). */
            if (io->fd >= 0)
                io->fn(io, evs[i].events);
        }
        if (!l->stop) {
            now = px_now_ms();
            if (l->hooks.next_deadline(l->ctx) <= now)
                l->hooks.on_timer(l->ctx, now);
        }
        if (l->hooks.after_events)
            l->hooks.after_events(l->ctx);
    }
    return 0;
}
