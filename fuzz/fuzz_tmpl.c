/*
 * fuzz_tmpl.c - libFuzzer target for the template compiler and renderer.
 *
 * The input bytes are compiled as template "t" of a set that also holds "p",
 * a partial that recurses over the context's "kids", so {{>t}} and {{>p}}
 * exercise linking and the render depth and step limits.  When the set
 * compiles and links, "t" is rendered twice against a fixed context into a
 * small capped buffer (so the output cap is hit often).
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - a failed compile or link writes a "t:" / "p:" message into err;
 *   - a failed render leaves the buffer exactly as it was;
 *   - rendering is deterministic (the set and context are not mutated).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arbiusd/buf.h"
#include "arbiusd/log.h"
#include "arbiusd/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TMPL_OUT_MAX ((size_t)64 << 10)

static const char fuzz_tmpl_partial[] =
    "<li>{{name}}{{#kids}}<ul>{{>p}}</ul>{{/kids}}</li>";

static const char fuzz_tmpl_ctx[] =
    "{\"title\": \"<script>alert('x')</script>\","
    " \"attr\": \"\\\"><img src=x onerror=alert(1)>\","
    " \"amp\": \"a & b = c / d `e`\","
    " \"uni\": \"\\u00e9 \\u2028 \\u2029 \\u2603\","
    " \"empty\": \"\", \"zero\": 0, \"one\": 1, \"neg\": -42,"
    " \"big\": 9223372036854775807, \"pi\": 3.141592653589793,"
    " \"tiny\": 1e-300, \"t\": true, \"f\": false, \"n\": null,"
    " \"none\": [], \"obj\": {\"a\": {\"b\": {\"c\": \"deep\"}}, \"x\": 1},"
    " \"items\": [{\"name\": \"one\", \"v\": 1, \"tags\": [\"a\", \"b\"]},"
    "            {\"name\": \"<two>\", \"v\": 2.5, \"tags\": []},"
    "            {\"name\": \"three\", \"v\": null}],"
    " \"name\": \"root\","
    " \"kids\": [{\"name\": \"k1\", \"kids\": [{\"name\": \"k11\","
    " \"kids\": []}]}, {\"name\": \"k2\", \"kids\": []}]}";

/* Returns the fixed context, parsed on first use (never freed). */
static json_t *fuzz_tmpl_context(void)
{
    static json_t *ctx;

    if (!ctx) {
        log_init(LOG_LVL_ERROR); /* render failures are expected here */
        ctx = json_loads(fuzz_tmpl_ctx, 0, NULL);
        if (!ctx)
            abort();
    }
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *ctx = fuzz_tmpl_context();
    struct tmpl_set *set = tmpl_set_new();
    struct buf a = BUF_INIT(FUZZ_TMPL_OUT_MAX + 3); /* room for "pre" */
    struct buf b = BUF_INIT(FUZZ_TMPL_OUT_MAX);
    char err[256] = "";
    int ra, rb;

    if (tmpl_set_add(set, "p", fuzz_tmpl_partial,
                     sizeof(fuzz_tmpl_partial) - 1, err, sizeof(err)) != 0)
        abort();
    if (tmpl_set_add(set, "t", (const char *)data, size, err,
                     sizeof(err)) != 0) {
        if (strncmp(err, "t:", 2) != 0)
            abort();
        goto out;
    }
    if (tmpl_set_link(set, err, sizeof(err)) != 0) {
        if (strncmp(err, "t:", 2) != 0 && strncmp(err, "p:", 2) != 0)
            abort();
        goto out;
    }
    if (buf_add(&a, "pre", 3) != 0)
        abort();
    ra = tmpl_render(set, "t", ctx, &a);
    rb = tmpl_render(set, "t", ctx, &b);
    if (ra != rb)
        abort();
    if (ra != 0 && (a.len != 3 || memcmp(a.data, "pre", 3) != 0))
        abort();
    if (ra == 0 && (a.len != b.len + 3 ||
                    memcmp(a.data + 3, b.data, b.len) != 0))
        abort();
out:
    buf_release(&a);
    buf_release(&b);
    tmpl_set_free(set);
    return 0;
}
