/*
 * gallery.c - the gallery: /gallery (HTML grid), /image/<taskid> (detail),
 * /gallery.atom, /api/v1/images (JSON page), /api/v1/images.csv (streamed)
 * and the detail JSON of /api/v1/image/<taskid>.
 *
 * What is listed, and in which order, is defined once in images.h.  Every
 * parameter is checked against a fixed form and a bad one is a 400 naming
 * it; links are rebuilt from the parsed parameters, never copied from the
 * request.  Prompts are hostile: HTML goes through the templates' escaping,
 * JSON through jansson, Atom through xml_add() and CSV through csv_add().
 */
#include "arbiusd/gallery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/config.h"
#include "arbiusd/cursor.h"
#include "arbiusd/db.h"
#include "arbiusd/images.h"
#include "arbiusd/log.h"

#define GALLERY_ATOM_ENTRIES 50   /* entries of /gallery.atom */
#define GALLERY_CSV_BATCH 500     /* rows per query of the CSV stream */
#define GALLERY_PROMPT_CARD 160   /* bytes of a prompt on a card */
#define GALLERY_PROMPT_META 200   /* bytes of a prompt in og:description */
#define DAY 86400

/* Parsed and validated query parameters. */
struct gallery_params {
    struct images_filter f;
    char q[IMAGES_MAX_Q + 1];     /* search text as given, "" = none */
    char from[11], to[11];        /* YYYY-MM-DD as given, "" = open */
    int sort_given;               /* sort= was in the URL */
    struct buf match;             /* FTS expression of q */
};

static const struct {
    const char *name;
    const char *label;
    enum cursor_sort sort;
    const char *order; /* the page's subtitle says it */
} SORTS[] = {
    { "newest", "Newest", CURSOR_NEWEST, "newest task first" },
    { "oldest", "Oldest", CURSOR_OLDEST, "oldest task first" },
    { "upvoted", "Most upvoted", CURSOR_UPVOTES, "most upvoted first" },
    { "relevance", "Best match", CURSOR_RELEVANCE, "best match first" },
};

/* How the page orders its images, for its subtitle. */
static const char *sort_order_text(enum cursor_sort s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(SORTS); i++)
        if (SORTS[i].sort == s)
            return SORTS[i].order;
    return SORTS[0].order;
}

static const char *sort_name(enum cursor_sort s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(SORTS); i++)
        if (SORTS[i].sort == s)
            return SORTS[i].name;
    return "newest";
}

