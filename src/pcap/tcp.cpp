#include "pcap/tcp.h"

#include <algorithm>

namespace nd::pcap {

namespace {

// The same SYN seen again on another interface this soon is a copy (tcpdump -i any sees a
// forwarded packet on the way in and on the way out), not a retransmission.
constexpr int64_t kCopyWindowUs = 10'000;
// A second SYN from the same client port to another address within this window is the DNATed copy
// of the first (seen after kube-proxy rewrote it), so the index keeps the first destination.
constexpr int64_t kDnatCopyWindowUs = 3'000'000;

size_t addr_len(uint8_t family) { return family == 4 ? 4 : 16; }

}  // namespace

void TcpTracker::packet(Context& c, uint32_t idx, bool from_a, bool created, const Packet& p) {
  Flow& f = c.flows.map.value(idx);
  TcpInfo& t = f.tcp;
  const uint8_t fl = p.tcp_flags;
  const uint8_t dir = from_a ? 0 : 1;
  const bool syn = fl & kTcpSyn, ack = fl & kTcpAck;
  if (created) {
    // The client sent the SYN, or receives the SYN-ACK; midstream, the first sender stands in.
    f.client = (syn && ack) ? 1 - dir : dir;
    if (!syn) t.bits |= TcpInfo::Midstream;
  }
  bool from_client = dir == f.client;

  if (syn && !ack) {
    if (!from_client && t.syns == 0 && !(t.bits & TcpInfo::SynAck)) {
      f.client = dir;  // the flow was opened by a stray packet; this SYN says who the client is
      from_client = true;
    }
    if (from_client) note_syn(c, idx, p);
  } else if (syn && ack) {
    if (!from_client && !(t.bits & TcpInfo::SynAck)) {
      t.bits |= TcpInfo::SynAck;
    }
    check_unexpected_source(c, p);
  }
  if (fl & kTcpRst) {
    if (from_client) {
      t.bits |= TcpInfo::RstClient;
    } else {
      t.bits |= TcpInfo::RstServer;
      if (!(t.bits & TcpInfo::SynAck) && t.syns > 0 && t.server_rsts++ == 0) {
        t.rst_us = c.now_us;
        t.rst_pkt = c.pkt;
      }
    }
  }
  if (fl & kTcpFin) t.bits |= from_client ? TcpInfo::FinClient : TcpInfo::FinServer;
  if (ack && !syn && from_client && (t.bits & TcpInfo::SynAck) && !(t.bits & TcpInfo::Established)) {
    t.bits |= TcpInfo::Established;
    ++c.report.summary.handshakes_completed;
    if (t.syns > 1) ++c.report.summary.handshakes_after_retransmission;
  }
  // How long the flow may stay idle before it is finished: briefly once it is over (clients
  // retry refused SYNs), long enough for Linux's SYN retries while unanswered.
  const uint16_t b = t.bits;
  if ((b & (TcpInfo::RstClient | TcpInfo::RstServer)) ||
      ((b & TcpInfo::FinClient) && (b & TcpInfo::FinServer))) {
    f.linger = kLingerClosed;
  } else if (t.syns > 0 && !(b & TcpInfo::SynAck)) {
    f.linger = kLingerSyn;
  } else {
    f.linger = kLingerTcp;
  }
}

void TcpTracker::note_syn(Context& c, uint32_t idx, const Packet& p) {
  TcpInfo& t = c.flows.map.value(idx).tcp;
  if (t.syns > 0 && p.iface != 0 && p.iface != t.last_syn_iface &&
      c.now_us - t.last_syn_us < kCopyWindowUs) {
    return;
  }
  t.keep_syn(c.now_us, c.pkt);
  if (t.syns < UINT16_MAX) ++t.syns;
  t.last_syn_us = c.now_us;
  t.last_syn_iface = p.iface;
  if (t.syns != 1) return;

  SynKey k;
  k.family = p.family;
  k.cport = p.sport;
  k.sport = p.dport;
  const size_t n = addr_len(p.family);
  std::memcpy(k.client, p.src, n);
  bool inserted = false;
  uint32_t i = syn_index_.find_or_insert(k, inserted);
  SynTarget& v = syn_index_.value(i);
  if (!inserted && std::memcmp(v.server, p.dst, n) != 0 && c.now_us - v.us < kDnatCopyWindowUs) {
    bool fa = false;
    FlowKey fk = make_flow_key(p.family, 6, p.src, p.sport, v.server, p.dport, fa);
    uint32_t fi = c.flows.map.find(fk);
    if (fi != c.flows.map.npos && !(c.flows.map.value(fi).tcp.bits & TcpInfo::SynAck)) return;
  }
  std::memset(v.server, 0, sizeof(v.server));
  std::memcpy(v.server, p.dst, n);
  v.us = c.now_us;
}

void TcpTracker::check_unexpected_source(Context& c, const Packet& p) {
  // A SYN-ACK from X:sport to C:cport. Did C send its SYN with these ports to someone else?
  SynKey k;
  k.family = p.family;
  k.cport = p.dport;
  k.sport = p.sport;
  const size_t n = addr_len(p.family);
  std::memcpy(k.client, p.dst, n);
  uint32_t i = syn_index_.find(k);
  if (i == syn_index_.npos) return;
  const SynTarget& v = syn_index_.value(i);
  if (std::memcmp(v.server, p.src, n) == 0) return;
  bool fa = false;
  FlowKey fk = make_flow_key(p.family, 6, p.dst, p.dport, v.server, p.sport, fa);
  uint32_t fi = c.flows.map.find(fk);
  if (fi == c.flows.map.npos) return;
  const TcpInfo& t = c.flows.map.value(fi).tcp;
  if (t.syns == 0 || (t.bits & TcpInfo::SynAck)) return;
  bool inserted = false;
  uint32_t u = unexpected_.find_or_insert(fi, inserted);
  if (!inserted) return;
  Unexpected& x = unexpected_.value(u);
  x.from = to_ip(p.family, p.src);
  x.port = p.sport;
  x.pkt = c.pkt;
  x.us = c.now_us;
}

FlowState TcpTracker::finish(Context& c, uint32_t idx) {
  const Flow& f = c.flows.map.value(idx);
  const TcpInfo& t = f.tcp;
  Summary& s = c.report.summary;
  uint32_t ui = unexpected_.find(idx);
  FlowState state;

  auto syn_evidence = [&](Event& e) {
    e.first_us = t.syn_us(0);
    e.last_us = t.last_syn_us;
    e.count = t.syns;
    for (int k = 0; k < t.syns && k < kSynTimes; ++k) {
      c.events.evidence(e, t.syn_pkt(k), t.syn_us(k));
      e.syn_times_us.push_back(t.syn_us(k));
    }
  };

  if (t.syns > 0 && !(t.bits & TcpInfo::SynAck)) {
    if (ui != unexpected_.npos) {
      state = FlowState::UnexpectedSource;
      ++s.unexpected_source;
      const Unexpected& x = unexpected_.value(ui);
      if (Event* e = c.events.add(EventKind::ReplyFromUnexpectedSource, Level::Critical)) {
        e->flow = c.flows.id_of(idx);
        syn_evidence(*e);
        e->other = x.from;
        e->other_port = x.port;
        c.events.evidence(*e, x.pkt, x.us);
        e->last_us = std::max(e->last_us, x.us);
      }
    } else if (t.server_rsts > 0) {
      state = FlowState::Refused;
      ++s.refused;
      if (Event* e = c.events.add(EventKind::RstOnConnect, Level::Warning)) {
        e->flow = c.flows.id_of(idx);
        syn_evidence(*e);
        e->other = e->flow.server;
        e->other_port = e->flow.server_port;
        c.events.evidence(*e, t.rst_pkt, t.rst_us);
        e->last_us = std::max(e->last_us, t.rst_us);
      }
    } else if (f.icmp_errors > 0) {
      state = FlowState::Unreachable;  // the ICMP event says why; no second event for it
    } else if (t.syns >= 2) {
      state = FlowState::Unanswered;
      ++s.syn_unanswered;
      if (Event* e = c.events.add(EventKind::SynUnanswered, Level::Critical)) {
        e->flow = c.flows.id_of(idx);
        syn_evidence(*e);
      }
    } else if (t.bits & TcpInfo::RstClient) {
      state = FlowState::Reset;  // the client gave up on its own SYN
    } else {
      state = FlowState::SynSent;
      ++s.syn_single;
    }
  } else if (t.bits & (TcpInfo::RstClient | TcpInfo::RstServer)) {
    state = FlowState::Reset;
  } else if ((t.bits & TcpInfo::FinClient) && (t.bits & TcpInfo::FinServer)) {
    state = FlowState::Closed;
  } else if (t.bits & TcpInfo::Established) {
    state = FlowState::Established;
  } else if (t.bits & TcpInfo::SynAck) {
    state = FlowState::HalfOpen;
  } else if (f.icmp_errors > 0) {
    state = FlowState::Unreachable;
  } else {
    state = FlowState::Midstream;
  }

  if (ui != unexpected_.npos) unexpected_.erase(ui);
  if (t.syns > 0) {
    // Forget this flow's SYN target unless a later flow has taken the entry over.
    const FlowKey& k = c.flows.map.key(idx);
    const bool a_client = f.client == 0;
    SynKey sk;
    sk.family = k.family;
    sk.cport = a_client ? k.port_a : k.port_b;
    sk.sport = a_client ? k.port_b : k.port_a;
    const size_t n = addr_len(k.family);
    std::memcpy(sk.client, a_client ? k.a : k.b, n);
    uint32_t si = syn_index_.find(sk);
    if (si != syn_index_.npos &&
        std::memcmp(syn_index_.value(si).server, a_client ? k.b : k.a, n) == 0) {
      syn_index_.erase(si);
    }
  }
  return state;
}

}  // namespace nd::pcap
