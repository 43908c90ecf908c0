// The mesh's peer list (--peers): a file with one IP:PORT per line ('#' comments, blank lines), or
// a comma-separated list on the command line. The agent re-reads a file every round, so a mounted
// ConfigMap can change it without a restart.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/options.h"
#include "core/result.h"

namespace nd::agent {

// Hard cap on the list itself: a longer file is an error, not a slow agent.
inline constexpr size_t kMaxPeers = 4096;

// Pure: the text of a peers file; errors read "LABEL:LINE: ...". Duplicates are dropped.
Result<std::vector<HostPort>> parse_peers_file(const std::string& text, const std::string& label);

// Pure: "10.244.1.5:8080,10.244.2.7:8080"; errors name the item's position.
Result<std::vector<HostPort>> parse_peers_list(const std::string& text);

// --peers as given: an existing path (or anything containing '/') is read as a file, else a list.
Result<std::vector<HostPort>> load_peers(const std::string& spec);

// The peers to probe in round `round` (0, 1, ...): all of them when they fit in `cap`, else a
// window of `cap` that moves by `cap` each round, so every peer is probed once every
// ceil(n / cap) rounds and the cost of one round never exceeds `cap` connects.
std::vector<HostPort> peers_for_round(const std::vector<HostPort>& peers, size_t round, size_t cap);

std::string to_string(const HostPort& hp);  // "10.0.0.1:80", "[fd00::1]:80"

}  // namespace nd::agent
