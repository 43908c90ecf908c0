// Helpers for unit tests: temporary snapshot directories written from real-format text.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "core/cni.h"
#include "core/snapshot.h"
#include "engine/runner.h"

namespace nd::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nd-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::string path_;
};

// Loads a snapshot directory; fails the test on error.
inline Cluster load_ok(const std::string& path, LoadOptions opts = {}) {
  auto r = load_snapshot(path, opts);
  if (!r.ok()) throw std::runtime_error("load failed: " + r.error().message);
  return std::move(r.value());
}

// Ids (and subjects) found by running every check.
inline std::vector<Finding> diagnose(const Cluster& c) {
  CniInfo cni = detect_cni(c);
  return run_checks(c, cni).findings;
}

inline bool has(const std::vector<Finding>& fs, const std::string& id, const std::string& name = "") {
  for (const auto& f : fs)
    if (f.id == id && (name.empty() || f.subject.name == name)) return true;
  return false;
}

inline size_t count(const std::vector<Finding>& fs, const std::string& id) {
  size_t n = 0;
  for (const auto& f : fs) n += f.id == id;
  return n;
}

}  // namespace nd::test
