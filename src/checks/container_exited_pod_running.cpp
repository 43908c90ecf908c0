// container-exited-pod-running (P6.1): a regular container has terminated while the pod still shows
// Running. Init containers that completed, native sidecars and ephemeral debug containers are normal.
#include "checks/container_exited_pod_running.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_container_exited_pod_running(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    if (p.phase != "Running") continue;
    for (const auto& s : all_statuses(p)) {
      if (s.role != ContainerRole::Regular) continue;
      const ContainerStatus& cs = *s.status;
      if (cs.state.kind != ContainerState::Kind::Terminated) continue;
      if (cs.state.reason == "OOMKilled") continue;  // container-oomkilled says it better
      Finding& f = ctx.report("container-exited-pod-running", subject_of("Pod", p.meta));
      f.node = p.node_name;
      int code = cs.state.exit_code.value_or(-1);
      f.summary = fmt::format(
          "Container {} of pod {}/{} has exited ({}, {}) but the pod still shows Running because another container "
          "runs. Whatever {} served (a port, a proxy, a sidecar's job) is gone{}.",
          cs.name, p.meta.ns, p.meta.name, cs.state.reason.empty() ? "no reason" : cs.state.reason,
          code >= 0 ? exit_code_meaning(code) : "no exit code", cs.name,
          p.restart_policy == "Always" || p.restart_policy.empty() ? " until the kubelet restarts it"
                                                                  : fmt::format(" for good: restartPolicy is {}",
                                                                                p.restart_policy));
      f.evidence.push_back({at(p.meta, ".status.phase"), "phase: " + p.phase});
      f.evidence.push_back({at(p.meta, s.path + ".state.terminated"),
                            fmt::format("reason: {}, exitCode: {}{}", cs.state.reason.empty() ? "-" : cs.state.reason,
                                        code, cs.state.finished_at.empty() ? "" : ", finishedAt: " + cs.state.finished_at)});
      if (!p.restart_policy.empty())
        f.evidence.push_back({at(p.meta, ".spec.restartPolicy"), "restartPolicy: " + p.restart_policy});
      for (auto& l : log_tail(ctx.cluster, p, cs.name, 2)) f.evidence.push_back(std::move(l));
      const std::string ns = kubectl_ns(p.meta.ns);
      f.fix = {fmt::format("Read its last output: kubectl logs {} {} -c {}", p.meta.name, ns, cs.name),
               "If it is meant to run to completion (a migration, a setup step), make it an init container or a Job; "
               "if it is meant to keep running, find why its process returns (P6.1).",
               fmt::format("To bring it back now: kubectl delete pod {} {} (its controller recreates it).", p.meta.name, ns)};
    }
  }
}

}  // namespace nd::checks
