// pod-cidr-overlaps-node-network (P9): a pod range (Calico pool, flannel Network, --cluster-cidr, a
// node's podCIDR) intersects an address or subnet the nodes themselves use. Pod addresses inside a
// node subnet look on-link to the nodes, which ARP for them on the underlay instead of routing them:
// "No route to host". Reports each exact intersection and the nodes/addresses inside it.
#include "checks/pod_cidr_overlaps_node_network.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checks/node_facts.h"
#include "checks/pod_range_fix.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

// Something of the nodes' own: an address, an interface subnet, or a route that is not the CNI's.
struct NodeNet {
  node::Prefix prefix;     // normalised subnet (or host prefix for a bare address)
  std::string node, what;  // "eth0 192.168.1.11/24", "InternalIP 192.168.1.11", "route 10.0.0.0/8 via ..."
  Evidence evidence;
};

bool pod_route(const ClusterNet& net, const Cluster& c, const node::Route& r) {
  // The CNI's own routes to pod ranges: BGP-learnt, Felix's, or host-gw style via another node's address.
  if (r.protocol == "bird" || r.protocol == "80") return true;
  if (!net.in_pod_range(r.prefix.network())) return false;
  std::vector<std::string> gws;
  if (!r.gateway.empty()) gws.push_back(r.gateway);
  for (const auto& nh : r.nexthops)
    if (!nh.gateway.empty()) gws.push_back(nh.gateway);
  if (gws.empty()) return false;
  for (const auto& gw : gws) {
    bool node_gw = false;
    for (const Node& n : c.nodes)
      for (const auto& a : n.addresses) node_gw |= a.address == gw;
    if (!node_gw) return false;
  }
  return true;
}

std::vector<NodeNet> node_networks(const Cluster& c, const ClusterNet& net) {
  std::vector<NodeNet> out;
  for (const Node& n : c.nodes)
    for (const auto& a : n.addresses) {
      if (a.type != "InternalIP" && a.type != "ExternalIP") continue;
      auto p = node::parse_prefix(a.address);
      if (!p) continue;
      out.push_back({*p,
                     n.meta.name,
                     a.type + " " + a.address,
                     {at(n.meta, ".status.addresses"), fmt::format("{} {}", a.type, a.address)}});
    }
  for (const NodeFacts& f : net.nodes) {
    for (const auto& h : f.host_addresses())
      out.push_back(
          {h.prefix.network(),
           f.name,
           fmt::format("{} {}", h.iface, h.prefix.to_string()),
           {f.src(f.links_file), fmt::format("{}: inet{} {}", h.iface, h.prefix.family() == node::Family::V6 ? "6" : "",
                                             h.prefix.to_string())}});
    if (!f.routes) continue;
    const auto& hosts = f.host_addresses();
    for (const auto& r : *f.routes) {
      if (r.table == "local" || r.prefix.len == 0 || r.type != "unicast") continue;
      if ((!r.dev.empty() && is_cni_device(r.dev)) || pod_route(net, c, r)) continue;
      // A route inside one node's pod range diverts part of it: node-missing-pod-route reports that.
      if (std::any_of(net.node_ranges.begin(), net.node_ranges.end(),
                      [&](const RangeRef& nr) { return node::contains(nr.prefix, r.prefix.network()); }))
        continue;
      // The connected route of an interface subnet says what the address already said.
      if (std::any_of(hosts.begin(), hosts.end(),
                      [&](const auto& h) { return h.prefix.network() == r.prefix.network(); }))
        continue;
      out.push_back({r.prefix.network(), f.name, "route " + r.to_line(), {f.route_src(r), r.to_line()}});
    }
  }
  return out;
}

// Whether an overlap between a pod range and a node network is real. A gateway route wider than the
// pod range (10.0.0.0/8 via the office router) proves nothing uses the pod addresses; the pod routes
// are more specific and win. Connected subnets, addresses, and narrower routes are real.
bool conflicts(const node::Prefix& pod, const NodeNet& n) {
  if (!node::overlaps(pod, n.prefix)) return false;
  if (n.what.rfind("route ", 0) == 0 && n.prefix.len < pod.len && n.what.find(" via ") != std::string::npos)
    return false;
  return true;
}

}  // namespace

