// Every parser on cut and corrupted versions of the real fixtures: it must return a value or an
// error naming the label, never crash or hang (a small in-tree fuzz run; seeds are fixed).
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "fixture.h"
#include "node/cidr.h"
#include "node/ip_json.h"
#include "node/iptables.h"
#include "node/resolv.h"
#include "node/sysctl.h"

using namespace nd::node;

namespace {

using Parse = std::function<std::string(const std::string&)>;  // "" when ok, else the error

template <typename F>
Parse wrap(F f) {
  return [f](const std::string& text) -> std::string {
    auto r = f(text, "fuzz.label");
    return r.ok() ? "" : r.error().message;
  };
}

void hammer(const std::string& name, const std::string& base, const Parse& parse) {
  ASSERT_EQ(parse(base), "") << name;
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) {
    std::string t = base;
    switch (i % 4) {
      case 0:  // cut anywhere
        t.resize(rng() % (t.size() + 1));
        break;
      case 1:  // flip a few bytes
        for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
          if (!t.empty()) t[rng() % t.size()] = static_cast<char>(rng());
        break;
      case 2: {  // drop a slice
        size_t a = rng() % (t.size() + 1), b = a + rng() % 64;
        t.erase(a, b - a);
        break;
      }
      default:  // duplicate a slice
        if (!t.empty()) {
          size_t a = rng() % t.size();
          t.insert(a, t.substr(a, rng() % 80));
        }
    }
    std::string err = parse(t);
    if (!err.empty()) {
      EXPECT_EQ(err.rfind("fuzz.label", 0), 0u) << name << ": " << err;
    }
  }
}

}  // namespace

TEST(Robustness, ParsersSurviveCorruptedFixtures) {
  hammer("ip-addr", nd::test::fixture("ip-addr.json"), wrap(parse_ip_addr));
  hammer("ip-link", nd::test::fixture("ip-link.json"), wrap(parse_ip_link));
  hammer("ip-route", nd::test::fixture("ip-route.json"), wrap(parse_ip_route));
  hammer("ip-neigh", nd::test::fixture("ip-neigh.json"), wrap(parse_ip_neigh));
  hammer("bridge-fdb", nd::test::fixture("bridge-fdb.json"), wrap(parse_bridge_fdb));
  hammer("sysctl", nd::test::fixture("sysctl.txt"), wrap(parse_sysctl));
  hammer("resolv", nd::test::fixture("resolv/pod-cluster-first.conf"), wrap(parse_resolv));
  hammer("iptables", nd::test::fixture("iptables-save.txt"), [](const std::string& t) -> std::string {
    auto r = parse_iptables_save(t, "fuzz.label");
    if (!r.ok()) return r.error().message;
    kube_proxy_rules(*r);  // the model must cope with whatever parsed
    return "";
  });
  hammer("prefix", "fd00:10:244:1::1/64", wrap(parse_prefix));
  hammer("prefix4", "10.244.1.5/24", wrap(parse_prefix));
}
