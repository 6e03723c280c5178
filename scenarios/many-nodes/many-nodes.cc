/*
 * many-nodes.cc: N mobile nodes roam among M access networks (README.md next to this file).
 *
 *                     home LAN 2001:db8::/64 (CSMA 1 Gb/s)
 *   [HA+HAC 2001:db8::1 (+ ::s:0:0:1)]---+---[CN 2001:db8::2]
 *    tunnel 2001:db8:1::1/64            |
 *                                 [R0 2001:db8::3]
 *               p2p 1 Gb/s 5 ms  /   ...      \  (2001:db8:f:k::/64)
 *                          [AR 0]   ...   [AR M-1]      access network k: 2001:db8:(100+k)::/64
 *         p2p 100 Mb/s 2 ms /  \  \       /   |
 *      (one link per MN    [MN 0] [MN 1] ... [MN N-1]   CoA of MN i in network k:
 *       and network)                                    2001:db8:(100+k)::(1000+i), HoA
 *                                                       2001:db8:1::(100+i) on its tunnel
 *
 * Every MN has a point-to-point link to every access router; it is attached to exactly one
 * network at a time (its CoA is configured on that link only). A move, at times drawn from
 * the seeded RNG, takes the old link down (CoA and route to the HA removed), and after
 * --attachMs brings the new one up (CoA and route added) and calls
 * Mip6tlsMnApplication::SetCareOfAddress: one BU/BA through the real core, no bootstrap.
 * Roles, credentials and tunnel devices come from Mip6tlsHelper.
 *
 * Credentials: the generated TEST PKI of tests/support/test_pki.c (test keys only).
 */
#include "doc-prefix-routing.h"
#include "mip6tls-helper.h"
#include "scenario-common.h"

#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
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
#include "ns3/inet6-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-routing-table-entry.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/trace-helper.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
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

using Clock = std::chrono::steady_clock;

/** One mobile node: its links, where it is, and what happened to it. */
struct Mn
{
    Ptr<Node> node;
    Ptr<Mip6tlsMnApplication> app;
    Ipv6Address hoa, ha;
    std::vector<uint32_t> accessIf;               // the MN's interface towards each network
    std::vector<Ptr<PointToPointNetDevice>> devs; // its access devices (for pcaps)
    int net = -1;                                 // network it is attached to (-1: none)
    double start = 0;

    // Core events.
    uint32_t needBoot = 0, buSent = 0, buRetx = 0, buOnMove = 0, baAccepted = 0, baOther = 0;
    uint32_t drops = 0;
    double firstBound = -1;
    // Moves.
    uint32_t moves = 0;
    bool inMove = false;  // inside SetCareOfAddress: the BU it sends is the move's
    double moveDown = -1; // the current move: old link down
    double moveBu = -1;   // ... its BU (-1: none outstanding)
    // Traffic (8-octet payload: MN index, running number).
    Ptr<Socket> sock;
    uint32_t sentUp = 0, rcvdUp = 0, sentDown = 0, rcvdDown = 0;
};

/** The run's configuration and records. */
struct Run
{
    uint32_t nodes = 100;
    uint32_t networks = 4;
    double duration = 60.0;
    uint32_t seed = 1;
    std::string out = "many-nodes-out";
    double period = 1.0; // traffic: one packet each way per MN every `period` s (0: none)
    double dwellMin = 2.0, dwellMax = 8.0;
    double attachMs = 50.0;
    double startWindow = 5.0; // MN i starts at 0.5 s + i * startWindow / nodes
    double progressS = 10.0;
    std::string pcapNodes = "0,1,2";
    bool homePcap = false;
    bool plot = true;
    uint32_t perHome = 1024;

    std::vector<Mn> mns;
    Ptr<Node> cn;
    Ptr<Socket> cnSock;
    Ipv6Address cnAddr{"2001:db8::2"};
    Ptr<UniformRandomVariable> rng;

    uint32_t provisioned = 0, hacBusy = 0, authFailed = 0;
    uint32_t moves = 0;
    std::vector<double> buBaMs, moveBaMs, regMs;
    std::vector<std::string> moveRows; // moves.dat: t, MN, network
    std::vector<std::string> stateRows; // state.dat: t, registered, bound, moves
    uint64_t ipDrops = 0;
    Clock::time_point wall0;
};

Run g;

double
WallS()
{
    return std::chrono::duration<double>(Clock::now() - g.wall0).count();
}

// ---- Addresses -----------------------------------------------------------------------------

/** 2001:db8:G::/64 with the last 32 bits `id`. */
Ipv6Address
Addr(uint16_t group3, uint16_t group4, uint32_t id)
{
    uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
    b[4] = static_cast<uint8_t>(group3 >> 8);
    b[5] = static_cast<uint8_t>(group3);
    b[6] = static_cast<uint8_t>(group4 >> 8);
    b[7] = static_cast<uint8_t>(group4);
    b[12] = static_cast<uint8_t>(id >> 24);
    b[13] = static_cast<uint8_t>(id >> 16);
    b[14] = static_cast<uint8_t>(id >> 8);
    b[15] = static_cast<uint8_t>(id);
    return Ipv6Address(b);
}

