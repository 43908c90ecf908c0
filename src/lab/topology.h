// The lab's fixed network around the cluster: the underlay switch (a bridge in its own namespace),
// the node namespaces on it, the router, and the namespaces that play "the internet" (a web site,
// an upstream DNS server) and "the database" (a TCP service with an allow-list of node addresses).
// Nothing here touches the root namespace: veth pairs are created inside one lab namespace with
// their peer placed directly into another.
#pragma once

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

// Creates every namespace of the lab except the pods'.
Result<bool> create_namespaces(const State& s);
// Links, addresses, routes and sysctls of underlay, router, outside, dns, db and the nodes.
Result<bool> wire_underlay(const State& s);
// The database's allow-list (iptables in the db namespace): the nodes' addresses only.
std::string db_allowlist_rules(const State& s);  // pure, for iptables-restore
// Starts the outside web site, the database and the upstream DNS server.
Result<bool> start_outside_services(State& s);

// The underlay's port for node n (in the underlay namespace).
std::string underlay_port(const NodeState& n);

}  // namespace nd::lab
