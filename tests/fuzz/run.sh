#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 60) each, growing a scratch copy of its
# seed corpus; new inputs worth keeping can then be copied into tests/fuzz/corpus/<name>/.
#   tests/fuzz/run.sh BUILD_TESTS_DIR CORPUS_DIR [SECONDS]
set -euo pipefail
bin_dir=$1
corpus=$2
secs=${3:-${FUZZ_SECONDS:-60}}
[ -n "$secs" ] || secs=60
status=0
for bin in "$bin_dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    short=${name#fuzz_}
    work="$bin_dir/fuzz-work/$short"
    mkdir -p "$work"
    cp -n "$corpus/$short"/* "$work"/ 2>/dev/null || true
    echo "== $name: ${secs}s, corpus $work"
    if ! "$bin" -max_total_time="$secs" -print_final_stats=1 "$work" "$corpus/$short"; then
        echo "!! $name found a crash (see crash-* in $(pwd))"
        status=1
    fi
done
exit $status
