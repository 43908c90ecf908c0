#include "probe/dns.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "probe/target.h"

namespace nd::probe {
namespace {

using Clock = std::chrono::steady_clock;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool in_cluster_domain(const std::string& fqdn, const std::string& domain) {
  std::string d = "." + domain + ".";
  return ends_with(fqdn, d) || fqdn == domain + ".";
}

std::string result_of(dns::Outcome o) {
  switch (o) {
    case dns::Outcome::Answer:
      return "answered";
    case dns::Outcome::NxDomain:
    case dns::Outcome::NoData:
      return "nxdomain";
    case dns::Outcome::ServFail:
      return "servfail";
    case dns::Outcome::Refused:
      return "refused";
    case dns::Outcome::Timeout:
      return "timeout";
  }
  return "timeout";
}

}  // namespace

ProbeResult probe_dns(const DnsProbeOptions& o, const QueryFn& send) {
  ProbeResult r;
  r.probe = "dns";
  r.target = o.name;
  r.from = o.from;
  const std::string type = qtype_name(o.qtype);

  dns::ResolverConf conf = dns::read_resolver_conf(o.resolv_conf_text, o.libc);
  if (!o.servers.empty()) conf.nameservers = o.servers;
  if (o.attempts > 0) conf.attempts = o.attempts;
  std::string name = o.name;
  if (o.qtype == 12) {
    std::string rev = reverse_name(o.name);
    if (!rev.empty()) name = rev;  // PTR of an address: its reverse name, as an absolute name
  }

  auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(); };
  unsigned query_index = 0;
  bool cut_short = false;
  std::vector<std::string> answers;
  std::string answered_by;

  auto oracle = [&](const std::string& fqdn) -> dns::Outcome {
    std::optional<dns::Outcome> failure;  // SERVFAIL/REFUSED seen: the libc went on to the next server
    for (const dns::Try& t : dns::send_schedule(conf, o.libc, query_index++)) {
      int wait = o.timeout_ms > 0 ? o.timeout_ms : t.wait_ms;
      int64_t left = o.max_total_ms - elapsed();
      if (left <= 0) {
        cut_short = true;
        break;
      }
      wait = static_cast<int>(std::min<int64_t>(wait, left));
      const std::string& server = conf.nameservers[t.server];
      QueryReply q = send(fqdn, server, o.qtype, wait);
      r.queries.push_back({fqdn, server, type, q.rcode, q.time_ms, q.answers});
      switch (q.outcome) {
        case dns::Outcome::Answer:
          answers = q.answers;
          answered_by = server;
          return q.outcome;
        case dns::Outcome::NxDomain:
        case dns::Outcome::NoData:
          return q.outcome;
        case dns::Outcome::ServFail:
        case dns::Outcome::Refused:
          failure = q.outcome;
          break;
        case dns::Outcome::Timeout:
          break;
      }
    }
    return failure.value_or(dns::Outcome::Timeout);
  };
  dns::Resolution res = dns::resolve(name, conf, o.libc, oracle);
  r.time_ms = elapsed();

  if (res.answered) {
    r.result = "answered";
    r.ok = true;
    r.answers = answers;
  } else if (res.steps.empty()) {
    r.result = "nxdomain";
  } else {
    dns::Outcome last = res.steps.back().outcome;
    r.result = result_of(last);
    // An earlier SERVFAIL decides when the walk then ends in NXDOMAIN (glibc: TRY_AGAIN).
    if (r.result == "nxdomain")
      for (const auto& s : res.steps)
        if (s.outcome == dns::Outcome::ServFail) r.result = "servfail";
  }
  if (!conf.nameservers.empty()) {
    SockAddr to;
    auto hp = parse_host_port(conf.nameservers.front());
    auto a = resolve_host(hp ? hp->host : conf.nameservers.front(), 53);
    if (a) r.source = route_source(*a);
  }

  // ---- the detail line ----
  size_t misses_before = 0;
  for (size_t i = 0; res.answered && i < *res.answered; ++i) ++misses_before;
  if (res.answered)
    r.detail = fmt::format("{} answered {} for {}{}: {}", answered_by, type, res.steps[*res.answered].candidate.fqdn,
                           misses_before ? fmt::format(" after {} name{} without an answer", misses_before,
                                                       misses_before > 1 ? "s" : "")
                                         : "",
                           fmt::join(answers, ", "));
  else
    r.detail = fmt::format("no answer: {} name{} tried, {} quer{} sent, last {}", res.steps.size(),
                           res.steps.size() == 1 ? "" : "s", r.queries.size(), r.queries.size() == 1 ? "y" : "ies",
                           r.queries.empty() ? "none" : r.queries.back().rcode);

  // ---- what it means ----
  if (res.steps.size() > 1 || (!res.steps.empty() && res.steps.front().candidate.search_index >= 0))
    r.explain.push_back(fmt::format(
        "'{}' has {} dot{} and this resolv.conf says ndots:{}, so {} tried {}: {}.", o.name, dns::count_dots(name),
        dns::count_dots(name) == 1 ? "" : "s", conf.ndots, dns::to_string(o.libc),
        dns::count_dots(name) >= static_cast<size_t>(conf.ndots) ? "the name as written first, then the search list"
                                                                 : "the search list first",
        fmt::join([&] {
          std::vector<std::string> v;
          for (const auto& s : res.steps) v.push_back(s.candidate.fqdn);
          return v;
        }(), ", ")));
  if (res.answered && misses_before > 0)
    r.explain.push_back(fmt::format(
        "An NXDOMAIN walk: {} name{} got no answer before {} did, each a round trip (twice with A and AAAA). "
        "Write the name fully qualified with a trailing dot ('{}') or lower ndots in the pod's dnsConfig (P10).",
        misses_before, misses_before > 1 ? "s" : "", res.steps[*res.answered].candidate.fqdn,
        res.steps[*res.answered].candidate.fqdn));

