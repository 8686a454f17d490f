/*
 * test_tmpl.c - unit tests for the template engine (src/web/tmpl.c).
 */
#include "arbiusd/tmpl.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/log.h"
#include "unit.h"

/* Builds a linked set from (name, source) pairs ending with NULL; fails the
 * test on any compile or link error. */
static struct tmpl_set *set_of(const char *name, ...)
{
    struct tmpl_set *set = tmpl_set_new();
    char err[256] = "";
    va_list ap;

    va_start(ap, name);
    while (name) {
        const char *src = va_arg(ap, const char *);

        ck_assert_msg(tmpl_set_add(set, name, src, strlen(src), err,
                                   sizeof(err)) == 0, "%s", err);
        name = va_arg(ap, const char *);
    }
    va_end(ap);
    ck_assert_msg(tmpl_set_link(set, err, sizeof(err)) == 0, "%s", err);
    return set;
}

/* Parses json (NULL: no context); fails the test if it is not valid. */
static json_t *ctx_of(const char *json)
{
    json_error_t je;
    json_t *v;

    if (!json)
        return NULL;
    v = json_loads(json, JSON_DECODE_ANY, &je);
    ck_assert_msg(v != NULL, "bad test JSON: %s", je.text);
    return v;
}

/* Renders name of set against json; returns a new string, or NULL if the
 * render failed. */
static char *render(const struct tmpl_set *set, const char *name,
                    const char *json)
{
    struct buf out = BUF_INIT(1 << 20);
    json_t *ctx = ctx_of(json);
    char *s = NULL;

    if (tmpl_render(set, name, ctx, &out) == 0)
        s = buf_take(&out, NULL);
    buf_release(&out);
    json_decref(ctx);
    return s;
}

/* Asserts that the one-template set {"t": src} renders json as expect. */
static void check_render(const char *src, const char *json,
                         const char *expect)
{
    struct tmpl_set *set = set_of("t", src, NULL);
    char *got = render(set, "t", json);

    ck_assert_msg(got != NULL, "render of '%s' failed", src);
    ck_assert_msg(strcmp(got, expect) == 0,
                  "template '%s'\n  got    '%s'\n  expect '%s'", src, got,
                  expect);
    free(got);
    tmpl_set_free(set);
}

/* Asserts that compiling src as "t" fails with exactly the message expect,
 * and leaves the set as it was. */
static void check_error(const char *src, const char *expect)
{
    struct tmpl_set *set = tmpl_set_new();
    char err[256] = "";

    ck_assert_msg(tmpl_set_add(set, "t", src, strlen(src), err,
                               sizeof(err)) == -1,
                  "template '%s' compiled", src);
    ck_assert_msg(strcmp(err, expect) == 0,
                  "template '%s'\n  got    '%s'\n  expect '%s'", src, err,
                  expect);
    ck_assert_int_eq(tmpl_exists(set, "t"), 0);
    tmpl_set_free(set);
}

START_TEST(test_tmpl__text_only)
{
    check_render("", "{}", "");
    check_render("<p>plain</p>\n", "{}", "<p>plain</p>\n");
    check_render("a } b { c }} d", "{}", "a } b { c }} d");
    check_render("<p>{{x}}</p>", NULL, "<p></p>");
}
END_TEST

START_TEST(test_tmpl__escape_hostile)
{
    check_render("<p>{{s}}</p>", "{\"s\": \"<script>alert(1)</script>\"}",
                 "<p>&lt;script&gt;alert(1)&lt;&#47;script&gt;</p>");
    check_render("{{s}}", "{\"s\": \"Tom & Jerry\"}", "Tom &amp; Jerry");
    check_render("{{s}}", "{\"s\": \"&amp;\"}", "&amp;amp;");
    check_render("{{s}}", "{\"s\": \"\\u00e9t\\u00e9 \\u2603\"}",
                 "\xc3\xa9t\xc3\xa9 \xe2\x98\x83");
}
END_TEST

START_TEST(test_tmpl__escape_attribute)
{
    check_render("<a title=\"{{t}}\">",
                 "{\"t\": \"\\\"><img src=x onerror=alert(1)>\"}",
                 "<a title=\"&quot;&gt;&lt;img src&#61;x "
                 "onerror&#61;alert(1)&gt;\">");
    check_render("<a title='{{t}}'>", "{\"t\": \"' onmouseover='x\"}",
                 "<a title='&#39; onmouseover&#61;&#39;x'>");
    check_render("<a title={{t}}>", "{\"t\": \"`a=b/c\"}",
                 "<a title=&#96;a&#61;b&#47;c>");
}
END_TEST

