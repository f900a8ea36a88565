#!/usr/bin/env python3
"""Check the CSV rows parkit appended during a Slurm test job (python3 standard library only).

  check_rows.py FILE --expect KERNEL:N:MODE:RANKSxTHREADS ... [--job-ids ID,...]
                     [--nodelist NODES] [--array-tasks 0-5] [--cpus-per-task C]

Every line of FILE must be a whole CSV record with the stable column set (concurrent appends
must never tear a line). The rows must match the --expect list as a multiset (kernel, n, mode,
ranks x threads), each must carry verified=true and the known answer for its kernel, and the
Slurm provenance columns must be filled in. Prints one line per problem and exits 1 if any.
"""
import argparse
import csv
import sys
from collections import Counter

COLUMNS = ("kernel,n,class,mode,ranks,threads,schedule,result,verified,seconds_min,"
           "seconds_median,seconds_max,seconds_mean,seconds_sd,seconds_ci_low,seconds_ci_high,"
           "seconds_ci_level,repeats,repeat_policy,seconds_samples,setup_seconds,comm_seconds,"
           "rate,rate_unit,imbalance,per_thread_seconds,host,cpu,cores,machine_governor,"
           "machine_boost,machine_thp,machine_load,machine_cpu_quota,machine_cpus,"
           "machine_workers_per_cpu,machine_bound_shared,machine_smt,machine_numa_nodes,"
           "machine_warnings,compiler,flags,version,git_commit,mpi,omp_env,slurm_job_id,"
           "slurm_nodelist,slurm_ntasks,slurm_cpus_per_task,slurm_array_task_id,timestamp,"
           "details").split(",")

PI_TABLE = {10: 4, 100: 25, 1000: 168, 10**4: 1229, 10**5: 9592, 10**6: 78498, 10**7: 664579,
            10**8: 5761455, 10**9: 50847534, 10**10: 455052511}


def prime_count(n):
    """pi(n): the table, else a plain sieve for small n, else None (answer not checked)."""
    if n in PI_TABLE:
        return PI_TABLE[n]
    if n > 5 * 10**7:
        return None
    if n < 2:
        return 0
    sieve = bytearray([1]) * (n + 1)
    sieve[0] = sieve[1] = 0
    p = 2
    while p * p <= n:
        if sieve[p]:
            sieve[p * p::p] = bytearray(len(range(p * p, n + 1, p)))
        p += 1
    return sum(sieve)


def known_answer(kernel, n):
    if kernel == "count":
        return n
    if kernel == "sum":
        return n * (n + 1) // 2
    if kernel == "primes":
        return prime_count(n)
    return None


def parse_range(text):
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--expect", nargs="+", required=True, help="KERNEL:N:MODE:RxT entries")
    ap.add_argument("--job-ids", default="", help="comma-separated SLURM_JOB_IDs the rows may carry")
    ap.add_argument("--nodelist", default="", help="exact slurm_nodelist every row must carry")
    ap.add_argument("--array-tasks", default="", help="slurm_array_task_id values expected, e.g. 0-5")
    ap.add_argument("--cpus-per-task", default="", help="slurm_cpus_per_task every row must carry")
    args = ap.parse_args()
    problems = []

    try:
        with open(args.file, newline="") as f:
            text = f.read()
    except OSError as e:
        print(f"check_rows: {args.file}: {e.strerror}")
        return 1
    records = list(csv.reader(text.splitlines()))
    if not records or records[0] != COLUMNS:
        problems.append(f"header is not the stable column list: {records[0] if records else 'empty file'}")
        records = records[:1] + records[1:]
    rows = []
    for lineno, rec in enumerate(records[1:], start=2):
        if len(rec) != len(COLUMNS):
            problems.append(f"line {lineno}: {len(rec)} fields instead of {len(COLUMNS)} (torn append?): {rec}")
            continue
        rows.append(dict(zip(COLUMNS, rec)))

    want = Counter(args.expect)
    got = Counter(f"{r['kernel']}:{r['n']}:{r['mode']}:{r['ranks']}x{r['threads']}" for r in rows)
    if got != want:
        missing = want - got
        extra = got - want
        if missing:
            problems.append(f"missing rows: {sorted(missing.elements())}")
        if extra:
            problems.append(f"unexpected rows: {sorted(extra.elements())}")

    job_ids = set(filter(None, args.job_ids.split(",")))
    for i, r in enumerate(rows, start=2):
        tag = f"row {i} ({r['kernel']} {r['n']} {r['mode']} {r['ranks']}x{r['threads']})"
        if r["verified"] != "true":
            problems.append(f"{tag}: verified={r['verified']!r}")
        try:
            answer = known_answer(r["kernel"], int(r["n"]))
        except ValueError:
            problems.append(f"{tag}: n is not an integer: {r['n']!r}")
            answer = None
        if answer is not None and r["result"] != str(answer):
            problems.append(f"{tag}: result {r['result']} but the answer is {answer}")
        if not r["slurm_job_id"]:
            problems.append(f"{tag}: slurm_job_id is empty")
        elif job_ids and r["slurm_job_id"] not in job_ids:
            problems.append(f"{tag}: slurm_job_id {r['slurm_job_id']} not one of {sorted(job_ids)}")
        if not r["slurm_nodelist"]:
            problems.append(f"{tag}: slurm_nodelist is empty")
        elif args.nodelist and r["slurm_nodelist"] != args.nodelist:
            problems.append(f"{tag}: slurm_nodelist {r['slurm_nodelist']!r}, expected {args.nodelist!r}")
        if args.cpus_per_task and r["slurm_cpus_per_task"] != args.cpus_per_task:
            problems.append(f"{tag}: slurm_cpus_per_task {r['slurm_cpus_per_task']!r}, expected {args.cpus_per_task}")
        try:
            if float(r["seconds_min"]) < 0 or float(r["seconds_median"]) < float(r["seconds_min"]):
                problems.append(f"{tag}: inconsistent times {r['seconds_min']} / {r['seconds_median']}")
        except ValueError:
            problems.append(f"{tag}: times are not numbers")

    if args.array_tasks:
        want_tasks = parse_range(args.array_tasks)
        try:
            got_tasks = sorted(int(r["slurm_array_task_id"]) for r in rows)
        except ValueError:
            got_tasks = []
            problems.append("slurm_array_task_id missing from some rows")
        if got_tasks and sorted(want_tasks) != got_tasks:
            problems.append(f"array task ids {got_tasks}, expected each of {sorted(want_tasks)} once")

    for p in problems:
        print(f"check_rows: {args.file}: {p}")
    if not problems:
        print(f"check_rows: {args.file}: {len(rows)} rows ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
