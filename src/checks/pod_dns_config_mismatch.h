#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-dns-config-mismatch: see docs/runbooks/pod-dns-config-mismatch.md
void run_pod_dns_config_mismatch(Context& ctx);
}  // namespace nd::checks
