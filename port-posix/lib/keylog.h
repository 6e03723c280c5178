/*
 * keylog.h: the TLS key log (NSS key log format, "CLIENT_RANDOM <hex> <hex>"), with which
 * Wireshark decrypts the MN <-> HAC bootstrap in a capture. Off unless configured
 * (`tls_keylog`): the file holds session secrets.
 *
 * TODO(keylog): the line comes from a core function (core/src/tls.c) that is being added;
 * the TLS session's secrets are the core's, and the port must not dig them out of BearSSL's
 * context itself. Until that function exists px_keylog_session() writes nothing and returns
 * -ENOSYS; the daemons say so once at start when `tls_keylog` is set. Wiring it up is this one
 * function: format the session's line with the core's function, append it to `path`.
 */
#ifndef PX_KEYLOG_H
#define PX_KEYLOG_H

#include "mip6tls/tls.h"

/* Appends the key log line of the handshake that just completed on `t` to `path` (created
 * mode 0600). Called by both daemons when their core reports TLS up. Returns 0 or -errno. */
int px_keylog_session(const char *path, const mip6tls_tls *t);

#endif
