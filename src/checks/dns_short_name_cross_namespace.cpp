// dns-short-name-cross-namespace (P10.2): an application names a Service of another namespace by its
// short name ("redis" from namespace shop while redis lives in cache). Each host in env values,
// envFrom ConfigMaps and ConfigMap data is resolved as the pod's resolver would (search list, ndots,
// trailing dot) against the snapshot's Services; a name that only matches a Service elsewhere is the
// finding, with the exact name to write instead. A cluster-looking name that matches nothing is one too.
#include "checks/dns_short_name_cross_namespace.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "checks/util.h"
#include "dns/cluster_dns.h"
#include "dns/config_names.h"

#ifdef ND_HAVE_DNS  // the DNS model lives in src/dns (nd_dns); without that area there is no check

namespace nd::checks {
namespace {

bool host_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'; }

// The value with the host replaced where it stands as a host (not as the URL scheme "redis://").
std::string replace_host(const std::string& value, const dns::HostRef& ref, const std::string& fqdn) {
  size_t base = value.find(ref.text);
  size_t from = base == std::string::npos ? 0 : base;
  size_t to = base == std::string::npos ? value.size() : base + ref.text.size();
  std::string low = value;
  for (auto& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (size_t p = low.find(ref.host, from); p != std::string::npos && p < to; p = low.find(ref.host, p + 1)) {
    size_t e = p + ref.host.size();
    if (p > 0 && host_char(low[p - 1])) continue;
    if (e < low.size() && (host_char(low[e]) && low[e] != '.')) continue;
    if (low.compare(e, 3, "://") == 0) continue;
    return value.substr(0, p) + fqdn + value.substr(e);
  }
  return fqdn;
}

std::string second_label(const std::string& name) {
  size_t a = name.find('.');
  if (a == std::string::npos) return {};
  size_t b = name.find('.', a + 1);
  return name.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

// SVC.NS.svc or SVC.NS.svc.DOMAIN: every part written out.
bool complete_service_name(const std::string& name, const std::string& domain) {
  std::string rest = name;
  if (rest.size() > domain.size() + 1 &&
      rest.compare(rest.size() - domain.size() - 1, std::string::npos, "." + domain) == 0)
    rest.resize(rest.size() - domain.size() - 1);
  size_t dots = static_cast<size_t>(std::count(rest.begin(), rest.end(), '.'));
  return dots == 2 && rest.size() > 4 && rest.compare(rest.size() - 4, 4, ".svc") == 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

Subject subject_for(const Cluster& c, const Pod& p, std::string* kubectl_ref) {
  std::string owner = controller_of(c, p);
  if (!owner.empty() && owner.rfind("replicaset/", 0) != 0 && owner.rfind("job/", 0) != 0) {
    *kubectl_ref = owner;
    size_t slash = owner.find('/');
    std::string kind = owner.substr(0, slash);
    kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
    if (kind == "Daemonset") kind = "DaemonSet";
    if (kind == "Statefulset") kind = "StatefulSet";
    return Subject{kind, p.meta.ns, owner.substr(slash + 1)};
  }
  *kubectl_ref = "pod/" + p.meta.name;
  return subject_of("Pod", p.meta);
}

struct Scan {
  Context& ctx;
  const Cluster& c;
  const dns::DnsView& v;
  std::set<std::string> reported;

  void evaluate(const dns::NameUse& use, const std::string& ns, const dns::ResolverConf& conf, const Subject& subject,
                const std::string& kubectl_ref, const Pod* pod) {
    const std::string& host = use.ref.host;
    std::string bare = host;
    if (!bare.empty() && bare.back() == '.') bare.pop_back();
    if (bare == "localhost" || bare.empty()) return;
    const std::string& domain = v.cluster_domain;
    dns::ClusterResolution res = dns::resolve_in_cluster(v, host, conf);
    if (res.kind == dns::ClusterResolution::Kind::Service) return;
    const bool looking = dns::cluster_looking(v, host);
    const bool single = bare.find('.') == std::string::npos;
    if (!looking && !single) return;  // an outside name (or one we cannot judge)
    std::string first = bare.substr(0, bare.find('.'));
    // A name of a namespace the snapshot does not cover cannot be judged (a dump of some namespaces only).
    // A name without its namespace part ("redis.svc.cluster.local", "redis.cluster.local") is judged anyway.
    const std::string ns_part = second_label(bare);
    const bool no_ns_part =
        ns_part == "svc" || (bare.size() > domain.size() + 1 &&
                             bare.compare(bare.size() - domain.size() - 1, std::string::npos, "." + domain) == 0 &&
                             bare.find(".svc.") == std::string::npos);
    if (!single && !no_ns_part && !v.namespaces.count(ns_part)) return;
    auto others = dns::services_named(v, first, ns);
    if (others.empty() && !looking) return;
    std::string key = fmt::format("{}|{}|{}", subject.str(), use.where, host);  // once for all containers
    if (!reported.insert(key).second) return;

    Finding& f = ctx.report("dns-short-name-cross-namespace", subject);
    if (pod && subject.kind == "Pod") f.node = pod->node_name;
    f.evidence.push_back({use.source, fmt::format("{} = {}", use.key, use.value)});
    std::vector<std::string> tried;
    for (const auto& cand : res.candidates) tried.push_back(cand.fqdn);
    std::vector<std::string> fqdns;
    for (const Service* s : others) {
      fqdns.push_back(fmt::format("{}.{}.svc.{}", s->meta.name, s->meta.ns, domain));
      f.evidence.push_back(
          {at(s->meta, ""), fmt::format("Service {}/{} ({}{}), not in namespace {}", s->meta.ns, s->meta.name,
                                        s->cluster_ip.empty() ? "no ClusterIP" : s->cluster_ip,
                                        s->ports.empty() ? "" : fmt::format(", port {}", s->ports.front().port), ns)});
    }
    const std::string user =
        use.container.empty() ? subject.str() : fmt::format("{} (container {})", subject.str(), use.container);
    const std::string how = use.ref.how == "host name" ? "" : fmt::format(" in a {}", use.ref.how);
    if (!others.empty()) {
      f.summary = fmt::format(
          "{} names `{}`{} in {}. From namespace {} the resolver tries {}: none of them is a Service, because {} "
          "lives in namespace {} (P10.2). A short name resolves only inside its own namespace, so the application "
          "gets NXDOMAIN (after {} queries, each waiting on the cluster DNS) and cannot connect.",
          user, host, how, use.where, ns, join(tried, ", "), first,
          join(
              [&] {
                std::vector<std::string> v2;
                for (const Service* s : others) v2.push_back(s->meta.ns);
                return v2;
              }(),
              " and "),
          tried.size());
    } else if (complete_service_name(bare, domain)) {
      // Written in full on purpose: not a naming mistake; the Service is absent (or outside the snapshot).
      f.severity = Severity::Info;
      f.summary = fmt::format(
          "{} names `{}`{} in {}, a complete Service name, but the snapshot has no Service {} in namespace {}: "
          "either it is not deployed (the application cannot connect) or the snapshot does not hold it (P10.2).",
          user, host, how, use.where, first, second_label(bare));
    } else {
      f.summary = fmt::format(
          "{} names `{}`{} in {}: it looks like a cluster name, but no Service of the snapshot matches it. From "
          "namespace {} the resolver tries {}; each is NXDOMAIN, so the application cannot connect (P10.2).",
          user, host, how, use.where, ns, join(tried, ", "));
    }

    // Fix: the exact text to write.
    if (!fqdns.empty()) {
      std::string fixed = replace_host(use.value, use.ref, fqdns.front());
      if (fqdns.size() > 1) f.fix.push_back(fmt::format("Pick the Service meant: {}.", join(fqdns, " or ")));
      f.fix.push_back(
          fmt::format("Write the full name: replace `{}` with `{}`{}.", use.value, fixed,
                      use.cm ? fmt::format(" (ConfigMap {}/{}, key {}{})", use.cm->meta.ns, use.cm->meta.name,
                                           use.cm_key, use.cm_line ? fmt::format(", line {}", use.cm_line) : "")
                             : ""));
      if (use.literal_env && kubectl_ref.rfind("pod/", 0) != 0)
        f.fix.push_back(fmt::format("kubectl -n {} set env {} -c {} {}={}", ns, kubectl_ref, use.container, use.key,
                                    shell_quote(fixed)));
      else if (use.cm)
        f.fix.push_back(fmt::format("kubectl -n {} edit configmap {}   # key {}: {} -> {}", use.cm->meta.ns,
                                    use.cm->meta.name, use.cm_key, host, fqdns.front()));
      if (use.cm && kubectl_ref.rfind("pod/", 0) != 0 && !kubectl_ref.empty())
        f.fix.push_back(fmt::format("The pods read it at start: kubectl -n {} rollout restart {}", ns, kubectl_ref));
      else if (use.cm && subject.kind == "ConfigMap")
        f.fix.push_back(
            fmt::format("Restart the workloads that use it (a mounted file changes in place, but most "
                        "applications read it once): kubectl -n {} rollout restart deployment/<name>",
                        ns));
      if (!kubectl_ref.empty() && subject.kind != "ConfigMap")
        f.fix.push_back(fmt::format("Verify from the pod: kubectl -n {} exec {} -- getent hosts {}", ns,
                                    kubectl_ref.rfind("pod/", 0) == 0 ? kubectl_ref.substr(4) : kubectl_ref,
                                    fqdns.front()));
      else
        f.fix.push_back(fmt::format("Verify from a pod of namespace {}: getent hosts {}", ns, fqdns.front()));
      f.fix.push_back(fmt::format(
          "If the code cannot change, let the short name lead there: kubectl -n {} create service externalname {} "
          "--external-name {}",
          ns, first, fqdns.front()));
    } else if (f.severity == Severity::Info) {
      f.fix.push_back(fmt::format("Check that it exists: kubectl -n {} get service {}", second_label(bare), first));
      f.fix.push_back(
          fmt::format("If it does not, deploy it, or correct {} to the Service meant (kubectl get services "
                      "-A | grep -w {}).",
                      use.where, first));
    } else {
      f.fix.push_back(fmt::format("Find the Service meant: kubectl get services -A | grep -w {}", first));
      f.fix.push_back(fmt::format("Write it as SERVICE.NAMESPACE.svc.{} in {}.", domain, use.where));
    }
  }
};

}  // namespace

void run_dns_short_name_cross_namespace(Context& ctx) {
  const Cluster& c = ctx.cluster;
  dns::DnsView v = dns::dns_view(c);
  Scan scan{ctx, c, v, {}};
  std::set<std::pair<std::string, std::string>> cms_via_pods;  // judged with a real pod's resolver already
  // Replicas of one workload share their template: judge the first pod of each workload only (the
  // finding names the workload). 150k pods of 10k Deployments: 10k evaluations instead of 150k.
  std::set<std::string, std::less<>> workloads_seen;
  for (const Pod& p : c.pods) {
    if (p.phase == "Succeeded" || p.phase == "Failed" || v.is_dns_pod(p)) continue;
    std::string ref;
    Subject subject = subject_for(c, p, &ref);
    if (subject.kind != "Pod" && !workloads_seen.insert(subject.kind + "/" + subject.ns + "/" + subject.name).second)
      continue;
    auto uses = dns::pod_name_uses(c, p);
    if (uses.empty()) continue;
    dns::EffectivePodDns e = dns::effective_pod_dns(c, v, p);
    // A pod on the node's resolver cannot use cluster names at all: pod-dns-config-mismatch says so.
    if (e.dns.type != dns::PodDnsType::Cluster || e.dns.cluster_dns_missing) continue;
    dns::ResolverConf conf = e.resolver();
    for (const auto& u : uses) {
      if (u.cm) cms_via_pods.insert({u.cm->meta.ns, u.cm->meta.name});
      scan.evaluate(u, p.meta.ns, conf, subject, ref, &p);
    }
  }
  std::map<std::string, dns::ResolverConf> by_ns;
  for (const ConfigMap& cm : c.config_maps) {
    if (dns::system_namespace(cm.meta.ns) || cms_via_pods.count({cm.meta.ns, cm.meta.name})) continue;
    auto uses = dns::config_map_name_uses(cm);
    if (uses.empty()) continue;
    auto it = by_ns.find(cm.meta.ns);
    if (it == by_ns.end()) it = by_ns.emplace(cm.meta.ns, dns::cluster_first_dns(c, v, cm.meta.ns).resolver()).first;
    for (const auto& u : uses) scan.evaluate(u, cm.meta.ns, it->second, subject_of("ConfigMap", cm.meta), "", nullptr);
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_DNS
