#include "netns_lab.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "probe/dns_wire.h"
#include "probe/netns.h"

namespace nd::probe::test {
namespace {

int spawn(const std::vector<std::string>& argv, bool quiet, std::string* out = nullptr) {
  int p[2] = {-1, -1};
  if (out && pipe(p) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (out) {
      dup2(p[1], 1);
      close(p[0]);
      close(p[1]);
    }
    if (quiet) {
      int dn = open("/dev/null", O_WRONLY);
      dup2(dn, 2);
      if (!out) dup2(dn, 1);
    }
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  if (out) {
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
    close(p[0]);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Namespaces of earlier runs whose process is gone (a crashed test): ndprb-PID-*.
void remove_stale() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename();
    if (n.rfind("ndprb-", 0) != 0) continue;
    int pid = std::atoi(n.c_str() + 6);
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) spawn({"ip", "netns", "del", n}, true);
  }
}

// A thread that has entered the server namespace; fn polls stop.
void in_ns_thread(std::vector<std::thread>& threads, const std::string& ns, std::atomic<bool>& stop,
                  std::function<void(std::atomic<bool>&)> fn) {
  threads.emplace_back([ns, &stop, fn] {
    if (!enter_netns(ns)) return;
    fn(stop);
  });
}

int bound_socket(int type, const std::string& ip, int port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::cerr << "bind " << ip << ":" << port << ": " << std::strerror(errno) << "\n";
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

NetnsLab::NetnsLab() {
  if (geteuid() != 0) {
    skip_reason = "needs root to create network namespaces";
    return;
  }
  if (spawn({"ip", "-V"}, true) != 0) {
    skip_reason = "iproute2 (ip) is not installed";
    return;
  }
  remove_stale();
  std::string base = "ndprb-" + std::to_string(getpid());
  client = base + "-c";
  server = base + "-s";
  char tmpl[] = "/tmp/ndprb-XXXXXX";
  dir = mkdtemp(tmpl) ? tmpl : "/tmp";
  bool ok = run({"ip", "netns", "add", client}) && run({"ip", "netns", "add", server}) &&
            run({"ip", "-n", client, "link", "add", "c0", "type", "veth", "peer", "name", "s0", "netns", server}) &&
            run({"ip", "-n", client, "addr", "add", "10.77.0.1/24", "dev", "c0"}) &&
            run({"ip", "-n", client, "link", "set", "c0", "up"}) && run({"ip", "-n", client, "link", "set", "lo", "up"}) &&
            run({"ip", "-n", server, "link", "set", "s0", "up"}) && run({"ip", "-n", server, "link", "set", "lo", "up"});
  for (int i = 2; ok && i <= 9; ++i)
    ok = run({"ip", "-n", server, "addr", "add", "10.77.0." + std::to_string(i) + "/24", "dev", "s0"});
  if (!ok) skip_reason = "could not build the test namespaces (see the command above)";
}

NetnsLab::~NetnsLab() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  for (int pid : pids_) {
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
  }
  if (!client.empty()) spawn({"ip", "netns", "del", client}, true);
  if (!server.empty()) spawn({"ip", "netns", "del", server}, true);
  if (dir.rfind("/tmp/ndprb-", 0) == 0) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

bool NetnsLab::run(const std::vector<std::string>& argv) {
  int rc = spawn(argv, false);
  if (rc != 0) {
    std::cerr << "command failed (" << rc << "):";
    for (const auto& a : argv) std::cerr << " " << a;
    std::cerr << "\n";
  }
  return rc == 0;
}

bool NetnsLab::in_server(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", server});
  return run(argv);
}

bool NetnsLab::in_client(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", client});
  return run(argv);
}

void NetnsLab::tcp_listener(const std::string& ip, int port) {
  in_ns_thread(threads_, server, stop_, [ip, port](std::atomic<bool>& stop) {
    int fd = bound_socket(SOCK_STREAM, ip, port);
    if (fd < 0 || listen(fd, 512) != 0) return;
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int c = accept(fd, nullptr, nullptr);
      if (c >= 0) close(c);
    }
    close(fd);
  });
}

void NetnsLab::http_server(const std::string& ip, int port, const std::string& status_line) {
  in_ns_thread(threads_, server, stop_, [ip, port, status_line](std::atomic<bool>& stop) {
    int fd = bound_socket(SOCK_STREAM, ip, port);
    if (fd < 0 || listen(fd, 64) != 0) return;
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int c = accept(fd, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[1024];
      while (req.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 1000) <= 0) break;
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      std::string resp = status_line + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
    close(fd);
  });
}

void NetnsLab::dns_rcode_server(const std::string& ip, int rcode) {
  in_ns_thread(threads_, server, stop_, [ip, rcode](std::atomic<bool>& stop) {
    int fd = bound_socket(SOCK_DGRAM, ip, 53);
    if (fd < 0) return;
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 12) continue;
      buf[2] |= 0x80;                                                   // a response
      buf[3] = static_cast<unsigned char>(0x80 | (rcode & 0x0f));       // RA, the rcode
      sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), fl);
    }
    close(fd);
  });
}

bool NetnsLab::dnsmasq(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip", "netns", "exec", server, "dnsmasq", "--keep-in-foreground",
                                   "--conf-file=/dev/null", "--pid-file=", "--user=root", "--port=53",
                                   "--no-hosts", "--bind-interfaces", "--cache-size=0"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int dn = open("/dev/null", O_WRONLY);
    dup2(dn, 1);
    dup2(dn, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  if (pid < 0) return false;
  pids_.push_back(pid);
  return true;
}

bool NetnsLab::wait_dns(const std::string& ip) {
  NetnsSwitch sw;
  if (!sw.go(client)) return false;
  for (int i = 0; i < 30; ++i) {
    QueryReply r = cares_query("kubernetes.default.svc.cluster.local.", ip, 1, 100);
    if (r.rcode != "timeout" && r.rcode != "port-unreachable") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // not listening yet
  }
  return false;
}

std::string NetnsLab::write(const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

int netdoctor(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {ND_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn(argv, true, out);
}

}  // namespace nd::probe::test
