// Hand-made malformed captures, built as bytes: every defect must come out as its named anomaly
// (or, when the file cannot be read at all, as an error naming it) - never as a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "builders.h"

using namespace ndt;
using nd::pcap::EventKind;

namespace {

const uint32_t A = ip4("10.1.0.1"), B = ip4("10.1.0.2");

std::string syn_frame() { return eth(ipv4(A, B, 6, tcp(40000, 80, SYN))); }

// Analyses with both readers (libpcap's loop and the in-place one); both must agree.
nd::pcap::Report both(const std::string& bytes) {
  nd::pcap::Options slow;
  slow.fast_read = false;
  auto a = analyze(bytes);
  auto b = analyze(bytes, slow);
  EXPECT_EQ(a.summary.packets, b.summary.packets);
  EXPECT_EQ(a.anomalies.size(), b.anomalies.size());
  for (size_t i = 0; i < a.anomalies.size() && i < b.anomalies.size(); ++i) {
    EXPECT_EQ(a.anomalies[i].name, b.anomalies[i].name);
    EXPECT_EQ(a.anomalies[i].count, b.anomalies[i].count);
    EXPECT_EQ(a.anomalies[i].detail, b.anomalies[i].detail);
  }
  return a;
}

uint64_t first_packet(const nd::pcap::Report& r, const std::string& name) {
  for (const auto& a : r.anomalies) {
    if (a.name == name) return a.first_packet;
  }
  return 0;
}

}  // namespace

TEST(Malformed, ZeroLengthInputIsAnError) {
  auto r = nd::pcap::analyze_bytes("", {}, "empty.pcap");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("empty.pcap"), std::string::npos);
  EXPECT_NE(r.error().message.find("empty"), std::string::npos);

  char path[] = "/tmp/nd-pcap-empty-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  auto f = nd::pcap::analyze_file(path, {});
  unlink(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find(path), std::string::npos) << f.error().message;
}

TEST(Malformed, MissingFileAndDirectoryAreErrors) {
  auto r = nd::pcap::analyze_file("/nonexistent/nd-capture.pcap", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/nd-capture.pcap"), std::string::npos);
  auto d = nd::pcap::analyze_file("/tmp", {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("directory"), std::string::npos);
}

TEST(Malformed, NotACaptureIsAnError) {
  auto r = nd::pcap::analyze_bytes("this is a text file, not a capture\n", {}, "notes.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("notes.txt: not a pcap or pcapng capture"), std::string::npos)
      << r.error().message;
}

TEST(Malformed, TruncatedFileHeaderIsAnError) {
  Pcap p;
  auto r = nd::pcap::analyze_bytes(p.bytes.substr(0, 10), {}, "cut.pcap");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cut.pcap"), std::string::npos);
}

TEST(Malformed, EmptyCaptureHasNoPackets) {
  auto r = both(Pcap().bytes);
  EXPECT_EQ(r.summary.packets, 0u);
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_TRUE(r.events.empty());
}

TEST(Malformed, TruncatedRecordHeader) {
  Pcap p;
  p.add(1'000'000, syn_frame());
  p.bytes += std::string("\x01\x02\x03\x04\x05", 5);  // 5 of the next record header's 16 bytes
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.packets, 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_file"), 1u);
  EXPECT_NE(r.anomalies[0].detail.find("only got 5"), std::string::npos) << r.anomalies[0].detail;
}

TEST(Malformed, TruncatedPacketData) {
  Pcap p;
  p.add(1'000'000, syn_frame());
  std::string frame = syn_frame();
  p.raw(2, 0, static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size()),
        frame.substr(0, 20));  // the record promises 54 bytes, the file ends after 20
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.packets, 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_file"), 1u);
}

TEST(Malformed, CaplenAboveLen) {
  Pcap p;
  std::string frame = syn_frame();
  p.raw(1, 0, static_cast<uint32_t>(frame.size()), 20, frame);  // wire length below what was captured
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "caplen_exceeds_len"), 1u);
  EXPECT_EQ(r.summary.tcp, 1u);  // the bytes are there, so the packet is still read
}

TEST(Malformed, CaplenAboveAnyValidSnaplen) {
  Pcap p;
  p.add(1'000'000, syn_frame());
  p.raw(2, 0, 300'000, 300'000, std::string(100, '\0'));
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.packets, 1u);
  EXPECT_EQ(anomaly_count(r, "capture_read_error"), 1u);
}

