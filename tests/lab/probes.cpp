#include "probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <sstream>

#include "lab/exec.h"

namespace nd::lab::test {

namespace {

using Clock = std::chrono::steady_clock;

int left_ms(Clock::time_point deadline) {
  auto l = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return l < 0 ? 0 : static_cast<int>(l);
}

std::string errno_result(int e) {
  switch (e) {
    case ECONNREFUSED: return "refused";
    case EHOSTUNREACH: return "no-route";
    case ENETUNREACH: return "unreachable";
    case ETIMEDOUT: return "timeout";
    default: return "error";
  }
}

// Child side: writes "RESULT\nDETAIL" to out.
int report(int out, const std::string& result, const std::string& detail) {
  write_all(out, result + "\n" + detail);
  return 0;
}

Probe from_child(const std::string& netns, const std::function<int(int)>& fn, int timeout_ms) {
  auto r = run_in_netns(netns, fn, timeout_ms + 2000);
  if (!r) return {"error", r.error().message};
  auto nl = r->out.find('\n');
  if (nl == std::string::npos) return {"error", "probe child said: " + r->out};
  return {r->out.substr(0, nl), r->out.substr(nl + 1)};
}

// Connects with a deadline; returns the fd, or -1 with result set.
int connect_to(const std::string& ip, int port, Clock::time_point deadline, std::string& result) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  if (errno != EINPROGRESS) {
    result = errno_result(errno);
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, left_ms(deadline)) <= 0) {
    result = "timeout";
    close(fd);
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    result = errno_result(err);
    close(fd);
    return -1;
  }
  return fd;
}

// Reads until EOF or the deadline; false on timeout.
bool read_all(int fd, Clock::time_point deadline, std::string& into, size_t cap = 1 << 20) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, left_ms(deadline));
    if (n <= 0) return false;
    char buf[8192];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r <= 0) return true;
    if (into.size() < cap) into.append(buf, static_cast<size_t>(r));
  }
}

// Sends all of data before the deadline; false on timeout or error.
bool send_all(int fd, const std::string& data, Clock::time_point deadline) {
  size_t off = 0;
  while (off < data.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, left_ms(deadline)) <= 0) return false;
    ssize_t w = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (w <= 0) return false;
    off += static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

Probe tcp_banner(const std::string& netns, const std::string& ip, int port, int timeout_ms) {
  return from_child(
      netns,
      [&](int out) {
        auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        std::string result;
        int fd = connect_to(ip, port, deadline, result);
        if (fd < 0) return report(out, result, ip + ":" + std::to_string(port));
        std::string banner;
        read_all(fd, deadline, banner, 4096);
        close(fd);
        return report(out, "connected", banner);
      },
      timeout_ms);
}

Probe http(const std::string& netns, const std::string& ip, int port, const std::string& path,
           size_t body_bytes, int timeout_ms) {
  return from_child(
      netns,
      [&](int out) {
        auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        std::string result;
        int fd = connect_to(ip, port, deadline, result);
        if (fd < 0) return report(out, result, ip + ":" + std::to_string(port));
        std::string req = std::string(body_bytes ? "POST " : "GET ") + path + " HTTP/1.0\r\nHost: " + ip + "\r\n";
        if (body_bytes) req += "Content-Length: " + std::to_string(body_bytes) + "\r\n";
        req += "\r\n" + std::string(body_bytes, 'b');
        std::string resp;
        bool sent = send_all(fd, req, deadline);
        bool done = sent && read_all(fd, deadline, resp);
        close(fd);
        if (!done) return report(out, "timeout", sent ? "no complete response" : "request not sent in time");
        if (resp.rfind("HTTP/", 0) != 0 || resp.size() < 12) return report(out, "bad-response", resp.substr(0, 80));
        auto body = resp.find("\r\n\r\n");
        return report(out, resp.substr(9, 3), body == std::string::npos ? "" : resp.substr(body + 4));
      },
      timeout_ms);
}

std::string dns_query_packet(uint16_t id, const std::string& fqdn) {
  std::string p;
  auto u16 = [&](uint16_t v) {
    p.push_back(static_cast<char>(v >> 8));
    p.push_back(static_cast<char>(v & 0xff));
  };
  u16(id);
  u16(0x0100);  // standard query, recursion desired
  u16(1);
  u16(0);
  u16(0);
  u16(0);
  std::string name = fqdn;
  if (!name.empty() && name.back() == '.') name.pop_back();
  std::istringstream in(name);
  std::string label;
  while (std::getline(in, label, '.')) {
    p.push_back(static_cast<char>(label.size()));
    p += label;
  }
  p.push_back('\0');
  u16(1);  // A
  u16(1);  // IN
  return p;
}