/* Lower-cases 0x + n hex digits of v into out; 0 or -1. */
static int parse_hex(const char *v, size_t n, char *out)
{
    size_t i;

    if (strlen(v) != n + 2 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X'))
        return -1;
    for (i = 2; i < n + 2; i++) {
        char c = v[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F')))
            return -1;
        out[i] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
    }
    out[0] = '0';
    out[1] = 'x';
    out[n + 2] = '\0';
    return 0;
}

/* Seconds since the epoch of a YYYY-MM-DD day (UTC); 0 or -1. */
static int parse_day(const char *v, int64_t *out)
{
    int y, m, d, i;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days;

    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
            return -1;
    y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 +
        (v[3] - '0');
    m = (v[5] - '0') * 10 + (v[6] - '0');
    d = (v[8] - '0') * 10 + (v[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    /* Days from civil (Howard Hinnant's algorithm). */
    {
        int yy = m <= 2 ? y - 1 : y;
        int era = yy / 400;
        int yoe = yy - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        days = (int64_t)era * 146097 + doe - 719468;
    }
    *out = days * DAY;
    return 0;
}

#define GP_LIMIT 0x1u             /* gallery_parse: read limit= */
#define GP_CURSOR 0x2u            /* gallery_parse: read cursor= */

static void gallery_params_release(struct gallery_params *p)
{
    buf_release(&p->match);
}

/* The parameters of a fixed form and their 400 messages, in the order they
 * are checked.  A value past HTTP_MAX_QUERY reads as absent: it is named
 * with the same message instead. */
enum gp_form {
    GPF_MODEL,
    GPF_CREATOR,
    GPF_MINER,
    GPF_AUTOMINE,
    GPF_CONTESTED,
    GPF_FROM,
    GPF_TO,
    GPF_SORT,
    GPF_LIMIT,
};

static const struct {
    const char *name;
    const char *msg;
} GP_FORMS[] = {
    [GPF_MODEL] = { "model", "model: expected 0x and 64 hex digits" },
    [GPF_CREATOR] = { "creator",
                      "creator: expected an address, 0x and 40 hex digits" },
    [GPF_MINER] = { "miner",
                    "miner: expected an address, 0x and 40 hex digits" },
    [GPF_AUTOMINE] = { "automine", "automine: expected hide or show" },
    [GPF_CONTESTED] = { "contested", "contested: expected hide or show" },
    [GPF_FROM] = { "from", "from: expected a date YYYY-MM-DD" },
    [GPF_TO] = { "to", "to: expected a date YYYY-MM-DD" },
    [GPF_SORT] = { "sort",
                   "sort: expected newest, oldest, upvoted or relevance" },
    [GPF_LIMIT] = { "limit", "limit: expected a number from 1 to 100" },
};

/* A hide|show parameter into *show (absent: hide).  0, or -1 with *msg. */
static int gp_show(const struct http_req *req, enum gp_form form, int *show,
                   const char **msg)
{
    const char *v = http_query(req, GP_FORMS[form].name);

    if (v && strcmp(v, "show") == 0) {
        *show = 1;
    } else if (v && *v && strcmp(v, "hide") != 0) {
        *msg = GP_FORMS[form].msg;
        return -1;
    }
    return 0;
}

/* model=, creator=, miner= (hex ids), automine=, contested=, from= and to=
 * (days). */
static int gp_filters(const struct http_req *req, struct gallery_params *p,
                      const char **msg)
{
    const struct {
        enum gp_form form;
        size_t digits;
        char *out;
    } ids[] = {
        { GPF_MODEL, 64, p->f.model },
        { GPF_CREATOR, 40, p->f.creator },
        { GPF_MINER, 40, p->f.miner },
    };
    const char *v;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(GP_FORMS); i++)
        if (http_query_too_long(req, GP_FORMS[i].name)) {
            *msg = GP_FORMS[i].msg;
            return -1;
        }
    for (i = 0; i < ARRAY_SIZE(ids); i++) {
        v = http_query(req, GP_FORMS[ids[i].form].name);
        if (v && *v && parse_hex(v, ids[i].digits, ids[i].out) < 0) {
            *msg = GP_FORMS[ids[i].form].msg;
            return -1;
        }
    }
    if (gp_show(req, GPF_AUTOMINE, &p->f.show_automine, msg) < 0 ||
        gp_show(req, GPF_CONTESTED, &p->f.show_invalid, msg) < 0)
        return -1;
    v = http_query(req, "from");
    if (v && *v) {
        if (parse_day(v, &p->f.from_time) < 0) {
            *msg = GP_FORMS[GPF_FROM].msg;
            return -1;
        }
        snprintf(p->from, sizeof(p->from), "%s", v);
    }
    v = http_query(req, "to");
    if (v && *v) {
        if (parse_day(v, &p->f.to_time) < 0) {
            *msg = GP_FORMS[GPF_TO].msg;
            return -1;
        }
        p->f.to_time += DAY; /* the whole day is included */
        snprintf(p->to, sizeof(p->to), "%s", v);
    }
    return 0;
}

/* q=: the search text, which also makes relevance the default order.  A
 * blank q is no search. */
static int gp_search(const struct http_req *req, struct gallery_params *p,
                     const char **msg)
{
    const char *v = http_query(req, "q");

    if (http_query_too_long(req, "q") || (v && strlen(v) > IMAGES_MAX_Q)) {
        *msg = "q: at most 256 bytes";
        return -1;
    }
    if (!v || !*v)
        return 0;
    snprintf(p->q, sizeof(p->q), "%s", v);
    if (images_fts_query(v, &p->match) == 0) {
        p->f.match = p->match.data;
        p->f.sort = CURSOR_RELEVANCE;
    } else if (strspn(v, " \t\r\n\f\v") != strlen(v)) {
        *msg = "q: at most 16 words";
        return -1;
    } else {
        p->q[0] = '\0';
    }
    return 0;
}

/* sort=: one of SORTS, relevance only with a search and upvoted only
 * without. */
static int gp_sort(const struct http_req *req, struct gallery_params *p,
                   const char **msg)
{
    const char *v = http_query(req, "sort");
    size_t i;

    if (!v || !*v)
        return 0;
    for (i = 0; i < ARRAY_SIZE(SORTS); i++)
        if (strcmp(v, SORTS[i].name) == 0)
            break;
    if (i == ARRAY_SIZE(SORTS)) {
        *msg = GP_FORMS[GPF_SORT].msg;
        return -1;
    }
    if (SORTS[i].sort == CURSOR_RELEVANCE && !p->f.match) {
        *msg = "sort: relevance needs a search text q";
        return -1;
    }
    if (SORTS[i].sort == CURSOR_UPVOTES && p->f.match) {
        *msg = "sort: upvoted cannot be combined with a search text q";
        return -1;
    }
    p->f.sort = SORTS[i].sort;
    p->sort_given = 1;
    return 0;
}

/* limit= and cursor=, as flags ask; a cursor must be of the sort order. */
static int gp_page(const struct http_req *req, unsigned flags,
                   struct gallery_params *p, const char **msg)
{
    const char *v = (flags & GP_LIMIT) ? http_query(req, "limit") : NULL;
    uint64_t n;

    if (v && *v) {
        if (util_parse_u64(v, 1, IMAGES_MAX_LIMIT, &n) < 0) {
            *msg = GP_FORMS[GPF_LIMIT].msg;
            return -1;
        }
        p->f.limit = (int)n;
    }
    if (!(flags & GP_CURSOR))
        return 0;
    v = http_query(req, "cursor");
    if (http_query_too_long(req, "cursor")) {
        *msg = "cursor: not a cursor of this gallery";
        return -1;
    }
    if (!v || !*v)
        return 0;
    if (cursor_decode(v, strlen(v), &p->f.cursor) < 0) {
        *msg = "cursor: not a cursor of this gallery";
        return -1;
    }
    if (p->f.cursor.sort != p->f.sort) {
        *msg = "cursor: made for another sort order";
        return -1;
    }
    p->f.has_cursor = 1;
    return 0;
}

/*
 * Reads every gallery parameter.  Returns 0, or -1 with the 400 message
 * naming the parameter in *msg (static).  p is initialised either way.
 */
/* The parameters of a gallery URL without any: newest first, automine
 * hidden.  Release with gallery_params_release(). */
static void gallery_defaults(struct gallery_params *p)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->match, 4 * IMAGES_MAX_Q);
    p->f.from_time = -1;
    p->f.to_time = -1;
    p->f.limit = IMAGES_DEFAULT_LIMIT;
    p->f.sort = CURSOR_NEWEST;
}

static int gallery_parse(const struct http_req *req, unsigned flags,
                         struct gallery_params *p, const char **msg)
{
    gallery_defaults(p);
    if (gp_filters(req, p, msg) < 0 || gp_search(req, p, msg) < 0 ||
        gp_sort(req, p, msg) < 0 || gp_page(req, flags, p, msg) < 0)
        return -1;
    return 0;
}

/* ---- links, rebuilt from parsed parameters only ---- */

/* Appends "k=v" (v percent-encoded) with the right separator. */
static int qs_add(struct buf *b, const char *k, const char *v)
{
    size_t i;
    int r;

    r = buf_addch(b, strchr(b->data, '?') ? '&' : '?');
    r |= buf_adds(b, k);
    r |= buf_addch(b, '=');
    for (i = 0; v[i]; i++) {
        unsigned char c = (unsigned char)v[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            r |= buf_addch(b, (char)c);
        else
            r |= buf_addf(b, "%%%02X", c);
    }
    return r ? -1 : 0;
}

/*
 * base + the filters of p (+ sort unless default, + cursor c when given)
 * into a new string (caller frees).
 */
static char *gallery_href(const char *base, const struct gallery_params *p,
                          const struct cursor *c, int with_sort)
{
    struct buf b = BUF_INIT(8192);
    int r = buf_adds(&b, base);

    if (p->q[0])
        r |= qs_add(&b, "q", p->q);
    if (p->f.model[0])
        r |= qs_add(&b, "model", p->f.model);
    if (p->f.creator[0])
        r |= qs_add(&b, "creator", p->f.creator);
    if (p->f.miner[0])
        r |= qs_add(&b, "miner", p->f.miner);
    if (p->f.show_automine)
        r |= qs_add(&b, "automine", "show");
    if (p->f.show_invalid)
        r |= qs_add(&b, "contested", "show");
    if (p->from[0])
        r |= qs_add(&b, "from", p->from);
    if (p->to[0])
        r |= qs_add(&b, "to", p->to);
    if (with_sort && p->sort_given)
        r |= qs_add(&b, "sort", sort_name(p->f.sort));
    if (c) {
        char text[CURSOR_TEXT_SIZE];

        if (cursor_encode(c, text, sizeof(text)) == 0)
            r |= qs_add(&b, "cursor", text);
    }
    if (r) {
        buf_release(&b);
        return xstrdup(base);
    }
    return buf_take(&b, NULL);
}

/* The site's absolute origin: public_url, else http://Host (checked). */
static void site_origin(const struct http_req *req, char *out, size_t outsz)
{
    const char *pub = req->ctx->cfg->public_url;
    const char *host = http_header(req, "Host");
    size_t n;

    if (pub && *pub) {
        n = strlen(pub);
        while (n && pub[n - 1] == '/')
            n--;
        snprintf(out, outsz, "%.*s", (int)n, pub);
        return;
    }
    if (!host || !*host || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-:[]") != strlen(host))
        host = "localhost";
    snprintf(out, outsz, "http://%s", host);
}

/* The explorer of the configured chain, or NULL. */
static const char *explorer_base(uint64_t chain_id)
{
    switch (chain_id) {
    case 42161: return "https://arbiscan.io";
    case 42170: return "https://nova.arbiscan.io";
    case 421614: return "https://sepolia.arbiscan.io";
    default: return NULL;
    }
}

static const char *first_gateway(const struct http_req *req)
{
    const struct config *cfg = req->ctx->cfg;

    return cfg->gateways.n ? cfg->gateways.items[0] : NULL;
}

/* ---- text helpers ---- */

/* s[0..n) cut to at most max bytes on a UTF-8 boundary, "…" added if
 * cut (NUL bytes inside s are kept). */
static json_t *truncatedn(const char *s, size_t n, size_t max)
{
    struct buf b = BUF_INIT(max + 8);
    json_t *v;

    if (n <= max) {
        v = json_stringn(s, n);
        return v ? v : json_string("");
    }
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    if (buf_add(&b, s, n) < 0 || buf_adds(&b, "\xe2\x80\xa6") < 0) {
        buf_release(&b);
        return json_string("");
    }
    v = json_stringn(b.data, b.len);
    buf_release(&b);
    return v ? v : json_string("");
}

/* The JSON string v cut like truncatedn() (NUL bytes and all), or
 * fallback when v is not a non-empty string. */
static json_t *truncated(const json_t *v, size_t max, const char *fallback)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return json_string(fallback);
    return truncatedn(json_string_value(v), json_string_length(v), max);
}

static json_t *iso_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];

    if (!gmtime_r(&tt, &tm) ||
        strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_string("");
    return json_string(s);
}

static json_t *short_addr(const char *a)
{
    char s[16];

    if (!a || strlen(a) < 12)
        return json_string(a ? a : "");
    snprintf(s, sizeof(s), "%.6s\xe2\x80\xa6%s", a, a + strlen(a) - 4);
    return json_string(s);
}

/* Badges of the IPFS monitor's statuses; any other is a gateway error. */
static const struct {
    const char *status;
    const char *label;
    int broken; /* the output cannot be shown */
} STATUS_BADGES[] = {
    { "ok", "on IPFS", 0 },
    { "slow", "slow", 0 },
    { "pending", "not checked yet", 0 },
    { "unchecked", "not checked yet", 0 },
    { "missing", "missing on IPFS", 1 },
    { "invalid_cid", "invalid CID", 1 },
};

/* Badge of an IPFS status (NULL: never checked): label and whether the
 * output is broken. */
static const char *status_label(const char *s, int *broken)
{
    size_t i;

    *broken = 0;
    if (!s)
        return "unchecked";
    for (i = 0; i < ARRAY_SIZE(STATUS_BADGES); i++)
        if (strcmp(s, STATUS_BADGES[i].status) == 0) {
            *broken = STATUS_BADGES[i].broken;
            return STATUS_BADGES[i].label;
        }
    *broken = 1;
    return "gateway error";
}

/* The template context of one card from an images_list item; its link
 * carries the gallery's filters and order (p), so the image page's
 * previous and next follow them. */
static json_t *card_of(json_t *it, const struct gallery_params *p)
{
    json_t *c = json_object();
    const char *id = json_string_value(json_object_get(it, "id"));
    const char *prompt = json_string_value(json_object_get(it, "prompt"));
    const char *creator = json_string_value(json_object_get(it, "creator"));
    const char *miner = json_string_value(json_object_get(it, "miner"));
    const char *st = json_string_value(json_object_get(it, "ipfs_status"));
    const char *title = json_string_value(json_object_get(it, "model_title"));
    int broken;
    char h[160], *href;

    json_object_set(c, "id", json_object_get(it, "id"));
    snprintf(h, sizeof(h), "/image/%s", id ? id : "");
    href = gallery_href(h, p, NULL, 1);
    json_object_set_new(c, "href", json_string(href));
    free(href);
    json_object_set(c, "image_url", json_object_get(it, "image_url"));
    json_object_set_new(
        c, "prompt",
        prompt ? truncatedn(prompt,
                            json_string_length(json_object_get(it, "prompt")),
                            GALLERY_PROMPT_CARD)
               : json_string(""));
    json_object_set_new(c, "no_prompt", json_boolean(!prompt || !*prompt));
    json_object_set(c, "model", json_object_get(it, "model"));
    json_object_set_new(c, "model_title",
                        title ? json_string(title)
                              : short_addr(json_string_value(
                                    json_object_get(it, "model"))));
    json_object_set(c, "creator", json_object_get(it, "creator"));
    json_object_set_new(c, "creator_short", short_addr(creator));
    json_object_set(c, "miner", json_object_get(it, "miner"));
    json_object_set_new(c, "miner_short", short_addr(miner));
    json_object_set(c, "time", json_object_get(it, "time"));
    json_object_set_new(c, "status", json_string(st ? st : "unchecked"));
    json_object_set_new(c, "status_label",
                        json_string(status_label(st, &broken)));
    json_object_set_new(c, "broken",
                        json_boolean(broken || !json_is_string(json_object_get(
                                                   it, "image_url"))));
    json_object_set(c, "upvotes", json_object_get(it, "upvotes"));
    json_object_set(c, "invalidated", json_object_get(it, "invalidated"));
    return c;
}

/* A gallery reply in the making: its parameters and connection. */
struct gallery_reply {
    struct gallery_params p;
    struct db *db; /* the thread's connection */
    int ret;       /* the handler's result once answered */
};

/* Frees what g holds (the parsed parameters). */
static void gallery_reply_release(struct gallery_reply *g)
{
    gallery_params_release(&g->p);
}

/*
 * The common start of /gallery, /api/v1/images and /gallery.atom: parses
 * the parameters (flags as gallery_parse(); limit > 0 replaces limit=) or
 * answers a 400 or a 503.  Returns 0 when the caller renders (then
 * gallery_reply_release()), or 1 once resp is answered: g is released and
 * g->ret is the handler's result.  The replies are cached and validated
 * by the routes' policy (routes.c): they show votes and IPFS checks, so any
 * commit replaces them.
 */
static int gallery_begin(struct http_req *req, struct http_resp *resp,
                         unsigned flags, int limit, struct gallery_reply *g)
{
    const char *msg = NULL;

    g->db = http_db(req);
    g->ret = 0;
    if (gallery_parse(req, flags, &g->p, &msg) < 0) {
        g->ret = http_reply_error(req, resp, 400, msg);
        goto answered;
    }
    if (limit > 0)
        g->p.f.limit = limit;
    if (!g->db) {
        g->ret =
            http_reply_error(req, resp, 503, "the database is unavailable");
        goto answered;
    }
    return 0;
answered:
    gallery_reply_release(g);
    return 1;
}

/* Sets o[key] to the link base + p (+ cursor c when given). */
static void set_href(json_t *o, const char *key, const char *base,
                     const struct gallery_params *p, const struct cursor *c)
{
    char *href = gallery_href(base, p, c, 1);

    json_object_set_new(o, key, json_string(href));
    free(href);
}

/* ---- /gallery ---- */

/* Answers an exact lookup (task id, tx, CID, address) with a redirect.
 * Returns 1 if it answered, 0 if q is not such a lookup, -1 on error. */
static int gallery_lookup(struct http_resp *resp, struct db *db, const char *q)
{
    char url[160];
    int r = images_lookup(db, q, url, sizeof(url));

    if (r != IMAGES_FOUND)
        return r < 0 ? -1 : 0;
    http_resp_header(resp, "Location", url);
    resp->status = 302;
    resp->content_type = "text/plain; charset=utf-8";
    return buf_addf(&resp->body, "See %s\n", url) < 0 ? -1 : 1;
}

/* The orders the form offers for p: relevance only with a search text,
 * upvoted only without.  A new array. */
static json_t *sort_choices(const struct gallery_params *p)
{
    json_t *sorts = json_array();
    size_t i;

    for (i = 0; i < ARRAY_SIZE(SORTS); i++) {
        if (SORTS[i].sort == CURSOR_RELEVANCE && !p->f.match)
            continue;
        if (SORTS[i].sort == CURSOR_UPVOTES && p->f.match)
            continue;
        json_array_append_new(sorts, json_pack("{s:s,s:s,s:b}", "value",
                                               SORTS[i].name, "label",
                                               SORTS[i].label, "selected",
                                               SORTS[i].sort == p->f.sort));
    }
    return sorts;
}

/* The /gallery template context: the cards of pg, the filter form
 * (models taken, the selected one marked) and the page's links. */
static json_t *index_context(const struct gallery_params *p,
                             const struct images_page *pg, json_t *models)
{
    json_t *ctx = json_object(), *cards = json_array(), *it;
    size_t i;

    json_object_set_new(ctx, "title", json_string("Gallery"));
    json_object_set_new(ctx, "order_text",
                        json_string(sort_order_text(p->f.sort)));
    json_array_foreach(pg->items, i, it)
        json_array_append_new(cards, card_of(it, p));
    json_object_set_new(ctx, "cards", cards);
    json_object_set_new(ctx, "empty",
                        json_boolean(json_array_size(cards) == 0));
    json_array_foreach(models, i, it)
        json_object_set_new(it, "selected",
                            json_boolean(strcmp(json_string_value(
                                                    json_object_get(it, "id")),
                                                p->f.model) == 0));
    json_object_set_new(ctx, "models", models);
    json_object_set_new(ctx, "sorts", sort_choices(p));
    json_object_set_new(ctx, "q", json_string(p->q));
    json_object_set_new(ctx, "creator", json_string(p->f.creator));
    json_object_set_new(ctx, "miner", json_string(p->f.miner));
    json_object_set_new(ctx, "from", json_string(p->from));
    json_object_set_new(ctx, "to", json_string(p->to));
    json_object_set_new(ctx, "automine_show",
                        json_boolean(p->f.show_automine));
    json_object_set_new(ctx, "contested_show",
                        json_boolean(p->f.show_invalid));
    if (pg->has_next)
        set_href(ctx, "next_href", "/gallery", p, &pg->next);
    if (pg->has_prev)
        set_href(ctx, "prev_href", "/gallery", p, &pg->prev);
    set_href(ctx, "feed", "/gallery.atom", p, NULL);
    set_href(ctx, "api_href", "/api/v1/images", p, NULL);
    set_href(ctx, "csv_href", "/api/v1/images.csv", p, NULL);
    return ctx;
}

/*
 * An empty first page with automine hidden: when automine tasks match
 * (the search found only those), ctx gets "automine_href", the same page
 * with them shown, so the page says so instead of "nothing matches".
 */
static void automine_hint(struct db *db, const struct http_req *req,
                          const struct gallery_params *p, json_t *ctx)
{
    struct gallery_params shown = *p;
    struct images_page pg;
    char *href;

    if (p->f.show_automine || p->f.has_cursor)
        return;
    shown.f.show_automine = 1;
    shown.f.limit = 1;
    memset(&pg, 0, sizeof(pg));
    if (images_list(db, &shown.f, first_gateway(req), &pg) == 0 &&
        json_array_size(pg.items) > 0) {
        href = gallery_href("/gallery", &shown, NULL, 1);
        json_object_set_new(ctx, "automine_href", json_string(href));
        free(href);
    }
    images_page_release(&pg);
}

int gallery_page_index(struct http_req *req, struct http_resp *resp)
{
    struct gallery_reply g;
    struct images_page pg;
    json_t *ctx, *models = NULL;
    int ret, r;

    if (gallery_begin(req, resp, GP_CURSOR, 0, &g))
        return g.ret;
    if (g.p.q[0] && !g.p.f.has_cursor) {
        r = gallery_lookup(resp, g.db, g.p.q);
        if (r != 0) {
            gallery_reply_release(&g);
            return r < 0 ? http_reply_error(req, resp, 503,
                                            "the database is unavailable")
                         : 0;
        }
    }
    memset(&pg, 0, sizeof(pg));
    if (images_list(g.db, &g.p.f, first_gateway(req), &pg) < 0 ||
        images_models(g.db, &models) < 0) {
        images_page_release(&pg);
        gallery_reply_release(&g);
        return http_reply_error(req, resp, 503, "the database is unavailable");
    }
    ctx = index_context(&g.p, &pg, models);
    if (json_array_size(pg.items) == 0)
        automine_hint(g.db, req, &g.p, ctx);
    http_resp_header(resp, "Cache-Control", "no-cache");
    ret = http_reply_page(req, resp, "gallery", ctx);
    json_decref(ctx);
    images_page_release(&pg);
    gallery_reply_release(&g);
    return ret;
}

/* ---- /api/v1/images ---- */

/* A cursor as JSON: its text when has, else null. */
static json_t *cursor_json(int has, const struct cursor *c)
{
    char text[CURSOR_TEXT_SIZE];

    if (has && cursor_encode(c, text, sizeof(text)) == 0)
        return json_string(text);
    return json_null();
}

int gallery_api_images(struct http_req *req, struct http_resp *resp)
{
    struct gallery_reply g;
    struct images_page pg;
    json_t *o;
    int r;

    if (gallery_begin(req, resp, GP_CURSOR | GP_LIMIT, 0, &g))
        return g.ret;
    memset(&pg, 0, sizeof(pg));
    o = json_object();
    if (g.p.q[0] && !g.p.f.has_cursor) {
        char url[160];

        r = images_lookup(g.db, g.p.q, url, sizeof(url));
        if (r < 0)
            goto fail;
        if (r == IMAGES_FOUND) {
            /* An exact match: where it lives, no text search. */
            json_object_set_new(o, "lookup", json_string(url));
            json_object_set_new(o, "items", json_array());
            json_object_set_new(o, "next_cursor", json_null());
            json_object_set_new(o, "prev_cursor", json_null());
            gallery_reply_release(&g);
            return http_reply_json(resp, 200, o);
        }
    }
    if (images_list(g.db, &g.p.f, first_gateway(req), &pg) < 0)
        goto fail;
    json_object_set_new(o, "lookup", json_null());
    json_object_set_new(o, "sort", json_string(sort_name(g.p.f.sort)));
    json_object_set_new(o, "automine",
                        json_string(g.p.f.show_automine ? "show" : "hide"));
    json_object_set_new(o, "contested",
                        json_string(g.p.f.show_invalid ? "show" : "hide"));
    json_object_set_new(o, "items", pg.items);
    pg.items = NULL;
    json_object_set_new(o, "next_cursor", cursor_json(pg.has_next, &pg.next));
    json_object_set_new(o, "prev_cursor", cursor_json(pg.has_prev, &pg.prev));
    if (pg.has_next)
        set_href(o, "next", "/api/v1/images", &g.p, &pg.next);
    else
        json_object_set_new(o, "next", json_null());
    gallery_reply_release(&g);
    return http_reply_json(resp, 200, o);
fail:
    json_decref(o);
    images_page_release(&pg);
    gallery_reply_release(&g);
    return http_reply_error(req, resp, 503, "the database is unavailable");
}

/* ---- /gallery.atom ---- */

/*
 * Appends s as XML character data: & < > " ' escaped; bytes XML 1.0 cannot
 * hold (C0 controls but tab, LF, CR) become U+FFFD.
 */
static int xml_addn(struct buf *b, const char *s, size_t n)
{
    size_t i;
    int r = 0;

    for (i = 0; s && i < n && !r; i++) {
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '&': r = buf_adds(b, "&amp;"); break;
        case '<': r = buf_adds(b, "&lt;"); break;
        case '>': r = buf_adds(b, "&gt;"); break;
        case '"': r = buf_adds(b, "&quot;"); break;
        case '\'': r = buf_adds(b, "&#39;"); break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                r = buf_adds(b, "\xef\xbf\xbd");
            else
                r = buf_addch(b, (char)c);
        }
    }
    return r ? -1 : 0;
}

