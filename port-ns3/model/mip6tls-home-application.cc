/*
 * mip6tls-home-application.cc: see mip6tls-home-application.h. The home half of what
 * tests/support/pump.c does in memory, with ns-3 sockets and the ns-3 scheduler.
 */
#include "mip6tls-home-application.h"

#include "mip6tls/sa.h"

#include "ns3/abort.h"
#include "ns3/integer.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cstring>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("Mip6tlsHomeApplication");
NS_OBJECT_ENSURE_REGISTERED(Mip6tlsHomeApplication);

using mip6tlsutil::NowMs;
using mip6tlsutil::ToAddress;
using mip6tlsutil::ToEndpoint;

TypeId
Mip6tlsHomeApplication::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::Mip6tlsHomeApplication")
            .SetParent<Application>()
            .SetGroupName("Mip6tls")
            .AddConstructor<Mip6tlsHomeApplication>()
            .AddAttribute("Address",
                          "IPv6 address of the co-located HA and HAC (bound, and sent to MNs "
                          "as the HA address, RFC 6618 §5.7).",
                          Ipv6AddressValue(Ipv6Address("2001:db8::1")),
                          MakeIpv6AddressAccessor(&Mip6tlsHomeApplication::m_address),
                          MakeIpv6AddressChecker())
            .AddAttribute("AddressV4",
                          "IPv4 address of the co-located HA and HAC (DSMIPv6, RFC 5555): when "
                          "set, the HAC and the HA listen on it too (TCP and UDP Port) and it "
                          "is sent to MNs as the HA's IPv4 address; 0.0.0.0: IPv6 only.",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&Mip6tlsHomeApplication::m_addressV4),
                          MakeIpv4AddressChecker())
            .AddAttribute("Port",
                          "TCP port of the HAC and UDP port of the HA (RFC 6618: 7872).",
                          UintegerValue(7872),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_port),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("HomePrefix",
                          "The home network prefix sent to MNs (RFC 6618 §5.7).",
                          Ipv6AddressValue(Ipv6Address("2001:db8:1::")),
                          MakeIpv6AddressAccessor(&Mip6tlsHomeApplication::m_homePrefix),
                          MakeIpv6AddressChecker())
            .AddAttribute("HomePrefixLength",
                          "Length of HomePrefix.",
                          UintegerValue(64),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_homePrefixLen),
                          MakeUintegerChecker<uint8_t>(1, 128))
            .AddAttribute("HomePrefixV4",
                          "The IPv4 home network prefix sent to MNs (RFC 6618 §5.7.3); 0.0.0.0: "
                          "none.",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&Mip6tlsHomeApplication::m_homePrefixV4),
                          MakeIpv4AddressChecker())
            .AddAttribute("HomePrefixV4Length",
                          "Length of HomePrefixV4.",
                          UintegerValue(24),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_homePrefixV4Len),
                          MakeUintegerChecker<uint8_t>(1, 32))
            .AddAttribute("SaLifetime",
                          "Validity the HAC grants a new SA, in seconds.",
                          UintegerValue(86400),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_saLifetimeS),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("RekeyMargin",
                          "The HA answers a BU with 176 (new SA needed) when its SA's "
                          "validity ends sooner than this, in seconds; 0: the core's 300.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_rekeyMarginS),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("WallClockOffset",
                          "Unix time in ms at simulation time 0 (certificate validity, SA "
                          "lifetimes). Default 2027-01-01T00:00:00Z.",
                          IntegerValue(1798761600000LL),
                          MakeIntegerAccessor(&Mip6tlsHomeApplication::m_wallOffsetMs),
                          MakeIntegerChecker<int64_t>())
            .AddAttribute("Suites",
                          "ESP suites the HAC accepts, in its order of preference (RFC 6618 "
                          "§5.6.5 names, comma-separated); empty: the core's default (every "
                          "suite but the NULL-encryption ones).",
                          StringValue(""),
                          MakeStringAccessor(&Mip6tlsHomeApplication::m_suites),
                          MakeStringChecker())
            .AddAttribute("MaxSas",
                          "How many SAs the HAC and the HA hold (one per MN, two while one "
                          "is re-keyed); the tables are allocated when the application "
                          "starts (HA: about 370 octets per SA).",
                          UintegerValue(64),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_maxSas),
                          MakeUintegerChecker<uint32_t>(1, 1u << 22))
            .AddAttribute("MaxTlsSessions",
                          "How many bootstraps (TLS sessions) the HAC serves at once; more "
                          "are refused with 503 (RFC 6618 §5.5.6). Each takes a 16.7 KB TLS "
                          "buffer.",
                          UintegerValue(4),
                          MakeUintegerAccessor(&Mip6tlsHomeApplication::m_maxSessions),
                          MakeUintegerChecker<uint32_t>(1, 4096))
            .AddAttribute("KeyLogFile",
                          "Where to write the NSS key log of every TLS session the HAC "
                          "accepts (SSLKEYLOGFILE format, for Wireshark), appended to; "
                          "empty: none. The file holds secrets.",
                          StringValue(""),
                          MakeStringAccessor(&Mip6tlsHomeApplication::m_keyLogPath),
                          MakeStringChecker())
            .AddTraceSource("RoleEvent",
                            "An event of the HAC ('C') or HA ('A') core: role, event code, "
                            "conn/SPI, arg.",
                            MakeTraceSourceAccessor(&Mip6tlsHomeApplication::m_eventTrace),
                            "ns3::Mip6tlsHomeApplication::EventTracedCallback")
            .AddTraceSource("Deliver",
                            "An inner packet the HA decapsulated.",
                            MakeTraceSourceAccessor(&Mip6tlsHomeApplication::m_deliverTrace),
                            "ns3::Mip6tlsHomeApplication::DeliverTracedCallback");
    return tid;
}