TEST(Malformed, RecordLargerThanFileSnaplenIsCutToIt) {
  Pcap p(1, 60);  // the header says 60 bytes; this record holds 80
  std::string frame = eth(ipv4(A, B, 17, udp(5000, 6000, std::string(38, 'x'))));
  ASSERT_EQ(frame.size(), 80u);
  p.add(1'000'000, frame);
  p.add(2'000'000, syn_frame());
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.packets, 2u);
  EXPECT_EQ(r.summary.captured_bytes, 60u + syn_frame().size());
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(Malformed, UnknownLinkType) {
  Pcap p(147);  // LINKTYPE_USER0: nothing we decode
  p.add(1'000'000, syn_frame()).add(2'000'000, syn_frame());
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "unknown_link_type"), 2u);
  EXPECT_EQ(r.summary.link_type, "DLT_147");  // libpcap has no name for it
  EXPECT_EQ(r.summary.flows, 0u);
}

TEST(Malformed, ZeroLengthPacket) {
  Pcap p;
  p.add(1'000'000, "", 0);
  p.add(2'000'000, syn_frame());
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.packets, 2u);
  EXPECT_EQ(anomaly_count(r, "truncated_link_header"), 1u);
  EXPECT_EQ(first_packet(r, "truncated_link_header"), 1u);
  EXPECT_EQ(r.summary.tcp, 1u);
}

