#!/usr/bin/env bash
# CLI tests of `parkit fetch` against pk_testserver on 127.0.0.1.
#   cli_fetch.sh PATH/TO/parkit PATH/TO/pk_testserver
# Every wait is bounded; the server stops by itself (--lifetime) and on exit of this script.
set -u
PARKIT=$1
SERVER=$2
PY=${PYTHON3:-python3}   # the interpreter CMake found (tests/io/CMakeLists.txt), else PATH's
# shellcheck source=tests/io/server.sh
. "$(dirname "$0")/server.sh"
start_server "$SERVER" 280 cli --blackhole "{W}/bh"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/    out: /' "$W/out" 2>/dev/null | head -20; sed 's/^/    err: /' "$W/err" 2>/dev/null | head -20; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# checkx NAME 'SHELL CONDITION': for conditions joined with && or ||.
checkx() { local name=$1; shift; if eval "$1"; then ok "$name"; else bad "$name"; fi; }

# run ARGS...: parkit fetch, capturing stdout, stderr and the exit code (RC).
run() { "$PARKIT" fetch "$@" >"$W/out" 2>"$W/err"; RC=$?; }
# same_file DIR NAME URLPATH SIZE [VERSION]: the checksum of DIR/NAME equals that of the
# served content (of that version).
same_file() {
    [ -f "$1/$2" ] || return 1
    local want got
    want=$("$SERVER" --emit "$3" "$4" ${5:+"$5"} | sha256sum | cut -d' ' -f1)
    got=$(sha256sum <"$1/$2" | cut -d' ' -f1)
    [ "$want" = "$got" ]
}
requests() { grep -c " $1 " "$W/server.log"; }   # how many requests the server saw for a path
log_lines() { wc -l <"$W/server.log"; }
no_tmp() { ! ls -A "$1" | grep -q '\.pkpart$'; }
# tmp_of DIR NAME: the temporary file(s) of NAME in DIR (".NAME.TAG.pkpart", a run's own;
# ".NAME.pkpart" from older versions), one a line.
tmp_of() { ls -A "$1" 2>/dev/null | grep -E "^\.$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')(\.p[0-9a-f]+-[0-9a-f]{8})?\.pkpart\$" | sed "s|^|$1/|"; }
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---------------------------------------------------------------- byte-exact in every mode
LIST=$W/list.txt
{
    echo "# thirty files, some explicit names, some chunked, some with latency"
    for i in $(seq 1 30); do
        size=$(( (i * i * 7919) % 250000 ))
        extra=""
        [ $((i % 4)) -eq 0 ] && extra="&nolen=1"
        if [ $((i % 5)) -eq 0 ]; then
            echo "$B/f/exact/file$i.bin?size=$size&delay_ms=$((i % 3 * 10))$extra   named-$i.dat"
        else
            echo "$B/f/exact/file$i.bin?size=$size&delay_ms=$((i % 3 * 10))$extra"
        fi
        echo ""
    done
} >"$LIST"
exact_ok() {   # DIR
    local i size name
    for i in $(seq 1 30); do
        size=$(( (i * i * 7919) % 250000 ))
        name=file$i.bin
        [ $((i % 5)) -eq 0 ] && name=named-$i.dat
        same_file "$1" "$name" "/f/exact/file$i.bin" "$size" || { echo "    mismatch: $name"; return 1; }
    done
    [ "$(ls -A "$1" | wc -l)" -eq 30 ] && no_tmp "$1"
}
for mode in seq pool multi; do
    run -i "$LIST" -o "$W/exact-$mode" --mode $mode -j 5
    check "$mode: exit 0" [ $RC -eq 0 ]
    check "$mode: 30 files byte-exact (sha256), no temporary files" exact_ok "$W/exact-$mode"
    check "$mode: report says ok 30" grep -q "ok 30, skipped 0, failed 0" "$W/out"
    check "$mode: quiet stderr when not a terminal" [ ! -s "$W/err" ]
done

