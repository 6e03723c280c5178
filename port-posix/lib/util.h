/*
 * util.h: small helpers of the daemons: a growable text buffer, seeds from getrandom(), hex.
 */
#ifndef PX_UTIL_H
#define PX_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *s;
    size_t len, cap;
    int oom; /* an append failed: the text is cut short */
} px_buf;

void px_buf_printf(px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void px_buf_free(px_buf *b);

/* Fills out[len] from getrandom() (blocking until the kernel's pool is ready). Returns 0 or
 * -errno. The DRBGs of the core are seeded from it (docs/porting.md §1). */
int px_seed(void *out, size_t len);

/* Decodes hex text (even length, either case, no separators) into out[cap]. Returns the
 * number of octets, or -1. */
int px_hex_decode(const char *hex, uint8_t *out, size_t cap);

/* Creates the directory that holds `path` (one level, mode 0700) when it does not exist, e.g.
 * /run/mip6tls for the status socket. Returns 0 or -errno. */
int px_mkdir_parent(const char *path);

#endif
