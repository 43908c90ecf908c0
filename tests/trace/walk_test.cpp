// The trace walk on the hand-written fixture tests/data/trace/flannel-vxlan: one test per mode and per
// failure. Each test copies the fixture into a scratch directory, changes one file, loads it with the
// snapshot loader and traces; a failing hop must name the check diagnose names for the same cause.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/snapshot.h"
#include "trace/trace.h"

namespace nd::trace {
namespace {

namespace fs = std::filesystem;

class Fixture {
 public:
  Fixture() {
    static int n = 0;
    dir_ = fs::temp_directory_path() / ("ndtrace-fixture-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::remove_all(dir_);
    fs::copy(fs::path(ND_SOURCE_DIR) / "tests/data/trace/flannel-vxlan", dir_, fs::copy_options::recursive);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(dir_ / rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  void remove(const std::string& rel) const { fs::remove(dir_ / rel); }
  // Replaces the first occurrence of `from` in a file (the test fails when it is not there).
  void replace(const std::string& rel, const std::string& from, const std::string& to) const {
    std::string t = read(rel);
    auto at = t.find(from);
    ASSERT_NE(at, std::string::npos) << rel << " has no '" << from << "'";
    t.replace(at, from.size(), to);
    write(rel, t);
  }
  TraceResult trace(const std::string& from, const std::string& to) {
    auto c = load_snapshot(dir_.string());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    if (!c.ok()) return {};
    cluster_ = std::make_unique<Cluster>(std::move(c.value()));
    tracer_ = std::make_unique<Tracer>(*cluster_);
    auto r = tracer_->trace(from, to);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : TraceResult{};
  }
  std::string error(const std::string& from, const std::string& to) {
    auto c = load_snapshot(dir_.string());
    cluster_ = std::make_unique<Cluster>(std::move(c.value()));
    tracer_ = std::make_unique<Tracer>(*cluster_);
    auto r = tracer_->trace(from, to);
    return r ? "" : r.error().message;
  }

 private:
  fs::path dir_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Tracer> tracer_;
};

std::string show(const TraceResult& r) { return render_text(r, false); }

const Hop* find_hop(const TraceResult& r, const std::string& needle) {
  for (const auto& h : r.hops)
    if (h.step.find(needle) != std::string::npos) return &h;
  return nullptr;
}

void expect_blocked(const TraceResult& r, const std::string& check) {
  EXPECT_EQ(r.verdict, "blocked") << show(r);
  EXPECT_EQ(r.first_failure_check, check) << show(r);
  ASSERT_GT(r.first_failure, 0);
  EXPECT_EQ(r.hops.back().verdict, "fail") << "the walk ends at the first failure\n" << show(r);
}

// ---- the healthy vxlan cluster, every kind of traffic ------------------------------------------------

TEST(TraceWalk, VxlanCrossNodeReachableThroughFdb) {
  Fixture f;
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(r.kind, "pod-to-pod-cross-node");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_EQ(r.to, "shop/web-2:8080/tcp");
  const Hop* route = find_hop(r, "route 10.244.2.0/24 via 10.244.2.0 dev flannel.1");
  ASSERT_TRUE(route) << show(r);
  EXPECT_EQ(route->decided_by, "nodes/w1/ip-route.json[2]");
  const Hop* fdb = find_hop(r, "FDB sends it to 192.168.1.12");
  ASSERT_TRUE(fdb) << show(r);
  EXPECT_EQ(fdb->decided_by, "nodes/w1/bridge-fdb.json[0]");
  EXPECT_TRUE(find_hop(r, "reply: route 10.244.1.0/24")) << "the reply's route is walked too\n" << show(r);
  const Hop* fwd = find_hop(r, "w1 forwards it");
  ASSERT_TRUE(fwd);
  EXPECT_EQ(fwd->decided_by, "nodes/w1/sysctl.txt:6");
}

TEST(TraceWalk, SameNodeAndContainerToContainer) {
  Fixture f;
  auto r = f.trace("shop/web-1", "shop/cache-1:6379");
  EXPECT_EQ(r.kind, "pod-to-pod-same-node");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_TRUE(find_hop(r, "cni0 bridges it")) << show(r);
  auto c = f.trace("shop/web-1", "shop/web-1:8080");
  EXPECT_EQ(c.kind, "container-to-container");
  EXPECT_EQ(c.verdict, "reachable");
  EXPECT_EQ(c.hops.size(), 2u);
}

TEST(TraceWalk, PodToServiceThroughKubeProxyRules) {
  Fixture f;
  auto r = f.trace("shop/web-1", "svc/db/pg");
  EXPECT_EQ(r.kind, "pod-to-service");
  EXPECT_EQ(r.to, "svc/db/pg:5432/tcp");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  const Hop* dnat = find_hop(r, "DNATs 10.96.0.30:5432/tcp via KUBE-SVC-PG to 1 endpoint: 10.244.2.7:5432");
  ASSERT_TRUE(dnat) << show(r);
  EXPECT_EQ(dnat->decided_by.rfind("nodes/w1/iptables-save.txt:", 0), 0u);
  EXPECT_TRUE(find_hop(r, "arrives at 10.244.2.7:5432/tcp"));
  // By address and by DNS name, the same Service.
  EXPECT_EQ(f.trace("shop/web-1", "10.96.0.30:5432").kind, "pod-to-service");
  EXPECT_EQ(f.trace("shop/web-1", "pg.db.svc.cluster.local:5432").verdict, "reachable");
}

TEST(TraceWalk, PodToExternalShowsTheSourceTheOutsideSees) {
  Fixture f;
  auto r = f.trace("shop/web-1", "203.0.113.20:5432");
  EXPECT_EQ(r.kind, "pod-to-external");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_EQ(r.egress_source, "192.168.1.11");
  const Hop* m = find_hop(r, "masquerade");
  ASSERT_TRUE(m) << show(r);
  EXPECT_NE(m->step.find("FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4"), std::string::npos) << m->step;
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["egress_source"], "192.168.1.11");
}

TEST(TraceWalk, NodePortFromOutside) {
  Fixture f;
  auto r = f.trace("198.51.100.10", "node/w1:30080");
  EXPECT_EQ(r.kind, "external-to-service");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_TRUE(find_hop(r, "NodePort 30080 on w1: KUBE-NODEPORTS")) << show(r);
  EXPECT_TRUE(find_hop(r, "externalTrafficPolicy Cluster")) << show(r);
  // externalTrafficPolicy Local: only w1's endpoint, the client's address kept.
  f.replace("cluster.yaml", "  type: NodePort\n", "  type: NodePort\n  externalTrafficPolicy: Local\n");
  auto l = f.trace("198.51.100.10", "node/w1:30080");
  EXPECT_EQ(l.verdict, "reachable") << show(l);
  EXPECT_TRUE(find_hop(l, "client's address 198.51.100.10")) << show(l);
  EXPECT_FALSE(find_hop(l, "arrives at 10.244.2.6")) << "w2's endpoint is not used\n" << show(l);
  EXPECT_NE(f.error("198.51.100.10", "node/w1:31999").find("no Service of the snapshot has NodePort 31999"), std::string::npos);
}

TEST(TraceWalk, NodeToPod) {
  Fixture f;
  auto r = f.trace("node/w1", "shop/web-2:8080");
  EXPECT_EQ(r.kind, "node-to-pod");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_FALSE(find_hop(r, "w1 forwards it")) << "the node's own packet is not forwarded\n" << show(r);
}

TEST(TraceWalk, JsonHasDesignSchema) {
  Fixture f;
  f.replace("nodes/w1/sysctl.txt", "net.ipv4.ip_forward = 1", "net.ipv4.ip_forward = 0");
  auto j = nlohmann::json::parse(render_json(f.trace("shop/web-1", "svc/shop/web:80")));
  for (const char* k : {"from", "to", "kind", "verdict", "hops", "first_failure"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["verdict"], "blocked");
  for (const auto& h : j["hops"]) {
    for (const char* k : {"at", "step", "decided_by", "verdict"}) EXPECT_TRUE(h.contains(k)) << k;
    std::string v = h["verdict"];
    EXPECT_TRUE(v == "pass" || v == "fail" || v == "unknown" || v == "warn") << v;
  }
  int hop = j["first_failure"]["hop"];
  EXPECT_EQ(j["hops"][hop - 1]["verdict"], "fail");
  EXPECT_EQ(j["first_failure"]["check"], "node-ip-forward-disabled");
}

// ---- failures, each named by its check ---------------------------------------------------------------

TEST(TraceWalk, IpForwardOff) {
  Fixture f;
  f.replace("nodes/w2/sysctl.txt", "net.ipv4.ip_forward = 1", "net.ipv4.ip_forward = 0");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(r, "node-ip-forward-disabled");
  EXPECT_EQ(r.hops.back().at, "node/w2");
  EXPECT_EQ(r.hops.back().decided_by, "nodes/w2/sysctl.txt:6");
  // Service traffic is routed by the client's node even to an endpoint beside it.
  f.replace("nodes/w1/sysctl.txt", "net.ipv4.ip_forward = 1", "net.ipv4.ip_forward = 0");
  expect_blocked(f.trace("shop/cache-1", "svc/shop/web"), "node-ip-forward-disabled");
  EXPECT_EQ(f.trace("shop/web-1", "shop/cache-1:6379").verdict, "reachable") << "bridged, not routed";
}

TEST(TraceWalk, MissingRoute) {
  Fixture f;
  f.replace("nodes/w1/ip-route.json", R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]},)", "");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(r, "node-missing-pod-route");
  EXPECT_NE(r.hops.back().step.find("expected for flannel vxlan"), std::string::npos) << show(r);
  // The other direction fails on the reply.
  auto back = f.trace("shop/web-2", "shop/web-1:8080");
  expect_blocked(back, "node-missing-pod-route");
  EXPECT_EQ(back.hops.back().step.rfind("reply: ", 0), 0u) << show(back);
}

TEST(TraceWalk, VxlanFdbAndNeighbourMissing) {
  Fixture f;
  f.write("nodes/w1/bridge-fdb.json", "[]");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(r, "node-vxlan-fdb-missing");
  EXPECT_EQ(r.hops.back().decided_by, "nodes/w1/bridge-fdb.json");
  Fixture g;
  g.write("nodes/w1/ip-neigh.json", R"([{"dst":"192.168.1.1","dev":"eth0","lladdr":"52:54:00:00:00:01","state":["REACHABLE"]}])");
  expect_blocked(g.trace("shop/web-1", "shop/web-2:8080"), "node-vxlan-fdb-missing");
  Fixture h;
  h.replace("nodes/w1/bridge-fdb.json", "\"dst\":\"192.168.1.12\"", "\"dst\":\"192.168.1.99\"");
  auto wrong = h.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(wrong, "node-vxlan-fdb-missing");
  EXPECT_NE(wrong.hops.back().step.find("w2's address is 192.168.1.12"), std::string::npos) << show(wrong);
}

TEST(TraceWalk, BridgeNfCallIptablesOffBreaksTheReplyOnOneBridge) {
  Fixture f;
  f.replace("nodes/w2/sysctl.txt", "net.bridge.bridge-nf-call-iptables = 1", "net.bridge.bridge-nf-call-iptables = 0");
  auto r = f.trace("shop/web-2", "svc/db/pg");
  expect_blocked(r, "node-bridge-nf-call-iptables-disabled");
  EXPECT_EQ(r.hops.back().decided_by, "nodes/w2/sysctl.txt:2");
  EXPECT_EQ(f.trace("shop/web-1", "svc/db/pg").verdict, "reachable") << "endpoint on another node: routed both ways";
  // Endpoints on both nodes: some connections break; trace says which and stays "reachable".
  auto some = f.trace("shop/web-2", "svc/shop/web");
  EXPECT_EQ(some.verdict, "reachable") << show(some);
}

TEST(TraceWalk, KubeProxyRuleMissingAndNoEndpoints) {
  Fixture f;
  f.replace("nodes/w1/iptables-save.txt",
            "-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment \"db/pg:pg cluster IP\" -m tcp --dport 5432 -j KUBE-SVC-PG\n",
            "");
  expect_blocked(f.trace("shop/web-1", "svc/db/pg"), "node-service-rules-missing");
  EXPECT_EQ(f.trace("shop/web-2", "svc/db/pg").verdict, "reachable") << "w2 still has its rules";
  // Without iptables-save the EndpointSlices decide; without endpoints, service-no-endpoints.
  Fixture g;
  g.remove("nodes/w1/iptables-save.txt");
  auto r = g.trace("shop/web-1", "svc/db/pg");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_TRUE(find_hop(r, "iptables-save.txt would show kube-proxy's rules")) << show(r);
  g.replace("cluster.yaml", "- {addresses: [10.244.2.7], conditions: {ready: true}",
            "- {addresses: [10.244.2.7], conditions: {ready: false}");
  expect_blocked(g.trace("shop/web-1", "svc/db/pg"), "service-no-endpoints");
}

TEST(TraceWalk, EgressNotMasqueraded) {
  Fixture f;
  f.replace("nodes/w1/iptables-save.txt", "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\"",
            "-A POSTROUTING -s 10.244.0.0/16 -d 203.0.113.0/24 -m comment --comment \"ip-masq-agent: nonMasqueradeCIDRs\" -j ACCEPT\n"
            "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\"");
  auto r = f.trace("shop/web-1", "203.0.113.20:5432");
  expect_blocked(r, "pod-egress-not-masqueraded");
  EXPECT_EQ(r.egress_source, "10.244.1.5");
  EXPECT_NE(r.hops.back().step.find("nonMasqueradeCIDRs"), std::string::npos);
  EXPECT_EQ(f.trace("shop/web-1", "198.51.100.10:80").egress_source, "192.168.1.11") << "other destinations masqueraded";
  EXPECT_EQ(f.trace("shop/web-2", "203.0.113.20:5432").verdict, "reachable") << "w2 has no exemption";
}

TEST(TraceWalk, MissingFilesMakeHopsUnknown) {
  Fixture f;
  f.remove("nodes/w1/sysctl.txt");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(r.verdict, "unknown") << show(r);
  const Hop* h = find_hop(r, "w1 must forward it");
  ASSERT_TRUE(h) << show(r);
  EXPECT_EQ(h->decided_by, "nodes/w1/sysctl.txt");
  Fixture g;
  g.remove("nodes/w1/iptables-save.txt");
  g.remove("nodes/w1/flannel-subnet.env");
  auto e = g.trace("shop/web-1", "203.0.113.20:5432");
  EXPECT_EQ(e.verdict, "unknown") << show(e);
  EXPECT_TRUE(find_hop(e, "iptables-save.txt would decide the masquerade")) << show(e);
  Fixture k;
  k.remove("nodes/w2/ip-route.json");
  auto d = k.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(d.verdict, "unknown") << show(d);
}

TEST(TraceWalk, PodRangeOverlapsNodeNetwork) {
  Fixture f;
  f.replace("cluster.yaml", "podIP: 10.244.2.6, podIPs: [{ip: 10.244.2.6}]", "podIP: 192.168.1.200, podIPs: [{ip: 192.168.1.200}]");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(r, "pod-cidr-overlaps-node-network");
  EXPECT_EQ(r.hops.back().decided_by, "nodes/w1/ip-addr.json");
}

// ---- other modes ---------------------------------------------------------------------------------------

void make_host_gw(const Fixture& f) {
  f.replace("cluster.yaml", R"("Backend": {"Type": "vxlan"})", R"("Backend": {"Type": "host-gw"})");
  f.replace("nodes/w1/ip-route.json", R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]})",
            R"({"dst":"10.244.2.0/24","gateway":"192.168.1.12","dev":"eth0","flags":[]})");
  f.replace("nodes/w2/ip-route.json", R"({"dst":"10.244.1.0/24","gateway":"10.244.1.0","dev":"flannel.1","flags":["onlink"]})",
            R"({"dst":"10.244.1.0/24","gateway":"192.168.1.11","dev":"eth0","flags":[]})");
}

