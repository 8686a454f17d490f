/*
 * fmt.c - numbers, amounts and times as a person reads them (fmt.h).
 *
 * Amounts are rounded on their decimal digits: the wei text is the exact
 * value, so "4.8215 AIUS" rounds up by the fifth digit, never by a double's
 * approximation of it.
 */
#include "arbiusd/fmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arbiusd/u256.h"

#define FMT_DASH     "\xe2\x80\x93" /* en dash: no value */
#define FMT_ELLIPSIS "\xe2\x80\xa6" /* horizontal ellipsis */
#define FMT_TIMES    "\xc3\x97"     /* multiplication sign */
#define FMT_MIN_EXP  (-6)           /* smallest amount shown: 10^-6 AIUS */

/* Thousands suffixes by power of ten / 3. */
static const char *const FMT_SUFFIX[] = { "", "k", "M", "B", "T" };

/* Appends the digits of s[0..n) with "," every three from the right. */
static void fmt_group(const char *s, size_t n, char *out, size_t outsz)
{
    size_t i, o = 0;

    for (i = 0; i < n && o + 2 < outsz; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = s[i];
    }
    out[o] = '\0';
}

/* m (4 digits, "1000" to "9999") times 10^(e-3), scaled by 10^-s
 * (0 <= e - s <= 3, or e < 0 = s), as the shortest decimal text: trailing
 * fractional zeros dropped, "," in four integer digits. */
static void fmt_scaled(const char m[5], int e, int s, char *out, size_t outsz)
{
    int ints = e - s + 1, last = 3;

    if (ints == 4) {
        fmt_group(m, 4, out, outsz);
        return;
    }
    while (last >= 0 && m[last] == '0')
        last--;
    if (ints > 0) {
        if (last < ints)
            snprintf(out, outsz, "%.*s", ints, m);
        else
            snprintf(out, outsz, "%.*s.%.*s", ints, m, last + 1 - ints,
                     m + ints);
        return;
    }
    /* Below one: "0." and the zeros before the first digit. */
    snprintf(out, outsz, "0.%.*s%.*s", -ints, "000000", last + 1, m);
}

int fmt_aius(const char *wei, size_t len, char out[FMT_AIUS_SIZE])
{
    char m[5] = "0000", num[20];
    size_t i, n, start = 0;
    int e, s;

    out[0] = '\0';
    if (len == 0 || len > 78)
        return -1;
    for (i = 0; i < len; i++)
        if (wei[i] < '0' || wei[i] > '9')
            return -1;
    while (start < len && wei[start] == '0')
        start++;
    n = len - start;
    if (n == 0) {
        snprintf(out, FMT_AIUS_SIZE, "0 AIUS");
        return 0;
    }
    e = (int)n - 1 - U256_TOKEN_DECIMALS;
    memcpy(m, wei + start, n < 4 ? n : 4);
    if (n > 4 && wei[start + 4] >= '5') {
        /* Half up, carrying through the four digits. */
        for (i = 4; i-- > 0;) {
            if (m[i] != '9') {
                m[i]++;
                break;
            }
            m[i] = '0';
        }
        if (m[0] == '0') {
            memcpy(m, "1000", 4);
            e++;
        }
    }
    if (e < FMT_MIN_EXP) {
        snprintf(out, FMT_AIUS_SIZE, "< 0.000001 AIUS");
        return 0;
    }
    if (e >= 15) {
        /* A thousand trillion and more: no supply is that large. */
        snprintf(out, FMT_AIUS_SIZE, "%c.%.3se%d AIUS", m[0], m + 1, e);
        return 0;
    }
    s = e >= 4 ? e - e % 3 : 0;
    fmt_scaled(m, e, s, num, sizeof(num));
    snprintf(out, FMT_AIUS_SIZE, "%s%s AIUS", num, FMT_SUFFIX[s / 3]);
    return 0;
}

void fmt_num(int64_t n, char out[FMT_NUM_SIZE])
{
    char d[24];
    uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    int len = snprintf(d, sizeof(d), "%llu", (unsigned long long)u);

    if (n < 0) {
        out[0] = '-';
        fmt_group(d, (size_t)len, out + 1, FMT_NUM_SIZE - 1);
    } else {
        fmt_group(d, (size_t)len, out, FMT_NUM_SIZE);
    }
}

