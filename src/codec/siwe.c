/*
 * siwe.c - EIP-4361 message parser and EIP-191 signature recovery.
 *
 * The parser walks the text line by line with {p, len} slices; it never
 * relies on a NUL and never reads past len.  Character classes follow the
 * ABNF of EIP-4361 / RFC 3986 (ASCII only).  Error texts name the field and
 * never quote the input (it is hostile).
 */
#include "arbiusd/siwe.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/keccak.h"

static const char SIWE_HEADER_TAIL[] =
    " wants you to sign in with your Ethereum account:";

struct cursor {
    const char *p;     /* next unread byte */
    const char *end;
};

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* What next_line() found. */
enum siwe_line {
    SIWE_LINE_NONE = -1, /* the text was used up: no line */
    SIWE_LINE_LAST = 0,  /* a line that runs to the end of the text */
    SIWE_LINE_NL = 1,    /* a line that ended with "\n" */
};

/* Takes the next line (without its "\n") into *line; returns an enum
 * siwe_line. */
static int next_line(struct cursor *c, struct siwe_slice *line)
{
    const char *nl;

    if (c->p > c->end)
        return SIWE_LINE_NONE;
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    line->p = c->p;
    if (!nl) {
        line->len = (size_t)(c->end - c->p);
        c->p = c->end + 1; /* past the end: the next call returns NONE */
        return SIWE_LINE_LAST;
    }
    line->len = (size_t)(nl - c->p);
    c->p = nl + 1;
    return SIWE_LINE_NL;
}

static int is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_unreserved(int ch)
{
    return is_alpha(ch) || is_digit(ch) || ch == '-' || ch == '.' ||
           ch == '_' || ch == '~';
}

static int is_sub_delim(int ch)
{
    return ch != '\0' && strchr("!$&'()*+,;=", ch) != NULL;
}

static int is_gen_delim(int ch)
{
    return ch != '\0' && strchr(":/?#[]@", ch) != NULL;
}

/* Every byte is unreserved, sub-delims, one of `extra`, or a valid
 * %XX escape. */
static int chars_ok(const char *p, size_t n, const char *extra)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int ch = (unsigned char)p[i];

        if (ch == '%') {
            if (i + 2 >= n)
                return 0;
            if (hex_digit_value(p[i + 1]) < 0 || hex_digit_value(p[i + 2]) < 0)
                return 0;
            i += 2;
            continue;
        }
        if (is_unreserved(ch) || is_sub_delim(ch))
            continue;
        if (ch != '\0' && strchr(extra, ch))
            continue;
        return 0;
    }
    return 1;
}

/* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static int scheme_ok(const char *p, size_t n)
{
    size_t i;

    if (n == 0 || !is_alpha((unsigned char)p[0]))
        return 0;
    for (i = 1; i < n; i++) {
        int ch = (unsigned char)p[i];

        if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-' &&
            ch != '.')
            return 0;
    }
    return 1;
}

/* An authority: userinfo@host:port characters, non-empty. */
static int authority_ok(const char *p, size_t n)
{
    return n > 0 && n <= SIWE_MAX_FIELD && chars_ok(p, n, ":@[]");
}

/* A URI: scheme ":" then URI characters.  Sets *auth to the authority
 * after "//" (empty slice when there is none). */
static int uri_ok(const char *p, size_t n, struct siwe_slice *auth)
{
    const char *colon = memchr(p, ':', n);
    size_t i, s;

    if (!colon || n > SIWE_MAX_FIELD || !scheme_ok(p, (size_t)(colon - p)))
        return 0;
    s = (size_t)(colon - p) + 1;
    if (!chars_ok(p + s, n - s, ":/?#[]@"))
        return 0;
    auth->p = p + s;
    auth->len = 0;
    if (n - s >= 2 && p[s] == '/' && p[s + 1] == '/') {
        s += 2;
        for (i = s; i < n && p[i] != '/' && p[i] != '?' && p[i] != '#'; i++)
            ;
        auth->p = p + s;
        auth->len = i - s;
    }
    return 1;
}

