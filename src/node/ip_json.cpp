#include "node/ip_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace nd::node {
namespace {

using json = nlohmann::json;

// Thrown inside this file only, to unwind from a nested field, and turned into an Error at the
// public entry points.
struct FieldError {
  std::string message;
};

const char* type_name(const json& v) { return v.type_name(); }

// Optional typed fields: absent or null gives the default; present with another type throws.
std::string str(const json& o, const char* key, const std::string& path, std::string def = "") {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return def;
  if (!it->is_string()) throw FieldError{path + key + ": expected a string, got " + type_name(*it)};
  return it->get<std::string>();
}

std::optional<int64_t> num(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw FieldError{path + key + ": expected an integer, got " + type_name(*it)};
  return it->get<int64_t>();
}

std::vector<std::string> str_list(const json& o, const char* key, const std::string& path) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return out;
  if (!it->is_array()) throw FieldError{path + key + ": expected an array, got " + type_name(*it)};
  for (const auto& v : *it) {
    if (!v.is_string()) throw FieldError{path + key + ": expected strings, got " + type_name(v)};
    out.push_back(v.get<std::string>());
  }
  return out;
}

const json* obj(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw FieldError{path + key + ": expected an object, got " + type_name(*it)};
  return &*it;
}

// The whole text must be a JSON array of objects (what every `ip -j ... show` prints).
Result<json> parse_array(std::string_view text, std::string_view label) {
  std::string_view t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ' || t.back() == '\r')) t.remove_suffix(1);
  if (t.empty()) return Error{std::string(label) + ": empty, expected a JSON array"};
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; report line:column, which editors understand.
    size_t byte = e.byte == 0 ? 0 : std::min<size_t>(e.byte - 1, text.size());
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < byte; ++i) {
      if (text[i] == '\n')
        ++line, col = 1;
      else
        ++col;
    }
    std::string what = e.what();
    // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line 1, column 5: ".
    size_t colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    return Error{std::string(label) + ":" + std::to_string(line) + ":" + std::to_string(col) +
                 ": invalid JSON: " + what};
  }
  if (!doc.is_array()) return Error{std::string(label) + ": expected a JSON array, got " + type_name(doc)};
  for (size_t i = 0; i < doc.size(); ++i)
    if (!doc[i].is_object())
      return Error{std::string(label) + ": [" + std::to_string(i) + "]: expected an object, got " + type_name(doc[i])};
  return doc;
}

Prefix must_prefix(const std::string& text, const std::string& path, std::string_view label) {
  auto p = parse_prefix(text, std::string(label) + ": " + path);
  if (!p) throw FieldError{p.error().message};
  return *p;
}

// The boolean markers `ip -j addr` prints per address ("dynamic": true, "tentative": true, ...).
constexpr std::string_view kAddrFlags[] = {"secondary",     "temporary", "deprecated",    "tentative", "dadfailed",
                                           "dynamic",       "nodad",     "optimistic",    "home",      "mngtmpaddr",
                                           "noprefixroute", "autojoin",  "stable-privacy"};

IpAddr parse_addr_info(const json& a, const std::string& path, std::string_view label) {
  IpAddr out;
  out.family = str(a, "family", path);
  out.local = str(a, "local", path);
  out.prefixlen = static_cast<int>(num(a, "prefixlen", path).value_or(0));
  out.scope = str(a, "scope", path);
  out.label = str(a, "label", path);
  out.broadcast = str(a, "broadcast", path);
  out.peer = str(a, "address", path);
  for (auto f : kAddrFlags) {
    auto it = a.find(std::string(f));
    if (it != a.end() && it->is_boolean() && it->get<bool>()) out.flags.emplace_back(f);
  }
  if (out.local.empty()) throw FieldError{path + "local: missing"};
  out.prefix = must_prefix(out.local + "/" + std::to_string(out.prefixlen), path + "local", label);
  return out;
}

