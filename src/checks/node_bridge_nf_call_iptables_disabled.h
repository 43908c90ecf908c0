#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-bridge-nf-call-iptables-disabled: see docs/runbooks/node-bridge-nf-call-iptables-disabled.md
void run_node_bridge_nf_call_iptables_disabled(Context& ctx);
}  // namespace nd::checks
