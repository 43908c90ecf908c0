// node-bridge-nf-call-iptables-disabled (P3.4): with a bridge CNI (flannel's cni0), traffic between
// pods on one node is bridged; unless net.bridge.bridge-nf-call-iptables is 1 it skips iptables, so
// kube-proxy's DNAT and its reverse miss it (replies come from the pod, not the Service address).
// The key exists only while br_netfilter is loaded: absent from a full `sysctl -a` = module not loaded.
#include "checks/node_bridge_nf_call_iptables_disabled.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include "checks/node_facts.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

// The node bridges pods: the detected CNI says so, or (CNI unknown) the node has a pod bridge.
bool bridges_pods(const CniInfo& cni, const NodeFacts& f, std::string* why) {
  if (cni.bridge_based) {
    *why = cni.name + " attaches pods to a Linux bridge (cni0)";
    return true;
  }
  if (cni.kind != CniKind::Unknown && cni.kind != CniKind::Other) return false;
  for (const char* name : {"cni0", "cbr0"})
    if (const node::Link* l = f.iface(name); l && l->kind == "bridge") {
      *why = fmt::format("the node has the pod bridge {}", name);
      return true;
    }
  return false;
}

bool has_ipv6_pods(const ClusterNet& net) {
  for (const auto& r : net.pod_ranges)
    if (r.prefix.family() == node::Family::V6) return true;
  return false;
}

}  // namespace

void run_node_bridge_nf_call_iptables_disabled(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  for (const NodeFacts& f : net.nodes) {
    if (!f.sysctl) continue;
    std::string why;
    if (!bridges_pods(ctx.cni, f, &why)) continue;
    // Only a full `sysctl -a` (it always has net.ipv4.ip_forward) tells us a key is absent.
    const node::SysctlLine* fwd = f.sysctl_line("net.ipv4.ip_forward");
    bool any_bridge_key = false;
    for (const auto& e : f.sysctl->entries) any_bridge_key |= e.key.rfind("net.bridge.", 0) == 0;
    const node::SysctlLine* v4 = f.sysctl_line("net.bridge.bridge-nf-call-iptables");
    const node::SysctlLine* v6 = f.sysctl_line("net.bridge.bridge-nf-call-ip6tables");
    bool module_missing = fwd && !any_bridge_key;
    std::vector<Evidence> ev;
    std::vector<std::string> off;
    if (v4 && v4->value == "0") {
      ev.push_back({f.src("sysctl.txt", v4->line), v4->key + " = " + v4->value});
      off.push_back(v4->key);
    }
    if (v6 && v6->value == "0" && has_ipv6_pods(net)) {
      ev.push_back({f.src("sysctl.txt", v6->line), v6->key + " = " + v6->value + " (the cluster has IPv6 pods)"});
      off.push_back(v6->key);
    }
    if (module_missing)
      ev.push_back({f.src("sysctl.txt"), fmt::format("no net.bridge.* key among the {} lines of sysctl -a (line {} "
                                                     "is {} = {}): the br_netfilter module is not loaded",
                                                     f.sysctl->entries.size(), fwd->line, fwd->key, fwd->value)});
    if (ev.empty()) continue;
    ev.push_back(
        {ctx.cni.evidence.empty() ? f.src("sysctl.txt") : ctx.cni.evidence.front().source, "bridge CNI: " + why});

    Finding& fd = ctx.report("node-bridge-nf-call-iptables-disabled", Subject{"Node", "", f.name});
    fd.node = f.name;
    fd.summary = fmt::format(
        "On node {} bridged pod traffic skips iptables ({}). Pods on this node that reach a Service whose endpoint "
        "is on the same node get the reply straight from the pod's address, which the client drops; Services, DNS "
        "through kube-dns and NetworkPolicy on that path fail, and names outside the cluster do not resolve (P3.4).",
        f.name, module_missing ? "the br_netfilter module is not loaded" : join(off, ", ") + " is 0");
    fd.evidence = std::move(ev);
    if (module_missing) {
      fd.fix = {fmt::format("Now, on {}: modprobe br_netfilter && sysctl -w net.bridge.bridge-nf-call-iptables=1 "
                            "net.bridge.bridge-nf-call-ip6tables=1",
                            f.name),
                "Load it at boot: echo br_netfilter > /etc/modules-load.d/k8s.conf",
                "Persist the switches: printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-"
                "ip6tables = 1\\n' > /etc/sysctl.d/99-kubernetes-bridge.conf && sysctl --system (the keys exist only "
                "once the module is loaded, so load it first)."};
    } else {
      std::string now;
      for (const auto& k : off) now += " " + k + "=1";
      fd.fix = {
          fmt::format("Now, on {}: sysctl -w{}", f.name, now),
          "Persist it: printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = "
          "1\\n' > /etc/sysctl.d/99-kubernetes-bridge.conf && sysctl --system; keep br_netfilter loaded at boot "
          "(echo br_netfilter > /etc/modules-load.d/k8s.conf).",
          "Find what set it to 0: grep -rn 'bridge-nf-call' /etc/sysctl.conf /etc/sysctl.d/ /run/sysctl.d/ "
          "/usr/lib/sysctl.d/ (some distributions ship it as 0 to keep bridged VMs away from the host firewall)."};
    }
    fd.fix.push_back(
        "Be warned: `sysctl -p` and network restarts have been seen to reset these settings; check "
        "again after either, and after a reboot.");
    fd.fix.push_back("Verify: from a pod on " + f.name +
                     ", resolve a name through kube-dns and connect to a Service with an endpoint on the same node; "
                     "re-collect the bundle and run `netdoctor diagnose`.");
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
