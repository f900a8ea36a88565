#!/usr/bin/env bash
# CI, as an ordinary user: the README's two commands (the tests, here under ASan + UBSan, and
# the demo) from a clone the user owns, with no root and no OMPI_ALLOW_RUN_AS_ROOT.  Checks
# that need root (mount or network namespaces, munge/slurmd) are reported as skipped, with
# their reason, by tests/run.sh.
#   tests/ci-nonroot.sh [USER]     (as root: creates USER, default pkci, when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
U=${1:-pkci}
steps='bash tests/run.sh --sanitize -LE slurm && bash jobs/demo.sh --quick'
if [ "$(id -u)" != 0 ]; then
    echo "ci-nonroot: already an ordinary user ($(id -un)): running in $ROOT"
    cd "$ROOT" && exec bash -c "$steps"
fi
id "$U" >/dev/null 2>&1 || useradd -m "$U"
H=$(getent passwd "$U" | cut -d: -f6)
rm -rf "${H:?}/parkit"
git clone -q "$ROOT" "$H/parkit"
chown -R "$U:" "$H/parkit"
echo "ci-nonroot: as $U in $H/parkit: $steps"
runuser -u "$U" -- env -u OMPI_ALLOW_RUN_AS_ROOT -u OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
    HOME="$H" bash -c "cd ~/parkit && $steps"
