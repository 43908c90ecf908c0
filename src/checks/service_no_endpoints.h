#pragma once
#include "engine/check.h"

namespace nd::checks {
// service-no-endpoints: see docs/runbooks/service-no-endpoints.md
void run_service_no_endpoints(Context& ctx);
}  // namespace nd::checks
