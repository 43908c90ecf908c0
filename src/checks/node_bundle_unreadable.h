#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-bundle-unreadable: see docs/runbooks/node-bundle-unreadable.md
void run_node_bundle_unreadable(Context& ctx);
}  // namespace nd::checks
