#include "collect/collector.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "collect/exec.h"
#include "collect/kubelet.h"
#include "collect/proc_sys.h"
#include "collect/rooted.h"
#include "node/ip_json.h"
#include "node/iptables.h"
#include "node/resolv.h"
#include "node/sysctl.h"

#ifndef NETDOCTOR_VERSION
#define NETDOCTOR_VERSION "0.0.0"
#endif

namespace nd::collect {
namespace fs = std::filesystem;
namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kFormat = "node-bundle/1";
constexpr const char* kCniDir = "/etc/cni/net.d";
constexpr const char* kFlannelEnv = "/run/flannel/subnet.env";
constexpr uint64_t kMaxCniFile = 1u << 20;
constexpr size_t kMaxCniFiles = 256;
constexpr int kMaxCniDepth = 3;

// Each output is checked with the parser that will read it; a failure is a note, not a reason to
// drop the file (the raw text is still the best evidence there is).
using Check = std::function<std::string(std::string_view text, std::string_view label)>;
template <typename F>
Check check_with(F parse) {
  return [parse](std::string_view text, std::string_view label) -> std::string {
    auto r = parse(text, label);
    return r ? "" : r.error().message;
  };
}

const std::vector<std::pair<std::string, Check>>& checks() {
  static const std::vector<std::pair<std::string, Check>> c = {
      {"sysctl.txt", check_with(node::parse_sysctl)},
      {"resolv.conf", check_with(node::parse_resolv)},
      {"kubelet-resolv.conf", check_with(node::parse_resolv)},
      {"ip-addr.json", check_with(node::parse_ip_addr)},
      {"ip-link.json", check_with(node::parse_ip_link)},
      {"ip-route.json", check_with(node::parse_ip_route)},
      {"ip-neigh.json", check_with(node::parse_ip_neigh)},
      {"bridge-fdb.json", check_with(node::parse_bridge_fdb)},
      {"iptables-save.txt", check_with(node::parse_iptables_save)},
      {"ip6tables-save.txt", check_with(node::parse_iptables_save)},
      {"nft-ruleset.json",
       [](std::string_view text, std::string_view label) -> std::string {
         auto j = nlohmann::json::parse(text, nullptr, false);
         return j.is_discarded() ? std::string(label) + ": not valid JSON" : "";
       }},
  };
  return c;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string first_line_of_file(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

std::string netns_id() {
  char buf[128];
  ssize_t n = ::readlink("/proc/self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

struct Bundle {
  fs::path dir;
  CollectOptions opts;
  CollectReport rep;
  std::optional<Error> fatal;

  bool write(const std::string& rel, std::string_view data, const std::string& source) {
    fs::path p = dir / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    if (out) out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (out) out.close();
    if (!out) {
      fatal = Error{p.string() + ": cannot write: " + std::strerror(errno)};
      return false;
    }
    rep.written.push_back({rel, data.size(), source});
    for (const auto& [name, check] : checks())
      if (name == rel)
        if (std::string err = check(data, rel); !err.empty()) rep.notes.push_back("does not parse: " + err);
    return true;
  }

  void skip(const std::string& file, const std::string& source, const std::string& reason) {
    rep.skipped.push_back({file, source, reason});
  }

  // A file copied from the root; `source` in the manifest shows the symlinks followed.
  void copy(const std::string& file, const std::string& path) {
    auto f = read_in_root(opts.root, path);
    if (!f) return skip(file, path, f.error().message);
    write(file, f->text, f->links.empty() ? path : f->links.front());
  }

  void sysctl() {
    SysctlText s = read_proc_sys(opts.proc_sys);
    if (s.keys == 0) return skip("sysctl.txt", opts.proc_sys, "no keys readable under " + opts.proc_sys + "/net");
    write("sysctl.txt", s.text, opts.proc_sys + " (net.*, kernel.hostname, kernel.osrelease)");
    for (const auto& u : s.unreadable) rep.notes.push_back("sysctl key not readable: " + u);
  }

  void kubelet() {
    KubeletFlags flags;
    bool running = false;
    if (opts.root == "/") {
      if (auto argv = find_kubelet_cmdline(opts.proc)) {
        flags = parse_kubelet_cmdline(*argv);
        running = true;
      }
    }
    std::string config = flags.config.empty() ? kDefaultKubeletConfig : flags.config;
    if (config[0] != '/') config = "/" + config;
    auto cfg = read_in_root(opts.root, config);
    std::optional<std::string> resolv = flags.resolv_conf;  // a flag wins over the config file
    std::string resolv_from = "kubelet --resolv-conf";
    if (cfg) {
      write("kubelet-config.yaml", cfg->text, cfg->links.empty() ? config : cfg->links.front());
      if (!resolv) {
        auto rc = kubelet_config_resolv_conf(cfg->text, "kubelet-config.yaml");
        if (!rc) {
          rep.notes.push_back(rc.error().message);
          return skip("kubelet-resolv.conf", config, "cannot read resolvConf: " + rc.error().message);
        }
        resolv = rc->value_or(kDefaultResolvConf);
        resolv_from = rc->has_value() ? config + " resolvConf" : "kubelet default";
      }
    } else {
      skip("kubelet-config.yaml", config, cfg.error().message);
      if (!running && !resolv)
        return skip("kubelet-resolv.conf", "", "no kubelet on this host (no configuration, no kubelet process)");
      if (!resolv) resolv = kDefaultResolvConf;
    }
    if (resolv->empty())
      return skip("kubelet-resolv.conf", resolv_from,
                  "the kubelet's resolvConf is empty: dnsPolicy=Default pods get no nameservers from the node");
    std::string path = *resolv;
    if (path[0] != '/') path = "/" + path;
    auto f = read_in_root(opts.root, path);
    if (!f) return skip("kubelet-resolv.conf", path + " (" + resolv_from + ")", f.error().message);
    write("kubelet-resolv.conf", f->text, (f->links.empty() ? path : f->links.front()) + " (" + resolv_from + ")");
  }

  void cni_tree(const std::string& src, const std::string& rel, int depth, size_t* count) {
    std::string real = join_root(opts.root, src);
    DIR* d = ::opendir(real.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      if (fatal) return;
      std::string child = src + "/" + n, out = rel + "/" + n;
      auto resolved = resolve_in_root(opts.root, child);
      struct stat st;
      if (!resolved || ::stat(join_root(opts.root, *resolved).c_str(), &st) != 0) {
        skip(out, child, resolved ? std::strerror(errno) : resolved.error().message);
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        if (depth < kMaxCniDepth) cni_tree(child, out, depth + 1, count);
        continue;
      }
      if (++*count > kMaxCniFiles)
        return skip(out, child, "more than " + std::to_string(kMaxCniFiles) + " files in " + kCniDir);
      auto f = read_in_root(opts.root, child, kMaxCniFile);
      if (!f) {
        skip(out, child, f.error().message);
        continue;
      }
      if (holds_credentials(n, f->text)) {
        skip(out, child, "holds credentials (a kubeconfig, a client key or a token): not copied");
        continue;
      }
      write(out, f->text, f->links.empty() ? child : f->links.front());
    }
  }

  void cni() {
    auto dir_path = resolve_in_root(opts.root, kCniDir);
    struct stat st;
    if (!dir_path) return skip("cni/", kCniDir, dir_path.error().message);
    if (::stat(join_root(opts.root, *dir_path).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return skip("cni/", kCniDir, "not a directory");
    size_t count = 0;
    size_t before = rep.written.size();
    cni_tree(kCniDir, "cni", 0, &count);
    if (rep.written.size() == before && !fatal) skip("cni/", kCniDir, "the directory holds no files");
  }

  void commands() {
    ExecOptions eo;
    eo.timeout = opts.command_timeout;
    for (const auto& c : bundle_commands()) {
      if (fatal) return;
      std::string shown;
      for (const auto& a : c.argv) shown += (shown.empty() ? "" : " ") + a;
      ExecResult r = run_command(c.argv, eo);
      if (!r.ok()) {
        skip(c.file, shown, r.describe());
        continue;
      }
      write(c.file, r.out, shown);
      // Some tools print warnings on stderr and still succeed (iptables-nft about legacy tables).
      if (!r.err.empty()) rep.notes.push_back(shown + ": " + r.err.substr(0, r.err.find('\n')));
    }
  }

  // A previous bundle in the same directory: remove the files its manifest lists, so a file that
  // cannot be collected this time does not survive from the last run.
  void clear_previous() {
    std::ifstream in(dir / kManifest);
    if (!in) return;
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("format", "") != kFormat) return;
    std::error_code ec;
    for (const auto& f : j.value("files", nlohmann::json::array())) {
      if (!f.is_object()) continue;
      std::string rel = f.value("file", "");
      if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos) continue;
      fs::remove(dir / rel, ec);
      // Folders it leaves empty (cni/, cni/multus.d/) go too; fs::remove keeps non-empty ones.
      for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path()) fs::remove(dir / p, ec);
    }
    fs::remove(dir / kManifest, ec);
  }

  bool manifest() {
    nlohmann::ordered_json m;
    m["tool"] = "netdoctor";
    m["version"] = NETDOCTOR_VERSION;
    m["format"] = kFormat;
    m["collected_at"] = utc_now();
    m["hostname"] = first_line_of_file(opts.proc_sys + "/kernel/hostname");
    m["root"] = opts.root;
    m["netns"] = netns_id();
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& f : rep.written) files.push_back({{"file", f.file}, {"bytes", f.bytes}, {"source", f.source}});
    m["files"] = files;
    nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
    for (const auto& s : rep.skipped) skipped.push_back({{"file", s.file}, {"source", s.source}, {"reason", s.reason}});
    m["skipped"] = skipped;
    m["notes"] = rep.notes;
    std::string text = m.dump(2) + "\n";
    std::ofstream out(dir / kManifest, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      fatal = Error{(dir / kManifest).string() + ": cannot write: " + std::strerror(errno)};
      return false;
    }
    return true;
  }
};

}  // namespace

const std::vector<BundleCommand>& bundle_commands() {
  static const std::vector<BundleCommand> c = {
      {"ip-addr.json", {"ip", "-j", "addr", "show"}},
      {"ip-link.json", {"ip", "-j", "-d", "link", "show"}},
      {"ip-route.json", {"ip", "-j", "route", "show", "table", "all"}},
      {"ip-neigh.json", {"ip", "-j", "neigh", "show"}},
      {"bridge-fdb.json", {"bridge", "-j", "fdb", "show"}},
      {"iptables-save.txt", {"iptables-save"}},
      // Not in DESIGN.md's list: dual-stack kube-proxy writes its IPv6 rules here.
      {"ip6tables-save.txt", {"ip6tables-save"}},
      {"nft-ruleset.json", {"nft", "-j", "list", "ruleset"}},
  };
  return c;
}

Result<CollectReport> collect_node(const std::string& out_dir, const CollectOptions& opts) {
  Bundle b;
  b.dir = out_dir;
  b.opts = opts;
  if (b.opts.root.empty()) b.opts.root = "/";
  b.rep.out_dir = out_dir;
  std::error_code ec;
  fs::create_directories(b.dir, ec);
  if (ec) return Error{out_dir + ": cannot create: " + ec.message()};
  if (::access(out_dir.c_str(), W_OK | X_OK) != 0) return Error{out_dir + ": cannot write: " + std::strerror(errno)};
  b.clear_previous();
  b.sysctl();
  if (!b.fatal) b.copy("resolv.conf", "/etc/resolv.conf");
  if (!b.fatal) b.kubelet();
  if (!b.fatal) b.copy("flannel-subnet.env", kFlannelEnv);
  if (!b.fatal) b.cni();
  if (!b.fatal && b.opts.run_commands) b.commands();
  if (!b.opts.run_commands)
    for (const auto& c : bundle_commands()) b.skip(c.file, c.argv[0], "commands were not run (run_commands off)");
  if (!b.fatal) b.manifest();
  if (b.fatal) return *b.fatal;
  return std::move(b.rep);
}

namespace {

// "token: VALUE" at the start of a line (YAML, also as a list item "- token: VALUE").
bool has_token_line(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    size_t b = text.find_first_not_of(" \t-", at);
    if (b != std::string_view::npos && b < end && text.compare(b, 6, "token:") == 0) {
      size_t v = text.find_first_not_of(" \t", b + 6);
      if (v != std::string_view::npos && v < end) return true;
    }
    at = end + 1;
  }
  return false;
}

}  // namespace

bool holds_credentials(std::string_view name, std::string_view text) {
  return name.find("kubeconfig") != std::string_view::npos || text.find("client-key-data:") != std::string_view::npos ||
         has_token_line(text);
}

}  // namespace nd::collect
