#include "agent/peers.h"

#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace nd::agent {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Adds hp unless already present; false when the cap is passed.
bool add_unique(std::vector<HostPort>& out, std::set<std::string>& seen, const HostPort& hp) {
  if (seen.insert(to_string(hp)).second) out.push_back(hp);
  return out.size() <= kMaxPeers;
}

}  // namespace

std::string to_string(const HostPort& hp) {
  bool v6 = hp.host.find(':') != std::string::npos;
  return (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port);
}

Result<std::vector<HostPort>> parse_peers_file(const std::string& text, const std::string& label) {
  std::vector<HostPort> out;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    auto hp = parse_ip_port(line);
    if (!hp) return Error{label + ":" + std::to_string(n) + ": " + hp.error().message};
    if (!add_unique(out, seen, *hp))
      return Error{label + ":" + std::to_string(n) + ": more than " + std::to_string(kMaxPeers) + " peers"};
  }
  return out;
}

Result<std::vector<HostPort>> parse_peers_list(const std::string& text) {
  std::vector<HostPort> out;
  std::set<std::string> seen;
  size_t start = 0;
  int item = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string one = trim(text.substr(start, comma - start));
    ++item;
    if (!one.empty()) {
      auto hp = parse_ip_port(one);
      if (!hp) return Error{"--peers item " + std::to_string(item) + ": " + hp.error().message};
      if (!add_unique(out, seen, *hp)) return Error{"--peers: more than " + std::to_string(kMaxPeers) + " peers"};
    }
    start = comma + 1;
  }
  return out;
}

Result<std::vector<HostPort>> load_peers(const std::string& spec) {
  if (spec.empty()) return std::vector<HostPort>{};
  struct stat st {};
  bool is_file = ::stat(spec.c_str(), &st) == 0 || spec.find('/') != std::string::npos;
  if (!is_file) return parse_peers_list(spec);
  std::ifstream f(spec, std::ios::binary);
  if (!f) return Error{spec + ": cannot read the peers file"};
  std::string text;
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    text.append(buf, static_cast<size_t>(f.gcount()));
    if (text.size() > (1u << 20)) return Error{spec + ": larger than 1 MiB"};
  }
  return parse_peers_file(text, spec);
}

std::vector<HostPort> peers_for_round(const std::vector<HostPort>& peers, size_t round, size_t cap) {
  if (cap == 0 || peers.empty()) return {};
  if (peers.size() <= cap) return peers;
  std::vector<HostPort> out;
  size_t start = (round * cap) % peers.size();
  for (size_t i = 0; i < cap; ++i) out.push_back(peers[(start + i) % peers.size()]);
  return out;
}

}  // namespace nd::agent
