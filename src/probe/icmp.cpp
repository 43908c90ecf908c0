#include "probe/icmp.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "probe/target.h"
#include "probe/unreach.h"

namespace nd::probe {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Echo {
  enum Kind { None, Reply, Unreachable } kind = None;
  IcmpError err;
};

// A reply or error for (id, seq) in what the socket returned; raw IPv4 sockets include the IP header
// (raw ICMPv6 sockets do not).
Echo match_v6(const uint8_t* p, size_t n, bool raw, uint16_t id, uint16_t seq, const std::string& outer_src);

Echo match(const uint8_t* p, size_t n, bool raw, uint16_t id, uint16_t seq, const std::string& outer_src,
           bool v6 = false) {
  if (v6) return match_v6(p, n, raw, id, seq, outer_src);
  Echo e;
  if (raw) {
    if (n < 20) return e;
    size_t ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || n < ihl + 8) return e;
    p += ihl;
    n -= ihl;
  }
  if (n < 8) return e;
  uint8_t type = p[0], code = p[1];
  uint16_t rid = static_cast<uint16_t>(p[4] << 8 | p[5]), rseq = static_cast<uint16_t>(p[6] << 8 | p[7]);
  if (type == ICMP_ECHOREPLY) {
    if (rseq == seq && (!raw || rid == id)) e.kind = Echo::Reply;
    return e;
  }
  if (!raw || (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED)) return e;
  // The error quotes our IP header and the first 8 bytes of our echo request.
  const uint8_t* q = p + 8;
  size_t qn = n - 8;
  if (qn < 20) return e;
  size_t qihl = (q[0] & 0x0f) * 4u;
  if (q[9] != IPPROTO_ICMP || qn < qihl + 8) return e;
  const uint8_t* qi = q + qihl;
  if (qi[0] != ICMP_ECHO || static_cast<uint16_t>(qi[4] << 8 | qi[5]) != id ||
      static_cast<uint16_t>(qi[6] << 8 | qi[7]) != seq)
    return e;
  e.kind = Echo::Unreachable;
  e.err.present = true;
  e.err.type = type;
  e.err.code = code;
  e.err.offender = outer_src;
  return e;
}

// ICMPv6 (RFC 4443): echo reply 129; errors 1 (unreachable) and 3 (time exceeded) quote our IPv6
// header (40 bytes, next header 58 when no extension header) and the start of our echo request (128).
Echo match_v6(const uint8_t* p, size_t n, bool raw, uint16_t id, uint16_t seq, const std::string& outer_src) {
  Echo e;
  if (n < 8) return e;
  uint8_t type = p[0], code = p[1];
  uint16_t rid = static_cast<uint16_t>(p[4] << 8 | p[5]), rseq = static_cast<uint16_t>(p[6] << 8 | p[7]);
  if (type == ICMP6_ECHO_REPLY) {
    if (rseq == seq && (!raw || rid == id)) e.kind = Echo::Reply;
    return e;
  }
  if (!raw || (type != ICMP6_DST_UNREACH && type != ICMP6_TIME_EXCEEDED)) return e;
  const uint8_t* q = p + 8;
  size_t qn = n - 8;
  if (qn < 40 + 8 || q[6] != IPPROTO_ICMPV6) return e;
  const uint8_t* qi = q + 40;
  if (qi[0] != ICMP6_ECHO_REQUEST || static_cast<uint16_t>(qi[4] << 8 | qi[5]) != id ||
      static_cast<uint16_t>(qi[6] << 8 | qi[7]) != seq)
    return e;
  e.kind = Echo::Unreachable;
  e.err.present = true;
  e.err.v6 = true;
  e.err.type = type;
  e.err.code = code;
  e.err.offender = outer_src;
  return e;
}

}  // namespace

