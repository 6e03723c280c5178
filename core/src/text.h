/*
 * text.h (internal to core/src): character classes for the text codecs (addr.c, container.c).
 * The core may not call libc's ctype functions (they depend on the locale and are not in the
 * mem* set the build allows), so these are spelled out, ASCII only.
 */
#ifndef MIP6TLS_TEXT_H
#define MIP6TLS_TEXT_H

static inline int mip6tls_text_isdigit(unsigned c)
{
    return c >= '0' && c <= '9';
}

/* The value of a hex digit in either case, or -1. */
static inline int mip6tls_text_hexval(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)c - '0';
    if (c >= 'a' && c <= 'f')
        return (int)c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return (int)c - 'A' + 10;
    return -1;
}

#endif
