#include "node/cidr.h"

#include <algorithm>
#include <cstdio>

namespace nd::node {
namespace {

__extension__ typedef unsigned __int128 u128;

// The address as an integer of bits() width (IPv4 in the low 32 bits).
u128 to_int(const Address& a) {
  u128 v = 0;
  unsigned n = a.is_v4() ? 4 : 16;
  for (unsigned i = 0; i < n; ++i) v = (v << 8) | a.bytes[i];
  return v;
}

Address from_int(Family f, u128 v) {
  Address a;
  a.family = f;
  unsigned n = f == Family::V4 ? 4 : 16;
  for (unsigned i = n; i-- > 0;) {
    a.bytes[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return a;
}

// Mask of the host bits of a prefix of length len in a space of `bits` bits.
u128 host_mask(unsigned bits, unsigned len) {
  unsigned host = bits - len;
  if (host == 0) return 0;
  u128 all = bits == 128 ? ~u128(0) : ((u128(1) << bits) - 1);
  return host >= 128 ? all : ((u128(1) << host) - 1);
}

u128 space_max(Family f) { return f == Family::V4 ? (u128(1) << 32) - 1 : ~u128(0); }

Error bad(std::string_view label, std::string_view text, size_t offset, std::string_view why) {
  return Error{std::string(label) + ": '" + std::string(text) + "': " + std::string(why) + " at offset " +
               std::to_string(offset)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Dotted quad starting at `base` within `whole` (for offsets). Leading zeros are refused: some
// parsers read them as octal, so "010.1.1.1" is ambiguous (Go and Kubernetes refuse it too).
Result<std::array<uint8_t, 4>> parse_v4(std::string_view s, std::string_view whole, size_t base,
                                        std::string_view label) {
  std::array<uint8_t, 4> out{};
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return bad(label, whole, base + i, "expected '.'");
      ++i;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 4) v = v * 10 + unsigned(s[i++] - '0');
    if (i == start) return bad(label, whole, base + i, "expected a decimal number");
    if (i - start > 3 || v > 255) return bad(label, whole, base + start, "number above 255");
    if (i - start > 1 && s[start] == '0') return bad(label, whole, base + start, "leading zero");
    out[part] = static_cast<uint8_t>(v);
  }
  if (i != s.size()) return bad(label, whole, base + i, "unexpected character");
  return out;
}

Result<std::array<uint8_t, 16>> parse_v6(std::string_view s, std::string_view label) {
  std::array<uint8_t, 16> out{};
  if (size_t z = s.find('%'); z != std::string_view::npos)
    return bad(label, s, z, "zone index (%...) is not supported");
  std::vector<uint16_t> head, tail;
  bool gap = false;
  std::vector<uint16_t>* cur = &head;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = true;
    cur = &tail;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return bad(label, s, 0, "single leading ':'");
  }
  bool v4_tail = false;
  while (i < s.size()) {
    size_t start = i;
    unsigned v = 0;
    while (i < s.size() && hex_value(s[i]) >= 0 && i - start < 5) v = v * 16 + unsigned(hex_value(s[i++]));
    if (i < s.size() && s[i] == '.') {  // an embedded IPv4 address ends the text
      auto v4 = parse_v4(s.substr(start), s, start, label);
      if (!v4) return v4.error();
      cur->push_back(uint16_t((*v4)[0] << 8 | (*v4)[1]));
      cur->push_back(uint16_t((*v4)[2] << 8 | (*v4)[3]));
      v4_tail = true;
      i = s.size();
      break;
    }
    if (i == start) return bad(label, s, i, "expected a hex group");
    if (i - start > 4) return bad(label, s, start, "hex group longer than 4 digits");
    cur->push_back(uint16_t(v));
    if (i == s.size()) break;
    if (s[i] != ':') return bad(label, s, i, "unexpected character");
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (gap) return bad(label, s, i, "second '::'");
      gap = true;
      cur = &tail;
      i += 2;
    } else {
      ++i;
      if (i == s.size()) return bad(label, s, i - 1, "trailing ':'");
    }
  }
  (void)v4_tail;
  size_t groups = head.size() + tail.size();
  if (!gap && groups != 8) return bad(label, s, s.size(), "expected 8 groups");
  if (gap && groups > 7) return bad(label, s, s.size(), "too many groups for '::'");
  std::array<uint16_t, 8> words{};
  std::copy(head.begin(), head.end(), words.begin());
  std::copy(tail.begin(), tail.end(), words.begin() + (8 - tail.size()));
  for (int w = 0; w < 8; ++w) {
    out[2 * w] = uint8_t(words[w] >> 8);
    out[2 * w + 1] = uint8_t(words[w] & 0xff);
  }
  return out;
}

}  // namespace

bool Address::is_loopback() const {
  if (is_v4()) return bytes[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes[i]) return false;
  return bytes[15] == 1;
}

bool Address::is_unspecified() const {
  for (unsigned i = 0; i < (is_v4() ? 4u : 16u); ++i)
    if (bytes[i]) return false;
  return true;
}

bool Address::is_link_local() const {
  if (is_v4()) return bytes[0] == 169 && bytes[1] == 254;
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

std::string Address::to_string() const {
  char buf[64];
  if (is_v4()) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buf;
  }
  uint16_t w[8];
  for (int i = 0; i < 8; ++i) w[i] = uint16_t(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  // The longest run of zero groups (two or more; the first on a tie) becomes "::" (RFC 5952).
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    // IPv4-mapped and IPv4-compatible forms print the last 32 bits dotted, as inet_ntop does.
    if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
      if (out.back() != ':') out += ':';
      out += buf;
      break;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", w[i]);
    out += buf;
  }
  return out;
}

Prefix Prefix::network() const {
  Prefix p = *this;
  p.addr = from_int(addr.family, to_int(addr) & ~host_mask(addr.bits(), len));
  return p;
}

Address Prefix::first() const { return network().addr; }

Address Prefix::last() const { return from_int(addr.family, to_int(addr) | host_mask(addr.bits(), len)); }

std::string Prefix::to_string() const { return addr.to_string() + "/" + std::to_string(len); }

Result<Address> parse_address(std::string_view text, std::string_view label) {
  if (text.empty()) return Error{std::string(label) + ": empty address"};
  Address a;
  if (text.find(':') != std::string_view::npos) {
    auto b = parse_v6(text, label);
    if (!b) return b.error();
    a.family = Family::V6;
    a.bytes = *b;
    return a;
  }
  auto b = parse_v4(text, text, 0, label);
  if (!b) return b.error();
  std::copy(b->begin(), b->end(), a.bytes.begin());
  return a;
}

Result<Prefix> parse_prefix(std::string_view text, std::string_view label) {
  size_t slash = text.find('/');
  auto a = parse_address(text.substr(0, slash), label);
  if (!a) {
    if (slash == std::string_view::npos) return a.error();
    // Re-run on the whole text so the message quotes what the caller passed.
    return Error{a.error().message + " (in '" + std::string(text) + "')"};
  }
  Prefix p{*a, a->bits()};
  if (slash == std::string_view::npos) return p;
  std::string_view len = text.substr(slash + 1);
  if (len.empty()) return bad(label, text, slash + 1, "missing prefix length");
  unsigned v = 0;
  for (size_t i = 0; i < len.size(); ++i) {
    if (!is_digit(len[i])) return bad(label, text, slash + 1 + i, "prefix length is not a number");
    v = v * 10 + unsigned(len[i] - '0');
    if (v > 128) break;
  }
  if (v > a->bits()) return bad(label, text, slash + 1, "prefix length above " + std::to_string(a->bits()));
  p.len = v;
  return p;
}

bool contains(const Prefix& p, const Address& a) {
  if (p.family() != a.family) return false;
  u128 m = ~host_mask(a.bits(), p.len);
  return (to_int(p.addr) & m) == (to_int(a) & m);
}

bool contains(const Prefix& outer, const Prefix& inner) {
  return outer.family() == inner.family() && outer.len <= inner.len && contains(outer, inner.addr);
}

bool overlaps(const Prefix& a, const Prefix& b) { return contains(a, b) || contains(b, a); }

std::optional<Prefix> intersection(const Prefix& a, const Prefix& b) {
  if (contains(a, b)) return b.network();
  if (contains(b, a)) return a.network();
  return std::nullopt;
}

std::optional<Prefix> next_prefix(const Prefix& p) {
  Prefix n = p.network();
  u128 last = to_int(n.last());
  if (last == space_max(p.family())) return std::nullopt;
  n.addr = from_int(p.family(), last + 1);
  return n;
}

const std::vector<Prefix>& private_candidates(Family f) {
  static const std::vector<Prefix> v4 = [] {
    std::vector<Prefix> out;
    for (const char* s : {"100.64.0.0/10", "172.16.0.0/12", "10.0.0.0/8", "192.168.0.0/16"})
      out.push_back(*parse_prefix(s));
    return out;
  }();
  static const std::vector<Prefix> v6 = {*parse_prefix("fd00::/8")};
  return f == Family::V4 ? v4 : v6;
}

std::optional<Prefix> find_free_prefix(const std::vector<Prefix>& candidates, unsigned prefix_len,
                                       const std::vector<Prefix>& used) {
  for (const Prefix& raw : candidates) {
    Prefix super = raw.network();
    if (prefix_len < super.len || prefix_len > super.addr.bits()) continue;
    Prefix cand{super.addr, prefix_len};
    // Each step moves past the end of one used prefix that overlaps the candidate, so the loop
    // runs at most used.size() + 1 times per supernet.
    while (contains(super, cand)) {
      const Prefix* hit = nullptr;
      for (const Prefix& u : used)
        if (overlaps(cand, u)) {
          hit = &u;
          break;
        }
      if (!hit) return cand;
      // Skip to just after whichever ends later: the candidate or the used prefix. Both ends
      // are aligned for prefix_len, so the next candidate is aligned too.
      u128 end = std::max(to_int(cand.last()), to_int(hit->network().last()));
      if (end == space_max(super.family())) break;
      cand.addr = from_int(super.family(), end + 1);
    }
  }
  return std::nullopt;
}

}  // namespace nd::node
