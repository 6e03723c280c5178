#!/bin/sh
# regen.sh: regenerates the golden captures after an intended change of what the scenarios put
# on the wire (pcaps/README.md). For each scenario of pcaps/manifest (or those named): runs it
# twice with the manifest's arguments, checks that both runs give the same message sequence
# (raw values, so the run is reproducible), copies the capture, its esp_sa and any TLS key log
# into pcaps/SCENARIO/, and prints the file sizes and the BU/BA lines of the new golden.
#   pcaps/regen.sh [SCENARIO...]
# Uses the programs in $MIP6TLS_BUILD_DIR (default build/): scenarios/SCENARIO and
# tests/pcap/mip6tls-pcap-flow; build them first. Review the change with
#   git diff --stat pcaps/ and mip6tls-pcap-flow --compare OLD NEW
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MIP6TLS_BUILD_DIR:-$root/build}
tool=$build/tests/pcap/mip6tls-pcap-flow
case "${1:-}" in
--help | -h)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
-*)
    echo "regen.sh: unknown option $1 (try --help)" >&2
    exit 2
    ;;
esac
[ -x "$tool" ] || {
    echo "regen.sh: $tool is not built (cmake --build $build --target mip6tls-pcap-flow)" >&2
    exit 1
}
for want in "$@"; do
    awk -v s="$want" '$1 == s { found = 1 } END { exit !found }' "$root/pcaps/manifest" || {
        echo "regen.sh: $want is not in pcaps/manifest" >&2
        exit 2
    }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -E '^[a-z]' "$root/pcaps/manifest" | while read -r name capture args; do
    if [ $# -gt 0 ]; then
        case " $* " in *" $name "*) ;; *) continue ;; esac
    fi
    prog=$build/scenarios/$name
    [ -x "$prog" ] || {
        echo "regen.sh: $prog is not built (cmake --build $build --target $name)" >&2
        exit 1
    }
    echo "== $name $args"
    for run in a b; do
        # shellcheck disable=SC2086 # $args is a list of options
        "$prog" $args --out="$tmp/$name-$run" >"$tmp/$name-$run.log" 2>&1 || {
            cat "$tmp/$name-$run.log"
            echo "regen.sh: $name failed" >&2
            exit 1
        }
    done
    "$tool" --strict --compare "$tmp/$name-a/$capture" "$tmp/$name-b/$capture" >"$tmp/cmp" || {
        cat "$tmp/cmp"
        echo "regen.sh: two runs of $name differ: not reproducible, no golden written" >&2
        exit 1
    }
    dest=$root/pcaps/$name
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$tmp/$name-a/$capture" "$tmp/$name-a/esp_sa" "$dest/"
    for k in "$tmp/$name-a/"*keylog*; do
        [ -f "$k" ] && cp "$k" "$dest/"
    done
    for f in "$dest"/*; do
        printf '   %8d  %s\n' "$(wc -c <"$f")" "${f##*/}"
    done
    "$tool" "$dest/$capture" | grep -E ' (BU|BA|BE|BRR|MH type) ' || true
    echo "   $("$tool" "$dest/$capture" | wc -l) lines in all"
done
echo "== total: $(cat "$root"/pcaps/*/* | wc -c) octets of goldens in pcaps/"
