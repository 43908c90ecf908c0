#include "dns/coredns_log.h"

#include <array>

namespace nd::dns {
namespace {

bool has(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

// The text between `open` and the following `close` after position `from`; npos-safe.
std::string between(std::string_view s, std::string_view open, std::string_view close, size_t from = 0) {
  size_t a = s.find(open, from);
  if (a == std::string_view::npos) return {};
  a += open.size();
  size_t b = s.find(close, a);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(a, b - a));
}

struct HostPort {
  std::string host;
  std::string port;
};

// "10.0.0.2:53", "[fd00::2]:53" up to the first blank or ':' that ends it.
HostPort host_port(std::string_view s) {
  HostPort hp;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return hp;
    hp.host = std::string(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
  } else {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) return hp;
    hp.host = std::string(s.substr(0, colon));
    s.remove_prefix(colon);
  }
  if (s.empty() || s.front() != ':') return hp;
  s.remove_prefix(1);
  size_t end = 0;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  hp.port = std::string(s.substr(0, end));
  return hp;
}

// The far end of a Go net error: "read udp A->B: …", "dial udp B: …", "dial tcp B: …".
HostPort peer_of(std::string_view line, std::string* ours) {
  for (std::string_view op : {"read udp ", "read tcp ", "write udp ", "write tcp "}) {
    size_t p = line.find(op);
    if (p == std::string_view::npos) continue;
    std::string_view rest = line.substr(p + op.size());
    size_t arrow = rest.find("->");
    if (arrow == std::string_view::npos) continue;
    if (ours) *ours = std::string(rest.substr(0, arrow));
    return host_port(rest.substr(arrow + 2));
  }
  for (std::string_view op : {"dial udp ", "dial tcp "}) {
    size_t p = line.find(op);
    if (p != std::string_view::npos) return host_port(line.substr(p + op.size()));
  }
  return {};
}

// "[ERROR] plugin/errors: 2 example.com. A: …" -> "example.com. A"
std::string errors_query(std::string_view line) {
  size_t p = line.find("plugin/errors: ");
  if (p == std::string_view::npos) return {};
  std::string_view rest = line.substr(p + 15);
  size_t sp = rest.find(' ');  // after the rcode
  if (sp == std::string_view::npos) return {};
  rest.remove_prefix(sp + 1);
  size_t colon = rest.find(": ");
  return colon == std::string_view::npos ? std::string() : std::string(rest.substr(0, colon));
}

// The loop plugin's wordings, newest first. Each is matched on its own distinctive phrase.
struct LoopForm {
  std::string_view phrase;
  std::string_view form;
};
constexpr std::array<LoopForm, 3> kLoopForms{{
    {") detected for zone \"", "Loop (A -> B) detected for zone (CoreDNS 1.3 and later)"},
    {"more than twice, loop detected", "Seen \"HINFO IN …\" more than twice, loop detected (CoreDNS 1.2)"},
    {"Forwarding loop detected in \"", "Forwarding loop detected in \"Z\" zone (CoreDNS 1.2.x)"},
}};

bool is_api_port(std::string_view port) { return port == "443" || port == "6443"; }

}  // namespace

std::string_view to_string(LogKind k) {
  switch (k) {
    case LogKind::None:
      return "none";
    case LogKind::Loop:
      return "forwarding loop";
    case LogKind::UpstreamTimeout:
      return "upstream timeout";
    case LogKind::UpstreamRefused:
      return "upstream refused";
    case LogKind::UpstreamUnhealthy:
      return "no healthy upstream";
    case LogKind::ApiUnreachable:
      return "API unreachable";
    case LogKind::ApiForbidden:
      return "API access denied";
    case LogKind::NotReady:
      return "not ready";
    case LogKind::PluginError:
      return "plugin error";
  }
  return "?";
}

