#include "probe/target.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>

#include <cstring>

namespace nd::probe {
namespace {

bool parse_port(std::string_view s, int* out) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  *out = v;
  return true;
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error{fmt::format("'{}': write an IPv6 target as [ADDRESS]:PORT", text)};
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return Error{fmt::format("'{}': the target needs a port (HOST:PORT)", text)};
    if (text.find(':') != colon)
      return Error{fmt::format("'{}': write an IPv6 target as [ADDRESS]:PORT", text)};
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) return Error{fmt::format("'{}': the host is empty", text)};
  if (!parse_port(port, &hp.port)) return Error{fmt::format("'{}': port '{}' is not a number from 1 to 65535", text, port)};
  return hp;
}

Result<Url> parse_url(std::string_view text) {
  Url u;
  std::string_view rest = text;
  if (rest.rfind("https://", 0) == 0)
    return Error{fmt::format("'{}': probe http speaks plain HTTP only; probe tcp HOST:443 tests the port", text)};
  if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
  else if (rest.find("://") != std::string_view::npos)
    return Error{fmt::format("'{}': only http:// URLs are probed", text)};
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
  if (authority.empty()) return Error{fmt::format("'{}': the URL has no host", text)};
  if (authority.find('@') != std::string_view::npos)
    return Error{fmt::format("'{}': user:password@ in the URL is not supported", text)};
  bool has_port = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{fmt::format("'{}': unclosed [ in the host", text)};
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Error{fmt::format("'{}': junk after ]", text)};
      has_port = true;
      if (!parse_port(authority.substr(close + 2), &u.port))
        return Error{fmt::format("'{}': the port is not a number from 1 to 65535", text)};
    }
  } else {
    size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      if (!parse_port(authority.substr(colon + 1), &u.port))
        return Error{fmt::format("'{}': the port is not a number from 1 to 65535", text)};
    }
  }
  (void)has_port;
  if (u.host.empty()) return Error{fmt::format("'{}': the URL has no host", text)};
  return u;
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string SockAddr::ip() const { return address_text(reinterpret_cast<const sockaddr*>(&ss)); }

void SockAddr::set_port(int port) {
  if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<uint16_t>(port));
  if (ss.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(static_cast<uint16_t>(port));
}

Result<SockAddr> resolve_host(const std::string& host, int port) {
  SockAddr a;
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    std::memcpy(&a.ss, &v4, sizeof v4);
    a.len = sizeof v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    std::memcpy(&a.ss, &v6, sizeof v6);
    a.len = sizeof v6;
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0 || !res)
      return Error{fmt::format("'{}' does not resolve here ({}); `netdoctor probe dns {}` shows why", host,
                               gai_strerror(rc), host)};
    std::memcpy(&a.ss, res->ai_addr, res->ai_addrlen);
    a.len = res->ai_addrlen;
    freeaddrinfo(res);
  }
  a.set_port(port);
  return a;
}

}  // namespace nd::probe

#include <unistd.h>

namespace nd::probe {

std::string route_source(const SockAddr& to) {
  int fd = socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  SockAddr t = to;
  t.set_port(9);  // any port: nothing is sent
  std::string out;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.ss), t.len) == 0) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) out = address_text(reinterpret_cast<sockaddr*>(&ss));
  }
  close(fd);
  return out;
}

}  // namespace nd::probe
