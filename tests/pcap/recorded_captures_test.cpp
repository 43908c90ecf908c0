// Captures we recorded ourselves in network namespaces (tests/data/pcap/record.sh; the README there
// says how each was made). Each stands for one playbook failure and must be diagnosed as such.
#include <gtest/gtest.h>

#include "builders.h"

using nd::pcap::EventKind;
using nd::pcap::FlowState;
using nd::pcap::Level;
using ndt::analyze_path;
using ndt::events_of;
using ndt::recorded;

namespace {
nd::pcap::Report with_flows(const std::string& name) {
  nd::pcap::Options o;
  o.keep_flows = true;
  return analyze_path(recorded(name), o);
}
const nd::pcap::FlowRecord* flow_to(const nd::pcap::Report& r, const std::string& server, uint16_t port) {
  for (const auto& f : r.flows) {
    if (f.id.server.str() == server && f.id.server_port == port) return &f;
  }
  return nullptr;
}
}  // namespace

TEST(RecordedCaptures, SynToDeadAddress) {
  auto r = with_flows("syn_dead_address.pcap");
  auto ev = events_of(r, EventKind::SynUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.server.str(), "10.201.99.7");
  EXPECT_EQ(ev[0]->flow.server_port, 8080);
  EXPECT_GE(ev[0]->count, 3u);
  EXPECT_EQ(ev[0]->count, r.summary.packets);  // every packet is one of its SYNs
  auto* f = flow_to(r, "10.201.99.7", 8080);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->state, FlowState::Unanswered);
  EXPECT_EQ(f->packets_s2c, 0u);
}

TEST(RecordedCaptures, ForwardingOffOnTheRouter) {
  auto r = analyze_path(recorded("forwarding_off.pcap"));
  auto ev = events_of(r, EventKind::SynUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.str(), "tcp 10.202.1.2:" + std::to_string(ev[0]->flow.client_port) +
                                   " -> 10.202.2.2:80");
  EXPECT_GE(ev[0]->count, 3u);
  // Retransmissions about a second apart or more (never the copies of one SYN).
  for (size_t i = 1; i < ev[0]->syn_times_us.size(); ++i) {
    EXPECT_GT(ev[0]->syn_times_us[i] - ev[0]->syn_times_us[i - 1], 900'000);
  }
  EXPECT_TRUE(r.has_problems());
}

TEST(RecordedCaptures, RoutedTrafficCapturedOnAnyIsNotDoubleCounted) {
  auto r = with_flows("routed_any.pcap");
  EXPECT_EQ(r.summary.link_type, "LINUX_SLL2");
  // Each packet was seen on the way in and on the way out: copies, not retransmissions.
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
  auto refused = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]->flow.server_port, 81);
  EXPECT_EQ(refused[0]->count, 1u);  // one SYN, seen twice
  auto* ok = flow_to(r, "10.202.2.2", 80);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->state, FlowState::Closed);
  EXPECT_EQ(ok->syns, 1u);
  EXPECT_EQ(r.summary.handshakes_completed, 1u);
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(RecordedCaptures, IcmpFromRejectRules) {
  auto r = with_flows("icmp_reject.pcap");
  auto icmp = events_of(r, EventKind::IcmpUnreachable);
  ASSERT_EQ(icmp.size(), 4u);
  // --reject-with icmp-port-unreachable, icmp-host-prohibited, icmp-admin-prohibited, then the
  // kernel's own port unreachable for a UDP datagram to a closed port.
  EXPECT_EQ(icmp[0]->flow.server_port, 81);
  EXPECT_EQ(icmp[0]->icmp_code, 3);
  EXPECT_NE(icmp[0]->description.find("firewall rule"), std::string::npos) << icmp[0]->description;
  EXPECT_EQ(icmp[1]->flow.server_port, 82);
  EXPECT_EQ(icmp[1]->icmp_code, 10);
  EXPECT_EQ(icmp[2]->flow.server_port, 83);
  EXPECT_EQ(icmp[2]->icmp_code, 13);
  EXPECT_EQ(icmp[2]->level, Level::Critical);
  EXPECT_EQ(icmp[3]->flow.proto, 17);
  EXPECT_EQ(icmp[3]->flow.server_port, 5353);
  for (auto* e : icmp) {
    EXPECT_TRUE(e->inner_flow_seen);
    EXPECT_EQ(e->other.str(), "10.203.0.1");
  }
  // The rejected connects are "unreachable" flows, not unanswered SYNs.
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
  auto* f82 = flow_to(r, "10.203.0.1", 82);
  ASSERT_NE(f82, nullptr);
  EXPECT_EQ(f82->state, FlowState::Unreachable);
  // tcp-reset and a port nobody listens on: RSTs.
  auto refused = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0]->flow.server_port, 84);
  EXPECT_EQ(refused[1]->flow.server_port, 85);
}

