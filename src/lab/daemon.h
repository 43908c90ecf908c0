// Starting the lab's long-lived processes (the pods' servers) inside a namespace: a double fork so
// they outlive the command that started them and are reaped by init, stdio to a log file, and a
// readiness report back to the starter so that a failure (port in use, netns gone) is an error now
// rather than a mystery later.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"

namespace nd::lab {

// Runs fn(ready_fd) as a daemon in netns. fn must write "ok\n" to ready_fd once it serves (or a
// one-line error, then return). Returns the daemon's pid.
Result<int> spawn_daemon(const std::string& netns, const std::string& log_path,
                         const std::function<int(int ready_fd)>& fn, int timeout_ms = 5000);

}  // namespace nd::lab
