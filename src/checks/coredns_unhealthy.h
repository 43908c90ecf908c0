#pragma once
#include "engine/check.h"

namespace nd::checks {
// coredns-unhealthy: see docs/runbooks/coredns-unhealthy.md
void run_coredns_unhealthy(Context& ctx);
}  // namespace nd::checks
