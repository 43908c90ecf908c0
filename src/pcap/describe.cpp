#include "pcap/describe.h"

#include <cstdio>

#include "pcap/dns_message.h"
#include "pcap/icmp.h"

namespace nd::pcap {

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 0.1 ? "%.3fs" : "%.1fs", s);
  return buf;
}

std::string ep(const IpAddr& a, uint16_t port) {
  return (a.family == 6 ? "[" + a.str() + "]" : a.str()) + ":" + std::to_string(port);
}

std::string times(const Event& e) {
  return e.count == 1 ? std::string("once") : std::to_string(e.count) + " times";
}

// "sent at 12:16:06.044078, retransmitted at +0.005s, +1.0s"
std::string syn_times(const Event& e, size_t syns) {
  const std::vector<int64_t>& t = e.syn_times_us;
  std::string s = "sent at " + format_time(t.empty() ? e.first_us : t[0]);
  size_t shown = std::min(syns, t.size());
  if (shown > 1) {
    s += ", retransmitted at";
    for (size_t i = 1; i < shown; ++i) {
      s += (i == 1 ? " +" : ", +") + seconds((t[i] - t[0]) / 1e6);
    }
    if (e.count > shown) s += " and " + std::to_string(e.count - shown) + " more";
  }
  return s;
}

std::string question(const Event& e) { return qtype_name(e.dns_qtype) + "? " + e.dns_name; }

std::string syn_unanswered(const Event& e) {
  return e.flow.str() + ": " + std::to_string(e.count) + " SYNs, no SYN-ACK, no RST (" +
         syn_times(e, e.count) + "): packets are dropped on the way or the answer is lost";
}

std::string unexpected(const Event& e) {
  if (e.flow.proto == 6) {
    return "SYN " + e.flow.str() + " answered by SYN-ACK from " + ep(e.other, e.other_port) +
           ", an address the client never sent to: the reply was not un-DNATed, so the client "
           "cannot match it (" + std::to_string(e.count) + " SYNs, " + syn_times(e, e.count) + ")";
  }
  return question(e) + " from " + ep(e.flow.client, e.flow.client_port) + " to " +
         ep(e.flow.server, e.flow.server_port) + " answered by " + ep(e.other, e.other_port) +
         " instead: the reply was not un-DNATed, so the client ignores it";
}

std::string refused(const Event& e) {
  std::string tries = e.count == 1 ? "" : " (" + std::to_string(e.count) + " attempts)";
  return "SYN " + e.flow.str() + " answered by RST" + tries + ": nothing listens on port " +
         std::to_string(e.flow.server_port) + " of " + e.flow.server.str() +
         ", or a firewall rule rejects with tcp-reset";
}

std::string icmp(const Event& e) {
  IcmpMeaning m = icmp_meaning(e.flow.client.family, e.icmp_type, e.icmp_code);
  std::string meaning(m.meaning);
  const bool port = e.flow.client.family == 4 ? e.icmp_code == 3 : e.icmp_code == 4;
  if (port && e.icmp_type == (e.flow.client.family == 4 ? 3 : 1) && e.flow.proto == 6) {
    // A TCP stack answers a closed port with RST; port unreachable for TCP comes from a rule.
    meaning = "a firewall rule rejects it (REJECT --reject-with icmp-port-unreachable; kube-proxy "
              "rejects this way for a Service without endpoints)";
  }
  std::string s = e.other.str() + " reports " + std::string(m.name);
  if (e.mtu != 0) s += " (next-hop MTU " + std::to_string(e.mtu) + ")";
  s += " for " + e.flow.str() + ", " + times(e) + ": " + meaning;
  if (!e.inner_flow_seen) s += " (the packet it refers to is not in this capture)";
  return s;
}

std::string dns_unanswered(const Event& e) {
  std::string servers;
  for (const IpAddr& a : e.servers) servers += (servers.empty() ? "" : ", ") + a.str();
  std::string s = question(e) + " from " + e.flow.client.str() + " to " + servers + ": " +
                  std::to_string(e.count) + (e.count == 1 ? " try" : " tries");
  if (e.count > 1) s += " over " + seconds((e.last_us - e.first_us) / 1e6);
  s += ", no response";
  if (e.at_capture_end) s += " (the capture ended soon after; a reply may have come later)";
  return s;
}

std::string dns_error(const Event& e) {
  return question(e) + " from " + e.flow.client.str() + " answered " +
         std::string(rcode_name(e.dns_rcode)) + " by " + e.flow.server.str() + ", " + times(e);
}

std::string nxdomain(const Event& e) {
  return question(e) + " from " + e.flow.client.str() + ": NXDOMAIN from " + e.flow.server.str() +
         ", " + times(e) + " (the name does not exist)";
}

std::string walk(const Event& e) {
  std::string names;
  for (const std::string& n : e.dns_names) names += (names.empty() ? "" : ", ") + n;
  std::string s = e.flow.client.str() + " looked up " + e.dns_name + " through the search list";
  if (e.count > 1) s += " " + std::to_string(e.count) + " times";
  s += ": " + names;
  if (e.resolved_as.empty()) {
    s += "; no name answered: it exists under none of the suffixes (a short name for a service "
         "in another namespace? use its full name)";
  } else {
    s += "; answered as " + e.resolved_as +
         " after the NXDOMAINs (search-list expansion, ndots at work: a trailing dot or a lower "
         "ndots avoids them)";
  }
  return s;
}

std::string slow(const Event& e) {
  return question(e) + " from " + e.flow.client.str() + " answered by " + e.flow.server.str() +
         " after " + seconds(e.latency_s) + (e.count > 1 ? " (slowest of " + std::to_string(e.count) + ")" : "");
}

}  // namespace

std::string describe(const Event& e) {
  switch (e.kind) {
    case EventKind::SynUnanswered: return syn_unanswered(e);
    case EventKind::ReplyFromUnexpectedSource: return unexpected(e);
    case EventKind::RstOnConnect: return refused(e);
    case EventKind::IcmpUnreachable: return icmp(e);
    case EventKind::DnsUnanswered: return dns_unanswered(e);
    case EventKind::DnsError: return dns_error(e);
    case EventKind::DnsNxdomain: return nxdomain(e);
    case EventKind::DnsSearchWalk: return walk(e);
    case EventKind::DnsSlow: return slow(e);
  }
  return {};
}

}  // namespace nd::pcap
