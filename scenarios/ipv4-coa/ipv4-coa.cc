/*
 * ipv4-coa.cc: the mip6tls ipv4-coa scenario, DSMIPv6 (RFC 5555) under RFC 6618 (README.md
 * next to this file).
 *
 *          home LAN 2001:db8::/64 + 192.0.2.0/26 (CSMA 100 Mb/s)
 *   [HA+HAC 2001:db8::1, 192.0.2.1]----+----[CN 2001:db8::2, 192.0.2.2]
 *    tunnel 2001:db8:1::1/64,          |
 *           192.0.2.129/25         [R0 2001:db8::3, 192.0.2.3]
 *                                      | p2p 100 Mb/s, 10 ms, 198.51.100.0/24 (IPv4 only)
 *                                  [VR 198.51.100.2 | 203.0.113.1]   (NAT with --nat)
 *                                      | visited LAN 203.0.113.0/24 (CSMA, IPv4 only)
 *                                  [MN CoA 203.0.113.5]
 *   MN: HoA 2001:db8:1::100 and 192.0.2.200 on its tunnel device
 *
 * The MN sits in an IPv4-only visited network. It bootstraps with the HAC over TLS on IPv4
 * TCP, registers with the HA over IPv4 UDP 7872 (BU with the IPv4 CoA and IPv4 HoA options of
 * RFC 5555 inside ESP; BA with the IPv4 Address Acknowledgement and NAT Detection options),
 * sends NAT keepalives, and then the CN exchanges numbered UDP packets with both of the MN's
 * home addresses, IPv6 and IPv4, both ways, through the one RFC 6618 tunnel. With --nat the
 * visited router translates the MN's address and ports (nat-router.h): the HA detects the NAT
 * (the IPv4 CoA option differs from the outer source) and answers the NAT's public endpoint.
 *
 * Credentials: the generated TEST PKI of tests/support/test_pki.c (test keys only).
 */
#include "doc-prefix-routing.h"
#include "mip6tls-home-application.h"
#include "mip6tls-mn-application.h"
#include "nat-router.h"
#include "scenario-common.h"

#include "mip6tls/addr.h"
#include "mip6tls/boot.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/mh.h"
#include "mip6tls/mn.h"
#include "mip6tls/suite.h"

extern "C" {
#include "test_pki.h"
}

#include "ns3/boolean.h"
#include "ns3/command-line.h"
#include "ns3/config.h"
#include "ns3/csma-helper.h"
#include "ns3/global-value.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-list-routing-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/node-container.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/udp-header.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;
using namespace mip6tls_scen;

namespace
{

const char* const kHoa4 = "192.0.2.200"; // the MN's IPv4 home address (RFC 5555)
const char* const kHa6 = "2001:db8::1";
const char* const kHa4 = "192.0.2.1";
const char* const kCn6 = "2001:db8::2";
const char* const kCn4 = "192.0.2.2";
const char* const kCoa = "203.0.113.5";   // the MN's IPv4 care-of address
const char* const kVrOut = "198.51.100.2"; // the visited router's (NAT's) outside address

/** One family's traffic: CN -> MN (down) and MN -> CN (up). */
struct FamilyFlows
{
    Flow down, up;
    Ptr<Socket> cn, mn;
    Address cnAddr, hoa; // where each side sends to
};

/** Everything the run records. */
struct Run
{
    // Configuration.
    uint32_t seed = 1;
    double duration = 10.0;
    double trafficStart = 3.0;
    double trafficStop = 9.7;
    uint32_t keepaliveMs = 1000;
    bool nat = false;
    uint32_t natTimeoutMs = 1500;
    std::string out = "ipv4-coa-out";

    Ptr<Node> mnNode;
    Ptr<Mip6tlsMnApplication> mn;
    Ptr<Mip6tlsHomeApplication> home;
    Ptr<NatRouting> natRouting;
    Tunnel tun;

    // Role events.
    uint32_t provisioned = 0;
    uint32_t buSent = 0, buRetx = 0, baAccepted = 0, needBoot = 0, mnDrops = 0;
    int baStatus = -1;    // status of the first BA
    int hoa4Ack = -1;     // RFC 5555 IPv4 Address Acknowledgement status
    int64_t natRefresh = -1; // the BA's NAT Detection option: refresh time (0xFFFFFFFF: no NAT)
    uint32_t haBindingCreated = 0, haBindingUpdated = 0;
    double mnStart = -1, bootStart = -1, tlsUp = -1, saInstalled = -1;
    double firstBu = -1, firstBa = -1, firstBound = -1, natDetected = -1, rebind = -1;

