/*
 * wifi-handover.cc: the default mip6tls scenario (README.md next to this file).
 *
 *                       home LAN 2001:db8::/64 (CSMA 100 Mb/s)
 *   [HA+HAC 2001:db8::1]----+----[CN 2001:db8::2]
 *    tunnel 2001:db8:1::1   |
 *                       [R0 2001:db8::3]
 *              p2p 10 ms /             \ p2p 10 ms
 *        2001:db8:f:a::/64            2001:db8:f:b::/64
 *        [AP A 2001:db8:a::1]        [AP B 2001:db8:b::1]      same SSID "mip6tls", ch 36
 *            x = 0 m                     x = 100 m             range 60 m each
 *               ~~~ MN (STA) x = 30 m --> 80 m at 20 m/s ~~~
 *   MN: CoA 2001:db8:a::<EUI-64>, then 2001:db8:b::<EUI-64> (SLAAC from the AP's Router
 *   Advertisements); HoA 2001:db8:1::100 on its tunnel device
 *
 * The MN bootstraps with the HAC over TLS (ns-3 TCP), registers with the HA, and then the CN
 * and the MN exchange one numbered UDP packet each way every 20 ms through the RFC 6618 tunnel
 * (a VirtualNetDevice on each end feeding Mip6tlsMnApplication::SendInner /
 * Mip6tlsHomeApplication::SendToMobile, and the applications' Deliver traces feeding the
 * devices back). The MN walks out of AP A's range; the STA loses A's beacons, disassociates,
 * scans and associates with AP B (break-before-make). Movement detection: on the StaWifiMac
 * Assoc trace the glue sends a Router Solicitation (stock ns-3 sends none on re-association);
 * each AP runs Radvd with the RFC 6275 §7.5 intervals; the RA's prefix becomes a SLAAC
 * address through ns-3's own autoconfiguration and DAD (Icmpv6L4Protocol), and once DAD has
 * made it PREFERRED, Mip6tlsMnApplication::SetCareOfAddress sends the BU.
 *
 * Credentials: the generated TEST PKI of tests/support/test_pki.c (test keys only).
 */
#include "doc-prefix-routing.h"
#include "mip6tls-home-application.h"
#include "mip6tls-mn-application.h"
#include "scenario-common.h"

#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/mn.h"
#include "mip6tls/suite.h"

#include "ns3/boolean.h"
#include "ns3/command-line.h"
#include "ns3/config.h"
#include "ns3/constant-velocity-mobility-model.h"
#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/global-value.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv6-header.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-static-routing-helper.h"
#include "ns3/ipv6-routing-table-entry.h"
#include "ns3/ipv6-static-routing.h"
#include "ns3/mobility-helper.h"
#include "ns3/node-container.h"
#include "ns3/icmpv6-l4-protocol.h"
#include "ns3/ipv6-interface.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/radvd-helper.h"
#include "ns3/radvd.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/sta-wifi-mac.h"
#include "ns3/string.h"
#include "ns3/trace-helper.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"
#include "ns3/virtual-net-device.h"
#include "ns3/wifi-net-device.h"
#include "ns3/yans-wifi-helper.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;
using namespace mip6tls_scen;

namespace
{

const double kRangeM = 60.0; // RangePropagationLossModel MaxRange

/** One access point: its BSSID, the prefix it advertises, its addresses on the Wi-Fi. */
struct ApInfo
{
    std::string name;
    Mac48Address bssid;
    Ipv6Address prefix;   // the /64 its Router Advertisements carry
    Ipv6Address router;   // the AP's global address on the Wi-Fi subnet (the MN's next hop)
};

/** Everything the run records. */
struct Run
{
    // Configuration.
    uint32_t seed = 1;
    double duration = 10.0;
    double moveAt = 2.0;
    double dadMs = 1000.0;  // Icmpv6L4Protocol::DadTimeout on the MN (0: no DAD)
    uint32_t raMinMs = 30; // Radvd MinRtrAdvInterval (RFC 6275 §7.5 lower bound)
    uint32_t raMaxMs = 70; // Radvd MaxRtrAdvInterval (RFC 6275 §7.5 lower bound)
    double trafficStart = 1.0;
    double trafficStop = 9.7;
    std::string out = "wifi-handover-out";

