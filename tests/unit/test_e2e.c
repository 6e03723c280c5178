/*
 * test_e2e.c: the whole story in memory (tests/support/pump.c): MN, HAC and HA contexts as they
 * are, TLS 1.2 and the RFC 6618 exchanges for real, on virtual time with delay, loss,
 * duplication and reordering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mip6tls/encap.h"
#include "pump.h"

#define D 10 /* one-way delay, ms */

static void check_all_delivered(pump *p)
{
    uint32_t cs, mg, ms, cg;
    pump_traffic(p, &cs, &mg, &ms, &cg);
    assert_int_equal(mg, cs);
    assert_int_equal(cg, ms);
    assert_int_equal(pump_duplicates(p), 0);
}

/* First bootstrap + registration + data both ways; six round trips to the first BA. */
static void bootstrap_register_and_data(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint64_t t0, t_ba;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    p = pump_new(&cfg);
    t0 = pump_now(p);
    pump_mn_move(p, 0);
    if (!pump_run_until_mn_state(p, MIP6TLS_MN_BOUND, t0 + 60000))
        pump_dump(p);
    assert_int_equal(pump_mn(p)->state, MIP6TLS_MN_BOUND);
    t_ba = pump_event_time(p, 'M', MIP6TLS_MN_EV_BA_RECEIVED, t0);
    /* TCP (1) + TLS 1.2 full handshake (2) + PSK exchange (2) + BU/BA (1) */
    printf("# full bootstrap to first BA: %llu ms = %llu round trips of %d ms\n",
           (unsigned long long)(t_ba - t0), (unsigned long long)((t_ba - t0) / (2 * D)), 2 * D);
    assert_int_equal(t_ba - t0, 6 * 2 * D);
    assert_int_equal(mip6tls_hac_sa_count(pump_hac(p)), 1);
    assert_int_equal(mip6tls_ha_binding_count(pump_ha(p)), 1);
    /* §5.6.4: the scope is agreed: the MN and the HA apply the same one. */
    {
        const mip6tls_sa *sa = mip6tls_mn_active_sa(pump_mn(p));
        const mip6tls_ha_entry *e = mip6tls_ha_find_spi(pump_ha(p), sa->keys.spi);
        assert_non_null(e);
        assert_int_equal(e->scope, sa->scope);
        assert_int_equal(e->scope, MIP6TLS_SAS_ALL); /* what the MN proposed and the HAC chose */
    }
    pump_exchange(p, 20, 5);
    check_all_delivered(p);
    pump_free(p);
}

static pump *bound_pump(const pump_cfg *cfg, int net)
{
    pump *p = pump_new(cfg);
    pump_mn_move(p, net);
    if (!pump_run_until_mn_state(p, MIP6TLS_MN_BOUND, pump_now(p) + 120000))
        pump_dump(p);
    assert_int_equal(pump_mn(p)->state, MIP6TLS_MN_BOUND);
    return p;
}

static size_t count_tx(pump *p, uint64_t from, int tcp, int ptype)
{
    size_t n, i, k = 0;
    const pump_tx *tx = pump_trace(p, &n);
    for (i = 0; i < n; i++)
        k += tx[i].t >= from && tx[i].tcp == tcp && (ptype < 0 || tx[i].ptype == ptype);
    return k;
}

/* A move costs exactly one BU/BA round trip and no re-keying. */
static void handover_one_round_trip(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint64_t t, t_ba;
    uint32_t spi;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    p = bound_pump(&cfg, 0);
    spi = mip6tls_mn_active_sa(pump_mn(p))->keys.spi;
    pump_run_until(p, pump_now(p) + 1000);
    t = pump_now(p);
    pump_mn_move(p, 1);
    assert_true(pump_run_until_mn_state(p, MIP6TLS_MN_BOUND, t + 10000));
    t_ba = pump_event_time(p, 'M', MIP6TLS_MN_EV_BA_RECEIVED, t);
    printf("# move: %llu ms = %llu round trip(s)\n", (unsigned long long)(t_ba - t),
           (unsigned long long)((t_ba - t) / (2 * D)));
    assert_int_equal(t_ba - t, 2 * D);
    assert_int_equal(count_tx(p, t, 0, MIP6TLS_PTYPE_MH), 2); /* one BU, one BA */
    assert_int_equal(count_tx(p, t, 1, -1), 0);                /* no TCP: no bootstrap */
    assert_int_equal(mip6tls_mn_active_sa(pump_mn(p))->keys.spi, spi);
    assert_int_equal(pump_event_count(p, 'A', MIP6TLS_HA_EV_BINDING_UPDATED, t), 1);
    /* Traffic follows the MN to its new address. */
    pump_exchange(p, 10, 3);
    check_all_delivered(p);
    pump_free(p);
}

