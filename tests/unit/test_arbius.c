/* test_arbius.c - logs and calldata into records; hostile data flagged. */
#include <string.h>

#include "arbiusd/abi.h"
#include "arbiusd/arbius.h"
#include "arbiusd/buf.h"
#include "arbiusd/keccak.h"
#include "unit.h"

static const struct arbius_addrs A = {
    .engine = { 0xe1, 0xe1 }, .token = { 0x70 }, .router = { 0x20 },
    .has_router = 1,
};

static void topic_of(const char *sig, uint8_t out[32])
{
    keccak256(sig, strlen(sig), out);
}

static void addr_word(uint8_t w[32], uint8_t fill)
{
    memset(w, 0, 32);
    memset(w + 12, fill, 20);
}

static struct arbius_log mklog(const uint8_t addr[20], size_t ntopics)
{
    struct arbius_log l;

    memset(&l, 0, sizeof(l));
    memcpy(l.address, addr, 20);
    l.ntopics = ntopics;
    l.block = 7;
    l.log_index = 3;
    memcpy(l.tx, "0xabc", 6);
    return l;
}

START_TEST(test_arbius__task_submitted)
{
    struct arbius_log l = mklog(A.engine, 4);
    uint8_t data[32] = { 0 };
    struct st_event ev;

    arbius_init();
    topic_of("TaskSubmitted(bytes32,bytes32,uint256,address)", l.topics[0]);
    memset(l.topics[1], 0x11, 32);
    memset(l.topics[2], 0x22, 32);
    addr_word(l.topics[3], 0x33);
    data[30] = 0x01; /* fee 256 */
    l.data = data;
    l.data_len = 32;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_int_eq(ev.kind, ST_TASK);
    ck_assert_str_eq(ev.u.task.id, "0x1111111111111111111111111111111111111111111111111111111111111111");
    ck_assert_str_eq(ev.u.task.sender, "0x3333333333333333333333333333333333333333");
    ck_assert_str_eq(ev.u.task.owner, ev.u.task.sender);
    ck_assert_str_eq(ev.u.task.fee, "256");
    ck_assert_uint_eq(ev.pos.block, 7);
    ck_assert_uint_eq(ev.u.task.input_flags, TASK_INPUT_MISSING);
    st_event_release(&ev);

    /* Wrong topic count: kept, flagged malformed. */
    l.ntopics = 3;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_int_eq(ev.kind, ST_OTHER);
    ck_assert_str_eq(ev.u.other.name, "malformed");
    ck_assert_ptr_nonnull(strstr(ev.u.other.args_json, "TaskSubmitted"));
    st_event_release(&ev);

    /* Dirty address word: malformed, not a wrong address. */
    l.ntopics = 4;
    l.topics[3][0] = 1;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_int_eq(ev.kind, ST_OTHER);
    ck_assert_str_eq(ev.u.other.name, "malformed");
    st_event_release(&ev);

    /* Data too short. */
    l.topics[3][0] = 0;
    l.data_len = 31;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_str_eq(ev.u.other.name, "malformed");
    st_event_release(&ev);
}
END_TEST

START_TEST(test_arbius__token_and_unknown)
{
    struct arbius_log l = mklog(A.token, 3);
    uint8_t data[32] = { 0 };
    struct st_event ev;

    arbius_init();
    topic_of("Transfer(address,address,uint256)", l.topics[0]);
    addr_word(l.topics[1], 0x44); /* not from the engine */
    addr_word(l.topics[2], 0x55);
    data[31] = 9;
    l.data = data;
    l.data_len = 32;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 1);
    memset(l.topics[1], 0, 32);
    memcpy(l.topics[1] + 12, A.engine, 20);
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_int_eq(ev.kind, ST_TRANSFER);
    ck_assert_str_eq(ev.u.transfer.amount, "9");
    ck_assert_str_eq(ev.u.transfer.dst, "0x5555555555555555555555555555555555555555");
    st_event_release(&ev);

    /* An engine event nobody knows: stored with its raw topics and data. */
    l = mklog(A.engine, 2);
    memset(l.topics[0], 0xaa, 32);
    memset(l.topics[1], 0xbb, 32);
    l.data = data;
    l.data_len = 32;
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 0);
    ck_assert_int_eq(ev.kind, ST_OTHER);
    ck_assert_str_eq(ev.u.other.name, "unknown");
    ck_assert_ptr_nonnull(strstr(ev.u.other.args_json, "\"data\":\"0x"));
    st_event_release(&ev);

    /* Logs of other contracts are not ours. */
    l = mklog((const uint8_t[20]){ 1 }, 1);
    ck_assert_int_eq(arbius_decode_log(&l, &A, &ev), 1);
}
END_TEST

