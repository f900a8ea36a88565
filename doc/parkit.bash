# bash completion for parkit                                      -*- shell-script -*-
# shellcheck shell=bash
# Installed as share/bash-completion/completions/parkit (loaded on demand by bash-completion),
# or source it from ~/.bashrc.  Needs nothing but bash itself.
#
# What it offers comes from the parkit being completed, so it always matches that binary:
# the commands from `parkit --help`, a command's options from `parkit CMD --help` (run only
# for a CMD that `parkit --help` lists), and for an option's value the choices its help line
# lists ("--dtype i64|f64", or "serial | omp | mpi | hybrid" at the start of the description),
# file names for FILE, PATH and LIST arguments and folders for DIR.

# _parkit_options EXE CMD: one line per option of `EXE CMD --help`:
#   "LONG SHORT ARG VALUES"  (SHORT, ARG: "-" when none; VALUES: comma-separated or "-")
_parkit_options() {
    local line names desc long short arg values w
    while IFS= read -r line; do
        [[ $line =~ ^\ +(-.*)$ ]] || continue
        line=${BASH_REMATCH[1]}
        names=${line%%  *}
        desc=${line#"$names"}
        desc=${desc#"${desc%%[! ]*}"}
        short=- arg=- values=-
        if [[ $names =~ ^(-[A-Za-z0-9]),\ (.*)$ ]]; then
            short=${BASH_REMATCH[1]}
            names=${BASH_REMATCH[2]}
        fi
        if [[ $names == *", --"* ]]; then   # "--progress, --no-progress": flags
            for w in ${names//,/ }; do echo "$w - - -"; done
            continue
        fi
        long=${names%% *}
        [[ $long == --* ]] || continue
        [[ $names == *" "* ]] && arg=${names#* }
        if [[ $arg == *"|"* ]]; then
            values=${arg//|/,}
        elif [[ $arg != - && $desc =~ ^([A-Za-z0-9_]+( \| [A-Za-z0-9_]+)+) ]]; then
            values=${BASH_REMATCH[1]//" | "/,}
        fi
        echo "$long $short ${arg// /_} $values"
    done < <("$1" "$2" --help 2>/dev/null)
}

_parkit() {
    COMPREPLY=()
    local cur=${COMP_WORDS[COMP_CWORD]} prev="" exe=${COMP_WORDS[0]} cmd="" i
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # "--format=cs": bash splits the word at '='
    if [[ $cur == "=" ]]; then
        cur="" prev=${COMP_WORDS[COMP_CWORD - 1]}
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    # shellcheck disable=SC2088   # the literal "~/" the user typed
    [[ $exe == "~/"* ]] && exe=$HOME/${exe#"~/"}
    command -v -- "$exe" >/dev/null 2>&1 || return 0

    local commands
    commands=$("$exe" --help 2>/dev/null | while IFS= read -r i; do
        [[ $i =~ ^\ \ ([a-z][a-z0-9-]*)\ \  ]] && echo "${BASH_REMATCH[1]}"
    done)
    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
        return 0
    fi
    for i in $commands; do
        [[ ${COMP_WORDS[1]} == "$i" ]] && cmd=$i
    done
    [[ -n $cmd ]] || return 0

    local long short arg values
    if [[ $prev == -* ]]; then   # the value of an option?
        while read -r long short arg values; do
            [[ $prev == "$long" || $prev == "$short" ]] || continue
            [[ $arg == - ]] && break   # a flag: complete as usual below
            if [[ $values != - ]]; then
                mapfile -t COMPREPLY < <(compgen -W "${values//,/ }" -- "$cur")
            else
                case $arg in
                    DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
                    FILE | PATH | LIST) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
                esac
                compopt -o filenames 2>/dev/null
            fi
            return 0
        done < <(_parkit_options "$exe" "$cmd")
    fi
    if [[ $cur == -* ]]; then
        local all=""
        while read -r long short arg values; do all+="$long "; done < <(_parkit_options "$exe" "$cmd")
        mapfile -t COMPREPLY < <(compgen -W "$all" -- "$cur")
    fi
    return 0
}
complete -F _parkit parkit
