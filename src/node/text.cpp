#include "node/text.h"

namespace nd::node {

std::vector<TextLine> split_lines(std::string_view text) {
  std::vector<TextLine> lines;
  uint32_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, ++number});
    pos = next;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

Error line_error(std::string_view label, uint32_t line, std::string_view message) {
  std::string m(label);
  if (line) m += ":" + std::to_string(line);
  m += ": ";
  m += message;
  return Error{m};
}

bool has_nul(std::string_view text, uint32_t* line) {
  size_t at = text.find('\0');
  if (at == std::string_view::npos) return false;
  uint32_t n = 1;
  for (size_t i = 0; i < at; ++i) n += text[i] == '\n';
  if (line) *line = n;
  return true;
}

}  // namespace nd::node