    // Topology pieces the callbacks need.
    std::vector<ApInfo> aps;
    int currentAp = -1; // index into aps of the AP whose CoA the MN uses
    Ipv6Address coa;    // the CoA in use
    Ptr<Node> mnNode;
    uint32_t mnWifiIf = 0;
    Ptr<Ipv6Interface> mnWifi;
    Address mnMac;
    Ptr<Mip6tlsMnApplication> mn;
    Ptr<Mip6tlsHomeApplication> home;
    Tunnel tun;
    Ipv6Address haAddr;

    // Role events.
    uint32_t provisioned = 0;  // HAC SA_PROVISIONED
    uint32_t buSent = 0;       // MN BU_SENT (retransmissions included)
    uint32_t buRetx = 0;       // of which retransmissions
    uint32_t baAccepted = 0;   // MN BA_RECEIVED with status < 128
    uint32_t needBoot = 0;     // MN NEED_BOOTSTRAP
    uint32_t mnDrops = 0;      // MN DROP events
    double bootStart = -1, firstBound = -1;

    // Handover timeline (s; -1: did not happen).
    double lastBeaconOld = -1; // last beacon of the AP in use before the DeAssoc
    double lastBeacon = -1;
    double deassoc = -1;
    double assocNew = -1;
    double rsSent = -1; // the glue's Router Solicitation after the new association
    double detect = -1; // the new prefix arrived in an RA: a SLAAC address, tentative
    double coaSet = -1; // DAD done: the address is PREFERRED and becomes the CoA
    double buNew = -1;
    double baNew = -1;
    double firstDown = -1; // first CN -> MN packet delivered after the move
    double firstUp = -1;   // first MN -> CN packet delivered after the move
    double lastDownOld = -1, lastUpOld = -1;
    uint32_t assocs = 0;