Ipv6Address
AccessPrefix(uint32_t k)
{
    return Addr(static_cast<uint16_t>(0x100 + k), 0, 0);
}

Ipv6Address
Coa(uint32_t i, uint32_t k)
{
    return Addr(static_cast<uint16_t>(0x100 + k), 0, 0x1000 + i);
}

/** R0's (host 1) and AR k's (host 2) addresses on their link 2001:db8:f:k::/64. */
Ipv6Address
Uplink(uint32_t k, uint32_t host)
{
    return Addr(0xf, static_cast<uint16_t>(k), host);
}

// ---- Statistics ----------------------------------------------------------------------------

/** {"count": n, "min": .., "median": .., "max": ..} of `v` (ms, one decimal); nulls if empty. */
std::string
Stats(std::vector<double> v)
{
    std::ostringstream o;
    o << "{\"count\": " << v.size();
    if (v.empty())
    {
        o << ", \"min\": null, \"median\": null, \"max\": null}";
        return o.str();
    }
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    o << std::fixed << std::setprecision(1) << ", \"min\": " << v.front()
      << ", \"median\": " << med << ", \"max\": " << v.back() << "}";
    return o.str();
}

uint32_t
Registered()
{
    uint32_t n = 0;
    for (const auto& m : g.mns)
    {
        n += m.firstBound >= 0 ? 1 : 0;
    }
    return n;
}

uint32_t
BoundNow()
{
    uint32_t n = 0;
    for (const auto& m : g.mns)
    {
        n += m.app->GetState() == MIP6TLS_MN_BOUND ? 1 : 0;
    }
    return n;
}

// ---- Traffic -------------------------------------------------------------------------------

Ptr<Packet>
Payload(uint32_t i, uint32_t seq)
{
    uint8_t b[8];
    for (int k = 0; k < 4; k++)
    {
        b[k] = static_cast<uint8_t>(i >> (24 - 8 * k));
        b[4 + k] = static_cast<uint8_t>(seq >> (24 - 8 * k));
    }
    return Create<Packet>(b, sizeof b);
}

bool
ReadIndex(Ptr<Packet> p, uint32_t* i)
{
    uint8_t b[8];
    if (p->CopyData(b, sizeof b) != sizeof b)
    {
        return false;
    }
    *i = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
    return *i < g.mns.size();
}

/** One packet each way between the CN and MN i, then again in `period`. */
void
TrafficTick(uint32_t i)
{
    Mn& m = g.mns[i];
    g.cnSock->SendTo(Payload(i, m.sentDown++), 0, Inet6SocketAddress(m.hoa, kAppPort));
    m.sock->SendTo(Payload(i, m.sentUp++), 0, Inet6SocketAddress(g.cnAddr, kAppPort));
    // Stop a second before the end, so what is in flight arrives.
    if (Simulator::Now().GetSeconds() + g.period < g.duration - 1.0)
    {
        Simulator::Schedule(Seconds(g.period), &TrafficTick, i);
    }
}

void
CnRecv(Ptr<Socket> s)
{
    Ptr<Packet> p;
    while ((p = s->Recv()))
    {
        uint32_t i;
        if (ReadIndex(p, &i))
        {
            g.mns[i].rcvdUp++;
        }
    }
}

void
MnRecv(Ptr<Socket> s)
{
    Ptr<Packet> p;
    while ((p = s->Recv()))
    {
        uint32_t i;
        if (ReadIndex(p, &i))
        {
            g.mns[i].rcvdDown++;
        }
    }
}

// ---- Movement ------------------------------------------------------------------------------

/** The old link goes down: the CoA and the host route to the HA leave with it. */
void
LinkDown(uint32_t i, uint32_t to);

void
ScheduleMove(uint32_t i)
{
    double dwell = g.rng->GetValue(g.dwellMin, g.dwellMax);
    double t = Simulator::Now().GetSeconds() + dwell;
    // Room for the attachment and the BA before the end.
    if (t + g.attachMs / 1000.0 + 1.0 >= g.duration)
    {
        return;
    }
    uint32_t to = static_cast<uint32_t>(g.rng->GetInteger(0, g.networks - 2));
    if (static_cast<int>(to) >= g.mns[i].net)
    {
        to++; // any network but the current one
    }
    Simulator::Schedule(Seconds(dwell), &LinkDown, i, to);
}

