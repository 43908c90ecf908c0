// The DNS checks (coredns-loop, node-resolv-conf-loopback, coredns-unhealthy, pod-dns-config-mismatch,
// dns-short-name-cross-namespace) on small snapshots written in kubectl's YAML and the node-bundle
// format, one rule per test.
#include <gtest/gtest.h>

#include <regex>

#include "dns/cluster_dns.h"
#include "engine/catalog.h"
#include "test_util.h"

using namespace nd;
using nd::test::TempDir;

namespace {

const char* kCorefile = R"(.:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
        cache 30
        loop
        reload
        loadbalance
    }
)";

const char* kStub =
    "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
    "# Do not edit.\n\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.internal\n";
const char* kUplink =
    "# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n"
    "nameserver 192.168.10.2\nsearch corp.internal\n";

std::string kubelet_config(const std::string& extra = "", const std::string& cluster_dns = "10.96.0.10") {
  std::string s = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n";
  if (!cluster_dns.empty()) s += "clusterDNS:\n- " + cluster_dns + "\n";
  return s + "clusterDomain: cluster.local\n" + extra;
}

std::string node(const std::string& name, const std::string& ip, const std::string& version = "v1.29.4") {
  return "apiVersion: v1\nkind: Node\nmetadata:\n  name: " + name +
         "\nstatus:\n  addresses:\n  - type: InternalIP\n"
         "    address: " +
         ip +
         "\n  conditions:\n  - type: Ready\n    status: \"True\"\n  nodeInfo:\n"
         "    kubeletVersion: " +
         version + "\n";
}

struct PodSpec {
  std::string ns = "shop", name, node = "w1", ip = "10.244.1.5", policy = "ClusterFirst", image = "shop/app:1";
  bool host_network = false, ready = true;
  int restarts = 0;
  std::string waiting;  // CrashLoopBackOff, ContainerCreating
  std::string labels = "app: x", owner_rs;
  std::string env;  // YAML lines under the container, already indented by 4
  std::string extra_spec;
  std::string container = "main";
};

std::string pod(const PodSpec& p) {
  std::string s = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + p.name + "\n  namespace: " + p.ns +
                  "\n  labels:\n    " + p.labels + "\n";
  if (!p.owner_rs.empty())
    s += "  ownerReferences:\n  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: " + p.owner_rs +
         "\n    controller: true\n";
  s += "spec:\n  nodeName: " + p.node + "\n  dnsPolicy: " + p.policy + "\n";
  if (p.host_network) s += "  hostNetwork: true\n";
  s += p.extra_spec;
  s += "  containers:\n  - name: " + p.container + "\n    image: " + p.image + "\n" + p.env;
  s += "status:\n  phase: " + std::string(p.waiting == "ContainerCreating" ? "Pending" : "Running") + "\n";
  s += "  podIP: " + p.ip + "\n  conditions:\n  - type: Ready\n    status: \"" + (p.ready ? "True" : "False") + "\"\n";
  s += "  containerStatuses:\n  - name: " + p.container + "\n    ready: " + (p.ready ? "true" : "false") +
       "\n    restartCount: " + std::to_string(p.restarts) + "\n";
  if (!p.waiting.empty())
    s += "    state:\n      waiting:\n        reason: " + p.waiting + "\n";
  else
    s += "    state:\n      running:\n        startedAt: \"2025-03-01T10:00:00Z\"\n";
  return s;
}

PodSpec coredns_pod(const std::string& name, const std::string& node, const std::string& ip) {
  PodSpec p;
  p.ns = "kube-system";
  p.name = name;
  p.node = node;
  p.ip = ip;
  p.policy = "Default";
  p.image = "registry.local/coredns/coredns:v1.11.1";
  p.labels = "k8s-app: kube-dns";
  p.owner_rs = "coredns-5d78c9869d";
  p.container = "coredns";
  return p;
}

std::string service(const std::string& ns, const std::string& name, const std::string& ip, int port,
                    const std::string& selector) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
         "\nspec:\n  clusterIP: " + ip + "\n  selector:\n    " + selector +
         "\n  ports:\n  - port: " + std::to_string(port) + "\n    protocol: TCP\n";
}

