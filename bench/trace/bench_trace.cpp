// Trace latency after loading (issue 8: target p95 <= 1 ms per trace). Loads a snapshot (usually one
// written by bench/snapshot's gen_snapshot), builds the Tracer once (that runs every diagnose check),
// then traces a fixed, seeded mix of questions and prints p50/p95/p99 per kind and overall.
//
//   bench_trace SNAPSHOT [TRACES]     (default 2000 traces)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/snapshot.h"
#include "trace/trace.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_trace SNAPSHOT [TRACES]\n");
    return 2;
  }
  int n = argc > 2 ? std::atoi(argv[2]) : 2000;
  auto t0 = Clock::now();
  auto cluster = nd::load_snapshot(argv[1]);
  if (!cluster.ok()) {
    std::fprintf(stderr, "bench_trace: %s\n", cluster.error().message.c_str());
    return 2;
  }
  double load_ms = ms_since(t0);
  const nd::Cluster& c = *cluster;
  auto t1 = Clock::now();
  nd::trace::Tracer tracer(c);
  double prep_ms = ms_since(t1);

  std::vector<const nd::Pod*> pods;
  for (const auto& p : c.pods)
    if (!p.pod_ip.empty() && !p.host_network && p.phase == "Running") pods.push_back(&p);
  std::vector<std::string> services;
  for (const auto& s : c.services)
    if (!s.headless() && s.type != "ExternalName" && s.ports.size() == 1)
      services.push_back("svc/" + s.meta.ns + "/" + s.meta.name);
  std::vector<std::string> nodeports;
  for (const auto& s : c.services)
    for (const auto& p : s.ports)
      if (p.node_port && !c.nodes.empty()) nodeports.push_back("node/" + c.nodes.front().meta.name + ":" + std::to_string(p.node_port));
  if (pods.size() < 2) {
    std::fprintf(stderr, "bench_trace: the snapshot has fewer than two running pods\n");
    return 2;
  }
  std::mt19937_64 rng(42);
  auto pick = [&](size_t k) { return static_cast<size_t>(rng() % k); };
  auto ref = [](const nd::Pod* p) { return p->meta.ns + "/" + p->meta.name; };
  std::map<std::string, std::vector<double>> by_kind;
  std::vector<double> all;
  std::map<std::string, int> verdicts;
  int errors = 0;
  for (int i = 0; i < n; ++i) {
    std::string from, to;
    switch (i % 4) {
      case 0: from = ref(pods[pick(pods.size())]); to = ref(pods[pick(pods.size())]) + ":8080"; break;
      case 1:
        from = ref(pods[pick(pods.size())]);
        to = services.empty() ? ref(pods[pick(pods.size())]) : services[pick(services.size())];
        break;
      case 2: from = ref(pods[pick(pods.size())]); to = "203.0.113.20:5432"; break;
      default:
        if (nodeports.empty()) {
          from = ref(pods[pick(pods.size())]);
          to = "198.51.100.10:443";
        } else {
          from = "198.51.100.10";
          to = nodeports[pick(nodeports.size())];
        }
    }
    auto t = Clock::now();
    auto r = tracer.trace(from, to);
    double ms = ms_since(t);
    if (!r) {
      ++errors;
      continue;
    }
    by_kind[r->kind].push_back(ms);
    all.push_back(ms);
    ++verdicts[r->verdict];
  }
  std::printf("snapshot %s: %zu pods, %zu nodes, %zu services, %zu node bundles\n", argv[1], c.pods.size(),
              c.nodes.size(), c.services.size(), c.bundles.size());
  std::printf("load %.0f ms, tracer preparation (node facts + every check) %.0f ms\n", load_ms, prep_ms);
  std::printf("%-26s %7s %9s %9s %9s\n", "kind", "traces", "p50 ms", "p95 ms", "p99 ms");
  for (const auto& [k, v] : by_kind)
    std::printf("%-26s %7zu %9.4f %9.4f %9.4f\n", k.c_str(), v.size(), pct(v, 0.5), pct(v, 0.95), pct(v, 0.99));
  std::printf("%-26s %7zu %9.4f %9.4f %9.4f   (target p95 <= 1 ms: %s)\n", "all", all.size(), pct(all, 0.5),
              pct(all, 0.95), pct(all, 0.99), pct(all, 0.95) <= 1.0 ? "met" : "NOT met");
  std::printf("verdicts:");
  for (const auto& [v, k] : verdicts) std::printf(" %s %d", v.c_str(), k);
  std::printf("; errors %d\n", errors);
  return 0;
}