/* EIP-4361 statement: *( reserved / unreserved / " " ), non-empty here. */
static int statement_ok(const char *p, size_t n)
{
    size_t i;

    if (n == 0 || n > SIWE_MAX_FIELD)
        return 0;
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)p[i];

        if (!is_unreserved(ch) && !is_sub_delim(ch) && !is_gen_delim(ch) &&
            ch != ' ')
            return 0;
    }
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int siwe_parse_time(const char *s, size_t len, int64_t *out, int *frac)
{
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
    size_t i = 19;
    int sign = 0, has_frac = 0;
    int64_t t;

    if (len < 20 || len > 64)
        return -1;
    if (digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
        s[7] != '-' || digits(s + 8, 2, &d) < 0 ||
        (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) < 0 ||
        s[13] != ':' || digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
        digits(s + 17, 2, &se) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || se > 59)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    if (s[i] == '.') {
        size_t start = ++i;

        while (i < len && is_digit((unsigned char)s[i])) {
            if (s[i] != '0')
                has_frac = 1;
            i++;
        }
        if (i == start)
            return -1;
    }
    if (i >= len)
        return -1;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        sign = s[i] == '+' ? 1 : -1;
        if (len - i != 6 || digits(s + i + 1, 2, &oh) < 0 ||
            s[i + 3] != ':' || digits(s + i + 4, 2, &om) < 0 || oh > 23 ||
            om > 59)
            return -1;
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    t = days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 +
        (int64_t)mi * 60 + (int64_t)se;
    t -= sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    *out = t;
    if (frac)
        *frac = has_frac;
    return 0;
}

/* "Key: value" with exactly this key; sets *val.  0 or -1. */
static int field(const struct siwe_slice *line, const char *key,
                 struct siwe_slice *val)
{
    size_t k = strlen(key);

    if (line->len < k + 2 || memcmp(line->p, key, k) != 0 ||
        line->p[k] != ':' || line->p[k + 1] != ' ')
        return -1;
    val->p = line->p + k + 2;
    val->len = line->len - k - 2;
    return 0;
}

/* The line starts with key and a colon ("Request ID:"). */
static int has_key(const struct siwe_slice *line, const char *key)
{
    size_t k = strlen(key);

    return line->len > k && memcmp(line->p, key, k) == 0 && line->p[k] == ':';
}

static int parse_header(const struct siwe_slice *line, struct siwe_msg *m,
                        char *err, size_t errlen)
{
    size_t tail = sizeof(SIWE_HEADER_TAIL) - 1, n, i;
    const char *p = line->p;

    if (line->len <= tail ||
        memcmp(p + line->len - tail, SIWE_HEADER_TAIL, tail) != 0) {
        fail(err, errlen, "header: expected \"<domain>%s\"", SIWE_HEADER_TAIL);
        return -1;
    }
    n = line->len - tail;
    m->scheme.p = NULL;
    m->scheme.len = 0;
    for (i = 0; i + 3 <= n; i++)
        if (memcmp(p + i, "://", 3) == 0)
            break;
    if (i + 3 <= n) {
        if (!scheme_ok(p, i)) {
            fail(err, errlen, "header: bad scheme");
            return -1;
        }
        m->scheme.p = p;
        m->scheme.len = i;
        p += i + 3;
        n -= i + 3;
    }
    if (!authority_ok(p, n)) {
        fail(err, errlen, "domain: not an RFC 3986 authority");
        return -1;
    }
    m->domain.p = p;
    m->domain.len = n;
    return 0;
}

static int parse_address(const struct siwe_slice *line, struct siwe_msg *m,
                         char *err, size_t errlen)
{
    char canon[HEX_ADDR_TEXT_SIZE];

    if (line->len != 42 || line->p[0] != '0' || line->p[1] != 'x' ||
        hex_parse_address(line->p, line->len, 0, m->address) < 0) {
        fail(err, errlen, "address: expected 0x and 40 hex digits");
        return -1;
    }
    if (hex_format_address(m->address, canon, sizeof(canon)) < 0 ||
        memcmp(canon, line->p, 42) != 0) {
        fail(err, errlen, "address: not in EIP-55 checksum form");
        return -1;
    }
    m->address_text = *line;
    return 0;
}

static int parse_chain_id(const struct siwe_slice *v, uint64_t *out)
{
    uint64_t x = 0;
    size_t i;

    if (v->len == 0 || v->len > 20 || (v->p[0] == '0'))
        return -1;
    for (i = 0; i < v->len; i++) {
        unsigned dgt;

        if (!is_digit((unsigned char)v->p[i]))
            return -1;
        dgt = (unsigned)(v->p[i] - '0');
        if (x > (UINT64_MAX - dgt) / 10)
            return -1;
        x = x * 10 + dgt;
    }
    *out = x;
    return 0;
}

