// Unit tests of the lab's pure parts: the plan, kube-proxy's rules, the CNI config, resolv.conf
// files, flannel's per-peer commands, the Kubernetes objects, the fault table and the DNS probe's
// packet code. No root needed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lab/cni.h"
#include "lab/dns.h"
#include "lab/faults.h"
#include "lab/flannel.h"
#include "lab/kube_proxy.h"
#include "lab/objects.h"
#include "lab/plan.h"
#include "lab/sha256.h"
#include "lab/state_io.h"
#include "lab/topology.h"
#include "probes.h"

namespace nd::lab {
namespace {

using json = nlohmann::json;

State planned(Backend b = Backend::Vxlan, int nodes = 3) {
  State s = make_plan({"unit", nodes, b}, "2024-01-01T00:00:00Z");
  int i = 2;
  for (auto& p : s.pods) p.ip = nth_ip(s.node(p.node)->pod_cidr, static_cast<uint32_t>(i++ % 200 + 2));
  return s;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

TEST(LabPlan, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')).substr(0, 16), "41edece42d63e8d9");
}

// The chain names of kube-dns on every kubeadm cluster: kube-proxy's own hash, reproduced.
TEST(LabPlan, KubeProxyChainNamesMatchKubeProxy) {
  EXPECT_EQ(svc_chain("kube-system/kube-dns:dns", "UDP"), "KUBE-SVC-TCOU7JCQXEZGVUNU");
  EXPECT_EQ(svc_chain("kube-system/kube-dns:dns-tcp", "TCP"), "KUBE-SVC-ERIFXISQEP7F7OF4");
  EXPECT_EQ(svc_chain("kube-system/kube-dns:metrics", "TCP"), "KUBE-SVC-JD5MR3NA4I4DYORP");
  EXPECT_EQ(svc_chain("default/kubernetes:https", "TCP"), "KUBE-SVC-NPX46M4PTMTKRN6Y");
}

TEST(LabPlan, PlanHasNodesPodsServices) {
  State s = planned();
  ASSERT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.nodes[1].ip, "192.168.50.12");
  EXPECT_EQ(s.nodes[2].pod_cidr, "10.244.3.0/24");
  EXPECT_EQ(s.pods.size(), 7u);  // DNS pod + web and redis on every node
  ASSERT_NE(s.dns_pod(), nullptr);
  EXPECT_EQ(s.dns_pod()->node, "node1");
  EXPECT_EQ(s.dns_pod()->dns_policy, "Default");
  std::set<std::string> namespaces, names;
  for (const auto& p : s.pods) {
    namespaces.insert(p.ns);
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate pod name " << p.name;
    EXPECT_EQ(p.container_id.size(), 64u);
  }
  EXPECT_GE(namespaces.size(), 3u);
  EXPECT_EQ(s.netns("node1"), "ndlab-unit-node1");
  EXPECT_EQ(make_plan({"unit", 3, Backend::Vxlan}, "x").pods[1].name, s.pods[1].name) << "names are deterministic";
}

TEST(LabPlan, DirectRoutingSplitsTheUnderlay) {
  State s = planned(Backend::DirectRouting, 4);
  EXPECT_EQ(s.nodes[0].segment, 0);
  EXPECT_EQ(s.nodes[1].segment, 0);
  EXPECT_EQ(s.nodes[2].segment, 1);
  EXPECT_EQ(s.nodes[2].ip, "192.168.51.13");
  EXPECT_EQ(s.nodes[2].gateway, kRouterIpB);
  EXPECT_TRUE(peer_is_direct(s, s.nodes[0], s.nodes[1]));
  EXPECT_FALSE(peer_is_direct(s, s.nodes[0], s.nodes[2]));
  EXPECT_TRUE(peer_is_direct(s, s.nodes[2], s.nodes[3]));
}

TEST(LabPlan, ValidatesSpec) {
  EXPECT_EQ(validate_spec({"ok1", 3, Backend::Vxlan}), "");
  EXPECT_NE(validate_spec({"Bad", 3, Backend::Vxlan}), "");
  EXPECT_NE(validate_spec({"a-b", 3, Backend::Vxlan}), "") << "'-' would make lab prefixes ambiguous";
  EXPECT_NE(validate_spec({"toolongname123", 3, Backend::Vxlan}), "");
  EXPECT_NE(validate_spec({"x", 1, Backend::Vxlan}), "");
  EXPECT_NE(validate_spec({"x", 2, Backend::DirectRouting}), "");
  EXPECT_FALSE(parse_backend("calico").has_value());
  EXPECT_EQ(parse_backend("host-gw"), Backend::HostGw);
}

TEST(LabPlan, CidrHelpers) {
  auto a = parse_cidr("10.244.1.0/24");
  ASSERT_TRUE(a);
  EXPECT_TRUE(cidr_contains(*a, parse_cidr("10.244.1.77")->addr));
  EXPECT_FALSE(cidr_contains(*a, parse_cidr("10.244.2.1")->addr));
  EXPECT_TRUE(cidr_overlaps(*parse_cidr("10.244.0.0/16"), *a));
  EXPECT_FALSE(parse_cidr("10.244.1.0/33"));
  EXPECT_FALSE(parse_cidr("300.1.1.1"));
  EXPECT_FALSE(parse_cidr("hello"));
  EXPECT_EQ(nth_ip("192.168.50.0/24", 254), "192.168.50.254");
  EXPECT_EQ(overlap_range(planned().nodes[1]), "192.168.50.0/24");
}

TEST(LabPlan, KubeProxyRulesBalanceAndMask) {
  State s = planned();
  std::string rules = kube_proxy_restore(s, s.nodes[0]);
  std::string web = svc_chain("shop/web:http", "TCP");
  EXPECT_NE(rules.find("-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"shop/web:http cluster IP\" -m tcp --dport 80 -j " + web),
            std::string::npos);
  // Three endpoints: 1/3, then 1/2, then the last without a statistic match.
  EXPECT_NE(rules.find("-A " + web + " -m comment --comment \"shop/web:http -> " + s.pods[1].ip +
                       ":8080\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-"),
            std::string::npos);
  EXPECT_EQ(count(rules, "-A " + web + " -m comment --comment \"shop/web:http -> "), 3u);
  EXPECT_EQ(count(rules, "--probability 0.5000000000"), 3u);  // web, web-public, redis
  EXPECT_NE(rules.find("! -s 10.244.0.0/16 -d 10.96.0.20/32"), std::string::npos);
  EXPECT_NE(rules.find("-A KUBE-NODEPORTS -p tcp -m comment --comment \"shop/web-public:http\" -m tcp --dport 30080 -j KUBE-EXT-"),
            std::string::npos);
  EXPECT_NE(rules.find("-j MASQUERADE --random-fully"), std::string::npos);
  EXPECT_EQ(rules.find("has no endpoints"), std::string::npos);
  EXPECT_LT(rules.find("NOTE: this must be the last rule"), rules.find("-A KUBE-NODEPORTS"));
}

TEST(LabPlan, KubeProxyFaultsChangeTheRules) {
  State s = planned();
  s.faults.push_back({"kube-proxy-rules-missing", "node1"});
  EXPECT_EQ(kube_proxy_restore(s, s.nodes[0]).find("shop/web:http"), std::string::npos);
  EXPECT_NE(kube_proxy_restore(s, s.nodes[1]).find("shop/web:http"), std::string::npos);
  EXPECT_NE(kube_proxy_restore(s, s.nodes[0]).find("shop/web-public:http"), std::string::npos);
  s.faults = {{"dns-down", ""}};
  std::string rules = kube_proxy_restore(s, s.nodes[2]);
  EXPECT_NE(rules.find("-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment \"kube-system/kube-dns:dns has no endpoints\" -m udp --dport 53 -j REJECT"),
            std::string::npos);
  EXPECT_EQ(rules.find(svc_chain("kube-system/kube-dns:dns", "UDP")), std::string::npos);
  // Stale chains are declared (flushed) and deleted.
  rules = kube_proxy_restore(s, s.nodes[2], {"KUBE-SEP-OLDOLDOLDOLDOLD1"});
  EXPECT_NE(rules.find(":KUBE-SEP-OLDOLDOLDOLDOLD1 - [0:0]\n"), std::string::npos);
  EXPECT_NE(rules.find("-X KUBE-SEP-OLDOLDOLDOLDOLD1\n"), std::string::npos);
}

TEST(LabPlan, CniConflistIsCni100BridgeHostLocal) {
  State s = planned(Backend::Vxlan);
  json c = json::parse(conflist_json(s, s.nodes[1]));
  EXPECT_EQ(c["cniVersion"], "1.0.0");
  ASSERT_EQ(c["plugins"].size(), 1u);
  const json& b = c["plugins"][0];
  EXPECT_EQ(b["type"], "bridge");
  EXPECT_EQ(b["bridge"], "cni0");
  EXPECT_EQ(b["ipMasq"], true);
  EXPECT_EQ(b["isGateway"], true);
  EXPECT_EQ(b["mtu"], 1450);
  EXPECT_EQ(b["ipam"]["type"], "host-local");
  EXPECT_EQ(b["ipam"]["ranges"][0][0]["subnet"], "10.244.2.0/24");
  EXPECT_EQ(b["ipam"]["dataDir"], "/run/netdoctor-lab/unit/nodes/node2/var/lib/cni/networks");
  EXPECT_EQ(json::parse(conflist_json(planned(Backend::HostGw), s.nodes[0]))["plugins"][0]["mtu"], 1500);
  EXPECT_EQ(cni_conflist_path(s, s.nodes[0]), "/run/netdoctor-lab/unit/nodes/node1/etc/cni/net.d/10-labnet.conflist");
}

TEST(LabPlan, ResolvConfAsTheKubeletWritesIt) {
  State s = planned();
  const PodState* web = s.pod(s.pods[1].name);
  EXPECT_EQ(pod_resolv_conf(s, *web),
            "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
  EXPECT_NE(pod_resolv_conf(s, *s.dns_pod()).find("nameserver 192.0.2.53"), std::string::npos);
  s.faults.push_back({"dns-upstream-loop", "node1"});
  EXPECT_NE(pod_resolv_conf(s, *s.dns_pod()).find("nameserver 127.0.0.53"), std::string::npos);
  EXPECT_NE(node_resolv_conf(s, s.nodes[1]).find("192.0.2.53"), std::string::npos) << "only the DNS pod's node";
  EXPECT_NE(cluster_hosts(s).find("10.96.0.20 web.shop.svc.cluster.local\n"), std::string::npos);
  EXPECT_NE(kubelet_config().find("resolvConf: /etc/resolv.conf"), std::string::npos);
}

TEST(LabPlan, FlannelPeerCommands) {
  State hg = planned(Backend::HostGw);
  auto c = peer_commands(hg, hg.nodes[0], hg.nodes[1]);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"ip", "route", "add", "10.244.2.0/24", "via", "192.168.50.12", "dev", "eth0"}));
  State vx = planned(Backend::Vxlan);
  c = peer_commands(vx, vx.nodes[0], vx.nodes[2]);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], (std::vector<std::string>{"ip", "neigh", "replace", "10.244.3.0", "lladdr", vx.nodes[2].vtep_mac,
                                            "dev", "flannel.1", "nud", "permanent"}));
  EXPECT_EQ(c[1][0], "bridge");
  EXPECT_EQ(c[1][6], "dst");
  EXPECT_EQ(c[1][7], "192.168.50.13");
  EXPECT_EQ(c[2], (std::vector<std::string>{"ip", "route", "add", "10.244.3.0/24", "via", "10.244.3.0", "dev",
                                            "flannel.1", "onlink"}));
}

