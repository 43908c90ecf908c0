// The node data-plane checks (forwarding, bridge netfilter, rp_filter, pod/Service range overlaps,
// routes, VXLAN entries, MTU, kube-proxy rules, masquerade) on small snapshots: cluster objects in
// kubectl's YAML and nodes/NODE/ files in the formats of sysctl -a, ip -j, bridge -j and iptables-save.
// The last test collects this machine's own bundle with the real binary and checks that nothing false
// comes of it.
#include <gtest/gtest.h>
#include <unistd.h>

#ifdef ND_HAVE_NODE  // the checks need the node area (src/node); partial builds leave it out

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checks/node_facts.h"
#include "checks/pod_range_fix.h"
#include "test_util.h"

using namespace nd;
using nd::test::TempDir;

namespace {

// ---- cluster objects --------------------------------------------------------------------------

std::string node_yaml(const std::string& name, const std::string& ip, const std::string& pod_cidr,
                      const std::string& annotations = "") {
  std::string y = "apiVersion: v1\nkind: Node\nmetadata:\n  name: " + name + "\n";
  if (!annotations.empty()) y += "  annotations:\n" + annotations;
  if (!pod_cidr.empty()) y += "spec:\n  podCIDR: " + pod_cidr + "\n  podCIDRs: [" + pod_cidr + "]\n";
  y += "status:\n  addresses:\n  - {type: InternalIP, address: " + ip + "}\n  - {type: Hostname, address: " + name +
       "}\n";
  return y;
}

std::string flannel_cm(const std::string& backend, bool direct = false) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n"
         "  net-conf.json: '{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"" +
         backend + "\"" + (direct ? ", \"DirectRouting\": true" : "") + "}}'\n";
}

std::string pool_yaml(const std::string& name, const std::string& cidr, const std::string& vxlan = "Never",
                      bool nat = true) {
  return "apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: " + name + "}\nspec: {cidr: " + cidr +
         ", ipipMode: Never, vxlanMode: " + vxlan + ", natOutgoing: " + (nat ? "true" : "false") + ", blockSize: 26}\n";
}

std::string join_docs(std::initializer_list<std::string> docs) {
  std::string out;
  for (const auto& d : docs) out += (out.empty() ? "" : "---\n") + d;
  return out;
}

// ---- node files -------------------------------------------------------------------------------

// `sysctl -a` lines: the keys every dump has plus the given ones (later keys win).
std::string sysctl(const std::vector<std::pair<std::string, std::string>>& set, bool bridge = true) {
  std::vector<std::pair<std::string, std::string>> keys = {
      {"kernel.hostname", "node"},           {"net.ipv4.conf.all.forwarding", "1"},
      {"net.ipv4.conf.all.rp_filter", "2"},  {"net.ipv4.conf.eth0.forwarding", "1"},
      {"net.ipv4.conf.eth0.rp_filter", "2"}, {"net.ipv4.ip_forward", "1"},
      {"net.ipv6.conf.all.forwarding", "0"}};
  if (bridge) {
    keys.insert(keys.begin(), {"net.bridge.bridge-nf-call-iptables", "1"});
    keys.insert(keys.begin(), {"net.bridge.bridge-nf-call-ip6tables", "1"});
  }
  for (const auto& [k, v] : set) {
    bool found = false;
    for (auto& kv : keys)
      if (kv.first == k) kv.second = v, found = true;
    if (!found) keys.emplace_back(k, v);
  }
  std::string out;
  for (const auto& [k, v] : keys) out += k + " = " + v + "\n";
  return out;
}

// `ip -j addr show` for eth0 (plus extra interface objects).
std::string ip_addr(const std::string& cidr, int mtu = 1500, const std::string& extra = "") {
  auto slash = cidr.find('/');
  std::string fam = cidr.find(':') == std::string::npos ? "inet" : "inet6";
  return "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"],\"mtu\":65536,\"addr_info\":[{\"family\":"
         "\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8,\"scope\":\"host\"}]},"
         "{\"ifindex\":2,\"ifname\":\"eth0\",\"flags\":[\"BROADCAST\",\"UP\",\"LOWER_UP\"],\"mtu\":" +
         std::to_string(mtu) + ",\"addr_info\":[{\"family\":\"" + fam + "\",\"local\":\"" + cidr.substr(0, slash) +
         "\",\"prefixlen\":" + cidr.substr(slash + 1) + ",\"scope\":\"global\"}]}" + extra + "]";
}

std::string link_obj(int index, const std::string& name, int mtu, const std::string& kind, const std::string& addr = "",
                     const std::string& mac = "02:00:00:00:00:01") {
  std::string a;
  if (!addr.empty()) {
    auto slash = addr.find('/');
    a = ",\"addr_info\":[{\"family\":\"inet\",\"local\":\"" + addr.substr(0, slash) +
        "\",\"prefixlen\":" + addr.substr(slash + 1) + ",\"scope\":\"global\"}]";
  }
  return ",{\"ifindex\":" + std::to_string(index) + ",\"ifname\":\"" + name +
         "\",\"flags\":[\"BROADCAST\",\"UP\",\"LOWER_UP\"],\"mtu\":" + std::to_string(mtu) + ",\"address\":\"" + mac +
         "\",\"linkinfo\":{\"info_kind\":\"" + kind + "\"}" + a + "}";
}

