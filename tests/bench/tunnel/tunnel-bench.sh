#!/usr/bin/env bash
# tunnel-bench.sh: TCP and UDP throughput through userspace tunnels between two network
# namespaces, one core per side: mip6tls next to wireguard-go and OpenVPN 2.6 set up the same
# way in the same run, and the veth and plain-UDP ceilings. Prints a table and ratios and
# writes them as CSV. Needs root; installs iperf3, wireguard-go, wireguard-tools and openvpn
# (Debian packages) when missing. See tests/bench/tunnel/README.md.
#
#   tunnel-bench.sh [--time S] [--legs LIST] [--build DIR] [--out DIR] [--outer 4|6]
#                   [--inner 4|6] [--size N] [--udp-rate R] [--cpus A,B] [--suite NAME]
#                   [--no-install]
#
#   --time S       seconds per measurement (iperf3 TCP, iperf3 UDP, the flood) (default 10)
#   --legs LIST    comma-separated, in order (default plain,gso,wireguard-go,openvpn,mip6tls)
#                  plain: veth only; gso: udp-gso-baseline over the veth (GSO/GRO, and
#                  sendmmsg/recvmmsg) and on loopback; the others: that tunnel
#   --build DIR    build tree with tests/bench/udp-gso-baseline and port-posix/mip6tls-*
#                  (default build/; the baseline is built there when missing)
#   --out DIR      where the CSV and the table go (default out/tunnel-bench/)
#   --outer 4|6    outer (veth) address family the tunnels run over (default 6)
#   --inner 4|6    inner address family of the traffic through the tunnels (default 6)
#   --size N       UDP payload octets of the iperf3 UDP test and the flood (default 1352:
#                  a whole 1400-octet IPv6 packet, the inner MTU of every tunnel)
#   --udp-rate R   iperf3 UDP target rate (iperf3 -b syntax, default 1G)
#   --cpus A,B     CPU of the left side and of the right side (default 0,1)
#   --suite NAME   mip6tls's ciphersuite (default AES_128_GCM_SHA256; wireguard-go is always
#                  ChaCha20-Poly1305, openvpn runs AES-256-GCM)
#   --no-install   fail instead of installing missing packages
#
#    left netns (CPU A)                                right netns (CPU B)
#   +--------------------------------+               +--------------------------------+
#   | iperf3 -c / flood sender       |               | iperf3 -s / flood receiver     |
#   |   inner 198.51.100.1           |               |   inner 198.51.100.2           |
#   |   2001:db8:1::1  [tun]         |               |   [tun]  2001:db8:1::2         |
#   | tunnel process (MN)            |               | tunnel process (home: HAC+HA)  |
#   |   outer 192.0.2.1              |     veth      |   outer 192.0.2.2              |
#   |   2001:db8:0:1::1   veth-l ====|===============|==== veth-r   2001:db8:0:1::2   |
#   +--------------------------------+               +--------------------------------+
# mip6tls's inner addresses are the MN's home address (left, assigned by the HAC) and the
# home side's address on its TUN (right).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
self=tunnel-bench
T=10
legs=plain,gso,wireguard-go,openvpn,mip6tls
build=$root/build
out=$root/out/tunnel-bench
outer=6
inner=6
size=1352
udp_rate=1G
cpus=0,1
suite=AES_128_GCM_SHA256
install=1

die() {
    echo "$self: $*" >&2
    exit 2
}
say() { echo "[$self] $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
    --help | -h)
        awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    --time | --legs | --build | --out | --outer | --inner | --size | --udp-rate | --cpus | \
        --suite)
        [ $# -ge 2 ] || die "$1 needs a value (try --help)"
        case "$1" in
        --time) T=$2 ;;
        --legs) legs=$2 ;;
        --build) build=$2 ;;
        --out) out=$2 ;;
        --outer) outer=$2 ;;
        --inner) inner=$2 ;;
        --size) size=$2 ;;
        --udp-rate) udp_rate=$2 ;;
        --cpus) cpus=$2 ;;
        --suite) suite=$2 ;;
        esac
        shift 2
        ;;
    --no-install)
        install=0
        shift
        ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
done

[[ $T =~ ^[0-9]+$ ]] && [ "$T" -ge 1 ] && [ "$T" -le 3600 ] ||
    die "bad --time \"$T\" (whole seconds, 1..3600)"
[[ $outer =~ ^[46]$ ]] || die "bad --outer \"$outer\" (4 or 6)"
[[ $inner =~ ^[46]$ ]] || die "bad --inner \"$inner\" (4 or 6)"
[[ $size =~ ^[0-9]+$ ]] && [ "$size" -ge 16 ] && [ "$size" -le 1452 ] ||
    die "bad --size \"$size\" (UDP payload octets, 16..1452)"
