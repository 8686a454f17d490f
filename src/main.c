/*
 * main.c - the arbiusd command line: global setup, commands, start/stop order.
 *
 * Exit codes (documented in --help and README): 0 success, 1 runtime failure,
 * 2 usage error, 3 configuration error, 4 database error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/app.h"
#include "arbiusd/backup.h"
#include "arbiusd/auth.h"
#include "arbiusd/buf.h"
#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/http.h"
#include "arbiusd/ipfs.h"
#include "arbiusd/log.h"
#include "arbiusd/metrics.h"
#include "arbiusd/migrate.h"
#include "arbiusd/monitor.h"
#include "arbiusd/queries.h"
#include "arbiusd/social.h"
#include "arbiusd/stream.h"
#include "arbiusd/tmpl.h"
#include "arbiusd/web.h"

#ifndef ARBIUSD_VERSION
#define ARBIUSD_VERSION "0.1.0"
#endif

struct command {
    const char *name;
    int (*run)(struct app *app, int argc, char **argv);
    const char *summary;
    const char *usage;   /* full --help text after the usage line */
};

static const struct command *commands(void);

static void usage(FILE *f)
{
    const struct command *c;

    fprintf(f, "usage: arbiusd [--config FILE] COMMAND [OPTIONS]\n\n"
               "Indexes the Arbius engine into SQLite and serves the gallery, "
               "dashboard and JSON API.\n\ncommands:\n");
    for (c = commands(); c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f,
            "\nglobal options:\n"
            "  -c, --config FILE  INI configuration (default: embedded "
            "defaults; see config.example.ini)\n"
            "  -h, --help         this help; `arbiusd COMMAND --help` for a "
            "command\n"
            "\nEnvironment: ARBIUSD_<SECTION>_<KEY> overrides any key, e.g. "
            "ARBIUSD_SERVER_LISTEN=0.0.0.0:8080.\n"
            "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration, 4 "
            "database.\n");
}

/* Parses a command's own options: only --help and the listed flags. */
static int want_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

static int command_help(const struct command *c)
{
    printf("usage: arbiusd [--config FILE] %s\n\n%s\n", c->usage, c->summary);
    return 0;
}

static int bad_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "arbiusd %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'arbiusd %s --help'.\n", cmd);
    return APP_EXIT_USAGE;
}

/* ---- commands ---- */

static int cmd_version(struct app *app, int argc, char **argv)
{
    (void)app;
    if (argc > 1)
        return bad_usage("version", "unexpected argument '%s'", argv[1]);
    printf("arbiusd %s (schema %d, sqlite %s, libcurl %s, jansson %s)\n",
           ARBIUSD_VERSION, migrate_latest(), sqlite3_libversion(),
           curl_version_info(CURLVERSION_NOW)->version, JANSSON_VERSION);
    return 0;
}

static int cmd_migrate(struct app *app, int argc, char **argv)
{
    struct db *db = NULL;
    int from = 0, to = 0;

    if (argc > 1)
        return bad_usage("migrate", "unexpected argument '%s'", argv[1]);
    if (db_open(app->cfg.db_path, DB_READWRITE, app->cfg.busy_timeout, &db) <
        0)
        return APP_EXIT_DB;
    if (migrate_apply(db, &from, &to, 1) < 0) {
        db_close(db);
        return APP_EXIT_DB;
    }
    if (from == to)
        printf("%s: schema at version %d, up to date\n", app->cfg.db_path, to);
    else
        printf("%s: migrated schema from version %d to %d\n",
               app->cfg.db_path, from, to);
    db_close(db);
    return 0;
}

static int cmd_config(struct app *app, int argc, char **argv)
{
    struct buf out = BUF_INIT(1 << 20);

    if (argc > 1)
        return bad_usage("config", "unexpected argument '%s'", argv[1]);
    if (config_dump(&app->cfg, &out) < 0) {
        buf_release(&out);
        return 1;
    }
    fputs(out.data, stdout);
    buf_release(&out);
    return 0;
}

