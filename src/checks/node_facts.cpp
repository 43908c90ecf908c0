#include "checks/node_facts.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checks/util.h"
#include "node/text.h"

namespace nd::checks {

using node::Address;
using node::Family;
using node::Prefix;

// ---- small helpers -------------------------------------------------------------------------

bool is_cni_device(std::string_view n) {
  static const std::string_view exact[] = {
      "cni0",        "tunl0",         "vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali", "kube-ipvs0",
      "kube-bridge", "kube-dummy-if", "nodelocaldns", "weave",           "datapath",       "cbr0"};
  static const std::string_view prefixes[] = {"flannel", "cali",    "veth", "cilium_",    "lxc",
                                              "vxlan-",  "antrea-", "ovn-", "genev_sys_", "vethwe"};
  for (auto e : exact)
    if (n == e) return true;
  for (auto p : prefixes)
    if (n.substr(0, p.size()) == p) return true;
  return false;
}

std::string conf_key(std::string_view family_dir, std::string_view iface, std::string_view setting) {
  std::string i(iface);
  std::replace(i.begin(), i.end(), '.', '/');  // sysctl writes a dot inside a component as '/'
  return fmt::format("net.{}.conf.{}.{}", family_dir, i, setting);
}

std::optional<Prefix> prefix_of(std::string_view text) {
  auto p = node::parse_prefix(node::trim(text));
  if (!p) return std::nullopt;
  return p->network();
}

std::string family_name(Family f) { return f == Family::V4 ? "IPv4" : "IPv6"; }

uint32_t line_of(std::string_view text, std::string_view needle) {
  size_t pos = text.find(needle);
  if (pos == std::string_view::npos) return 0;
  return static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n')) + 1;
}

std::string node_ip(const Node& n, Family f) {
  auto fits = [&](const std::string& s) {
    auto a = node::parse_address(s);
    return a && a->family == f;
  };
  const char* keys4[] = {"flannel.alpha.coreos.com/public-ip", "projectcalico.org/IPv4Address"};
  const char* keys6[] = {"flannel.alpha.coreos.com/public-ipv6", "projectcalico.org/IPv6Address"};
  for (const char* k : f == Family::V4 ? keys4 : keys6)
    if (const std::string* v = find_value(n.meta.annotations, k)) {
      std::string ip = v->substr(0, v->find('/'));  // Calico writes "192.168.1.10/24"
      if (fits(ip)) return ip;
    }
  for (const auto& a : n.addresses)
    if (a.type == "InternalIP" && fits(a.address)) return a.address;
  for (const auto& a : n.addresses)
    if (a.type == "ExternalIP" && fits(a.address)) return a.address;
  return {};
}

const FlannelEnv::Entry* FlannelEnv::get(std::string_view key) const {
  auto it = vars.find(key);
  return it == vars.end() ? nullptr : &it->second;
}

// ---- NodeFacts lookups ---------------------------------------------------------------------

const node::Link* NodeFacts::iface(std::string_view n) const { return node::find_link(links, n); }

const node::SysctlLine* NodeFacts::sysctl_line(std::string_view key) const {
  if (!sysctl) return nullptr;
  auto it = sysctl_index_.find(std::string(key));
  return it == sysctl_index_.end() ? nullptr : &sysctl->entries[it->second];
}

std::optional<int> NodeFacts::sysctl_int(std::string_view key) const {
  const node::SysctlLine* l = sysctl_line(key);
  if (!l || l->value.empty()) return std::nullopt;
  char* end = nullptr;
  long v = std::strtol(l->value.c_str(), &end, 10);
  if (end == l->value.c_str()) return std::nullopt;
  return static_cast<int>(v);
}

std::string NodeFacts::route_src(const node::Route& r) const {
  return fmt::format("{}[{}]", bundle->source("ip-route.json"), r.index);
}

const node::Route* NodeFacts::lookup(const Address& a) const {
  // main4_/main6_ are sorted longest prefix first, lowest metric first: the first that contains wins.
  for (const auto& r : a.is_v4() ? main4_ : main6_)
    if (node::contains(r.prefix, a)) return &r;
  return nullptr;
}

const node::Route* NodeFacts::default_route(Family f) const {
  for (const auto& r : f == Family::V4 ? main4_ : main6_)
    if (r.prefix.len == 0 && r.type == "unicast") return &r;
  return nullptr;
}

std::string NodeFacts::underlay(Family f) const {
  if (const node::Route* d = default_route(f)) {
    if (!d->dev.empty()) return d->dev;
    if (!d->nexthops.empty()) return d->nexthops.front().dev;
  }
  if (node) {
    std::string ip = node_ip(*node, f);
    for (const auto& l : links)
      for (const auto& a : l.addrs)
        if (!ip.empty() && a.local == ip) return l.ifname;
  }
  return {};
}

bool NodeFacts::on_link(const Address& a, std::string* iface_out) const {
  for (const auto& h : host_addresses())
    if (h.prefix.family() == a.family && node::contains(h.prefix.network(), a)) {
      if (iface_out) *iface_out = h.iface;
      return true;
    }
  // No ip-addr.json: a connected route (scope link, no gateway) on a non-CNI device says the same.
  if (links.empty())
    for (const auto& r : a.is_v4() ? main4_ : main6_)
      if (r.scope == "link" && r.gateway.empty() && !r.dev.empty() && !is_cni_device(r.dev) && r.prefix.len > 0 &&
          node::contains(r.prefix, a)) {
        if (iface_out) *iface_out = r.dev;
        return true;
      }
  return false;
}

// ---- building ------------------------------------------------------------------------------

struct NodeFactsBuilder {
  static void index(NodeFacts& f) {
    if (f.sysctl)
      for (size_t i = 0; i < f.sysctl->entries.size(); ++i) f.sysctl_index_.emplace(f.sysctl->entries[i].key, i);
    if (f.routes)
      for (const auto& r : *f.routes) {
        if (r.table != "main") continue;
        if (r.type != "unicast" && r.type != "blackhole" && r.type != "unreachable" && r.type != "prohibit" &&
            r.type != "throw")
          continue;
        (r.family() == Family::V4 ? f.main4_ : f.main6_).push_back(r);
      }
    for (const auto& l : f.links) {
      if (is_cni_device(l.ifname) || l.ifname == "lo") continue;
      for (const auto& a : l.addrs)
        if (!a.prefix.addr.is_loopback() && !a.prefix.addr.is_link_local()) f.hosts_.push_back({l.ifname, a.prefix});
    }
    for (auto* v : {&f.main4_, &f.main6_})
      std::stable_sort(v->begin(), v->end(), [](const node::Route& a, const node::Route& b) {
        if (a.prefix.len != b.prefix.len) return a.prefix.len > b.prefix.len;
        return a.metric.value_or(0) < b.metric.value_or(0);
      });
  }
};

namespace {

template <typename T, typename Parse>
void parse_file(NodeFacts& f, std::string_view name, Parsed<T>& out, Parse parse) {
  const std::string* text = f.bundle->file(name);
  if (!text) return;
  out.present = true;
  auto r = parse(*text, f.bundle->source(name));
  if (r.ok()) {
    out.value = std::move(r.value());
  } else {
    out.error = r.error().message;
    f.unreadable.push_back({f.bundle->source(name), out.error});
  }
}

Result<FlannelEnv> parse_flannel_env(std::string_view text, std::string_view label) {
  FlannelEnv env;
  for (const auto& l : node::split_lines(text)) {
    std::string_view s = node::trim(l.text);
    if (s.empty() || s[0] == '#') continue;
    auto eq = s.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return node::line_error(label, l.number, "expected KEY=VALUE, got '" + std::string(s) + "'");
    env.vars[std::string(node::trim(s.substr(0, eq)))] = {std::string(node::trim(s.substr(eq + 1))), l.number};
  }
  return env;
}

void read_cni_conf(NodeFacts& f, const std::string& name, const std::string& text) {
  CniConf c;
  c.file = name;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    c.error = e.what();
    f.unreadable.push_back({f.bundle->source(name), std::string("not JSON: ") + e.what()});
    f.cni_confs.push_back(std::move(c));
    return;
  }
  auto plugin = [&](const nlohmann::json& p) {
    if (!p.is_object()) return;
    if (p.contains("type") && p["type"].is_string()) c.types.push_back(p["type"].get<std::string>());
    for (const nlohmann::json* o : {&p, p.contains("delegate") ? &p["delegate"] : nullptr}) {
      if (!o || !o->is_object()) continue;
      if (o->contains("mtu") && (*o)["mtu"].is_number_integer()) {
        c.mtu = (*o)["mtu"].get<int>();
        c.mtu_line = line_of(text, "\"mtu\"");
      }
      if (o->contains("ipMasq") && (*o)["ipMasq"].is_boolean()) {
        c.ip_masq = (*o)["ipMasq"].get<bool>();
        c.ip_masq_line = line_of(text, "\"ipMasq\"");
      }
    }
  };
  if (j.is_object() && j.contains("plugins") && j["plugins"].is_array())
    for (const auto& p : j["plugins"]) plugin(p);
  else
    plugin(j);
  f.cni_confs.push_back(std::move(c));
}

bool ends_with(std::string_view s, std::string_view e) {
  return s.size() >= e.size() && s.substr(s.size() - e.size()) == e;
}

NodeFacts read_bundle(const Cluster& c, const NodeBundle& b) {
  NodeFacts f;
  f.bundle = &b;
  f.name = b.name;
  f.node = c.node(b.name);
  parse_file(f, "sysctl.txt", f.sysctl, node::parse_sysctl);
  parse_file(f, "ip-addr.json", f.addr, node::parse_ip_addr);
  parse_file(f, "ip-link.json", f.link, node::parse_ip_link);
  parse_file(f, "ip-route.json", f.routes, node::parse_ip_route);
  parse_file(f, "ip-neigh.json", f.neigh, node::parse_ip_neigh);
  parse_file(f, "bridge-fdb.json", f.fdb, node::parse_bridge_fdb);
  parse_file(f, "iptables-save.txt", f.ipt4, node::parse_iptables_save);
  parse_file(f, "ip6tables-save.txt", f.ipt6, node::parse_iptables_save);
  parse_file(f, "flannel-subnet.env", f.flannel_env, parse_flannel_env);
  if (f.ipt4) f.kube_proxy4 = node::kube_proxy_rules(*f.ipt4);
  if (f.ipt6) f.kube_proxy6 = node::kube_proxy_rules(*f.ipt6);
  for (const auto& [name, text] : b.files)
    if (name.rfind("cni/", 0) == 0 &&
        (ends_with(name, ".conf") || ends_with(name, ".conflist") || ends_with(name, ".json")))
      read_cni_conf(f, name, text);

  // Interfaces: ip-link.json knows kinds and masters; ip-addr.json knows addresses. Merge by name.
  if (f.link) {
    f.links = *f.link;
    f.links_file = "ip-link.json";
    if (f.addr)
      for (auto& l : f.links)
        if (const node::Link* a = node::find_link(*f.addr, l.ifname)) l.addrs = a->addrs;
  } else if (f.addr) {
    f.links = *f.addr;
    f.links_file = "ip-addr.json";
  }
  NodeFactsBuilder::index(f);
  return f;
}

// ---- ranges --------------------------------------------------------------------------------

void add_range(std::vector<RangeRef>& out, RangeRef r) {
  for (auto& have : out)
    if (have.prefix == r.prefix && have.node == r.node) return;  // first origin wins; same prefix, same node
  out.push_back(std::move(r));
}

// "--flag=value" or "--flag value" in a container's command and args.
std::string flag_value(const Container& c, std::string_view flag) {
  std::vector<std::string> all = c.command;
  all.insert(all.end(), c.args.begin(), c.args.end());
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string& a = all[i];
    if (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 && a[flag.size()] == '=')
      return a.substr(flag.size() + 1);
    if (a == flag && i + 1 < all.size()) return all[i + 1];
  }
  return {};
}

