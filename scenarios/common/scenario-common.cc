/*
 * scenario-common.cc: see scenario-common.h.
 */
#include "scenario-common.h"

#include "mip6tls/suite.h"

extern "C" {
#include "test_pki.h"
}

#include "ns3/config.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv6-header.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-static-routing-helper.h"
#include "ns3/mac48-address.h"
#include "ns3/simulator.h"
#include "ns3/nstime.h"
#include "ns3/string.h"
#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/trace-helper.h"
#include "ns3/udp-socket-factory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace mip6tls_scen
{

const char* const kNai = "mn1@example.com";
const char* const kPsk = "correct horse battery staple";
const char* const kHoa = "2001:db8:1::100";
const uint16_t kAppPort = 6000;
const double kPeriodS = 0.020;

void
Progress(const std::string& what)
{
    std::ostringstream o;
    o << "[" << std::fixed << std::setprecision(3) << std::setw(7)
      << Simulator::Now().GetSeconds() << " s] " << what;
    std::cout << o.str() << std::endl;
}

std::string
Ms(double from, double to)
{
    if (from < 0 || to < 0)
    {
        return "null";
    }
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << (to - from) * 1000.0;
    return o.str();
}

std::string
Sec(double t)
{
    if (t < 0)
    {
        return "null";
    }
    std::ostringstream o;
    o << std::fixed << std::setprecision(4) << t;
    return o.str();
}

void
InitRun(uint32_t seed)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(seed);
    Config::SetDefault("ns3::Icmpv6L4Protocol::DAD", BooleanValue(false));
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
}

void
LanChannel(CsmaHelper* csma, const char* rate)
{
    csma->SetChannelAttribute("DataRate", StringValue(rate));
    csma->SetChannelAttribute("Delay", TimeValue(MicroSeconds(50)));
}

bool
PrepareOutDir(const std::string& prog, const std::string& out)
{
    if (mkdir(out.c_str(), 0755) != 0 && errno != EEXIST)
    {
        std::cerr << prog << ": cannot create " << out << ": " << std::strerror(errno)
                  << std::endl;
        return false;
    }
    std::remove((out + "/keylog.txt").c_str());
    return true;
}

uint32_t
AddIf(Ptr<Node> n, Ptr<NetDevice> d, const char* addr, bool forwarding)
{
    Ptr<Ipv6> ip = n->GetObject<Ipv6>();
    int32_t i = ip->GetInterfaceForDevice(d);
    if (i < 0)
    {
        i = static_cast<int32_t>(ip->AddInterface(d));
    }
    if (addr)
    {
        ip->AddAddress(i, Ipv6InterfaceAddress(Ipv6Address(addr), Ipv6Prefix(64)));
    }
    ip->SetForwarding(i, forwarding);
    ip->SetUp(i);
    return static_cast<uint32_t>(i);
}

Ptr<Ipv6StaticRouting>
Routing(Ptr<Node> n)
{
    Ipv6StaticRoutingHelper rh;
    return rh.GetStaticRouting(n->GetObject<Ipv6>());
}

// ---- Roles ---------------------------------------------------------------------------------

Ptr<Mip6tlsHomeApplication>
MakeHome(Ptr<Node> node, Ipv6Address addr, int64_t stream)
{
    Mip6tlsHomeCredentials hc;
    hc.chainPem = tpki_hac_ec_chain_pem;
    hc.keyPem = tpki_ec_key_pem;
    hc.mns.push_back({kNai, kPsk, Ipv6Address(kHoa)});
    Ptr<Mip6tlsHomeApplication> home = CreateObject<Mip6tlsHomeApplication>();
    home->SetAttribute("Address", Ipv6AddressValue(addr));
    home->SetAttribute("HomePrefix", Ipv6AddressValue(Ipv6Address("2001:db8:1::")));
    home->SetCredentials(hc);
    home->AssignStreams(stream);
    node->AddApplication(home);
    return home;
}

