// YAML documents to JSON text, so one reader (simdjson) serves both formats. Plain scalars are typed
// as YAML 1.2's core schema does (null, bool, int, float); quoted scalars stay strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd {

struct YamlDoc {
  std::string json;
  uint32_t line = 0;                // 1-based line where the document's root starts
  std::vector<uint32_t> item_lines;  // lines of the elements of a top-level "items" sequence
};

// `label` names the input in error messages ("kube-system/pods.yaml").
Result<std::vector<YamlDoc>> yaml_to_json(std::string_view text, const std::string& label);

}  // namespace nd