    Traffic traffic; // numbered CN <-> MN packets
};

Run g;

// ---- Role events -------------------------------------------------------------------------

void
OnRoleEvent(char role, uint16_t event, uint32_t conn, uint64_t arg)
{
    double now = Simulator::Now().GetSeconds();
    std::ostringstream o;
    if (role == 'C' && event == MIP6TLS_HAC_EV_SA_PROVISIONED)
    {
        g.provisioned++;
        o << "HAC: SA provisioned, SPI 0x" << std::hex << conn;
        Progress(o.str());
        return;
    }
    if (role != 'M')
    {
        return;
    }
    switch (event)
    {
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP:
        g.needBoot++;
        if (g.bootStart < 0)
        {
            g.bootStart = now;
        }
        Progress("MN: needs an SA, bootstrap with the HAC (TLS over TCP)");
        break;
    case MIP6TLS_MN_EV_SA_INSTALLED:
        o << "MN: SA installed, SPI 0x" << std::hex << conn;
        Progress(o.str());
        break;
    case MIP6TLS_MN_EV_BU_SENT: {
        g.buSent++;
        uint64_t rtx = arg >> 32;
        if (rtx > 0)
        {
            g.buRetx++;
        }
        if (g.coaSet >= 0 && g.buNew < 0)
        {
            g.buNew = now;
        }
        o << "MN: BU sent, seq " << (arg & 0xffff) << (rtx ? " (retransmission)" : "");
        Progress(o.str());
        break;
    }
    case MIP6TLS_MN_EV_BA_RECEIVED: {
        uint32_t status = static_cast<uint32_t>(arg & 0xff);
        if (status < 128)
        {
            g.baAccepted++;
            if (g.firstBound < 0)
            {
                g.firstBound = now;
            }
            if (g.buNew >= 0 && g.baNew < 0)
            {
                g.baNew = now;
            }
        }
        o << "MN: BA received, status " << status << ", seq " << ((arg >> 8) & 0xffff);
        Progress(o.str());
        break;
    }
    case MIP6TLS_MN_EV_DROP:
        g.mnDrops++;
        break;
    case MIP6TLS_MN_EV_STATE:
        o << "MN: state " << mip6tls_mn_state_name(static_cast<int>(arg));
        Progress(o.str());
        break;
    default:
        break;
    }
}

// ---- Movement detection --------------------------------------------------------------------

int
ApIndex(Mac48Address bssid)
{
    for (size_t i = 0; i < g.aps.size(); i++)
    {
        if (g.aps[i].bssid == bssid)
        {
            return static_cast<int>(i);
        }
    }
    return -1;
}

/** Points the MN's route to the HA at the router of AP `ap` (removing the old one). */
void
RouteHaVia(int ap)
{
    Ptr<Ipv6> ip = g.mnNode->GetObject<Ipv6>();
    Ipv6StaticRoutingHelper rh;
    Ptr<Ipv6StaticRouting> rt = rh.GetStaticRouting(ip);
    for (uint32_t i = rt->GetNRoutes(); i-- > 0;)
    {
        Ipv6RoutingTableEntry e = rt->GetRoute(i);
        if (e.IsHost() && e.GetDest() == g.haAddr)
        {
            rt->RemoveRoute(i);
        }
    }
    rt->AddHostRouteTo(g.haAddr, g.aps[ap].router, g.mnWifiIf);
}

/** DAD made `addr` (AP `ap`'s prefix) PREFERRED: it replaces the old CoA and the MN registers. */
void
ConfigureCoa(int ap, Ipv6Address addr)
{
    Ptr<Ipv6L3Protocol> ip = g.mnNode->GetObject<Ipv6L3Protocol>();
    if (g.currentAp >= 0)
    {
        // The old prefix is off-link now: drop its address, so the MN has one CoA. Not
        // through RemoveAutoconfiguredAddress: in ns-3 3.37 it destroys the prefix's
        // lifetime timers while they run, which aborts the run. ns-3 therefore still
        // remembers the old prefix, and an RA from that AP would only refresh it (this
        // scenario never goes back).
        ip->RemoveAddress(g.mnWifiIf, g.coa);
    }
    g.currentAp = ap;
    g.coa = addr;
    RouteHaVia(ap);
    g.coaSet = Simulator::Now().GetSeconds();
    std::ostringstream o;
    o << "glue: DAD done, " << addr << " PREFERRED: new CoA, MN SetCareOfAddress";
    Progress(o.str());
    int rc = g.mn->SetCareOfAddress(addr);
    NS_ABORT_MSG_IF(rc != 0, "SetCareOfAddress: " << mip6tls_strerror(rc));
}

/** Follows the DAD of `addr`: ns-3 marks it PREFERRED when DadTimeout passes unopposed. */
void
WaitDad(int ap, Ipv6Address addr)
{
    for (uint32_t i = 0; i < g.mnWifi->GetNAddresses(); i++)
    {
        Ipv6InterfaceAddress a = g.mnWifi->GetAddress(i);
        if (a.GetAddress() != addr)
        {
            continue;
        }
        if (g.dadMs == 0 || a.GetState() == Ipv6InterfaceAddress::PREFERRED)
        {
            ConfigureCoa(ap, addr);
        }
        else
        {
            Simulator::Schedule(MicroSeconds(100), &WaitDad, ap, addr); // 0.1 ms resolution
        }
        return;
    }
    Progress("glue: the new address left the interface (DAD failed?): no CoA change");
}

/**
 * Ipv6Interface add-address callback on the MN's Wi-Fi: an RA's prefix made a SLAAC address
 * (RFC 4862 §5.5.3), tentative until DAD is done. A prefix of another AP than the one in use
 * is the movement detection of RFC 6275 §11.5.1.
 */
void
OnAddressAdded(Ptr<Ipv6Interface> /* the MN's Wi-Fi */, Ipv6InterfaceAddress a)
{
    if (a.GetScope() != Ipv6InterfaceAddress::GLOBAL)
    {
        return;
    }
    int ap = -1;
    for (size_t i = 0; i < g.aps.size(); i++)
    {
        if (Ipv6Prefix(64).IsMatch(a.GetAddress(), g.aps[i].prefix))
        {
            ap = static_cast<int>(i);
        }
    }
    if (ap < 0 || ap == g.currentAp)
    {
        return;
    }
    g.detect = Simulator::Now().GetSeconds();
    std::ostringstream o;
    o << "glue: RA from " << g.aps[ap].name << ": new prefix, SLAAC address " << a.GetAddress()
      << (g.dadMs > 0 ? " tentative, DAD" : " (no DAD)");
    Progress(o.str());
    // ns-3 schedules its DAD timeout before calling us, so at the same instant it runs first.
    Simulator::Schedule(MilliSeconds(g.dadMs), &WaitDad, ap, a.GetAddress());
}

/** Sends the Router Solicitation of RFC 4861 §6.3.7 from the link-local address. */
void
SendRs()
{
    Ptr<Icmpv6L4Protocol> icmp = g.mnNode->GetObject<Ipv6L3Protocol>()->GetIcmpv6();
    icmp->SendRS(g.mnWifi->GetLinkLocalAddress().GetAddress(),
                 Ipv6Address::GetAllRoutersMulticast(), g.mnMac);
    g.rsSent = Simulator::Now().GetSeconds();
}

void
OnAssoc(Mac48Address bssid)
{
    g.assocs++;
    int ap = ApIndex(bssid);
    std::ostringstream o;
    o << "Wi-Fi: associated with " << (ap >= 0 ? g.aps[ap].name : "?") << " (" << bssid << ")";
    Progress(o.str());
    if (ap < 0 || ap == g.currentAp || g.currentAp < 0)
    {
        return; // the first association, or back to the same AP: the CoA is still valid
    }
    g.assocNew = Simulator::Now().GetSeconds();
    Progress("glue: new BSSID, Router Solicitation");
    SendRs();
}

void
OnDeAssoc(Mac48Address bssid)
{
    g.deassoc = Simulator::Now().GetSeconds();
    g.lastBeaconOld = g.lastBeacon;
    g.lastDownOld = g.traffic.down.rx.empty() ? -1 : g.traffic.down.rx.back().t;
    g.lastUpOld = g.traffic.up.rx.empty() ? -1 : g.traffic.up.rx.back().t;
    int ap = ApIndex(bssid);
    std::ostringstream o;
    o << "Wi-Fi: lost " << (ap >= 0 ? g.aps[ap].name : "?") << " (beacon loss), scanning";
    Progress(o.str());
}

void
OnBeacon(Time t)
{
    g.lastBeacon = t.GetSeconds();
}

// ---- Traffic -------------------------------------------------------------------------------

/** The first packet each way that arrives after the new association. */
void
OnRx(bool down, uint32_t seq, double now)
{
    if (g.assocNew >= 0 && now >= g.assocNew)
    {
        double& first = down ? g.firstDown : g.firstUp;
        if (first < 0)
        {
            first = now;
            Progress(std::string("data: first ") + (down ? "CN -> MN" : "MN -> CN") +
                     " packet on the new path, seq " + std::to_string(seq));
        }
    }
}

} // namespace

