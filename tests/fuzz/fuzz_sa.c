/* fuzz_sa.c: the SA persistence decoder (sa.c). Property: whatever decodes re-encodes to the
 * very same bytes (the encoding is canonical), and passes the consistency check. */
#include <stdint.h>
#include <string.h>

#include "mip6tls/sa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mip6tls_sa sa;
    uint8_t out[MIP6TLS_SA_ENCODED_MAX];
    int n;
    if (mip6tls_sa_decode(&sa, data, size) != 0)
        return 0;
    if (mip6tls_sa_check(&sa) != 0)
        __builtin_trap();
    n = mip6tls_sa_encode(&sa, out, sizeof out);
    if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
        __builtin_trap();
    return 0;
}
