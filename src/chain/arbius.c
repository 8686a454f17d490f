/*
 * arbius.c - Arbius logs and calldata decoded into store records.
 *
 * Chain data is hostile: every length is checked by the ABI decoder, every
 * malformed log becomes an ST_OTHER "malformed" row instead of an error, and
 * task inputs are kept byte for byte with flags saying what they are not.
 */
#include "arbiusd/arbius.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/abi.h"
#include "arbiusd/buf.h"
#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/keccak.h"
#include "arbiusd/log.h"
#include "arbiusd/u256.h"

enum ev_id {
    EV_TASK_SUBMITTED, EV_TASK_RETRACTED, EV_SIGNAL_COMMITMENT,
    EV_SOLUTION_SUBMITTED, EV_SOLUTION_CLAIMED, EV_CONTESTATION_SUBMITTED,
    EV_CONTESTATION_VOTE, EV_CONTESTATION_VOTE_FINISH, EV_MODEL_REGISTERED,
    EV_MODEL_FEE_CHANGED, EV_MODEL_ADDR_CHANGED, EV_RATE_CHANGE,
    EV_VALIDATOR_DEPOSIT, EV_WITHDRAW_INITIATED, EV_WITHDRAW_CANCELLED,
    EV_WITHDRAW, EV_REWARDS_V5, EV_FEES_V5, EV_REWARDS_V6, EV_FEES_V6,
    EV_TRANSFER, EV_INCENTIVE_ADDED, EV_INCENTIVE_CLAIMED,
    EV_TYPED_COUNT
};

/*
 * Every event: the typed ones first (index = enum ev_id), then the ones kept
 * as ST_OTHER with decoded arguments.  `params` names each parameter in
 * order, "i:" marking the indexed ones.
 */
struct ev_def {
    const char *sig;
    const char *name;
    const char *params;
};

static const struct ev_def ev_defs[] = {
    { "TaskSubmitted(bytes32,bytes32,uint256,address)", "TaskSubmitted", "i:id,i:model,fee,i:sender" },
    { "TaskRetracted(bytes32)", "TaskRetracted", "i:id" },
    { "SignalCommitment(address,bytes32)", "SignalCommitment", "i:addr,i:commitment" },
    { "SolutionSubmitted(address,bytes32)", "SolutionSubmitted", "i:addr,i:task" },
    { "SolutionClaimed(address,bytes32)", "SolutionClaimed", "i:addr,i:task" },
    { "ContestationSubmitted(address,bytes32)", "ContestationSubmitted", "i:addr,i:task" },
    { "ContestationVote(address,bytes32,bool)", "ContestationVote", "i:addr,i:task,yea" },
    { "ContestationVoteFinish(bytes32,uint32,uint32)", "ContestationVoteFinish", "i:id,i:start_idx,end_idx" },
    { "ModelRegistered(bytes32)", "ModelRegistered", "i:id" },
    { "ModelFeeChanged(bytes32,uint256)", "ModelFeeChanged", "i:id,fee" },
    { "ModelAddrChanged(bytes32,address)", "ModelAddrChanged", "i:id,addr" },
    { "SolutionMineableRateChange(bytes32,uint256)", "SolutionMineableRateChange", "i:id,rate" },
    { "ValidatorDeposit(address,address,uint256)", "ValidatorDeposit", "i:addr,i:validator,amount" },
    { "ValidatorWithdrawInitiated(address,uint256,uint256,uint256)", "ValidatorWithdrawInitiated", "i:addr,i:count,unlockTime,amount" },
    { "ValidatorWithdrawCancelled(address,uint256)", "ValidatorWithdrawCancelled", "i:addr,i:count" },
    { "ValidatorWithdraw(address,address,uint256,uint256)", "ValidatorWithdraw", "i:addr,i:to,i:count,amount" },
    { "RewardsPaid(uint256,uint256,uint256,uint256)", "RewardsPaid", "totalRewards,treasuryReward,taskOwnerReward,validatorReward" },
    { "FeesPaid(uint256,uint256,uint256,uint256)", "FeesPaid", "modelFee,treasuryFee,remainingFee,validatorFee" },
    { "RewardsPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)", "RewardsPaid", "i:model,i:task,i:validator,totalRewards,treasuryReward,taskOwnerReward,validatorReward" },
    { "FeesPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)", "FeesPaid", "i:model,i:task,i:validator,modelFee,treasuryFee,remainingFee,validatorFee" },
    { "Transfer(address,address,uint256)", "Transfer", "i:from,i:to,value" },
    { "IncentiveAdded(bytes32,uint256)", "IncentiveAdded", "i:taskid,amount" },
    { "IncentiveClaimed(bytes32,address,uint256)", "IncentiveClaimed", "i:taskid,i:recipient,amount" },
    /* kept as other_events */
    { "ContestationSuggested(address,bytes32)", "ContestationSuggested", "i:addr,i:task" },
    { "SignalSupport(address,bytes32,bool)", "SignalSupport", "i:addr,i:model,supported" },
    { "TreasuryTransferred(address)", "TreasuryTransferred", "i:to" },
    { "PauserTransferred(address)", "PauserTransferred", "i:to" },
    { "PausedChanged(bool)", "PausedChanged", "i:paused" },
    { "VersionChanged(uint256)", "VersionChanged", "version" },
    { "StartBlockTimeChanged(uint64)", "StartBlockTimeChanged", "i:startBlockTime" },
    { "SolutionStakeAmountChanged(uint256)", "SolutionStakeAmountChanged", "i:amount" },
    { "MasterContesterRegistrySet(address)", "MasterContesterRegistrySet", "i:registry" },
    { "MasterContesterVoteAdderSet(uint32)", "MasterContesterVoteAdderSet", "adder" },
    { "ModelAllowListUpdated(bytes32,address,bool)", "ModelAllowListUpdated", "i:model,i:solver,added" },
    { "ModelAllowListRequirementChanged(bytes32,bool)", "ModelAllowListRequirementChanged", "i:model,required" },
    { "SolutionModelFeePercentageChanged(uint256)", "SolutionModelFeePercentageChanged", "percentage" },
    { "SolutionModelFeePercentageOverrideCleared(bytes32)", "SolutionModelFeePercentageOverrideCleared", "i:model" },
    { "ValidatorMinimumPercentageChanged(uint256)", "ValidatorMinimumPercentageChanged", "i:amount" },
    { "SlashAmountPercentageChanged(uint256)", "SlashAmountPercentageChanged", "i:amount" },
    { "SolutionFeePercentageChanged(uint256)", "SolutionFeePercentageChanged", "i:amount" },
    { "RetractionFeePercentageChanged(uint256)", "RetractionFeePercentageChanged", "i:amount" },
    { "TreasuryRewardPercentageChanged(uint256)", "TreasuryRewardPercentageChanged", "i:amount" },
    { "MinClaimSolutionTimeChanged(uint256)", "MinClaimSolutionTimeChanged", "i:amount" },
    { "MinRetractionWaitTimeChanged(uint256)", "MinRetractionWaitTimeChanged", "i:amount" },
    { "MinContestationVotePeriodTimeChanged(uint256)", "MinContestationVotePeriodTimeChanged", "i:amount" },
    { "MaxContestationValidatorStakeSinceChanged(uint256)", "MaxContestationValidatorStakeSinceChanged", "i:amount" },
    { "ExitValidatorMinUnlockTimeChanged(uint256)", "ExitValidatorMinUnlockTimeChanged", "i:amount" },
    { "OwnershipTransferred(address,address)", "OwnershipTransferred", "i:previousOwner,i:newOwner" },
    { "Initialized(uint8)", "Initialized", "version" },
    { "Approval(address,address,uint256)", "Approval", "i:owner,i:spender,value" },
};

