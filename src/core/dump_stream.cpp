#include "core/dump_stream.h"

namespace nd {

bool parse_log_marker(std::string_view line, std::string_view word, std::string& container, std::string& ns,
                      std::string& pod) {
  // "==== START logs for container coredns of pod kube-system/coredns-abc ===="
  std::string prefix = "==== " + std::string(word) + " logs for container ";
  if (line.substr(0, prefix.size()) != prefix) return false;
  line.remove_prefix(prefix.size());
  auto of = line.find(" of pod ");
  if (of == std::string_view::npos) return false;
  container = std::string(line.substr(0, of));
  line.remove_prefix(of + 8);
  auto end = line.find(" ====");
  std::string_view nspod = line.substr(0, end);
  auto slash = nspod.find('/');
  if (slash == std::string_view::npos) return false;
  ns = std::string(nspod.substr(0, slash));
  pod = std::string(nspod.substr(slash + 1));
  return !container.empty() && !pod.empty();
}

namespace {

// End of the JSON value starting at text[pos] ('{' or '['), honouring strings; npos if unbalanced.
size_t json_extent(std::string_view text, size_t pos) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

DumpParts split_dump_stream(std::string_view text) {
  DumpParts out;
  size_t pos = 0;
  uint32_t line = 1;
  auto advance_to = [&](size_t to) {
    for (size_t i = pos; i < to && i < text.size(); ++i)
      if (text[i] == '\n') ++line;
    pos = to;
  };
  while (pos < text.size()) {
    char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance_to(pos + 1);
      continue;
    }
    if (c == '{' || c == '[') {
      size_t end = json_extent(text, pos);
      if (end == std::string_view::npos) end = text.size();  // the reader reports the truncation
      out.json.push_back({text.substr(pos, end - pos), line});
      advance_to(end);
      continue;
    }
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(pos, eol - pos);
    LogSection s;
    if (parse_log_marker(l, "START", s.container, s.ns, s.pod)) {
      advance_to(eol < text.size() ? eol + 1 : eol);
      s.first_line = line;
      size_t body = pos;
      std::string end_marker = "==== END logs for container " + s.container + " of pod " + s.ns + "/" + s.pod;
      size_t end = text.find(end_marker, body);
      size_t body_end = end == std::string_view::npos ? text.size() : end;
      s.text = text.substr(body, body_end - body);
      out.logs.push_back(s);
      advance_to(body_end);
      if (end != std::string_view::npos) {
        size_t e = text.find('\n', end);
        advance_to(e == std::string_view::npos ? text.size() : e + 1);
      }
      continue;
    }
    out.problems.push_back("line " + std::to_string(line) + ": text outside any JSON document or log section");
    advance_to(eol < text.size() ? eol + 1 : eol);
  }
  return out;
}

}  // namespace nd
