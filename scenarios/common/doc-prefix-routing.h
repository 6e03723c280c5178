/*
 * doc-prefix-routing.h: static IPv6 routing that can forward to 2001:db8::/32.
 *
 * ns-3 3.37's Ipv6L3Protocol::IpForward drops every packet whose destination is in the
 * RFC 3849 documentation prefix 2001:db8::/32 ("Received a packet for 2001:db8::/32
 * (documentation class). Drop.", reported on the Drop trace as DROP_ROUTE_ERROR). The project
 * addresses everything from that prefix, so routers in the scenarios use this routing
 * protocol: Ipv6StaticRouting whose RouteInput forwards global unicast packets itself (hop
 * limit decremented, route looked up in the same static table, sent on the output
 * Ipv6Interface) and leaves everything else (local delivery, multicast, link-local) to
 * Ipv6StaticRouting. Not modelled on that path: ICMPv6 Time Exceeded, Packet Too Big and
 * Redirect, and the UnicastForward trace.
 */
#ifndef MIP6TLS_DOC_PREFIX_ROUTING_H
#define MIP6TLS_DOC_PREFIX_ROUTING_H

#include "ns3/ipv6-routing-helper.h"
#include "ns3/ipv6-static-routing.h"
#include "ns3/ipv6.h"

namespace ns3
{

/** Ipv6StaticRouting that forwards global unicast (2001:db8::/32 included) itself. */
class DocPrefixRouting : public Ipv6StaticRouting
{
  public:
    static TypeId GetTypeId();

    bool RouteInput(Ptr<const Packet> p,
                    const Ipv6Header& header,
                    Ptr<const NetDevice> idev,
                    UnicastForwardCallback ucb,
                    MulticastForwardCallback mcb,
                    LocalDeliverCallback lcb,
                    ErrorCallback ecb) override;
    void SetIpv6(Ptr<Ipv6> ipv6) override;

    uint64_t GetForwarded() const; //!< packets this node forwarded

  protected:
    void DoDispose() override;

  private:
    Ptr<Ipv6> m_ip;
    uint64_t m_forwarded = 0;
};

/** Installs DocPrefixRouting (InternetStackHelper::SetRoutingHelper). */
class DocPrefixRoutingHelper : public Ipv6RoutingHelper
{
  public:
    DocPrefixRoutingHelper* Copy() const override;
    Ptr<Ipv6RoutingProtocol> Create(Ptr<Node> node) const override;
};

} // namespace ns3

#endif
