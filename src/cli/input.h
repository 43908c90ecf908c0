// What diagnose and trace read: SNAPSHOT as given or, without one, the live cluster of the current
// context (snapshot_or_live in cmd_live.h). A build without the live area gets the same names, and a
// missing SNAPSHOT is then an error.
#pragma once

#ifdef ND_HAVE_LIVE
#include "cli/cmd_live.h"
#else
#include <string>

#include "core/result.h"

namespace nd::cli {

struct LiveFlags {};

struct SnapshotInput {
  std::string path, label;
};

inline Result<SnapshotInput> snapshot_or_live(const std::string& snapshot, const LiveFlags&, bool) {
  if (snapshot.empty()) return Error{"give a SNAPSHOT (this build cannot read a live cluster)"};
  return SnapshotInput{snapshot, {}};
}

}  // namespace nd::cli
#endif
