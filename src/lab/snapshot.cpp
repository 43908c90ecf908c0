#include "lab/snapshot.h"

#include "lab/apiserver.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include "collect/collector.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/flannel.h"
#include "lab/netops.h"
#include "lab/objects.h"
#include "lab/pods.h"
#include "lab/state_io.h"

namespace nd::lab {

namespace fs = std::filesystem;

namespace {

// The node bundle, written by the shared collector from inside the node: its network namespace for
// commands and /proc/sys/net, its hostname, and its directory as the file-system root.
Result<std::string> collect_bundle(const State& s, const NodeState& n, const std::string& out_dir) {
  std::string root = node_dir(s, n);
  auto r = run_in_netns(
      s.node_netns(n),
      [&](int out) {
        if (unshare(CLONE_NEWUTS) == 0) sethostname(n.name.c_str(), n.name.size());
        collect::CollectOptions opts;
        opts.root = root;
        opts.command_timeout = std::chrono::milliseconds(10000);
        auto rep = collect::collect_node(out_dir, opts);
        if (!rep) {
          write_all(out, rep.error().message);
          return 1;
        }
        std::string notes;
        for (const auto& sk : rep->skipped)
          notes += sk.file + " skipped (" + sk.reason + ")\n";
        for (const auto& note : rep->notes) notes += note + "\n";
        write_all(out, notes);
        return 0;
      },
      90000);
  if (!r) return r.error();
  if (r->status != 0) return Error{"collect node bundle of " + n.name + ": " + r->out};
  return r->out;
}

std::string readme(const State& s) {
  std::string t = "netdoctor lab snapshot\n\nlab: " + s.spec.name + "\nbackend: " + backend_name(s.spec.backend) +
                  "\nnodes: " + std::to_string(s.nodes.size()) + "\ntaken: " + now_rfc3339() + "\nfaults injected:";
  if (s.faults.empty()) t += " none";
  t += "\n";
  for (const auto& f : s.faults) t += "  " + f.id + (f.node.empty() ? "" : " on " + f.node) + "\n";
  return t;
}

}  // namespace

Result<SnapshotReport> write_snapshot(const State& s, const std::string& dir) {
  SnapshotReport rep;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"create " + dir + ": " + ec.message()};
  auto put = [&](const std::string& rel, const std::string& text) -> Result<bool> {
    if (auto r = write_file(dir + "/" + rel, text); !r) return r.error();
    rep.files.push_back(rel);
    return true;
  };
  Observed o = observe_lab(s);  // pods and agents as they run now
  for (const auto& [file, list] : cluster_objects(s, o))
    if (auto r = put(file, list.dump(2) + "\n"); !r) return r.error();
  // What `kubectl exec POD -- cat /etc/resolv.conf` prints.
  for (const auto& p : s.pods) {
    auto text = read_file(pod_resolv_path(s, p));
    if (text)
      if (auto r = put("pods/" + p.ns + "/" + p.name + "/resolv.conf", *text); !r) return r.error();
  }
  // Container logs that carry evidence: the DNS server's and flanneld's.
  if (const PodState* d = s.dns_pod()) {
    auto log = read_file(cluster_dns_log(s));
    if (log)
      if (auto r = put("logs/" + d->ns + "/" + d->name + "/coredns.log", *log); !r) return r.error();
  }
  for (const auto& n : s.nodes) {
    auto log = read_file(flanneld_log(s, n));
    if (log)
      if (auto r = put("logs/kube-flannel/" + flannel_pod_name(s, n) + "/kube-flannel.log", *log); !r)
        return r.error();
  }
  if (auto r = put("README.lab.txt", readme(s)); !r) return r.error();
  for (const auto& n : s.nodes) {
    std::string out = dir + "/nodes/" + n.name;
    auto notes = collect_bundle(s, n, fs::absolute(out).string());
    if (!notes) return notes.error();
    rep.files.push_back("nodes/" + n.name + "/");
    std::string line;
    for (char c : *notes) {
      if (c == '\n') {
        if (!line.empty()) rep.notes.push_back(n.name + ": " + line);
        line.clear();
      } else {
        line.push_back(c);
      }
    }
  }
  return rep;
}

}  // namespace nd::lab
