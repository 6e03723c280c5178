#!/usr/bin/env bash
# e2e.sh: the POSIX daemons end to end in network namespaces (ctest posix.netns-e2e).
#
#                      2001:db8:a::/64  +-----+
#              +--wa--------------------| AR1 |--+ 2001:db8:f1::/64
#              |       2001:db8:b::/64  |     |  |         +-------------------+
#  +--------+  +--wb--------------------+-----+  +---ar1---|       HOME        | 2001:db8:99::/64
#  |   MN   |--+                                           | HA+HAC 2001:db8::1|--cn-- [ CN ]
#  | HoA on |  |       198.51.100.0/24  +-----+  +---ar2---|        192.0.2.1  | 192.0.2.128/26
#  |  m6mn  |  +--wc--------------------| AR2 |--+         | TUN: routes to HoA| 2001:db8:99::10
#  +--------+                           | NAT | 203.0.113.0/24 +--------------+ 192.0.2.130
#                                       +-----+ (nftables masquerade)
#  MN: HoA 2001:db8:1::100 (+ 192.0.2.100), CoA 2001:db8:a::10 -> 2001:db8:b::10 -> 198.51.100.10
#  (behind the NAT) -> 2001:db8:a::10; it routes only the CN's prefixes through its tunnel.
#
# Steps and what is asserted:
#   1. the MN bootstraps (TCP, TLS 1.2, PSK exchange) and registers from network A
#   2. ping both ways (IPv6; IPv4 HoA too), a UDP and a TCP echo exchange with the CN
#   3. move to network B: exactly one BU and one BA, no new TLS; traffic flows
#   4. move behind the IPv4 NAT (DSMIPv6, RFC 5555): NAT detected, traffic flows
#   5. kill -9 the home daemon and start it again: every SA is restored from SQLite; the MN's
#      next BU (a move back to network A) is answered 176 (decisions/0015), the MN bootstraps
#      again and registers under the new SA; traffic flows
#   6. SIGTERM: the MN deregisters (lifetime-0 BU, BA) and exits; the HA drops the binding
#   and the captures on the MN's access links: UDP 7872 carries only ESP (PType 1/8) and
#   keepalives, no plaintext Mobility Header, no plaintext inner packet; the home daemon's
#   esp_sa rows decrypt every BU and BA (tshark + scenarios/common/rfc6618.lua); both daemons'
#   TLS key logs (tls_keylog, mode 0600) hold the same line per session, and with it tshark
#   decrypts the bootstraps (the HACP request's "mn-id:"), without it nothing.
# Prints the measured figures (bootstrap, move BU->BA, ping RTT through the tunnel).
#
# Usage: tests/netns/e2e.sh <dir with mip6tls-home and mip6tls-mn> <work dir>
# Needs root; exits 77 (skipped) without it or without `ip netns`.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: e2e.sh BIN_DIR WORK_DIR}
work=${2:?usage: e2e.sh BIN_DIR WORK_DIR}
P="m6e$$-"
# shellcheck source=lib.sh
. "$here/lib.sh"
need_netns
need_tools tcpdump tshark mergecap nft python3 openssl ping
begin_test

# ---- topology -------------------------------------------------------------------------------
set -e
for n in mn ar1 ar2 home cn; do ns $n; done
link mn wa ar1 a
link mn wb ar1 b
link mn wc ar2 c
link ar1 wan home ar1
link ar2 wan home ar2
link home cn cn home

nsx ar1 sysctl -qw net.ipv6.conf.all.forwarding=1
router_if ar1 a 2001:db8:a::1/64
router_if ar1 b 2001:db8:b::1/64
nsx ar1 ip -6 addr add 2001:db8:f1::2/64 dev wan nodad
nsx ar1 ip -6 route add default via 2001:db8:f1::1

nsx ar2 sysctl -qw net.ipv4.ip_forward=1
nsx ar2 ip addr add 198.51.100.1/24 dev c
nsx ar2 ip addr add 203.0.113.2/24 dev wan
nsx ar2 ip route add default via 203.0.113.1
nsx ar2 nft -f - <<'EOF'
table ip nat {
    chain post {
        type nat hook postrouting priority srcnat;
        oifname "wan" masquerade
    }
}
EOF

nsx home sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
nsx home ip -6 addr add 2001:db8::1/128 dev lo
nsx home ip addr add 192.0.2.1/32 dev lo
nsx home ip -6 addr add 2001:db8:f1::1/64 dev ar1 nodad
nsx home ip addr add 203.0.113.1/24 dev ar2
nsx home ip -6 addr add 2001:db8:99::1/64 dev cn nodad
nsx home ip addr add 192.0.2.129/26 dev cn
nsx home ip -6 route add 2001:db8:a::/64 via 2001:db8:f1::2
nsx home ip -6 route add 2001:db8:b::/64 via 2001:db8:f1::2

