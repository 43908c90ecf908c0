// coredns-unhealthy (P10.1): the cluster DNS does not serve: its Deployment is below its replica count,
// pods are not Ready or restart, the kube-dns Service is missing or has no ready endpoint, or CoreDNS
// runs but its upstream (or the API server) does not answer. The log lines that explain it are the
// evidence. A forwarding loop is coredns-loop's, so this check stays quiet when the loop explains the
// failure; DNS pods that are only Pending are pod-pending's (their cause is elsewhere).
#include "checks/coredns_unhealthy.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "checks/util.h"
#include "dns/dns_logs.h"

#ifdef ND_HAVE_DNS  // the DNS model lives in src/dns (nd_dns); without that area there is no check

namespace nd::checks {
namespace {

using dns::LogKind;

bool pending(const Pod& p) {
  if (p.phase == "Pending" && p.node_name.empty()) return true;
  for (const auto& s : p.statuses)
    if (s.state.kind == ContainerState::Kind::Waiting &&
        (s.state.reason == "ContainerCreating" || s.state.reason == "PodInitializing"))
      return true;
  return p.phase == "Pending" && p.statuses.empty();
}

bool restarting(const Pod& p, const ContainerStatus** which) {
  for (const auto& s : p.statuses)
    if ((s.state.kind == ContainerState::Kind::Waiting && s.state.reason == "CrashLoopBackOff") ||
        s.restart_count >= 3) {
      *which = &s;
      return true;
    }
  return false;
}

std::string kinds_text(const std::map<LogKind, size_t>& n) {
  std::vector<std::string> parts;
  for (const auto& [k, count] : n)
    if (count) parts.push_back(fmt::format("{} x{}", dns::to_string(k), count));
  return join(parts, ", ");
}

}  // namespace

void run_coredns_unhealthy(Context& ctx) {
  const Cluster& c = ctx.cluster;
  dns::DnsView v = dns::dns_view(c);
  auto lines = dns::dns_log_lines(c, v);
  // The loop is its own finding: a looping CoreDNS is unhealthy, but the loop is what to fix.
  for (const auto& l : lines)
    if (l.signal.kind == LogKind::Loop) return;
  for (const auto& lp : dns::predict_loops(c, v))
    if (!lp.host_network) return;

  std::vector<const Pod*> pods;
  for (const Pod* p : v.pods)
    if (p->phase != "Succeeded" && p->phase != "Failed") pods.push_back(p);
  const Workload* dep = v.deployments.empty() ? nullptr : v.deployments.front();
  if (pods.empty() && !dep) return;  // no cluster DNS in the snapshot to judge

  size_t ready = 0, waiting = 0;
  std::vector<const Pod*> not_ready, restarts;
  for (const Pod* p : pods) {
    if (pod_ready(*p))
      ++ready;
    else if (pending(*p))
      ++waiting;
    else
      not_ready.push_back(p);
    const ContainerStatus* s = nullptr;
    if (restarting(*p, &s)) restarts.push_back(p);
  }
  // The current run's log lines say what is wrong now; older runs only when nothing else does.
  std::map<LogKind, size_t> counts;
  std::vector<const dns::DnsLogLine*> signal_lines;
  for (const auto& l : lines) {
    if (l.signal.kind == LogKind::None) continue;
    counts[l.signal.kind]++;
    signal_lines.push_back(&l);
  }
  auto count = [&](LogKind k) {
    auto it = counts.find(k);
    return it == counts.end() ? size_t{0} : it->second;
  };
  const size_t upstream_errors =
      count(LogKind::UpstreamTimeout) + count(LogKind::UpstreamRefused) + count(LogKind::UpstreamUnhealthy);
  const size_t api_errors = count(LogKind::ApiUnreachable) + count(LogKind::ApiForbidden);

  // The kube-dns Service and its endpoints.
  const Service* svc = v.kube_dns;
  bool svc_missing = !svc && c.listed("Service") && !pods.empty();
  size_t ep_ready = 0, ep_total = 0;
  bool ep_known = false;
  if (svc)
    for (const auto& e : c.endpoints)
      if (e.meta.ns == svc->meta.ns && e.service == svc->meta.name) {
        ep_known = true;
        for (const auto& a : e.addresses) {
          ++ep_total;
          if (a.ready) ++ep_ready;
        }
      }

  const bool all_pending = !pods.empty() && waiting == pods.size();
  const bool no_ready = !pods.empty() && ready == 0 && !all_pending;
  const bool no_endpoints = ep_known && ep_ready == 0 && !all_pending;
  const bool degraded = !not_ready.empty() || !restarts.empty();
  const bool below = dep && dep->replicas && dep->ready < *dep->replicas && !all_pending && waiting == 0;
  const bool upstream_failing = upstream_errors >= 2;
  const bool api_failing = api_errors >= 1;
  if (all_pending && !upstream_failing && !api_failing) return;  // pod-pending tells why they do not start
  if (!no_ready && !no_endpoints && !svc_missing && !degraded && !below && !upstream_failing && !api_failing) return;

  Finding& f = ctx.report("coredns-unhealthy", dep   ? subject_of("Deployment", dep->meta)
                                               : svc ? subject_of("Service", svc->meta)
                                                     : Subject{"Pod", pods.front()->meta.ns, pods.front()->meta.name});
  const bool critical = no_ready || no_endpoints || svc_missing;
  f.severity = critical ? Severity::Critical : Severity::Warning;

  // Evidence: the Deployment, the pods, the Service, then the log lines (a few per kind).
  if (dep)
    f.evidence.push_back(
        {at(dep->meta, ".status"), fmt::format("replicas: {}, ready: {}, available: {}, unavailable: {}",
                                               dep->replicas ? std::to_string(*dep->replicas) : "-", dep->ready,
                                               dep->available, dep->unavailable)});
  for (const Pod* p : pods) {
    const ContainerStatus* rs = nullptr;
    bool r = restarting(*p, &rs);
    if (pod_ready(*p) && !r) continue;
    std::string state;
    for (const auto& s : p->statuses) {
      if (!state.empty()) break;
      state = fmt::format("container {}: ready {}, restartCount {}{}", s.name, s.ready ? "true" : "false",
                          s.restart_count, s.state.reason.empty() ? "" : ", " + s.state.reason);
    }
    f.evidence.push_back(
        {at(p->meta, ".status"), fmt::format("pod {} ({}): {}", p->meta.name, p->phase.empty() ? "?" : p->phase,
                                             state.empty() ? "no container status" : state)});
  }
  if (svc_missing) {
    auto it = c.listed_kinds.find("Service");
    f.evidence.push_back({it != c.listed_kinds.end() ? it->second.str() : c.root,
                          "no Service kube-system/kube-dns (nor one selecting k8s-app=kube-dns) in the snapshot"});
  }
  if (svc && ep_known)
    f.evidence.push_back(
        {at(svc->meta, ""), fmt::format("Service {}/{} ClusterIP {}: {} ready of {} endpoint address(es)", svc->meta.ns,
                                        svc->meta.name, svc->cluster_ip, ep_ready, ep_total)});
  std::map<LogKind, size_t> shown;
  size_t total_shown = 0;
  // The loop plugin's own probe timing out is the line that tells this apart from a loop: show one.
  for (const auto* l : signal_lines)
    if (l->signal.kind == LogKind::UpstreamTimeout && l->signal.query.find(" HINFO") != std::string::npos) {
      f.evidence.push_back({l->source, l->text});
      break;
    }
  // Newest lines are the most telling: walk backwards, keep up to two per kind and eight in all.
  for (auto it = signal_lines.rbegin(); it != signal_lines.rend() && total_shown < 8; ++it) {
    const auto* l = *it;
    if (l->signal.kind == LogKind::NotReady && shown[LogKind::NotReady] >= 1) continue;
    if (shown[l->signal.kind] >= 2) continue;
    shown[l->signal.kind]++;
    ++total_shown;
    f.evidence.push_back({l->source, l->text});
  }
  std::reverse(f.evidence.end() - static_cast<long>(total_shown), f.evidence.end());

  // Which upstreams fail, and where CoreDNS got them from.
  std::set<std::string> upstreams;
  for (const auto* l : signal_lines)
    if (l->signal.kind == LogKind::UpstreamTimeout || l->signal.kind == LogKind::UpstreamRefused)
      upstreams.insert(l->signal.upstream);
  for (const Pod* p : pods) {
    const dns::NodeDns* nd = v.node(p->node_name);
    if (!nd || !nd->file.text) continue;
    dns::HostResolv h = dns::parse_host_resolv(*nd->file.text);
    for (size_t i = 0; i < h.nameservers.size(); ++i)
      if (upstreams.count(h.nameservers[i])) {
        f.evidence.push_back({nd->file.source(h.nameserver_lines[i]), "nameserver " + h.nameservers[i]});
        upstreams.erase(h.nameservers[i]);
      }
  }
  for (const auto* l : signal_lines)
    if ((l->signal.kind == LogKind::UpstreamTimeout || l->signal.kind == LogKind::UpstreamRefused) &&
        !l->signal.upstream.empty())
      upstreams.insert(l->signal.upstream);

  const std::string who =
      dep ? fmt::format("{} Deployment {}/{}", "CoreDNS", dep->meta.ns, dep->meta.name) : "The cluster DNS pods";
  std::vector<std::string> what;
  if (svc_missing)
    what.push_back("the kube-dns Service is missing, so pods' queries to the cluster DNS address go nowhere");
  if (no_ready)
    what.push_back(fmt::format("none of its {} pod(s) is Ready", pods.size()));
  else if (!not_ready.empty())
    what.push_back(fmt::format("{} of {} pod(s) not Ready", not_ready.size(), pods.size()));
  if (!restarts.empty()) what.push_back(fmt::format("{} pod(s) restarting", restarts.size()));
  if (no_endpoints) what.push_back("the kube-dns Service has no ready endpoint");
  if (below && what.empty()) what.push_back(fmt::format("{} of {} replicas ready", dep->ready, *dep->replicas));
  if (upstream_failing)
    what.push_back(
        fmt::format("its upstream{} {} do{} not answer ({} failed forwards in the logs): names outside the "
                    "cluster fail while cluster names still resolve",
                    upstreams.size() == 1 ? "" : "s",
                    upstreams.empty() ? "?" : join(std::vector<std::string>(upstreams.begin(), upstreams.end()), ", "),
                    upstreams.size() == 1 ? "es" : "", upstream_errors));
  if (count(LogKind::ApiUnreachable))
    what.push_back("it cannot reach the API server, so it cannot learn Services and endpoints");
  if (count(LogKind::ApiForbidden))
    what.push_back("the API server refuses its list/watch calls (RBAC of the coredns ServiceAccount)");
  f.summary = fmt::format("{}: {} (P10.1). {}", who, join(what, "; "),
                          critical ? "Pods that use the cluster DNS cannot resolve Service names."
                                   : "Cluster DNS works in part; lookups are slow or fail for some names.");
  if (!counts.empty()) f.summary += fmt::format(" CoreDNS logs: {}.", kinds_text(counts));
  if (upstream_failing && count(LogKind::Loop) == 0)
    f.summary += " These are timeouts towards a real upstream, not a forwarding loop.";

  // Fix steps, the most fundamental first.
  const std::string ns = dep ? dep->meta.ns : (svc ? svc->meta.ns : "kube-system");
  const std::string dname = dep ? dep->meta.name : "coredns";
  if (count(LogKind::ApiUnreachable))
    f.fix.push_back(
        "CoreDNS cannot reach the API through the `kubernetes` Service: fix the pod network or kube-proxy "
        "on its nodes first (see cni-pod-unhealthy, node-ip-forward-disabled, node-missing-pod-route); "
        "from a node: curl -k https://<kubernetes-service-ip>:443/healthz");
  if (count(LogKind::ApiForbidden))
    f.fix.push_back(
        "Give the coredns ServiceAccount the rights it needs: kubectl get clusterrole system:coredns -o yaml "
        "must allow list and watch on endpoints, services, pods, namespaces and "
        "endpointslices.discovery.k8s.io (the manifest of your CoreDNS version has the full rule list).");
  if (upstream_failing) {
    std::string ups = upstreams.empty() ? "<upstream>" : *upstreams.begin();
    f.fix.push_back(
        fmt::format("Test the upstream from the pod network: kubectl run dnstest --rm -it --restart=Never "
                    "--image=<an image with dig> -- dig @{} <outside-name> (and from the node: dig @{} "
                    "<outside-name>). If only the pod network fails, allow pod traffic to {}:53 (firewall, "
                    "masquerade/natOutgoing).",
                    ups, ups, ups));
    f.fix.push_back(
        fmt::format("Or forward to a resolver the pods can reach: kubectl -n {} edit configmap {} and set "
                    "`forward . <your upstream resolver>`.",
                    v.corefile_cm ? v.corefile_cm->meta.ns : ns, v.corefile_cm ? v.corefile_cm->meta.name : "coredns"));
  }
  if (svc_missing)
    f.fix.push_back(
        "Restore the Service kube-system/kube-dns with selector k8s-app=kube-dns, ports 53/UDP and 53/TCP, "
        "and the ClusterIP the kubelets use as clusterDNS (grep -A1 clusterDNS /var/lib/kubelet/config.yaml).");
  if (no_ready || degraded || below) {
    f.fix.push_back(
        fmt::format("Read why the pods fail: kubectl -n {} describe pods -l k8s-app=kube-dns; kubectl -n {} "
                    "logs -l k8s-app=kube-dns --previous --tail=30",
                    ns, ns));
  }
  f.fix.push_back(fmt::format("After the fix: kubectl -n {} rollout restart deployment {}", ns, dname));
  f.fix.push_back(
      fmt::format("Verify: kubectl -n {} get deployment {} shows all replicas ready, and from a pod "
                  "`nslookup kubernetes.default.svc.{}` and `nslookup <outside-name>` answer.",
                  ns, dname, v.cluster_domain));
}

}  // namespace nd::checks

#endif  // ND_HAVE_DNS
