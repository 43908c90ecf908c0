// The decoder on built frames: every link type, VLAN stacks, IPv6 extension headers, tunnels.
#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <deque>

#include "builders.h"
#include "pcap/decode.h"
#include "pcap/flat_table.h"
#include "pcap/flows.h"

using namespace ndt;
using nd::pcap::AnomalyId;
using nd::pcap::DecodeConfig;
using nd::pcap::Net;
using nd::pcap::Packet;

namespace {

// A Packet points into the frame it was decoded from: keep every frame for the whole test run.
std::deque<std::string> g_frames;

Packet decode(int dlt, const std::string& input, uint32_t wire = 0) {
  const std::string& frame = g_frames.emplace_back(input);
  DecodeConfig cfg;
  cfg.link_type = dlt;
  Packet p;
  nd::pcap::decode_packet(cfg, reinterpret_cast<const uint8_t*>(frame.data()),
                          static_cast<uint32_t>(frame.size()),
                          wire ? wire : static_cast<uint32_t>(frame.size()), p);
  return p;
}

std::string addr(const Packet& p, bool src) {
  nd::pcap::IpAddr a;
  a.family = p.family;
  std::memcpy(a.bytes, src ? p.src : p.dst, p.family == 4 ? 4 : 16);
  return a.str();
}

const std::string kSyn = ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"), 6, tcp(1234, 80, SYN, 77));

}  // namespace

TEST(Decode, EthernetTcp) {
  Packet p = decode(DLT_EN10MB, eth(kSyn));
  EXPECT_EQ(p.anomaly, AnomalyId::None);
  ASSERT_EQ(p.net, Net::Ip);
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(addr(p, true), "10.0.0.1");
  EXPECT_EQ(addr(p, false), "10.0.0.2");
  EXPECT_TRUE(p.has_l4);
  EXPECT_EQ(p.sport, 1234);
  EXPECT_EQ(p.dport, 80);
  EXPECT_EQ(p.tcp_flags, SYN);
  EXPECT_EQ(p.seq, 77u);
  EXPECT_EQ(p.iface, 0u);
}

TEST(Decode, VlanAndQinQ) {
  Packet one = decode(DLT_EN10MB, eth(kSyn, 0x0800, {100}));
  EXPECT_TRUE(one.vlan);
  EXPECT_EQ(one.dport, 80);
  std::string qinq = eth(kSyn, 0x0800, {100, 200});
  qinq[12] = '\x88', qinq[13] = '\xa8';  // outer tag 802.1ad
  Packet two = decode(DLT_EN10MB, qinq);
  EXPECT_TRUE(two.vlan);
  EXPECT_EQ(two.anomaly, AnomalyId::None);
  EXPECT_EQ(two.dport, 80);
}

TEST(Decode, LinuxCookedV1AndV2) {
  Packet v1 = decode(DLT_LINUX_SLL, sll(4, 0x0800, kSyn));
  EXPECT_EQ(v1.net, Net::Ip);
  EXPECT_EQ(v1.dport, 80);
  EXPECT_EQ(v1.iface, 5u);  // packet type 4 (outgoing) + 1
  Packet v2 = decode(DLT_LINUX_SLL2, sll2(0x0800, 7, 0, kSyn));
  EXPECT_EQ(v2.net, Net::Ip);
  EXPECT_EQ(v2.dport, 80);
  EXPECT_EQ(v2.iface, 8u);  // interface index 7 + 1
  EXPECT_EQ(decode(DLT_LINUX_SLL2, sll2(0x0806, 7, 0, std::string(28, '\0'))).net, Net::Arp);
}

