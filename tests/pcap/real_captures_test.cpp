// Captures recorded by others (tests/data/captures, README there): each must give the events its
// name promises, and not the ones it does not.
#include <gtest/gtest.h>

#include "builders.h"
#include "pcap/dns_message.h"

using nd::pcap::EventKind;
using nd::pcap::Level;
using ndt::analyze_path;
using ndt::capture;
using ndt::events_of;

TEST(RealCaptures, SynRetransmittedNoSynAck) {
  auto r = analyze_path(capture("ppa_nowebaccess3_syn_retrans_no_synack.pcapng"));
  auto ev = events_of(r, EventKind::SynUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  const auto& e = *ev[0];
  EXPECT_EQ(e.flow.client.str(), "172.16.0.8");
  EXPECT_EQ(e.flow.client_port, 1251);
  EXPECT_EQ(e.flow.server.str(), "74.125.95.105");
  EXPECT_EQ(e.flow.server_port, 80);
  EXPECT_EQ(e.count, 3u);
  EXPECT_EQ(e.packets, (std::vector<uint64_t>{3, 4, 5}));
  ASSERT_EQ(e.syn_times_us.size(), 3u);
  EXPECT_EQ(e.syn_times_us[2] - e.syn_times_us[0], 1'002'110);  // 12:16:06.044078 -> 07.046188
  EXPECT_EQ(e.level, Level::Critical);
  EXPECT_NE(e.description.find("3 SYNs"), std::string::npos) << e.description;
  EXPECT_NE(e.description.find("retransmitted at +0.005s, +1.0s"), std::string::npos) << e.description;
  // The DNS lookup before it was answered.
  EXPECT_EQ(r.summary.dns_queries, 1u);
  EXPECT_EQ(r.summary.dns_answered, 1u);
  EXPECT_TRUE(events_of(r, EventKind::DnsUnanswered).empty());
}

TEST(RealCaptures, SynAnsweredByRstThreeTimes) {
  auto r = analyze_path(capture("ppa_nowebaccess2_syn_rst_x3.pcapng"));
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
  auto ev = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->flow.str(), "tcp 172.16.0.8:1074 -> 172.16.0.102:80");
  EXPECT_EQ(ev[0]->count, 3u);  // three attempts, each refused
  EXPECT_EQ(ev[0]->packets, (std::vector<uint64_t>{3, 4, 5, 7}));
  EXPECT_EQ(r.summary.refused, 1u);
  EXPECT_EQ(r.summary.arp, 2u);
}

TEST(RealCaptures, DnsUnansweredSevenTries) {
  auto r = analyze_path(capture("ppa_nowebaccess1_dns_unanswered.pcapng"));
  auto ev = events_of(r, EventKind::DnsUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  const auto& e = *ev[0];
  EXPECT_EQ(e.dns_name, "www.google.com");
  EXPECT_EQ(e.count, 7u);
  EXPECT_EQ(e.flow.client.str(), "172.16.0.8");
  ASSERT_EQ(e.servers.size(), 2u);  // it alternated between two resolvers
  EXPECT_EQ(e.servers[0].str(), "4.2.2.2");
  EXPECT_EQ(e.servers[1].str(), "4.2.2.1");
  EXPECT_FALSE(e.at_capture_end);  // retried: the resolver itself said nothing came back
  EXPECT_EQ(r.summary.tcp, 0u);
  EXPECT_EQ(r.summary.tcp_flows, 0u);
  EXPECT_EQ(r.summary.dns_queries, 7u);
  EXPECT_EQ(r.summary.dns_unanswered, 1u);
}

TEST(RealCaptures, IcmpHostUnreachableThreeTimes) {
  auto r = analyze_path(capture("ppa1e_destunreachable_icmp_host_unreach.pcap"));
  auto ev = events_of(r, EventKind::IcmpUnreachable);
  ASSERT_EQ(ev.size(), 1u);
  const auto& e = *ev[0];
  EXPECT_EQ(e.icmp_type, 3);
  EXPECT_EQ(e.icmp_code, 1);  // host unreachable
  EXPECT_EQ(e.count, 3u);
  EXPECT_EQ(e.other.str(), "10.2.99.99");
  EXPECT_EQ(e.flow.client.str(), "10.2.10.2");
  EXPECT_EQ(e.flow.server.str(), "10.4.88.88");
  EXPECT_EQ(e.flow.client_port, 512);  // the echo identifier
  EXPECT_TRUE(e.inner_flow_seen);
  EXPECT_EQ(e.packets, (std::vector<uint64_t>{2, 4, 6}));
  EXPECT_NE(e.description.find("host unreachable"), std::string::npos);
}

TEST(RealCaptures, IcmpPortUnreachableForUdp) {
  auto r = analyze_path(capture("zeek_icmp-destunreach-udp_port_unreach.pcap"));
  auto ev = events_of(r, EventKind::IcmpUnreachable);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->icmp_code, 3);
  EXPECT_EQ(ev[0]->flow.str(), "udp 192.168.1.1:53 -> 192.168.1.102:59207");
  EXPECT_FALSE(ev[0]->inner_flow_seen);  // the capture holds only the ICMP message
  EXPECT_NE(ev[0]->description.find("port unreachable"), std::string::npos);
}

