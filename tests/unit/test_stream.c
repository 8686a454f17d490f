/*
 * test_stream.c - unit tests for the stream queues (src/web/stream.c): a
 * slow reader's queue stays bounded, a half-sent event is never cut, a
 * resync marks the drop, and shared messages are released exactly.
 */
#include "../../src/web/stream.c"

#include <string.h>

#include "unit.h"

/* A hub with only what the queues use (no watcher thread). */
static struct stream_hub *hub_make(void)
{
    static const char rs[] = "event: resync\ndata: {}\n\n";
    struct stream_hub *hub = xcalloc(1, sizeof(*hub));

    pthread_mutex_init(&hub->lock, NULL);
    pthread_cond_init(&hub->cond, NULL);
    hub->max_clients = 4;
    hub->resync = msg_new(rs, sizeof(rs) - 1);
    return hub;
}

static void hub_drop(struct stream_hub *hub)
{
    ck_assert_uint_eq(hub->resync->refs, 1);
    msg_unref(hub->resync);
    pthread_mutex_destroy(&hub->lock);
    pthread_cond_destroy(&hub->cond);
    free(hub);
}

/* Reads the whole queue through client_read in chunks of `chunk` bytes
 * (c->done must be set so an empty queue ends the stream). */
static void drain(struct stream_client *c, size_t chunk, struct buf *out)
{
    char tmp[64];
    ssize_t n;

    ck_assert_uint_le(chunk, sizeof(tmp));
    while ((n = client_read(c, 0, tmp, chunk)) > 0)
        ck_assert_int_eq(buf_add(out, tmp, (size_t)n), 0);
    ck_assert_int_eq(n, HTTP_STREAM_END);
}

START_TEST(test_stream__fifo)
{
    struct stream_hub *hub = hub_make();
    struct stream_client c = { .hub = hub, .done = 1 };
    json_t *v = json_pack("{s:i}", "n", 1);
    struct stream_msg *a = msg_event(7, "tasks", v);
    struct stream_msg *b = msg_new(": ping\n\n", 8);
    struct buf out = BUF_INIT(1 << 20);

    json_decref(v);
    client_enqueue(hub, &c, a);
    client_enqueue(hub, &c, b);
    client_enqueue(hub, &c, NULL);
    ck_assert_uint_eq(c.count, 2);
    drain(&c, 5, &out);
    ck_assert_str_eq(out.data, "id: 7\nevent: tasks\ndata: {\"n\":1}\n\n: ping\n\n");
    ck_assert_uint_eq(a->refs, 1);
    ck_assert_uint_eq(b->refs, 1);
    msg_unref(a);
    msg_unref(b);
    buf_release(&out);
    hub_drop(hub);
}
END_TEST

START_TEST(test_stream__slow_reader_bounded)
{
    struct stream_hub *hub = hub_make();
    struct stream_client c = { .hub = hub, .done = 1 };
    struct stream_msg *m[3 * STREAM_QUEUE];
    struct buf out = BUF_INIT(1 << 20);
    char first[64], last[64], tmp[8];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(m); i++) {
        json_t *v = json_pack("{s:i}", "i", (int)i);

        m[i] = msg_event((int64_t)i, "stats", v);
        json_decref(v);
    }
    client_enqueue(hub, &c, m[0]);
    /* Half of the first event is on the wire already. */
    ck_assert_int_eq(client_read(&c, 0, tmp, 5), 5);
    ck_assert_int_eq(buf_add(&out, tmp, 5), 0);
    for (i = 1; i < ARRAY_SIZE(m); i++) {
        client_enqueue(hub, &c, m[i]);
        ck_assert_uint_le(c.count, STREAM_QUEUE);
    }
    ck_assert_uint_gt(c.dropped, 0);
    drain(&c, 13, &out);
    /* The half-sent event is whole, a resync follows, the newest is last. */
    snprintf(first, sizeof(first), "id: 0\nevent: stats\ndata: {\"i\":0}\n\n");
    ck_assert_int_eq(strncmp(out.data, first, strlen(first)), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "event: resync\n"));
    snprintf(last, sizeof(last), "id: %zu\nevent: stats\ndata: {\"i\":%zu}\n\n",
             ARRAY_SIZE(m) - 1, ARRAY_SIZE(m) - 1);
    ck_assert_str_eq(out.data + out.len - strlen(last), last);
    for (i = 0; i < ARRAY_SIZE(m); i++) {
        ck_assert_uint_eq(m[i]->refs, 1);
        msg_unref(m[i]);
    }
    buf_release(&out);
    hub_drop(hub);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_stream__fifo);
    tcase_add_test(tc, test_stream__slow_reader_bounded);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(stream_suite)
