// A zero-copy reader for classic pcap files (not pcapng): walks the records in a buffer (the
// mmapped file, or bytes in memory) and hands each packet to the Analyzer without copying it.
// libpcap has already opened and validated the file header; this only replaces its record loop,
// which copies every packet twice (read(2) into stdio, then into libpcap's buffer). It checks
// record lengths as libpcap does and reports a cut record as the same anomaly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pcap/analyzer.h"

namespace nd::pcap {

struct ClassicHeader {
  bool swapped = false;  // written on a machine of the other byte order
  bool nanos = false;    // timestamps in nanoseconds (magic 0xa1b23c4d)
  uint32_t snaplen = 0;
};

// True when `data` starts with a classic pcap file header (any byte order, µs or ns).
bool classic_header(const uint8_t* data, size_t size, ClassicHeader& out);

// Feeds every record after the 24-byte file header to `a`. With `mapped` (data is a page-aligned
// file mapping), pages already read are dropped from the mapping as it goes, so the resident size
// follows the live flows, not the file size (the pages stay in the page cache).
void read_classic(const uint8_t* data, size_t size, const ClassicHeader& h, Analyzer& a,
                  bool mapped);

}  // namespace nd::pcap
