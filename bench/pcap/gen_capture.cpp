// gen_capture: writes a large, deterministic pcap for the capture-analysis benchmark.
//
//   gen_capture OUT.pcap [--packets N] [--seed S] [--rate FLOWS_PER_S]
//
// Flows arrive at a steady rate and interleave in time like on a busy node; their packets follow
// scripts of the patterns netdoctor looks for, mixed into ordinary traffic: complete TCP
// connections (some VLAN-tagged, some VXLAN-encapsulated between two nodes), SYNs never answered,
// connects refused by RST, SYN-ACKs from the endpoint pod instead of the Service address, DNS
// answered / NXDOMAIN search-list walks / SERVFAIL / unanswered, ICMP port unreachable, and ARP.
// Nothing is sent anywhere: the packets only exist in the file. Addresses are pod/service ranges
// and documentation prefixes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <vector>

namespace {

struct Rng {  // splitmix64: tiny, fast, the same sequence everywhere
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

void put16(uint8_t* p, uint16_t v) { p[0] = v >> 8, p[1] = v & 0xff; }
void put32(uint8_t* p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v & 0xffff); }

class Writer {
 public:
  explicit Writer(FILE* f) : f_(f) {
    uint8_t h[24] = {};
    uint32_t magic = 0xa1b2c3d4, snap = 262144, link = 1;
    uint16_t major = 2, minor = 4;
    std::memcpy(h, &magic, 4), std::memcpy(h + 4, &major, 2), std::memcpy(h + 6, &minor, 2);
    std::memcpy(h + 16, &snap, 4), std::memcpy(h + 20, &link, 4);
    std::fwrite(h, 1, sizeof h, f_);
  }
  void packet(int64_t us, const uint8_t* data, uint32_t len) {
    uint32_t rec[4] = {static_cast<uint32_t>(us / 1000000), static_cast<uint32_t>(us % 1000000),
                       len, len};
    std::fwrite(rec, 1, sizeof rec, f_);
    std::fwrite(data, 1, len, f_);
    ++packets, bytes += 16 + len;
  }
  uint64_t packets = 0, bytes = 24;

