/*
 * rekey-scenario.cc: see rekey-scenario.h.
 *
 *                     home LAN 2001:db8::/64 (CSMA 100 Mb/s)
 *   [HA+HAC 2001:db8::1]----+----[CN 2001:db8::2]
 *    tunnel 2001:db8:1::1   |
 *                       [R0 2001:db8::3]
 *                           | p2p 100 Mb/s, 10 ms, 2001:db8:a::/64 (R0 2001:db8:a::1)
 *                       [MN CoA 2001:db8:a::5]   HoA 2001:db8:1::100 on its tunnel device
 */
#include "rekey-scenario.h"

#include "doc-prefix-routing.h"
#include "scenario-common.h"

#include "mip6tls/boot.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/mh.h"
#include "mip6tls/mn.h"
#include "mip6tls/suite.h"

#include "ns3/boolean.h"
#include "ns3/command-line.h"
#include "ns3/config.h"
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/error-model.h"
#include "ns3/global-value.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace mip6tls_scen
{

namespace
{

/** One SA the MN got, with its keys (for esp_sa) and when things happened to it. */
struct SaRecord
{
    uint32_t spi;
    mip6tls_esp_keys keys;
    double installed = -1, activated = -1, retired = -1;
};

struct Timed
{
    double t;
    uint32_t v;
};

struct RekeyRun
{
    RekeyMode mode = RekeyMode::Validity;
    std::string name;
    // Configuration.
    uint32_t seed = 1;
    double duration = 40.0;
    uint32_t saLifetime = 60;   // HomeApplication SaLifetime
    uint32_t renewMargin = 30;  // MN SaRenewMargin
    uint32_t rekeyMargin = 10;  // HomeApplication RekeyMargin (HA's BA 176 on validity)
    uint32_t bindLifetime = 0;  // MN BindingLifetime (0: the core's 600)
    double rekeyAt = 3.0;       // Reinit: when the home application asks for a new SA
    double lossRate = 0.3;      // Lossy: RateErrorModel ErrorRate on both access receivers
    std::string out;

    Ptr<Mip6tlsMnApplication> mn;
    Ptr<Mip6tlsHomeApplication> home;
    Tunnel tun;
    Traffic traffic;
    Ipv6Address haAddr;

    std::vector<Timed> needBoot; // NEED_BOOTSTRAP: reason
    std::vector<Timed> tlsUp;    // MN TLS up: 1 if resumed
    std::vector<Timed> provisioned;
    std::vector<SaRecord> sas;
    uint32_t buSent = 0, buRetx = 0, baAccepted = 0, ba176 = 0, haRekey = 0;
    double tRekeyRequest = -1; // Reinit: RequestRekey called
    double t176 = -1;          // first BA 176 received
    double tHaRekey = -1;      // first HA REKEY_REQUESTED
    double firstBound = -1;
    std::vector<Timed> buTimes, baTimes; // BU_SENT (SPI), accepted BA (SPI)
    std::vector<uint32_t> buRtxCount;    // BU_SENT: retransmission count (arg >> 32)
    uint32_t dropToMn = 0, dropToR0 = 0; // Lossy: packets the error models dropped
};

RekeyRun r;

const char*
ReasonName(uint64_t reason)
{
    switch (reason)
    {
    case MIP6TLS_MN_RENEW_INITIAL:
        return "initial";
    case MIP6TLS_MN_RENEW_VALIDITY:
        return "validity";
    case MIP6TLS_MN_RENEW_SEQUENCE:
        return "sequence";
    case MIP6TLS_MN_RENEW_REINIT:
        return "reinit";
    default:
        return "none";
    }
}

SaRecord*
FindSa(uint32_t spi)
{
    for (auto& s : r.sas)
    {
        if (s.spi == spi)
        {
            return &s;
        }
    }
    return nullptr;
}

std::string
HexSpi(uint32_t spi)
{
    std::ostringstream o;
    o << "0x" << std::hex << spi;
    return o.str();
}

void
OnMnEvent(uint16_t event, uint32_t conn, uint64_t arg, double now)
{
    std::ostringstream o;
    switch (event)
    {
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP:
        r.needBoot.push_back({now, static_cast<uint32_t>(arg)});
        o << "MN: NEED_BOOTSTRAP (reason " << ReasonName(arg) << "), TLS to the HAC";
        break;
    case MIP6TLS_BOOT_EV_TLS_UP:
        r.tlsUp.push_back({now, static_cast<uint32_t>(arg)});
        o << "MN: TLS up (" << (arg ? "resumed session" : "full handshake") << ")";
        break;
    case MIP6TLS_MN_EV_SA_INSTALLED: {
        // The keys, for esp_sa: the new SA is in the active or the pending slot.
        const mip6tls_mn& ctx = r.mn->GetContext();
        SaRecord rec;
        rec.spi = conn;
        std::memset(&rec.keys, 0, sizeof rec.keys);
        for (const mip6tls_sa* sa : {mip6tls_mn_active_sa(&ctx), mip6tls_mn_pending_sa(&ctx)})
        {
            if (sa && sa->keys.spi == conn)
            {
                rec.keys = sa->keys;
                break;
            }
        }
        rec.installed = now;
        if (arg == 1)
        {
            rec.activated = now;
        }
        r.sas.push_back(rec);
        o << "MN: SA " << HexSpi(conn) << " installed (" << (arg ? "active" : "pending") << ")";
        break;
    }
    case MIP6TLS_MN_EV_SA_ACTIVATED:
        if (SaRecord* s = FindSa(conn))
        {
            s->activated = now;
        }
        o << "MN: SA_ACTIVATED, SPI " << HexSpi(conn) << " (the old SA retires after its grace)";
        break;
    case MIP6TLS_MN_EV_SA_RETIRED:
        if (SaRecord* s = FindSa(conn))
        {
            s->retired = now;
        }
        o << "MN: SA " << HexSpi(conn) << " retired";
        break;
    case MIP6TLS_MN_EV_SA_EXPIRED:
        o << "MN: SA " << HexSpi(conn) << " EXPIRED unrenewed";
        break;
    case MIP6TLS_MN_EV_BU_SENT: {
        r.buSent++;
        uint64_t rtx = arg >> 32;
        r.buRetx += rtx > 0 ? 1 : 0;
        r.buTimes.push_back({now, static_cast<uint32_t>(conn)});
        r.buRtxCount.push_back(static_cast<uint32_t>(rtx));
        o << "MN: BU sent under SPI " << HexSpi(conn) << ", seq " << (arg & 0xffff);
        if (rtx)
        {
            o << " (retransmission " << rtx << ")";
        }
        break;
    }
    case MIP6TLS_MN_EV_BA_RECEIVED: {
        uint32_t status = static_cast<uint32_t>(arg & 0xff);
        if (status < 128)
        {
            r.baAccepted++;
            r.baTimes.push_back({now, conn});
            if (r.firstBound < 0)
            {
                r.firstBound = now;
            }
        }
        if (status == MIP6TLS_BA_REINIT_SA_WITH_HAC)
        {
            r.ba176++;
            if (r.t176 < 0)
            {
                r.t176 = now;
            }
        }
        o << "MN: BA received, status " << status
          << (status == MIP6TLS_BA_REINIT_SA_WITH_HAC ? " (REINIT_SA_WITH_HAC)" : "")
          << ", seq " << ((arg >> 8) & 0xffff) << ", SPI " << HexSpi(conn);
        break;
    }
    case MIP6TLS_MN_EV_STATE:
        o << "MN: state " << mip6tls_mn_state_name(static_cast<int>(arg));
        break;
    default:
        return;
    }
    Progress(o.str());
}

void
OnRoleEvent(char role, uint16_t event, uint32_t conn, uint64_t arg)
{
    double now = Simulator::Now().GetSeconds();
    if (role == 'M')
    {
        OnMnEvent(event, conn, arg, now);
        return;
    }
    std::ostringstream o;
    if (role == 'C' && event == MIP6TLS_HAC_EV_SA_PROVISIONED)
    {
        r.provisioned.push_back({now, conn});
        o << "HAC: SA provisioned, SPI " << HexSpi(conn);
    }
    else if (role == 'A' && event == MIP6TLS_HA_EV_REKEY_REQUESTED)
    {
        r.haRekey++;
        if (r.tHaRekey < 0)
        {
            r.tHaRekey = now;
        }
        o << "HA: BU under SPI " << HexSpi(conn) << " answered with 176 (why 0x" << std::hex
          << arg << ")";
    }
    else if (role == 'A' && event != MIP6TLS_HA_EV_PACKET_DROPPED)
    {
        o << "HA: " << mip6tls_ha_event_name(event) << ", SPI " << HexSpi(conn);
    }
    else
    {
        return;
    }
    Progress(o.str());
}

void
RequestRekey()
{
    const mip6tls_sa* sa = mip6tls_mn_active_sa(&r.mn->GetContext());
    uint32_t spi = sa ? sa->keys.spi : 0;
    int rc = r.home->RequestRekey(spi);
    r.tRekeyRequest = Simulator::Now().GetSeconds();
    Progress("home: RequestRekey(" + HexSpi(spi) + ") -> " +
             (rc == 0 ? std::string("the next BU gets 176") : mip6tls_strerror(rc)));
}

std::string
JsonTimes(const std::vector<Timed>& v, const char* key, bool asReason)
{
    std::ostringstream o;
    o << "[";
    for (size_t i = 0; i < v.size(); i++)
    {
        o << (i ? ", " : "") << "{\"t_s\": " << Sec(v[i].t) << ", \"" << key << "\": ";
        if (asReason)
        {
            o << "\"" << ReasonName(v[i].v) << "\"";
        }
        else
        {
            o << (v[i].v ? "true" : "false");
        }
        o << "}";
    }
    o << "]";
    return o.str();
}

/** First entry of `v` at or after `t`, or -1. */
double
FirstAfter(const std::vector<Timed>& v, double t, uint32_t* val = nullptr)
{
    for (const auto& e : v)
    {
        if (e.t >= t)
        {
            if (val)
            {
                *val = e.v;
            }
            return e.t;
        }
    }
    return -1;
}

void
CountDropToMn(Ptr<const Packet>)
{
    r.dropToMn++;
}

void
CountDropToR0(Ptr<const Packet>)
{
    r.dropToR0++;
}

/** RFC 6275 §11.8 gap before retransmission i (1-based) of a first registration: 1.5 s
 * (InitialBindackTimeoutFirstReg) doubling up to MAX_BINDACK_TIMEOUT (32 s). */
double
BackoffS(size_t i)
{
    double t = MIP6TLS_INITIAL_BINDACK_TIMEOUT_FIRST_MS / 1000.0;
    for (size_t k = 1; k < i; k++)
    {
        t = std::min(t * 2, MIP6TLS_MAX_BINDACK_TIMEOUT_MS / 1000.0);
    }
    return t;
}

/** Lossy mode: summary.json, timeline and the summary line; returns the exit code. */
int
LossySummary(const std::string& finalState, uint32_t ipDrops)
{
    const double mnStart = 0.5;
    // The first registration: the BUs sent before the first accepted BA (all if none).
    std::vector<double> bus;
    std::vector<uint32_t> rtx;
    for (size_t i = 0; i < r.buTimes.size(); i++)
    {
        if (r.firstBound < 0 || r.buTimes[i].t < r.firstBound)
        {
            bus.push_back(r.buTimes[i].t);
            rtx.push_back(r.buRtxCount[i]);
        }
    }
    bool backoffOk = !bus.empty() && rtx[0] == 0;
    std::ostringstream gaps, want, rtxs, times;
    for (size_t i = 0; i < bus.size(); i++)
    {
        times << (i ? ", " : "") << Sec(bus[i]);
        rtxs << (i ? ", " : "") << rtx[i];
        if (i == 0)
        {
            continue;
        }
        double g = bus[i] - bus[i - 1];
        gaps << (i > 1 ? ", " : "") << Sec(g);
        want << (i > 1 ? ", " : "") << Sec(BackoffS(i));
        if (std::fabs(g - BackoffS(i)) > 0.001 || rtx[i] != i)
        {
            backoffOk = false;
        }
    }
    double tTls = r.tlsUp.empty() ? -1 : r.tlsUp.front().t;
    double tProv = r.provisioned.empty() ? -1 : r.provisioned.front().t;
    double tFirstBu = bus.empty() ? -1 : bus.front();
    // Delivery over the packets sent once the MN was bound (before it nothing can pass).
    uint32_t s0 = r.firstBound >= 0 ? r.traffic.SeqAt(r.firstBound) : 0;
    uint32_t downSent = r.traffic.down.sent, upSent = r.traffic.up.sent;
    uint32_t downAfter = r.firstBound >= 0 && downSent > s0 ? downSent - s0 : 0;
    uint32_t upAfter = r.firstBound >= 0 && upSent > s0 ? upSent - s0 : 0;
    uint32_t downLostAfter = downAfter ? r.traffic.down.LostIn(s0, downSent) : 0;
    uint32_t upLostAfter = upAfter ? r.traffic.up.LostIn(s0, upSent) : 0;
    auto pct = [](uint32_t got, uint32_t of) {
        std::ostringstream o;
        o.setf(std::ios::fixed);
        o.precision(1);
        o << (of ? 100.0 * got / of : 0.0);
        return o.str();
    };
    uint32_t downRx = static_cast<uint32_t>(r.traffic.down.rx.size());
    uint32_t upRx = static_cast<uint32_t>(r.traffic.up.rx.size());

    std::vector<Mark> marks = {{tTls, "TLS up", "gray40"},
                               {tProv, "SA provisioned", "dark-green"},
                               {tFirstBu, "first BU", "orange"},
                               {r.firstBound, "bound (first BA)", "blue"}};
    bool png = PlotTimeline(r.out, r.name, r.seed, r.duration, marks);

    const mip6tls_sa* sa = mip6tls_mn_active_sa(&r.mn->GetContext());
    const mip6tls_suite_info* suite = sa ? mip6tls_suite_find(sa->keys.suite) : nullptr;
    std::ostringstream js;
    js << "{\n"
       << "  \"scenario\": \"" << r.name << "\",\n"
       << "  \"seed\": " << r.seed << ",\n"
       << "  \"duration_s\": " << r.duration << ",\n"
       << "  \"config\": {\"loss_rate\": " << r.lossRate
       << ", \"error_unit\": \"packet\", \"where\": \"receive side of both access devices\""
       << ", \"mn_start_s\": " << Sec(mnStart) << "},\n"
       << "  \"suite\": \"" << (suite ? suite->name : "none") << "\",\n"
       << "  \"spi_final\": " << (sa ? sa->keys.spi : 0) << ",\n"
       << "  \"bootstrap\": {\"attempts\": " << r.mn->GetBootstrapAttempts()
       << ", \"round_trips\": " << r.mn->GetBootstrapRoundTrips()
       << ", \"sa_provisioned\": " << r.provisioned.size()
       << ", \"t_tls_up_s\": " << Sec(tTls) << ", \"t_provisioned_s\": " << Sec(tProv)
       << ", \"need_bootstrap\": " << JsonTimes(r.needBoot, "reason", true)
       << ", \"tls\": " << JsonTimes(r.tlsUp, "resumed", false) << "},\n"
       << "  \"registration\": {\"t_first_bu_s\": " << Sec(tFirstBu)
       << ", \"t_bound_s\": " << Sec(r.firstBound)
       << ", \"time_to_bound_s\": " << (r.firstBound >= 0 ? Sec(r.firstBound - mnStart) : "null")
       << ", \"bu_until_first_ba\": " << bus.size() << ", \"bu_times_s\": [" << times.str()
       << "], \"bu_rtx\": [" << rtxs.str() << "], \"bu_gaps_s\": [" << gaps.str()
       << "], \"expected_gaps_s\": [" << want.str()
       << "], \"backoff_ok\": " << (backoffOk ? "true" : "false") << "},\n"
       << "  \"binding\": {\"bu_sent\": " << r.buSent << ", \"bu_retransmissions\": " << r.buRetx
       << ", \"ba_accepted\": " << r.baAccepted << ", \"ba_176\": " << r.ba176
       << ", \"ha_bindings\": " << r.home->GetBindingCount() << ", \"mn_final_state\": \""
       << finalState << "\"},\n"
       << "  \"access_link\": {\"dropped_r0_to_mn\": " << r.dropToMn
       << ", \"dropped_mn_to_r0\": " << r.dropToR0 << "},\n"
       << "  \"delivery_after_bound\": {\"cn_to_mn\": {\"sent\": " << downAfter
       << ", \"received\": " << downAfter - downLostAfter << "}, \"mn_to_cn\": {\"sent\": "
       << upAfter << ", \"received\": " << upAfter - upLostAfter << "}},\n"
       << "  \"traffic\": {\n"
       << r.traffic.Json(r.tun, ipDrops) << "  },\n"
       << "  \"outputs\": [\"home-lan.pcap\", \"mn-access.pcap\", \"r0-access.pcap\", "
          "\"mn-tunnel.pcap\", \"home-tunnel.pcap\", \"esp_sa\", \"keylog.txt\", \"timeline.png\", "
          "\"rx-cn-to-mn.dat\", \"rx-mn-to-cn.dat\"]\n"
       << "}\n";
    {
        std::ofstream f(r.out + "/summary.json");
        f << js.str();
    }

    std::cout << "\n" << r.name << " summary (seed " << r.seed << ", loss " << r.lossRate
              << " each way): " << r.mn->GetBootstrapAttempts() << " bootstrap attempt(s), TLS up at "
              << Sec(tTls) << " s, bound at " << Sec(r.firstBound) << " s ("
              << (r.firstBound >= 0 ? Sec(r.firstBound - mnStart) : "never") << " s after start); "
              << bus.size() << " BU transmission(s) until the first BA, gaps [" << gaps.str()
              << "] s (expected [" << want.str() << "]" << (backoffOk ? ", ok" : ", WRONG")
              << "); CN -> MN " << downRx << " of " << downSent << " received ("
              << pct(downRx, downSent) << " %), MN -> CN " << upRx << " of " << upSent << " ("
              << pct(upRx, upSent) << " %); MN " << finalState << ". Outputs in " << r.out
              << (png ? "" : " (no timeline.png)") << "." << std::endl;
    return 0;
}

} // namespace

int
RunRekeyScenario(int argc, char** argv, RekeyMode mode)
{
    r.mode = mode;
    bool validity = mode == RekeyMode::Validity;
    bool lossy = mode == RekeyMode::Lossy;
    r.name = validity ? "sa-renewal" : (lossy ? "lossy-access" : "reinit");
    if (validity)
    {
        r.duration = 40.0;
    }
    else if (lossy)
    {
        r.duration = 30.0;
        r.saLifetime = 86400;
        r.renewMargin = 0;
        r.rekeyMargin = 0;
        r.bindLifetime = 0;
    }
    else
    {
        r.duration = 10.0;
        r.saLifetime = 86400;
        r.renewMargin = 0;
        r.rekeyMargin = 0;
        r.bindLifetime = 8;
    }
    r.out = r.name + "-out";

    CommandLine cmd(__FILE__);
    cmd.Usage(lossy ? "mip6tls lossy-access: heavy packet loss on the MN's access link (both "
                      "directions, from the start); the bootstrap TCP retransmits and the BU "
                      "is retransmitted with the RFC 6275 back-off until a BA gets through "
                      "(scenarios/lossy-access/README.md)."
              : validity ? "mip6tls sa-renewal: the MN's SA has a short validity; the MN gets a "
                         "new one from the HAC before the end (make-before-break) while a CN "
                         "streams UDP to it (scenarios/sa-renewal/README.md)."
                       : "mip6tls reinit: the home application asks for a new SA "
                         "(mip6tls_ha_request_rekey); the MN's next BU gets 176 and the MN "
                         "goes back to the HAC while a CN streams UDP to it "
                         "(scenarios/reinit/README.md).");
    cmd.AddValue("out", "output directory (created)", r.out);
    cmd.AddValue("seed", "RngSeedManager run number", r.seed);
    cmd.AddValue("duration", "simulated seconds", r.duration);
    cmd.AddValue("saLifetime", "SA validity the HAC grants (s; HomeApplication SaLifetime)",
                 r.saLifetime);
    cmd.AddValue("renewMargin",
                 "the MN renews this long before the SA's end (s; MN SaRenewMargin, 0: 300)",
                 r.renewMargin);
    cmd.AddValue("rekeyMargin",
                 "the HA answers 176 when the SA ends sooner (s; HomeApplication RekeyMargin, "
                 "0: 300)",
                 r.rekeyMargin);
    cmd.AddValue("bindingLifetime", "binding lifetime the MN asks for (s; 0: 600)",
                 r.bindLifetime);
    if (lossy)
    {
        cmd.AddValue("lossRate",
                     "packet error rate on each access receiver (RateErrorModel, 0 <= r < 1)",
                     r.lossRate);
    }
    if (mode == RekeyMode::Reinit)
    {
        cmd.AddValue("rekeyAt", "when the home application calls RequestRekey (s)", r.rekeyAt);
    }
    cmd.Parse(argc, argv);
    if (r.duration < 3.0 || r.saLifetime < 1 || r.rekeyAt < 1.0 || r.lossRate < 0 ||
        r.lossRate >= 1)
    {
        std::cerr << r.name
                  << ": need --duration >= 3, --saLifetime >= 1, --rekeyAt >= 1, "
                     "0 <= --lossRate < 1"
                  << std::endl;
        return 2;
    }
    if (!PrepareOutDir(r.name, r.out))
    {
        return 2;
    }

    InitRun(r.seed); // static addresses (no DAD), checksums in the pcaps

    Ptr<Node> ha = CreateObject<Node>();
    Ptr<Node> cn = CreateObject<Node>();
    Ptr<Node> r0 = CreateObject<Node>();
    Ptr<Node> mnNode = CreateObject<Node>();
    NodeContainer all(ha, cn, r0, mnNode);

    CsmaHelper csma;
    LanChannel(&csma, "100Mbps");
    NetDeviceContainer lan = csma.Install(NodeContainer(ha, cn, r0));
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    NetDeviceContainer access = p2p.Install(r0, mnNode);

    InternetStackHelper stack;
    stack.SetIpv4StackInstall(false);
    DocPrefixRoutingHelper routing; // ns-3 3.37 does not forward to 2001:db8::/32
    stack.SetRoutingHelper(routing);
    stack.Install(all);
    int64_t stream = 1000;
    stream += stack.AssignStreams(all, stream);

    uint32_t haLan = AddIf(ha, lan.Get(0), "2001:db8::1", true);
    uint32_t cnIf = AddIf(cn, lan.Get(1), "2001:db8::2", false);
    uint32_t r0Lan = AddIf(r0, lan.Get(2), "2001:db8::3", true);
    AddIf(r0, access.Get(0), "2001:db8:a::1", true);
    uint32_t mnIf = AddIf(mnNode, access.Get(1), "2001:db8:a::5", false); // the CoA
    if (lossy)
    {
        // Loss from the start, each direction on its receiver: R0 -> MN on the MN's device,
        // MN -> R0 on R0's. One random stream each, so the seed decides which packets go.
        for (int i = 0; i < 2; i++)
        {
            Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
            em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
            em->SetAttribute("ErrorRate", DoubleValue(r.lossRate));
            em->AssignStreams(stream++);
            access.Get(i)->SetAttribute("ReceiveErrorModel", PointerValue(em));
            access.Get(i)->TraceConnectWithoutContext(
                "PhyRxDrop",
                MakeCallback(i ? &CountDropToMn : &CountDropToR0));
        }
    }
    r.haAddr = Ipv6Address("2001:db8::1");
    r.tun.Install(ha, "2001:db8:1::1", mnNode, kHoa);

    Routing(r0)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), "2001:db8::1", r0Lan);
    Routing(ha)->SetDefaultRoute("2001:db8::3", haLan);
    Routing(cn)->SetDefaultRoute("2001:db8::3", cnIf);
    Routing(cn)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), "2001:db8::1", cnIf);
    // MN: the HA via R0, everything else into the tunnel.
    Routing(mnNode)->AddHostRouteTo(r.haAddr, "2001:db8:a::1", mnIf);
    Routing(mnNode)->AddNetworkRouteTo(Ipv6Address::GetAny(), Ipv6Prefix::GetZero(),
                                       r.tun.mnTunIf);

    r.home = MakeHome(ha, r.haAddr, stream++);
    r.home->SetAttribute("SaLifetime", UintegerValue(r.saLifetime));
    r.home->SetAttribute("RekeyMargin", UintegerValue(r.rekeyMargin));
    r.home->SetAttribute("KeyLogFile", StringValue(r.out + "/keylog.txt"));
    r.home->SetStartTime(Seconds(0.1));
    r.mn = MakeMn(mnNode, r.haAddr, Ipv6Address("2001:db8:a::5"), stream++);
    r.mn->SetAttribute("SaRenewMargin", UintegerValue(r.renewMargin));
    r.mn->SetAttribute("BindingLifetime", UintegerValue(r.bindLifetime));
    r.mn->SetStartTime(Seconds(0.5));
    r.home->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    r.mn->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    r.tun.Connect(r.home, r.mn);
    CountIpDrops();

    const double trafficStart = 1.0, trafficStop = r.duration - 0.3;
    r.traffic.Install(cn, Ipv6Address("2001:db8::2"), mnNode, Ipv6Address(kHoa));
    r.traffic.Start(trafficStart, trafficStop);
    StartHeartbeat(&r.traffic, r.mn, 1.0, r.duration);
    if (mode == RekeyMode::Reinit)
    {
        Simulator::Schedule(Seconds(r.rekeyAt), &RequestRekey);
    }

    csma.EnablePcap(r.out + "/home-lan.pcap", lan.Get(0), false, true);
    p2p.EnablePcap(r.out + "/mn-access.pcap", access.Get(1), false, true);
    if (lossy)
    {
        p2p.EnablePcap(r.out + "/r0-access.pcap", access.Get(0), false, true);
    }
    r.tun.EnablePcap(r.out);

    std::cout << r.name << ": seed " << r.seed << ", " << r.duration << " s";
    if (lossy)
    {
        std::cout << ", loss rate " << r.lossRate << " on each access receiver";
    }
    else
    {
        std::cout << ", SA validity " << r.saLifetime << " s, MN renew margin " << r.renewMargin
                  << " s, HA rekey margin " << r.rekeyMargin << " s, binding lifetime "
                  << r.bindLifetime << " s";
    }
    if (mode == RekeyMode::Reinit)
    {
        std::cout << ", RequestRekey at " << r.rekeyAt << " s";
    }
    std::cout << ", out " << r.out << std::endl;
    Simulator::Stop(Seconds(r.duration));
    Simulator::Run();

    // ---- Results ----
    const mip6tls_sa* sa = mip6tls_mn_active_sa(&r.mn->GetContext());
    std::string finalState = r.mn->GetStateName();
    {
        std::ofstream f(r.out + "/esp_sa");
        for (const auto& s : r.sas)
        {
            f << EspSaRows(s.keys, r.haAddr);
        }
    }
    r.traffic.WriteDat(r.out);
    uint32_t ipDrops = IpDrops();
    if (lossy)
    {
        int rc = LossySummary(finalState, ipDrops);
        Simulator::Destroy();
        return rc;
    }

    // The renewal: the first NEED_BOOTSTRAP after the initial one, and what followed it.
    double tNeed = -1, tTls = -1, tProv = -1, tActivated = -1, tBu = -1, tBa = -1;
    uint32_t reason = 0, resumed = 0, oldSpi = 0, newSpi = 0;
    for (const auto& n : r.needBoot)
    {
        if (n.v != MIP6TLS_MN_RENEW_INITIAL)
        {
            tNeed = n.t;
            reason = n.v;
            break;
        }
    }
    if (tNeed >= 0)
    {
        tTls = FirstAfter(r.tlsUp, tNeed, &resumed);
        tProv = FirstAfter(r.provisioned, tNeed);
        for (size_t i = 1; i < r.sas.size(); i++)
        {
            if (r.sas[i].installed >= tNeed)
            {
                oldSpi = r.sas[i - 1].spi;
                newSpi = r.sas[i].spi;
                tActivated = r.sas[i].activated;
                break;
            }
        }
        for (const auto& b : r.buTimes)
        {
            if (b.t >= tNeed && b.v == newSpi && tBu < 0)
            {
                tBu = b.t;
            }
        }
        for (const auto& b : r.baTimes)
        {
            if (b.t >= tNeed && b.v == newSpi && tBa < 0)
            {
                tBa = b.t;
            }
        }
    }
    // Losses around the renewal: packets sent from 1 s before it was needed to 1 s after
    // the new SA became active.
    double w0 = tNeed >= 0 ? tNeed - 1.0 : -1;
    double w1 = tActivated >= 0 ? tActivated + 1.0 : (tNeed >= 0 ? r.duration : -1);
    uint32_t s0 = w0 >= 0 ? r.traffic.SeqAt(w0) : 0, s1 = w1 >= 0 ? r.traffic.SeqAt(w1) : 0;
    uint32_t lostDown = r.traffic.down.LostIn(s0, s1), lostUp = r.traffic.up.LostIn(s0, s1);

    std::vector<Mark> marks = {{r.firstBound, "bound (SA 1)", "gray40"}};
    if (!validity)
    {
        marks.push_back({r.tRekeyRequest, "RequestRekey", "orange"});
        marks.push_back({r.t176, "BA 176", "red"});
    }
    else
    {
        marks.push_back({tNeed, "NEED_BOOTSTRAP (validity)", "red"});
    }
    marks.push_back({tProv, "new SA provisioned", "dark-green"});
    marks.push_back({tActivated, "SA_ACTIVATED (new SPI)", "blue"});
    bool png = PlotTimeline(r.out, r.name, r.seed, r.duration, marks);

    const mip6tls_suite_info* suite = sa ? mip6tls_suite_find(sa->keys.suite) : nullptr;
    std::ostringstream js;
    js << "{\n"
       << "  \"scenario\": \"" << r.name << "\",\n"
       << "  \"seed\": " << r.seed << ",\n"
       << "  \"duration_s\": " << r.duration << ",\n"
       << "  \"config\": {\"sa_lifetime_s\": " << r.saLifetime
       << ", \"mn_renew_margin_s\": " << r.renewMargin
       << ", \"ha_rekey_margin_s\": " << r.rekeyMargin
       << ", \"binding_lifetime_s\": " << r.bindLifetime
       << ", \"rekey_at_s\": " << (validity ? std::string("null") : Sec(r.rekeyAt)) << "},\n"
       << "  \"suite\": \"" << (suite ? suite->name : "none") << "\",\n"
       << "  \"spi_initial\": " << (r.sas.empty() ? 0 : r.sas.front().spi) << ",\n"
       << "  \"spi_final\": " << (sa ? sa->keys.spi : 0) << ",\n"
       << "  \"bootstrap\": {\"attempts\": " << r.mn->GetBootstrapAttempts()
       << ", \"round_trips\": " << r.mn->GetBootstrapRoundTrips()
       << ", \"sa_provisioned\": " << r.provisioned.size()
       << ", \"need_bootstrap\": " << JsonTimes(r.needBoot, "reason", true)
       << ", \"tls\": " << JsonTimes(r.tlsUp, "resumed", false) << "},\n"
       << "  \"sas\": [";
    for (size_t i = 0; i < r.sas.size(); i++)
    {
        js << (i ? ", " : "") << "{\"spi\": " << r.sas[i].spi
           << ", \"installed_s\": " << Sec(r.sas[i].installed)
           << ", \"activated_s\": " << Sec(r.sas[i].activated)
           << ", \"retired_s\": " << Sec(r.sas[i].retired) << "}";
    }
    js << "],\n"
       << "  \"renewal\": {\"reason\": \"" << ReasonName(reason) << "\""
       << ", \"old_spi\": " << oldSpi << ", \"new_spi\": " << newSpi
       << ", \"t_rekey_request_s\": " << Sec(r.tRekeyRequest)
       << ", \"t_ha_176_s\": " << Sec(r.tHaRekey) << ", \"t_ba_176_s\": " << Sec(r.t176)
       << ", \"t_need_bootstrap_s\": " << Sec(tNeed) << ", \"t_tls_up_s\": " << Sec(tTls)
       << ", \"tls_resumed\": " << (tTls >= 0 ? (resumed ? "true" : "false") : "null")
       << ", \"t_provisioned_s\": " << Sec(tProv) << ", \"t_bu_s\": " << Sec(tBu)
       << ", \"t_ba_s\": " << Sec(tBa) << ", \"t_activated_s\": " << Sec(tActivated)
       << ", \"need_to_active_ms\": " << Ms(tNeed, tActivated)
       << ", \"window_s\": [" << Sec(w0) << ", " << Sec(w1) << "]"
       << ", \"lost_cn_to_mn\": " << lostDown << ", \"lost_mn_to_cn\": " << lostUp << "},\n"
       << "  \"binding\": {\"bu_sent\": " << r.buSent << ", \"bu_retransmissions\": " << r.buRetx
       << ", \"ba_accepted\": " << r.baAccepted << ", \"ba_176\": " << r.ba176
       << ", \"ha_rekey_requested\": " << r.haRekey
       << ", \"ha_bindings\": " << r.home->GetBindingCount() << ", \"mn_final_state\": \""
       << finalState << "\"},\n"
       << "  \"traffic\": {\n"
       << r.traffic.Json(r.tun, ipDrops) << "  },\n"
       << "  \"outputs\": [\"home-lan.pcap\", \"mn-access.pcap\", \"mn-tunnel.pcap\", "
          "\"home-tunnel.pcap\", \"esp_sa\", \"keylog.txt\", "
          "\"timeline.png\", \"rx-cn-to-mn.dat\", "
          "\"rx-mn-to-cn.dat\"]\n"
       << "}\n";
    {
        std::ofstream f(r.out + "/summary.json");
        f << js.str();
    }

    std::cout << "\n" << r.name << " summary (seed " << r.seed << "): ";
    if (tNeed < 0)
    {
        std::cout << "NO renewal happened";
    }
    else
    {
        if (!validity)
        {
            std::cout << "RequestRekey at " << Sec(r.tRekeyRequest) << " s, BA 176 at "
                      << Sec(r.t176) << " s; ";
        }
        std::cout << "NEED_BOOTSTRAP (" << ReasonName(reason) << ") at " << Sec(tNeed)
                  << " s, TLS " << (resumed ? "resumed" : "full handshake") << ", SA "
                  << HexSpi(oldSpi) << " -> " << HexSpi(newSpi) << " active at "
                  << Sec(tActivated) << " s (" << Ms(tNeed, tActivated)
                  << " ms after the need); lost around it: " << lostDown << " CN -> MN, "
                  << lostUp << " MN -> CN";
    }
    std::cout << ". Total lost: " << r.traffic.down.Lost() << " of " << r.traffic.down.sent
              << " CN -> MN, " << r.traffic.up.Lost() << " of " << r.traffic.up.sent
              << " MN -> CN; " << r.mn->GetBootstrapAttempts() << " bootstraps, MN "
              << finalState << ". Outputs in " << r.out << (png ? "" : " (no timeline.png)")
              << "." << std::endl;
    Simulator::Destroy();
    return 0;
}

} // namespace mip6tls_scen
