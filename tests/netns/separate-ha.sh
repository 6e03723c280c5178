#!/usr/bin/env bash
# separate-ha.sh: a HAC and a separate HA (RFC 6618 §4.3), and HAC discovery by DNS SRV
# (RFC 6618 §5.4, RFC 2782), in network namespaces (ctest posix.separate-ha).
#
#              2001:db8:a::/64 +-----+ 2001:db8:f1::/64 +---------------------------+
#  +------+  +--wa-------------|     |------------------| HAC  2001:db8::1          |
#  |  MN  |--+                 |  R  |                  | TCP 7874 MNs (TLS), SQLite|
#  | m6mn |  +--wb-------------|     |                  | TCP 7873 HAs (mutual TLS) |
#  +------+    2001:db8:b::/64 | DNS |                  +---------------------------+
#                              |     | 2001:db8:f2::/64 +---------------------------+
#                              +-----+------------------| HA   2001:db8::2 UDP 7872 |--cn-- CN
#                                                       | [hac_query] -> HAC :7873  |
#   dnsmasq on R (2001:db8:53::53):                     +---------------------------+
#   _mip6tls._tcp.example.com SRV                         CN 2001:db8:99::10/64
#      5 dead-hac.example.com:7874   (unreachable from the MN)
#     10 hac.example.com:7874        (2001:db8::1)
#     20 backup-hac.example.com:7872 (never needed)
#
# Steps and what is asserted:
#   1. the HAC (no [ha]) and an HA whose certificate (rogue-ha.example.com, same CA) is not on
#      the HAC's ha_allow: the HAC refuses it after the handshake, the HA logs not-authorized;
#   2. the MN finds the HAC by SRV: the priority-5 target first (unreachable), then the
#      priority-10 one on the SRV's port 7874 (its [hac] has no port), and checks the
#      certificate against its configured name; it bootstraps; its BU to the rogue HA goes
#      unanswered (the HA's query ends not-authorized, the held BU is dropped);
#   3. the allowed HA (ha.example.com) replaces it; the MN moves; its BU arrives under an SPI
#      the HA does not know: the HA holds it, queries the HAC over mutual TLS, installs the SA
#      (not RESTORE: no HA had it), feeds the BU again and answers with a BA; traffic flows
#      both ways through the HA;
#   4. the HAC crashes and restarts: the HA reconnects, keeps its SAs, traffic flows;
#   5. the HA crashes and restarts: the MN's next BU is queried again, answered with RESTORE,
#      so the HA answers 176 (decisions/0015); the MN bootstraps again and the HAC pushes the
#      new SA to the connected HA: the next BU gets its BA without a query; traffic flows;
#   and a capture of the HA's uplink: the HA-HAC link is TLS only, no SA key crosses it in the
#   clear, and the HAC's key log decrypts it.
# Prints the time from the HA's first packet under the unknown SPI to its BA.
#
# Usage: tests/netns/separate-ha.sh <dir with mip6tls-home and mip6tls-mn> <work dir>
# Needs root; exits 77 (skipped) without it, without `ip netns`, or without dnsmasq.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: separate-ha.sh BIN_DIR WORK_DIR}
work=${2:?usage: separate-ha.sh BIN_DIR WORK_DIR}
P="m6s$$-"
# shellcheck source=lib.sh
. "$here/lib.sh"
need_netns
need_tools dnsmasq tcpdump tshark openssl ping python3
begin_test

# ---- topology -------------------------------------------------------------------------------
set -e
for n in mn r hac ha cn; do ns $n; done
link mn wa r a
link mn wb r b
link r hac hac up
link r ha ha up
link ha cn cn ha

nsx r sysctl -qw net.ipv6.conf.all.forwarding=1
router_if r a 2001:db8:a::1/64
router_if r b 2001:db8:b::1/64
nsx r ip -6 addr add 2001:db8:f1::1/64 dev hac nodad
nsx r ip -6 addr add 2001:db8:f2::1/64 dev ha nodad
nsx r ip -6 addr add 2001:db8:53::53/128 dev lo
nsx r ip -6 route add 2001:db8::1/128 via 2001:db8:f1::2
nsx r ip -6 route add 2001:db8::2/128 via 2001:db8:f2::2

