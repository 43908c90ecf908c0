// A finding: what is wrong, on what, why we think so (evidence pointing at the input) and the fix.
// The JSON shape is fixed by DESIGN.md ("Findings").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nd {

enum class Severity { Info = 0, Warning = 1, Critical = 2 };

std::string_view to_string(Severity s);
bool parse_severity(std::string_view s, Severity& out);

struct Subject {
  std::string kind, ns, name;
  std::string str() const;  // "Pod default/x", "Node worker-1"
};

struct Evidence {
  std::string source;  // "nodes/worker-1/resolv.conf:3", "default/pods.json:120 .status.phase"
  std::string text;    // the quoted input
};

struct Finding {
  std::string id;
  Severity severity = Severity::Warning;
  std::string title;
  Subject subject;
  std::string node;
  std::string summary;
  std::vector<Evidence> evidence;
  std::vector<std::string> fix;
  std::vector<std::string> refs;
};

}  // namespace nd
