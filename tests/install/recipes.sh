#!/usr/bin/env bash
# The packaging recipes stay buildable as far as can be checked without Spack or EasyBuild:
# both parse as Python (an easyconfig is Python syntax), and every CMake option they pass
# (-DNAME, Spack's define("NAME") / define_from_variant("NAME")) is an option() or cache
# variable of the CMake sources -- so renaming an option fails here first.
#   recipes.sh SOURCE_DIR [PYTHON3]
set -euo pipefail
SRC=${1:?usage: $0 SOURCE_DIR [PYTHON3]}
PY=${2:-python3}
SPACK=$SRC/packaging/spack/packages/parkit/package.py
EB=$SRC/packaging/easybuild/parkit-0.1.0-foss-2023a.eb
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL - $*"; fail=1; }

for f in "$SPACK" "$EB"; do
    [ -f "$f" ] || { bad "missing recipe $f"; continue; }
    # compiled into the scratch folder, not a __pycache__ beside the recipe
    if "$PY" -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
        "$f" "$TMP/out.pyc"; then
        echo "ok - parses as Python: ${f#"$SRC"/}"
    else
        bad "does not parse as Python: ${f#"$SRC"/}"
    fi
done

# what the CMake sources define: option(NAME ...) and set(NAME ... CACHE ...); BUILD_TESTING
# is include(CTest)'s option
mapfile -t cmake_files < <(cd "$SRC" && find . -path './build*' -prune -o \
    \( -name CMakeLists.txt -o -name '*.cmake' \) -type f -print)
cat_cmake() { (cd "$SRC" && cat "${cmake_files[@]}"); }
defined=$(cat_cmake | grep -oE '^[[:space:]]*(option|set)\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[^)]*' |
    awk '$0 ~ /^[[:space:]]*option\(/ || $0 ~ /CACHE/' |
    sed -E 's/^[[:space:]]*(option|set)\([[:space:]]*([A-Za-z_][A-Za-z0-9_]*).*/\2/' | sort -u)
cat_cmake | grep -qE '^[[:space:]]*include\(CTest\)' && defined=$(printf '%s\nBUILD_TESTING\n' "$defined" | sort -u)

# what the recipes pass
passed() {
    { grep -oE -- '-D[A-Za-z_][A-Za-z0-9_]*' "$1" || true; } | sed 's/^-D//'
    { grep -oE 'define(_from_variant)?\([[:space:]]*"[A-Za-z_][A-Za-z0-9_]*"' "$1" || true; } | sed -E 's/.*"(.*)"/\1/'
}
for f in "$SPACK" "$EB"; do
    [ -f "$f" ] || continue
    names=$(passed "$f" | sort -u)
    [ -n "$names" ] || bad "${f#"$SRC"/}: no CMake options found"
    for n in $names; do
        case $n in CMAKE_*) continue ;; esac   # CMake's own variables
        if grep -qx "$n" <<<"$defined"; then
            echo "ok - ${f#"$SRC"/}: $n is a CMake option"
        else
            bad "${f#"$SRC"/} passes -D$n, but no option()/cache variable $n is in the CMake sources"
        fi
    done
done
exit "$fail"
