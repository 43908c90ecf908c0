// node-vxlan-fdb-missing (P9, P2.3): the route to a peer's pods goes into the VXLAN device (flannel.1,
// vxlan.calico) but the two entries that make the tunnel deliver are missing or stale: the neighbour
// entry (peer VTEP address -> VTEP MAC, ip-neigh.json) and the FDB entry (VTEP MAC -> peer node
// address, bridge-fdb.json). The agents add both as permanent entries and turn learning off, so
// without them the kernel has nowhere to send the encapsulated packet.
#include "checks/node_vxlan_fdb_missing.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "checks/node_routes.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The peer's VTEP MAC: flannel's backend-data annotation, else the device's address in its bundle.
std::string peer_vtep_mac(const ClusterNet& net, const PeerRoute& pr, std::string* source) {
  if (pr.peer_node) {
    const char* key = pr.family == node::Family::V4 ? "flannel.alpha.coreos.com/backend-data"
                                                    : "flannel.alpha.coreos.com/backend-v6-data";
    if (const std::string* data = find_value(pr.peer_node->meta.annotations, key)) {
      try {
        auto j = nlohmann::json::parse(*data);
        if (j.is_object() && j.contains("VtepMAC") && j["VtepMAC"].is_string()) {
          *source = at(pr.peer_node->meta, std::string(".metadata.annotations[") + key + "]");
          return lower(j["VtepMAC"].get<std::string>());
        }
      } catch (const std::exception&) {
      }
    }
  }
  if (const NodeFacts* pf = net.facts(pr.peer))
    if (const node::Link* l = pf->iface(pr.dev); l && !l->address.empty()) {
      *source = pf->src(pf->links_file);
      return lower(l->address);
    }
  return {};
}

bool bad_state(const node::Neighbor& n) { return n.has_state("FAILED") || n.has_state("INCOMPLETE"); }

// One node's neighbour and FDB tables by key. A node has an entry per peer, and each (node, peer)
// pair asks for one: scanning both tables per pair was cubic in the number of nodes.
using Key = std::pair<std::string, std::string>;
struct KeyHash {
  size_t operator()(const Key& k) const { return std::hash<std::string>()(k.first) * 31 + std::hash<std::string>()(k.second); }
};
struct Tables {
  std::unordered_map<Key, const node::Neighbor*, KeyHash> neigh;               // (dev, dst) -> the last entry
  std::unordered_map<Key, std::vector<const node::FdbEntry*>, KeyHash> fdb;  // (ifname, lower(mac)), in order
  explicit Tables(const NodeFacts& f) {
    if (f.neigh)
      for (const auto& e : *f.neigh) neigh[Key{e.dev, e.dst}] = &e;
    if (f.fdb)
      for (const auto& e : *f.fdb) fdb[Key{e.ifname, lower(e.mac)}].push_back(&e);
  }
};

}  // namespace

