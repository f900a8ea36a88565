/* Numbers as people write them: 1000000, 1e9, 10^9, 2**32, 1_000_000. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Digits with single underscores between them; returns chars consumed or 0. */
static size_t read_digits(const char *s, uint64_t *v, int *overflow)
{
    size_t i = 0;
    uint64_t x = 0;
    if (!isdigit((unsigned char)s[0]))
        return 0;
    while (s[i]) {
        if (isdigit((unsigned char)s[i])) {
            unsigned d = (unsigned)(s[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                *overflow = 1;
            else
                x = x * 10 + d;
            i++;
        } else if (s[i] == '_' && isdigit((unsigned char)s[i + 1]) && i > 0) {
            i++;
        } else {
            break;
        }
    }
    *v = x;
    return i;
}

static int pow_u64(uint64_t base, uint64_t exp, uint64_t *out)
{
    uint64_t r = 1;
    for (uint64_t i = 0; i < exp; i++) {
        if (base != 0 && r > UINT64_MAX / base) {
            if (base == 1)
                break;
            return -1;
        }
        r *= base;
        if (r == 0 || r == 1)
            break;   /* 0^k and 1^k settle at once */
    }
    *out = exp == 0 ? 1 : r;
    return 0;
}

int pk_parse_u64(const char *s, uint64_t *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!s || !*s) {
        *why = "empty";
        return -1;
    }
    if (s[0] == '-') {
        *why = "negative";
        return -1;
    }
    int overflow = 0;
    uint64_t a, b;
    size_t n = read_digits(s, &a, &overflow);
    if (n == 0) {
        *why = "not a number";
        return -1;
    }
    const char *rest = s + n;
    if (*rest == 0) {
        if (overflow) {
            *why = "too large (the largest is 18446744073709551615)";
            return -1;
        }
        *out = a;
        return 0;
    }
    uint64_t base;
    const char *expo;
    if (*rest == 'e' || *rest == 'E') {
        base = 10;
        expo = rest + 1;
    } else if (*rest == '^') {
        base = a;
        a = 1;
        expo = rest + 1;
    } else if (rest[0] == '*' && rest[1] == '*') {
        base = a;
        a = 1;
        expo = rest + 2;
    } else if (*rest == '.') {
        *why = "not an integer";
        return -1;
    } else {
        *why = "not a number";
        return -1;
    }
    if (*expo == '-') {
        *why = "not an integer (negative exponent)";
        return -1;
    }
    size_t m = read_digits(expo, &b, &overflow);
    if (m == 0 || expo[m] != 0) {
        *why = strchr(expo, '.') ? "not an integer" : "not a number";
        return -1;
    }
    uint64_t p;
    if (a == 0 || base == 0) {   /* 0e999999999999999999999, 0^N, 0**N: zero (0^0 = 1) */
        *out = (a == 0 || b > 0 || overflow) ? 0 : 1;
        return 0;
    }
    if (base == 1) {             /* 1^N = 1, whatever N */
        *out = a;
        return 0;
    }
    if (overflow || pow_u64(base, b, &p) != 0 || (p && a > UINT64_MAX / p)) {
        *why = "too large (the largest is 18446744073709551615)";
        return -1;
    }
    *out = a * p;
    return 0;
}

/* OMP_NUM_THREADS as the OpenMP runtime reads it (libgomp's rules): a comma-separated list
 * of positive decimal integers, each with optional white space around it and an optional
 * '+'; the first entry is the outer level. No exponents, underscores or hex: a value the
 * runtime rejects must not start 10 threads here. */
int pk_parse_omp_threads(const char *s, uint64_t max, uint64_t *first, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!s) {
        *why = "empty";
        return -1;
    }
    int entry = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '+')
            s++;
        if (!isdigit((unsigned char)*s)) {
            *why = *s == '-' ? "negative" : *s ? "not a positive integer" : "empty";
            return -1;
        }
        uint64_t v = 0;
        int big = 0;
        while (isdigit((unsigned char)*s)) {
            unsigned d = (unsigned)(*s++ - '0');
            if (v > (UINT64_MAX - d) / 10)
                big = 1;
            else
                v = v * 10 + d;
        }
        if (v == 0 && !big) {
            *why = "zero";
            return -1;
        }
        if (big || v > max) {
            *why = "too large";
            return -1;
        }
        if (entry++ == 0 && first)
            *first = v;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == 0)
            return 0;
        if (*s != ',') {
            *why = "not a positive integer";
            return -1;
        }
        s++;
    }
}

