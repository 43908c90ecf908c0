#pragma once
#include "engine/check.h"

namespace nd::checks {
// container-killed: see docs/runbooks/container-killed.md
void run_container_killed(Context& ctx);
}  // namespace nd::checks
