#include "engine/probe_evidence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>


namespace nd {
namespace {

constexpr std::string_view kProbeKinds[] = {"tcp", "dns", "icmp", "http", "self"};

uint32_t line_at(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// Lines of the objects at `depth` whose parent is an array, in order (strings skipped).
std::vector<uint32_t> object_lines(std::string_view text, int depth) {
  std::vector<uint32_t> out;
  std::vector<char> stack;
  uint32_t line = 1;
  bool in_str = false, esc = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') {
      if (c == '{' && static_cast<int>(stack.size()) == depth && (depth == 0 || stack.back() == '[')) out.push_back(line);
      stack.push_back(c);
    } else if ((c == '}' || c == ']') && !stack.empty()) {
      stack.pop_back();
    }
  }
  return out;
}

Result<ProbeRecord> record_of(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return Error{fmt::format("{}: expected a probe result object", where)};
  ProbeRecord r;
  r.where = where;
  auto str = [&](const char* key, std::string& into, bool required) -> std::string {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return required ? fmt::format("{}: {}: missing", where, key) : "";
    if (!it->is_string()) return fmt::format("{}: {}: expected a string", where, key);
    into = it->get<std::string>();
    return "";
  };
  for (auto [key, into, required] : {std::tuple<const char*, std::string*, bool>{"probe", &r.probe, true},
                                     {"target", &r.target, true},
                                     {"result", &r.result, true},
                                     {"from", &r.from, false},
                                     {"source", &r.source, false},
                                     {"detail", &r.detail, false}})
    if (std::string e = str(key, *into, required); !e.empty()) return Error{e};
  if (std::find(std::begin(kProbeKinds), std::end(kProbeKinds), r.probe) == std::end(kProbeKinds))
    return Error{fmt::format("{}: probe: '{}' is not tcp, dns, icmp, http or self", where, r.probe)};
  if (auto it = j.find("time_ms"); it != j.end()) {
    if (!it->is_number()) return Error{fmt::format("{}: time_ms: expected a number", where)};
    r.time_ms = it->get<int64_t>();
  }
  return r;
}

Result<std::vector<ProbeRecord>> from_document(const nlohmann::json& doc, std::string_view text, std::string_view label) {
  std::vector<ProbeRecord> out;
  const nlohmann::json* list = nullptr;
  int depth = 1;
  if (doc.is_array()) {
    list = &doc;
  } else if (doc.is_object() && doc.contains("results") && !doc.contains("probe")) {
    if (!doc["results"].is_array())
      return Error{fmt::format("{}:1: results: expected an array of probe results", label)};
    list = &doc["results"];
    depth = 2;
  }
  if (!list) {
    auto r = record_of(doc, fmt::format("{}:{}", label, line_at(text, text.find('{'))));
    if (!r) return r.error();
    out.push_back(std::move(*r));
    return out;
  }
  std::vector<uint32_t> lines = object_lines(text, depth);
  for (size_t i = 0; i < list->size(); ++i) {
    uint32_t line = i < lines.size() && lines.size() == list->size() ? lines[i] : 1;
    auto r = record_of((*list)[i], fmt::format("{}:{}", label, line));
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

bool failed_result(const ProbeRecord& r) {
  if (r.probe == "tcp") return r.result != "connected";
  if (r.probe == "dns") return r.result != "answered";
  if (r.probe == "icmp") return r.result != "reply";
  if (r.probe == "http") {
    bool numeric = !r.result.empty() && std::all_of(r.result.begin(), r.result.end(), [](char c) { return c >= '0' && c <= '9'; });
    return !numeric || std::stoi(r.result) >= 400;
  }
  if (r.probe == "self") return r.result == "mismatch";
  return false;
}

// The host and port a tcp/http/icmp probe went to (port 0 when none).
std::pair<std::string, int> host_port(const ProbeRecord& r) {
  std::string t = r.target;
  int port = 0;
  if (r.probe == "http") {
    if (t.rfind("http://", 0) == 0) t = t.substr(7);
    t = t.substr(0, t.find('/'));
    port = 80;
  }
  if (!t.empty() && t.front() == '[') {
    size_t close = t.find(']');
    std::string host = t.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 2 < t.size() + 1 && close + 1 < t.size() && t[close + 1] == ':')
      port = std::atoi(t.c_str() + close + 2);
    return {host, port};
  }
  size_t colon = t.rfind(':');
  if (r.probe != "icmp" && colon != std::string::npos && t.find(':') == colon) {
    port = std::atoi(t.c_str() + colon + 1);
    t = t.substr(0, colon);
  }
  return {t, port};
}

bool is_dns_finding(const std::string& id) {
  return id.rfind("coredns-", 0) == 0 || id.rfind("dns-", 0) == 0 || id == "node-resolv-conf-loopback" ||
         id == "pod-dns-config-mismatch" || id == "capture-dns-unanswered";
}

// IPv4 only, and kept here so the engine needs no area library: "10.244.2.0/24" and "10.244.2.7".
bool parse_v4(const std::string& text, uint32_t* out) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return false;
  *out = a << 24 | b << 16 | c << 8 | d;
  return true;
}

struct Range {
  uint32_t net = 0;
  unsigned len = 32;
  bool contains(uint32_t a) const { return len == 0 || (a >> (32 - len)) == (net >> (32 - len)); }
};

// What a finding is about, as addresses: exact hosts (with ports, 0 = any) and ranges.
struct Scope {
  std::vector<std::pair<std::string, int>> hosts;
  std::vector<Range> ranges;
  std::vector<std::string> names;  // DNS names of a Service
};

void add_range(Scope& s, const std::string& text) {
  size_t slash = text.find('/');
  uint32_t net;
  if (slash == std::string::npos || !parse_v4(text.substr(0, slash), &net)) return;
  unsigned len = static_cast<unsigned>(std::atoi(text.c_str() + slash + 1));
  if (len >= 8 && len <= 32) s.ranges.push_back({net, len});  // a default route's 0.0.0.0/0 says nothing
}

Scope scope_of(const Finding& f, const Cluster& c) {
  Scope s;
  const Subject& sub = f.subject;
  if (sub.kind == "Service") {
    for (const auto& svc : c.services)
      if (svc.meta.ns == sub.ns && svc.meta.name == sub.name) {
        std::vector<std::string> ips = svc.cluster_ips;
        if (ips.empty() && !svc.cluster_ip.empty()) ips.push_back(svc.cluster_ip);
        for (const auto& ip : ips) {
          if (ip == "None") continue;
          if (svc.ports.empty()) s.hosts.push_back({ip, 0});
          for (const auto& p : svc.ports) s.hosts.push_back({ip, p.port});
        }
        s.names = {svc.meta.name + "." + svc.meta.ns, svc.meta.name + "." + svc.meta.ns + ".svc"};
      }
  } else if (sub.kind == "Pod") {
    if (const Pod* p = c.pod(sub.ns, sub.name)) {
      if (!p->pod_ip.empty()) s.hosts.push_back({p->pod_ip, 0});
      for (const auto& ip : p->pod_ips)
        if (ip != p->pod_ip) s.hosts.push_back({ip, 0});
    }
  } else if (sub.kind == "Node" && f.id != "node-missing-pod-route") {
    // Traffic to the pods of a node crosses what the node finding is about (forwarding, bridge rules).
    if (const Node* n = c.node(sub.name)) {
      if (!n->pod_cidr.empty()) add_range(s, n->pod_cidr);
      for (const auto& pc : n->pod_cidrs) add_range(s, pc);
    }
  }
  // Addresses and ranges the finding itself names (a peer's pod range, a database address, ...).
  static const std::regex kIp(R"((^|[^0-9.])((\d{1,3}\.){3}\d{1,3})(/\d{1,2})?(:(\d{1,5}))?)");
  std::string text = f.summary;
  for (const auto& e : f.evidence) text += "\n" + e.text;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kIp); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m[4].matched)
      add_range(s, m[2].str() + m[4].str());
    else
      s.hosts.push_back({m[2].str(), m[6].matched ? std::atoi(m[6].str().c_str()) : 0});
  }
  return s;
}

