// SHA-256 (FIPS 180-4), only so that the lab can name kube-proxy's chains exactly as kube-proxy does
// (KUBE-SVC-/KUBE-SEP- + base32 of a SHA-256). Not for anything that needs a vetted crypto library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nd::lab {

std::array<uint8_t, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// RFC 4648 base32 (A-Z2-7) without padding, as Go's base32.StdEncoding produces before its '='.
std::string base32(const uint8_t* data, size_t len);

}  // namespace nd::lab