#define EV_COUNT ARRAY_SIZE(ev_defs)

#define EV_MAX_PARAMS 8 /* the most parameters an ev_defs entry has */

static struct arbius_event_sig ev_sigs[EV_COUNT];

/* The number of comma-separated parameters of d (checked at init). */
static size_t ev_param_count(const struct ev_def *d)
{
    const char *p;
    size_t n = 1;

    for (p = d->params; *p; p++)
        n += *p == ',';
    return n;
}

/* Calldata layouts. */
static struct abi_types *t_submit, *t_bulk_submit, *t_router_submit,
    *t_router_token, *t_router_eth, *t_solution, *t_bulk_solution, *t_register,
    *t_register_allow, *t_task_view, *t_solution_view, *t_model_view,
    *t_uint_view;

static uint8_t sel_submit[4], sel_bulk_submit[4], sel_router_submit[4],
    sel_router_token[4], sel_router_eth[4], sel_solution[4],
    sel_bulk_solution[4], sel_register[4], sel_register_allow[4];

const uint8_t ARBIUS_SEL_TASKS[4] = { 0xe5, 0x79, 0xf5, 0x00 };
const uint8_t ARBIUS_SEL_SOLUTIONS[4] = { 0x75, 0xc7, 0x05, 0x09 };
const uint8_t ARBIUS_SEL_MODELS[4] = { 0xe2, 0x36, 0xf4, 0x6b };
uint8_t ARBIUS_SEL_VOTE_ADDER[4];

static struct abi_types *types_or_die(const char *s)
{
    struct abi_types *t = NULL;

    if (abi_types_parse(s, strlen(s), &t) < 0)
        fatalx("arbius: bad built-in type list %s", s);
    return t;
}

static void sel(const char *sig, uint8_t out[4])
{
    abi_selector(sig, strlen(sig), out);
}

void arbius_init(void)
{
    size_t i;

    if (t_submit)
        return;
    for (i = 0; i < EV_COUNT; i++) {
        if (strchr(ev_defs[i].sig, '(') == NULL ||
            ev_param_count(&ev_defs[i]) > EV_MAX_PARAMS)
            fatalx("arbius: bad built-in event %s", ev_defs[i].sig);
        ev_sigs[i].signature = ev_defs[i].sig;
        ev_sigs[i].name = ev_defs[i].name;
        keccak256(ev_defs[i].sig, strlen(ev_defs[i].sig), ev_sigs[i].topic0);
    }
    t_submit = types_or_die("uint8,address,bytes32,uint256,bytes");
    t_bulk_submit = types_or_die("uint8,address,bytes32,uint256,bytes,uint256");
    t_router_submit =
        types_or_die("uint8,address,bytes32,uint256,bytes,uint256,uint256");
    t_router_token = types_or_die(
        "uint8,address,bytes32,uint256,bytes,uint256,address,uint256,uint256");
    t_router_eth =
        types_or_die("uint8,address,bytes32,uint256,bytes,uint256,uint256");
    t_solution = types_or_die("bytes32,bytes");
    t_bulk_solution = types_or_die("bytes32[],bytes[]");
    t_register = types_or_die("address,uint256,bytes");
    t_register_allow = types_or_die("address,uint256,bytes,address[]");
    t_task_view = types_or_die("bytes32,uint256,address,uint64,uint8,bytes");
    t_solution_view = types_or_die("address,uint64,bool,bytes");
    t_model_view = types_or_die("uint256,address,uint256,bytes");
    t_uint_view = types_or_die("uint256");
    sel("masterContesterVoteAdder()", ARBIUS_SEL_VOTE_ADDER);
    sel("submitTask(uint8,address,bytes32,uint256,bytes)", sel_submit);
    sel("bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)",
        sel_bulk_submit);
    sel("submitTask(uint8,address,bytes32,uint256,bytes,uint256,uint256)",
        sel_router_submit);
    sel("submitTaskWithToken(uint8,address,bytes32,uint256,bytes,uint256,"
        "address,uint256,uint256)", sel_router_token);
    sel("submitTaskWithETH(uint8,address,bytes32,uint256,bytes,uint256,"
        "uint256)", sel_router_eth);
    sel("submitSolution(bytes32,bytes)", sel_solution);
    sel("bulkSubmitSolution(bytes32[],bytes[])", sel_bulk_solution);
    sel("registerModel(address,uint256,bytes)", sel_register);
    sel("registerModelWithAllowList(address,uint256,bytes,address[])",
        sel_register_allow);
}

const struct arbius_event_sig *arbius_events(size_t *n)
{
    *n = EV_COUNT;
    return ev_sigs;
}

