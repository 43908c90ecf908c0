// node-network-unavailable (P3.1): the node says its network is not ready (condition
// NetworkUnavailable=True, or Ready=False because the runtime's network plugin is not ready).
#include "checks/node_network_unavailable.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {
namespace {

bool network_not_ready(const Condition& c) {
  static const std::string_view needles[] = {"NetworkReady=false", "network plugin", "NetworkPluginNotReady",
                                             "cni plugin not initialized", "cni config uninitialized", "CNI"};
  for (auto n : needles)
    if (c.message.find(n) != std::string::npos || c.reason.find(n) != std::string::npos) return true;
  return false;
}

}  // namespace

void run_node_network_unavailable(Context& ctx) {
  for (const Node& n : ctx.cluster.nodes) {
    const Condition* nu = n.condition("NetworkUnavailable");
    const Condition* ready = n.condition("Ready");
    bool unavailable = nu && nu->status == "True";
    bool ready_net = ready && ready->status != "True" && network_not_ready(*ready);
    if (!unavailable && !ready_net) continue;
    Finding& f = ctx.report("node-network-unavailable", Subject{"Node", "", n.meta.name});
    f.node = n.meta.name;
    if (unavailable) f.evidence.push_back({at(n.meta, ".status.conditions[NetworkUnavailable]"), quote_condition(*nu)});
    if (ready && ready->status != "True") f.evidence.push_back({at(n.meta, ".status.conditions[Ready]"), quote_condition(*ready)});
    const Pod* agent = cni_pod_on_node(ctx.cni.agent_pods, n.meta.name);
    if (agent)
      f.evidence.push_back({at(agent->meta, ".status"), fmt::format("CNI pod {}/{} on this node: phase {}, {}",
                                                                    agent->meta.ns, agent->meta.name, agent->phase,
                                                                    pod_ready(*agent) ? "Ready" : "not Ready")});
    else if (ctx.cni.kind != CniKind::Unknown)
      f.evidence.push_back({ctx.cni.evidence.empty() ? n.meta.src.str() : ctx.cni.evidence.front().source,
                            "no " + ctx.cni.name + " agent pod on " + n.meta.name + " in the snapshot"});
    f.summary = fmt::format(
        "Node {} reports that its pod network is not ready{}. New pods there cannot get an IP and pods elsewhere may "
        "not reach its pods (P3.1).{}",
        n.meta.name, ready_net ? " (the kubelet sees no working CNI configuration)" : "",
        ctx.cni.kind == CniKind::Unknown ? " No CNI plugin was found in the snapshot." : "");
    f.fix = {fmt::format("Check the CNI agent on the node: kubectl get pods -A -o wide --field-selector spec.nodeName={}",
                         n.meta.name)};
    if (agent)
      f.fix.push_back(fmt::format("kubectl logs -n {} {} --all-containers --tail=100", agent->meta.ns, agent->meta.name));
    f.fix.push_back("On the node: ls /etc/cni/net.d (a config must exist) and journalctl -u kubelet | grep -i cni.");
    if (ctx.cni.kind == CniKind::Flannel)
      f.fix.push_back(fmt::format("flannel needs the node's podCIDR: kubectl get node {} -o "
                                  "jsonpath='{{.spec.podCIDR}}' must print a range inside net-conf.json's Network.",
                                  n.meta.name));
    f.fix.push_back("Once the agent is Ready the condition clears by itself; verify with kubectl get node " + n.meta.name);
  }
}

}  // namespace nd::checks
