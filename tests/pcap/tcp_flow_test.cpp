// TCP handshake verdicts and the flow table on built captures: copies vs retransmissions, replies
// from an unexpected source, IPv6, eviction of idle flows (memory follows live flows).
#include <gtest/gtest.h>

#include "builders.h"

using namespace ndt;
using nd::pcap::EventKind;
using nd::pcap::FlowState;

namespace {
const uint32_t C = ip4("10.244.1.7"), VIP = ip4("10.96.3.3"), POD = ip4("10.244.2.9");
std::string seg(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint8_t fl, const std::string& data = "") {
  return eth(ipv4(s, d, 6, tcp(sp, dp, fl, 100, fl & ACK ? 101 : 0, data)));
}
}  // namespace

TEST(TcpFlows, CompletedHandshakeAndClose) {
  Pcap p;
  p.add(1000, seg(C, 40000, POD, 80, SYN));
  p.add(1100, seg(POD, 80, C, 40000, SYN | ACK));
  p.add(1200, seg(C, 40000, POD, 80, ACK));
  p.add(1300, seg(C, 40000, POD, 80, PSH | ACK, "GET /"));
  p.add(1400, seg(POD, 80, C, 40000, FIN | ACK));
  p.add(1500, seg(C, 40000, POD, 80, FIN | ACK));
  nd::pcap::Options o;
  o.keep_flows = true;
  auto r = analyze(p.bytes, o);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.summary.handshakes_completed, 1u);
  ASSERT_EQ(r.flows.size(), 1u);
  const auto& f = r.flows[0];
  EXPECT_EQ(f.state, FlowState::Closed);
  EXPECT_EQ(f.id.client.str(), "10.244.1.7");
  EXPECT_EQ(f.id.server_port, 80);
  EXPECT_EQ(f.packets_c2s, 4u);
  EXPECT_EQ(f.packets_s2c, 2u);
  EXPECT_EQ(f.first_packet, 1u);
  EXPECT_EQ(f.last_packet, 6u);
}

TEST(TcpFlows, HandshakeAfterRetransmissionIsCountedNotReported) {
  Pcap p;
  p.add(1'000'000, seg(C, 40001, POD, 80, SYN));
  p.add(2'000'000, seg(C, 40001, POD, 80, SYN));
  p.add(2'000'100, seg(POD, 80, C, 40001, SYN | ACK));
  p.add(2'000'200, seg(C, 40001, POD, 80, ACK));
  auto r = analyze(p.bytes);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.summary.handshakes_after_retransmission, 1u);
}

TEST(TcpFlows, SynCopiesOnOtherInterfacesAreNotRetransmissions) {
  Pcap p(276);  // Linux cooked v2, as `tcpdump -i any` writes
  auto on = [](uint32_t ifindex, const std::string& ip) { return sll2(0x0800, ifindex, 0, ip); };
  std::string syn = ipv4(C, POD, 6, tcp(40002, 5432, SYN));
  p.add(1'000'000, on(2, syn));
  p.add(1'000'020, on(5, syn));  // the same SYN leaving through another interface
  p.add(2'000'000, on(2, syn));  // a real retransmission
  p.add(2'000'020, on(5, syn));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::SynUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->count, 2u);
  // Without interface information the same timing is four transmissions.
  Pcap e;
  for (int64_t t : {1'000'000, 1'000'020, 2'000'000, 2'000'020}) e.add(t, eth(syn));
  auto r2 = analyze(e.bytes);
  ASSERT_EQ(events_of(r2, EventKind::SynUnanswered).size(), 1u);
  EXPECT_EQ(events_of(r2, EventKind::SynUnanswered)[0]->count, 4u);
}

