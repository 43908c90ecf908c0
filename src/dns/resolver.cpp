#include "dns/resolver.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "node/cidr.h"
#include "node/resolv.h"
#include "node/text.h"

namespace nd::dns {
namespace {

constexpr size_t kMaxNameservers = 3;  // MAXNS in both libcs
constexpr size_t kMaxName = 253;       // longest name that fits the 255 octets of the wire form
constexpr size_t kMuslMaxLine = 254;   // fgets into char line[256], newline included

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// musl's "strstr(line, "ndots:")" followed by strtoul, capped.
void musl_number(std::string_view line, std::string_view key, unsigned long cap, int* out, bool dot_ok = false) {
  size_t p = line.find(key);
  if (p == std::string_view::npos) return;
  p += key.size();
  if (p >= line.size()) return;
  if (!(line[p] >= '0' && line[p] <= '9') && !(dot_ok && line[p] == '.')) return;
  unsigned long x = 0;
  size_t q = p;
  while (q < line.size() && line[q] >= '0' && line[q] <= '9' && x < 1000000) x = x * 10 + (line[q++] - '0');
  if (q == p) return;  // "timeout:.5": strtoul reads nothing, musl keeps the default
  *out = static_cast<int>(std::min(x, cap));
}

ResolverConf read_musl(std::string_view text) {
  ResolverConf c;
  std::vector<std::string> search;
  size_t pos = 0;
  uint32_t number = 0;
  while (pos < text.size()) {
    ++number;
    size_t nl = text.find('\n', pos);
    bool has_nl = nl != std::string_view::npos;
    std::string_view line = text.substr(pos, has_nl ? nl - pos : std::string_view::npos);
    pos = has_nl ? nl + 1 : text.size();
    // A line that does not fit the buffer is skipped whole (the final line without a newline gets
    // one more character, since end of file then explains the missing newline).
    if (line.size() > kMuslMaxLine && (has_nl || line.size() > kMuslMaxLine + 1)) {
      std::string kw = words_of(line).empty() ? "" : words_of(line).front();
      c.notes.push_back(fmt::format("line {} ({} characters, \"{}\" …) is longer than musl reads and is ignored whole",
                                    number, line.size(), kw));
      continue;
    }
    auto keyword = [&](std::string_view kw) {
      return line.size() > kw.size() && line.substr(0, kw.size()) == kw && is_space(line[kw.size()]);
    };
    if (line.size() >= 8 && line.substr(0, 7) == "options" && is_space(line[7])) {
      musl_number(line, "ndots:", 15, &c.ndots);
      musl_number(line, "attempts:", 10, &c.attempts);
      musl_number(line, "timeout:", 60, &c.timeout, true);
      continue;
    }
    if (keyword("nameserver")) {
      auto w = words_of(line.substr(11));
      if (w.empty() || !node::parse_address(w[0]).ok()) continue;
      if (c.nameservers.size() >= kMaxNameservers)
        c.ignored_nameservers.push_back(w[0]);
      else
        c.nameservers.push_back(w[0]);
      continue;
    }
    // musl treats "domain" exactly like "search", keeps every word (comments too) and the last line wins.
    if (keyword("domain") || keyword("search")) search = words_of(line.substr(7));
  }
  c.search = std::move(search);
  if (c.nameservers.empty()) {
    c.nameservers.push_back("127.0.0.1");
    c.notes.push_back("no usable nameserver line: musl queries 127.0.0.1");
  }
  return c;
}

ResolverConf read_glibc(std::string_view text, bool legacy) {
  ResolverConf c;
  auto parsed = node::parse_resolv(text, "resolv.conf");
  if (!parsed.ok()) {
    c.notes.push_back(parsed.error().message);
    c.nameservers.push_back("127.0.0.1");
    return c;
  }
  const node::Resolv& r = *parsed;
  for (const auto& ns : r.nameservers) {
    if (c.nameservers.size() >= kMaxNameservers)
      c.ignored_nameservers.push_back(ns.value);
    else
      c.nameservers.push_back(ns.value);
  }
  if (!c.ignored_nameservers.empty())
    c.notes.push_back(fmt::format("glibc uses the first {} nameservers; {} ignored", kMaxNameservers,
                                  fmt::join(c.ignored_nameservers, ", ")));
  if (c.nameservers.empty()) {
    c.nameservers.push_back("127.0.0.1");
    c.notes.push_back("no nameserver line: glibc queries 127.0.0.1");
  }
  for (const auto& s : r.search) c.search.push_back(s.value);
  if (r.search_keyword.empty())
    c.notes.push_back("no search or domain line: glibc searches the domain part of the host name, if it has one");
  if (legacy) {
    LimitResult lim = apply_limit(c.search, kGlibcLegacyLimit);
    if (lim.exceeded()) {
      c.notes.push_back(fmt::format("glibc before 2.26 keeps {} search domains in {} characters; {} not searched",
                                    kGlibcLegacyLimit.max_domains, kGlibcLegacyLimit.max_chars,
                                    fmt::join(lim.dropped, ", ")));
      c.search = lim.kept;
      c.ignored_search = lim.dropped;
    }
  }
  c.ndots = r.ndots();
  c.timeout = r.timeout();
  c.attempts = r.attempts();
  c.rotate = r.option("rotate") != nullptr;
  c.edns0 = r.option("edns0") != nullptr;
  c.no_tld_query = r.option("no-tld-query") != nullptr;
  c.use_vc = r.option("use-vc") != nullptr;
  c.single_request = r.option("single-request") != nullptr;
  c.single_request_reopen = r.option("single-request-reopen") != nullptr;
  for (const auto& a : r.anomalies) c.notes.push_back(fmt::format("line {}: {} ({})", a.line, a.name, a.text));
  return c;
}

std::string join_name(std::string_view name, std::string_view domain) {
  std::string n(name);
  if (!domain.empty()) {
    n += '.';
    n += domain;
  }
  if (n.empty() || n.back() != '.') n += '.';
  return n;
}

}  // namespace

std::string_view to_string(Libc l) {
  switch (l) {
    case Libc::Glibc:
      return "glibc";
    case Libc::GlibcLegacy:
      return "glibc < 2.26";
    case Libc::Musl:
      return "musl";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Answer:
      return "answer";
    case Outcome::NxDomain:
      return "NXDOMAIN";
    case Outcome::NoData:
      return "NODATA";
    case Outcome::ServFail:
      return "SERVFAIL";
    case Outcome::Refused:
      return "REFUSED";
    case Outcome::Timeout:
      return "timeout";
  }
  return "?";
}

size_t count_dots(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
}

size_t joined_length(const std::vector<std::string>& search) {
  size_t n = 0;
  for (const auto& s : search) n += s.size();
  return search.empty() ? 0 : n + search.size() - 1;
}

LimitResult apply_limit(const std::vector<std::string>& search, const SearchLimit& limit) {
  LimitResult r;
  switch (limit.overflow) {
    case Overflow::IgnoreLine:
      if (limit.max_chars && joined_length(search) > limit.max_chars)
        r.dropped = search;
      else
        r.kept = search;
      return r;
    case Overflow::CutText: {
      std::string text;
      for (size_t i = 0; i < search.size(); ++i) text += (i ? " " : "") + search[i];
      if (limit.max_chars && text.size() > limit.max_chars) text.resize(limit.max_chars);
      std::vector<std::string> words = words_of(text);
      for (size_t i = 0; i < words.size() && (!limit.max_domains || i < limit.max_domains); ++i)
        r.kept.push_back(words[i]);
      for (const auto& s : search)
        if (std::find(r.kept.begin(), r.kept.end(), s) == r.kept.end()) r.dropped.push_back(s);
      return r;
    }
    case Overflow::DropFromEnd: {
      // As the kubelet's formDNSSearchFitsLimits: the count first, then names longer than a DNS
      // name can be, then whole domains from the end until the joined line fits.
      std::vector<std::string> list = search;
      if (limit.max_domains && list.size() > limit.max_domains) {
        r.dropped.assign(list.begin() + static_cast<long>(limit.max_domains), list.end());
        list.resize(limit.max_domains);
      }
      for (const auto& s : list)
        if (s.size() > 253)
          r.dropped.push_back(s);
        else
          r.kept.push_back(s);
      while (limit.max_chars && joined_length(r.kept) > limit.max_chars) {
        r.dropped.insert(r.dropped.begin(), r.kept.back());
        r.kept.pop_back();
      }
      return r;
    }
  }
  return r;
}

ResolverConf read_resolver_conf(std::string_view text, Libc libc) {
  if (libc == Libc::Musl) return read_musl(text);
  return read_glibc(text, libc == Libc::GlibcLegacy);
}

std::vector<Candidate> query_order(std::string_view name, const ResolverConf& conf, Libc libc) {
  std::vector<Candidate> out;
  if (name.empty() || name == ".") return out;
  const bool trailing = name.back() == '.';
  std::string_view bare = trailing ? name.substr(0, name.size() - 1) : name;
  const size_t dots = count_dots(name);
  const size_t ndots = static_cast<size_t>(std::max(conf.ndots, 0));

  if (libc == Libc::Musl) {
    if (!trailing && dots < ndots)
      for (size_t i = 0; i < conf.search.size(); ++i) {
        const std::string& d = conf.search[i];
        if (d == "." || bare.size() + 1 + d.size() > kMaxName) continue;  // no query can be built: next domain
        out.push_back({join_name(bare, d), static_cast<int>(i)});
      }
    out.push_back({join_name(bare, ""), -1});
    return out;
  }

  // glibc __res_context_search.
  bool tried_as_is = false, root_on_list = false, searched = false;
  if (dots >= ndots || trailing) {
    out.push_back({join_name(bare, ""), -1});
    if (trailing) return out;
    tried_as_is = true;
  }
  // RES_DEFNAMES and RES_DNSRCH are on by default: search for any name without a trailing dot.
  for (size_t i = 0; i < conf.search.size(); ++i) {
    std::string_view d = conf.search[i];
    searched = true;
    if (!d.empty() && d.front() == '.') d.remove_prefix(1);
    if (d.empty()) root_on_list = true;
    // No query can be built: res_mkquery fails, h_errno NO_RECOVERY, and that ends the search.
    if (bare.size() + (d.empty() ? 0 : 1 + d.size()) > kMaxName) break;
    out.push_back({join_name(bare, d), static_cast<int>(i)});
  }
  if ((dots > 0 || !searched || !conf.no_tld_query) && !(tried_as_is || root_on_list))
    out.push_back({join_name(bare, ""), -1});
  return out;
}

bool search_continues(Libc libc, Outcome o) {
  switch (o) {
    case Outcome::Answer:
      return false;
    case Outcome::NxDomain:
      return true;
    case Outcome::NoData:
    case Outcome::ServFail:
      return libc != Libc::Musl;
    case Outcome::Refused:
    case Outcome::Timeout:
      return false;
  }
  return false;
}

Resolution resolve(std::string_view name, const ResolverConf& conf, Libc libc,
                   const std::function<Outcome(const std::string& fqdn)>& oracle) {
  Resolution r;
  auto cands = query_order(name, conf, libc);
  const bool as_is_first = libc != Libc::Musl && !cands.empty() && cands.front().search_index == -1 && cands.size() > 1;
  for (size_t i = 0; i < cands.size(); ++i) {
    Outcome o = oracle(cands[i].fqdn);
    r.steps.push_back({cands[i], o});
    if (o == Outcome::Answer) {
      r.answered = i;
      return r;
    }
    // glibc goes on to the search list whatever the first as-is query got.
    if (i == 0 && as_is_first) continue;
    if (!search_continues(libc, o)) {
      r.stopped_early = i + 1 < cands.size();
      return r;
    }
  }
  return r;
}

std::vector<Try> send_schedule(const ResolverConf& conf, Libc libc, unsigned query_index) {
  std::vector<Try> out;
  const size_t n = conf.nameservers.size();
  if (n == 0) return out;
  const int attempts = std::max(conf.attempts, 1);
  const int timeout = std::max(conf.timeout, 0);
  if (libc == Libc::Musl) {
    // All nameservers at once; the round is resent every timeout/attempts until timeout has passed.
    int interval = timeout * 1000 / attempts;
    for (int a = 0; a < attempts; ++a)
      for (size_t s = 0; s < n; ++s) out.push_back({s, s + 1 == n ? interval : 0});
    return out;
  }
  const size_t offset = conf.rotate ? query_index % n : 0;
  for (int a = 0; a < attempts; ++a)
    for (size_t shift = 0; shift < n; ++shift) {
      size_t ns = (shift + offset) % n;
      int seconds = timeout << ns;
      if (ns > 0) seconds /= static_cast<int>(n);
      if (seconds <= 0) seconds = 1;
      out.push_back({ns, seconds * 1000});
    }
  return out;
}

int worst_case_ms(const ResolverConf& conf, Libc libc) {
  int total = 0;
  for (const Try& t : send_schedule(conf, libc)) total += t.wait_ms;
  return total;
}

}  // namespace nd::dns
