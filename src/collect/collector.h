// `netdoctor collect node`: writes this host's node bundle (DESIGN.md "Node bundles") into a
// directory. Read-only on the host: it reads files and /proc/sys and runs listing commands.
// What it cannot get is left out and listed, with the reason, in manifest.json.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd::collect {

struct CollectOptions {
  // Prefix for every file read (/etc, /var/lib/kubelet, /run/flannel): "/" on a real node, a fake
  // tree in tests and the lab. /proc/sys and the commands always show the current network namespace.
  std::string root = "/";
  std::string proc_sys = "/proc/sys";
  std::string proc = "/proc";  // where to look for a running kubelet (only when root is "/")
  std::chrono::milliseconds command_timeout{10000};
  bool run_commands = true;  // false: files and sysctl only
};

struct BundleFile {
  std::string file;  // relative to the bundle: "ip-route.json", "cni/10-flannel.conflist"
  uint64_t bytes = 0;
  std::string source;  // "ip -j route show table all", "/etc/resolv.conf -> /run/.../stub-resolv.conf"
};

struct SkippedFile {
  std::string file, source, reason;
};

struct CollectReport {
  std::string out_dir;
  std::vector<BundleFile> written;  // manifest.json itself not included
  std::vector<SkippedFile> skipped;
  std::vector<std::string> notes;  // partial results: unreadable sysctl keys, output that did not parse
};

// Fails (an Error) only when out_dir cannot be created or written.
Result<CollectReport> collect_node(const std::string& out_dir, const CollectOptions& opts = {});

// A file of the CNI directory that holds credentials: a kubeconfig (Calico's calico-kubeconfig, Multus's
// multus.kubeconfig, by name), a client key or a bearer token (by content). The collector does not copy
// it — a bundle gets attached to tickets and served by the agent — and lists it as skipped. No check
// reads these files. `name` is the file name, without its folder.
bool holds_credentials(std::string_view name, std::string_view text);

// The bundle's command outputs: file name and argv, in the order they are run.
struct BundleCommand {
  const char* file;
  std::vector<std::string> argv;
};
const std::vector<BundleCommand>& bundle_commands();

}  // namespace nd::collect
