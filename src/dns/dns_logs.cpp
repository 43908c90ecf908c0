#include "dns/dns_logs.h"

#include <algorithm>
#include <charconv>

#include "node/cidr.h"

namespace nd::dns {
namespace {

bool is_loopback(std::string_view ip) {
  auto a = node::parse_address(ip);
  return a.ok() && a->is_loopback();
}

int port_of(std::string_view to, int def) {
  if (to.rfind("tls://", 0) == 0) def = 853;
  if (auto p = to.find("://"); p != std::string_view::npos) to.remove_prefix(p + 3);
  size_t colon = to.rfind(':');
  if (colon == std::string_view::npos || (to.find(':') != colon && to.find(']') == std::string_view::npos)) return def;
  int port = 0;
  auto r = std::from_chars(to.data() + colon + 1, to.data() + to.size(), port);
  return r.ec == std::errc() && port > 0 ? port : def;
}

bool is_dns_server_ip(const Cluster& c, const DnsView& v, std::string_view ip) {
  if (v.kube_dns) {
    if (v.kube_dns->cluster_ip == ip) return true;
    for (const auto& x : v.kube_dns->cluster_ips)
      if (x == ip) return true;
  }
  for (const Pod* p : v.pods)
    if (!p->host_network && p->pod_ip == ip) return true;
  (void)c;
  return false;
}

}  // namespace

std::vector<DnsLogLine> dns_log_lines(const Cluster& c, const DnsView& v) {
  std::vector<DnsLogLine> out;
  for (const LogText& log : c.logs) {
    const Pod* p = c.pod(log.ns, log.pod);
    // Without the pod object, a log of a container named coredns (or of a coredns-… pod) still counts.
    bool dns = p ? v.is_dns_pod(*p) : (log.container == "coredns" || log.pod.rfind("coredns-", 0) == 0);
    if (!dns) continue;
    std::string_view t = log.text;
    uint32_t line = log.src.line ? log.src.line : 1;
    while (!t.empty()) {
      size_t nl = t.find('\n');
      std::string_view l = t.substr(0, nl);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      LogSignal s = classify_coredns_line(l);
      if (s.kind != LogKind::None) {
        std::string text(l.substr(0, 400));
        out.push_back({log.ns, log.pod, log.container, p, log.previous, log.src.file + ":" + std::to_string(line),
                       std::move(text), std::move(s)});
      }
      if (nl == std::string_view::npos) break;
      t.remove_prefix(nl + 1);
      ++line;
    }
  }
  return out;
}

std::vector<LoopPrediction> predict_loops(const Cluster& c, const DnsView& v) {
  std::vector<LoopPrediction> out;
  if (!v.corefile) return out;
  for (const Pod* p : v.pods) {
    if (p->node_name.empty() || p->phase == "Succeeded" || p->phase == "Failed") continue;
    EffectivePodDns eff = effective_pod_dns(c, v, *p);
    for (const ServerBlock& sb : v.corefile->servers) {
      const bool loop_plugin = sb.plugin("loop") != nullptr;
      for (const Upstream& up : upstreams(sb)) {
        for (const std::string& to : up.to) {
          LoopPrediction lp;
          lp.pod = p;
          lp.node = eff.node;
          lp.server = &sb;
          lp.upstream = up;
          lp.host_network = p->host_network;
          lp.loop_plugin = loop_plugin;
          if (is_resolv_file(to)) {
            if (to != "/etc/resolv.conf") continue;  // another mounted file: its text is not in the snapshot
            for (size_t i = 0; i < eff.dns.nameservers.size(); ++i) {
              const std::string& ns = eff.dns.nameservers[i];
              bool loop_back = is_loopback(ns) && sb.port() == 53;
              bool to_cluster = is_dns_server_ip(c, v, ns);
              if (!loop_back && !to_cluster) continue;
              lp.via = loop_back ? LoopPrediction::Via::NodeFileLoopback : LoopPrediction::Via::ClusterDns;
              lp.target = ns;
              lp.target_line = 0;
              if (eff.node && eff.dns.type != PodDnsType::Cluster)
                for (const auto& lb : eff.node->loopbacks)
                  if (lb.address == ns) lp.target_line = lb.line;
              out.push_back(lp);
              break;  // one nameserver that leads back is enough for this pod and line
            }
          } else {
            std::string host = upstream_host(to);
            if (is_loopback(host) && port_of(to, 53) == sb.port()) {
              lp.via = LoopPrediction::Via::CorefileLoopback;
            } else if (is_dns_server_ip(c, v, host)) {
              lp.via = LoopPrediction::Via::ClusterDns;
            } else {
              continue;
            }
            lp.target = host;
            out.push_back(lp);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace nd::dns
