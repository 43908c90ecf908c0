#include "node/sysctl.h"

#include <gtest/gtest.h>

#include "fixture.h"

using namespace nd::node;

TEST(Sysctl, ParsesRealSysctlOutputOfANetns) {
  // `ip netns exec ndfix-node sysctl -a` (tests/data/node/README.md).
  auto r = parse_sysctl(nd::test::fixture("sysctl.txt"), "nodes/n1/sysctl.txt");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->entries.size(), 1000u);
  EXPECT_TRUE(r->anomalies.empty());
  const SysctlLine* fwd = r->find("net.ipv4.ip_forward");
  ASSERT_NE(fwd, nullptr);
  EXPECT_EQ(fwd->value, "0");  // a new namespace starts with forwarding off
  EXPECT_GT(fwd->line, 0u);
  // Interface names with a dot are written with '/' in keys.
  ASSERT_NE(r->find("net.ipv4.conf.flannel/1.forwarding"), nullptr);
  EXPECT_EQ(r->find("net.ipv4.conf.flannel/1.rp_filter")->value, "0");
  ASSERT_NE(r->find("net.bridge.bridge-nf-call-iptables"), nullptr);
  EXPECT_EQ(r->find("net.bridge.bridge-nf-call-iptables")->value, "1");
  // Tabs inside a value are kept; an empty value is "".
  EXPECT_EQ(r->find("net.ipv4.tcp_rmem")->value, "4096\t131072\t33554432");
  ASSERT_NE(r->find("net.ipv4.ip_local_reserved_ports"), nullptr);
  EXPECT_EQ(r->find("net.ipv4.ip_local_reserved_ports")->value, "");
  EXPECT_EQ(r->find("no.such.key"), nullptr);
}

TEST(Sysctl, LineNumbersAndFormats) {
  auto r =
      parse_sysctl("# sysctl.d style\n\nnet.ipv4.ip_forward=1\r\n; comment\nkernel.core_pattern = |/bin/x -p %p = y\n",
                   "99-k8s.conf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0].key, "net.ipv4.ip_forward");
  EXPECT_EQ(r->entries[0].value, "1");
  EXPECT_EQ(r->entries[0].line, 3u);
  EXPECT_EQ(r->entries[1].value, "|/bin/x -p %p = y");  // only the first '=' separates
  EXPECT_EQ(r->entries[1].line, 5u);
}

TEST(Sysctl, MalformedLinesNameFileAndLine) {
  auto r = parse_sysctl("net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter 1\n", "nodes/w1/sysctl.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "nodes/w1/sysctl.txt:2: expected 'key = value', got 'net.ipv4.conf.all.rp_filter 1'");
  r = parse_sysctl("a = 1\n = 2\n", "s.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "s.txt:2: missing key before '='");
  r = parse_sysctl("net ipv4 = 2\n", "s.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "s.txt:1: key 'net ipv4' contains whitespace");
  r = parse_sysctl(std::string("a = 1\nb = \0\n", 12), "s.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "s.txt:2: NUL byte: not a text file");
}

TEST(Sysctl, StderrMessagesBecomeAnomalies) {
  auto r = parse_sysctl("net.ipv4.ip_forward = 1\nsysctl: permission denied on key 'net.ipv4.route.flush'\n", "s.txt");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->anomalies.size(), 1u);
  EXPECT_EQ(r->anomalies[0].name, "sysctl-error-message");
  EXPECT_EQ(r->anomalies[0].line, 2u);
}

TEST(Sysctl, KeyFromProcPath) {
  EXPECT_EQ(sysctl_key_from_path("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
  EXPECT_EQ(sysctl_key_from_path("net/ipv4/conf/eth0.100/rp_filter"), "net.ipv4.conf.eth0/100.rp_filter");
  EXPECT_EQ(sysctl_key_from_path("net/ipv4/conf/flannel.1/forwarding"), "net.ipv4.conf.flannel/1.forwarding");
}