/* 176 -> the MN re-bootstraps (TLS resumed: 5 round trips to the BA under the new SA) while
 * user traffic flows both ways every 2 ms: not one packet is lost. */
static void renewal_resumed_and_lossless(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint64_t t, t_need, t_act;
    uint32_t old_spi, cs, mg, ms, cg;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    p = bound_pump(&cfg, 0);
    old_spi = mip6tls_mn_active_sa(pump_mn(p))->keys.spi;
    assert_int_equal(mip6tls_ha_request_rekey(pump_ha(p), old_spi), 0);
    t = pump_now(p);
    /* A move makes the MN send a BU now; the HA answers 176. */
    pump_mn_move(p, 1);
    pump_exchange(p, 1000, 2);
    assert_int_equal(pump_event_count(p, 'A', MIP6TLS_HA_EV_REKEY_REQUESTED, t), 1);
    t_need = pump_event_time(p, 'M', MIP6TLS_MN_EV_NEED_BOOTSTRAP, t);
    t_act = pump_event_time(p, 'M', MIP6TLS_MN_EV_SA_ACTIVATED, t);
    assert_true(t_need > 0 && t_act > t_need);
    printf("# resumed bootstrap to the BA under the new SA: %llu ms = %llu round trips\n",
           (unsigned long long)(t_act - t_need), (unsigned long long)((t_act - t_need) / (2 * D)));
    /* TCP (1) + resumed TLS (1) + PSK (2) + BU/BA (1) */
    assert_int_equal(t_act - t_need, 5 * 2 * D);
    assert_int_equal(pump_event_count(p, 'C', MIP6TLS_HAC_EV_TLS_UP, t), 1);
    assert_int_not_equal(mip6tls_mn_active_sa(pump_mn(p))->keys.spi, old_spi);
    pump_traffic(p, &cs, &mg, &ms, &cg);
    printf("# during the re-key: %u CN->MN and %u MN->CN packets sent, %u and %u delivered\n",
           cs, ms, mg, cg);
    /* Packets sent before the move reached the MN's old address in flight: those are the
     * move's, not the re-key's; the move happened at t, so allow one delay's worth. */
    assert_true(cs - mg <= (uint32_t)(D / 2 + 1));
    assert_int_equal(cg, ms);
    assert_int_equal(pump_duplicates(p), 0);
    pump_free(p);
}

/* The same re-key without a move: exactly zero loss in both directions. */
static void renewal_in_place_zero_loss(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint64_t t;
    uint32_t old_spi;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    cfg.sa_lifetime_s = 900; /* renewal 300 s before the end: at 600 s */
    p = bound_pump(&cfg, 0);
    old_spi = mip6tls_mn_active_sa(pump_mn(p))->keys.spi;
    t = pump_now(p);
    pump_exchange(p, 12100, 50);
    assert_true(pump_event_time(p, 'M', MIP6TLS_MN_EV_NEED_BOOTSTRAP, t) > 0);
    assert_true(pump_event_time(p, 'M', MIP6TLS_MN_EV_SA_ACTIVATED, t) > 0);
    assert_int_not_equal(mip6tls_mn_active_sa(pump_mn(p))->keys.spi, old_spi);
    check_all_delivered(p);
    pump_free(p);
}

