#include "dns/kubelet_dns.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "node/text.h"

namespace nd::dns {
namespace {

constexpr size_t kMaxNameservers = 3;  // validation.MaxDNSNameservers
const std::vector<std::string> kDefaultOptions = {"ndots:5"};

std::vector<std::string> omit_duplicates(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

// mergeDNSOptions: the pod's options replace options of the same name. The kubelet goes through a Go
// map, so its order is random; here existing options keep their place and new ones follow.
std::vector<std::string> merge_options(const std::vector<std::string>& existing,
                                       const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::pair<std::string, std::string>> m;
  auto set = [&](const std::string& k, const std::string& v) {
    for (auto& kv : m)
      if (kv.first == k) {
        kv.second = v;
        return;
      }
    m.emplace_back(k, v);
  };
  for (const auto& op : existing) {
    size_t c = op.find(':');
    if (c == std::string::npos)
      set(op, "");
    else
      set(op.substr(0, c), op.substr(c + 1));
  }
  for (const auto& [k, v] : extra) set(k, v);
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(v.empty() ? k : k + ":" + v);
  return out;
}

}  // namespace

HostResolv parse_host_resolv(std::string_view text) {
  HostResolv h;
  for (const auto& l : node::split_lines(text)) {
    std::string_view t = node::trim(l.text);
    if (t.empty() || t[0] == '#') continue;
    auto f = node::split_ws(t);
    if (f.empty()) continue;
    if (f[0] == "nameserver") {
      if (f.size() >= 2) {
        h.nameservers.emplace_back(f[1]);
        h.nameserver_lines.push_back(l.number);
      }
    } else if (f[0] == "search") {
      h.searches.clear();
      for (size_t i = 1; i < f.size(); ++i) {
        if (f[i] == ".") continue;
        std::string_view s = f[i];
        if (!s.empty() && s.back() == '.') s.remove_suffix(1);
        h.searches.emplace_back(s);
      }
      h.search_line = l.number;
    } else if (f[0] == "options") {
      h.options.assign(f.begin() + 1, f.end());
      h.options_line = l.number;
    }
  }
  return h;
}

Result<KubeletConfig> parse_kubelet_config(std::string_view yaml, std::string_view label) {
  KubeletConfig k;
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}:{}: {}", label, e.mark.line + 1, e.msg)};
  }
  if (!doc || doc.IsNull()) return k;
  if (!doc.IsMap()) return Error{fmt::format("{}: not a KubeletConfiguration (expected a mapping)", label)};
  auto line = [](const YAML::Node& n) { return static_cast<uint32_t>(n.Mark().line + 1); };
  if (YAML::Node n = doc["clusterDNS"]) {
    k.cluster_dns_line = line(n);
    if (n.IsSequence()) {
      for (const auto& e : n)
        if (e.IsScalar()) k.cluster_dns.push_back(e.as<std::string>());
    } else if (!n.IsNull()) {
      return Error{fmt::format("{}:{}: clusterDNS is not a list", label, k.cluster_dns_line)};
    }
  }
  if (YAML::Node n = doc["clusterDomain"]) {
    k.cluster_domain_line = line(n);
    if (!n.IsScalar() && !n.IsNull())
      return Error{fmt::format("{}:{}: clusterDomain is not a string", label, k.cluster_domain_line)};
    k.has_cluster_domain = true;
    k.cluster_domain = n.IsNull() ? "" : n.as<std::string>();
  }
  if (YAML::Node n = doc["resolvConf"]) {
    k.resolv_conf_line = line(n);
    if (!n.IsScalar() && !n.IsNull())
      return Error{fmt::format("{}:{}: resolvConf is not a string", label, k.resolv_conf_line)};
    k.resolv_conf = n.IsNull() ? "" : n.as<std::string>();
  }
  return k;
}

std::string_view to_string(PodDnsType t) {
  switch (t) {
    case PodDnsType::Cluster:
      return "cluster";
    case PodDnsType::Host:
      return "host";
    case PodDnsType::None:
      return "none";
  }
  return "?";
}

PodDnsType pod_dns_type(std::string_view policy, bool host_network) {
  if (policy == "None") return PodDnsType::None;
  if (policy == "ClusterFirstWithHostNet") return PodDnsType::Cluster;
  if (policy == "Default") return PodDnsType::Host;
  // ClusterFirst, "" (the API default) and anything the API would have refused.
  return host_network ? PodDnsType::Host : PodDnsType::Cluster;
}