 private:
  FILE* f_;
};

uint16_t ip_checksum(const uint8_t* p) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

enum : uint8_t { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

struct Frame {
  uint8_t buf[1600 + 64];
  uint32_t len = 0;
};

// Ethernet (+ optional VLAN tag) + IPv4 header; returns the offset of the transport header.
uint32_t eth_ip(uint8_t* b, uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len, bool vlan) {
  std::memset(b, 0, 14);
  b[0] = 0x02, b[5] = dst & 0xff, b[6] = 0x02, b[11] = src & 0xff;
  uint32_t o = 12;
  if (vlan) put16(b + o, 0x8100), put16(b + o + 2, 100), o += 4;
  put16(b + o, 0x0800);
  uint8_t* ip = b + o + 2;
  std::memset(ip, 0, 20);
  ip[0] = 0x45, ip[8] = 64, ip[9] = proto;
  put16(ip + 2, static_cast<uint16_t>(20 + l4len));
  put32(ip + 12, src), put32(ip + 16, dst);
  put16(ip + 10, ip_checksum(ip));
  return o + 2 + 20;
}

void tcp(Frame& f, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, uint8_t flags,
         uint32_t seq, uint32_t ack, uint32_t payload, bool vlan) {
  uint32_t o = eth_ip(f.buf, src, dst, 6, 20 + payload, vlan);
  uint8_t* t = f.buf + o;
  std::memset(t, 0, 20 + payload);
  put16(t, sp), put16(t + 2, dp), put32(t + 4, seq), put32(t + 8, ack);
  t[12] = 5 << 4, t[13] = flags;
  put16(t + 14, 64240);
  f.len = o + 20 + payload;
}

void udp(Frame& f, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const uint8_t* data,
         uint32_t n, bool vlan) {
  uint32_t o = eth_ip(f.buf, src, dst, 17, 8 + n, vlan);
  uint8_t* u = f.buf + o;
  put16(u, sp), put16(u + 2, dp), put16(u + 4, static_cast<uint16_t>(8 + n)), put16(u + 6, 0);
  std::memcpy(u + 8, data, n);
  f.len = o + 8 + n;
}

// Wraps a frame in VXLAN over UDP 8472 between two node addresses (flannel's encapsulation).
void vxlan(Frame& f, uint32_t node_a, uint32_t node_b, uint16_t sport) {
  Frame inner = f;
  uint8_t vx[8] = {0x08, 0, 0, 0, 0, 0, 1, 0};  // I flag, VNI 1
  uint8_t payload[1664];
  std::memcpy(payload, vx, 8);
  std::memcpy(payload + 8, inner.buf, inner.len);
  udp(f, node_a, sport, node_b, 8472, payload, 8 + inner.len, false);
}

// DNS message: header + question (+ one A answer when `answer`).
uint32_t dns(uint8_t* p, uint16_t id, bool response, uint8_t rcode, const std::string& name,
             bool answer) {
  std::memset(p, 0, 12);
  put16(p, id);
  p[2] = response ? 0x81 : 0x01;
  p[3] = response ? static_cast<uint8_t>(0x80 | rcode) : 0;
  put16(p + 4, 1);
  put16(p + 6, answer ? 1 : 0);
  uint32_t o = 12;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    p[o++] = static_cast<uint8_t>(dot - start);
    std::memcpy(p + o, name.data() + start, dot - start);
    o += static_cast<uint32_t>(dot - start);
    start = dot + 1;
  }
  p[o++] = 0;
  put16(p + o, 1), put16(p + o + 2, 1), o += 4;
  if (answer) {
    put16(p + o, 0xc00c), put16(p + o + 2, 1), put16(p + o + 4, 1), put32(p + o + 6, 30);
    put16(p + o + 10, 4), put32(p + o + 12, 0x0af40102), o += 16;
  }
  return o;
}

enum Kind : uint8_t {
  Normal, SynUnanswered, Refused, Unexpected, DnsOk, DnsWalk, DnsUnanswered, IcmpPort, DnsServfail
};
// Weights per 1000 flows.
constexpr struct {
  Kind kind;
  uint32_t weight;
} kMix[] = {{Normal, 700}, {DnsOk, 150}, {SynUnanswered, 20}, {Refused, 30}, {Unexpected, 10},
            {DnsWalk, 40}, {DnsUnanswered, 10}, {IcmpPort, 30}, {DnsServfail, 10}};

struct Flow {
  Kind kind;
  uint32_t client, server, alt;  // alt: the endpoint pod behind a Service address
  uint16_t cport, sport;
  uint32_t step = 0, total = 0;
  uint32_t seq_c, seq_s;
  bool vlan, vx;
  uint16_t id;
  uint32_t name;
};

constexpr uint32_t kNodeA = 0xc0a80a0b, kNodeB = 0xc0a80a0c;  // 192.168.10.11/.12
constexpr uint32_t kDns = 0x0a60000a;                          // 10.96.0.10

uint32_t pod(Rng& r) { return 0x0af40000u | (r.below(64) << 8) | (2 + r.below(250)); }
uint32_t service(Rng& r) { return 0x0a600000u | (r.below(16) << 8) | (1 + r.below(250)); }

// Emits the packet for the flow's current step; returns the gap to its next packet in µs, or -1
// when the flow is over.
int64_t step(Flow& f, int64_t now, Writer& w, Rng& r) {
  Frame fr;
  uint8_t msg[512];
  const uint32_t s = f.step++;
  const uint32_t c = f.client, v = f.server;
  int64_t gap = -1;
  switch (f.kind) {
    case Normal: {
      if (s == 0) {
        tcp(fr, c, f.cport, v, f.sport, SYN, f.seq_c++, 0, 0, f.vlan), gap = 150 + r.below(300);
      } else if (s == 1) {
        tcp(fr, v, f.sport, c, f.cport, SYN | ACK, f.seq_s++, f.seq_c, 0, f.vlan), gap = 100;
      } else if (s == 2) {
        tcp(fr, c, f.cport, v, f.sport, ACK, f.seq_c, f.seq_s, 0, f.vlan), gap = 50;
      } else if (s < f.total - 3) {
        // request, then responses of full segments and small ACKs
        uint32_t k = (s - 3) % 4;
        if (k == 0) {
          tcp(fr, c, f.cport, v, f.sport, PSH | ACK, f.seq_c, f.seq_s, 200 + r.below(300), f.vlan);
        } else if (k == 3) {
          tcp(fr, c, f.cport, v, f.sport, ACK, f.seq_c, f.seq_s, 0, f.vlan);
        } else {
          tcp(fr, v, f.sport, c, f.cport, ACK, f.seq_s, f.seq_c, 1448, f.vlan);
        }
        gap = 20 + r.below(400);
      } else if (s == f.total - 3) {
        tcp(fr, c, f.cport, v, f.sport, FIN | ACK, f.seq_c, f.seq_s, 0, f.vlan), gap = 100;
      } else if (s == f.total - 2) {
        tcp(fr, v, f.sport, c, f.cport, FIN | ACK, f.seq_s, f.seq_c + 1, 0, f.vlan), gap = 50;
      } else {
        tcp(fr, c, f.cport, v, f.sport, ACK, f.seq_c + 1, f.seq_s + 1, 0, f.vlan);
      }
      if (f.vx) vxlan(fr, (s % 2) ? kNodeB : kNodeA, (s % 2) ? kNodeA : kNodeB, f.cport);
      break;
    }
    case SynUnanswered:  // SYN at 0, +1, +3, +7 s: Linux's backoff
      tcp(fr, c, f.cport, v, f.sport, SYN, f.seq_c, 0, 0, f.vlan);
      gap = s < 3 ? 1'000'000 << s : -1;
      break;
    case Refused:
      if (s == 0) tcp(fr, c, f.cport, v, f.sport, SYN, f.seq_c, 0, 0, f.vlan), gap = 80;
      else tcp(fr, v, f.sport, c, f.cport, RST | ACK, 0, f.seq_c + 1, 0, f.vlan);
      break;
    case Unexpected:  // SYN to the Service address, SYN-ACK from the pod, the client resets it
      if (s % 3 == 0) tcp(fr, c, f.cport, v, f.sport, SYN, f.seq_c, 0, 0, false), gap = 90;
      else if (s % 3 == 1) tcp(fr, f.alt, f.sport, c, f.cport, SYN | ACK, f.seq_s, f.seq_c + 1, 0, false), gap = 20;
      else tcp(fr, c, f.cport, f.alt, f.sport, RST, f.seq_c + 1, 0, 0, false), gap = s < 5 ? 1'000'000 : -1;
      break;
    case DnsOk:
    case DnsServfail: {
      std::string name = "svc" + std::to_string(f.name) + ".default.svc.cluster.local";
      bool resp = s == 1;
      uint8_t rcode = f.kind == DnsServfail ? 2 : 0;
      uint32_t n = dns(msg, f.id, resp, rcode, name, resp && rcode == 0);
      if (resp) udp(fr, kDns, 53, c, f.cport, msg, n, f.vlan);
      else udp(fr, c, f.cport, kDns, 53, msg, n, f.vlan), gap = 300 + r.below(2000);
      break;
    }
    case DnsWalk: {  // ndots:5 - each search suffix answered NXDOMAIN, then (sometimes) the name
      static const char* kSuffix[] = {".shop.svc.cluster.local", ".svc.cluster.local",
                                      ".cluster.local", ""};
      std::string base = (f.name % 2) ? "redis" + std::to_string(f.name % 97)
                                      : "api" + std::to_string(f.name % 89) + ".example.lab";
      uint32_t k = s / 2;
      bool last = k == 3;
      if (last && (f.name % 2)) return -1;  // the short name exists nowhere: no bare try
      std::string name = base + kSuffix[k];
      bool resp = s % 2 == 1;
      uint32_t n = dns(msg, static_cast<uint16_t>(f.id + k), resp, last ? 0 : 3, name, resp && last);
      if (resp) udp(fr, kDns, 53, c, static_cast<uint16_t>(f.cport + k), msg, n, false);
      else udp(fr, c, static_cast<uint16_t>(f.cport + k), kDns, 53, msg, n, false);
      gap = resp ? (last ? -1 : 100) : 400;
      break;
    }
    case DnsUnanswered: {
      std::string name = "db" + std::to_string(f.name) + ".shop.svc.cluster.local";
      uint32_t n = dns(msg, f.id, false, 0, name, false);
      udp(fr, c, f.cport, kDns, 53, msg, n, false);
      gap = s < 2 ? 1'000'000 << s : -1;
      break;
    }
    case IcmpPort: {
      uint8_t data[32] = {};
      if (s == 0) {
        udp(fr, c, f.cport, v, f.sport, data, sizeof data, false), gap = 150;
      } else {  // the ICMP error quotes the datagram's IP header and the first 8 bytes after it
        Frame orig;
        udp(orig, c, f.cport, v, f.sport, data, sizeof data, false);
        uint8_t icmp[8 + 28] = {3, 3};
        std::memcpy(icmp + 8, orig.buf + 14, 28);
        uint32_t o = eth_ip(fr.buf, v, c, 1, sizeof icmp, false);
        std::memcpy(fr.buf + o, icmp, sizeof icmp);
        fr.len = o + sizeof icmp;
      }
      break;
    }
  }
  w.packet(now, fr.buf, fr.len);
  return gap;
}

void arp(Writer& w, int64_t now) {
  uint8_t b[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
  b[14 + 1] = 1, b[14 + 2] = 0x08, b[14 + 4] = 6, b[14 + 5] = 4, b[14 + 7] = 1;
  w.packet(now, b, sizeof b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_capture OUT.pcap [--packets N] [--seed S] [--rate FLOWS_PER_S]\n");
    return 2;
  }
  uint64_t want = 5'000'000, seed = 1;
  double rate = 4000;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--packets") want = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--rate") rate = std::strtod(argv[i + 1], nullptr);
    else return std::fprintf(stderr, "gen_capture: unknown option %s\n", a.c_str()), 2;
  }
  FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr) return std::perror(argv[1]), 2;
  static char buf[1 << 22];
  std::setvbuf(f, buf, _IOFBF, sizeof buf);
  Writer w(f);
  Rng r{seed};

  std::vector<Flow> flows;
  std::vector<uint32_t> free_slots;
  using Item = std::pair<int64_t, uint32_t>;  // (time of the next packet, flow slot)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> due;
  const int64_t start = 1'700'000'000LL * 1'000'000;  // November 2023
  const auto arrival = static_cast<int64_t>(1e6 / rate);
  int64_t next_flow = start;
  uint64_t started = 0, by_kind[9] = {};

  while (true) {
    bool more = w.packets < want;
    if (more && (due.empty() || next_flow <= due.top().first)) {
      uint32_t pick = r.below(1000), acc = 0;
      Kind kind = Normal;
      for (auto& m : kMix) {
        if (pick < (acc += m.weight)) {
          kind = m.kind;
          break;
        }
      }
      Flow fl{};
      fl.kind = kind;
      fl.client = pod(r);
      fl.server = kind == Unexpected || r.below(2) ? service(r) : pod(r);
      fl.alt = pod(r);
      fl.cport = static_cast<uint16_t>(32768 + (started * 7) % 28000);
      fl.sport = kind == IcmpPort ? 5000 + r.below(100) : (r.below(3) ? 80 : 5432);
      fl.total = 7 + 4 * r.below(10);
      fl.seq_c = static_cast<uint32_t>(r.next()), fl.seq_s = static_cast<uint32_t>(r.next());
      fl.vlan = r.below(20) == 0;
      fl.vx = kind == Normal && r.below(10) == 0;
      fl.id = static_cast<uint16_t>(r.next());
      fl.name = r.below(5000);
      uint32_t slot;
      if (!free_slots.empty()) slot = free_slots.back(), free_slots.pop_back(), flows[slot] = fl;
      else slot = static_cast<uint32_t>(flows.size()), flows.push_back(fl);
      due.push({next_flow, slot});
      ++started, ++by_kind[kind];
      if (r.below(1000) == 0) arp(w, next_flow);  // now is the earliest time still to write
      next_flow += 1 + static_cast<int64_t>(r.below(static_cast<uint32_t>(2 * arrival)));
      continue;
    }
    if (due.empty()) break;
    auto [t, slot] = due.top();
    due.pop();
    int64_t gap = step(flows[slot], t, w, r);
    if (gap >= 0 && (more || gap < 10'000'000)) {
      due.push({t + gap, slot});
    } else {
      free_slots.push_back(slot);
    }
  }
  std::fclose(f);
  std::printf("gen_capture: %s: %llu packets, %.1f MB, %llu flows (normal %llu, dns %llu, "
              "walks %llu, syn-unanswered %llu, refused %llu, unexpected-source %llu, "
              "dns-unanswered %llu, icmp %llu, servfail %llu)\n",
              argv[1], static_cast<unsigned long long>(w.packets), w.bytes / 1e6,
              static_cast<unsigned long long>(started), (unsigned long long)by_kind[Normal],
              (unsigned long long)by_kind[DnsOk], (unsigned long long)by_kind[DnsWalk],
              (unsigned long long)by_kind[SynUnanswered], (unsigned long long)by_kind[Refused],
              (unsigned long long)by_kind[Unexpected], (unsigned long long)by_kind[DnsUnanswered],
              (unsigned long long)by_kind[IcmpPort], (unsigned long long)by_kind[DnsServfail]);
  return 0;
}
