/*
 * dashboard.c - the dashboard page (/) and its JSON (/api/v1/stats,
 * /api/v1/charts/daily).
 *
 * Every reply describes the index "as of" its head: the routes' cache
 * policy (routes.c) keeps them per head and gives them the head's
 * validators.  Parameters are checked against fixed lists; a bad value is a
 * 400 naming the parameter.  Links and charts are built here from validated
 * parameters and numbers only, never from request text; a drawn chart is
 * kept in the response cache per head, so it is drawn once per head.
 */
#include "arbiusd/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/cache.h"
#include "arbiusd/chart.h"
#include "arbiusd/params.h"
#include "arbiusd/stats.h"

/* The range of the cumulative chart and /charts/daily without days=. */
#define DASH_DEFAULT_DAYS PARAM_DEFAULT_DAYS

/* http_query() as a params.h lookup. */
static const char *dash_query(const void *ud, const char *name)
{
    return http_query(ud, name);
}

/*
 * Reads automine= and, as flags ask (PARAM_DAYS, PARAM_MODEL), days= and
 * model=; other parameters are ignored.  Returns 0, or -1 with the 400
 * message naming the parameter in *msg (a static string).
 */
static int dash_parse(const struct http_req *req, unsigned flags,
                      struct dash_params *out /* OUT */, const char **msg)
{
    return params_dashboard(dash_query, req, flags, out, msg);
}

/*
 * The JSON routes' common path: the summary (daily = 0) or the daily
 * series.  Validators, 304s and the reply cache are the route's policy
 * (routes.c, cache.h).  Returns the handler result.
 */
