// Issue 8's "done when": for the healthy lab and each of its faults, trace's verdict for every path
// the lab tests agrees with what real traffic did. For each backend: bring a lab up, and for the
// healthy state and each fault, write a snapshot (nd::lab::write_snapshot), trace every path with a
// Tracer built from it, send the real traffic from the lab's namespaces, and compare. A table
// path x fault -> predicted / observed is printed; every cell must agree. Needs root (skips, saying
// why, without it); every lab is removed at the end of its test, also when an assertion fails.
//
// Faults left out, and why: dns-upstream-loop breaks the answers of the DNS server, not a path (the
// path to kube-dns stays open, and trace says so); mtu-mismatch breaks large transfers only, and a
// trace is about whether a connection gets through. Set ND_TRACE_BACKENDS=vxlan,host-gw,directrouting
// to choose backends (default: all three).
#ifdef ND_HAVE_LAB

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "core/snapshot.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "lab/netops.h"
#include "lab/snapshot.h"
#include "lab/state_io.h"
#include "../lab/probes.h"
#include "trace/trace.h"

namespace nd::trace {
namespace {

namespace labtest = nd::lab::test;
using labtest::Probe;
using lab::Backend;
using lab::State;

// One path the lab tests: the trace question and the real traffic that answers it.
struct Path {
  std::string name;
  std::string from, to;
  std::function<Probe()> probe;
  std::function<bool(const Probe&)> good = [](const Probe& p) { return p.ok(); };
};

const lab::PodState& pod(const State& s, const std::string& deployment, int node) {
  for (const auto& p : s.pods)
    if (p.deployment == deployment && p.node == "node" + std::to_string(node)) return p;
  throw std::runtime_error("no " + deployment + " pod on node" + std::to_string(node));
}

std::string pod_ref(const State& s, const std::string& d, int n) {
  const auto& p = pod(s, d, n);
  return p.ns + "/" + p.name;
}

// The paths, built from the lab's current state (pods may move to new addresses under a fault).
std::vector<Path> paths(const State& s) {
  std::vector<Path> v;
  auto web_to_web = [&](int a, int b) {
    std::string ns = s.pod_netns(pod(s, "web", a)), ip = pod(s, "web", b).ip;
    v.push_back({"web@" + std::to_string(a) + " -> web@" + std::to_string(b), pod_ref(s, "web", a),
                 pod_ref(s, "web", b) + ":8080", [=] { return labtest::http(ns, ip, 8080, "/", 0, 1200); }});
  };
  web_to_web(1, 2);
  web_to_web(3, 1);
  web_to_web(2, 3);
  {
    std::string ns = s.pod_netns(pod(s, "web", 1)), ip = pod(s, "redis", 1).ip;
    v.push_back({"web@1 -> redis@1", pod_ref(s, "web", 1), pod_ref(s, "redis", 1) + ":6379",
                 [=] { return labtest::tcp_banner(ns, ip, 6379, 1200); }});
  }
  {
    std::string ns = s.pod_netns(pod(s, "web", 1));
    v.push_back({"web@1 -> container :9090", pod_ref(s, "web", 1), pod_ref(s, "web", 1) + ":9090",
                 [=] { return labtest::http(ns, "127.0.0.1", 9090, "/", 0, 1200); }});
  }
  for (int a : {1, 2}) {
    std::string ns = s.pod_netns(pod(s, "web", a));
    v.push_back({"web@" + std::to_string(a) + " -> svc kube-dns udp", pod_ref(s, "web", a),
                 "svc/kube-system/kube-dns:53/udp",
                 [=] { return labtest::dns_query(ns, lab::kDnsServiceIp, "web.shop.svc.cluster.local", 1000, 1); }});
  }
  for (int a : {1, 2}) {
    std::string ns = s.pod_netns(pod(s, "web", a));
    v.push_back({"web@" + std::to_string(a) + " -> svc shop/web", pod_ref(s, "web", a), "svc/shop/web:80",
                 [=] { return labtest::http(ns, "10.96.0.20", 80, "/", 0, 1200); }});
  }
  for (int a : {1, 2}) {
    std::string ns = s.pod_netns(pod(s, "web", a));
    v.push_back({"web@" + std::to_string(a) + " -> database", pod_ref(s, "web", a),
                 std::string(lab::kDbIp) + ":" + std::to_string(lab::kDbPort),
                 [=] { return labtest::tcp_banner(ns, lab::kDbIp, lab::kDbPort, 1200); },
                 [](const Probe& p) { return p.result == "connected" && p.detail.find("postgres") != std::string::npos; }});
  }
  {
    std::string ns = s.pod_netns(pod(s, "web", 3));
    v.push_back({"web@3 -> outside web", pod_ref(s, "web", 3), std::string(lab::kOutsideWebIp) + ":80",
                 [=] { return labtest::http(ns, lab::kOutsideWebIp, 80, "/", 0, 1200); }});
  }
  for (int n : {1, 2}) {
    std::string out = s.netns("outside"), ip = s.nodes[static_cast<size_t>(n - 1)].ip;
    v.push_back({"outside -> NodePort node" + std::to_string(n), "198.51.100.10",
                 "node/node" + std::to_string(n) + ":" + std::to_string(lab::kWebNodePort),
                 [=] { return labtest::http(out, ip, lab::kWebNodePort, "/", 0, 1200); }});
  }
  return v;
}

// A Service with endpoints on several nodes may work for some connections only: kube-proxy picks an
// endpoint at random. trace says so with a warn hop "K of N endpoints fail"; the probe then tries
// several times and expects both outcomes to be possible.
bool partial(const TraceResult& r) {
  for (const auto& h : r.hops)
    if (h.verdict == "warn" && h.step.find(" endpoints fail") != std::string::npos) return true;
  return false;
}

struct Cell {
  std::string predicted, observed;
  bool agree = false;
};

// backend -> state (healthy or fault) -> path -> cell
std::map<std::string, std::map<std::string, std::map<std::string, Cell>>>& table() {
  static std::map<std::string, std::map<std::string, std::map<std::string, Cell>>> t;
  return t;
}

class Report : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [backend, states] : table()) {
      std::cout << "\ntrace vs real traffic, backend " << backend << " (predicted/observed; * = disagree)\n";
      std::vector<std::string> cols;
      for (const auto& [st, _] : states) cols.push_back(st);
      std::cout << std::left << std::setw(30) << "path";
      for (const auto& c : cols) std::cout << std::setw(26) << c.substr(0, 25);
      std::cout << "\n";
      std::vector<std::string> rows;
      for (const auto& [p, _] : states.begin()->second) rows.push_back(p);
      for (const auto& p : rows) {
        std::cout << std::setw(30) << p;
        for (const auto& c : cols) {
          auto it = states.at(c).find(p);
          std::string cell = it == states.at(c).end() ? "-"
                                                     : it->second.predicted + "/" + it->second.observed +
                                                           (it->second.agree ? "" : " *");
          std::cout << std::setw(26) << cell;
        }
        std::cout << "\n";
      }
    }
  }
};
[[maybe_unused]] auto* env = ::testing::AddGlobalTestEnvironment(new Report);

