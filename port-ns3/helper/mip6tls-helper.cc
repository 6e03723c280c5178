/*
 * mip6tls-helper.cc: see mip6tls-helper.h.
 */
#include "mip6tls-helper.h"

#include "ns3/abort.h"
#include "ns3/ipv6-header.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-static-routing-helper.h"
#include "ns3/ipv6-static-routing.h"
#include "ns3/ipv6.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/trace-helper.h"
#include "ns3/uinteger.h"


namespace ns3
{

NS_LOG_COMPONENT_DEFINE("Mip6tlsHelper");

namespace
{

/** The table size of Mip6tlsHomeApplication (kSas): one SA per MN plus one renewal each. */
const uint32_t kMaxPerHome = 1u << 20;  // MNs on one home application at most
const uint32_t kDefaultPerHome = 1024; // one home application up to 1024 MNs

/** `base` with `add` added to its last 32 bits. */
Ipv6Address
AddToAddress(Ipv6Address base, uint32_t add)
{
    uint8_t b[16];
    base.GetBytes(b);
    uint32_t low = (uint32_t(b[12]) << 24) | (uint32_t(b[13]) << 16) | (uint32_t(b[14]) << 8) |
                   b[15];
    low += add;
    b[12] = static_cast<uint8_t>(low >> 24);
    b[13] = static_cast<uint8_t>(low >> 16);
    b[14] = static_cast<uint8_t>(low >> 8);
    b[15] = static_cast<uint8_t>(low);
    return Ipv6Address(b);
}

/** The address of home application `s`: `base` with s added to bits 64-79. */
Ipv6Address
HomeAddress(Ipv6Address base, uint32_t s)
{
    uint8_t b[16];
    base.GetBytes(b);
    uint32_t w = ((uint32_t(b[8]) << 8) | b[9]) + s;
    b[8] = static_cast<uint8_t>(w >> 8);
    b[9] = static_cast<uint8_t>(w);
    return Ipv6Address(b);
}

/** Only global unicast enters the tunnel (no link-local or multicast ND chatter). */
bool
Tunnelable(Ptr<const Packet> p, Ipv6Address* dst)
{
    Ipv6Header h;
    if (p->PeekHeader(h) == 0)
    {
        return false;
    }
    Ipv6Address d = h.GetDestination();
    *dst = d;
    return !d.IsMulticast() && !d.IsLinkLocal() && !d.IsLocalhost() && !d.IsAny();
}

/**
 * A decapsulated inner packet enters the stack through the tunnel device, with the EtherType
 * of its IP version (the core delivers IPv4 inner packets too; the devices the helper makes
 * have IPv6 interfaces only, so those are dropped by the stack).
 */
void
TunDeliver(Ptr<VirtualNetDevice> dev, Ptr<const Packet> inner)
{
    uint8_t v = 0;
    inner->CopyData(&v, 1);
    uint16_t proto = (v >> 4) == 4 ? 0x0800 : Ipv6L3Protocol::PROT_NUMBER;
    dev->Receive(inner->Copy(), proto, dev->GetAddress(), dev->GetAddress(),
                 NetDevice::PACKET_HOST);
}

Ptr<Ipv6>
NodeIpv6(Ptr<Node> node)
{
    Ptr<Ipv6> ip = node->GetObject<Ipv6>();
    NS_ABORT_MSG_UNLESS(ip,
                        "Mip6tlsHelper: node " << node->GetId()
                                               << " has no IPv6 stack (InternetStackHelper "
                                                  "first)");
    return ip;
}

} // namespace

Mip6tlsHelper::Mip6tlsHelper()
    : m_homePrefix("2001:db8:1::"),
      m_homePrefixLen(64),
      m_realm("example.com"),
      m_perHome(kDefaultPerHome),
      m_homeIf(0),
      m_shared(Create<Shared>())
{
    m_homeFactory.SetTypeId(Mip6tlsHomeApplication::GetTypeId());
    m_mnFactory.SetTypeId(Mip6tlsMnApplication::GetTypeId());
}

void
Mip6tlsHelper::Release(Ptr<Shared> sh)
{
    sh->homeOf.clear();
    for (auto& t : sh->mns)
    {
        t->app = nullptr;
    }
    sh->mns.clear();
}

void
Mip6tlsHelper::SetHomeAttribute(const std::string& name, const AttributeValue& value)
{
    NS_ABORT_MSG_IF(name == "Address", "Mip6tlsHelper: the home address is InstallHome's");
    m_homeFactory.Set(name, value);
}

void
Mip6tlsHelper::SetMnAttribute(const std::string& name, const AttributeValue& value)
{
    NS_ABORT_MSG_IF(name == "HacAddress", "Mip6tlsHelper: the HAC address is InstallHome's");
    m_mnFactory.Set(name, value);
}

void
Mip6tlsHelper::SetHomeCredentials(const std::string& chainPem, const std::string& keyPem)
{
    m_chainPem = chainPem;
    m_keyPem = keyPem;
}

void
Mip6tlsHelper::SetMnTrust(const std::string& anchorsPem, const std::string& hacName)
{
    m_anchorsPem = anchorsPem;
    m_hacName = hacName;
}

void
Mip6tlsHelper::SetHomePrefix(Ipv6Address prefix, uint8_t length)
{
    NS_ABORT_MSG_UNLESS(length >= 1 && length <= 120,
                        "Mip6tlsHelper: home prefix length " << unsigned(length)
                                                             << " (want 1 .. 120)");
    NS_ABORT_MSG_UNLESS(m_homes.empty(), "Mip6tlsHelper: SetHomePrefix before InstallHome");
    m_homePrefix = prefix.CombinePrefix(Ipv6Prefix(length));
    m_homePrefixLen = length;
}

void
Mip6tlsHelper::SetNaiRealm(const std::string& realm)
{
    m_realm = realm;
}

void
Mip6tlsHelper::SetMobilesPerHome(uint32_t n)
{
    NS_ABORT_MSG_UNLESS(n >= 1 && n <= kMaxPerHome,
                        "Mip6tlsHelper: " << n << " mobiles per home application (want 1 .. "
                                          << kMaxPerHome << ")");
    NS_ABORT_MSG_UNLESS(m_mobiles.empty(), "Mip6tlsHelper: SetMobilesPerHome before Install");
    m_perHome = n;
}

Ptr<VirtualNetDevice>
Mip6tlsHelper::AddTunnel(Ptr<Node> node, Ipv6Address addr, bool forwarding)
{
    Ptr<Ipv6> ip = NodeIpv6(node);
    NS_ABORT_MSG_IF(m_tunnels.count(node->GetId()),
                    "Mip6tlsHelper: node " << node->GetId() << " already has a mip6tls role");
    Ptr<VirtualNetDevice> d = CreateObject<VirtualNetDevice>();
    d->SetAddress(Mac48Address::Allocate());
    d->SetNeedsArp(false);
    d->SetIsPointToPoint(true);
    node->AddDevice(d);
    uint32_t i = ip->AddInterface(d);
    ip->AddAddress(i, Ipv6InterfaceAddress(addr, Ipv6Prefix(m_homePrefixLen)));
    ip->SetForwarding(i, forwarding);
    ip->SetUp(i);
    m_tunnels[node->GetId()] = d;
    return d;
}

ApplicationContainer
Mip6tlsHelper::InstallHome(Ptr<Node> node, Ipv6Address address)
{
    NS_ABORT_MSG_UNLESS(m_homes.empty(), "Mip6tlsHelper: InstallHome twice");
    NS_ABORT_MSG_IF(m_chainPem.empty() || m_keyPem.empty(),
                    "Mip6tlsHelper: SetHomeCredentials before InstallHome");
    Ptr<Ipv6> ip = NodeIpv6(node);
    int32_t ifIndex = ip->GetInterfaceForAddress(address);
    NS_ABORT_MSG_IF(ifIndex < 0,
                    "Mip6tlsHelper: " << address << " is not an address of node "
                                      << node->GetId());
    m_homeNode = node;
    m_homeIf = static_cast<uint32_t>(ifIndex);
    Simulator::ScheduleDestroy(&Mip6tlsHelper::Release, m_shared);
    for (uint32_t j = 0; j < ip->GetNAddresses(m_homeIf); j++)
    {
        if (ip->GetAddress(m_homeIf, j).GetAddress() == address)
        {
            m_homeIfPrefix = ip->GetAddress(m_homeIf, j).GetPrefix();
        }
    }

    // The HA side of the tunnel: the home prefix behind the home node (RFC 6275 §10.4.1:
    // the HA intercepts packets for the home addresses and tunnels them).
    Ptr<VirtualNetDevice> tun = AddTunnel(node, AddToAddress(m_homePrefix, 1), true);
    tun->SetSendCallback(MakeBoundCallback(&Mip6tlsHelper::HaSend, m_shared));

    AddHome(); // the first home application, at `address`
    m_homes[0].address = address;
    m_homes[0].app->SetAttribute("Address", Ipv6AddressValue(address));
    return ApplicationContainer(m_homes[0].app);
}

// Creates home application number m_homes.size(), with its address, on the home node.
uint32_t
Mip6tlsHelper::AddHome()
{
    uint32_t s = static_cast<uint32_t>(m_homes.size());
    Home h;
    h.address = s == 0 ? Ipv6Address::GetAny() : HomeAddress(m_homes[0].address, s);
    h.app = m_homeFactory.Create<Mip6tlsHomeApplication>();
    if (s > 0)
    {
        Ptr<Ipv6> ip = NodeIpv6(m_homeNode);
        ip->AddAddress(m_homeIf, Ipv6InterfaceAddress(h.address, m_homeIfPrefix));
        NS_LOG_INFO("home application " << s << " at " << h.address);
        h.app->SetAttribute("Address", Ipv6AddressValue(h.address));
        // The first one's start and stop times, as set on InstallHome's container so far.
        TimeValue start, stop;
        m_homes[0].app->GetAttribute("StartTime", start);
        m_homes[0].app->GetAttribute("StopTime", stop);
        h.app->SetAttribute("StartTime", start);
        h.app->SetAttribute("StopTime", stop);
    }
    h.app->SetAttribute("HomePrefix", Ipv6AddressValue(m_homePrefix));
    h.app->SetAttribute("HomePrefixLength", UintegerValue(m_homePrefixLen));
    // Tables for its MNs: one SA each plus room for a renewal each.
    h.app->SetAttribute("MaxSas", UintegerValue(2 * m_perHome));
    h.app->SetAttribute("MaxTlsSessions", UintegerValue(std::min<uint32_t>(m_perHome, 16)));
    h.cred.chainPem = m_chainPem;
    h.cred.keyPem = m_keyPem;
    m_homeNode->AddApplication(h.app);
    Ptr<VirtualNetDevice> tun = m_tunnels[m_homeNode->GetId()];
    h.app->TraceConnectWithoutContext("Deliver", MakeBoundCallback(&TunDeliver, tun));
    m_homes.push_back(h);
    return s;
}

// The home application the next MN goes to: the least loaded one with room (so MNs installed
// together are spread over the home applications Install(NodeContainer) made room for, and
// their bootstraps over the HACs), or a new one.
uint32_t
Mip6tlsHelper::PickHome()
{
    uint32_t best = static_cast<uint32_t>(m_homes.size());
    for (uint32_t s = 0; s < m_homes.size(); s++)
    {
        size_t n = m_homes[s].cred.mns.size();
        if (n < m_perHome && (best == m_homes.size() || n < m_homes[best].cred.mns.size()))
        {
            best = s;
        }
    }
    return best < m_homes.size() ? best : AddHome();
}

ApplicationContainer
Mip6tlsHelper::Install(NodeContainer nodes)
{
    NS_ABORT_MSG_IF(m_homes.empty(), "Mip6tlsHelper: InstallHome before the MNs");
    // Room for all of them first, so PickHome spreads them over the home applications.
    size_t total = m_mobiles.size() + nodes.GetN();
    while (m_homes.size() * m_perHome < total)
    {
        AddHome();
    }
    ApplicationContainer apps;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        uint32_t k = static_cast<uint32_t>(m_mobiles.size()) + 1;
        Mip6tlsMnRecord id;
        id.nai = "mn" + std::to_string(k) + "@" + m_realm;
        id.psk = "mip6tls test psk " + std::to_string(k);
        id.hoa = AddToAddress(m_homePrefix, 0xff + k);
        apps.Add(Install(*it, id));
    }
    return apps;
}

