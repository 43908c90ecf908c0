// Reads /proc/sys into the text `sysctl -a` prints ("key = value" lines), for the subtrees the
// checks need. /proc/sys/net shows the network namespace of the reading process, so the result is
// that of the namespace the collector runs in.
#pragma once

#include <string>
#include <vector>

namespace nd::collect {

// What is read: every key under these subtrees of /proc/sys, plus these single keys.
struct SysctlScope {
  std::vector<std::string> trees;  // "net"
  std::vector<std::string> keys;   // "kernel/hostname"
};
const SysctlScope& default_sysctl_scope();  // net/ whole, kernel hostname and osrelease

struct SysctlText {
  std::string text;  // sorted by key, one "key = value" per line
  size_t keys = 0;
  std::vector<std::string> unreadable;  // "net.ipv6.conf.all.stable_secret: Input/output error"
};

SysctlText read_proc_sys(const std::string& proc_sys, const SysctlScope& scope = default_sysctl_scope());

}  // namespace nd::collect
