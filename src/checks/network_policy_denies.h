#pragma once
#include "engine/check.h"

namespace nd::checks {
// network-policy-denies: see docs/runbooks/network-policy-denies.md
void run_network_policy_denies(Context& ctx);
}  // namespace nd::checks
