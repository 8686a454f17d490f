/*
 * abi.c - Solidity ABI type lists, a bounds-checked decoder, a tiny encoder.
 *
 * Decoding follows the ABI spec's head/tail layout.  A tuple (or array) is
 * decoded relative to its own start `base`: each member has a head slot;
 * a static member is encoded in place, a dynamic one's head holds an offset
 * from base to its tail.  Every position is checked against the buffer
 * length before use, with the arithmetic arranged so that it cannot wrap:
 * positions are always <= len, and a count or offset is compared with
 * (len - pos) rather than added to pos first.
 *
 * Recursion follows the *type*, whose depth the parser bounds, never the
 * data, so hostile input cannot deepen the stack; ABI_MAX_NODES bounds the
 * work and memory one decode may cause.
 */
#include "arbiusd/abi.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/keccak.h"
#include "arbiusd/log.h"

struct abi_type {
    enum abi_kind kind;       /* what the type is */
    unsigned size;            /* uintN/intN: N bits; bytesN: N bytes */
    bool dynamic;             /* encoded in a tail, through an offset */
    size_t head;              /* bytes it takes in its parent's head area */
    size_t heads;             /* tuples: bytes of all member heads */
    size_t k;                 /* ABI_FIXED_ARRAY: number of elements */
    struct abi_type *elem;    /* arrays: the element type (owned) */
    struct abi_type *members; /* tuples: the member types (owned) */
    size_t n_members;         /* tuples: number of members */
};

struct abi_types {
    struct abi_type root; /* an ABI_TUPLE of the listed types */
};

/* ---- type lists ------------------------------------------------------- */

struct abi_parser {
    const char *s; /* the type list text (borrowed) */
    size_t len;    /* its length */
    size_t pos;    /* next character to read */
};

static int abi_parse_type(struct abi_parser *p, unsigned depth,
                          struct abi_type *out);

/* Frees what t owns (not t itself) and zeroes it. */
static void abi_type_release(struct abi_type *t)
{
    size_t i;

    if (t->elem) {
        abi_type_release(t->elem);
        free(t->elem);
    }
    for (i = 0; i < t->n_members; i++)
        abi_type_release(&t->members[i]);
    free(t->members);
    memset(t, 0, sizeof(*t));
}

static int abi_parse_fail(const struct abi_parser *p, const char *why)
{
    log_debug("abi: type list: %s at character %zu", why, p->pos);
    return -1;
}

/*
 * Parses the decimal number d[0..n): 1 to 7 digits, no leading zero, at
 * most max.  Returns 0 and sets *out, or -1.
 */