nsx hac ip -6 addr add 2001:db8:f1::2/64 dev up nodad
nsx hac ip -6 addr add 2001:db8::1/128 dev lo
nsx hac ip -6 route add default via 2001:db8:f1::1

nsx ha sysctl -qw net.ipv6.conf.all.forwarding=1
nsx ha ip -6 addr add 2001:db8:f2::2/64 dev up nodad
nsx ha ip -6 addr add 2001:db8::2/128 dev lo
nsx ha ip -6 addr add 2001:db8:99::1/64 dev cn nodad
nsx ha ip -6 route add default via 2001:db8:f2::1

nsx cn ip -6 addr add 2001:db8:99::10/64 dev ha nodad
nsx cn ip -6 route add default via 2001:db8:99::1

# The MN asks R's DNS server; the priority-5 SRV target's network is unreachable from it.
ns_resolver mn 2001:db8:53::53
nsx mn ip -6 route add unreachable 2001:db8:dead::/48
set +e

# ---- DNS, credentials, configuration ---------------------------------------------------------
bg r "$work/dnsmasq.log" dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null \
    --no-resolv --no-hosts --bind-interfaces --listen-address=2001:db8:53::53 \
    --user=root --pid-file= --local=/example.com/ --log-queries \
    --srv-host=_mip6tls._tcp.example.com,dead-hac.example.com,7874,5,100 \
    --srv-host=_mip6tls._tcp.example.com,hac.example.com,7874,10,100 \
    --srv-host=_mip6tls._tcp.example.com,backup-hac.example.com,7872,20,100 \
    --host-record=dead-hac.example.com,2001:db8:dead::1 \
    --host-record=hac.example.com,2001:db8::1 \
    --host-record=backup-hac.example.com,2001:db8:dead::2
check "dnsmasq serves the SRV records" wait_log "$work/dnsmasq.log" "started, version" 5

gen_pki "$work/pki"
gen_client_cert "$work/pki" ha.example.com ha
gen_client_cert "$work/pki" rogue-ha.example.com rogue-ha
cat >"$work/hac.conf" <<EOF
[home]
status_socket = $work/hac.sock
esp_sa_file = $work/esp_sa
tls_keylog = $work/keylog.txt

[hac]
listen = 2001:db8::1
port = 7874
cert = $work/pki/hac-chain.pem
key = $work/pki/hac-key.pem
sa_db = $work/hac-sa.db
home_prefix = 2001:db8:1::/64
ha_address = 2001:db8::2
ha_listen = [2001:db8::1]:7873
ha_trust = $work/pki/ca.pem
ha_allow = ha.example.com

[mn mn1@example.com]
psk = correct horse battery staple
hoa = 2001:db8:1::100
EOF
ha_conf() { # <certificate prefix> <file>
    cat >"$2" <<EOF
[home]
status_socket = $work/ha.sock

[ha]
address = 2001:db8::2
tun = m6sha

[hac_query]
server = 2001:db8::1
port = 7873
name = hac.example.com
trust_anchors = $work/pki/ca.pem
cert = $work/pki/$1-chain.pem
key = $work/pki/$1-key.pem
retry_max = 2
EOF
}
ha_conf rogue-ha "$work/ha-rogue.conf"
ha_conf ha "$work/ha.conf"
cat >"$work/mn.conf" <<EOF
[mn]
nai = mn1@example.com
psk = correct horse battery staple
interfaces = wa, wb
tun = m6smn
routes = 2001:db8:99::/64
status_socket = $work/mn.sock

[hac]
srv = _mip6tls._tcp.example.com
name = hac.example.com
trust_anchors = $work/pki/ca.pem
EOF
for f in hac ha ha-rogue; do
    check "$f.conf passes --check" "$bin/mip6tls-home" -c "$work/$f.conf" --check
done
check "mn.conf passes --check" "$bin/mip6tls-mn" -c "$work/mn.conf" --check
mn_log=$work/mn.log

bg ha "$work/tcpdump-up.log" tcpdump -Z root --immediate-mode -U -n -s 0 -i up \
    -w "$work/ha-up.pcap" tcp port 7873
cap_up=$LAST_PID
wait_log "$work/tcpdump-up.log" "listening on" 5 || true

