#include "pcap/classic_reader.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace nd::pcap {

namespace {

constexpr size_t kFileHeader = 24, kRecordHeader = 16;
// libpcap's largest valid snapshot length for almost every link type (MAXIMUM_SNAPLEN).
constexpr uint32_t kMaxSnaplen = 262144;
constexpr size_t kReleaseChunk = 16u << 20;  // drop read pages of a mapping this many at a time
inline uint32_t rd32(const uint8_t* p, bool swapped) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swapped ? __builtin_bswap32(v) : v;
}

// Each record's position comes from the header before it, so the loop chases a chain through
// memory; the hardware prefetcher stops at page boundaries. Prefetch the stream this far ahead
// (tried: prefetching only the next records' header lines was no faster).
constexpr size_t kPrefetchAhead = 16u << 10;

}  // namespace

bool classic_header(const uint8_t* data, size_t size, ClassicHeader& out) {
  if (size < kFileHeader) return false;
  uint32_t magic;
  std::memcpy(&magic, data, 4);
  switch (magic) {
    case 0xa1b2c3d4: out = {false, false, 0}; break;
    case 0xd4c3b2a1: out = {true, false, 0}; break;
    case 0xa1b23c4d: out = {false, true, 0}; break;
    case 0x4d3cb2a1: out = {true, true, 0}; break;
    default: return false;
  }
  out.snaplen = rd32(data + 16, out.swapped);
  return true;
}

void read_classic(const uint8_t* data, size_t size, const ClassicHeader& h, Analyzer& a,
                  bool mapped) {
  const bool sw = h.swapped;
  // As libpcap: a bad snaplen in the header means "the maximum".
  const uint32_t snap = h.snaplen == 0 || h.snaplen > kMaxSnaplen ? kMaxSnaplen : h.snaplen;
  size_t off = kFileHeader, released = 0, prefetched = 0;
  while (off < size) {
    for (size_t end = std::min(size, off + kPrefetchAhead); prefetched < end; prefetched += 64) {
      __builtin_prefetch(data + prefetched);
    }
    if (mapped && off - released >= 2 * kReleaseChunk) {
      madvise(const_cast<uint8_t*>(data) + released, kReleaseChunk, MADV_DONTNEED);
      released += kReleaseChunk;
    }
    if (size - off < kRecordHeader) {
      a.read_error(AnomalyId::TruncatedFile,
                   "truncated dump file; tried to read 16 header bytes, only got " +
                       std::to_string(size - off));
      return;
    }
    const uint8_t* r = data + off;
    uint32_t sec = rd32(r, sw), frac = rd32(r + 4, sw), caplen = rd32(r + 8, sw),
             len = rd32(r + 12, sw);
    off += kRecordHeader;
    if (caplen > kMaxSnaplen) {  // a damaged or fuzzed record; libpcap's words for it
      a.read_error(AnomalyId::CaptureReadError,
                   "invalid packet capture length " + std::to_string(caplen) +
                       (caplen > snap ? ", bigger than snaplen of " + std::to_string(snap)
                                      : ", bigger than maximum of " + std::to_string(kMaxSnaplen)));
      return;
    }
    if (size - off < caplen) {
      a.read_error(AnomalyId::TruncatedFile,
                   "truncated dump file; tried to read " + std::to_string(caplen) +
                       " captured bytes, only got " + std::to_string(size - off));
      return;
    }
    // A record larger than the file's snapshot length: keep the first `snap` bytes (libpcap too).
    uint32_t keep = caplen > snap ? snap : caplen;
    int64_t us = static_cast<int64_t>(sec) * 1'000'000 + (h.nanos ? frac / 1000 : frac);
    a.packet_ahead(us, r + kRecordHeader, keep, len);  // the bytes stay mapped until finish()
    off += caplen;
  }
}

}  // namespace nd::pcap
