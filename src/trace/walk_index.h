// Indexes the walk reads instead of scanning: a node bundle of a flannel or Calico cluster holds a
// route, a neighbour entry and an FDB entry per other node, and every hop between nodes asked each
// list once (and all nodes' addresses once), so a trace cost grew with the number of nodes. Built
// once in the Tracer's constructor (kept in its Context), read-only afterwards; each lookup gives the
// entry the scan it replaces gave (same first/last-match rule).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "checks/node_facts.h"
#include "checks/route_index.h"
#include "engine/check.h"

namespace nd::trace {

struct WalkIndex {
  struct NodeTables {
    std::unique_ptr<checks::RouteIndex> routes4, routes6;
    // (dev, address, position) sorted: the last entry of a (dev, address) is the scan's answer.
    std::vector<std::tuple<std::string_view, node::Address, uint32_t>> neigh;
    // (ifname, lower-case MAC, position) sorted: likewise the last.
    std::vector<std::tuple<std::string_view, std::string, uint32_t>> fdb;
  };
  const checks::ClusterNet* net = nullptr;
  std::unordered_map<std::string_view, const checks::NodeFacts*> facts_by_name;  // the first of a name
  std::vector<NodeTables> tables;  // parallel to net->nodes
  // Every node's host subnets: (network, node position, address position) sorted, and the lengths.
  std::vector<std::tuple<node::Prefix, uint32_t, uint32_t>> hosts;
  std::vector<unsigned> host_lens;
  std::unordered_map<std::string_view, std::vector<const checks::RangeRef*>> ranges_by_node;  // node_ranges order

  explicit WalkIndex(const checks::ClusterNet& n);

  const checks::NodeFacts* facts(std::string_view name) const;  // ClusterNet::facts
  const node::Route* lookup(const checks::NodeFacts& f, const node::Address& a) const;  // NodeFacts::lookup
  // The last neighbour entry on `dev` whose address equals `dst`, or nullptr.
  const node::Neighbor* neighbour(const checks::NodeFacts& f, std::string_view dev, const node::Address& dst) const;
  // The last FDB entry on `ifname` whose MAC is `mac_lower` ignoring case, or nullptr.
  const node::FdbEntry* fdb(const checks::NodeFacts& f, std::string_view ifname, const std::string& mac_lower) const;
  // The first node (and its address) whose host subnet holds `a`, in node and address order.
  std::vector<const checks::RangeRef*> ranges_of(std::string_view node, node::Family f) const;  // ClusterNet's
  const checks::NodeFacts* overlap(const node::Address& a, const checks::NodeFacts::HostAddr** host) const;
};

// Built on the first call (the Tracer's constructor), then shared.
const WalkIndex& walk_index(Context& ctx, const checks::ClusterNet& net);

}  // namespace nd::trace