static int cmd_status(struct app *app, int argc, char **argv)
{
    struct db *db = NULL;
    json_t *st = NULL;
    int ret = APP_EXIT_DB;

    if (argc > 1)
        return bad_usage("status", "unexpected argument '%s'", argv[1]);
    if (app_open_db(app, DB_READONLY, 0, &db) < 0)
        return APP_EXIT_DB;
    if (queries_status(db, &st) == 0) {
        json_dumpf(st, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        putchar('\n');
        ret = 0;
    }
    json_decref(st);
    db_close(db);
    return ret;
}

static int cmd_task(struct app *app, int argc, char **argv)
{
    struct db *db = NULL;
    json_t *t = NULL;
    int r, ret = APP_EXIT_DB;

    if (argc != 2)
        return bad_usage("task", "%s", "expected exactly one TASKID");
    if (argv[1][0] == '-')
        return bad_usage("task", "unknown option '%s'", argv[1]);
    if (app_open_db(app, DB_READONLY, 0, &db) < 0)
        return APP_EXIT_DB;
    r = queries_task(db, argv[1], &t);
    if (r == 0) {
        json_dumpf(t, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        putchar('\n');
        ret = 0;
    } else if (r == 1) {
        fprintf(stderr, "arbiusd task: %s: no such task in the index\n",
                argv[1]);
        ret = 1;
    } else if (r == 2) {
        fprintf(stderr, "arbiusd task: '%s' is not a task id "
                        "(0x and 64 hex digits)\n", argv[1]);
        ret = APP_EXIT_USAGE;
    }
    json_decref(t);
    db_close(db);
    return ret;
}

#ifndef ARBIUSD_DATADIR
#define ARBIUSD_DATADIR "."
#endif

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

/*
 * Waits for SIGINT/SIGTERM.  Under systemd with WatchdogSec= it wakes every
 * half watchdog period and pings, after checking that the database can
 * still be read (a wedged disk or a corrupt file stops the pings and lets
 * systemd restart us).  Returns the signal.
 */
static int serve_wait(const sigset_t *set, const char *db_path,
                      uint64_t busy_ms)
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
        struct db *db = NULL;

        ts.tv_sec = (time_t)(wd_usec / 2 / 1000000);
        ts.tv_nsec = (long)(wd_usec / 2 % 1000000 * 1000);
        sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno != EAGAIN && errno != EINTR)
            return SIGTERM;
        if (db_open(db_path, DB_READONLY, busy_ms, &db) == 0) {
            int64_t indexed = -1, head = -1;

            if (monitor_progress(db, &indexed, &head) == 0 && indexed >= 0)
                sd_notifyf(0, "WATCHDOG=1\nSTATUS=indexed block %lld of "
                              "%lld (%lld behind)",
                           (long long)indexed, (long long)head,
                           (long long)(head > indexed ? head - indexed : 0));
            else
                sd_notify(0, "WATCHDOG=1");
            db_close(db);
        } else {
            log_warnx("watchdog: database unreadable; not pinging systemd");
        }
    }
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

