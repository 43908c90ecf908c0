#include "checks/service_rules.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>

namespace nd::checks {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The endpoint sets of a Service: its EndpointSlices when the snapshot has any (kube-proxy reads
// slices), else its Endpoints.
std::vector<const EndpointSet*> endpoint_sets(const Cluster& c, const Service& s) {
  std::vector<const EndpointSet*> slices, eps;
  for (const EndpointSet* e : c.endpoints_of(s.meta.ns, s.meta.name)) (e->is_slice ? slices : eps).push_back(e);
  return slices.empty() ? eps : slices;
}

// Ready endpoints "ip:port" of a Service port for one family, as kube-proxy would program them:
// ready ones; when none is ready, the serving-and-terminating ones (kube-proxy's fallback).
std::set<std::string> ready_endpoints(const std::vector<const EndpointSet*>& sets, const ServicePort& sp,
                                      node::Family f, const std::string& only_node, const EndpointSet** src) {
  std::set<std::string> ready, terminating;
  for (const EndpointSet* e : sets) {
    if (e->is_slice && !e->address_type.empty() && e->address_type != family_name(f)) continue;
    const EndpointPort* port = nullptr;
    for (const auto& p : e->ports)
      if (p.name == sp.name && lower(p.protocol) == lower(sp.protocol)) port = &p;
    if (!port && e->ports.size() == 1 && sp.name.empty()) port = &e->ports.front();
    if (!port) continue;
    for (const auto& a : e->addresses) {
      auto ip = node::parse_address(a.ip);
      if (!ip || ip->family != f) continue;
      if (!only_node.empty() && a.node_name != only_node) continue;
      std::string key = fmt::format("{}:{}", f == node::Family::V6 ? "[" + a.ip + "]" : a.ip, port->port);
      if (a.ready)
        ready.insert(key);
      else if (a.serving.value_or(false) && a.terminating.value_or(false))
        terminating.insert(key);
      if (!*src) *src = e;
    }
    if (!*src) *src = e;
  }
  return ready.empty() ? terminating : ready;
}

}  // namespace

std::string service_address(const ServicePortRules& s) {
  bool v6 = s.cluster_ip.find(':') != std::string::npos;
  return fmt::format("{}:{}/{}", v6 ? "[" + s.cluster_ip + "]" : s.cluster_ip, s.port->port, s.protocol);
}

const std::vector<ServicePortRules>& service_port_rules(Context& ctx) {
  return ctx.cached<std::vector<ServicePortRules>>("service-port-rules", [&] {
    std::vector<ServicePortRules> out;
    const ClusterNet& net = cluster_net(ctx);
    const Cluster& c = ctx.cluster;
    const bool listed = c.listed("EndpointSlice") || c.listed("Endpoints") || !c.endpoints.empty();
    for (const NodeFacts& f : net.nodes) {
      for (node::Family fam : {node::Family::V4, node::Family::V6}) {
        const auto& kp = fam == node::Family::V4 ? f.kube_proxy4 : f.kube_proxy6;
        if (!kp || !kp->present) continue;  // not iptables mode here (or no save): say nothing
        for (const Service& s : c.services) {
          if (s.headless() || s.type == "ExternalName") continue;
          std::vector<std::string> ips = s.cluster_ips;
          if (ips.empty() && !s.cluster_ip.empty()) ips.push_back(s.cluster_ip);
          std::string ip;
          for (const auto& x : ips)
            if (auto a = node::parse_address(x); a && a->family == fam) ip = x;
          if (ip.empty()) continue;
          auto sets = endpoint_sets(c, s);
          for (const ServicePort& sp : s.ports) {
            ServicePortRules r;
            r.node = &f;
            r.service = &s;
            r.port = &sp;
            r.cluster_ip = ip;
            r.protocol = lower(sp.protocol);
            r.save_file = fam == node::Family::V4 ? "iptables-save.txt" : "ip6tables-save.txt";
            r.name = s.meta.ns + "/" + s.meta.name + (sp.name.empty() ? "" : ":" + sp.name);
            const node::KubeServicePort* k = kp->find(r.name, r.protocol);
            if (!k || (k->line == 0 && !k->has_reject)) k = kp->find_ip(ip, sp.port, r.protocol);
            if (k && (k->line != 0 || k->has_reject)) r.rules = k;
            r.local_only = r.rules && r.rules->chain.rfind("KUBE-SVL-", 0) == 0;
            r.endpoints_known = listed || !sets.empty();
            r.want = ready_endpoints(sets, sp, fam, r.local_only ? f.name : "", &r.endpoint_src);
            if (r.rules)
              for (const auto& e : r.rules->endpoints)
                r.have.insert(fmt::format("{}:{}", fam == node::Family::V6 ? "[" + e.ip + "]" : e.ip, e.port));
            out.push_back(std::move(r));
          }
        }
      }
    }
    return out;
  });
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
