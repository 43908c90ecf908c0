#pragma once
#include "engine/check.h"

namespace nd::checks {
// dns-short-name-cross-namespace: see docs/runbooks/dns-short-name-cross-namespace.md
void run_dns_short_name_cross_namespace(Context& ctx);
}  // namespace nd::checks