# ---- 1. the HAC, and an HA it does not allow ----------------------------------------------------
bg hac "$work/hac.log" "$bin/mip6tls-home" -c "$work/hac.conf"
hac_pid=$LAST_PID
check "HAC ready (no [ha]: separate HAs only)" \
    wait_log "$work/hac.log" "info: ready: 1 mobile node\(s\) known, SAs to separate HAs only" 10
bg ha "$work/ha-rogue.log" "$bin/mip6tls-home" -c "$work/ha-rogue.conf"
ha_pid=$LAST_PID
check "the HAC refuses the HA whose certificate is not on ha_allow" \
    wait_log "$work/hac.log" "saq-server: ha-refused .*dNSName rogue-ha\.example\.com" 5
wait_log "$work/ha-rogue.log" "saq: failed .*not-authorized: the HAC refused this HA" 5
check "... and the HA says why: $(grep -m1 -o "not-authorized: [^;]*" "$work/ha-rogue.log")" \
    grep -q "saq: failed .*not-authorized: the HAC refused this HA" "$work/ha-rogue.log"

# ---- 2. SRV discovery, bootstrap, a BU the rogue HA cannot answer -------------------------------
nsx mn ping -6 -c 1 -W 2 fe80::1%wa >/dev/null
nsx mn ip -6 route add default via fe80::1 dev wa
nsx mn ip -6 addr add 2001:db8:a::10/64 dev wa nodad
bg mn "$mn_log" "$bin/mip6tls-mn" -c "$work/mn.conf"
mn_pid=$LAST_PID
check "the MN bootstrapped with the HAC it found by SRV" wait_log "$mn_log" "mn: boot-done" 10
order=$(grep -m1 "srv = \"_mip6tls._tcp.example.com\": 3 target(s)" "$mn_log" |
    grep -o '[a-z-]*\.example\.com:[0-9]*' | tr '\n' ' ')
check "SRV targets in RFC 2782 order ($order)" test "$order" = \
    "dead-hac.example.com:7874 hac.example.com:7874 backup-hac.example.com:7872 "
check "attempt 1 went to the priority-5 target and failed" \
    grep -q "bootstrap attempt 1 failed: cannot connect to the HAC \[2001:db8:dead::1\]:7874" \
    "$mn_log"
check "attempt 2 went to the priority-10 target on the SRV's port (7874)" \
    grep -q "mn: boot-started spi=0x2 attempt=2 hac=\[2001:db8::1\]:7874" "$mn_log"
check "the TLS identity checked is the configured name (the certificate's, RFC 6618 §9.2)" \
    grep -q "mn: boot-tls-up" "$mn_log"
spi1=$(sed -n 's/.*mn: boot-done spi=\(0x[0-9a-f]*\).*/\1/p' "$mn_log" | head -1)
check "the SA ($spi1) was pushed to no HA (none allowed is connected)" \
    grep -q "saq-server: push-sent spi=$spi1 has=0" "$work/hac.log"
check "the rogue HA holds the MN's BU and asks the HAC" \
    wait_log "$work/ha-rogue.log" "ha: SA $spi1 unknown: packet from .* held, asking the HAC" 5
check "... which answers not-authorized: the held BU is dropped" \
    wait_log "$work/ha-rogue.log" \
    "saq: not-found spi=$spi1 status=not-authorized .*held packet\(s\) dropped" 5
check "... the rogue HA never installed an SA" \
    test "$(grep -c "ha: sa-installed" "$work/ha-rogue.log")" = 0
check "the MN's BU went unanswered" test "$(grep -c "mn: ba-received" "$mn_log")" = 0
stop_pid "$ha_pid" TERM

# ---- 3. the allowed HA: query by SPI, BA, traffic ------------------------------------------------
bg ha "$work/ha.log" "$bin/mip6tls-home" -c "$work/ha.conf"
ha_pid=$LAST_PID
check "the allowed HA connects to the HAC (mutual TLS)" \
    wait_log "$work/ha.log" "saq: connected conn=[0-9]* hac=\[2001:db8::1\]:7873" 5
check "the HAC authorized it by name" \
    wait_log "$work/hac.log" "saq-server: ha-authorized .*\(ha\.example\.com\)" 5
