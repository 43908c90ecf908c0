// kube-proxy in iptables mode, as text for iptables-restore in the form kube-proxy writes it:
// KUBE-SERVICES -> KUBE-SVC-<hash> -> (statistic random) KUBE-SEP-<hash> -> DNAT, KUBE-MARK-MASQ /
// KUBE-POSTROUTING for traffic that needs SNAT, KUBE-NODEPORTS -> KUBE-EXT-<hash> for NodePorts,
// REJECT in the filter table for a Service without ready endpoints. Chain hashes are computed as
// kube-proxy computes them (base32 of SHA-256 of "ns/name:port" + protocol [+ endpoint]).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

std::string svc_chain(const std::string& port_name, const std::string& protocol);  // KUBE-SVC-…
std::string ext_chain(const std::string& port_name, const std::string& protocol);  // KUBE-EXT-…
std::string sep_chain(const std::string& port_name, const std::string& protocol,
                      const std::string& endpoint);  // KUBE-SEP-…

struct Endpoint {
  std::string ip, node, pod;
  int port = 0;
  bool ready = true;
};

bool pod_ready(const State& s, const PodState& p);
bool selects(const ServiceState& v, const PodState& p);
std::vector<Endpoint> endpoints_of(const State& s, const ServiceState& v, const ServicePortDef& port);

// The rules kube-proxy keeps on node n (the kube-proxy-rules-missing fault drops shop/web there).
// `stale` lists chains present in the node that the new rules no longer use: they are deleted.
std::string kube_proxy_restore(const State& s, const NodeState& n,
                               const std::vector<std::string>& stale = {});
// The jumps from the built-in chains, installed once per node.
std::string kube_proxy_jumps();

Result<bool> install_kube_proxy(const State& s, const NodeState& n);  // jumps + sync
Result<bool> sync_kube_proxy(const State& s, const NodeState& n);     // rewrite the chains

}  // namespace nd::lab
