// Test helpers: build packets and whole pcap files as bytes, so tests can make exactly the input
// they need (well-formed, or broken in one precise way) without files on disk.
#pragma once

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "pcap/analyze.h"

namespace ndt {

inline std::string be16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
inline std::string be32(uint32_t v) { return be16(static_cast<uint16_t>(v >> 16)) + be16(static_cast<uint16_t>(v)); }
inline std::string le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}
inline std::string le16(uint16_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }

// "10.0.0.1" -> 0x0a000001
inline uint32_t ip4(const char* s) {
  unsigned a, b, c, d;
  std::sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d);
  return a << 24 | b << 16 | c << 8 | d;
}
// 16 bytes of an IPv6 address given as 8 groups.
inline std::string ip6(std::initializer_list<uint16_t> groups) {
  std::string s;
  for (uint16_t g : groups) s += be16(g);
  s.resize(16, '\0');
  return s;
}

// ---- transport ----------------------------------------------------------------------------
enum : uint8_t { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

inline std::string tcp(uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq = 1000, uint32_t ack = 0,
                       const std::string& payload = "") {
  std::string t = be16(sp) + be16(dp) + be32(seq) + be32(ack);
  t += static_cast<char>(5 << 4);
  t += static_cast<char>(flags);
  t += be16(64240) + be16(0) + be16(0);
  return t + payload;
}
inline std::string udp(uint16_t sp, uint16_t dp, const std::string& payload) {
  return be16(sp) + be16(dp) + be16(static_cast<uint16_t>(8 + payload.size())) + be16(0) + payload;
}
inline std::string icmp(uint8_t type, uint8_t code, uint32_t rest, const std::string& payload) {
  return std::string{static_cast<char>(type), static_cast<char>(code)} + be16(0) + be32(rest) + payload;
}

// ---- network ------------------------------------------------------------------------------
struct V4 {
  int ihl = 5;
  int total = -1;       // -1: computed
  uint16_t frag = 0;    // flags + fragment offset field
  int version = 4;
};
inline std::string ipv4(uint32_t src, uint32_t dst, uint8_t proto, const std::string& l4,
                        V4 o = {}) {
  std::string h;
  h += static_cast<char>(o.version << 4 | o.ihl);
  h += '\0';
  int hl = o.ihl * 4 < 20 ? 20 : o.ihl * 4;
  h += be16(static_cast<uint16_t>(o.total >= 0 ? o.total : hl + static_cast<int>(l4.size())));
  h += be16(1) + be16(o.frag);
  h += static_cast<char>(64);
  h += static_cast<char>(proto);
  h += be16(0) + be32(src) + be32(dst);
  h.resize(hl, '\0');  // options, zeroed
  return h + l4;
}
// IPv6 with optional extension headers: each {next header it announces, 8-byte-multiple body}.
inline std::string ipv6(const std::string& src, const std::string& dst, uint8_t nh,
                        const std::string& l4, const std::string& ext = "", int plen = -1) {
  std::string h = be32(0x60000000);
  h += be16(static_cast<uint16_t>(plen >= 0 ? plen : ext.size() + l4.size()));
  h += static_cast<char>(nh);
  h += static_cast<char>(64);
  return h + src + dst + ext + l4;
}
// An 8-byte extension header (hop-by-hop, destination options, routing) announcing `next`.
inline std::string ext8(uint8_t next) { return std::string{static_cast<char>(next), 0} + std::string(6, '\0'); }

// ---- link ---------------------------------------------------------------------------------
inline std::string eth(const std::string& payload, uint16_t type = 0x0800,
                       std::initializer_list<uint16_t> vlans = {}) {
  std::string f = std::string("\x02\x00\x00\x00\x00\x02", 6) + std::string("\x02\x00\x00\x00\x00\x01", 6);
  for (uint16_t v : vlans) f += be16(0x8100) + be16(v);
  return f + be16(type) + payload;
}
inline std::string sll(uint16_t pkttype, uint16_t proto, const std::string& payload) {
  return be16(pkttype) + be16(1) + be16(6) + std::string(8, '\x02') + be16(proto) + payload;
}
inline std::string sll2(uint16_t proto, uint32_t ifindex, uint8_t pkttype, const std::string& payload) {
  return be16(proto) + be16(0) + be32(ifindex) + be16(1) + static_cast<char>(pkttype) +
         static_cast<char>(6) + std::string(8, '\x02') + payload;
}
inline std::string vxlan(uint32_t vni, const std::string& inner_frame) {
  return std::string{8, 0, 0, 0} + be32(vni << 8) + inner_frame;
}

// ---- DNS ----------------------------------------------------------------------------------
inline std::string dns_name(const std::string& name) {
  std::string out;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out += static_cast<char>(dot - start);
    out += name.substr(start, dot - start);
    start = dot + 1;
  }
  return out + '\0';
}
inline std::string dns_query(uint16_t id, const std::string& name, uint16_t qtype = 1) {
  return be16(id) + be16(0x0100) + be16(1) + be16(0) + be16(0) + be16(0) + dns_name(name) +
         be16(qtype) + be16(1);
}
inline std::string dns_response(uint16_t id, const std::string& name, uint8_t rcode,
                                uint16_t qtype = 1, bool answer = true) {
  bool a = answer && rcode == 0;
  std::string m = be16(id) + be16(static_cast<uint16_t>(0x8180 | rcode)) + be16(1) + be16(a ? 1 : 0) +
                  be16(0) + be16(0) + dns_name(name) + be16(qtype) + be16(1);
  if (a) m += be16(0xc00c) + be16(1) + be16(1) + be32(30) + be16(4) + be32(ip4("10.0.0.5"));
  return m;
}

