/*
 * text.h (internal to core/src): character classes for the text codecs (addr.c, container.c).
 * The core may not call libc's ctype functions (they depend on the locale and are not in the
 * mem* set the build allows), so these are spelled out, ASCII only.
 */
#ifndef MIP6TLS_TEXT_H
#define MIP6TLS_TEXT_H

#include "mip6tls/bytes.h"

static inline int mip6tls_text_isdigit(unsigned c)
{
    return c >= '0' && c <= '9';
}

/* The value of a hex digit in either case, or -1 (mip6tls/bytes.h). */
static inline int mip6tls_text_hexval(unsigned c)
{
    return mip6tls_hexval(c);
}

#endif
