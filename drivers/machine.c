/* The machine's state at the start of a run: clock policy, huge pages, load, cgroup quota and
 * where the workers may run (oversubscription, CPUs shared by bound workers, SMT siblings,
 * NUMA nodes).  Every rank probes its own host; rank 0 combines the probes per host. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <omp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "machine.h"
#include "mpi_env.h"

enum { NCPU = 1024, WORDS = NCPU / 64 };

/* One rank's probe; gathered as raw bytes (every rank runs the same binary). */
typedef struct {
    char host[64];
    int threads;
    int cpus_online;
    int numa_spanned, numa_total;
    double load1, quota;          /* quota: CPUs, or 0 for none */
    int running;                  /* runnable tasks on the host now (fewest of a few samples) */
    uint64_t cpus[WORDS];         /* the union of the workers' affinity masks */
    uint64_t cores[WORDS];        /* the core of each of those CPUs (its first SMT sibling) */
    int smt_machine;              /* the host has more than one thread per core */
    uint8_t bound[NCPU];          /* this rank's workers bound to exactly that CPU */
    char governor[24], boost[8], thp[16];
} probe;

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static void set_bit(uint64_t *w, int c)
{
    if (c >= 0 && c < NCPU)
        w[c / 64] |= 1ull << (c % 64);
}

static int has_bit(const uint64_t *w, int c)
{
    return c >= 0 && c < NCPU && (w[c / 64] >> (c % 64) & 1);
}

static int popcount_words(const uint64_t *w)
{
    int n = 0;
    for (int i = 0; i < WORDS; i++)
        n += __builtin_popcountll(w[i]);
    return n;
}

/* "0-3,8,10-11" into the bits of w */
static void parse_cpulist(const char *s, uint64_t *w)
{
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            break;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            s = end;
        }
        for (long c = a; c <= b && c < NCPU; c++)
            set_bit(w, (int)c);
        if (*s == ',')
            s++;
        else
            break;
    }
}

/* The first CPU of c's SMT siblings names its core; c itself when unknown. */
static int core_of(int c, int *smt)
{
    char path[96], buf[256];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
    if (read_line(path, buf, sizeof buf) != 0)
        return c;
    uint64_t w[WORDS] = {0};
    parse_cpulist(buf, w);
    if (popcount_words(w) > 1)
        *smt = 1;
    for (int i = 0; i < NCPU; i++)
        if (has_bit(w, i))
            return i;
    return c;
}

/* CPUs of the cgroup's CPU quota (v2 cpu.max up the tree, or v1 cfs_quota_us); 0: none. */
static double cgroup_quota(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    char line[1024], v2[1024] = "", v1[1024] = "";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "0::", 3))
            snprintf(v2, sizeof v2, "%s", line + 3);
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 && c2) {
            *c2 = 0;
            char *ctl = c1 + 1;
            for (char *t = strtok(ctl, ","); t; t = strtok(NULL, ","))
                if (!strcmp(t, "cpu"))
                    snprintf(v1, sizeof v1, "%s", c2 + 1);
        }
    }
    fclose(f);
    double best = 0;
    char path[1200], buf[128];
    /* v2: the tightest cpu.max from the process's group up to the root */
    for (char *p = v2; *v2;) {
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", p);
        long long q, per;
        if (read_line(path, buf, sizeof buf) == 0 && sscanf(buf, "%lld %lld", &q, &per) == 2 && per > 0) {
            double cpus = (double)q / (double)per;
            if (best == 0 || cpus < best)
                best = cpus;
        }
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            break;
        *slash = 0;
    }
    if (*v1) {
        static const char *const roots[] = {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"};
        for (size_t r = 0; r < 2; r++) {
            long long q = -1, per = 0;
            snprintf(path, sizeof path, "%s%s/cpu.cfs_quota_us", roots[r], strcmp(v1, "/") ? v1 : "");
            if (read_line(path, buf, sizeof buf) != 0 || sscanf(buf, "%lld", &q) != 1)
                continue;
            snprintf(path, sizeof path, "%s%s/cpu.cfs_period_us", roots[r], strcmp(v1, "/") ? v1 : "");
            if (q > 0 && read_line(path, buf, sizeof buf) == 0 && sscanf(buf, "%lld", &per) == 1 && per > 0) {
                double cpus = (double)q / (double)per;
                if (best == 0 || cpus < best)
                    best = cpus;
            }
            break;
        }
    }
    return best;
}

