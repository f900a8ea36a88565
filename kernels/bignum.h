/* Big-integer steps for huge results (primorial's): a multiplication split over threads,
 * the decimal summary of a number without converting it whole, a parallel decimal
 * conversion, and a cheap fingerprint.  Pure: the threads come from a pk_par runner the
 * driver lends (NULL: one thread). */
#ifndef PK_BIGNUM_H
#define PK_BIGNUM_H
#include <stddef.h>
#include <stdint.h>
#include <gmp.h>
#include "pk_kernel.h"
#include "pk_par.h"

/* r = a * b, by FLINT's FFT multiplication where parkit was built with FLINT's headers, the
 * library loads at run time (dlopen, at the first such product), and both operands are large
 * (>= 16384 limbs, within 4x of each other's length); else mpz_mul.  r may be a or b. */
void pk_mpz_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
/* Which multiplication pk_mpz_mul used, for reports ("FLINT 2.9.0 FFT ...", "GMP mpz_mul"
 * and why); and which it would use, as built (parkit --version). */
const char *pk_bignum_mul_name(void);
const char *pk_bignum_mul_config(void);
/* The allocation functions of the FLINT library, when built with it (no effect otherwise):
 * FLINT allocates its transforms through these, not through GMP's (mp_set_memory_functions). */
void pk_bignum_set_memory_functions(void *(*alloc)(size_t), void *(*calloc_)(size_t, size_t),
                                    void *(*realloc_)(void *, size_t), void (*free_)(void *));

/* r = a * b.  When par offers w >= 2 threads and both operands are large (>= 1 Mbit), the
 * longer operand is cut into w pieces of equal size (in limbs: balanced by bits), each piece
 * is multiplied by the other operand on its own thread (pk_mpz_mul), and the shifted products
 * are added.  Otherwise pk_mpz_mul.  r may be a or b. */
void pk_mpz_mul_par(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const pk_par *par);

/* q = floor(a / d), r = a - q d for a >= 0, d > 0 (other signs: mpz_tdiv_qr).  When par
 * offers >= 2 threads and d and the quotient are large (>= 32768 limbs), by Newton's
 * inverse of d's top bits and quotient blocks whose products are pk_mpz_mul_par's, each
 * block corrected to the exact remainder; else mpz_tdiv_qr.  q and r distinct; either may
 * be a or d. */
void pk_mpz_tdiv_qr_par(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr d, const pk_par *par);

/* Decimal summary of z >= 0: digit count, first and last min(20, digits) digits. */
typedef struct pk_dec_summary {
    size_t digits;
    char first[21], last[21];
    int exact_fallback;   /* 1: the leading-limb bound could not decide, the exact method did */
} pk_dec_summary;
/* From the leading 256 bits of z and a two-sided bound on 5^k (so the error is bounded, not
 * estimated); the last digits from z mod 5^20 and z mod 2^20.  Only when z / 10^(d-20) lies
 * too close to an integer (z next to a power of 10, or 50 nines in a row after its 20th
 * digit) does it fall back to pk_mpz_dec_summary_exact. */
void pk_mpz_dec_summary(mpz_srcptr z, pk_dec_summary *s);
/* The same by full-size arithmetic (10^(d-1) and a division): the slow reference. */
void pk_mpz_dec_summary_exact(mpz_srcptr z, pk_dec_summary *s);

/* The decimal digits of z >= 0, which has exactly `digits` digits (pk_mpz_dec_summary), into
 * buf[0 .. digits) (buf has room for digits + 1 bytes; no terminator is promised): the same
 * bytes as mpz_get_str(buf, 10, z).  Divide and conquer: z is split by powers 10^(k 2^i)
 * (divisions by 5^(k 2^i) of z >> k 2^i), the halves of each level on separate threads,
 * the leaves converted by mpz_get_str in parallel and zero-padded.  PK_EINVAL when z does
 * not have `digits` digits, PK_ENOMEM. */
pk_status pk_mpz_get_dec(char *buf, size_t digits, mpz_srcptr z, const pk_par *par);

/* Where pk_mpz_get_dec_sink puts the digits: put(env, pos, s, len) stores s as digits
 * [pos, pos + len) of the decimal (digit 0 the most significant).  Called from the lent
 * threads, possibly at once, in no particular order, each digit exactly once, each piece as
 * soon as it is converted (a file can be written while the rest is converted).  0 = stored;
 * non-zero = failed: the leaves not yet converted are skipped and the call gives PK_EIO. */
typedef struct pk_dec_sink {
    int (*put)(void *env, size_t pos, const char *s, size_t len);
    void *env;
} pk_dec_sink;
/* pk_mpz_get_dec with the digits handed to a sink instead of a buffer (no terminator, no
 * newline).  PK_EINVAL (z has not `digits` digits; some pieces may have been put), PK_EIO
 * (the sink failed), PK_ENOMEM. */
pk_status pk_mpz_get_dec_sink(const pk_dec_sink *sink, size_t digits, mpz_srcptr z, const pk_par *par);

/* The fingerprint of a result: |z| mod (2^61 - 1), a prime; one pass over the limbs. */
#define PK_M61 ((uint64_t)2305843009213693951ull)
uint64_t pk_mpz_mod_m61(mpz_srcptr z);
#endif