TEST(TraceWalk, HostGw) {
  Fixture f;
  make_host_gw(f);
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_TRUE(find_hop(r, "route 10.244.2.0/24 via 192.168.1.12 dev eth0 (flannel host-gw)")) << show(r);
  EXPECT_FALSE(find_hop(r, "FDB")) << "no tunnel in host-gw\n" << show(r);
  // A leftover vxlan route is wrong for host-gw.
  Fixture g;
  make_host_gw(g);
  g.replace("nodes/w1/ip-route.json", R"({"dst":"10.244.2.0/24","gateway":"192.168.1.12","dev":"eth0","flags":[]})",
            R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]})");
  auto w = g.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(w, "node-missing-pod-route");
  EXPECT_NE(w.hops.back().step.find("instead of eth0"), std::string::npos) << show(w);
}

TEST(TraceWalk, DirectRoutingOnOneSubnet) {
  Fixture f;
  f.replace("cluster.yaml", R"("Backend": {"Type": "vxlan"})", R"("Backend": {"Type": "vxlan", "DirectRouting": true})");
  f.replace("nodes/w1/ip-route.json", R"({"dst":"10.244.2.0/24","gateway":"10.244.2.0","dev":"flannel.1","flags":["onlink"]})",
            R"({"dst":"10.244.2.0/24","gateway":"192.168.1.12","dev":"eth0","flags":[]})");
  auto half = f.trace("shop/web-1", "shop/web-2:8080");
  expect_blocked(half, "node-missing-pod-route");  // w2 still sends the reply into flannel.1
  EXPECT_NE(half.hops.back().step.find("instead of eth0"), std::string::npos) << show(half);
  f.replace("nodes/w2/ip-route.json", R"({"dst":"10.244.1.0/24","gateway":"10.244.1.0","dev":"flannel.1","flags":["onlink"]})",
            R"({"dst":"10.244.1.0/24","gateway":"192.168.1.11","dev":"eth0","flags":[]})");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_TRUE(find_hop(r, "(flannel vxlan with DirectRouting)")) << show(r);
  EXPECT_EQ(r.verdict, "reachable") << show(r);
}

