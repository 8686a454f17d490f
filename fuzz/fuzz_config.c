/*
 * fuzz_config.c - libFuzzer target for configuration loading: the input
 * bytes are an INI file read through libinih into the real key table
 * (config_load_text, the same path as config_load for a file).
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - a failure says where: the message starts with "fuzz.ini:" and is
 *     NUL-terminated within the buffer;
 *   - an accepted file dumps (config_dump) to text that loads back to the
 *     very same dump, unless a dumped line is too long for libinih's line
 *     buffer (a list of 16 long URLs), which only an input near that limit
 *     can produce;
 *   - the parsed listen address has a numeric host and every list is within
 *     CONFIG_MAX_LIST.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/config.h"
#include "arbiusd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CONFIG_MAX ((size_t)64 << 10)
#define FUZZ_CONFIG_LINE 190 /* below libinih's INI_MAX_LINE of 200 */

/* True if every line of the dump fits libinih's line buffer. */
static int fuzz_config_lines_fit(const struct buf *d)
{
    size_t i, start = 0;

    for (i = 0; i < d->len; i++) {
        if (d->data[i] == '\n') {
            if (i - start > FUZZ_CONFIG_LINE)
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    struct config a, b;
    struct buf d1 = BUF_INIT((size_t)1 << 20), d2 = BUF_INIT((size_t)1 << 20);
    char err[512];
    int r;

    if (!initialized) {
        log_init(LOG_LVL_ERROR);
        initialized = 1;
    }
    if (size > FUZZ_CONFIG_MAX)
        return 0;
    config_init_defaults(&a);
    memset(err, 0x5a, sizeof(err));
    r = config_load_text(&a, "fuzz.ini", (const char *)data, size, err,
                         sizeof(err));
    if (r != 0) {
        if (r != -1 || memchr(err, '\0', sizeof(err)) == NULL ||
            strncmp(err, "fuzz.ini:", 9) != 0)
            abort();
        goto out;
    }
    if (a.listen_host[0] == '\0' || a.rpc_urls.n == 0 ||
        a.rpc_urls.n > CONFIG_MAX_LIST || a.gateways.n > CONFIG_MAX_LIST ||
        a.admin_wallets.n > CONFIG_MAX_LIST ||
        a.trusted_proxies.n > CONFIG_MAX_LIST)
        abort();
    if (config_dump(&a, &d1) != 0)
        abort();
    if (fuzz_config_lines_fit(&d1)) {
        config_init_defaults(&b);
        if (config_load_text(&b, "dump", d1.data, d1.len, err,
                             sizeof(err)) != 0)
            abort(); /* what we print, we must read back */
        if (config_dump(&b, &d2) != 0 || d2.len != d1.len ||
            memcmp(d1.data, d2.data, d1.len) != 0)
            abort();
        config_release(&b);
    }
out:
    config_release(&a);
    buf_release(&d1);
    buf_release(&d2);
    return 0;
}
