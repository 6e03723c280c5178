#!/usr/bin/env bash
# The main job. Installs what is missing, builds, and runs the default ns-3 scenario,
# wifi-handover: an MN bootstraps with the HAC over TLS, registers with its HA, and moves from
# one Wi-Fi access network to another while a correspondent exchanges packets with its home
# address. Prints a summary and writes pcaps (decryptable with the esp_sa file next to them),
# summary.json and timeline.png to out/wifi-handover (or OUT_DIR).
#   scenarios/run.sh [OUT_DIR] [--seed=N] [--duration=S]   the scenario (defaults: 1, 10)
#   scenarios/run.sh --bench [OUT_DIR]                     the ESP data-path benchmark instead
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=0
out=""
extra=()
for a in "$@"; do
    case "$a" in
    --help | -h)
        sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    --bench) bench=1 ;;
    --seed=* | --duration=*) extra+=("$a") ;;
    -*)
        echo "scenarios/run.sh: unknown option $a (try --help)" >&2
        exit 2
        ;;
    *) out=$a ;;
    esac
done
"$root/tests/setup.sh"
build=${MIP6TLS_BUILD_DIR:-$root/build}

if [ $bench = 1 ]; then
    out=${out:-$root/out/bench}
    mkdir -p "$out"
    echo "== ESP seal+open benchmark (about a minute)"
    "$build/tests/bench/bench_esp" --seconds "${BENCH_SECONDS:-0.4}" --csv "$out/bench_esp.csv" |
        tee "$out/bench_esp.txt"
    awk -F, 'NR > 1 { printf "%s %s %.1f\n", $1, $2, $2 / $3 * 1000 }' "$out/bench_esp.csv" \
        >"$out/bench_esp.dat"
    gnuplot <<GP
set terminal pngcairo size 900,520 noenhanced
set output "$out/bench_esp.png"
set title "mip6tls ESP seal+open throughput per suite (one core)"
set xlabel "packet payload (octets)"
set ylabel "MB/s"
set logscale x 2
set key left top
set grid
suites = system("awk '{print \$1}' $out/bench_esp.dat | uniq | tr '\\\\n' ' '")
plot for [s in suites] sprintf("< awk '\$1==\"%s\"' $out/bench_esp.dat", s) \
     using 2:3 with linespoints title s
GP
    echo "== outputs in $out: bench_esp.txt, bench_esp.csv, bench_esp.png"
    exit 0
fi

out=${out:-$root/out/wifi-handover}
mkdir -p "$out"
prog="$build/scenarios/wifi-handover"
[ -x "$prog" ] || {
    echo "scenarios/run.sh: $prog was not built (is ns-3 installed? see tests/setup.sh)" >&2
    exit 1
}
echo "== wifi-handover (ns-3 $(dpkg-query -W -f='${Version}' libns3-dev 2>/dev/null || echo '?'))"
"$prog" --out="$out" ${extra[@]+"${extra[@]}"}
echo "== outputs in $out:"
ls "$out"
echo "Open the captures in Wireshark with scenarios/common/rfc6618.lua and the esp_sa rows (see"
echo "scenarios/wifi-handover/README.md)."
