#include "probe/mesh.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "probe/dns.h"
#include "probe/http.h"
#include "probe/icmp.h"
#include "probe/netns.h"
#include "probe/target.h"
#include "probe/tcp.h"

namespace nd::probe {
namespace {

constexpr std::string_view kProbes[] = {"tcp", "dns", "icmp", "http"};
constexpr std::string_view kKeys[] = {"probe", "target", "netns", "name", "expect", "type",
                                      "server", "resolv_conf", "timeout_ms", "count"};
constexpr size_t kMaxTargets = 100000;

Error at(std::string_view label, const YAML::Mark& m, const std::string& what) {
  return Error{fmt::format("{}:{}: {}", label, m.line + 1, what)};
}

double cpu_ms(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1000.0 + tv.tv_usec / 1000.0; }

ProbeResult run_one(const MeshTarget& t, const MeshOptions& o, NetnsSwitch& ns) {
  ProbeResult err;
  err.probe = t.probe;
  err.target = t.target;
  const std::string where = t.netns.empty() ? o.netns : t.netns;
  err.from = from_label(where);
  err.result = "error";
  if (auto r = ns.go(t.netns); !r) {
    err.detail = r.error().message;
    return err;
  }
  const int timeout = t.timeout_ms > 0 ? t.timeout_ms : o.timeout_ms;
  Result<ProbeResult> r = err;
  if (t.probe == "tcp") {
    r = probe_tcp(t.target, {timeout, err.from});
  } else if (t.probe == "http") {
    r = probe_http(t.target, {timeout, err.from});
  } else if (t.probe == "icmp") {
    IcmpOptions io;
    io.count = t.count;
    io.timeout_ms = timeout;
    io.interval_ms = 200;
    io.from = err.from;
    r = probe_icmp(t.target, io);
  } else if (t.probe == "dns") {
    DnsProbeOptions d;
    d.name = t.target;
    d.qtype = *parse_qtype(t.type);  // checked when the file was parsed
    d.from = err.from;
    d.timeout_ms = timeout;
    d.attempts = 1;
    d.max_total_ms = std::max(timeout * 8, 10000);
    std::string file = t.resolv_conf.empty() ? "/etc/resolv.conf" : t.resolv_conf;
    std::ifstream f(file);
    std::stringstream ss;
    if (f) ss << f.rdbuf();
    d.resolv_conf_text = ss.str();
    d.resolv_conf_label = file;
    if (!t.server.empty()) d.servers = {t.server};
    else if (!f) {
      err.detail = fmt::format("cannot read {} (give server: or resolv_conf:)", file);
      return err;
    }
    r = probe_dns(d, [](const std::string& n, const std::string& s, int q, int w) { return cares_query(n, s, q, w); });
  }
  if (!r) {
    err.detail = r.error().message;
    return err;
  }
  ProbeResult out = std::move(*r);
  if (!t.expect.empty()) out.ok = out.result == t.expect;
  return out;
}

std::string column_of(const MeshTarget& t) { return t.name.empty() ? t.probe + " " + t.target : t.name; }

}  // namespace

Result<std::vector<MeshTarget>> parse_targets(std::string_view text, std::string_view label) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}:{}:{}: {}", label, e.mark.line + 1, e.mark.column + 1, e.msg)};
  }
  YAML::Node list = root;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      std::string k = kv.first.as<std::string>("");
      if (k != "targets") return at(label, kv.first.Mark(), fmt::format("unknown key '{}' (expected targets:)", k));
    }
    list = root["targets"];
  }
  if (!list || !list.IsSequence())
    return Error{fmt::format("{}:1: expected a list of probes, or a map with targets: [...]", label)};
  if (list.size() == 0) return Error{fmt::format("{}: no targets: the mesh probes only what the file names", label)};
  if (list.size() > kMaxTargets) return Error{fmt::format("{}: {} targets, more than {}", label, list.size(), kMaxTargets)};
  std::vector<MeshTarget> out;
  for (const auto& item : list) {
    const YAML::Mark m = item.Mark();
    if (!item.IsMap()) return at(label, m, "each target is a map: {probe: tcp, target: HOST:PORT}");
    MeshTarget t;
    t.line = static_cast<uint32_t>(m.line + 1);
    for (const auto& kv : item) {
      std::string k = kv.first.as<std::string>("");
      if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys))
        return at(label, kv.first.Mark(), fmt::format("unknown key '{}'", k));
      if (!kv.second.IsScalar()) return at(label, kv.second.Mark(), fmt::format("{}: expected a single value", k));
      std::string v = kv.second.Scalar();
      if (k == "timeout_ms" || k == "count") {
        int n = 0;
        bool ok = !v.empty() && v.size() < 7 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (ok) n = std::stoi(v);
        int max = k == "count" ? 100 : 60000;
        if (!ok || n < 1 || n > max)
          return at(label, kv.second.Mark(), fmt::format("{}: '{}' is not a number from 1 to {}", k, v, max));
        (k == "count" ? t.count : t.timeout_ms) = n;
        continue;
      }
      if (k == "probe") t.probe = v;
      else if (k == "target") t.target = v;
      else if (k == "netns") t.netns = v;
      else if (k == "name") t.name = v;
      else if (k == "expect") t.expect = v;
      else if (k == "type") t.type = v;
      else if (k == "server") t.server = v;
      else if (k == "resolv_conf") t.resolv_conf = v;
    }
    if (t.probe.empty()) return at(label, m, "missing 'probe' (tcp, dns, icmp or http)");
    if (std::find(std::begin(kProbes), std::end(kProbes), t.probe) == std::end(kProbes))
      return at(label, m, fmt::format("probe '{}': use tcp, dns, icmp or http", t.probe));
    if (t.target.empty()) return at(label, m, "missing 'target'");
    if (t.probe == "tcp") {
      if (auto hp = parse_host_port(t.target); !hp) return at(label, m, hp.error().message);
    } else if (t.probe == "http") {
      if (auto u = parse_url(t.target); !u) return at(label, m, u.error().message);
    } else if (t.probe == "dns") {
      if (auto q = parse_qtype(t.type); !q) return at(label, m, q.error().message);
    }
    if (t.netns.find('/') != std::string::npos) return at(label, m, fmt::format("netns '{}': a name, not a path", t.netns));
    out.push_back(std::move(t));
  }
  return out;
}