TEST(Malformed, CutBySnaplenInsideTcpHeader) {
  Pcap p;
  std::string frame = syn_frame();
  p.add(1'000'000, frame.substr(0, 40), static_cast<uint32_t>(frame.size()));
  auto r = both(p.bytes);
  EXPECT_EQ(r.summary.snaplen_cut, 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_tcp_header"), 1u);
  EXPECT_EQ(r.summary.flows, 0u);  // without ports there is no flow to count it in
}

TEST(Malformed, Ipv4HeaderProblems) {
  Pcap p;
  p.add(1, eth(ipv4(A, B, 6, tcp(1, 2, SYN), V4{.ihl = 3})));                   // IHL below 5
  p.add(2, eth(ipv4(A, B, 6, tcp(1, 2, SYN), V4{.total = 12})));                // total < header
  p.add(3, eth(ipv4(A, B, 6, tcp(1, 2, SYN), V4{.total = 1400})));              // > frame
  p.add(4, eth(ipv4(A, B, 6, tcp(1, 2, SYN), V4{.version = 6})));               // says IPv6
  p.add(5, eth(ipv4(A, B, 6, "", V4{.ihl = 15}).substr(0, 14 + 30)));           // options cut
  p.add(6, eth(std::string("\x45\x00", 2)));                                     // 2 bytes of IP
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "bad_ipv4_header_length"), 1u);
  EXPECT_EQ(anomaly_count(r, "bad_ipv4_total_length"), 1u);
  EXPECT_EQ(anomaly_count(r, "ipv4_length_exceeds_frame"), 1u);
  EXPECT_EQ(anomaly_count(r, "ip_version_mismatch"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_ipv4_header"), 2u);
  EXPECT_EQ(first_packet(r, "ipv4_length_exceeds_frame"), 3u);
}

TEST(Malformed, Ipv6HeaderProblems) {
  std::string s = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 1}), d = ip6({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  Pcap p;
  p.add(1, eth(ipv6(s, d, 6, tcp(1, 2, SYN)).substr(0, 30), 0x86dd));            // header cut
  std::string chain;
  for (int i = 0; i < 9; ++i) chain += ext8(i == 8 ? 6 : 0);                     // 9 hop-by-hop
  p.add(2, eth(ipv6(s, d, 0, tcp(1, 2, SYN), chain), 0x86dd));
  p.add(3, eth(ipv6(s, d, 60, "", std::string("\x06\x05", 2)), 0x86dd));         // ext says 48 bytes
  p.add(4, eth(ipv6(s, d, 6, tcp(1, 2, SYN), "", 900), 0x86dd));                 // payload > frame
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "truncated_ipv6_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "too_many_ipv6_extension_headers"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_ipv6_extension_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "ipv6_length_exceeds_frame"), 1u);
}

TEST(Malformed, TransportHeaderProblems) {
  Pcap p;
  std::string bad_doff = tcp(1, 2, SYN);
  bad_doff[12] = 0x20;  // data offset 2 words
  p.add(1, eth(ipv4(A, B, 6, bad_doff)));
  std::string bad_ulen = udp(1, 2, "abcd");
  bad_ulen[4] = 0, bad_ulen[5] = 4;  // UDP length 4 < 8
  p.add(2, eth(ipv4(A, B, 17, bad_ulen)));
  p.add(3, eth(ipv4(A, B, 17, "\x00\x01\x00")));                                  // 3 bytes of UDP
  p.add(4, eth(ipv4(A, B, 1, "\x03\x01")));                                      // 2 bytes of ICMP
  p.add(5, eth(ipv4(B, A, 1, icmp(3, 1, 0, ipv4(A, B, 6, "").substr(0, 12)))));  // quote cut
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "bad_tcp_header_length"), 1u);
  EXPECT_EQ(anomaly_count(r, "bad_udp_length"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_udp_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_icmp_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_icmp_quoted_packet"), 1u);
  EXPECT_EQ(r.summary.icmp_unreachable, 1u);  // counted, though it can name no flow
}

TEST(Malformed, VlanAndLinkHeaders) {
  Pcap p;
  std::string tagged = eth(ipv4(A, B, 6, tcp(1, 2, SYN)), 0x0800, {10, 20, 30, 40, 50});
  p.add(1, tagged);                                                   // five tags
  p.add(2, eth("", 0x8100).substr(0, 16));                            // a tag cut after 2 bytes
  p.add(3, std::string(10, '\x02'));                                  // not even an Ethernet header
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "too_many_vlan_tags"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_vlan_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_link_header"), 1u);

  Pcap sll(113);  // Linux cooked v1 needs 16 bytes
  sll.add(1, std::string(12, '\0'));
  EXPECT_EQ(anomaly_count(both(sll.bytes), "truncated_link_header"), 1u);
}

TEST(Malformed, DnsMessages) {
  Pcap p;
  auto dns = [&](int64_t t, const std::string& msg) {
    p.add(t, eth(ipv4(A, B, 17, udp(40000, 53, msg))));
  };
  dns(1, "\x12\x34\x01");                                          // 3 bytes: no header
  std::string loop = dns_query(1, "a.example");
  loop.replace(12, std::string::npos, std::string("\xc0\x0c", 2) + be16(1) + be16(1));  // points at itself
  dns(2, loop);
  std::string label = dns_query(2, "a.example");
  label[12] = 0x41;                                                // label type 01: reserved
  dns(3, label);
  std::string longname;
  for (int i = 0; i < 5; ++i) longname += std::string(60, 'a') + ".";
  dns(4, dns_query(3, longname + "lab"));                          // more than 255 bytes
  dns(5, dns_query(4, "cut.example").substr(0, 18));               // question cut
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "truncated_dns_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "dns_pointer_loop"), 1u);
  EXPECT_EQ(anomaly_count(r, "bad_dns_label"), 1u);
  EXPECT_EQ(anomaly_count(r, "dns_name_too_long"), 1u);
  EXPECT_EQ(anomaly_count(r, "truncated_dns_question"), 1u);
  EXPECT_EQ(r.summary.dns_queries, 0u);
}

TEST(Malformed, TunnelsCutOrTooDeep) {
  Pcap p;
  std::string inner = eth(ipv4(ip4("10.244.1.2"), ip4("10.244.2.3"), 6, tcp(1, 2, SYN)));
  std::string vx = eth(ipv4(A, B, 17, udp(5555, 8472, vxlan(1, inner))));
  p.add(1, vx.substr(0, 14 + 20 + 8 + 4), static_cast<uint32_t>(vx.size()));  // VXLAN header cut
  std::string nested = inner;
  for (int i = 0; i < 3; ++i) nested = eth(ipv4(A, B, 17, udp(5555, 8472, vxlan(1, nested))));
  p.add(2, nested);
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "truncated_vxlan_header"), 1u);
  EXPECT_EQ(anomaly_count(r, "tunnel_too_deep"), 1u);
}

TEST(Malformed, TimeGoingBackwards) {
  Pcap p;
  p.add(10'000'000, syn_frame());
  p.add(9'999'990, syn_frame());  // 10 µs back: reordering, not an anomaly
  p.add(5'000'000, syn_frame());  // 5 s back
  auto r = both(p.bytes);
  EXPECT_EQ(anomaly_count(r, "time_went_backwards"), 1u);
  EXPECT_EQ(first_packet(r, "time_went_backwards"), 3u);
}

TEST(Malformed, FlowTableLimit) {
  Pcap p;
  for (uint16_t port = 1; port <= 5; ++port) p.add(port, eth(ipv4(A, B, 17, udp(port, 9, "x"))));
  nd::pcap::Options o;
  o.max_live_flows = 2;
  auto r = analyze(p.bytes, o);
  EXPECT_EQ(r.summary.flows, 2u);
  EXPECT_EQ(anomaly_count(r, "flow_table_full"), 3u);
}