static int xml_add(struct buf *b, const char *s)
{
    return xml_addn(b, s, s ? strlen(s) : 0);
}

/* The feed's header: its id and self link (origin + self) and the time of
 * the newest entry (first, or NULL). */
static int atom_head(struct buf *b, const char *origin, const char *self,
                     json_t *first)
{
    json_t *t = iso_time(
        first ? (int64_t)json_integer_value(json_object_get(first, "time"))
              : 0);
    int r = 0;

    r |= buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
                     "<title>Arbius gallery</title>\n<id>");
    r |= xml_add(b, origin);
    r |= xml_add(b, self);
    r |= buf_adds(b, "</id>\n<link rel=\"self\" href=\"");
    r |= xml_add(b, origin);
    r |= xml_add(b, self);
    r |= buf_adds(b, "\"/>\n<updated>");
    r |= buf_adds(b, json_string_value(t));
    r |= buf_adds(b, "</updated>\n<generator>arbiusd</generator>\n");
    json_decref(t);
    return r ? -1 : 0;
}

/* One <entry> of an images_list item; html is scratch space. */
static int atom_entry(struct buf *b, struct buf *html, const char *origin,
                      json_t *it)
{
    const char *id = json_string_value(json_object_get(it, "id"));
    json_t *pv = json_object_get(it, "prompt");
    const char *prompt = json_string_value(pv);
    const char *url = json_string_value(json_object_get(it, "image_url"));
    const char *creator = json_string_value(json_object_get(it, "creator"));
    json_t *title = truncated(pv, 120, "(no prompt)");
    json_t *t =
        iso_time((int64_t)json_integer_value(json_object_get(it, "time")));
    int r = 0;

    r |= buf_adds(b, "<entry>\n<id>");
    r |= xml_add(b, origin);
    r |= buf_adds(b, "/image/");
    r |= xml_add(b, id);
    r |= buf_adds(b, "</id>\n<title>");
    r |= xml_addn(b, json_string_value(title), json_string_length(title));
    r |= buf_adds(b, "</title>\n<link href=\"");
    r |= xml_add(b, origin);
    r |= buf_adds(b, "/image/");
    r |= xml_add(b, id);
    r |= buf_adds(b, "\"/>\n<updated>");
    r |= buf_adds(b, json_string_value(t));
    r |= buf_adds(b, "</updated>\n<author><name>");
    r |= xml_add(b, creator);
    r |= buf_adds(b, "</name></author>\n<content type=\"html\">");
    /* The content is HTML (escaped once) carried as XML text (escaped
     * again): a prompt is data at both levels. */
    buf_reset(html);
    if (url) {
        r |= buf_adds(html, "<p><img src=\"");
        r |= buf_add_html(html, url, strlen(url));
        r |= buf_adds(html, "\" alt=\"\"></p>");
    }
    r |= buf_adds(html, "<p>");
    if (prompt)
        r |= buf_add_html(html, prompt, json_string_length(pv));
    r |= buf_adds(html, "</p>");
    r |= xml_addn(b, html->data, html->len);
    r |= buf_adds(b, "</content>\n</entry>\n");
    json_decref(title);
    json_decref(t);
    return r ? -1 : 0;
}

