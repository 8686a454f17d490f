/*
 * tmpl.c - compile mustache-like templates once, render them many times.
 * See tmpl.h for the language and the contracts.
 *
 * Compilation turns a source into a flat array of struct tmpl_op, in the
 * spirit of lwan-template.c.  A section op records the index just past its
 * body, so rendering is a loop over a range of ops that recurses into a
 * section body or a partial; nothing is parsed at render time.  Text and
 * names are slices of the template's own copy of its source.
 *
 * Rendering only reads the compiled set and the jansson values (no reference
 * counts are touched), so any number of threads may render at once.
 */
#include "arbiusd/tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/fmt.h"
#include "arbiusd/log.h"

/* Contexts that can be pushed at once: the root, plus at most
 * TMPL_MAX_DEPTH sections for each level of partial. */
#define TMPL_STACK_MAX (TMPL_MAX_DEPTH * (TMPL_MAX_PARTIAL_DEPTH + 1) + 1)
#define TMPL_NOT_FOUND ((size_t)-1)

enum tmpl_opcode {
    TMPL_OP_TEXT,     /* copy a slice of the source */
    TMPL_OP_VAR,      /* emit a value */
    TMPL_OP_SECTION,  /* {{#name}}: body is the ops up to .end */
    TMPL_OP_INVERTED, /* {{^name}}: body is the ops up to .end */
    TMPL_OP_PARTIAL,  /* {{> name}} */
};

enum tmpl_filter {
    TMPL_FILTER_NONE,
    TMPL_FILTER_URL,   /* {{x|url}} */
    TMPL_FILTER_JSON,  /* {{x|json}} */
    TMPL_FILTER_AIUS,  /* {{x|aius}}: fmt_html_aius() */
    TMPL_FILTER_TIME,  /* {{x|time}}: fmt_html_time() */
    TMPL_FILTER_DUR,   /* {{x|dur}}: fmt_html_dur() */
    TMPL_FILTER_NUM,   /* {{x|num}}: fmt_html_num() */
    TMPL_FILTER_COUNT, /* {{x|count:noun}}: fmt_html_count() */
    TMPL_FILTER_ADDR,  /* {{x|addr}}: fmt_html_addr() */
    TMPL_FILTER_RATE,  /* {{x|rate}}: fmt_html_rate() */
    TMPL_FILTER_BYTES, /* {{x|bytes}}: fmt_html_bytes() */
};

/* Filter names as written after the bar; only count takes ":noun". */
static const struct {
    const char *name;
    enum tmpl_filter filter;
} TMPL_FILTERS[] = {
    { "url", TMPL_FILTER_URL },     { "json", TMPL_FILTER_JSON },
    { "aius", TMPL_FILTER_AIUS },   { "time", TMPL_FILTER_TIME },
    { "dur", TMPL_FILTER_DUR },     { "num", TMPL_FILTER_NUM },
    { "count", TMPL_FILTER_COUNT }, { "addr", TMPL_FILTER_ADDR },
    { "rate", TMPL_FILTER_RATE },   { "bytes", TMPL_FILTER_BYTES },
};

struct tmpl_slice {
    size_t off; /* offset into tmpl.src */
    size_t len; /* bytes */
};

struct tmpl_op {
    enum tmpl_opcode code;
    unsigned line;              /* 1-based source line of the tag */
    struct tmpl_slice text;     /* TEXT: bytes; sections, PARTIAL: the name */
    size_t seg;                 /* VAR, sections: first entry in tmpl.segs */
    size_t nseg;                /* VAR, sections: segments; 0 means "." */
    size_t end;                 /* sections: index of the op after the body */
    bool raw;                   /* VAR: no HTML escaping */
    enum tmpl_filter filter;    /* VAR */
    struct tmpl_slice arg;      /* VAR with |count: the noun */
    const struct tmpl *partial; /* PARTIAL: set by tmpl_set_link() */
};

struct tmpl {
    char *name;              /* template name, for lookup */
    size_t namelen;          /* strlen(name) */
    char *file;              /* what error messages call it */
    char *src;               /* own copy of the source, NUL-terminated */
    size_t len;              /* bytes of src */
    struct tmpl_op *ops;     /* the program */
    size_t nops;             /* ops used */
    size_t capops;           /* ops allocated */
    struct tmpl_slice *segs; /* name segments of every VAR and section */
    size_t nsegs;            /* segs used */
    size_t capsegs;          /* segs allocated */
};

struct tmpl_set {
    struct tmpl **tmpls; /* owned, in insertion order */
    size_t n;            /* templates */
    size_t cap;          /* tmpls allocated */
    bool linked;         /* every partial resolved since the last add */
};