START_TEST(test_tmpl__raw)
{
    const char *ctx = "{\"h\": \"<b>\\\"x\\\" & 'y'</b>\"}";

    check_render("{{{h}}}", ctx, "<b>\"x\" & 'y'</b>");
    check_render("{{&h}}", ctx, "<b>\"x\" & 'y'</b>");
    check_render("{{& h }}|{{{ h }}}", ctx,
                 "<b>\"x\" & 'y'</b>|<b>\"x\" & 'y'</b>");
    check_render("{{{n}}}", "{\"n\": 7}", "7");
}
END_TEST

START_TEST(test_tmpl__numbers)
{
    check_render("{{i}} {{neg}} {{big}} {{zero}}",
                 "{\"i\": 42, \"neg\": -7, \"big\": 9223372036854775807,"
                 " \"zero\": 0}",
                 "42 -7 9223372036854775807 0");
    check_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
                 "{\"a\": 0.1, \"b\": 1.5, \"c\": 3.0, \"d\": 1e300,"
                 " \"e\": -0.25, \"f\": 0.30000000000000004}",
                 "0.1 1.5 3 1e+300 -0.25 0.30000000000000004");
    check_render("{{t}} {{f}} [{{n}}] [{{missing}}] [{{o}}] [{{a}}]",
                 "{\"t\": true, \"f\": false, \"n\": null, \"o\": {\"x\": 1},"
                 " \"a\": [1, 2]}",
                 "true false [] [] [] []");
}
END_TEST

START_TEST(test_tmpl__dotted_names)
{
    const char *ctx = "{\"a\": {\"b\": {\"c\": \"deep\"}},"
                      " \"items\": [{\"name\": \"x\"}, {\"name\": \"y\"}]}";

    check_render("{{a.b.c}}", ctx, "deep");
    check_render("{{ a.b.c }}", ctx, "deep");
    check_render("[{{a.x.c}}][{{a.b.c.d}}][{{nope.b}}]", ctx, "[][][]");
    check_render("{{items.1.name}} {{items.0.name}} [{{items.2.name}}]", ctx,
                 "y x []");
    check_render("{{#a.b}}{{c}}{{/a.b}}", ctx, "deep");
}
END_TEST

START_TEST(test_tmpl__current_item)
{
    check_render("{{#xs}}{{.}},{{/xs}}", "{\"xs\": [1, \"<a>\", true, 2.5]}",
                 "1,&lt;a&gt;,true,2.5,");
    check_render("{{#xs}}{{{.}}}{{/xs}}", "{\"xs\": [\"<a>\"]}", "<a>");
    check_render("{{.}}", "\"top\"", "top");
    check_render("[{{.}}]", "{\"a\": 1}", "[]");
}
END_TEST

START_TEST(test_tmpl__section_array)
{
    check_render("<ul>{{#items}}<li>{{name}}={{v}}</li>{{/items}}</ul>",
                 "{\"items\": [{\"name\": \"a\", \"v\": 1},"
                 " {\"name\": \"b\", \"v\": 2}]}",
                 "<ul><li>a=1</li><li>b=2</li></ul>");
    check_render("<ul>{{#items}}<li>x</li>{{/items}}</ul>",
                 "{\"items\": []}", "<ul></ul>");
}
END_TEST

START_TEST(test_tmpl__section_object)
{
    check_render("{{#user}}{{name}} ({{id}}){{/user}}",
                 "{\"user\": {\"name\": \"ann\", \"id\": 3}}", "ann (3)");
    check_render("{{#user}}x{{/user}}", "{\"user\": {}}", "x");
}
END_TEST

START_TEST(test_tmpl__section_truthiness)
{
    const char *ctx = "{\"t\": true, \"f\": false, \"n\": null, \"e\": \"\","
                      " \"s\": \"str\", \"z\": 0, \"one\": 1, \"rz\": 0.0,"
                      " \"r\": 0.5, \"ea\": []}";

    check_render("{{#t}}T{{/t}}{{#f}}F{{/f}}{{#n}}N{{/n}}{{#missing}}M"
                 "{{/missing}}{{#e}}E{{/e}}{{#s}}S{{/s}}{{#z}}Z{{/z}}"
                 "{{#one}}O{{/one}}{{#rz}}R0{{/rz}}{{#r}}R{{/r}}"
                 "{{#ea}}A{{/ea}}",
                 ctx, "TSOR");
    /* A scalar section pushes the value itself. */
    check_render("{{#s}}[{{.}}]{{/s}}{{#one}}[{{.}}]{{/one}}", ctx,
                 "[str][1]");
}
END_TEST

