// IPv4/IPv6 addresses and prefixes, and the set arithmetic the range checks need: containment,
// overlap, intersection, and choosing a free range for a migration (P9).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd::node {

enum class Family : uint8_t { V4 = 4, V6 = 6 };

struct Address {
  Family family = Family::V4;
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses bytes[0..3], the rest stay zero

  unsigned bits() const { return family == Family::V4 ? 32 : 128; }
  bool is_v4() const { return family == Family::V4; }
  bool is_loopback() const;       // 127.0.0.0/8, ::1
  bool is_unspecified() const;    // 0.0.0.0, ::
  bool is_link_local() const;     // 169.254.0.0/16, fe80::/10
  std::string to_string() const;  // IPv6 in RFC 5952 form ("fd00::1")
  auto operator<=>(const Address&) const = default;
};

// A prefix as written. `addr` may carry host bits (an interface address "10.0.0.5/24" is kept as
// such so both the address and its subnet can be reported); network() clears them.
struct Prefix {
  Address addr;
  unsigned len = 0;

  Family family() const { return addr.family; }
  Prefix network() const;
  bool has_host_bits() const { return network().addr != addr; }
  Address first() const;          // lowest address of the range
  Address last() const;           // highest address of the range
  std::string to_string() const;  // "addr/len" as held (use network().to_string() for the subnet)
  auto operator<=>(const Prefix&) const = default;
};

// Both parsers take a label that names where the text came from ("ip-route.json: [3].dst") so the
// error reads "LABEL: 'TEXT': what is wrong at offset N".
Result<Address> parse_address(std::string_view text, std::string_view label = "address");
// "10.244.0.0/16", "fd00::/64"; a bare address is a host prefix (/32, /128).
Result<Prefix> parse_prefix(std::string_view text, std::string_view label = "prefix");

bool contains(const Prefix& p, const Address& a);
bool contains(const Prefix& outer, const Prefix& inner);  // every address of inner is in outer
bool overlaps(const Prefix& a, const Prefix& b);          // false across families
// The common part of two prefixes: the more specific one (normalised) when they overlap.
std::optional<Prefix> intersection(const Prefix& a, const Prefix& b);

// The prefix of the same length right after p (p normalised); nullopt past the end of the space.
std::optional<Prefix> next_prefix(const Prefix& p);

// The private ranges a new pod range is taken from, in order of preference: for IPv4 the shared
// address space 100.64.0.0/10 (rarely used by offices or clouds), then 172.16.0.0/12, 10.0.0.0/8
// and 192.168.0.0/16; for IPv6 the unique local range fd00::/8.
const std::vector<Prefix>& private_candidates(Family f);

// The first prefix of length prefix_len, aligned, inside one of `candidates` (searched in order,
// lowest address first) that overlaps nothing in `used`. Prefixes of the other family in `used`
// are ignored. nullopt when every candidate is exhausted or prefix_len is shorter than a candidate.
std::optional<Prefix> find_free_prefix(const std::vector<Prefix>& candidates, unsigned prefix_len,
                                       const std::vector<Prefix>& used);

}  // namespace nd::node