# ---------------------------------------------------------------- skip, --force, formats
before=$(log_lines)
run -i "$LIST" -o "$W/exact-multi" -j 5
check "rerun: finished files skipped" grep -q "ok 0, skipped 30, failed 0" "$W/out"
check "rerun: no request sent" [ "$(log_lines)" -eq "$before" ]
run -i "$LIST" -o "$W/exact-multi" -j 5 --force --format csv --results "$W/results.csv"
check "--force: downloaded again" [ "$(log_lines)" -eq $((before + 30)) ]
check "--force: still byte-exact" exact_ok "$W/exact-multi"
check "csv: header and one row" [ "$(wc -l <"$W/out")" -eq 2 ]
check "csv: stable columns" grep -q '^command,mode,concurrency,urls,ok,skipped,failed,resumed,retries,bytes,wall_seconds,files_per_second,mb_per_second,peak_rss_kib' "$W/out"
check "csv: row values" grep -q '^fetch,multi,5,30,30,0,0,' "$W/out"
check "--results: CSV appended" [ "$(wc -l <"$W/results.csv")" -eq 2 ]
run -i "$LIST" -o "$W/exact-json" --mode pool -j 3 --format json
check "json: valid, fields" "$PY" -c '
import json,sys
r=json.loads(open(sys.argv[1]).read())
assert r["command"]=="fetch" and r["mode"]=="pool" and r["concurrency"]==3 and r["ok"]==30
assert r["failures"]==[] and r["peak_rss_kib"]>0 and "git_commit" in r' "$W/out"
# --engine is the option's name; --mode (used above) its old name, still accepted.
run -i "$LIST" -o "$W/exact-engine" --engine seq --format json
check "--engine seq: exit 0" [ $RC -eq 0 ]
check "--engine seq: 30 files byte-exact" exact_ok "$W/exact-engine"
check "--engine seq: reported as mode seq" grep -q '"mode": *"seq"' "$W/out"
"$PARKIT" fetch --help >"$W/out" 2>"$W/err"
check "--help: --engine, and --mode as its old name" grep -q -- '--mode E *old name of --engine' "$W/out"
printf '%s\n' "$B/f/stdin/s.bin?size=77" | "$PARKIT" fetch -i - -o "$W/stdin" >"$W/out" 2>"$W/err"
RC=$?
check "-i - reads stdin" same_file "$W/stdin" s.bin /f/stdin/s.bin 77
run "$B/f/prog/p.bin?size=10" -o "$W/prog" --progress
check "--progress: progress line on stderr" grep -q "fetch: 1/1 files" "$W/err"
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then   # a pseudo-terminal: progress by default
    script -qec "'$PARKIT' fetch '$B/f/prog/tty.bin?size=10' -o '$W/prog' 1>/dev/null" /dev/null >"$W/tty.txt" 2>&1
    check "progress by default on a terminal" grep -q "fetch: 1/1 files" "$W/tty.txt"
fi

# ---------------------------------------------------------------- --compare
run -i "$LIST" -o "$W/cmp" -j 4 --compare
check "--compare: exit 0" [ $RC -eq 0 ]
check "--compare: table header" grep -q "^mode *concurrency *wall_s *files/s *MB/s *peak_MiB *failures" "$W/out"
check "--compare: one row per mode" [ "$(grep -cE '^(seq|pool|multi) ' "$W/out")" -eq 3 ]
cmp_dirs_ok() { local d n=0; for d in "$W"/cmp/compare-*; do exact_ok "$d" || return 1; n=$((n + 1)); done; [ $n -eq 3 ]; }
check "--compare: a fresh folder per mode, each byte-exact" cmp_dirs_ok
run -i "$LIST" -o "$W/cmp2" -j 4 --compare --format json
check "--compare json: three records" "$PY" -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert [r["mode"] for r in rows]==["seq","pool","multi"] and all(r["ok"]==30 for r in rows)
assert [r["concurrency"] for r in rows]==[1,4,4]' "$W/out"

# ---------------------------------------------------------------- failure paths
R="--retries 2 --retry-delay 0.05"
run "$B/status/404" -o "$W/f404" $R
check "404: exit 1" [ $RC -eq 1 ]
check "404: reason listed with the URL" grep -q "$B/status/404 -> 404: HTTP 404$" "$W/err"
check "404: never retried" [ "$(requests /status/404)" -eq 1 ]
check "404: no file left" [ -z "$(ls -A "$W/f404")" ]

run "$B/status/500?x=1" -o "$W/f500" $R
check "500: exit 1, retried then failed" grep -q "HTTP 500 (after 3 attempts)" "$W/err"
check "500: three requests" [ "$(requests /status/500)" -eq 3 ]

t0=$(date +%s%N)
run "$B/f/ra/busy.bin?size=300&fail=1&status=503&retry_after=1" -o "$W/f503" $R
ms=$(elapsed_ms "$t0")
check "503 + Retry-After: succeeds on retry" same_file "$W/f503" busy.bin /f/ra/busy.bin 300
check "503 + Retry-After: waited >= 1 s ($ms ms)" [ "$ms" -ge 950 ]
run "$B/f/ra/many.bin?size=30&fail=1&status=429&retry_after=1" -o "$W/f429" $R
check "429 + Retry-After: succeeds on retry" same_file "$W/f429" many.bin /f/ra/many.bin 30
run "$B/f/ra/late.bin?size=40&fail=1&status=408" -o "$W/f408" $R
check "408: retried, then byte-exact" same_file "$W/f408" late.bin /f/ra/late.bin 40
run "$B/status/403" "$B/status/400" -o "$W/f4xx" $R
checkx "4xx: no retries" '[ "$(requests /status/403)" -eq 1 ] && [ "$(requests /status/400)" -eq 1 ]'

run "http://127.0.0.1:1/refused.bin" -o "$W/fref" --retries 1 --retry-delay 0.05
check "connection refused: exit 1" [ $RC -eq 1 ]
check "connection refused: reason" grep -qi "connect.*after 2 attempts" "$W/err"

run "$B/f/drop/d.bin?size=100000&drop_after=30000" -o "$W/fdrop" --retries 1 --retry-delay 0.05
check "dropped mid-body: failed after retries" grep -q "d.bin: .*after 2 attempts" "$W/err"
check "dropped mid-body: no file under the final name" [ ! -e "$W/fdrop/d.bin" ]
run "$B/f/drop/d2.bin?size=100000&drop_after=30000&drops=1" -o "$W/fdrop" --retries 1 --retry-delay 0.05
check "dropped once: resumed and byte-exact" same_file "$W/fdrop" d2.bin /f/drop/d2.bin 100000
check "dropped once: the retry used a Range request" grep -q "/f/drop/d2.bin range=bytes=30000-" "$W/server.log"

