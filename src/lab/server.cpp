#include "lab/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>

#include "lab/daemon.h"
#include "lab/exec.h"

namespace nd::lab {

namespace {

constexpr size_t kMaxConns = 128;
constexpr size_t kMaxHeader = 16 * 1024;
constexpr size_t kMaxBody = 8 * 1024 * 1024;
constexpr int kConnSeconds = 15;

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  std::string kind;
  std::string head, out;
  size_t out_off = 0;
  bool head_done = false, responding = false;
  size_t want_body = 0, got_body = 0;
  std::string path;
  Clock::time_point deadline;
};

std::string http_response(int code, const std::string& reason, const std::string& body) {
  return "HTTP/1.0 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

void respond(Conn& c, const std::string& who) {
  c.responding = true;
  if (c.want_body > 0 || c.got_body > 0) {
    c.out = http_response(200, "OK", who + " received " + std::to_string(c.got_body) + " bytes\n");
  } else if (c.path == "/big") {
    std::string body;
    body.reserve(kBigResponseBytes);
    while (body.size() + 64 <= kBigResponseBytes) body += std::string(63, 'x') + "\n";
    body.append(kBigResponseBytes - body.size(), 'x');
    c.out = http_response(200, "OK", body);
  } else {
    c.out = http_response(200, "OK", "hello from " + who + "\n");
  }
}

// Parses the request head; false when it is malformed.
bool parse_head(Conn& c) {
  auto sp1 = c.head.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : c.head.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return false;
  c.path = c.head.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string lower;
  for (char ch : c.head) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  auto cl = lower.find("\r\ncontent-length:");
  if (cl != std::string::npos) c.want_body = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
  return true;
}

// Handles bytes read from an http connection.
void on_http_bytes(Conn& c, const char* data, size_t n, const std::string& who) {
  if (c.responding) return;
  if (!c.head_done) {
    c.head.append(data, n);
    auto end = c.head.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.head.size() > kMaxHeader) {
        c.responding = true;
        c.out = http_response(431, "Request Header Fields Too Large", "header too large\n");
      }
      return;
    }
    c.got_body = c.head.size() - (end + 4);
    c.head.resize(end + 2);
    c.head_done = true;
    if (!parse_head(c)) {
      c.responding = true;
      c.out = http_response(400, "Bad Request", "bad request\n");
      return;
    }
  } else {
    c.got_body += n;
  }
  if (c.want_body > kMaxBody) {
    c.responding = true;
    c.out = http_response(413, "Payload Too Large", "body too large\n");
  } else if (c.got_body >= c.want_body) {
    respond(c, who);
  }
}

int open_listener(const Listener& l, std::string& err) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(l.port));
  if (inet_pton(AF_INET, l.bind_ip.c_str(), &a.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 64) != 0) {
    err = "listen " + l.bind_ip + ":" + std::to_string(l.port) + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int serve(const ServeConfig& cfg, int ready_fd) {
  std::vector<std::pair<int, std::string>> listeners;  // fd, kind
  for (const auto& l : cfg.listeners) {
    std::string err;
    int fd = open_listener(l, err);
    if (fd < 0) {
      write_all(ready_fd, err + "\n");
      return 1;
    }
    listeners.emplace_back(fd, l.kind);
  }
  write_all(ready_fd, "ok\n");
  close(ready_fd);

  std::map<int, std::unique_ptr<Conn>> conns;
  auto started = Clock::now();
  auto next_alive_check = started;
  for (;;) {
    auto now = Clock::now();
    if (now - started > std::chrono::seconds(cfg.max_lifetime_s)) break;
    if (!cfg.alive_path.empty() && now >= next_alive_check) {
      if (access(cfg.alive_path.c_str(), F_OK) != 0) break;
      next_alive_check = now + std::chrono::seconds(1);
    }
    std::vector<pollfd> fds;
    for (auto& [fd, kind] : listeners)
      fds.push_back({fd, static_cast<short>(conns.size() < kMaxConns ? POLLIN : 0), 0});
    for (auto& [fd, c] : conns)
      fds.push_back({fd, static_cast<short>(c->out_off < c->out.size() ? POLLOUT : POLLIN), 0});
    if (poll(fds.data(), fds.size(), 500) < 0 && errno != EINTR) break;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      if (i < listeners.size()) {
        int cfd = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) continue;
        auto c = std::make_unique<Conn>();
        c->fd = cfd;
        c->kind = listeners[i].second;
        c->deadline = Clock::now() + std::chrono::seconds(kConnSeconds);
        if (c->kind == "banner") {
          c->responding = true;
          c->out = cfg.who + " ready\r\n";
        }
        conns[cfd] = std::move(c);
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = *it->second;
      bool done = false;
      if (fds[i].revents & POLLOUT) {
        ssize_t w = send(fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (w > 0) c.out_off += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) done = true;
        if (c.responding && c.out_off >= c.out.size()) done = true;
      } else if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
          done = true;
        } else if (n > 0 && c.kind == "http") {
          on_http_bytes(c, buf, static_cast<size_t>(n), cfg.who);
        }
      }
      if (done) {
        close(fd);
        conns.erase(it);
      }
    }
    // Connections past their time are closed: a stalled client cannot hold a slot forever.
    now = Clock::now();
    for (auto it = conns.begin(); it != conns.end();) {
      if (now > it->second->deadline) {
        close(it->first);
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [fd, c] : conns) close(fd);
  for (auto& [fd, kind] : listeners) close(fd);
  return 0;
}

Result<int> start_server(const std::string& netns, const ServeConfig& cfg, const std::string& log_path) {
  return spawn_daemon(netns, log_path, [&cfg](int ready_fd) { return serve(cfg, ready_fd); });
}

}  // namespace nd::lab