START_TEST(test_arbius__task_input_flags)
{
    struct st_task t;
    static const uint8_t bad_utf8[] = { '{', '"', 0xff, '"', '}' };

    memset(&t, 0, sizeof(t));
    arbius_task_set_input(&t, (const uint8_t *)"{\"prompt\":\"a fox\",\"seed\":1}", 27);
    ck_assert_uint_eq(t.input_flags, 0);
    ck_assert_str_eq(t.prompt, "a fox");
    ck_assert_str_eq(t.input_json, "{\"prompt\":\"a fox\",\"seed\":1}");
    ck_assert_uint_eq(strlen(t.cid), 70);
    arbius_task_set_input(&t, bad_utf8, sizeof(bad_utf8));
    ck_assert_uint_eq(t.input_flags, TASK_INPUT_BAD_UTF8 | TASK_INPUT_NOT_JSON);
    ck_assert_ptr_null(t.prompt);
    ck_assert_uint_eq(t.input_len, sizeof(bad_utf8));
    t.input_flags = 0;
    arbius_task_set_input(&t, (const uint8_t *)"[1,2]", 5);
    ck_assert_uint_eq(t.input_flags, TASK_INPUT_NOT_OBJECT);
    t.input_flags = 0;
    arbius_task_set_input(&t, (const uint8_t *)"{\"prompt\":42}", 13);
    ck_assert_uint_eq(t.input_flags, TASK_INPUT_NO_PROMPT);
    t.input_flags = 0;
    arbius_task_set_input(&t, (const uint8_t *)"{\"prompt\": \"unterminated", 24);
    ck_assert_uint_eq(t.input_flags, TASK_INPUT_NOT_JSON);
    t.input_flags = 0;
    /* An escaped NUL is valid JSON and stays in the prompt. */
    arbius_task_set_input(&t, (const uint8_t *)"{\"prompt\":\"a\\u0000b\"}", 21);
    ck_assert_uint_eq(t.input_flags, 0);
    ck_assert_uint_eq(t.prompt_len, 3);
    ck_assert_int_eq(memcmp(t.prompt, "a\0b", 3), 0);
    free(t.input);
    free(t.input_json);
    free(t.prompt);
}
END_TEST

START_TEST(test_arbius__solution_cid)
{
    struct st_solution s;
    uint8_t cid[34];

    memset(&s, 0, sizeof(s));
    cid[0] = 0x12;
    cid[1] = 0x20;
    memset(cid + 2, 0x42, 32);
    arbius_solution_set_cid(&s, cid, 34);
    ck_assert_uint_eq(s.cid_flags, 0);
    ck_assert_int_eq(strncmp(s.cid_text, "Qm", 2), 0);
    ck_assert_uint_eq(strlen(s.cid_text), 46);
    arbius_solution_set_cid(&s, cid, 33);
    ck_assert_uint_eq(s.cid_flags, SOL_CID_INVALID);
    ck_assert_str_eq(s.cid_text, "");
    cid[1] = 0x21;
    arbius_solution_set_cid(&s, cid, 34);
    ck_assert_uint_eq(s.cid_flags & SOL_CID_INVALID, SOL_CID_INVALID);
    free(s.cid_hex);
}
END_TEST

START_TEST(test_arbius__submit_calldata)
{
    struct buf b = BUF_INIT(1 << 16);
    uint8_t owner[20], model[32], sel[4];
    struct abi_arg args[6];
    struct arbius_submit sub;
    const char *input = "{\"prompt\":\"hi\"}";

    arbius_init();
    {
    memset(owner, 0x77, 20);
    memset(model, 0x88, 32);
    const char *sig = "bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)";

    abi_selector(sig, strlen(sig), sel);
    }
    ck_assert_int_eq(buf_add(&b, sel, 4), 0);
    args[0] = abi_arg_u64(0);
    args[1] = abi_arg_address(owner);
    args[2] = abi_arg_word(model);
    args[3] = abi_arg_u64(1000);
    args[4] = abi_arg_bytes(input, strlen(input));
    args[5] = abi_arg_u64(5);
    ck_assert_int_eq(abi_encode_args(args, 6, &b), 0);
    ck_assert_int_eq(arbius_decode_submit((const uint8_t *)b.data, b.len, &sub), 0);
    ck_assert_int_eq(sub.found, 1);
    ck_assert_str_eq(sub.via, "bulk");
    ck_assert_uint_eq(sub.n, 5);
    ck_assert_str_eq(sub.fee, "1000");
    ck_assert_str_eq(sub.owner, "0x7777777777777777777777777777777777777777");
    ck_assert_uint_eq(sub.input_len, strlen(input));
    /* Truncated calldata: not found, never a crash. */
    ck_assert_int_eq(arbius_decode_submit((const uint8_t *)b.data, b.len - 40, &sub), 0);
    ck_assert_int_eq(sub.found, 0);
    buf_release(&b);
}
END_TEST

