#!/usr/bin/env python3
"""parkit scaling data and a cluster-scale performance model (python3 standard library only).

Three commands:

  model.py table RESULTS.csv [--stat median|min]
      A markdown table of every configuration (kernel, N, mode, ranks x threads, time, speedup,
      efficiency, verification).

  model.py series RESULTS.csv OUTDIR [--stat median|min]
      Aggregate parkit CSV rows (one time per configuration: the median of the rows' medians, or
      with --stat min the best repetition of any row) and write the
      gnuplot data used by results/plot.sh: strong.dat and weak.dat (one block per curve, i.e.
      kernel x mode family, first line of a block = its title) and meta.txt (what, where, when).

  model.py predict RESULTS.csv --costs MPI-COSTS.csv [--net-costs NET-COSTS.csv] [--stat min]
                   [--outdir DIR] [--cores-per-node C ...] [--node-bw B] [--net-alpha A --net-beta B]
      Fit the model below to the measured single-node runs and MPI costs, predict strong and weak
      scaling for 1..1024 nodes x C cores, write model-predictions.csv, model-check.csv /
      model-check.md (measured vs predicted, the 25% check) and model-fit.txt (parameters and
      assumptions), and plot the predictions beside the measured points (gnuplot, PNG + SVG).

The model (the assumptions are also written to model-fit.txt):

  T(N; P nodes, C cores per node, R ranks) = c N / W + s (1 - 1/W)   on W = P C workers,
      but never less than b N / (P B)        (memory-bandwidth bound: b bytes per element,
                                              B bytes/s per node)
      + L [ (alpha_s + beta_s * 16) + (alpha_r + beta_r * m) ]   per tree level L

  c     per-element cost of a kernel: median of seconds / N over its 1-worker runs (no intercept:
        a run's fixed costs are setup, which parkit times apart from the kernel).
  s     serial time: s = f c N_fit, f = the Karp-Flatt serial fraction of the single-node OpenMP run
        on all cores (size N_fit). s is a fixed time (fork/join, merging partials, sieving primes up
        to sqrt N): it does not grow with N, so the model is Amdahl's law at N_fit and Gustafson's
        for weak scaling. 0 for a streaming kernel, whose on-node limit is the bandwidth B.
  B     memory bandwidth per node: the best bytes/s any measured run of a streaming kernel reached.
  alpha, beta  latency and inverse bandwidth of MPI_Scatter (16 bytes: one [lo, hi) range per
        rank) and MPI_Reduce (m bytes: the kernel's partial result), from jobs/bench-mpi-costs.sh,
        applied once per level of a binomial tree: ceil(log2 ranks per node) levels with the costs
        measured inside a node (--costs), ceil(log2 P) levels with the costs between nodes
        (--net-costs: network-namespace hosts over TCP; or --net-alpha / --net-beta).
  Workers beyond the cores of a node (oversubscription, as in the 4-rank runs on 2 cores here)
  count as the node's cores: W = P min(workers per node, C).
"""
import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

BYTES_PER_ELEMENT = {"sum": 8}     # streaming kernels: bytes read per element (int64 array)
PARTIAL_BYTES = {"count": 8, "sum": 16, "primes": 8}   # reduced partial per rank (sum: int128)


# ----------------------------------------------------------------------------- loading

def load_rows(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("kernel")]
    if not rows:
        sys.exit(f"model: {path}: no rows")
    return rows


def family(r):
    """Curve a row belongs to: serial, omp (threads), mpi (ranks x 1), hybrid (ranks x threads)."""
    mode, ranks, threads = r["mode"], int(r["ranks"]), int(r["threads"])
    if mode == "serial":
        return "serial"
    if ranks == 1 and mode == "omp":
        return "omp"
    if threads == 1:
        return "mpi"
    return "hybrid"


def median_ci(x):
    """The distribution-free interval of the median parkit reports (x(k), x(n+1-k)), k the largest
    rank whose coverage 1 - 2 P(Bin(n, 1/2) < k) is at least 95% (min and max below 6 samples)."""
    x = sorted(x)
    n = len(x)
    cdf = lambda j: sum(math.comb(n, i) for i in range(j + 1)) / 2 ** n
    k = 1
    while k + 1 <= (n + 1) // 2 and cdf(k) <= 0.025:
        k += 1
    return x[k - 1], x[n - k]