/* Parser state for one template. */
struct tmpl_compiler {
    struct tmpl *t;                /* being built */
    size_t open[TMPL_MAX_DEPTH];   /* op indices of the open sections */
    size_t nopen;                  /* entries of open[] in use */
    unsigned line;                 /* line of the tag being compiled */
    char *err;                     /* caller's error buffer */
    size_t errlen;                 /* its size */
};

/* Per-call render state; lives on the rendering thread's stack. */
struct tmpl_render {
    struct buf *out;                     /* where the page goes */
    const json_t *stack[TMPL_STACK_MAX]; /* context stack, innermost last */
    size_t depth;                        /* entries of stack[] in use */
    unsigned partials;                   /* partials being rendered */
    size_t steps;                        /* ops run so far */
    const char *why;                     /* cause of failure, logged once */
};

static int tmpl_render_ops(struct tmpl_render *r, const struct tmpl *t,
                           size_t from, size_t to);

/*
 * Writes "file:line: message" (or "file: message" when line is 0) into err,
 * truncated to errlen.  err may be NULL.
 */
static void tmpl_error(char *err, size_t errlen, const char *file,
                       unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void tmpl_error(char *err, size_t errlen, const char *file,
                       unsigned line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err || errlen == 0)
        return;
    if (line)
        n = snprintf(err, errlen, "%s:%u: ", file, line);
    else
        n = snprintf(err, errlen, "%s: ", file);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/*
 * Copies at most outlen - 1 bytes of p into out for quoting in a message,
 * with anything unprintable shown as '?'.  Returns out.
 */
static const char *tmpl_quote(const char *p, size_t n, char *out,
                              size_t outlen)
{
    size_t i;

    for (i = 0; i < n && i + 1 < outlen; i++) {
        unsigned char c = (unsigned char)p[i];

        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[i] = '\0';
    return out;
}

/* Reports a syntax error at the current tag and returns -1. */
static int tmpl_syntax(struct tmpl_compiler *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int tmpl_syntax(struct tmpl_compiler *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tmpl_error(c->err, c->errlen, c->t->file, c->line, "%s", msg);
    return -1;
}

/* Returns the index of the first needle (nlen bytes) in s[from, len), or
 * TMPL_NOT_FOUND. */
static size_t tmpl_find(const char *s, size_t len, size_t from,
                        const char *needle, size_t nlen)
{
    size_t i;

    if (len < nlen)
        return TMPL_NOT_FOUND;
    for (i = from; i <= len - nlen; i++) {
        if (s[i] == needle[0] && memcmp(s + i, needle, nlen) == 0)
            return i;
    }
    return TMPL_NOT_FOUND;
}

/* Returns the number of '\n' in p[0, n). */
static unsigned tmpl_count_lines(const char *p, size_t n)
{
    unsigned lines = 0;
    size_t i;

    for (i = 0; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

/* Whitespace allowed around names inside a tag. */
static bool tmpl_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Characters of one name segment. */
static bool tmpl_is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* Characters of a template (and partial) name. */
static bool tmpl_name_ok(const char *p, size_t n)
{
    size_t i;

    if (n == 0 || n > TMPL_MAX_NAME)
        return false;
    for (i = 0; i < n; i++) {
        if (!tmpl_is_name_char(p[i]) && p[i] != '.')
            return false;
    }
    return true;
}

/* Removes leading and trailing whitespace from the slice s of src. */
static struct tmpl_slice tmpl_trim(const char *src, struct tmpl_slice s)
{
    while (s.len && tmpl_is_space(src[s.off])) {
        s.off++;
        s.len--;
    }
    while (s.len && tmpl_is_space(src[s.off + s.len - 1]))
        s.len--;
    return s;
}

/* Appends a zeroed op to t and returns it; valid until the next append. */
static struct tmpl_op *tmpl_op_append(struct tmpl *t, enum tmpl_opcode code,
                                      unsigned line)
{
    struct tmpl_op *op;

    if (t->nops == t->capops) {
        t->capops = t->capops ? t->capops * 2 : 16;
        t->ops = xrealloc(t->ops, t->capops * sizeof(*t->ops));
    }
    op = &t->ops[t->nops++];
    memset(op, 0, sizeof(*op));
    op->code = code;
    op->line = line;
    return op;
}

/* Appends the name segment src[off, off+len) to t->segs. */
static void tmpl_seg_append(struct tmpl *t, size_t off, size_t len)
{
    if (t->nsegs == t->capsegs) {
        t->capsegs = t->capsegs ? t->capsegs * 2 : 16;
        t->segs = xrealloc(t->segs, t->capsegs * sizeof(*t->segs));
    }
    t->segs[t->nsegs].off = off;
    t->segs[t->nsegs].len = len;
    t->nsegs++;
}

/*
 * Parses the (trimmed) name s as "." or segments separated by "." and stores
 * the segments at the end of t->segs.  Returns 0 and sets *segp / *nsegp, or
 * -1 after reporting the error.
 */
static int tmpl_parse_name(struct tmpl_compiler *c, struct tmpl_slice s,
                           size_t *segp /* OUT */, size_t *nsegp /* OUT */)
{
    struct tmpl *t = c->t;
    size_t first = t->nsegs, start = s.off, i;
    char q[48];

    if (s.len == 0)
        return tmpl_syntax(c, "empty name");
    if (s.len == 1 && t->src[s.off] == '.') {
        *segp = first;
        *nsegp = 0;
        return 0;
    }
    for (i = s.off; i <= s.off + s.len; i++) {
        if (i < s.off + s.len && tmpl_is_name_char(t->src[i]))
            continue;
        if (i < s.off + s.len && t->src[i] != '.')
            goto bad;
        /* End of a segment: at a '.' or at the end of the name. */
        if (i == start)
            goto bad;
        tmpl_seg_append(t, start, i - start);
        start = i + 1;
    }
    *segp = first;
    *nsegp = t->nsegs - first;
    return 0;
bad:
    return tmpl_syntax(c, "invalid name '%s'",
                       tmpl_quote(t->src + s.off, s.len, q, sizeof(q)));
}

/* Parses the filter f of a variable ("url", "count:task"...) into *filter
 * and, for count, its noun into *arg.  0, or -1 after a syntax error. */
static int tmpl_parse_filter(struct tmpl_compiler *c, struct tmpl_slice f,
                             enum tmpl_filter *filter, struct tmpl_slice *arg)
{
    const char *src = c->t->src;
    struct tmpl_slice name = f;
    size_t colon = tmpl_find(src, f.off + f.len, f.off, ":", 1), i;
    char q[48];

    arg->off = arg->len = 0;
    if (colon != TMPL_NOT_FOUND) {
        name.len = colon - f.off;
        arg->off = colon + 1;
        arg->len = f.off + f.len - arg->off;
        for (i = 0; i < arg->len; i++) {
            char ch = src[arg->off + i];

            if (!((ch >= 'a' && ch <= 'z') || ch == ' ' || ch == '-'))
                return tmpl_syntax(c, "bad noun '%s' (a-z, space, -)",
                                   tmpl_quote(src + arg->off, arg->len, q,
                                              sizeof(q)));
        }
    }
    for (i = 0; i < ARRAY_SIZE(TMPL_FILTERS); i++) {
        if (strlen(TMPL_FILTERS[i].name) == name.len &&
            memcmp(src + name.off, TMPL_FILTERS[i].name, name.len) == 0) {
            *filter = TMPL_FILTERS[i].filter;
            if ((*filter == TMPL_FILTER_COUNT) != (arg->len > 0))
                return tmpl_syntax(c, "count takes a noun (count:task), "
                                      "no other filter does");
            return 0;
        }
    }
    return tmpl_syntax(c, "unknown filter '%s'",
                       tmpl_quote(src + f.off, f.len, q, sizeof(q)));
}

/* Compiles a variable tag s ("name" or "name|filter"), raw or escaped. */
static int tmpl_compile_var(struct tmpl_compiler *c, struct tmpl_slice s,
                            bool raw)
{
    struct tmpl *t = c->t;
    enum tmpl_filter filter = TMPL_FILTER_NONE;
    struct tmpl_slice name = s, arg = { 0, 0 };
    struct tmpl_op *op;
    size_t bar, seg, nseg;

    bar = tmpl_find(t->src, s.off + s.len, s.off, "|", 1);
    if (bar != TMPL_NOT_FOUND) {
        struct tmpl_slice f = { bar + 1, s.off + s.len - (bar + 1) };

        name.len = bar - s.off;
        name = tmpl_trim(t->src, name);
        if (tmpl_parse_filter(c, tmpl_trim(t->src, f), &filter, &arg) < 0)
            return -1;
    }
    if (tmpl_parse_name(c, name, &seg, &nseg) < 0)
        return -1;
    op = tmpl_op_append(t, TMPL_OP_VAR, c->line);
    op->text = name;
    op->seg = seg;
    op->nseg = nseg;
    op->raw = raw;
    op->filter = filter;
    op->arg = arg;
    return 0;
}

/* Compiles {{#name}} or {{^name}}: name is trimmed, after the sigil. */
static int tmpl_compile_open(struct tmpl_compiler *c, struct tmpl_slice name,
                             enum tmpl_opcode code)
{
    struct tmpl *t = c->t;
    struct tmpl_op *op;
    size_t seg, nseg;

    if (tmpl_find(t->src, name.off + name.len, name.off, "|", 1) !=
        TMPL_NOT_FOUND)
        return tmpl_syntax(c, "filters are only allowed on variables");
    if (tmpl_parse_name(c, name, &seg, &nseg) < 0)
        return -1;
    if (c->nopen == TMPL_MAX_DEPTH)
        return tmpl_syntax(c, "sections nested deeper than %d",
                           TMPL_MAX_DEPTH);
    c->open[c->nopen++] = t->nops;
    op = tmpl_op_append(t, code, c->line);
    op->text = name;
    op->seg = seg;
    op->nseg = nseg;
    return 0;
}

/* Compiles {{/name}}: closes the innermost open section, which must have
 * exactly the same name. */
static int tmpl_compile_close(struct tmpl_compiler *c, struct tmpl_slice name)
{
    struct tmpl *t = c->t;
    struct tmpl_op *open;
    char q[48], q2[48];

    if (name.len == 0)
        return tmpl_syntax(c, "empty name");
    tmpl_quote(t->src + name.off, name.len, q, sizeof(q));
    if (c->nopen == 0)
        return tmpl_syntax(c, "unexpected section end '%s'", q);
    open = &t->ops[c->open[c->nopen - 1]];
    if (open->text.len != name.len ||
        memcmp(t->src + open->text.off, t->src + name.off, name.len) != 0)
        return tmpl_syntax(c,
                           "section end '%s' does not match '%s' opened at "
                           "line %u", q,
                           tmpl_quote(t->src + open->text.off, open->text.len,
                                      q2, sizeof(q2)),
                           open->line);
    open->end = t->nops;
    c->nopen--;
    return 0;
}

/* Compiles {{> name}}; the name is resolved later by tmpl_set_link(). */
static int tmpl_compile_partial(struct tmpl_compiler *c,
                                struct tmpl_slice name)
{
    struct tmpl *t = c->t;
    struct tmpl_op *op;
    char q[48];

    if (name.len == 0)
        return tmpl_syntax(c, "empty partial name");
    if (!tmpl_name_ok(t->src + name.off, name.len))
        return tmpl_syntax(c, "invalid partial name '%s'",
                           tmpl_quote(t->src + name.off, name.len, q,
                                      sizeof(q)));
    op = tmpl_op_append(t, TMPL_OP_PARTIAL, c->line);
    op->text = name;
    return 0;
}

/* Compiles the inside s of one tag; triple is true for {{{...}}}. */
static int tmpl_compile_tag(struct tmpl_compiler *c, struct tmpl_slice s,
                            bool triple)
{
    const char *src = c->t->src;
    struct tmpl_slice rest;
    char sigil;

    s = tmpl_trim(src, s);
    if (triple)
        return tmpl_compile_var(c, s, true);
    if (s.len == 0)
        return tmpl_syntax(c, "empty name");
    sigil = src[s.off];
    rest.off = s.off + 1;
    rest.len = s.len - 1;
    rest = tmpl_trim(src, rest);
    switch (sigil) {
    case '!':
        return 0;
    case '#':
        return tmpl_compile_open(c, rest, TMPL_OP_SECTION);
    case '^':
        return tmpl_compile_open(c, rest, TMPL_OP_INVERTED);
    case '/':
        return tmpl_compile_close(c, rest);
    case '>':
        return tmpl_compile_partial(c, rest);
    case '&':
        return tmpl_compile_var(c, rest, true);
    case '=':
        return tmpl_syntax(c, "set delimiter tags are not supported");
    default:
        return tmpl_compile_var(c, s, false);
    }
}

/*
 * Compiles t->src into t->ops.  Returns 0, or -1 with the message in err.
 */
static int tmpl_compile(struct tmpl *t, char *err, size_t errlen)
{
    struct tmpl_compiler c = { .t = t, .line = 1, .err = err,
                               .errlen = errlen };
    const char *src = t->src;
    size_t len = t->len, pos = 0;
    unsigned line = 1;

    while (pos < len) {
        size_t open, body, close;
        struct tmpl_slice inside;
        bool triple;

        open = tmpl_find(src, len, pos, "{{", 2);
        if (open == TMPL_NOT_FOUND)
            open = len;
        if (open > pos) {
            struct tmpl_op *op = tmpl_op_append(t, TMPL_OP_TEXT, line);

            op->text.off = pos;
            op->text.len = open - pos;
            line += tmpl_count_lines(src + pos, open - pos);
        }
        if (open == len)
            break;
        c.line = line;
        triple = open + 2 < len && src[open + 2] == '{';
        body = open + (triple ? 3 : 2);
        close = tmpl_find(src, len, body, triple ? "}}}" : "}}",
                          triple ? 3 : 2);
        if (close == TMPL_NOT_FOUND)
            return tmpl_syntax(&c, "unclosed tag");
        inside.off = body;
        inside.len = close - body;
        if (tmpl_compile_tag(&c, inside, triple) < 0)
            return -1;
        line += tmpl_count_lines(src + body, close - body);
        pos = close + (triple ? 3 : 2);
    }
    if (c.nopen) {
        const struct tmpl_op *op = &t->ops[c.open[c.nopen - 1]];
        char q[48];

        c.line = op->line;
        return tmpl_syntax(&c, "unclosed section '%s'",
                           tmpl_quote(src + op->text.off, op->text.len, q,
                                      sizeof(q)));
    }
    return 0;
}

/* Frees t and everything it owns; NULL is a no-op. */
static void tmpl_free(struct tmpl *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->file);
    free(t->src);
    free(t->ops);
    free(t->segs);
    free(t);
}

/* Returns the template of set called name (n bytes), or NULL. */
static const struct tmpl *tmpl_set_find(const struct tmpl_set *set,
                                        const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        const struct tmpl *t = set->tmpls[i];

        if (t->namelen == n && memcmp(t->name, name, n) == 0)
            return t;
    }
    return NULL;
}

struct tmpl_set *tmpl_set_new(void)
{
    return xcalloc(1, sizeof(struct tmpl_set));
}

void tmpl_set_free(struct tmpl_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->n; i++)
        tmpl_free(set->tmpls[i]);
    free(set->tmpls);
    free(set);
}

/*
 * tmpl_set_add() with file as the name used in error messages (borrowed,
 * copied).  Returns 0, or -1 with the message in err and set unchanged.
 */
static int tmpl_set_add_file(struct tmpl_set *set, const char *name,
                             const char *file, const char *src, size_t len,
                             char *err, size_t errlen)
{
    size_t namelen = strlen(name);
    struct tmpl *t = NULL;
    char q[48];
    int ret = -1;

    if (!tmpl_name_ok(name, namelen)) {
        tmpl_error(err, errlen, file, 0, "invalid template name '%s'",
                   tmpl_quote(name, namelen, q, sizeof(q)));
        goto out;
    }
    if (tmpl_set_find(set, name, namelen)) {
        tmpl_error(err, errlen, file, 0, "duplicate template '%s'", name);
        goto out;
    }
    if (len > TMPL_MAX_SIZE) {
        tmpl_error(err, errlen, file, 0, "template larger than %zu bytes",
                   TMPL_MAX_SIZE);
        goto out;
    }
    t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name);
    t->namelen = namelen;
    t->file = xstrdup(file);
    t->src = xmalloc(len + 1);
    if (len)
        memcpy(t->src, src, len);
    t->src[len] = '\0';
    t->len = len;
    if (tmpl_compile(t, err, errlen) < 0)
        goto out;
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 8;
        set->tmpls = xrealloc(set->tmpls, set->cap * sizeof(*set->tmpls));
    }
    set->tmpls[set->n++] = t;
    set->linked = false;
    t = NULL;
    ret = 0;
out:
    tmpl_free(t);
    return ret;
}

