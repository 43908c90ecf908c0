#include "probe/http.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "probe/tcp.h"
#include "probe/target.h"

namespace nd::probe {
namespace {

using Clock = std::chrono::steady_clock;

int left_ms(Clock::time_point deadline) {
  auto l = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return l < 0 ? 0 : static_cast<int>(l);
}

int64_t ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

int parse_status_line(const std::string& line) {
  if (line.rfind("HTTP/", 0) != 0) return 0;
  size_t sp = line.find(' ');
  if (sp == std::string::npos || sp + 4 > line.size()) return 0;
  int code = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  if (sp + 4 < line.size() && line[sp + 4] != ' ' && line[sp + 4] != '\r') return 0;
  return code >= 100 && code <= 599 ? code : 0;
}

Result<ProbeResult> probe_http(const std::string& url, const HttpOptions& o) {
  auto u = parse_url(url);
  if (!u) return u.error();
  auto to = resolve_host(u->host, u->port);
  if (!to) return to.error();
  ProbeResult r;
  r.probe = "http";
  r.target = url;
  r.from = o.from;
  auto t0 = Clock::now();
  auto deadline = t0 + std::chrono::milliseconds(o.timeout_ms);
  Connection c = tcp_connect(*to, o.timeout_ms);
  r.source = c.source;
  if (c.fd < 0) {
    r.result = c.outcome.result;  // the tcp vocabulary: the request never left
    r.detail = "no HTTP exchange: " + c.outcome.detail;
    r.time_ms = c.time_ms;
    explain_tcp(r, c.icmp);
    return r;
  }
  bool v6 = u->host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + u->host + "]" : u->host;
  if (u->port != 80) host += ":" + std::to_string(u->port);
  std::string req = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: netdoctor-probe\r\nAccept: */*\r\n"
                                "Connection: close\r\n\r\n",
                                u->path, host);
  auto sent_at = Clock::now();
  size_t off = 0;
  bool failed = false;
  while (off < req.size() && !failed) {
    pollfd p{c.fd, POLLOUT, 0};
    if (poll(&p, 1, left_ms(deadline)) <= 0) failed = true;
    ssize_t w = failed ? -1 : send(c.fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR) && !failed) continue;
    if (w <= 0) failed = true;
    else off += static_cast<size_t>(w);
  }
  std::string head;
  Clock::time_point first_byte{};
  bool got_first = false, closed = false;
  while (!failed && head.find("\r\n") == std::string::npos && head.size() < 8192) {
    pollfd p{c.fd, POLLIN, 0};
    int n = poll(&p, 1, left_ms(deadline));
    if (n <= 0) break;
    char buf[2048];
    ssize_t got = recv(c.fd, buf, sizeof buf, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      closed = true;
      break;
    }
    if (!got_first) {
      first_byte = Clock::now();
      got_first = true;
    }
    head.append(buf, static_cast<size_t>(got));
  }
  close(c.fd);
  r.time_ms = ms_between(t0, Clock::now());
  std::string line = head.substr(0, head.find("\r\n"));
  int status = parse_status_line(line);
  if (status == 0) {
    if (!got_first && !closed) {
      r.result = "timeout";
      r.detail = fmt::format("connected in {} ms, but no response within {} ms", c.time_ms, o.timeout_ms);
      r.explain.push_back("The port accepts connections but the server does not answer the request: a hung "
                          "application, or something that is not an HTTP server on that port.");
    } else {
      r.result = "bad-response";
      r.detail = fmt::format("connected in {} ms; the reply does not start with an HTTP status line: '{}'", c.time_ms,
                             line.substr(0, 60));
      r.explain.push_back("Something answers on that port, but not with HTTP (TLS? another protocol?).");
    }
    return r;
  }
  r.result = std::to_string(status);
  r.ok = status < 400;
  r.detail = fmt::format("connect {} ms, first byte {} ms after the request: {}", c.time_ms,
                         ms_between(sent_at, first_byte), line);
  if (status >= 500)
    r.explain.push_back("The server (or a proxy in front of it) failed the request: 502/503/504 from a proxy or "
                        "ingress usually mean it has no ready backend or cannot reach it (P1.3).");
  else if (status >= 400)
    r.explain.push_back("The network path works; the server rejected the request itself (path, host name, auth).");
  else
    r.explain.push_back("The network path and the server work from here.");
  return r;
}

}  // namespace nd::probe
