/*
 * chart.c - inline SVG bar and line charts from integer series (chart.h).
 *
 * Styling is by class (static/style.css): the CSP forbids inline style
 * attributes, and classes keep the markup small.  Geometry is computed in
 * doubles and printed with one decimal; values are printed exactly.
 */
#include "arbiusd/chart.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arbiusd/log.h"

#define CHART_W 640.0
#define CHART_H 240.0
#define CHART_ML 72.0     /* left margin: y labels */
#define CHART_MR 14.0
#define CHART_MT 12.0
#define CHART_MB 34.0     /* bottom margin: x labels */
#define CHART_TICKS 4

void chart_day_text(int64_t day, char *out, size_t outsz)
{
    time_t s = (time_t)(day * 86400);
    struct tm tm;

    if (!gmtime_r(&s, &tm) || strftime(out, outsz, "%Y-%m-%d", &tm) == 0)
        snprintf(out, outsz, "day %lld", (long long)day);
}

/* The smallest 1, 2 or 5 x 10^k at least v (v >= 1). */
static int64_t nice_step(int64_t v)
{
    int64_t p = 1;

    for (;;) {
        if (v <= p)
            return p;
        if (v <= 2 * p)
            return 2 * p;
        if (v <= 5 * p)
            return 5 * p;
        if (p > INT64_MAX / 100)
            return v;
        p *= 10;
    }
}

static double x_of(size_t i, size_t n, enum chart_kind kind)
{
    double pw = CHART_W - CHART_ML - CHART_MR;

    if (kind == CHART_BARS)
        return CHART_ML + pw * ((double)i + 0.5) / (double)n;
    if (n == 1)
        return CHART_ML + pw / 2;
    return CHART_ML + pw * (double)i / (double)(n - 1);
}

static double y_of(int64_t v, int64_t ymax)
{
    double ph = CHART_H - CHART_MT - CHART_MB;

    return CHART_MT + ph - ph * (double)v / (double)ymax;
}

/* The <title> of one point: "2026-11-23: 12 images". */
static int point_title(struct buf *out, const struct chart_point *p,
                       const char *unit)
{
    char day[32];

    chart_day_text(p->day, day, sizeof(day));
    if (buf_adds(out, "<title>") < 0 ||
        buf_add_html(out, day, strlen(day)) < 0 ||
        buf_addf(out, ": %lld ", (long long)p->value) < 0 ||
        buf_add_html(out, unit, strlen(unit)) < 0)
        return -1;
    return buf_adds(out, "</title>");
}

static int axes(struct buf *out, const struct chart_point *p, size_t n,
                int64_t step, enum chart_kind kind)
{
    size_t idx[3];
    size_t nidx, i;
    int k;

    for (k = 0; k <= CHART_TICKS; k++) {
        double y = y_of(step * k, step * CHART_TICKS);

        if (buf_addf(out,
                     "<line class=\"chart-grid\" x1=\"%.1f\" y1=\"%.1f\" "
                     "x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<text class=\"chart-label\" x=\"%.1f\" y=\"%.1f\" "
                     "text-anchor=\"end\">%lld</text>",
                     CHART_ML, y, CHART_W - CHART_MR, y, CHART_ML - 6, y + 4,
                     (long long)(step * k)) < 0)
            return -1;
    }
    idx[0] = 0;
    nidx = 1;
    if (n >= 3)
        idx[nidx++] = n / 2;
    if (n >= 2)
        idx[nidx++] = n - 1;
    for (i = 0; i < nidx; i++) {
        char day[32];
        const char *anchor = "middle";

        if (n > 1 && i == 0)
            anchor = "start";
        else if (n > 1 && i == nidx - 1)
            anchor = "end";
        chart_day_text(p[idx[i]].day, day, sizeof(day));
        if (buf_addf(out,
                     "<text class=\"chart-label\" x=\"%.1f\" y=\"%.1f\" "
                     "text-anchor=\"%s\">",
                     n > 1 && i == 0 ? CHART_ML
                     : n > 1 && i == nidx - 1 ? CHART_W - CHART_MR
                                              : x_of(idx[i], n, kind),
                     CHART_H - 8, anchor) < 0 ||
            buf_add_html(out, day, strlen(day)) < 0 ||
            buf_adds(out, "</text>") < 0)
            return -1;
    }
    return 0;
}

