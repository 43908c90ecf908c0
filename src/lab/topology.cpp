#include "lab/topology.h"

#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/netops.h"
#include "lab/server.h"
#include "lab/state_io.h"

namespace nd::lab {

std::string underlay_port(const NodeState& n) { return n.name; }

Result<bool> create_namespaces(const State& s) {
  for (const char* what : {"underlay", "router", "outside", "dns", "db"})
    if (auto r = netns_add(s.netns(what)); !r) return r;
  for (const auto& n : s.nodes)
    if (auto r = netns_add(s.node_netns(n)); !r) return r;
  return true;
}

namespace {

// A veth pair between two lab namespaces: `a_if` in a, `b_if` in b.
Result<bool> veth(const std::string& a, const std::string& a_if, const std::string& b,
                  const std::string& b_if) {
  if (auto r = ip(a, {"link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b}); !r)
    return r.error();
  return true;
}

Result<bool> run_all(const std::string& ns, const std::vector<std::vector<std::string>>& cmds) {
  for (const auto& c : cmds)
    if (auto r = ip(ns, c); !r) return r.error();
  return true;
}

// A leaf namespace hanging off the router: router side `rif` with rip/24, leaf eth0 with lip/24.
Result<bool> leaf(const State& s, const std::string& what, const std::string& rif, const std::string& rip,
                  const std::string& lip) {
  std::string r = s.netns("router"), l = s.netns(what);
  if (auto x = veth(r, rif, l, "eth0"); !x) return x;
  if (auto x = run_all(r, {{"addr", "add", rip + "/24", "dev", rif}, {"link", "set", rif, "up"}}); !x)
    return x;
  return run_all(l, {{"addr", "add", lip + "/24", "dev", "eth0"},
                     {"link", "set", "eth0", "up"},
                     {"route", "add", "default", "via", rip}});
}

}  // namespace

Result<bool> wire_underlay(const State& s) {
  std::string u = s.netns("underlay"), r = s.netns("router");
  bool two = s.spec.backend == Backend::DirectRouting;
  // The underlay is a plain switch: no netfilter on its bridged frames.
  sysctl_set(u, "net.bridge.bridge-nf-call-iptables", "0");
  for (int seg = 0; seg < (two ? 2 : 1); ++seg) {
    std::string br = "br" + std::to_string(seg);
    std::string port = seg == 0 ? "router" : "router-b";
    std::string rif = seg == 0 ? "eth0" : "eth1";
    std::string rip = seg == 0 ? kRouterIpA : kRouterIpB;
    if (auto x = run_all(u, {{"link", "add", br, "type", "bridge"}, {"link", "set", br, "up"}}); !x) return x;
    if (auto x = veth(u, port, r, rif); !x) return x;
    if (auto x = run_all(u, {{"link", "set", port, "master", br}, {"link", "set", port, "up"}}); !x) return x;
    if (auto x = run_all(r, {{"addr", "add", rip + "/24", "dev", rif}, {"link", "set", rif, "up"}}); !x)
      return x;
  }
  if (auto x = sysctl_set(r, "net.ipv4.ip_forward", "1"); !x) return x;
  if (auto x = leaf(s, "outside", "out0", kOutsideRouterIp, kOutsideWebIp); !x) return x;
  if (auto x = leaf(s, "dns", "dns0", kUpstreamRouterIp, kUpstreamDnsIp); !x) return x;
  if (auto x = leaf(s, "db", "db0", kDbRouterIp, kDbIp); !x) return x;

  for (const auto& n : s.nodes) {
    std::string ns = s.node_netns(n), port = underlay_port(n);
    std::string br = "br" + std::to_string(n.segment);
    if (auto x = veth(u, port, ns, "eth0"); !x) return x;
    if (auto x = run_all(u, {{"link", "set", port, "master", br}, {"link", "set", port, "up"}}); !x) return x;
    // The switch port hands the node wire-sized frames, so an MTU on the link means what it does
    // on a real network (the mtu-mismatch fault depends on it).
    if (auto x = disable_tso(u, port); !x) return x;
    if (auto x = run_all(ns, {{"addr", "add", n.ip + "/" + std::to_string(n.prefix), "dev", "eth0"},
                              {"link", "set", "eth0", "up"},
                              {"route", "add", "default", "via", n.gateway}});
        !x)
      return x;
    // What a kubeadm node is told to have (and the two sysctls two faults take away).
    if (auto x = sysctl_set(ns, "net.ipv4.ip_forward", "1"); !x) return x;
    if (auto x = sysctl_set(ns, "net.bridge.bridge-nf-call-iptables", "1"); !x) return x;
  }
  return true;
}

std::string db_allowlist_rules(const State& s) {
  std::string port = std::to_string(kDbPort);
  std::string out = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  for (const auto& n : s.nodes)
    out += "-A INPUT -s " + n.ip + "/32 -p tcp -m tcp --dport " + port +
           " -m comment --comment \"db grant: " + n.name + "\" -j ACCEPT\n";
  out += "-A INPUT -p tcp -m tcp --dport " + port +
         " -m comment --comment \"db grant: everyone else is refused\" -j REJECT --reject-with tcp-reset\n";
  return out + "COMMIT\n";
}

Result<bool> start_outside_services(State& s) {
  Command c;
  c.argv = {"iptables-restore"};
  c.netns = s.netns("db");
  c.input = db_allowlist_rules(s);
  if (auto r = run_ok(c); !r) return r.error();
  std::string alive = state_path(s.spec.name);
  ServeConfig web{std::string("www.") + kOutsideDomain, {{"0.0.0.0", 80, "http"}}, alive};
  auto w = start_server(s.netns("outside"), web, s.dir() + "/logs/outside-web.log");
  if (!w) return w.error();
  s.outside_pid = *w;
  ServeConfig db{std::string("db.") + kOutsideDomain + " (postgres)", {{"0.0.0.0", kDbPort, "banner"}}, alive};
  auto d = start_server(s.netns("db"), db, s.dir() + "/logs/db.log");
  if (!d) return d.error();
  s.db_pid = *d;
  if (auto r = start_upstream_dns(s); !r) return r.error();
  return true;
}

}  // namespace nd::lab
