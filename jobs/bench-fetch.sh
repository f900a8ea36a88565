#!/usr/bin/env bash
# bench-fetch.sh: `parkit fetch` (seq / pool / multi) side by side with curl --parallel,
# aria2c, wget2 and the Python tutorial versions (threads + requests, ThreadPoolExecutor +
# requests.Session, asyncio + aiohttp), all on the same URL lists served by pk_testserver on
# 127.0.0.1.  Writes results/fetch/runs.csv (every run), results/fetch/summary.csv (medians)
# and results/fetch/README.md (the tables and the checks of issue 4).
#
#   jobs/bench-fetch.sh [BUILD_DIR]     default BUILD_DIR: build/ (configured and built when
#                                       parkit or pk_testserver is missing)
#   REPEAT=N   timed runs per tool and scenario (after one untimed warm-up); medians reported.
#              Default: 11 for the two short scenarios (200 x 1 KiB, 20 x 10 MiB), where
#              tools are a few ms apart on a noisy machine, and 5 for 2000 x 1 KiB.
#   OUT=results/fetch   where the results go
#   SCRATCH=/dev/shm    where the downloads go (removed after each run)
# Bounded: every run has a timeout, the server stops by itself; about 3 minutes here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
REPEAT=${REPEAT:-}
OUT=${OUT:-$ROOT/results/fetch}
SCRATCH=${SCRATCH:-/dev/shm}
PY=/usr/bin/python3   # Debian's python3, where python3-requests and python3-aiohttp live

