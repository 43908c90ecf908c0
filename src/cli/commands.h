// Each subcommand registers itself on the CLI11 app from its own file (cmd_NAME.cpp) and sets the
// process exit status through `exit_code` when it runs. Exit status: 0 ok, 1 findings at or above
// --fail-on (or a failed probe), 2 the command could not run.
#pragma once

#include <CLI/CLI.hpp>

namespace nd::cli {

struct Shared {
  int exit_code = 0;
  bool color = false;  // stdout is a terminal and NO_COLOR is unset
};

void register_diagnose(CLI::App& app, Shared& s);
void register_checks(CLI::App& app, Shared& s);  // `checks` and `explain`
void register_pcap(CLI::App& app, Shared& s);
void register_collect(CLI::App& app, Shared& s);
void register_lab(CLI::App& app, Shared& s);
void register_dns(CLI::App& app, Shared& s);
void register_trace(CLI::App& app, Shared& s);
void register_probe(CLI::App& app, Shared& s);
void register_agent(CLI::App& app, Shared& s);

}  // namespace nd::cli
