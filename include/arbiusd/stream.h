/*
 * stream.h - /api/v1/stream: Server-Sent Events of new tasks, new
 * solutions and updated figures.
 *
 * chain/ and web/ meet only in the database, so one watcher thread (the
 * hub's) polls scan_state on its own read-only connection every
 * STREAM_POLL_MS, and at once when stream_wake() says a range was just
 * committed (serve wires the scanner's commit hook to it); when the
 * indexed head moves it reads what landed since
 * the previous head (at most STREAM_BATCH rows of each kind, with "more")
 * and the figures, serialises each event once and queues it for every
 * client.  A client's queue holds STREAM_QUEUE events: past that the
 * oldest are dropped and an `event: resync` tells the client it missed
 * some, so a slow client costs a bounded amount of memory and never holds
 * up the others.  A connection with nothing to send is suspended, never
 * polled, and resumed by the watcher.
 *
 * Events (each with `id: <block>`, the head it describes):
 *   tasks      {from, to, items:[...], more}     (stats_activity's rows)
 *   solutions  {from, to, items:[...], more}
 *   stats      stats_summary for the client's ?automine=hide|show
 *   resync     {reason}: events were dropped; refetch what you show
 * plus `: ping` comments every STREAM_PING_S and a `retry:` hint.
 * Last-Event-ID: B replays what landed in (B, head] (bounded the same way).
 *
 * Order at startup: stream_new() before http_server_start(); at shutdown
 * stream_shutdown() (ends every stream, joins the watcher) before
 * http_server_stop(), then stream_free().
 */
#ifndef ARBIUSD_STREAM_H
#define ARBIUSD_STREAM_H

#include "arbiusd/http.h"

#define STREAM_POLL_MS \
    50                           /* scan_state polling period (a read-only
                                    replica's only news of a commit) */
#define STREAM_PING_S   15       /* heartbeat comment period */
#define STREAM_RETRY_MS 3000     /* reconnect hint sent to clients */
#define STREAM_QUEUE    64       /* events queued per client */
#define STREAM_BATCH    200      /* tasks / solutions per event */

struct stream_hub;

/* Creates the hub and starts its watcher thread on ctx->db_path; at most
 * max_clients streams at once.  ctx is borrowed for the hub's life.
 * 0, or -1 after logging. */
int stream_new(const struct http_ctx *ctx, size_t max_clients,
               struct stream_hub **outp /* OUT */) WARN_UNUSED;
/* Refuses new streams, ends the open ones, stops the watcher.  Idempotent;
 * NULL is a no-op. */
void stream_shutdown(struct stream_hub *hub);
/* Frees the hub after http_server_stop().  NULL is a no-op. */
void stream_free(struct stream_hub *hub);

/* Asks the watcher to look at the database now (the scanner of the same
 * process just committed a range); any thread.  NULL: no-op. */
void stream_wake(struct stream_hub *hub);

/* Streams open right now (for /metrics and /admin); NULL hub: 0. */
size_t stream_clients(struct stream_hub *hub);

/* GET /api/v1/stream (the route handler). */
int stream_api(struct http_req *req, struct http_resp *resp);

#endif
