/*
 * stream.c - /api/v1/stream: the watcher thread and the Server-Sent Events
 * fan-out (see stream.h).
 *
 * Locking: one mutex per hub guards the client list, every client's queue
 * and flags, and the reference counts of the shared messages.  Critical
 * sections only move pointers and copy at most one send buffer; database
 * reads happen outside it.  A connection is suspended by its own pool
 * thread (in the reader, under the lock, when its queue is empty) and
 * resumed only by the watcher thread, outside the lock, after it cleared
 * `suspended` under the lock: so a connection is resumed exactly once per
 * suspension and is still alive when it is (MHD never completes a
 * suspended connection while the daemon runs, and the watcher is joined
 * before the daemon stops).
 */
#include "arbiusd/stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/list.h"
#include "arbiusd/log.h"
#include "arbiusd/params.h"
#include "arbiusd/stats.h"
#include "arbiusd/worker.h"

#define STREAM_SHUTDOWN_MS 2000  /* wait for streams to end at shutdown */

/* One serialised event, shared by every queue that holds it. */
struct stream_msg {
    unsigned refs;                /* guarded by the hub's lock */
    size_t len;
    char data[];                  /* "id: ..\nevent: ..\ndata: ..\n\n" */
};

struct stream_client {
    struct stream_hub *hub;
    struct MHD_Connection *conn;  /* borrowed; valid until client_free */
    struct stream_client *prev, *next;
    uint64_t id;                  /* serial, to find it again after I/O */
    struct stream_msg *q[STREAM_QUEUE]; /* ring of queued events */
    size_t head, count;
    size_t off;                   /* bytes of q[head] already sent */
    int show;                     /* automine=show */
    int suspended;                /* we suspended conn; watcher resumes */
    int done;                     /* end the stream once the queue is sent */
    int64_t replay_from;          /* >= 0: Last-Event-ID replay pending */
    int64_t replay_to;            /* ... of (replay_from, replay_to] */
    uint64_t dropped;             /* events dropped (slow reader) */
};

/* The watcher's state between steps (its thread only). */
struct watcher_state {
    struct db *db;
    uint64_t gen;                 /* http_db_generation() db was opened at */
    uint64_t next_ping;
};

/* A pending replay, copied out of the lock. */
struct stream_replay {
    uint64_t id;
    int64_t from, to;
};

struct stream_hub {
    const struct http_ctx *ctx;   /* borrowed */
    size_t max_clients;
    struct worker *watcher;       /* core/worker.h; NULL once stopped */
    pthread_mutex_t lock;
    pthread_cond_t cond;          /* signals a client leaving */
    int closing;                  /* refuse clients, watcher exits */
    int replay_pending;           /* some client has replay_from >= 0 */
    int ping_now;                 /* at the limit: probe for dead clients */
    struct stream_client *clients;
    size_t nclients;
    uint64_t serial;
    struct stats_head last;       /* head of the last broadcast */
    struct stream_msg *stats[2];  /* latest stats event: hide, show */
    struct stream_msg *retry, *ping, *resync; /* constant messages */
    struct watcher_state ws;      /* the watcher thread's own */
    /* watcher-only scratch, max_clients entries each */
    struct MHD_Connection **wake;
    struct stream_replay *replays;
};

/* ---- messages ---- */

/* A new message holding a copy of s (one reference, the caller's). */
static struct stream_msg *msg_new(const char *s, size_t len)
{
    struct stream_msg *m = xmalloc(sizeof(*m) + len + 1);

    m->refs = 1;
    m->len = len;
    memcpy(m->data, s, len);
    m->data[len] = '\0';
    return m;
}

/* "id: block\nevent: name\ndata: json\n\n"; borrows v.  NULL (logged) if
 * v cannot be serialised. */
static struct stream_msg *msg_event(int64_t block, const char *name,
                                    const json_t *v)
{
    struct buf b = BUF_INIT(HTTP_MAX_RESPONSE);
    struct stream_msg *m = NULL;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);

    if (!s) {
        log_warnx("stream: cannot serialise %s", name);
        return NULL;
    }
    if (buf_addf(&b, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)block,
                 name, s) < 0)
        log_warnx("stream: %s event too large", name);
    else
        m = msg_new(b.data, b.len);
    free(s);
    buf_release(&b);
    return m;
}