/* ---- formatting helpers ---- */

static void fmt_word(const uint8_t w[32], char out[ST_HASH_SIZE])
{
    if (hex_encode_0x(w, 32, out, ST_HASH_SIZE) < 0)
        out[0] = '\0';
}

static void fmt_addr(const uint8_t a[20], char out[ST_ADDR_SIZE])
{
    if (hex_encode_0x(a, 20, out, ST_ADDR_SIZE) < 0)
        out[0] = '\0';
}

static void fmt_dec(const uint8_t w[32], char out[ST_DEC_SIZE])
{
    struct u256 v = u256_from_be32(w);

    if (u256_to_dec(&v, out, ST_DEC_SIZE) < 0)
        snprintf(out, ST_DEC_SIZE, "0");
}

/* Address from a topic or data word; -1 if the high 12 bytes are not 0. */
static int word_addr(const uint8_t w[32], char out[ST_ADDR_SIZE])
{
    uint8_t a[20];

    if (abi_word_get_address(w, a) < 0)
        return -1;
    fmt_addr(a, out);
    return 0;
}

/* Data word i (0-based) or NULL if the data is too short. */
static const uint8_t *data_word(const struct arbius_log *log, size_t i)
{
    if (log->data_len < (i + 1) * 32)
        return NULL;
    return log->data + i * 32;
}

static int find_event(const struct arbius_log *log)
{
    size_t i;

    if (log->ntopics == 0)
        return -1;
    for (i = 0; i < EV_COUNT; i++)
        if (memcmp(ev_sigs[i].topic0, log->topics[0], 32) == 0)
            return (int)i;
    return -1;
}

/* One parameter of an event definition: a slice of ev_def.params. */
struct ev_param {
    const char *name; /* borrowed, not NUL-terminated */
    size_t len;
    int indexed; /* a topic, not a data word */
};

/* Splits an event definition's params into out; returns how many. */
static size_t ev_params(const struct ev_def *d,
                        struct ev_param out[EV_MAX_PARAMS])
{
    const char *p = d->params;
    size_t n = 0;

    while (*p && n < EV_MAX_PARAMS) {
        const char *end = strchr(p, ',');
        struct ev_param *e = &out[n++];

        e->indexed = strncmp(p, "i:", 2) == 0;
        e->name = e->indexed ? p + 2 : p;
        e->len = end ? (size_t)(end - e->name) : strlen(e->name);
        if (!end)
            break;
        p = end + 1;
    }
    return n;
}

/* Counts the indexed parameters of an event definition. */
static size_t ev_indexed(const struct ev_def *d, size_t *nparams)
{
    struct ev_param ps[EV_MAX_PARAMS];
    size_t np = ev_params(d, ps), ni = 0, i;

    for (i = 0; i < np; i++)
        ni += (size_t)ps[i].indexed;
    *nparams = np;
    return ni;
}

/*
 * The word of parameter name of event idx: its topic when indexed, else its
 * data word.  NULL when the event has no such parameter or the log is too
 * short for it (callers check the shape first).
 */
static const uint8_t *ev_arg(const struct arbius_log *log, int idx,
                             const char *name)
{
    struct ev_param ps[EV_MAX_PARAMS];
    size_t np = ev_params(&ev_defs[idx], ps), ti = 1, di = 0, i;

    for (i = 0; i < np; i++) {
        const struct ev_param *e = &ps[i];

        if (e->len == strlen(name) && memcmp(e->name, name, e->len) == 0)
            return e->indexed ? (ti < log->ntopics ? log->topics[ti] : NULL)
                              : data_word(log, di);
        if (e->indexed)
            ti++;
        else
            di++;
    }
    return NULL;
}

/* The Solidity type of parameter k of a signature, into out. */
static void sig_param_type(const char *sig, size_t k, char *out, size_t n)
{
    const char *p = strchr(sig, '(') + 1;
    size_t i = 0;

    while (i < k) {
        p = strchr(p, ',');
        if (!p) {
            snprintf(out, n, "?");
            return;
        }
        p++;
        i++;
    }
    i = strcspn(p, ",)");
    snprintf(out, n, "%.*s", (int)i, p);
}

/* A word rendered as JSON by its Solidity type. */
static json_t *word_json(const char *type, const uint8_t w[32])
{
    char s[ST_DEC_SIZE];

    if (strcmp(type, "address") == 0) {
        if (word_addr(w, s) < 0)
            fmt_word(w, s);
        return json_string(s);
    }
    if (strcmp(type, "bool") == 0) {
        size_t i;
        int nz = 0;

        for (i = 0; i < 31; i++)
            nz |= w[i];
        if (!nz && w[31] <= 1)
            return json_boolean(w[31]);
    }
    if (strncmp(type, "uint", 4) == 0 || strcmp(type, "bool") == 0) {
        fmt_dec(w, s);
        return json_string(s);
    }
    fmt_word(w, s);
    return json_string(s);
}

/* The arguments of a log no entry of the table matches: its topics and
 * data in hex, into args. */
static void other_unknown_args(const struct arbius_log *log, json_t *args)
{
    json_t *topics = json_array();
    char *hex;
    size_t i;

    for (i = 1; i < log->ntopics; i++) {
        char s[ST_HASH_SIZE];

        fmt_word(log->topics[i], s);
        json_array_append_new(topics, json_string(s));
    }
    json_object_set_new(args, "topics", topics);
    hex = xmalloc(log->data_len * 2 + 3);
    if (hex_encode_0x(log->data, log->data_len, hex, log->data_len * 2 + 3) ==
        0)
        json_object_set_new(args, "data", json_string(hex));
    free(hex);
}

/* The arguments of event d by name and Solidity type, into args. */
static void other_named_args(const struct arbius_log *log,
                             const struct ev_def *d, json_t *args)
{
    struct ev_param ps[EV_MAX_PARAMS];
    size_t np = ev_params(d, ps), ti = 1, di = 0, k;

    for (k = 0; k < np; k++) {
        char name[64], type[32];
        const uint8_t *w;

        snprintf(name, sizeof(name), "%.*s", (int)ps[k].len, ps[k].name);
        sig_param_type(d->sig, k, type, sizeof(type));
        w = ps[k].indexed ? log->topics[ti++] : data_word(log, di++);
        if (w)
            json_object_set_new(args, name, word_json(type, w));
    }
}