int chart_svg(struct buf *out, enum chart_kind kind, const char *id,
              const char *title, const char *unit,
              const struct chart_point *p, size_t n)
{
    int64_t max = 0, step;
    double pw = CHART_W - CHART_ML - CHART_MR;
    size_t i;

    if (n > CHART_MAX_POINTS)
        return -1;
    for (i = 0; i < n; i++)
        if (p[i].value > max)
            max = p[i].value;
    step = nice_step(max > CHART_TICKS ? (max + CHART_TICKS - 1) / CHART_TICKS
                                       : 1);
    if (buf_addf(out,
                 "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\" aria-labelledby=\"",
                 CHART_W, CHART_H) < 0 ||
        buf_add_html(out, id, strlen(id)) < 0 ||
        buf_adds(out, "-t ") < 0 || buf_add_html(out, id, strlen(id)) < 0 ||
        buf_adds(out, "-d\"><title id=\"") < 0 ||
        buf_add_html(out, id, strlen(id)) < 0 || buf_adds(out, "-t\">") < 0 ||
        buf_add_html(out, title, strlen(title)) < 0 ||
        buf_adds(out, "</title><desc id=\"") < 0 ||
        buf_add_html(out, id, strlen(id)) < 0 || buf_adds(out, "-d\">") < 0)
        return -1;
    if (n == 0) {
        if (buf_adds(out, "No data.</desc></svg>") < 0)
            return -1;
        return 0;
    }
    {
        char a[32], b[32];

        chart_day_text(p[0].day, a, sizeof(a));
        chart_day_text(p[n - 1].day, b, sizeof(b));
        if (buf_addf(out, "%zu days from %s to %s; highest %lld, last %lld.",
                     n, a, b, (long long)max, (long long)p[n - 1].value) < 0)
            return -1;
    }
    if (buf_adds(out, "</desc>") < 0 || axes(out, p, n, step, kind) < 0)
        return -1;

    if (kind == CHART_BARS) {
        double bw = pw / (double)n;
        double w = bw > 2 ? bw * 0.8 : bw;

        for (i = 0; i < n; i++) {
            double y = y_of(p[i].value, step * CHART_TICKS);
            double base = y_of(0, step * CHART_TICKS);

            /* A zero bar still gets a full-height hit area for its tooltip. */
            if (buf_addf(out, "<g class=\"chart-day\">"
                              "<rect class=\"chart-hit\" x=\"%.1f\" "
                              "y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"/>",
                         CHART_ML + bw * (double)i, CHART_MT, bw,
                         base - CHART_MT) < 0 ||
                buf_addf(out, "<rect class=\"chart-bar\" x=\"%.1f\" y=\"%.1f\" "
                              "width=\"%.2f\" height=\"%.1f\"/>",
                         x_of(i, n, kind) - w / 2, y, w, base - y) < 0 ||
                point_title(out, &p[i], unit) < 0 || buf_adds(out, "</g>") < 0)
                return -1;
        }
    } else {
        if (buf_adds(out, "<polyline class=\"chart-line\" points=\"") < 0)
            return -1;
        for (i = 0; i < n; i++)
            if (buf_addf(out, "%s%.1f,%.1f", i ? " " : "", x_of(i, n, kind),
                         y_of(p[i].value, step * CHART_TICKS)) < 0)
                return -1;
        if (buf_adds(out, "\"/>") < 0)
            return -1;
        for (i = 0; i < n; i++)
            if (buf_addf(out, "<circle class=\"chart-dot\" cx=\"%.1f\" "
                              "cy=\"%.1f\" r=\"%s\">",
                         x_of(i, n, kind), y_of(p[i].value, step * CHART_TICKS),
                         n <= 90 ? "3" : "1.5") < 0 ||
                point_title(out, &p[i], unit) < 0 ||
                buf_adds(out, "</circle>") < 0)
                return -1;
    }
    return buf_adds(out, "</svg>");
}

json_t *chart_svg_json(enum chart_kind kind, const char *id, const char *title,
                       const char *unit, const struct chart_point *p, size_t n)
{
    struct buf b = BUF_INIT(CHART_MAX_BYTES);
    json_t *out = NULL;

    if (chart_svg(&b, kind, id, title, unit, p, n) == 0)
        out = json_stringn(b.data, b.len);
    else
        log_warnx("chart: %s too large", id);
    buf_release(&b);
    return out ? out : json_string("");
}