static int abi_parse_num(const char *d, size_t n, size_t max, size_t *out)
{
    size_t v = 0, i;

    if (n == 0 || n > 7 || (d[0] == '0' && n > 1))
        return -1;
    for (i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        v = v * 10 + (size_t)(d[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* Returns true if the n bytes at s are exactly the string word. */
static bool abi_name_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Returns true if s[0..n) starts with prefix. */
static bool abi_name_has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t pn = strlen(prefix);

    return n >= pn && memcmp(s, prefix, pn) == 0;
}

/* Parses an elementary type name at p into out (kind and size only). */
static int abi_parse_elementary(struct abi_parser *p, struct abi_type *out)
{
    const char *name = p->s + p->pos;
    size_t n = 0, v;

    while (p->pos + n < p->len &&
           ((name[n] >= 'a' && name[n] <= 'z') ||
            (name[n] >= '0' && name[n] <= '9')))
        n++;
    if (abi_name_is(name, n, "address")) {
        out->kind = ABI_ADDRESS;
    } else if (abi_name_is(name, n, "bool")) {
        out->kind = ABI_BOOL;
    } else if (abi_name_is(name, n, "string")) {
        out->kind = ABI_STRING;
    } else if (abi_name_is(name, n, "bytes")) {
        out->kind = ABI_BYTES;
    } else if (abi_name_is(name, n, "uint") || abi_name_is(name, n, "int")) {
        out->kind = name[0] == 'u' ? ABI_UINT : ABI_INT;
        out->size = 256;
    } else if (abi_name_has_prefix(name, n, "uint") ||
               abi_name_has_prefix(name, n, "int")) {
        size_t skip = name[0] == 'u' ? 4 : 3;

        if (abi_parse_num(name + skip, n - skip, 256, &v) != 0 || v == 0 ||
            v % 8 != 0)
            return abi_parse_fail(p, "bad integer width");
        out->kind = name[0] == 'u' ? ABI_UINT : ABI_INT;
        out->size = (unsigned)v;
    } else if (abi_name_has_prefix(name, n, "bytes")) {
        if (abi_parse_num(name + 5, n - 5, 32, &v) != 0 || v == 0)
            return abi_parse_fail(p, "bad bytesN size");
        out->kind = ABI_FIXED_BYTES;
        out->size = (unsigned)v;
    } else {
        return abi_parse_fail(p, "unknown type");
    }
    p->pos += n;
    return 0;
}

/*
 * Computes t->dynamic, t->head (and t->heads for tuples) from its parts.
 * Returns -1 if a static type would exceed ABI_MAX_STATIC_HEAD bytes.
 */
static int abi_type_layout(struct abi_type *t)
{
    size_t i;

    switch (t->kind) {
    case ABI_BYTES:
    case ABI_STRING:
    case ABI_ARRAY:
        t->dynamic = true;
        t->head = ABI_WORD;
        return 0;
    case ABI_FIXED_ARRAY:
        t->dynamic = t->elem->dynamic;
        if (t->dynamic) {
            t->head = ABI_WORD;
            return 0;
        }
        if (t->elem->head > ABI_MAX_STATIC_HEAD / t->k)
            return -1;
        t->head = t->k * t->elem->head;
        return 0;
    case ABI_TUPLE:
        t->dynamic = false;
        t->heads = 0;
        for (i = 0; i < t->n_members; i++) {
            const struct abi_type *m = &t->members[i];

            t->dynamic = t->dynamic || m->dynamic;
            /* Each m->head <= ABI_MAX_STATIC_HEAD, so no wrap here. */
            t->heads += m->head;
            if (t->heads > ABI_MAX_STATIC_HEAD)
                return -1;
        }
        t->head = t->dynamic ? ABI_WORD : t->heads;
        return 0;
    default:
        t->dynamic = false;
        t->head = ABI_WORD;
        return 0;
    }
}

/*
 * Parses "T,U,...)" members of a tuple at nesting depth into t (which the
 * caller zeroed); the closing parenthesis is left to the caller.  On
 * failure t owns nothing.
 */
static int abi_parse_members(struct abi_parser *p, unsigned depth,
                             struct abi_type *t)
{
    size_t cap = 0;

    t->kind = ABI_TUPLE;
    for (;;) {
        if (t->n_members == cap) {
            cap = cap ? 2 * cap : 4;
            t->members = xrealloc(t->members, cap * sizeof(*t->members));
        }
        if (abi_parse_type(p, depth, &t->members[t->n_members]) != 0)
            goto fail;
        t->n_members++;
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        break;
    }
    if (abi_type_layout(t) != 0) {
        abi_parse_fail(p, "static tuple too large");
        goto fail;
    }
    return 0;
fail:
    abi_type_release(t);
    return -1;
}

/*
 * Parses one type (elementary or tuple, then any [] / [k] suffixes) at
 * nesting depth into out.  On failure out owns nothing.
 */
static int abi_parse_type(struct abi_parser *p, unsigned depth,
                          struct abi_type *out)
{
    memset(out, 0, sizeof(*out));
    if (depth > ABI_MAX_DEPTH)
        return abi_parse_fail(p, "nesting too deep");
    if (p->pos < p->len && p->s[p->pos] == '(') {
        p->pos++;
        if (abi_parse_members(p, depth + 1, out) != 0)
            return -1;
        if (p->pos >= p->len || p->s[p->pos] != ')') {
            abi_type_release(out);
            return abi_parse_fail(p, "expected )");
        }
        p->pos++;
    } else {
        if (abi_parse_elementary(p, out) != 0)
            return -1;
        (void)abi_type_layout(out); /* cannot fail for elementary types */
    }
    while (p->pos < p->len && p->s[p->pos] == '[') {
        size_t start = ++p->pos, k = 0;
        struct abi_type *elem;

        if (++depth > ABI_MAX_DEPTH) {
            abi_type_release(out);
            return abi_parse_fail(p, "nesting too deep");
        }
        while (p->pos < p->len && p->s[p->pos] != ']')
            p->pos++;
        if (p->pos >= p->len ||
            (p->pos > start && (abi_parse_num(p->s + start, p->pos - start,
                                              ABI_MAX_NODES, &k) != 0 ||
                                k == 0))) {
            abi_type_release(out);
            return abi_parse_fail(p, "bad array size");
        }
        p->pos++;
        elem = xmalloc(sizeof(*elem));
        *elem = *out;
        memset(out, 0, sizeof(*out));
        out->kind = k ? ABI_FIXED_ARRAY : ABI_ARRAY;
        out->k = k;
        out->elem = elem;
        if (abi_type_layout(out) != 0) {
            abi_type_release(out);
            return abi_parse_fail(p, "static array too large");
        }
    }
    return 0;
}

int abi_types_parse(const char *s, size_t len,
                    struct abi_types **outp /* OUT */)
{
    struct abi_parser p = { .s = s, .len = len, .pos = 0 };
    struct abi_types *t;

    if (len > ABI_MAX_TYPES_TEXT) {
        log_debug("abi: type list of %zu characters exceeds %d", len,
                  ABI_MAX_TYPES_TEXT);
        return -1;
    }
    t = xcalloc(1, sizeof(*t));
    t->root.kind = ABI_TUPLE;
    if (len > 0) {
        if (abi_parse_members(&p, 0, &t->root) != 0)
            goto fail;
        if (p.pos != len) {
            abi_parse_fail(&p, "unexpected character");
            goto fail;
        }
    }
    *outp = t;
    return 0;
fail:
    abi_types_free(t);
    return -1;
}

void abi_types_free(struct abi_types *t)
{
    if (t == NULL)
        return;
    abi_type_release(&t->root);
    free(t);
}

size_t abi_types_count(const struct abi_types *t)
{
    return t->root.n_members;
}

/* ---- decoding --------------------------------------------------------- */

struct abi_dec {
    const uint8_t *data; /* the encoding (borrowed) */
    size_t len;          /* its length in bytes */
    size_t nodes;        /* values produced so far, <= ABI_MAX_NODES */
};

static int abi_decode_at(struct abi_dec *d, const struct abi_type *t,
                         size_t pos, struct abi_value *out);

static int abi_dec_fail(size_t pos, const char *why)
{
    log_debug("abi: %s at byte %zu", why, pos);
    return -1;
}

/* Returns true if a whole word starts at pos. */
static bool abi_dec_has_word(const struct abi_dec *d, size_t pos)
{
    return pos <= d->len && d->len - pos >= ABI_WORD;
}

/* Returns true if the n bytes at w are all equal to b. */
static bool abi_all_equal(const uint8_t *w, size_t n, uint8_t b)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (w[i] != b)
            return false;
    return true;
}

/*
 * Reads the word at pos as an offset or length.  Anything >= 2^64 (or
 * above SIZE_MAX) is an error, as in solc's decoder.
 */
static int abi_dec_size(const struct abi_dec *d, size_t pos,
                        size_t *out /* OUT */)
{
    const uint8_t *w;
    uint64_t v = 0;
    int i;

    if (!abi_dec_has_word(d, pos))
        return abi_dec_fail(pos, "truncated offset or length word");
    w = d->data + pos;
    if (!abi_all_equal(w, 24, 0))
        return abi_dec_fail(pos, "offset or length above 2^64");
    for (i = 24; i < ABI_WORD; i++)
        v = v << 8 | w[i];
#if SIZE_MAX < UINT64_MAX
    if (v > SIZE_MAX)
        return abi_dec_fail(pos, "offset or length above SIZE_MAX");
#endif
    *out = (size_t)v;
    return 0;
}

/* Decodes the scalar of type t whose word is at pos. */
static int abi_decode_scalar(struct abi_dec *d, const struct abi_type *t,
                             size_t pos, struct abi_value *out)
{
    const uint8_t *w;
    size_t hi;

    if (!abi_dec_has_word(d, pos))
        return abi_dec_fail(pos, "truncated word");
    w = d->data + pos;
    out->word = w;
    switch (t->kind) {
    case ABI_UINT:
        hi = ABI_WORD - t->size / 8;
        if (!abi_all_equal(w, hi, 0))
            return abi_dec_fail(pos, "uintN with high bits set");
        out->data = w;
        out->len = ABI_WORD;
        break;
    case ABI_INT:
        hi = ABI_WORD - t->size / 8;
        out->negative = (w[hi] & 0x80) != 0;
        if (!abi_all_equal(w, hi, out->negative ? 0xff : 0))
            return abi_dec_fail(pos, "intN not sign-extended");
        out->data = w;
        out->len = ABI_WORD;
        break;
    case ABI_ADDRESS:
        if (!abi_all_equal(w, ABI_WORD - ABI_ADDR_LEN, 0))
            return abi_dec_fail(pos, "address with high bytes set");
        out->data = w + ABI_WORD - ABI_ADDR_LEN;
        out->len = ABI_ADDR_LEN;
        break;
    case ABI_BOOL:
        if (!abi_all_equal(w, ABI_WORD - 1, 0) || w[ABI_WORD - 1] > 1)
            return abi_dec_fail(pos, "bool other than 0 or 1");
        out->data = w + ABI_WORD - 1;
        out->len = 1;
        break;
    case ABI_FIXED_BYTES:
        if (!abi_all_equal(w + t->size, ABI_WORD - t->size, 0))
            return abi_dec_fail(pos, "bytesN with nonzero padding");
        out->data = w;
        out->len = t->size;
        break;
    default:
        return abi_dec_fail(pos, "not a scalar type");
    }
    return 0;
}

/* Reserves count values from the budget and allocates out->items. */
static int abi_dec_items(struct abi_dec *d, size_t count, size_t pos,
                         struct abi_value *out)
{
    if (count > ABI_MAX_NODES - d->nodes)
        return abi_dec_fail(pos, "value budget exceeded");
    d->nodes += count;
    out->count = count;
    out->items = count ? xcalloc(count, sizeof(*out->items)) : NULL;
    return 0;
}

/*
 * Decodes a member of type t whose head slot is at head_pos, inside an
 * encoding that starts at base (<= head_pos).
 */
static int abi_decode_member(struct abi_dec *d, const struct abi_type *t,
                             size_t base, size_t head_pos,
                             struct abi_value *out)
{
    size_t off;

    if (!t->dynamic)
        return abi_decode_at(d, t, head_pos, out);
    if (abi_dec_size(d, head_pos, &off) != 0)
        return -1;
    if (off > d->len - base)
        return abi_dec_fail(head_pos, "offset past the end");
    return abi_decode_at(d, t, base + off, out);
}

/* Decodes count elements of type elem whose heads start at base. */
static int abi_decode_seq(struct abi_dec *d, const struct abi_type *elem,
                          size_t count, size_t base, struct abi_value *out)
{
    size_t eh = elem->dynamic ? ABI_WORD : elem->head;
    size_t i;

    if (base > d->len || count > (d->len - base) / eh)
        return abi_dec_fail(base, "array longer than the data");
    if (abi_dec_items(d, count, base, out) != 0)
        return -1;
    for (i = 0; i < count; i++)
        if (abi_decode_member(d, elem, base, base + i * eh,
                              &out->items[i]) != 0)
            return -1;
    return 0;
}

/* Decodes the tuple of type t whose encoding starts at pos. */
static int abi_decode_tuple(struct abi_dec *d, const struct abi_type *t,
                            size_t pos, struct abi_value *out)
{
    size_t hp = pos, i;

    if (pos > d->len || t->heads > d->len - pos)
        return abi_dec_fail(pos, "tuple longer than the data");
    if (abi_dec_items(d, t->n_members, pos, out) != 0)
        return -1;
    for (i = 0; i < t->n_members; i++) {
        const struct abi_type *m = &t->members[i];

        if (abi_decode_member(d, m, pos, hp, &out->items[i]) != 0)
            return -1;
        hp += m->head;
    }
    return 0;
}

/*
 * Decodes a value of type t whose encoding (in place for static types,
 * the tail for dynamic ones) starts at pos.  On failure out may own items;
 * the caller frees the whole tree.
 */
static int abi_decode_at(struct abi_dec *d, const struct abi_type *t,
                         size_t pos, struct abi_value *out)
{
    size_t n;

    out->kind = t->kind;
    out->size = t->size;
    switch (t->kind) {
    case ABI_BYTES:
    case ABI_STRING:
        if (abi_dec_size(d, pos, &n) != 0)
            return -1;
        /* abi_dec_size() checked that pos + ABI_WORD <= len. */
        if (n > d->len - (pos + ABI_WORD))
            return abi_dec_fail(pos, "bytes longer than the data");
        out->data = d->data + pos + ABI_WORD;
        out->len = n;
        return 0;
    case ABI_ARRAY:
        if (abi_dec_size(d, pos, &n) != 0)
            return -1;
        return abi_decode_seq(d, t->elem, n, pos + ABI_WORD, out);
    case ABI_FIXED_ARRAY:
        return abi_decode_seq(d, t->elem, t->k, pos, out);
    case ABI_TUPLE:
        return abi_decode_tuple(d, t, pos, out);
    default:
        return abi_decode_scalar(d, t, pos, out);
    }
}

/* Frees what v owns (its items, recursively), not v itself. */
static void abi_value_release(struct abi_value *v)
{
    size_t i;

    if (v->items == NULL)
        return;
    for (i = 0; i < v->count; i++)
        abi_value_release(&v->items[i]);
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

void abi_value_free(struct abi_value *v)
{
    if (v == NULL)
        return;
    abi_value_release(v);
    free(v);
}

int abi_decode(const struct abi_types *t, const uint8_t *data, size_t len,
               struct abi_value **outp /* OUT */)
{
    struct abi_dec d = { .data = data, .len = len, .nodes = 1 };
    struct abi_value *root = xcalloc(1, sizeof(*root));

    if (abi_decode_at(&d, &t->root, 0, root) != 0) {
        abi_value_free(root);
        return -1;
    }
    *outp = root;
    return 0;
}

int abi_decode_call(const struct abi_types *t, const uint8_t *selector,
                    const uint8_t *calldata, size_t len,
                    struct abi_value **outp /* OUT */)
{
    if (len < ABI_SELECTOR_LEN) {
        log_debug("abi: calldata of %zu bytes has no selector", len);
        return -1;
    }
    if (selector && memcmp(calldata, selector, ABI_SELECTOR_LEN) != 0) {
        log_debug("abi: calldata selector does not match");
        return -1;
    }
    return abi_decode(t, calldata + ABI_SELECTOR_LEN, len - ABI_SELECTOR_LEN,
                      outp);
}

/* ---- accessors -------------------------------------------------------- */

const struct abi_value *abi_value_at(const struct abi_value *v, size_t i)
{
    if (v == NULL || v->items == NULL || i >= v->count)
        return NULL;
    return &v->items[i];
}

/* Returns 0 if v is non-NULL and of kind k, else logs and returns -1. */
static int abi_value_check(const struct abi_value *v, enum abi_kind k)
{
    if (v == NULL || v->kind != k) {
        log_debug("abi: value missing or of another kind");
        return -1;
    }
    return 0;
}

int abi_value_get_word(const struct abi_value *v,
                       uint8_t out[ABI_WORD] /* OUT */)
{
    if (v == NULL || v->word == NULL) {
        log_debug("abi: value missing or not a scalar");
        return -1;
    }
    memcpy(out, v->word, ABI_WORD);
    return 0;
}

int abi_value_get_bytes32(const struct abi_value *v, uint8_t out[32] /* OUT */)
{
    if (abi_value_check(v, ABI_FIXED_BYTES) != 0)
        return -1;
    if (v->size != 32) {
        log_debug("abi: bytes%u is not bytes32", v->size);
        return -1;
    }
    memcpy(out, v->data, 32);
    return 0;
}

int abi_value_get_address(const struct abi_value *v,
                          uint8_t out[ABI_ADDR_LEN] /* OUT */)
{
    if (abi_value_check(v, ABI_ADDRESS) != 0)
        return -1;
    memcpy(out, v->data, ABI_ADDR_LEN);
    return 0;
}

int abi_value_get_u256(const struct abi_value *v, struct u256 *out /* OUT */)
{
    if (abi_value_check(v, ABI_UINT) != 0)
        return -1;
    *out = u256_from_be32(v->word);
    return 0;
}

int abi_value_get_u64(const struct abi_value *v, uint64_t *out /* OUT */)
{
    struct u256 x;

    if (abi_value_get_u256(v, &x) != 0)
        return -1;
    return u256_to_u64(&x, out);
}

int abi_value_get_bool(const struct abi_value *v, bool *out /* OUT */)
{
    if (abi_value_check(v, ABI_BOOL) != 0)
        return -1;
    *out = v->data[0] != 0;
    return 0;
}

int abi_value_get_slice(const struct abi_value *v, const uint8_t **ptr,
                        size_t *len)
{
    if (v == NULL || (v->kind != ABI_BYTES && v->kind != ABI_STRING)) {
        log_debug("abi: value missing or not bytes/string");
        return -1;
    }
    *ptr = v->data;
    *len = v->len;
    return 0;
}

int abi_word_get_address(const uint8_t word[ABI_WORD],
                         uint8_t out[ABI_ADDR_LEN] /* OUT */)
{
    if (!abi_all_equal(word, ABI_WORD - ABI_ADDR_LEN, 0)) {
        log_debug("abi: address word with high bytes set");
        return -1;
    }
    memcpy(out, word + ABI_WORD - ABI_ADDR_LEN, ABI_ADDR_LEN);
    return 0;
}

void abi_selector(const char *sig, size_t len,
                  uint8_t out[ABI_SELECTOR_LEN] /* OUT */)
{
    uint8_t h[KECCAK256_LEN];

    keccak256(sig, len, h);
    memcpy(out, h, ABI_SELECTOR_LEN);
}

/* ---- encoding --------------------------------------------------------- */

struct abi_arg abi_arg_u64(uint64_t v)
{
    struct abi_arg a;
    int i;

    memset(&a, 0, sizeof(a));
    for (i = 0; i < 8; i++)
        a.word[ABI_WORD - 1 - i] = (uint8_t)(v >> (8 * i));
    return a;
}

struct abi_arg abi_arg_u256(const struct u256 *v)
{
    struct abi_arg a;

    memset(&a, 0, sizeof(a));
    u256_to_be32(v, a.word);
    return a;
}

struct abi_arg abi_arg_address(const uint8_t addr[ABI_ADDR_LEN])
{
    struct abi_arg a;

    memset(&a, 0, sizeof(a));
    memcpy(a.word + ABI_WORD - ABI_ADDR_LEN, addr, ABI_ADDR_LEN);
    return a;
}

struct abi_arg abi_arg_word(const uint8_t word[ABI_WORD])
{
    struct abi_arg a;

    memset(&a, 0, sizeof(a));
    memcpy(a.word, word, ABI_WORD);
    return a;
}

struct abi_arg abi_arg_bytes(const void *data, size_t len)
{
    struct abi_arg a;

    memset(&a, 0, sizeof(a));
    a.dynamic = true;
    a.data = data;
    a.len = len;
    return a;
}

/* Returns the bytes a dynamic value of n bytes takes in the tail. */
static size_t abi_tail_size(size_t n)
{
    return ABI_WORD + (n + ABI_WORD - 1) / ABI_WORD * ABI_WORD;
}

int abi_encode_args(const struct abi_arg *args, size_t n, struct buf *out)
{
    static const uint8_t zeros[ABI_WORD];
    size_t start = out->len, room, total, tail, i;

    /* Size the whole encoding first so a too-small buf fails up front. */
    room = out->max - out->len;
    if (n > room / ABI_WORD)
        goto toolong;
    total = n * ABI_WORD;
    for (i = 0; i < n; i++) {
        if (!args[i].dynamic)
            continue;
        if (args[i].len > SIZE_MAX / 2 ||
            abi_tail_size(args[i].len) > room - total)
            goto toolong;
        total += abi_tail_size(args[i].len);
    }
    if (buf_grow(out, total) != 0)
        goto toolong;

    tail = n * ABI_WORD;
    for (i = 0; i < n; i++) {
        struct abi_arg off;

        if (!args[i].dynamic) {
            if (buf_add(out, args[i].word, ABI_WORD) != 0)
                goto toolong;
            continue;
        }
        off = abi_arg_u64(tail);
        if (buf_add(out, off.word, ABI_WORD) != 0)
            goto toolong;
        tail += abi_tail_size(args[i].len);
    }
    for (i = 0; i < n; i++) {
        struct abi_arg lenw;
        size_t pad;

        if (!args[i].dynamic)
            continue;
        lenw = abi_arg_u64(args[i].len);
        pad = abi_tail_size(args[i].len) - ABI_WORD - args[i].len;
        if (buf_add(out, lenw.word, ABI_WORD) != 0 ||
            (args[i].len > 0 &&
             buf_add(out, args[i].data, args[i].len) != 0) ||
            buf_add(out, zeros, pad) != 0)
            goto toolong;
    }
    return 0;
toolong:
    buf_truncate(out, start);
    log_debug("abi: encoding of %zu arguments exceeds the buffer cap", n);
    return -1;
}
