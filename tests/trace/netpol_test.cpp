// NetworkPolicy evaluation (src/checks/netpol.h), case by case from the documented semantics
// (kubernetes.io/docs/concepts/services-networking/network-policies, the NetworkPolicySpec reference)
// and the scenarios of the upstream e2e suite (test/e2e/network/netpol): default deny, allow from
// same namespace / other namespaces / pods in namespaces, ipBlock with except, named ports, endPort,
// protocols, egress, policyTypes defaulting, additive policies, and bad specs.
#include <gtest/gtest.h>

#include "checks/netpol.h"

namespace nd::netpol {
namespace {

NetworkPolicy np(const std::string& ns, const std::string& name, const std::string& spec) {
  NetworkPolicy p;
  p.meta.ns = ns;
  p.meta.name = name;
  p.meta.src = {"policies.yaml", 7};
  p.spec_json = spec;
  return p;
}

std::vector<Policy> parse_all(const std::vector<NetworkPolicy>& v) {
  std::vector<Policy> out;
  for (const auto& p : v) {
    auto r = parse(p);
    EXPECT_TRUE(r) << r.error().message;
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

Party pod(const std::string& ns, const std::string& name, const std::string& ip, StringMap labels,
          std::optional<StringMap> ns_labels = StringMap{}, std::vector<ContainerPort> ports = {}) {
  Party p;
  p.is_pod = true;
  p.ns = ns;
  p.name = name;
  p.node = "w1";
  p.ip = *node::parse_address(ip);
  p.labels = std::move(labels);
  p.ns_labels = std::move(ns_labels);
  p.ports = std::move(ports);
  return p;
}

Party outside(const std::string& ip) {
  Party p;
  p.ip = *node::parse_address(ip);
  return p;
}

const Party kServer = pod("x", "a", "10.0.1.1", {{"pod", "a"}}, StringMap{{"ns", "x"}},
                          {{"serve-80-tcp", "TCP", 80}, {"serve-81-udp", "UDP", 81}});
const Party kSameNs = pod("x", "b", "10.0.1.2", {{"pod", "b"}}, StringMap{{"ns", "x"}});
const Party kOtherNs = pod("y", "b", "10.0.2.2", {{"pod", "b"}}, StringMap{{"ns", "y"}});
const Party kOtherNsC = pod("y", "c", "10.0.2.3", {{"pod", "c"}}, StringMap{{"ns", "y"}});
const Party kZ = pod("z", "b", "10.0.3.2", {{"pod", "b"}}, StringMap{{"ns", "z"}});

Outcome in(const std::vector<Policy>& ps, const Party& dst, const Party& src, int port = 80, std::string proto = "TCP") {
  return ingress(ps, dst, src, port, proto).outcome;
}
Outcome out(const std::vector<Policy>& ps, const Party& src, const Party& dst, int port = 80, std::string proto = "TCP") {
  return egress(ps, src, dst, port, proto).outcome;
}

TEST(NetPol, NoPolicyAllowsEverything) {
  auto d = ingress({}, kServer, kOtherNs, 80, "TCP");
  EXPECT_EQ(d.outcome, Outcome::Allowed);
  EXPECT_FALSE(d.isolated);
}

TEST(NetPol, DefaultDenyIngress) {
  auto ps = parse_all({np("x", "deny", R"({"podSelector": {}})")});
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_TRUE(ps[0].ingress);
  EXPECT_FALSE(ps[0].egress) << "policyTypes defaults to Ingress when there is no egress section";
  EXPECT_EQ(in(ps, kServer, kSameNs), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Denied);
  EXPECT_EQ(out(ps, kServer, kOtherNs), Outcome::Allowed) << "an ingress policy does not isolate egress";
  EXPECT_EQ(in(ps, kOtherNs, kServer), Outcome::Allowed) << "a policy in x does not select pods of y";
  auto d = ingress(ps, kServer, kSameNs, 80, "TCP");
  EXPECT_TRUE(d.isolated);
  ASSERT_EQ(d.selecting.size(), 1u);
  EXPECT_NE(d.why.find("x/deny"), std::string::npos);
}

TEST(NetPol, AllowAllIngressRule) {
  auto ps = parse_all({np("x", "deny", R"({"podSelector": {}})"),
                       np("x", "allow", R"({"podSelector": {}, "ingress": [{}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Allowed) << "policies are additive; an empty rule allows all";
  EXPECT_EQ(ingress(ps, kServer, kOtherNs, 80, "TCP").allowed_by->name, "allow");
}

TEST(NetPol, PodSelectorOnlyMeansPolicyNamespace) {
  auto ps = parse_all({np("x", "from-b", R"({"podSelector": {"matchLabels": {"pod": "a"}},
      "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}]})")});
  EXPECT_EQ(in(ps, kServer, kSameNs), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Denied) << "pod b of another namespace does not match";
  EXPECT_EQ(in(ps, kSameNs, kOtherNs), Outcome::Allowed) << "pod b of x is not selected by the policy";
}

TEST(NetPol, NamespaceSelectorAlone) {
  auto ps = parse_all({np("x", "from-y", R"({"podSelector": {},
      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kOtherNsC), Outcome::Allowed) << "every pod of y";
  EXPECT_EQ(in(ps, kServer, kZ), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kSameNs), Outcome::Denied) << "its own namespace is not labelled ns=y";
}

TEST(NetPol, NamespaceAndPodSelectorInOneElementIsAnd) {
  auto ps = parse_all({np("x", "and", R"({"podSelector": {},
      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}, "podSelector": {"matchLabels": {"pod": "c"}}}]}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNsC), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Denied) << "pod b of y fails the pod selector";
  EXPECT_EQ(in(ps, kServer, pod("z", "c", "10.0.3.3", {{"pod", "c"}}, StringMap{{"ns", "z"}})), Outcome::Denied);
}

TEST(NetPol, SeparateElementsAreOr) {
  auto ps = parse_all({np("x", "or", R"({"podSelector": {},
      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}, {"podSelector": {"matchLabels": {"pod": "c"}}}]}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Allowed) << "any pod of y";
  EXPECT_EQ(in(ps, kServer, pod("x", "c", "10.0.1.3", {{"pod", "c"}}, StringMap{})), Outcome::Allowed)
      << "pod c of the policy's own namespace";
  EXPECT_EQ(in(ps, kServer, pod("z", "c", "10.0.3.3", {{"pod", "c"}}, StringMap{{"ns", "z"}})), Outcome::Denied)
      << "pod c of z is neither";
}

TEST(NetPol, MatchExpressions) {
  auto ps = parse_all({np("x", "expr", R"({"podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["a"]}]},
      "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["z"]}]},
                             "podSelector": {"matchExpressions": [{"key": "pod", "operator": "Exists"},
                                                                  {"key": "debug", "operator": "DoesNotExist"}]}}]}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kZ), Outcome::Denied) << "ns z is excluded by NotIn";
  EXPECT_EQ(in(ps, kServer, pod("y", "d", "10.0.2.9", {{"pod", "d"}, {"debug", "1"}}, StringMap{{"ns", "y"}})),
            Outcome::Denied)
      << "DoesNotExist";
  EXPECT_EQ(in(ps, kServer, pod("y", "e", "10.0.2.8", {{"app", "e"}}, StringMap{{"ns", "y"}})), Outcome::Denied)
      << "Exists needs the key";
  EXPECT_EQ(in(ps, pod("w", "n", "10.0.4.1", {}, StringMap{}), kZ), Outcome::Allowed) << "NotIn on an absent key";
  Selector s;
  s.exprs.push_back({"tier", "NotIn", {"db"}});
  EXPECT_TRUE(matches(s, {})) << "NotIn matches when the key is absent";
}