t0=$(date +%s%N)
run "$B/f/stall/s.bin?size=100000&stall_after=5000" -o "$W/fstall" --retries 0 --stall-timeout 1
ms=$(elapsed_ms "$t0")
checkx "stalled body: exit 1 soon after the stall timeout ($ms ms)" '[ $RC -eq 1 ] && [ "$ms" -lt 6000 ]'
check "stalled body: reason" grep -q "stalled: nothing received for 1.0 s" "$W/err"
check "stalled body: no file under the final name" [ ! -e "$W/fstall/s.bin" ]

t0=$(date +%s%N)
run "http://127.0.0.1:$(cat "$W/bh")/never.bin" -o "$W/fconn" --retries 0 --connect-timeout 1
ms=$(elapsed_ms "$t0")
checkx "connect timeout: exit 1 after about 1 s ($ms ms)" '[ $RC -eq 1 ] && [ "$ms" -ge 900 ] && [ "$ms" -lt 6000 ]'
check "connect timeout: reason" grep -qi "timeout\|timed out" "$W/err"

run "$B/loop/0" -o "$W/floop" --max-redirs 5 $R
check "redirect loop: capped" grep -qi "redirect" "$W/err"
check "redirect loop: 6 requests, not retried" [ "$(grep -c ' /loop/' "$W/server.log")" -eq 6 ]
run "$B/tofile" -o "$W/ffile" $R
check "redirect to file://: refused" grep -qi "protocol" "$W/err"
check "redirect to file://: nothing written" [ -z "$(ls -A "$W/ffile")" ]
run "$B/redir/r/ok.bin?size=500" -o "$W/fredir"
check "redirect within http: followed, byte-exact" same_file "$W/fredir" ok.bin /f/r/ok.bin 500

run "$B/f/big/a.bin?size=100000" "$B/f/big/b.bin?size=100000&nolen=1" -o "$W/fmax" --max-filesize 50k
check "--max-filesize: both fail (known and unknown length)" [ "$(grep -c 'larger than --max-filesize' "$W/err")" -eq 2 ]
check "--max-filesize: nothing left" [ -z "$(ls -A "$W/fmax")" ]

run "$B/f/mix/good.bin?size=10" "$B/status/404?m=1" "$B/status/410" -o "$W/fmix" --retries 0
check "mixed: exit 1" [ $RC -eq 1 ]
checkx "mixed: summary lists each failed URL" 'grep -q "2 of 3 URLs failed" "$W/err" && grep -q "/status/404?m=1 -> 404: HTTP 404" "$W/err" && grep -q "/status/410 -> 410: HTTP 410" "$W/err"'
check "mixed: the good one is there" same_file "$W/fmix" good.bin /f/mix/good.bin 10

