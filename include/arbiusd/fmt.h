/*
 * fmt.h - numbers, amounts and times as a person reads them on a page.
 *
 * One format everywhere, so the template filters of tmpl.h (|aius, |time,
 * |dur, |num, |count:noun, |addr, |rate, |bytes) call these and no handler formats
 * a figure of its own:
 *   - AIUS amounts (wei as exact decimal text) with 4 significant digits
 *     and the unit: "4.821 AIUS", "0.0035 AIUS", "12.35k AIUS", "0 AIUS",
 *     "< 0.000001 AIUS"; the exact value in whole AIUS goes in a title.
 *     Rounding is half up on the decimal digits, never through a double.
 *   - Times relative to now ("3 h ago", "just now", "in 5 min") with the
 *     UTC time ("2026-05-01 12:00:03 UTC") in a title and ISO 8601 in the
 *     <time> element's datetime.
 *   - Durations as "45 s", "2 min 39 s", "1 h 5 min", "3 d 4 h".
 *   - Counts with thousands separators ("12,345") and a noun that agrees
 *     with them ("1 task", "2 tasks", "1 entry", "3 entries").
 *
 * The fmt_* text functions are pure (now is a parameter) and write a
 * NUL-terminated string that always fits the documented size.  The
 * fmt_html_* functions append HTML to a buffer: every byte they copy from
 * the value is escaped, the rest is fixed text; they return 0, or -1 when
 * the buffer is full.
 */
#ifndef ARBIUSD_FMT_H
#define ARBIUSD_FMT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/buf.h"
#include "arbiusd/util.h"

#define FMT_AIUS_SIZE 32 /* fmt_aius() output, plus NUL */
#define FMT_TIME_SIZE 32 /* fmt_ago(), fmt_utc(), fmt_iso() */
#define FMT_DUR_SIZE  32 /* fmt_duration() */
#define FMT_NUM_SIZE  32 /* fmt_num(): INT64_MIN with separators */

/*
 * wei[0..len) (decimal digits, leading zeros allowed) as AIUS with 4
 * significant digits and " AIUS" into out (FMT_AIUS_SIZE bytes).  Returns
 * 0, or -1 (out = "") when wei is not 1 to 78 decimal digits.
 */
int fmt_aius(const char *wei, size_t len,
             char out[FMT_AIUS_SIZE] /* OUT */) WARN_UNUSED;

/* n with "," every three digits: 12345 -> "12,345", -1000 -> "-1,000". */
void fmt_num(int64_t n, char out[FMT_NUM_SIZE] /* OUT */);

/* How long ago t was at now: "just now" (under 45 s either way), "5 min
 * ago", "3 h ago", "1 day ago", "12 days ago", "2 months ago", "1 year
 * ago", or "in 5 min" and so on for a time ahead of now. */
void fmt_ago(int64_t t, int64_t now, char out[FMT_TIME_SIZE] /* OUT */);

/* "2026-05-01 12:00:03 UTC" and "2026-05-01T12:00:03Z"; "" if t cannot be
 * represented. */
void fmt_utc(int64_t t, char out[FMT_TIME_SIZE] /* OUT */);
void fmt_iso(int64_t t, char out[FMT_TIME_SIZE] /* OUT */);

/* secs (>= 0) as "45 s", "2 min 39 s", "1 h 5 min", "3 d 4 h". */
void fmt_duration(int64_t secs, char out[FMT_DUR_SIZE] /* OUT */);

/*
 * Appends n with separators and noun[0..len) in the number n calls for:
 * "1 task", "0 tasks", "12,345 tasks"; plurals add "s", "es" after s, x,
 * z, ch and sh, and "ies" for a consonant and "y".  0 or -1.
 */
int fmt_count(struct buf *out, int64_t n, const char *noun,
              size_t len) WARN_UNUSED;

/*
 * The template filters.  v is the value the template names (borrowed; may
 * be NULL); a value of the wrong kind gives "–" (an en dash) or, for
 * strings, the escaped string itself.
 *   aius   wei (decimal string or integer) -> <span class="aius"
 *          title="EXACT AIUS">4.821 AIUS</span>
 *   time   unix seconds -> <time datetime="ISO" title="UTC" data-ago>3 h
 *          ago</time> (relative to now; static/site.js keeps it current)
 *   dur    seconds (integer or real) -> "2 min 39 s"
 *   num    integer -> "12,345"
 *   count  integer and the noun -> "1 task" / "12,345 tasks"
 *   addr   0x address or id -> <span class="addr" title="FULL">0x976e…0aa9
 *          </span>
 *   rate   an emission rate scaled by 10^18 (decimal string) -> "0.8×"
 *          with the exact multiplier in a title
 *   bytes  a size -> "512 bytes", "1.5 MiB" (powers of 1024)
 */
int fmt_html_aius(struct buf *out, const json_t *v) WARN_UNUSED;
int fmt_html_time(struct buf *out, const json_t *v, int64_t now) WARN_UNUSED;
int fmt_html_dur(struct buf *out, const json_t *v) WARN_UNUSED;
int fmt_html_num(struct buf *out, const json_t *v) WARN_UNUSED;
int fmt_html_count(struct buf *out, const json_t *v, const char *noun,
                   size_t len) WARN_UNUSED;
int fmt_html_addr(struct buf *out, const json_t *v) WARN_UNUSED;
int fmt_html_rate(struct buf *out, const json_t *v) WARN_UNUSED;
int fmt_html_bytes(struct buf *out, const json_t *v) WARN_UNUSED;

#endif