struct TmpDir {
  std::string path;
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Snapshot the lab, trace every path, probe it, record and compare.
void compare(const State& s, const std::string& backend, const std::string& state_name) {
  SCOPED_TRACE(state_name);
  TmpDir dir{"/tmp/ndtrace-snap-" + s.spec.name + "-" + state_name};
  auto w = lab::write_snapshot(s, dir.path);
  ASSERT_TRUE(w) << w.error().message;
  auto cluster = load_snapshot(dir.path);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  Tracer tracer(*cluster);
  auto& cells = table()[backend][state_name];
  for (const Path& p : paths(s)) {
    auto r = tracer.trace(p.from, p.to);
    ASSERT_TRUE(r) << p.name << ": " << r.error().message;
    bool some = partial(*r);
    std::string predicted = r->verdict == "reachable" ? (some ? "partial" : "ok") : r->verdict == "blocked" ? "blocked" : "unknown";
    int tries = some ? 16 : 1, good = 0;
    std::string last;
    for (int i = 0; i < tries; ++i) {
      Probe pr = p.probe();
      good += p.good(pr) ? 1 : 0;
      last = pr.result + (pr.detail.empty() ? "" : " " + pr.detail.substr(0, 60));
    }
    std::string observed = good == tries ? "ok" : good == 0 ? "blocked" : "partial";
    // "partial" predicted: at least one of 16 connections must get through (with one endpoint in
    // three working, all 16 fail with probability 0.15%; all 16 working is not counted against trace).
    bool agree = predicted == observed || (predicted == "partial" && observed == "ok");
    cells[p.name] = {predicted, observed, agree};
    std::string hops;
    for (size_t i = 0; i < r->hops.size(); ++i)
      hops += "\n    " + std::to_string(i + 1) + " " + r->hops[i].verdict + " " + r->hops[i].at + " " + r->hops[i].step +
              (r->hops[i].check.empty() ? "" : " [" + r->hops[i].check + "]");
    EXPECT_TRUE(agree) << state_name << ", " << p.name << " (" << p.from << " -> " << p.to << "): trace says "
                       << predicted << ", real traffic " << observed << " (last probe: " << last << ")" << hops;
  }
}

// The check the trace's first failure names, for the fault's broken path, must be the fault's check.
void expect_check(const State& s, const std::string& fault, const std::string& from, const std::string& to,
                  const std::string& check) {
  TmpDir dir{"/tmp/ndtrace-check-" + s.spec.name + "-" + fault};
  auto w = lab::write_snapshot(s, dir.path);
  ASSERT_TRUE(w) << w.error().message;
  auto cluster = load_snapshot(dir.path);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  Tracer tracer(*cluster);
  auto r = tracer.trace(from, to);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->verdict, "blocked") << fault << ": " << from << " -> " << to << "\n" << render_text(*r, false);
  EXPECT_EQ(r->first_failure_check, check) << fault << ": " << from << " -> " << to << "\n" << render_text(*r, false);
}