Ptr<Mip6tlsMnApplication>
MakeMn(Ptr<Node> node, Ipv6Address hac, Ipv6Address coa, int64_t stream)
{
    Mip6tlsMnCredentials mc;
    mc.trustAnchorsPem = tpki_ca_pem;
    mc.hacName = "hac.example.com";
    mc.nai = kNai;
    mc.psk = kPsk;
    Ptr<Mip6tlsMnApplication> mn = CreateObject<Mip6tlsMnApplication>();
    mn->SetAttribute("HacAddress", Ipv6AddressValue(hac));
    mn->SetAttribute("CareOfAddress", Ipv6AddressValue(coa));
    mn->SetCredentials(mc);
    mn->AssignStreams(stream);
    node->AddApplication(mn);
    return mn;
}

// ---- esp_sa --------------------------------------------------------------------------------

namespace
{

std::string
Hex(const uint8_t* b, size_t n)
{
    std::ostringstream o;
    o << "0x";
    for (size_t i = 0; i < n; i++)
    {
        o << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(b[i]);
    }
    return o.str();
}

} // namespace

std::string
EspSaRows(const mip6tls_esp_keys& k, Ipv6Address ha)
{
    const mip6tls_suite_info* s = mip6tls_suite_find(k.suite);
    if (!s)
    {
        return "";
    }
    std::string enc;
    switch (s->enc)
    {
    case MIP6TLS_ENC_NULL:
        enc = "NULL";
        break;
    case MIP6TLS_ENC_3DES_CBC:
        enc = "TripleDES-CBC [RFC2451]";
        break;
    case MIP6TLS_ENC_AES128_CBC:
        enc = "AES-CBC [RFC3602]";
        break;
    case MIP6TLS_ENC_AES128_GCM:
        enc = "AES-GCM with 16 octet ICV [RFC4106]";
        break;
    default:
        return ""; // ChaCha20-Poly1305 for ESP is not in tshark 4.0
    }
    std::string auth;
    switch (s->integ)
    {
    case MIP6TLS_INTEG_NONE:
        auth = "NULL";
        break;
    case MIP6TLS_INTEG_HMAC_SHA1_96:
        auth = "HMAC-SHA-1-96 [RFC2404]";
        break;
    default:
        auth = "ANY 96 bit authentication [no checking]";
        break;
    }
    std::ostringstream haS;
    haS << ha;
    std::ostringstream o;
    // Wireshark reads PType (RFC 6618 §6.1) and SPI together as the 32-bit ESP SPI field.
    const uint32_t ptypes[2] = {8, 1}; // 8: mobility header (BU/BA), 1: ESP-protected data
    for (uint32_t pt : ptypes)
    {
        char spi[16];
        std::snprintf(spi, sizeof spi, "0x%08x", (pt << 28) | k.spi);
        std::string ikeyUp = s->ikey_len ? Hex(k.mn_to_ha_ikey, k.ikey_len) : "";
        std::string ikeyDn = s->ikey_len ? Hex(k.ha_to_mn_ikey, k.ikey_len) : "";
        // MN -> HA (any CoA to the HA) and HA -> MN: each direction has its own keys.
        o << "\"IPv6\",\"*\",\"" << haS.str() << "\",\"" << spi << "\",\"" << enc << "\",\""
          << (k.ekey_len ? Hex(k.mn_to_ha_ekey, k.ekey_len) : "") << "\",\"" << auth << "\",\""
          << ikeyUp << "\"\n";
        o << "\"IPv6\",\"" << haS.str() << "\",\"*\",\"" << spi << "\",\"" << enc << "\",\""
          << (k.ekey_len ? Hex(k.ha_to_mn_ekey, k.ekey_len) : "") << "\",\"" << auth << "\",\""
          << ikeyDn << "\"\n";
    }
    return o.str();
}

// ---- Tunnel --------------------------------------------------------------------------------

