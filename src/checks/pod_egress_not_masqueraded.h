#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-egress-not-masqueraded: see docs/runbooks/pod-egress-not-masqueraded.md
void run_pod_egress_not_masqueraded(Context& ctx);
}  // namespace nd::checks
