// gen_snapshot --node-bundles: one flannel-vxlan node bundle per node (nodes/NAME/, docs/node-bundle.md),
// consistent with the generated Node objects, so the node checks and the trace read a healthy data plane:
// each node's own podCIDR on cni0, one onlink route per other node's podCIDR via its VTEP address on
// flannel.1, the neighbour and FDB entries for every peer VTEP (MAC from the peer's backend-data
// annotation), forwarding and bridge-nf-call-iptables on, loose rp_filter. kube-proxy's iptables-save
// is written on a few nodes only (opts.iptables_nodes): a full set for 10,000 Services is tens of MB per
// node, and service_port_rules() judges nodes x Service ports.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "plan.h"

namespace ndbench::detail {
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kGateway = 0x0A000001;  // 10.0.0.1, the nodes' router on 10.0.0.0/16

std::string pod_net(size_t i) { return ip4(kPodNet + static_cast<uint32_t>(i) * 256); }

std::string write_file(const fs::path& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path.string() + ": cannot create: " + std::strerror(errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return path.string() + ": write failed: " + std::strerror(errno);
  return "";
}

// kube-proxy names chains after a hash of the port's name; any stable 16 characters do here.
std::string chain_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kAlpha[h & 31];
    h = (h >> 5) | (h << 59);
    if (i == 11) h *= 0x9e3779b97f4a7c15ULL;
  }
  return out;
}

struct ProxyRules {
  std::string nat_chains, nat_rules, filter_rules;
  size_t service_ports = 0, endpoints = 0;
};

// kube-proxy's iptables mode for every Service port of the plan (the same on every node: no
// internalTrafficPolicy Local, no externalTrafficPolicy Local in the generated cluster).
ProxyRules proxy_rules(const Plan& p) {
  ProxyRules out;
  const std::string cluster_cidr(kPodCidr);
  for (const ServiceRec& s : p.services) {
    const std::string ns = p.namespaces[s.ns].name, ip = ip4(s.ip);
    // Endpoints as the Endpoints objects list them: ready pods of the selected workload.
    std::vector<std::string> eps;
    if (s.workload == UINT32_MAX) {
      for (const auto& n : p.nodes)
        if (n.control_plane || p.nodes.size() < 10) {
          eps.push_back(ip4(n.ip));
          if (p.nodes.size() < 10) break;
        }
    } else if (!s.selector_typo) {
      const WorkloadRec& wl = p.workloads[s.workload];
      for (uint32_t i = wl.first_pod; i < wl.first_pod + wl.n_pods; ++i) {
        const PodRec& pod = p.pods[i];
        if (pod.ip != 0 && pod_running(pod) && pod_ready(pod)) eps.push_back(ip4(pod.ip));
      }
    }
    for (size_t k = 0; k < s.ports.size(); ++k) {
      const PortDef& port = s.ports[k];
      std::string proto = port.protocol == "UDP" ? "udp" : port.protocol == "SCTP" ? "sctp" : "tcp";
      std::string name = ns + "/" + s.name + (port.name.empty() ? "" : ":" + port.name);
      std::string dport = std::to_string(port.port), target = std::to_string(s.resolved[k]);
      ++out.service_ports;
      if (eps.empty()) {
        out.filter_rules += "-A KUBE-SERVICES -d " + ip + "/32 -p " + proto + " -m comment --comment \"" + name +
                            " has no endpoints\" -m " + proto + " --dport " + dport +
                            " -j REJECT --reject-with icmp-port-unreachable\n";
        if (s.node_ports[k])
          out.filter_rules += "-A KUBE-EXTERNAL-SERVICES -p " + proto + " -m comment --comment \"" + name +
                              " has no endpoints\" -m addrtype --dst-type LOCAL -m " + proto + " --dport " +
                              std::to_string(s.node_ports[k]) + " -j REJECT --reject-with icmp-port-unreachable\n";
        continue;
      }
      const std::string svc = "KUBE-SVC-" + chain_hash(name + proto);
      out.nat_chains += ":" + svc + " - [0:0]\n";
      out.nat_rules += "-A KUBE-SERVICES -d " + ip + "/32 -p " + proto + " -m comment --comment \"" + name +
                       " cluster IP\" -m " + proto + " --dport " + dport + " -j " + svc + "\n";
      out.nat_rules += "-A " + svc + " ! -s " + cluster_cidr + " -d " + ip + "/32 -p " + proto +
                       " -m comment --comment \"" + name + " cluster IP\" -m " + proto + " --dport " + dport +
                       " -j KUBE-MARK-MASQ\n";
      if (s.node_ports[k]) {
        const std::string ext = "KUBE-EXT-" + chain_hash(name + proto);
        out.nat_chains += ":" + ext + " - [0:0]\n";
        out.nat_rules += "-A KUBE-NODEPORTS -p " + proto + " -m comment --comment \"" + name + "\" -m " + proto +
                         " --dport " + std::to_string(s.node_ports[k]) + " -j " + ext + "\n";
        out.nat_rules += "-A " + ext + " -m comment --comment \"masquerade traffic for " + name +
                         " external destinations\" -j KUBE-MARK-MASQ\n";
        out.nat_rules += "-A " + ext + " -j " + svc + "\n";
      }
      for (size_t e = 0; e < eps.size(); ++e) {
        const std::string sep = "KUBE-SEP-" + chain_hash(name + proto + eps[e]);
        const std::string dest = eps[e] + ":" + target;
        out.nat_chains += ":" + sep + " - [0:0]\n";
        out.nat_rules += "-A " + svc + " -m comment --comment \"" + name + " -> " + dest + "\"";
        size_t left = eps.size() - e;
        if (left > 1) {
          char prob[32];
          std::snprintf(prob, sizeof prob, "%.11f", 1.0 / static_cast<double>(left));
          out.nat_rules += std::string(" -m statistic --mode random --probability ") + prob;
        }
        out.nat_rules += " -j " + sep + "\n";
        out.nat_rules += "-A " + sep + " -s " + eps[e] + "/32 -m comment --comment \"" + name + "\" -j KUBE-MARK-MASQ\n";
        out.nat_rules += "-A " + sep + " -p " + proto + " -m comment --comment \"" + name + "\" -m " + proto +
                         " -j DNAT --to-destination " + dest + "\n";
        ++out.endpoints;
      }
    }
  }
  return out;
}

