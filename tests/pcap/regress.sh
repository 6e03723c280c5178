#!/bin/sh
# regress.sh: the ctest pcap.regress.SCENARIO. Runs SCENARIO with the arguments of its golden
# (PCAPS_DIR/manifest) into WORK_DIR/fresh and compares the fresh capture with the golden one,
# each decrypted with its own esp_sa (docs/testing.md, "Pcap regression tests").
#   regress.sh PATH/TO/mip6tls-pcap-flow PATH/TO/SCENARIO PCAPS_DIR SCENARIO WORK_DIR
set -eu
tool=$1
prog=$2
pcaps=$3
name=$4
work=$5
line=$(awk -v s="$name" '$1 == s' "$pcaps/manifest")
[ -n "$line" ] || {
    echo "FAIL: $name has no line in $pcaps/manifest"
    exit 1
}
# shellcheck disable=SC2086 # split into scenario, capture, arguments...
set -- $line
capture=$2
shift 2
golden=$pcaps/$name/$capture
if [ ! -s "$golden" ] || [ ! -s "$pcaps/$name/esp_sa" ]; then
    echo "FAIL: no golden $golden (or its esp_sa): run pcaps/regen.sh $name"
    exit 1
fi
rm -rf "$work"
mkdir -p "$work"
echo "$name $*"
"$prog" "$@" --out="$work/fresh" >"$work/fresh.log" 2>&1 || {
    cat "$work/fresh.log"
    echo "FAIL: $name exited with an error"
    exit 1
}
if "$tool" --compare "$golden" "$work/fresh/$capture"; then
    echo "ok: $capture matches the golden"
else
    rc=$?
    echo "FAIL: $capture differs from the golden $golden (exit $rc)."
    echo "If the change is intended, regenerate: pcaps/regen.sh $name (see pcaps/README.md)"
    exit 1
fi