int pk_parse_count_opt(const char *what, const char *arg, uint64_t max, uint64_t *out)
{
    const char *why = NULL;
    uint64_t v;
    if (pk_parse_u64(arg, &v, &why) != 0)
        return pk_usage_error("%s: expected a positive integer, got \"%s\" (%s)", what, arg, why);
    if (v == 0)
        return pk_usage_error("%s: expected a positive integer, got \"%s\"", what, arg);
    if (v > max)
        return pk_usage_error("%s: %s is too large (at most %llu)", what, arg, (unsigned long long)max);
    *out = v;
    return PK_EXIT_OK;
}

/* ---- seconds: digits, an optional fraction, an optional exponent ---- */

/* arg as shown in a message: control characters as '?', at most 80 bytes, cut in the middle
 * with an ellipsis (U+2026) so that the message keeps what follows it. */
static const char *shown_arg(const char *arg, char *buf, size_t size)
{
    static const char ell[] = "\xe2\x80\xa6";
    size_t len = strlen(arg), head = len, tail = len, k = 0;
    if (len > size - 1) {
        head = (size - sizeof ell) / 2;
        tail = len - (size - sizeof ell - head);
        while (head > 0 && ((unsigned char)arg[head] & 0xc0) == 0x80)
            head--;
        while (tail < len && ((unsigned char)arg[tail] & 0xc0) == 0x80)
            tail++;
    }
    for (size_t i = 0; i < len; i++) {
        if (i == head && head < tail) {
            memcpy(buf + k, ell, sizeof ell - 1);
            k += sizeof ell - 1;
            i = tail - 1;
            continue;
        }
        unsigned char c = (unsigned char)arg[i];
        buf[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[k] = '\0';
    return buf;
}

int pk_parse_seconds(const char *what, const char *arg, double min, double max, double *out)
{
    char shown[84];
    /* The grammar first (strtod alone would take " 5", "0x10", "inf", "nan", "+5"). */
    size_t i = 0, digits = 0;
    while (isdigit((unsigned char)arg[i]))
        i++, digits++;
    if (arg[i] == '.')
        for (i++; isdigit((unsigned char)arg[i]); i++)
            digits++;
    int ok = digits > 0;
    if (ok && (arg[i] == 'e' || arg[i] == 'E')) {
        i++;
        if (arg[i] == '+' || arg[i] == '-')
            i++;
        size_t e0 = i;
        while (isdigit((unsigned char)arg[i]))
            i++;
        ok = i > e0;
    }
    if (!ok || arg[i] != '\0')
        return pk_usage_error("%s: expected seconds (digits with an optional fraction and "
                              "exponent, e.g. 5, 0.25, 1e-3), got \"%s\"%s", what,
                              shown_arg(arg, shown, sizeof shown),
                              arg[0] == '-' ? " (negative)" : "");
    char *end;
    double v = strtod(arg, &end);   /* ERANGE: overflow is inf, underflow is below min */
    if (!(v <= max))
        return pk_usage_error("%s: \"%s\" seconds is too long (at most %g)", what,
                              shown_arg(arg, shown, sizeof shown), max);
    if (!(v >= min))
        return pk_usage_error("%s: \"%s\" seconds is too short (at least %g)", what,
                              shown_arg(arg, shown, sizeof shown), min);
    *out = v;
    return PK_EXIT_OK;
}
