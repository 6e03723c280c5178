#!/bin/sh
# Generates tests/support/test_pki.h and tests/support/test_pki.c: a small test PKI for the TLS
# driver and credential tests (test_tls.c, test_cred.c), made with the openssl CLI.
#
#   CA "mip6tls Test CA" (P-256, self-signed, 2000-01-01 .. 2099-12-31)
#    |- hac-ec      P-256 key, DNS:hac.example.com IP:2001:db8::1 IP:192.0.2.1 (2024 .. 2099)
#    |- hac-rsa     RSA-2048 key, same names                                   (2024 .. 2099)
#    |- wrongname   P-256 (hac-ec's key), DNS:other.example.com IP:2001:db8::99
#    |- expired     P-256 (hac-ec's key), hac names, valid 2020-01-01 .. 2021-01-01 only
#    |- wildcard    P-256 (hac-ec's key), DNS:*.example.com only (RFC 6618 §9.2 forbids it)
#    |- cnonly      P-256 (hac-ec's key), CN=hac.example.com and no subjectAltName (CN-ID)
#    |- big         P-256 (hac-ec's key), hac names plus 110 filler DNS names (> 4 KiB DER)
#    |- weak        RSA-1024 key, hac names (below the client's 2048-bit minimum)
#    |- ha-ec       P-256 key of its own, DNS:ha1.example.com, EKU clientAuth: a separate HA's
#    |              client certificate for mutual TLS with the HAC (RFC 6618 §4.3)
#    |- ha-rsa      RSA-2048 (hac-rsa's key), DNS:ha2.example.com, EKU clientAuth
#    |- ha-expired  ha-ec's key and names, valid 2020-01-01 .. 2021-01-01 only
#   CA "mip6tls Rogue CA" (P-256, self-signed) -- not trusted by the tests
#    |- rogue       P-256 (hac-ec's key), hac names
#    |- ha-rogue    ha-ec's key and names
#   extra keys: Ed25519 (a type BearSSL does not do), an encrypted PKCS#8 key
#
# Validity is fixed (openssl ca -startdate/-enddate), so the tests can inject a wall-clock time
# inside or outside it. Keys are fresh on every run, so the output differs from run to run;
# the committed output is what the tests use.
#
# Usage: sh tests/vectors/gen_test_pki.sh [outdir]   (default: tests/support next to this file)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../support"}
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fillers=$(i=0; while [ $i -lt 110 ]; do printf ', DNS:filler-name-%03d.padding.example.net' $i;
          i=$((i + 1)); done)

