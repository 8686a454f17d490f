/*
 * miners.c - /miners, /miner/<addr>, /users, /user/<addr>, /models,
 * /model/<id> and their JSON twins under /api/v1/.
 *
 * The JSON is what analytics.c builds (its header defines every figure);
 * pages render the same objects after adding display text (whole AIUS,
 * dates, image URLs, SVG charts) built here from numbers and validated ids
 * only.  Bad parameters are 400s naming the parameter, unknown addresses
 * and ids 404s.  Every reply depends on the indexed head alone: the
 * routes' cache policy (routes.c) keeps it until the head moves (pages
 * only for requests without a cookie: what a page may show of a session
 * is never shared).
 */
#include "arbiusd/miners.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/analytics.h"
#include "arbiusd/chart.h"
#include "arbiusd/cid.h"
#include "arbiusd/config.h"
#include "arbiusd/participants.h"
#include "arbiusd/stats.h"

static int64_t active_window(const struct http_req *req)
{
    return (int64_t)req->ctx->cfg->miners_active_window * 3600;
}

static char *const *name_items(const struct http_req *req, size_t *n)
{
    *n = req->ctx->cfg->model_names.n;
    return req->ctx->cfg->model_names.items;
}

/* "0x" + hexdigits hex digits, any case -> lower case into out.  0 or -1. */
static int hex_param(const char *s, size_t hexdigits, char *out)
{
    size_t i;

    if (!s || strlen(s) != hexdigits + 2 || s[0] != '0' ||
        (s[1] != 'x' && s[1] != 'X'))
        return -1;
    for (i = 2; i < hexdigits + 2; i++)
        if (!isxdigit((unsigned char)s[i]))
            return -1;
    for (i = 0; i < hexdigits + 2; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[hexdigits + 2] = '\0';
    return 0;
}

/* ---- display helpers ---- */

/* Adds "image_url" for an object with cid and output_file, and "is_image"
 * for image outputs. */
static void image_url(const struct http_req *req, json_t *o)
{
    const struct config *cfg = req->ctx->cfg;
    const char *cid = json_string_value(json_object_get(o, "cid"));
    const char *file = json_string_value(json_object_get(o, "output_file"));
    const char *type = json_string_value(json_object_get(o, "output_type"));
    struct buf b = BUF_INIT(4096);

    if (!cid || cfg->gateways.n == 0)
        return;
    if (cid_gateway_url(&b, cfg->gateways.items[0], cid, file) == 0)
        json_object_set_new(o, "image_url", json_stringn(b.data, b.len));
    buf_release(&b);
    json_object_set_new(o, "is_image",
                        json_boolean(type && strcmp(type, "image") == 0));
}

/* The SVG chart of points' key by day (a JSON string, "" if too large). */
static json_t *chart(json_t *points, const char *key, enum chart_kind kind,
                     const char *id, const char *title, const char *unit)
{
    size_t n = json_array_size(points), i;
    struct chart_point *cp = xcalloc(n + 1, sizeof(*cp));
    json_t *out;

    for (i = 0; i < n; i++) {
        json_t *p = json_array_get(points, i);

        cp[i].day = (int64_t)json_integer_value(json_object_get(p, "day"));
        cp[i].value = (int64_t)json_integer_value(json_object_get(p, key));
    }
    out = chart_svg_json(kind, id, title, unit, cp, n);
    free(cp);
    return out;
}

/* Sets o's "chart_<field>": bars of field per day of daily, in units of
 * field. */
static void day_chart(json_t *o, json_t *daily, const char *field,
                      const char *id, const char *title)
{
    char key[64];

    snprintf(key, sizeof(key), "chart_%s", field);
    json_object_set_new(o, key,
                        chart(daily, field, CHART_BARS, id, title, field));
}

/* Common reply of a lookup: status from the analytics result. */
static int lookup_error(struct http_req *req, struct http_resp *resp, int r,
                        const char *what)
{
    if (r == 1)
        return http_reply_error(req, resp, 404, what);
    return http_reply_error(req, resp, 503, "the database is unavailable");
}

/* ---- the leaderboard ---- */

/* The leaderboard of (w, s) at the current head, new in *outp.  0 or -1. */
static int leaderboard(struct http_req *req, enum an_window w, enum an_sort s,
                       json_t **outp)
{
    struct db *db = http_db(req);

    if (!db)
        return -1;
    return analytics_miners(db, w, s, active_window(req), outp);
}

/* window= and sort= (defaults all, solutions), or a 400 message. */
static int lb_params(const struct http_req *req, enum an_window *w,
                     enum an_sort *s, const char **msg)
{
    const char *v = http_query(req, "window");

    *w = AN_ALL;
    *s = AN_BY_SOLUTIONS;
    if (v && analytics_window_parse(v, w) < 0) {
        *msg = "window: expected 24h, 7d, 30d or all";
        return -1;
    }
    v = http_query(req, "sort");
    if (v && analytics_sort_parse(v, s) < 0) {
        *msg = "sort: expected solutions, earnings or latency";
        return -1;
    }
    return 0;
}

/* ---- participants of a role ---- */

/* role= of the leaderboard: NULL for the miners' board (absent or
 * "solver"), else the role; *bad when it is none of them. */
static const char *lb_role(const struct http_req *req, int *bad)
{
    static const char *const roles[] = { "staker", "committer", "contester",
                                         "voter" };
    const char *v = http_query(req, "role");
    size_t i;

    *bad = 0;
    if (!v || strcmp(v, "solver") == 0)
        return NULL;
    for (i = 0; i < ARRAY_SIZE(roles); i++)
        if (strcmp(v, roles[i]) == 0)
            return roles[i];
    *bad = 1;
    return NULL;
}

#define LB_ROLE_MSG \
    "role: expected solver, staker, committer, contester or voter"

/* The participants of role as a new object with its as_of, read in one
 * snapshot.  0 or -1. */
static int role_list(struct http_req *req, const char *role, json_t **outp)
{
    struct db *db = http_db(req);
    struct stats_head h;
    int r = -1;

    if (!db || db_read_begin(db) < 0)
        return -1;
    if (stats_head(db, &h) == 0 && participants_list(db, role, outp) == 0) {
        json_object_set_new(*outp, "as_of", stats_head_json(&h));
        r = 0;
    }
    db_read_end(db);
    return r;
}

/* /miners?role=R (R not solver): the participants of R as a page. */
static int role_page(struct http_req *req, struct http_resp *resp,
                     const char *role)
{
    json_t *ctx = NULL;
    char title[64];
    int r;

    if (role_list(req, role, &ctx) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    snprintf(title, sizeof(title), "Participants: %ss", role);
    json_object_set_new(ctx, "title", json_string(title));
    http_resp_header(resp, "Cache-Control", "no-cache");
    r = http_reply_page(req, resp, "participants", ctx);
    json_decref(ctx);
    return r;
}

int miners_api_miners(struct http_req *req, struct http_resp *resp)
{
    enum an_window w;
    enum an_sort s;
    const char *msg = NULL, *role;
    json_t *o = NULL;
    int bad;

    role = lb_role(req, &bad);
    if (bad)
        return http_reply_error(req, resp, 400, LB_ROLE_MSG);
    if (role) {
        if (role_list(req, role, &o) < 0)
            return http_reply_error(req, resp, 503,
                                    "the database is unavailable");
        http_resp_header(resp, "Cache-Control", "no-cache");
        return http_reply_json(resp, 200, o);
    }
    if (lb_params(req, &w, &s, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    if (leaderboard(req, w, s, &o) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    http_resp_header(resp, "Cache-Control", "no-cache");
    return http_reply_json(resp, 200, o);
}

/* URL names of enum an_window and enum an_sort. */
static const char *const LB_WINDOWS[] = { "24h", "7d", "30d", "all" };
static const char *const LB_SORTS[] = { "solutions", "earnings", "latency" };

/* The links of the leaderboard page to every window (by_sort = 0) or every
 * order (by_sort = 1), keeping the other choice; the current one marked. */
static json_t *lb_links(enum an_window w, enum an_sort s, int by_sort)
{
    json_t *links = json_array();
    size_t i, n = by_sort ? ARRAY_SIZE(LB_SORTS) : ARRAY_SIZE(LB_WINDOWS);

    for (i = 0; i < n; i++) {
        size_t wi = by_sort ? (size_t)w : i, si = by_sort ? i : (size_t)s;
        char href[96];

        snprintf(href, sizeof(href), "/miners?window=%s&sort=%s",
                 LB_WINDOWS[wi], LB_SORTS[si]);
        json_array_append_new(links,
                              json_pack("{s:s,s:s,s:b}", "label",
                                        by_sort ? LB_SORTS[i] : LB_WINDOWS[i],
                                        "href", href, "current",
                                        wi == (size_t)w && si == (size_t)s));
    }
    return links;
}

int miners_page_miners(struct http_req *req, struct http_resp *resp)
{
    enum an_window w;
    enum an_sort s;
    const char *msg = NULL;
    json_t *ctx = NULL;
    int r, bad;
    const char *role = lb_role(req, &bad);

    if (bad)
        return http_reply_error(req, resp, 400, LB_ROLE_MSG);
    if (role)
        return role_page(req, resp, role);
    if (lb_params(req, &w, &s, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    if (leaderboard(req, w, s, &ctx) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    if (json_array_size(json_object_get(ctx, "daily")) > 0)
        json_object_set_new(ctx, "chart_daily",
                            chart(json_object_get(ctx, "daily"), "solutions",
                                  CHART_BARS, "chart-miners",
                                  "Solutions per day, all miners",
                                  "solutions"));
    json_object_set_new(ctx, "windows", lb_links(w, s, 0));
    json_object_set_new(ctx, "sorts", lb_links(w, s, 1));
    json_object_set_new(ctx, "title", json_string("Miners"));
    http_resp_header(resp, "Cache-Control", "no-cache");
    r = http_reply_page(req, resp, "miners", ctx);
    json_decref(ctx);
    return r;
}

/* ---- the detail and list views ---- */

#define MW_KEY_SIZE 67 /* "0x" + 64 hex digits + NUL */

/*
 * One view: the JSON of /api/v1/<name> and the page /<name> built from the
 * same object.  key() validates the URL into the key fetch() reads by;
 * decorate() adds the page's display text (never the JSON's).
 */
struct mw_view {
    const char *tmpl;  /* template name */
    const char *title; /* page title */
    /* 0 and the key in out, or -1 (answered 400 with bad_key); NULL: the
     * view takes no parameter. */
    int (*key)(const struct http_req *req, char out[MW_KEY_SIZE]);
    const char *bad_key;
    /* 0 and a new object in *outp, 1 when there is none (404 missing), or
     * -1 (503); names are [chain] model_names. */
    int (*fetch)(struct http_req *req, struct db *db, const char *key,
                 char *const *names, size_t nn, json_t **outp);
    const char *missing;
    void (*decorate)(const struct http_req *req, json_t *o); /* or NULL */
};

/*
 * The view's object for this request, or an answered error (400, 404 or
 * 503).  0 and a new reference in *outp, or -1 once answered.
 */
static int view_load(struct http_req *req, struct http_resp *resp,
                     const struct mw_view *v, json_t **outp)
{
    struct db *db = http_db(req);
    char key[MW_KEY_SIZE] = "";
    size_t nn;
    char *const *names = name_items(req, &nn);
    int r;

    if (v->key && v->key(req, key) < 0) {
        http_reply_error(req, resp, 400, v->bad_key);
        return -1;
    }
    if (!db) {
        http_reply_error(req, resp, 503, "the database is unavailable");
        return -1;
    }
    r = v->fetch(req, db, key, names, nn, outp);
    if (r != 0) {
        lookup_error(req, resp, r, v->missing);
        return -1;
    }
    return 0;
}

/* Answers the view as JSON (page = 0) or as its page.  The handler's
 * result. */
static int view_reply(struct http_req *req, struct http_resp *resp,
                      const struct mw_view *v, int page)
{
    json_t *o = NULL;
    int r;

    if (view_load(req, resp, v, &o) < 0)
        return 0;
    if (!page)
        return http_reply_json(resp, 200, o);
    if (v->decorate)
        v->decorate(req, o);
    json_object_set_new(o, "title", json_string(v->title));
    r = http_reply_page(req, resp, v->tmpl, o);
    json_decref(o);
    return r;
}

/* req->param as an address (0x and 40 hex digits, lower-cased). */
static int address_key(const struct http_req *req, char out[MW_KEY_SIZE])
{
    return hex_param(req->param, 40, out);
}

/* req->param as a model id (0x and 64 hex digits, lower-cased). */
static int model_key(const struct http_req *req, char out[MW_KEY_SIZE])
{
    return hex_param(req->param, 64, out);
}

/* sort= of /users: tasks (the default), fees or recent. */
static int users_key(const struct http_req *req, char out[MW_KEY_SIZE])
{
    const char *sort = http_query(req, "sort");

    if (!sort)
        sort = "tasks";
    if (strcmp(sort, "tasks") != 0 && strcmp(sort, "fees") != 0 &&
        strcmp(sort, "recent") != 0)
        return -1;
    snprintf(out, MW_KEY_SIZE, "%s", sort);
    return 0;
}

/* ---- one miner ---- */

/* mw_view.fetch of /miner/<addr>: analytics_miner(). */
static int miner_fetch(struct http_req *req, struct db *db, const char *addr,
                       char *const *names, size_t nn, json_t **outp)
{
    return analytics_miner(db, addr, active_window(req), names, nn, outp);
}

/* The /miner page's output URLs and two charts (times and amounts are
 * the template's filters). */
static void miner_decorate(const struct http_req *req, json_t *o)
{
    json_t *v, *daily;
    size_t i;

    json_array_foreach(json_object_get(o, "recent"), i, v) image_url(req, v);
    daily = json_object_get(o, "daily");
    day_chart(o, daily, "solutions", "chart-sol", "Solutions per day");
    day_chart(o, daily, "claims", "chart-claims", "Claims per day");
}

/* ---- users ---- */

/* mw_view.fetch of /users: analytics_users() by sort (never 404). */
static int users_fetch(struct http_req *req, struct db *db, const char *sort,
                       char *const *names, size_t nn, json_t **outp)
{
    (void)req;
    (void)names;
    (void)nn;
    return analytics_users(db, sort, outp) < 0 ? -1 : 0;
}

/* mw_view.fetch of /user/<addr>: analytics_user(). */
static int user_fetch(struct http_req *req, struct db *db, const char *addr,
                      char *const *names, size_t nn, json_t **outp)
{
    (void)req;
    return analytics_user(db, addr, names, nn, outp);
}

/* The /user page's output URLs. */
static void user_decorate(const struct http_req *req, json_t *o)
{
    json_t *v;
    size_t i;

    json_array_foreach(json_object_get(o, "recent"), i, v) image_url(req, v);
}

/* ---- models ---- */

/* mw_view.fetch of /models: analytics_models() (never 404). */
static int models_fetch(struct http_req *req, struct db *db, const char *key,
                        char *const *names, size_t nn, json_t **outp)
{
    (void)req;
    (void)key;
    return analytics_models(db, names, nn, outp) < 0 ? -1 : 0;
}

/* mw_view.fetch of /model/<id>: analytics_model(). */
static int model_fetch(struct http_req *req, struct db *db, const char *id,
                       char *const *names, size_t nn, json_t **outp)
{
    (void)req;
    return analytics_model(db, id, names, nn, outp);
}

/* Adds "default_text" to each template field with a default. */
static void default_texts(json_t *fields)
{
    json_t *f, *v;
    size_t i;

    json_array_foreach(fields, i, f)
    {
        v = json_object_get(f, "default");
        if (v && !json_is_null(v) && !json_is_string(v)) {
            char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

            if (t)
                json_object_set_new(f, "default_text", json_string(t));
            free(t);
        } else if (json_is_string(v)) {
            json_object_set(f, "default_text", v);
        }
    }
}

/* The /model page's two charts and template defaults. */
static void model_decorate(const struct http_req *req, json_t *o)
{
    json_t *daily = json_object_get(o, "daily");

    (void)req;
    day_chart(o, daily, "tasks", "chart-tasks", "Tasks per day");
    day_chart(o, daily, "solutions", "chart-sol", "Solutions per day");
    default_texts(json_object_get(json_object_get(o, "template"), "fields"));
}

/* ---- the views ---- */

/* Every detail and list view of this file, one row each. */
enum mw_view_id { MW_MINER, MW_USERS, MW_USER, MW_MODELS, MW_MODEL };

static const struct mw_view MW_VIEWS[] = {
    [MW_MINER] = {
        "miner", "Miner", address_key, "address: expected 0x and 40 hex digits",
        miner_fetch, "no such miner in the index", miner_decorate,
    },
    [MW_USERS] = {
        "users", "Users", users_key, "sort: expected tasks, fees or recent",
        users_fetch, NULL, NULL,
    },
    [MW_USER] = {
        "user", "User", address_key, "address: expected 0x and 40 hex digits",
        user_fetch, "no such user in the index", user_decorate,
    },
    [MW_MODELS] = {
        "models", "Models", NULL, NULL, models_fetch, NULL, NULL,
    },
    [MW_MODEL] = {
        "model", "Model", model_key, "id: expected 0x and 64 hex digits",
        model_fetch, "no such model in the index", model_decorate,
    },
};

/* The handlers: each view as JSON and as a page (cached and validated by
 * the routes' policy, routes.c). */
#define CACHED(name, view, page)                             \
    int name(struct http_req *req, struct http_resp *resp)   \
    {                                                        \
        return view_reply(req, resp, &MW_VIEWS[view], page); \
    }

CACHED(miners_api_miner, MW_MINER, 0)
CACHED(miners_page_miner, MW_MINER, 1)
CACHED(miners_api_users, MW_USERS, 0)
CACHED(miners_page_users, MW_USERS, 1)
CACHED(miners_api_user, MW_USER, 0)
CACHED(miners_page_user, MW_USER, 1)
CACHED(miners_api_models, MW_MODELS, 0)
CACHED(miners_page_models, MW_MODELS, 1)
CACHED(miners_api_model, MW_MODEL, 0)
CACHED(miners_page_model, MW_MODEL, 1)
