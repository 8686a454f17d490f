/* test_log.c - one line per event, errno kept, levels filter. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/log.h"
#include "unit.h"

/* Runs fn with stderr captured; returns what was written (static). */
static const char *capture(void (*fn)(void))
{
    static char out[8192];
    int fds[2], saved;
    ssize_t n;

    ck_assert_int_eq(pipe(fds), 0);
    saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    out[n > 0 ? n : 0] = '\0';
    return out;
}

static int errno_after;

static void emit_warn(void)
{
    log_init(LOG_LVL_INFO);
    errno = ENOENT;
    log_warn("db: %s", "open x.db");
    errno_after = errno;
}

static void emit_multiline(void)
{
    log_init(LOG_LVL_INFO);
    log_info("a\nb\rc");
}

static void emit_filtered(void)
{
    log_init(LOG_LVL_WARN);
    log_info("hidden");
    log_debug("hidden too");
    log_warnx("shown");
}

START_TEST(test_log__warn_keeps_errno)
{
    const char *out = capture(emit_warn);

    ck_assert_int_eq(errno_after, ENOENT);
    ck_assert_ptr_nonnull(strstr(out, "warn  db: open x.db: No such file or directory\n"));
    /* 2026-11-23T11:32:43.123Z */
    ck_assert_int_eq(out[4], '-');
    ck_assert_int_eq(out[10], 'T');
    ck_assert_int_eq(out[23], 'Z');
}
END_TEST

START_TEST(test_log__one_line_per_event)
{
    const char *out = capture(emit_multiline);

    ck_assert_ptr_nonnull(strstr(out, "info  a b c\n"));
    ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(test_log__levels)
{
    const char *out = capture(emit_filtered);
    enum log_level l;

    ck_assert_ptr_null(strstr(out, "hidden"));
    ck_assert_ptr_nonnull(strstr(out, "shown"));
    ck_assert_int_eq(log_level_parse("debug", &l), 0);
    ck_assert_int_eq(l, LOG_LVL_DEBUG);
    ck_assert_int_eq(log_level_parse("loud", &l), -1);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_log__warn_keeps_errno);
    tcase_add_test(tc, test_log__one_line_per_event);
    tcase_add_test(tc, test_log__levels);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(log_suite)
