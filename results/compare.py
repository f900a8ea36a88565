#!/usr/bin/env python3
"""Compare two parkit results CSVs: which configuration got faster, by how much, and is it real.

    results/compare.py A.csv B.csv [--format text|csv] [--alpha 0.05] [--resamples 4000]

Rows are matched by kernel, N, mode, ranks and threads.  A configuration's samples are every
timed run its rows recorded (the seconds_samples column); rows written before parkit kept
samples contribute their seconds_median, one value per row (so five processes give five
samples).  Rows not verified are left out.  For each configuration found in both files:

  ratio      median(B) / median(A) of the pooled samples (below 1: B is faster)
  ratio CI   a 95% percentile bootstrap interval of that ratio (resampling each side; fixed seed,
             so the same files give the same interval)
  U, p       the two-sided Mann-Whitney U test: exact (the permutation distribution of U) when
             neither side has ties and both have at most 30 samples, else the normal approximation
             with the tie and continuity corrections
  verdict    "B faster" / "B slower" when p < alpha, "no significant difference" otherwise, and
             "too few samples" when even a complete separation could not reach alpha
             (3 samples against 3 give p >= 0.1)

Exit 0 when at least one configuration was compared, 1 when the files share none, 2 for a
file that cannot be read or is not a parkit results CSV.
"""
import argparse
import csv
import math
import random
import statistics
import sys

KEY = ("kernel", "n", "mode", "ranks", "threads")


def die(msg, code=2):
    print(f"compare: {msg}", file=sys.stderr)
    sys.exit(code)


def load(path):
    """{key: [samples]} of the verified rows of a parkit CSV, and the count of rows skipped."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except (csv.Error, UnicodeDecodeError) as e:
        die(f"{path}: not a CSV file: {e}")
    if not rows:
        die(f"{path}: no rows (expected a parkit results CSV)")
    missing = [c for c in KEY + ("seconds_median", "verified") if c not in rows[0]]
    if missing:
        die(f"{path}: not a parkit results CSV (no column {missing[0]})")
    groups, skipped = {}, 0
    for line, r in enumerate(rows, start=2):
        if r["verified"] != "true":
            skipped += 1
            continue
        try:
            raw = r.get("seconds_samples") or ""
            samples = [float(x) for x in raw.split(";")] if raw else [float(r["seconds_median"])]
        except ValueError:
            die(f"{path}:{line}: seconds are not numbers")
        if any(not math.isfinite(x) or x < 0 for x in samples):
            die(f"{path}:{line}: seconds must be finite and not negative")
        groups.setdefault(tuple(r[k] for k in KEY), []).extend(samples)
    return groups, skipped


def ranks(values):
    """Mid-ranks (1-based) of values, ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def exact_u_cdf(n1, n2):
    """counts[u] = arrangements of n1 + n2 distinct values with U = u (U of the first group)."""
    # f[i][j] = distribution of U for i and j samples: the largest value is either the first
    # group's (it beats all j of the second: shift by j) or the second's.
    f = [[None] * (n2 + 1) for _ in range(n1 + 1)]
    for i in range(n1 + 1):
        for j in range(n2 + 1):
            if i == 0 or j == 0:
                f[i][j] = [1]
                continue
            a, b = f[i - 1][j], f[i][j - 1]
            c = [0] * (i * j + 1)
            for u, v in enumerate(a):
                c[u + j] += v
            for u, v in enumerate(b):
                c[u] += v
            f[i][j] = c
    return f[n1][n2]