/* Drops one reference (under the lock, or when no other thread can hold
 * m).  NULL is a no-op. */
static void msg_unref(struct stream_msg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

/* ---- client queues (all under hub->lock) ---- */

static void queue_push(struct stream_client *c, struct stream_msg *m)
{
    c->q[(c->head + c->count) % STREAM_QUEUE] = m;
    c->count++;
    m->refs++;
}

/* Drops the newest queued event. */
static void queue_pop_tail(struct stream_client *c)
{
    size_t i = (c->head + c->count - 1) % STREAM_QUEUE;

    msg_unref(c->q[i]);
    c->q[i] = NULL;
    c->count--;
}

/*
 * Queues m for c.  A full queue means the client reads slower than events
 * come: every queued event but one half-sent is dropped and a resync
 * event tells the client so, which bounds its memory.  NULL m is a no-op.
 */
static void client_enqueue(struct stream_hub *hub, struct stream_client *c,
                           struct stream_msg *m)
{
    if (!m)
        return;
    if (c->count == STREAM_QUEUE) {
        size_t keep = c->off > 0 ? 1 : 0;

        c->dropped += c->count - keep;
        while (c->count > keep)
            queue_pop_tail(c);
        queue_push(c, hub->resync);
        log_debug("stream: slow client, %llu events dropped so far",
                  (unsigned long long)c->dropped);
    }
    queue_push(c, m);
}

/* Collects into hub->wake the suspended connections that have something
 * to do and clears their flag; returns how many (under the lock). */
static size_t wake_collect(struct stream_hub *hub)
{
    struct stream_client *c;
    size_t n = 0;

    for (c = hub->clients; c; c = c->next)
        if (c->suspended && (c->count > 0 || c->done) &&
            n < hub->max_clients) {
            c->suspended = 0;
            hub->wake[n++] = c->conn;
        }
    return n;
}

/* Resumes what wake_collect() gathered (outside the lock). */
static void wake_run(struct stream_hub *hub, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        http_conn_resume(hub->wake[i]);
}

/* ---- the response: reader and free callbacks (pool threads) ---- */

/* Copies queued bytes; suspends the connection when there are none. */
static ssize_t client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream_client *c = cls;
    struct stream_hub *hub = c->hub;
    size_t n = 0;

    (void)pos;
    pthread_mutex_lock(&hub->lock);
    while (n < max && c->count > 0) {
        struct stream_msg *m = c->q[c->head];
        size_t k = m->len - c->off;

        if (k > max - n)
            k = max - n;
        memcpy(buf + n, m->data + c->off, k);
        n += k;
        c->off += k;
        if (c->off == m->len) {
            msg_unref(m);
            c->q[c->head] = NULL;
            c->head = (c->head + 1) % STREAM_QUEUE;
            c->count--;
            c->off = 0;
        }
    }
    if (n == 0) {
        if (c->done) {
            pthread_mutex_unlock(&hub->lock);
            return HTTP_STREAM_END;
        }
        /* Under the lock, so the watcher sees suspended only once the
         * connection really is suspended. */
        c->suspended = 1;
        http_conn_suspend(c->conn);
    }
    pthread_mutex_unlock(&hub->lock);
    return (ssize_t)n;
}

/* The response is gone: unlink and free the client. */
static void client_free(void *cls)
{
    struct stream_client *c = cls;
    struct stream_hub *hub = c->hub;

    pthread_mutex_lock(&hub->lock);
    LIST_UNLINK(&hub->clients, c, prev, next);
    hub->nclients--;
    while (c->count > 0)
        queue_pop_tail(c);
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
    free(c);
}

/* ---- the watcher ---- */

