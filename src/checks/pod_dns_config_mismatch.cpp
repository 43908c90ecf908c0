// pod-dns-config-mismatch (P8, P10.2): a pod's resolver configuration, computed as the kubelet writes
// it from dnsPolicy, dnsConfig and hostNetwork, cannot work:
//  - per node: the kubelet's clusterDNS is not the kube-dns ClusterIP, or it has none (ClusterFirst
//    pods then fall back to the node's file);
//  - per workload: the kubelet had to drop search domains or nameservers (limits), musl images whose
//    search line is longer than musl reads, or an application on the node's resolver (dnsPolicy
//    Default, host network) that names cluster Services;
//  - per pod: the resolv.conf captured from the pod differs from what its policy gives.
#include "checks/pod_dns_config_mismatch.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "checks/util.h"
#include "dns/cluster_dns.h"
#include "dns/config_names.h"
#include "node/cidr.h"

#ifdef ND_HAVE_DNS  // the DNS model lives in src/dns (nd_dns); without that area there is no check

namespace nd::checks {
namespace {

bool terminated(const Pod& p) { return p.phase == "Succeeded" || p.phase == "Failed"; }

std::string policy_of(const Pod& p) { return p.dns_policy.empty() ? "ClusterFirst" : p.dns_policy; }

std::string workload_ref(const Cluster& c, const Pod& p) {
  std::string owner = controller_of(c, p);
  return owner.empty() ? "pod/" + p.meta.name : owner;
}

Subject workload_subject(const Cluster& c, const Pod& p) {
  std::string owner = controller_of(c, p);
  if (owner.empty() || owner.rfind("replicaset/", 0) == 0) return subject_of("Pod", p.meta);
  size_t slash = owner.find('/');
  static const std::map<std::string, std::string> kinds = {
      {"deployment", "Deployment"}, {"daemonset", "DaemonSet"}, {"statefulset", "StatefulSet"}, {"job", "Job"}};
  auto it = kinds.find(owner.substr(0, slash));
  return Subject{it == kinds.end() ? "Pod" : it->second, p.meta.ns, owner.substr(slash + 1)};
}

// An address that may legitimately differ from the kube-dns ClusterIP: NodeLocal DNSCache's link-local
// address while its DaemonSet runs, or the ClusterIP of another DNS Service.
bool acceptable_cluster_dns(const Cluster& c, const dns::DnsView& v, const std::string& ip) {
  if (!v.node_local_dns.empty()) {
    auto a = node::parse_address(ip);
    if (a.ok() && a->is_link_local()) return true;
  }
  for (const auto& s : c.services) {
    if (s.cluster_ip != ip) continue;
    for (const auto& port : s.ports)
      if (port.port == 53) return true;
  }
  return false;
}

std::vector<const Pod*> cluster_first_pods_on(const Cluster& c, const std::string& node) {
  std::vector<const Pod*> out;
  for (const Pod& p : c.pods)
    if (p.node_name == node && !terminated(p) &&
        dns::pod_dns_type(p.dns_policy, p.host_network) == dns::PodDnsType::Cluster)
      out.push_back(&p);
  return out;
}

void list_pods(Finding& f, const std::vector<const Pod*>& pods, const std::string& where) {
  size_t n = 0;
  for (const Pod* p : pods)
    if (n++ < 6)
      f.evidence.push_back({at(p->meta, ".spec.dnsPolicy"), fmt::format("pod {}/{} on {}: dnsPolicy {}", p->meta.ns,
                                                                        p->meta.name, p->node_name, policy_of(*p))});
  if (n > 6) f.evidence.push_back({where, fmt::format("… and {} more ClusterFirst pod(s)", n - 6)});
}

std::string pods_sentence(size_t n, const std::string& where) {
  return n == 0 ? fmt::format("No ClusterFirst pod runs on {} now; every new one will resolve nothing.", where)
                : fmt::format(
                      "The {} ClusterFirst pod(s) on {} resolve nothing: neither Service names nor outside "
                      "names.",
                      n, where);
}

void node_checks(Context& ctx, const dns::DnsView& v) {
  const Cluster& c = ctx.cluster;
  const Service* svc = v.kube_dns;
  // Nodes whose clusterDNS is not the cluster DNS Service, grouped by the address they use.
  std::map<std::string, std::vector<const dns::NodeDns*>> wrong_by_value;
  size_t with_config = 0;
  for (const dns::NodeDns& nd : v.nodes) {
    if (!nd.kubelet || !nd.bundle) continue;
    ++with_config;
    const dns::KubeletConfig& k = *nd.kubelet;
    auto pods = cluster_first_pods_on(c, nd.node);
    if (k.cluster_dns.empty()) {
      Finding& f = ctx.report("pod-dns-config-mismatch", Subject{"Node", "", nd.node});
      f.node = nd.node;
      f.evidence.push_back({nd.bundle->source("kubelet-config.yaml"), "no clusterDNS in the kubelet configuration"});
      for (const Event* e : c.events_for("Node", "", nd.node))
        if (e->reason == "MissingClusterDNS") f.evidence.push_back(event_evidence(*e));
      list_pods(f, pods, nd.bundle->dir);
      f.summary = fmt::format(
          "The kubelet on node {} has no clusterDNS, so it cannot give ClusterFirst pods the cluster DNS: it falls "
          "back to the node's resolver file (event MissingClusterDNS), where Service names do not resolve (P8, "
          "P10.2). {}",
          nd.node, pods_sentence(pods.size(), nd.node));
      f.fix = {
          fmt::format("On node {}: add `clusterDNS: [{}]` and `clusterDomain: {}` to /var/lib/kubelet/config.yaml "
                      "(kubeadm: the kubelet-config ConfigMap of kube-system too), then `systemctl restart kubelet`.",
                      nd.node, svc ? svc->cluster_ip : "<kube-dns ClusterIP>", v.cluster_domain),
          "Recreate the pods of that node so the kubelet writes their resolv.conf again (kubectl rollout "
          "restart of their workloads)."};
      continue;
    }
    if (!svc || svc->cluster_ip.empty() || svc->headless()) continue;
    std::vector<std::string> wrong;
    for (const auto& ip : k.cluster_dns)
      if (ip != svc->cluster_ip &&
          std::find(svc->cluster_ips.begin(), svc->cluster_ips.end(), ip) == svc->cluster_ips.end() &&
          !acceptable_cluster_dns(c, v, ip))
        wrong.push_back(ip);
    if (!wrong.empty()) wrong_by_value[join(wrong, ", ")].push_back(&nd);
  }
  if (!svc) return;

  for (const auto& [value, nodes] : wrong_by_value) {
    // Every kubelet agrees and only the Service differs: the Service moved (re-created without its
    // clusterIP), and giving it its address back is one change instead of one per node.
    const bool all = nodes.size() >= 2 && nodes.size() == with_config;
    std::vector<const Pod*> pods;
    std::vector<std::string> names;
    for (const auto* nd : nodes) {
      names.push_back(nd->node);
      auto p = cluster_first_pods_on(c, nd->node);
      pods.insert(pods.end(), p.begin(), p.end());
    }
    Finding& f = ctx.report("pod-dns-config-mismatch",
                            all ? subject_of("Service", svc->meta) : Subject{"Node", "", nodes.front()->node});
    if (!all) f.node = nodes.front()->node;
    for (const auto* nd : nodes)
      f.evidence.push_back({nd->bundle->source("kubelet-config.yaml", nd->kubelet->cluster_dns_line),
                            fmt::format("clusterDNS: [{}]", join(nd->kubelet->cluster_dns, ", "))});
    f.evidence.push_back({at(svc->meta, ".spec.clusterIP"),
                          fmt::format("Service {}/{} clusterIP: {}{}", svc->meta.ns, svc->meta.name, svc->cluster_ip,
                                      svc->meta.creation.empty() ? "" : " (created " + svc->meta.creation + ")")});
    const std::string where = nodes.size() == 1 ? "node " + names.front() : "nodes " + join(names, ", ");
    list_pods(f, pods, nodes.front()->bundle->dir);
    f.summary = fmt::format(
        "{} on {} give{} ClusterFirst pods the nameserver {}, but the cluster DNS Service {}/{} has the "
        "address {} (P8){}. Nothing answers DNS at {}{}. {}",
        nodes.size() == 1 ? "The kubelet" : "The kubelets", where, nodes.size() == 1 ? "s" : "", value, svc->meta.ns,
        svc->meta.name, svc->cluster_ip,
        all ? ": every kubelet agrees, so the Service changed its address (re-created without spec.clusterIP)" : "",
        value, v.node_local_dns.empty() ? "" : " (it is not NodeLocal DNSCache's address either)",
        pods_sentence(pods.size(), where));
    if (all)
      f.fix.push_back(fmt::format(
          "Give the Service its address back (one change instead of one per node): kubectl -n {} get service {} -o "
          "json "
          "| jq '.spec.clusterIP=\"{}\" | .spec.clusterIPs=[\"{}\"] | del(.metadata.resourceVersion, .metadata.uid)' "
          "> kube-dns.json && kubectl replace --force -f kube-dns.json",
          svc->meta.ns, svc->meta.name, value, value));
    f.fix.push_back(
        fmt::format("{}n {}: set `clusterDNS: [{}]` in /var/lib/kubelet/config.yaml (kubeadm: also "
                    "`kubectl -n kube-system edit configmap kubelet-config`), then `systemctl restart "
                    "kubelet`.",
                    all ? "Or, o" : "O", where, svc->cluster_ip));
    if (!all)
      f.fix.push_back(
          "Recreate the pods of that node: their resolv.conf is written when they start (kubectl rollout "
          "restart of their workloads).");
    else
      f.fix.push_back(
          "If you changed the kubelets instead, recreate every ClusterFirst pod: their resolv.conf is "
          "written when they start.");
    f.fix.push_back(
        fmt::format("Verify: kubectl exec -n <namespace> <pod> -- nslookup kubernetes.default.svc.{} "
                    "answers.",
                    v.cluster_domain));
  }
}

// The search list or nameservers do not fit a limit (the kubelet's, or musl's line buffer).
void limit_checks(Context& ctx, const dns::DnsView& v, std::set<std::string>& done) {
  const Cluster& c = ctx.cluster;
  for (const Pod& p : c.pods) {
    if (terminated(p)) continue;
    dns::EffectivePodDns e = dns::effective_pod_dns(c, v, p);
    std::vector<const Event*> forming;
    for (const Event* ev : c.events_for("Pod", p.meta.ns, p.meta.name))
      if (ev->reason == "DNSConfigForming") forming.push_back(ev);
    bool musl = false;
    for (const auto& ct : p.containers)
      if (ct.image.find("alpine") != std::string::npos || ct.image.find("musl") != std::string::npos) musl = true;
    const bool musl_long = musl && dns::joined_length(e.dns.searches) > dns::kMuslLineLimit.max_chars;
    if (e.dns.dropped_searches.empty() && e.dns.dropped_nameservers.empty() && forming.empty() && !musl_long) continue;
    Subject s = workload_subject(c, p);
    if (!done.insert("limit|" + s.str()).second) continue;
    Finding& f = ctx.report("pod-dns-config-mismatch", s);
    f.node = p.node_name;
    for (const Event* ev : forming) f.evidence.push_back(event_evidence(*ev));
    if (e.node && e.node->file.text && e.kubelet.host.search_line)
      f.evidence.push_back(
          {e.node->file.source(e.kubelet.host.search_line), "search " + join(e.kubelet.host.searches, " ")});
    if (p.dns_config.present && !p.dns_config.searches.empty())
      f.evidence.push_back({at(p.meta, ".spec.dnsConfig.searches"), "searches: " + join(p.dns_config.searches, " ")});
    std::vector<std::string> what;
    if (!e.dns.dropped_searches.empty())
      what.push_back(fmt::format("the kubelet dropped the search domain(s) {} ({} allows {} domains in {} characters)",
                                 join(e.dns.dropped_searches, ", "), e.kubelet.limit.who, e.kubelet.limit.max_domains,
                                 e.kubelet.limit.max_chars));
    if (!e.dns.dropped_nameservers.empty())
      what.push_back(
          fmt::format("the kubelet dropped the nameserver(s) {} (at most 3)", join(e.dns.dropped_nameservers, ", ")));
    if (musl_long)
      what.push_back(
          fmt::format("its search line is {} characters long and its image looks musl-based (Alpine): musl "
                      "ignores a resolv.conf line over 254 characters, so the pod has no search list and "
                      "short Service names fail",
                      dns::joined_length(e.dns.searches) + 7));
    if (what.empty()) what.push_back("the kubelet reported that the DNS limits were exceeded (event DNSConfigForming)");
    f.evidence.push_back({at(p.meta, ".spec"), "computed: " + dns::render_resolv_conf(e.dns).substr(0, 300)});
    f.summary = fmt::format("Pod {}/{} (dnsPolicy {}): {} (P10.2). Names that needed the missing entries fail.",
                            p.meta.ns, p.meta.name, policy_of(p), join(what, "; "));
    f.fix = {
        "Shorten the search list: remove search domains from the node's resolver file or from the pod's "
        "dnsConfig.searches; prefer full names (SERVICE.NAMESPACE.svc." +
            v.cluster_domain + ") in the application over extra search domains.",
        fmt::format("Then recreate the pods: kubectl -n {} rollout restart {}", p.meta.ns, workload_ref(c, p))};
  }
}

// Application pods on the node's resolver that name cluster Services.
void default_policy_checks(Context& ctx, const dns::DnsView& v, std::set<std::string>& done) {
  const Cluster& c = ctx.cluster;
  for (const Pod& p : c.pods) {
    if (terminated(p) || v.is_dns_pod(p)) continue;
    dns::EffectivePodDns e = dns::effective_pod_dns(c, v, p);
    if (e.dns.type != dns::PodDnsType::Host) continue;
    auto uses = dns::pod_name_uses(c, p);
    if (uses.empty()) continue;
    dns::ResolverConf own = e.resolver();
    dns::ResolverConf cluster = dns::cluster_first_dns(c, v, p.meta.ns).resolver();
    std::vector<std::pair<const dns::NameUse*, const Service*>> bad;
    for (const auto& u : uses) {
      auto mine = dns::resolve_in_cluster(v, u.ref.host, own);
      if (mine.kind == dns::ClusterResolution::Kind::Service) continue;
      auto theirs = dns::resolve_in_cluster(v, u.ref.host, cluster);
      if (theirs.kind == dns::ClusterResolution::Kind::Service) bad.push_back({&u, theirs.service});
    }
    if (bad.empty()) continue;
    Subject s = workload_subject(c, p);
    if (!done.insert("default|" + s.str()).second) continue;
    Finding& f = ctx.report("pod-dns-config-mismatch", s);
    f.node = p.node_name;
    f.evidence.push_back({at(p.meta, ".spec.dnsPolicy"), fmt::format("dnsPolicy: {}, hostNetwork: {}", policy_of(p),
                                                                     p.host_network ? "true" : "false")});
    std::vector<std::string> names;
    for (const auto& [u, svc] : bad) {
      f.evidence.push_back({u->source, fmt::format("{} = {}", u->key, u->value)});
      names.push_back(fmt::format("{} (Service {}/{})", u->ref.host, svc->meta.ns, svc->meta.name));
      if (names.size() >= 4) break;
    }
    if (e.node && e.node->file.text)
      f.evidence.push_back({e.node->file.source(), "the pod gets this file: " + join(e.dns.nameservers, ", ")});
    const bool hostnet = p.host_network && p.dns_policy != "Default";
    f.summary = fmt::format(
        "Pod {}/{} names cluster Services ({}) but {}, so its resolver asks {} with the node's search list: those "
        "names do not resolve (P8, P10.2).",
        p.meta.ns, p.meta.name, join(names, ", "),
        hostnet ? "it runs on the host network with dnsPolicy ClusterFirst, which falls back to the node's resolver"
                : "its dnsPolicy Default gives it the node's resolver file instead of the cluster DNS",
        e.dns.nameservers.empty() ? "the node's nameservers" : join(e.dns.nameservers, ", "));
    const std::string ref = workload_ref(c, p);
    const std::string policy = p.host_network ? "ClusterFirstWithHostNet" : "ClusterFirst";
    if (ref.rfind("pod/", 0) == 0 || ref.rfind("replicaset/", 0) == 0)
      f.fix.push_back(fmt::format("Set `dnsPolicy: {}` in the pod spec and recreate the pod.", policy));
    else
      f.fix.push_back(
          fmt::format("kubectl -n {} patch {} -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"dnsPolicy\":\"{}\"}}}}}}}}'",
                      p.meta.ns, ref, policy));
    f.fix.push_back(
        fmt::format("Verify: kubectl -n {} exec {} -- cat /etc/resolv.conf shows the cluster DNS address and "
                    "the {}.svc.{} search domain.",
                    p.meta.ns, ref.rfind("pod/", 0) == 0 ? p.meta.name : ref, p.meta.ns, v.cluster_domain));
  }
}

// The pod's captured /etc/resolv.conf against what its policy gives.
void captured_checks(Context& ctx, const dns::DnsView& v) {
  const Cluster& c = ctx.cluster;
  for (const PodFile& pf : c.pod_files) {
    if (pf.name != "resolv.conf") continue;
    const Pod* p = c.pod(pf.ns, pf.pod);
    if (!p || terminated(*p)) continue;
    dns::EffectivePodDns e = dns::effective_pod_dns(c, v, *p);
    dns::HostResolv got = dns::parse_host_resolv(pf.text);
    const bool host_known = e.dns.type == dns::PodDnsType::None || (e.node && e.node->file.text) ||
                            (e.node && e.node->file.from == dns::NodeResolvFile::From::NoHostFile);
    std::vector<Evidence> diffs;
    auto line_src = [&](uint32_t line) { return line ? fmt::format("{}:{}", pf.rel, line) : pf.rel; };
    // Nameservers: when the cluster part decides them, or the node's file is known.
    if (e.dns.type != dns::PodDnsType::Host || host_known) {
      if (got.nameservers != e.dns.nameservers &&
          !(e.dns.type == dns::PodDnsType::Cluster && e.kubelet.cluster_dns.empty()))
        diffs.push_back({line_src(got.nameserver_lines.empty() ? 0 : got.nameserver_lines.front()),
                         fmt::format("nameserver {} — its policy gives {}", join(got.nameservers, ", "),
                                     join(e.dns.nameservers, ", "))});
    }
    // Search: the whole list when the node's part is known, else the cluster part only.
    std::vector<std::string> want = e.dns.searches, have = got.searches;
    if (!host_known && e.dns.type == dns::PodDnsType::Cluster) {
      size_t n = std::min<size_t>(3, want.size());
      want.resize(n);
      if (have.size() > n) have.resize(n);
    }
    if ((host_known || e.dns.type == dns::PodDnsType::Cluster) && want != have)
      diffs.push_back({line_src(got.search_line), fmt::format("search {} — its policy gives {}",
                                                              join(got.searches, " "), join(e.dns.searches, " "))});
    std::vector<std::string> wo = e.dns.options, ho = got.options;
    std::sort(wo.begin(), wo.end());
    std::sort(ho.begin(), ho.end());
    if ((host_known || e.dns.type != dns::PodDnsType::Host) && wo != ho)
      diffs.push_back({line_src(got.options_line), fmt::format("options {} — its policy gives {}",
                                                               join(got.options, " "), join(e.dns.options, " "))});
    if (diffs.empty()) continue;
    Finding& f = ctx.report("pod-dns-config-mismatch", subject_of("Pod", p->meta));
    f.node = p->node_name;
    f.evidence = diffs;
    f.evidence.push_back(
        {at(p->meta, ".spec.dnsPolicy"),
         fmt::format("dnsPolicy: {}, hostNetwork: {}{}", policy_of(*p), p->host_network ? "true" : "false",
                     p->dns_config.present ? ", with dnsConfig" : "")});
    f.summary = fmt::format(
        "The resolv.conf captured from pod {}/{} is not what its dnsPolicy {} gives today ({} difference(s)): the pod "
        "was created under another kubelet or cluster DNS configuration, or something rewrote the file. Its lookups "
        "follow the file, not the policy (P8, P10.2).",
        p->meta.ns, p->meta.name, policy_of(*p), diffs.size());
    f.fix = {fmt::format("Compare: kubectl -n {} exec {} -- cat /etc/resolv.conf, and what `netdoctor dns <snapshot> "
                         "{}/{}` computes.",
                         p->meta.ns, p->meta.name, p->meta.ns, p->meta.name),
             fmt::format("Recreate the pod so the kubelet writes the file again: kubectl -n {} {}", p->meta.ns,
                         workload_ref(c, *p).rfind("pod/", 0) == 0 ? "delete pod " + p->meta.name
                                                                   : "rollout restart " + workload_ref(c, *p)),
             "If it differs again, look for what rewrites it (an init container, an entrypoint script, a mutating "
             "webhook adding dnsConfig)."};
  }
}

}  // namespace

void run_pod_dns_config_mismatch(Context& ctx) {
  dns::DnsView v = dns::dns_view(ctx.cluster);
  std::set<std::string> done;
  node_checks(ctx, v);
  limit_checks(ctx, v, done);
  default_policy_checks(ctx, v, done);
  captured_checks(ctx, v);
}

}  // namespace nd::checks

#endif  // ND_HAVE_DNS
