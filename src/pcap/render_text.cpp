#include <fmt/format.h>

#include "pcap/render.h"

namespace nd::pcap {

namespace {

std::string plural(uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string size_str(uint64_t b) {
  if (b >= 10'000'000) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 10'000) return fmt::format("{:.1f} kB", b / 1e3);
  return plural(b, "byte", "bytes");
}

std::string packet_list(const Event& e) {
  std::string s;
  for (size_t i = 0; i < e.packets.size(); ++i) s += (i ? ", " : "") + std::to_string(e.packets[i]);
  if (e.packets.size() > 1 || e.count > e.packets.size()) return "packets " + s;
  return "packet " + s;
}

void summary(std::string& out, const Report& r) {
  const Summary& s = r.summary;
  out += fmt::format("== {}\n", r.source);
  if (s.packets == 0) {
    out += fmt::format("no packets (link type {})\n", s.link_type);
  } else {
    out += fmt::format("{}, {}, {} to {} ({:.1f} s), link type {}\n",
                       plural(s.packets, "packet", "packets"), size_str(s.bytes),
                       format_time(s.first_us, true), format_time(s.last_us),
                       (s.last_us - s.first_us) / 1e6, s.link_type);
  }
  out += fmt::format("network: {} IPv4, {} IPv6, {} ARP, {} other", s.ipv4, s.ipv6, s.arp,
                     s.other_link);
  if (s.vlan_tagged) out += fmt::format(", {} VLAN-tagged", s.vlan_tagged);
  if (s.vxlan) out += fmt::format(", {} VXLAN-encapsulated", s.vxlan);
  if (s.ipip) out += fmt::format(", {} IP-in-IP", s.ipip);
  if (s.fragments) out += fmt::format(", {} fragments", s.fragments);
  if (s.snaplen_cut) out += fmt::format(", {} cut by the snap length", s.snaplen_cut);
  out += fmt::format("\ntransport: {} TCP, {} UDP, {} ICMP, {} other; {} ({} TCP, {} UDP)\n", s.tcp,
                     s.udp, s.icmp, s.other_ip, plural(s.flows, "flow", "flows"), s.tcp_flows,
                     s.udp_flows);
  out += fmt::format(
      "tcp: {} completed, {} SYN unanswered, {} refused, {} from an unexpected source, "
      "{} single SYN with no answer\n",
      plural(s.handshakes_completed, "handshake", "handshakes"), s.syn_unanswered, s.refused,
      s.unexpected_source, s.syn_single);
  out += fmt::format(
      "dns: {}, {} answered, {} unanswered, {} NXDOMAIN, {} SERVFAIL, {} REFUSED, {} slow, "
      "{} search-list walks\n",
      plural(s.dns_queries, "query", "queries"), s.dns_answered, s.dns_unanswered, s.dns_nxdomain,
      s.dns_servfail, s.dns_refused, s.dns_slow, s.dns_search_walks);
  if (s.icmp_unreachable || s.icmp_other_errors) {
    out += fmt::format("icmp: {} unreachable, {} other errors\n", s.icmp_unreachable,
                       s.icmp_other_errors);
  }
  if (r.anomalies.empty()) {
    out += "anomalies: none\n";
  } else {
    out += "anomalies:";
    for (const Anomaly& a : r.anomalies) {
      out += fmt::format(" {} x{}", a.name, a.count);
      if (a.first_packet) out += fmt::format(" (first in packet {})", a.first_packet);
      if (!a.detail.empty()) out += fmt::format(" ({})", a.detail);
      out += ";";
    }
    out.back() = '\n';
  }
}

void events(std::string& out, const Report& r, const TextOptions& o) {
  for (int k = 0; k < kEventKinds; ++k) {
    auto kind = static_cast<EventKind>(k);
    size_t total = 0;
    for (const Event& e : r.events) total += e.kind == kind;
    uint64_t dropped = r.events_dropped[k];
    if (total == 0) continue;
    out += fmt::format("\n{} [{}]: {}\n", title(kind), check_id(kind), total + dropped);
    size_t shown = 0;
    for (const Event& e : r.events) {
      if (e.kind != kind) continue;
      if (shown++ == o.events_per_kind) break;
      out += fmt::format("  {:<8} {}\n           {}\n", to_string(e.level), e.description,
                         packet_list(e));
    }
    if (total + dropped > o.events_per_kind) {
      out += fmt::format("  ... and {} more (-o json lists them)\n",
                         total + dropped - std::min(total, o.events_per_kind));
    }
  }
}

void flows(std::string& out, const Report& r) {
  out += fmt::format("\nflows ({}):\n", r.flows.size() + r.flows_dropped);
  out += fmt::format("  {:<54} {:>15} {:>19} {:>9} {:<17} {:>7}  {}\n", "flow", "packets c>s/s>c",
                     "bytes c>s/s>c", "seconds", "state", "first", "tunnel");
  for (const FlowRecord& f : r.flows) {
    out += fmt::format("  {:<54} {:>15} {:>19} {:>9.3f} {:<17} {:>7} {}\n", f.id.str(false),
                       fmt::format("{}/{}", f.packets_c2s, f.packets_s2c),
                       fmt::format("{}/{}", f.bytes_c2s, f.bytes_s2c),
                       (f.last_us - f.first_us) / 1e6, to_string(f.state), f.first_packet,
                       f.id.tunnel_str().substr(f.id.tunnel ? 1 : 0));
  }
  if (r.flows_dropped) out += fmt::format("  ... and {} more not listed\n", r.flows_dropped);
}

}  // namespace

std::string render_text(const Report& r, const TextOptions& o) {
  std::string out;
  summary(out, r);
  if (r.events.empty()) out += "\nno problems seen\n";
  events(out, r, o);
  if (o.flows) flows(out, r);
  return out;
}

}  // namespace nd::pcap