[[ $udp_rate =~ ^[0-9]+(\.[0-9]+)?[KMG]?$ ]] || die "bad --udp-rate \"$udp_rate\" (e.g. 800M, 1G)"
[[ $suite =~ ^[A-Z0-9_]+$ ]] || die "bad --suite \"$suite\" (e.g. AES_128_GCM_SHA256)"
[[ $cpus =~ ^[0-9]+,[0-9]+$ ]] || die "bad --cpus \"$cpus\" (two CPU numbers, e.g. 0,1)"
cpu_l=${cpus%,*}
cpu_r=${cpus#*,}
ncpu=$(nproc --all)
[ "$cpu_l" -lt "$ncpu" ] && [ "$cpu_r" -lt "$ncpu" ] ||
    die "bad --cpus \"$cpus\": this machine has CPUs 0..$((ncpu - 1))"
IFS=, read -r -a leg_list <<<"$legs"
for l in "${leg_list[@]}"; do
    case "$l" in
    plain | gso | wireguard-go | openvpn | mip6tls) ;;
    *) die "unknown leg \"$l\" in --legs (plain, gso, wireguard-go, openvpn, mip6tls)" ;;
    esac
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, TUN devices); run it with sudo"

# --- packages (the benchmark's own: not in tests/setup.sh) -------------------------------
need=(iperf3 iproute2 iputils-ping jq util-linux)
for l in "${leg_list[@]}"; do
    case "$l" in
    wireguard-go) need+=(wireguard-go wireguard-tools) ;;
    openvpn) need+=(openvpn openssl) ;;
    mip6tls) need+=(openssl) ;;
    esac
done
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ $install = 1 ] || die "missing packages: ${missing[*]} (drop --no-install to install them)"
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

# --- state and clean-up ------------------------------------------------------------------
work=$(mktemp -d "/tmp/$self.XXXXXX")
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
out=$(cd "$out" && pwd)
logs=$out/logs-$stamp
mkdir -p "$logs"
NS_L=tb$$-left
NS_R=tb$$-right
pids=()