# ---------------------------------------------------------------- kill -9 and rerun: resume
# kill_midway DIR NAME MODE URL: start a download of URL into DIR/NAME and kill -9 it once
# its temporary file holds more than 300000 bytes (at most 5 s); sets SZ to that size.
kill_midway() {
    local d=$1 name=$2 i pid
    mkdir -p "$d"
    "$PARKIT" fetch "$4" -o "$d" --mode "$3" >/dev/null 2>&1 &
    pid=$!
    SZ=0
    for i in $(seq 100); do
        SZ=$(stat -c %s "$(tmp_of "$d" "$name" | head -1)" 2>/dev/null || echo 0)
        [ "$SZ" -gt 300000 ] && break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
resume_case() {   # MODE
    local mode=$1 d="$W/resume-$1" url="$B/f/resume/$1.bin?size=3000000&rate=1500000" sz
    kill_midway "$d" "$mode.bin" "$mode" "$url"
    sz=$SZ
    check "$mode resume: killed mid-download ($sz bytes)" [ "$sz" -gt 0 ]
    check "$mode resume: no file under the final name" [ ! -e "$d/$mode.bin" ]
    run "$url" -o "$d" --mode "$mode"
    check "$mode resume: rerun exit 0" [ $RC -eq 0 ]
    check "$mode resume: a Range request continued the file" grep -q "/f/resume/$mode.bin range=bytes=[1-9][0-9]*-" "$W/server.log"
    if [ "$XATTR" = 1 ]; then
        check "$mode resume: with If-Range and the ETag the file was begun with" grep -q "/f/resume/$mode.bin range=bytes=[1-9][0-9]*- t=[0-9.]* if-range=\"[0-9a-f]*-3000000\"$" "$W/server.log"
    fi
    check "$mode resume: byte-exact" same_file "$d" "$mode.bin" "/f/resume/$mode.bin" 3000000
    check "$mode resume: reported" grep -q "Retries / resumed *= 0 / 1" "$W/out"
    check "$mode resume: temporary file gone" no_tmp "$d"
}
# Extended attributes where the tests write (the validator of a partial file lives there).
XATTR=0
touch "$W/xattr-probe"
"$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$W/xattr-probe" 2>/dev/null && XATTR=1
[ "$XATTR" = 1 ] || echo "# no user extended attributes under $W: If-Range checks skipped"
# set_validator FILE URL: give a hand-made partial file the ETag the server sends for URL, as
# a run that began it would have (without it, it is not continued: no version to resume).
set_validator() {
    [ "$XATTR" = 1 ] || return 0
    local v
    v=$(curl -sfI "$2" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
    "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.parkit.validator", sys.argv[2].encode())' "$1" "$v"
}
resume_case seq
resume_case pool
resume_case multi

# ---------------------------------------------------------------- resume only the same version
# A run killed mid-download of version 1; by the rerun the server has version 2.  The rest of
# version 1 must not be spliced onto it: If-Range makes the server send version 2 whole, and a
# server that ignores If-Range is caught by the ETag (or Last-Modified) of its 206.
changed_case() {   # NAME MODE QUERY1 QUERY2 WANT_RETRIES
    local name=$1 mode=$2 q1=$3 q2=$4 retries=$5 d="$W/changed-$1" sz v
    local path="/f/changed/$name.bin" size=3000000
    kill_midway "$d" "$name.bin" "$mode" "$B$path?size=$size&rate=1500000&$q1"
    sz=$SZ
    v=$("$PY" -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.parkit.validator").decode())' "$(tmp_of "$d" "$name.bin" | head -1)" 2>/dev/null)
    checkx "$name: killed mid-download ($sz bytes), validator '$v' kept with it" '[ "$sz" -gt 0 ] && [ -n "$v" ]'
    run "$B$path?size=$size&$q2" -o "$d" --mode "$mode"
    check "$name: rerun exit 0" [ $RC -eq 0 ]
    checkx "$name: the rerun asked for bytes $sz- If-Range: $v" 'grep -F "$path range=bytes=$sz- " "$W/server.log" | grep -qF "if-range=$v"'
    check "$name: the file is version 2, byte-exact" same_file "$d" "$name.bin" "$path" "$size" 2
    check "$name: reported as not resumed, $retries retries" grep -q "Retries / resumed *= $retries / 0" "$W/out"
    check "$name: temporary file gone" no_tmp "$d"
}
if [ "$XATTR" = 1 ]; then
    changed_case etag multi "version=1" "version=2" 0
    changed_case lastmod pool "etag=0&lastmod=1700000000&version=1" "etag=0&lastmod=1700000100&version=2" 0
    changed_case noifrange seq "version=1&ifrange=0" "version=2&ifrange=0" 1
    changed_case lastmod-noifrange multi "etag=0&lastmod=1700000000&version=1&ifrange=0" \
        "etag=0&lastmod=1700000100&version=2&ifrange=0" 1
fi

# A partial file and a server that ignores Range: start over, still exact.
mkdir -p "$W/norange"
head -c 5000 /dev/zero >"$W/norange/.n.bin.pkpart"
run "$B/f/nr/n.bin?size=20000&range=0" -o "$W/norange"
check "no Range support: full download replaces the partial file" same_file "$W/norange" n.bin /f/nr/n.bin 20000

# A run killed after the last byte but before the rename: the server answers 416, the
# partial file is whole, it gets its name without downloading again.
mkdir -p "$W/whole"
"$SERVER" --emit /f/whole/w.bin 7000 >"$W/whole/.w.bin.pkpart"
set_validator "$W/whole/.w.bin.pkpart" "$B/f/whole/w.bin?size=7000"
run "$B/f/whole/w.bin?size=7000" -o "$W/whole"
check "complete partial file + 416: renamed, exit 0" same_file "$W/whole" w.bin /f/whole/w.bin 7000
if [ "$XATTR" = 1 ]; then
    check "complete partial file + 416: nothing downloaded" grep -q "Bytes received *= 0$" "$W/out"
fi
# A partial file longer than the served file (stale): 416, start again.
head -c 9000 /dev/zero >"$W/whole/.s.bin.pkpart"
run "$B/f/whole/s.bin?size=7000" -o "$W/whole"
check "stale partial file + 416: downloaded again, byte-exact" same_file "$W/whole" s.bin /f/whole/s.bin 7000

# ---------------------------------------------------------------- runs side by side (issue 9, item 3)
# Two runs of the same URL into the same DIR at once: each writes its own temporary file
# (locked while it lives); neither continues or renames the other's; both end byte-exact.
d=$W/twice
mkdir -p "$d"
url="$B/f/twice/t.bin?size=2000000&rate=2500000"
"$PARKIT" fetch "$url" -o "$d" >"$W/twice1.out" 2>&1 &
p1=$!
for _ in $(seq 100); do [ -n "$(tmp_of "$d" t.bin)" ] && break; sleep 0.02; done
"$PARKIT" fetch "$url" -o "$d" >"$W/twice2.out" 2>&1 &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
checkx "two runs of one URL at once: both exit 0 ($rc1, $rc2)" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]'
check "two runs of one URL at once: the file is whole and byte-exact" same_file "$d" t.bin /f/twice/t.bin 2000000
check "two runs of one URL at once: the second never continued the first's file" \
    [ "$(grep -c "/f/twice/t.bin range=bytes=[0-9]" "$W/server.log")" -eq 0 ]
check "two runs of one URL at once: no temporary file left" no_tmp "$d"
if [ "$XATTR" = 1 ]; then
    # A finished file records its size; one that no longer has it is not trusted as done.
    check "finished file: its size recorded (user.parkit.size)" [ "$(getfattr --only-values -n user.parkit.size "$d/t.bin" 2>/dev/null || "$PY" -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.parkit.size").decode(), end="")' "$d/t.bin")" = 2000000 ]
    truncate -s 33333 "$d/t.bin"
    before=$(log_lines)
    run "$url" -o "$d"
    checkx "finished file cut short since: fetched again, byte-exact" '[ $RC -eq 0 ] && [ "$(log_lines)" -gt "$before" ] && same_file "$d" t.bin /f/twice/t.bin 2000000'
    before=$(log_lines)
    run "$url" -o "$d"
    checkx "finished file intact: skipped, nothing requested" '[ $RC -eq 0 ] && [ "$(log_lines)" -eq "$before" ] && grep -q "skipped 1" "$W/out"'
