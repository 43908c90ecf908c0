// The lab's state on disk: /run/netdoctor-lab/NAME/state.json, plus small file helpers for the lab
// directory. The JSON is the lab's own format (not a Kubernetes object); snapshot.h makes those.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

std::string state_path(const std::string& lab_name);
std::string state_to_json(const State& s);
Result<State> state_from_json(const std::string& text, const std::string& origin);
Result<State> load_state(const std::string& lab_name);
Result<bool> save_state(const State& s);

// Names of the labs that have a state directory.
std::vector<std::string> list_state_dirs();

// Writes content to path (creating parent directories), atomically through a temporary file.
Result<bool> write_file(const std::string& path, const std::string& content);
Result<std::string> read_file(const std::string& path);

std::string now_rfc3339();

}  // namespace nd::lab
