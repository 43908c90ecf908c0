#include "agent/options.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>

namespace nd::agent {

namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error{"duration '" + std::string(text) + "': " + why + " (examples: 60s, 500ms, 5m, 1m30s)"};
  };
  if (text.empty()) return bad("empty");
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    if (text.size() > 9) return bad("too long");
    return std::chrono::milliseconds(std::stoll(std::string(text)) * 1000);
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return bad("expected a number at position " + std::to_string(start + 1));
    if (i - start > 9) return bad("number too long");
    int64_t n = std::stoll(std::string(text.substr(start, i - start)));
    const Unit* unit = nullptr;
    for (const auto& u : kUnits)
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    if (!unit) return bad("unknown unit at position " + std::to_string(i + 1));
    i += unit->name.size();
    total += n * unit->ms;
    if (total > int64_t{7} * 24 * 3600 * 1000) return bad("longer than a week");
  }
  return std::chrono::milliseconds(total);
}

Result<HostPort> parse_host_port(std::string_view text) {
  auto bad = [&](const std::string& why) { return Error{"address '" + std::string(text) + "': " + why}; };
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    hp.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("expected ':PORT' after ']'");
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected HOST:PORT");
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return bad("an IPv6 address needs brackets: [ADDR]:PORT");
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) return bad("empty host");
  if (port.empty() || port.size() > 5) return bad("bad port");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
  hp.port = std::stoi(std::string(port));
  if (hp.port > 65535) return bad("port above 65535");
  return hp;
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Result<HostPort> parse_ip_port(std::string_view text) {
  auto hp = parse_host_port(text);
  if (!hp) return hp;
  if (!is_ip_literal(hp->host)) return Error{"address '" + std::string(text) + "': '" + hp->host + "' is not an IP address"};
  if (hp->port == 0) return Error{"address '" + std::string(text) + "': port 0"};
  return hp;
}

std::optional<HostPort> dns_target(const std::string& spec) {
  if (is_ip_literal(spec)) return HostPort{spec, 53};
  auto hp = parse_ip_port(spec);
  if (!hp) return std::nullopt;
  return *hp;
}

}  // namespace nd::agent
