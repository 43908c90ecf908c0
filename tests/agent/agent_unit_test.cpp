// Pure parts of the agent: flag parsers, the peer list and its rounds, the DNS message, the
// Prometheus writer (read back by the strict reader), the bundle's JSON and credential filter.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "agent/bundle.h"
#include "agent/metrics.h"
#include "agent/options.h"
#include "agent/peers.h"
#include "prom_text.h"

namespace nd::agent {
namespace {

TEST(AgentDuration, ParsesUnitsAndRejectsGarbage) {
  EXPECT_EQ(parse_duration("60s")->count(), 60000);
  EXPECT_EQ(parse_duration("500ms")->count(), 500);
  EXPECT_EQ(parse_duration("1m30s")->count(), 90000);
  EXPECT_EQ(parse_duration("2h")->count(), 7200000);
  EXPECT_EQ(parse_duration("15")->count(), 15000);
  for (const char* bad : {"", "s", "10x", "1.5s", "-3s", "10s5", "9999999999s", "200h"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("duration"), std::string::npos);
    }
  }
}

TEST(AgentAddress, HostPortAndIpPort) {
  auto a = parse_host_port("0.0.0.0:9742");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 9742);
  auto b = parse_host_port("[fd00::1]:80");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "fd00::1");
  EXPECT_FALSE(parse_host_port("fd00::1:80")) << "IPv6 needs brackets";
  EXPECT_FALSE(parse_host_port("host"));
  EXPECT_FALSE(parse_host_port("h:99999"));
  EXPECT_FALSE(parse_host_port("h:8x"));
  EXPECT_FALSE(parse_host_port(":80"));
  EXPECT_FALSE(parse_ip_port("example.invalid:80")) << "peers are addresses, never names";
  EXPECT_FALSE(parse_ip_port("10.0.0.1:0"));
  EXPECT_TRUE(parse_ip_port("10.0.0.1:8080"));
}

TEST(AgentPeers, FileWithCommentsDuplicatesAndLineErrors) {
  auto p = parse_peers_file("# peers\n10.244.1.5:8080\n\n10.244.2.7:8080  # node2\n10.244.1.5:8080\n[fd00::5]:80\n", "peers.txt");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ(to_string((*p)[2]), "[fd00::5]:80");
  auto bad = parse_peers_file("10.244.1.5:8080\nnode2:8080\n", "peers.txt");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("peers.txt:2: ", 0), 0u) << bad.error().message;
  auto list = parse_peers_list("10.0.0.1:1, 10.0.0.2:2,");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
  auto bad_list = parse_peers_list("10.0.0.1:1,x");
  ASSERT_FALSE(bad_list);
  EXPECT_NE(bad_list.error().message.find("item 2"), std::string::npos);
  std::string many;
  for (size_t i = 0; i <= kMaxPeers; ++i) many += "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + ":80\n";
  EXPECT_FALSE(parse_peers_file(many, "big")) << "the list itself is capped";
  EXPECT_FALSE(load_peers("/nonexistent/netdoctor-peers.txt"));
}

TEST(AgentPeers, RoundsAreCappedAndCoverEveryPeer) {
  std::vector<HostPort> peers;
  for (int i = 0; i < 37; ++i) peers.push_back({"10.0.0." + std::to_string(i + 1), 80});
  const size_t cap = 16;
  size_t rounds = (peers.size() + cap - 1) / cap;
  for (size_t start = 0; start < 5; ++start) {  // any run of `rounds` consecutive rounds covers all
    std::set<std::string> seen;
    for (size_t r = start; r < start + rounds; ++r) {
      auto one = peers_for_round(peers, r, cap);
      EXPECT_EQ(one.size(), cap);
      for (const auto& p : one) seen.insert(to_string(p));
    }
    EXPECT_EQ(seen.size(), peers.size()) << "rounds from " << start;
  }
  EXPECT_EQ(peers_for_round(peers, 3, 100).size(), peers.size());
  EXPECT_TRUE(peers_for_round(peers, 0, 0).empty());
}