def mann_whitney(a, b):
    """(U of a, two-sided p, method)."""
    n1, n2 = len(a), len(b)
    r = ranks(a + b)
    u1 = sum(r[:n1]) - n1 * (n1 + 1) / 2
    ties = len(set(a + b)) < n1 + n2
    if not ties and n1 <= 30 and n2 <= 30:
        counts = exact_u_cdf(n1, n2)
        total = math.comb(n1 + n2, n1)
        lo = min(u1, n1 * n2 - u1)
        p = 2 * sum(counts[: int(round(lo)) + 1]) / total
        return u1, min(1.0, p), "exact"
    mu = n1 * n2 / 2
    n = n1 + n2
    tie_term = 0
    for v in set(a + b):
        t = (a + b).count(v)
        tie_term += t ** 3 - t
    var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if var <= 0:
        return u1, 1.0, "normal"
    z = (abs(u1 - mu) - 0.5) / math.sqrt(var)
    p = math.erfc(max(z, 0) / math.sqrt(2))
    return u1, min(1.0, p), "normal"


def bootstrap_ratio(a, b, resamples, seed):
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        if ma > 0:
            ratios.append(mb / ma)
    if not ratios:
        return math.nan, math.nan
    ratios.sort()
    lo = ratios[int(0.025 * (len(ratios) - 1))]
    hi = ratios[int(math.ceil(0.975 * (len(ratios) - 1)))]
    return lo, hi


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", metavar="A.csv")
    ap.add_argument("b", metavar="B.csv")
    ap.add_argument("--format", choices=("text", "csv"), default="text")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--resamples", type=int, default=4000)
    args = ap.parse_args()
    if not 0 < args.alpha < 1:
        die(f"--alpha: expected a number between 0 and 1, got {args.alpha}")
    if args.resamples < 100:
        die(f"--resamples: expected at least 100, got {args.resamples}")
    ga, skip_a = load(args.a)
    gb, skip_b = load(args.b)
    keys = [k for k in ga if k in gb]
    if not keys:
        die(f"{args.a} and {args.b} share no configuration (kernel, N, mode, ranks, threads)", 1)

    out = []
    for k in keys:
        a, b = ga[k], gb[k]
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = mb / ma if ma > 0 else math.nan
        lo, hi = bootstrap_ratio(a, b, args.resamples, seed=12345)
        u, p, method = mann_whitney(a, b)
        best_p = 2 / math.comb(len(a) + len(b), len(a))   # complete separation, no ties
        if p < args.alpha:
            verdict = "B faster" if mb < ma else "B slower"
        elif best_p >= args.alpha:
            verdict = "too few samples"
        else:
            verdict = "no significant difference"
        out.append(dict(kernel=k[0], n=k[1], mode=k[2], ranks=k[3], threads=k[4], a_samples=len(a),
                        a_median=ma, b_samples=len(b), b_median=mb, ratio=ratio, ratio_ci_low=lo,
                        ratio_ci_high=hi, u=u, p_value=p, test=method, verdict=verdict))

    if args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(out[0]), lineterminator="\n")
        w.writeheader()
        for row in out:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    else:
        print(f"A = {args.a}\nB = {args.b}\n")
        print(f"{'kernel':<10} {'n':>14} {'mode':<7} {'RxT':>5} {'A median':>10} {'B median':>10} "
              f"{'B/A':>6} {'95% CI':>15} {'p':>8}  verdict (alpha {args.alpha:g})")
        for r in out:
            ci = f"{r['ratio_ci_low']:.3f}-{r['ratio_ci_high']:.3f}"
            print(f"{r['kernel']:<10} {r['n']:>14} {r['mode']:<7} {r['ranks'] + 'x' + r['threads']:>5} "
                  f"{r['a_median']:>10.4g} {r['b_median']:>10.4g} {r['ratio']:>6.3f} {ci:>15} "
                  f"{r['p_value']:>8.4f}  {r['verdict']} ({r['a_samples']} vs {r['b_samples']} samples, "
                  f"{r['test']})")
        only = len(ga) + len(gb) - 2 * len(keys)
        if only or skip_a or skip_b:
            print(f"\n{only} configuration(s) in one file only; rows not verified, left out: "
                  f"{skip_a} in A, {skip_b} in B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
