#include "lab/faults.h"

#include <algorithm>
#include <cctype>

#include "lab/cni.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/flannel.h"
#include "lab/kube_proxy.h"
#include "lab/lab.h"
#include "lab/netops.h"
#include "lab/pods.h"
#include "lab/state_io.h"
#include "lab/topology.h"

namespace nd::lab {

const std::vector<FaultDef>& fault_table() {
  static const std::vector<FaultDef> table = {
      {"ip-forward-off", "P4", FaultScope::Node, 1, false,
       "net.ipv4.ip_forward=0 on the node",
       "everything the node routes: its pods to other nodes, to Services, to the outside; NodePort",
       "node-ip-forward-disabled"},
      {"bridge-nf-off", "P3.4", FaultScope::Node, 1, false,
       "net.bridge.bridge-nf-call-iptables=0 on the node",
       "pod -> Service when the endpoint is on the client's node (replies skip conntrack's un-NAT): "
       "DNS from pods on the DNS pod's node",
       "node-bridge-nf-call-iptables-disabled"},
      {"pod-cidr-overlap", "P9", FaultScope::Node, 2, false,
       "the node's pod range becomes its own underlay subnet (pods re-created with addresses there)",
       "pods on other nodes -> pods on this node (No route to host: the address is on-link)",
       "pod-cidr-overlaps-node-network"},
      {"missing-route", "P9", FaultScope::Node, 1, false,
       "the node loses its route to the next node's pod range",
       "pods on this node <-> pods on the next node", "node-missing-pod-route"},
      {"vxlan-fdb-missing", "P9", FaultScope::Node, 1, true,
       "flannel.1 on the node loses its FDB entries for its vxlan peers",
       "pods on this node <-> pods on nodes it reaches through vxlan", "node-vxlan-fdb-missing"},
      {"dns-upstream-loop", "P7", FaultScope::DnsNode, 1, false,
       "the node's resolv.conf (handed to the DNS pod, dnsPolicy Default) names 127.0.0.1; the DNS pod "
       "restarts and forwards to itself",
       "outside names (www.outside.lab); cluster names still resolve", "coredns-loop"},
      {"dns-down", "P10.1", FaultScope::Cluster, 0, false,
       "the DNS server in the DNS pod stops; kube-dns loses its endpoint",
       "every name lookup through 10.96.0.10", "coredns-unhealthy"},
      {"db-allowlist", "P3.5", FaultScope::Node, 1, false,
       "pod traffic from the node to the database network is no longer masqueraded",
       "pods on this node -> database (it accepts only node addresses)", "pod-egress-not-masqueraded"},
      {"kube-proxy-rules-missing", "P1.3", FaultScope::Node, 1, false,
       "kube-proxy's rules for shop/web are missing on the node",
       "pods on this node -> shop/web by ClusterIP or name", "node-service-rules-missing"},
      {"mtu-mismatch", "P3.3", FaultScope::Node, 1, false,
       "the node's underlay link (switch port and eth0) drops to MTU 1400; pod MTUs stay",
       "large transfers to pods on this node stall; small requests pass", "node-mtu-mismatch"},
  };
  return table;
}

const FaultDef* find_fault(const std::string& id) {
  for (const auto& f : fault_table())
    if (id == f.id) return &f;
  return nullptr;
}

const NodeState* missing_route_peer(const State& s, const NodeState& node) {
  if (s.nodes.size() < 2) return nullptr;
  size_t i = static_cast<size_t>(node.index) % s.nodes.size();
  return &s.nodes[i];
}

std::string overlap_range(const NodeState& n) {
  return nth_ip(n.ip + "/" + std::to_string(n.prefix), 0) + "/" + std::to_string(n.prefix);
}

Result<std::string> fault_node(const State& s, const FaultDef& f, const std::string& requested) {
  if (f.scope == FaultScope::Cluster) {
    if (!requested.empty()) return Error{std::string("fault ") + f.id + " is cluster-wide; drop --node"};
    return std::string();
  }
  if (f.scope == FaultScope::DnsNode) {
    const PodState* d = s.dns_pod();
    if (!d) return Error{"the lab has no DNS pod"};
    if (!requested.empty() && requested != d->node && requested != d->node.substr(4))
      return Error{std::string("fault ") + f.id + " acts on the DNS pod's node, " + d->node};
    return d->node;
  }
  std::string name = requested.empty() ? "node" + std::to_string(f.default_node) : requested;
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) name = "node" + name;
  if (!s.node(name)) {
    std::string valid;
    for (const auto& n : s.nodes) valid += (valid.empty() ? "" : ", ") + n.name;
    return Error{"no node '" + name + "' in lab " + s.spec.name + " (nodes: " + valid + ")"};
  }
  return name;
}

