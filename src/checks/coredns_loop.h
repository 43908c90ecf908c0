#pragma once
#include "engine/check.h"

namespace nd::checks {
// coredns-loop: see docs/runbooks/coredns-loop.md
void run_coredns_loop(Context& ctx);
}  // namespace nd::checks
