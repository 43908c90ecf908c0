#include "pcap/dns_message.h"
#include "pcap/render.h"

namespace nd::pcap {

namespace {

nlohmann::json flow_json(const FlowId& f) {
  nlohmann::json j = {{"proto", proto_name(f.proto)},     {"client", f.client.str()},
                      {"client_port", f.client_port},     {"server", f.server.str()},
                      {"server_port", f.server_port}};
  if (f.tunnel != 0) {
    j["tunnel"] = f.tunnel == 1 ? "vxlan" : "ip-in-ip";
    j["outer_src"] = f.outer_src.str();
    j["outer_dst"] = f.outer_dst.str();
    if (f.tunnel == 1) j["vni"] = f.vni;
  }
  return j;
}

}  // namespace

nlohmann::json to_json(const Event& e) {
  nlohmann::json j = {{"kind", to_string(e.kind)},
                      {"check", check_id(e.kind)},
                      {"level", to_string(e.level)},
                      {"flow", flow_json(e.flow)},
                      {"first_us", e.first_us},
                      {"last_us", e.last_us},
                      {"count", e.count},
                      {"packets", e.packets},
                      {"times_us", e.times_us},
                      {"description", e.description}};
  if (!e.syn_times_us.empty()) j["syn_times_us"] = e.syn_times_us;
  if (e.other.family != 0) {
    j["other"] = e.other.str();
    if (e.other_port != 0) j["other_port"] = e.other_port;
  }
  if (e.kind == EventKind::IcmpUnreachable) {
    j["icmp_type"] = e.icmp_type;
    j["icmp_code"] = e.icmp_code;
    if (e.mtu != 0) j["mtu"] = e.mtu;
    j["inner_flow_seen"] = e.inner_flow_seen;
  }
  if (!e.dns_name.empty()) {
    j["dns_name"] = e.dns_name;
    j["dns_qtype"] = qtype_name(e.dns_qtype);
  }
  if (e.kind == EventKind::DnsError || e.kind == EventKind::DnsNxdomain) {
    j["dns_rcode"] = rcode_name(e.dns_rcode);
  }
  if (!e.servers.empty()) {
    auto& s = j["servers"] = nlohmann::json::array();
    for (const IpAddr& a : e.servers) s.push_back(a.str());
  }
  if (e.kind == EventKind::DnsSearchWalk) {
    j["dns_names"] = e.dns_names;
    j["resolved_as"] = e.resolved_as;
  }
  if (e.kind == EventKind::DnsSlow) j["latency_s"] = e.latency_s;
  if (e.kind == EventKind::DnsUnanswered) j["at_capture_end"] = e.at_capture_end;
  return j;
}

nlohmann::json to_json(const FlowRecord& f) {
  return {{"flow", flow_json(f.id)},         {"state", to_string(f.state)},
          {"packets_c2s", f.packets_c2s},    {"packets_s2c", f.packets_s2c},
          {"bytes_c2s", f.bytes_c2s},        {"bytes_s2c", f.bytes_s2c},
          {"first_us", f.first_us},          {"last_us", f.last_us},
          {"first_packet", f.first_packet},  {"last_packet", f.last_packet},
          {"syns", f.syns}};
}

nlohmann::json to_json(const Report& r) {
  const Summary& s = r.summary;
  nlohmann::json sum = {
      {"link_type", s.link_type}, {"link_type_code", s.link_type_code},
      {"packets", s.packets}, {"bytes", s.bytes}, {"captured_bytes", s.captured_bytes},
      {"first_us", s.first_us}, {"last_us", s.last_us}, {"snaplen_cut", s.snaplen_cut},
      {"ipv4", s.ipv4}, {"ipv6", s.ipv6}, {"arp", s.arp}, {"other_link", s.other_link},
      {"tcp", s.tcp}, {"udp", s.udp}, {"icmp", s.icmp}, {"other_ip", s.other_ip},
      {"vlan_tagged", s.vlan_tagged}, {"vxlan", s.vxlan}, {"ipip", s.ipip},
      {"fragments", s.fragments}, {"flows", s.flows}, {"tcp_flows", s.tcp_flows},
      {"udp_flows", s.udp_flows}, {"peak_live_flows", s.peak_live_flows},
      {"handshakes_completed", s.handshakes_completed},
      {"handshakes_after_retransmission", s.handshakes_after_retransmission},
      {"syn_unanswered", s.syn_unanswered}, {"syn_single", s.syn_single},
      {"refused", s.refused}, {"unexpected_source", s.unexpected_source},
      {"icmp_unreachable", s.icmp_unreachable}, {"icmp_other_errors", s.icmp_other_errors},
      {"dns_queries", s.dns_queries}, {"dns_responses", s.dns_responses},
      {"dns_answered", s.dns_answered}, {"dns_unanswered", s.dns_unanswered},
      {"dns_nxdomain", s.dns_nxdomain}, {"dns_servfail", s.dns_servfail},
      {"dns_refused", s.dns_refused}, {"dns_other_errors", s.dns_other_errors},
      {"dns_slow", s.dns_slow}, {"dns_unmatched_responses", s.dns_unmatched_responses},
      {"dns_search_walks", s.dns_search_walks}};
  nlohmann::json anomalies = nlohmann::json::array();
  for (const Anomaly& a : r.anomalies) {
    nlohmann::json x = {{"name", a.name}, {"count", a.count}, {"first_packet", a.first_packet}};
    if (!a.detail.empty()) x["detail"] = a.detail;
    anomalies.push_back(x);
  }
  nlohmann::json events = nlohmann::json::array();
  for (const Event& e : r.events) events.push_back(to_json(e));
  nlohmann::json dropped = nlohmann::json::object();
  for (int k = 0; k < kEventKinds; ++k) {
    if (r.events_dropped[k]) dropped[std::string(to_string(static_cast<EventKind>(k)))] = r.events_dropped[k];
  }
  nlohmann::json j = {{"source", r.source},        {"summary", sum},
                      {"anomalies", anomalies},    {"events", events},
                      {"events_dropped", dropped}, {"problems", r.has_problems()}};
  if (!r.flows.empty() || r.flows_dropped) {
    nlohmann::json flows = nlohmann::json::array();
    for (const FlowRecord& f : r.flows) flows.push_back(to_json(f));
    j["flows"] = flows;
    j["flows_dropped"] = r.flows_dropped;
  }
  return j;
}

}  // namespace nd::pcap
