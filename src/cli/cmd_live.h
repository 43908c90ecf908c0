// The live side of the CLI (built with the live area only): the kubectl-style flags that choose the
// cluster, and a live collection into a temporary snapshot that diagnose and dns then read as usual.
#pragma once

#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/result.h"

namespace nd::cli {

struct LiveFlags {
  std::string kubeconfig, context;
  std::string agent_namespace = "netdoctor";
  int agent_port = 9742;
  int request_timeout_s = 30;
  int concurrency = 4;
  bool no_agents = false;
};

// --kubeconfig, --context, --agent-namespace, --agent-port, --request-timeout, --concurrency, --no-agents.
void add_live_flags(CLI::App* cmd, LiveFlags& f);

// A snapshot collected from the cluster into a temporary directory, removed when this goes away.
class LiveSnapshot {
 public:
  ~LiveSnapshot();
  const std::string& dir() const { return dir_; }
  const std::string& label() const { return label_; }  // "live: context NAME (SERVER)"
  const std::string& ns() const { return ns_; }        // the context's namespace (or -n)

 private:
  friend Result<std::unique_ptr<LiveSnapshot>> collect_live_snapshot(const LiveFlags&, const std::string&, bool);
  std::string dir_, label_, ns_;
};

// ns: -n when the command has one (else the context's namespace); logs: fetch CNI/CoreDNS logs too.
// Notes (no agents, a kind that RBAC hides) go to stderr.
Result<std::unique_ptr<LiveSnapshot>> collect_live_snapshot(const LiveFlags& f, const std::string& ns, bool logs);

// What a command reads: SNAPSHOT as given, or — when it is empty — a live collection of the current
// context. `keep` holds the collection's temporary directory until the command is done with it.
struct SnapshotInput {
  std::string path;
  std::string label;  // for Cluster::root: "live: context NAME (SERVER)"; empty for a snapshot
  std::unique_ptr<LiveSnapshot> keep;
};
Result<SnapshotInput> snapshot_or_live(const std::string& snapshot, const LiveFlags& f, bool logs);

// `netdoctor collect --out DIR [--redact]` on the `collect` command itself.
void add_live_collect(CLI::App* collect, Shared& s);

}  // namespace nd::cli
