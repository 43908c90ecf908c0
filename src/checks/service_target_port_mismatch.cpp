// service-target-port-mismatch (P1.3): a Service's targetPort names or numbers no port of the pods it
// selects. A named targetPort that no container declares leaves the pod out of the endpoints; a number
// that no container declares usually means traffic goes to a port nothing listens on.
#include "checks/service_target_port_mismatch.h"

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {
namespace {

struct PortMatch {
  bool any_declared = false, found = false;
  std::vector<std::string> declared;  // "web:80/TCP (http)"
};

PortMatch match(const Pod& p, const ServicePort& sp) {
  PortMatch m;
  int number = sp.target_port ? sp.target_port : sp.port;
  // Regular containers and native sidecars (init containers with restartPolicy Always) serve ports.
  std::vector<const Container*> serving;
  for (const auto& c : p.containers) serving.push_back(&c);
  for (const auto& c : p.init_containers)
    if (c.restart_policy == "Always") serving.push_back(&c);
  for (const Container* cptr : serving)
    for (const auto& cp : cptr->ports) {
      const Container& c = *cptr;
      if (cp.protocol != sp.protocol) continue;
      m.any_declared = true;
      m.declared.push_back(fmt::format("{}:{}/{}{}", c.name, cp.port, cp.protocol, cp.name.empty() ? "" : " (" + cp.name + ")"));
      if (!sp.target_port_name.empty() ? cp.name == sp.target_port_name : cp.port == number) m.found = true;
    }
  return m;
}

}  // namespace

void run_service_target_port_mismatch(Context& ctx) {
  const Cluster& c = ctx.cluster;
  for (const Service& s : c.services) {
    if (!s.has_selector || s.type == "ExternalName") continue;
    std::vector<const Pod*> pods;
    for (const Pod* p : c.pods_in(s.meta.ns))
      if (selector_matches(s.selector, p->meta.labels) && p->phase != "Succeeded" && p->phase != "Failed")
        pods.push_back(p);
    if (pods.empty()) continue;  // service-no-endpoints covers it
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const ServicePort& sp = s.ports[i];
      bool named = !sp.target_port_name.empty();
      size_t missing = 0, declaring = 0;
      PortMatch example;
      for (const Pod* p : pods) {
        PortMatch m = match(*p, sp);
        if (m.any_declared) ++declaring;
        if (!m.found) {
          ++missing;
          if (example.declared.empty()) example = m;
        }
      }
      // Named: every pod lacking the name is dropped from the endpoints. Numeric: only a signal when the pods
      // declare their ports and none is the target.
      bool finding = named ? missing == pods.size() : (declaring == pods.size() && missing == pods.size());
      if (!finding) continue;
      std::string target = named ? "\"" + sp.target_port_name + "\"" : std::to_string(sp.target_port ? sp.target_port : sp.port);
      Finding& f = ctx.report("service-target-port-mismatch", subject_of("Service", s.meta));
      if (!named) f.severity = Severity::Warning;
      f.evidence.push_back({at(s.meta, fmt::format(".spec.ports[{}]", i)),
                            fmt::format("port {}{} -> targetPort {}", sp.port, sp.name.empty() ? "" : " (" + sp.name + ")", target)});
      f.evidence.push_back({at(pods.front()->meta, ".spec.containers[*].ports"),
                            fmt::format("pod {} declares {}", pods.front()->meta.name,
                                        example.declared.empty() ? "no ports" : join(example.declared, ", "))});
      for (const EndpointSet* ep : c.endpoints_of(s.meta.ns, s.meta.name)) {
          const EndpointSet& e = *ep;
          std::vector<std::string> ports;
          for (const auto& p : e.ports) ports.push_back(fmt::format("{}{}", p.port, p.name.empty() ? "" : " (" + p.name + ")"));
          f.evidence.push_back({e.meta.src.str(), fmt::format("{} {}: {} address(es), ports [{}]",
                                                              e.is_slice ? "EndpointSlice" : "Endpoints", e.meta.name,
                                                              e.addresses.size(), join(ports, ", "))});
        }
      if (named)
        f.summary = fmt::format("Service {}/{} port {} targets the named port {}, which no container of its {} "
                                "selected pod(s) declares: the endpoints controller leaves those pods out, so the "
                                "Service has no endpoint for this port and connections fail (P1.3).",
                                s.meta.ns, s.meta.name, sp.port, target, pods.size());
      else
        f.summary = fmt::format("Service {}/{} sends port {} to targetPort {}, but its {} selected pod(s) declare "
                                "only {}: traffic most likely reaches a port nothing listens on (connection refused "
                                "or timeout) (P1.3).",
                                s.meta.ns, s.meta.name, sp.port, target, pods.size(), join(example.declared, ", "));
      f.fix = {fmt::format("Set the Service's targetPort to the port the application listens on: kubectl edit svc {} {}",
                           s.meta.name, kubectl_ns(s.meta.ns)),
               "Or name the container port in the pod template and target that name, so a port change cannot drift.",
               fmt::format("Verify from a pod: netdoctor probe tcp {}:{} (or the Service's name)", s.cluster_ip, sp.port)};
    }
  }
}

}  // namespace nd::checks
