/*
 * serve.c - `arbiusd serve`: everything that runs at once, started in one
 * visible order and stopped in the reverse order.
 *
 * What runs concurrently (every background thread is a core/worker.c
 * worker; the HTTP server is libmicrohttpd's thread pool):
 *
 *   service            module                  threads   writes
 *   social writer      store/social_store.c    -         sign-in, votes, comments
 *   stream watcher     web/stream.c            1         -
 *   progress sampler   web/metrics.c           1         -
 *   HTTP server        web/http.c              pool + 1  (through social)
 *   scanner            chain/scanner.c         1         chain rows, rollups
 *   backup scheduler   store/backup.c          1         backup files
 *   IPFS monitor       ipfs/ipfs_monitor.c     1         ipfs_* tables
 *
 * --read-only runs the readers only (no social writer, scanner, IPFS
 * monitor).  SIGINT/SIGTERM are taken by the main thread with sigwait(),
 * which also pings a systemd watchdog when one is configured.
 */
#include "arbiusd/cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/auth.h"
#include "arbiusd/backup.h"
#include "arbiusd/buf.h"
#include "arbiusd/http.h"
#include "arbiusd/ipfs_monitor.h"
#include "arbiusd/log.h"
#include "arbiusd/metrics.h"
#include "arbiusd/routes.h"
#include "arbiusd/scanner.h"
#include "arbiusd/social_store.h"
#include "arbiusd/status.h"
#include "arbiusd/stream.h"
#include "arbiusd/tmpl.h"

#ifndef ARBIUSD_VERSION
#define ARBIUSD_VERSION "0.1.0"
#endif
#ifndef ARBIUSD_DATADIR
#define ARBIUSD_DATADIR "."
#endif

struct serve {
    struct config *cfg;
    int read_only;
    struct http_ctx hctx;
    struct auth_site site;
    struct tmpl_set *tmpl;
    struct http_server *srv;
    struct stream_hub *hub;
    struct ops_sampler *ops;
    struct scanner_thread *scanner;
    struct backup_sched *backups;
    struct ipfs_thread *ipfs;
};

/* ---- the services, in start order ---- */

static int social_start(struct serve *s)
{
    /* The social write side has a connection of its own; --read-only
     * serves without it (writes answer 503). */
    if (!s->read_only && social_open(s->cfg->db_path, s->cfg->busy_timeout,
                                     &s->hctx.social) < 0)
        return -1;
    return auth_init(&s->hctx);
}

static void social_stop(struct serve *s)
{
    social_free(s->hctx.social);
    s->hctx.social = NULL;
}

static int stream_start(struct serve *s)
{
    if (stream_new(&s->hctx, (size_t)s->cfg->sse_max_clients, &s->hub) < 0)
        return -1;
    s->hctx.stream = s->hub;
    return 0;
}

static void stream_stop(struct serve *s)
{
    stream_free(s->hub); /* after the HTTP server: no handler holds it */
    s->hub = NULL;
}

static int sampler_start(struct serve *s)
{
    if (ops_sampler_new(s->cfg->db_path, s->cfg->busy_timeout, &s->ops) < 0)
        return -1;
    s->hctx.ops = s->ops;
    return 0;
}

static void sampler_stop(struct serve *s)
{
    ops_sampler_free(s->ops);
    s->ops = NULL;
}

/*
 * Every HTTP connection is a file descriptor: raises the soft open-files
 * limit towards the hard one so that [server] max_connections fits, with
 * room for the database, the RPC and gateway sockets.  Warns (and goes on:
 * libmicrohttpd then refuses connections past the limit) when it cannot.
 */
static void fit_open_files(uint64_t max_connections)
{
    const rlim_t want = (rlim_t)max_connections + 128;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want
                      ? rl.rlim_max
                      : want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        log_warnx("http: max_connections %llu needs about %llu open files; "
                  "the limit is %llu (raise it, e.g. LimitNOFILE= in the "
                  "unit)",
                  (unsigned long long)max_connections,
                  (unsigned long long)want, (unsigned long long)rl.rlim_cur);
}

