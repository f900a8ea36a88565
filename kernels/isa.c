/* Which variant of the PK_HOT functions this CPU runs (kernels/pk_isa.h). */
#include "pk_isa.h"

#ifdef PK_ISA_CLONES
/* The x86-64 micro-architecture levels, from the CPU's feature bits, in the order the
 * loader's resolver prefers them (clang 14 has no level names in __builtin_cpu_supports). */
static int level(void)
{
    __builtin_cpu_init();
    int v2 = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("sse4.2") &&
             __builtin_cpu_supports("ssse3");
    int v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi");
    int v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512cd");
    return v4 ? 4 : v3 ? 3 : v2 ? 2 : 1;
}
#endif

const char *pk_isa_description(void)
{
#if defined(PK_ISA_CLONES)
    static const char *const name[] = {
        "", "x86-64 baseline (of x86-64, -v2, -v3, -v4, chosen at run time)",
        "x86-64-v2 (of x86-64, -v2, -v3, -v4, chosen at run time)",
        "x86-64-v3 (of x86-64, -v2, -v3, -v4, chosen at run time)",
        "x86-64-v4 (of x86-64, -v2, -v3, -v4, chosen at run time)"};
    return name[level()];
#elif defined(PK_NATIVE_BUILD)
    return "native (built with -march=native for the building CPU)";
#else
    return "one variant (the compiler's default target)";
#endif
}
