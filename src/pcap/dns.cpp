#include "pcap/dns.h"

#include <algorithm>

#include "pcap/bytes.h"

namespace nd::pcap {

namespace {

constexpr int64_t kCopyWindowUs = 10'000;   // the same query on another interface: a copy
constexpr int64_t kRecentUs = 2'000'000;    // copies of a reply come within this
constexpr int64_t kWalkIdleUs = 5'000'000;  // a client quiet this long has finished its walk
constexpr size_t kWalkMaxEntries = 64;
constexpr uint16_t kDnsPort = 53;
constexpr uint8_t kNoError = 0, kServfail = 2, kNxdomain = 3, kRefused = 5;

size_t addr_len(uint8_t family) { return family == 4 ? 4 : 16; }

}  // namespace

void DnsTracker::packet(Context& c, const Packet& p, bool tcp) {
  const uint8_t* d = p.payload;
  uint32_t n = p.payload_len;
  if (tcp) {
    // Only segments that start a message (2-byte length prefix); no stream reassembly.
    if (n < 2 + 12) return;
    uint32_t mlen = be16(d);
    if (mlen < 12) return;
    d += 2, n -= 2;
    n = std::min(n, mlen);
  }
  AnomalyId a = parse_dns(d, n, msg_);
  if (tcp) {
    // A segment in the middle of a stream parses as garbage: take only clean single questions.
    if (a != AnomalyId::None || msg_.questions != 1 || msg_.opcode != 0) return;
  } else if (a != AnomalyId::None) {
    c.anomaly(a, c.pkt);
    if (a == AnomalyId::TruncatedDnsHeader) return;
  }
  if (msg_.opcode != 0) return;  // NOTIFY, UPDATE, ...: not name lookups
  if (!msg_.response && p.dport == kDnsPort) {
    if (msg_.has_question) query(c, p, msg_);
  } else if (msg_.response && p.sport == kDnsPort) {
    response(c, p, msg_);
  }
}

void DnsTracker::query(Context& c, const Packet& p, const DnsMessage& m) {
  ++c.report.summary.dns_queries;
  TxnKey k;
  k.family = p.family;
  k.cport = p.sport;
  k.sport = p.dport;
  k.id = m.id;
  std::memcpy(k.client, p.src, addr_len(p.family));
  bool inserted = false;
  uint32_t i = txns_.find_or_insert(k, inserted);
  if (!inserted && (txns_.value(i).name != m.qname() || txns_.value(i).qtype != m.qtype)) {
    finish_txn(c, i, false);  // the id was reused for another question: the old one went unanswered
    i = txns_.find_or_insert(k, inserted);
  }
  Txn& t = txns_.value(i);
  IpAddr server = to_ip(p.family, p.dst);
  if (inserted) {
    t.name.assign(m.qname());
    t.qtype = m.qtype;
    t.tcp = p.proto == 6;
    t.first_us = c.now_us;
    t.first_pkt = c.pkt;
    t.servers[0].addr = server;
    t.nservers = 1;
  } else {
    const bool copy = p.iface != 0 && p.iface != t.last_iface && c.now_us - t.last_us < kCopyWindowUs;
    bool known = false;
    for (int s = 0; s < t.nservers; ++s) known |= t.servers[s].addr == server;
    if (!known && t.nservers < kServers) t.servers[t.nservers++] = {server, copy};
    if (copy) return;
  }
  if (t.tries < kTries) {
    t.try_us[t.tries] = c.now_us;
    t.try_pkt[t.tries] = c.pkt;
  }
  if (t.tries < UINT16_MAX) ++t.tries;
  t.last_us = c.now_us;
  t.last_iface = p.iface;
}

void DnsTracker::response(Context& c, const Packet& p, const DnsMessage& m) {
  ++c.report.summary.dns_responses;
  TxnKey k;
  k.family = p.family;
  k.cport = p.dport;
  k.sport = p.sport;
  k.id = m.id;
  std::memcpy(k.client, p.dst, addr_len(p.family));
  uint32_t i = txns_.find(k);
  if (i == txns_.npos || (m.has_question && txns_.value(i).name != m.qname())) {
    uint32_t r = recent_.find(k);
    if (r != recent_.npos && c.now_us - recent_.value(r) < kRecentUs) return;  // a copy
    // The query came before the capture started (or went another way): its rcode still counts.
    ++c.report.summary.dns_unmatched_responses;
    answered(c, p, nullptr, m);
    return;
  }
  Txn& t = txns_.value(i);
  IpAddr from = to_ip(p.family, p.src);
  for (int s = 0; s < t.nservers; ++s) {
    if (t.servers[s].addr == from && !t.servers[s].copy) {
      answered(c, p, &t, m);
      txns_.erase(i);
      bool inserted = false;
      recent_.value(recent_.find_or_insert(k, inserted)) = c.now_us;
      return;
    }
  }
  // From an address the query was not sent to, or only to its DNATed copy: wait - the proper
  // reply (un-DNATed) may still come; finish_txn decides.
  if (!t.odd_reply) {
    t.odd_reply = true;
    t.odd_from = from;
    t.odd_pkt = c.pkt;
    t.odd_us = c.now_us;
  }
}

void DnsTracker::answered(Context& c, const Packet& p, const Txn* t, const DnsMessage& m) {
  Summary& s = c.report.summary;
  const IpAddr client = to_ip(p.family, p.dst), server = to_ip(p.family, p.src);
  const std::string_view name = m.has_question ? m.qname() : std::string_view("?");
  auto fill = [&](Event& e) {
    e.flow.proto = p.proto;
    e.flow.client = client;
    e.flow.server = server;
    e.flow.client_port = p.dport;
    e.flow.server_port = p.sport;
    e.dns_name.assign(name);
    e.dns_qtype = m.qtype;
    e.first_us = c.now_us;
  };
  uint64_t key = hash_str(hash_ip(hash_ip(0, client), server), name);
  key = hash_combine(key, m.qtype);
  bool created = false;
  if (t != nullptr) {
    ++s.dns_answered;
    int64_t latency = c.now_us - t->first_us;
    if (latency > Context::us(c.opt.slow_dns_s)) {
      ++s.dns_slow;
      if (Event* e = c.events.aggregate(EventKind::DnsSlow, Level::Warning, key, created)) {
        if (created) fill(*e), e->first_us = t->first_us;
        e->latency_s = std::max(e->latency_s, latency / 1e6);
        e->count += 1;
        e->last_us = c.now_us;
        e->dns_rcode = m.rcode;
        c.events.evidence(*e, t->first_pkt, t->first_us);
        c.events.evidence(*e, c.pkt, c.now_us);
      }
    }
  }
  if (m.rcode == kNoError || m.rcode == kNxdomain) {
    if (m.rcode == kNxdomain) ++s.dns_nxdomain;
    if (m.has_question) walk_note(c, p, m);
    return;
  }
  if (m.rcode == kServfail) {
    ++s.dns_servfail;
  } else if (m.rcode == kRefused) {
    ++s.dns_refused;
  } else {
    ++s.dns_other_errors;
  }
  key = hash_combine(key, 0x100u + m.rcode);
  if (Event* e = c.events.aggregate(EventKind::DnsError, Level::Warning, key, created)) {
    if (created) fill(*e), e->dns_rcode = m.rcode;
    e->count += 1;
    e->last_us = c.now_us;
    c.events.evidence(*e, c.pkt, c.now_us);
  }
}

void DnsTracker::finish_txn(Context& c, uint32_t i, bool at_end) {
  const TxnKey& k = txns_.key(i);
  const Txn& t = txns_.value(i);
  Summary& s = c.report.summary;
  auto fill = [&](Event& e) {
    e.flow.proto = t.tcp ? 6 : 17;
    e.flow.client = to_ip(k.family, k.client);
    e.flow.server = t.servers[0].addr;
    e.flow.client_port = k.cport;
    e.flow.server_port = k.sport;
    e.dns_name = t.name;
    e.dns_qtype = t.qtype;
    e.first_us = t.first_us;
  };
  auto tries = [&](Event& e) {
    for (int n = 0; n < t.tries && n < kTries; ++n) c.events.evidence(e, t.try_pkt[n], t.try_us[n]);
  };
  if (t.odd_reply) {
    ++s.unexpected_source;
    if (Event* e = c.events.add(EventKind::ReplyFromUnexpectedSource, Level::Critical)) {
      fill(*e);
      e->count = t.tries;
      e->other = t.odd_from;
      e->other_port = k.sport;
      e->last_us = std::max(t.last_us, t.odd_us);
      tries(*e);
      c.events.evidence(*e, t.odd_pkt, t.odd_us);
    }
  } else {
    ++s.dns_unanswered;
    // Inconclusive only for a single try the capture ended too soon after: a retry is the
    // resolver's own word that no answer came.
    const bool recent =
        at_end && t.tries <= 1 && c.clock_us - t.last_us < Context::us(c.opt.dns_timeout_s);
    uint64_t key = hash_str(hash_ip(0, to_ip(k.family, k.client)), t.name);
    key = hash_combine(key, t.qtype);
    bool created = false;
    Level level = recent ? Level::Warning : Level::Critical;
    if (Event* e = c.events.aggregate(EventKind::DnsUnanswered, level, key, created)) {
      if (created) fill(*e), e->at_capture_end = recent;
      e->at_capture_end = e->at_capture_end && recent;
      e->count += t.tries;
      e->last_us = std::max(e->last_us, t.last_us);
      for (int n = 0; n < t.nservers; ++n) {
        if (std::find(e->servers.begin(), e->servers.end(), t.servers[n].addr) == e->servers.end()) {
          e->servers.push_back(t.servers[n].addr);
        }
      }
      tries(*e);
    }
  }
  txns_.erase(i);
}

void DnsTracker::walk_note(Context& c, const Packet& p, const DnsMessage& m) {
  ClientKey ck;
  ck.family = p.family;
  std::memcpy(ck.addr, p.dst, addr_len(p.family));
  uint32_t i;
  if (m.rcode == kNxdomain) {
    bool inserted = false;
    i = walks_.find_or_insert(ck, inserted);
  } else {
    i = walks_.find(ck);  // answers matter only around NXDOMAINs (the end of a walk)
    if (i == walks_.npos) return;
  }
  ClientWalk& w = walks_.value(i);
  WalkEntry& e = w.entries.emplace_back();
  e.name.assign(m.qname());
  e.qtype = m.qtype;
  e.rcode = m.rcode;
  e.us = c.now_us;
  e.pkt = c.pkt;
  e.server = to_ip(p.family, p.src);
  w.last_us = c.now_us;
  if (w.entries.size() >= kWalkMaxEntries) walk_flush(c, i);
}

void DnsTracker::walk_flush(Context& c, uint32_t i) {
  const ClientKey& ck = walks_.key(i);
  const std::vector<WalkEntry>& entries = walks_.value(i).entries;
  const IpAddr client = to_ip(ck.family, ck.addr);
  WalkAnalysis a = find_walks(entries);
  bool created = false;
  for (const Walk& w : a.walks) {
    ++c.report.summary.dns_search_walks;
    uint64_t key = hash_ip(0, client);
    for (const std::string& n : w.names) key = hash_str(key, n);
    Level level = w.resolved_as.empty() ? Level::Warning : Level::Info;
    Event* e = c.events.aggregate(EventKind::DnsSearchWalk, level, key, created);
    if (e == nullptr) continue;
    const WalkEntry& first = entries[w.entries.front()];
    if (created) {
      e->flow.proto = 17;
      e->flow.client = client;
      e->flow.server = first.server;
      e->flow.server_port = kDnsPort;
      e->dns_name = w.base;
      e->dns_qtype = first.qtype;
      e->first_us = first.us;
      for (size_t n = 0; n < w.names.size(); ++n) {
        e->dns_names.push_back(w.names[n] + " " + std::string(rcode_name(w.rcodes[n])));
      }
      e->resolved_as = w.resolved_as;
    }
    e->count += w.repetitions;
    e->last_us = std::max(e->last_us, entries[w.entries.back()].us);
    for (size_t m : w.entries) c.events.evidence(*e, entries[m].pkt, entries[m].us);
  }
  for (size_t m : a.lone_nxdomain) {
    const WalkEntry& x = entries[m];
    uint64_t key = hash_str(hash_ip(0, client), x.name);
    Event* e = c.events.aggregate(EventKind::DnsNxdomain, Level::Info, key, created);
    if (e == nullptr) continue;
    if (created) {
      e->flow.proto = 17;
      e->flow.client = client;
      e->flow.server = x.server;
      e->flow.server_port = kDnsPort;
      e->dns_name = x.name;
      e->dns_qtype = x.qtype;
      e->dns_rcode = kNxdomain;
      e->first_us = x.us;
    }
    e->count += 1;
    e->last_us = std::max(e->last_us, x.us);
    c.events.evidence(*e, x.pkt, x.us);
  }
  walks_.erase(i);
}

void DnsTracker::sweep(Context& c, bool all) {
  const int64_t txn_idle = std::max(Context::us(2 * c.opt.dns_timeout_s), int64_t{10'000'000});
  txns_.for_each([&](uint32_t i) {
    if (all || c.clock_us - txns_.value(i).last_us > txn_idle) finish_txn(c, i, all);
  });
  recent_.for_each([&](uint32_t i) {
    if (all || c.clock_us - recent_.value(i) > kRecentUs) recent_.erase(i);
  });
  walks_.for_each([&](uint32_t i) {
    if (all || c.clock_us - walks_.value(i).last_us > kWalkIdleUs) walk_flush(c, i);
  });
}

}  // namespace nd::pcap
