/*
 * params.h - validators of URL query-parameter values (days=, model=,
 * automine=), shared by the pages and the JSON API and fuzzed on their own
 * (fuzz/fuzz_query.c).
 *
 * Pure code: no I/O, no allocation, no global state.  Values arrive decoded
 * (libmicrohttpd unescapes them); a NULL value means the parameter is absent
 * and yields the default.  Failures return -1 with *msg set to the static
 * 400 message, which starts with the parameter's name ("days: expected ...").
 */
#ifndef ARBIUSD_PARAMS_H
#define ARBIUSD_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define PARAM_HEX32_SIZE 67        /* "0x" + 64 hex + NUL */
#define PARAM_DEFAULT_DAYS 30      /* days= absent */

/* The accepted days= values, in display order: text and days (0 = all). */
struct param_range {
    const char *text;
    int64_t days;
};
extern const struct param_range PARAM_DAY_RANGES[];
extern const size_t PARAM_DAY_RANGES_N;

/* automine=hide|show (absent: hide).  *show is 0 or 1. */
int param_automine(const char *v, int *show /* OUT */,
                   const char **msg) WARN_UNUSED;

/* days=7|30|90|365|all (absent: PARAM_DEFAULT_DAYS, *given 0). */
int param_days(const char *v, int64_t *days /* OUT */, int *given /* OUT */,
               const char **msg) WARN_UNUSED;

/*
 * "0x"/"0X" + exactly 64 hex digits of any case, written lower-case with a
 * NUL into out.  Returns 0, or -1 (out untouched) for anything else.
 */
int param_hex32(const char *v, char out[PARAM_HEX32_SIZE] /* OUT */) WARN_UNUSED;

/* model=<0x + 64 hex> (absent or "": all models, out = ""). */
int param_model(const char *v, char out[PARAM_HEX32_SIZE] /* OUT */,
                const char **msg) WARN_UNUSED;

/* The dashboard's parameters (/, /api/v1/stats, /api/v1/charts/daily). */
struct dash_params {
    int show_automine;             /* automine=show */
    int64_t days;                  /* 7, 30, 90, 365; 0 = all */
    int days_given;                /* days= was in the URL */
    char model[PARAM_HEX32_SIZE];  /* lower-case 0x + 64 hex, "" = all */
};

#define PARAM_DAYS 0x1u            /* params_dashboard: read days= */
#define PARAM_MODEL 0x2u           /* params_dashboard: read model= */

/* Looks a query parameter up by name: its decoded value or NULL. */
typedef const char *(*param_get_fn)(const void *ud, const char *name);

/*
 * Reads automine= and, as flags ask, days= and model= through get; other
 * parameters are ignored.  Returns 0 with *out filled, or -1 with *msg set
 * (out untouched).
 */
int params_dashboard(param_get_fn get, const void *ud, unsigned flags,
                     struct dash_params *out /* OUT */,
                     const char **msg) WARN_UNUSED;

#endif
