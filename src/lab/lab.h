// The lab's commands as a library: up, down, status, exec. The CLI (src/cli/cmd_lab.cpp) and the
// root tests (tests/lab) call these. Every step that creates something first records the lab in
// /run/netdoctor-lab/NAME, and a failed `up` removes everything again before it returns.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

// Why the lab cannot run here ("" when it can): not root, no `ip`, no CNI plugins, no dnsmasq, or
// a network namespace cannot be created.
std::string lab_unavailable_reason();

// Builds the lab. `log` (may be null) gets one line per stage.
Result<State> lab_up(const Spec& spec, std::ostream* log = nullptr);

// Removes the lab NAME: its processes, CNI DEL for its pods, every namespace named ndlab-NAME-*,
// and its state directory. Works without a state file (finds leftovers by prefix). Returns what
// was removed, one line each.
Result<std::vector<std::string>> lab_down(const std::string& name);

// Labs that exist (a state directory or namespaces with the lab prefix).
std::vector<std::string> list_labs();

// Human-readable status: namespaces, nodes, pods with IPs, Services, injected faults.
std::string lab_status(const State& s);

// Runs argv in the pod's network namespace with the pod's resolv.conf bind-mounted over
// /etc/resolv.conf in a private mount namespace. Returns the command's exit status.
Result<int> lab_exec(const State& s, const PodState& pod, const std::vector<std::string>& argv);

// Re-applies the pieces that depend on pods and faults: DNS files, kube-proxy rules on all nodes.
Result<bool> resync(const State& s);

// The RAII guard the tests and `up` use: removes the lab when it goes out of scope unless released.
class LabGuard {
 public:
  explicit LabGuard(std::string name) : name_(std::move(name)) {}
  ~LabGuard() {
    if (!name_.empty()) lab_down(name_);
  }
  void release() { name_.clear(); }
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;

 private:
  std::string name_;
};

}  // namespace nd::lab
