// The check interface. A check is a function over the read-only model that reports findings through
// a Context. Each check lives in src/checks/NAME.{h,cpp}; the ordered list is src/engine/registry.cpp.
#pragma once

#include <any>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/cni.h"
#include "core/model.h"
#include "engine/catalog.h"
#include "engine/finding.h"

namespace nd {

class Context {
 public:
  Context(const Cluster& cluster, const CniInfo& cni) : cluster(cluster), cni(cni) {}

  const Cluster& cluster;
  const CniInfo& cni;

  // Starts a finding with the catalog's id, severity, title and refs filled in. The returned
  // reference stays valid until the next call to report().
  Finding& report(std::string_view check_id, Subject subject);

  std::vector<Finding>& findings() { return findings_; }

  // Work several checks share (e.g. analysing the captures once), computed on first use.
  template <typename T, typename Make>
  const T& cached(const std::string& key, Make make) {
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, std::any(make())).first;
    return std::any_cast<const T&>(it->second);
  }

 private:
  std::vector<Finding> findings_;
  std::map<std::string, std::any> cache_;
};

using CheckFn = void (*)(Context&);

struct Check {
  std::string_view id;
  CheckFn run;
};

// Every check in the order it runs (src/engine/registry.cpp).
const std::vector<Check>& all_checks();

// Subject helpers.
inline Subject subject_of(std::string_view kind, const Meta& m) {
  return Subject{std::string(kind), m.ns, m.name};
}

}  // namespace nd
