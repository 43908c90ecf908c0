#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-mtu-mismatch: see docs/runbooks/node-mtu-mismatch.md
void run_node_mtu_mismatch(Context& ctx);
}  // namespace nd::checks
