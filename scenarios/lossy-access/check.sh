#!/bin/sh
# check.sh: the ctest scenario.lossy-access (README.md, "What the test checks").
#   check.sh PATH/TO/lossy-access OUT_DIR
# Seed 1 (the default): 30 % loss each way, the first BU or its BA is lost, so the BU goes
# out twice (gap 1.5 s); bound at about 3.1 s.
set -eu
prog=$1
out=$2
. "$(dirname "$0")/../common/check-lib.sh"
run_scenario lossy-access "$prog" "$out" 1 --seed=1 --duration=30 --lossRate=0.3
echo "BU transmissions until the first BA: $(jq -r .registration.bu_until_first_ba "$s")"
check '.binding.mn_final_state == "bound" and .binding.ha_bindings == 1 and
       .registration.t_bound_s != null' "the MN ends bound"
check '.registration.bu_until_first_ba >= 2' "at least one BU (or its BA) lost"
# RFC 6275 §11.8: 1.5 s, 3, 6, 12, 24, 32, 32 ... (1 ms tolerance: the core's ms timers).
check '[.registration.bu_gaps_s, [1.5, 3, 6, 12, 24, 32, 32, 32, 32, 32]] | transpose |
       map(select(.[0] != null)) | all((.[0] - .[1]) | fabs <= 0.001)' \
    "every BU gap is the next back-off value (1.5, 3, 6, 12, 24, 32 s)"
check '.registration.bu_rtx == [range(0; .registration.bu_until_first_ba)]' \
    "BU_SENT retransmission counts 0, 1, 2, ..."
check '.traffic.cn_to_mn.received * 2 > .traffic.cn_to_mn.sent and
       .traffic.mn_to_cn.received * 2 > .traffic.mn_to_cn.sent' \
    "more than 50 % of the traffic delivered each way (30 % loss, bound after ~3 s)"
check '.access_link.dropped_r0_to_mn > 0 and .access_link.dropped_mn_to_r0 > 0' \
    "the error models dropped packets both ways"
for f in summary.json home-lan.pcap mn-access.pcap r0-access.pcap mn-tunnel.pcap esp_sa; do
    [ -s "$out/$f" ] && echo "ok: $f written" || { echo "FAIL: $f missing"; fail=1; }
done
exit $fail
