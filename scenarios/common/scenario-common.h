/*
 * scenario-common.h: what the mip6tls ns-3 scenarios share (wifi-handover, sa-renewal,
 * reinit): progress lines, the MN/home roles with the test credentials, the RFC 6618 tunnel
 * as a VirtualNetDevice on each end, numbered CN <-> MN traffic with loss counting, IPv6
 * drop counting, the esp_sa rows for Wireshark, and the timeline plot.
 *
 * Credentials: the generated TEST PKI of tests/support/test_pki.c (test keys only).
 */
#ifndef MIP6TLS_SCENARIO_COMMON_H
#define MIP6TLS_SCENARIO_COMMON_H

#include "mip6tls-home-application.h"
#include "mip6tls-mn-application.h"

#include "mip6tls/esp.h"

#include "ns3/csma-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv6-static-routing.h"
#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/virtual-net-device.h"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace mip6tls_scen
{

using namespace ns3;

extern const char* const kNai;   //!< the MN's NAI
extern const char* const kPsk;   //!< its RFC 6618 §5.8 pre-shared key
extern const char* const kHoa;   //!< its home address
extern const uint16_t kAppPort;  //!< the CN's and the MN's traffic sockets
extern const double kPeriodS;    //!< one packet each way every 20 ms

/** Prints "[   t.ttt s] what" (simulated time). */
void Progress(const std::string& what);
/** to - from in ms with one decimal, or "null" if either is negative (did not happen). */
std::string Ms(double from, double to);
/** t in s with four decimals, or "null" if negative. */
std::string Sec(double t);

/** Adds device `d` to node `n`'s IPv6 (if needed), with `addr`/64 (if not null); returns it. */
uint32_t AddIf(Ptr<Node> n, Ptr<NetDevice> d, const char* addr, bool forwarding);

/** Starts a run: RngSeedManager seed 1, run `seed`; ns-3's DAD off by default (the
 *  scenarios configure static addresses; wifi-handover switches it on for its MN); valid
 *  checksums, so the pcaps decode cleanly. */
void InitRun(uint32_t seed);

/** A LAN channel: `rate` (e.g. "100Mbps"), 50 µs of delay. */
void LanChannel(CsmaHelper* csma, const char* rate);

/** Creates the output directory `out` (if needed) and empties its keylog.txt (the home
 *  applications append to it). On failure prints "`prog`: cannot create ..." and returns
 *  false. */
bool PrepareOutDir(const std::string& prog, const std::string& out);
/** The node's static routing (DocPrefixRouting is one). */
Ptr<Ipv6StaticRouting> Routing(Ptr<Node> n);

/** The home application (HA + HAC at `addr`, home prefix 2001:db8:1::/64, the MN kNai). */
Ptr<Mip6tlsHomeApplication> MakeHome(Ptr<Node> node, Ipv6Address addr, int64_t stream);
/** The MN application (HAC at `hac`, initial care-of address `coa`). */
Ptr<Mip6tlsMnApplication> MakeMn(Ptr<Node> node, Ipv6Address hac, Ipv6Address coa,
                                 int64_t stream);

/** Wireshark's esp_sa rows for SA keys `k` with the HA at `ha` (4 rows); "" if unknown. */
std::string EspSaRows(const mip6tls_esp_keys& k, Ipv6Address ha);

/**
 * The RFC 6618 tunnel in the ns-3 stack: a VirtualNetDevice on the home node (holding the
 * home prefix) whose send callback is Mip6tlsHomeApplication::SendToMobile, and one on the MN
 * (holding the HoA) whose send callback is Mip6tlsMnApplication::SendInner; the applications'
 * Deliver traces inject decapsulated packets back, with the EtherType of their IP version.
 * Only unicast enters the tunnel (global IPv6; IPv4 that is not broadcast or multicast).
 */
class Tunnel
{
  public:
    /** Creates both devices and their IPv6 interfaces (before the applications exist). */
    void Install(Ptr<Node> haNode, const char* haTunAddr, Ptr<Node> mnNode, const char* hoa);
    /** The same, dual stack (DSMIPv6, RFC 5555): also an IPv4 interface on each device, the
     *  IPv4 home prefix (haTun4/haTun4Len) on the home node, the IPv4 HoA as /32 on the MN. */
    void Install(Ptr<Node> haNode, const char* haTun6, const char* haTun4, uint8_t haTun4Len,
                 Ptr<Node> mnNode, const char* hoa6, const char* hoa4);
    /** Wires the applications in (send callbacks and Deliver traces). */
    void Connect(Ptr<Mip6tlsHomeApplication> home, Ptr<Mip6tlsMnApplication> mn);
    /** DLT_RAW captures of the inner packets: mn-tunnel.pcap and home-tunnel.pcap. */
    void EnablePcap(const std::string& dir);

    Ptr<VirtualNetDevice> mnTun, haTun;
    uint32_t mnTunIf = 0, haTunIf = 0;   //!< the IPv6 interfaces
    uint32_t mnTunIf4 = 0, haTunIf4 = 0; //!< the IPv4 interfaces (dual stack only)
    uint32_t upRefused = 0, downRefused = 0; //!< inner packets the core refused

  private:
    bool MnSend(Ptr<Packet> p, const Address&, const Address&, uint16_t proto);
    bool HaSend(Ptr<Packet> p, const Address&, const Address&, uint16_t proto);
    Ptr<Mip6tlsHomeApplication> m_home;
    Ptr<Mip6tlsMnApplication> m_mn;
};

/** A received numbered packet. */
struct Rx
{
    double t;
    uint32_t seq;
};

/** One direction of the numbered traffic. */
struct Flow
{
    uint32_t sent = 0;
    std::vector<Rx> rx;
    std::set<uint32_t> seen;
    uint32_t Lost() const { return sent - static_cast<uint32_t>(rx.size()); }
    uint32_t LongestGap() const; //!< longest run of missing sequence numbers
    /** How many of the sequence numbers [from, to) were never received. */
    uint32_t LostIn(uint32_t from, uint32_t to) const;
};

/**
 * Numbered UDP both ways between the CN and the MN's home address (port kAppPort), one packet
 * each way every kPeriodS from Start's `at` to `stop`; 12-octet payload: 32-bit running
 * number and the send time in ns.
 */
class Traffic
{
  public:
    void Install(Ptr<Node> cn, Ipv6Address cnAddr, Ptr<Node> mn, Ipv6Address hoa);
    void Start(double at, double stop);
    /** Sequence number of the first packet sent at or after `t` (either direction). */
    uint32_t SeqAt(double t) const;
    /** rx-cn-to-mn.dat and rx-mn-to-cn.dat (time, sequence number). */
    void WriteDat(const std::string& dir) const;
    /** The summary's "traffic" object body (two-space indented members, newline ended). */
    std::string Json(const Tunnel& tun, uint32_t ipDrops) const;

    Flow down; //!< CN -> MN
    Flow up;   //!< MN -> CN
    /** Called for each new (not duplicate) packet: direction (true: down), seq, time. */
    std::function<void(bool, uint32_t, double)> onRx;

  private:
    void Tick();
    void Recv(bool down, Ptr<Socket> s);
    Ptr<Socket> m_cn, m_mn;
    Ipv6Address m_cnAddr, m_hoa;
    double m_start = 0, m_stop = 0;
};

/** Counts Ipv6L3Protocol Drop on every node (the first few of each kind printed). */
void CountIpDrops();
uint32_t IpDrops();

/** "progress: CN->MN r/s, MN->CN r/s received, MN <state>" every second until `until`. */
void StartHeartbeat(const Traffic* t, Ptr<Mip6tlsMnApplication> mn, double at, double until);

/** A vertical line on the timeline. */
struct Mark
{
    double t;
    std::string label;
    std::string color;
};

/**
 * Writes DIR/timeline.gp (received sequence number against time, one panel per direction,
 * `marks` drawn; negative times skipped) and runs gnuplot for DIR/timeline.png. Returns
 * whether gnuplot succeeded (if not, a line on stderr names `scenario`).
 */
bool PlotTimeline(const std::string& dir,
                  const std::string& scenario,
                  uint32_t seed,
                  double duration,
                  const std::vector<Mark>& marks);

// ---- Dual stack (DSMIPv6, RFC 5555): used by the ipv4-coa scenario -------------------------

/** Adds device `d` to node `n`'s IPv4 (if needed), with `addr`/`plen` (if not null); returns
 *  the interface index. */
uint32_t AddIf4(Ptr<Node> n, Ptr<NetDevice> d, const char* addr, uint8_t plen, bool forwarding);
/** The node's IPv4 static routing. */
Ptr<Ipv4StaticRouting> Routing4(Ptr<Node> n);

/** Wireshark's esp_sa rows (4) for SA keys `k` with the HA at the IPv4 address `ha`: the same
 *  algorithms, keys and SPIs as EspSaRows(k, Ipv6Address), Protocol "IPv4". */
std::string EspSaRows(const mip6tls_esp_keys& k, Ipv4Address ha);

} // namespace mip6tls_scen

#endif
