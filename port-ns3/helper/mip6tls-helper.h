/*
 * mip6tls-helper.h: installs the RFC 6618 roles on ns-3 nodes, the way ns-3's own *Helper
 * classes install applications (ObjectFactory attributes, Install(NodeContainer) returning an
 * ApplicationContainer, AssignStreams).
 *
 * The home side: a Mip6tlsHomeApplication (HAC + HA) on the home node, with the HAC's
 * certificate chain and key, and the HA-side tunnel: a VirtualNetDevice holding the home
 * prefix, whose send callback tunnels each inner packet to the MN owning its destination
 * (Mip6tlsHomeApplication::SendToMobile) and into which the application's Deliver trace
 * injects the decapsulated packets. Forwarding is on, so correspondents reach the home
 * addresses through the home node.
 *
 * Each MN: a Mip6tlsMnApplication with its trust anchors, NAI and PSK (RFC 6618 §5.8; the
 * NAI/PSK/home address record is provisioned into the home application's credential table),
 * and the MN-side tunnel: a VirtualNetDevice carrying the home address, whose send callback is
 * Mip6tlsMnApplication::SendInner and into which the Deliver trace injects. The MN node gets a
 * default route into the tunnel; the host route to its HA over the current access link is the
 * scenario's (it knows the access routers).
 *
 * Capacity: the helper puts at most SetMobilesPerHome() MNs (default 1024) on one home
 * application, sizing its tables (MaxSas: one SA each plus room for a renewal each;
 * MaxTlsSessions up to 16), and adds further home applications on the home node as needed,
 * each with
 * its own address (see InstallHome) and its own HAC/HA tables; Install(NodeContainer) makes
 * room for all its nodes first and spreads them round-robin. All of them share the one
 * HA-side tunnel device and the home prefix.
 *
 * Order: InstallHome once, then Install the MNs, all before the simulation starts (a home
 * application reads its credential table when it starts). Further home applications copy the
 * first one's StartTime and StopTime when they are created; set the times on InstallHome's
 * container before installing the MNs, or on GetHomeApplications() afterwards.
 */
#ifndef MIP6TLS_HELPER_H
#define MIP6TLS_HELPER_H

#include "mip6tls-home-application.h"
#include "mip6tls-mn-application.h"

#include "ns3/application-container.h"
#include "ns3/ipv6-address.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ns3/simple-ref-count.h"
#include "ns3/virtual-net-device.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \brief Installs Mip6tlsHomeApplication and Mip6tlsMnApplication with their credentials and
 * RFC 6618 tunnel devices.
 */
class Mip6tlsHelper
{
  public:
    Mip6tlsHelper();

    /** An attribute of every Mip6tlsHomeApplication the helper creates (not Address). */
    void SetHomeAttribute(const std::string& name, const AttributeValue& value);
    /** An attribute of every Mip6tlsMnApplication the helper creates (not HacAddress). */
    void SetMnAttribute(const std::string& name, const AttributeValue& value);

    /** The HAC's certificate chain (end entity first) and private key, PEM. */
    void SetHomeCredentials(const std::string& chainPem, const std::string& keyPem);
    /** What each MN trusts (CA certificates, PEM) and the DNS name the HAC must carry. */
    void SetMnTrust(const std::string& anchorsPem, const std::string& hacName);
    /**
     * The home network prefix (default 2001:db8:1::/64): the HA-side tunnel device holds
     * prefix::1, generated home addresses are prefix::100, ::101, ... in install order, and
     * every home application sends it to its MNs (its HomePrefix/HomePrefixLength).
     */
    void SetHomePrefix(Ipv6Address prefix, uint8_t length);
    /** Realm of the generated NAIs (default example.com): mn1@example.com, mn2@..., ... */
    void SetNaiRealm(const std::string& realm);
    /** At most `n` MNs per home application (1 .. 2^20; default 1024). */
    void SetMobilesPerHome(uint32_t n);

    /**
     * The home side on `node`, which must have IPv6 with `address` on one of its interfaces:
     * a Mip6tlsHomeApplication at `address` and the HA-side tunnel device. Further home
     * applications (beyond SetMobilesPerHome() MNs) get `address` plus s in bits 64-79
     * (2001:db8::1 -> 2001:db8::1:0:0:1, 2001:db8::2:0:0:1, ...), added to the same interface.
     * Call once. Returns the first home application.
     */
    ApplicationContainer InstallHome(Ptr<Node> node, Ipv6Address address);

    /**
     * One MN on each node, with a generated identity: NAI mn<k>@realm, PSK
     * "mip6tls test psk <k>" (test credentials), home address prefix::(0xff + k), where k
     * counts this helper's MNs from 1. Each node must have IPv6. Returns the MN applications.
     * Set each one's CareOfAddress (or give the node its access addresses before Install):
     * the default :: takes the node's first global address at start, which would be the
     * home address if the tunnel interface came first.
     */
    ApplicationContainer Install(NodeContainer nodes);
    /** One MN on `node` with an explicit identity (its home address inside the home prefix). */
    ApplicationContainer Install(Ptr<Node> node, const Mip6tlsMnRecord& identity);

