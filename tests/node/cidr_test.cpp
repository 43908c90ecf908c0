#include "node/cidr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

using namespace nd::node;

namespace {

Prefix P(const char* s) {
  auto p = parse_prefix(s);
  EXPECT_TRUE(p.ok()) << s << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Prefix{};
}

Address A(const char* s) {
  auto a = parse_address(s);
  EXPECT_TRUE(a.ok()) << s;
  return a.ok() ? *a : Address{};
}

}  // namespace

TEST(Cidr, ParsesIPv4AndIPv6Prefixes) {
  Prefix p = P("10.244.0.0/16");
  EXPECT_EQ(p.family(), Family::V4);
  EXPECT_EQ(p.len, 16u);
  EXPECT_EQ(p.to_string(), "10.244.0.0/16");
  Prefix q = P("fd00::/64");
  EXPECT_EQ(q.family(), Family::V6);
  EXPECT_EQ(q.len, 64u);
  EXPECT_EQ(q.to_string(), "fd00::/64");
  EXPECT_EQ(P("192.168.1.7").len, 32u);  // bare address: host prefix
  EXPECT_EQ(P("fd00::1").len, 128u);
  EXPECT_EQ(P("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(P("::/0").to_string(), "::/0");
}

TEST(Cidr, KeepsHostBitsUntilNormalised) {
  Prefix p = P("10.244.1.5/24");
  EXPECT_TRUE(p.has_host_bits());
  EXPECT_EQ(p.to_string(), "10.244.1.5/24");
  EXPECT_EQ(p.network().to_string(), "10.244.1.0/24");
  EXPECT_EQ(p.first().to_string(), "10.244.1.0");
  EXPECT_EQ(p.last().to_string(), "10.244.1.255");
  Prefix q = P("fd00:10:244:1::1/64");
  EXPECT_EQ(q.network().to_string(), "fd00:10:244:1::/64");
  EXPECT_EQ(q.last().to_string(), "fd00:10:244:1:ffff:ffff:ffff:ffff");
  EXPECT_FALSE(P("10.0.0.0/8").has_host_bits());
  EXPECT_EQ(P("1.2.3.4/0").network().to_string(), "0.0.0.0/0");
  EXPECT_EQ(P("0.0.0.0/0").last().to_string(), "255.255.255.255");
  EXPECT_EQ(P("::/0").last().to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(P("10.1.2.3/32").network().to_string(), "10.1.2.3/32");
  EXPECT_EQ(P("fd00::7/128").network().to_string(), "fd00::7/128");
}

TEST(Cidr, MatchesLibcOnIPv6TextForms) {
  // libc's inet_pton/inet_ntop are the oracle: same bytes in, same canonical text out.
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    unsigned char b[16];
    for (auto& x : b) x = static_cast<unsigned char>(rng());
    // Zero runs of random length and position so "::" compression is exercised.
    int start = static_cast<int>(rng() % 8), len = static_cast<int>(rng() % 9);
    for (int w = start; w < std::min(8, start + len); ++w) b[2 * w] = b[2 * w + 1] = 0;
    if (i % 50 == 0) {  // IPv4-mapped
      for (int k = 0; k < 10; ++k) b[k] = 0;
      b[10] = b[11] = 0xff;
    }
    char text[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, b, text, sizeof text), nullptr);
    auto a = parse_address(text);
    ASSERT_TRUE(a.ok()) << text << ": " << a.error().message;
    EXPECT_EQ(0, memcmp(a->bytes.data(), b, 16)) << text;
    EXPECT_EQ(a->to_string(), text);
  }
  for (const char* s : {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1::8", "fe80::1", "::ffff:10.0.0.1",
                        "2001:db8::1:0:0:1", "1:0:0:2::3", "FD00::A"}) {
    unsigned char b[16];
    ASSERT_EQ(inet_pton(AF_INET6, s, b), 1) << s;
    auto a = parse_address(s);
    ASSERT_TRUE(a.ok()) << s << ": " << a.error().message;
    EXPECT_EQ(0, memcmp(a->bytes.data(), b, 16)) << s;
  }
}

TEST(Cidr, RejectsMalformedWithLabelAndOffset) {
  struct Case {
    const char* text;
    const char* expect;  // a part of the message
  };
  const Case cases[] = {
      {"10.0.0.256", "number above 255 at offset 7"},
      {"10.0.0", "expected '.' at offset 6"},
      {"10.0.0.01", "leading zero at offset 7"},
      {"10.0.0.1/33", "prefix length above 32 at offset 9"},
      {"10.0.0.1/", "missing prefix length"},
      {"10.0.0.1/x", "prefix length is not a number at offset 9"},
      {"fd00::/129", "prefix length above 128"},
      {"1:2:3:4:5:6:7:8:9", "expected 8 groups"},
      {"1::2::3", "second '::' at offset 4"},
      {"12345::", "hex group longer than 4 digits at offset 0"},
      {"fe80::1%eth0", "zone index"},
      {":1:2", "single leading ':'"},
      {"1:2:3:4:5:6:7:", "trailing ':'"},
      {"10.0.0.1 ", "unexpected character at offset 8"},
      {"", "empty address"},
      {"g::1", "expected a hex group at offset 0"},
  };
  for (const auto& c : cases) {
    auto p = parse_prefix(c.text, "nodes/w1/ip-route.json: [3].dst");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message.find("nodes/w1/ip-route.json: [3].dst"), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find(c.expect), std::string::npos) << c.text << " -> " << p.error().message;
  }
}

