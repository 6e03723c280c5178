#!/bin/sh
# check.sh: the ctest scenario.wifi-handover. Runs a short wifi-handover (8 s simulated) into
# OUT_DIR and checks its summary.json (README.md, "What the test checks").
#   check.sh PATH/TO/wifi-handover OUT_DIR
set -eu
prog=$1
out=$2
max_lost=150 # per direction; see README.md for where the number comes from
. "$(dirname "$0")/../common/check-lib.sh"
run_scenario wifi-handover "$prog" "$out" 3 --duration=8 --seed=1
check '.bootstrap.attempts == 1 and .bootstrap.sa_provisioned == 1' "one bootstrap, one SA"
check '.binding.ba_accepted == 2' "bound twice: once on AP A, once on AP B"
check '.binding.bu_sent - .binding.bu_retransmissions == 2' "exactly one new BU after the move"
check '.binding.mn_final_state == "bound" and .binding.ha_bindings == 1' "BOUND at the end"
check '.handover.t_assoc_new_s != null and .handover.bu_ba_ms != null' "handover happened"
check '.handover.first_packet_ms != null and .handover.first_packet_up_ms != null' \
    "traffic resumed both ways"
check '.handover.t_rs_s == .handover.t_assoc_new_s and .handover.detection_ms <= 70.5' \
    "RS on the new association, the RA's prefix within MaxRtrAdvInterval (70 ms)"
check '.handover.dad_ms >= 1000 and .handover.dad_ms <= 1001 and .handover.t_bu_s == .handover.t_coa_s' \
    "DAD took ns-3's DadTimeout (1 s), then the BU at once"
check ".traffic.cn_to_mn.lost < $max_lost and .traffic.mn_to_cn.lost < $max_lost" \
    "lost < $max_lost packets each way"
for f in mn-wifi.pcap home-lan.pcap esp_sa keylog.txt; do
    [ -s "$out/$f" ] && echo "ok: $f written" || { echo "FAIL: $f missing"; fail=1; }
done
# Movement detection on the air: the MN's RS, AP B's RA, the DAD probe from :: for the new
# SLAAC address (RFC 4862 §5.4.2), all before the BU.
if command -v tshark >/dev/null 2>&1; then
    # The sniffer also hears AP B's RAs before the move: keep what follows the first RS.
    nd=$(tshark -r "$out/mn-wifi.pcap" -Y 'icmpv6.type == 133 or
        (icmpv6.type == 135 and ipv6.src == ::) or
        (icmpv6.type == 134 and icmpv6.opt.prefix == 2001:db8:b::)' -T fields -e icmpv6.type \
        2>/dev/null | awk '$1 == 133 { rs = 1 } rs' | uniq | head -3 | tr '\n' ' ')
    if [ "$nd" = "133 134 135 " ]; then
        echo "ok: mn-wifi.pcap shows RS, RA, then the DAD probe"
    else
        echo "FAIL: expected RS, RA, DAD NS in mn-wifi.pcap (got '$nd')"
        fail=1
    fi
fi
# keylog.txt decrypts the TLS bootstrap: the MN's HACP request (RFC 6618 §5.5, "mn-id:")
# shows in clear with the key log and not without it, and both Finished messages decode.
if command -v tshark >/dev/null 2>&1; then
    tls() { tshark -d tcp.port==7872,tls -r "$out/home-lan.pcap" "$@" 2>/dev/null | wc -l; }
    with=$(tls -o tls.keylog_file:"$out/keylog.txt" -Y 'data.data contains "mn-id:"')
    without=$(tls -Y 'data.data contains "mn-id:"')
    fin=$(tls -o tls.keylog_file:"$out/keylog.txt" -Y 'tls.handshake.type == 20')
    if [ "$with" = 1 ] && [ "$without" = 0 ] && [ "$fin" = 2 ]; then
        echo "ok: keylog.txt decrypts the bootstrap (HACP request, 2 Finished)"
    else
        echo "FAIL: keylog.txt: request $with (want 1), without key $without (0), Finished $fin (2)"
        fail=1
    fi
fi
# The esp_sa rows decrypt the capture: both BUs (MH type 5) and both BAs (6) decode.
if command -v tshark >/dev/null 2>&1; then
    lua=$(dirname "$0")/../common/rfc6618.lua
    set --
    while IFS= read -r row; do set -- "$@" -o "uat:esp_sa:$row"; done <"$out/esp_sa"
    mh=$(tshark -X lua_script:"$lua" -o esp.enable_encryption_decode:TRUE "$@" \
        -r "$out/home-lan.pcap" -Y mipv6 -T fields -e mip6.mhtype 2>/dev/null | sort | uniq -c |
        awk '{printf "%s:%s ", $2, $1}')
    if [ "$mh" = "5:2 6:2 " ]; then
        echo "ok: esp_sa decrypts the capture (BU/BA: $mh)"
    else
        echo "FAIL: esp_sa does not decrypt 2 BUs and 2 BAs (got '$mh')"
        fail=1
    fi
fi
exit $fail
