// kube-proxy's iptables rules on each node set against the snapshot's Services and ready endpoints
// (P1.3). Shared by node-service-rules-missing and node-service-endpoints-stale; computed once per run.
// Only nodes whose iptables-save holds nat KUBE-SERVICES are judged: kube-proxy in ipvs or nftables
// mode, or replaced by Cilium, writes no such chain, and then nothing is said.
#pragma once

#ifdef ND_HAVE_NODE

#include <set>
#include <string>
#include <vector>

#include "checks/node_facts.h"

namespace nd::checks {

struct ServicePortRules {
  const NodeFacts* node = nullptr;
  const Service* service = nullptr;
  const ServicePort* port = nullptr;
  std::string name;                              // kube-proxy's "ns/svc:port" (or "ns/svc" for an unnamed port)
  std::string cluster_ip;                        // the ClusterIP of this family
  std::string protocol;                          // tcp, udp, sctp
  std::string save_file;                         // iptables-save.txt or ip6tables-save.txt
  const node::KubeServicePort* rules = nullptr;  // nullptr: kube-proxy wrote nothing for it on this node
  bool local_only = false;                       // KUBE-SVL: internalTrafficPolicy Local
  bool endpoints_known = false;                  // the snapshot lists Endpoints or EndpointSlices
  std::set<std::string> want;                    // ready endpoints "ip:port" from the snapshot
  std::set<std::string> have;                    // endpoints in the rules
  const EndpointSet* endpoint_src = nullptr;     // for evidence
};

const std::vector<ServicePortRules>& service_port_rules(Context& ctx);

// "10.96.0.10:53/udp"
std::string service_address(const ServicePortRules& s);

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