ApplicationContainer
Mip6tlsHelper::Install(Ptr<Node> node, const Mip6tlsMnRecord& identity)
{
    NS_ABORT_MSG_IF(m_homes.empty(), "Mip6tlsHelper: InstallHome before the MNs");
    NS_ABORT_MSG_IF(m_anchorsPem.empty() || m_hacName.empty(),
                    "Mip6tlsHelper: SetMnTrust before installing MNs");
    NS_ABORT_MSG_UNLESS(identity.hoa.CombinePrefix(Ipv6Prefix(m_homePrefixLen)) == m_homePrefix,
                        "Mip6tlsHelper: home address " << identity.hoa
                                                       << " is outside the home prefix "
                                                       << m_homePrefix << "/"
                                                       << unsigned(m_homePrefixLen));
    NS_ABORT_MSG_IF(m_shared->homeOf.count(identity.hoa),
                    "Mip6tlsHelper: home address " << identity.hoa << " given twice");
    NS_ABORT_MSG_IF(identity.nai.empty() || identity.psk.empty(),
                    "Mip6tlsHelper: MN " << identity.hoa << " without NAI or PSK");

    uint32_t s = PickHome();
    Home& h = m_homes[s];
    h.cred.mns.push_back(identity);
    h.app->SetCredentials(h.cred); // the table grows with each MN; read at start
    m_shared->homeOf[identity.hoa] = h.app;

    Ptr<Mip6tlsMnApplication> mn = m_mnFactory.Create<Mip6tlsMnApplication>();
    mn->SetAttribute("HacAddress", Ipv6AddressValue(h.address));
    Mip6tlsMnCredentials mc;
    mc.trustAnchorsPem = m_anchorsPem;
    mc.hacName = m_hacName;
    mc.nai = identity.nai;
    mc.psk = identity.psk;
    mn->SetCredentials(mc);
    node->AddApplication(mn);

    // The MN side of the tunnel: the home address, and everything but the HA into it.
    Ptr<VirtualNetDevice> tun = AddTunnel(node, identity.hoa, false);
    Ptr<MnTunnel> end = Create<MnTunnel>();
    end->app = mn;
    m_shared->mns.push_back(end);
    tun->SetSendCallback(MakeBoundCallback(&Mip6tlsHelper::MnSend, m_shared, end));
    mn->TraceConnectWithoutContext("Deliver", MakeBoundCallback(&TunDeliver, tun));
    Ipv6StaticRoutingHelper rh;
    Ptr<Ipv6> ip = NodeIpv6(node);
    Ptr<Ipv6StaticRouting> rt = rh.GetStaticRouting(ip);
    if (rt)
    {
        rt->SetDefaultRoute(Ipv6Address::GetAny(),
                            static_cast<uint32_t>(ip->GetInterfaceForDevice(tun)));
    }
    else
    {
        NS_LOG_WARN("node " << node->GetId() << ": no static routing, no default route set");
    }

    m_mobiles.push_back({mn, identity, s});
    return ApplicationContainer(mn);
}