START_TEST(test_tmpl__inverted)
{
    const char *ctx = "{\"t\": true, \"f\": false, \"n\": null, \"e\": \"\","
                      " \"s\": \"str\", \"z\": 0, \"ea\": [], \"a\": [1],"
                      " \"o\": {}}";

    check_render("{{^t}}T{{/t}}{{^f}}F{{/f}}{{^n}}N{{/n}}{{^missing}}M"
                 "{{/missing}}{{^e}}E{{/e}}{{^s}}S{{/s}}{{^z}}Z{{/z}}"
                 "{{^ea}}A{{/ea}}{{^a}}X{{/a}}{{^o}}O{{/o}}",
                 ctx, "FNMEZA");
    check_render("{{#items}}<li>{{.}}</li>{{/items}}"
                 "{{^items}}<p>none</p>{{/items}}",
                 "{\"items\": []}", "<p>none</p>");
}
END_TEST

START_TEST(test_tmpl__nested_context_stack)
{
    const char *ctx =
        "{\"site\": \"S\", \"name\": \"root\","
        " \"rows\": [{\"name\": \"r1\", \"cells\": [{\"v\": 1}, {\"v\": 2,"
        " \"name\": \"c2\"}]}, {\"name\": \"r2\", \"cells\": []}]}";

    /* Inner names shadow outer ones; misses walk out to the root. */
    check_render("{{#rows}}<tr>{{#cells}}<td>{{site}}/{{name}}/{{v}}</td>"
                 "{{/cells}}</tr>{{/rows}}{{name}}",
                 ctx,
                 "<tr><td>S/r1/1</td><td>S/c2/2</td></tr><tr></tr>root");
    /* Mustache rule: a dotted name commits to the first context holding
     * its first segment. */
    check_render("{{#a}}[{{b.c}}]{{/a}}",
                 "{\"b\": {\"c\": \"outer\"}, \"a\": {\"b\": {}}}", "[]");
    check_render("{{#a}}[{{b.c}}]{{/a}}",
                 "{\"b\": {\"c\": \"outer\"}, \"a\": {\"x\": 1}}", "[outer]");
    /* A non-object context is skipped by name lookup. */
    check_render("{{#xs}}{{k}}{{/xs}}", "{\"k\": \"K\", \"xs\": [1, 2]}",
                 "KK");
    check_render("{{#a}}{{#a}}x{{/a}}{{/a}}", "{\"a\": [1, 2]}", "xxxx");
}
END_TEST

START_TEST(test_tmpl__whitespace_kept)
{
    /* Documented rule: standalone tag lines keep their newlines. */
    check_render("a\n{{#x}}\nb\n{{/x}}\nc\n", "{\"x\": true}",
                 "a\n\nb\n\nc\n");
    check_render("a\n  {{! note }}\nb", "{}", "a\n  \nb");
}
END_TEST

START_TEST(test_tmpl__comments)
{
    check_render("a{{! a comment with {braces} and } }}b{{!}}c", "{}", "abc");
    check_render("a{{!\nmulti\nline\n}}b", "{}", "ab");
    /* Lines inside a comment still count for later errors. */
    check_error("{{!\n\n}}\n{{#a}}", "t:4: unclosed section 'a'");
}
END_TEST

