#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# The promises of the README's "What you can rely on" list that a single process keeps:
# each group is named after its promise.
# usage: promises.sh PARKIT GROUP
set -uo pipefail
PARKIT=${1:?usage: promises.sh PARKIT GROUP}
GROUP=${2:?group}
export OMP_NUM_THREADS=2
unset OMP_PROC_BIND OMP_PLACES OMP_THREAD_LIMIT OMP_DYNAMIC
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# expect_error CODE PATTERN cmd...: exit CODE, nothing on stdout, exactly one stderr line
# "parkit: ..." matching PATTERN
expect_error() {
    local code=$1 pat=$2; shift 2
    run "$@"
    local lines; lines=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$RC" = "$code" ] && [ -z "$OUT" ] && [ "$lines" = 1 ] && [[ "$ERR" == parkit:* ]] &&
       grep -qE -- "$pat" <<<"$ERR"; then ok
    else bad "$* -> rc=$RC (want $code) stdout='${OUT:0:80}' stderr='${ERR:0:300}' (want one line /$pat/)"; fi
}

# OMP_NUM_THREADS is read as the OpenMP runtime reads it; the team is what the report says.
group_threads_env() {
    for v in 1e1 0 abc "2,abc" "" -1 0x4 4_0 "2 x"; do
        expect_error 2 "^parkit: OMP_NUM_THREADS: expected a positive integer.*got \"$v\"" \
            env OMP_NUM_THREADS="$v" "$PARKIT" count 100
    done
    expect_error 2 'OMP_NUM_THREADS.*"abc"' env OMP_NUM_THREADS=abc "$PARKIT" count 100 --threads 2
    # what the runtime accepts, parkit accepts, with the same count
    for v in " 2" "2 " "+2" "2,1" "$(printf '0%.0s' {1..80})2"; do
        run env OMP_NUM_THREADS="$v" "$PARKIT" count 1000 --format csv
        [ "$RC" = 0 ] && [ "$(col "$OUT" threads)" = 2 ] && [ -z "$ERR" ] && ok ||
            bad "OMP_NUM_THREADS='$v': rc=$RC threads=$(col "$OUT" threads) $ERR"
    done
    # the runtime's thread limit: refused when asked for, respected by the default
    expect_error 2 'at most 1 \(OMP_THREAD_LIMIT\)' env OMP_THREAD_LIMIT=1 "$PARKIT" count 100 --threads 2
    run env OMP_THREAD_LIMIT=1 OMP_NUM_THREADS= "$PARKIT" count 1000 --format csv
    [ "$RC" != 0 ] && ok || bad "an empty OMP_NUM_THREADS must be refused like the runtime does"
    run env -u OMP_NUM_THREADS OMP_THREAD_LIMIT=1 "$PARKIT" count 1000 --format csv
    [ "$RC" = 0 ] && [ "$(col "$OUT" threads)" = 1 ] && ok || bad "default under OMP_THREAD_LIMIT=1: threads=$(col "$OUT" threads)"
    # every other OMP_* setting the runtime refuses: parkit's one line, not libgomp's warning
    # followed by a run on its defaults
    for v in OMP_THREAD_LIMIT=abc OMP_THREAD_LIMIT=0 OMP_DYNAMIC=maybe OMP_SCHEDULE=bogus OMP_PROC_BIND=x \
             OMP_PLACES=x OMP_STACKSIZE=1x OMP_WAIT_POLICY=x OMP_MAX_ACTIVE_LEVELS=-1; do
        expect_error 2 "^parkit: ${v%%=*}: the OpenMP runtime refuses \"${v#*=}\"" env "$v" "$PARKIT" count 10
    done
    # what the runtime itself prints on request still reaches stderr
    run env OMP_DISPLAY_ENV=true "$PARKIT" count 10 --format csv
    [ "$RC" = 0 ] && grep -q 'OPENMP DISPLAY ENVIRONMENT BEGIN' <<<"$ERR" && ok || bad "OMP_DISPLAY_ENV output lost: $ERR"
    # OMP_DYNAMIC may not shrink the team behind the report's back
    run env OMP_DYNAMIC=true "$PARKIT" where --threads 2
    [ "$(grep -c 'thread=[01]/2' <<<"$OUT")" = 2 ] && ok || bad "OMP_DYNAMIC=true: $OUT"
}