    // The MN's outer packets (Ipv4L3Protocol Tx on its access interface).
    uint32_t keepalives = 0;
    double firstKeepalive = -1;
    uint32_t mnTx4 = 0;

    FamilyFlows v6, v4;
};

Run g;

// ---- Role events -------------------------------------------------------------------------

void
OnRoleEvent(char role, uint16_t event, uint32_t conn, uint64_t arg)
{
    double now = Simulator::Now().GetSeconds();
    std::ostringstream o;
    if (role == 'C')
    {
        if (event == MIP6TLS_HAC_EV_SESSION_OPEN)
        {
            Progress("HAC: TCP connection accepted (IPv4), TLS 1.2 handshake");
        }
        else if (event == MIP6TLS_HAC_EV_SA_PROVISIONED)
        {
            g.provisioned++;
            o << "HAC: MN authenticated (PSK), SA provisioned, SPI 0x" << std::hex << conn
              << " (HA 2001:db8::1 and 192.0.2.1, HoA 2001:db8:1::100 and 192.0.2.200)";
            Progress(o.str());
        }
        return;
    }
    if (role == 'A')
    {
        if (event == MIP6TLS_HA_EV_BINDING_CREATED || event == MIP6TLS_HA_EV_BINDING_UPDATED)
        {
            bool created = event == MIP6TLS_HA_EV_BINDING_CREATED;
            (created ? g.haBindingCreated : g.haBindingUpdated)++;
            if (!created && g.rebind < 0)
            {
                g.rebind = now;
            }
            o << "HA: " << mip6tls_ha_event_name(event)
              << (created ? "" : " (newest authenticated packet from another outer source)")
              << ", lifetime " << arg << " s";
            Progress(o.str());
        }
        return;
    }
    switch (event)
    {
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP:
        g.needBoot++;
        Progress("MN: needs an SA, bootstrap with the HAC (TLS over IPv4 TCP)");
        break;
    case MIP6TLS_BOOT_EV_STARTED:
        if (g.bootStart < 0)
        {
            g.bootStart = now;
        }
        o << "MN: TCP connect to 192.0.2.1:7872 from " << kCoa << ", attempt " << arg;
        Progress(o.str());
        break;
    case MIP6TLS_BOOT_EV_TLS_UP:
        if (g.tlsUp < 0)
        {
            g.tlsUp = now;
        }
        Progress(std::string("MN: TLS 1.2 up") + (arg ? " (resumed)" : "") +
                 ", HACP request/response");
        break;
    case MIP6TLS_MN_EV_SA_INSTALLED:
        if (g.saInstalled < 0)
        {
            g.saInstalled = now;
        }
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
        if (g.firstBu < 0)
        {
            g.firstBu = now;
        }
        o << "MN: BU sent to 192.0.2.1:7872 (IPv4 CoA " << kCoa << ", IPv4 HoA " << kHoa4
          << " options), seq " << (arg & 0xffff) << (rtx ? " (retransmission)" : "");
        Progress(o.str());
        break;
    }
    case MIP6TLS_MN_EV_BA_RECEIVED: {
        uint32_t status = static_cast<uint32_t>(arg & 0xff);
        if (g.baStatus < 0)
        {
            g.baStatus = static_cast<int>(status);
        }
        if (status < 128)
        {
            g.baAccepted++;
            if (g.firstBa < 0)
            {
                g.firstBa = now;
            }
        }
        o << "MN: BA received, status " << status << ", seq " << ((arg >> 8) & 0xffff);
        Progress(o.str());
        break;
    }
    case MIP6TLS_MN_EV_HOA4_ACK:
        g.hoa4Ack = static_cast<int>(arg);
        o << "MN: IPv4 Address Acknowledgement, status " << arg
          << (arg == 0 ? " (IPv4 home address bound)" : "");
        Progress(o.str());
        break;
    case MIP6TLS_MN_EV_NAT_DETECTED:
        // RFC 5555 §3.2.2: the HA always sets F under RFC 6618's UDP encapsulation
        // (decisions/0041); the refresh time says whether it saw a NAT.
        g.natRefresh = static_cast<int64_t>(arg);
        if (arg != MIP6TLS_NAT_REFRESH_NONE)
        {
            g.natDetected = now;
            o << "MN: NAT Detection option: the HA saw a NAT, refresh " << arg << " s";
        }
        else
        {
            o << "MN: NAT Detection option: no NAT on the path (refresh none)";
        }
        Progress(o.str());
        break;
    case MIP6TLS_MN_EV_DROP:
        g.mnDrops++;
        break;
    case MIP6TLS_MN_EV_STATE:
        if (arg == MIP6TLS_MN_BOUND && g.firstBound < 0)
        {
            g.firstBound = now;
        }
        o << "MN: state " << mip6tls_mn_state_name(static_cast<int>(arg));
        Progress(o.str());
        break;
    default:
        break;
    }
}