/* Runnable tasks on the host (procs_running of /proc/stat), -1 when unknown. */
static int procs_running(void)
{
    FILE *st = fopen("/proc/stat", "r");
    if (!st)
        return -1;
    char line[256];
    int r = -1;
    while (fgets(line, sizeof line, st))
        if (sscanf(line, "procs_running %d", &r) == 1)
            break;
    fclose(st);
    return r;
}

/* This process's threads in state R (running or runnable), -1 when unknown. */
static int own_running(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (read_line(path, buf, sizeof buf) != 0)
            continue;
        char *rp = strrchr(buf, ')');   /* "tid (comm) S ..." -- comm may hold spaces */
        if (rp && rp[1] == ' ' && rp[2] == 'R')
            n++;
    }
    closedir(d);
    return n;
}

static void probe_host(probe *p, const pk_cli *cli)
{
    gethostname(p->host, sizeof p->host - 1);
    p->threads = cli->exec.threads;
    p->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &p->load1) != 1)
            p->load1 = 0;
        fclose(f);
    }
    /* Who else wants a CPU right now: procs_running of /proc/stat less this process's own
     * runnable threads (a thread of ours may still spin after a parallel region: libgomp
     * waits actively for a while), the fewest of 3 samples.  The load average cannot tell:
     * it remembers the last minute, the previous run of a campaign included. */
    p->running = -1;
    for (int i = 0; i < 3; i++) {
        int r = procs_running(), own = own_running();
        if (r >= 0 && own >= 0 && (p->running < 0 || r - own < p->running))
            p->running = r - own > 0 ? r - own : 0;
    }
    p->quota = cgroup_quota();
    char buf[256];

    /* where the workers may run: each thread of a team of the run's size reports its mask */
    int T = cli->exec.threads;
    cpu_set_t *masks = calloc((size_t)T, sizeof *masks);
    if (!masks)
        return;
    if (cli->exec.mode == PK_MODE_OMP || cli->exec.mode == PK_MODE_HYBRID) {
#pragma omp parallel num_threads(T)
        {
            int t = omp_get_thread_num();
            if (t < T && sched_getaffinity(0, sizeof masks[t], &masks[t]) != 0)
                CPU_ZERO(&masks[t]);
        }
    } else if (sched_getaffinity(0, sizeof masks[0], &masks[0]) != 0) {
        CPU_ZERO(&masks[0]);
    }
    for (int t = 0; t < T; t++) {
        int n = CPU_COUNT(&masks[t]), last = -1;
        for (int c = 0; c < NCPU && c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &masks[t])) {
                set_bit(p->cpus, c);
                last = c;
            }
        if (n == 1 && last >= 0 && p->bound[last] < 255)
            p->bound[last]++;
    }
    free(masks);
    for (int c = 0; c < NCPU; c++)
        if (has_bit(p->cpus, c))
            set_bit(p->cores, core_of(c, &p->smt_machine));

    /* clock policy of the first CPU the workers may use */
    int first = 0;
    while (first < NCPU - 1 && !has_bit(p->cpus, first))
        first++;
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", first);
    snprintf(p->governor, sizeof p->governor, "%.23s", read_line(path, buf, sizeof buf) == 0 ? buf : "n/a");
    snprintf(p->boost, sizeof p->boost, "n/a");
    if (read_line("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) == 0)
        snprintf(p->boost, sizeof p->boost, "%s", atoi(buf) ? "on" : "off");
    else if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) == 0)
        snprintf(p->boost, sizeof p->boost, "%s", atoi(buf) ? "off" : "on");
    snprintf(p->thp, sizeof p->thp, "n/a");
    if (read_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) == 0) {
        char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
        if (a && b)
            snprintf(p->thp, sizeof p->thp, "%.*s", (int)(b - a - 1), a + 1);
    }

    /* NUMA nodes whose CPUs the workers may use */
    uint64_t nodes[WORDS] = {0};
    if (read_line("/sys/devices/system/node/online", buf, sizeof buf) == 0)
        parse_cpulist(buf, nodes);
    for (int node = 0; node < NCPU; node++) {
        if (!has_bit(nodes, node))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
        if (read_line(path, buf, sizeof buf) != 0)
            continue;
        p->numa_total++;
        uint64_t w[WORDS] = {0};
        parse_cpulist(buf, w);
        for (int i = 0; i < WORDS; i++)
            if (w[i] & p->cpus[i]) {
                p->numa_spanned++;
                break;
            }
    }
    if (p->numa_total == 0)
        p->numa_total = p->numa_spanned = 1;
}

/* ---- warnings ---- */

static int warnings_off(void)
{
    const char *e = getenv("PARKIT_WARNINGS");
    return e && (!strcmp(e, "off") || !strcmp(e, "0") || !strcmp(e, "no"));
}

