/*
 * doc-prefix-routing.cc: see doc-prefix-routing.h.
 */
#include "doc-prefix-routing.h"

#include "ns3/ipv6-interface.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-route.h"
#include "ns3/log.h"
#include "ns3/node.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("DocPrefixRouting");
NS_OBJECT_ENSURE_REGISTERED(DocPrefixRouting);

TypeId
DocPrefixRouting::GetTypeId()
{
    static TypeId tid = TypeId("ns3::DocPrefixRouting")
                            .SetParent<Ipv6StaticRouting>()
                            .SetGroupName("Mip6tls")
                            .AddConstructor<DocPrefixRouting>();
    return tid;
}

void
DocPrefixRouting::SetIpv6(Ptr<Ipv6> ipv6)
{
    m_ip = ipv6;
    Ipv6StaticRouting::SetIpv6(ipv6);
}

void
DocPrefixRouting::DoDispose()
{
    m_ip = nullptr;
    Ipv6StaticRouting::DoDispose();
}

uint64_t
DocPrefixRouting::GetForwarded() const
{
    return m_forwarded;
}

bool
DocPrefixRouting::RouteInput(Ptr<const Packet> p,
                             const Ipv6Header& header,
                             Ptr<const NetDevice> idev,
                             UnicastForwardCallback ucb,
                             MulticastForwardCallback mcb,
                             LocalDeliverCallback lcb,
                             ErrorCallback ecb)
{
    Ipv6Address dst = header.GetDestination();
    int32_t iif = m_ip->GetInterfaceForDevice(idev);
    bool mine = m_ip->GetInterfaceForAddress(dst) >= 0;
    if (mine || iif < 0 || dst.IsMulticast() || dst.IsLinkLocal() ||
        header.GetSource().IsLinkLocal() || !m_ip->IsForwarding(static_cast<uint32_t>(iif)))
    {
        return Ipv6StaticRouting::RouteInput(p, header, idev, ucb, mcb, lcb, ecb);
    }
    if (header.GetHopLimit() <= 1)
    {
        NS_LOG_LOGIC("hop limit exhausted: drop " << header.GetSource() << " -> " << dst);
        ecb(p, header, Socket::ERROR_NOROUTETOHOST);
        return true;
    }
    Ipv6Header h = header;
    h.SetHopLimit(header.GetHopLimit() - 1);
    Ptr<Packet> copy = p->Copy();
    Socket::SocketErrno err;
    Ptr<Ipv6Route> rt = RouteOutput(copy, h, nullptr, err);
    if (!rt)
    {
        return false; // the caller reports DROP_NO_ROUTE
    }
    int32_t oif = m_ip->GetInterfaceForDevice(rt->GetOutputDevice());
    Ptr<Ipv6L3Protocol> l3 = DynamicCast<Ipv6L3Protocol>(m_ip);
    if (oif < 0 || !l3)
    {
        return false;
    }
    Ipv6Address next = rt->GetGateway().IsAny() ? dst : rt->GetGateway();
    NS_LOG_LOGIC("forward " << h.GetSource() << " -> " << dst << " via " << next << " if "
                            << oif);
    m_forwarded++;
    l3->GetInterface(static_cast<uint32_t>(oif))->Send(copy, h, next);
    return true;
}

DocPrefixRoutingHelper*
DocPrefixRoutingHelper::Copy() const
{
    return new DocPrefixRoutingHelper(*this);
}

Ptr<Ipv6RoutingProtocol>
DocPrefixRoutingHelper::Create(Ptr<Node>) const
{
    return CreateObject<DocPrefixRouting>();
}

} // namespace ns3