TEST(RecordedCaptures, NxdomainSearchWalkAgainstDnsmasq) {
  auto r = analyze_path(recorded("dns_search_walk.pcap"));
  auto walks = events_of(r, EventKind::DnsSearchWalk);
  ASSERT_EQ(walks.size(), 3u);
  // "redis" exists under no suffix: every name NXDOMAIN.
  EXPECT_EQ(walks[0]->dns_name, "redis");
  EXPECT_EQ(walks[0]->resolved_as, "");
  EXPECT_EQ(walks[0]->level, Level::Warning);
  EXPECT_EQ(walks[0]->dns_names,
            (std::vector<std::string>{"redis.shop.svc.cluster.local NXDOMAIN",
                                      "redis.svc.cluster.local NXDOMAIN",
                                      "redis.cluster.local NXDOMAIN", "redis NXDOMAIN"}));
  // "api.known.lab" after three NXDOMAINs.
  EXPECT_EQ(walks[1]->dns_name, "api.known.lab");
  EXPECT_EQ(walks[1]->resolved_as, "api.known.lab");
  EXPECT_EQ(walks[1]->level, Level::Info);
  EXPECT_EQ(walks[1]->dns_names.size(), 4u);
  EXPECT_EQ(walks[2]->dns_name, "web.known.lab");
  EXPECT_EQ(walks[2]->resolved_as, "web.known.lab");
  EXPECT_EQ(r.summary.dns_search_walks, 3u);
  EXPECT_EQ(r.summary.dns_queries, r.summary.dns_answered);
  EXPECT_TRUE(events_of(r, EventKind::DnsUnanswered).empty());
}

TEST(RecordedCaptures, DnsToABlackholedResolver) {
  auto r = analyze_path(recorded("dns_unanswered.pcap"));
  auto ev = events_of(r, EventKind::DnsUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->dns_name, "db.shop.lab");
  EXPECT_EQ(ev[0]->count, 3u);  // attempts:3
  EXPECT_EQ(ev[0]->servers.size(), 1u);
  EXPECT_EQ(ev[0]->servers[0].str(), "10.201.99.53");
  EXPECT_EQ(ev[0]->level, Level::Critical);
}

TEST(RecordedCaptures, VxlanInnerFlowsAttributedToVteps) {
  auto r = with_flows("vxlan.pcap");
  EXPECT_GT(r.summary.vxlan, 10u);
  auto refused = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(refused.size(), 1u);
  const auto& f = refused[0]->flow;
  EXPECT_EQ(f.server.str(), "10.244.42.2");
  EXPECT_EQ(f.server_port, 81);
  EXPECT_EQ(f.tunnel, 1);
  EXPECT_EQ(f.vni, 42u);
  EXPECT_EQ(f.outer_src.str(), "192.168.201.1");
  EXPECT_EQ(f.outer_dst.str(), "192.168.201.2");
  auto* ok = flow_to(r, "10.244.42.2", 80);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->state, FlowState::Closed);
  EXPECT_EQ(ok->id.tunnel, 1);
  EXPECT_EQ(r.summary.handshakes_completed, 1u);
  // No flow for the outer UDP 8472 packets: they were decapsulated.
  for (const auto& fl : r.flows) EXPECT_NE(fl.id.server_port, 8472) << fl.id.str();
  // With decapsulation off, the same capture is just UDP between the nodes.
  nd::pcap::Options off;
  off.decode_tunnels = false;
  off.keep_flows = true;
  auto raw = analyze_path(recorded("vxlan.pcap"), off);
  EXPECT_EQ(raw.summary.vxlan, 0u);
  EXPECT_TRUE(raw.events.empty());
  EXPECT_EQ(raw.summary.tcp, 0u);
}

TEST(RecordedCaptures, HairpinWithoutBridgeNetfilterSeenFromThePod) {
  auto r = with_flows("hairpin_brnf_off.pcap");
  auto ev = events_of(r, EventKind::ReplyFromUnexpectedSource);
  ASSERT_EQ(ev.size(), 1u);
  const auto& e = *ev[0];
  EXPECT_EQ(e.flow.server.str(), "10.96.7.10");  // the Service address the SYN went to
  EXPECT_EQ(e.flow.server_port, 80);
  EXPECT_EQ(e.other.str(), "10.244.7.3");        // the endpoint pod that answered
  EXPECT_EQ(e.other_port, 80);
  EXPECT_EQ(e.level, Level::Critical);
  EXPECT_NE(e.description.find("not un-DNATed"), std::string::npos);
  // It explains the unanswered SYNs: no separate syn-unanswered event.
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
  auto* f = flow_to(r, "10.96.7.10", 80);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->state, FlowState::UnexpectedSource);
}

TEST(RecordedCaptures, HairpinWithoutBridgeNetfilterSeenOnTheNodeAny) {
  // On the node with -i any the DNATed copy of each SYN (to the pod address) is seen too; the
  // SYN-ACK still comes back from the pod, and nothing un-DNATs it.
  auto r = analyze_path(recorded("hairpin_brnf_off_any.pcap"));
  auto ev = events_of(r, EventKind::ReplyFromUnexpectedSource);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.server.str(), "10.96.7.10");
  EXPECT_EQ(ev[0]->other.str(), "10.244.7.3");
  EXPECT_EQ(ev[0]->count, 4u);  // four SYNs; the copies on other interfaces are not counted
}

TEST(RecordedCaptures, HairpinWithBridgeNetfilterIsHealthy) {
  auto r = analyze_path(recorded("hairpin_brnf_on_any.pcap"));
  EXPECT_TRUE(events_of(r, EventKind::ReplyFromUnexpectedSource).empty());
  EXPECT_FALSE(r.has_problems());
  EXPECT_GE(r.summary.handshakes_completed, 1u);
}