TEST(Cidr, ContainsAndOverlapsBothWays) {
  EXPECT_TRUE(contains(P("10.244.0.0/16"), A("10.244.255.1")));
  EXPECT_FALSE(contains(P("10.244.0.0/16"), A("10.245.0.1")));
  EXPECT_TRUE(contains(P("0.0.0.0/0"), A("255.255.255.255")));
  EXPECT_FALSE(contains(P("0.0.0.0/0"), A("::1")));  // never across families
  EXPECT_TRUE(contains(P("::/0"), A("fd00::1")));
  EXPECT_TRUE(contains(P("10.1.2.3/32"), A("10.1.2.3")));
  EXPECT_FALSE(contains(P("10.1.2.3/32"), A("10.1.2.4")));
  EXPECT_TRUE(contains(P("fd00::7/128"), A("fd00::7")));
  EXPECT_FALSE(contains(P("fd00::7/128"), A("fd00::6")));

  // A pod range that swallows the node network, seen from both sides (P9).
  Prefix pods = P("192.168.0.0/16"), nodes = P("192.168.1.0/24");
  EXPECT_TRUE(overlaps(pods, nodes));
  EXPECT_TRUE(overlaps(nodes, pods));
  EXPECT_TRUE(contains(pods, nodes));
  EXPECT_FALSE(contains(nodes, pods));
  // Adjacent halves do not overlap.
  EXPECT_FALSE(overlaps(P("10.0.0.0/25"), P("10.0.0.128/25")));
  EXPECT_FALSE(overlaps(P("10.0.0.128/25"), P("10.0.0.0/25")));
  // Host bits do not fool the comparison.
  EXPECT_TRUE(overlaps(P("10.244.1.5/24"), P("10.244.1.200/32")));
  EXPECT_TRUE(overlaps(P("0.0.0.0/0"), P("10.0.0.0/8")));
  EXPECT_FALSE(overlaps(P("0.0.0.0/0"), P("::/0")));
  EXPECT_TRUE(overlaps(P("fd00::/8"), P("fd12:3456::/32")));
  EXPECT_FALSE(overlaps(P("fd00::/64"), P("fd00:0:0:1::/64")));
}

TEST(Cidr, Intersection) {
  auto i = intersection(P("10.0.0.0/8"), P("10.244.1.9/24"));
  ASSERT_TRUE(i);
  EXPECT_EQ(i->to_string(), "10.244.1.0/24");
  i = intersection(P("10.244.1.9/24"), P("10.0.0.0/8"));
  ASSERT_TRUE(i);
  EXPECT_EQ(i->to_string(), "10.244.1.0/24");
  EXPECT_FALSE(intersection(P("10.0.0.0/9"), P("10.128.0.0/9")));
  EXPECT_FALSE(intersection(P("10.0.0.0/8"), P("fd00::/8")));
  i = intersection(P("fd00::/8"), P("fd00:1::/32"));
  ASSERT_TRUE(i);
  EXPECT_EQ(i->to_string(), "fd00:1::/32");
}

