// Where the kubelet keeps its configuration and which resolv.conf it hands to dnsPolicy=Default
// pods (P7, P8): from its command line when it runs here, else the kubeadm defaults.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd::collect {

inline constexpr const char* kDefaultKubeletConfig = "/var/lib/kubelet/config.yaml";
inline constexpr const char* kDefaultResolvConf = "/etc/resolv.conf";  // the kubelet's own default

struct KubeletFlags {
  std::string config;                      // --config
  std::optional<std::string> resolv_conf;  // --resolv-conf (may be "", meaning none)
};

// From the kubelet's argv ("--config=/x", "--config /x", "-config" forms accepted).
KubeletFlags parse_kubelet_cmdline(const std::vector<std::string>& argv);

// The resolvConf field of a KubeletConfiguration YAML: nullopt when the field is absent (the kubelet
// then uses /etc/resolv.conf), "" when it is set empty (pods get no host nameservers).
Result<std::optional<std::string>> kubelet_config_resolv_conf(std::string_view yaml, std::string_view label);

// Looks through /proc (proc_root) for a process named "kubelet" and returns its argv.
std::optional<std::vector<std::string>> find_kubelet_cmdline(const std::string& proc_root = "/proc");

}  // namespace nd::collect
