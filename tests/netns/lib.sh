# lib.sh: helpers of the network-namespace tests (sourced by e2e.sh and errors.sh).
#
# Every namespace, link and process a test makes is its own: names carry the test's prefix
# ($P), processes are remembered by PID, and cleanup (run from an EXIT trap) ends those PIDs
# and deletes those namespaces, also when a check fails half-way. Addresses come from the
# documentation ranges only (2001:db8::/32, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).

SKIP=77
PIDS=()
NSS=()
FAILS=0
CHECKS=0

say() { printf '%s\n' "$*"; }
ok() {
    CHECKS=$((CHECKS + 1))
    say "ok: $*"
}
bad() {
    CHECKS=$((CHECKS + 1))
    FAILS=$((FAILS + 1))
    say "FAIL: $*"
}
# check <description> <command...>: ok when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# Skips (exit 77) unless we are root and can make network namespaces.
need_netns() {
    if [ "$(id -u)" != 0 ]; then
        say "skip: needs root (network namespaces)"
        exit $SKIP
    fi
    if ! ip netns add "${P}probe" 2>/dev/null; then
        say "skip: 'ip netns add' does not work here"
        exit $SKIP
    fi
    ip netns del "${P}probe"
    if [ ! -c /dev/net/tun ]; then
        say "skip: no /dev/net/tun"
        exit $SKIP
    fi
}

# need_tools <tool>...: skips (exit 77) unless every tool is installed.
need_tools() {
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            say "skip: $tool not installed (tests/setup.sh)"
            exit $SKIP
        fi
    done
}

# begin_test: namespaces and daemons cleaned up on exit, a fresh $work, $t_start.
begin_test() {
    trap cleanup EXIT
    rm -rf "$work"
    mkdir -p "$work"
    t_start=$(date +%s.%N)
}

# router_if <ns> <dev> <prefix::1/64>: an access router's interface, the global address and
# fe80::1 (the MN's default router), no DAD.
router_if() {
    nsx "$1" ip -6 addr add "$3" dev "$2" nodad
    nsx "$1" ip -6 addr add fe80::1/64 dev "$2" nodad
}

# ns <name>: a namespace with lo up, forwarding off, and no DAD delay (the tests add their
# addresses with nodad; DAD itself is not what they test).
ns() {
    ip netns add "$P$1"
    NSS+=("$P$1")
    nsx "$1" ip link set lo up
    nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}