def spread(rows, t):
    """The error bar of a configuration's time: the median's interval over every recorded sample
    (seconds_samples) of its rows; for rows without samples, the range of their medians, or of
    one row's min..max.  Never excludes t itself."""
    samples = []
    for r in rows:
        raw = r.get("seconds_samples") or ""
        if raw:
            samples += [float(v) for v in raw.split(";")]
    if len(samples) >= 2 and all(r.get("seconds_samples") for r in rows):
        lo, hi = median_ci(samples)
    elif len(rows) > 1:
        meds = [float(r["seconds_median"]) for r in rows]
        lo, hi = min(meds), max(meds)
    else:
        lo, hi = float(rows[0]["seconds_min"]), float(rows[0]["seconds_max"])
    return min(lo, t), max(hi, t)


class Point:
    """One configuration (kernel, n, family, ranks, threads): medians over its rows."""

    def __init__(self, key, rows, stat):
        self.kernel, self.n, self.family, self.ranks, self.threads = key
        self.workers = self.ranks * self.threads
        if stat == "min":   # best repetition of any run: the uncontended time on a shared machine
            self.t = min(float(r["seconds_min"]) for r in rows)
        else:               # median over runs of each run's median repetition
            self.t = statistics.median(float(r["seconds_median"]) for r in rows)
        self.setup = statistics.median(float(r["setup_seconds"] or 0) for r in rows)
        self.comm = statistics.median(float(r["comm_seconds"] or 0) for r in rows)
        self.count = len(rows)
        self.lo, self.hi = spread(rows, self.t)
        self.verified = all(r["verified"] == "true" for r in rows)
        self.cores = max(int(r["cores"] or 1) for r in rows)


def aggregate(rows, stat="median"):
    groups = defaultdict(list)
    for r in rows:
        key = (r["kernel"], int(r["n"]), family(r), int(r["ranks"]), int(r["threads"]))
        groups[key].append(r)
    return [Point(k, v, stat) for k, v in sorted(groups.items())]


def meta(rows):
    hosts = sorted({r["host"] for r in rows})
    cpus = sorted({f'{r["cpu"]}, {r["cores"]} cores' for r in rows})
    stamps = sorted(r["timestamp"] for r in rows if r["timestamp"])
    when = stamps[0][:16].replace("T", " ") if stamps else "?"
    if stamps and stamps[-1][:10] != stamps[0][:10]:
        when += " .. " + stamps[-1][:10]
    elif stamps:
        when += "-" + stamps[-1][11:16]
    slurm = sorted({r["slurm_job_id"] for r in rows if r.get("slurm_job_id")})
    where = ", ".join(hosts) + f" ({'; '.join(cpus)})"
    if slurm:
        where += f", Slurm jobs {slurm[0]}" + (f"..{slurm[-1]}" if len(slurm) > 1 else "")
    version = sorted({f'{r["version"]} {r["git_commit"]}' for r in rows})
    return {"where": where, "when": when + " UTC", "version": "; ".join(version),
            "compiler": "; ".join(sorted({r["compiler"] for r in rows}))}


def human(n):
    """1000000000 -> 1e9, 250000000 -> 2.5e8."""
    if n < 10000:
        return str(n)
    e = int(math.floor(math.log10(n)))
    m = n / 10 ** e
    return (f"{m:.0f}" if abs(m - round(m)) < 1e-9 else f"{m:g}") + f"e{e}"


# ----------------------------------------------------------------------------- series

def baseline(points, kernel, n):
    """T1 for speedups: the serial run of (kernel, n), else the fastest 1-worker run."""
    ser = [p.t for p in points if p.kernel == kernel and p.n == n and p.family == "serial"]
    if ser:
        return ser[0]
    one = [p.t for p in points if p.kernel == kernel and p.n == n and p.workers == 1]
    return min(one) if one else None


def karp_flatt(speedup, workers):
    if workers <= 1 or speedup <= 0:
        return float("nan")
    return (1.0 / speedup - 1.0 / workers) / (1.0 - 1.0 / workers)


