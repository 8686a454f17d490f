/*
 * test_rpc.c - the JSON-RPC client against a real HTTP server.
 *
 * A libmicrohttpd daemon on 127.0.0.1 (port 0) replays a script of replies
 * (status, body, Retry-After, delay, chunked or not), answers eth_chainId by
 * itself when told a chain id, and counts what it received.  Pure parts
 * (classification, reply parsing, quantities, URL sanitizing) are fed the
 * recorded texts of tests/data/rpc/: errors.tsv holds every provider text
 * of rpc-errors.md with its expected classification.
 */
#include "arbiusd/rpc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "arbiusd/buf.h"
#include "arbiusd/log.h"
#include "arbiusd/util.h"
#include "unit.h"

#define MOCK_MAX_BODY ((size_t)1 << 20)

/* ---- the scripted server ------------------------------------------------ */

struct mock_step {
    int status;                  /* 0 means 200 */
    const char *body;            /* "$ID" becomes the request's (first) id */
    const char *retry_after;     /* Retry-After header, or NULL */
    unsigned delay_ms;           /* sleep before answering */
    int chunked;                 /* no Content-Length */
    int fix_id;                  /* set the body's "id" to the request's */
    int loop;                    /* repeat this step forever */
    void (*fn)(const json_t *req, struct buf *out); /* builds the body */
};

struct mock {
    struct MHD_Daemon *d;
    char url[64];
    pthread_mutex_t mu;
    const struct mock_step *steps;
    size_t nsteps;
    size_t next;                 /* next step to play */
    const char *chain_id;        /* answer eth_chainId with it, or NULL */
    unsigned requests;           /* requests the script answered */
    unsigned chain_requests;     /* eth_chainId answered by the mock */
    unsigned batch_requests;     /* array bodies among requests */
    size_t last_batch_len;       /* items in the latest array body */
};

struct mock_chunked {
    char *data;
    size_t len;
};

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

static void must(int r)
{
    if (r != 0)
        abort();
}

static json_int_t req_id(const json_t *req)
{
    const json_t *one = json_is_array(req) ? json_array_get(req, 0) : req;

    return json_integer_value(json_object_get(one, "id"));
}

/* {"jsonrpc":"2.0","id":id,"result":params[0] or "0x1"} */
static json_t *echo_item(const json_t *item)
{
    json_t *p = json_array_get(json_object_get(item, "params"), 0);

    return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
                     json_object_get(item, "id"), "result",
                     p ? json_incref(p) : json_string("0x1"));
}

static void dump_into(json_t *v, struct buf *out)
{
    char *s = json_dumps(v, JSON_COMPACT);

    must(buf_adds(out, s));
    free(s);
    json_decref(v);
}

/* Answers each item with its first parameter (arrays in order). */
static void mock_echo(const json_t *req, struct buf *out)
{
    size_t i;
    json_t *arr;

    if (!json_is_array(req)) {
        dump_into(echo_item(req), out);
        return;
    }
    arr = json_array();
    for (i = 0; i < json_array_size(req); i++)
        json_array_append_new(arr, echo_item(json_array_get(req, i)));
    dump_into(arr, out);
}

/* Answers an array in reverse order. */
static void mock_reverse(const json_t *req, struct buf *out)
{
    json_t *arr = json_array();
    size_t i;

    for (i = json_array_size(req); i > 0; i--)
        json_array_append_new(arr, echo_item(json_array_get(req, i - 1)));
    dump_into(arr, out);
}

static json_t *error_item(const json_t *item, long code, const char *msg)
{
    return json_pack("{s:s, s:O, s:{s:I, s:s}}", "jsonrpc", "2.0", "id",
                     json_object_get(item, "id"), "error", "code",
                     (json_int_t)code, "message", msg);
}

/* Items whose parameter is "0xbb" fail with "header not found". */
static void mock_one_error(const json_t *req, struct buf *out)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < json_array_size(req); i++) {
        const json_t *it = json_array_get(req, i);
        const json_t *p = json_array_get(json_object_get(it, "params"), 0);

        if (json_is_string(p) && strcmp(json_string_value(p), "0xbb") == 0)
            json_array_append_new(arr, error_item(it, -32000,
                                                  "header not found"));
        else
            json_array_append_new(arr, echo_item(it));
    }
    dump_into(arr, out);
}

/* The first item is rate limited, the others answered. */
static void mock_throttle_first(const json_t *req, struct buf *out)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < json_array_size(req); i++) {
        const json_t *it = json_array_get(req, i);

        json_array_append_new(arr, i == 0 ? error_item(it, -32005,
                                                       "rate limit exceeded")
                                          : echo_item(it));
    }
    dump_into(arr, out);
}

/* The last item gets no reply. */
static void mock_drop_last(const json_t *req, struct buf *out)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i + 1 < json_array_size(req); i++)
        json_array_append_new(arr, echo_item(json_array_get(req, i)));
    dump_into(arr, out);
}

/* Refuses arrays with a whole-body error; answers single calls. */
static void mock_no_batch(const json_t *req, struct buf *out)
{
    if (json_is_array(req))
        must(buf_adds(out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                           "{\"code\":-32600,\"message\":\"batch requests "
                           "are not supported\"}}"));
    else
        mock_echo(req, out);
}

/* Answers only the first item of an array, as a bare object. */
static void mock_first_only(const json_t *req, struct buf *out)
{
    if (json_is_array(req))
        dump_into(echo_item(json_array_get(req, 0)), out);
    else
        mock_echo(req, out);
}

static void mock_body(const struct mock_step *st, const json_t *req,
                      struct buf *out)
{
    const char *p;

    if (st->fn) {
        st->fn(req, out);
        return;
    }
    if (!st->body) {
        mock_echo(req, out);
        return;
    }
    if (st->fix_id) {
        json_t *v = json_loads(st->body, 0, NULL);

        if (v && json_is_object(v)) {
            json_object_set_new(v, "id", json_integer(req_id(req)));
            dump_into(v, out);
            return;
        }
        json_decref(v);
    }
    for (p = st->body; *p; p++) {
        if (strncmp(p, "$ID", 3) == 0) {
            must(buf_addf(out, "%lld", (long long)req_id(req)));
            p += 2;
        } else {
            must(buf_addch(out, *p));
        }
    }
}

