#!/bin/sh
# bench.sh: the many-nodes wall-time benchmark (README.md, "Benchmark"). Not a ctest test:
# it prints figures. Runs many-nodes at each size for DURATION simulated seconds (defaults:
# 25, 50, 100, 200 MNs x 60 s, 4 networks, seed 1, no plot) and prints a table of the wall
# and CPU time, both per MN with their ratios to the smallest size's (the baseline, measured
# in the same run), then the 100-MN wall time against the 60 s goal.
#   bench.sh PATH/TO/many-nodes OUT_DIR [--sizes="25 50 100 200"] [--duration=60]
#   cmake --build BUILD --target bench-many-nodes      (the same, OUT_DIR in BUILD/scenarios)
set -eu
case "${1:-}" in
--help | -h | "")
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 2
    ;;
esac
prog=$1
out=${2:?usage: bench.sh PATH/TO/many-nodes OUT_DIR (try --help)}
shift 2
sizes="25 50 100 200"
duration=60
for a in "$@"; do
    case "$a" in
    --sizes=*) sizes=${a#--sizes=} ;;
    --duration=*) duration=${a#--duration=} ;;
    *)
        echo "bench.sh: unknown option $a (try --help)" >&2
        exit 2
        ;;
    esac
done
[ -x "$prog" ] || { echo "bench.sh: $prog is not an executable" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench.sh: needs jq" >&2; exit 2; }
mkdir -p "$out"
now() { date +%s.%N; }
# CPU seconds (user + system) of the finished children so far, from this shell's `times`
# (in the shell itself: a $(...) subshell has children of its own).
cpu() {
    times >"$out/.times"
    awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
                   print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$out/.times"
}

echo "many-nodes wall time, $duration s simulated, 4 access networks, seed 1," \
    "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%5s %6s %6s %5s %8s %9s %8s %7s %6s %7s %6s %8s\n' MNs moves BUs homes "run (s)" \
    "total(s)" "cpu (s)" "ms/MN" ratio cpu/MN ratio sim/wall
base=""
goal=""
for n in $sizes; do
    dir=$out/n$n
    rm -rf "$dir"
    cpu >"$out/.c0"
    t0=$(now)
    "$prog" --nodes="$n" --duration="$duration" --seed=1 --plot=false --out="$dir" \
        >"$dir.log" 2>&1 || {
        tail -5 "$dir.log"
        echo "bench.sh: many-nodes --nodes=$n failed (log: $dir.log)" >&2
        exit 1
    }
    t1=$(now)
    cpu >"$out/.c1"
    c0=$(cat "$out/.c0")
    c1=$(cat "$out/.c1")
    s=$dir/summary.json
    [ "$(jq -r ".registered == $n" "$s")" = true ] ||
        { echo "bench.sh: not every MN registered at $n (see $s)" >&2; exit 1; }
    total=$(awk "BEGIN { print $t1 - $t0 }")
    per=$(awk "BEGIN { print 1000 * $total / $n }")
    cpu=$(awk "BEGIN { print $c1 - $c0 }")
    cper=$(awk "BEGIN { print 1000 * $cpu / $n }")
    [ -n "$base" ] || { base=$per; cbase=$cper; }
    [ "$n" = 100 ] && goal=$total
    printf '%5d %6d %6d %5d %8.2f %9.2f %8.2f %7.2f %6.2f %7.2f %6.2f %8.1f\n' "$n" \
        "$(jq .moves "$s")" "$(jq .bu.sent "$s")" "$(jq .home_applications "$s")" \
        "$(jq .wall_s.run "$s")" "$total" "$cpu" "$per" "$(awk "BEGIN { print $per / $base }")" \
        "$cper" "$(awk "BEGIN { print $cper / $cbase }")" \
        "$(awk "BEGIN { print $duration / $total }")"
done
echo "(total: wall time of the whole process; run: of Simulator::Run; cpu: user + system"
echo " of the process; ms/MN, cpu/MN: total and cpu in ms per MN, each with its ratio to the"
echo " first row's, the baseline of this run; sim/wall: simulated s per wall s)"
if [ -n "$goal" ] && [ "$duration" = 60 ]; then
    if awk "BEGIN { exit !($goal < 60) }"; then
        printf 'goal: 100 MNs x 60 s in %.2f s wall, under 60 s\n' "$goal"
    else
        printf 'goal: 100 MNs x 60 s took %.2f s wall, OVER the 60 s goal\n' "$goal"
        exit 1
    fi
fi
