/*
 * nat-router.cc: see nat-router.h.
 */
#include "nat-router.h"

#include "ns3/ipv4-header.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/udp-header.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("NatRouting");
NS_OBJECT_ENSURE_REGISTERED(NatRouting);

namespace
{
const uint8_t kUdp = 17;
const uint8_t kTcp = 6;
} // namespace

TypeId
NatRouting::GetTypeId()
{
    static TypeId tid = TypeId("ns3::NatRouting")
                            .SetParent<Ipv4StaticRouting>()
                            .SetGroupName("Mip6tls")
                            .AddConstructor<NatRouting>()
                            .AddAttribute("UdpTimeout",
                                          "A UDP mapping ends after this long without an "
                                          "outbound packet.",
                                          TimeValue(Seconds(30)),
                                          MakeTimeAccessor(&NatRouting::m_udpTimeout),
                                          MakeTimeChecker())
                            .AddAttribute("TcpTimeout",
                                          "A TCP mapping ends after this long without an "
                                          "outbound packet.",
                                          TimeValue(Seconds(300)),
                                          MakeTimeAccessor(&NatRouting::m_tcpTimeout),
                                          MakeTimeChecker());
    return tid;
}

void
NatRouting::SetIpv4(Ptr<Ipv4> ipv4)
{
    m_ip = ipv4;
    Ipv4StaticRouting::SetIpv4(ipv4);
}

void
NatRouting::DoDispose()
{
    m_ip = nullptr;
    Ipv4StaticRouting::DoDispose();
}

void
NatRouting::SetInterfaces(uint32_t inside, uint32_t outside, Ipv4Address publicAddr)
{
    m_inside = static_cast<int32_t>(inside);
    m_outside = static_cast<int32_t>(outside);
    m_public = publicAddr;
}

uint32_t
NatRouting::GetMappings() const
{
    return m_mappings;
}

uint32_t
NatRouting::GetTranslated() const
{
    return m_translated;
}

uint32_t
NatRouting::GetDropped() const
{
    return m_dropped;
}

bool
NatRouting::Live(const Mapping& m, uint8_t proto) const
{
    return Simulator::Now() - m.lastOut <= (proto == kUdp ? m_udpTimeout : m_tcpTimeout);
}

bool
NatRouting::Rewrite(Ptr<Packet> p,
                    uint8_t proto,
                    Ipv4Address src,
                    Ipv4Address dst,
                    const uint16_t* srcPort,
                    const uint16_t* dstPort)
{
    if (proto == kUdp)
    {
        UdpHeader old;
        p->RemoveHeader(old);
        // A fresh header: a deserialized one would write its old checksum back.
        UdpHeader h;
        h.SetSourcePort(srcPort ? *srcPort : old.GetSourcePort());
        h.SetDestinationPort(dstPort ? *dstPort : old.GetDestinationPort());
        h.EnableChecksums();
        h.InitializeChecksum(src, dst, kUdp);
        p->AddHeader(h);
        return true;
    }
    if (proto == kTcp)
    {
        TcpHeader h;
        p->RemoveHeader(h);
        if (srcPort)
        {
            h.SetSourcePort(*srcPort);
        }
        if (dstPort)
        {
            h.SetDestinationPort(*dstPort);
        }
        h.EnableChecksums(); // TcpHeader computes the checksum whenever this is on
        h.InitializeChecksum(src, dst, kTcp);
        p->AddHeader(h);
        return true;
    }
    return false;
}

bool
NatRouting::Forward(Ptr<Packet> p, const Ipv4Header& h, UnicastForwardCallback ucb)
{
    Socket::SocketErrno err;
    Ptr<Ipv4Route> rt = Ipv4StaticRouting::RouteOutput(p, h, nullptr, err);
    if (!rt)
    {
        return false; // the caller reports no route
    }
    m_translated++;
    ucb(rt, p, h); // Ipv4L3Protocol::IpForward: TTL, then out
    return true;
}

