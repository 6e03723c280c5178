/*
 * test_cbind.c: tls-server-end-point channel binding (cbind.c, RFC 5929 §4.1).
 *
 * The certificates are real self-signed certificates made with OpenSSL 3.0 for this test:
 *   openssl req -x509 -newkey rsa:2048 -sha256 ...            -> cert_rsa256 (sha256WithRSA)
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -> cert_ec384
 *   openssl req -x509 -newkey rsa:1024 -sha1 ...              -> cert_rsa1 (sha1WithRSA)
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha512 -> cert_ec512
 *   openssl req -x509 -newkey ed25519 ...                     -> cert_ed (no hash function)
 * all with -subj "/CN=hac.example.net", converted with `openssl x509 -outform DER`. The
 * expected bindings are `openssl dgst -sha256|-sha384|-sha512 CERT.der` of those DER files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/cbind.h"
#include "testutil.h"

static const char cert_rsa256[] =
    "30820315308201fda00302010202147908083f7ee5ab819de8d62b7875c5e5fb3ce11d300d06092a864886f7"
    "0d01010b0500301a3118301606035504030c0f6861632e6578616d706c652e6e6574301e170d323631313232"
    "3231303230315a170d3336313131393231303230315a301a3118301606035504030c0f6861632e6578616d70"
    "6c652e6e657430820122300d06092a864886f70d01010105000382010f003082010a0282010100b3059b6161"
    "dd71a2272e3f5e846118f7b58a3158fe6c5dc89faefd0e3cd33202b95c682ace4219ea502de843bbcf5a18ff"
    "1e0f4235bad2df68744eac0381481aa74e68817162fd949ae296ccc9af60352e565050b44b0f4b6b66dc4025"
    "6d670a8338439881b38a62c6c231692e76e0f6e53d65d763ca7e2dc86fa6d20dd9694bc21956b4a86b32bfbd"
    "a02679698aee73f5ab55b5ad3b1f10d18dc34f782678488bb243a4b804e34d5ab6f1059260889170738022de"
    "ed6639f67a5bb7eb4ef12d6e907d4612dacfda95a6a1459f7c6aadbb1c2683ebc7e4ae8745719411db1a0d5a"
    "b079cbf708c79e1ddbcfedda0452a42b56e8e4b51cbd289c49b5188ec8ab1b0203010001a3533051301d0603"
    "551d0e041604140ef3d182e62d04764a68e0cf97d516e46a268828301f0603551d230418301680140ef3d182"
    "e62d04764a68e0cf97d516e46a268828300f0603551d130101ff040530030101ff300d06092a864886f70d01"
    "010b05000382010100555543b4951a0876dd9e1ea360b885873b8b2608af8fd9eea204d0f438162d09db20d1"
    "2fcb4258e4a1babf3e38af1a2598437ea495750d6b5fc6a16e5508e1598a3d10d70930c733a532cdcc820906"
    "45d88b506277d2e6ff54ea313450a24f74f6539e43ced1c1f49578adbd66f172d2c9ecf44eb19a06d68cd598"
    "df662f762b804b03f208113ab1cae13a238b8ed31cf122c216b67e7c1d26d42225930d76062d411915d29b6b"
    "cb77db4361e1dfc1af95fe713d66c2f75e867da4a5a1f4956465ad493fb34af74077c572ed76e368f76c4c9b"
    "09c40f84bf2723f3a3b2739f394e019b0651b32d0cfebea7c3620e59fdd49c02c4ba18348c06400a2da72f2d"
    "c2";
static const char cert_ec384[] =
    "308201c53082014ca00302010202146913a144eda25030ebd8e871ab0a1a1f42fe1a7c300a06082a8648ce3d"
    "040303301a3118301606035504030c0f6861632e6578616d706c652e6e6574301e170d323631313232323130"
    "3230315a170d3336313131393231303230315a301a3118301606035504030c0f6861632e6578616d706c652e"
    "6e65743076301006072a8648ce3d020106052b8104002203620004c614236c615870b960aaf648e84b82dd9d"
    "81c938be1b168e8cded8c9d3b544494fb8ce6f9e186996a8f3ca7ac25adfbfeb518abba5a135375fcb659fe0"
    "a4bb0985b9c2f0fe61a6220a9ad7b41615cd18228a09dc7aff095beb9ae53e8b8d7e51a3533051301d060355"
    "1d0e04160414b1b2651d34ba9a20062b96554fc3d5441a18cd2f301f0603551d23041830168014b1b2651d34"
    "ba9a20062b96554fc3d5441a18cd2f300f0603551d130101ff040530030101ff300a06082a8648ce3d040303"
    "03670030640230183b26a79b9ffc19bfdbf2af059e4a9e3c5f4d44c5439e43d8e1c9c4370be8da30d5220511"
    "906293832467fe8a332b370230415d895727506b766501bc7b17163f78bc8223b4cd31ff65a3da9b4673914e"
    "f84991c2313013fc07fabfdc703570b440";
static const char cert_rsa1[] =
    "3082021030820179a003020102021447b149b7aef0e6132a9b57ac6e313eaddfe5d096300d06092a864886f7"
    "0d0101050500301a3118301606035504030c0f6861632e6578616d706c652e6e6574301e170d323631313232"
    "3231303230315a170d3336313131393231303230315a301a3118301606035504030c0f6861632e6578616d70"
    "6c652e6e657430819f300d06092a864886f70d010101050003818d0030818902818100c6d23baf88018c0e6e"
    "87412db57dad1cd38f23c8654ec76ee914fb813fba9ca0def24a4297b8147d032d9d223a61885cb33e0f2d90"
    "ea41aac332635a65197e2e85c5b51effa6243d299d804055f87737e8ebf55e4c929d9b5f965cd804f09d7e5b"
    "a47ed3e3d191a1ebffa0d689f4a277df1ad7b412a9bc108af9b5fd7a6deab30203010001a3533051301d0603"
    "551d0e041604142cdc6ea6dfc1d13a01e85317e10d2e11d69fda9c301f0603551d230418301680142cdc6ea6"
    "dfc1d13a01e85317e10d2e11d69fda9c300f0603551d130101ff040530030101ff300d06092a864886f70d01"
    "01050500038181001f7eb4d824856ff4fd472052706864b7d445b3c55a393d64789046ef088810b6e9d00b3d"
    "5a297753fcd220408ad3d07ee88b02d89fe2e3899c41d7860a8179c41b2a24c3157c84a8a01dfba2eb45cb71"
    "5a883e3b24f5ed2973f67e1752c29ce352359c579ffba32126fffa1a4bbd9feb4a529df7efc2fa6d7466dd0f"
    "59743cec";
static const char cert_ec512[] =
    "308201883082012fa003020102021429b6c218d58a7da07fa52d8986e008012ab9e093300a06082a8648ce3d"
    "040304301a3118301606035504030c0f6861632e6578616d706c652e6e6574301e170d323631313232323130"
    "3230315a170d3336313131393231303230315a301a3118301606035504030c0f6861632e6578616d706c652e"
    "6e65743059301306072a8648ce3d020106082a8648ce3d03010703420004aa1e384f03f68db131d557eb8e8c"
    "822ee89c1d64f109b94efc0ef3ef5d093a200e751332999efde7f15e4fe9693a29ee335a53159e86b4f23fbd"
    "b12088c833b5a3533051301d0603551d0e041604143189cc34af478ebb5f6d30b9b819881d43a89f00301f06"
    "03551d230418301680143189cc34af478ebb5f6d30b9b819881d43a89f00300f0603551d130101ff04053003"
    "0101ff300a06082a8648ce3d0403040347003044022063ceaeacf184c95041bd11f6302c60175b9870741766"
    "241ec7a821d00757cde702207bd14a77a379a26ecb6846b99205597aed1ad268ba502f47ffeb6fa0aac3b94f";
static const char cert_ed[] =
    "308201483081fba00302010202143e2f77f88c7d18a1250c38753a7db2b1006dfeaf300506032b6570301a31"
    "18301606035504030c0f6861632e6578616d706c652e6e6574301e170d3236313132323231303230315a170d"
    "3336313131393231303230315a301a3118301606035504030c0f6861632e6578616d706c652e6e6574302a30"
    "0506032b6570032100cd1e283cbdcaa1a2d43ea1122cac770326332a1c60fe571cfd77dfe8263b9368a35330"
    "51301d0603551d0e041604149c2d0ff7b67bf254c060c7fcfb727e4c786dd4db301f0603551d230418301680"
    "149c2d0ff7b67bf254c060c7fcfb727e4c786dd4db300f0603551d130101ff040530030101ff300506032b65"
    "70034100af17e0a814beb9fa4c1612f27296b157a33f620ad10a073ed2d7228d191d8c574f70db700de025da"
    "2373edfe304883e639e872571b64fa14aa046ef1420ba60f";

/* openssl dgst -sha256 rsa256.der */
static const char cb_rsa256[] = "6d7abf8127c395401fb51efae0b69d9316a6ebcaa331cca8377e2f14dafe3d77";
/* openssl dgst -sha384 ec384.der */
static const char cb_ec384[] = "b2c0a0c5f45b15b9e546847b31a74d4483a4165703856de4c2f45f92098fad63"
                               "0b53a0e7fa1bf5f09a4fac48f60343fe";
