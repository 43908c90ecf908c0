// netdoctor checks / netdoctor explain ID: the catalog and the runbooks.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "engine/check.h"
#include "engine/runbooks.h"
#include "output/render.h"

namespace nd::cli {

void register_checks(CLI::App& app, Shared& shared) {
  auto output = std::make_shared<std::string>("text");
  CLI::App* checks = app.add_subcommand("checks", "List every check: id, severity, playbook refs, what it decides from");
  checks->add_option("-o,--output", *output, "Output format")->check(CLI::IsMember({"text", "json"}));
  checks->callback([output, &shared] {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& info : catalog()) {
      bool registered = false;
      for (const auto& c : all_checks())
        if (c.id == info.id) registered = true;
      if (!registered) continue;
      if (*output == "json") {
        list.push_back({{"id", info.id}, {"severity", to_string(info.severity)}, {"title", info.title},
                        {"refs", split_refs(info.refs)}, {"area", info.area}, {"decides_from", info.decides_from}});
      } else {
        std::cout << fmt::format("{:<40} {:<9} {:<10} {}\n", info.id, to_string(info.severity), info.refs, info.title);
      }
    }
    if (*output == "json") render_json(std::cout, list);
    shared.exit_code = 0;
  });

  auto id = std::make_shared<std::string>();
  CLI::App* explain = app.add_subcommand("explain", "Print a check's runbook: meaning, how it is decided, fix, verify");
  explain->add_option("id", *id, "Check id (see `netdoctor checks`)")->required();
  explain->callback([id, &shared] {
    const Runbook* rb = find_runbook(*id);
    const CheckInfo* info = find_check_info(*id);
    if (!rb && !info) {
      std::cerr << "netdoctor: no check with id '" << *id << "' (see `netdoctor checks`)\n";
      shared.exit_code = 2;
      return;
    }
    if (rb) {
      std::cout << rb->text;
    } else {
      std::cout << fmt::format("# {}\n\n{}\n\nSeverity: {}. Playbook: {}.\nDecided from: {}.\n", info->id, info->title,
                               to_string(info->severity), info->refs, info->decides_from);
    }
    shared.exit_code = 0;
  });
}

}  // namespace nd::cli
