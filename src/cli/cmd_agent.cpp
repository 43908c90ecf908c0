// `netdoctor agent`: the node agent the DaemonSet runs (deploy/, docs/agent.md). It serves this
// node's bundle and Prometheus metrics over HTTP until SIGTERM. Exit status: 0 after a clean stop,
// 2 when it cannot start (bad flag value, address in use).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>

#include "agent/agent.h"
#include "agent/peers.h"
#include "agent/signals.h"
#include "cli/commands.h"

namespace nd::cli {
namespace {

struct AgentArgs {
  std::string listen = "0.0.0.0:9742";
  std::string interval = "60s", min_refresh = "10s", probe_timeout = "1s";
  std::string node_name, root = "/", work_dir, peers, cluster_dns, dns_name;
  int timeout_s = 10;
  size_t max_peers = 16;
  size_t max_bundle_mib = 64;
};

std::string default_node_name() {
  if (const char* n = std::getenv("NODE_NAME"); n && *n) return n;
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0) return buf;
  return "unknown";
}

int run_agent(const AgentArgs& a) {
  auto fail = [](const std::string& m) {
    std::cerr << "netdoctor agent: " << m << "\n";
    return 2;
  };
  agent::AgentOptions o;
  auto hp = agent::parse_host_port(a.listen);
  if (!hp) return fail("--listen: " + hp.error().message);
  o.listen_host = hp->host;
  o.listen_port = hp->port;
  for (auto [text, out, flag] : {std::tuple{&a.interval, &o.interval, "--interval"},
                                 std::tuple{&a.min_refresh, &o.min_refresh, "--min-refresh"},
                                 std::tuple{&a.probe_timeout, &o.probe_timeout, "--probe-timeout"}}) {
    auto d = agent::parse_duration(*text);
    if (!d) return fail(std::string(flag) + ": " + d.error().message);
    *out = *d;
  }
  if (o.interval.count() < 1000) return fail("--interval: at least 1s");
  if (o.probe_timeout.count() < 10 || o.probe_timeout.count() > 10000) return fail("--probe-timeout: 10ms to 10s");
  o.node_name = a.node_name.empty() ? default_node_name() : a.node_name;
  o.root = a.root;
  o.work_dir = a.work_dir;
  o.command_timeout = std::chrono::milliseconds(a.timeout_s * 1000);
  o.max_bundle_bytes = a.max_bundle_mib << 20;
  o.peers = a.peers;
  o.max_peers_per_round = a.max_peers;
  if (!a.cluster_dns.empty() && a.cluster_dns != "auto" && !agent::dns_target(a.cluster_dns))
    return fail("--cluster-dns: '" + a.cluster_dns + "' is not IP, IP:PORT or \"auto\"");
  o.cluster_dns = a.cluster_dns;
  if (!a.dns_name.empty()) o.dns_name = a.dns_name;
  if (!o.peers.empty() && o.peers.find('/') == std::string::npos) {
    // A bad list stops the start. A file is read every round (it may be an optional ConfigMap that
    // appears later), so its problems are logged instead.
    auto p = agent::load_peers(o.peers);
    if (!p) return fail("--peers: " + p.error().message);
  }

  agent::Agent ag(o);
  auto port = ag.bind();
  if (!port) return fail(port.error().message);
  std::cerr << "netdoctor agent: node " << o.node_name << ", root " << o.root << ", listening on "
            << agent::to_string(agent::HostPort{o.listen_host, *port}) << ", collecting every "
            << o.interval.count() / 1000.0 << " s" << std::endl;
  {
    agent::StopOnSignal guard([&ag] { ag.stop(); });
    ag.run();
  }
  std::cerr << "netdoctor agent: stopped" << std::endl;
  return 0;
}

}  // namespace

void register_agent(CLI::App& app, Shared& s) {
  auto a = std::make_shared<AgentArgs>();
  CLI::App* c = app.add_subcommand(
      "agent",
      "Node agent (the DaemonSet): collects this node's bundle on a schedule and on request, probes a "
      "small mesh, and serves GET /healthz, /bundle[?refresh=1] and /metrics");
  c->add_option("--listen", a->listen, "ADDR:PORT to serve on ([ADDR]:PORT for IPv6)")->capture_default_str();
  c->add_option("--interval", a->interval, "time between collections and mesh rounds (60s, 5m, ...)")
      ->capture_default_str();
  c->add_option("--min-refresh", a->min_refresh,
                "a /bundle?refresh=1 within this time of the last collection gets that bundle")
      ->capture_default_str();
  c->add_option("--node-name", a->node_name, "node name in the bundle (default: $NODE_NAME, else the hostname)");
  c->add_option("--root", a->root, "prefix of the host's files (/host in the DaemonSet)")->capture_default_str();
  c->add_option("--work-dir", a->work_dir, "where bundles are written before they are read into memory (default: a new dir in $TMPDIR)");
  c->add_option("--timeout", a->timeout_s, "seconds allowed to each collector command")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  c->add_option("--max-bundle-mib", a->max_bundle_mib, "largest bundle kept in memory, MiB")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--peers", a->peers, "peer pod addresses to probe: a file of IP:PORT lines, or a comma list");
  c->add_option("--max-peers-per-round", a->max_peers, "peers probed per round; a longer list is walked in turns")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  c->add_option("--cluster-dns", a->cluster_dns,
                "cluster DNS IP[:PORT] to query each round, or \"auto\" for the kubelet's clusterDNS under --root");
  c->add_option("--dns-name", a->dns_name, "name queried (default kubernetes.default.svc.cluster.local)");
  c->add_option("--probe-timeout", a->probe_timeout, "time limit of each mesh probe")->capture_default_str();
  c->callback([a, &s] { s.exit_code = run_agent(*a); });
}

}  // namespace nd::cli
