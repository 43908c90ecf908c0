#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-service-endpoints-stale: see docs/runbooks/node-service-endpoints-stale.md
void run_node_service_endpoints_stale(Context& ctx);
}  // namespace nd::checks
