/*
 * nat-router.h: a small IPv4 NAPT for the ipv4-coa scenario (ns-3 3.37 has no NAT module).
 *
 * NatRouting is the Ipv4StaticRouting of the visited router with address and port translation
 * in front of it (RFC 3022 NAPT, endpoint-independent mapping as RFC 4787 REQ-1 asks):
 *   - a UDP or TCP packet from the inside interface to elsewhere gets the outside address as
 *     its source and a public port from the mapping of (protocol, inside address, inside port),
 *     made on first use (ports 62000, 62001, ... in order, so runs are reproducible);
 *   - a UDP or TCP packet to the outside address on the outside interface whose destination
 *     port has a live mapping goes to that inside address and port; one without is dropped
 *     (counted), as a NAT drops unsolicited traffic;
 *   - the L4 checksum is recomputed over the new pseudo-header, the packet is forwarded by
 *     the static routes (TTL decremented by Ipv4L3Protocol), and everything else is plain
 *     static routing.
 * A mapping expires after UdpTimeout (UDP) or TcpTimeout (TCP) without an outbound packet
 * (RFC 4787 REQ-5: at least 2 min for UDP; the defaults are shorter so that a run shows what
 * keepalives are for). Not modelled: ICMP, hairpinning, fragments, TCP state tracking.
 */
#ifndef MIP6TLS_NAT_ROUTER_H
#define MIP6TLS_NAT_ROUTER_H

#include "ns3/ipv4-address.h"
#include "ns3/ipv4-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/nstime.h"

#include <map>
#include <tuple>

namespace ns3
{

/** Ipv4StaticRouting with a NAPT between one inside and one outside interface. */
class NatRouting : public Ipv4StaticRouting
{
  public:
    static TypeId GetTypeId();

    /** The inside and outside interfaces (Ipv4 interface indexes) and the public address. */
    void SetInterfaces(uint32_t inside, uint32_t outside, Ipv4Address publicAddr);

    bool RouteInput(Ptr<const Packet> p,
                    const Ipv4Header& header,
                    Ptr<const NetDevice> idev,
                    UnicastForwardCallback ucb,
                    MulticastForwardCallback mcb,
                    LocalDeliverCallback lcb,
                    ErrorCallback ecb) override;
    void SetIpv4(Ptr<Ipv4> ipv4) override;

    uint32_t GetMappings() const;   //!< mappings made so far
    uint32_t GetTranslated() const; //!< packets translated (both ways)
    uint32_t GetDropped() const;    //!< inbound packets without a live mapping

  protected:
    void DoDispose() override;

  private:
    struct Mapping
    {
        Ipv4Address inAddr;
        uint16_t inPort = 0;
        uint16_t pubPort = 0;
        Time lastOut;
    };
    using InKey = std::tuple<uint8_t, uint32_t, uint16_t>; // protocol, inside address, port
    using PubKey = std::pair<uint8_t, uint16_t>;           // protocol, public port

    bool Live(const Mapping& m, uint8_t proto) const;
    /** Rewrites the L4 header of `p` (ports, checksum for src -> dst); false if not UDP/TCP. */
    static bool Rewrite(Ptr<Packet> p,
                        uint8_t proto,
                        Ipv4Address src,
                        Ipv4Address dst,
                        const uint16_t* srcPort,
                        const uint16_t* dstPort);
    bool Forward(Ptr<Packet> p, const Ipv4Header& h, UnicastForwardCallback ucb);

    Ptr<Ipv4> m_ip;
    int32_t m_inside = -1;
    int32_t m_outside = -1;
    Ipv4Address m_public;
    Time m_udpTimeout;
    Time m_tcpTimeout;
    uint16_t m_nextPort = 62000;
    std::map<InKey, Mapping> m_out;
    std::map<PubKey, InKey> m_in;
    uint32_t m_mappings = 0;
    uint32_t m_translated = 0;
    uint32_t m_dropped = 0;
};

/** Installs NatRouting (InternetStackHelper::SetRoutingHelper) and finds it on a node. */
class NatRoutingHelper : public Ipv4RoutingHelper
{
  public:
    NatRoutingHelper* Copy() const override;
    Ptr<Ipv4RoutingProtocol> Create(Ptr<Node> node) const override;
    /** The NatRouting of `node` (aborts if it has none). */
    static Ptr<NatRouting> Get(Ptr<Node> node);
};

} // namespace ns3

#endif
