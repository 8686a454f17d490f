/*
 * tmpl.h - mustache-like HTML templates over jansson values, compiled once.
 *
 * As in lwan's lwan-template.c, every template is parsed once at startup into
 * a flat instruction list; rendering walks that list and never re-parses.  A
 * struct tmpl_set holds all templates of one directory so that partials can
 * be resolved by name when the set is linked.
 *
 * The language:
 *   {{name}}            value, HTML-escaped (& < > " ' / ` =)
 *   {{{name}}} {{&name}} value, raw (no escaping)
 *   {{a.b.c}} {{.}}     dotted lookup; a numeric segment indexes an array;
 *                       "." is the current item.  The first segment is looked
 *                       up in the innermost context that is an object holding
 *                       it, then outwards (mustache's context stack).
 *   {{#name}}..{{/name}} section: array -> once per element (element pushed);
 *                       object, true, non-empty string, non-zero number ->
 *                       once with the value pushed; false, null, missing,
 *                       empty array, "" and 0 -> skipped.
 *   {{^name}}..{{/name}} inverted section: rendered once exactly when the
 *                       section would be skipped; nothing is pushed.
 *   {{> name}}          partial: the template "name" of the same set, with the
 *                       current context stack.
 *   {{! comment}}       ignored (may span lines; ends at the first "}}").
 *   {{name|url}}        percent-encoded for a URL query component (everything
 *                       but A-Z a-z 0-9 - . _ ~ becomes %XX, space is %20).
 *                       The result is HTML-inert, so it is also attribute-safe.
 *   {{name|json}}       the value as compact JSON (missing -> null) with < > &
 *                       U+2028 U+2029 written as \uXXXX: safe inside
 *                       <script type="application/json">.  Not HTML-escaped
 *                       (entities are not decoded inside <script>), so do not
 *                       use it in an attribute.
 *   {{name|aius}} {{name|time}} {{name|dur}} {{name|num}} {{name|addr}}
 *   {{name|rate}} {{name|bytes}} {{name|count:noun}}
 *                       a figure as people read it, through fmt.h's HTML
 *                       filters: wei as "4.821 AIUS" with the exact amount
 *                       in a title, unix seconds as a <time> "3 h ago" with
 *                       the UTC time in a title, seconds as "2 min 39 s",
 *                       "12,345", a shortened address with the whole in a
 *                       title, an emission rate as "0.8x", a size as
 *                       "1.5 MiB", and "1 task" /
 *                       "12,345 tasks" (nouns of a-z, space and -).  Their
 *                       output is HTML they built and escaped themselves;
 *                       the raw forms change nothing.
 *   Filters may also be used with the raw forms; only these exist.
 *
 * Value formatting: strings as-is, integers in decimal, reals with the
 * shortest of %.15g / %.17g that reads back exactly ("." decimal point: the
 * daemon never calls setlocale), true/false as text, null, missing, objects
 * and arrays as nothing (use |json for those).
 *
 * Whitespace rule: every byte outside tags is copied verbatim, including the
 * newline after a tag that stands alone on its line (mustache's "standalone"
 * trimming is deliberately not implemented: one rule, no surprises).
 * There is no way to change delimiters ({{=<% %>=}} is a syntax error).
 *
 * Names consist of segments of [A-Za-z0-9_-] separated by "."; template and
 * partial names of [A-Za-z0-9_.-].
 *
 * Errors: compile and link errors are written to the caller's err buffer as
 * "file:line: message" (file is the path for tmpl_set_load_dir, the template
 * name for tmpl_set_add) and are not logged here: the caller decides.  Render
 * failures are logged once (log_warnx) by tmpl_render.
 *
 * Threads: build and link a set before any thread starts.  After that the set
 * is read-only and tmpl_render may run concurrently on it from many threads.
 */
#ifndef ARBIUSD_TMPL_H
#define ARBIUSD_TMPL_H

#include <stddef.h>

#include <jansson.h>

#include "arbiusd/buf.h"
#include "arbiusd/util.h"

#define TMPL_MAX_SIZE ((size_t)1 << 20)  /* bytes of one template source */
#define TMPL_MAX_DEPTH 32                /* section nesting in one template */
#define TMPL_MAX_PARTIAL_DEPTH 16        /* partials nested at render time */
#define TMPL_MAX_STEPS ((size_t)1 << 22) /* instructions run by one render */
#define TMPL_MAX_NAME 128                /* bytes of a template name */

struct tmpl_set; /* opaque: compiled templates, partials linked */

/* Returns a new empty set, caller frees with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);

/*
 * Frees set and every template in it.  tmpl_set_free(NULL) is a no-op.
 */
void tmpl_set_free(struct tmpl_set *set);

/*
 * Compiles src (len bytes, need not be NUL-terminated; borrowed, copied) as
 * the template called name and adds it to set.  Unlinks the set: call
 * tmpl_set_link() again before rendering.  Returns 0, or -1 with
 * "name:line: message" in err (set unchanged) on a syntax error, a source
 * over TMPL_MAX_SIZE, an invalid or duplicate name.
 */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
                 size_t len, char *err, size_t errlen) WARN_UNUSED;

/*
 * Resolves every {{> partial}} of every template in set.  Returns 0, or -1
 * with "file:line: unknown partial 'x'" in err.
 */
int tmpl_set_link(struct tmpl_set *set, char *err, size_t errlen) WARN_UNUSED;

/*
 * Compiles every "*.html" file of dir (names starting with "." skipped) into
 * a new set, named after the file without ".html", and links it.  Returns 0
 * and sets *outp (caller frees with tmpl_set_free), or -1 with the message in
 * err and *outp untouched.
 */
int tmpl_set_load_dir(const char *dir, struct tmpl_set **outp /* OUT */,
                      char *err, size_t errlen) WARN_UNUSED;

/* Returns 1 if set holds a template called name, else 0. */
int tmpl_exists(const struct tmpl_set *set, const char *name);

/*
 * Renders template name with ctx (borrowed; may be NULL) as the outermost
 * context and appends the result to out.  Returns 0, or -1 (logged; out left
 * exactly as it was) if the template is unknown, the set is not linked, the
 * output would exceed out->max, partials nest deeper than
 * TMPL_MAX_PARTIAL_DEPTH, the render runs more than TMPL_MAX_STEPS
 * instructions, or a value cannot be encoded as JSON.
 * Thread-safe: reads set and ctx only.
 */
int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx,
                struct buf *out) WARN_UNUSED;

#endif
