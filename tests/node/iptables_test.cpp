#include "node/iptables.h"

#include <gtest/gtest.h>

#include "fixture.h"

using namespace nd::node;

namespace {

IptablesSave load_fixture() {
  auto r = parse_iptables_save(nd::test::fixture("iptables-save.txt"), "nodes/n1/iptables-save.txt");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : IptablesSave{};
}

}  // namespace

TEST(Iptables, TablesChainsAndRules) {
  IptablesSave s = load_fixture();
  ASSERT_EQ(s.tables.size(), 3u);
  EXPECT_EQ(s.tables[0].name, "mangle");
  EXPECT_EQ(s.tables[1].name, "filter");
  EXPECT_EQ(s.tables[2].name, "nat");
  EXPECT_TRUE(s.anomalies.empty());
  const IptTable* filter = s.table("filter");
  ASSERT_NE(filter, nullptr);
  const IptChain* fwd = filter->chain("FORWARD");
  ASSERT_NE(fwd, nullptr);
  EXPECT_EQ(fwd->policy, "DROP");
  EXPECT_TRUE(fwd->builtin());
  EXPECT_FALSE(filter->chain("KUBE-SERVICES")->builtin());
  EXPECT_EQ(filter->rules_of("FORWARD").size(), 5u);

  const IptTable* nat = s.table("nat");
  auto svc = nat->rules_of("KUBE-SERVICES");
  ASSERT_EQ(svc.size(), 5u);
  const IptRule* dns = svc[1];
  EXPECT_EQ(dns->line, 102u);
  EXPECT_EQ(*dns->option("-d"), "10.96.0.10/32");
  EXPECT_EQ(*dns->option("-p"), "udp");
  EXPECT_EQ(*dns->option("--dport"), "53");
  EXPECT_EQ(dns->comment(), "kube-system/kube-dns:dns cluster IP");  // quotes removed, spaces kept
  EXPECT_EQ(dns->target(), "KUBE-SVC-TCOU7JCQXEZGVUNU");
  EXPECT_TRUE(dns->has_match("comment"));
  EXPECT_FALSE(dns->has_match("statistic"));
  EXPECT_EQ(dns->text.substr(0, 31), "-A KUBE-SERVICES -d 10.96.0.10/");
  const IptRule* fw = filter->rules_of("KUBE-FIREWALL")[0];
  EXPECT_TRUE(fw->negated("-s"));
  EXPECT_FALSE(fw->negated("-d"));
  EXPECT_EQ(s.table("raw"), nullptr);
}

TEST(Iptables, KubeProxyModelFromRealSaveOutput) {
  KubeProxyRules k = kube_proxy_rules(load_fixture());
  EXPECT_TRUE(k.present);
  EXPECT_TRUE(k.mark_masq);
  EXPECT_TRUE(k.anomalies.empty());
  ASSERT_EQ(k.services.size(), 6u);

  const KubeServicePort* dns = k.find("kube-system/kube-dns:dns", "udp");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->ns, "kube-system");
  EXPECT_EQ(dns->service, "kube-dns");
  EXPECT_EQ(dns->port_name, "dns");
  EXPECT_EQ(dns->cluster_ip, "10.96.0.10");
  EXPECT_EQ(dns->port, 53);
  EXPECT_EQ(dns->chain, "KUBE-SVC-TCOU7JCQXEZGVUNU");
  EXPECT_EQ(dns->line, 102u);
  ASSERT_EQ(dns->endpoints.size(), 2u);
  EXPECT_EQ(dns->endpoints[0].ip, "10.244.1.5");
  EXPECT_EQ(dns->endpoints[0].port, 53);
  EXPECT_DOUBLE_EQ(*dns->endpoints[0].probability, 0.5);
  EXPECT_EQ(dns->endpoints[0].line, 86u);
  EXPECT_EQ(dns->endpoints[1].ip, "10.244.2.7");
  EXPECT_FALSE(dns->endpoints[1].probability.has_value());  // the last one takes the rest
  EXPECT_FALSE(dns->has_reject);
  EXPECT_EQ(k.find_ip("10.96.0.10", 53, "tcp")->name, "kube-system/kube-dns:dns-tcp");

  const KubeServicePort* web = k.find("shop/web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->port_name, "");  // an unnamed port
  EXPECT_EQ(web->cluster_ip, "10.96.120.15");
  EXPECT_EQ(web->port, 80);
  EXPECT_EQ(web->protocol, "tcp");
  ASSERT_EQ(web->endpoints.size(), 3u);
  EXPECT_NEAR(*web->endpoints[0].probability, 1.0 / 3, 1e-9);  // 0.33333333349 after the kernel round trip
  EXPECT_EQ(web->endpoints[2].ip + ":" + std::to_string(web->endpoints[2].port), "10.244.2.8:8080");
  ASSERT_EQ(web->node_ports.size(), 1u);
  EXPECT_EQ(web->node_ports[0].port, 30080);
  EXPECT_FALSE(web->node_ports[0].reject);

  const KubeServicePort* api = k.find("default/kubernetes:https", "tcp");
  ASSERT_NE(api, nullptr);
  ASSERT_EQ(api->endpoints.size(), 1u);
  EXPECT_EQ(api->endpoints[0].ip, "192.168.50.11");
  EXPECT_EQ(api->endpoints[0].port, 6443);

  // Services without endpoints: only kube-proxy's REJECTs in the filter table.
  const KubeServicePort* cache = k.find("shop/cache:redis");
  ASSERT_NE(cache, nullptr);
  EXPECT_TRUE(cache->has_reject);
  EXPECT_EQ(cache->reject_line, 46u);
  EXPECT_EQ(cache->cluster_ip, "10.96.5.5");
  EXPECT_EQ(cache->port, 6379);
  EXPECT_TRUE(cache->endpoints.empty());
  EXPECT_EQ(cache->chain, "");
  const KubeServicePort* shop_api = k.find("shop/api:http");
  ASSERT_NE(shop_api, nullptr);
  EXPECT_TRUE(shop_api->has_reject);
  ASSERT_EQ(shop_api->node_ports.size(), 1u);
  EXPECT_EQ(shop_api->node_ports[0].port, 30443);
  EXPECT_TRUE(shop_api->node_ports[0].reject);
  EXPECT_EQ(shop_api->node_ports[0].line, 41u);
}

