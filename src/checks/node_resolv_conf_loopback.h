#pragma once
#include "engine/check.h"

namespace nd::checks {
// node-resolv-conf-loopback: see docs/runbooks/node-resolv-conf-loopback.md
void run_node_resolv_conf_loopback(Context& ctx);
}  // namespace nd::checks
