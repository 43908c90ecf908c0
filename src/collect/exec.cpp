#include "collect/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace nd::collect {
namespace {

constexpr const char* kFallbackDirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"};

bool executable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) dirs.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const char* d : kFallbackDirs) dirs.emplace_back(d);
  for (const auto& d : dirs)
    if (executable(d + "/" + name)) return d + "/" + name;
  return "";
}

std::string ExecResult::describe() const {
  if (!started) return error;
  if (timed_out) return error;
  if (truncated) return error;
  std::string first = err.substr(0, err.find('\n'));
  if (!exited) return "killed by a signal" + (first.empty() ? "" : ": " + first);
  if (exit_code != 0) return "exit status " + std::to_string(exit_code) + (first.empty() ? "" : ": " + first);
  return "ok";
}

ExecResult run_command(const std::vector<std::string>& argv, const ExecOptions& opts) {
  ExecResult r;
  if (argv.empty()) {
    r.error = "empty command";
    return r;
  }
  std::string exe = find_executable(argv[0]);
  if (exe.empty()) {
    r.error = argv[0] + ": command not found";
    return r;
  }
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return r;
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::string path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::string lc = "LC_ALL=C";
  char* envp[] = {path_env.data(), lc.data(), nullptr};

  pid_t pid = ::fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return r;
  }
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execve(exe.c_str(), cargv.data(), envp);
    _exit(127);
  }
  r.started = true;
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* bufs[2] = {&r.out, &r.err};
  auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  char buf[65536];
  while (fds[0] >= 0 || fds[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      r.error = argv[0] + ": timed out after " + std::to_string(opts.timeout.count()) + " ms";
      break;
    }
    pollfd p[2];
    int n = 0, map[2];
    for (int i = 0; i < 2; ++i)
      if (fds[i] >= 0) {
        p[n] = {fds[i], POLLIN, 0};
        map[n++] = i;
      }
    int pr = ::poll(p, n, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) {
      r.error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (int k = 0; k < n; ++k) {
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int i = map[k];
      ssize_t got = ::read(fds[i], buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close_fd(fds[i]);
        continue;
      }
      bufs[i]->append(buf, static_cast<size_t>(got));
      if (bufs[i]->size() > opts.max_output) {
        r.truncated = true;
        r.error = argv[0] + ": output larger than " + std::to_string(opts.max_output) + " bytes";
      }
    }
    if (r.truncated) break;
  }
  close_fd(fds[0]);
  close_fd(fds[1]);
  int status = 0;
  if (r.timed_out || r.truncated || !r.error.empty()) ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
    if (r.exit_code == 127 && r.out.empty() && r.err.empty() && r.error.empty())
      r.error = exe + ": could not be executed";
  }
  return r;
}

}  // namespace nd::collect
