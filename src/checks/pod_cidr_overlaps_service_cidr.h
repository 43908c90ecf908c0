#pragma once
#include "engine/check.h"

namespace nd::checks {
// pod-cidr-overlaps-service-cidr: see docs/runbooks/pod-cidr-overlaps-service-cidr.md
void run_pod_cidr_overlaps_service_cidr(Context& ctx);
}  // namespace nd::checks
