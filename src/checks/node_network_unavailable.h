#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-network-unavailable: see docs/runbooks/node-network-unavailable.md
void run_node_network_unavailable(Context& ctx);
}  // namespace nd::checks
