// netdoctor diagnose SNAPSHOT: read, run every check, print the findings.
#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/cni.h"
#include "core/snapshot.h"
#include "engine/probe_evidence.h"
#include "engine/runner.h"
#include "output/render.h"
#include "cli/input.h"

namespace nd::cli {
namespace {

struct DiagnoseOptions {
  std::string snapshot;
  std::string output = "text";
  std::string fail_on = "warning";
  std::vector<std::string> skip, only;
  std::string ns;
  bool keep_going = false;
  std::string probes;  // probe results to attach as evidence
  LiveFlags live;  // empty without the live area
};

std::set<std::string> split_ids(const std::vector<std::string>& v) {
  std::set<std::string> out;
  for (const auto& s : v) {
    std::stringstream ss(s);
    std::string id;
    while (std::getline(ss, id, ','))
      if (!id.empty()) out.insert(id);
  }
  return out;
}

int run(const DiagnoseOptions& o, const Shared& shared) {
  Severity fail_on;
  if (!parse_severity(o.fail_on, fail_on)) {
    std::cerr << "netdoctor: --fail-on must be critical, warning or info (got '" << o.fail_on << "')\n";
    return 2;
  }
  // Read the probe results first: a bad file should stop us before a long snapshot load.
  std::vector<ProbeRecord> probes;
  if (!o.probes.empty()) {
    auto p = load_probe_results(o.probes);
    if (!p.ok()) {
      std::cerr << "netdoctor: " << p.error().message << "\n";
      return 2;
    }
    probes = std::move(p.value());
  }
  LoadOptions lo;
  lo.keep_going = o.keep_going;
  // No SNAPSHOT: collect one from the current context into a temporary directory, then go on as usual.
  auto input = snapshot_or_live(o.snapshot, o.live, true);
  if (!input.ok()) {
    std::cerr << "netdoctor: " << input.error().message << "\n";
    return 2;
  }
  const std::string path = input->path, label = input->label;
  auto cluster = load_snapshot(path, lo);
  if (!cluster.ok()) {
    std::cerr << "netdoctor: " << cluster.error().message << "\n";
    if (!o.keep_going) std::cerr << "(use --keep-going to read the rest of the snapshot despite this file)\n";
    return 2;
  }
  // Deliberately never freed: the process ends right after printing, and tearing down millions of
  // small strings of a large snapshot costs most of a second.
  Cluster& loaded = *new Cluster(std::move(cluster.value()));
  if (!label.empty()) loaded.root = label;
  const Cluster& model = loaded;
  CniInfo cni = detect_cni(model);
  RunOptions ro;
  ro.only = split_ids(o.only);
  ro.skip = split_ids(o.skip);
  ro.ns = o.ns;
  RunResult result = run_checks(model, cni, ro);
  if (!result.unknown_ids.empty()) {
    std::cerr << "netdoctor: unknown check id(s): ";
    for (const auto& id : result.unknown_ids) std::cerr << id << " ";
    std::cerr << "(see `netdoctor checks`)\n";
    return 2;
  }
  if (!probes.empty()) attach_probe_evidence(result.findings, model, probes);
  int code = 0;
  for (const auto& f : result.findings)
    if (f.severity >= fail_on) code = 1;
  Report report = make_report(model, cni, std::move(result.findings));
  if (o.output == "json") render_json(std::cout, to_json(report));
  else if (o.output == "yaml") render_yaml(std::cout, to_json(report));
  else render_text(std::cout, report, shared.color);
  return code;
}

}  // namespace

void register_diagnose(CLI::App& app, Shared& shared) {
  auto opts = std::make_shared<DiagnoseOptions>();
  CLI::App* cmd = app.add_subcommand("diagnose", "Read a snapshot (or, without one, the live cluster), run every check, print root causes with evidence and fixes");
  auto* snap = cmd->add_option("snapshot", opts->snapshot,
                               "Snapshot directory, a single kubectl JSON/YAML file, or - for standard input"
#ifdef ND_HAVE_LIVE
                               "; none: the live cluster of the current kubeconfig context"
#endif
  );
#ifdef ND_HAVE_LIVE
  add_live_flags(cmd, opts->live);
  (void)snap;
#else
  snap->required();
#endif
  cmd->add_option("-o,--output", opts->output, "Output format")
      ->check(CLI::IsMember({"text", "json", "yaml"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", opts->fail_on, "Exit 1 when a finding is at or above this severity")
      ->check(CLI::IsMember({"critical", "warning", "info"}))
      ->capture_default_str();
  cmd->add_option("--skip", opts->skip, "Check ids to skip (comma separated or repeated)");
  cmd->add_option("--only", opts->only, "Run only these check ids (comma separated or repeated)");
  cmd->add_option("--probes", opts->probes,
                  "Probe results (`netdoctor probe ... -o json`, one object, an array or JSON lines) to "
                  "attach to the findings they tested as live evidence")
      ->check(CLI::ExistingFile);
  cmd->add_option("-n,--namespace", opts->ns, "Report namespaced findings of this namespace only");
  cmd->add_flag("--keep-going", opts->keep_going, "Warn about malformed files and read the rest");
  cmd->callback([opts, &shared] { shared.exit_code = run(*opts, shared); });
}

}  // namespace nd::cli
