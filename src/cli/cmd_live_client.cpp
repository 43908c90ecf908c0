// Live collection for the CLI: the cluster flags, `collect --out DIR`, and the temporary snapshot that
// `diagnose` and `dns` read when no SNAPSHOT is given.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/cmd_live.h"
#include "live/api_client.h"
#include "live/kubeconfig.h"
#include "live/live_collect.h"

namespace fs = std::filesystem;

namespace nd::cli {
namespace {

struct Prepared {
  std::unique_ptr<live::ApiClient> api;
  live::LiveOptions opts;
};

Result<Prepared> prepare(const LiveFlags& f, const std::string& ns) {
  auto target = live::load_target({f.kubeconfig, f.context, ns}, live::Environment::from_process());
  if (!target.ok()) return target.error();
  live::ClientOptions co;
  co.timeout = std::chrono::seconds(f.request_timeout_s);
  auto api = live::ApiClient::create(std::move(*target), co);
  if (!api.ok()) return api.error();
  Prepared p;
  p.api = std::move(*api);
  p.opts.concurrency = f.concurrency;
  p.opts.agent_namespace = f.agent_namespace;
  p.opts.agent_port = f.agent_port;
  p.opts.bundles = !f.no_agents;
  p.opts.progress = isatty(STDERR_FILENO);
  return p;
}

void print_notes(const live::LiveReport& r) {
  for (const auto& n : r.notes) std::cerr << "netdoctor: note: " << n << "\n";
}

struct CollectArgs {
  std::string out;
  bool redact = false;
  LiveFlags flags;
};

int run_collect(const CollectArgs& a) {
  std::error_code ec;
  if (fs::exists(a.out, ec) && !fs::is_empty(a.out, ec)) {
    std::cerr << "netdoctor collect: " << a.out << " exists and is not empty (choose a new directory)\n";
    return 2;
  }
  auto p = prepare(a.flags, "");
  if (!p.ok()) {
    std::cerr << "netdoctor collect: " << p.error().message << "\n";
    return 2;
  }
  p->opts.out = a.out;
  p->opts.redact = a.redact;
  auto rep = live::collect_live(*p->api, p->opts);
  if (!rep.ok()) {
    std::cerr << "netdoctor collect: " << rep.error().message << "\n";
    return 2;
  }
  print_notes(*rep);
  std::cout << fmt::format("wrote {}: {} objects in {} lists, {} logs, {} node bundles ({} files){} in {:.1f} s "
                           "(context {}; details in collection.txt)\n",
                           a.out, rep->objects, rep->lists, rep->logs, rep->bundles, rep->bundle_files,
                           a.redact ? fmt::format(", {} values redacted", rep->redacted) : "", rep->seconds,
                           p->api->target().context);
  return 0;
}

}  // namespace

void add_live_flags(CLI::App* cmd, LiveFlags& f) {
  const char* group = "Live cluster";
  cmd->add_option("--kubeconfig", f.kubeconfig, "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)")
      ->group(group);
  cmd->add_option("--context", f.context, "kubeconfig context (default: current-context)")->group(group);
  cmd->add_option("--agent-namespace", f.agent_namespace, "namespace of the netdoctor agents")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--agent-port", f.agent_port, "port the agents serve /bundle on")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--request-timeout", f.request_timeout_s, "seconds allowed to each API request")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--concurrency", f.concurrency, "API requests in flight")
      ->check(CLI::Range(1, 64))
      ->capture_default_str()
      ->group(group);
  cmd->add_flag("--no-agents", f.no_agents, "do not fetch node bundles from the agents")->group(group);
}

LiveSnapshot::~LiveSnapshot() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

Result<std::unique_ptr<LiveSnapshot>> collect_live_snapshot(const LiveFlags& f, const std::string& ns, bool logs) {
  auto p = prepare(f, ns);
  if (!p.ok()) return p.error();
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = (fs::path(tmp && *tmp ? tmp : "/tmp") / "netdoctor-live-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Error{fmt::format("{}: cannot create a temporary directory", tmpl)};
  std::unique_ptr<LiveSnapshot> snap(new LiveSnapshot);
  snap->dir_ = tmpl;
  const auto& t = p->api->target();
  snap->label_ = fmt::format("live: context {} ({})", t.context, t.cluster.server);
  snap->ns_ = t.ns;
  p->opts.out = tmpl;
  p->opts.logs = logs;
  auto rep = live::collect_live(*p->api, p->opts);
  if (!rep.ok()) return rep.error();
  print_notes(*rep);
  return snap;
}

void add_live_collect(CLI::App* collect, Shared& s) {
  auto a = std::make_shared<CollectArgs>();
  collect->add_option("--out", a->out,
                      "write a snapshot of the live cluster (objects, CNI and CoreDNS logs, node bundles from the "
                      "agents) into this new directory");
  collect->add_flag("--redact", a->redact,
                    "drop env values and ConfigMap data that the checks do not read, and CNI kubeconfig tokens");
  add_live_flags(collect, a->flags);
  collect->callback([collect, a, &s] {
    if (!collect->get_subcommands().empty()) return;  // `collect node`
    if (a->out.empty()) {
      std::cerr << "netdoctor collect: give --out DIR (live cluster) or a subcommand (collect node --out DIR)\n";
      s.exit_code = 2;
      return;
    }
    s.exit_code = run_collect(*a);
  });
}

Result<SnapshotInput> snapshot_or_live(const std::string& snapshot, const LiveFlags& f, bool logs) {
  SnapshotInput in;
  if (!snapshot.empty()) {
    in.path = snapshot;
    return in;
  }
  auto live = collect_live_snapshot(f, "", logs);
  if (!live.ok()) return live.error();
  in.keep = std::move(*live);
  in.path = in.keep->dir();
  in.label = in.keep->label();
  return in;
}

}  // namespace nd::cli
