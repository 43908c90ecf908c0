#include "probe/result.h"

#include <fmt/format.h>
#include <unistd.h>

namespace nd::probe {

nlohmann::ordered_json to_json(const ProbeResult& r) {
  nlohmann::ordered_json j;
  j["probe"] = r.probe;
  j["target"] = r.target;
  j["from"] = r.from;
  j["result"] = r.result;
  j["time_ms"] = r.time_ms;
  j["source"] = r.source;
  j["detail"] = r.detail;
  if (r.probe == "dns") {
    nlohmann::ordered_json qs = nlohmann::ordered_json::array();
    for (const auto& q : r.queries)
      qs.push_back({{"name", q.name},
                    {"server", q.server},
                    {"type", q.type},
                    {"rcode", q.rcode},
                    {"time_ms", q.time_ms},
                    {"answers", q.answers}});
    j["queries"] = qs;
    j["answers"] = r.answers;
  }
  return j;
}

std::string to_text(const ProbeResult& r) {
  std::string out = fmt::format("{} {} from {}: {} in {} ms", r.probe, r.target, r.from.empty() ? "here" : r.from,
                                r.result, r.time_ms);
  if (!r.source.empty()) out += fmt::format(" (source {})", r.source);
  out += "\n";
  if (!r.detail.empty()) out += "  " + r.detail + "\n";
  if (!r.queries.empty()) {
    out += "  queries, in the order sent:\n";
    for (const auto& q : r.queries) {
      out += fmt::format("    {:<48} {:<5} @{:<16} {:<9} {:>5} ms", q.name, q.type, q.server, q.rcode, q.time_ms);
      for (size_t i = 0; i < q.answers.size() && i < 4; ++i) out += (i ? ", " : "  ") + q.answers[i];
      if (q.answers.size() > 4) out += fmt::format(" (+{})", q.answers.size() - 4);
      out += "\n";
    }
  }
  for (const auto& e : r.explain) out += "  -> " + e + "\n";
  return out;
}

std::string from_label(const std::string& netns) {
  if (!netns.empty()) return "netns " + netns;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == 0) return "host";
  return std::string("host ") + host;
}

}  // namespace nd::probe
