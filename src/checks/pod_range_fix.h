// The fix for a pod range that overlaps something (P9): a new range that overlaps nothing the
// cluster uses, and the migration steps for the CNI that owns the range (Calico pools, flannel's
// Network, node podCIDRs). Shared by pod-cidr-overlaps-node-network and pod-cidr-overlaps-service-cidr.
#pragma once

#ifdef ND_HAVE_NODE

#include <optional>
#include <string>
#include <vector>

#include "checks/node_facts.h"

namespace nd::checks {

// Everything a new pod range must avoid: node addresses and subnets, every route of every node
// (default routes aside), the Service ranges, and every pod range and pool.
std::vector<node::Prefix> used_prefixes(const Cluster& c, const ClusterNet& net);

// A free range of the same size as `r` (same family), from node::private_candidates.
std::optional<node::Prefix> choose_new_range(const Cluster& c, const ClusterNet& net, const RangeRef& r);

// Ordered fix steps: the new range, then the migration for the range's owner.
std::vector<std::string> range_migration_fix(const Cluster& c, const CniInfo& cni, const ClusterNet& net,
                                             const RangeRef& r);

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
