/*
 * mip6tls-home-application.h: the home side of RFC 6618 as one ns-3 Application, a Home
 * Agent Controller and a Home Agent co-located on one node (docs/architecture.md, "How the
 * roles meet").
 *
 * The HAC listens on TCP (default 7872) for the MNs' TLS bootstraps; the HA receives the
 * RFC 6618 UDP encapsulation on UDP (default 7872). A provisioned SA (SA_INSTALL) goes
 * straight into the HA in the same instant; SA_PERSIST/SA_FORGET go to an in-memory store.
 * One EventId follows the earlier of the two contexts' deadlines, and both draw from one DRBG
 * seeded from an ns-3 random stream (AssignStreams).
 *
 * With AddressV4 set, the home node is dual-stack (DSMIPv6, RFC 5555): the HAC listens on
 * IPv4 TCP as well and the HA on IPv4 UDP (same Port), AddressV4 goes to MNs as the HA's IPv4
 * address (RFC 6618 §5.7.1) and, per MN, an IPv4 home address (Mip6tlsMnRecord::hoa4). The HA
 * answers on the socket of the family the MN's packet came in on, to its outer source.
 *
 * Inner packets (IPv6 or IPv4) the HA decapsulates are counted and reported on the "Deliver"
 * trace source; a scenario injects them into a VirtualNetDevice (mip6tlsutil::InnerProtocol
 * tells the EtherType).
 */
#ifndef MIP6TLS_HOME_APPLICATION_H
#define MIP6TLS_HOME_APPLICATION_H

#include "mip6tls-ns3-util.h"

#include "mip6tls/cred.h"
#include "mip6tls/drbg.h"
#include "mip6tls/esp.h"
#include "mip6tls/ha.h"
#include "mip6tls/hac.h"
#include "mip6tls/hacp.h"
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

#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

/** One MN the HAC knows (RFC 6618 §5.8 PSK authentication) and the home addresses it gets
 *  (§5.7.3). */
struct Mip6tlsMnRecord
{
    std::string nai;
    std::string psk;
    Ipv6Address hoa;
    Ipv4Address hoa4 = Ipv4Address::GetAny(); //!< IPv4 home address (RFC 5555); 0.0.0.0: none
};

/** What the home side needs: the HAC's certificate chain and key (PEM), and its MNs. */
struct Mip6tlsHomeCredentials
{
    std::string chainPem; //!< end-entity certificate first, then the issuers
    std::string keyPem;   //!< the private key of the end-entity certificate
    std::vector<Mip6tlsMnRecord> mns;
};

/**
 * \brief A co-located RFC 6618 Home Agent Controller and Home Agent over ns-3 sockets.
 *
 * Attributes: Address (the HA/HAC IPv6 address, also sent to MNs in the SA), AddressV4 (the
 * same for IPv4; 0.0.0.0: IPv6 only), Port, HomePrefix/HomePrefixLength and
 * HomePrefixV4/HomePrefixV4Length (sent to MNs; 0.0.0.0: no IPv4 prefix), SaLifetime,
 * RekeyMargin, WallClockOffset, KeyLogFile (TLS key log for Wireshark), MaxSas and
 * MaxTlsSessions (table sizes, allocated at start), Suites (the HAC's ESP suite
 * preference). Trace sources: RoleEvent (HAC events with role 'C', HA events with role 'A')
 * and Deliver.
 */
class Mip6tlsHomeApplication : public Application
{
  public:
    static TypeId GetTypeId();
    Mip6tlsHomeApplication();
    ~Mip6tlsHomeApplication() override;

    /** Must be called before the application starts. */
    void SetCredentials(const Mip6tlsHomeCredentials& cred);

    /** Uses stream `stream` for the DRBG seed; returns the number of streams used (1). */
    int64_t AssignStreams(int64_t stream);

    /**
     * Tunnels the inner IP packet `pkt` (destination: an MN's home address) to that MN
     * (mip6tls_ha_send). Returns 0 or the core's (negative) drop reason.
     */
    int SendToMobile(Ptr<const Packet> pkt);

    /**
     * Asks the MN of SA `spi` for a new SA: its next BU under that SA gets BA 176
     * REINIT_SA_WITH_HAC (mip6tls_ha_request_rekey, RFC 6618 §4.3). Returns 0 or
     * MIP6TLS_ERR_NOTFOUND (or MIP6TLS_ERR_STATE before the application starts).
     */
    int RequestRekey(uint32_t spi);
    /** RequestRekey() for every SA the HA holds that no newer SA superseded; returns how many. */
    uint32_t RequestRekeyAll();

