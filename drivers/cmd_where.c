/* parkit where: each rank and thread says where it runs (host, CPU, affinity mask), like
 * Cray's xthi, to check placement under --map-by/--bind-to, OMP_PLACES and Slurm. */
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmdutil.h"
#include "mpi_env.h"

/* "0-3,6" */
static void mask_str(const cpu_set_t *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int c = 0; c < CPU_SETSIZE && used < len; c++) {
        if (!CPU_ISSET(c, set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
            e++;
        used += (size_t)snprintf(buf + used, len - used, used ? ",%d" : "%d", c);
        if (e > c && used < len)
            used += (size_t)snprintf(buf + used, len - used, "-%d", e);
        c = e;
    }
}

#define LINE 256

static int where_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    (void)vo;
    if (argc > 0)
        return pk_usage_error("where: takes no arguments, got \"%s\"", argv[0]);
    int T = cli->exec.threads, rank = cli->exec.rank, P = cli->exec.nranks;
    char *mine = calloc((size_t)T, LINE);
    int rc = pk_agree(!mine, "where: out of memory");
    if (rc)
        return rc;
    char host[128] = "?";
    gethostname(host, sizeof host - 1);
#pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num();
        cpu_set_t set;
        char mask[160] = "?";
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            mask_str(&set, mask, sizeof mask);
        snprintf(mine + (size_t)t * LINE, LINE, "host=%s rank=%d/%d thread=%d/%d cpu=%d affinity=%s",
                 host, rank, P, t, T, sched_getcpu(), mask);
    }
    char *all = NULL;
    if (pk_mpi_gather_lines(mine, (size_t)T * LINE, &all) != 0) {
        free(mine);
        return pk_runtime_error("where: gathering from the ranks failed");
    }
    if (pk_is_root())
        for (int i = 0; i < P * T; i++)
            puts(all + (size_t)i * LINE);
    free(all);
    free(mine);
    return PK_EXIT_OK;
}

const pk_command pk_cmd_where = {
    .name = "where",
    .args = "",
    .summary = "print host, rank, thread, CPU and affinity mask of every worker (like xthi)",
    .run = where_run,
};
