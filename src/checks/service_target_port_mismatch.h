#pragma once
#include "engine/check.h"

namespace nd::checks {
// service-target-port-mismatch: see docs/runbooks/service-target-port-mismatch.md
void run_service_target_port_mismatch(Context& ctx);
}  // namespace nd::checks