def strong_series(points):
    """{(kernel, n, family): [(workers, t, speedup, eff, kf, ranks, threads, t_lo, t_hi, s_lo, s_hi)]}
    (the error bars of time and speedup) for curves with >= 2
    worker counts at one n; the serial baseline is added at 1 worker to each of them."""
    by = defaultdict(list)
    for p in points:
        if p.family != "serial":
            by[(p.kernel, p.n, p.family)].append(p)
    out = {}
    for (kernel, n, fam), pts in sorted(by.items()):
        if len({p.workers for p in pts}) < 2 and not (fam == "hybrid" and pts):
            continue
        t1 = baseline(points, kernel, n)
        if t1 is None:
            continue
        rows = []
        for p in sorted(pts, key=lambda p: (p.workers, p.ranks)):
            s = t1 / p.t
            rows.append((p.workers, p.t, s, s / p.workers, karp_flatt(s, p.workers), p.ranks, p.threads,
                         p.lo, p.hi, t1 / p.hi, t1 / p.lo))
        out[(kernel, n, fam)] = rows
    return out


def weak_series(points):
    """{(kernel, n_per_worker, family): [(workers, n, t, weak_eff)]} where n = n_per_worker x workers
    holds for a run on more than one worker. The reference is the family's own 1-worker run on
    n_per_worker, else the fastest 1-worker run of any mode on that size."""
    out = {}
    for fam in ("omp", "mpi", "hybrid"):
        per = defaultdict(dict)
        for p in points:
            if p.family == fam and p.n % p.workers == 0:
                per[(p.kernel, p.n // p.workers)][p.workers] = p
        for (kernel, npw), byw in sorted(per.items()):
            if not any(w > 1 for w in byw):
                continue
            if 1 not in byw:   # borrow the reference from another mode: 1 worker on n_per_worker
                one = [p for p in points if p.kernel == kernel and p.n == npw and p.workers == 1]
                if not one:
                    continue
                byw = dict(byw)
                byw[1] = min(one, key=lambda p: p.t)
            t1 = byw[1].t
            out[(kernel, npw, fam)] = [(w, p.n, p.t, t1 / p.t) for w, p in sorted(byw.items())]
    return out


def cmd_series(args):
    rows = load_rows(args.csv)
    points = aggregate(rows, args.stat)
    os.makedirs(args.outdir, exist_ok=True)
    strong = strong_series(points)
    with open(os.path.join(args.outdir, "strong.dat"), "w") as f:
        for (kernel, n, fam), pts in strong.items():
            f.write(f'"{kernel} N={human(n)} {fam}"\n')
            f.write("# workers seconds speedup efficiency karp_flatt ranks threads "
                    "seconds_lo seconds_hi speedup_lo speedup_hi\n")
            for w, t, s, e, kf, r, th, tl, thi, sl, sh in pts:
                f.write(f"{w} {t:.6g} {s:.4f} {e:.4f} {kf if not math.isnan(kf) else 'NaN'} {r} {th} "
                        f"{tl:.6g} {thi:.6g} {sl:.4f} {sh:.4f}\n")
            f.write("\n\n")
    weak = weak_series(points)
    with open(os.path.join(args.outdir, "weak.dat"), "w") as f:
        for (kernel, npw, fam), pts in weak.items():
            f.write(f'"{kernel} {human(npw)}/worker {fam}"\n')
            f.write("# workers n seconds weak_efficiency\n")
            for w, n, t, e in pts:
                f.write(f"{w} {n} {t:.6g} {e:.4f}\n")
            f.write("\n\n")
    m = meta(rows)
    kernels = sorted({k for k, _, _ in strong} | {k for k, _, _ in weak})
    sizes = ", ".join(f"{k} N={human(n)}" for k, n in sorted({(k, n) for k, n, _ in strong}))
    with open(os.path.join(args.outdir, "meta.txt"), "w") as f:
        f.write(f"strong_blocks={len(strong)}\nweak_blocks={len(weak)}\n")
        f.write(f"kernels={' '.join(kernels)}\nsizes={sizes}\n")
        f.write(f"where={m['where']}\nwhen={m['when']}\nversion={m['version']}\n")
        f.write(f"maxworkers={max([p.workers for p in points] + [2])}\n")
        f.write(f"cores={min(p.cores for p in points)}\n")
        f.write(f"stat={'best of repetitions' if args.stat == 'min' else 'median'}\n")
    print(f"model series: {len(strong)} strong and {len(weak)} weak curves from {len(rows)} rows -> {args.outdir}")
    return 0


def cmd_table(args):
    """Markdown table of every configuration: kernel, N, mode, workers, time, speedup, efficiency."""
    rows = load_rows(args.csv)
    points = aggregate(rows, args.stat)
    m = meta(rows)
    print(f"Runs on {m['where']}, {m['when']}, parkit {m['version']}, {m['compiler']}.")
    print(f"Time: {'best repetition' if args.stat == 'min' else 'median'} over all runs of a configuration; "
          "speedup against the serial run of the same kernel and N.\n")
    print("| kernel | N | mode | ranks x threads | workers | time (s) | speedup | efficiency | runs | verified |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    order = {"serial": 0, "omp": 1, "mpi": 2, "hybrid": 3}
    for p in sorted(points, key=lambda p: (p.kernel, p.n, order.get(p.family, 9), p.workers, p.ranks)):
        t1 = baseline(points, p.kernel, p.n)
        s = t1 / p.t if t1 else float("nan")
        print(f"| {p.kernel} | {human(p.n)} | {p.family} | {p.ranks} x {p.threads} | {p.workers} | {p.t:.4g} | "
              f"{s:.2f} | {s / p.workers:.2f} | {p.count} | {'PASSED' if p.verified else '**FAILED**'} |")
    return 0


# ----------------------------------------------------------------------------- MPI costs

def load_costs(path):
    """{(op, ranks): [(bytes, t_avg)]} from jobs/bench-mpi-costs.sh output."""
    costs = defaultdict(list)
    with open(path) as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    for r in csv.DictReader(lines):
        if r.get("op") in ("scatter", "reduce"):
            costs[(r["op"], int(r["ranks"]))].append((int(r["bytes"]), float(r["t_avg"])))
    if not costs:
        sys.exit(f"model: {path}: no scatter/reduce rows")
    return costs


def fit_costs(costs, path):
    """{op: (alpha, beta)} from the smallest rank count > 1 measured for each collective."""
    out = {}
    for op in ("scatter", "reduce"):
        ps = sorted(r for o, r in costs if o == op and r > 1)
        if not ps:
            sys.exit(f"model: {path}: no {op} measurements with more than 1 rank")
        out[op] = fit_alpha_beta(costs[(op, ps[0])], tree_depth(ps[0]))
    return out


def fit_alpha_beta(samples, levels):
    """t = levels * (alpha + beta m): alpha from the small messages (<= 128 B, median), beta as the
    median slope (t - alpha) / m over messages >= 8 KiB."""
    small = [t for m, t in samples if m <= 128]
    alpha = statistics.median(small) / levels if small else 0.0
    slopes = [(t / levels - alpha) / m for m, t in samples if m >= 8192]
    beta = max(statistics.median(slopes), 0.0) if slopes else 0.0
    return alpha, beta


# ----------------------------------------------------------------------------- model

class KernelModel:
    def __init__(self, kernel, points, bw_node):
        self.kernel = kernel
        self.fit_keys = set()
        ones = [p for p in points if p.kernel == kernel and p.workers == 1 and p.family in ("serial", "omp")]
        if not ones:
            raise ValueError(f"{kernel}: no 1-worker (serial / omp 1 thread) runs to fit")
        # per-element cost: the median over the 1-worker runs of seconds / element (no intercept:
        # two sizes on a noisy machine cannot separate a fixed cost from the slope reliably;
        # the runs' fixed costs are setup, which parkit times apart)
        c = statistics.median(p.t / p.n for p in ones)
        self.c = c
        self.fit_keys.update(id(p) for p in ones)
        setups = [(p.n, p.setup) for p in ones]
        self.setup_per_element = statistics.median(s / n for n, s in setups)
        self.bytes = BYTES_PER_ELEMENT.get(kernel, 0)
        self.serial_s = 0.0
        # serial fraction: Karp-Flatt of the OpenMP run on the most threads (largest n). A streaming
        # kernel is limited by the node's memory bandwidth instead (f = 0, bound below).
        omp = [p for p in points if p.kernel == kernel and p.family == "omp" and p.workers > 1]
        if self.bytes:
            self.f, self.f_from = 0.0, "streaming kernel: bandwidth-bound, not serial"
        elif omp:
            big = max(omp, key=lambda p: (p.workers, p.n))
            s = c * big.n / big.t
            self.f = min(max(karp_flatt(s, big.workers), 0.0), 1.0)
            self.fit_keys.add(id(big))
            self.f_from = f"omp {big.workers} threads, N={human(big.n)} (speedup {s:.2f})"
            self.serial_s = self.f * c * big.n
        else:
            self.f, self.f_from = 0.0, "no multi-thread run: assumed 0"
        self.bw = bw_node if self.bytes else 0.0
        self.partial = PARTIAL_BYTES.get(kernel, 8)

    def time(self, n, nodes, cores, workers_per_node, ranks_per_node, comm, net=None):
        """Predicted kernel time; comm / net: {op: (alpha, beta)} within a node / between nodes."""
        w_node = min(workers_per_node, cores)
        w = nodes * w_node
        t = self.c * n / w + self.serial_s * (1.0 - 1.0 / w)
        if self.bytes and self.bw > 0:
            t = max(t, self.bytes * n / nodes / self.bw)
        net = net or comm
        for costs, levels in ((comm, tree_depth(ranks_per_node)), (net, tree_depth(nodes))):
            t += levels * ((costs["scatter"][0] + costs["scatter"][1] * 16) +
                           (costs["reduce"][0] + costs["reduce"][1] * self.partial))
        return t


def tree_depth(ranks):
    return math.ceil(math.log2(ranks)) if ranks > 1 else 0


def predict_point(km, p, comm, cores):
    """The model's time for a measured configuration on this machine (1 node, `cores` cores)."""
    return km.time(p.n, 1, cores, p.workers, p.ranks, comm)


def run_gnuplot(script, where):
    gp = shutil.which("gnuplot")
    if not gp:
        print("model: gnuplot not installed (Debian: gnuplot-nox): plots skipped", file=sys.stderr)
        return
    path = os.path.join(where, "model.gp")
    with open(path, "w") as f:
        f.write(script)
    subprocess.run([gp, path], check=True)


def cmd_predict(args):
    rows = load_rows(args.csv)
    points = aggregate(rows, args.stat)
    m = meta(rows)
    m["stat"] = "best repetition (seconds_min)" if args.stat == "min" else "median (seconds_median)"
    costs = load_costs(args.costs)
    os.makedirs(args.outdir, exist_ok=True)

    comm = fit_costs(costs, args.costs)
    net = fit_costs(load_costs(args.net_costs), args.net_costs) if args.net_costs else dict(comm)
    if args.net_alpha is not None:
        net = {op: (args.net_alpha, net[op][1]) for op in net}
    if args.net_beta is not None:
        net = {op: (net[op][0], args.net_beta) for op in net}

    here_cores = max(p.cores for p in points)
    # memory bandwidth per node: the best streaming rate of any run (bytes / s)
    bw, bw_point = 0.0, None
    for p in points:
        if BYTES_PER_ELEMENT.get(p.kernel) and p.workers <= here_cores:
            if BYTES_PER_ELEMENT[p.kernel] * p.n / p.t > bw:
                bw, bw_point = BYTES_PER_ELEMENT[p.kernel] * p.n / p.t, p
    if args.node_bw:
        bw, bw_point = args.node_bw, None
    kernels = sorted({p.kernel for p in points if p.kernel in PARTIAL_BYTES})
    models = {}
    for k in kernels:
        try:
            models[k] = KernelModel(k, points, bw)
        except ValueError as e:
            print(f"model: skipping {e}", file=sys.stderr)
    if bw_point is not None and bw_point.kernel in models:   # B was read off this run: a fit point
        models[bw_point.kernel].fit_keys.add(id(bw_point))

    # ---- measured vs predicted on this machine
    check = []
    for p in points:
        km = models.get(p.kernel)
        if not km:
            continue
        pred = predict_point(km, p, comm, here_cores)
        err = (p.t - pred) / pred
        role = "fit" if id(p) in km.fit_keys else "check"
        note = ""
        if p.workers > here_cores:   # the model assumes a core per worker: shown, not checked
            role, note = "shown", f"oversubscribed: {p.workers} workers on {here_cores} cores"
        check.append((p, pred, err, role, note))
    with open(os.path.join(args.outdir, "model-check.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "n", "mode", "ranks", "threads", "workers", "measured_s", "predicted_s",
                    "error", "within_25pct", "role", "note", "runs", "verified"])
        for p, pred, err, role, note in check:
            w.writerow([p.kernel, p.n, p.family, p.ranks, p.threads, p.workers, f"{p.t:.6g}",
                        f"{pred:.6g}", f"{err:+.3f}", str(abs(err) <= 0.25).lower(), role, note,
                        p.count, str(p.verified).lower()])
    n_check = [c for c in check if c[3] == "check"]
    ok = [c for c in n_check if abs(c[2]) <= 0.25]
    with open(os.path.join(args.outdir, "model-check.md"), "w") as f:
        f.write(f"Measured vs predicted on {m['where']}, {m['when']}.\n")
        f.write(f"Times: {m['stat']} per configuration. `fit` rows were used to fit the model; "
                "`check` rows were not and are the test of the model; `shown` rows are outside its "
                "scope (more workers than cores).\n\n")
        f.write("| kernel | N | mode | ranks x threads | measured (s) | predicted (s) | error | within 25% | role |\n")
        f.write("|---|---|---|---|---|---|---|---|---|\n")
        for p, pred, err, role, note in check:
            f.write(f"| {p.kernel} | {human(p.n)} | {p.family} | {p.ranks} x {p.threads} | {p.t:.4g} | "
                    f"{pred:.4g} | {err:+.0%} | {'yes' if abs(err) <= 0.25 else '**no**'} | {role}"
                    f"{' (' + note + ')' if note else ''} |\n")
        f.write(f"\n{len(ok)} of {len(n_check)} check points within 25%.\n")

    # ---- predictions for 1..1024 nodes
    node_counts = [2 ** i for i in range(11)]
    preds = []
    for k, km in models.items():
        strong_n = max(p.n for p in points if p.kernel == k and p.family == "serial") \
            if any(p.kernel == k and p.family == "serial" for p in points) else max(p.n for p in points if p.kernel == k)
        npw = strong_n // here_cores
        for cores in args.cores_per_node:
            t1 = km.time(strong_n, 1, cores, 1, 1, comm, net)
            for layout in ("hybrid", "mpi"):
                for nodes in node_counts:
                    rpn = 1 if layout == "hybrid" else cores
                    ranks = nodes * rpn
                    w = nodes * cores
                    ts = km.time(strong_n, nodes, cores, cores, rpn, comm, net)
                    preds.append((k, "strong", cores, layout, nodes, w, ranks, strong_n, ts, t1 / ts, t1 / ts / w))
                    tw = km.time(npw * w, nodes, cores, cores, rpn, comm, net)
                    tw1 = km.time(npw, 1, cores, 1, 1, comm, net)
                    preds.append((k, "weak", cores, layout, nodes, w, ranks, npw * w, tw, tw1 / tw, tw1 / tw))
    with open(os.path.join(args.outdir, "model-predictions.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "scaling", "cores_per_node", "layout", "nodes", "workers", "ranks", "n",
                    "seconds", "speedup", "efficiency"])
        for row in preds:
            w.writerow(list(row[:8]) + [f"{row[8]:.6g}", f"{row[9]:.4g}", f"{row[10]:.4f}"])

    # ---- parameters and assumptions
    with open(os.path.join(args.outdir, "model-fit.txt"), "w") as f:
        f.write(f"parkit scaling model, fitted to {os.path.basename(args.csv)} and {os.path.basename(args.costs)}\n")
        f.write(f"measured on {m['where']}, {m['when']}, parkit {m['version']}\n\n")
        f.write("Assumptions:\n"
                "- Compute: T = c N / W + s (1 - 1/W) on W = nodes x min(workers per node, cores per node);\n"
                "  c = median seconds per element of the 1-worker runs; s = f c N_fit is a fixed serial time,\n"
                "  f = Karp-Flatt serial fraction of the OpenMP run on all cores here (size N_fit). s does not\n"
                "  grow with N (Amdahl at N_fit, Gustafson for weak scaling). f comes from 2 cores: its error\n"
                "  is about the run-to-run noise (~1%), which dominates the predictions beyond ~100 workers.\n"
                "  Every core of a bigger node is as fast as one core here, and c does not depend on N (for\n"
                "  primes the cost per number grows slowly, like log log N, so weak-scaling times at huge N\n"
                "  are a little optimistic).\n"
                "- Memory: a streaming kernel (sum, 8 bytes per element) never beats bytes / (nodes x B), B =\n"
                "  the best bandwidth one node here reached (override with --node-bw).\n"
                "- Communication: alpha-beta model, one MPI_Scatter of a 16-byte range and one MPI_Reduce of the\n"
                "  kernel's partial per run, each costing alpha + beta m per level of a binomial tree of depth\n"
                "  a binomial tree: ceil(log2 ranks per node) levels inside a node (alpha, beta measured between\n"
                "  ranks of this node) and ceil(log2 nodes) levels between nodes (alpha, beta measured between\n"
                "  network-namespace hosts over TCP/veth with --net-costs; a real interconnect is faster,\n"
                "  InfiniBand ~1-2 us and 10-25 GB/s: pass --net-alpha/--net-beta).\n"
                "- No load imbalance beyond what f absorbs; no OS noise; launch time (mpirun/srun) excluded, as\n"
                "  parkit's timings exclude it; setup (allocation, first touch) reported apart, not predicted.\n\n")
        for title, cs in ((f"MPI costs within a node (from {os.path.basename(args.costs)})", comm),
                          ("MPI costs between nodes (" + (os.path.basename(args.net_costs) if args.net_costs
                                                          else "assumed equal to within a node") +
                           (", overridden by --net-alpha/--net-beta" if args.net_alpha or args.net_beta else "") + ")",
                           net)):
            f.write(title + ":\n")
            for op, (al, be) in cs.items():
                f.write(f"  {op:8s} alpha = {al * 1e6:.3f} us   beta = {be * 1e9:.4f} ns/byte "
                        f"({1 / be / 1e9 if be else float('inf'):.2f} GB/s)\n")
        f.write(f"memory bandwidth per node B = {bw / 1e9:.2f} GB/s"
                + (f" (read off the {bw_point.kernel} run N={human(bw_point.n)}, {bw_point.ranks} x {bw_point.threads})"
                   if bw_point else " (--node-bw)") + "\n\nKernels:\n")
        for k, km in models.items():
            f.write(f"  {k:8s} c = {km.c * 1e9:.4f} ns/element   s = {km.serial_s * 1e3:.3f} ms   f = {km.f:.4f} "
                    f"[{km.f_from}]   setup = {km.setup_per_element * 1e9:.3f} ns/element   partial = {km.partial} B\n")
        f.write(f"\nCheck: {len(ok)} of {len(n_check)} measured points not used for the fit are within 25% "
                f"of the prediction (model-check.md).\n")

    # ---- plots: predicted speedup (strong) and efficiency (weak) with the measured points
    tmp = tempfile.TemporaryDirectory(prefix="pk-model-")   # gnuplot inputs, not kept
    dat = os.path.join(tmp.name, "model.dat")
    blocks = []
    with open(dat, "w") as f:
        for k in models:
            for cores in args.cores_per_node:
                for layout in ("hybrid", "mpi"):
                    for scaling in ("strong", "weak"):
                        sel = [r for r in preds if r[0] == k and r[1] == scaling and r[2] == cores and r[3] == layout]
                        blocks.append((k, scaling, cores, layout))
                        f.write(f'"{k} {cores} cores/node {layout}"\n')
                        for r in sel:
                            f.write(f"{r[5]} {r[8]:.6g} {r[9]:.6g} {r[10]:.6g}\n")
                        f.write("\n\n")
    meas = os.path.join(tmp.name, "model-measured.dat")
    mblocks = []
    strong = strong_series(points)
    weak = weak_series(points)
    with open(meas, "w") as f:
        for (k, n, fam), pts in strong.items():
            if k in models:
                mblocks.append((k, "strong"))
                f.write(f'"{k} measured {fam} N={human(n)}"\n')
                for w_, t, s, e, *_ in pts:
                    f.write(f"{w_} {t:.6g} {s:.6g} {e:.6g}\n")
                f.write("\n\n")
        for (k, npw, fam), pts in weak.items():
            if k in models:
                mblocks.append((k, "weak"))
                f.write(f'"{k} measured {fam} {human(npw)}/worker"\n')
                for w_, n, t, e in pts:
                    f.write(f"{w_} {t:.6g} {e:.6g} {e:.6g}\n")
                f.write("\n\n")
    gp = []
    maxw = 1024 * max(args.cores_per_node)
    for k in models:
        for scaling, col, ylabel in (("strong", 3, "speedup over 1 core"), ("weak", 4, "weak-scaling efficiency")):
            idx = [i for i, b in enumerate(blocks) if b[0] == k and b[1] == scaling]
            midx = [i for i, b in enumerate(mblocks) if b[0] == k and b[1] == scaling]
            for term, ext in (("pngcairo size 1100,700", "png"), ("svg size 1100,700 dynamic", "svg")):
                out = os.path.join(args.outdir, f"model-{k}-{scaling}.{ext}")
                gp.append(f"set terminal {term} font 'sans,11'\nset output '{out}'\n")
                gp.append(f"set title \"parkit model: {k} {scaling} scaling, 1..1024 nodes (N = "
                          f"{'fixed' if scaling == 'strong' else 'per worker'})\\n"
                          f"fitted to runs on {m['where']}, {m['when']}\" noenhanced\n")
                gp.append("set logscale x 2\nset grid\nset key noenhanced " + ("right bottom" if scaling == "strong" else "left bottom") + "\n"
                          "set xlabel 'workers (nodes x cores per node)'\n"
                          f"set ylabel '{ylabel}'\nset xrange [1:{maxw}]\n")
                if scaling == "strong":
                    gp.append("set logscale y 2\nset yrange [0.5:*]\n")
                else:
                    gp.append("unset logscale y\nset yrange [0:1.3]\n")
                plots = ["x title 'ideal' dt 2 lc rgb 'gray'" if scaling == "strong" else
                         "1 title 'ideal' dt 2 lc rgb 'gray'"]
                plots += [f"'{dat}' index {i} using 1:{col} with lines lw 2 title columnheader(1)" for i in idx]
                plots += [f"'{meas}' index {i} using 1:{3 if scaling == 'strong' else 4} with points pt 7 ps 1.3 "
                          f"title columnheader(1)" for i in midx]
                gp.append("plot " + ", \\\n     ".join(plots) + "\nunset output\n")
    run_gnuplot("".join(gp), tmp.name)
    tmp.cleanup()
    print(f"model: {len(models)} kernels; {len(ok)} of {len(n_check)} check points within 25% -> {args.outdir}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("series", help="gnuplot data for results/plot.sh")
    s.add_argument("csv")
    s.add_argument("outdir")
    s.add_argument("--stat", choices=("median", "min"), default="median")
    t = sub.add_parser("table", help="markdown table of every configuration")
    t.add_argument("csv")
    t.add_argument("--stat", choices=("median", "min"), default="median")
    p = sub.add_parser("predict", help="fit, check and predict 1..1024 nodes")
    p.add_argument("csv")
    p.add_argument("--costs", required=True, help="CSV from jobs/bench-mpi-costs.sh")
    p.add_argument("--outdir", default=".")
    p.add_argument("--stat", choices=("median", "min"), default="median",
                   help="time of a configuration: median of the runs' medians, or the best repetition")
    p.add_argument("--cores-per-node", type=int, nargs="+", default=[2, 64])
    p.add_argument("--net-costs", help="CSV from jobs/bench-mpi-costs.sh between hosts (NETNS_HOSTS)")
    p.add_argument("--node-bw", type=float, help="memory bandwidth per node, bytes/s")
    p.add_argument("--net-alpha", type=float, help="latency between nodes, s (default: measured)")
    p.add_argument("--net-beta", type=float, help="inverse bandwidth between nodes, s/byte")
    args = ap.parse_args()
    return {"series": cmd_series, "table": cmd_table, "predict": cmd_predict}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
