// One-line descriptions of events, in the words of someone reading tcpdump output. Built once, at
// the end, from the event's fields (aggregated events change until then).
#pragma once

#include <string>

#include "pcap/report.h"

namespace nd::pcap {

std::string describe(const Event& e);

}  // namespace nd::pcap
