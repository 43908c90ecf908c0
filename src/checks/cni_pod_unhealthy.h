#pragma once
#include "engine/check.h"

namespace nd::checks {
// cni-pod-unhealthy: see docs/runbooks/cni-pod-unhealthy.md
void run_cni_pod_unhealthy(Context& ctx);
}  // namespace nd::checks