TEST(Cidr, NextPrefix) {
  EXPECT_EQ(next_prefix(P("10.255.255.0/24"))->to_string(), "11.0.0.0/24");
  EXPECT_EQ(next_prefix(P("10.244.1.77/24"))->to_string(), "10.244.2.0/24");
  EXPECT_FALSE(next_prefix(P("255.255.255.0/24")));
  EXPECT_FALSE(next_prefix(P("0.0.0.0/0")));
  EXPECT_FALSE(next_prefix(P("::/0")));
  EXPECT_EQ(next_prefix(P("fd00::/64"))->to_string(), "fd00:0:0:1::/64");
  EXPECT_EQ(next_prefix(P("fd00:0:0:ffff::/64"))->to_string(), "fd00:0:1::/64");
}

TEST(Cidr, FindFreePrefixPrefersSharedAddressSpace) {
  const auto& v4 = private_candidates(Family::V4);
  ASSERT_EQ(v4.size(), 4u);
  EXPECT_EQ(v4[0].to_string(), "100.64.0.0/10");
  auto f = find_free_prefix(v4, 16, {P("10.244.0.0/16"), P("10.96.0.0/12"), P("192.168.50.0/24")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "100.64.0.0/16");
  f = find_free_prefix(v4, 16, {P("100.64.0.0/16"), P("100.65.3.0/24")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "100.66.0.0/16");
  // The whole shared space used: the next candidate, 172.16/12.
  f = find_free_prefix(v4, 16, {P("100.64.0.0/10"), P("172.16.0.0/16")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "172.17.0.0/16");
  // A used range larger than a candidate skips the candidate in one step.
  f = find_free_prefix(v4, 16, {P("96.0.0.0/3"), P("160.0.0.0/3")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "10.0.0.0/16");
  // Everything taken.
  EXPECT_FALSE(find_free_prefix(v4, 16, {P("0.0.0.0/0")}));
  // Longer than a candidate is fine; shorter is not possible inside it.
  EXPECT_FALSE(find_free_prefix({P("100.64.0.0/10")}, 8, {}));
  // IPv6: unique local addresses; used IPv4 ranges do not matter.
  f = find_free_prefix(private_candidates(Family::V6), 48, {P("fd00::/48"), P("10.0.0.0/8")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "fd00:0:1::/48");
  f = find_free_prefix(private_candidates(Family::V6), 64, {P("fd00::/16")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "fd01::/64");
}

TEST(Cidr, FindFreePrefixNeverOverlapsAndFindsTheFirstFreeSlot) {
  // Property check against brute force: a /24 split into sixteen /28 slots, random used prefixes
  // of every size around it (also ones covering the whole candidate, also IPv6 noise).
  std::mt19937 rng(7);
  const Prefix cand = P("10.20.30.0/24");
  for (int round = 0; round < 3000; ++round) {
    std::vector<Prefix> used;
    int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      unsigned len = 20 + rng() % 13;  // /20 .. /32
      Address a = cand.addr;
      a.bytes[3] = static_cast<uint8_t>(rng());
      if (len < 24 && rng() % 4) a.bytes[2] = static_cast<uint8_t>(30 + rng() % 3);
      used.push_back(Prefix{a, len}.network());
    }
    if (rng() % 5 == 0) used.push_back(P("fd00::/8"));
    auto got = find_free_prefix({cand}, 28, used);
    std::optional<Prefix> want;
    for (int slot = 0; slot < 16 && !want; ++slot) {
      Prefix s = cand;
      s.len = 28;
      s.addr.bytes[3] = static_cast<uint8_t>(slot * 16);
      bool free = true;
      for (const auto& u : used) free = free && !overlaps(s, u);
      if (free) want = s;
    }
    ASSERT_EQ(got.has_value(), want.has_value()) << "round " << round;
    if (!got) continue;
    EXPECT_EQ(*got, *want) << "round " << round;
    EXPECT_FALSE(got->has_host_bits());
    EXPECT_TRUE(contains(cand, *got));
    for (const auto& u : used) EXPECT_FALSE(overlaps(*got, u)) << got->to_string() << " vs " << u.to_string();
  }
}

TEST(Cidr, AddressClasses) {
  EXPECT_TRUE(A("127.0.0.53").is_loopback());
  EXPECT_TRUE(A("::1").is_loopback());
  EXPECT_FALSE(A("10.0.0.1").is_loopback());
  EXPECT_TRUE(A("0.0.0.0").is_unspecified());
  EXPECT_TRUE(A("::").is_unspecified());
  EXPECT_TRUE(A("169.254.1.1").is_link_local());
  EXPECT_TRUE(A("fe80::1").is_link_local());
  EXPECT_FALSE(A("fec0::1").is_link_local());
}
