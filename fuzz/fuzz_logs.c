/*
 * fuzz_logs.c - libFuzzer target for the in-place readers of large
 * replies: the JSON scanner (jscan.h) and the eth_getLogs batch reader
 * (logs.h).
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - a text the scanner takes whole (one value, nothing after) is one
 *     jansson takes too, when it is ASCII (the scanner does not check
 *     UTF-8; jansson does), but for numbers jansson cannot hold and lone
 *     surrogates in escapes;
 *   - a reply the logs reader takes is valid JSON by the scanner, and each
 *     log's data points at its own bytes with at most ARBIUS_MAX_TOPICS
 *     topics.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arbiusd/jscan.h"
#include "arbiusd/logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_ascii(const uint8_t *d, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (d[i] >= 0x80 || d[i] == 0)
            return 0;
    return 1;
}

static int fuzz_scans_whole(const char *t, size_t n)
{
    struct jscan s;

    jscan_init(&s, t, n);
    return jscan_skip(&s) == 0 && jscan_end(&s) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    struct logs_entry *logs = NULL;
    size_t n = 0, i;
    int whole = fuzz_scans_whole(t, size);

    if (whole && fuzz_ascii(data, size)) {
        json_error_t je;
        json_t *j = json_loadb(t, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

        /* jansson also refuses numbers it cannot hold and lone UTF-16
         * surrogates in escapes, which JSON's grammar allows. */
        if (!j && !strstr(je.text, "too big") &&
            !strstr(je.text, "overflow") && !strstr(je.text, "Unicode"))
            abort();
        json_decref(j);
    }
    if (logs_from_reply(t, size, 1, 2, &logs, &n) == 0) {
        if (!whole)
            abort();
        for (i = 0; i < n; i++)
            if (logs[i].log.data != logs[i].data ||
                logs[i].log.ntopics > ARBIUS_MAX_TOPICS)
                abort();
        logs_free(logs, n);
    }
    return 0;
}
