// container-killed (P6.2): exit code 137 (SIGKILL) without reason OOMKilled. Possibly an OOM kill the
// runtime did not attribute, or the kubelet killing a container that failed its liveness probe.
#include "checks/container_killed.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_container_killed(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    for (const auto& s : all_statuses(p)) {
      const ContainerStatus& cs = *s.status;
      // The current state (a container that is not restarted) or the last one (restarted since).
      bool now = cs.state.kind == ContainerState::Kind::Terminated;
      const ContainerState& t = now ? cs.state : cs.last;
      if (t.kind != ContainerState::Kind::Terminated || !t.exit_code || *t.exit_code != 137) continue;
      if (t.reason == "OOMKilled") continue;
      Finding& f = ctx.report("container-killed", subject_of("Pod", p.meta));
      f.node = p.node_name;
      f.summary = fmt::format(
          "Container {} of pod {}/{} ended with exit code 137 (SIGKILL) and reason {}. That is not recorded as "
          "an OOM kill; it may still be one (a child process killed, or a node-level OOM), or the kubelet killed it "
          "after a failed liveness probe.",
          cs.name, p.meta.ns, p.meta.name, t.reason.empty() ? "(none)" : t.reason);
      f.evidence.push_back({at(p.meta, s.path + (now ? ".state.terminated" : ".lastState.terminated")),
                            fmt::format("reason: {}, exitCode: 137", t.reason.empty() ? "-" : t.reason)});
      f.evidence.push_back({at(p.meta, s.path + ".restartCount"), fmt::format("restartCount: {}", cs.restart_count)});
      for (const Event* e : ctx.cluster.events_for("Pod", p.meta.ns, p.meta.name))
        if (e->reason == "Unhealthy" || e->reason == "Killing") f.evidence.push_back(event_evidence(*e));
      f.fix = {fmt::format("kubectl describe pod {} {}: look for 'Liveness probe failed' / Killing events.",
                           p.meta.name, kubectl_ns(p.meta.ns)),
               "On the node, look for the kernel's OOM messages: journalctl -k | grep -i 'killed process'."};
    }
  }
}

}  // namespace nd::checks
