/*
 * mip6tls-mn-application.cc: see mip6tls-mn-application.h. The port does what
 * tests/support/pump.c does in memory, with ns-3 sockets and the ns-3 scheduler.
 */
#include "mip6tls-mn-application.h"

#include "ns3/abort.h"
#include "ns3/integer.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/ipv6.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cstring>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("Mip6tlsMnApplication");
NS_OBJECT_ENSURE_REGISTERED(Mip6tlsMnApplication);

using mip6tlsutil::BindAddress;
using mip6tlsutil::NowMs;
using mip6tlsutil::ToAddress;
using mip6tlsutil::ToEndpoint;

TypeId
Mip6tlsMnApplication::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::Mip6tlsMnApplication")
            .SetParent<Application>()
            .SetGroupName("Mip6tls")
            .AddConstructor<Mip6tlsMnApplication>()
            .AddAttribute("HacAddress",
                          "IPv6 address of the Home Agent Controller (TLS over TCP).",
                          Ipv6AddressValue(Ipv6Address("2001:db8::1")),
                          MakeIpv6AddressAccessor(&Mip6tlsMnApplication::m_hacAddress),
                          MakeIpv6AddressChecker())
            .AddAttribute("HacAddressV4",
                          "IPv4 address of the Home Agent Controller, for bootstraps from an "
                          "IPv4 care-of address (an IPv4-only visited network); 0.0.0.0: none.",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&Mip6tlsMnApplication::m_hacAddressV4),
                          MakeIpv4AddressChecker())
            .AddAttribute("HacPort",
                          "TCP port of the HAC (RFC 6618 §5.1: 7872).",
                          UintegerValue(7872),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_hacPort),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("CareOfAddress",
                          "The care-of address to bind to; :: takes the node's first global "
                          "IPv6 address at start.",
                          Ipv6AddressValue(Ipv6Address::GetAny()),
                          MakeIpv6AddressAccessor(&Mip6tlsMnApplication::m_coaAddress),
                          MakeIpv6AddressChecker())
            .AddAttribute("CareOfAddressV4",
                          "An IPv4 care-of address to bind to at start (RFC 5555: the MN is in "
                          "an IPv4-only network; needs HacAddressV4); 0.0.0.0: none, the IPv6 "
                          "CareOfAddress is used.",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&Mip6tlsMnApplication::m_coaAddressV4),
                          MakeIpv4AddressChecker())
            .AddAttribute("LocalPort",
                          "UDP port of the MN's RFC 6618 socket (BU/BA and data).",
                          UintegerValue(40000),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_localPort),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("BindingLifetime",
                          "Binding lifetime the BUs ask for, in seconds (the MN refreshes at "
                          "3/4 of what the HA grants); 0: the core's 600.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_bindingLifetimeS),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("SaRenewMargin",
                          "Start a new bootstrap this long before the SA's validity end, in "
                          "seconds (RFC 6618 §4.3); 0: the core's 300.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_saRenewMarginS),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("FirstRegTimeout",
                          "InitialBindackTimeoutFirstReg (RFC 6275 §13): the first wait for "
                          "a BA, in ms, doubling per retransmission; 0: the core's 1500.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_firstRegTimeoutMs),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Suites",
                          "ESP suites the MN proposes to the HAC (RFC 6618 §5.6.5 names, "
                          "comma-separated, in order of preference); empty: every suite "
                          "the core implements.",
                          StringValue(""),
                          MakeStringAccessor(&Mip6tlsMnApplication::m_suites),
                          MakeStringChecker())
            .AddAttribute("Nai",
                          "The MN's NAI (mn-id, RFC 4282); empty: the one of SetCredentials().",
                          StringValue(""),
                          MakeStringAccessor(&Mip6tlsMnApplication::m_nai),
                          MakeStringChecker())
            .AddAttribute("Psk",
                          "The RFC 6618 §5.8 pre-shared key; empty: the one of "
                          "SetCredentials().",
                          StringValue(""),
                          MakeStringAccessor(&Mip6tlsMnApplication::m_psk),
                          MakeStringChecker())
            .AddAttribute("KeepaliveInterval",
                          "Period of the one-octet NAT keepalives the MN sends from an IPv4 "
                          "care-of address or behind a NAT (RFC 5555 §3.2.2), in ms; the HA's "
                          "NAT Detection refresh time caps it; 0: the core's 20000.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&Mip6tlsMnApplication::m_keepaliveMs),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("WallClockOffset",
                          "Unix time in ms at simulation time 0 (certificate validity, SA "
                          "lifetimes). Default 2027-01-01T00:00:00Z.",
                          IntegerValue(1798761600000LL),
                          MakeIntegerAccessor(&Mip6tlsMnApplication::m_wallOffsetMs),
                          MakeIntegerChecker<int64_t>())
            .AddTraceSource("RoleEvent",
                            "An event of the MN core (role 'M', event code, conn/SPI, arg).",
                            MakeTraceSourceAccessor(&Mip6tlsMnApplication::m_eventTrace),
                            "ns3::Mip6tlsMnApplication::EventTracedCallback")
            .AddTraceSource("Deliver",
                            "An inner packet out of the tunnel.",
                            MakeTraceSourceAccessor(&Mip6tlsMnApplication::m_deliverTrace),
                            "ns3::Mip6tlsMnApplication::DeliverTracedCallback");
    return tid;
}

