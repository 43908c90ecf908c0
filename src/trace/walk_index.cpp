#include "trace/walk_index.h"

#include <algorithm>
#include <limits>

namespace nd::trace {

using checks::NodeFacts;

namespace {

std::string lower_ascii(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

WalkIndex::WalkIndex(const checks::ClusterNet& n) : net(&n) {
  tables.resize(n.nodes.size());
  for (uint32_t i = 0; i < n.nodes.size(); ++i) {
    const NodeFacts& f = n.nodes[i];
    facts_by_name.emplace(f.name, &f);
    NodeTables& t = tables[i];
    t.routes4 = std::make_unique<checks::RouteIndex>(f, node::Family::V4);
    t.routes6 = std::make_unique<checks::RouteIndex>(f, node::Family::V6);
    if (f.neigh)
      for (uint32_t k = 0; k < f.neigh->size(); ++k)
        if (auto a = node::parse_address((*f.neigh)[k].dst)) t.neigh.emplace_back((*f.neigh)[k].dev, *a, k);
    if (f.fdb)
      for (uint32_t k = 0; k < f.fdb->size(); ++k)
        t.fdb.emplace_back((*f.fdb)[k].ifname, lower_ascii((*f.fdb)[k].mac), k);
    std::sort(t.neigh.begin(), t.neigh.end());
    std::sort(t.fdb.begin(), t.fdb.end());
    const auto& hs = f.host_addresses();
    for (uint32_t k = 0; k < hs.size(); ++k) {
      hosts.emplace_back(hs[k].prefix.network(), i, k);
      host_lens.push_back(hs[k].prefix.len);
    }
  }
  for (const auto& r : n.node_ranges) ranges_by_node[r.node].push_back(&r);
  std::sort(hosts.begin(), hosts.end());
  std::sort(host_lens.begin(), host_lens.end());
  host_lens.erase(std::unique(host_lens.begin(), host_lens.end()), host_lens.end());
}

const NodeFacts* WalkIndex::facts(std::string_view name) const {
  auto it = facts_by_name.find(name);
  return it == facts_by_name.end() ? nullptr : it->second;
}

std::vector<const checks::RangeRef*> WalkIndex::ranges_of(std::string_view node, node::Family f) const {
  std::vector<const checks::RangeRef*> out;
  auto it = ranges_by_node.find(node);
  if (it == ranges_by_node.end()) return out;
  for (const checks::RangeRef* r : it->second)
    if (r->prefix.family() == f) {
      bool dup = false;  // FLANNEL_SUBNET repeats the podCIDR
      for (const checks::RangeRef* o : out) dup |= o->prefix == r->prefix;
      if (!dup) out.push_back(r);
    }
  return out;
}

const node::Route* WalkIndex::lookup(const NodeFacts& f, const node::Address& a) const {
  const NodeTables& t = tables[static_cast<size_t>(&f - net->nodes.data())];
  return (a.is_v4() ? t.routes4 : t.routes6)->lookup(a);
}

const node::Neighbor* WalkIndex::neighbour(const NodeFacts& f, std::string_view dev, const node::Address& dst) const {
  const auto& v = tables[static_cast<size_t>(&f - net->nodes.data())].neigh;
  auto hi = std::upper_bound(v.begin(), v.end(), std::make_tuple(dev, dst, std::numeric_limits<uint32_t>::max()));
  if (hi == v.begin()) return nullptr;
  const auto& e = *std::prev(hi);
  return std::get<0>(e) == dev && std::get<1>(e) == dst ? &(*f.neigh)[std::get<2>(e)] : nullptr;
}

const node::FdbEntry* WalkIndex::fdb(const NodeFacts& f, std::string_view ifname, const std::string& mac_lower) const {
  const auto& v = tables[static_cast<size_t>(&f - net->nodes.data())].fdb;
  auto hi = std::upper_bound(v.begin(), v.end(), std::make_tuple(ifname, mac_lower, std::numeric_limits<uint32_t>::max()),
                             [](const auto& a, const auto& b) {
                               return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
                                      std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
                             });
  if (hi == v.begin()) return nullptr;
  const auto& e = *std::prev(hi);
  return std::get<0>(e) == ifname && std::get<1>(e) == mac_lower ? &(*f.fdb)[std::get<2>(e)] : nullptr;
}

const NodeFacts* WalkIndex::overlap(const node::Address& a, const NodeFacts::HostAddr** host) const {
  std::tuple<uint32_t, uint32_t> best{std::numeric_limits<uint32_t>::max(), 0};
  for (unsigned len : host_lens) {
    if (len > a.bits()) continue;
    node::Prefix key = node::Prefix{a, len}.network();
    auto it = std::lower_bound(hosts.begin(), hosts.end(), std::make_tuple(key, uint32_t{0}, uint32_t{0}));
    if (it != hosts.end() && std::get<0>(*it) == key)
      best = std::min(best, std::make_tuple(std::get<1>(*it), std::get<2>(*it)));
  }
  if (std::get<0>(best) == std::numeric_limits<uint32_t>::max()) return nullptr;
  const NodeFacts& g = net->nodes[std::get<0>(best)];
  *host = &g.host_addresses()[std::get<1>(best)];
  return &g;
}

const WalkIndex& walk_index(Context& ctx, const checks::ClusterNet& net) {
  return *ctx.cached<std::shared_ptr<const WalkIndex>>("trace-walk-index",
                                                       [&] { return std::make_shared<const WalkIndex>(net); });
}

}  // namespace nd::trace
