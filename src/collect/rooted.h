// Reading files under a root prefix (the real "/" or a fake tree in tests and the lab) without
// ever leaving it: symlinks are resolved by hand, an absolute target meaning ROOT/target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace nd::collect {

struct RootedFile {
  std::string path;      // the path asked for, inside the root ("/etc/resolv.conf")
  std::string resolved;  // after symlinks, inside the root ("/run/systemd/resolve/stub-resolv.conf")
  std::string text;
  std::vector<std::string> links;  // each symlink followed, "LINK -> TARGET"
};

// Resolves `path` (absolute, inside the root) component by component; at most 40 symlinks.
Result<std::string> resolve_in_root(const std::string& root, const std::string& path);

// Reads a regular file of at most max_bytes. Errors carry the reason ("No such file or directory").
Result<RootedFile> read_in_root(const std::string& root, const std::string& path, uint64_t max_bytes = 4u << 20);

// root + path with exactly one '/' between them ("/" + "/etc" = "/etc").
std::string join_root(const std::string& root, const std::string& path);

}  // namespace nd::collect