cat > ext.cnf <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ ca_sect ]
dir = .
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = pol_any
unique_subject = no
email_in_dn = no
[ ca ]
default_ca = ca_sect
[ pol_any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_hac ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:hac.example.com, IP:2001:db8::1, IP:192.0.2.1
[ v3_ha ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:ha1.example.com
[ v3_ha2 ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:ha2.example.com
[ v3_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:other.example.com, IP:2001:db8::99
[ v3_wild ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:*.example.com
[ v3_cn ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
[ v3_big ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:hac.example.com, IP:2001:db8::1, IP:192.0.2.1$fillers
EOF

# mkca <dir> <CN>: a self-signed P-256 CA in <dir>/.
mkca() {
    mkdir -p "$1/newcerts"
    : > "$1/index.txt"
    echo 1000 > "$1/serial"
    openssl ecparam -name prime256v1 -genkey -noout -out "$1/key.pem"
    openssl req -new -config ext.cnf -key "$1/key.pem" -subj "/CN=$2" -out "$1/req.pem"
    (cd "$1" && openssl ca -batch -config ../ext.cnf -selfsign -keyfile key.pem -in req.pem \
        -startdate 20000101000000Z -enddate 20991231235959Z -extensions v3_ca -notext \
        -out cert.pem 2>/dev/null)
}

# issue <cadir> <keyfile> <CN> <ext section> <start> <end> <out.pem>
issue() {
    openssl req -new -config ext.cnf -key "$2" -subj "/CN=$3" -out req.pem
    (cd "$1" && openssl ca -batch -config ../ext.cnf -cert cert.pem -keyfile key.pem \
        -in ../req.pem -startdate "$5" -enddate "$6" -extensions "$4" -notext \
        -out "../$7" 2>/dev/null)
}

mkca ca "mip6tls Test CA"
mkca rogue "mip6tls Rogue CA"

# The P-256 key as `openssl ecparam -genkey` writes it: EC PARAMETERS then EC PRIVATE KEY.
openssl ecparam -name prime256v1 -genkey -out ec.pem
openssl pkey -in ec.pem -out ec_pk8.pem
openssl ec -in ec.pem -outform DER -out ec.der 2>/dev/null
openssl genrsa -out rsa_pk8.pem 2048 2>/dev/null
openssl rsa -in rsa_pk8.pem -traditional -out rsa.pem 2>/dev/null
openssl pkey -in rsa_pk8.pem -outform DER -out rsa_pk8.der
openssl genrsa -out rsa1024.pem 1024 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ha_ec_key.pem
openssl genpkey -algorithm ed25519 -out ed25519.pem
openssl pkcs8 -topk8 -in ec_pk8.pem -v2 aes-128-cbc -passout pass:mip6tls -out ec_enc.pem

long=20240101000000Z
end=20991231235959Z
issue ca ec.pem hac.example.com v3_hac $long $end hac_ec.pem
issue ca rsa_pk8.pem hac.example.com v3_hac $long $end hac_rsa.pem
issue ca ec.pem other.example.com v3_wrong $long $end wrongname.pem
issue ca ec.pem hac.example.com v3_hac 20200101000000Z 20210101000000Z expired.pem
issue ca ec.pem wildcard.example.com v3_wild $long $end wildcard.pem
issue ca ec.pem hac.example.com v3_cn $long $end cnonly.pem
issue ca ec.pem hac.example.com v3_big $long $end big.pem
issue ca rsa1024.pem hac.example.com v3_hac $long $end weak.pem
issue rogue ec.pem hac.example.com v3_hac $long $end rogue_ee.pem
issue ca ha_ec_key.pem ha1.example.com v3_ha $long $end ha_ec.pem
issue ca rsa_pk8.pem ha2.example.com v3_ha2 $long $end ha_rsa.pem
issue ca ha_ec_key.pem ha1.example.com v3_ha 20200101000000Z 20210101000000Z ha_expired.pem
issue rogue ha_ec_key.pem ha1.example.com v3_ha $long $end ha_rogue.pem

for c in hac_ec hac_rsa wrongname expired wildcard cnonly big weak rogue_ee ha_ec ha_rsa; do
    openssl x509 -in $c.pem -outform DER -out $c.der
done
openssl x509 -in ca/cert.pem -outform DER -out ca.der
cat hac_ec.pem ca/cert.pem > hac_ec_chain.pem
cat hac_rsa.pem ca/cert.pem > hac_rsa_chain.pem
cat ha_ec.pem ca/cert.pem > ha_ec_chain.pem
cat ha_rsa.pem ca/cert.pem > ha_rsa_chain.pem

# pem <name> <file>: a C string, one literal per line.
pem() {
    printf 'const char %s[] =\n' "$1"
    sed 's/^/    "/; s/$/\\n"/' "$2"
    printf '    ;\n\n'
}

# der <name> <file>: a byte array and its length.
der() {
    printf 'const uint8_t %s[] = {\n' "$1"
    od -An -v -tx1 "$2" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//' | tr ' ' '\n' |
        awk '{ printf "%s0x%s,", (NR % 12 == 1) ? "    " : " ", $1; if (NR % 12 == 0) print "" }
             END { if (NR % 12 != 0) print "" }'
    printf '};\nconst size_t %s_len = sizeof %s;\n\n' "$1" "$1"
}

{
    cat <<'EOF'
/*
 * test_pki.c: GENERATED by tests/vectors/gen_test_pki.sh with the openssl CLI; do not edit.
 * Regenerate with `sh tests/vectors/gen_test_pki.sh`. Test-only keys: production code never
 * embeds keys. See test_pki.h for what each object is.
 */
#include "test_pki.h"

EOF
    pem tpki_ca_pem ca/cert.pem
    der tpki_ca_der ca.der
    pem tpki_rogue_ca_pem rogue/cert.pem
    pem tpki_hac_ec_chain_pem hac_ec_chain.pem
    der tpki_hac_ec_der hac_ec.der
    pem tpki_hac_rsa_chain_pem hac_rsa_chain.pem
    der tpki_hac_rsa_der hac_rsa.der
    pem tpki_ec_key_pem ec.pem
    pem tpki_ec_key_pk8_pem ec_pk8.pem
    der tpki_ec_key_der ec.der
    pem tpki_rsa_key_pem rsa.pem
    pem tpki_rsa_key_pk8_pem rsa_pk8.pem
    der tpki_rsa_key_pk8_der rsa_pk8.der
    pem tpki_ed25519_key_pem ed25519.pem
    pem tpki_ec_key_encrypted_pem ec_enc.pem
    pem tpki_wrongname_pem wrongname.pem
    pem tpki_expired_pem expired.pem
    der tpki_expired_der expired.der
    pem tpki_wildcard_pem wildcard.pem
    pem tpki_cnonly_pem cnonly.pem
    der tpki_big_der big.der
    pem tpki_weak_pem weak.pem
    pem tpki_weak_key_pem rsa1024.pem
    pem tpki_rogue_pem rogue_ee.pem
    pem tpki_ha_ec_chain_pem ha_ec_chain.pem
    der tpki_ha_ec_der ha_ec.der
    pem tpki_ha_key_pem ha_ec_key.pem
    pem tpki_ha_rsa_chain_pem ha_rsa_chain.pem
    der tpki_ha_rsa_der ha_rsa.der
    pem tpki_ha_expired_pem ha_expired.pem
    pem tpki_ha_rogue_pem ha_rogue.pem
} > "$out/test_pki.c"

cat > "$out/test_pki.h" <<'EOF'
/*
 * test_pki.h: a small test PKI, GENERATED by tests/vectors/gen_test_pki.sh (openssl CLI) into
 * test_pki.c. Test-only keys and certificates; production code never embeds keys.
 *
 * Every end-entity certificate is issued by "mip6tls Test CA" (P-256, ecdsa-with-SHA256) unless
 * said otherwise, and every one but hac-rsa uses the same P-256 key (tpki_ec_key_*).
 *   hac-ec     DNS:hac.example.com, IP:2001:db8::1, IP:192.0.2.1; 2024-01-01 .. 2099-12-31
 *   hac-rsa    the same names, RSA-2048 key (tpki_rsa_key_*)
 *   wrongname  DNS:other.example.com, IP:2001:db8::99
 *   expired    the hac names, valid 2020-01-01 .. 2021-01-01 only
 *   wildcard   DNS:*.example.com only
 *   cnonly     CN=hac.example.com, no subjectAltName
 *   big        the hac names plus 110 filler names: its DER is longer than 4 KiB
 *   weak       the hac names, RSA-1024 key (tpki_weak_key_pem)
 *   rogue      the hac names, issued by "mip6tls Rogue CA" (tpki_rogue_ca_pem)
 * HA client certificates for mutual TLS (keyUsage digitalSignature, extendedKeyUsage
 * clientAuth; hac-ec and hac-rsa say serverAuth only):
 *   ha-ec      DNS:ha1.example.com, its own P-256 key (tpki_ha_key_pem); 2024 .. 2099
 *   ha-rsa     DNS:ha2.example.com, the RSA-2048 key of hac-rsa
 *   ha-expired ha-ec's key and name, valid 2020-01-01 .. 2021-01-01 only
 *   ha-rogue   ha-ec's key and name, issued by "mip6tls Rogue CA"
 * Chains (*_chain_pem) are the end-entity certificate followed by the CA certificate.
 */
#ifndef MIP6TLS_TEST_PKI_H
#define MIP6TLS_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock times (unix seconds) to inject: inside every long validity, and inside the
 * expired certificate's. */
#define TPKI_TIME_NOW 1893456000u     /* 2030-01-01T00:00:00Z */
#define TPKI_TIME_IN_2020 1590969600u /* 2020-06-01T00:00:00Z */

extern const char tpki_ca_pem[];
extern const uint8_t tpki_ca_der[];
extern const size_t tpki_ca_der_len;
extern const char tpki_rogue_ca_pem[];

extern const char tpki_hac_ec_chain_pem[];
extern const uint8_t tpki_hac_ec_der[];
extern const size_t tpki_hac_ec_der_len;
extern const char tpki_hac_rsa_chain_pem[];
extern const uint8_t tpki_hac_rsa_der[];
extern const size_t tpki_hac_rsa_der_len;

/* P-256 key: SEC1 PEM preceded by an EC PARAMETERS object, PKCS#8 PEM, SEC1 DER. */
extern const char tpki_ec_key_pem[];
extern const char tpki_ec_key_pk8_pem[];
extern const uint8_t tpki_ec_key_der[];
extern const size_t tpki_ec_key_der_len;
/* RSA-2048 key: PKCS#1 PEM, PKCS#8 PEM, PKCS#8 DER. */
extern const char tpki_rsa_key_pem[];
extern const char tpki_rsa_key_pk8_pem[];
extern const uint8_t tpki_rsa_key_pk8_der[];
extern const size_t tpki_rsa_key_pk8_der_len;
/* Keys BearSSL cannot use: Ed25519 (PKCS#8), and the P-256 key encrypted (PBES2). */
extern const char tpki_ed25519_key_pem[];
extern const char tpki_ec_key_encrypted_pem[];

extern const char tpki_wrongname_pem[];
extern const char tpki_expired_pem[];
extern const uint8_t tpki_expired_der[];
extern const size_t tpki_expired_der_len;
extern const char tpki_wildcard_pem[];
extern const char tpki_cnonly_pem[];
extern const uint8_t tpki_big_der[];
extern const size_t tpki_big_der_len;
extern const char tpki_weak_pem[];
extern const char tpki_weak_key_pem[];
extern const char tpki_rogue_pem[];

extern const char tpki_ha_ec_chain_pem[];
extern const uint8_t tpki_ha_ec_der[];
extern const size_t tpki_ha_ec_der_len;
extern const char tpki_ha_key_pem[]; /* SEC1 PEM, no EC PARAMETERS */
extern const char tpki_ha_rsa_chain_pem[];
extern const uint8_t tpki_ha_rsa_der[];
extern const size_t tpki_ha_rsa_der_len;
extern const char tpki_ha_expired_pem[];
extern const char tpki_ha_rogue_pem[];

#endif
EOF
echo "wrote $out/test_pki.h and $out/test_pki.c"