namespace {

// Moves a node's pods to a new pod range, as recreating them after a lease change would: stop the
// pods, clear cni0's address (else the bridge plugin refuses: "cni0 already has an IP address
// different from ..."), write the new CNI config, re-ADD, then re-program every peer and kube-proxy.
Result<bool> reassign_range(State& s, NodeState& n, const std::string& cidr, const std::string& gw,
                            const std::string& start, const std::string& end) {
  std::string old = n.pod_cidr;
  for (auto& p : s.pods)
    if (p.node == n.name) stop_pod(s, p);
  ip(s.node_netns(n), {"addr", "flush", "dev", "cni0"});
  for (const auto& other : s.nodes)
    if (other.name != n.name) forget_peer(s, other, n, old);
  n.pod_cidr = cidr;
  n.cni_gateway = gw;
  n.range_start = start;
  n.range_end = end;
  if (auto r = write_cni_config(s, n); !r) return r;
  if (auto r = readdress_vtep(s, n, old); !r) return r;
  for (auto& p : s.pods)
    if (p.node == n.name)
      if (auto r = start_pod(s, p); !r) return r;
  for (const auto& other : s.nodes)
    if (auto r = program_peers(s, other); !r) return r;
  return resync(s);
}

Result<bool> set_mtu(const State& s, NodeState& n, int mtu) {
  n.mtu = mtu;
  std::string m = std::to_string(mtu);
  if (auto r = ip(s.netns("underlay"), {"link", "set", underlay_port(n), "mtu", m}); !r) return r.error();
  if (auto r = ip(s.node_netns(n), {"link", "set", "eth0", "mtu", m}); !r) return r.error();
  return true;
}

const char* kNoMasqComment = "ip-masq-agent: nonMasqueradeCIDRs (database network)";

std::vector<std::string> no_masq_rule(const char* op) {
  return {"iptables", "-t", "nat", op, "POSTROUTING", "-s", kClusterCidr, "-d", kDbNet, "-m", "comment",
          "--comment", kNoMasqComment, "-j", "ACCEPT"};
}

Result<bool> restart_cluster_dns(State& s) {
  stop_cluster_dns(s);
  if (auto r = start_cluster_dns(s); !r) return r.error();
  return true;
}

Result<bool> apply(State& s, const FaultDef& f, NodeState* n, bool inject) {
  std::string id = f.id;
  std::string ns = n ? s.node_netns(*n) : "";
  if (id == "ip-forward-off") return sysctl_set(ns, "net.ipv4.ip_forward", inject ? "0" : "1");
  if (id == "bridge-nf-off")
    return sysctl_set(ns, "net.bridge.bridge-nf-call-iptables", inject ? "0" : "1");
  if (id == "pod-cidr-overlap") {
    if (inject) {
      std::string cidr = overlap_range(*n);
      return reassign_range(s, *n, cidr, nth_ip(cidr, 254), nth_ip(cidr, 200), nth_ip(cidr, 250));
    }
    std::string cidr = "10.244." + std::to_string(n->index) + ".0/24";
    return reassign_range(s, *n, cidr, nth_ip(cidr, 1), "", "");
  }
  if (id == "missing-route") {
    const NodeState* peer = missing_route_peer(s, *n);
    if (!peer) return Error{"missing-route needs two nodes"};
    if (inject) {
      if (auto r = ip(ns, {"route", "del", peer->pod_cidr}); !r) return r.error();
      return true;
    }
    return program_peers(s, *n);
  }
  if (id == "vxlan-fdb-missing") {
    if (inject) {
      int removed = 0;
      for (const auto& peer : s.nodes) {
        if (peer.name == n->name || peer_is_direct(s, *n, peer)) continue;
        if (auto r = sh(ns, {"bridge", "fdb", "del", peer.vtep_mac, "dev", kVxlanDev, "dst", peer.ip, "self"});
            !r)
          return r.error();
        ++removed;
      }
      if (!removed) return Error{n->name + " reaches no peer through vxlan"};
      return true;
    }
    return program_peers(s, *n);
  }
  if (id == "dns-upstream-loop") {
    if (auto r = write_dns_files(s); !r) return r;
    return restart_cluster_dns(s);
  }
  if (id == "dns-down") {
    if (inject)
      stop_cluster_dns(s);
    else if (auto r = start_cluster_dns(s); !r)
      return r.error();
    return resync(s);
  }
  if (id == "db-allowlist") {
    Command c;
    c.argv = no_masq_rule(inject ? "-I" : "-D");
    if (inject) c.argv.insert(c.argv.begin() + 5, "1");
    c.netns = ns;
    if (auto r = run_ok(c); !r) return r.error();
    return true;
  }
  if (id == "kube-proxy-rules-missing") return sync_kube_proxy(s, *n);
  if (id == "mtu-mismatch") return set_mtu(s, *n, inject ? 1400 : 1500);
  return Error{"fault " + id + " has no implementation"};
}

}  // namespace