int
main(int argc, char** argv)
{
    CommandLine cmd(__FILE__);
    cmd.Usage("mip6tls default scenario: an RFC 6618 MN hands over between two Wi-Fi APs on "
              "different IPv6 subnets while a CN streams UDP to it through the HA "
              "(scenarios/wifi-handover/README.md).");
    cmd.AddValue("out", "output directory (created)", g.out);
    cmd.AddValue("seed", "RngSeedManager run number", g.seed);
    cmd.AddValue("duration", "simulated seconds (>= 7)", g.duration);
    cmd.AddValue("moveAt", "when the MN starts walking from AP A to AP B (s)", g.moveAt);
    cmd.AddValue("dadMs", "the MN's DAD timeout (ms, Icmpv6L4Protocol::DadTimeout; 0 = no DAD)",
                 g.dadMs);
    cmd.AddValue("raMinMs", "the APs' MinRtrAdvInterval (ms; RFC 6275 §7.5 allows >= 30)",
                 g.raMinMs);
    cmd.AddValue("raMaxMs", "the APs' MaxRtrAdvInterval (ms; RFC 6275 §7.5 allows >= 70)",
                 g.raMaxMs);
    cmd.Parse(argc, argv);
    if (g.duration < 7.0 || g.moveAt < 1.0 || g.dadMs < 0 || g.dadMs > 10000 ||
        g.raMinMs < 30 || g.raMaxMs < 70 || g.raMinMs > g.raMaxMs)
    {
        std::cerr << "wifi-handover: need --duration >= 7, --moveAt >= 1, 0 <= --dadMs <= 10000, "
                     "30 <= --raMinMs <= --raMaxMs, --raMaxMs >= 70"
                  << std::endl;
        return 2;
    }
    if (g.duration < g.moveAt + 4.0 + g.dadMs / 1000.0)
    {
        std::cerr << "wifi-handover: warning: --duration may end before the handover completes"
                  << std::endl;
    }
    g.trafficStop = g.duration - 0.3;
    if (!PrepareOutDir("wifi-handover", g.out))
    {
        return 2;
    }

    // Static addresses everywhere but the MN's new CoA, whose DAD is ns-3's own (switched on
    // for the MN below, once its static set-up is done).
    InitRun(g.seed);

    // Nodes.
    Ptr<Node> ha = CreateObject<Node>();
    Ptr<Node> cn = CreateObject<Node>();
    Ptr<Node> r0 = CreateObject<Node>();
    Ptr<Node> apA = CreateObject<Node>();
    Ptr<Node> apB = CreateObject<Node>();
    Ptr<Node> mnNode = CreateObject<Node>();
    g.mnNode = mnNode;
    NodeContainer all(ha, cn, r0);
    all.Add(apA);
    all.Add(apB);
    all.Add(mnNode);

    // Home LAN.
    CsmaHelper csma;
    LanChannel(&csma, "100Mbps");
    NetDeviceContainer lan = csma.Install(NodeContainer(ha, cn, r0));

    // Router links to the APs.
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    NetDeviceContainer linkA = p2p.Install(r0, apA);
    NetDeviceContainer linkB = p2p.Install(r0, apB);

    // Wi-Fi: two APs with the same SSID on one channel, 60 m range each, 100 m apart.
    YansWifiChannelHelper wch;
    wch.SetPropagationDelay("ns3::ConstantSpeedPropagationDelayModel");
    wch.AddPropagationLoss("ns3::RangePropagationLossModel", "MaxRange", DoubleValue(kRangeM));
    YansWifiPhyHelper phy;
    phy.SetChannel(wch.Create());
    phy.SetPcapDataLinkType(WifiPhyHelper::DLT_IEEE802_11_RADIO);
    WifiHelper wifi;
    wifi.SetStandard(WIFI_STANDARD_80211a);
    wifi.SetRemoteStationManager("ns3::ConstantRateWifiManager", "DataMode",
                                 StringValue("OfdmRate24Mbps"), "ControlMode",
                                 StringValue("OfdmRate6Mbps"));
    Ssid ssid("mip6tls");
    WifiMacHelper mac;
    mac.SetType("ns3::ApWifiMac", "Ssid", SsidValue(ssid));
    NetDeviceContainer apDevs = wifi.Install(phy, mac, NodeContainer(apA, apB));
    mac.SetType("ns3::StaWifiMac", "Ssid", SsidValue(ssid), "ActiveProbing", BooleanValue(false));
    NetDeviceContainer staDev = wifi.Install(phy, mac, mnNode);

    MobilityHelper mob;
    mob.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mob.Install(NodeContainer(apA, apB));
    apA->GetObject<MobilityModel>()->SetPosition(Vector(0, 0, 0));
    apB->GetObject<MobilityModel>()->SetPosition(Vector(100, 0, 0));
    mob.SetMobilityModel("ns3::ConstantVelocityMobilityModel");
    mob.Install(mnNode);
    Ptr<ConstantVelocityMobilityModel> mnMob =
        mnNode->GetObject<ConstantVelocityMobilityModel>();
    mnMob->SetPosition(Vector(30, 0, 0));
    const double speed = 20.0; // m/s, from x = 30 m to x = 80 m
    Simulator::Schedule(Seconds(g.moveAt), [mnMob, speed]() {
        mnMob->SetVelocity(Vector(speed, 0, 0));
        Progress("MN starts walking towards AP B at 20 m/s");
    });
    Simulator::Schedule(Seconds(g.moveAt + 50.0 / speed), [mnMob]() {
        mnMob->SetVelocity(Vector(0, 0, 0));
        Progress("MN stops at x = 80 m (AP B at 100 m)");
    });

    // IPv6 only.
    InternetStackHelper stack;
    stack.SetIpv4StackInstall(false);
    // ns-3 3.37 does not forward to 2001:db8::/32: see common/doc-prefix-routing.h.
    DocPrefixRoutingHelper routing;
    stack.SetRoutingHelper(routing);
    stack.Install(all);
    int64_t stream = 1000;
    stream += stack.AssignStreams(all, stream);
    stream += wifi.AssignStreams(NetDeviceContainer(apDevs, staDev), stream);

    uint32_t haLan = AddIf(ha, lan.Get(0), "2001:db8::1", true);
    uint32_t cnIf = AddIf(cn, lan.Get(1), "2001:db8::2", false);
    uint32_t r0Lan = AddIf(r0, lan.Get(2), "2001:db8::3", true);
    uint32_t r0A = AddIf(r0, linkA.Get(0), "2001:db8:f:a::1", true);
    uint32_t r0B = AddIf(r0, linkB.Get(0), "2001:db8:f:b::1", true);
    uint32_t apAUp = AddIf(apA, linkA.Get(1), "2001:db8:f:a::2", true);
    uint32_t apBUp = AddIf(apB, linkB.Get(1), "2001:db8:f:b::2", true);
    uint32_t apAWifi = AddIf(apA, apDevs.Get(0), "2001:db8:a::1", true);
    uint32_t apBWifi = AddIf(apB, apDevs.Get(1), "2001:db8:b::1", true);
    // The initial CoA on AP A is the SLAAC address A's RAs would give (configured up front:
    // the scenario starts with the MN attached); AP B's comes from its RA after the move.
    g.mnMac = staDev.Get(0)->GetAddress();
    Ipv6Address coaA = Ipv6Address::MakeAutoconfiguredAddress(
        Mac48Address::ConvertFrom(g.mnMac), Ipv6Address("2001:db8:a::"));
    std::ostringstream coaAText;
    coaAText << coaA;
    g.mnWifiIf = AddIf(mnNode, staDev.Get(0), coaAText.str().c_str(), false);
    g.mnWifi = mnNode->GetObject<Ipv6L3Protocol>()->GetInterface(g.mnWifiIf);
    g.coa = coaA;
    g.haAddr = Ipv6Address("2001:db8::1");

    // Router Advertisements on both APs: RFC 6275 §7.5 intervals, MinDelayBetweenRAs equal
    // to MinRtrAdvInterval (§13). Router Lifetime 0: the APs are not the MN's default router
    // (its default route is the tunnel; the glue routes the HA via the current AP).
    auto advertise = [&stream](Ptr<Node> node, uint32_t ifIndex, const char* prefix) {
        RadvdHelper radvd;
        radvd.AddAnnouncedPrefix(ifIndex, Ipv6Address(prefix), 64);
        Ptr<RadvdInterface> rif = radvd.GetRadvdInterface(ifIndex);
        rif->SetMinRtrAdvInterval(g.raMinMs);
        rif->SetMaxRtrAdvInterval(g.raMaxMs);
        rif->SetMinDelayBetweenRAs(g.raMinMs);
        rif->SetDefaultLifeTime(0);
        ApplicationContainer ra = radvd.Install(node);
        ra.Start(Seconds(0.05));
        stream += DynamicCast<Radvd>(ra.Get(0))->AssignStreams(stream);
    };
    advertise(apA, apAWifi, "2001:db8:a::");
    advertise(apB, apBWifi, "2001:db8:b::");

    // The tunnel devices: inner packets through the RFC 6618 data path.
    g.tun.Install(ha, "2001:db8:1::1", mnNode, kHoa); // home prefix behind the HA
    uint32_t mnTunIf = g.tun.mnTunIf;

    // Static routes.
    Routing(r0)->AddNetworkRouteTo("2001:db8:a::", Ipv6Prefix(64), "2001:db8:f:a::2", r0A);
    Routing(r0)->AddNetworkRouteTo("2001:db8:b::", Ipv6Prefix(64), "2001:db8:f:b::2", r0B);
    Routing(r0)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), "2001:db8::1", r0Lan);
    Routing(apA)->SetDefaultRoute("2001:db8:f:a::1", apAUp);
    Routing(apB)->SetDefaultRoute("2001:db8:f:b::1", apBUp);
    Routing(ha)->SetDefaultRoute("2001:db8::3", haLan);
    Routing(cn)->SetDefaultRoute("2001:db8::3", cnIf);
    Routing(cn)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), "2001:db8::1", cnIf);
    // MN: the HA via the current AP's router, everything else into the tunnel.
    Routing(mnNode)->AddNetworkRouteTo(Ipv6Address::GetAny(), Ipv6Prefix::GetZero(), mnTunIf);

    g.aps.push_back({"AP A", Mac48Address::ConvertFrom(apDevs.Get(0)->GetAddress()),
                     Ipv6Address("2001:db8:a::"), Ipv6Address("2001:db8:a::1")});
    g.aps.push_back({"AP B", Mac48Address::ConvertFrom(apDevs.Get(1)->GetAddress()),
                     Ipv6Address("2001:db8:b::"), Ipv6Address("2001:db8:b::1")});
    g.currentAp = 0;
    RouteHaVia(0);

    // The roles.
    g.home = MakeHome(ha, g.haAddr, stream++);
    g.home->SetAttribute("KeyLogFile", StringValue(g.out + "/keylog.txt"));
    g.home->SetStartTime(Seconds(0.1));
    g.mn = MakeMn(mnNode, g.haAddr, g.coa, stream++);
    g.mn->SetStartTime(Seconds(0.5));

    g.home->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    g.mn->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    g.tun.Connect(g.home, g.mn);

    Ptr<StaWifiMac> staMac =
        DynamicCast<StaWifiMac>(DynamicCast<WifiNetDevice>(staDev.Get(0))->GetMac());
    staMac->TraceConnectWithoutContext("Assoc", MakeCallback(&OnAssoc));
    staMac->TraceConnectWithoutContext("DeAssoc", MakeCallback(&OnDeAssoc));
    staMac->TraceConnectWithoutContext("BeaconArrival", MakeCallback(&OnBeacon));
    // From here on the MN's new addresses go through ns-3's DAD (RFC 4862 §5.4).
    Ptr<Icmpv6L4Protocol> mnIcmp = mnNode->GetObject<Ipv6L3Protocol>()->GetIcmpv6();
    mnIcmp->SetAttribute("DAD", BooleanValue(g.dadMs > 0));
    mnIcmp->SetAttribute("DadTimeout", TimeValue(MilliSeconds(g.dadMs > 0 ? g.dadMs : 1)));
    g.mnWifi->AddAddressCallback(MakeCallback(&OnAddressAdded));

    CountIpDrops();

    // Traffic: CN <-> MN home address, one numbered packet each way every 20 ms.
    g.traffic.onRx = &OnRx;
    g.traffic.Install(cn, Ipv6Address("2001:db8::2"), mnNode, Ipv6Address(kHoa));
    g.traffic.Start(g.trafficStart, g.trafficStop);
    StartHeartbeat(&g.traffic, g.mn, 1.0, g.duration);

    // Pcaps: the MN's Wi-Fi (802.11 + radiotap), the home node's LAN port, the tunnels (inner).
    phy.EnablePcap(g.out + "/mn-wifi.pcap", staDev.Get(0), false, true);
    csma.EnablePcap(g.out + "/home-lan.pcap", lan.Get(0), false, true);
    g.tun.EnablePcap(g.out);

    std::cout << "wifi-handover: seed " << g.seed << ", " << g.duration << " s, MN moves at "
              << g.moveAt << " s, DAD " << g.dadMs << " ms, RAs every " << g.raMinMs << "-"
              << g.raMaxMs << " ms, out " << g.out << std::endl;
    Simulator::Stop(Seconds(g.duration));
    Simulator::Run();

    // ---- Results ----
    const mip6tls_mn& ctx = g.mn->GetContext();
    const mip6tls_sa* sa = mip6tls_mn_active_sa(&ctx);
    uint32_t bootAttempts = g.mn->GetBootstrapAttempts();
    uint32_t bootRt = g.mn->GetBootstrapRoundTrips();
    uint32_t bindings = g.home->GetBindingCount();
    std::string finalState = g.mn->GetStateName();

    std::string esp = sa ? EspSaRows(sa->keys, g.haAddr) : "";
    {
        std::ofstream f(g.out + "/esp_sa");
        f << esp;
    }

    g.traffic.WriteDat(g.out);
    uint32_t ipDrops = IpDrops(); // Ipv6L3Protocol Drop trace, all nodes
    uint32_t downLost = g.traffic.down.Lost();
    uint32_t upLost = g.traffic.up.Lost();

    // Received sequence number against time, one panel per direction, handover events marked.
    bool png = PlotTimeline(g.out, "wifi-handover", g.seed, g.duration,
                            {{g.firstBound, "bound (AP A)", "gray40"},
                             {g.lastBeaconOld, "last beacon AP A", "gray40"},
                             {g.deassoc, "DeAssoc", "orange"},
                             {g.assocNew, "Assoc AP B", "red"},
                             {g.detect, "RA: new prefix", "purple"},
                             {g.coaSet, "DAD done, BU", "dark-green"},
                             {g.baNew, "BA", "blue"}});

    // summary.json
    std::ostringstream js;
    js << "{\n"
       << "  \"scenario\": \"wifi-handover\",\n"
       << "  \"seed\": " << g.seed << ",\n"
       << "  \"duration_s\": " << g.duration << ",\n"
       << "  \"move_at_s\": " << g.moveAt << ",\n"
       << "  \"dad_timeout_ms\": " << g.dadMs << ",\n"
       << "  \"ra_interval_ms\": [" << g.raMinMs << ", " << g.raMaxMs << "],\n"
       << "  \"suite\": \""
       << (sa && mip6tls_suite_find(sa->keys.suite) ? mip6tls_suite_find(sa->keys.suite)->name
                                                    : "none")
       << "\",\n"
       << "  \"spi\": " << (sa ? sa->keys.spi : 0) << ",\n"
       << "  \"bootstrap\": {\"attempts\": " << bootAttempts << ", \"round_trips\": " << bootRt
       << ", \"sa_provisioned\": " << g.provisioned << ", \"need_bootstrap_events\": "
       << g.needBoot << ", \"start_s\": " << Sec(g.bootStart)
       << ", \"first_bound_s\": " << Sec(g.firstBound)
       << ", \"bootstrap_to_bound_ms\": " << Ms(g.bootStart, g.firstBound) << "},\n"
       << "  \"binding\": {\"bu_sent\": " << g.buSent << ", \"bu_retransmissions\": " << g.buRetx
       << ", \"ba_accepted\": " << g.baAccepted << ", \"ha_bindings\": " << bindings
       << ", \"mn_final_state\": \"" << finalState << "\", \"associations\": " << g.assocs
       << "},\n"
       << "  \"handover\": {\n"
       << "    \"t_last_beacon_old_s\": " << Sec(g.lastBeaconOld) << ",\n"
       << "    \"t_deassoc_s\": " << Sec(g.deassoc) << ",\n"
       << "    \"t_assoc_new_s\": " << Sec(g.assocNew) << ",\n"
       << "    \"t_rs_s\": " << Sec(g.rsSent) << ",\n"
       << "    \"t_detect_s\": " << Sec(g.detect) << ",\n"
       << "    \"t_coa_s\": " << Sec(g.coaSet) << ",\n"
       << "    \"t_bu_s\": " << Sec(g.buNew) << ",\n"
       << "    \"t_ba_s\": " << Sec(g.baNew) << ",\n"
       << "    \"t_first_down_s\": " << Sec(g.firstDown) << ",\n"
       << "    \"t_first_up_s\": " << Sec(g.firstUp) << ",\n"
       << "    \"beacon_loss_ms\": " << Ms(g.lastBeaconOld, g.deassoc) << ",\n"
       << "    \"scan_assoc_ms\": " << Ms(g.deassoc, g.assocNew) << ",\n"
       << "    \"l2_ms\": " << Ms(g.lastBeaconOld, g.assocNew) << ",\n"
       << "    \"detection_ms\": " << Ms(g.assocNew, g.detect) << ",\n"
       << "    \"dad_ms\": " << Ms(g.detect, g.coaSet) << ",\n"
       << "    \"bu_ba_ms\": " << Ms(g.buNew, g.baNew) << ",\n"
       << "    \"first_packet_ms\": " << Ms(g.baNew, g.firstDown) << ",\n"
       << "    \"first_packet_up_ms\": " << Ms(g.baNew, g.firstUp) << ",\n"
       << "    \"interruption_down_ms\": " << Ms(g.lastDownOld, g.firstDown) << ",\n"
       << "    \"interruption_up_ms\": " << Ms(g.lastUpOld, g.firstUp) << "\n"
       << "  },\n"
       << "  \"traffic\": {\n"
       << g.traffic.Json(g.tun, ipDrops)
       << "  },\n"
       << "  \"outputs\": [\"mn-wifi.pcap\", \"home-lan.pcap\", \"mn-tunnel.pcap\", "
          "\"home-tunnel.pcap\", \"esp_sa\", \"keylog.txt\", "
          "\"timeline.png\", \"rx-cn-to-mn.dat\", "
          "\"rx-mn-to-cn.dat\"]\n"
       << "}\n";
    {
        std::ofstream f(g.out + "/summary.json");
        f << js.str();
    }

    std::cout << "\nwifi-handover summary (seed " << g.seed << "): the MN bootstrapped once ("
              << bootAttempts << " attempt, " << bootRt << " round trips, bound "
              << Ms(g.bootStart, g.firstBound) << " ms after it asked for an SA) and bound "
              << g.baAccepted << " times. Moving from AP A to AP B, the link was down "
              << Ms(g.lastBeaconOld, g.assocNew) << " ms (beacon loss "
              << Ms(g.lastBeaconOld, g.deassoc) << " ms + scan/association "
              << Ms(g.deassoc, g.assocNew) << " ms); detection took "
              << Ms(g.assocNew, g.detect) << " ms (RS on Assoc to the RA's prefix), DAD "
              << Ms(g.detect, g.coaSet)
              << " ms, BU -> BA " << Ms(g.buNew, g.baNew)
              << " ms, and the first CN -> MN packet on the new path arrived "
              << Ms(g.baNew, g.firstDown) << " ms after the BA (interruption "
              << Ms(g.lastDownOld, g.firstDown) << " ms downlink, "
              << Ms(g.lastUpOld, g.firstUp) << " ms uplink). Lost: " << downLost << " of "
              << g.traffic.down.sent << " CN -> MN, " << upLost << " of " << g.traffic.up.sent
              << " MN -> CN. Outputs in " << g.out << (png ? "" : " (no timeline.png)") << "."
              << std::endl;

    Simulator::Destroy();
    return 0;
}
