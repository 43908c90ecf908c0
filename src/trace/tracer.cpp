// The Tracer: what is prepared once per snapshot, and how the endpoints of a question are found in
// the model. The walk itself is in walk.cpp.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "checks/node_routes.h"
#include "checks/service_rules.h"
#include "core/cni.h"
#include "trace/endpoint.h"
#include "trace/walk.h"
#include "trace/walk_index.h"

namespace nd::trace {

namespace {

// Services by namespace and name (the last of a name, as the scan it replaces found), built with the
// Tracer: resolving svc/NS/NAME scanned every Service.
using ServiceIndex = std::map<std::pair<std::string_view, std::string_view>, const nd::Service*>;

// The judged route of node A to node B's pods, by (A, B, family), the first of each as the scan of
// peer_routes found it. Views into the PeerRoutes: no key string per pair (a million at 1000 nodes).
struct PeerKey {
  std::string_view self, peer;
  node::Family family;
  bool operator==(const PeerKey&) const = default;
};
struct PeerKeyHash {
  size_t operator()(const PeerKey& k) const {
    return (std::hash<std::string_view>()(k.self) * 31 + std::hash<std::string_view>()(k.peer)) * 7 +
           static_cast<size_t>(k.family);
  }
};
using PeerIndex = std::unordered_map<PeerKey, const checks::PeerRoute*, PeerKeyHash>;

const PeerIndex& peer_index_of(Context& ctx) {
  return *ctx.cached<std::shared_ptr<const PeerIndex>>("trace-peer-index", [&] {
    const auto& all = checks::peer_routes(ctx);
    auto idx = std::make_shared<PeerIndex>();
    idx->reserve(all.size());
    for (const auto& pr : all) idx->emplace(PeerKey{pr.self->name, pr.peer, pr.family}, &pr);
    return std::shared_ptr<const PeerIndex>(idx);
  });
}

const ServiceIndex& service_index(Context& ctx) {
  return *ctx.cached<std::shared_ptr<const ServiceIndex>>("trace-service-index", [&] {
    auto idx = std::make_shared<ServiceIndex>();
    for (const Service& x : ctx.cluster.services) (*idx)[{x.meta.ns, x.meta.name}] = &x;
    return std::shared_ptr<const ServiceIndex>(idx);
  });
}

}  // namespace

Tracer::Tracer(const Cluster& cluster) : impl_(std::make_unique<Impl>(cluster)) {}
Tracer::~Tracer() = default;

const std::vector<std::string>& Tracer::warnings() const { return impl_->warnings; }

Impl::Impl(const Cluster& cl) : c(cl), cni(detect_cni(cl)), ctx(cl, cni) {
  // Every check runs once, so a hop can name the finding diagnose reports for the same cause, and
  // the node facts, peer routes and Service rules they build are cached in ctx for the walk.
  for (const auto& check : all_checks()) check.run(ctx);
  for (const Finding& f : ctx.findings()) findings.emplace(f.id, &f);
  net = &checks::cluster_net(ctx);
  peers = &checks::peer_routes(ctx);
  walk_index(ctx, *net);  // built now, so trace() only reads them
  service_index(ctx);
  peer_index_of(ctx);
  svc_rules = &checks::service_port_rules(ctx);
  for (const auto& r : *svc_rules)
    if (r.cluster_ip.find(':') == std::string::npos) rules_index.emplace(std::make_tuple(r.node, r.service, r.port), &r);
  for (const NetworkPolicy& np : c.network_policies) {
    auto p = netpol::parse(np);
    if (p)
      policies.push_back(std::move(*p));
    else
      warnings.push_back(p.error().message);
  }
  for (const Pod& p : c.pods) {
    if (p.host_network) continue;
    if (!p.pod_ip.empty()) pod_by_ip.emplace(p.pod_ip, &p);
    for (const auto& ip : p.pod_ips) pod_by_ip.emplace(ip, &p);
  }
  for (const Service& s : c.services) {
    if (!s.cluster_ip.empty() && s.cluster_ip != "None") svc_by_ip.emplace(s.cluster_ip, &s);
    for (const auto& ip : s.cluster_ips) svc_by_ip.emplace(ip, &s);
  }
  for (const Node& n : c.nodes)
    for (const auto& a : n.addresses)
      if (a.type == "InternalIP" || a.type == "ExternalIP") node_by_ip.emplace(a.address, &n);
  for (const Namespace& n : c.namespaces) namespaces.emplace(n.meta.name, &n);
}

const Finding* Impl::finding(std::string_view id, std::string_view node, std::string_view kind,
                             std::string_view ns, std::string_view name) const {
  auto [b, e] = findings.equal_range(std::string(id));
  for (auto it = b; it != e; ++it) {
    const Finding& f = *it->second;
    if (!node.empty() && f.node != node && !(f.subject.kind == "Node" && f.subject.name == node)) continue;
    if (!kind.empty() && (f.subject.kind != kind || f.subject.ns != ns || f.subject.name != name)) continue;
    return &f;
  }
  return nullptr;
}

const checks::PeerRoute* Impl::peer_route(const std::string& self, const std::string& peer, node::Family f) const {
  const PeerIndex& idx = peer_index_of(ctx);
  auto it = idx.find(PeerKey{self, peer, f});
  return it == idx.end() ? nullptr : it->second;
}

// ---- endpoints ---------------------------------------------------------------------------------

namespace {

const ServicePort* pick_port(const Service& s, const EndpointSpec& e, std::string* err) {
  if (e.port.empty()) {
    if (s.ports.size() == 1) return &s.ports.front();
    std::string list;
    for (const auto& p : s.ports) list += fmt::format("{}{}{}", list.empty() ? "" : ", ", p.port, p.name.empty() ? "" : " (" + p.name + ")");
    *err = fmt::format("Service {}/{} has {} ports ({}): name one, svc/{}/{}:PORT", s.meta.ns, s.meta.name,
                       s.ports.size(), list.empty() ? "none" : list, s.meta.ns, s.meta.name);
    return nullptr;
  }
  int n = e.port_number();
  for (const auto& p : s.ports) {
    bool proto = e.protocol.empty() || lower(p.protocol) == e.protocol;
    if (proto && ((n && p.port == n) || (!n && p.name == e.port))) return &p;
  }
  *err = fmt::format("Service {}/{} has no port {}{}", s.meta.ns, s.meta.name, e.port,
                     e.protocol.empty() ? "" : "/" + e.protocol);
  return nullptr;
}

}  // namespace

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Result<End> Impl::resolve(const std::string& text) const {
  auto spec = parse_endpoint(text);
  if (!spec) return spec.error();
  EndpointSpec e = *spec;
  End out;
  out.text = text;
  out.protocol = e.protocol;
  out.port = e.port_number();
  // A name of the cluster's DNS: NAME.NS.svc[.cluster.local] is that Service.
  if (e.kind == EndpointSpec::Kind::Name) {
    auto dot = e.name.find('.');
    auto svc = e.name.find(".svc");
    if (dot != std::string::npos && svc != std::string::npos && svc > dot) {
      e.kind = EndpointSpec::Kind::Service;
      std::string name = e.name.substr(0, dot);
      e.ns = e.name.substr(dot + 1, svc - dot - 1);
      e.name = name;
    }
  }
  switch (e.kind) {
    case EndpointSpec::Kind::Pod: {
      const Pod* p = c.pod(e.ns, e.name);
      if (!p) return Error{fmt::format("no pod {}/{} in the snapshot", e.ns, e.name)};
      out.kind = End::Pod;
      out.pod = p;
      out.node = p->node_name;
      out.ip = p->pod_ip;
      if (p->host_network) {
        out.kind = End::Node;
        out.node_obj = c.node(p->node_name);
      }
      return out;
    }
    case EndpointSpec::Kind::Service: {
      const auto& services = service_index(ctx);
      auto it = services.find({e.ns, e.name});
      const Service* s = it == services.end() ? nullptr : it->second;
      if (!s) return Error{fmt::format("no Service {}/{} in the snapshot", e.ns, e.name)};
      std::string err;
      const ServicePort* sp = pick_port(*s, e, &err);
      if (!sp) return Error{err};
      out.kind = End::Service;
      out.svc = s;
      out.svc_port = sp;
      out.port = sp->port;
      if (out.protocol.empty()) out.protocol = lower(sp->protocol);
      out.ip = s->cluster_ip;
      return out;
    }
    case EndpointSpec::Kind::Node: {
      const Node* n = c.node(e.name);
      if (!n && !c.bundle(e.name)) return Error{fmt::format("no node {} in the snapshot", e.name)};
      out.kind = End::Node;
      out.node = e.name;
      out.node_obj = n;
      if (n) out.ip = checks::node_ip(*n, node::Family::V4);
      return out;
    }
    case EndpointSpec::Kind::Address: {
      out.ip = e.address;
      if (auto it = pod_by_ip.find(e.address); it != pod_by_ip.end()) {
        out.kind = End::Pod;
        out.pod = it->second;
        out.node = it->second->node_name;
      } else if (auto s = svc_by_ip.find(e.address); s != svc_by_ip.end()) {
        out.kind = End::Service;
        out.svc = s->second;
        std::string err;
        const ServicePort* sp = pick_port(*s->second, e, &err);
        if (!sp) return Error{err};
        out.svc_port = sp;
        out.port = sp->port;
        if (out.protocol.empty()) out.protocol = lower(sp->protocol);
      } else if (auto n = node_by_ip.find(e.address); n != node_by_ip.end()) {
        out.kind = End::Node;
        out.node_obj = n->second;
        out.node = n->second->meta.name;
      } else {
        out.kind = End::Outside;
      }
      return out;
    }
    case EndpointSpec::Kind::Name:
      out.kind = End::Outside;
      out.name = e.name;
      return out;
  }
  return out;
}

}  // namespace nd::trace
