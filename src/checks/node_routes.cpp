#include "checks/node_routes.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <memory>

#include "checks/route_index.h"

namespace nd::checks {

using node::Family;

bool is_tunnel_device(std::string_view n) {
  return n == "flannel.1" || n == "flannel-v6.1" || n == "tunl0" || n == "vxlan.calico" || n == "vxlan-v6.calico" ||
         n == "flannel-wg" || n == "flannel-wg-v6" || n == "wireguard.cali" || n == "wg-v6.cali";
}

namespace {

bool same_addr(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto x = node::parse_address(a), y = node::parse_address(b);
  return x && y && *x == *y;
}

std::string encapsulation_of(const CniInfo& cni, const RangeRef* pool) {
  if (!pool) return "";
  for (const auto& r : cni.pod_ranges)
    if (r.cidr == pool->text) return r.encapsulation;
  return "";
}

// The cluster-wide pool that holds a Calico block.
const RangeRef* pool_of(const ClusterNet& net, const node::Prefix& p) {
  for (const auto& r : net.pod_ranges)
    if (r.pool && node::contains(r.prefix, p)) return &r;
  return nullptr;
}

std::string flannel_backend(const CniInfo& cni, const Node* peer) {
  if (!cni.flannel_backend.empty()) return cni.flannel_backend;
  if (peer)
    if (const std::string* b = find_value(peer->meta.annotations, "flannel.alpha.coreos.com/backend-type")) return *b;
  return "";
}

// Sets dev/gateway/mode for a route straight to the peer over the shared subnet (host-gw, DirectRouting,
// Calico without encapsulation or CrossSubnet inside a subnet).
void direct(PeerRoute& pr, const std::string& mode, const std::string& iface, const std::string& why) {
  pr.mode = mode;
  pr.dev = iface;
  pr.gateway = pr.peer_ip;
  pr.why = why;
}

// Fills the expectation; false when the mode is not one we model (then the pair is not judged).
bool expect(PeerRoute& pr, const ClusterNet& net, const CniInfo& cni) {
  const NodeFacts& self = *pr.self;
  std::string iface;
  bool same =
      !pr.peer_ip.empty() && node::parse_address(pr.peer_ip) && self.on_link(*node::parse_address(pr.peer_ip), &iface);
  const bool v4 = pr.family == Family::V4;
  if (cni.kind == CniKind::Flannel || cni.kind == CniKind::Canal) {
    std::string backend = flannel_backend(cni, pr.peer_node);
    if (backend == "host-gw" || (backend == "vxlan" && cni.flannel_direct_routing && same)) {
      bool dr = backend == "vxlan";
      direct(pr, dr ? "flannel vxlan with DirectRouting" : "flannel host-gw", iface,
             dr ? "the peer is on the same subnet, so DirectRouting sends straight to its node address"
                : "host-gw routes each node's podCIDR via that node's address on the shared L2 subnet");
      if (pr.peer_ip.empty()) return false;
      if (!same)
        pr.impossible = fmt::format(
            "{} ({}) is on no subnet of {}: host-gw needs every node on one L2 segment "
            "(P2.3), so no route via it can work",
            pr.peer, pr.peer_ip, self.name);
      return true;
    }
    if (backend == "vxlan") {
      pr.mode =
          cni.flannel_direct_routing ? "flannel vxlan with DirectRouting (peer on another subnet)" : "flannel vxlan";
      pr.dev = v4 ? "flannel.1" : "flannel-v6.1";
      pr.gateway = pr.range->prefix.first().to_string();
      pr.tunnel = true;
      pr.why =
          "flannel's vxlan backend routes each node's subnet via that node's VTEP address (the subnet's "
          "network address) on " +
          pr.dev + ", onlink";
      return true;
    }
    return false;  // udp, wireguard, ipip, ... are not modelled
  }
  if (cni.kind != CniKind::Calico) return false;
  std::string enc = encapsulation_of(cni, pool_of(net, pr.range->prefix));
  bool cross = enc == "IPIPCrossSubnet" || enc == "VXLANCrossSubnet";
  if (enc == "None" || (cross && same) || enc.empty()) {
    if (same) {
      direct(pr, cross ? "calico " + enc + " (same subnet)" : "calico bgp", iface,
             "Calico (BIRD) routes each block via the owning node's address when the nodes share a subnet");
    } else {
      pr.mode = "calico bgp";
      pr.why = "plain BGP across subnets: the route goes via a router that learnt the block; any gateway is accepted";
    }
    return true;
  }
  if ((enc == "IPIP" || enc == "IPIPCrossSubnet") && v4) {
    pr.mode = enc == "IPIP" ? "calico ipip" : "calico ipip-crosssubnet (other subnet)";
    pr.dev = "tunl0";
    pr.gateway = pr.peer_ip;
    pr.tunnel = true;
    pr.why = "Calico IPIP routes each block via the owning node's address on tunl0, onlink (proto bird)";
    return !pr.peer_ip.empty();
  }
  if (enc == "VXLAN" || enc == "VXLANCrossSubnet") {
    pr.mode = enc == "VXLAN" ? "calico vxlan" : "calico vxlan-crosssubnet (other subnet)";
    pr.dev = v4 ? "vxlan.calico" : "vxlan-v6.calico";
    pr.tunnel = true;
    if (pr.peer_node)
      if (const std::string* t =
              find_value(pr.peer_node->meta.annotations,
                         v4 ? "projectcalico.org/IPv4VXLANTunnelAddr" : "projectcalico.org/IPv6VXLANTunnelAddr"))
        pr.gateway = *t;
    pr.why = "Calico VXLAN routes each block via the owning node's VXLAN tunnel address on " + pr.dev + ", onlink";
    return true;
  }
  return false;
}

std::string expected_line(const PeerRoute& pr) {
  std::string s = pr.range->prefix.to_string();
  if (!pr.gateway.empty()) s += " via " + pr.gateway;
  if (!pr.dev.empty()) s += " dev " + pr.dev;
  if (pr.mode.rfind("calico", 0) == 0 && pr.dev.find("vxlan") == std::string::npos) s += " proto bird";
  if (pr.tunnel) s += " onlink";
  if (pr.dev.empty() && pr.gateway.empty()) s += " via <a router that knows the block>";
  return s;
}

bool hop_matches(const PeerRoute& pr, const std::string& gw, const std::string& dev) {
  return (pr.dev.empty() || dev == pr.dev) && (pr.gateway.empty() || same_addr(gw, pr.gateway));
}

bool matches(const PeerRoute& pr, const node::Route& r) {
  if (r.type != "unicast") return false;
  if (r.nexthops.empty()) return hop_matches(pr, r.gateway, r.dev);
  for (const auto& nh : r.nexthops)
    if (hop_matches(pr, nh.gateway, nh.dev)) return true;
  return false;
}

// A more specific route inside a peer's range that sends part of it elsewhere. Calico itself adds
// /32 routes for borrowed addresses (proto bird, or to a local cali* device), which are fine.
bool diverts(const PeerRoute& pr, const node::Route& r) {
  bool calico = pr.mode.rfind("calico", 0) == 0;
  if (calico && (r.protocol == "bird" || r.protocol == "80" || r.dev.rfind("cali", 0) == 0 || is_tunnel_device(r.dev)))
    return false;
  return true;
}

// `idx` indexes self's main routes of pr.family: the exact route, the routes inside the range and the
// first wider one, each the first in main_routes order, as a scan of that list would find them.
void judge(PeerRoute& pr, const RouteIndex& idx) {
  const NodeFacts& self = *pr.self;
  const node::Prefix& want = pr.range->prefix;
  pr.exact = idx.exact(want);
  for (const node::Route* r : idx.inside(want))
    if (diverts(pr, *r)) pr.shadows.push_back(r);
  pr.covering = idx.covering(want);
  pr.expected = expected_line(pr);
  if (!pr.impossible.empty()) {
    pr.problem = "impossible";
    return;
  }
  if (pr.exact) {
    const node::Route& r = *pr.exact;
    if (r.type != "unicast") {
      pr.problem = fmt::format("a {} route: packets to {}'s pods are dropped on {}", r.type, pr.peer, self.name);
    } else if (!matches(pr, r)) {
      std::string dev = r.nexthops.empty() ? r.dev : r.nexthops.front().dev;
      std::string gw = r.nexthops.empty() ? r.gateway : r.nexthops.front().gateway;
      if (!pr.dev.empty() && dev != pr.dev)
        pr.problem = fmt::format("the route uses device {} instead of {}", dev.empty() ? "(none)" : dev, pr.dev);
      else
        pr.problem =
            fmt::format("the route's next hop is {} instead of {}", gw.empty() ? "(none: on-link)" : gw, pr.gateway);
    } else if (r.has_flag("linkdown")) {
      pr.problem = fmt::format("the route's device {} is down (linkdown)", r.dev);
    }
  } else if (pr.covering && pr.covering->prefix.len > 0 && pr.covering->type == "unicast" &&
             matches(pr, *pr.covering)) {
    // A wider route that already goes the right way (an aggregate the admin or the CNI added) serves too.
  } else {
    pr.problem = "no route";
  }
  if (pr.problem.empty() && !pr.shadows.empty())
    pr.problem =
        fmt::format("a more specific route ({}) takes part of the range elsewhere", pr.shadows.front()->to_line());
}

}  // namespace

const std::vector<PeerRoute>& peer_routes(Context& ctx) {
  return ctx.cached<std::vector<PeerRoute>>("peer-routes", [&] {
    const ClusterNet& net = cluster_net(ctx);
    std::vector<PeerRoute> out;
    // One PeerRoute per node and other node's range: reserve them at once (growing a vector of a
    // million of them copied each several times and doubled the peak memory).
    size_t with_routes = 0;
    for (const NodeFacts& self : net.nodes) with_routes += self.routes ? 1 : 0;
    out.reserve(with_routes * net.node_ranges.size());
    // Per range, the same for every node that judges it: the owner's Node object and address.
    std::vector<const Node*> peer_nodes;
    std::vector<std::string> peer_ips;
    for (const RangeRef& range : net.node_ranges) {
      peer_nodes.push_back(ctx.cluster.node(range.node));
      peer_ips.push_back(peer_nodes.back() ? node_ip(*peer_nodes.back(), range.prefix.family()) : "");
    }
    for (const NodeFacts& self : net.nodes) {
      if (!self.routes) continue;
      std::unique_ptr<RouteIndex> idx4, idx6;  // built at the first pair that needs them
      for (size_t ri = 0; ri < net.node_ranges.size(); ++ri) {
        const RangeRef& range = net.node_ranges[ri];
        if (range.node == self.name) continue;
        Family fam = range.prefix.family();
        // A peer range inside this node's own subnet is pod-cidr-overlaps-node-network's finding; the
        // on-link route it gets here is its symptom, not a second problem.
        bool on_own_subnet = false;
        for (const auto& h : self.host_addresses()) on_own_subnet |= node::overlaps(h.prefix.network(), range.prefix);
        if (on_own_subnet) continue;
        PeerRoute pr;
        pr.self = &self;
        pr.peer = range.node;
        pr.peer_node = peer_nodes[ri];
        pr.range = &range;
        pr.family = fam;
        pr.peer_ip = peer_ips[ri];
        if (!expect(pr, net, ctx.cni)) continue;
        auto& idx = fam == Family::V4 ? idx4 : idx6;
        if (!idx) idx = std::make_unique<RouteIndex>(self, fam);
        judge(pr, *idx);
        out.push_back(std::move(pr));
      }
    }
    return out;
  });
}

const PeerRoute* find_peer_route(const std::vector<PeerRoute>& all, std::string_view self, std::string_view peer,
                                 Family f) {
  for (const auto& pr : all)
    if (pr.self->name == self && pr.peer == peer && pr.family == f) return &pr;
  return nullptr;
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
