// pod-sandbox-network-failed (P3.1, P5): the kubelet cannot set up a pod's network because the CNI
// plugin fails; tied to the CNI agent pod on the same node.
#include "checks/pod_sandbox_network_failed.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {
namespace {

bool is_network_error(std::string_view m) {
  static const std::string_view needles[] = {"setup network", "set up network", "plugin type=", "cni", "CNI",
                                             "network plugin", "NetworkPlugin", "failed to set bridge addr",
                                             "no IP addresses available", "failed to allocate"};
  for (auto n : needles)
    if (m.find(n) != std::string_view::npos) return true;
  return false;
}

}  // namespace

void run_pod_sandbox_network_failed(Context& ctx) {
  for (const Pod& p : ctx.cluster.pods) {
    if (p.phase == "Succeeded" || p.phase == "Failed") continue;
    if (p.phase == "Running" && pod_ready(p)) continue;  // an old event of a pod that has recovered
    std::vector<Evidence> ev;
    std::string plugin_msg;
    for (const Event* e : ctx.cluster.events_for("Pod", p.meta.ns, p.meta.name)) {
      if (e->reason != "FailedCreatePodSandBox" && e->reason != "FailedCreatePodSandbox") continue;
      if (!is_network_error(e->message)) continue;
      ev.push_back(event_evidence(*e));
      if (plugin_msg.empty()) plugin_msg = e->message;
    }
    if (ev.empty()) continue;
    std::string node = p.node_name;
    const Pod* agent = cni_pod_on_node(ctx.cni.agent_pods, node);
    std::string agent_state;
    if (agent) {
      agent_state = pod_ready(*agent) ? "Ready" : "not Ready";
      ev.push_back({at(agent->meta, ".status"),
                    fmt::format("CNI pod {}/{} on {}: phase {}, {}", agent->meta.ns, agent->meta.name, node,
                                agent->phase, agent_state)});
      for (auto& l : log_error_lines(ctx.cluster, *agent, "", 3)) ev.push_back(std::move(l));
    }
    Finding& f = ctx.report("pod-sandbox-network-failed", subject_of("Pod", p.meta));
    f.node = node;
    std::string cni = ctx.cni.name.empty() ? "the CNI plugin" : ctx.cni.name;
    f.summary = fmt::format(
        "The kubelet on {} cannot create the network of pod {}/{}: {} fails when it is called (ADD), so the pod "
        "never gets an IP and stays in ContainerCreating.{}",
        node.empty() ? "its node" : node, p.meta.ns, p.meta.name, cni,
        agent ? fmt::format(" The CNI agent pod on that node, {}, is {}.", agent->meta.name, agent_state) : "");
    f.evidence = std::move(ev);
    f.fix.push_back(fmt::format("Look at the CNI agent on {}: kubectl get pods -A -o wide --field-selector "
                                "spec.nodeName={} | grep -E 'calico|flannel|cni'",
                                node, node));
    if (agent)
      f.fix.push_back(fmt::format("Read its logs: kubectl logs -n {} {} --all-containers --tail=100", agent->meta.ns,
                                  agent->meta.name));
    if (plugin_msg.find("/var/lib/calico/nodename") != std::string::npos)
      f.fix.push_back("calico/node has not written /var/lib/calico/nodename on that node: it is not running or not "
                      "Ready there; fix calico-node first (cni-pod-unhealthy).");
    if (plugin_msg.find("/run/flannel/subnet.env") != std::string::npos)
      f.fix.push_back("flanneld has not written /run/flannel/subnet.env on that node: the kube-flannel pod there is "
                      "not running; fix it first.");
    f.fix.push_back("On the node, check the CNI config and binaries: ls /etc/cni/net.d /opt/cni/bin.");
    f.fix.push_back(fmt::format("When the agent is healthy, the kubelet retries by itself; to hurry it: kubectl "
                                "delete pod {} {}",
                                p.meta.name, kubectl_ns(p.meta.ns)));
  }
}

}  // namespace nd::checks