struct Snap {
  TempDir dir;
  void objects(const std::string& yaml) { dir.write("objects.yaml", yaml); }
  void file(const std::string& node, const std::string& name, const std::string& text) {
    dir.write("nodes/" + node + "/" + name, text);
  }
  std::vector<Finding> run() { return test::diagnose(test::load_ok(dir.path())); }
};

const Finding* find(const std::vector<Finding>& fs, const std::string& id, const std::string& node = "") {
  for (const auto& f : fs)
    if (f.id == id && (node.empty() || f.node == node)) return &f;
  return nullptr;
}

bool evidence_has(const Finding& f, const std::string& source_part, const std::string& text_part) {
  for (const auto& e : f.evidence)
    if (e.source.find(source_part) != std::string::npos && e.text.find(text_part) != std::string::npos) return true;
  return false;
}

std::string all_text(const Finding& f) {
  std::string s = f.summary;
  for (const auto& e : f.evidence) s += "\n" + e.source + " " + e.text;
  for (const auto& x : f.fix) s += "\n" + x;
  return s;
}

// Two flannel vxlan nodes; w1 has a bundle.
std::string flannel_two_nodes(const std::string& backend = "vxlan") {
  return join_docs(
      {node_yaml("w1", "192.168.1.11", "10.244.1.0/24", "    flannel.alpha.coreos.com/public-ip: 192.168.1.11\n"),
       node_yaml("w2", "192.168.1.12", "10.244.2.0/24",
                 "    flannel.alpha.coreos.com/public-ip: 192.168.1.12\n"
                 "    flannel.alpha.coreos.com/backend-data: '{\"VNI\":1,\"VtepMAC\":\"5e:2a:9c:41:7b:02\"}'\n"),
       flannel_cm(backend)});
}

const char* kRoutesW1Vxlan =
    R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","protocol":"static","flags":[]},)"
    R"({"dst":"10.244.1.0/24","dev":"cni0","protocol":"kernel","scope":"link","prefsrc":"10.244.1.1","flags":[]},)"
    R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]},)"
    R"({"dst":"192.168.1.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.168.1.11","flags":[]}])";

}  // namespace

// ---- forwarding ---------------------------------------------------------------------------------

TEST(NodeChecks, IpForwardOffQuotesTheSysctlLine) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "sysctl.txt", sysctl({{"net.ipv4.ip_forward", "0"}}));
  auto fs = s.run();
  const Finding* f = find(fs, "node-ip-forward-disabled", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Critical);
  EXPECT_EQ(f->subject.name, "w1");
  // The line number of "net.ipv4.ip_forward = 0" in the file: evidence points at the input.
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/sysctl.txt:8", "net.ipv4.ip_forward = 0")) << all_text(*f);
  std::string t = all_text(*f);
  EXPECT_NE(t.find("sysctl -w net.ipv4.ip_forward=1"), std::string::npos);
  EXPECT_NE(t.find("/etc/sysctl.d/"), std::string::npos);
  EXPECT_NE(t.find("sysctl -p"), std::string::npos);  // the warning about resets
}

TEST(NodeChecks, MissingSysctlIsUnknownNotHealthyNorAFinding) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json", kRoutesW1Vxlan);
  EXPECT_FALSE(test::has(s.run(), "node-ip-forward-disabled"));
}

TEST(NodeChecks, PerInterfaceForwardingOnCniDevicesOnly) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "sysctl.txt",
         sysctl({{"net.ipv4.conf.flannel/1.forwarding", "0"},
                 {"net.ipv4.conf.veth1a2b3c4d.forwarding", "0"},
                 {"net.ipv4.conf.docker0.forwarding", "0"}}));
  auto fs = s.run();
  const Finding* f = find(fs, "node-ip-forward-disabled", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(evidence_has(*f, "sysctl.txt:", "net.ipv4.conf.flannel/1.forwarding = 0"));
  std::string t = all_text(*f);
  EXPECT_EQ(t.find("veth1a2b3c4d"), std::string::npos);  // bridged, not routed
  EXPECT_EQ(t.find("docker0"), std::string::npos);       // not the pod network's
}

