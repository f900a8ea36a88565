/* Provenance: where, when and with what a result was produced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mpi_env.h"
#include "pk_isa.h"
#include "bignum.h"
#include "provenance.h"
#include "report.h"

#ifndef PK_VERSION
#define PK_VERSION "0.0.0"
#endif
#include "pk_git.h"   /* PK_GIT_COMMIT, written at build time by gitstamp.cmake */
#ifndef PK_FLAGS
#define PK_FLAGS ""
#endif
#define PK_STR_(x) #x
#define PK_STR(x) PK_STR_(x)
#ifdef __clang__   /* not __clang_version__: "14.0.6 " with a space, or with a vendor's suffix */
#define PK_COMPILER "clang " PK_STR(__clang_major__) "." PK_STR(__clang_minor__) "." PK_STR(__clang_patchlevel__)
#else
#define PK_COMPILER "gcc " __VERSION__
#endif

extern char **environ;

const char *pk_git_commit(void) { return PK_GIT_COMMIT; }

static const char *cpu_model(void)
{
    static char model[256];
    if (model[0])
        return model;
    snprintf(model, sizeof model, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return model;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + strspn(p + 1, " \t");
                p[strcspn(p, "\n")] = 0;
                snprintf(model, sizeof model, "%s", p);
            }
            break;
        }
    }
    fclose(f);
    return model;
}

static void add_env(json_object *o, const char *key, const char *var)
{
    const char *v = getenv(var);
    json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

json_object *pk_provenance(const pk_cli *cli)
{
    (void)cli;
    json_object *o = json_object_new_object();
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    json_object_object_add(o, "host", json_object_new_string(host));
    json_object_object_add(o, "cpu", json_object_new_string(cpu_model()));
    json_object_object_add(o, "cores", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_object_add(o, "compiler", json_object_new_string(PK_COMPILER));
    json_object_object_add(o, "flags", json_object_new_string(PK_FLAGS));
    json_object_object_add(o, "isa", json_object_new_string(pk_isa_description()));
    json_object_object_add(o, "version", json_object_new_string(PK_VERSION));
    json_object_object_add(o, "git_commit", json_object_new_string(PK_GIT_COMMIT));
    json_object_object_add(o, "mpi", json_object_new_string(pk_mpi_active() ? pk_mpi_library() : "none"));
    char omp[1024] = "";
    size_t used = 0;
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, "OMP_", 4) && used < sizeof omp)
            used += (size_t)snprintf(omp + used, sizeof omp - used, "%s%s", used ? ";" : "", *e);
    json_object_object_add(o, "omp_env", json_object_new_string(omp));
    add_env(o, "slurm_job_id", "SLURM_JOB_ID");
    add_env(o, "slurm_nodelist", "SLURM_JOB_NODELIST");
    add_env(o, "slurm_ntasks", "SLURM_NTASKS");
    add_env(o, "slurm_cpus_per_task", "SLURM_CPUS_PER_TASK");
    add_env(o, "slurm_array_task_id", "SLURM_ARRAY_TASK_ID");
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_object_add(o, "timestamp", json_object_new_string(ts));
    return o;
}

/* OpenMP's version from the _OPENMP date the compiler defines. */
static const char *openmp_version(void)
{
    static const struct { long date; const char *name; } v[] = {
        {202111, "5.2"}, {202011, "5.1"}, {201811, "5.0"}, {201511, "4.5"}, {201307, "4.0"},
        {201107, "3.1"}, {200805, "3.0"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (_OPENMP >= v[i].date)
            return v[i].name;
    return "before 3.0";
}

void pk_print_version(FILE *f)
{
    fprintf(f, "parkit %s (git %s)\n", PK_VERSION, PK_GIT_COMMIT);
    fprintf(f, "  compiler  %s\n", PK_COMPILER);
    fprintf(f, "  flags     %s\n", PK_FLAGS);
    fprintf(f, "  hot loops %s\n", pk_isa_description());
    fprintf(f, "  OpenMP    %s (_OPENMP %ld)\n", openmp_version(), (long)_OPENMP);
    fprintf(f, "  GMP       %s; huge products: %s\n", gmp_version, pk_bignum_mul_config());
    fprintf(f, "  MPI       %s\n", pk_mpi_built() ? pk_mpi_library() : "not built (serial and OpenMP only)");
#ifdef PK_CURL_VERSION
    fprintf(f, "  fetch     built against libcurl %s (parkit-fetch)\n", PK_CURL_VERSION);
#else
    fprintf(f, "  fetch     not built (no libcurl at configure time)\n");
#endif
}
