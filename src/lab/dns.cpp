#include "lab/dns.h"

#include <filesystem>

#include "lab/exec.h"
#include "lab/netops.h"
#include "lab/state_io.h"

namespace nd::lab {

std::string node_dir(const State& s, const NodeState& n) { return s.dir() + "/nodes/" + n.name; }
std::string pod_dir(const State& s, const PodState& p) { return s.dir() + "/pods/" + p.ns + "/" + p.name; }
std::string pod_resolv_path(const State& s, const PodState& p) { return pod_dir(s, p) + "/resolv.conf"; }
std::string cluster_dns_pidfile(const State& s) { return s.dir() + "/dns/cluster-dns.pid"; }
std::string cluster_dns_log(const State& s) { return s.dir() + "/dns/cluster-dns.log"; }
std::string upstream_dns_pidfile(const State& s) { return s.dir() + "/dns/upstream-dns.pid"; }

std::string node_resolv_conf(const State& s, const NodeState& n) {
  // dns-upstream-loop: the node points at a local stub (as systemd-resolved's 127.0.0.53 does), and
  // that is what its DNS pod inherits; inside the pod's own namespace the address is the pod itself.
  if (s.has_fault("dns-upstream-loop", n.name))
    return "# written by netdoctor lab (fault dns-upstream-loop: a loopback stub resolver)\n"
           "nameserver 127.0.0.53\n";
  return std::string("# written by netdoctor lab\nnameserver ") + kUpstreamDnsIp + "\n";
}

std::string pod_resolv_conf(const State& s, const PodState& p) {
  if (p.dns_policy == "Default") {
    const NodeState* n = s.node(p.node);
    return n ? node_resolv_conf(s, *n) : "";
  }
  std::string d = kClusterDomain;
  return "search " + p.ns + ".svc." + d + " svc." + d + " " + d + "\nnameserver " + kDnsServiceIp +
         "\noptions ndots:5\n";
}

std::string kubelet_config() {
  return std::string(
             "apiVersion: kubelet.config.k8s.io/v1beta1\n"
             "kind: KubeletConfiguration\n"
             "cgroupDriver: systemd\n"
             "clusterDNS:\n- ") +
         kDnsServiceIp + "\nclusterDomain: " + kClusterDomain +
         "\n# the file dnsPolicy=Default pods (the DNS pod among them) get as their resolv.conf\n"
         "resolvConf: /etc/resolv.conf\n";
}

std::string cluster_hosts(const State& s) {
  std::string out;
  for (const auto& v : s.services)
    if (!v.cluster_ip.empty() && v.cluster_ip != "None")
      out += v.cluster_ip + " " + v.name + "." + v.ns + ".svc." + kClusterDomain + "\n";
  return out;
}

std::vector<std::string> cluster_dns_argv(const State& s, const PodState& dns_pod) {
  std::string dir = s.dir() + "/dns";
  return {"dnsmasq",
          "--conf-file=/dev/null",
          "--pid-file=" + cluster_dns_pidfile(s),
          "--log-facility=" + cluster_dns_log(s),
          "--user=root",
          "--port=53",
          "--no-hosts",
          "--addn-hosts=" + dir + "/cluster.hosts",
          // The pod's resolv.conf, read once at start like CoreDNS's forward plugin (a changed node
          // file reaches the DNS pod only when the pod restarts, as P7 says).
          "--resolv-file=" + pod_resolv_path(s, dns_pod),
          "--no-poll",
          std::string("--local=/") + kClusterDomain + "/",
          "--domain-needed",
          "--dns-loop-detect",
          "--cache-size=0",
          "--no-negcache"};
}

std::vector<std::string> upstream_dns_argv(const State& s) {
  std::string d = kOutsideDomain;
  return {"dnsmasq",
          "--conf-file=/dev/null",
          "--pid-file=" + upstream_dns_pidfile(s),
          "--log-facility=" + s.dir() + "/dns/upstream-dns.log",
          "--user=root",
          "--port=53",
          "--no-hosts",
          "--no-resolv",
          "--local=/" + d + "/",
          "--host-record=www." + d + "," + kOutsideWebIp,
          "--host-record=db." + d + "," + kDbIp,
          "--host-record=dns." + d + "," + kUpstreamDnsIp,
          "--cache-size=0"};
}

Result<bool> write_dns_files(const State& s) {
  for (const auto& n : s.nodes) {
    std::string text = node_resolv_conf(s, n);
    if (auto r = write_file(node_dir(s, n) + "/etc/resolv.conf", text); !r) return r.error();
    if (auto r = write_file(node_dir(s, n) + "/var/lib/kubelet/config.yaml", kubelet_config()); !r)
      return r.error();
  }
  for (const auto& p : s.pods)
    if (auto r = write_file(pod_resolv_path(s, p), pod_resolv_conf(s, p)); !r) return r.error();
  if (auto r = write_file(s.dir() + "/dns/cluster.hosts", cluster_hosts(s)); !r) return r.error();
  return true;
}

int running_pid(const std::string& pidfile, const std::string& netns) {
  auto text = read_file(pidfile);
  if (!text) return 0;
  int pid = std::atoi(text->c_str());
  return pid_alive(pid) && pid_in_netns(pid, netns) ? pid : 0;
}

static Result<int> start_dnsmasq(const std::string& netns, std::vector<std::string> argv,
                                 const std::string& pidfile) {
  std::error_code ec;
  std::filesystem::remove(pidfile, ec);
  Command c;
  c.argv = std::move(argv);
  c.netns = netns;
  c.timeout_ms = 5000;
  if (auto r = run_ok(c); !r) return r.error();
  int pid = running_pid(pidfile, netns);
  if (!pid) return Error{"dnsmasq in " + netns + " did not stay up (no live pid in " + pidfile + ")"};
  return pid;
}

Result<int> start_cluster_dns(const State& s) {
  const PodState* p = s.dns_pod();
  if (!p) return Error{"the lab has no DNS pod"};
  return start_dnsmasq(s.pod_netns(*p), cluster_dns_argv(s, *p), cluster_dns_pidfile(s));
}

void stop_cluster_dns(const State& s) {
  const PodState* p = s.dns_pod();
  if (!p) return;
  int pid = running_pid(cluster_dns_pidfile(s), s.pod_netns(*p));
  if (pid) stop_pid_in_netns(pid, s.pod_netns(*p));
}

Result<int> start_upstream_dns(const State& s) {
  return start_dnsmasq(s.netns("dns"), upstream_dns_argv(s), upstream_dns_pidfile(s));
}

}  // namespace nd::lab