static int parse_time_field(const struct siwe_slice *v, int round_up,
                            int64_t *out)
{
    int frac = 0;
    int64_t t;

    if (siwe_parse_time(v->p, v->len, &t, &frac) < 0)
        return -1;
    *out = round_up && frac ? t + 1 : t;
    return 0;
}

/* Refuses an empty or too long message and any byte but printable ASCII
 * and "\n".  0 or -1. */
static int check_text(const char *msg, size_t len, char *err, size_t errlen)
{
    size_t i;

    if (!msg || len == 0) {
        fail(err, errlen, "message: empty");
        return -1;
    }
    if (len > SIWE_MAX_MESSAGE) {
        fail(err, errlen, "message: longer than %d bytes", SIWE_MAX_MESSAGE);
        return -1;
    }
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)msg[i];

        if ((ch < 0x20 && ch != '\n') || ch >= 0x7f) {
            fail(err, errlen, "message: byte %zu is not printable ASCII", i);
            return -1;
        }
    }
    return 0;
}

/* The header, the address, a blank line, and either a statement and a
 * blank line or one more blank line (no statement).  0 or -1. */
static int parse_preamble(struct cursor *c, struct siwe_msg *m, char *err,
                          size_t errlen)
{
    struct siwe_slice line;

    if (next_line(c, &line) != SIWE_LINE_NL ||
        parse_header(&line, m, err, errlen) < 0) {
        if (err && errlen && !err[0])
            fail(err, errlen, "header: missing");
        return -1;
    }
    if (next_line(c, &line) != SIWE_LINE_NL ||
        parse_address(&line, m, err, errlen) < 0) {
        if (err && errlen && !err[0])
            fail(err, errlen, "address: missing");
        return -1;
    }
    if (next_line(c, &line) != SIWE_LINE_NL || line.len != 0) {
        fail(err, errlen, "message: expected a blank line after the address");
        return -1;
    }
    if (next_line(c, &line) != SIWE_LINE_NL) {
        fail(err, errlen, "message: truncated after the address");
        return -1;
    }
    if (line.len == 0)
        return 0;
    if (!statement_ok(line.p, line.len)) {
        fail(err, errlen,
             "statement: characters outside EIP-4361's set "
             "or too long");
        return -1;
    }
    m->statement = line;
    if (next_line(c, &line) != SIWE_LINE_NL || line.len != 0) {
        fail(err, errlen, "statement: expected one line and a blank line");
        return -1;
    }
    return 0;
}

#define SIWE_STR_(x) #x
#define SIWE_STR(x)  SIWE_STR_(x)

/*
 * The value parsers of the "Key: value" fields below.  Each checks v and
 * stores it in m; it returns NULL, or the reason that follows "Key: " in
 * the error.  v is NULL when an optional field's key had no ": " value.
 */

/* URI: an RFC 3986 URI; its authority is kept too. */
static const char *field_uri(const struct siwe_slice *v, struct siwe_msg *m)
{
    if (!uri_ok(v->p, v->len, &m->uri_authority))
        return "not an RFC 3986 URI";
    m->uri = *v;
    return NULL;
}

/* Version: 1 only. */
static const char *field_version(const struct siwe_slice *v,
                                 struct siwe_msg *m)
{
    (void)m;
    return v->len != 1 || v->p[0] != '1' ? "must be 1" : NULL;
}

/* Chain ID: a decimal number above 0. */
static const char *field_chain_id(const struct siwe_slice *v,
                                  struct siwe_msg *m)
{
    return parse_chain_id(v, &m->chain_id) < 0 ? "not a decimal number above 0"
                                               : NULL;
}

/* Nonce: SIWE_MIN_NONCE to SIWE_MAX_NONCE alphanumerics. */
static const char *field_nonce(const struct siwe_slice *v, struct siwe_msg *m)
{
    size_t i;

    if (v->len < SIWE_MIN_NONCE || v->len > SIWE_MAX_NONCE)
        return "must be " SIWE_STR(SIWE_MIN_NONCE) " to " SIWE_STR(
            SIWE_MAX_NONCE) " alphanumerics";
    for (i = 0; i < v->len; i++)
        if (!is_alpha((unsigned char)v->p[i]) &&
            !is_digit((unsigned char)v->p[i]))
            return "must be alphanumeric";
    m->nonce = *v;
    return NULL;
}