/* "N unit" or "N units" into out. */
static void fmt_unit(int64_t n, const char *unit, int plural_s, char *out,
                     size_t outsz)
{
    snprintf(out, outsz, "%lld %s%s", (long long)n, unit,
             plural_s && n != 1 ? "s" : "");
}

void fmt_ago(int64_t t, int64_t now, char out[FMT_TIME_SIZE])
{
    int64_t d = now - t, ad = d < 0 ? -d : d;
    char amount[24];

    if (ad < 45) {
        snprintf(out, FMT_TIME_SIZE, "just now");
        return;
    }
    if (ad < 3600)
        fmt_unit(ad < 60 ? 1 : ad / 60, "min", 0, amount, sizeof(amount));
    else if (ad < 86400)
        fmt_unit(ad / 3600, "h", 0, amount, sizeof(amount));
    else if (ad < 30 * 86400)
        fmt_unit(ad / 86400, "day", 1, amount, sizeof(amount));
    else if (ad < 365 * 86400)
        fmt_unit(ad / (30 * 86400), "month", 1, amount, sizeof(amount));
    else
        fmt_unit(ad / (365 * 86400), "year", 1, amount, sizeof(amount));
    if (d < 0)
        snprintf(out, FMT_TIME_SIZE, "in %s", amount);
    else
        snprintf(out, FMT_TIME_SIZE, "%s ago", amount);
}

/* t as UTC calendar fields into *tm; 0, or -1 (out = "") if it has none. */
static int fmt_gmtime(int64_t t, struct tm *tm, char *out)
{
    time_t tt = (time_t)t;

    out[0] = '\0';
    return gmtime_r(&tt, tm) ? 0 : -1;
}

