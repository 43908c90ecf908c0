// Live collection: list the kinds the checks read, fetch the logs of CNI and CoreDNS pods and the node
// bundles of the agents (through the API server's pod proxy), and write them as a snapshot directory
// (DESIGN.md "Snapshot format") that `diagnose` reads like any other.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "live/api_client.h"

namespace nd::live {

struct LiveOptions {
  std::string out;               // the snapshot directory (created; must be empty or absent)
  bool redact = false;
  int concurrency = 4;           // requests in flight
  int log_tail = 500;            // lines per container log
  long log_limit_bytes = 4 << 20;
  bool logs = true, bundles = true;
  std::string agent_namespace = "netdoctor";
  std::string agent_label_key = "app.kubernetes.io/name", agent_label_value = "netdoctor-agent";
  int agent_port = 9742;
  bool progress = false;         // a one-line counter on stderr
};

struct LiveReport {
  size_t objects = 0, lists = 0, logs = 0, agents = 0, bundles = 0, bundle_files = 0, redacted = 0;
  std::vector<std::string> files;  // kinds written, relative to out
  std::vector<std::string> notes;  // what is missing and why (403 on a kind, no agents, ...)
  double seconds = 0;
};

// One kind the checks read.
struct KindSpec {
  const char* file;      // relative path of its List
  const char* group;
  const char* version;
  const char* resource;
  bool required;         // nodes and pods: without them there is nothing to diagnose
  bool crd;              // 404 = not installed, said quietly
};
const std::vector<KindSpec>& kinds();

// Fails only when the cluster cannot be read at all (credentials, TLS, nodes or pods unreadable);
// anything less becomes a note and reads as unknown.
Result<LiveReport> collect_live(ApiClient& api, const LiveOptions& o);

}  // namespace nd::live