nsx cn ip -6 addr add 2001:db8:99::10/64 dev home nodad
nsx cn ip addr add 192.0.2.130/26 dev home
nsx cn ip -6 route add default via 2001:db8:99::1
nsx cn ip route add default via 192.0.2.129

# ---- credentials and configuration ----------------------------------------------------------
gen_pki "$work/pki"
set +e
cat >"$work/home.conf" <<EOF
[home]
status_socket = $work/home.sock
esp_sa_file = $work/esp_sa
tls_keylog = $work/keylog.txt

[hac]
cert = $work/pki/hac-chain.pem
key = $work/pki/hac-key.pem
sa_db = $work/home-sa.db
home_prefix = 2001:db8:1::/64
home_prefix4 = 192.0.2.96/27

[ha]
address = 2001:db8::1
address4 = 192.0.2.1
tun = m6home

[mn mn1@example.com]
psk = correct horse battery staple
hoa = 2001:db8:1::100
hoa4 = 192.0.2.100
EOF
cat >"$work/mn.conf" <<EOF
[mn]
nai = mn1@example.com
psk = correct horse battery staple
interfaces = wa, wb, wc
tun = m6mn
routes = 2001:db8:99::/64, 192.0.2.128/26
status_socket = $work/mn.sock
tls_keylog = $work/mn-keylog.txt

[hac]
server = 2001:db8::1
name = hac.example.com
trust_anchors = $work/pki/ca.pem
EOF
home_log=$work/home.log
mn_log=$work/mn.log

# ---- captures ---------------------------------------------------------------------------------
dump=(tcpdump -Z root --immediate-mode -U -n -s 0)
for i in wa wb wc; do
    bg mn "$work/tcpdump-$i.log" "${dump[@]}" -i "$i" -w "$work/$i.pcap"
    eval "cap_$i=\$LAST_PID"
done
bg home "$work/tcpdump-cn.log" "${dump[@]}" -i cn -w "$work/home-cn.pcap"
cap_cn=$LAST_PID
bg cn "$work/echo.log" python3 "$here/echo.py" serve 2001:db8:99::10 9000
bg cn "$work/echo4.log" python3 "$here/echo.py" serve 192.0.2.130 9000
for i in wa wb wc; do wait_log "$work/tcpdump-$i.log" "listening on" 5 || true; done
wait_log "$work/tcpdump-cn.log" "listening on" 5 || true

# ---- 1. bootstrap and registration from network A -------------------------------------------
bg home "$home_log" "$bin/mip6tls-home" -c "$work/home.conf"
home_pid=$LAST_PID
check "home daemon ready" wait_log "$home_log" "info: ready:" 10
# As after a router advertisement: the router is known (its neighbour entry resolved) before
# the address is used, so the figures below measure the protocol, not neighbour discovery.
nsx mn ping -6 -c 1 -W 2 fe80::1%wa >/dev/null
nsx mn ip -6 route add default via fe80::1 dev wa
nsx mn ip -6 addr add 2001:db8:a::10/64 dev wa nodad
bg mn "$mn_log" "$bin/mip6tls-mn" -c "$work/mn.conf"
mn_pid=$LAST_PID
check "MN bootstrapped and registered" wait_log "$mn_log" "mn: ba-received .*status=0 " 15
check "the MN's TUN carries the home address" \
    nsx mn sh -c "ip -6 addr show dev m6mn | grep -q 2001:db8:1::100"
t_boot0=$(t_of "$mn_log" "mn: boot-started")
t_boot1=$(t_of "$mn_log" "mn: boot-done")
t_ba1=$(t_of "$mn_log" "mn: ba-received .*status=0 ")
check "one bootstrap attempt, full TLS handshake" \
    test "$(count_log "$mn_log" "boot-started")" = 1 -a \
    "$(count_log "$home_log" "hac: tls-up .*resumed=0")" = 1
stored() { # SAs in the home daemon's SQLite store
    python3 -c "import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute('select count(*) from sa').fetchone()[0])" \
        "$work/home-sa.db"
}
check "the HAC persisted the SA" test "$(stored)" = 1

