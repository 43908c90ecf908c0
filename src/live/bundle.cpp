#include "live/bundle.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace nd::live {

bool safe_component(std::string_view c) {
  return !c.empty() && c != "." && c != ".." && c.find('/') == std::string_view::npos &&
         c.find('\\') == std::string_view::npos && c.find('\0') == std::string_view::npos && c.size() <= 255;
}

bool safe_relpath(std::string_view rel) {
  if (rel.empty() || rel.front() == '/' || rel.size() > 4096) return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t end = rel.find('/', pos);
    if (end == std::string_view::npos) end = rel.size();
    if (!safe_component(rel.substr(pos, end - pos))) return false;
    pos = end + 1;
  }
  return true;
}

Result<NodeBundleDoc> parse_node_bundle(std::string_view json, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error{fmt::format("{}: the bundle is not a complete JSON object ({} bytes)", where, json.size())};
  if (j.value("kind", "") != "NodeBundle")
    return Error{fmt::format("{}: kind is '{}', expected NodeBundle", where, j.value("kind", ""))};
  NodeBundleDoc d;
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  d.node = str("node");
  d.collected_at = str("collectedAt");
  if (j.contains("errors") && j["errors"].is_array())
    for (const auto& e : j["errors"]) d.errors.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  if (!j.contains("files") || !j["files"].is_object())
    return Error{fmt::format("{}: the bundle has no files object", where)};
  for (auto it = j["files"].begin(); it != j["files"].end(); ++it) {
    if (!safe_relpath(it.key())) {
      d.errors.push_back(fmt::format("refused file path '{}' (absolute or with ..)", it.key()));
      continue;
    }
    if (!it.value().is_string()) {
      d.errors.push_back(fmt::format("file '{}' is not a string", it.key()));
      continue;
    }
    d.files.emplace_back(it.key(), it.value().get<std::string>());
  }
  return d;
}

}  // namespace nd::live
