// The two renderings of a trace: DESIGN.md's JSON object, and text with one line per hop.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "trace/trace.h"

namespace nd::trace {

std::string render_json(const TraceResult& r) {
  nlohmann::ordered_json j;
  j["from"] = r.from;
  j["to"] = r.to;
  j["kind"] = r.kind;
  j["verdict"] = r.verdict;
  j["hops"] = nlohmann::ordered_json::array();
  for (const auto& h : r.hops) {
    nlohmann::ordered_json o;
    o["at"] = h.at;
    o["step"] = h.step;
    o["decided_by"] = h.decided_by;
    o["verdict"] = h.verdict;
    if (!h.check.empty()) o["check"] = h.check;
    j["hops"].push_back(std::move(o));
  }
  if (r.first_failure) {
    j["first_failure"] = {{"hop", r.first_failure}};
    j["first_failure"]["check"] = r.first_failure_check.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.first_failure_check);
  } else {
    j["first_failure"] = nullptr;
  }
  if (r.kind == "pod-to-external")
    j["egress_source"] = r.egress_source.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.egress_source);
  return j.dump(2) + "\n";
}

std::string render_text(const TraceResult& r, bool color) {
  auto paint = [&](const std::string& s, const char* code) {
    return color ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  };
  std::string out = fmt::format("trace {} -> {} ({})\n", r.from, r.to, r.kind);
  size_t width = 0;
  for (const auto& h : r.hops) width = std::max(width, h.at.size());
  for (size_t i = 0; i < r.hops.size(); ++i) {
    const Hop& h = r.hops[i];
    std::string v = h.verdict;
    const char* code = v == "pass" ? "32" : v == "fail" ? "1;31" : v == "warn" ? "33" : "35";
    std::string mark = v == "fail" ? "FAIL" : v == "warn" ? "warn" : v == "unknown" ? "  ? " : "ok  ";
    out += fmt::format("{:>3}  {}  {:<{}}  {}\n", i + 1, paint(mark, code), h.at, width, h.step);
    out += fmt::format("{:>{}}{}{}\n", "", 11 + width, "decided by ", h.decided_by);
    if (!h.check.empty() && (v == "fail" || v == "warn"))
      out += fmt::format("{:>{}}{}{}  (netdoctor explain {})\n", "", 11 + width,
                         static_cast<int>(i + 1) == r.first_failure ? "^ first failure: " : "check: ", h.check, h.check);
    else if (v == "fail")
      out += fmt::format("{:>{}}^ first failure\n", "", 11 + width);
  }
  std::string verdict = r.verdict == "reachable" ? paint("REACHABLE", "1;32")
                        : r.verdict == "blocked" ? paint("BLOCKED", "1;31")
                                                 : paint("UNKNOWN", "1;35");
  out += "verdict: " + verdict;
  if (r.first_failure)
    out += fmt::format(" at hop {}{}", r.first_failure,
                       r.first_failure_check.empty() ? "" : fmt::format(" ({}: netdoctor explain {})", r.first_failure_check, r.first_failure_check));
  else if (r.verdict == "unknown")
    out += " (the hops marked ? name the snapshot file that would decide them)";
  out += "\n";
  if (r.kind == "pod-to-external" && !r.egress_source.empty())
    out += "the outside sees the source address " + r.egress_source + "\n";
  return out;
}

}  // namespace nd::trace