/* openssl dgst -sha256 rsa1.der: SHA-1 signatures bind with SHA-256 (RFC 5929 §4.1) */
static const char cb_rsa1[] = "03c32e990f5b5b54a72e21be5d383c850f8f292252e0463cc7c00ffc8b09ae68";
/* openssl dgst -sha512 ec512.der */
static const char cb_ec512[] = "24a7f247194b0213e7514771808ed8869c1c8dec423f7b41f27ea462efeeeb70"
                               "4e007ea9aed7c38226bcc122092f201de0ec6fefaff78b7ec5ef01fd71131e37";

static uint8_t der[2048];

static size_t load(const char *hex)
{
    size_t n = tu_unhex(der, sizeof der, hex);
    assert_true(n != (size_t)-1 && n > 0);
    return n;
}

static void check_vector(const char *cert_hex, const char *cb_hex)
{
    uint8_t want[MIP6TLS_CBIND_MAX], got[MIP6TLS_CBIND_MAX];
    size_t n = load(cert_hex), wn = tu_unhex(want, sizeof want, cb_hex);
    int rc = mip6tls_cbind_server_end_point(der, n, got, sizeof got);
    assert_int_equal(rc, (int)wn);
    assert_memory_equal(got, want, wn);
    /* An output one octet short is refused and left alone. */
    memset(got, 0xa5, sizeof got);
    assert_int_equal(mip6tls_cbind_server_end_point(der, n, got, wn - 1), MIP6TLS_ERR_NOBUF);
    assert_int_equal(got[0], 0xa5);
}