fi
# Partial files of dead runs: the largest is continued, the others removed; one that is
# locked (a run still writing it) is never touched.
d=$W/dead
mkdir -p "$d"
"$SERVER" --emit /f/dead/k.bin 1000 >"$d/.k.bin.p1-00000001.pkpart"
set_validator "$d/.k.bin.p1-00000001.pkpart" "$B/f/dead/k.bin?size=5000"
"$SERVER" --emit /f/dead/k.bin 500 >"$d/.k.bin.p2-00000002.pkpart"
printf 'live' >"$d/.k.bin.p3-00000003.pkpart"
flock "$d/.k.bin.p3-00000003.pkpart" sleep 4 &
lpid=$!
sleep 0.3
run "$B/f/dead/k.bin?size=5000" -o "$d"
check "dead runs' partial files: exit 0, byte-exact" same_file "$d" k.bin /f/dead/k.bin 5000
if [ "$XATTR" = 1 ]; then
    check "dead runs' partial files: the largest continued (Range from 1000)" grep -q "/f/dead/k.bin range=bytes=1000- " "$W/server.log"
fi
check "dead runs' partial files: the others removed" [ ! -e "$d/.k.bin.p2-00000002.pkpart" ]
checkx "a locked partial file (a live run) left alone" '[ "$(cat "$d/.k.bin.p3-00000003.pkpart" 2>/dev/null)" = live ]'
wait "$lpid"
run "$B/f/dead/k.bin?size=5000" -o "$d"
check "once its run is gone, a rerun removes it (the file being done)" no_tmp "$d"

# ---------------------------------------------------------------- resume joins one version only (item 6)
R2="--retries 2 --retry-delay 0.05"
# A retry whose 206 names another total size (33333-199999/200000 after a 100000-byte answer).
run "$B/f/v6/total.bin?size=100000&size2=200000&etag=0&drop_after=33333&drops=1" -o "$W/v6" $R2
checkx "resume: a changed total size restarts from byte 0, byte-exact ($RC)" '[ $RC -eq 0 ] && same_file "$W/v6" total.bin /f/v6/total.bin 100000'
if [ "$XATTR" = 1 ]; then
    # The same across runs: the size announced when the file was begun is kept with it.
    kill_midway "$W/v6b" "big.bin" multi "$B/f/v6b/big.bin?size=3000000&rate=1500000&etag=0"
    run "$B/f/v6b/big.bin?size=3000000&size2=4000000&etag=0" -o "$W/v6b"
    checkx "resume after a kill: a changed total size restarts, byte-exact" '[ $RC -eq 0 ] && same_file "$W/v6b" big.bin /f/v6b/big.bin 3000000 && no_tmp "$W/v6b"'
    # Only a weak ETag: not a validator for a range -- the rerun starts again.
    kill_midway "$W/v6w" "weak.bin" pool "$B/f/v6w/weak.bin?size=3000000&rate=1500000&weak=1&version=1"
    run "$B/f/v6w/weak.bin?size=3000000&weak=1&version=2" -o "$W/v6w" --mode pool
    checkx "resume: a weak ETag is no validator, the rerun fetches version 2 whole" '[ $RC -eq 0 ] && same_file "$W/v6w" weak.bin /f/v6w/weak.bin 3000000 2 && no_tmp "$W/v6w"'
fi

# No validator, no resume: a partial file whose version nothing names (no ETag, no
# Last-Modified; a validator that cannot be read) is never continued -- the download starts
# again from byte 0 and the partial file goes.  Across runs (a dead run's file) ...
kill_midway "$W/nv" x.bin seq "$B/f/nv/x.bin?size=3000000&rate=1500000&etag=0"
sz=$SZ
run "$B/f/nv/x.bin?size=3000000&etag=0&version=1" -o "$W/nv" --mode seq
checkx "no validator: a dead run's partial file ($sz bytes) is not continued, version 1 whole" '[ "$sz" -gt 0 ] && [ $RC -eq 0 ] && same_file "$W/nv" x.bin /f/nv/x.bin 3000000 1 && no_tmp "$W/nv"'
checkx "no validator: no Range request, reported as not resumed" '[ "$(grep -c "/f/nv/x.bin range=bytes=[0-9]" "$W/server.log")" -eq 0 ] && grep -q "Retries / resumed *= 0 / 0" "$W/out"'
# ... and within a run (the retry after a dropped connection), in every engine.
for mode in seq pool multi; do
    run "$B/f/nv2/$mode.bin?size=200000&etag=0&drop_after=70000&drops=1" -o "$W/nv2" --mode $mode $R2
    checkx "no validator, $mode: the retry after a drop starts from byte 0, byte-exact" '[ $RC -eq 0 ] && same_file "$W/nv2" $mode.bin /f/nv2/$mode.bin 200000 && [ "$(grep -c "/f/nv2/$mode.bin range=bytes=[0-9]" "$W/server.log")" -eq 0 ] && grep -q "Retries / resumed *= 1 / 0" "$W/out"'
