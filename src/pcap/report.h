// What the capture analysis returns: a Report of summary counters, named anomalies, events (the
// problems and DNS statistics, each with packet numbers and times as evidence) and, on request, the
// per-flow table. Plain structs, independent of any renderer: render.h prints them, and the engine
// can turn events into findings (check_id() names the finding each event kind maps to).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd::pcap {

struct IpAddr {
  uint8_t family = 0;      // 4, 6, or 0 when absent
  uint8_t bytes[16] = {};  // IPv4 uses the first 4 bytes
  std::string str() const;  // "10.0.0.1", "fe80::1", "" when absent
  bool operator==(const IpAddr& o) const;
  bool operator!=(const IpAddr& o) const { return !(*this == o); }
};

// One direction of a flow as the initiator saw it: client -> server. For ICMP echo, both ports hold
// the echo identifier; for protocols without ports they are 0.
struct FlowId {
  uint8_t proto = 0;  // IP protocol number: 6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...
  IpAddr client, server;
  uint16_t client_port = 0, server_port = 0;
  // Set when the flow was seen inside a tunnel (VXLAN or IP-in-IP): the outer (VTEP / node)
  // addresses of its first encapsulated packet, and the VXLAN network identifier.
  uint8_t tunnel = 0;  // 0 none, 1 vxlan, 2 ip-in-ip
  uint32_t vni = 0;
  IpAddr outer_src, outer_dst;
  // "tcp 10.0.0.1:1234 -> 10.0.0.2:80" (+ " via vxlan 192.168.1.1 -> 192.168.1.2 vni 1")
  std::string str(bool with_tunnel = true) const;
  std::string tunnel_str() const;  // " via vxlan ...", or "" 
};

std::string proto_name(uint8_t proto);  // "tcp", "udp", "icmp", "proto-89"

// Events: one kind per thing a tcpdump user would look for. The finding id each maps to is the one
// in DESIGN.md where there is one; the DNS statistics have ids of their own.
enum class EventKind : uint8_t {
  SynUnanswered,          // SYN retransmitted, no SYN-ACK, no RST, no ICMP error
  ReplyFromUnexpectedSource,  // SYN-ACK (or DNS reply) from an address the client did not contact
  RstOnConnect,           // SYN answered by RST: nothing listens, or a reject rule
  IcmpUnreachable,        // ICMP/ICMPv6 destination unreachable or packet too big
  DnsUnanswered,          // DNS query never answered (retries counted)
  DnsError,               // SERVFAIL, REFUSED, FORMERR, NOTIMP, ...
  DnsNxdomain,            // a name that does not exist, not part of a search-list walk
  DnsSearchWalk,          // the same base name tried with search suffixes, NXDOMAIN each time
  DnsSlow,                // answered, but later than Options::slow_dns_s after the first try
};
constexpr int kEventKinds = 9;

enum class Level : uint8_t { Info = 0, Warning = 1, Critical = 2 };

// "12:16:06.044078" (UTC), or "2010-03-03 12:16:06.044078 UTC" with the date.
std::string format_time(int64_t us, bool with_date = false);

std::string_view to_string(EventKind k);   // "syn-unanswered"
std::string_view check_id(EventKind k);    // "capture-syn-unanswered"
std::string_view title(EventKind k);       // "TCP SYN retransmitted, no SYN-ACK"
std::string_view to_string(Level l);       // "info", "warning", "critical"

struct Event {
  EventKind kind{};
  Level level = Level::Warning;
  FlowId flow;          // DNS: client -> server:53 of the first try; ICMP: the quoted (inner) flow
  int64_t first_us = 0, last_us = 0;  // microseconds since the epoch
  uint64_t count = 0;   // SYNs sent (connect attempts), ICMP messages, DNS tries or answers,
                        // repetitions of a walk
  // Evidence: packet numbers (1-based, as Wireshark and `tcpdump -#` number them) and their times,
  // at most Options::max_evidence of them, in capture order.
  std::vector<uint64_t> packets;
  std::vector<int64_t> times_us;
  std::string description;  // one line, in tcpdump users' words
  std::vector<int64_t> syn_times_us;  // TCP events: when the client sent each SYN

