#include "probe/tcp.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace nd::probe {
namespace {

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

std::string local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  std::string a = address_text(reinterpret_cast<sockaddr*>(&ss));
  return a == "0.0.0.0" || a == "::" ? "" : a;
}

}  // namespace

Connection tcp_connect(const SockAddr& to, int timeout_ms) {
  Connection c;
  auto t0 = Clock::now();
  int fd = socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    c.outcome = {"unreachable", fmt::format("socket: {}", std::strerror(errno))};
    return c;
  }
  int one = 1;
  if (to.family() == AF_INET6)
    setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
  else
    setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
  int err = 0;
  bool immediate = false;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to.ss), to.len) != 0) {
    if (errno != EINPROGRESS) {
      err = errno;
      immediate = true;
    } else {
      c.source = local_address(fd);
      pollfd p{fd, POLLOUT, 0};
      int n;
      do {
        int left = timeout_ms - static_cast<int>(ms_since(t0));
        n = poll(&p, 1, left < 0 ? 0 : left);
      } while (n < 0 && errno == EINTR);
      if (n == 0) {
        err = ETIMEDOUT;
        tcp_info ti{};
        socklen_t len = sizeof ti;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) c.syn_retransmits = ti.tcpi_retransmits;
      } else {
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
  }
  c.time_ms = ms_since(t0);
  if (c.source.empty()) c.source = local_address(fd);
  if (err != 0) c.icmp = read_icmp_error(fd);
  c.outcome = classify_connect(err, immediate, c.icmp);
  if (err == ETIMEDOUT)
    c.outcome.detail = fmt::format("no answer to the SYN within {} ms (sent {} time{})", timeout_ms,
                                   c.syn_retransmits + 1, c.syn_retransmits ? "s" : "");
  if (err == 0)
    c.fd = fd;
  else
    close(fd);
  return c;
}

void explain_tcp(ProbeResult& r, const IcmpError& icmp) {
  if (r.result == "connected")
    r.explain.push_back("The port accepts connections from here. If the application still fails, look above TCP: "
                        "TLS, the protocol, the server's own allow-list or connection limit (P3.5).");
  else if (r.result == "refused")
    r.explain.push_back("The host is reachable but nothing accepts connections on that port (or a rule resets "
                        "them): check the process listens on that port and address, and for a Service that "
                        "targetPort matches the container port (P1.3).");
  else if (r.result == "timeout")
    r.explain.push_back("Nothing came back: a rule drops the packets, or they are lost on the way or on the way "
                        "back. Between pods and to Services, a node with net.ipv4.ip_forward=0 looks exactly like "
                        "this (P4: the SYN repeats, no SYN-ACK). To a database outside the cluster, check that it "
                        "accepts the pod network's source addresses (P3.5).");
  else if (r.result == "unreachable" && icmp.present && !icmp.from_self)
    r.explain.push_back(fmt::format("{} sent ICMP {}: {}.", icmp.offender, icmp_name(icmp), icmp_meaning(icmp)));
  else if (r.result == "unreachable")
    r.explain.push_back("The kernel here refused to send: a prohibit route or an OUTPUT firewall rule on this host.");
  else if (r.result == "no-route")
    r.explain.push_back("This host has no route to the target (the application sees \"No route to host\" or "
                        "\"Network is unreachable\"). Between pods on different nodes this is P9: a pod range "
                        "that overlaps the node network, or a node without a route to another node's pod range.");
}

ProbeResult probe_tcp_addr(const std::string& target, const SockAddr& to, const TcpOptions& o) {
  ProbeResult r;
  r.probe = "tcp";
  r.target = target;
  r.from = o.from;
  Connection c = tcp_connect(to, o.timeout_ms);
  if (c.fd >= 0) close(c.fd);
  r.result = c.outcome.result;
  r.detail = c.outcome.detail;
  r.time_ms = c.time_ms;
  r.source = c.source;
  r.ok = r.result == "connected";
  explain_tcp(r, c.icmp);
  return r;
}

Result<ProbeResult> probe_tcp(const std::string& target, const TcpOptions& o) {
  auto hp = parse_host_port(target);
  if (!hp) return hp.error();
  auto to = resolve_host(hp->host, hp->port);
  if (!to) return to.error();
  ProbeResult r = probe_tcp_addr(target, *to, o);
  if (to->ip() != hp->host) r.detail += fmt::format(" ({} is {})", hp->host, to->ip());
  return r;
}

}  // namespace nd::probe
