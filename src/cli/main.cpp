// netdoctor: the thin executable. All logic is in netdoctor_core; this file wires the subcommands.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"netdoctor: finds the root cause of Kubernetes network failures"};
  app.set_version_flag("--version", std::string("netdoctor ") + NETDOCTOR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  nd::cli::Shared shared;
  shared.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;

  nd::cli::register_diagnose(app, shared);
  nd::cli::register_checks(app, shared);
#ifdef ND_HAVE_PCAP
  nd::cli::register_pcap(app, shared);
#endif
#ifdef ND_HAVE_COLLECT
  nd::cli::register_collect(app, shared);
#endif
#ifdef ND_HAVE_LAB
  nd::cli::register_lab(app, shared);
#endif
#ifdef ND_HAVE_DNS
  nd::cli::register_dns(app, shared);
#endif
#ifdef ND_HAVE_TRACE
  nd::cli::register_trace(app, shared);
#endif
#ifdef ND_HAVE_PROBE
  nd::cli::register_probe(app, shared);
#endif
#ifdef ND_HAVE_AGENT
  nd::cli::register_agent(app, shared);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // a bad flag is "could not run"
  }
  return shared.exit_code;
}