// A cluster with two nodes, CoreDNS (2 replicas) behind kube-dns, and whatever the test adds.
struct Snap {
  TempDir dir;
  std::vector<std::string> docs;
  Snap() {
    docs.push_back(node("w1", "192.168.10.11"));
    docs.push_back(node("w2", "192.168.10.12"));
    docs.push_back(service("kube-system", "kube-dns", "10.96.0.10", 53, "k8s-app: kube-dns"));
    docs.push_back(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: coredns\n  namespace: kube-system\n"
        "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      k8s-app: kube-dns\n  template:\n"
        "    metadata:\n      labels:\n        k8s-app: kube-dns\n    spec:\n      dnsPolicy: Default\n"
        "      containers:\n      - name: coredns\n        image: registry.local/coredns/coredns:v1.11.1\n"
        "status:\n  replicas: 2\n  readyReplicas: 2\n  availableReplicas: 2\n");
    docs.push_back(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: coredns-5d78c9869d\n  namespace: "
        "kube-system\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: coredns\n"
        "    controller: true\nspec:\n  replicas: 2\n");
  }
  void corefile(const std::string& text = kCorefile) {
    docs.push_back(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\n  namespace: kube-system\ndata:\n"
        "  Corefile: |\n    " +
        text);
  }
  void add(const std::string& doc) { docs.push_back(doc); }
  void file(const std::string& rel, const std::string& text) { dir.write(rel, text); }
  std::vector<Finding> run() {
    std::string all;
    for (const auto& d : docs) all += "---\n" + d;
    dir.write("objects.yaml", all);
    return test::diagnose(test::load_ok(dir.path()));
  }
};

const Finding* find(const std::vector<Finding>& fs, const std::string& id, const std::string& name = "") {
  for (const auto& f : fs)
    if (f.id == id && (name.empty() || f.subject.name == name)) return &f;
  return nullptr;
}

bool evidence_has(const Finding& f, const std::string& source_part, const std::string& text_part) {
  for (const auto& e : f.evidence)
    if (e.source.find(source_part) != std::string::npos && e.text.find(text_part) != std::string::npos) return true;
  return false;
}

bool fix_has(const Finding& f, const std::string& part) {
  for (const auto& s : f.fix)
    if (s.find(part) != std::string::npos) return true;
  return false;
}

void two_coredns(Snap& s, bool crash = true) {
  for (auto [name, node, ip] : {std::tuple{"coredns-5d78c9869d-a1", "w1", "10.244.1.2"},
                                std::tuple{"coredns-5d78c9869d-b2", "w2", "10.244.2.2"}}) {
    PodSpec p = coredns_pod(name, node, ip);
    if (crash) {
      p.ready = false;
      p.restarts = 12;
      p.waiting = "CrashLoopBackOff";
    }
    s.add(pod(p));
  }
}

void stub_nodes(Snap& s, const std::string& kubelet_extra = "") {
  for (const char* n : {"w1", "w2"}) {
    s.file(std::string("nodes/") + n + "/resolv.conf", kStub);
    s.file(std::string("nodes/") + n + "/kubelet-config.yaml", kubelet_config(kubelet_extra));
  }
}

}  // namespace

// ---- coredns-loop ------------------------------------------------------------------------------

TEST(DnsChecks, LoopFromEachLogWording) {
  Snap s;
  const char* lines[] = {
      "[FATAL] plugin/loop: Loop (127.0.0.1:44222 -> :53) detected for zone \".\", see "
      "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO 4547991504243258144.3688648895315093531.\"",
      "2018/09/22 07:39:38 [FATAL] plugin/loop: Seen \"HINFO IN 8205794187887631643.5216586587165434789.\" more than "
      "twice, loop detected",
      "2019/01/15 08:21:39 [FATAL] plugin/loop: Forwarding loop detected in \".\" zone. Exiting. See "
      "https://coredns.io/plugins/loop#troubleshooting. Probe query: \"HINFO "
      "6213484581937315262.7406474591564232593.\"."};
  for (int i = 0; i < 3; ++i) {
    PodSpec p = coredns_pod("coredns-5d78c9869d-x" + std::to_string(i), i == 2 ? "w1" : "w2",
                            "10.244.3." + std::to_string(i + 2));
    p.ready = false;
    p.restarts = 9;
    p.waiting = "CrashLoopBackOff";
    s.add(pod(p));
    s.file("logs/kube-system/" + p.name + "/coredns.previous.log",
           std::string(".:53\nCoreDNS-1.11.1\n") + lines[i] + "\n");
  }
  auto fs = s.run();
  EXPECT_EQ(test::count(fs, "coredns-loop"), 3u);
  for (int i = 0; i < 3; ++i) {
    const Finding* f = find(fs, "coredns-loop", "coredns-5d78c9869d-x" + std::to_string(i));
    ASSERT_TRUE(f) << i;
    EXPECT_TRUE(evidence_has(*f, "coredns.previous.log:3", "plugin/loop")) << i;
    EXPECT_TRUE(fix_has(*f, "kubectl -n kube-system scale deployment coredns --replicas=0"));
    EXPECT_TRUE(fix_has(*f, "--replicas=2"));
  }
  EXPECT_FALSE(test::has(fs, "coredns-unhealthy"));  // the loop explains it
}

