// Entering a network namespace by name (/run/netns/NAME, as `ip netns add` makes them). A network
// namespace belongs to a thread: setns moves only the calling thread, and sockets it creates later
// live there. Threads started afterwards inherit it. So `--netns` is entered before any socket is
// made, and the mesh's workers move themselves per target and back.
#pragma once

#include <string>

#include "core/result.h"

namespace nd::probe {

// Moves the calling thread into /run/netns/NAME. Empty name: stays. Needs CAP_SYS_ADMIN.
Result<bool> enter_netns(const std::string& name);

// Holds the namespace the thread started in, to come back to after probing elsewhere.
class NetnsSwitch {
 public:
  NetnsSwitch();
  ~NetnsSwitch();
  NetnsSwitch(const NetnsSwitch&) = delete;
  NetnsSwitch& operator=(const NetnsSwitch&) = delete;
  // Into NAME ("" = the original namespace); no system call when already there.
  Result<bool> go(const std::string& name);

 private:
  int home_fd_ = -1;
  std::string current_;
};

}  // namespace nd::probe
