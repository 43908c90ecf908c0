#include "node/iptables.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace nd::node {
namespace {

// Splits a rule the way iptables-save quotes it: words separated by spaces, "..." around words
// with spaces, backslash escaping the next character inside quotes.
bool tokenize(std::string_view s, std::vector<std::string>* out, std::string* err) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) break;
    std::string tok;
    bool quoted = false;
    while (i < s.size()) {
      char c = s[i];
      if (quoted) {
        if (c == '\\' && i + 1 < s.size()) {
          tok += s[i + 1];
          i += 2;
          continue;
        }
        if (c == '"') {
          quoted = false;
          ++i;
          continue;
        }
        tok += c;
        ++i;
      } else {
        if (c == ' ' || c == '\t') break;
        if (c == '"') {
          quoted = true;
          ++i;
          continue;
        }
        tok += c;
        ++i;
      }
    }
    if (quoted) {
      *err = "unterminated quote";
      return false;
    }
    out->push_back(std::move(tok));
  }
  return true;
}

bool parse_u64(std::string_view s, uint64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "[123:4567]" -> packets, bytes.
bool parse_counters(std::string_view s, uint64_t* p, uint64_t* b) {
  if (s.size() < 5 || s.front() != '[' || s.back() != ']') return false;
  s = s.substr(1, s.size() - 2);
  size_t colon = s.find(':');
  return colon != std::string_view::npos && parse_u64(s.substr(0, colon), p) && parse_u64(s.substr(colon + 1), b);
}

}  // namespace

const std::string* IptRule::option(std::string_view opt) const {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == opt) return &args[i + 1];
  return nullptr;
}

bool IptRule::negated(std::string_view opt) const {
  for (size_t i = 1; i < args.size(); ++i)
    if (args[i] == opt) return args[i - 1] == "!";
  return false;
}

bool IptRule::has_match(std::string_view module) const {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if ((args[i] == "-m" || args[i] == "--match") && args[i + 1] == module) return true;
  return false;
}

std::string IptRule::target() const {
  for (const char* o : {"-j", "--jump", "-g", "--goto"})
    if (const std::string* v = option(o)) return *v;
  return "";
}

std::string IptRule::comment() const {
  const std::string* c = option("--comment");
  return c ? *c : "";
}

const IptChain* IptTable::chain(std::string_view name) const {
  auto it = chain_index.find(name);
  return it == chain_index.end() ? nullptr : &chains[it->second];
}

std::vector<const IptRule*> IptTable::rules_of(std::string_view chain) const {
  std::vector<const IptRule*> out;
  auto it = rule_index.find(chain);
  if (it != rule_index.end())
    for (size_t i : it->second) out.push_back(&rules[i]);
  return out;
}