TEST(DnsChecks, HinfoProbeTimeoutIsNotALoop) {
  Snap s;
  two_coredns(s, false);
  std::string log = ".:53\nCoreDNS-1.11.1\n";
  for (int i = 0; i < 3; ++i)
    log += "[ERROR] plugin/errors: 2 6759933941041887570.8387443695236110557. HINFO: read udp 10.244.1.2:4114" +
           std::to_string(i) + "->192.168.10.1:53: i/o timeout\n";
  s.file("logs/kube-system/coredns-5d78c9869d-a1/coredns.log", log);
  s.file("nodes/w1/resolv.conf", "nameserver 192.168.10.1\n");
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "coredns-loop"));
  const Finding* f = find(fs, "coredns-unhealthy");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::Warning);  // pods ready: only outside names fail
  EXPECT_TRUE(evidence_has(*f, "coredns.log:", "HINFO: read udp"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/resolv.conf:1", "nameserver 192.168.10.1"));
  EXPECT_NE(f->summary.find("not a forwarding loop"), std::string::npos);
}

TEST(DnsChecks, LoopPredictedFromTheNodeStub) {
  Snap s;
  s.corefile();
  two_coredns(s);
  stub_nodes(s);
  auto fs = s.run();
  ASSERT_EQ(test::count(fs, "coredns-loop"), 2u);
  const Finding* f = find(fs, "coredns-loop", "coredns-5d78c9869d-a1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->node, "w1");
  EXPECT_EQ(f->severity, Severity::Critical);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/resolv.conf:4", "nameserver 127.0.0.53"));
  EXPECT_TRUE(evidence_has(*f, ".data.Corefile:13", "forward . /etc/resolv.conf"));
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/kubelet-config.yaml", "no resolvConf"));
  EXPECT_TRUE(fix_has(*f, "resolvConf: /run/systemd/resolve/resolv.conf"));
  EXPECT_TRUE(fix_has(*f, "<your upstream resolver>"));
  EXPECT_TRUE(fix_has(*f, "--replicas=0"));
  EXPECT_TRUE(test::has(fs, "node-resolv-conf-loopback", "w1"));
  EXPECT_FALSE(test::has(fs, "coredns-unhealthy"));
}

TEST(DnsChecks, LatentLoopIsSaidAsSuch) {
  Snap s;
  s.corefile();
  two_coredns(s, false);
  stub_nodes(s);
  auto fs = s.run();
  const Finding* f = find(fs, "coredns-loop");
  ASSERT_TRUE(f);
  EXPECT_NE(f->summary.find("as soon as it is re-created"), std::string::npos);
}

TEST(DnsChecks, NoLoopWhenTheKubeletHandsOutTheUplinkFile) {
  Snap s;
  s.corefile();
  two_coredns(s, false);
  stub_nodes(s, "resolvConf: /run/systemd/resolve/resolv.conf\n");
  s.file("nodes/w1/kubelet-resolv.conf", kUplink);
  s.file("nodes/w2/kubelet-resolv.conf", kUplink);
  auto fs = s.run();
  for (const char* id : {"coredns-loop", "node-resolv-conf-loopback", "coredns-unhealthy", "pod-dns-config-mismatch"})
    EXPECT_FALSE(test::has(fs, id)) << id;
}

TEST(DnsChecks, UnknownFileIsNotAFinding) {
  Snap s;
  s.corefile();
  two_coredns(s, false);
  stub_nodes(s, "resolvConf: /run/systemd/resolve/resolv.conf\n");  // named, but not in the bundle
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "coredns-loop"));
  EXPECT_FALSE(test::has(fs, "node-resolv-conf-loopback"));
}