int gallery_page_atom(struct http_req *req, struct http_resp *resp)
{
    struct gallery_reply g;
    struct images_page pg;
    struct buf html = BUF_INIT((size_t)1 << 20);
    char origin[300];
    char *self;
    json_t *it;
    size_t i;
    int r = 0;

    site_origin(req, origin, sizeof(origin));
    if (gallery_begin(req, resp, 0, GALLERY_ATOM_ENTRIES, &g))
        return g.ret;
    if (images_list(g.db, &g.p.f, first_gateway(req), &pg) < 0) {
        gallery_reply_release(&g);
        return http_reply_error(req, resp, 503, "the database is unavailable");
    }
    self = gallery_href("/gallery.atom", &g.p, NULL, 1);
    resp->status = 200;
    resp->content_type = "application/atom+xml; charset=utf-8";
    r |= atom_head(&resp->body, origin, self, json_array_get(pg.items, 0));
    json_array_foreach(pg.items, i, it) r |=
        atom_entry(&resp->body, &html, origin, it);
    r |= buf_adds(&resp->body, "</feed>\n");
    free(self);
    buf_release(&html);
    images_page_release(&pg);
    if (r) {
        gallery_reply_release(&g);
        buf_reset(&resp->body);
        return http_reply_error(req, resp, 500, "feed too large");
    }
    gallery_reply_release(&g);
    return 0;
}