Mip6tlsHomeApplication::Mip6tlsHomeApplication()
    : m_port(7872),
      m_homePrefixLen(64),
      m_homePrefixV4Len(24),
      m_saLifetimeS(86400),
      m_rekeyMarginS(0),
      m_maxSas(64),
      m_maxSessions(4),
      m_wallOffsetMs(0),
      m_haveCred(false),
      m_running(false),
      m_credArena(8192),
      m_tlsCache(MIP6TLS_TLS_CACHE_ENTRY * 16),
      m_hacArena(2 * MIP6TLS_HAC_OUTBOX_MIN),
      m_haArena(65536),
      m_nextConn(1),
      m_delivered(0)
{
    NS_LOG_FUNCTION(this);
    m_rng = CreateObject<UniformRandomVariable>();
    std::memset(&m_hac, 0, sizeof m_hac);
    std::memset(&m_ha, 0, sizeof m_ha);
    mip6tls_outbox_init(&m_hacOb, m_hacActs, 64, m_hacArena.data(), m_hacArena.size());
    mip6tls_outbox_init(&m_haOb, m_haActs, 64, m_haArena.data(), m_haArena.size());
}

Mip6tlsHomeApplication::~Mip6tlsHomeApplication()
{
    NS_LOG_FUNCTION(this);
}

void
Mip6tlsHomeApplication::DoDispose()
{
    m_listen = nullptr;
    m_udp = nullptr;
    m_listen4 = nullptr;
    m_udp4 = nullptr;
    m_conns.clear();
    m_connIds.clear();
    m_rng = nullptr;
    Application::DoDispose();
}

void
Mip6tlsHomeApplication::SetCredentials(const Mip6tlsHomeCredentials& cred)
{
    m_cred = cred;
    m_haveCred = true;
}

int64_t
Mip6tlsHomeApplication::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

