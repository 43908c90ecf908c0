#include "dns/config_names.h"

#include <fmt/format.h>

#include <array>

namespace nd::dns {
namespace {

std::string first_line(const std::string& v) { return v.substr(0, std::min(v.find('\n'), size_t{300})); }

void from_value(std::vector<NameUse>& out, const NameUse& base, std::string_view key, const std::string& value) {
  for (auto& h : extract_hosts(key, value)) {
    NameUse u = base;
    u.ref = std::move(h);
    u.key = std::string(key);
    u.value = first_line(value);
    out.push_back(std::move(u));
  }
}

// A ConfigMap value: one value under its key, or a configuration file read line by line.
void from_config_value(std::vector<NameUse>& out, const NameUse& base, const ConfigMap& cm, const std::string& key,
                       const std::string& value) {
  if (value.find('\n') == std::string::npos || value.find('\n') == value.size() - 1) {
    NameUse b = base;
    b.cm = &cm;
    b.cm_key = key;
    from_value(out, b, key, value);
    return;
  }
  for (const KeyValue& kv : config_lines(value)) {
    NameUse b = base;
    b.cm = &cm;
    b.cm_key = key;
    b.cm_line = kv.line;
    b.source = fmt::format("{} .data[{}] line {}", cm.meta.src.str(), key, kv.line);
    b.where = fmt::format("{}, line {}{}", base.where, kv.line, kv.key.empty() ? "" : " (" + kv.key + ")");
    for (auto& h : extract_hosts(kv.key, kv.value)) {
      NameUse u = b;
      u.ref = std::move(h);
      u.key = kv.key.empty() ? key : kv.key;
      u.value = kv.value;
      out.push_back(std::move(u));
    }
  }
}

}  // namespace

bool system_namespace(std::string_view ns) {
  static constexpr std::array<std::string_view, 8> kSystem{"kube-system",     "kube-public",       "kube-node-lease",
                                                           "kube-flannel",    "calico-system",     "calico-apiserver",
                                                           "tigera-operator", "local-path-storage"};
  for (auto s : kSystem)
    if (s == ns) return true;
  return false;
}

std::vector<NameUse> pod_name_uses(const Cluster& c, const Pod& p) {
  std::vector<NameUse> out;
  auto scan = [&](const std::vector<Container>& cs, std::string_view field) {
    for (const Container& ct : cs) {
      for (const EnvVar& e : ct.env) {
        NameUse base;
        base.container = ct.name;
        base.source = fmt::format("{} .spec.{}[{}].env[{}]", p.meta.src.str(), field, ct.name, e.name);
        if (!e.config_map.empty()) {
          const ConfigMap* cm = c.config_map(p.meta.ns, e.config_map);
          const std::string* v = cm ? find_value(cm->data, e.config_key) : nullptr;
          if (!v) continue;
          base.where = fmt::format("env {}", e.name);
          base.source = fmt::format("{} .data[{}]", cm->meta.src.str(), e.config_key);
          NameUse b = base;
          b.where = fmt::format("env {} (ConfigMap {}, key {})", e.name, cm->meta.name, e.config_key);
          b.cm = cm;
          b.cm_key = e.config_key;
          from_value(out, b, e.name, *v);
          continue;
        }
        base.where = fmt::format("env {}", e.name);
        base.literal_env = true;
        from_value(out, base, e.name, e.value);
      }
      for (const std::string& name : ct.env_from_config_maps) {
        const ConfigMap* cm = c.config_map(p.meta.ns, name);
        if (!cm) continue;
        for (const auto& [k, v] : cm->data) {
          NameUse base;
          base.container = ct.name;
          base.where = fmt::format("env {} (envFrom ConfigMap {})", k, cm->meta.name);
          base.source = fmt::format("{} .data[{}]", cm->meta.src.str(), k);
          base.cm = cm;
          base.cm_key = k;
          from_value(out, base, k, v);
        }
      }
    }
  };
  scan(p.init_containers, "initContainers");
  scan(p.containers, "containers");
  return out;
}

std::vector<NameUse> config_map_name_uses(const ConfigMap& cm) {
  std::vector<NameUse> out;
  if (cm.meta.name == "kube-root-ca.crt") return out;
  for (const auto& [k, v] : cm.data) {
    if (v.find("-----BEGIN ") != std::string::npos) continue;  // certificates and keys
    NameUse base;
    base.source = fmt::format("{} .data[{}]", cm.meta.src.str(), k);
    base.where = fmt::format("key {}", k);
    from_config_value(out, base, cm, k, v);
  }
  return out;
}

}  // namespace nd::dns
