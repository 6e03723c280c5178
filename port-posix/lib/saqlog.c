/* saqlog.c: see saqlog.h. */
#include "saqlog.h"

#include <stdio.h>

#include "log.h"
#include "mip6tls/saq.h"

const char *px_saq_event_name(uint16_t event)
{
    switch (event) {
    case MIP6TLS_SAQ_EV_CONNECTING: return "connecting";
    case MIP6TLS_SAQ_EV_CONNECTED: return "connected";
    case MIP6TLS_SAQ_EV_FAILED: return "failed";
    case MIP6TLS_SAQ_EV_QUERY_SENT: return "query-sent";
    case MIP6TLS_SAQ_EV_ANSWERED: return "answered";
    case MIP6TLS_SAQ_EV_NOT_FOUND: return "not-found";
    case MIP6TLS_SAQ_EV_QUERY_FAILED: return "query-failed";
    case MIP6TLS_SAQ_EV_PUSHED: return "pushed";
    case MIP6TLS_SAQ_EV_FORGOTTEN: return "forgotten";
    case MIP6TLS_SAQ_EV_SESSION_OPEN: return "session-open";
    case MIP6TLS_SAQ_EV_SESSION_BUSY: return "session-busy";
    case MIP6TLS_SAQ_EV_HA_AUTHORIZED: return "ha-authorized";
    case MIP6TLS_SAQ_EV_HA_REFUSED: return "ha-refused";
    case MIP6TLS_SAQ_EV_QUERY: return "query";
    case MIP6TLS_SAQ_EV_PUSH_SENT: return "push-sent";
    case MIP6TLS_SAQ_EV_FORGET_SENT: return "forget-sent";
    case MIP6TLS_SAQ_EV_SESSION_CLOSED: return "session-closed";
    default: return "unknown";
    }
}

static const char *saq_status_name(uint64_t st)
{
    switch (st) {
    case MIP6TLS_SAQ_ST_FOUND: return "found";
    case MIP6TLS_SAQ_ST_NOT_FOUND: return "not-found";
    case MIP6TLS_SAQ_ST_NOT_AUTHORIZED: return "not-authorized";
    default: return "?";
    }
}

void px_saq_log_event(const mip6tls_action *a, const char *extra)
{
    char d[256], r[PX_EP_TEXT_MAX];
    const char *side = a->event >= MIP6TLS_SAQ_EV_SESSION_OPEN ? "saq-server" : "saq";
    int64_t v = (int64_t)a->arg;
    px_ep_str(&a->remote, r, sizeof r);
    switch (a->event) {
    case MIP6TLS_SAQ_EV_CONNECTING:
        snprintf(d, sizeof d, "conn=%u attempt=%llu hac=%s", a->conn, (unsigned long long)a->arg,
                 r);
        break;
    case MIP6TLS_SAQ_EV_CONNECTED:
        snprintf(d, sizeof d, "conn=%u hac=%s tls-suite=0x%04llx", a->conn, r,
                 (unsigned long long)a->arg);
        break;
    case MIP6TLS_SAQ_EV_FAILED:
        snprintf(d, sizeof d, "conn=%u hac=%s error=%s", a->conn, r, mip6tls_strerror((int)v));
        break;
    case MIP6TLS_SAQ_EV_QUERY_SENT:
    case MIP6TLS_SAQ_EV_FORGOTTEN: snprintf(d, sizeof d, "spi=0x%x", a->conn); break;
    case MIP6TLS_SAQ_EV_ANSWERED:
    case MIP6TLS_SAQ_EV_PUSHED:
        snprintf(d, sizeof d, "spi=0x%x restore=%llu", a->conn, (unsigned long long)a->arg);
        break;
    case MIP6TLS_SAQ_EV_NOT_FOUND:
        snprintf(d, sizeof d, "spi=0x%x status=%s", a->conn, saq_status_name(a->arg));
        break;
    case MIP6TLS_SAQ_EV_QUERY_FAILED:
        snprintf(d, sizeof d, "spi=0x%x error=%s", a->conn, mip6tls_strerror((int)v));
        break;
    case MIP6TLS_SAQ_EV_SESSION_OPEN:
    case MIP6TLS_SAQ_EV_SESSION_BUSY:
    case MIP6TLS_SAQ_EV_HA_REFUSED: snprintf(d, sizeof d, "conn=%u from=%s", a->conn, r); break;
    case MIP6TLS_SAQ_EV_HA_AUTHORIZED:
        snprintf(d, sizeof d, "conn=%u from=%s allow-entry=%llu", a->conn, r,
                 (unsigned long long)a->arg);
        break;
    case MIP6TLS_SAQ_EV_QUERY:
        snprintf(d, sizeof d, "conn=%u from=%s spi=0x%llx status=%s restore=%llu", a->conn, r,
                 (unsigned long long)(a->arg & 0xFFFFFFFFu), saq_status_name((a->arg >> 32) & 0xFF),
                 (unsigned long long)((a->arg >> 40) & 1));
        break;
    case MIP6TLS_SAQ_EV_PUSH_SENT:
    case MIP6TLS_SAQ_EV_FORGET_SENT:
        snprintf(d, sizeof d, "spi=0x%x has=%llu", a->conn, (unsigned long long)a->arg);
        break;
    case MIP6TLS_SAQ_EV_SESSION_CLOSED:
        if (a->arg == 0)
            snprintf(d, sizeof d, "conn=%u from=%s clean", a->conn, r);
        else
            snprintf(d, sizeof d, "conn=%u from=%s error=%s", a->conn, r, mip6tls_strerror((int)v));
        break;
    default: snprintf(d, sizeof d, "conn=%u arg=%llu", a->conn, (unsigned long long)a->arg); break;
    }
    px_log(PX_LOG_INFO, "%s: %s %s%s%s", side, px_saq_event_name(a->event), d, extra ? " " : "",
           extra ? extra : "");
}
