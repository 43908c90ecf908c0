#include "node/nat.h"

#include <cstdlib>

namespace nd::node {
namespace {

enum class Tri { No, Yes, Maybe };

std::optional<Prefix> prefix_of(const std::string& s) {
  auto p = parse_prefix(s);
  if (!p) return std::nullopt;
  return p->network();
}

bool iface_match(std::string_view pat, std::string_view name) {
  if (!pat.empty() && pat.back() == '+') return name.substr(0, pat.size() - 1) == pat.substr(0, pat.size() - 1);
  return pat == name;
}

// One rule's matches against the packet. Options the trace does not model make it Maybe.
Tri match(const IptRule& r, const NatPacket& p) {
  Tri t = Tri::Yes;
  bool neg = false;
  auto combine = [&](bool v) {
    if (v == neg) t = Tri::No;
    neg = false;
  };
  auto unknown = [&] {
    if (t == Tri::Yes) t = Tri::Maybe;
    neg = false;
  };
  const auto& a = r.args;
  for (size_t i = 0; i < a.size() && t != Tri::No; ++i) {
    const std::string& k = a[i];
    auto next = [&]() -> std::string { return i + 1 < a.size() ? a[++i] : std::string(); };
    if (k == "!") {
      neg = true;
    } else if (k == "-j" || k == "--jump" || k == "-g" || k == "--goto") {
      break;
    } else if (k == "-s" || k == "--source" || k == "-d" || k == "--destination") {
      auto x = prefix_of(next());
      if (!x) {
        unknown();
      } else if (x->family() != p.src.family) {
        combine(false);
      } else if (k == "-s" || k == "--source") {
        combine(contains(*x, p.src));
      } else {
        combine(p.dst ? contains(*x, *p.dst) : x->len == 0);
      }
    } else if (k == "-o" || k == "--out-interface") {
      std::string name = next();
      if (p.out_iface.empty())
        unknown();
      else
        combine(iface_match(name, p.out_iface));
    } else if (k == "-p" || k == "--protocol") {
      std::string proto = next();
      if (p.protocol.empty())
        unknown();  // only some of the pod's traffic
      else
        combine(proto == p.protocol);
    } else if (k == "--dport" || k == "--destination-port") {
      std::string v = next();
      if (p.dport == 0)
        unknown();
      else
        combine(std::atoi(v.c_str()) == p.dport);
    } else if (k == "-m" || k == "--match" || k == "--comment") {
      next();
    } else if (k == "--mark") {
      std::string v = next();
      auto slash = v.find('/');
      unsigned long value = std::strtoul(v.substr(0, slash).c_str(), nullptr, 0);
      unsigned long mask =
          slash == std::string::npos ? 0xffffffffUL : std::strtoul(v.substr(slash + 1).c_str(), nullptr, 0);
      combine((0UL & mask) == value);  // a pod's new connection to the outside carries no mark
    } else if (k == "--dst-type" || k == "--src-type") {
      combine(next() == "UNICAST");
    } else if (k == "--ctstate" || k == "--state") {
      std::string st = next();
      if (st == "DNAT" || st == "SNAT")
        combine(false);
      else if (st.find("NEW") != std::string::npos)
        combine(true);
      else
        unknown();
    } else {
      unknown();
      if (i + 1 < a.size() && a[i + 1].rfind("-", 0) != 0 && a[i + 1] != "!") ++i;
    }
  }
  return t;
}

bool non_terminating(const std::string& target) {
  for (const char* x : {"", "MARK", "CONNMARK", "LOG", "NFLOG", "TRACE", "CT", "NOTRACK", "AUDIT"})
    if (target == x) return true;
  return false;
}

// True when a verdict was reached; false when the packet falls off the chain or RETURNs.
bool walk(const IptTable& nat, std::string_view chain, const NatPacket& p, int depth, NatVerdict& out) {
  if (depth > 32) {
    out = {};
    return true;
  }
  for (const IptRule* r : nat.rules_of(chain)) {
    Tri m = match(*r, p);
    if (m == Tri::No) continue;
    const std::string target = r->target();
    const bool sure = m == Tri::Yes;
    if (target == "MASQUERADE" || target == "SNAT") {
      out = {sure ? NatVerdict::Masquerade : NatVerdict::Unknown, r, ""};
      if (const std::string* to = r->option("--to-source")) out.snat_to = *to;
      return true;
    }
    if (target == "ACCEPT") {
      out = {sure ? NatVerdict::Unchanged : NatVerdict::Unknown, r, ""};
      return true;
    }
    if (target == "RETURN") {
      if (sure) return false;
      out = {NatVerdict::Unknown, r, ""};
      return true;
    }
    if (nat.chain(target)) {
      NatVerdict sub;
      bool decided = walk(nat, target, p, depth + 1, sub);
      bool go_to = r->option("-g") || r->option("--goto");
      if (decided) {
        if (!sure) sub.kind = NatVerdict::Unknown;
        out = sub;
        return true;
      }
      if (go_to && sure) return false;
      continue;
    }
    if (non_terminating(target)) continue;
    if (sure) {
      out = {NatVerdict::Unknown, r, ""};
      return true;
    }
  }
  return false;
}

}  // namespace

NatVerdict postrouting(const IptTable& nat, const NatPacket& p) {
  NatVerdict v;
  if (walk(nat, "POSTROUTING", p, 0, v)) return v;
  const IptChain* c = nat.chain("POSTROUTING");
  v = {};
  v.kind = c && c->policy == "ACCEPT" ? NatVerdict::Unchanged : NatVerdict::Unknown;
  return v;
}

}  // namespace nd::node