nsx() {
    local n=$1
    shift
    ip netns exec "$P$n" "$@"
}
# link <ns1> <if1> <ns2> <if2>: a veth pair, both ends up.
LINKN=0
link() {
    local a="t$$_${LINKN}a" b="t$$_${LINKN}b"
    LINKN=$((LINKN + 1))
    ip link add "$a" type veth peer name "$b"
    ip link set dev "$a" netns "$P$1" name "$2"
    ip link set dev "$b" netns "$P$3" name "$4"
    # One datagram per frame on these links, as on a wire: the daemons send runs of datagrams
    # as one UDP_SEGMENT (GSO) buffer, which a capture on a GSO-capable device (veth) would
    # show as one giant datagram; a limit of 1 makes the kernel split them before the capture.
    nsx "$1" ip link set dev "$2" gso_max_segs 1 up
    nsx "$3" ip link set dev "$4" gso_max_segs 1 up
}
# bg <ns> <logfile> <command...>: runs in the namespace in the background; sets $LAST_PID.
bg() {
    local n=$1 log=$2
    shift 2
    : >"$log" # now, not in the child: a wait_log right after must not read the last run's
    ip netns exec "$P$n" "$@" >>"$log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}
# stop_pid <pid> [signal]: signals one of our processes and waits for it (at most 5 s).
stop_pid() {
    local pid=$1 sig=${2:-TERM} i
    kill -"$sig" "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
}
cleanup() {
    local pid n
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    for n in "${ETCS[@]}"; do rm -rf "$n"; done
}
# ns_resolver <ns> <address>: the namespace's /etc/resolv.conf (`ip netns exec` mounts
# /etc/netns/<name>/resolv.conf over it) names one DNS server, with short timeouts; removed by
# cleanup.
ETCS=()
ns_resolver() {
    local d="/etc/netns/$P$1"
    mkdir -p "$d"
    ETCS+=("$d")
    printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$2" >"$d/resolv.conf"
}

# wait_log <file> <extended regex> <seconds> [count]: waits until the file has `count`
# (default 1) lines matching. Returns 1 on timeout.
wait_log() {
    local f=$1 re=$2 t=$3 want=${4:-1} i
    for i in $(seq $((t * 20))); do
        [ "$(grep -cE -- "$re" "$f" 2>/dev/null || true)" -ge "$want" ] && return 0
        sleep 0.05
    done
    return 1
}
# wait_after <file> <line> <extended regex> <seconds>: waits for a match after line <line>.
wait_after() {
    local f=$1 m=$2 re=$3 t=$4 i
    for i in $(seq $((t * 20))); do
        [ "$(count_log "$f" "$re" "$m")" -ge 1 ] && return 0
        sleep 0.05
    done
    return 1
}
# count_log <file> <extended regex> [after line]: matching lines (after line N).
count_log() {
    tail -n +"$((${3:-0} + 1))" "$1" | grep -cE -- "$2" || true
}
lines() { wc -l <"$1"; }
# t_of <file> <regex> [after line]: the monotonic time (first field) of the first match.
t_of() {
    tail -n +"$((${3:-0} + 1))" "$1" | grep -E -m1 -- "$2" | awk '{print $1}'
}
# ms <t1> <t2>: milliseconds from t1 to t2 (both monotonic seconds).
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# gen_pki <dir>: a test PKI made with openssl at test time (P-256, ECDSA-SHA256):
#   ca.pem                 "mip6tls netns CA"
#   hac-chain.pem, hac-key.pem    DNS:hac.example.com, IP:2001:db8::1, IP:192.0.2.1
#   wrongname-chain.pem    the same key, DNS:other.example.com only (same CA)
#   rogue-chain.pem        the same key and names, issued by "mip6tls rogue CA"
gen_pki() {
    local d=$1
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem 2>/dev/null
        openssl req -x509 -new -key ca-key.pem -subj "/CN=mip6tls netns CA" -days 3650 \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem 2>/dev/null
        openssl ecparam -name prime256v1 -genkey -noout -out rogue-key.pem 2>/dev/null
        openssl req -x509 -new -key rogue-key.pem -subj "/CN=mip6tls rogue CA" -days 3650 \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out rogue.pem 2>/dev/null
        openssl ecparam -name prime256v1 -genkey -noout -out hac-key.pem 2>/dev/null
        openssl req -new -key hac-key.pem -subj "/CN=hac.example.com" -out hac.csr 2>/dev/null
        leaf() { # <ca> <ca-key> <san> <out>
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' \
                "subjectAltName=$3" >ext.cnf
            openssl x509 -req -in hac.csr -CA "$1" -CAkey "$2" -CAcreateserial -days 3650 \
                -sha256 -extfile ext.cnf -out leaf.pem 2>/dev/null
            cat leaf.pem "$1" >"$4"
        }
        leaf ca.pem ca-key.pem "DNS:hac.example.com,IP:2001:db8::1,IP:192.0.2.1" hac-chain.pem
        leaf ca.pem ca-key.pem "DNS:other.example.com" wrongname-chain.pem
        leaf rogue.pem rogue-key.pem "DNS:hac.example.com,IP:2001:db8::1,IP:192.0.2.1" \
            rogue-chain.pem
        chmod 600 ./*key.pem
    )
}

# gen_client_cert <dir> <name> <prefix>: a TLS client certificate (an HA's, for the SA query
# link) issued by <dir>/ca.pem: P-256, subjectAltName DNS:<name>, extendedKeyUsage clientAuth;
# writes <prefix>-chain.pem (leaf then CA) and <prefix>-key.pem.
gen_client_cert() {
    local d=$1 name=$2 pre=$3
    (
        cd "$d" || exit 1
        openssl ecparam -name prime256v1 -genkey -noout -out "$pre-key.pem" 2>/dev/null
        openssl req -new -key "$pre-key.pem" -subj "/CN=$name" -out "$pre.csr" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=clientAuth" "subjectAltName=DNS:$name" >"$pre-ext.cnf"
        openssl x509 -req -in "$pre.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
            -days 3650 -sha256 -extfile "$pre-ext.cnf" -out "$pre-leaf.pem" 2>/dev/null
        cat "$pre-leaf.pem" ca.pem >"$pre-chain.pem"
        chmod 600 "$pre-key.pem"
    )
}
