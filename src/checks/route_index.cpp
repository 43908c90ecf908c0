#include "checks/route_index.h"

#ifdef ND_HAVE_NODE

#include <algorithm>

namespace nd::checks {

RouteIndex::RouteIndex(const NodeFacts& f, node::Family fam) : routes_(&f.main_routes(fam)) {
  const auto& rs = *routes_;
  by_net_.reserve(rs.size());
  by_addr_.reserve(rs.size());
  for (uint32_t i = 0; i < rs.size(); ++i) {
    by_net_.emplace_back(rs[i].prefix.network(), i);
    by_addr_.emplace_back(rs[i].prefix.addr, i);
    lens_.push_back(rs[i].prefix.len);
  }
  std::sort(by_net_.begin(), by_net_.end());
  std::sort(by_addr_.begin(), by_addr_.end());
  std::sort(lens_.begin(), lens_.end(), std::greater<>());
  lens_.erase(std::unique(lens_.begin(), lens_.end()), lens_.end());
}

const node::Route* RouteIndex::exact(const node::Prefix& net) const {
  auto it = std::lower_bound(by_net_.begin(), by_net_.end(), std::make_pair(net, uint32_t{0}));
  return it != by_net_.end() && it->first == net ? &(*routes_)[it->second] : nullptr;
}

// main_routes is sorted longest prefix first: the longest length that has a route holding the
// address wins, and among routes of one network the first in that order.
const node::Route* RouteIndex::lookup(const node::Address& a) const {
  for (unsigned len : lens_)
    if (len <= a.bits())
      if (const node::Route* r = exact(node::Prefix{a, len}.network())) return r;
  return nullptr;
}

const node::Route* RouteIndex::covering(const node::Prefix& want) const {
  for (unsigned len : lens_)
    if (len < want.len)
      if (const node::Route* r = exact(node::Prefix{want.addr, len}.network())) return r;
  return nullptr;
}

std::vector<const node::Route*> RouteIndex::inside(const node::Prefix& want) const {
  std::vector<uint32_t> pos;
  const node::Address lo = want.first(), hi = want.last();
  for (auto it = std::lower_bound(by_addr_.begin(), by_addr_.end(), std::make_pair(lo, uint32_t{0}));
       it != by_addr_.end() && it->first <= hi; ++it)
    if ((*routes_)[it->second].prefix.len > want.len) pos.push_back(it->second);
  std::sort(pos.begin(), pos.end());
  std::vector<const node::Route*> out;
  out.reserve(pos.size());
  for (uint32_t p : pos) out.push_back(&(*routes_)[p]);
  return out;
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