/* Serves pending Last-Event-ID replays, each before any newer event. */
static void watch_replays(struct stream_hub *hub, struct db *db)
{
    struct stream_client *c;
    size_t n = 0, i;

    pthread_mutex_lock(&hub->lock);
    if (hub->replay_pending)
        for (c = hub->clients; c && n < hub->max_clients; c = c->next)
            if (c->replay_from >= 0) {
                hub->replays[n].id = c->id;
                hub->replays[n].from = c->replay_from;
                hub->replays[n].to = c->replay_to;
                n++;
            }
    hub->replay_pending = 0;
    pthread_mutex_unlock(&hub->lock);

    for (i = 0; i < n; i++) {
        struct stream_replay *r = &hub->replays[i];
        struct stream_msg *mt = NULL, *ms = NULL;
        json_t *act = NULL;
        size_t nw;

        if (stats_activity(db, r->from, r->to, STREAM_BATCH, &act) == 0) {
            json_t *t = json_object_get(act, "tasks");
            json_t *s = json_object_get(act, "solutions");

            json_object_set(t, "from", json_object_get(act, "from"));
            json_object_set(t, "to", json_object_get(act, "to"));
            json_object_set(s, "from", json_object_get(act, "from"));
            json_object_set(s, "to", json_object_get(act, "to"));
            mt = msg_event(r->to, "tasks", t);
            ms = msg_event(r->to, "solutions", s);
        }
        json_decref(act);
        pthread_mutex_lock(&hub->lock);
        /* Only this thread changes replay_to, so it is still r->to. */
        for (c = hub->clients; c; c = c->next)
            if (c->id == r->id) {
                client_enqueue(hub, c, mt);
                client_enqueue(hub, c, ms);
                c->replay_from = -1;
                break;
            }
        msg_unref(mt);
        msg_unref(ms);
        nw = wake_collect(hub);
        pthread_mutex_unlock(&hub->lock);
        wake_run(hub, nw);
    }
}

/* Has a kind's {items, more} anything to say? */
static int activity_nonempty(const json_t *kind)
{
    return json_array_size(json_object_get(kind, "items")) > 0 ||
           json_is_true(json_object_get(kind, "more"));
}

/* One poll: if the head moved, broadcast what landed and the figures. */
static void watch_head(struct stream_hub *hub, struct db *db)
{
    struct stats_head h, last;
    struct stream_msg *mt = NULL, *ms = NULL, *st[2] = { NULL, NULL };
    struct stream_client *c;
    json_t *act = NULL, *sum = NULL;
    size_t nw;
    int i;

    if (stats_head(db, &h) < 0 || !h.initialized)
        return;
    pthread_mutex_lock(&hub->lock);
    last = hub->last;
    pthread_mutex_unlock(&hub->lock);
    if (last.initialized && h.block == last.block &&
        strcmp(h.hash, last.hash) == 0)
        return;
    /* A head that went back (a reorg) only refreshes the figures. */
    if (last.initialized && h.block > last.block) {
        if (stats_activity(db, last.block, h.block, STREAM_BATCH, &act) < 0)
            return;
        for (i = 0; i < 2; i++) {
            const char *name = i ? "solutions" : "tasks";
            json_t *k = json_object_get(act, name);

            if (!activity_nonempty(k))
                continue;
            json_object_set(k, "from", json_object_get(act, "from"));
            json_object_set(k, "to", json_object_get(act, "to"));
            if (i)
                ms = msg_event(h.block, name, k);
            else
                mt = msg_event(h.block, name, k);
        }
        json_decref(act);
    }
    for (i = 0; i < 2; i++) {
        if (stats_summary(db, i, &sum) < 0)
            goto out;
        /* The figures may be of a newer head than h: say which. */
        st[i] = msg_event(h.block, "stats", sum);
        json_decref(sum);
        sum = NULL;
    }

    pthread_mutex_lock(&hub->lock);
    for (i = 0; i < 2; i++) {
        msg_unref(hub->stats[i]);
        hub->stats[i] = st[i];
        st[i] = NULL;
    }
    for (c = hub->clients; c; c = c->next) {
        if (c->replay_from >= 0) {
            /* Its replay has not been served yet: widen it instead, so
             * events stay in block order. */
            c->replay_to = h.block;
            hub->replay_pending = 1;
        } else {
            client_enqueue(hub, c, mt);
            client_enqueue(hub, c, ms);
        }
        client_enqueue(hub, c, hub->stats[c->show]);
    }
    hub->last = h;
    nw = wake_collect(hub);
    pthread_mutex_unlock(&hub->lock);
    wake_run(hub, nw);
out:
    /* Queues share these messages: their counts move under the lock. */
    pthread_mutex_lock(&hub->lock);
    msg_unref(mt);
    msg_unref(ms);
    msg_unref(st[0]);
    msg_unref(st[1]);
    pthread_mutex_unlock(&hub->lock);
}