// Ranges named by a control-plane flag in the static pods (comma separated for dual-stack).
void flag_ranges(const Cluster& c, std::string_view pod_prefix, std::string_view flag, std::vector<RangeRef>& out) {
  for (const Pod& p : c.pods) {
    if (p.meta.name.rfind(pod_prefix, 0) != 0) continue;
    for (const Container& ct : p.containers) {
      std::string v = flag_value(ct, flag);
      if (v.empty()) continue;
      size_t start = 0;
      while (start <= v.size()) {
        size_t comma = v.find(',', start);
        std::string one = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (auto pr = prefix_of(one)) {
          RangeRef r;
          r.prefix = *pr;
          r.text = one;
          r.origin = fmt::format("{} {}", std::string(pod_prefix), flag);
          r.evidence = {at(p.meta, fmt::format(".spec.containers[{}].command", ct.name)),
                        fmt::format("{}={}", flag, v)};
          r.subject = subject_of("Pod", p.meta);
          add_range(out, std::move(r));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  }
}

Prefix covering(const std::vector<Address>& addrs) {
  Address lo = *std::min_element(addrs.begin(), addrs.end());
  Address hi = *std::max_element(addrs.begin(), addrs.end());
  unsigned len = 0;
  const unsigned bits = lo.bits();
  while (len < bits) {
    unsigned byte = len / 8, bit = 7 - len % 8;
    if (((lo.bytes[byte] >> bit) & 1) != ((hi.bytes[byte] >> bit) & 1)) break;
    ++len;
  }
  return Prefix{lo, len}.network();
}

void service_ranges(const Cluster& c, ClusterNet& net) {
  std::vector<RangeRef> flags;
  flag_ranges(c, "kube-apiserver", "--service-cluster-ip-range", flags);
  flag_ranges(c, "kube-controller-manager", "--service-cluster-ip-range", flags);
  for (Family f : {Family::V4, Family::V6}) {
    bool have = false;
    for (const auto& r : flags)
      if (r.prefix.family() == f) {
        add_range(net.service_ranges, r);
        have = true;
      }
    if (have) continue;
    std::vector<Address> ips;
    const Service* first = nullptr;
    for (const Service& s : c.services) {
      std::vector<std::string> all = s.cluster_ips;
      if (all.empty() && !s.cluster_ip.empty()) all.push_back(s.cluster_ip);
      for (const auto& ip : all) {
        auto a = node::parse_address(ip);
        if (!a || a->family != f) continue;
        ips.push_back(*a);
        if (!first) first = &s;
      }
    }
    if (ips.empty()) continue;
    RangeRef r;
    r.prefix = covering(ips);
    r.text = r.prefix.to_string();
    r.inferred = true;
    r.origin = fmt::format(
        "inferred from {} {} ClusterIP{} (the smallest prefix that holds them; the real range "
        "may be larger)",
        ips.size(), family_name(f), ips.size() == 1 ? "" : "s");
    r.evidence = {at(first->meta, ".spec.clusterIP"),
                  fmt::format("Service {}/{} clusterIP {} (one of {} ClusterIPs, range inferred as {})", first->meta.ns,
                              first->meta.name, first->cluster_ip, ips.size(), r.text)};
    r.subject = Subject{"Service", first->meta.ns, first->meta.name};
    net.service_ranges.push_back(std::move(r));
  }
}

void pod_ranges(const Cluster& c, const CniInfo& cni, ClusterNet& net) {
  bool calico_only = cni.kind == CniKind::Calico;
  for (const PodRange& pr : cni.pod_ranges) {
    auto p = prefix_of(pr.cidr);
    if (!p) continue;
    RangeRef r;
    r.prefix = *p;
    r.text = pr.cidr;
    r.origin = pr.origin;
    r.evidence = {pr.src.str(), fmt::format("{}: {}", pr.origin, pr.cidr)};
    r.flannel = pr.origin.rfind("flannel", 0) == 0;
    for (const IpPool& pool : c.ip_pools)
      if (pool.cidr == pr.cidr) {
        r.pool = &pool;
        r.subject = subject_of("IPPool", pool.meta);
        if (pool.from_installation) r.subject = Subject{"Installation", "", "default"};
        r.evidence.source = at(pool.meta, pool.from_installation ? ".spec.calicoNetwork.ipPools" : ".spec.cidr");
      }
    for (const ConfigMap& cm : c.config_maps)
      if (r.subject.kind.empty() && r.flannel && cm.meta.src.file == pr.src.file && cm.meta.src.line == pr.src.line)
        r.subject = subject_of("ConfigMap", cm.meta);
    if (r.subject.kind.empty()) r.subject = Subject{"PodRange", "", pr.cidr};
    add_range(net.pod_ranges, std::move(r));
  }
  // kube-controller-manager --cluster-cidr: it cuts the nodes' podCIDRs out of it (flannel, host-local).
  if (!calico_only) flag_ranges(c, "kube-controller-manager", "--cluster-cidr", net.pod_ranges);
  // flannel's IPv6Network (dual-stack): net-conf.json of its ConfigMap; the core detection reads Network only.
  for (const ConfigMap& cm : c.config_maps) {
    const std::string* conf =
        cm.meta.name.find("flannel") != std::string::npos ? find_value(cm.data, "net-conf.json") : nullptr;
    if (!conf) continue;
    try {
      auto j = nlohmann::json::parse(*conf);
      if (j.is_object() && j.contains("IPv6Network") && j["IPv6Network"].is_string())
        if (auto p = prefix_of(j["IPv6Network"].get<std::string>())) {
          RangeRef r;
          r.prefix = *p;
          r.text = j["IPv6Network"].get<std::string>();
          r.origin = "flannel net-conf.json IPv6Network (ConfigMap " + cm.meta.name + ")";
          r.evidence = {at(cm.meta, ".data[\"net-conf.json\"]"), "\"IPv6Network\": \"" + r.text + "\""};
          r.subject = subject_of("ConfigMap", cm.meta);
          r.flannel = true;
          add_range(net.pod_ranges, std::move(r));
        }
    } catch (const std::exception&) {
    }
  }
  for (const NodeFacts& f : net.nodes) {
    if (!f.flannel_env) continue;
    for (const char* key : {"FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK"}) {
      const auto* e = f.flannel_env->get(key);
      if (!e) continue;
      if (auto p = prefix_of(e->value)) {
        RangeRef r;
        r.prefix = *p;
        r.text = e->value;
        r.origin = std::string("flannel subnet.env ") + key;
        r.evidence = {f.src("flannel-subnet.env", e->line), std::string(key) + "=" + e->value};
        r.subject = Subject{"Node", "", f.name};
        r.flannel = true;
        add_range(net.pod_ranges, std::move(r));
      }
    }
  }
  // Per node: spec.podCIDRs (not what Calico's own IPAM hands out), flannel's lease, Calico blocks.
  for (const Node& n : c.nodes) {
    if (calico_only) break;
    std::vector<std::string> cidrs = n.pod_cidrs;
    if (cidrs.empty() && !n.pod_cidr.empty()) cidrs.push_back(n.pod_cidr);
    for (const auto& s : cidrs)
      if (auto p = prefix_of(s)) {
        RangeRef r;
        r.prefix = *p;
        r.text = s;
        r.node = n.meta.name;
        r.origin = "Node " + n.meta.name + " spec.podCIDRs";
        r.evidence = {at(n.meta, ".spec.podCIDRs"), fmt::format("Node {} podCIDR {}", n.meta.name, s)};
        r.subject = Subject{"Node", "", n.meta.name};
        add_range(net.node_ranges, std::move(r));
      }
  }
  for (const NodeFacts& f : net.nodes) {
    if (f.flannel_env)
      for (const char* key : {"FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET"})
        if (const auto* e = f.flannel_env->get(key))
          if (auto p = prefix_of(e->value)) {
            RangeRef r;
            r.prefix = *p;
            r.text = p->to_string();
            r.node = f.name;
            r.origin = std::string("flannel subnet.env ") + key + " of " + f.name;
            r.evidence = {f.src("flannel-subnet.env", e->line), std::string(key) + "=" + e->value};
            r.subject = Subject{"Node", "", f.name};
            r.flannel = true;
            add_range(net.node_ranges, std::move(r));
          }
    if (!f.routes || (cni.kind != CniKind::Calico && cni.kind != CniKind::Canal)) continue;
    // Calico keeps a blackhole route for each block the node owns (proto bird in BGP/IPIP mode, Felix's
    // proto 80 in VXLAN mode): the node's pod ranges, since Calico does not use spec.podCIDR.
    for (const auto& rt : *f.routes) {
      if (rt.type != "blackhole" || (rt.protocol != "bird" && rt.protocol != "80")) continue;
      bool in_pool = false;
      for (const auto& pool : net.pod_ranges) in_pool |= pool.pool && node::contains(pool.prefix, rt.prefix);
      if (!in_pool) continue;
      RangeRef r;
      r.prefix = rt.prefix.network();
      r.text = r.prefix.to_string();
      r.node = f.name;
      r.origin = "Calico block of " + f.name;
      r.evidence = {f.route_src(rt), rt.to_line()};
      r.subject = Subject{"Node", "", f.name};
      add_range(net.node_ranges, std::move(r));
    }
  }
}

}  // namespace

const NodeFacts* ClusterNet::facts(std::string_view n) const {
  for (const auto& f : nodes)
    if (f.name == n) return &f;
  return nullptr;
}

std::vector<const RangeRef*> ClusterNet::ranges_of(std::string_view n, Family f) const {
  std::vector<const RangeRef*> out;
  for (const auto& r : node_ranges)
    if (r.node == n && r.prefix.family() == f) {
      bool dup = false;  // FLANNEL_SUBNET repeats the podCIDR
      for (const RangeRef* o : out) dup |= o->prefix == r.prefix;
      if (!dup) out.push_back(&r);
    }
  return out;
}

bool ClusterNet::in_pod_range(const Prefix& p) const {
  for (const auto& r : pod_ranges)
    if (node::contains(r.prefix, p)) return true;
  for (const auto& r : node_ranges)
    if (node::contains(r.prefix, p)) return true;
  return false;
}

const ClusterNet& cluster_net(Context& ctx) {
  return ctx.cached<ClusterNet>("node-facts", [&] {
    ClusterNet net;
    for (const NodeBundle& b : ctx.cluster.bundles) net.nodes.push_back(read_bundle(ctx.cluster, b));
    pod_ranges(ctx.cluster, ctx.cni, net);
    service_ranges(ctx.cluster, net);
    return net;
  });
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
