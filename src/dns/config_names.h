// Where the snapshot's workloads name hosts: pod env values (literal, from a ConfigMap key, or a whole
// ConfigMap through envFrom) and ConfigMap data (single values and configuration files). Each use
// keeps the text to quote and the place to point at.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.h"
#include "dns/hostnames.h"

namespace nd::dns {

struct NameUse {
  HostRef ref;
  std::string container;          // "" for a ConfigMap on its own
  std::string key;                // the env variable or configuration key
  std::string value;              // its value (one line)
  std::string where;              // "env REDIS_HOST", "env DB_URL (ConfigMap app-config, key db.url)", ...
  std::string source;             // evidence pointer into the input
  const ConfigMap* cm = nullptr;  // the ConfigMap the value is in, if any
  std::string cm_key;             // its data key
  uint32_t cm_line = 0;           // line inside a multi-line value (0 for a single value)
  bool literal_env = false;       // a literal env value (kubectl set env can change it)
};

// Every host named by the pod's containers (regular and init) through env and envFrom.
std::vector<NameUse> pod_name_uses(const Cluster& c, const Pod& p);
// Every host named in a ConfigMap's data.
std::vector<NameUse> config_map_name_uses(const ConfigMap& cm);

// Namespaces of the platform itself, whose ConfigMaps are not application configuration.
bool system_namespace(std::string_view ns);

}  // namespace nd::dns
