#include "lab/netops.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lab/exec.h"

namespace nd::lab {

namespace fs = std::filesystem;

Result<bool> netns_add(const std::string& name) {
  if (auto r = sh("", {"ip", "netns", "add", name}); !r) return r.error();
  if (auto r = ip(name, {"link", "set", "lo", "up"}); !r) return r.error();
  return true;
}

Result<bool> netns_del(const std::string& name) {
  if (auto r = sh("", {"ip", "netns", "del", name}); !r) return r.error();
  return true;
}

bool netns_exists(const std::string& name) { return fs::exists("/run/netns/" + name); }

std::vector<std::string> netns_list(const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  return out;
}

Result<std::string> ip(const std::string& netns, std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  return sh(netns, std::move(args));
}

static std::string sysctl_path(const std::string& key) {
  std::string p = key;
  for (char& c : p)
    if (c == '.') c = '/';
  return "/proc/sys/" + p;
}

Result<bool> sysctl_set(const std::string& netns, const std::string& key, const std::string& value) {
  std::string path = sysctl_path(key);
  auto r = run_in_netns(netns, [&](int out) {
    std::ofstream f(path);
    f << value << "\n";
    f.flush();
    if (!f) {
      write_all(out, "cannot write " + path);
      return 1;
    }
    return 0;
  });
  if (!r) return r.error();
  if (r->status != 0) return Error{"sysctl " + key + "=" + value + " in " + netns + ": " + r->out};
  return true;
}

Result<std::string> sysctl_get(const std::string& netns, const std::string& key) {
  std::string path = sysctl_path(key);
  auto r = run_in_netns(netns, [&](int out) {
    std::ifstream f(path);
    std::string v;
    if (!(f >> v)) return 1;
    write_all(out, v);
    return 0;
  });
  if (!r) return r.error();
  if (r->status != 0) return Error{"cannot read " + key + " in " + netns};
  return r->out;
}

Result<bool> disable_tso(const std::string& netns, const std::string& ifname) {
  auto r = run_in_netns(netns, [&](int out) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ethtool_value v{};
    v.cmd = ETHTOOL_STSO;
    v.data = 0;
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
    ifr.ifr_data = reinterpret_cast<char*>(&v);
    if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) != 0) {
      write_all(out, std::string("ethtool -K ") + ifname + " tso off: " + std::strerror(errno));
      return 1;
    }
    close(fd);
    return 0;
  });
  if (!r) return r.error();
  if (r->status != 0) return Error{r->out + " (in netns " + netns + ")"};
  return true;
}

std::vector<int> netns_pids(const std::string& netns) {
  std::vector<int> pids;
  auto r = sh("", {"ip", "netns", "pids", netns}, 5000);
  if (!r) return pids;
  std::istringstream in(*r);
  int pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

bool pid_alive(int pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0) return false;
  // A zombie is not alive for our purposes.
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  auto rp = line.rfind(')');
  return !(rp != std::string::npos && rp + 2 < line.size() && line[rp + 2] == 'Z');
}

bool pid_in_netns(int pid, const std::string& netns) {
  struct stat a {}, b {};
  if (pid <= 0) return false;
  if (stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &a) != 0) return false;
  if (stat(("/run/netns/" + netns).c_str(), &b) != 0) return false;
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void stop_pids(const std::vector<int>& pids, int wait_ms) {
  for (int pid : pids) kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (int pid : pids) {
    while (pid_alive(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (pid_alive(pid)) kill(pid, SIGKILL);
  }
}

void kill_netns_processes(const std::string& netns, int wait_ms) {
  if (!netns_exists(netns)) return;
  auto pids = netns_pids(netns);
  std::vector<int> mine;
  for (int pid : pids)
    if (pid != getpid()) mine.push_back(pid);
  stop_pids(mine, wait_ms);
}

void stop_pid_in_netns(int pid, const std::string& netns, int wait_ms) {
  if (pid_alive(pid) && pid_in_netns(pid, netns)) stop_pids({pid}, wait_ms);
}

}  // namespace nd::lab