TEST(DnsChecks, EmptyResolvConfMeansLoopbackToo) {
  Snap s;
  s.corefile();
  two_coredns(s);
  stub_nodes(s, "resolvConf: \"\"\n");
  auto fs = s.run();
  const Finding* f = find(fs, "node-resolv-conf-loopback", "w1");
  ASSERT_TRUE(f);
  EXPECT_TRUE(evidence_has(*f, "kubelet-config.yaml", "nameserver 127.0.0.1"));
  EXPECT_TRUE(test::has(fs, "coredns-loop"));
}

TEST(DnsChecks, ExplicitUpstreamInTheCorefileIsNoLoop) {
  Snap s;
  std::string cf = kCorefile;
  cf.replace(cf.find("/etc/resolv.conf"), 16, "192.168.10.2");
  s.corefile(cf);
  two_coredns(s, false);
  stub_nodes(s);
  auto fs = s.run();
  EXPECT_FALSE(test::has(fs, "coredns-loop"));
  const Finding* f = find(fs, "node-resolv-conf-loopback", "w1");
  ASSERT_TRUE(f);  // other Default pods would still be broken
  EXPECT_TRUE(evidence_has(*f, "", "not affected while its Corefile names its upstreams"));
}

TEST(DnsChecks, CorefileForwardingToLoopbackLoops) {
  Snap s;
  std::string cf = kCorefile;
  cf.replace(cf.find("/etc/resolv.conf"), 16, "127.0.0.1");
  s.corefile(cf);
  two_coredns(s);
  auto fs = s.run();
  const Finding* f = find(fs, "coredns-loop");
  ASSERT_TRUE(f);
  EXPECT_NE(f->summary.find("CoreDNS's own loopback"), std::string::npos);
  // A forward to another port on the loopback (a sidecar cache) is not CoreDNS itself.
  Snap t;
  std::string cf2 = kCorefile;
  cf2.replace(cf2.find("/etc/resolv.conf"), 16, "127.0.0.1:5301");
  t.corefile(cf2);
  two_coredns(t, false);
  EXPECT_FALSE(test::has(t.run(), "coredns-loop"));
}

TEST(DnsChecks, CorednsOnClusterDnsLoopsThroughTheService) {
  Snap s;
  s.corefile();
  for (auto [name, node] : {std::pair{"coredns-5d78c9869d-a1", "w1"}, std::pair{"coredns-5d78c9869d-b2", "w2"}}) {
    PodSpec p = coredns_pod(name, node, node == std::string("w1") ? "192.168.10.11" : "192.168.10.12");
    p.host_network = true;
    p.policy = "ClusterFirstWithHostNet";
    s.add(pod(p));
  }
  for (const char* n : {"w1", "w2"}) s.file(std::string("nodes/") + n + "/kubelet-config.yaml", kubelet_config());
  auto fs = s.run();
  const Finding* f = find(fs, "coredns-loop");
  ASSERT_TRUE(f);
  EXPECT_NE(f->summary.find("10.96.0.10"), std::string::npos);
  EXPECT_TRUE(fix_has(*f, "\"dnsPolicy\":\"Default\""));
}

TEST(DnsChecks, HostNetworkCorednsWithStubIsOnlyAWarning) {
  Snap s;
  s.corefile();
  for (auto [name, node] : {std::pair{"coredns-5d78c9869d-a1", "w1"}}) {
    PodSpec p = coredns_pod(name, node, "192.168.10.11");
    p.host_network = true;
    s.add(pod(p));
  }
  stub_nodes(s);
  auto fs = s.run();
  const Finding* f = find(fs, "coredns-loop");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::Warning);
}

// ---- coredns-unhealthy -------------------------------------------------------------------------