namespace
{

/** Only global unicast goes into the tunnel (no link-local or multicast ND chatter). */
bool
Tunnelable(Ptr<Packet> p)
{
    Ipv6Header h;
    if (p->PeekHeader(h) == 0)
    {
        return false;
    }
    Ipv6Address d = h.GetDestination();
    return !d.IsMulticast() && !d.IsLinkLocal() && !d.IsLocalhost();
}

/** Unicast inner packets only: global IPv6 (as Tunnelable), IPv4 not broadcast/multicast. */
bool
Tunnelable46(Ptr<Packet> p, uint16_t proto)
{
    if (proto == Ipv4L3Protocol::PROT_NUMBER)
    {
        Ipv4Header h;
        if (p->PeekHeader(h) == 0)
        {
            return false;
        }
        Ipv4Address d = h.GetDestination();
        return !d.IsMulticast() && !d.IsBroadcast() && !d.IsLocalhost() && !d.IsAny();
    }
    return proto == Ipv6L3Protocol::PROT_NUMBER && Tunnelable(p);
}

/** Injects a decapsulated packet into `dev` with the EtherType of its IP version. */
void
TunDeliver(Ptr<VirtualNetDevice> dev, Ptr<const Packet> inner)
{
    uint16_t proto = mip6tlsutil::InnerProtocol(inner);
    if (proto != 0)
    {
        dev->Receive(inner->Copy(), proto, dev->GetAddress(), dev->GetAddress(),
                     NetDevice::PACKET_HOST);
    }
}

Ptr<VirtualNetDevice>
NewTunDevice()
{
    Ptr<VirtualNetDevice> d = CreateObject<VirtualNetDevice>();
    d->SetAddress(Mac48Address::Allocate());
    d->SetNeedsArp(false);
    d->SetIsPointToPoint(true);
    return d;
}

} // namespace

void
Tunnel::Install(Ptr<Node> haNode, const char* haTunAddr, Ptr<Node> mnNode, const char* hoa)
{
    haTun = NewTunDevice();
    haTun->SetSendCallback(MakeCallback(&Tunnel::HaSend, this));
    haNode->AddDevice(haTun);
    haTunIf = AddIf(haNode, haTun, haTunAddr, true); // the home prefix behind the HA
    mnTun = NewTunDevice();
    mnTun->SetSendCallback(MakeCallback(&Tunnel::MnSend, this));
    mnNode->AddDevice(mnTun);
    mnTunIf = AddIf(mnNode, mnTun, hoa, false);
}

void
Tunnel::Install(Ptr<Node> haNode,
                const char* haTun6,
                const char* haTun4,
                uint8_t haTun4Len,
                Ptr<Node> mnNode,
                const char* hoa6,
                const char* hoa4)
{
    Install(haNode, haTun6, mnNode, hoa6);
    haTunIf4 = AddIf4(haNode, haTun, haTun4, haTun4Len, true); // the IPv4 home prefix
    mnTunIf4 = AddIf4(mnNode, mnTun, hoa4, 32, false);
}

void
Tunnel::Connect(Ptr<Mip6tlsHomeApplication> home, Ptr<Mip6tlsMnApplication> mn)
{
    m_home = home;
    m_mn = mn;
    home->TraceConnectWithoutContext("Deliver", MakeBoundCallback(&TunDeliver, haTun));
    mn->TraceConnectWithoutContext("Deliver", MakeBoundCallback(&TunDeliver, mnTun));
}

void
Tunnel::EnablePcap(const std::string& dir)
{
    PcapHelper ph;
    Ptr<PcapFileWrapper> mnIn =
        ph.CreateFile(dir + "/mn-tunnel.pcap", std::ios::out, PcapHelper::DLT_RAW);
    ph.HookDefaultSink<VirtualNetDevice>(mnTun, "Sniffer", mnIn);
    Ptr<PcapFileWrapper> haIn =
        ph.CreateFile(dir + "/home-tunnel.pcap", std::ios::out, PcapHelper::DLT_RAW);
    ph.HookDefaultSink<VirtualNetDevice>(haTun, "Sniffer", haIn);
}

