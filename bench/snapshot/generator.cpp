// generate_snapshot: plan the cluster from the seed, then write it (plan.cpp, objects.cpp).
#include "generator.h"

#include "plan.h"

namespace ndbench {

std::string generate_snapshot(const GenOptions& opts, GenStats& stats) {
  if (opts.out.empty()) return "no output directory given";
  detail::Plan plan;
  plan.opts = opts;
  detail::Rng rng{opts.seed};
  std::string err = detail::build_plan(plan, rng);
  if (!err.empty()) return err;
  stats = GenStats{};
  err = detail::write_snapshot(plan, rng, stats);
  if (!err.empty()) return err;
  if (opts.node_bundles) {
    err = detail::write_node_bundles(plan, stats);
    if (!err.empty()) return err;
  }
  stats.nodes = plan.nodes.size();
  stats.pods = plan.pods.size();
  stats.services = plan.services.size();
  stats.endpoints = stats.endpoint_slices = plan.services.size();
  stats.namespaces = plan.namespaces.size();
  for (const auto& w : plan.workloads) {
    if (w.kind == "DaemonSet") ++stats.daemonsets;
    else {
      ++stats.deployments;
      stats.replicasets += w.has_old_rs ? 2 : 1;
    }
  }
  stats.faults = std::move(plan.faults);
  return "";
}

}  // namespace ndbench
