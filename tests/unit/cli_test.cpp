// The real binary on bad input and on its flags: exit status 2 and a message that names the file and
// position, never a crash or partial output on stdout.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct CliRun {
  int code;
  std::string out;  // stdout and stderr, interleaved
};

CliRun run(const std::string& args) {
  std::string cmd = std::string(ND_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CliRun r{-1, {}};
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string bad(const std::string& f) { return std::string(ND_SOURCE_DIR) + "/tests/data/bad/" + f; }

}  // namespace

TEST(Cli, MalformedFilesExit2NamingFileAndPosition) {
  struct Case {
    const char* file;
    const char* expect;
  } cases[] = {
      {"missing-comma.json", "missing-comma.json:8:"},
      {"truncated-list.json", "truncated-list.json:83:"},
      {"bad-indent.yaml", "bad-indent.yaml:14:16"},
      {"multi-doc-second-broken.yaml", "multi-doc-second-broken.yaml:12:19"},
      {"empty.json", "empty.json:1:1"},
      {"bare-number.json", "bare-number.json:1:1"},
      {"binary.json", "gzip"},
  };
  for (const auto& c : cases) {
    CliRun r = run("diagnose " + bad(c.file) + " -o json");
    EXPECT_EQ(r.code, 2) << c.file << ": " << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.file << ": " << r.out;
    EXPECT_EQ(r.out.find("\"findings\""), std::string::npos) << "partial output for " << c.file;
  }
}

TEST(Cli, WrongTypesAreReadWithoutCrash) {
  CliRun r = run("diagnose " + bad("wrong-types-pod.json") + " -o json");
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.out;
  EXPECT_NE(r.out.find("\"tool\": \"netdoctor\""), std::string::npos);
}

TEST(Cli, KeepGoingTurnsErrorsIntoWarnings) {
  CliRun r = run("diagnose " + std::string(ND_SOURCE_DIR) + "/tests/data/bad -o json --keep-going");
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.out;
  EXPECT_NE(r.out.find("\"warnings\""), std::string::npos);
  EXPECT_NE(r.out.find("missing-comma.json:8:"), std::string::npos);
}

TEST(Cli, FlagsAndExitCodes) {
  std::string ex = std::string(ND_SOURCE_DIR) + "/tests/realworld/oomkilled-running-pod";
  EXPECT_EQ(run("diagnose " + ex).code, 1);                        // a warning, default --fail-on warning
  EXPECT_EQ(run("diagnose " + ex + " --fail-on critical").code, 0);  // only a warning
  EXPECT_EQ(run("diagnose " + ex + " --skip container-oomkilled").code, 0);
  EXPECT_EQ(run("diagnose " + ex + " --only no-such-check").code, 2);
  EXPECT_EQ(run("diagnose " + ex + " -o xml").code, 2);
  EXPECT_EQ(run("diagnose /nonexistent/path").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("diagnose " + ex + " -n other-namespace").code, 0);
  CliRun y = run("diagnose " + ex + " -o yaml");
  EXPECT_NE(y.out.find("id: \"container-oomkilled\""), std::string::npos) << y.out;
  CliRun t = run("diagnose " + ex);
  EXPECT_EQ(t.out.find("\033["), std::string::npos) << "no colour when not a terminal";
  EXPECT_NE(t.out.find("container-oomkilled"), std::string::npos);
}

TEST(Cli, ChecksAndExplain) {
  CliRun c = run("checks");
  EXPECT_EQ(c.code, 0);
  EXPECT_NE(c.out.find("container-crashloop"), std::string::npos);
  CliRun j = run("checks -o json");
  EXPECT_NE(j.out.find("\"refs\""), std::string::npos);
  CliRun e = run("explain container-oomkilled");
  EXPECT_EQ(e.code, 0);
  EXPECT_NE(e.out.find("container-oomkilled"), std::string::npos);
  EXPECT_EQ(run("explain no-such-check").code, 2);
}

TEST(Cli, StdinAndKubectlPluginName) {
  std::string f = std::string(ND_SOURCE_DIR) + "/tests/realworld/crashloop-exit1/argocd/my-pod.yaml";
  CliRun r = run("diagnose - -o json < " + f);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("container-crashloop"), std::string::npos);
}

TEST(Cli, EveryRegisteredCheckHasARunbook) {
  CliRun j = run("checks -o json");
  ASSERT_EQ(j.code, 0);
  size_t pos = 0, n = 0;
  while ((pos = j.out.find("\"id\": \"", pos)) != std::string::npos) {
    pos += 7;
    std::string id = j.out.substr(pos, j.out.find('"', pos) - pos);
    CliRun e = run("explain " + id);
    EXPECT_EQ(e.code, 0) << id;
    // A real runbook has its sections, not the catalog fallback.
    EXPECT_NE(e.out.find("## How to fix"), std::string::npos) << "no runbook docs/runbooks/" << id << ".md";
    ++n;
  }
  EXPECT_GE(n, 12u);
}

// diagnose --probes: a failed DNS probe is attached to the DNS findings as "confirmed live", a
// successful one as "not reproduced"; a malformed results file stops the run with exit 2 and its line.
TEST(Cli, ProbeResultsBecomeEvidence) {
  const std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::string& text) {
    std::string p = dir + "/" + name;
    FILE* f = fopen(p.c_str(), "w");
    EXPECT_NE(f, nullptr);
    if (f) {
      fputs(text.c_str(), f);
      fclose(f);
    }
    return p;
  };
  std::string ex = std::string(ND_SOURCE_DIR) + "/examples/dns-loop-logs";
  auto failed = write("nd-probes-failed.json",
                      R"({"probe":"dns","target":"web.shop.svc.cluster.local","from":"netns a","result":"timeout",)"
                      R"("time_ms":10002,"source":"10.244.1.7","detail":"no answer"})");
  auto r = run("diagnose " + ex + " --only coredns-loop --probes " + failed);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("confirmed live: probe dns web.shop.svc.cluster.local"), std::string::npos) << r.out;

  auto ok = write("nd-probes-ok.json",
                  R"([{"probe":"dns","target":"web.shop.svc.cluster.local","from":"netns a","result":"answered",)"
                  R"("time_ms":2,"source":"10.244.1.7","detail":"10.96.0.20"}])");
  r = run("diagnose " + ex + " --only coredns-loop --probes " + ok);
  EXPECT_NE(r.out.find("not reproduced"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("confirmed live"), std::string::npos) << r.out;

  auto bad_file = write("nd-probes-bad.json", "{\"probe\": 1}\n");
  r = run("diagnose " + ex + " --probes " + bad_file);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("nd-probes-bad.json:1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("coredns-loop"), std::string::npos) << "no partial report: " << r.out;
}
