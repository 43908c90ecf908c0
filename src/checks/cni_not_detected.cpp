// cni-not-detected (P2): the snapshot shows the cluster's system workloads but no pod network plugin.
#include "checks/cni_not_detected.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_cni_not_detected(Context& ctx) {
  if (ctx.cni.kind != CniKind::Unknown || !ctx.cni.decidable) return;
  std::vector<std::string> ds;
  for (const auto& w : ctx.cluster.workloads)
    if (w.kind == "DaemonSet") ds.push_back(w.meta.ns + "/" + w.meta.name);
  Finding& f = ctx.report("cni-not-detected", Subject{"Cluster", "", "pod network"});
  f.summary = "No CNI plugin is installed or running: no Calico, Flannel or other known network plugin appears in "
              "the snapshot. Without one, nodes stay NotReady and no pod except hostNetwork ones gets an IP.";
  auto it = ctx.cluster.listed_kinds.find("DaemonSet");
  if (it != ctx.cluster.listed_kinds.end())
    f.evidence.push_back({it->second.str(), ds.empty() ? "no DaemonSets at all"
                                                       : "DaemonSets: " + join(ds, ", ") + " (none is a CNI agent)"});
  for (const auto& b : ctx.cluster.bundles) {
    bool has_conf = false;
    for (const auto& [name, text] : b.files)
      if (name.rfind("cni/", 0) == 0) has_conf = true;
    if (!has_conf) f.evidence.push_back({b.dir, "no CNI configuration collected from /etc/cni/net.d"});
  }
  for (const Node& n : ctx.cluster.nodes) {
    const Condition* r = n.condition("Ready");
    if (r && r->status != "True" && (r->message.find("cni") != std::string::npos ||
                                     r->message.find("NetworkReady=false") != std::string::npos)) {
      f.evidence.push_back({at(n.meta, ".status.conditions[Ready]"), quote_condition(*r)});
      break;
    }
  }
  if (f.evidence.empty()) f.evidence.push_back({ctx.cluster.root, "no CNI DaemonSet, pod, IPPool or flannel config"});
  f.fix = {"Install one network plugin, matching the pod CIDR the cluster was created with (kubeadm "
           "--pod-network-cidr): Calico (IPIP/VXLAN/BGP, enforces NetworkPolicy) or Flannel (vxlan/host-gw, no policy).",
           "Check every node has a config in /etc/cni/net.d and binaries in /opt/cni/bin after the install.",
           "Verify: kubectl get nodes (Ready) and kubectl get pods -n kube-system -o wide (CoreDNS gets a pod IP)."};
}

}  // namespace nd::checks
