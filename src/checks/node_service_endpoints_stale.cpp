// node-service-endpoints-stale (P1.3): kube-proxy's rules for a Service on a node send to other
// endpoints than the snapshot's ready ones: addresses of pods that are gone (connections to them
// time out or are refused), ready pods left out, or the "has no endpoints" REJECT while endpoints
// are ready (connections refused at once). kube-proxy stopped syncing on that node. Judged only when
// the snapshot lists Endpoints or EndpointSlices. One finding per node.
#include "checks/node_service_endpoints_stale.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checks/service_rules.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

std::vector<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

void run_node_service_endpoints_stale(Context& ctx) {
  const auto& all = service_port_rules(ctx);
  std::vector<const NodeFacts*> nodes;
  for (const auto& s : all)
    if (std::find(nodes.begin(), nodes.end(), s.node) == nodes.end()) nodes.push_back(s.node);
  for (const NodeFacts* n : nodes) {
    std::vector<const ServicePortRules*> stale;
    for (const auto& s : all)
      if (s.node == n && s.rules && s.endpoints_known && s.have != s.want) stale.push_back(&s);
    if (stale.empty()) continue;
    std::set<const Service*> services;
    for (const auto* s : stale) services.insert(s->service);
    const Service& first = *stale.front()->service;
    Finding& f = ctx.report("node-service-endpoints-stale",
                            services.size() == 1 ? subject_of("Service", first.meta) : Subject{"Node", "", n->name});
    f.node = n->name;
    std::vector<std::string> parts;
    for (const auto* s : stale) {
      auto gone = minus(s->have, s->want), left_out = minus(s->want, s->have);
      std::string what;
      if (s->rules->has_reject && s->have.empty())
        what = fmt::format("REJECT \"has no endpoints\" while {} ready", join(left_out, ", "));
      else {
        if (!gone.empty()) what += "sends to " + join(gone, ", ") + " (not ready endpoints in the snapshot)";
        if (!left_out.empty())
          what += (what.empty() ? "" : "; ") + std::string("leaves out ready ") + join(left_out, ", ");
      }
      parts.push_back(fmt::format("{} ({}): {}", s->name, service_address(*s), what));
      if (f.evidence.size() >= 12) continue;
      uint32_t line = s->rules->has_reject && s->have.empty() ? s->rules->reject_line : s->rules->line;
      f.evidence.push_back(
          {n->src(s->save_file, line),
           s->rules->has_reject && s->have.empty()
               ? fmt::format("\"{} has no endpoints\" REJECT for {}", s->name, service_address(*s))
               : fmt::format("{} -> {} endpoint{}: {}", s->rules->chain, s->have.size(), s->have.size() == 1 ? "" : "s",
                             join(std::vector<std::string>(s->have.begin(), s->have.end()), ", "))});
      if (s->endpoint_src)
        f.evidence.push_back(
            {s->endpoint_src->meta.src.str(),
             fmt::format(
                 "{} {}/{}: ready {}", s->endpoint_src->is_slice ? "EndpointSlice" : "Endpoints",
                 s->endpoint_src->meta.ns, s->endpoint_src->meta.name,
                 s->want.empty() ? "none" : join(std::vector<std::string>(s->want.begin(), s->want.end()), ", "))});
    }
    f.summary = fmt::format(
        "kube-proxy's rules on node {} do not match the ready endpoints: {}. Connections from {} to {} go to pods "
        "that are gone (timeouts, refused) or are rejected although endpoints are ready; kube-proxy has stopped "
        "syncing there (P1.3). A snapshot taken while pods were rolling can show this briefly: if it persists in a "
        "new snapshot, it is real.",
        n->name, join(parts, "; "), n->name, services.size() == 1 ? "this Service" : "these Services");
    f.fix = {fmt::format("Find kube-proxy on {0}: kubectl -n kube-system get pods -o wide -l k8s-app=kube-proxy "
                         "--field-selector spec.nodeName={0}; read its log with kubectl -n kube-system logs <pod> "
                         "--tail=200 (sync errors, a lost API connection).",
                         n->name),
             "Restart kube-proxy on that node (kubectl -n kube-system delete pod <kube-proxy pod>) so it re-syncs.",
             fmt::format("Verify: kubectl get endpointslices -n {} -l kubernetes.io/service-name={} matches "
                         "iptables-save -t nat | grep '{}' on {}.",
                         first.meta.ns, first.meta.name, stale.front()->name, n->name)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