/* Issued At: an RFC 3339 date-time (fraction dropped). */
static const char *field_issued_at(const struct siwe_slice *v,
                                   struct siwe_msg *m)
{
    return parse_time_field(v, 0, &m->issued_at) < 0
               ? "not an RFC 3339 date-time"
               : NULL;
}

/* An optional time (rounded up) into *t, setting *has. */
static const char *field_time_opt(const struct siwe_slice *v, int64_t *t,
                                  int *has)
{
    if (!v || parse_time_field(v, 1, t) < 0)
        return "not an RFC 3339 date-time";
    *has = 1;
    return NULL;
}

/* Expiration Time: optional, rounded up. */
static const char *field_expiration(const struct siwe_slice *v,
                                    struct siwe_msg *m)
{
    return field_time_opt(v, &m->expiration, &m->has_expiration);
}

/* Not Before: optional, rounded up. */
static const char *field_not_before(const struct siwe_slice *v,
                                    struct siwe_msg *m)
{
    return field_time_opt(v, &m->not_before, &m->has_not_before);
}

/* Request ID: pchar characters (may be empty). */
static const char *field_request_id(const struct siwe_slice *v,
                                    struct siwe_msg *m)
{
    if (!v || v->len > SIWE_MAX_FIELD || !chars_ok(v->p, v->len, ":@"))
        return "characters outside pchar";
    m->request_id = *v;
    return NULL;
}

struct siwe_field {
    const char *key;
    const char *(*parse)(const struct siwe_slice *v, struct siwe_msg *m);
};

/* The fields every message has, one a line, in this order. */
static const struct siwe_field siwe_required[] = {
    { "URI", field_uri },
    { "Version", field_version },
    { "Chain ID", field_chain_id },
    { "Nonce", field_nonce },
    { "Issued At", field_issued_at },
};

/* The optional fields, each at most once and in this order; "Resources:"
 * (parse_resources) may follow them. */
static const struct siwe_field siwe_optional[] = {
    { "Expiration Time", field_expiration },
    { "Not Before", field_not_before },
    { "Request ID", field_request_id },
};

/* Reads siwe_required's lines.  Returns 0 and the enum siwe_line of the
 * last one in *r (Issued At may end the message), or -1. */
static int parse_required(struct cursor *c, struct siwe_msg *m, int *r,
                          char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(siwe_required); i++) {
        const struct siwe_field *f = &siwe_required[i];
        struct siwe_slice line, v;
        const char *why;

        *r = next_line(c, &line);
        if (*r == SIWE_LINE_NONE || field(&line, f->key, &v) < 0) {
            fail(err, errlen, "%s: missing", f->key);
            return -1;
        }
        why = f->parse(&v, m);
        if (why) {
            fail(err, errlen, "%s: %s", f->key, why);
            return -1;
        }
    }
    return 0;
}

/* After the "Resources:" line (which ended as r says), every remaining
 * line is "- uri": at least one, at most SIWE_MAX_RESOURCES.  0 or -1. */
static int parse_resources(struct cursor *c, struct siwe_msg *m, int r,
                           char *err, size_t errlen)
{
    while (r == SIWE_LINE_NL) {
        struct siwe_slice line, auth;

        r = next_line(c, &line);
        if (r == SIWE_LINE_NONE)
            break;
        if (line.len < 2 || line.p[0] != '-' || line.p[1] != ' ' ||
            !uri_ok(line.p + 2, line.len - 2, &auth)) {
            fail(err, errlen, "Resources: expected \"- <uri>\" lines");
            return -1;
        }
        if (++m->nresources > SIWE_MAX_RESOURCES) {
            fail(err, errlen, "Resources: more than %d", SIWE_MAX_RESOURCES);
            return -1;
        }
    }
    if (m->nresources == 0) {
        fail(err, errlen, "Resources: no resource listed");
        return -1;
    }
    return 0;
}

/* The index in siwe_optional of the field line starts, or -1. */
static int optional_field(const struct siwe_slice *line)
{
    size_t k;

    for (k = 0; k < ARRAY_SIZE(siwe_optional); k++)
        if (has_key(line, siwe_optional[k].key))
            return (int)k;
    return -1;
}