TEST(Decode, RawIpAndNull) {
  EXPECT_EQ(decode(DLT_RAW, kSyn).dport, 80);
  EXPECT_EQ(decode(101, kSyn).dport, 80);  // LINKTYPE_RAW as stored in files
  EXPECT_EQ(decode(DLT_IPV4, kSyn).dport, 80);
  std::string v6 = ipv6(ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1}), ip6({0xfd00, 0, 0, 0, 0, 0, 0, 2}), 6,
                        tcp(1, 443, SYN));
  Packet r6 = decode(DLT_RAW, v6);
  EXPECT_EQ(r6.family, 6);
  EXPECT_EQ(r6.dport, 443);
  EXPECT_EQ(addr(r6, true), "fd00::1");
  EXPECT_EQ(decode(DLT_IPV6, v6).dport, 443);
  EXPECT_EQ(decode(DLT_IPV4, v6).anomaly, AnomalyId::IpVersionMismatch);
  EXPECT_EQ(decode(DLT_NULL, le32(2) + kSyn).dport, 80);       // AF_INET, little-endian writer
  EXPECT_EQ(decode(DLT_NULL, be32(2) + kSyn).dport, 80);       // big-endian writer
  EXPECT_EQ(decode(DLT_LOOP, be32(24) + v6).dport, 443);       // AF_INET6 on NetBSD
}

TEST(Decode, Ipv6ExtensionHeadersAreSkipped) {
  std::string s = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1}), d = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  std::string chain = ext8(60) + ext8(43) + ext8(6);  // hop-by-hop, dest options, routing -> TCP
  Packet p = decode(DLT_EN10MB, eth(ipv6(s, d, 0, tcp(5, 22, SYN), chain), 0x86dd));
  EXPECT_EQ(p.anomaly, AnomalyId::None);
  EXPECT_EQ(p.proto, 6);
  EXPECT_EQ(p.dport, 22);
  // A first fragment (offset 0) still has the TCP header; a later one does not.
  std::string frag0 = std::string{6, 0} + be16(0x0001) + be32(9);  // offset 0, more fragments
  Packet f0 = decode(DLT_EN10MB, eth(ipv6(s, d, 44, tcp(5, 22, SYN), frag0), 0x86dd));
  EXPECT_FALSE(f0.fragment);
  EXPECT_EQ(f0.dport, 22);
  std::string frag1 = std::string{6, 0} + be16(0x0100) + be32(9);  // offset 32
  Packet f1 = decode(DLT_EN10MB, eth(ipv6(s, d, 44, "somebytes", frag1), 0x86dd));
  EXPECT_TRUE(f1.fragment);
  EXPECT_FALSE(f1.has_l4);
}

TEST(Decode, Ipv4FragmentsAndPadding) {
  Packet later = decode(DLT_EN10MB, eth(ipv4(1, 2, 17, "later bytes", V4{.frag = 0x0010})));
  EXPECT_TRUE(later.fragment);
  EXPECT_FALSE(later.has_l4);
  // Ethernet pads short frames to 60 bytes: the IP total length says where the packet ends.
  std::string padded = eth(ipv4(1, 2, 17, udp(53, 5000, "ab"))) + std::string(20, '\0');
  Packet p = decode(DLT_EN10MB, padded);
  EXPECT_EQ(p.anomaly, AnomalyId::None);
  EXPECT_EQ(p.payload_len, 2u);
}

TEST(Decode, VxlanToInnerFlowWithOuterAddresses) {
  std::string inner = eth(ipv4(ip4("10.244.1.2"), ip4("10.244.2.3"), 6, tcp(40000, 8080, SYN)));
  for (uint16_t port : {8472, 4789}) {
    std::string outer = eth(ipv4(ip4("192.168.1.11"), ip4("192.168.1.12"), 17,
                                 udp(51000, port, vxlan(7, inner))));
    Packet p = decode(DLT_EN10MB, outer);
    EXPECT_EQ(p.anomaly, AnomalyId::None);
    EXPECT_EQ(p.tunnel, 1);
    EXPECT_EQ(p.vni, 7u);
    EXPECT_EQ(addr(p, true), "10.244.1.2");
    EXPECT_EQ(p.dport, 8080);
    nd::pcap::IpAddr o;
    o.family = p.outer_family;
    std::memcpy(o.bytes, p.outer_src, 4);
    EXPECT_EQ(o.str(), "192.168.1.11");
  }
  // Another UDP port is not decapsulated.
  Packet plain = decode(DLT_EN10MB, eth(ipv4(1, 2, 17, udp(51000, 9999, vxlan(7, inner)))));
  EXPECT_EQ(plain.tunnel, 0);
  EXPECT_EQ(plain.dport, 9999);
}

