// service-no-endpoints (P1.3): a Service with a selector but no ready endpoint: kube-proxy has nothing to
// send its ClusterIP traffic to (connections are rejected or time out).
#include "checks/service_no_endpoints.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {
namespace {

// Pods whose labels miss the selector by exactly one key: the usual typo.
std::vector<std::string> near_misses(const Cluster& c, const Service& s) {
  std::vector<std::string> out;
  if (s.selector.size() < 1) return out;
  for (const Pod* pp : c.pods_in(s.meta.ns)) {
    const Pod& p = *pp;
    int missed = 0;
    std::string what;
    for (const auto& [k, v] : s.selector) {
      const std::string* have = find_value(p.meta.labels, k);
      if (!have || *have != v) {
        ++missed;
        what = have ? fmt::format("{}={} (selector wants {}={})", k, *have, k, v)
                    : fmt::format("no label {} (selector wants {}={})", k, k, v);
      }
    }
    if (missed == 1 && s.selector.size() >= 1) {
      bool has_any = false;  // share at least one key, or the selector is one label with a similar value
      for (const auto& [k, v] : s.selector)
        if (find_value(p.meta.labels, k)) has_any = true;
      if (has_any) out.push_back(fmt::format("pod {} has {}", p.meta.name, what));
    }
    if (out.size() >= 3) break;
  }
  return out;
}

std::string selector_text(const StringMap& sel) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : sel) parts.push_back(k + "=" + v);
  return join(parts, ",");
}

}  // namespace

void run_service_no_endpoints(Context& ctx) {
  const Cluster& c = ctx.cluster;
  bool pods_known = c.listed("Pod") || !c.pods.empty();
  for (const Service& s : c.services) {
    if (!s.has_selector || s.type == "ExternalName") continue;
    const std::vector<const EndpointSet*>& sets = c.endpoints_of(s.meta.ns, s.meta.name);
    size_t ready = 0, not_ready = 0;
    for (const auto* e : sets)
      for (const auto& a : e->addresses) (a.ready ? ready : not_ready)++;
    // Pods the selector matches, and how many are ready.
    size_t matched = 0, matched_ready = 0;
    for (const Pod* p : c.pods_in(s.meta.ns))
      if (selector_matches(s.selector, p->meta.labels) && p->phase != "Succeeded" && p->phase != "Failed") {
        ++matched;
        if (pod_ready(*p)) ++matched_ready;
      }
    bool decided_by_endpoints = !sets.empty();
    if (decided_by_endpoints ? ready > 0 : (!pods_known || matched_ready > 0)) continue;

    Finding& f = ctx.report("service-no-endpoints", subject_of("Service", s.meta));
    f.evidence.push_back({at(s.meta, ".spec.selector"), "selector: " + selector_text(s.selector)});
    for (const auto* e : sets)
      f.evidence.push_back({e->meta.src.str(), fmt::format("{} {}: {} ready, {} not ready address(es)",
                                                           e->is_slice ? "EndpointSlice" : "Endpoints", e->meta.name,
                                                           ready, not_ready)});
    if (pods_known) {
      auto it = c.listed_kinds.find("Pod");
      f.evidence.push_back({it != c.listed_kinds.end() ? it->second.str() : c.root,
                            fmt::format("{} pod(s) in namespace {} match the selector, {} of them Ready", matched,
                                        s.meta.ns, matched_ready)});
    }
    auto misses = near_misses(c, s);
    for (const auto& m : misses) f.evidence.push_back({at(s.meta, ".spec.selector"), m});

    std::string port = s.ports.empty() ? "" : fmt::format(":{}", s.ports.front().port);
    if (matched == 0)
      f.summary = fmt::format("Service {}/{} selects no pod ({}), so it has no endpoints: connections to {}{} are "
                              "rejected or time out (P1.3).{}",
                              s.meta.ns, s.meta.name, selector_text(s.selector),
                              s.cluster_ip.empty() ? s.meta.name : s.cluster_ip, port,
                              misses.empty() ? "" : " A pod's labels differ from the selector by one label.");
    else
      f.summary = fmt::format("Service {}/{} selects {} pod(s) but none is Ready, so it has no ready endpoint: "
                              "connections to {}{} fail until one passes its readiness probe (P1.3).",
                              s.meta.ns, s.meta.name, matched, s.cluster_ip.empty() ? s.meta.name : s.cluster_ip, port);
    const std::string ns = kubectl_ns(s.meta.ns);
    f.fix = {fmt::format("Compare the selector with the pods' labels: kubectl get pods {} -l {} and kubectl get pods "
                         "{} --show-labels", ns, selector_text(s.selector), ns)};
    if (matched == 0)
      f.fix.push_back("Fix the Service's spec.selector or the pod template's labels so they agree (a Deployment's "
                      "selector is immutable: change the Service).");
    else
      f.fix.push_back(fmt::format("Find why the pods are not Ready: kubectl describe pods {} -l {} (readiness probe, "
                                  "crash loop).", ns, selector_text(s.selector)));
    f.fix.push_back(fmt::format("Verify: kubectl get endpointslices {} -l kubernetes.io/service-name={} lists ready "
                                "addresses.", ns, s.meta.name));
  }
}

}  // namespace nd::checks
