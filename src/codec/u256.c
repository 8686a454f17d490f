/*
 * u256.c - unsigned 256-bit arithmetic and exact decimal conversion.
 *
 * Multiplication and division by small numbers work on eight 32-bit limbs
 * so every intermediate product fits in a uint64_t: portable C11, no
 * __int128.
 */
#include "arbiusd/u256.h"

#include <math.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/log.h"

#define U256_LIMBS 8              /* 32-bit limbs in 256 bits */
#define U256_CHUNK 1000000000u    /* 10^9: decimal digits per division */
#define U256_CHUNK_DIGITS 9
#define U256_DEC_DIGITS 78        /* digits of 2^256 - 1 */

/* Splits a into 32-bit limbs, least significant first. */
static void u256_to_limbs(const struct u256 *a, uint32_t l[U256_LIMBS])
{
    int i;

    for (i = 0; i < 4; i++) {
        l[2 * i] = (uint32_t)a->w[i];
        l[2 * i + 1] = (uint32_t)(a->w[i] >> 32);
    }
}

/* Joins 32-bit limbs back into a u256. */
static struct u256 u256_from_limbs(const uint32_t l[U256_LIMBS])
{
    struct u256 r;
    int i;

    for (i = 0; i < 4; i++)
        r.w[i] = (uint64_t)l[2 * i] | (uint64_t)l[2 * i + 1] << 32;
    return r;
}

/* Sets l = l * m + add; returns the carry out (nonzero means overflow). */
static uint32_t limbs_mul_add(uint32_t l[U256_LIMBS], uint32_t m,
                              uint32_t add)
{
    uint64_t carry = add;
    int i;

    for (i = 0; i < U256_LIMBS; i++) {
        uint64_t cur = (uint64_t)l[i] * m + carry;

        l[i] = (uint32_t)cur;
        carry = cur >> 32;
    }
    return (uint32_t)carry;
}

