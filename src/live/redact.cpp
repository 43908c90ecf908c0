#include "live/redact.h"

#include <array>

namespace nd::live {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

// ConfigMap keys that checks and CNI detection read (src/dns/cluster_dns.cpp, src/core/cni.cpp,
// src/checks/node_facts.cpp) plus the CNI and kube-proxy settings a reader of the ticket needs.
struct KeepRule {
  std::string_view name_part;  // ConfigMap name contains this ("" = any name)
  std::string_view key;
};
constexpr std::array<KeepRule, 10> kKeep{{
    {"", "Corefile"},                     // CoreDNS: coredns-loop, coredns-unhealthy (any DNS namespace)
    {"flannel", "net-conf.json"},         // flannel Network / Backend / IPv6Network
    {"flannel", "cni-conf.json"},
    {"canal", "net-conf.json"},
    {"calico-config", "calico_backend"},  // calico manifests: backend, MTU, CNI config
    {"calico-config", "veth_mtu"},
    {"calico-config", "cni_network_config"},
    {"canal-config", "veth_mtu"},
    {"kube-proxy", "config.conf"},        // clusterCIDR, mode
    {"kubelet-config", "kubelet"},        // clusterDNS, resolvConf
}};

size_t redact_containers(nlohmann::json& spec) {
  size_t n = 0;
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (auto& c : spec[list]) {
      if (!c.is_object() || !c.contains("env") || !c["env"].is_array()) continue;
      for (auto& e : c["env"]) {
        if (!e.is_object() || !e.contains("value")) continue;
        std::string name = e.value("name", "");
        if (keep_env_value(name)) continue;
        e.erase("value");
        ++n;
      }
    }
  }
  return n;
}

}  // namespace

bool keep_env_value(std::string_view name) {
  return starts_with(name, "CALICO_") || starts_with(name, "FELIX_") || starts_with(name, "FLANNEL_");
}

bool keep_configmap_key(std::string_view ns, std::string_view name, std::string_view key) {
  (void)ns;  // the rules go by name: the CNI's namespace differs between installs
  for (const auto& r : kKeep)
    if (r.key == key && (r.name_part.empty() || contains(name, r.name_part))) return true;
  return false;
}

size_t redact_object(nlohmann::json& obj, std::string_view kind) {
  if (!obj.is_object()) return 0;
  size_t n = 0;
  if (obj.contains("metadata") && obj["metadata"].is_object()) {
    auto& md = obj["metadata"];
    if (md.contains("annotations") && md["annotations"].is_object() &&
        md["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration"))
      ++n;
  }
  if (kind == "ConfigMap") {
    std::string ns = obj["metadata"].value("namespace", "");
    std::string name = obj["metadata"].value("name", "");
    if (obj.contains("binaryData") && obj["binaryData"].is_object()) {
      n += obj["binaryData"].size();
      obj.erase("binaryData");
    }
    if (obj.contains("data") && obj["data"].is_object()) {
      auto& data = obj["data"];
      for (auto it = data.begin(); it != data.end();) {
        if (keep_configmap_key(ns, name, it.key())) {
          ++it;
        } else {
          it = data.erase(it);
          ++n;
        }
      }
    }
    return n;
  }
  if (kind == "Pod" && obj.contains("spec") && obj["spec"].is_object()) return n + redact_containers(obj["spec"]);
  // Workloads: the pod template.
  if (obj.contains("spec") && obj["spec"].is_object() && obj["spec"].contains("template") &&
      obj["spec"]["template"].is_object() && obj["spec"]["template"].contains("spec") &&
      obj["spec"]["template"]["spec"].is_object())
    n += redact_containers(obj["spec"]["template"]["spec"]);
  return n;
}

std::string redact_bundle_file(std::string_view rel, std::string content, size_t* dropped) {
  if (!starts_with(rel, "cni/") || !contains(rel, "kubeconfig")) return content;
  // A kubeconfig: blank the values of token and *-data lines, keep the structure.
  std::string out;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string key = line.substr(0, colon);
      size_t k = key.find_first_not_of(" \t-");
      key = k == std::string::npos ? "" : key.substr(k);
      if (key == "token" || key == "client-key-data" || key == "client-certificate-data" || key == "password") {
        line = line.substr(0, colon + 1) + " REDACTED";
        if (dropped) ++*dropped;
      }
    }
    out += line;
    if (end < content.size()) out += '\n';
    pos = end + 1;
  }
  return out;
}

}  // namespace nd::live
