// The endpoint syntax of `netdoctor trace` (src/trace/endpoint.h).
#include <gtest/gtest.h>

#include "trace/endpoint.h"

namespace nd::trace {
namespace {

using K = EndpointSpec::Kind;

TEST(Endpoint, PodWithPortAndProtocol) {
  auto e = parse_endpoint("shop/web-1:8080/udp");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->kind, K::Pod);
  EXPECT_EQ(e->ns, "shop");
  EXPECT_EQ(e->name, "web-1");
  EXPECT_EQ(e->port_number(), 8080);
  EXPECT_EQ(e->protocol, "udp");
}

TEST(Endpoint, ServiceWithNamedPort) {
  auto e = parse_endpoint("svc/cache/redis:redis");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->kind, K::Service);
  EXPECT_EQ(e->ns, "cache");
  EXPECT_EQ(e->name, "redis");
  EXPECT_EQ(e->port, "redis");
  EXPECT_EQ(e->port_number(), 0);
}

TEST(Endpoint, NodeAddressesAndNames) {
  auto n = parse_endpoint("node/worker-1:30080/TCP");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, K::Node);
  EXPECT_EQ(n->port_number(), 30080);
  EXPECT_EQ(n->protocol, "tcp");
  auto a = parse_endpoint("203.0.113.20:5432");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, K::Address);
  EXPECT_EQ(a->address, "203.0.113.20");
  auto v6 = parse_endpoint("[fd00::5]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "fd00::5");
  EXPECT_EQ(v6->port_number(), 443);
  auto bare6 = parse_endpoint("fd00::5");
  ASSERT_TRUE(bare6);
  EXPECT_EQ(bare6->kind, K::Address);
  auto name = parse_endpoint("db.example.test:5432");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->kind, K::Name);
  EXPECT_EQ(name->name, "db.example.test");
}

TEST(Endpoint, Malformed) {
  for (const char* bad : {"", "a//b", "shop/web:", "[fd00::1", "a/b/c/d", "shop/web:99999", "shop/web:http", "x:y z"}) {
    auto e = parse_endpoint(bad);
    EXPECT_FALSE(e) << "'" << bad << "' was accepted";
    if (!e) {
      EXPECT_NE(e.error().message.find("endpoint '"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace nd::trace
