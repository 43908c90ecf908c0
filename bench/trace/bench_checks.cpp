// CPU time of each diagnose check on one snapshot, in registry order and in one Context as diagnose
// runs them, so the work shared through ctx.cached (node facts, peer routes, Service rules) is timed
// on its own first and each check's figure is its own work. Names the slow check when the Tracer's
// preparation (which runs every check) or `netdoctor diagnose` is slow on a large snapshot.
//
//   bench_checks SNAPSHOT [TOP]     (prints the TOP slowest, default 12)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "checks/node_facts.h"
#include "checks/node_routes.h"
#include "checks/service_rules.h"
#include "core/cni.h"
#include "core/snapshot.h"
#include "engine/check.h"

namespace {

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_checks SNAPSHOT [TOP]\n");
    return 2;
  }
  size_t top = argc > 2 ? static_cast<size_t>(std::atoi(argv[2])) : 12;
  double t = cpu_ms();
  auto cluster = nd::load_snapshot(argv[1]);
  if (!cluster.ok()) {
    std::fprintf(stderr, "bench_checks: %s\n", cluster.error().message.c_str());
    return 2;
  }
  double load = cpu_ms() - t;
  nd::CniInfo cni = nd::detect_cni(*cluster);
  nd::Context ctx(*cluster, cni);
  std::vector<std::pair<double, std::string>> times;
  auto timed = [&](const std::string& name, auto&& fn) {
    double s = cpu_ms();
    fn();
    times.emplace_back(cpu_ms() - s, name);
  };
  timed("(shared) node facts: parse every bundle", [&] { nd::checks::cluster_net(ctx); });
  timed("(shared) peer routes: judge every node pair", [&] { nd::checks::peer_routes(ctx); });
  timed("(shared) Service rules: kube-proxy vs Services", [&] { nd::checks::service_port_rules(ctx); });
  for (const auto& check : nd::all_checks()) timed(std::string(check.id), [&] { check.run(ctx); });
  double total = 0;
  for (const auto& [ms, name] : times) total += ms;
  std::printf("load %.0f ms CPU; checks %.0f ms CPU in all (%zu findings, %zu nodes, %zu bundles)\n", load, total,
              ctx.findings().size(), cluster->nodes.size(), cluster->bundles.size());
  std::sort(times.begin(), times.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < times.size() && i < top; ++i)
    std::printf("  %10.1f ms  %s\n", times[i].first, times[i].second.c_str());
  // What was found, so a run on a cluster meant to be healthy shows that it is (node-* findings
  // would say a generated bundle disagrees with the model).
  std::map<std::string, int> by_id;
  for (const auto& f : ctx.findings()) ++by_id[f.id + " (" + std::string(nd::to_string(f.severity)) + ")"];
  std::printf("findings:");
  for (const auto& [id, n] : by_id) std::printf(" %s %d;", id.c_str(), n);
  std::printf("\n");
  return 0;
}