TEST(Iptables, CountersMissingCommitAndLegacyWarning) {
  auto r = parse_iptables_save(
      "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"
      "*nat\n:PREROUTING ACCEPT [12:720]\n:KUBE-SERVICES - [0:0]\n"
      "[5:300] -A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
      "-A KUBE-SERVICES -m comment --comment \"say \\\"hi\\\"\" -j RETURN\n",
      "ipt.txt");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const IptTable* nat = r->table("nat");
  EXPECT_EQ(nat->chain("PREROUTING")->packets, 12u);
  EXPECT_EQ(nat->chain("PREROUTING")->bytes, 720u);
  const IptRule& first = nat->rules[0];
  EXPECT_EQ(first.packets, 5u);
  EXPECT_EQ(first.bytes, 300u);
  EXPECT_EQ(first.target(), "KUBE-SERVICES");
  EXPECT_EQ(nat->rules[1].comment(), "say \"hi\"");
  ASSERT_EQ(r->anomalies.size(), 2u);
  EXPECT_EQ(r->anomalies[0].name, "legacy-tables-present");
  EXPECT_EQ(r->anomalies[1].name, "missing-commit");
  EXPECT_EQ(r->anomalies[1].line, 2u);
}

TEST(Iptables, MalformedNamesTheLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"-A INPUT -j ACCEPT\n", "f:1: '-A INPUT -j ACCEPT' outside a table (no '*table' line before it)"},
      {"*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -j DROP\nCOMMIT\n",
       "f:3: rule for chain 'FORWARD' that table filter does not declare"},
      {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n",
       "f:3: unterminated quote"},
      {"*filter\n:INPUT ACCEPT [0:0]\n-I INPUT -j ACCEPT\nCOMMIT\n",
       "f:3: expected a rule '-A CHAIN ...', got '-I INPUT -j ACCEPT'"},
      {"*filter\n:INPUT ACCEPT [x:0]\nCOMMIT\n", "f:2: bad counters '[x:0]', expected [packets:bytes]"},
      {"*filter\n:INPUT\nCOMMIT\n", "f:2: chain line needs ':NAME POLICY [packets:bytes]'"},
      {"COMMIT\n", "f:1: COMMIT outside a table"},
      {"*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SERVICES - [0:0]\nCOMMIT\n",
       "f:3: chain 'KUBE-SERVICES' declared twice in table nat"},
      {"*\n", "f:1: table name missing after '*'"},
  };
  for (const auto& c : cases) {
    auto r = parse_iptables_save(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(Iptables, KubeProxyIPv6AndBrokenChains) {
  // ip6tables-save form, an endpoint chain that is missing and one without DNAT.
  auto r = parse_iptables_save(
      "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-1 - [0:0]\n:KUBE-SEP-3 - [0:0]\n:KUBE-MARK-MASQ - "
      "[0:0]\n"
      "-A KUBE-SERVICES -d fd00:96::a/128 -p tcp -m comment --comment \"ns1/svc1:http cluster IP\" -m tcp --dport 80 "
      "-j KUBE-SVC-A\n"
      "-A KUBE-SVC-A -m comment --comment \"ns1/svc1:http -> [fd00:244::5]:8080\" -m statistic --mode random "
      "--probability 0.33333333349 -j KUBE-SEP-1\n"
      "-A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2\n"
      "-A KUBE-SVC-A -j KUBE-SEP-3\n"
      "-A KUBE-SEP-1 -p tcp -m comment --comment \"ns1/svc1:http\" -m tcp -j DNAT --to-destination [fd00:244::5]:8080\n"
      "-A KUBE-SEP-3 -s fd00:244::7/128 -j KUBE-MARK-MASQ\n"
      "COMMIT\n",
      "ip6tables-save.txt");
  ASSERT_TRUE(r.ok()) << r.error().message;
  KubeProxyRules k = kube_proxy_rules(*r);
  const KubeServicePort* s = k.find("ns1/svc1:http");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->cluster_ip, "fd00:96::a");
  ASSERT_EQ(s->endpoints.size(), 1u);
  EXPECT_EQ(s->endpoints[0].ip, "fd00:244::5");
  EXPECT_EQ(s->endpoints[0].port, 8080);
  ASSERT_EQ(k.anomalies.size(), 2u);
  EXPECT_EQ(k.anomalies[0].name, "endpoint-chain-missing");
  EXPECT_EQ(k.anomalies[0].line, 9u);
  EXPECT_EQ(k.anomalies[1].name, "endpoint-chain-without-dnat");
  EXPECT_EQ(k.anomalies[1].line, 10u);
}

TEST(Iptables, NoKubeProxy) {
  auto r = parse_iptables_save("", "empty.txt");  // iptables-save prints nothing when no table exists
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tables.empty());
  KubeProxyRules k = kube_proxy_rules(*r);
  EXPECT_FALSE(k.present);
  EXPECT_TRUE(k.services.empty());
}
