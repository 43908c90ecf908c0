#include "engine/finding.h"

namespace nd {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::Critical:
      return "critical";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      return "info";
  }
  return "info";
}

bool parse_severity(std::string_view s, Severity& out) {
  if (s == "critical") out = Severity::Critical;
  else if (s == "warning") out = Severity::Warning;
  else if (s == "info") out = Severity::Info;
  else return false;
  return true;
}

std::string Subject::str() const {
  if (kind.empty()) return name;
  if (ns.empty()) return kind + " " + name;
  return kind + " " + ns + "/" + name;
}

}  // namespace nd