TEST(TcpFlows, SynAckFromThePodNotTheServiceAddress) {
  Pcap p;
  p.add(1'000'000, seg(C, 40003, VIP, 443, SYN));
  p.add(1'000'300, seg(POD, 443, C, 40003, SYN | ACK));
  p.add(1'000'310, seg(C, 40003, POD, 443, RST));
  p.add(2'000'000, seg(C, 40003, VIP, 443, SYN));
  p.add(2'000'300, seg(POD, 443, C, 40003, SYN | ACK));
  p.add(2'000'310, seg(C, 40003, POD, 443, RST));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::ReplyFromUnexpectedSource);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.server.str(), "10.96.3.3");
  EXPECT_EQ(ev[0]->other.str(), "10.244.2.9");
  EXPECT_EQ(ev[0]->count, 2u);
  EXPECT_EQ(ev[0]->packets, (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
  EXPECT_EQ(r.summary.unexpected_source, 1u);
}

TEST(TcpFlows, ProperlyUnNatedReplyIsHealthy) {
  // On a node capture both the pod's SYN-ACK and its un-DNATed copy appear: no event.
  Pcap p;
  p.add(1'000'000, seg(C, 40004, VIP, 443, SYN));
  p.add(1'000'010, seg(C, 40004, POD, 443, SYN));
  p.add(1'000'300, seg(POD, 443, C, 40004, SYN | ACK));
  p.add(1'000'310, seg(VIP, 443, C, 40004, SYN | ACK));
  p.add(1'000'400, seg(C, 40004, VIP, 443, ACK));
  auto r = analyze(p.bytes);
  EXPECT_TRUE(r.events.empty()) << r.events[0].description;
}

TEST(TcpFlows, Ipv6Refused) {
  std::string c = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 7}), s = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 9});
  Pcap p;
  p.add(1000, eth(ipv6(c, s, 6, tcp(50000, 8443, SYN)), 0x86dd));
  p.add(1100, eth(ipv6(s, c, 6, tcp(8443, 50000, RST | ACK, 0, 1)), 0x86dd));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.str(), "tcp [fd00::7]:50000 -> [fd00::9]:8443");
}

TEST(TcpFlows, Icmpv6PacketTooBigWithMtu) {
  std::string c = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 7}), s = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 9});
  std::string r6 = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1});
  std::string big = ipv6(c, s, 6, tcp(50001, 443, ACK | PSH, 1, 1, std::string(64, 'd')));
  Pcap p;
  p.add(1000, eth(big, 0x86dd));
  p.add(1100, eth(ipv6(r6, c, 58, icmp(2, 0, 1400, big)), 0x86dd));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::IcmpUnreachable);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->mtu, 1400u);
  EXPECT_TRUE(ev[0]->inner_flow_seen);
  EXPECT_NE(ev[0]->description.find("packet too big (next-hop MTU 1400)"), std::string::npos)
      << ev[0]->description;
}

TEST(TcpFlows, FragmentationNeededForAFlowNotInTheCapture) {
  std::string quoted = ipv4(C, POD, 6, tcp(40005, 80, ACK, 1, 1, "data"), V4{.frag = 0x4000});
  Pcap p;
  p.add(1000, eth(ipv4(ip4("10.244.0.1"), C, 1, icmp(3, 4, 1450, quoted))));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::IcmpUnreachable);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->mtu, 1450u);
  EXPECT_FALSE(ev[0]->inner_flow_seen);
  EXPECT_EQ(ev[0]->flow.str(), "tcp 10.244.1.7:40005 -> 10.244.2.9:80");
  EXPECT_NE(ev[0]->description.find("MTU"), std::string::npos);
}

TEST(TcpFlows, IdleFlowsAreEvictedSoMemoryFollowsLiveFlows) {
  // 2000 short connections, one every 100 ms over 200 s: only the last few seconds' are live.
  Pcap p;
  for (uint32_t i = 0; i < 2000; ++i) {
    int64_t t = 1'000'000 + int64_t{i} * 100'000;
    uint16_t port = static_cast<uint16_t>(20000 + i);
    p.add(t, seg(C, port, POD, 80, SYN));
    p.add(t + 100, seg(POD, 80, C, port, SYN | ACK));
    p.add(t + 200, seg(C, port, POD, 80, ACK));
    p.add(t + 300, seg(C, port, POD, 80, FIN | ACK));
    p.add(t + 400, seg(POD, 80, C, port, FIN | ACK));
  }
  nd::pcap::Options o;
  o.keep_flows = true;
  auto r = analyze(p.bytes, o);
  EXPECT_EQ(r.summary.flows, 2000u);
  EXPECT_EQ(r.flows.size(), 2000u);
  EXPECT_EQ(r.summary.handshakes_completed, 2000u);
  EXPECT_LT(r.summary.peak_live_flows, 150u);  // closed flows linger 5 s, swept every 5 s
  for (const auto& f : r.flows) EXPECT_EQ(f.state, FlowState::Closed);
}

TEST(TcpFlows, EventCapsCountTheRest) {
  Pcap p;
  for (uint16_t i = 0; i < 30; ++i) {
    p.add(1000 + i * 10, seg(C, static_cast<uint16_t>(30000 + i), POD, 81, SYN));
    p.add(1005 + i * 10, seg(POD, 81, C, static_cast<uint16_t>(30000 + i), RST | ACK));
  }
  nd::pcap::Options o;
  o.max_events_per_kind = 10;
  auto r = analyze(p.bytes, o);
  EXPECT_EQ(events_of(r, EventKind::RstOnConnect).size(), 10u);
  EXPECT_EQ(r.events_dropped[static_cast<int>(EventKind::RstOnConnect)], 20u);
  EXPECT_EQ(r.summary.refused, 30u);
}
