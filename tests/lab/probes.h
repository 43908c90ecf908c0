// Probes for the lab's root tests, written here in C++ so the suite needs no ping, nc or dig: each
// runs in a forked child that has entered a lab namespace (nd::lab::run_in_netns), with a short
// timeout, and reports what happened in DESIGN.md's probe vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nd::lab::test {

struct Probe {
  std::string result;  // tcp: connected|refused|timeout|unreachable|no-route; dns: answered|nxdomain|
                       // servfail|refused|timeout; http: the status code ("200") or a tcp result
  std::string detail;  // response body, banner, answer addresses, or the error text
  bool ok() const { return result == "connected" || result == "answered" || result == "200"; }
};

// TCP connect; when it connects, reads what the server says first (a banner) for up to timeout_ms.
Probe tcp_banner(const std::string& netns, const std::string& ip, int port, int timeout_ms = 1500);

// HTTP/1.0 request: GET path, or POST of body_bytes bytes when body_bytes > 0.
Probe http(const std::string& netns, const std::string& ip, int port, const std::string& path = "/",
           size_t body_bytes = 0, int timeout_ms = 1500);

// One DNS A query over UDP to server:53 (a connected socket: a reply from another address is not
// ours, as for a real resolver), up to `attempts` tries of timeout_ms each.
Probe dns_query(const std::string& netns, const std::string& server, const std::string& fqdn,
                int timeout_ms = 1000, int attempts = 2);

// Resolves `name` as a pod does from its resolv.conf text: nameserver, search list and ndots.
// Every query tried is listed in detail when nothing answers.
Probe resolve(const std::string& netns, const std::string& resolv_conf, const std::string& name,
              int timeout_ms = 1000);

// The query packet and its reply parser, pure (unit-tested).
std::string dns_query_packet(uint16_t id, const std::string& fqdn);
// "answered" with detail = addresses, or nxdomain/servfail/refused/"bad-reply".
Probe parse_dns_reply(const std::string& reply, uint16_t id);

}  // namespace nd::lab::test