stop_pids() {
    local p i
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for i in $(seq 20); do
        local alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
del_netns() {
    ip netns del "$NS_L" 2>/dev/null || true
    ip netns del "$NS_R" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pids
    del_netns
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
# fd 3: the terminal's stderr, for the trap, which may run inside a redirected function call
exec 3>&2
trap 'echo "$self: interrupted, cleaning up" >&3; exit 130' INT TERM

# Runs a command in a namespace pinned to a CPU: nsrun left|right CMD...
nsrun() {
    local ns=$NS_L cpu=$cpu_l
    if [ "$1" = right ]; then ns=$NS_R cpu=$cpu_r; fi
    shift
    ip netns exec "$ns" taskset -c "$cpu" "$@"
}
# Starts CMD in the background in a namespace, pinned, output to LOG; sets $last_pid to its
# PID (ip netns exec and taskset exec it, so the PID is the command's own) and registers it
# for the clean-up. bg_start LOG left|right CMD...
bg_start() {
    local log=$1 ns=$NS_L cpu=$cpu_l
    if [ "$2" = right ]; then ns=$NS_R cpu=$cpu_r; fi
    shift 2
    ip netns exec "$ns" taskset -c "$cpu" "$@" >"$log" 2>&1 &
    last_pid=$!
    pids+=("$last_pid")
}
# Runs CMD in a namespace, pinned, and waits for it; in the background, so that a signal
# reaches the exit trap at once instead of after CMD. fg_run left|right CMD...
fg_run() {
    local ns=$NS_L cpu=$cpu_l p rc=0
    if [ "$1" = right ]; then ns=$NS_R cpu=$cpu_r; fi
    shift
    ip netns exec "$ns" taskset -c "$cpu" "$@" &
    p=$!
    pids+=("$p")
    wait "$p" || rc=$?
    bg_forget "$p"
    return $rc
}
bg_forget() {
    local i keep=()
    for i in "${pids[@]}"; do [ "$i" = "$1" ] || keep+=("$i"); done
    pids=("${keep[@]}")
}
# Stops one process started by bg_start (and forgets it).
bg_stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    bg_forget "$1"
}

# Addresses (documentation ranges only).
O4_L=192.0.2.1 O4_R=192.0.2.2
O6_L=2001:db8:0:1::1 O6_R=2001:db8:0:1::2
I4_L=198.51.100.1 I4_R=198.51.100.2
I6_L=2001:db8:1::1 I6_R=2001:db8:1::2
if [ "$outer" = 4 ]; then OL=$O4_L OR=$O4_R; else OL=$O6_L OR=$O6_R; fi
# Every tunnel's inner MTU: the same packets in every tunnel. 1400 leaves room for the largest
# overhead here (mip6tls over IPv6: 40 + 8 UDP + 8 ESP + 8 IV + 2..5 trailer + 16 ICV).
MTU=1400
# host:port as a socket address of either family
hp() { if [[ $1 == *:* ]]; then echo "[$1]:$2"; else echo "$1:$2"; fi; }

make_netns() {
    del_netns
    ip netns add "$NS_L"
    ip netns add "$NS_R"
    ip -n "$NS_L" link set lo up
    ip -n "$NS_R" link set lo up
    ip -n "$NS_L" link add veth-l type veth peer name veth-r netns "$NS_R"
    ip -n "$NS_L" addr add $O4_L/24 dev veth-l
    ip -n "$NS_R" addr add $O4_R/24 dev veth-r
    ip -n "$NS_L" addr add $O6_L/64 dev veth-l nodad
    ip -n "$NS_R" addr add $O6_R/64 dev veth-r nodad
    ip -n "$NS_L" link set veth-l up
    ip -n "$NS_R" link set veth-r up
}

# Waits until `ping` from left to $1 answers (at most $2 seconds).
wait_ping() {
    local i
    for i in $(seq "$2"); do
        nsrun left ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# --- CPU accounting from /proc ------------------------------------------------------------
hz=$(getconf CLK_TCK)
# utime+stime of a process and all its threads, in ticks (0 when gone or none)
proc_ticks() {
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || {
        echo 0
        return
    }
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
# busy and total ticks of one CPU
core_ticks() {
    awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= NF; i++) t += $i;
        print t - $5 - $6, t}' /proc/stat
}
now() { date +%s.%N; }
# cpu_begin / cpu_end: the tunnel processes' and both cores' CPU% over the interval, into
# CPU_TL CPU_TR (processes; "-" when the leg has none) CPU_CL CPU_CR (cores).
TUN_PID_L="" TUN_PID_R=""
cpu_begin() {
    c_t0=$(now)
    c_pl=$(proc_ticks "$TUN_PID_L")
    c_pr=$(proc_ticks "$TUN_PID_R")
    read -r c_bl c_tl <<<"$(core_ticks "$cpu_l")"
    read -r c_br c_tr <<<"$(core_ticks "$cpu_r")"
}
cpu_end() {
    local t1 pl pr bl tl br tr el
    t1=$(now)
    pl=$(proc_ticks "$TUN_PID_L")
    pr=$(proc_ticks "$TUN_PID_R")
    read -r bl tl <<<"$(core_ticks "$cpu_l")"
    read -r br tr <<<"$(core_ticks "$cpu_r")"
    el=$(awk -v a="$c_t0" -v b="$t1" 'BEGIN {print b - a}')
    pct() { awk -v d="$1" -v e="$el" -v h="$hz" 'BEGIN {printf "%.0f", 100 * d / h / e}'; }
    CPU_TL=- CPU_TR=-
    [ -n "$TUN_PID_L" ] && CPU_TL=$(pct $((pl - c_pl)))
    [ -n "$TUN_PID_R" ] && CPU_TR=$(pct $((pr - c_pr)))
    CPU_CL=$(awk -v b=$((bl - c_bl)) -v t=$((tl - c_tl)) 'BEGIN {printf "%.0f", t ? 100*b/t : 0}')
    CPU_CR=$(awk -v b=$((br - c_br)) -v t=$((tr - c_tr)) 'BEGIN {printf "%.0f", t ? 100*b/t : 0}')
}

# --- measurements -------------------------------------------------------------------------
baseline=$build/tests/bench/udp-gso-baseline
need_baseline() {
    [ -x "$baseline" ] && return 0
    [ -f "$build/CMakeCache.txt" ] ||
        die "no $baseline and no CMake build in $build (configure one, or pass --build DIR)"
    say "building udp-gso-baseline in $build"
    cmake --build "$build" --target udp-gso-baseline -j2 >"$logs/build-baseline.log" 2>&1 ||
        die "building udp-gso-baseline failed: $logs/build-baseline.log"
}


# Waits until a TCP port listens in the right namespace.
wait_listen() {
    local i
    for i in $(seq 50); do
        [ -n "$(ip netns exec "$NS_R" ss -Hltn "sport = :$1")" ] && return 0
        sleep 0.1
    done
    return 1
}

# Each measure_* sets its figures, or ERR and returns 1.
# iperf3 TCP, one stream, left -> right: TCP_MBPS TCP_RETR, and TCP_CPU (4 figures).
measure_tcp() { # name dst [src]
    local name=$1 dst=$2 src=${3:-} j spid
    bg_start "$logs/$name-tcp-server.log" right iperf3 -s -1 -p 5201 -B "$dst"
    spid=$last_pid
    if ! wait_listen 5201; then
        ERR="iperf3 server did not start ($logs/$name-tcp-server.log)"
        bg_stop "$spid"
        return 1
    fi
    j=$logs/$name-tcp.json
    cpu_begin
    fg_run left timeout $((T + 30)) iperf3 -c "$dst" ${src:+-B "$src"} -p 5201 -t "$T" -J \
        >"$j" 2>"$logs/$name-tcp.err" || true
    cpu_end
    bg_stop "$spid"
    TCP_MBPS=$(jq -r '.end.sum_received.bits_per_second // empty | . / 1e5 | round / 10' \
        "$j" 2>/dev/null || true)
    TCP_RETR=$(jq -r '.end.sum_sent.retransmits // empty' "$j" 2>/dev/null || true)
    TCP_CPU="$CPU_TL $CPU_TR $CPU_CL $CPU_CR"
    [ -n "$TCP_MBPS" ] && return 0
    ERR="iperf3 TCP gave no result: $(jq -r '.error // empty' "$j" 2>/dev/null) ($j)"
    return 1
}

# iperf3 UDP at --udp-rate, left -> right: UDP_MBPS (received) UDP_LOSS (%).
measure_udp() { # name dst size [src]
    local name=$1 dst=$2 len=$3 src=${4:-} j spid
    bg_start "$logs/$name-udp-server.log" right iperf3 -s -1 -p 5201 -B "$dst"
    spid=$last_pid
    if ! wait_listen 5201; then
        ERR="iperf3 server did not start ($logs/$name-udp-server.log)"
        bg_stop "$spid"
        return 1
    fi
    j=$logs/$name-udp.json
    fg_run left nice -n 19 timeout $((T + 30)) iperf3 -c "$dst" ${src:+-B "$src"} -p 5201 -u \
        -b "$udp_rate" -l "$len" -w 4M -t "$T" -J >"$j" 2>"$logs/$name-udp.err" || true
    bg_stop "$spid"
    UDP_MBPS=$(jq -r '.end.sum_received.bits_per_second // empty | . / 1e5 | round / 10' \
        "$j" 2>/dev/null || true)
    UDP_LOSS=$(jq -r '.end.sum_received | if .packets > 0 then
        (.lost_packets / .packets * 1000 | round / 10) else empty end' "$j" 2>/dev/null || true)
    [ -n "$UDP_MBPS" ] && return 0
    ERR="iperf3 UDP gave no result: $(jq -r '.error // empty' "$j" 2>/dev/null) ($j)"
    return 1
}

# udp-gso-baseline for T seconds, sender pinned to the left CPU, receiver to the right one:
# FLOOD_PPS FLOOD_MBPS (received) FLOOD_LOSS (%), FLOOD_CPU (4 figures).
# The open-loop senders (this one and iperf3 UDP) run at nice 19: on their core the tunnel
# process is served first and the sender gets the rest, so the figure is the tunnel's
# capacity, not how the scheduler splits a core between two busy processes (which would
# favour a tunnel with more threads).
#   flood NAME MODE DST SIZE [lo]   lo: both ends in the right namespace (loopback)
flood() {
    local name=$1 mode=$2 dst=$3 len=$4 rpid r s rp sp
    bg_start "$logs/$name-recv.log" right "$baseline" recv --mode "$mode" \
        --bind "$(hp "$dst" 5300)" --wait 10
    rpid=$last_pid
    sleep 0.3
    cpu_begin
    if [ "${5:-}" = lo ]; then # both ends in the right namespace, the sender on the left CPU
        ip netns exec "$NS_R" taskset -c "$cpu_l" nice -n 19 "$baseline" send --mode "$mode" \
            --to "$(hp "$dst" 5300)" --size "$len" --seconds "$T" >"$logs/$name-send.log" 2>&1 &
        local p=$!
        pids+=("$p")
        wait "$p" || true
        bg_forget "$p"
    else
        fg_run left nice -n 19 "$baseline" send --mode "$mode" --to "$(hp "$dst" 5300)" \
            --size "$len" --seconds "$T" >"$logs/$name-send.log" 2>&1 || true
    fi
    cpu_end
    wait "$rpid" 2>/dev/null || true # it stops by itself, 1 s after the last datagram
    bg_forget "$rpid"
    r=$(grep '^result role=recv' "$logs/$name-recv.log" || true)
    s=$(grep '^result role=send' "$logs/$name-send.log" || true)
    FLOOD_PPS=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$r")
    FLOOD_MBPS=$(sed -n 's/.* mbps=\([0-9.]*\).*/\1/p' <<<"$r")
    rp=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' <<<"$r")
    sp=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' <<<"$s")
    FLOOD_LOSS=$(awk -v r="${rp:-0}" -v s="${sp:-0}" \
        'BEGIN {if (s > 0) printf "%.1f", 100 * (s - r) / s}')
    FLOOD_CPU="$CPU_TL $CPU_TR $CPU_CL $CPU_CR"
    [ -n "$FLOOD_PPS" ] && [ "${rp:-0}" != 0 ] && return 0
    ERR="nothing arrived: $(grep -hv '^result' "$logs/$name-send.log" "$logs/$name-recv.log" |
        head -2 | tr '\n' ' ')"
    return 1
}

# --- results ------------------------------------------------------------------------------
csv=$out/results-$stamp.csv
ratios_csv=$out/ratios-$stamp.csv
table=$out/table-$stamp.txt
echo "kind,version,tcp_mbps,tcp_retrans,udp_mbps,udp_loss_pct,udp_size,flood_kpps,\
flood_mbps,flood_loss_pct,tcp_cpu_tun_l,tcp_cpu_tun_r,tcp_cpu_core_l,tcp_cpu_core_r,\
flood_cpu_tun_l,flood_cpu_tun_r,flood_cpu_core_l,flood_cpu_core_r,note" >"$csv"
declare -A R_TCP=() R_PPS=()
rows=()
failed=0

clear_figures() {
    TCP_MBPS="" TCP_RETR="" UDP_MBPS="" UDP_LOSS="" FLOOD_PPS="" FLOOD_MBPS="" FLOOD_LOSS=""
    TCP_CPU="- - - -" FLOOD_CPU="- - - -" LEN="" NOTE=""
}
# Records the current figures as the row of kind $1 (version $2).
record() {
    local kind=$1 ver=$2 kpps="" tc fc
    [ -n "$FLOOD_PPS" ] && kpps=$(awk -v p="$FLOOD_PPS" 'BEGIN {printf "%.1f", p / 1000}')
    read -r -a tc <<<"$TCP_CPU"
    read -r -a fc <<<"$FLOOD_CPU"
    NOTE=${NOTE%; }
    [ -z "$NOTE" ] || {
        failed=1
        say "  $kind: $NOTE"
    }
    echo "$kind,\"$ver\",$TCP_MBPS,$TCP_RETR,$UDP_MBPS,$UDP_LOSS,$LEN,$kpps,$FLOOD_MBPS,\
$FLOOD_LOSS,${tc[0]},${tc[1]},${tc[2]},${tc[3]},${fc[0]},${fc[1]},${fc[2]},${fc[3]},\
\"${NOTE//\"/\'}\"" >>"$csv"
    R_TCP[$kind]=$TCP_MBPS
    R_PPS[$kind]=$FLOOD_PPS
    rows+=("$kind|$TCP_MBPS|$TCP_RETR|$UDP_MBPS|$UDP_LOSS|$kpps|$FLOOD_MBPS|$FLOOD_LOSS|\
${tc[0]}/${tc[1]}|${fc[0]}/${fc[1]}")
}

# TCP, UDP and the flood from $2 (left) to $1 (right) through a tunnel whose inner MTU is $3;
# the UDP payload shrinks below --size when the MTU needs it.
measure_all() { # kind dst src mtu
    local kind=$1 dst=$2 src=$3 mtu=$4 hdr=28
    [[ $dst == *:* ]] && hdr=48
    LEN=$size
    [ $((LEN + hdr)) -le "$mtu" ] || LEN=$((mtu - hdr))
    say "  $kind: TCP, one stream, $T s"
    measure_tcp "$kind" "$dst" "$src" || NOTE+="tcp: $ERR; "
    say "  $kind: UDP at $udp_rate, $LEN-octet payload, $T s"
    measure_udp "$kind" "$dst" "$LEN" "$src" || NOTE+="udp: $ERR; "
    say "  $kind: UDP flood (GSO sender, GRO receiver), $LEN-octet payload, $T s"
    flood "$kind-flood" gso "$dst" "$LEN" || NOTE+="flood: $ERR; "
}

if_mtu() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].mtu'; }
ia() { if [ "$inner" = 4 ]; then echo "$1"; else echo "$2"; fi; }

