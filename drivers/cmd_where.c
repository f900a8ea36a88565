/* parkit where: each rank and thread says where it runs (host, CPU, affinity mask), like
 * Cray's xthi, to check placement under --map-by/--bind-to, OMP_PLACES and Slurm. */
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "command.h"
#include "machine.h"
#include "mpi_env.h"
#include "report.h"

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

/* One worker's placement; gathered as raw bytes (every rank runs the same binary). */
typedef struct {
    char host[128];
    int rank, ranks, thread, threads, cpu;
    char affinity[160];
} place;

static void print_place(const pk_cli *cli, const place *p, int first)
{
    switch (cli->format) {
    case PK_FMT_TEXT:
        printf("host=%s rank=%d/%d thread=%d/%d cpu=%d affinity=%s\n", p->host, p->rank, p->ranks,
               p->thread, p->threads, p->cpu, p->affinity);
        break;
    case PK_FMT_CSV:   /* the mask holds commas: quoted */
        if (first)
            puts("host,rank,ranks,thread,threads,cpu,affinity");
        printf("%s,%d,%d,%d,%d,%d,\"%s\"\n", p->host, p->rank, p->ranks, p->thread, p->threads, p->cpu,
               p->affinity);
        break;
    case PK_FMT_JSON: {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "host", json_object_new_string(p->host));
        json_object_object_add(o, "rank", json_object_new_int(p->rank));
        json_object_object_add(o, "ranks", json_object_new_int(p->ranks));
        json_object_object_add(o, "thread", json_object_new_int(p->thread));
        json_object_object_add(o, "threads", json_object_new_int(p->threads));
        json_object_object_add(o, "cpu", json_object_new_int(p->cpu));
        json_object_object_add(o, "affinity", json_object_new_string(p->affinity));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        break;
    }
    }
}

static int where_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    (void)vo;
    if (argc > 0)
        return pk_usage_error("where: takes no arguments, got \"%s\"", argv[0]);
    int T = cli->exec.threads, rank = cli->exec.rank, P = cli->exec.nranks;
    place *mine = calloc((size_t)T, sizeof *mine);
    int rc = pk_agree(!mine, "where: out of memory");
    if (rc)
        return rc;
    char host[128] = "?";
    gethostname(host, sizeof host - 1);
#pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num();
        place *p = &mine[t];
        cpu_set_t set;
        snprintf(p->affinity, sizeof p->affinity, "?");
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            mask_str(&set, p->affinity, sizeof p->affinity);
        snprintf(p->host, sizeof p->host, "%s", host);
        p->rank = rank, p->ranks = P, p->thread = t, p->threads = T, p->cpu = sched_getcpu();
    }
    char *all = NULL;
    if (pk_mpi_gather_lines((const char *)mine, (size_t)T * sizeof *mine, &all) != 0) {
        free(mine);
        return pk_runtime_error("where: gathering from the ranks failed");
    }
    if (pk_is_root()) {
        for (int i = 0; i < P * T; i++)
            print_place(cli, (const place *)all + i, i == 0);
        pk_flush_stdout();
    }
    free(all);
    free(mine);
    /* and say what is wrong with the placement: two workers on one CPU, oversubscription,
     * SMT siblings (the same warnings as a timed run's) */
    json_object_put(pk_machine_probe_placement(cli));
    return PK_EXIT_OK;
}

const pk_command pk_cmd_where = {
    .name = "where",
    .args = "",
    .summary = "print host, rank, thread, CPU and affinity mask of every worker (like xthi)",
    .run = where_run,
    .not_for = PK_OPT_SCHEDULE | PK_OPT_REPEAT | PK_OPT_WARMUP | PK_OPT_PROGRESS | PK_OPT_RESULTS,
};
