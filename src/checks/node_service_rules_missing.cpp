// node-service-rules-missing (P1.3): kube-proxy runs in iptables mode on a node (nat KUBE-SERVICES
// exists) but wrote nothing for a Service port: no KUBE-SERVICES jump for its ClusterIP:port and no
// "has no endpoints" REJECT either. Connections from that node to the ClusterIP are not translated
// and go to the default route: timeouts. One finding per node.
#include "checks/node_service_rules_missing.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checks/service_rules.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

// The same Service port on another node, programmed: the contrast that shows kube-proxy works there.
const ServicePortRules* elsewhere(const std::vector<ServicePortRules>& all, const ServicePortRules& s) {
  for (const auto& o : all)
    if (o.node != s.node && o.service == s.service && o.port == s.port && o.cluster_ip == s.cluster_ip && o.rules &&
        o.rules->line)
      return &o;
  return nullptr;
}

std::string rule_text(const NodeFacts& n, const std::string& file, uint32_t line) {
  const auto& save = file == "iptables-save.txt" ? n.ipt4 : n.ipt6;
  if (save)
    for (const auto& t : save->tables)
      for (const auto& r : t.rules)
        if (r.line == line) return r.text;
  return "KUBE-SERVICES rule";
}

const Pod* kube_proxy_pod(const Cluster& c, const std::string& node) {
  for (const Pod& p : c.pods)
    if (p.node_name == node && p.meta.name.rfind("kube-proxy", 0) == 0) return &p;
  return nullptr;
}

}  // namespace

void run_node_service_rules_missing(Context& ctx) {
  const auto& all = service_port_rules(ctx);
  std::vector<const NodeFacts*> nodes;
  for (const auto& s : all)
    if (std::find(nodes.begin(), nodes.end(), s.node) == nodes.end()) nodes.push_back(s.node);
  for (const NodeFacts* n : nodes) {
    std::vector<const ServicePortRules*> missing;
    for (const auto& s : all)
      if (s.node == n && !s.rules) missing.push_back(&s);
    if (missing.empty()) continue;
    std::set<const Service*> services;
    for (const auto* s : missing) services.insert(s->service);
    const Service& first = *missing.front()->service;
    Finding& f = ctx.report("node-service-rules-missing",
                            services.size() == 1 ? subject_of("Service", first.meta) : Subject{"Node", "", n->name});
    f.node = n->name;
    std::vector<std::string> names;
    for (const auto* s : missing) names.push_back(fmt::format("{} ({})", s->name, service_address(*s)));
    const std::string& file = missing.front()->save_file;
    const node::IptTable* nat = n->ipt4 ? n->ipt4->table("nat") : nullptr;
    const node::IptChain* ks = nat ? nat->chain("KUBE-SERVICES") : nullptr;
    f.summary = fmt::format(
        "kube-proxy on node {} has no rules for {}: {}. kube-proxy runs in iptables mode there (nat KUBE-SERVICES "
        "exists) but wrote neither the jump for the ClusterIP nor the \"has no endpoints\" REJECT, so connections "
        "from pods on {} (and from the node itself) to {} are not translated to an endpoint and time out (P1.3).",
        n->name,
        services.size() == 1 ? "Service " + first.meta.ns + "/" + first.meta.name
                             : fmt::format("{} Service ports", missing.size()),
        join(names, ", "), n->name, names.size() == 1 ? "it" : "them");
    for (const auto* s : missing) {
      if (f.evidence.size() >= 10) break;
      f.evidence.push_back({at(s->service->meta, ".spec.clusterIP"),
                            fmt::format("Service {}/{} {} port {}", s->service->meta.ns, s->service->meta.name,
                                        service_address(*s), s->port->name.empty() ? "(unnamed)" : s->port->name)});
      f.evidence.push_back({n->src(s->save_file, ks ? ks->line : 0),
                            fmt::format("no -A KUBE-SERVICES -d {}/{} ... --dport {} rule (nat) and no REJECT (filter) "
                                        "for \"{}\"",
                                        s->cluster_ip, s->cluster_ip.find(':') == std::string::npos ? 32 : 128,
                                        s->port->port, s->name)});
    }
    if (const ServicePortRules* o = elsewhere(all, *missing.front()))
      f.evidence.push_back(
          {o->node->src(o->save_file, o->rules->line), fmt::format("on {} kube-proxy has it: {}", o->node->name,
                                                                   rule_text(*o->node, o->save_file, o->rules->line))});
    const auto& save = file == "iptables-save.txt" ? n->ipt4 : n->ipt6;
    if (save)
      for (const auto& a : save->anomalies)
        if (a.name == "legacy-tables-present")
          f.evidence.push_back({n->src(file, a.line), a.text + " (rules in the other iptables backend)"});
    const Pod* proxy = kube_proxy_pod(ctx.cluster, n->name);
    std::string pod = proxy ? proxy->meta.name : "<kube-proxy pod on " + n->name + ">";
    f.fix = {fmt::format("Read kube-proxy's log on {}: kubectl -n kube-system logs {} --tail=200 (sync errors, "
                         "\"iptables-restore\" failures, a lost API connection).",
                         n->name, pod),
             fmt::format("Restart it so it re-syncs every rule: kubectl -n kube-system delete pod {}.", pod),
             "Look for something that deletes kube-proxy's rules: a firewall service reloading (firewalld, ufw, "
             "iptables-persistent / netfilter-persistent restoring a saved set), scripts running iptables -F, or "
             "iptables-legacy and iptables-nft mixed on the node (iptables-save prints a warning then).",
             fmt::format("Verify: on {}, iptables-save -t nat | grep '{}' shows the KUBE-SERVICES rule; from a pod "
                         "there, connect to {}.",
                         n->name, missing.front()->name, service_address(*missing.front()))};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