# --- the legs -----------------------------------------------------------------------------
leg_plain() {
    make_netns
    TUN_PID_L="" TUN_PID_R=""
    measure_all plain "$(ia $O4_R $O6_R)" "" 1500
}

leg_gso() {
    local dst len=$size hdr=28
    dst=$(ia $O4_R $O6_R)
    [[ $dst == *:* ]] && hdr=48
    make_netns
    TUN_PID_L="" TUN_PID_R=""
    for mode in gso mmsg; do
        clear_figures
        LEN=$len
        say "  $mode-veth: udp-gso-baseline --mode $mode over the veth, $len octets, $T s"
        flood "$mode-veth" "$mode" "$dst" "$len" || NOTE+="flood: $ERR; "
        record "$mode-veth" "udp-gso-baseline --mode $mode"
    done
    clear_figures
    LEN=$len
    say "  gso-lo: udp-gso-baseline --mode gso on loopback, $len octets, $T s"
    flood gso-lo gso "$(ia 127.0.0.1 ::1)" "$len" lo || NOTE+="flood: $ERR; "
    record gso-lo "udp-gso-baseline --mode gso, loopback"
}

wg_version=""
leg_wireguard_go() {
    local il=tbwg$$l ir=tbwg$$r port=51820 i
    wg_version="wireguard-go $(wireguard-go --version | sed -n 's/^wireguard-go v\{0,1\}//p' |
        head -1) (userspace, TUN)"
    make_netns
    (
        umask 077
        wg genkey >"$work/wg-l.key"
        wg genkey >"$work/wg-r.key"
    )
    wg pubkey <"$work/wg-l.key" >"$work/wg-l.pub"
    wg pubkey <"$work/wg-r.key" >"$work/wg-r.pub"
    # -f: stay in the foreground, so the PID we hold is the daemon's
    bg_start "$logs/wireguard-go-left.log" left env LOG_LEVEL=error wireguard-go -f "$il"
    TUN_PID_L=$last_pid
    bg_start "$logs/wireguard-go-right.log" right env LOG_LEVEL=error wireguard-go -f "$ir"
    TUN_PID_R=$last_pid
    for i in $(seq 50); do
        [ -S "/var/run/wireguard/$il.sock" ] && [ -S "/var/run/wireguard/$ir.sock" ] && break
        sleep 0.1
    done
    [ -S "/var/run/wireguard/$ir.sock" ] || {
        NOTE+="wireguard-go did not start ($logs/wireguard-go-*.log); "
        return 1
    }
    nsrun left wg set "$il" private-key "$work/wg-l.key" listen-port $port \
        peer "$(cat "$work/wg-r.pub")" allowed-ips $I4_R/32,$I6_R/128 endpoint "$(hp "$OR" $port)"
    nsrun right wg set "$ir" private-key "$work/wg-r.key" listen-port $port \
        peer "$(cat "$work/wg-l.pub")" allowed-ips $I4_L/32,$I6_L/128 endpoint "$(hp "$OL" $port)"
    ip -n "$NS_L" addr add $I4_L/24 dev "$il"
    ip -n "$NS_L" addr add $I6_L/64 dev "$il" nodad
    ip -n "$NS_R" addr add $I4_R/24 dev "$ir"
    ip -n "$NS_R" addr add $I6_R/64 dev "$ir" nodad
    ip -n "$NS_L" link set "$il" mtu $MTU up
    ip -n "$NS_R" link set "$ir" mtu $MTU up
    wait_ping "$(ia $I4_R $I6_R)" 25 || {
        NOTE+="no ping through wireguard-go; "
        return 1
    }
    measure_all wireguard-go "$(ia $I4_R $I6_R)" "" "$(if_mtu "$NS_L" "$il")"
}

