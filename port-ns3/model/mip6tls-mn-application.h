/*
 * mip6tls-mn-application.h: the RFC 6618 Mobile Node as an ns-3 Application.
 *
 * Holds a mip6tls_mn context (and its bootstrap with the HAC) by value and performs the
 * actions it asks for with ns-3 sockets: one UDP socket bound to the care-of address for the
 * RFC 6618 BU/BA and data path, one TCP socket per bootstrap attempt (TLS to the HAC), one
 * EventId following mip6tls_mn_next_deadline(). The context's DRBG is seeded from an ns-3
 * random stream (AssignStreams), so a run is reproducible bit for bit.
 *
 * The care-of address is IPv6 or IPv4 (DSMIPv6, RFC 5555): with an IPv4 CoA the UDP socket is
 * an IPv4 one, the BUs carry the IPv4 CoA option and go to the HA's IPv4 address from the SA,
 * the core sends NAT keepalives, and the bootstrap connects over IPv4 TCP to HacAddressV4, so
 * an MN in an IPv4-only visited network needs no IPv6 route at all.
 *
 * Inner packets (IPv6 or IPv4) the MN receives through the tunnel are counted and reported on
 * the "Deliver" trace source; a scenario injects them into a VirtualNetDevice
 * (mip6tlsutil::InnerProtocol tells the EtherType).
 */
#ifndef MIP6TLS_MN_APPLICATION_H
#define MIP6TLS_MN_APPLICATION_H

#include "mip6tls-ns3-util.h"

#include "mip6tls/boot.h"
#include "mip6tls/cred.h"
#include "mip6tls/drbg.h"
#include "mip6tls/esp.h"
#include "mip6tls/hacp.h"
#include "mip6tls/mn.h"
#include "mip6tls/outbox.h"
#include "mip6tls/tls.h"

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <string>
#include <vector>

namespace ns3
{

/**
 * What an MN needs to authenticate to its HAC (RFC 6618 §5): the trust anchors that verify
 * the HAC's certificate, the HAC's DNS name to check, the NAI and the §5.8 pre-shared key.
 */
struct Mip6tlsMnCredentials
{
    std::string trustAnchorsPem; //!< PEM certificate(s) of the CA(s) the MN trusts
    std::string hacName;         //!< DNS name the HAC certificate must carry
    std::string nai;             //!< the MN's NAI (mn-id)
    std::string psk;             //!< the RFC 6618 §5.8 pre-shared key
};

/**
 * \brief The Mobile Node role of RFC 6618 over ns-3 sockets.
 *
 * Attributes: HacAddress, HacAddressV4 (the HAC over IPv4, for IPv4 care-of addresses;
 * 0.0.0.0: none), HacPort, CareOfAddress (:: = the node's first global IPv6 address),
 * CareOfAddressV4 (0.0.0.0: none; when set, the MN starts with this IPv4 CoA instead),
 * LocalPort, BindingLifetime, SaRenewMargin, KeepaliveInterval (NAT keepalives on IPv4 or
 * NATed paths), FirstRegTimeout, Suites (ESP suites proposed), Nai and Psk (override
 * SetCredentials), WallClockOffset. Trace sources: RoleEvent (every core event) and Deliver
 * (inner packets out of the tunnel).
 */
class Mip6tlsMnApplication : public Application
{
  public:
    static TypeId GetTypeId();
    Mip6tlsMnApplication();
    ~Mip6tlsMnApplication() override;

    /** Must be called before the application starts. */
    void SetCredentials(const Mip6tlsMnCredentials& cred);

    /** Uses stream `stream` for the DRBG seed; returns the number of streams used (1). */
    int64_t AssignStreams(int64_t stream);

    /**
     * Reverse-tunnels the inner IP packet `pkt` (source: the MN's home address) to the HA
     * (mip6tls_mn_send). Returns 0 or the core's (negative) drop reason.
     */
    int SendInner(Ptr<const Packet> pkt);

    /**
     * The MN moved: `coa` is its new care-of address (already configured on a NetDevice of
     * the node). Closes the UDP socket, opens one bound to `coa` and LocalPort, and tells the
     * core (mip6tls_mn_set_coa: one BU, no new bootstrap). The same address again does
     * nothing. Must be called while the application runs; returns 0 or the core's error.
     */
    int SetCareOfAddress(Ipv6Address coa);
    /**
     * The same for an IPv4 care-of address (RFC 5555 §4.1: the MN is in an IPv4-only
     * network): the UDP socket becomes an IPv4 one and the BU carries the IPv4 CoA option.
     * Needs HacAddressV4 (a later bootstrap goes over IPv4). Returns 0 or the core's error.
     */
    int SetCareOfAddress(Ipv4Address coa);