TEST(NodeChecks, Ipv6ForwardingMattersOnlyWithIpv6Pods) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "sysctl.txt", sysctl({}));  // net.ipv6.conf.all.forwarding = 0, IPv4-only cluster
  EXPECT_FALSE(test::has(s.run(), "node-ip-forward-disabled"));
  s.file("w1", "flannel-subnet.env",
         "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:10:244::/56\n"
         "FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
  const Finding* f = nullptr;
  auto fs = s.run();
  f = find(fs, "node-ip-forward-disabled", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(evidence_has(*f, "sysctl.txt:", "net.ipv6.conf.all.forwarding = 0"));
}

// ---- bridge netfilter ---------------------------------------------------------------------------

TEST(NodeChecks, BridgeNfOffAndModuleMissingWithFlannel) {
  Snap s;
  s.objects(join_docs({flannel_two_nodes(), node_yaml("w3", "192.168.1.13", "10.244.3.0/24")}));
  s.file("w1", "sysctl.txt", sysctl({{"net.bridge.bridge-nf-call-iptables", "0"}}));
  s.file("w2", "sysctl.txt", sysctl({}, /*bridge=*/false));
  s.file("w3", "sysctl.txt", "net.bridge.bridge-nf-call-arptables = 1\n");  // a partial dump: no conclusion
  auto fs = s.run();
  const Finding* off = find(fs, "node-bridge-nf-call-iptables-disabled", "w1");
  ASSERT_NE(off, nullptr);
  EXPECT_TRUE(evidence_has(*off, "nodes/w1/sysctl.txt:", "net.bridge.bridge-nf-call-iptables = 0"));
  const Finding* missing = find(fs, "node-bridge-nf-call-iptables-disabled", "w2");
  ASSERT_NE(missing, nullptr);
  EXPECT_NE(missing->summary.find("br_netfilter"), std::string::npos);
  EXPECT_NE(all_text(*missing).find("modprobe br_netfilter"), std::string::npos);
  EXPECT_NE(all_text(*missing).find("/etc/modules-load.d/"), std::string::npos);
  EXPECT_EQ(find(fs, "node-bridge-nf-call-iptables-disabled", "w3"), nullptr);
}

TEST(NodeChecks, BridgeNfIrrelevantForCalico) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), pool_yaml("p", "10.244.0.0/16")}));
  s.file("w1", "sysctl.txt", sysctl({{"net.bridge.bridge-nf-call-iptables", "0"}}));
  EXPECT_FALSE(test::has(s.run(), "node-bridge-nf-call-iptables-disabled"));
}

// ---- pod range overlaps ---------------------------------------------------------------------------

TEST(NodeChecks, CalicoPoolOverlappingNodeSubnetNamesPrefixAndNodes) {
  Snap s;
  s.objects(join_docs({node_yaml("cp-1", "192.168.1.10", ""), node_yaml("w1", "192.168.1.11", ""),
                       pool_yaml("default-ipv4-ippool", "192.168.0.0/16")}));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-cidr-overlaps-node-network");
  ASSERT_NE(f, nullptr) << fs.size();
  EXPECT_EQ(f->subject.kind, "IPPool");
  EXPECT_EQ(f->subject.name, "default-ipv4-ippool");
  EXPECT_NE(f->summary.find("192.168.1.0/24"), std::string::npos) << f->summary;
  EXPECT_NE(f->summary.find("cp-1"), std::string::npos);
  EXPECT_NE(f->summary.find("w1"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/ip-addr.json", "eth0: inet 192.168.1.11/24"));
  std::string t = all_text(*f);
  EXPECT_NE(t.find("kind: IPPool"), std::string::npos);
  EXPECT_NE(t.find("\"disabled\": true"), std::string::npos);
  EXPECT_NE(t.find("calicoctl delete ippool default-ipv4-ippool"), std::string::npos);
}

TEST(NodeChecks, GatewayRouteWiderThanPodRangeIsNoOverlapButConnectedSubnetIs) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json",
         R"([{"dst":"10.0.0.0/8","gateway":"192.168.1.254","dev":"eth0","protocol":"static","flags":[]},)"
         R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]}])");
  EXPECT_FALSE(test::has(s.run(), "pod-cidr-overlaps-node-network"));
  s.file("w1", "ip-route.json",
         R"([{"dst":"10.244.200.0/24","dev":"eth1","protocol":"kernel","scope":"link","flags":[]},)"
         R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]}])");
  auto fs = s.run();
  const Finding* f = find(fs, "pod-cidr-overlaps-node-network");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("10.244.200.0/24"), std::string::npos);
  EXPECT_NE(all_text(*f).find("net-conf.json"), std::string::npos);  // flannel's fix
}

TEST(NodeChecks, Ipv6PoolOverlap) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "fd12:3456:789a:1::11", ""), pool_yaml("v6", "fd12:3456:789a::/48"),
                       pool_yaml("v4", "10.244.0.0/16")}));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-cidr-overlaps-node-network");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->subject.name, "v6");
  EXPECT_EQ(test::count(fs, "pod-cidr-overlaps-node-network"), 1u);
}

// The migration's new range overlaps nothing the cluster uses, checked against the test's own list.
TEST(NodeChecks, ChosenRangeOverlapsNothing) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), node_yaml("w2", "100.64.3.7", ""),
                       pool_yaml("default-ipv4-ippool", "192.168.0.0/16"), pool_yaml("other", "172.16.0.0/16"),
                       "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: d}\nspec: {clusterIP: "
                       "100.64.1.10, ports: [{port: 80}]}\n"}));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  s.file("w1", "ip-route.json",
         R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]},)"
         R"({"dst":"100.65.0.0/16","gateway":"192.168.1.254","dev":"eth0","protocol":"static","flags":[]}])");
  Cluster c = test::load_ok(s.dir.path());
  CniInfo cni = detect_cni(c);
  Context ctx(c, cni);
  const checks::ClusterNet& net = checks::cluster_net(ctx);
  const checks::RangeRef* pool = nullptr;
  for (const auto& r : net.pod_ranges)
    if (r.text == "192.168.0.0/16") pool = &r;
  ASSERT_NE(pool, nullptr);
  auto chosen = checks::choose_new_range(c, net, *pool);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->len, 16u);
  // Independently of used_prefixes(): everything this snapshot uses.
  for (const char* used : {"192.168.1.11/32", "192.168.1.0/24", "100.64.3.7/32", "192.168.0.0/16", "172.16.0.0/16",
                           "100.64.1.10/32", "100.65.0.0/16"})
    EXPECT_FALSE(node::overlaps(*chosen, *node::parse_prefix(used))) << chosen->to_string() << " vs " << used;
  EXPECT_EQ(chosen->to_string(), "100.66.0.0/16");  // 100.64/16 and 100.65/16 are taken
  // And the fix prints it in the IPPool.
  auto fs = test::diagnose(c);
  const Finding* f = find(fs, "pod-cidr-overlaps-node-network");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(all_text(*f).find("cidr: 100.66.0.0/16"), std::string::npos) << all_text(*f);
}