int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
                 size_t len, char *err, size_t errlen)
{
    return tmpl_set_add_file(set, name, name, src, len, err, errlen);
}

int tmpl_set_link(struct tmpl_set *set, char *err, size_t errlen)
{
    size_t i, j;

    for (i = 0; i < set->n; i++) {
        struct tmpl *t = set->tmpls[i];

        for (j = 0; j < t->nops; j++) {
            struct tmpl_op *op = &t->ops[j];
            char q[48];

            if (op->code != TMPL_OP_PARTIAL)
                continue;
            op->partial = tmpl_set_find(set, t->src + op->text.off,
                                        op->text.len);
            if (!op->partial) {
                tmpl_error(err, errlen, t->file, op->line,
                           "unknown partial '%s'",
                           tmpl_quote(t->src + op->text.off, op->text.len,
                                      q, sizeof(q)));
                return -1;
            }
        }
    }
    set->linked = true;
    return 0;
}

/* scandir() filter: visible "*.html" files. */
static int tmpl_dirent_html(const struct dirent *de)
{
    size_t n = strlen(de->d_name);

    return de->d_name[0] != '.' && n > 5 &&
           memcmp(de->d_name + n - 5, ".html", 5) == 0;
}

int tmpl_set_load_dir(const char *dir, struct tmpl_set **outp, char *err,
                      size_t errlen)
{
    struct tmpl_set *set = tmpl_set_new();
    struct buf path = BUF_INIT(4096);
    struct dirent **ents = NULL;
    int i, n, ret = -1;

    /* Sorted, so that the first error reported does not depend on the
     * order of the directory. */
    n = scandir(dir, &ents, tmpl_dirent_html, alphasort);
    if (n < 0) {
        tmpl_error(err, errlen, dir, 0, "%s", strerror(errno));
        goto out;
    }
    for (i = 0; i < n; i++) {
        const char *fname = ents[i]->d_name;
        char *src = NULL, *name;
        size_t len;
        int rc;

        buf_reset(&path);
        if (buf_addf(&path, "%s/%s", dir, fname) < 0) {
            tmpl_error(err, errlen, dir, 0, "path too long");
            goto out;
        }
        if (util_read_file(path.data, TMPL_MAX_SIZE + 1, &src, &len) < 0) {
            if (errno == EFBIG)
                tmpl_error(err, errlen, path.data, 0,
                           "template larger than %zu bytes", TMPL_MAX_SIZE);
            else
                tmpl_error(err, errlen, path.data, 0, "%s", strerror(errno));
            goto out;
        }
        name = xstrndup(fname, strlen(fname) - 5);
        rc = tmpl_set_add_file(set, name, path.data, src, len, err, errlen);
        free(name);
        free(src);
        if (rc < 0)
            goto out;
    }
    if (tmpl_set_link(set, err, errlen) < 0)
        goto out;
    *outp = set;
    set = NULL;
    ret = 0;
out:
    for (i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    buf_release(&path);
    tmpl_set_free(set);
    return ret;
}

int tmpl_exists(const struct tmpl_set *set, const char *name)
{
    return tmpl_set_find(set, name, strlen(name)) != NULL;
}

/* --- rendering ----------------------------------------------------------- */

/*
 * Returns the member p (n bytes) of object v, or element p of array v when p
 * is a decimal index; NULL if absent (borrowed).
 */
static const json_t *tmpl_child(const json_t *v, const char *p, size_t n)
{
    size_t idx = 0, i;

    if (json_is_object(v))
        return json_object_getn(v, p, n);
    if (!json_is_array(v) || n == 0 || n > 9)
        return NULL;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return NULL;
        idx = idx * 10 + (size_t)(p[i] - '0');
    }
    return json_array_get(v, idx);
}