static ssize_t mock_reader(void *cls, uint64_t pos, char *dst, size_t max)
{
    struct mock_chunked *s = cls;
    size_t n;

    if (pos >= s->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    n = s->len - (size_t)pos < max ? s->len - (size_t)pos : max;
    memcpy(dst, s->data + pos, n);
    return (ssize_t)n;
}

static void mock_reader_free(void *cls)
{
    struct mock_chunked *s = cls;

    free(s->data);
    free(s);
}

static enum MHD_Result mock_handler(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **req_cls)
{
    static const struct mock_step echo = { 0 };
    struct mock *m = cls;
    struct buf *in = *req_cls;
    struct buf out = BUF_INIT(64 << 20);
    const struct mock_step *st = &echo;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    json_t *req;
    int chain = 0;

    UNUSED(url);
    UNUSED(method);
    UNUSED(version);
    if (!in) {
        in = xmalloc(sizeof(*in));
        buf_init(in, MOCK_MAX_BODY);
        *req_cls = in;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (buf_add(in, upload_data, *upload_data_size) != 0)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    req = json_loadb(in->data, in->len, 0, NULL);
    pthread_mutex_lock(&m->mu);
    if (m->chain_id && json_is_object(req) &&
        json_is_string(json_object_get(req, "method")) &&
        strcmp(json_string_value(json_object_get(req, "method")),
               "eth_chainId") == 0) {
        chain = 1;
        m->chain_requests++;
    } else {
        if (m->next < m->nsteps) {
            st = &m->steps[m->next];
            if (!st->loop)
                m->next++;
        }
        m->requests++;
        if (json_is_array(req)) {
            m->batch_requests++;
            m->last_batch_len = json_array_size(req);
        }
    }
    pthread_mutex_unlock(&m->mu);

    if (chain) {
        must(buf_addf(&out, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":"
                      "\"%s\"}", (long long)req_id(req), m->chain_id));
    } else {
        if (st->delay_ms)
            sleep_ms(st->delay_ms);
        mock_body(st, req, &out);
    }
    json_decref(req);
    if (st->chunked) {
        struct mock_chunked *s = xmalloc(sizeof(*s));

        s->data = buf_take(&out, &s->len);
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                                 mock_reader, s,
                                                 mock_reader_free);
    } else {
        resp = MHD_create_response_from_buffer(out.len, out.data,
                                               MHD_RESPMEM_MUST_COPY);
    }
    buf_release(&out);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (st->retry_after)
        MHD_add_response_header(resp, "Retry-After", st->retry_after);
    ret = MHD_queue_response(conn, st->status ? (unsigned)st->status : 200,
                             resp);
    MHD_destroy_response(resp);
    return ret;
}

static void mock_completed(void *cls, struct MHD_Connection *conn,
                           void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct buf *in = *req_cls;

    UNUSED(cls);
    UNUSED(conn);
    UNUSED(toe);
    if (in) {
        buf_release(in);
        free(in);
        *req_cls = NULL;
    }
}

static void mock_start(struct mock *m, const struct mock_step *steps,
                       size_t n)
{
    const union MHD_DaemonInfo *info;
    struct sockaddr_in sa;

    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    m->steps = steps;
    m->nsteps = n;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_THREAD_PER_CONNECTION,
                            0, NULL, NULL, mock_handler, m,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, mock_completed, m,
                            MHD_OPTION_END);
    ck_assert_ptr_nonnull(m->d);
    info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull(info);
    snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%u/rpc",
             (unsigned)info->port);
}

static void mock_stop(struct mock *m)
{
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
}

static unsigned mock_requests(struct mock *m)
{
    unsigned n;

    pthread_mutex_lock(&m->mu);
    n = m->requests;
    pthread_mutex_unlock(&m->mu);
    return n;
}

/* A URL nobody listens on: a port bound and released again. */
static void dead_url(char *out, size_t outsz)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    snprintf(out, outsz, "http://127.0.0.1:%u/", (unsigned)ntohs(sa.sin_port));
}

/* ---- client helpers --------------------------------------------------- */

static atomic_bool test_stop;

static void test_opts(struct rpc_options *o, const char *const *urls,
                      size_t n)
{
    memset(o, 0, sizeof(*o));
    o->urls = urls;
    o->nurls = n;
    o->timeout_s = 1;
    o->max_response = (size_t)1 << 20;
    o->max_attempts = 4;
    o->backoff_base_ms = 5;
    o->backoff_max_ms = 40;
    o->stop = &test_stop;
}

static struct rpc_client *test_client(const struct rpc_options *o)
{
    struct rpc_client *c = NULL;

