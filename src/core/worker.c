/*
 * worker.c - the background-thread primitive (see worker.h).
 */
#include "arbiusd/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "arbiusd/log.h"

struct worker {
    const struct worker_def *def;
    void *arg;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* CLOCK_MONOTONIC */
    int woken;                  /* a wake not yet consumed by a wait */
    int running;                /* the thread was created */
    atomic_bool stopping;
};

/* Absolute CLOCK_MONOTONIC time ms from now. */
static struct timespec deadline_in(uint64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Waits up to ms for a wake or the stop flag; consumes the wake. */
static void wait_ms(struct worker *w, uint64_t ms)
{
    struct timespec ts = deadline_in(ms);

    pthread_mutex_lock(&w->mu);
    while (!w->woken && !atomic_load(&w->stopping)) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    }
    w->woken = 0;
    pthread_mutex_unlock(&w->mu);
}

static void *worker_main(void *p)
{
    struct worker *w = p;

    prctl(PR_SET_NAME, w->def->name, 0, 0, 0);
    while (!atomic_load(&w->stopping)) {
        int64_t next = w->def->step(w, w->arg);

        if (next < 0)
            break;
        wait_ms(w, (uint64_t)next); /* 0: only consumes a pending wake */
    }
    if (w->def->done)
        w->def->done(w->arg);
    return NULL;
}

int worker_new(const struct worker_def *def, void *arg,
               struct worker **outp)
{
    struct worker *w = xcalloc(1, sizeof(*w));
    pthread_condattr_t ca;

    w->def = def;
    w->arg = arg;
    atomic_init(&w->stopping, false);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    *outp = w;
    return 0;
}

int worker_run(struct worker *w)
{
    int e = pthread_create(&w->tid, NULL, worker_main, w);

    if (e != 0) {
        log_warnx("%s: cannot start its thread: %s", w->def->name,
                  strerror(e));
        return -1;
    }
    w->running = 1;
    return 0;
}

int worker_start(const struct worker_def *def, void *arg,
                 struct worker **outp)
{
    struct worker *w;

    if (worker_new(def, arg, &w) < 0)
        return -1;
    if (worker_run(w) < 0) {
        worker_stop(w);
        return -1;
    }
    *outp = w;
    return 0;
}

void worker_wake(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int worker_stopping(const struct worker *w)
{
    return atomic_load(&w->stopping);
}

const atomic_bool *worker_stop_flag(const struct worker *w)
{
    return &w->stopping;
}

int worker_sleep(struct worker *w, uint64_t ms)
{
    if (!atomic_load(&w->stopping))
        wait_ms(w, ms);
    return atomic_load(&w->stopping);
}

void worker_signal_stop(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stopping, true);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    worker_signal_stop(w);
    if (w->running)
        pthread_join(w->tid, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
