// Runs the registered checks over a model and filters/sorts their findings.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/cni.h"
#include "core/model.h"
#include "engine/finding.h"

namespace nd {

struct RunOptions {
  std::set<std::string> only, skip;  // check ids
  std::string ns;                    // -n: keep namespaced findings of this namespace only
};

struct RunResult {
  std::vector<Finding> findings;  // sorted: severity desc, then id, subject
  std::vector<std::string> unknown_ids;  // ids in only/skip that no check has
};

RunResult run_checks(const Cluster& cluster, const CniInfo& cni, const RunOptions& opts = {});

}  // namespace nd