/* ---- /api/v1/images.csv (streamed) ---- */

struct csv_stream {
    struct db *db;                /* own connection, closed in free */
    struct gallery_params p;      /* p.f.match points into p.match */
    char *gateway;                /* owned copy, or NULL */
    struct buf out;               /* rendered, not yet sent */
    size_t off;                   /* sent bytes of out */
    int done;                     /* no more rows to fetch */
};

/* Appends one CSV field (RFC 4180): quoted when it holds , " CR or LF;
 * a field starting with = + - @ (or tab, CR) gets a leading ' so a
 * spreadsheet never runs it as a formula. */
static int csv_addn(struct buf *b, const char *s, size_t n, int last)
{
    int quote = 0, r = 0;
    size_t i;

    if (!s)
        n = 0;
    for (i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = 1;
    if (quote)
        r |= buf_addch(b, '"');
    if (n && strchr("=+-@\t\r", s[0]) && s[0])
        r |= buf_addch(b, '\'');
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            r |= buf_addch(b, '"');
        r |= buf_addch(b, s[i]);
    }
    if (quote)
        r |= buf_addch(b, '"');
    r |= buf_adds(b, last ? "\r\n" : ",");
    return r ? -1 : 0;
}

static int csv_add(struct buf *b, const char *s, int last)
{
    return csv_addn(b, s, s ? strlen(s) : 0, last);
}