ovpn_version=""
leg_openvpn() {
    local s proto=udp4 i
    ovpn_version=$(openvpn --version | head -1 | awk '{print $1, $2}')
    case "$ovpn_version" in
    "OpenVPN 2.6."*) ;;
    *) say "  note: expected OpenVPN 2.6, found $ovpn_version" ;;
    esac
    ovpn_version+=" AES-256-GCM, no DCO"
    [ "$outer" = 6 ] && proto=udp6
    make_netns
    # A self-signed EC certificate per side, pinned by the peer's SHA-256 fingerprint
    # (OpenVPN 2.6 --peer-fingerprint): TLS 1.3 control channel, no CA needed.
    for s in l r; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -keyout "$work/ovpn-$s.key" -out "$work/ovpn-$s.crt" \
            -subj "/CN=tunnel-bench-$s" >/dev/null 2>&1
        openssl x509 -in "$work/ovpn-$s.crt" -noout -fingerprint -sha256 | sed 's/.*=//' \
            >"$work/ovpn-$s.fp"
    done
    ovpn_conf() { # side peer-side local remote ifconfig4 ifconfig6 role
        cat <<CONF
dev tbov$$$1
dev-type tun
proto $proto
local $3
lport 1194
remote $4 1194
ifconfig $5
ifconfig-ipv6 $6
tun-mtu $MTU
$7
cert $work/ovpn-$1.crt
key $work/ovpn-$1.key
peer-fingerprint $(cat "$work/ovpn-$2.fp")
data-ciphers AES-256-GCM
disable-dco
verb 3
CONF
    }
    ovpn_conf l r "$OL" "$OR" "$I4_L $I4_R" "$I6_L/64 $I6_R" tls-client >"$work/ovpn-l.conf"
    ovpn_conf r l "$OR" "$OL" "$I4_R $I4_L" "$I6_R/64 $I6_L" "tls-server