void
LinkUp(uint32_t i, uint32_t to)
{
    Mn& m = g.mns[i];
    Ptr<Ipv6> ip = m.node->GetObject<Ipv6>();
    ip->AddAddress(m.accessIf[to], Ipv6InterfaceAddress(Coa(i, to), Ipv6Prefix(64)));
    Routing(m.node)->AddHostRouteTo(m.ha, m.accessIf[to]);
    m.net = static_cast<int>(to);
    m.inMove = true;
    int rc = m.app->SetCareOfAddress(Coa(i, to));
    m.inMove = false;
    NS_ABORT_MSG_IF(rc != 0, "MN " << i << " SetCareOfAddress: " << mip6tls_strerror(rc));
    std::ostringstream row;
    row << std::fixed << std::setprecision(4) << Simulator::Now().GetSeconds() << ' ' << i << ' '
        << to;
    g.moveRows.push_back(row.str());
    ScheduleMove(i);
}

void
LinkDown(uint32_t i, uint32_t to)
{
    Mn& m = g.mns[i];
    Ptr<Ipv6> ip = m.node->GetObject<Ipv6>();
    uint32_t from = static_cast<uint32_t>(m.net);
    ip->RemoveAddress(m.accessIf[from], Coa(i, from));
    Ptr<Ipv6StaticRouting> rt = Routing(m.node);
    for (uint32_t r = rt->GetNRoutes(); r-- > 0;)
    {
        Ipv6RoutingTableEntry e = rt->GetRoute(r);
        if (e.IsHost() && e.GetDest() == m.ha)
        {
            rt->RemoveRoute(r);
        }
    }
    m.net = -1;
    m.moves++;
    g.moves++;
    m.moveDown = Simulator::Now().GetSeconds();
    Simulator::Schedule(MilliSeconds(g.attachMs), &LinkUp, i, to);
}

// ---- Role events ---------------------------------------------------------------------------

void
OnMnEvent(uint32_t i, char, uint16_t event, uint32_t, uint64_t arg)
{
    Mn& m = g.mns[i];
    double now = Simulator::Now().GetSeconds();
    switch (event)
    {
    case MIP6TLS_MN_EV_NEED_BOOTSTRAP:
        m.needBoot++;
        break;
    case MIP6TLS_MN_EV_BU_SENT:
        m.buSent++;
        if ((arg >> 32) > 0)
        {
            m.buRetx++;
        }
        if (m.inMove)
        {
            m.buOnMove++;
            m.moveBu = now;
        }
        break;
    case MIP6TLS_MN_EV_BA_RECEIVED:
        if ((arg & 0xff) >= 128)
        {
            m.baOther++;
            break;
        }
        m.baAccepted++;
        if (m.firstBound < 0)
        {
            m.firstBound = now;
            g.regMs.push_back((now - m.start) * 1000.0);
            if (g.period > 0)
            {
                // Spread the MNs' packets over the period.
                double phase = g.period * (i % 97) / 97.0;
                Simulator::Schedule(Seconds(0.1 + phase), &TrafficTick, i);
            }
            ScheduleMove(i);
        }
        else if (m.moveBu >= 0)
        {
            g.buBaMs.push_back((now - m.moveBu) * 1000.0);
            g.moveBaMs.push_back((now - m.moveDown) * 1000.0);
            m.moveBu = -1;
        }
        break;
    case MIP6TLS_MN_EV_DROP:
        m.drops++;
        break;
    default:
        break;
    }
}

void
OnHomeEvent(char role, uint16_t event, uint32_t, uint64_t)
{
    if (role != 'C')
    {
        return;
    }
    switch (event)
    {
    case MIP6TLS_HAC_EV_SA_PROVISIONED:
        g.provisioned++;
        break;
    case MIP6TLS_HAC_EV_SESSION_BUSY:
        g.hacBusy++;
        break;
    case MIP6TLS_HAC_EV_AUTH_FAILED:
        g.authFailed++;
        break;
    default:
        break;
    }
}

void
OnIpDrop(const Ipv6Header&, Ptr<const Packet>, Ipv6L3Protocol::DropReason, Ptr<Ipv6>, uint32_t)
{
    g.ipDrops++;
}

// ---- Progress ------------------------------------------------------------------------------

void
Sample()
{
    std::ostringstream row;
    row << std::fixed << std::setprecision(1) << Simulator::Now().GetSeconds() << ' '
        << Registered() << ' ' << BoundNow() << ' ' << g.moves;
    g.stateRows.push_back(row.str());
    if (Simulator::Now().GetSeconds() + 1.0 <= g.duration)
    {
        Simulator::Schedule(Seconds(1.0), &Sample);
    }
}

