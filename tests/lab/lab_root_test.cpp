// The lab's integration suite (ctest labels lab, root): for each backend, bring a lab up, prove the
// playbook's kinds of traffic with real connects and lookups from pod namespaces, then inject every
// fault, show that the traffic the playbook says breaks does break while the rest still works, heal
// it and show it works again. Skips, saying why, where namespaces cannot be made. Every lab is
// removed at the end of its test (RAII), also when an assertion fails, and the suite checks that
// no namespace of its labs is left.
//
// Set ND_LAB_SNAPSHOTS=DIR to keep a `lab snapshot` of every backend x fault (for diagnose).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <sstream>

#include "lab/dns.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "lab/netops.h"
#include "lab/snapshot.h"
#include "lab/state_io.h"
#include "probes.h"

namespace nd::lab {
namespace {

using test::Probe;

// backend -> fault -> verdict, printed when the suite ends.
std::map<std::string, std::map<std::string, std::string>>& results() {
  static std::map<std::string, std::map<std::string, std::string>> r;
  return r;
}
std::vector<std::string>& lab_names() {
  static std::vector<std::string> v;
  return v;
}
auto suite_start = std::chrono::steady_clock::now();

class Report : public ::testing::Environment {
 public:
  void TearDown() override {
    if (results().empty()) return;
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - suite_start).count();
    std::cout << "\nlab fault x backend (reproduced / diagnosed / healed):\n";
    std::vector<std::string> backends;
    for (const auto& [b, _] : results()) backends.push_back(b);
    std::cout << std::left << std::setw(26) << "fault";
    for (const auto& b : backends) std::cout << std::setw(34) << b;
    std::cout << "\n";
    for (const auto& f : fault_table()) {
      std::cout << std::setw(26) << f.id;
      for (const auto& b : backends) {
        auto it = results()[b].find(f.id);
        std::cout << std::setw(34) << (it == results()[b].end() ? "not run" : it->second);
      }
      std::cout << "\n";
    }
    std::cout << "suite time: " << secs << " s\n";
    std::vector<std::string> left;
    for (const auto& n : lab_names())
      for (const auto& ns : netns_list(std::string(kNetnsPrefix) + n + "-")) left.push_back(ns);
    std::cout << "namespaces left behind: " << (left.empty() ? "none" : "") << "\n";
    for (const auto& ns : left) std::cout << "  " << ns << "\n";
  }
};
[[maybe_unused]] auto* env = ::testing::AddGlobalTestEnvironment(new Report);

// The pods the probes use, by deployment and node.
struct Lab {
  State s;
  const PodState& pod(const std::string& deployment, int node) const {
    for (const auto& p : s.pods)
      if (p.deployment == deployment && p.node == "node" + std::to_string(node)) return p;
    throw std::runtime_error("no " + deployment + " pod on node" + std::to_string(node));
  }
  std::string ns(const std::string& deployment, int node) const { return s.pod_netns(pod(deployment, node)); }
  std::string ip(const std::string& deployment, int node) const { return pod(deployment, node).ip; }
  std::string resolv(const std::string& deployment, int node) const {
    auto t = read_file(pod_resolv_path(s, pod(deployment, node)));
    return t ? *t : "";
  }
};

std::string show(const Probe& p) { return p.result + (p.detail.empty() ? "" : " (" + p.detail.substr(0, 120) + ")"); }

// One named expectation about traffic.
struct Check {
  std::string what;
  std::function<Probe()> probe;
  std::function<bool(const Probe&)> good = [](const Probe& p) { return p.ok(); };
};

// Runs checks; returns the names of those whose outcome differs from `expect_ok`.
std::vector<std::string> run_checks(const std::vector<Check>& checks, bool expect_ok) {
  std::vector<std::string> wrong;
  for (const auto& c : checks) {
    Probe p = c.probe();
    bool good = c.good(p);
    if (good != expect_ok) wrong.push_back(c.what + ": " + show(p));
  }
  return wrong;
}

Check web_get(const Lab& l, int from, std::string what, std::string ip, int port = 8080, int timeout = 1500) {
  std::string ns = l.ns("web", from);
  return {std::move(what), [ns, ip, port, timeout] { return test::http(ns, ip, port, "/", 0, timeout); }};
}

Check pod_to_pod(const Lab& l, int from, int to, int timeout = 1500) {
  return web_get(l, from, "web@node" + std::to_string(from) + " -> web@node" + std::to_string(to) + " pod IP",
                 l.ip("web", to), 8080, timeout);
}

Check lookup(const Lab& l, int from, const std::string& name) {
  std::string ns = l.ns("web", from), rc = l.resolv("web", from);
  return {"web@node" + std::to_string(from) + " resolves " + name,
          [ns, rc, name] { return test::resolve(ns, rc, name, 1000); }};
}

Check db_from(const Lab& l, int from) {
  std::string ns = l.ns("web", from);
  return {"web@node" + std::to_string(from) + " -> database",
          [ns] { return test::tcp_banner(ns, kDbIp, kDbPort, 1500); },
          [](const Probe& p) { return p.result == "connected" && p.detail.find("postgres") != std::string::npos; }};
}

// The playbook's kinds of traffic (P1) on a healthy lab.
std::vector<Check> healthy_checks(const Lab& l) {
  int n = static_cast<int>(l.s.nodes.size());
  std::vector<Check> c;
  c.push_back(web_get(l, 1, "container <-> container over localhost (web -> metrics sidecar)", "127.0.0.1", 9090));
  std::string redis_ns = l.ns("web", 1), redis_ip = l.ip("redis", 1);
  c.push_back({"web@node1 -> redis@node1 (same node)", [=] { return test::tcp_banner(redis_ns, redis_ip, 6379); },
               [](const Probe& p) { return p.result == "connected" && p.detail.find("ready") != std::string::npos; }});
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b)
      if (a != b) c.push_back(pod_to_pod(l, a, b));
  for (int a = 1; a <= n; ++a) c.push_back(web_get(l, a, "web@node" + std::to_string(a) + " -> shop/web ClusterIP", "10.96.0.20", 80));
  std::string ns1 = l.ns("web", 1), rc1 = l.resolv("web", 1);
  c.push_back({"web@node1 -> shop/web by name (search list)", [=] {
                 Probe r = test::resolve(ns1, rc1, "web");
                 if (!r.ok()) return r;
                 if (r.detail != "10.96.0.20") return Probe{"wrong-address", r.detail};
                 return test::http(ns1, r.detail, 80);
               }});
  c.push_back({"web@node1 -> cache/redis by name across namespaces", [=] {
                 Probe r = test::resolve(ns1, rc1, "redis.cache");
                 if (!r.ok()) return r;
                 return test::tcp_banner(ns1, r.detail, 6379);
               }});
  c.push_back({"web@node2 -> kube-dns over TCP", [ns = l.ns("web", 2)] { return test::tcp_banner(ns, kDnsServiceIp, 53, 1000); }});
  for (const auto& node : l.s.nodes) {
    std::string out = l.s.netns("outside"), ip = node.ip;
    c.push_back({"outside -> NodePort on " + node.name, [=] { return test::http(out, ip, kWebNodePort); }});
  }
  c.push_back({"web@node3 -> outside by name", [ns = l.ns("web", 3), rc = l.resolv("web", 3)] {
                 Probe r = test::resolve(ns, rc, "www.outside.lab");
                 if (!r.ok()) return r;
                 return test::http(ns, r.detail, 80);
               }});
  for (int a = 1; a <= n; ++a) c.push_back(db_from(l, a));
  return c;
}

