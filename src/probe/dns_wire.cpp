#include "probe/dns_wire.h"

#include <ares.h>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <mutex>

namespace nd::probe {
namespace {

struct TypeRow {
  std::string_view name;
  int type;
};
constexpr TypeRow kTypes[] = {{"A", 1},    {"NS", 2},   {"CNAME", 5}, {"SOA", 6},  {"PTR", 12}, {"MX", 15},
                              {"TXT", 16}, {"AAAA", 28}, {"SRV", 33},  {"CAA", 257}, {"ANY", 255}};

constexpr std::string_view kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// A (possibly compressed) name at p; returns false when it runs off the message.
bool read_name(const unsigned char* p, const unsigned char* buf, size_t len, std::string* out, long* used) {
  char* name = nullptr;
  long n = 0;
  if (p < buf || p >= buf + len) return false;
  if (ares_expand_name(p, buf, static_cast<int>(len), &name, &n) != ARES_SUCCESS) return false;
  *out = name;
  if (out->empty() || out->back() != '.') *out += '.';
  ares_free_string(name);
  *used = n;
  return true;
}

std::string render_rdata(int type, const unsigned char* rd, size_t rdlen, const unsigned char* buf, size_t len) {
  char ip[INET6_ADDRSTRLEN];
  std::string name;
  long used = 0;
  switch (type) {
    case 1:
      if (rdlen == 4 && inet_ntop(AF_INET, rd, ip, sizeof ip)) return ip;
      break;
    case 28:
      if (rdlen == 16 && inet_ntop(AF_INET6, rd, ip, sizeof ip)) return ip;
      break;
    case 2:
    case 5:
    case 12:
      if (read_name(rd, buf, len, &name, &used)) return qtype_name(type) + " " + name;
      break;
    case 15:
      if (rdlen > 2 && read_name(rd + 2, buf, len, &name, &used)) return fmt::format("MX {} {}", u16(rd), name);
      break;
    case 33:
      if (rdlen > 6 && read_name(rd + 6, buf, len, &name, &used))
        return fmt::format("SRV {} {} {} {}", u16(rd), u16(rd + 2), u16(rd + 4), name);
      break;
    case 16: {
      std::string s = "TXT";
      size_t i = 0;
      while (i < rdlen) {
        size_t l = rd[i];
        if (i + 1 + l > rdlen) return "TXT (malformed)";
        s += " \"" + std::string(reinterpret_cast<const char*>(rd + i + 1), l) + "\"";
        i += 1 + l;
      }
      return s;
    }
    default:
      return fmt::format("{} ({} bytes)", qtype_name(type), rdlen);
  }
  return fmt::format("{} (malformed)", qtype_name(type));
}

std::once_flag g_ares_init;

}  // namespace

Result<int> parse_qtype(std::string_view text) {
  std::string up;
  for (char c : text) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (const auto& row : kTypes)
    if (row.name == up) return row.type;
  if (up.rfind("TYPE", 0) == 0 && up.size() > 4 && up.size() <= 9) {
    int v = 0;
    for (size_t i = 4; i < up.size(); ++i) {
      if (up[i] < '0' || up[i] > '9') return Error{fmt::format("'{}' is not a DNS record type", text)};
      v = v * 10 + (up[i] - '0');
    }
    if (v >= 1 && v <= 65535) return v;
  }
  return Error{fmt::format("'{}' is not a DNS record type (A, AAAA, SRV, PTR, TXT, MX, NS, CNAME, SOA, CAA, ANY, TYPEn)", text)};
}

std::string qtype_name(int type) {
  for (const auto& row : kTypes)
    if (row.type == type) return std::string(row.name);
  return fmt::format("TYPE{}", type);
}

QueryReply parse_reply(const unsigned char* buf, size_t len) {
  QueryReply r;
  if (!buf || len < 12) {
    r.outcome = dns::Outcome::ServFail;
    r.rcode = "malformed";
    return r;
  }
  int rc = buf[3] & 0x0f;
  r.rcode = rc < 6 ? std::string(kRcodes[rc]) : fmt::format("RCODE{}", rc);
  uint16_t qd = u16(buf + 4), an = u16(buf + 6);
  size_t off = 12;
  for (int i = 0; i < qd; ++i) {
    std::string n;
    long used = 0;
    if (!read_name(buf + off, buf, len, &n, &used) || off + static_cast<size_t>(used) + 4 > len) {
      r.outcome = dns::Outcome::ServFail;
      r.rcode = "malformed";
      return r;
    }
    off += static_cast<size_t>(used) + 4;
  }
  for (int i = 0; i < an; ++i) {
    std::string n;
    long used = 0;
    if (!read_name(buf + off, buf, len, &n, &used) || off + static_cast<size_t>(used) + 10 > len) break;
    off += static_cast<size_t>(used);
    int type = u16(buf + off);
    size_t rdlen = u16(buf + off + 8);
    off += 10;
    if (off + rdlen > len) break;
    r.answers.push_back(render_rdata(type, buf + off, rdlen, buf, len));
    off += rdlen;
  }
  switch (rc) {
    case 0:
      r.outcome = r.answers.empty() ? dns::Outcome::NoData : dns::Outcome::Answer;
      if (r.answers.empty()) r.rcode = "NOERROR (no answer)";
      break;
    case 3:
      r.outcome = dns::Outcome::NxDomain;
      break;
    case 5:
      r.outcome = dns::Outcome::Refused;
      break;
    default:
      r.outcome = dns::Outcome::ServFail;  // SERVFAIL, FORMERR, NOTIMP: the libc tries the next server
  }
  return r;
}

std::string reverse_name(const std::string& ip) {
  unsigned char a[16];
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) return fmt::format("{}.{}.{}.{}.in-addr.arpa.", a[3], a[2], a[1], a[0]);
  if (inet_pton(AF_INET6, ip.c_str(), a) == 1) {
    std::string s;
    for (int i = 15; i >= 0; --i) s += fmt::format("{:x}.{:x}.", a[i] & 0xf, a[i] >> 4);
    return s + "ip6.arpa.";
  }
  return "";
}

