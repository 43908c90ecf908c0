// Reads Kubernetes objects from JSON text into the cluster model (simdjson On-Demand: one forward
// pass, unknown kinds and fields skipped without being materialised).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace nd {

struct JsonInput {
  std::string_view json;   // must be followed by simdjson::SIMDJSON_PADDING readable bytes
  std::string rel;         // file name for Source and errors
  uint32_t first_line = 1;  // line of json[0] in the file (a segment of a larger stream)
  // For JSON converted from YAML: lines come from the YAML, not from the JSON text.
  bool from_yaml = false;
  uint32_t yaml_line = 0;
  const std::vector<uint32_t>* yaml_item_lines = nullptr;
};

// Adds the objects of one JSON document (an object, a List, or an array of objects) to `cluster`.
// On malformed JSON, returns an error naming rel:line:column.
Result<size_t> read_k8s_json(const JsonInput& in, Cluster& cluster);

// "rel:LINE:COL: message" for the first syntax error of `json` (used to explain simdjson's errors).
std::string locate_json_error(std::string_view json, const std::string& rel, uint32_t first_line,
                              std::string_view fallback);

}  // namespace nd
