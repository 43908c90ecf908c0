// Small helpers the checks share: evidence pointers into objects, log scanning, wording.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "engine/finding.h"

namespace nd::checks {

// "default/pods.json:120 .status.phase"
std::string at(const Meta& m, std::string_view path);

// Which status list a container status is in, for paths and wording.
struct StatusRef {
  const ContainerStatus* status;
  const Container* spec;  // may be null
  ContainerRole role;
  std::string path;  // ".status.initContainerStatuses[istio-init]"
};
std::vector<StatusRef> all_statuses(const Pod& p);

// A native sidecar: an init container with restartPolicy Always (Kubernetes 1.28+).
bool is_sidecar(const StatusRef& s);

// Lines of a pod's logs that look like errors (klog E/F lines, [ERROR], level=error, panic, ...),
// newest last; at most `max`. Container empty = every container of the pod.
std::vector<Evidence> log_error_lines(const Cluster& c, const Pod& p, std::string_view container, size_t max,
                                      bool previous_first = true);
// The last `n` lines of a container's (previous, else current) log.
std::vector<Evidence> log_tail(const Cluster& c, const Pod& p, std::string_view container, size_t n);

// Events of a pod as evidence: "Warning BackOff (x12): Back-off restarting failed container".
Evidence event_evidence(const Event& e);

// What an exit code usually means ("SIGKILL (137 = 128 + 9)").
std::string exit_code_meaning(int code);

std::string join(const std::vector<std::string>& v, std::string_view sep);
std::string quote_condition(const Condition& c);
std::string kubectl_ns(const std::string& ns);  // "-n NS"

// The CNI agent pod running on `node`, if the snapshot has one.
const Pod* cni_pod_on_node(const std::vector<const Pod*>& agents, std::string_view node);

bool pod_ready(const Pod& p);

// The workload that owns a pod, as kubectl names it ("deployment/web", "daemonset/calico-node"), or ""
// when the pod has no controller. A ReplicaSet owner is followed to its Deployment (through the
// ReplicaSet object when the snapshot has it, else by the pod-template-hash suffix).
std::string controller_of(const Cluster& c, const Pod& p);

}  // namespace nd::checks
