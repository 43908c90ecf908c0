// The large-snapshot benchmark (issue 2, "Speed"): ingest throughput and a whole diagnose run over a
// synthetic cluster (see generator.h). Targets: ingest >= 1 GB/s on one core, diagnose of the 150k-pod
// snapshot <= 5 s; run.sh adds peak memory (<= 2x the snapshot) from /usr/bin/time.
//
// Environment:
//   ND_BENCH_PODS      pods of the generated snapshot (default 150000; nodes and services scale with it)
//   ND_BENCH_SNAPSHOT  use this existing snapshot directory instead of generating one
//
// Besides the two figures, it times the stages that bound them, so a slow figure points at its cause:
// reading the files (page cache), a plain simdjson DOM parse of the same bytes (the parser's ceiling),
// detect_cni + run_checks on a loaded model, and each check on its own.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "core/cni.h"
#include "core/snapshot.h"
#include "engine/check.h"
#include "engine/runner.h"
#include "generator.h"

namespace fs = std::filesystem;

namespace {

struct Snapshot {
  std::string dir;
  bool generated = false;  // ours to delete at exit
  size_t bytes = 0;
  std::vector<std::string> json_files;
};

Snapshot* g_made = nullptr;  // set once snapshot() ran, so main deletes only what exists

Snapshot& snapshot() {
  static Snapshot s = [] {
    Snapshot snap;
    if (const char* dir = std::getenv("ND_BENCH_SNAPSHOT"); dir && *dir) {
      snap.dir = dir;
    } else {
      size_t pods = 150000;
      if (const char* p = std::getenv("ND_BENCH_PODS"); p && *p) pods = std::strtoull(p, nullptr, 10);
      const char* tmp = std::getenv("TMPDIR");
      std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/nd-bench-snapshot-XXXXXX";
      if (!mkdtemp(templ.data())) {
        std::perror("bench_snapshot: mkdtemp");
        std::exit(2);
      }
      snap.dir = templ;
      snap.generated = true;
      std::fprintf(stderr, "bench_snapshot: generating %zu pods into %s\n", pods, snap.dir.c_str());
      ndbench::GenOptions o;
      o.out = snap.dir;
      o.pods = pods;
      ndbench::GenStats st;
      std::string err = ndbench::generate_snapshot(o, st);
      if (!err.empty()) {
        std::fprintf(stderr, "bench_snapshot: %s\n", err.c_str());
        fs::remove_all(snap.dir);
        std::exit(2);
      }
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(snap.dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      snap.bytes += it->file_size();
      if (it->path().extension() == ".json") snap.json_files.push_back(it->path().string());
    }
    if (ec || snap.bytes == 0) {
      std::fprintf(stderr, "bench_snapshot: %s: no snapshot files (%s)\n", snap.dir.c_str(), ec.message().c_str());
      std::exit(2);
    }
    std::fprintf(stderr, "bench_snapshot: snapshot %s, %zu bytes in %zu JSON files\n", snap.dir.c_str(), snap.bytes,
                 snap.json_files.size());
    return snap;
  }();
  g_made = &s;
  return s;
}

// A model loaded once, for the benchmarks of the checks alone.
const nd::Cluster& loaded() {
  static std::unique_ptr<nd::Cluster> c = [] {
    auto r = nd::load_snapshot(snapshot().dir);
    if (!r.ok()) {
      std::fprintf(stderr, "bench_snapshot: %s\n", r.error().message.c_str());
      std::exit(2);
    }
    return std::make_unique<nd::Cluster>(std::move(*r));
  }();
  return *c;
}

void set_bytes(benchmark::State& state, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["snapshot_MB"] = static_cast<double>(bytes) / 1e6;
}

// Reading every file into memory: the I/O floor of ingest (the files are in the page cache after the
// first run).
void BM_ReadFiles(benchmark::State& state) {
  const Snapshot& s = snapshot();
  for (auto _ : state) {
    size_t total = 0;
    for (const auto& f : s.json_files) {
      simdjson::padded_string data;
      if (simdjson::padded_string::load(f).get(data) != simdjson::SUCCESS) state.SkipWithError("cannot read a file");
      total += data.size();
    }
    benchmark::DoNotOptimize(total);
  }
  set_bytes(state, s.bytes);
}

// simdjson's DOM parser over the same files: what a parser alone does with these bytes, without building
// the model. Ingest cannot beat it by much; it shows how far ingest is from the parser's own speed.
void BM_SimdjsonDomParse(benchmark::State& state) {
  const Snapshot& s = snapshot();
  std::vector<simdjson::padded_string> data;
  for (const auto& f : s.json_files) {
    simdjson::padded_string d;
    if (simdjson::padded_string::load(f).get(d) != simdjson::SUCCESS) {
      state.SkipWithError("cannot read a file");
      return;
    }
    data.push_back(std::move(d));
  }
  simdjson::dom::parser parser;
  for (auto _ : state) {
    for (const auto& d : data) {
      simdjson::dom::element root;
      if (parser.parse(d).get(root) != simdjson::SUCCESS) state.SkipWithError("simdjson rejected a file");
      benchmark::DoNotOptimize(root);
    }
  }
  set_bytes(state, s.bytes);
}

// Ingest: files -> parsed -> the cluster model (nd::load_snapshot), with the file reads included.
void BM_Ingest(benchmark::State& state) {
  const Snapshot& s = snapshot();
  size_t objects = 0;
  for (auto _ : state) {
    auto r = nd::load_snapshot(s.dir);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    objects = r->objects;
    state.PauseTiming();  // freeing the model is not ingest
    { auto drop = std::move(r); }
    state.ResumeTiming();
  }
  set_bytes(state, s.bytes);
  state.counters["objects"] = static_cast<double>(objects);
  state.counters["objects_per_s"] = benchmark::Counter(static_cast<double>(objects), benchmark::Counter::kIsIterationInvariantRate);
}

// The whole diagnose: load, detect the CNI, run every check (what `netdoctor diagnose` does before it
// renders the findings).
void BM_Diagnose(benchmark::State& state) {
  const Snapshot& s = snapshot();
  size_t findings = 0;
  for (auto _ : state) {
    auto r = nd::load_snapshot(s.dir);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    nd::CniInfo cni = nd::detect_cni(*r);
    nd::RunResult res = nd::run_checks(*r, cni);
    findings = res.findings.size();
    state.PauseTiming();
    { auto drop = std::move(r); }
    state.ResumeTiming();
  }
  set_bytes(state, s.bytes);
  state.counters["findings"] = static_cast<double>(findings);
}

// detect_cni + run_checks on a model loaded beforehand: the part of diagnose after ingest.
void BM_Checks(benchmark::State& state) {
  const nd::Cluster& c = loaded();
  size_t findings = 0;
  for (auto _ : state) {
    nd::CniInfo cni = nd::detect_cni(c);
    findings = nd::run_checks(c, cni).findings.size();
  }
  state.counters["findings"] = static_cast<double>(findings);
}

// One check alone (through the runner's --only), so a slow check is named.
void BM_Check(benchmark::State& state, std::string id) {
  const nd::Cluster& c = loaded();
  nd::CniInfo cni = nd::detect_cni(c);
  nd::RunOptions opts;
  opts.only = {id};
  size_t findings = 0;
  for (auto _ : state) findings = nd::run_checks(c, cni, opts).findings.size();
  state.counters["findings"] = static_cast<double>(findings);
}

}  // namespace

// Rates use CPU time, not wall time: the benchmark is single-threaded and the figure is "on one core",
// which wall time on a shared machine would understate. Both times are printed.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  using benchmark::kMillisecond;
  using benchmark::kSecond;
  benchmark::RegisterBenchmark("BM_ReadFiles", BM_ReadFiles)->Unit(kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("BM_SimdjsonDomParse", BM_SimdjsonDomParse)->Unit(kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("BM_Ingest", BM_Ingest)->Unit(kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("BM_Diagnose", BM_Diagnose)->Unit(kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("BM_Checks", BM_Checks)->Unit(kMillisecond)->Iterations(1);
  for (const auto& check : nd::all_checks())
    benchmark::RegisterBenchmark(("BM_Check/" + std::string(check.id)).c_str(), BM_Check, std::string(check.id))
        ->Unit(kMillisecond)
        ->Iterations(1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_made && g_made->generated) {
    std::error_code ec;
    fs::remove_all(g_made->dir, ec);
  }
  return 0;
}
