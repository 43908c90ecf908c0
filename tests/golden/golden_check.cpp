// golden_check NETDOCTOR CASE EXPECT.json
// Runs `NETDOCTOR diagnose CASE -o json --fail-on critical` and compares with EXPECT.json:
//   "must":     ids that have to be found;
//   "must_not": ids that must not be found;
//   "exact":    (optional, default true for examples/) every critical or warning finding's id must be in
//               "must" — nothing unexpected at those severities.
// Also checks the output has DESIGN.md's schema. Exit 0 pass, 1 fail (with the reason on stderr).
#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

using nlohmann::json;

static int fail(const std::string& why) {
  std::cerr << "FAIL: " << why << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: golden_check NETDOCTOR CASE EXPECT.json");
  std::string bin = argv[1], kase = argv[2], expect_path = argv[3];
  json expect;
  try {
    std::ifstream in(expect_path);
    expect = json::parse(in);
  } catch (const std::exception& e) {
    return fail(expect_path + ": " + e.what());
  }
  std::string cmd = "'" + bin + "' diagnose '" + kase + "' -o json --fail-on critical 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return fail("cannot run " + cmd);
  std::string out;
  std::array<char, 65536> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0 && code != 1) return fail("exit status " + std::to_string(code) + ":\n" + out);

  json doc;
  try {
    doc = json::parse(out);
  } catch (const std::exception& e) {
    return fail(std::string("output is not JSON: ") + e.what() + "\n" + out);
  }
  // Schema of DESIGN.md.
  for (const char* k : {"tool", "version", "input", "findings", "counts"})
    if (!doc.contains(k)) return fail(std::string("output lacks '") + k + "'");
  std::set<std::string> found, serious;
  for (const auto& f : doc["findings"]) {
    for (const char* k : {"id", "severity", "title", "subject", "summary", "evidence", "fix", "refs"})
      if (!f.contains(k)) return fail(std::string("a finding lacks '") + k + "': " + f.dump());
    if (f["evidence"].empty()) return fail("a finding without evidence: " + f.dump());
    for (const auto& e : f["evidence"])
      if (!e.contains("source") || !e.contains("text") || e["source"].get<std::string>().empty())
        return fail("evidence without source/text: " + e.dump());
    const std::string id = f["id"], sev = f["severity"];
    found.insert(id);
    if (sev == "critical" || sev == "warning") serious.insert(id);
  }
  std::set<std::string> must;
  for (const auto& id : expect.value("must", json::array())) {
    must.insert(id.get<std::string>());
    if (!found.count(id)) return fail("expected finding '" + id.get<std::string>() + "' not reported:\n" + out);
  }
  for (const auto& id : expect.value("must_not", json::array()))
    if (found.count(id)) return fail("finding '" + id.get<std::string>() + "' must not be reported:\n" + out);
  // Real-world cases leave ids in neither list open, unless they say otherwise.
  bool exact_default = expect_path.find("/realworld/") == std::string::npos;
  if (expect.value("exact", exact_default))
    for (const auto& id : serious)
      if (!must.count(id)) return fail("unexpected critical/warning finding '" + id + "':\n" + out);
  std::cout << "ok: " << kase << " (" << found.size() << " distinct ids)\n";
  return 0;
}
