#!/usr/bin/env bash
# The bash completion (doc/parkit.bash, installed as share/bash-completion/completions/parkit)
# in a non-interactive bash: COMP_WORDS / COMP_CWORD are set as bash would, _parkit is called,
# and COMPREPLY is compared with what parkit's --help lists.
#   completion.sh COMPLETION_FILE PARKIT
set -uo pipefail
COMPLETION=${1:?usage: $0 COMPLETION_FILE PARKIT}
PARKIT=${2:?usage: $0 COMPLETION_FILE PARKIT}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# `parkit` on PATH is the binary under test, as a user would type it
mkdir "$TMP/bin"
ln -s "$(cd "$(dirname "$PARKIT")" && pwd)/$(basename "$PARKIT")" "$TMP/bin/parkit"
PATH=$TMP/bin:$PATH
# shellcheck source=/dev/null
. "$COMPLETION" || { echo "FAIL - sourcing $COMPLETION"; exit 1; }
[ "$(complete -p parkit 2>/dev/null)" = "complete -F _parkit parkit" ] ||
    { echo "FAIL - no 'complete -F _parkit parkit' after sourcing $COMPLETION"; exit 1; }

pass=0
fail=0
# expect "WORDS..." "EXPECTED (sorted, space-separated)": the last word is the one completed
expect() {
    local -a COMP_WORDS COMPREPLY=()
    local COMP_CWORD got
    read -r -a COMP_WORDS <<<"$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")   # a trailing space: completing a new, empty word
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _parkit parkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
    got=${got% }
    if [ "$got" = "$2" ]; then
        pass=$((pass + 1)); echo "ok - '$1<TAB>' -> $2"
    else
        fail=$((fail + 1)); echo "FAIL - '$1<TAB>': expected [$2], got [$got]"
    fi
}

cd "$TMP" || exit 1
mkdir -p data/sub dl-dir
: >data/a.bin
: >data/b.bin
: >dl-file

commands=$(parkit --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' | sort | tr '\n' ' ')
expect "parkit " "--help --version ${commands% }"
expect "parkit pr" "primes primorial"
expect "parkit sum --dt" "--dtype"
expect "parkit sum --dtype " "f64 i64"
expect "parkit sum 1e6 --dtype f" "f64"
expect "parkit sum --distribute " "local scatter"
expect "parkit count --mode " "hybrid mpi omp serial"
expect "parkit count -m s" "serial"
expect "parkit count --format c" "csv"
expect "parkit count -f " "csv json text"
expect "parkit count 10 --format = j" "json"
expect "parkit count --schedule " "dynamic guided static"
expect "parkit primes --algo " "auto lmo naive sieve trial"
expect "parkit primorial --algo t" "trial"
expect "parkit fetch --engine " "multi pool seq"
expect "parkit primes --fr" "--from"
expect "parkit count --thr" "--threads"
expect "parkit count --threads " ""
expect "parkit count --progress " ""
expect "parkit where --re" ""
expect "parkit where --m" "--mode"
expect "parkit fetch --max-r" "--max-redirs"
expect "parkit sum --file data/" "data/a.bin data/b.bin data/sub"
expect "parkit primorial --output dl" "dl-dir dl-file"
expect "parkit count --results data/a" "data/a.bin"
expect "parkit fetch -o dl" "dl-dir"
expect "parkit fetch --input data/b" "data/b.bin"
expect "parkit nosuch --" ""
expect "parkit count 1e9 " ""

echo "completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