void
Mip6tlsHomeApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_haveCred && !m_cred.mns.empty(),
                        "Mip6tlsHomeApplication: SetCredentials() with one MN at least");
    uint64_t now = NowMs();

    mip6tls_esp_impl_detect(&m_impl);
    mip6tlsutil::SeedDrbg(m_rng, &m_drbg); /* same seed and run, same bytes */

    // HAC: certificate and key, policy, the MNs it knows (sorted by NAI).
    mip6tls_cred_init(&m_hacCred, m_credArena.data(), m_credArena.size());
    NS_ABORT_MSG_UNLESS(
        mip6tls_cred_add_chain(&m_hacCred,
                               reinterpret_cast<const uint8_t*>(m_cred.chainPem.data()),
                               m_cred.chainPem.size()) == 0 &&
            mip6tls_cred_set_key(&m_hacCred,
                                 reinterpret_cast<const uint8_t*>(m_cred.keyPem.data()),
                                 m_cred.keyPem.size()) == 0 &&
            mip6tls_tls_config_server(&m_tls, &m_hacCred, &m_impl, m_tlsCache.data(),
                                      m_tlsCache.size()) == 0,
        "Mip6tlsHomeApplication: bad certificate chain or key");
    if (!m_keyLogPath.empty())
    {
        // The TLS driver then emits MIP6TLS_TLS_EV_KEYLOG once per handshake (DrainHac).
        // Appended: several home applications may share one file (Mip6tlsHelper).
        m_keyLog.open(m_keyLogPath, std::ios::out | std::ios::app);
        NS_ABORT_MSG_UNLESS(m_keyLog, "Mip6tlsHomeApplication: cannot write " << m_keyLogPath);
        mip6tls_tls_config_keylog(&m_tls, 1);
    }
    std::memset(&m_policy, 0, sizeof m_policy);
    m_policy.methods = MIP6TLS_CTR_AM_PSK;
    std::string bad = mip6tlsutil::ParseSuites(m_suites, &m_suiteCodes);
    NS_ABORT_MSG_UNLESS(bad.empty(), "Mip6tlsHomeApplication: Suites: unknown suite \"" << bad
                                                                                   << "\"");
    if (!m_suiteCodes.empty())
    {
        m_policy.suites = m_suiteCodes.data();
        m_policy.n_suites = m_suiteCodes.size();
    }
    m_creds.clear();
    for (const auto& r : m_cred.mns)
    {
        mip6tls_hac_cred c;
        std::memset(&c, 0, sizeof c);
        c.nai = r.nai.c_str();
        c.nai_len = r.nai.size();
        c.psk = reinterpret_cast<const uint8_t*>(r.psk.data());
        c.psk_len = r.psk.size();
        c.hoa6 = ToEndpoint(r.hoa, 0).addr;
        if (r.hoa4 != Ipv4Address::GetAny())
        {
            c.hoa4 = ToEndpoint(r.hoa4, 0).addr; // RFC 5555 IPv4 home address
        }
        m_creds.push_back(c);
    }
    std::sort(m_creds.begin(), m_creds.end(),
              [](const mip6tls_hac_cred& a, const mip6tls_hac_cred& b) {
                  return mip6tls_hac_cred_cmp(&a, &b) < 0;
              });

    mip6tls_hac_config hc;
    std::memset(&hc, 0, sizeof hc);
    hc.unix_offset_ms = m_wallOffsetMs;
    hc.tls = &m_tls;
    hc.hacp = &m_policy;
    hc.creds = m_creds.data();
    hc.n_creds = m_creds.size();
    hc.sa_lifetime_s = m_saLifetimeS;
    hc.ha6 = ToEndpoint(m_address, 0).addr;
    hc.port = m_port;
    hc.hnp6 = ToEndpoint(m_homePrefix, 0).addr;
    hc.hnp6_len = m_homePrefixLen;
    if (HasV4())
    {
        hc.ha4 = ToEndpoint(m_addressV4, 0).addr;
    }
    if (m_homePrefixV4 != Ipv4Address::GetAny())
    {
        hc.hnp4 = ToEndpoint(m_homePrefixV4, 0).addr;
        hc.hnp4_len = m_homePrefixV4Len;
    }
    // Tables sized by MaxSas / MaxTlsSessions, allocated once here and never moved.
    m_sessions.assign(m_maxSessions, mip6tls_hac_session{});
    m_iobufs.assign(size_t{m_maxSessions} * MIP6TLS_TLS_BUFSIZE, 0);
    m_hacSas.assign(m_maxSas, mip6tls_sa{});
    m_hacIndex.assign(mip6tls_ha_pow2(2 * size_t{m_maxSas}), 0);
    m_haEntries.assign(m_maxSas, mip6tls_ha_entry{});
    m_haHeap.assign(m_maxSas, 0);
    m_haSpiBuckets.assign(mip6tls_ha_pow2(m_maxSas), 0);
    m_haHoaBuckets.assign(mip6tls_ha_pow2(2 * size_t{m_maxSas}), 0);
    mip6tls_hac_storage hs;
    std::memset(&hs, 0, sizeof hs);
    hs.sessions = m_sessions.data();
    hs.n_sessions = m_sessions.size();
    hs.iobufs = m_iobufs.data();
    hs.sas = m_hacSas.data();
    hs.n_sas = m_hacSas.size();
    hs.spi_index = m_hacIndex.data();
    hs.n_index = m_hacIndex.size();
    NS_ABORT_UNLESS(mip6tls_hac_init(&m_hac, now, &hc, &m_drbg, &hs) == 0);

    // HA: the same addresses.
    mip6tls_ha_config ac;
    mip6tls_ha_config_default(&ac);
    ac.addr6 = hc.ha6;
    ac.addr4 = hc.ha4;
    ac.port = m_port;
    ac.unix_offset_ms = m_wallOffsetMs;
    ac.rekey_time_margin_s = m_rekeyMarginS;
    mip6tls_ha_storage as;
    std::memset(&as, 0, sizeof as);
    as.entries = m_haEntries.data();
    as.n_entries = m_haEntries.size();
    as.heap = m_haHeap.data();
    as.spi_buckets = m_haSpiBuckets.data();
    as.n_spi_buckets = m_haSpiBuckets.size();
    as.hoa_buckets = m_haHoaBuckets.data();
    as.n_hoa_buckets = m_haHoaBuckets.size();
    as.cache = m_haCache;
    as.n_cache = kCache;
    NS_ABORT_UNLESS(mip6tls_ha_init(&m_ha, &ac, &m_impl, &m_drbg, &as) == 0);
    m_running = true;

    m_udp = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    NS_ABORT_UNLESS(m_udp->Bind(Inet6SocketAddress(m_address, m_port)) == 0);
    m_udp->SetRecvCallback(MakeCallback(&Mip6tlsHomeApplication::HandleUdpRead, this));

    m_listen = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    NS_ABORT_UNLESS(m_listen->Bind(Inet6SocketAddress(m_address, m_port)) == 0);
    NS_ABORT_UNLESS(m_listen->Listen() == 0);
    m_listen->SetAcceptCallback(
        MakeCallback(&Mip6tlsHomeApplication::HandleAcceptRequest, this),
        MakeCallback(&Mip6tlsHomeApplication::HandleAccept, this));
    NS_LOG_INFO("HA/HAC at " << m_address << " port " << m_port);

    if (HasV4())
    {
        // DSMIPv6 (RFC 5555): the same services on the IPv4 address.
        m_udp4 = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
        NS_ABORT_MSG_UNLESS(m_udp4->Bind(InetSocketAddress(m_addressV4, m_port)) == 0,
                            "Mip6tlsHomeApplication: cannot bind UDP " << m_addressV4);
        m_udp4->SetRecvCallback(MakeCallback(&Mip6tlsHomeApplication::HandleUdpRead, this));
        m_listen4 = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        NS_ABORT_MSG_UNLESS(m_listen4->Bind(InetSocketAddress(m_addressV4, m_port)) == 0 &&
                                m_listen4->Listen() == 0,
                            "Mip6tlsHomeApplication: cannot listen on TCP " << m_addressV4);
        m_listen4->SetAcceptCallback(
            MakeCallback(&Mip6tlsHomeApplication::HandleAcceptRequest, this),
            MakeCallback(&Mip6tlsHomeApplication::HandleAccept, this));
        NS_LOG_INFO("HA/HAC at " << m_addressV4 << " port " << m_port);
    }
    Reschedule();
}

