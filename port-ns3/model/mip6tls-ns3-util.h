/*
 * mip6tls-ns3-util.h: glue shared by the mip6tls ns-3 applications (not a public API):
 * converting ns-3 socket addresses to and from mip6tls_endpoint (IPv6 and IPv4), the IP
 * version of an inner packet, and a TCP byte stream that buffers what the socket's transmit
 * buffer cannot take yet.
 */
#ifndef MIP6TLS_NS3_UTIL_H
#define MIP6TLS_NS3_UTIL_H

#include "mip6tls/common.h"
#include "mip6tls/drbg.h"
#include "mip6tls/suite.h"

#include "ns3/abort.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace ns3
{
namespace mip6tlsutil
{

/** An IPv6 address and port as a core endpoint (address bytes in network order). */
inline mip6tls_endpoint
ToEndpoint(Ipv6Address a, uint16_t port)
{
    mip6tls_endpoint e;
    std::memset(&e, 0, sizeof e);
    uint8_t b[16];
    a.GetBytes(b);
    mip6tls_addr_set6(&e.addr, b);
    e.port = port;
    return e;
}

/** An IPv4 address and port as a core endpoint (RFC 5555 IPv4 care-of and HA addresses). */
inline mip6tls_endpoint
ToEndpoint(Ipv4Address a, uint16_t port)
{
    mip6tls_endpoint e;
    std::memset(&e, 0, sizeof e);
    uint8_t b[4];
    a.Serialize(b);
    mip6tls_addr_set4(&e.addr, b);
    e.port = port;
    return e;
}

/** An ns-3 socket address (Inet6SocketAddress or InetSocketAddress) as a core endpoint. */
inline mip6tls_endpoint
ToEndpoint(const Address& a)
{
    mip6tls_endpoint e;
    std::memset(&e, 0, sizeof e);
    if (Inet6SocketAddress::IsMatchingType(a))
    {
        Inet6SocketAddress s = Inet6SocketAddress::ConvertFrom(a);
        return ToEndpoint(s.GetIpv6(), s.GetPort());
    }
    if (InetSocketAddress::IsMatchingType(a))
    {
        InetSocketAddress s = InetSocketAddress::ConvertFrom(a);
        return ToEndpoint(s.GetIpv4(), s.GetPort());
    }
    return e;
}

/** A core endpoint as an ns-3 socket address. */
inline Address
ToAddress(const mip6tls_endpoint& e)
{
    if (e.addr.family == MIP6TLS_AF_INET)
    {
        return InetSocketAddress(Ipv4Address::Deserialize(e.addr.bytes), e.port);
    }
    uint8_t b[16];
    std::memcpy(b, e.addr.bytes, 16);
    return Inet6SocketAddress(Ipv6Address(b), e.port);
}

/** An IPv6 address of a core endpoint. */
inline Ipv6Address
ToIpv6(const mip6tls_addr& a)
{
    uint8_t b[16];
    std::memcpy(b, a.bytes, 16);
    return Ipv6Address(b);
}

/** The IPv4 address of a core address (family MIP6TLS_AF_INET). */
inline Ipv4Address
ToIpv4(const mip6tls_addr& a)
{
    return Ipv4Address::Deserialize(a.bytes);
}

/** An endpoint's address (either family) as an ns-3 socket address with port `port`: what a
 *  socket of that family binds to. */
inline Address
BindAddress(const mip6tls_addr& a, uint16_t port)
{
    if (a.family == MIP6TLS_AF_INET)
    {
        return InetSocketAddress(ToIpv4(a), port);
    }
    return Inet6SocketAddress(ToIpv6(a), port);
}

/** The EtherType of an inner packet from its version nibble, as VirtualNetDevice::Receive
 *  wants it: 0x86DD (IPv6), 0x0800 (IPv4), 0 for anything else. The core delivers and
 *  tunnels both families (RFC 6618 §6.4, RFC 5555). */
inline uint16_t
InnerProtocol(Ptr<const Packet> p)
{
    uint8_t v = 0;
    if (p->GetSize() == 0 || p->CopyData(&v, 1) != 1)
    {
        return 0;
    }
    return (v >> 4) == 6 ? 0x86DD : (v >> 4) == 4 ? 0x0800 : 0;
}

/**
 * One TCP connection of a role: the socket, the bytes the socket could not take yet, and
 * whether the core closed it (then the close is sent once everything is written, and the
 * socket's close callbacks are not reported back to the core).
 */
struct TcpStream
{
    Ptr<Socket> sock;
    std::vector<uint8_t> pending;
    bool closeWhenDrained = false;
    bool closedByCore = false;
    bool closed = false;

    /** Writes what the transmit buffer takes; closes when asked and everything is out. */
    void Flush()
    {
        while (!closed && !pending.empty())
        {
            uint32_t room = sock->GetTxAvailable();
            if (room == 0)
            {
                return; // the send callback calls Flush again
            }
            uint32_t n = static_cast<uint32_t>(std::min<size_t>(room, pending.size()));
            int sent = sock->Send(pending.data(), n, 0);
            if (sent <= 0)
            {
                return;
            }
            pending.erase(pending.begin(), pending.begin() + sent);
        }
        if (!closed && closeWhenDrained && pending.empty())
        {
            closed = true; // first: Close may call back into us (RST, error close)
            sock->Close();
        }
    }

    void Write(const uint8_t* data, size_t len)
    {
        pending.insert(pending.end(), data, data + len);
        Flush();
    }

    void CloseByCore()
    {
        closedByCore = true;
        closeWhenDrained = true;
        Flush();
    }
};

/**
 * Parses a comma-separated list of ESP suite names (mip6tls_suite_info::name, e.g.
 * "AES_128_GCM_SHA256,AES_128_CBC_SHA") into their codes, in order. Returns "" or the first
 * name that is no implemented suite. An empty list gives no codes (the core's default).
 */
inline std::string
ParseSuites(const std::string& list, std::vector<uint16_t>* codes)
{
    codes->clear();
    std::istringstream in(list);
    std::string name;
    while (std::getline(in, name, ','))
    {
        size_t n = 0;
        const mip6tls_suite_info* all = mip6tls_suite_all(&n);
        size_t i = 0;
        while (i < n && name != all[i].name)
        {
            i++;
        }
        if (i == n)
        {
            return name.empty() ? std::string("(empty name)") : name;
        }
        codes->push_back(all[i].code);
    }
    return "";
}

/** The core's clock: simulation time in milliseconds. */
inline uint64_t
NowMs()
{
    return static_cast<uint64_t>(Simulator::Now().GetMilliSeconds());
}

/** Seeds a core DRBG from an ns-3 random stream: the same seed and run give the same bytes,
 *  so a simulation is reproducible bit for bit (AssignStreams picks the stream). */
inline void
SeedDrbg(Ptr<UniformRandomVariable> rng, mip6tls_drbg* drbg)
{
    uint8_t seed[32];
    for (auto& b : seed)
    {
        b = static_cast<uint8_t>(rng->GetInteger(0, 255));
    }
    NS_ABORT_UNLESS(mip6tls_drbg_init(drbg, seed, sizeof seed) == 0);
}

/** The octets of `pkt`, copied out (the core reads and writes plain buffers). */
inline std::vector<uint8_t>
Bytes(Ptr<const Packet> pkt)
{
    std::vector<uint8_t> buf(pkt->GetSize());
    pkt->CopyData(buf.data(), buf.size());
    return buf;
}

/**
 * Reads every datagram waiting on `sock` and hands each, with its sender, to
 * `handle(uint8_t* buf, size_t len, const Address& from)`. The buffer is writable (the core
 * decrypts in place) and stays valid until `handle` returns.
 */
template <typename Handler>
void
ForEachDatagram(Ptr<Socket> sock, Handler handle)
{
    Ptr<Packet> p;
    Address from;
    std::vector<uint8_t> buf;
    while ((p = sock->RecvFrom(from)))
    {
        buf.resize(p->GetSize());
        p->CopyData(buf.data(), buf.size());
        handle(buf.data(), buf.size(), from);
    }
}

} // namespace mip6tlsutil
} // namespace ns3

#endif
