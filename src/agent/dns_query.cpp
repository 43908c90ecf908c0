#include "agent/dns_query.h"

#include <cctype>

namespace nd::agent {

namespace {

constexpr uint16_t kTypeA = 1, kClassIn = 1;

uint16_t be16(const std::vector<uint8_t>& m, size_t at) { return static_cast<uint16_t>(m[at] << 8 | m[at + 1]); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Reads a (possibly compressed) name at `at`; `next` gets the offset after it in the message.
// At most 16 pointer jumps, so a pointer loop ends.
bool read_name(const std::vector<uint8_t>& m, size_t at, std::string& out, size_t& next) {
  out.clear();
  bool jumped = false;
  for (int hops = 0; hops < 16;) {
    if (at >= m.size()) return false;
    uint8_t len = m[at];
    if (len == 0) {
      if (!jumped) next = at + 1;
      return true;
    }
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= m.size()) return false;
      if (!jumped) next = at + 2;
      jumped = true;
      at = static_cast<size_t>((len & 0x3F) << 8 | m[at + 1]);
      ++hops;
      continue;
    }
    if (len > 63 || at + 1 + len > m.size()) return false;
    if (!out.empty()) out.push_back('.');
    out.append(reinterpret_cast<const char*>(&m[at + 1]), len);
    if (out.size() > 255) return false;
    at += 1 + len;
  }
  return false;
}

}  // namespace

Result<std::vector<uint8_t>> build_a_query(const std::string& name, uint16_t id) {
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || n.size() > 253) return Error{"dns name '" + name + "': empty or longer than 253 bytes"};
  std::vector<uint8_t> m = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00,  // RD
                            0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= n.size()) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) return Error{"dns name '" + name + "': a label is empty or longer than 63 bytes"};
    m.push_back(static_cast<uint8_t>(len));
    m.insert(m.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  m.insert(m.end(), {0, 0, kTypeA, 0, kClassIn});
  return m;
}

Result<DnsAnswer> read_a_response(const std::vector<uint8_t>& m, uint16_t id, const std::string& name) {
  if (m.size() < 12) return Error{"short-header: " + std::to_string(m.size()) + " bytes"};
  if (be16(m, 0) != id) return Error{"id-mismatch"};
  if (!(m[2] & 0x80)) return Error{"not-a-response"};
  if (m[2] & 0x02) return Error{"truncated: the TC bit is set"};
  DnsAnswer a;
  a.rcode = m[3] & 0x0F;
  uint16_t qd = be16(m, 4), an = be16(m, 6);
  if (qd != 1) return Error{"question-mismatch: " + std::to_string(qd) + " questions"};
  std::string qname;
  size_t at = 12;
  if (!read_name(m, at, qname, at)) return Error{"bad-name in the question"};
  if (at + 4 > m.size()) return Error{"record-overrun in the question"};
  if (lower(qname) != lower(name) || be16(m, at) != kTypeA) return Error{"question-mismatch: " + qname};
  at += 4;
  for (uint16_t i = 0; i < an; ++i) {
    std::string rname;
    if (!read_name(m, at, rname, at)) return Error{"bad-name in answer " + std::to_string(i + 1)};
    if (at + 10 > m.size()) return Error{"record-overrun in answer " + std::to_string(i + 1)};
    uint16_t type = be16(m, at), klass = be16(m, at + 2), rdlen = be16(m, at + 8);
    at += 10;
    if (at + rdlen > m.size()) return Error{"record-overrun in answer " + std::to_string(i + 1)};
    if (type == kTypeA && klass == kClassIn && rdlen == 4) {
      ++a.answers;
      a.addresses.push_back(std::to_string(m[at]) + "." + std::to_string(m[at + 1]) + "." + std::to_string(m[at + 2]) +
                            "." + std::to_string(m[at + 3]));
    }
    at += rdlen;
  }
  return a;
}

}  // namespace nd::agent
