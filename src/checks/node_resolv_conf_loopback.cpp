// node-resolv-conf-loopback (P7, P8): the resolver file the kubelet of a node hands to pods that inherit
// the node's DNS (dnsPolicy Default, host-network pods on ClusterFirst) names a loopback nameserver.
// Pods in their own network namespace then ask their own loopback, where nothing answers; host-network
// pods share the node's loopback and may still get answers from a local stub. One finding per node.
#include "checks/node_resolv_conf_loopback.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checks/util.h"
#include "dns/dns_logs.h"

#ifdef ND_HAVE_DNS  // the DNS model lives in src/dns (nd_dns); without that area there is no check

namespace nd::checks {
namespace {

std::string role_of(const dns::PodDns& d, const Pod& p) {
  if (d.cluster_dns_missing) return "ClusterFirst, but the kubelet has no clusterDNS and falls back to Default";
  if (p.dns_policy == "Default") return "dnsPolicy Default";
  return fmt::format("dnsPolicy {} on the host network", p.dns_policy.empty() ? "ClusterFirst" : p.dns_policy);
}

}  // namespace

void run_node_resolv_conf_loopback(Context& ctx) {
  const Cluster& c = ctx.cluster;
  dns::DnsView v = dns::dns_view(c);
  auto loops = dns::predict_loops(c, v);
  auto looping = [&](const Pod* p) {
    return std::any_of(loops.begin(), loops.end(), [&](const dns::LoopPrediction& lp) { return lp.pod == p; });
  };
  for (const dns::NodeDns& nd : v.nodes) {
    if (nd.loopbacks.empty()) continue;
    // The pods on this node that get the node's file.
    std::vector<const Pod*> own_netns, host_net, dns_pods;
    std::vector<std::string> roles;
    for (const Pod& p : c.pods) {
      if (p.node_name != nd.node || p.phase == "Succeeded" || p.phase == "Failed") continue;
      dns::EffectivePodDns e = dns::effective_pod_dns(c, v, p);
      if (e.dns.type != dns::PodDnsType::Host && !e.dns.cluster_dns_missing) continue;
      if (v.is_dns_pod(p))
        dns_pods.push_back(&p);
      else if (p.host_network)
        host_net.push_back(&p);
      else
        own_netns.push_back(&p);
    }

    Finding& f = ctx.report("node-resolv-conf-loopback", Subject{"Node", "", nd.node});
    f.node = nd.node;
    for (const auto& w : nd.file.why) f.evidence.push_back(w);
    std::vector<std::string> addrs;
    for (const auto& lb : nd.loopbacks) {
      addrs.push_back(lb.address);
      f.evidence.push_back(lb.line ? Evidence{nd.file.source(lb.line), "nameserver " + lb.address}
                                   : Evidence{nd.bundle ? nd.bundle->source("kubelet-config.yaml") : nd.node,
                                              "resolvConf is empty: the kubelet writes nameserver " + lb.address});
    }
    const size_t kMaxPods = 8;
    size_t shown = 0;
    auto list = [&](const std::vector<const Pod*>& pods, std::string_view effect) {
      for (const Pod* p : pods) {
        if (shown++ >= kMaxPods) continue;
        dns::EffectivePodDns e = dns::effective_pod_dns(c, v, *p);
        f.evidence.push_back({at(p->meta, ".spec.dnsPolicy"),
                              fmt::format("pod {}/{}: {}, {}", p->meta.ns, p->meta.name, role_of(e.dns, *p), effect)});
      }
    };
    list(own_netns, "own network namespace: its lookups go to its own loopback and fail");
    std::vector<const Pod*> dns_looping, dns_fine;
    for (const Pod* p : dns_pods) (looping(p) ? dns_looping : dns_fine).push_back(p);
    list(dns_looping, "CoreDNS: it forwards to itself (see coredns-loop)");
    list(dns_fine, "CoreDNS: not affected while its Corefile names its upstreams itself");
    list(host_net, "host network: answered only while a local resolver listens on the node");
    size_t total = own_netns.size() + host_net.size() + dns_pods.size();
    if (shown > kMaxPods)
      f.evidence.push_back(
          {nd.bundle ? nd.bundle->dir : nd.node, fmt::format("… and {} more pod(s)", shown - kMaxPods)});

    const bool stub = std::find(addrs.begin(), addrs.end(), "127.0.0.53") != addrs.end();
    const std::string file = nd.file.from == dns::NodeResolvFile::From::NoHostFile
                                 ? "no file at all (resolvConf is empty), so it writes a loopback nameserver itself"
                                 : fmt::format("{}{}", nd.file.path.empty() ? nd.file.source() : nd.file.path,
                                               stub ? ", systemd-resolved's stub file" : "");
    f.summary = fmt::format(
        "The kubelet on node {} hands pods that inherit the node's DNS (dnsPolicy Default, host-network pods on "
        "ClusterFirst) {}, whose nameserver {} is a loopback address (P7, P8). A pod in its own network namespace "
        "sends its queries to its own loopback, where nothing answers: it resolves no name at all. {}",
        nd.node, file, join(addrs, ", "),
        total == 0 ? "No pod in the snapshot gets it yet; the next one with dnsPolicy Default will."
                   : fmt::format("{} pod(s) here get it: {} in their own network namespace (broken), {} CoreDNS "
                                 "({} looping), {} on the host network (work only through a local resolver).",
                                 total, own_netns.size(), dns_pods.size(), dns_looping.size(), host_net.size()));

    if (stub)
      f.fix.push_back(fmt::format(
          "On node {}: set `resolvConf: /run/systemd/resolve/resolv.conf` in /var/lib/kubelet/config.yaml (the file "
          "with systemd-resolved's real upstreams), then `systemctl restart kubelet`; on kubeadm clusters also "
          "`kubectl -n kube-system edit configmap kubelet-config` so joins and upgrades keep it.",
          nd.node));
    else
      f.fix.push_back(fmt::format(
          "On node {}: point the kubelet's `resolvConf` (/var/lib/kubelet/config.yaml) at a file that names "
          "`nameserver <your upstream resolver>` instead of {}, then `systemctl restart kubelet`.",
          nd.node, join(addrs, ", ")));
    // Pods read the file when they are created: recreate the affected workloads.
    std::set<std::string> done;
    for (const auto* group : {&own_netns, &dns_pods}) {
      for (const Pod* p : *group) {
        std::string owner = controller_of(c, *p);
        std::string cmd = owner.empty() || owner.rfind("replicaset/", 0) == 0 || owner.rfind("job/", 0) == 0
                              ? fmt::format("kubectl -n {} delete pod {}", p->meta.ns, p->meta.name)
                              : fmt::format("kubectl -n {} rollout restart {}", p->meta.ns, owner);
        if (done.insert(cmd).second && done.size() <= 6) f.fix.push_back(cmd);
      }
    }
    if (!own_netns.empty())
      f.fix.push_back(
          "An application pod that needs cluster Service names does not belong on dnsPolicy Default: use "
          "ClusterFirst (ClusterFirstWithHostNet on the host network).");
    f.fix.push_back(
        fmt::format("Verify: kubectl exec -n <namespace> <pod> -- cat /etc/resolv.conf on a re-created "
                    "pod of {} shows the real upstream, not {}.",
                    nd.node, join(addrs, ", ")));
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_DNS
