// netdoctor dns SNAPSHOT [NS/]POD: the resolv.conf the kubelet writes for that pod, how it came to be,
// and (with --resolve NAME) the names its resolver tries, judged against the snapshot's Services.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/snapshot.h"
#include "dns/cluster_dns.h"
#include "output/render.h"
#ifdef ND_HAVE_LIVE
#include "cli/cmd_live.h"
#endif

namespace nd::cli {
namespace {

struct DnsOptions {
  std::string snapshot, pod, output = "text", libc = "glibc";
  std::vector<std::string> names;
#ifdef ND_HAVE_LIVE
  std::string ns;  // -n: the pod's namespace when POD has none (live: default the context's)
  LiveFlags live;
#endif
};

// "NS/POD", or "POD" when exactly one namespace has a pod of that name.
const Pod* find_pod(const Cluster& c, const std::string& ref, std::string* error) {
  auto slash = ref.find('/');
  if (slash != std::string::npos) {
    const Pod* p = c.pod(ref.substr(0, slash), ref.substr(slash + 1));
    if (!p) *error = fmt::format("no pod {} in the snapshot", ref);
    return p;
  }
  const Pod* found = nullptr;
  std::vector<std::string> where;
  for (const Pod& p : c.pods)
    if (p.meta.name == ref) {
      found = &p;
      where.push_back(p.meta.ns + "/" + p.meta.name);
    }
  if (where.size() > 1) {
    *error = fmt::format("pod name {} is in several namespaces ({}): write NAMESPACE/POD", ref, fmt::join(where, ", "));
    return nullptr;
  }
  if (!found) *error = fmt::format("no pod named {} in the snapshot (write NAMESPACE/POD)", ref);
  return found;
}

std::string verdict(const dns::DnsView& v, const std::string& fqdn) {
  // One candidate at a time: a name under the cluster domain is answered (or not) by CoreDNS.
  dns::ResolverConf one;
  one.ndots = 0;
  auto r = dns::resolve_in_cluster(v, fqdn, one);
  if (r.kind == dns::ClusterResolution::Kind::Service)
    return fmt::format("Service {}/{}{}", r.service->meta.ns, r.service->meta.name,
                       r.service->cluster_ip.empty() ? "" : " " + r.service->cluster_ip);
  std::string suffix = "." + v.cluster_domain + ".";
  if (fqdn.size() > suffix.size() && fqdn.compare(fqdn.size() - suffix.size(), suffix.size(), suffix) == 0)
    return "NXDOMAIN (no such Service)";
  return "outside the cluster: the upstream decides";
}

int run(DnsOptions o) {
  dns::Libc libc = o.libc == "musl"           ? dns::Libc::Musl
                   : o.libc == "glibc-legacy" ? dns::Libc::GlibcLegacy
                                              : dns::Libc::Glibc;
#ifdef ND_HAVE_LIVE
  // One positional: it is the POD, and the snapshot is collected from the live cluster.
  std::unique_ptr<LiveSnapshot> live;
  if (o.pod.empty() && !o.snapshot.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(o.snapshot, ec)) {
      std::cerr << "netdoctor: missing POD (usage: netdoctor dns [SNAPSHOT] [NAMESPACE/]POD)\n";
      return 2;
    }
    o.pod = o.snapshot;
    auto snap = collect_live_snapshot(o.live, o.ns, false);
    if (!snap.ok()) {
      std::cerr << "netdoctor: " << snap.error().message << "\n";
      return 2;
    }
    live = std::move(*snap);
    o.snapshot = live->dir();
    if (o.pod.find('/') == std::string::npos) o.pod = live->ns() + "/" + o.pod;  // kubectl's default namespace
  } else if (!o.ns.empty() && o.pod.find('/') == std::string::npos) {
    o.pod = o.ns + "/" + o.pod;
  }
#endif
  if (o.pod.empty()) {
    std::cerr << "netdoctor: missing POD (usage: netdoctor dns SNAPSHOT [NAMESPACE/]POD)\n";
    return 2;
  }
  auto cluster = load_snapshot(o.snapshot, {});
  if (!cluster.ok()) {
    std::cerr << "netdoctor: " << cluster.error().message << "\n";
    return 2;
  }
  std::string error;
  const Pod* p = find_pod(*cluster, o.pod, &error);
  if (!p) {
    std::cerr << "netdoctor: " << error << "\n";
    return 2;
  }
  dns::DnsView v = dns::dns_view(*cluster);
  dns::EffectivePodDns e = dns::effective_pod_dns(*cluster, v, *p);
  dns::ResolverConf conf = e.resolver(libc);
  const PodFile* captured = nullptr;
  for (const auto& pf : cluster->pod_files)
    if (pf.ns == p->meta.ns && pf.pod == p->meta.name && pf.name == "resolv.conf") captured = &pf;