bool
NatRouting::RouteInput(Ptr<const Packet> p,
                       const Ipv4Header& header,
                       Ptr<const NetDevice> idev,
                       UnicastForwardCallback ucb,
                       MulticastForwardCallback mcb,
                       LocalDeliverCallback lcb,
                       ErrorCallback ecb)
{
    int32_t iif = m_ip->GetInterfaceForDevice(idev);
    uint8_t proto = header.GetProtocol();
    Ipv4Address dst = header.GetDestination();
    bool l4 = (proto == kUdp || proto == kTcp) && header.GetFragmentOffset() == 0 &&
              header.IsLastFragment(); // not a fragment
    if (m_inside >= 0 && l4 && iif == m_inside && !dst.IsMulticast() && !dst.IsBroadcast() &&
        !m_ip->IsDestinationAddress(dst, static_cast<uint32_t>(iif)))
    {
        // Outbound: inside address and port -> the public address and a mapped port.
        uint8_t b[4];
        if (p->CopyData(b, 4) < 4)
        {
            return false;
        }
        uint16_t inPort = static_cast<uint16_t>(b[0] << 8 | b[1]);
        InKey k{proto, header.GetSource().Get(), inPort};
        auto it = m_out.find(k);
        if (it == m_out.end() || !Live(it->second, proto))
        {
            if (it != m_out.end())
            {
                m_in.erase({proto, it->second.pubPort});
                m_out.erase(it);
            }
            Mapping m;
            m.inAddr = header.GetSource();
            m.inPort = inPort;
            m.pubPort = m_nextPort++;
            it = m_out.emplace(k, m).first;
            m_in[{proto, m.pubPort}] = k;
            m_mappings++;
            NS_LOG_INFO("NAT mapping " << (proto == kUdp ? "udp " : "tcp ") << m.inAddr << ":"
                                       << inPort << " -> " << m_public << ":" << m.pubPort);
        }
        it->second.lastOut = Simulator::Now();
        Ptr<Packet> c = p->Copy();
        Rewrite(c, proto, m_public, dst, &it->second.pubPort, nullptr);
        Ipv4Header h = header;
        h.SetSource(m_public);
        return Forward(c, h, ucb);
    }
    if (m_outside >= 0 && l4 && iif == m_outside && dst == m_public)
    {
        // Inbound: only through a live mapping.
        uint8_t b[4];
        if (p->CopyData(b, 4) < 4)
        {
            return false;
        }
        uint16_t pubPort = static_cast<uint16_t>(b[2] << 8 | b[3]);
        auto in = m_in.find({proto, pubPort});
        auto out = in == m_in.end() ? m_out.end() : m_out.find(in->second);
        if (out == m_out.end() || !Live(out->second, proto))
        {
            m_dropped++;
            NS_LOG_INFO("NAT drop: no mapping for " << (proto == kUdp ? "udp " : "tcp ")
                                                    << pubPort << " from "
                                                    << header.GetSource());
            return true; // dropped here, like unsolicited traffic at a NAT
        }
        Ptr<Packet> c = p->Copy();
        Rewrite(c, proto, header.GetSource(), out->second.inAddr, nullptr, &out->second.inPort);
        Ipv4Header h = header;
        h.SetDestination(out->second.inAddr);
        return Forward(c, h, ucb);
    }
    return Ipv4StaticRouting::RouteInput(p, header, idev, ucb, mcb, lcb, ecb);
}

NatRoutingHelper*
NatRoutingHelper::Copy() const
{
    return new NatRoutingHelper(*this);
}

Ptr<Ipv4RoutingProtocol>
NatRoutingHelper::Create(Ptr<Node>) const
{
    return CreateObject<NatRouting>();
}

Ptr<NatRouting>
NatRoutingHelper::Get(Ptr<Node> node)
{
    Ptr<NatRouting> r = DynamicCast<NatRouting>(node->GetObject<Ipv4>()->GetRoutingProtocol());
    NS_ABORT_MSG_UNLESS(r, "NatRoutingHelper::Get: the node's IPv4 routing is not NatRouting");
    return r;
}

} // namespace ns3