// A response as a DNS server would write it, compressed answer name included.
TEST(AgentMetrics, WrittenTextParsesStrictly) {
  std::vector<MetricFamily> f = {
      {"netdoctor_probe_success", "1 if ok.\nsecond line \\ backslash", "gauge",
       {{{{"target", "10.0.0.1:80"}, {"kind", "tcp"}}, 1}, {{{"target", "we\"ird\\\n"}, {"kind", "dns"}}, 0}}},
      {"netdoctor_collect_errors_total", "Errors.", "counter", {{{}, 3}}},
      {"netdoctor_last_collect_timestamp_seconds", "Time.", "gauge", {{{}, 1796021660.25}}},
      {"netdoctor_nothing", "No samples yet.", "gauge", {}},
  };
  std::string text = render_prometheus(f);
  auto p = test::parse_prometheus(text);
  ASSERT_TRUE(p) << p.error().message << "\n" << text;
  EXPECT_EQ(test::prom_value(*p, "netdoctor_probe_success", {{"target", "we\"ird\\\n"}, {"kind", "dns"}}), 0);
  EXPECT_EQ(test::prom_value(*p, "netdoctor_collect_errors_total"), 3);
  EXPECT_DOUBLE_EQ(test::prom_value(*p, "netdoctor_last_collect_timestamp_seconds"), 1796021660.25);
  EXPECT_EQ(format_value(NAN), "NaN");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
}

TEST(AgentMetrics, StrictReaderRejectsBadText) {
  const char* bad[] = {
      "m 1\n",                                                      // no HELP/TYPE
      "# HELP m x\n# TYPE m gauge\nm 1",                            // no final newline
      "# HELP m x\n# TYPE m gauge\nm{a=\"1\",a=\"2\"} 1\n",         // label twice
      "# HELP m x\n# TYPE m gauge\nm{a=\"\\t\"} 1\n",               // bad escape
      "# HELP m x\n# TYPE m gauge\nm{a=1} 1\n",                     // unquoted
      "# HELP m x\n# TYPE m gauge\nm one\n",                        // bad value
      "# HELP m x\n# TYPE m gauge\nm 1\nm 2\n",                     // series twice
      "# HELP m a \\q\n# TYPE m gauge\nm 1\n",                       // bad escape in HELP
      "# HELP m x\n# TYPE m gauge\n# TYPE m counter\nm 1\n",         // second TYPE
      "# HELP m x\n# TYPE m gaug\nm 1\n",                           // unknown type
      "# HELP 1m x\n# TYPE 1m gauge\n1m 1\n",                       // bad name
      "# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n",  // not contiguous
  };
  for (const char* t : bad) EXPECT_FALSE(test::parse_prometheus(t)) << t;
}

TEST(AgentBundle, JsonRoundTripWithAnyBytes) {
  NodeBundle b;
  b.node = "node1";
  b.collected_at = rfc3339_utc(1796021660);
  EXPECT_EQ(b.collected_at, "2026-11-30T06:54:20Z");
  b.files["sysctl.txt"] = "net.ipv4.ip_forward = 1\n";
  b.files["cni/10-flannel.conflist"] = "{\"name\":\"cbr0\"}\n";
  b.files["odd.bin"] = std::string("a\xff\xfe\0b", 5);
  b.errors.push_back("x: cannot read");
  auto back = bundle_from_json(bundle_to_json(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->node, "node1");
  EXPECT_EQ(back->files.at("sysctl.txt"), b.files.at("sysctl.txt"));
  EXPECT_EQ(back->files.at("cni/10-flannel.conflist"), b.files.at("cni/10-flannel.conflist"));
  EXPECT_EQ(back->files.at("odd.bin").size(), std::string("a\xEF\xBF\xBD\xEF\xBF\xBD").size() + 2) << "invalid UTF-8 replaced";
  EXPECT_EQ(back->errors, b.errors);
  EXPECT_FALSE(bundle_from_json("{\"apiVersion\":\"v1\"}"));
  auto e = bundle_from_json(R"({"apiVersion":"netdoctor/v1","kind":"NodeBundle","node":"n","collectedAt":"t","files":{"a":1},"errors":[]})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("files.a"), std::string::npos);
}

TEST(AgentBundle, CredentialsAreLeftOut) {
  NodeBundle b;
  b.files["cni/10-calico.conflist"] = "{\"kubeconfig\": \"/etc/cni/net.d/calico-kubeconfig\"}\n";
  b.files["cni/calico-kubeconfig"] = "apiVersion: v1\nkind: Config\n";
  b.files["cni/other.yaml"] = "users:\n- name: x\n  user:\n    token: abc\n";
  b.files["cni/keys.conf"] = "client-key-data: AAAA\n";
  b.files["iptables-save.txt"] = "token: is not looked for outside cni/\n";
  for (auto& [k, v] : b.files) b.bytes += v.size();
  EXPECT_EQ(drop_credentials(b), 3u);
  EXPECT_EQ(b.files.size(), 2u);
  EXPECT_TRUE(b.files.count("cni/10-calico.conflist"));
  EXPECT_EQ(b.errors.size(), 3u);
  EXPECT_EQ(b.bytes, b.files["cni/10-calico.conflist"].size() + b.files["iptables-save.txt"].size());
}

}  // namespace
}  // namespace nd::agent
