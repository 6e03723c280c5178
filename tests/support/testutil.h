/* testutil.h: small helpers shared by the unit tests and fuzz targets. */
#ifndef MIP6TLS_TESTUTIL_H
#define MIP6TLS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the hex digits of `hex` into out[cap], skipping spaces, newlines and ':'. Returns the
 * number of bytes, or (size_t)-1 when the text is not hex or does not fit. */
size_t tu_unhex(uint8_t *out, size_t cap, const char *hex);

/* Writes 2*len lower-case hex digits and a NUL into out (which must hold 2*len+1 bytes). */
void tu_hex(char *out, const uint8_t *in, size_t len);

/* A deterministic byte stream for tests (xorshift64*): same seed, same bytes. */
void tu_fill(uint8_t *out, size_t len, uint64_t seed);

/* Writes prefix[plen] then data[len] to the file DIR/NAME (seed corpora written by tests'
 * --write-corpus modes). Returns 0, or 1 after printing why to stderr. */
int tu_write_file(const char *dir, const char *name, const uint8_t *prefix, size_t plen,
                  const uint8_t *data, size_t len);

#endif
