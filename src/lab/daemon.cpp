#include "lab/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "lab/exec.h"

namespace nd::lab {

namespace {

// Closes every descriptor above 2 except keep.
void close_other_fds(int keep) {
  std::error_code ec;
  std::vector<int> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(e.path().filename().c_str());
    if (fd > 2 && fd != keep) fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
}

}  // namespace

Result<int> spawn_daemon(const std::string& netns, const std::string& log_path,
                         const std::function<int(int)>& fn, int timeout_ms) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC)) return Error{std::string("pipe: ") + std::strerror(errno)};
  std::filesystem::create_directories(std::filesystem::path(log_path).parent_path());
  pid_t child = fork();
  if (child < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (child == 0) {
    close(ready[0]);
    reset_signals();
    setsid();
    pid_t grandchild = fork();
    if (grandchild != 0) _exit(grandchild < 0 ? 1 : 0);
    std::string e = enter_netns(netns);
    if (!e.empty()) {
      write_all(ready[1], "error: " + e + "\n");
      _exit(1);
    }
    int devnull = open("/dev/null", O_RDONLY);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (devnull >= 0) dup2(devnull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    close_other_fds(ready[1]);
    if (chdir("/") != 0) _exit(1);
    write_all(ready[1], "pid " + std::to_string(getpid()) + "\n");
    int rc = fn(ready[1]);
    _exit(rc);
  }
  close(ready[1]);
  int ws = 0;
  waitpid(child, &ws, 0);
  // Read the readiness line (or the error) within the deadline.
  std::string msg;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto lines = [&] { return std::count(msg.begin(), msg.end(), '\n'); };
  while (lines() < 2) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd p{ready[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[512];
    ssize_t n = read(ready[0], buf, sizeof buf);
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  close(ready[0]);
  int pid = 0;
  if (msg.rfind("pid ", 0) == 0) {
    pid = std::atoi(msg.c_str() + 4);
    msg.erase(0, msg.find('\n') + 1);
  }
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (pid > 0 && msg == "ok") return pid;
  if (msg.empty()) msg = "no readiness report within " + std::to_string(timeout_ms) + " ms";
  if (pid > 0) kill(pid, SIGKILL);  // half started: do not leave it behind
  return Error{"daemon in " + netns + ": " + msg};
}

}  // namespace nd::lab
