/*
 * fuzz_query.c - libFuzzer target for URL query parameters: the input is a
 * raw query string ("automine=show&days=7&model=0x..."), split on '&' and
 * the first '=', each part percent-decoded by libmicrohttpd's own
 * MHD_http_unescape (what the server does before a handler sees a value),
 * then validated by params_dashboard() as / and /api/v1/charts/daily do.
 * The first input byte picks the flags (days=, model=).
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - parsing is deterministic, and a failure leaves the output untouched;
 *   - a failure names a parameter that is present and was asked for
 *     ("automine: ...", "days: ...", "model: ...");
 *   - an accepted days is one of the fixed ranges and days_given says
 *     whether days= was read; automine is 0 or 1 and "show" exactly when
 *     the value is "show";
 *   - an accepted model is "" (absent or empty) or lower-case 0x + 64 hex
 *     digits equal to the value ignoring case, and param_hex32 accepts it
 *     back unchanged.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "arbiusd/http.h"
#include "arbiusd/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_QUERY_MAX 4096
#define FUZZ_QUERY_ARGS 32

struct fuzz_query {
    char *name[FUZZ_QUERY_ARGS];
    char *value[FUZZ_QUERY_ARGS];
    size_t n;
};

/* The first value of name, as MHD_lookup_connection_value returns it, or
 * NULL; over-long values are absent, as http_query() makes them. */
static const char *fuzz_query_get(const void *ud, const char *name)
{
    const struct fuzz_query *q = ud;
    size_t i;

    for (i = 0; i < q->n; i++) {
        if (strcmp(q->name[i], name) == 0)
            return strlen(q->value[i]) > HTTP_MAX_QUERY ? NULL : q->value[i];
    }
    return NULL;
}

static void fuzz_query_split(char *s, struct fuzz_query *q)
{
    char *save = NULL, *part;

    q->n = 0;
    for (part = strtok_r(s, "&", &save); part && q->n < FUZZ_QUERY_ARGS;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');

        if (eq)
            *eq++ = '\0';
        else
            eq = part + strlen(part); /* "name" alone: an empty value */
        MHD_http_unescape(part);
        MHD_http_unescape(eq);
        q->name[q->n] = part;
        q->value[q->n] = eq;
        q->n++;
    }
}

static int fuzz_query_hex_equal(const char *v, const char *model)
{
    size_t i;

    if (strlen(v) != 66 || strlen(model) != 66 || model[0] != '0' ||
        model[1] != 'x')
        return 0;
    for (i = 2; i < 66; i++) {
        if (!isxdigit((unsigned char)model[i]) ||
            isupper((unsigned char)model[i]) ||
            tolower((unsigned char)v[i]) != model[i])
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_query q;
    struct dash_params a, b, untouched;
    const char *ma = NULL, *mb = NULL, *v;
    char *s;
    unsigned flags;
    int ra, rb;
    size_t i;

    if (size < 1 || size > FUZZ_QUERY_MAX)
        return 0;
    flags = data[0] & (PARAM_DAYS | PARAM_MODEL);
    s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    fuzz_query_split(s, &q);

    memset(&a, 0x5a, sizeof(a));
    memset(&b, 0x5a, sizeof(b));
    untouched = a;
    ra = params_dashboard(fuzz_query_get, &q, flags, &a, &ma);
    rb = params_dashboard(fuzz_query_get, &q, flags, &b, &mb);
    if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0)
        abort();
    if (ra != 0) {
        if (ra != -1 || !ma || ma != mb || memcmp(&a, &untouched, sizeof(a)))
            abort();
        if (strncmp(ma, "automine:", 9) == 0)
            v = fuzz_query_get(&q, "automine");
        else if (strncmp(ma, "days:", 5) == 0 && (flags & PARAM_DAYS))
            v = fuzz_query_get(&q, "days");
        else if (strncmp(ma, "model:", 6) == 0 && (flags & PARAM_MODEL))
            v = fuzz_query_get(&q, "model");
        else
            abort();
        if (!v)
            abort(); /* an absent parameter is never the bad one */
        goto out;
    }
    v = fuzz_query_get(&q, "automine");
    if (a.show_automine != (v != NULL && strcmp(v, "show") == 0))
        abort();
    v = (flags & PARAM_DAYS) ? fuzz_query_get(&q, "days") : NULL;
    if (a.days_given != (v != NULL))
        abort();
    for (i = 0; i < PARAM_DAY_RANGES_N; i++)
        if (PARAM_DAY_RANGES[i].days == a.days)
            break;
    if (i == PARAM_DAY_RANGES_N || (!v && a.days != PARAM_DEFAULT_DAYS) ||
        (v && strcmp(v, PARAM_DAY_RANGES[i].text) != 0))
        abort();
    v = (flags & PARAM_MODEL) ? fuzz_query_get(&q, "model") : NULL;
    if (v == NULL || *v == '\0') {
        if (a.model[0] != '\0')
            abort();
    } else {
        char again[PARAM_HEX32_SIZE];

        if (!fuzz_query_hex_equal(v, a.model) ||
            param_hex32(a.model, again) != 0 || strcmp(again, a.model) != 0)
            abort();
    }
out:
    free(s);
    return 0;
}
