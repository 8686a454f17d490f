/*
 * worker.h - one background thread that runs a step function on a schedule.
 *
 * Every background thread of the daemon is a worker (Redis's bio.c idea:
 * one primitive, so that what runs concurrently is visible in one place,
 * cmd/serve.c, and every thread starts, wakes and stops the same way):
 *
 *     static int64_t step(struct worker *w, void *arg)
 *     {
 *         ... one unit of work; long loops check worker_stopping(w) ...
 *         return 1000;            // run again in 1000 ms (0: at once)
 *     }
 *     static const struct worker_def def = { "sampler", step, NULL };
 *     struct worker *w;
 *     if (worker_start(&def, arg, &w) < 0) ...
 *     worker_wake(w);             // the next step runs at once
 *     worker_stop(w);             // stop flag, wake, join, free
 *
 * The step runs on the worker's thread only, never concurrently with
 * itself.  A wake that arrives while a step runs is kept: the wait after
 * that step returns at once.  The stop flag is atomic; worker_stopping()
 * may be called from the step at any time to cut a long step short.
 */
#ifndef ARBIUSD_WORKER_H
#define ARBIUSD_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arbiusd/util.h"

struct worker;

/* A step's return value that ends the worker (after its done hook). */
#define WORKER_DONE ((int64_t)-1)

/*
 * One unit of work.  Returns the milliseconds to wait before the next step
 * (0: at once, unless stopping), or WORKER_DONE.  The wait ends early on
 * worker_wake() and on worker_stop().
 */
typedef int64_t (*worker_step_fn)(struct worker *w, void *arg);

struct worker_def {
    const char *name;          /* thread name in logs and ps (<= 15 chars) */
    worker_step_fn step;       /* runs until it returns WORKER_DONE or stop */
    void (*done)(void *arg);   /* optional: last thing on the thread (close
                                  what the steps opened); arg is borrowed */
};

/*
 * Starts a thread running def->step(w, arg) at once and then on the
 * schedule the steps return.  def and arg are borrowed until worker_stop()
 * returns.  0, or -1 (logged) if the thread cannot be created.
 */
int worker_start(const struct worker_def *def, void *arg,
                 struct worker **outp /* OUT */) WARN_UNUSED;

/*
 * The same in two steps, for a worker whose arg needs the stop flag before
 * the thread runs (worker_stop_flag()): worker_new() makes the worker
 * without a thread, worker_run() starts it.  worker_stop() frees a worker
 * that never ran.  0, or -1 (logged).
 */
int worker_new(const struct worker_def *def, void *arg,
               struct worker **outp /* OUT */) WARN_UNUSED;
int worker_run(struct worker *w) WARN_UNUSED;

/* Ends the current wait (or the next one, if a step is running). */
void worker_wake(struct worker *w);

/* 1 once worker_stop() was called (any thread may ask). */
int worker_stopping(const struct worker *w);

/* The stop flag itself, for code below the step that polls a flag of its
 * own (the scanner, the IPFS rounds).  Valid until worker_stop(). */
const atomic_bool *worker_stop_flag(const struct worker *w);

/*
 * For a step that must pause inside itself (a backoff): waits up to ms,
 * less if woken.  Returns 1 if the worker is stopping, else 0.
 */
int worker_sleep(struct worker *w, uint64_t ms);

/* Sets the stop flag and wakes the thread, without waiting for it: lets
 * the caller stop several workers at once, then worker_stop() each. */
void worker_signal_stop(struct worker *w);

/* Stops the worker (flag, wake), waits for its thread to end, frees it.
 * A step in progress finishes first.  NULL is a no-op. */
void worker_stop(struct worker *w);

#endif
