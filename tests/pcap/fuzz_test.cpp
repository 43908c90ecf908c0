// Fuzz-style robustness: randomly mutated copies of every capture (fixed seed, bounded number of
// iterations) go through both readers. Whatever comes out - a report with anomalies, or an error
// naming the input - the analysis must not crash, hang or read out of bounds (run under
// -fsanitize=address,undefined to check the last). ND_FUZZ_ITERATIONS=N and ND_FUZZ_SEED=S
// change the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "builders.h"

using namespace ndt;

namespace {

std::string mutate(std::string s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int ops = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < ops && !s.empty(); ++k) {
    switch (rng() % 6) {
      case 0:  // flip bytes
        for (int i = 0; i < 1 + static_cast<int>(rng() % 8); ++i) s[pick(s.size())] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // cut the file
        s.resize(pick(s.size()) + 1);
        break;
      case 2: {  // an extreme 16/32-bit value somewhere (lengths, counts, offsets)
        static const uint32_t kValues[] = {0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 65535, 262145};
        uint32_t v = kValues[rng() % 8];
        size_t at = pick(s.size());
        for (int b = 0; b < 4 && at + b < s.size(); ++b) s[at + b] = static_cast<char>(v >> (8 * b));
        break;
      }
      case 3: {  // duplicate a chunk
        size_t at = pick(s.size()), len = std::min<size_t>(pick(64) + 1, s.size() - at);
        s.insert(pick(s.size()), s.substr(at, len));
        break;
      }
      case 4:  // drop a chunk
        s.erase(pick(s.size()), pick(32) + 1);
        break;
      default:  // zero a run
        {
          size_t at = pick(s.size());
          for (size_t i = at; i < std::min(s.size(), at + pick(16) + 1); ++i) s[i] = 0;
        }
        break;
    }
  }
  return s;
}

}  // namespace

TEST(Fuzz, MutatedCapturesNeverCrash) {
  std::vector<std::string> corpus;
  for (const char* dir : {"/tests/data/captures", "/tests/data/pcap"}) {
    for (const auto& e : std::filesystem::directory_iterator(source_dir() + dir)) {
      std::string p = e.path().string();
      if (p.ends_with(".pcap") || p.ends_with(".pcapng")) corpus.push_back(read_file(p));
    }
  }
  std::sort(corpus.begin(), corpus.end());  // the order must not depend on the directory listing
  ASSERT_GE(corpus.size(), 30u);

  // ND_FUZZ_ITERATIONS / ND_FUZZ_SEED make longer or different runs by hand; the default is fixed.
  const char* it_env = std::getenv("ND_FUZZ_ITERATIONS");
  const char* seed_env = std::getenv("ND_FUZZ_SEED");
  std::mt19937_64 rng(seed_env ? std::strtoull(seed_env, nullptr, 10) : 20240611);
  const int kIterationsPerFile = it_env ? std::atoi(it_env) : 400;
  size_t ok = 0, errors = 0, with_anomalies = 0;
  for (const std::string& original : corpus) {
    for (int i = 0; i < kIterationsPerFile; ++i) {
      std::string bytes = mutate(original, rng);
      nd::pcap::Options o;
      o.keep_flows = (i % 2) == 0;
      o.fast_read = (i % 3) != 0;
      auto r = nd::pcap::analyze_bytes(bytes, o, "fuzz");
      if (!r) {
        ++errors;
        EXPECT_NE(r.error().message.find("fuzz"), std::string::npos) << r.error().message;
        continue;
      }
      ++ok;
      with_anomalies += !r->anomalies.empty();
      // The report stays self-consistent whatever the input.
      EXPECT_LE(r->summary.captured_bytes, bytes.size());
      for (const auto& e : r->events) EXPECT_EQ(e.packets.size(), e.times_us.size());
      for (const auto& e : r->events) {
        for (uint64_t p : e.packets) EXPECT_LE(p, r->summary.packets);
      }
    }
  }
  // Most mutations leave a readable file with something wrong in it; some break the header.
  EXPECT_GT(ok, 0u);
  EXPECT_GT(with_anomalies, 0u);
  EXPECT_GT(errors, 0u);
}
