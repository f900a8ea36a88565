/* Run-time choice of instruction set for the hot loops (kernels only).
 *
 * A portable build (PK_NATIVE off, the default) compiles each function marked PK_HOT four
 * times -- for the x86-64 baseline and for levels v2 (POPCNT, SSE4.2), v3 (AVX2, BMI2) and v4
 * (AVX-512) -- and the loader picks the best one this CPU runs (GNU ifunc), once, at start.
 * A -march=native build and other architectures compile each function
 * once.  Mark the function of a hot loop itself (a call out of a variant to an unmarked
 * function runs the baseline code), and only static functions: clang 14 gives an external
 * cloned function no symbol of its plain name, so other files could not link to it.  Measure
 * before marking: the sieve's segment loop ran slower as x86-64-v3 code (sieve.c). */
#ifndef PK_ISA_H
#define PK_ISA_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(PK_NATIVE_BUILD)
#define PK_ISA_CLONES 1
#endif

#ifdef PK_ISA_CLONES
#define PK_HOT __attribute__((target_clones("default", "arch=x86-64-v2", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define PK_HOT
#endif

/* What the hot loops run here: "x86-64-v3 (of x86-64, -v2, -v3, -v4, chosen at run time)",
 * "native (-march=native build)" or "baseline (one variant)". */
const char *pk_isa_description(void);

#endif
