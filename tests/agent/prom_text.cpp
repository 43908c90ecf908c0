#include "prom_text.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace nd::test {

namespace {

bool is_metric_name(const std::string& n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
              (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

bool is_label_name(const std::string& n) {
  if (n.empty() || n.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

bool parse_float(const std::string& s, double& v) {
  if (s == "NaN") return v = NAN, true;
  if (s == "+Inf") return v = INFINITY, true;
  if (s == "-Inf") return v = -INFINITY, true;
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

// The family a sample belongs to: counters and summaries/histograms add suffixes.
std::string family_of(const std::string& name, const PromText& t) {
  if (t.count(name)) return name;
  for (const char* suf : {"_total", "_sum", "_count", "_bucket"}) {
    std::string s = suf;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      if (t.count(base)) return base;
    }
  }
  return name;
}

}  // namespace

Result<PromText> parse_prometheus(const std::string& text) {
  PromText out;
  if (text.empty()) return Error{"empty exposition"};
  if (text.back() != '\n') return Error{"the text does not end with a newline"};
  std::istringstream in(text);
  std::string line, current;  // current: the family whose samples are being read
  std::set<std::string> finished, series;
  std::map<std::string, bool> seen_help;
  int n = 0;
  auto err = [&](const std::string& m) { return Error{"line " + std::to_string(n) + ": " + m + ": " + line}; };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line.substr(1));
      std::string kw, name;
      ls >> kw >> name;
      if (kw != "HELP" && kw != "TYPE") continue;  // a plain comment
      if (!is_metric_name(name)) return err("bad metric name in " + kw);
      if (finished.count(name)) return err(kw + " for a family whose samples ended");
      std::string rest;
      std::getline(ls, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      auto& fam = out[name];
      if (current != name && !current.empty()) finished.insert(current);
      current = name;
      if (kw == "HELP") {
        if (seen_help[name]) return err("second HELP");
        seen_help[name] = true;
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] != '\\') continue;
          if (i + 1 >= rest.size() || (rest[i + 1] != '\\' && rest[i + 1] != 'n')) return err("bad escape in HELP");
          ++i;  // the escaped character
        }
        fam.help = rest;
      } else {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
        if (!fam.type.empty()) return err("second TYPE");
        if (!kTypes.count(rest)) return err("unknown TYPE");
        if (!fam.samples.empty()) return err("TYPE after samples");
        fam.type = rest;
      }
      continue;
    }
    // A sample: name[{labels}] value [timestamp]
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    PromSample s;
    s.name = line.substr(0, i);
    if (!is_metric_name(s.name)) return err("bad metric name");
    std::string canon = s.name + "{";
    if (i < line.size() && line[i] == '{') {
      ++i;
      for (;;) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) return err("label without '='");
        std::string ln = line.substr(i, eq - i);
        if (!is_label_name(ln)) return err("bad label name '" + ln + "'");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') return err("label value not quoted");
        std::string v;
        size_t j = eq + 2;
        bool closed = false;
        for (; j < line.size(); ++j) {
          char c = line[j];
          if (c == '\\') {
            if (j + 1 >= line.size()) return err("dangling escape");
            char e = line[++j];
            if (e == '\\') v += '\\';
            else if (e == '"') v += '"';
            else if (e == 'n') v += '\n';
            else return err("bad escape in a label value");
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            v += c;
          }
        }
        if (!closed) return err("unterminated label value");
        if (s.labels.count(ln)) return err("label '" + ln + "' twice");
        s.labels[ln] = v;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
        else if (i >= line.size() || line[i] != '}') return err("expected ',' or '}' after a label");
      }
    }
    for (const auto& [k, v] : s.labels) canon += k + "=" + v + ",";
    if (i >= line.size() || line[i] != ' ') return err("expected a space before the value");
    std::istringstream vs(line.substr(i + 1));
    std::string value, ts, extra;
    vs >> value >> ts >> extra;
    if (!parse_float(value, s.value)) return err("bad value '" + value + "'");
    if (!ts.empty()) {
      for (char c : ts)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-') return err("bad timestamp");
    }
    if (!extra.empty()) return err("text after the timestamp");
    std::string fam = family_of(s.name, out);
    auto it = out.find(fam);
    if (it == out.end() || it->second.type.empty() || it->second.help.empty())
      return err("sample without HELP and TYPE for " + fam);
    if (fam != current) return err("samples of " + fam + " are not contiguous");
    if (!series.insert(canon).second) return err("series twice");
    it->second.samples.push_back(std::move(s));
  }
  return out;
}

double prom_value(const PromText& t, const std::string& name, const std::map<std::string, std::string>& labels) {
  for (const auto& [fam, f] : t)
    for (const auto& s : f.samples)
      if (s.name == name && s.labels == labels) return s.value;
  return NAN;
}

}  // namespace nd::test
