// cni-pod-unhealthy (P3.1): the CNI's agent pods (calico-node, kube-flannel, calico-kube-controllers,
// ...) are not Ready or are restarting; their log lines say why.
#include "checks/cni_pod_unhealthy.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_cni_pod_unhealthy(Context& ctx) {
  for (const Pod* pp : ctx.cni.agent_pods) {
    const Pod& p = *pp;
    if (p.phase == "Succeeded") continue;
    bool ready = pod_ready(p);
    std::vector<std::string> problems;
    std::vector<Evidence> ev;
    if (p.phase != "Running") problems.push_back("phase " + (p.phase.empty() ? std::string("unknown") : p.phase));
    if (const Condition* c = p.condition("Ready"); c && c->status != "True") {
      problems.push_back("not Ready");
      ev.push_back({at(p.meta, ".status.conditions[Ready]"), quote_condition(*c)});
    }
    for (const auto& s : all_statuses(p)) {
      const ContainerStatus& cs = *s.status;
      if (s.role == ContainerRole::Init && !is_sidecar(s)) {
        if (cs.state.kind == ContainerState::Kind::Waiting && cs.state.reason == "CrashLoopBackOff")
          problems.push_back("init container " + cs.name + " crash-looping");
        else continue;
      }
      if (cs.state.kind == ContainerState::Kind::Waiting) {
        problems.push_back(fmt::format("{} waiting ({})", cs.name, cs.state.reason));
        ev.push_back({at(p.meta, s.path + ".state.waiting"),
                      fmt::format("{}: {}{}", cs.name, cs.state.reason, cs.state.message.empty() ? "" : " — " + cs.state.message)});
      } else if (!cs.ready && s.role == ContainerRole::Regular && p.phase == "Running") {
        problems.push_back(cs.name + " not ready");
      }
      if (cs.restart_count > 0 && (!ready || cs.state.kind != ContainerState::Kind::Running)) {
        ev.push_back({at(p.meta, s.path + ".restartCount"),
                      fmt::format("{}: restartCount {}{}", cs.name, cs.restart_count,
                                  cs.last.kind == ContainerState::Kind::Terminated
                                      ? fmt::format(", last exit {} ({})", cs.last.exit_code.value_or(-1), cs.last.reason)
                                      : "")});
      }
    }
    if (problems.empty()) continue;
    for (const Event* e : ctx.cluster.events_for("Pod", p.meta.ns, p.meta.name))
      if (e->type == "Warning") ev.push_back(event_evidence(*e));
    for (auto& l : log_error_lines(ctx.cluster, p, "", 5)) ev.push_back(std::move(l));
    if (ev.empty()) ev.push_back({at(p.meta, ".status"), "phase: " + p.phase});

    Finding& f = ctx.report("cni-pod-unhealthy", subject_of("Pod", p.meta));
    f.node = p.node_name;
    bool controller = p.meta.name.find("kube-controllers") != std::string::npos;
    f.summary = fmt::format(
        "CNI pod {}/{}{} is unhealthy: {}. {}", p.meta.ns, p.meta.name,
        p.node_name.empty() ? "" : " on " + p.node_name, join(problems, ", "),
        controller ? "Calico's controllers keep IPAM and policy in step with the cluster; while they are down, new "
                     "pods may not get addresses and removed nodes keep their blocks."
                   : "Pods on that node cannot get a network (new ones stay ContainerCreating) and its routes to other "
                     "nodes' pods may be missing or stale: pod-to-pod traffic across nodes times out (P3.1).");
    f.evidence = std::move(ev);
    const std::string ns = kubectl_ns(p.meta.ns);
    f.fix = {fmt::format("Read the agent's logs: kubectl logs {} {} --all-containers --tail=200 (and --previous "
                         "after a restart)", p.meta.name, ns),
             fmt::format("kubectl describe pod {} {}: readiness probe output (for calico-node: 'BIRD is not ready' "
                         "means BGP sessions to peers are down; check TCP 179 between nodes).", p.meta.name, ns)};
    if (ctx.cni.kind == CniKind::Flannel)
      f.fix.push_back("For flannel: the node must have spec.podCIDR set (kube-controller-manager "
                      "--allocate-node-cidrs with --cluster-cidr matching net-conf.json's Network), and UDP 8472 must "
                      "pass between nodes for vxlan.");
    if (ctx.cni.kind == CniKind::Calico)
      f.fix.push_back("For calico: IPIP needs IP protocol 4 between nodes, VXLAN UDP 4789, BGP TCP 179; check the "
                      "node's firewall / cloud security group and IP_AUTODETECTION_METHOD picking the right interface.");
    f.fix.push_back(fmt::format("After fixing the cause: kubectl delete pod {} {} (the DaemonSet recreates it) and "
                                "verify it becomes Ready.", p.meta.name, ns));
  }
}

}  // namespace nd::checks
