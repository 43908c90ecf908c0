// Every check, in the order it runs. Order matters only for reading: root causes of the network
// (CNI, nodes) come before the symptoms they explain (pods, Services). Metadata is in catalog.cpp.
#include "checks/cni_not_detected.h"
#include "checks/cni_pod_unhealthy.h"
#include "checks/cni_policy_not_enforced.h"
#include "checks/container_crashloop.h"
#include "checks/container_exited_pod_running.h"
#include "checks/container_killed.h"
#include "checks/container_oomkilled.h"
#include "checks/node_network_unavailable.h"
#include "checks/pod_pending.h"
#include "checks/pod_sandbox_network_failed.h"
#include "checks/service_no_endpoints.h"
#include "checks/service_target_port_mismatch.h"
#include "engine/check.h"

namespace nd {

const std::vector<Check>& all_checks() {
  using namespace checks;
  static const std::vector<Check> list = {
      // CNI and nodes
      {"cni-not-detected", run_cni_not_detected},
      {"cni-pod-unhealthy", run_cni_pod_unhealthy},
      {"node-network-unavailable", run_node_network_unavailable},
      {"cni-policy-not-enforced", run_cni_policy_not_enforced},
      // Pods
      {"pod-sandbox-network-failed", run_pod_sandbox_network_failed},
      {"pod-pending", run_pod_pending},
      {"container-crashloop", run_container_crashloop},
      {"container-oomkilled", run_container_oomkilled},
      {"container-killed", run_container_killed},
      {"container-exited-pod-running", run_container_exited_pod_running},
      // Services
      {"service-no-endpoints", run_service_no_endpoints},
      {"service-target-port-mismatch", run_service_target_port_mismatch},
  };
  return list;
}

}  // namespace nd