/* 30% loss on the access link: registration still completes, BUs spaced by the back-off. */
static void lossy_registration_backoff(void **state)
{
    size_t most = 0;
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        pump_cfg cfg;
        pump *p;
        size_t n, i, k = 0;
        const pump_tx *tx;
        uint64_t prev = 0, t_start;
        memset(&cfg, 0, sizeof cfg);
        cfg.delay_ms = D;
        cfg.loss_pm = 300;
        cfg.seed = seed;
        p = pump_new(&cfg);
        pump_mn_move(p, 0);
        t_start = pump_now(p);
        assert_true(pump_run_until_mn_state(p, MIP6TLS_MN_BOUND, t_start + 600000));
        tx = pump_trace(p, &n);
        for (i = 0; i < n; i++) {
            uint64_t want;
            if (!tx[i].up || tx[i].tcp || tx[i].ptype != MIP6TLS_PTYPE_MH)
                continue;
            /* RFC 6275 §11.8: 1.5 s (first registration), then doubling to 32 s */
            want = k == 1 ? 1500 : k == 2 ? 3000 : k == 3 ? 6000 : k == 4 ? 12000
                 : k == 5 ? 24000 : 32000;
            if (k > 0)
                assert_int_equal(tx[i].t - prev, want);
            prev = tx[i].t;
            k++;
        }
        if (k > most)
            most = k;
        pump_free(p);
    }
    printf("# 30%% loss, 30 seeds: every MN registered; up to %zu BU transmissions\n", most);
    assert_true(most >= 3); /* the back-off was really exercised */
}

/* Duplicated and reordered datagrams: the replay windows deliver each packet once. */
static void duplicates_and_reordering(void **state)
{
    pump_cfg cfg;
    pump *p;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    cfg.dup_pm = 300;
    cfg.reorder_pm = 300;
    cfg.reorder_ms = 7;
    cfg.seed = 99;
    p = bound_pump(&cfg, 0);
    pump_exchange(p, 200, 1);
    check_all_delivered(p);
    assert_true(pump_event_count(p, 'A', MIP6TLS_HA_EV_PACKET_DROPPED, 0) > 0);
    assert_true(pump_event_count(p, 'M', MIP6TLS_MN_EV_DROP, 0) > 0);
    pump_free(p);
}

static void wrong_psk_is_refused(void **state)
{
    pump_cfg cfg;
    pump *p;
    const pump_event *ev;
    size_t n, i, fails = 0;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    cfg.wrong_psk = 1;
    p = pump_new(&cfg);
    pump_mn_move(p, 0);
    pump_run_until(p, pump_now(p) + 10000);
    assert_int_equal(pump_mn(p)->state, MIP6TLS_MN_WAIT_SA);
    /* §5.8: the HAC's first response carries auth(PSK), so the MN finds out first: the
     * HAC does not hold its PSK. It never sends its own auth and gets no SA. */
    ev = pump_events(p, &n);
    for (i = 0; i < n; i++)
        if (ev[i].node == 'M' && ev[i].event == MIP6TLS_BOOT_EV_FAILED) {
            assert_int_equal((int64_t)ev[i].arg, MIP6TLS_ERR_AUTH);
            fails++;
        }
    /* retried with back-off: 1 s, 2 s, 4 s within 10 s */
    assert_true(fails >= 3 && fails <= 4);
    assert_int_equal(mip6tls_hac_sa_count(pump_hac(p)), 0);
    pump_free(p);
}

static void wrong_hac_name_is_refused(void **state)
{
    pump_cfg cfg;
    pump *p;
    const pump_event *ev;
    size_t n, i, fails = 0;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    cfg.hac_name = "other.example.com";
    p = pump_new(&cfg);
    pump_mn_move(p, 0);
    pump_run_until(p, pump_now(p) + 3000);
    ev = pump_events(p, &n);
    for (i = 0; i < n; i++)
        if (ev[i].node == 'M' && ev[i].event == MIP6TLS_BOOT_EV_FAILED) {
            assert_int_equal((int64_t)ev[i].arg, MIP6TLS_ERR_AUTH);
            fails++;
        }
    assert_true(fails >= 1);
    assert_int_equal(mip6tls_hac_sa_count(pump_hac(p)), 0);
    assert_int_equal(pump_mn(p)->state, MIP6TLS_MN_WAIT_SA);
    /* The port can tell why: the attempt's TLS session failed on the certificate. */
    assert_non_null(mip6tls_mn_boot(pump_mn(p)));
    assert_int_equal(mip6tls_tls_get_state(mip6tls_boot_tls(mip6tls_mn_boot(pump_mn(p)))),
                     MIP6TLS_TLS_FAILED);
    assert_int_equal(mip6tls_boot_last_error(mip6tls_mn_boot(pump_mn(p))), MIP6TLS_ERR_AUTH);
    pump_free(p);
}

