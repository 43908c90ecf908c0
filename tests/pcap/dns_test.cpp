// DNS: message parsing, search-walk detection (pure), and query/response matching on built
// captures (retries, servers, TCP, slow answers, error rcodes, unexpected responders).
#include <gtest/gtest.h>

#include "builders.h"
#include "pcap/dns_message.h"
#include "pcap/dns_walk.h"

using namespace ndt;
using nd::pcap::EventKind;
using nd::pcap::Level;

namespace {

nd::pcap::DnsMessage parse(const std::string& m, nd::pcap::AnomalyId* err = nullptr) {
  nd::pcap::DnsMessage out;
  auto a = nd::pcap::parse_dns(reinterpret_cast<const uint8_t*>(m.data()),
                               static_cast<uint32_t>(m.size()), out);
  if (err) *err = a;
  return out;
}

nd::pcap::WalkEntry entry(const std::string& name, uint8_t rcode, uint16_t qtype = 1) {
  nd::pcap::WalkEntry e;
  e.name = name;
  e.rcode = rcode;
  e.qtype = qtype;
  return e;
}

const uint32_t C = ip4("10.244.1.7"), S = ip4("10.96.0.10"), POD = ip4("10.244.2.5");

std::string q(uint32_t src, uint16_t sport, uint32_t dst, const std::string& msg) {
  return eth(ipv4(src, dst, 17, udp(sport, 53, msg)));
}
std::string a(uint32_t src, uint32_t dst, uint16_t dport, const std::string& msg) {
  return eth(ipv4(src, dst, 17, udp(53, dport, msg)));
}

}  // namespace

TEST(DnsMessage, QueryAndResponse) {
  auto m = parse(dns_query(0x1234, "Redis.Default.SVC.cluster.local", 28));
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_FALSE(m.response);
  EXPECT_TRUE(m.has_question);
  EXPECT_EQ(m.qname(), "redis.default.svc.cluster.local");  // lower case
  EXPECT_EQ(m.qtype, 28);
  auto r = parse(dns_response(7, "x.lab", 3));
  EXPECT_TRUE(r.response);
  EXPECT_EQ(r.rcode, 3);
  EXPECT_EQ(nd::pcap::rcode_name(r.rcode), "NXDOMAIN");
  EXPECT_EQ(nd::pcap::rcode_name(15), "RCODE15");
  EXPECT_EQ(nd::pcap::qtype_name(28), "AAAA");
  EXPECT_EQ(nd::pcap::qtype_name(4242), "TYPE4242");
}

TEST(DnsMessage, CompressedQuestionNameAndRoot) {
  // A question whose name points back into the message (unusual, legal).
  std::string m = be16(1) + be16(0x0100) + be16(1) + be16(0) + be16(0) + be16(0);
  std::string name = dns_name("svc.lab");
  m += name + be16(1) + be16(1);              // first question at 12
  m[5] = 2;                                   // two questions
  m += std::string("\x03www\xc0\x0c", 6) + be16(1) + be16(1);
  auto p = parse(m);
  EXPECT_EQ(p.qname(), "svc.lab");
  auto root = parse(dns_query(1, ""));
  EXPECT_EQ(root.qname(), ".");
  nd::pcap::AnomalyId err;
  std::string fwd = be16(1) + be16(0x0100) + be16(1) + be16(0) + be16(0) + be16(0) +
                    std::string("\xc0\x20", 2) + std::string(40, '\0');  // points forward
  parse(fwd, &err);
  EXPECT_EQ(err, nd::pcap::AnomalyId::DnsPointerLoop);
}

TEST(DnsWalk, KubernetesWalkWithoutAnswer) {
  std::vector<nd::pcap::WalkEntry> v = {entry("redis.shop.svc.cluster.local", 3),
                                        entry("redis.svc.cluster.local", 3),
                                        entry("redis.cluster.local", 3)};
  auto w = nd::pcap::find_walks(v);
  ASSERT_EQ(w.walks.size(), 1u);
  EXPECT_EQ(w.walks[0].base, "redis");
  EXPECT_EQ(w.walks[0].names.size(), 3u);
  EXPECT_EQ(w.walks[0].resolved_as, "");
  EXPECT_TRUE(w.lone_nxdomain.empty());
}

TEST(DnsWalk, ExternalNameResolvedAfterSuffixes) {
  std::vector<nd::pcap::WalkEntry> v = {
      entry("api.example.lab.default.svc.cluster.local", 3),
      entry("api.example.lab.default.svc.cluster.local", 3, 28),
      entry("api.example.lab.svc.cluster.local", 3), entry("api.example.lab.cluster.local", 3),
      entry("api.example.lab", 0), entry("api.example.lab", 0, 28)};
  auto w = nd::pcap::find_walks(v);
  ASSERT_EQ(w.walks.size(), 1u);
  EXPECT_EQ(w.walks[0].base, "api.example.lab");
  EXPECT_EQ(w.walks[0].resolved_as, "api.example.lab");
  EXPECT_EQ(w.walks[0].repetitions, 1u);  // A and AAAA of one lookup are one walk
  EXPECT_EQ(w.walks[0].names.size(), 4u);
}

TEST(DnsWalk, UnrelatedNamesAreNotAWalk) {
  // Two names sharing only a first label, one NXDOMAIN: not the shape of a search list.
  std::vector<nd::pcap::WalkEntry> v = {entry("www.a-shop.lab", 3), entry("www.b-shop.lab", 0),
                                        entry("mail.lab", 3)};
  auto w = nd::pcap::find_walks(v);
  EXPECT_TRUE(w.walks.empty());
  EXPECT_EQ(w.lone_nxdomain, (std::vector<size_t>{0, 2}));
}

