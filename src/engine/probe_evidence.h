// Probe results as evidence for diagnose (`diagnose SNAPSHOT --probes FILE`): the results `netdoctor
// probe ... -o json` and `probe mesh -o json` print, read back, and attached to the findings they
// tested, so a finding says "confirmed live" (the probe failed the way the finding predicts) or "not
// reproduced" (the probe succeeded). The file format is DESIGN.md's probe result; this reader does not
// depend on the probe area, only on that contract.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "engine/finding.h"

namespace nd {

struct ProbeRecord {
  std::string probe, target, from, result, source, detail;
  int64_t time_ms = 0;
  std::string where;  // "probes.json:12": the file and line of the result, for evidence
  bool failed() const;  // tcp not connected, dns not answered, icmp no reply, http >= 400, self mismatch
};

// One JSON object, a JSON array of them, a mesh report ({"results": [...]}) or JSON lines.
// Errors name the file and line: "probes.json:7: result: missing".
Result<std::vector<ProbeRecord>> parse_probe_results(std::string_view text, std::string_view label);
Result<std::vector<ProbeRecord>> load_probe_results(const std::string& path);

// Adds to each finding one piece of evidence per probe that tested what it is about (a Service's
// ClusterIP:port, a pod IP or pod range named by the finding, DNS probes for the DNS findings).
// Returns how many pieces were added.
size_t attach_probe_evidence(std::vector<Finding>& findings, const Cluster& cluster,
                             const std::vector<ProbeRecord>& probes);

}  // namespace nd