std::string iptables_save(const ProxyRules& k, const std::string& subnet) {
  const std::string net(kPodCidr);
  std::string s = "# Generated by iptables-save v1.8.9 (nf_tables)\n*filter\n";
  s += ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:FLANNEL-FWD - [0:0]\n";
  s += ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-SERVICES - [0:0]\n";
  s += "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" "
       "-j KUBE-EXTERNAL-SERVICES\n";
  s += "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n";
  s += "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n";
  s += "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD\n";
  s += "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n";
  s += "-A FLANNEL-FWD -s " + net + " -m comment --comment \"flanneld forward\" -j ACCEPT\n";
  s += "-A FLANNEL-FWD -d " + net + " -m comment --comment \"flanneld forward\" -j ACCEPT\n";
  s += "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n";
  s += "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n";
  s += "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate "
       "RELATED,ESTABLISHED -j ACCEPT\n";
  s += k.filter_rules;
  s += "COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n";
  s += ":FLANNEL-POSTRTG - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n";
  s += ":KUBE-SERVICES - [0:0]\n";
  s += k.nat_chains;
  s += "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n";
  s += "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n";
  s += "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n";
  s += "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n";
  const std::string fl = " -m comment --comment \"flanneld masq\" -j ";
  s += "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000" + fl + "RETURN\n";
  s += "-A FLANNEL-POSTRTG -s " + subnet + " -d " + net + fl + "RETURN\n";
  s += "-A FLANNEL-POSTRTG -s " + net + " -d " + subnet + fl + "RETURN\n";
  s += "-A FLANNEL-POSTRTG ! -s " + net + " -d " + subnet + fl + "RETURN\n";
  s += "-A FLANNEL-POSTRTG -s " + net + " ! -d 224.0.0.0/4" + fl + "MASQUERADE --random-fully\n";
  s += "-A FLANNEL-POSTRTG ! -s " + net + " -d " + net + fl + "MASQUERADE --random-fully\n";
  s += "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n";
  s += "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n";
  s += "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n";
  s += "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE "
       "--random-fully\n";
  s += k.nat_rules;
  s += "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in "
       "this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n";
  s += "COMMIT\n";
  return s;
}

}  // namespace