TEST(DnsTracking, RetriesSameIdCountedAndAnswered) {
  Pcap p;
  std::string qm = dns_query(99, "db.shop.svc.cluster.local");
  p.add(1'000'000, q(C, 41000, S, qm));
  p.add(2'000'000, q(C, 41000, S, qm));  // the resolver's retry
  p.add(2'100'000, a(S, C, 41000, dns_response(99, "db.shop.svc.cluster.local", 0)));
  auto r = analyze(p.bytes);
  EXPECT_EQ(r.summary.dns_queries, 2u);
  EXPECT_EQ(r.summary.dns_answered, 1u);
  EXPECT_EQ(r.summary.dns_unanswered, 0u);
  auto slow = events_of(r, EventKind::DnsSlow);  // 1.1 s after the first try
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_NEAR(slow[0]->latency_s, 1.1, 1e-6);
  EXPECT_NE(slow[0]->description.find("after 1.1s"), std::string::npos) << slow[0]->description;
}

TEST(DnsTracking, ErrorsAggregatedPerNameAndServer) {
  Pcap p;
  for (uint16_t i = 0; i < 3; ++i) {
    p.add(1'000'000 + i * 10'000, q(C, 42000 + i, S, dns_query(i, "api.lab")));
    p.add(1'000'500 + i * 10'000, a(S, C, 42000 + i, dns_response(i, "api.lab", 2)));
  }
  p.add(1'100'000, q(C, 43000, S, dns_query(50, "x.lab")));
  p.add(1'100'500, a(S, C, 43000, dns_response(50, "x.lab", 5)));
  auto r = analyze(p.bytes);
  auto err = events_of(r, EventKind::DnsError);
  ASSERT_EQ(err.size(), 2u);
  EXPECT_EQ(err[0]->dns_rcode, 2);
  EXPECT_EQ(err[0]->count, 3u);
  EXPECT_EQ(err[0]->packets.size(), 3u);
  EXPECT_EQ(err[1]->dns_rcode, 5);
  EXPECT_EQ(r.summary.dns_servfail, 3u);
  EXPECT_EQ(r.summary.dns_refused, 1u);
  EXPECT_TRUE(r.has_problems());
}

TEST(DnsTracking, OverTcp) {
  Pcap p;
  std::string qm = dns_query(5, "big.lab", 16), am = dns_response(5, "big.lab", 3, 16);
  p.add(1'000, eth(ipv4(C, S, 6, tcp(45000, 53, PSH | ACK, 1, 1, be16(uint16_t(qm.size())) + qm))));
  p.add(2'000, eth(ipv4(S, C, 6, tcp(53, 45000, PSH | ACK, 1, 1, be16(uint16_t(am.size())) + am))));
  auto r = analyze(p.bytes);
  EXPECT_EQ(r.summary.dns_queries, 1u);
  EXPECT_EQ(r.summary.dns_answered, 1u);
  EXPECT_EQ(r.summary.dns_nxdomain, 1u);
}

TEST(DnsTracking, ReplyFromThePodInsteadOfTheServiceAddress) {
  Pcap p;
  p.add(1'000, q(C, 47000, S, dns_query(11, "redis.shop.svc.cluster.local")));
  p.add(1'400, a(POD, C, 47000, dns_response(11, "redis.shop.svc.cluster.local", 0)));
  p.add(5'001'000, q(C, 47000, S, dns_query(11, "redis.shop.svc.cluster.local")));
  p.add(5'001'400, a(POD, C, 47000, dns_response(11, "redis.shop.svc.cluster.local", 0)));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::ReplyFromUnexpectedSource);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.server.str(), "10.96.0.10");
  EXPECT_EQ(ev[0]->other.str(), "10.244.2.5");
  EXPECT_EQ(ev[0]->dns_name, "redis.shop.svc.cluster.local");
  EXPECT_TRUE(events_of(r, EventKind::DnsUnanswered).empty());
  EXPECT_EQ(r.summary.dns_answered, 0u);
}

TEST(DnsTracking, ReplyCopyAfterDnatOnAnyIsHealthy) {
  // tcpdump -i any on the node: the query to the Service, its DNATed copy to the pod, the pod's
  // reply, and the reply un-DNATed back to the Service address.
  Pcap p(276);
  auto on = [](uint32_t ifindex, const std::string& ip) { return sll2(0x0800, ifindex, 0, ip); };
  std::string qm = dns_query(12, "web.lab"), am = dns_response(12, "web.lab", 0);
  p.add(1'000, on(3, ipv4(C, S, 17, udp(48000, 53, qm))));
  p.add(1'010, on(4, ipv4(C, POD, 17, udp(48000, 53, qm))));
  p.add(1'200, on(4, ipv4(POD, C, 17, udp(53, 48000, am))));
  p.add(1'210, on(3, ipv4(S, C, 17, udp(53, 48000, am))));
  auto r = analyze(p.bytes);
  EXPECT_TRUE(r.events.empty()) << r.events[0].description;
  EXPECT_EQ(r.summary.dns_answered, 1u);
}

TEST(DnsTracking, IdReusedForAnotherNameEndsTheFirstQuery) {
  Pcap p;
  p.add(1'000, q(C, 49000, S, dns_query(3, "first.lab")));
  p.add(20'000'000, q(C, 49000, S, dns_query(3, "second.lab")));
  p.add(20'000'300, a(S, C, 49000, dns_response(3, "second.lab", 0)));
  auto r = analyze(p.bytes);
  auto ev = events_of(r, EventKind::DnsUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->dns_name, "first.lab");
  EXPECT_EQ(r.summary.dns_answered, 1u);
}
