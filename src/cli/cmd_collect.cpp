// `netdoctor collect node --out DIR [--root PREFIX]`: writes this host's node bundle (DESIGN.md
// "Node bundles") as seen from the network namespace it runs in, so
// `ip netns exec X netdoctor collect node --out DIR` collects namespace X.
// Exit status: 0 written (files that could not be read are listed, not errors), 2 DIR cannot be written.
// With the live area, `netdoctor collect --out DIR [--redact]` writes a whole snapshot from the cluster
// (cmd_live_client.cpp).
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "collect/collector.h"
#ifdef ND_HAVE_LIVE
#include "cli/cmd_live.h"
#endif

namespace nd::cli {
namespace {

struct CollectArgs {
  std::string out;
  std::string root = "/";
  int timeout_s = 10;
  bool quiet = false;
};

int run_collect_node(const CollectArgs& a) {
  collect::CollectOptions o;
  o.root = a.root;
  o.command_timeout = std::chrono::milliseconds(a.timeout_s * 1000);
  auto rep = collect::collect_node(a.out, o);
  if (!rep) {
    std::cerr << "netdoctor collect node: " << rep.error().message << "\n";
    return 2;
  }
  if (a.quiet) return 0;
  size_t width = 0;
  for (const auto& f : rep->written) width = std::max(width, f.file.size());
  for (const auto& s : rep->skipped) width = std::max(width, s.file.size());
  std::cout << "wrote " << rep->written.size() << " files to " << rep->out_dir << " (list in manifest.json):\n";
  const int w = static_cast<int>(width);
  for (const auto& f : rep->written)
    std::cout << "  " << std::left << std::setw(w) << f.file << " " << std::right << std::setw(9) << f.bytes
              << " bytes  from " << f.source << "\n";
  if (!rep->skipped.empty()) {
    std::cout << "skipped " << rep->skipped.size() << " (left out of the bundle; they will read as unknown):\n";
    for (const auto& sk : rep->skipped)
      std::cout << "  " << std::left << std::setw(w) << sk.file << " " << sk.reason << "\n";
  }
  if (!rep->notes.empty()) {
    std::cout << "notes:\n";
    for (const auto& n : rep->notes) std::cout << "  " << n << "\n";
  }
  return 0;
}

}  // namespace

void register_collect(CLI::App& app, Shared& s) {
  CLI::App* collect = app.add_subcommand("collect", "Collect diagnostic data from where netdoctor runs");
#ifdef ND_HAVE_LIVE
  // `collect --out DIR`: the live cluster's snapshot; `collect node --out DIR`: this host's bundle.
  collect->require_subcommand(0, 1);
  add_live_collect(collect, s);
#else
  collect->require_subcommand(1);
#endif
  auto args = std::make_shared<CollectArgs>();
  CLI::App* node = collect->add_subcommand(
      "node",
      "Write this host's node bundle (sysctl, resolv.conf, kubelet config, ip/bridge JSON, "
      "iptables-save, nft ruleset, CNI config) for `netdoctor diagnose`; changes nothing on the host");
  node->add_option("--out", args->out, "directory to write the bundle into (created if missing)")->required();
  node->add_option("--root", args->root,
                   "prefix for the files read (/etc, /var/lib/kubelet, /run); "
                   "/proc/sys and the commands always show the current network namespace")
      ->capture_default_str();
  node->add_option("--timeout", args->timeout_s, "seconds allowed to each command")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  node->add_flag("-q,--quiet", args->quiet, "print nothing on success");
  node->callback([args, &s] { s.exit_code = run_collect_node(*args); });
}

}  // namespace nd::cli