START_TEST(test_arbius__v5_payouts_link_to_claim)
{
    struct st_event ev[4];

    memset(ev, 0, sizeof(ev));
    ev[0].kind = ST_CLAIM;
    memcpy(ev[0].pos.tx, "0x1", 4);
    memcpy(ev[0].u.pair.task, "0xtask", 7);
    memcpy(ev[0].u.pair.addr, "0xval", 6);
    ev[1].kind = ST_PAYOUT;
    ev[1].u.payout.era = 5;
    memcpy(ev[1].pos.tx, "0x1", 4);
    ev[2].kind = ST_PAYOUT;
    ev[2].u.payout.era = 5;
    memcpy(ev[2].pos.tx, "0x2", 4); /* another tx: no claim before it */
    ev[3].kind = ST_PAYOUT;
    ev[3].u.payout.era = 6;
    memcpy(ev[3].pos.tx, "0x1", 4);
    arbius_link_payouts(ev, 4);
    ck_assert_str_eq(ev[1].u.payout.task, "0xtask");
    ck_assert_str_eq(ev[1].u.payout.validator, "0xval");
    ck_assert_str_eq(ev[2].u.payout.task, "");
    ck_assert_str_eq(ev[3].u.payout.task, "");
}
END_TEST

START_TEST(test_arbius__model_and_adder_views)
{
    struct buf b = BUF_INIT(1 << 12);
    uint8_t addr[20], cid[34], sel[4];
    struct abi_arg args[4];
    struct st_model m;
    uint64_t v = 0;
    const char *sig = "masterContesterVoteAdder()";

    arbius_init();
    /* The selectors: models(bytes32) as PROTOCOL.md lists it, and the
     * adder's from its name (the devnet README gives 0x14bf6435). */
    abi_selector("models(bytes32)", 15, sel);
    ck_assert_mem_eq(sel, ARBIUS_SEL_MODELS, 4);
    abi_selector(sig, strlen(sig), sel);
    ck_assert_mem_eq(sel, ARBIUS_SEL_VOTE_ADDER, 4);
    ck_assert_uint_eq(sel[0], 0x14);
    ck_assert_uint_eq(sel[3], 0x35);
    memset(addr, 0x12, 20);
    cid[0] = 0x12;
    cid[1] = 0x20;
    memset(cid + 2, 0xab, 32);
    args[0] = abi_arg_u64(3500000000000000ull);
    args[1] = abi_arg_address(addr);
    args[2] = abi_arg_u64(1000000000000000000ull);
    args[3] = abi_arg_bytes(cid, sizeof(cid));
    ck_assert_int_eq(abi_encode_args(args, 4, &b), 0);
    memset(&m, 0, sizeof(m));
    ck_assert_int_eq(arbius_decode_model_view((const uint8_t *)b.data, b.len,
                                              &m),
                     0);
    ck_assert_str_eq(m.fee, "3500000000000000");
    ck_assert_str_eq(m.rate, "1000000000000000000");
    ck_assert_str_eq(m.addr, "0x1212121212121212121212121212121212121212");
    ck_assert_int_eq(strncmp(m.cid, "0x1220abab", 10), 0);
    ck_assert_uint_eq(strlen(m.cid), 2 + 68);
    /* A model the engine does not know reads as zeros: no cid. */
    buf_reset(&b);
    memset(addr, 0, 20);
    args[0] = abi_arg_u64(0);
    args[1] = abi_arg_address(addr);
    args[2] = abi_arg_u64(0);
    args[3] = abi_arg_bytes("", 0);
    ck_assert_int_eq(abi_encode_args(args, 4, &b), 0);
    ck_assert_int_eq(arbius_decode_model_view((const uint8_t *)b.data, b.len,
                                              &m),
                     0);
    ck_assert_str_eq(m.cid, "");
    /* Short or hostile replies fail, never crash. */
    ck_assert_int_eq(arbius_decode_model_view((const uint8_t *)b.data, 40, &m),
                     -1);
    buf_reset(&b);
    args[0] = abi_arg_u64(50);
    ck_assert_int_eq(abi_encode_args(args, 1, &b), 0);
    ck_assert_int_eq(arbius_decode_uint_view((const uint8_t *)b.data, b.len,
                                             &v),
                     0);
    ck_assert_uint_eq(v, 50);
    ck_assert_int_eq(arbius_decode_uint_view((const uint8_t *)b.data, 31, &v),
                     -1);
    buf_release(&b);
}
END_TEST

static Suite *arbius_suite(void)
{
    Suite *s = suite_create("arbius");
    TCase *tc = tcase_create("decode");

    tcase_add_test(tc, test_arbius__task_submitted);
    tcase_add_test(tc, test_arbius__token_and_unknown);
    tcase_add_test(tc, test_arbius__task_input_flags);
    tcase_add_test(tc, test_arbius__solution_cid);
    tcase_add_test(tc, test_arbius__submit_calldata);
    tcase_add_test(tc, test_arbius__v5_payouts_link_to_claim);
    tcase_add_test(tc, test_arbius__model_and_adder_views);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(arbius_suite)