LogSignal classify_coredns_line(std::string_view line) {
  LogSignal s;
  // 1. The loop plugin's verdicts. A timeout is never one of them, even for its HINFO probe.
  if (!has(line, "i/o timeout")) {
    for (const LoopForm& f : kLoopForms) {
      if (!has(line, f.phrase)) continue;
      if (f.phrase == kLoopForms[0].phrase) {
        size_t lp = line.find("Loop (");
        if (lp == std::string_view::npos) continue;
        std::string inner = between(line, "Loop (", ") detected", lp);
        size_t arrow = inner.find(" -> ");
        if (arrow == std::string::npos) continue;
        s.from = inner.substr(0, arrow);
        s.to = inner.substr(arrow + 4);
        s.zone = between(line, "detected for zone \"", "\"");
        s.query = between(line, "Query: \"", "\"");
      } else if (f.phrase == kLoopForms[1].phrase) {
        if (!has(line, "Seen ") || !has(line, "HINFO")) continue;
        std::string q = between(line, "Seen ", " more than twice");
        if (q.size() >= 2 && q.front() == '"' && q.back() == '"') q = q.substr(1, q.size() - 2);
        s.query = q;
      } else {
        s.zone = between(line, "Forwarding loop detected in \"", "\"");
        s.query = between(line, "Probe query: \"", "\"");
      }
      s.kind = LogKind::Loop;
      s.form = std::string(f.form);
      return s;
    }
  }

  const bool error_level = has(line, "[ERROR]") || has(line, "[FATAL]") || has(line, "[PANIC]");
  const bool k8s_plugin = has(line, "plugin/kubernetes");

  // 2. The API server, through the kubernetes plugin (client-go list/watch errors).
  if (k8s_plugin && (has(line, "forbidden") || has(line, "is forbidden"))) {
    s.kind = LogKind::ApiForbidden;
    s.form = "plugin/kubernetes: … is forbidden";
    return s;
  }
  if (k8s_plugin && (has(line, "Failed to watch") || has(line, "failed to list") || has(line, "Failed to list") ||
                     has(line, "API connection failure") || has(line, "dial tcp"))) {
    HostPort hp = peer_of(line, nullptr);
    s.kind = LogKind::ApiUnreachable;
    s.form = "plugin/kubernetes: failed to list/watch";
    s.upstream = hp.host.empty() ? "" : hp.host + ":" + hp.port;
    return s;
  }
  if (has(line, "plugin/ready: Still waiting on") || has(line, "starting server with unsynced Kubernetes API")) {
    s.kind = LogKind::NotReady;
    s.form = has(line, "plugin/ready") ? "plugin/ready: Still waiting on" : "unsynced Kubernetes API";
    return s;
  }

  // 3. Forwarded queries that failed.
  std::string ours;
  HostPort peer = peer_of(line, &ours);
  if (has(line, "i/o timeout") && !peer.host.empty()) {
    s.kind = is_api_port(peer.port) ? LogKind::ApiUnreachable : LogKind::UpstreamTimeout;
    s.form = s.kind == LogKind::ApiUnreachable ? "dial tcp …:443: i/o timeout" : "read udp …->upstream:53: i/o timeout";
    s.upstream = peer.host;
    s.from = ours;
    s.to = peer.host + ":" + peer.port;
    s.query = errors_query(line);
    return s;
  }
  if ((has(line, "connection refused") || has(line, "no route to host") || has(line, "network is unreachable")) &&
      !peer.host.empty() && !is_api_port(peer.port)) {
    s.kind = LogKind::UpstreamRefused;
    s.form = "…->upstream:53: connection refused / unreachable";
    s.upstream = peer.host;
    s.from = ours;
    s.to = peer.host + ":" + peer.port;
    s.query = errors_query(line);
    return s;
  }
  if (has(line, "no healthy proxies") || has(line, "unreachable backend")) {
    s.kind = LogKind::UpstreamUnhealthy;
    s.form = has(line, "no healthy proxies") ? "forward: no healthy proxies" : "proxy: unreachable backend";
    s.query = errors_query(line);
    return s;
  }

  // 4. Everything else that CoreDNS logs as an error.
  if (error_level) {
    s.kind = LogKind::PluginError;
    size_t p = line.find("plugin/");
    if (p != std::string_view::npos) {
      size_t e = line.find(':', p);
      s.form = std::string(line.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p));
    } else {
      s.form = "error";
    }
    s.query = errors_query(line);
  }
  return s;
}

}  // namespace nd::dns
