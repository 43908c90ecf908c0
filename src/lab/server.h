// The lab's tiny servers: what the pods, the "outside" web site and the database run. One process
// per namespace, single-threaded, with hard limits (connections, bytes, time per connection) and an
// exit when its lab is gone (the state file disappears), so a forgotten one does not linger.
//   http    HTTP/1.0: GET / -> "hello from WHO"; GET /big -> 256 KiB; a request with a body ->
//           "WHO received N bytes" once all of it arrived (the MTU fault's large transfer).
//   banner  writes "WHO ready" and closes, as a database or redis greets a client.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace nd::lab {

struct Listener {
  std::string bind_ip = "0.0.0.0";
  int port = 0;
  std::string kind = "http";  // http | banner
};

struct ServeConfig {
  std::string who;
  std::vector<Listener> listeners;
  std::string alive_path;      // exits when this file no longer exists ("" = never checks)
  int max_lifetime_s = 86400;  // and in any case after a day
};

inline constexpr size_t kBigResponseBytes = 256 * 1024;

// Binds every listener, writes "ok\n" to ready_fd (or the error), then serves until told to stop.
int serve(const ServeConfig& cfg, int ready_fd);

// serve() as a daemon inside netns; returns its pid.
Result<int> start_server(const std::string& netns, const ServeConfig& cfg, const std::string& log_path);

}  // namespace nd::lab