    ck_assert_int_eq(rpc_new(o, &c), 0);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* One call of method with params [p] (p may be NULL: no params). */
static int call1(struct rpc_client *c, const char *method, const char *p,
                 json_t **resultp, struct rpc_error *err)
{
    json_t *params = json_array();

    if (p)
        json_array_append_new(params, json_string(p));
    return rpc_call(c, method, params, resultp, err);
}

static json_int_t stat_int(const struct rpc_client *c, size_t i,
                           const char *key)
{
    json_t *s = rpc_stats_json(c);
    json_int_t v = json_integer_value(json_object_get(json_array_get(s, i),
                                                      key));

    json_decref(s);
    return v;
}

static int stat_true(const struct rpc_client *c, size_t i, const char *key)
{
    json_t *s = rpc_stats_json(c);
    int v = json_is_true(json_object_get(json_array_get(s, i), key));

    json_decref(s);
    return v;
}

static void setup(void)
{
    log_init(getenv("RPC_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
    atomic_store(&test_stop, false);
}

static void global_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void global_teardown(void)
{
    curl_global_cleanup();
}

static char *read_data(const char *rel, size_t *lenp)
{
    char path[512];
    char *data = NULL;
    size_t len = 0;

    test_data_path(rel, path, sizeof(path));
    ck_assert_msg(util_read_file(path, (size_t)16 << 20, &data, &len) == 0,
                  "cannot read %s", path);
    if (lenp)
        *lenp = len;
    return data;
}

/* ---- errors.tsv ---------------------------------------------------------- */

struct err_case {
    int kind;
    int http;
    long code;
    uint64_t max_range;
    int many;
    int has_hint;
    uint64_t from, to;
    const char *msg;             /* NULL for <none> */
    int line;
};

static int kind_from_name(const char *s)
{
    int k;

    for (k = 0; k >= RPC_ERR_STOPPED; k--) {
        if (strcmp(rpc_err_name(k), s) == 0)
            return k;
    }
    ck_abort_msg("unknown kind %s", s);
    return 1;
}

static long num_field(const char *s, int base)
{
    char *end;
    long v = strtol(s, &end, base);

    ck_assert_msg(*s && *end == '\0', "bad number \"%s\"", s);
    return v;
}

/* Parses errors.tsv (kept in *textp, which the cases point into). */
static size_t load_cases(struct err_case **outp, char **textp)
{
    struct err_case *cases = NULL;
    size_t n = 0, len;
    char *text = read_data("rpc/errors.tsv", &len), *line, *save = NULL;
    int lineno = 0;

    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[7], *p = line;
        struct err_case *ec;
        int i;

        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        for (i = 0; i < 6; i++) {
            char *tab = strchr(p, '\t');

            ck_assert_msg(tab != NULL, "errors.tsv: short line: %s", line);
            *tab = '\0';
            f[i] = p;
            p = tab + 1;
        }
        f[6] = p;
        cases = xrealloc(cases, (n + 1) * sizeof(*cases));
        ec = &cases[n++];
        memset(ec, 0, sizeof(*ec));
        ec->line = lineno;
        ec->kind = kind_from_name(f[0]);
        ec->http = (int)num_field(f[1], 10);
        ec->code = num_field(f[2], 10);
        ec->max_range = (uint64_t)num_field(f[3], 10);
        ec->many = (int)num_field(f[4], 10);
        if (strcmp(f[5], "-") != 0) {
            char *comma = strchr(f[5], ',');

            ck_assert_ptr_nonnull(comma);
            *comma = '\0';
            ec->has_hint = 1;
            ec->from = (uint64_t)num_field(f[5], 16);
            ec->to = (uint64_t)num_field(comma + 1, 16);
        }
        ec->msg = strcmp(f[6], "<none>") == 0 ? NULL : f[6];
    }
    *outp = cases;
    *textp = text;
    return n;
}

static void check_case(const struct err_case *ec, const struct rpc_error *e,
                       const char *how)
{
    ck_assert_msg(e->kind == ec->kind, "%s line %d \"%s\": kind %s, "
                  "expected %s", how, ec->line, ec->msg ? ec->msg : "",
                  rpc_err_name(e->kind), rpc_err_name(ec->kind));
    ck_assert_msg(e->max_range == ec->max_range, "%s line %d: max_range "
                  "%llu, expected %llu", how, ec->line,
                  (unsigned long long)e->max_range,
                  (unsigned long long)ec->max_range);
    ck_assert_msg(e->too_many_results == ec->many, "%s line %d: too_many",
                  how, ec->line);
    ck_assert_msg(e->has_hint == ec->has_hint, "%s line %d: has_hint", how,
                  ec->line);
    if (ec->has_hint) {
        ck_assert_uint_eq(e->hint_from, ec->from);
        ck_assert_uint_eq(e->hint_to, ec->to);
    }
}

/* ---- pure parts -------------------------------------------------------- */

START_TEST(test_rpc__quantity)
{
    static const struct {
        const char *s;
        int ok;
        uint64_t v;
    } cases[] = {
        { "0x1a", 1, 26 },
        { "0x0", 1, 0 },
        { "0x00ff", 1, 255 },
        { "0xffffffffffffffff", 1, UINT64_MAX },
        { "0xABCDEF", 1, 0xabcdef },
        { "0x", 0, 0 },
        { "", 0, 0 },
        { "1a", 0, 0 },
        { "0X1a", 0, 0 },
        { "0x10000000000000000", 0, 0 },
        { "0x1g", 0, 0 },
        { " 0x1", 0, 0 },
        { "0x1 ", 0, 0 },
        { "-0x1", 0, 0 },
        { "x0x1", 0, 0 },
    };
    size_t i;
    uint64_t v;
    json_t *j;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        j = json_string(cases[i].s);
        v = 12345;
        ck_assert_msg(rpc_quantity(j, &v) == (cases[i].ok ? 0 : -1),
                      "\"%s\"", cases[i].s);
        ck_assert_uint_eq(v, cases[i].ok ? cases[i].v : 12345);
        json_decref(j);
    }
    j = json_integer(26);
    ck_assert_int_eq(rpc_quantity(j, &v), -1);
    json_decref(j);
    ck_assert_int_eq(rpc_quantity(NULL, &v), -1);
    j = json_stringn("0x1\0", 4);
    ck_assert_int_eq(rpc_quantity(j, &v), -1);
    json_decref(j);
}
END_TEST

START_TEST(test_rpc__sanitize_url)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "https://user:pass@mainnet.infura.io/v3/"
          "0123456789abcdef0123456789abcdef?key=1#frag",
          "https://mainnet.infura.io/v3/***" },
        { "https://arb-mainnet.g.alchemy.com/v2/"
          "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
          "https://arb-mainnet.g.alchemy.com/v2/***" },
        { "http://127.0.0.1:8545", "http://127.0.0.1:8545" },
        { "http://127.0.0.1:8545/", "http://127.0.0.1:8545/" },
        { "https://rpc.example.org/rpc?apikey=secret",
          "https://rpc.example.org/rpc" },
        { "http://a@b@host:1/x", "http://host:1/x" },
        { "localhost:8545?apikey=x", "localhost:8545" },
        { "https://h/a b\n", "https://h/a?b?" },
        { "", "" },
    };
    char out[RPC_URL_TEXT_SIZE];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        rpc_sanitize_url(cases[i].in, out, sizeof(out));
        ck_assert_str_eq(out, cases[i].out);
    }
    rpc_sanitize_url("https://mainnet.example.org/x", out, 10);
    ck_assert_str_eq(out, "https://m");
    rpc_sanitize_url(NULL, out, sizeof(out));
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_rpc__classify_table)
{
    struct err_case *cases;
    char *text;
    size_t n = load_cases(&cases, &text), i, nrange = 0;

    ck_assert_uint_ge(n, 60);
    for (i = 0; i < n; i++) {
        struct rpc_error e;

        memset(&e, 0x5a, sizeof(e));
        rpc_classify(cases[i].http, cases[i].code, cases[i].msg, &e);
        check_case(&cases[i], &e, "classify");
        ck_assert_str_eq(e.endpoint, "");
        if (e.kind == RPC_OK) {
            ck_assert_int_eq(e.http_status, 0);
            ck_assert_str_eq(e.message, "");
        } else {
            ck_assert_int_eq(e.http_status, cases[i].http);
            ck_assert_int_eq(e.code, cases[i].code);
            ck_assert(e.message[0] != '\0');
        }
        nrange += e.kind == RPC_ERR_RANGE;
    }
    ck_assert_uint_ge(nrange, 36); /* every eth_getLogs text of the doc */
    free(cases);
    free(text);
}
END_TEST

START_TEST(test_rpc__classify_edges)
{
    struct rpc_error e;
    char big[4096];

    /* A number without a trigger phrase is not a range refusal. */
    rpc_classify(200, -32000, "max is 10k blocks away", &e);
    ck_assert_int_eq(e.kind, RPC_ERR_RPC);
    rpc_classify(200, -32000, "(5000 > 1000)", &e);
    ck_assert_int_eq(e.kind, RPC_ERR_RPC);
    /* The smallest stated maximum wins. */
    rpc_classify(200, -32000, "block range is too wide (maximum 1024), "
                 "max is 2k blocks", &e);
    ck_assert_int_eq(e.kind, RPC_ERR_RANGE);
    ck_assert_uint_eq(e.max_range, 1024);
    /* A hint backwards or malformed is ignored. */
    rpc_classify(200, -32005, "query returned more than 10000 results. "
                 "Try with this block range [0x20, 0x10].", &e);
    ck_assert_int_eq(e.kind, RPC_ERR_RANGE);
    ck_assert_int_eq(e.has_hint, 0);
    rpc_classify(200, -32005, "more than 5 results [0x, 0x1] [12, 0x1f]",
                 &e);
    ck_assert_int_eq(e.has_hint, 1);
    ck_assert_uint_eq(e.hint_from, 12);
    ck_assert_uint_eq(e.hint_to, 31);
    rpc_classify(200, 0, "range too large [0x11111111111111111, 0x1]", &e);
    ck_assert_int_eq(e.has_hint, 0);
    /* Control characters never reach a log line. */
    rpc_classify(200, -32000, "bad\nthing\r\x1b[31m", &e);
    ck_assert_ptr_null(strpbrk(e.message, "\n\r\x1b"));
    /* Huge numbers don't overflow. */
    rpc_classify(200, 0, "maximum is set to 99999999999999999999999 "
                 "requested too many blocks", &e);
    ck_assert_int_eq(e.kind, RPC_ERR_RANGE);
    ck_assert_uint_eq(e.max_range, 0);
    /* Long messages are truncated, not overrun. */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rpc_classify(500, 0, big, &e);
    ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
    ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
    ck_assert_str_eq(rpc_err_name(RPC_ERR_WRONG_CHAIN), "wrong chain");
    ck_assert_str_eq(rpc_err_name(3), "unknown");
    ck_assert_str_eq(rpc_err_name(-8), "unknown");
}
END_TEST