void run_pod_cidr_overlaps_node_network(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  std::vector<NodeNet> nets = node_networks(ctx.cluster, net);
  if (nets.empty()) return;
  // Cluster-wide ranges, then node ranges that no cluster-wide range holds (a node range inside a
  // reported pool is part of that finding).
  std::vector<const RangeRef*> ranges;
  for (const auto& r : net.pod_ranges) ranges.push_back(&r);
  for (const auto& r : net.node_ranges) {
    bool inside = false;
    for (const auto& c : net.pod_ranges) inside |= node::contains(c.prefix, r.prefix);
    if (!inside) ranges.push_back(&r);
  }
  for (const RangeRef* r : ranges) {
    // Group by the intersection: several nodes share one subnet.
    struct Hit {
      node::Prefix inter;
      std::vector<const NodeNet*> nets;
    };
    std::vector<Hit> hits;
    for (const NodeNet& n : nets) {
      if (!conflicts(r->prefix, n)) continue;
      node::Prefix inter = *node::intersection(r->prefix, n.prefix);
      auto it = std::find_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.inter == inter; });
      if (it == hits.end())
        hits.push_back({inter, {&n}});
      else
        it->nets.push_back(&n);
    }
    if (hits.empty()) continue;
    // Wider intersections first; a narrower one inside it (a node's address in its subnet) joins it.
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.inter.len < b.inter.len; });
    for (size_t i = 0; i < hits.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (node::contains(hits[j].inter, hits[i].inter)) {
          hits[j].nets.insert(hits[j].nets.end(), hits[i].nets.begin(), hits[i].nets.end());
          hits.erase(hits.begin() + static_cast<long>(i--));
          break;
        }
    std::vector<std::string> parts;
    std::vector<Evidence> ev{r->evidence};
    std::set<std::string> nodes_in;
    for (const Hit& h : hits) {
      std::vector<std::string> who;
      for (const NodeNet* n : h.nets) {
        nodes_in.insert(n->node);
        std::string w = n->node + " " + n->what;
        if (std::find(who.begin(), who.end(), w) == who.end()) who.push_back(w);
        if (ev.size() < 12) ev.push_back(n->evidence);
      }
      if (who.size() > 6) {
        size_t more = who.size() - 6;
        who.resize(6);
        who.push_back(fmt::format("and {} more", more));
      }
      parts.push_back(fmt::format("{} ({})", h.inter.to_string(), join(who, "; ")));
    }
    Finding& f = ctx.report("pod-cidr-overlaps-node-network", r->subject);
    if (!r->node.empty()) f.node = r->node;
    bool on_link = false, routed = false;
    for (const Hit& h : hits)
      for (const NodeNet* n : h.nets) (n->what.rfind("route ", 0) == 0 ? routed : on_link) = true;
    std::string effect;
    if (on_link)
      effect =
          "Pod addresses inside a node's subnet look on-link to that node, which ARPs for them on the underlay "
          "instead of routing them through the pod network: pods on different nodes cannot talk (\"No route to "
          "host\") and pods cannot reach the hosts that really own those addresses.";
    if (routed)
      effect += std::string(effect.empty() ? "" : " ") +
                "A node route inside the pod range that is not the CNI's sends traffic for those pod addresses "
                "somewhere else, or the pod routes hide the network it was meant for.";
    f.summary = fmt::format("Pod range {} ({}) overlaps networks the nodes use: {}. {} (P9) Nodes involved: {}.",
                            r->text, r->origin, join(parts, ", "), effect,
                            join(std::vector<std::string>(nodes_in.begin(), nodes_in.end()), ", "));
    f.evidence = std::move(ev);
    f.fix = range_migration_fix(ctx.cluster, ctx.cni, net, *r);
    f.fix.push_back(
        "Verify: on a node, ip route get <pod-ip-on-another-node> leaves through the CNI's device or "
        "via the peer node, not on-link; re-run `netdoctor diagnose` on a new snapshot.");
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