std::string write_node_bundles(const Plan& p, GenStats& stats) {
  if (p.calico) return "--node-bundles writes flannel-vxlan bundles: use it with --cni flannel";
  if (p.vtep_macs.size() != p.nodes.size()) return "internal error: VTEP MACs not recorded";
  const size_t n = p.nodes.size();
  const size_t ipt = std::min(p.opts.iptables_nodes, n);
  ProxyRules kp;
  if (ipt) kp = proxy_rules(p);
  const std::string gw = ip4(kGateway);
  for (size_t i = 0; i < n; ++i) {
    const NodeRec& node = p.nodes[i];
    fs::path dir = fs::path(p.opts.out) / "nodes" / node.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return dir.string() + ": cannot create directory: " + ec.message();
    const std::string ip = ip4(node.ip), net = pod_net(i), vtep = net, bridge = ip4(kPodNet + static_cast<uint32_t>(i) * 256 + 1);
    const std::string eth_mac = "52:54:00:" + std::string(p.vtep_macs[i], 9), cni_mac = "7a:" + std::string(p.vtep_macs[i], 3);

    auto link = [&](bool detailed) {
      std::string s = "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\",\"LOWER_UP\"],\"mtu\":65536,"
                      "\"operstate\":\"UNKNOWN\",\"link_type\":\"loopback\",\"address\":\"00:00:00:00:00:00\"";
      if (!detailed)
        s += ",\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8,\"scope\":\"host\","
             "\"label\":\"lo\"}]";
      s += "},\n{\"ifindex\":2,\"ifname\":\"eth0\",\"flags\":[\"BROADCAST\",\"MULTICAST\",\"UP\",\"LOWER_UP\"],"
           "\"mtu\":1500,\"operstate\":\"UP\",\"link_type\":\"ether\",\"address\":\"" + eth_mac + "\"";
      if (!detailed)
        s += ",\"addr_info\":[{\"family\":\"inet\",\"local\":\"" + ip +
             "\",\"prefixlen\":16,\"broadcast\":\"10.0.255.255\",\"scope\":\"global\",\"label\":\"eth0\"}]";
      s += "},\n{\"ifindex\":3,\"ifname\":\"flannel.1\",\"flags\":[\"BROADCAST\",\"MULTICAST\",\"UP\",\"LOWER_UP\"],"
           "\"mtu\":1450,\"operstate\":\"UNKNOWN\",\"link_type\":\"ether\",\"address\":\"" + p.vtep_macs[i] + "\"";
      if (detailed)
        s += ",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"id\":1,\"local\":\"" + ip +
             "\",\"link\":\"eth0\",\"port\":8472,\"learning\":false,\"ageing\":300,\"udp_csum\":true}}";
      else
        s += ",\"addr_info\":[{\"family\":\"inet\",\"local\":\"" + vtep +
             "\",\"prefixlen\":32,\"scope\":\"global\",\"label\":\"flannel.1\"}]";
      s += "},\n{\"ifindex\":4,\"ifname\":\"cni0\",\"flags\":[\"BROADCAST\",\"MULTICAST\",\"UP\",\"LOWER_UP\"],"
           "\"mtu\":1450,\"operstate\":\"UP\",\"link_type\":\"ether\",\"address\":\"" + cni_mac + "\"";
      if (detailed)
        s += ",\"linkinfo\":{\"info_kind\":\"bridge\",\"info_data\":{\"stp_state\":0,\"vlan_filtering\":0}}";
      else
        s += ",\"addr_info\":[{\"family\":\"inet\",\"local\":\"" + bridge + "\",\"prefixlen\":24,\"broadcast\":\"" +
             ip4(kPodNet + static_cast<uint32_t>(i) * 256 + 255) + "\",\"scope\":\"global\",\"label\":\"cni0\"}]";
      return s + "}]\n";
    };

    std::string route = "[{\"dst\":\"default\",\"gateway\":\"" + gw + "\",\"dev\":\"eth0\",\"flags\":[]},\n";
    route += "{\"dst\":\"10.0.0.0/16\",\"dev\":\"eth0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"" + ip +
             "\",\"flags\":[]},\n";
    route += "{\"dst\":\"" + net + "/24\",\"dev\":\"cni0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"" +
             bridge + "\",\"flags\":[]}";
    std::string neigh = "[{\"dst\":\"" + gw + "\",\"dev\":\"eth0\",\"lladdr\":\"52:54:00:00:00:01\",\"state\":[\"REACHABLE\"]}";
    std::string fdb = "[";
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const std::string peer = pod_net(j);
      route += ",\n{\"dst\":\"" + peer + "/24\",\"gateway\":\"" + peer + "\",\"dev\":\"flannel.1\",\"flags\":[\"onlink\"]}";
      neigh += ",\n{\"dst\":\"" + peer + "\",\"dev\":\"flannel.1\",\"lladdr\":\"" + p.vtep_macs[j] +
               "\",\"state\":[\"PERMANENT\"]}";
      fdb += std::string(fdb.size() > 1 ? ",\n" : "") + "{\"mac\":\"" + p.vtep_macs[j] +
             "\",\"ifname\":\"flannel.1\",\"flags\":[\"self\"],\"dst\":\"" + ip4(p.nodes[j].ip) +
             "\",\"state\":\"permanent\"}";
    }
    route += "]\n";
    neigh += "]\n";
    fdb += "]\n";
    std::string sysctl =
        "net.bridge.bridge-nf-call-ip6tables = 1\n"
        "net.bridge.bridge-nf-call-iptables = 1\n"
        "net.ipv4.conf.all.forwarding = 1\n"
        "net.ipv4.conf.all.rp_filter = 2\n"
        "net.ipv4.conf.cni0.forwarding = 1\n"
        "net.ipv4.conf.cni0.rp_filter = 2\n"
        "net.ipv4.conf.default.forwarding = 1\n"
        "net.ipv4.conf.default.rp_filter = 2\n"
        "net.ipv4.conf.eth0.forwarding = 1\n"
        "net.ipv4.conf.eth0.rp_filter = 2\n"
        "net.ipv4.conf.flannel/1.forwarding = 1\n"
        "net.ipv4.conf.flannel/1.rp_filter = 2\n"
        "net.ipv4.ip_forward = 1\n"
        "kernel.hostname = " + node.name + "\n";
    std::string env = "FLANNEL_NETWORK=" + std::string(kPodCidr) + "\nFLANNEL_SUBNET=" + bridge +
                      "/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
    const std::pair<const char*, std::string> files[] = {
        {"ip-addr.json", link(false)}, {"ip-link.json", link(true)},   {"ip-route.json", route},
        {"ip-neigh.json", neigh},      {"bridge-fdb.json", fdb},       {"sysctl.txt", sysctl},
        {"flannel-subnet.env", env}};
    for (const auto& [name, text] : files) {
      std::string err = write_file(dir / name, text);
      if (!err.empty()) return err;
      stats.bundle_bytes += text.size();
    }
    // kube-proxy rules on `ipt` nodes spread over the cluster (the first, then every n/ipt-th).
    if (ipt && i % (n / ipt) == 0 && i / (n / ipt) < ipt) {
      std::string save = iptables_save(kp, net + "/24");
      std::string err = write_file(dir / "iptables-save.txt", save);
      if (!err.empty()) return err;
      stats.bundle_bytes += save.size();
      stats.iptables_nodes.push_back(node.name);
    }
    ++stats.bundles;
  }
  stats.proxy_service_ports = kp.service_ports;
  stats.proxy_endpoints = kp.endpoints;
  return "";
}

}  // namespace ndbench::detail
