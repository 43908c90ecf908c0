#include "pcap/dns_message.h"

#include "pcap/bytes.h"

namespace nd::pcap {

namespace {

constexpr int kMaxPointers = 16;

// Decodes the name at `off` into out.name; returns the offset after it in the message (after the
// first pointer, if any), or 0 with `err` set.
uint32_t read_name(const uint8_t* p, uint32_t len, uint32_t off, DnsMessage& out, AnomalyId& err) {
  uint32_t end = 0;  // where the name ends in the message, fixed by the first pointer
  uint32_t wire = 0;  // name length as on the wire, limited to 255 by RFC 1035
  int pointers = 0;
  uint16_t n = 0;
  for (;;) {
    if (off >= len) {
      err = AnomalyId::TruncatedDnsQuestion;
      return 0;
    }
    uint8_t l = p[off];
    if ((l & 0xc0) == 0xc0) {
      if (off + 1 >= len) {
        err = AnomalyId::TruncatedDnsQuestion;
        return 0;
      }
      uint32_t target = (l & 0x3fu) << 8 | p[off + 1];
      if (end == 0) end = off + 2;
      // Only backwards, and not too often: a pointer loop would never end.
      if (target >= off || ++pointers > kMaxPointers) {
        err = AnomalyId::DnsPointerLoop;
        return 0;
      }
      off = target;
      continue;
    }
    if (l & 0xc0) {  // 0x40 and 0x80 label types are reserved/obsolete
      err = AnomalyId::BadDnsLabel;
      return 0;
    }
    if (l == 0) {
      if (end == 0) end = off + 1;
      break;
    }
    if (off + 1 + l > len) {
      err = AnomalyId::TruncatedDnsQuestion;
      return 0;
    }
    wire += l + 1u;
    if (wire > 255) {
      err = AnomalyId::DnsNameTooLong;
      return 0;
    }
    if (n > 0) out.name[n++] = '.';
    for (uint32_t i = 0; i < l; ++i) {
      char ch = static_cast<char>(p[off + 1 + i]);
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      // Keep reports printable: bytes outside visible ASCII become '?'.
      if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
      out.name[n++] = ch;
    }
    off += 1 + l;
  }
  if (n == 0) out.name[n++] = '.';
  out.name[n] = 0;
  out.name_len = n;
  return end;
}

}  // namespace

AnomalyId parse_dns(const uint8_t* p, uint32_t len, DnsMessage& out) {
  out.has_question = false;
  out.name_len = 0;
  out.name[0] = 0;
  if (len < 12) return AnomalyId::TruncatedDnsHeader;
  out.id = be16(p);
  out.response = p[2] & 0x80;
  out.opcode = (p[2] >> 3) & 0x0f;
  out.truncated = p[2] & 0x02;
  out.rcode = p[3] & 0x0f;
  out.questions = be16(p + 4);
  out.answers = be16(p + 6);
  if (out.questions == 0) return AnomalyId::None;
  AnomalyId err = AnomalyId::None;
  uint32_t off = read_name(p, len, 12, out, err);
  if (off == 0) return err;
  if (off + 4 > len) return AnomalyId::TruncatedDnsQuestion;
  out.qtype = be16(p + off);
  out.has_question = true;
  return AnomalyId::None;
}

std::string_view rcode_name(uint8_t rcode) {
  static constexpr std::string_view kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                "NXRRSET", "NOTAUTH", "NOTZONE"};
  static constexpr std::string_view kOther[] = {"RCODE11", "RCODE12", "RCODE13", "RCODE14",
                                                "RCODE15"};
  if (rcode < 11) return kNames[rcode];
  return rcode <= 15 ? kOther[rcode - 11] : "RCODE?";  // the header field has 4 bits
}

std::string qtype_name(uint16_t t) {
  struct Name {
    uint16_t type;
    const char* name;
  };
  static constexpr Name kTypes[] = {{1, "A"},     {2, "NS"},     {5, "CNAME"}, {6, "SOA"},
                                    {12, "PTR"},  {15, "MX"},    {16, "TXT"},  {28, "AAAA"},
                                    {29, "LOC"},  {33, "SRV"},   {35, "NAPTR"}, {43, "DS"},
                                    {48, "DNSKEY"}, {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"},
                                    {252, "AXFR"}, {255, "ANY"}, {256, "URI"}, {257, "CAA"}};
  for (const Name& n : kTypes) {
    if (n.type == t) return n.name;
  }
  return "TYPE" + std::to_string(t);
}

}  // namespace nd::pcap
