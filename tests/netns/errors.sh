#!/usr/bin/env bash
# errors.sh: what the POSIX daemons say when something is wrong (ctest posix.errors).
#
# 1. Bad configuration (no privileges needed): an unknown key, a bad address, a bad port, a
#    missing file, a missing section key, an unknown section, a key that is not the
#    certificate's, a default route through the tunnel. Each must give exactly one line on
#    stderr naming the file, the line and the bad value, and exit 2.
# 2. At run time, in two network namespaces (needs root; skipped otherwise):
#
#      [ MN  2001:db8:e::10 ] ---- veth ---- [ HOME 2001:db8:e::1, HA+HAC 2001:db8::1 ]
#
#    - the HAC unreachable: every attempt fails with one clear error, the back-off doubles
#      (1 s, 2 s, ...) and is logged, the MN keeps running;
#    - a wrong PSK: the HAC refuses (status 401), the MN says so once per attempt and backs
#      off;
#    - the HAC's certificate names another host, or comes from another CA: one clear error
#      each.
#
# Usage: tests/netns/errors.sh <dir with mip6tls-home and mip6tls-mn> <work dir>
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: errors.sh BIN_DIR WORK_DIR}
work=${2:?usage: errors.sh BIN_DIR WORK_DIR}
P="m6x$$-"
# shellcheck source=lib.sh
. "$here/lib.sh"
begin_test
gen_pki "$work/pki"

# ---- 1. configuration errors ---------------------------------------------------------------
home_conf() { # the valid home configuration, with sed expressions applied
    sed -e "" "$@" >"$work/h.conf" <<EOF
[home]
status_socket = $work/home.sock

[hac]
cert = $work/pki/hac-chain.pem
key = $work/pki/hac-key.pem
sa_db = $work/home-sa.db
home_prefix = 2001:db8:1::/64

[ha]
address = 2001:db8::1
tun = m6xhome

[mn mn1@example.com]
psk = correct horse battery staple
hoa = 2001:db8:1::100
EOF
}
mn_conf() { # the valid MN configuration, with sed expressions applied
    sed -e "" "$@" >"$work/m.conf" <<EOF
[mn]
nai = mn1@example.com
psk = correct horse battery staple
interfaces = wan
tun = m6xmn
routes = 2001:db8:99::/64
status_socket = $work/mn.sock

[hac]
server = 2001:db8::1
name = hac.example.com
trust_anchors = $work/pki/ca.pem
EOF
}
# conf_error <what> <binary> <config> <expected message (grep -F)>
conf_error() {
    local what=$1 prog=$2 conf=$3 want=$4 rc n
    "$bin/$prog" -c "$conf" --check >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    n=$(wc -l <"$work/err.txt")
    if [ "$rc" = 2 ] && [ "$n" = 1 ] && grep -qF -- "$want" "$work/err.txt"; then
        ok "$what: $(cat "$work/err.txt")"
    else
        bad "$what: exit $rc, $n line(s): $(cat "$work/err.txt") (wanted: $want)"
    fi
}
home_conf
check "the valid home configuration passes --check" "$bin/mip6tls-home" -c "$work/h.conf" --check
mn_conf
check "the valid MN configuration passes --check" "$bin/mip6tls-mn" -c "$work/m.conf" --check
mn_conf -e 's/^tun = m6xmn/prot = 7872/'
conf_error "unknown key" mip6tls-mn "$work/m.conf" 'm.conf:5: unknown key "prot" in [mn]'
home_conf -e 's/^address = .*/address = 2001:db8::zz/'
conf_error "bad address" mip6tls-home "$work/h.conf" \
    'h.conf:11: [ha] address = "2001:db8::zz": not an IPv6 address'
home_conf -e 's/^address = .*/address = 192.0.2.1/'
conf_error "address of the wrong family" mip6tls-home "$work/h.conf" \
    'h.conf:11: [ha] address = "192.0.2.1": not an IPv6 address'
home_conf -e 's/^cert = .*/cert = \/nonexistent\/hac.pem/'
conf_error "missing file" mip6tls-home "$work/h.conf" \
    'h.conf:5: [hac] cert = "/nonexistent/hac.pem": cannot read: No such file or directory'