static Result<std::string> change(State& s, const std::string& id, const std::string& node, bool inject) {
  const FaultDef* f = find_fault(id);
  if (!f) {
    std::string ids;
    for (const auto& d : fault_table()) ids += (ids.empty() ? "" : ", ") + std::string(d.id);
    return Error{"unknown fault '" + id + "' (faults: " + ids + ")"};
  }
  if (f->needs_vxlan && s.spec.backend == Backend::HostGw)
    return Error{id + " needs a vxlan device: use --backend vxlan or directrouting"};
  auto where = fault_node(s, *f, node);
  if (!where) return where.error();
  bool present = s.has_fault(id, *where);
  if (f->scope == FaultScope::Cluster) present = s.has_fault(id);
  if (inject && present) return Error{id + " is already injected" + (where->empty() ? "" : " on " + *where)};
  if (!inject && !present) return Error{id + " is not injected" + (where->empty() ? "" : " on " + *where)};
  // The state records the fault first: the builders (DNS files, kube-proxy rules) read it.
  if (inject) {
    s.faults.push_back({id, *where});
  } else {
    s.faults.erase(std::remove_if(s.faults.begin(), s.faults.end(),
                                  [&](const FaultState& x) { return x.id == id && x.node == *where; }),
                   s.faults.end());
  }
  NodeState* n = where->empty() ? nullptr : s.node(*where);
  auto r = apply(s, *f, n, inject);
  if (auto saved = save_state(s); !saved) return saved.error();
  if (!r) return Error{std::string(inject ? "inject " : "heal ") + id + ": " + r.error().message};
  return std::string(inject ? "injected " : "healed ") + id + (where->empty() ? "" : " on " + *where);
}

Result<std::string> inject_fault(State& s, const std::string& id, const std::string& node) {
  return change(s, id, node, true);
}

Result<std::string> heal_fault(State& s, const std::string& id, const std::string& node) {
  return change(s, id, node, false);
}

}  // namespace nd::lab
