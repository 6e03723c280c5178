/*
 * keylog.h: the TLS key log (NSS key log format, "CLIENT_RANDOM <hex> <hex>"), with which
 * Wireshark decrypts the daemons' TLS sessions in a capture (tshark -o
 * tls.keylog_file:PATH). Off unless configured (`tls_keylog`): the file holds session secrets.
 *
 * The line is the core's: a TLS configuration with mip6tls_tls_config_keylog() on makes the
 * driver emit one MIP6TLS_TLS_EV_KEYLOG event per session, once the handshake completed
 * (core/include/mip6tls/tls.h, docs/decisions/0032-mutual-tls.md). The daemons' action hooks
 * take that event out of the walk (it is never logged: it carries the master secret) and
 * append its data here.
 */
#ifndef PX_KEYLOG_H
#define PX_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/outbox.h"

/* Appends line[len] (one NSS key log line, ending in '\n') to `path`: the file is created mode
 * 0600, and refused (-EPERM) when it exists with access for group or others. Returns 0 or
 * -errno. */
int px_keylog_append(const char *path, const uint8_t *line, size_t len);

/* For an action hook: when `a` is the TLS driver's MIP6TLS_TLS_EV_KEYLOG event, appends its
 * line to `path` (when `path` is set; a failure is logged, once per reason) and returns 1: the
 * hook has performed the action. Returns 0 for every other action. */
int px_keylog_action(const char *path, const mip6tls_action *a);

#endif
