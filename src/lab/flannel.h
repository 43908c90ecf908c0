// The backends, programmed the way flanneld programs a node:
//   host-gw        per peer: route PEER_POD_RANGE via PEER_NODE_IP dev eth0
//   vxlan          flannel.1 (VNI 1, dstport 8472, nolearning, address = the node's subnet address
//                  /32); per peer: route PEER_POD_RANGE via PEER_VTEP dev flannel.1 onlink,
//                  neigh PEER_VTEP lladdr PEER_MAC, fdb PEER_MAC dst PEER_NODE_IP
//   directrouting  vxlan, but a peer on the node's own underlay subnet gets the host-gw route
// plus flanneld's masquerade exemption: pod to pod traffic inside the cluster range keeps its source.
// Errors flanneld would only log (a route that already exists) go to flanneld_log().
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

inline constexpr const char* kVxlanDev = "flannel.1";

std::string flanneld_log(const State& s, const NodeState& n);  // DIR/nodes/NODE/var/log/flanneld.log
bool peer_is_direct(const State& s, const NodeState& self, const NodeState& peer);
std::string vtep_ip(const NodeState& n);  // the network address of the node's pod range

// The ip/bridge commands that program self's path to peer (pure; each an argv).
std::vector<std::vector<std::string>> peer_commands(const State& s, const NodeState& self,
                                                    const NodeState& peer);

// Creates flannel.1 (vxlan backends) and the masquerade exemption on node n.
Result<bool> setup_backend(const State& s, const NodeState& n);
// Programs node n's paths to every peer; "file exists" is logged as flanneld does, not fatal.
Result<bool> program_peers(const State& s, const NodeState& n);
// Removes node n's path to one pod range (route, and for vxlan peers the neigh/fdb entries).
void forget_peer(const State& s, const NodeState& n, const NodeState& peer, const std::string& pod_cidr);
// Sets flannel.1's address to the node's current VTEP address (after its range changed).
Result<bool> readdress_vtep(const State& s, const NodeState& n, const std::string& old_cidr);

}  // namespace nd::lab
