// netdoctor trace SNAPSHOT --from A --to B[:PORT][/tcp|udp]: the path between two endpoints, hop by hop.
#include <iostream>

#include "cli/commands.h"
#include "core/snapshot.h"
#include "trace/trace.h"
#include "cli/input.h"

namespace nd::cli {
namespace {

struct TraceOptions {
  std::string snapshot, from, to, output = "text";
  bool keep_going = false;
  LiveFlags live;  // empty without the live area
};

int run(const TraceOptions& o, const Shared& shared) {
  LoadOptions lo;
  lo.keep_going = o.keep_going;
  // No SNAPSHOT: collect one from the current context into a temporary directory, then go on as usual.
  auto input = snapshot_or_live(o.snapshot, o.live, false);
  if (!input.ok()) {
    std::cerr << "netdoctor: " << input.error().message << "\n";
    return 2;
  }
  const std::string path = input->path, label = input->label;
  auto cluster = load_snapshot(path, lo);
  if (!cluster.ok()) {
    std::cerr << "netdoctor: " << cluster.error().message << "\n";
    return 2;
  }
  // Never freed, as in diagnose: the process ends right after printing.
  Cluster& loaded = *new Cluster(std::move(cluster.value()));
  if (!label.empty()) loaded.root = label;
  const Cluster& model = loaded;
  const auto& tracer = *new trace::Tracer(model);
  for (const auto& w : tracer.warnings()) std::cerr << "netdoctor: warning: " << w << " (policy ignored)\n";
  auto r = tracer.trace(o.from, o.to);
  if (!r) {
    std::cerr << "netdoctor: " << r.error().message << "\n";
    return 2;
  }
  std::cout << (o.output == "json" ? trace::render_json(*r) : trace::render_text(*r, shared.color));
  return r->verdict == "reachable" ? 0 : 1;
}

}  // namespace

void register_trace(CLI::App& app, Shared& shared) {
  auto opts = std::make_shared<TraceOptions>();
  CLI::App* cmd = app.add_subcommand("trace", "Walk the path between two endpoints hop by hop through the snapshot");
#ifdef ND_HAVE_LIVE
  cmd->add_option("snapshot", opts->snapshot,
                  "Snapshot directory, a single kubectl JSON/YAML file, or -; none: the live cluster of the current context");
  add_live_flags(cmd, opts->live);
#else
  cmd->add_option("snapshot", opts->snapshot, "Snapshot directory, a single kubectl JSON/YAML file, or -")->required();
#endif
  cmd->add_option("--from", opts->from, "NS/POD, node/NAME, or an address outside the cluster")->required();
  cmd->add_option("--to", opts->to,
                  "NS/POD[:PORT], svc/NS/NAME[:PORT], node/NAME:NODEPORT, or an address/name outside; "
                  "optionally ending in /tcp, /udp or /sctp")
      ->required();
  cmd->add_option("-o,--output", opts->output, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_flag("--keep-going", opts->keep_going, "Warn about malformed files and read the rest");
  cmd->footer("Exit status: 0 reachable, 1 blocked or unknown, 2 the trace could not run.");
  cmd->callback([opts, &shared] { shared.exit_code = run(*opts, shared); });
}

}  // namespace nd::cli