START_TEST(test_rpc__parse_reply_recorded)
{
    static const struct {
        const char *file;
        json_int_t id;
        int kind;
    } cases[] = {
        { "rpc/reply_getlogs.json", 1, RPC_OK },
        { "rpc/reply_getlogs_empty.json", 2, RPC_OK },
        { "rpc/reply_tx.json", 7, RPC_OK },
        { "rpc/reply_tx_null.json", 3, RPC_OK },
        { "rpc/reply_block_number.json", 1, RPC_OK },
        { "rpc/reply_chain_id.json", 1, RPC_OK },
        { "rpc/reply_error_infura_range.json", 1, RPC_ERR_RANGE },
        { "rpc/reply_error_alchemy_range.json", 1, RPC_ERR_RANGE },
        { "rpc/reply_error_rate.json", 1, RPC_ERR_THROTTLED },
        { "rpc/reply_error_idnull.json", 5, RPC_ERR_RPC },
        { "rpc/reply_error_header.json", 4, RPC_ERR_RPC },
        { "rpc/reply_error_header.json", 5, RPC_ERR_BAD_REPLY },
        { "rpc/reply_error_string.json", 1, RPC_ERR_THROTTLED },
        { "rpc/reply_error_empty.json", 1, RPC_ERR_RPC },
        { "rpc/reply_wrong_id.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_string_id.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_no_result.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_not_object.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_truncated.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_invalid.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_empty.json", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_html.html", 1, RPC_ERR_BAD_REPLY },
        { "rpc/reply_batch.json", 10, RPC_ERR_BAD_REPLY },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *res = (json_t *)&res; /* untouched on failure */
        struct rpc_error e;
        size_t len;
        char *body = read_data(cases[i].file, &len);
        int r = rpc_parse_reply(body, len, cases[i].id, &res, &e);

        ck_assert_msg(r == cases[i].kind, "%s: %s (%s)", cases[i].file,
                      rpc_err_name(r), e.message);
        if (r == RPC_OK) {
            ck_assert_int_eq(e.kind, RPC_OK);
            ck_assert_ptr_nonnull(res);
            json_decref(res);
        } else {
            ck_assert_int_eq(e.kind, r);
            ck_assert(res == (json_t *)&res);
        }
        free(body);
    }
}
END_TEST

START_TEST(test_rpc__parse_reply_details)
{
    struct rpc_error e;
    json_t *res = NULL;
    uint64_t q;
    size_t len;
    char *body;

    body = read_data("rpc/reply_getlogs.json", &len);
    ck_assert_int_eq(rpc_parse_reply(body, len, 1, &res, &e), RPC_OK);
    ck_assert(json_is_array(res));
    ck_assert_uint_eq(json_array_size(res), 3);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(res, 0), "logIndex")), "0x1");
    json_decref(res);
    free(body);

    body = read_data("rpc/reply_tx_null.json", &len);
    ck_assert_int_eq(rpc_parse_reply(body, len, 3, &res, &e), RPC_OK);
    ck_assert(json_is_null(res));
    json_decref(res);
    free(body);

    body = read_data("rpc/reply_block_number.json", &len);
    ck_assert_int_eq(rpc_parse_reply(body, len, 1, &res, &e), RPC_OK);
    ck_assert_int_eq(rpc_quantity(res, &q), 0);
    ck_assert_uint_eq(q, 0x9e32713);
    json_decref(res);
    free(body);

    /* Infura puts the suggested range in error.data. */
    body = read_data("rpc/reply_error_infura_range.json", &len);
    ck_assert_int_eq(rpc_parse_reply(body, len, 1, &res, &e), RPC_ERR_RANGE);
    ck_assert_int_eq(e.code, -32005);
    ck_assert_int_eq(e.too_many_results, 1);
    ck_assert_int_eq(e.has_hint, 1);
    ck_assert_uint_eq(e.hint_from, 0x1e8480);
    ck_assert_uint_eq(e.hint_to, 0x1e8a5c);
    free(body);

    body = read_data("rpc/reply_truncated.json", &len);
    ck_assert_int_eq(rpc_parse_reply(body, len, 1, &res, &e),
                     RPC_ERR_BAD_REPLY);
    ck_assert_ptr_nonnull(strstr(e.message, "truncated"));
    free(body);

    /* Bytes after a NUL are not ignored. */
    ck_assert_int_eq(rpc_parse_reply("{\"id\":1,\"result\":1}\0x", 21, 1,
                                     &res, &e), RPC_ERR_BAD_REPLY);
}
END_TEST

START_TEST(test_rpc__parse_batch_recorded)
{
    json_t *res[3];
    struct rpc_error errs[3], e;
    size_t len;
    char *body = read_data("rpc/reply_batch.json", &len);

    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 10, 3, res, errs, &e),
                     RPC_OK);
    /* id 10: null result; 11: error; 12: the first of two replies. */
    ck_assert(json_is_null(res[0]));
    ck_assert_int_eq(errs[0].kind, RPC_OK);
    ck_assert_ptr_null(res[1]);
    ck_assert_int_eq(errs[1].kind, RPC_ERR_RPC);
    ck_assert_str_eq(errs[1].message, "header not found");
    ck_assert(json_is_object(res[2]));
    json_decref(res[0]);
    json_decref(res[2]);
    /* Shifted ids: nothing matches but 12 -> item 0. */
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 12, 3, res, errs, &e),
                     RPC_OK);
    ck_assert(json_is_object(res[0]));
    ck_assert_ptr_null(res[1]);
    ck_assert_int_eq(errs[1].kind, RPC_ERR_BAD_REPLY);
    ck_assert_ptr_null(res[2]);
    json_decref(res[0]);
    free(body);

    body = read_data("rpc/reply_batch_refused.json", &len);
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 1, 3, res, errs, &e),
                     RPC_ERR_RPC);
    ck_assert_int_eq(e.batch_rejected, 1);
    free(body);
    body = read_data("rpc/reply_batch_refused_array.json", &len);
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 1, 3, res, errs, &e),
                     RPC_ERR_RPC);
    ck_assert_int_eq(e.batch_rejected, 1);
    free(body);
    body = read_data("rpc/reply_batch_throttled.json", &len);
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 1, 3, res, errs, &e),
                     RPC_ERR_THROTTLED);
    ck_assert_int_eq(e.batch_rejected, 0);
    free(body);
    body = read_data("rpc/reply_tx.json", &len);
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 7, 1, res, errs, &e),
                     RPC_ERR_BAD_REPLY);
    ck_assert_int_eq(e.batch_rejected, 1);
    free(body);
    body = read_data("rpc/reply_truncated.json", &len);
    ck_assert_int_eq(rpc_parse_batch_reply(body, len, 1, 1, res, errs, &e),
                     RPC_ERR_BAD_REPLY);
    ck_assert_int_eq(e.batch_rejected, 0);
    free(body);
}
END_TEST

/* ---- against the server ------------------------------------------------ */

