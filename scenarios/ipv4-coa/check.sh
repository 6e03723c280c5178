#!/bin/sh
# check.sh: the ctest scenario.ipv4-coa (README.md, "What the test checks"). Three short runs
# (5 s simulated each) into OUT_DIR/{routed,nat,rebind}: the IPv4-only visited network routed,
# behind the NAT with keepalives, and behind the NAT with keepalives slower than its mapping
# timeout. Each run's summary.json is checked, and the first two runs' pcaps with tshark and
# the run's esp_sa rows.
#   check.sh PATH/TO/ipv4-coa OUT_DIR
set -eu
prog=$1
top=$2
lua=$(dirname "$0")/../common/rfc6618.lua
. "$(dirname "$0")/../common/check-lib.sh"
command -v tshark >/dev/null 2>&1 || {
    echo "FAIL: tshark is not installed (tests/setup.sh installs it)"
    exit 1
}
rm -rf "$top"
mkdir -p "$top"
total=0

# ts FILE ARGS...: tshark with the RFC 6618 shim (no keys), fields only, errors dropped.
ts() {
    f=$1
    shift
    tshark -X lua_script:"$lua" -r "$f" "$@" 2>/dev/null
}
# tsk FILE ARGS...: the same with the run's esp_sa rows, so ESP is decrypted.
tsk() {
    f=$1
    shift
    set -- -o esp.enable_encryption_decode:TRUE "$@"
    while IFS= read -r row; do set -- -o "uat:esp_sa:$row" "$@"; done <"$out/esp_sa"
    ts "$f" "$@"
}
# expect DESCRIPTION GOT WANTED
expect() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1 (got '$2', wanted '$3')"
        fail=1
    fi
}

# The summary checks every run shares.
common_checks() {
    check '.sa.ha4 and .sa.hoa4 and .sa.hoa6' "the SA has the HA's IPv4 address and both HoAs"
    check '.bootstrap.family == "ipv4" and .bootstrap.attempts == 1 and
           .bootstrap.sa_provisioned == 1' "one bootstrap over IPv4, one SA"
    check '.binding.mn_coa == "203.0.113.5:40000" and .binding.hoa4_ack_status == 0 and
           .binding.ha_binding_covers_hoa4 and .binding.mn_final_state == "bound"' \
        "IPv4 CoA registered, IPv4 HoA acknowledged (RFC 5555 status 0), bound at the end"
    check '.traffic.tunnel_refused_up == 0 and .traffic.tunnel_refused_down == 0' \
        "no inner packet refused by the core"
    for f in mn-access.pcap home-lan.pcap mn-tunnel.pcap home-tunnel.pcap esp_sa timeline.png; do
        [ -s "$out/$f" ] && echo "ok: $f written" || {
            echo "FAIL: $f missing"
            fail=1
        }
    done
}

# The captures' checks (routed and nat runs), with one tshark pass per capture and one more
# with the keys. $1: the MN's outer address as the home LAN sees it (the CoA, or the NAT's
# outside address); $2: the NAT Detection refresh time the BA must carry.
pcap_checks() {
    seen=$1
    refresh=$2
    # No plaintext Mobility Header anywhere: without keys nothing dissects as MH ("mipv6" in
    # the protocol stack; the shim hands PType 0 payloads to ipv6/ip, so those would show).
    acc=$(ts "$out/mn-access.pcap" -T fields -e frame.protocols -e ip.src -e ip.dst \
        -e tcp.dstport -e tls.handshake.type)
    lan=$(ts "$out/home-lan.pcap" -T fields -e frame.protocols -e ip.src -e ip.dst \
        -e tcp.srcport -e tls.handshake.type -e tls.handshake.version)
    mtun=$(ts "$out/mn-tunnel.pcap" -T fields -e frame.protocols -e ip.version -e udp.dstport)
    htun=$(ts "$out/home-tunnel.pcap" -T fields -e frame.protocols -e ip.version -e udp.dstport)
    for v in acc lan mtun htun; do
        eval "txt=\$$v"
        expect "no plaintext Mobility Header ($v capture)" \
            "$(echo "$txt" | awk -F'\t' '$1 ~ /(^|:)mipv6(:|$)/' | wc -l)" 0
    done
    # An IPv4-only visited network: not one IPv6 frame on the MN's access link.
    expect "no IPv6 on the MN's access link" \
        "$(echo "$acc" | awk -F'\t' '$1 ~ /:ipv6(:|$)/' | wc -l)" 0
    # The bootstrap: TLS 1.2 over IPv4 TCP to 192.0.2.1:7872, seen on both captures.
    expect "TLS ClientHello over IPv4 TCP to the HAC on the access link" \
        "$(echo "$acc" | awk -F'\t' '$2 == "203.0.113.5" && $3 == "192.0.2.1" &&
            $4 == 7872 && $5 ~ /(^|,)1(,|$)/' | wc -l)" 1
    expect "TLS 1.2 ServerHello from the HAC in the home-LAN capture" \
        "$(echo "$lan" | awk -F'\t' -v seen="$seen" '$2 == "192.0.2.1" && $3 == seen &&
            $4 == 7872 && $5 ~ /(^|,)2(,|$)/ { print $6 }')" 0x0303
    # Inner traffic in the captures: the tunnel devices' decapsulated packets match what the
    # sockets received, both families.
    expect "mn-tunnel.pcap: IPv6 and IPv4 CN -> HoA packets as received" \
        "$(echo "$mtun" | awk -F'\t' '$3 == 6000 && $2 == 6 { a++ } $3 == 6000 && $2 == 4 { b++ }
            END { print a + 0 "/" b + 0 }')" \
        "$(jq -r '"\(.traffic.ipv6.cn_to_mn.received)/\(.traffic.ipv4.cn_to_mn.received)"' "$s")"
    expect "home-tunnel.pcap: IPv6 and IPv4 HoA -> CN packets as received" \
        "$(echo "$htun" | awk -F'\t' '$3 == 6000 && $2 == 6 { a++ } $3 == 6000 && $2 == 4 { b++ }
            END { print a + 0 "/" b + 0 }')" \
        "$(jq -r '"\(.traffic.ipv6.mn_to_cn.received)/\(.traffic.ipv4.mn_to_cn.received)"' "$s")"

    # With esp_sa: every MH is a BU (5) or BA (6) in UDP 7872 under PType 8 and a non-zero SPI,
    # as many as the MN counted, and the RFC 5555 options carry the right addresses.
    mh=$(tsk "$out/home-lan.pcap" -Y mipv6 -T fields -e udp.port -e rfc6618.ptype \
        -e rfc6618.spi -e mip6.mhtype -e mip6.ipv4coa.addr -e mip6.ipv4ha.ha -e mip6.ipv4aa.sts \
        -e mip6.natd.f_flag -e mip6.natd.refresh_t)
    nbu=$(jq -r .binding.bu_sent "$s")
    nba=$(jq -r .binding.ba_accepted "$s")
    expect "esp_sa decrypts every BU and BA of the home-LAN capture" \
        "$(echo "$mh" | awk -F'\t' '$4 == 5 { u++ } $4 == 6 { a++ }
            END { print u + 0 "/" a + 0 }')" "$nbu/$nba"
    expect "every BU/BA in UDP 7872, PType 8, non-zero SPI" \
        "$(echo "$mh" | awk -F'\t' '$1 !~ /(^|,)7872(,|$)/ || $2 != 8 || $3 == "0x00000000" ||
            $3 == "" { bad++ } END { print bad + 0 }')" 0
    expect "BU: RFC 5555 IPv4 CoA and IPv4 HoA options" \
        "$(echo "$mh" | awk -F'\t' '$4 == 5 { print $5, $6 }' | sort -u)" \
        "203.0.113.5 192.0.2.200"
    expect "BA: IPv4 Address Acknowledgement (0, 192.0.2.200), NAT Detection (F, $refresh)" \
        "$(echo "$mh" | awk -F'\t' '$4 == 6 { print $7, $6, $8, $9 }' | sort -u)" \
        "0 192.0.2.200 1 $refresh"
}

