// Renderers of a diagnose report: text for people, JSON and YAML for machines (DESIGN.md schema).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/cni.h"
#include "core/model.h"
#include "engine/finding.h"

namespace nd {

struct Report {
  std::string snapshot;
  size_t objects = 0, nodes = 0, pods = 0, bytes = 0, files = 0;
  std::string cni;
  std::vector<std::string> warnings;
  std::vector<Finding> findings;
};

Report make_report(const Cluster& c, const CniInfo& cni, std::vector<Finding> findings);

nlohmann::ordered_json to_json(const Report& r);
nlohmann::ordered_json to_json(const Finding& f);
void render_json(std::ostream& out, const nlohmann::ordered_json& j);
void render_yaml(std::ostream& out, const nlohmann::ordered_json& j);
void render_text(std::ostream& out, const Report& r, bool color);

}  // namespace nd
