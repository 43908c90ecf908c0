#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-rp-filter-strict: see docs/runbooks/node-rp-filter-strict.md
void run_node_rp_filter_strict(Context& ctx);
}  // namespace nd::checks