TEST(DnsChecks, UnhealthyWhenNoPodIsReadyWithApiErrors) {
  Snap s;
  for (auto [name, node] : {std::pair{"coredns-5d78c9869d-a1", "w1"}, std::pair{"coredns-5d78c9869d-b2", "w2"}}) {
    PodSpec p = coredns_pod(name, node, "10.244.1.9");
    p.ready = false;
    s.add(pod(p));
    s.file(std::string("logs/kube-system/") + name + "/coredns.log",
           "[INFO] plugin/ready: Still waiting on: \"kubernetes\"\n[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go"
           "@v0.27.4/tools/cache/reflector.go:231: failed to list *v1.Namespace: Get \"https://10.96.0.1:443/api/v1/"
           "namespaces?limit=500&resourceVersion=0\": dial tcp 10.96.0.1:443: i/o timeout\n");
  }
  auto fs = s.run();
  const Finding* f = find(fs, "coredns-unhealthy", "coredns");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::Critical);
  EXPECT_EQ(f->subject.kind, "Deployment");
  EXPECT_TRUE(evidence_has(*f, "coredns.log:2", "failed to list"));
  EXPECT_TRUE(fix_has(*f, "kube-proxy"));
}

TEST(DnsChecks, PendingCorednsIsLeftToPodPending) {
  Snap s;
  for (auto [name, node] : {std::pair{"coredns-5d78c9869d-a1", "w1"}}) {
    PodSpec p = coredns_pod(name, node, "10.244.1.9");
    p.ready = false;
    p.waiting = "ContainerCreating";
    s.add(pod(p));
  }
  EXPECT_FALSE(test::has(s.run(), "coredns-unhealthy"));
}

TEST(DnsChecks, MissingKubeDnsServiceIsCritical) {
  Snap s;
  s.docs.erase(s.docs.begin() + 2);  // the kube-dns Service
  // `kubectl get services -A -o yaml`: Services were listed, and kube-dns is not among them.
  s.file("services.yaml",
         "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n"
         "    name: kubernetes\n    namespace: default\n  spec:\n    clusterIP: 10.96.0.1\n"
         "    ports:\n    - port: 443\nmetadata:\n  resourceVersion: \"\"\n");
  two_coredns(s, false);
  const Finding* f = find(s.run(), "coredns-unhealthy");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::Critical);
}

// ---- pod-dns-config-mismatch -------------------------------------------------------------------

TEST(DnsChecks, OneKubeletWithAnotherClusterDnsAddress) {
  Snap s;
  two_coredns(s, false);
  PodSpec a;
  a.name = "web-1";
  a.node = "w2";
  s.add(pod(a));
  s.file("nodes/w1/kubelet-config.yaml", kubelet_config());
  s.file("nodes/w2/kubelet-config.yaml", kubelet_config("", "10.96.0.100"));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-dns-config-mismatch", "w2");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject.kind, "Node");
  EXPECT_TRUE(evidence_has(*f, "nodes/w2/kubelet-config.yaml:5", "10.96.0.100"));
  EXPECT_TRUE(evidence_has(*f, "", "pod shop/web-1"));
  EXPECT_FALSE(find(fs, "pod-dns-config-mismatch", "w1"));
}

TEST(DnsChecks, NodeLocalDnsAddressIsAccepted) {
  Snap s;
  two_coredns(s, false);
  s.add(
      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-local-dns\n  namespace: kube-system\nspec:\n"
      "  selector:\n    matchLabels:\n      k8s-app: node-local-dns\n  template:\n    metadata:\n      labels:\n"
      "        k8s-app: node-local-dns\n    spec:\n      hostNetwork: true\n      containers:\n      - name: "
      "node-cache\n"
      "        image: registry.local/dns/k8s-dns-node-cache:1.22.28\n");
  s.file("nodes/w1/kubelet-config.yaml", kubelet_config("", "169.254.20.10"));
  EXPECT_FALSE(test::has(s.run(), "pod-dns-config-mismatch"));
}

TEST(DnsChecks, CapturedResolvConfThatDiffersFromThePolicy) {
  Snap s;
  two_coredns(s, false);
  PodSpec a;
  a.name = "web-1";
  s.add(pod(a));
  s.file("nodes/w1/kubelet-config.yaml", kubelet_config("resolvConf: /etc/resolv.conf\n"));
  s.file("nodes/w1/resolv.conf", "search corp.internal\nnameserver 192.168.10.2\n");
  s.file("pods/shop/web-1/resolv.conf",
         "search shop.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.11\n"
         "options ndots:5\n");
  auto fs = s.run();
  const Finding* f = find(fs, "pod-dns-config-mismatch", "web-1");
  ASSERT_TRUE(f);
  EXPECT_TRUE(evidence_has(*f, "pods/shop/web-1/resolv.conf:2", "nameserver 10.96.0.11"));
  EXPECT_EQ(f->evidence.size(), 2u);  // only the nameserver differs, plus the policy line
  // The same file with the right address is no finding.
  Snap t;
  two_coredns(t, false);
  t.add(pod(a));
  t.file("nodes/w1/kubelet-config.yaml", kubelet_config("resolvConf: /etc/resolv.conf\n"));
  t.file("nodes/w1/resolv.conf", "search corp.internal\nnameserver 192.168.10.2\n");
  t.file("pods/shop/web-1/resolv.conf",
         "search shop.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.10\n"
         "options ndots:5\n");
  EXPECT_FALSE(test::has(t.run(), "pod-dns-config-mismatch"));
}