// Calico IPIP: per-pod routes, tunl0 between nodes, policy enforced.
void make_calico_ipip(const Fixture& f) {
  std::string y = f.read("cluster.yaml");
  auto cut = y.find("apiVersion: v1\nkind: Node");
  ASSERT_NE(cut, std::string::npos);
  f.write("cluster.yaml",
          "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\n"
          "spec:\n  selector: {matchLabels: {k8s-app: calico-node}}\n  template:\n    metadata: {labels: {k8s-app: calico-node}}\n"
          "    spec:\n      containers: [{name: calico-node, image: calico/node:v3.27.0}]\n"
          "status: {desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2}\n---\n"
          "apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\n"
          "spec: {cidr: 10.244.0.0/16, ipipMode: Always, vxlanMode: Never, natOutgoing: true, blockSize: 24}\n---\n" +
              y.substr(cut));
  for (int n : {1, 2}) {
    int o = 3 - n;
    std::string node = "nodes/w" + std::to_string(n) + "/";
    f.remove(node + "bridge-fdb.json");
    f.remove(node + "flannel-subnet.env");
    f.write(node + "ip-route.json",
            "[{\"dst\":\"default\",\"gateway\":\"192.168.1.1\",\"dev\":\"eth0\",\"flags\":[]},"
            "{\"type\":\"blackhole\",\"dst\":\"10.244." + std::to_string(n) + ".0/24\",\"protocol\":\"bird\",\"flags\":[]},"
            "{\"dst\":\"10.244." + std::to_string(n) + "." + (n == 1 ? "5" : "6") + "\",\"dev\":\"cali" + std::to_string(n) +
                "a\",\"scope\":\"link\",\"flags\":[]},"
            "{\"dst\":\"10.244." + std::to_string(o) + ".0/24\",\"gateway\":\"192.168.1.1" + std::to_string(o) +
                "\",\"dev\":\"tunl0\",\"protocol\":\"bird\",\"flags\":[\"onlink\"]},"
            "{\"dst\":\"192.168.1.0/24\",\"dev\":\"eth0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"192.168.1.1" +
                std::to_string(n) + "\",\"flags\":[]}]");
  }
}

