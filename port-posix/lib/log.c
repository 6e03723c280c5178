/* log.c: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mip6tls/addr.h"
#include "mip6tls/boot.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/hacp.h"
#include "mip6tls/mh.h"
#include "mip6tls/mn.h"

static const char *log_prog = "mip6tls";
static px_log_level log_level = PX_LOG_INFO;

void px_log_init(const char *prog, px_log_level level)
{
    log_prog = prog;
    log_level = level;
    setvbuf(stderr, NULL, _IOLBF, 0);
}

void px_log_set_level(px_log_level level)
{
    log_level = level;
}

int px_log_level_parse(const char *s)
{
    static const char *const names[] = {"err", "warn", "info", "debug"};
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void px_log(px_log_level level, const char *fmt, ...)
{
    static const char *const lv[] = {"error", "warn", "info", "debug"};
    struct timespec ts;
    char line[1024];
    va_list ap;
    if (level > log_level)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%lld.%06ld %s %s: %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000, log_prog,
            lv[level], line);
}

const char *px_addr_str(const mip6tls_addr *a, char *buf, size_t cap)
{
    if (mip6tls_addr_format(a, buf, cap) < 0)
        snprintf(buf, cap, "-");
    return buf;
}

const char *px_ep_str(const mip6tls_endpoint *e, char *buf, size_t cap)
{
    char a[MIP6TLS_ADDR_TEXT_MAX];
    if (mip6tls_addr_format(&e->addr, a, sizeof a) < 0)
        snprintf(buf, cap, "-");
    else if (e->addr.family == MIP6TLS_AF_INET6)
        snprintf(buf, cap, "[%s]:%u", a, e->port);
    else
        snprintf(buf, cap, "%s:%u", a, e->port);
    return buf;
}

/* ---- event names ---------------------------------------------------------------------- */

static const char *mn_event_name(uint16_t ev)
{
    switch (ev) {
    case MIP6TLS_MN_EV_STATE: return "state";
    case MIP6TLS_MN_EV_SA_INSTALLED: return "sa-installed";
    case MIP6TLS_MN_EV_SA_ACTIVATED: return "sa-activated";
    case MIP6TLS_MN_EV_SA_RETIRED: return "sa-retired";
    case MIP6TLS_MN_EV_SA_EXPIRED: return "sa-expired";
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP: return "need-bootstrap";
    case MIP6TLS_MN_EV_BU_SENT: return "bu-sent";
    case MIP6TLS_MN_EV_BA_RECEIVED: return "ba-received";
    case MIP6TLS_MN_EV_BINDING_EXPIRED: return "binding-expired";
    case MIP6TLS_MN_EV_HOA4_ACK: return "hoa4-ack";
    case MIP6TLS_MN_EV_NAT_DETECTED: return "nat-detected";
    case MIP6TLS_MN_EV_BRR_RECEIVED: return "brr-received";
    case MIP6TLS_MN_EV_BE_RECEIVED: return "be-received";
    case MIP6TLS_MN_EV_DROP: return "packet-dropped";
    case MIP6TLS_BOOT_EV_STARTED: return "boot-started";
    case MIP6TLS_BOOT_EV_TLS_UP: return "boot-tls-up";
    case MIP6TLS_BOOT_EV_DONE: return "boot-done";
    case MIP6TLS_BOOT_EV_FAILED: return "boot-failed";
    default: return "unknown";
    }
}

static const char *hac_event_name(uint16_t ev)
{
    switch (ev) {
    case MIP6TLS_HAC_EV_SESSION_OPEN: return "session-open";
    case MIP6TLS_HAC_EV_SESSION_BUSY: return "session-busy";
    case MIP6TLS_HAC_EV_TLS_UP: return "tls-up";
    case MIP6TLS_HAC_EV_AUTH_FAILED: return "auth-failed";
    case MIP6TLS_HAC_EV_SA_PROVISIONED: return "sa-provisioned";
    case MIP6TLS_HAC_EV_SA_EXPIRED: return "sa-expired";
    case MIP6TLS_HAC_EV_SA_RESTORED: return "sa-restored";
    case MIP6TLS_HAC_EV_SESSION_CLOSED: return "session-closed";
    default: return "unknown";
    }
}

const char *px_event_name(char role, uint16_t event)
{
    switch (role) {
    case PX_ROLE_MN: return mn_event_name(event);
    case PX_ROLE_HA: return mip6tls_ha_event_name(event);
    case PX_ROLE_HAC: return hac_event_name(event);
    default: return "unknown";
    }
}

static const char *role_name(char role)
{
    return role == PX_ROLE_MN ? "mn" : role == PX_ROLE_HA ? "ha" : "hac";
}