bool covers(const Scope& s, const ProbeRecord& r) {
  auto [host, port] = host_port(r);
  if (host.empty()) return false;
  for (const auto& [h, p] : s.hosts)
    if (h == host && (p == 0 || port == 0 || p == port)) return true;
  uint32_t addr;
  if (parse_v4(host, &addr))
    for (const auto& range : s.ranges)
      if (range.contains(addr)) return true;
  for (const auto& n : s.names)
    if (host == n || host.rfind(n + ".", 0) == 0) return true;
  return false;
}

bool dns_probe_concerns(const Finding& f, const ProbeRecord& r) {
  if (r.probe == "self") return f.id == "pod-dns-config-mismatch" && !f.subject.name.empty() &&
                                r.from.find(f.subject.name) != std::string::npos;
  if (r.probe != "dns") return false;
  if (f.id == "dns-short-name-cross-namespace") {
    std::string name = r.target;
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return false;
    std::string text = f.summary;
    for (const auto& e : f.evidence) text += " " + e.text;
    return text.find(name) != std::string::npos;
  }
  if (f.id == "pod-dns-config-mismatch")
    return !f.subject.name.empty() && r.from.find(f.subject.name) != std::string::npos;
  return true;  // the cluster DNS findings concern every lookup
}

}  // namespace

