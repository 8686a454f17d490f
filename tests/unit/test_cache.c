/*
 * test_cache.c - the response cache's table and validators: versions,
 * least-recently-used eviction within the byte bound, If-None-Match
 * parsing.  (The request path is tests/integ/cache.test.mjs's.)
 */
#include <string.h>

#include "../../src/web/cache.c"
#include "unit.h"

/* A memo of n bytes of c under key at version 1. */
static void put(struct cache *c, const char *key, size_t n, char fill)
{
    char *data = xmalloc(n);

    memset(data, fill, n);
    cache_memo_put(c, key, 1, data, n);
    free(data);
}

static int has(struct cache *c, const char *key, uint64_t ver)
{
    struct buf b = BUF_INIT(1 << 20);
    int hit = cache_memo_get(c, key, ver, &b);

    buf_release(&b);
    return hit;
}

/* A value is found at its version only, and replaced by a newer one. */
START_TEST(test_cache__version)
{
    struct cache *c = cache_new(1 << 20);
    struct buf b = BUF_INIT(1 << 20);

    cache_memo_put(c, "k", 7, "seven", 5);
    ck_assert(cache_memo_get(c, "k", 7, &b));
    ck_assert_str_eq(b.data, "seven");
    ck_assert(!has(c, "k", 8));
    cache_memo_put(c, "k", 8, "eight", 5);
    ck_assert(!has(c, "k", 7));
    ck_assert(cache_memo_get(c, "k", 8, &b));
    ck_assert_str_eq(b.data, "eight");
    {
        struct cache_stats s;

        cache_stats(c, &s);
        ck_assert_uint_eq(s.entries, 1); /* replaced, not added */
        ck_assert_uint_eq(s.stores, 2);
    }
    buf_release(&b);
    cache_free(c);
}
END_TEST

/* The bytes stay within the bound; the least recently used go first; a
 * value larger than a quarter of the bound is not kept. */
START_TEST(test_cache__lru_within_bytes)
{
    size_t max = 64 << 10;
    struct cache *c = cache_new(max);
    struct cache_stats s;
    char key[32];
    int i;

    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(c, key, 12 << 10, (char)('a' + i));
    }
    ck_assert(has(c, "k0", 1)); /* k0 is now the most recently used */
    for (i = 4; i < 6; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(c, key, 12 << 10, (char)('a' + i));
    }
    cache_stats(c, &s);
    ck_assert_uint_le(s.bytes, max);
    ck_assert_uint_gt(s.evictions, 0);
    ck_assert(has(c, "k0", 1));
    ck_assert(!has(c, "k1", 1)); /* the least recently used went first */
    ck_assert(has(c, "k5", 1));
    put(c, "big", max / 4 + 1, 'z');
    ck_assert(!has(c, "big", 1));
    cache_free(c);
}
END_TEST

/* An entry being sent outlives its eviction (reference counted). */
START_TEST(test_cache__reference_outlives_eviction)
{
    struct cache *c = cache_new(16 << 10);
    struct cache_entry *e;

    put(c, "a", 3000, 'a');
    e = table_get(c, "a", 1, 1);
    ck_assert_ptr_nonnull(e);
    put(c, "b", 3000, 'b');
    put(c, "c", 3000, 'c');
    put(c, "d", 3000, 'd');
    put(c, "e", 3000, 'e');
    ck_assert(!has(c, "a", 1));
    ck_assert_uint_eq(e->len, 3000);
    ck_assert_int_eq(e->body[2999], 'a'); /* still readable (ASan) */
    entry_unref(e);
    cache_free(c);
}
END_TEST

/* A cache of 0 bytes keeps nothing. */
START_TEST(test_cache__off)
{
    struct cache *c = cache_new(0);

    put(c, "k", 10, 'x');
    ck_assert(!has(c, "k", 1));
    cache_free(c);
    cache_free(NULL);
}
END_TEST

START_TEST(test_cache__etag_matches)
{
    const char *e = "\"b12-00ff\"";

    ck_assert(cache_etag_matches("\"b12-00ff\"", e));
    ck_assert(cache_etag_matches("W/\"b12-00ff\"", e));
    ck_assert(cache_etag_matches("\"x\", W/\"b12-00ff\" ,\"y\"", e));
    ck_assert(cache_etag_matches("*", e));
    ck_assert(cache_etag_matches(" , *", e));
    ck_assert(!cache_etag_matches("\"b12-00f\"", e));
    ck_assert(!cache_etag_matches("\"b12-00ff", e));
    ck_assert(!cache_etag_matches("b12-00ff", e));
    ck_assert(!cache_etag_matches("", e));
    ck_assert(!cache_etag_matches("W/", e));
    ck_assert(!cache_etag_matches(",,,", e));
}
END_TEST

/* The head's version: 0 before the first scan, else differs with the
 * block or the hash. */
START_TEST(test_cache__head_version)
{
    ck_assert_uint_eq(cache_head_version(0, ""), 0);
    ck_assert_uint_ne(cache_head_version(5, "0xab"), 0);
    ck_assert_uint_ne(cache_head_version(5, "0xab"),
                      cache_head_version(6, "0xab"));
    ck_assert_uint_ne(cache_head_version(5, "0xab"),
                      cache_head_version(5, "0xac"));
    ck_assert_uint_eq(cache_head_version(5, "0xab"),
                      cache_head_version(5, "0xab"));
}
END_TEST

/* The byte validator: the same for the same bytes, another for others. */
START_TEST(test_cache__body_etag)
{
    char a[40], b[40], c[40];
    const char *x = "<p>the same bytes, more than eight of them</p>";

    body_etag(x, strlen(x), a);
    body_etag(x, strlen(x), b);
    body_etag(x, strlen(x) - 1, c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_int_eq((int)strlen(a), 20);
    ck_assert(strncmp(a, "\"g-", 3) == 0);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_cache__version);
    tcase_add_test(tc, test_cache__lru_within_bytes);
    tcase_add_test(tc, test_cache__reference_outlives_eviction);
    tcase_add_test(tc, test_cache__off);
    tcase_add_test(tc, test_cache__etag_matches);
    tcase_add_test(tc, test_cache__head_version);
    tcase_add_test(tc, test_cache__body_etag);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(cache_suite)