done
if [ "$XATTR" = 1 ]; then
    # A validator that cannot be read back (here: longer than any ETag kept; where the file
    # system has no user attributes, every read fails alike) or that is no header value.
    for v in long crlf; do
        d=$W/nv3-$v
        mkdir -p "$d"
        "$SERVER" --emit /f/nv3/$v.bin 1000 >"$d/.$v.bin.p1-00000001.pkpart"
        "$PY" -c 'import os, sys
v = b"\"" + b"a" * 400 + b"\"" if sys.argv[2] == "long" else b"\"x\"\r\nX-A: b"
os.setxattr(sys.argv[1], "user.parkit.validator", v)' "$d/.$v.bin.p1-00000001.pkpart" "$v"
        run "$B/f/nv3/$v.bin?size=5000&ifrange=0" -o "$d"
        checkx "unusable validator ($v): not continued, byte-exact" '[ $RC -eq 0 ] && same_file "$d" $v.bin /f/nv3/$v.bin 5000 && [ "$(grep -c "/f/nv3/$v.bin range=bytes=[0-9]" "$W/server.log")" -eq 0 ] && no_tmp "$d"'
    done
fi

# ---------------------------------------------------------------- slow servers, time limits (item 9)
t0=$(date +%s%N)
run "$B/f/drip/slow.bin?size=1000&drip_ms=100" -o "$W/drip" --retries 0 --min-speed 100 --min-speed-time 1
ms=$(elapsed_ms "$t0")
checkx "--min-speed: a server dripping 10 B/s fails after the 1 s window ($ms ms)" '[ $RC -eq 1 ] && [ "$ms" -lt 4000 ] && grep -q "too slow" "$W/err"'
check "--min-speed: nothing under the final name" [ ! -e "$W/drip/slow.bin" ]
t0=$(date +%s%N)
run "$B/f/drip/slow2.bin?size=1000&drip_ms=100" -o "$W/drip" --retries 5 --retry-delay 0.05 --max-time 1.5 --min-speed 0
ms=$(elapsed_ms "$t0")
checkx "--max-time 1.5: one URL's attempts end after 1.5 s ($ms ms)" '[ $RC -eq 1 ] && [ "$ms" -ge 1400 ] && [ "$ms" -lt 4500 ] && grep -q "longer than --max-time" "$W/err"'
t0=$(date +%s%N)
run "$B/f/drip/a.bin?size=1000&drip_ms=100" "$B/f/drip/b.bin?size=1000&drip_ms=100" -o "$W/drip" --mode seq --deadline 1 --min-speed 0
ms=$(elapsed_ms "$t0")
checkx "--deadline 1: the run ends after 1 s, the unfinished URLs failed ($ms ms)" '[ $RC -eq 1 ] && [ "$ms" -lt 4000 ] && [ "$(grep -c "deadline" "$W/err")" -eq 2 ]'