// What a fault breaks and what must keep working. `node` is the fault's node index (0 = none).
struct FaultCase {
  std::vector<Check> broken, intact;
};

FaultCase fault_case(const Lab& l, const std::string& id) {
  bool dr = l.s.spec.backend == Backend::DirectRouting;
  if (id == "ip-forward-off")
    return {{pod_to_pod(l, 1, 2, 1000), pod_to_pod(l, 3, 1, 1000)},
            {pod_to_pod(l, 2, 3), {"web@node1 -> redis@node1 (bridged, not routed)",
                                   [ns = l.ns("web", 1), ip = l.ip("redis", 1)] { return test::tcp_banner(ns, ip, 6379); }}}};
  if (id == "bridge-nf-off") {
    std::string ns1 = l.ns("web", 1), ns2 = l.ns("web", 2);
    std::string fq = "web.shop.svc.cluster.local";
    return {{{"web@node1 -> kube-dns (endpoint on the same node)", [=] { return test::dns_query(ns1, kDnsServiceIp, fq, 1000, 1); }}},
            {{"web@node2 -> kube-dns (endpoint on another node)", [=] { return test::dns_query(ns2, kDnsServiceIp, fq); }},
             pod_to_pod(l, 1, 2)}};
  }
  if (id == "pod-cidr-overlap") {
    // The playbook's symptom: "No route to host" towards a pod on the other node.
    Check c = pod_to_pod(l, 1, 2, 4000);
    c.good = [](const Probe& p) { return p.result != "no-route"; };
    Check c3 = pod_to_pod(l, 3, 2, 4000);
    std::string ns2 = l.ns("web", 2), ip2 = l.ip("redis", 2);
    Check same_node{"web@node2 -> redis@node2 (same node)", [=] { return test::tcp_banner(ns2, ip2, 6379); }};
    // With directrouting, node3 (other subnet) does install the vxlan route to the overlapping
    // range, and that route now also captures node3's path to the nodes of that subnet: node3 is
    // cut off from nodes 1-2 as well. What stays intact is traffic that never touches node3.
    if (dr) return {{c, c3}, {same_node, web_get(l, 1, "web@node1 -> outside web", kOutsideWebIp, 80)}};
    return {{c, c3}, {pod_to_pod(l, 1, 3), same_node}};
  }
  if (id == "missing-route") return {{pod_to_pod(l, 1, 2, 1000)}, {pod_to_pod(l, 1, 3), pod_to_pod(l, 3, 2)}};
  if (id == "vxlan-fdb-missing") {
    if (dr) return {{pod_to_pod(l, 1, 3, 1000)}, {pod_to_pod(l, 1, 2), pod_to_pod(l, 2, 3)}};
    return {{pod_to_pod(l, 1, 2, 1000), pod_to_pod(l, 3, 1, 1000)}, {pod_to_pod(l, 2, 3)}};
  }
  if (id == "dns-upstream-loop")
    return {{lookup(l, 2, "www.outside.lab")},
            {lookup(l, 2, "web.shop.svc.cluster.local"), lookup(l, 3, "redis.cache"),
             {"upstream DNS itself still answers", [ns = l.ns("web", 2)] { return test::dns_query(ns, kUpstreamDnsIp, "www.outside.lab"); }}}};
  if (id == "dns-down")
    return {{lookup(l, 2, "web"), lookup(l, 3, "www.outside.lab")},
            {pod_to_pod(l, 2, 3), web_get(l, 2, "web@node2 -> shop/web ClusterIP", "10.96.0.20", 80)}};
  if (id == "db-allowlist") {
    Check broken = db_from(l, 1);
    return {{broken}, {db_from(l, 2), web_get(l, 1, "web@node1 -> outside web", kOutsideWebIp, 80)}};
  }
  if (id == "kube-proxy-rules-missing")
    return {{web_get(l, 1, "web@node1 -> shop/web ClusterIP", "10.96.0.20", 80, 1000)},
            {web_get(l, 2, "web@node2 -> shop/web ClusterIP", "10.96.0.20", 80),
             {"web@node1 -> cache/redis ClusterIP", [ns = l.ns("web", 1)] { return test::tcp_banner(ns, "10.96.0.30", 6379); }}}};
  if (id == "mtu-mismatch") {
    std::string ns2 = l.ns("web", 2), ip1 = l.ip("web", 1), ip3 = l.ip("web", 3);
    return {{{"web@node2 -> web@node1 upload 300 KB", [=] { return test::http(ns2, ip1, 8080, "/", 300000, 2500); }}},
            {pod_to_pod(l, 2, 1),
             {"web@node2 -> web@node3 upload 300 KB", [=] { return test::http(ns2, ip3, 8080, "/", 300000, 2500); }}}};
  }
  return {};
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

// `netdoctor diagnose DIR -o json` with the real binary: the ids it reports, by severity.
struct Diagnosis {
  bool ran = false;
  std::set<std::string> critical, warning, any;
  std::string text;
};

Diagnosis diagnose_snapshot(const std::string& dir) {
  Diagnosis d;
  std::string cmd = std::string(ND_BINARY) + " diagnose '" + dir + "' -o json --fail-on critical 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return d;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) d.text.append(buf, n);
  int st = pclose(p);
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) return d;
  try {
    auto j = nlohmann::json::parse(d.text);
    for (const auto& f : j.at("findings")) {
      std::string id = f.at("id"), sev = f.at("severity");
      d.any.insert(id);
      if (sev == "critical") d.critical.insert(id);
      if (sev == "warning") d.warning.insert(id);
    }
    d.ran = true;
  } catch (const std::exception&) {
  }
  return d;
}

