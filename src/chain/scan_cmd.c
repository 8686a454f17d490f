/*
 * scan_cmd.c - the scanner thread of `serve` and the `scan` command.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/app.h"
#include "arbiusd/log.h"
#include "arbiusd/scanner.h"

struct scanner_thread {
    pthread_t tid;
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct app *app;
    struct db *db;             /* the writer connection, owned */
    struct scanner *sc;
};

static void *scanner_main(void *arg)
{
    struct scanner_thread *t = arg;
    uint64_t interval = t->app->cfg.poll_interval;

    log_info("scanner: polling %s every %" PRIu64 " s",
             t->app->cfg.rpc_urls.items[0], interval);
    while (!atomic_load(&t->stop)) {
        struct timespec ts;

        if (scanner_sync(t->sc) < 0 && !atomic_load(&t->stop))
            log_debug("scanner: poll failed; next try in %" PRIu64 " s",
                      interval);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)interval;
        pthread_mutex_lock(&t->mu);
        while (!atomic_load(&t->stop)) {
            int r = pthread_cond_timedwait(&t->cv, &t->mu, &ts);

            if (r == ETIMEDOUT)
                break;
        }
        pthread_mutex_unlock(&t->mu);
    }
    scanner_save_stats(t->sc);
    return NULL;
}

int app_scanner_start(struct app *app)
{
    struct scanner_thread *t = xcalloc(1, sizeof(*t));

    atomic_init(&t->stop, false);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->app = app;
    if (db_open(app->cfg.db_path, DB_READWRITE, app->cfg.busy_timeout,
                &t->db) < 0 ||
        scanner_new(&app->cfg, t->db, &t->stop, &t->sc) < 0 ||
        pthread_create(&t->tid, NULL, scanner_main, t) != 0) {
        log_warnx("scanner: cannot start");
        scanner_free(t->sc);
        db_close(t->db);
        free(t);
        return -1;
    }
    app->scanner = (struct scanner *)t;
    return 0;
}

void app_scanner_stop(struct app *app)
{
    struct scanner_thread *t = (struct scanner_thread *)app->scanner;

    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->stop, true);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
    scanner_free(t->sc);
    if (db_checkpoint(t->db) < 0)
        log_warnx("scanner: WAL checkpoint at exit failed");
    db_close(t->db);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    app->scanner = NULL;
}

/* ---- `arbiusd scan` ---- */

static atomic_bool scan_stop;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&scan_stop, true);
}

/* One rewriting line on a terminal: blocks/s, events/s, ETA. */
static void progress_line(const struct scan_progress *p, void *ud)
{
    double secs = (double)(util_now_us() - p->started_us) / 1e6;
    uint64_t done = p->done_to >= p->from ? p->done_to - p->from + 1 : 0;
    uint64_t total = p->to >= p->from ? p->to - p->from + 1 : 0;
    double bps = secs > 0 ? (double)done / secs : 0;
    double eps = secs > 0 ? (double)p->events / secs : 0;
    double eta = bps > 0 ? (double)(total - done) / bps : 0;

    (void)ud;
    fprintf(stderr,
            "\rscan: block %" PRIu64 " of %" PRIu64 " (%.1f%%)  %.0f blocks/s"
            "  %.0f events/s  %" PRIu64 " events  ETA %.0fs   ",
            p->done_to, p->to, total ? 100.0 * (double)done / (double)total : 100.0,
            bps, eps, p->events, eta);
    fflush(stderr);
}

static int parse_num(const char *flag, const char *v, uint64_t *out)
{
    if (!v || util_parse_u64(v, 0, UINT64_MAX, out) < 0) {
        fprintf(stderr, "arbiusd scan: %s needs a whole number, got '%s'\n"
                        "Try 'arbiusd scan --help'.\n",
                flag, v ? v : "");
        return -1;
    }
    return 0;
}

int app_cmd_scan(struct app *app, int argc, char **argv)
{
    uint64_t blocks = 0, minutes = 0, from = 0, to = 0, head, recovered = 0;
    int have_blocks = 0, have_minutes = 0, have_from = 0, have_to = 0;
    int deep = 0, quiet = 0, modes, i, ret = APP_EXIT_FAIL;
    struct scanner *sc = NULL;
    struct db *db = NULL;
    struct sigaction sa;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--blocks") == 0) {
            if (parse_num(a, v, &blocks) < 0)
                return APP_EXIT_USAGE;
            have_blocks = 1;
            i++;
        } else if (strcmp(a, "--minutes") == 0) {
            if (parse_num(a, v, &minutes) < 0)
                return APP_EXIT_USAGE;
            have_minutes = 1;
            i++;
        } else if (strcmp(a, "--from") == 0) {
            if (parse_num(a, v, &from) < 0)
                return APP_EXIT_USAGE;
            have_from = 1;
            i++;
        } else if (strcmp(a, "--to") == 0) {
            if (parse_num(a, v, &to) < 0)
                return APP_EXIT_USAGE;
            have_to = 1;
            i++;
        } else if (strcmp(a, "--deep-scan") == 0) {
            deep = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else {
            fprintf(stderr, "arbiusd scan: unknown option '%s'\n"
                            "Try 'arbiusd scan --help'.\n", a);
            return APP_EXIT_USAGE;
        }
    }
    modes = have_blocks + have_minutes + (have_from || have_to) + deep;
    if (modes != 1 || have_from != have_to) {
        fprintf(stderr, "arbiusd scan: give exactly one of --blocks N, "
                        "--minutes N, --from A --to B, --deep-scan\n"
                        "Try 'arbiusd scan --help'.\n");
        return APP_EXIT_USAGE;
    }
    if ((have_blocks && blocks == 0) || (have_minutes && minutes == 0) ||
        (have_from && from > to)) {
        fprintf(stderr, "arbiusd scan: empty range\n");
        return APP_EXIT_USAGE;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (quiet)
        log_init(LOG_LVL_WARN);
    if (app_open_db(app, DB_READWRITE, 1, &db) < 0)
        return APP_EXIT_DB;
    if (scanner_new(&app->cfg, db, &scan_stop, &sc) < 0)
        goto out;
    if (!quiet && isatty(STDERR_FILENO))
        scanner_set_progress(sc, progress_line, NULL);
    if (deep) {
        if (scanner_deep_scan(sc, &recovered) < 0)
            goto out;
        if (!quiet)
            printf("deep scan: every indexed range re-read; %" PRIu64
                   " missing rows recovered\n", recovered);
        ret = 0;
        goto out;
    }
    if (have_blocks || have_minutes) {
        if (scanner_head(sc, &head) < 0)
            goto out;
        to = head;
        if (have_blocks) {
            from = blocks > head ? 0 : head - blocks + 1;
        } else if (scanner_block_at_time(sc, util_wall_s() -
                                                 (int64_t)minutes * 60,
                                         &from) < 0) {
            goto out;
        }
    }
    if (scanner_scan_range(sc, from, to) < 0)
        goto out;
    if (!quiet) {
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        printf("scanned blocks %" PRIu64 "-%" PRIu64 "\n", from, to);
    }
    ret = 0;
out:
    if (atomic_load(&scan_stop)) {
        fprintf(stderr, "\narbiusd scan: interrupted; committed ranges are "
                        "kept\n");
        ret = APP_EXIT_FAIL;
    }
    scanner_save_stats(sc);
    scanner_free(sc);
    if (db && db_checkpoint(db) < 0)
        ret = APP_EXIT_FAIL;
    db_close(db);
    return ret;
}