MeshRun run_mesh(const std::vector<MeshTarget>& targets, const MeshOptions& o) {
  MeshRun run;
  run.parallel = std::clamp(o.parallel, 1, 256);
  run.results.resize(targets.size());
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    NetnsSwitch ns;  // each thread moves itself between namespaces and back
    for (size_t i = next++; i < targets.size(); i = next++) run.results[i] = run_one(targets[i], o, ns);
  };
  size_t n = std::min<size_t>(static_cast<size_t>(run.parallel), targets.size());
  std::vector<std::thread> pool;
  for (size_t i = 0; i < n; ++i) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  run.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &after);
  run.cpu_user_ms = cpu_ms(after.ru_utime) - cpu_ms(before.ru_utime);
  run.cpu_sys_ms = cpu_ms(after.ru_stime) - cpu_ms(before.ru_stime);
  for (const auto& r : run.results)
    if (!r.ok) ++run.failed;
  return run;
}

nlohmann::ordered_json to_json(const MeshRun& run, const std::vector<MeshTarget>& targets) {
  std::vector<std::string> rows, cols;
  std::map<std::pair<std::string, std::string>, std::string> cell;
  for (size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    std::string col = column_of(targets[i]);
    if (std::find(rows.begin(), rows.end(), r.from) == rows.end()) rows.push_back(r.from);
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    cell[{r.from, col}] = r.result;
  }
  nlohmann::ordered_json j;
  j["mesh"] = {{"probes", run.results.size()},
               {"failed", run.failed},
               {"parallel", run.parallel},
               {"elapsed_ms", run.elapsed_ms},
               {"cpu_user_ms", static_cast<int64_t>(run.cpu_user_ms)},
               {"cpu_sys_ms", static_cast<int64_t>(run.cpu_sys_ms)}};
  nlohmann::ordered_json cells = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    nlohmann::ordered_json line = nlohmann::ordered_json::array();
    for (const auto& col : cols) {
      auto it = cell.find({row, col});
      line.push_back(it == cell.end() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(it->second));
    }
    cells.push_back(line);
  }
  j["matrix"] = {{"rows", rows}, {"columns", cols}, {"cells", cells}};
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (size_t i = 0; i < run.results.size(); ++i) {
    auto r = to_json(run.results[i]);
    if (!targets[i].expect.empty()) r["expect"] = targets[i].expect;
    r["ok"] = run.results[i].ok;
    results.push_back(r);
  }
  j["results"] = results;
  return j;
}