  // Kind-specific details (zero / empty when they do not apply).
  IpAddr other;            // the unexpected responder, or the host that sent the ICMP error
  uint16_t other_port = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
  uint32_t mtu = 0;        // fragmentation needed / packet too big
  bool inner_flow_seen = false;  // ICMP: the quoted flow also appears in the capture
  std::vector<IpAddr> servers;  // DNS unanswered: every address the query went to
  std::string dns_name;    // query name (lower case); a walk's base name
  uint16_t dns_qtype = 0;
  uint8_t dns_rcode = 0;
  std::vector<std::string> dns_names;  // a walk: every name tried, in order, "name NXDOMAIN"
  std::string resolved_as;  // a walk: the name that finally answered, empty if none did
  double latency_s = 0;     // DNS slow: answer time after the first try
  bool at_capture_end = false;  // the capture ended before a reply could be expected
};

// Named anomalies, Zeek style: malformed or cut input, counted, never a crash.
struct Anomaly {
  std::string name;  // "truncated_ipv4_header"
  uint64_t count = 0;
  uint64_t first_packet = 0;  // 0 when it concerns the file, not a packet
  std::string detail;         // e.g. libpcap's error text for a cut file
};

enum class FlowState : uint8_t {
  Established,   // handshake completed (or data both ways)
  Closed,        // FIN both ways after establishing
  Reset,         // RST after establishing, or the client aborted its own SYN
  Refused,       // SYN answered by RST
  Unanswered,    // SYN retransmitted, no answer
  SynSent,       // one SYN, no answer yet (capture ended or client gave up)
  UnexpectedSource,  // the answer came from another address (not un-NATed)
  HalfOpen,      // SYN-ACK seen, final ACK not
  Midstream,     // the capture started after the handshake
  Unreachable,   // an ICMP error refers to this flow
  Bidirectional,  // UDP / other: packets both ways
  OneWay,        // UDP / other: packets one way only
};
std::string_view to_string(FlowState s);

struct FlowRecord {
  FlowId id;
  FlowState state{};
  uint64_t packets_c2s = 0, packets_s2c = 0, bytes_c2s = 0, bytes_s2c = 0;  // wire lengths
  int64_t first_us = 0, last_us = 0;
  uint64_t first_packet = 0, last_packet = 0;
  uint32_t syns = 0;  // TCP: SYN transmissions from the client
};

struct Summary {
  std::string link_type;  // "EN10MB", "LINUX_SLL2", ...
  int link_type_code = -1;
  uint64_t packets = 0, bytes = 0, captured_bytes = 0;  // bytes: wire lengths; captured: caplens
  int64_t first_us = 0, last_us = 0;
  uint64_t snaplen_cut = 0;  // packets whose captured length is below their wire length
  uint64_t ipv4 = 0, ipv6 = 0, arp = 0, other_link = 0;  // by network layer
  uint64_t tcp = 0, udp = 0, icmp = 0, other_ip = 0;     // by transport
  uint64_t vlan_tagged = 0, vxlan = 0, ipip = 0, fragments = 0;
  uint64_t flows = 0, tcp_flows = 0, udp_flows = 0, peak_live_flows = 0;
  uint64_t handshakes_completed = 0, handshakes_after_retransmission = 0;
  uint64_t syn_unanswered = 0, syn_single = 0, refused = 0, unexpected_source = 0;
  uint64_t icmp_unreachable = 0, icmp_other_errors = 0;
  uint64_t dns_queries = 0, dns_responses = 0, dns_answered = 0, dns_unanswered = 0;
  uint64_t dns_nxdomain = 0, dns_servfail = 0, dns_refused = 0, dns_other_errors = 0, dns_slow = 0;
  uint64_t dns_unmatched_responses = 0, dns_search_walks = 0;
};

struct Report {
  std::string source;  // the file path, or "<memory>"
  Summary summary;
  std::vector<Anomaly> anomalies;  // only those seen, in the order of the anomaly table
  std::vector<Event> events;       // sorted by first time
  // Past Options::max_events_per_kind: events, or for kinds merged per key (ICMP, DNS) occurrences.
  uint64_t events_dropped[kEventKinds] = {};
  std::vector<FlowRecord> flows;   // only with Options::keep_flows, in order of first packet
  uint64_t flows_dropped = 0;      // past Options::max_flows_listed

  // True when an event at or above `min` was found (the CLI's exit status 1).
  bool has_problems(Level min = Level::Warning) const;
};

}  // namespace nd::pcap
