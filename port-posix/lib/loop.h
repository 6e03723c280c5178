/*
 * loop.h: one epoll loop per daemon.
 *
 * File descriptors register a px_io (callback + context). Before every wait the loop asks the
 * daemon for its next deadline (the core's mip6tls_<role>_next_deadline(), and the port's own
 * TCP linger ends) and sleeps at most until then; when the deadline has passed it calls the
 * daemon's timer hook, which ticks the core. That is the single timer of docs/porting.md §4:
 * re-armed after every event from the deadline the core reports. SIGTERM and SIGINT arrive
 * through a signalfd as ordinary events; SIGPIPE is ignored (a peer that resets a TCP
 * connection shows up as a write error, not a dead daemon).
 */
#ifndef PX_LOOP_H
#define PX_LOOP_H

#include <stdint.h>

typedef struct px_loop px_loop;
typedef struct px_io px_io;

/* Called with the epoll event bits (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP...). */
typedef void (*px_io_fn)(px_io *io, uint32_t events);

struct px_io {
    int fd;
    px_io_fn fn;
    void *ctx;
    uint32_t events; /* what the fd is registered for */
};

typedef struct {
    /* The earliest time (px_now_ms) anything is due; UINT64_MAX: nothing. */
    uint64_t (*next_deadline)(void *ctx);
    /* The deadline passed: run what is due (tick the core). */
    void (*on_timer)(void *ctx, uint64_t now_ms);
    /* SIGTERM or SIGINT arrived. */
    void (*on_signal)(void *ctx, int sig);
    /* After each batch of events (flush batched datagrams). May be NULL. */
    void (*after_events)(void *ctx);
} px_loop_hooks;

struct px_loop {
    int ep;
    px_io sig;
    px_loop_hooks hooks;
    void *ctx;
    int stop;
};

/* Milliseconds of CLOCK_MONOTONIC: the now_ms of every core call. */
uint64_t px_now_ms(void);
/* Unix milliseconds (CLOCK_REALTIME): for the cores' unix_offset_ms. */
int64_t px_wall_ms(void);

/* Creates the epoll instance and the signalfd (SIGTERM, SIGINT blocked and read from it).
 * Returns 0 or -errno. */
int px_loop_init(px_loop *l, const px_loop_hooks *hooks, void *ctx);
void px_loop_close(px_loop *l);

/* Registers, changes or removes io->fd. Return 0 or -errno. */
int px_loop_add(px_loop *l, px_io *io, uint32_t events);
int px_loop_mod(px_loop *l, px_io *io, uint32_t events);
void px_loop_del(px_loop *l, px_io *io);

/* Runs until px_loop_stop(). Returns 0, or -errno if epoll_wait fails. */
int px_loop_run(px_loop *l);
void px_loop_stop(px_loop *l);

#endif
