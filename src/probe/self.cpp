#include "probe/self.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dns/kubelet_dns.h"
#include "node/ip_json.h"
#include "node/resolv.h"

namespace nd::probe {
namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::string> run_capture(const std::vector<std::string>& argv, int timeout_ms) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Error{fmt::format("pipe: {}", std::strerror(errno))};
  pid_t pid = fork();
  if (pid < 0) return Error{fmt::format("fork: {}", std::strerror(errno))};
  if (pid == 0) {
    dup2(p[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(p[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) break;
    pollfd pf{p[0], POLLIN, 0};
    if (poll(&pf, 1, left) <= 0) break;
    char buf[8192];
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  int status = 0;
  // stdout closes a moment before the process ends: wait for it until the deadline.
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    usleep(2000);
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return Error{fmt::format("{} did not finish within {} ms", argv[0], timeout_ms)};
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error{fmt::format("{} failed (exit {}){}", fmt::join(argv, " "), WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                             WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": not installed here" : "")};
  return out;
}

Result<SelfReport> probe_self(const SelfOptions& o) {
  SelfReport s;
  s.from = o.from;
  if (!o.dns_policy.empty() && o.dns_policy != "ClusterFirst" && o.dns_policy != "Default" &&
      o.dns_policy != "ClusterFirstWithHostNet" && o.dns_policy != "None")
    return Error{fmt::format("--dns-policy {}: use ClusterFirst, ClusterFirstWithHostNet or Default", o.dns_policy)};
  if ((o.dns_policy == "ClusterFirst" || o.dns_policy == "ClusterFirstWithHostNet") && o.cluster_dns.empty())
    return Error{"--dns-policy ClusterFirst needs --cluster-dns IP (the kube-dns Service's ClusterIP)"};

  std::string addr_json = o.ip_addr_json, route_json = o.ip_route_json;
  if (addr_json.empty()) {
    auto a = run_capture({"ip", "-j", "addr", "show"});
    if (a) addr_json = *a;
    else s.notes.push_back("addresses unknown: " + a.error().message);
  }
  if (route_json.empty()) {
    auto a = run_capture({"ip", "-j", "route", "show"});
    if (a) route_json = *a;
    else s.notes.push_back("routes unknown: " + a.error().message);
  }
  if (!addr_json.empty()) {
    auto links = node::parse_ip_addr(addr_json, "ip -j addr show");
    if (!links) return links.error();
    for (const auto& l : *links)
      for (const auto& a : l.addrs)
        s.addresses.push_back(fmt::format("{} {}/{} mtu {}{}", l.ifname, a.local, a.prefixlen, l.mtu,
                                          l.up() ? "" : " (down)"));
  }
  if (!route_json.empty()) {
    auto routes = node::parse_ip_route(route_json, "ip -j route show");
    if (!routes) return routes.error();
    for (const auto& r : *routes) s.routes.push_back(r.to_line());
    if (std::none_of(routes->begin(), routes->end(), [](const node::Route& r) { return r.is_default(); }))
      s.notes.push_back("no default route: only the ranges listed are reachable from here");
  }

  s.resolv_label = o.resolv_conf;
  auto text = read_text(o.resolv_conf);
  if (!text) return text.error();
  s.resolv_conf = *text;
  if (o.dns_policy.empty() || o.dns_policy == "None") return s;

  dns::PodDnsInput pod;
  pod.ns = o.ns;
  pod.dns_policy = o.dns_policy;
  pod.host_network = false;
  dns::KubeletDnsInput k;
  if (!o.cluster_dns.empty()) k.cluster_dns = {o.cluster_dns};
  k.cluster_domain = o.cluster_domain;
  bool node_known = !o.node_resolv_conf.empty();
  if (node_known) {
    auto nt = read_text(o.node_resolv_conf);
    if (!nt) return nt.error();
    k.host = dns::parse_host_resolv(*nt);
  }
  dns::PodDns want = dns::kubelet_pod_dns(pod, k);
  s.expected = dns::render_resolv_conf(want);
  dns::HostResolv have = dns::parse_host_resolv(s.resolv_conf);
  s.checked = true;

  if (o.dns_policy == "Default" && !node_known) {
    // The node's file is unknown: judge by what a Default pod must not have.
    for (const auto& ns : have.nameservers)
      if (ns == o.cluster_dns)
        s.differences.push_back(fmt::format("nameserver {} is the cluster DNS: a Default pod gets the node's "
                                            "nameservers (P8)", ns));
    for (const auto& d : have.searches)
      if (d.find(".svc." + o.cluster_domain) != std::string::npos || d == "svc." + o.cluster_domain)
        s.differences.push_back(fmt::format("search {} is a cluster domain: a Default pod gets the node's search list", d));
    s.notes.push_back("dnsPolicy Default copies the node's file; pass --node-resolv-conf to compare it exactly");
  } else {
    if (have.nameservers != want.nameservers)
      s.differences.push_back(fmt::format("nameservers are [{}], the kubelet would write [{}] (P8, P10.2)",
                                          fmt::join(have.nameservers, " "), fmt::join(want.nameservers, " ")));
    // Without the node's file only the cluster part of the search list is known: compare that prefix.
    size_t n = node_known ? want.searches.size() : std::min<size_t>(want.searches.size(), 3);
    std::vector<std::string> want_prefix(want.searches.begin(), want.searches.begin() + static_cast<long>(n));
    std::vector<std::string> have_prefix(have.searches.begin(),
                                         have.searches.begin() + static_cast<long>(std::min(n, have.searches.size())));
    if (have_prefix != want_prefix || (node_known && have.searches.size() != want.searches.size()))
      s.differences.push_back(fmt::format("search list is [{}], the kubelet would write [{}{}] (P10.2)",
                                          fmt::join(have.searches, " "), fmt::join(want_prefix, " "),
                                          node_known ? "" : " + the node's search domains"));
    if (!node_known && o.dns_policy != "Default")
      s.notes.push_back("the node's search domains follow the cluster ones; pass --node-resolv-conf to check them");
    auto ndots_of = [](const std::vector<std::string>& opts) {
      std::string v = "1";
      for (const auto& x : opts)
        if (x.rfind("ndots:", 0) == 0) v = x.substr(6);
      return v;
    };
    if (ndots_of(have.options) != ndots_of(want.options))
      s.differences.push_back(fmt::format("ndots is {}, the kubelet would set {}", ndots_of(have.options),
                                          ndots_of(want.options)));
  }
  s.matches = s.differences.empty();
  return s;
}

nlohmann::ordered_json to_json(const SelfReport& s) {
  nlohmann::ordered_json j;
  j["probe"] = "self";
  j["target"] = "";
  j["from"] = s.from;
  j["result"] = !s.checked ? "unchecked" : s.matches ? "match" : "mismatch";
  j["time_ms"] = 0;
  j["source"] = "";
  j["detail"] = s.checked ? (s.matches ? "resolv.conf is what the kubelet would write"
                                       : fmt::format("{} difference(s) from what the kubelet would write",
                                                     s.differences.size()))
                          : "no --dns-policy given: nothing compared";
  j["addresses"] = s.addresses;
  j["routes"] = s.routes;
  j["resolv_conf"] = {{"file", s.resolv_label}, {"text", s.resolv_conf}};
  if (s.checked) j["expected_resolv_conf"] = s.expected;
  j["differences"] = s.differences;
  j["notes"] = s.notes;
  return j;
}

std::string to_text(const SelfReport& s) {
  std::string out = fmt::format("self: {}\n  addresses:\n", s.from);
  for (const auto& a : s.addresses) out += "    " + a + "\n";
  out += "  routes:\n";
  for (const auto& r : s.routes) out += "    " + r + "\n";
  out += fmt::format("  {}:\n", s.resolv_label);
  std::istringstream in(s.resolv_conf);
  for (std::string line; std::getline(in, line);) out += "    " + line + "\n";
  if (s.checked) {
    out += "  what the kubelet would write:\n";
    std::istringstream e(s.expected);
    for (std::string line; std::getline(e, line);) out += "    " + line + "\n";
    if (s.matches) out += "  -> resolv.conf matches the dnsPolicy\n";
    for (const auto& d : s.differences) out += "  -> mismatch: " + d + "\n";
  }
  for (const auto& n : s.notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace nd::probe