/* A JSON string value as a field (NUL bytes kept), null as empty. */
static int csv_json(struct buf *b, json_t *v, int last)
{
    return csv_addn(b, json_string_value(v), json_string_length(v), last);
}

static int csv_int(struct buf *b, json_t *v, int last)
{
    char t[32];

    snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(v));
    return csv_add(b, json_is_integer(v) ? t : "", last);
}

/* Renders the next batch of rows into cs->out; 0 or -1. */
static int csv_fill(struct csv_stream *cs)
{
    struct images_page pg;
    json_t *it;
    size_t i;
    int r = 0;

    if (images_list(cs->db, &cs->p.f, cs->gateway, &pg) < 0)
        return -1;
    json_array_foreach(pg.items, i, it) {
        json_t *t =
            iso_time((int64_t)json_integer_value(json_object_get(it, "time")));

        r |= csv_add(&cs->out, json_string_value(json_object_get(it, "id")), 0);
        r |= csv_add(&cs->out, json_string_value(t), 0);
        r |= csv_int(&cs->out, json_object_get(it, "block"), 0);
        r |= csv_add(&cs->out, json_string_value(json_object_get(it, "model")),
                     0);
        r |= csv_add(&cs->out,
                     json_string_value(json_object_get(it, "model_title")), 0);
        r |= csv_add(&cs->out,
                     json_string_value(json_object_get(it, "creator")), 0);
        r |= csv_add(&cs->out, json_string_value(json_object_get(it, "miner")),
                     0);
        r |=
            csv_add(&cs->out, json_string_value(json_object_get(it, "fee")), 0);
        r |= csv_int(&cs->out, json_object_get(it, "upvotes"), 0);
        r |=
            csv_add(&cs->out, json_string_value(json_object_get(it, "cid")), 0);
        r |= csv_add(&cs->out,
                     json_string_value(json_object_get(it, "image_url")), 0);
        r |= csv_add(&cs->out,
                     json_string_value(json_object_get(it, "ipfs_status")), 0);
        r |= csv_json(&cs->out, json_object_get(it, "prompt"), 1);
        json_decref(t);
    }
    if (pg.has_next) {
        cs->p.f.cursor = pg.next;
        cs->p.f.has_cursor = 1;
    } else {
        cs->done = 1;
    }
    images_page_release(&pg);
    return r ? -1 : 0;
}

static ssize_t csv_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct csv_stream *cs = cls;
    size_t n;

    (void)pos;
    while (cs->off == cs->out.len) {
        if (cs->done)
            return HTTP_STREAM_END;
        buf_reset(&cs->out);
        cs->off = 0;
        if (csv_fill(cs) < 0) {
            log_warnx("gallery: csv export aborted");
            return HTTP_STREAM_ERROR;
        }
    }
    n = cs->out.len - cs->off;
    if (n > max)
        n = max;
    memcpy(buf, cs->out.data + cs->off, n);
    cs->off += n;
    return (ssize_t)n;
}

