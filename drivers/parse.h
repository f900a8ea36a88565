/* Parsing numbers and option values as people write them (parse.c). */
#ifndef PK_PARSE_H
#define PK_PARSE_H
#include <stdint.h>

/* Number parsing: 1000000, 1e9, 10^9, 2**32, 1_000_000. Returns 0, or -1 with *why set
 * to a short explanation ("not a number", "negative", "not an integer", "too large"). */
int pk_parse_u64(const char *s, uint64_t *out, const char **why);
/* OMP_NUM_THREADS syntax, exactly as the OpenMP runtime accepts it ("4", " 4 ", "4,2"); each
 * entry 1..max; *first gets the first. 0, or -1 with *why. */
int pk_parse_omp_threads(const char *s, uint64_t max, uint64_t *first, const char **why);
/* Parse a positive count (>= 1, <= max) for option `what`, reporting usage errors itself. */
int pk_parse_count_opt(const char *what, const char *arg, uint64_t max, uint64_t *out);
/* Seconds for option `what`: digits with an optional fraction and exponent (5, 0.25, 1e-3);
 * no sign, blanks, hex, inf or nan.  In [min, max], else a usage error naming the value and
 * the bound (reported here; returns PK_EXIT_USAGE).  PK_EXIT_OK and *out otherwise. */
int pk_parse_seconds(const char *what, const char *arg, double min, double max, double *out);

#endif