/* Heartbeat comment to every client. */
static void watch_ping(struct stream_hub *hub)
{
    struct stream_client *c;
    size_t nw;

    pthread_mutex_lock(&hub->lock);
    for (c = hub->clients; c; c = c->next)
        client_enqueue(hub, c, hub->ping);
    nw = wake_collect(hub);
    pthread_mutex_unlock(&hub->lock);
    wake_run(hub, nw);
}

/*
 * One look at the database: pending replays, then the head (new events),
 * then the heartbeat when due.  Runs again after STREAM_POLL_MS, or at once
 * when a handler asks (a replay, a probe for dead clients).
 */
static int64_t watcher_step(struct worker *w, void *arg)
{
    struct stream_hub *hub = arg;
    struct watcher_state *ws = &hub->ws;
    int again;

    (void)w;
    pthread_mutex_lock(&hub->lock);
    /* A client that went away while suspended is only noticed when
     * something is written to it: at the limit, ping now (at most once a
     * second) so dead clients free their slots. */
    if (hub->ping_now && util_now_ms() + STREAM_PING_S * 1000 >=
                             ws->next_ping + 1000)
        ws->next_ping = 0;
    hub->ping_now = 0;
    pthread_mutex_unlock(&hub->lock);
    /* A replica's file swapped for a newer copy: read the new one. */
    if (ws->db && ws->gen != http_db_generation()) {
        db_close(ws->db);
        ws->db = NULL;
    }
    if (!ws->db) {
        ws->gen = http_db_generation();
        if (db_open(hub->ctx->db_path, DB_READONLY, hub->ctx->busy_timeout,
                    &ws->db) < 0)
            ws->db = NULL;
    }
    if (ws->db) {
        watch_replays(hub, ws->db);
        watch_head(hub, ws->db);
    }
    if (util_now_ms() >= ws->next_ping) {
        watch_ping(hub);
        ws->next_ping = util_now_ms() + STREAM_PING_S * 1000;
    }
    pthread_mutex_lock(&hub->lock);
    again = hub->replay_pending || hub->ping_now;
    pthread_mutex_unlock(&hub->lock);
    return again ? 0 : STREAM_POLL_MS;
}

/* At stop: every stream ends once what is queued is sent. */
static void watcher_done(void *arg)
{
    struct stream_hub *hub = arg;
    struct stream_client *c;
    size_t nw;

    pthread_mutex_lock(&hub->lock);
    for (c = hub->clients; c; c = c->next)
        c->done = 1;
    nw = wake_collect(hub);
    pthread_mutex_unlock(&hub->lock);
    wake_run(hub, nw);
    db_close(hub->ws.db);
    hub->ws.db = NULL;
}

static const struct worker_def watcher_worker = { "stream-watcher",
                                                  watcher_step,
                                                  watcher_done };

/* Asks the watcher for a step now.  Called with the hub's lock held, so
 * that stream_shutdown() cannot free the worker meanwhile. */
static void watcher_poke(struct stream_hub *hub)
{
    if (hub->watcher)
        worker_wake(hub->watcher);
}

void stream_wake(struct stream_hub *hub)
{
    if (!hub)
        return;
    pthread_mutex_lock(&hub->lock);
    watcher_poke(hub);
    pthread_mutex_unlock(&hub->lock);
}

/* ---- lifecycle ---- */

size_t stream_clients(struct stream_hub *hub)
{
    size_t n;

    if (!hub)
        return 0;
    pthread_mutex_lock(&hub->lock);
    n = hub->nclients;
    pthread_mutex_unlock(&hub->lock);
    return n;
}

int stream_new(const struct http_ctx *ctx, size_t max_clients,
               struct stream_hub **outp)
{
    static const char retry[] = "retry: %d\n\n";
    static const char ping[] = ": ping\n\n";
    static const char resync[] =
        "event: resync\ndata: {\"reason\":\"events dropped: slow reader\"}\n\n";
    struct stream_hub *hub = xcalloc(1, sizeof(*hub));
    char r[64];

