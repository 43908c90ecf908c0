// Corefile parsing: the kubeadm default, the old proxy plugin, several server blocks, snippets.
#include "dns/corefile.h"

#include <gtest/gtest.h>

using namespace nd::dns;

namespace {

const char* kKubeadm = R"(.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
)";

}  // namespace

TEST(Corefile, KubeadmDefault) {
  auto cf = parse_corefile(kKubeadm, "cm");
  ASSERT_TRUE(cf.ok()) << cf.error().message;
  ASSERT_EQ(cf->servers.size(), 1u);
  const ServerBlock& s = cf->servers[0];
  EXPECT_EQ(s.keys, std::vector<std::string>{".:53"});
  EXPECT_EQ(s.port(), 53);
  EXPECT_TRUE(s.plugin("loop"));
  ASSERT_TRUE(s.plugin("kubernetes"));
  EXPECT_EQ(s.plugin("kubernetes")->args.front(), "cluster.local");
  EXPECT_EQ(s.plugin("kubernetes")->block.size(), 3u);
  auto ups = upstreams(s);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].plugin, "forward");
  EXPECT_EQ(ups[0].from, ".");
  EXPECT_EQ(ups[0].to, std::vector<std::string>{"/etc/resolv.conf"});
  EXPECT_EQ(ups[0].line, 13u);
  EXPECT_TRUE(is_resolv_file(ups[0].to[0]));
}

TEST(Corefile, OldProxyPluginAndSeveralServers) {
  auto cf = parse_corefile(
      ".:53 {\n  errors\n  kubernetes cluster.local\n  proxy . /etc/resolv.conf\n  cache 30\n}\n"
      "corp.example:53 {\n  forward . 10.20.0.2 10.20.0.3:5353 tls://10.20.0.4  # site resolvers\n}\n"
      ".:1053 {\n  whoami\n}\n",
      "cm");
  ASSERT_TRUE(cf.ok()) << cf.error().message;
  ASSERT_EQ(cf->servers.size(), 3u);
  EXPECT_EQ(upstreams(cf->servers[0]).front().plugin, "proxy");
  EXPECT_FALSE(cf->servers[0].plugin("loop"));
  auto up = upstreams(cf->servers[1]).front();
  EXPECT_EQ(up.from, ".");
  EXPECT_EQ(up.to.size(), 3u);  // the comment is not an upstream
  EXPECT_EQ(upstream_host(up.to[1]), "10.20.0.3");
  EXPECT_EQ(upstream_host(up.to[2]), "10.20.0.4");
  EXPECT_EQ(upstream_host("dns://[fd00::53]:53"), "fd00::53");
  EXPECT_EQ(cf->servers[2].port(), 1053);
}

TEST(Corefile, SnippetsAreExpandedAndFileImportsWarned) {
  auto cf = parse_corefile(
      "(common) {\n  errors\n  loop\n}\nimport /etc/coredns/custom/*.server\n"
      ".:53 {\n  import common\n  forward . 127.0.0.1:5301\n}\n",
      "cm");
  ASSERT_TRUE(cf.ok()) << cf.error().message;
  ASSERT_EQ(cf->servers.size(), 1u);
  EXPECT_TRUE(cf->servers[0].plugin("loop"));
  EXPECT_EQ(cf->warnings.size(), 1u);
}

TEST(Corefile, OneLineBlocksAndQuotes) {
  auto cf = parse_corefile(".:53 { health { lameduck 5s } \n forward . \"/etc/resolv.conf\" }\n", "cm");
  ASSERT_TRUE(cf.ok()) << cf.error().message;
  ASSERT_EQ(cf->servers.size(), 1u);
  auto ups = upstreams(cf->servers[0]);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].to.front(), "/etc/resolv.conf");
}

TEST(Corefile, ErrorsNameTheLine) {
  auto open = parse_corefile(".:53 {\n  errors\n  health {\n", "kube-system/cm.yaml .data.Corefile");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("kube-system/cm.yaml .data.Corefile:3: block opened here is never closed"),
            std::string::npos)
      << open.error().message;
  auto nobrace = parse_corefile(".:53\n  errors\n", "cf");
  EXPECT_FALSE(nobrace.ok());
  auto quote = parse_corefile(".:53 {\n  forward . \"/etc/resolv.conf\n}\n", "cf");
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message.find("cf:2: unterminated"), std::string::npos);
  auto empty = parse_corefile("# nothing\n", "cf");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->servers.empty());
}