// ---- files --------------------------------------------------------------------------------
struct Pcap {
  std::string bytes;
  explicit Pcap(uint32_t linktype = 1, uint32_t snaplen = 262144, uint32_t magic = 0xa1b2c3d4) {
    bytes = le32(magic) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snaplen) + le32(linktype);
  }
  // A record at `us` microseconds; wirelen 0 means "as captured".
  Pcap& add(int64_t us, const std::string& frame, uint32_t wirelen = 0) {
    return raw(static_cast<uint32_t>(us / 1000000), static_cast<uint32_t>(us % 1000000),
               static_cast<uint32_t>(frame.size()), wirelen ? wirelen : static_cast<uint32_t>(frame.size()),
               frame);
  }
  Pcap& raw(uint32_t sec, uint32_t usec, uint32_t caplen, uint32_t len, const std::string& data) {
    bytes += le32(sec) + le32(usec) + le32(caplen) + le32(len) + data;
    return *this;
  }
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string source_dir() { return ND_SOURCE_DIR; }
inline std::string capture(const std::string& name) {
  return source_dir() + "/tests/data/captures/" + name;
}
inline std::string recorded(const std::string& name) { return source_dir() + "/tests/data/pcap/" + name; }

// Runs the analysis on bytes and fails the test on an error.
inline nd::pcap::Report analyze(const std::string& bytes, nd::pcap::Options o = {}) {
  auto r = nd::pcap::analyze_bytes(bytes, o, "test");
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}
inline nd::pcap::Report analyze_path(const std::string& path, nd::pcap::Options o = {}) {
  auto r = nd::pcap::analyze_file(path, o);
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

inline std::vector<const nd::pcap::Event*> events_of(const nd::pcap::Report& r, nd::pcap::EventKind k) {
  std::vector<const nd::pcap::Event*> out;
  for (const auto& e : r.events) {
    if (e.kind == k) out.push_back(&e);
  }
  return out;
}
inline uint64_t anomaly_count(const nd::pcap::Report& r, const std::string& name) {
  for (const auto& a : r.anomalies) {
    if (a.name == name) return a.count;
  }
  return 0;
}

}  // namespace ndt
