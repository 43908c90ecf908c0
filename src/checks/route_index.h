// Lookups in one node's main routing table that do not scan every route: a flannel or Calico node
// holds a route per other node, and the peer-route checks ask one question per (node, peer) pair, so
// a linear scan per question made them cubic in the number of nodes. Same answers as the scans they
// replace (NodeFacts::lookup and the loops of node_routes.cpp), in O(distinct prefix lengths x log n).
// Built per node and family when needed, not kept: a cluster-wide set would hold every route twice.
#pragma once

#ifdef ND_HAVE_NODE

#include <cstdint>
#include <utility>
#include <vector>

#include "checks/node_facts.h"

namespace nd::checks {

class RouteIndex {
 public:
  RouteIndex(const NodeFacts& f, node::Family fam);

  // The route the kernel picks for `a`: what NodeFacts::lookup returns.
  const node::Route* lookup(const node::Address& a) const;
  // The first route (in main_routes order) whose network is exactly `net` (normalised), or nullptr.
  const node::Route* exact(const node::Prefix& net) const;
  // The first route (in main_routes order) shorter than `want` that holds all of it, or nullptr.
  const node::Route* covering(const node::Prefix& want) const;
  // Routes longer than `want` inside it, in main_routes order.
  std::vector<const node::Route*> inside(const node::Prefix& want) const;

 private:
  const std::vector<node::Route>* routes_;
  std::vector<std::pair<node::Prefix, uint32_t>> by_net_;   // (network, position), sorted
  std::vector<std::pair<node::Address, uint32_t>> by_addr_;  // (address as written, position), sorted
  std::vector<unsigned> lens_;                                // distinct prefix lengths, longest first
};

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