START_TEST(test_tmpl__partials)
{
    struct tmpl_set *set = set_of(
        "page", "<html>{{> header}}<main>{{#items}}{{>item}}{{/items}}"
                "</main></html>",
        "header", "<h1>{{title}}</h1>",
        "item", "<li>{{name}} of {{title}}</li>",
        NULL);
    char *got = render(set, "page",
                       "{\"title\": \"T<\", \"items\": [{\"name\": \"a\"},"
                       " {\"name\": \"b\"}]}");

    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "<html><h1>T&lt;</h1><main><li>a of T&lt;</li>"
                          "<li>b of T&lt;</li></main></html>");
    free(got);
    ck_assert_int_eq(tmpl_exists(set, "page"), 1);
    ck_assert_int_eq(tmpl_exists(set, "item"), 1);
    ck_assert_int_eq(tmpl_exists(set, "nope"), 0);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__partial_missing)
{
    struct tmpl_set *set = tmpl_set_new();
    const char *src = "a\n{{> nope}}\n";
    char err[256] = "";
    struct buf out = BUF_INIT(1024);

    ck_assert_int_eq(tmpl_set_add(set, "t", src, strlen(src), err,
                                  sizeof(err)), 0);
    ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "t:2: unknown partial 'nope'");
    /* An unlinked set does not render. */
    ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), -1);
    ck_assert_uint_eq(out.len, 0);
    /* Adding the partial and linking again fixes it. */
    ck_assert_int_eq(tmpl_set_add(set, "nope", "N", 1, err, sizeof(err)), 0);
    ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), 0);
    ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
    ck_assert_str_eq(out.data, "a\nN\n");
    buf_release(&out);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__partial_recursion)
{
    struct tmpl_set *set = set_of(
        "loop", "x{{>loop}}",
        "node", "<li>{{name}}{{#kids}}<ul>{{>node}}</ul>{{/kids}}</li>",
        "ping", "{{>pong}}", "pong", "{{>ping}}",
        NULL);
    struct buf out = BUF_INIT(1 << 20);
    char *got;

    /* Data-terminated recursion is fine.  (Leaves need "kids": [], or
     * the lookup would find an outer "kids", as in any mustache.) */
    got = render(set, "node",
                 "{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\":"
                 " [{\"name\": \"c\", \"kids\": []}]},"
                 " {\"name\": \"d\", \"kids\": []}]}");
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "<li>a<ul><li>b<ul><li>c</li></ul></li></ul>"
                          "<ul><li>d</li></ul></li>");
    free(got);
    /* Endless recursion hits the depth limit, and out is left as it was. */
    ck_assert_int_eq(buf_add(&out, "keep", 4), 0);
    ck_assert_int_eq(tmpl_render(set, "loop", NULL, &out), -1);
    ck_assert_str_eq(out.data, "keep");
    ck_assert_int_eq(tmpl_render(set, "ping", NULL, &out), -1);
    ck_assert_str_eq(out.data, "keep");
    buf_release(&out);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__partial_depth_limit_exact)
{
    char names[TMPL_MAX_PARTIAL_DEPTH + 2][16];
    char srcs[TMPL_MAX_PARTIAL_DEPTH + 2][40];
    struct tmpl_set *set = tmpl_set_new();
    char err[256];
    char *got;
    unsigned i;

    /* p0 -> p1 -> ... -> pN: exactly TMPL_MAX_PARTIAL_DEPTH partials deep
     * renders, one more fails. */
    for (i = 0; i <= TMPL_MAX_PARTIAL_DEPTH + 1; i++) {
        snprintf(names[i], sizeof(names[i]), "p%u", i);
        if (i <= TMPL_MAX_PARTIAL_DEPTH)
            snprintf(srcs[i], sizeof(srcs[i]), "%u{{>p%u}}", i, i + 1);
        else
            snprintf(srcs[i], sizeof(srcs[i]), "end");
        ck_assert_int_eq(tmpl_set_add(set, names[i], srcs[i],
                                      strlen(srcs[i]), err, sizeof(err)), 0);
    }
    ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), 0);
    got = render(set, "p1", NULL);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "12345678910111213141516end");
    free(got);
    ck_assert_ptr_null(render(set, "p0", NULL));
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__filter_url)
{
    check_render("<a href=\"/search?q={{q|url}}\">",
                 "{\"q\": \"a b&c=d/\\u00e9?#%+\"}",
                 "<a href=\"/search?q=a%20b%26c%3Dd%2F%C3%A9%3F%23%25%2B\">");
    check_render("{{q|url}}", "{\"q\": \"AZaz09-._~\"}", "AZaz09-._~");
    check_render("{{q|url}}", "{\"q\": \"\\\"><script>\"}",
                 "%22%3E%3Cscript%3E");
    check_render("{{ n | url }}|{{{n|url}}}|{{&n|url}}|[{{m|url}}]",
                 "{\"n\": -1.5}", "-1.5|-1.5|-1.5|[]");
}
END_TEST

START_TEST(test_tmpl__filter_json)
{
    check_render("<script type=\"application/json\">{{d|json}}</script>",
                 "{\"d\": {\"s\": \"</script><!-- & \\u2028\\u2029\","
                 " \"n\": [1, 2.5, true, null]}}",
                 "<script type=\"application/json\">"
                 "{\"s\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 "
                 "\\u2028\\u2029\",\"n\":[1,2.5,true,null]}</script>");
    check_render("{{m|json}} {{s|json}} {{i|json}} {{{s|json}}}",
                 "{\"s\": \"a'b\", \"i\": 3}",
                 "null \"a'b\" 3 \"a'b\"");
    /* Other non-ASCII text is kept as UTF-8. */
    check_render("{{s|json}}", "{\"s\": \"\\u00e9\\u2027\\u202a\"}",
                 "\"\xc3\xa9\xe2\x80\xa7\xe2\x80\xaa\"");
    check_render("{{#xs}}{{.|json}}{{/xs}}", "{\"xs\": [{\"a\": 1}]}",
                 "{\"a\":1}");
}
END_TEST