static int http_start(struct serve *s)
{
    fit_open_files(s->cfg->max_connections);
    if (http_server_new(&s->hctx, routes_table(), &s->srv) < 0)
        return -1;
    /* Sign-in's domain is known before the first request can arrive. */
    auth_site_init(&s->site, s->cfg, http_server_port(s->srv));
    s->hctx.site = &s->site;
    return http_server_start(s->srv);
}

static void http_stop(struct serve *s)
{
    atomic_store(&s->hctx.draining, 1);
    stream_shutdown(s->hub); /* ends open streams before the pool stops */
    http_server_stop(s->srv);
    s->srv = NULL;
}

/* The scanner's commit hook: the stream watcher looks at once. */
static void wake_stream(void *hub)
{
    stream_wake(hub);
}

static int scanner_start(struct serve *s)
{
    return s->read_only ? 0
                        : scanner_thread_start(s->cfg, wake_stream, s->hub,
                                               &s->scanner);
}

static void scanner_stop(struct serve *s)
{
    scanner_thread_stop(s->scanner);
    s->scanner = NULL;
}

static int backups_start(struct serve *s)
{
    return s->cfg->backup_dir[0] ? backup_sched_new(s->cfg, &s->backups) : 0;
}

static void backups_stop(struct serve *s)
{
    backup_sched_free(s->backups);
    s->backups = NULL;
}

static int ipfs_start(struct serve *s)
{
    if (s->read_only || !s->cfg->ipfs_monitor)
        return 0;
    return ipfs_thread_start(s->cfg, &s->ipfs);
}

static void ipfs_stop(struct serve *s)
{
    ipfs_thread_stop(s->ipfs);
    s->ipfs = NULL;
}

static const struct service {
    const char *name;
    int (*start)(struct serve *s);
    void (*stop)(struct serve *s);
} services[] = {
    { "social writer", social_start, social_stop },
    { "stream watcher", stream_start, stream_stop },
    { "progress sampler", sampler_start, sampler_stop },
    { "HTTP server", http_start, http_stop },
    { "scanner", scanner_start, scanner_stop },
    { "backup scheduler", backups_start, backups_stop },
    { "IPFS monitor", ipfs_start, ipfs_stop },
};

/* ---- the main thread ---- */

/*
 * A relative templates/static directory that does not exist under the
 * working directory is looked up under the data directory the binary was
 * built for, so `arbiusd serve` works from anywhere.  *dirp may be replaced
 * (the old string is freed).
 */
static void resolve_data_dir(char **dirp)
{
    struct buf b = BUF_INIT(4096);

    if ((*dirp)[0] == '/' || access(*dirp, F_OK) == 0)
        return;
    if (buf_addf(&b, "%s/%s", ARBIUSD_DATADIR, *dirp) == 0 &&
        access(b.data, F_OK) == 0) {
        free(*dirp);
        *dirp = buf_take(&b, NULL);
        return;
    }
    buf_release(&b);
}

/* Pings the watchdog after checking that the database can still be read
 * (a wedged disk or a corrupt file stops the pings: systemd restarts us). */
static void watchdog_ping(const struct config *cfg)
{
    struct db *db = NULL;
    int64_t indexed = -1, head = -1;

    if (db_open(cfg->db_path, DB_READONLY, cfg->busy_timeout, &db) < 0) {
        log_warnx("watchdog: database unreadable; not pinging systemd");
        return;
    }
    if (status_progress(db, &indexed, &head) == 0 && indexed >= 0)
        sd_notifyf(0, "WATCHDOG=1\nSTATUS=indexed block %lld of %lld (%lld "
                      "behind)",
                   (long long)indexed, (long long)head,
                   (long long)(head > indexed ? head - indexed : 0));
    else
        sd_notify(0, "WATCHDOG=1");
    db_close(db);
}

/*
 * Waits for SIGINT/SIGTERM.  Under systemd with WatchdogSec= it wakes every
 * half watchdog period and pings.  Returns the signal.
 */
static int serve_wait(const sigset_t *set, const struct config *cfg)
{
    uint64_t wd_usec = 0;
    int sig;

    if (sd_watchdog_enabled(0, &wd_usec) <= 0 || wd_usec == 0) {
        if (sigwait(set, &sig) != 0)
            sig = SIGTERM;
        return sig;
    }
    log_info("systemd watchdog every %llu ms",
             (unsigned long long)(wd_usec / 1000));
    for (;;) {
        struct timespec ts;

        ts.tv_sec = (time_t)(wd_usec / 2 / 1000000);
        ts.tv_nsec = (long)(wd_usec / 2 % 1000000 * 1000);
        sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno != EAGAIN && errno != EINTR)
            return SIGTERM;
        watchdog_ping(cfg);
    }
}

