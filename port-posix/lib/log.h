/*
 * log.h: the daemons' log lines, and the names of the core's events.
 *
 * One line per message on stderr (journald or a redirect keeps them):
 *     <monotonic seconds> <program> <level>: <text>
 * The first field is CLOCK_MONOTONIC, the clock the core's now_ms comes from, so lines of
 * several daemons on one host (in different network namespaces too) line up, and the e2e
 * test measures intervals from them. The wall-clock time at start is logged once.
 */
#ifndef PX_LOG_H
#define PX_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"
#include "mip6tls/outbox.h"

typedef enum { PX_LOG_ERR = 0, PX_LOG_WARN, PX_LOG_INFO, PX_LOG_DEBUG } px_log_level;

/* Program name for every line; lines above `level` are not written. */
void px_log_init(const char *prog, px_log_level level);
void px_log_set_level(px_log_level level);
/* "err", "warn", "info", "debug" -> level; -1 for anything else. */
int px_log_level_parse(const char *s);

void px_log(px_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text forms for logs: "2001:db8::1", "[2001:db8::1]:7872", "192.0.2.1:7872"; "-" when the
 * family is not set. Return buf. */
#define PX_EP_TEXT_MAX 64
const char *px_addr_str(const mip6tls_addr *a, char *buf, size_t cap);
const char *px_ep_str(const mip6tls_endpoint *e, char *buf, size_t cap);

/* Roles whose events px_log_event() names. */
#define PX_ROLE_MN 'M'  /* mn.h events and the bootstrap's (boot.h, >= 100) */
#define PX_ROLE_HA 'A'  /* ha.h */
#define PX_ROLE_HAC 'C' /* hac.h */

/* The short name of an event ("bu-sent", "sa-provisioned"), "unknown" otherwise. */
const char *px_event_name(char role, uint16_t event);

/* Logs a MIP6TLS_ACT_EVENT action as one line: "<role>: <event-name> spi=... <details>".
 * Dropped-packet events are rate-limited to 10 lines a second per role (a summary line
 * counts the rest), so hostile traffic cannot flood the log. */
void px_log_event(char role, const mip6tls_action *a);

#endif
