// `netdoctor pcap FILE... [-o text|json] [--flows]`: reads tcpdump captures and reports SYNs with no
// answer, refused connects, replies from an unexpected source, ICMP unreachable and DNS trouble.
// Exit status: 0 nothing found, 1 problems (events at warning or above), 2 a file could not be read.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "pcap/analyze.h"
#include "pcap/render.h"

namespace nd::cli {

namespace {

struct PcapArgs {
  std::vector<std::string> files;
  std::string output = "text";
  bool flows = false;
  size_t events_per_kind = 10;
};

int run_pcap(const PcapArgs& a) {
  nd::pcap::Options opt;
  opt.keep_flows = a.flows;
  int status = 0;
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < a.files.size(); ++i) {
    auto r = nd::pcap::analyze_file(a.files[i], opt);
    if (!r) {
      std::cerr << "netdoctor pcap: " << r.error().message << "\n";
      status = 2;
      if (a.output == "json") all.push_back({{"source", a.files[i]}, {"error", r.error().message}});
      continue;
    }
    if (r->has_problems() && status == 0) status = 1;
    if (a.output == "json") {
      all.push_back(nd::pcap::to_json(*r));
    } else {
      nd::pcap::TextOptions to;
      to.flows = a.flows;
      to.events_per_kind = a.events_per_kind;
      std::cout << (i ? "\n" : "") << nd::pcap::render_text(*r, to);
    }
  }
  if (a.output == "json") {
    nlohmann::json out = {{"tool", "netdoctor"}, {"version", NETDOCTOR_VERSION}, {"captures", all}};
    std::cout << out.dump(2) << "\n";
  }
  return status;
}

}  // namespace

void register_pcap(CLI::App& app, Shared& s) {
  auto args = std::make_shared<PcapArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pcap", "Read tcpdump captures (pcap/pcapng) and report failed handshakes, unanswered DNS, "
              "ICMP errors and replies from the wrong address");
  cmd->add_option("files", args->files, "capture files (pcap or pcapng)")->required();
  cmd->add_option("-o,--output", args->output, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--flows", args->flows, "list every flow with its packets, bytes and state");
  cmd->add_option("--events-per-kind", args->events_per_kind,
                  "text output: events shown per kind before '... and N more'")
      ->capture_default_str();
  cmd->callback([args, &s] { s.exit_code = run_pcap(*args); });
}

}  // namespace nd::cli