/* Sets l = l / d (d != 0) and returns the remainder. */
static uint32_t limbs_divmod(uint32_t l[U256_LIMBS], uint32_t d)
{
    uint64_t rem = 0;
    int i;

    for (i = U256_LIMBS - 1; i >= 0; i--) {
        uint64_t cur = rem << 32 | l[i];

        l[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

static bool limbs_is_zero(const uint32_t l[U256_LIMBS])
{
    int i;

    for (i = 0; i < U256_LIMBS; i++)
        if (l[i] != 0)
            return false;
    return true;
}

struct u256 u256_from_be32(const uint8_t in[32])
{
    struct u256 r;
    int i, j;

    for (i = 0; i < 4; i++) {
        uint64_t v = 0;

        /* Word i (little end first) is bytes [24 - 8i, 32 - 8i). */
        for (j = 0; j < 8; j++)
            v = v << 8 | in[24 - 8 * i + j];
        r.w[i] = v;
    }
    return r;
}

void u256_to_be32(const struct u256 *a, uint8_t out[32] /* OUT */)
{
    int i, j;

    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++)
            out[31 - 8 * i - j] = (uint8_t)(a->w[i] >> (8 * j));
}

struct u256 u256_from_u64(uint64_t v)
{
    struct u256 r = { { v, 0, 0, 0 } };

    return r;
}

bool u256_fits_u64(const struct u256 *a)
{
    return a->w[1] == 0 && a->w[2] == 0 && a->w[3] == 0;
}

int u256_to_u64(const struct u256 *a, uint64_t *out /* OUT */)
{
    if (!u256_fits_u64(a)) {
        log_debug("u256: value does not fit in 64 bits");
        return -1;
    }
    *out = a->w[0];
    return 0;
}

bool u256_is_zero(const struct u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int u256_cmp(const struct u256 *a, const struct u256 *b)
{
    int i;

    for (i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

/* Sets *out = a + b + carry (carry 0 or 1) mod 2^256; returns the carry
 * out.  Subtraction is a + ~b + 1 on the same loop. */
static int u256_add_carry(const struct u256 *a, const struct u256 *b,
                          uint64_t carry, struct u256 *out /* OUT */)
{
    struct u256 r;
    int i;

    for (i = 0; i < 4; i++) {
        uint64_t s = a->w[i] + carry;
        uint64_t c1 = s < carry;

        r.w[i] = s + b->w[i];
        carry = c1 | (r.w[i] < s);
    }
    *out = r;
    return (int)carry;
}

int u256_add(const struct u256 *a, const struct u256 *b,
             struct u256 *out /* OUT */)
{
    return u256_add_carry(a, b, 0, out);
}

int u256_sub(const struct u256 *a, const struct u256 *b,
             struct u256 *out /* OUT */)
{
    struct u256 nb;
    int i;

    /* a - b = a + (2^256 - 1 - b) + 1: the carry out is set exactly when
     * no borrow happened. */
    for (i = 0; i < 4; i++)
        nb.w[i] = ~b->w[i];
    return !u256_add_carry(a, &nb, 1, out);
}

double u256_to_double(const struct u256 *a)
{
    double r = 0.0;
    int i;

    for (i = 3; i >= 0; i--)
        r = r * 18446744073709551616.0 + (double)a->w[i];
    return r;
}

int u256_from_dec(const char *s, size_t len, struct u256 *out /* OUT */)
{
    uint32_t l[U256_LIMBS] = { 0 };
    size_t i;

    if (len == 0) {
        log_debug("u256: empty decimal text");
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            log_debug("u256: non-digit at position %zu", i);
            return -1;
        }
        if (limbs_mul_add(l, 10, (uint32_t)(s[i] - '0')) != 0) {
            log_debug("u256: decimal value exceeds 2^256 - 1");
            return -1;
        }
    }
    *out = u256_from_limbs(l);
    return 0;
}

int u256_from_hex(const char *s, size_t len, struct u256 *out /* OUT */)
{
    struct u256 r = { { 0, 0, 0, 0 } };
    size_t n, k;

    if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
        len - 2 > 64) {
        log_debug("u256: hex quantity must be 0x and 1..64 digits");
        return -1;
    }
    /* Word k holds the k-th group of 16 digits counted from the right. */
    s += 2;
    n = len - 2;
    for (k = 0; n > 0; k++) {
        size_t m = n < HEX_QUANTITY_DIGITS ? n : HEX_QUANTITY_DIGITS;

        if (hex_parse_digits(s + n - m, m, &r.w[k]) < 0)
            return -1;
        n -= m;
    }
    *out = r;
    return 0;
}

/*
 * Writes the decimal digits of a (no NUL, no leading zeros, "0" for zero)
 * to digits[0..U256_DEC_DIGITS) and returns how many were written.
 */
static size_t u256_digits(const struct u256 *a, char digits[U256_DEC_DIGITS])
{
    /* Chunks of 9 digits come out least significant first. */
    char rev[U256_DEC_DIGITS + U256_CHUNK_DIGITS];
    uint32_t l[U256_LIMBS];
    size_t n = 0, i;

    u256_to_limbs(a, l);
    do {
        uint32_t chunk = limbs_divmod(l, U256_CHUNK);

        for (i = 0; i < U256_CHUNK_DIGITS; i++) {
            rev[n++] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    } while (!limbs_is_zero(l));
    while (n > 1 && rev[n - 1] == '0')
        n--;
    for (i = 0; i < n; i++)
        digits[i] = rev[n - 1 - i];
    return n;
}

/* Copies text[0..n) and a NUL to out: 0, or -1 if outsz is too small. */
static int u256_put(const char *text, size_t n, char *out, size_t outsz)
{
    if (outsz < n + 1) {
        log_debug("u256: %zu characters do not fit in %zu bytes", n, outsz);
        return -1;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return 0;
}

int u256_to_dec(const struct u256 *a, char *out /* OUT */, size_t outsz)
{
    char digits[U256_DEC_DIGITS];
    size_t n = u256_digits(a, digits);

    return u256_put(digits, n, out, outsz);
}

int u256_to_units(const struct u256 *a, unsigned decimals,
                  char *out /* OUT */, size_t outsz)
{
    char digits[U256_DEC_DIGITS];
    char frac[U256_MAX_DECIMALS];
    char text[U256_UNITS_SIZE];
    size_t n, whole, pad, fraclen, t = 0, i;

    if (decimals > U256_MAX_DECIMALS) {
        log_debug("u256: %u decimals (at most %d)", decimals,
                  U256_MAX_DECIMALS);
        return -1;
    }
    n = u256_digits(a, digits);
    /* The whole part is the leading n - decimals digits, or "0". */
    whole = n > decimals ? n - decimals : 0;
    if (whole == 0)
        text[t++] = '0';
    for (i = 0; i < whole; i++)
        text[t++] = digits[i];
    /* The fraction is the rest, left-padded with zeros to decimals digits. */
    pad = decimals - (n - whole);
    for (i = 0; i < decimals; i++)
        frac[i] = i < pad ? '0' : digits[whole + i - pad];
    fraclen = decimals;
    while (fraclen > 0 && frac[fraclen - 1] == '0')
        fraclen--;
    if (fraclen > 0) {
        text[t++] = '.';
        memcpy(text + t, frac, fraclen);
        t += fraclen;
    }
    return u256_put(text, t, out, outsz);
}
