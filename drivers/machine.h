/* The state of the machine a run measures on (machine.c): what can skew a timing, recorded
 * with every row and warned about on stderr. */
#ifndef PK_MACHINE_H
#define PK_MACHINE_H
#include <json-c/json.h>
#include "cli.h"

/* Collective under MPI (every rank calls it, after setup, before the timed runs): every rank
 * probes its host and its workers' placement (an OpenMP team of the run's size in omp and
 * hybrid modes), rank 0 combines them per host, prints each warning once on stderr
 * ("parkit: warning: ...", one line each, unless PARKIT_WARNINGS=off) and returns the
 * "machine" object of the report (other ranks: NULL).  Fields:
 *   governor     CPU frequency governor of the first worker CPU ("n/a": no cpufreq, a VM)
 *   boost        turbo / boost "on", "off" or "n/a"
 *   thp          transparent huge pages mode: "always", "madvise", "never" or "n/a"
 *   load         1-minute load average at start (the highest over the hosts)
 *   others_running  tasks of other programs runnable at start (procs_running, the fewest of
 *                10 samples, less this job's ranks; the most over the hosts).  Warned about
 *                when they and the workers exceed the CPUs.
 *   cpu_quota    CPUs allowed by the cgroup's CPU quota (null: no quota)
 *   cpus         CPUs the workers may run on (the fewest over the hosts)
 *   workers_per_cpu  workers / cpus on the busiest host (> 1: oversubscribed)
 *   bound_shared CPUs to which more than one worker is bound
 *   smt          "off" (one thread per core), "distinct cores" (workers bound to different
 *                cores), "siblings in use" (two workers share a core), "unbound" (the
 *                scheduler decides)
 *   numa_nodes   NUMA nodes the workers' CPUs span (of numa_nodes_total)
 *   warnings     the warnings' text, joined by "; " ("" when none) */
json_object *pk_machine_probe(const pk_cli *cli);
/* The same, warning only about placement (parkit where): oversubscription, CPUs shared by
 * bound workers, SMT siblings, NUMA nodes. */
json_object *pk_machine_probe_placement(const pk_cli *cli);

/* A warning line on stderr from rank 0 (or always when not under MPI), "parkit: warning: ...",
 * unless PARKIT_WARNINGS=off; also kept for the row's machine.warnings when a row is open. */
void pk_machine_warn(json_object *machine, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes of the last-level cache (0: unknown). */
long pk_llc_bytes(void);
/* Of the mapping [p, p + bytes): bytes in transparent huge pages (/proc/self/smaps), -1 when
 * unknown. */
long long pk_huge_page_bytes(const void *p, size_t bytes);

#endif
