#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-service-rules-missing: see docs/runbooks/node-service-rules-missing.md
void run_node_service_rules_missing(Context& ctx);
}  // namespace nd::checks