START_TEST(test_rpc__call_ok)
{
    static const struct mock_step steps[] = {
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x9e32713\"}" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL, *st, *ep;
    const char *urls[1];
    uint64_t q;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.budget_per_day = 2;
    c = test_client(&o);
    ck_assert_str_eq(rpc_endpoint(c), m.url);
    ck_assert_int_eq(rpc_call(c, "eth_blockNumber", NULL, &res, &e), RPC_OK);
    ck_assert_int_eq(e.kind, RPC_OK);
    ck_assert_int_eq(rpc_quantity(res, &q), 0);
    ck_assert_uint_eq(q, 0x9e32713);
    json_decref(res);
    /* The default step echoes params[0]; a NULL err is allowed. */
    ck_assert_int_eq(call1(c, "eth_getBalance", "0xabc", &res, NULL), RPC_OK);
    ck_assert_str_eq(json_string_value(res), "0xabc");
    json_decref(res);
    ck_assert_int_eq(call1(c, "eth_getBalance", "0xdef", &res, &e), RPC_OK);
    json_decref(res);

    st = rpc_stats_json(c);
    ck_assert_uint_eq(json_array_size(st), 1);
    ep = json_array_get(st, 0);
    ck_assert_str_eq(json_string_value(json_object_get(ep, "url")), m.url);
    ck_assert_int_eq(json_integer_value(json_object_get(ep, "requests")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(ep, "calls")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(ep, "errors")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(ep, "throttled")), 0);
    ck_assert_int_eq(json_integer_value(
                         json_object_get(ep, "requests_today")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(ep, "budget")), 2);
    ck_assert(json_is_true(json_object_get(ep, "over_budget")));
    ck_assert(json_is_object(json_object_get(ep, "latency_ms")));
    ck_assert(json_is_integer(json_object_get(
        json_object_get(ep, "latency_ms"), "avg")));
    ck_assert(json_is_null(json_object_get(ep, "last_error")));
    ck_assert(json_is_null(json_object_get(ep, "last_error_at")));
    ck_assert(json_is_integer(json_object_get(ep, "last_ok_at")));
    ck_assert(json_is_false(json_object_get(ep, "disabled")));
    ck_assert(json_is_null(json_object_get(ep, "supports_batch")));
    ck_assert(json_is_true(json_object_get(ep, "current")));
    json_decref(st);
    ck_assert_uint_eq(mock_requests(&m), 3);
    rpc_free(c);
    rpc_free(NULL);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__recorded_getlogs_over_http)
{
    struct mock_step steps[1] = { { .fix_id = 1 } };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    char *body = read_data("rpc/reply_getlogs.json", NULL);

    steps[0].body = body;
    mock_start(&m, steps, 1);
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(rpc_call(c, "eth_getLogs", json_pack("[{s:s, s:s}]",
                                                          "fromBlock", "0x1",
                                                          "toBlock", "0x2"),
                              &res, &e), RPC_OK);
    ck_assert_uint_eq(json_array_size(res), 3);
    json_decref(res);
    rpc_free(c);
    mock_stop(&m);
    free(body);
}
END_TEST

START_TEST(test_rpc__throttled_retry_after)
{
    static const struct mock_step steps[] = {
        { .status = 429, .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":"
                                 "{\"code\":-32005,\"message\":\"rate limit "
                                 "exceeded\"}}",
          .retry_after = "1" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    uint64_t t0, dt;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x5", &res, &e), RPC_OK);
    dt = util_now_ms() - t0;
    ck_assert_msg(dt >= 950 && dt < 3000, "waited %llu ms",
                  (unsigned long long)dt);
    json_decref(res);
    ck_assert_uint_eq(mock_requests(&m), 2);
    ck_assert_int_eq(stat_int(c, 0, "throttled"), 1);
    ck_assert_int_eq(stat_int(c, 0, "errors"), 1);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__throttled_no_retry_after)
{
    static const struct mock_step steps[] = {
        { .status = 429, .body = "Too Many Requests" },
        { .status = 503, .body = "" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    uint64_t t0;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x5", &res, &e), RPC_OK);
    ck_assert_uint_lt(util_now_ms() - t0, 800);
    json_decref(res);
    ck_assert_uint_eq(mock_requests(&m), 3);
    ck_assert_int_eq(stat_int(c, 0, "throttled"), 2);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__throttled_gives_up)
{
    static const struct mock_step steps[] = {
        { .status = 503, .body = "Service Unavailable", .loop = 1 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = (json_t *)&res;
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 3;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_THROTTLED);
    ck_assert(res == (json_t *)&res);
    ck_assert_int_eq(e.kind, RPC_ERR_THROTTLED);
    ck_assert_int_eq(e.http_status, 503);
    ck_assert_str_eq(e.endpoint, m.url);
    ck_assert_uint_eq(mock_requests(&m), 3);
    ck_assert_int_eq(stat_int(c, 0, "errors"), 3);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__server_error_retried)
{
    static const struct mock_step steps[] = {
        { .status = 500, .body = "internal error" },
        { .status = 502, .body = "<html>bad gateway</html>" },
    };
    static const struct mock_step always500[] = {
        { .status = 500, .body = "", .loop = 1 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    json_t *st;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x7", &res, &e), RPC_OK);
    ck_assert_str_eq(json_string_value(res), "0x7");
    json_decref(res);
    st = rpc_stats_json(c);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                                     json_array_get(st, 0), "last_error")),
                                 "transport: HTTP 502"));
    ck_assert(json_is_integer(json_object_get(json_array_get(st, 0),
                                              "last_error_at")));
    json_decref(st);
    rpc_free(c);
    mock_stop(&m);

    mock_start(&m, always500, 1);
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_TRANSPORT);
    ck_assert_int_eq(e.http_status, 500);
    ck_assert_uint_eq(mock_requests(&m), 4);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__timeout)
{
    static const struct mock_step steps[] = {
        { .delay_ms = 1500 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    uint64_t t0, dt;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 1;
    c = test_client(&o);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_TRANSPORT);
    dt = util_now_ms() - t0;
    ck_assert_msg(dt >= 900 && dt < 1450, "took %llu ms",
                  (unsigned long long)dt);
    ck_assert_ptr_nonnull(strstr(e.message, "timed out"));
    /* The next call works (the slow step is over). */
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x2", &res, &e), RPC_OK);
    json_decref(res);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__bad_json)
{
    static const struct mock_step steps[] = {
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":[{\"add" },
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":0x1}" },
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":\"0x1\"}" },
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID}" },
        { .body = "<html>captive portal</html>" },
        { .body = "" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    static const char *const want[] = {
        "truncated JSON", "invalid JSON", "another id", "without result",
        "invalid JSON", "empty reply",
    };
    size_t i;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 1;
    c = test_client(&o);
    for (i = 0; i < ARRAY_SIZE(want); i++) {
        ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                         RPC_ERR_BAD_REPLY);
        ck_assert_msg(strstr(e.message, want[i]) != NULL, "%zu: %s", i,
                      e.message);
        ck_assert_int_eq(e.http_status, 200);
    }
    rpc_free(c);
    mock_stop(&m);

    /* With retries, a bad reply is followed by a good one. */
    mock_start(&m, steps, 2);
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x3", &res, &e), RPC_OK);
    ck_assert_str_eq(json_string_value(res), "0x3");
    json_decref(res);
    ck_assert_uint_eq(mock_requests(&m), 3);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__error_in_200_not_retried)
{
    static const struct mock_step steps[] = {
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":-32000,"
                  "\"message\":\"header not found\"}}" },
        { .body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":-32005,"
                  "\"message\":\"query returned more than 10000 results. Try "
                  "with this block range [0x10, 0x20].\"}}" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = (json_t *)&res;
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_getBlockByNumber", "0x1", &res, &e),
                     RPC_ERR_RPC);
    ck_assert(res == (json_t *)&res);
    ck_assert_int_eq(e.code, -32000);
    ck_assert_str_eq(e.message, "header not found");
    ck_assert_uint_eq(mock_requests(&m), 1);
    ck_assert_int_eq(call1(c, "eth_getLogs", NULL, &res, &e), RPC_ERR_RANGE);
    ck_assert_int_eq(e.has_hint, 1);
    ck_assert_uint_eq(e.hint_from, 0x10);
    ck_assert_uint_eq(e.hint_to, 0x20);
    ck_assert_int_eq(e.too_many_results, 1);
    ck_assert_uint_eq(mock_requests(&m), 2);
    ck_assert_int_eq(stat_int(c, 0, "throttled"), 0);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__provider_texts_over_http)
{
    struct err_case *cases;
    struct mock_step *steps;
    char **bodies, *text;
    size_t n = load_cases(&cases, &text), i, k = 0;
    struct rpc_options o;
    struct rpc_client *c;
    struct mock m;
    const char *urls[1];

    steps = xcalloc(n, sizeof(*steps));
    bodies = xcalloc(n, sizeof(*bodies));
    for (i = 0; i < n; i++) {
        const struct err_case *ec = &cases[i];
        json_t *err;

        if (ec->kind == RPC_OK)
            continue;
        steps[k].status = ec->http ? ec->http : 200;
        if (ec->code || steps[k].status == 200) {
            err = json_object();
            if (ec->code)
                json_object_set_new(err, "code", json_integer(ec->code));
            if (ec->msg)
                json_object_set_new(err, "message", json_string(ec->msg));
            err = json_pack("{s:s, s:I, s:o}", "jsonrpc", "2.0", "id",
                            (json_int_t)0, "error", err);
            bodies[k] = json_dumps(err, JSON_COMPACT);
            json_decref(err);
            steps[k].fix_id = 1;
        } else {
            bodies[k] = xstrdup(ec->msg ? ec->msg : "");
        }
        steps[k].body = bodies[k];
        k++;
    }
    mock_start(&m, steps, k);
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 1;
    c = test_client(&o);
    for (i = 0; i < n; i++) {
        struct rpc_error e;
        json_t *res = NULL;
        int r;

        if (cases[i].kind == RPC_OK)
            continue;
        r = call1(c, "eth_getLogs", NULL, &res, &e);
        ck_assert_int_eq(r, e.kind);
        check_case(&cases[i], &e, "http");
        ck_assert_int_eq(e.http_status, cases[i].http ? cases[i].http : 200);
        ck_assert_str_eq(e.endpoint, m.url);
    }
    ck_assert_uint_eq(mock_requests(&m), k);
    rpc_free(c);
    mock_stop(&m);
    for (i = 0; i < k; i++)
        free(bodies[i]);
    free(bodies);
    free(steps);
    free(cases);
    free(text);
}
END_TEST

START_TEST(test_rpc__size_cap)
{
    struct mock_step big[2];
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    struct buf b = BUF_INIT(1 << 20);
    size_t i;

    must(buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\""));
    for (i = 0; i < 5000; i++)
        must(buf_addch(&b, 'a'));
    must(buf_adds(&b, "\"}"));
    memset(big, 0, sizeof(big));
    big[0].body = b.data;            /* with Content-Length */
    big[1].body = b.data;            /* chunked: only the write cap sees it */
    big[1].chunked = 1;
    mock_start(&m, big, 2);
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_response = 4096;
    c = test_client(&o);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(call1(c, "eth_getLogs", NULL, &res, &e),
                         RPC_ERR_BAD_REPLY);
        ck_assert_int_eq(e.too_big, 1);
        ck_assert_ptr_nonnull(strstr(e.message, "4096-byte cap"));
    }
    ck_assert_uint_eq(mock_requests(&m), 2); /* never retried */
    /* Small replies still fit afterwards. */
    ck_assert_int_eq(call1(c, "eth_chainId", "0x1", &res, &e), RPC_OK);
    json_decref(res);
    rpc_free(c);
    mock_stop(&m);
    buf_release(&b);
}
END_TEST

