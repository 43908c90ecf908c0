#include <yaml-cpp/yaml.h>

#include "output/render.h"

namespace nd {

Report make_report(const Cluster& c, const CniInfo& cni, std::vector<Finding> findings) {
  Report r;
  r.snapshot = c.root;
  r.objects = c.objects;
  r.nodes = c.nodes.size();
  r.pods = c.pods.size();
  r.bytes = c.bytes;
  r.files = c.files_read;
  r.cni = cni.describe();
  r.warnings = c.warnings;
  r.findings = std::move(findings);
  return r;
}

nlohmann::ordered_json to_json(const Finding& f) {
  nlohmann::ordered_json j;
  j["id"] = f.id;
  j["severity"] = std::string(to_string(f.severity));
  j["title"] = f.title;
  j["subject"] = {{"kind", f.subject.kind}, {"namespace", f.subject.ns}, {"name", f.subject.name}};
  j["node"] = f.node;
  j["summary"] = f.summary;
  j["evidence"] = nlohmann::ordered_json::array();
  for (const auto& e : f.evidence) j["evidence"].push_back({{"source", e.source}, {"text", e.text}});
  j["fix"] = f.fix;
  j["refs"] = f.refs;
  return j;
}

nlohmann::ordered_json to_json(const Report& r) {
  nlohmann::ordered_json j;
  j["tool"] = "netdoctor";
  j["version"] = NETDOCTOR_VERSION;
  j["input"] = {{"snapshot", r.snapshot}, {"objects", r.objects}, {"nodes", r.nodes}, {"cni", r.cni}};
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  j["findings"] = nlohmann::ordered_json::array();
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : r.findings) {
    j["findings"].push_back(to_json(f));
    counts[static_cast<int>(f.severity)]++;
  }
  j["counts"] = {{"critical", counts[2]}, {"warning", counts[1]}, {"info", counts[0]}};
  return j;
}

void render_json(std::ostream& out, const nlohmann::ordered_json& j) {
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

namespace {

void emit(YAML::Emitter& e, const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      e << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        e << YAML::Key << it.key() << YAML::Value;
        emit(e, it.value());
      }
      e << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      e << YAML::BeginSeq;
      for (const auto& v : j) emit(e, v);
      e << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      e << YAML::DoubleQuoted << s;
      break;
    }
    case nlohmann::json::value_t::boolean:
      e << j.get<bool>();
      break;
    case nlohmann::json::value_t::number_integer:
      e << j.get<int64_t>();
      break;
    case nlohmann::json::value_t::number_unsigned:
      e << j.get<uint64_t>();
      break;
    case nlohmann::json::value_t::number_float:
      e << j.get<double>();
      break;
    default:
      e << YAML::Null;
  }
}

}  // namespace

void render_yaml(std::ostream& out, const nlohmann::ordered_json& j) {
  YAML::Emitter e;
  emit(e, j);
  out << e.c_str() << "\n";
}

}  // namespace nd
