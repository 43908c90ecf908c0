#include "pcap/report.h"

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>
#include <cstring>

namespace nd::pcap {

namespace {

struct KindInfo {
  std::string_view name, check, title;
};
// Indexed by EventKind. The check ids are DESIGN.md's where it has one.
constexpr KindInfo kKinds[] = {
    {"syn-unanswered", "capture-syn-unanswered", "TCP SYN retransmitted, no SYN-ACK"},
    {"reply-from-unexpected-source", "capture-reply-from-unexpected-source",
     "Reply from an address the client did not contact (not un-DNATed)"},
    {"rst-on-connect", "capture-rst-on-connect", "TCP connect refused by RST"},
    {"icmp-unreachable", "capture-icmp-unreachable", "ICMP destination unreachable"},
    {"dns-unanswered", "capture-dns-unanswered", "DNS query with no response"},
    {"dns-error", "capture-dns-error", "DNS error response (SERVFAIL, REFUSED, ...)"},
    {"dns-nxdomain", "capture-dns-nxdomain", "DNS name does not exist (NXDOMAIN)"},
    {"dns-search-walk", "capture-dns-search-walk", "DNS search-list walk (NXDOMAIN per suffix)"},
    {"dns-slow", "capture-dns-slow", "Slow DNS answer"},
};
static_assert(sizeof(kKinds) / sizeof(kKinds[0]) == kEventKinds);

}  // namespace

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes, buf, sizeof buf);
  if (family == 6) inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  return buf;
}

bool IpAddr::operator==(const IpAddr& o) const {
  return family == o.family && std::memcmp(bytes, o.bytes, family == 4 ? 4 : 16) == 0;
}

std::string proto_name(uint8_t proto) {
  switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "icmp6";
    case 132: return "sctp";
    case 47: return "gre";
    case 50: return "esp";
    default: break;
  }
  return "proto-" + std::to_string(proto);
}

static std::string endpoint(const IpAddr& a, uint16_t port, bool with_port) {
  std::string s = a.family == 6 && with_port ? "[" + a.str() + "]" : a.str();
  if (with_port) s += ":" + std::to_string(port);
  return s;
}

std::string FlowId::str(bool with_tunnel) const {
  const bool ports = proto == 6 || proto == 17 || proto == 132;
  std::string s(proto_name(proto));
  s += " " + endpoint(client, client_port, ports) + " -> " + endpoint(server, server_port, ports);
  if ((proto == 1 || proto == 58) && client_port != 0) {
    s += " (echo id " + std::to_string(client_port) + ")";
  }
  return with_tunnel ? s + tunnel_str() : s;
}

std::string FlowId::tunnel_str() const {
  if (tunnel == 0) return {};
  std::string s = tunnel == 1 ? " via vxlan " : " via ip-in-ip ";
  s += outer_src.str() + " -> " + outer_dst.str();
  if (tunnel == 1) s += " vni " + std::to_string(vni);
  return s;
}

std::string_view to_string(EventKind k) { return kKinds[static_cast<int>(k)].name; }
std::string_view check_id(EventKind k) { return kKinds[static_cast<int>(k)].check; }
std::string_view title(EventKind k) { return kKinds[static_cast<int>(k)].title; }

std::string_view to_string(Level l) {
  switch (l) {
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Critical: return "critical";
  }
  return "?";
}

std::string_view to_string(FlowState s) {
  static constexpr std::string_view kNames[] = {
      "established", "closed", "reset", "refused", "unanswered", "syn-sent",
      "unexpected-source", "half-open", "midstream", "unreachable", "bidirectional", "one-way"};
  return kNames[static_cast<int>(s)];
}

std::string format_time(int64_t us, bool with_date) {
  int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  auto frac = static_cast<long>(us - secs * 1'000'000);
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  if (with_date) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06ld UTC", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  }
  return buf;
}

bool Report::has_problems(Level min) const {
  for (const Event& e : events) {
    if (e.level >= min) return true;
  }
  return false;  // dropped events only exist past a cap of kept ones, which were seen above
}

}  // namespace nd::pcap