Mip6tlsMnApplication::Mip6tlsMnApplication()
    : m_hacPort(7872),
      m_localPort(40000),
      m_bindingLifetimeS(0),
      m_saRenewMarginS(0),
      m_keepaliveMs(0),
      m_firstRegTimeoutMs(0),
      m_wallOffsetMs(0),
      m_haveCred(false),
      m_running(false),
      m_credArena(8192),
      m_tlsBuf(MIP6TLS_TLS_BUFSIZE),
      m_arena(2 * MIP6TLS_MN_OUTBOX_MIN),
      m_tcpConn(0),
      m_delivered(0),
      m_bootAttempts(0),
      m_bootRoundTrips(0),
      m_flightOut(false)
{
    NS_LOG_FUNCTION(this);
    m_rng = CreateObject<UniformRandomVariable>();
    std::memset(&m_mn, 0, sizeof m_mn);
    std::memset(&m_coa, 0, sizeof m_coa);
    mip6tls_outbox_init(&m_ob, m_acts, MIP6TLS_MN_OUTBOX_ACTS, m_arena.data(), m_arena.size());
}

Mip6tlsMnApplication::~Mip6tlsMnApplication()
{
    NS_LOG_FUNCTION(this);
}

void
Mip6tlsMnApplication::DoDispose()
{
    m_udp = nullptr;
    m_tcp = mip6tlsutil::TcpStream();
    m_rng = nullptr;
    Application::DoDispose();
}

void
Mip6tlsMnApplication::SetCredentials(const Mip6tlsMnCredentials& cred)
{
    m_cred = cred;
    m_haveCred = true;
}

int64_t
Mip6tlsMnApplication::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

