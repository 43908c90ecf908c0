#include "pcap/dns_walk.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace nd::pcap {

namespace {

constexpr uint8_t kNoError = 0, kNxdomain = 3;

std::string_view first_label(std::string_view name) { return name.substr(0, name.find('.')); }

// Longest common prefix of two names, in whole labels ("a.b.c", "a.b.d" -> "a.b").
std::string_view common_labels(std::string_view x, std::string_view y) {
  size_t n = std::min(x.size(), y.size()), i = 0, last = 0;
  for (; i < n && x[i] == y[i]; ++i) {
    if (x[i] == '.') last = i;
  }
  bool whole = (i == x.size() || x[i] == '.') && (i == y.size() || y[i] == '.');
  return x.substr(0, whole ? i : last);
}

// Number of whole labels two names share at their end ("a.svc.cluster.local", "cluster.local" -> 2).
size_t common_tail_labels(std::string_view x, std::string_view y) {
  size_t n = 0, i = x.size(), j = y.size();
  while (i > 0 && j > 0 && x[i - 1] == y[j - 1]) {
    --i, --j;
    if (x[i] == '.') ++n;
  }
  if ((i == 0 || x[i - 1] == '.') && (j == 0 || y[j - 1] == '.')) ++n;
  return n;
}

// Search domains look alike: they share a parent domain (svc.cluster.local, cluster.local) or one
// is the parent of another. Two unrelated domains (a-shop.lab, b-shop.lab) do not make a list.
bool looks_like_search_list(const std::vector<std::string_view>& suffixes) {
  size_t tail = SIZE_MAX;
  for (size_t i = 1; i < suffixes.size(); ++i) {
    tail = std::min(tail, common_tail_labels(suffixes[0], suffixes[i]));
  }
  if (tail != SIZE_MAX && tail >= 2) return true;
  for (std::string_view a : suffixes) {
    for (std::string_view b : suffixes) {
      if (a.size() > b.size() && a.substr(a.size() - b.size()) == b && a[a.size() - b.size() - 1] == '.') {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

WalkAnalysis find_walks(const std::vector<WalkEntry>& entries) {
  WalkAnalysis out;
  std::vector<bool> grouped(entries.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (grouped[i]) continue;
    std::string_view label = first_label(entries[i].name);
    std::vector<size_t> members;
    for (size_t j = i; j < entries.size(); ++j) {
      if (!grouped[j] && first_label(entries[j].name) == label) {
        grouped[j] = true;
        members.push_back(j);
      }
    }

    Walk w;
    std::string_view base = entries[members[0]].name;
    for (size_t m : members) {
      const WalkEntry& e = entries[m];
      auto it = std::find(w.names.begin(), w.names.end(), e.name);
      if (it == w.names.end()) {
        w.names.push_back(e.name);
        w.rcodes.push_back(e.rcode);
        base = common_labels(base, e.name);
      } else if (e.rcode == kNoError) {
        w.rcodes[it - w.names.begin()] = kNoError;
      }
    }
    bool walk = false;
    if (w.names.size() >= 2 && !base.empty()) {
      size_t suffixed_nx = 0;
      bool base_tried = false;
      std::vector<std::string_view> suffixes;
      for (size_t k = 0; k < w.names.size(); ++k) {
        if (w.names[k] == base) {
          base_tried = true;
          continue;
        }
        suffixes.push_back(std::string_view(w.names[k]).substr(base.size() + 1));
        if (w.rcodes[k] == kNxdomain) ++suffixed_nx;
      }
      walk = suffixed_nx > 0 &&
             (base_tried || (suffixes.size() >= 2 && looks_like_search_list(suffixes)));
    }
    if (!walk) {
      for (size_t m : members) {
        if (entries[m].rcode == kNxdomain) out.lone_nxdomain.push_back(m);
      }
      continue;
    }
    w.base = std::string(base);
    for (size_t k = 0; k < w.names.size(); ++k) {
      if (w.rcodes[k] == kNoError) {
        w.resolved_as = w.names[k];
        break;
      }
    }
    // Repetitions: the most times one (name, type) was answered NXDOMAIN within the group.
    for (size_t a = 0; a < members.size(); ++a) {
      const WalkEntry& e = entries[members[a]];
      if (e.rcode != kNxdomain) continue;
      uint32_t n = 0;
      for (size_t m : members) {
        n += entries[m].name == e.name && entries[m].qtype == e.qtype;
      }
      w.repetitions = std::max(w.repetitions, n);
    }
    w.entries = members;
    out.walks.push_back(std::move(w));
  }
  return out;
}

}  // namespace nd::pcap