# A move: the MN's BU goes at once (not after its retransmission back-off).
mark=$(lines "$mn_log")
nsx mn ping -6 -c 1 -W 2 fe80::1%wb >/dev/null
nsx mn ip -6 route replace default via fe80::1 dev wb
nsx mn ip -6 addr add 2001:db8:b::10/64 dev wb nodad
nsx mn ip -6 addr del 2001:db8:a::10/64 dev wa
check "the MN registered through the separate HA" \
    wait_after "$mn_log" "$mark" "mn: ba-received spi=$spi1 status=0 " 5
check "the HA held the BU under the unknown SPI $spi1 and asked the HAC" \
    grep -qE "ha: SA $spi1 unknown: packet from \[2001:db8:[ab]::10\]:7872 held" "$work/ha.log"
check "the HAC answered from its table (no HA had the SA: no RESTORE)" \
    grep -qE "saq-server: query .*spi=$spi1 status=found restore=0" "$work/hac.log"
check "the HA installed the SA and answered the held BU" \
    grep -qE "saq: answered spi=$spi1 restore=0" "$work/ha.log"
check "... with a BA (binding created)" grep -qE "ha: binding-created spi=$spi1" "$work/ha.log"
t_q0=$(t_of "$work/ha.log" "ha: SA $spi1 unknown")
t_q1=$(t_of "$work/ha.log" "ha: binding-created spi=$spi1")
t_mn_ba=$(t_of "$mn_log" "mn: ba-received spi=$spi1 status=0 ")
t_mn_bu=$(t_of "$mn_log" "mn: bu-sent spi=$spi1" "$mark")
q_ms=$(ms "$t_q0" "$t_q1")
pattern=6d697036746c732d7365637265742121 # "mip6tls-secret!!"
nsx mn ping -6 -c 5 -i 0.1 -p $pattern 2001:db8:99::10 >"$work/ping-1.txt" 2>&1
check "ping MN -> CN through the separate HA" grep -q " 0% packet loss" "$work/ping-1.txt"
nsx cn ping -6 -c 3 -i 0.1 2001:db8:1::100 >"$work/ping-cn.txt" 2>&1
check "ping CN -> MN home address (the HA routed it when the SA arrived)" \
    grep -q " 0% packet loss" "$work/ping-cn.txt"
nsx ha "$bin/mip6tls-home" --status -s "$work/ha.sock" >"$work/ha-status.txt" 2>&1
st=$work/ha-status.txt
check "ha --status shows the query link and the binding" \
    sh -c "grep -q 'saq: hac=\[2001:db8::1\]:7873 name=hac.example.com state=up' '$st' &&
           grep -qE 'spi=0x0*${spi1#0x} .*binding: coa=\[2001:db8:b::10\]:7872' '$st'"

# ---- 4. the HAC crashes and comes back --------------------------------------------------------
say "killing the HAC with SIGKILL (a crash; bash reports it as 'Killed')"
stop_pid "$hac_pid" KILL
hmark=$(lines "$work/ha.log")
bg hac "$work/hac2.log" "$bin/mip6tls-home" -c "$work/hac.conf"
hac_pid=$LAST_PID
check "HAC restarted with its SA restored" wait_log "$work/hac2.log" "hac: sa-restored spi=$spi1" 10
check "the HA noticed and reconnected" \
    wait_after "$work/ha.log" "$hmark" "saq: connected conn=" 6
check "... keeping its SA" test "$(grep -c "ha: sa-removed" "$work/ha.log")" = 0
nsx mn ping -6 -c 3 -i 0.1 2001:db8:99::10 >"$work/ping-2.txt" 2>&1
check "traffic flows after the HAC restart" grep -q " 0% packet loss" "$work/ping-2.txt"

# ---- 5. the HA crashes and comes back: RESTORE, 176, a new SA by push ---------------------------
say "killing the HA with SIGKILL (a crash; bash reports it as 'Killed')"
stop_pid "$ha_pid" KILL
mark=$(lines "$mn_log")
bg ha "$work/ha2.log" "$bin/mip6tls-home" -c "$work/ha.conf"
ha_pid=$LAST_PID
check "the HA restarted and reconnected" wait_log "$work/ha2.log" "saq: connected conn=" 5
nsx mn ip -6 route replace default via fe80::1 dev wa
nsx mn ip -6 addr add 2001:db8:a::10/64 dev wa nodad
nsx mn ip -6 addr del 2001:db8:b::10/64 dev wb
check "the restarted HA queried $spi1 and got it with RESTORE" \
    wait_log "$work/ha2.log" "saq: answered spi=$spi1 restore=1" 5
