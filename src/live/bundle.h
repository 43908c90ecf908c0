// The agent's answer at /bundle: {"apiVersion":"netdoctor/v1","kind":"NodeBundle","node":"NODE",
// "collectedAt":"RFC3339","files":{"RELPATH":"CONTENT",...},"errors":[...]}. Pure parsing and the
// path rule that keeps a bundle inside nodes/NODE/.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace nd::live {

struct NodeBundleDoc {
  std::string node, collected_at;
  std::vector<std::pair<std::string, std::string>> files;  // safe relative paths only
  std::vector<std::string> errors;                         // the agent's, then paths we refused
};

// A relative path with no "..", no "." component, no empty component, not absolute, no NUL or backslash.
bool safe_relpath(std::string_view rel);
// A single path component usable as a directory name (a node name).
bool safe_component(std::string_view name);

Result<NodeBundleDoc> parse_node_bundle(std::string_view json, const std::string& where);

}  // namespace nd::live