bool
Tunnel::MnSend(Ptr<Packet> p, const Address&, const Address&, uint16_t proto)
{
    if (!Tunnelable46(p, proto) || !m_mn)
    {
        return false;
    }
    int rc = m_mn->SendInner(p);
    if (rc != 0)
    {
        upRefused++;
    }
    return rc == 0;
}

bool
Tunnel::HaSend(Ptr<Packet> p, const Address&, const Address&, uint16_t proto)
{
    if (!Tunnelable46(p, proto) || !m_home)
    {
        return false;
    }
    int rc = m_home->SendToMobile(p);
    if (rc != 0)
    {
        downRefused++;
    }
    return rc == 0;
}

// ---- Traffic -------------------------------------------------------------------------------

uint32_t
Flow::LongestGap() const
{
    uint32_t best = 0, cur = 0;
    for (uint32_t s = 0; s < sent; s++)
    {
        if (seen.count(s))
        {
            cur = 0;
        }
        else if (++cur > best)
        {
            best = cur;
        }
    }
    return best;
}

uint32_t
Flow::LostIn(uint32_t from, uint32_t to) const
{
    uint32_t n = 0;
    for (uint32_t s = from; s < to && s < sent; s++)
    {
        n += seen.count(s) ? 0 : 1;
    }
    return n;
}

namespace
{

Ptr<Packet>
Numbered(uint32_t seq)
{
    uint8_t b[12];
    b[0] = static_cast<uint8_t>(seq >> 24);
    b[1] = static_cast<uint8_t>(seq >> 16);
    b[2] = static_cast<uint8_t>(seq >> 8);
    b[3] = static_cast<uint8_t>(seq);
    uint64_t ns = static_cast<uint64_t>(Simulator::Now().GetNanoSeconds());
    for (int i = 0; i < 8; i++)
    {
        b[4 + i] = static_cast<uint8_t>(ns >> (56 - 8 * i));
    }
    return Create<Packet>(b, sizeof b);
}

void
WriteRx(const std::string& path, const std::vector<Rx>& rx)
{
    std::ofstream f(path);
    for (const auto& r : rx)
    {
        f << std::fixed << std::setprecision(4) << r.t << ' ' << r.seq << '\n';
    }
}

} // namespace

void
Traffic::Install(Ptr<Node> cn, Ipv6Address cnAddr, Ptr<Node> mn, Ipv6Address hoa)
{
    m_cnAddr = cnAddr;
    m_hoa = hoa;
    m_cn = Socket::CreateSocket(cn, UdpSocketFactory::GetTypeId());
    m_cn->Bind(Inet6SocketAddress(cnAddr, kAppPort));
    m_cn->SetRecvCallback(MakeCallback(&Traffic::Recv, this).Bind(false));
    m_mn = Socket::CreateSocket(mn, UdpSocketFactory::GetTypeId());
    m_mn->Bind(Inet6SocketAddress(hoa, kAppPort));
    m_mn->SetRecvCallback(MakeCallback(&Traffic::Recv, this).Bind(true));
}

void
Traffic::Start(double at, double stop)
{
    m_start = at;
    m_stop = stop;
    Simulator::Schedule(Seconds(at), &Traffic::Tick, this);
}

uint32_t
Traffic::SeqAt(double t) const
{
    if (t <= m_start)
    {
        return 0;
    }
    double n = (t - m_start) / kPeriodS;
    uint32_t s = static_cast<uint32_t>(n);
    return n - s > 1e-9 ? s + 1 : s;
}

void
Traffic::Tick()
{
    m_cn->SendTo(Numbered(down.sent), 0, Inet6SocketAddress(m_hoa, kAppPort));
    down.sent++;
    m_mn->SendTo(Numbered(up.sent), 0, Inet6SocketAddress(m_cnAddr, kAppPort));
    up.sent++;
    if (Simulator::Now().GetSeconds() + kPeriodS < m_stop)
    {
        Simulator::Schedule(Seconds(kPeriodS), &Traffic::Tick, this);
    }
}

