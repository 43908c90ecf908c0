#include "lab/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace nd::lab {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

int decode_status(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is available; returns false at EOF or on a hard error.
bool drain(int fd, std::string& into) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// The child's pipes: input still to write, output collected so far.
struct Pump {
  int out_fd = -1, err_fd = -1, in_fd = -1;
  std::string input;
  size_t input_off = 0;
  std::string out, err;
};

// Waits for pid until the deadline, pumping the pipes; kills its process group on timeout.
int pump_and_wait(pid_t pid, Pump& p, Clock::time_point deadline, bool& timed_out) {
  timed_out = false;
  int wstatus = 0;
  bool exited = false;
  for (;;) {
    if (!exited) {
      pid_t r = waitpid(pid, &wstatus, WNOHANG);
      if (r == pid) exited = true;
    }
    if (exited) {
      // A daemon started by the child may hold the pipes open: take what is there and stop.
      if (p.out_fd >= 0) drain(p.out_fd, p.out);
      if (p.err_fd >= 0) drain(p.err_fd, p.err);
      break;
    }
    if (remaining_ms(deadline) == 0) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (p.out_fd >= 0) fds[n++] = {p.out_fd, POLLIN, 0};
    if (p.err_fd >= 0) fds[n++] = {p.err_fd, POLLIN, 0};
    if (p.in_fd >= 0) fds[n++] = {p.in_fd, POLLOUT, 0};
    int wait = std::min(remaining_ms(deadline), 20);
    if (n == 0) {
      usleep(static_cast<useconds_t>(std::min(wait, 2)) * 1000);
      continue;
    }
    if (poll(fds, static_cast<nfds_t>(n), wait) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == p.out_fd && !drain(p.out_fd, p.out)) {
        close(p.out_fd);
        p.out_fd = -1;
      } else if (fds[i].fd == p.err_fd && !drain(p.err_fd, p.err)) {
        close(p.err_fd);
        p.err_fd = -1;
      } else if (fds[i].fd == p.in_fd) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          close(p.in_fd);
          p.in_fd = -1;
          continue;
        }
        ssize_t w = write(p.in_fd, p.input.data() + p.input_off, p.input.size() - p.input_off);
        if (w > 0) p.input_off += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) p.input_off = p.input.size();
        if (p.input_off >= p.input.size()) {
          close(p.in_fd);
          p.in_fd = -1;
        }
      }
    }
  }
  for (int* fd : {&p.out_fd, &p.err_fd, &p.in_fd}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  return decode_status(wstatus);
}

}  // namespace

void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t w = write(fd, s.data() + off, s.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += static_cast<size_t>(w);
  }
  return true;
}

std::string enter_netns(const std::string& netns) {
  if (netns.empty()) return "";
  std::string path = "/run/netns/" + netns;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "open " + path + ": " + std::strerror(errno);
  int rc = setns(fd, CLONE_NEWNET);
  int e = errno;
  close(fd);
  if (rc != 0) return "setns " + path + ": " + std::strerror(e);
  return "";
}

std::string render(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

Result<Output> run(const Command& cmd) {
  if (cmd.argv.empty()) return Error{"run: empty command"};
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    return Error{std::string("pipe: ") + std::strerror(errno)};
  auto deadline = Clock::now() + std::chrono::milliseconds(cmd.timeout_ms);
  pid_t pid = fork();
  if (pid < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    setpgid(0, 0);
    reset_signals();
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::string e = enter_netns(cmd.netns);
    if (!e.empty()) {
      write_all(2, e + "\n");
      _exit(127);
    }
    for (const auto& kv : cmd.env_add) {
      auto eq = kv.find('=');
      if (eq != std::string::npos) setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    std::vector<char*> argv;
    for (const auto& a : cmd.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    write_all(2, "exec " + cmd.argv[0] + ": " + std::strerror(errno) + "\n");
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  Pump p;
  p.out_fd = out[0];
  p.err_fd = err[0];
  set_nonblock(p.out_fd);
  set_nonblock(p.err_fd);
  if (cmd.input.empty()) {
    close(in[1]);
  } else {
    p.in_fd = in[1];
    p.input = cmd.input;
    set_nonblock(p.in_fd);
  }
  // A child that dies while we write its stdin must not kill us.
  struct sigaction ign {}, old{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  bool timed_out = false;
  int status = pump_and_wait(pid, p, deadline, timed_out);
  sigaction(SIGPIPE, &old, nullptr);
  std::string where = cmd.netns.empty() ? "" : " (in netns " + cmd.netns + ")";
  if (timed_out)
    return Error{render(cmd.argv) + where + ": timed out after " + std::to_string(cmd.timeout_ms) +
                 " ms" + (p.err.empty() ? "" : ": " + p.err)};
  return Output{status, std::move(p.out), std::move(p.err)};
}

Result<std::string> run_ok(const Command& cmd) {
  auto r = run(cmd);
  if (!r) return r.error();
  if (r->status != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    std::string where = cmd.netns.empty() ? "" : " (in netns " + cmd.netns + ")";
    return Error{render(cmd.argv) + where + ": exit status " + std::to_string(r->status) +
                 (err.empty() ? "" : ": " + err)};
  }
  return std::move(r->out);
}

Result<std::string> sh(const std::string& netns, std::vector<std::string> argv, int timeout_ms) {
  Command c;
  c.argv = std::move(argv);
  c.netns = netns;
  c.timeout_ms = timeout_ms;
  return run_ok(c);
}

Result<ChildResult> run_in_netns(const std::string& netns, const std::function<int(int)>& fn,
                                 int timeout_ms) {
  int out[2];
  if (pipe2(out, O_CLOEXEC)) return Error{std::string("pipe: ") + std::strerror(errno)};
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  pid_t pid = fork();
  if (pid < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    setpgid(0, 0);
    reset_signals();
    close(out[0]);
    std::string e = enter_netns(netns);
    if (!e.empty()) {
      write_all(out[1], "error: " + e);
      _exit(127);
    }
    int rc = fn(out[1]);
    _exit(rc);
  }
  close(out[1]);
  Pump p;
  p.out_fd = out[0];
  set_nonblock(p.out_fd);
  bool timed_out = false;
  int status = pump_and_wait(pid, p, deadline, timed_out);
  if (timed_out)
    return Error{"child in netns " + netns + " timed out after " + std::to_string(timeout_ms) + " ms"};
  if (status == 127 && p.out.rfind("error: ", 0) == 0) return Error{p.out.substr(7)};
  return ChildResult{status, std::move(p.out)};
}

}  // namespace nd::lab