dh none" >"$work/ovpn-r.conf"
    bg_start "$logs/openvpn-right.log" right openvpn --config "$work/ovpn-r.conf"
    TUN_PID_R=$last_pid
    bg_start "$logs/openvpn-left.log" left openvpn --config "$work/ovpn-l.conf"
    TUN_PID_L=$last_pid
    for i in $(seq 150); do
        grep -q 'Initialization Sequence Completed' "$logs/openvpn-left.log" &&
            grep -q 'Initialization Sequence Completed' "$logs/openvpn-right.log" && break
        sleep 0.2
    done
    grep -q 'Initialization Sequence Completed' "$logs/openvpn-left.log" || {
        NOTE+="openvpn did not connect in 30 s ($logs/openvpn-left.log); "
        return 1
    }
    grep -q "Data Channel: cipher 'AES-256-GCM'" "$logs/openvpn-left.log" ||
        NOTE+="openvpn did not negotiate AES-256-GCM; "
    wait_ping "$(ia $I4_R $I6_R)" 25 || {
        NOTE+="no ping through openvpn; "
        return 1
    }
    measure_all openvpn "$(ia $I4_R $I6_R)" "" "$(if_mtu "$NS_L" "tbov$$l")"
}

# mip6tls: the home side (mip6tls-home: HAC + HA, home network on a TUN) in the right
# namespace, the MN (mip6tls-mn) in the left one. The MN bootstraps over TLS with the HAC,
# registers its care-of address (the left veth address) and gets its home address on its
# TUN; traffic then flows between the home address and the home side's address on its TUN,
# UDP-encapsulated ESP over the veth.
M6_NAI=bench@example.org
M6_PSK=tunnel-bench-psk-not-a-secret
# Starts both daemons and waits until the MN is bound and its home address answers; sets
# M6_DST M6_SRC (inner addresses, right and left) and M6_TUN_L. The configuration keys are
# port-posix's (docs/deploy.md).
mip6tls_setup() { # home-binary mn-binary
    local home=$1 mn=$2 tl=tbm6$$l tr=tbm6$$r i hoa
    # Only the outer family on the MN's interface, so its care-of address is of that family.
    if [ "$outer" = 6 ]; then
        ip -n "$NS_L" addr del $O4_L/24 dev veth-l
    else
        ip -n "$NS_L" addr del $O6_L/64 dev veth-l
    fi
    # A CA and the HAC's certificate for its veth addresses (the MN checks the address as the
    # iPAddress identity), P-256, valid for two days.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -keyout "$work/m6-ca.key" -out "$work/m6-ca.crt" -subj "/CN=tunnel-bench CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
        >/dev/null 2>&1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$work/m6-hac.key" -out "$work/m6-hac.csr" -subj "/CN=tunnel-bench HAC" \
        >/dev/null 2>&1
    printf 'subjectAltName=IP:%s,IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
        $O6_R $O4_R >"$work/m6-hac.ext"
    openssl x509 -req -in "$work/m6-hac.csr" -CA "$work/m6-ca.crt" -CAkey "$work/m6-ca.key" \
        -CAcreateserial -days 2 -extfile "$work/m6-hac.ext" -out "$work/m6-hac.crt" \
        >/dev/null 2>&1 || {
        NOTE+="could not make the test PKI with openssl; "
        return 1
    }
    cat >"$work/m6-home.conf" <<CONF
[home]
status_socket = $work/m6-home.sock
log_level = warn
[hac]
listen = $O6_R, $O4_R
cert = $work/m6-hac.crt
key = $work/m6-hac.key
sa_db = $work/m6-home-sa.db
methods = psk
suites = $suite
home_prefix = 2001:db8:1::/64
home_prefix4 = 198.51.100.0/24
[ha]
address = $O6_R
address4 = $O4_R
tun = $tr
mtu = $MTU
[mn $M6_NAI]
psk = $M6_PSK
hoa = $I6_L
hoa4 = $I4_L
CONF
    cat >"$work/m6-mn.conf" <<CONF
[mn]
nai = $M6_NAI
method = psk
psk = $M6_PSK
interfaces = veth-l
tun = $tl
mtu = $MTU
routes = 2001:db8:1::/64, 198.51.100.0/24
suites = $suite
status_socket = $work/m6-mn.sock
dereg_timeout = 1
log_level = warn
[hac]
server = $OR
trust_anchors = $work/m6-ca.crt
CONF
    for f in home mn; do
        "$build/port-posix/mip6tls-$f" -c "$work/m6-$f.conf" --check >"$logs/mip6tls-$f-check.log" \
            2>&1 || {
            NOTE+="mip6tls-$f rejects the benchmark's configuration: $(head -1 \
"$logs/mip6tls-$f-check.log"); "
            return 1
        }
    done
    bg_start "$logs/mip6tls-home.log" right "$home" -c "$work/m6-home.conf"
    TUN_PID_R=$last_pid
    for i in $(seq 50); do
        ip -n "$NS_R" link show dev "$tr" >/dev/null 2>&1 && break
        sleep 0.1
    done
    # The home side's own address on its TUN: the MN's traffic ends there.
    ip -n "$NS_R" addr add $I6_R/128 dev "$tr" nodad 2>/dev/null &&
        ip -n "$NS_R" addr add $I4_R/32 dev "$tr" 2>/dev/null || {
        NOTE+="mip6tls-home did not create $tr ($logs/mip6tls-home.log); "
        return 1
    }
    bg_start "$logs/mip6tls-mn.log" left "$mn" -c "$work/m6-mn.conf"
    TUN_PID_L=$last_pid
    hoa=$(ia $I4_L $I6_L)
    for i in $(seq 100); do
        ip -n "$NS_L" addr show dev "$tl" 2>/dev/null | grep -q " $hoa/" && break
        sleep 0.2
    done
    ip -n "$NS_L" addr show dev "$tl" 2>/dev/null | grep -q " $hoa/" || {
        NOTE+="the MN got no home address in 20 s ($logs/mip6tls-mn.log); "
        return 1
    }
    wait_ping "$(ia $I4_R $I6_R)" 25 || {
        NOTE+="no ping through mip6tls; "
        return 1
    }
    M6_DST=$(ia $I4_R $I6_R) M6_SRC=$hoa M6_TUN_L=$tl
}

