// The targets a user names, parsed without touching the network: HOST:PORT, [V6]:PORT, and
// http://HOST[:PORT]/PATH. Names are resolved later (resolve_host), only when the user wrote one.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace nd::probe {

struct HostPort {
  std::string host;  // as written, brackets removed
  int port = 0;
};
// "10.96.0.10:53", "[fd00::a]:443", "db.shop.svc.cluster.local:3306". A port is required.
Result<HostPort> parse_host_port(std::string_view text);

struct Url {
  std::string host, path = "/";
  int port = 80;
};
// Plain http only: "http://10.96.5.5:8080/healthz". https is refused with a clear message.
Result<Url> parse_url(std::string_view text);

// An address the kernel can use. Numeric hosts are taken as they are; a name is looked up with the
// system resolver (getaddrinfo), since the user named it.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family() const { return ss.ss_family; }
  std::string ip() const;  // "10.0.0.1" or "fd00::1"
  void set_port(int port);
};
Result<SockAddr> resolve_host(const std::string& host, int port);
// The address text of a sockaddr (v4 or v6); "" for other families.
std::string address_text(const sockaddr* sa);

}  // namespace nd::probe

namespace nd::probe {
// The local address the kernel would send from toward `to` (a UDP connect: no packet leaves).
std::string route_source(const SockAddr& to);
}  // namespace nd::probe