    /** The care-of address and UDP port in use (InetSocketAddress for an IPv4 CoA,
     *  Inet6SocketAddress for an IPv6 one); meaningful once the application started. */
    Address GetCareOfEndpoint() const;

    /** Bootstrap attempts so far (TCP connections the core asked for). */
    uint32_t GetBootstrapAttempts() const;
    /**
     * Round trips of the bootstraps so far, counted on the MN's TCP connection: one for the
     * TCP handshake, plus one per flight the MN sent that an answer from the HAC followed.
     */
    uint32_t GetBootstrapRoundTrips() const;

    /** The core's state (mip6tls_mn_state), and its name. */
    int GetState() const;
    std::string GetStateName() const;
    /** Inner packets delivered out of the tunnel so far. */
    uint32_t GetDelivered() const;
    /** The core context, read-only. */
    const mip6tls_mn& GetContext() const;

    /** Signature of RoleEvent: role ('M'), core event code, conn/SPI, argument. */
    typedef void (*EventTracedCallback)(char role, uint16_t event, uint32_t conn, uint64_t arg);
    /** Signature of Deliver. */
    typedef void (*DeliverTracedCallback)(Ptr<const Packet> inner);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    void Drain();
    void Reschedule();
    void Tick();
    void OpenTcp(uint32_t conn, const mip6tls_endpoint& remote);
    void HandleUdpRead(Ptr<Socket> sock);
    void HandleConnected(Ptr<Socket> sock);
    void HandleConnectFailed(Ptr<Socket> sock);
    void HandleTcpRead(Ptr<Socket> sock);
    void HandleTcpClose(Ptr<Socket> sock);
    void HandleSendSpace(Ptr<Socket> sock, uint32_t avail);
    void ReportTcpClosed(uint32_t conn);
    void PointBootAt(const mip6tls_endpoint& coa);
    int Rebind(const mip6tls_endpoint& coa);

    // Attributes.
    Ipv6Address m_hacAddress;
    Ipv4Address m_hacAddressV4;
    uint16_t m_hacPort;
    Ipv6Address m_coaAddress;
    Ipv4Address m_coaAddressV4;
    uint16_t m_localPort;
    uint32_t m_bindingLifetimeS;
    uint32_t m_saRenewMarginS;
    uint32_t m_keepaliveMs;
    uint32_t m_firstRegTimeoutMs;
    std::string m_suites; //!< Suites: names, comma-separated
    std::string m_nai;    //!< Nai: overrides the credentials' NAI when set
    std::string m_psk;    //!< Psk: overrides the credentials' PSK when set
    std::vector<uint16_t> m_suiteCodes;
    int64_t m_wallOffsetMs;

    Mip6tlsMnCredentials m_cred;
    bool m_haveCred;
    bool m_running;
    Ptr<UniformRandomVariable> m_rng;

    // Core state (all by value; the core keeps pointers into these, so the application
    // object must not move: it never does, it lives behind a Ptr).
    mip6tls_esp_impl m_impl;
    mip6tls_drbg m_drbg;
    std::vector<uint8_t> m_credArena;
    mip6tls_cred m_anchors;
    mip6tls_tls_config m_tls;
    std::vector<uint8_t> m_tlsBuf;
    mip6tls_hacp_client_cfg m_hacp;
    mip6tls_boot_config m_boot;
    mip6tls_mn m_mn;
    mip6tls_action m_acts[MIP6TLS_MN_OUTBOX_ACTS];
    std::vector<uint8_t> m_arena;
    mip6tls_outbox m_ob;
    mip6tls_endpoint m_coa;

    // I/O.
    Ptr<Socket> m_udp;
    mip6tlsutil::TcpStream m_tcp;
    uint32_t m_tcpConn;
    EventId m_timer;
    uint32_t m_delivered;
    uint32_t m_bootAttempts;
    uint32_t m_bootRoundTrips;
    bool m_flightOut; //!< the MN sent TCP bytes not yet answered

    TracedCallback<char, uint16_t, uint32_t, uint64_t> m_eventTrace;
    TracedCallback<Ptr<const Packet>> m_deliverTrace;
};

} // namespace ns3

#endif