    /**
     * Fixes the random streams of the mip6tls applications on `nodes` (one each, in node and
     * application order) from `stream` on. Returns the number of streams used.
     */
    int64_t AssignStreams(NodeContainer nodes, int64_t stream);

    /** The home applications created so far (the first is InstallHome's). */
    ApplicationContainer GetHomeApplications() const;
    /** How many MNs were installed. */
    uint32_t GetNMobiles() const;
    /** MN `i` (install order): its application, identity, HA/HAC address and home app. */
    Ptr<Mip6tlsMnApplication> GetMobile(uint32_t i) const;
    const Mip6tlsMnRecord& GetIdentity(uint32_t i) const;
    Ipv6Address GetHaAddress(uint32_t i) const;
    Ptr<Mip6tlsHomeApplication> GetHomeOf(uint32_t i) const;
    /** The tunnel device the helper put on `node` (home or MN), or null; and its interface. */
    Ptr<VirtualNetDevice> GetTunnel(Ptr<Node> node) const;
    uint32_t GetTunnelInterface(Ptr<Node> node) const;
    /**
     * Captures the inner packets of `node`'s tunnel device into `file` (DLT_RAW): those coming
     * out of the tunnel (Sniffer) and those the stack hands to it (MacTx, which includes any
     * the core then refuses, see GetUpRefused/GetDownRefused).
     */
    void EnableTunnelPcap(const std::string& file, Ptr<Node> node) const;

    /**
     * Inner packets the MN side did not tunnel: the core refused them (no binding yet, wrong
     * source, ...), or they were the core's own outer datagrams routed back into the tunnel
     * (an MN with no route to its HA but the default one; see MnSend).
     */
    uint64_t GetUpRefused() const;
    /** The same on the home side (no such MN, no binding, ...). */
    uint64_t GetDownRefused() const;

  private:
    /** One MN's end of the tunnel, bound into its device's send callback. */
    struct MnTunnel : public SimpleRefCount<MnTunnel>
    {
        Ptr<Mip6tlsMnApplication> app;
        bool sending = false; //!< inside SendInner (see MnSend)
    };

    /**
     * What the tunnel callbacks share; outlives the helper (the callbacks hold it). The
     * applications and devices point at each other through it (Deliver trace -> device ->
     * send callback -> application), so Release() drops its application pointers when the
     * simulator is destroyed: otherwise those cycles would keep the devices, and the pcap
     * files hooked to them, from ever being freed and flushed.
     */
    struct Shared : public SimpleRefCount<Shared>
    {
        std::map<Ipv6Address, Ptr<Mip6tlsHomeApplication>> homeOf; //!< by home address
        std::vector<Ptr<MnTunnel>> mns;
        uint64_t upRefused = 0;
        uint64_t downRefused = 0;
        bool haSending = false; //!< inside SendToMobile (see HaSend)
    };
    static void Release(Ptr<Shared> sh);

    struct Home
    {
        Ptr<Mip6tlsHomeApplication> app;
        Ipv6Address address;
        Mip6tlsHomeCredentials cred; //!< with the MNs provisioned so far
    };

    struct Mobile
    {
        Ptr<Mip6tlsMnApplication> app;
        Mip6tlsMnRecord identity;
        uint32_t home; //!< index into m_homes
    };

    static bool HaSend(Ptr<Shared> sh, Ptr<Packet> p, const Address&, const Address&, uint16_t);
    static bool MnSend(Ptr<Shared> sh,
                       Ptr<MnTunnel> mn,
                       Ptr<Packet> p,
                       const Address&,
                       const Address&,
                       uint16_t);
    Ptr<VirtualNetDevice> AddTunnel(Ptr<Node> node, Ipv6Address addr, bool forwarding);
    uint32_t AddHome();
    uint32_t PickHome();

    ObjectFactory m_homeFactory;
    ObjectFactory m_mnFactory;
    std::string m_chainPem, m_keyPem, m_anchorsPem, m_hacName;
    Ipv6Address m_homePrefix;
    uint8_t m_homePrefixLen;
    std::string m_realm;
    uint32_t m_perHome;

    Ptr<Node> m_homeNode;
    uint32_t m_homeIf; //!< the interface holding the home applications' addresses
    Ipv6Prefix m_homeIfPrefix;
    std::vector<Home> m_homes;
    std::vector<Mobile> m_mobiles;
    std::map<uint32_t, Ptr<VirtualNetDevice>> m_tunnels; //!< by node id
    Ptr<Shared> m_shared;
};

} // namespace ns3

#endif
