// Built with the node area (addresses and prefixes come from node/cidr).
#ifdef ND_HAVE_NODE
#include "checks/netpol.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace nd::netpol {
namespace {

using json = nlohmann::json;

constexpr const char* kNameLabel = "kubernetes.io/metadata.name";

// A parse error that carries the field path; turned into Error with the policy's name in parse().
struct FieldError {
  std::string path, what;
};

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::string str_of(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

Selector parse_selector(const json& j, const std::string& path) {
  Selector s;
  if (!j.is_object()) throw FieldError{path, "not an object"};
  if (const json* ml = member(j, "matchLabels")) {
    if (!ml->is_object()) throw FieldError{path + ".matchLabels", "not an object"};
    for (const auto& [k, v] : ml->items()) s.match_labels.emplace_back(k, str_of(v));
  }
  if (const json* me = member(j, "matchExpressions")) {
    if (!me->is_array()) throw FieldError{path + ".matchExpressions", "not a list"};
    for (size_t i = 0; i < me->size(); ++i) {
      const json& e = (*me)[i];
      std::string p = fmt::format("{}.matchExpressions[{}]", path, i);
      Requirement r;
      const json* key = member(e, "key");
      const json* op = member(e, "operator");
      if (!key || !key->is_string()) throw FieldError{p + ".key", "missing"};
      if (!op || !op->is_string()) throw FieldError{p + ".operator", "missing"};
      r.key = key->get<std::string>();
      r.op = op->get<std::string>();
      if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist")
        throw FieldError{p + ".operator", "'" + r.op + "' is not In, NotIn, Exists or DoesNotExist"};
      if (const json* vals = member(e, "values")) {
        if (!vals->is_array()) throw FieldError{p + ".values", "not a list"};
        for (const auto& v : *vals) r.values.push_back(str_of(v));
      }
      if ((r.op == "In" || r.op == "NotIn") && r.values.empty())
        throw FieldError{p + ".values", r.op + " needs at least one value"};
      s.exprs.push_back(std::move(r));
    }
  }
  return s;
}

node::Prefix prefix(const json& j, const std::string& path) {
  if (!j.is_string()) throw FieldError{path, "not a string"};
  auto p = node::parse_prefix(j.get<std::string>(), path);
  if (!p) throw FieldError{path, p.error().message};
  return p->network();
}

Peer parse_peer(const json& j, const std::string& path) {
  Peer p;
  if (!j.is_object()) throw FieldError{path, "not an object"};
  if (const json* s = member(j, "podSelector")) p.pods = parse_selector(*s, path + ".podSelector");
  if (const json* s = member(j, "namespaceSelector")) p.namespaces = parse_selector(*s, path + ".namespaceSelector");
  if (const json* b = member(j, "ipBlock")) {
    if (p.pods || p.namespaces) throw FieldError{path, "ipBlock cannot be combined with a selector"};
    const json* cidr = member(*b, "cidr");
    if (!cidr) throw FieldError{path + ".ipBlock.cidr", "missing"};
    IpBlock ib;
    ib.cidr = prefix(*cidr, path + ".ipBlock.cidr");
    ib.text = ib.cidr.to_string();
    if (const json* ex = member(*b, "except")) {
      if (!ex->is_array()) throw FieldError{path + ".ipBlock.except", "not a list"};
      for (size_t i = 0; i < ex->size(); ++i)
        ib.except.push_back(prefix((*ex)[i], fmt::format("{}.ipBlock.except[{}]", path, i)));
      if (!ib.except.empty()) {
        ib.text += " except";
        for (const auto& e : ib.except) ib.text += " " + e.to_string();
      }
    }
    p.ip_block = std::move(ib);
  }
  if (!p.pods && !p.namespaces && !p.ip_block) throw FieldError{path, "a peer needs podSelector, namespaceSelector or ipBlock"};
  return p;
}

Port parse_port(const json& j, const std::string& path) {
  Port p;
  if (!j.is_object()) throw FieldError{path, "not an object"};
  if (const json* pr = member(j, "protocol")) p.protocol = str_of(*pr);
  if (const json* n = member(j, "port")) {
    if (n->is_number_integer())
      p.number = n->get<int>();
    else if (n->is_string()) {
      std::string s = n->get<std::string>();
      if (!s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
        p.number = std::stoi(s);
      else
        p.name = s;
    } else
      throw FieldError{path + ".port", "neither a number nor a name"};
  }
  if (const json* e = member(j, "endPort")) {
    if (!e->is_number_integer()) throw FieldError{path + ".endPort", "not a number"};
    if (!p.number) throw FieldError{path + ".endPort", "endPort needs a numeric port"};
    p.end = e->get<int>();
    if (*p.end < *p.number) throw FieldError{path + ".endPort", "smaller than port"};
  }
  return p;
}

std::vector<Rule> parse_rules(const json& j, const char* peers_key, const std::string& path) {
  std::vector<Rule> out;
  if (!j.is_array()) throw FieldError{path, "not a list"};
  for (size_t i = 0; i < j.size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    Rule r;
    if (!j[i].is_object()) throw FieldError{p, "not an object"};
    if (const json* peers = member(j[i], peers_key)) {
      if (!peers->is_array()) throw FieldError{p + "." + peers_key, "not a list"};
      for (size_t k = 0; k < peers->size(); ++k)
        r.peers.push_back(parse_peer((*peers)[k], fmt::format("{}.{}[{}]", p, peers_key, k)));
    }
    if (const json* ports = member(j[i], "ports")) {
      if (!ports->is_array()) throw FieldError{p + ".ports", "not a list"};
      for (size_t k = 0; k < ports->size(); ++k)
        r.ports.push_back(parse_port((*ports)[k], fmt::format("{}.ports[{}]", p, k)));
    }
    out.push_back(std::move(r));
  }
  return out;
}

// ---- matching ----------------------------------------------------------------------------------

enum class Tri { No, Yes, Maybe };

bool req_matches(const Requirement& r, const StringMap& labels) {
  const std::string* v = find_value(labels, r.key);
  bool in = v && std::find(r.values.begin(), r.values.end(), *v) != r.values.end();
  if (r.op == "In") return in;
  if (r.op == "NotIn") return !in;  // also true when the key is absent (Kubernetes' semantics)
  if (r.op == "Exists") return v != nullptr;
  return v == nullptr;  // DoesNotExist
}

// A namespace selector against a namespace whose labels may be unknown: with no Namespace object in
// the snapshot only its name label is known, so a selector on other keys cannot be decided.
Tri ns_matches(const Selector& s, const Party& p) {
  if (p.ns_labels) {
    StringMap l = *p.ns_labels;
    if (!find_value(l, kNameLabel)) l.emplace_back(kNameLabel, p.ns);
    return matches(s, l) ? Tri::Yes : Tri::No;
  }
  StringMap known{{kNameLabel, p.ns}};
  bool only_name = true;
  for (const auto& [k, _] : s.match_labels) only_name &= k == kNameLabel;
  for (const auto& e : s.exprs) only_name &= e.key == kNameLabel;
  if (only_name) return matches(s, known) ? Tri::Yes : Tri::No;
  return Tri::Maybe;
}

bool in_block(const IpBlock& b, const node::Address& a) {
  if (!node::contains(b.cidr, a)) return false;
  for (const auto& e : b.except)
    if (node::contains(e, a)) return false;
  return true;
}

// Does a peer of a policy in namespace `policy_ns` describe `other`?
Tri peer_matches(const Peer& peer, const std::string& policy_ns, const Party& other) {
  if (peer.ip_block) return other.ip && in_block(*peer.ip_block, *other.ip) ? Tri::Yes : Tri::No;
  if (!other.is_pod || other.host_network) return Tri::No;  // selectors describe pods only
  Tri ns = Tri::Yes;
  if (peer.namespaces)
    ns = ns_matches(*peer.namespaces, other);
  else if (other.ns != policy_ns)
    ns = Tri::No;
  if (ns == Tri::No) return Tri::No;
  if (peer.pods && !matches(*peer.pods, other.labels)) return Tri::No;
  return ns;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Does a policy port describe `port`/`protocol` on the destination `dst` (named ports are looked up
// among dst's container ports)?
bool port_matches(const Port& p, int port, const std::string& protocol, const Party& dst) {
  if (upper(p.protocol) != upper(protocol)) return false;
  if (!p.number && p.name.empty()) return true;  // every port of the protocol
  if (port == 0) return false;
  if (p.number) return p.end ? port >= *p.number && port <= *p.end : port == *p.number;
  for (const auto& cp : dst.ports)
    if (cp.name == p.name && cp.port == port && upper(cp.protocol) == upper(protocol)) return true;
  return false;
}

Tri rule_matches(const Rule& r, const std::string& policy_ns, const Party& other, const Party& dst, int port,
                 const std::string& protocol) {
  Tri ports = Tri::Yes;
  if (!r.ports.empty()) {
    bool any = false, some_port = false;
    for (const auto& p : r.ports) {
      any |= port_matches(p, port, protocol, dst);
      some_port |= upper(p.protocol) == upper(protocol);
    }
    // No port given (port 0): a rule limited to some ports allows only part of the traffic.
    if (!any && port == 0 && some_port) ports = Tri::Maybe;
    else if (!any) return Tri::No;
  }
  if (r.peers.empty()) return ports;
  Tri best = Tri::No;
  for (const auto& peer : r.peers) {
    Tri t = peer_matches(peer, policy_ns, other);
    if (t == Tri::Yes) return ports;
    if (t == Tri::Maybe) best = Tri::Maybe;
  }
  return best;
}

std::string names(const std::vector<const Policy*>& ps) {
  std::string s;
  for (const Policy* p : ps) s += (s.empty() ? "" : ", ") + p->ns + "/" + p->name;
  return s;
}

Decision decide(const std::vector<Policy>& policies, const Party& self, const Party& other, const Party& dst,
                int port, const std::string& protocol, bool is_ingress) {
  Decision d;
  const char* dir = is_ingress ? "ingress" : "egress";
  if (!self.is_pod || self.host_network) {
    d.why = self.host_network ? "host-network pods are not subject to NetworkPolicy" : "not a pod";
    return d;
  }
  for (const Policy& p : policies)
    if (p.ns == self.ns && (is_ingress ? p.ingress : p.egress) && matches(p.pod_selector, self.labels))
      d.selecting.push_back(&p);
  if (d.selecting.empty()) {
    d.why = fmt::format("no NetworkPolicy selects {}/{} for {}: not isolated, all {} allowed", self.ns, self.name, dir,
                        dir);
    return d;
  }
  d.isolated = true;
  // A pod always reaches itself, and the node it runs on always reaches it.
  if (other.is_pod && other.ns == self.ns && other.name == self.name) {
    d.why = "a pod's traffic to itself is never blocked";
    return d;
  }
  if (is_ingress && !other.node_name.empty() && other.node_name == self.node && !other.is_pod) {
    d.why = fmt::format("traffic from the pod's own node {} is always allowed", self.node);
    return d;
  }
  bool maybe = false;
  for (const Policy* p : d.selecting) {
    const auto& rules = is_ingress ? p->ingress_rules : p->egress_rules;
    for (size_t i = 0; i < rules.size(); ++i) {
      Tri t = rule_matches(rules[i], p->ns, other, dst, port, protocol);
      if (t == Tri::Yes) {
        d.allowed_by = p;
        d.rule = static_cast<int>(i);
        d.why = fmt::format("NetworkPolicy {}/{} {}[{}] allows it", p->ns, p->name, dir, i);
        return d;
      }
      maybe |= t == Tri::Maybe;
    }
  }
  if (maybe) {
    d.outcome = Outcome::Unknown;
    d.why = fmt::format(
        "selected for {} by {}; whether a rule allows it cannot be decided: it depends on the labels of namespace "
        "{} (the snapshot has no Namespace object for it) or on the port (none was given)",
        dir, names(d.selecting), other.ns.empty() ? "(none)" : other.ns);
    return d;
  }
  d.outcome = Outcome::Denied;
  d.why = fmt::format("selected for {} by {}; no rule of them allows {} port {}/{}", dir, names(d.selecting),
                      is_ingress ? "this source on" : "this destination on", port, upper(protocol));
  return d;
}

}  // namespace

bool matches(const Selector& s, const StringMap& labels) {
  for (const auto& [k, v] : s.match_labels) {
    const std::string* have = find_value(labels, k);
    if (!have || *have != v) return false;
  }
  for (const auto& e : s.exprs)
    if (!req_matches(e, labels)) return false;
  return true;
}

Result<Policy> parse(const NetworkPolicy& np) {
  Policy p;
  p.ns = np.meta.ns;
  p.name = np.meta.name;
  p.src = np.meta.src;
  auto fail = [&](const std::string& path, const std::string& what) {
    return Error{fmt::format("{}: NetworkPolicy {}/{}: {}: {}", np.meta.src.str(), p.ns, p.name, path, what)};
  };
  json spec;
  try {
    spec = json::parse(np.spec_json.empty() ? "{}" : np.spec_json);
  } catch (const std::exception& e) {
    return fail("spec", std::string("not JSON: ") + e.what());
  }
  if (!spec.is_object()) return fail("spec", "not an object");
  try {
    if (const json* s = member(spec, "podSelector")) p.pod_selector = parse_selector(*s, "spec.podSelector");
    const json* in = member(spec, "ingress");
    const json* eg = member(spec, "egress");
    if (const json* types = member(spec, "policyTypes")) {
      if (!types->is_array()) throw FieldError{"spec.policyTypes", "not a list"};
      for (const auto& t : *types) {
        std::string s = str_of(t);
        if (s == "Ingress")
          p.ingress = true;
        else if (s == "Egress")
          p.egress = true;
        else
          throw FieldError{"spec.policyTypes", "'" + s + "' is not Ingress or Egress"};
      }
    } else {
      p.ingress = true;         // every policy affects ingress by default
      p.egress = eg != nullptr;  // and egress when it has an egress section
    }
    if (in) p.ingress_rules = parse_rules(*in, "from", "spec.ingress");
    if (eg) p.egress_rules = parse_rules(*eg, "to", "spec.egress");
  } catch (const FieldError& e) {
    return fail(e.path, e.what);
  }
  return p;
}

Decision ingress(const std::vector<Policy>& policies, const Party& dst, const Party& src, int port,
                 const std::string& protocol) {
  return decide(policies, dst, src, dst, port, protocol, true);
}

Decision egress(const std::vector<Policy>& policies, const Party& src, const Party& dst, int port,
                const std::string& protocol) {
  return decide(policies, src, dst, dst, port, protocol, false);
}

}  // namespace nd::netpol
#endif  // ND_HAVE_NODE
