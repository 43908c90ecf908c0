#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-ip-forward-disabled: see docs/runbooks/node-ip-forward-disabled.md
void run_node_ip_forward_disabled(Context& ctx);
}  // namespace nd::checks