/* Generic decode into an ST_OTHER row: arguments by name. */
static void decode_other(const struct arbius_log *log, int idx,
                         struct st_event *ev)
{
    const struct ev_def *d = idx >= 0 ? &ev_defs[idx] : NULL;
    json_t *args = json_object();
    size_t np = 0;

    ev->kind = ST_OTHER;
    fmt_addr(log->address, ev->u.other.address);
    if (log->ntopics > 0)
        fmt_word(log->topics[0], ev->u.other.topic0);
    if (!d) {
        ev->u.other.name = "unknown";
        other_unknown_args(log, args);
    } else if (ev_indexed(d, &np) + 1 != log->ntopics ||
               log->data_len < (np + 1 - log->ntopics) * 32) {
        ev->u.other.name = "malformed";
        json_object_set_new(args, "event", json_string(d->name));
        json_object_set_new(args, "topics",
                            json_integer((json_int_t)log->ntopics));
        json_object_set_new(args, "data_len",
                            json_integer((json_int_t)log->data_len));
    } else {
        ev->u.other.name = d->name;
        other_named_args(log, d, args);
    }
    ev->u.other.args_json = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    if (!ev->u.other.args_json)
        ev->u.other.args_json = xstrdup("{}");
    json_decref(args);
}

static void malformed(const struct arbius_log *log, int idx,
                      struct st_event *ev)
{
    memset(&ev->u, 0, sizeof(ev->u));
    decode_other(log, idx, ev);
    if (strcmp(ev->u.other.name, "malformed") != 0) {
        /* Shape matched the table but a value was invalid (e.g. an address
         * word with high bytes set): still flag it. */
        json_t *args = json_loads(ev->u.other.args_json, 0, NULL);

        free(ev->u.other.args_json);
        if (!args)
            args = json_object();
        json_object_set_new(args, "event", json_string(ev->u.other.name));
        ev->u.other.name = "malformed";
        ev->u.other.args_json = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
        if (!ev->u.other.args_json)
            ev->u.other.args_json = xstrdup("{}");
        json_decref(args);
    }
}

/* Checks topic count and data words of a typed event. */
static int shape_ok(const struct arbius_log *log, int idx)
{
    size_t np, ni = ev_indexed(&ev_defs[idx], &np);

    return log->ntopics == ni + 1 && log->data_len >= (np - ni) * 32;
}

/* ---- typed events ---- */

/*
 * The decoders of ev_typed[] below.  Each fills ev (kind already set) from
 * a log whose topic count and data length matched ev_defs[idx]; sub is the
 * entry's store subkind.  0, or -1 when a value is invalid (an address word
 * with high bytes set, a bool above 1, an index above 32 bits): the log is
 * then kept as "malformed".
 */

/* TaskSubmitted: id, model, sender (the owner until calldata says
 * otherwise) and fee. */
static int dec_task(const struct arbius_log *log, int idx, const char *sub,
                    struct st_event *ev)
{
    struct st_task *t = &ev->u.task;
    struct u256 fee = u256_from_be32(data_word(log, 0));

    (void)idx;
    (void)sub;
    fmt_word(log->topics[1], t->id);
    fmt_word(log->topics[2], t->model);
    if (word_addr(log->topics[3], t->sender) < 0)
        return -1;
    memcpy(t->owner, t->sender, ST_ADDR_SIZE);
    if (u256_to_dec(&fee, t->fee, sizeof(t->fee)) < 0)
        return -1;
    t->fee_aius = u256_to_double(&fee) / 1e18;
    t->version = -1;
    t->via = "engine";
    t->bulk_size = 1;
    t->input_flags = TASK_INPUT_MISSING;
    return 0;
}

/* TaskRetracted: the task alone. */
static int dec_retracted(const struct arbius_log *log, int idx,
                         const char *sub, struct st_event *ev)
{
    (void)idx;
    (void)sub;
    fmt_word(log->topics[1], ev->u.pair.task);
    return 0;
}

/* (address indexed, bytes32 indexed): commitments, claims, contestations. */
static int dec_pair(const struct arbius_log *log, int idx, const char *sub,
                    struct st_event *ev)
{
    (void)idx;
    (void)sub;
    if (word_addr(log->topics[1], ev->u.pair.addr) < 0)
        return -1;
    fmt_word(log->topics[2], ev->u.pair.task);
    return 0;
}

/* SolutionSubmitted: validator and task; the cid comes from calldata. */
static int dec_solution(const struct arbius_log *log, int idx, const char *sub,
                        struct st_event *ev)
{
    (void)idx;
    (void)sub;
    if (word_addr(log->topics[1], ev->u.solution.validator) < 0)
        return -1;
    fmt_word(log->topics[2], ev->u.solution.task);
    ev->u.solution.cid_flags = SOL_CID_MISSING;
    return 0;
}

/* ContestationVote: voter, task and a yea word that must be a bool. */
static int dec_vote(const struct arbius_log *log, int idx, const char *sub,
                    struct st_event *ev)
{
    const uint8_t *w = data_word(log, 0);
    size_t i;

    (void)idx;
    (void)sub;
    for (i = 0; i < 31; i++)
        if (w[i])
            return -1;
    if (w[31] > 1 || word_addr(log->topics[1], ev->u.vote.voter) < 0)
        return -1;
    fmt_word(log->topics[2], ev->u.vote.task);
    ev->u.vote.yea = w[31];
    return 0;
}

/* ContestationVoteFinish: the task and its vote index range (32 bits). */
static int dec_vote_finish(const struct arbius_log *log, int idx,
                           const char *sub, struct st_event *ev)
{
    struct u256 s = u256_from_be32(log->topics[2]);
    struct u256 e = u256_from_be32(data_word(log, 0));
    uint64_t sv, evv;

    (void)idx;
    (void)sub;
    if (u256_to_u64(&s, &sv) < 0 || u256_to_u64(&e, &evv) < 0 ||
        sv > UINT32_MAX || evv > UINT32_MAX)
        return -1;
    fmt_word(log->topics[1], ev->u.finish.task);
    ev->u.finish.start_idx = (uint32_t)sv;
    ev->u.finish.end_idx = (uint32_t)evv;
    ev->u.finish.adder = -1;
    return 0;
}

