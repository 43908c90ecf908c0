// The stub resolver of a pod, as its C library reads /etc/resolv.conf and turns one name into the
// queries it sends: search-list expansion, ndots, absolute names, the order of candidates, when the
// search stops, and how long a query waits on silent nameservers. glibc is the reference (resolv.conf(5),
// resolv/res_query.c __res_context_search, res_send.c send_dg); musl differs on purpose and is modelled
// beside it (src/network/resolvconf.c, lookup_name.c). Probe and trace share this model.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nd::dns {

enum class Libc {
  Glibc,        // glibc 2.26 and later: any number of search domains
  GlibcLegacy,  // glibc up to 2.25 (MAXDNSRCH): 6 search domains, 256 characters
  Musl,         // Alpine and other musl images
};
std::string_view to_string(Libc l);

// The configuration one libc builds from a resolv.conf text.
struct ResolverConf {
  std::vector<std::string> nameservers;          // those used, in file order (at most 3)
  std::vector<std::string> ignored_nameservers;  // beyond the third
  std::vector<std::string> search;               // the search list in use, in order
  std::vector<std::string> ignored_search;       // listed but dropped by the libc's limits
  int ndots = 1, timeout = 5, attempts = 2;
  bool rotate = false, edns0 = false, no_tld_query = false, use_vc = false;
  bool single_request = false, single_request_reopen = false;
  // What the libc did that a reader of the file would not expect, one sentence each.
  std::vector<std::string> notes;
};

// Never fails: like the libc, unreadable parts are skipped (and told in notes).
ResolverConf read_resolver_conf(std::string_view text, Libc libc = Libc::Glibc);

// One name the resolver asks for, in order.
struct Candidate {
  std::string fqdn;       // absolute, with the trailing dot
  int search_index = -1;  // which search domain made it; -1 = the name as written
};

// The names tried for `name`, in the order the libc tries them (each one for A and AAAA).
//  glibc: a trailing dot means only the name itself; with dots >= ndots the name itself first, then
//         the search list; with fewer dots the search list first, then the name itself (skipped for a
//         single label under no-tld-query, and when "." is on the search list).
//  musl:  a trailing dot or dots >= ndots means only the name itself (never searched); otherwise the
//         search list, then the name itself.
std::vector<Candidate> query_order(std::string_view name, const ResolverConf& conf, Libc libc = Libc::Glibc);

// What one candidate got back.
enum class Outcome { Answer, NxDomain, NoData, ServFail, Refused, Timeout };
std::string_view to_string(Outcome o);

// Whether the libc goes on to the next candidate after this outcome. glibc goes on after NXDOMAIN,
// NODATA and SERVFAIL and stops on a timeout; musl goes on only after NXDOMAIN.
bool search_continues(Libc libc, Outcome o);

struct Step {
  Candidate candidate;
  Outcome outcome;
};
struct Resolution {
  std::vector<Step> steps;         // the queries actually sent, in order
  std::optional<size_t> answered;  // index into steps of the one that answered
  bool stopped_early = false;      // the search ended before the last candidate (timeout, SERVFAIL on musl)
};

// Resolves `name` against an oracle that says what each absolute name would get.
Resolution resolve(std::string_view name, const ResolverConf& conf, Libc libc,
                   const std::function<Outcome(const std::string& fqdn)>& oracle);

// One UDP send: which nameserver and how long the resolver waits for it.
struct Try {
  size_t server = 0;  // index into conf.nameservers
  int wait_ms = 0;
};
// glibc: attempts rounds over the nameservers; nameserver i waits timeout when i == 0, else
// (timeout << i) / count seconds (at least 1); rotate starts each query at the next server.
// musl: every round sends to all nameservers at once and waits timeout / attempts.
// query_index picks the rotate start (the process's query counter); it matters only with rotate.
std::vector<Try> send_schedule(const ResolverConf& conf, Libc libc, unsigned query_index = 0);
// Time one query (one candidate, A and AAAA sent together) takes when no nameserver answers.
int worst_case_ms(const ResolverConf& conf, Libc libc);

// A limit on the search list: a count of domains and a length of the joined list (0 = none), and
// what happens to the excess.
enum class Overflow {
  DropFromEnd,  // the kubelet: whole domains are dropped from the end until both limits hold
  CutText,      // glibc before 2.26: the list text is cut at max_chars (a domain may be cut in two)
  IgnoreLine,   // musl: a longer line is ignored whole, so the pod has no search list at all
};
struct SearchLimit {
  std::string_view who;
  size_t max_domains = 0;
  size_t max_chars = 0;
  Overflow overflow = Overflow::DropFromEnd;
};
inline constexpr SearchLimit kKubeletLegacyLimit{"the kubelet before 1.26 (ExpandedDNSConfig off)", 6, 256,
                                                 Overflow::DropFromEnd};
inline constexpr SearchLimit kKubeletExpandedLimit{"the kubelet since 1.26 (ExpandedDNSConfig)", 32, 2048,
                                                   Overflow::DropFromEnd};
// res_init copied the list into defdname[256] and pointed at most MAXDNSRCH (6) domains into it.
inline constexpr SearchLimit kGlibcLegacyLimit{"glibc before 2.26", 6, 255, Overflow::CutText};
// musl reads lines of at most 254 characters; "search " takes 7 of them.
inline constexpr SearchLimit kMuslLineLimit{"musl", 0, 247, Overflow::IgnoreLine};

struct LimitResult {
  std::vector<std::string> kept;     // the list in use afterwards (a cut domain appears cut)
  std::vector<std::string> dropped;  // listed domains that are no longer (whole) on it
  bool exceeded() const { return !dropped.empty(); }
};
LimitResult apply_limit(const std::vector<std::string>& search, const SearchLimit& limit);
size_t joined_length(const std::vector<std::string>& search);  // with one space between domains

// Counts the dots of a name, ignoring a trailing one.
size_t count_dots(std::string_view name);

}  // namespace nd::dns
