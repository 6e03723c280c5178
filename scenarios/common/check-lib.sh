# check-lib.sh: sourced by the scenario checks (scenarios/*/check.sh, check-rekey.sh).
#   run_scenario NAME PROGRAM OUT_DIR LOG_LINES ARGS...
#       runs PROGRAM ARGS --out=OUT_DIR (log in OUT_DIR.log), fails loudly if it fails, shows
#       the last LOG_LINES lines of its log, and sets s (its summary.json) and fail=0
#   check JQ_EXPRESSION DESCRIPTION
#       one assertion on the summary: "ok: ..." or "FAIL: ..." (and fail=1)
run_scenario() {
    name=$1
    prog=$2
    out=$3
    lines=$4
    shift 4
    rm -rf "$out"
    "$prog" "$@" --out="$out" >"$out.log" 2>&1 || {
        cat "$out.log"
        echo "FAIL: $name exited with an error"
        exit 1
    }
    tail -n "$lines" "$out.log"
    s=$out/summary.json
    [ -s "$s" ] || {
        echo "FAIL: no $s"
        exit 1
    }
    fail=0
}

check() {
    if [ "$(jq -r "$1" "$s")" = true ]; then
        echo "ok: $2"
    else
        echo "FAIL: $2 ($1)"
        fail=1
    fi
}