TEST(RealCaptures, NxdomainSearchSuffixWalk) {
  auto r = analyze_path(capture("zeek_wikipedia_nxdomain_search_suffix.pcap"));
  auto walks = events_of(r, EventKind::DnsSearchWalk);
  ASSERT_EQ(walks.size(), 1u);
  const auto& w = *walks[0];
  EXPECT_EQ(w.dns_name, "upload.wikimedia.org");
  EXPECT_EQ(w.resolved_as, "upload.wikimedia.org");
  EXPECT_EQ(w.count, 4u);  // the page looked the name up four times, each time with the suffix
  ASSERT_FALSE(w.dns_names.empty());
  EXPECT_EQ(w.dns_names[0], "upload.wikimedia.org.ncsa.uiuc.edu NXDOMAIN");
  EXPECT_EQ(w.level, Level::Info);
  EXPECT_EQ(r.summary.dns_nxdomain, 4u);
  // The suffixed names are part of the walk, not separate NXDOMAIN events.
  EXPECT_TRUE(events_of(r, EventKind::DnsNxdomain).empty());
}

TEST(RealCaptures, PlainNxdomain) {
  auto r = analyze_path(capture("ppa_dns_query_nonexistent_nxdomain.pcapng"));
  auto ev = events_of(r, EventKind::DnsNxdomain);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->dns_name, "12498283719301382971974.net");
  EXPECT_TRUE(events_of(r, EventKind::DnsSearchWalk).empty());
  EXPECT_FALSE(r.has_problems());  // NXDOMAIN alone is information
}

TEST(RealCaptures, ServfailAndTcp53) {
  auto r = analyze_path(capture("ppa_stranded_branchdns_servfail_tcp53_noanswer.pcapng"));
  auto ev = events_of(r, EventKind::DnsError);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->dns_rcode, 2);
  EXPECT_EQ(ev[0]->dns_name, "appserver");
  EXPECT_EQ(r.summary.dns_servfail, 1u);
  EXPECT_EQ(r.summary.syn_single, 1u);  // one SYN to TCP 53, capture ends: not yet "unanswered"
  EXPECT_TRUE(events_of(r, EventKind::SynUnanswered).empty());
}

TEST(RealCaptures, TenUnansweredQueriesFromTenClients) {
  auto r = analyze_path(capture("zeek_ticks-dns_10_unanswered_queries.pcap"));
  auto ev = events_of(r, EventKind::DnsUnanswered);
  EXPECT_EQ(ev.size(), 10u);
  EXPECT_EQ(r.summary.dns_unanswered, 10u);
  // The last queries were sent less than dns_timeout_s before the capture ended.
  size_t at_end = 0;
  for (auto* e : ev) at_end += e->at_capture_end;
  EXPECT_EQ(at_end, 5u);
}

TEST(RealCaptures, RefusedConnectsRetried) {
  auto r = analyze_path(capture("zeek_pop3_syn_rst_retry.pcap"));
  auto ev = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]->flow.server.str(), "212.227.15.188");
  EXPECT_EQ(ev[0]->count, 3u);
  EXPECT_EQ(ev[1]->flow.server.str(), "212.227.15.171");
  EXPECT_EQ(r.summary.handshakes_completed, 5u);
}

TEST(RealCaptures, FourSynsNoAnswer) {
  auto r = analyze_path(capture("zeek_tcp_option-sack_syn_x4_no_synack.pcap"));
  auto ev = events_of(r, EventKind::SynUnanswered);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->count, 4u);
}

TEST(RealCaptures, ClientAbortIsNotRefusal) {
  auto r = analyze_path(capture("zeek_tcp_syn-then-rst.pcap"));  // the RST comes from the client
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.summary.refused, 0u);
}

TEST(RealCaptures, SingleSynIsNotYetAProblem) {
  auto r = analyze_path(capture("zeek_tcp_syn_single.pcap"));
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.summary.syn_single, 1u);
}

TEST(RealCaptures, NmapScanRefusalsAndPtrNxdomains) {
  auto r = analyze_path(capture("zeek_nmap-vsn_rst_refused_and_ptr_nxdomain.pcap"));
  EXPECT_EQ(events_of(r, EventKind::RstOnConnect).size(), 6u);
  EXPECT_EQ(events_of(r, EventKind::DnsNxdomain).size(), 6u);
  EXPECT_EQ(r.summary.packets, 547u);
}

