/* keylog.c: see keylog.h. */
#include "keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mip6tls/tls.h"

int px_keylog_append(const char *path, const uint8_t *line, size_t len)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    /* The lines decrypt sessions: a file others can read is not written to (as the SA
     * store, store.h). */
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        return -EPERM;
    }
    /* One write(2) per line: O_APPEND keeps lines of several daemons sharing a file whole. */
    n = write(fd, line, len);
    if (n < 0 || (size_t)n != len) {
        int e = n < 0 ? errno : EIO;
        close(fd);
        return -e;
    }
    return close(fd) == 0 ? 0 : -errno;
}

int px_keylog_action(const char *path, const mip6tls_action *a)
{
    static int last_err;
    int rc;
    if (a->type != MIP6TLS_ACT_EVENT || a->event != MIP6TLS_TLS_EV_KEYLOG)
        return 0;
    if (path == NULL || path[0] == 0 || a->data == NULL || a->len == 0)
        return 1; /* not asked for (the configuration is off then anyway): never logged */
    rc = px_keylog_append(path, a->data, a->len);
    if (rc != 0 && rc != last_err)
        px_log(PX_LOG_WARN, "tls_keylog = \"%s\": %s", path,
               rc == -EPERM ? "group or others have access to it (chmod 600); not written"
                            : strerror(-rc));
    else if (rc == 0)
        px_log(PX_LOG_DEBUG, "tls_keylog: session key of connection %u appended", a->conn);
    last_err = rc;
    return 1;
}
