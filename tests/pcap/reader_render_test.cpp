// Readers and renderers: the in-place classic-pcap reader gives the same report as libpcap's loop
// on every capture; pcapng, nanosecond and byte-swapped files read; text and JSON say what the
// events say.
#include <gtest/gtest.h>

#include <filesystem>

#include "builders.h"
#include "pcap/render.h"

using namespace ndt;
using nd::pcap::EventKind;

namespace {

std::vector<std::string> all_captures() {
  std::vector<std::string> out;
  for (const char* dir : {"/tests/data/captures", "/tests/data/pcap"}) {
    for (const auto& e : std::filesystem::directory_iterator(source_dir() + dir)) {
      std::string p = e.path().string();
      if (p.ends_with(".pcap") || p.ends_with(".pcapng")) out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(Reader, InPlaceReaderMatchesLibpcapLoop) {
  nd::pcap::Options fast, slow;
  fast.keep_flows = slow.keep_flows = true;
  slow.fast_read = false;
  size_t n = 0;
  for (const std::string& path : all_captures()) {
    auto a = analyze_path(path, fast), b = analyze_path(path, slow);
    EXPECT_EQ(nd::pcap::to_json(a).dump(), nd::pcap::to_json(b).dump()) << path;
    ++n;
  }
  EXPECT_GE(n, 30u);
}

TEST(Reader, BytesAndFileGiveTheSameReport) {
  std::string path = capture("zeek_wikipedia_nxdomain_search_suffix.pcap");
  auto f = analyze_path(path);
  auto b = analyze(read_file(path));
  b.source = f.source;
  EXPECT_EQ(nd::pcap::to_json(f).dump(), nd::pcap::to_json(b).dump());
}

TEST(Reader, NanosecondAndSwappedFiles) {
  std::string frame = eth(ipv4(ip4("10.0.0.1"), ip4("10.0.0.2"), 6, tcp(1, 80, SYN)));
  Pcap ns(1, 262144, 0xa1b23c4d);
  ns.raw(100, 123456789, static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size()), frame);
  for (bool fast : {true, false}) {
    nd::pcap::Options o;
    o.fast_read = fast;
    auto r = analyze(ns.bytes, o);
    EXPECT_EQ(r.summary.first_us, 100'123'456) << fast;
  }
  // Big-endian file: every header field byte-swapped.
  std::string be = be32(0xa1b2c3d4) + be16(2) + be16(4) + be32(0) + be32(0) + be32(65535) + be32(1);
  be += be32(5) + be32(6) + be32(static_cast<uint32_t>(frame.size())) +
        be32(static_cast<uint32_t>(frame.size())) + frame;
  for (bool fast : {true, false}) {
    nd::pcap::Options o;
    o.fast_read = fast;
    auto r = analyze(be, o);
    EXPECT_EQ(r.summary.packets, 1u);
    EXPECT_EQ(r.summary.first_us, 5'000'006);
    EXPECT_EQ(r.summary.tcp, 1u);
  }
}

TEST(Reader, PcapngThroughLibpcap) {
  auto r = analyze_path(capture("ppa_nowebaccess3_syn_retrans_no_synack.pcapng"));
  EXPECT_EQ(r.summary.packets, 5u);
  // A pcapng file cut in the middle of a block: read what is there, name the cut.
  std::string bytes = read_file(capture("ppa_nowebaccess3_syn_retrans_no_synack.pcapng"));
  auto cut = analyze(bytes.substr(0, bytes.size() - 30));
  EXPECT_LT(cut.summary.packets, 5u);
  EXPECT_FALSE(cut.anomalies.empty());
}

TEST(Render, TextSummaryAndEvents) {
  auto r = analyze_path(capture("ppa_nowebaccess3_syn_retrans_no_synack.pcapng"));
  std::string t = nd::pcap::render_text(r, {});
  EXPECT_NE(t.find("5 packets"), std::string::npos) << t;
  EXPECT_NE(t.find("[capture-syn-unanswered]"), std::string::npos) << t;
  EXPECT_NE(t.find("tcp 172.16.0.8:1251 -> 74.125.95.105:80: 3 SYNs"), std::string::npos) << t;
  EXPECT_NE(t.find("packets 3, 4, 5"), std::string::npos) << t;
  EXPECT_NE(t.find("2010-03-18 12:16:06.029657 UTC"), std::string::npos) << t;
  EXPECT_EQ(t.find("\nflows ("), std::string::npos);  // no table unless asked
  nd::pcap::Options o;
  o.keep_flows = true;
  nd::pcap::TextOptions to;
  to.flows = true;
  std::string withflows = nd::pcap::render_text(analyze_path(capture("zeek_pop3_syn_rst_retry.pcap"), o), to);
  EXPECT_NE(withflows.find("flows (7)"), std::string::npos) << withflows;
  EXPECT_NE(withflows.find("refused"), std::string::npos);
}

TEST(Render, TextCutsLongEventLists) {
  auto r = analyze_path(capture("zeek_ticks-dns_10_unanswered_queries.pcap"));
  nd::pcap::TextOptions to;
  to.events_per_kind = 3;
  std::string t = nd::pcap::render_text(r, to);
  EXPECT_NE(t.find("... and 7 more"), std::string::npos) << t;
}

TEST(Render, JsonCarriesEvidence) {
  auto r = analyze_path(recorded("hairpin_brnf_off.pcap"));
  auto j = nd::pcap::to_json(r);
  ASSERT_EQ(j["events"].size(), 1u);
  const auto& e = j["events"][0];
  EXPECT_EQ(e["kind"], "reply-from-unexpected-source");
  EXPECT_EQ(e["check"], "capture-reply-from-unexpected-source");
  EXPECT_EQ(e["level"], "critical");
  EXPECT_EQ(e["flow"]["server"], "10.96.7.10");
  EXPECT_EQ(e["other"], "10.244.7.3");
  EXPECT_EQ(e["packets"].size(), e["times_us"].size());
  EXPECT_EQ(j["summary"]["link_type"], "EN10MB");
  EXPECT_TRUE(j["problems"].get<bool>());
  auto v = nd::pcap::to_json(analyze_path(recorded("vxlan.pcap")));
  EXPECT_EQ(v["events"][0]["flow"]["tunnel"], "vxlan");
  EXPECT_EQ(v["events"][0]["flow"]["vni"], 42);
}

TEST(Render, CheckIdsMatchTheDesign) {
  EXPECT_EQ(nd::pcap::check_id(EventKind::SynUnanswered), "capture-syn-unanswered");
  EXPECT_EQ(nd::pcap::check_id(EventKind::ReplyFromUnexpectedSource), "capture-reply-from-unexpected-source");
  EXPECT_EQ(nd::pcap::check_id(EventKind::RstOnConnect), "capture-rst-on-connect");
  EXPECT_EQ(nd::pcap::check_id(EventKind::IcmpUnreachable), "capture-icmp-unreachable");
  EXPECT_EQ(nd::pcap::check_id(EventKind::DnsUnanswered), "capture-dns-unanswered");
}
