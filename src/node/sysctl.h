// `sysctl -a` output (also /etc/sysctl.d files): one "key = value" per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "node/text.h"

namespace nd::node {

struct SysctlLine {
  std::string key;    // dotted; a dot inside one path component is written '/' ("eth0/100")
  std::string value;  // trimmed; inner spaces and tabs kept ("4096\t131072\t6291456"); may be ""
  uint32_t line = 0;
};

struct Sysctl {
  std::vector<SysctlLine> entries;  // in input order
  std::vector<Anomaly> anomalies;   // e.g. "sysctl: permission denied on key ..." mixed in from stderr
  // The first entry with this key (multi-line values repeat the key on each line).
  const SysctlLine* find(std::string_view key) const;
};

// Lines: "key = value", "key=value", blank, or comments starting with '#' or ';'. A line that is
// none of these is an error naming LABEL:LINE, except sysctl's own "sysctl: ..." messages, which
// become anomalies.
Result<Sysctl> parse_sysctl(std::string_view text, std::string_view label);

// The key sysctl prints for a path under /proc/sys: "net/ipv4/conf/eth0.100/rp_filter" ->
// "net.ipv4.conf.eth0/100.rp_filter".
std::string sysctl_key_from_path(std::string_view rel_path);

}  // namespace nd::node