static void csv_free(void *cls)
{
    struct csv_stream *cs = cls;

    db_close(cs->db);
    gallery_params_release(&cs->p);
    buf_release(&cs->out);
    free(cs->gateway);
    free(cs);
}

int gallery_api_csv(struct http_req *req, struct http_resp *resp)
{
    struct csv_stream *cs = xcalloc(1, sizeof(*cs));
    const char *msg = NULL;
    const char *gw = first_gateway(req);

    if (gallery_parse(req, GP_CURSOR, &cs->p, &msg) < 0) {
        gallery_params_release(&cs->p);
        free(cs);
        return http_reply_error(req, resp, 400, msg);
    }
    /* The match buffer moved with the struct: point at it again. */
    if (cs->p.f.match)
        cs->p.f.match = cs->p.match.data;
    cs->p.f.limit = GALLERY_CSV_BATCH;
    if (db_open(req->ctx->db_path, DB_READONLY, req->ctx->busy_timeout,
                &cs->db) < 0) {
        gallery_params_release(&cs->p);
        free(cs);
        return http_reply_error(req, resp, 503, "the database is unavailable");
    }
    buf_init(&cs->out, (size_t)64 << 20);
    cs->gateway = gw ? xstrdup(gw) : NULL;
    if (buf_adds(&cs->out,
                 "id,time,block,model,model_title,creator,miner,"
                 "fee,upvotes,cid,image_url,ipfs_status,prompt\r\n") < 0) {
        csv_free(cs);
        return http_reply_error(req, resp, 500, "internal error");
    }
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    http_resp_header(resp, "Content-Disposition",
                     "attachment; filename=\"arbius-images.csv\"");
    resp->stream_fn = csv_read;
    resp->stream_free = csv_free;
    resp->stream_cls = cs;
    return 0;
}

/* ---- /image/<taskid> and /api/v1/image/<taskid> ---- */

/* The detail of req->param, or an answered error (returns 1 then). */
static int detail_load(struct http_req *req, struct http_resp *resp,
                       json_t **outp)
{
    const struct config *cfg = req->ctx->cfg;
    struct db *db = http_db(req);
    int r;

    if (!db) {
        http_reply_error(req, resp, 503, "the database is unavailable");
        return 1;
    }
    r = images_detail(db, req->param,
                      (const char *const *)cfg->gateways.items,
                      cfg->gateways.n, 0, outp);
    if (r == IMAGES_NOT_A_KEY)
        http_reply_error(req, resp, 400,
                         "taskid: expected 0x and 64 hex digits");
    else if (r == IMAGES_UNKNOWN)
        http_reply_error(req, resp, 404, "no such task in the index");
    else if (r < 0)
        http_reply_error(req, resp, 503, "the database is unavailable");
    return r == 0 ? 0 : 1;
}

int gallery_api_image(struct http_req *req, struct http_resp *resp)
{
    json_t *d = NULL;

    if (detail_load(req, resp, &d) != 0)
        return 0;
    return http_reply_json(resp, 200, d);
}

static json_t *explorer_link(const char *base, const char *kind,
                             const char *v)
{
    char u[256];

    if (!base || !v)
        return json_null();
    snprintf(u, sizeof(u), "%s/%s/%s", base, kind, v);
    return json_string(u);
}

/* The output and its IPFS status: title, solved, kind of output, status
 * badge, model title. */
static void image_output(json_t *ctx, json_t *d)
{
    json_t *mi = json_object_get(d, "model_info");
    json_t *ipfs = json_object_get(d, "ipfs");
    const char *otype = json_string_value(json_object_get(mi, "output_type"));
    const char *status = json_string_value(json_object_get(ipfs, "status"));
    int broken;

    json_object_set_new(ctx, "title",
                        truncated(json_object_get(d, "prompt"), 70, "Task"));
    json_object_set(ctx, "upvotes", json_object_get(d, "upvotes"));
    json_object_set_new(ctx, "solved",
                        json_boolean(
                            json_is_object(json_object_get(d, "solution"))));
    json_object_set_new(ctx, "is_image",
                        json_boolean(otype && strcmp(otype, "image") == 0));
    json_object_set_new(ctx, "is_other",
                        json_boolean(!otype || strcmp(otype, "image") != 0));
    json_object_set(ctx, "output_url", json_object_get(d, "output_url"));
    json_object_set(ctx, "text", json_object_get(ipfs, "text"));
    json_object_set_new(ctx, "status_label",
                        json_string(status_label(status, &broken)));
    json_object_set_new(ctx, "status", json_string(status ? status : ""));
    json_object_set_new(ctx, "broken",
                        json_boolean(broken || !json_is_string(json_object_get(
                                                   d, "output_url"))));
    json_object_set_new(ctx, "model_title",
                        json_is_string(json_object_get(mi, "title"))
                            ? json_incref(json_object_get(mi, "title"))
                            : json_incref(json_object_get(d, "model")));
}

/* Every input field as text, the negative prompt and the seed. */
static void image_inputs(json_t *ctx, json_t *d)
{
    json_t *input = json_object_get(d, "input");
    json_t *fields = json_array(), *v;
    const char *key;

    json_object_foreach(input, key, v)
    {
        char *s;

        /* Shown once, above the table. */
        if ((strcmp(key, "prompt") == 0 && json_is_string(v)) ||
            (strcmp(key, "negative_prompt") == 0 && json_is_string(v)))
            continue;
        s = json_is_string(v) ? NULL
                              : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

        json_array_append_new(
            fields, json_pack("{s:s,s:s}", "key", key, "value",
                              s ? s : json_string_value(v)));
        free(s);
    }
    json_object_set_new(ctx, "fields", fields);
    {
        const char *src =
            json_string_value(json_object_get(d, "input_source"));

        json_object_set_new(ctx, "unrecoverable",
                            json_boolean(src &&
                                         strcmp(src, "unrecoverable") == 0));
    }
    json_object_set_new(ctx, "input_object",
                        json_boolean(json_is_object(input)));
    json_object_set(ctx, "negative_prompt",
                    json_object_get(input, "negative_prompt"));
    v = json_object_get(input, "seed");
    if (v && !json_is_null(v)) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

        json_object_set_new(ctx, "seed", json_string(json_is_string(v)
                                                         ? json_string_value(v)
                                                         : (s ? s : "")));
        free(s);
    }
}