START_TEST(test_tmpl__filter_fmt)
{
    /* fmt.h's filters; their own cases are in test_fmt.c. */
    check_render("{{w|aius}}|{{n|num}}|{{n|count:task}}|{{one|count:entry}}",
                 "{\"w\": \"4821500000000000000\", \"n\": 12345, \"one\": 1}",
                 "<span class=\"aius\" title=\"4.8215 AIUS\">4.822 AIUS"
                 "</span>|12,345|12,345 tasks|1 entry");
    check_render("{{{w|aius}}} {{s|dur}} {{r|rate}}",
                 "{\"w\": 0, \"s\": 159, \"r\": \"800000000000000000\"}",
                 "<span class=\"aius\" title=\"0 AIUS\">0 AIUS</span> "
                 "2 min 39 s <span class=\"rate\" title=\"emission weight: "
                 "0.8 times the base reward\">0.8\xc3\x97</span>");
    /* Values of the wrong kind: a dash, or the string escaped. */
    check_render("{{m|aius}} {{s|aius}} {{m|time}} {{s|addr}} {{m|count:x}}",
                 "{\"s\": \"<b>\"}",
                 "\xe2\x80\x93 &lt;b&gt; \xe2\x80\x93 &lt;b&gt; "
                 "\xe2\x80\x93");
    check_render("{{a|addr}}",
                 "{\"a\": \"0x976ea74026e726554db657fa54763abd0c3a0aa9\"}",
                 "<span class=\"addr\" title=\"0x976ea74026e726554db657fa"
                 "54763abd0c3a0aa9\">0x976e\xe2\x80\xa6"
                 "0aa9</span>");
}
END_TEST

START_TEST(test_tmpl__syntax_errors)
{
    check_error("a\n\n{{name", "t:3: unclosed tag");
    check_error("a\n{{{name}}", "t:2: unclosed tag");
    check_error("{{", "t:1: unclosed tag");
    check_error("{{{", "t:1: unclosed tag");
    check_error("x\n{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}",
                "t:4: section end 'a' does not match 'b' opened at line 3");
    check_error("{{#a}}\n\n{{^b}}\n{{/b}}\n", "t:1: unclosed section 'a'");
    check_error("a\n{{/a}}", "t:2: unexpected section end 'a'");
    check_error("\n\n\n\n{{x|upper}}", "t:5: unknown filter 'upper'");
    check_error("{{x|}}", "t:1: unknown filter ''");
    check_error("{{x|url|json}}", "t:1: unknown filter 'url|json'");
    check_error("{{x|count}}",
                "t:1: count takes a noun (count:task), no other filter does");
    check_error("{{x|num:task}}",
                "t:1: count takes a noun (count:task), no other filter does");
    check_error("{{x|count:Task}}", "t:1: bad noun 'Task' (a-z, space, -)");
    check_error("{{x|count:a<b}}", "t:1: bad noun 'a<b' (a-z, space, -)");
    check_error("\n{{}}", "t:2: empty name");
    check_error("{{  }}", "t:1: empty name");
    check_error("{{{}}}", "t:1: empty name");
    check_error("{{&}}", "t:1: empty name");
    check_error("{{#}}{{/}}", "t:1: empty name");
    check_error("{{#a}}{{/}}", "t:1: empty name");
    check_error("{{|url}}", "t:1: empty name");
    check_error("\n\n{{a b}}", "t:3: invalid name 'a b'");
    check_error("{{a..b}}", "t:1: invalid name 'a..b'");
    check_error("{{.a}}", "t:1: invalid name '.a'");
    check_error("{{a.}}", "t:1: invalid name 'a.'");
    check_error("{{a<b}}", "t:1: invalid name 'a<b'");
    check_error("{{#a b}}{{/a b}}", "t:1: invalid name 'a b'");
    check_error("{{\x01}}", "t:1: invalid name '?'");
    check_error("\n{{>}}", "t:2: empty partial name");
    check_error("{{> a/b}}", "t:1: invalid partial name 'a/b'");
    check_error("{{> a b}}", "t:1: invalid partial name 'a b'");
    check_error("{{#a|json}}{{/a}}",
                "t:1: filters are only allowed on variables");
    check_error("{{=<% %>=}}", "t:1: set delimiter tags are not supported");
    /* A tag's line is where it starts, even if it spans lines. */
    check_error("{{!\n}}{{#a\n}}x", "t:2: unclosed section 'a'");
}
END_TEST

