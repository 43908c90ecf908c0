// The libpcap side: opens a file (or bytes in memory, through fmemopen), lets libpcap validate it
// and name its link type, then feeds the packets to the Analyzer - through libpcap's own loop, or,
// for classic pcap files, straight from the mapped file (classic_reader.h).
#include <pcap/pcap.h>
#include <stdio_ext.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "pcap/analyze.h"
#include "pcap/analyzer.h"
#include "pcap/classic_reader.h"

namespace nd::pcap {

namespace {

constexpr size_t kReadBuffer = 1 << 20;  // fewer read(2) calls; libpcap reads record by record

void on_packet(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
  auto* a = reinterpret_cast<Analyzer*>(user);
  // pcapng timestamps are 64-bit: a damaged one can be far beyond what microseconds can hold.
  int64_t sec = std::clamp<int64_t>(h->ts.tv_sec, 0, Analyzer::kMaxTimeUs / 1'000'000);
  int64_t us = sec * 1'000'000 + h->ts.tv_usec % 1'000'000;
  a->packet(us, bytes, h->caplen, h->len);
}

std::string link_name(int dlt) {
  const char* n = pcap_datalink_val_to_name(dlt);
  return n ? n : "DLT_" + std::to_string(dlt);
}

// Opens `fp` with libpcap (which takes it over) and analyses it. `image`, when not empty, is the
// whole file in memory: classic pcap records are then read from it directly.
nd::Result<Report> run(FILE* fp, const std::string& name, const Options& opt,
                       std::string_view image, bool mapped) {
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<char[]> buf(new char[kReadBuffer]);
  setvbuf(fp, buf.get(), _IOFBF, kReadBuffer);
  __fsetlocking(fp, FSETLOCKING_BYCALLER);  // one thread reads it: skip stdio's lock per call
  pcap_t* p = pcap_fopen_offline(fp, err);
  if (p == nullptr) {
    fclose(fp);
    return nd::Error{name + ": not a pcap or pcapng capture (" + err + ")"};
  }
  Report r;
  r.source = name;
  int dlt = pcap_datalink(p);
  r.summary.link_type = link_name(dlt);
  r.summary.link_type_code = dlt;
  Analyzer a(opt, r, dlt);
  const auto* data = reinterpret_cast<const uint8_t*>(image.data());
  ClassicHeader ch;
  if (opt.fast_read && !image.empty() && classic_header(data, image.size(), ch)) {
    read_classic(data, image.size(), ch, a, mapped);
  } else if (pcap_dispatch(p, -1, on_packet, reinterpret_cast<u_char*>(&a)) == PCAP_ERROR) {
    std::string msg = pcap_geterr(p);
    bool cut = msg.find("truncated") != std::string::npos;
    a.read_error(cut ? AnomalyId::TruncatedFile : AnomalyId::CaptureReadError, msg);
  }
  pcap_close(p);  // closes fp; the buffer outlives it
  a.finish();
  return r;
}

// A read-only mapping of a whole file, unmapped when it goes out of scope.
struct Mapping {
  void* addr = MAP_FAILED;
  size_t size = 0;
  Mapping(int fd, size_t n) : size(n) {
    if (n == 0) return;
    addr = mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr != MAP_FAILED) madvise(addr, n, MADV_SEQUENTIAL);
  }
  ~Mapping() {
    if (addr != MAP_FAILED) munmap(addr, size);
  }
  std::string_view view() const {
    return addr == MAP_FAILED ? std::string_view() : std::string_view(static_cast<char*>(addr), size);
  }
};

}  // namespace

nd::Result<Report> analyze_file(const std::string& path, const Options& opt) {
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) return nd::Error{path + ": " + std::strerror(errno)};
  struct stat st {};
  if (fstat(fileno(fp), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      fclose(fp);
      return nd::Error{path + ": is a directory, not a capture file"};
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
      fclose(fp);
      return nd::Error{path + ": empty file (0 bytes), not a capture"};
    }
  }
  // Only regular files are mapped; a pipe or a device goes through libpcap's loop.
  Mapping m(fileno(fp), opt.fast_read && S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0);
  return run(fp, path, opt, m.view(), true);
}

nd::Result<Report> analyze_bytes(std::string_view bytes, const Options& opt,
                                 const std::string& name) {
  if (bytes.empty()) return nd::Error{name + ": empty input (0 bytes), not a capture"};
  // fmemopen only reads through the pointer in "r" mode; the const_cast never writes.
  FILE* fp = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "r");
  if (fp == nullptr) return nd::Error{name + ": " + std::strerror(errno)};
  return run(fp, name, opt, bytes, false);
}

}  // namespace nd::pcap