    hub->ctx = ctx;
    hub->max_clients = max_clients ? max_clients : 1;
    hub->wake = xcalloc(hub->max_clients, sizeof(*hub->wake));
    hub->replays = xcalloc(hub->max_clients, sizeof(*hub->replays));
    snprintf(r, sizeof(r), retry, STREAM_RETRY_MS);
    hub->retry = msg_new(r, strlen(r));
    hub->ping = msg_new(ping, sizeof(ping) - 1);
    hub->resync = msg_new(resync, sizeof(resync) - 1);
    pthread_mutex_init(&hub->lock, NULL);
    pthread_cond_init(&hub->cond, NULL);
    hub->ws.next_ping = util_now_ms() + STREAM_PING_S * 1000;
    if (worker_start(&watcher_worker, hub, &hub->watcher) < 0) {
        stream_free(hub);
        return -1;
    }
    *outp = hub;
    return 0;
}

void stream_shutdown(struct stream_hub *hub)
{
    struct worker *w;
    struct timespec ts;

    if (!hub)
        return;
    pthread_mutex_lock(&hub->lock);
    hub->closing = 1;
    w = hub->watcher;
    hub->watcher = NULL;
    pthread_mutex_unlock(&hub->lock);
    worker_stop(w); /* its done hook ends every stream */
    /* Give ended streams a moment to flush; the daemon closes the rest. */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += STREAM_SHUTDOWN_MS / 1000;
    pthread_mutex_lock(&hub->lock);
    while (hub->nclients > 0)
        if (pthread_cond_timedwait(&hub->cond, &hub->lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&hub->lock);
}

void stream_free(struct stream_hub *hub)
{
    if (!hub)
        return;
    stream_shutdown(hub);
    if (hub->nclients > 0)
        log_warnx("stream: %zu streams still open at exit", hub->nclients);
    msg_unref(hub->stats[0]);
    msg_unref(hub->stats[1]);
    msg_unref(hub->retry);
    msg_unref(hub->ping);
    msg_unref(hub->resync);
    pthread_cond_destroy(&hub->cond);
    pthread_mutex_destroy(&hub->lock);
    free(hub->wake);
    free(hub->replays);
    free(hub);
}

/* ---- the handler ---- */

int stream_api(struct http_req *req, struct http_resp *resp)
{
    struct stream_hub *hub = req->ctx->stream;
    struct stream_client *c;
    const char *v = http_query(req, "automine");
    const char *lei = http_header(req, "Last-Event-ID");
    const char *msg = NULL;
    uint64_t since = 0;
    int show = 0, has_since = 0;

    if (param_automine(v, &show, &msg) < 0)
        return http_reply_error(req, resp, 400, msg);
    /* A bad Last-Event-ID is ignored: the client just gets no replay. */
    if (lei && *lei && util_parse_u64(lei, 0, INT64_MAX, &since) == 0)
        has_since = 1;
    if (!hub)
        return http_reply_error(req, resp, 503, "the stream is unavailable");

    pthread_mutex_lock(&hub->lock);
    if (hub->closing) {
        pthread_mutex_unlock(&hub->lock);
        return http_reply_error(req, resp, 503, "shutting down");
    }
    if (hub->nclients >= hub->max_clients) {
        hub->ping_now = 1;
        watcher_poke(hub);
        pthread_mutex_unlock(&hub->lock);
        http_resp_header(resp, "Retry-After", "10");
        return http_reply_error(req, resp, 503,
                                "too many stream clients, retry later");
    }
    c = xcalloc(1, sizeof(*c));
    c->hub = hub;
    c->conn = req->conn;
    c->id = ++hub->serial;
    c->show = show;
    c->replay_from = -1;
    LIST_PUSH(&hub->clients, c, prev, next);
    hub->nclients++;
    client_enqueue(hub, c, hub->retry);
    client_enqueue(hub, c, hub->stats[show]);
    if (has_since && hub->last.initialized &&
        (int64_t)since < hub->last.block) {
        c->replay_from = (int64_t)since;
        c->replay_to = hub->last.block;
        hub->replay_pending = 1;
        watcher_poke(hub);
    }
    pthread_mutex_unlock(&hub->lock);

    resp->status = 200;
    resp->content_type = "text/event-stream; charset=utf-8";
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_header(resp, "X-Accel-Buffering", "no");
    resp->stream_fn = client_read;
    resp->stream_free = client_free;
    resp->stream_cls = c;
    return 0;
}