/** The MN's outer IPv4 packets: count them and the one-octet NAT keepalives among them. */
void
OnMnTx4(Ptr<const Packet> p, Ptr<Ipv4>, uint32_t)
{
    g.mnTx4++;
    Ptr<Packet> c = p->Copy();
    Ipv4Header ip;
    c->RemoveHeader(ip);
    if (ip.GetProtocol() != 17 || ip.GetDestination() != Ipv4Address(kHa4))
    {
        return;
    }
    UdpHeader udp;
    c->RemoveHeader(udp);
    uint8_t b = 0;
    if (udp.GetDestinationPort() == 7872 && c->GetSize() == 1 && c->CopyData(&b, 1) == 1 &&
        b == 0xFF)
    {
        if (g.keepalives++ == 0)
        {
            g.firstKeepalive = Simulator::Now().GetSeconds();
            Progress("MN: NAT keepalive (one octet 0xFF) to 192.0.2.1:7872");
        }
    }
}

// ---- Traffic -------------------------------------------------------------------------------

Ptr<Packet>
Numbered(uint32_t seq)
{
    uint8_t b[12];
    uint64_t ns = static_cast<uint64_t>(Simulator::Now().GetNanoSeconds());
    for (int i = 0; i < 4; i++)
    {
        b[i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
    {
        b[4 + i] = static_cast<uint8_t>(ns >> (56 - 8 * i));
    }
    return Create<Packet>(b, sizeof b);
}

void
Receive(Flow* f, Ptr<Socket> s)
{
    Ptr<Packet> p;
    while ((p = s->Recv()))
    {
        uint8_t b[4];
        if (p->CopyData(b, sizeof b) < 4)
        {
            continue;
        }
        uint32_t seq = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) |
                       b[3];
        if (f->seen.insert(seq).second)
        {
            f->rx.push_back({Simulator::Now().GetSeconds(), seq});
        }
    }
}

/** Sockets of one family: the CN at `cn`, the MN at its home address `hoa`, port kAppPort. */
void
InstallFlows(FamilyFlows& ff,
             Ptr<Node> cn,
             Ptr<Node> mn,
             const Address& cnAddr,
             const Address& hoa)
{
    ff.cnAddr = cnAddr;
    ff.hoa = hoa;
    ff.cn = Socket::CreateSocket(cn, UdpSocketFactory::GetTypeId());
    NS_ABORT_UNLESS(ff.cn->Bind(cnAddr) == 0);
    ff.cn->SetRecvCallback(MakeBoundCallback(&Receive, &ff.up));
    ff.mn = Socket::CreateSocket(mn, UdpSocketFactory::GetTypeId());
    NS_ABORT_UNLESS(ff.mn->Bind(hoa) == 0);
    ff.mn->SetRecvCallback(MakeBoundCallback(&Receive, &ff.down));
}

/** One numbered packet each way in each family every kPeriodS. */
void
TrafficTick()
{
    for (FamilyFlows* ff : {&g.v6, &g.v4})
    {
        ff->cn->SendTo(Numbered(ff->down.sent++), 0, ff->hoa);
        ff->mn->SendTo(Numbered(ff->up.sent++), 0, ff->cnAddr);
    }
    if (Simulator::Now().GetSeconds() + kPeriodS < g.trafficStop)
    {
        Simulator::Schedule(Seconds(kPeriodS), &TrafficTick);
    }
}

void
Heartbeat()
{
    std::ostringstream o;
    o << "progress: IPv6 CN->MN " << g.v6.down.rx.size() << "/" << g.v6.down.sent << ", MN->CN "
      << g.v6.up.rx.size() << "/" << g.v6.up.sent << "; IPv4 CN->MN " << g.v4.down.rx.size()
      << "/" << g.v4.down.sent << ", MN->CN " << g.v4.up.rx.size() << "/" << g.v4.up.sent
      << " received; MN " << g.mn->GetStateName();
    Progress(o.str());
    if (Simulator::Now().GetSeconds() + 1.0 < g.duration)
    {
        Simulator::Schedule(Seconds(1.0), &Heartbeat);
    }
}

std::string
FlowJson(const Flow& f)
{
    std::ostringstream o;
    o << "{\"sent\": " << f.sent << ", \"received\": " << f.rx.size() << ", \"lost\": "
      << f.Lost() << ", \"longest_gap\": " << f.LongestGap() << "}";
    return o.str();
}

void
WriteRx(const std::string& path, const Flow& f)
{
    std::ofstream o(path);
    for (const auto& r : f.rx)
    {
        o << std::fixed << std::setprecision(4) << r.t << ' ' << r.seq << '\n';
    }
}

/** timeline.png: received sequence numbers against time, a panel per family and direction. */
bool
Plot(const std::vector<Mark>& marks)
{
    const std::string& d = g.out;
    {
        std::ofstream gp(d + "/timeline.gp");
        gp << "set terminal pngcairo size 1100,760 noenhanced\n"
           << "set output '" << d << "/timeline.png'\n"
           << "set multiplot layout 2,2 title 'mip6tls ipv4-coa" << (g.nat ? " (NAT)" : "")
           << ", seed " << g.seed << ": CN <-> MN home addresses, one packet every 20 ms "
           << "each way per family (IPv4 CoA " << kCoa << ")'\n"
           << "set xrange [0:" << g.duration << "]\nset yrange [0:*]\n"
           << "set ylabel 'sequence number'\nset key right bottom\nset grid\n";
        int n = 1;
        for (const auto& m : marks)
        {
            if (m.t < 0)
            {
                continue;
            }
            gp << "set arrow " << n << " from " << m.t << ", graph 0 to " << m.t
               << ", graph 1 nohead lc rgb '" << m.color << "' dt 2\n"
               << "set label " << n << " '" << m.label << "' at " << m.t << ", graph "
               << (1.0 - 0.09 * n) << " left offset 0.5,0 tc rgb '" << m.color << "'\n";
            n++;
        }
        const char* panels[4][4] = {
            {"rx-v6-cn-to-mn.dat", "IPv6: CN 2001:db8::2 -> HoA 2001:db8:1::100", "dark-violet",
             "7"},
            {"rx-v4-cn-to-mn.dat", "IPv4: CN 192.0.2.2 -> HoA 192.0.2.200", "dark-red", "7"},
            {"rx-v6-mn-to-cn.dat", "IPv6: HoA -> CN (reverse tunnel)", "dark-cyan", "5"},
            {"rx-v4-mn-to-cn.dat", "IPv4: HoA -> CN (reverse tunnel)", "dark-green", "5"},
        };
        for (int i = 0; i < 4; i++)
        {
            if (i == 2)
            {
                gp << "set xlabel 'simulated time (s)'\n";
            }
            gp << "set title '" << panels[i][1] << "'\n"
               << "plot '" << d << "/" << panels[i][0] << "' using 1:2 with points pt "
               << panels[i][3] << " ps 0.35 lc rgb '" << panels[i][2] << "' title 'received'\n";
        }
        gp << "unset multiplot\n";
    }
    std::string cmd = "gnuplot '" + d + "/timeline.gp'";
    bool ok = std::system(cmd.c_str()) == 0;
    if (!ok)
    {
        std::cerr << "ipv4-coa: gnuplot failed; timeline.gp and the .dat files are in " << d
                  << std::endl;
    }
    return ok;
}

std::string
Quoted(const mip6tls_endpoint& e)
{
    char a[MIP6TLS_ADDR_TEXT_MAX];
    if (mip6tls_addr_format(&e.addr, a, sizeof a) < 0)
    {
        return "null";
    }
    std::ostringstream o;
    o << "\"" << (e.addr.family == MIP6TLS_AF_INET6 ? "[" : "") << a
      << (e.addr.family == MIP6TLS_AF_INET6 ? "]" : "") << ":" << e.port << "\"";
    return o.str();
}

} // namespace

