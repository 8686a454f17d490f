/*
 * log.c - leveled logging to stderr, one write(2) per line.
 */
#include "arbiusd/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static atomic_int log_level = LOG_LVL_INFO;
static int log_journal = -1; /* -1 unknown, 0 timestamps, 1 "<N>" prefixes */

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int syslog_prio[] = { 3, 4, 6, 7 };

void log_init(enum log_level level)
{
    const char *js = getenv("JOURNAL_STREAM");

    atomic_store(&log_level, (int)level);
    log_journal = (js && *js && !isatty(STDERR_FILENO)) ? 1 : 0;
}

int log_level_parse(const char *s, enum log_level *out)
{
    size_t i;

    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&log_level);
}

int log_enabled(enum log_level level)
{
    return (int)level <= atomic_load(&log_level);
}

static void log_emit(enum log_level level, int with_errno, int saved_errno,
                     const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void log_emit(enum log_level level, int with_errno, int saved_errno,
                     const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n = 0;
    int r;

    if (log_journal == 1) {
        r = snprintf(line, sizeof(line), "<%d>", syslog_prio[level]);
    } else {
        struct timeval tv;
        struct tm tm;

        gettimeofday(&tv, NULL);
        gmtime_r(&tv.tv_sec, &tm);
        r = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000),
                     level_names[level]);
    }
    if (r > 0)
        n = (size_t)r;
    r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (r > 0)
        n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
    if (with_errno && n < sizeof(line) - 1) {
        r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved_errno));
        if (r > 0)
            n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
    }
    /* One line, one write: no newline inside a message splits an event. */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    r = (int)write(STDERR_FILENO, line, n);
    (void)r;
}

#define LOG_BODY(level, with_errno)                                        \
    do {                                                                   \
        int saved = errno;                                                 \
        va_list ap;                                                        \
        if (log_enabled(level)) {                                          \
            va_start(ap, fmt);                                             \
            log_emit(level, with_errno, saved, fmt, ap);                   \
            va_end(ap);                                                    \
        }                                                                  \
        errno = saved;                                                     \
    } while (0)

void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 0); }
void log_error(const char *fmt, ...) { LOG_BODY(LOG_LVL_ERROR, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, 0); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, 0); }

void fatal(const char *fmt, ...)
{
    LOG_BODY(LOG_LVL_ERROR, 1);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    LOG_BODY(LOG_LVL_ERROR, 0);
    exit(1);
}