std::vector<Link> parse_links(const json& doc, std::string_view label) {
  std::vector<Link> links;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& o = doc[i];
    std::string p = "[" + std::to_string(i) + "].";
    Link l;
    l.ifindex = static_cast<int>(num(o, "ifindex", p).value_or(0));
    l.ifname = str(o, "ifname", p);
    if (l.ifname.empty()) throw FieldError{p + "ifname: missing"};
    l.flags = str_list(o, "flags", p);
    l.mtu = static_cast<int>(num(o, "mtu", p).value_or(0));
    l.operstate = str(o, "operstate", p);
    l.link_type = str(o, "link_type", p);
    l.address = str(o, "address", p);
    l.master = str(o, "master", p);
    l.qdisc = str(o, "qdisc", p);
    if (auto v = num(o, "link_index", p)) l.link_index = static_cast<int>(*v);
    if (auto v = num(o, "link_netnsid", p)) l.link_netnsid = static_cast<int>(*v);
    l.link = str(o, "link", p);
    if (const json* li = obj(o, "linkinfo", p)) {
      std::string lp = p + "linkinfo.";
      l.kind = str(*li, "info_kind", lp);
      l.slave_kind = str(*li, "info_slave_kind", lp);
      const json* d = obj(*li, "info_data", lp);
      if (l.kind == "vxlan" && d) {
        std::string dp = lp + "info_data.";
        VxlanInfo v;
        v.id = static_cast<uint32_t>(num(*d, "id", dp).value_or(0));
        v.local = str(*d, "local", dp);
        if (v.local.empty()) v.local = str(*d, "local6", dp);
        for (const char* k : {"group", "remote", "group6", "remote6"})
          if (v.group.empty()) v.group = str(*d, k, dp);
        v.dev = str(*d, "link", dp);
        v.port = static_cast<int>(num(*d, "port", dp).value_or(0));
        auto lr = d->find("learning");
        if (lr != d->end() && lr->is_boolean()) v.learning = lr->get<bool>();
        l.vxlan = v;
      }
    }
    auto ai = o.find("addr_info");
    if (ai != o.end() && !ai->is_null()) {
      if (!ai->is_array()) throw FieldError{p + "addr_info: expected an array"};
      for (size_t j = 0; j < ai->size(); ++j) {
        const json& a = (*ai)[j];
        std::string ap = p + "addr_info[" + std::to_string(j) + "].";
        if (!a.is_object()) throw FieldError{ap + ": expected an object"};
        // Lifetime-only entries (no "local") appear for some kernels; they carry no address.
        if (!a.contains("local")) continue;
        l.addrs.push_back(parse_addr_info(a, ap, label));
      }
    }
    links.push_back(std::move(l));
  }
  return links;
}

// ip prints "default" without a family; routes of IPv6 always carry "pref", and a gateway or source
// address tells the family directly.
Family guess_default_family(const Route& r) {
  for (const std::string* s : {&r.gateway, &r.prefsrc})
    if (!s->empty()) return s->find(':') != std::string::npos ? Family::V6 : Family::V4;
  for (const auto& nh : r.nexthops)
    if (!nh.gateway.empty()) return nh.gateway.find(':') != std::string::npos ? Family::V6 : Family::V4;
  return Family::V4;
}

std::string gateway_of(const json& o, const std::string& p) {
  std::string g = str(o, "gateway", p);
  if (g.empty())
    if (const json* via = obj(o, "via", p)) g = str(*via, "host", p + "via.");  // RFC 5549 next hops
  return g;
}

template <typename T, typename F>
Result<std::vector<T>> parse_with(std::string_view text, std::string_view label, F fn) {
  auto doc = parse_array(text, label);
  if (!doc) return doc.error();
  try {
    return fn(*doc);
  } catch (const FieldError& e) {
    std::string m = e.message;
    if (!m.starts_with(std::string(label))) m = std::string(label) + ": " + m;
    return Error{m};
  }
}

// One T per element of the top-level array: fn(element, path, index) reads element `index`, whose field
// paths in error messages start with `path` ("[3].").
template <typename T, typename F>
Result<std::vector<T>> parse_each(std::string_view text, std::string_view label, F fn) {
  return parse_with<T>(text, label, [&](const json& doc) {
    std::vector<T> out;
    out.reserve(doc.size());
    for (size_t i = 0; i < doc.size(); ++i) out.push_back(fn(doc[i], "[" + std::to_string(i) + "].", i));
    return out;
  });
}

}  // namespace

