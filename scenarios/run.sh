#!/usr/bin/env bash
# The main job. Installs what is missing, builds, and runs the project's headline run,
# writing its outputs to out/ (or $1).
#
# Today that is the ESP data-path benchmark (every suite, 64-8192 octet packets, next to raw
# BearSSL and OpenSSL EVP) with a summary and a plot. It becomes the default ns-3 handover
# scenario (pcaps, summary, plot) when port-ns3 lands (see README.md).
#   scenarios/run.sh [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
--help | -h)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
out=${1:-$root/out}
mkdir -p "$out"
"$root/tests/setup.sh"
build=${MIP6TLS_BUILD_DIR:-$root/build}

echo "== ESP seal+open benchmark (about a minute)"
"$build/tests/bench/bench_esp" --seconds "${BENCH_SECONDS:-0.4}" --csv "$out/bench_esp.csv" |
    tee "$out/bench_esp.txt"

# Throughput per suite at each size, as a PNG.
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
awk -F, '$1=="AES_128_GCM_SHA256" && $2==1400 {
    printf "summary: AES-128-GCM ESP at 1400 B: %.0f ns per seal+open, %.2fx OpenSSL EVP, framing %+.1f%% over raw BearSSL\n", $3, $7, $6*100 }' \
    "$out/bench_esp.csv"
