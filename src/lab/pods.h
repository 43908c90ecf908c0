// A pod's life in the lab, as the kubelet and the container runtime would run it: a sandbox network
// namespace, CNI ADD, the containers' servers; and the reverse.
#pragma once

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

// Creates the pod's namespace (if missing), runs CNI ADD and starts the pod's servers.
Result<bool> start_pod(State& s, PodState& p);
// Stops the servers and runs CNI DEL; keeps the namespace (the sandbox may be re-networked).
Result<bool> stop_pod(const State& s, PodState& p);
// Starts the pod's own server process (not the DNS pod's dnsmasq); a no-op for a pod without one.
Result<bool> start_pod_server(const State& s, PodState& p);
bool pod_server_running(const State& s, const PodState& p);

}  // namespace nd::lab