/* ModelRegistered: the id; address, fee and template come from calldata. */
static int dec_model(const struct arbius_log *log, int idx, const char *sub,
                     struct st_event *ev)
{
    (void)idx;
    (void)sub;
    fmt_word(log->topics[1], ev->u.model.id);
    snprintf(ev->u.model.fee, sizeof(ev->u.model.fee), "0");
    return 0;
}

/* A model's fee or rate: a number in the first data word. */
static int dec_model_value(const struct arbius_log *log, int idx,
                           const char *sub, struct st_event *ev)
{
    (void)idx;
    fmt_word(log->topics[1], ev->u.change.model);
    ev->u.change.kind = sub;
    fmt_dec(data_word(log, 0), ev->u.change.value);
    return 0;
}

/* A model's address: an address in the first data word. */
static int dec_model_addr(const struct arbius_log *log, int idx,
                          const char *sub, struct st_event *ev)
{
    char tmp[ST_ADDR_SIZE];

    (void)idx;
    fmt_word(log->topics[1], ev->u.change.model);
    ev->u.change.kind = sub;
    if (word_addr(data_word(log, 0), tmp) < 0)
        return -1;
    snprintf(ev->u.change.value, sizeof(ev->u.change.value), "%s", tmp);
    return 0;
}

/* fmt_dec of w into out when the event has that word (out stays ""). */
static void fmt_dec_opt(const uint8_t *w, char out[ST_DEC_SIZE])
{
    if (w)
        fmt_dec(w, out);
}

/* The validator staking events, read by parameter name: addr always, the
 * validator (or withdrawal recipient), count, unlockTime and amount when
 * the event has them. */
static int dec_stake(const struct arbius_log *log, int idx, const char *sub,
                     struct st_event *ev)
{
    struct st_stake *s = &ev->u.stake;
    const uint8_t *v = ev_arg(log, idx, "validator");

    s->kind = sub;
    if (!v)
        v = ev_arg(log, idx, "to");
    if (word_addr(ev_arg(log, idx, "addr"), s->addr) < 0 ||
        (v && word_addr(v, s->validator) < 0))
        return -1;
    fmt_dec_opt(ev_arg(log, idx, "count"), s->count);
    fmt_dec_opt(ev_arg(log, idx, "unlockTime"), s->unlock);
    fmt_dec_opt(ev_arg(log, idx, "amount"), s->amount);
    return 0;
}

/* RewardsPaid / FeesPaid: four amounts; V6 also names model, task and
 * validator (V5's are linked later by arbius_link_payouts). */
static int dec_payout(const struct arbius_log *log, int idx, const char *sub,
                      struct st_event *ev)
{
    struct st_payout *p = &ev->u.payout;
    int v6 = idx == EV_REWARDS_V6 || idx == EV_FEES_V6;
    size_t i;

    p->kind = sub;
    p->era = v6 ? 6 : 5;
    if (v6) {
        fmt_word(log->topics[1], p->model);
        fmt_word(log->topics[2], p->task);
        if (word_addr(log->topics[3], p->validator) < 0)
            return -1;
    }
    for (i = 0; i < 4; i++)
        fmt_dec(data_word(log, i), p->a[i]);
    return 0;
}

/* An AIUS Transfer (the caller checked it leaves the engine). */
static int dec_transfer(const struct arbius_log *log, int idx, const char *sub,
                        struct st_event *ev)
{
    (void)idx;
    (void)sub;
    if (word_addr(log->topics[1], ev->u.transfer.src) < 0 ||
        word_addr(log->topics[2], ev->u.transfer.dst) < 0)
        return -1;
    fmt_dec(data_word(log, 0), ev->u.transfer.amount);
    return 0;
}

/* The router's IncentiveAdded / IncentiveClaimed. */
static int dec_incentive(const struct arbius_log *log, int idx,
                         const char *sub, struct st_event *ev)
{
    const uint8_t *recipient = ev_arg(log, idx, "recipient");

    ev->u.incentive.kind = sub;
    fmt_word(log->topics[1], ev->u.incentive.task);
    if (recipient && word_addr(recipient, ev->u.incentive.recipient) < 0)
        return -1;
    fmt_dec(data_word(log, 0), ev->u.incentive.amount);
    return 0;
}

/* The contract a log comes from, as far as decoding is concerned. */
enum ev_from { EV_FROM_OTHER, EV_FROM_ENGINE, EV_FROM_TOKEN, EV_FROM_ROUTER };

/*
 * How each typed event (index = enum ev_id) becomes a store record: only
 * from the contract named, into kind (with subkind sub) by decode.  The
 * same event from another contract is kept as ST_OTHER.
 */