# ---- 2. traffic through the tunnel ------------------------------------------------------------
pattern=6d697036746c732d7365637265742121 # "mip6tls-secret!!": must never cross an access link
nsx mn ping -6 -c 10 -i 0.1 -p $pattern 2001:db8:99::10 >"$work/ping-a.txt" 2>&1
check "ping MN -> CN through the tunnel (network A)" grep -q " 0% packet loss" "$work/ping-a.txt"
nsx cn ping -6 -c 5 -i 0.1 -p $pattern 2001:db8:1::100 >"$work/ping-cn.txt" 2>&1
check "ping CN -> MN home address" grep -q " 0% packet loss" "$work/ping-cn.txt"
nsx mn ping -4 -c 3 -i 0.1 -p $pattern 192.0.2.130 >"$work/ping4-a.txt" 2>&1
check "ping MN IPv4 home address -> CN (IPv4 inside the tunnel)" \
    grep -q " 0% packet loss" "$work/ping4-a.txt"
nsx mn python3 "$here/echo.py" client 2001:db8:99::10 9000 20 >"$work/echo-a.txt" 2>&1
check "UDP and TCP echo with the CN: $(cat "$work/echo-a.txt")" \
    grep -q "udp 20/20 echoed, tcp 60000/60000" "$work/echo-a.txt"
rtt_a=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$work/ping-a.txt")
# Baseline for the RTT: the same access path without the tunnel (the HA's own address).
nsx mn ping -6 -c 10 -i 0.1 2001:db8::1 >"$work/ping-base.txt" 2>&1
rtt_base=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$work/ping-base.txt")

# ---- 3. move to network B: one BU/BA round trip, no TLS --------------------------------------
mark=$(lines "$mn_log")
hmark=$(lines "$home_log")
nsx mn ping -6 -c 1 -W 2 fe80::1%wb >/dev/null
nsx mn ip -6 route replace default via fe80::1 dev wb
nsx mn ip -6 addr add 2001:db8:b::10/64 dev wb nodad
nsx mn ip -6 addr del 2001:db8:a::10/64 dev wa
check "moved to network B" wait_log "$mn_log" "care-of address \[2001:db8:b::10\]" 5
check "registered from network B" wait_after "$mn_log" "$mark" "mn: ba-received .*status=0 " 5
nsx mn ping -6 -c 10 -i 0.1 -p $pattern 2001:db8:99::10 >"$work/ping-b.txt" 2>&1
check "ping through the tunnel from network B" grep -q " 0% packet loss" "$work/ping-b.txt"
bus=$(count_log "$mn_log" "mn: bu-sent" "$mark")
bas=$(count_log "$mn_log" "mn: ba-received .*status=0 " "$mark")
check "the move took exactly one BU and one BA, status 0 ($bus/$bas)" test "$bus/$bas" = 1/1
boots=$(count_log "$mn_log" "boot-started" "$mark")
sessions=$(count_log "$home_log" "hac: session-open" "$hmark")
check "no bootstrap and no TLS for the move" test "$boots/$sessions" = 0/0
check "the HA followed the move" \
    grep -qE "ha: binding-updated .*coa=\[2001:db8:b::10\]" "$home_log"
t_bu_b=$(t_of "$mn_log" "mn: bu-sent" "$mark")
t_ba_b=$(t_of "$mn_log" "mn: ba-received" "$mark")
rtt_b=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$work/ping-b.txt")

# ---- 4. behind the IPv4 NAT ---------------------------------------------------------------------
mark=$(lines "$mn_log")
nsx mn ip route replace default via 198.51.100.1 dev wc onlink
nsx mn ip addr add 198.51.100.10/24 dev wc
nsx mn ip -6 addr del 2001:db8:b::10/64 dev wb
nsx mn ip -6 route del default
check "moved behind the NAT (IPv4 care-of address)" \
    wait_log "$mn_log" "care-of address 198\.51\.100\.10:" 5
check "registered through the NAT" wait_log "$mn_log" "mn: nat-detected" 5
check "the HA sees the NAT's public address" \
    wait_log "$home_log" "ha: binding-updated .*coa=203\.0\.113\.2:" 5
nsx mn ping -6 -c 10 -i 0.1 -p $pattern 2001:db8:99::10 >"$work/ping-nat.txt" 2>&1
check "ping through the tunnel behind the NAT" grep -q " 0% packet loss" "$work/ping-nat.txt"
nsx mn python3 "$here/echo.py" client 2001:db8:99::10 9000 10 >"$work/echo-nat.txt" 2>&1
check "UDP and TCP echo behind the NAT: $(cat "$work/echo-nat.txt")" \
    grep -q "udp 10/10 echoed, tcp 30000/30000" "$work/echo-nat.txt"
rtt_nat=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' "$work/ping-nat.txt")
nsx mn "$bin/mip6tls-mn" --status -s "$work/mn.sock" >"$work/mn-status.txt" 2>&1
check "mn --status shows the binding behind the NAT" \
    grep -q "behind a NAT" "$work/mn-status.txt"