static void unknown_spi_and_garbage_dropped(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint8_t pkt[64] = {0x80, 0x0A, 0xBC, 0xDE, 0, 0, 0, 1};
    static mip6tls_ha before;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    p = bound_pump(&cfg, 0);
    memcpy(&before, pump_ha(p), sizeof before);
    assert_int_equal(pump_inject_to_ha(p, pkt, sizeof pkt), MIP6TLS_ERR_SPI);
    assert_int_equal(pump_inject_to_ha(p, pkt, 5), MIP6TLS_ERR_TRUNCATED);
    assert_memory_equal(&before, pump_ha(p), sizeof before);
    pump_free(p);
}

/* The home node restarts: the HAC's persisted SA comes back, the HA asks the MN for a new SA
 * at its next BU (its counters were lost), and the MN is bound again. */
static void home_restart_recovers(void **state)
{
    pump_cfg cfg;
    pump *p;
    uint64_t t;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    p = bound_pump(&cfg, 0);
    /* Traffic first, so the HA's outbound counter is far past what a restarted counter would
     * start from: the MN's replay window would refuse anything the HA reused. */
    for (int i = 0; i < 200; i++) {
        pump_cn_send(p);
        pump_run_until(p, pump_now(p) + 1);
    }
    pump_run_until(p, pump_now(p) + 100);
    pump_restart_home(p);
    assert_int_equal(mip6tls_hac_sa_count(pump_hac(p)), 1); /* nothing lost */
    assert_int_equal(mip6tls_ha_sa_count(pump_ha(p)), 1);
    assert_int_equal(mip6tls_ha_binding_count(pump_ha(p)), 0);
    t = pump_now(p);
    pump_mn_move(p, 1); /* the next BU */
    pump_run_until(p, t + 5000);
    assert_int_equal(pump_event_count(p, 'A', MIP6TLS_HA_EV_REKEY_REQUESTED, t), 1);
    assert_true(pump_event_time(p, 'M', MIP6TLS_MN_EV_SA_ACTIVATED, t) > 0);
    assert_int_equal(pump_mn(p)->state, MIP6TLS_MN_BOUND);
    pump_exchange(p, 10, 3);
    check_all_delivered(p);
    pump_free(p);
}

static void eap_gpsk_bootstrap(void **state)
{
    pump_cfg cfg;
    pump *p;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = D;
    cfg.eap = 1;
    p = bound_pump(&cfg, 0);
    pump_exchange(p, 1, 1);
    check_all_delivered(p);
    pump_free(p);
}

/* DSMIPv6: the MN in an IPv4-only network, every suite in turn. */
static void ipv4_coa_every_suite(void **state)
{
    size_t count;
    const mip6tls_suite_info *all = mip6tls_suite_all(&count);
    (void)state;
    for (size_t i = 0; i < count; i++) {
        pump_cfg cfg;
        pump *p;
        memset(&cfg, 0, sizeof cfg);
        cfg.delay_ms = D;
        cfg.suite = all[i].code;
        cfg.hac_allows_null = 1;
        p = bound_pump(&cfg, 2);
        assert_int_equal(mip6tls_mn_active_sa(pump_mn(p))->keys.suite, all[i].code);
        pump_exchange(p, 5, 3);
        check_all_delivered(p);
        pump_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bootstrap_register_and_data),
        cmocka_unit_test(handover_one_round_trip),
        cmocka_unit_test(renewal_resumed_and_lossless),
        cmocka_unit_test(renewal_in_place_zero_loss),
        cmocka_unit_test(lossy_registration_backoff),
        cmocka_unit_test(duplicates_and_reordering),
        cmocka_unit_test(wrong_psk_is_refused),
        cmocka_unit_test(wrong_hac_name_is_refused),
        cmocka_unit_test(unknown_spi_and_garbage_dropped),
        cmocka_unit_test(home_restart_recovers),
        cmocka_unit_test(eap_gpsk_bootstrap),
        cmocka_unit_test(ipv4_coa_every_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