START_TEST(test_rpc__wrong_chain_failover)
{
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock a, b;
    json_t *res = NULL, *st;
    const char *urls[2];

    mock_start(&a, NULL, 0);
    mock_start(&b, NULL, 0);
    a.chain_id = "0x2";
    b.chain_id = "0xa4b1";
    urls[0] = a.url;
    urls[1] = b.url;
    test_opts(&o, urls, 2);
    o.chain_id = 42161;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x1", &res, &e), RPC_OK);
    json_decref(res);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x2", &res, &e), RPC_OK);
    json_decref(res);
    ck_assert_uint_eq(a.chain_requests, 1);
    ck_assert_uint_eq(mock_requests(&a), 0);
    ck_assert_uint_eq(b.chain_requests, 1); /* checked once */
    ck_assert_uint_eq(mock_requests(&b), 2);
    ck_assert_str_eq(rpc_endpoint(c), b.url);
    st = rpc_stats_json(c);
    ck_assert(json_is_true(json_object_get(json_array_get(st, 0),
                                           "disabled")));
    ck_assert(json_is_false(json_object_get(json_array_get(st, 1),
                                            "disabled")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                                     json_array_get(st, 0), "last_error")),
                                 "wrong chain"));
    json_decref(st);
    /* Rotating never lands on the disabled endpoint. */
    rpc_rotate(c, "test");
    ck_assert_str_eq(rpc_endpoint(c), b.url);
    rpc_free(c);
    mock_stop(&a);
    mock_stop(&b);
}
END_TEST

START_TEST(test_rpc__wrong_chain_everywhere)
{
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock a, b;
    json_t *res = (json_t *)&res;
    const char *urls[2];

    mock_start(&a, NULL, 0);
    mock_start(&b, NULL, 0);
    a.chain_id = "0x2";
    b.chain_id = "0x3";
    urls[0] = a.url;
    urls[1] = b.url;
    test_opts(&o, urls, 2);
    o.chain_id = 1;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_WRONG_CHAIN);
    ck_assert_int_eq(e.kind, RPC_ERR_WRONG_CHAIN);
    ck_assert(res == (json_t *)&res);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_WRONG_CHAIN);
    ck_assert_uint_eq(a.chain_requests + b.chain_requests, 2);
    ck_assert_uint_eq(mock_requests(&a) + mock_requests(&b), 0);
    rpc_free(c);
    mock_stop(&a);
    mock_stop(&b);
}
END_TEST

START_TEST(test_rpc__chain_rechecked_after_failure)
{
    static const struct mock_step steps[] = {
        { .status = 500, .body = "" },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    m.chain_id = "0x1";
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.chain_id = 1;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x1", &res, &e), RPC_OK);
    json_decref(res);
    ck_assert_uint_eq(m.chain_requests, 2);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x1", &res, &e), RPC_OK);
    json_decref(res);
    ck_assert_uint_eq(m.chain_requests, 2);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__failover_dead_endpoint)
{
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[2];
    char dead[64];
    uint64_t t0;

    dead_url(dead, sizeof(dead));
    mock_start(&m, NULL, 0);
    urls[0] = dead;
    urls[1] = m.url;
    test_opts(&o, urls, 2);
    o.backoff_base_ms = 2000; /* failing over must not wait */
    o.backoff_max_ms = 2000;
    c = test_client(&o);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x9", &res, &e), RPC_OK);
    ck_assert_uint_lt(util_now_ms() - t0, 1000);
    ck_assert_str_eq(json_string_value(res), "0x9");
    json_decref(res);
    ck_assert_str_eq(rpc_endpoint(c), m.url);
    ck_assert_int_eq(stat_int(c, 0, "errors"), 1);
    ck_assert_int_eq(stat_int(c, 1, "errors"), 0);
    ck_assert(stat_true(c, 1, "current"));
    rpc_free(c);

    /* Only dead endpoints: a transport error after max_attempts. */
    urls[1] = dead;
    test_opts(&o, urls, 2);
    o.max_attempts = 3;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_TRANSPORT);
    ck_assert_int_eq(e.http_status, 0);
    ck_assert(e.message[0] != '\0');
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

/* on_fail of the hook test: counts, keeps the last error. */
struct fail_seen {
    int n;
    struct rpc_error last;
};

static void count_fail(void *ud, const struct rpc_error *err)
{
    struct fail_seen *f = ud;

    f->n++;
    f->last = *err;
}

START_TEST(test_rpc__on_fail_hook)
{
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct fail_seen seen = { 0 };
    json_t *res = NULL;
    const char *urls[1];
    char dead[64];

    /* Every failed attempt reaches the hook at once, with the endpoint's
     * counters already updated (the scanner saves them from there). */
    dead_url(dead, sizeof(dead));
    urls[0] = dead;
    test_opts(&o, urls, 1);
    o.max_attempts = 3;
    o.on_fail = count_fail;
    o.on_fail_ud = &seen;
    c = test_client(&o);
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_TRANSPORT);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_int_eq(seen.last.kind, RPC_ERR_TRANSPORT);
    ck_assert_str_eq(seen.last.endpoint, dead);
    ck_assert_int_eq(stat_int(c, 0, "errors"), 3);
    rpc_free(c);
}
END_TEST

