// Renderers for a capture Report: text for people (a short summary, then events grouped by kind),
// JSON for machines. The CLI (`netdoctor pcap`) prints these; tests read them too.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pcap/report.h"

namespace nd::pcap {

struct TextOptions {
  bool flows = false;              // add the per-flow table
  size_t events_per_kind = 10;     // then "... and N more"
};

std::string render_text(const Report& r, const TextOptions& o);

// Every field of the report; times are integer microseconds since the epoch (exact).
nlohmann::json to_json(const Report& r);
nlohmann::json to_json(const Event& e);
nlohmann::json to_json(const FlowRecord& f);

}  // namespace nd::pcap