/* Global setup before any thread exists: database (migrated unless
 * read-only), the restore lock, templates.  0, or an exit code. */
static int serve_setup(struct serve *s, struct db **dbp, int *lockfd)
{
    char err[512];

    resolve_data_dir(&s->cfg->templates);
    resolve_data_dir(&s->cfg->static_dir);
    if (cmd_open_db(s->cfg, s->read_only ? DB_READONLY : DB_READWRITE,
                    !s->read_only, dbp) < 0)
        return CMD_EXIT_DB;
    if (s->read_only) {
        /* A replica's file is replaced under it (README "Scaling out"):
         * hold nothing open on the file it started with, not even the
         * restore lock; its connections follow the swaps (http.c). */
        db_close(*dbp);
        *dbp = NULL;
    } else {
        /* `arbiusd restore` refuses a database a daemon holds. */
        *lockfd = backup_lock_shared(s->cfg->db_path);
    }
    if (!s->read_only && *lockfd < 0) {
        if (errno == EWOULDBLOCK)
            log_error("%s: a restore is running on this database",
                      s->cfg->db_path);
        else
            log_error("%s: cannot lock: %s", s->cfg->db_path,
                      strerror(errno));
        return CMD_EXIT_DB;
    }
    if (tmpl_set_load_dir(s->cfg->templates, &s->tmpl, err, sizeof(err)) <
        0) {
        log_error("[server] templates = %s: %s", s->cfg->templates, err);
        return CMD_EXIT_CONFIG;
    }
    return 0;
}

int cmd_serve(struct config *cfg, int argc, char **argv)
{
    struct serve s;
    struct db *db = NULL;
    sigset_t set;
    size_t i, started = 0;
    int sig, ret, lockfd = -1;
    char err[1024];

    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    for (i = 1; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--read-only") != 0)
            return cmd_usage_error("serve", "unknown option '%s'", argv[i]);
        s.read_only = 1;
    }
    if (auth_config_check(cfg, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return CMD_EXIT_CONFIG;
    }
    ret = serve_setup(&s, &db, &lockfd);
    if (ret != 0)
        goto out;
    atomic_init(&s.hctx.draining, 0);
    s.hctx.cfg = cfg;
    s.hctx.tmpl = s.tmpl;
    s.hctx.db_path = cfg->db_path;
    s.hctx.busy_timeout = cfg->busy_timeout;
    s.hctx.started_at = util_wall_s();
    s.hctx.read_only = s.read_only;
    s.hctx.banner = metrics_page_banner;
    /* SIGINT/SIGTERM are taken with sigwait() by this thread only: block
     * them before starting threads so every thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    ret = CMD_EXIT_FAIL;
    for (started = 0; started < ARRAY_SIZE(services); started++) {
        if (services[started].start(&s) < 0) {
            log_error("serve: the %s did not start", services[started].name);
            started++; /* its stop releases what it did start */
            goto stop;
        }
    }
    log_info("arbiusd %s serving %s (%s)", ARBIUSD_VERSION, cfg->db_path,
             s.read_only ? "read-only, no scanner" : "scanner running");
    sd_notifyf(0, "READY=1\nSTATUS=serving %s on port %u%s\nMAINPID=%lu",
               cfg->db_path, (unsigned)http_server_port(s.srv),
               s.read_only ? " (read-only)" : "", (unsigned long)getpid());
    sig = serve_wait(&set, cfg);
    log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sd_notify(0, "STOPPING=1");
    ret = CMD_EXIT_OK;
stop:
    while (started-- > 0)
        services[started].stop(&s);
    if (db && !s.read_only && db_checkpoint(db) < 0)
        ret = CMD_EXIT_FAIL;
out:
    db_close(db);
    backup_unlock(lockfd); /* after every connection is closed */
    tmpl_set_free(s.tmpl);
    log_info("stopped");
    return ret;
}