START_TEST(test_rpc__throttled_fails_over_without_sleep)
{
    static const struct mock_step steps[] = {
        { .status = 429, .body = "", .retry_after = "30", .loop = 1 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock a, b;
    json_t *res = NULL;
    const char *urls[2];
    uint64_t t0;

    mock_start(&a, steps, ARRAY_SIZE(steps));
    mock_start(&b, NULL, 0);
    urls[0] = a.url;
    urls[1] = b.url;
    test_opts(&o, urls, 2);
    c = test_client(&o);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x4", &res, &e), RPC_OK);
    ck_assert_uint_lt(util_now_ms() - t0, 800);
    json_decref(res);
    ck_assert_uint_eq(mock_requests(&a), 1);
    ck_assert_uint_eq(mock_requests(&b), 1);
    ck_assert_int_eq(stat_int(c, 0, "throttled"), 1);
    rpc_free(c);
    mock_stop(&a);
    mock_stop(&b);
}
END_TEST

static void *raise_stop(void *arg)
{
    sleep_ms(*(unsigned *)arg);
    atomic_store(&test_stop, true);
    return NULL;
}

START_TEST(test_rpc__stop_aborts_backoff)
{
    static const struct mock_step steps[] = {
        { .status = 503, .body = "", .loop = 1 },
    };
    static unsigned after = 200;
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    pthread_t th;
    uint64_t t0, dt;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.backoff_base_ms = 10000;
    o.backoff_max_ms = 20000;
    o.max_attempts = 10;
    c = test_client(&o);
    ck_assert_int_eq(pthread_create(&th, NULL, raise_stop,
                                    &after), 0);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_STOPPED);
    dt = util_now_ms() - t0;
    pthread_join(th, NULL);
    ck_assert_msg(dt >= 150 && dt < 600, "stopped after %llu ms",
                  (unsigned long long)dt);
    ck_assert_int_eq(e.kind, RPC_ERR_STOPPED);
    ck_assert_uint_eq(mock_requests(&m), 1);
    /* Once stopped, calls end at once. */
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_STOPPED);
    ck_assert_uint_eq(mock_requests(&m), 1);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__stop_aborts_transfer)
{
    static const struct mock_step steps[] = {
        { .delay_ms = 1200 },
    };
    static unsigned after = 100;
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock m;
    json_t *res = NULL;
    const char *urls[1];
    pthread_t th;
    uint64_t t0, dt;

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.timeout_s = 10;
    c = test_client(&o);
    ck_assert_int_eq(pthread_create(&th, NULL, raise_stop,
                                    &after), 0);
    t0 = util_now_ms();
    ck_assert_int_eq(call1(c, "eth_blockNumber", NULL, &res, &e),
                     RPC_ERR_STOPPED);
    dt = util_now_ms() - t0;
    pthread_join(th, NULL);
    ck_assert_msg(dt < 1150, "stopped after %llu ms", (unsigned long long)dt);
    ck_assert_int_eq(stat_int(c, 0, "errors"), 0);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__rotate)
{
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error e;
    struct mock a, b;
    json_t *res = NULL;
    const char *urls[2];

    mock_start(&a, NULL, 0);
    mock_start(&b, NULL, 0);
    urls[0] = a.url;
    urls[1] = b.url;
    test_opts(&o, urls, 2);
    c = test_client(&o);
    ck_assert_str_eq(rpc_endpoint(c), a.url);
    rpc_rotate(c, "head is lagging");
    ck_assert_str_eq(rpc_endpoint(c), b.url);
    ck_assert_int_eq(call1(c, "eth_blockNumber", "0x1", &res, &e), RPC_OK);
    json_decref(res);
    ck_assert_uint_eq(mock_requests(&a), 0);
    ck_assert_uint_eq(mock_requests(&b), 1);
    rpc_rotate(c, "again");
    ck_assert_str_eq(rpc_endpoint(c), a.url);
    rpc_free(c);
    mock_stop(&a);
    mock_stop(&b);
}
END_TEST

/* Runs a 3-item batch of eth_getTransactionByHash("0xaa"/"0xbb"/"0xcc"). */
static int batch3(struct rpc_client *c, json_t **res, struct rpc_error *errs)
{
    static const char *const methods[3] = {
        "eth_getTransactionByHash", "eth_getTransactionByHash",
        "eth_getTransactionByHash",
    };
    static const char *const args[3] = { "0xaa", "0xbb", "0xcc" };
    json_t *params[3];
    size_t i;

    for (i = 0; i < 3; i++)
        params[i] = json_pack("[s]", args[i]);
    return rpc_batch(c, 3, methods, params, res, errs);
}

static void batch_release(json_t **res, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        json_decref(res[i]);
}

