#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, runs every ctest test (unit
# tests, fuzz-corpus replays, scenario and pcap checks as they exist), then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests and corpus replays
# there. Ends with one "N passed, N failed" line.
#   tests/run.sh [--quick]     --quick: skip the sanitizer build
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
case "${1:-}" in
--help | -h)
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
--quick) quick=1 ;;
"") ;;
*)
    echo "tests/run.sh: unknown option $1 (try --help)" >&2
    exit 2
    ;;
esac

"$root/tests/setup.sh"
passed=0
failed=0
run_ctest() { # build-dir label-args...
    local dir=$1 log
    shift
    log=$(mktemp)
    if (cd "$dir" && ctest --output-on-failure -j"$(nproc)" "$@") | tee "$log"; then :; fi
    local p f
    p=$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' "$log" | awk '{print $6-$1}' | tail -1)
    f=$(grep -Eo '[0-9]+ tests? failed out of' "$log" | awk '{print $1}' | tail -1)
    if [ -z "$p" ]; then # ctest ran nothing or crashed
        f=$((f + 1))
        p=0
    fi
    passed=$((passed + p))
    failed=$((failed + ${f:-0}))
    rm -f "$log"
}

echo "== tests (RelWithDebInfo, -Werror)"
run_ctest "${MIP6TLS_BUILD_DIR:-$root/build}"

if [ $quick = 0 ]; then
    echo "== unit tests and corpus replays under ASan+UBSan"
    asan="$root/build-asan"
    MIP6TLS_BUILD_DIR=$asan MIP6TLS_CMAKE_ARGS="-DMIP6TLS_SANITIZE=address,undefined \
-DMIP6TLS_BUILD_BENCH=OFF -DMIP6TLS_BUILD_NS3=OFF -DCMAKE_BUILD_TYPE=Debug" \
        "$root/tests/setup.sh"
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
        run_ctest "$asan" -L 'unit|fuzz-replay'
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
