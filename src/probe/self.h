// probe self: the probing side's own view (addresses, routes, MTU via `ip -j`, its resolv.conf) and
// whether that resolv.conf is what a pod with the given dnsPolicy should get (the kubelet's rules in
// src/dns/kubelet_dns.h), so "is this pod even set up right?" is answered before any other probe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace nd::probe {

struct SelfOptions {
  std::string resolv_conf = "/etc/resolv.conf";
  std::string dns_policy;       // ClusterFirst | Default | ""(no comparison)
  std::string cluster_dns;      // the kube-dns Service IP (ClusterFirst)
  std::string ns = "default";   // the pod's namespace
  std::string cluster_domain = "cluster.local";
  std::string node_resolv_conf;  // the node's file, when known (Default; ClusterFirst's extra search)
  std::string from;
  // Raw `ip -j addr show` / `ip -j route show` text; empty = run ip here (tests pass their own).
  std::string ip_addr_json, ip_route_json;
};

struct SelfReport {
  std::string from;
  std::vector<std::string> addresses;  // "eth0 10.244.1.7/24 mtu 1450"
  std::vector<std::string> routes;     // as `ip route` prints them
  std::string resolv_conf, resolv_label;
  std::string expected;                // what the kubelet would write ("" when no policy given)
  std::vector<std::string> differences;
  std::vector<std::string> notes;
  bool checked = false, matches = true;
};

Result<SelfReport> probe_self(const SelfOptions& o);
nlohmann::ordered_json to_json(const SelfReport& s);
std::string to_text(const SelfReport& s);

// Runs argv (no shell) and returns its stdout; an error when it cannot start or exits non-zero.
Result<std::string> run_capture(const std::vector<std::string>& argv, int timeout_ms = 5000);

}  // namespace nd::probe