void
Mip6tlsHomeApplication::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_running = false;
    Simulator::Cancel(m_timer);
    if (m_keyLog.is_open())
    {
        m_keyLog.close();
    }
    if (m_udp)
    {
        m_udp->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_udp->Close();
    }
    if (m_listen)
    {
        m_listen->Close();
    }
    if (m_udp4)
    {
        m_udp4->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_udp4->Close();
    }
    if (m_listen4)
    {
        m_listen4->Close();
    }
    for (auto& c : m_conns)
    {
        if (!c.second.closed)
        {
            c.second.closed = true; // first: Close may call back
            c.second.sock->Close();
        }
    }
}

// The HAC's actions, in order. SA_INSTALL goes into the co-located HA at once (hac.h orders
// it before the response that carries the SA, so the HA knows the SA before the MN uses it).
void
Mip6tlsHomeApplication::DrainHac()
{
    for (size_t i = 0; i < m_hacOb.n; i++)
    {
        const mip6tls_action* a = &m_hacActs[i];
        switch (a->type)
        {
        case MIP6TLS_ACT_TCP_SEND: {
            auto it = m_conns.find(a->conn);
            if (it != m_conns.end())
            {
                it->second.Write(a->data, a->len);
            }
            break;
        }
        case MIP6TLS_ACT_TCP_CLOSE: {
            auto it = m_conns.find(a->conn);
            if (it != m_conns.end())
            {
                it->second.CloseByCore();
            }
            break;
        }
        case MIP6TLS_ACT_SA_INSTALL: {
            int rc = mip6tls_ha_install_action(&m_ha, NowMs(), a, &m_haOb);
            NS_ABORT_MSG_UNLESS(rc == 0, "HA refused an SA: " << mip6tls_strerror(rc));
            DrainHa();
            break;
        }
        case MIP6TLS_ACT_SA_PERSIST:
            m_store[a->conn] = std::vector<uint8_t>(a->data, a->data + a->len);
            break;
        case MIP6TLS_ACT_SA_FORGET:
            m_store.erase(a->conn);
            break;
        case MIP6TLS_ACT_EVENT:
            if (a->event == MIP6TLS_TLS_EV_KEYLOG && m_keyLog.is_open())
            {
                m_keyLog.write(reinterpret_cast<const char*>(a->data), a->len);
                m_keyLog.flush();
            }
            NS_LOG_INFO("HAC event " << a->event << " conn " << a->conn << " arg " << a->arg);
            m_eventTrace('C', a->event, a->conn, a->arg);
            break;
        default:
            break;
        }
    }
    mip6tls_outbox_clear(&m_hacOb);
    Reschedule();
}