START_TEST(test_rpc__batch_out_of_order)
{
    static const struct mock_step steps[] = {
        { .fn = mock_reverse },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
    ck_assert_str_eq(json_string_value(res[0]), "0xaa");
    ck_assert_str_eq(json_string_value(res[1]), "0xbb");
    ck_assert_str_eq(json_string_value(res[2]), "0xcc");
    ck_assert_int_eq(errs[0].kind, RPC_OK);
    ck_assert_int_eq(errs[2].kind, RPC_OK);
    batch_release(res, 3);
    ck_assert_uint_eq(m.batch_requests, 1);
    ck_assert_uint_eq(m.last_batch_len, 3);
    ck_assert_int_eq(stat_int(c, 0, "requests"), 1);
    ck_assert_int_eq(stat_int(c, 0, "calls"), 3);
    ck_assert(stat_true(c, 0, "supports_batch"));
    ck_assert_int_eq(rpc_batch(c, 0, NULL, NULL, NULL, NULL), RPC_OK);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__batch_item_error)
{
    static const struct mock_step steps[] = {
        { .fn = mock_one_error },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
    ck_assert_str_eq(json_string_value(res[0]), "0xaa");
    ck_assert_ptr_null(res[1]);
    ck_assert_int_eq(errs[1].kind, RPC_ERR_RPC);
    ck_assert_int_eq(errs[1].code, -32000);
    ck_assert_str_eq(errs[1].message, "header not found");
    ck_assert_str_eq(errs[1].endpoint, m.url);
    ck_assert_str_eq(json_string_value(res[2]), "0xcc");
    batch_release(res, 3);
    ck_assert_uint_eq(m.batch_requests, 1); /* item errors: no retry */
    ck_assert_int_eq(stat_int(c, 0, "errors"), 1);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__batch_rejected_fallback)
{
    static const struct mock_step no_batch[] = {
        { .fn = mock_no_batch, .loop = 1 },
    };
    static const struct mock_step first_only[] = {
        { .fn = mock_first_only, .loop = 1 },
    };
    const struct mock_step *scripts[2] = { no_batch, first_only };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];
    size_t k;

    for (k = 0; k < 2; k++) {
        mock_start(&m, scripts[k], 1);
        urls[0] = m.url;
        test_opts(&o, urls, 1);
        c = test_client(&o);
        ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
        ck_assert_str_eq(json_string_value(res[0]), "0xaa");
        ck_assert_str_eq(json_string_value(res[1]), "0xbb");
        ck_assert_str_eq(json_string_value(res[2]), "0xcc");
        batch_release(res, 3);
        ck_assert_uint_eq(m.batch_requests, 1);
        ck_assert_uint_eq(mock_requests(&m), 4);
        ck_assert(!stat_true(c, 0, "supports_batch"));
        /* Remembered: the next batch goes one by one straight away. */
        ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
        ck_assert_str_eq(json_string_value(res[2]), "0xcc");
        batch_release(res, 3);
        ck_assert_uint_eq(m.batch_requests, 1);
        ck_assert_uint_eq(mock_requests(&m), 7);
        ck_assert_int_eq(stat_int(c, 0, "errors"), 0);
        rpc_free(c);
        mock_stop(&m);
    }
}
END_TEST

START_TEST(test_rpc__batch_throttled_item_retried)
{
    static const struct mock_step steps[] = {
        { .fn = mock_throttle_first },
        { .fn = mock_drop_last },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    c = test_client(&o);
    /* Round 1: item 0 throttled.  Round 2 (item 0 alone): dropped.
     * Round 3: answered. */
    ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
    ck_assert_str_eq(json_string_value(res[0]), "0xaa");
    ck_assert_str_eq(json_string_value(res[1]), "0xbb");
    ck_assert_str_eq(json_string_value(res[2]), "0xcc");
    ck_assert_int_eq(errs[0].kind, RPC_OK);
    batch_release(res, 3);
    ck_assert_uint_eq(m.batch_requests, 3);
    ck_assert_uint_eq(m.last_batch_len, 1);
    ck_assert_int_eq(stat_int(c, 0, "throttled"), 1);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__batch_item_left_unanswered)
{
    static const struct mock_step steps[] = {
        { .fn = mock_drop_last, .loop = 1 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 2;
    c = test_client(&o);
    /* The transport worked: RPC_OK, with the item's own error. */
    ck_assert_int_eq(batch3(c, res, errs), RPC_OK);
    ck_assert_str_eq(json_string_value(res[0]), "0xaa");
    ck_assert_str_eq(json_string_value(res[1]), "0xbb");
    ck_assert_ptr_null(res[2]);
    ck_assert_int_eq(errs[2].kind, RPC_ERR_BAD_REPLY);
    ck_assert_ptr_nonnull(strstr(errs[2].message, "no reply"));
    batch_release(res, 3);
    ck_assert_uint_eq(m.batch_requests, 2);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__batch_transport_failure)
{
    static const struct mock_step steps[] = {
        { .status = 502, .body = "bad gateway" },
        { .fn = mock_echo, .status = 500, .loop = 1 },
    };
    struct rpc_options o;
    struct rpc_client *c;
    struct rpc_error errs[3];
    struct mock m;
    json_t *res[3];
    const char *urls[1];

    mock_start(&m, steps, ARRAY_SIZE(steps));
    urls[0] = m.url;
    test_opts(&o, urls, 1);
    o.max_attempts = 3;
    c = test_client(&o);
    ck_assert_int_eq(batch3(c, res, errs), RPC_ERR_TRANSPORT);
    ck_assert_ptr_null(res[0]);
    ck_assert_ptr_null(res[2]);
    ck_assert_int_eq(errs[0].kind, RPC_ERR_TRANSPORT);
    ck_assert_int_eq(errs[2].http_status, 500);
    ck_assert_uint_eq(m.batch_requests, 3);
    rpc_free(c);
    mock_stop(&m);
}
END_TEST

START_TEST(test_rpc__new_rejects_bad_options)
{
    struct rpc_options o;
    struct rpc_client *c = NULL;
    const char *urls[2] = { "http://127.0.0.1:1/", "" };

    ck_assert_int_eq(rpc_new(NULL, &c), -1);
    test_opts(&o, urls, 0);
    ck_assert_int_eq(rpc_new(&o, &c), -1);
    test_opts(&o, urls, 2);
    ck_assert_int_eq(rpc_new(&o, &c), -1);
    ck_assert_ptr_null(c);
}
END_TEST

static Suite *rpc_suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *pure = tcase_create("pure");
    TCase *net = tcase_create("http");

    tcase_add_checked_fixture(pure, setup, NULL);
    tcase_add_test(pure, test_rpc__quantity);
    tcase_add_test(pure, test_rpc__sanitize_url);
    tcase_add_test(pure, test_rpc__classify_table);
    tcase_add_test(pure, test_rpc__classify_edges);
    tcase_add_test(pure, test_rpc__parse_reply_recorded);
    tcase_add_test(pure, test_rpc__parse_reply_details);
    tcase_add_test(pure, test_rpc__parse_batch_recorded);
    suite_add_tcase(s, pure);

    tcase_add_unchecked_fixture(net, global_setup, global_teardown);
    tcase_add_checked_fixture(net, setup, NULL);
    tcase_set_timeout(net, 30);
    tcase_add_test(net, test_rpc__new_rejects_bad_options);
    tcase_add_test(net, test_rpc__call_ok);
    tcase_add_test(net, test_rpc__recorded_getlogs_over_http);
    tcase_add_test(net, test_rpc__throttled_retry_after);
    tcase_add_test(net, test_rpc__throttled_no_retry_after);
    tcase_add_test(net, test_rpc__throttled_gives_up);
    tcase_add_test(net, test_rpc__server_error_retried);
    tcase_add_test(net, test_rpc__timeout);
    tcase_add_test(net, test_rpc__bad_json);
    tcase_add_test(net, test_rpc__error_in_200_not_retried);
    tcase_add_test(net, test_rpc__provider_texts_over_http);
    tcase_add_test(net, test_rpc__size_cap);
    tcase_add_test(net, test_rpc__wrong_chain_failover);
    tcase_add_test(net, test_rpc__wrong_chain_everywhere);
    tcase_add_test(net, test_rpc__chain_rechecked_after_failure);
    tcase_add_test(net, test_rpc__failover_dead_endpoint);
    tcase_add_test(net, test_rpc__on_fail_hook);
    tcase_add_test(net, test_rpc__throttled_fails_over_without_sleep);
    tcase_add_test(net, test_rpc__stop_aborts_backoff);
    tcase_add_test(net, test_rpc__stop_aborts_transfer);
    tcase_add_test(net, test_rpc__rotate);
    tcase_add_test(net, test_rpc__batch_out_of_order);
    tcase_add_test(net, test_rpc__batch_item_error);
    tcase_add_test(net, test_rpc__batch_rejected_fallback);
    tcase_add_test(net, test_rpc__batch_throttled_item_retried);
    tcase_add_test(net, test_rpc__batch_item_left_unanswered);
    tcase_add_test(net, test_rpc__batch_transport_failure);
    suite_add_tcase(s, net);
    return s;
}

UNIT_MAIN(rpc_suite)
