#include "pcap/analyzer.h"

#include <algorithm>

#include "pcap/bytes.h"
#include "pcap/describe.h"
#include "pcap/icmp.h"

namespace nd::pcap {

namespace {
// Idle flows are looked for this often (in capture time): often enough to bound memory, rarely
// enough that the scan costs nothing per packet.
constexpr int64_t kSweepUs = 5'000'000;
constexpr uint16_t kDnsPort = 53;
constexpr int64_t kBackwardsUs = 1'000'000;
// Evidence is gathered per analysis (SYNs, then the RST); list it in capture order.
void sort_evidence(Event& e) {
  std::vector<std::pair<uint64_t, int64_t>> v;
  for (size_t i = 0; i < e.packets.size(); ++i) v.emplace_back(e.packets[i], e.times_us[i]);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  e.packets.clear();
  e.times_us.clear();
  for (auto& [p, t] : v) e.packets.push_back(p), e.times_us.push_back(t);
}

}  // namespace

Analyzer::Analyzer(const Options& opt, Report& r, int link_type) : c_(opt, r) {
  cfg_.link_type = link_type;
  cfg_.vxlan_ports[0] = opt.vxlan_ports[0];
  cfg_.vxlan_ports[1] = opt.vxlan_ports[1];
  cfg_.tunnels = opt.decode_tunnels;
  link_ok_ = link_type_supported(link_type);
  idle_us_[kLingerUdp] = Context::us(opt.udp_idle_s);
  idle_us_[kLingerClosed] = Context::us(opt.closed_linger_s);
  idle_us_[kLingerSyn] = Context::us(opt.syn_idle_s);
  idle_us_[kLingerTcp] = Context::us(opt.tcp_idle_s);
}

// Decoding depends on nothing but the bytes, so it can run ahead of the analysis.
void Analyzer::prepare(Pending& q, int64_t us, const uint8_t* data, uint32_t caplen,
                       uint32_t wirelen) {
  q.us = std::clamp<int64_t>(us, 0, kMaxTimeUs);
  q.caplen = caplen;
  q.wirelen = wirelen;
  q.keyed = false;
  if (!link_ok_) return;
  // A wire length below the captured bytes is the lie (counted as an anomaly in process()).
  decode_packet(cfg_, data, caplen, caplen > wirelen ? caplen : wirelen, q.p);
  const Packet& p = q.p;
  if (p.net != Net::Ip || p.fragment) return;
  uint16_t sport = 0, dport = 0;
  const bool icmp = p.proto == 1 || p.proto == 58;
  if (icmp && p.has_l4) {
    if (icmp_is_error(p.family, p.l4[0])) return;  // belongs to the flow it quotes
    if (icmp_is_echo(p.family, p.l4[0])) sport = dport = be16(p.l4 + 4);  // the echo identifier
  } else if (p.has_l4) {
    sport = p.sport, dport = p.dport;
  } else if (p.proto == 6 || p.proto == 17 || icmp) {
    return;  // the header was cut or bad: no flow to put it in
  }
  q.key = make_flow_key(p.family, p.proto, p.src, sport, p.dst, dport, q.from_a, &q.hash);
  q.keyed = true;
}

void Analyzer::packet(int64_t us, const uint8_t* data, uint32_t caplen, uint32_t wirelen) {
  prepare(now_, us, data, caplen, wirelen);
  process(now_);
}

void Analyzer::packet_ahead(int64_t us, const uint8_t* data, uint32_t caplen, uint32_t wirelen) {
  if (tail_ - head_ == kDepth) process(ring_[head_++ % kDepth]);
  Pending& q = ring_[tail_++ % kDepth];
  prepare(q, us, data, caplen, wirelen);
  const FlatTable<FlowKey, Flow>& map = c_.flows.map;
  if (q.keyed) map.prefetch_slot(q.hash);
  // The packet before this one had its slot line requested one step ago: follow it to the entry.
  if (tail_ - head_ >= 2) {
    const Pending& prev = ring_[(tail_ - 2) % kDepth];
    if (prev.keyed) map.prefetch_entry(prev.hash);
  }
}

void Analyzer::process(Pending& q) {
  Summary& s = c_.report.summary;
  const uint64_t n = ++c_.pkt;
  const int64_t us = q.us;
  ++s.packets;
  s.captured_bytes += q.caplen;
  if (q.caplen > q.wirelen) {
    c_.anomaly(AnomalyId::CaplenExceedsLen, n);
    q.wirelen = q.caplen;
  }
  s.bytes += q.wirelen;
  if (q.caplen < q.wirelen) ++s.snaplen_cut;
  if (n == 1) {
    s.first_us = c_.clock_us = us;
    next_sweep_us_ = us + kSweepUs;
  } else if (us < c_.clock_us) {
    // Microseconds of reordering are normal (several capture queues); a jump back is not.
    if (c_.clock_us - us > kBackwardsUs) c_.anomaly(AnomalyId::TimeWentBackwards, n);
  } else {
    c_.clock_us = us;
  }
  c_.now_us = us;
  if (!link_ok_) {
    c_.anomaly(AnomalyId::UnknownLinkType, n);
    return;
  }
  const Packet& p = q.p;
  if (p.anomaly != AnomalyId::None) c_.anomaly(p.anomaly, n);
  if (p.vlan) ++s.vlan_tagged;
  if (p.tunnel == 1) ++s.vxlan;
  if (p.tunnel == 2) ++s.ipip;
  switch (p.net) {
    case Net::Ip: ip_packet(q); break;
    case Net::Arp: ++s.arp; break;
    case Net::Other: ++s.other_link; break;
    case Net::None: break;  // the anomaly says why
  }
  if (c_.clock_us >= next_sweep_us_) sweep(false);
}

void Analyzer::ip_packet(Pending& q) {
  const Packet& p = q.p;
  Summary& s = c_.report.summary;
  ++(p.family == 4 ? s.ipv4 : s.ipv6);
  switch (p.proto) {
    case 6: ++s.tcp; break;
    case 17: ++s.udp; break;
    case 1:
    case 58: ++s.icmp; break;
    default: ++s.other_ip; break;
  }
  if (p.fragment) {
    ++s.fragments;
    return;  // no ports to put it in a flow by
  }
  if ((p.proto == 1 || p.proto == 58) && p.has_l4 && icmp_is_error(p.family, p.l4[0])) {
    icmp_error(c_, p);
    return;  // an error belongs to the flow it quotes, not to a flow of its own
  }
  if (!q.keyed) return;  // a cut or bad transport header: the anomaly is counted

  const bool from_a = q.from_a;
  FlatTable<FlowKey, Flow>& map = c_.flows.map;
  bool created = false;
  uint32_t idx;
  if (map.size() >= c_.opt.max_live_flows) {
    idx = map.find(q.key, q.hash);
    if (idx == map.npos) {
      c_.anomaly(AnomalyId::FlowTableFull, c_.pkt);
      return;
    }
  } else {
    idx = map.find_or_insert(q.key, q.hash, created);
  }
  Flow& f = map.value(idx);
  const uint8_t dir = from_a ? 0 : 1;
  if (created) {
    f.first_us = c_.now_us;
    f.first_pkt = c_.pkt;
    f.client = dir;
    ++s.flows;
    if (p.proto == 6) ++s.tcp_flows;
    if (p.proto == 17) ++s.udp_flows;
    if (map.size() > s.peak_live_flows) s.peak_live_flows = map.size();
  }
  f.last_us = c_.now_us;
  f.last_pkt = c_.pkt;
  if (f.pkts[dir] != UINT32_MAX) ++f.pkts[dir];
  f.bytes[dir] += q.wirelen;
  if (p.tunnel != 0 && f.vtep == 0) {
    Vtep v;
    v.tunnel = p.tunnel;
    v.family = p.outer_family;
    v.vni = p.vni;
    std::memcpy(v.src, p.outer_src, p.outer_family == 4 ? 4 : 16);
    std::memcpy(v.dst, p.outer_dst, p.outer_family == 4 ? 4 : 16);
    uint32_t vi = c_.flows.intern_vtep(v);
    map.value(idx).vtep = vi;
  }

  if (p.proto == 6) {
    tcp_.packet(c_, idx, from_a, created, p);
    if ((p.sport == kDnsPort || p.dport == kDnsPort) && p.payload_len > 0) dns_.packet(c_, p, true);
  } else if (p.proto == 17 && (p.sport == kDnsPort || p.dport == kDnsPort)) {
    dns_.packet(c_, p, false);
  }
}

bool Analyzer::idle(uint32_t idx) const {
  const Flow& f = c_.flows.map.value(idx);
  return c_.clock_us - f.last_us > idle_us_[f.linger];
}

void Analyzer::finish_flow(uint32_t idx) {
  FlatTable<FlowKey, Flow>& map = c_.flows.map;
  const Flow& f = map.value(idx);
  FlowState st;
  if (map.key(idx).proto == 6) {
    st = tcp_.finish(c_, idx);
  } else if (f.pkts[0] > 0 && f.pkts[1] > 0) {
    st = FlowState::Bidirectional;
  } else {
    st = f.icmp_errors > 0 ? FlowState::Unreachable : FlowState::OneWay;
  }
  Report& r = c_.report;
  if (c_.opt.keep_flows) {
    if (r.flows.size() < c_.opt.max_flows_listed) {
      FlowRecord& rec = r.flows.emplace_back();
      rec.id = c_.flows.id_of(idx);
      rec.state = st;
      const int cd = f.client, sd = 1 - f.client;
      rec.packets_c2s = f.pkts[cd], rec.packets_s2c = f.pkts[sd];
      rec.bytes_c2s = f.bytes[cd], rec.bytes_s2c = f.bytes[sd];
      rec.first_us = f.first_us, rec.last_us = f.last_us;
      rec.first_packet = f.first_pkt, rec.last_packet = f.last_pkt;
      rec.syns = f.tcp.syns;
    } else {
      ++r.flows_dropped;
    }
  }
  map.erase(idx);
}

void Analyzer::sweep(bool all) {
  FlatTable<FlowKey, Flow>& map = c_.flows.map;
  map.for_each([&](uint32_t idx) {
    if (all || idle(idx)) finish_flow(idx);
  });
  dns_.sweep(c_, all);
  next_sweep_us_ = c_.clock_us + kSweepUs;
}

void Analyzer::read_error(AnomalyId id, const std::string& detail) { c_.anomaly(id, 0, detail); }

void Analyzer::finish() {
  while (head_ < tail_) process(ring_[head_++ % kDepth]);
  sweep(true);
  Report& r = c_.report;
  r.summary.last_us = c_.clock_us;
  for (int i = 1; i < kAnomalyCount; ++i) {
    const Context::AnomalyCount& a = c_.anomalies[i];
    if (a.count == 0) continue;
    r.anomalies.push_back(
        {std::string(anomaly_name(static_cast<AnomalyId>(i))), a.count, a.first_packet, a.detail});
  }
  std::stable_sort(r.events.begin(), r.events.end(), [](const Event& a, const Event& b) {
    return a.first_us != b.first_us ? a.first_us < b.first_us : a.kind < b.kind;
  });
  for (Event& e : r.events) {
    sort_evidence(e);
    e.description = describe(e);
  }
  std::sort(r.flows.begin(), r.flows.end(),
            [](const FlowRecord& a, const FlowRecord& b) { return a.first_packet < b.first_packet; });
}

}  // namespace nd::pcap