nsx home "$bin/mip6tls-home" --status -s "$work/home.sock" >"$work/home-status.txt" 2>&1
check "home --status shows the binding at the NAT's address" \
    grep -qE "nai=mn1@example.com .*binding: coa=203\.0\.113\.2:" "$work/home-status.txt"

# ---- 5. the home daemon crashes and comes back -------------------------------------------------
spi1=$(sed -n 's/.*mn: boot-done spi=\(0x[0-9a-f]*\).*/\1/p' "$mn_log" | head -1)
say "killing the home daemon with SIGKILL (a crash; bash reports it as 'Killed')"
stop_pid "$home_pid" KILL
mark=$(lines "$mn_log")
bg home "$work/home2.log" "$bin/mip6tls-home" -c "$work/home.conf"
home_pid=$LAST_PID
home_log=$work/home2.log
check "home daemon restarted" wait_log "$home_log" "info: ready:" 10
check "the SA ($spi1) was restored from the store into the HAC and the HA" \
    grep -qE "hac: sa-restored spi=$spi1" "$home_log"
check "... and none was lost" grep -qE "hac: 1 SA record\(s\) in .*, 1 restored" "$home_log"
# The MN's next BU: a move back to network A. The HA has the SA but must not reuse its
# sequence numbers: it answers 176 and the MN fetches a new SA (decisions/0015).
nsx mn ip -6 route add default via fe80::1 dev wa
nsx mn ip -6 addr add 2001:db8:a::10/64 dev wa nodad
nsx mn ip addr del 198.51.100.10/24 dev wc
check "the HA answered the BU under the restored SA with 176" \
    wait_log "$mn_log" "mn: ba-received spi=$spi1 status=176 " 5
check "the MN bootstrapped again (reason reinit)" \
    wait_log "$mn_log" "mn: need-bootstrap .*reason=reinit" 5
check "and registered under a new SA" wait_log "$mn_log" "mn: sa-activated" 10
spi2=$(tail -n +"$((mark + 1))" "$mn_log" |
    sed -n 's/.*mn: boot-done spi=\(0x[0-9a-f]*\).*/\1/p' | head -1)
check "the new SA ($spi2) differs from the restored one ($spi1)" \
    test -n "$spi2" -a "$spi2" != "$spi1"
n176=$(count_log "$mn_log" "status=176 " "$mark")
boots=$(count_log "$mn_log" "boot-started" "$mark")
check "one 176, one new bootstrap ($n176/$boots)" test "$n176/$boots" = 1/1
nsx mn ping -6 -c 10 -i 0.1 -p $pattern 2001:db8:99::10 >"$work/ping-restart.txt" 2>&1
check "ping through the tunnel after the restart" grep -q " 0% packet loss" "$work/ping-restart.txt"
check "both SAs are in the store" test "$(stored)" = 2

# ---- 6. SIGTERM: deregistration ------------------------------------------------------------------
mark=$(lines "$mn_log")
stop_pid "$mn_pid" TERM
check "the MN sent a lifetime-0 BU" grep -qE "mn: bu-sent .*lifetime=0s" "$mn_log"
check "the MN got the BA and exited" grep -q "deregistered: the HA acknowledged" "$mn_log"
check "the HA removed the binding" grep -qE "ha: binding-deleted .*why=dereg" "$home_log"
check "the MN exited cleanly" grep -q "info: stopped" "$mn_log"
check "the MN's TUN is gone" nsx mn sh -c "! ip link show m6mn 2>/dev/null"

# ---- captures ------------------------------------------------------------------------------
sleep 0.2
for i in wa wb wc; do eval "stop_pid \$cap_$i INT"; done
stop_pid "$cap_cn" INT
stop_pid "$home_pid" TERM
# One file with the three access links (mergecap comes with tshark).
mergecap -w "$work/mn-access.pcap" "$work/wa.pcap" "$work/wb.pcap" "$work/wc.pcap"
acc=$work/mn-access.pcap
ours='udp.port == 7872 or tcp.port == 7872 or icmpv6 or arp or icmp'
other=$(tshark -r "$acc" -Y "not ($ours)" 2>/dev/null | wc -l)
check "access links carry only UDP/TCP 7872 (and ND/ARP) ($other others)" test "$other" = 0
inner='ipv6.addr == 2001:db8:99::10 or ipv6.addr == 2001:db8:1::100'
inner="$inner or ip.addr == 192.0.2.130 or ip.addr == 192.0.2.100"
plain=$(tshark -r "$acc" -Y "mipv6 or ipv6.nxt == 135 or $inner" 2>/dev/null | wc -l)
check "no plaintext MH, no home or correspondent address on the access links ($plain)" \
    test "$plain" = 0