TEST(NodeChecks, ServiceRangeFromFlagAndInferred) {
  Snap s;
  std::string apiserver =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver-cp, namespace: kube-system}\nspec:\n"
      "  containers:\n  - name: kube-apiserver\n    image: k8s/kube-apiserver:v1.29.4\n    command:\n"
      "    - kube-apiserver\n    - --service-cluster-ip-range=10.96.0.0/12\nstatus: {phase: Running}\n";
  std::string svc =
      "apiVersion: v1\nkind: Service\nmetadata: {name: kubernetes, namespace: default}\n"
      "spec: {clusterIP: 10.96.0.1, ports: [{port: 443}]}\n";
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), pool_yaml("p", "10.96.0.0/16"), apiserver, svc}));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-cidr-overlaps-service-cidr");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("10.96.0.0/12"), std::string::npos);
  EXPECT_NE(f->summary.find("10.96.0.1"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, ".spec.containers[kube-apiserver].command", "--service-cluster-ip-range"));

  // Without the flag the range is inferred from the ClusterIPs, and the finding says so.
  std::string svc2 =
      "apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\n"
      "spec: {clusterIP: 10.96.0.10, ports: [{port: 53, protocol: UDP}]}\n";
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), pool_yaml("p", "10.96.0.0/16"), svc, svc2}));
  fs = s.run();
  f = find(fs, "pod-cidr-overlaps-service-cidr");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("inferred"), std::string::npos) << f->summary;
  EXPECT_NE(f->summary.find("10.96.0.0/28"), std::string::npos) << f->summary;

  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), pool_yaml("p", "10.244.0.0/16"), apiserver, svc}));
  EXPECT_FALSE(test::has(s.run(), "pod-cidr-overlaps-service-cidr"));
}

// ---- routes -----------------------------------------------------------------------------------

TEST(NodeChecks, FlannelVxlanRouteRightThenMissingThenBlackholeThenWrongDevice) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json", kRoutesW1Vxlan);
  EXPECT_FALSE(test::has(s.run(), "node-missing-pod-route"));

  s.file("w1", "ip-route.json",
         R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","protocol":"static","flags":[]}])");
  auto fs = s.run();
  const Finding* f = find(fs, "node-missing-pod-route", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("w2"), std::string::npos);
  EXPECT_NE(f->summary.find("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"), std::string::npos) << f->summary;
  EXPECT_NE(f->summary.find("default via 192.168.1.1 dev eth0"), std::string::npos);

  s.file("w1", "ip-route.json", R"([{"type":"blackhole","dst":"10.244.2.0/24","flags":[]}])");
  fs = s.run();
  f = find(fs, "node-missing-pod-route", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("blackhole"), std::string::npos);

  s.file("w1", "ip-route.json", R"([{"dst":"10.244.2.0/24","gateway":"192.168.1.12","dev":"eth0","flags":[]}])");
  fs = s.run();
  f = find(fs, "node-missing-pod-route", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("device eth0 instead of flannel.1"), std::string::npos) << f->summary;
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/ip-route.json[0]", "10.244.2.0/24 via 192.168.1.12 dev eth0"));
}

TEST(NodeChecks, HostGwNeedsTheSameSubnet) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", "10.244.1.0/24"),
                       node_yaml("w2", "192.168.2.12", "10.244.2.0/24"), flannel_cm("host-gw")}));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  s.file("w1", "ip-route.json",
         R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]},)"
         R"({"dst":"10.244.2.0/24","gateway":"192.168.1.1","dev":"eth0","flags":[]}])");
  auto fs = s.run();
  const Finding* f = find(fs, "node-missing-pod-route", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("L2"), std::string::npos) << f->summary;
  EXPECT_NE(all_text(*f).find("vxlan"), std::string::npos);  // the fix: switch backend
}

TEST(NodeChecks, ShadowingRouteInsidePeerRange) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", "10.244.1.0/24"),
                       node_yaml("w2", "192.168.1.12", "10.244.2.0/24"), flannel_cm("host-gw")}));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  s.file("w1", "ip-route.json",
         R"([{"dst":"10.244.2.0/24","gateway":"192.168.1.12","dev":"eth0","flags":[]},)"
         R"({"dst":"10.244.2.128/25","gateway":"192.168.1.99","dev":"eth0","protocol":"static","flags":[]}])");
  auto fs = s.run();
  const Finding* f = find(fs, "node-missing-pod-route", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("10.244.2.128/25"), std::string::npos);
  EXPECT_FALSE(test::has(fs, "pod-cidr-overlaps-node-network"));  // one problem, one finding
}

