// Runs a command without a shell and captures its output, with a time and size limit. The only
// place in the collector that starts processes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace nd::collect {

struct ExecResult {
  bool started = false;  // false: not found or fork/exec failed (see error)
  int exit_code = -1;    // valid when exited
  bool exited = false;   // false when killed by a signal (or by our timeout)
  bool timed_out = false;
  bool truncated = false;  // stdout reached max_output and the command was stopped
  std::string out, err;
  std::string error;  // why it did not run or did not finish, for the manifest
  bool ok() const { return started && exited && exit_code == 0 && !timed_out && !truncated; }
  std::string describe() const;  // "exit 1: <first stderr line>", "timed out after 10 s", ...
};

struct ExecOptions {
  std::chrono::milliseconds timeout{10000};
  size_t max_output = 64u << 20;  // 64 MiB: a huge iptables-save still fits
};

// argv[0] is looked up in PATH and then in the usual sbin/bin folders (collectors often run with
// a PATH that lacks /usr/sbin). The child gets stdin from /dev/null and LC_ALL=C.
ExecResult run_command(const std::vector<std::string>& argv, const ExecOptions& opts = {});

// The full path of an executable, or "" when none is found.
std::string find_executable(const std::string& name);

}  // namespace nd::collect