void
ProgressTick()
{
    uint32_t bu = 0, ba = 0;
    uint64_t sent = 0, rcvd = 0;
    for (const auto& m : g.mns)
    {
        bu += m.buSent;
        ba += m.baAccepted;
        sent += m.sentDown + m.sentUp;
        rcvd += m.rcvdDown + m.rcvdUp;
    }
    std::ostringstream o;
    o << "progress: wall " << std::fixed << std::setprecision(1) << WallS() << " s, "
      << Registered() << "/" << g.nodes << " registered, " << BoundNow() << " bound, " << g.moves
      << " moves, " << bu << " BUs, " << ba << " BAs, packets " << rcvd << "/" << sent
      << " delivered";
    Progress(o.str());
    if (Simulator::Now().GetSeconds() + g.progressS <= g.duration)
    {
        Simulator::Schedule(Seconds(g.progressS), &ProgressTick);
    }
}

// ---- Outputs -------------------------------------------------------------------------------

bool
PlotMoves(const std::string& dir)
{
    {
        std::ofstream f(dir + "/moves.dat");
        for (const auto& r : g.moveRows)
        {
            f << r << '\n';
        }
        std::ofstream s(dir + "/state.dat");
        for (const auto& r : g.stateRows)
        {
            s << r << '\n';
        }
    }
    {
        std::ofstream gp(dir + "/timeline.gp");
        gp << "set terminal pngcairo size 1000,720 noenhanced\n"
           << "set output '" << dir << "/timeline.png'\n"
           << "set multiplot layout 2,1 title 'mip6tls many-nodes, seed " << g.seed << ": "
           << g.nodes << " MNs, " << g.networks << " access networks'\n"
           << "set xrange [0:" << g.duration << "]\nset grid\nset key right bottom\n"
           << "set ylabel 'MN'\nset yrange [-1:" << g.nodes << "]\n"
           << "set cbrange [-0.5:" << (g.networks - 0.5) << "]\nset cblabel 'new network'\n"
           << "set palette defined (0 'dark-violet', 1 'dark-cyan', 2 'orange', 3 'red')\n"
           << "set palette maxcolors " << g.networks << "\n"
           << (g.networks <= 16 ? "set cbtics 1\n" : "")
           << "set title 'moves (each: old link down, new CoA, one BU/BA)'\n"
           << "plot '" << dir << "/moves.dat' using 1:2:3 with points pt 7 ps 0.4 "
           << "palette notitle\n"
           << "unset cblabel\nset xlabel 'simulated time (s)'\nset ylabel 'MNs'\n"
           << "set yrange [0:*]\nset y2label 'moves'\nset y2tics\n"
           << "set title 'registered and bound MNs, cumulative moves'\n"
           << "plot '" << dir << "/state.dat' using 1:2 with steps lw 2 lc rgb 'gray40' "
           << "title 'registered', '' using 1:3 with steps lc rgb 'blue' title 'bound', "
           << "'' using 1:4 axes x1y2 with lines lc rgb 'red' title 'moves'\n"
           << "unset multiplot\n";
    }
    std::string cmd = "gnuplot '" + dir + "/timeline.gp'";
    bool ok = std::system(cmd.c_str()) == 0;
    if (!ok)
    {
        std::cerr << "many-nodes: gnuplot failed; timeline.gp and the .dat files are in " << dir
                  << std::endl;
    }
    return ok;
}

std::vector<uint32_t>
ParseList(const std::string& s, bool* ok)
{
    std::vector<uint32_t> v;
    *ok = true;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
    {
        if (item.empty())
        {
            continue;
        }
        char* end = nullptr;
        unsigned long x = std::strtoul(item.c_str(), &end, 10);
        if (*end != '\0' || item[0] == '-')
        {
            *ok = false;
            return v;
        }
        v.push_back(static_cast<uint32_t>(x));
    }
    return v;
}

} // namespace

