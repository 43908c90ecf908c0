// probe mesh --targets FILE: many probes at once with bounded concurrency, shown as a matrix (from
// where x to what) and as JSON that `diagnose --probes` reads back. The file is YAML or JSON:
//   targets:                        # or the list itself at the top
//     - {probe: tcp, target: "10.96.0.10:53", netns: lab-web, expect: connected}
//     - {probe: dns, target: kubernetes.default, server: 10.96.0.10, type: A}
//     - {probe: icmp, target: 10.244.2.5, count: 2}
//     - {probe: http, target: "http://10.96.5.5:8080/healthz", timeout_ms: 2000}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "probe/result.h"

namespace nd::probe {

struct MeshTarget {
  std::string probe, target;
  std::string netns;        // where to probe from ("" = where netdoctor runs)
  std::string name;         // column label; default "PROBE TARGET"
  std::string expect;       // the result that counts as success ("" = the probe's own success)
  std::string type = "A";   // dns
  std::string server;       // dns: instead of the resolv.conf nameservers
  std::string resolv_conf;  // dns: a file instead of /etc/resolv.conf
  int timeout_ms = 0;       // 0 = the mesh default
  int count = 1;            // icmp
  uint32_t line = 0;        // in the targets file, for messages
};

// Parses and checks a targets file (text; label names it in errors as "LABEL:LINE: ...").
Result<std::vector<MeshTarget>> parse_targets(std::string_view text, std::string_view label);

struct MeshOptions {
  int parallel = 8;         // 1..256 probes at a time
  int timeout_ms = 2000;    // per probe, unless the target says otherwise
  std::string netns;        // default for targets without one (the process has already entered it)
};

struct MeshRun {
  std::vector<ProbeResult> results;  // in the order of the targets
  int64_t elapsed_ms = 0;
  double cpu_user_ms = 0, cpu_sys_ms = 0;
  int parallel = 0;
  size_t failed = 0;
};

MeshRun run_mesh(const std::vector<MeshTarget>& targets, const MeshOptions& o);

// The matrix and the results, for -o json.
nlohmann::ordered_json to_json(const MeshRun& run, const std::vector<MeshTarget>& targets);
std::string to_text(const MeshRun& run, const std::vector<MeshTarget>& targets);

}  // namespace nd::probe