void
Traffic::Recv(bool isDown, Ptr<Socket> s)
{
    Ptr<Packet> p;
    while ((p = s->Recv()))
    {
        uint8_t b[12];
        if (p->CopyData(b, sizeof b) < 4)
        {
            continue;
        }
        uint32_t seq = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) |
                       b[3];
        double now = Simulator::Now().GetSeconds();
        Flow& f = isDown ? down : up;
        if (!f.seen.insert(seq).second)
        {
            continue;
        }
        f.rx.push_back({now, seq});
        if (onRx)
        {
            onRx(isDown, seq, now);
        }
    }
}

void
Traffic::WriteDat(const std::string& dir) const
{
    WriteRx(dir + "/rx-cn-to-mn.dat", down.rx);
    WriteRx(dir + "/rx-mn-to-cn.dat", up.rx);
}

std::string
Traffic::Json(const Tunnel& tun, uint32_t ipDrops) const
{
    std::ostringstream js;
    js << "    \"period_ms\": " << kPeriodS * 1000 << ",\n"
       << "    \"cn_to_mn\": {\"sent\": " << down.sent << ", \"received\": " << down.rx.size()
       << ", \"lost\": " << down.Lost() << ", \"longest_gap\": " << down.LongestGap()
       << ", \"tunnel_refused\": " << tun.downRefused << "},\n"
       << "    \"mn_to_cn\": {\"sent\": " << up.sent << ", \"received\": " << up.rx.size()
       << ", \"lost\": " << up.Lost() << ", \"longest_gap\": " << up.LongestGap()
       << ", \"tunnel_refused\": " << tun.upRefused << "},\n"
       << "    \"ipv6_drops\": " << ipDrops << "\n";
    return js.str();
}

// ---- IPv6 drops, heartbeat -----------------------------------------------------------------

namespace
{

std::map<std::string, uint32_t> g_ipDrops;

void
OnIpDrop(std::string ctx,
         const Ipv6Header& h,
         Ptr<const Packet>,
         Ipv6L3Protocol::DropReason reason,
         Ptr<Ipv6>,
         uint32_t iface)
{
    std::string node = ctx.substr(0, ctx.find("/$"));
    std::ostringstream k;
    k << node << " reason " << reason;
    if (g_ipDrops[k.str()]++ < 3)
    {
        std::ostringstream o;
        o << "ip drop at " << node << " if " << iface << ": " << h.GetSource() << " -> "
          << h.GetDestination() << " reason " << reason;
        Progress(o.str());
    }
}

void
Heartbeat(const Traffic* t, Ptr<Mip6tlsMnApplication> mn, double until)
{
    std::ostringstream o;
    o << "progress: CN->MN " << t->down.rx.size() << "/" << t->down.sent << ", MN->CN "
      << t->up.rx.size() << "/" << t->up.sent << " received, MN " << mn->GetStateName();
    Progress(o.str());
    if (Simulator::Now().GetSeconds() + 1.0 < until)
    {
        Simulator::Schedule(Seconds(1.0), &Heartbeat, t, mn, until);
    }
}

} // namespace

void
CountIpDrops()
{
    Config::Connect("/NodeList/*/$ns3::Ipv6L3Protocol/Drop", MakeCallback(&OnIpDrop));
}

uint32_t
IpDrops()
{
    uint32_t n = 0;
    for (const auto& d : g_ipDrops)
    {
        n += d.second;
    }
    return n;
}

void
StartHeartbeat(const Traffic* t, Ptr<Mip6tlsMnApplication> mn, double at, double until)
{
    Simulator::Schedule(Seconds(at), &Heartbeat, t, mn, until);
}

// ---- Timeline ------------------------------------------------------------------------------