mn_conf -e 's/^server = .*/server = 2001:db8::1\nport = 70000/'
conf_error "bad port" mip6tls-mn "$work/m.conf" 'm.conf:11: [hac] port = "70000": not a port number'
mn_conf -e 's/^routes = .*/routes = 2001:db8:99::\/64, ::\/0/'
conf_error "default route through the tunnel" mip6tls-mn "$work/m.conf" \
    'm.conf:6: [mn] routes = "::/0": a default route through the tunnel'
mn_conf -e 's/^routes = .*/routes = 2001:db8:99::1\/64/'
conf_error "prefix with host bits" mip6tls-mn "$work/m.conf" \
    'm.conf:6: [mn] routes = "2001:db8:99::1/64": address bits set past the prefix length'
home_conf -e '/^home_prefix/d'
conf_error "missing required key" mip6tls-home "$work/h.conf" \
    'h.conf: [hac] home_prefix is required'
home_conf -e 's/^\[ha\]/[ah]/'
conf_error "unknown section" mip6tls-home "$work/h.conf" 'h.conf:10: unknown section [ah]'
home_conf -e "s|^key = .*|key = $work/pki/ca-key.pem|"
conf_error "key that is not the certificate's" mip6tls-home "$work/h.conf" \
    "h.conf:6: [hac] key = \"$work/pki/ca-key.pem\": not usable with cert"
mn_conf -e 's/^nai = .*/nai = mn1@example.com\nmethod = eap-tls/'
conf_error "unknown method" mip6tls-mn "$work/m.conf" \
    'm.conf:3: [mn] method = "eap-tls": unknown method'
# A separate HA and a HAC for separate HAs (RFC 6618 §4.3), and DNS SRV discovery.
home_conf -e "s|^home_prefix = .*|&\nha_listen = [2001:db8::1]:7873\nha_allow = ha1.example.com|"
conf_error "ha_listen without ha_trust" mip6tls-home "$work/h.conf" \
    'h.conf: [hac] ha_listen needs ha_trust'
home_conf -e "s|^home_prefix = .*|&\nha_allow = sha256:0123:zz|"
conf_error "a bad fingerprint in ha_allow" mip6tls-home "$work/h.conf" \
    'h.conf:9: [hac] ha_allow = "sha256:0123:zz": not a SHA-256 fingerprint'
home_conf -e "s|^home_prefix = .*|&\nha_listen = [2001:db8::1]:70000|"
conf_error "a bad ha_listen port" mip6tls-home "$work/h.conf" \
    'h.conf:9: [hac] ha_listen = "[2001:db8::1]:70000": not a port number'
home_conf -e 's/^\[hac\]/[hac_query]\nserver = 2001:db8::1\n[hac]/'
conf_error "[hac_query] next to [hac]" mip6tls-home "$work/h.conf" \
    'h.conf: [hac_query] is for a separate HA'
sed -n '/^\[ha\]/,/^tun/p' "$work/h.conf" >"$work/ha.conf"
conf_error "[ha] alone" mip6tls-home "$work/ha.conf" \
    'ha.conf: [ha] without [hac] needs a [hac_query] section'
printf '[hac_query]\nserver = 2001:db8::1\n' >>"$work/ha.conf"
conf_error "[hac_query] without its trust anchors" mip6tls-home "$work/ha.conf" \
    'ha.conf: [hac_query] trust_anchors is required'
mn_conf -e 's/^server = .*/srv = _mip6tls._tcp.example.com/' -e '/^name = /d'
conf_error "srv without name" mip6tls-mn "$work/m.conf" \
    'm.conf: [hac] srv needs [hac] name'
mn_conf -e 's/^server = .*/srv = _mip6tls._tcp.example.com:7872/'
conf_error "a bad srv name" mip6tls-mn "$work/m.conf" \
    'm.conf:10: [hac] srv = "_mip6tls._tcp.example.com:7872": not a DNS name'
"$bin/mip6tls-mn" -c "$work/none.conf" >"$work/out.txt" 2>"$work/err.txt"
rc=$?
check "missing configuration file: exit 2, one line ($(cat "$work/err.txt"))" \
    test "$rc/$(wc -l <"$work/err.txt")/$(grep -c 'none.conf: cannot open: No such file' \
        "$work/err.txt")" = 2/1/1