TEST(DnsChecks, OldKubeletDropsSearchDomains) {
  Snap s;
  s.docs[0] = node("w1", "192.168.10.11", "v1.25.16");
  two_coredns(s, false);
  PodSpec a;
  a.name = "web-1";
  s.add(pod(a));
  s.file("nodes/w1/kubelet-config.yaml", kubelet_config());
  s.file("nodes/w1/resolv.conf", "search a.corp b.corp c.corp d.corp\nnameserver 192.168.10.2\n");
  auto fs = s.run();
  const Finding* f = find(fs, "pod-dns-config-mismatch", "web-1");
  ASSERT_TRUE(f);
  EXPECT_NE(f->summary.find("d.corp"), std::string::npos);
  EXPECT_TRUE(evidence_has(*f, "nodes/w1/resolv.conf:1", "search a.corp"));
}

TEST(DnsChecks, DefaultPolicyAppNamingClusterServices) {
  Snap s;
  two_coredns(s, false);
  s.add(service("db", "postgres", "10.100.1.5", 5432, "app: postgres"));
  PodSpec a;
  a.name = "report-1";
  a.policy = "Default";
  a.env = "    env:\n    - name: PGHOST\n      value: postgres.db\n";
  s.add(pod(a));
  PodSpec h;  // host network on ClusterFirst falls back to Default too
  h.name = "agent-1";
  h.host_network = true;
  h.env = "    env:\n    - name: DB_URL\n      value: postgres://app@postgres.db.svc:5432/x\n";
  s.add(pod(h));
  PodSpec ok;  // the same on ClusterFirstWithHostNet is fine
  ok.name = "agent-2";
  ok.host_network = true;
  ok.policy = "ClusterFirstWithHostNet";
  ok.env = h.env;
  s.add(pod(ok));
  auto fs = s.run();
  const Finding* f = find(fs, "pod-dns-config-mismatch", "report-1");
  ASSERT_TRUE(f);
  EXPECT_TRUE(fix_has(*f, "dnsPolicy: ClusterFirst"));
  const Finding* g = find(fs, "pod-dns-config-mismatch", "agent-1");
  ASSERT_TRUE(g);
  EXPECT_TRUE(fix_has(*g, "ClusterFirstWithHostNet"));
  EXPECT_FALSE(find(fs, "pod-dns-config-mismatch", "agent-2"));
  EXPECT_FALSE(test::has(fs, "dns-short-name-cross-namespace"));
}

// ---- dns-short-name-cross-namespace -------------------------------------------------------------

TEST(DnsChecks, ShortNameOfAnotherNamespaceInEnv) {
  Snap s;
  two_coredns(s, false);
  s.add(service("cache", "redis", "10.101.7.26", 6379, "app: redis"));
  s.add(service("shop", "web", "10.101.7.30", 80, "app: web"));
  PodSpec a;
  a.name = "cart-1";
  a.env =
      "    env:\n    - name: REDIS_HOST\n      value: redis\n    - name: WEB_URL\n      value: http://web/\n"
      "    - name: REDIS_FULL\n      value: redis.cache:6379\n    - name: SSO_URL\n      value: "
      "https://sso.corp.internal\n";
  s.add(pod(a));
  auto fs = s.run();
  ASSERT_EQ(test::count(fs, "dns-short-name-cross-namespace"), 1u);
  const Finding* f = find(fs, "dns-short-name-cross-namespace");
  EXPECT_TRUE(evidence_has(*f, ".env[REDIS_HOST]", "REDIS_HOST = redis"));
  EXPECT_TRUE(evidence_has(*f, "", "Service cache/redis"));
  EXPECT_TRUE(fix_has(*f, "redis.cache.svc.cluster.local"));
  EXPECT_NE(f->summary.find("redis.shop.svc.cluster.local."), std::string::npos);
}