m6_version=""
leg_mip6tls() {
    local home=$build/port-posix/mip6tls-home mn=$build/port-posix/mip6tls-mn
    if [ ! -x "$home" ] || [ ! -x "$mn" ]; then
        NOTE+="no mip6tls daemons in $build/port-posix (build the mip6tls-home and mip6tls-mn \
targets); "
        return 1
    fi
    m6_version="$("$home" --version 2>&1 | head -1), $suite"
    make_netns
    mip6tls_setup "$home" "$mn" || return 1
    measure_all mip6tls "$M6_DST" "$M6_SRC" "$(if_mtu "$NS_L" "$M6_TUN_L")"
}

# --- the run ------------------------------------------------------------------------------
need_baseline
iperf_version=$(iperf3 --version | head -1 | awk '{print $1, $2}')
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
    echo "tunnel-bench $stamp: $T s per measurement, outer IPv$outer, inner IPv$inner,"
    echo "  left on CPU $cpu_l, right on CPU $cpu_r; $(nproc --all) CPUs ($cpu_model);"
    echo "  kernel $(uname -r); $iperf_version; UDP at $udp_rate; inner MTU $MTU everywhere;"
    echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
} | tee "$table"
say "logs in $logs"
for l in "${leg_list[@]}"; do
    say "leg $l"
    clear_figures
    TUN_PID_L="" TUN_PID_R=""
    case "$l" in
    plain)
        leg_plain || true
        record plain "veth, $(uname -r)"
        ;;
    gso) leg_gso || true ;;
    wireguard-go)
        leg_wireguard_go || true
        record wireguard-go "$wg_version"
        ;;
    openvpn)
        leg_openvpn || true
        record openvpn "$ovpn_version"
        ;;
    mip6tls)
        leg_mip6tls || true
        record mip6tls "$m6_version"
        ;;
    esac
    stop_pids
    del_netns
