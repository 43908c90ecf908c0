// `lab snapshot DIR`: the lab as a snapshot in DESIGN.md's format, so that diagnose and trace can be
// run on it. The Kubernetes objects are written as `kubectl get -o json` List files, with status as
// the API server would show it (derived from what really runs: a pod whose server is down is not
// Ready); each node's bundle is written by the shared collector (nd::collect::collect_node) run
// inside that node's network namespace, with the node's directory as its file-system root.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

struct SnapshotReport {
  std::vector<std::string> files;  // relative to DIR
  std::vector<std::string> notes;  // what the collector skipped, and why
};

Result<SnapshotReport> write_snapshot(const State& s, const std::string& dir);

}  // namespace nd::lab
