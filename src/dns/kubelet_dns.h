// How the kubelet writes a pod's resolv.conf (pkg/kubelet/network/dns/dns.go, GetPodDNS), from the
// pod's dnsPolicy, dnsConfig and hostNetwork and the kubelet's clusterDNS, clusterDomain and
// resolvConf; and how the container runtime prints the result. Pure functions of plain values, so
// the checks, `netdoctor dns` and the tests share one implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "dns/resolver.h"

namespace nd::dns {

// The host file as the kubelet itself reads it (parseResolvConf), which is not how glibc reads it:
// every nameserver line counts, only "search" lines count ("domain" is ignored), trailing dots are
// trimmed and "." dropped, and the last "options" line replaces the earlier ones whole.
struct HostResolv {
  std::vector<std::string> nameservers, searches, options;
  std::vector<uint32_t> nameserver_lines;  // 1-based line of each nameserver
  uint32_t search_line = 0, options_line = 0;
};
HostResolv parse_host_resolv(std::string_view text);

// The DNS part of a KubeletConfiguration (/var/lib/kubelet/config.yaml).
struct KubeletConfig {
  std::vector<std::string> cluster_dns;  // clusterDNS
  uint32_t cluster_dns_line = 0;
  std::string cluster_domain;  // clusterDomain ("" when absent: the kubelet then adds no cluster search)
  bool has_cluster_domain = false;
  uint32_t cluster_domain_line = 0;
  // resolvConf: nullopt when absent (the kubelet uses /etc/resolv.conf), "" when set empty (no host file).
  std::optional<std::string> resolv_conf;
  uint32_t resolv_conf_line = 0;
};
Result<KubeletConfig> parse_kubelet_config(std::string_view yaml, std::string_view label);

enum class PodDnsType { Cluster, Host, None };
std::string_view to_string(PodDnsType t);
// dnsPolicy "" is the API default ClusterFirst; ClusterFirst on the host network falls back to Default.
PodDnsType pod_dns_type(std::string_view dns_policy, bool host_network);

// The pod's side.
struct PodDnsInput {
  std::string ns;
  std::string dns_policy;  // as in the spec; "" = ClusterFirst
  bool host_network = false;
  bool has_dns_config = false;
  std::vector<std::string> nameservers, searches;            // dnsConfig
  std::vector<std::pair<std::string, std::string>> options;  // dnsConfig options, value "" = none
};

// The node's side: what the kubelet on the pod's node knows.
struct KubeletDnsInput {
  std::vector<std::string> cluster_dns;  // empty: the kubelet has no cluster DNS address
  std::string cluster_domain;
  bool has_resolv_conf = true;  // false: resolvConf "" (no host file at all)
  HostResolv host;              // the file resolvConf names
  SearchLimit limit = kKubeletExpandedLimit;
  // Without a host file the kubelet names a loopback per node IP (::1 for an IPv6 one).
  std::vector<std::string> node_ips;
};

struct PodDns {
  PodDnsType type = PodDnsType::Cluster;
  std::vector<std::string> nameservers, searches, options;
  bool cluster_dns_missing = false;  // ClusterFirst without clusterDNS: the kubelet fell back to Default
  std::vector<std::string> dropped_nameservers, dropped_searches;  // cut by the kubelet's limits
  std::vector<std::string> notes;  // one sentence per decision, in order, for `netdoctor dns`
};

PodDns kubelet_pod_dns(const PodDnsInput& pod, const KubeletDnsInput& kubelet);

// The file as the runtime (containerd, CRI-O) writes it: search, nameserver lines, options.
std::string render_resolv_conf(const PodDns& d);

// Which search limit a kubelet version applies: v1.26 and later expand to 32 domains / 2048 chars.
SearchLimit kubelet_search_limit(std::string_view kubelet_version);

}  // namespace nd::dns