void
Mip6tlsHomeApplication::DrainHa()
{
    for (size_t i = 0; i < m_haOb.n; i++)
    {
        const mip6tls_action* a = &m_haActs[i];
        switch (a->type)
        {
        case MIP6TLS_ACT_SEND_DGRAM: {
            // The socket of the family the MN's packet came in on (the core answers the outer
            // source of the newest authenticated packet).
            Ptr<Socket> s = a->remote.addr.family == MIP6TLS_AF_INET ? m_udp4 : m_udp;
            if (s)
            {
                s->SendTo(Create<Packet>(a->data, a->len), 0, ToAddress(a->remote));
            }
            break;
        }
        case MIP6TLS_ACT_DELIVER:
            m_delivered++;
            m_deliverTrace(Create<Packet>(a->data, a->len));
            break;
        case MIP6TLS_ACT_EVENT:
            NS_LOG_INFO("HA event " << mip6tls_ha_event_name(a->event) << " conn " << a->conn
                                    << " arg " << a->arg);
            m_eventTrace('A', a->event, a->conn, a->arg);
            break;
        default:
            break;
        }
    }
    mip6tls_outbox_clear(&m_haOb);
    Reschedule();
}

void
Mip6tlsHomeApplication::Reschedule()
{
    Simulator::Cancel(m_timer);
    if (!m_running)
    {
        return;
    }
    uint64_t d = std::min(mip6tls_ha_next_deadline(&m_ha), mip6tls_hac_next_deadline(&m_hac));
    if (d == MIP6TLS_NO_DEADLINE)
    {
        return;
    }
    uint64_t now = NowMs();
    uint64_t delay = d > now ? d - now : 0;
    m_timer = Simulator::Schedule(MilliSeconds(delay), &Mip6tlsHomeApplication::Tick, this);
}