START_TEST(test_tmpl__nesting_limit)
{
    struct buf src = BUF_INIT(4096);
    struct tmpl_set *set = tmpl_set_new();
    char err[256];
    int i;

    for (i = 0; i < TMPL_MAX_DEPTH; i++)
        ck_assert_int_eq(buf_adds(&src, "{{#a}}"), 0);
    for (i = 0; i < TMPL_MAX_DEPTH; i++)
        ck_assert_int_eq(buf_adds(&src, "{{/a}}"), 0);
    ck_assert_int_eq(tmpl_set_add(set, "ok", src.data, src.len, err,
                                  sizeof(err)), 0);
    buf_reset(&src);
    for (i = 0; i <= TMPL_MAX_DEPTH; i++)
        ck_assert_int_eq(buf_addf(&src, "{{#a}}\n"), 0);
    ck_assert_int_eq(tmpl_set_add(set, "deep", src.data, src.len, err,
                                  sizeof(err)), -1);
    ck_assert_str_eq(err, "deep:33: sections nested deeper than 32");
    buf_release(&src);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__size_and_name_errors)
{
    struct tmpl_set *set = tmpl_set_new();
    char *big = xmalloc(TMPL_MAX_SIZE + 1);
    char err[256];
    char tiny[12];

    memset(big, 'a', TMPL_MAX_SIZE + 1);
    ck_assert_int_eq(tmpl_set_add(set, "big", big, TMPL_MAX_SIZE + 1, err,
                                  sizeof(err)), -1);
    ck_assert_str_eq(err, "big: template larger than 1048576 bytes");
    ck_assert_int_eq(tmpl_set_add(set, "big", big, TMPL_MAX_SIZE, err,
                                  sizeof(err)), 0);
    free(big);
    ck_assert_int_eq(tmpl_set_add(set, "big", "x", 1, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "big: duplicate template 'big'");
    ck_assert_int_eq(tmpl_set_add(set, "", "x", 1, err, sizeof(err)), -1);
    ck_assert_str_eq(err, ": invalid template name ''");
    ck_assert_int_eq(tmpl_set_add(set, "a b", "x", 1, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "a b: invalid template name 'a b'");
    /* The message is truncated to the caller's buffer, and err is
     * optional. */
    ck_assert_int_eq(tmpl_set_add(set, "t", "{{#", 3, tiny, sizeof(tiny)),
                     -1);
    ck_assert_str_eq(tiny, "t:1: unclos");
    ck_assert_int_eq(tmpl_set_add(set, "t", "{{#", 3, NULL, 0), -1);
    ck_assert_int_eq(tmpl_exists(set, "t"), 0);
    tmpl_set_free(set);
    tmpl_set_free(NULL);
}
END_TEST

START_TEST(test_tmpl__output_cap)
{
    struct tmpl_set *set = set_of(
        "text", "0123456789",
        "esc", "{{s}}",
        "json", "{{s|json}}",
        "url", "{{s|url}}",
        NULL);
    json_t *ctx = ctx_of("{\"s\": \"<<<\"}");
    struct buf out = BUF_INIT(10);

    /* Exactly max bytes fits. */
    ck_assert_int_eq(tmpl_render(set, "text", ctx, &out), 0);
    ck_assert_str_eq(out.data, "0123456789");
    /* One byte more fails, leaving out untouched. */
    buf_reset(&out);
    ck_assert_int_eq(buf_add(&out, "x", 1), 0);
    ck_assert_int_eq(tmpl_render(set, "text", ctx, &out), -1);
    ck_assert_str_eq(out.data, "x");
    /* The escaped form is what counts: "<<<" is 12 bytes escaped. */
    buf_reset(&out);
    ck_assert_int_eq(tmpl_render(set, "esc", ctx, &out), -1);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(tmpl_render(set, "json", ctx, &out), -1);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(tmpl_render(set, "url", ctx, &out), 0);
    ck_assert_str_eq(out.data, "%3C%3C%3C");
    buf_reset(&out);
    ck_assert_int_eq(buf_add(&out, "xx", 2), 0);
    ck_assert_int_eq(tmpl_render(set, "url", ctx, &out), -1);
    ck_assert_str_eq(out.data, "xx");
    buf_release(&out);
    json_decref(ctx);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__appends)
{
    struct tmpl_set *set = set_of("t", "<b>{{x}}</b>", NULL);
    json_t *ctx = ctx_of("{\"x\": 1}");
    struct buf out = BUF_INIT(1024);

    ck_assert_int_eq(buf_adds(&out, "<!doctype html>"), 0);
    ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
    ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
    ck_assert_str_eq(out.data, "<!doctype html><b>1</b><b>1</b>");
    ck_assert_int_eq(tmpl_render(set, "nope", ctx, &out), -1);
    ck_assert_str_eq(out.data, "<!doctype html><b>1</b><b>1</b>");
    buf_release(&out);
    json_decref(ctx);
    tmpl_set_free(set);
}
END_TEST

START_TEST(test_tmpl__step_limit)
{
    struct buf src = BUF_INIT(1 << 20);
    struct buf out = BUF_INIT((size_t)64 << 20);
    struct tmpl_set *set = tmpl_set_new();
    json_t *xs = json_array();
    char err[256];
    size_t i;

    /* 2048 elements x 2049 ops > TMPL_MAX_STEPS: refused, not run. */
    ck_assert_int_eq(buf_adds(&src, "{{#xs}}"), 0);
    for (i = 0; i < 2048; i++)
        ck_assert_int_eq(buf_adds(&src, "{{.}}"), 0);
    ck_assert_int_eq(buf_adds(&src, "{{/xs}}"), 0);
    for (i = 0; i < 2048; i++)
        ck_assert_int_eq(json_array_append_new(xs, json_integer(0)), 0);
    ck_assert_int_eq(tmpl_set_add(set, "t", src.data, src.len, err,
                                  sizeof(err)), 0);
    ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), 0);
    {
        json_t *ctx = json_pack("{s:O}", "xs", xs);

        ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), -1);
        ck_assert_uint_eq(out.len, 0);
        /* Half the data is within the limit. */
        for (i = 0; i < 1024; i++)
            ck_assert_int_eq(json_array_remove(xs, 0), 0);
        ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
        ck_assert_uint_eq(out.len, 1024 * 2048);
        json_decref(ctx);
    }
    json_decref(xs);
    buf_release(&out);
    buf_release(&src);
    tmpl_set_free(set);
}
END_TEST