std::vector<Backend> backends() {
  std::vector<Backend> all{Backend::Vxlan, Backend::HostGw, Backend::DirectRouting};
  const char* env = std::getenv("ND_TRACE_BACKENDS");
  if (!env || !*env) return all;
  std::vector<Backend> out;
  std::stringstream ss(env);
  std::string b;
  while (std::getline(ss, b, ','))
    if (auto x = lab::parse_backend(b)) out.push_back(*x);
  return out;
}

class RootTraceLab : public ::testing::TestWithParam<Backend> {};

TEST_P(RootTraceLab, PredictionsMatchRealTraffic) {
  if (auto why = lab::lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  Backend backend = GetParam();
  bool chosen = false;
  for (Backend b : backends()) chosen |= b == backend;
  if (!chosen) GTEST_SKIP() << "not in ND_TRACE_BACKENDS";
  std::string bname = lab::backend_name(backend);
  std::string name = "tr" + bname.substr(0, 2) + std::to_string(getpid() % 100000);
  {
    lab::LabGuard guard(name);
    lab::Spec spec;
    spec.name = name;
    spec.nodes = 3;
    spec.backend = backend;
    auto up = lab::lab_up(spec);
    ASSERT_TRUE(up) << up.error().message;
    State s = *up;
    compare(s, bname, "healthy");
    // The fault's broken path and the check its trace must name.
    struct Expect {
      std::string from, to;
    };
    for (const auto& f : lab::fault_table()) {
      std::string id = f.id;
      if (id == "dns-upstream-loop" || id == "mtu-mismatch") continue;
      if (f.needs_vxlan && backend == Backend::HostGw) continue;
      auto inj = lab::inject_fault(s, id);
      ASSERT_TRUE(inj) << inj.error().message;
      compare(s, bname, id);
      // Where the fault shows on a traced path, the first failure names the fault's own check.
      std::string web1 = pod_ref(s, "web", 1), web2 = pod_ref(s, "web", 2), web3 = pod_ref(s, "web", 3);
      std::map<std::string, Expect> where = {
          {"ip-forward-off", {web1, web2 + ":8080"}},
          {"bridge-nf-off", {web1, "svc/kube-system/kube-dns:53/udp"}},
          {"pod-cidr-overlap", {web1, web2 + ":8080"}},
          {"missing-route", {web1, web2 + ":8080"}},
          {"vxlan-fdb-missing", {web1, (backend == Backend::DirectRouting ? web3 : web2) + ":8080"}},
          {"dns-down", {web2, "svc/kube-system/kube-dns:53/udp"}},
          {"db-allowlist", {web1, std::string(lab::kDbIp) + ":5432"}},
          {"kube-proxy-rules-missing", {web1, "svc/shop/web:80"}},
      };
      if (auto it = where.find(id); it != where.end()) {
        std::string check = f.check;
        // With dns-down diagnose names the Service without endpoints through both checks; the
        // trace names the one that fires for the kube-dns Service.
        if (id == "dns-down") check = "coredns-unhealthy";
        expect_check(s, id, it->second.from, it->second.to, check);
      }
      auto heal = lab::heal_fault(s, id);
      ASSERT_TRUE(heal) << heal.error().message;
    }
  }
  EXPECT_TRUE(lab::netns_list(std::string(lab::kNetnsPrefix) + name + "-").empty()) << "lab namespaces left behind";
}

INSTANTIATE_TEST_SUITE_P(Root, RootTraceLab, ::testing::Values(Backend::Vxlan, Backend::HostGw, Backend::DirectRouting),
                         [](const auto& info) {
                           std::string n = lab::backend_name(info.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace nd::trace

#endif  // ND_HAVE_LAB
