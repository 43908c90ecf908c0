// What one probe found, in DESIGN.md's "Trace and probe results" shape, and its two renderings: JSON
// for machines (and `diagnose --probes`), text for people, with what the result means.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nd::probe {

// One DNS query as sent: the name tried, the server asked, what came back and how long it took.
struct DnsQuery {
  std::string name;    // absolute, with the trailing dot
  std::string server;  // "10.96.0.10" (":PORT" when not 53)
  std::string type;    // "A"
  std::string rcode;   // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, timeout, ...
  int64_t time_ms = 0;
  std::vector<std::string> answers;
};

struct ProbeResult {
  std::string probe;   // tcp, dns, icmp, http, self
  std::string target;  // what the user named
  std::string from;    // "netns lab-web", "host web-7d4b9"
  std::string result;  // tcp connected|refused|timeout|unreachable|no-route; dns answered|nxdomain|
                       // servfail|refused|timeout; icmp reply|timeout|unreachable; http the status
  int64_t time_ms = 0;
  std::string source;  // the local address the traffic left from
  std::string detail;  // one line: the numbers behind the result
  bool ok = false;     // the probe succeeded (exit 0) or failed (exit 1)

  std::vector<DnsQuery> queries;     // dns: every query tried, in order
  std::vector<std::string> answers;  // dns: what the application gets
  std::vector<std::string> explain;  // sentences: what the result means and what to look at (text only)
};

// {"probe","target","from","result","time_ms","source","detail"} (+ "queries" and "answers" for dns).
nlohmann::ordered_json to_json(const ProbeResult& r);
// A block of text: the result line, the queries (dns) and the explanation.
std::string to_text(const ProbeResult& r);

// "netns NAME" or "host HOSTNAME": where the probe ran.
std::string from_label(const std::string& netns);

}  // namespace nd::probe
