#!/usr/bin/env bash
# drivers/gitstamp.cmake reads the commit of a source tree owned by another user, which git
# itself refuses (safe.directory): the tree is chowned to nobody when run as root, else git is
# told to assume another owner (GIT_TEST_ASSUME_DIFFERENT_OWNER, git's own test switch).
#   gitstamp_owner.sh CMAKE GIT GITSTAMP_CMAKE
set -euo pipefail
CMAKE=${1:?usage: $0 CMAKE GIT GITSTAMP_CMAKE}
GIT=${2:?usage: $0 CMAKE GIT GITSTAMP_CMAKE}
STAMP=${3:?usage: $0 CMAKE GIT GITSTAMP_CMAKE}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
fail=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1"; fail=1; }

src=$TMP/src
mkdir "$src"
echo one >"$src/a.txt"
"$GIT" -C "$src" init -q
"$GIT" -C "$src" -c user.name=t -c user.email=t@localhost add a.txt
"$GIT" -C "$src" -c user.name=t -c user.email=t@localhost commit -q -m one
want=$("$GIT" -C "$src" rev-parse --short=12 HEAD)
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chown -R nobody "$src"
    how="owned by nobody"
else
    export GIT_TEST_ASSUME_DIFFERENT_OWNER=1
    how="GIT_TEST_ASSUME_DIFFERENT_OWNER=1"
fi
# the situation is real: git alone refuses the tree
if (cd "$src" && "$GIT" rev-parse HEAD >/dev/null 2>&1); then
    echo "SKIP: git reads a tree of another owner without safe.directory here ($how)"
    exit 77
fi
ok "git alone refuses the tree ($how)"

stamp() { "$CMAKE" -DGIT="$GIT" -DSRC="$src" -DOUT="$TMP/pk_git.h" -P "$STAMP" && cat "$TMP/pk_git.h"; }
got=$(stamp)
if [ "$got" = "#define PK_GIT_COMMIT \"$want\"" ]; then ok "commit read: $want"; else bad "expected commit $want, got: $got"; fi
echo two >"$src/a.txt"
got=$(stamp)
if [ "$got" = "#define PK_GIT_COMMIT \"$want-dirty\"" ]; then ok "changed tree: $want-dirty"; else bad "expected $want-dirty, got: $got"; fi
# through a symbolic link to the tree (safe.directory compares the real path)
ln -s "$src" "$TMP/link"
got=$("$CMAKE" -DGIT="$GIT" -DSRC="$TMP/link" -DOUT="$TMP/pk_git2.h" -P "$STAMP" && cat "$TMP/pk_git2.h")
if [ "$got" = "#define PK_GIT_COMMIT \"$want-dirty\"" ]; then ok "through a symlink: $want-dirty"; else bad "through a symlink: expected $want-dirty, got: $got"; fi
exit "$fail"
