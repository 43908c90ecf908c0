#include "node/resolv.h"

#include <algorithm>
#include <array>

#include "node/cidr.h"

namespace nd::node {
namespace {

struct KnownOption {
  std::string_view name;
  bool takes_number;
  int max;  // glibc's cap for numeric options
};

// resolv.conf(5) options as of glibc 2.36.
constexpr std::array<KnownOption, 15> kOptions{{
    {"ndots", true, 15},
    {"timeout", true, 30},
    {"attempts", true, 5},
    {"rotate", false, 0},
    {"edns0", false, 0},
    {"single-request", false, 0},
    {"single-request-reopen", false, 0},
    {"no-tld-query", false, 0},
    {"use-vc", false, 0},
    {"trust-ad", false, 0},
    {"no-aaaa", false, 0},
    {"no-reload", false, 0},
    {"no-check-names", false, 0},
    {"inet6", false, 0},
    {"debug", false, 0},
}};

const KnownOption* known_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

// glibc matches a keyword only when a space or tab follows it.
bool keyword(std::string_view line, std::string_view kw, std::string_view* rest) {
  if (!starts_with(line, kw)) return false;
  if (line.size() == kw.size()) {
    *rest = {};
    return true;
  }
  if (line[kw.size()] != ' ' && line[kw.size()] != '\t') return false;
  *rest = line.substr(kw.size());
  return true;
}

// Words up to a '#' or ';' that starts a word (a trailing comment).
std::vector<std::string_view> words(std::string_view rest) {
  std::vector<std::string_view> out;
  for (auto w : split_ws(rest)) {
    if (w[0] == '#' || w[0] == ';') break;
    out.push_back(w);
  }
  return out;
}

int number_option(const Resolv& r, std::string_view name, int def) {
  const ResolvOption* o = r.option(name);
  if (!o) return def;
  const KnownOption* k = known_option(name);
  return std::min(std::stoi(o->value), k->max);
}

}  // namespace

const ResolvOption* Resolv::option(std::string_view name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

int Resolv::ndots() const { return number_option(*this, "ndots", 1); }
int Resolv::timeout() const { return number_option(*this, "timeout", 5); }
int Resolv::attempts() const { return number_option(*this, "attempts", 2); }

Result<Resolv> parse_resolv(std::string_view text, std::string_view label) {
  Resolv r;
  uint32_t nul_line = 0;
  if (has_nul(text, &nul_line)) return line_error(label, nul_line, "NUL byte: not a text file");
  for (const TextLine& l : split_lines(text)) {
    std::string_view s = trim(l.text);
    if (s.empty() || s[0] == '#' || s[0] == ';') continue;
    auto anomaly = [&](std::string name) { r.anomalies.push_back({std::move(name), l.number, std::string(s)}); };
    std::string_view rest;
    if (keyword(s, "nameserver", &rest)) {
      auto w = words(rest);
      if (w.empty()) {
        anomaly("nameserver-missing-address");
        continue;
      }
      if (!parse_address(w[0], label)) {
        anomaly("nameserver-not-an-address");
        continue;
      }
      r.nameservers.push_back({std::string(w[0]), l.number});
      if (r.nameservers.size() == kMaxNameservers + 1) anomaly("nameserver-beyond-glibc-limit");
    } else if (keyword(s, "search", &rest) || keyword(s, "domain", &rest)) {
      auto w = words(rest);
      std::string kw(s.substr(0, 6));
      if (w.empty()) {
        anomaly(kw + "-missing-domain");
        continue;
      }
      r.search.clear();
      r.search_keyword = kw;
      // "domain" takes one name; glibc ignores what follows it.
      if (kw == "domain") w.resize(1);
      for (auto d : w) r.search.push_back({std::string(d), l.number});
    } else if (keyword(s, "options", &rest)) {
      for (auto w : words(rest)) {
        size_t colon = w.find(':');
        std::string name(w.substr(0, colon));
        std::string value = colon == std::string_view::npos ? "" : std::string(w.substr(colon + 1));
        const KnownOption* k = known_option(name);
        if (!k) {
          r.anomalies.push_back({"unknown-option", l.number, std::string(w)});
          continue;
        }
        if (k->takes_number) {
          bool digits = !value.empty() && value.size() <= 6 &&
                        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
          if (!digits) {
            r.anomalies.push_back({"option-bad-number", l.number, std::string(w)});
            continue;
          }
        }
        std::erase_if(r.options, [&](const ResolvOption& o) { return o.name == name; });
        r.options.push_back({name, value, l.number});
      }
    } else if (keyword(s, "sortlist", &rest)) {
      // Valid for glibc but it only orders answers; nothing we check depends on it.
    } else if (keyword(s, "lookup", &rest) || keyword(s, "family", &rest)) {
      anomaly("keyword-not-used-by-glibc");  // BSD resolver keywords
    } else {
      anomaly("unknown-keyword");
    }
  }
  return r;
}

}  // namespace nd::node
