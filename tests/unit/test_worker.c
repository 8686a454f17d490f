/* test_worker.c - the background-thread primitive: schedule, wake, stop. */
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/util.h"
#include "arbiusd/worker.h"
#include "unit.h"

struct counter {
    atomic_int steps;
    atomic_int done;
    int64_t every;      /* what the step returns */
    int stop_after;     /* > 0: WORKER_DONE after this many steps */
    int sleep_ms;       /* > 0: worker_sleep this long inside the step */
    atomic_int slept_stopping; /* worker_sleep answered "stopping" */
};

static int64_t count_step(struct worker *w, void *arg)
{
    struct counter *c = arg;
    int n = atomic_fetch_add(&c->steps, 1) + 1;

    if (c->sleep_ms > 0 && worker_sleep(w, (uint64_t)c->sleep_ms))
        atomic_store(&c->slept_stopping, 1);
    if (c->stop_after > 0 && n >= c->stop_after)
        return WORKER_DONE;
    return c->every;
}

static void count_done(void *arg)
{
    struct counter *c = arg;

    atomic_fetch_add(&c->done, 1);
}

static const struct worker_def counter_def = { "test-counter", count_step,
                                               count_done };

/* Waits up to ms for *v >= want. */
static int wait_for(atomic_int *v, int want, int ms)
{
    uint64_t end = util_now_ms() + (uint64_t)ms;

    while (atomic_load(v) < want) {
        if (util_now_ms() > end)
            return 0;
        usleep(1000);
    }
    return 1;
}

START_TEST(test_worker__runs_at_once_then_waits)
{
    struct counter c = { .every = 60000 };
    struct worker *w;

    ck_assert_int_eq(worker_start(&counter_def, &c, &w), 0);
    ck_assert(wait_for(&c.steps, 1, 2000));
    usleep(50000);
    ck_assert_int_eq(atomic_load(&c.steps), 1); /* next one a minute away */
    worker_stop(w);
    ck_assert_int_eq(atomic_load(&c.done), 1);
}
END_TEST

START_TEST(test_worker__wake_runs_the_next_step_now)
{
    struct counter c = { .every = 60000 };
    struct worker *w;
    uint64_t t0;

    ck_assert_int_eq(worker_start(&counter_def, &c, &w), 0);
    ck_assert(wait_for(&c.steps, 1, 2000));
    t0 = util_now_ms();
    worker_wake(w);
    ck_assert(wait_for(&c.steps, 2, 2000));
    ck_assert_uint_lt(util_now_ms() - t0, 1000);
    worker_stop(w);
}
END_TEST

START_TEST(test_worker__short_interval_repeats)
{
    struct counter c = { .every = 5 };
    struct worker *w;

    ck_assert_int_eq(worker_start(&counter_def, &c, &w), 0);
    ck_assert(wait_for(&c.steps, 5, 5000));
    worker_stop(w);
    ck_assert_int_eq(atomic_load(&c.done), 1);
}
END_TEST

START_TEST(test_worker__done_ends_the_thread)
{
    struct counter c = { .every = 0, .stop_after = 3 };
    struct worker *w;

    ck_assert_int_eq(worker_start(&counter_def, &c, &w), 0);
    ck_assert(wait_for(&c.done, 1, 2000));
    ck_assert_int_eq(atomic_load(&c.steps), 3);
    worker_stop(w); /* joins a thread that already ended */
    ck_assert_int_eq(atomic_load(&c.done), 1);
}
END_TEST

START_TEST(test_worker__stop_cuts_a_sleep_short)
{
    struct counter c = { .every = 60000, .sleep_ms = 60000 };
    struct worker *w;
    uint64_t t0;

    ck_assert_int_eq(worker_start(&counter_def, &c, &w), 0);
    ck_assert(wait_for(&c.steps, 1, 2000));
    usleep(20000);
    t0 = util_now_ms();
    worker_stop(w);
    ck_assert_uint_lt(util_now_ms() - t0, 1000);
    ck_assert_int_eq(atomic_load(&c.slept_stopping), 1);
    ck_assert_int_eq(atomic_load(&c.done), 1);
}
END_TEST

START_TEST(test_worker__stop_null_is_a_noop)
{
    worker_stop(NULL);
    worker_signal_stop(NULL);
}
END_TEST

static Suite *worker_suite(void)
{
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_worker__runs_at_once_then_waits);
    tcase_add_test(tc, test_worker__wake_runs_the_next_step_now);
    tcase_add_test(tc, test_worker__short_interval_repeats);
    tcase_add_test(tc, test_worker__done_ends_the_thread);
    tcase_add_test(tc, test_worker__stop_cuts_a_sleep_short);
    tcase_add_test(tc, test_worker__stop_null_is_a_noop);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(worker_suite)
