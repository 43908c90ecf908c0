// The hop-by-hop walk (issue 8): pod side, the node's routing table, the CNI's data plane for its
// mode, the peer node, the destination pod, and back; Services through kube-proxy's rules; leaving
// the cluster through the masquerade. Each hop says what decided it; a hop that fails names the
// check diagnose reports for the same cause; missing input makes a hop "unknown", naming the file.
#include <fmt/format.h>

#include "node/nat.h"
#include "trace/walk.h"
#include "trace/walk_index.h"

namespace nd::trace {

using checks::NodeFacts;

namespace {
// The Tracer's indexes (built in its constructor): node facts by name, routes, neighbours, FDB.
const WalkIndex& ix(const Impl& i) { return walk_index(i.ctx, *i.net); }
}  // namespace

std::string at_pod_name(const nd::Pod& p) { return "pod/" + p.meta.ns + "/" + p.meta.name; }

void Walk::add(std::string at, std::string step, std::string decided_by, std::string verdict, std::string check) {
  if (failed) return;  // the packet is gone: nothing after the first failure happens
  failed = verdict == "fail";
  hops.push_back({std::move(at), std::move(step), std::move(decided_by), std::move(verdict), std::move(check)});
}

bool Walk::unknown() const {
  for (const auto& h : hops)
    if (h.verdict == "unknown") return true;
  return false;
}

void Walk::append(const Walk& w) {
  for (const auto& h : w.hops) add(h.at, h.step, h.decided_by, h.verdict, h.check);
}

namespace {

std::string at_node(const std::string& n) { return "node/" + n; }
std::string at_pod(const nd::Pod& p) { return at_pod_name(p); }
std::string bundle_file(const std::string& node, const char* file) { return "nodes/" + node + "/" + file; }

bool vxlan_device(std::string_view d) {
  return d == "flannel.1" || d == "flannel-v6.1" || d == "vxlan.calico" || d == "vxlan-v6.calico";
}

std::string join_state(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s.empty() ? "no state" : s;
}

std::string route_dev(const node::Route& r) { return r.nexthops.empty() ? r.dev : r.nexthops.front().dev; }
std::string route_gw(const node::Route& r) { return r.nexthops.empty() ? r.gateway : r.nexthops.front().gateway; }

bool same_ip(const std::string& a, const std::string& b) {
  auto x = node::parse_address(a), y = node::parse_address(b);
  return x && y && *x == *y;
}

// The node's first IPv4 address on a device ("" when unknown).
std::string iface_ip(const NodeFacts& f, const std::string& dev) {
  if (const node::Link* l = f.iface(dev))
    for (const auto& a : l->addrs)
      if (a.family == "inet") return a.local;
  return "";
}

}  // namespace

// ---- parties for NetworkPolicy -------------------------------------------------------------------

netpol::Party Impl::pod_party(const nd::Pod& p) const {
  netpol::Party x;
  if (auto a = node::parse_address(p.pod_ip)) x.ip = *a;
  x.is_pod = true;
  x.host_network = p.host_network;
  x.ns = p.meta.ns;
  x.name = p.meta.name;
  x.node = p.node_name;
  x.labels = p.meta.labels;
  if (auto it = namespaces.find(p.meta.ns); it != namespaces.end()) x.ns_labels = it->second->meta.labels;
  for (const auto* list : {&p.containers, &p.init_containers})
    for (const auto& ct : *list)
      for (const auto& cp : ct.ports) x.ports.push_back(cp);
  return x;
}

netpol::Party Impl::party(const End& e) const {
  if (e.kind == End::Pod && e.pod) return pod_party(*e.pod);
  netpol::Party x;
  if (auto a = node::parse_address(e.ip)) x.ip = *a;
  if (e.kind == End::Node) x.node_name = e.node;
  return x;
}

void Impl::policy_hop(Walk& w, const netpol::Decision& d, const std::string& at, bool ingress) const {
  if (!d.isolated) return;  // no policy selects the pod: nothing to say
  const netpol::Policy* p = d.allowed_by ? d.allowed_by : d.selecting.front();
  std::string src = p->src.str();
  if (d.outcome == netpol::Outcome::Allowed) {
    w.add(at, d.why, src, "pass");
    return;
  }
  const char* dir = ingress ? "ingress" : "egress";
  if (cni.enforces_policy) {
    if (d.outcome == netpol::Outcome::Denied)
      w.add(at, fmt::format("NetworkPolicy drops it ({}): {}; {} enforces it", dir, d.why, cni.name), src, "fail",
            "network-policy-denies");
    else
      w.add(at, d.why, src, "unknown");
    return;
  }
  if (cni.kind == CniKind::Flannel) {
    w.add(at,
          fmt::format("{} would drop it ({}), but flannel does not enforce NetworkPolicy, so it passes (P2.2)",
                      d.outcome == netpol::Outcome::Denied ? "NetworkPolicy" : "NetworkPolicy may", d.why),
          src, "warn", "cni-policy-not-enforced");
    return;
  }
  w.add(at, fmt::format("{}; whether the CNI ({}) enforces NetworkPolicy is not known", d.why, cni.name), src,
        "unknown");
}

// ---- pods ------------------------------------------------------------------------------------------

void Impl::pod_start(Walk& w, const nd::Pod& p) const {
  std::string at = at_pod(p);
  if (!p.pod_ip.empty() && (p.phase == "Running" || p.phase.empty())) {
    w.add(at, fmt::format("{} on node {}{}", p.pod_ip, p.node_name.empty() ? "(none)" : p.node_name,
                          p.phase.empty() ? "" : ", " + p.phase),
          p.meta.src.str(), "pass");
    return;
  }
  std::string check;
  for (const char* id : {"pod-sandbox-network-failed", "pod-pending", "container-crashloop"})
    if (check.empty() && finding(id, "", "Pod", p.meta.ns, p.meta.name)) check = id;
  w.add(at,
        fmt::format("the pod is {}{}: it has no network to send from or receive on", p.phase.empty() ? "?" : p.phase,
                    p.pod_ip.empty() ? " with no IP" : ""),
        p.meta.src.str(), "fail", check);
}

void Impl::forwarding(Walk& w, const NodeFacts* f, const std::string& node, const std::string& why) const {
  std::string at = at_node(node);
  if (!f || !f->sysctl) {
    w.add(at, fmt::format("{} must forward it ({}); sysctl.txt would say whether net.ipv4.ip_forward is on", node, why),
          bundle_file(node, "sysctl.txt"), "unknown");
    return;
  }
  const node::SysctlLine* l = f->sysctl_line("net.ipv4.ip_forward");
  if (!l) {
    w.add(at, fmt::format("{} must forward it ({}); sysctl.txt has no net.ipv4.ip_forward", node, why),
          f->src("sysctl.txt"), "unknown");
    return;
  }
  if (l->value == "0") {
    w.add(at, fmt::format("{} drops it: net.ipv4.ip_forward = 0, and it must forward it ({})", node, why),
          f->src("sysctl.txt", l->line), "fail", "node-ip-forward-disabled");
    return;
  }
  w.add(at, fmt::format("{} forwards it ({}): net.ipv4.ip_forward = {}", node, why, l->value),
        f->src("sysctl.txt", l->line), "pass");
}

// ---- node to node ----------------------------------------------------------------------------------

void Impl::node_to_node(Walk& w, const std::string& from, const std::string& dst, const std::string& to_node,
                        bool forwarded, bool reply, bool node_addr) const {
  const std::string at = at_node(from);
  const std::string pre = reply ? "reply: " : "";
  auto addr = node::parse_address(dst);
  if (!addr) {
    w.add(at, pre + "'" + dst + "' is not an address", "-", "unknown");
    return;
  }
  // A pod address inside a node subnet looks on-link: the node ARPs for it on the underlay (P9).
  // (A node's own address there is answered by that node's ARP, so only pod addresses are judged.)
  const NodeFacts::HostAddr* h = nullptr;
  if (const NodeFacts* g = node_addr ? nullptr : overlap(*addr, &h)) {
    w.add(at,
          fmt::format("{}the pod address {} is inside {}'s node subnet {} ({}): {} takes it for a host on that "
                      "subnet and ARPs for it instead of routing it to {} (\"No route to host\")",
                      pre, dst, g->name, h->prefix.network().to_string(), h->iface, from, to_node),
          g->src(g->links_file), "fail", "pod-cidr-overlaps-node-network");
    return;
  }
  const NodeFacts* f = ix(*this).facts(from);
  if (!f || !f->routes) {
    w.add(at, fmt::format("{}{}'s routing table would decide the way to {} on {}", pre, from, dst, to_node),
          f ? f->src("ip-route.json") : bundle_file(from, "ip-route.json"), "unknown");
    return;
  }
  const checks::PeerRoute* pr = peer_route(from, to_node, addr->family);
  if (pr && !pr->problem.empty()) {
    std::string what = pr->problem == "no route" ? "no route" : pr->problem == "impossible" ? pr->impossible : pr->problem;
    w.add(at,
          fmt::format("{}route to {}'s pods {}: {} (expected for {}: `{}`)", pre, to_node, pr->range->prefix.to_string(),
                      what, pr->mode, pr->expected),
          pr->exact ? f->route_src(*pr->exact) : f->src("ip-route.json"), "fail", "node-missing-pod-route");
    return;
  }
  const node::Route* r = ix(*this).lookup(*f, *addr);
  if (!r || r->type != "unicast") {
    w.add(at,
          r ? fmt::format("{}route {}: a {} route drops packets to {}", pre, r->to_line(), r->type, dst)
            : fmt::format("{}no route to {} in {}'s main table", pre, dst, from),
          r ? f->route_src(*r) : f->src("ip-route.json"), "fail", "node-missing-pod-route");
    return;
  }
  w.add(at, fmt::format("{}route {}{}", pre, r->to_line(), pr ? " (" + pr->mode + ")" : ""), f->route_src(*r), "pass");
  if (forwarded) forwarding(w, f, from, "from a pod towards " + to_node);
  const std::string dev = route_dev(*r), gw = route_gw(*r);
  const nd::Node* peer_node = c.node(to_node);
  std::string peer_ip = peer_node ? checks::node_ip(*peer_node, addr->family) : "";
  if (vxlan_device(dev)) {
    // The tunnel delivers only with the VTEP's neighbour entry (address -> MAC) and the FDB entry
    // (MAC -> the peer node's address); the agents write both, learning is off.
    if (!f->neigh) {
      w.add(at, fmt::format("{}{}: the neighbour entry of VTEP {} would decide", pre, dev, gw), f->src("ip-neigh.json"),
            "unknown");
      return;
    }
    auto gw_addr = node::parse_address(gw);
    const node::Neighbor* n = gw_addr ? ix(*this).neighbour(*f, dev, *gw_addr) : nullptr;
    if (!n || n->lladdr.empty() || n->has_state("FAILED") || n->has_state("INCOMPLETE")) {
      w.add(at,
            n ? fmt::format("{}{}: the neighbour entry of VTEP {} has no MAC ({})", pre, dev, gw, n->state.empty() ? "" : n->state.front())
              : fmt::format("{}{}: no neighbour entry for VTEP {}: the packet cannot be encapsulated", pre, dev, gw),
            n ? fmt::format("{}[{}]", f->src("ip-neigh.json"), n->index) : f->src("ip-neigh.json"), "fail",
            "node-vxlan-fdb-missing");
      return;
    }
    if (!f->fdb) {
      w.add(at, fmt::format("{}{}: VTEP {} is {}; the FDB entry for it would decide where it goes", pre, dev, gw, n->lladdr),
            f->src("bridge-fdb.json"), "unknown");
      return;
    }
    const node::FdbEntry* fe = ix(*this).fdb(*f, dev, lower(n->lladdr));
    if (!fe || fe->dst.empty()) {
      w.add(at,
            fmt::format("{}{}: VTEP {} is {} but no FDB entry says which node has that MAC: dropped", pre, dev, gw,
                        n->lladdr),
            f->src("bridge-fdb.json"), "fail", "node-vxlan-fdb-missing");
      return;
    }
    if (!peer_ip.empty() && !same_ip(fe->dst, peer_ip)) {
      w.add(at,
            fmt::format("{}{}: FDB sends {} to {}, but {}'s address is {}", pre, dev, fe->mac, fe->dst, to_node, peer_ip),
            fmt::format("{}[{}]", f->src("bridge-fdb.json"), fe->index), "fail", "node-vxlan-fdb-missing");
      return;
    }
    // The encapsulated packet is routed again, to the peer's underlay address: a route that sends
    // that address into a tunnel (a pod range over the node network, P9) loses it.
    if (auto under = node::parse_address(fe->dst)) {
      const node::Route* ur = ix(*this).lookup(*f, *under);
      if (ur && checks::is_tunnel_device(route_dev(*ur))) {
        bool pod_range = false;
        for (const auto& nr : net->node_ranges) pod_range |= node::contains(nr.prefix, *under);
        w.add(at,
              fmt::format("{}{}: the encapsulated packet to {} is routed by `{}` into a tunnel again, not onto the "
                          "underlay{}",
                          pre, dev, fe->dst, ur->to_line(), pod_range ? ": a pod range covers the node network" : ""),
              f->route_src(*ur), "fail", pod_range ? "pod-cidr-overlaps-node-network" : "");
        return;
      }
    }
    std::string vx;
    if (const node::Link* l = f->iface(dev); l && l->vxlan)
      vx = fmt::format(" (VNI {}, UDP {})", l->vxlan->id, l->vxlan->port);
    w.add(at,
          fmt::format("{}{}: VTEP {} is {} ({}), FDB sends it to {}: encapsulated in VXLAN{} to {}", pre, dev, gw,
                      n->lladdr, join_state(n->state), fe->dst, vx, to_node),
          fmt::format("{}[{}]", f->src("bridge-fdb.json"), fe->index), "pass");
  } else if (dev == "tunl0") {
    w.add(at, fmt::format("{}tunl0: IP-in-IP encapsulated to {}", pre, gw), f->route_src(*r), "pass");
  }
  // The peer node receives it.
  const std::string pat = at_node(to_node);
  if (const Finding* rp = finding("node-rp-filter-strict", to_node)) {
    w.add(pat, pre + rp->summary, rp->evidence.empty() ? bundle_file(to_node, "sysctl.txt") : rp->evidence.front().source,
          "fail", "node-rp-filter-strict");
    return;
  }
  if (reply) return;  // the reply's delivery to the client pod mirrors the request's first hops
  deliver_local(w, to_node, dst, true);
}

const NodeFacts* Impl::overlap(const node::Address& a, const NodeFacts::HostAddr** host) const {
  return ix(*this).overlap(a, host);
}

void Impl::deliver_local(Walk& w, const std::string& node, const std::string& dst, bool forwarded) const {
  const NodeFacts* g = ix(*this).facts(node);
  const std::string at = at_node(node);
  if (forwarded) forwarding(w, g, node, "to the pod's interface");
  auto addr = node::parse_address(dst);
  const NodeFacts::HostAddr* h = nullptr;
  if (const NodeFacts* o = addr ? overlap(*addr, &h) : nullptr) {
    w.add(at,
          fmt::format("the pod address {} is inside {}'s node subnet {} ({}): {} has that subnet on its underlay too, "
                      "so routing to its own pod is ambiguous and packets leave by the wrong interface",
                      dst, o->name, h->prefix.network().to_string(), h->iface, node),
          o->src(o->links_file), "fail", "pod-cidr-overlaps-node-network");
    return;
  }
  if (!g || !g->routes || !addr) {
    w.add(at, fmt::format("{}'s routing table would decide the way to its pod {}", node, dst),
          g ? g->src("ip-route.json") : bundle_file(node, "ip-route.json"), "unknown");
    return;
  }
  const node::Route* r = ix(*this).lookup(*g, *addr);
  if (!r || r->type != "unicast") {
    w.add(at, fmt::format("no route on {} to its own pod {}", node, dst), r ? g->route_src(*r) : g->src("ip-route.json"),
          "fail");
    return;
  }
  std::string dev = route_dev(*r);
  if (checks::is_tunnel_device(dev) || (!checks::is_cni_device(dev) && dev.rfind("veth", 0) != 0)) {
    w.add(at, fmt::format("route {}: {} sends its own pod's address {} away instead of to the pod", r->to_line(), node, dst),
          g->route_src(*r), "fail");
    return;
  }
  w.add(at, fmt::format("route {}: to the pod's interface", r->to_line()), g->route_src(*r), "pass");
}

// ---- to a pod -------------------------------------------------------------------------------------

void Impl::to_pod(Walk& w, const End& src, const std::string& src_node, const nd::Pod& dst, int port,
                  const std::string& proto, bool forwarded_at_src, const std::string& seen_src, bool routed) const {
  const bool src_pod = src.kind == End::Pod;
  if (dst.pod_ip.empty() || (!dst.phase.empty() && dst.phase != "Running")) {
    pod_start(w, dst);
    return;
  }
  if (src_node == dst.node_name) {
    const NodeFacts* f = ix(*this).facts(src_node);
    const node::Link* br = f ? f->iface("cni0") : nullptr;
    if (src_pod && !routed && (cni.bridge_based || (br && br->kind == "bridge"))) {
      w.add(at_node(src_node), fmt::format("same node: cni0 bridges it from the client's veth to {}'s veth", dst.meta.name),
            f && !f->links_file.empty() ? f->src(f->links_file) : dst.meta.src.str(), "pass");
    } else {
      deliver_local(w, src_node, dst.pod_ip, src_pod || forwarded_at_src);
    }
  } else {
    node_to_node(w, src_node, dst.pod_ip, dst.node_name, src_pod || forwarded_at_src, false);
  }
  // Ingress policy of the destination, with the source address it sees.
  netpol::Party from;
  if (src_pod && seen_src == src.ip) {
    from = party(src);
  } else {
    if (auto a = node::parse_address(seen_src)) from.ip = *a;
    if (auto n = node_by_ip.find(seen_src); n != node_by_ip.end()) from.node_name = n->second->meta.name;
    if (auto p = pod_by_ip.find(seen_src); p != pod_by_ip.end()) from = pod_party(*p->second);
  }
  policy_hop(w, netpol::ingress(policies, pod_party(dst), from, port, proto), at_pod(dst), true);
  // The destination itself.
  bool declared = false, any = false;
  for (const auto* list : {&dst.containers, &dst.init_containers})
    for (const auto& ct : *list)
      for (const auto& cp : ct.ports) {
        any = true;
        declared |= cp.port == port && lower(cp.protocol) == proto;
      }
  if (port && any && !declared)
    w.add(at_pod(dst), fmt::format("arrives at {}:{}/{}; no container declares that port (a process may still listen)",
                                   dst.pod_ip, port, proto),
          dst.meta.src.str(), "warn");
  else
    w.add(at_pod(dst),
          fmt::format("arrives at {}{}", dst.pod_ip, port ? fmt::format(":{}/{}", port, proto) : std::string()),
          dst.meta.src.str(), "pass");
  // The reply to a pod on another node takes the reverse route; so does the reply to another node's
  // address inside its pod range (flannel.1's address, the source of what that node sends or
  // masquerades into the tunnel).
  if (src_pod && src_node != dst.node_name && !src.ip.empty()) {
    node_to_node(w, dst.node_name, src.ip, src_node, false, true);
  } else if (!src_pod && src_node != dst.node_name) {
    auto a = node::parse_address(seen_src);
    bool in_range = false;
    if (a)
      for (const auto* r : ix(*this).ranges_of(src_node, a->family)) in_range |= node::contains(r->prefix, *a);
    if (in_range) node_to_node(w, dst.node_name, seen_src, src_node, false, true, true);
  }
}

std::string Impl::source_for(const std::string& node, const std::string& dst) const {
  const NodeFacts* f = ix(*this).facts(node);
  auto a = node::parse_address(dst);
  const nd::Node* n = c.node(node);
  std::string fallback = n ? checks::node_ip(*n, a ? a->family : node::Family::V4) : "";
  if (!f || !a) return fallback;
  const node::Route* r = ix(*this).lookup(*f, *a);
  if (!r) return fallback;
  if (!r->prefsrc.empty()) return r->prefsrc;
  std::string ip = iface_ip(*f, route_dev(*r));
  return ip.empty() ? fallback : ip;
}

// ---- Services ---------------------------------------------------------------------------------------

namespace {

// Ready endpoints of a Service port from its EndpointSlices (else Endpoints), as kube-proxy reads them.
std::vector<Impl::Backend> ready_backends(const Cluster& c, const nd::Service& s, const ServicePort& sp,
                                          const EndpointSet** src) {
  std::vector<const EndpointSet*> slices, eps;
  for (const EndpointSet* e : c.endpoints_of(s.meta.ns, s.meta.name)) (e->is_slice ? slices : eps).push_back(e);
  const auto& sets = slices.empty() ? eps : slices;
  std::vector<Impl::Backend> out;
  for (const EndpointSet* e : sets) {
    if (!*src) *src = e;
    const EndpointPort* port = nullptr;
    for (const auto& p : e->ports)
      if (p.name == sp.name && lower(p.protocol) == lower(sp.protocol)) port = &p;
    if (!port && e->ports.size() == 1 && sp.name.empty()) port = &e->ports.front();
    if (!port) continue;
    for (const auto& a : e->addresses)
      if (a.ready) out.push_back({a.ip, port->port, nullptr, a.node_name, false});
  }
  return out;
}

}  // namespace

bool Impl::service_hops(Walk& w, const std::string& node, const nd::Service& s, const ServicePort& sp,
                        std::vector<Backend>* out, bool node_port, int np) const {
  const std::string at = at_node(node);
  const std::string name = s.meta.ns + "/" + s.meta.name;
  const NodeFacts* f = ix(*this).facts(node);
  // The cluster DNS Service without endpoints is coredns-unhealthy's finding (the DNS pods are the
  // cause); any other Service's is service-no-endpoints'.
  auto no_endpoints_check = [&] {
    const std::string* app = find_value(s.selector, "k8s-app");
    if (app && *app == "kube-dns" && finding("coredns-unhealthy")) return std::string("coredns-unhealthy");
    return std::string("service-no-endpoints");
  };
  const checks::ServicePortRules* rules = nullptr;
  if (auto it = rules_index.find(std::make_tuple(f, &s, &sp)); it != rules_index.end()) rules = it->second;
  if (rules) {
    const auto& save = rules->save_file == "iptables-save.txt" ? f->ipt4 : f->ipt6;
    const node::IptTable* nat = save ? save->table("nat") : nullptr;
    const node::IptChain* ks = nat ? nat->chain("KUBE-SERVICES") : nullptr;
    if (!rules->rules) {
      w.add(at,
            fmt::format("kube-proxy on {} has no rule for {} ({}): the ClusterIP is not translated and the "
                        "connection goes nowhere",
                        node, rules->name, checks::service_address(*rules)),
            f->src(rules->save_file, ks ? ks->line : 0), "fail", "node-service-rules-missing");
      return false;
    }
    const node::KubeServicePort& k = *rules->rules;
    if (k.has_reject && k.endpoints.empty()) {
      w.add(at,
            fmt::format("kube-proxy REJECTs {} ({}): \"has no endpoints\"{}", rules->name, checks::service_address(*rules),
                        rules->want.empty() ? "" : " although the snapshot lists ready endpoints"),
            f->src(rules->save_file, k.reject_line), "fail",
            rules->want.empty() ? no_endpoints_check() : "node-service-endpoints-stale");
      return false;
    }
    if (node_port) {
      const node::KubeNodePort* hit = nullptr;
      for (const auto& n : k.node_ports)
        if (n.port == np) hit = &n;
      if (!hit) {
        w.add(at, fmt::format("kube-proxy on {} has no KUBE-NODEPORTS rule for port {} ({})", node, np, rules->name),
              f->src(rules->save_file, ks ? ks->line : 0), "fail", "node-service-rules-missing");
        return false;
      }
      if (hit->reject) {
        w.add(at, fmt::format("kube-proxy REJECTs NodePort {} ({}): \"has no endpoints\"", np, rules->name),
              f->src(rules->save_file, hit->line), "fail", no_endpoints_check());
        return false;
      }
      w.add(at, fmt::format("NodePort {} on {}: KUBE-NODEPORTS -> {}", np, node, k.chain), f->src(rules->save_file, hit->line),
            "pass");
    }
    std::string list;
    for (const auto& e : k.endpoints) {
      list += fmt::format("{}{}:{}", list.empty() ? "" : ", ", e.ip, e.port);
      Backend b{e.ip, e.port, nullptr, "", false};
      if (auto p = pod_by_ip.find(e.ip); p != pod_by_ip.end()) {
        b.pod = p->second;
        b.node = p->second->node_name;
      }
      b.stale = rules->endpoints_known && !rules->want.count(fmt::format("{}:{}", e.ip, e.port));
      out->push_back(b);
    }
    w.add(at,
          fmt::format("kube-proxy (iptables) DNATs {} via {} to {} endpoint{}: {}", checks::service_address(*rules), k.chain,
                      k.endpoints.size(), k.endpoints.size() == 1 ? "" : "s", list),
          f->src(rules->save_file, k.line), "pass");
    if (rules->endpoints_known && rules->have != rules->want)
      w.add(at, fmt::format("kube-proxy's endpoints for {} on {} differ from the snapshot's ready ones", rules->name, node),
            f->src(rules->save_file, k.line), "warn", "node-service-endpoints-stale");
    return true;
  }
  // No kube-proxy rules in the snapshot for this node: the endpoints kube-proxy would program.
  const EndpointSet* es = nullptr;
  *out = ready_backends(c, s, sp, &es);
  for (auto& b : *out)
    if (auto p = pod_by_ip.find(b.ip); p != pod_by_ip.end()) {
      b.pod = p->second;
      if (b.node.empty()) b.node = p->second->node_name;
    }
  std::string where = es ? es->meta.src.str() : s.meta.src.str();
  if (out->empty()) {
    w.add(at, fmt::format("{} has no ready endpoint for port {}: nothing to translate to", name, sp.port), where, "fail",
          no_endpoints_check());
    return false;
  }
  std::string why = f && f->ipt4 ? "kube-proxy does not run in iptables mode there"
                                  : "nodes/" + node + "/iptables-save.txt would show kube-proxy's rules";
  w.add(at,
        fmt::format("{}{}:{} -> {} ready endpoint{} ({}: {})", node_port ? fmt::format("NodePort {} -> ", np) : "",
                    s.headless() ? name : s.cluster_ip, sp.port, out->size(), out->size() == 1 ? "" : "s",
                    es && es->is_slice ? "EndpointSlice" : "Endpoints", why),
        where, "pass");
  return true;
}

void Impl::backends(Walk& w, const End& src, const std::string& node, const std::vector<Backend>& bs,
                    const std::string& proto, bool forwarded, const std::string& seen_src, bool bridge_reply,
                    bool snat) const {
  // A ClusterIP is on no pod's subnet: the pod sends to its gateway, the node DNATs and routes it,
  // even to an endpoint on the same node.
  if (src.kind == End::Pod && forwarded) forwarding(w, ix(*this).facts(node), node, "the Service address is routed via the pod's gateway");
  if (w.failed) return;
  // The client's own pod last: a connection to oneself through a Service (hairpin) says little.
  std::vector<Backend> order;
  for (const Backend& b : bs)
    if (!(src.kind == End::Pod && b.pod == src.pod)) order.push_back(b);
  for (const Backend& b : bs)
    if (src.kind == End::Pod && b.pod == src.pod) order.push_back(b);
  std::vector<Walk> subs;
  for (const Backend& b : order) {
    Walk sub;
    if (b.stale || !b.pod) {
      sub.add(at_node(node),
              fmt::format("endpoint {}:{} is no ready pod in the snapshot: kube-proxy's rules on {} are stale", b.ip, b.port,
                          node),
              bundle_file(node, "iptables-save.txt"), "fail", "node-service-endpoints-stale");
      subs.push_back(std::move(sub));
      continue;
    }
    if (src.kind == End::Pod)
      policy_hop(sub, netpol::egress(policies, party(src), pod_party(*b.pod), b.port, proto), at_pod(*src.pod), false);
    // The reply un-DNAT: client and endpoint on one bridge need bridge-nf-call-iptables (P3.4).
    if (bridge_reply && src.kind == End::Pod && b.node == node && b.pod != src.pod) {
      const NodeFacts* f = ix(*this).facts(node);
      const node::Link* br = f ? f->iface("cni0") : nullptr;
      if (cni.bridge_based || (br && br->kind == "bridge")) {
        const node::SysctlLine* l = f && f->sysctl ? f->sysctl_line("net.bridge.bridge-nf-call-iptables") : nullptr;
        const node::SysctlLine* fwd = f && f->sysctl ? f->sysctl_line("net.ipv4.ip_forward") : nullptr;
        std::string step = fmt::format("client and endpoint {} share the bridge cni0 on {}: the reply is un-DNATed only if "
                                       "bridged traffic passes iptables",
                                       b.ip, node);
        if (!f || !f->sysctl)
          sub.add(at_node(node), step + "; sysctl.txt would say", bundle_file(node, "sysctl.txt"), "unknown");
        else if (l && l->value == "0")
          sub.add(at_node(node),
                  step + ": net.bridge.bridge-nf-call-iptables = 0, so the reply comes from " + b.ip +
                      " instead of the Service address and the client drops it",
                  f->src("sysctl.txt", l->line), "fail", "node-bridge-nf-call-iptables-disabled");
        else if (!l && fwd)
          sub.add(at_node(node), step + ": no net.bridge.* key in sysctl -a (br_netfilter not loaded), so it is not",
                  f->src("sysctl.txt"), "fail", "node-bridge-nf-call-iptables-disabled");
        else if (l)
          sub.add(at_node(node), step + ": net.bridge.bridge-nf-call-iptables = " + l->value, f->src("sysctl.txt", l->line),
                  "pass");
      }
    }
    to_pod(sub, src, node, *b.pod, b.port, proto, forwarded, snat ? source_for(node, b.ip) : seen_src, true);
    subs.push_back(std::move(sub));
  }
  const Walk* pass = nullptr;
  const Walk* fail = nullptr;
  const Walk* unknown = nullptr;
  size_t failing = 0;
  for (const Walk& s : subs) {
    if (s.failed) {
      ++failing;
      if (!fail) fail = &s;
    } else if (s.unknown()) {
      if (!unknown) unknown = &s;
    } else if (!pass) {
      pass = &s;
    }
  }
  if (pass) {
    w.append(*pass);
    if (fail) {
      const Hop& h = fail->hops.back();
      w.add(h.at,
            fmt::format("{} of {} endpoints fail (connections kube-proxy sends there break): {}", failing, subs.size(),
                        h.step),
            h.decided_by, "warn", h.check);
    }
  } else if (fail) {
    w.append(*fail);
  } else if (unknown) {
    w.append(*unknown);
  }
}

// ---- leaving the cluster ------------------------------------------------------------------------------

void Impl::egress(Walk& w, const nd::Pod& src, const End& dst, const std::string& proto) const {
  const std::string node = src.node_name, at = at_node(node);
  const NodeFacts* f = ix(*this).facts(node);
  std::optional<node::Address> addr;
  if (auto a = node::parse_address(dst.ip)) addr = *a;
  std::string target = dst.ip.empty() ? dst.name : dst.ip;
  if (!addr)
    w.add("outside", fmt::format("{} is a name outside the cluster: the snapshot cannot resolve it (pass its address)", dst.name),
          "-", "unknown");
  if (!f || !f->routes) {
    w.add(at, fmt::format("{}'s routing table would decide the way to {}", node, target),
          f ? f->src("ip-route.json") : bundle_file(node, "ip-route.json"), "unknown");
    return;
  }
  auto fam = addr ? addr->family : node::Family::V4;
  const node::Route* r = addr ? ix(*this).lookup(*f, *addr) : f->default_route(fam);
  if (!r || r->type != "unicast") {
    w.add(at, r ? fmt::format("route {}: a {} route drops it", r->to_line(), r->type)
                : fmt::format("no route to {} on {} (no default route)", target, node),
          r ? f->route_src(*r) : f->src("ip-route.json"), "fail");
    return;
  }
  const std::string dev = route_dev(*r);
  w.add(at, "route " + r->to_line(), f->route_src(*r), "pass");
  forwarding(w, f, node, "from the pod out of " + dev);
  // The masquerade decides the source address the outside sees (P3.5).
  auto pod_ip = node::parse_address(src.pod_ip);
  std::string node_src = iface_ip(*f, dev);
  if (node_src.empty() && f->node) node_src = checks::node_ip(*f->node, fam);
  const node::IptTable* nat = f->ipt4 ? f->ipt4->table("nat") : nullptr;
  auto unmasked = [&](const std::string& why, const std::string& by) {
    w.add(at,
          fmt::format("{}: it leaves with the pod address {} as source. The outside sees {}, not {}'s address: answers "
                      "cannot come back unless the network routes the pod range to the nodes, and allow-lists of node "
                      "addresses (databases, firewalls) refuse it (P3.5)",
                      why, src.pod_ip, src.pod_ip, node),
          by, "fail", "pod-egress-not-masqueraded");
  };
  if (nat && pod_ip) {
    int dport = dst.port;
    node::NatVerdict v = node::postrouting(*nat, {*pod_ip, addr, dev, proto, dport});
    std::string by = v.rule ? f->src("iptables-save.txt", v.rule->line)
                            : f->src("iptables-save.txt", nat->chain("POSTROUTING") ? nat->chain("POSTROUTING")->line : nat->line);
    std::string rule = v.rule ? v.rule->text : "nat POSTROUTING policy ACCEPT";
    if (v.kind == node::NatVerdict::Masquerade) {
      std::string seen = !v.snat_to.empty() ? v.snat_to : node_src;
      w.add(at, fmt::format("masquerade: `{}`: the outside sees {}{}", rule, seen.empty() ? "the node's address" : seen,
                            seen.empty() ? "" : " (" + node + ")"),
            by, "pass");
      egress_seen = seen;
      const NodeFacts::HostAddr* h = nullptr;
      if (const NodeFacts* o = overlap(*pod_ip, &h)) {
        w.add(at,
              fmt::format("reply: {} un-masquerades the answer to {}, which is inside {}'s node subnet {} ({}): it "
                          "leaves by the underlay instead of reaching the pod",
                          node, src.pod_ip, o->name, h->prefix.network().to_string(), h->iface),
              o->src(o->links_file), "fail", "pod-cidr-overlaps-node-network");
        return;
      }
    } else if (v.kind == node::NatVerdict::Unchanged) {
      unmasked(fmt::format("nat POSTROUTING lets it out unchanged (`{}`)", rule), by);
      egress_seen = src.pod_ip;
      return;
    } else {
      w.add(at, fmt::format("whether `{}` masquerades it cannot be decided from the rule", rule), by, "unknown");
    }
  } else if (cni.kind == CniKind::Calico && pod_ip) {
    const IpPool* pool = nullptr;
    for (const IpPool& p : c.ip_pools)
      if (auto pp = node::parse_prefix(p.cidr); pp && node::contains(pp->network(), *pod_ip)) pool = &p;
    if (!pool) {
      w.add(at, "no IPPool holds " + src.pod_ip + ": its natOutgoing would decide the source address", "-", "unknown");
    } else if (pool->nat_outgoing || pool->from_installation) {
      w.add(at, fmt::format("IPPool {} natOutgoing: the outside sees {}'s address {}", pool->meta.name, node, node_src),
            pool->meta.src.str(), "pass");
      egress_seen = node_src;
    } else {
      unmasked(fmt::format("IPPool {} has natOutgoing false", pool->meta.name), pool->meta.src.str());
      egress_seen = src.pod_ip;
      return;
    }
  } else if (f->flannel_env && f->flannel_env->get("FLANNEL_IPMASQ")) {
    const auto* e = f->flannel_env->get("FLANNEL_IPMASQ");
    if (e->value == "true") {
      w.add(at, fmt::format("FLANNEL_IPMASQ=true: flanneld masquerades pod egress; the outside sees {}", node_src),
            f->src("flannel-subnet.env", e->line), "pass");
      egress_seen = node_src;
    } else {
      unmasked("FLANNEL_IPMASQ=" + e->value, f->src("flannel-subnet.env", e->line));
      egress_seen = src.pod_ip;
      return;
    }
  } else {
    w.add(at, "the source address the outside sees: nodes/" + node + "/iptables-save.txt would decide the masquerade",
          bundle_file(node, "iptables-save.txt"), "unknown");
  }
  w.add("outside", fmt::format("leaves {} by {} towards {}; beyond the cluster the snapshot says nothing", node, dev, target),
        f->route_src(*r), "pass");
}

}  // namespace nd::trace
