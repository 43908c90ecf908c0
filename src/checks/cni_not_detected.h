#pragma once
#include "engine/check.h"

namespace nd::checks {
// cni-not-detected: see docs/runbooks/cni-not-detected.md
void run_cni_not_detected(Context& ctx);
}  // namespace nd::checks
