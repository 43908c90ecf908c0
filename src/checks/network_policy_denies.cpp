// network-policy-denies (P2.2, P1.3): the pods behind a Service are isolated for ingress by
// NetworkPolicy, the CNI enforces policy, and no policy that selects them allows the Service's target
// port at all — so every connection to the Service is dropped, whoever the client is. This is the part
// of "a policy blocks my traffic" that the snapshot alone decides: which clients a policy should admit
// is the owner's intent, but a port no rule opens is closed to all of them. `netdoctor trace` names the
// same id when a policy drops one particular connection.
#ifdef ND_HAVE_NODE
#include "checks/network_policy_denies.h"

#include <algorithm>

#include <fmt/format.h>

#include "checks/netpol.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

// The port number the Service's targetPort resolves to on this pod (0: the pod declares no such name).
int target_number(const ServicePort& sp, const Pod& p) {
  if (sp.target_port_name.empty()) return sp.target_port ? sp.target_port : sp.port;
  for (const auto& c : p.containers)
    for (const auto& cp : c.ports)
      if (cp.name == sp.target_port_name && cp.protocol == sp.protocol) return cp.port;
  return 0;
}

// Does one entry of a rule's `ports` open `number`/protocol on pod p? A named policy port resolves
// against the pod's container ports, as the API documents.
bool port_opens(const netpol::Port& pp, const ServicePort& sp, int number, const Pod& p) {
  if (pp.protocol != sp.protocol) return false;
  if (pp.number) return pp.end ? (*pp.number <= number && number <= *pp.end) : *pp.number == number;
  if (pp.name.empty()) return true;  // protocol only: every port of it
  for (const auto& c : p.containers)
    for (const auto& cp : c.ports)
      if (cp.name == pp.name && cp.port == number && cp.protocol == sp.protocol) return true;
  return false;
}

// {app: web, tier: front}: a selector as a YAML flow map, for the policy the fix suggests.
std::string flow_map(const StringMap& labels) {
  std::vector<std::string> kv;
  for (const auto& [k, v] : labels) kv.push_back(k + ": " + v);
  return "{" + join(kv, ", ") + "}";
}

struct PodVerdict {
  bool isolated = false, opened = false;
  bool opens_service_port = false;  // a rule opens the Service's own port instead of the target port
  std::vector<const netpol::Policy*> selecting;
};

PodVerdict judge(const std::vector<netpol::Policy>& policies, const Pod& p, const ServicePort& sp, int number) {
  PodVerdict v;
  if (p.host_network) return v;  // policies never select host-network pods
  for (const auto& pol : policies) {
    if (pol.ns != p.meta.ns || !pol.ingress || !netpol::matches(pol.pod_selector, p.meta.labels)) continue;
    v.isolated = true;
    v.selecting.push_back(&pol);
    for (const auto& r : pol.ingress_rules) {
      if (r.ports.empty()) {
        v.opened = true;  // a rule without ports admits every port (to its peers)
        continue;
      }
      for (const auto& pp : r.ports) {
        v.opened |= port_opens(pp, sp, number, p);
        if (sp.port != number) v.opens_service_port |= port_opens(pp, sp, sp.port, p);
      }
    }
  }
  return v;
}

}  // namespace

