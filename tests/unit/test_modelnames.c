/*
 * test_modelnames.c - the built-in model names are exactly the verified
 * rows of arbius/data/model_ids.json, and overrides win.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "arbiusd/modelnames.h"
#include "unit.h"

START_TEST(test_modelnames__table_is_verified_rows)
{
    char path[512];
    json_error_t err;
    json_t *root = json_load_file(
        test_data_path("arbius/model_ids.json", path, sizeof(path)), 0, &err);
    const char *group;
    json_t *items;
    size_t verified = 0, unverified = 0;

    ck_assert_msg(root != NULL, "%s: %s", path, err.text);
    json_object_foreach(root, group, items) {
        size_t i;
        json_t *r;

        if (!json_is_array(items))
            continue;
        json_array_foreach(items, i, r) {
            const char *id = json_string_value(json_object_get(r, "id"));
            const char *name = json_string_value(json_object_get(r, "name"));
            const char *got = modelnames_builtin(id);

            if (json_is_true(json_object_get(r, "verified"))) {
                const struct modelname_row *row = modelnames_row(id);

                verified++;
                ck_assert_msg(got && strcmp(got, name) == 0,
                              "%s: built-in %s, JSON %s (run "
                              "tools/gen-model-names.py)", id,
                              got ? got : "(none)", name);
                ck_assert_str_eq(row->kind, json_string_value(
                                                json_object_get(r, "kind")));
                ck_assert_str_eq(row->output,
                                 json_string_value(
                                     json_object_get(r, "output")));
            } else {
                unverified++;
                /* An unverified id must not get a name from the table
                 * unless a verified row names the same id. */
                if (got) {
                    size_t k;
                    int dup = 0;

                    for (k = 0; k < modelnames_table_len; k++)
                        dup |= strcasecmp(modelnames_table[k].id, id) == 0;
                    ck_assert(dup);
                }
                ck_assert_msg(got == NULL, "unverified %s has a name", id);
            }
        }
    }
    ck_assert_uint_eq(verified, modelnames_table_len);
    ck_assert_uint_gt(unverified, 0);
    json_decref(root);
}
END_TEST

START_TEST(test_modelnames__overrides)
{
    static char o1[] = "0xa473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0=WAI";
    static char o2[] = "0x1111111111111111111111111111111111111111111111111111111111111111=Mine";
    char *items[] = { o1, o2 };
    const char *wai = "0xA473C70E9D7C872AC948D20546BC79DB55FA64CA325A4B229AAFFDDB7F86AAE0";

    ck_assert_str_eq(modelnames_lookup(wai, items, 2), "WAI");
    ck_assert_str_eq(modelnames_lookup(wai, items, 0),
                     "WAI SDXL (NSFW) / WAI-NSFW-illustrious-SDXL-v120");
    ck_assert_str_eq(modelnames_lookup("0x1111111111111111111111111111111111111111111111111111111111111111", items, 2), "Mine");
    ck_assert_ptr_null(modelnames_lookup("0x2222222222222222222222222222222222222222222222222222222222222222", items, 2));
    ck_assert_ptr_null(modelnames_lookup("0x12", items, 2));
    ck_assert_ptr_null(modelnames_lookup(NULL, items, 2));
}
END_TEST

static Suite *modelnames_suite(void)
{
    Suite *s = suite_create("modelnames");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_modelnames__table_is_verified_rows);
    tcase_add_test(tc, test_modelnames__overrides);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(modelnames_suite)
