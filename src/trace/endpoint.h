// The endpoint syntax of `netdoctor trace`, parsed without the model (pure):
//   NS/NAME                 a pod
//   svc/NS/NAME[:PORT]      a Service, PORT a number or a port name
//   node/NAME[:PORT]        a node (with a port: its NodePort)
//   ADDRESS or NAME         anything else, inside the cluster (a pod or ClusterIP address) or not
// Any of them may end in ":PORT" and then "/tcp", "/udp" or "/sctp"; IPv6 addresses take a port as
// "[fd00::1]:80".
#pragma once

#include <string>

#include "core/result.h"

namespace nd::trace {

struct EndpointSpec {
  enum class Kind { Pod, Service, Node, Address, Name } kind = Kind::Name;
  std::string text;  // as given
  std::string ns, name;
  std::string address;  // Kind::Address
  std::string port;     // "" none; digits or a port name
  std::string protocol;  // "" when not given; else tcp, udp, sctp
  int port_number() const;  // 0 when none or a name
};

Result<EndpointSpec> parse_endpoint(const std::string& text);

}  // namespace nd::trace
