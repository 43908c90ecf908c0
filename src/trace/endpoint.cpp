#include "trace/endpoint.h"

#include <algorithm>
#include <cctype>

#include "node/cidr.h"

namespace nd::trace {
namespace {

bool digits(const std::string& s) {
  return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Kubernetes names: lower-case letters, digits, '-' and '.'.
bool k8s_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '.';
  });
}

}  // namespace

int EndpointSpec::port_number() const { return digits(port) ? std::stoi(port) : 0; }

Result<EndpointSpec> parse_endpoint(const std::string& text) {
  EndpointSpec e;
  e.text = text;
  std::string s = text;
  auto bad = [&](const std::string& why) { return Error{"endpoint '" + text + "': " + why}; };
  if (s.empty()) return bad("empty");
  // "/tcp", "/udp", "/sctp" at the end.
  for (const char* p : {"tcp", "udp", "sctp"}) {
    std::string suf = std::string("/") + p;
    std::string low = s;
    std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (low.size() > suf.size() && low.compare(low.size() - suf.size(), suf.size(), suf) == 0) {
      e.protocol = p;
      s.resize(s.size() - suf.size());
      break;
    }
  }
  // "[v6]:port" or "[v6]".
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return bad("'[' without ']'");
    e.address = s.substr(1, close - 1);
    std::string rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !digits(rest.substr(1))) return bad("expected ':PORT' after ']'");
      e.port = rest.substr(1);
    }
    if (!node::parse_address(e.address)) return bad("'" + e.address + "' is not an address");
    e.kind = EndpointSpec::Kind::Address;
    return e;
  }
  // A bare IPv6 address has several ':' and no port.
  if (std::count(s.begin(), s.end(), ':') > 1) {
    if (!node::parse_address(s)) return bad("not an address (write an IPv6 address with a port as [ADDR]:PORT)");
    e.address = s;
    e.kind = EndpointSpec::Kind::Address;
    return e;
  }
  if (auto colon = s.rfind(':'); colon != std::string::npos) {
    e.port = s.substr(colon + 1);
    s.resize(colon);
    if (e.port.empty()) return bad("empty port after ':'");
  }
  if (!e.port.empty() && e.port_number() == 0 && !k8s_name(e.port)) return bad("port '" + e.port + "' is neither a number nor a port name");
  if (e.port_number() > 65535) return bad("port out of range");
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    parts.push_back(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (const auto& p : parts)
    if (p.empty()) return bad("empty part between '/'");
  if (parts.size() == 3 && (parts[0] == "svc" || parts[0] == "service")) {
    e.kind = EndpointSpec::Kind::Service;
    e.ns = parts[1];
    e.name = parts[2];
  } else if (parts.size() == 2 && parts[0] == "node") {
    e.kind = EndpointSpec::Kind::Node;
    e.name = parts[1];
  } else if (parts.size() == 2) {
    e.kind = EndpointSpec::Kind::Pod;
    e.ns = parts[0];
    e.name = parts[1];
  } else if (parts.size() == 1) {
    if (node::parse_address(parts[0])) {
      e.kind = EndpointSpec::Kind::Address;
      e.address = parts[0];
    } else {
      e.kind = EndpointSpec::Kind::Name;
      e.name = parts[0];
    }
  } else {
    return bad("expected NS/NAME, svc/NS/NAME, node/NAME, an address or a name");
  }
  if (e.kind != EndpointSpec::Kind::Service && !e.port.empty() && e.port_number() == 0)
    return bad("a port name needs a Service (svc/NS/NAME:NAME)");
  return e;
}

}  // namespace nd::trace
