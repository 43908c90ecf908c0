// The agent's settings and the small pure parsers behind its flags: durations ("60s", "1m30s"),
// listen addresses ("0.0.0.0:9742", "[::]:9742") and peer endpoints ("10.244.1.5:8080").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nd::agent {

// Every limit that keeps the agent's cost bounded on a node lives here, so docs/agent.md and the
// flags agree on one set of numbers.
struct AgentOptions {
  std::string listen_host = "0.0.0.0";
  int listen_port = 9742;
  std::chrono::milliseconds interval{60000};     // between scheduled collections and probe rounds
  std::chrono::milliseconds min_refresh{10000};  // /bundle?refresh=1 reuses a bundle younger than this
  std::string node_name;                         // $NODE_NAME, else the hostname
  std::string root = "/";                        // --root: the host's file system (/host in the DaemonSet)
  std::string work_dir;                          // where bundles are collected; "" = a fresh dir in $TMPDIR
  std::chrono::milliseconds command_timeout{10000};
  size_t max_bundle_bytes = 64u << 20;  // a bundle larger than this is refused (memory bound)
  // The small mesh.
  std::string peers;        // a file of IP:PORT lines, or a comma list; "" = no peer probes
  std::string cluster_dns;  // IP, IP:PORT, "auto" (the kubelet's clusterDNS under --root), or "" = none
  std::string dns_name = "kubernetes.default.svc.cluster.local";
  size_t max_peers_per_round = 16;  // peers probed per round; a longer list is walked in turns
  std::chrono::milliseconds probe_timeout{1000};
  bool log = true;  // one line per collection on stderr
};

// "60s", "500ms", "5m", "1h", "1m30s"; a bare number is seconds. Errors quote the text.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

// "HOST:PORT" or "[V6]:PORT"; the port 0-65535 (0 = any free port, for tests).
Result<HostPort> parse_host_port(std::string_view text);

// Same, but HOST must be a literal IPv4 or IPv6 address (peers are pod addresses, never names:
// the agent resolves nothing but its one cluster DNS query).
Result<HostPort> parse_ip_port(std::string_view text);

bool is_ip_literal(const std::string& s);

// --cluster-dns: "10.96.0.10" (port 53), "10.96.0.10:5353", "fd00::a", "[fd00::a]:53"; nullopt if neither.
std::optional<HostPort> dns_target(const std::string& spec);

}  // namespace nd::agent
