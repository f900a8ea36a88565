/* libFuzzer target for the number and option parsers (drivers/parse.c):
 *   clang -fsanitize=fuzzer,address,undefined ...  (tests/unit/fuzz_parse.sh)
 * Built without libFuzzer (PK_FUZZ_STANDALONE) it replays the files named on its command
 * line (ctest: the committed corpus in tests/unit/fuzz/corpus).
 *
 * Each parser is checked against what it promises, not only for crashes:
 *  - pk_parse_u64: plain digits give strtoull's value; every accepted value prints and
 *    parses back to itself; anything outside parkit's number syntax is refused;
 *  - pk_parse_omp_threads: accepts exactly what the OpenMP runtime (libgomp) accepts, with
 *    the same first value (a strtoul-based reference written here the way libgomp reads it);
 *  - every refusal comes with a reason. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static void fail(const char *what, const char *input)
{
    fprintf(stderr, "%s: \"%s\"\n", what, input);
    abort();
}

/* libgomp's reading of OMP_NUM_THREADS (env.c: parse_unsigned_long_list): white space,
 * strtoul base 10, white space, then ',' or the end; every value > 0. */
static int gomp_reference(const char *s, uint64_t max, uint64_t *first)
{
    int entry = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s == 0 || *s == '-')
            return -1;
        if (!isdigit((unsigned char)*s) && !(*s == '+' && isdigit((unsigned char)s[1])))
            return -1;   /* strtoul would also take "+ 5" / " -5": libgomp rejects those */
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || v == 0 || v > max)
            return -1;
        if (entry++ == 0)
            *first = v;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == 0)
            return 0;
        if (*s++ != ',')
            return -1;
    }
}

static int allowed_number_char(char c)
{
    return isdigit((unsigned char)c) || c == '_' || c == 'e' || c == 'E' || c == '^' || c == '*';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;

    /* ---- numbers ---- */
    uint64_t v = 0;
    const char *why = NULL;
    int rc = pk_parse_u64(s, &v, &why);
    if (rc != 0 && (!why || !*why))
        fail("refused without a reason", s);
    if (rc == 0) {
        for (const char *p = s; *p; p++)
            if (!allowed_number_char(*p))
                fail("accepted a character outside the number syntax", s);
        if (strspn(s, "0123456789") == strlen(s)) {
            errno = 0;
            unsigned long long ref = strtoull(s, NULL, 10);
            if (errno || ref != v)
                fail("plain digits disagree with strtoull", s);
        }
        char back[32];
        snprintf(back, sizeof back, "%" PRIu64, v);
        uint64_t w;
        if (pk_parse_u64(back, &w, NULL) != 0 || w != v)
            fail("value does not round-trip", s);
    }

    /* ---- OMP_NUM_THREADS ---- */
    uint64_t t = 0, ref = 0;
    const uint64_t max = 4096;
    int ours = pk_parse_omp_threads(s, max, &t, &why);
    int theirs = gomp_reference(s, max, &ref);
    if ((ours == 0) != (theirs == 0))
        fail(ours == 0 ? "OMP_NUM_THREADS accepted, libgomp would refuse" : "OMP_NUM_THREADS refused, libgomp would accept", s);
    if (ours == 0 && t != ref)
        fail("OMP_NUM_THREADS: a different thread count than libgomp's", s);
    if (ours != 0 && (!why || !*why))
        fail("OMP_NUM_THREADS refused without a reason", s);
    free(s);
    return 0;
}

#ifdef PK_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        uint8_t buf[65536];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz_parse: %d inputs replayed\n", argc - 1);
    return 0;
}
#endif
