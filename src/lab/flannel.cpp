#include "lab/flannel.h"

#include "lab/cni.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/netops.h"
#include "lab/state_io.h"

namespace nd::lab {

bool peer_is_direct(const State& s, const NodeState& self, const NodeState& peer) {
  switch (s.spec.backend) {
    case Backend::HostGw: return true;
    case Backend::Vxlan: return false;
    case Backend::DirectRouting: return self.segment == peer.segment;
  }
  return false;
}

std::string vtep_ip(const NodeState& n) { return nth_ip(n.pod_cidr, 0); }

static bool uses_vxlan(const State& s) { return s.spec.backend != Backend::HostGw; }

std::vector<std::vector<std::string>> peer_commands(const State& s, const NodeState& self,
                                                    const NodeState& peer) {
  if (peer_is_direct(s, self, peer))
    return {{"ip", "route", "add", peer.pod_cidr, "via", peer.ip, "dev", "eth0"}};
  std::string vtep = vtep_ip(peer);
  return {{"ip", "neigh", "replace", vtep, "lladdr", peer.vtep_mac, "dev", kVxlanDev, "nud", "permanent"},
          {"bridge", "fdb", "replace", peer.vtep_mac, "dev", kVxlanDev, "dst", peer.ip, "self",
           "permanent"},
          {"ip", "route", "add", peer.pod_cidr, "via", vtep, "dev", kVxlanDev, "onlink"}};
}

std::string flanneld_log(const State& s, const NodeState& n) { return node_dir(s, n) + "/var/log/flanneld.log"; }

static void log_line(const State& s, const NodeState& n, const std::string& line) {
  std::string path = flanneld_log(s, n);
  auto old = read_file(path);
  write_file(path, (old ? *old : "") + now_rfc3339() + " " + line + "\n");
}

Result<bool> setup_backend(const State& s, const NodeState& n) {
  std::string ns = s.node_netns(n);
  if (uses_vxlan(s)) {
    std::string mtu = std::to_string(pod_mtu(s));
    std::vector<std::vector<std::string>> cmds = {
        {"link", "add", kVxlanDev, "type", "vxlan", "id", std::to_string(kVxlanVni), "local", n.ip, "dev",
         "eth0", "dstport", std::to_string(kVxlanPort), "nolearning"},
        {"link", "set", kVxlanDev, "address", n.vtep_mac, "mtu", mtu},
        {"addr", "add", vtep_ip(n) + "/32", "dev", kVxlanDev},
        {"link", "set", kVxlanDev, "up"}};
    for (auto& c : cmds)
      if (auto r = ip(ns, c); !r) return r.error();
  }
  // flanneld's masquerade rules exempt traffic inside the cluster range; here that exemption sits in
  // front of the bridge plugin's ipMasq rules, which would otherwise masquerade pod-to-pod traffic
  // leaving the node's own subnet.
  std::string rules = std::string("*nat\n:FLANNEL-POSTRTG - [0:0]\n") +
                      "-I POSTROUTING 1 -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n" +
                      "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN\n" +
                      "-A FLANNEL-POSTRTG -s " + kClusterCidr + " -d " + kClusterCidr +
                      " -m comment --comment \"flanneld masq\" -j ACCEPT\nCOMMIT\n";
  Command c;
  c.argv = {"iptables-restore", "--noflush"};
  c.netns = ns;
  c.input = rules;
  if (auto r = run_ok(c); !r) return r.error();
  log_line(s, n, "I main.go: backend " + backend_name(s.spec.backend) + ", lease " + n.pod_cidr +
                     ", public ip " + n.ip);
  return true;
}

Result<bool> program_peers(const State& s, const NodeState& n) {
  std::string ns = s.node_netns(n);
  for (const auto& peer : s.nodes) {
    if (peer.name == n.name) continue;
    for (auto argv : peer_commands(s, n, peer)) {
      bool is_route = argv.size() > 5 && argv[1] == "route";
      if (is_route) {
        auto have = ip(ns, {"route", "show", peer.pod_cidr});
        if (!have) return have.error();
        if (have->find("via " + argv[5] + " ") != std::string::npos) continue;  // already there
        if (!have->empty() && have->find("via") == std::string::npos) {
          // The prefix is the node's own connected route (a pod range overlapping the node
          // network): the kernel refuses the route and flanneld only logs it.
          log_line(s, n, "E route_network.go: failed to add route " + peer.pod_cidr + " via " +
                             argv[5] + ": file exists");
          continue;
        }
        if (!have->empty()) argv[2] = "replace";
      }
      if (auto r = sh(ns, argv); !r) return r.error();
    }
  }
  return true;
}

void forget_peer(const State& s, const NodeState& n, const NodeState& peer, const std::string& pod_cidr) {
  std::string ns = s.node_netns(n);
  auto routes = ip(ns, {"route", "show", pod_cidr});
  // Remove only a route that goes via the peer (never the node's own connected route).
  if (routes && routes->find("via") != std::string::npos) ip(ns, {"route", "del", pod_cidr});
  if (!peer_is_direct(s, n, peer)) {
    ip(ns, {"neigh", "del", nth_ip(pod_cidr, 0), "dev", kVxlanDev});
    sh(ns, {"bridge", "fdb", "del", peer.vtep_mac, "dev", kVxlanDev, "dst", peer.ip, "self"});
  }
}

Result<bool> readdress_vtep(const State& s, const NodeState& n, const std::string& old_cidr) {
  if (!uses_vxlan(s)) return true;
  std::string ns = s.node_netns(n);
  ip(ns, {"addr", "del", nth_ip(old_cidr, 0) + "/32", "dev", kVxlanDev});
  if (auto r = ip(ns, {"addr", "add", vtep_ip(n) + "/32", "dev", kVxlanDev}); !r) return r.error();
  return true;
}

}  // namespace nd::lab