  if (o.output == "json") {
    nlohmann::ordered_json j;
    j["pod"] = p->meta.ns + "/" + p->meta.name;
    j["node"] = p->node_name;
    j["dnsPolicy"] = p->dns_policy.empty() ? "ClusterFirst" : p->dns_policy;
    j["hostNetwork"] = p->host_network;
    j["type"] = std::string(dns::to_string(e.dns.type));
    j["resolv_conf"] = e.resolv_conf();
    j["nameservers"] = e.dns.nameservers;
    j["search"] = e.dns.searches;
    j["options"] = e.dns.options;
    j["dropped_nameservers"] = e.dns.dropped_nameservers;
    j["dropped_search"] = e.dns.dropped_searches;
    j["notes"] = e.dns.notes;
    j["assumptions"] = e.assumptions;
    j["libc"] = std::string(dns::to_string(libc));
    j["libc_notes"] = conf.notes;
    if (captured) j["captured"] = {{"file", captured->rel}, {"text", captured->text}};
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& n : o.names) {
      nlohmann::ordered_json tried = nlohmann::ordered_json::array();
      for (const auto& cand : dns::query_order(n, conf, libc)) {
        std::string r = verdict(v, cand.fqdn);
        tried.push_back({{"name", cand.fqdn}, {"result", r}});
        if (r.rfind("Service ", 0) == 0) break;  // the first answer ends the search
      }
      names.push_back({{"name", n}, {"tries", tried}});
    }
    if (!o.names.empty()) j["resolve"] = names;
    render_json(std::cout, j);
    return 0;
  }

  std::cout << fmt::format("# /etc/resolv.conf of pod {}/{}{}, as the kubelet writes it\n", p->meta.ns, p->meta.name,
                           p->node_name.empty() ? "" : " (node " + p->node_name + ")");
  for (const auto& n : e.dns.notes) std::cout << "# " << n << "\n";
  for (const auto& a : e.assumptions) std::cout << "# assumed: " << a << "\n";
  std::cout << e.resolv_conf();
  if (!conf.notes.empty() && libc != dns::Libc::Glibc) {
    std::cout << fmt::format("\n# read by {}:\n", dns::to_string(libc));
    for (const auto& n : conf.notes) std::cout << "#   " << n << "\n";
  }
  if (captured) {
    std::cout << fmt::format("\n# captured from the pod ({}):\n", captured->rel);
    std::cout << captured->text;
    if (!captured->text.empty() && captured->text.back() != '\n') std::cout << "\n";
  }
  for (const auto& n : o.names) {
    std::cout << fmt::format("\n# {} from this pod ({}, ndots:{}), in the order the resolver tries:\n", n,
                             dns::to_string(libc), conf.ndots);
    for (const auto& cand : dns::query_order(n, conf, libc)) {
      std::string r = verdict(v, cand.fqdn);
      std::cout << fmt::format("#   {:<60} {}\n", cand.fqdn, r);
      if (r.rfind("Service ", 0) == 0) {
        std::cout << "#   (the search stops at the first answer)\n";
        break;
      }
    }
  }
  return 0;
}

}  // namespace

void register_dns(CLI::App& app, Shared& shared) {
  auto o = std::make_shared<DnsOptions>();
  CLI::App* cmd = app.add_subcommand("dns",
                                     "Print the resolv.conf a pod gets (dnsPolicy, dnsConfig, hostNetwork, the "
                                     "kubelet's settings) and how names resolve from it");
#ifdef ND_HAVE_LIVE
  // `dns POD` reads the live cluster, `dns SNAPSHOT POD` a snapshot.
  cmd->add_option("snapshot", o->snapshot, "Snapshot directory or file (none: the live cluster)");
  cmd->add_option("pod", o->pod, "NAMESPACE/POD (or POD when its name is unique; live: in -n or the context's namespace)");
  cmd->add_option("-n,--namespace", o->ns, "namespace of POD");
  add_live_flags(cmd, o->live);
#else
  cmd->add_option("snapshot", o->snapshot, "Snapshot directory or file")->required();
  cmd->add_option("pod", o->pod, "NAMESPACE/POD (or POD when its name is unique)")->required();
#endif
  cmd->add_option("--resolve", o->names, "A name to expand as the pod's resolver would (repeatable)");
  cmd->add_option("--libc", o->libc, "Resolver rules to apply")
      ->check(CLI::IsMember({"glibc", "glibc-legacy", "musl"}));
  cmd->add_option("-o,--output", o->output, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([o, &shared] { shared.exit_code = run(*o); });
}

}  // namespace nd::cli
