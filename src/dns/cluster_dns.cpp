#include "dns/cluster_dns.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "node/cidr.h"

namespace nd::dns {
namespace {

bool contains(std::string_view s, std::string_view n) { return s.find(n) != std::string_view::npos; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return o;
}

bool coredns_image(const std::vector<Container>& cs) {
  for (const auto& c : cs)
    if (contains(c.image, "coredns") || contains(c.image, "k8s-dns-kube-dns")) return true;
  return false;
}

bool is_dns_deployment(const Workload& w) {
  if (w.kind != "Deployment") return false;
  if (w.meta.name == "coredns" || w.meta.name == "kube-dns") return true;
  const std::string* app = find_value(w.template_labels, "k8s-app");
  if (app && *app == "kube-dns") return true;
  return coredns_image(w.containers);
}

bool is_node_local_dns(const Workload& w) {
  if (w.kind != "DaemonSet") return false;
  if (w.meta.name == "node-local-dns" || w.meta.name == "nodelocaldns") return true;
  for (const auto& c : w.containers)
    if (contains(c.image, "k8s-dns-node-cache")) return true;
  return false;
}

NodeResolvFile resolv_file_of(const NodeBundle& b, const NodeDns& nd) {
  NodeResolvFile f;
  f.bundle = &b;
  const KubeletConfig* k = nd.kubelet ? &*nd.kubelet : nullptr;
  const std::string cfg = b.source("kubelet-config.yaml");
  if (const std::string* t = b.file("kubelet-resolv.conf")) {
    f.from = NodeResolvFile::From::KubeletResolvConf;
    f.rel = "kubelet-resolv.conf";
    f.text = t;
    if (k && k->resolv_conf) f.path = *k->resolv_conf;
    f.why.push_back({b.source("kubelet-resolv.conf"),
                     "the file the kubelet hands to dnsPolicy=Default pods, as "
                     "collected from the node"});
    return f;
  }
  std::string path = "/etc/resolv.conf";
  if (k && k->resolv_conf) {
    path = *k->resolv_conf;
    f.why.push_back({fmt::format("{}:{}", cfg, k->resolv_conf_line), fmt::format("resolvConf: \"{}\"", path)});
    if (path.empty()) {
      f.from = NodeResolvFile::From::NoHostFile;
      return f;
    }
  } else if (k) {
    f.why.push_back({cfg, "no resolvConf: the kubelet uses its default, /etc/resolv.conf"});
  } else if (b.file("resolv.conf")) {
    f.why.push_back({b.source("resolv.conf"),
                     "no kubelet-config.yaml in the bundle: assumed the kubelet default, /etc/resolv.conf"});
  }
  f.path = path;
  const std::string* t = b.file("resolv.conf");
  if (path == "/etc/resolv.conf" && t) {
    f.from = NodeResolvFile::From::NodeResolvConf;
    f.rel = "resolv.conf";
    f.text = t;
  }
  return f;
}

std::vector<LoopbackNameserver> loopbacks_of(const NodeResolvFile& f, const std::vector<std::string>& node_ips) {
  std::vector<LoopbackNameserver> out;
  if (f.from == NodeResolvFile::From::NoHostFile) {
    bool v6 = !node_ips.empty() && std::all_of(node_ips.begin(), node_ips.end(),
                                               [](const std::string& ip) { return ip.find(':') != std::string::npos; });
    out.push_back({v6 ? "::1" : "127.0.0.1", 0});
    return out;
  }
  if (!f.text) return out;
  HostResolv h = parse_host_resolv(*f.text);
  // The kubelet passes at most three on (validation.MaxDNSNameservers).
  for (size_t i = 0; i < h.nameservers.size() && i < 3; ++i) {
    auto a = node::parse_address(h.nameservers[i]);
    if (a.ok() && a->is_loopback()) out.push_back({h.nameservers[i], h.nameserver_lines[i]});
  }
  return out;
}

std::vector<std::string> node_ips(const Node* n) {
  std::vector<std::string> out;
  if (!n) return out;
  for (const auto& a : n->addresses)
    if (a.type == "InternalIP") out.push_back(a.address);
  return out;
}

}  // namespace

std::string NodeResolvFile::source(uint32_t line) const {
  if (!bundle || rel.empty()) return bundle ? bundle->dir : "";
  return bundle->source(rel, line);
}

const NodeDns* DnsView::node(std::string_view name) const {
  auto it = node_index.find(name);
  return it == node_index.end() ? nullptr : &nodes[it->second];
}

bool DnsView::is_dns_pod(const Pod& p) const { return std::find(pods.begin(), pods.end(), &p) != pods.end(); }

bool looks_like_dns_pod(const Pod& p) {
  for (const auto& o : p.meta.owners)
    if (o.kind == "DaemonSet") return false;  // node-local-dns and the like: caches, not the cluster DNS
  const std::string* app = find_value(p.meta.labels, "k8s-app");
  if (app && *app == "kube-dns") return true;
  return coredns_image(p.containers);
}

DnsView dns_view(const Cluster& c) {
  DnsView v;
  for (const auto& w : c.workloads) {
    if (is_dns_deployment(w)) v.deployments.push_back(&w);
    if (is_node_local_dns(w)) v.node_local_dns.push_back(&w);
  }
  for (const auto& p : c.pods) {
    if (looks_like_dns_pod(p)) v.pods.push_back(&p);
    v.namespaces.insert(p.meta.ns);
  }
  for (const auto& s : c.services) {
    v.services.emplace(s.meta.ns + "/" + s.meta.name, &s);
    v.services_by_name[s.meta.name].push_back(&s);
    v.namespaces.insert(s.meta.ns);
  }
  for (const auto& n : c.namespaces) v.namespaces.insert(n.meta.name);
  for (const auto& s : c.services)
    if (s.meta.ns == "kube-system" && s.meta.name == "kube-dns") v.kube_dns = &s;
  if (!v.kube_dns)
    for (const auto& s : c.services) {
      const std::string* app = find_value(s.selector, "k8s-app");
      if (app && *app == "kube-dns" && !s.headless()) {
        v.kube_dns = &s;
        break;
      }
    }

  // The Corefile: a ConfigMap with that key, in the DNS Deployment's namespace; "coredns" first.
  std::string dns_ns = v.deployments.empty() ? "kube-system" : v.deployments.front()->meta.ns;
  for (const auto& cm : c.config_maps) {
    if (cm.meta.ns != dns_ns || !find_value(cm.data, "Corefile")) continue;
    if (!v.corefile_cm || cm.meta.name == "coredns") v.corefile_cm = &cm;
  }
  if (v.corefile_cm) {
    auto r =
        parse_corefile(*find_value(v.corefile_cm->data, "Corefile"), v.corefile_cm->meta.src.str() + " .data.Corefile");
    if (r.ok())
      v.corefile = std::move(*r);
    else
      v.corefile_error = r.error().message;
  }

  // Nodes: every Node object and every bundle.
  std::set<std::string> names;
  for (const auto& n : c.nodes) names.insert(n.meta.name);
  for (const auto& b : c.bundles) names.insert(b.name);
  std::map<std::string, int> domains;
  for (const auto& name : names) {
    NodeDns nd;
    nd.node = name;
    nd.node_obj = c.node(name);
    nd.bundle = c.bundle(name);
    if (nd.bundle) {
      if (const std::string* t = nd.bundle->file("kubelet-config.yaml")) {
        auto k = parse_kubelet_config(*t, nd.bundle->source("kubelet-config.yaml"));
        if (k.ok())
          nd.kubelet = std::move(*k);
        else
          nd.kubelet_error = k.error().message;
      }
      nd.file = resolv_file_of(*nd.bundle, nd);
      nd.loopbacks = loopbacks_of(nd.file, node_ips(nd.node_obj));
    }
    if (nd.kubelet && nd.kubelet->has_cluster_domain && !nd.kubelet->cluster_domain.empty())
      domains[nd.kubelet->cluster_domain]++;
    v.node_index.emplace(nd.node, v.nodes.size());
    v.nodes.push_back(std::move(nd));
  }
  if (!domains.empty()) {
    auto best = std::max_element(domains.begin(), domains.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    v.cluster_domain = best->first;
    v.cluster_domain_from = "kubelet clusterDomain";
  } else if (v.corefile) {
    for (const auto& sb : v.corefile->servers)
      if (const Directive* k = sb.plugin("kubernetes"); k && !k->args.empty()) {
        std::string z = k->args[0];
        if (!z.empty() && z.back() == '.') z.pop_back();
        v.cluster_domain = z;
        v.cluster_domain_from = "the Corefile's kubernetes plugin";
        break;
      }
  }
  return v;
}

const Workload* dns_deployment_for(const Cluster& c, const DnsView& v, const Pod* p) {
  if (p)
    for (const auto& o : p->meta.owners) {
      if (o.kind != "ReplicaSet") continue;
      if (const Workload* rs = c.workload("ReplicaSet", p->meta.ns, o.name))
        for (const auto& ro : rs->meta.owners)
          if (ro.kind == "Deployment")
            if (const Workload* d = c.workload("Deployment", p->meta.ns, ro.name)) return d;
      for (const Workload* d : v.deployments)  // no ReplicaSet object: its name starts with the Deployment's
        if (d->meta.ns == p->meta.ns && o.name.rfind(d->meta.name + "-", 0) == 0) return d;
    }
  return v.deployments.empty() ? nullptr : v.deployments.front();
}

std::string corefile_source(const DnsView& v, uint32_t line) {
  if (!v.corefile_cm) return {};
  return fmt::format("{} .data.Corefile:{}", v.corefile_cm->meta.src.str(), line);
}

namespace {

EffectivePodDns compute(const Cluster& c, const DnsView& v, const PodDnsInput& in, const NodeDns* nd) {
  EffectivePodDns e;
  e.node = nd;
  KubeletDnsInput& k = e.kubelet;
  const KubeletConfig* kc = nd && nd->kubelet ? &*nd->kubelet : nullptr;
  if (kc) {
    k.cluster_dns = kc->cluster_dns;
    k.cluster_domain = kc->has_cluster_domain ? kc->cluster_domain : "";
  } else {
    if (v.kube_dns && !v.kube_dns->cluster_ip.empty() && !v.kube_dns->headless()) {
      k.cluster_dns = {v.kube_dns->cluster_ip};
      e.assumptions.push_back(
          fmt::format("the kubelet's clusterDNS is not in the snapshot: assumed the {}/{} "
                      "ClusterIP {}",
                      v.kube_dns->meta.ns, v.kube_dns->meta.name, v.kube_dns->cluster_ip));
    } else {
      e.assumptions.push_back(
          "the kubelet's clusterDNS and the kube-dns Service are not in the snapshot: "
          "the cluster DNS address is unknown");
    }
    k.cluster_domain = v.cluster_domain;
    e.assumptions.push_back(fmt::format("clusterDomain {} ({})", v.cluster_domain, v.cluster_domain_from));
  }
  if (nd && nd->file.from == NodeResolvFile::From::NoHostFile) {
    k.has_resolv_conf = false;
  } else if (nd && nd->file.text) {
    k.host = parse_host_resolv(*nd->file.text);
  } else {
    e.assumptions.push_back(nd && !nd->file.path.empty()
                                ? fmt::format("the node's {} is not in the snapshot: its nameservers and search "
                                              "list are unknown",
                                              nd->file.path)
                                : "the node's resolver file is not in the snapshot: its nameservers and search "
                                  "list are unknown");
  }
  if (nd && nd->node_obj) {
    k.limit = kubelet_search_limit(nd->node_obj->kubelet_version);
    for (const auto& a : nd->node_obj->addresses)
      if (a.type == "InternalIP") k.node_ips.push_back(a.address);
  }
  e.dns = kubelet_pod_dns(in, k);
  (void)c;
  return e;
}

}  // namespace

EffectivePodDns effective_pod_dns(const Cluster& c, const DnsView& v, const Pod& p) {
  PodDnsInput in;
  in.ns = p.meta.ns;
  in.dns_policy = p.dns_policy;
  in.host_network = p.host_network;
  in.has_dns_config = p.dns_config.present;
  in.nameservers = p.dns_config.nameservers;
  in.searches = p.dns_config.searches;
  for (const auto& [k, val] : p.dns_config.options) in.options.emplace_back(k, val);
  const NodeDns* nd = p.node_name.empty() ? nullptr : v.node(p.node_name);
  EffectivePodDns e = compute(c, v, in, nd);
  if (p.node_name.empty())
    e.assumptions.push_back("the pod is not scheduled: no node, so the node's files are unknown");
  return e;
}

EffectivePodDns cluster_first_dns(const Cluster& c, const DnsView& v, std::string_view ns) {
  PodDnsInput in;
  in.ns = std::string(ns);
  in.dns_policy = "ClusterFirst";
  // Any node's kubelet stands for all: the cluster part of the file is the same on every node.
  const NodeDns* nd = nullptr;
  for (const auto& n : v.nodes)
    if (n.kubelet) {
      nd = &n;
      break;
    }
  return compute(c, v, in, nd);
}

ClusterResolution resolve_in_cluster(const DnsView& v, std::string_view name, const ResolverConf& conf, Libc libc) {
  ClusterResolution r;
  r.candidates = query_order(lower(name), conf, libc);
  const std::string suffix = "." + lower(v.cluster_domain) + ".";
  bool external = false;
  for (const Candidate& cand : r.candidates) {
    std::string_view f = cand.fqdn;
    if (!ends_with(f, suffix)) {
      if (count_dots(f) >= 1) external = true;  // "redis." goes upstream and fails; "redis.corp.example." may exist
      continue;
    }
    std::string_view prefix = f.substr(0, f.size() - suffix.size());
    std::vector<std::string_view> labels;
    for (size_t i = 0; i <= prefix.size();) {
      size_t d = prefix.find('.', i);
      labels.push_back(prefix.substr(i, d == std::string_view::npos ? std::string_view::npos : d - i));
      if (d == std::string_view::npos) break;
      i = d + 1;
    }
    // SVC.NS.svc, or HOST.SVC.NS.svc for a pod behind a headless Service.
    if (labels.size() < 3 || labels.size() > 4 || labels.back() != "svc") continue;
    std::string key = std::string(labels[labels.size() - 2]) + "/" + std::string(labels[labels.size() - 3]);
    auto it = v.services.find(key);
    if (it == v.services.end() || (labels.size() == 4 && !it->second->headless())) continue;
    r.kind = ClusterResolution::Kind::Service;
    r.service = it->second;
    r.answered = cand.fqdn;
    return r;
  }
  r.kind = external ? ClusterResolution::Kind::External : ClusterResolution::Kind::NotFound;
  return r;
}

std::vector<const Service*> services_named(const DnsView& v, std::string_view first_label, std::string_view ns) {
  std::vector<const Service*> out;
  auto it = v.services_by_name.find(first_label);
  if (it == v.services_by_name.end()) return out;
  for (const Service* s : it->second)
    if (s->meta.ns != ns) out.push_back(s);
  return out;
}

bool cluster_looking(const DnsView& v, std::string_view name) {
  std::string n = lower(name);
  if (!n.empty() && n.back() == '.') n.pop_back();
  const std::string d = lower(v.cluster_domain);
  if (ends_with(n, ".svc") || ends_with(n, ".svc." + d) || ends_with(n, "." + d)) return true;
  size_t dot = n.find('.');
  if (dot == std::string::npos) return false;
  std::string second = n.substr(dot + 1);
  second = second.substr(0, second.find('.'));
  return v.namespaces.count(second) > 0;
}

}  // namespace nd::dns