TEST(NetPol, NamespaceLabelsUnknownWithoutNamespaceObject) {
  auto ps = parse_all({np("x", "from-y", R"({"podSelector": {},
      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "blue"}}}]}]})"),
                       np("x", "by-name", R"({"podSelector": {},
      "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "z"}}}]}]})")});
  Party unknown_ns = pod("q", "b", "10.0.5.5", {{"pod", "b"}}, std::nullopt);
  EXPECT_EQ(in(ps, kServer, unknown_ns), Outcome::Unknown) << "labels of q are not in the snapshot";
  Party z_unknown = pod("z", "b", "10.0.3.2", {{"pod", "b"}}, std::nullopt);
  EXPECT_EQ(in(ps, kServer, z_unknown), Outcome::Allowed) << "the name label is always known";
}

TEST(NetPol, IpBlockWithExcept) {
  auto ps = parse_all({np("x", "cidr", R"({"podSelector": {},
      "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/16", "except": ["192.168.5.0/24"]}}]}]})")});
  EXPECT_EQ(in(ps, kServer, outside("192.168.1.9")), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, outside("192.168.5.9")), Outcome::Denied) << "inside except";
  EXPECT_EQ(in(ps, kServer, outside("10.9.9.9")), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Denied) << "a pod whose IP is outside the block";
  EXPECT_EQ(in(ps, kServer, pod("y", "p", "192.168.1.7", {}, StringMap{})), Outcome::Allowed)
      << "ipBlock compares addresses, pods included";
}

TEST(NetPol, PortsNumberNameProtocolAndEndPort) {
  auto ps = parse_all({np("x", "ports", R"({"podSelector": {},
      "ingress": [{"ports": [{"port": 80}]},
                  {"ports": [{"protocol": "UDP", "port": "serve-81-udp"}]},
                  {"ports": [{"port": 30000, "endPort": 30100}]}]})")});
  EXPECT_EQ(in(ps, kServer, kOtherNs, 80), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kOtherNs, 80, "UDP"), Outcome::Denied) << "protocol defaults to TCP";
  EXPECT_EQ(in(ps, kServer, kOtherNs, 81, "UDP"), Outcome::Allowed) << "named port of the destination pod";
  EXPECT_EQ(in(ps, kServer, kOtherNs, 81, "TCP"), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kOtherNs, 30050), Outcome::Allowed) << "inside port..endPort";
  EXPECT_EQ(in(ps, kServer, kOtherNs, 30100), Outcome::Allowed) << "endPort is inclusive";
  EXPECT_EQ(in(ps, kServer, kOtherNs, 30101), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kOtherNs, 0), Outcome::Unknown) << "no port given: only some ports are allowed";
}

