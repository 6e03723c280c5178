/* store.c: see store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct px_store {
    sqlite3 *db;
    sqlite3_stmt *put, *del;
};

static int store_fail(px_store *s, const char *what, char *err, size_t cap)
{
    snprintf(err, cap, "SA store: %s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
    return -1;
}

px_store *px_store_open(const char *path, char *err, size_t cap)
{
    static const char *const schema =
        "PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS sa(spi INTEGER PRIMARY KEY, rec BLOB NOT NULL,"
        " stored_at INTEGER NOT NULL);";
    px_store *s = calloc(1, sizeof *s);
    struct stat st;
    char *msg = NULL;
    int fd;
    if (s == NULL) {
        snprintf(err, cap, "SA store: out of memory");
        return NULL;
    }
    /* Create it 0600 before SQLite opens it: the records hold keys. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, cap, "SA store %s: %s", path, strerror(errno));
        free(s);
        return NULL;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        snprintf(err, cap,
                 "SA store %s: readable by others (mode %03o); it holds keys: "
                 "chmod 600 it",
                 path, (unsigned)(st.st_mode & 0777));
        close(fd);
        free(s);
        return NULL;
    }
    close(fd);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, cap, "SA store %s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        px_store_close(s);
        return NULL;
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO sa(spi, rec, stored_at) VALUES(?1, ?2, ?3)", -1,
                           &s->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM sa WHERE spi = ?1", -1, &s->del, NULL) !=
            SQLITE_OK) {
        store_fail(s, path, err, cap);
        px_store_close(s);
        return NULL;
    }
    return s;
}

void px_store_close(px_store *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->del);
    sqlite3_close(s->db);
    free(s);
}

int px_store_put(px_store *s, uint32_t spi, const uint8_t *rec, size_t len, char *err, size_t cap)
{
    int rc;
    sqlite3_reset(s->put);
    sqlite3_bind_int64(s->put, 1, spi);
    sqlite3_bind_blob(s->put, 2, rec, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->put, 3, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s->put);
    sqlite3_reset(s->put);
    sqlite3_clear_bindings(s->put); /* do not keep a copy of the keys around */
    return rc == SQLITE_DONE ? 0 : store_fail(s, "store", err, cap);
}

int px_store_del(px_store *s, uint32_t spi, char *err, size_t cap)
{
    int rc;
    sqlite3_reset(s->del);
    sqlite3_bind_int64(s->del, 1, spi);
    rc = sqlite3_step(s->del);
    sqlite3_reset(s->del);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "delete", err, cap);
}

typedef struct {
    uint32_t spi;
    size_t len;
    uint8_t *rec;
} store_row;

int px_store_each(px_store *s, int (*fn)(void *ctx, uint32_t spi, const uint8_t *rec, size_t len),
                  void *ctx, char *err, size_t cap)
{
    sqlite3_stmt *q;
    store_row *rows = NULL;
    size_t n = 0, ncap = 0, i;
    int rc, ret = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT spi, rec FROM sa ORDER BY stored_at, spi", -1, &q,
                           NULL) != SQLITE_OK)
        return store_fail(s, "read", err, cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(q, 1);
        int len = sqlite3_column_bytes(q, 1);
        if (n == ncap) {
            store_row *r;
            ncap = ncap ? 2 * ncap : 64;
            r = realloc(rows, ncap * sizeof *rows);
            if (r == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            rows = r;
        }
        rows[n].spi = (uint32_t)sqlite3_column_int64(q, 0);
        rows[n].len = len > 0 ? (size_t)len : 0;
        rows[n].rec = malloc(rows[n].len + 1);
        if (rows[n].rec == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (len > 0)
            memcpy(rows[n].rec, b, (size_t)len);
        n++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        ret = store_fail(s, "read", err, cap);
    for (i = 0; i < n; i++) {
        if (ret == 0 && fn(ctx, rows[i].spi, rows[i].rec, rows[i].len) != 0) {
            snprintf(err, cap, "SA store: stopped at SPI 0x%x", rows[i].spi);
            ret = -1;
        }
        memset(rows[i].rec, 0, rows[i].len); /* keys */
        free(rows[i].rec);
    }
    free(rows);
    return ret == 0 ? (int)n : -1;
}

long px_store_count(px_store *s)
{
    sqlite3_stmt *q;
    long n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT COUNT(*) FROM sa", -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}
