// The route each node needs to every other node's pods, for the CNI's mode (P2.3, P9), next to the
// route its ip-route.json really has. Shared by node-missing-pod-route, node-vxlan-fdb-missing and
// node-rp-filter-strict; computed once per run through peer_routes(ctx).
#pragma once

#ifdef ND_HAVE_NODE

#include <string>
#include <vector>

#include "checks/node_facts.h"

namespace nd::checks {

struct PeerRoute {
  const NodeFacts* self = nullptr;  // the node whose routing table is judged
  std::string peer;                 // the node that owns the range
  const Node* peer_node = nullptr;  // its Node object, when the snapshot has one
  const RangeRef* range = nullptr;  // the peer's pod range (podCIDR, flannel subnet or Calico block)
  node::Family family = node::Family::V4;
  std::string peer_ip;  // the peer's node address of that family

  // What the CNI's mode needs.
  std::string mode;        // "flannel vxlan", "flannel host-gw", "calico ipip", "calico bgp", ...
  std::string dev;         // expected device; "" = any
  std::string gateway;     // expected next hop; "" = any
  bool tunnel = false;     // through an encapsulating device (flannel.1, tunl0, vxlan.calico)
  std::string expected;    // the route line as `ip route` prints it
  std::string why;         // how the expectation follows from the mode
  std::string impossible;  // no route can work (host-gw peer on another subnet): the reason

  // What the node has.
  const node::Route* exact = nullptr;       // dst equal to the range
  const node::Route* covering = nullptr;    // otherwise the route that takes the range's addresses
  std::vector<const node::Route*> shadows;  // more specific routes inside the range that divert part of it
  std::string problem;                      // "" when the route is right; else what is wrong, in words
};

const std::vector<PeerRoute>& peer_routes(Context& ctx);

// The PeerRoute of `self` towards the ranges of `peer` (first match), or nullptr.
const PeerRoute* find_peer_route(const std::vector<PeerRoute>& all, std::string_view self, std::string_view peer,
                                 node::Family f);

// True for the encapsulating devices of flannel and Calico.
bool is_tunnel_device(std::string_view ifname);

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
