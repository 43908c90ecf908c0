// node-ip-forward-disabled (P4): the node's kernel does not route, so every packet it should forward
// (its pods to other nodes, to Services, to the outside) is dropped. Read from sysctl.txt: the global
// switch (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding when pods have IPv6) and the
// per-interface switches of the devices the CNI routes through.
#include "checks/node_ip_forward_disabled.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>

#include "checks/node_facts.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

bool cluster_has_ipv6_pods(const ClusterNet& net) {
  for (const auto& r : net.pod_ranges)
    if (r.prefix.family() == node::Family::V6) return true;
  for (const auto& r : net.node_ranges)
    if (r.prefix.family() == node::Family::V6) return true;
  return false;
}

// Devices whose per-interface forwarding matters: the CNI's routed devices and the underlay. Pod
// veths on a bridge are bridged, not routed, so theirs does not.
bool routed_device(std::string_view ifname, const std::string& underlay) {
  if (ifname == underlay) return true;
  if (ifname.rfind("veth", 0) == 0) return false;
  return ifname != "kube-ipvs0" && ifname != "nodelocaldns" && is_cni_device(ifname);
}

std::string quote(const node::SysctlLine& l) { return l.key + " = " + l.value; }

}  // namespace

void run_node_ip_forward_disabled(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  const bool v6 = cluster_has_ipv6_pods(net);
  for (const NodeFacts& f : net.nodes) {
    if (!f.sysctl) continue;  // no sysctl.txt: unknown, not healthy
    std::vector<Evidence> ev;
    std::vector<std::string> keys_off;
    bool global = false;
    if (const auto* l = f.sysctl_line("net.ipv4.ip_forward"); l && l->value == "0") {
      ev.push_back({f.src("sysctl.txt", l->line), quote(*l)});
      keys_off.push_back(l->key);
      global = true;
    }
    if (const auto* l = f.sysctl_line("net.ipv6.conf.all.forwarding"); v6 && l && l->value == "0") {
      ev.push_back({f.src("sysctl.txt", l->line), quote(*l) + " (the cluster has IPv6 pod ranges)"});
      keys_off.push_back(l->key);
      global = true;
    }
    // Per-interface switches; sysctl -a lists net.ipv4.conf.<iface>.forwarding for every device.
    const std::string underlay = f.underlay(node::Family::V4);
    size_t more = 0;
    for (const auto& e : f.sysctl->entries) {
      static const std::string_view pre = "net.ipv4.conf.", post = ".forwarding";
      if (e.value != "0" || e.key.size() <= pre.size() + post.size() || e.key.rfind(pre, 0) != 0 ||
          e.key.compare(e.key.size() - post.size(), post.size(), post) != 0)
        continue;
      std::string iface = e.key.substr(pre.size(), e.key.size() - pre.size() - post.size());
      std::replace(iface.begin(), iface.end(), '/', '.');
      if (iface == "all" || iface == "default" || iface == "lo" || !routed_device(iface, underlay)) continue;
      if (global) continue;  // the global switch already says it all (setting it to 1 sets every device)
      if (keys_off.size() >= 8) {
        ++more;
        continue;
      }
      ev.push_back({f.src("sysctl.txt", e.line), quote(e) + (iface == underlay ? " (the underlay)" : "")});
      keys_off.push_back(e.key);
    }
    if (ev.empty()) continue;
    if (more) ev.push_back({f.src("sysctl.txt"), fmt::format("and {} more CNI interfaces with forwarding = 0", more)});

    Finding& fd = ctx.report("node-ip-forward-disabled", Subject{"Node", "", f.name});
    fd.node = f.name;
    if (global)
      fd.summary = fmt::format(
          "IP forwarding is off on node {} ({}). The node drops every packet it should route: its pods cannot reach "
          "pods on other nodes, Services whose endpoints are elsewhere, or the outside, and traffic to its pods from "
          "other nodes and NodePorts is lost. Clients time out; a capture shows the same SYN again and again with no "
          "answer (P4).",
          f.name, join(keys_off, " = 0, ") + " = 0");
    else
      fd.summary = fmt::format(
          "Forwarding is off on interfaces of node {} that the pod network routes through ({}). Packets arriving on "
          "them for another destination are dropped, so pod traffic through those devices times out (P4).",
          f.name, join(keys_off, " = 0, ") + " = 0");
    fd.evidence = std::move(ev);
    std::string now;
    for (const auto& k : keys_off) now += (now.empty() ? "" : " ") + k + "=1";
    fd.fix = {
        fmt::format("Now, on {}: sysctl -w {}", f.name, now),
        fmt::format("Persist it in a file of its own: printf '{}' > /etc/sysctl.d/99-kubernetes-forwarding.conf && "
                    "sysctl --system",
                    [&] {
                      std::string s;
                      for (const auto& k : keys_off) s += k + " = 1\\n";
                      return s;
                    }()),
        "Find what turned it off: grep -rn 'ip_forward\\|forwarding' /etc/sysctl.conf /etc/sysctl.d/ /run/sysctl.d/ "
        "/usr/lib/sysctl.d/ and remove the '= 0' lines (/etc/sysctl.conf is applied last and wins), and check the "
        "network manager's settings (systemd-networkd IPForward=, NetworkManager, ifupdown scripts).",
        "Be warned: `sysctl -p` (reloads only /etc/sysctl.conf) and network restarts have been seen to reset "
        "forwarding to 0; check `sysctl net.ipv4.ip_forward` again after either, and after a reboot.",
        fmt::format("Verify: re-collect with `netdoctor collect node --out nodes/{}` and run `netdoctor diagnose`.",
                    f.name)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