int
main(int argc, char** argv)
{
    g.wall0 = Clock::now();
    CommandLine cmd(__FILE__);
    cmd.Usage("mip6tls many-nodes: N RFC 6618 mobile nodes roam among M IPv6 access networks "
              "(point-to-point access links, attachment switched on a seeded schedule) while "
              "each exchanges light UDP traffic with a correspondent through its HA; prints "
              "progress and writes summary.json, pcaps of a few MNs, esp_sa and timeline.png "
              "(scenarios/many-nodes/README.md).");
    cmd.AddValue("nodes", "number of mobile nodes (1 .. 10000)", g.nodes);
    cmd.AddValue("networks", "number of access networks (2 .. 256)", g.networks);
    cmd.AddValue("duration", "simulated seconds (>= 5)", g.duration);
    cmd.AddValue("seed", "RngSeedManager run number (keys, moves)", g.seed);
    cmd.AddValue("out", "output directory (created)", g.out);
    cmd.AddValue("period", "traffic: one UDP packet each way per MN every PERIOD s (0: none)",
                 g.period);
    cmd.AddValue("dwellMin", "shortest stay in a network before the next move (s, >= 1)",
                 g.dwellMin);
    cmd.AddValue("dwellMax", "longest stay (s, >= dwellMin)", g.dwellMax);
    cmd.AddValue("attachMs", "old link down -> new CoA usable (ms, L2 + L3 attachment)",
                 g.attachMs);
    cmd.AddValue("startWindow", "the MNs start (bootstrap) spread over this many s from 0.5 s",
                 g.startWindow);
    cmd.AddValue("progress", "progress line every PROGRESS simulated s", g.progressS);
    cmd.AddValue("pcapNodes", "comma-separated MN indexes whose access links and tunnel are "
                              "captured (indexes >= nodes are ignored)",
                 g.pcapNodes);
    cmd.AddValue("homePcap", "also capture the home node's LAN port (every MN's traffic)",
                 g.homePcap);
    cmd.AddValue("plot", "write timeline.png with gnuplot", g.plot);
    cmd.AddValue("perHome", "MNs per home application (1 .. 1048576, see README)", g.perHome);
    cmd.Parse(argc, argv);

    bool listOk = true;
    std::vector<uint32_t> pcapList = ParseList(g.pcapNodes, &listOk);
    std::ostringstream bad;
    if (g.nodes < 1 || g.nodes > 10000)
    {
        bad << "--nodes=" << g.nodes << " (want 1 .. 10000)";
    }
    else if (g.networks < 2 || g.networks > 256)
    {
        bad << "--networks=" << g.networks << " (want 2 .. 256)";
    }
    else if (!(g.duration >= 5.0))
    {
        bad << "--duration=" << g.duration << " (want >= 5)";
    }
    else if (!(g.period >= 0))
    {
        bad << "--period=" << g.period << " (want >= 0)";
    }
    else if (!(g.dwellMin >= 1.0) || !(g.dwellMax >= g.dwellMin))
    {
        bad << "--dwellMin=" << g.dwellMin << " --dwellMax=" << g.dwellMax
            << " (want 1 <= dwellMin <= dwellMax)";
    }
    else if (!(g.attachMs >= 0) || g.attachMs > 1000.0 * g.dwellMin / 2)
    {
        bad << "--attachMs=" << g.attachMs << " (want 0 .. half of dwellMin)";
    }
    else if (!(g.startWindow >= 0) || g.startWindow + 2.0 > g.duration)
    {
        bad << "--startWindow=" << g.startWindow << " (want 0 .. duration - 2)";
    }
    else if (!(g.progressS > 0))
    {
        bad << "--progress=" << g.progressS << " (want > 0)";
    }
    else if (!listOk)
    {
        bad << "--pcapNodes=" << g.pcapNodes << " (want indexes like 0,1,2)";
    }
    else if (g.perHome < 1 || g.perHome > (1u << 20))
    {
        bad << "--perHome=" << g.perHome << " (want 1 .. 1048576)";
    }
    if (!bad.str().empty())
    {
        std::cerr << "many-nodes: bad option " << bad.str() << std::endl;
        return 2;
    }
    if (!PrepareOutDir("many-nodes", g.out))
    {
        return 2;
    }

    InitRun(g.seed); // static addresses (no DAD), checksums in the pcaps

    // Nodes.
    Ptr<Node> ha = CreateObject<Node>();
    g.cn = CreateObject<Node>();
    Ptr<Node> r0 = CreateObject<Node>();
    NodeContainer ars;
    ars.Create(g.networks);
    NodeContainer mnNodes;
    mnNodes.Create(g.nodes);
    NodeContainer all(ha, g.cn, r0);
    all.Add(ars);
    all.Add(mnNodes);

    // Links.
    CsmaHelper csma;
    LanChannel(&csma, "1Gbps");
    NetDeviceContainer lan = csma.Install(NodeContainer(ha, g.cn, r0));
    PointToPointHelper up;
    up.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    up.SetChannelAttribute("Delay", StringValue("5ms"));
    PointToPointHelper acc;
    acc.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    acc.SetChannelAttribute("Delay", StringValue("2ms"));
    std::vector<NetDeviceContainer> uplinks;
    for (uint32_t k = 0; k < g.networks; k++)
    {
        uplinks.push_back(up.Install(r0, ars.Get(k)));
    }
    // access[i][k]: AR k (0) <-> MN i (1).
    std::vector<std::vector<NetDeviceContainer>> access(g.nodes);
    for (uint32_t i = 0; i < g.nodes; i++)
    {
        for (uint32_t k = 0; k < g.networks; k++)
        {
            access[i].push_back(acc.Install(ars.Get(k), mnNodes.Get(i)));
        }
    }

    // IPv6 only; ns-3 3.37 does not forward to 2001:db8::/32 (common/doc-prefix-routing.h).
    InternetStackHelper stack;
    stack.SetIpv4StackInstall(false);
    DocPrefixRoutingHelper routing;
    stack.SetRoutingHelper(routing);
    stack.Install(all);
    int64_t stream = 1000;
    stream += stack.AssignStreams(all, stream);

    const Ipv6Address haAddr("2001:db8::1");
    uint32_t haLan = AddIf(ha, lan.Get(0), "2001:db8::1", true);
    uint32_t cnIf = AddIf(g.cn, lan.Get(1), "2001:db8::2", false);
    uint32_t r0Lan = AddIf(r0, lan.Get(2), "2001:db8::3", true);
    Routing(ha)->SetDefaultRoute("2001:db8::3", haLan);
    Routing(g.cn)->SetDefaultRoute("2001:db8::3", cnIf);
    Routing(g.cn)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), haAddr, cnIf);
    Routing(r0)->AddNetworkRouteTo("2001:db8:1::", Ipv6Prefix(64), haAddr, r0Lan);
    for (uint32_t k = 0; k < g.networks; k++)
    {
        Ptr<Ipv6> r0ip = r0->GetObject<Ipv6>();
        Ptr<Ipv6> arip = ars.Get(k)->GetObject<Ipv6>();
        uint32_t r0If = AddIf(r0, uplinks[k].Get(0), nullptr, true);
        r0ip->AddAddress(r0If, Ipv6InterfaceAddress(Uplink(k, 1), Ipv6Prefix(64)));
        uint32_t arUp = AddIf(ars.Get(k), uplinks[k].Get(1), nullptr, true);
        arip->AddAddress(arUp, Ipv6InterfaceAddress(Uplink(k, 2), Ipv6Prefix(64)));
        Routing(r0)->AddNetworkRouteTo(AccessPrefix(k), Ipv6Prefix(64), Uplink(k, 2), r0If);
        Routing(ars.Get(k))->SetDefaultRoute(Uplink(k, 1), arUp);
    }
    g.mns.resize(g.nodes);
    for (uint32_t i = 0; i < g.nodes; i++)
    {
        Mn& m = g.mns[i];
        m.node = mnNodes.Get(i);
        for (uint32_t k = 0; k < g.networks; k++)
        {
            // Link-local only until the MN attaches; the AR knows the MN's CoA there.
            uint32_t arIf = AddIf(ars.Get(k), access[i][k].Get(0), nullptr, true);
            Routing(ars.Get(k))->AddHostRouteTo(Coa(i, k), arIf);
            m.accessIf.push_back(AddIf(m.node, access[i][k].Get(1), nullptr, false));
            m.devs.push_back(DynamicCast<PointToPointNetDevice>(access[i][k].Get(1)));
        }
    }

    // The roles: the helper installs the home side, the MNs, credentials and tunnels.
    Mip6tlsHelper helper;
    helper.SetHomeCredentials(tpki_hac_ec_chain_pem, tpki_ec_key_pem);
    helper.SetMnTrust(tpki_ca_pem, "hac.example.com");
    helper.SetMobilesPerHome(g.perHome);
    helper.SetHomeAttribute("KeyLogFile", StringValue(g.out + "/keylog.txt"));
    ApplicationContainer home = helper.InstallHome(ha, haAddr);
    home.Start(Seconds(0.1));
    ApplicationContainer mnApps = helper.Install(mnNodes);
    stream += helper.AssignStreams(all, stream);
    for (uint32_t i = 0; i < g.nodes; i++)
    {
        Mn& m = g.mns[i];
        m.app = helper.GetMobile(i);
        m.hoa = helper.GetIdentity(i).hoa;
        m.ha = helper.GetHaAddress(i);
        m.net = static_cast<int>(i % g.networks);
        Ptr<Ipv6> ip = m.node->GetObject<Ipv6>();
        ip->AddAddress(m.accessIf[m.net], Ipv6InterfaceAddress(Coa(i, m.net), Ipv6Prefix(64)));
        Routing(m.node)->AddHostRouteTo(m.ha, m.accessIf[m.net]);
        m.app->SetAttribute("CareOfAddress", Ipv6AddressValue(Coa(i, m.net)));
        m.start = 0.5 + g.startWindow * i / g.nodes;
        m.app->SetStartTime(Seconds(m.start));
        m.app->TraceConnectWithoutContext("RoleEvent", MakeBoundCallback(&OnMnEvent, i));
        m.sock = Socket::CreateSocket(m.node, UdpSocketFactory::GetTypeId());
        m.sock->Bind(Inet6SocketAddress(m.hoa, kAppPort));
        m.sock->SetRecvCallback(MakeCallback(&MnRecv));
    }
    for (uint32_t s = 0; s < helper.GetHomeApplications().GetN(); s++)
    {
        helper.GetHomeApplications().Get(s)->TraceConnectWithoutContext(
            "RoleEvent", MakeCallback(&OnHomeEvent));
    }
    g.cnSock = Socket::CreateSocket(g.cn, UdpSocketFactory::GetTypeId());
    g.cnSock->Bind(Inet6SocketAddress(g.cnAddr, kAppPort));
    g.cnSock->SetRecvCallback(MakeCallback(&CnRecv));
    g.rng = CreateObject<UniformRandomVariable>();
    g.rng->SetStream(stream++);
    Config::ConnectWithoutContext("/NodeList/*/$ns3::Ipv6L3Protocol/Drop",
                                  MakeCallback(&OnIpDrop));

    // Pcaps: the chosen MNs' access links (all of them, one DLT_PPP file per MN) and tunnels.
    std::vector<uint32_t> pcapNodes;
    std::vector<std::string> outputs = {"summary.json", "esp_sa", "keylog.txt"};
    PcapHelper ph;
    for (uint32_t i : pcapList)
    {
        if (i >= g.nodes || std::find(pcapNodes.begin(), pcapNodes.end(), i) != pcapNodes.end())
        {
            continue;
        }
        pcapNodes.push_back(i);
        std::string name = "mn" + std::to_string(i) + "-access.pcap";
        Ptr<PcapFileWrapper> f =
            ph.CreateFile(g.out + "/" + name, std::ios::out, PcapHelper::DLT_PPP);
        for (auto& d : g.mns[i].devs)
        {
            ph.HookDefaultSink<PointToPointNetDevice>(d, "PromiscSniffer", f);
        }
        std::string tun = "mn" + std::to_string(i) + "-tunnel.pcap";
        helper.EnableTunnelPcap(g.out + "/" + tun, g.mns[i].node);
        outputs.push_back(name);
        outputs.push_back(tun);
    }
    if (g.homePcap)
    {
        csma.EnablePcap(g.out + "/home-lan.pcap", lan.Get(0), false, true);
        outputs.push_back("home-lan.pcap");
    }

    Simulator::Schedule(Seconds(g.progressS), &ProgressTick);
    Simulator::ScheduleNow(&Sample);
    double setupS = WallS();
    std::cout << "many-nodes: " << g.nodes << " MNs, " << g.networks << " access networks, "
              << helper.GetHomeApplications().GetN() << " home application(s), " << g.duration
              << " s simulated, seed " << g.seed << ", out " << g.out << " (setup "
              << std::fixed << std::setprecision(2) << setupS << " s wall)" << std::endl;
    std::cout.unsetf(std::ios::fixed);
    Simulator::Stop(Seconds(g.duration));
    Simulator::Run();
    double runS = WallS() - setupS;

    // ---- Results ----
    uint32_t bootAttempts = 0, needBoot = 0, buSent = 0, buRetx = 0, buOnMove = 0;
    uint32_t baAccepted = 0, baOther = 0, mnDrops = 0, boundEnd = 0;
    uint64_t sentDown = 0, rcvdDown = 0, sentUp = 0, rcvdUp = 0;
    std::ostringstream perMn, esp;
    for (uint32_t i = 0; i < g.nodes; i++)
    {
        const Mn& m = g.mns[i];
        bootAttempts += m.app->GetBootstrapAttempts();
        needBoot += m.needBoot;
        buSent += m.buSent;
        buRetx += m.buRetx;
        buOnMove += m.buOnMove;
        baAccepted += m.baAccepted;
        baOther += m.baOther;
        mnDrops += m.drops;
        boundEnd += m.app->GetState() == MIP6TLS_MN_BOUND ? 1 : 0;
        sentDown += m.sentDown;
        rcvdDown += m.rcvdDown;
        sentUp += m.sentUp;
        rcvdUp += m.rcvdUp;
        const mip6tls_sa* sa = mip6tls_mn_active_sa(&m.app->GetContext());
        if (sa)
        {
            esp << EspSaRows(sa->keys, m.ha);
        }
        perMn << "    {\"i\": " << i << ", \"nai\": \"" << helper.GetIdentity(i).nai
              << "\", \"hoa\": \"" << m.hoa << "\", \"ha\": \"" << m.ha
              << "\", \"spi\": " << (sa ? sa->keys.spi : 0)
              << ", \"boot_attempts\": " << m.app->GetBootstrapAttempts()
              << ", \"need_bootstrap\": " << m.needBoot << ", \"moves\": " << m.moves
              << ", \"bu_sent\": " << m.buSent << ", \"bu_retransmissions\": " << m.buRetx
              << ", \"bu_on_move\": " << m.buOnMove << ", \"ba_accepted\": " << m.baAccepted
              << ", \"ba_other\": " << m.baOther << ", \"state\": \""
              << m.app->GetStateName() << "\", \"registered_s\": " << Sec(m.firstBound)
              << ", \"cn_to_mn\": [" << m.sentDown << ", " << m.rcvdDown << "]"
              << ", \"mn_to_cn\": [" << m.sentUp << ", " << m.rcvdUp << "]}"
              << (i + 1 < g.nodes ? "," : "") << "\n";
    }
    uint32_t haBindings = 0;
    ApplicationContainer homes = helper.GetHomeApplications();
    for (uint32_t s = 0; s < homes.GetN(); s++)
    {
        haBindings += DynamicCast<Mip6tlsHomeApplication>(homes.Get(s))->GetBindingCount();
    }
    {
        std::ofstream f(g.out + "/esp_sa");
        f << esp.str();
    }
    bool png = false;
    if (g.plot)
    {
        png = PlotMoves(g.out);
        if (png)
        {
            outputs.push_back("timeline.png");
        }
    }
    double totalS = WallS();

    std::ostringstream js;
    js << std::fixed;
    js << "{\n"
       << "  \"scenario\": \"many-nodes\",\n"
       << "  \"seed\": " << g.seed << ",\n"
       << "  \"nodes\": " << g.nodes << ",\n"
       << "  \"networks\": " << g.networks << ",\n"
       << "  \"home_applications\": " << homes.GetN() << ",\n"
       << std::setprecision(3) << "  \"duration_s\": " << g.duration << ",\n"
       << "  \"traffic_period_s\": " << g.period << ",\n"
       << "  \"dwell_s\": [" << g.dwellMin << ", " << g.dwellMax << "],\n"
       << "  \"attach_ms\": " << g.attachMs << ",\n"
       << "  \"moves\": " << g.moves << ",\n"
       << "  \"bootstrap\": {\"attempts\": " << bootAttempts << ", \"need_bootstrap\": "
       << needBoot << ", \"sa_provisioned\": " << g.provisioned << ", \"hac_busy\": "
       << g.hacBusy << ", \"auth_failed\": " << g.authFailed << "},\n"
       << "  \"bu\": {\"sent\": " << buSent << ", \"retransmissions\": " << buRetx
       << ", \"on_move\": " << buOnMove << "},\n"
       << "  \"ba\": {\"accepted\": " << baAccepted << ", \"other\": " << baOther << "},\n"
       << "  \"registered\": " << Registered() << ",\n"
       << "  \"bound_at_end\": " << boundEnd << ",\n"
       << "  \"ha_bindings\": " << haBindings << ",\n"
       << "  \"registration_ms\": " << Stats(g.regMs) << ",\n"
       << "  \"handover_bu_ba_ms\": " << Stats(g.buBaMs) << ",\n"
       << "  \"handover_down_to_ba_ms\": " << Stats(g.moveBaMs) << ",\n"
       << "  \"packets\": {\"cn_to_mn\": {\"sent\": " << sentDown << ", \"received\": "
       << rcvdDown << ", \"lost\": " << (sentDown - rcvdDown) << "}, \"mn_to_cn\": {\"sent\": "
       << sentUp << ", \"received\": " << rcvdUp << ", \"lost\": " << (sentUp - rcvdUp)
       << "}, \"sent\": " << (sentDown + sentUp) << ", \"lost\": "
       << (sentDown + sentUp - rcvdDown - rcvdUp) << ", \"tunnel_refused_up\": "
       << helper.GetUpRefused() << ", \"tunnel_refused_down\": " << helper.GetDownRefused()
       << ", \"mn_drops\": " << mnDrops << ", \"ipv6_drops\": " << g.ipDrops << "},\n"
       << "  \"wall_s\": {\"setup\": " << setupS << ", \"run\": " << runS
       << ", \"total\": " << totalS << "},\n"
       << "  \"pcap_nodes\": [";
    for (size_t j = 0; j < pcapNodes.size(); j++)
    {
        js << (j ? ", " : "") << pcapNodes[j];
    }
    js << "],\n  \"outputs\": [";
    for (size_t j = 0; j < outputs.size(); j++)
    {
        js << (j ? ", " : "") << "\"" << outputs[j] << "\"";
    }
    js << "],\n  \"mns\": [\n" << perMn.str() << "  ]\n}\n";
    {
        std::ofstream f(g.out + "/summary.json");
        f << js.str();
    }

    std::cout << "\nmany-nodes summary (seed " << g.seed << "): " << Registered() << " of "
              << g.nodes << " MNs registered (" << boundEnd << " bound at the end, "
              << haBindings << " bindings at the HA), " << g.moves << " moves, " << buSent
              << " BUs (" << buOnMove << " on a move, " << buRetx << " retransmitted), "
              << baAccepted << " BAs accepted, " << bootAttempts << " bootstraps. BU->BA on a "
              << "move: " << Stats(g.buBaMs) << " ms. Packets: " << (rcvdDown + rcvdUp) << " of "
              << (sentDown + sentUp) << " delivered. Wall time " << std::fixed
              << std::setprecision(2) << totalS << " s (run " << runS << " s). Outputs in "
              << g.out << (png || !g.plot ? "" : " (no timeline.png)") << "." << std::endl;

    Simulator::Destroy();
    return 0;
}
