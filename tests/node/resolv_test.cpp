#include "node/resolv.h"

#include <gtest/gtest.h>

#include "fixture.h"

using namespace nd::node;

TEST(Resolv, SystemdResolvedStub) {
  auto r = parse_resolv(nd::test::fixture("resolv/host-systemd-resolved-stub.conf"), "nodes/w1/resolv.conf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->nameservers.size(), 1u);
  EXPECT_EQ(r->nameservers[0].value, "127.0.0.53");  // the loopback stub of P7
  EXPECT_EQ(r->nameservers[0].line, 21u);
  ASSERT_EQ(r->search.size(), 1u);
  EXPECT_EQ(r->search[0].value, ".");
  EXPECT_EQ(r->search[0].line, 23u);
  ASSERT_EQ(r->options.size(), 2u);
  EXPECT_EQ(r->options[0].name, "edns0");
  EXPECT_EQ(r->options[1].name, "trust-ad");
  EXPECT_EQ(r->ndots(), 1);
  EXPECT_TRUE(r->anomalies.empty());
}

TEST(Resolv, PodClusterFirst) {
  auto r = parse_resolv(nd::test::fixture("resolv/pod-cluster-first.conf"), "pods/shop/web/resolv.conf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->search.size(), 3u);
  EXPECT_EQ(r->search[0].value, "shop.svc.cluster.local");
  EXPECT_EQ(r->search[2].value, "cluster.local");
  EXPECT_EQ(r->search_keyword, "search");
  ASSERT_EQ(r->nameservers.size(), 1u);
  EXPECT_EQ(r->nameservers[0].value, "10.96.0.10");
  EXPECT_EQ(r->nameservers[0].line, 2u);
  EXPECT_EQ(r->ndots(), 5);
  ASSERT_NE(r->option("ndots"), nullptr);
  EXPECT_EQ(r->option("ndots")->line, 3u);
  EXPECT_EQ(r->timeout(), 5);
  EXPECT_EQ(r->attempts(), 2);
}

TEST(Resolv, LastSearchOrDomainWinsAsInGlibc) {
  auto r = parse_resolv("search a.example b.example\ndomain c.example\n", "r");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->search.size(), 1u);
  EXPECT_EQ(r->search[0].value, "c.example");
  EXPECT_EQ(r->search_keyword, "domain");
  r = parse_resolv("domain c.example\nsearch a.example b.example\n", "r");
  ASSERT_EQ(r->search.size(), 2u);
  EXPECT_EQ(r->search[1].value, "b.example");
  EXPECT_EQ(r->search[1].line, 2u);
}

TEST(Resolv, OptionsAccumulateAndLaterWins) {
  auto r = parse_resolv("options ndots:2 rotate\noptions timeout:99 ndots:20 attempts:1\n", "r");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ndots(), 15);    // glibc caps ndots at 15
  EXPECT_EQ(r->timeout(), 30);  // and timeout at 30
  EXPECT_EQ(r->attempts(), 1);
  EXPECT_EQ(r->option("ndots")->line, 2u);
  ASSERT_NE(r->option("rotate"), nullptr);
  EXPECT_EQ(r->option("rotate")->value, "");
}

TEST(Resolv, CommentsAndLineEndings) {
  auto r = parse_resolv("# a comment\r\n; another\r\nnameserver 10.0.0.1 # primary\r\n\tnameserver\t10.0.0.2\r\n", "r");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->nameservers.size(), 2u);
  EXPECT_EQ(r->nameservers[0].value, "10.0.0.1");
  EXPECT_EQ(r->nameservers[1].value, "10.0.0.2");
  EXPECT_EQ(r->nameservers[1].line, 4u);
  EXPECT_TRUE(r->anomalies.empty());
}

TEST(Resolv, AnomaliesNameTheLine) {
  auto r = parse_resolv(
      "nameserver 10.0.0.1\nnameserver kube-dns\nnameserver\nnameserver fd00::a\nnameserver 10.0.0.3\n"
      "nameserver 10.0.0.4\noptions ndots:x bogus\nsortlist 10.0.0.0\nlookup file bind\nnamesrver 1.1.1.1\n",
      "pods/a/b/resolv.conf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->nameservers.size(), 4u);  // all valid ones, in order
  EXPECT_EQ(r->nameservers[1].value, "fd00::a");
  std::vector<std::pair<std::string, uint32_t>> got;
  for (const auto& a : r->anomalies) got.emplace_back(a.name, a.line);
  std::vector<std::pair<std::string, uint32_t>> want = {{"nameserver-not-an-address", 2},
                                                        {"nameserver-missing-address", 3},
                                                        {"nameserver-beyond-glibc-limit", 6},
                                                        {"option-bad-number", 7},
                                                        {"unknown-option", 7},
                                                        {"keyword-not-used-by-glibc", 9},
                                                        {"unknown-keyword", 10}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(r->ndots(), 1);  // the bad ndots was not taken
}

TEST(Resolv, RefusesBinary) {
  auto r = parse_resolv(std::string("nameserver 10.0.0.1\n\0\0", 22), "x/resolv.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "x/resolv.conf:2: NUL byte: not a text file");
}
