#include "core/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nd {
namespace {

bool is_null(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool is_bool(const std::string& s, bool& v) {
  if (s == "true" || s == "True" || s == "TRUE") return v = true, true;
  if (s == "false" || s == "False" || s == "FALSE") return v = false, true;
  return false;
}

bool is_int(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size() || s.size() - i > 18) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_float(const std::string& s) {
  static const std::regex re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return std::regex_match(s, re);
}

void emit(const YAML::Node& n, std::string& out, int depth);

void emit_scalar(const YAML::Node& n, std::string& out) {
  const std::string& s = n.Scalar();
  const std::string& tag = n.Tag();
  if (tag == "?") {  // plain scalar: resolve its type
    bool b;
    if (is_null(s)) return void(out += "null");
    if (is_bool(s, b)) return void(out += b ? "true" : "false");
    if (is_int(s)) return void(out += std::to_string(std::stoll(s)));  // "+01" -> 1: valid JSON
    if (s.size() < 40 && s.find_first_of("0123456789") != std::string::npos && is_float(s)) {
      double d = std::stod(s);
      if (std::isfinite(d)) return void(out += fmt::format("{}", d));
    }
  } else if (tag == "tag:yaml.org,2002:null") {
    return void(out += "null");
  } else if (tag == "tag:yaml.org,2002:bool") {
    bool b = false;
    is_bool(s, b);
    return void(out += b ? "true" : "false");
  } else if (tag == "tag:yaml.org,2002:int" && is_int(s)) {
    return void(out += s);
  }
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void emit(const YAML::Node& n, std::string& out, int depth) {
  if (depth > 200) throw YAML::Exception(n.Mark(), "nesting deeper than 200 levels");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out += "null";
      break;
    case YAML::NodeType::Scalar:
      emit_scalar(n, out);
      break;
    case YAML::NodeType::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& item : n) {
        if (!first) out += ',';
        first = false;
        emit(item, out, depth + 1);
      }
      out += ']';
      break;
    }
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) out += ',';
        first = false;
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
        out += nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += ':';
        emit(kv.second, out, depth + 1);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

Result<std::vector<YamlDoc>> yaml_to_json(std::string_view text, const std::string& label) {
  std::vector<YamlDoc> docs;
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& n : nodes) {
      if (!n.IsDefined() || n.IsNull()) continue;  // empty document ("---" alone)
      YamlDoc d;
      d.line = static_cast<uint32_t>(n.Mark().line + 1);
      if (n.IsMap() && n["items"] && n["items"].IsSequence())
        for (const auto& item : n["items"]) d.item_lines.push_back(static_cast<uint32_t>(item.Mark().line + 1));
      emit(n, d.json, 0);
      docs.push_back(std::move(d));
    }
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Error{fmt::format("{}: invalid YAML: {}", label, e.msg)};
    return Error{fmt::format("{}:{}:{}: invalid YAML: {}", label, e.mark.line + 1, e.mark.column + 1, e.msg)};
  }
  return docs;
}

}  // namespace nd