Probe parse_dns_reply(const std::string& r, uint16_t id) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(r[i]); };
  auto u16 = [&](size_t i) { return static_cast<uint16_t>(byte(i) << 8 | byte(i + 1)); };
  if (r.size() < 12) return {"bad-reply", "truncated header"};
  if (u16(0) != id) return {"bad-reply", "id mismatch"};
  int rcode = byte(3) & 0x0f;
  if (rcode == 3) return {"nxdomain", ""};
  if (rcode == 2) return {"servfail", ""};
  if (rcode == 5) return {"refused", ""};
  if (rcode != 0) return {"bad-reply", "rcode " + std::to_string(rcode)};
  size_t qd = u16(4), an = u16(6), pos = 12;
  auto skip_name = [&]() -> bool {
    while (pos < r.size()) {
      uint8_t len = byte(pos);
      if ((len & 0xc0) == 0xc0) {
        pos += 2;
        return pos <= r.size();
      }
      pos += 1 + len;
      if (len == 0) return pos <= r.size();
    }
    return false;
  };
  for (size_t i = 0; i < qd; ++i)
    if (!skip_name() || (pos += 4) > r.size()) return {"bad-reply", "truncated question"};
  std::string addrs;
  for (size_t i = 0; i < an; ++i) {
    if (!skip_name() || pos + 10 > r.size()) return {"bad-reply", "truncated answer"};
    uint16_t type = u16(pos), rdlen = u16(pos + 8);
    pos += 10;
    if (pos + rdlen > r.size()) return {"bad-reply", "truncated rdata"};
    if (type == 1 && rdlen == 4)
      addrs += (addrs.empty() ? "" : " ") + std::to_string(byte(pos)) + "." + std::to_string(byte(pos + 1)) + "." +
               std::to_string(byte(pos + 2)) + "." + std::to_string(byte(pos + 3));
    pos += rdlen;
  }
  if (addrs.empty()) return {"nxdomain", "no A record"};
  return {"answered", addrs};
}

Probe dns_query(const std::string& netns, const std::string& server, const std::string& fqdn, int timeout_ms,
                int attempts) {
  return from_child(
      netns,
      [&](int out) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(53);
        inet_pton(AF_INET, server.c_str(), &a.sin_addr);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
          return report(out, errno_result(errno), server);
        Probe last{"timeout", fqdn + " @" + server + ": no reply"};
        for (int i = 0; i < attempts; ++i) {
          uint16_t id = static_cast<uint16_t>((getpid() * 7919 + i * 104729) & 0xffff);
          std::string q = dns_query_packet(id, fqdn);
          if (send(fd, q.data(), q.size(), 0) < 0) {
            last = {errno == ECONNREFUSED ? "refused" : errno_result(errno), fqdn + " @" + server};
            continue;
          }
          auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
          while (left_ms(deadline) > 0) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, left_ms(deadline)) <= 0) break;
            char buf[1500];
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n < 0) {  // ICMP port unreachable surfaces here on a connected socket
              last = {errno == ECONNREFUSED ? "refused" : errno_result(errno), fqdn + " @" + server};
              break;
            }
            Probe p2 = parse_dns_reply(std::string(buf, static_cast<size_t>(n)), id);
            if (p2.result == "bad-reply" && p2.detail == "id mismatch") continue;
            close(fd);
            return report(out, p2.result, p2.detail);
          }
        }
        close(fd);
        return report(out, last.result, last.detail);
      },
      timeout_ms * attempts);
}

Probe resolve(const std::string& netns, const std::string& resolv_conf, const std::string& name, int timeout_ms) {
  std::string server;
  std::vector<std::string> search;
  int ndots = 1;
  std::istringstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string key;
    l >> key;
    if (key == "nameserver" && server.empty()) l >> server;
    if (key == "search") {
      search.clear();
      for (std::string d; l >> d;) search.push_back(d);
    }
    if (key == "options")
      for (std::string o; l >> o;)
        if (o.rfind("ndots:", 0) == 0) ndots = std::atoi(o.c_str() + 6);
  }
  if (server.empty()) return {"error", "no nameserver in resolv.conf"};
  // As glibc: a name with at least ndots dots is tried as given first; otherwise the search list first.
  std::vector<std::string> tries;
  size_t dots = static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
  if (dots >= static_cast<size_t>(ndots)) tries.push_back(name);
  for (const auto& d : search) tries.push_back(name + "." + d);
  if (dots < static_cast<size_t>(ndots)) tries.push_back(name);
  std::string tried;
  for (const auto& t : tries) {
    Probe p = dns_query(netns, server, t, timeout_ms, 1);
    if (p.result == "answered") return p;
    tried += (tried.empty() ? "" : ", ") + t + ": " + p.result;
    // A server that does not answer at all will not answer the next name either.
    if (p.result == "timeout") return {p.result, tried};
  }
  return {tried.find(": refused") != std::string::npos ? "refused" : "nxdomain", tried};
}

}  // namespace nd::lab::test