void
Mip6tlsMnApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_haveCred, "Mip6tlsMnApplication: SetCredentials() before start");
    uint64_t now = NowMs();

    mip6tls_esp_impl_detect(&m_impl);
    mip6tlsutil::SeedDrbg(m_rng, &m_drbg); /* same seed and run, same bytes */

    mip6tls_cred_init(&m_anchors, m_credArena.data(), m_credArena.size());
    NS_ABORT_MSG_UNLESS(
        mip6tls_cred_add_anchors(&m_anchors,
                                 reinterpret_cast<const uint8_t*>(m_cred.trustAnchorsPem.data()),
                                 m_cred.trustAnchorsPem.size()) == 0 &&
            mip6tls_tls_config_client(&m_tls, &m_anchors, &m_impl) == 0,
        "Mip6tlsMnApplication: bad trust anchors");

    if (!m_nai.empty())
    {
        m_cred.nai = m_nai;
    }
    if (!m_psk.empty())
    {
        m_cred.psk = m_psk;
    }
    std::string bad = mip6tlsutil::ParseSuites(m_suites, &m_suiteCodes);
    NS_ABORT_MSG_UNLESS(bad.empty(), "Mip6tlsMnApplication: Suites: unknown suite \"" << bad
                                                                                 << "\"");
    std::memset(&m_hacp, 0, sizeof m_hacp);
    if (!m_suiteCodes.empty())
    {
        m_hacp.suites = m_suiteCodes.data();
        m_hacp.n_suites = m_suiteCodes.size();
    }
    m_hacp.nai = m_cred.nai.c_str();
    m_hacp.nai_len = m_cred.nai.size();
    m_hacp.methods = MIP6TLS_CTR_AM_PSK;
    m_hacp.psk = reinterpret_cast<const uint8_t*>(m_cred.psk.data());
    m_hacp.psk_len = m_cred.psk.size();
    m_hacp.scope = MIP6TLS_SAS_ALL;

    std::memset(&m_boot, 0, sizeof m_boot);
    m_boot.tls = &m_tls;
    m_boot.peer.dns = m_cred.hacName.c_str();
    m_boot.hac = ToEndpoint(m_hacAddress, m_hacPort);
    m_boot.hacp = &m_hacp;
    m_boot.tls_buf = m_tlsBuf.data();
    m_boot.tls_buf_len = m_tlsBuf.size();

    mip6tls_mn_config mc;
    std::memset(&mc, 0, sizeof mc);
    mc.unix_offset_ms = m_wallOffsetMs;
    mc.lifetime_s = m_bindingLifetimeS;
    mc.sa_renew_margin_s = m_saRenewMarginS;
    mc.keepalive_ms = m_keepaliveMs;
    mc.first_reg_timeout_ms = m_firstRegTimeoutMs;
    mc.boot = &m_boot;
    NS_ABORT_UNLESS(mip6tls_mn_init(&m_mn, now, &mc, &m_impl, &m_drbg, &m_ob) == 0);
    m_running = true;
    Drain();

    // The care-of address: static for now (the IPv4 attribute if set, else the IPv6 one, or
    // the node's first global IPv6 address).
    Ipv6Address coa = m_coaAddress;
    if (m_coaAddressV4 != Ipv4Address::GetAny())
    {
        m_coa = ToEndpoint(m_coaAddressV4, m_localPort);
    }
    else if (coa.IsAny())
    {
        Ptr<Ipv6> ip = GetNode()->GetObject<Ipv6>();
        NS_ABORT_MSG_UNLESS(ip, "Mip6tlsMnApplication: the node has no IPv6 stack");
        for (uint32_t i = 0; i < ip->GetNInterfaces() && coa.IsAny(); i++)
        {
            for (uint32_t j = 0; j < ip->GetNAddresses(i); j++)
            {
                Ipv6InterfaceAddress a = ip->GetAddress(i, j);
                if (a.GetScope() == Ipv6InterfaceAddress::GLOBAL)
                {
                    coa = a.GetAddress();
                    break;
                }
            }
        }
        NS_ABORT_MSG_IF(coa.IsAny(),
                        "Mip6tlsMnApplication: no global IPv6 address (set CareOfAddress, or "
                        "CareOfAddressV4 for an IPv4 care-of address)");
    }
    if (m_coaAddressV4 == Ipv4Address::GetAny())
    {
        m_coa = ToEndpoint(coa, m_localPort);
    }
    PointBootAt(m_coa);

    m_udp = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    NS_ABORT_MSG_UNLESS(m_udp->Bind(BindAddress(m_coa.addr, m_localPort)) == 0,
                        "Mip6tlsMnApplication: cannot bind the care-of address "
                            << ToAddress(m_coa));
    m_udp->SetRecvCallback(MakeCallback(&Mip6tlsMnApplication::HandleUdpRead, this));

    NS_LOG_INFO("MN care-of address " << ToAddress(m_coa));
    NS_ABORT_UNLESS(mip6tls_mn_set_coa(&m_mn, NowMs(), &m_coa, &m_ob) == 0);
    Drain();
}

