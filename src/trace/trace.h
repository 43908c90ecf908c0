// `netdoctor trace`: the path between two endpoints walked through the model a snapshot gives, hop by
// hop, like a traceroute that can read every box's configuration (issue 8, DESIGN.md "Trace and probe
// results"). A Tracer is built once per snapshot (it parses every node bundle and runs the diagnose
// checks, so a failing hop names the same check id diagnose reports for the same cause); trace() is
// then cheap and may be called many times.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace nd::trace {

struct Hop {
  std::string at;          // "pod/shop/web-1", "node/worker-1", "svc/shop/web", "outside"
  std::string step;        // what happens there, in words, with the rule or route quoted
  std::string decided_by;  // the snapshot file (":line" or "[index]" where known)
  std::string verdict;     // pass | fail | unknown | warn
  std::string check;       // on fail/warn: the catalog check id that explains it ("" when none)
};

struct TraceResult {
  std::string from, to;  // as given, the destination with port/protocol filled in
  std::string kind;      // container-to-container, pod-to-pod-same-node, ... (DESIGN.md)
  std::string verdict;   // reachable | blocked | unknown
  std::vector<Hop> hops;
  int first_failure = 0;  // 1-based hop number of the first "fail"; 0 when none
  std::string first_failure_check;
  std::string egress_source;  // pod-to-external: the source address the outside sees ("" when unknown)
};

struct Impl;  // src/trace/walk.h

class Tracer {
 public:
  // The cluster must outlive the Tracer.
  explicit Tracer(const Cluster& cluster);
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // from/to: "NS/NAME" (pod), "svc/NS/NAME[:PORT]", "node/NAME[:PORT]", an address or a name outside
  // the cluster; the destination may end in ":PORT" and "/tcp", "/udp" or "/sctp". Errors are for
  // endpoints that do not exist or cannot be combined; a path the snapshot cannot decide is a result
  // with verdict "unknown".
  Result<TraceResult> trace(const std::string& from, const std::string& to) const;

  // NetworkPolicies that could not be parsed ("file:line: NetworkPolicy ns/name: field: what").
  const std::vector<std::string>& warnings() const;

 private:
  std::unique_ptr<Impl> impl_;
};

std::string render_json(const TraceResult& r);  // DESIGN.md's schema, one object
std::string render_text(const TraceResult& r, bool color);

}  // namespace nd::trace
