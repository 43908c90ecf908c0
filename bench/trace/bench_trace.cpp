// Trace latency after loading (issue 8: target p95 <= 1 ms per trace). Loads a snapshot (usually one
// written by bench/snapshot's gen_snapshot --node-bundles), builds the Tracer once (that parses every
// node bundle and runs every diagnose check), then traces a fixed, seeded mix of questions and prints
// p50/p95/p99 per kind and overall, with the verdicts, so a figure from walks that stop early shows.
//
//   bench_trace SNAPSHOT [TRACES]     (default 2000 traces)
//
// The mix, in turn: pod -> pod on another node (:8080), pod -> Service (its first port), pod -> an
// outside address, node -> pod on another node, outside -> NodePort. Sources of pod -> Service are
// pods on nodes whose bundle has iptables-save.txt (the rest cannot be walked past the NAT hop); when
// no bundle has one, any pod.
#include <time.h>

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

double cpu_ms(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

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
  double c0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
  auto cluster = nd::load_snapshot(argv[1]);
  if (!cluster.ok()) {
    std::fprintf(stderr, "bench_trace: %s\n", cluster.error().message.c_str());
    return 2;
  }
  double load_ms = ms_since(t0), load_cpu = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
  const nd::Cluster& c = *cluster;
  auto t1 = Clock::now();
  double c1 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
  nd::trace::Tracer tracer(c);
  double prep_ms = ms_since(t1), prep_cpu = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c1;

  std::vector<const nd::Pod*> pods, proxied;
  for (const auto& p : c.pods) {
    if (p.pod_ip.empty() || p.host_network || p.phase != "Running") continue;
    pods.push_back(&p);
    const nd::NodeBundle* b = c.bundle(p.node_name);
    if (b && b->file("iptables-save.txt")) proxied.push_back(&p);
  }
  if (proxied.empty()) proxied = pods;
  std::vector<std::string> services;
  for (const auto& s : c.services)
    if (!s.headless() && s.type != "ExternalName" && !s.ports.empty())
      services.push_back("svc/" + s.meta.ns + "/" + s.meta.name + ":" + std::to_string(s.ports.front().port));
  std::vector<std::string> nodeports;
  for (const auto& s : c.services)
    for (const auto& p : s.ports)
      if (p.node_port) nodeports.push_back(std::to_string(p.node_port));
  if (pods.size() < 2 || c.nodes.size() < 2) {
    std::fprintf(stderr, "bench_trace: the snapshot has fewer than two running pods or nodes\n");
    return 2;
  }
  std::mt19937_64 rng(42);
  auto pick = [&](size_t k) { return static_cast<size_t>(rng() % k); };
  auto ref = [](const nd::Pod* p) { return p->meta.ns + "/" + p->meta.name; };
  auto other = [&](const std::string& node) {  // a pod on another node
    for (;;)
      if (const nd::Pod* p = pods[pick(pods.size())]; p->node_name != node) return p;
  };
  std::map<std::string, std::vector<double>> by_kind;
  std::map<std::string, std::map<std::string, int>> verdicts;
  std::vector<double> all, all_cpu;
  int errors = 0;
  const int kinds = nodeports.empty() ? 4 : 5;
  for (int i = 0; i < n; ++i) {
    std::string from, to;
    switch (i % kinds) {
      case 0: {
        const nd::Pod* a = pods[pick(pods.size())];
        from = ref(a);
        to = ref(other(a->node_name)) + ":8080";
        break;
      }
      case 1:
        from = ref(proxied[pick(proxied.size())]);
        to = services.empty() ? ref(pods[pick(pods.size())]) : services[pick(services.size())];
        break;
      case 2: from = ref(pods[pick(pods.size())]); to = "203.0.113.20:5432"; break;
      case 3: {
        const nd::Node& node = c.nodes[pick(c.nodes.size())];
        from = "node/" + node.meta.name;
        to = ref(other(node.meta.name)) + ":8080";
        break;
      }
      default:
        from = "198.51.100.10";
        to = "node/" + c.nodes[pick(c.nodes.size())].meta.name + ":" + nodeports[pick(nodeports.size())];
    }
    auto t = Clock::now();
    double tc = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    auto r = tracer.trace(from, to);
    double cpu = cpu_ms(CLOCK_THREAD_CPUTIME_ID) - tc;
    double ms = ms_since(t);
    if (!r) {
      if (++errors <= 3) std::fprintf(stderr, "bench_trace: %s -> %s: %s\n", from.c_str(), to.c_str(), r.error().message.c_str());
      continue;
    }
    by_kind[r->kind].push_back(ms);
    all.push_back(ms);
    all_cpu.push_back(cpu);
    ++verdicts[r->kind][r->verdict];
  }
  std::printf("snapshot %s: %zu pods, %zu nodes, %zu services, %zu node bundles (%zu pods on nodes with "
              "kube-proxy rules)\n",
              argv[1], c.pods.size(), c.nodes.size(), c.services.size(), c.bundles.size(),
              proxied.size() == pods.size() ? size_t{0} : proxied.size());
  std::printf("load %.0f ms wall, %.0f ms CPU\n", load_ms, load_cpu);
  std::printf("tracer preparation (node facts + every check) %.0f ms wall, %.0f ms CPU\n", prep_ms, prep_cpu);
  std::printf("%-24s %7s %9s %9s %9s   %s\n", "kind", "traces", "p50 ms", "p95 ms", "p99 ms", "verdicts");
  for (const auto& [k, v] : by_kind) {
    std::string vs;
    for (const auto& [verdict, count] : verdicts[k]) vs += verdict + " " + std::to_string(count) + "  ";
    std::printf("%-24s %7zu %9.4f %9.4f %9.4f   %s\n", k.c_str(), v.size(), pct(v, 0.5), pct(v, 0.95), pct(v, 0.99),
                vs.c_str());
  }
  std::printf("%-24s %7zu %9.4f %9.4f %9.4f   (wall; target p95 <= 1 ms: %s)\n", "all", all.size(), pct(all, 0.5),
              pct(all, 0.95), pct(all, 0.99), pct(all, 0.95) <= 1.0 ? "met" : "NOT met");
  std::printf("%-24s %7zu %9.4f %9.4f %9.4f   (thread CPU time)\n", "all, CPU", all_cpu.size(), pct(all_cpu, 0.5),
              pct(all_cpu, 0.95), pct(all_cpu, 0.99));
  std::printf("errors %d\n", errors);
  return errors ? 1 : 0;
}