static int cmd_serve(struct app *app, int argc, char **argv)
{
    struct http_ctx hctx;
    struct auth_site site;
    struct http_server *srv = NULL;
    struct stream_hub *hub = NULL;
    struct ops_sampler *ops = NULL;
    struct backup_sched *bs = NULL;
    struct db *db = NULL;
    sigset_t set;
    int i, sig = 0, ret = 1, read_only = 0, lockfd = -1;
    char err[1024];

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--read-only") == 0)
            read_only = 1;
        else
            return bad_usage("serve", "unknown option '%s'", argv[i]);
    }
    if (auth_config_check(&app->cfg, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return APP_EXIT_CONFIG;
    }
    /* All global setup happens before any thread exists. */
    resolve_data_dir(&app->cfg.templates);
    resolve_data_dir(&app->cfg.static_dir);
    if (app_open_db(app, read_only ? DB_READONLY : DB_READWRITE, !read_only,
                    &db) < 0)
        return APP_EXIT_DB;
    /* `arbiusd restore` refuses a database a daemon holds. */
    lockfd = backup_lock_shared(app->cfg.db_path);
    if (lockfd < 0) {
        if (errno == EWOULDBLOCK)
            log_error("%s: a restore is running on this database",
                      app->cfg.db_path);
        else
            log_error("%s: cannot lock: %s", app->cfg.db_path,
                      strerror(errno));
        db_close(db);
        return APP_EXIT_DB;
    }
    if (tmpl_set_load_dir(app->cfg.templates, &app->tmpl, err, sizeof(err)) <
        0) {
        log_error("[server] templates = %s: %s", app->cfg.templates, err);
        db_close(db);
        backup_unlock(lockfd);
        return APP_EXIT_CONFIG;
    }
    memset(&hctx, 0, sizeof(hctx));
    atomic_init(&hctx.draining, 0);
    hctx.cfg = &app->cfg;
    hctx.tmpl = app->tmpl;
    hctx.db_path = app->cfg.db_path;
    hctx.busy_timeout = app->cfg.busy_timeout;
    hctx.started_at = util_wall_s();
    hctx.read_only = read_only;

    /* SIGINT/SIGTERM are taken with sigwait() by this thread only: block
     * them before starting threads so every thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    /* The social write side (sign-in, votes, comments) has a connection
     * of its own; --read-only serves without it (writes answer 503). */
    if (!read_only && social_open(app->cfg.db_path, app->cfg.busy_timeout,
                                  &hctx.social) < 0)
        goto out;
    if (auth_init(&hctx) < 0)
        goto out;
    if (stream_new(&hctx, (size_t)app->cfg.sse_max_clients, &hub) < 0)
        goto out;
    hctx.stream = hub;
    if (ops_sampler_new(app->cfg.db_path, app->cfg.busy_timeout, &ops) < 0)
        goto out;
    hctx.ops = ops;
    fit_open_files(app->cfg.max_connections);
    if (http_server_new(&hctx, web_routes(), &srv) < 0)
        goto out;
    /* Sign-in's domain is known before the first request can arrive. */
    auth_site_init(&site, &app->cfg, http_server_port(srv));
    hctx.site = &site;
    if (http_server_start(srv) < 0)
        goto out;
    if (!read_only && app_scanner_start(app) < 0)
        goto out;
    if (app->cfg.backup_dir[0] && backup_sched_new(&app->cfg, &bs) < 0)
        goto out;
    if (!read_only && app->cfg.ipfs_monitor && ipfs_monitor_start(app) < 0)
        goto out;
    log_info("arbiusd %s serving %s (%s)", ARBIUSD_VERSION, app->cfg.db_path,
             read_only ? "read-only, no scanner" : "scanner running");
    sd_notifyf(0, "READY=1\nSTATUS=serving %s on port %u%s\nMAINPID=%lu",
               app->cfg.db_path, (unsigned)http_server_port(srv),
               read_only ? " (read-only)" : "", (unsigned long)getpid());
    sig = serve_wait(&set, app->cfg.db_path, app->cfg.busy_timeout);
    log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sd_notify(0, "STOPPING=1");
    ret = 0;
out:
    atomic_store(&hctx.draining, 1);
    backup_sched_free(bs);
    stream_shutdown(hub);   /* ends open streams before the daemon stops */
    http_server_stop(srv);
    stream_free(hub);
    ops_sampler_free(ops);
    ipfs_monitor_stop(app);
    app_scanner_stop(app);
    social_free(hctx.social);
    if (db && !read_only && db_checkpoint(db) < 0)
        ret = 1;
    db_close(db);
    backup_unlock(lockfd);  /* after every connection is closed */
    log_info("stopped");
    return ret;
}

static int cmd_backup(struct app *app, int argc, char **argv)
{
    struct backup_info info;

    if (argc != 2)
        return bad_usage("backup", "%s", "expected exactly one FILE");
    if (argv[1][0] == '-')
        return bad_usage("backup", "unknown option '%s'", argv[1]);
    if (backup_to_file(app->cfg.db_path, argv[1], app->cfg.busy_timeout,
                       &info) < 0) {
        fprintf(stderr, "arbiusd backup: backing up %s to %s failed\n",
                app->cfg.db_path, argv[1]);
        return APP_EXIT_DB;
    }
    printf("%s: backup of %s at checkpoint block %lld (%lld bytes, %llu ms)\n",
           argv[1], app->cfg.db_path, (long long)info.indexed_block,
           (long long)info.bytes, (unsigned long long)info.ms);
    return 0;
}

static int cmd_restore(struct app *app, int argc, char **argv)
{
    struct backup_info info;
    const char *file = NULL;
    int i, force = 0, r;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = 1;
        else if (argv[i][0] == '-')
            return bad_usage("restore", "unknown option '%s'", argv[i]);
        else if (file)
            return bad_usage("restore", "%s", "expected exactly one FILE");
        else
            file = argv[i];
    }
    if (!file)
        return bad_usage("restore", "%s", "expected exactly one FILE");
    r = backup_restore(file, app->cfg.db_path, force, app->cfg.busy_timeout,
                       &info);
    if (r != 0)
        return r > 0 ? APP_EXIT_FAIL : APP_EXIT_DB;
    printf("%s: restored from %s (checkpoint block %lld, %llu ms); start "
           "arbiusd to continue from there\n",
           app->cfg.db_path, file, (long long)info.indexed_block,
           (unsigned long long)info.ms);
    return 0;
}