TEST(LabPlan, DatabaseAllowsOnlyNodes) {
  State s = planned();
  std::string r = db_allowlist_rules(s);
  for (const auto& n : s.nodes) EXPECT_NE(r.find("-A INPUT -s " + n.ip + "/32 -p tcp -m tcp --dport 5432"), std::string::npos);
  EXPECT_NE(r.find("-j REJECT --reject-with tcp-reset"), std::string::npos);
  EXPECT_EQ(r.find("10.244."), std::string::npos);
}

TEST(LabPlan, StateRoundTripAndBadInput) {
  State s = planned(Backend::DirectRouting);
  s.faults.push_back({"mtu-mismatch", "node2"});
  auto back = state_from_json(state_to_json(s), "x");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->spec.backend, Backend::DirectRouting);
  EXPECT_EQ(back->pods.size(), s.pods.size());
  EXPECT_EQ(back->pods[3].ip, s.pods[3].ip);
  EXPECT_TRUE(back->has_fault("mtu-mismatch", "node2"));
  auto bad = state_from_json("{\"spec\": 12", "/run/netdoctor-lab/x/state.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/run/netdoctor-lab/x/state.json"), std::string::npos);
}

TEST(LabPlan, FaultTableAndNodes) {
  std::set<std::string> ids;
  for (const auto& f : fault_table()) {
    EXPECT_TRUE(ids.insert(f.id).second) << f.id;
    EXPECT_NE(std::string(f.refs), "");
    EXPECT_NE(std::string(f.check), "");
  }
  for (const char* id : {"ip-forward-off", "bridge-nf-off", "pod-cidr-overlap", "missing-route", "vxlan-fdb-missing",
                         "dns-upstream-loop", "dns-down", "db-allowlist", "kube-proxy-rules-missing", "mtu-mismatch"})
    EXPECT_TRUE(ids.count(id)) << id;
  State s = planned();
  EXPECT_EQ(*fault_node(s, *find_fault("ip-forward-off"), ""), "node1");
  EXPECT_EQ(*fault_node(s, *find_fault("ip-forward-off"), "3"), "node3");
  EXPECT_EQ(*fault_node(s, *find_fault("pod-cidr-overlap"), ""), "node2");
  EXPECT_EQ(*fault_node(s, *find_fault("dns-upstream-loop"), ""), "node1");
  EXPECT_EQ(*fault_node(s, *find_fault("dns-down"), ""), "");
  EXPECT_FALSE(fault_node(s, *find_fault("dns-down"), "node2"));
  auto bad = fault_node(s, *find_fault("missing-route"), "node7");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("node1, node2, node3"), std::string::npos);
  EXPECT_EQ(missing_route_peer(s, s.nodes[2])->name, "node1");
  State none = planned();
  EXPECT_FALSE(inject_fault(none, "no-such-fault")) << "unknown ids are refused before anything runs";
  State hg = planned(Backend::HostGw);
  auto r = inject_fault(hg, "vxlan-fdb-missing");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("vxlan"), std::string::npos);
  EXPECT_TRUE(hg.faults.empty());
}

