// The stub resolver model, pinned rule by rule to glibc (resolv.conf(5), res_query.c, res_send.c) and
// musl (resolvconf.c, lookup_name.c).
#include "dns/resolver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace nd::dns;

namespace {

const char* kPodFile =
    "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
    "nameserver 10.96.0.10\n"
    "options ndots:5\n";

std::vector<std::string> names(const std::vector<Candidate>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.fqdn);
  return out;
}

std::vector<std::string> search_n(size_t n, size_t len = 10) {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) {
    std::string d = "d" + std::to_string(i) + ".";
    d += std::string(len > d.size() + 3 ? len - d.size() - 3 : 1, 'x') + ".ex";
    v.push_back(d);
  }
  return v;
}

}  // namespace

TEST(Resolver, ShortNameTriesSearchListThenItself) {
  ResolverConf c = read_resolver_conf(kPodFile);
  EXPECT_EQ(c.ndots, 5);
  EXPECT_EQ(names(query_order("redis", c)),
            (std::vector<std::string>{"redis.shop.svc.cluster.local.", "redis.svc.cluster.local.",
                                      "redis.cluster.local.", "redis.corp.example.", "redis."}));
  auto first = query_order("redis", c);
  EXPECT_EQ(first[0].search_index, 0);
  EXPECT_EQ(first.back().search_index, -1);
}

TEST(Resolver, FewerDotsThanNdotsSearchesFirst) {
  ResolverConf c = read_resolver_conf(kPodFile);
  auto q = names(query_order("www.example.org", c));
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q.front(), "www.example.org.shop.svc.cluster.local.");
  EXPECT_EQ(q.back(), "www.example.org.");
}

TEST(Resolver, EnoughDotsTriesItselfFirstThenSearchesWithoutRetry) {
  ResolverConf c = read_resolver_conf("search a.example b.example\nnameserver 10.0.0.2\noptions ndots:2\n");
  EXPECT_EQ(names(query_order("www.example.org", c)),
            (std::vector<std::string>{"www.example.org.", "www.example.org.a.example.", "www.example.org.b.example."}));
  // With the default ndots:1 a single dot is enough.
  ResolverConf d = read_resolver_conf("search a.example\nnameserver 10.0.0.2\n");
  EXPECT_EQ(d.ndots, 1);
  EXPECT_EQ(names(query_order("redis.cache", d)), (std::vector<std::string>{"redis.cache.", "redis.cache.a.example."}));
}

TEST(Resolver, TrailingDotIsAbsolute) {
  ResolverConf c = read_resolver_conf(kPodFile);
  EXPECT_EQ(names(query_order("redis.", c)), std::vector<std::string>{"redis."});
  EXPECT_EQ(names(query_order("redis.", c, Libc::Musl)), std::vector<std::string>{"redis."});
}

TEST(Resolver, NoTldQuerySkipsTheBareSingleLabel) {
  ResolverConf c = read_resolver_conf("search a.example\nnameserver 10.0.0.2\noptions no-tld-query\n");
  EXPECT_TRUE(c.no_tld_query);
  EXPECT_EQ(names(query_order("redis", c)), std::vector<std::string>{"redis.a.example."});
  // A name with a dot is still tried as written at the end.
  ResolverConf d = read_resolver_conf("search a.example\nnameserver 10.0.0.2\noptions no-tld-query ndots:3\n");
  EXPECT_EQ(names(query_order("redis.cache", d)), (std::vector<std::string>{"redis.cache.a.example.", "redis.cache."}));
}

TEST(Resolver, RootOnTheSearchListIsTheNameItselfInItsPlace) {
  ResolverConf c = read_resolver_conf("search . a.example\nnameserver 127.0.0.53\n");
  EXPECT_EQ(names(query_order("host", c)), (std::vector<std::string>{"host.", "host.a.example."}));
}

TEST(Resolver, DomainKeywordIsOneDomainAndLastLineWins) {
  ResolverConf c = read_resolver_conf("search a.example b.example\ndomain c.example d.example\nnameserver 10.0.0.2\n");
  EXPECT_EQ(c.search, std::vector<std::string>{"c.example"});
  ResolverConf m =
      read_resolver_conf("search a.example b.example\ndomain c.example d.example\nnameserver 10.0.0.2\n", Libc::Musl);
  EXPECT_EQ(m.search, (std::vector<std::string>{"c.example", "d.example"}));  // musl keeps every word
}

