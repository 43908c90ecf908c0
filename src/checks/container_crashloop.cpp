// container-crashloop (P6, P7): a container in CrashLoopBackOff, with its last exit and the log lines
// that explain it.
#include "checks/container_crashloop.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_container_crashloop(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    for (const auto& s : all_statuses(p)) {
      const ContainerStatus& cs = *s.status;
      if (cs.state.kind != ContainerState::Kind::Waiting || cs.state.reason != "CrashLoopBackOff") continue;
      const ContainerState& last = cs.last;
      Finding& f = ctx.report("container-crashloop", subject_of("Pod", p.meta));
      f.node = p.node_name;
      std::string why;
      if (last.kind == ContainerState::Kind::Terminated) {
        if (last.reason == "OOMKilled") why = "it is killed for exceeding its memory limit (OOMKilled)";
        else if (last.exit_code) why = "its last run ended with " + exit_code_meaning(*last.exit_code);
        if (last.reason == "Completed" && p.restart_policy == "Always")
          why = "its process exits normally but the pod's restartPolicy is Always, so the kubelet restarts it "
                "again and again (a job-like container in a Deployment/DaemonSet)";
      }
      std::string role = s.role == ContainerRole::Init ? (is_sidecar(s) ? "sidecar container " : "init container ")
                                                        : "container ";
      f.summary = fmt::format("The {}{} of pod {}/{} keeps crashing and the kubelet is backing off before each "
                              "restart ({} restarts){}.{}",
                              role, cs.name, p.meta.ns, p.meta.name, cs.restart_count, why.empty() ? "" : ": " + why,
                              s.role == ContainerRole::Init && !is_sidecar(s)
                                  ? " The pod's other containers cannot start until it succeeds."
                                  : " While it is down the pod is not Ready and gets no Service traffic.");
      f.evidence.push_back({at(p.meta, s.path + ".state.waiting"),
                            fmt::format("waiting: CrashLoopBackOff{}", cs.state.message.empty() ? "" : " — " + cs.state.message)});
      if (last.kind == ContainerState::Kind::Terminated)
        f.evidence.push_back({at(p.meta, s.path + ".lastState.terminated"),
                              fmt::format("reason: {}, exitCode: {}{}", last.reason.empty() ? "-" : last.reason,
                                          last.exit_code ? std::to_string(*last.exit_code) : "-",
                                          last.message.empty() ? "" : ", message: " + last.message)});
      f.evidence.push_back({at(p.meta, s.path + ".restartCount"), fmt::format("restartCount: {}", cs.restart_count)});
      for (const Event* e : ctx.cluster.events_for("Pod", p.meta.ns, p.meta.name))
        if (e->reason == "BackOff" && e->message.find(cs.name) != std::string::npos) {
          f.evidence.push_back(event_evidence(*e));
          break;
        }
      auto lines = log_error_lines(ctx.cluster, p, cs.name, 4);
      if (lines.empty()) lines = log_tail(ctx.cluster, p, cs.name, 3);
      for (auto& l : lines) f.evidence.push_back(std::move(l));
      const std::string ns = kubectl_ns(p.meta.ns);
      f.fix = {fmt::format("Read the crashed run's output: kubectl logs {} {} -c {} --previous", p.meta.name, ns,
                           cs.name),
               fmt::format("kubectl describe pod {} {}: check the command, args, env, mounted config and probes.",
                           p.meta.name, ns)};
      if (last.exit_code && *last.exit_code == 127)
        f.fix.push_back("Exit 127: the command is not in the image; fix the image or the container's command.");
      if (last.reason == "OOMKilled")
        f.fix.push_back("Raise the memory limit or fix the leak (see container-oomkilled, P6.2).");
      if (p.meta.name.rfind("coredns", 0) == 0)
        f.fix.push_back("For CoreDNS, a log line 'Loop (127.0.0.1:N -> :53) detected' means it forwards to itself: "
                        "see the coredns-loop check (P7).");
      std::string owner = controller_of(ctx.cluster, p);
      if (!owner.empty() && owner.rfind("job/", 0) != 0 && owner.rfind("replicaset/", 0) != 0)
        f.fix.push_back(fmt::format("Fix the cause, then roll the workload so every pod picks it up: kubectl rollout "
                                    "restart {} {}", owner, ns));
      else
        f.fix.push_back(fmt::format("Fix the cause; the kubelet keeps retrying, or recreate it: kubectl delete pod {} {}",
                                    p.meta.name, ns));
    }
  }
}

}  // namespace nd::checks
