// The playbook's faults, each with an inject and a heal that act on a running lab, in one table.
// A fault is node-scoped (default node: `default_node`) or cluster-wide; the state file records
// what is injected, so `lab status`, `lab snapshot` and `heal` know.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

enum class FaultScope { Node, Cluster, DnsNode };

struct FaultDef {
  const char* id;
  const char* refs;        // playbook items
  FaultScope scope;
  int default_node;        // for Node scope: node index used when --node is not given
  bool needs_vxlan;        // only where a vxlan device exists
  const char* what;        // what inject does
  const char* breaks;      // the traffic that breaks
  const char* check;       // the diagnose check expected to name it (DESIGN.md id, or proposed)
};

const std::vector<FaultDef>& fault_table();
const FaultDef* find_fault(const std::string& id);

// Resolves the node a fault acts on ("" for cluster-wide faults); errors name the valid choices.
Result<std::string> fault_node(const State& s, const FaultDef& f, const std::string& requested);

// Inject or heal, then save the state. `node` as given by the user ("" = the default).
Result<std::string> inject_fault(State& s, const std::string& id, const std::string& node = "");
Result<std::string> heal_fault(State& s, const std::string& id, const std::string& node = "");

// The peer whose pod range the missing-route fault removes from `node`: the next node.
const NodeState* missing_route_peer(const State& s, const NodeState& node);

// The pod range the pod-cidr-overlap fault gives a node: its own underlay subnet.
std::string overlap_range(const NodeState& n);

}  // namespace nd::lab
