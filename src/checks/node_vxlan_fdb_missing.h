#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-vxlan-fdb-missing: see docs/runbooks/node-vxlan-fdb-missing.md
void run_node_vxlan_fdb_missing(Context& ctx);
}  // namespace nd::checks
