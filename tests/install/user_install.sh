#!/usr/bin/env bash
# A prefix install by an ordinary user, used after its build and source folders are gone:
# the source tree is copied where the user owns it, configured, built, installed with
# `cmake --install build --prefix P`, both folders deleted, and then P/bin/parkit (--version
# as the tested build's, a verified run), the man page, the bash completion, a job script, the
# model and the plots are used from P alone.
#   user_install.sh SOURCE_DIR CMAKE [REFERENCE_PARKIT]
# As root the user is a throw-away system account (pkinstall, created when missing); as
# anyone else, that user.  Exit 77 (skipped) when root and no such account can be made.
# PK_INSTALL_KEEP=1 keeps the scratch folder.
set -euo pipefail

if [ "${1:-}" = --as-user ]; then   # ---- the part that runs as the user (below)
    shift
    stage=$1 W=$2 CMAKE=$3
    P=$W/prefix
    fail=0
    ok() { echo "ok - $1"; }
    bad() { echo "FAIL - $1"; fail=1; }
    case $stage in
    build)
        jobs=$(nproc)
        start=$(date +%s)
        "$CMAKE" -S "$W/src" -B "$W/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$W/configure.log" 2>&1 ||
            { tail -30 "$W/configure.log"; exit 1; }
        "$CMAKE" --build "$W/build" -j"$jobs" >"$W/build.log" 2>&1 || { tail -30 "$W/build.log"; exit 1; }
        "$CMAKE" --install "$W/build" --prefix "$P" >"$W/install.log" 2>&1 || { tail -30 "$W/install.log"; exit 1; }
        echo "ok - configured, built (-j$jobs) and installed as $(id -un) in $(($(date +%s) - start)) s"
        sed "s|$P/|P/|" "$W/install.log" | grep -E 'Installing|Up-to-date' | sed 's/^/    /'
        ;;
    check)
        ref_version=$4
        cd "$W/run"
        # nothing of the install may point into the deleted build or source folders
        if grep -rlF -e "$W/build" -e "$W/src" "$P" >"$W/leaks" 2>/dev/null; then
            bad "installed files name the build or source folder: $(tr '\n' ' ' <"$W/leaks")"
        else
            ok "no installed file names the (deleted) build or source folder"
        fi
        # the first line (version and commit) as the tested build's; the rest names flags
        v=$("$P/bin/parkit" --version 2>&1 | head -1) || true
        if [ -n "$ref_version" ] && [ "$v" != "$ref_version" ]; then
            bad "P/bin/parkit --version: \"$v\", the tested build says \"$ref_version\""
        elif [[ $v == "parkit "*" (git "*")" ]]; then
            ok "P/bin/parkit --version: $v"
        else
            bad "P/bin/parkit --version: \"$v\""
        fi
        # parkit fetch runs its helper from P/libexec when the build has it
        if "$P/bin/parkit" --version | grep -q '^ *fetch *built'; then
            if "$P/bin/parkit" fetch --help 2>&1 | grep -q '^usage: parkit fetch'; then
                ok "P/bin/parkit fetch --help (its helper: $(cd "$P" && find . -name parkit-fetch -printf "P/%P"))"
            else
                bad "P/bin/parkit fetch --help: $("$P/bin/parkit" fetch --help 2>&1 | head -3)"
            fi
        fi
        row=$("$P/bin/parkit" primes 1000 --threads 2 --format csv 2>&1 | tail -1) || true
        if [[ $row == primes,1000,*,168,true,* ]]; then ok "P/bin/parkit primes 1000: pi = 168, verified"; else bad "P/bin/parkit primes 1000: $row"; fi

        man1=$P/share/man/man1/parkit.1
        if [ ! -f "$man1" ]; then
            bad "no man page at P/share/man/man1/parkit.1"
        elif command -v man >/dev/null; then
            if MANWIDTH=80 man --warnings -l "$man1" >"$W/man.txt" 2>"$W/man.err" && [ ! -s "$W/man.err" ] &&
                grep -q 'RUN OPTIONS' "$W/man.txt"; then
                ok "man -l P/share/man/man1/parkit.1: renders, no warnings"
            else
                bad "man -l P/share/man/man1/parkit.1: $(head -5 "$W/man.err")"
            fi
            found=$(MANPATH=$P/share/man man -w parkit 2>&1) || true
            if [ "$found" = "$man1" ]; then ok "MANPATH=P/share/man man -w parkit finds it"; else bad "MANPATH=P/share/man man -w parkit: $found"; fi
        else
            echo "note: man (Debian: man-db) not installed: the man page was not rendered"
        fi

        comp=$P/share/bash-completion/completions/parkit
        # shellcheck disable=SC2016   # expanded by the inner bash
        got=$(PATH=$P/bin:$PATH bash -c '. "$1"; COMP_WORDS=(parkit pr); COMP_CWORD=1; _parkit; echo "${COMPREPLY[*]}"
            COMP_WORDS=(parkit sum --dt); COMP_CWORD=2; _parkit; echo "${COMPREPLY[*]}"' completion "$comp" 2>&1) || true
        if [ "$got" = $'primes primorial\n--dtype' ]; then
            ok "completion from P/share/bash-completion: parkit pr<TAB>, parkit sum --dt<TAB>"
        else
            bad "completion from P/share/bash-completion: got \"$got\""
        fi

        # a job script from P/share/parkit, parkit not on PATH: it must find P/bin/parkit
        if KERNEL=count N=1000 THREADS="1 2" REPEAT=1 WARMUP=0 RESULTS=$W/run/sweep.csv \
            "$P/share/parkit/jobs/local/omp-sweep.sh" >"$W/sweep.log" 2>&1 &&
            grep -qF "+ $P/bin/parkit count 1000" "$W/sweep.log" &&
            [ "$(grep -c '^count,1000,.*,1000,true,' "$W/run/sweep.csv")" = 3 ]; then
            ok "P/share/parkit/jobs/local/omp-sweep.sh ran P/bin/parkit: 3 verified rows"
        else
            bad "P/share/parkit/jobs/local/omp-sweep.sh: $(tail -5 "$W/sweep.log")"
        fi
        if python3 "$P/share/parkit/results/model.py" table "$W/run/sweep.csv" 2>&1 | grep -q '| count | 1000 |'; then
            ok "P/share/parkit/results/model.py table on its rows"
        else
            bad "P/share/parkit/results/model.py table failed"
        fi
        if command -v gnuplot >/dev/null; then
            if "$P/share/parkit/results/plot.sh" "$W/run/sweep.csv" "$W/run/plot" >"$W/plot.log" 2>&1 &&
                [ -s "$W/run/plot-strong.png" ]; then
                ok "P/share/parkit/results/plot.sh drew plot-strong.png"
            else
                bad "P/share/parkit/results/plot.sh: $(tail -3 "$W/plot.log")"
            fi
        fi
        for s in "$P"/share/parkit/jobs/slurm/*.sbatch "$P"/share/parkit/jobs/mpirun/*.sh; do
            { [ -x "$s" ] && bash -n "$s"; } || bad "not an executable bash script: ${s#"$P"/}"
        done
        exit "$fail"
        ;;
    esac
    exit 0
fi

# ---- the driver (root or the user itself)
SRC=${1:?usage: $0 SOURCE_DIR CMAKE [REFERENCE_PARKIT]}
CMAKE=${2:?usage: $0 SOURCE_DIR CMAKE [REFERENCE_PARKIT]}
REF=${3:-}
SRC=$(cd "$SRC" && pwd)
USER_NAME=pkinstall
if [ "$(id -u)" = 0 ]; then
    if ! id "$USER_NAME" >/dev/null 2>&1; then
        command -v useradd >/dev/null || { echo "SKIP: root, but no useradd to create the user $USER_NAME"; exit 77; }
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME" ||
            { echo "SKIP: useradd $USER_NAME failed"; exit 77; }
        echo "note: created the system user $USER_NAME"
    fi
    command -v runuser >/dev/null || { echo "SKIP: root, but no runuser (util-linux) to run as $USER_NAME"; exit 77; }
    as_user() { runuser -u "$USER_NAME" -- "$@"; }
else
    USER_NAME=$(id -un)
    as_user() { "$@"; }
fi

W=$(mktemp -d /tmp/pk-install.XXXXXX)
[ "${PK_INSTALL_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
chmod 755 "$W"
mkdir -p "$W/src" "$W/run" "$W/home"

# The tree as it is (committed or not), with its git history so the commit is reported: a
# clone at HEAD, then the working files over it (changed, new, deleted).
git_src() { git -c "safe.directory=$SRC" -C "$SRC" "$@"; }
if command -v git >/dev/null && [ "$(git_src rev-parse --show-toplevel 2>/dev/null)" = "$SRC" ]; then
    git -c "safe.directory=*" clone -q --no-hardlinks --no-checkout "$SRC" "$W/src"
    git -C "$W/src" checkout -q --detach "$(git_src rev-parse HEAD)"
    git_src ls-files -z --cached --others --exclude-standard |
        (cd "$SRC" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$W/src" -xf -
    git_src ls-files -z --deleted | (cd "$W/src" && xargs -0 -r rm -f --)
else
    tar -C "$SRC" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$W/src" -xf -
fi
cp "$0" "$W/user_install.sh"
[ "$(id -u)" = 0 ] && chown -R "$USER_NAME" "$W"
ref_version=""
[ -n "$REF" ] && ref_version=$("$REF" --version | head -1)

# only what a plain login has: no parkit on PATH, a HOME of its own
run_env=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$W/home" "LANG=C.UTF-8" "TMPDIR=$W/run")
as_user "${run_env[@]}" bash "$W/user_install.sh" --as-user build "$W" "$CMAKE"
rm -rf "$W/src" "$W/build"
echo "ok - build and source folders deleted"
as_user "${run_env[@]}" bash "$W/user_install.sh" --as-user check "$W" "$CMAKE" "$ref_version"