TEST(TraceWalk, CalicoIpipAndEnforcedPolicy) {
  Fixture f;
  make_calico_ipip(f);
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  EXPECT_TRUE(find_hop(r, "via 192.168.1.12 dev tunl0")) << show(r);
  EXPECT_TRUE(find_hop(r, "tunl0: IP-in-IP encapsulated to 192.168.1.12")) << show(r);
  auto e = f.trace("shop/web-1", "203.0.113.20:5432");
  EXPECT_EQ(e.verdict, "reachable") << show(e);
  // A default-deny ingress policy in shop is enforced by Calico: the connection is dropped.
  f.write("policy.yaml",
          "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\n"
          "spec: {podSelector: {}, policyTypes: [Ingress]}\n");
  auto d = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(d.verdict, "blocked") << show(d);
  EXPECT_EQ(d.hops.back().at, "pod/shop/web-2");
  EXPECT_NE(d.hops.back().step.find("shop/deny-all"), std::string::npos) << show(d);
  EXPECT_EQ(d.hops.back().decided_by, "policy.yaml:1");
  EXPECT_EQ(d.first_failure_check, "network-policy-denies") << show(d);
}

// The shipped example: the allow policy names the Service's port (80) instead of the pods' (8080).
TEST(TraceWalk, PolicyOnTheServicePortDropsAtThePod) {
  auto c = load_snapshot(std::string(ND_SOURCE_DIR) + "/examples/network-policy-denies");
  ASSERT_TRUE(c.ok()) << c.error().message;
  Tracer t(c.value());
  auto r = t.trace("shop/api-hggs5stpd8-mzzh4", "svc/shop/web:80");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->verdict, "blocked") << show(*r);
  EXPECT_EQ(r->first_failure_check, "network-policy-denies") << show(*r);
  // api itself is open to web on 9000: that path passes the policy hop.
  auto ok = t.trace("shop/web-k9tvpbxtv6-fh2xm", "svc/shop/api:9000");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_NE(ok->verdict, "blocked") << show(*ok);
}