static const struct ev_typed {
    enum ev_from from;
    enum st_kind kind;
    const char *sub; /* the store's kind text, or NULL */
    int (*decode)(const struct arbius_log *log, int idx, const char *sub,
                  struct st_event *ev);
} ev_typed[EV_TYPED_COUNT] = {
    [EV_TASK_SUBMITTED] = { EV_FROM_ENGINE, ST_TASK, NULL, dec_task },
    [EV_TASK_RETRACTED] = { EV_FROM_ENGINE, ST_TASK_RETRACTED, NULL,
                            dec_retracted },
    [EV_SIGNAL_COMMITMENT] = { EV_FROM_ENGINE, ST_COMMITMENT, NULL, dec_pair },
    [EV_SOLUTION_SUBMITTED] = { EV_FROM_ENGINE, ST_SOLUTION, NULL,
                                dec_solution },
    [EV_SOLUTION_CLAIMED] = { EV_FROM_ENGINE, ST_CLAIM, NULL, dec_pair },
    [EV_CONTESTATION_SUBMITTED] = { EV_FROM_ENGINE, ST_CONTESTATION, NULL,
                                    dec_pair },
    [EV_CONTESTATION_VOTE] = { EV_FROM_ENGINE, ST_VOTE, NULL, dec_vote },
    [EV_CONTESTATION_VOTE_FINISH] = { EV_FROM_ENGINE, ST_VOTE_FINISH, NULL,
                                      dec_vote_finish },
    [EV_MODEL_REGISTERED] = { EV_FROM_ENGINE, ST_MODEL, NULL, dec_model },
    [EV_MODEL_FEE_CHANGED] = { EV_FROM_ENGINE, ST_MODEL_CHANGE, "fee",
                               dec_model_value },
    [EV_MODEL_ADDR_CHANGED] = { EV_FROM_ENGINE, ST_MODEL_CHANGE, "addr",
                                dec_model_addr },
    [EV_RATE_CHANGE] = { EV_FROM_ENGINE, ST_MODEL_CHANGE, "rate",
                         dec_model_value },
    [EV_VALIDATOR_DEPOSIT] = { EV_FROM_ENGINE, ST_STAKE, "deposit",
                               dec_stake },
    [EV_WITHDRAW_INITIATED] = { EV_FROM_ENGINE, ST_STAKE, "withdraw_initiated",
                                dec_stake },
    [EV_WITHDRAW_CANCELLED] = { EV_FROM_ENGINE, ST_STAKE, "withdraw_cancelled",
                                dec_stake },
    [EV_WITHDRAW] = { EV_FROM_ENGINE, ST_STAKE, "withdraw", dec_stake },
    [EV_REWARDS_V5] = { EV_FROM_ENGINE, ST_PAYOUT, "rewards", dec_payout },
    [EV_FEES_V5] = { EV_FROM_ENGINE, ST_PAYOUT, "fees", dec_payout },
    [EV_REWARDS_V6] = { EV_FROM_ENGINE, ST_PAYOUT, "rewards", dec_payout },
    [EV_FEES_V6] = { EV_FROM_ENGINE, ST_PAYOUT, "fees", dec_payout },
    [EV_TRANSFER] = { EV_FROM_TOKEN, ST_TRANSFER, NULL, dec_transfer },
    [EV_INCENTIVE_ADDED] = { EV_FROM_ROUTER, ST_INCENTIVE, "added",
                             dec_incentive },
    [EV_INCENTIVE_CLAIMED] = { EV_FROM_ROUTER, ST_INCENTIVE, "claimed",
                               dec_incentive },
};

/* Which of our contracts (if any) emitted log. */
static enum ev_from log_from(const struct arbius_log *log,
                             const struct arbius_addrs *a)
{
    if (memcmp(log->address, a->token, 20) == 0)
        return EV_FROM_TOKEN;
    if (a->has_router && memcmp(log->address, a->router, 20) == 0)
        return EV_FROM_ROUTER;
    if (memcmp(log->address, a->engine, 20) == 0)
        return EV_FROM_ENGINE;
    return EV_FROM_OTHER;
}

int arbius_decode_log(const struct arbius_log *log,
                      const struct arbius_addrs *a, struct st_event *ev)
{
    int idx = find_event(log);
    enum ev_from from = log_from(log, a);
    const struct ev_typed *t =
        idx >= 0 && idx < EV_TYPED_COUNT && ev_typed[idx].from == from
            ? &ev_typed[idx]
            : NULL;

    memset(ev, 0, sizeof(*ev));
    ev->pos.block = log->block;
    ev->pos.log_index = log->log_index;
    memcpy(ev->pos.tx, log->tx, ST_HASH_SIZE);
    if (from == EV_FROM_OTHER)
        return ARBIUS_LOG_SKIPPED;
    if (from == EV_FROM_TOKEN) {
        /* Only AIUS paid out by the engine matters (V1-V4 payouts); a
         * token log is never kept as anything else. */
        if (!t || !shape_ok(log, idx) ||
            memcmp(log->topics[1] + 12, a->engine, 20) != 0)
            return ARBIUS_LOG_SKIPPED;
        ev->kind = t->kind;
        return t->decode(log, idx, t->sub, ev) < 0 ? ARBIUS_LOG_SKIPPED
                                                   : ARBIUS_LOG_KEPT;
    }
    if (!t) {
        decode_other(log, idx, ev);
        return ARBIUS_LOG_KEPT;
    }
    ev->kind = t->kind;
    if (!shape_ok(log, idx) || t->decode(log, idx, t->sub, ev) < 0)
        malformed(log, idx, ev);
    return ARBIUS_LOG_KEPT;
}

/* ---- calldata ---- */

static int match_sel(const uint8_t *cd, size_t len, const uint8_t s[4])
{
    return len >= 4 && memcmp(cd, s, 4) == 0;
}

/* The functions that submit tasks: selector, argument types, and how the
 * task came in (the first five arguments are the same in all). */
static const struct {
    const uint8_t *sel;
    struct abi_types *const *types;
    const char *via;
} submit_calls[] = {
    { sel_submit, &t_submit, "engine" },
    { sel_bulk_submit, &t_bulk_submit, "bulk" },
    { sel_router_submit, &t_router_submit, "router" },
    { sel_router_token, &t_router_token, "router" },
    { sel_router_eth, &t_router_eth, "router" },
};

int arbius_decode_submit(const uint8_t *cd, size_t len,
                         struct arbius_submit *out)
{
    const struct abi_types *t = NULL;
    struct abi_value *v = NULL;
    const char *via = NULL;
    uint8_t w[32], addr[20];
    uint64_t u;
    struct u256 fee;
    size_t i;

    memset(out, 0, sizeof(*out));
    out->n = 1;
    for (i = 0; i < ARRAY_SIZE(submit_calls) && !t; i++) {
        if (match_sel(cd, len, submit_calls[i].sel)) {
            t = *submit_calls[i].types;
            via = submit_calls[i].via;
        }
    }
    if (!t)
        return 0;
    if (abi_decode_call(t, NULL, cd, len, &v) < 0)
        return 0;
    if (abi_value_get_u64(abi_value_at(v, 0), &u) < 0 || u > 255 ||
        abi_value_get_address(abi_value_at(v, 1), addr) < 0 ||
        abi_value_get_bytes32(abi_value_at(v, 2), w) < 0 ||
        abi_value_get_u256(abi_value_at(v, 3), &fee) < 0 ||
        abi_value_get_slice(abi_value_at(v, 4), &out->input,
                            &out->input_len) < 0)
        goto out;
    out->version = (int)u;
    fmt_addr(addr, out->owner);
    fmt_word(w, out->model);
    if (u256_to_dec(&fee, out->fee, sizeof(out->fee)) < 0)
        goto out;
    if (t == t_bulk_submit &&
        abi_value_get_u64(abi_value_at(v, 5), &out->n) < 0)
        goto out;
    out->via = via;
    out->found = 1;
out:
    abi_value_free(v);
    return 0;
}