TEST(Resolver, OptionsAreCappedLikeGlibc) {
  ResolverConf c = read_resolver_conf("nameserver 10.0.0.2\noptions ndots:20 timeout:99 attempts:9 rotate edns0\n");
  EXPECT_EQ(c.ndots, 15);
  EXPECT_EQ(c.timeout, 30);
  EXPECT_EQ(c.attempts, 5);
  EXPECT_TRUE(c.rotate);
  EXPECT_TRUE(c.edns0);
  ResolverConf m = read_resolver_conf("nameserver 10.0.0.2\noptions ndots:20 timeout:99 attempts:12\n", Libc::Musl);
  EXPECT_EQ(m.ndots, 15);
  EXPECT_EQ(m.timeout, 60);
  EXPECT_EQ(m.attempts, 10);
}

TEST(Resolver, OnlyThreeNameserversAndLoopbackWhenNone) {
  ResolverConf c =
      read_resolver_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n");
  EXPECT_EQ(c.nameservers.size(), 3u);
  EXPECT_EQ(c.ignored_nameservers, std::vector<std::string>{"10.0.0.4"});
  ResolverConf none = read_resolver_conf("search a.example\n");
  EXPECT_EQ(none.nameservers, std::vector<std::string>{"127.0.0.1"});
  ResolverConf mnone = read_resolver_conf("search a.example\nnameserver not-an-ip\n", Libc::Musl);
  EXPECT_EQ(mnone.nameservers, std::vector<std::string>{"127.0.0.1"});
}

TEST(Resolver, MuslNeverSearchesNamesWithEnoughDots) {
  ResolverConf c = read_resolver_conf(kPodFile, Libc::Musl);
  EXPECT_EQ(names(query_order("a.b.c.d.e.f", c, Libc::Musl)), std::vector<std::string>{"a.b.c.d.e.f."});
  EXPECT_EQ(query_order("a.b.c.d.e.f", c, Libc::Glibc).size(), 5u);  // glibc: itself first, then the list
  EXPECT_EQ(query_order("redis", c, Libc::Musl).size(), 5u);
  EXPECT_EQ(query_order("redis", c, Libc::Musl).back().fqdn, "redis.");
}

TEST(Resolver, MuslIgnoresASearchLineLongerThanItsBuffer) {
  std::string line = "search";
  for (const auto& d : search_n(12, 24)) line += " " + d;
  ASSERT_GT(line.size(), 254u);
  ResolverConf m = read_resolver_conf(line + "\nnameserver 10.96.0.10\noptions ndots:5\n", Libc::Musl);
  EXPECT_TRUE(m.search.empty());
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes.front().find("ignored whole"), std::string::npos);
  EXPECT_EQ(m.ndots, 5);  // the other lines still count
  ResolverConf g = read_resolver_conf(line + "\nnameserver 10.96.0.10\n");
  EXPECT_EQ(g.search.size(), 12u);  // glibc 2.26+ takes them all
}

TEST(Resolver, LegacyGlibcKeepsSixDomainsIn255Characters) {
  std::string text = "search";
  for (const auto& d : search_n(8)) text += " " + d;
  ResolverConf g = read_resolver_conf(text + "\nnameserver 10.0.0.2\n", Libc::GlibcLegacy);
  EXPECT_EQ(g.search.size(), 6u);
  EXPECT_EQ(g.ignored_search.size(), 2u);
  // A long list is cut mid-domain at 255 characters.
  std::vector<std::string> longd = search_n(4, 80);
  LimitResult r = apply_limit(longd, kGlibcLegacyLimit);
  ASSERT_EQ(r.kept.size(), 4u);
  EXPECT_LT(r.kept[3].size(), longd[3].size());
  EXPECT_EQ(r.dropped, std::vector<std::string>{longd[3]});
}

TEST(Resolver, KubeletLimitsDropWholeDomainsFromTheEnd) {
  auto many = search_n(33);
  LimitResult a = apply_limit(many, kKubeletExpandedLimit);
  EXPECT_EQ(a.kept.size(), 32u);
  EXPECT_EQ(a.dropped, std::vector<std::string>{many.back()});
  LimitResult b = apply_limit(search_n(7), kKubeletLegacyLimit);
  EXPECT_EQ(b.kept.size(), 6u);
  auto wide = search_n(10, 250);  // 10 * 250 + 9 > 2048
  LimitResult w = apply_limit(wide, kKubeletExpandedLimit);
  EXPECT_LE(joined_length(w.kept), 2048u);
  EXPECT_EQ(w.kept.size(), 8u);
  EXPECT_EQ(w.dropped.size(), 2u);
  EXPECT_FALSE(apply_limit(search_n(3), kKubeletExpandedLimit).exceeded());
}

