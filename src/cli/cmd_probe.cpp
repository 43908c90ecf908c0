// netdoctor probe dns|tcp|icmp|http|self|mesh: active tests from where netdoctor runs (a pod, a node,
// or a network namespace with --netns). No default target: each probe tests only what the user names,
// with a bounded timeout and count. Exit 0 the probe succeeded, 1 it failed, 2 it could not run.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "output/render.h"
#include "probe/dns.h"
#include "probe/http.h"
#include "probe/icmp.h"
#include "probe/mesh.h"
#include "probe/netns.h"
#include "probe/self.h"
#include "probe/tcp.h"

namespace nd::cli {
namespace {

struct Common {
  std::string output = "text";
  std::string netns;
};

struct ProbeOptions {
  Common c;
  std::string target;
  int timeout_ms = 0;
  // dns
  std::string type = "A", resolv_conf = "/etc/resolv.conf", libc = "glibc", cluster_domain = "cluster.local";
  std::vector<std::string> servers;
  int attempts = 0, max_time_ms = 30000;
  bool no_control = false;
  // icmp
  int count = 3, interval_ms = 500;
  std::string method = "auto";
  // self
  std::string dns_policy, cluster_dns, ns = "default", node_resolv_conf;
  // mesh
  std::string targets_file;
  int parallel = 8;
};

int fail(const std::string& msg) {
  std::cerr << "netdoctor: " << msg << "\n";
  return 2;
}

// Enters the namespace before any socket exists, so every probe below runs there.
bool enter(const Common& c, int* code) {
  auto r = probe::enter_netns(c.netns);
  if (!r) *code = fail(r.error().message);
  return r.ok();
}

int print(const Common& c, const Result<probe::ProbeResult>& r) {
  if (!r) return fail(r.error().message);
  if (c.output == "json")
    render_json(std::cout, probe::to_json(r.value()));
  else
    std::cout << probe::to_text(r.value());
  return r.value().ok ? 0 : 1;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{fmt::format("{}: cannot read", path)};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int run_dns(const ProbeOptions& o) {
  int code = 0;
  if (!enter(o.c, &code)) return code;
  probe::DnsProbeOptions d;
  d.name = o.target;
  auto q = probe::parse_qtype(o.type);
  if (!q) return fail(q.error().message);
  d.qtype = *q;
  if (o.libc != "glibc" && o.libc != "musl") return fail("--libc must be glibc or musl");
  d.libc = o.libc == "musl" ? dns::Libc::Musl : dns::Libc::Glibc;
  auto text = read_file(o.resolv_conf);
  if (!text && o.servers.empty()) return fail(text.error().message + " (give --server IP to query a server directly)");
  if (text) d.resolv_conf_text = *text;
  d.resolv_conf_label = o.resolv_conf;
  d.servers = o.servers;
  d.timeout_ms = o.timeout_ms;
  d.attempts = o.attempts;
  d.max_total_ms = o.max_time_ms;
  d.cluster_domain = o.cluster_domain;
  d.control = !o.no_control;
  d.from = probe::from_label(o.c.netns);
  bool tcp = dns::read_resolver_conf(d.resolv_conf_text, d.libc).use_vc;
  auto r = probe::probe_dns(d, [tcp](const std::string& n, const std::string& s, int t, int w) {
    return probe::cares_query(n, s, t, w, tcp);
  });
  return print(o.c, r);
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("-o,--output", c.output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--netns", c.netns, "Probe from the network namespace /run/netns/NAME (needs root)");
}

}  // namespace

void register_probe(CLI::App& app, Shared& shared) {
  auto o = std::make_shared<ProbeOptions>();
  CLI::App* probe = app.add_subcommand(
      "probe", "Test the path live from here (a pod, a node, --netns): dns, tcp, icmp, http, self, mesh");
  probe->require_subcommand(1);

  CLI::App* dnsc = probe->add_subcommand("dns", "Resolve NAME as the pod's libc would from its resolv.conf; "
                                                 "show every query sent and what the result means");
  dnsc->add_option("name", o->target, "The name to resolve (an address with --type PTR)")->required();
  dnsc->add_option("--type", o->type, "Record type: A, AAAA, SRV, PTR, TXT, MX, NS, CNAME, ...");
  dnsc->add_option("--resolv-conf", o->resolv_conf, "The resolver configuration to follow (default /etc/resolv.conf)");
  dnsc->add_option("--server", o->servers, "Ask this nameserver (IP or IP:PORT) instead of the file's (repeatable)");
  dnsc->add_option("--timeout", o->timeout_ms, "Wait per query in ms (default: the file's timeout, as the libc)")
      ->check(CLI::Range(1, 30000));
  dnsc->add_option("--attempts", o->attempts, "Rounds over the servers (default: the file's attempts)")
      ->check(CLI::Range(1, 5));
  dnsc->add_option("--max-time", o->max_time_ms, "Stop the whole probe after this many ms (default 30000)")
      ->check(CLI::Range(100, 120000));
  dnsc->add_option("--libc", o->libc, "glibc (default) or musl: whose search rules to follow");
  dnsc->add_option("--cluster-domain", o->cluster_domain, "The cluster's DNS domain (default cluster.local)");
  dnsc->add_flag("--no-control", o->no_control,
                 "When an outside name fails, do not ask the same server for a cluster name to compare");
  add_common(dnsc, o->c);
  dnsc->callback([o, &shared] { shared.exit_code = run_dns(*o); });

  CLI::App* tcpc = probe->add_subcommand("tcp", "Connect to HOST:PORT: connected, refused, timeout, unreachable "
                                                 "(with the ICMP code) or no-route, and the source address");
  tcpc->add_option("target", o->target, "HOST:PORT or [IPv6]:PORT")->required();
  tcpc->add_option("--timeout", o->timeout_ms, "Give up after this many ms (default 3000)")->check(CLI::Range(1, 60000));
  add_common(tcpc, o->c);
  tcpc->callback([o, &shared] {
    int code = 0;
    if (!enter(o->c, &code)) {
      shared.exit_code = code;
      return;
    }
    probe::TcpOptions t;
    if (o->timeout_ms > 0) t.timeout_ms = o->timeout_ms;
    t.from = probe::from_label(o->c.netns);
    shared.exit_code = print(o->c, probe::probe_tcp(o->target, t));
  });

  CLI::App* icmpc = probe->add_subcommand("icmp", "Ping HOST (IPv4): a bounded count of echo requests");
  icmpc->add_option("host", o->target, "Address or name")->required();
  icmpc->add_option("-c,--count", o->count, "Echo requests to send (default 3, at most 100)")->check(CLI::Range(1, 100));
  icmpc->add_option("--interval", o->interval_ms, "ms between requests (default 500)")->check(CLI::Range(0, 10000));
  icmpc->add_option("--timeout", o->timeout_ms, "ms to wait for each reply (default 1000)")->check(CLI::Range(1, 30000));
  icmpc->add_option("--method", o->method, "auto (unprivileged ICMP socket, else raw), dgram or raw")
      ->check(CLI::IsMember({"auto", "dgram", "raw"}));
  add_common(icmpc, o->c);
  icmpc->callback([o, &shared] {
    int code = 0;
    if (!enter(o->c, &code)) {
      shared.exit_code = code;
      return;
    }
    probe::IcmpOptions io;
    io.count = o->count;
    io.interval_ms = o->interval_ms;
    if (o->timeout_ms > 0) io.timeout_ms = o->timeout_ms;
    io.method = o->method;
    io.from = probe::from_label(o->c.netns);
    shared.exit_code = print(o->c, probe::probe_icmp(o->target, io));
  });

  CLI::App* httpc = probe->add_subcommand("http", "GET a plain http:// URL: status, connect time, time to first byte");
  httpc->add_option("url", o->target, "http://HOST[:PORT]/PATH")->required();
  httpc->add_option("--timeout", o->timeout_ms, "Give up after this many ms (default 5000)")->check(CLI::Range(1, 60000));
  add_common(httpc, o->c);
  httpc->callback([o, &shared] {
    int code = 0;
    if (!enter(o->c, &code)) {
      shared.exit_code = code;
      return;
    }
    probe::HttpOptions h;
    if (o->timeout_ms > 0) h.timeout_ms = o->timeout_ms;
    h.from = probe::from_label(o->c.netns);
    shared.exit_code = print(o->c, probe::probe_http(o->target, h));
  });

  CLI::App* selfc = probe->add_subcommand("self", "This side's addresses, routes, MTU and resolv.conf, and whether "
                                                   "the resolv.conf is what its dnsPolicy should give");
  selfc->add_option("--resolv-conf", o->resolv_conf, "The file to judge (default /etc/resolv.conf)");
  selfc->add_option("--dns-policy", o->dns_policy, "Compare with what a pod of this dnsPolicy gets: ClusterFirst or Default");
  selfc->add_option("--cluster-dns", o->cluster_dns, "The kube-dns Service IP (the kubelet's clusterDNS)");
  selfc->add_option("--namespace", o->ns, "The pod's namespace (default: default)");
  selfc->add_option("--cluster-domain", o->cluster_domain, "The cluster's DNS domain (default cluster.local)");
  selfc->add_option("--node-resolv-conf", o->node_resolv_conf, "The node's resolv.conf (the kubelet's resolvConf), if known");
  add_common(selfc, o->c);
  selfc->callback([o, &shared] {
    int code = 0;
    if (!enter(o->c, &code)) {
      shared.exit_code = code;
      return;
    }
    probe::SelfOptions s;
    s.resolv_conf = o->resolv_conf;
    s.dns_policy = o->dns_policy;
    s.cluster_dns = o->cluster_dns;
    s.ns = o->ns;
    s.cluster_domain = o->cluster_domain;
    s.node_resolv_conf = o->node_resolv_conf;
    s.from = probe::from_label(o->c.netns);
    auto r = probe::probe_self(s);
    if (!r) {
      shared.exit_code = fail(r.error().message);
      return;
    }
    if (o->c.output == "json")
      render_json(std::cout, probe::to_json(*r));
    else
      std::cout << probe::to_text(*r);
    shared.exit_code = r->matches ? 0 : 1;
  });

  CLI::App* meshc = probe->add_subcommand("mesh", "Run the probes listed in a YAML/JSON file, a bounded number at a "
                                                   "time; print a matrix (text) or the results (json)");
  meshc->add_option("--targets", o->targets_file, "The file of probes (see docs/probe.md)")->required();
  meshc->add_option("--parallel", o->parallel, "Probes at a time (default 8, at most 256)")->check(CLI::Range(1, 256));
  meshc->add_option("--timeout", o->timeout_ms, "Default per-probe timeout in ms (default 2000)")->check(CLI::Range(1, 60000));
  add_common(meshc, o->c);
  meshc->callback([o, &shared] {
    auto text = read_file(o->targets_file);
    if (!text) {
      shared.exit_code = fail(text.error().message);
      return;
    }
    auto targets = probe::parse_targets(*text, o->targets_file);
    if (!targets) {
      shared.exit_code = fail(targets.error().message);
      return;
    }
    int code = 0;
    if (!enter(o->c, &code)) {
      shared.exit_code = code;
      return;
    }
    probe::MeshOptions m;
    m.parallel = o->parallel;
    if (o->timeout_ms > 0) m.timeout_ms = o->timeout_ms;
    m.netns = o->c.netns;
    probe::MeshRun run = probe::run_mesh(*targets, m);
    if (o->c.output == "json")
      render_json(std::cout, probe::to_json(run, *targets));
    else
      std::cout << probe::to_text(run, *targets);
    shared.exit_code = run.failed ? 1 : 0;
  });
}

}  // namespace nd::cli
