#include "engine/runner.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "engine/check.h"

namespace nd {

Finding& Context::report(std::string_view check_id, Subject subject) {
  const CheckInfo* info = find_check_info(check_id);
  if (!info) throw std::logic_error("check id missing from the catalog: " + std::string(check_id));
  Finding& f = findings_.emplace_back();
  f.id = std::string(info->id);
  f.severity = info->severity;
  f.title = std::string(info->title);
  f.refs = split_refs(info->refs);
  f.subject = std::move(subject);
  return f;
}

RunResult run_checks(const Cluster& cluster, const CniInfo& cni, const RunOptions& opts) {
  RunResult result;
  for (const auto* set : {&opts.only, &opts.skip})
    for (const auto& id : *set)
      if (std::none_of(all_checks().begin(), all_checks().end(), [&](const Check& c) { return c.id == id; }))
        result.unknown_ids.push_back(id);

  Context ctx(cluster, cni);
  for (const Check& c : all_checks()) {
    if (!opts.only.empty() && !opts.only.count(std::string(c.id))) continue;
    if (opts.skip.count(std::string(c.id))) continue;
    c.run(ctx);
  }
  for (auto& f : ctx.findings()) {
    if (!opts.ns.empty() && !f.subject.ns.empty() && f.subject.ns != opts.ns) continue;
    result.findings.push_back(std::move(f));
  }
  // Severity first; then the registry's order, which puts root causes (CNI, nodes) before symptoms.
  std::map<std::string, size_t, std::less<>> order;
  for (size_t i = 0; i < all_checks().size(); ++i) order.emplace(all_checks()[i].id, i);
  auto rank = [&](const std::string& id) {
    auto it = order.find(id);
    return it == order.end() ? order.size() : it->second;
  };
  std::stable_sort(result.findings.begin(), result.findings.end(), [&](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.id != b.id) return rank(a.id) < rank(b.id);
    if (a.subject.ns != b.subject.ns) return a.subject.ns < b.subject.ns;
    return a.subject.name < b.subject.name;
  });
  return result;
}

}  // namespace nd