TEST(Resolver, GlibcGoesOnAfterNxdomainAndServfailButStopsOnTimeout) {
  ResolverConf c = read_resolver_conf(kPodFile);
  auto r = resolve("redis", c, Libc::Glibc, [](const std::string& n) {
    return n == "redis.svc.cluster.local." ? Outcome::ServFail
           : n == "redis.cluster.local."   ? Outcome::Timeout
                                           : Outcome::NxDomain;
  });
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_FALSE(r.answered);
  EXPECT_TRUE(r.stopped_early);
  auto ok = resolve("redis", c, Libc::Glibc, [](const std::string& n) {
    return n == "redis.corp.example." ? Outcome::Answer : Outcome::NxDomain;
  });
  ASSERT_TRUE(ok.answered);
  EXPECT_EQ(ok.steps[*ok.answered].candidate.fqdn, "redis.corp.example.");
}

TEST(Resolver, MuslStopsAtTheFirstNodataOrServfail) {
  ResolverConf c = read_resolver_conf(kPodFile, Libc::Musl);
  auto r = resolve("redis", c, Libc::Musl, [](const std::string& n) {
    return n == "redis.svc.cluster.local." ? Outcome::NoData : Outcome::NxDomain;
  });
  EXPECT_EQ(r.steps.size(), 2u);
  EXPECT_TRUE(r.stopped_early);
  auto g = resolve("redis", read_resolver_conf(kPodFile), Libc::Glibc, [](const std::string& n) {
    return n == "redis.svc.cluster.local." ? Outcome::NoData : Outcome::NxDomain;
  });
  EXPECT_EQ(g.steps.size(), 5u);  // glibc keeps searching
}

TEST(Resolver, GlibcSearchesAfterAFailedFirstTryOfTheNameItself) {
  ResolverConf c = read_resolver_conf("search a.example\nnameserver 10.0.0.2\noptions ndots:1\n");
  auto r = resolve("db.internal", c, Libc::Glibc,
                   [](const std::string& n) { return n == "db.internal." ? Outcome::Timeout : Outcome::Answer; });
  ASSERT_TRUE(r.answered);
  EXPECT_EQ(r.steps.size(), 2u);
}

TEST(Resolver, TooLongCandidateEndsTheGlibcSearchAndIsSkippedByMusl) {
  const std::string name = "a-rather-long-service-name-xyz";  // 30 characters
  std::string longd(222, 'a');
  longd += ".example";  // 230: name + "." + domain is 261, beyond the 253 a query can carry
  const std::string text = "search " + longd + " b.example\nnameserver 10.0.0.2\noptions ndots:5\n";
  EXPECT_EQ(names(query_order(name, read_resolver_conf(text))), std::vector<std::string>{name + "."});
  EXPECT_EQ(names(query_order(name, read_resolver_conf(text, Libc::Musl), Libc::Musl)),
            (std::vector<std::string>{name + ".b.example.", name + "."}));
}

TEST(Resolver, GlibcWaitsLongerOnLaterNameservers) {
  ResolverConf one = read_resolver_conf("nameserver 10.0.0.1\n");
  EXPECT_EQ(worst_case_ms(one, Libc::Glibc), 10000);  // 5 s x 2 attempts
  ResolverConf two = read_resolver_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\n");
  auto s2 = send_schedule(two, Libc::Glibc);
  ASSERT_EQ(s2.size(), 4u);
  EXPECT_EQ(s2[0].wait_ms, 5000);
  EXPECT_EQ(s2[1].wait_ms, 5000);  // (5 << 1) / 2
  ResolverConf three = read_resolver_conf(
      "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n"
      "options timeout:1 attempts:1\n");
  auto s3 = send_schedule(three, Libc::Glibc);
  ASSERT_EQ(s3.size(), 3u);
  EXPECT_EQ(s3[1].wait_ms, 1000);  // (1 << 1) / 3 = 0, at least 1 s
  EXPECT_EQ(s3[2].wait_ms, 1000);  // (1 << 2) / 3 = 1
  ResolverConf m = read_resolver_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions timeout:3\n", Libc::Musl);
  EXPECT_EQ(worst_case_ms(m, Libc::Musl), 3000);  // musl asks all at once and gives up after timeout
}

TEST(Resolver, RotateStartsEachQueryAtTheNextNameserver) {
  ResolverConf c = read_resolver_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions rotate attempts:1\n");
  EXPECT_EQ(send_schedule(c, Libc::Glibc, 0).front().server, 0u);
  EXPECT_EQ(send_schedule(c, Libc::Glibc, 1).front().server, 1u);
  ResolverConf n = read_resolver_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions attempts:1\n");
  EXPECT_EQ(send_schedule(n, Libc::Glibc, 1).front().server, 0u);
}

TEST(Resolver, CountDotsIgnoresTheTrailingDot) {
  EXPECT_EQ(count_dots("a.b.c."), 2u);
  EXPECT_EQ(count_dots("redis"), 0u);
  EXPECT_TRUE(query_order("", read_resolver_conf(kPodFile)).empty());
}
