/*
 * social.c - upvotes, reactions, comments, moderation and /admin.
 *
 * Reads use the thread's read-only connection; writes go through the
 * social write side (ctx->social) and need a session and its CSRF token
 * (auth.h).  Hidden images and comments vanish for everyone but admins.
 */
#include "arbiusd/social.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arbiusd/auth.h"
#include "arbiusd/buf.h"
#include "arbiusd/config.h"
#include "arbiusd/log.h"
#include "arbiusd/status.h"
#include "arbiusd/social_store.h"
#include "arbiusd/stream.h"

#define SOCIAL_AUDIT_PAGE 100  /* audit rows per page */

/* Lower-cases a task id "0x" + 64 hex into out[67]; 0 or -1. */
static int task_id(const char *s, char out[67])
{
    size_t i;

    if (!s || strlen(s) != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -1;
    out[0] = '0';
    out[1] = 'x';
    for (i = 2; i < 66; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[66] = '\0';
    return 0;
}

static int bad_task(struct http_resp *resp)
{
    return auth_reply_error(resp, 400, "taskid",
                            "taskid: expected 0x and 64 hex digits");
}

static int no_task(struct http_resp *resp)
{
    return auth_reply_error(resp, 404, "no_task",
                            "no such task in the index");
}

static int db_down(struct http_resp *resp)
{
    return auth_reply_error(resp, 503, "database",
                            "the database is unavailable");
}

/* A private JSON reply (a session's view, never stored by a cache): 200
 * with o (taken). */
static int private_json(struct http_resp *resp, json_t *o)
{
    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(resp, 200, o);
}

/* The request body as a JSON object (new reference), or NULL after
 * answering 400.  An empty body counts as {}. */
static json_t *body_object(struct http_req *req, struct http_resp *resp)
{
    json_error_t e;
    json_t *b;

    if (!req->body || req->body_len == 0)
        return json_object();
    b = json_loadb(req->body, req->body_len, 0, &e);
    if (!json_is_object(b)) {
        json_decref(b);
        auth_reply_error(resp, 400, "body", "body: expected a JSON object");
        return NULL;
    }
    return b;
}

/*
 * Checks a comment body: valid UTF-8 (jansson guarantees it), no control
 * characters but newlines and tabs, not blank, at most max characters.
 * Returns NULL or the reason.
 */
static const char *comment_problem(const char *s, size_t len, uint64_t max)
{
    size_t i, chars = 0, blank = 1;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            return "body: control characters are not allowed";
        if ((ch & 0xc0) != 0x80)
            chars++;
        if (!isspace(ch))
            blank = 0;
    }
    if (blank)
        return "body: empty comment";
    if (chars > max)
        return "body: too long";
    return NULL;
}

/*
 * The start of every write: a session with its CSRF token (an admin's
 * when admin is set) on a writable server, and the body as an object.
 * The body (new reference), or NULL once resp is answered.
 */
static json_t *write_begin(struct http_req *req, struct http_resp *resp,
                           int admin, struct auth_user *u /* OUT */)
{
    if (auth_require(req, resp, admin, 1, 1, u))
        return NULL;
    return body_object(req, resp);
}

/* write_begin() for a write on the task the URL names: its id, lower-cased,
 * into id (400 when malformed). */
static json_t *task_write_begin(struct http_req *req, struct http_resp *resp,
                                char id[67], struct auth_user *u /* OUT */)
{
    if (task_id(req->segment, id) < 0) {
        bad_task(resp);
        return NULL;
    }
    return write_begin(req, resp, 0, u);
}

/* The body members of a fixed form and their 400 messages. */
static const struct {
    const char *member;
    const char *msg;
} BODY_FORMS[] = {
    { "up", "up: expected true (upvote) or false (withdraw)" },
    { "on", "on: expected true or false" },
    { "reaction", "reaction: expected one of like, love, fire, laugh, wow, "
                  "art" },
    { "hidden", "hidden: expected true or false" },
    { "reason", "reason: at most 500 bytes" },
    { "kind", "kind: expected \"image\" or \"comment\"" },
};

/* Answers 400 naming the body member (one of BODY_FORMS). */
static int bad_member(struct http_resp *resp, const char *member)
{
    const char *msg = "unexpected value";
    size_t i;

    for (i = 0; i < ARRAY_SIZE(BODY_FORMS); i++)
        if (strcmp(BODY_FORMS[i].member, member) == 0)
            msg = BODY_FORMS[i].msg;
    return auth_reply_error(resp, 400, member, msg);
}

/* b[key], when present, as a boolean into *v (untouched when absent).
 * 0, or -1 when it is not a boolean. */
static int bool_member(json_t *b, const char *key, int *v)
{
    json_t *j = json_object_get(b, key);

    if (!j)
        return 0;
    if (!json_is_boolean(j))
        return -1;
    *v = json_is_true(j);
    return 0;
}

/* The comment text of body b (borrowed from b), or NULL after answering
 * 400 and releasing b. */
static const char *comment_text(struct http_req *req, struct http_resp *resp,
                                json_t *b)
{
    json_t *t = json_object_get(b, "body");
    const char *why =
        json_is_string(t)
            ? comment_problem(json_string_value(t), json_string_length(t),
                              req->ctx->cfg->comment_max_length)
            : "body: expected the comment text";

    if (why) {
        json_decref(b);
        auth_reply_error(resp, 400, "body", why);
        return NULL;
    }
    return json_string_value(t);
}

/* The answer to a failed task lookup or write: 503 for r < 0 (the
 * database), else 404 (no such task).  The handler's result. */
static int task_error(struct http_resp *resp, int r)
{
    return r < 0 ? db_down(resp) : no_task(resp);
}

/* ---- reads ---- */

static int social_read(struct http_req *req, struct http_resp *resp,
                       int comments_only)
{
    const struct config *cfg = req->ctx->cfg;
    struct auth_user u;
    struct db *db = http_db(req);
    char id[67];
    json_t *o = NULL;
    int signed_in, r;

    if (task_id(req->segment, id) < 0)
        return bad_task(resp);
    if (!db)
        return db_down(resp);
    signed_in = auth_current(req, &u);
    if (signed_in < 0)
        return db_down(resp);
    if (comments_only)
        r = social_comments_json(db, id, signed_in == 0 ? u.address : NULL,
                                 signed_in == 0 && u.admin, util_wall_s(),
                                 (int64_t)cfg->comment_edit_window, &o);
    else
        r = social_task_json(db, id, signed_in == 0 ? u.address : NULL,
                             signed_in == 0 && u.admin, util_wall_s(),
                             (int64_t)cfg->comment_edit_window, &o);
    if (r != 0)
        return task_error(resp, r);
    return private_json(resp, o);
}

int social_api_image(struct http_req *req, struct http_resp *resp)
{
    return social_read(req, resp, 0);
}

int social_api_comments(struct http_req *req, struct http_resp *resp)
{
    return social_read(req, resp, 1);
}

/* ---- writes ---- */

int social_api_vote(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    json_t *b;
    char id[67];
    int64_t count = 0;
    int r, on = 1;

    b = task_write_begin(req, resp, id, &u);
    if (!b)
        return 0;
    r = bool_member(b, "up", &on);
    json_decref(b);
    if (r < 0)
        return bad_member(resp, "up");
    r = social_vote(req->ctx->social, id, u.address, on, util_wall_s(),
                    &count);
    if (r != 0)
        return task_error(resp, r);
    return http_reply_json(resp, 200,
                           json_pack("{s:s,s:b,s:I}", "task", id, "upvoted",
                                     on, "upvotes", (json_int_t)count));
}

int social_api_react(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    json_t *b;
    char id[67];
    int r, on = 1, k;

    b = task_write_begin(req, resp, id, &u);
    if (!b)
        return 0;
    k = social_reaction_find(
        json_string_value(json_object_get(b, "reaction")));
    r = bool_member(b, "on", &on);
    json_decref(b);
    if (k < 0 || r < 0)
        return bad_member(resp, k < 0 ? "reaction" : "on");
    r = social_react(req->ctx->social, id, u.address,
                     social_reactions[k].name, on, util_wall_s());
    if (r != 0)
        return task_error(resp, r);
    return social_read(req, resp, 0);
}

int social_api_comment_post(struct http_req *req, struct http_resp *resp)
{
    const struct config *cfg = req->ctx->cfg;
    struct social_comment_limits lim;
    struct auth_user u;
    json_t *b;
    const char *text;
    char id[67], ip[64];
    int64_t cid = 0;
    int r;

    b = task_write_begin(req, resp, id, &u);
    if (!b)
        return 0;
    text = comment_text(req, resp, b);
    if (!text)
        return 0;
    lim.window = (int64_t)cfg->comment_rate_window;
    lim.per_wallet = (int64_t)cfg->comment_rate_wallet;
    lim.per_ip = (int64_t)cfg->comment_rate_ip;
    http_client_ip(req, ip, sizeof(ip));
    r = social_comment_add(req->ctx->social, id, u.address, text, ip,
                           util_wall_s(), &lim, &cid);
    json_decref(b);
    if (r < 0 || r == 1)
        return task_error(resp, r);
    if (r == 2 || r == 3) {
        char retry[24];

        snprintf(retry, sizeof(retry), "%llu",
                 (unsigned long long)cfg->comment_rate_window);
        http_resp_header(resp, "Retry-After", retry);
        return auth_reply_error(resp, 429, r == 2 ? "rate_wallet" : "rate_ip",
                                r == 2 ? "too many comments from this wallet; "
                                         "try again later"
                                       : "too many comments from this "
                                         "address; try again later");
    }
    return http_reply_json(resp, 201,
                           json_pack("{s:I,s:s}", "id", (json_int_t)cid,
                                     "task", id));
}

static int parse_id(const char *s, int64_t *out)
{
    uint64_t v;

    if (!s || util_parse_u64(s, 1, INT64_MAX, &v) < 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int social_api_comment_edit(struct http_req *req, struct http_resp *resp)
{
    const struct config *cfg = req->ctx->cfg;
    struct auth_user u;
    json_t *b;
    const char *text;
    int64_t cid;
    int r;

    if (parse_id(req->segment, &cid) < 0)
        return auth_reply_error(resp, 400, "comment",
                                "comment id: expected a positive integer");
    b = write_begin(req, resp, 0, &u);
    if (!b)
        return 0;
    text = comment_text(req, resp, b);
    if (!text)
        return 0;
    r = social_comment_edit(req->ctx->social, cid, u.address, text,
                            util_wall_s(), (int64_t)cfg->comment_edit_window);
    json_decref(b);
    if (r < 0)
        return db_down(resp);
    if (r == 1)
        return auth_reply_error(resp, 404, "no_comment", "no such comment");
    if (r == 2)
        return auth_reply_error(resp, 403, "not_author",
                                "only the author may edit a comment");
    if (r == 3)
        return auth_reply_error(resp, 403, "edit_window",
                                "the edit window of this comment has "
                                "passed");
    return http_reply_json(resp, 200,
                           json_pack("{s:I,s:b}", "id", (json_int_t)cid,
                                     "edited", 1));
}

/* POST /api/v1/admin/hide {"kind": "image"|"comment", "id": ...,
 * "hidden": true|false, "reason": "..."} */
int social_api_hide(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    json_t *b, *idv;
    const char *kind, *reason, *bad;
    char id[67], ip[64];
    int64_t cid = 0;
    int r, hidden = 1, changed = 0;

    b = write_begin(req, resp, 1, &u);
    if (!b)
        return 0;
    kind = json_string_value(json_object_get(b, "kind"));
    idv = json_object_get(b, "id");
    reason = json_string_value(json_object_get(b, "reason"));
    bad = NULL;
    if (bool_member(b, "hidden", &hidden) < 0)
        bad = "hidden";
    else if (reason && strlen(reason) > 500)
        bad = "reason";
    if (bad) {
        json_decref(b);
        return bad_member(resp, bad);
    }
    http_client_ip(req, ip, sizeof(ip));
    if (kind && strcmp(kind, "image") == 0) {
        if (task_id(json_string_value(idv), id) < 0) {
            json_decref(b);
            return auth_reply_error(resp, 400, "id",
                                    "id: expected a task id (0x and 64 hex "
                                    "digits)");
        }
        r = social_hide_task(req->ctx->social, id, hidden, u.address, reason,
                             ip, util_wall_s(), &changed);
    } else if (kind && strcmp(kind, "comment") == 0) {
        if (!json_is_integer(idv) || json_integer_value(idv) < 1) {
            json_decref(b);
            return auth_reply_error(resp, 400, "id",
                                    "id: expected a comment id (integer)");
        }
        cid = (int64_t)json_integer_value(idv);
        snprintf(id, sizeof(id), "%lld", (long long)cid);
        r = social_hide_comment(req->ctx->social, cid, hidden, u.address, ip,
                                util_wall_s(), &changed);
    } else {
        json_decref(b);
        return bad_member(resp, "kind");
    }
    /* kind is borrowed from b: answer before releasing it. */
    if (r < 0)
        r = db_down(resp);
    else if (r > 0)
        r = auth_reply_error(resp, 404, "not_found",
                             "no such image or comment");
    else
        r = http_reply_json(resp, 200,
                            json_pack("{s:s,s:s,s:b,s:b}", "kind", kind, "id",
                                      id, "hidden", hidden, "changed",
                                      changed));
    json_decref(b);
    return r;
}

/* ---- /admin ---- */

/* VmRSS / VmHWM of this process in kB, from /proc/self/status. */
static void memory_kb(int64_t *rss, int64_t *peak)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");

    *rss = *peak = -1;
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        long long v;

        if (sscanf(line, "VmRSS: %lld kB", &v) == 1)
            *rss = v;
        else if (sscanf(line, "VmHWM: %lld kB", &v) == 1)
            *peak = v;
    }
    fclose(f);
}

static int64_t file_size(const char *path, const char *suffix)
{
    char p[1100];
    struct stat st;

    snprintf(p, sizeof(p), "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The system information object (new reference), NULL on failure. */
static json_t *system_info(struct http_req *req)
{
    const struct http_ctx *ctx = req->ctx;
    struct db *db = http_db(req);
    json_t *o, *dbj = NULL, *scan = NULL;
    int64_t rss, peak;

    if (!db || social_system_json(db, &dbj) < 0 ||
        status_json(db, &scan) < 0) {
        json_decref(dbj);
        return NULL;
    }
    memory_kb(&rss, &peak);
    json_object_set_new(dbj, "path", json_string(ctx->db_path));
    json_object_set_new(dbj, "file_bytes",
                        json_integer(file_size(ctx->db_path, "")));
    json_object_set_new(dbj, "wal_bytes",
                        json_integer(file_size(ctx->db_path, "-wal")));
    o = json_object();
    json_object_set_new(o, "uptime_seconds",
                        json_integer(util_wall_s() - ctx->started_at));
    json_object_set_new(o, "memory",
                        json_pack("{s:I,s:I}", "rss_kb", (json_int_t)rss,
                                  "peak_rss_kb", (json_int_t)peak));
    json_object_set_new(o, "database", dbj);
    json_object_set_new(o, "scanner", scan);
    json_object_set_new(o, "rpc", json_incref(json_object_get(dbj, "rpc")));
    json_object_del(dbj, "rpc");
    json_object_set_new(o, "ipfs", json_incref(json_object_get(dbj, "ipfs")));
    json_object_del(dbj, "ipfs");
    json_object_set_new(o, "sse_clients",
                        json_integer((json_int_t)stream_clients(ctx->stream)));
    json_object_set_new(o, "writable", json_boolean(ctx->social != NULL));
    return o;
}

int social_api_system(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    json_t *o;

    if (auth_require(req, resp, 1, 0, 0, &u))
        return 0;
    o = system_info(req);
    return o ? private_json(resp, o) : db_down(resp);
}

int social_api_audit(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    struct db *db;
    const char *bs = http_query(req, "before"), *ls = http_query(req, "limit");
    uint64_t before = 0, limit = SOCIAL_AUDIT_PAGE;
    json_t *arr = NULL;

    if (auth_require(req, resp, 1, 0, 0, &u))
        return 0;
    if (bs && util_parse_u64(bs, 1, INT64_MAX, &before) < 0)
        return auth_reply_error(resp, 400, "before",
                                "before: expected an audit entry id");
    if (ls && util_parse_u64(ls, 1, 1000, &limit) < 0)
        return auth_reply_error(resp, 400, "limit",
                                "limit: expected 1 to 1000");
    db = http_db(req);
    if (!db || social_audit_json(db, (int64_t)before, (int64_t)limit, &arr) < 0)
        return db_down(resp);
    return private_json(resp, json_pack("{s:o}", "entries", arr));
}

int social_api_hidden(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    struct db *db;
    json_t *o = NULL;

    if (auth_require(req, resp, 1, 0, 0, &u))
        return 0;
    db = http_db(req);
    if (!db || social_hidden_json(db, &o) < 0)
        return db_down(resp);
    return private_json(resp, o);
}

/* Entries per page of each /admin list. */
#define ADMIN_PAGE 25

/* Where each /admin list starts: ?audit=<id> (entries older than it),
 * ?images=<hidden_at>-<task>, ?comments=<hidden_at>-<id>; 0: the newest. */
struct admin_pos {
    int64_t audit;
    int64_t img_at;
    char img_task[67];
    int64_t com_at, com_id;
};

/* "<at>-<rest>" into *at and rest (the rest: up to restsz-1 bytes).
 * 0, or -1 when s is not of that form. */
static int admin_pos_pair(const char *s, int64_t *at, char *rest,
                          size_t restsz)
{
    uint64_t v;
    const char *dash = s ? strchr(s, '-') : NULL;
    char num[24];

    if (!dash || (size_t)(dash - s) >= sizeof(num) ||
        strlen(dash + 1) >= restsz || !dash[1])
        return -1;
    memcpy(num, s, (size_t)(dash - s));
    num[dash - s] = '\0';
    if (util_parse_u64(num, 1, INT64_MAX, &v) < 0)
        return -1;
    *at = (int64_t)v;
    snprintf(rest, restsz, "%s", dash + 1);
    return 0;
}

/* The page's positions from the query; 0, or -1 with the 400 message. */
static int admin_pos_parse(const struct http_req *req, struct admin_pos *p,
                           const char **msg)
{
    const char *a = http_query(req, "audit"), *i = http_query(req, "images");
    const char *c = http_query(req, "comments");
    char id[24];
    uint64_t v;

    memset(p, 0, sizeof(*p));
    if (a && util_parse_u64(a, 1, INT64_MAX, &v) < 0) {
        *msg = "audit: expected an audit entry id";
        return -1;
    }
    p->audit = a ? (int64_t)v : 0;
    if (i &&
        (admin_pos_pair(i, &p->img_at, p->img_task, sizeof(p->img_task)) < 0 ||
         task_id(p->img_task, p->img_task) < 0)) {
        *msg = "images: expected <time>-<task id>";
        return -1;
    }
    if (c && (admin_pos_pair(c, &p->com_at, id, sizeof(id)) < 0 ||
              util_parse_u64(id, 1, INT64_MAX, &v) < 0)) {
        *msg = "comments: expected <time>-<comment id>";
        return -1;
    }
    p->com_id = c ? (int64_t)v : 0;
    return 0;
}

/* "/admin" + the positions of p (each list keeps its page). */
static json_t *admin_href(const struct admin_pos *p)
{
    struct buf b = BUF_INIT(512);
    char sep = '?';
    json_t *v;
    int r = buf_adds(&b, "/admin");

    if (p->audit) {
        r |= buf_addf(&b, "%caudit=%lld", sep, (long long)p->audit);
        sep = '&';
    }
    if (p->img_at) {
        r |= buf_addf(&b, "%cimages=%lld-%s", sep, (long long)p->img_at,
                      p->img_task);
        sep = '&';
    }
    if (p->com_at)
        r |= buf_addf(&b, "%ccomments=%lld-%lld", sep, (long long)p->com_at,
                      (long long)p->com_id);
    v = r ? json_string("/admin") : json_stringn(b.data, b.len);
    buf_release(&b);
    return v;
}

/*
 * Cuts a list fetched with one entry more than a page to the page, and
 * sets ctx's "<name>_older" (the page after it, from the last entry's
 * position, which set() writes into a copy of pos) and "<name>_newest"
 * (when not on the first page, reset() clears the list's position).
 */
static void admin_pager(json_t *ctx, const char *name, json_t *list,
                        const struct admin_pos *pos,
                        void (*set)(struct admin_pos *, json_t *last),
                        void (*reset)(struct admin_pos *), int first)
{
    struct admin_pos q = *pos;
    char key[32];

    if (json_array_size(list) > ADMIN_PAGE) {
        json_array_remove(list, ADMIN_PAGE);
        set(&q, json_array_get(list, ADMIN_PAGE - 1));
        snprintf(key, sizeof(key), "%s_older", name);
        json_object_set_new(ctx, key, admin_href(&q));
    }
    if (!first) {
        q = *pos;
        reset(&q);
        snprintf(key, sizeof(key), "%s_newest", name);
        json_object_set_new(ctx, key, admin_href(&q));
    }
}

static void audit_set(struct admin_pos *p, json_t *last)
{
    p->audit = (int64_t)json_integer_value(json_object_get(last, "id"));
}

static void audit_reset(struct admin_pos *p)
{
    p->audit = 0;
}

static void images_set(struct admin_pos *p, json_t *last)
{
    p->img_at =
        (int64_t)json_integer_value(json_object_get(last, "hidden_at"));
    snprintf(p->img_task, sizeof(p->img_task), "%s",
             json_string_value(json_object_get(last, "task")));
}

static void images_reset(struct admin_pos *p)
{
    p->img_at = 0;
    p->img_task[0] = '\0';
}

static void comments_set(struct admin_pos *p, json_t *last)
{
    p->com_at =
        (int64_t)json_integer_value(json_object_get(last, "hidden_at"));
    p->com_id = (int64_t)json_integer_value(json_object_get(last, "id"));
}

static void comments_reset(struct admin_pos *p)
{
    p->com_at = p->com_id = 0;
}

/* The three paginated lists of the page into ctx.  0, or -1 (database). */
static int admin_lists(struct db *db, const struct admin_pos *pos, json_t *ctx)
{
    json_t *audit = NULL, *images = NULL, *comments = NULL, *e;
    size_t i;

    if (social_audit_json(db, pos->audit, ADMIN_PAGE + 1, &audit) < 0 ||
        social_hidden_images_json(db, pos->img_at, pos->img_task,
                                  ADMIN_PAGE + 1, &images) < 0 ||
        social_hidden_comments_json(db, pos->com_at, pos->com_id,
                                    ADMIN_PAGE + 1, &comments) < 0) {
        json_decref(audit);
        json_decref(images);
        return -1;
    }
    json_array_foreach(audit, i, e)
    {
        const char *act = json_string_value(json_object_get(e, "action"));

        json_object_set_new(e, "failed",
                            json_boolean(act &&
                                         strcmp(act, "signin_failed") == 0));
    }
    admin_pager(ctx, "audit", audit, pos, audit_set, audit_reset,
                pos->audit == 0);
    admin_pager(ctx, "images", images, pos, images_set, images_reset,
                pos->img_at == 0);
    admin_pager(ctx, "comments", comments, pos, comments_set, comments_reset,
                pos->com_at == 0);
    json_object_set_new(ctx, "audit", audit);
    json_object_set_new(ctx, "hidden_images", images);
    json_object_set_new(ctx, "hidden_comments", comments);
    return 0;
}

/* {name: n} of o as [{name, n}] in o's order, for a table. */
static json_t *admin_pairs(json_t *o)
{
    json_t *arr = json_array(), *v;
    const char *k;

    json_object_foreach(o, k, v)
        json_array_append_new(arr, json_pack("{s:s,s:O}", "name", k, "n", v));
    return arr;
}

/* The system object's figures as the page shows them: memory in bytes,
 * row counts and CID statuses as lists. */
static void admin_system_view(json_t *sys)
{
    json_t *mem = json_object_get(sys, "memory");
    json_t *dbj = json_object_get(sys, "database");
    json_int_t rss = json_integer_value(json_object_get(mem, "rss_kb"));
    json_int_t peak = json_integer_value(json_object_get(mem, "peak_rss_kb"));

    json_object_set_new(mem, "rss_bytes", json_integer(rss * 1024));
    json_object_set_new(mem, "peak_bytes", json_integer(peak * 1024));
    json_object_set_new(dbj, "row_list",
                        admin_pairs(json_object_get(dbj, "rows")));
    json_object_set_new(dbj, "free_bytes",
                        json_integer(
                            json_integer_value(
                                json_object_get(dbj, "freelist_pages")) *
                            json_integer_value(
                                json_object_get(dbj, "page_size"))));
    json_object_set_new(json_object_get(sys, "ipfs"), "cid_list",
                        admin_pairs(
                            json_object_get(json_object_get(sys, "ipfs"),
                                            "cids")));
}

/* GET /admin: 401 without a session, 403 for a wallet that is not an
 * admin (as HTML pages: a sign-in prompt / a refusal).  System, database,
 * scanner, RPC and IPFS as tables; hidden items and the audit log as pages
 * of ADMIN_PAGE; the raw JSON behind links. */
int social_page_admin(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    struct admin_pos pos;
    struct db *db;
    const char *msg = NULL;
    json_t *ctx, *sys;
    int r, ret;

    r = auth_current(req, &u);
    if (r < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    if (r > 0)
        return http_reply_error(req, resp, 401,
                                "Sign in with an admin wallet (button at the "
                                "top) to see this page.");
    if (!u.admin)
        return http_reply_error(req, resp, 403,
                                "This wallet is not an admin.");
    if (admin_pos_parse(req, &pos, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    db = http_db(req);
    sys = system_info(req);
    if (!db || !sys) {
        json_decref(sys);
        return http_reply_error(req, resp, 503, "the database is unavailable");
    }
    admin_system_view(sys);
    ctx = json_pack("{s:s,s:o,s:s}", "title", "Admin", "system", sys, "admin",
                    u.address);
    if (admin_lists(db, &pos, ctx) < 0) {
        json_decref(ctx);
        return http_reply_error(req, resp, 503, "the database is unavailable");
    }
    http_resp_header(resp, "Cache-Control", "no-store");
    ret = http_reply_page(req, resp, "admin", ctx);
    json_decref(ctx);
    return ret;
}