std::string to_text(const MeshRun& run, const std::vector<MeshTarget>& targets) {
  std::vector<std::string> rows, cols;
  std::map<std::pair<std::string, std::string>, const ProbeResult*> cell;
  for (size_t i = 0; i < run.results.size(); ++i) {
    std::string col = column_of(targets[i]);
    const auto& r = run.results[i];
    if (std::find(rows.begin(), rows.end(), r.from) == rows.end()) rows.push_back(r.from);
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    cell[{r.from, col}] = &r;
  }
  std::string out;
  if (cols.size() <= 8 && rows.size() * cols.size() <= 200) {
    // The matrix: from where (rows) x what (columns); FAIL marks a result that is not the success.
    size_t w0 = 4;
    for (const auto& r : rows) w0 = std::max(w0, r.size());
    std::vector<size_t> w;
    for (const auto& c : cols) w.push_back(std::max<size_t>(c.size(), 16));
    out += fmt::format("{:<{}}", "from", w0);
    for (size_t c = 0; c < cols.size(); ++c) out += fmt::format(" | {:<{}}", cols[c], w[c]);
    out += "\n";
    for (const auto& row : rows) {
      out += fmt::format("{:<{}}", row, w0);
      for (size_t c = 0; c < cols.size(); ++c) {
        auto it = cell.find({row, cols[c]});
        std::string v = it == cell.end() ? "-"
                                         : fmt::format("{}{} {}ms", it->second->ok ? "" : "FAIL ",
                                                       it->second->result, it->second->time_ms);
        out += fmt::format(" | {:<{}}", v, w[c]);
      }
      out += "\n";
    }
    out += "\n";
  }
  // Every failed probe with its explanation (all probes when the matrix is too large to draw).
  bool listed_all = !(cols.size() <= 8 && rows.size() * cols.size() <= 200);
  for (size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    if (r.ok && !listed_all) continue;
    if (r.ok) {
      out += fmt::format("ok   {} {} from {}: {} {} ms\n", r.probe, r.target, r.from, r.result, r.time_ms);
      continue;
    }
    out += fmt::format("FAIL {} {} from {}: {}{} in {} ms\n", r.probe, r.target, r.from, r.result,
                       targets[i].expect.empty() ? "" : " (expected " + targets[i].expect + ")", r.time_ms);
    if (!r.detail.empty()) out += "     " + r.detail + "\n";
    for (const auto& e : r.explain) out += "     -> " + e + "\n";
  }
  out += fmt::format("{} probes, {} failed, {} at a time, {} ms ({:.0f} probes/s), cpu {:.0f} ms user + {:.0f} ms sys\n",
                     run.results.size(), run.failed, run.parallel, run.elapsed_ms,
                     run.elapsed_ms > 0 ? 1000.0 * static_cast<double>(run.results.size()) / static_cast<double>(run.elapsed_ms) : 0.0,
                     run.cpu_user_ms, run.cpu_sys_ms);
  return out;
}

}  // namespace nd::probe