static int dash_api_reply(struct http_req *req, struct http_resp *resp,
                          const struct dash_params *p, int daily)
{
    struct db *db = http_db(req);
    json_t *reply = NULL;
    int r;

    if (!db)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    if (daily)
        r = stats_daily(db, p->days, p->model[0] ? p->model : NULL,
                        p->show_automine, &reply);
    else
        r = stats_summary(db, p->show_automine, &reply);
    if (r < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    http_resp_header(resp, "Cache-Control", "no-cache");
    return http_reply_json(resp, 200, reply);
}

int dashboard_api_stats(struct http_req *req, struct http_resp *resp)
{
    struct dash_params p;
    const char *msg = NULL;

    if (dash_parse(req, 0, &p, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    return dash_api_reply(req, resp, &p, 0);
}

int dashboard_api_charts(struct http_req *req, struct http_resp *resp)
{
    struct dash_params p;
    const char *msg = NULL;

    if (dash_parse(req, PARAM_DAYS | PARAM_MODEL, &p, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    return dash_api_reply(req, resp, &p, 1);
}

/* ---- the page ---- */

/* How a card's figure is shown: the template filter it goes through. */
enum dash_fig { DASH_NUM, DASH_AIUS, DASH_DUR };

/* A card: figure key, label, how it is shown, definition. */
struct dash_card_def {
    const char *key; /* member of the summary */
    const char *label;
    enum dash_fig fig;
    const char *help;
};

static const struct dash_card_def DASH_CARDS[] = {
    { "images_total", "Images", DASH_NUM,
      "Solved tasks of image models (output type image in the "
      "model's template), all time; a solution whose contestation was "
      "upheld is invalid and not counted." },
    { "images_7d", "Images, 7 days", DASH_NUM,
      "Images whose solution landed on the indexed head's UTC day "
      "or the six days before it." },
    { "images_24h", "Images, 24 h", DASH_NUM,
      "Images whose solution landed in the 24 hours before the "
      "indexed head's block time." },
    { "aius_paid_24h", "AIUS paid, 24 h", DASH_AIUS,
      "Fees and rewards the engine paid out to anyone (validator fee "
      "and reward, task-owner reward, treasury reward, model owner's "
      "fee share) in claims and rejected-contestation finishes of "
      "the 24 hours of indexed block time before the head; "
      "treasury fee shares that only accrue in the engine are not "
      "counted. With automine hidden, payouts of automine tasks are "
      "left out." },
    { "users_total", "Users", DASH_NUM, "Distinct task owners, all time." },
    { "users_7d", "Users, 7 days", DASH_NUM,
      "Distinct owners of tasks submitted on the head's UTC day or "
      "the six days before it." },
    { "models", "Models", DASH_NUM, "Models registered on the engine." },
    { "tasks", "Tasks", DASH_NUM, "Tasks submitted, all models, all time." },
    { "solutions", "Solutions", DASH_NUM,
      "Solutions submitted, all models, all time." },
    { "miners_active_7d", "Active miners, 7 days", DASH_NUM,
      "Validators that submitted a solution on the head's UTC day "
      "or the six days before it (not affected by the automine "
      "toggle)." },
    { "median_solve_seconds", "Median solve time", DASH_DUR,
      "Median time from task to solution over the newest 1000 "
      "solutions." },
};

/* The card of def from summary: {key, label, help} and the figure under
 * the name of its filter ({"num": {"v": 12}}, "aius", "dur"), or "none"
 * when the figure is null (an object, so that 0 still shows). */
static json_t *dash_card(json_t *summary, const struct dash_card_def *def)
{
    static const char *const fig_names[] = { "num", "aius", "dur" };
    json_t *v = json_object_get(summary, def->key);
    json_t *card = json_pack("{s:s,s:s,s:s}", "key", def->key, "label",
                             def->label, "help", def->help);

    if (!v || json_is_null(v))
        json_object_set_new(card, "none", json_true());
    else
        json_object_set_new(card, fig_names[def->fig],
                            json_pack("{s:O}", "v", v));
    return card;
}

/* Every card of DASH_CARDS, in order, as a new array. */
static json_t *dash_cards(json_t *summary)
{
    json_t *cards = json_array();
    size_t i;

    for (i = 0; i < ARRAY_SIZE(DASH_CARDS); i++)
        json_array_append_new(cards, dash_card(summary, &DASH_CARDS[i]));
    return cards;
}

/* Builds "/?automine=...[&days=...][&model=...]" links: a plain link per
 * state, from validated values only. */
static json_t *dash_link(const char *label, int show, const char *days,
                         const char *model, int current)
{
    char href[192];
    int n;

    n = snprintf(href, sizeof(href), "/?automine=%s", show ? "show" : "hide");
    if (days)
        n += snprintf(href + n, sizeof(href) - (size_t)n, "&days=%s", days);
    if (model && *model)
        snprintf(href + n, sizeof(href) - (size_t)n, "&model=%s", model);
    return json_pack("{s:s,s:s,s:b}", "label", label, "href", href, "current",
                     current);
}

/* A model's display name: its template title, else its id shortened. */
static void dash_model_name(json_t *title, const char *id, char *out,
                            size_t outsz)
{
    if (json_is_string(title) && json_string_length(title) > 0)
        snprintf(out, outsz, "%s", json_string_value(title));
    else
        snprintf(out, outsz, "%.10s…%s", id, id + strlen(id) - 4);
}

/*
 * The per-model table of the page from daily.by_model: name, images in the
 * window and their share, all-time images, and a link that narrows the
 * charts to the model.
 */
static json_t *dash_by_model(json_t *daily, int show, const char *days)
{
    json_t *rows = json_array(), *e;
    json_int_t sum = 0;
    size_t i;

    json_array_foreach(json_object_get(daily, "by_model"), i, e)
        sum += json_integer_value(json_object_get(e, "images"));
    json_array_foreach(json_object_get(daily, "by_model"), i, e) {
        const char *id = json_string_value(json_object_get(e, "model"));
        json_int_t n = json_integer_value(json_object_get(e, "images"));
        char name[160], share[16];
        json_t *link;

        if (!id || strlen(id) < 14)
            continue;
        dash_model_name(json_object_get(e, "title"), id, name, sizeof(name));
        snprintf(share, sizeof(share), "%.1f%%",
                 sum > 0 ? 100.0 * (double)n / (double)sum : 0.0);
        link = dash_link(name, show, days, id, 0);
        json_array_append_new(
            rows, json_pack("{s:s,s:s,s:I,s:I,s:s,s:O}", "model", id, "name",
                            name, "images", n, "total",
                            json_integer_value(json_object_get(e, "total")),
                            "share", share, "href",
                            json_object_get(link, "href")));
        json_decref(link);
    }
    return rows;
}

/* Days since 1970-01-01 of "YYYY-MM-DD" (0 if malformed), by Howard
 * Hinnant's days_from_civil. */
static int64_t dash_day_number(const char *s)
{
    int y, m, d;
    int64_t era, yoe, doy, doe;

    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return 0;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Renders points[from..] of a daily reply as an SVG chart into a string. */
static json_t *dash_chart_draw(json_t *points, size_t from,
                               enum chart_kind kind, const char *id,
                               const char *title)
{
    size_t n = json_array_size(points), i;
    struct chart_point *cp;
    json_t *out;

    if (from > n)
        from = n;
    cp = xcalloc(n - from + 1, sizeof(*cp));
    for (i = from; i < n; i++) {
        json_t *pt = json_array_get(points, i);
        const char *day = json_string_value(json_object_get(pt, "day"));

        cp[i - from].day = dash_day_number(day);
        cp[i - from].value = (int64_t)json_integer_value(json_object_get(
            pt, kind == CHART_LINE ? "cumulative" : "images"));
    }
    out = chart_svg_json(kind, id, title, "images", cp, n - from);
    free(cp);
    return out;
}

/*
 * The chart of points[from..] of daily (of p's range, model and automine
 * mode), drawn once per head: the SVG is kept in the response cache under
 * the head daily is "as of", so a page rendered for another request (one
 * with a cookie is not shared) at the same head takes it from there.
 */
static json_t *dash_chart(struct http_req *req, const struct dash_params *p,
                          json_t *daily, size_t from, enum chart_kind kind,
                          const char *id, const char *title)
{
    json_t *as_of = json_object_get(daily, "as_of"), *out;
    const char *hash = json_string_value(json_object_get(as_of, "hash"));
    uint64_t ver = cache_head_version((int64_t)json_integer_value(
                                          json_object_get(as_of, "block")),
                                      hash ? hash : "");
    struct cache *c = http_cache(req);
    struct buf svg = BUF_INIT(HTTP_MAX_RESPONSE);
    char key[256];

    snprintf(key, sizeof(key), "chart\n%s\n%lld\n%d\n%s\n%zu", id,
             (long long)p->days, p->show_automine, p->model, from);
    if (ver && cache_memo_get(c, key, ver, &svg)) {
        out = json_stringn(svg.data, svg.len);
        buf_release(&svg);
        if (out)
            return out;
    }
    buf_release(&svg);
    out = dash_chart_draw(json_object_get(daily, "points"), from, kind, id,
                          title);
    if (ver && json_is_string(out))
        cache_memo_put(c, key, ver, json_string_value(out),
                       json_string_length(out));
    return out;
}

/* The day-range links: one per PARAM_DAY_RANGES entry, the current one
 * marked (the default range when days= was not given). */
static json_t *dash_ranges(const struct dash_params *p)
{
    json_t *ranges = json_array();
    size_t i;

    for (i = 0; i < PARAM_DAY_RANGES_N; i++) {
        const struct param_range *r = &PARAM_DAY_RANGES[i];

        json_array_append_new(ranges,
                              dash_link(r->days ? r->text : "all",
                                        p->show_automine, r->text, p->model,
                                        p->days_given
                                            ? r->days == p->days
                                            : r->days == DASH_DEFAULT_DAYS));
    }
    return ranges;
}

/*
 * The charts are narrowed to one model: name it and offer the way back.
 * The name comes from the model table, not the URL.  A new object.
 */
static json_t *dash_model_filter(struct db *db, const struct dash_params *p,
                                 const char *days)
{
    json_t *title = NULL, *all, *o;
    char name[160];

    if (stats_model_title(db, p->model, &title) < 0)
        title = NULL;
    dash_model_name(title, p->model, name, sizeof(name));
    json_decref(title);
    all = dash_link("All models", p->show_automine, days, NULL, 0);
    o = json_pack("{s:s,s:s,s:O}", "model", p->model, "name", name, "all_href",
                  json_object_get(all, "href"));
    json_decref(all);
    return o;
}

/* The window's name in headings: "30 days", or "all time". */
static json_t *dash_days_label(const struct dash_params *p)
{
    char t[32];

    if (p->days <= 0)
        return json_string("all time");
    snprintf(t, sizeof(t), "%lld days", (long long)p->days);
    return json_string(t);
}

/* The page's context from the summary and the daily series (borrowed);
 * NULL if it cannot be built.  Both charts and the per-model table cover
 * the same window, and their headings say which. */
static json_t *dash_context(struct http_req *req, struct db *db,
                            const struct dash_params *p, json_t *summary,
                            json_t *daily)
{
    const char *days_text = NULL, *days;
    json_t *points = json_object_get(daily, "points"), *ctx;
    size_t i;

    for (i = 0; i < PARAM_DAY_RANGES_N; i++)
        if (PARAM_DAY_RANGES[i].days == p->days)
            days_text = PARAM_DAY_RANGES[i].text;
    days = p->days_given ? days_text : NULL;
    ctx = json_pack("{s:s,s:O,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:O}", "title",
                    "Arbius index", "as_of", json_object_get(summary, "as_of"),
                    "cards", dash_cards(summary), "ranges", dash_ranges(p),
                    "automine_shown", p->show_automine, "automine_toggle",
                    dash_link(p->show_automine ? "Hide automine"
                                               : "Show automine",
                              !p->show_automine, days, p->model, 0),
                    "chart_cumulative",
                    dash_chart(req, p, daily, 0, CHART_LINE, "chart-cum",
                               "Cumulative images per day"),
                    "chart_daily",
                    dash_chart(req, p, daily, 0, CHART_BARS, "chart-day",
                               "Images per day"),
                    "range_cum",
                    json_pack("{s:O,s:O}", "from",
                              json_object_get(daily, "from"), "to",
                              json_object_get(daily, "to")),
                    "automine", json_object_get(summary, "automine"));
    if (!ctx)
        return NULL;
    if (p->model[0])
        json_object_set_new(ctx, "model_filter",
                            dash_model_filter(db, p, days));
    else
        json_object_set_new(ctx, "by_model",
                            dash_by_model(daily, p->show_automine, days));
    json_object_set_new(ctx, "days_label", dash_days_label(p));
    json_object_set_new(ctx, "has_points",
                        json_boolean(json_array_size(points) > 0));
    return ctx;
}

int dashboard_page(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    struct dash_params p;
    const char *msg = NULL;
    json_t *summary = NULL, *daily = NULL, *ctx = NULL;
    int r = -1;

    if (dash_parse(req, PARAM_DAYS | PARAM_MODEL, &p, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    if (!db)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    if (stats_dashboard(db, p.days, p.model[0] ? p.model : NULL,
                        p.show_automine, &summary, &daily) < 0) {
        r = http_reply_error(req, resp, 503, "the database is unavailable");
        goto out;
    }
    ctx = dash_context(req, db, &p, summary, daily);
    if (!ctx) {
        r = http_reply_error(req, resp, 500, "internal error");
        goto out;
    }
    http_resp_header(resp, "Cache-Control", "no-cache");
    r = http_reply_page(req, resp, "dashboard", ctx);
out:
    json_decref(ctx);
    json_decref(summary);
    json_decref(daily);
    return r;
}
