// The lab as a live cluster: one real `netdoctor agent` per node namespace (what the netdoctor-agent
// DaemonSet runs, with the node's directory as --root, as `lab snapshot` collects), and the read-only
// API facade (`netdoctor lab apiserver`, apiserver.h) in node1's namespace, which plays the control
// plane. Both are the netdoctor binary named by Spec::agent_binary, exec'd as lab daemons; their pids
// go into the state so `lab down` and `lab agents stop` stop them. Nothing listens outside the lab's
// namespaces: the agents on their node's address, the facade on node1's.
#pragma once

#include <string>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

// The netdoctor-agent DaemonSet's pod on node n (deterministic per lab, like the other DaemonSets').
std::string agent_pod_name(const State& s, const NodeState& n);

// http://NODE1IP:6443, reachable from inside the lab's namespaces only.
std::string apiserver_url(const State& s);
// The node whose namespace holds the facade (node1, the control-plane node).
const NodeState* apiserver_node(const State& s);

// The agent's argv (without the binary): listen on the node's address, --root the node's directory,
// --peers the web pods on the other nodes, --cluster-dns from the node's kubelet config. Pure.
std::vector<std::string> agent_args(const State& s, const NodeState& n);

// Starts an agent on every node and the facade, waits until each listens, records the pids (s is
// saved). Needs s.spec.agent_binary. A failure stops what it started.
Result<bool> start_agents(State& s);
// Stops them by pid (only if the pid still lives in the lab namespace) and clears the record.
void stop_agents(State& s);
// "" when every recorded agent and the facade run, else what is missing.
std::string agents_problem(const State& s);

// Asks every agent for a fresh bundle (GET /bundle?refresh=1 from inside its node), so that a live
// diagnose right after a fault inject or heal sees the change rather than a bundle up to one
// interval old. Returns one line per node.
Result<std::string> refresh_agents(const State& s);

// A kubeconfig for the facade (no credentials: the facade serves anyone inside the lab).
std::string lab_kubeconfig(const State& s);

// The logs of the live side: DIR/agents/NODE/agent.log, DIR/apiserver.log.
std::string agent_log_path(const State& s, const NodeState& n);
std::string apiserver_log_path(const State& s);

}  // namespace nd::lab