void
Mip6tlsMnApplication::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_running = false;
    Simulator::Cancel(m_timer);
    if (m_udp)
    {
        m_udp->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_udp->Close();
    }
    if (m_tcp.sock && !m_tcp.closed)
    {
        m_tcp.closed = true; // first: Close may call back (RST -> error close)
        m_tcp.sock->Close();
    }
}

// Performs the outbox's actions in order, then re-arms the timer. Nothing here calls back
// into the core (a socket failure is reported from a fresh event), so the outbox is stable
// while it is walked.
void
Mip6tlsMnApplication::Drain()
{
    for (size_t i = 0; i < m_ob.n; i++)
    {
        const mip6tls_action* a = &m_acts[i];
        switch (a->type)
        {
        case MIP6TLS_ACT_SEND_DGRAM:
            NS_LOG_LOGIC("MN udp send " << a->len << " octets");
            m_udp->SendTo(Create<Packet>(a->data, a->len), 0, ToAddress(a->remote));
            break;
        case MIP6TLS_ACT_TCP_CONNECT:
            OpenTcp(a->conn, a->remote);
            break;
        case MIP6TLS_ACT_TCP_SEND:
            if (a->conn == m_tcpConn && m_tcp.sock)
            {
                m_tcp.Write(a->data, a->len);
                m_flightOut = true;
            }
            break;
        case MIP6TLS_ACT_TCP_CLOSE:
            if (a->conn == m_tcpConn && m_tcp.sock)
            {
                m_tcp.CloseByCore();
            }
            break;
        case MIP6TLS_ACT_DELIVER:
            m_delivered++;
            m_deliverTrace(Create<Packet>(a->data, a->len));
            break;
        case MIP6TLS_ACT_EVENT:
            NS_LOG_INFO("MN event " << a->event << " conn " << a->conn << " arg " << a->arg);
            if (a->event == MIP6TLS_MN_EV_STATE)
            {
                NS_LOG_INFO("MN state " << mip6tls_mn_state_name(static_cast<int>(a->arg)));
            }
            m_eventTrace('M', a->event, a->conn, a->arg);
            break;
        default:
            break; // IF_CONFIG: no tunnel device yet
        }
    }
    mip6tls_outbox_clear(&m_ob);
    Reschedule();
}

void
Mip6tlsMnApplication::Reschedule()
{
    Simulator::Cancel(m_timer);
    if (!m_running)
    {
        return;
    }
    uint64_t d = mip6tls_mn_next_deadline(&m_mn);
    if (d == MIP6TLS_NO_DEADLINE)
    {
        return;
    }
    uint64_t now = NowMs();
    uint64_t delay = d > now ? d - now : 0;
    m_timer = Simulator::Schedule(MilliSeconds(delay), &Mip6tlsMnApplication::Tick, this);
}

void
Mip6tlsMnApplication::Tick()
{
    uint64_t now = NowMs();
    // The core may leave timers due when the outbox filled up: drain and tick again.
    for (int guard = 0; guard < 64 && mip6tls_mn_next_deadline(&m_mn) <= now; guard++)
    {
        mip6tls_mn_tick(&m_mn, now, &m_ob);
        Drain();
    }
    Reschedule();
}

