/*
 * pump.h: MN <-> HA+HAC <-> correspondent, wired in memory on virtual time.
 *
 *   [CN 2001:db8:99::1] --- home network --- [HA+HAC 2001:db8::1 / 192.0.2.1, port 7872]
 *                                                        |  one-way delay d, UDP loss/dup/reorder
 *                                         access network A/B/C (the MN's care-of addresses)
 *                                                        |
 *                                              [MN HoA 2001:db8:1::100]
 *
 * The real core contexts run unmodified: the MN (with its bootstrap over TLS), the HAC and the
 * HA, co-located (the HAC's SA_INSTALL goes straight into the HA). TCP is reliable and in
 * order with the same one-way delay (a connection costs one round trip); UDP datagrams can be
 * lost, duplicated or delayed further (reordering). A datagram for a care-of address the MN has
 * left is lost, as on a real handover. The CN is a traffic source and sink. Test code only
 * (uses malloc).
 */
#ifndef MIP6TLS_PUMP_H
#define MIP6TLS_PUMP_H

#include <stddef.h>
#include <stdint.h>

#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/mn.h"

#define PUMP_T0 1000000u                /* now_ms when a pump starts */
#define PUMP_WALL_T0 1798761600000ll    /* 2027-01-01T00:00:00Z at PUMP_T0 */

typedef struct {
    uint32_t delay_ms;     /* one-way delay MN <-> home, both UDP and TCP; 0: 10 */
    uint32_t loss_pm;      /* UDP loss, per mille, each direction */
    uint32_t dup_pm;       /* UDP duplication, per mille */
    uint32_t reorder_pm;   /* UDP: this share gets reorder_ms extra delay */
    uint32_t reorder_ms;
    uint64_t seed;         /* loss/dup/reorder draws and the DRBG seeds */
    int eap;               /* bootstrap with EAP-GPSK instead of the PSK exchange */
    int wrong_psk;         /* the MN holds a different PSK than the HAC */
    const char *hac_name;  /* the name the MN checks (default "hac.example.com") */
    uint32_t sa_lifetime_s;/* HAC's SA validity; 0: 86400 */
    uint16_t suite;        /* restrict the MN's suite list to this one (0: all) */
    int no_resumption;
    int hac_allows_null;   /* the HAC's policy offers the NULL-encryption suites too */
} pump_cfg;

/* One transmission on the MN <-> home path, for round-trip and message counting. */
typedef struct {
    uint64_t t;
    uint8_t up;    /* 1: MN -> home, 0: home -> MN */
    uint8_t tcp;   /* 1: TCP (SYN, data, FIN), 0: UDP */
    uint8_t ptype; /* UDP: PType (0xFF for a keepalive) */
    uint8_t lost;
    uint32_t spi;
    size_t len;
} pump_tx;

/* One event a context reported. */
typedef struct {
    uint64_t t;
    char node; /* 'M', 'A' (HA), 'C' (HAC) */
    uint16_t event;
    uint32_t conn;
    uint64_t arg;
} pump_event;

typedef struct pump pump;

pump *pump_new(const pump_cfg *cfg);
void pump_free(pump *p);

uint64_t pump_now(const pump *p);

/* Runs every due timer and delivery up to and including time t. */
void pump_run_until(pump *p, uint64_t t);

/* Runs until the MN's state is `state` or `limit` passes; returns 1 when reached. */
int pump_run_until_mn_state(pump *p, int state, uint64_t limit);

/* The MN moves to access network i (0: 2001:db8:a::5, 1: 2001:db8:b::5, 2: 198.51.100.5,
 * 3: 2001:db8:c::5) now. */
void pump_mn_move(pump *p, int i);

/* User traffic: one inner IPv6 UDP packet with a running number, CN -> HoA or HoA -> CN. */
void pump_cn_send(pump *p);
void pump_mn_send(pump *p);
/* Both at once, `n` times, `gap_ms` apart; then 200 ms more so that everything sent lands. */
void pump_exchange(pump *p, uint32_t n, uint32_t gap_ms);
/* Packets sent and delivered per direction (to the MN, to the CN). */
void pump_traffic(const pump *p, uint32_t *cn_sent, uint32_t *mn_got, uint32_t *mn_sent,
                  uint32_t *cn_got);
/* Packets delivered twice (must stay 0: the replay windows). */
uint32_t pump_duplicates(const pump *p);

/* Restarts the home node (HAC and HA, as after a crash): new contexts, SAs read back from
 * what the HAC persisted and restored into the HA (mip6tls_ha_restore_sa: the MN is asked to
 * re-key at its next BU, decisions/0015). Bindings are lost. */
void pump_restart_home(pump *p);

/* Injects a UDP payload at the HA from the MN's current endpoint. Returns ha_recv's result. */
int pump_inject_to_ha(pump *p, const uint8_t *data, size_t len);

mip6tls_mn *pump_mn(pump *p);
mip6tls_ha *pump_ha(pump *p);
mip6tls_hac *pump_hac(pump *p);

const pump_tx *pump_trace(const pump *p, size_t *n);
const pump_event *pump_events(const pump *p, size_t *n);
/* The time of the first event `ev` of `node` at or after `from`, or 0 when none. */
uint64_t pump_event_time(const pump *p, char node, uint16_t ev, uint64_t from);
/* How many events `ev` of `node` happened at or after `from`. */
size_t pump_event_count(const pump *p, char node, uint16_t ev, uint64_t from);

/* Prints the trace and events (for a failing test). */
void pump_dump(const pump *p);

#endif