const IptTable* IptablesSave::table(std::string_view name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

Result<IptablesSave> parse_iptables_save(std::string_view text, std::string_view label) {
  IptablesSave out;
  uint32_t nul_line = 0;
  if (has_nul(text, &nul_line)) return line_error(label, nul_line, "NUL byte: not a text file");
  IptTable* cur = nullptr;
  for (const TextLine& l : split_lines(text)) {
    std::string_view s = trim(l.text);
    if (s.empty()) continue;
    if (s[0] == '#') {
      // iptables-nft warns in a comment when the legacy backend also holds rules.
      if (s.find("iptables-legacy tables present") != std::string_view::npos)
        out.anomalies.push_back({"legacy-tables-present", l.number, std::string(s)});
      continue;
    }
    if (s[0] == '*') {
      if (cur) {
        out.anomalies.push_back({"missing-commit", cur->line, "*" + cur->name});
      }
      std::string name(trim(s.substr(1)));
      if (name.empty()) return line_error(label, l.number, "table name missing after '*'");
      IptTable t;
      t.name = name;
      t.line = l.number;
      out.tables.push_back(std::move(t));
      cur = &out.tables.back();
      continue;
    }
    if (s == "COMMIT") {
      if (!cur) return line_error(label, l.number, "COMMIT outside a table");
      cur = nullptr;
      continue;
    }
    if (!cur)
      return line_error(label, l.number,
                        "'" + std::string(s.substr(0, 40)) + "' outside a table (no '*table' line before it)");
    if (s[0] == ':') {
      auto w = split_ws(s.substr(1));
      if (w.size() < 2) return line_error(label, l.number, "chain line needs ':NAME POLICY [packets:bytes]'");
      IptChain c{std::string(w[0]), std::string(w[1]), 0, 0, l.number};
      if (w.size() >= 3 && !parse_counters(w[2], &c.packets, &c.bytes))
        return line_error(label, l.number, "bad counters '" + std::string(w[2]) + "', expected [packets:bytes]");
      if (cur->chain_index.count(c.name))
        return line_error(label, l.number, "chain '" + c.name + "' declared twice in table " + cur->name);
      cur->chain_index[c.name] = cur->chains.size();
      cur->chains.push_back(std::move(c));
      continue;
    }
    std::string_view rule = s;
    IptRule r;
    r.line = l.number;
    r.text = std::string(s);
    if (rule[0] == '[') {  // iptables-save -c puts the rule's counters first
      size_t end = rule.find(']');
      uint64_t p = 0, b = 0;
      if (end == std::string_view::npos || !parse_counters(rule.substr(0, end + 1), &p, &b))
        return line_error(label, l.number, "bad rule counters, expected [packets:bytes]");
      r.packets = p;
      r.bytes = b;
      rule = trim(rule.substr(end + 1));
    }
    std::vector<std::string> tokens;
    std::string err;
    if (!tokenize(rule, &tokens, &err)) return line_error(label, l.number, err);
    if (tokens.size() < 2 || (tokens[0] != "-A" && tokens[0] != "--append"))
      return line_error(label, l.number,
                        "expected a rule '-A CHAIN ...', got '" + std::string(rule.substr(0, 40)) + "'");
    r.chain = tokens[1];
    if (!cur->chain(r.chain))
      return line_error(label, l.number,
                        "rule for chain '" + r.chain + "' that table " + cur->name + " does not declare");
    r.args.assign(tokens.begin() + 2, tokens.end());
    cur->rule_index[r.chain].push_back(cur->rules.size());
    cur->rules.push_back(std::move(r));
  }
  if (cur) out.anomalies.push_back({"missing-commit", cur->line, "*" + cur->name});
  return out;
}

// ---- kube-proxy -----------------------------------------------------------------------------

namespace {

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool has_suffix(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

int to_int(const std::string* s) {
  int v = 0;
  if (!s) return 0;
  auto r = std::from_chars(s->data(), s->data() + s->size(), v);
  return r.ec == std::errc() ? v : 0;
}

// "10.96.0.10/32" -> "10.96.0.10"; "fd00::a/128" -> "fd00::a".
std::string host_of(const std::string* d) {
  if (!d) return "";
  std::string s = *d;
  if (has_suffix(s, "/32") || has_suffix(s, "/128")) s = s.substr(0, s.rfind('/'));
  return s;
}

// "10.244.1.5:53" or "[fd00::5]:53".
bool split_host_port(std::string_view s, std::string* ip, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = s.substr(0, colon);
  if (!h.empty() && h.front() == '[' && h.back() == ']')
    h = h.substr(1, h.size() - 2);
  else if (h.find(':') != std::string_view::npos)
    return false;  // bare IPv6 without brackets
  std::string p(s.substr(colon + 1));
  *ip = std::string(h);
  *port = to_int(&p);
  return *port > 0;
}

void split_name(KubeServicePort* s) {
  size_t slash = s->name.find('/');
  if (slash == std::string::npos) {
    s->service = s->name;
    return;
  }
  s->ns = s->name.substr(0, slash);
  std::string rest = s->name.substr(slash + 1);
  size_t colon = rest.find(':');
  s->service = rest.substr(0, colon);
  if (colon != std::string::npos) s->port_name = rest.substr(colon + 1);
}

std::string strip_suffix(const std::string& s, std::string_view suffix) {
  return has_suffix(s, suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

struct Builder {
  KubeProxyRules out;

  KubeServicePort& get(const std::string& name, const std::string& proto) {
    std::string key = name + "|" + proto;
    auto it = out.index.find(key);
    if (it != out.index.end()) return out.services[it->second];
    KubeServicePort s;
    s.name = name;
    s.protocol = proto;
    split_name(&s);
    out.services.push_back(std::move(s));
    out.index[key] = out.services.size() - 1;
    return out.services.back();
  }

  void anomaly(std::string name, const IptRule& r) { out.anomalies.push_back({std::move(name), r.line, r.text}); }

  // KUBE-SVC-* / KUBE-SVL-* -> KUBE-SEP-* -> DNAT.
  void endpoints(const IptTable& nat, KubeServicePort& svc) {
    for (const IptRule* r : nat.rules_of(svc.chain)) {
      std::string sep = r->target();
      if (!has_prefix(sep, "KUBE-SEP-")) continue;
      if (std::any_of(svc.endpoints.begin(), svc.endpoints.end(),
                      [&](const KubeEndpoint& e) { return e.chain == sep; }))
        continue;  // session affinity adds a second jump to the same endpoint
      KubeEndpoint ep;
      ep.chain = sep;
      if (r->has_match("statistic"))
        if (const std::string* p = r->option("--probability")) ep.probability = std::strtod(p->c_str(), nullptr);
      if (!nat.chain(sep)) {
        anomaly("endpoint-chain-missing", *r);
        continue;
      }
      for (const IptRule* d : nat.rules_of(sep)) {
        const std::string* to = d->option("--to-destination");
        if (d->target() == "DNAT" && to) {
          if (!split_host_port(*to, &ep.ip, &ep.port)) anomaly("dnat-destination-unreadable", *d);
          ep.line = d->line;
          break;
        }
      }
      if (ep.line == 0) {
        anomaly("endpoint-chain-without-dnat", *r);
        continue;
      }
      svc.endpoints.push_back(std::move(ep));
    }
  }
};

}  // namespace

const KubeServicePort* KubeProxyRules::find(std::string_view name, std::string_view protocol) const {
  if (!protocol.empty()) {
    auto it = index.find(std::string(name) + "|" + std::string(protocol));
    return it == index.end() ? nullptr : &services[it->second];
  }
  // Any protocol: the first key "name|..." in the ordered index.
  auto it = index.lower_bound(std::string(name) + "|");
  if (it == index.end() || it->first.compare(0, name.size() + 1, std::string(name) + "|") != 0) return nullptr;
  return &services[it->second];
}

const KubeServicePort* KubeProxyRules::find_ip(std::string_view cluster_ip, int port, std::string_view protocol) const {
  for (const auto& s : services)
    if (s.cluster_ip == cluster_ip && s.port == port && s.protocol == protocol) return &s;
  return nullptr;
}

KubeProxyRules kube_proxy_rules(const IptablesSave& save) {
  Builder b;
  const IptTable* nat = save.table("nat");
  if (nat) {
    b.out.present = nat->chain("KUBE-SERVICES") != nullptr;
    b.out.mark_masq = nat->chain("KUBE-MARK-MASQ") != nullptr;
    for (const IptRule* r : nat->rules_of("KUBE-SERVICES")) {
      std::string target = r->target();
      std::string comment = r->comment();
      std::string proto = r->option("-p") ? *r->option("-p") : "";
      if ((has_prefix(target, "KUBE-SVC-") || has_prefix(target, "KUBE-SVL-")) && r->option("-d")) {
        KubeServicePort& s = b.get(strip_suffix(comment, " cluster IP"), proto);
        s.cluster_ip = host_of(r->option("-d"));
        s.port = to_int(r->option("--dport"));
        s.chain = target;
        s.line = r->line;
        if (!nat->chain(target))
          b.anomaly("service-chain-missing", *r);
        else
          b.endpoints(*nat, s);
      } else if (has_suffix(comment, " external IP") || has_suffix(comment, " loadbalancer IP")) {
        std::string name = strip_suffix(strip_suffix(comment, " external IP"), " loadbalancer IP");
        b.get(name, proto).external_ips.push_back(host_of(r->option("-d")));
      }
    }
    for (const IptRule* r : nat->rules_of("KUBE-NODEPORTS")) {
      std::string target = r->target();
      if (target == "KUBE-MARK-MASQ" || !r->option("--dport") || r->comment().empty()) continue;
      std::string proto = r->option("-p") ? *r->option("-p") : "";
      b.get(r->comment(), proto).node_ports.push_back({to_int(r->option("--dport")), r->line, false});
    }
  }
  // kube-proxy writes the REJECTs for Services without endpoints in the filter table.
  if (const IptTable* filter = save.table("filter")) {
    for (const char* chain : {"KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"}) {
      for (const IptRule* r : filter->rules_of(chain)) {
        std::string c = r->comment(), target = r->target();
        if (target != "REJECT" && target != "DROP") continue;
        std::string name;
        if (has_suffix(c, " has no endpoints"))
          name = strip_suffix(c, " has no endpoints");
        else if (has_suffix(c, " has no local endpoints"))
          name = strip_suffix(c, " has no local endpoints");
        else
          continue;
        std::string proto = r->option("-p") ? *r->option("-p") : "";
        KubeServicePort& s = b.get(name, proto);
        bool local_dst = r->has_match("addrtype");  // --dst-type LOCAL: a NodePort on this node
        if (local_dst && r->option("--dport")) {
          s.node_ports.push_back({to_int(r->option("--dport")), r->line, true});
        } else if (std::string ip = host_of(r->option("-d")); !ip.empty()) {
          if (std::string(chain) == "KUBE-SERVICES" && (s.cluster_ip.empty() || s.cluster_ip == ip)) {
            s.cluster_ip = ip;
            if (!s.port) s.port = to_int(r->option("--dport"));
            s.has_reject = true;
            s.reject_line = r->line;
          } else {
            s.external_ips.push_back(ip);
          }
        }
      }
    }
  }
  return std::move(b.out);
}

}  // namespace nd::node