void run_network_policy_denies(Context& ctx) {
  const Cluster& c = ctx.cluster;
  // Only where policy is enforced: under flannel alone cni-policy-not-enforced says why nothing drops,
  // and with an unknown CNI we cannot claim a drop.
  if (c.network_policies.empty() || !ctx.cni.enforces_policy) return;
  std::vector<netpol::Policy> policies;
  for (const auto& np : c.network_policies)
    if (auto p = netpol::parse(np); p.ok()) policies.push_back(std::move(p.value()));
  if (policies.empty()) return;

  for (const Service& s : c.services) {
    if (!s.has_selector || s.type == "ExternalName") continue;
    std::vector<const Pod*> pods;
    for (const Pod* p : c.pods_in(s.meta.ns))
      if (p->phase == "Running" && selector_matches(s.selector, p->meta.labels)) pods.push_back(p);
    if (pods.empty()) continue;  // service-no-endpoints covers it
    for (const ServicePort& sp : s.ports) {
      // Closed on every pod: one pod that opens the port keeps the Service partly working.
      std::vector<const netpol::Policy*> selecting;
      int number = 0;
      bool all_closed = true, service_port_opened = false;
      for (const Pod* p : pods) {
        int n = target_number(sp, *p);
        if (n == 0) {  // service-target-port-mismatch covers a name no container declares
          all_closed = false;
          break;
        }
        PodVerdict v = judge(policies, *p, sp, n);
        if (!v.isolated || v.opened) {
          all_closed = false;
          break;
        }
        number = n;
        service_port_opened |= v.opens_service_port;
        for (const auto* pol : v.selecting)
          if (std::find(selecting.begin(), selecting.end(), pol) == selecting.end()) selecting.push_back(pol);
      }
      if (!all_closed || selecting.empty()) continue;

      std::vector<std::string> names;
      for (const auto* pol : selecting) names.push_back(pol->name);
      std::string port = fmt::format("{}/{}", number, sp.protocol);
      Finding& f = ctx.report("network-policy-denies", Subject{"Service", s.meta.ns, s.meta.name});
      f.summary = fmt::format(
          "Service {}/{} port {} (targetPort {}): its {} pod{} {} isolated for ingress by NetworkPolic{} {} and no "
          "policy that selects {} opens port {}. {} enforces NetworkPolicy, so every connection to the Service on "
          "this port is dropped, from any client (P2.2, P1.3).",
          s.meta.ns, s.meta.name, sp.port, port, pods.size(), pods.size() == 1 ? "" : "s",
          pods.size() == 1 ? "is" : "are", names.size() == 1 ? "y" : "ies", join(names, ", "), pods.size() == 1 ? "it" : "them", port, ctx.cni.name);
      if (service_port_opened)
        f.summary += fmt::format(
            " A policy opens port {0}, the Service's port: policy is applied at the pod, after kube-proxy has "
            "translated {0} to the target port {1}, so it must name {1}.",
            sp.port, number);
      f.evidence.push_back({s.meta.src.str(), fmt::format("Service {}/{} port {} -> targetPort {}", s.meta.ns,
                                                          s.meta.name, sp.port, port)});
      f.evidence.push_back({pods.front()->meta.src.str(),
                            fmt::format("pod {}/{} (selected by the Service and by the policies)", pods.front()->meta.ns,
                                        pods.front()->meta.name)});
      for (const auto* pol : selecting) {
        std::string rules = pol->ingress_rules.empty()
                                ? "no ingress rule: denies all ingress"
                                : fmt::format("{} ingress rule{}, none opens {}", pol->ingress_rules.size(),
                                              pol->ingress_rules.size() == 1 ? "" : "s", port);
        f.evidence.push_back({pol->src.str(), fmt::format("NetworkPolicy {}/{}: {}", pol->ns, pol->name, rules)});
      }
      f.fix = {
          fmt::format("See what selects the pods: kubectl -n {} get networkpolicy {} -o yaml", s.meta.ns, join(names, " ")),
          fmt::format("If the Service must be reachable, add a policy that opens the port to its clients, e.g.:\n"
                      "kubectl -n {0} apply -f - <<'EOF'\n"
                      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-{1}-{2}\n"
                      "spec:\n  podSelector:\n    matchLabels: {3}\n  policyTypes: [Ingress]\n  ingress:\n"
                      "  - from:\n    - namespaceSelector: {{}}   # narrow this to the real clients\n"
                      "    ports:\n    - protocol: {4}\n      port: {5}\nEOF",
                      s.meta.ns, s.meta.name, number, flow_map(s.selector), sp.protocol, number),
          fmt::format("Verify from a client pod: netdoctor probe tcp {}:{} (expect connected), or "
                      "netdoctor trace SNAPSHOT --from CLIENT_NS/POD --to svc/{}/{}:{}",
                      s.cluster_ip.empty() ? s.meta.name + "." + s.meta.ns : s.cluster_ip, sp.port, s.meta.ns,
                      s.meta.name, sp.port)};
    }
  }
}

}  // namespace nd::checks
#endif  // ND_HAVE_NODE