TEST(NodeChecks, CalicoBlocksFromBlackholeRoutes) {
  Snap s;
  s.objects(join_docs(
      {node_yaml("w1", "192.168.1.11", ""), node_yaml("w2", "192.168.1.12", ""), pool_yaml("p", "10.244.0.0/16")}));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  s.file("w2", "ip-addr.json", ip_addr("192.168.1.12/24"));
  s.file("w1", "ip-route.json",
         R"([{"type":"blackhole","dst":"10.244.17.0/26","protocol":"bird","flags":[]},)"
         R"({"dst":"10.244.99.64/26","gateway":"192.168.1.12","dev":"eth0","protocol":"bird","flags":[]}])");
  s.file("w2", "ip-route.json", R"([{"type":"blackhole","dst":"10.244.99.64/26","protocol":"bird","flags":[]}])");
  auto fs = s.run();
  EXPECT_EQ(find(fs, "node-missing-pod-route", "w1"), nullptr);
  const Finding* f = find(fs, "node-missing-pod-route", "w2");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("10.244.17.0/26"), std::string::npos);
  EXPECT_NE(f->summary.find("via 192.168.1.11 dev eth0 proto bird"), std::string::npos) << f->summary;
}

TEST(NodeChecks, VxlanFdbAndNeighbour) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json", kRoutesW1Vxlan);
  s.file("w1", "ip-neigh.json",
         R"([{"dst":"10.244.2.0","dev":"flannel.1","lladdr":"5e:2a:9c:41:7b:02","state":["PERMANENT"]}])");
  s.file(
      "w1", "bridge-fdb.json",
      R"([{"mac":"5e:2a:9c:41:7b:02","ifname":"flannel.1","dst":"192.168.1.12","flags":["self"],"state":"permanent"}])");
  EXPECT_FALSE(test::has(s.run(), "node-vxlan-fdb-missing"));
  s.file("w1", "bridge-fdb.json",
         R"([{"mac":"33:33:00:00:00:01","ifname":"eth0","flags":["self"],"state":"permanent"}])");
  auto fs = s.run();
  const Finding* f = find(fs, "node-vxlan-fdb-missing", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("no FDB entry"), std::string::npos);
  EXPECT_NE(f->summary.find("w2"), std::string::npos);
  s.file("w1", "ip-neigh.json",
         R"([{"dst":"10.244.2.0","dev":"flannel.1","lladdr":"aa:bb:cc:00:00:01","state":["PERMANENT"]}])");
  fs = s.run();
  f = find(fs, "node-vxlan-fdb-missing", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("stale"), std::string::npos);
}

TEST(NodeChecks, RpFilterStrictWithAsymmetricPaths) {
  Snap s;
  s.objects(join_docs(
      {node_yaml("w1", "192.168.1.11", "10.244.1.0/24", "    flannel.alpha.coreos.com/public-ip: 192.168.1.11\n"),
       node_yaml("w2", "192.168.1.140", "10.244.2.0/24", "    flannel.alpha.coreos.com/public-ip: 192.168.1.140\n"),
       flannel_cm("vxlan", true)}));
  // w1 (/24) routes to w2 directly; w2 (/25) sees w1 elsewhere and goes through flannel.1.
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24"));
  s.file("w1", "ip-route.json", R"([{"dst":"10.244.2.0/24","gateway":"192.168.1.140","dev":"eth0","flags":[]}])");
  s.file("w2", "ip-addr.json", ip_addr("192.168.1.140/25"));
  s.file("w2", "ip-route.json",
         R"([{"dst":"10.244.1.0/24","gateway":"10.244.1.0","dev":"flannel.1","flags":["onlink"]}])");
  s.file("w2", "sysctl.txt", sysctl({{"net.ipv4.conf.all.rp_filter", "2"}}));
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "node-missing-pod-route"));
  EXPECT_FALSE(test::has(fs, "node-rp-filter-strict"));  // loose: harmless
  // The kernel takes the larger of all and the interface: strict only when neither is loose.
  s.file("w2", "sysctl.txt", sysctl({{"net.ipv4.conf.all.rp_filter", "1"}}));  // eth0 stays 2
  EXPECT_FALSE(test::has(s.run(), "node-rp-filter-strict"));
  s.file("w2", "sysctl.txt", sysctl({{"net.ipv4.conf.all.rp_filter", "1"}, {"net.ipv4.conf.eth0.rp_filter", "0"}}));
  fs = s.run();
  const Finding* f = find(fs, "node-rp-filter-strict", "w2");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("eth0"), std::string::npos);
  EXPECT_NE(f->summary.find("flannel.1"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, "nodes/w2/sysctl.txt:", "net.ipv4.conf.all.rp_filter = 1"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/ip-route.json[0]", "via 192.168.1.140"));
}

// ---- MTU --------------------------------------------------------------------------------------

TEST(NodeChecks, MtuAgainstUnderlayMinusVxlan) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json", kRoutesW1Vxlan);
  std::string links = link_obj(3, "flannel.1", 1450, "vxlan") + link_obj(4, "cni0", 1450, "bridge");
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24", 1500, links));
  s.file("w1", "flannel-subnet.env",
         "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n"
         "FLANNEL_IPMASQ=true\n");
  EXPECT_FALSE(test::has(s.run(), "node-mtu-mismatch"));
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24", 1400, links));
  auto fs = s.run();
  const Finding* f = find(fs, "node-mtu-mismatch", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Warning);
  EXPECT_NE(f->summary.find("at most 1350"), std::string::npos) << f->summary;
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/flannel-subnet.env:3", "FLANNEL_MTU=1450"));
  EXPECT_TRUE(evidence_has(*f, "ip-addr.json", "flannel.1: mtu 1450"));
}

