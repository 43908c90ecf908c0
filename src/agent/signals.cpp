#include "agent/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace nd::agent {

namespace {

int g_pipe[2] = {-1, -1};

void on_signal(int sig) {
  int saved = errno;
  char c = static_cast<char>(sig);
  if (g_pipe[1] >= 0) [[maybe_unused]] auto n = ::write(g_pipe[1], &c, 1);
  errno = saved;
}

void on_sigpipe(int) {}

void set_handler(int sig, void (*fn)(int)) {
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(sig, &sa, nullptr);
}

}  // namespace

StopOnSignal::StopOnSignal(std::function<void()> on_stop) {
  if (::pipe2(g_pipe, O_CLOEXEC) != 0) g_pipe[0] = g_pipe[1] = -1;
  set_handler(SIGTERM, on_signal);
  set_handler(SIGINT, on_signal);
  set_handler(SIGPIPE, on_sigpipe);
  int rd = g_pipe[0];
  watcher_ = std::thread([rd, fn = std::move(on_stop)] {
    char c = 0;
    ssize_t n;
    do n = ::read(rd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && c != 0) fn();  // 0 is the destructor's wake-up, not a signal
  });
}

StopOnSignal::~StopOnSignal() {
  set_handler(SIGTERM, SIG_DFL);
  set_handler(SIGINT, SIG_DFL);
  char c = 0;
  if (g_pipe[1] >= 0) [[maybe_unused]] auto n = ::write(g_pipe[1], &c, 1);
  if (watcher_.joinable()) watcher_.join();
  for (int& fd : g_pipe) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

}  // namespace nd::agent