# ---------------------------------------------------------------- --compare and signals (item 10)
# SIGINT / SIGTERM to the parent: its child (downloading) goes too, the parent exits 128+sig.
compare_signal() {   # SIGNAL CODE
    local d=$W/cmpsig-$1 ppid child="" i rc
    mkdir -p "$d"
    env --default-signal=INT "$PARKIT" fetch "$B/f/cmpsig/$1.bin?size=6000000&rate=1000000" -o "$d" --compare >"$W/out" 2>"$W/err" &
    ppid=$!
    for i in $(seq 100); do child=$(pgrep -P "$ppid" | head -1); [ -n "$child" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && break; sleep 0.05; done
    sleep 0.3
    kill -s "$1" "$ppid"
    for i in $(seq 100); do kill -0 "$ppid" 2>/dev/null || break; sleep 0.05; done
    wait "$ppid"; rc=$?
    for i in $(seq 40); do [ -n "$child" ] && kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
    checkx "--compare + SIG$1: the child ($child) dies with the parent" '[ -n "$child" ] && ! kill -0 "$child" 2>/dev/null'
    check "--compare + SIG$1: the parent exits $2" [ "$rc" -eq "$2" ]
    check "--compare + SIG$1: the interrupted folder is removed" [ -z "$(ls -A "$d")" ]
    [ -n "$child" ] && kill -9 "$child" 2>/dev/null
}
compare_signal INT 130
compare_signal TERM 143

# kill -9 of the parent: no process of the run outlives it by more than 3 s -- also when the
# run was started with SIGTERM ignored or blocked (the child inherits that: a death signal it
# can ignore or block is no death signal).
compare_kill9() {   # NAME ENV-OPTION...
    local name=$1 d=$W/cmpkill-$1 ppid child="" i left
    shift
    mkdir -p "$d"
    env "$@" "$PARKIT" fetch "$B/f/cmpkill/$name.bin?size=6000000&rate=1000000" -o "$d" --compare --no-progress >"$W/out" 2>"$W/err" &
    ppid=$!
    for i in $(seq 100); do child=$(pgrep -P "$ppid" | head -1); [ -n "$child" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && break; sleep 0.05; done
    sleep 0.3
    kill -9 "$ppid"
    wait "$ppid" 2>/dev/null
    for i in $(seq 60); do left=$(pgrep -f -- "-o $d/compare-"); [ -z "$left" ] && break; sleep 0.05; done
    checkx "--compare + kill -9 ($name): no process of the run left after 3 s (child $child; left: ${left:-none})" '[ -n "$child" ] && [ -z "$left" ]'
    for i in $left; do kill -9 "$i" 2>/dev/null; done
}
compare_kill9 default --default-signal=TERM
compare_kill9 term-ignored --ignore-signal=TERM
compare_kill9 term-blocked --block-signal=TERM

# ---------------------------------------------------------------- what fetch prints (items 14, 15)
run "http://alice:s3cret-pw@127.0.0.1:$PORT/status/404?c=1" -o "$W/cred" --retries 0
checkx "a URL's password is never printed (failure list)" '[ $RC -eq 1 ] && grep -q "alice:\*\*\*@127.0.0.1" "$W/err" && ! grep -q s3cret "$W/err" "$W/out"'
run "http://alice:s3cret-pw@127.0.0.1:$PORT/status/404?c=2" -o "$W/cred" --retries 0 --format json
checkx "a URL's password is never printed (JSON)" '! grep -q s3cret "$W/err" "$W/out" && grep -q "alice:\*\*\*@" "$W/out"'
run "http//alice:s3cret-pw@127.0.0.1/x" -o "$W/cred"
checkx "a URL's password is never printed (bad URL message)" '[ $RC -eq 2 ] && ! grep -q s3cret "$W/err"'
long=$(head -c 100000 /dev/zero | tr '\0' 'a')
run "$B/f/x?size=1" -o "/proc/$long"
checkx "a 100 KB path: one short line that keeps the reason" '[ $RC -eq 2 ] && [ "$(wc -l <"$W/err")" -eq 1 ] && [ "$(wc -c <"$W/err")" -lt 600 ] && grep -qE ": [A-Z][A-Za-z ]+\$" "$W/err"'
before=$(log_lines)
run "$B/f/res/r.bin?size=10" -o "$W/resdir" --results "$W/no-such-dir/r.csv"
checkx "--results in a missing folder: exit 2 before any download" '[ $RC -eq 2 ] && [ "$(log_lines)" -eq "$before" ] && [ ! -e "$W/resdir" ] && grep -q "^parkit: --results" "$W/err"'
run "$B/f/res/r.bin?size=10" -o "$W/resdir" --results "$W"
checkx "--results a directory: exit 2 before any download" '[ $RC -eq 2 ] && [ "$(log_lines)" -eq "$before" ]'

# ---------------------------------------------------------------- bounded lists (item 8)
bounded_list() {   # DESCRIPTION LINE_NUMBER COMMAND...: exit 2 within 15 s, the line named
    local what=$1 line=$2 t0 ms
    shift 2
    t0=$(date +%s%N)
    timeout 20 bash -c "$*" >"$W/out" 2>"$W/err"
    RC=$?
    ms=$(elapsed_ms "$t0")
    checkx "$what: exit 2 in $ms ms, line $line named" '[ $RC -eq 2 ] && [ "$ms" -lt 15000 ] && [ "$(wc -l <"$W/err")" -eq 1 ] && grep -q ":$line: " "$W/err"'
}
bounded_list "-i /dev/zero (one endless line)" 1 "'$PARKIT' fetch -i /dev/zero -o '$W/nothing'"
bounded_list "-i - from /dev/zero" 1 "'$PARKIT' fetch -i - -o '$W/nothing' </dev/zero"
bounded_list "a 20 KB line 3 on stdin" 3 "{ echo '$B/f/a'; echo '# c'; head -c 20000 /dev/zero | tr '\\\\0' a; echo; } | '$PARKIT' fetch -i - -o '$W/nothing'"
bounded_list "endless blank lines on stdin" 8000001 "yes '' | '$PARKIT' fetch -i - -o '$W/nothing'"
bounded_list "endless comment lines on stdin" 8000001 "yes '#' | '$PARKIT' fetch -i - -o '$W/nothing'"

# ---------------------------------------------------------------- hostile names
mkdir -p "$W/outside" "$W/hostile"
before=$(log_lines)
printf '%s\n' "$B/f/h/x.bin?size=5 ../evil" >"$W/evil1.txt"
run -i "$W/evil1.txt" -o "$W/hostile"
checkx "explicit ../evil: exit 2, named in the message" '[ $RC -eq 2 ] && grep -q "unsafe output name" "$W/err"'
printf '%s\n' "$B/f/h/x.bin?size=5 /tmp/abs" >"$W/evil2.txt"
run -i "$W/evil2.txt" -o "$W/hostile"
check "explicit /abs name: exit 2" [ $RC -eq 2 ]
check "hostile explicit names: nothing requested" [ "$(log_lines)" -eq "$before" ]
run "$B/f/h/..%2F..%2Foutside%2Fpwned?size=5" "$B/f/h/%2e%2e?size=5" -o "$W/hostile"
checkx "encoded traversal stays inside DIR" '[ $RC -eq 0 ] && [ -f "$W/hostile/.._.._outside_pwned" ] && [ -f "$W/hostile/download" ] && [ -z "$(ls -A "$W/outside")" ]'
ln -s "$W/outside/target" "$W/hostile/link.bin"
run "$B/f/h/link.bin?size=5" -o "$W/hostile"
checkx "symlink at the final name: refused" '[ $RC -eq 1 ] && grep -q "symbolic link" "$W/err"'
ln -s "$W/outside/target2" "$W/hostile/.t.bin.pkpart"
run "$B/f/h/t.bin?size=5" -o "$W/hostile" --retries 0
checkx "symlink at the temporary name: refused" '[ $RC -eq 1 ] && [ ! -e "$W/outside/target2" ]'
printf 'secret' >"$W/outside/hl"
ln "$W/outside/hl" "$W/hostile/.h.bin.pkpart"
run "$B/f/h/h.bin?size=50" -o "$W/hostile" --retries 1 --retry-delay 0.05
check "hard link at the temporary name: download correct" same_file "$W/hostile" h.bin /f/h/h.bin 50
check "hard link at the temporary name: the linked file untouched" [ "$(cat "$W/outside/hl")" = secret ]
rm -f "$W/outside/hl"
check "symlinks: nothing written outside DIR" [ -z "$(ls -A "$W/outside")" ]
run "$B/f/d1/same.bin?size=11" "$B/f/d2/same.bin?size=12" -o "$W/dups"
checkx "duplicate names made unique" 'same_file "$W/dups" same.bin /f/d1/same.bin 11 && same_file "$W/dups" same-1.bin /f/d2/same.bin 12'

# ---------------------------------------------------------------- bad input: exit 2
: >"$W/empty.txt"
touch "$W/afile"
printf '%s\n%s\n' "$B/f/bad/good.bin?size=5" "http//missing-colon" >"$W/mixed-bad.txt"
bad_input() {   # DESCRIPTION ARGS...
    local what=$1
    shift
    local before
    before=$(log_lines)
    run "$@"
    if [ $RC -eq 2 ] && [ ! -s "$W/out" ] && [ "$(wc -l <"$W/err")" -eq 1 ] &&
        grep -q '^parkit: ' "$W/err" && [ "$(log_lines)" -eq "$before" ] && [ ! -e "$W/nothing" ]; then
        ok "bad input: $what ($(head -c 100 "$W/err"))"
    else
        bad "bad input: $what (exit $RC)"
    fi
}
bad_input "malformed URL" "http//missing-colon" -o "$W/nothing"
bad_input "ftp URL" "ftp://127.0.0.1/x" -o "$W/nothing"
bad_input "file URL" "file:///etc/passwd" -o "$W/nothing"
bad_input "URL without host" "http:///x" -o "$W/nothing"
bad_input "one bad URL in LIST stops all" -i "$W/mixed-bad.txt" -o "$W/nothing"
bad_input "missing LIST" -i "$W/no-such-list" -o "$W/nothing"
bad_input "LIST is a directory" -i "$W" -o "$W/nothing"
bad_input "empty LIST" -i "$W/empty.txt" -o "$W/nothing"
bad_input "no URLs" -o "$W/nothing"
bad_input "DIR is a file" "$B/f/bad/x?size=1" -o "$W/afile"
bad_input "DIR under a file" "$B/f/bad/x?size=1" -o "$W/afile/sub"
bad_input "unwritable DIR" "$B/f/bad/x?size=1" -o /proc/pk-fetch-test
bad_input "-j 0" "$B/f/bad/x?size=1" -o "$W/nothing" -j 0
bad_input "-j -3" "$B/f/bad/x?size=1" -o "$W/nothing" -j -3
bad_input "-j abc" "$B/f/bad/x?size=1" -o "$W/nothing" -j abc
bad_input "--mode bogus" "$B/f/bad/x?size=1" -o "$W/nothing" --mode bogus
bad_input "--engine bogus" "$B/f/bad/x?size=1" -o "$W/nothing" --engine bogus
bad_input "--retries -1" "$B/f/bad/x?size=1" -o "$W/nothing" --retries -1
bad_input "--max-filesize 0" "$B/f/bad/x?size=1" -o "$W/nothing" --max-filesize 0
bad_input "--compare with --mode" "$B/f/bad/x?size=1" -o "$W/nothing" --compare --mode seq
bad_input "--compare with --engine" "$B/f/bad/x?size=1" -o "$W/nothing" --compare --engine seq
bad_input "unknown option" "$B/f/bad/x?size=1" -o "$W/nothing" --bogus
# Seconds: digits, an optional fraction and exponent, 1 ms to a day (item 9, 15).
for v in 0.0004 " 5" 0x10 inf nan -1 +5 1e-4 1e9 "" 5s; do
    bad_input "--connect-timeout '$v'" "$B/f/bad/x?size=1" -o "$W/nothing" --connect-timeout "$v"
done
bad_input "--stall-timeout 0.0004" "$B/f/bad/x?size=1" -o "$W/nothing" --stall-timeout 0.0004
bad_input "--max-time 0" "$B/f/bad/x?size=1" -o "$W/nothing" --max-time 0
bad_input "--deadline 1e-5" "$B/f/bad/x?size=1" -o "$W/nothing" --deadline 1e-5
bad_input "--min-speed abc" "$B/f/bad/x?size=1" -o "$W/nothing" --min-speed abc

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
