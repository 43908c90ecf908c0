// What the node data-plane checks share: every node bundle parsed once per run (src/node's parsers),
// the cluster's pod and Service ranges gathered from every place that names them, and the lookups
// the checks repeat (the underlay interface, the route an address takes, the CNI's devices).
// Get it with cluster_net(ctx): the first check that asks builds it, the others reuse it.
#pragma once

#ifdef ND_HAVE_NODE

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/check.h"
#include "node/cidr.h"
#include "node/ip_json.h"
#include "node/iptables.h"
#include "node/sysctl.h"

namespace nd::checks {

// A bundle file: absent (unknown), parsed, or present but unreadable (error says where).
template <typename T>
struct Parsed {
  bool present = false;
  std::optional<T> value;
  std::string error;
  explicit operator bool() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
};

// /run/flannel/subnet.env: KEY=VALUE lines written by flanneld.
struct FlannelEnv {
  struct Entry {
    std::string value;
    uint32_t line = 0;
  };
  std::map<std::string, Entry, std::less<>> vars;  // FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ
  const Entry* get(std::string_view key) const;
};

// One file of the node's CNI configuration directory (cni/*.conf, *.conflist), the fields we use.
struct CniConf {
  std::string file;                // "cni/10-flannel.conflist"
  std::vector<std::string> types;  // plugin types: flannel, portmap, calico, bandwidth, bridge, ...
  std::optional<int> mtu;          // "mtu" of a plugin (or of flannel's delegate)
  std::optional<bool> ip_masq;     // "ipMasq" of a plugin (or of flannel's delegate)
  uint32_t mtu_line = 0, ip_masq_line = 0;
  std::string error;  // not JSON
};

struct NodeFacts {
  const NodeBundle* bundle = nullptr;
  const Node* node = nullptr;  // the Node object of the same name, when the snapshot has it
  std::string name;

  Parsed<node::Sysctl> sysctl;
  Parsed<std::vector<node::Link>> addr;  // ip-addr.json
  Parsed<std::vector<node::Link>> link;  // ip-link.json
  Parsed<std::vector<node::Route>> routes;
  Parsed<std::vector<node::Neighbor>> neigh;
  Parsed<std::vector<node::FdbEntry>> fdb;
  Parsed<node::IptablesSave> ipt4, ipt6;  // iptables-save.txt, ip6tables-save.txt
  std::optional<node::KubeProxyRules> kube_proxy4, kube_proxy6;
  Parsed<FlannelEnv> flannel_env;
  std::vector<CniConf> cni_confs;
  // "nodes/w1/ip-route.json: [3].dst: ..." for every file that is present and did not parse.
  std::vector<Evidence> unreadable;

  // Interfaces: ip-link.json (it has the kinds) with the addresses of ip-addr.json merged in, or
  // ip-addr.json alone. Empty when neither file is there.
  std::vector<node::Link> links;
  std::string links_file;  // which file the interfaces came from, for evidence

  const node::Link* iface(std::string_view name) const;
  // The value of a sysctl key and its line, or nullptr (also when sysctl.txt is missing).
  const node::SysctlLine* sysctl_line(std::string_view key) const;
  std::optional<int> sysctl_int(std::string_view key) const;
  // "nodes/w1/sysctl.txt:12"
  std::string src(std::string_view file, uint32_t line = 0) const { return bundle->source(file, line); }
  std::string route_src(const node::Route& r) const;  // "nodes/w1/ip-route.json[3]"

  // Main-table routes that forward (unicast and the rejecting types), no local/broadcast entries.
  const std::vector<node::Route>& main_routes(node::Family f) const { return f == node::Family::V4 ? main4_ : main6_; }
  // Longest-prefix match in the main table, as the kernel picks a route for a destination.
  const node::Route* lookup(const node::Address& a) const;
  const node::Route* default_route(node::Family f) const;
  // The interface the node's own traffic leaves by: the default route's device, else the one holding
  // the node's InternalIP of that family. "" when unknown.
  std::string underlay(node::Family f) const;
  // Addresses on interfaces that are not the CNI's (the node's own networks), with their prefixes.
  struct HostAddr {
    std::string iface;
    node::Prefix prefix;  // host bits kept: address/len
  };
  const std::vector<HostAddr>& host_addresses() const { return hosts_; }
  // True when `a` is on a subnet the node is attached to (not through a CNI device).
  bool on_link(const node::Address& a, std::string* iface = nullptr) const;

 private:
  friend struct NodeFactsBuilder;
  std::unordered_map<std::string, size_t> sysctl_index_;
  std::vector<node::Route> main4_, main6_;  // copies kept sorted longest prefix first
  std::vector<HostAddr> hosts_;
};

// A pod or Service range and where it was read.
struct RangeRef {
  node::Prefix prefix;  // normalised
  std::string text;     // as written ("10.244.0.0/16")
  std::string
      origin;  // "IPPool default-ipv4-ippool", "Node w1 spec.podCIDRs", "kube-apiserver --service-cluster-ip-range"
  Evidence evidence;
  Subject subject;               // what to name in a finding about this range
  std::string node;              // per-node ranges: the node they belong to
  const IpPool* pool = nullptr;  // Calico pools
  bool inferred = false;         // Service range deduced from ClusterIPs
  bool flannel = false;          // flannel's Network (net-conf.json or subnet.env)
};

struct ClusterNet {
  std::vector<NodeFacts> nodes;  // one per bundle, in snapshot order
  // Cluster-wide pod ranges (IPPools, flannel Network, --cluster-cidr), deduplicated by prefix.
  std::vector<RangeRef> pod_ranges;
  // Per-node ranges: spec.podCIDRs, flannel's FLANNEL_SUBNET, Calico blocks seen as blackhole routes.
  std::vector<RangeRef> node_ranges;
  // The Service range per family: --service-cluster-ip-range, else inferred from the ClusterIPs.
  std::vector<RangeRef> service_ranges;

  const NodeFacts* facts(std::string_view node) const;
  // Node ranges of one node (podCIDRs first, then flannel subnet, then Calico blocks).
  std::vector<const RangeRef*> ranges_of(std::string_view node, node::Family f) const;
  bool in_pod_range(const node::Prefix& p) const;  // inside a cluster-wide or per-node pod range
};

const ClusterNet& cluster_net(Context& ctx);

// ---- small helpers -------------------------------------------------------------------------

// Devices the CNI (or kube-proxy) creates: cni0, flannel.1, tunl0, vxlan.calico, cali*, veth*, ...
bool is_cni_device(std::string_view ifname);
// The sysctl key of an interface setting: iface "flannel.1" -> "net.ipv4.conf.flannel/1.forwarding".
std::string conf_key(std::string_view family_dir, std::string_view iface, std::string_view setting);
// A Node's address of one family: flannel's public-ip annotation, Calico's IPv4Address annotation,
// else the InternalIP. "" when none.
std::string node_ip(const Node& n, node::Family f);
std::optional<node::Prefix> prefix_of(std::string_view text);  // parse, normalised; nullopt if bad
std::string family_name(node::Family f);                       // "IPv4" / "IPv6"
// The first line of `text` that contains `needle` (1-based), 0 when none.
uint32_t line_of(std::string_view text, std::string_view needle);

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
