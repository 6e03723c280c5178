#!/bin/sh
# check-rekey.sh: the checks of the ctests scenario.sa-renewal and scenario.reinit (see the
# READMEs in ../sa-renewal and ../reinit, "What the test checks").
#   check-rekey.sh sa-renewal|reinit PATH/TO/PROGRAM OUT_DIR
set -eu
mode=$1
prog=$2
out=$3
case "$mode" in
sa-renewal) args="--duration=40 --seed=1" reason=validity ;;
reinit) args="--duration=10 --seed=1" reason=reinit ;;
*) echo "check-rekey.sh: unknown scenario $mode"; exit 2 ;;
esac
. "$(dirname "$0")/check-lib.sh"
# shellcheck disable=SC2086 # $args is a list of options
run_scenario "$mode" "$prog" "$out" 1 $args
check '.bootstrap.attempts == 2 and .bootstrap.sa_provisioned == 2' "two bootstraps, two SAs"
check "[.bootstrap.need_bootstrap[].reason] == [\"initial\", \"$reason\"]" \
    "NEED_BOOTSTRAP: initial, then $reason"
check '.bootstrap.tls[0].resumed == false and .bootstrap.tls[1].resumed == true' \
    "full TLS handshake first, resumed session for the renewal"
check '.renewal.new_spi != .renewal.old_spi and .renewal.old_spi == .spi_initial and
       .renewal.new_spi == .spi_final and .renewal.t_activated_s != null' \
    "SA_ACTIVATED with the new SPI"
check '.renewal.t_bu_s != null and .renewal.t_ba_s == .renewal.t_activated_s' \
    "BU under the new SPI acknowledged, then active (make-before-break)"
if [ "$mode" = reinit ]; then
    check '.renewal.t_rekey_request_s != null and .binding.ba_176 == 1 and
           .binding.ha_rekey_requested == 1 and .renewal.t_ba_176_s == .renewal.t_need_bootstrap_s' \
        "RequestRekey, one BA 176, re-bootstrap on it"
else
    check '.binding.ba_176 == 0 and .renewal.t_need_bootstrap_s < .sas[0].installed_s + 60' \
        "the MN renewed before the validity end, without a 176"
fi
check '.binding.mn_final_state == "bound" and .binding.ha_bindings == 1' "BOUND at the end"
check '.renewal.lost_cn_to_mn == 0 and .renewal.lost_mn_to_cn == 0' "no packet lost around the renewal"
check '.traffic.cn_to_mn.lost == 0 and .traffic.mn_to_cn.lost == 0 and .traffic.cn_to_mn.sent > 0' \
    "no packet lost at all"
for f in home-lan.pcap mn-access.pcap mn-tunnel.pcap esp_sa timeline.png; do
    [ -s "$out/$f" ] && echo "ok: $f written" || { echo "FAIL: $f missing"; fail=1; }
done
# The esp_sa rows (both SAs) decrypt every BU (MH type 5) and BA (6) in the capture.
if command -v tshark >/dev/null 2>&1; then
    lua=$(dirname "$0")/rfc6618.lua
    want="5:$(jq -r .binding.bu_sent "$s") 6:$(jq -r '.binding.ba_accepted + .binding.ba_176' "$s") "
    set --
    while IFS= read -r row; do set -- "$@" -o "uat:esp_sa:$row"; done <"$out/esp_sa"
    mh=$(tshark -X lua_script:"$lua" -o esp.enable_encryption_decode:TRUE "$@" \
        -r "$out/home-lan.pcap" -Y mipv6 -T fields -e mip6.mhtype 2>/dev/null | sort | uniq -c |
        awk '{printf "%s:%s ", $2, $1}')
    if [ "$mh" = "$want" ]; then
        echo "ok: esp_sa decrypts the capture (BU/BA: $mh)"
    else
        echo "FAIL: esp_sa does not decrypt the BUs and BAs (want '$want', got '$mh')"
        fail=1
    fi
fi
exit $fail