static void add_warning(json_object *machine, const char *text)
{
    if (!warnings_off() && pk_is_root()) {
        fprintf(stderr, "parkit: warning: %s\n", text);
        fflush(stderr);
    }
    if (!machine)
        return;
    json_object *w;
    const char *old = json_object_object_get_ex(machine, "warnings", &w) ? json_object_get_string(w) : "";
    char *joined = NULL;
    if (asprintf(&joined, "%s%s%s", old, *old ? "; " : "", text) >= 0) {
        json_object_object_add(machine, "warnings", json_object_new_string(joined));
        free(joined);
    }
}

void pk_machine_warn(json_object *machine, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n >= 0) {
        add_warning(machine, text);
        free(text);
    }
}

/* ---- combining the ranks' probes per host ---- */

static int placement_only;   /* parkit where: the warnings about where workers run, no others */

json_object *pk_machine_probe_placement(const pk_cli *cli)
{
    placement_only = 1;
    json_object *m = pk_machine_probe(cli);
    placement_only = 0;
    return m;
}

json_object *pk_machine_probe(const pk_cli *cli)
{
    probe *mine = calloc(1, sizeof *mine);
    if (mine)
        probe_host(mine, cli);
    char *all = NULL;
    int ok = mine && pk_mpi_gather_lines((const char *)mine, sizeof *mine, &all) == 0;
    free(mine);
    if (!pk_is_root() || !ok) {
        free(all);
        return NULL;
    }
    const probe *pr = (const probe *)all;
    int P = cli->exec.nranks > 0 ? cli->exec.nranks : 1;
    json_object *m = json_object_new_object();
    json_object_object_add(m, "governor", json_object_new_string(pr[0].governor));
    json_object_object_add(m, "boost", json_object_new_string(pr[0].boost));
    json_object_object_add(m, "thp", json_object_new_string(pr[0].thp));
    json_object_object_add(m, "warnings", json_object_new_string(""));

    double load = 0, quota = 0, wpc = 0;
    int busy = 0;
    int cpus_min = 0, bound_shared = 0, numa = 1, numa_total = 1;
    const char *smt = "off";
    int *done = calloc((size_t)P, sizeof *done);
    for (int i = 0; i < P && done; i++) {
        if (done[i])
            continue;
        /* every rank on pr[i]'s host */
        uint64_t cpus[WORDS] = {0}, cores[WORDS] = {0};
        unsigned bound[NCPU] = {0};
        int workers = 0, ranks = 0;
        for (int j = i; j < P; j++) {
            if (done[j] || strcmp(pr[j].host, pr[i].host))
                continue;
            done[j] = 1;
            ranks++;
            workers += pr[j].threads;
            for (int w = 0; w < WORDS; w++)
                cpus[w] |= pr[j].cpus[w], cores[w] |= pr[j].cores[w];
            for (int c = 0; c < NCPU; c++)
                bound[c] += pr[j].bound[c];
        }
        const probe *h = &pr[i];
        int ncpus = popcount_words(cpus), ncores = popcount_words(cores), shared = 0, nbound = 0;
        for (int c = 0; c < NCPU; c++) {
            nbound += (int)bound[c];
            if (bound[c] > 1) {
                shared++;
                pk_machine_warn(m, "%u workers are bound to the same CPU %d on %s: they take turns "
                                   "(check OMP_PLACES / OMP_PROC_BIND / mpirun --bind-to)",
                                bound[c], c, h->host);
            }
        }
        bound_shared += shared;
        if (ncpus > 0 && workers > ncpus)
            pk_machine_warn(m, "%d workers on %d CPU%s of %s (oversubscribed): workers wait for a CPU "
                               "and the time measures the scheduler",
                            workers, ncpus, ncpus == 1 ? "" : "s", h->host);
        if (ncpus > 0 && (double)workers / ncpus > wpc)
            wpc = (double)workers / ncpus;
        if (cpus_min == 0 || ncpus < cpus_min)
            cpus_min = ncpus;
        /* SMT: bound workers on sibling CPUs, or more workers than cores */
        if (h->smt_machine) {
            int siblings = 0;
            if (nbound == workers) {   /* every worker bound to one CPU: count cores used */
                uint64_t used[WORDS] = {0};
                int dummy = 0;
                for (int c = 0; c < NCPU; c++)
                    if (bound[c]) {
                        int k = core_of(c, &dummy);
                        if (has_bit(used, k))
                            siblings = 1;
                        set_bit(used, k);
                    }
                if (!siblings && strcmp(smt, "siblings in use"))
                    smt = "distinct cores";
            } else if (workers > ncores) {
                siblings = 1;
            } else if (strcmp(smt, "siblings in use")) {
                smt = "unbound";
            }
            if (siblings && shared == 0) {
                smt = "siblings in use";
                pk_machine_warn(m, "%d workers share %d physical cores of %s (SMT siblings): "
                                   "two threads of a core split its execution units",
                                workers, ncores, h->host);
            }
        }
        if (h->load1 > load)
            load = h->load1;
        /* other runnable tasks: the host's fewest, less this job's other ranks there (each
         * is probing, or spinning in the gather) */
        int others = -1;
        for (int j = 0; j < P; j++)
            if (!strcmp(pr[j].host, h->host) && pr[j].running >= 0 && (others < 0 || pr[j].running < others))
                others = pr[j].running;
        if (others >= 0)
            others = others > ranks - 1 ? others - (ranks - 1) : 0;
        if (others > busy)
            busy = others;
        if (!placement_only && others > 0 && others + workers > h->cpus_online)
            pk_machine_warn(m, "%d other task%s running at start on %s with %d CPUs for %d workers "
                               "(load average %.2f): other work competes for the CPUs",
                            others, others == 1 ? " was" : "s were", h->host, h->cpus_online, workers,
                            h->load1);
        if (h->quota > 0 && (quota == 0 || h->quota < quota))
            quota = h->quota;
        if (!placement_only && h->quota > 0 && workers / (double)ranks > h->quota + 1e-9)
            pk_machine_warn(m, "the cgroup CPU quota of %s allows %.2f CPUs for %d workers: the "
                               "run is throttled",
                            h->host, h->quota, workers / ranks);
        if (h->numa_spanned > numa)
            numa = h->numa_spanned;
        if (h->numa_total > numa_total)
            numa_total = h->numa_total;
        if (h->numa_spanned > 1)
            pk_machine_warn(m, "the workers on %s may run on %d NUMA nodes: where memory is first "
                               "touched matters (OMP_PLACES / OMP_PROC_BIND / --bind-to)",
                            h->host, h->numa_spanned);
    }
    if (!placement_only && strcmp(pr[0].governor, "n/a") && strcmp(pr[0].governor, "performance"))
        pk_machine_warn(m, "the CPU frequency governor is '%s' (not 'performance'): the clock may "
                           "change during the run",
                        pr[0].governor);
    if (!placement_only && !strcmp(pr[0].boost, "on"))
        pk_machine_warn(m, "CPU boost (turbo) is on: the clock depends on temperature and on how "
                           "many cores are busy");
    free(done);
    json_object_object_add(m, "load", json_object_new_double(load));
    json_object_object_add(m, "others_running", json_object_new_int(busy));
    json_object_object_add(m, "cpu_quota", quota > 0 ? json_object_new_double(quota) : NULL);
    json_object_object_add(m, "cpus", json_object_new_int(cpus_min));
    json_object_object_add(m, "workers_per_cpu", json_object_new_double(wpc));
    json_object_object_add(m, "bound_shared", json_object_new_int(bound_shared));
    json_object_object_add(m, "smt", json_object_new_string(smt));
    json_object_object_add(m, "numa_nodes", json_object_new_int(numa));
    json_object_object_add(m, "numa_nodes_total", json_object_new_int(numa_total));
    free(all);
    return m;
}

/* ---- memory ---- */

long pk_llc_bytes(void)
{
    long best = 0;
    char path[128], buf[64];
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (read_line(path, buf, sizeof buf) != 0)
            break;
        char *end;
        long v = strtol(buf, &end, 10);
        if (*end == 'K')
            v *= 1024;
        else if (*end == 'M')
            v *= 1024 * 1024;
        if (v > best)
            best = v;
    }
#ifdef _SC_LEVEL3_CACHE_SIZE
    if (best == 0)
        best = sysconf(_SC_LEVEL3_CACHE_SIZE) > 0 ? sysconf(_SC_LEVEL3_CACHE_SIZE) : 0;
#endif
    return best;
}

long long pk_huge_page_bytes(const void *p, size_t bytes)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
    char line[512];
    int inside = 0;
    long long total = 0;
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (isxdigit((unsigned char)line[0]) && sscanf(line, "%lx-%lx", &a, &b) == 2) {
            inside = a < hi && b > lo;   /* a mapping that overlaps the array */
            continue;
        }
        long long kb;
        if (inside && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1) {
            total += kb * 1024;
            seen = 1;
        }
    }
    fclose(f);
    return seen ? total : -1;
}