for p in mip6tls-home mip6tls-mn; do
    check "$p --help" sh -c "'$bin/$p' --help | grep -q 'usage: $p'"
done
# The shipped examples are valid (with this test's credentials in place of /etc/mip6tls).
sed -e "s|/etc/mip6tls/hac-chain.pem|$work/pki/hac-chain.pem|" \
    -e "s|/etc/mip6tls/hac-key.pem|$work/pki/hac-key.pem|" \
    "$here/../../port-posix/examples/home.conf" >"$work/ex-home.conf"
sed "s|/etc/mip6tls/ca.pem|$work/pki/ca.pem|" "$here/../../port-posix/examples/mn.conf" \
    >"$work/ex-mn.conf"
check "examples/home.conf passes --check" "$bin/mip6tls-home" -c "$work/ex-home.conf" --check
check "examples/mn.conf passes --check" "$bin/mip6tls-mn" -c "$work/ex-mn.conf" --check
gen_client_cert "$work/pki" ha1.example.com ha1
sed -e "s|/etc/mip6tls/hac-chain.pem|$work/pki/hac-chain.pem|" \
    -e "s|/etc/mip6tls/hac-key.pem|$work/pki/hac-key.pem|" \
    -e "s|/etc/mip6tls/ha-ca.pem|$work/pki/ca.pem|" \
    "$here/../../port-posix/examples/hac-only.conf" >"$work/ex-hac-only.conf"
sed -e "s|/etc/mip6tls/ca.pem|$work/pki/ca.pem|" -e "s|/etc/mip6tls/ha1-|$work/pki/ha1-|" \
    "$here/../../port-posix/examples/ha-only.conf" >"$work/ex-ha-only.conf"
check "examples/hac-only.conf passes --check" \
    "$bin/mip6tls-home" -c "$work/ex-hac-only.conf" --check
check "examples/ha-only.conf passes --check" "$bin/mip6tls-home" -c "$work/ex-ha-only.conf" --check
sed -e "s|^cert = /etc/mip6tls/ha1-chain.pem|cert = $work/pki/hac-chain.pem|" \
    -e "s|/etc/mip6tls/ca.pem|$work/pki/ca.pem|" -e "s|/etc/mip6tls/ha1-|$work/pki/ha1-|" \
    "$here/../../port-posix/examples/ha-only.conf" >"$work/ex-ha-badkey.conf"
conf_error "an HA key that is not its certificate's" mip6tls-home "$work/ex-ha-badkey.conf" \
    "[hac_query] key = \"$work/pki/ha1-key.pem\": not usable with cert"

# ---- 2. at run time -------------------------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "${P}probe" 2>/dev/null; then
    say "errors: $((CHECKS - FAILS)) passed, $FAILS failed (run-time checks skipped: need root)"
    [ "$FAILS" = 0 ] || exit 1
    exit $SKIP
fi
ip netns del "${P}probe"
set -e
ns mn
ns home
link mn wan home lan
nsx mn ip -6 addr add 2001:db8:e::10/64 dev wan nodad
nsx home ip -6 addr add 2001:db8:e::1/64 dev lan nodad
nsx home ip -6 addr add 2001:db8::1/128 dev lo
nsx mn ip -6 route add 2001:db8::1/128 via 2001:db8:e::1
set +e

# run_mn <seconds> <config>: runs the MN for a while, then SIGTERM; the log is $work/mn.log.
run_mn() {
    bg mn "$work/mn.log" "$bin/mip6tls-mn" -c "$2"
    local pid=$LAST_PID
    sleep "$1"
    if kill -0 "$pid" 2>/dev/null; then
        ok "the MN is still running after ${1}s"
    else
        bad "the MN died"
    fi
    stop_pid "$pid" TERM
}
errors() { grep -c " error: " "$work/mn.log" || true; }
attempts() { grep -c "mn: boot-started" "$work/mn.log" || true; }
installed() { grep -c "mn: sa-installed" "$work/mn.log" || true; }

# The HAC unreachable: no route to it.
mn_conf -e 's/^server = .*/server = 2001:db8:dead::1/'
run_mn 1.8 "$work/m.conf"
check "unreachable HAC: one clear error per attempt ($(errors) errors, $(attempts) attempts)" \
    test "$(errors)" = "$(attempts)" -a "$(attempts)" -ge 2