/*
 * Resolves the name of op: "." is the innermost context; otherwise the first
 * segment is looked up from the innermost context outwards and the rest
 * descend from where it was found.  Returns the value (borrowed) or NULL.
 */
static const json_t *tmpl_lookup(const struct tmpl_render *r,
                                 const struct tmpl *t,
                                 const struct tmpl_op *op)
{
    const struct tmpl_slice *seg;
    const json_t *v = NULL;
    size_t i;

    if (op->nseg == 0)
        return r->depth ? r->stack[r->depth - 1] : NULL;
    seg = t->segs + op->seg; /* t->segs is NULL in a template of only "." */
    for (i = r->depth; i-- > 0 && !v;)
        v = tmpl_child(r->stack[i], t->src + seg[0].off, seg[0].len);
    for (i = 1; v && i < op->nseg; i++)
        v = tmpl_child(v, t->src + seg[i].off, seg[i].len);
    return v;
}

/* Whether a section over v renders (mustache truthiness, plus 0 and ""). */
static bool tmpl_truthy(const json_t *v)
{
    if (!v)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
    case JSON_TRUE:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) < 0 || json_real_value(v) > 0;
    default:
        return false;
    }
}

/*
 * Sets *sp / *np to the text of scalar v, formatting numbers into num
 * (numlen bytes).  Null, missing, objects and arrays give "".
 */
