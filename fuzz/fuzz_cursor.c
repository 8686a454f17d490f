/*
 * fuzz_cursor.c - libFuzzer target for the gallery's keyset cursor.
 *
 * The input bytes are decoded as a cursor.  Checked beyond "no crash, no
 * sanitizer report":
 *   - a decoded cursor has every field in range (block, log index, sort,
 *     direction, finite rank);
 *   - decoding is canonical: re-encoding gives back exactly the input, so
 *     two spellings never name the same page;
 *   - a rejected input leaves the output untouched.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c, sentinel;
    char text[CURSOR_TEXT_SIZE];

    memset(&c, 0xa5, sizeof(c));
    memcpy(&sentinel, &c, sizeof(c));
    if (cursor_decode((const char *)data, size, &c) != 0) {
        if (memcmp(&c, &sentinel, sizeof(c)) != 0)
            abort();
        return 0;
    }
    if (c.sort >= CURSOR_NSORTS || c.before > 1 || c.block < 0 ||
        c.block > CURSOR_MAX_BLOCK || c.log_index < 0 ||
        c.log_index > CURSOR_MAX_LOG_INDEX || c.upvotes < 0 ||
        (c.sort == CURSOR_RELEVANCE && !isfinite(c.rank)))
        abort();
    if (cursor_encode(&c, text, sizeof(text)) != 0)
        abort();
    if (strlen(text) != size || memcmp(text, data, size) != 0)
        abort();
    return 0;
}
