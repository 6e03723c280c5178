#!/usr/bin/env bash
# Framing cost of our ESP over the raw BearSSL primitives, in instructions: deterministic, so
# unlike bench_esp's timings it does not move with the load on this shared machine.
# Runs bench_esp under callgrind once per suite and size, counting instructions inside
# bench_ours_op (seal+open) and bench_raw_op (the same crypto without ESP framing).
#   tests/bench/framing.sh [BUILD_DIR] [OPS]        (defaults: build, 50)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "${1:-}" in --help | -h)
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
build=${1:-$root/build}
ops=${2:-50}
bench=$build/tests/bench/bench_esp
[ -x "$bench" ] || { echo "framing.sh: no $bench (build first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "framing.sh: needs valgrind" >&2; exit 1; }
count() { # suite size function -> instructions per op
    local out
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$3" \
        "$bench" --icount-ops "$ops" --suite "$1" --sizes "$2" 2>&1 | grep 'Collected' |
        awk '{print $4}')
    echo $((out / ops))
}
printf '%-25s %6s %12s %12s %9s\n' suite bytes "ours instr" "raw instr" framing
for suite in AES_128_GCM_SHA256 CHACHA20_POLY1305_SHA256 AES_128_CBC_SHA AES_128_CBC_SHA256 \
    3DES_EDE_CBC_SHA NULL_SHA NULL_SHA256; do
    for size in 64 512 1400 8192; do
        o=$(count $suite $size bench_ours_op)
        r=$(count $suite $size bench_raw_op)
        awk -v s=$suite -v z=$size -v o=$o -v r=$r \
            'BEGIN { printf "%-25s %6d %12d %12d %8.1f%%\n", s, z, o, r, (o / r - 1) * 100 }'
    done
done
