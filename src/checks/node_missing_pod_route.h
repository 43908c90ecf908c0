#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-missing-pod-route: see docs/runbooks/node-missing-pod-route.md
void run_node_missing_pod_route(Context& ctx);
}  // namespace nd::checks
