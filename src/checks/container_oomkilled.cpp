// container-oomkilled (P6.2): the kernel OOM killer ended a container; the kubelet restarted it and the
// pod stays Running, so only lastState and restartCount tell. Decided by reason OOMKilled only: exit
// code 137 alone is container-killed.
#include "checks/container_oomkilled.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_container_oomkilled(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    for (const auto& s : all_statuses(p)) {
      const ContainerStatus& cs = *s.status;
      bool now = cs.state.kind == ContainerState::Kind::Terminated && cs.state.reason == "OOMKilled";
      bool last = cs.last.kind == ContainerState::Kind::Terminated && cs.last.reason == "OOMKilled";
      if (!now && !last) continue;
      const ContainerState& t = now ? cs.state : cs.last;
      Finding& f = ctx.report("container-oomkilled", subject_of("Pod", p.meta));
      f.node = p.node_name;
      std::string limit = s.spec && !s.spec->memory_limit.empty() ? s.spec->memory_limit : "";
      f.summary = fmt::format(
          "Container {} of pod {}/{} was killed for using more memory than it may{} and restarted {} time{}; the "
          "pod still shows {}. Requests in flight when it died failed, and clients saw resets or timeouts.",
          cs.name, p.meta.ns, p.meta.name, limit.empty() ? "" : " (limit " + limit + ")", cs.restart_count,
          cs.restart_count == 1 ? "" : "s", p.phase.empty() ? "its phase" : p.phase);
      f.evidence.push_back({at(p.meta, s.path + (now ? ".state.terminated" : ".lastState.terminated")),
                            fmt::format("reason: OOMKilled, exitCode: {}{}", t.exit_code ? *t.exit_code : -1,
                                        t.finished_at.empty() ? "" : ", finishedAt: " + t.finished_at)});
      f.evidence.push_back({at(p.meta, s.path + ".restartCount"), fmt::format("restartCount: {}", cs.restart_count)});
      if (!limit.empty())
        f.evidence.push_back({at(p.meta, fmt::format(".spec.containers[{}].resources.limits.memory", cs.name)),
                              "memory limit: " + limit});
      if (t.exit_code && *t.exit_code == 0)
        f.evidence.push_back({at(p.meta, s.path), "exit code 0 with reason OOMKilled: the OOM killer hit a child "
                                                  "process; the container's main process then exited cleanly"});
      const std::string ns = kubectl_ns(p.meta.ns);
      f.fix = {
          fmt::format("See what it did before dying: kubectl logs {} {} -c {} --previous", p.meta.name, ns, cs.name),
          fmt::format("Compare real usage with the limit: kubectl top pod {} {} --containers", p.meta.name, ns),
          "If usage grows until the kill, look for a leak (P6.2); if the working set is simply larger, raise "
          "resources.limits.memory (and requests) in the workload's spec.",
          "For JVM/Go/Node apps, make the runtime's heap limit fit inside the container limit.",
      };
    }
  }
}

}  // namespace nd::checks
