// A two-namespace test network for the probe tests: a client namespace and a server namespace joined
// by a veth pair (10.77.0.1 <-> 10.77.0.2 and more server addresses), named ndprb-PID-c/-s so they
// are ours alone. Servers run as threads that entered the server namespace, or as child processes
// (dnsmasq). Everything is removed in the destructor, and leftovers of dead test runs at start.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace nd::probe::test {

class NetnsLab {
 public:
  // Empty skip_reason means the lab is up.
  NetnsLab();
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  std::string skip_reason;
  std::string client, server;  // namespace names
  std::string dir;             // a scratch directory for files (resolv.conf, targets)

  // Runs argv; false (and a message on stderr) when it fails.
  bool run(const std::vector<std::string>& argv);
  bool in_server(std::vector<std::string> argv);  // ip netns exec SERVER ...
  bool in_client(std::vector<std::string> argv);

  // Servers in the server namespace, stopped by the destructor.
  void tcp_listener(const std::string& ip, int port);
  void http_server(const std::string& ip, int port, const std::string& status_line);
  void dns_rcode_server(const std::string& ip, int rcode);  // answers every query with this rcode
  bool dnsmasq(const std::vector<std::string>& args);       // started in the server namespace
  // Waits until a DNS server in the server namespace answers (true) or 3 s pass.
  bool wait_dns(const std::string& ip);

  std::string write(const std::string& name, const std::string& text);  // a file in dir; its path

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::vector<int> pids_;
};

// Runs the netdoctor binary; captures stdout; returns the exit status.
int netdoctor(const std::vector<std::string>& args, std::string* out);

}  // namespace nd::probe::test
