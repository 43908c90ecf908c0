// `collect --redact`: drop what an operator should not attach to a ticket and the checks do not read.
// Pure functions over one API object (or one node-bundle file), applied while the lists stream to disk.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nd::live {

// Env values of every container (pods and pod templates) except the CNI settings that CNI detection
// reads (CALICO_*, FELIX_*, FLANNEL_*); ConfigMap data except the keys the checks read (redact.cpp has
// the table); the last-applied-configuration annotation (a copy of both). Returns how many values went.
size_t redact_object(nlohmann::json& obj, std::string_view kind);

bool keep_env_value(std::string_view name);
bool keep_configmap_key(std::string_view ns, std::string_view name, std::string_view key);

// Node-bundle files: credentials in CNI kubeconfigs (cni/calico-kubeconfig holds a service-account token).
std::string redact_bundle_file(std::string_view rel, std::string content, size_t* dropped);

}  // namespace nd::live
