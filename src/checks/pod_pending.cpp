// pod-pending (P5): a pod stuck in Pending, with the reason the scheduler or kubelet gives.
#include "checks/pod_pending.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {
namespace {

bool is_image_reason(std::string_view r) {
  return r == "ImagePullBackOff" || r == "ErrImagePull" || r == "InvalidImageName" || r == "ErrImageNeverPull" ||
         r == "RegistryUnavailable";
}

}  // namespace

void run_pod_pending(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    if (p.phase != "Pending") continue;
    std::vector<Evidence> ev;
    ev.push_back({at(p.meta, ".status.phase"), "phase: Pending"});
    std::string cause, summary;
    std::vector<std::string> fix;

    const Condition* sched = p.condition("PodScheduled");
    bool unschedulable = sched && sched->status == "False";
    if (unschedulable) {
      ev.push_back({at(p.meta, ".status.conditions[PodScheduled]"), quote_condition(*sched)});
      cause = "unschedulable";
    } else if (p.node_name.empty() && !sched) {
      cause = "not-scheduled";
    }
    std::string image_msg, waiting_reason;
    for (const auto& s : all_statuses(p)) {
      if (s.status->state.kind != ContainerState::Kind::Waiting) continue;
      const auto& w = s.status->state;
      ev.push_back({at(p.meta, s.path + ".state.waiting"),
                    fmt::format("container {} waiting: {}{}", s.status->name, w.reason,
                                w.message.empty() ? "" : " — " + w.message)});
      if (is_image_reason(w.reason) && cause.empty()) {
        cause = "image";
        image_msg = w.message;
      }
      if (waiting_reason.empty()) waiting_reason = w.reason;
    }
    bool sandbox_failed = false;
    size_t quoted = 0;
    for (const Event* e : ctx.cluster.events_for("Pod", p.meta.ns, p.meta.name)) {
      if (e->type != "Warning" && e->reason != "FailedScheduling") continue;
      if (quoted++ < 3) ev.push_back(event_evidence(*e));
      if (e->reason == "FailedScheduling" && cause.empty()) cause = "unschedulable";
      if (e->reason == "FailedCreatePodSandBox") sandbox_failed = true;
      if ((e->reason == "Failed" || e->reason == "ErrImagePull") && e->message.find("pull") != std::string::npos &&
          cause.empty())
        cause = "image";
      if (e->reason == "FailedMount" && cause.empty()) cause = "volume";
    }
    if (sandbox_failed && cause.empty()) cause = "sandbox";
    if (cause.empty() && waiting_reason == "ContainerCreating") cause = "creating";
    if (cause.empty() && (waiting_reason == "CreateContainerConfigError" || waiting_reason == "CreateContainerError"))
      cause = "config";

    const std::string ns = kubectl_ns(p.meta.ns);
    if (cause == "unschedulable" || cause == "not-scheduled") {
      summary = fmt::format("Pod {}/{} is Pending because the scheduler cannot place it on any node{}. Until it is "
                            "scheduled it has no IP and receives no traffic.",
                            p.meta.ns, p.meta.name, sched && !sched->message.empty() ? " (" + sched->message + ")" : "");
      fix = {fmt::format("Read why: kubectl describe pod {} {} (the FailedScheduling event lists each node's reason).",
                         p.meta.name, ns),
             "Insufficient cpu/memory: lower the pod's requests or add nodes; taints: add a toleration or untaint; "
             "node selector/affinity: fix the labels it asks for.",
             "Check nodes are Ready and schedulable: kubectl get nodes -o wide."};
    } else if (cause == "image") {
      summary = fmt::format("Pod {}/{} is Pending because its image cannot be pulled{}.", p.meta.ns, p.meta.name,
                            image_msg.empty() ? "" : " (" + image_msg + ")");
      fix = {"Check the image name and tag exist in the registry (typos, deleted tags).",
             "For a private registry, check imagePullSecrets and the node's access to the registry.",
             fmt::format("Watch the pull: kubectl describe pod {} {} and the node's kubelet logs.", p.meta.name, ns)};
    } else if (cause == "sandbox") {
      summary = fmt::format("Pod {}/{} is Pending because its sandbox (network namespace) cannot be created: the "
                            "CNI plugin fails on node {} (see pod-sandbox-network-failed).",
                            p.meta.ns, p.meta.name, p.node_name.empty() ? "?" : p.node_name);
      fix = {"Fix the CNI on that node first (see the pod-sandbox-network-failed finding), then the pod starts by itself.",
             fmt::format("kubectl get pods -A -o wide --field-selector spec.nodeName={}", p.node_name)};
    } else if (cause == "volume") {
      summary = fmt::format("Pod {}/{} is Pending because a volume cannot be mounted.", p.meta.ns, p.meta.name);
      fix = {fmt::format("kubectl describe pod {} {}: read the FailedMount event and fix the volume, Secret or "
                         "ConfigMap it names.", p.meta.name, ns)};
    } else if (cause == "config") {
      summary = fmt::format("Pod {}/{} is Pending because a container cannot be created from its configuration "
                            "(a missing ConfigMap/Secret key, a bad command).", p.meta.ns, p.meta.name);
      fix = {fmt::format("kubectl describe pod {} {}: the container's waiting message names what is missing.",
                         p.meta.name, ns)};
    } else {
      summary = fmt::format("Pod {}/{} is Pending{}.", p.meta.ns, p.meta.name,
                            waiting_reason.empty() ? "" : " (containers waiting: " + waiting_reason + ")");
      fix = {fmt::format("kubectl describe pod {} {} and read its events from the bottom up.", p.meta.name, ns)};
    }
    Finding& f = ctx.report("pod-pending", subject_of("Pod", p.meta));
    f.node = p.node_name;
    f.summary = summary;
    f.evidence = std::move(ev);
    f.fix = std::move(fix);
  }
}

}  // namespace nd::checks
