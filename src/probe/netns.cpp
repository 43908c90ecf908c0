#include "probe/netns.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nd::probe {
namespace {

Result<bool> setns_path(const std::string& path, const std::string& what) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return Error{fmt::format("no network namespace {} ({} does not exist; `ip netns list` shows them)", what, path)};
    return Error{fmt::format("open {}: {}", path, std::strerror(e))};
  }
  int rc = setns(fd, CLONE_NEWNET);
  int e = errno;
  close(fd);
  if (rc != 0)
    return Error{fmt::format("entering network namespace {}: {}{}", what, std::strerror(e),
                             e == EPERM ? " (needs root or CAP_SYS_ADMIN)" : "")};
  return true;
}

}  // namespace

Result<bool> enter_netns(const std::string& name) {
  if (name.empty()) return true;
  if (name.find('/') != std::string::npos || name == "." || name == "..")
    return Error{fmt::format("'{}' is not a namespace name (a name under /run/netns)", name)};
  return setns_path("/run/netns/" + name, name);
}

NetnsSwitch::NetnsSwitch() { home_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC); }

NetnsSwitch::~NetnsSwitch() {
  if (!current_.empty() && home_fd_ >= 0) setns(home_fd_, CLONE_NEWNET);
  if (home_fd_ >= 0) close(home_fd_);
}

Result<bool> NetnsSwitch::go(const std::string& name) {
  if (name == current_) return true;
  if (name.empty()) {
    if (home_fd_ < 0 || setns(home_fd_, CLONE_NEWNET) != 0)
      return Error{fmt::format("returning to the original network namespace: {}", std::strerror(errno))};
    current_.clear();
    return true;
  }
  if (home_fd_ < 0) return Error{"cannot open /proc/thread-self/ns/net to come back after probing"};
  auto r = enter_netns(name);
  if (!r) return r;
  current_ = name;
  return true;
}

}  // namespace nd::probe