done

# --- the table and the ratios -------------------------------------------------------------
ratio() { # a b -> a/b with two decimals, or n/a
    awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
        if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}
{
    echo
    printf '%-13s %9s %6s %9s %6s %9s %9s %6s %9s %9s\n' "" "TCP" "TCP" "UDP" "UDP" \
        "flood" "flood" "flood" "tun CPU%" "tun CPU%"
    printf '%-13s %9s %6s %9s %6s %9s %9s %6s %9s %9s\n' kind "Mbit/s" retr "Mbit/s" \
        "loss%" kpps "Mbit/s" "loss%" "L/R tcp" "L/R flood"
    for r in "${rows[@]}"; do
        IFS='|' read -r -a f <<<"$r"
        printf '%-13s %9s %6s %9s %6s %9s %9s %6s %9s %9s\n' "${f[0]}" "${f[1]:--}" \
            "${f[2]:--}" "${f[3]:--}" "${f[4]:--}" "${f[5]:--}" "${f[6]:--}" "${f[7]:--}" \
            "${f[8]}" "${f[9]}"
    done
    echo
    echo "ratio,value,goal" >"$ratios_csv"
    printf '%-44s %7s  %s\n' ratio value goal
    rline() { # text a b goal
        local v
        v=$(ratio "$2" "$3")
        printf '%-44s %7s  %s\n' "$1" "$v" "$4"
        echo "\"$1\",$v,\"$4\"" >>"$ratios_csv"
    }
    rline "mip6tls / wireguard-go, TCP Mbit/s" "${R_TCP[mip6tls]:-}" "${R_TCP[wireguard-go]:-}" \
        ">= 1.5"
    rline "mip6tls / wireguard-go, flood packets/s" "${R_PPS[mip6tls]:-}" \
        "${R_PPS[wireguard-go]:-}" ">= 1.5"
    rline "mip6tls / openvpn, TCP Mbit/s" "${R_TCP[mip6tls]:-}" "${R_TCP[openvpn]:-}" ">= 3"
    rline "mip6tls / openvpn, flood packets/s" "${R_PPS[mip6tls]:-}" "${R_PPS[openvpn]:-}" ">= 3"
    # The GSO/GRO ceiling: the best GSO/GRO flood over the bare veth in this run (the gso-veth
    # row and the plain row's flood are the same measurement; other sessions' load on this
    # machine can sink one of them).
    ceil=$(printf '%s\n' "${R_PPS[gso-veth]:-}" "${R_PPS[plain]:-}" | sort -n | tail -1)
    rline "mip6tls / GSO-GRO ceiling, packets/s" "${R_PPS[mip6tls]:-}" "$ceil" ">= 0.5"
    rline "wireguard-go / GSO-GRO ceiling, packets/s" "${R_PPS[wireguard-go]:-}" "$ceil" \
        "(reference)"
    rline "openvpn / GSO-GRO ceiling, packets/s" "${R_PPS[openvpn]:-}" "$ceil" "(reference)"
    rline "wireguard-go / openvpn, TCP Mbit/s" "${R_TCP[wireguard-go]:-}" "${R_TCP[openvpn]:-}" \
        "(reference)"
    rline "mip6tls / plain veth, TCP Mbit/s" "${R_TCP[mip6tls]:-}" "${R_TCP[plain]:-}" \
        "(reference)"
    echo
    echo "GSO-GRO ceiling: ${ceil:-n/a} packets/s (the best of gso-veth and plain's flood)"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$table"
echo
say "results: $csv"
say "ratios:  $ratios_csv"
say "table:   $table"
if [ $failed = 1 ]; then
    say "some measurements failed: see the note column of $csv"
    exit 1
fi