/* Reads the optional fields after Issued At, whose line ended as r says.
 * Each line but the last ends with "\n": a trailing newline shows up as a
 * blank last line.  0 or -1. */
static int parse_optional(struct cursor *c, struct siwe_msg *m, int r,
                          char *err, size_t errlen)
{
    int next = 0; /* siwe_optional fields before this are done */

    while (r == SIWE_LINE_NL) {
        struct siwe_slice line, v;
        const struct siwe_field *f;
        const char *why;
        int k;

        r = next_line(c, &line);
        if (r == SIWE_LINE_NONE)
            break;
        if (line.len == 0) {
            fail(err, errlen, "message: unexpected blank line or trailing "
                              "newline");
            return -1;
        }
        if (line.len == 10 && memcmp(line.p, "Resources:", 10) == 0)
            return parse_resources(c, m, r, err, errlen);
        k = optional_field(&line);
        if (k < 0) {
            fail(err, errlen, "message: unknown or misplaced field");
            return -1;
        }
        f = &siwe_optional[k];
        if (k < next) {
            fail(err, errlen, "%s: repeated or out of order", f->key);
            return -1;
        }
        next = k + 1;
        why = f->parse(field(&line, f->key, &v) == 0 ? &v : NULL, m);
        if (why) {
            fail(err, errlen, "%s: %s", f->key, why);
            return -1;
        }
    }
    return 0;
}

int siwe_parse(const char *msg, size_t len, struct siwe_msg *out, char *err,
               size_t errlen)
{
    struct cursor c;
    struct siwe_msg m;
    int r;

    if (err && errlen)
        err[0] = '\0';
    if (check_text(msg, len, err, errlen) < 0)
        return -1;
    memset(&m, 0, sizeof(m));
    c.p = msg;
    c.end = msg + len;
    if (parse_preamble(&c, &m, err, errlen) < 0 ||
        parse_required(&c, &m, &r, err, errlen) < 0 ||
        parse_optional(&c, &m, r, err, errlen) < 0)
        return -1;
    *out = m;
    return 0;
}

/* ---- signatures ---- */

/* n/2 for secp256k1, big-endian. */
static const uint8_t SECP256K1_HALF_N[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

int siwe_recover(const void *msg, size_t len, const uint8_t sig[SIWE_SIG_LEN],
                 uint8_t addr[20])
{
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pub;
    struct keccak256_ctx k;
    uint8_t hash[KECCAK256_LEN], ser[65], h2[KECCAK256_LEN];
    char prefix[64];
    size_t serlen = sizeof(ser);
    int v = sig[64], recid, n;
    static const uint8_t zero[32];

    if (v == 27 || v == 28)
        recid = v - 27;
    else if (v == 0 || v == 1)
        recid = v;
    else
        return SIWE_SIG_BAD_V;
    if (memcmp(sig + 32, SECP256K1_HALF_N, 32) > 0)
        return SIWE_SIG_HIGH_S;
    if (memcmp(sig, zero, 32) == 0 || memcmp(sig + 32, zero, 32) == 0)
        return SIWE_SIG_INVALID;
    n = snprintf(prefix, sizeof(prefix), "\x19" "Ethereum Signed Message:\n%zu",
                 len);
    if (n < 0 || (size_t)n >= sizeof(prefix))
        return SIWE_SIG_INVALID;
    keccak256_init(&k);
    keccak256_update(&k, prefix, (size_t)n);
    keccak256_update(&k, msg, len);
    keccak256_final(&k, hash);
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig,
                                                             recid) ||
        !secp256k1_ecdsa_recover(ctx, &pub, &rs, hash) ||
        !secp256k1_ec_pubkey_serialize(ctx, ser, &serlen, &pub,
                                       SECP256K1_EC_UNCOMPRESSED) ||
        serlen != 65)
        return SIWE_SIG_INVALID;
    keccak256(ser + 1, 64, h2);
    memcpy(addr, h2 + 12, 20);
    return SIWE_SIG_OK;
}

const char *siwe_sig_strerror(int err)
{
    switch (err) {
    case SIWE_SIG_OK: return "ok";
    case SIWE_SIG_BAD_V: return "v must be 27, 28, 0 or 1";
    case SIWE_SIG_HIGH_S:
        return "s is above half the curve order (not canonical, EIP-2)";
    default: return "not a valid secp256k1 signature";
    }
}