  // Silent servers, one sentence each.
  std::map<std::string, std::pair<int, int64_t>> silent;  // server -> (count, waited)
  std::vector<std::string> order;
  for (const auto& q : r.queries)
    if (q.rcode == "timeout" || q.rcode == "port-unreachable") {
      if (!silent.count(q.server)) order.push_back(q.server);
      silent[q.server].first++;
      silent[q.server].second += q.time_ms;
    }
  for (const auto& s : order)
    r.explain.push_back(fmt::format(
        "Server {} did not answer {} quer{} ({} ms spent waiting){}: the application pays this wait on every "
        "lookup while that server is down.",
        s, silent[s].first, silent[s].first == 1 ? "y" : "ies", silent[s].second,
        std::any_of(r.queries.begin(), r.queries.end(),
                    [&](const DnsQuery& q) { return q.server == s && q.rcode == "port-unreachable"; })
            ? " (nothing listens on its port: ICMP port unreachable)"
            : ""));
  const bool any_reply = std::any_of(r.queries.begin(), r.queries.end(), [](const DnsQuery& q) {
    return q.rcode != "timeout" && q.rcode != "port-unreachable";
  });
  if (!res.answered && r.result == "timeout")
    r.explain.push_back(fmt::format(
        "{} With this resolv.conf a lookup that gets no answer takes up to {} ms per "
        "name (timeout {} s, attempts {}, {} server{}). For the cluster DNS: is CoreDNS running and are the "
        "kube-dns Service's endpoints ready, is UDP 53 allowed from here (P10.1, coredns-unhealthy)?",
        any_reply ? "The servers answered the first names but not the last one in time, and a timeout ends the "
                    "search."
                  : "No nameserver answered.",
        dns::worst_case_ms(conf, o.libc), conf.timeout, conf.attempts, conf.nameservers.size(),
        conf.nameservers.size() == 1 ? "" : "s"));
  if (r.result == "refused")
    r.explain.push_back("The server refused the query: it does not serve this client (an ACL on source addresses) "
                        "or does not recurse for it.");
  if (r.result == "servfail")
    r.explain.push_back("The server failed to resolve the name: it could not get an answer from the servers it "
                        "forwards to, or their answer was broken.");
  if (r.result == "nxdomain") {
    bool short_name = dns::count_dots(o.name) == 0 && o.name.back() != '.';
    if (short_name || in_cluster_domain(name, o.cluster_domain) || dns::count_dots(o.name) == 1)
      r.explain.push_back(fmt::format(
          "No name exists. A short Service name resolves only in the pod's own namespace (the first search "
          "domain); a Service in another namespace needs NAME.NAMESPACE or its full name "
          "NAME.NAMESPACE.svc.{} (P10.2).",
          o.cluster_domain));
    else
      r.explain.push_back("No name exists: every name tried got NXDOMAIN (or no record of this type).");
  }

  // An outside name fails: does the same server answer cluster names? Then its upstream is at fault.
  const bool outside = !in_cluster_domain(res.steps.empty() ? name : res.steps.back().candidate.fqdn, o.cluster_domain);
  if (!res.answered && o.control && outside && !conf.nameservers.empty() &&
      (r.result == "servfail" || r.result == "timeout" || r.result == "refused")) {
    std::string control = "kubernetes.default.svc." + o.cluster_domain + ".";
    const std::string& server = conf.nameservers.front();
    QueryReply q = send(control, server, 1, std::min(2000, o.timeout_ms > 0 ? o.timeout_ms : 2000));
    r.queries.push_back({control, server, "A", q.rcode, q.time_ms, q.answers});
    if (q.outcome == dns::Outcome::Answer || q.outcome == dns::Outcome::NxDomain ||
        q.outcome == dns::Outcome::NoData)
      r.explain.push_back(fmt::format(
          "{} answers cluster names ({} got {}) but not '{}': the DNS server itself works, the servers it "
          "forwards outside names to do not. Check CoreDNS's forward target (forward . /etc/resolv.conf uses "
          "the node's resolv.conf: a loopback address there loops, P7) and that upstream from the node (P10.1).",
          server, control, q.rcode, o.name));
    else
      r.explain.push_back(fmt::format("{} does not answer cluster names either ({} got {}): the DNS server "
                                      "itself is the problem, not its upstream (P10.1).",
                                      server, control, q.rcode));
  }
  if (cut_short)
    r.explain.push_back(fmt::format("The probe stopped at --max-time {} ms before the resolver would have given up.",
                                    o.max_total_ms));
  if (o.libc == dns::Libc::Musl)
    r.explain.push_back("musl sends to all nameservers at once; the probe asks them one after another.");
  for (const auto& n : conf.notes) r.explain.push_back(o.resolv_conf_label + ": " + n);
  return r;
}

}  // namespace nd::probe
