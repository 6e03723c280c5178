/* keylog.c: see keylog.h. */
#include "keylog.h"

#include <errno.h>

int px_keylog_session(const char *path, const mip6tls_tls *t)
{
    /* TODO(keylog): call the core's key log formatter on `t` and append its line to `path`
     * (open O_APPEND | O_CREAT, mode 0600). Nothing is written until it exists. */
    (void)path;
    (void)t;
    return -ENOSYS;
}
