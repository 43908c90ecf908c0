// CNI detection: which plugin runs the pod network, in which mode, with which pod ranges, and the
// evidence for each statement. Calico and Flannel are modelled fully; other known plugins are named
// (so we do not claim "no CNI"), and "unknown" is said honestly when nothing tells.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "engine/finding.h"

namespace nd {

enum class CniKind { Unknown, Calico, Flannel, Canal, Other };

struct PodRange {
  std::string cidr;
  std::string origin;  // "IPPool default-ipv4-ippool", "flannel net-conf Network", "Node w1 podCIDR"
  std::string encapsulation;  // IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet, None; vxlan, host-gw
  bool nat_outgoing = false;
  bool disabled = false;
  Source src;
};

struct CniInfo {
  CniKind kind = CniKind::Unknown;
  std::string name;   // calico, flannel, canal, cilium, weave, kindnet, ... or "unknown"
  std::string mode;   // calico: bgp|ipip|ipip-crosssubnet|vxlan|vxlan-crosssubnet; flannel: vxlan|vxlan-directrouting|host-gw|...
  bool enforces_policy = false;
  bool bridge_based = false;  // veth into a Linux bridge (flannel cni0, kindnet?) => bridge netfilter matters
  std::vector<PodRange> pod_ranges;
  std::vector<Evidence> evidence;  // why we believe the above
  // The CNI's agent pods (calico-node, kube-flannel, calico-kube-controllers, ...).
  std::vector<const Pod*> agent_pods;
  std::vector<const Workload*> agent_workloads;
  // Flannel details.
  std::string flannel_network, flannel_backend;
  bool flannel_direct_routing = false;
  int mtu = 0;
  // Whether the snapshot held enough to decide (kube-system DaemonSets/pods or node CNI configs).
  bool decidable = false;

  std::string describe() const;  // "calico (ipip, pools 10.244.0.0/16)" / "unknown"
};

CniInfo detect_cni(const Cluster& cluster);

}  // namespace nd
