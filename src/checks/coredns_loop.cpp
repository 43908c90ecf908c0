// coredns-loop (P7): CoreDNS forwards queries to itself. Decided from the loop plugin's own log line
// (any of its three wordings), or predicted from configuration: the Corefile forwards to
// /etc/resolv.conf, the CoreDNS pod gets the node's file, and that file names a loopback nameserver.
// One finding per CoreDNS pod, with the log line and the configuration chain that explains it.
#include "checks/coredns_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "checks/util.h"
#include "dns/dns_logs.h"

#ifdef ND_HAVE_DNS  // the DNS model lives in src/dns (nd_dns); without that area there is no check

namespace nd::checks {
namespace {

using dns::LoopPrediction;

struct PodLoop {
  std::string ns, name;
  const Pod* pod = nullptr;
  std::vector<const dns::DnsLogLine*> lines;
  std::vector<const LoopPrediction*> predicted;
};

std::string describe_address(const std::string& ip) {
  if (ip == "127.0.0.53") return "127.0.0.53 (the stub of systemd-resolved)";
  if (ip == "127.0.0.1" || ip == "::1") return ip + " (a loopback address: a local cache such as dnsmasq, or nothing)";
  return ip;
}

std::string selector_of(const Workload* w) {
  if (!w || w->selector.empty()) return "k8s-app=kube-dns";
  std::vector<std::string> parts;
  for (const auto& [k, v] : w->selector) parts.push_back(k + "=" + v);
  return join(parts, ",");
}

// The cause, in one sentence, from the prediction.
std::string cause_sentence(const LoopPrediction& lp, const dns::DnsView& v) {
  const std::string fwd = fmt::format("`{} {} {}`", lp.upstream.plugin, lp.upstream.from, join(lp.upstream.to, " "));
  switch (lp.via) {
    case LoopPrediction::Via::NodeFileLoopback:
      return fmt::format(
          "The Corefile sends what it does not answer itself to the nameservers of /etc/resolv.conf ({}, line {}), "
          "and the pod gets the node's resolver file (dnsPolicy {}{}), which names {}: inside the pod's network "
          "namespace that address is CoreDNS itself, listening on :53.",
          fwd, lp.upstream.line, lp.pod->dns_policy.empty() ? "ClusterFirst" : lp.pod->dns_policy,
          lp.pod->host_network ? ", hostNetwork" : "", describe_address(lp.target));
    case LoopPrediction::Via::ClusterDns:
      return fmt::format(
          "The Corefile forwards ({}, line {}) to {}, which is the cluster DNS{}: queries CoreDNS cannot answer "
          "go round through the kube-dns Service back into CoreDNS.",
          fwd, lp.upstream.line, lp.target,
          v.kube_dns && v.kube_dns->cluster_ip == lp.target ? " Service's ClusterIP" : " (a CoreDNS pod)");
    case LoopPrediction::Via::CorefileLoopback:
      return fmt::format("The Corefile itself forwards to {} ({}, line {}), CoreDNS's own loopback and port.",
                         lp.target, fwd, lp.upstream.line);
  }
  return {};
}

// Why the snapshot cannot show the upstream that leads back, said precisely.
std::string unexplained(const PodLoop& pl, const dns::DnsView& v) {
  if (!v.corefile_cm)
    return "The snapshot holds no Corefile (a cluster-info dump has no ConfigMaps), so it does not show which "
           "upstream leads back.";
  if (!v.corefile) return "The Corefile could not be read (" + v.corefile_error + ").";
  std::vector<std::string> to;
  for (const auto& sb : v.corefile->servers)
    for (const auto& up : dns::upstreams(sb))
      for (const auto& t : up.to) to.push_back(t);
  const dns::NodeDns* nd = pl.pod ? v.node(pl.pod->node_name) : nullptr;
  bool to_file = std::find(to.begin(), to.end(), "/etc/resolv.conf") != to.end();
  if (to_file && (!nd || !nd->bundle))
    return fmt::format(
        "The Corefile forwards to /etc/resolv.conf, and the snapshot has no bundle of node {}, so the "
        "nameserver CoreDNS got there is not shown.",
        pl.pod ? pl.pod->node_name : "?");
  if (to_file && nd && !nd->file.text)
    return fmt::format(
        "The Corefile forwards to /etc/resolv.conf; node {}'s kubelet hands out {}, which the bundle "
        "does not hold.",
        nd->node, nd->file.path.empty() ? "a file" : nd->file.path);
  return fmt::format(
      "The Corefile forwards to {}; one of them sends the queries back to CoreDNS (an upstream that "
      "forwards to the cluster DNS, or a resolver on the node that asks CoreDNS).",
      to.empty() ? "no upstream" : join(to, ", "));
}

std::vector<std::string> fix_steps(const PodLoop& pl, const dns::DnsView& v, const Workload* dep, const Cluster& c) {
  std::vector<std::string> fix;
  const std::string node = pl.pod ? pl.pod->node_name : "";
  const std::string on_node = node.empty() ? "on the node" : "on node " + node;
  const std::string cm = v.corefile_cm ? v.corefile_cm->meta.name : "coredns";
  const std::string cm_ns = v.corefile_cm ? v.corefile_cm->meta.ns : "kube-system";
  const LoopPrediction* lp = pl.predicted.empty() ? nullptr : pl.predicted.front();
  const std::string fwd_text =
      lp ? fmt::format("{} {} {}", lp->upstream.plugin, lp->upstream.from, join(lp->upstream.to, " "))
         : "forward . /etc/resolv.conf";
  const std::string fwd_line = lp ? fmt::format(" (Corefile line {})", lp->upstream.line) : "";
  const std::string edit_cm = fmt::format("kubectl -n {} edit configmap {}", cm_ns, cm);

  if (!lp) {
    fix.push_back(fmt::format(
        "Find the upstream that leads back: kubectl -n {} get configmap {} -o jsonpath='{{.data.Corefile}}' | grep -nE "
        "'forward|proxy'; then {}: cat /etc/resolv.conf; grep resolvConf /var/lib/kubelet/config.yaml. A nameserver "
        "in 127.0.0.0/8 or ::1 in the file the kubelet hands out is the loop.",
        cm_ns, cm, on_node));
    fix.push_back(
        "Durable fix: set the kubelet's `resolvConf` (in /var/lib/kubelet/config.yaml) to a file with real "
        "upstreams (/run/systemd/resolve/resolv.conf on systemd-resolved) and `systemctl restart kubelet`; "
        "or replace the forward line with `forward . <your upstream resolver>` (" +
        edit_cm + ").");
  } else if (lp->via == LoopPrediction::Via::NodeFileLoopback) {
    if (lp->target == "127.0.0.53")
      fix.push_back(fmt::format(
          "Durable fix {}: make the kubelet hand out systemd-resolved's upstream file instead of its stub: set "
          "`resolvConf: /run/systemd/resolve/resolv.conf` in /var/lib/kubelet/config.yaml and run `systemctl restart "
          "kubelet` (kubeadm: also `kubectl -n kube-system edit configmap kubelet-config`, so joins and upgrades "
          "keep it).",
          on_node));
    else
      fix.push_back(fmt::format(
          "Durable fix {}: point the kubelet's `resolvConf` (/var/lib/kubelet/config.yaml) at a file that names "
          "`nameserver <your upstream resolver>` instead of {}, then `systemctl restart kubelet`.",
          on_node, lp->target));
    fix.push_back(
        fmt::format("Or make CoreDNS independent of the node's file: {} and replace `{}`{} with "
                    "`forward . <your upstream resolver>`.",
                    edit_cm, fwd_text, fwd_line));
    fix.push_back(fmt::format(
        "Quick repair (P7) {}: replace `nameserver {}` in /etc/resolv.conf with `nameserver <your upstream "
        "resolver>`{}.",
        on_node, lp->target,
        lp->target == "127.0.0.53" ? " (there /etc/resolv.conf is a link systemd-resolved rewrites: prefer the kubelet "
                                     "setting above)"
                                   : ""));
  } else if (lp->via == LoopPrediction::Via::ClusterDns) {
    const std::string dname = dep ? dep->meta.name : "coredns";
    const std::string dns_ns = dep ? dep->meta.ns : "kube-system";
    fix.push_back(
        fmt::format("CoreDNS must not use the cluster DNS as its upstream: kubectl -n {} patch deployment {} -p "
                    "'{{\"spec\":{{\"template\":{{\"spec\":{{\"dnsPolicy\":\"Default\"}}}}}}}}' (and remove {} from "
                    "any dnsConfig), "
                    "or {} and replace `{}`{} with `forward . <your upstream resolver>`.",
                    dns_ns, dname, lp->target, edit_cm, fwd_text, fwd_line));
  } else {
    fix.push_back(
        fmt::format("{} and replace `{}`{} with `forward . <your upstream resolver>`: {} is CoreDNS's own "
                    "address and port.",
                    edit_cm, fwd_text, fwd_line, lp->target));
  }

  if (dep) {
    const std::string ns = dep->meta.ns;
    int replicas = dep->replicas.value_or(dep->desired > 0 ? dep->desired : 2);
    fix.push_back(
        fmt::format("CoreDNS reads its resolver file only when its pods are created: kubectl -n {} scale "
                    "deployment {} --replicas=0",
                    ns, dep->meta.name));
    fix.push_back(
        fmt::format("kubectl -n {} scale deployment {} --replicas={}   # back to the {} replica(s) of the "
                    "snapshot",
                    ns, dep->meta.name, replicas, replicas));
    fix.push_back(
        fmt::format("Verify: kubectl -n {} get pods -l {} shows READY 1/1 with flat restarts, and kubectl -n "
                    "{} logs -l {} | grep -i loop prints nothing.",
                    ns, selector_of(dep), ns, selector_of(dep)));
  } else if (pl.pod) {
    fix.push_back(
        fmt::format("Recreate the pod so it reads the repaired file: kubectl -n {} delete pod {}", pl.ns, pl.name));
  }
  bool loop_plugin = lp ? lp->loop_plugin : true;
  if (loop_plugin)
    fix.push_back(
        "Do not delete the `loop` plugin to silence this: the loop stays, and CoreDNS then spins on its own "
        "queries until they time out or it runs out of memory.");
  (void)c;
  return fix;
}

}  // namespace

void run_coredns_loop(Context& ctx) {
  const Cluster& c = ctx.cluster;
  dns::DnsView v = dns::dns_view(c);
  auto lines = dns::dns_log_lines(c, v);
  auto predicted = dns::predict_loops(c, v);

  std::map<std::pair<std::string, std::string>, PodLoop> pods;
  for (const auto& l : lines) {
    if (l.signal.kind != dns::LogKind::Loop) continue;
    PodLoop& pl = pods[{l.ns, l.pod}];
    pl.ns = l.ns;
    pl.name = l.pod;
    pl.pod = l.pod_obj;
    pl.lines.push_back(&l);
  }
  for (const auto& lp : predicted) {
    PodLoop& pl = pods[{lp.pod->meta.ns, lp.pod->meta.name}];
    pl.ns = lp.pod->meta.ns;
    pl.name = lp.pod->meta.name;
    pl.pod = lp.pod;
    pl.predicted.push_back(&lp);
  }

  for (auto& [key, pl] : pods) {
    const Pod* p = pl.pod;
    const LoopPrediction* lp = pl.predicted.empty() ? nullptr : pl.predicted.front();
    Finding& f = ctx.report("coredns-loop", p ? subject_of("Pod", p->meta) : Subject{"Pod", pl.ns, pl.name});
    if (p) f.node = p->node_name;
    const Workload* dep = dns::dns_deployment_for(c, v, p);
    const std::string where = f.node.empty() ? "" : " on node " + f.node;

    // Evidence: the log line(s) first (at most one per wording), then the configuration chain.
    std::vector<std::string> forms;
    for (const auto* l : pl.lines) {
      if (std::find(forms.begin(), forms.end(), l->signal.form) != forms.end()) continue;
      forms.push_back(l->signal.form);
      f.evidence.push_back({l->source, l->text});
    }
    if (lp) {
      f.evidence.push_back(
          {dns::corefile_source(v, lp->upstream.line),
           fmt::format("{} {} {}", lp->upstream.plugin, lp->upstream.from, join(lp->upstream.to, " "))});
      if (lp->via == LoopPrediction::Via::NodeFileLoopback) {
        f.evidence.push_back(
            {at(p->meta, ".spec.dnsPolicy"),
             fmt::format("dnsPolicy: {}, hostNetwork: {}", p->dns_policy.empty() ? "ClusterFirst" : p->dns_policy,
                         p->host_network ? "true" : "false")});
        if (lp->node) {
          for (const auto& w : lp->node->file.why) f.evidence.push_back(w);
          if (lp->target_line)
            f.evidence.push_back({lp->node->file.source(lp->target_line), "nameserver " + lp->target});
        }
      }
    }
    if (p)
      for (const auto& s : all_statuses(*p))
        if (s.status->name == "coredns" && (s.status->restart_count > 0 || !s.status->ready))
          f.evidence.push_back(
              {at(p->meta, s.path),
               fmt::format("ready: {}, restartCount: {}{}", s.status->ready ? "true" : "false", s.status->restart_count,
                           s.status->state.reason.empty() ? "" : ", " + s.status->state.reason)});

    std::string cause = lp ? cause_sentence(*lp, v) : "";
    if (!pl.lines.empty()) {
      f.summary = fmt::format(
          "CoreDNS pod {}/{}{} stopped itself: its loop plugin saw its own probe query come back, so CoreDNS forwards "
          "queries to itself (P7). {}While it restarts, names in the cluster do not resolve through it.",
          pl.ns, pl.name, where, cause.empty() ? unexplained(pl, v) + " " : cause + " ");
    } else {
      // A pod that runs fine got its file before the node's changed: the loop waits for its next start.
      const bool latent = p && pod_ready(*p) &&
                          std::all_of(p->statuses.begin(), p->statuses.end(),
                                      [](const ContainerStatus& s) { return s.restart_count == 0; });
      f.summary = fmt::format(
          "CoreDNS pod {}/{}{} {} (P7); its configuration shows it, without any log. {} {}", pl.ns, pl.name, where,
          latent ? "will forward queries to itself as soon as it is re-created (it still runs with the resolver file "
                   "it got when it started)"
                 : "forwards queries to itself",
          cause,
          lp->loop_plugin ? "Its loop plugin stops it at start, so it crash-loops and the cluster has no DNS."
                          : "Without the loop plugin it does not stop: every query for an outside name circles "
                            "until it times out.");
    }
    // On the host network the loopback is the node's: only a loop if CoreDNS itself is what listens there.
    if (pl.lines.empty() && lp && lp->host_network && lp->via == LoopPrediction::Via::NodeFileLoopback) {
      f.severity = Severity::Warning;
      f.summary = fmt::format(
          "CoreDNS pod {}/{}{} runs on the host network and forwards to {} from the node's resolver file (P7). That "
          "is a loop if CoreDNS itself is what answers on that address (it listens on :53 of the node); it works only "
          "while a separate resolver (systemd-resolved, dnsmasq) answers there.",
          pl.ns, pl.name, where, describe_address(lp->target));
    }
    f.fix = fix_steps(pl, v, dep, c);
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_DNS