static void tmpl_scalar(const json_t *v, char *num, size_t numlen,
                        const char **sp /* OUT */, size_t *np /* OUT */)
{
    double d;
    int n = 0;

    *sp = "";
    *np = 0;
    if (!v)
        return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        *sp = json_string_value(v);
        *np = json_string_length(v);
        return;
    case JSON_INTEGER:
        n = snprintf(num, numlen, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        break;
    case JSON_REAL:
        /* 15 digits reads "0.1" as 0.1; fall back to 17, which always
         * round-trips, only when 15 loses information. */
        d = json_real_value(v);
        n = snprintf(num, numlen, "%.15g", d);
        if (n > 0 && (size_t)n < numlen && strtod(num, NULL) != d)
            n = snprintf(num, numlen, "%.17g", d);
        break;
    case JSON_TRUE:
        *sp = "true";
        *np = 4;
        return;
    case JSON_FALSE:
        *sp = "false";
        *np = 5;
        return;
    default:
        return;
    }
    if (n > 0 && (size_t)n < numlen) {
        *sp = num;
        *np = (size_t)n;
    }
}


/*
 * Appends s percent-encoded for a URL query component (RFC 3986 unreserved
 * characters kept).  The output alphabet [A-Za-z0-9-._~%] needs no HTML
 * escaping.  Returns 0, or -1 past out->max.
 */
