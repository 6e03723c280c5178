/*
 * store.h: the HAC's SA store in SQLite (docs/porting.md §3 SA_PERSIST / SA_FORGET, §5).
 *
 * One table, sa(spi INTEGER PRIMARY KEY, rec BLOB, stored_at INTEGER): the record is the
 * core's encoded SA (mip6tls_sa_encode, decisions/0013) exactly as the SA_PERSIST action
 * carries it, so the store knows nothing of its fields. Writes are synchronous
 * (PRAGMA synchronous=FULL): an SA the HAC handed out survives a crash right after. The file
 * holds the MN-HA keys: it is created mode 0600 and the daemon refuses a file that others can
 * read.
 */
#ifndef PX_STORE_H
#define PX_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct px_store px_store;

/* Opens (creating if needed) the database at `path`. Returns NULL with a message in err. */
px_store *px_store_open(const char *path, char *err, size_t cap);
void px_store_close(px_store *s);

/* Stores rec[len] under `spi`, replacing any record of that SPI. Returns 0 or -1 (err). */
int px_store_put(px_store *s, uint32_t spi, const uint8_t *rec, size_t len, char *err, size_t cap);
/* Deletes the record of `spi` (none: not an error). Returns 0 or -1 (err). */
int px_store_del(px_store *s, uint32_t spi, char *err, size_t cap);

/* Every stored record, read into memory first so that fn may call put/del. fn returns 0 to go
 * on. Returns the number of records, or -1 (err). */
int px_store_each(px_store *s, int (*fn)(void *ctx, uint32_t spi, const uint8_t *rec, size_t len),
                  void *ctx, char *err, size_t cap);

/* Records stored now, or -1. */
long px_store_count(px_store *s);

#endif