// Findings that a fault causes besides its root cause (the same broken pod or Service, seen by
// another check): allowed next to the root cause, anything else critical is unrelated.
std::set<std::string> consequences(const std::string& fault) {
  if (fault == "dns-down" || fault == "dns-upstream-loop")
    return {"container-crashloop", "service-no-endpoints", "coredns-unhealthy", "coredns-loop"};
  return {};
}

void maybe_snapshot(const State& s, const std::string& what) {
  const char* root = std::getenv("ND_LAB_SNAPSHOTS");
  if (!root || !*root) return;
  std::string dir = std::string(root) + "/" + backend_name(s.spec.backend) + "/" + what;
  auto r = write_snapshot(s, dir);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
}

// A scratch directory removed however the test ends.
struct TmpDir {
  std::string path;
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

class RootLab : public ::testing::TestWithParam<Backend> {};

TEST_P(RootLab, HealthyThenEveryFault) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  Backend backend = GetParam();
  std::string tag = backend == Backend::HostGw ? "hg" : backend == Backend::Vxlan ? "vx" : "dr";
  std::string name = "t" + tag + std::to_string(getpid() % 100000);
  lab_names().push_back(name);
  auto& verdicts = results()[backend_name(backend)];
  {
    LabGuard guard(name);
    auto up = lab_up({name, 3, backend});
    ASSERT_TRUE(up) << up.error().message;
    Lab l{*up};

    auto wrong = run_checks(healthy_checks(l), true);
    ASSERT_TRUE(wrong.empty()) << "healthy lab, traffic that fails:" << join(wrong);

    // The snapshot of the healthy lab, checked where it matters: objects and collected bundles.
    TmpDir snap_dir{"/tmp/ndlab-snapshot-" + name};
    const std::string& snap = snap_dir.path;
    auto rep = write_snapshot(l.s, snap);
    ASSERT_TRUE(rep) << rep.error().message;
    auto ipt = read_file(snap + "/nodes/node1/iptables-save.txt");
    ASSERT_TRUE(ipt) << "the collector wrote no iptables-save.txt";
    EXPECT_NE(ipt->find("KUBE-SVC-TCOU7JCQXEZGVUNU"), std::string::npos);
    auto sysctl = read_file(snap + "/nodes/node2/sysctl.txt");
    ASSERT_TRUE(sysctl);
    EXPECT_NE(sysctl->find("net.ipv4.ip_forward = 1"), std::string::npos);
    auto routes = read_file(snap + "/nodes/node1/ip-route.json");
    ASSERT_TRUE(routes);
    EXPECT_NE(routes->find("10.244.2.0/24"), std::string::npos) << "node1's bundle lacks its route to node2's pods";
    EXPECT_TRUE(read_file(snap + "/pods.json")) << "no pods.json";
    {
      Diagnosis d = diagnose_snapshot(snap);
      ASSERT_TRUE(d.ran) << d.text;
      EXPECT_TRUE(d.critical.empty() && d.warning.empty()) << "healthy lab, diagnose reports:\n" << d.text;
    }
    maybe_snapshot(l.s, "healthy");

    for (const auto& f : fault_table()) {
      SCOPED_TRACE(f.id);
      if (f.needs_vxlan && backend == Backend::HostGw) {
        verdicts[f.id] = "n/a (no vxlan device)";
        continue;
      }
      auto inj = inject_fault(l.s, f.id);
      if (!inj) {
        verdicts[f.id] = "inject FAILED";
        ADD_FAILURE() << inj.error().message;
        continue;
      }
      FaultCase fc = fault_case(l, f.id);  // built after inject: pods may have new addresses
      ASSERT_FALSE(fc.broken.empty()) << "no expectation for " << f.id;
      auto not_broken = run_checks(fc.broken, false);
      auto not_intact = run_checks(fc.intact, true);
      EXPECT_TRUE(not_broken.empty()) << f.id << " injected, but this still works:" << join(not_broken);
      EXPECT_TRUE(not_intact.empty()) << f.id << " injected, and this broke too:" << join(not_intact);
      if (f.id == std::string("ip-forward-off") || f.id == std::string("dns-down")) {
        // The snapshot shows the fault where diagnose will look for it.
        TmpDir fault_dir{snap + "-" + f.id};
        const std::string& dir = fault_dir.path;
        auto r = write_snapshot(l.s, dir);
        ASSERT_TRUE(r) << r.error().message;
        if (f.id == std::string("ip-forward-off")) {
          auto sc = read_file(dir + "/nodes/node1/sysctl.txt");
          EXPECT_TRUE(sc && sc->find("net.ipv4.ip_forward = 0") != std::string::npos);
        } else {
          auto pods = read_file(dir + "/pods.json");
          EXPECT_TRUE(pods && pods->find("CrashLoopBackOff") != std::string::npos);
        }
      }
      // lab snapshot + diagnose: the fault's check id is reported, and no unrelated critical finding.
      bool diagnosed = false;
      {
        TmpDir diag_dir{snap + "-diag-" + f.id};
        auto r = write_snapshot(l.s, diag_dir.path);
        ASSERT_TRUE(r) << r.error().message;
        Diagnosis d = diagnose_snapshot(diag_dir.path);
        ASSERT_TRUE(d.ran) << d.text;
        diagnosed = d.any.count(f.check) > 0;
        EXPECT_TRUE(diagnosed) << f.id << ": diagnose does not report " << f.check << ":\n" << d.text;
        auto allowed = consequences(f.id);
        allowed.insert(f.check);
        for (const auto& id : d.critical)
          EXPECT_TRUE(allowed.count(id)) << f.id << ": unrelated critical finding " << id;
      }
      maybe_snapshot(l.s, f.id);
      auto heal = heal_fault(l.s, f.id);
      ASSERT_TRUE(heal) << heal.error().message;
      FaultCase after = fault_case(l, f.id);
      auto still_broken = run_checks(after.broken, true);
      auto healed_intact = run_checks(after.intact, true);
      EXPECT_TRUE(still_broken.empty()) << f.id << " healed, but this still fails:" << join(still_broken);
      EXPECT_TRUE(healed_intact.empty()) << f.id << " healed, and this fails:" << join(healed_intact);
      std::string v = not_broken.empty() && not_intact.empty() ? "reproduced" : "NOT reproduced";
      v += diagnosed ? " / diagnosed" : " / NOT diagnosed";
      v += still_broken.empty() && healed_intact.empty() ? " / healed" : " / NOT healed";
      verdicts[f.id] = v;
    }
    // After all faults, the whole healthy picture again.
    wrong = run_checks(healthy_checks(l), true);
    EXPECT_TRUE(wrong.empty()) << "after healing every fault, traffic that fails:" << join(wrong);
  }
  EXPECT_TRUE(netns_list(std::string(kNetnsPrefix) + name + "-").empty()) << "lab namespaces left behind";
  EXPECT_FALSE(std::filesystem::exists(state_path(name)));
}