/* Explorer links of the task, its solution and claim, and the IPFS check
 * history. */
static void image_times(json_t *ctx, json_t *d, const char *xb)
{
    json_t *sol = json_object_get(d, "solution");

    if (json_is_object(sol)) {
        json_object_set_new(
            ctx, "solution_tx_url",
            explorer_link(xb, "tx",
                          json_string_value(json_object_get(sol, "tx"))));
        json_object_set_new(
            ctx, "claim_tx_url",
            explorer_link(xb, "tx",
                          json_string_value(json_object_get(sol, "claim_tx"))));
    }
    json_object_set_new(
        ctx, "task_tx_url",
        explorer_link(xb, "tx", json_string_value(json_object_get(d, "tx"))));
    json_object_set(ctx, "history",
                    json_object_get(json_object_get(d, "ipfs"), "history"));
}

/* OpenGraph / Twitter card: absolute URLs, escaped by the layout. */
static json_t *image_og(const struct http_req *req, json_t *d, const char *id)
{
    const char *otype = json_string_value(
        json_object_get(json_object_get(d, "model_info"), "output_type"));
    int image = otype && strcmp(otype, "image") == 0;
    char origin[300], url[400];

    site_origin(req, origin, sizeof(origin));
    snprintf(url, sizeof(url), "%s/image/%s", origin, id ? id : "");
    return json_pack("{s:o,s:o,s:s,s:O,s:s}", "title",
                     truncated(json_object_get(d, "prompt"), 90,
                               "Arbius task"),
                     "description",
                     truncated(json_object_get(d, "prompt"),
                               GALLERY_PROMPT_META, "An Arbius task"),
                     "url", url, "image",
                     image ? json_object_get(d, "output_url") : json_null(),
                     "card",
                     image && json_is_string(json_object_get(d, "output_url"))
                         ? "summary_large_image"
                         : "summary");
}

/* The order key of an item or a detail: block, log index, upvotes. */
struct img_key {
    int64_t block, log_index, upvotes;
};

static struct img_key key_of(json_t *o)
{
    struct img_key k;

    k.block = (int64_t)json_integer_value(json_object_get(o, "block"));
    k.log_index = (int64_t)json_integer_value(json_object_get(o, "log_index"));
    k.upvotes = (int64_t)json_integer_value(json_object_get(o, "upvotes"));
    return k;
}

/* 1 if a comes before b in the gallery's order s. */
static int key_precedes(const struct img_key *a, const struct img_key *b,
                        enum cursor_sort s)
{
    int newer = a->block != b->block ? a->block > b->block
                                     : a->log_index > b->log_index;

    if (s == CURSOR_OLDEST)
        return a->block != b->block || a->log_index != b->log_index ? !newer
                                                                    : 0;
    if (s == CURSOR_UPVOTES && a->upvotes != b->upvotes)
        return a->upvotes > b->upvotes;
    return a->block != b->block || a->log_index != b->log_index ? newer : 0;
}

/*
 * The image next to the one keyed k in p's order (before: the one shown
 * before it), as "/image/<id>?<p's filters>" in ctx[key].  A search keeps
 * its matches but walks them in chain order (a relevance rank is not
 * kept per image).
 */
static void neighbour(struct db *db, struct gallery_params *p,
                      const struct img_key *k, int before, json_t *ctx,
                      const char *key)
{
    struct images_page pg;
    json_t *it;
    struct img_key ik;
    char path[160], *href;

    p->f.has_cursor = 1;
    p->f.limit = 1;
    memset(&p->f.cursor, 0, sizeof(p->f.cursor));
    p->f.cursor.sort = (uint8_t)p->f.sort;
    p->f.cursor.before = (uint8_t)before;
    p->f.cursor.block = k->block;
    p->f.cursor.log_index = k->log_index;
    p->f.cursor.upvotes = k->upvotes;
    memset(&pg, 0, sizeof(pg));
    if (images_list(db, &p->f, NULL, &pg) < 0)
        return;
    it = json_array_get(pg.items, 0);
    ik = key_of(it);
    /* Before the first image, the list answers the first page again. */
    if (it && (before ? key_precedes(&ik, k, p->f.sort)
                      : key_precedes(k, &ik, p->f.sort))) {
        snprintf(path, sizeof(path), "/image/%s",
                 json_string_value(json_object_get(it, "id")));
        href = gallery_href(path, p, NULL, 1);
        json_object_set_new(ctx, key, json_string(href));
        free(href);
    }
    images_page_release(&pg);
}

/* Previous and next in the gallery's order (the filters and sort of the
 * page's own query, which the gallery's links carry; bad ones are
 * ignored), and the way back to that gallery page. */
static void image_neighbours(struct http_req *req, json_t *ctx, json_t *d)
{
    struct db *db = http_db(req);
    struct gallery_params p;
    struct img_key k = key_of(d);
    const char *msg = NULL;
    char *back;

    if (!db)
        return;
    if (gallery_parse(req, 0, &p, &msg) < 0) {
        gallery_params_release(&p);
        gallery_defaults(&p);
    }
    if (p.f.sort == CURSOR_RELEVANCE)
        p.f.sort = CURSOR_NEWEST;
    neighbour(db, &p, &k, 1, ctx, "prev_href");
    neighbour(db, &p, &k, 0, ctx, "next_href");
    p.f.has_cursor = 0;
    back = gallery_href("/gallery", &p, NULL, 1);
    json_object_set_new(ctx, "gallery_href", json_string(back));
    free(back);
    gallery_params_release(&p);
}

int gallery_page_image(struct http_req *req, struct http_resp *resp)
{
    json_t *d = NULL, *ctx;
    const char *id;
    int ret;

    if (detail_load(req, resp, &d) != 0)
        return 0;
    ctx = json_object();
    json_object_set(ctx, "d", d);
    id = json_string_value(json_object_get(d, "id"));
    json_object_set_new(ctx, "id", json_string(id));
    image_output(ctx, d);
    image_inputs(ctx, d);
    image_times(ctx, d, explorer_base(req->ctx->cfg->chain_id));
    json_object_set_new(ctx, "og", image_og(req, d, id));
    image_neighbours(req, ctx, d);
    json_decref(d);
    http_resp_header(resp, "Cache-Control", "no-cache");
    ret = http_reply_page(req, resp, "image", ctx);
    json_decref(ctx);
    return ret;
}
