#pragma once
#include "engine/check.h"

namespace nd::checks {
// cni-policy-not-enforced: see docs/runbooks/cni-policy-not-enforced.md
void run_cni_policy_not_enforced(Context& ctx);
}  // namespace nd::checks