TEST(LabPlan, ObjectsLookLikeTheApiServer) {
  State s = planned(Backend::DirectRouting);
  Observed o;
  o.now = "2024-01-01T01:00:00Z";
  for (const auto& p : s.pods) o.serving[p.name] = true;
  o.serving[s.dns_pod()->name] = false;
  std::map<std::string, json> files;
  for (auto& [f, j] : cluster_objects(s, o)) files[f] = j;
  for (const char* f : {"nodes.json", "pods.json", "services.json", "endpointslices.json", "configmaps.json",
                        "daemonsets.json", "deployments.json", "namespaces.json"}) {
    ASSERT_TRUE(files.count(f)) << f;
    EXPECT_EQ(files[f]["kind"], "List");
  }
  const json& nodes = files["nodes.json"]["items"];
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[2]["spec"]["podCIDR"], "10.244.3.0/24");
  EXPECT_EQ(nodes[2]["status"]["addresses"][0]["address"], "192.168.51.13");
  EXPECT_EQ(nodes[0]["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-type"], "vxlan");
  // 7 lab pods + a flannel and a kube-proxy pod per node.
  const json& pods = files["pods.json"]["items"];
  EXPECT_EQ(pods.size(), 13u);
  const json* dns = nullptr;
  for (const auto& p : pods)
    if (p["metadata"]["name"] == s.dns_pod()->name) dns = &p;
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ((*dns)["spec"]["dnsPolicy"], "Default");
  EXPECT_EQ((*dns)["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  EXPECT_EQ((*dns)["status"]["conditions"][2]["type"], "Ready");
  EXPECT_EQ((*dns)["status"]["conditions"][2]["status"], "False");
  EXPECT_EQ(pods[1]["status"]["phase"], "Running");
  EXPECT_EQ(pods[1]["status"]["podIP"], s.pods[1].ip);
  for (const auto& sl : files["endpointslices.json"]["items"])
    if (sl["metadata"]["labels"]["kubernetes.io/service-name"] == "kube-dns") {
      EXPECT_EQ(sl["endpoints"][0]["conditions"]["ready"], false);
      EXPECT_EQ(sl["ports"][0]["port"], 53);
    }
  std::string net_conf;
  for (const auto& cm : files["configmaps.json"]["items"])
    if (cm["metadata"]["name"] == "kube-flannel-cfg") net_conf = cm["data"]["net-conf.json"];
  json nc = json::parse(net_conf);
  EXPECT_EQ(nc["Network"], "10.244.0.0/16");
  EXPECT_EQ(nc["Backend"]["Type"], "vxlan");
  EXPECT_EQ(nc["Backend"]["DirectRouting"], true);
  const json& deps = files["deployments.json"]["items"];
  for (const auto& d : deps) {
    if (d["metadata"]["name"] == "coredns") {
      EXPECT_EQ(d["status"]["readyReplicas"], 0);
    }
  }
}

TEST(LabPlan, DnsPacketRoundTrip) {
  std::string q = test::dns_query_packet(0x1234, "web.shop.svc.cluster.local.");
  ASSERT_GT(q.size(), 12u);
  EXPECT_EQ(static_cast<uint8_t>(q[0]), 0x12);
  EXPECT_EQ(q.substr(12, 4), std::string("\x03web", 4));
  // A reply: the question echoed, one A answer by compression pointer.
  std::string r = q;
  r[2] = static_cast<char>(0x81);
  r[3] = static_cast<char>(0x80);
  r[7] = 1;
  r += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04\x0a\x60\x00\x14", 16);
  auto p = test::parse_dns_reply(r, 0x1234);
  EXPECT_EQ(p.result, "answered");
  EXPECT_EQ(p.detail, "10.96.0.20");
  r[3] = static_cast<char>(0x83);
  EXPECT_EQ(test::parse_dns_reply(r, 0x1234).result, "nxdomain");
  EXPECT_EQ(test::parse_dns_reply(r.substr(0, 5), 0x1234).result, "bad-reply");
  EXPECT_EQ(test::parse_dns_reply(r, 0x9999).detail, "id mismatch");
  std::string cut = q;
  cut[2] = static_cast<char>(0x81);
  cut[3] = static_cast<char>(0x80);
  cut[7] = 1;
  cut += std::string("\xc0\x0c\x00\x01", 4);
  EXPECT_EQ(test::parse_dns_reply(cut, 0x1234).result, "bad-reply");
}

}  // namespace
}  // namespace nd::lab