TEST(RealCaptures, TcpdumpIcmpHostUnreachable) {
  // tcpdump's own reading (expected output file) shows the ICMP host unreachable messages.
  std::string expected = ndt::read_file(capture("tcpdump_dhcp-rfc4388.expected_tcpdump_output.txt"));
  size_t in_text = 0;
  for (size_t p = 0; (p = expected.find("unreachable", p)) != std::string::npos; ++p) ++in_text;
  auto r = analyze_path(capture("tcpdump_dhcp-rfc4388_icmp_host_unreach.pcap"));
  EXPECT_EQ(r.summary.icmp_unreachable, in_text);
  uint64_t counted = 0;
  for (auto* e : events_of(r, EventKind::IcmpUnreachable)) counted += e->count;
  EXPECT_EQ(counted, in_text);
  EXPECT_EQ(r.summary.packets, 54u);
}

TEST(RealCaptures, TcpdumpBgpRefusals) {
  // Every "Flags [R.]" answer to a SYN in tcpdump's reading is a refused connect.
  std::string expected = ndt::read_file(capture("tcpdump_bgp-bgpsec.expected_tcpdump_output.txt"));
  size_t lines = 0;
  for (size_t p = 0; (p = expected.find("\n", p)) != std::string::npos; ++p) ++lines;
  auto r = analyze_path(capture("tcpdump_bgp-bgpsec_rst_refused_179.pcap"));
  auto ev = events_of(r, EventKind::RstOnConnect);
  ASSERT_EQ(ev.size(), 3u);
  for (auto* e : ev) {
    EXPECT_EQ(e->flow.server_port, 179);
    EXPECT_NE(expected.find(e->flow.server.str() + ".179 > " + e->flow.client.str()), std::string::npos);
  }
  EXPECT_EQ(r.summary.handshakes_completed, 2u);
  EXPECT_GT(lines, 0u);
}

TEST(RealCaptures, TcpdumpDnsNxdomain) {
  std::string expected = ndt::read_file(capture("tcpdump_dns-uri.expected_tcpdump_output.txt"));
  ASSERT_NE(expected.find("NXDomain"), std::string::npos);
  auto r = analyze_path(capture("tcpdump_dns-uri_nxdomain.pcap"));
  auto ev = events_of(r, EventKind::DnsNxdomain);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->dns_name, "_ftp.dns.test");
  EXPECT_EQ(nd::pcap::qtype_name(ev[0]->dns_qtype), "URI");
  EXPECT_NE(expected.find(ev[0]->dns_name), std::string::npos);
}

TEST(RealCaptures, EveryCaptureReadsWithoutAnomalies) {
  for (const char* f :
       {"ppa1e_destunreachable_icmp_host_unreach.pcap", "ppa_dns_query_nonexistent_nxdomain.pcapng",
        "ppa_nowebaccess1_dns_unanswered.pcapng", "ppa_nowebaccess2_syn_rst_x3.pcapng",
        "ppa_nowebaccess3_syn_retrans_no_synack.pcapng",
        "ppa_stranded_branchdns_servfail_tcp53_noanswer.pcapng", "ppa_tcp_refuseconnection.pcapng",
        "ppa_tcp_retransmissions_data_backoff.pcapng", "ppa_udp_dnsrequest_single_query_no_reply.pcapng",
        "tcpdump_bgp-bgpsec_rst_refused_179.pcap", "tcpdump_dhcp-rfc4388_icmp_host_unreach.pcap",
        "tcpdump_dns-uri_nxdomain.pcap", "zeek_conn-size_icmp_port_unreach_udp111.pcap",
        "zeek_dns_long-connection_nxdomain.pcap", "zeek_icmp-destunreach-udp_port_unreach.pcap",
        "zeek_nmap-vsn_rst_refused_and_ptr_nxdomain.pcap", "zeek_pop3_syn_rst_retry.pcap",
        "zeek_tcp_option-sack_syn_x4_no_synack.pcap", "zeek_tcp_syn-then-rst.pcap",
        "zeek_tcp_syn_single.pcap", "zeek_ticks-dns_10_unanswered_queries.pcap",
        "zeek_wikipedia_nxdomain_search_suffix.pcap"}) {
    auto r = analyze_path(capture(f));
    EXPECT_TRUE(r.anomalies.empty()) << f << ": " << r.anomalies[0].name;
    EXPECT_GT(r.summary.packets, 0u) << f;
    EXPECT_EQ(r.summary.link_type, "EN10MB") << f;
  }
}
