// Reading a snapshot (DESIGN.md "Snapshot format") into the cluster model.
#pragma once

#include <string>

#include "core/model.h"
#include "core/result.h"

namespace nd {

struct LoadOptions {
  bool keep_going = false;  // a malformed file becomes a warning instead of an error
};

// path: a snapshot directory, a single JSON/YAML file, or "-" for standard input.
Result<Cluster> load_snapshot(const std::string& path, const LoadOptions& opts = {});

}  // namespace nd
