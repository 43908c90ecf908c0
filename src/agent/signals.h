// SIGTERM and SIGINT end the agent cleanly: the handler only writes a byte to a pipe, and a thread
// that reads it calls the stop function (which is not async-signal-safe). SIGPIPE gets a handler
// that does nothing, so a client that hangs up cannot kill the process, while the commands the
// collector runs still start with the default disposition (handlers are reset by exec, SIG_IGN is not).
#pragma once

#include <functional>
#include <thread>

namespace nd::agent {

class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> on_stop);
  ~StopOnSignal();  // restores the default handlers and joins the thread
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  std::thread watcher_;
};

}  // namespace nd::agent