TEST(DnsChecks, JdbcUrlInAConfigMap) {
  Snap s;
  two_coredns(s, false);
  s.add(service("db", "mysql", "10.100.141.103", 3306, "app: mysql"));
  s.add(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orders-config\n  namespace: shop\ndata:\n"
      "  application.properties: |\n    server.port=8080\n    spring.datasource.url=jdbc:mysql://mysql:3306/orders\n"
      "  other.properties: |\n    spring.datasource.url=jdbc:mysql://mysql.db.svc.cluster.local:3306/orders\n"
      "    cache.url=redis://redis.svc.cluster.local:6379\n");
  auto fs = s.run();
  std::vector<const Finding*> found;
  for (const auto& f : fs)
    if (f.id == "dns-short-name-cross-namespace") found.push_back(&f);
  ASSERT_EQ(found.size(), 2u);  // the short JDBC host, and a name without its namespace that matches nothing
  const Finding* jdbc = found[0]->summary.find("`mysql`") != std::string::npos ? found[0] : found[1];
  EXPECT_EQ(jdbc->subject.kind, "ConfigMap");
  EXPECT_TRUE(evidence_has(*jdbc, ".data[application.properties] line 2", "jdbc:mysql://mysql:3306/orders"));
  EXPECT_TRUE(fix_has(*jdbc, "jdbc:mysql://mysql.db.svc.cluster.local:3306/orders"));
  const Finding* other = jdbc == found[0] ? found[1] : found[0];
  EXPECT_EQ(other->severity, Severity::Warning);
  EXPECT_NE(other->summary.find("redis.svc.cluster.local"), std::string::npos);
}

TEST(DnsChecks, EnvFromConfigMapAndAbsoluteNames) {
  Snap s;
  two_coredns(s, false);
  s.add(service("cache", "redis", "10.101.7.26", 6379, "app: redis"));
  s.add(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cart-env\n  namespace: shop\ndata:\n"
      "  REDIS_ADDR: redis.:6379\n");
  PodSpec a;
  a.name = "cart-1";
  a.env = "    envFrom:\n    - configMapRef:\n        name: cart-env\n";
  s.add(pod(a));
  auto fs = s.run();
  ASSERT_EQ(test::count(fs, "dns-short-name-cross-namespace"), 1u);  // via the pod, not again for the ConfigMap
  const Finding* f = find(fs, "dns-short-name-cross-namespace");
  EXPECT_EQ(f->subject.kind, "Pod");
  EXPECT_TRUE(evidence_has(*f, ".data[REDIS_ADDR]", "REDIS_ADDR = redis.:6379"));
  EXPECT_NE(f->summary.find("envFrom ConfigMap cart-env"), std::string::npos);
}

// ---- all of them ---------------------------------------------------------------------------------

TEST(DnsChecks, FindingsCarryEvidenceFixAndNoPublicAddress) {
  Snap s;
  s.corefile();
  two_coredns(s);
  stub_nodes(s);
  s.add(service("cache", "redis", "10.101.7.26", 6379, "app: redis"));
  PodSpec a;
  a.name = "cart-1";
  a.env = "    env:\n    - name: REDIS_HOST\n      value: redis\n";
  s.add(pod(a));
  PodSpec d;
  d.name = "report-1";
  d.policy = "Default";
  d.env = "    env:\n    - name: PGHOST\n      value: redis.cache\n";
  s.add(pod(d));
  auto fs = s.run();
  const std::regex ipv4(R"((\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3})");
  size_t dns = 0;
  for (const auto& f : fs) {
    const CheckInfo* info = find_check_info(f.id);
    ASSERT_TRUE(info);
    if (std::string(info->area) != "dns") continue;
    ++dns;
    EXPECT_FALSE(f.evidence.empty()) << f.id;
    EXPECT_FALSE(f.fix.empty()) << f.id;
    EXPECT_FALSE(f.refs.empty()) << f.id;
    for (const auto& e : f.evidence) EXPECT_FALSE(e.source.empty()) << f.id;
    std::string all = f.summary;
    for (const auto& x : f.fix) all += "\n" + x;
    for (auto it = std::sregex_iterator(all.begin(), all.end(), ipv4); it != std::sregex_iterator(); ++it) {
      int a1 = std::stoi((*it)[1]), a2 = std::stoi((*it)[2]);
      bool ok = a1 == 10 || a1 == 127 || (a1 == 192 && a2 == 168) || (a1 == 172 && a2 >= 16 && a2 < 32) ||
                (a1 == 169 && a2 == 254);
      EXPECT_TRUE(ok) << f.id << " names " << it->str();
    }
  }
  EXPECT_GE(dns, 4u);  // loop x2, loopback x2, mismatch, cross-namespace
}