int arbius_solution_cid(const uint8_t *cd, size_t len, const char *task,
                        const uint8_t **cid, size_t *cid_len)
{
    struct abi_value *v = NULL;
    uint8_t want[32], w[32];
    size_t olen, i;
    int ret = -1;

    if (hex_decode(task, strlen(task), want, sizeof(want), &olen) < 0 ||
        olen != 32)
        return -1;
    if (match_sel(cd, len, sel_solution)) {
        if (abi_decode_call(t_solution, NULL, cd, len, &v) < 0)
            return -1;
        ret = ARBIUS_CID_NOT_NAMED;
        if (abi_value_get_bytes32(abi_value_at(v, 0), w) == 0 &&
            memcmp(w, want, 32) == 0 &&
            abi_value_get_slice(abi_value_at(v, 1), cid, cid_len) == 0)
            ret = ARBIUS_CID_FOUND;
    } else if (match_sel(cd, len, sel_bulk_solution)) {
        const struct abi_value *ids, *cids;

        if (abi_decode_call(t_bulk_solution, NULL, cd, len, &v) < 0)
            return -1;
        ret = ARBIUS_CID_NOT_NAMED;
        ids = abi_value_at(v, 0);
        cids = abi_value_at(v, 1);
        for (i = 0; ids && cids && i < ids->count && i < cids->count; i++) {
            if (abi_value_get_bytes32(abi_value_at(ids, i), w) == 0 &&
                memcmp(w, want, 32) == 0 &&
                abi_value_get_slice(abi_value_at(cids, i), cid, cid_len) == 0) {
                ret = ARBIUS_CID_FOUND;
                break;
            }
        }
    }
    abi_value_free(v);
    return ret;
}

static int cmp_pair(const void *a, const void *b)
{
    return memcmp(((const struct arbius_cid_pair *)a)->task,
                  ((const struct arbius_cid_pair *)b)->task, 32);
}

int arbius_solution_cids(const uint8_t *cd, size_t len,
                         struct arbius_cid_pair **outp, size_t *np)
{
    struct abi_value *v = NULL;
    struct arbius_cid_pair *pairs = NULL;
    size_t n = 0, i;

    if (match_sel(cd, len, sel_solution)) {
        if (abi_decode_call(t_solution, NULL, cd, len, &v) < 0)
            return -1;
        pairs = xcalloc(1, sizeof(*pairs));
        if (abi_value_get_bytes32(abi_value_at(v, 0), pairs[0].task) == 0 &&
            abi_value_get_slice(abi_value_at(v, 1), &pairs[0].cid,
                                &pairs[0].cid_len) == 0)
            n = 1;
    } else if (match_sel(cd, len, sel_bulk_solution)) {
        const struct abi_value *ids, *cids;

        if (abi_decode_call(t_bulk_solution, NULL, cd, len, &v) < 0)
            return -1;
        ids = abi_value_at(v, 0);
        cids = abi_value_at(v, 1);
        pairs = xcalloc(ids && ids->count ? ids->count : 1, sizeof(*pairs));
        for (i = 0; ids && cids && i < ids->count && i < cids->count; i++)
            if (abi_value_get_bytes32(abi_value_at(ids, i), pairs[n].task) ==
                    0 &&
                abi_value_get_slice(abi_value_at(cids, i), &pairs[n].cid,
                                    &pairs[n].cid_len) == 0)
                n++;
    } else {
        return -1;
    }
    abi_value_free(v);
    /* A task cannot be named twice in a transaction that succeeded: the
     * engine refuses a second solution and the whole call reverts. */
    if (n > 1)
        qsort(pairs, n, sizeof(*pairs), cmp_pair);
    *outp = pairs;
    *np = n;
    return 0;
}

const struct arbius_cid_pair *
arbius_cid_pair_find(const struct arbius_cid_pair *pairs, size_t n,
                     const char *task)
{
    struct arbius_cid_pair key;
    size_t olen;

    if (n == 0 || hex_decode(task, strlen(task), key.task, 32, &olen) < 0 ||
        olen != 32)
        return NULL;
    return bsearch(&key, pairs, n, sizeof(*pairs), cmp_pair);
}

int arbius_decode_register(const uint8_t *cd, size_t len, const uint8_t **tmpl,
                           size_t *tmpl_len, char addr[ST_ADDR_SIZE],
                           char fee[ST_DEC_SIZE])
{
    struct abi_value *v = NULL;
    const struct abi_types *t;
    struct u256 f;
    uint8_t a[20];
    int ret = -1;

    if (match_sel(cd, len, sel_register))
        t = t_register;
    else if (match_sel(cd, len, sel_register_allow))
        t = t_register_allow;
    else
        return -1;
    if (abi_decode_call(t, NULL, cd, len, &v) < 0)
        return -1;
    if (abi_value_get_address(abi_value_at(v, 0), a) == 0 &&
        abi_value_get_u256(abi_value_at(v, 1), &f) == 0 &&
        u256_to_dec(&f, fee, ST_DEC_SIZE) == 0 &&
        abi_value_get_slice(abi_value_at(v, 2), tmpl, tmpl_len) == 0) {
        fmt_addr(a, addr);
        ret = 0;
    }
    abi_value_free(v);
    return ret;
}

int arbius_decode_task_view(const uint8_t *ret, size_t len,
                            char owner[ST_ADDR_SIZE], int *version,
                            const uint8_t **cid, size_t *cid_len)
{
    struct abi_value *v = NULL;
    uint8_t a[20];
    uint64_t ver;
    int r = -1;

    if (abi_decode(t_task_view, ret, len, &v) < 0)
        return -1;
    if (abi_value_get_address(abi_value_at(v, 2), a) == 0 &&
        abi_value_get_u64(abi_value_at(v, 4), &ver) == 0 &&
        abi_value_get_slice(abi_value_at(v, 5), cid, cid_len) == 0) {
        fmt_addr(a, owner);
        *version = (int)ver;
        r = 0;
    }
    abi_value_free(v);
    return r;
}

