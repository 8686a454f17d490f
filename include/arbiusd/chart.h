/*
 * chart.h - server-rendered SVG charts, built from numbers only.
 *
 * The output is inline SVG for a template's raw variable: role="img" with a
 * <title>/<desc> pair for screen readers, a <title> tooltip on every bar or
 * point, axis labels.  Nothing in it comes from user text: labels are day
 * numbers formatted here and integers; the caller's title and id are static
 * strings of the page (escaped anyway).
 */
#ifndef ARBIUSD_CHART_H
#define ARBIUSD_CHART_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/buf.h"
#include "arbiusd/util.h"

#define CHART_MAX_POINTS 100000  /* refuse larger series */
#define CHART_MAX_BYTES  ((size_t)4 << 20) /* one rendered chart, at most */

enum chart_kind {
    CHART_BARS = 1,              /* one bar per day */
    CHART_LINE,                  /* a line through every day */
};

struct chart_point {
    int64_t day;                 /* days since 1970-01-01, UTC */
    int64_t value;               /* >= 0 */
};

/*
 * Appends an <svg> of n points (borrowed) to out.  id is a unique element id
 * prefix within the page ([A-Za-z0-9_-]), title the chart's accessible name,
 * unit the noun of a value ("images").  Returns 0, or -1 if out would
 * exceed its cap or n > CHART_MAX_POINTS (out then holds a partial chart the
 * caller discards).
 */
int chart_svg(struct buf *out, enum chart_kind kind, const char *id,
              const char *title, const char *unit,
              const struct chart_point *p, size_t n) WARN_UNUSED;

/*
 * chart_svg() of n points (borrowed) as a new JSON string for a page
 * context: the whole chart, or "" (logged) when it would exceed
 * CHART_MAX_BYTES or n > CHART_MAX_POINTS.  Never NULL.
 */
json_t *chart_svg_json(enum chart_kind kind, const char *id, const char *title,
                       const char *unit, const struct chart_point *p,
                       size_t n);

/* "YYYY-MM-DD" of a day number into out (at least 16 bytes). */
void chart_day_text(int64_t day, char *out, size_t outsz);

#endif
