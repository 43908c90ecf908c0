// node-rp-filter-strict: strict reverse-path filtering (rp_filter = 1) drops a packet when the
// node's route back to its source leaves by another interface than the one it came in on. Pod
// traffic between two nodes takes symmetric paths when both run the CNI's mode alike; when they do
// not (one sends straight over the underlay, the other routes back through the tunnel: subnet masks
// that disagree, DirectRouting on one side only, a second NIC), strict filtering drops it silently.
// Decided from both nodes' bundles: the peer's route says where the packets arrive, this node's
// route says where it would send the answer, sysctl.txt says how strict the filter is.
#include "checks/node_rp_filter_strict.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "checks/node_routes.h"
#include "checks/route_index.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

std::string dev_of(const node::Route& r) { return r.nexthops.empty() ? r.dev : r.nexthops.front().dev; }
std::string gw_of(const node::Route& r) { return r.nexthops.empty() ? r.gateway : r.nexthops.front().gateway; }

// The interface of `self` that packets sent along `peer_route` (the peer's route) arrive on.
std::string ingress(const NodeFacts& self, const node::Route& peer_route) {
  std::string dev = dev_of(peer_route);
  if (is_tunnel_device(dev)) return dev;  // decapsulated into the device of the same name
  std::string gw = gw_of(peer_route);
  auto a = node::parse_address(gw);
  if (a)
    for (const auto& l : self.links)
      for (const auto& ad : l.addrs)
        if (ad.prefix.addr == *a) return l.ifname;
  return self.underlay(peer_route.family());
}

// The kernel filters strictly when max(all, interface) is 1. With net.ipv4.conf.all.rp_filter 2 (or
// more), or with it 0 and no interface key at 1, no interface of the node can be strict: none of its
// pairs can make a finding, and the per-pair work is skipped.
bool can_be_strict(const NodeFacts& f) {
  if (!f.sysctl) return false;
  int all = f.sysctl_int("net.ipv4.conf.all.rp_filter").value_or(0);
  if (all == 1) return true;
  if (all > 1) return false;
  constexpr std::string_view head = "net.ipv4.conf.", tail = ".rp_filter";
  for (const auto& e : f.sysctl->entries) {
    std::string_view k = e.key;
    if (k.size() > head.size() + tail.size() && k.substr(0, head.size()) == head &&
        k.substr(k.size() - tail.size()) == tail && f.sysctl_int(k) == 1)
      return true;
  }
  return false;
}

}  // namespace

void run_node_rp_filter_strict(Context& ctx) {
  const auto& all = peer_routes(ctx);
  std::unordered_map<std::string_view, bool> strict;  // by node name: can_be_strict
  for (const PeerRoute& pr : all)
    if (!strict.count(pr.self->name)) strict.emplace(pr.self->name, can_be_strict(*pr.self));
  if (std::none_of(strict.begin(), strict.end(), [](const auto& s) { return s.second; })) return;
  // find_peer_route(all, peer, self, family) for every pair scanned all pairs: index the first
  // PeerRoute of each (self, peer) of IPv4, the only family judged here.
  struct Key {
    std::string_view self, peer;
    bool operator==(const Key&) const = default;
  };
  struct Hash {
    size_t operator()(const Key& k) const {
      return std::hash<std::string_view>()(k.self) * 31 + std::hash<std::string_view>()(k.peer);
    }
  };
  std::unordered_map<Key, const PeerRoute*, Hash> first;
  first.reserve(all.size());
  for (const PeerRoute& pr : all)  // only the routes back to a node that can be strict are asked for
    if (pr.family == node::Family::V4 && strict.count(pr.peer) && strict[pr.peer])
      first.emplace(Key{pr.self->name, pr.peer}, &pr);
  const NodeFacts* indexed = nullptr;  // PeerRoutes come grouped by self: one route index at a time
  std::unique_ptr<RouteIndex> idx;
  for (const PeerRoute& pr : all) {
    const NodeFacts& self = *pr.self;
    if (pr.family != node::Family::V4 || !pr.problem.empty() || !self.sysctl || !strict[self.name]) continue;
    auto it = first.find(Key{pr.peer, self.name});
    const PeerRoute* back = it == first.end() ? nullptr : it->second;
    if (!back || !back->problem.empty()) continue;  // no peer bundle, or its route is already a finding
    const node::Route* theirs = back->exact ? back->exact : back->covering;
    if (indexed != &self) {
      idx = std::make_unique<RouteIndex>(self, node::Family::V4);
      indexed = &self;
    }
    const node::Route* ours = idx->lookup(pr.range->prefix.first());
    if (!theirs || !ours) continue;
    std::string in = ingress(self, *theirs);
    std::string out = dev_of(*ours);
    if (in.empty() || in == out) continue;
    const node::SysctlLine* all_l = self.sysctl_line("net.ipv4.conf.all.rp_filter");
    const node::SysctlLine* if_l = self.sysctl_line(conf_key("ipv4", in, "rp_filter"));
    int eff = std::max(self.sysctl_int("net.ipv4.conf.all.rp_filter").value_or(0),
                       self.sysctl_int(conf_key("ipv4", in, "rp_filter")).value_or(0));
    if (eff != 1) continue;

    Finding& f = ctx.report("node-rp-filter-strict", Subject{"Node", "", self.name});
    f.node = self.name;
    f.summary = fmt::format(
        "Node {} drops packets from the pods of {} ({}): they arrive on {} ({} sends them with `{}`), but {}'s "
        "route back to them leaves by {} (`{}`), and reverse-path filtering on {} is strict (rp_filter = 1). "
        "Connections between pods on the two nodes time out in one direction while the routes look right on each "
        "node.",
        self.name, pr.peer, pr.range->prefix.to_string(), in, pr.peer, theirs->to_line(), self.name, out,
        ours->to_line(), in);
    for (const node::SysctlLine* l : {all_l, if_l})
      if (l) f.evidence.push_back({self.src("sysctl.txt", l->line), l->key + " = " + l->value});
    f.evidence.push_back({self.route_src(*ours), ours->to_line() + " (" + self.name + "'s way back)"});
    f.evidence.push_back({back->self->route_src(*theirs), theirs->to_line() + " (" + pr.peer + "'s way there)"});
    f.fix = {
        fmt::format("Make the two nodes route alike: {} sends to {} by {} while {} answers by {}. Usual causes: "
                    "subnet masks that differ between the nodes (ip -4 addr show on both), flannel DirectRouting or "
                    "Calico CrossSubnet judging the subnet differently, a second NIC with its own routes.",
                    pr.peer, self.name, dev_of(*theirs), self.name, out),
        fmt::format("Or relax the filter to loose mode on {}: sysctl -w net.ipv4.conf.all.rp_filter=2 {}=2, "
                    "persisted in /etc/sysctl.d/ (Calico refuses loose mode for `all` unless FelixConfiguration "
                    "ignoreLooseRPF is true).",
                    self.name, conf_key("ipv4", in, "rp_filter")),
        "Be warned: `sysctl -p` and network restarts have been seen to reset these settings.",
        fmt::format("Verify: from a pod on {}, connect to a pod on {}; nstat -az TcpExtIPReversePathFilter on {} "
                    "stops growing.",
                    pr.peer, self.name, self.name)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