TEST(NodeChecks, MtuHostGwHasNoOverhead) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", "10.244.1.0/24"), flannel_cm("host-gw")}));
  s.file("w1", "ip-route.json", R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]}])");
  s.file("w1", "ip-addr.json", ip_addr("192.168.1.11/24", 1500, link_obj(4, "cni0", 1500, "bridge")));
  EXPECT_FALSE(test::has(s.run(), "node-mtu-mismatch"));
}

// ---- kube-proxy -------------------------------------------------------------------------------

namespace {

std::string services_and_slices(bool ready_db = true) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
         "spec: {clusterIP: 10.96.5.5, selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}\n"
         "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
         "spec: {clusterIP: 10.96.6.6, selector: {app: db}, ports: [{port: 5432}]}\n"
         "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-x, namespace: shop, labels: "
         "{kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints:\n- addresses: [10.244.1.5]\n"
         "  conditions: {ready: true}\nports: [{name: http, port: 8080, protocol: TCP}]\n"
         "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: db-x, namespace: shop, labels: "
         "{kubernetes.io/service-name: db}}\naddressType: IPv4\nendpoints:\n- addresses: [10.244.2.7]\n"
         "  conditions: {ready: " +
         std::string(ready_db ? "true" : "false") + "}\nports: [{name: \"\", port: 5432, protocol: TCP}]\n";
}

// kube-proxy's iptables-save for shop/web -> 10.244.1.5:8080 and, optionally, shop/db.
std::string kube_proxy_save(const std::string& db) {
  std::string s = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n";
  if (db == "reject")
    s += "-A KUBE-SERVICES -d 10.96.6.6/32 -p tcp -m comment --comment \"shop/db has no endpoints\" -m tcp --dport "
         "5432 -j REJECT --reject-with icmp-port-unreachable\n";
  s += "COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
       ":KUBE-MARK-MASQ - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n"
       ":KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]\n";
  if (db == "rules") s += ":KUBE-SVC-CCCCCCCCCCCCCCCC - [0:0]\n:KUBE-SEP-DDDDDDDDDDDDDDDD - [0:0]\n";
  s += "-A KUBE-SERVICES -d 10.96.5.5/32 -p tcp -m comment --comment \"shop/web:http cluster IP\" -m tcp --dport 80 "
       "-j KUBE-SVC-AAAAAAAAAAAAAAAA\n"
       "-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment \"shop/web:http -> 10.244.1.5:8080\" -j "
       "KUBE-SEP-BBBBBBBBBBBBBBBB\n"
       "-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment \"shop/web:http\" -m tcp -j DNAT --to-destination "
       "10.244.1.5:8080\n";
  if (db == "rules")
    s += "-A KUBE-SERVICES -d 10.96.6.6/32 -p tcp -m comment --comment \"shop/db cluster IP\" -m tcp --dport 5432 "
         "-j KUBE-SVC-CCCCCCCCCCCCCCCC\n"
         "-A KUBE-SVC-CCCCCCCCCCCCCCCC -m comment --comment \"shop/db -> 10.244.2.7:5432\" -j "
         "KUBE-SEP-DDDDDDDDDDDDDDDD\n"
         "-A KUBE-SEP-DDDDDDDDDDDDDDDD -p tcp -m comment --comment \"shop/db\" -m tcp -j DNAT --to-destination "
         "10.244.2.7:5432\n";
  return s + "COMMIT\n";
}

}  // namespace

