#include "checks/pod_range_fix.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

namespace nd::checks {

using node::Prefix;

std::vector<Prefix> used_prefixes(const Cluster& c, const ClusterNet& net) {
  std::vector<Prefix> used;
  for (const Node& n : c.nodes)
    for (const auto& a : n.addresses)
      if (auto p = node::parse_prefix(a.address); p) used.push_back(p->network());
  for (const NodeFacts& f : net.nodes) {
    for (const auto& l : f.links)
      for (const auto& a : l.addrs) used.push_back(a.prefix.network());
    if (f.routes)
      for (const auto& r : *f.routes)
        if (r.prefix.len > 0 && r.table != "local") used.push_back(r.prefix.network());
  }
  for (const auto* v : {&net.service_ranges, &net.pod_ranges, &net.node_ranges})
    for (const auto& r : *v) used.push_back(r.prefix);
  return used;
}

std::optional<Prefix> choose_new_range(const Cluster& c, const ClusterNet& net, const RangeRef& r) {
  return node::find_free_prefix(node::private_candidates(r.prefix.family()), r.prefix.len, used_prefixes(c, net));
}

namespace {

std::string pool_name(const Prefix& p) {
  std::string s = "pool-" + p.to_string();
  for (char& ch : s)
    if (ch == '.' || ch == ':' || ch == '/') ch = '-';
  while (s.find("--") != std::string::npos) s.replace(s.find("--"), 2, "-");
  return s;
}

std::vector<std::string> calico_steps(const IpPool& old, const Prefix& np) {
  std::vector<std::string> fix;
  const std::string name = pool_name(np);
  if (old.from_installation) {
    fix.push_back(fmt::format(
        "The operator owns this pool: kubectl edit installation default and add to spec.calicoNetwork.ipPools "
        "{{name: {}, cidr: {}, encapsulation: {}, natOutgoing: Enabled, blockSize: {}, nodeSelector: all()}}; "
        "the operator creates the IPPool.",
        name, np.to_string(), old.encapsulation.empty() ? "IPIP" : old.encapsulation,
        old.block_size ? old.block_size : (np.family() == node::Family::V4 ? 26 : 122)));
  } else {
    std::string yaml = fmt::format(
        "calicoctl apply -f - <<'EOF'\n"
        "apiVersion: projectcalico.org/v3\n"
        "kind: IPPool\n"
        "metadata:\n"
        "  name: {}\n"
        "spec:\n"
        "  cidr: {}\n"
        "  blockSize: {}\n"
        "  ipipMode: {}\n"
        "  vxlanMode: {}\n"
        "  natOutgoing: {}\n"
        "  nodeSelector: {}\n"
        "EOF",
        name, np.to_string(), old.block_size ? old.block_size : (np.family() == node::Family::V4 ? 26 : 122),
        old.ipip_mode.empty() ? "Never" : old.ipip_mode, old.vxlan_mode.empty() ? "Never" : old.vxlan_mode,
        old.nat_outgoing ? "true" : "false", old.node_selector.empty() ? "all()" : old.node_selector);
    fix.push_back(
        "Create the new pool with the old one's mode (also possible with kubectl when the Calico API "
        "server is installed):\n" +
        yaml);
  }
  fix.push_back(fmt::format(
      "Disable the old pool so new pods get addresses from the new one (running pods keep theirs): calicoctl patch "
      "ippool {0} -p '{{\"spec\": {{\"disabled\": true}}}}' (without calicoctl: kubectl patch "
      "ippools.crd.projectcalico.org {0} --type merge -p '{{\"spec\":{{\"disabled\":true}}}}').",
      old.meta.name));
  fix.push_back(
      "Recreate every pod that still has an address of the old pool: kubectl rollout restart for each "
      "Deployment, DaemonSet and StatefulSet in every namespace (CoreDNS included); check with kubectl get "
      "pods -A -o wide that no pod IP is left in " +
      old.cidr + ".");
  fix.push_back(fmt::format("Delete the old pool: calicoctl delete ippool {}{}.", old.meta.name,
                            old.from_installation ? " and remove its entry from the Installation" : ""));
  fix.push_back(
      fmt::format("Update what names the pod range: kube-proxy's clusterCIDR (ConfigMap kube-system/"
                  "kube-proxy), kube-controller-manager --cluster-cidr, firewall and database allow-lists "
                  "(P3.5). The playbook's own fix (P9) edits the pool in place and re-applies it; creating "
                  "a new pool first is the migration Calico documents, without an outage."));
  return fix;
}

std::vector<std::string> flannel_steps(const Prefix& np) {
  return {
      fmt::format("Change \"Network\" in net-conf.json to {}: kubectl -n kube-flannel edit configmap kube-flannel-cfg "
                  "(namespace kube-system in older manifests).",
                  np.to_string()),
      "What it costs: every node's spec.podCIDR must lie inside the new Network, and a podCIDR cannot be changed "
      "once set. Set kube-controller-manager --cluster-cidr (kubeadm: /etc/kubernetes/manifests/"
      "kube-controller-manager.yaml) and kube-proxy's clusterCIDR to the new range, then node by node: kubectl "
      "drain NODE --ignore-daemonsets; kubectl delete node NODE; on the node: ip link delete cni0; ip link delete "
      "flannel.1; rm /run/flannel/subnet.env; systemctl restart kubelet (it registers again and gets a podCIDR "
      "from the new range); kubectl uncordon NODE.",
      "Every pod is recreated with a new address: plan it as a maintenance window, and update firewall and "
      "database allow-lists that name the pod range (P3.5).",
  };
}

}  // namespace

std::vector<std::string> range_migration_fix(const Cluster& c, const CniInfo& cni, const ClusterNet& net,
                                             const RangeRef& r) {
  std::vector<std::string> fix;
  auto np = choose_new_range(c, net, r);
  if (!np) {
    fix.push_back(
        fmt::format("No free private {} range of size /{} is left that avoids every node network, route, "
                    "Service range and pool in the snapshot: choose a smaller range by hand.",
                    family_name(r.prefix.family()), r.prefix.len));
    return fix;
  }
  fix.push_back(
      fmt::format("Move the pods to {}: a range of the same size that overlaps no node address or subnet, "
                  "no route of any node, no Service range and no other pool in this snapshot. Also check "
                  "that no network the pods must reach (VMs, databases, offices) uses it.",
                  np->to_string()));
  if (r.pool) {
    for (auto& s : calico_steps(*r.pool, *np)) fix.push_back(std::move(s));
  } else if (r.flannel || cni.kind == CniKind::Flannel || cni.kind == CniKind::Canal) {
    for (auto& s : flannel_steps(*np)) fix.push_back(std::move(s));
  } else {
    fix.push_back(fmt::format(
        "The nodes' podCIDRs come from kube-controller-manager --cluster-cidr: set it to {} (and kube-proxy's "
        "clusterCIDR), then re-register the nodes (drain, kubectl delete node, restart the kubelet) so each gets "
        "a podCIDR from the new range; update the CNI's own configuration to match.",
        np->to_string()));
  }
  return fix;
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
