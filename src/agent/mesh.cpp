#include "agent/mesh.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <yaml-cpp/yaml.h>

#include "agent/peers.h"
#include "collect/rooted.h"
#include "probe/dns_wire.h"

namespace nd::agent {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A sockaddr for an IP literal; family 0 when the text is not one.
struct Addr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = 0;
};

Addr make_addr(const std::string& host, int port) {
  Addr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    a.len = sizeof(sockaddr_in);
    a.family = AF_INET;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    a.len = sizeof(sockaddr_in6);
    a.family = AF_INET6;
  }
  return a;
}

std::string errno_word(int e) {
  switch (e) {
    case ECONNREFUSED: return "refused";
    case EHOSTUNREACH: return "no-route";
    case ENETUNREACH: return "network-unreachable";
    case ETIMEDOUT: return "timeout";
    default: return std::strerror(e);
  }
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::vector<ProbeResult> probe_tcp(const std::vector<HostPort>& targets, std::chrono::milliseconds timeout) {
  std::vector<ProbeResult> res(targets.size());
  std::vector<int> fds(targets.size(), -1);
  auto t0 = Clock::now();
  auto deadline = t0 + timeout;
  for (size_t i = 0; i < targets.size(); ++i) {
    res[i].target = to_string(targets[i]);
    res[i].kind = "tcp";
    Addr a = make_addr(targets[i].host, targets[i].port);
    if (!a.family) {
      res[i].detail = "not an IP address";
      continue;
    }
    int fd = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      res[i].detail = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) == 0) {
      res[i].ok = true;
      res[i].detail = "connected";
      res[i].seconds = since(t0);
      ::close(fd);
      continue;
    }
    if (errno != EINPROGRESS) {
      res[i].detail = errno_word(errno);
      res[i].seconds = since(t0);
      ::close(fd);
      continue;
    }
    fds[i] = fd;
  }
  // One poll loop for all pending connects; each is settled once, by its event or the deadline.
  for (;;) {
    std::vector<pollfd> p;
    std::vector<size_t> idx;
    for (size_t i = 0; i < fds.size(); ++i)
      if (fds[i] >= 0) {
        p.push_back({fds[i], POLLOUT, 0});
        idx.push_back(i);
      }
    if (p.empty()) break;
    int left = remaining_ms(deadline);
    int n = left > 0 ? ::poll(p.data(), p.size(), left) : 0;
    if (n < 0 && errno == EINTR) continue;
    bool expired = n <= 0;
    for (size_t k = 0; k < p.size(); ++k) {
      size_t i = idx[k];
      if (!expired && p[k].revents == 0) continue;
      if (expired) {
        res[i].detail = "timeout";
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len);
        res[i].ok = err == 0;
        res[i].detail = err == 0 ? "connected" : errno_word(err);
      }
      res[i].seconds = since(t0);
      ::close(fds[i]);
      fds[i] = -1;
    }
  }
  return res;
}

ProbeResult probe_dns(const std::string& server, const std::string& name, std::chrono::milliseconds timeout, int port) {
  ProbeResult r;
  r.kind = "dns";
  r.target = to_string(HostPort{server, port});
  auto t0 = Clock::now();
  if (!is_ip_literal(server)) {
    r.detail = "not an IP address";
    return r;
  }
  // The same single query `netdoctor probe dns` sends (c-ares, one server, one try), so the agent's
  // metric and the probe agree on what "answered" means.
  std::string fqdn = !name.empty() && name.back() == '.' ? name : name + ".";
  std::string at = server.find(':') != std::string::npos ? "[" + server + "]:" + std::to_string(port)
                                                        : server + ":" + std::to_string(port);
  probe::QueryReply q = probe::cares_query(fqdn, at, 1, static_cast<int>(timeout.count()));
  r.seconds = since(t0);
  if (q.rcode != "NOERROR") {
    r.detail = q.rcode;  // NXDOMAIN, SERVFAIL, REFUSED, timeout, port-unreachable, ...
    return r;
  }
  std::vector<std::string> a;
  for (const auto& ans : q.answers)
    if (is_ip_literal(ans)) a.push_back(ans);  // CNAME steps print as "CNAME target."
  if (a.empty()) {
    r.detail = "no A record";
    return r;
  }
  r.ok = true;
  r.detail = std::to_string(a.size()) + " A record" + (a.size() > 1 ? "s" : "") + " (" + a.front() + ")";
  return r;
}

std::string kubelet_cluster_dns(const std::string& root) {
  auto f = collect::read_in_root(root, "/var/lib/kubelet/config.yaml", 1u << 20);
  if (!f) return "";
  try {
    YAML::Node doc = YAML::Load(f->text);
    YAML::Node dns = doc["clusterDNS"];
    if (dns && dns.IsSequence() && dns.size() > 0 && dns[0].IsScalar()) {
      std::string ip = dns[0].as<std::string>();
      if (is_ip_literal(ip)) return ip;
    }
  } catch (const std::exception&) {
  }
  return "";
}

}  // namespace nd::agent