TEST(NodeChecks, KubeProxyRulesPresentMissingStale) {
  Snap s;
  s.objects(join_docs({flannel_two_nodes(), services_and_slices()}));
  s.file("w1", "iptables-save.txt", kube_proxy_save("rules"));
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "node-service-rules-missing"));
  EXPECT_FALSE(test::has(fs, "node-service-endpoints-stale"));

  s.file("w1", "iptables-save.txt", kube_proxy_save("none"));
  fs = s.run();
  const Finding* f = find(fs, "node-service-rules-missing", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->subject.kind, "Service");
  EXPECT_EQ(f->subject.name, "db");
  EXPECT_NE(f->summary.find("10.96.6.6:5432/tcp"), std::string::npos) << f->summary;

  // The "has no endpoints" REJECT while the slice shows a ready endpoint: stale.
  s.file("w1", "iptables-save.txt", kube_proxy_save("reject"));
  fs = s.run();
  EXPECT_FALSE(test::has(fs, "node-service-rules-missing"));
  f = find(fs, "node-service-endpoints-stale", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("REJECT"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/iptables-save.txt:6", "has no endpoints"));

  // The same REJECT when the endpoint is not ready is right.
  s.objects(join_docs({flannel_two_nodes(), services_and_slices(false)}));
  EXPECT_FALSE(test::has(s.run(), "node-service-endpoints-stale"));

  // Rules that send to a pod that is not ready: stale.
  s.file("w1", "iptables-save.txt", kube_proxy_save("rules"));
  fs = s.run();
  f = find(fs, "node-service-endpoints-stale", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("10.244.2.7:5432"), std::string::npos);
}

TEST(NodeChecks, KubeProxyNotInIptablesModeSaysNothing) {
  Snap s;
  s.objects(join_docs({flannel_two_nodes(), services_and_slices()}));
  s.file("w1", "iptables-save.txt", "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "node-service-rules-missing"));
  EXPECT_FALSE(test::has(fs, "node-service-endpoints-stale"));
}

// ---- masquerade -------------------------------------------------------------------------------

namespace {

std::string flannel_nat(const std::string& before = "", bool masq = true, const std::string& chains = "") {
  std::string s =
      "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":POSTROUTING ACCEPT [0:0]\n:KUBE-POSTROUTING - [0:0]\n" +
      chains;
  if (masq) s += ":FLANNEL-POSTRTG - [0:0]\n";
  s += before;
  if (masq) s += "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n";
  s += "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n";
  if (masq)
    s += "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN\n"
         "-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN\n"
         "-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN\n"
         "-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN\n"
         "-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE "
         "--random-fully\n";
  s += "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
       "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
       "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE "
       "--random-fully\nCOMMIT\n";
  return s;
}

}  // namespace

TEST(NodeChecks, FlannelMasqueradeWalkedRuleByRule) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "flannel-subnet.env",
         "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n"
         "FLANNEL_IPMASQ=true\n");
  s.file("w1", "iptables-save.txt", flannel_nat());
  EXPECT_FALSE(test::has(s.run(), "pod-egress-not-masqueraded"));

  // kube-proxy's own MASQUERADE (for marked Service traffic) does not count for pod egress.
  s.file("w1", "iptables-save.txt", flannel_nat("", false));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-egress-not-masqueraded", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Warning);

  // ip-masq-agent's RETURN from its own chain before flannel's does not exempt (flannel masquerades
  // after it); a RETURN straight in POSTROUTING ends the chain (policy ACCEPT), and so does an ACCEPT.
  s.file("w1", "iptables-save.txt",
         flannel_nat("-A POSTROUTING -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT\n"
                     "-A IP-MASQ-AGENT -d 172.20.0.0/16 -m comment --comment \"ip-masq-agent: local traffic is not "
                     "subject to MASQUERADE\" -j RETURN\n",
                     true, ":IP-MASQ-AGENT - [0:0]\n"));
  EXPECT_FALSE(test::has(s.run(), "pod-egress-not-masqueraded"));
  s.file("w1", "iptables-save.txt",
         flannel_nat("-A POSTROUTING -d 172.20.0.0/16 -m comment --comment \"keep\" -j RETURN\n"));
  EXPECT_TRUE(test::has(s.run(), "pod-egress-not-masqueraded"));
  s.file("w1", "iptables-save.txt",
         flannel_nat("-A POSTROUTING -s 10.244.0.0/16 -d 172.20.0.0/16 -m comment --comment \"db\" -j ACCEPT\n"));
  fs = s.run();
  f = find(fs, "pod-egress-not-masqueraded", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("172.20.0.0/16"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/iptables-save.txt:", "-d 172.20.0.0/16"));
}

TEST(NodeChecks, FlannelIpMasqOffWithoutIptables) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "flannel-subnet.env",
         "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n"
         "FLANNEL_IPMASQ=false\n");
  const Finding* f = nullptr;
  auto fs = s.run();
  f = find(fs, "pod-egress-not-masqueraded", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/flannel-subnet.env:4", "FLANNEL_IPMASQ=false"));
  // The CNI configuration's ipMasq compensates.
  s.file("w1", "cni/10-flannel.conflist",
         "{\"name\":\"cbr0\",\"plugins\":[{\"type\":\"flannel\",\"delegate\":{\"ipMasq\":true}}]}\n");
  EXPECT_FALSE(test::has(s.run(), "pod-egress-not-masqueraded"));
}

TEST(NodeChecks, CalicoPoolWithoutNatOutgoing) {
  Snap s;
  s.objects(join_docs({node_yaml("w1", "192.168.1.11", ""), pool_yaml("no-nat", "10.244.0.0/16", "Never", false),
                       pool_yaml("v6", "fd00:10:244::/48", "Never", false)}));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-egress-not-masqueraded");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->subject.name, "no-nat");
  EXPECT_EQ(test::count(fs, "pod-egress-not-masqueraded"), 1u);  // IPv6 pools are routed by design
}

// ---- bad input ----------------------------------------------------------------------------------

TEST(NodeChecks, UnreadableFilesAreSaidNotCrashed) {
  Snap s;
  s.objects(flannel_two_nodes());
  s.file("w1", "ip-route.json", "default via 192.168.1.1 dev eth0\n");  // `ip route` without -j
  s.file("w1", "sysctl.txt", "net.ipv4.ip_forward = 1\nthis is not sysctl output\n");
  s.file("w1", "iptables-save.txt", "-A POSTROUTING -j MASQUERADE\n");  // a rule outside any table
  s.file("w1", "cni/10-flannel.conflist", "{not json");
  auto fs = s.run();
  const Finding* f = find(fs, "node-bundle-unreadable", "w1");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Info);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/sysctl.txt", "sysctl.txt:2"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/ip-route.json", "ip-route.json"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/iptables-save.txt", "iptables-save.txt:1"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/cni/10-flannel.conflist", "not JSON"));
  EXPECT_FALSE(test::has(fs, "node-ip-forward-disabled"));
  EXPECT_FALSE(test::has(fs, "node-missing-pod-route"));
}

