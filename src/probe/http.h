// probe http URL: a plain HTTP/1.1 GET over our own TCP connect, so a failure to connect is classified
// as the tcp probe classifies it. Reports the status, connect time and time to first byte.
#pragma once

#include <string>

#include "core/result.h"
#include "probe/result.h"

namespace nd::probe {

struct HttpOptions {
  int timeout_ms = 5000;  // connect + request + status line
  std::string from;
};

Result<ProbeResult> probe_http(const std::string& url, const HttpOptions& o);

// "HTTP/1.1 503 Service Unavailable" -> 503; 0 when it is not a status line.
int parse_status_line(const std::string& line);

}  // namespace nd::probe
