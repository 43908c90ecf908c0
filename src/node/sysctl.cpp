#include "node/sysctl.h"

namespace nd::node {

const SysctlLine* Sysctl::find(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

Result<Sysctl> parse_sysctl(std::string_view text, std::string_view label) {
  Sysctl out;
  uint32_t nul_line = 0;
  if (has_nul(text, &nul_line)) return line_error(label, nul_line, "NUL byte: not a text file");
  for (const TextLine& l : split_lines(text)) {
    std::string_view s = trim(l.text);
    if (s.empty() || s[0] == '#' || s[0] == ';') continue;
    if (starts_with(s, "sysctl: ")) {  // stderr captured together with stdout (2>&1)
      out.anomalies.push_back({"sysctl-error-message", l.number, std::string(s)});
      continue;
    }
    size_t eq = s.find('=');
    if (eq == std::string_view::npos)
      return line_error(label, l.number, "expected 'key = value', got '" + std::string(s) + "'");
    std::string_view key = trim(s.substr(0, eq));
    if (key.empty()) return line_error(label, l.number, "missing key before '='");
    if (key.find_first_of(" \t") != std::string_view::npos)
      return line_error(label, l.number, "key '" + std::string(key) + "' contains whitespace");
    // Inner spaces and tabs belong to the value ("4096\t131072\t6291456"); the ends do not.
    std::string_view value = trim(s.substr(eq + 1));
    out.entries.push_back({std::string(key), std::string(value), l.number});
  }
  return out;
}

std::string sysctl_key_from_path(std::string_view rel_path) {
  std::string key;
  key.reserve(rel_path.size());
  for (char c : rel_path) key += c == '.' ? '/' : c == '/' ? '.' : c;
  return key;
}

}  // namespace nd::node
