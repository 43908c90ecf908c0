#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-cidr-overlaps-node-network: see docs/runbooks/pod-cidr-overlaps-node-network.md
void run_pod_cidr_overlaps_node_network(Context& ctx);
}  // namespace nd::checks
