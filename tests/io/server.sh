# shellcheck shell=bash disable=SC2034  # W, B, PORT are read by the scripts that source this
# Sourced by the io test scripts: a scratch folder $W and pk_testserver on 127.0.0.1 for the
# script's life (it also stops by itself after LIFETIME seconds); $B is its base URL.
#   start_server SERVER LIFETIME NAME [server options...]   ({W} in an option: the folder $W)
start_server() {
    local server=$1 lifetime=$2 name=$3
    shift 3
    W=$(mktemp -d "/tmp/pk-io-$name-XXXXXX")
    SPID=
    trap 'if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; fi; wait 2>/dev/null; rm -rf "$W"' EXIT
    local opts=("${@//\{W\}/$W}")
    "$server" --lifetime "$lifetime" --port-file "$W/port" --log "$W/server.log" "${opts[@]}" >/dev/null &
    SPID=$!
    for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
    [ -s "$W/port" ] || { echo "FAIL - test server did not start"; echo "0 passed, 1 failed"; exit 1; }
    PORT=$(cat "$W/port")
    B="http://127.0.0.1:$PORT"
}
