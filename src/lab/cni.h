// The pod network through the real CNI plugins (/usr/lib/cni): a CNI 1.0.0 conflist per node in the
// lab's copy of /etc/cni/net.d, and ADD/DEL invoked as the spec says (CNI_COMMAND, CNI_CONTAINERID,
// CNI_NETNS, CNI_IFNAME, CNI_PATH, the plugin's config on stdin, prevResult chained), the plugin
// process running inside the node's namespace, where it makes cni0 and the pod's veth.
#pragma once

#include <string>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

inline constexpr const char* kCniPath = "/usr/lib/cni";
inline constexpr const char* kCniNetwork = "labnet";

int pod_mtu(const State& s);  // what the node's CNI config gives pods (flannel: 1450 on vxlan)

std::string cni_conf_dir(const State& s, const NodeState& n);  // DIR/nodes/NODE/etc/cni/net.d
std::string cni_conflist_path(const State& s, const NodeState& n);
std::string conflist_json(const State& s, const NodeState& n);  // pure

// Writes the node's conflist (and flannel's subnet.env beside it).
Result<bool> write_cni_config(const State& s, const NodeState& n);

// ADD: loopback, then the conflist's plugins in order. Sets pod.ip and pod.cni_result.
Result<bool> cni_add(const State& s, PodState& pod);
// DEL: the conflist's plugins in reverse order, then loopback. Missing things are not errors (spec).
Result<bool> cni_del(const State& s, const PodState& pod);

}  // namespace nd::lab