static const char *renew_reason(uint64_t r)
{
    switch (r) {
    case MIP6TLS_MN_RENEW_INITIAL: return "initial";
    case MIP6TLS_MN_RENEW_VALIDITY: return "validity";
    case MIP6TLS_MN_RENEW_SEQUENCE: return "sequence";
    case MIP6TLS_MN_RENEW_REINIT: return "reinit";
    default: return "none";
    }
}

static const char *why_name(uint64_t w)
{
    switch (w) {
    case MIP6TLS_HA_WHY_DEREG: return "dereg";
    case MIP6TLS_HA_WHY_ADMIN: return "admin";
    case MIP6TLS_HA_WHY_GRACE: return "grace";
    case MIP6TLS_HA_WHY_SA_EXPIRED: return "sa-expired";
    default: return "?";
    }
}

/* "error <text>" for a negative code carried in an event's arg, or "status N (text)". */
static void err_or_status(uint64_t arg, char *out, size_t cap)
{
    int64_t v = (int64_t)arg;
    if (v < 0)
        snprintf(out, cap, "error=%lld (%s)", (long long)v, mip6tls_strerror((int)v));
    else
        snprintf(out, cap, "status=%llu (%s)", (unsigned long long)arg,
                 mip6tls_hacp_status_text((unsigned)arg));
}

static void mn_details(const mip6tls_action *a, char *d, size_t cap)
{
    char r[PX_EP_TEXT_MAX], l[PX_EP_TEXT_MAX], e[96];
    switch (a->event) {
    case MIP6TLS_MN_EV_STATE: snprintf(d, cap, "to=%s", mip6tls_mn_state_name((int)a->arg)); break;
    case MIP6TLS_MN_EV_SA_INSTALLED:
        snprintf(d, cap, "slot=%s", a->arg ? "active" : "pending");
        break;
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP: snprintf(d, cap, "reason=%s", renew_reason(a->arg)); break;
    case MIP6TLS_MN_EV_BU_SENT:
        snprintf(d, cap, "seq=%u lifetime=%us rtx=%u from=%s to=%s", (unsigned)(a->arg & 0xFFFF),
                 (unsigned)((a->arg >> 16) & 0xFFFF) * 4u, (unsigned)(a->arg >> 32),
                 px_ep_str(&a->local, l, sizeof l), px_ep_str(&a->remote, r, sizeof r));
        break;
    case MIP6TLS_MN_EV_BA_RECEIVED:
        snprintf(d, cap, "status=%u (%s) seq=%u lifetime=%us", (unsigned)(a->arg & 0xFF),
                 mip6tls_ba_status_name((uint8_t)(a->arg & 0xFF)),
                 (unsigned)((a->arg >> 8) & 0xFFFF), (unsigned)((a->arg >> 24) & 0xFFFF) * 4u);
        break;
    case MIP6TLS_MN_EV_HOA4_ACK:
    case MIP6TLS_MN_EV_BE_RECEIVED:
        snprintf(d, cap, "status=%llu", (unsigned long long)a->arg);
        break;
    case MIP6TLS_MN_EV_NAT_DETECTED:
        snprintf(d, cap, "refresh=%llus", (unsigned long long)a->arg);
        break;
    case MIP6TLS_MN_EV_DROP:
        snprintf(d, cap, "error=%s", mip6tls_strerror((int)(int64_t)a->arg));
        break;
    case MIP6TLS_BOOT_EV_STARTED:
        snprintf(d, cap, "attempt=%llu hac=%s", (unsigned long long)a->arg,
                 px_ep_str(&a->remote, r, sizeof r));
        break;
    case MIP6TLS_BOOT_EV_TLS_UP:
        snprintf(d, cap, "resumed=%llu", (unsigned long long)a->arg);
        break;
    case MIP6TLS_BOOT_EV_DONE: snprintf(d, cap, "attempts=%llu", (unsigned long long)a->arg); break;
    case MIP6TLS_BOOT_EV_FAILED:
        err_or_status(a->arg, e, sizeof e);
        snprintf(d, cap, "%s", e);
        break;
    default: d[0] = 0; break;
    }
}

static void hac_details(const mip6tls_action *a, char *d, size_t cap)
{
    char r[PX_EP_TEXT_MAX], e[96];
    switch (a->event) {
    case MIP6TLS_HAC_EV_SESSION_OPEN:
    case MIP6TLS_HAC_EV_SESSION_BUSY:
        snprintf(d, cap, "from=%s", px_ep_str(&a->remote, r, sizeof r));
        break;
    case MIP6TLS_HAC_EV_TLS_UP: snprintf(d, cap, "resumed=%llu", (unsigned long long)a->arg); break;
    case MIP6TLS_HAC_EV_AUTH_FAILED:
        err_or_status(a->arg, e, sizeof e);
        snprintf(d, cap, "%s from=%s", e, px_ep_str(&a->remote, r, sizeof r));
        break;
    case MIP6TLS_HAC_EV_SESSION_CLOSED:
        if (a->arg == 0)
            snprintf(d, cap, "clean");
        else
            snprintf(d, cap, "error=%s", mip6tls_strerror((int)(int64_t)a->arg));
        break;
    default: d[0] = 0; break;
    }
}