static const struct command command_table[] = {
    { "serve", cmd_serve, "run the scanner and the HTTP server",
      "serve [--read-only]\n\n"
      "  --read-only  serve a database another process writes; no scanner, "
      "no migrations\n\n"
      "Stops gracefully on SIGTERM or SIGINT (exit 0)." },
    { "scan", app_cmd_scan, "index a range of blocks once and exit",
      APP_SCAN_USAGE },
    { "ipfs", ipfs_cmd, "check solution CIDs on the IPFS gateways once",
      IPFS_CMD_USAGE },
    { "miners", app_cmd_miners,
      "identify miners, list recent ones, apply the active window",
      APP_MINERS_USAGE },
    { "tokens", app_cmd_tokens,
      "derive miners' earnings per era from the stored rows",
      APP_TOKENS_USAGE },
    { "task", cmd_task, "print one indexed task as JSON",
      "task TASKID\n\n"
      "Prints the object /api/v1/image/<taskid> serves. Exit 1 if the task is "
      "not indexed." },
    { "status", cmd_status, "print the scanner's state as JSON",
      "status\n\nIndexed block, head, lag, coverage and last error." },
    { "backup", cmd_backup, "write an online backup of the database",
      "backup FILE\n\n"
      "Copies the database with the SQLite backup API while a daemon may be "
      "running\nand writing: the copy is one consistent snapshot (every "
      "range committed\nbefore it), checked with PRAGMA integrity_check, "
      "written beside FILE and\nrenamed into place.  Exit 4 on failure." },
    { "restore", cmd_restore, "replace the database with a backup",
      "restore [--force] FILE\n\n"
      "Checks that FILE is an arbiusd database that passes PRAGMA "
      "integrity_check,\nthen copies it over [database] path.  Refuses (exit "
      "1) while an arbiusd\ndaemon uses the database; --force overwrites it "
      "anyway (restart the daemon\nafterwards).  Exit 4 when FILE is "
      "refused or the copy fails." },
    { "migrate", cmd_migrate, "apply database migrations and report",
      "migrate\n\nApplies every migration the database lacks, each in its "
      "own transaction." },
    { "config", cmd_config, "print the effective configuration",
      "config\n\nDefaults, then the file, then ARBIUSD_* variables." },
    { "version", cmd_version, "print version information", "version" },
    { NULL, NULL, NULL, NULL },
};

static const struct command *commands(void)
{
    return command_table;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct command *cmd;
    const char *config_path = NULL;
    struct app app;
    char err[1024];
    enum log_level lvl;
    int ch, ret;

    log_init(LOG_LVL_INFO);
    signal(SIGPIPE, SIG_IGN);
    /* '+' stops at the command name so its options stay its own. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            if (optopt == 'c')
                fprintf(stderr, "arbiusd: --config needs a FILE\n");
            else
                fprintf(stderr, "arbiusd: unknown option '%s'\n",
                        argv[optind - 1]);
            usage(stderr);
            return APP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "arbiusd: missing COMMAND\n");
        usage(stderr);
        return APP_EXIT_USAGE;
    }
    for (cmd = commands(); cmd->name; cmd++)
        if (strcmp(cmd->name, argv[optind]) == 0)
            break;
    if (!cmd->name) {
        fprintf(stderr, "arbiusd: unknown command '%s'\n", argv[optind]);
        usage(stderr);
        return APP_EXIT_USAGE;
    }
    if (want_help(argc - optind, argv + optind))
        return command_help(cmd);

    memset(&app, 0, sizeof(app));
    config_init_defaults(&app.cfg);
    if (config_load(&app.cfg, config_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "arbiusd: %s\n", err);
        config_release(&app.cfg);
        return APP_EXIT_CONFIG;
    }
    if (log_level_parse(app.cfg.log_level, &lvl) == 0)
        log_init(lvl);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "arbiusd: curl_global_init failed\n");
        config_release(&app.cfg);
        return 1;
    }
    ret = cmd->run(&app, argc - optind, argv + optind);
    tmpl_set_free(app.tmpl);
    config_release(&app.cfg);
    curl_global_cleanup();
    return ret;
}
