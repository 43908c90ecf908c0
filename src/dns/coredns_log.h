// What a CoreDNS log line says, by the wording CoreDNS versions have printed. The loop plugin's three
// forms are told apart from everything that only looks similar: an upstream timeout of the loop
// plugin's own HINFO probe ("… HINFO: read udp …: i/o timeout") is an unreachable upstream, not a loop,
// and "plugin/loop: no next plugin found" is a Corefile without forward.
#pragma once

#include <string>
#include <string_view>

namespace nd::dns {

enum class LogKind {
  None,
  Loop,               // the loop plugin saw its probe come back: CoreDNS forwards to itself
  UpstreamTimeout,    // a forwarded query got no answer in time
  UpstreamRefused,    // the upstream refused the connection / port unreachable
  UpstreamUnhealthy,  // forward marked every upstream down ("no healthy proxies")
  ApiUnreachable,     // the kubernetes plugin cannot list or watch the API
  ApiForbidden,       // RBAC: the coredns ServiceAccount may not list a resource
  NotReady,           // the ready plugin still waits, or the API is not synced yet
  PluginError,        // any other [ERROR] or [FATAL] line
};
std::string_view to_string(LogKind k);

struct LogSignal {
  LogKind kind = LogKind::None;
  std::string form;      // which wording matched, e.g. "Loop (A -> B) detected for zone (CoreDNS 1.3 and later)"
  std::string zone;      // loop: the zone of the server block
  std::string from, to;  // loop: the addresses in "Loop (from -> to)"; upstream: our side, the upstream
  std::string upstream;  // upstream errors: the upstream host; API errors: the API address
  std::string query;     // the question: "example.com. A", or the loop probe "HINFO 123.456."
};

LogSignal classify_coredns_line(std::string_view line);

}  // namespace nd::dns
