#!/usr/bin/env bash
# The man page documents what --help says, and no more: every command of `parkit --help` and
# every long option of `parkit CMD --help`, section by section, is a tag (.TP) in the man page
# section of the same name, with its short form when it has one; and every option tag of the
# man page is still in the --help section it belongs to.
#   man_sync.sh PARKIT MANPAGE
# Sections: "run options" -> .SH RUN OPTIONS, "output options" -> .SH OUTPUT OPTIONS,
# "CMD options" -> .SS CMD under .SH COMMAND OPTIONS.  An optional command the binary does
# not list (fetch, in a build without libcurl) is not checked in reverse; any other is an error.
set -euo pipefail
PARKIT=${1:?usage: $0 PARKIT MANPAGE}
MAN=${2:?usage: $0 PARKIT MANPAGE}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL - $*"; fail=1; }

# ---- what --help says: "SECTION<TAB>--long<TAB>-s" lines (short form or empty)
"$PARKIT" --help >"$TMP/help" || { bad "parkit --help exited $?"; exit 1; }
mapfile -t commands < <(awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' "$TMP/help")
[ "${#commands[@]}" -gt 0 ] || { bad "no commands found in parkit --help"; exit 1; }
OPTIONAL=" fetch "
listed=("${commands[@]}")
commands=()
for c in "${listed[@]}"; do
    if ! "$PARKIT" "$c" --help >"$TMP/help.$c" 2>"$TMP/err.$c"; then
        if [[ "$OPTIONAL" == *" $c "* ]]; then   # listed, but this build has it not
            echo "note: parkit $c --help: $(head -1 "$TMP/err.$c")" >&2
        else
            bad "parkit $c --help failed: $(head -1 "$TMP/err.$c")" >&2
        fi
        continue
    fi
    commands+=("$c")
    # option lines: indented, starting with '-'; the names end at the first run of two spaces
    awk -v cmd="$c" '
        /^[a-z][a-z ]* options:$/ { sec = $0; sub(/:$/, "", sec); next }
        /^$/ { sec = ""; next }
        sec != "" && /^ +-/ {
            line = $0; sub(/^ +/, "", line); sub(/  .*/, "", line)
            short = ""
            if (match(line, /^-[A-Za-z0-9],/)) short = substr(line, 1, 2)
            while (match(line, /--[A-Za-z0-9][-A-Za-z0-9]*/)) {
                print cmd "\t" sec "\t" substr(line, RSTART, RLENGTH) "\t" short
                line = substr(line, RSTART + RLENGTH); short = ""
            }
        }' "$TMP/help.$c"
done >"$TMP/help.opts"
[ -s "$TMP/help.opts" ] || { bad "no options found in any --help"; exit 1; }

# ---- what the man page says: "SECTION<TAB>--long<TAB>-s" for every option in a .TP tag,
# and the commands (first word of the tags under COMMANDS)
awk '
    function unq(s) { gsub(/"/, "", s); gsub(/\\-/, "-", s); gsub(/\\f[BIRP]/, "", s); return s }
    /^\.SH / { sh = unq(substr($0, 5)); ss = ""; next }
    /^\.SS / { ss = unq(substr($0, 5)); next }
    /^\.TP/ { tag = 1; next }
    tag {
        tag = 0
        line = unq($0); sub(/^\.[A-Z]+ +/, "", line)
        if (sh == "COMMANDS") { split(line, w, " "); print "command\t" w[1]; next }
        if (sh == "RUN OPTIONS") sec = "run options"
        else if (sh == "OUTPUT OPTIONS") sec = "output options"
        else if (sh == "COMMAND OPTIONS" && ss != "") sec = ss " options"
        else next
        short = ""
        if (match(line, /^-[A-Za-z0-9] *,/)) short = substr(line, 1, 2)
        while (match(line, /--[A-Za-z0-9][-A-Za-z0-9]*/)) {
            print "option\t" sec "\t" substr(line, RSTART, RLENGTH) "\t" short
            line = substr(line, RSTART + RLENGTH); short = ""
        }
    }' "$MAN" >"$TMP/man.all"
awk -F'\t' '$1 == "command" { print $2 }' "$TMP/man.all" | sort -u >"$TMP/man.commands"
awk -F'\t' -v OFS='\t' '$1 == "option" { print $2, $3, $4 }' "$TMP/man.all" | sort -u >"$TMP/man.opts"
[ -s "$TMP/man.opts" ] || { bad "no option tags found in $MAN"; exit 1; }

# ---- commands, both ways
printf '%s\n' "${commands[@]}" | sort -u >"$TMP/help.commands"
while read -r c; do bad "command $c (parkit --help) is not in the man page's COMMANDS"; done \
    < <(comm -23 "$TMP/help.commands" "$TMP/man.commands")
known_elsewhere=$(comm -13 "$TMP/help.commands" "$TMP/man.commands" | tr '\n' ' ')
for c in $known_elsewhere; do
    [[ "$OPTIONAL" == *" $c "* ]] || bad "command $c is in the man page's COMMANDS but not in parkit --help"
done

# ---- --help -> man: every option, in its section, with its short form
checked=0
while IFS=$'\t' read -r cmd sec opt short; do
    checked=$((checked + 1))
    line=$(awk -F'\t' -v s="$sec" -v o="$opt" '$1 == s && $2 == o' "$TMP/man.opts" | head -1)
    if [ -z "$line" ]; then
        bad "$opt (parkit $cmd --help, $sec) is not in the man page's section for \"$sec\""
    elif [ -n "$short" ] && [ "$(cut -f3 <<<"$line")" != "$short" ]; then
        bad "$opt (parkit $cmd --help, $sec): short form $short missing from the man page tag"
    fi
done <"$TMP/help.opts"

# ---- man -> --help: every option tag is still in that section of some command's help
while IFS=$'\t' read -r sec opt _; do
    case $sec in
        "run options" | "output options") ;;
        *)
            c=${sec% options}
            if [[ " $known_elsewhere " == *" $c "* ]] && ! grep -qx "$c" "$TMP/help.commands"; then
                continue   # a command this build does not have
            fi ;;
    esac
    awk -F'\t' -v s="$sec" -v o="$opt" '$2 == s && $3 == o { found = 1 } END { exit !found }' "$TMP/help.opts" ||
        bad "$opt is in the man page's \"$sec\" but no longer in any parkit --help's \"$sec\""
done <"$TMP/man.opts"

[ -n "$known_elsewhere" ] && echo "note: commands in the man page that this build does not list: $known_elsewhere"
echo "man_sync: ${#commands[@]} commands, $checked --help options, $(wc -l <"$TMP/man.opts") man page option tags checked"
exit "$fail"
