#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-pending: see docs/runbooks/pod-pending.md
void run_pod_pending(Context& ctx);
}  // namespace nd::checks