if [ ! -x "$BUILD/parkit" ] || [ ! -x "$BUILD/tests/io/pk_testserver" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target parkit pk_testserver >/dev/null
fi
for t in curl aria2c wget2 "$PY"; do
    command -v "$t" >/dev/null || { echo "bench-fetch: $t is not installed" >&2; exit 2; }
done
[ -d "$SCRATCH" ] && [ -w "$SCRATCH" ] || SCRATCH=${TMPDIR:-/tmp}
mkdir -p "$OUT"

exec "$PY" - "$BUILD/parkit" "$BUILD/tests/io/pk_testserver" "$OUT" "$SCRATCH" "$REPEAT" <<'PYEOF'
import csv, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

parkit, server, out_dir, scratch, repeat = sys.argv[1:6]
repeat = int(repeat) if repeat else None
work = tempfile.mkdtemp(prefix="pk-bench-fetch-", dir=scratch)
tmp = tempfile.mkdtemp(prefix="pk-bench-fetch-")

# ---- the Python versions of the tutorials ----------------------------------------------------
PY_THREADS = r'''
import os, sys, threading, requests
urls = [l.split()[0] for l in open(sys.argv[1]) if l.strip()]
out, n = sys.argv[2], int(sys.argv[3])
gate = threading.BoundedSemaphore(n)
failed = []
def get(i, url):
    with gate:
        try:
            r = requests.get(url, timeout=60)
            r.raise_for_status()
            with open(os.path.join(out, "%d.bin" % i), "wb") as f:
                f.write(r.content)
        except Exception as e:
            failed.append((url, e))
threads = [threading.Thread(target=get, args=(i, u)) for i, u in enumerate(urls)]
for t in threads: t.start()
for t in threads: t.join()
sys.exit(1 if failed else 0)
'''
PY_POOL = r'''
import os, sys, threading, requests
from concurrent.futures import ThreadPoolExecutor
urls = [l.split()[0] for l in open(sys.argv[1]) if l.strip()]
out, n = sys.argv[2], int(sys.argv[3])
local = threading.local()
def session():
    if not hasattr(local, "s"):
        local.s = requests.Session()
    return local.s
def get(job):
    i, url = job
    r = session().get(url, timeout=60)
    r.raise_for_status()
    with open(os.path.join(out, "%d.bin" % i), "wb") as f:
        f.write(r.content)
with ThreadPoolExecutor(max_workers=n) as ex:
    list(ex.map(get, enumerate(urls)))
'''
PY_ASYNC = r'''
import asyncio, os, sys, aiohttp
urls = [l.split()[0] for l in open(sys.argv[1]) if l.strip()]
out, n = sys.argv[2], int(sys.argv[3])
async def get(s, i, url):
    async with s.get(url) as r:
        r.raise_for_status()
        data = await r.read()
    with open(os.path.join(out, "%d.bin" % i), "wb") as f:
        f.write(data)
async def main():
    conn = aiohttp.TCPConnector(limit=n)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=120)) as s:
        await asyncio.gather(*(get(s, i, u) for i, u in enumerate(urls)))
asyncio.run(main())
'''
scripts = {}
for name, text in (("threads", PY_THREADS), ("pool", PY_POOL), ("asyncio", PY_ASYNC)):
    scripts[name] = os.path.join(tmp, "py_%s.py" % name)
    with open(scripts[name], "w") as f:
        f.write(text)

# ---- the server ----------------------------------------------------------------------------------
port_file = os.path.join(tmp, "port")
srv = subprocess.Popen([server, "--pool", "2", "--lifetime", "900", "--port-file", port_file],
                       stdout=subprocess.DEVNULL)
for _ in range(100):
    if os.path.exists(port_file) and open(port_file).read().strip():
        break
    time.sleep(0.1)
port = int(open(port_file).read())
base = "http://127.0.0.1:%d" % port

MiB = 1 << 20
scenarios = [
    # name, key, urls, bytes each, latency ms, N, timed runs, seq runs (0: none), ideal s or None
    ("200 x 1 KiB, 200 ms latency", "lat200", 200, 1024, 200, 200, repeat or 11, 1, 0.2 * 1),
    ("2000 x 1 KiB, 50 ms latency", "lat50", 2000, 1024, 50, 200, repeat or 5, 0, 0.05 * 10),
    ("20 x 10 MiB, no latency", "big", 20, 10 * MiB, 0, 4, repeat or 11, repeat or 11, None),
]

def tools(sc, lst, curl_cfg, n, dest):
    return [
        ("parkit multi", [parkit, "fetch", "-i", lst, "-o", dest, "--engine", "multi", "-j", str(n), "--format", "csv", "--no-progress"]),
        ("parkit pool", [parkit, "fetch", "-i", lst, "-o", dest, "--engine", "pool", "-j", str(n), "--format", "csv", "--no-progress"]),
        ("curl --parallel", ["curl", "-s", "--fail", "--parallel", "--parallel-immediate", "--parallel-max", str(n), "-K", curl_cfg]),
        ("aria2c", ["aria2c", "-q", "-j", str(n), "-i", lst, "-d", dest, "--file-allocation=none", "--allow-overwrite=true", "--auto-file-renaming=false"]),
        ("wget2", ["wget2", "-q", "--max-threads", str(n), "-i", lst, "-P", dest]),
        ("python threads", ["/usr/bin/python3", scripts["threads"], lst, dest, str(n)]),
        ("python ThreadPoolExecutor", ["/usr/bin/python3", scripts["pool"], lst, dest, str(n)]),
        ("python asyncio+aiohttp", ["/usr/bin/python3", scripts["asyncio"], lst, dest, str(n)]),
    ]

# Peak memory: GNU time's %M (the child's ru_maxrss).  Not os.wait4 on our own child: Linux
# carries the forking process's high-water RSS across exec, so every tool would be floored at
# this Python harness's size.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
mem_file = os.path.join(tmp, "maxrss")

def run_one(cmd, dest, nurls, size, timeout):
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    if GNU_TIME:
        cmd = [GNU_TIME, "-f", "%M", "-o", mem_file] + cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=dest,
                         start_new_session=True)
    deadline = time.time() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            os.killpg(p.pid, 9)
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.0005)
    wall = time.perf_counter() - t0
    rss = ru.ru_maxrss
    if GNU_TIME:
        try:
            rss = int(open(mem_file).read().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = -1
    stdout = p.stdout.read().decode(errors="replace")
    p.stdout.close()
    ok = 0
    for root, _, files in os.walk(dest):
        for f in files:
            path = os.path.join(root, f)
            if os.path.getsize(path) == size and not f.endswith((".pkpart", ".aria2")):
                ok += 1
    internal = ""
    if parkit in cmd:
        rows = list(csv.DictReader(stdout.splitlines()))
        if rows:
            internal = "%.4f" % float(rows[-1]["wall_seconds"])
    shutil.rmtree(dest, ignore_errors=True)
    code = os.waitstatus_to_exitcode(status)
    return wall, rss, ok, code, internal

runs = []
summary = []
for title, key, nurls, size, lat, n, reps, seq_runs, ideal in scenarios:
    lst = os.path.join(tmp, key + ".txt")
    curl_cfg = os.path.join(tmp, key + ".curl")
    dest = os.path.join(work, "out")
    urls = ["%s/f/%s/%d.bin?size=%d&delay_ms=%d" % (base, key, i, size, lat) for i in range(nurls)]
    with open(lst, "w") as f:
        f.write("\n".join(urls) + "\n")
    with open(curl_cfg, "w") as f:
        for i, u in enumerate(urls):
            f.write('url = "%s"\noutput = "%s/%d.bin"\n' % (u, dest, i))
    ts = tools(key, lst, curl_cfg, n, dest)
    if seq_runs:
        ts.insert(0, ("parkit seq", [parkit, "fetch", "-i", lst, "-o", dest, "--engine", "seq", "--format", "csv", "--no-progress"]))
    results = {name: [] for name, _ in ts}
    print("== %s (N = %d)" % (title, n), flush=True)
    for rep in range(reps + 1):                 # rep 0: warm-up, discarded
        order = ts[rep % len(ts):] + ts[:rep % len(ts)]   # rotate the order each round
        for name, cmd in order:
            if name == "parkit seq" and (rep == 0 or rep > seq_runs):
                continue
            wall, rss, ok, code, internal = run_one(cmd, dest, nurls, size, 180)
            if rep == 0:
                continue
            conc = 1 if name == "parkit seq" else n
            runs.append(dict(scenario=key, tool=name, concurrency=conc, run=rep, wall_s="%.4f" % wall,
                             parkit_internal_s=internal, peak_rss_kib=rss, files_ok=ok,
                             failures=nurls - ok, exit_code=code))
            results[name].append((wall, rss, ok, internal))
            print("  %-28s run %d: %7.3f s  %7.1f MiB  %d/%d files%s" % (
                name, rep, wall, rss / 1024, ok, nurls, "  (exit %d)" % code if code else ""), flush=True)
    for name, _ in ts:
        r = results[name]
        if not r:
            continue
        walls = [x[0] for x in r]
        med = statistics.median(walls)
        internals = [float(x[3]) for x in r if x[3]]
        summary.append(dict(
            scenario=key, title=title, tool=name, concurrency=1 if name == "parkit seq" else n,
            runs=len(r), wall_median_s=med, wall_min_s=min(walls), wall_max_s=max(walls),
            parkit_internal_median_s=statistics.median(internals) if internals else "",
            files_per_s=nurls / med, mb_per_s=nurls * size / 1e6 / med,
            peak_rss_mib=statistics.median([x[1] for x in r]) / 1024,
            failures=max(nurls - x[2] for x in r), ideal_s=ideal if ideal else "", urls=nurls))

srv.terminate()
srv.wait()
shutil.rmtree(work, ignore_errors=True)

# ---- files ---------------------------------------------------------------------------------------
with open(os.path.join(out_dir, "runs.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(runs[0].keys()))
    w.writeheader()
    w.writerows(runs)
fields = ["scenario", "tool", "concurrency", "runs", "wall_median_s", "wall_min_s", "wall_max_s",
          "parkit_internal_median_s", "files_per_s", "mb_per_s", "peak_rss_mib", "failures", "ideal_s"]
with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for s in summary:
        w.writerow({k: ("%.4f" % v if isinstance(v, float) else v) for k, v in s.items()})

def ver(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.splitlines()[0].strip()
    except Exception:
        return "?"
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
pyv = subprocess.run(["/usr/bin/python3", "-c", "import sys,requests,aiohttp;print(sys.version.split()[0],requests.__version__,aiohttp.__version__)"],
                     capture_output=True, text=True).stdout.split()
fstype = subprocess.run(["stat", "-f", "-c", "%T", scratch], capture_output=True, text=True).stdout.strip()

def S(key, tool):
    for s in summary:
        if s["scenario"] == key and s["tool"] == tool:
            return s
    return None

checks = []
tools_ref = ["curl --parallel", "aria2c", "wget2"]
for key, label in (("lat200", "200 x 1 KiB, 200 ms"), ("lat50", "2000 x 1 KiB, 50 ms")):
    m = S(key, "parkit multi")
    ideal = m["ideal_s"]
    fastest = min((S(key, t) for t in tools_ref), key=lambda s: s["wall_median_s"])
    ratio = m["wall_median_s"] / ideal
    checks.append("%s: multi %.3f s = %.2f x the ideal %.2f s (target <= 1.35): %s" % (
        label, m["wall_median_s"], ratio, ideal, "MET" if ratio <= 1.35 else "NOT MET"))
    checks.append("%s: multi %.3f s vs the fastest tool (%s, %.3f s): %s" % (
        label, m["wall_median_s"], fastest["tool"], fastest["wall_median_s"],
        "MET (not slower)" if m["wall_median_s"] <= fastest["wall_median_s"] else "NOT MET (slower)"))
    checks.append("%s: multi peak memory %.1f MiB (target <= 16): %s" % (
        label, m["peak_rss_mib"], "MET" if m["peak_rss_mib"] <= 16 else "NOT MET"))
m, c = S("big", "parkit multi"), S("big", "curl --parallel")
checks.append("20 x 10 MiB: multi %.0f MB/s vs curl %.0f MB/s (target >= curl): %s" % (
    m["mb_per_s"], c["mb_per_s"], "MET" if m["mb_per_s"] >= c["mb_per_s"] else "NOT MET"))

lines = []
lines.append("# parkit fetch: benchmark results\n")
lines.append("Written by `jobs/bench-fetch.sh` from a real run on this machine; do not edit by hand (except the design notes at the end).\n")
lines.append("- date: %s" % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
lines.append("- host: %s, %s, %d CPUs, Linux %s" % (platform.node(), cpu, os.cpu_count(), platform.release()))
lines.append("- parkit: %s" % ver([parkit, "--version"]))
lines.append("- curl: %s" % ver(["curl", "--version"]))
lines.append("- aria2c: %s; wget2: %s" % (ver(["aria2c", "--version"]), ver(["wget2", "--version"])))
lines.append("- Python %s, requests %s, aiohttp %s" % tuple((pyv + ["?"] * 3)[:3]))
lines.append("- server: `pk_testserver --pool 2` (libmicrohttpd, 2 event threads, latency by suspend/resume) on 127.0.0.1, same machine")
lines.append("- downloads written to %s (%s); every run starts from an empty folder" % (scratch, fstype))
lines.append("- each tool: 1 warm-up run (discarded), then the timed runs in the table (rotating order); medians below")
lines.append("- wall = process start to exit, measured outside the process; peak memory = the process's ru_maxrss from %s (MiB = 2^20 B); MB = 10^6 B" % ("GNU time's %M" if GNU_TIME else "wait4 (GNU time missing: floored at the harness's own size)"))
lines.append("- `parkit internal` is parkit's own wall_seconds (the transfer phase, without process start and exit)\n")
lines.append("## Checks (issue 4)\n")
for ch in checks:
    lines.append("- " + ch)
lines.append("")
for title, key, nurls, size, lat, n, reps, seq_runs, ideal in scenarios:
    lines.append("## %s, N = %d%s\n" % (title, n, ", ideal %.2f s (latency x ceil(URLs/N))" % ideal if ideal else ""))
    lines.append("| tool | concurrency | runs | wall median (s) | min–max (s) | parkit internal (s) | files/s | MB/s | peak memory (MiB) | failures |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in summary:
        if s["scenario"] != key:
            continue
        lines.append("| %s | %d | %d | %.3f | %.3f–%.3f | %s | %.1f | %.2f | %.1f | %d |" % (
            s["tool"], s["concurrency"], s["runs"], s["wall_median_s"], s["wall_min_s"], s["wall_max_s"],
            "%.3f" % s["parkit_internal_median_s"] if s["parkit_internal_median_s"] != "" else "",
            s["files_per_s"], s["mb_per_s"], s["peak_rss_mib"], s["failures"]))
    if key == "lat50":
        lines.append("\n`parkit seq` is not run here: it would take 2000 x 50 ms = 100 s.")
    if key == "lat200":
        lines.append("\n`parkit seq` runs once here (200 x 200 ms = 40 s).")
    lines.append("")
lines.append("Raw runs: `runs.csv`; medians: `summary.csv`. Re-run: `jobs/bench-fetch.sh [BUILD_DIR]`.")
# The hand-written design notes at the end of the old README (figures behind choices in io/)
# are kept as they are.
readme = os.path.join(out_dir, "README.md")
if os.path.exists(readme):
    old = open(readme).read()
    at = old.find("\n## Design notes: what was measured")
    if at >= 0:
        lines.append(old[at:].rstrip("\n"))
with open(readme, "w") as f:
    f.write("\n".join(lines) + "\n")
shutil.rmtree(tmp, ignore_errors=True)
print("\n".join(checks))
print("wrote %s/README.md, summary.csv, runs.csv" % out_dir)
PYEOF