int64_t
Mip6tlsHelper::AssignStreams(NodeContainer nodes, int64_t stream)
{
    int64_t used = 0;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<Node> n = *it;
        for (uint32_t a = 0; a < n->GetNApplications(); a++)
        {
            Ptr<Application> app = n->GetApplication(a);
            if (Ptr<Mip6tlsHomeApplication> h = DynamicCast<Mip6tlsHomeApplication>(app))
            {
                used += h->AssignStreams(stream + used);
            }
            else if (Ptr<Mip6tlsMnApplication> m = DynamicCast<Mip6tlsMnApplication>(app))
            {
                used += m->AssignStreams(stream + used);
            }
        }
    }
    return used;
}

ApplicationContainer
Mip6tlsHelper::GetHomeApplications() const
{
    ApplicationContainer c;
    for (const auto& h : m_homes)
    {
        c.Add(h.app);
    }
    return c;
}

uint32_t
Mip6tlsHelper::GetNMobiles() const
{
    return static_cast<uint32_t>(m_mobiles.size());
}

Ptr<Mip6tlsMnApplication>
Mip6tlsHelper::GetMobile(uint32_t i) const
{
    return m_mobiles.at(i).app;
}

const Mip6tlsMnRecord&
Mip6tlsHelper::GetIdentity(uint32_t i) const
{
    return m_mobiles.at(i).identity;
}