int
main(int argc, char** argv)
{
    CommandLine cmd(__FILE__);
    cmd.Usage("mip6tls ipv4-coa scenario (DSMIPv6, RFC 5555 under RFC 6618): an MN in an "
              "IPv4-only visited network bootstraps over IPv4 TCP/TLS, registers an IPv4 "
              "care-of address, and a CN exchanges IPv6 and IPv4 traffic with both of its home "
              "addresses through the tunnel (scenarios/ipv4-coa/README.md).");
    cmd.AddValue("out", "output directory (created)", g.out);
    cmd.AddValue("seed", "RngSeedManager run number", g.seed);
    cmd.AddValue("duration", "simulated seconds (>= 3)", g.duration);
    cmd.AddValue("trafficStart", "when the CN and the MN start sending (s, >= 1)",
                 g.trafficStart);
    cmd.AddValue("keepaliveMs", "MN NAT keepalive period (ms, >= 100)", g.keepaliveMs);
    cmd.AddValue("nat", "the visited router is a NAT (address and port translation)", g.nat);
    cmd.AddValue("natTimeoutMs", "the NAT's UDP mapping timeout (ms, >= 100)", g.natTimeoutMs);
    cmd.Parse(argc, argv);
    if (g.trafficStart < 1.0 || g.duration < g.trafficStart + 1.0)
    {
        std::cerr << "ipv4-coa: need --trafficStart >= 1 and --duration >= trafficStart + 1 "
                  << "(got " << g.trafficStart << ", " << g.duration << ")" << std::endl;
        return 2;
    }
    if (g.keepaliveMs < 100 || g.natTimeoutMs < 100)
    {
        std::cerr << "ipv4-coa: --keepaliveMs and --natTimeoutMs must be >= 100 (got "
                  << g.keepaliveMs << ", " << g.natTimeoutMs << ")" << std::endl;
        return 2;
    }
    g.trafficStop = g.duration - 0.3;
    if (!PrepareOutDir("ipv4-coa", g.out))
    {
        return 2;
    }

    InitRun(g.seed); // static addresses (no DAD), checksums in the pcaps

    Ptr<Node> ha = CreateObject<Node>();
    Ptr<Node> cn = CreateObject<Node>();
    Ptr<Node> r0 = CreateObject<Node>();
    Ptr<Node> vr = CreateObject<Node>();
    Ptr<Node> mnNode = CreateObject<Node>();
    g.mnNode = mnNode;
    NodeContainer all(ha, cn, r0);
    all.Add(vr);
    all.Add(mnNode);

    CsmaHelper csma;
    LanChannel(&csma, "100Mbps");
    NetDeviceContainer lan = csma.Install(NodeContainer(ha, cn, r0));
    NetDeviceContainer visited = csma.Install(NodeContainer(vr, mnNode));
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    NetDeviceContainer wan = p2p.Install(r0, vr);

    // IPv6 routing that forwards 2001:db8::/32 (common/doc-prefix-routing.h); IPv4 static
    // routing (ns-3's IPv4 forwards the documentation ranges as they are); with --nat the
    // visited router's IPv4 routing is NatRouting, static routing with the NAPT in front.
    InternetStackHelper stack;
    DocPrefixRoutingHelper routing6;
    stack.SetRoutingHelper(routing6);
    Ipv4StaticRoutingHelper static4;
    Ipv4ListRoutingHelper list4;
    list4.Add(static4, 0);
    stack.SetRoutingHelper(list4);
    stack.Install(NodeContainer(ha, cn, r0, mnNode));
    if (g.nat)
    {
        stack.SetRoutingHelper(NatRoutingHelper()); // an Ipv4StaticRouting with the NAPT
    }
    stack.Install(vr);
    int64_t stream = 1000;
    stream += stack.AssignStreams(all, stream);

    // Home LAN: dual stack.
    uint32_t haLan6 = AddIf(ha, lan.Get(0), kHa6, true);
    uint32_t cnLan6 = AddIf(cn, lan.Get(1), kCn6, false);
    AddIf(r0, lan.Get(2), "2001:db8::3", true);
    uint32_t haLan4 = AddIf4(ha, lan.Get(0), kHa4, 26, true);
    uint32_t cnLan4 = AddIf4(cn, lan.Get(1), kCn4, 26, false);
    uint32_t r0Lan4 = AddIf4(r0, lan.Get(2), "192.0.2.3", 26, true);
    // The internet and the visited network: IPv4 only.
    uint32_t r0Wan = AddIf4(r0, wan.Get(0), "198.51.100.1", 24, true);
    uint32_t vrWan = AddIf4(vr, wan.Get(1), kVrOut, 24, true);
    uint32_t vrIn = AddIf4(vr, visited.Get(0), "203.0.113.1", 24, true);
    uint32_t mnAcc = AddIf4(mnNode, visited.Get(1), kCoa, 24, false);

    // The tunnel devices: home prefixes 2001:db8:1::/64 and 192.0.2.128/25 behind the HA.
    g.tun.Install(ha, "2001:db8:1::1", "192.0.2.129", 25, mnNode, kHoa, kHoa4);

    // Static routes.
    Routing(ha)->SetDefaultRoute("2001:db8::3", haLan6);
    Routing(cn)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), kHa6, cnLan6);
    Routing4(ha)->SetDefaultRoute("192.0.2.3", haLan4);
    Routing4(cn)->SetDefaultRoute("192.0.2.3", cnLan4);
    Routing4(cn)->AddNetworkRouteTo("192.0.2.128", "255.255.255.128", kHa4, cnLan4);
    Routing4(r0)->AddNetworkRouteTo("192.0.2.128", "255.255.255.128", kHa4, r0Lan4);
    if (!g.nat)
    {
        // Without NAT the visited network is routed; with it, only the NAT's outside
        // address is reachable from the internet (and R0 has no route to 203.0.113.0/24).
        Routing4(r0)->AddNetworkRouteTo("203.0.113.0", "255.255.255.0", kVrOut, r0Wan);
    }
    Routing4(vr)->SetDefaultRoute("198.51.100.1", vrWan);
    // MN: the HA via the visited router, everything else (both families) into the tunnel.
    Routing4(mnNode)->AddHostRouteTo(kHa4, "203.0.113.1", mnAcc);
    Routing4(mnNode)->SetDefaultRoute("0.0.0.0", g.tun.mnTunIf4);
    Routing(mnNode)->AddNetworkRouteTo(Ipv6Address::GetAny(), Ipv6Prefix::GetZero(),
                                       g.tun.mnTunIf);
    if (g.nat)
    {
        g.natRouting = NatRoutingHelper::Get(vr);
        g.natRouting->SetInterfaces(vrIn, vrWan, Ipv4Address(kVrOut));
        g.natRouting->SetAttribute("UdpTimeout", TimeValue(MilliSeconds(g.natTimeoutMs)));
    }

    // The roles: HA+HAC dual stack, the MN with an IPv4 CoA only.
    Mip6tlsHomeCredentials hc;
    hc.chainPem = tpki_hac_ec_chain_pem;
    hc.keyPem = tpki_ec_key_pem;
    Mip6tlsMnRecord rec;
    rec.nai = kNai;
    rec.psk = kPsk;
    rec.hoa = Ipv6Address(kHoa);
    rec.hoa4 = Ipv4Address(kHoa4);
    hc.mns.push_back(rec);
    g.home = CreateObject<Mip6tlsHomeApplication>();
    g.home->SetAttribute("Address", Ipv6AddressValue(Ipv6Address(kHa6)));
    g.home->SetAttribute("AddressV4", Ipv4AddressValue(Ipv4Address(kHa4)));
    g.home->SetAttribute("KeyLogFile", StringValue(g.out + "/keylog.txt"));
    g.home->SetAttribute("HomePrefix", Ipv6AddressValue(Ipv6Address("2001:db8:1::")));
    g.home->SetAttribute("HomePrefixV4", Ipv4AddressValue(Ipv4Address("192.0.2.128")));
    g.home->SetAttribute("HomePrefixV4Length", UintegerValue(25));
    g.home->SetCredentials(hc);
    g.home->AssignStreams(stream++);
    ha->AddApplication(g.home);
    g.home->SetStartTime(Seconds(0.1));

    g.mn = MakeMn(mnNode, Ipv6Address(kHa6), Ipv6Address::GetAny(), stream++);
    g.mn->SetAttribute("HacAddressV4", Ipv4AddressValue(Ipv4Address(kHa4)));
    g.mn->SetAttribute("CareOfAddressV4", Ipv4AddressValue(Ipv4Address(kCoa)));
    g.mn->SetAttribute("KeepaliveInterval", UintegerValue(g.keepaliveMs));
    g.mn->SetStartTime(Seconds(0.5));
    Simulator::Schedule(Seconds(0.5), [] {
        g.mnStart = Simulator::Now().GetSeconds();
        Progress(std::string("MN starts: IPv4 CoA ") + kCoa + ", no IPv6 on the access link");
    });

    g.home->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    g.mn->TraceConnectWithoutContext("RoleEvent", MakeCallback(&OnRoleEvent));
    g.tun.Connect(g.home, g.mn);
    mnNode->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext("Tx",
                                                                    MakeCallback(&OnMnTx4));
    CountIpDrops();

    // Traffic: one numbered packet each way per family every 20 ms.
    InstallFlows(g.v6, cn, mnNode, Inet6SocketAddress(Ipv6Address(kCn6), kAppPort),
                 Inet6SocketAddress(Ipv6Address(kHoa), kAppPort));
    InstallFlows(g.v4, cn, mnNode, InetSocketAddress(Ipv4Address(kCn4), kAppPort),
                 InetSocketAddress(Ipv4Address(kHoa4), kAppPort));
    Simulator::Schedule(Seconds(g.trafficStart), &TrafficTick);
    Simulator::Schedule(Seconds(1.0), &Heartbeat);

    // Pcaps: the MN's access link, the home node's LAN port, the tunnels (inner packets).
    csma.EnablePcap(g.out + "/mn-access.pcap", visited.Get(1), false, true);
    csma.EnablePcap(g.out + "/home-lan.pcap", lan.Get(0), false, true);
    g.tun.EnablePcap(g.out);

    std::cout << "ipv4-coa: seed " << g.seed << ", " << g.duration << " s, IPv4 CoA " << kCoa
              << (g.nat ? " behind a NAT (" + std::string(kVrOut) + ", UDP mappings " +
                              std::to_string(g.natTimeoutMs) + " ms)"
                        : "")
              << ", keepalive " << g.keepaliveMs << " ms, traffic from " << g.trafficStart
              << " s, out " << g.out << std::endl;
    Simulator::Stop(Seconds(g.duration));
    Simulator::Run();

    // ---- Results ----
    const mip6tls_mn& ctx = g.mn->GetContext();
    const mip6tls_sa* sa = mip6tls_mn_active_sa(&ctx);
    mip6tls_addr hoa4;
    mip6tls_addr_parse(&hoa4, kHoa4, std::strlen(kHoa4));
    const mip6tls_ha_entry* be = mip6tls_ha_find_hoa(&g.home->GetHa(), &hoa4);
    bool bound = be && (be->flags & MIP6TLS_HA_F_BOUND);
    bool bound4 = bound && (be->flags & MIP6TLS_HA_F_BOUND4);
    std::string haCoa = bound ? Quoted(be->coa) : "null";
    std::string mnCoa = Quoted(mip6tlsutil::ToEndpoint(g.mn->GetCareOfEndpoint()));

    {
        std::ofstream f(g.out + "/esp_sa");
        f << (sa ? EspSaRows(sa->keys, Ipv4Address(kHa4)) : "");
    }
    WriteRx(g.out + "/rx-v6-cn-to-mn.dat", g.v6.down);
    WriteRx(g.out + "/rx-v6-mn-to-cn.dat", g.v6.up);
    WriteRx(g.out + "/rx-v4-cn-to-mn.dat", g.v4.down);
    WriteRx(g.out + "/rx-v4-mn-to-cn.dat", g.v4.up);
    bool png = Plot({{g.tlsUp, "TLS up", "gray40"},
                     {g.firstBu, "BU", "dark-green"},
                     {g.firstBa, "BA", "blue"},
                     {g.firstKeepalive, "keepalive", "orange"},
                     {g.rebind, "HA follows NAT rebinding", "red"}});

    uint32_t natMappings = g.natRouting ? g.natRouting->GetMappings() : 0;
    uint32_t natTranslated = g.natRouting ? g.natRouting->GetTranslated() : 0;
    uint32_t natDropped = g.natRouting ? g.natRouting->GetDropped() : 0;
    const mip6tls_suite_info* si = sa ? mip6tls_suite_find(sa->keys.suite) : nullptr;
    std::ostringstream js;
    js << "{\n"
       << "  \"scenario\": \"ipv4-coa\",\n"
       << "  \"seed\": " << g.seed << ",\n"
       << "  \"duration_s\": " << g.duration << ",\n"
       << "  \"nat\": " << (g.nat ? "true" : "false") << ",\n"
       << "  \"keepalive_ms\": " << g.keepaliveMs << ",\n"
       << "  \"nat_udp_timeout_ms\": " << (g.nat ? std::to_string(g.natTimeoutMs) : "null")
       << ",\n"
       << "  \"traffic_start_s\": " << g.trafficStart << ",\n"
       << "  \"suite\": \"" << (si ? si->name : "none") << "\",\n"
       << "  \"spi\": " << (sa ? sa->keys.spi : 0) << ",\n"
       << "  \"sa\": {\"ha4\": " << (sa && sa->ha4.family == MIP6TLS_AF_INET ? "true" : "false")
       << ", \"hoa4\": " << (sa && sa->hoa4.family == MIP6TLS_AF_INET ? "true" : "false")
       << ", \"hoa6\": " << (sa && sa->hoa6.family == MIP6TLS_AF_INET6 ? "true" : "false")
       << "},\n"
       << "  \"bootstrap\": {\"family\": \"ipv4\", \"attempts\": " << g.mn->GetBootstrapAttempts()
       << ", \"round_trips\": " << g.mn->GetBootstrapRoundTrips()
       << ", \"sa_provisioned\": " << g.provisioned << ", \"need_bootstrap_events\": "
       << g.needBoot << ", \"t_start_s\": " << Sec(g.bootStart) << ", \"t_tls_up_s\": "
       << Sec(g.tlsUp) << ", \"t_sa_installed_s\": " << Sec(g.saInstalled)
       << ", \"bootstrap_ms\": " << Ms(g.bootStart, g.saInstalled)
       << ", \"bootstrap_to_bound_ms\": " << Ms(g.bootStart, g.firstBound) << "},\n"
       << "  \"binding\": {\"mn_coa\": " << mnCoa << ", \"ha_coa\": " << haCoa
       << ", \"bu_sent\": " << g.buSent << ", \"bu_retransmissions\": " << g.buRetx
       << ", \"ba_accepted\": " << g.baAccepted << ", \"first_ba_status\": " << g.baStatus
       << ", \"t_first_bu_s\": " << Sec(g.firstBu) << ", \"t_first_ba_s\": " << Sec(g.firstBa)
       << ", \"bu_ba_ms\": " << Ms(g.firstBu, g.firstBa) << ", \"hoa4_ack_status\": "
       << g.hoa4Ack << ", \"nat_detection_option\": " << (g.natRefresh >= 0 ? "true" : "false")
       << ", \"nat_detected\": " << (g.natDetected >= 0 ? "true" : "false")
       << ", \"nat_refresh_s\": " << (g.natDetected >= 0 ? std::to_string(g.natRefresh) : "null")
       << ", \"ha_bindings\": " << g.home->GetBindingCount()
       << ", \"ha_binding_created\": " << g.haBindingCreated
       << ", \"ha_binding_updates\": " << g.haBindingUpdated << ", \"ha_binding_covers_hoa4\": "
       << (bound4 ? "true" : "false") << ", \"mn_final_state\": \"" << g.mn->GetStateName()
       << "\"},\n"
       << "  \"outer\": {\"mn_ipv4_tx\": " << g.mnTx4 << ", \"keepalives\": " << g.keepalives
       << ", \"t_first_keepalive_s\": " << Sec(g.firstKeepalive) << ", \"nat_mappings\": "
       << natMappings << ", \"nat_translated\": " << natTranslated << ", \"nat_dropped\": "
       << natDropped << "},\n"
       << "  \"traffic\": {\n"
       << "    \"period_ms\": " << kPeriodS * 1000 << ",\n"
       << "    \"ipv6\": {\"cn_to_mn\": " << FlowJson(g.v6.down)
       << ", \"mn_to_cn\": " << FlowJson(g.v6.up) << "},\n"
       << "    \"ipv4\": {\"cn_to_mn\": " << FlowJson(g.v4.down)
       << ", \"mn_to_cn\": " << FlowJson(g.v4.up) << "},\n"
       << "    \"tunnel_refused_up\": " << g.tun.upRefused << ", \"tunnel_refused_down\": "
       << g.tun.downRefused << ",\n"
       << "    \"ipv6_drops\": " << IpDrops() << "\n"
       << "  },\n"
       << "  \"outputs\": [\"mn-access.pcap\", \"home-lan.pcap\", \"mn-tunnel.pcap\", "
          "\"home-tunnel.pcap\", \"esp_sa\", \"keylog.txt\", "
          "\"timeline.png\", \"rx-v6-cn-to-mn.dat\", "
          "\"rx-v6-mn-to-cn.dat\", \"rx-v4-cn-to-mn.dat\", \"rx-v4-mn-to-cn.dat\"]\n"
       << "}\n";
    {
        std::ofstream f(g.out + "/summary.json");
        f << js.str();
    }

    std::cout << "\nipv4-coa summary (seed " << g.seed << (g.nat ? ", NAT" : "")
              << "): from the IPv4-only visited network the MN bootstrapped over IPv4 TCP ("
              << g.mn->GetBootstrapAttempts() << " attempt, " << g.mn->GetBootstrapRoundTrips()
              << " round trips, " << Ms(g.bootStart, g.saInstalled)
              << " ms to the SA), registered CoA " << mnCoa << " (the HA binds " << haCoa
              << ", BU -> BA " << Ms(g.firstBu, g.firstBa) << " ms, IPv4 HoA ack "
              << g.hoa4Ack << ", NAT " << (g.natDetected >= 0 ? "detected" : "not detected")
              << "), sent " << g.keepalives << " keepalives. Received: IPv6 CN->MN "
              << g.v6.down.rx.size() << "/" << g.v6.down.sent << ", MN->CN " << g.v6.up.rx.size()
              << "/" << g.v6.up.sent << "; IPv4 CN->MN " << g.v4.down.rx.size() << "/"
              << g.v4.down.sent << ", MN->CN " << g.v4.up.rx.size() << "/" << g.v4.up.sent
              << ". Outputs in " << g.out << (png ? "" : " (no timeline.png)") << "."
              << std::endl;

    Simulator::Destroy();
    return 0;
}
