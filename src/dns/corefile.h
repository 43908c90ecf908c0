// The Corefile (CoreDNS's configuration, Caddyfile syntax): server blocks with their zones and port,
// and the plugin directives inside, each with its arguments, nested block and line. Enough to tell
// where CoreDNS sends what it does not answer itself (forward / proxy) and whether `loop` is on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd::dns {

struct Directive {
  std::string name;               // "forward"
  std::vector<std::string> args;  // {".", "/etc/resolv.conf"}
  uint32_t line = 0;              // 1-based line in the Corefile
  std::vector<Directive> block;   // the { ... } that follows, if any
};

struct ServerBlock {
  std::vector<std::string> keys;  // {".:53"} or {"cluster.local:53", "in-addr.arpa:53"}
  uint32_t line = 0;
  std::vector<Directive> directives;

  const Directive* plugin(std::string_view name) const;  // the first directive of that name
  int port() const;                                      // from the keys; 53 when none is given
};

struct Corefile {
  std::vector<ServerBlock> servers;
  std::vector<std::string> warnings;  // "line 12: import of a file is not followed"
};

// Snippets ("(name) { ... }") are expanded where a server block imports them.
Result<Corefile> parse_corefile(std::string_view text, std::string_view label);

// Where a server block sends queries it does not answer: forward (1.x) or proxy (before 1.6).
struct Upstream {
  std::string plugin;           // "forward" or "proxy"
  std::string from;             // the zone it applies to, "." for everything
  std::vector<std::string> to;  // as written: "/etc/resolv.conf", "10.0.0.2", "dns://10.0.0.2:53", ...
  uint32_t line = 0;
};
std::vector<Upstream> upstreams(const ServerBlock& s);

// A "to" that is a file: CoreDNS reads its nameserver lines (a resolv.conf).
bool is_resolv_file(std::string_view to);
// The address of a "to" that names one: "tls://10.0.0.2:853" -> "10.0.0.2"; "" for a file.
std::string upstream_host(std::string_view to);

}  // namespace nd::dns
