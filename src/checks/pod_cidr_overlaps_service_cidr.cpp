// pod-cidr-overlaps-service-cidr (P9): a pod range intersects the Service range. A pod address can
// then equal a ClusterIP: kube-proxy's rules catch traffic for that pod, and routes to the pod
// range swallow Service traffic that misses kube-proxy. The Service range comes from
// --service-cluster-ip-range, or, without the flag, is inferred from the ClusterIPs (and says so).
#include "checks/pod_cidr_overlaps_service_cidr.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include "checks/node_facts.h"
#include "checks/pod_range_fix.h"
#include "checks/util.h"

namespace nd::checks {

void run_pod_cidr_overlaps_service_cidr(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  if (net.service_ranges.empty()) return;
  std::vector<const RangeRef*> ranges;
  for (const auto& r : net.pod_ranges) ranges.push_back(&r);
  for (const auto& r : net.node_ranges) {
    bool inside = false;
    for (const auto& c : net.pod_ranges) inside |= node::contains(c.prefix, r.prefix);
    if (!inside) ranges.push_back(&r);
  }
  for (const RangeRef* r : ranges) {
    for (const RangeRef& s : net.service_ranges) {
      auto inter = node::intersection(r->prefix, s.prefix);
      if (!inter) continue;
      std::vector<Evidence> ev{r->evidence, s.evidence};
      // What sits in the shared part: ClusterIPs, and pods whose addresses are Service addresses.
      std::vector<std::string> svcs, pods;
      for (const Service& svc : ctx.cluster.services) {
        auto a = node::parse_address(svc.cluster_ip);
        if (!a || !node::contains(*inter, *a)) continue;
        if (svcs.size() < 5)
          ev.push_back({at(svc.meta, ".spec.clusterIP"),
                        fmt::format("Service {}/{} clusterIP {}", svc.meta.ns, svc.meta.name, svc.cluster_ip)});
        svcs.push_back(fmt::format("{}/{} {}", svc.meta.ns, svc.meta.name, svc.cluster_ip));
      }
      for (const Pod& p : ctx.cluster.pods) {
        auto a = node::parse_address(p.pod_ip);
        if (p.host_network || !a || !node::contains(*inter, *a)) continue;
        if (pods.size() < 5)
          ev.push_back(
              {at(p.meta, ".status.podIP"), fmt::format("Pod {}/{} podIP {}", p.meta.ns, p.meta.name, p.pod_ip)});
        pods.push_back(fmt::format("{}/{} {}", p.meta.ns, p.meta.name, p.pod_ip));
      }
      Finding& f = ctx.report("pod-cidr-overlaps-service-cidr", r->subject);
      if (!r->node.empty()) f.node = r->node;
      auto some = [](std::vector<std::string> v) {
        if (v.size() > 5) {
          size_t more = v.size() - 5;
          v.resize(5);
          v.push_back(fmt::format("and {} more", more));
        }
        return join(v, ", ");
      };
      std::string inside;
      if (!svcs.empty()) inside += fmt::format(" ClusterIPs inside it: {}.", some(svcs));
      if (!pods.empty()) inside += fmt::format(" Pods with addresses inside it: {}.", some(pods));
      f.summary = fmt::format(
          "Pod range {} ({}) overlaps the Service range {} ({}) in {}. A pod can get an address that is also a "
          "ClusterIP: kube-proxy then redirects traffic meant for that pod to the Service's endpoints, and Service "
          "traffic that misses kube-proxy (from the host network, from other clusters) is routed to pods instead "
          "(P9).{}",
          r->text, r->origin, s.text, s.origin, inter->to_string(), inside);
      f.evidence = std::move(ev);
      f.fix = range_migration_fix(ctx.cluster, ctx.cni, net, *r);
      f.fix.push_back(
          "Moving the Service range instead means changing kube-apiserver --service-cluster-ip-range and "
          "kube-controller-manager's, then deleting and re-creating every Service (ClusterIPs are immutable) and "
          "changing the kubelet's clusterDNS: usually harder than moving the pods.");
      if (s.inferred)
        f.fix.push_back(
            "The Service range here is inferred from the ClusterIPs; confirm it with kubectl -n "
            "kube-system get pod -l component=kube-apiserver -o yaml | grep service-cluster-ip-range.");
    }
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
