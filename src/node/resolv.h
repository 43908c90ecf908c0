// resolv.conf as glibc reads it (resolv(5)): nameserver, search/domain, options, each kept with
// its line number so findings can quote "resolv.conf:3".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "node/text.h"

namespace nd::node {

struct ResolvEntry {
  std::string value;
  uint32_t line = 0;
};

struct ResolvOption {
  std::string name;   // "ndots"
  std::string value;  // "5"; "" for flags such as rotate or edns0
  uint32_t line = 0;
};

struct Resolv {
  // Every valid nameserver line, in order. glibc uses only the first kMaxNameservers; the rest are
  // kept (and flagged as an anomaly) because a fourth nameserver that is silently ignored is
  // itself a finding.
  std::vector<ResolvEntry> nameservers;
  // The domains of the last "search" or "domain" line (the last one wins, as in glibc).
  std::vector<ResolvEntry> search;
  std::string search_keyword;  // "search" or "domain"; "" when neither appears
  // Options of every "options" line; a later setting of the same option replaces the earlier one.
  std::vector<ResolvOption> options;
  std::vector<Anomaly> anomalies;

  const ResolvOption* option(std::string_view name) const;
  int ndots() const;     // glibc default 1, capped at 15
  int timeout() const;   // default 5, capped at 30
  int attempts() const;  // default 2, capped at 5
};

inline constexpr size_t kMaxNameservers = 3;  // glibc MAXNS

// Lenient like glibc: unknown keywords, bad addresses and unknown options are skipped and recorded
// as anomalies (named, with the line). Only text that is not text at all (NUL bytes) is an error.
Result<Resolv> parse_resolv(std::string_view text, std::string_view label);

}  // namespace nd::node
