#pragma once
#include "engine/check.h"

namespace nd::checks {
// container-exited-pod-running: see docs/runbooks/container-exited-pod-running.md
void run_container_exited_pod_running(Context& ctx);
}  // namespace nd::checks