TEST(NodeChecks, EveryNodeFindingHasEvidenceFixAndRefs) {
  Snap s;
  s.objects(join_docs({flannel_two_nodes(), services_and_slices()}));
  s.file("w1", "sysctl.txt", sysctl({{"net.ipv4.ip_forward", "0"}}, false));
  s.file("w1", "ip-route.json", R"([{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]}])");
  s.file("w1", "iptables-save.txt", kube_proxy_save("none"));
  auto fs = s.run();
  EXPECT_GE(fs.size(), 4u);
  for (const auto& f : fs) {
    EXPECT_FALSE(f.evidence.empty()) << f.id;
    EXPECT_FALSE(f.fix.empty()) << f.id;
    EXPECT_FALSE(f.refs.empty()) << f.id;
    for (const auto& e : f.evidence) EXPECT_FALSE(e.source.empty()) << f.id;
  }
}

// ---- this machine -----------------------------------------------------------------------------

namespace {

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

}  // namespace

// Collects this machine's bundle with the real binary, puts it beside the healthy flannel example's
// objects (k8s-node1 renamed to this host), and checks that every finding about this host is true of
// the machine, read independently from /proc/sys and /sys/class/net.
TEST(NodeChecks, RealBundleOfThisMachineYieldsNoFalseFinding) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) GTEST_SKIP() << "no hostname";
  std::string me = host;
  TempDir d;
  std::string out = d.path() + "/nodes/" + me;
  std::string cmd = std::string("'") + ND_BINARY + "' collect node --out '" + out + "' -q --timeout 10 2>&1";
  if (std::system(cmd.c_str()) != 0 || !exists(out + "/sysctl.txt"))
    GTEST_SKIP() << "netdoctor collect node did not run here: " << cmd;
  // The example's objects, with k8s-node1 renamed to this host.
  const std::string ex = std::string(ND_SOURCE_DIR) + "/examples/node-healthy-flannel-vxlan";
  if (!exists(ex)) GTEST_SKIP() << "example missing: " << ex;
  for (const auto& e : std::filesystem::directory_iterator(ex)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string text = read_file(e.path());
    for (size_t p = 0; (p = text.find("k8s-node1", p)) != std::string::npos; p += me.size()) text.replace(p, 9, me);
    d.write(e.path().filename().string(), text);
  }
  Cluster c = test::load_ok(d.path());
  ASSERT_NE(c.bundle(me), nullptr);
  auto fs = test::diagnose(c);

  auto proc = [](const std::string& p) {
    std::string v = read_file(p);
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  };
  const bool fwd_off = proc("/proc/sys/net/ipv4/ip_forward") == "0";
  bool dev_fwd_off = false;  // a per-interface switch at 0 (the check reports the underlay's)
  for (const auto& e : std::filesystem::directory_iterator("/proc/sys/net/ipv4/conf")) {
    std::string n = e.path().filename();
    if (n != "all" && n != "default" && n != "lo" && proc(e.path().string() + "/forwarding") == "0") dev_fwd_off = true;
  }
  const std::string bnf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
  const bool bridge_off = !exists(bnf) || proc(bnf) == "0";
  const bool has_flannel = exists("/sys/class/net/flannel.1");
  const bool flannel_ran = has_flannel || exists("/sys/class/net/cni0") || exists("/run/flannel/subnet.env");
  std::string save = read_file(out + "/iptables-save.txt");
  const bool kube_proxy = save.find(":KUBE-SERVICES") != std::string::npos;

  for (const auto& f : fs) {
    if (f.node != me) continue;
    SCOPED_TRACE(f.id + ": " + f.summary);
    bool ok = true;
    if (f.id == "node-bundle-unreadable")
      ok = false;  // this machine's own bundle must parse
    else if (f.id == "node-ip-forward-disabled")
      ok = fwd_off || dev_fwd_off;
    else if (f.id == "node-bridge-nf-call-iptables-disabled")
      ok = bridge_off;
    else if (f.id == "node-missing-pod-route")
      ok = !has_flannel;  // no flannel.1 here: no routes
    else if (f.id == "node-vxlan-fdb-missing")
      ok = has_flannel;
    else if (f.id == "pod-egress-not-masqueraded" || f.id == "node-mtu-mismatch")
      ok = flannel_ran;
    else if (f.id == "node-service-rules-missing" || f.id == "node-service-endpoints-stale")
      ok = kube_proxy;
    else if (f.id == "node-rp-filter-strict")
      ok = false;  // needs a peer bundle; there is none
    EXPECT_TRUE(ok) << "not true of this machine";
  }
  // The forwarding verdict is the machine's own.
  if (fwd_off) {
    EXPECT_TRUE(test::has(fs, "node-ip-forward-disabled"));
  }
  // Without flannel here, the routes to the other nodes' pods really are missing, and are said so.
  if (!has_flannel) {
    EXPECT_TRUE(test::has(fs, "node-missing-pod-route"));
  }
}

#endif  // ND_HAVE_NODE