void run_node_vxlan_fdb_missing(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  const NodeFacts* tables_of = nullptr;  // PeerRoutes come grouped by self: one node's tables at a time
  std::unique_ptr<Tables> tables;
  // The peer's VTEP MAC depends on the peer, the device and the family only, so on the range (its
  // node and family) and the device: read it once per range and device.
  struct Mac {
    std::string dev, mac, src;
  };
  std::unordered_map<const RangeRef*, std::vector<Mac>> macs;
  for (const PeerRoute& pr : peer_routes(ctx)) {
    const bool vxlan =
        pr.dev == "flannel.1" || pr.dev == "flannel-v6.1" || pr.dev == "vxlan.calico" || pr.dev == "vxlan-v6.calico";
    if (!vxlan || !pr.problem.empty()) continue;  // a wrong route is node-missing-pod-route's finding
    const NodeFacts& self = *pr.self;
    if (!self.neigh && !self.fdb) continue;
    std::string gw = pr.gateway;
    if (gw.empty() && pr.exact) gw = pr.exact->gateway;
    if (gw.empty()) continue;
    std::vector<Mac>& known = macs[pr.range];
    auto m = std::find_if(known.begin(), known.end(), [&](const Mac& k) { return k.dev == pr.dev; });
    if (m == known.end()) {
      Mac k{pr.dev, "", ""};
      k.mac = peer_vtep_mac(net, pr, &k.src);
      known.push_back(std::move(k));
      m = std::prev(known.end());
    }
    const std::string& want_mac = m->mac;
    const std::string& mac_src = m->src;
    if (tables_of != &self) {
      tables = std::make_unique<Tables>(self);
      tables_of = &self;
    }
    // The evidence is written only for a pair with a problem (most pairs have none), in the order
    // the checks below meet it: the route, the neighbour entry, the FDB entries, the peer's MAC.
    std::vector<std::string> problems;
    const node::Neighbor* n = nullptr;
    const std::vector<const node::FdbEntry*>* entries = nullptr;
    static const std::vector<const node::FdbEntry*> none;
    bool neigh_asked = false, fdb_asked = false;
    std::string mac = want_mac;
    if (self.neigh) {
      neigh_asked = true;
      auto it = tables->neigh.find(Key{pr.dev, gw});
      n = it == tables->neigh.end() ? nullptr : it->second;
      if (!n) {
        problems.push_back(fmt::format("no neighbour entry for the VTEP address {} on {}", gw, pr.dev));
      } else if (bad_state(*n) || n->lladdr.empty()) {
        problems.push_back(fmt::format("the neighbour entry for {} is {} (no MAC)", gw, join(n->state, ",")));
      } else if (!want_mac.empty() && lower(n->lladdr) != want_mac) {
        problems.push_back(fmt::format("the neighbour entry for {} has MAC {} but {}'s VTEP is {} (stale)", gw,
                                       n->lladdr, pr.peer, want_mac));
      } else {
        mac = lower(n->lladdr);
      }
    }
    if (self.fdb && !mac.empty()) {
      fdb_asked = true;
      auto it = tables->fdb.find(Key{pr.dev, mac});
      entries = it != tables->fdb.end() ? &it->second : &none;
      bool right = false;
      for (const auto* e : *entries) {
        if (!pr.peer_ip.empty() && !e->dst.empty()) {
          auto a = node::parse_address(e->dst), b = node::parse_address(pr.peer_ip);
          right |= a && b && *a == *b;
        } else {
          right |= !e->dst.empty();
        }
      }
      if (entries->empty()) {
        problems.push_back(
            fmt::format("no FDB entry for the VTEP MAC {} on {}: the kernel does not know which node "
                        "to send the encapsulated packets to",
                        mac, pr.dev));
      } else if (!right) {
        problems.push_back(
            fmt::format("the FDB entry for {} does not send to {}'s address {}", mac, pr.peer, pr.peer_ip));
      }
    }
    if (problems.empty()) continue;
    std::vector<Evidence> ev;
    if (pr.exact) ev.push_back({self.route_src(*pr.exact), pr.exact->to_line()});
    if (neigh_asked && !n)
      ev.push_back({self.src("ip-neigh.json"), fmt::format("no entry with dst {} dev {}", gw, pr.dev)});
    else if (neigh_asked)
      ev.push_back({fmt::format("{}[{}]", self.src("ip-neigh.json"), n->index),
                    fmt::format("{} dev {} lladdr {} {}", n->dst, n->dev, n->lladdr, join(n->state, ","))});
    if (fdb_asked) {
      for (const auto* e : *entries)
        ev.push_back({fmt::format("{}[{}]", self.src("bridge-fdb.json"), e->index),
                      fmt::format("{} dev {} dst {} {}", e->mac, e->ifname, e->dst, e->state)});
      if (entries->empty())
        ev.push_back({self.src("bridge-fdb.json"), fmt::format("no entry with mac {} dev {}", mac, pr.dev)});
    }
    if (!want_mac.empty()) ev.push_back({mac_src, fmt::format("{}'s VTEP MAC {}", pr.peer, want_mac)});

    Finding& f = ctx.report("node-vxlan-fdb-missing", Subject{"Node", "", self.name});
    f.node = self.name;
    f.summary = fmt::format(
        "Node {} routes {}'s pods ({}) into {} but cannot deliver through the tunnel: {}. Packets to pods on {} are "
        "dropped before they are encapsulated, so pods on {} cannot reach pods on {} (P9, {}).",
        self.name, pr.peer, pr.range->prefix.to_string(), pr.dev, join(problems, "; "), pr.peer, self.name, pr.peer,
        pr.mode);
    f.evidence = std::move(ev);
    std::string agent = pr.mode.rfind("calico", 0) == 0 ? "calico-node" : "kube-flannel";
    f.fix = {fmt::format("Restart the {} pod on {}: at start it re-adds the neighbour and FDB entries of every peer "
                         "(kubectl get pods -A -o wide --field-selector spec.nodeName={} to find it).",
                         agent, self.name, self.name),
             fmt::format("If the MAC is stale, {}'s {} was re-created: compare ip -d link show {} on {} with the "
                         "annotation flannel.alpha.coreos.com/backend-data of node {} (flanneld updates it at start).",
                         pr.peer, pr.dev, pr.dev, pr.peer, pr.peer),
             fmt::format(
                 "By hand, to test (the agent owns these entries): ip neigh replace {} lladdr {} dev {} nud permanent; "
                 "bridge fdb replace {} dev {} dst {} self permanent",
                 gw, want_mac.empty() ? "<peer VTEP MAC>" : want_mac, pr.dev,
                 want_mac.empty() ? "<peer VTEP MAC>" : want_mac, pr.dev,
                 pr.peer_ip.empty() ? "<peer node IP>" : pr.peer_ip),
             fmt::format("Verify: ip neigh show dev {} and bridge fdb show dev {} on {} list {} and {}.", pr.dev,
                         pr.dev, self.name, gw, pr.peer_ip.empty() ? pr.peer : pr.peer_ip)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
