// The catalog: one row of metadata per check (id, default severity, title, playbook refs, what it
// decides from). `netdoctor checks`, `explain`, the JSON refs and the docs all read this table.
#pragma once

#include <string_view>
#include <vector>

#include "engine/finding.h"

namespace nd {

struct CheckInfo {
  std::string_view id;
  Severity severity;
  std::string_view title;
  std::string_view refs;  // comma separated playbook items, e.g. "P6, P7"
  std::string_view decides_from;
  std::string_view area;  // pods, cni, node, dns, service, capture
};

const std::vector<CheckInfo>& catalog();
const CheckInfo* find_check_info(std::string_view id);
std::vector<std::string> split_refs(std::string_view refs);

}  // namespace nd