tally() { sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'; }
# The first nibble of every RFC 6618 payload is its PType (§6.1); 0xff alone is a keepalive.
ptypes=$(tshark -r "$acc" -Y 'udp.port == 7872' -T fields -e udp.payload 2>/dev/null |
    awk '{ if ($0 == "ff") print "ka"; else print substr($0, 1, 1) }' | tally)
check "UDP 7872 payloads are PType 1/8 ESP or keepalives only ($ptypes)" \
    sh -c "echo '$ptypes' | grep -qE '^(1:[0-9]+ )?8:[0-9]+ (ka:[0-9]+ )?\$'"
check "the inner payload pattern is in the clear on the home LAN" \
    grep -aq 'mip6tls-secret!!' "$work/home-cn.pcap"
check "... and on no access link" sh -c "! grep -aq 'mip6tls-secret!!' $acc"
tls_wb=$(tshark -r "$work/wb.pcap" -Y 'tcp.port == 7872' 2>/dev/null | wc -l)
check "no TCP (no TLS) on network B ($tls_wb)" test "$tls_wb" = 0
# The TLS key logs: one line per session on each side, the same lines, readable by root only;
# with them tshark decrypts both bootstraps (the MN's HACP request, RFC 6618 §5.5: "mn-id:").
sessions=$(cat "$work/home.log" "$work/home2.log" | grep -c "hac: tls-up")
kl_home=$(grep -c "^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}\$" "$work/keylog.txt")
check "home key log: one line per TLS session ($kl_home lines, $sessions sessions)" \
    test "$kl_home" = "$sessions" -a "$sessions" = 2
check "the MN's key log holds the same lines" \
    cmp -s <(sort "$work/keylog.txt") <(sort "$work/mn-keylog.txt")
check "the key logs are mode 0600" \
    test "$(stat -c %a "$work/keylog.txt")/$(stat -c %a "$work/mn-keylog.txt")" = 600/600
tls7872() { tshark -d tcp.port==7872,tls -r "$work/wa.pcap" "$@" 2>/dev/null | wc -l; }
req=$(tls7872 -o tls.keylog_file:"$work/keylog.txt" -Y 'data.data contains "mn-id:"')
req0=$(tls7872 -Y 'data.data contains "mn-id:"')
fin=$(tls7872 -o tls.keylog_file:"$work/keylog.txt" -Y 'tls.handshake.type == 20')
check "the key log decrypts both bootstraps ($req HACP requests, $fin Finished; $req0 without)" \
    test "$req/$fin/$req0" = 2/4/0
# Decrypt with the home daemon's esp_sa rows: every BU (MH type 5) and BA (6) the logs name.
set --
while IFS= read -r row; do set -- "$@" -o "uat:esp_sa:$row"; done <"$work/esp_sa"
mhs() {
    tshark -X lua_script:"$root/scenarios/common/rfc6618.lua" -o esp.enable_encryption_decode:TRUE \
        "$@" -Y mipv6 -T fields -e mip6.mhtype 2>/dev/null | tally
}
mh_b=$(mhs "$@" -r "$work/wb.pcap")
check "network B capture decrypts to exactly one BU and one BA ($mh_b)" test "$mh_b" = "5:1 6:1 "
mh_all=$(mhs "$@" -r "$acc")
want="5:$(count_log "$mn_log" "mn: bu-sent") 6:$(count_log "$mn_log" "mn: ba-received") "
check "esp_sa decrypts every BU and BA of the run ($mh_all; logs: $want)" test "$mh_all" = "$want"

# ---- figures -------------------------------------------------------------------------------
t_end=$(date +%s.%N)
t_tls=$(t_of "$mn_log" "mn: boot-tls-up")
say "figures: bootstrap $(ms "$t_boot0" "$t_boot1") ms" \
    "(TCP + TLS 1.2 $(ms "$t_boot0" "$t_tls") ms," \
    "PSK exchange and SA store $(ms "$t_tls" "$t_boot1") ms), to the first BA" \
    "$(ms "$t_boot0" "$t_ba1") ms"
say "figures: move A->B BU->BA $(ms "$t_bu_b" "$t_ba_b") ms"
say "figures: ping RTT through the tunnel (avg ms): network A $rtt_a, network B $rtt_b," \
    "behind NAT $rtt_nat; baseline without the tunnel (MN -> HA address, network A) $rtt_base"
say "figures: test took $(ms "$t_start" "$t_end" | cut -d. -f1) ms"
say "e2e: $((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