QueryReply cares_query(const std::string& fqdn, const std::string& server, int qtype, int wait_ms, bool use_tcp) {
  std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  using Clock = std::chrono::steady_clock;
  QueryReply r;
  ares_options opts{};
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | (use_tcp ? ARES_FLAG_USEVC : 0);
  opts.tries = 1;
  opts.timeout = wait_ms;
  ares_channel ch = nullptr;
  if (ares_init_options(&ch, &opts, ARES_OPT_FLAGS | ARES_OPT_TRIES | ARES_OPT_TIMEOUTMS) != ARES_SUCCESS) {
    r.rcode = "c-ares init failed";
    return r;
  }
  std::string csv = server;
  if (server.find(':') != std::string::npos && server.front() != '[' &&
      server.find(':') != server.rfind(':'))
    csv = "[" + server + "]:53";  // a bare IPv6 address
  if (ares_set_servers_ports_csv(ch, csv.c_str()) != ARES_SUCCESS) {
    ares_destroy(ch);
    r.rcode = "bad server address";
    return r;
  }
  struct State {
    bool done = false;
    int status = 0;
    std::string reply;
  } st;
  std::string name = fqdn;
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  auto t0 = Clock::now();
  ares_query(
      ch, name.c_str(), 1 /* IN */, qtype,
      [](void* arg, int status, int, unsigned char* abuf, int alen) {
        auto* s = static_cast<State*>(arg);
        s->done = true;
        s->status = status;
        if (abuf && alen > 0) s->reply.assign(reinterpret_cast<char*>(abuf), static_cast<size_t>(alen));
      },
      &st);
  // The event loop: c-ares owns the timeout (tries=1, timeout=wait_ms); poll is a bounded safety net.
  auto hard_deadline = t0 + std::chrono::milliseconds(wait_ms + 1000);
  while (!st.done && Clock::now() < hard_deadline) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
    pollfd pfds[ARES_GETSOCK_MAXNUM];
    int n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (ev) pfds[n++] = pollfd{socks[i], ev, 0};
    }
    timeval tv{}, maxtv{1, 0};
    timeval* t = ares_timeout(ch, &maxtv, &tv);
    int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
    int rc = poll(pfds, static_cast<nfds_t>(n), ms);
    if (rc <= 0) {
      ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (!pfds[i].revents) continue;
      ares_process_fd(ch, pfds[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfds[i].fd : ARES_SOCKET_BAD,
                      pfds[i].revents & POLLOUT ? pfds[i].fd : ARES_SOCKET_BAD);
    }
  }
  if (!st.done) ares_cancel(ch);
  ares_destroy(ch);
  r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  if (!st.reply.empty()) {
    QueryReply p = parse_reply(reinterpret_cast<const unsigned char*>(st.reply.data()), st.reply.size());
    p.time_ms = r.time_ms;
    return p;
  }
  r.outcome = dns::Outcome::Timeout;
  if (st.status == ARES_ECONNREFUSED)
    r.rcode = "port-unreachable";  // ICMP: nothing listens on the server's port
  else if (st.status == ARES_ETIMEOUT || !st.done)
    r.rcode = "timeout";
  else
    r.rcode = ares_strerror(st.status);
  return r;
}

}  // namespace nd::probe
