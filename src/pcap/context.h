// What every analysis shares while a capture is read: the options, the report being filled, the
// flow table, the event sink and the current packet's number and time.
#pragma once

#include <cstdint>
#include <string>

#include "pcap/analyze.h"
#include "pcap/anomaly.h"
#include "pcap/flows.h"

namespace nd::pcap {

// Events go through here: it applies the per-kind cap and merges events that are "the same"
// (same aggregation key), so a flood of one problem is one event with a count.
class EventSink {
 public:
  EventSink(const Options& opt, Report& r) : opt_(opt), r_(r) {}

  // A new event, or nullptr when its kind is over the cap (counted in events_dropped).
  // The pointer is valid until the next add/aggregate.
  Event* add(EventKind k, Level l);
  // The event for `key` (a hash of what makes two events the same), created on first use;
  // `created` says which. nullptr when over the cap.
  Event* aggregate(EventKind k, Level l, uint64_t key, bool& created);
  // Appends a packet number and time as evidence, up to Options::max_evidence.
  void evidence(Event& e, uint64_t pkt, int64_t us) const;

 private:
  const Options& opt_;
  Report& r_;
  size_t per_kind_[kEventKinds] = {};
  FlatTable<uint64_t, uint32_t> agg_{64};
};

struct Context {
  Context(const Options& o, Report& r) : opt(o), report(r), events(o, r) {}

  const Options& opt;
  Report& report;
  EventSink events;
  FlowTable flows;
  uint64_t pkt = 0;       // number of the packet being read (1-based)
  int64_t now_us = 0;     // its time
  int64_t clock_us = 0;   // the latest time seen (captures are not always in time order)

  struct AnomalyCount {
    uint64_t count = 0, first_packet = 0;
    std::string detail;
  };
  AnomalyCount anomalies[kAnomalyCount];
  void anomaly(AnomalyId id, uint64_t packet, const std::string& detail = {}) {
    AnomalyCount& a = anomalies[static_cast<int>(id)];
    if (a.count++ == 0) a.first_packet = packet, a.detail = detail;
  }

  static int64_t us(double seconds) { return static_cast<int64_t>(seconds * 1e6); }
};

// A 64-bit hash over several values, for aggregation keys.
inline uint64_t hash_combine(uint64_t h, uint64_t v) { return mix64(h ^ v, 0x9fb21c651e98df25ull); }
inline uint64_t hash_ip(uint64_t h, const IpAddr& a) {
  uint64_t w[2];
  std::memcpy(w, a.bytes, 16);
  return hash_combine(hash_combine(hash_combine(h, a.family), w[0]), w[1]);
}
inline uint64_t hash_str(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = hash_combine(h, c);
  return hash_combine(h, s.size());
}

}  // namespace nd::pcap
