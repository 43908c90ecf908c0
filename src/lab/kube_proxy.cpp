#include "lab/kube_proxy.h"

#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include "lab/exec.h"
#include "lab/sha256.h"

namespace nd::lab {

namespace {

std::string hash16(const std::string& s) {
  auto h = sha256(s);
  return base32(h.data(), h.size()).substr(0, 16);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string svc_chain(const std::string& port_name, const std::string& protocol) {
  return "KUBE-SVC-" + hash16(port_name + lower(protocol));
}
std::string ext_chain(const std::string& port_name, const std::string& protocol) {
  return "KUBE-EXT-" + hash16(port_name + lower(protocol));
}
std::string sep_chain(const std::string& port_name, const std::string& protocol,
                      const std::string& endpoint) {
  return "KUBE-SEP-" + hash16(port_name + lower(protocol) + endpoint);
}

bool pod_ready(const State& s, const PodState& p) {
  if (s.has_fault("dns-down") && s.dns_pod() && s.dns_pod()->name == p.name) return false;
  return !p.ip.empty();
}

bool selects(const ServiceState& v, const PodState& p) {
  if (v.selector.empty() || v.ns != p.ns) return false;
  for (const auto& [k, val] : v.selector) {
    bool found = false;
    for (const auto& [pk, pv] : p.labels)
      if (pk == k && pv == val) found = true;
    if (!found) return false;
  }
  return true;
}

std::vector<Endpoint> endpoints_of(const State& s, const ServiceState& v, const ServicePortDef& port) {
  std::vector<Endpoint> out;
  for (const auto& p : s.pods)
    if (selects(v, p)) out.push_back({p.ip, p.node, p.name, port.target_port, pod_ready(s, p)});
  return out;
}

std::string kube_proxy_jumps() {
  return "*filter\n"
         ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
         ":KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n"
         "-I INPUT 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n"
         "-I INPUT 1 -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n"
         "-I INPUT 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n"
         "-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n"
         "-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-I FORWARD 1 -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
         "-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n"
         "-I OUTPUT 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-I OUTPUT 1 -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n"
         "COMMIT\n"
         "*nat\n"
         ":KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\n"
         "-I PREROUTING 1 -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-I OUTPUT 1 -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-I POSTROUTING 1 -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
         "COMMIT\n";
}

std::string kube_proxy_restore(const State& s, const NodeState& n, const std::vector<std::string>& stale) {
  std::ostringstream filter, nat, chains;
  std::set<std::string> declared;
  auto declare = [&](const std::string& c) {
    if (declared.insert(c).second) chains << ":" << c << " - [0:0]\n";
  };
  for (const char* c : {"KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"})
    declare(c);
  std::string filter_chains =
      ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
      ":KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n";
  filter << "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
         << "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
         << "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n";
  nat << "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
      << "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
      << "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
      << "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n";
  std::ostringstream services, nodeports, svc_rules;
  bool drop_web = s.has_fault("kube-proxy-rules-missing", n.name);
  for (const auto& v : s.services) {
    if (drop_web && v.ns == "shop" && v.name == "web") continue;
    for (const auto& port : v.ports) {
      std::string spn = v.ns + "/" + v.name + ":" + port.name;
      std::string proto = lower(port.protocol);
      std::vector<Endpoint> ready;
      for (const auto& e : endpoints_of(s, v, port))
        if (e.ready) ready.push_back(e);
      if (ready.empty()) {
        filter << "-A KUBE-SERVICES -d " << v.cluster_ip << "/32 -p " << proto << " -m comment --comment "
               << quote(spn + " has no endpoints") << " -m " << proto << " --dport " << port.port
               << " -j REJECT --reject-with icmp-port-unreachable\n";
        if (port.node_port)
          filter << "-A KUBE-EXTERNAL-SERVICES -p " << proto << " -m comment --comment "
                 << quote(spn + " has no endpoints") << " -m addrtype --dst-type LOCAL -m " << proto
                 << " --dport " << port.node_port << " -j REJECT --reject-with icmp-port-unreachable\n";
        continue;
      }
      std::string svc = svc_chain(spn, port.protocol);
      declare(svc);
      services << "-A KUBE-SERVICES -d " << v.cluster_ip << "/32 " << "-p " << proto
               << " -m comment --comment " << quote(spn + " cluster IP") << " -m " << proto
               << " --dport " << port.port << " -j " << svc << "\n";
      svc_rules << "-A " << svc << " ! -s " << kClusterCidr << " -d " << v.cluster_ip << "/32 -p " << proto
                << " -m comment --comment " << quote(spn + " cluster IP") << " -m " << proto << " --dport "
                << port.port << " -j KUBE-MARK-MASQ\n";
      if (port.node_port) {
        std::string ext = ext_chain(spn, port.protocol);
        declare(ext);
        nodeports << "-A KUBE-NODEPORTS -p " << proto << " -m comment --comment "
                  << quote(spn) << " -m " << proto << " --dport " << port.node_port << " -j " << ext << "\n";
        svc_rules << "-A " << ext << " -m comment --comment "
                  << quote("masquerade traffic for " + spn + " external destinations")
                  << " -j KUBE-MARK-MASQ\n-A " << ext << " -j " << svc << "\n";
      }
      for (size_t i = 0; i < ready.size(); ++i) {
        std::string ep = ready[i].ip + ":" + std::to_string(ready[i].port);
        std::string sep = sep_chain(spn, port.protocol, ep);
        declare(sep);
        svc_rules << "-A " << svc << " -m comment --comment " << quote(spn + " -> " + ep);
        if (i + 1 < ready.size()) {
          char prob[32];
          std::snprintf(prob, sizeof prob, "%0.10f", 1.0 / double(ready.size() - i));
          svc_rules << " -m statistic --mode random --probability " << prob;
        }
        svc_rules << " -j " << sep << "\n";
        svc_rules << "-A " << sep << " -s " << ready[i].ip << "/32 -m comment --comment " << quote(spn)
                  << " -j KUBE-MARK-MASQ\n";
        svc_rules << "-A " << sep << " -p " << proto << " -m comment --comment " << quote(spn) << " -m "
                  << proto << " -j DNAT --to-destination " << ep << "\n";
      }
    }
  }
  services << "-A KUBE-SERVICES -m comment --comment "
           << quote("kubernetes service nodeports; NOTE: this must be the last rule in this chain")
           << " -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n";
  std::ostringstream removal;
  for (const auto& c : stale)
    if (!declared.count(c)) {
      chains << ":" << c << " - [0:0]\n";
      removal << "-X " << c << "\n";
    }
  return "*filter\n" + filter_chains + filter.str() + "COMMIT\n*nat\n" + chains.str() + nat.str() +
         services.str() + nodeports.str() + svc_rules.str() + removal.str() + "COMMIT\n";
}

static Result<bool> restore(const State& s, const NodeState& n, const std::string& text) {
  Command c;
  c.argv = {"iptables-restore", "--noflush"};
  c.netns = s.node_netns(n);
  c.input = text;
  if (auto r = run_ok(c); !r) return Error{r.error().message + "\n--- rules ---\n" + text};
  return true;
}

Result<bool> sync_kube_proxy(const State& s, const NodeState& n) {
  // Chains of an earlier sync that the new rules do not declare are flushed and deleted.
  auto saved = sh(s.node_netns(n), {"iptables-save", "-t", "nat"});
  if (!saved) return saved.error();
  std::vector<std::string> existing;
  std::istringstream in(*saved);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(":KUBE-SVC-", 0) == 0 || line.rfind(":KUBE-SEP-", 0) == 0 ||
        line.rfind(":KUBE-EXT-", 0) == 0)
      existing.push_back(line.substr(1, line.find(' ') - 1));
  return restore(s, n, kube_proxy_restore(s, n, existing));
}

Result<bool> install_kube_proxy(const State& s, const NodeState& n) {
  if (auto r = restore(s, n, kube_proxy_jumps()); !r) return r;
  return sync_kube_proxy(s, n);
}

}  // namespace nd::lab