# --output: the real file is replaced whole or not at all; devices, FIFOs and links survive.
group_output_targets() {
    cd "$TMP" || return
    run "$PARKIT" primorial 30 --output /dev/null --format csv
    [ "$RC" = 0 ] && [ -c /dev/null ] && ok || bad "--output /dev/null: rc=$RC, /dev/null is no longer a device"
    echo old >real.txt
    chmod 600 real.txt
    ln -s real.txt link
    run "$PARKIT" primorial 30 --output link
    [ "$RC" = 0 ] && [ -L link ] && [ "$(cat real.txt)" = 6469693230 ] && [ "$(stat -c %a real.txt)" = 600 ] && ok ||
        bad "--output through a symlink: rc=$RC link=$(stat -c %F link) content=$(cat real.txt) mode=$(stat -c %a real.txt)"
    ln -s sub/../new.txt dangling 2>/dev/null; mkdir sub
    run "$PARKIT" primorial 10 --output dangling
    [ "$RC" = 0 ] && [ -L dangling ] && [ "$(cat new.txt)" = 210 ] && ok || bad "--output through a dangling link: rc=$RC $ERR"
    mkfifo fifo
    (cat fifo >from-fifo &)
    run timeout 20 "$PARKIT" primorial 30 --output fifo
    sleep 0.2
    [ "$RC" = 0 ] && [ -p fifo ] && [ "$(cat from-fifo)" = 6469693230 ] && ok || bad "--output to a FIFO with a reader: rc=$RC"
    # a FIFO whose reader goes away during the write: a message, not a silent SIGPIPE
    mkfifo fifo2
    (exec 3<fifo2; sleep 0.5) &
    sleep 0.2
    run "$PARKIT" primorial 2e7 --output fifo2
    [ "$RC" = 1 ] && grep -q 'cannot write: Broken pipe' <<<"$ERR" && ok || bad "--output to a FIFO whose reader left: rc=$RC '$ERR'"
    wait
    # the owner of a replaced file stays (as root), like its permissions
    echo old >owned.txt
    if chown nobody:nogroup owned.txt 2>/dev/null; then
        run "$PARKIT" primorial 10 --output owned.txt
        [ "$RC" = 0 ] && [ "$(stat -c %U:%G owned.txt)" = nobody:nogroup ] && [ "$(cat owned.txt)" = 210 ] && ok ||
            bad "--output changed the owner: $(stat -c %U:%G owned.txt)"
    fi
    # a file-size limit: one message, no temporary left (4 KiB, far below the 43 KB answer:
    # LLVM's libomp cannot start under a limit below the 1 KiB of its registration file)
    run prlimit --fsize=4096 -- "$PARKIT" primorial 1e5 --output limited.txt
    [ "$RC" = 1 ] && grep -q 'cannot write: File too large' <<<"$ERR" && ! compgen -G ".parkit-tmp.*" >/dev/null && ok ||
        bad "--output under a file-size limit: rc=$RC '$ERR' $(ls -a)"
    # bad destinations: refused at once, before the work (primorial 1e9 takes many seconds)
    local t0; t0=$(date +%s%N)
    expect_error 2 'cannot write: nobody is reading it' timeout 20 "$PARKIT" primorial 1e9 --output fifo
    expect_error 2 'cannot write: Is a directory' "$PARKIT" primorial 1e9 --output "$TMP"
    expect_error 2 'cannot write: No such file or directory' "$PARKIT" primorial 1e9 --output "$TMP/none/x"
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] && ok || bad "bad --output destinations were not refused before the work"
    # a full device: the run fails, nothing is replaced
    run "$PARKIT" primorial 30 --output /dev/full
    [ "$RC" = 1 ] && grep -q 'No space left on device' <<<"$ERR" && [ -c /dev/full ] && ok || bad "--output /dev/full: rc=$RC $ERR"
    # killed runs: SIGTERM removes its own temporary; kill -9 leaves one that the next run sweeps
    "$PARKIT" primorial 2e8 --output big.txt >/dev/null 2>&1 &
    local pid=$!
    sleep 0.5; kill -TERM "$pid"; wait "$pid" 2>/dev/null
    compgen -G ".parkit-tmp.*" >/dev/null && bad "SIGTERM left a temporary: $(ls -a)" || ok
    "$PARKIT" primorial 2e8 --output big.txt >/dev/null 2>&1 &
    pid=$!
    sleep 0.5; kill -KILL "$pid"; wait "$pid" 2>/dev/null
    compgen -G ".parkit-tmp.*" >/dev/null && ok || bad "kill -9 should leave a temporary to sweep (test setup)"
    run "$PARKIT" primorial 30 --output big.txt
    [ "$RC" = 0 ] && ! compgen -G ".parkit-tmp.*" >/dev/null && [ "$(cat big.txt)" = 6469693230 ] && ok ||
        bad "the next run did not sweep the dead run's temporary: $(ls -a)"
    # a live run's temporary is never swept by another run
    "$PARKIT" primorial 3e8 --output live.txt >/dev/null 2>&1 &
    pid=$!
    sleep 0.5
    run "$PARKIT" primorial 30 --output other.txt
    kill -0 "$pid" 2>/dev/null && [ "$(find . -maxdepth 1 -name '.parkit-tmp.*' | wc -l)" = 1 ] && ok ||
        bad "another run removed a live run's temporary"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null
    cd - >/dev/null || return
}

