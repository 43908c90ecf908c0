#include "pcap/context.h"

namespace nd::pcap {

Event* EventSink::add(EventKind k, Level l) {
  auto i = static_cast<size_t>(k);
  if (per_kind_[i] >= opt_.max_events_per_kind) {
    ++r_.events_dropped[i];
    return nullptr;
  }
  ++per_kind_[i];
  Event& e = r_.events.emplace_back();
  e.kind = k;
  e.level = l;
  return &e;
}

Event* EventSink::aggregate(EventKind k, Level l, uint64_t key, bool& created) {
  key = hash_combine(key, static_cast<uint64_t>(k));
  uint32_t i = agg_.find(key);
  if (i != agg_.npos) {
    created = false;
    Event* e = &r_.events[agg_.value(i)];
    if (l > e->level) e->level = l;
    return e;
  }
  created = true;
  Event* e = add(k, l);
  if (e == nullptr) return nullptr;
  bool inserted = false;
  i = agg_.find_or_insert(key, inserted);
  agg_.value(i) = static_cast<uint32_t>(r_.events.size() - 1);
  return e;
}

void EventSink::evidence(Event& e, uint64_t pkt, int64_t us) const {
  if (e.packets.size() >= opt_.max_evidence) return;
  e.packets.push_back(pkt);
  e.times_us.push_back(us);
}

}  // namespace nd::pcap