PodDns kubelet_pod_dns(const PodDnsInput& pod, const KubeletDnsInput& k) {
  PodDns d;
  d.type = pod_dns_type(pod.dns_policy, pod.host_network);
  const std::string policy = pod.dns_policy.empty() ? "ClusterFirst" : pod.dns_policy;
  auto host_part = [&] {
    if (k.has_resolv_conf) {
      d.nameservers = k.host.nameservers;
      d.searches = k.host.searches;
      d.options = k.host.options;
      d.notes.push_back("nameservers, search and options come from the file the kubelet's resolvConf names");
      return;
    }
    for (const auto& ip : k.node_ips) d.nameservers.push_back(ip.find(':') != std::string::npos ? "::1" : "127.0.0.1");
    if (d.nameservers.empty()) d.nameservers.push_back("127.0.0.1");
    d.nameservers = omit_duplicates(d.nameservers);
    d.searches = {"."};
    d.notes.push_back("the kubelet's resolvConf is empty: it writes a loopback nameserver and search \".\"");
  };

  switch (d.type) {
    case PodDnsType::None:
      d.notes.push_back("dnsPolicy None: only the pod's dnsConfig counts");
      break;
    case PodDnsType::Cluster:
      if (!k.cluster_dns.empty()) {
        d.notes.push_back(fmt::format("dnsPolicy {}{}: the cluster DNS address from the kubelet's clusterDNS", policy,
                                      pod.host_network ? " on the host network" : ""));
        d.nameservers = k.cluster_dns;
        d.searches = k.has_resolv_conf ? k.host.searches : std::vector<std::string>{};
        if (!k.cluster_domain.empty()) {
          std::vector<std::string> s = {pod.ns + ".svc." + k.cluster_domain, "svc." + k.cluster_domain,
                                        k.cluster_domain};
          s.insert(s.end(), d.searches.begin(), d.searches.end());
          d.searches = omit_duplicates(s);
          d.notes.push_back(fmt::format("search: the namespace, svc and cluster domain {}, then the node's search list",
                                        k.cluster_domain));
        } else {
          d.notes.push_back("the kubelet has no clusterDomain: only the node's search list, no cluster names");
        }
        d.options = kDefaultOptions;
        d.notes.push_back("options: ndots:5 (the node's options are not used)");
        break;
      }
      d.cluster_dns_missing = true;
      d.notes.push_back(
          fmt::format("dnsPolicy {} but the kubelet has no clusterDNS: it falls back to Default "
                      "(event MissingClusterDNS)",
                      policy));
      host_part();
      break;
    case PodDnsType::Host:
      d.notes.push_back(policy == "Default"
                            ? "dnsPolicy Default: the node's resolver file"
                            : fmt::format("dnsPolicy {} on the host network falls back to Default: the node's resolver "
                                          "file (ClusterFirstWithHostNet would give the cluster DNS)",
                                          policy));
      host_part();
      break;
  }

  if (pod.has_dns_config) {
    d.nameservers = omit_duplicates([&] {
      auto v = d.nameservers;
      v.insert(v.end(), pod.nameservers.begin(), pod.nameservers.end());
      return v;
    }());
    d.searches = omit_duplicates([&] {
      auto v = d.searches;
      v.insert(v.end(), pod.searches.begin(), pod.searches.end());
      return v;
    }());
    d.options = merge_options(d.options, pod.options);
    d.notes.push_back("the pod's dnsConfig is appended (nameservers, searches) and its options override");
  }

  if (d.nameservers.size() > kMaxNameservers) {
    d.dropped_nameservers.assign(d.nameservers.begin() + kMaxNameservers, d.nameservers.end());
    d.nameservers.resize(kMaxNameservers);
    d.notes.push_back(fmt::format("more than {} nameservers: the kubelet drops {} (event DNSConfigForming)",
                                  kMaxNameservers, fmt::join(d.dropped_nameservers, ", ")));
  }
  LimitResult lim = apply_limit(d.searches, k.limit);
  if (lim.exceeded()) {
    d.dropped_searches = lim.dropped;
    d.searches = lim.kept;
    d.notes.push_back(
        fmt::format("the search list exceeds {} ({} domains, {} characters): dropped {} "
                    "(event DNSConfigForming)",
                    k.limit.who, k.limit.max_domains, k.limit.max_chars, fmt::join(d.dropped_searches, ", ")));
  }
  return d;
}

std::string render_resolv_conf(const PodDns& d) {
  std::string out;
  if (!d.searches.empty()) out += fmt::format("search {}\n", fmt::join(d.searches, " "));
  for (const auto& ns : d.nameservers) out += "nameserver " + ns + "\n";
  if (!d.options.empty()) out += fmt::format("options {}\n", fmt::join(d.options, " "));
  return out;
}

SearchLimit kubelet_search_limit(std::string_view v) {
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  int major = 0, minor = 0;
  auto r1 = std::from_chars(v.data(), v.data() + v.size(), major);
  if (r1.ec != std::errc() || r1.ptr == v.data() + v.size() || *r1.ptr != '.') return kKubeletExpandedLimit;
  auto r2 = std::from_chars(r1.ptr + 1, v.data() + v.size(), minor);
  if (r2.ec != std::errc()) return kKubeletExpandedLimit;
  return (major > 1 || minor >= 26) ? kKubeletExpandedLimit : kKubeletLegacyLimit;
}

}  // namespace nd::dns