check "... so it answered the BU with 176 (its sequence numbers are lost)" \
    wait_after "$mn_log" "$mark" "mn: ba-received spi=$spi1 status=176 " 5
check "the MN bootstrapped again" wait_after "$mn_log" "$mark" "mn: boot-done" 10
spi2=$(tail -n +"$((mark + 1))" "$mn_log" |
    sed -n 's/.*mn: boot-done spi=\(0x[0-9a-f]*\).*/\1/p' | head -1)
check "the HAC pushed the new SA ($spi2) to the HA" \
    wait_log "$work/ha2.log" "saq: pushed spi=$spi2 restore=0" 5
check "the MN registered under it" \
    wait_after "$mn_log" "$mark" "mn: ba-received spi=$spi2 status=0 " 5
t_mn_bu2=$(t_of "$mn_log" "mn: bu-sent spi=$spi2" "$mark")
t_mn_ba2=$(t_of "$mn_log" "mn: ba-received spi=$spi2 status=0 " "$mark")
check "... without a query (it arrived before the BU)" \
    test "$(grep -c "ha: SA $spi2 unknown" "$work/ha2.log")" = 0
nsx mn ping -6 -c 3 -i 0.1 2001:db8:99::10 >"$work/ping-3.txt" 2>&1
check "traffic flows after the HA restart" grep -q " 0% packet loss" "$work/ping-3.txt"

# ---- the HA-HAC link ----------------------------------------------------------------------------
stop_pid "$mn_pid" TERM
stop_pid "$ha_pid" TERM
stop_pid "$hac_pid" TERM
stop_pid "$cap_up" INT
frames=$(tshark -r "$work/ha-up.pcap" -Y 'tcp.len > 0' 2>/dev/null | wc -l)
notls=$(tshark -r "$work/ha-up.pcap" -d tcp.port==7873,tls -Y 'tcp.len > 0 and not tls' \
    2>/dev/null | wc -l)
check "the HA-HAC link carries TLS only ($frames segments with data, $notls not TLS)" \
    test "$frames" -gt 0 -a "$notls" = 0
leaked=$(python3 - "$work/esp_sa" "$work/ha-up.pcap" <<'EOF'
import re, sys
keys = {bytes.fromhex(k) for k in re.findall(r'0x([0-9a-f]{32,})', open(sys.argv[1]).read())}
cap = open(sys.argv[2], 'rb').read()
print(sum(1 for k in keys if k in cap), len(keys))
EOF
)
check "no SA key crosses the HA-HAC link in the clear (found/keys: $leaked)" \
    sh -c "echo '$leaked' | grep -qE '^0 [1-9]'"
pushes=$(tshark -r "$work/ha-up.pcap" -d tcp.port==7873,tls -o tls.keylog_file:"$work/keylog.txt" \
    -Y 'tls.app_data' -T fields -e tls.app_data 2>/dev/null | wc -l)
plain=$(tshark -r "$work/ha-up.pcap" -d tcp.port==7873,tls -o tls.keylog_file:"$work/keylog.txt" \
    -Y 'data.data' -T fields -e data.data 2>/dev/null | grep -c '^01' || true)
check "the HAC's key log decrypts the SA query link ($plain messages of version 1)" \
    test "$pushes" -gt 0 -a "$plain" -gt 0

# ---- figures -------------------------------------------------------------------------------
t_end=$(date +%s.%N)
say "figures: separate HA, first packet under the unknown SPI -> BA sent: $q_ms ms" \
    "(hold, query over TLS, answer, install, the BU fed again)"
say "figures: MN BU->BA with the query $(ms "$t_mn_bu" "$t_mn_ba") ms; with the SA pushed" \
    "beforehand (baseline, no query) $(ms "$t_mn_bu2" "$t_mn_ba2") ms"
t_b0=$(t_of "$mn_log" "mn: boot-started")
t_b1=$(t_of "$mn_log" "mn: boot-done")
say "figures: bootstrap by SRV (attempt 1 to the unreachable priority-5 target, back-off," \
    "attempt 2): $(ms "$t_b0" "$t_b1") ms"
say "figures: test took $(ms "$t_start" "$t_end" | cut -d. -f1) ms"
say "separate-ha: $((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