uint16_t inet_checksum(const void* data, size_t len) {
  const uint8_t* b = static_cast<const uint8_t*>(data);
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(b[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Result<ProbeResult> probe_icmp(const std::string& host, const IcmpOptions& o) {
  if (o.count < 1 || o.count > 100) return Error{fmt::format("--count {} is outside 1..100", o.count)};
  if (o.timeout_ms < 1 || o.timeout_ms > 30000) return Error{"--timeout must be 1..30000 ms"};
  if (o.interval_ms < 0 || o.interval_ms > 10000) return Error{"--interval must be 0..10000 ms"};
  auto to = resolve_host(host, 0);
  if (!to) return to.error();
  const bool v6 = to->family() == AF_INET6;
  const int family = v6 ? AF_INET6 : AF_INET;
  const int proto = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);

  ProbeResult r;
  r.probe = "icmp";
  r.target = host;
  r.from = o.from;
  r.source = route_source(*to);

  bool raw = false;
  int fd = -1;
  std::string why_raw;
  if (o.method != "raw") {
    fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
    if (fd < 0) why_raw = std::strerror(errno);
  }
  if (fd < 0 && o.method != "dgram") {
    fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
    raw = fd >= 0;
  }
  if (fd < 0)
    return Error{fmt::format("cannot open an ICMP socket ({}): unprivileged ICMP needs the group in "
                             "net.ipv4.ping_group_range, a raw socket needs CAP_NET_RAW",
                             std::strerror(errno))};
  int one = 1;
  if (v6)
    setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
  else
    setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
  const uint16_t id = static_cast<uint16_t>(getpid() ^ (reinterpret_cast<uintptr_t>(&r) >> 4));

  auto t0 = Clock::now();
  int replies = 0, sent = 0;
  std::vector<double> rtts;
  IcmpError last_err;
  int local_fail = 0;
  for (int seq = 1; seq <= o.count; ++seq) {
    auto send_at = Clock::now();
    uint8_t pkt[8 + 16] = {0};
    pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
    pkt[4] = static_cast<uint8_t>(id >> 8);
    pkt[5] = static_cast<uint8_t>(id);
    pkt[6] = static_cast<uint8_t>(seq >> 8);
    pkt[7] = static_cast<uint8_t>(seq);
    std::memcpy(pkt + 8, "netdoctor-probe!", 16);
    if (!v6) {  // the kernel computes the ICMPv6 checksum (it covers the IPv6 pseudo-header)
      uint16_t ck = inet_checksum(pkt, sizeof pkt);
      pkt[2] = static_cast<uint8_t>(ck >> 8);
      pkt[3] = static_cast<uint8_t>(ck);
    }
    if (sendto(fd, pkt, sizeof pkt, 0, reinterpret_cast<const sockaddr*>(&to->ss), to->len) < 0) {
      ++local_fail;
      last_err = IcmpError{};
      last_err.err = errno;
      last_err.from_self = true;
    } else {
      ++sent;
      auto deadline = send_at + std::chrono::milliseconds(o.timeout_ms);
      for (;;) {
        int left = static_cast<int>(std::max(0.0, ms_between(Clock::now(), deadline)));
        pollfd p{fd, POLLIN, 0};
        int n = poll(&p, 1, left);
        if (n <= 0) break;
        if (p.revents & POLLERR) {
          IcmpError e = read_icmp_error(fd);
          if (e.present && !e.from_self) {
            last_err = e;
            break;
          }
        }
        if (!(p.revents & POLLIN)) continue;
        uint8_t buf[1500];
        sockaddr_storage src{};
        socklen_t slen = sizeof src;
        ssize_t got = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&src), &slen);
        if (got <= 0) continue;
        std::string from = address_text(reinterpret_cast<sockaddr*>(&src));
        if (raw && from != to->ip()) {
          // Only errors may come from elsewhere (a router).
          Echo e = match(buf, static_cast<size_t>(got), raw, id, static_cast<uint16_t>(seq), from, v6);
          if (e.kind == Echo::Unreachable) {
            last_err = e.err;
            break;
          }
          continue;
        }
        Echo e = match(buf, static_cast<size_t>(got), raw, id, static_cast<uint16_t>(seq), from, v6);
        if (e.kind == Echo::Reply) {
          ++replies;
          rtts.push_back(ms_between(send_at, Clock::now()));
          break;
        }
        if (e.kind == Echo::Unreachable) {
          last_err = e.err;
          break;
        }
      }
    }
    if (seq < o.count) {
      auto next = send_at + std::chrono::milliseconds(o.interval_ms);
      if (next > Clock::now()) std::this_thread::sleep_until(next);
    }
  }
  close(fd);
  std::string method = raw ? "raw ICMP socket" : "unprivileged ICMP socket";
  if (raw && !why_raw.empty() && o.method == "auto")
    method += " (the unprivileged one was refused: net.ipv4.ping_group_range)";
  if (replies > 0) {
    double mn = *std::min_element(rtts.begin(), rtts.end()), mx = *std::max_element(rtts.begin(), rtts.end()), sum = 0;
    for (double v : rtts) sum += v;
    r.result = "reply";
    r.ok = true;
    r.time_ms = static_cast<int64_t>(sum / static_cast<double>(rtts.size()) + 0.5);
    r.detail = fmt::format("{}/{} replies, rtt min/avg/max {:.2f}/{:.2f}/{:.2f} ms, {}", replies, o.count, mn,
                           sum / static_cast<double>(rtts.size()), mx, method);
    if (replies < o.count)
      r.explain.push_back(fmt::format("{} of {} echo requests got no reply: packet loss on the path.",
                                      o.count - replies, o.count));
    else
      r.explain.push_back("The host answers ICMP from here. (Some hosts and policies drop ICMP but pass TCP, and "
                          "the reverse: probe tcp tests the port itself.)");
    return r;
  }
  r.time_ms = static_cast<int64_t>(ms_between(t0, Clock::now()));
  if (local_fail > 0) {
    r.result = "unreachable";
    r.detail = fmt::format("this host could not send ({}), {}", std::strerror(last_err.err), method);
    r.explain.push_back("This host has no usable route to the target: \"No route to host\" (P9: pod ranges that "
                        "overlap the node network, or a missing route to another node's pod range).");
  } else if (last_err.present) {
    r.result = "unreachable";
    r.detail = fmt::format("ICMP {} from {} ({} sent), {}", icmp_name(last_err), last_err.offender, sent, method);
    r.explain.push_back(fmt::format("{} says {}: {}.", last_err.offender, icmp_name(last_err), icmp_meaning(last_err)));
  } else {
    r.result = "timeout";
    r.detail = fmt::format("0/{} replies within {} ms each, {}", o.count, o.timeout_ms, method);
    r.explain.push_back("No reply and no error: the host is down, or a rule drops ICMP on the way or back (many "
                        "networks drop ping but pass TCP: try probe tcp). P9's pods on other nodes fail this way "
                        "when the route toward their range is wrong.");
  }
  return r;
}

}  // namespace nd::probe
