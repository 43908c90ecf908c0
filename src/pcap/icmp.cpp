#include "pcap/icmp.h"

#include "pcap/bytes.h"

namespace nd::pcap {

namespace {

struct Code {
  uint8_t code;
  std::string_view name, meaning;
  Level level;
};

constexpr std::string_view kNoRoute = "a router has no route to the destination network";
constexpr std::string_view kHostDown =
    "the last router got no ARP/neighbour answer: the host is down, absent, or not on that link";
constexpr std::string_view kFirewall =
    "a firewall rule rejected it (iptables REJECT --reject-with icmp-*-prohibited, a network policy)";
constexpr std::string_view kMtu =
    "the packet is larger than the path MTU and may not be fragmented: an MTU problem "
    "(overlay encapsulation overhead?)";

// ICMPv4 destination unreachable (type 3), RFC 792 / RFC 1812.
constexpr Code kV4[] = {
    {0, "net unreachable", kNoRoute, Level::Critical},
    {1, "host unreachable", kHostDown, Level::Critical},
    {2, "protocol unreachable", "the host does not handle this IP protocol", Level::Warning},
    {3, "port unreachable",
     "nothing listens on this UDP port on the host (or a REJECT rule with icmp-port-unreachable)",
     Level::Warning},
    {4, "fragmentation needed", kMtu, Level::Critical},
    {5, "source route failed", "a source route could not be followed", Level::Warning},
    {6, "destination network unknown", kNoRoute, Level::Critical},
    {7, "destination host unknown", kHostDown, Level::Critical},
    {8, "source host isolated", kFirewall, Level::Critical},
    {9, "net admin prohibited", kFirewall, Level::Critical},
    {10, "host admin prohibited", kFirewall, Level::Critical},
    {11, "net unreachable for TOS", kNoRoute, Level::Critical},
    {12, "host unreachable for TOS", kHostDown, Level::Critical},
    {13, "admin prohibited", kFirewall, Level::Critical},
    {14, "host precedence violation", kFirewall, Level::Warning},
    {15, "precedence cutoff", kFirewall, Level::Warning},
};

// ICMPv6 destination unreachable (type 1), RFC 4443; packet too big is type 2.
constexpr Code kV6[] = {
    {0, "no route to destination", kNoRoute, Level::Critical},
    {1, "admin prohibited", kFirewall, Level::Critical},
    {2, "beyond scope of source address", "the source address cannot reach that scope",
     Level::Warning},
    {3, "address unreachable", kHostDown, Level::Critical},
    {4, "port unreachable",
     "nothing listens on this UDP port on the host (or a REJECT rule with icmp6-port-unreachable)",
     Level::Warning},
    {5, "source address failed policy", kFirewall, Level::Critical},
    {6, "reject route", "a reject route covers the destination", Level::Critical},
};

const Code* find_code(uint8_t family, uint8_t type, uint8_t code) {
  static constexpr Code kTooBig = {0, "packet too big", kMtu, Level::Critical};
  if (family == 6 && type == 2) return &kTooBig;
  if (family == 4 && type == 3) {
    for (const Code& k : kV4) if (k.code == code) return &k;
  } else if (family == 6 && type == 1) {
    for (const Code& k : kV6) if (k.code == code) return &k;
  }
  return nullptr;
}

bool is_unreachable(uint8_t family, uint8_t type) {
  return family == 4 ? type == 3 : (type == 1 || type == 2);
}

}  // namespace

bool icmp_is_echo(uint8_t family, uint8_t type) {
  return family == 4 ? (type == 8 || type == 0) : (type == 128 || type == 129);
}

bool icmp_is_error(uint8_t family, uint8_t type) {
  // v4: unreachable, source quench, redirect, time exceeded, parameter problem; v6: types < 128.
  return family == 4 ? (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
                     : type < 128;
}

IcmpMeaning icmp_meaning(uint8_t family, uint8_t type, uint8_t code) {
  if (const Code* k = find_code(family, type, code)) return {k->name, k->meaning};
  return {"unreachable (unknown code)", "the ICMP code is not one we know"};
}

void icmp_error(Context& c, const Packet& p) {
  const uint8_t type = p.l4[0], code = p.l4[1];
  if (!is_unreachable(p.family, type)) {
    ++c.report.summary.icmp_other_errors;
    return;
  }
  ++c.report.summary.icmp_unreachable;
  QuotedFlow q;
  AnomalyId a = decode_quoted(p.payload, p.payload_len, p.family, q);
  if (a != AnomalyId::None) {
    c.anomaly(a, c.pkt);
    return;  // no flow to attribute it to
  }

  // The quoted packet went from q.src to q.dst: the event names the flow in that direction.
  FlowId inner;
  inner.proto = q.proto;
  inner.client = to_ip(q.family, q.src);
  inner.server = to_ip(q.family, q.dst);
  const bool echo = (q.proto == 1 || q.proto == 58) && icmp_is_echo(q.family, q.icmp_type);
  inner.client_port = q.has_ports ? q.sport : echo ? q.icmp_id : 0;
  inner.server_port = q.has_ports ? q.dport : echo ? q.icmp_id : 0;
  IpAddr reporter = to_ip(p.family, p.src);

  bool from_a = false;
  FlowKey fk = make_flow_key(q.family, q.proto, q.src, inner.client_port, q.dst, inner.server_port,
                             from_a);
  uint32_t fi = c.flows.map.find(fk);
  if (fi != c.flows.map.npos) {
    Flow& f = c.flows.map.value(fi);
    if (f.icmp_errors < UINT16_MAX) ++f.icmp_errors;
    f.icmp_type = type;
    f.icmp_code = code;
    FlowId seen = c.flows.id_of(fi);  // keep the quoted direction; take the tunnel it came through
    inner.tunnel = seen.tunnel;
    inner.vni = seen.vni;
    inner.outer_src = seen.outer_src;
    inner.outer_dst = seen.outer_dst;
  }

  const Code* k = find_code(p.family, type, code);
  uint64_t key = hash_ip(hash_ip(0, reporter), inner.client);
  key = hash_ip(key, inner.server);
  key = hash_combine(key, uint64_t{q.proto} << 40 | uint64_t{inner.client_port} << 16 |
                              inner.server_port);
  key = hash_combine(key, uint64_t{type} << 8 | code);
  bool created = false;
  Event* e = c.events.aggregate(EventKind::IcmpUnreachable, k ? k->level : Level::Warning, key,
                                created);
  if (e == nullptr) return;
  if (created) {
    e->flow = inner;
    e->other = reporter;
    e->icmp_type = type;
    e->icmp_code = code;
    e->first_us = c.now_us;
  }
  if (fi != c.flows.map.npos) e->inner_flow_seen = true;
  if (p.family == 4 && type == 3 && code == 4) e->mtu = be16(p.l4 + 6);
  if (p.family == 6 && type == 2) e->mtu = be32(p.l4 + 4);
  ++e->count;
  e->last_us = c.now_us;
  c.events.evidence(*e, c.pkt, c.now_us);
}

}  // namespace nd::pcap
