// network-policy-denies on variants of examples/network-policy-denies: the web Service (port 80 ->
// targetPort http = 8080/TCP) behind a default-deny policy, with the allow policy's ports rewritten.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace nd {
namespace {

// The example with networkpolicy-web-from-anywhere.yaml's ingress rule replaced by `rule` (YAML lines
// indented as list items of `ingress:`).
std::vector<Finding> with_web_rule(const std::string& rule) {
  test::TempDir dir;
  std::filesystem::copy(std::string(ND_SOURCE_DIR) + "/examples/network-policy-denies", dir.path(),
                        std::filesystem::copy_options::recursive);
  dir.write("shop/networkpolicy-web-from-anywhere.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-from-anywhere\n"
            "  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  policyTypes:\n  - Ingress\n"
            "  ingress:\n" + rule);
  return test::diagnose(test::load_ok(dir.path()));
}

TEST(NetworkPolicyDenies, ThePortTheRuleOpensDecides) {
  // The example as shipped: port 80 (the Service's port) opens nothing at the pod.
  auto shipped = test::diagnose(test::load_ok(std::string(ND_SOURCE_DIR) + "/examples/network-policy-denies"));
  ASSERT_TRUE(test::has(shipped, "network-policy-denies", "web"));
  EXPECT_EQ(test::count(shipped, "network-policy-denies"), 1u) << "api and redis are open to their clients";

  EXPECT_FALSE(test::has(with_web_rule("  - ports:\n    - port: 8080\n      protocol: TCP\n"), "network-policy-denies"));
  // A named policy port resolves against the pod's container port names.
  EXPECT_FALSE(test::has(with_web_rule("  - ports:\n    - port: http\n"), "network-policy-denies"));
  EXPECT_TRUE(test::has(with_web_rule("  - ports:\n    - port: metrics\n"), "network-policy-denies"));
  // endPort makes a range.
  EXPECT_FALSE(test::has(with_web_rule("  - ports:\n    - port: 8000\n      endPort: 8100\n"), "network-policy-denies"));
  EXPECT_TRUE(test::has(with_web_rule("  - ports:\n    - port: 8081\n      endPort: 8100\n"), "network-policy-denies"));
  // The protocol must match: UDP 8080 does not open TCP 8080.
  EXPECT_TRUE(test::has(with_web_rule("  - ports:\n    - port: 8080\n      protocol: UDP\n"), "network-policy-denies"));
  // A rule without ports opens every port (to its peers: who the peers are is not judged here).
  EXPECT_FALSE(test::has(with_web_rule("  - from:\n    - podSelector:\n        matchLabels:\n          app: api\n"),
                         "network-policy-denies"));
  // An empty rule admits everything.
  EXPECT_FALSE(test::has(with_web_rule("  - {}\n"), "network-policy-denies"));
}

TEST(NetworkPolicyDenies, SilentWhereTheCniDoesNotEnforce) {
  // The same objects under flannel: cni-policy-not-enforced, never a drop.
  test::TempDir dir;
  std::filesystem::copy(std::string(ND_SOURCE_DIR) + "/examples/flannel-hostgw-policy", dir.path(),
                        std::filesystem::copy_options::recursive);
  auto fs = test::diagnose(test::load_ok(dir.path()));
  EXPECT_TRUE(test::has(fs, "cni-policy-not-enforced"));
  EXPECT_FALSE(test::has(fs, "network-policy-denies"));
}

}  // namespace
}  // namespace nd