TEST(TraceWalk, FlannelDoesNotEnforcePolicy) {
  Fixture f;
  f.write("policy.yaml",
          "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\n"
          "spec: {podSelector: {}, policyTypes: [Ingress]}\n");
  auto r = f.trace("shop/web-1", "shop/web-2:8080");
  EXPECT_EQ(r.verdict, "reachable") << show(r);
  const Hop* w = find_hop(r, "flannel does not enforce NetworkPolicy");
  ASSERT_TRUE(w) << show(r);
  EXPECT_EQ(w->verdict, "warn");
  EXPECT_EQ(w->check, "cni-policy-not-enforced");
  // An allowing policy gives a pass hop naming it.
  f.write("policy2.yaml",
          "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-web, namespace: shop}\n"
          "spec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n"
          "    ports: [{port: http}]\n");
  auto a = f.trace("shop/web-1", "shop/web-2:8080");
  const Hop* p = find_hop(a, "shop/allow-web ingress[0] allows it");
  ASSERT_TRUE(p) << show(a);
  EXPECT_EQ(p->verdict, "pass");
}

TEST(TraceWalk, BadQuestionsAreErrors) {
  Fixture f;
  EXPECT_NE(f.error("shop/nope", "shop/web-2").find("no pod shop/nope"), std::string::npos);
  EXPECT_NE(f.error("shop/web-1", "svc/db/pg:9999").find("has no port 9999"), std::string::npos);
  EXPECT_NE(f.error("svc/db/pg", "shop/web-1").find("a Service is a destination"), std::string::npos);
  EXPECT_NE(f.error("198.51.100.10", "shop/web-1").find("from outside the cluster"), std::string::npos);
}

// The CLI: exit status and both outputs.
TEST(TraceCli, ExitStatusAndOutputs) {
  std::string dir = std::string(ND_SOURCE_DIR) + "/tests/data/trace/flannel-vxlan";
  auto run = [](const std::string& cmd, std::string* out) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  std::string out;
  EXPECT_EQ(run(std::string(ND_BINARY) + " trace " + dir + " --from shop/web-1 --to shop/web-2:8080", &out), 0) << out;
  EXPECT_NE(out.find("verdict: REACHABLE"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run(std::string(ND_BINARY) + " trace " + dir + " --from shop/web-1 --to svc/db/pg -o json", &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["kind"], "pod-to-service");
  out.clear();
  EXPECT_EQ(run(std::string(ND_BINARY) + " trace " + dir + " --from shop/web-1 --to shop/nope", &out), 2) << out;
  EXPECT_NE(out.find("no pod shop/nope"), std::string::npos) << out;
}

}  // namespace
}  // namespace nd::trace