void
Mip6tlsHomeApplication::Tick()
{
    uint64_t now = NowMs();
    for (int guard = 0; guard < 64; guard++)
    {
        bool ha = mip6tls_ha_next_deadline(&m_ha) <= now;
        bool hac = mip6tls_hac_next_deadline(&m_hac) <= now;
        if (!ha && !hac)
        {
            break;
        }
        if (ha)
        {
            mip6tls_ha_tick(&m_ha, now, &m_haOb);
            DrainHa();
        }
        if (hac)
        {
            mip6tls_hac_tick(&m_hac, now, &m_hacOb);
            DrainHac();
        }
    }
    Reschedule();
}

bool
Mip6tlsHomeApplication::HandleAcceptRequest(Ptr<Socket> /* sock */, const Address& /* from */)
{
    return m_running;
}

void
Mip6tlsHomeApplication::HandleAccept(Ptr<Socket> sock, const Address& from)
{
    uint32_t conn = m_nextConn++;
    mip6tlsutil::TcpStream& s = m_conns[conn];
    s.sock = sock;
    m_connIds[sock] = conn;
    sock->SetRecvCallback(MakeCallback(&Mip6tlsHomeApplication::HandleTcpRead, this));
    sock->SetCloseCallbacks(MakeCallback(&Mip6tlsHomeApplication::HandleTcpClose, this),
                            MakeCallback(&Mip6tlsHomeApplication::HandleTcpClose, this));
    sock->SetSendCallback(MakeCallback(&Mip6tlsHomeApplication::HandleSendSpace, this));
    mip6tls_endpoint peer = ToEndpoint(from);
    NS_LOG_INFO("HAC accepted conn " << conn);
    int rc = mip6tls_hac_tcp_accept(&m_hac, NowMs(), conn, &peer, &m_hacOb);
    NS_ABORT_MSG_IF(rc != 0, "mip6tls_hac_tcp_accept: " << mip6tls_strerror(rc));
    DrainHac();
}

void
Mip6tlsHomeApplication::HandleTcpRead(Ptr<Socket> sock)
{
    Ptr<Packet> p;
    uint8_t buf[4096];
    while ((p = sock->Recv(sizeof buf, 0)) && p->GetSize() > 0)
    {
        auto id = m_connIds.find(sock);
        if (id == m_connIds.end() || !m_running || m_conns[id->second].closedByCore)
        {
            continue;
        }
        uint32_t n = p->CopyData(buf, sizeof buf);
        int rc = mip6tls_hac_tcp_recv(&m_hac, NowMs(), id->second, buf, n, &m_hacOb);
        NS_ABORT_MSG_IF(rc != 0, "mip6tls_hac_tcp_recv: " << mip6tls_strerror(rc));
        DrainHac();
    }
}

void
Mip6tlsHomeApplication::HandleTcpClose(Ptr<Socket> sock)
{
    auto id = m_connIds.find(sock);
    if (id == m_connIds.end())
    {
        return;
    }
    uint32_t conn = id->second;
    mip6tlsutil::TcpStream& s = m_conns[conn];
    bool report = !s.closedByCore;
    if (!s.closed)
    {
        s.closed = true; // first: Close may call back (RST -> error close)
        sock->Close();
    }
    // Forget the connection from a fresh event: ns-3 is still inside this socket's code.
    Simulator::ScheduleNow(&Mip6tlsHomeApplication::ReportTcpClosed, this,
                           report ? conn : (conn | 0x80000000u));
}

