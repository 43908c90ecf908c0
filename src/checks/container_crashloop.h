#pragma once
#include "engine/check.h"

namespace nd::checks {
// container-crashloop: see docs/runbooks/container-crashloop.md
void run_container_crashloop(Context& ctx);
}  // namespace nd::checks
