/*
 * fuzz_cid.c - libFuzzer target for base58btc, CIDv0 text and gateway URLs.
 *
 * The input bytes are used five ways:
 *   - as binary: base58_encode then base58_decode gives them back;
 *   - as text: if base58_decode accepts it, base58_encode gives it back
 *     (base58btc with leading '1' <-> zero byte is a bijection);
 *   - as "Qm..." text: if cid_parse_v0 accepts it, the multihash is a CIDv0
 *     and cid_format_v0 writes the same text back;
 *   - as a digest: 0x12 0x20 + the first 32 bytes formats to 46 characters
 *     starting "Qm" that parse back to the same bytes; the content hash of
 *     the input is a CIDv0;
 *   - split at the first two NULs into gateway, cid text and file name:
 *     cid_gateway_url's result starts with the gateway minus trailing '/'
 *     and "/ipfs", then "/ipfs/" + cid text, and the file part holds only
 *     RFC 3986 unreserved characters, '/' and %XX escapes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/base58.h"
#include "arbiusd/buf.h"
#include "arbiusd/cid.h"
#include "arbiusd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_cid_unreserved(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '/';
}

static void fuzz_cid_base58(const uint8_t *data, size_t size)
{
    char text[BASE58_MAX_TEXT + 1];
    uint8_t back[BASE58_MAX_BYTES];
    size_t n = 0;

    if (size > BASE58_MAX_BYTES) {
        if (base58_encode(data, size, text, sizeof(text)) == 0)
            abort();
        return;
    }
    if (base58_encode(data, size, text, sizeof(text)) != 0)
        abort();
    if (base58_decode(text, strlen(text), back, sizeof(back), &n) != 0 ||
        n != size || (size && memcmp(back, data, size) != 0))
        abort();
}

static void fuzz_cid_text(const char *s, size_t len)
{
    uint8_t bytes[BASE58_MAX_BYTES], mh[CID_V0_LEN];
    char text[BASE58_MAX_TEXT + 1], qm[CID_V0_TEXT_SIZE];
    size_t n = 0;

    if (base58_decode(s, len, bytes, sizeof(bytes), &n) == 0) {
        if (base58_encode(bytes, n, text, sizeof(text)) != 0 ||
            strlen(text) != len || memcmp(text, s, len) != 0)
            abort();
    }
    if (cid_parse_v0(s, len, mh) == 0) {
        if (!cid_is_v0(mh, sizeof(mh)) ||
            cid_format_v0(mh, sizeof(mh), qm, sizeof(qm)) != 0 ||
            len != CID_V0_TEXT_LEN || memcmp(qm, s, len) != 0)
            abort();
    }
}

static void fuzz_cid_digest(const uint8_t *data, size_t size)
{
    uint8_t mh[CID_V0_LEN], back[CID_V0_LEN];
    char qm[CID_V0_TEXT_SIZE];

    mh[0] = 0x12;
    mh[1] = 0x20;
    memset(mh + 2, 0, 32);
    memcpy(mh + 2, data, size < 32 ? size : 32);
    if (cid_format_v0(mh, sizeof(mh), qm, sizeof(qm)) != 0 ||
        strlen(qm) != CID_V0_TEXT_LEN || qm[0] != 'Q' || qm[1] != 'm' ||
        cid_parse_v0(qm, strlen(qm), back) != 0 ||
        memcmp(back, mh, sizeof(mh)) != 0)
        abort();
    if (cid_format_v0(mh, sizeof(mh), qm, CID_V0_TEXT_SIZE - 1) == 0)
        abort(); /* too small a buffer is refused */
    if (cid_hash_content(data, size, back) != 0 ||
        !cid_is_v0(back, sizeof(back)))
        abort();
}

static void fuzz_cid_url(const char *s, size_t len)
{
    const char *gw = s, *cid = "", *file = NULL;
    const char *z1 = memchr(s, '\0', len), *p;
    struct buf out = BUF_INIT(1 << 16);
    size_t g, c;

    if (z1) {
        const char *z2 = memchr(z1 + 1, '\0', len - (size_t)(z1 + 1 - s));

        cid = z1 + 1;
        if (z2)
            file = z2 + 1;
    }
    if (cid_gateway_url(&out, gw, cid, file) != 0) {
        buf_release(&out);
        return; /* longer than the cap: refused, and that is all */
    }
    g = strlen(gw);
    while (g > 0 && gw[g - 1] == '/')
        g--;
    if (g >= 5 && memcmp(gw + g - 5, "/ipfs", 5) == 0)
        g -= 5;
    c = strlen(cid);
    if (out.len < g + 6 + c || memcmp(out.data, gw, g) != 0 ||
        memcmp(out.data + g, "/ipfs/", 6) != 0 ||
        memcmp(out.data + g + 6, cid, c) != 0)
        abort();
    p = out.data + g + 6 + c;
    if (file == NULL || *file == '\0') {
        if (p != out.data + out.len)
            abort();
    } else {
        if (*p++ != '/')
            abort();
        while (p < out.data + out.len) {
            if (*p == '%') {
                if (out.data + out.len - p < 3 || !strchr("0123456789ABCDEF", p[1]) ||
                    !strchr("0123456789ABCDEF", p[2]) || p[1] == '\0' || p[2] == '\0')
                    abort();
                p += 3;
            } else if (fuzz_cid_unreserved((unsigned char)*p)) {
                p++;
            } else {
                abort();
            }
        }
    }
    buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    char *s;

    if (!initialized) {
        log_init(LOG_LVL_ERROR);
        initialized = 1;
    }
    if (size > 4096)
        return 0;
    fuzz_cid_base58(data, size);
    fuzz_cid_text((const char *)data, size);
    fuzz_cid_digest(data, size);
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fuzz_cid_url(s, size);
    free(s);
    return 0;
}