TEST(NetPol, NamedPortAndPeerBothNeeded) {
  auto ps = parse_all({np("x", "both", R"({"podSelector": {},
      "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}], "ports": [{"port": "serve-80-tcp"}]}]})")});
  EXPECT_EQ(in(ps, kServer, kSameNs, 80), Outcome::Allowed);
  EXPECT_EQ(in(ps, kServer, kSameNs, 81), Outcome::Denied) << "right peer, wrong port";
  EXPECT_EQ(in(ps, kServer, kOtherNs, 80), Outcome::Denied) << "right port, wrong peer";
}

TEST(NetPol, EgressDenyAllAndAllowDns) {
  auto ps = parse_all({np("x", "egress", R"({"podSelector": {"matchLabels": {"pod": "a"}}, "policyTypes": ["Egress"],
      "egress": [{"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                  "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]})")});
  Party dns = pod("kube-system", "coredns", "10.0.9.9", {{"k8s-app", "kube-dns"}}, StringMap{});
  EXPECT_EQ(out(ps, kServer, dns, 53, "UDP"), Outcome::Allowed);
  EXPECT_EQ(out(ps, kServer, kOtherNs, 80), Outcome::Denied);
  EXPECT_EQ(out(ps, kServer, outside("203.0.113.20"), 5432), Outcome::Denied) << "selectors never match outside addresses";
  EXPECT_EQ(in(ps, kServer, kOtherNs), Outcome::Allowed) << "policyTypes [Egress] leaves ingress open";
  auto empty = parse_all({np("x", "deny-egress", R"({"podSelector": {}, "policyTypes": ["Egress"]})")});
  EXPECT_EQ(out(empty, kServer, kSameNs), Outcome::Denied);
}

TEST(NetPol, EgressSectionImpliesEgressType) {
  auto ps = parse_all({np("x", "implicit", R"({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]})")});
  EXPECT_TRUE(ps[0].ingress) << "every policy affects ingress when policyTypes is absent";
  EXPECT_TRUE(ps[0].egress);
  EXPECT_EQ(out(ps, kServer, kOtherNs), Outcome::Allowed);
  EXPECT_EQ(out(ps, kServer, outside("203.0.113.20")), Outcome::Denied);
  EXPECT_EQ(in(ps, kServer, kSameNs), Outcome::Denied) << "no ingress rules: ingress denied";
}

TEST(NetPol, ExceptionsSelfNodeAndHostNetwork) {
  auto ps = parse_all({np("x", "deny", R"({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})")});
  EXPECT_EQ(in(ps, kServer, kServer), Outcome::Allowed) << "a pod reaches itself";
  Party node;
  node.ip = *node::parse_address("192.168.1.11");
  node.node_name = "w1";
  EXPECT_EQ(in(ps, kServer, node), Outcome::Allowed) << "its own node (kubelet probes)";
  node.node_name = "w2";
  EXPECT_EQ(in(ps, kServer, node), Outcome::Denied) << "another node is an ordinary address";
  Party host = kServer;
  host.host_network = true;
  EXPECT_EQ(in(ps, host, kOtherNs), Outcome::Allowed) << "host-network pods are never selected";
  Party host_client = kSameNs;
  host_client.host_network = true;
  auto all = parse_all({np("x", "all-pods", R"({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})")});
  EXPECT_EQ(in(all, kServer, kSameNs), Outcome::Allowed);
  EXPECT_EQ(in(all, kServer, host_client), Outcome::Denied) << "selectors do not match host-network pods";
}

TEST(NetPol, BadSpecsNameTheField) {
  struct Case {
    const char* spec;
    const char* field;
  } cases[] = {
      {R"({"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]})", "spec.ingress[0].from[0].ipBlock.cidr"},
      {R"({"ingress": [{"from": [{}]}]})", "spec.ingress[0].from[0]"},
      {R"({"ingress": [{"ports": [{"port": 80, "endPort": 70}]}]})", "spec.ingress[0].ports[0].endPort"},
      {R"({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}})", "spec.podSelector.matchExpressions[0].operator"},
      {R"({"policyTypes": ["Sideways"]})", "spec.policyTypes"},
      {R"({"egress": {"to": []}})", "spec.egress"},
      {R"({"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]})", "spec.ingress[0].from[0]"},
      {"not json", "spec"},
  };
  for (const auto& c : cases) {
    auto r = parse(np("x", "bad", c.spec));
    ASSERT_FALSE(r) << c.spec;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("policies.yaml:7: NetworkPolicy x/bad"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace nd::netpol