static int tmpl_add_url(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, start = 0;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[3];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
            ch == '_' || ch == '~')
            continue;
        esc[0] = '%';
        esc[1] = hex[ch >> 4];
        esc[2] = hex[ch & 15];
        if (buf_add(out, s + start, i - start) < 0 ||
            buf_add(out, esc, sizeof(esc)) < 0)
            return -1;
        start = i + 1;
    }
    return buf_add(out, s + start, n - start);
}

/* json_dump_callback() sink into a struct buf. */
static int tmpl_json_sink(const char *p, size_t n, void *data)
{
    struct buf *b = data;

    return buf_add(b, p, n) < 0 ? -1 : 0;
}

/*
 * Appends v (NULL: null) as compact JSON with < > & U+2028 U+2029 written as
 * \uXXXX.  Those can only occur inside JSON strings, where the escapes mean
 * the same thing, so the result is still valid JSON but can neither close a
 * <script> element nor start a comment in it.  Returns 0, or -1 with r->why.
 */
static int tmpl_emit_json(struct tmpl_render *r, const json_t *v)
{
    struct buf raw = BUF_INIT(r->out->max);
    const unsigned char *p;
    size_t i, start = 0;
    int ret = -1;

    /* Until the end, any failure is the output cap. */
    r->why = "output exceeds the buffer limit";
    if (!v) {
        ret = buf_add(r->out, "null", 4);
        goto out;
    }
    if (json_dump_callback(v, tmpl_json_sink, &raw,
                           JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        r->why = "value cannot be encoded as JSON or is too large";
        goto out;
    }
    p = (const unsigned char *)raw.data;
    for (i = 0; i < raw.len; i++) {
        const char *rep = NULL;
        size_t skip = 1;

        if (p[i] == '<')
            rep = "\\u003c";
        else if (p[i] == '>')
            rep = "\\u003e";
        else if (p[i] == '&')
            rep = "\\u0026";
        else if (p[i] == 0xe2 && i + 2 < raw.len && p[i + 1] == 0x80 &&
                 (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            rep = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
            skip = 3;
        }
        if (!rep)
            continue;
        if (buf_add(r->out, raw.data + start, i - start) < 0 ||
            buf_adds(r->out, rep) < 0)
            goto out;
        start = i + skip;
        i += skip - 1;
    }
    ret = buf_add(r->out, raw.data + start, raw.len - start);
out:
    buf_release(&raw);
    return ret;
}

/* Emits v through one of fmt.h's HTML filters.  0 or -1 (buffer full). */
static int tmpl_emit_fmt(struct tmpl_render *r, const struct tmpl *t,
                         const struct tmpl_op *op, const json_t *v)
{
    switch (op->filter) {
    case TMPL_FILTER_AIUS: return fmt_html_aius(r->out, v);
    case TMPL_FILTER_TIME: return fmt_html_time(r->out, v, util_wall_s());
    case TMPL_FILTER_DUR: return fmt_html_dur(r->out, v);
    case TMPL_FILTER_NUM: return fmt_html_num(r->out, v);
    case TMPL_FILTER_COUNT:
        return fmt_html_count(r->out, v, t->src + op->arg.off, op->arg.len);
    case TMPL_FILTER_ADDR: return fmt_html_addr(r->out, v);
    case TMPL_FILTER_RATE: return fmt_html_rate(r->out, v);
    case TMPL_FILTER_BYTES: return fmt_html_bytes(r->out, v);
    default: return -1;
    }
}

/* Emits the value of a VAR op.  Returns 0, or -1 with r->why. */
static int tmpl_emit_var(struct tmpl_render *r, const struct tmpl *t,
                         const struct tmpl_op *op, const json_t *v)
{
    char num[64];
    const char *s;
    size_t n;
    int rc;

    if (op->filter == TMPL_FILTER_JSON)
        return tmpl_emit_json(r, v);
    if (op->filter > TMPL_FILTER_JSON)
        rc = tmpl_emit_fmt(r, t, op, v);
    else {
        tmpl_scalar(v, num, sizeof(num), &s, &n);
        if (op->filter == TMPL_FILTER_URL)
            rc = tmpl_add_url(r->out, s, n);
        else if (op->raw)
            rc = buf_add(r->out, s, n);
        else
            rc = buf_add_html(r->out, s, n);
    }
    if (rc < 0) {
        r->why = "output exceeds the buffer limit";
        return -1;
    }
    return 0;
}

/* Renders ops [from, to) of t with v pushed on the context stack. */
static int tmpl_render_with(struct tmpl_render *r, const struct tmpl *t,
                            size_t from, size_t to, const json_t *v)
{
    int rc;

    if (r->depth == TMPL_STACK_MAX) {
        r->why = "context stack overflow";
        return -1;
    }
    r->stack[r->depth++] = v;
    rc = tmpl_render_ops(r, t, from, to);
    r->depth--;
    return rc;
}

/* Renders a section op at index i of t. */
static int tmpl_render_section(struct tmpl_render *r, const struct tmpl *t,
                               size_t i)
{
    const struct tmpl_op *op = &t->ops[i];
    const json_t *v = tmpl_lookup(r, t, op);
    size_t k;

    if (op->code == TMPL_OP_INVERTED)
        return tmpl_truthy(v) ? 0 : tmpl_render_ops(r, t, i + 1, op->end);
    if (json_is_array(v)) {
        for (k = 0; k < json_array_size(v); k++) {
            if (tmpl_render_with(r, t, i + 1, op->end,
                                 json_array_get(v, k)) < 0)
                return -1;
        }
        return 0;
    }
    if (!tmpl_truthy(v))
        return 0;
    return tmpl_render_with(r, t, i + 1, op->end, v);
}

/* Runs ops [from, to) of t.  Returns 0, or -1 with r->why set. */
static int tmpl_render_ops(struct tmpl_render *r, const struct tmpl *t,
                           size_t from, size_t to)
{
    size_t i = from;

    while (i < to) {
        const struct tmpl_op *op = &t->ops[i];
        int rc = 0;

        if (++r->steps > TMPL_MAX_STEPS) {
            r->why = "too many instructions (runaway partials or data?)";
            return -1;
        }
        switch (op->code) {
        case TMPL_OP_TEXT:
            if (buf_add(r->out, t->src + op->text.off, op->text.len) < 0) {
                r->why = "output exceeds the buffer limit";
                rc = -1;
            }
            i++;
            break;
        case TMPL_OP_VAR:
            rc = tmpl_emit_var(r, t, op, tmpl_lookup(r, t, op));
            i++;
            break;
        case TMPL_OP_SECTION:
        case TMPL_OP_INVERTED:
            rc = tmpl_render_section(r, t, i);
            i = op->end;
            break;
        case TMPL_OP_PARTIAL:
            if (r->partials == TMPL_MAX_PARTIAL_DEPTH) {
                r->why = "partials nested too deeply (recursive partial?)";
                return -1;
            }
            r->partials++;
            rc = tmpl_render_ops(r, op->partial, 0, op->partial->nops);
            r->partials--;
            i++;
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx,
                struct buf *out)
{
    const struct tmpl *t = tmpl_set_find(set, name, strlen(name));
    struct tmpl_render r;
    size_t start = out->len;

    if (!t) {
        log_warnx("tmpl: render: no template '%s'", name);
        return -1;
    }
    if (!set->linked) {
        log_warnx("tmpl: render '%s': template set not linked", name);
        return -1;
    }
    r.out = out;
    r.depth = 0;
    r.partials = 0;
    r.steps = 0;
    r.why = "";
    if (ctx)
        r.stack[r.depth++] = ctx;
    if (tmpl_render_ops(&r, t, 0, t->nops) < 0) {
        /* Leave out as it was: a half page must never be served. */
        buf_truncate(out, start);
        log_warnx("tmpl: render '%s': %s (output limit %zu bytes)", name,
                  r.why, out->max);
        return -1;
    }
    return 0;
}