INSTANTIATE_TEST_SUITE_P(Root, RootLab, ::testing::Values(Backend::HostGw, Backend::Vxlan, Backend::DirectRouting),
                         [](const auto& info) {
                           std::string n = backend_name(info.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// `lab down` finds a half-built lab by its namespace prefix, without a state file.
TEST(RootLabDown, RemovesLeftoversByPrefix) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string name = "tleft" + std::to_string(getpid() % 10000);
  lab_names().push_back(name);
  std::string a = std::string(kNetnsPrefix) + name + "-node1", b = std::string(kNetnsPrefix) + name + "-pod-x";
  ASSERT_TRUE(netns_add(a));
  ASSERT_TRUE(netns_add(b));
  ASSERT_TRUE(ip(a, {"link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b}));
  auto r = lab_down(name);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), 2u);
  EXPECT_FALSE(netns_exists(a));
  EXPECT_FALSE(netns_exists(b));
  EXPECT_FALSE(lab_down("Bad-Name")) << "names that could match another lab's prefix are refused";
}

// `lab up` refuses a lab whose name is taken (here by a leftover namespace) and touches nothing.
TEST(RootLabUp, RefusesDuplicateName) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string name = "tdup" + std::to_string(getpid() % 10000);
  lab_names().push_back(name);
  LabGuard guard(name);
  std::string squatter = std::string(kNetnsPrefix) + name + "-node1";
  ASSERT_TRUE(netns_add(squatter));
  auto up = lab_up({name, 2, Backend::Vxlan});
  ASSERT_FALSE(up);
  EXPECT_NE(up.error().message.find("exists"), std::string::npos);
  EXPECT_TRUE(netns_exists(squatter)) << "the refusal must not touch what exists";
}

}  // namespace
}  // namespace nd::lab

namespace nd::lab {
namespace {

// A build that fails half-way (here: the lab directory cannot hold the nodes' files) removes the
// namespaces it had already made, and its state directory.
TEST(RootLabUp, FailedBuildRemovesWhatItMade) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string name = "tfail" + std::to_string(getpid() % 10000);
  lab_names().push_back(name);
  LabGuard guard(name);
  std::string dir = std::string(kStateRoot) + "/" + name;
  ASSERT_TRUE(write_file(dir + "/nodes", "a file where the nodes' directory should be\n"));
  auto up = lab_up({name, 2, Backend::HostGw});
  ASSERT_FALSE(up);
  EXPECT_NE(up.error().message.find("everything it made was removed"), std::string::npos) << up.error().message;
  EXPECT_TRUE(netns_list(std::string(kNetnsPrefix) + name + "-").empty());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace nd::lab
