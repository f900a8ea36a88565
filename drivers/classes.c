/* Problem-size classes: one N per kernel and class, documented in the README, so results from
 * different machines compare like for like (as the NAS Parallel Benchmarks' S, W, A, B, C).
 * Every class's answer is verified like any other N. */
#include <string.h>
#include "cli.h"

static const struct {
    const char *cmd;
    const char *list;          /* for --help */
    uint64_t n[5];             /* S, W, A, B, C */
} classes[] = {
    {"primes", " S=1e7 W=1e9 A=1e10 B=1e11 C=1e12",
     {10000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull}},
    {"primorial", " S=1e5 W=1e6 A=1e7 B=1e8 C=1e9",
     {100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull}},
    {"sum", " S=1e6 W=1e7 A=1e8 B=1e9 C=2e9 (elements)",
     {1000000ull, 10000000ull, 100000000ull, 1000000000ull, 2000000000ull}},
    {"count", " S=1e8 W=1e9 A=1e10 B=1e11 C=1e12",
     {100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull}},
};

int pk_class_n(const char *cmd, char klass, uint64_t *n)
{
    const char *letters = "SWABC", *at = klass ? strchr(letters, klass) : NULL;
    if (!at)
        return -1;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (!strcmp(classes[i].cmd, cmd)) {
            *n = classes[i].n[at - letters];
            return 0;
        }
    return -1;
}

const char *pk_class_list(const char *cmd)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (!strcmp(classes[i].cmd, cmd))
            return classes[i].list;
    return NULL;
}
