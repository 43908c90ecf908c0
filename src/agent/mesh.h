// The small mesh: from this node, a TCP connect to each peer pod address chosen for the round, and
// one DNS A query to the cluster DNS. Bounded: the connects of a round run at once and all end by
// one deadline; the DNS query sends one datagram and waits at most the same timeout. No retries.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/options.h"

namespace nd::agent {

struct ProbeResult {
  std::string target;  // "10.244.1.5:8080"
  std::string kind;    // "tcp" or "dns"
  bool ok = false;
  double seconds = 0;  // time to connect / to the answer, or until the failure
  std::string detail;  // "connected", "refused", "timeout", "NXDOMAIN", "2 A records", ...
};

// Non-blocking connects to every target, polled together until `timeout`.
std::vector<ProbeResult> probe_tcp(const std::vector<HostPort>& targets, std::chrono::milliseconds timeout);

// One A query for `name` to server:53 over UDP. ok = NOERROR with at least one A record.
ProbeResult probe_dns(const std::string& server, const std::string& name, std::chrono::milliseconds timeout,
                      int port = 53);

// The kubelet's first clusterDNS address from ROOT/var/lib/kubelet/config.yaml ("" if none).
std::string kubelet_cluster_dns(const std::string& root);

}  // namespace nd::agent