TEST(Decode, IpInIp) {
  std::string inner = ipv4(ip4("10.244.1.2"), ip4("10.244.2.3"), 6, tcp(40000, 5432, SYN));
  Packet p = decode(DLT_EN10MB, eth(ipv4(ip4("192.168.1.11"), ip4("192.168.1.12"), 4, inner)));
  EXPECT_EQ(p.tunnel, 2);
  EXPECT_EQ(p.dport, 5432);
  EXPECT_EQ(addr(p, false), "10.244.2.3");
}

TEST(Decode, IcmpQuotedFlow) {
  std::string quoted = ipv4(ip4("10.0.0.1"), ip4("10.9.9.9"), 17, udp(33000, 53, "q"));
  std::string msg = icmp(3, 3, 0, quoted);
  nd::pcap::QuotedFlow q;
  auto a = nd::pcap::decode_quoted(reinterpret_cast<const uint8_t*>(msg.data()) + 8,
                                   static_cast<uint32_t>(msg.size() - 8), 4, q);
  EXPECT_EQ(a, AnomalyId::None);
  EXPECT_EQ(q.proto, 17);
  EXPECT_TRUE(q.has_ports);
  EXPECT_EQ(q.sport, 33000);
  EXPECT_EQ(q.dport, 53);
}

TEST(FlatTable, InsertFindEraseAndGrow) {
  nd::pcap::FlatTable<uint64_t, int> t(16);
  bool ins = false;
  for (uint64_t k = 0; k < 5000; ++k) {
    uint32_t i = t.find_or_insert(k * 7919, ins);
    ASSERT_TRUE(ins);
    t.value(i) = static_cast<int>(k);
  }
  EXPECT_EQ(t.size(), 5000u);
  for (uint64_t k = 0; k < 5000; k += 2) t.erase(t.find(k * 7919));  // backward-shift deletes
  EXPECT_EQ(t.size(), 2500u);
  for (uint64_t k = 0; k < 5000; ++k) {
    uint32_t i = t.find(k * 7919);
    if (k % 2 == 0) {
      EXPECT_EQ(i, t.npos) << k;
    } else {
      ASSERT_NE(i, t.npos) << k;
      EXPECT_EQ(t.value(i), static_cast<int>(k));
    }
  }
  size_t live = 0;
  t.for_each([&](uint32_t i) {
    ++live;
    if (t.value(i) % 3 == 0) t.erase(i);
  });
  EXPECT_EQ(live, 2500u);
  for (uint64_t k = 1; k < 5000; k += 2) {
    EXPECT_EQ(t.find(k * 7919) == t.npos, k % 3 == 0) << k;
  }
}

TEST(FlowKey, DirectionFreeAndHashedAsStored) {
  std::string a = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1}), b = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  uint8_t v4a[4] = {10, 0, 0, 1}, v4b[4] = {10, 0, 0, 2};
  for (int family : {4, 6}) {
    const auto* x = family == 4 ? v4a : reinterpret_cast<const uint8_t*>(a.data());
    const auto* y = family == 4 ? v4b : reinterpret_cast<const uint8_t*>(b.data());
    bool f1 = false, f2 = false;
    uint32_t h1 = 0, h2 = 0;
    auto k1 = nd::pcap::make_flow_key(static_cast<uint8_t>(family), 6, x, 1000, y, 80, f1, &h1);
    auto k2 = nd::pcap::make_flow_key(static_cast<uint8_t>(family), 6, y, 80, x, 1000, f2, &h2);
    EXPECT_TRUE(f1);
    EXPECT_FALSE(f2);
    EXPECT_EQ(std::memcmp(&k1, &k2, sizeof k1), 0);
    EXPECT_EQ(h1, h2);
    EXPECT_EQ(h1, nd::pcap::hash_bytes(k1));  // table lookups by key alone find it
    EXPECT_EQ(k1.port_a, 1000);
    EXPECT_EQ(k1.port_b, 80);
  }
}