Ipv6Address
Mip6tlsHelper::GetHaAddress(uint32_t i) const
{
    return m_homes.at(m_mobiles.at(i).home).address;
}

Ptr<Mip6tlsHomeApplication>
Mip6tlsHelper::GetHomeOf(uint32_t i) const
{
    return m_homes.at(m_mobiles.at(i).home).app;
}

Ptr<VirtualNetDevice>
Mip6tlsHelper::GetTunnel(Ptr<Node> node) const
{
    auto it = m_tunnels.find(node->GetId());
    return it == m_tunnels.end() ? nullptr : it->second;
}

uint32_t
Mip6tlsHelper::GetTunnelInterface(Ptr<Node> node) const
{
    Ptr<VirtualNetDevice> d = GetTunnel(node);
    NS_ABORT_MSG_UNLESS(d, "Mip6tlsHelper: node " << node->GetId() << " has no tunnel");
    return static_cast<uint32_t>(NodeIpv6(node)->GetInterfaceForDevice(d));
}

void
Mip6tlsHelper::EnableTunnelPcap(const std::string& file, Ptr<Node> node) const
{
    Ptr<VirtualNetDevice> d = GetTunnel(node);
    NS_ABORT_MSG_UNLESS(d, "Mip6tlsHelper: node " << node->GetId() << " has no tunnel");
    PcapHelper ph;
    Ptr<PcapFileWrapper> f = ph.CreateFile(file, std::ios::out, PcapHelper::DLT_RAW);
    ph.HookDefaultSink<VirtualNetDevice>(d, "Sniffer", f); // out of the tunnel
    ph.HookDefaultSink<VirtualNetDevice>(d, "MacTx", f);   // into it (refused ones too)
}