bool ProbeRecord::failed() const { return failed_result(*this); }

Result<std::vector<ProbeRecord>> parse_probe_results(std::string_view text, std::string_view label) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Error{fmt::format("{}: no probe results in the file", label)};
  try {
    nlohmann::json doc = nlohmann::json::parse(text);
    return from_document(doc, text, label);
  } catch (const nlohmann::json::parse_error& whole) {
    // JSON lines: one result per line. Decided by the first line being a complete object.
    std::vector<ProbeRecord> out;
    size_t pos = 0;
    uint32_t line = 0;
    bool lines_mode = false;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++line;
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
      if (j.is_discarded()) {
        if (!lines_mode) {
          size_t at = whole.byte > 0 ? whole.byte - 1 : 0;
          return Error{fmt::format("{}:{}: invalid JSON: {}", label, line_at(text, at),
                                   std::string(whole.what()).substr(std::string(whole.what()).find(':') + 2))};
        }
        return Error{fmt::format("{}:{}: invalid JSON on this line (JSON lines: one result per line)", label, line)};
      }
      lines_mode = true;
      auto r = record_of(j, fmt::format("{}:{}", label, line));
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    return out;
  }
}

Result<std::vector<ProbeRecord>> load_probe_results(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{fmt::format("{}: cannot read the probe results", path)};
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_probe_results(ss.str(), path);
}

size_t attach_probe_evidence(std::vector<Finding>& findings, const Cluster& cluster,
                             const std::vector<ProbeRecord>& probes) {
  size_t added = 0;
  for (Finding& f : findings) {
    const bool dns = is_dns_finding(f.id);
    Scope scope;
    if (!dns) scope = scope_of(f, cluster);
    for (const ProbeRecord& r : probes) {
      bool concerns = dns ? dns_probe_concerns(f, r)
                          : (r.probe == "tcp" || r.probe == "icmp" || r.probe == "http") && covers(scope, r);
      if (!concerns) continue;
      std::string verdict = r.failed() ? "confirmed live" : "not reproduced";
      std::string text = fmt::format("{}: probe {} {}{}: {}", verdict, r.probe, r.target,
                                     r.from.empty() ? "" : " from " + r.from, r.result);
      if (!r.detail.empty()) text += " (" + r.detail + ")";
      f.evidence.push_back({r.where, text});
      ++added;
    }
  }
  return added;
}

}  // namespace nd