void fmt_utc(int64_t t, char out[FMT_TIME_SIZE])
{
    struct tm tm;

    if (fmt_gmtime(t, &tm, out) == 0 &&
        strftime(out, FMT_TIME_SIZE, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        out[0] = '\0';
}

void fmt_iso(int64_t t, char out[FMT_TIME_SIZE])
{
    struct tm tm;

    if (fmt_gmtime(t, &tm, out) == 0 &&
        strftime(out, FMT_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

void fmt_duration(int64_t secs, char out[FMT_DUR_SIZE])
{
    long long s = secs < 0 ? 0 : (long long)secs;

    if (s < 60)
        snprintf(out, FMT_DUR_SIZE, "%lld s", s);
    else if (s < 3600 && s % 60 == 0)
        snprintf(out, FMT_DUR_SIZE, "%lld min", s / 60);
    else if (s < 3600)
        snprintf(out, FMT_DUR_SIZE, "%lld min %lld s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, FMT_DUR_SIZE, "%lld h %lld min", s / 3600,
                 s % 3600 / 60);
    else
        snprintf(out, FMT_DUR_SIZE, "%lld d %lld h", s / 86400,
                 s % 86400 / 3600);
}

/* 1 if c is a vowel (for "day" -> "days" but "entry" -> "entries"). */
static int fmt_vowel(char c)
{
    return c && strchr("aeiou", c) != NULL;
}

int fmt_count(struct buf *out, int64_t n, const char *noun, size_t len)
{
    char num[FMT_NUM_SIZE];
    const char *end = noun + len;

    fmt_num(n, num);
    if (buf_adds(out, num) < 0 || buf_addch(out, ' ') < 0)
        return -1;
    if (n == 1 || len == 0)
        return buf_add_html(out, noun, len);
    if (len >= 2 && end[-1] == 'y' && !fmt_vowel(end[-2]))
        return buf_add_html(out, noun, len - 1) < 0 ? -1
                                                    : buf_adds(out, "ies");
    if (buf_add_html(out, noun, len) < 0)
        return -1;
    if (end[-1] == 's' || end[-1] == 'x' || end[-1] == 'z' ||
        (len >= 2 && (end[-1] == 'h') && (end[-2] == 'c' || end[-2] == 's')))
        return buf_adds(out, "es");
    return buf_addch(out, 's');
}

/* ---- the template filters ---- */

/* v as a decimal string: its text, or an integer's digits in tmp. */
static const char *fmt_decimal(const json_t *v, char *tmp, size_t tmpsz,
                               size_t *len)
{
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *len = (size_t)snprintf(tmp, tmpsz, "%lld",
                                (long long)json_integer_value(v));
        return tmp;
    }
    return NULL;
}

/* The no-value mark, or an unexpected string as escaped text. */
static int fmt_other(struct buf *out, const json_t *v)
{
    if (json_is_string(v) && json_string_length(v) > 0)
        return buf_add_html(out, json_string_value(v), json_string_length(v));
    return buf_adds(out, FMT_DASH);
}

int fmt_html_aius(struct buf *out, const json_t *v)
{
    char tmp[32], shown[FMT_AIUS_SIZE], exact[U256_UNITS_SIZE];
    size_t len = 0;
    const char *wei = fmt_decimal(v, tmp, sizeof(tmp), &len);
    struct u256 a;

    if (!wei || fmt_aius(wei, len, shown) < 0 ||
        u256_from_dec(wei, len, &a) < 0 ||
        u256_to_units(&a, U256_TOKEN_DECIMALS, exact, sizeof(exact)) < 0)
        return fmt_other(out, v);
    return buf_addf(out, "<span class=\"aius\" title=\"%s AIUS\">%s</span>",
                    exact, shown);
}

int fmt_html_time(struct buf *out, const json_t *v, int64_t now)
{
    char ago[FMT_TIME_SIZE], utc[FMT_TIME_SIZE], iso[FMT_TIME_SIZE];
    int64_t t;

    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return fmt_other(out, v);
    t = (int64_t)json_integer_value(v);
    fmt_ago(t, now, ago);
    fmt_utc(t, utc);
    fmt_iso(t, iso);
    return buf_addf(out,
                    "<time datetime=\"%s\" title=\"%s\" data-ago>%s</time>",
                    iso, utc, ago);
}

int fmt_html_dur(struct buf *out, const json_t *v)
{
    char d[FMT_DUR_SIZE];

    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 60)
        return buf_addf(out, "%.1f s", json_real_value(v));
    if (json_is_real(v) && json_real_value(v) >= 0 &&
        json_real_value(v) < 9e15) {
        fmt_duration((int64_t)(json_real_value(v) + 0.5), d);
        return buf_adds(out, d);
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fmt_other(out, v);
    fmt_duration((int64_t)json_integer_value(v), d);
    return buf_adds(out, d);
}

int fmt_html_num(struct buf *out, const json_t *v)
{
    char n[FMT_NUM_SIZE];

    if (!json_is_integer(v))
        return fmt_other(out, v);
    fmt_num((int64_t)json_integer_value(v), n);
    return buf_adds(out, n);
}

int fmt_html_count(struct buf *out, const json_t *v, const char *noun,
                   size_t len)
{
    if (!json_is_integer(v))
        return fmt_other(out, v);
    return fmt_count(out, (int64_t)json_integer_value(v), noun, len);
}

int fmt_html_addr(struct buf *out, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), i;

    if (!s || n < 14 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return fmt_other(out, v);
    for (i = 2; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return fmt_other(out, v);
    /* Only hex digits from here on: nothing to escape. */
    return buf_addf(out,
                    "<span class=\"addr\" title=\"%s\">%.6s" FMT_ELLIPSIS
                    "%s</span>",
                    s, s, s + n - 4);
}

int fmt_html_rate(struct buf *out, const json_t *v)
{
    char tmp[32], exact[U256_UNITS_SIZE];
    size_t len = 0;
    const char *raw = fmt_decimal(v, tmp, sizeof(tmp), &len);
    struct u256 a;

    if (!raw || u256_from_dec(raw, len, &a) < 0 ||
        u256_to_units(&a, U256_TOKEN_DECIMALS, exact, sizeof(exact)) < 0)
        return fmt_other(out, v);
    return buf_addf(out,
                    "<span class=\"rate\" title=\"emission weight: %s times "
                    "the base reward\">%s" FMT_TIMES "</span>",
                    exact, exact);
}

int fmt_html_bytes(struct buf *out, const json_t *v)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double n;
    size_t u = 0;

    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fmt_other(out, v);
    if (json_integer_value(v) < 1024)
        return buf_addf(out, "%lld bytes", (long long)json_integer_value(v));
    n = (double)json_integer_value(v) / 1024;
    while (n >= 1024 && u + 1 < ARRAY_SIZE(units)) {
        n /= 1024;
        u++;
    }
    return buf_addf(out, "%.1f %s", n, units[u]);
}
