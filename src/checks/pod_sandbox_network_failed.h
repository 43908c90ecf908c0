#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-sandbox-network-failed: see docs/runbooks/pod-sandbox-network-failed.md
void run_pod_sandbox_network_failed(Context& ctx);
}  // namespace nd::checks
