#pragma once
#include "engine/check.h"

namespace nd::checks {
// container-oomkilled: see docs/runbooks/container-oomkilled.md
void run_container_oomkilled(Context& ctx);
}  // namespace nd::checks
