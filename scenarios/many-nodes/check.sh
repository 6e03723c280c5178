#!/bin/sh
# check.sh: the ctest scenario.many-nodes (README.md, "What the test checks"). Runs 10 MNs over
# 4 access networks for 20 simulated seconds into OUT_DIR and checks its summary.json and pcaps.
#   check.sh PATH/TO/many-nodes OUT_DIR
set -eu
prog=$1
out=$2
n=10
. "$(dirname "$0")/../common/check-lib.sh"
run_scenario many-nodes "$prog" "$out" 2 --nodes=$n --networks=4 --duration=20 --seed=1 \
    --pcapNodes=0,4,9
check ".nodes == $n and .registered == $n and .bound_at_end == $n and .ha_bindings == $n" \
    "all $n MNs registered, bound at the end, $n bindings at the HA(s)"
check ".bootstrap.sa_provisioned == $n and .bootstrap.attempts == $n and
       .bootstrap.hac_busy == 0 and .bootstrap.auth_failed == 0 and
       all(.mns[]; .boot_attempts == 1 and .need_bootstrap == 1)" \
    "one bootstrap per MN, none after a move"
check "all(.mns[]; .moves >= 1) and .moves == ([.mns[].moves] | add)" "every MN moved"
check 'all(.mns[]; .bu_on_move == .moves and .bu_sent == .moves + 1 and
       .bu_retransmissions == 0 and .ba_accepted == .moves + 1 and .ba_other == 0)' \
    "each move: exactly one BU and one accepted BA (plus the initial registration)"
check '.handover_bu_ba_ms.count == .moves and .handover_bu_ba_ms.max < 100' \
    "every move's BU answered by a BA (one round trip, < 100 ms)"
# One packet each way per second per MN; a move interrupts a path for attach_ms + one round
# trip (< 1 s), so it can cost at most one packet each way.
check '.packets.cn_to_mn.received > 0 and .packets.mn_to_cn.received > 0 and
       .packets.cn_to_mn.lost <= .moves and .packets.mn_to_cn.lost <= .moves' \
    "traffic flows both ways, at most one packet lost per move and direction"
for i in 0 4 9; do
    for f in mn$i-access.pcap mn$i-tunnel.pcap; do
        [ -s "$out/$f" ] && echo "ok: $f written" || { echo "FAIL: $f missing"; fail=1; }
    done
done
[ -s "$out/esp_sa" ] && echo "ok: esp_sa written" || { echo "FAIL: esp_sa missing"; fail=1; }
# The captures, decoded once each with the esp_sa rows: a Mobility Header must only ever be
# found inside ESP (RFC 6618 §6.2; none in plaintext: PType 0 or bare IPv6 next header 135),
# and for each captured MN the rows decrypt exactly its BUs (MH type 5) and BAs (6), which
# are all its PType 8 packets.
if command -v tshark >/dev/null 2>&1; then
    lua=$(dirname "$0")/../common/rfc6618.lua
    set --
    while IFS= read -r row; do set -- "$@" -o "uat:esp_sa:$row"; done <"$out/esp_sa"
    for f in "$out"/*.pcap; do
        tshark -X lua_script:"$lua" -o esp.enable_encryption_decode:TRUE "$@" -r "$f" \
            -T fields -e frame.protocols -e rfc6618.ptype -e mip6.mhtype 2>/dev/null |
            awk -F'\t' '$1 ~ /mipv6/ && $1 !~ /:esp:/ { plain++ }
                $1 ~ /:esp:/ && $3 == 5 { bu++ }  $1 ~ /:esp:/ && $3 == 6 { ba++ }
                $2 == 8 { p8++ }
                END { printf "%d %d %d %d\n", plain, bu, ba, p8 }' >"$f.mh"
        read -r plain bu ba p8 <"$f.mh"
        [ "$plain" = 0 ] && echo "ok: no plaintext Mobility Header in $(basename "$f")" ||
            { echo "FAIL: $plain plaintext Mobility Header packets in $f"; fail=1; }
    done
    for i in 0 4 9; do
        read -r plain bu ba p8 <"$out/mn$i-access.pcap.mh"
        want="$(jq -r ".mns[$i] | \"\(.bu_sent) \(.ba_accepted)\"" "$s")"
        if [ "$bu $ba" = "$want" ] && [ "$p8" = $((bu + ba)) ]; then
            echo "ok: MN $i: esp_sa decrypts its $bu BUs and $ba BAs ($p8 PType 8 packets)"
        else
            echo "FAIL: MN $i: want BUs/BAs '$want' in all PType 8 packets," \
                "got '$bu $ba' of $p8"
            fail=1
        fi
    done
else
    echo "note: tshark not installed, capture checks skipped"
fi
exit $fail
