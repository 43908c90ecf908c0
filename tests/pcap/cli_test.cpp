// `netdoctor pcap` end to end: exit status, text and JSON. Runs the built binary (ND_BINARY); when
// it has not been built (test_pcap does not depend on it), the tests skip and say so.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "builders.h"

namespace {

struct CmdResult {
  int status = -1;
  std::string out;
};

CmdResult run(const std::string& args) {
  CmdResult r;
  std::string cmd = std::string(ND_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

#define REQUIRE_BINARY() \
  if (access(ND_BINARY, X_OK) != 0) GTEST_SKIP() << ND_BINARY << " not built (build the netdoctor target)"

}  // namespace

TEST(PcapCli, ProblemsGiveExitOne) {
  REQUIRE_BINARY();
  CmdResult r = run("pcap " + ndt::capture("ppa_nowebaccess3_syn_retrans_no_synack.pcapng"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("[capture-syn-unanswered]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 SYNs"), std::string::npos) << r.out;
}

TEST(PcapCli, HealthyCaptureGivesExitZero) {
  REQUIRE_BINARY();
  CmdResult r = run("pcap " + ndt::recorded("hairpin_brnf_on_any.pcap"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("no problems seen"), std::string::npos) << r.out;
}

TEST(PcapCli, UnreadableFileGivesExitTwoAndStillReadsTheOthers) {
  REQUIRE_BINARY();
  CmdResult r = run("pcap /nonexistent/x.pcap " + ndt::recorded("vxlan.pcap") + " -o json");
  EXPECT_EQ(r.status, 2);
  size_t brace = r.out.find('{');
  ASSERT_NE(brace, std::string::npos) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(brace));
  ASSERT_EQ(j["captures"].size(), 2u);
  EXPECT_NE(j["captures"][0]["error"].get<std::string>().find("/nonexistent/x.pcap"), std::string::npos);
  EXPECT_EQ(j["captures"][1]["events"][0]["check"], "capture-rst-on-connect");
  EXPECT_EQ(j["tool"], "netdoctor");
}

TEST(PcapCli, FlowsTable) {
  REQUIRE_BINARY();
  CmdResult r = run("pcap --flows " + ndt::recorded("routed_any.pcap"));
  EXPECT_EQ(r.status, 1);  // one refused connect
  EXPECT_NE(r.out.find("flows (2):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closed"), std::string::npos) << r.out;
}

TEST(PcapCli, BadFlagIsExitTwo) {
  REQUIRE_BINARY();
  EXPECT_EQ(run("pcap -o yaml " + ndt::recorded("vxlan.pcap")).status, 2);
}