void
Mip6tlsMnApplication::OpenTcp(uint32_t conn, const mip6tls_endpoint& remote)
{
    mip6tlsutil::TcpStream old = m_tcp; // a previous attempt the core gave up on
    m_tcp = mip6tlsutil::TcpStream();
    if (old.sock && !old.closed)
    {
        old.sock->Close();
    }
    m_tcpConn = conn;
    m_bootAttempts++;
    m_bootRoundTrips++; // the TCP handshake
    m_flightOut = false;
    m_tcp.sock = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    Ptr<Socket> s = m_tcp.sock;
    s->SetConnectCallback(MakeCallback(&Mip6tlsMnApplication::HandleConnected, this),
                          MakeCallback(&Mip6tlsMnApplication::HandleConnectFailed, this));
    s->SetRecvCallback(MakeCallback(&Mip6tlsMnApplication::HandleTcpRead, this));
    s->SetCloseCallbacks(MakeCallback(&Mip6tlsMnApplication::HandleTcpClose, this),
                         MakeCallback(&Mip6tlsMnApplication::HandleTcpClose, this));
    s->SetSendCallback(MakeCallback(&Mip6tlsMnApplication::HandleSendSpace, this));
    NS_LOG_INFO("MN TCP connect " << conn << " to " << ToAddress(remote));
    if (s->Bind(BindAddress(m_coa.addr, 0)) != 0 || s->Connect(ToAddress(remote)) != 0)
    {
        m_tcp.closed = true;
        Simulator::ScheduleNow(&Mip6tlsMnApplication::ReportTcpClosed, this, conn);
    }
}

void
Mip6tlsMnApplication::ReportTcpClosed(uint32_t conn)
{
    if (!m_running)
    {
        return;
    }
    mip6tls_mn_tcp_closed(&m_mn, NowMs(), conn, &m_ob);
    Drain();
}

void
Mip6tlsMnApplication::HandleConnected(Ptr<Socket> sock)
{
    if (sock != m_tcp.sock || !m_running)
    {
        return;
    }
    NS_LOG_INFO("MN TCP " << m_tcpConn << " connected");
    mip6tls_mn_tcp_connected(&m_mn, NowMs(), m_tcpConn, &m_ob);
    Drain();
}

void
Mip6tlsMnApplication::HandleConnectFailed(Ptr<Socket> sock)
{
    if (sock != m_tcp.sock || !m_running)
    {
        return;
    }
    m_tcp.closed = true;
    Simulator::ScheduleNow(&Mip6tlsMnApplication::ReportTcpClosed, this, m_tcpConn);
}

void
Mip6tlsMnApplication::HandleTcpRead(Ptr<Socket> sock)
{
    Ptr<Packet> p;
    uint8_t buf[4096];
    while ((p = sock->Recv(sizeof buf, 0)) && p->GetSize() > 0)
    {
        if (sock != m_tcp.sock || m_tcp.closedByCore || !m_running)
        {
            continue; // a stale attempt: discard
        }
        uint32_t n = p->CopyData(buf, sizeof buf);
        if (m_flightOut)
        {
            m_bootRoundTrips++; // the HAC answered a flight of the MN
            m_flightOut = false;
        }
        int rc = mip6tls_mn_tcp_recv(&m_mn, NowMs(), m_tcpConn, buf, n, &m_ob);
        NS_ABORT_MSG_IF(rc != 0, "mip6tls_mn_tcp_recv: " << mip6tls_strerror(rc));
        Drain();
    }
}

void
Mip6tlsMnApplication::HandleTcpClose(Ptr<Socket> sock)
{
    if (sock != m_tcp.sock)
    {
        return;
    }
    bool report = !m_tcp.closedByCore;
    if (!m_tcp.closed)
    {
        m_tcp.closed = true; // first: Close may call back (RST -> error close)
        m_tcp.sock->Close();
    }
    if (report)
    {
        // From a fresh event: ns-3 may be inside this socket's code, or inside Drain().
        Simulator::ScheduleNow(&Mip6tlsMnApplication::ReportTcpClosed, this, m_tcpConn);
    }
}

void
Mip6tlsMnApplication::HandleSendSpace(Ptr<Socket> sock, uint32_t /* avail */)
{
    if (sock == m_tcp.sock)
    {
        m_tcp.Flush();
    }
}

void
Mip6tlsMnApplication::HandleUdpRead(Ptr<Socket> sock)
{
    mip6tlsutil::ForEachDatagram(sock, [&](uint8_t* buf, size_t len, const Address& from) {
        if (!m_running)
        {
            return;
        }
        mip6tls_endpoint remote = ToEndpoint(from);
        // Decrypted in place: DELIVER actions point into buf until Drain() returns.
        mip6tls_mn_recv(&m_mn, NowMs(), &m_coa, &remote, buf, len, &m_ob);
        Drain();
    });
}