int arbius_decode_solution_view(const uint8_t *ret, size_t len,
                                const uint8_t **cid, size_t *cid_len)
{
    struct abi_value *v = NULL;
    int r = -1;

    if (abi_decode(t_solution_view, ret, len, &v) < 0)
        return -1;
    if (abi_value_get_slice(abi_value_at(v, 3), cid, cid_len) == 0)
        r = 0;
    abi_value_free(v);
    return r;
}

int arbius_decode_model_view(const uint8_t *ret, size_t len,
                             struct st_model *m)
{
    struct abi_value *v = NULL;
    const uint8_t *cid;
    size_t cid_len;
    struct u256 fee, rate;
    uint8_t a[20];
    int r = -1;

    if (abi_decode(t_model_view, ret, len, &v) < 0)
        return -1;
    if (abi_value_get_u256(abi_value_at(v, 0), &fee) == 0 &&
        abi_value_get_address(abi_value_at(v, 1), a) == 0 &&
        abi_value_get_u256(abi_value_at(v, 2), &rate) == 0 &&
        abi_value_get_slice(abi_value_at(v, 3), &cid, &cid_len) == 0 &&
        u256_to_dec(&fee, m->fee, ST_DEC_SIZE) == 0 &&
        u256_to_dec(&rate, m->rate, ST_DEC_SIZE) == 0) {
        fmt_addr(a, m->addr);
        m->cid[0] = '\0';
        if (cid_len > 0 &&
            hex_encode_0x(cid, cid_len, m->cid, sizeof(m->cid)) < 0)
            m->cid[0] = '\0';
        r = 0;
    }
    abi_value_free(v);
    return r;
}

int arbius_decode_uint_view(const uint8_t *ret, size_t len, uint64_t *out)
{
    struct abi_value *v = NULL;
    int r;

    if (abi_decode(t_uint_view, ret, len, &v) < 0)
        return -1;
    r = abi_value_get_u64(abi_value_at(v, 0), out);
    abi_value_free(v);
    return r < 0 ? -1 : 0;
}

/* ---- inputs and cids ---- */

/* Strict UTF-8 check (no overlongs, no surrogates, max U+10FFFF). */
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (need >= n - i)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
            (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

void arbius_task_set_input(struct st_task *t, const uint8_t *in, size_t len)
{
    uint8_t cid[CID_V0_LEN];
    json_t *j, *p;
    size_t keep = len > ST_INPUT_MAX ? ST_INPUT_MAX : len;

    free(t->input);
    free(t->input_json);
    free(t->prompt);
    t->input = NULL;
    t->input_json = NULL;
    t->prompt = NULL;
    t->input_flags &= ~TASK_INPUT_MISSING;
    t->input = xmalloc(keep ? keep : 1);
    memcpy(t->input, in, keep);
    t->input_len = keep;
    if (len > ST_INPUT_MAX)
        t->input_flags |= TASK_INPUT_TOO_LARGE;
    if (cid_hash_content(in, len, cid) == 0 &&
        hex_encode_0x(cid, sizeof(cid), t->cid, sizeof(t->cid)) < 0)
        t->cid[0] = '\0';
    if (!utf8_valid(in, len)) {
        t->input_flags |= TASK_INPUT_BAD_UTF8 | TASK_INPUT_NOT_JSON;
        return;
    }
    j = json_loadb((const char *)in, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                  NULL);
    if (!j) {
        t->input_flags |= TASK_INPUT_NOT_JSON;
        return;
    }
    if (!json_is_object(j)) {
        t->input_flags |= TASK_INPUT_NOT_OBJECT;
        json_decref(j);
        return;
    }
    t->input_json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    p = json_object_get(j, "prompt");
    if (json_is_string(p)) {
        t->prompt = xstrndup(json_string_value(p), json_string_length(p));
        t->prompt_len = json_string_length(p);
    }
    else
        t->input_flags |= TASK_INPUT_NO_PROMPT;
    json_decref(j);
}

void arbius_solution_set_cid(struct st_solution *s, const uint8_t *cid,
                             size_t len)
{
    size_t keep = len > 4096 ? 4096 : len;

    free(s->cid_hex);
    s->cid_hex = xmalloc(keep * 2 + 3);
    if (hex_encode_0x(cid, keep, s->cid_hex, keep * 2 + 3) < 0)
        s->cid_hex[0] = '\0';
    s->cid_flags &= ~SOL_CID_MISSING;
    s->cid_text[0] = '\0';
    if (!cid_is_v0(cid, len) ||
        cid_format_v0(cid, len, s->cid_text, sizeof(s->cid_text)) < 0) {
        s->cid_text[0] = '\0';
        s->cid_flags |= SOL_CID_INVALID;
    }
}

void arbius_link_payouts(struct st_event *evs, size_t n)
{
    const struct st_event *claim = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        struct st_event *e = &evs[i];

        if (claim && strcmp(claim->pos.tx, e->pos.tx) != 0)
            claim = NULL;
        if (e->kind == ST_CLAIM) {
            claim = e;
        } else if (e->kind == ST_PAYOUT && e->u.payout.era == 5 && claim) {
            memcpy(e->u.payout.task, claim->u.pair.task, ST_HASH_SIZE);
            memcpy(e->u.payout.validator, claim->u.pair.addr, ST_ADDR_SIZE);
        }
    }
}

void st_event_release(struct st_event *ev)
{
    switch (ev->kind) {
    case ST_TASK:
        free(ev->u.task.input);
        free(ev->u.task.input_json);
        free(ev->u.task.prompt);
        break;
    case ST_SOLUTION:
        free(ev->u.solution.cid_hex);
        break;
    case ST_MODEL:
        free(ev->u.model.template_bytes);
        break;
    case ST_OTHER:
        free(ev->u.other.args_json);
        break;
    default:
        break;
    }
    memset(ev, 0, sizeof(*ev));
}