check "... naming the cause: $(grep -m1 " error: " "$work/mn.log" | cut -d: -f2-)" \
    grep -qF "error: bootstrap attempt 1 failed: cannot connect to the HAC [2001:db8:dead::1]:7872:\
 Network is unreachable; next attempt in 1.0s" "$work/mn.log"
check "... and the back-off doubles (1 s, 2 s)" \
    sh -c "grep -q 'attempt 2 failed: .*next attempt in 2.0s' '$work/mn.log'"
cp "$work/mn.log" "$work/mn-unreachable.log"

# start_home <cert chain>: the home daemon with that certificate.
start_home() {
    home_conf -e "s|^cert = .*|cert = $1|"
    bg home "$work/home.log" "$bin/mip6tls-home" -c "$work/h.conf"
    home_pid=$LAST_PID
    wait_log "$work/home.log" "info: ready:" 10
}

# A wrong PSK: the HAC refuses with 401.
start_home "$work/pki/hac-chain.pem"
mn_conf -e 's/^psk = .*/psk = not the right one/'
run_mn 1.8 "$work/m.conf"
stop_pid "$home_pid" TERM
# In the PSK exchange (RFC 6618 §5.8) the HAC's first answer already carries auth(PSK): the MN
# is the one that finds the keys differ, and ends the attempt; the HAC provisions nothing.
check "wrong PSK: one clear error per attempt ($(errors) errors, $(attempts) attempts)" \
    test "$(errors)" = "$(attempts)" -a "$(attempts)" -ge 2
check "... saying so: $(grep -m1 " error: " "$work/mn.log" | cut -d: -f2-)" \
    grep -qF "error: bootstrap attempt 1 failed: the HAC [2001:db8::1]:7872 answered with an auth\
 that does not verify with [mn] psk: the HAC holds a different key for \"mn1@example.com\"" \
        "$work/mn.log"
check "... backing off (1 s, then 2 s)" \
    grep -q "attempt 2 failed: .*next attempt in 2.0s" "$work/mn.log"
check "... the HAC saw each attempt end and provisioned nothing" \
    test "$(grep -c "hac: session-closed .*error=" "$work/home.log")" = "$(attempts)" -a \
    "$(grep -c "hac: sa-provisioned" "$work/home.log")" = 0
check "... and the MN sent no BU" test "$(grep -c "mn: bu-sent" "$work/mn.log")" = 0
cp "$work/mn.log" "$work/mn-wrongpsk.log"
cp "$work/home.log" "$work/home-wrongpsk.log"

# The HAC's certificate names another host.
start_home "$work/pki/wrongname-chain.pem"
mn_conf
run_mn 1.2 "$work/m.conf"
stop_pid "$home_pid" TERM
check "certificate name mismatch: $(grep -m1 " error: " "$work/mn.log" | cut -d: -f2-)" \
    grep -qF "error: bootstrap attempt 1 failed: the HAC's certificate does not name\
 \"hac.example.com\" (RFC 6618 §9.2" "$work/mn.log"
check "... one error per attempt, no SA" \
    test "$(errors)" = "$(attempts)" -a "$(attempts)" -ge 1 -a "$(installed)" = 0
cp "$work/mn.log" "$work/mn-wrongname.log"
cp "$work/home.log" "$work/home-wrongname.log"

# The HAC's certificate comes from another CA.
start_home "$work/pki/rogue-chain.pem"
mn_conf
run_mn 1.2 "$work/m.conf"
stop_pid "$home_pid" TERM
check "certificate from another CA: $(grep -m1 " error: " "$work/mn.log" | cut -d: -f2-)" \
    grep -qF "error: bootstrap attempt 1 failed: the HAC's certificate chain does not lead to a\
 trust anchor in \"$work/pki/ca.pem\"" "$work/mn.log"
check "... one error per attempt, no SA" \
    test "$(errors)" = "$(attempts)" -a "$(attempts)" -ge 1 -a "$(installed)" = 0
cp "$work/mn.log" "$work/mn-rogue.log"

say "errors: $((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