static void ha_details(const mip6tls_action *a, char *d, size_t cap)
{
    char r[PX_EP_TEXT_MAX];
    px_ep_str(&a->remote, r, sizeof r);
    switch (a->event) {
    case MIP6TLS_HA_EV_SA_INSTALLED:
        snprintf(d, cap, "valid-until=%llu", (unsigned long long)a->arg);
        break;
    case MIP6TLS_HA_EV_SA_REMOVED:
    case MIP6TLS_HA_EV_BINDING_DELETED:
        snprintf(d, cap, "why=%s coa=%s", why_name(a->arg), r);
        break;
    case MIP6TLS_HA_EV_SA_SUPERSEDED:
        snprintf(d, cap, "by=0x%llx", (unsigned long long)a->arg);
        break;
    case MIP6TLS_HA_EV_BINDING_CREATED:
    case MIP6TLS_HA_EV_BINDING_UPDATED:
    case MIP6TLS_HA_EV_BINDING_REFRESHED:
        snprintf(d, cap, "coa=%s lifetime=%llus", r, (unsigned long long)a->arg);
        break;
    case MIP6TLS_HA_EV_BU_REJECTED:
        snprintf(d, cap, "status=%llu (%s) coa=%s", (unsigned long long)a->arg,
                 mip6tls_ba_status_name((uint8_t)a->arg), r);
        break;
    case MIP6TLS_HA_EV_REKEY_REQUESTED:
        snprintf(d, cap, "why=0x%llx coa=%s", (unsigned long long)a->arg, r);
        break;
    case MIP6TLS_HA_EV_BE_SENT:
        snprintf(d, cap, "status=%llu coa=%s", (unsigned long long)a->arg, r);
        break;
    case MIP6TLS_HA_EV_PACKET_DROPPED:
        if (a->remote.addr.family == MIP6TLS_AF_NONE) /* from the home side (ha_send) */
            snprintf(d, cap, "error=%s from=home-side%s", mip6tls_strerror((int)(int64_t)a->arg),
                     (int64_t)a->arg == MIP6TLS_ERR_NOTFOUND ? " (no binding for the destination)"
                                                             : "");
        else
            snprintf(d, cap, "error=%s from=%s", mip6tls_strerror((int)(int64_t)a->arg), r);
        break;
    default: snprintf(d, cap, "coa=%s", r); break;
    }
}

/* Drop events: at most DROP_BURST lines per second per role. */
#define DROP_BURST 10
static struct {
    char role;
    time_t sec;
    unsigned n;
    unsigned long suppressed;
} drops[3] = {{PX_ROLE_MN, 0, 0, 0}, {PX_ROLE_HA, 0, 0, 0}, {PX_ROLE_HAC, 0, 0, 0}};

static int drop_allowed(char role)
{
    struct timespec ts;
    int i;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (i = 0; i < 3; i++) {
        if (drops[i].role != role)
            continue;
        if (drops[i].sec != ts.tv_sec) {
            if (drops[i].suppressed)
                px_log(PX_LOG_INFO, "%s: packet-dropped: %lu more not logged", role_name(role),
                       drops[i].suppressed);
            drops[i].sec = ts.tv_sec;
            drops[i].n = 0;
            drops[i].suppressed = 0;
        }
        if (drops[i].n < DROP_BURST) {
            drops[i].n++;
            return 1;
        }
        drops[i].suppressed++;
        return 0;
    }
    return 1;
}

void px_log_event(char role, const mip6tls_action *a)
{
    char d[256];
    int drop = (role == PX_ROLE_MN && a->event == MIP6TLS_MN_EV_DROP) ||
               (role == PX_ROLE_HA && a->event == MIP6TLS_HA_EV_PACKET_DROPPED);
    if (drop && !drop_allowed(role))
        return;
    switch (role) {
    case PX_ROLE_MN: mn_details(a, d, sizeof d); break;
    case PX_ROLE_HAC: hac_details(a, d, sizeof d); break;
    default: ha_details(a, d, sizeof d); break;
    }
    if (role == PX_ROLE_HAC && a->event != MIP6TLS_HAC_EV_SA_PROVISIONED &&
        a->event != MIP6TLS_HAC_EV_SA_EXPIRED && a->event != MIP6TLS_HAC_EV_SA_RESTORED)
        px_log(PX_LOG_INFO, "%s: %s conn=%u %s", role_name(role), px_event_name(role, a->event),
               a->conn, d);
    else
        px_log(PX_LOG_INFO, "%s: %s spi=0x%x %s", role_name(role), px_event_name(role, a->event),
               a->conn, d);
}