bool
PlotTimeline(const std::string& dir,
             const std::string& scenario,
             uint32_t seed,
             double duration,
             const std::vector<Mark>& marks)
{
    {
        std::ofstream gp(dir + "/timeline.gp");
        gp << "set terminal pngcairo size 1000,720 noenhanced\n"
           << "set output '" << dir << "/timeline.png'\n"
           << "set multiplot layout 2,1 title 'mip6tls " << scenario << ", seed " << seed
           << ": numbered UDP packets received (one each way every 20 ms)'\n"
           << "set xrange [0:" << duration << "]\nset yrange [0:*]\n"
           << "set ylabel 'sequence number'\nset key right bottom\nset grid\n";
        int n = 1;
        for (const auto& m : marks)
        {
            if (m.t < 0)
            {
                continue;
            }
            gp << "set arrow " << n << " from " << m.t << ", graph 0 to " << m.t
               << ", graph 1 nohead lc rgb '" << m.color << "' dt 2\n";
            gp << "set label " << n << " '" << m.label << "' at " << m.t << ", graph "
               << (1.0 - 0.08 * n) << " left offset 0.5,0 tc rgb '" << m.color << "'\n";
            n++;
        }
        gp << "set title 'CN -> MN home address (HA tunnels to the CoA)'\n"
           << "plot '" << dir << "/rx-cn-to-mn.dat' using 1:2 with points pt 7 ps 0.35 "
           << "lc rgb 'dark-violet' title 'received at the MN'\n"
           << "set xlabel 'simulated time (s)'\n"
           << "set title 'MN -> CN (reverse tunnel through the HA)'\n"
           << "plot '" << dir << "/rx-mn-to-cn.dat' using 1:2 with points pt 5 ps 0.35 "
           << "lc rgb 'dark-cyan' title 'received at the CN'\n"
           << "unset multiplot\n";
    }
    std::string cmd = "gnuplot '" + dir + "/timeline.gp'";
    bool ok = std::system(cmd.c_str()) == 0;
    if (!ok)
    {
        std::cerr << scenario << ": gnuplot failed; timeline.gp and the .dat files are in "
                  << dir << std::endl;
    }
    return ok;
}

// ---- Dual stack (ipv4-coa) -----------------------------------------------------------------

uint32_t
AddIf4(Ptr<Node> n, Ptr<NetDevice> d, const char* addr, uint8_t plen, bool forwarding)
{
    Ptr<Ipv4> ip = n->GetObject<Ipv4>();
    int32_t i = ip->GetInterfaceForDevice(d);
    if (i < 0)
    {
        i = static_cast<int32_t>(ip->AddInterface(d));
    }
    if (addr)
    {
        std::string mask = "/" + std::to_string(plen);
        ip->AddAddress(i, Ipv4InterfaceAddress(Ipv4Address(addr), Ipv4Mask(mask.c_str())));
    }
    ip->SetForwarding(i, forwarding);
    ip->SetUp(i);
    return static_cast<uint32_t>(i);
}

Ptr<Ipv4StaticRouting>
Routing4(Ptr<Node> n)
{
    Ipv4StaticRoutingHelper rh;
    return rh.GetStaticRouting(n->GetObject<Ipv4>());
}

std::string
EspSaRows(const mip6tls_esp_keys& k, Ipv4Address ha)
{
    // The rows differ from the IPv6 ones only in the Protocol column and the HA's address:
    // write those with a placeholder address and substitute, so both stay one format.
    std::string rows = EspSaRows(k, Ipv6Address::GetAny());
    std::ostringstream a;
    a << ha;
    const std::string from[2] = {"\"IPv6\",", "\"::\""};
    const std::string to[2] = {"\"IPv4\",", "\"" + a.str() + "\""};
    for (int i = 0; i < 2; i++)
    {
        for (size_t at = rows.find(from[i]); at != std::string::npos;
             at = rows.find(from[i], at + to[i].size()))
        {
            rows.replace(at, from[i].size(), to[i]);
        }
    }
    return rows;
}

} // namespace mip6tls_scen