# --results: a row is appended whole or not at all, with the real reason
group_results_rows() {
    local f=$TMP/r.csv
    "$PARKIT" count 10 --results "$f" --format csv >/dev/null
    "$PARKIT" count 11 --results "$f" --format csv >/dev/null
    local before; before=$(md5sum <"$f")
    local size; size=$(stat -c %s "$f")
    # the file may grow by less than a row: RLIMIT_FSIZE (in bytes, with prlimit) cuts the
    # write short; the next one would raise SIGXFSZ (which kills by default) or fail with EFBIG
    run prlimit --fsize=$((size + 100)) -- "$PARKIT" count 12 --results "$f" --format csv
    [ "$RC" = 1 ] && grep -q -- '--results .*: cannot append: File too large' <<<"$ERR" &&
        [ "$(md5sum <"$f")" = "$before" ] && ok ||
        bad "a row that does not fit: rc=$RC, file changed: $([ "$(md5sum <"$f")" = "$before" ] && echo no || echo yes) $ERR"
    "$PARKIT" count 13 --results "$f" --format csv >/dev/null
    local shape; shape=$(python3 -c 'import csv, sys; r = list(csv.reader(open(sys.argv[1]))); print(len(r), sorted({len(x) for x in r}))' "$f")
    local width; width=$(head -1 "$f" | tr ',' '\n' | wc -l)
    [ "$shape" = "4 [$width]" ] && ok || bad "rows after a failed append are misaligned: rows, widths = $shape"
    run "$PARKIT" count 10 --results /dev/full
    [ "$RC" = 1 ] && grep -q 'No space left on device' <<<"$ERR" && ! grep -q 'ioctl' <<<"$ERR" && ok || bad "--results /dev/full: $ERR"
    # a real full file system, where this machine lets us mount one
    if unshare -m true 2>/dev/null; then
        mkdir -p "$TMP/mnt"
        # shellcheck disable=SC2016  # the script's $1.. are its own arguments
        run unshare -m bash -c '
            mount -t tmpfs -o size=64k none "$1" || exit 77
            "$2" count 1 --results "$1/r.csv" --format csv >/dev/null || exit 3
            # rows until the next one cannot fit in the last page the file already has: less
            # than 300 bytes left there (a row is 600+ bytes; its length varies by 100+ with
            # the load warning it may carry, so the last row is no measure of the next)
            page_end() { s=$(stat -c %s "$1/r.csv"); [ $((4096 - s % 4096)) -lt 300 ]; }
            for i in $(seq 2 120); do
                page_end "$1" && break
                "$2" count "$i" --results "$1/r.csv" --format csv >/dev/null || exit 3
            done
            page_end "$1" || exit 6
            head -c 100000 /dev/zero >"$1/fill" 2>/dev/null
            cp "$1/r.csv" "$3/before"
            "$2" count 2 --results "$1/r.csv" --format csv >/dev/null 2>"$3/err"; rc=$?
            cmp -s "$1/r.csv" "$3/before" || exit 4
            grep -q "No space left on device" "$3/err" || exit 5
            exit $rc' sh "$TMP/mnt" "$PARKIT" "$TMP"
        case $RC in
            1) ok ;;
            77) skip "cannot mount a small tmpfs here: the full-disk case ran through RLIMIT_FSIZE only" ;;
            *) bad "a full tmpfs: rc=$RC (3: a row failed before the disk was full, 4: file changed, 5: message, 6: no page end reached)" ;;
        esac
    fi
}