/* Writes s to dir/name; fails the test on error. */
static void write_file(const char *dir, const char *name, const char *s)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(s, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

START_TEST(test_tmpl__load_dir)
{
    char dir[] = "/tmp/test_tmpl_XXXXXX";
    char expect[600];
    struct tmpl_set *set = NULL;
    char err[512] = "";
    char *got;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "index.html", "{{>head}}<p>{{msg}}</p>\n");
    write_file(dir, "head.html", "<title>{{title}}</title>");
    write_file(dir, ".hidden.html", "{{#broken");
    write_file(dir, "notes.txt", "{{#broken");
    ck_assert_msg(tmpl_set_load_dir(dir, &set, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert_int_eq(tmpl_exists(set, "index"), 1);
    ck_assert_int_eq(tmpl_exists(set, "head"), 1);
    ck_assert_int_eq(tmpl_exists(set, ".hidden"), 0);
    ck_assert_int_eq(tmpl_exists(set, "notes"), 0);
    got = render(set, "index", "{\"title\": \"A&B\", \"msg\": \"hi\"}");
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "<title>A&amp;B</title><p>hi</p>\n");
    free(got);
    tmpl_set_free(set);

    /* A syntax error names the file and line; *outp is untouched. */
    set = NULL;
    write_file(dir, "bad.html", "ok\n{{#a}}\n{{/b}}\n");
    ck_assert_int_eq(tmpl_set_load_dir(dir, &set, err, sizeof(err)), -1);
    ck_assert_ptr_null(set);
    snprintf(expect, sizeof(expect),
             "%s/bad.html:3: section end 'b' does not match 'a' opened at "
             "line 2", dir);
    ck_assert_str_eq(err, expect);
    remove_file(dir, "bad.html");

    /* So does a missing partial, found at link time. */
    write_file(dir, "foot.html", "\n\n{{> footer}}");
    ck_assert_int_eq(tmpl_set_load_dir(dir, &set, err, sizeof(err)), -1);
    snprintf(expect, sizeof(expect),
             "%s/foot.html:3: unknown partial 'footer'", dir);
    ck_assert_str_eq(err, expect);
    remove_file(dir, "foot.html");

    remove_file(dir, "index.html");
    remove_file(dir, "head.html");
    remove_file(dir, ".hidden.html");
    remove_file(dir, "notes.txt");
    ck_assert_int_eq(rmdir(dir), 0);

    ck_assert_int_eq(tmpl_set_load_dir(dir, &set, err, sizeof(err)), -1);
    snprintf(expect, sizeof(expect), "%s: No such file or directory", dir);
    ck_assert_str_eq(err, expect);
    ck_assert_ptr_null(set);
}
END_TEST

#define CONC_THREADS 8
#define CONC_ROUNDS 300

struct conc_arg {
    const struct tmpl_set *set; /* shared, read-only */
    json_t *ctx;                /* shared, read-only */
    const char *expect;         /* the one right answer */
    int failures;               /* OUT: renders that differed */
};

static void *conc_main(void *p)
{
    struct conc_arg *a = p;
    struct buf out = BUF_INIT(1 << 20);
    int i;

    for (i = 0; i < CONC_ROUNDS; i++) {
        buf_reset(&out);
        if (tmpl_render(a->set, "page", a->ctx, &out) != 0 ||
            strcmp(out.data, a->expect) != 0)
            a->failures++;
    }
    buf_release(&out);
    return NULL;
}

START_TEST(test_tmpl__concurrent_render)
{
    struct tmpl_set *set = set_of(
        "page", "<h1>{{title}}</h1>{{#rows}}{{>row}}{{/rows}}"
                "{{^rows}}none{{/rows}}<script>{{rows|json}}</script>",
        "row", "<a href=\"?q={{q|url}}\">{{q}} {{n}} {{title}}</a>",
        NULL);
    json_t *ctx = ctx_of("{\"title\": \"<T>\", \"rows\": [{\"q\": \"a b\","
                         " \"n\": 1}, {\"q\": \"c&d\", \"n\": 2.5}]}");
    struct conc_arg args[CONC_THREADS];
    pthread_t th[CONC_THREADS];
    char *expect = render(set, "page", "{\"title\": \"<T>\", \"rows\":"
                          " [{\"q\": \"a b\", \"n\": 1}, {\"q\": \"c&d\","
                          " \"n\": 2.5}]}");
    int i;

    ck_assert_ptr_nonnull(expect);
    ck_assert_str_eq(expect,
                     "<h1>&lt;T&gt;</h1>"
                     "<a href=\"?q=a%20b\">a b 1 &lt;T&gt;</a>"
                     "<a href=\"?q=c%26d\">c&amp;d 2.5 &lt;T&gt;</a>"
                     "<script>[{\"q\":\"a b\",\"n\":1},"
                     "{\"q\":\"c\\u0026d\",\"n\":2.5}]</script>");
    for (i = 0; i < CONC_THREADS; i++) {
        args[i].set = set;
        args[i].ctx = ctx;
        args[i].expect = expect;
        args[i].failures = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, conc_main, &args[i]),
                         0);
    }
    for (i = 0; i < CONC_THREADS; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(args[i].failures, 0);
    }
    free(expect);
    json_decref(ctx);
    tmpl_set_free(set);
}
END_TEST