int
Mip6tlsMnApplication::SendInner(Ptr<const Packet> pkt)
{
    std::vector<uint8_t> buf = mip6tlsutil::Bytes(pkt);
    int rc = mip6tls_mn_send(&m_mn, NowMs(), buf.data(), buf.size(), &m_ob);
    Drain();
    return rc;
}

// The bootstrap connects to the HAC in the care-of address's family (boot.h reads the
// endpoint when an attempt starts, so a later attempt follows a change of family).
void
Mip6tlsMnApplication::PointBootAt(const mip6tls_endpoint& coa)
{
    if (coa.addr.family == MIP6TLS_AF_INET)
    {
        NS_ABORT_MSG_IF(m_hacAddressV4 == Ipv4Address::GetAny(),
                        "Mip6tlsMnApplication: an IPv4 care-of address needs HacAddressV4");
        m_boot.hac = ToEndpoint(m_hacAddressV4, m_hacPort);
    }
    else
    {
        m_boot.hac = ToEndpoint(m_hacAddress, m_hacPort);
    }
}

// A fresh socket on the new care-of address, then the core's BU. Datagrams still in flight to
// the old CoA are lost with the old link anyway.
int
Mip6tlsMnApplication::Rebind(const mip6tls_endpoint& coa)
{
    if (m_udp)
    {
        m_udp->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_udp->Close();
    }
    m_udp = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    NS_ABORT_MSG_UNLESS(m_udp->Bind(BindAddress(coa.addr, m_localPort)) == 0,
                        "Mip6tlsMnApplication: cannot bind the care-of address "
                            << ToAddress(coa));
    m_udp->SetRecvCallback(MakeCallback(&Mip6tlsMnApplication::HandleUdpRead, this));
    m_coa = coa;
    PointBootAt(m_coa);
    NS_LOG_INFO("MN new care-of address " << ToAddress(m_coa));
    int rc = mip6tls_mn_set_coa(&m_mn, NowMs(), &m_coa, &m_ob);
    Drain();
    return rc;
}

int
Mip6tlsMnApplication::SetCareOfAddress(Ipv6Address coa)
{
    NS_ABORT_MSG_UNLESS(m_running, "Mip6tlsMnApplication::SetCareOfAddress: not running");
    if (m_coa.addr.family == MIP6TLS_AF_INET6 && coa == mip6tlsutil::ToIpv6(m_coa.addr))
    {
        return 0;
    }
    m_coaAddress = coa;
    return Rebind(ToEndpoint(coa, m_localPort));
}

int
Mip6tlsMnApplication::SetCareOfAddress(Ipv4Address coa)
{
    NS_ABORT_MSG_UNLESS(m_running, "Mip6tlsMnApplication::SetCareOfAddress: not running");
    if (m_coa.addr.family == MIP6TLS_AF_INET && coa == mip6tlsutil::ToIpv4(m_coa.addr))
    {
        return 0;
    }
    m_coaAddressV4 = coa;
    return Rebind(ToEndpoint(coa, m_localPort));
}

Address
Mip6tlsMnApplication::GetCareOfEndpoint() const
{
    return ToAddress(m_coa);
}

uint32_t
Mip6tlsMnApplication::GetBootstrapAttempts() const
{
    return m_bootAttempts;
}

uint32_t
Mip6tlsMnApplication::GetBootstrapRoundTrips() const
{
    return m_bootRoundTrips;
}

int
Mip6tlsMnApplication::GetState() const
{
    mip6tls_mn_status st;
    mip6tls_mn_get_status(&m_mn, &st);
    return st.state;
}

std::string
Mip6tlsMnApplication::GetStateName() const
{
    return mip6tls_mn_state_name(GetState());
}

uint32_t
Mip6tlsMnApplication::GetDelivered() const
{
    return m_delivered;
}

const mip6tls_mn&
Mip6tlsMnApplication::GetContext() const
{
    return m_mn;
}

} // namespace ns3
