/*
 * fuzz_siwe.c - libFuzzer target for the EIP-4361 parser (siwe_parse), the
 * RFC 3339 time parser and EIP-191 recovery.
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - a failed parse writes a non-empty, NUL-terminated reason;
 *   - a successful parse only returns slices inside the input, a non-empty
 *     domain, a nonce of SIWE_MIN_NONCE..SIWE_MAX_NONCE bytes, a chain id
 *     above 0, and is deterministic;
 *   - the input with one more trailing newline is always refused (the signed
 *     bytes are exactly the message).
 * The first 65 bytes (when present) are also tried as a signature over the
 * rest, which exercises the v / high-s checks and libsecp256k1 recovery.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/siwe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slice(const struct siwe_slice *s, const char *base,
                        size_t size)
{
    if (!s->p)
        return;
    if (s->p < base || s->p + s->len > base + size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct siwe_msg m, m2;
    char err[160];
    uint8_t addr[20];
    int64_t t;

    memset(err, 'x', sizeof(err));
    if (siwe_parse(text, size, &m, err, sizeof(err)) < 0) {
        if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
            abort();
    } else {
        check_slice(&m.scheme, text, size);
        check_slice(&m.domain, text, size);
        check_slice(&m.address_text, text, size);
        check_slice(&m.statement, text, size);
        check_slice(&m.uri, text, size);
        check_slice(&m.uri_authority, text, size);
        check_slice(&m.nonce, text, size);
        check_slice(&m.request_id, text, size);
        if (m.domain.len == 0 || m.nonce.len < SIWE_MIN_NONCE ||
            m.nonce.len > SIWE_MAX_NONCE || m.chain_id == 0 ||
            m.nresources > SIWE_MAX_RESOURCES)
            abort();
        if (siwe_parse(text, size, &m2, err, sizeof(err)) != 0 ||
            memcmp(&m, &m2, sizeof(m)) != 0)
            abort();
        if (size < SIWE_MAX_MESSAGE) {
            char *more = malloc(size + 1);

            if (!more)
                abort();
            memcpy(more, text, size);
            more[size] = '\n';
            if (siwe_parse(more, size + 1, &m2, err, sizeof(err)) == 0)
                abort();
            free(more);
        }
    }
    /* Years are 4 digits: any accepted time lies in 0000..9999. */
    if (siwe_parse_time(text, size, &t, NULL) == 0 &&
        (t < -62167219200 - 86400 || t > 253402300799 + 86400))
        abort();
    if (size >= SIWE_SIG_LEN) {
        int r = siwe_recover(data + SIWE_SIG_LEN, size - SIWE_SIG_LEN, data,
                             addr);

        if (r != SIWE_SIG_OK && r != SIWE_SIG_BAD_V && r != SIWE_SIG_HIGH_S &&
            r != SIWE_SIG_INVALID)
            abort();
    }
    return 0;
}