bool Link::has_flag(std::string_view f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
bool Route::has_flag(std::string_view f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
bool Neighbor::has_state(std::string_view s) const { return std::find(state.begin(), state.end(), s) != state.end(); }

std::string Route::to_line() const {
  std::string s;
  if (type != "unicast") s += type + " ";
  s += dst;
  if (!gateway.empty()) s += " via " + gateway;
  if (!dev.empty()) s += " dev " + dev;
  if (table != "main") s += " table " + table;
  if (protocol != "boot") s += " proto " + protocol;
  if (scope != "global") s += " scope " + scope;
  if (!prefsrc.empty()) s += " src " + prefsrc;
  if (metric) s += " metric " + std::to_string(*metric);
  for (const auto& f : flags) s += " " + f;
  for (const auto& nh : nexthops) {
    s += " nexthop";
    if (!nh.gateway.empty()) s += " via " + nh.gateway;
    if (!nh.dev.empty()) s += " dev " + nh.dev;
    s += " weight " + std::to_string(nh.weight);
    for (const auto& f : nh.flags) s += " " + f;
  }
  return s;
}

Result<std::vector<Link>> parse_ip_addr(std::string_view text, std::string_view label) {
  return parse_with<Link>(text, label, [&](const json& d) { return parse_links(d, label); });
}

Result<std::vector<Link>> parse_ip_link(std::string_view text, std::string_view label) {
  return parse_with<Link>(text, label, [&](const json& d) { return parse_links(d, label); });
}

Result<std::vector<Route>> parse_ip_route(std::string_view text, std::string_view label) {
  return parse_each<Route>(text, label, [&](const json& o, const std::string& p, size_t i) {
    Route r;
    r.index = i;
    r.type = str(o, "type", p, "unicast");
    r.dst = str(o, "dst", p);
    if (r.dst.empty()) throw FieldError{p + "dst: missing"};
    r.gateway = gateway_of(o, p);
    r.dev = str(o, "dev", p);
    r.prefsrc = str(o, "prefsrc", p);
    r.protocol = str(o, "protocol", p, "boot");
    r.scope = str(o, "scope", p, "global");
    r.table = str(o, "table", p, "main");
    r.flags = str_list(o, "flags", p);
    if (auto m = num(o, "metric", p)) r.metric = static_cast<int>(*m);
    auto nh = o.find("nexthops");
    if (nh != o.end() && !nh->is_null()) {
      if (!nh->is_array()) throw FieldError{p + "nexthops: expected an array"};
      for (size_t j = 0; j < nh->size(); ++j) {
        std::string np = p + "nexthops[" + std::to_string(j) + "].";
        const json& h = (*nh)[j];
        if (!h.is_object()) throw FieldError{np + ": expected an object"};
        Nexthop n;
        n.gateway = gateway_of(h, np);
        n.dev = str(h, "dev", np);
        n.weight = static_cast<int>(num(h, "weight", np).value_or(1));
        n.flags = str_list(h, "flags", np);
        r.nexthops.push_back(std::move(n));
      }
    }
    if (r.is_default()) {
      bool v6 = o.contains("pref") || guess_default_family(r) == Family::V6;
      r.prefix = *parse_prefix(v6 ? "::/0" : "0.0.0.0/0");
    } else {
      r.prefix = must_prefix(r.dst, p + "dst", label);
    }
    return r;
  });
}

Result<std::vector<Neighbor>> parse_ip_neigh(std::string_view text, std::string_view label) {
  return parse_each<Neighbor>(text, label, [&](const json& o, const std::string& p, size_t i) {
    Neighbor n;
    n.index = i;
    n.dst = str(o, "dst", p);
    if (n.dst.empty()) throw FieldError{p + "dst: missing"};
    n.dev = str(o, "dev", p);
    n.lladdr = str(o, "lladdr", p);
    n.state = str_list(o, "state", p);
    auto rt = o.find("router");
    n.router = rt != o.end() && (rt->is_null() || (rt->is_boolean() && rt->get<bool>()));
    return n;
  });
}

Result<std::vector<FdbEntry>> parse_bridge_fdb(std::string_view text, std::string_view label) {
  return parse_each<FdbEntry>(text, label, [&](const json& o, const std::string& p, size_t i) {
    FdbEntry e;
    e.index = i;
    e.mac = str(o, "mac", p);
    if (e.mac.empty()) throw FieldError{p + "mac: missing"};
    e.ifname = str(o, "ifname", p);
    e.dst = str(o, "dst", p);
    e.master = str(o, "master", p);
    e.state = str(o, "state", p);
    e.flags = str_list(o, "flags", p);
    if (auto v = num(o, "vlan", p)) e.vlan = static_cast<int>(*v);
    if (auto v = num(o, "vni", p)) e.vni = static_cast<int>(*v);
    if (auto v = num(o, "port", p)) e.port = static_cast<int>(*v);
    return e;
  });
}

const Link* find_link(const std::vector<Link>& links, std::string_view ifname) {
  for (const auto& l : links)
    if (l.ifname == ifname) return &l;
  return nullptr;
}

}  // namespace nd::node
