/*
 * saqlog.h: log lines for the events of the SA query protocol between a separate HA and the
 * HAC (core/include/mip6tls/saq.h, docs/decisions/0033-sa-query.md), one line per event named
 * as the event, like the roles' events (log.h):
 *
 *     mip6tls-home info: saq: query-sent spi=0x5e3f1a2
 *     mip6tls-home info: saq-server: ha-refused conn=2147483649 from=[2001:db8::3]:41234 ...
 *
 * "saq:" is the HA side (mip6tls_saq_client), "saq-server:" the HAC side.
 */
#ifndef PX_SAQLOG_H
#define PX_SAQLOG_H

#include <stdint.h>

#include "mip6tls/outbox.h"

/* Roles for px_drain() (their events are logged here, not by log.h). */
#define PX_ROLE_SAQ_CLIENT 'Q'
#define PX_ROLE_SAQ_SERVER 'S'

/* The short name of a client (400..) or server (430..) event, "unknown" otherwise. */
const char *px_saq_event_name(uint16_t event);

/* Logs a MIP6TLS_ACT_EVENT of either side as one line; `extra` (may be NULL) is appended, for
 * what the daemon knows beyond the event (the reason of a failure, the HA's certificate). */
void px_saq_log_event(const mip6tls_action *a, const char *extra);

#endif