# 1. Routed: no NAT. The HA sees the CoA itself; NAT Detection says "none" (0xFFFFFFFF).
out=$top/routed
run_scenario ipv4-coa "$prog" "$out" 1 --seed=1 --duration=5
common_checks
pcap_checks 203.0.113.5 4294967295
check '.binding.ha_coa == "203.0.113.5:40000" and .binding.nat_detected == false' \
    "the HA binds the CoA itself, no NAT detected"
check '.outer.keepalives >= 2' "NAT keepalives while no traffic flows (RFC 5555 §3.2.2)"
check '[.traffic.ipv6[], .traffic.ipv4[]] | all(.sent > 0 and .lost == 0)' \
    "IPv6 and IPv4 traffic delivered both ways, no packet lost"
total=$((total | fail))

# 2. Behind the NAT, keepalives (1 s) inside its UDP timeout (1.5 s): the HA detects the NAT,
# binds the NAT's public endpoint, and the one mapping carries everything.
out=$top/nat
run_scenario ipv4-coa "$prog" "$out" 1 --seed=1 --duration=5 --nat=1
common_checks
pcap_checks 198.51.100.2 110
check '.binding.ha_coa == "198.51.100.2:62001" and .binding.nat_detected and
       .binding.nat_refresh_s == 110' "the HA detects the NAT and binds its public endpoint"
check '.outer.nat_mappings == 2 and .outer.nat_dropped == 0 and .outer.keepalives >= 2' \
    "keepalives keep the UDP mapping: 2 mappings (TCP, UDP), nothing dropped at the NAT"
check '[.traffic.ipv6[], .traffic.ipv4[]] | all(.sent > 0 and .lost == 0)' \
    "IPv6 and IPv4 traffic delivered both ways through the NAT, no packet lost"
total=$((total | fail))

# 3. Behind the NAT with keepalives (5 s) slower than its timeout: the mapping expires in the
# quiet phase; the MN's first packet at 3 s makes a new one, and the HA follows the outer
# source of that authenticated packet without a BU. CN -> MN packets already on their way to
# the old mapping are lost (at most one per family).
out=$top/rebind
run_scenario ipv4-coa "$prog" "$out" 1 --seed=1 --duration=5 --nat=1 --keepaliveMs=5000
common_checks
check '.binding.bu_sent == 1 and .binding.ha_binding_updates == 1 and
       .binding.ha_coa == "198.51.100.2:62002"' \
    "NAT rebinding: one BU, the HA moved the binding to the new public port by itself"
check '.outer.nat_mappings == 3 and .outer.nat_dropped >= 1' \
    "the expired mapping dropped the CN's packets in flight"
check '([.traffic.ipv6.cn_to_mn, .traffic.ipv4.cn_to_mn] | all(.lost >= 1 and .lost <= 2)) and
       ([.traffic.ipv6.mn_to_cn, .traffic.ipv4.mn_to_cn] | all(.lost == 0))' \
    "CN -> MN lost 1-2 per family at the rebinding, MN -> CN none"
total=$((total | fail))
exit $total
