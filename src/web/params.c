/*
 * params.c - query-parameter validators (see params.h).
 */
#include "arbiusd/params.h"

#include <string.h>

const struct param_range PARAM_DAY_RANGES[] = {
    { "7", 7 }, { "30", 30 }, { "90", 90 }, { "365", 365 }, { "all", 0 },
};
const size_t PARAM_DAY_RANGES_N = ARRAY_SIZE(PARAM_DAY_RANGES);

int param_automine(const char *v, int *show, const char **msg)
{
    if (v == NULL || strcmp(v, "hide") == 0) {
        *show = 0;
        return 0;
    }
    if (strcmp(v, "show") == 0) {
        *show = 1;
        return 0;
    }
    *msg = "automine: expected hide or show";
    return -1;
}

int param_days(const char *v, int64_t *days, int *given, const char **msg)
{
    size_t i;

    if (v == NULL) {
        *days = PARAM_DEFAULT_DAYS;
        *given = 0;
        return 0;
    }
    for (i = 0; i < PARAM_DAY_RANGES_N; i++) {
        if (strcmp(v, PARAM_DAY_RANGES[i].text) == 0) {
            *days = PARAM_DAY_RANGES[i].days;
            *given = 1;
            return 0;
        }
    }
    *msg = "days: expected 7, 30, 90, 365 or all";
    return -1;
}

static int param_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

int param_hex32(const char *v, char out[PARAM_HEX32_SIZE])
{
    char tmp[PARAM_HEX32_SIZE];
    size_t i;

    if (v == NULL || v[0] != '0' || (v[1] != 'x' && v[1] != 'X'))
        return -1;
    tmp[0] = '0';
    tmp[1] = 'x';
    for (i = 2; i < PARAM_HEX32_SIZE - 1; i++) {
        char c = v[i];

        if (!param_is_hex(c)) /* also stops at the NUL of a short value */
            return -1;
        tmp[i] = (char)(c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c);
    }
    if (v[PARAM_HEX32_SIZE - 1] != '\0')
        return -1;
    tmp[PARAM_HEX32_SIZE - 1] = '\0';
    memcpy(out, tmp, sizeof(tmp));
    return 0;
}

int param_model(const char *v, char out[PARAM_HEX32_SIZE], const char **msg)
{
    if (v == NULL || *v == '\0') {
        out[0] = '\0';
        return 0;
    }
    if (param_hex32(v, out) < 0) {
        *msg = "model: expected 0x and 64 hex digits";
        return -1;
    }
    return 0;
}

int params_dashboard(param_get_fn get, const void *ud, unsigned flags,
                     struct dash_params *out, const char **msg)
{
    struct dash_params p;

    memset(&p, 0, sizeof(p));
    if (param_automine(get(ud, "automine"), &p.show_automine, msg) < 0 ||
        param_days((flags & PARAM_DAYS) ? get(ud, "days") : NULL, &p.days,
                   &p.days_given, msg) < 0 ||
        param_model((flags & PARAM_MODEL) ? get(ud, "model") : NULL, p.model,
                    msg) < 0)
        return -1;
    *out = p;
    return 0;
}