# one --results file holds one layout: rows of another are refused, never misaligned
group_results_one_layout() {
    local f=$TMP/k.csv
    "$PARKIT" count 10 --results "$f" --format csv >/dev/null
    local before; before=$(md5sum <"$f")
    if "$PARKIT" --version | grep -q '^  fetch  *built'; then
        expect_error 2 "^parkit: --results .*k.csv: cannot append: its first line is not this command's CSV header" \
            "$PARKIT" fetch -o "$TMP/dl" --results "$f" http://127.0.0.1:9/x
        [ "$(md5sum <"$f")" = "$before" ] && [ ! -e "$TMP/dl" ] && ok || bad "fetch rows went into a file of kernel rows, or it started"
    else
        skip "fetch is not built: its rows cannot be offered to a file of kernel rows"
    fi
    printf 'a,b,c\n1,2,3\n' >"$TMP/other.csv"
    expect_error 2 "cannot append: its first line is not this command's CSV header" \
        "$PARKIT" primes 1e11 --results "$TMP/other.csv"
    # the same layout keeps appending
    "$PARKIT" sum 10 --results "$f" --format csv >/dev/null && [ "$(wc -l <"$f")" = 3 ] && ok || bad "kernel rows no longer append"
}

# every destination is checked before the work starts
group_destinations_first() {
    local t0; t0=$(date +%s%N)
    expect_error 2 '^parkit: --results .*/none/r.csv: cannot append: No such file or directory' \
        "$PARKIT" primes 1e11 --algo sieve --results "$TMP/none/r.csv"
    expect_error 2 'cannot append: Is a directory' "$PARKIT" primes 1e11 --algo sieve --results "$TMP"
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] && ok || bad "a bad --results was found after the work"
}

# numbers and messages
group_numbers_messages() {
    for c in "0e999999999999999999999 0" "1^99999999999999999999 1" "0**99999999999999999999 0" "0^0 1" \
             "00000000000000000000000000000000000000000000000000000000000000000000000000000000000007 7"; do
        read -r arg want <<<"$c"
        run "$PARKIT" count "$arg" --format csv
        [ "$RC" = 0 ] && [ "$(col "$OUT" result)" = "$want" ] && ok || bad "count $arg: rc=$RC result=$(col "$OUT" result) $ERR"
    done
    expect_error 2 'too large' "$PARKIT" count 2e99999999999999999999
    expect_error 2 'missing command' "$PARKIT"
    # a 100 KB path: one line that still ends with the reason
    local long; long=$TMP/$(head -c 100000 /dev/zero | tr '\0' a)/x.csv
    run "$PARKIT" count 10 --results "$long"
    [ "$RC" = 2 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] && [ "${#ERR}" -lt 1100 ] &&
        [[ "$ERR" == "parkit: --results "* ]] && [[ "$ERR" == *": cannot append: File name too long" ]] && ok ||
        bad "a 100 KB path's message: ${#ERR} chars, ends '${ERR: -60}'"
    # every command that echoes a path keeps the reason: a 2 KB path to a missing file
    local deep; deep=$TMP/$(python3 -c "print('/'.join(['d' * 200] * 10))")/x
    for c in "sum --file $deep" "primorial 10 --output $deep" "count 1 --results $deep"; do
        # shellcheck disable=SC2086
        run "$PARKIT" $c
        [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] && [[ "$ERR" == *"No such file or directory" ]] && ok ||
            bad "parkit ${c:0:20}... (2 KB path): the reason is cut: '${ERR: -80}'"
    done
}

# every option a command lists does something; the others are refused
group_options_apply() {
    for o in "--repeat 3" "--warmup 1" "--results $TMP/w.csv" "--schedule static" "--progress"; do
        # shellcheck disable=SC2086
        expect_error 2 "where: ${o%% *} does not apply" "$PARKIT" where $o
    done
    "$PARKIT" where --help | grep -qE -- '--repeat|--results|--schedule' && bad "where --help lists options it refuses" || ok
    run "$PARKIT" where --threads 2 --format csv
    [ "$(head -1 <<<"$OUT")" = host,rank,ranks,thread,threads,cpu,affinity ] && [ "$(wc -l <<<"$OUT")" = 3 ] && ok ||
        bad "where --format csv: $OUT"
    run "$PARKIT" where --threads 2 --format json
    [ "$(jq -s 'length' <<<"$OUT")" = 2 ] && [ "$(jq -s '[.[].threads] | unique' -c <<<"$OUT")" = "[2]" ] && ok ||
        bad "where --format json: $OUT"
    # isprime: every verdict, however many numbers
    mapfile -t nums < <(seq 1 12345)
    run "$PARKIT" isprime "${nums[@]}" --format json
    [ "$(jq '.details.verdicts | length' <<<"$OUT")" = 12345 ] &&
        [ "$(jq '[.details.verdicts[] | select(. == "prime")] | length' <<<"$OUT")" = "$(jq -r .result <<<"$OUT")" ] && ok ||
        bad "isprime with 12345 numbers: $(jq '.details.verdicts | length' <<<"$OUT") verdicts"
}

"group_$GROUP"
summary
