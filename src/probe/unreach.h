// ICMP errors as the kernel hands them to a socket with IP_RECVERR/IPV6_RECVERR (the error queue),
// named and explained from one table, and the classification of a failed connect: the errno, whether
// it came at once (a local decision) or later, and the ICMP message behind it if any.
#pragma once

#include <string>
#include <string_view>

namespace nd::probe {

struct IcmpError {
  bool present = false;
  bool v6 = false;
  int type = 0, code = 0;
  int err = 0;            // the errno the kernel derived from it
  std::string offender;   // who sent it (a router, the target, or this host itself)
  bool from_self = false; // offender is one of our own addresses (a neighbour failure, a local reject)
};

// Reads the newest entry of the socket's error queue (non-blocking). Absent when there is none.
IcmpError read_icmp_error(int fd);

// "host-unreachable", "admin-prohibited", ...; "type T code C" for what the table lacks.
std::string icmp_name(const IcmpError& e);
// One sentence: what the message means for the user, with the playbook item where one applies.
std::string icmp_meaning(const IcmpError& e);

struct Classified {
  std::string result;  // connected|refused|timeout|unreachable|no-route
  std::string detail;
};
// err: SO_ERROR or connect()'s errno (0 = connected); immediate: connect() failed synchronously,
// before any packet could come back.
Classified classify_connect(int err, bool immediate, const IcmpError& icmp);

}  // namespace nd::probe
