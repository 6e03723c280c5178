#!/usr/bin/env bash
# Installs the Debian packages mip6tls needs (only those missing), then configures and builds
# the tree into $MIP6TLS_BUILD_DIR (default: build/). Idempotent; safe to run again.
#   tests/setup.sh [--no-build]
# Both README commands (scenarios/run.sh, tests/run.sh) start by calling it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MIP6TLS_BUILD_DIR:-$root/build}

if [ "${1:-}" = "--help" ]; then
    sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi

# What the build, tests, benchmarks and (soon) the ns-3 port and POSIX port need. ns-3's CMake
# package needs libgsl-dev next to libns3-dev; OpenSSL (libssl-dev) is linked by the benchmark
# only; clang builds the libFuzzer targets; jq reads the scenarios' summary.json in their checks.
# The POSIX port links libmnl, libinih and SQLite; its netns tests use nftables (NAT), tcpdump,
# ping, the openssl CLI (test PKI) and dnsmasq (DNS SRV; dnsmasq-base: the program without the
# system service that package `dnsmasq` would start on the host).
pkgs=(build-essential cmake pkg-config clang libbearssl-dev libcmocka-dev libssl-dev
      libpcap-dev ns3 libns3-dev libgsl-dev tshark gnuplot-nox jq python3 iproute2
      libmnl-dev libinih-dev libsqlite3-dev nftables tcpdump iputils-ping openssl dnsmasq-base)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || {
            echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
            exit 1
        }
        sudo=sudo
    fi
    # tshark's package asks whether non-root users may capture; answer for it.
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        $sudo debconf-set-selections 2>/dev/null || true
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    echo "setup: packages installed"
fi

[ "${1:-}" = "--no-build" ] && exit 0

echo "setup: configuring and building in $build"
mkdir -p "$build"
# shellcheck disable=SC2086 # MIP6TLS_CMAKE_ARGS is a list of -D options
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIP6TLS_WERROR=ON \
    ${MIP6TLS_CMAKE_ARGS:-} >"$build/setup-configure.log" 2>&1 || {
    cat "$build/setup-configure.log" >&2
    exit 1
}
cmake --build "$build" -j"$(nproc)" >"$build/setup-build.log" 2>&1 || {
    grep -E 'error|Error' -A5 "$build/setup-build.log" | head -60 >&2
    echo "setup: build failed, full log in $build/setup-build.log" >&2
    exit 1
}
echo "setup: build ok"