static Suite *tmpl_suite(void)
{
    Suite *s = suite_create("tmpl");
    TCase *tc = tcase_create("core");

    /* Render failures log at warn level; keep test output readable. */
    log_init(LOG_LVL_ERROR);
    tcase_add_test(tc, test_tmpl__text_only);
    tcase_add_test(tc, test_tmpl__escape_hostile);
    tcase_add_test(tc, test_tmpl__escape_attribute);
    tcase_add_test(tc, test_tmpl__raw);
    tcase_add_test(tc, test_tmpl__numbers);
    tcase_add_test(tc, test_tmpl__dotted_names);
    tcase_add_test(tc, test_tmpl__current_item);
    tcase_add_test(tc, test_tmpl__section_array);
    tcase_add_test(tc, test_tmpl__section_object);
    tcase_add_test(tc, test_tmpl__section_truthiness);
    tcase_add_test(tc, test_tmpl__inverted);
    tcase_add_test(tc, test_tmpl__nested_context_stack);
    tcase_add_test(tc, test_tmpl__whitespace_kept);
    tcase_add_test(tc, test_tmpl__comments);
    tcase_add_test(tc, test_tmpl__partials);
    tcase_add_test(tc, test_tmpl__partial_missing);
    tcase_add_test(tc, test_tmpl__partial_recursion);
    tcase_add_test(tc, test_tmpl__partial_depth_limit_exact);
    tcase_add_test(tc, test_tmpl__filter_url);
    tcase_add_test(tc, test_tmpl__filter_json);
    tcase_add_test(tc, test_tmpl__filter_fmt);
    tcase_add_test(tc, test_tmpl__syntax_errors);
    tcase_add_test(tc, test_tmpl__nesting_limit);
    tcase_add_test(tc, test_tmpl__size_and_name_errors);
    tcase_add_test(tc, test_tmpl__output_cap);
    tcase_add_test(tc, test_tmpl__appends);
    tcase_add_test(tc, test_tmpl__step_limit);
    tcase_add_test(tc, test_tmpl__load_dir);
    tcase_add_test(tc, test_tmpl__concurrent_render);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(tmpl_suite)