uint64_t
Mip6tlsHelper::GetUpRefused() const
{
    return m_shared->upRefused;
}

uint64_t
Mip6tlsHelper::GetDownRefused() const
{
    return m_shared->downRefused;
}

// A datagram the core asks for while it is tunnelling is an outer packet: it must never come
// back into the tunnel. It does when the route towards the other end is missing and the
// default route points into the tunnel (an MN between two links: its CoA and the host route
// to the HA are gone), and it would be encapsulated again, without end. Such packets are
// refused: they are lost like any packet without a route.
bool
Mip6tlsHelper::HaSend(Ptr<Shared> sh, Ptr<Packet> p, const Address&, const Address&, uint16_t)
{
    Ipv6Address dst;
    if (sh->haSending || !Tunnelable(p, &dst))
    {
        sh->downRefused += sh->haSending ? 1 : 0;
        return false;
    }
    auto it = sh->homeOf.find(dst);
    int rc = MIP6TLS_ERR_NOTFOUND;
    if (it != sh->homeOf.end())
    {
        sh->haSending = true;
        rc = it->second->SendToMobile(p);
        sh->haSending = false;
    }
    if (rc != 0)
    {
        sh->downRefused++;
    }
    return rc == 0;
}

bool
Mip6tlsHelper::MnSend(Ptr<Shared> sh,
                      Ptr<MnTunnel> mn,
                      Ptr<Packet> p,
                      const Address&,
                      const Address&,
                      uint16_t)
{
    Ipv6Address dst;
    if (mn->sending || !mn->app || !Tunnelable(p, &dst))
    {
        sh->upRefused += mn->sending ? 1 : 0;
        return false;
    }
    mn->sending = true;
    int rc = mn->app->SendInner(p);
    mn->sending = false;
    if (rc != 0)
    {
        sh->upRefused++;
    }
    return rc == 0;
}

} // namespace ns3