// Forgets connection conn (bit 31 set: the core closed it and needs no report).
void
Mip6tlsHomeApplication::ReportTcpClosed(uint32_t tagged)
{
    uint32_t conn = tagged & 0x7FFFFFFFu;
    auto it = m_conns.find(conn);
    if (it != m_conns.end())
    {
        m_connIds.erase(it->second.sock);
        m_conns.erase(it);
    }
    if (!(tagged & 0x80000000u) && m_running)
    {
        mip6tls_hac_tcp_closed(&m_hac, NowMs(), conn, &m_hacOb);
        DrainHac();
    }
}

void
Mip6tlsHomeApplication::HandleSendSpace(Ptr<Socket> sock, uint32_t /* avail */)
{
    auto id = m_connIds.find(sock);
    if (id != m_connIds.end())
    {
        m_conns[id->second].Flush();
    }
}

bool
Mip6tlsHomeApplication::HasV4() const
{
    return m_addressV4 != Ipv4Address::GetAny();
}

void
Mip6tlsHomeApplication::HandleUdpRead(Ptr<Socket> sock)
{
    mip6tls_endpoint local = sock == m_udp4 ? ToEndpoint(m_addressV4, m_port)
                                            : ToEndpoint(m_address, m_port);
    mip6tlsutil::ForEachDatagram(sock, [&](uint8_t* buf, size_t len, const Address& from) {
        if (!m_running)
        {
            return;
        }
        mip6tls_endpoint remote = ToEndpoint(from);
        // Decrypted in place: DELIVER actions point into buf until DrainHa() returns.
        mip6tls_ha_recv(&m_ha, NowMs(), &local, &remote, buf, len, &m_haOb);
        DrainHa();
    });
}

int
Mip6tlsHomeApplication::SendToMobile(Ptr<const Packet> pkt)
{
    std::vector<uint8_t> buf = mip6tlsutil::Bytes(pkt);
    int rc = mip6tls_ha_send(&m_ha, NowMs(), buf.data(), buf.size(), &m_haOb);
    DrainHa();
    return rc;
}

int
Mip6tlsHomeApplication::RequestRekey(uint32_t spi)
{
    if (!m_running)
    {
        return MIP6TLS_ERR_STATE;
    }
    return mip6tls_ha_request_rekey(&m_ha, spi);
}

uint32_t
Mip6tlsHomeApplication::RequestRekeyAll()
{
    uint32_t n = 0;
    for (size_t i = 0; m_running && i < m_haEntries.size(); i++)
    {
        const mip6tls_ha_entry& e = m_haEntries[i];
        if ((e.flags & MIP6TLS_HA_F_USED) && !(e.flags & MIP6TLS_HA_F_SUPERSEDED) &&
            mip6tls_ha_request_rekey(&m_ha, e.keys.spi) == 0)
        {
            n++;
        }
    }
    return n;
}

uint32_t
Mip6tlsHomeApplication::GetBindingCount() const
{
    return mip6tls_ha_binding_count(&m_ha);
}

uint32_t
Mip6tlsHomeApplication::GetHaSaCount() const
{
    return mip6tls_ha_sa_count(&m_ha);
}

uint32_t
Mip6tlsHomeApplication::GetHacSaCount() const
{
    return static_cast<uint32_t>(mip6tls_hac_sa_count(&m_hac));
}

uint32_t
Mip6tlsHomeApplication::GetPersistedCount() const
{
    return static_cast<uint32_t>(m_store.size());
}

uint32_t
Mip6tlsHomeApplication::GetDelivered() const
{
    return m_delivered;
}

const mip6tls_ha&
Mip6tlsHomeApplication::GetHa() const
{
    return m_ha;
}

const mip6tls_hac&
Mip6tlsHomeApplication::GetHac() const
{
    return m_hac;
}

} // namespace ns3