static void rsa_sha256(void **state)
{
    (void)state;
    check_vector(cert_rsa256, cb_rsa256);
}

static void ecdsa_sha384(void **state)
{
    (void)state;
    check_vector(cert_ec384, cb_ec384);
}

static void rsa_sha1_uses_sha256(void **state)
{
    (void)state;
    check_vector(cert_rsa1, cb_rsa1);
}

static void ecdsa_sha512(void **state)
{
    (void)state;
    check_vector(cert_ec512, cb_ec512);
}

static void ed25519_is_undefined(void **state)
{
    uint8_t out[MIP6TLS_CBIND_MAX];
    size_t n = load(cert_ed);
    (void)state;
    /* RFC 5929 §4.1: no hash function in the signature algorithm -> no binding. */
    assert_int_equal(mip6tls_cbind_server_end_point(der, n, out, sizeof out),
                     MIP6TLS_ERR_UNSUPPORTED);
}

static void trailing_and_truncated(void **state)
{
    uint8_t out[MIP6TLS_CBIND_MAX];
    size_t n = load(cert_ec384), k;
    (void)state;
    der[n] = 0;
    assert_int_equal(mip6tls_cbind_server_end_point(der, n + 1, out, sizeof out),
                     MIP6TLS_ERR_MALFORMED);
    for (k = 0; k < n; k++)
        assert_int_equal(mip6tls_cbind_server_end_point(der, k, out, sizeof out),
                         MIP6TLS_ERR_MALFORMED);
    assert_int_equal(mip6tls_cbind_server_end_point(NULL, 0, out, sizeof out),
                     MIP6TLS_ERR_MALFORMED);
}

static void damaged_inner_structure(void **state)
{
    uint8_t out[MIP6TLS_CBIND_MAX];
    size_t n = load(cert_rsa256);
    (void)state;
    /* The outer length still matches, but the TBSCertificate tag does not. */
    assert_int_equal(der[4], 0x30);
    der[4] = 0x31;
    assert_int_equal(mip6tls_cbind_server_end_point(der, n, out, sizeof out),
                     MIP6TLS_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rsa_sha256),
        cmocka_unit_test(ecdsa_sha384),
        cmocka_unit_test(rsa_sha1_uses_sha256),
        cmocka_unit_test(ecdsa_sha512),
        cmocka_unit_test(ed25519_is_undefined),
        cmocka_unit_test(trailing_and_truncated),
        cmocka_unit_test(damaged_inner_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
