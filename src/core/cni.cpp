#include "core/cni.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nd {
namespace {

// Known CNI agents, by the DaemonSet / pod name prefixes their official manifests use.
struct KnownCni {
  std::string_view name;
  CniKind kind;
  std::vector<std::string_view> prefixes;  // DaemonSet, Deployment or pod name prefixes
  bool enforces_policy;
  bool bridge_based;
};

const std::vector<KnownCni>& known_cnis() {
  static const std::vector<KnownCni> table = {
      {"calico", CniKind::Calico, {"calico-node", "calico-kube-controllers", "calico-typha"}, true, false},
      {"flannel", CniKind::Flannel, {"kube-flannel", "flannel"}, false, true},
      {"canal", CniKind::Canal, {"canal"}, true, false},
      {"cilium", CniKind::Other, {"cilium"}, true, false},
      {"weave", CniKind::Other, {"weave-net"}, true, true},
      {"kindnet", CniKind::Other, {"kindnet"}, false, false},
      {"antrea", CniKind::Other, {"antrea-agent", "antrea-controller"}, true, false},
      {"kube-router", CniKind::Other, {"kube-router"}, true, true},
      {"aws-vpc-cni", CniKind::Other, {"aws-node"}, false, false},
      {"kube-ovn", CniKind::Other, {"kube-ovn-cni", "ovs-ovn"}, true, false},
  };
  return table;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const KnownCni* match_name(std::string_view name) {
  for (const auto& k : known_cnis())
    for (auto p : k.prefixes)
      if (starts_with(name, p)) return &k;
  return nullptr;
}

std::string env_of(const Workload& w, std::string_view container, std::string_view var) {
  for (const auto& c : w.containers)
    if (container.empty() || c.name == container)
      for (const auto& e : c.env)
        if (e.name == var) return e.value;
  return {};
}

std::string calico_mode(const std::vector<PodRange>& ranges) {
  // The mode of the enabled pools; IPv4 pools decide the encapsulation. No pool known: no mode claimed.
  if (ranges.empty()) return "";
  for (const auto& r : ranges) {
    if (r.disabled) continue;
    const std::string& e = r.encapsulation;
    if (e == "IPIP" || e == "Always-ipip") return "ipip";
    if (e == "IPIPCrossSubnet") return "ipip-crosssubnet";
    if (e == "VXLAN") return "vxlan";
    if (e == "VXLANCrossSubnet") return "vxlan-crosssubnet";
  }
  return "bgp";
}

std::string pool_encapsulation(const IpPool& p) {
  if (!p.encapsulation.empty()) return p.encapsulation;
  if (p.ipip_mode == "Always") return "IPIP";
  if (p.ipip_mode == "CrossSubnet") return "IPIPCrossSubnet";
  if (p.vxlan_mode == "Always") return "VXLAN";
  if (p.vxlan_mode == "CrossSubnet") return "VXLANCrossSubnet";
  return "None";
}

void read_flannel_config(const Cluster& c, CniInfo& info) {
  for (const auto& cm : c.config_maps) {
    if (cm.meta.name.find("flannel") == std::string::npos) continue;
    const std::string* net_conf = find_value(cm.data, "net-conf.json");
    if (!net_conf) continue;
    try {
      auto j = nlohmann::json::parse(*net_conf);
      info.flannel_network = j.value("Network", "");
      if (j.contains("Backend") && j["Backend"].is_object()) {
        info.flannel_backend = j["Backend"].value("Type", "");
        info.flannel_direct_routing = j["Backend"].value("DirectRouting", false);
      }
      if (info.flannel_backend.empty()) info.flannel_backend = "udp";  // flannel's built-in default
      info.evidence.push_back({cm.meta.src.str() + " .data[\"net-conf.json\"]",
                               fmt::format("ConfigMap {}/{}: Network {}, Backend {}{}", cm.meta.ns, cm.meta.name,
                                           info.flannel_network, info.flannel_backend,
                                           info.flannel_direct_routing ? " with DirectRouting" : "")});
      if (!info.flannel_network.empty())
        info.pod_ranges.push_back({info.flannel_network, "flannel net-conf.json Network (ConfigMap " + cm.meta.name + ")",
                                   info.flannel_backend, true, false, cm.meta.src});
    } catch (const std::exception& e) {
      info.evidence.push_back({cm.meta.src.str(), "net-conf.json is not valid JSON: " + std::string(e.what())});
    }
    return;
  }
}

void read_bundles(const Cluster& c, CniInfo& info, bool& calico, bool& flannel) {
  for (const auto& b : c.bundles) {
    for (const auto& [name, text] : b.files) {
      if (!starts_with(name, "cni/")) continue;
      if (text.find("\"calico\"") != std::string::npos) {
        if (!calico) info.evidence.push_back({b.source(name), "CNI config with \"type\": \"calico\""});
        calico = true;
      }
      if (text.find("\"flannel\"") != std::string::npos) {
        if (!flannel) info.evidence.push_back({b.source(name), "CNI config with \"type\": \"flannel\""});
        flannel = true;
      }
    }
    if (const std::string* env = b.file("flannel-subnet.env")) {
      flannel = true;
      // FLANNEL_NETWORK=10.244.0.0/16, FLANNEL_MTU=1450
      auto get = [&](std::string_view key) -> std::string {
        auto pos = env->find(std::string(key) + "=");
        if (pos == std::string::npos) return {};
        auto end = env->find('\n', pos);
        return env->substr(pos + key.size() + 1, end == std::string::npos ? std::string::npos : end - pos - key.size() - 1);
      };
      if (info.flannel_network.empty()) info.flannel_network = get("FLANNEL_NETWORK");
      std::string mtu = get("FLANNEL_MTU");
      if (!mtu.empty() && info.mtu == 0) info.mtu = std::atoi(mtu.c_str());
    }
  }
}

}  // namespace

std::string CniInfo::describe() const {
  if (kind == CniKind::Unknown && name.empty()) return decidable ? "none detected" : "unknown (no CNI data in the snapshot)";
  std::string s = name;
  if (!mode.empty()) s += " (" + mode + ")";
  if (!pod_ranges.empty()) {
    s += ", pod ranges";
    for (const auto& r : pod_ranges) s += " " + r.cidr;
  }
  return s;
}

CniInfo detect_cni(const Cluster& c) {
  CniInfo info;
  bool calico = false, flannel = false;
  const KnownCni* other = nullptr;

  // We can only say "no CNI" when the snapshot shows the system namespaces' workloads or pods, or the
  // nodes' CNI configuration directories.
  auto system_ns = [](const std::string& ns) {
    return ns == "kube-system" || ns == "kube-flannel" || ns == "calico-system" || ns == "tigera-operator";
  };
  for (const auto& w : c.workloads)
    if (system_ns(w.meta.ns)) info.decidable = true;
  for (const auto& p : c.pods)
    if (system_ns(p.meta.ns)) info.decidable = true;
  for (const auto& b : c.bundles)
    for (const auto& [name, text] : b.files)
      if (name.rfind("cni/", 0) == 0 || name == "manifest.json") info.decidable = true;

  for (const auto& w : c.workloads) {
    const KnownCni* k = match_name(w.meta.name);
    if (!k) continue;
    info.agent_workloads.push_back(&w);
    info.evidence.push_back({w.meta.src.str(), fmt::format("{} {}/{}", w.kind, w.meta.ns, w.meta.name)});
    if (k->kind == CniKind::Calico) calico = true;
    else if (k->kind == CniKind::Flannel) flannel = true;
    else if (k->kind == CniKind::Canal) calico = flannel = true;
    else if (!other) other = k;
  }
  for (const auto& p : c.pods) {
    const KnownCni* k = match_name(p.meta.name);
    if (!k) continue;
    info.agent_pods.push_back(&p);
    if (info.agent_workloads.empty() && info.evidence.size() < 3)
      info.evidence.push_back({p.meta.src.str(), fmt::format("Pod {}/{}", p.meta.ns, p.meta.name)});
    if (k->kind == CniKind::Calico) calico = true;
    else if (k->kind == CniKind::Flannel) flannel = true;
    else if (k->kind == CniKind::Canal) calico = flannel = true;
    else if (!other) other = k;
  }
  for (const auto& pool : c.ip_pools) {
    calico = true;
    // The operator's Installation and the IPPool it creates name the same range: keep one.
    bool seen = false;
    for (const auto& r : info.pod_ranges) seen |= r.cidr == pool.cidr;
    if (seen) continue;
    std::string enc = pool_encapsulation(pool);
    info.pod_ranges.push_back({pool.cidr, (pool.from_installation ? "Installation pool " : "IPPool ") + pool.meta.name,
                               enc, pool.nat_outgoing, pool.disabled, pool.meta.src});
    info.evidence.push_back({pool.meta.src.str(),
                             fmt::format("{} {} ({}): cidr {}, ipipMode {}, vxlanMode {}, natOutgoing {}{}",
                                         pool.from_installation ? "Installation pool" : "IPPool", pool.meta.name,
                                         pool.api_group, pool.cidr, pool.ipip_mode.empty() ? "-" : pool.ipip_mode,
                                         pool.vxlan_mode.empty() ? "-" : pool.vxlan_mode, pool.nat_outgoing,
                                         pool.disabled ? ", disabled" : "")});
  }
  for (const auto& inst : c.calico_installations) {
    calico = true;
    if (inst.mtu) info.mtu = inst.mtu;
  }
  read_flannel_config(c, info);
  if (!info.flannel_backend.empty()) flannel = true;
  read_bundles(c, info, calico, flannel);

  // Calico installed from a manifest without IPPool objects in the snapshot: the DaemonSet's env says
  // what pool calico-node creates at start.
  if (calico && c.ip_pools.empty()) {
    for (const Workload* w : info.agent_workloads) {
      if (w->meta.name != "calico-node" && w->meta.name != "canal") continue;
      std::string cidr = env_of(*w, "", "CALICO_IPV4POOL_CIDR");
      std::string ipip = env_of(*w, "", "CALICO_IPV4POOL_IPIP");
      std::string vxlan = env_of(*w, "", "CALICO_IPV4POOL_VXLAN");
      if (!cidr.empty() || !ipip.empty() || !vxlan.empty()) {
        std::string enc = ipip == "Always" ? "IPIP" : ipip == "CrossSubnet" ? "IPIPCrossSubnet"
                          : vxlan == "Always" ? "VXLAN" : vxlan == "CrossSubnet" ? "VXLANCrossSubnet" : "None";
        if (!cidr.empty())
          info.pod_ranges.push_back({cidr, "calico-node env CALICO_IPV4POOL_CIDR", enc, true, false, w->meta.src});
        info.evidence.push_back({w->meta.src.str(), fmt::format("DaemonSet {} env CALICO_IPV4POOL_CIDR={} "
                                                                "CALICO_IPV4POOL_IPIP={} CALICO_IPV4POOL_VXLAN={}",
                                                                w->meta.name, cidr, ipip, vxlan)});
      }
    }
  }

  if (calico && flannel) {
    info.kind = CniKind::Canal;
    info.name = "canal";
    info.enforces_policy = true;
    info.mode = "flannel " + (info.flannel_backend.empty() ? std::string("vxlan") : info.flannel_backend) +
                " + calico policy";
  } else if (calico) {
    info.kind = CniKind::Calico;
    info.name = "calico";
    info.enforces_policy = true;
    info.mode = calico_mode(info.pod_ranges);
  } else if (flannel) {
    info.kind = CniKind::Flannel;
    info.name = "flannel";
    info.bridge_based = true;
    std::string b = info.flannel_backend.empty() ? "" : info.flannel_backend;
    info.mode = b == "vxlan" && info.flannel_direct_routing ? "vxlan-directrouting" : b;
  } else if (other) {
    info.kind = CniKind::Other;
    info.name = std::string(other->name);
    info.enforces_policy = other->enforces_policy;
    info.bridge_based = other->bridge_based;
  }
  if (info.kind == CniKind::Flannel || info.kind == CniKind::Canal) info.bridge_based = true;
  if (info.kind != CniKind::Unknown) info.decidable = true;

  return info;
}

}  // namespace nd
