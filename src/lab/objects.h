// The lab's Kubernetes objects as the API server would return them (`kubectl get -o json` Lists):
// Nodes, Namespaces, Pods (the lab's pods plus the flannel and kube-proxy DaemonSet pods, which run
// on the host network), Services, EndpointSlices, ConfigMaps (coredns, kube-flannel-cfg,
// kube-proxy), DaemonSets, Deployments, ReplicaSets. Pure: what is observed about running
// processes comes in as `Observed`.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/plan.h"

namespace nd::lab {

struct Observed {
  std::map<std::string, bool> serving;  // pod name -> its server process runs
  std::string kernel = "unknown";       // uname -r, for nodeInfo
  std::string now;                      // RFC 3339
};

// File name ("pods.json") -> List object, in a stable order.
std::vector<std::pair<std::string, nlohmann::json>> cluster_objects(const State& s, const Observed& o);

// Names of the host-network DaemonSet pods on node n.
std::string flannel_pod_name(const State& s, const NodeState& n);
std::string kube_proxy_pod_name(const State& s, const NodeState& n);

}  // namespace nd::lab
