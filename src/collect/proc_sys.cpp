#include "collect/proc_sys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "node/sysctl.h"

namespace nd::collect {
namespace {

constexpr int kMaxDepth = 12;          // /proc/sys/net/ipv4/neigh/IF/... is 5 deep; bound the walk anyway
constexpr size_t kMaxValue = 1 << 20;  // no sysctl value comes near this
// Keys procps leaves out of `sysctl -a` as deprecated (the neighbour timers in jiffies; the *_ms
// forms remain). Skipped too, so our sysctl.txt equals what the command prints.
constexpr const char* kDeprecated[] = {"base_reachable_time", "retrans_time"};

bool deprecated(const std::string& rel) {
  std::string last = rel.substr(rel.rfind('/') + 1);
  for (const char* d : kDeprecated)
    if (last == d) return true;
  return false;
}

struct Walker {
  std::string base;                          // ".../proc/sys"
  std::map<std::string, std::string> lines;  // key -> its printed line(s), sorted by key
  std::vector<std::string> unreadable;

  void file(const std::string& rel, const struct stat& st) {
    // sysctl -a leaves out write-only entries (net.ipv4.route.flush).
    if (!(st.st_mode & S_IRUSR) || deprecated(rel)) return;
    std::string key = node::sysctl_key_from_path(rel);
    int fd = ::open((base + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      unreadable.push_back(key + ": " + std::strerror(errno));
      return;
    }
    std::string value;
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // EIO is how the kernel says "no value set" (net.ipv6.conf.*.stable_secret); sysctl -a
        // skips those silently, and so do we.
        if (errno != EIO) unreadable.push_back(key + ": " + std::strerror(errno));
        ::close(fd);
        return;
      }
      if (n == 0) break;
      value.append(buf, static_cast<size_t>(n));
      if (value.size() > kMaxValue) break;
    }
    ::close(fd);
    // As procps prints it: each line of the value behind its own "key = ".
    if (!value.empty() && value.back() == '\n') value.pop_back();
    std::string out;
    size_t start = 0;
    for (;;) {
      size_t nl = value.find('\n', start);
      out += key + " = " + value.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    lines[key] = out;
  }

  void walk(const std::string& rel, int depth) {
    if (depth > kMaxDepth) return;
    DIR* d = ::opendir((base + "/" + rel).c_str());
    if (!d) {
      unreadable.push_back(node::sysctl_key_from_path(rel) + ": " + std::strerror(errno));
      return;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) {
      std::string child = rel + "/" + n;
      struct stat st;
      if (::lstat((base + "/" + child).c_str(), &st) != 0) continue;  // gone meanwhile (an interface)
      if (S_ISDIR(st.st_mode))
        walk(child, depth + 1);
      else if (S_ISREG(st.st_mode))
        file(child, st);
    }
  }
};

}  // namespace

const SysctlScope& default_sysctl_scope() {
  static const SysctlScope s{{"net"}, {"kernel/hostname", "kernel/osrelease"}};
  return s;
}

SysctlText read_proc_sys(const std::string& proc_sys, const SysctlScope& scope) {
  Walker w{proc_sys, {}, {}};
  for (const auto& t : scope.trees) w.walk(t, 0);
  for (const auto& k : scope.keys) {
    struct stat st;
    if (::stat((proc_sys + "/" + k).c_str(), &st) == 0 && S_ISREG(st.st_mode))
      w.file(k, st);
    else
      w.unreadable.push_back(node::sysctl_key_from_path(k) + ": " + std::strerror(errno));
  }
  SysctlText out;
  for (const auto& [key, text] : w.lines) out.text += text;
  out.keys = w.lines.size();
  out.unreadable = std::move(w.unreadable);
  return out;
}

}  // namespace nd::collect
