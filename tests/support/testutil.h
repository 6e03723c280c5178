/* testutil.h: small helpers shared by the unit tests and fuzz targets. */
#ifndef MIP6TLS_TESTUTIL_H
#define MIP6TLS_TESTUTIL_H

#include "mip6tls/boot.h"
#include "mip6tls/cred.h"
#include "mip6tls/esp.h"
#include "mip6tls/hacp.h"
#include "mip6tls/tls.h"

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

/* The MN's side of a bootstrap with the test PKI (test_pki.h): it trusts the test CA, wants
 * the HAC name hac.example.com, connects to [2001:db8::1]:7872 and authenticates as
 * mn1@example.com with `psk` (the RFC 6618 §5.8 PSK exchange, scope all). Tests change fields
 * after set-up as they need. */
typedef struct {
    uint8_t arena[4096];
    mip6tls_cred anchors;
    mip6tls_tls_config tls;
    mip6tls_hacp_client_cfg hacp;
    mip6tls_boot_config boot; /* ready for mip6tls_boot_init */
} tu_mn_boot;

/* Fills *m; tls_buf[tls_buf_len] becomes the bootstrap's TLS buffer. Returns 0 or the error
 * of the call that failed. */
int tu_mn_boot_setup(tu_mn_boot *m, const mip6tls_esp_impl *impl, const char *psk,
                     uint8_t *tls_buf, size_t tls_buf_len);

#endif
