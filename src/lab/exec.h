// Running programs for the lab: fork/exec with a deadline, stdin fed, stdout and stderr captured, and
// optionally inside a named network namespace (setns in the child before exec). No shell is involved:
// argv goes to execvp as it is. A second entry point runs a C++ function in a forked child that has
// entered a namespace, which is how probes, servers and the collector reach a pod or node.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace nd::lab {

struct Command {
  std::vector<std::string> argv;
  std::string netns;                 // name under /run/netns; empty = the caller's namespace
  std::string input;                 // written to the child's stdin
  std::vector<std::string> env_add;  // "KEY=VALUE" added to (or replacing in) the environment
  int timeout_ms = 10000;
};

struct Output {
  int status = -1;  // exit code, or 128+signal
  std::string out, err;
};

// Runs the command and waits for it. Errors: it could not start, or it ran past its deadline (then
// its process group is killed). A non-zero exit is not an error here; see run_ok.
Result<Output> run(const Command& cmd);

// As run, but a non-zero exit status is an error whose message names the command and quotes stderr.
Result<std::string> run_ok(const Command& cmd);

// Shorthand for run_ok of an argv in a namespace.
Result<std::string> sh(const std::string& netns, std::vector<std::string> argv, int timeout_ms = 10000);

// "ip netns add x" style rendering of argv, for messages.
std::string render(const std::vector<std::string>& argv);

// Runs fn in a forked child that has first entered the network namespace `netns` (empty = stay).
// fn writes what it wants to return to `out_fd`; its return value is the child's exit status.
// The child is killed when it passes the deadline.
struct ChildResult {
  int status = -1;
  std::string out;
};
Result<ChildResult> run_in_netns(const std::string& netns, const std::function<int(int out_fd)>& fn,
                                 int timeout_ms = 10000);

// Enters /run/netns/NAME in the calling process (used inside forked children). "" on success.
std::string enter_netns(const std::string& netns);

// In a forked child: no blocked signals, default SIGPIPE (what a fresh process expects).
void reset_signals();

// Writes all of s to fd (retrying short writes); false on error.
bool write_all(int fd, const std::string& s);

}  // namespace nd::lab