    uint32_t GetBindingCount() const; //!< mip6tls_ha_binding_count
    uint32_t GetHaSaCount() const;    //!< mip6tls_ha_sa_count
    uint32_t GetHacSaCount() const;   //!< mip6tls_hac_sa_count
    uint32_t GetPersistedCount() const;
    uint32_t GetDelivered() const; //!< inner packets the HA delivered
    const mip6tls_ha& GetHa() const;
    const mip6tls_hac& GetHac() const;

    /** Signature of RoleEvent: role ('C' HAC, 'A' HA), core event code, conn/SPI, arg. */
    typedef void (*EventTracedCallback)(char role, uint16_t event, uint32_t conn, uint64_t arg);
    /** Signature of Deliver. */
    typedef void (*DeliverTracedCallback)(Ptr<const Packet> inner);

  protected:
    void DoDispose() override;

  private:
    static const size_t kCache = 16;

    void StartApplication() override;
    void StopApplication() override;

    void DrainHac();
    void DrainHa();
    void Reschedule();
    void Tick();
    bool HandleAcceptRequest(Ptr<Socket> sock, const Address& from);
    void HandleAccept(Ptr<Socket> sock, const Address& from);
    void HandleTcpRead(Ptr<Socket> sock);
    void HandleTcpClose(Ptr<Socket> sock);
    void HandleSendSpace(Ptr<Socket> sock, uint32_t avail);
    void HandleUdpRead(Ptr<Socket> sock);
    void ReportTcpClosed(uint32_t conn);
    bool HasV4() const;

    // Attributes.
    Ipv6Address m_address;
    Ipv4Address m_addressV4;
    uint16_t m_port;
    Ipv6Address m_homePrefix;
    uint8_t m_homePrefixLen;
    Ipv4Address m_homePrefixV4;
    uint8_t m_homePrefixV4Len;
    uint32_t m_saLifetimeS;
    uint32_t m_rekeyMarginS;
    std::string m_suites; //!< Suites: the HAC's preference, names comma-separated
    std::vector<uint16_t> m_suiteCodes;
    uint32_t m_maxSas;      //!< MaxSas: SAs the HAC and the HA hold
    uint32_t m_maxSessions; //!< MaxTlsSessions: concurrent bootstraps
    int64_t m_wallOffsetMs;
    std::string m_keyLogPath;
    std::ofstream m_keyLog; //!< KeyLogFile, open while the application runs

    Mip6tlsHomeCredentials m_cred;
    bool m_haveCred;
    bool m_running;
    Ptr<UniformRandomVariable> m_rng;

    // Core state (by value; the application never moves, it lives behind a Ptr).
    mip6tls_esp_impl m_impl;
    mip6tls_drbg m_drbg;
    std::vector<uint8_t> m_credArena;
    mip6tls_cred m_hacCred;
    mip6tls_tls_config m_tls;
    std::vector<uint8_t> m_tlsCache;
    mip6tls_hacp_server_cfg m_policy;
    std::vector<mip6tls_hac_cred> m_creds;
    mip6tls_hac m_hac;
    std::vector<mip6tls_hac_session> m_sessions;
    std::vector<uint8_t> m_iobufs;
    std::vector<mip6tls_sa> m_hacSas;
    std::vector<uint32_t> m_hacIndex;
    mip6tls_action m_hacActs[64];
    std::vector<uint8_t> m_hacArena;
    mip6tls_outbox m_hacOb;
    mip6tls_ha m_ha;
    std::vector<mip6tls_ha_entry> m_haEntries;
    std::vector<uint32_t> m_haHeap;
    std::vector<uint32_t> m_haSpiBuckets;
    std::vector<uint32_t> m_haHoaBuckets;
    mip6tls_ha_cache_slot m_haCache[kCache];
    mip6tls_action m_haActs[64];
    std::vector<uint8_t> m_haArena;
    mip6tls_outbox m_haOb;
    std::map<uint32_t, std::vector<uint8_t>> m_store; //!< SA_PERSIST records by SPI

    // I/O.
    Ptr<Socket> m_listen;
    Ptr<Socket> m_udp;
    Ptr<Socket> m_listen4; //!< IPv4 TCP (HAC), only with AddressV4
    Ptr<Socket> m_udp4;    //!< IPv4 UDP (HA), only with AddressV4
    std::map<uint32_t, mip6tlsutil::TcpStream> m_conns;
    std::map<Ptr<Socket>, uint32_t> m_connIds;
    uint32_t m_nextConn;
    EventId m_timer;
    uint32_t m_delivered;

    TracedCallback<char, uint16_t, uint32_t, uint64_t> m_eventTrace;
    TracedCallback<Ptr<const Packet>> m_deliverTrace;
};

} // namespace ns3

#endif
