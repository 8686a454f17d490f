/*
 * log.h - one line per event on stderr (journald-friendly), OpenBSD log.c API.
 *
 * Every function preserves errno.  Each line is written with a single
 * write(2), so lines from the scanner, HTTP and job threads never interleave.
 * Format: "2026-11-23T11:32:43.123Z warn  scanner: message: strerror".
 * When stderr is not a terminal and JOURNAL_STREAM is set, lines carry a
 * "<N>" syslog priority prefix instead of the timestamp (journald adds its own).
 */
#ifndef ARBIUSD_LOG_H
#define ARBIUSD_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the threshold. Safe to call again (e.g. after reading the config). */
void log_init(enum log_level level);
/* Parses "error"/"warn"/"info"/"debug"; -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out /* OUT */);
enum log_level log_get_level(void);
int log_enabled(enum log_level level);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1); fatal appends strerror(errno). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
