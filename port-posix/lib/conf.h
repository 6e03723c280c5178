/*
 * conf.h: configuration files (INI syntax, parsed by Debian's libinih) with errors that name
 * the file, the line, the key and the bad value:
 *
 *     home.conf:12: [ha] port = "70000": not a port number (1..65535)
 *     home.conf:7: unknown key "prot" in [ha]
 *
 * The daemon supplies one handler that receives every `key = value` with its section; it
 * recognises the keys it knows with the typed helpers below (each returns 0, or -1 after
 * recording the error) and returns px_conf_unknown() for the rest. Only the first error is
 * kept; px_conf_load() returns it.
 */
#ifndef PX_CONF_H
#define PX_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/common.h"

#define PX_CONF_ERR_MAX 512

typedef struct {
    const char *path;
    int line;         /* the line being parsed */
    int section_line; /* the line of the current [section] header */
    int failed;       /* an error is recorded */
    char err[PX_CONF_ERR_MAX];
} px_conf;

typedef int (*px_conf_fn)(px_conf *c, void *user, const char *section, const char *key,
                          const char *value);

/* Parses `path`, calling fn for every key. Returns 0, or -1 with the first error in err[cap]
 * (a missing file, a syntax error, or what a handler recorded). */
int px_conf_load(const char *path, px_conf_fn fn, void *user, char *err, size_t cap);

/* Records "<file>:<line>: [section] key = "value": <why>" and returns -1. */
int px_conf_fail(px_conf *c, const char *section, const char *key, const char *value,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Records "<file>:<line>: unknown key "key" in [section]" and returns -1. */
int px_conf_unknown(px_conf *c, const char *section, const char *key);

/* Typed values. Each returns 0 or -1 (error recorded). */
int px_conf_u32(px_conf *c, const char *s, const char *k, const char *v, uint32_t min, uint32_t max,
                uint32_t *out);
int px_conf_port(px_conf *c, const char *s, const char *k, const char *v, uint16_t *out);
int px_conf_bool(px_conf *c, const char *s, const char *k, const char *v, uint8_t *out);
/* An address of `family` (MIP6TLS_AF_INET6, _INET, or MIP6TLS_AF_NONE for either). */
int px_conf_addr(px_conf *c, const char *s, const char *k, const char *v, int family,
                 mip6tls_addr *out);
/* An endpoint: "2001:db8::1", "[2001:db8::1]:7873", "192.0.2.1" or "192.0.2.1:7873"; an
 * address without a port gets `default_port`. */
int px_conf_endpoint(px_conf *c, const char *s, const char *k, const char *v, uint16_t default_port,
                     mip6tls_endpoint *out);
/* "addr/len" of `family` (or either); host bits must be zero. */
int px_conf_prefix(px_conf *c, const char *s, const char *k, const char *v, int family,
                   mip6tls_addr *out, uint8_t *plen);
/* A non-empty string that fits in out[cap]. */
int px_conf_str(px_conf *c, const char *s, const char *k, const char *v, char *out, size_t cap);
/* A secret given as text (`hex` 0, e.g. "psk") or as hex octets (`hex` 1, "psk_hex"): 1..cap
 * octets into out, *len set. An error names the key but never shows the value. */
int px_conf_secret(px_conf *c, const char *s, const char *k, const char *v, int hex,
                   uint8_t *out, size_t cap, size_t *len);

/* A ciphersuite by the core's name ("AES_128_GCM_SHA256", see mip6tls_suite_all()), any
 * case. */
int px_conf_suite(px_conf *c, const char *s, const char *k, const char *v, uint16_t *code);

/* A file's whole content (at most 1 MiB), read now so that a missing file is reported with
 * the line that names it. The caller frees `data`. */
typedef struct {
    char path[512];
    int line;
    uint8_t *data;
    size_t len;
} px_blob;
int px_conf_file(px_conf *c, const char *s, const char *k, const char *v, px_blob *out);

/* Splits a list value on commas and blanks: calls fn for each item (NUL-terminated). Stops at
 * the first item fn rejects (returns -1). Items longer than 255 octets are an error. */
int px_conf_list(px_conf *c, const char *s, const char *k, const char *v,
                 int (*fn)(px_conf *c, const char *s, const char *k, const char *item, void *user),
                 void *user);

/* Reads a whole file (at most 1 MiB). Returns 0 or -errno (-EFBIG when too big). */
int px_read_file(const char *path, uint8_t **data, size_t *len);

#endif