// ---- the model behind `netdoctor dns` -------------------------------------------------------------

TEST(DnsChecks, EffectiveResolvConfOfAPod) {
  TempDir d;
  d.write(
      "objects.yaml", "---\n" + node("w1", "192.168.10.11") + "---\n" +
                          service("kube-system", "kube-dns", "10.96.0.10", 53, "k8s-app: kube-dns") + "---\n" + [] {
                            PodSpec p;
                            p.name = "web-1";
                            p.extra_spec = "  dnsConfig:\n    options:\n    - name: ndots\n      value: \"2\"\n";
                            return pod(p);
                          }());
  d.write("nodes/w1/resolv.conf", kStub);
  d.write("nodes/w1/kubelet-config.yaml", kubelet_config("resolvConf: /run/systemd/resolve/resolv.conf\n"));
  d.write("nodes/w1/kubelet-resolv.conf", kUplink);
  Cluster c = test::load_ok(d.path());
  dns::DnsView v = dns::dns_view(c);
  dns::EffectivePodDns e = dns::effective_pod_dns(c, v, *c.pod("shop", "web-1"));
  EXPECT_EQ(e.resolv_conf(),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.10\n"
            "options ndots:2\n");
  EXPECT_TRUE(e.assumptions.empty());
  EXPECT_EQ(e.resolver().ndots, 2);
}

// ---- `netdoctor dns` ------------------------------------------------------------------------------

namespace {

struct CliResult {
  int code = -1;
  std::string out;
};

CliResult netdoctor(const std::string& args) {
  std::string cmd = std::string(ND_BINARY) + " " + args + " 2>&1";
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace

TEST(DnsCli, PrintsTheResolvConfAPodGets) {
  TempDir d;
  d.write(
      "objects.yaml", "---\n" + node("w1", "192.168.10.11") + "---\n" +
                          service("kube-system", "kube-dns", "10.96.0.10", 53, "k8s-app: kube-dns") + "---\n" +
                          service("cache", "redis", "10.101.7.26", 6379, "app: redis") + "---\n" + [] {
                            PodSpec p;
                            p.name = "web-1";
                            return pod(p);
                          }());
  d.write("nodes/w1/kubelet-config.yaml", kubelet_config("resolvConf: /run/systemd/resolve/resolv.conf\n"));
  d.write("nodes/w1/kubelet-resolv.conf", kUplink);
  CliResult r = netdoctor("dns " + d.path() + " shop/web-1 --resolve redis --resolve redis.cache");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("search shop.svc.cluster.local svc.cluster.local cluster.local corp.internal\n"
                       "nameserver 10.96.0.10\noptions ndots:5\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("redis.cache.svc.cluster.local."), std::string::npos);
  EXPECT_NE(r.out.find("Service cache/redis 10.101.7.26"), std::string::npos);
  EXPECT_NE(r.out.find("redis.shop.svc.cluster.local."), std::string::npos);
  // The bare name: found in no namespace's search domain, it ends at the upstream.
  EXPECT_NE(r.out.find("NXDOMAIN (no such Service)"), std::string::npos);

  CliResult j = netdoctor("dns " + d.path() + " web-1 -o json");
  ASSERT_EQ(j.code, 0) << j.out;
  EXPECT_NE(j.out.find("\"nameservers\": [\n    \"10.96.0.10\"\n  ]"), std::string::npos) << j.out;

  CliResult missing = netdoctor("dns " + d.path() + " shop/nope");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("no pod shop/nope in the snapshot"), std::string::npos);
  CliResult badlibc = netdoctor("dns " + d.path() + " shop/web-1 --libc bsd");
  EXPECT_EQ(badlibc.code, 2);
}
